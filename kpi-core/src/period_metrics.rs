//! Monthly metric tables for stores and employees.

use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;

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
    /// The monthly sums of each level's activity table the metrics were
    /// computed from (none without the table), for the analysis.
    sums: [Option<DataFrame>; 2],
}

impl Metrics {
    /// The metrics of a level.
    pub fn metrics(&self, level: Level) -> &[&'static Metric] {
        match level {
            Level::Store => &self.store_metrics,
            Level::Employee => &self.employee_metrics,
        }
    }

    /// The monthly sums of a level's activity table ([`sum_periods`]), when
    /// the dataset has the table.
    pub fn sums(&self, level: Level) -> Option<&DataFrame> {
        self.sums[sums_index(level)].as_ref()
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
    let (store, store_metrics, store_sums) =
        level_metrics(data, Level::Store).map_err(|e| e.within("computing the store metrics"))?;
    let (employee, employee_metrics, employee_sums) = level_metrics(data, Level::Employee)
        .map_err(|e| e.within("computing the employee metrics"))?;
    let mut sums = [None, None];
    for (level, frame) in [(Level::Store, store_sums), (Level::Employee, employee_sums)] {
        if data.get(level.table()).is_some() {
            sums[sums_index(level)] = Some(frame);
        }
    }
    Ok(Metrics {
        store,
        employee,
        store_metrics,
        employee_metrics,
        sums,
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

/// A bound on what `values` add up to, whatever their order: the largest
/// magnitude times the number of values (no pass over the values).
pub fn sum_bound(values: &Int64Chunked) -> u128 {
    let largest = values
        .min()
        .map_or(0, i64::unsigned_abs)
        .max(values.max().map_or(0, i64::unsigned_abs));
    u128::from(largest) * values.len() as u128
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
        if sum_bound(ints) < i64::MAX as u128 {
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

/// The place of a level's sums in [`Metrics`].
fn sums_index(level: Level) -> usize {
    match level {
        Level::Store => 0,
        Level::Employee => 1,
    }
}

/// A level's metrics frame, its metrics and the monthly sums they come from.
fn level_metrics(
    data: &Dataset,
    level: Level,
) -> Result<(DataFrame, Vec<&'static Metric>, DataFrame)> {
    let activity = activity_frame(data, level);
    let columns = crate::frame::column_names(&activity);
    let mut laps = crate::timing::Laps::new();
    check_sums_fit(&activity, level)?;
    let sums = sum_periods(&activity, level)?;
    laps.lap(&format!("metrics: {} sums", level.key()));
    let mut lf = with_ratio_metrics(sums.clone().lazy(), level, &columns);
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
            .map(|m| col(m.id)),
    );
    let mut frame = lf
        .select(select)
        .sort(["period", level.key()], SortMultipleOptions::default())
        .collect()?;
    // Durations are summed as exact thousandths and shown in their unit;
    // money stays in exact cents.
    for m in &metrics {
        if let Formula::Sum(c) = m.formula
            && matches!(
                column_kind(level, c),
                Some(ColumnKind::Seconds | ColumnKind::Hours)
            )
        {
            let seconds = crate::frame::quotient(frame.column(m.id)?, 1000.0)?;
            frame.with_column(seconds)?;
        }
    }
    laps.lap(&format!(
        "metrics: {} rates, targets and roster",
        level.key()
    ));
    add_growth_metrics(&mut frame, level, &metrics)?;
    laps.lap(&format!("metrics: {} growth", level.key()));
    Ok((frame, metrics, sums))
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

/// For each row, the row of the same key `months_back` months earlier.
/// Rows sorted by month, then key (as the metrics table is) are matched
/// month against month in one walk; others through a hash table.
fn rows_months_back(
    keys: &[&str],
    periods: &[Option<Month>],
    months_back: u32,
) -> Vec<Option<usize>> {
    // (month, first row, end) of each run of one month.
    let mut blocks: Vec<(Month, usize, usize)> = Vec::new();
    let mut sorted = true;
    for (i, p) in periods.iter().enumerate() {
        let Some(month) = *p else {
            sorted = false;
            break;
        };
        match blocks.last_mut() {
            Some((m, _, end)) if *m == month => {
                sorted &= keys[i - 1] <= keys[i];
                *end = i + 1;
            }
            Some((m, ..)) if *m > month => sorted = false,
            _ => blocks.push((month, i, i + 1)),
        }
        if !sorted {
            break;
        }
    }
    let mut earlier = vec![None; keys.len()];
    if !sorted {
        let row_of: PlHashMap<(&str, Month), usize> = keys
            .iter()
            .zip(periods)
            .enumerate()
            .filter_map(|(i, (k, p))| Some(((*k, (*p)?), i)))
            .collect();
        earlier.par_iter_mut().enumerate().for_each(|(i, e)| {
            *e = periods[i].and_then(|p| {
                row_of
                    .get(&(keys[i], p.shift(-(months_back as i32))))
                    .copied()
            });
        });
        return earlier;
    }
    let block_of: BTreeMap<Month, (usize, usize)> = blocks
        .iter()
        .map(|&(m, start, end)| (m, (start, end)))
        .collect();
    for &(month, start, end) in &blocks {
        let Some(&(mut j, before_end)) = block_of.get(&month.shift(-(months_back as i32))) else {
            continue;
        };
        for (i, e) in earlier.iter_mut().enumerate().take(end).skip(start) {
            while j < before_end && keys[j] < keys[i] {
                j += 1;
            }
            // The last of equal keys, as a table keyed by the rows would keep.
            let mut last = None;
            let mut k = j;
            while k < before_end && keys[k] == keys[i] {
                last = Some(k);
                k += 1;
            }
            *e = last;
        }
    }
    earlier
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
    let growths: Vec<(&Metric, &str, u32)> = metrics
        .iter()
        .filter_map(|m| match m.formula {
            Formula::Growth { of, months_back } => Some((*m, of, months_back)),
            _ => None,
        })
        .collect();
    if growths.is_empty() {
        return Ok(());
    }
    let mut earlier_rows: BTreeMap<u32, Vec<Option<usize>>> = BTreeMap::new();
    let mut columns = Vec::with_capacity(growths.len());
    for (metric, of, months_back) in growths {
        let earlier = earlier_rows
            .entry(months_back)
            .or_insert_with(|| rows_months_back(&keys, &periods, months_back));
        let values = frame.column(of)?.cast(&DataType::Float64)?;
        let values = values.f64()?.rechunk();
        let growth: Float64Chunked = earlier
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let earlier = values.get((*e)?)?;
                if earlier == 0.0 {
                    None
                } else {
                    Some(values.get(i)? / earlier - 1.0)
                }
            })
            .collect();
        columns.push(growth.with_name(metric.id.into()).into_column());
    }
    for column in columns {
        frame.with_column(column)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_are_shown_in_their_unit_correctly_rounded() {
        // Hours held as thousandths: 73,561,400 is 73561.4 hours, which a
        // product with 0.001 gives as 73561.40000000001.
        let thousandths = [73_561_400i64, 62_870_700, 38_455_200, 1_234];
        let mut data = Dataset::new();
        data.insert(
            Table::EmployeeDaily,
            df!(
                "employee_id" => ["E1", "E2", "E3", "E4"],
                "period" => ["2025-01"; 4],
                "ship_hours" => thousandths,
            )
            .unwrap(),
        );
        let metrics = compute_metrics(&data).unwrap();
        let hours: Vec<f64> = metrics
            .employee
            .column("ship_hours")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(hours, [73561.4, 62870.7, 38455.2, 1.234]);
    }

    proptest! {
        /// The walk over rows sorted by month and key finds the rows a hash
        /// table of (key, month) finds, for the rows in any order.
        #[test]
        fn earlier_rows_are_found_in_any_order(
            rows in proptest::collection::btree_set((0u8..6, 0i32..5), 0..40),
            months_back in 1u32..3,
            shuffle in any::<u64>(),
        ) {
            let key = |k: u8| ["", "a", "ab", "b", "E1", "E10"][k as usize];
            // Sorted by month, then key, as the metrics table is.
            let mut sorted: Vec<(&str, Month)> = rows
                .iter()
                .map(|&(k, m)| (key(k), Month { year: 2025, month: 1 }.shift(m)))
                .collect();
            sorted.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
            let (keys, periods): (Vec<&str>, Vec<Option<Month>>) =
                sorted.iter().map(|&(k, m)| (k, Some(m))).unzip();
            let walked = rows_months_back(&keys, &periods, months_back);
            let expected: Vec<Option<usize>> = sorted
                .iter()
                .map(|&(k, m)| {
                    sorted
                        .iter()
                        .position(|&(k2, m2)| k2 == k && m2 == m.shift(-(months_back as i32)))
                })
                .collect();
            prop_assert_eq!(&walked, &expected);
            // The same rows out of order go through the hash table.
            let mut order: Vec<usize> = (0..sorted.len()).collect();
            order.sort_by_key(|&i| (i as u64).wrapping_mul(shuffle | 1).rotate_left(7));
            let shuffled_keys: Vec<&str> = order.iter().map(|&i| keys[i]).collect();
            let shuffled_periods: Vec<Option<Month>> = order.iter().map(|&i| periods[i]).collect();
            let hashed = rows_months_back(&shuffled_keys, &shuffled_periods, months_back);
            let back: Vec<Option<usize>> = hashed.iter().map(|e| e.map(|j| order[j])).collect();
            let in_order: Vec<Option<usize>> = order.iter().map(|&i| expected[i]).collect();
            prop_assert_eq!(back, in_order);
        }
    }
}
