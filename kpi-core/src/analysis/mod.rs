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
use crate::metric::{Formula, Level, Metric, sum_periods};
use crate::period::Month;
use crate::period_metrics::Metrics;
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

/// The entities of a level by id: peer group and monthly sums.
type Entities = BTreeMap<String, (String, Series)>;

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
            levels: all_levels(data, |level| level_sums(data, level))?,
        })
    }

    /// The same from the monthly sums `metrics` were computed from (of
    /// `data`), without summing the daily rows again.
    pub fn of_metrics(metrics: &Metrics, data: &Dataset) -> Result<MonthlySums> {
        Ok(MonthlySums {
            levels: all_levels(data, |level| Ok(metrics.sums(level).cloned()))?,
        })
    }
}

/// The monthly sums of one level's entities, as a frame ([`ID`], [`GROUP`],
/// [`MONTH`], then the level's additive input columns as Int64, null where
/// none of the month's rows had a value; one row per entity and month with
/// rows), and as maps for the analyses that look entities up one by one
/// (made the first time one does: target tracking without targets and the
/// store-level attribution never read the employees').
struct LevelSums {
    level: &'static str,
    metric_level: Level,
    frame: DataFrame,
    /// id → (peer group, monthly sums).
    entities: std::sync::OnceLock<Entities>,
}

impl LevelSums {
    fn new(level: &'static str, metric_level: Level, frame: DataFrame) -> Result<LevelSums> {
        Ok(LevelSums {
            level,
            metric_level,
            frame,
            entities: std::sync::OnceLock::new(),
        })
    }

    /// The entities by id: peer group and monthly sums.
    fn entities(&self) -> Result<&Entities> {
        if let Some(entities) = self.entities.get() {
            return Ok(entities);
        }
        let entities = entities_of(&self.frame, self.metric_level)?;
        Ok(self.entities.get_or_init(|| entities))
    }
}

/// The entity id column of a [`LevelSums`] frame.
const ID: &str = "_id";
/// The peer group column of a [`LevelSums`] frame: `all` for the company
/// and stores, a team's store, an employee's role.
const GROUP: &str = "_group";
/// The month column of a [`LevelSums`] frame, as a [`Month::number`].
const MONTH: &str = "_month";

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

fn level_sums(data: &Dataset, level: Level) -> Result<Option<DataFrame>> {
    let Some(activity) = data.get(level.table()) else {
        return Ok(None);
    };
    Ok(Some(sum_periods(activity, level)?))
}

/// The additive input columns of a level's sums frame, in table order.
fn summed(frame: &DataFrame, level: Level) -> Vec<&'static str> {
    level
        .table()
        .columns()
        .iter()
        .filter(|spec| spec.kind.is_additive() && frame.column(spec.name).is_ok())
        .map(|spec| spec.name)
        .collect()
}

/// `frame` (with a `period` column) with the number of each period's month
/// in [`MONTH`]; rows whose period is no month are left out.
fn with_month_numbers(frame: &DataFrame) -> Result<LazyFrame> {
    let periods = frame.column("period")?.unique()?;
    let (texts, numbers): (Vec<&str>, Vec<i32>) = periods
        .str()?
        .iter()
        .filter_map(|p| Some((p?, Month::parse(p?)?.number())))
        .unzip();
    let months = DataFrame::new(
        texts.len(),
        vec![
            Column::new("period".into(), texts),
            Column::new(MONTH.into(), numbers),
        ],
    )?;
    Ok(frame.clone().lazy().join(
        months.lazy(),
        [col("period")],
        [col("period")],
        in_left_order(JoinType::Inner),
    ))
}

/// A join that keeps the left frame's row order.
fn in_left_order(how: JoinType) -> JoinArgs {
    JoinArgs {
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(how)
    }
}

/// Sums of `columns` per group, null where every value is null.
fn sums_of(columns: &[&str]) -> Vec<Expr> {
    columns
        .iter()
        .map(|c| {
            when(col(*c).count().gt(lit(0)))
                .then(col(*c).sum())
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias(*c)
        })
        .collect()
}

/// A [`LevelSums`] frame: [`ID`], [`GROUP`], [`MONTH`] and `columns`.
fn level_frame(frame: LazyFrame, id: Expr, group: Expr, columns: &[&str]) -> Result<DataFrame> {
    let mut select = vec![id.alias(ID), group.alias(GROUP), col(MONTH)];
    select.extend(columns.iter().map(|c| col(*c)));
    Ok(frame
        .select(select)
        .filter(col(ID).is_not_null())
        .collect()?)
}

