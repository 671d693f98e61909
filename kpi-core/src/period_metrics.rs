//! Monthly metric tables for stores and employees.

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::metric::{
    Formula, Level, Metric, available_metrics, catalogue, sum_periods, with_ratio_metrics,
};
use crate::period::Month;
use crate::table::{ColumnKind, Table};

fn column_kind(level: Level, column: &str) -> Option<ColumnKind> {
    level.table().column(column).map(|c| c.kind)
}

/// The `metrics_store` and `metrics_employee` tables of one dataset.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// One row per store and period: `period, store_id`, then metric ids.
    pub store: DataFrame,
    /// One row per employee and period: `period, employee_id, store_id,
    /// team_id, role`, then metric ids.
    pub employee: DataFrame,
    /// The metrics in `store`, in column order.
    pub store_metrics: Vec<&'static Metric>,
    /// The metrics in `employee`, in column order.
    pub employee_metrics: Vec<&'static Metric>,
}

impl Metrics {
    /// The metrics of a level.
    pub fn metrics(&self, level: Level) -> &[&'static Metric] {
        match level {
            Level::Store => &self.store_metrics,
            Level::Employee => &self.employee_metrics,
        }
    }

    /// The frame of a level.
    pub fn frame(&self, level: Level) -> &DataFrame {
        match level {
            Level::Store => &self.store,
            Level::Employee => &self.employee,
        }
    }

    /// The sorted distinct periods of the employee and store tables.
    pub fn periods(&self) -> Result<Vec<String>> {
        let mut periods: Vec<String> = Vec::new();
        for frame in [&self.store, &self.employee] {
            for p in frame.column("period")?.str()?.iter().flatten() {
                periods.push(p.to_string());
            }
        }
        periods.sort();
        periods.dedup();
        Ok(periods)
    }
}

/// Aggregates activity to months and computes every metric the data allows.
pub fn compute_metrics(data: &Dataset) -> Result<Metrics> {
    let (store, store_metrics) =
        level_metrics(data, Level::Store).map_err(|e| e.within("computing the store metrics"))?;
    let (employee, employee_metrics) = level_metrics(data, Level::Employee)
        .map_err(|e| e.within("computing the employee metrics"))?;
    Ok(Metrics {
        store,
        employee,
        store_metrics,
        employee_metrics,
    })
}

/// The employee metrics table alone (see [`compute_metrics`]).
pub(crate) fn employee_metrics(data: &Dataset) -> Result<DataFrame> {
    Ok(level_metrics(data, Level::Employee)?.0)
}

fn activity_frame(data: &Dataset, level: Level) -> DataFrame {
    data.get(level.table()).cloned().unwrap_or_else(|| {
        DataFrame::new(
            0,
            vec![
                Column::new_empty(level.key().into(), &DataType::String),
                Column::new_empty("period".into(), &DataType::String),
            ],
        )
        .expect("two empty columns")
    })
}

/// Sums are exact in 64-bit integers only while they fit: when a summed
/// column's absolute values add up past `i64::MAX`, some period's sum could
/// wrap, so the run stops naming the column.
fn check_sums_fit(activity: &DataFrame, level: Level) -> Result<()> {
    let table = level.table();
    for spec in table.columns().iter().filter(|s| s.kind.is_additive()) {
        let Ok(column) = activity.column(spec.name) else {
            continue;
        };
        if column.dtype() != &DataType::Int64 {
            continue;
        }
        // Most columns are far from the limit: the largest magnitude times
        // the rows is a bound that needs no pass over the values.
        let Ok(ints) = column.i64() else {
            continue;
        };
        let largest = ints
            .min()
            .map_or(0, i64::unsigned_abs)
            .max(ints.max().map_or(0, i64::unsigned_abs));
        if largest
            .checked_mul(ints.len() as u64)
            .is_some_and(|bound| bound < i64::MAX as u64)
        {
            continue;
        }
        let Ok(floats) = column.cast(&DataType::Float64) else {
            continue;
        };
        let Ok(floats) = floats.f64() else {
            continue;
        };
        let total = floats.apply_values(f64::abs).sum().unwrap_or(0.0);
        if total >= i64::MAX as f64 {
            return Err(crate::error::Error::SumOverflow {
                table: table.name().to_string(),
                column: spec.name.to_string(),
                unit: match spec.kind.scale() {
                    100 => "cents",
                    1000 => "thousandths",
                    _ => "units",
                },
            });
        }
    }
    Ok(())
}

