//! Scoring employees with a scheme: items, totals, grades and eligibility.
//! The population and each row's items are here; `eligibility` says who
//! is scored, `columns` reads every item's value, `rank` places
//! employees for `rank` rules, `team_average` and `streaks` run after
//! the rows are scored, `flag` is the notes on a row and `export` the
//! `scores` and `score_details` tables.

mod columns;
mod eligibility;
mod export;
mod flag;
mod rank;
mod streaks;
mod team_average;

pub use flag::Flag;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::prelude::*;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::period_metrics::Metrics;
use crate::roster::{Employee, absent_days, read_roster};
use crate::scheme::{
    Combine, Lang, MissingOutcome, MissingPolicy, Rule, Scheme, Step, Steps, render_steps,
};
use columns::{Frames, ItemColumns, Values};
use eligibility::{days_employed, ineligibility};
use rank::{Ranks, Weekly, rank_places};
use streaks::flag_streaks;
use team_average::average_for_managers;

/// What every row's score of one item shares: the item's id, metric and
/// weight in the period's scheme, and the columns its value, numerator and
/// denominator are read from (one for all the rows).
#[derive(Debug)]
pub struct ItemKey {
    /// Item id.
    pub item: Box<str>,
    /// Metric id.
    pub metric: Box<str>,
    /// The item's weight.
    pub weight: f64,
    inputs: Inputs,
}

/// The value, numerator and denominator columns of an item, one row per
/// row of the metrics frame.
struct Inputs {
    value: Values,
    numerator: Option<Values>,
    denominator: Option<Values>,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inputs")
    }
}

/// One item of one employee-period, with everything needed to explain it.
/// Its id, metric, weight and input columns are its item's ([`ItemKey`]);
/// its value, numerator and denominator are read from them at its row.
#[derive(Debug, Clone)]
pub struct ItemScore {
    /// The item's id, metric, weight and input columns.
    pub key: Arc<ItemKey>,
    /// The row of the metrics frame the value is read from; none when the
    /// item has no value (no activity, not the role's, rolled up).
    row: Option<u32>,
    /// Points; none when the item is skipped.
    pub points: Option<f64>,
    /// Points × weight ÷ total weight considered: what the item adds to the total.
    pub contribution: Option<f64>,
    /// What the rule did (see [`ItemScore::rule`] for it in words).
    pub steps: Steps,
    /// Why the value is missing, when it is.
    pub missing_reason: Option<Box<str>>,
    /// False when the item's section does not score the employee's role.
    pub applies: bool,
}

impl ItemScore {
    /// The rule applied, in words.
    pub fn rule(&self, lang: Lang) -> String {
        render_steps(&self.steps, lang)
    }

    /// Item id.
    pub fn item(&self) -> &str {
        &self.key.item
    }

    /// Metric id.
    pub fn metric(&self) -> &str {
        &self.key.metric
    }

    /// The item's weight.
    pub fn weight(&self) -> f64 {
        self.key.weight
    }

    fn read(&self, column: impl Fn(&Inputs) -> Option<&Values>) -> Option<f64> {
        column(&self.key.inputs)?.get(self.row? as usize)
    }

    /// Metric value; none when missing.
    pub fn value(&self) -> Option<f64> {
        self.read(|i| Some(&i.value))
    }

    /// Numerator (or the summed value) behind the metric, in the metric's input unit.
    pub fn numerator(&self) -> Option<f64> {
        self.read(|i| i.numerator.as_ref())
    }

    /// Denominator behind a ratio metric.
    pub fn denominator(&self) -> Option<f64> {
        self.read(|i| i.denominator.as_ref())
    }

    /// The same item rolled up: no value, these points and contribution,
    /// these steps.
    pub(crate) fn rolled_up(
        &self,
        points: Option<f64>,
        contribution: Option<f64>,
        steps: Steps,
    ) -> ItemScore {
        ItemScore {
            key: self.key.clone(),
            row: None,
            points,
            contribution,
            steps,
            missing_reason: None,
            applies: self.applies,
        }
    }
}

impl PartialEq for ItemScore {
    /// Equal when everything read of them is.
    fn eq(&self, other: &ItemScore) -> bool {
        self.item() == other.item()
            && self.metric() == other.metric()
            && self.weight() == other.weight()
            && self.value() == other.value()
            && self.numerator() == other.numerator()
            && self.denominator() == other.denominator()
            && self.points == other.points
            && self.contribution == other.contribution
            && self.steps == other.steps
            && self.missing_reason == other.missing_reason
            && self.applies == other.applies
    }
}

