//! The exact inputs pay reads: the roster's money, coefficients and leave
//! dates, money sums per employee and store, attendance, adjustments and
//! targets, all in cents or exact decimals.

use std::collections::HashMap;

use polars::prelude::*;
use rust_decimal::prelude::*;

use crate::dataset::Dataset;
use crate::decimal_of_f64;
use crate::error::Result;
use crate::frame::str_values;
use crate::metric::{Formula, Level, Unit};
use crate::period_metrics::Metrics;
use crate::roster::read_attendance;
use crate::table::Table;

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
    let d = |v: f64| decimal_of_f64(v).unwrap_or(Decimal::ZERO);
    let attendance = read_attendance(data)?
        .into_iter()
        .map(|(key, a)| {
            let events = d(a.late_count) + d(a.early_leave_count) + d(a.leave_days);
            (key, (events, d(a.absent_days.unwrap_or(0.0))))
        })
        .collect();
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
                v.and_then(decimal_of_f64),
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
