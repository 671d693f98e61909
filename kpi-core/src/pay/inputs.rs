//! The exact inputs pay reads: the roster's money, coefficients and leave
//! dates, money sums per employee and store, attendance, adjustments and
//! targets, all in cents or exact decimals.

use std::collections::HashMap;

use polars::prelude::*;
use rust_decimal::prelude::*;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::str_values;
use crate::metric::{Formula, Level, Unit};
use crate::period_metrics::Metrics;
use crate::table::{ColumnKind, Table};

#[derive(Default)]
pub(super) struct Roster {
    pub(super) money: HashMap<String, i64>,
    pub(super) coefficient: Option<Decimal>,
    pub(super) leave_date: Option<i32>,
}

/// One `adjustments` row: kind, cents and reason.
pub(super) type Adjustment = (String, i64, String);

/// Exact sums and lookups the components read.
pub(super) struct Inputs {
    /// (period, employee) → metric id → cents.
    pub(super) employee: HashMap<(String, String), HashMap<String, i64>>,
    /// (period, store) → metric id → cents.
    pub(super) store: HashMap<(String, String), HashMap<String, i64>>,
    /// (period, employee) → (late + early + leave events, absent days).
    pub(super) attendance: HashMap<(String, String), (Decimal, Decimal)>,
    /// (period, employee) → (kind, cents, reason).
    pub(super) adjustments: HashMap<(String, String), Vec<Adjustment>>,
    /// (level, id, period, metric) → target.
    pub(super) targets: HashMap<(String, String, String, String), Decimal>,
}

pub(super) fn read_roster(data: &Dataset) -> Result<HashMap<String, Roster>> {
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

pub(super) fn read_inputs(metrics: &Metrics, data: &Dataset) -> Result<Inputs> {
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