/// The score of one employee in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// `YYYY-MM` (one text for every row of the period).
    pub period: Arc<str>,
    /// Employee id (one text for every row of the employee).
    pub employee_id: Arc<str>,
    /// Store id from the roster (one text for every row of the store).
    pub store_id: Option<Arc<str>>,
    /// Team id from the roster (one text for every row of the team).
    pub team_id: Option<Arc<str>>,
    /// Role id (one text for every row of the role).
    pub role: Arc<str>,
    /// Whether the employee is scored this period.
    pub eligible: bool,
    /// One entry per scheme item, in scheme order (empty when not eligible).
    pub items: Vec<ItemScore>,
    /// One score per scheme section, in scheme order (none when nothing in it was scored).
    pub sections: Vec<Option<f64>>,
    /// One entry per bonus item, points already capped.
    pub bonus_items: Vec<ItemScore>,
    /// Bonus points added on top of the weighted total.
    pub bonus: Option<f64>,
    /// Weighted total, rounded half-up to 2 decimals; none when not eligible.
    pub total_score: Option<f64>,
    /// Grade label; none when not eligible (one text for every row of the grade).
    pub grade: Option<Arc<str>>,
    /// Payout percentage of the grade (none when the grade table names none).
    pub payout_pct: Option<Decimal>,
    /// Position wage of the grade, yuan (none when the grade table names none).
    pub position_wage: Option<Decimal>,
    /// Notes: why not eligible, which items were missing, streaks raised.
    pub flags: Vec<Flag>,
}

impl ScoreRow {
    /// The streak flags raised this period (`award`), for pay.
    pub fn streaks(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().filter_map(|f| match f {
            Flag::Streak(streak) => Some(streak.flag.as_str()),
            _ => None,
        })
    }

    /// Sets the grade of `total` with its payout and position wage.
    pub(crate) fn set_grade(&mut self, scheme: &Scheme, total: f64) {
        let grade = scheme.grade_for(total);
        self.grade = grade.map(|g| g.label.clone());
        self.payout_pct = grade.and_then(|g| g.payout_pct(total));
        self.position_wage = grade.and_then(|g| g.position_wage);
    }
}

/// All scores of a run.
#[derive(Debug, Clone)]
pub struct Scores {
    /// Item ids, in scheme order.
    pub item_ids: Vec<String>,
    /// Section ids, in scheme order.
    pub section_ids: Vec<String>,
    /// Bonus item ids, in scheme order.
    pub bonus_ids: Vec<String>,
    /// Rows sorted by period and employee.
    pub rows: Vec<ScoreRow>,
    /// Whether the grade table pays a percentage (`payout_pct` column).
    pub has_payout: bool,
    /// Whether the grade table names position wages (`position_wage` column).
    pub has_position_wage: bool,
}

