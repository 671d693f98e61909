//! Pay: the components of a scheme's `[pay]`, computed exactly in
//! `rust_decimal` per employee and period, with how each amount was reached.
//!
//! Money enters as integer cents (metric sums, roster amounts, adjustments)
//! or as decimals written in the scheme, and is rounded once, where the
//! scheme says: per component (default) or on the gross.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use rust_decimal::prelude::*;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::format::{exact_text, money_text, money2, percent_text};
use crate::frame::str_values;
use crate::metric::{Formula, Level, Unit};
use crate::money::{Exact, Rounding};
use crate::period::Month;
use crate::period_metrics::Metrics;
use crate::scheme::{
    Component, Measure, OnLeave, PayRule, PayScheme, PerformanceBy, RankGroup, RoundAt, Scheme,
    Split, Tier, measure_months,
};
use crate::scoring::{ScoreRow, Scores};
use crate::table::{ColumnKind, Table};

/// The tier a measure falls in and its exact amount, in words.
pub fn tiered(tiers: &[Tier], x: Decimal) -> Option<(Exact, String)> {
    let tier = tiers.iter().find(|t| t.contains(x))?;
    let amount = tier.amount(x);
    let mut text = format!("tier {}: ", tier.edges());
    if !tier.fixed.is_zero() {
        text.push_str(&format!("{} + ", money_text(tier.fixed)));
    }
    if tier.offset.is_zero() {
        text.push_str(&format!("{} × {}", percent_text(tier.rate), money_text(x)));
    } else {
        text.push_str(&format!(
            "{} × ({} − {})",
            percent_text(tier.rate),
            money_text(x),
            money_text(tier.offset)
        ));
    }
    text.push_str(&format!(" = {}", exact_text(amount)));
    Some((amount, text))
}

/// `2025-01–2025-03: ` before the rule text of a quarterly component.
fn span_note(months: &[String]) -> String {
    match months {
        [first, .., last] => format!("{first}–{last}: "),
        _ => String::new(),
    }
}

/// `amount` rounded as the scheme says, or the error naming what could not
/// be computed exactly (`what`: a component id or a total).
fn round_for(rounding: Rounding, amount: Exact, what: &str, s: &ScoreRow) -> Result<Decimal> {
    rounding.round(amount).ok_or_else(|| Error::OutOfRange {
        what: what.to_string(),
        employee_id: s.employee_id.clone(),
        period: s.period.clone(),
    })
}

/// One amount and how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct PayDetail {
    /// Component id.
    pub component: String,
    /// The amount (rounded as the scheme says).
    pub amount: Decimal,
    /// The amount before rounding, exact.
    pub exact: Exact,
    /// The measure or base the amount is computed on.
    pub basis: Option<String>,
    /// Its value.
    pub basis_value: Option<Decimal>,
    /// The tier or rule, in words.
    pub rule: String,
    /// Held back this month.
    pub deferred: Decimal,
    /// Paid from the held balance this month.
    pub released: Decimal,
}

/// The pay of one employee in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PayRow {
    /// `YYYY-MM`.
    pub period: String,
    /// Employee id.
    pub employee_id: String,
    /// Store id.
    pub store_id: Option<String>,
    /// Team id.
    pub team_id: Option<String>,
    /// Role id.
    pub role: String,
    /// Grade of the period's score.
    pub grade: Option<String>,
    /// One amount per component, in scheme order; none where it does not apply.
    pub amounts: Vec<Option<Decimal>>,
    /// Every amount with its rule.
    pub details: Vec<PayDetail>,
    /// Sum of the components.
    pub gross: Decimal,
    /// Held back this month.
    pub deferred: Decimal,
    /// Paid this month from money held earlier.
    pub released: Decimal,
    /// Held money given up on leaving.
    pub forfeited: Decimal,
    /// Paid this month: gross − deferred + released.
    pub paid_now: Decimal,
    /// Held balance after this month.
    pub held: Decimal,
}

/// The pay of a run.
#[derive(Debug, Clone)]
pub struct Pay {
    /// Component ids, in scheme order.
    pub component_ids: Vec<String>,
    /// Component labels, in scheme order.
    pub labels: Vec<String>,
    /// Rows sorted by period and employee.
    pub rows: Vec<PayRow>,
}

/// Inputs of one employee-period, gathered once.
struct Person<'a> {
    score: &'a ScoreRow,
    roster: Option<&'a Roster>,
    /// The employee's money sums of the period (cents by metric id).
    sums: Option<&'a HashMap<String, i64>>,
}

/// The people of one period: `people` is sorted by period (the order of
/// `scores`), so they are one contiguous range.
fn of_period<'p, 'a>(people: &'p [Person<'a>], period: &str) -> &'p [Person<'a>] {
    let start = people.partition_point(|q| q.score.period.as_str() < period);
    let end = people.partition_point(|q| q.score.period.as_str() <= period);
    &people[start..end]
}

