//! Several schemes on one history, side by side (seed 004: check a scheme
//! by A/B comparison on history before adopting it): the spread of scores
//! and the cost of pay per scheme and store, how far each pair of schemes
//! agrees on who ranks where, who gains and who loses, whether a scheme
//! rewards growth, and what each costs when sales fall or rise.

mod frames;
mod stats;
mod stress;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::{f64_values, str_values};
use crate::metric::Level;
use crate::pay::{Pay, PayRow};
use crate::period_metrics::Metrics;
use crate::roster::roster_names;
use crate::scheme::{PayRule, Scheme};
use crate::scoring::{ScoreRow, Scores};
use crate::table::Table;

pub use frames::no_correlation_text;
pub use stats::{MoneySpread, NoCorrelation, Spread};
pub use stress::{SALES_MEASURES, STRESS_FACTORS, scale_sales};

/// One scheme's results on the history.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The scheme.
    pub scheme: &'a Scheme,
    /// Its scores.
    pub scores: &'a Scores,
    /// Its pay, when it has a `[pay]` table.
    pub pay: Option<&'a Pay>,
}

/// Every scheme's results on one version of the history: as it is
/// (factor 1) or with its sales measures scaled ([`scale_sales`]).
pub struct Scenario<'a> {
    /// The factor the sales measures were multiplied by.
    pub factor: Decimal,
    /// The metrics of that history.
    pub metrics: &'a Metrics,
    /// One run per scheme, in the order compared.
    pub runs: Vec<Run<'a>>,
}

/// The comparison of schemes: the `comparison_*` tables, typed.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Scheme ids, in the order compared (the first is the baseline of
    /// every change).
    pub schemes: Vec<String>,
    /// Every grade label of the schemes, in the order first met.
    pub grades: Vec<String>,
    /// `comparison_summary`.
    pub summary: Vec<SummaryRow>,
    /// `comparison_pairs`.
    pub pairs: Vec<PairRow>,
    /// `comparison_people`.
    pub people: Vec<PersonRow>,
    /// `comparison_alignment`.
    pub alignment: Vec<AlignmentRow>,
    /// `comparison_stress`.
    pub stress: Vec<StressRow>,
}

/// One scheme over the company (no store) or one store, all periods.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Scheme id.
    pub scheme: String,
    /// The store, or none for the company row.
    pub store_id: Option<String>,
    /// Distinct employees with a total score.
    pub employees: usize,
    /// Employee-months with a total score.
    pub employee_months: usize,
    /// Employee-months in the scheme's roles that were not eligible.
    pub not_eligible: usize,
    /// The spread of the total scores.
    pub score: Spread,
    /// Employee-months per grade of [`Comparison::grades`]; none for a
    /// grade the scheme does not have.
    pub grade_counts: Vec<Option<usize>>,
    /// Sums of pay, when the scheme has pay.
    pub pay: Option<PayTotals>,
}

/// What a scheme pays over a set of employee-months, and what they sold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PayTotals {
    /// Gross pay.
    pub total: Decimal,
    /// The part of it from fixed and roster components (pay that does not
    /// move with performance).
    pub fixed: Decimal,
    /// GMV of the stores (the store, for a store row) over the months paid.
    pub gmv: Option<Decimal>,
    /// The paid staff's own sales (`cs_sales`) in the months paid.
    pub own_sales: Option<Decimal>,
}

impl PayTotals {
    /// Pay as a share of GMV (missing when GMV is zero or unknown).
    pub fn pct_gmv(&self) -> Option<f64> {
        ratio(self.total, self.gmv?)
    }

    /// Pay as a share of the staff's own sales.
    pub fn pct_own_sales(&self) -> Option<f64> {
        ratio(self.total, self.own_sales?)
    }

    /// The share of pay that moves with performance: (gross − fixed) ÷ gross.
    pub fn variable_share(&self) -> Option<f64> {
        ratio(self.total - self.fixed, self.total)
    }
}

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<f64> {
    if denominator.is_zero() {
        return None;
    }
    (numerator / denominator).to_f64()
}

/// Two schemes on the employee-months both score.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRow {
    /// First scheme id.
    pub scheme_a: String,
    /// Second scheme id.
    pub scheme_b: String,
    /// Employee-months both score.
    pub employee_months: usize,
    /// Employee-months only the first scores (left out of the comparison).
    pub only_a: usize,
    /// Employee-months only the second scores.
    pub only_b: usize,
    /// Spearman's rank correlation of the total scores, or why there is none.
    pub spearman: std::result::Result<f64, NoCorrelation>,
    /// Employee-months graded differently; none when the schemes' grade
    /// tables have different labels (every grade would differ).
    pub grade_changes: Option<usize>,
    /// Pay differences, when both schemes pay.
    pub pay: Option<PayDifference>,
}