/// Scores every employee-period of a covered role.
///
/// The population is every employee-period with activity, plus every
/// employee-period in `attendance` inside the activity's periods (someone
/// absent all month is still listed, as not eligible).
pub fn score(scheme: &Scheme, metrics: &Metrics, data: &Dataset) -> Result<Scores> {
    let mut laps = crate::timing::Laps::new();
    crate::needs::check_data(scheme, metrics, data)?;
    laps.lap("score: check data");
    let frame = &metrics.employee;
    // The absent days, the roster and every item's values, side by side.
    let ((absences, roster), columns) = rayon::join(
        || rayon::join(|| absent_days(data), || read_roster(data)),
        || {
            ItemColumns::new(
                scheme,
                Frames {
                    employee: frame,
                    store: Some(&metrics.store),
                },
                data,
            )
        },
    );
    let (absence_sums, roster, columns) = (absences?, roster?, columns?);
    // Each month's absent days beside the metrics row of its key, when the
    // employee has one (a join on both cores, not a hash table of keys).
    let absences = match &absence_sums {
        Some(sums) => {
            let beside = absences_beside_rows(frame, sums)?;
            let columns = (
                crate::frame::str_column(&beside, "period")?,
                crate::frame::str_column(&beside, "employee_id")?,
                crate::frame::f64_values(&beside, "absent_days")?,
                beside.column("_row")?.idx()?.clone(),
            );
            Some(columns)
        }
        None => None,
    };
    let mut absent_by_row: Vec<Option<f64>> = vec![None; frame.height()];
    // (period, employee, absent days) of months without activity.
    let mut without_row: Vec<(&str, &str, f64)> = Vec::new();
    if let Some((periods, employees, days, rows)) = &absences {
        for (((p, e), d), row) in periods
            .iter()
            .zip(employees.iter())
            .zip(days)
            .zip(rows.iter())
        {
            let (Some(p), Some(e), Some(d)) = (p, e, d) else {
                continue;
            };
            match row {
                Some(row) => absent_by_row[row as usize] = Some(*d),
                None => without_row.push((p, e, *d)),
            }
        }
    }
    laps.lap("score: attendance, roster and item values");
    let roles: BTreeSet<&str> = scheme.scheme.roles.iter().map(|r| r.id()).collect();

    let text = |name: &str| crate::frame::str_column(frame, name);
    let (periods, employees, row_roles) = (text("period")?, text("employee_id")?, text("role")?);
    // (period, employee, row of the metrics frame, absent days)
    let mut population: Vec<(&str, &str, Option<usize>, Option<f64>)> =
        Vec::with_capacity(frame.height());
    for (i, ((p, e), role)) in periods
        .iter()
        .zip(employees.iter())
        .zip(row_roles.iter())
        .enumerate()
    {
        if let (Some(p), Some(e)) = (p, e)
            && role.is_some_and(|role| roles.contains(role))
        {
            population.push((p, e, Some(i), absent_by_row[i]));
        }
    }
    let mut active_periods: BTreeSet<&str> = BTreeSet::new();
    let mut last = None;
    for p in periods.iter().flatten() {
        if last != Some(p) {
            active_periods.insert(p);
            last = Some(p);
        }
    }
    // A month with activity is in the population already, or not covered.
    for &(p, e, days) in &without_row {
        let covered = roster
            .get(e)
            .and_then(|r| r.role.as_deref())
            .is_some_and(|role| roles.contains(role));
        if covered && active_periods.contains(p) {
            population.push((p, e, None, Some(days)));
        }
    }
    // One entry a key, should a frame built by hand repeat one: its last row.
    population.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.cmp(&a.2)));
    population.dedup_by_key(|&mut (p, e, ..)| (p, e));

    // Months outside the roster's employment are neither scored nor paid,
    // whatever activity rows they have (the reader notes those rows).
    let employed: Vec<bool> = population
        .par_iter()
        .map(|(p, e, ..)| eligibility::employed_in(p, roster.get(*e)))
        .collect();
    let mut employed = employed.into_iter();
    population.retain(|_| employed.next().unwrap_or(false));
    laps.lap("score: population");

    // One text of each period for all its rows.
    let period_texts: PlHashMap<&str, Arc<str>> = population
        .iter()
        .map(|&(period, ..)| period)
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(|period| (period, Arc::from(period)))
        .collect();
    // And of each employee for all theirs.
    let mut employee_texts: PlHashMap<&str, Arc<str>> = PlHashMap::new();
    for &(_, employee_id, ..) in &population {
        employee_texts
            .entry(employee_id)
            .or_insert_with(|| Arc::from(employee_id));
    }
    let entries: Vec<Entry<'_>> = population
        .into_par_iter()
        .map(|(period, employee_id, row, absent_days)| Entry {
            roster: roster.get(employee_id),
            row,
            absent_days,
            period: period_texts[period].clone(),
            employee_id: employee_texts[employee_id].clone(),
        })
        .collect();
    laps.lap("score: entries");
    let weekly = Weekly::new(scheme, data)?;
    let ranks = rank_places(scheme, &columns, weekly.as_ref(), &entries);
    // The scheme in force each period with its items' keys, then every row
    // on every core.
    type InForce<'s> = (std::borrow::Cow<'s, Scheme>, Vec<Arc<ItemKey>>);
    let by_period: HashMap<Arc<str>, InForce<'_>> = period_texts
        .values()
        .map(|p| {
            let in_force = scheme.for_period(p);
            let keys = item_keys(&in_force, &columns);
            (p.clone(), (in_force, keys))
        })
        .collect();
    let mut rows: Vec<ScoreRow> = entries
        .into_par_iter()
        .map(|entry| {
            let (in_force, keys) = &by_period[&entry.period];
            score_one(in_force, keys, &columns, &ranks, entry)
        })
        .collect();
    laps.lap("score: rows");
    average_for_managers(scheme, &mut rows);
    flag_streaks(scheme, &mut rows);
    laps.lap("score: team and streaks");
    Ok(Scores {
        item_ids: scheme.items.iter().map(|i| i.id.clone()).collect(),
        section_ids: scheme.sections.iter().map(|s| s.id.clone()).collect(),
        bonus_ids: scheme.bonus.iter().map(|b| b.id.clone()).collect(),
        rows,
        has_payout: scheme.grades.iter().any(|g| g.payout.is_some()),
        has_position_wage: scheme.grades.iter().any(|g| g.position_wage.is_some()),
    })
}