#[derive(Default)]
struct Roster {
    money: HashMap<String, i64>,
    coefficient: Option<Decimal>,
    leave_date: Option<i32>,
}

/// One `adjustments` row: kind, cents and reason.
type Adjustment = (String, i64, String);

/// Exact sums and lookups the components read.
struct Inputs {
    /// (period, employee) → metric id → cents.
    employee: HashMap<(String, String), HashMap<String, i64>>,
    /// (period, store) → metric id → cents.
    store: HashMap<(String, String), HashMap<String, i64>>,
    /// (period, employee) → (late + early + leave events, absent days).
    attendance: HashMap<(String, String), (Decimal, Decimal)>,
    /// (period, employee) → (kind, cents, reason).
    adjustments: HashMap<(String, String), Vec<Adjustment>>,
    /// (level, id, period, metric) → target.
    targets: HashMap<(String, String, String, String), Decimal>,
}

/// Computes the pay of every scored employee-period of the run.
pub fn compute_pay(
    scheme: &Scheme,
    scores: &Scores,
    metrics: &Metrics,
    data: &Dataset,
) -> Result<Option<Pay>> {
    let Some(pay) = &scheme.pay else {
        return Ok(None);
    };
    let roster = read_roster(data)?;
    let inputs = read_inputs(metrics, data)?;
    let people: Vec<Person<'_>> = scores
        .rows
        .iter()
        .map(|score| Person {
            score,
            roster: roster.get(&score.employee_id),
            sums: inputs
                .employee
                .get(&(score.period.clone(), score.employee_id.clone())),
        })
        .collect();
    debug_assert!(
        people
            .windows(2)
            .all(|w| w[0].score.period <= w[1].score.period)
    );
    let n = people.len();
    // amounts[c][i]: component c of person i (unrounded), with its detail.
    let mut amounts: Vec<Vec<Option<(Exact, PayDetail)>>> =
        Vec::with_capacity(pay.components.len());
    for (c, component) in pay.components.iter().enumerate() {
        let mut column = vec![None; n];
        let applies = |p: &Person<'_>| {
            component.roles.is_empty() || component.roles.iter().any(|r| r.id() == p.score.role)
        };
        match &component.rule {
            PayRule::Pool {
                measure,
                less,
                rate,
                tiers,
                within,
                split,
            } => {
                pool_shares(
                    &mut column,
                    &people,
                    &inputs,
                    pay.rounding,
                    component,
                    (
                        measure,
                        less.as_deref(),
                        *rate,
                        tiers.as_deref(),
                        *within,
                        *split,
                    ),
                    &applies,
                )?;
            }
            PayRule::AverageOf { of, factor, within } => {
                let indices: Vec<usize> = of
                    .iter()
                    .filter_map(|id| pay.components[..c].iter().position(|x| &x.id == id))
                    .collect();
                let sum_of = |i: usize| -> Option<Exact> {
                    let parts: Vec<Exact> = indices
                        .iter()
                        .filter_map(|&k| amounts[k][i].as_ref().map(|(a, _)| *a))
                        .collect();
                    (!parts.is_empty()).then(|| parts.iter().copied().sum())
                };
                for (i, p) in people.iter().enumerate() {
                    if !applies(p) {
                        continue;
                    }
                    let group = group_of(p.score, *within);
                    let start = people.partition_point(|q| q.score.period < p.score.period);
                    let others: Vec<Exact> = of_period(&people, &p.score.period)
                        .iter()
                        .enumerate()
                        .map(|(k, q)| (start + k, q))
                        .filter(|(j, q)| {
                            *j != i && group_of(q.score, *within) == group && !applies(q)
                        })
                        .filter_map(|(j, _)| sum_of(j))
                        .collect();
                    let (amount, rule) = if others.is_empty() {
                        (
                            Exact::ZERO,
                            "no other staff with these components → 0".to_string(),
                        )
                    } else {
                        // Multiply before dividing: factor × sum / n is one
                        // exact quotient, rounded once later.
                        let total: Exact = others.iter().copied().sum();
                        let headcount = Exact::ratio(others.len() as i128, 1);
                        let amount = Exact::from(*factor) * total / headcount;
                        let mean = total / headcount;
                        (
                            amount,
                            format!(
                                "{} × average of {} over {} other staff ({}) = {}",
                                factor.normalize(),
                                of.join(" + "),
                                others.len(),
                                pay.rounding
                                    .round(mean)
                                    .map_or_else(|| mean.to_string(), money_text),
                                exact_text(amount)
                            ),
                        )
                    };
                    column[i] = Some((amount, detail(component, amount, None, None, rule)));
                }
            }
            rule => {
                for (i, p) in people.iter().enumerate() {
                    if applies(p) {
                        column[i] = person_amount(
                            component,
                            rule,
                            p,
                            &people,
                            &inputs,
                            scheme,
                            pay.rounding,
                        );
                    }
                }
            }
        }
        // Round each component now, unless the scheme rounds the total only.
        if pay.round == RoundAt::Component {
            for (i, entry) in column.iter_mut().enumerate() {
                if let Some((amount, detail)) = entry {
                    let cents = round_for(pay.rounding, *amount, &component.id, people[i].score)?;
                    *amount = Exact::from(cents);
                    detail.amount = cents;
                }
            }
        }
        amounts.push(column);
    }
    let mut rows = Vec::with_capacity(n);
    for (i, p) in people.iter().enumerate() {
        let mut details = Vec::new();
        let mut row_amounts = Vec::with_capacity(pay.components.len());
        let mut gross = Exact::ZERO;
        for column in &amounts {
            match &column[i] {
                Some((amount, d)) => {
                    gross = gross + *amount;
                    let mut d = d.clone();
                    d.amount = round_for(pay.rounding, *amount, &d.component, p.score)?;
                    row_amounts.push(Some(d.amount));
                    details.push(d);
                }
                None => row_amounts.push(None),
            }
        }
        let s = p.score;
        rows.push(PayRow {
            period: s.period.clone(),
            employee_id: s.employee_id.clone(),
            store_id: s.store_id.clone(),
            team_id: s.team_id.clone(),
            role: s.role.clone(),
            grade: s.grade.clone(),
            amounts: row_amounts,
            details,
            gross: round_for(pay.rounding, gross, "gross", s)?,
            deferred: Decimal::ZERO,
            released: Decimal::ZERO,
            forfeited: Decimal::ZERO,
            paid_now: Decimal::ZERO,
            held: Decimal::ZERO,
        });
    }
    defer(pay, &people, &mut rows)?;
    Ok(Some(Pay {
        component_ids: pay.components.iter().map(|c| c.id.clone()).collect(),
        labels: pay
            .components
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.id.clone()))
            .collect(),
        rows,
    }))
}

