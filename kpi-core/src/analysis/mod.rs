//! Analysis of a run: `trends` of every metric at company, store, team
//! and employee level, `attribution` of why GMV and customer-service
//! sales moved (the LMDI and chain maths and the driver), `peers`
//! benchmarks of scored employees and `targets` tracking. This module
//! holds what they share: monthly sums per entity and metric values over a
//! window of them.
//!
//! Every windowed value (rolling 3 months, quarter to date, year to date) is
//! recomputed from the window's sums: a rate is the ratio of the window's
//! sums, never a mean of monthly rates.

mod attribution;
mod peers;
mod targets;
mod trends;

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::str_values;
use crate::metric::{Formula, Level, Metric, sum_periods};
use crate::period::Month;
use crate::roster::read_roster;
use crate::table::Table;

pub use attribution::{
    AttributionLevel, MixRate, RateMember, attribute_changes, attribute_changes_in, chain, lmdi,
    mix_rate,
};
pub use peers::peers;
pub use targets::{target_tracking, target_tracking_in};
pub use trends::{trends, trends_in};

/// The monthly sums of one entity: month → input column → sum (in stored units).
type Series = BTreeMap<Month, Vec<Option<f64>>>;

/// The position of a column of a level's table in a [`Series`] row.
fn column_index(level: Level, name: &str) -> Option<usize> {
    level.table().columns().iter().position(|c| c.name == name)
}

/// The monthly sums of every entity at every level (company, store, team,
/// employee), made once from the daily rows for all the analyses
/// ([`trends_in`], [`attribute_changes_in`], [`target_tracking_in`]).
pub struct MonthlySums {
    levels: Vec<LevelSums>,
}

impl MonthlySums {
    /// Sums `data`'s activity per entity and month.
    pub fn of(data: &Dataset) -> Result<MonthlySums> {
        Ok(MonthlySums {
            levels: all_levels(data)?,
        })
    }
}

/// Entities of one level: id → (peer group, monthly sums).
struct LevelSums {
    level: &'static str,
    metric_level: Level,
    entities: BTreeMap<String, (String, Series)>,
}

/// One input column of a metric: name, scale to its unit, stock (averaged).
#[derive(Clone, Copy)]
struct Input {
    index: usize,
    scale: f64,
    stock: bool,
}

/// A metric ready to evaluate over windows of monthly sums.
#[derive(Clone, Copy)]
struct Compiled {
    numerator: Input,
    denominator: Option<Input>,
}

fn compile(metric: &Metric) -> Option<Compiled> {
    let input = |name: &'static str| {
        let spec = metric.level.table().column(name)?;
        Some(Input {
            index: column_index(metric.level, name)?,
            scale: spec.kind.scale() as f64,
            stock: spec.stock,
        })
    };
    match metric.formula {
        Formula::Sum(c) => Some(Compiled {
            numerator: input(c)?,
            denominator: None,
        }),
        Formula::Ratio {
            numerator,
            denominator,
        } => Some(Compiled {
            numerator: input(numerator)?,
            denominator: Some(input(denominator)?),
        }),
        _ => None,
    }
}

/// The value of a metric over the months of `window` of one entity, from
/// sums (stock columns are averaged over the months present).
fn value_over(
    metric: &Compiled,
    series: &Series,
    window: impl Iterator<Item = Month>,
) -> Option<f64> {
    let mut any = false;
    let mut sums = [(0.0, 0u32); 2];
    for month in window {
        let Some(row) = series.get(&month) else {
            continue;
        };
        any = true;
        for (k, input) in std::iter::once(metric.numerator)
            .chain(metric.denominator)
            .enumerate()
        {
            if let Some(v) = row[input.index] {
                sums[k].0 += v;
                sums[k].1 += 1;
            }
        }
    }
    if !any {
        return None;
    }
    let total = |k: usize, input: Input| -> Option<f64> {
        let (sum, n) = sums[k];
        (n > 0).then(|| if input.stock { sum / f64::from(n) } else { sum } / input.scale)
    };
    let numerator = total(0, metric.numerator);
    match metric.denominator {
        None => numerator,
        Some(d) => {
            let d = total(1, d)?;
            (d != 0.0).then_some(numerator? / d)
        }
    }
}