/// The absence sums (`period`, `employee_id`, `absent_days`) with the row
/// of `frame` of the same key in `_row` (null for a month without activity;
/// a key on two rows of a frame built by hand is on two rows).
fn absences_beside_rows(frame: &DataFrame, sums: &DataFrame) -> Result<DataFrame> {
    // Each month's sum in the row of the metrics row of its key already
    // (the metrics and the attendance both by employee and month).
    if crate::frame::same_keys(frame, sums, &["period", "employee_id"]) {
        let mut beside = sums.clone();
        let rows = IdxCa::from_vec("_row".into(), (0..sums.height() as IdxSize).collect());
        beside.with_column(rows.into_column())?;
        return Ok(beside);
    }
    absences_joined(frame, sums)
}

/// [`absences_beside_rows`] by a join on the keys.
fn absences_joined(frame: &DataFrame, sums: &DataFrame) -> Result<DataFrame> {
    let keys = frame
        .select(["period", "employee_id"])?
        .with_row_index("_row".into(), None)?;
    let on = || [col("period"), col("employee_id")];
    Ok(sums
        .clone()
        .lazy()
        .join(keys.lazy(), on(), on(), JoinArgs::new(JoinType::Left))
        .collect()?)
}

/// One employee-period to score.
struct Entry<'a> {
    period: Arc<str>,
    employee_id: Arc<str>,
    roster: Option<&'a Employee>,
    row: Option<usize>,
    absent_days: Option<f64>,
}

/// The key of each item of `scheme`, then of each bonus item (weight 0),
/// with its input columns.
fn item_keys(scheme: &Scheme, columns: &ItemColumns) -> Vec<Arc<ItemKey>> {
    let items = scheme
        .items
        .iter()
        .map(|item| (item.id.as_str(), item.metric_name(), item.weight));
    let bonus = scheme
        .bonus
        .iter()
        .map(|bonus| (bonus.id.as_str(), bonus.metric_name(), 0.0));
    items
        .chain(bonus)
        .enumerate()
        .map(|(i, (item, metric, weight))| {
            Arc::new(ItemKey {
                item: item.into(),
                metric: metric.into(),
                weight,
                inputs: Inputs {
                    value: columns.value[i].clone(),
                    numerator: columns.numerator[i].clone(),
                    denominator: columns.denominator[i].clone(),
                },
            })
        })
        .collect()
}

