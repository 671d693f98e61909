//! Pay: the components of a scheme's `[pay]`, computed exactly in
//! `rust_decimal` per employee and period, with how each amount was reached.
//!
//! Money enters as integer cents (metric sums, roster amounts, adjustments)
//! or as decimals written in the scheme, and is rounded once, where the
//! scheme says: per component (default) or on the gross.

mod average;
mod defer;
mod inputs;
mod person;
mod pool;
mod step;
mod tiered;

use std::collections::HashMap;

use polars::prelude::*;
use rust_decimal::prelude::*;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::format::money2;
use crate::frame::{column, key_columns};
use crate::money::{Exact, Rounding};
use crate::period_metrics::Metrics;
use crate::scheme::{Component, Lang, PayRule, RankGroup, RoundAt, Scheme};
use crate::scoring::{ScoreRow, Scores};

use crate::roster::{Employee, read_pay_roster};
use average::average_of;
use defer::defer;
use inputs::{Inputs, read_inputs};
use person::person_amount;
use pool::pool_shares;
pub use pool::split_pool;
pub use step::{PayStep, Shared, render_pay_steps};
pub use tiered::tiered;

/// `2025-01–2025-03: ` before the rule text of a quarterly component.
fn span_note(months: &[String]) -> Vec<PayStep> {
    match months {
        [first, .., last] => vec![PayStep::Span {
            first: first.clone(),
            last: last.clone(),
        }],
        _ => Vec::new(),
    }
}

/// `amount` rounded as the scheme says, or the error naming what could not
/// be computed exactly (`what`: a component id or a total).
fn round_for(rounding: Rounding, amount: Exact, what: &str, s: &ScoreRow) -> Result<Decimal> {
    rounding.round(amount).ok_or_else(|| Error::OutOfRange {
        what: what.to_string(),
        employee_id: s.employee_id.to_string(),
        period: s.period.to_string(),
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
    /// How the amount was reached (see [`PayDetail::rule`] for it in words).
    pub steps: Vec<PayStep>,
    /// Held back this month.
    pub deferred: Decimal,
    /// Paid from the held balance this month.
    pub released: Decimal,
}

impl PayDetail {
    /// How the amount was reached, in words.
    pub fn rule(&self, lang: Lang) -> String {
        render_pay_steps(&self.steps, lang)
    }
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
    roster: Option<&'a Employee>,
    /// The employee's money sums of the period (cents by metric id).
    sums: Option<&'a HashMap<String, i64>>,
}

/// The people of one period: `people` is sorted by period (the order of
/// `scores`), so they are one contiguous range.
fn of_period<'p, 'a>(people: &'p [Person<'a>], period: &str) -> &'p [Person<'a>] {
    let start = people.partition_point(|q| &*q.score.period < period);
    let end = people.partition_point(|q| &*q.score.period <= period);
    &people[start..end]
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
    let roster = read_pay_roster(data)?;
    let inputs = read_inputs(metrics, data)
        .map_err(|e| e.within("reading the sums and tables pay needs"))?;
    let people: Vec<Person<'_>> = scores
        .rows
        .iter()
        .map(|score| Person {
            score,
            roster: roster.get(&*score.employee_id),
            sums: inputs
                .employee
                .get(&(score.period.to_string(), score.employee_id.to_string())),
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
            component.roles.is_empty() || component.roles.iter().any(|r| r.id() == &*p.score.role)
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
            PayRule::AverageOf { of, factor, within } => average_of(
                &mut column,
                &amounts,
                &pay.components[..c],
                &people,
                pay.rounding,
                component,
                (of, *factor, *within),
                &applies,
            ),
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
    // Each person's details moved out of the columns, a column at a time,
    // each let go once its details are in the rows (not copied beside them).
    let mut details: Vec<Vec<PayDetail>> = (0..n)
        .map(|i| Vec::with_capacity(amounts.iter().filter(|c| c[i].is_some()).count()))
        .collect();
    let mut row_amounts: Vec<Vec<Option<Decimal>>> = (0..n)
        .map(|_| Vec::with_capacity(pay.components.len()))
        .collect();
    let mut gross = vec![Exact::ZERO; n];
    for column in amounts {
        for (i, entry) in column.into_iter().enumerate() {
            match entry {
                Some((amount, mut d)) => {
                    gross[i] = gross[i] + amount;
                    d.amount = round_for(pay.rounding, amount, &d.component, people[i].score)?;
                    row_amounts[i].push(Some(d.amount));
                    details[i].push(d);
                }
                None => row_amounts[i].push(None),
            }
        }
    }
    let mut rows = Vec::with_capacity(n);
    for (((p, row_amounts), details), gross) in
        people.iter().zip(row_amounts).zip(details).zip(gross)
    {
        let s = p.score;
        rows.push(PayRow {
            period: s.period.to_string(),
            employee_id: s.employee_id.to_string(),
            store_id: s.store_id.as_deref().map(str::to_string),
            team_id: s.team_id.as_deref().map(str::to_string),
            role: s.role.to_string(),
            grade: s.grade.as_deref().map(str::to_string),
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
    steps: Vec<PayStep>,
) -> PayDetail {
    PayDetail {
        component: component.id.clone(),
        amount: Decimal::ZERO,
        exact,
        basis,
        basis_value,
        steps,
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
        let mut columns = key_columns(&self.rows, |r| {
            (
                &r.period,
                &r.employee_id,
                r.store_id.as_deref(),
                r.team_id.as_deref(),
                &r.role,
            )
        });
        columns.push(Column::new("grade".into(), text(&|r| r.grade.clone())));
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
        self.details_frame_in(Lang::En)
    }

    /// [`Pay::details_frame`] with the rule texts in `lang`.
    pub fn details_frame_in(&self, lang: Lang) -> Result<DataFrame> {
        let details: Vec<(&PayRow, &PayDetail)> = self
            .rows
            .iter()
            .flat_map(|r| r.details.iter().map(move |d| (r, d)))
            .collect();
        let columns = vec![
            column("period", &details, |(r, _)| r.period.clone()),
            column("employee_id", &details, |(r, _)| r.employee_id.clone()),
            column("component", &details, |(_, d)| d.component.clone()),
            column("amount", &details, |(_, d)| money2(d.amount)),
            column("basis", &details, |(_, d)| d.basis.clone()),
            column("basis_value", &details, |(_, d)| d.basis_value.map(money2)),
            column("rule", &details, |(_, d)| d.rule(lang)),
            column("deferred", &details, |(_, d)| money2(d.deferred)),
            column("released", &details, |(_, d)| money2(d.released)),
        ];
        Ok(DataFrame::new(details.len(), columns)?)
    }
}