/// The detail of an exact amount; its rounded `amount` is set where the
/// scheme rounds.
fn detail(
    component: &Component,
    exact: Exact,
    basis: Option<String>,
    basis_value: Option<Decimal>,
    rule: String,
) -> PayDetail {
    PayDetail {
        component: component.id.clone(),
        amount: Decimal::ZERO,
        exact,
        basis,
        basis_value,
        rule,
        deferred: Decimal::ZERO,
        released: Decimal::ZERO,
    }
}

fn group_of(score: &ScoreRow, within: RankGroup) -> Option<&str> {
    match within {
        RankGroup::Team => score.team_id.as_deref(),
        _ => score.store_id.as_deref(),
    }
}

/// A measure's exact value for a person.
fn measure_value(
    inputs: &Inputs,
    people: &[Person<'_>],
    person: &Person<'_>,
    measure: Measure<'_>,
    months: &[String],
) -> Option<Decimal> {
    let s = person.score;
    let mut cents = 0i64;
    let mut any = false;
    for period in months {
        let value = match measure {
            Measure::Employee(m) => inputs
                .employee
                .get(&(period.clone(), s.employee_id.clone()))
                .and_then(|v| v.get(m))
                .copied(),
            Measure::Store(m) => inputs
                .store
                .get(&(period.clone(), s.store_id.clone()?))
                .and_then(|v| v.get(m))
                .copied(),
            Measure::Team(m) => {
                let team = s.team_id.as_deref()?;
                Some(team_sum(
                    people,
                    period,
                    |q| q.team_id.as_deref() == Some(team),
                    m,
                ))
            }
        };
        if let Some(v) = value {
            cents += v;
            any = true;
        }
    }
    any.then(|| Decimal::new(cents, 2))
}

/// The sum of an employee metric (cents) over the people of a period who match.
fn team_sum(
    people: &[Person<'_>],
    period: &str,
    member: impl Fn(&ScoreRow) -> bool,
    metric_id: &str,
) -> i64 {
    of_period(people, period)
        .iter()
        .filter(|q| member(q.score))
        .filter_map(|q| q.sums?.get(metric_id).copied())
        .sum()
}

fn roster_amount(person: &Person<'_>, column: &str) -> Option<Decimal> {
    person
        .roster?
        .money
        .get(column)
        .map(|&c| Decimal::new(c, 2))
}

/// The base of a performance or attendance component.
fn base_of(
    person: &Person<'_>,
    base: Option<Decimal>,
    column: Option<&str>,
) -> Option<(Decimal, String)> {
    match (base, column) {
        (Some(b), _) => Some((b, "base".to_string())),
        (None, Some(c)) => Some((roster_amount(person, c)?, c.to_string())),
        _ => None,
    }
}

/// The amount of a per-person component (not a pool or an average).
#[allow(clippy::too_many_arguments)]
fn person_amount(
    component: &Component,
    rule: &PayRule,
    p: &Person<'_>,
    people: &[Person<'_>],
    inputs: &Inputs,
    scheme: &Scheme,
    rounding: Rounding,
) -> Option<(Exact, PayDetail)> {
    let s = p.score;
    let key = (s.period.clone(), s.employee_id.clone());
    let out = |amount: Exact, basis: Option<String>, value: Option<Decimal>, rule: String| {
        Some((amount, detail(component, amount, basis, value, rule)))
    };
    match rule {
        PayRule::Fixed { amount } => out(
            Exact::from(*amount),
            None,
            None,
            format!("fixed {}", money_text(*amount)),
        ),
        PayRule::Roster { column } => {
            let amount = roster_amount(p, column).unwrap_or(Decimal::ZERO);
            out(
                Exact::from(amount),
                Some(column.clone()),
                Some(amount),
                format!("employees.{column}"),
            )
        }
        PayRule::PositionWage => match (&s.grade, s.position_wage) {
            (Some(grade), Some(wage)) => out(
                Exact::from(wage),
                None,
                None,
                format!("position wage of grade {grade}"),
            ),
            _ => out(Exact::ZERO, None, None, "no grade this period → 0".into()),
        },
        PayRule::Performance {
            base,
            base_column,
            by,
        } => {
            let (base, basis) =
                base_of(p, *base, base_column.as_deref()).unwrap_or((Decimal::ZERO, "base".into()));
            if s.flags.iter().any(|f| f.starts_with("probation")) {
                return out(
                    Exact::ZERO,
                    Some(basis),
                    Some(base),
                    "probation: not paid by the scheme → 0".into(),
                );
            }
            let pct = match by {
                PerformanceBy::Payout => s.payout_pct,
                PerformanceBy::Score => s.total_score.and_then(crate::scheme::score_percent),
            };
            match pct {
                Some(pct) => {
                    let amount =
                        Exact::from(base) * Exact::from(pct) / Exact::from(Decimal::ONE_HUNDRED);
                    out(
                        amount,
                        Some(basis),
                        Some(base),
                        format!(
                            "{} × {}% = {}",
                            money_text(base),
                            pct.normalize(),
                            exact_text(amount)
                        ),
                    )
                }
                None => out(
                    Exact::ZERO,
                    Some(basis),
                    Some(base),
                    "no score or payout this period → 0".into(),
                ),
            }
        }
        PayRule::Tiered {
            measure,
            tiers,
            accelerator,
        } => {
            let parsed = Measure::parse(measure);
            let months = measure_months(component.every, &s.period);
            if months.is_empty() {
                return None;
            }
            let x = measure_value(inputs, people, p, parsed, &months).unwrap_or(Decimal::ZERO);
            let (mut amount, mut text) =
                tiered(tiers, x).unwrap_or((Exact::ZERO, "in no tier → 0".into()));
            text.insert_str(0, &span_note(&months));
            if let Some(acc) = accelerator {
                let (level, id) = parsed.metric();
                let entity = match level {
                    Level::Store => s.store_id.clone().unwrap_or_default(),
                    Level::Employee => s.employee_id.clone(),
                };
                let level_name = match level {
                    Level::Store => "store",
                    Level::Employee => "employee",
                };
                let targets: Vec<Decimal> = months
                    .iter()
                    .filter_map(|m| {
                        inputs
                            .targets
                            .get(&(
                                level_name.to_string(),
                                entity.clone(),
                                m.clone(),
                                id.to_string(),
                            ))
                            .copied()
                    })
                    .collect();
                let target = (targets.len() == months.len())
                    .then(|| targets.iter().copied().sum::<Decimal>());
                if let Some(target) = target
                    && target > Decimal::ZERO
                    && Exact::from(x) > Exact::from(acc.above) * Exact::from(target)
                {
                    amount = amount * Exact::from(acc.factor);
                    text.push_str(&format!(
                        "; above {} of target {} → × {} = {}",
                        percent_text(acc.above),
                        money_text(target),
                        acc.factor.normalize(),
                        exact_text(amount)
                    ));
                }
            }
            out(amount, Some(measure.clone()), Some(x), text)
        }
        PayRule::RoleRate {
            measure,
            rates,
            above,
        } => {
            let rate = *rates.get(&s.role)?;
            let months = measure_months(component.every, &s.period);
            if months.is_empty() {
                return None;
            }
            let x = measure_value(inputs, people, p, Measure::parse(measure), &months)
                .unwrap_or(Decimal::ZERO);
            let part = (x - *above).max(Decimal::ZERO);
            let amount = Exact::from(rate) * Exact::from(part);
            let mut text = if above.is_zero() {
                format!(
                    "{} × {} = {}",
                    percent_text(rate),
                    money_text(x),
                    exact_text(amount)
                )
            } else {
                format!(
                    "{} × ({} − {}) = {}",
                    percent_text(rate),
                    money_text(x),
                    money_text(*above),
                    exact_text(amount)
                )
            };
            text.insert_str(0, &span_note(&months));
            out(amount, Some(measure.clone()), Some(x), text)
        }
        PayRule::AttendanceBonus {
            base,
            base_column,
            rate,
            forfeit_events,
            forfeit_absent_days,
        } => {
            let (base, basis) =
                base_of(p, *base, base_column.as_deref()).unwrap_or((Decimal::ZERO, "base".into()));
            let (events, absent) = inputs.attendance.get(&key).copied().unwrap_or_default();
            let forfeited = events >= Decimal::from(*forfeit_events)
                || absent >= Decimal::from(*forfeit_absent_days);
            if forfeited {
                out(
                    Exact::ZERO,
                    Some(basis),
                    Some(base),
                    format!(
                        "{} late/early/leave event(s), {} absent day(s): forfeited → 0",
                        events.normalize(),
                        absent.normalize()
                    ),
                )
            } else {
                let amount = Exact::from(*rate) * Exact::from(base);
                out(
                    amount,
                    Some(basis),
                    Some(base),
                    format!(
                        "{} × {} = {}",
                        percent_text(*rate),
                        money_text(base),
                        exact_text(amount)
                    ),
                )
            }
        }
        PayRule::Streak { flag } => {
            let raised = s.streaks.iter().any(|f| f == flag);
            let amount = scheme
                .streaks
                .iter()
                .find(|st| &st.flag == flag)
                .and_then(|st| st.amount)
                .filter(|_| raised)
                .unwrap_or(Decimal::ZERO);
            let text = if raised {
                format!(
                    "streak `{flag}` completed this month → {}",
                    money_text(amount)
                )
            } else {
                format!("no `{flag}` streak completed → 0")
            };
            out(Exact::from(amount), None, None, text)
        }
        PayRule::Adjustments { kinds } => {
            let rows: Vec<&(String, i64, String)> = inputs
                .adjustments
                .get(&key)
                .map(|v| {
                    v.iter()
                        .filter(|(k, ..)| kinds.is_empty() || kinds.contains(k))
                        .collect()
                })
                .unwrap_or_default();
            let amount: Decimal = rows.iter().map(|(_, c, _)| Decimal::new(*c, 2)).sum();
            let text = if rows.is_empty() {
                "no adjustment → 0".to_string()
            } else {
                rows.iter()
                    .map(|(k, c, r)| {
                        format!(
                            "{k} {} ({r})",
                            money_text(rounding.cents(Decimal::new(*c, 2)))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            out(Exact::from(amount), None, None, text)
        }
        PayRule::Pool { .. } | PayRule::AverageOf { .. } => None,
    }
}

/// Shares of a pool, per group and period, to the cent: each member gets
/// the floor of its exact share in cents, and the cents left over go one
/// each to the members with the largest remainders (ties: employee id),
/// so the shares add up to the pool exactly.
#[allow(clippy::type_complexity)]
fn pool_shares(
    column: &mut [Option<(Exact, PayDetail)>],
    people: &[Person<'_>],
    inputs: &Inputs,
    rounding: Rounding,
    component: &Component,
    (measure, less, rate, tiers, within, split): (
        &str,
        Option<&str>,
        Option<Decimal>,
        Option<&[Tier]>,
        RankGroup,
        Split,
    ),
    applies: &dyn Fn(&Person<'_>) -> bool,
) -> Result<()> {
    // (period, group) → members (eligible people the component applies to).
    let mut groups: BTreeMap<(String, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        if applies(p) && p.score.eligible {
            groups
                .entry((
                    p.score.period.clone(),
                    group_of(p.score, within).map(str::to_string),
                ))
                .or_default()
                .push(i);
        }
    }
    for ((period, _), members) in groups {
        let first = &people[members[0]];
        let months = [period.clone()];
        let mut x = measure_value(inputs, people, first, Measure::parse(measure), &months)
            .unwrap_or(Decimal::ZERO);
        let mut basis = measure.to_string();
        if let Some(less) = less {
            // The members' own sums: public sales are what no member closed.
            let member_ids: Vec<&str> = members
                .iter()
                .map(|&i| people[i].score.employee_id.as_str())
                .collect();
            let is_member = |q: &ScoreRow| member_ids.contains(&q.employee_id.as_str());
            let taken = Decimal::new(team_sum(people, &period, is_member, less), 2);
            x = (x - taken).max(Decimal::ZERO);
            basis = format!("{measure} − {less}");
        }
        let (raw, how) = match (rate, tiers) {
            (Some(rate), _) => (
                Exact::from(rate) * Exact::from(x),
                format!("{} × {}", percent_text(rate), money_text(x)),
            ),
            (None, Some(tiers)) => {
                tiered(tiers, x).unwrap_or((Exact::ZERO, "in no tier → 0".into()))
            }
            (None, None) => (Exact::ZERO, "no rate".into()),
        };
        let pool = round_for(rounding, raw, &component.id, first.score)?;
        let weights: Vec<Decimal> = members
            .iter()
            .map(|&i| match split {
                Split::Equal => Decimal::ONE,
                Split::Coefficient => people[i]
                    .roster
                    .and_then(|r| r.coefficient)
                    .unwrap_or(Decimal::ZERO),
            })
            .collect();
        // Members are in employee-id order, so ties go to the lower id.
        let shares = split_pool(pool, &weights).ok_or_else(|| Error::OutOfRange {
            what: component.id.clone(),
            employee_id: first.score.employee_id.clone(),
            period: period.clone(),
        })?;
        let total_weight: Decimal = weights.iter().copied().sum();
        for ((&i, share), weight) in members.iter().zip(shares).zip(&weights) {
            let of = match split {
                Split::Equal => format!("÷ {} staff", members.len()),
                Split::Coefficient => format!(
                    "× coefficient {} / {}",
                    weight.normalize(),
                    total_weight.normalize()
                ),
            };
            let text = format!("pool {how} → {}; {of} → {}", money2(pool), money2(share));
            column[i] = Some((
                Exact::from(share),
                detail(
                    component,
                    Exact::from(share),
                    Some(basis.clone()),
                    Some(x),
                    text,
                ),
            ));
        }
    }
    Ok(())
}

/// Splits a pool of whole cents by weight: each share is the floor of its
/// exact share in cents, and the cents left over go one each to the largest
/// remainders, ties to the earlier position; the shares add up to `pool`
/// exactly. Zero total weight shares nothing. Shares and remainders are
/// integers (weights scaled to whole numbers), so equal remainders tie
/// exactly. None when a product is beyond 128-bit integers.
///
/// ```
/// use kpi_core::split_pool;
/// use rust_decimal::Decimal;
///
/// // 100.00 by coefficients 1, 1.5, 2: 22.222…, 33.333…, 44.444… → 22.22, 33.33, 44.45.
/// let weights = [Decimal::ONE, Decimal::new(15, 1), Decimal::TWO];
/// let shares = split_pool(Decimal::new(10_000, 2), &weights).unwrap();
/// let text: Vec<String> = shares.iter().map(|s| s.to_string()).collect();
/// assert_eq!(text, ["22.22", "33.33", "44.45"]);
/// ```
pub fn split_pool(pool: Decimal, weights: &[Decimal]) -> Option<Vec<Decimal>> {
    let places = weights.iter().map(|w| w.scale()).max().unwrap_or(0);
    let whole_weights: Vec<i128> = weights
        .iter()
        .map(|w| {
            w.mantissa()
                .checked_mul(10i128.checked_pow(places - w.scale())?)
        })
        .collect::<Option<_>>()?;
    let total = whole_weights
        .iter()
        .try_fold(0i128, |sum, w| sum.checked_add(*w))?;
    if total <= 0 {
        return Some(vec![Decimal::ZERO; weights.len()]);
    }
    let cents = (pool * Decimal::ONE_HUNDRED).trunc().to_i128()?;
    let mut whole = Vec::with_capacity(weights.len());
    let mut rest = Vec::with_capacity(weights.len());
    for w in &whole_weights {
        let product = cents.checked_mul(*w)?;
        whole.push(product.div_euclid(total));
        rest.push(product.rem_euclid(total));
    }
    let left = cents - whole.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| rest[b].cmp(&rest[a]).then(a.cmp(&b)));
    for &k in order.iter().take(usize::try_from(left).unwrap_or(0)) {
        whole[k] += 1;
    }
    whole
        .into_iter()
        .map(|c| Decimal::try_from_i128_with_scale(c, 2).ok())
        .collect()
}

/// Holds back the deferred share of components month by month and pays the
/// balance when due, or when the employee leaves (as the scheme says).
fn defer(pay: &PayScheme, people: &[Person<'_>], rows: &mut [PayRow]) -> Result<()> {
    let mut by_employee: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        by_employee
            .entry(p.score.employee_id.as_str())
            .or_default()
            .push(i);
    }
    for indices in by_employee.values() {
        // Balance held per component.
        let mut balance: Vec<Decimal> = vec![Decimal::ZERO; pay.components.len()];
        for (n, &i) in indices.iter().enumerate() {
            let month = Month::parse(&rows[i].period);
            let last = n + 1 == indices.len();
            let leaves = last
                && people[i]
                    .roster
                    .and_then(|r| r.leave_date)
                    .zip(month)
                    .is_some_and(|(leave, m)| {
                        leave <= crate::period::days_from_civil(m.year, m.month, m.days())
                    });
            let (mut deferred, mut released, mut forfeited) =
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            for (c, component) in pay.components.iter().enumerate() {
                let Some(rule) = &component.defer else {
                    continue;
                };
                let position = rows[i]
                    .details
                    .iter()
                    .position(|d| d.component == component.id);
                if let Some(k) = position {
                    let share = Exact::from(rows[i].details[k].amount) * Exact::from(rule.share);
                    let held = round_for(pay.rounding, share, &component.id, people[i].score)?;
                    rows[i].details[k].deferred = held;
                    balance[c] += held;
                    deferred += held;
                }
                let due = month.is_some_and(|m| rule.release.due(m));
                if (due || leaves) && !balance[c].is_zero() {
                    if leaves && !due && pay.on_leave == OnLeave::Forfeit {
                        forfeited += balance[c];
                    } else {
                        if let Some(k) = position {
                            rows[i].details[k].released = balance[c];
                        }
                        released += balance[c];
                    }
                    balance[c] = Decimal::ZERO;
                }
            }
            let row = &mut rows[i];
            let cents = |mut d: Decimal| {
                d.rescale(2);
                d
            };
            row.deferred = cents(deferred);
            row.released = cents(released);
            row.forfeited = cents(forfeited);
            row.paid_now = cents(row.gross - deferred + released);
            row.held = cents(balance.iter().copied().sum());
        }
    }
    Ok(())
}

fn read_roster(data: &Dataset) -> Result<HashMap<String, Roster>> {
    let mut out = HashMap::new();
    let Some(employees) = data.get(Table::Employees) else {
        return Ok(out);
    };
    let ids = str_values(employees, "employee_id")?;
    let mut rosters: Vec<Roster> = (0..employees.height()).map(|_| Roster::default()).collect();
    for spec in Table::Employees.columns() {
        if spec.kind != ColumnKind::Money || !data.has_column(Table::Employees, spec.name) {
            continue;
        }
        let values = employees.column(spec.name)?.cast(&DataType::Int64)?;
        for (r, v) in rosters.iter_mut().zip(values.i64()?.iter()) {
            if let Some(v) = v {
                r.money.insert(spec.name.to_string(), v);
            }
        }
    }
    if data.has_column(Table::Employees, "coefficient") {
        let values = employees.column("coefficient")?.cast(&DataType::Float64)?;
        for (r, v) in rosters.iter_mut().zip(values.f64()?.iter()) {
            r.coefficient = v.and_then(decimal_of);
        }
    }
    if data.has_column(Table::Employees, "leave_date") {
        let values = employees.column("leave_date")?.date()?.physical().clone();
        for (r, v) in rosters.iter_mut().zip(values.iter()) {
            r.leave_date = v;
        }
    }
    for (id, r) in ids.into_iter().zip(rosters) {
        if let Some(id) = id {
            out.insert(id, r);
        }
    }
    Ok(out)
}

/// A number read from a float column (a coefficient, a target) as the
/// decimal it was written as.
fn decimal_of(x: f64) -> Option<Decimal> {
    Decimal::from_str(&format!("{x}")).ok()
}

fn read_inputs(metrics: &Metrics, data: &Dataset) -> Result<Inputs> {
    let sums = |frame: &DataFrame,
                level: Level|
     -> Result<HashMap<(String, String), HashMap<String, i64>>> {
        let mut out: HashMap<(String, String), HashMap<String, i64>> = HashMap::new();
        let periods = str_values(frame, "period")?;
        let ids = str_values(frame, level.key())?;
        for m in metrics.metrics(level) {
            if m.unit != Unit::Money || !matches!(m.formula, Formula::Sum(_)) {
                continue;
            }
            let values = frame.column(m.id)?.cast(&DataType::Int64)?;
            for ((p, id), v) in periods.iter().zip(&ids).zip(values.i64()?.iter()) {
                if let (Some(p), Some(id), Some(v)) = (p, id, v) {
                    out.entry((p.clone(), id.clone()))
                        .or_default()
                        .insert(m.id.to_string(), v);
                }
            }
        }
        Ok(out)
    };
    let mut attendance = HashMap::new();
    if let Some(frame) = data.get(Table::Attendance) {
        let present = |c: &str| data.has_column(Table::Attendance, c);
        let mut aggs = Vec::new();
        for c in [
            "late_count",
            "early_leave_count",
            "leave_days",
            "absent_days",
        ] {
            let value = if present(c) {
                col(c).cast(DataType::Float64).fill_null(lit(0.0)).sum()
            } else {
                lit(0.0)
            };
            aggs.push(value.alias(c));
        }
        let grouped = frame
            .clone()
            .lazy()
            .group_by([col("period"), col("employee_id")])
            .agg(aggs)
            .collect()?;
        let periods = str_values(&grouped, "period")?;
        let ids = str_values(&grouped, "employee_id")?;
        let get = |c: &str| -> Result<Vec<Option<f64>>> {
            Ok(grouped
                .column(c)?
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .collect())
        };
        let (late, early, leave, absent) = (
            get("late_count")?,
            get("early_leave_count")?,
            get("leave_days")?,
            get("absent_days")?,
        );
        for i in 0..grouped.height() {
            if let (Some(p), Some(e)) = (&periods[i], &ids[i]) {
                let d = |v: Option<f64>| v.and_then(decimal_of).unwrap_or(Decimal::ZERO);
                let events = d(late[i]) + d(early[i]) + d(leave[i]);
                attendance.insert((p.clone(), e.clone()), (events, d(absent[i])));
            }
        }
    }
    let mut adjustments: HashMap<(String, String), Vec<Adjustment>> = HashMap::new();
    if let Some(frame) = data.get(Table::Adjustments) {
        let periods = str_values(frame, "period")?;
        let ids = str_values(frame, "employee_id")?;
        let kinds = str_values(frame, "kind")?;
        let reasons = if data.has_column(Table::Adjustments, "reason") {
            str_values(frame, "reason")?
        } else {
            vec![None; frame.height()]
        };
        let amounts = frame.column("amount")?.cast(&DataType::Int64)?;
        for (i, amount) in amounts.i64()?.iter().enumerate() {
            if let (Some(p), Some(e), Some(a)) = (&periods[i], &ids[i], amount) {
                adjustments
                    .entry((p.clone(), e.clone()))
                    .or_default()
                    .push((
                        kinds[i].clone().unwrap_or_default(),
                        a,
                        reasons[i].clone().unwrap_or_default(),
                    ));
            }
        }
    }
    let mut targets = HashMap::new();
    if let Some(frame) = data.get(Table::Targets) {
        let cols = ["level", "id", "period", "metric"].map(|c| str_values(frame, c));
        let [levels, ids, periods, metric_ids] = cols;
        let (levels, ids, periods, metric_ids) = (levels?, ids?, periods?, metric_ids?);
        let values = frame.column("target")?.cast(&DataType::Float64)?;
        for (i, v) in values.f64()?.iter().enumerate() {
            if let (Some(l), Some(id), Some(p), Some(m), Some(v)) = (
                &levels[i],
                &ids[i],
                &periods[i],
                &metric_ids[i],
                v.and_then(decimal_of),
            ) {
                targets.insert((l.clone(), id.clone(), p.clone(), m.clone()), v);
            }
        }
    }
    Ok(Inputs {
        employee: sums(&metrics.employee, Level::Employee)?,
        store: sums(&metrics.store, Level::Store)?,
        attendance,
        adjustments,
        targets,
    })
}

impl Pay {
    /// The `pay` table: `period, employee_id, store_id, team_id, role, grade`,
    /// one column per component, then `gross, deferred, released, forfeited,
    /// paid_now, held`; money as exact 2-place text.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let text = |f: &dyn Fn(&PayRow) -> Option<String>| -> Vec<Option<String>> {
            self.rows.iter().map(f).collect()
        };
        let money = |f: &dyn Fn(&PayRow) -> Option<Decimal>| -> Vec<Option<String>> {
            self.rows.iter().map(|r| f(r).map(money2)).collect()
        };
        let mut columns = vec![
            Column::new("period".into(), text(&|r| Some(r.period.clone()))),
            Column::new("employee_id".into(), text(&|r| Some(r.employee_id.clone()))),
            Column::new("store_id".into(), text(&|r| r.store_id.clone())),
            Column::new("team_id".into(), text(&|r| r.team_id.clone())),
            Column::new("role".into(), text(&|r| Some(r.role.clone()))),
            Column::new("grade".into(), text(&|r| r.grade.clone())),
        ];
        for (c, id) in self.component_ids.iter().enumerate() {
            columns.push(Column::new(id.as_str().into(), money(&|r| r.amounts[c])));
        }
        for (name, f) in [
            ("gross", (|r: &PayRow| r.gross) as fn(&PayRow) -> Decimal),
            ("deferred", |r| r.deferred),
            ("released", |r| r.released),
            ("forfeited", |r| r.forfeited),
            ("paid_now", |r| r.paid_now),
            ("held", |r| r.held),
        ] {
            columns.push(Column::new(name.into(), money(&|r| Some(f(r)))));
        }
        Ok(DataFrame::new(self.rows.len(), columns)?)
    }

    /// The long `pay_details` table: one row per employee, period and component.
    pub fn details_frame(&self) -> Result<DataFrame> {
        let details: Vec<(&PayRow, &PayDetail)> = self
            .rows
            .iter()
            .flat_map(|r| r.details.iter().map(move |d| (r, d)))
            .collect();
        let text = |f: &dyn Fn(&PayRow, &PayDetail) -> Option<String>| -> Vec<Option<String>> {
            details.iter().map(|(r, d)| f(r, d)).collect()
        };
        let columns = vec![
            Column::new("period".into(), text(&|r, _| Some(r.period.clone()))),
            Column::new(
                "employee_id".into(),
                text(&|r, _| Some(r.employee_id.clone())),
            ),
            Column::new("component".into(), text(&|_, d| Some(d.component.clone()))),
            Column::new("amount".into(), text(&|_, d| Some(money2(d.amount)))),
            Column::new("basis".into(), text(&|_, d| d.basis.clone())),
            Column::new(
                "basis_value".into(),
                text(&|_, d| d.basis_value.map(money2)),
            ),
            Column::new("rule".into(), text(&|_, d| Some(d.rule.clone()))),
            Column::new("deferred".into(), text(&|_, d| Some(money2(d.deferred)))),
            Column::new("released".into(), text(&|_, d| Some(money2(d.released)))),
        ];
        Ok(DataFrame::new(details.len(), columns)?)
    }
}