/// Pay of the second scheme less the first, over the employee-months both pay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PayDifference {
    /// Employee-months both pay.
    pub employee_months: usize,
    /// The first scheme's gross over them.
    pub total_a: Decimal,
    /// The second's.
    pub total_b: Decimal,
    /// The spread of the per-person difference (b − a).
    pub spread: MoneySpread,
    /// Employee-months paid more under the second scheme.
    pub winners: usize,
    /// Employee-months paid less.
    pub losers: usize,
}

impl PayDifference {
    /// `total_b − total_a`.
    pub fn total(&self) -> Decimal {
        self.total_b - self.total_a
    }
}

/// One employee-month under every scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    /// `YYYY-MM`.
    pub period: String,
    /// Employee id.
    pub employee_id: String,
    /// The roster name, when the roster has names.
    pub name: Option<String>,
    /// Store.
    pub store_id: Option<String>,
    /// Role.
    pub role: String,
    /// Per scheme, in order.
    pub schemes: Vec<PersonUnder>,
}

/// One employee-month under one scheme.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonUnder {
    /// Total score.
    pub total_score: Option<f64>,
    /// Grade.
    pub grade: Option<String>,
    /// Gross pay.
    pub gross: Option<Decimal>,
}

/// Does a scheme reward what the business wants: the rank correlation of
/// its total scores with growth.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignmentRow {
    /// Scheme id.
    pub scheme: String,
    /// Employee-months with a score and a month-on-month GMV growth of their store.
    pub store_gmv_pairs: usize,
    /// Spearman of score with the store's GMV growth (`gmv_growth_mom`).
    pub store_gmv_growth: std::result::Result<f64, NoCorrelation>,
    /// Employee-months with a score and their own sales growth.
    pub own_sales_pairs: usize,
    /// Spearman of score with their own sales growth (`cs_sales_growth_mom`).
    pub own_sales_growth: std::result::Result<f64, NoCorrelation>,
}

/// One scheme's cost on the history with sales scaled by `factor`.
#[derive(Debug, Clone, PartialEq)]
pub struct StressRow {
    /// Scheme id.
    pub scheme: String,
    /// The factor sales were multiplied by.
    pub factor: Decimal,
    /// Employee-months scored.
    pub employee_months: usize,
    /// Mean total score.
    pub score_mean: Option<f64>,
    /// Pay sums, when the scheme pays.
    pub pay: Option<PayTotals>,
    /// Gross pay less the gross at factor 1.
    pub pay_change: Option<Decimal>,
}

impl StressRow {
    /// The change as a share of the pay at factor 1.
    pub fn pay_change_pct(&self) -> Option<f64> {
        let pay = self.pay?;
        let change = self.pay_change?;
        ratio(change, pay.total - change)
    }
}

/// Compares the runs of `base` (the history as it is) and prices each
/// scheme with the `stress` points of the scaled histories
/// ([`stress_points`]). `data` gives the roster's names.
pub fn compare(base: &Scenario<'_>, stress: Vec<StressRow>, data: &Dataset) -> Result<Comparison> {
    let measures = Measures::of(base.metrics)?;
    let schemes: Vec<String> = base
        .runs
        .iter()
        .map(|r| r.scheme.scheme.id.clone())
        .collect();
    let mut grades: Vec<String> = Vec::new();
    for run in &base.runs {
        for g in &run.scheme.grades {
            if !grades.iter().any(|known| **known == *g.label) {
                grades.push(g.label.to_string());
            }
        }
    }
    let mut summary = Vec::new();
    for run in &base.runs {
        // Each store's rows, found in one pass (the company row takes all).
        let mut stores: BTreeMap<&str, StoreRows<'_>> = BTreeMap::new();
        for r in &run.scores.rows {
            if let Some(store) = r.store_id.as_deref() {
                stores.entry(store).or_default().scores.push(r);
            }
        }
        for r in run.pay.iter().flat_map(|p| &p.rows) {
            if let Some(store) = r.store_id.as_deref() {
                stores.entry(store).or_default().pay.push(r);
            }
        }
        let company = StoreRows {
            scores: run.scores.rows.iter().collect(),
            pay: run.pay.iter().flat_map(|p| &p.rows).collect(),
        };
        summary.push(summary_row(run, None, &company, &grades, &measures));
        for (store, rows) in &stores {
            summary.push(summary_row(run, Some(store), rows, &grades, &measures));
        }
    }
    let mut pairs = Vec::new();
    for (i, a) in base.runs.iter().enumerate() {
        for b in &base.runs[i + 1..] {
            pairs.push(pair_row(a, b));
        }
    }
    let alignment = base
        .runs
        .iter()
        .map(|r| alignment_row(r, &measures))
        .collect();
    let people = people(&base.runs, data)?;
    let stress = stress_rows(base, &measures, stress);
    Ok(Comparison {
        schemes,
        grades,
        summary,
        pairs,
        people,
        alignment,
        stress,
    })
}

