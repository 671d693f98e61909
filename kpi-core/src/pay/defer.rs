//! Deferral: the held share of components, released when due or on leaving.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{PayRow, Person, round_for};
use crate::error::Result;
use crate::money::Exact;
use crate::period::Month;
use crate::scheme::{OnLeave, PayScheme};

/// Holds back the deferred share of components month by month and pays the
/// balance when due, or when the employee leaves (as the scheme says).
pub(super) fn defer(pay: &PayScheme, people: &[Person<'_>], rows: &mut [PayRow]) -> Result<()> {
    let mut by_employee: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        by_employee
            .entry(&*p.score.employee_id)
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