fn score_one(
    scheme: &Scheme,
    keys: &[Arc<ItemKey>],
    columns: &ItemColumns,
    ranks: &Ranks,
    entry: Entry<'_>,
) -> ScoreRow {
    let not_eligible = ineligibility(scheme, &entry);
    let on_probation = scheme
        .eligibility
        .probation_days
        .zip(days_employed(&entry.period, entry.roster))
        .filter(|&(probation, days)| days < i64::from(probation));
    let Entry {
        period,
        employee_id,
        roster,
        row,
        ..
    } = entry;
    let mut out = ScoreRow {
        period,
        employee_id,
        store_id: roster.and_then(|r| r.store_id.clone()),
        team_id: roster.and_then(|r| r.team_id.clone()),
        role: roster.and_then(|r| r.role.clone()).unwrap_or_default(),
        eligible: true,
        items: Vec::new(),
        sections: Vec::new(),
        bonus_items: Vec::new(),
        bonus: None,
        total_score: None,
        grade: None,
        payout_pct: None,
        position_wage: None,
        flags: Vec::new(),
    };
    if let Some(reason) = not_eligible {
        out.eligible = false;
        out.flags.push(reason);
        return out;
    }
    if let Some((probation, days)) = on_probation {
        out.flags.push(Flag::Probation { days, probation });
    }
    let at = |v: &Values| row.and_then(|r| v.get(r));
    let row32 = row.map(|r| u32::try_from(r).expect("a metrics frame of fewer than 2³² rows"));
    // Value, numerator and denominator of scored metric `i` (items, then bonus items).
    let inputs = |i: usize| {
        (
            at(&columns.value[i]),
            columns.numerator[i].as_ref().and_then(at),
            columns.denominator[i].as_ref().and_then(at),
        )
    };
    let key = (out.period.clone(), out.employee_id.clone());
    let apply = |i: usize, rule: &Rule, value: f64| {
        if let Rule::Occurrences { .. } = rule {
            return rule.apply_counts(value, &columns.counts_at(i, row));
        }
        let placings = if ranks.is_empty() {
            None
        } else {
            ranks.get(&(i, key.0.clone(), key.1.clone()))
        };
        rule.apply_ranked(value, placings.map(Vec::as_slice))
    };
    for (i, item) in scheme.items.iter().enumerate() {
        if !scheme.item_applies(i, &out.role) {
            out.items.push(ItemScore {
                key: keys[i].clone(),
                row: None,
                points: None,
                contribution: None,
                steps: smallvec::smallvec![Step::NotForRole {
                    role: out.role.to_string(),
                }],
                missing_reason: None,
                applies: false,
            });
            continue;
        }
        let (value, numerator, denominator) = inputs(i);
        let (points, steps, missing_reason) = match value {
            Some(v) => {
                let applied = apply(i, &item.rule, v);
                (Some(applied.points), applied.steps, None)
            }
            None => {
                let reason = columns.missing_reason(i, numerator, denominator, row.is_some());
                out.flags.push(Flag::Missing {
                    item: item.id.clone(),
                    reason: reason.clone(),
                });
                match scheme.missing_policy(item) {
                    MissingPolicy::Zero => (
                        Some(0.0),
                        smallvec::smallvec![Step::Missing(MissingOutcome::Zero)],
                        Some(reason.clone().into_boxed_str()),
                    ),
                    MissingPolicy::Skip => (
                        None,
                        smallvec::smallvec![Step::Missing(MissingOutcome::Skipped)],
                        Some(reason.clone().into_boxed_str()),
                    ),
                }
            }
        };
        out.items.push(ItemScore {
            key: keys[i].clone(),
            row: row32,
            points,
            contribution: None,
            steps,
            missing_reason,
            applies: true,
        });
    }
    let base = combine_items(scheme, &mut out);
    let mut bonus_total = 0.0;
    for (k, bonus) in scheme.bonus.iter().enumerate() {
        let i = scheme.items.len() + k;
        let (value, numerator, denominator) = inputs(i);
        let (points, steps, missing_reason) = match value {
            Some(v) => {
                let mut applied = apply(i, &bonus.rule, v);
                match bonus.cap {
                    Some(cap) if applied.points > cap => {
                        applied.steps.push(Step::CappedAt { cap });
                        (cap, applied.steps, None)
                    }
                    _ => (applied.points, applied.steps, None),
                }
            }
            None => {
                let reason = columns.missing_reason(i, numerator, denominator, row.is_some());
                (
                    0.0,
                    smallvec::smallvec![Step::Missing(MissingOutcome::NoBonus)],
                    Some(reason.into_boxed_str()),
                )
            }
        };
        bonus_total += points;
        out.bonus_items.push(ItemScore {
            key: keys[i].clone(),
            row: row32,
            points: Some(points),
            contribution: Some(points),
            steps,
            missing_reason,
            applies: true,
        });
    }
    if !scheme.bonus.is_empty() {
        out.bonus = Some(bonus_total);
    }
    match base {
        Some(base) => {
            let total = round_half_up(base + bonus_total, 2);
            out.total_score = Some(total);
            out.set_grade(scheme, total);
        }
        None => out.flags.push(Flag::NoItemScored),
    }
    out
}