fn level_metrics(data: &Dataset, level: Level) -> Result<(DataFrame, Vec<&'static Metric>)> {
    let activity = activity_frame(data, level);
    let columns: Vec<String> = activity
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    check_sums_fit(&activity, level)?;
    let mut lf = with_ratio_metrics(sum_periods(&activity, level)?.lazy(), level, &columns);
    let targets = level_targets(data, level);
    let has_targets = targets.is_some();
    if let Some(targets) = targets {
        lf = with_target_metrics(lf, targets, level, &columns);
    }
    let metrics = available_metrics(level, &columns, has_targets);

    let mut keys = vec![col("period"), col(level.key())];
    if level == Level::Employee {
        lf = join_roster(lf, data);
        keys.extend([col("store_id"), col("team_id"), col("role")]);
    }
    let mut select = keys;
    select.extend(
        metrics
            .iter()
            .filter(|m| !matches!(m.formula, Formula::Growth { .. }))
            .map(|m| match m.formula {
                // Durations are summed as exact thousandths and shown in their unit;
                // money stays in exact cents.
                Formula::Sum(c)
                    if matches!(
                        column_kind(level, c),
                        Some(ColumnKind::Seconds | ColumnKind::Hours)
                    ) =>
                {
                    (col(m.id).cast(DataType::Float64) / lit(1000.0)).alias(m.id)
                }
                _ => col(m.id),
            }),
    );
    let mut frame = lf
        .select(select)
        .sort(["period", level.key()], SortMultipleOptions::default())
        .collect()?;
    add_growth_metrics(&mut frame, level, &metrics)?;
    Ok((frame, metrics))
}

/// The targets of one level (`employee`: `cs_sales`; `store`: `gmv`), as
/// `<level key>, period, metric, target`.
fn level_targets(data: &Dataset, level: Level) -> Option<LazyFrame> {
    let targets = data.get(Table::Targets)?;
    let name = match level {
        Level::Store => "store",
        Level::Employee => "employee",
    };
    Some(
        targets
            .clone()
            .lazy()
            .filter(col("level").eq(lit(name)))
            .select([
                col("id").alias(level.key()),
                col("period"),
                col("metric"),
                col("target"),
            ]),
    )
}

fn with_target_metrics(
    mut lf: LazyFrame,
    targets: LazyFrame,
    level: Level,
    columns: &[String],
) -> LazyFrame {
    for metric in catalogue().iter().filter(|m| m.level == level) {
        let Formula::TargetRatio {
            numerator,
            target_metric,
        } = metric.formula
        else {
            continue;
        };
        if !columns.iter().any(|c| c == numerator) {
            continue;
        }
        let target_col = format!("_target_{}", metric.id);
        let these = targets
            .clone()
            .filter(col("metric").eq(lit(target_metric)))
            .select([
                col(level.key()),
                col("period"),
                col("target").alias(target_col.as_str()),
            ]);
        lf = lf.join(
            these,
            [col(level.key()), col("period")],
            [col(level.key()), col("period")],
            JoinArgs::new(JoinType::Left),
        );
        // The target is in the value unit (yuan), the numerator in stored units (cents).
        let scale = crate::metric::column_scale(metric.level, numerator) as f64;
        lf = lf.with_column(
            when(col(target_col.as_str()).gt(lit(0.0)))
                .then(
                    col(numerator).cast(DataType::Float64)
                        / (col(target_col.as_str()) * lit(scale)),
                )
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias(metric.id),
        );
    }
    lf
}

fn join_roster(lf: LazyFrame, data: &Dataset) -> LazyFrame {
    let wanted = ["store_id", "team_id", "role"];
    let roster = match data.get(Table::Employees) {
        Some(employees) => {
            let mut select = vec![col("employee_id")];
            for c in wanted {
                if data.has_column(Table::Employees, c) {
                    select.push(col(c));
                } else {
                    select.push(lit(NULL).cast(DataType::String).alias(c));
                }
            }
            employees.clone().lazy().select(select)
        }
        None => DataFrame::new(
            0,
            ["employee_id", "store_id", "team_id", "role"]
                .into_iter()
                .map(|c| Column::new_empty(c.into(), &DataType::String))
                .collect(),
        )
        .expect("empty columns")
        .lazy(),
    };
    lf.join(
        roster,
        [col("employee_id")],
        [col("employee_id")],
        JoinArgs::new(JoinType::Left),
    )
}

/// Adds growth metrics (month on month, year on year) from the collected table.
fn add_growth_metrics(
    frame: &mut DataFrame,
    level: Level,
    metrics: &[&'static Metric],
) -> Result<()> {
    let keys = frame.column(level.key())?.str()?.clone();
    let keys: Vec<&str> = keys.iter().map(Option::unwrap_or_default).collect();
    let periods: Vec<Option<Month>> = frame
        .column("period")?
        .str()?
        .iter()
        .map(|p| p.and_then(Month::parse))
        .collect();
    for metric in metrics {
        let Formula::Growth { of, months_back } = metric.formula else {
            continue;
        };
        let values = frame.column(of)?.cast(&DataType::Float64)?;
        let values = values.f64()?;
        let by_key: PlHashMap<(&str, Month), f64> = keys
            .iter()
            .zip(&periods)
            .zip(values.iter())
            .filter_map(|((k, p), v)| Some(((*k, (*p)?), v?)))
            .collect();
        let growth: Float64Chunked = keys
            .iter()
            .zip(&periods)
            .zip(values.iter())
            .map(|((k, p), v)| {
                let earlier = by_key.get(&(*k, p.as_ref()?.shift(-(months_back as i32))))?;
                if *earlier == 0.0 {
                    None
                } else {
                    Some(v? / earlier - 1.0)
                }
            })
            .collect();
        frame.with_column(growth.with_name(metric.id.into()).into_column())?;
    }
    Ok(())
}