/// The per-period values of the metrics a comparison looks up.
struct Measures {
    /// Store GMV in cents, by (period, store).
    gmv: HashMap<(String, String), i64>,
    /// Store GMV growth, month on month.
    gmv_growth: HashMap<(String, String), f64>,
    /// Own sales in cents, by (period, employee).
    own_sales: Option<HashMap<(String, String), i64>>,
    /// Own sales growth.
    own_growth: HashMap<(String, String), f64>,
}

impl Measures {
    fn of(metrics: &Metrics) -> Result<Measures> {
        let lookup = |level: Level,
                      id: &str,
                      value: &str|
         -> Result<Option<HashMap<(String, String), f64>>> {
            let frame = metrics.frame(level);
            if frame.column(value).is_err() {
                return Ok(None);
            }
            let periods = str_values(frame, "period")?;
            let ids = str_values(frame, id)?;
            let values = f64_values(frame, value)?;
            Ok(Some(
                periods
                    .into_iter()
                    .zip(ids)
                    .zip(values)
                    .filter_map(|((p, i), v)| Some(((p?, i?), v?)))
                    .collect(),
            ))
        };
        // Sums of cents are whole numbers, exact in f64 below 2^53.
        let cents =
            |m: HashMap<(String, String), f64>| m.into_iter().map(|(k, v)| (k, v as i64)).collect();
        Ok(Measures {
            gmv: lookup(Level::Store, "store_id", "gmv")?
                .map(cents)
                .unwrap_or_default(),
            gmv_growth: lookup(Level::Store, "store_id", "gmv_growth_mom")?.unwrap_or_default(),
            own_sales: lookup(Level::Employee, "employee_id", "cs_sales")?.map(cents),
            own_growth: lookup(Level::Employee, "employee_id", "cs_sales_growth_mom")?
                .unwrap_or_default(),
        })
    }

    fn has_gmv(&self) -> bool {
        !self.gmv.is_empty()
    }
}

fn key(period: &str, id: &str) -> (String, String) {
    (period.to_string(), id.to_string())
}

/// The score and pay rows of one store (or of the company).
#[derive(Default)]
struct StoreRows<'a> {
    scores: Vec<&'a ScoreRow>,
    pay: Vec<&'a PayRow>,
}

fn summary_row(
    run: &Run<'_>,
    store: Option<&str>,
    here: &StoreRows<'_>,
    grades: &[String],
    measures: &Measures,
) -> SummaryRow {
    let rows = &here.scores;
    let totals: Vec<f64> = rows.iter().filter_map(|r| r.total_score).collect();
    let employees: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.total_score.is_some())
        .map(|r| &*r.employee_id)
        .collect();
    let grade_counts = grades
        .iter()
        .map(|g| {
            run.scheme
                .grades
                .iter()
                .any(|own| *own.label == **g)
                .then(|| {
                    rows.iter()
                        .filter(|r| r.grade.as_deref() == Some(g.as_str()))
                        .count()
                })
        })
        .collect();
    SummaryRow {
        scheme: run.scheme.scheme.id.clone(),
        store_id: store.map(str::to_string),
        employees: employees.len(),
        employee_months: totals.len(),
        not_eligible: rows.iter().filter(|r| !r.eligible).count(),
        score: stats::spread(&totals),
        grade_counts,
        pay: run
            .pay
            .map(|pay| pay_totals(run.scheme, pay, &here.pay, store, measures)),
    }
}