/// Weighs the scored items into section scores and the base total (before
/// bonus), and sets every item's contribution to it. Without sections the
/// items form one group weighted into the total directly.
fn combine_items(scheme: &Scheme, out: &mut ScoreRow) -> Option<f64> {
    // (section index, section weight, combine) per group.
    let groups: Vec<(Option<usize>, f64, Combine)> = if scheme.sections.is_empty() {
        vec![(None, 1.0, Combine::Weighted)]
    } else {
        scheme
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| (Some(i), s.weight, s.combine))
            .collect()
    };
    let in_group = |item: usize, group: Option<usize>| match group {
        None => true,
        Some(g) => scheme.items[item].section.as_deref() == Some(scheme.sections[g].id.as_str()),
    };
    let item_weight = |item: usize, combine: Combine| match combine {
        Combine::Weighted => scheme.items[item].weight,
        Combine::Average => 1.0,
    };
    let mut group_scores = Vec::with_capacity(groups.len());
    for &(group, _, combine) in &groups {
        let scored: Vec<usize> = (0..scheme.items.len())
            .filter(|&i| in_group(i, group) && out.items[i].points.is_some())
            .collect();
        let weight: f64 = scored.iter().map(|&i| item_weight(i, combine)).sum();
        let score = (weight > 0.0).then(|| {
            scored
                .iter()
                .map(|&i| out.items[i].points.unwrap_or(0.0) * item_weight(i, combine))
                .sum::<f64>()
                / weight
        });
        group_scores.push((score, weight));
    }
    let total_weight: f64 = groups
        .iter()
        .zip(&group_scores)
        .filter(|(_, (score, _))| score.is_some())
        .map(|((_, w, _), _)| w)
        .sum();
    if total_weight <= 0.0 {
        return None;
    }
    for (&(group, group_weight, combine), &(score, weight)) in groups.iter().zip(&group_scores) {
        if score.is_none() {
            continue;
        }
        for i in (0..scheme.items.len()).filter(|&i| in_group(i, group)) {
            out.items[i].contribution = out.items[i]
                .points
                .map(|p| p * item_weight(i, combine) / weight * group_weight / total_weight);
        }
    }
    if !scheme.sections.is_empty() {
        out.sections = group_scores.iter().map(|(score, _)| *score).collect();
    }
    Some(
        groups
            .iter()
            .zip(&group_scores)
            .filter_map(|((_, w, _), (score, _))| score.map(|s| s * w))
            .sum::<f64>()
            / total_weight,
    )
}

/// Rounds half away from zero (四舍五入) at `places` decimals, reading the
/// value at its shortest decimal representation so 84.995 rounds to 85.00.
pub fn round_half_up(value: f64, places: u32) -> f64 {
    // A value already of `places` decimals or fewer is its own rounding.
    if !(value == 0.0 && value.is_sign_negative()) && in_units_of(value, places).is_some() {
        return value;
    }
    round_half_up_of_text(value, places)
}

/// `value` as a whole number of 10^-`places` when its shortest decimal
/// form has at most `places` decimals (`12.3` at 2 places: 1230), without
/// writing it as text; `None` otherwise or when too large to be sure.
///
/// When a decimal of `places` places reads back as `value`, it is the
/// shortest form: below 2^52 units, two such decimals are further apart
/// than one step of the float, so no other decimal reads back as it.
pub fn in_units_of(value: f64, places: u32) -> Option<i64> {
    if !value.is_finite() || places > 15 {
        return None;
    }
    let scale = 10f64.powi(places as i32);
    let units = (value * scale).round();
    (units.abs() < 4.5e15 && units / scale == value).then_some(units as i64)
}

/// The decimal a float was written as (a spreadsheet cell, a coefficient,
/// a target): its shortest round-trip form; `None` when not finite or out
/// of `Decimal`'s range.
pub fn decimal_of_f64(n: f64) -> Option<Decimal> {
    if !n.is_finite() {
        return None;
    }
    // Most values are cents or whole units.
    if !(n == 0.0 && n.is_sign_negative())
        && let Some(cents) = in_units_of(n, 2)
    {
        return Some(Decimal::new(cents, 2).normalize());
    }
    Decimal::from_str(&n.to_string())
        .or_else(|_| Decimal::from_scientific(&format!("{n:e}")))
        .ok()
}

