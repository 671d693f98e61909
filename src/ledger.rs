//! The payroll ledger `kpi gen` writes beside its data: the built-in
//! scheme's pay as finance would have booked it, one line per employee,
//! period and non-zero component (Chinese component labels, as payroll sheets
//! name them), with a few planted errors so that `kpi reconcile` has
//! something to find.

use polars::prelude::*;
use rust_decimal::prelude::*;

use kpi_core::{Dataset, Pay, PayRule, PayScheme, Status, Table};

/// One planted error: where it is and what `kpi reconcile` must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// `YYYY-MM`.
    pub period: String,
    /// Employee id.
    pub employee_id: String,
    /// Component id (or the ledger's name when it is none of ours).
    pub component: String,
    /// The status the line must get.
    pub status: Status,
    /// What was done.
    pub what: &'static str,
}

/// The ledger (`period, employee_id, component, amount` in cents) and its
/// planted errors, in the order they were planted:
///
/// 1. a commission rounded to the yuan instead of the cent;
/// 2. a loss (损失工资) not charged: the line is missing;
/// 3. a pool share with two digits swapped (705.69 booked as 750.69);
/// 4. a seniority (工龄工资) line left out;
/// 5. a position wage booked for an employee the scheme does not pay;
/// 6. a line for a component the scheme does not have (加班费).
///
/// A plant is skipped when the data offers no line for it.
pub fn planted_ledger(scheme: &PayScheme, pay: &Pay, data: &Dataset) -> (DataFrame, Vec<Planted>) {
    // (period, employee, component label, cents), one per non-zero amount.
    let mut lines: Vec<(String, String, String, i64)> = Vec::new();
    let mut planted = Vec::new();
    let kind_of = |k: usize| &scheme.components[k].rule;
    let mut plant = |row: &kpi_core::PayRow, k: usize, status, what| {
        planted.push(Planted {
            period: row.period.clone(),
            employee_id: row.employee_id.clone(),
            component: pay.component_ids[k].clone(),
            status,
            what,
        });
    };
    let (mut rounded, mut missing_loss, mut swapped, mut dropped) = (false, false, false, false);
    for (n, row) in pay.rows.iter().enumerate() {
        for (k, amount) in row.amounts.iter().enumerate() {
            let Some(amount) = amount.filter(|a| !a.is_zero()) else {
                continue;
            };
            let detail = row
                .details
                .iter()
                .find(|d| d.component == pay.component_ids[k]);
            let mut booked = amount;
            match kind_of(k) {
                PayRule::Tiered { .. } if !rounded => {
                    if let Some(yuan) =
                        detail.and_then(|d| d.exact.round_dp(0, kpi_core::Rounding::HalfUp))
                        && (yuan - amount).abs() > Decimal::new(1, 2)
                    {
                        booked = yuan;
                        rounded = true;
                        plant(row, k, Status::Mismatch, "commission rounded to the yuan");
                    }
                }
                PayRule::Adjustments { .. } if !missing_loss && amount.is_sign_negative() => {
                    missing_loss = true;
                    plant(row, k, Status::OnlyInOurs, "loss not charged");
                    continue;
                }
                PayRule::Pool { .. } if !swapped => {
                    let text = amount.trunc().to_string();
                    let digits: Vec<char> = text.chars().collect();
                    if digits.len() >= 3 && digits[digits.len() - 1] != digits[digits.len() - 2] {
                        let mut swapped_digits = digits.clone();
                        let last = swapped_digits.len() - 1;
                        swapped_digits.swap(last, last - 1);
                        let whole: String = swapped_digits.into_iter().collect();
                        let whole = Decimal::from_str(&whole).unwrap_or_default();
                        booked = whole + amount.fract();
                        swapped = true;
                        plant(row, k, Status::Mismatch, "two digits swapped");
                    }
                }
                PayRule::Roster { .. } if !dropped && n >= 4 => {
                    dropped = true;
                    plant(row, k, Status::OnlyInOurs, "line left out");
                    continue;
                }
                _ => {}
            }
            lines.push((
                row.period.clone(),
                row.employee_id.clone(),
                pay.labels[k].clone(),
                (booked * Decimal::ONE_HUNDRED).to_i64().unwrap_or(0),
            ));
        }
    }
    // A position wage for someone the scheme does not pay.
    if let (Some(first), Some(employees)) = (pay.rows.first(), data.get(Table::Employees)) {
        let paid: std::collections::BTreeSet<&str> =
            pay.rows.iter().map(|r| r.employee_id.as_str()).collect();
        let stranger = employees
            .column("employee_id")
            .ok()
            .and_then(|c| c.str().ok().cloned())
            .and_then(|ids| {
                ids.iter()
                    .flatten()
                    .find(|id| !paid.contains(id))
                    .map(str::to_string)
            });
        if let (Some(stranger), Some(k)) = (stranger, (!pay.component_ids.is_empty()).then_some(0))
        {
            lines.push((
                first.period.clone(),
                stranger.clone(),
                pay.labels[k].clone(),
                150_000,
            ));
            planted.push(Planted {
                period: first.period.clone(),
                employee_id: stranger,
                component: pay.component_ids[k].clone(),
                status: Status::OnlyInLedger,
                what: "paid to an employee the scheme does not pay",
            });
        }
        // A component the scheme does not have.
        lines.push((
            first.period.clone(),
            first.employee_id.clone(),
            "加班费".into(),
            30_000,
        ));
        planted.push(Planted {
            period: first.period.clone(),
            employee_id: first.employee_id.clone(),
            component: "加班费".into(),
            status: Status::OnlyInLedger,
            what: "a component the scheme does not have",
        });
    }
    lines.sort();
    let frame = df!(
        "period" => lines.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        "employee_id" => lines.iter().map(|l| l.1.as_str()).collect::<Vec<_>>(),
        "component" => lines.iter().map(|l| l.2.as_str()).collect::<Vec<_>>(),
        "amount" => lines.iter().map(|l| l.3).collect::<Vec<_>>(),
    )
    .expect("four columns of one length");
    (frame, planted)
}