/// What `pay` pays in `rows`, those of `store` (all stores for none), with
/// the GMV of the months paid and the paid staff's own sales.
fn pay_totals(
    scheme: &Scheme,
    pay: &Pay,
    rows: &[&PayRow],
    store: Option<&str>,
    measures: &Measures,
) -> PayTotals {
    let fixed_components: Vec<bool> = pay
        .component_ids
        .iter()
        .map(|id| {
            scheme.pay.iter().flat_map(|p| &p.components).any(|c| {
                &c.id == id && matches!(c.rule, PayRule::Fixed { .. } | PayRule::Roster { .. })
            })
        })
        .collect();
    let total = rows.iter().map(|r| r.gross).sum();
    let fixed = rows
        .iter()
        .flat_map(|r| r.amounts.iter().zip(&fixed_components))
        .filter(|(_, fixed)| **fixed)
        .filter_map(|(amount, _)| *amount)
        .sum();
    let periods: BTreeSet<&str> = rows.iter().map(|r| r.period.as_str()).collect();
    let gmv = measures.has_gmv().then(|| {
        let cents: i64 = measures
            .gmv
            .iter()
            .filter(|((p, s), _)| {
                periods.contains(p.as_str()) && (store.is_none() || Some(s.as_str()) == store)
            })
            .map(|(_, v)| v)
            .sum();
        Decimal::new(cents, 2)
    });
    let own_sales = measures.own_sales.as_ref().map(|sales| {
        let cents: i64 = rows
            .iter()
            .filter_map(|r| sales.get(&key(&r.period, &r.employee_id)))
            .sum();
        Decimal::new(cents, 2)
    });
    PayTotals {
        total,
        fixed,
        gmv,
        own_sales,
    }
}

/// Each employee-month's total score and grade under a run.
fn scored<'a>(run: &Run<'a>) -> HashMap<(&'a str, &'a str), (f64, Option<&'a str>)> {
    run.scores
        .rows
        .iter()
        .filter_map(|r| {
            Some((
                (&*r.period, &*r.employee_id),
                (r.total_score?, r.grade.as_deref()),
            ))
        })
        .collect()
}

fn pair_row(a: &Run<'_>, b: &Run<'_>) -> PairRow {
    let (sa, sb) = (scored(a), scored(b));
    let mut both: Vec<_> = sa
        .iter()
        .filter_map(|(k, x)| sb.get(k).map(|y| (*k, *x, *y)))
        .collect();
    both.sort_by_key(|(k, _, _)| *k);
    let totals: Vec<(f64, f64)> = both.iter().map(|(_, x, y)| (x.0, y.0)).collect();
    let pay = a.pay.zip(b.pay).map(|(pa, pb)| {
        let gross = |p: &Pay| -> HashMap<(String, String), Decimal> {
            p.rows
                .iter()
                .map(|r| (key(&r.period, &r.employee_id), r.gross))
                .collect()
        };
        let (ga, gb) = (gross(pa), gross(pb));
        let mut common: Vec<(&(String, String), Decimal, Decimal)> = ga
            .iter()
            .filter_map(|(k, x)| gb.get(k).map(|y| (k, *x, *y)))
            .collect();
        common.sort_by(|x, y| x.0.cmp(y.0));
        let differences: Vec<Decimal> = common.iter().map(|(_, x, y)| y - x).collect();
        PayDifference {
            employee_months: common.len(),
            total_a: common.iter().map(|c| c.1).sum(),
            total_b: common.iter().map(|c| c.2).sum(),
            spread: stats::money_spread(&differences),
            winners: differences
                .iter()
                .filter(|d| d.is_sign_positive() && !d.is_zero())
                .count(),
            losers: differences
                .iter()
                .filter(|d| d.is_sign_negative() && !d.is_zero())
                .count(),
        }
    });
    PairRow {
        scheme_a: a.scheme.scheme.id.clone(),
        scheme_b: b.scheme.scheme.id.clone(),
        employee_months: both.len(),
        only_a: sa.len() - both.len(),
        only_b: sb.len() - both.len(),
        spearman: stats::spearman(&totals),
        grade_changes: same_grades(a.scheme, b.scheme)
            .then(|| both.iter().filter(|(_, x, y)| x.1 != y.1).count()),
        pay,
    }
}

/// Whether two schemes grade with the same labels, in the same order.
fn same_grades(a: &Scheme, b: &Scheme) -> bool {
    a.grades
        .iter()
        .map(|g| &g.label)
        .eq(b.grades.iter().map(|g| &g.label))
}