/// [`round_half_up`] through the shortest decimal text of `value`.
fn round_half_up_of_text(value: f64, places: u32) -> f64 {
    match Decimal::from_str(&value.to_string()) {
        Ok(d) => d
            .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
            .to_f64()
            .unwrap_or(value),
        Err(_) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year of 200,000 staff is 2.4 M rows of four items each: what an
    /// item and a row hold inline is what a long history's scores cost.
    #[test]
    fn score_rows_stay_small() {
        let (item, row) = (size_of::<ItemScore>(), size_of::<ScoreRow>());
        eprintln!("ItemScore {item} bytes, ScoreRow {row} bytes");
        assert!(item <= 136, "{item}");
        assert!(row <= 272, "{row}");
    }

    /// Absent days beside the metrics rows of their keys, the same whether
    /// the months are in the metrics' order or not.
    #[test]
    fn absences_beside_rows_in_order_are_those_of_the_join() {
        let metrics = df!(
            "period" => ["2025-01", "2025-01", "2025-02"],
            "employee_id" => ["E1", "E2", "E1"],
        )
        .unwrap();
        let in_order = df!(
            "period" => ["2025-01", "2025-01", "2025-02"],
            "employee_id" => ["E1", "E2", "E1"],
            "absent_days" => [1.0, 0.0, 3.0],
        )
        .unwrap();
        let sorted = |frame: DataFrame| {
            frame
                .sort(["period", "employee_id"], SortMultipleOptions::default())
                .unwrap()
        };
        let rows = |beside: &DataFrame| -> Vec<Option<IdxSize>> {
            beside
                .column("_row")
                .unwrap()
                .idx()
                .unwrap()
                .iter()
                .collect()
        };
        let beside = absences_beside_rows(&metrics, &in_order).unwrap();
        assert_eq!(rows(&beside), [Some(0), Some(1), Some(2)]);
        assert_eq!(
            beside,
            sorted(absences_joined(&metrics, &in_order).unwrap())
        );
        // Another order, and a month without a metrics row: the join.
        let other = df!(
            "period" => ["2025-02", "2025-03", "2025-01"],
            "employee_id" => ["E1", "E2", "E1"],
            "absent_days" => [3.0, 2.0, 1.0],
        )
        .unwrap();
        let beside = sorted(absences_beside_rows(&metrics, &other).unwrap());
        assert_eq!(rows(&beside), [Some(0), Some(2), None]);
    }

    #[test]
    fn round_half_up_reads_the_shortest_decimal() {
        assert_eq!(round_half_up(84.995, 2), 85.0);
        assert_eq!(round_half_up(84.994999, 2), 84.99);
        assert_eq!(round_half_up(0.125, 2), 0.13);
        assert_eq!(round_half_up(2.5, 0), 3.0);
    }

    #[test]
    fn units_of_a_float_of_few_decimals() {
        assert_eq!(in_units_of(12.3, 2), Some(1230));
        assert_eq!(in_units_of(-0.07, 2), Some(-7));
        assert_eq!(in_units_of(84.995, 2), None);
        assert_eq!(in_units_of(0.1, 0), None);
        assert_eq!(in_units_of(4.4e13, 2), Some(4_400_000_000_000_000));
        assert_eq!(in_units_of(1e14, 2), None);
        assert_eq!(in_units_of(f64::NAN, 2), None);
        assert_eq!(in_units_of(f64::INFINITY, 0), None);
    }

    /// A coefficient or target read from a float column is the decimal it
    /// was written as, as the reader gives a spreadsheet cell; beyond a
    /// decimal's range or not finite, none.
    #[test]
    fn a_float_as_the_decimal_it_was_written_as() {
        let text = |n: f64| decimal_of_f64(n).map(|d| d.to_string());
        assert_eq!(text(1.15).as_deref(), Some("1.15"));
        assert_eq!(text(12.30).as_deref(), Some("12.3"));
        assert_eq!(text(0.1 + 0.2).as_deref(), Some("0.30000000000000004"));
        assert_eq!(text(1e-20).as_deref(), Some("0.00000000000000000001"));
        assert_eq!(text(2e28).as_deref(), Some("20000000000000000000000000000"));
        assert_eq!(text(1e29), None);
        assert_eq!(text(f64::NAN), None);
        assert_eq!(text(f64::NEG_INFINITY), None);
    }

    proptest::proptest! {
        /// Values of few decimals come back as themselves, others rounded
        /// from their text, exactly as the text alone gives them.
        #[test]
        fn round_half_up_without_text_is_round_half_up_of_text(
            units in -10_000_000_000i64..10_000_000_000,
            shown in 0u32..8,
            places in 0u32..7,
            any in proptest::num::f64::ANY,
        ) {
            let few = units as f64 / 10f64.powi(shown as i32);
            for v in [few, any, -0.0, 0.0] {
                let (fast, text) = (round_half_up(v, places), round_half_up_of_text(v, places));
                proptest::prop_assert!(
                    fast.to_bits() == text.to_bits() || (fast.is_nan() && text.is_nan()),
                    "{} at {} places: {} against {}", v, places, fast, text
                );
            }
        }
    }
}