/// The entities of a [`LevelSums`] frame by id: peer group and monthly sums.
fn entities_of(frame: &DataFrame, level: Level) -> Result<Entities> {
    let ids = frame.column(ID)?.str()?;
    let groups = frame.column(GROUP)?.str()?;
    let months = frame.column(MONTH)?.i32()?;
    let width = level.table().columns().len();
    let mut columns: Vec<(usize, Vec<Option<f64>>)> = Vec::new();
    for (k, spec) in level.table().columns().iter().enumerate() {
        if let Ok(values) = frame.column(spec.name) {
            let values = values.cast(&DataType::Float64)?;
            columns.push((k, values.f64()?.iter().collect()));
        }
    }
    let mut out = Entities::new();
    for (i, ((id, group), month)) in ids.iter().zip(groups.iter()).zip(months.iter()).enumerate() {
        let (Some(id), Some(month)) = (id, month) else {
            continue;
        };
        let entry = out
            .entry(id.to_string())
            .or_insert_with(|| (group.unwrap_or_default().to_string(), Series::new()));
        let sums = entry
            .1
            .entry(Month::of_number(month))
            .or_insert_with(|| vec![None; width]);
        for (k, values) in &columns {
            sums[*k] = values[i];
        }
    }
    Ok(out)
}

/// The roster as a frame: `employee_id`, `_team`, `_store`, `_role`.
fn roster_frame(data: &Dataset) -> Result<DataFrame> {
    let roster = read_roster(data)?;
    let mut rows: Vec<(&str, &crate::roster::Employee)> =
        roster.iter().map(|(id, e)| (id.as_str(), e)).collect();
    rows.sort_by_key(|(id, _)| *id);
    let text = |f: fn(&crate::roster::Employee) -> Option<&str>| -> Vec<Option<&str>> {
        rows.iter().map(|(_, e)| f(e)).collect()
    };
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "employee_id".into(),
                rows.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            ),
            Column::new("_team".into(), text(|e| e.team_id.as_deref())),
            Column::new("_store".into(), text(|e| e.store_id.as_deref())),
            Column::new("_role".into(), text(|e| e.role.as_deref())),
        ],
    )?)
}

/// Company, store, team and employee sums.
fn all_levels(
    data: &Dataset,
    sums: impl Fn(Level) -> Result<Option<DataFrame>>,
) -> Result<Vec<LevelSums>> {
    let mut levels = Vec::new();
    if let Some(stores) = sums(Level::Store)? {
        let columns = summed(&stores, Level::Store);
        let months = with_month_numbers(&stores)?;
        let company = months
            .clone()
            .group_by([col(MONTH)])
            .agg(sums_of(&columns))
            .sort([MONTH], SortMultipleOptions::default());
        levels.push(LevelSums::new(
            "company",
            Level::Store,
            level_frame(company, lit("all"), lit("all"), &columns)?,
        )?);
        levels.push(LevelSums::new(
            "store",
            Level::Store,
            level_frame(months, col("store_id"), lit("all"), &columns)?,
        )?);
    }
    if let Some(employees) = sums(Level::Employee)? {
        let columns = summed(&employees, Level::Employee);
        let months = with_month_numbers(&employees)?.join(
            roster_frame(data)?.lazy(),
            [col("employee_id")],
            [col("employee_id")],
            in_left_order(JoinType::Left),
        );
        // A team's peers are the teams of its store: the store of its
        // first row.
        let team_rows = months.clone().filter(col("_team").is_not_null());
        let team_stores = team_rows
            .clone()
            .group_by([col("_team")])
            .agg([col("_store").first().fill_null(lit("")).alias(GROUP)]);
        let teams = team_rows
            .group_by([col("_team"), col(MONTH)])
            .agg(sums_of(&columns))
            .join(
                team_stores,
                [col("_team")],
                [col("_team")],
                JoinArgs::new(JoinType::Left),
            );
        levels.push(LevelSums::new(
            "team",
            Level::Employee,
            level_frame(teams, col("_team"), col(GROUP), &columns)?,
        )?);
        levels.push(LevelSums::new(
            "employee",
            Level::Employee,
            level_frame(
                months,
                col("employee_id"),
                col("_role").fill_null(lit("")),
                &columns,
            )?,
        )?);
    }
    Ok(levels)
}

/// Each month with data paired with the month before it (month-on-month).
pub fn consecutive_months(data: &Dataset) -> Result<Vec<(Month, Month)>> {
    let mut months = std::collections::BTreeSet::new();
    for table in [Table::StoreDaily, Table::EmployeeDaily] {
        if let Some(frame) = data.get(table) {
            let periods = frame.column("period")?.unique()?;
            months.extend(periods.str()?.iter().flatten().filter_map(Month::parse));
        }
    }
    Ok(months
        .iter()
        .filter(|m| months.contains(&m.shift(-1)))
        .map(|m| (m.shift(-1), *m))
        .collect())
}
