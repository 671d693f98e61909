//! The amount of a per-person component: fixed, roster, position wage,
//! performance, tiered, role rate, attendance bonus, streak, adjustments.

use rust_decimal::Decimal;

use super::step::PayStep;
use super::tiered::tiered;
use super::{Inputs, PayDetail, Person, detail, of_period, span_note};
use crate::metric::Level;
use crate::money::{Exact, Rounding};
use crate::scheme::{Component, Measure, PayRule, PerformanceBy, Scheme, measure_months};
use crate::scoring::{Flag, ScoreRow};

/// A measure's exact value for a person.
pub(super) fn measure_value(
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
                .get(&(period.clone(), s.employee_id.to_string()))
                .and_then(|v| v.get(m))
                .copied(),
            Measure::Store(m) => inputs
                .store
                .get(&(period.clone(), s.store_id.as_deref()?.to_string()))
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
pub(super) fn team_sum(
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

pub(super) fn roster_amount(person: &Person<'_>, column: &str) -> Option<Decimal> {
    person
        .roster?
        .money
        .get(column)
        .map(|&c| Decimal::new(c, 2))
}

/// The base of a performance or attendance component.
pub(super) fn base_of(
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
pub(super) fn person_amount(
    component: &Component,
    rule: &PayRule,
    p: &Person<'_>,
    people: &[Person<'_>],
    inputs: &Inputs,
    scheme: &Scheme,
    rounding: Rounding,
) -> Option<(Exact, PayDetail)> {
    let s = p.score;
    let key = (s.period.to_string(), s.employee_id.to_string());
    let out = |amount: Exact, basis: Option<String>, value: Option<Decimal>, step: PayStep| {
        Some((amount, detail(component, amount, basis, value, vec![step])))
    };
    let many = |amount: Exact, basis: Option<String>, value: Option<Decimal>, steps| {
        Some((amount, detail(component, amount, basis, value, steps)))
    };
    match rule {
        PayRule::Fixed { amount } => out(
            Exact::from(*amount),
            None,
            None,
            PayStep::Fixed { amount: *amount },
        ),
        PayRule::Roster { column } => {
            let amount = roster_amount(p, column).unwrap_or(Decimal::ZERO);
            out(
                Exact::from(amount),
                Some(column.clone()),
                Some(amount),
                PayStep::Roster {
                    column: column.clone(),
                },
            )
        }
        PayRule::PositionWage => match (&s.grade, s.position_wage) {
            (Some(grade), Some(wage)) => out(
                Exact::from(wage),
                None,
                None,
                PayStep::PositionWage {
                    grade: grade.to_string(),
                },
            ),
            _ => out(Exact::ZERO, None, None, PayStep::NoGrade),
        },
        PayRule::Performance {
            base,
            base_column,
            by,
        } => {
            let (base, basis) =
                base_of(p, *base, base_column.as_deref()).unwrap_or((Decimal::ZERO, "base".into()));
            if s.flags.iter().any(|f| matches!(f, Flag::Probation { .. })) {
                return out(Exact::ZERO, Some(basis), Some(base), PayStep::Probation);
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
                        PayStep::Percentage { base, pct, amount },
                    )
                }
                None => out(Exact::ZERO, Some(basis), Some(base), PayStep::NoPayout),
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
            let (mut amount, step) = tiered(tiers, x).unwrap_or((Exact::ZERO, PayStep::NoTier));
            let mut steps = span_note(&months);
            steps.push(step);
            if let Some(acc) = accelerator {
                let (level, id) = parsed.metric();
                let entity = match level {
                    Level::Store => s.store_id.as_deref().unwrap_or_default().to_string(),
                    Level::Employee => s.employee_id.to_string(),
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
                    steps.push(PayStep::Accelerated {
                        above: acc.above,
                        target,
                        factor: acc.factor,
                        amount,
                    });
                }
            }
            many(amount, Some(measure.clone()), Some(x), steps)
        }
        PayRule::RoleRate {
            measure,
            rates,
            above,
        } => {
            let rate = *rates.get(&*s.role)?;
            let months = measure_months(component.every, &s.period);
            if months.is_empty() {
                return None;
            }
            let x = measure_value(inputs, people, p, Measure::parse(measure), &months)
                .unwrap_or(Decimal::ZERO);
            let part = (x - *above).max(Decimal::ZERO);
            let amount = Exact::from(rate) * Exact::from(part);
            let mut steps = span_note(&months);
            steps.push(PayStep::Rate {
                rate,
                of: x,
                above: *above,
                amount,
            });
            many(amount, Some(measure.clone()), Some(x), steps)
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
                    PayStep::Forfeited { events, absent },
                )
            } else {
                let amount = Exact::from(*rate) * Exact::from(base);
                out(
                    amount,
                    Some(basis),
                    Some(base),
                    PayStep::Rate {
                        rate: *rate,
                        of: base,
                        above: Decimal::ZERO,
                        amount,
                    },
                )
            }
        }
        PayRule::Streak { flag } => {
            let raised = s.streaks().any(|f| f == flag);
            let amount = scheme
                .streaks
                .iter()
                .find(|st| &st.flag == flag)
                .and_then(|st| st.amount)
                .filter(|_| raised)
                .unwrap_or(Decimal::ZERO);
            let step = PayStep::Streak {
                flag: flag.clone(),
                completed: raised.then_some(amount),
            };
            out(Exact::from(amount), None, None, step)
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
            let step = PayStep::Adjustments {
                rows: rows
                    .iter()
                    .map(|(k, c, r)| (k.clone(), rounding.cents(Decimal::new(*c, 2)), r.clone()))
                    .collect(),
            };
            out(Exact::from(amount), None, None, step)
        }
        PayRule::Pool { .. } | PayRule::AverageOf { .. } => None,
    }
}