/// The value of a metric over a trend window: missing unless every month
/// of the window has the entity's data (before the data starts, or a gap).
fn window_value(
    metric: &Compiled,
    series: &Series,
    window: impl Iterator<Item = Month> + Clone,
) -> Option<f64> {
    if window.clone().all(|m| series.contains_key(&m)) {
        value_over(metric, series, window)
    } else {
        None
    }
}

fn level_sums(data: &Dataset, level: Level) -> Result<Option<DataFrame>> {
    let Some(activity) = data.get(level.table()) else {
        return Ok(None);
    };
    Ok(Some(sum_periods(activity, level)?))
}

/// Reads a sums frame into entities keyed by `key`, grouped by `group`.
fn series_of(
    frame: &DataFrame,
    level: Level,
    key: impl Fn(usize) -> Option<String>,
    group: impl Fn(usize) -> String,
) -> Result<BTreeMap<String, (String, Series)>> {
    let periods = str_values(frame, "period")?;
    let width = level.table().columns().len();
    let mut columns: Vec<(usize, Vec<Option<f64>>)> = Vec::new();
    for (k, spec) in level.table().columns().iter().enumerate() {
        if spec.kind.is_additive() && frame.column(spec.name).is_ok() {
            let values = frame.column(spec.name)?.cast(&DataType::Float64)?;
            columns.push((k, values.f64()?.iter().collect()));
        }
    }
    let mut out: BTreeMap<String, (String, Series)> = BTreeMap::new();
    for (i, period) in periods.iter().enumerate() {
        let (Some(id), Some(month)) = (key(i), period.as_deref().and_then(Month::parse)) else {
            continue;
        };
        let entry = out.entry(id).or_insert_with(|| (group(i), Series::new()));
        let sums = entry.1.entry(month).or_insert_with(|| vec![None; width]);
        for (k, values) in &columns {
            if let Some(v) = values[i] {
                *sums[*k].get_or_insert(0.0) += v;
            }
        }
    }
    Ok(out)
}

/// Company, store, team and employee sums.
fn all_levels(data: &Dataset) -> Result<Vec<LevelSums>> {
    let mut levels = Vec::new();
    let roster = read_roster(data)?;
    if let Some(stores) = level_sums(data, Level::Store)? {
        let ids = str_values(&stores, "store_id")?;
        levels.push(LevelSums {
            level: "company",
            metric_level: Level::Store,
            entities: series_of(
                &stores,
                Level::Store,
                |_| Some("all".into()),
                |_| "all".into(),
            )?,
        });
        levels.push(LevelSums {
            level: "store",
            metric_level: Level::Store,
            entities: series_of(&stores, Level::Store, |i| ids[i].clone(), |_| "all".into())?,
        });
    }
    if let Some(employees) = level_sums(data, Level::Employee)? {
        let ids = str_values(&employees, "employee_id")?;
        let entry = |i: usize| ids[i].as_ref().and_then(|id| roster.get(id));
        levels.push(LevelSums {
            level: "team",
            metric_level: Level::Employee,
            entities: series_of(
                &employees,
                Level::Employee,
                |i| entry(i)?.team_id.as_deref().map(str::to_string),
                |i| {
                    entry(i)
                        .and_then(|r| r.store_id.as_deref())
                        .unwrap_or_default()
                        .to_string()
                },
            )?,
        });
        levels.push(LevelSums {
            level: "employee",
            metric_level: Level::Employee,
            entities: series_of(
                &employees,
                Level::Employee,
                |i| ids[i].clone(),
                |i| {
                    entry(i)
                        .and_then(|r| r.role.as_deref())
                        .unwrap_or_default()
                        .to_string()
                },
            )?,
        });
    }
    Ok(levels)
}

fn change(now: f64, before: Option<f64>) -> Option<f64> {
    before.filter(|b| *b != 0.0).map(|b| now / b - 1.0)
}

/// Each month with data paired with the month before it (month-on-month).
pub fn consecutive_months(data: &Dataset) -> Result<Vec<(Month, Month)>> {
    let mut months = std::collections::BTreeSet::new();
    for table in [Table::StoreDaily, Table::EmployeeDaily] {
        if let Some(frame) = data.get(table) {
            for p in str_values(frame, "period")?.into_iter().flatten() {
                if let Some(m) = Month::parse(&p) {
                    months.insert(m);
                }
            }
        }
    }
    Ok(months
        .iter()
        .filter(|m| months.contains(&m.shift(-1)))
        .map(|m| (m.shift(-1), *m))
        .collect())
}