fn alignment_row(run: &Run<'_>, measures: &Measures) -> AlignmentRow {
    let mut store_pairs = Vec::new();
    let mut own_pairs = Vec::new();
    for r in &run.scores.rows {
        let Some(total) = r.total_score else { continue };
        if let Some(growth) = r
            .store_id
            .as_ref()
            .and_then(|s| measures.gmv_growth.get(&key(&r.period, s)))
        {
            store_pairs.push((total, *growth));
        }
        if let Some(growth) = measures.own_growth.get(&key(&r.period, &r.employee_id)) {
            own_pairs.push((total, *growth));
        }
    }
    AlignmentRow {
        scheme: run.scheme.scheme.id.clone(),
        store_gmv_pairs: store_pairs.len(),
        store_gmv_growth: stats::spearman(&store_pairs),
        own_sales_pairs: own_pairs.len(),
        own_sales_growth: stats::spearman(&own_pairs),
    }
}

/// Every employee-month any scheme scores or pays, in period and employee order.
fn people(runs: &[Run<'_>], data: &Dataset) -> Result<Vec<PersonRow>> {
    let names = roster_names(data, Table::Employees, "employee_id")?;
    let mut rows: BTreeMap<(&str, &str), PersonRow> = BTreeMap::new();
    let n = runs.len();
    let new_row = |period: &str, employee: &str, store: Option<&str>, role: &str| {
        person(period, employee, store, role, &names, n)
    };
    for (s, run) in runs.iter().enumerate() {
        for r in &run.scores.rows {
            let row = rows
                .entry((&*r.period, &*r.employee_id))
                .or_insert_with(|| {
                    new_row(&r.period, &r.employee_id, r.store_id.as_deref(), &r.role)
                });
            row.schemes[s].total_score = r.total_score;
            row.schemes[s].grade = r.grade.as_deref().map(str::to_string);
        }
        for r in run.pay.iter().flat_map(|p| &p.rows) {
            let row = rows
                .entry((r.period.as_str(), &*r.employee_id))
                .or_insert_with(|| {
                    new_row(&r.period, &r.employee_id, r.store_id.as_deref(), &r.role)
                });
            row.schemes[s].gross = Some(r.gross);
        }
    }
    Ok(rows.into_values().collect())
}

fn person(
    period: &str,
    employee: &str,
    store: Option<&str>,
    role: &str,
    names: &HashMap<String, String>,
    schemes: usize,
) -> PersonRow {
    PersonRow {
        period: period.to_string(),
        employee_id: employee.to_string(),
        name: names.get(employee).cloned(),
        store_id: store.map(str::to_string),
        role: role.to_string(),
        schemes: vec![PersonUnder::default(); schemes],
    }
}

/// What each scheme of a scenario (the history with its sales scaled)
/// costs: one [`StressRow`] per run, its `pay_change` left for
/// [`compare`] to fill. A caller may keep these and drop the scenario.
pub fn stress_points(scenario: &Scenario<'_>) -> Result<Vec<StressRow>> {
    Ok(points_with(scenario, &Measures::of(scenario.metrics)?))
}

/// [`stress_points`] with the scenario's measures at hand.
fn points_with(scenario: &Scenario<'_>, measures: &Measures) -> Vec<StressRow> {
    scenario
        .runs
        .iter()
        .map(|run| {
            let totals: Vec<f64> = run
                .scores
                .rows
                .iter()
                .filter_map(|r| r.total_score)
                .collect();
            StressRow {
                scheme: run.scheme.scheme.id.clone(),
                factor: scenario.factor,
                employee_months: totals.len(),
                score_mean: stats::spread(&totals).mean,
                pay_change: None,
                pay: run.pay.map(|pay| {
                    let rows: Vec<&PayRow> = pay.rows.iter().collect();
                    pay_totals(run.scheme, pay, &rows, None, measures)
                }),
            }
        })
        .collect()
}

/// Every scheme at every factor (the history itself at 1), by scheme then
/// factor, with the change of gross pay from factor 1.
fn stress_rows(base: &Scenario<'_>, measures: &Measures, stress: Vec<StressRow>) -> Vec<StressRow> {
    let mut points = points_with(base, measures);
    points.extend(stress);
    let order = |id: &str| base.runs.iter().position(|r| r.scheme.scheme.id == id);
    points.sort_by_key(|p| (order(&p.scheme), p.factor));
    let at_one: Vec<Option<Decimal>> = points
        .iter()
        .map(|p| {
            points
                .iter()
                .find(|q| q.scheme == p.scheme && q.factor == Decimal::ONE)
                .and_then(|q| q.pay.map(|pay| pay.total))
        })
        .collect();
    for (point, one) in points.iter_mut().zip(at_one) {
        point.pay_change = point.pay.zip(one).map(|(p, one)| p.total - one);
    }
    points
}
