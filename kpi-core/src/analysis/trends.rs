//! Trends: every metric and score per entity and month, with month-on-month
//! and year-on-year changes and windows recomputed from their sums.
//!
//! Each level is one polars plan over a dense grid of its entities × its
//! months (a month without rows is a row of nulls), so a month's neighbours
//! are rows a fixed distance away: the changes are shifts; a window's sum
//! (the 3 months, the quarter or the year to date) is the sum of the grid's
//! rows before its last row less that before its first, in whole numbers;
//! the ranks are rank expressions over each metric's month and peer group
//! ([`places_among_peers`]). A score's windows add its months in month
//! order, as floats add.

use std::collections::HashMap;

use polars::prelude::*;

use super::{Compiled, GROUP, ID, Input, LevelSums, MONTH, MonthlySums, compile};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::metric::{Direction, Metric, catalogue};
use crate::period::Month;
use crate::scoring::Scores;

/// The `trends` table: one row per level, entity, metric and month with a
/// value: `level, id, metric, period, value, mom, yoy, rolling_3` (the
/// contract columns), then `qtd, ytd` (quarter and year to date), `rank`
/// among peers (stores among stores, teams in their store, employees of the
/// same role across stores; 1 is best, ties share the better place),
/// `rank_change` (positive: moved up since last month) and `streak`
/// (consecutive months better, positive, or worse, negative, than the month
/// before). `mom`/`yoy` are relative changes, missing when the earlier month
/// is missing or 0.
///
/// With `scores`, each scored employee's `total_score` has rows too (level
/// `employee`, metric `total_score`): a score is not a ratio of sums, so its
/// windows are the mean of the months scored in them; ranks are among the
/// same role.
pub fn trends(data: &Dataset, scores: Option<&Scores>) -> Result<DataFrame> {
    trends_in(&MonthlySums::of(data)?, scores)
}

/// [`trends`] from monthly sums made once for every analysis.
pub fn trends_in(sums: &MonthlySums, scores: Option<&Scores>) -> Result<DataFrame> {
    use rayon::prelude::*;
    // Levels in order (company, store, team, employee), scores last, made
    // side by side; each part in entity id, metric (catalogue order) and
    // month order.
    let (levels, scored) = rayon::join(
        || {
            sums.levels
                .par_iter()
                .map(level_trends)
                .collect::<Result<Vec<_>>>()
        },
        || scores.map(score_trends).transpose(),
    );
    let parts: Vec<DataFrame> = levels?.into_iter().chain(scored?).flatten().collect();
    let Some(first) = parts.first() else {
        return Ok(empty()?);
    };
    let mut out = first.clone();
    for part in &parts[1..] {
        out.vstack_mut(part)?;
    }
    out.rechunk_mut();
    Ok(out)
}

/// The trends columns and their types, without rows.
fn empty() -> PolarsResult<DataFrame> {
    let text = |name: &str| Column::new(name.into(), Vec::<&str>::new());
    let number = |name: &str| Column::new(name.into(), Vec::<f64>::new());
    DataFrame::new(
        0,
        vec![
            text("level"),
            text("id"),
            text("metric"),
            text("period"),
            number("value"),
            number("mom"),
            number("yoy"),
            number("rolling_3"),
            number("qtd"),
            number("ytd"),
            Column::new("rank".into(), Vec::<u32>::new()),
            Column::new("rank_change".into(), Vec::<i64>::new()),
            Column::new("streak".into(), Vec::<i64>::new()),
        ],
    )
}

/// The rows of one level's metrics (`None` when it has no month or no
/// column a metric reads).
fn level_trends(level: &LevelSums) -> Result<Option<DataFrame>> {
    let Some(grid) = Grid::new(&level.frame)? else {
        return Ok(None);
    };
    let table = level.metric_level.table();
    let metrics: Vec<(&Metric, Compiled)> = catalogue()
        .iter()
        .filter(|m| m.level == level.metric_level)
        .filter_map(|m| Some((m, compile(m)?)))
        .filter(|(m, _)| m.inputs().iter().all(|c| level.frame.column(c).is_ok()))
        .collect();
    if metrics.is_empty() {
        return Ok(None);
    }
    // Each input's totals over the windows once, for all its metrics.
    let mut inputs: Vec<(&'static str, Input)> = Vec::new();
    for (_, compiled) in &metrics {
        for input in std::iter::once(compiled.numerator).chain(compiled.denominator) {
            let name = table.columns()[input.index].name;
            if !inputs.iter().any(|(n, _)| *n == name) {
                inputs.push((name, input));
            }
        }
    }
    let running: Vec<Expr> = inputs
        .iter()
        .flat_map(|(name, _)| {
            [
                before(value_of(name), &sums_before(name)),
                before(count_of(name), &counts_before(name)),
            ]
        })
        .chain([before(col(PRESENT), PRESENT_BEFORE)])
        .chain(
            inputs
                .iter()
                .map(|(_, input)| input.scale as u64)
                .filter(|scale| *scale != 1)
                .collect::<std::collections::BTreeSet<u64>>()
                .into_iter()
                .map(|scale| grid.divisor(scale as f64)),
        )
        .collect();
    let totals: Vec<Expr> = inputs
        .iter()
        .flat_map(|(name, input)| {
            (0..WINDOWS).map(|w| input_total(name, *input, w).alias(total_name(name, w)))
        })
        .collect();
    let total = |input: Input, w: usize| col(total_name(table.columns()[input.index].name, w));
    let measures: Vec<Measure> = metrics
        .iter()
        .map(|(metric, compiled)| Measure {
            id: metric.id,
            higher: metric.direction == Direction::Higher,
            windows: each(|w| {
                let numerator = total(compiled.numerator, w);
                match compiled.denominator {
                    None => numerator,
                    Some(d) => when(total(d, w).neq(lit(0.0)))
                        .then(numerator / total(d, w))
                        .otherwise(lit(NULL).cast(DataType::Float64)),
                }
            }),
        })
        .collect();
    grid.rows(level.level, &[running, totals], &measures)
        .map(Some)
}

/// The `total_score` rows of every scored employee (`None` without any).
fn score_trends(scores: &Scores) -> Result<Option<DataFrame>> {
    let scored: Vec<(&str, &str, i32, f64)> = scores
        .rows
        .iter()
        .filter_map(|r| {
            let month = Month::parse(&r.period)?;
            Some((&*r.employee_id, &*r.role, month.number(), r.total_score?))
        })
        .collect();
    let frame = DataFrame::new(
        scored.len(),
        vec![
            Column::new(ID.into(), scored.iter().map(|s| s.0).collect::<Vec<_>>()),
            Column::new(GROUP.into(), scored.iter().map(|s| s.1).collect::<Vec<_>>()),
            Column::new(MONTH.into(), scored.iter().map(|s| s.2).collect::<Vec<_>>()),
            Column::new(SCORE.into(), scored.iter().map(|s| s.3).collect::<Vec<_>>()),
        ],
    )?;
    let Some(grid) = Grid::new(&frame)? else {
        return Ok(None);
    };
    // The mean of the months of a window, missing unless each is scored;
    // the scores are added in month order (the sum of floats depends on it).
    let score = || col(SCORE).fill_null(lit(0.0));
    let two = || back(score(), 2) + back(score(), 1) + score();
    let sums = [
        score(),
        two(),
        when(col(MONTH_OF_QUARTER).eq(lit(1)))
            .then(score())
            .when(col(MONTH_OF_QUARTER).eq(lit(2)))
            .then(back(score(), 1) + score())
            .otherwise(two()),
        score().cum_sum(false).over([col(YEAR)])?,
    ];
    let windows = each(|w| {
        let mean = match w {
            0 => sums[w].clone(),
            1 => divided(sums[w].clone(), 3.0),
            _ => sums[w].clone() / window_months(w).cast(DataType::Float64),
        };
        when(complete(w))
            .then(mean)
            .otherwise(lit(NULL).cast(DataType::Float64))
    });
    let measure = Measure {
        id: "total_score",
        higher: true,
        windows,
    };
    let running = vec![before(col(PRESENT), PRESENT_BEFORE), grid.divisor(3.0)];
    grid.rows("employee", &[running], &[measure]).map(Some)
}

/// The score column of the scores' grid.
const SCORE: &str = "_score";

/// One metric (or the score) as a trends row sees it: its value over each
/// window of a row's month ([`WINDOWS`]), null where the window is not
/// complete or the value undefined.
struct Measure {
    id: &'static str,
    higher: bool,
    windows: [Expr; WINDOWS],
}

/// The windows of a month: the month itself, the 3 months to it, the
/// quarter to it and the year to it.
const WINDOWS: usize = 4;

/// One expression per window.
fn each(f: impl FnMut(usize) -> Expr) -> [Expr; WINDOWS] {
    std::array::from_fn(f)
}

/// The first row of each window ([`WINDOWS`]) of a row's month, clipped to
/// the entity's first month.
const STARTS: [&str; WINDOWS] = ["", "_start_3", "_start_quarter", "_start_year"];

/// The months of window `w` of a row's month.
fn window_months(w: usize) -> Expr {
    match w {
        0 => lit(1i64),
        1 => lit(3i64),
        2 => col(MONTH_OF_QUARTER).cast(DataType::Int64),
        _ => col(MONTH_OF_YEAR).cast(DataType::Int64),
    }
}

/// The sum of `x` (whole numbers) over the grid's rows before each row, to
/// sum any run of rows with two lookups (exact: Int64).
fn before(x: Expr, name: &str) -> Expr {
    x.cum_sum(false)
        .shift(lit(1))
        .fill_null(lit(0i64))
        .alias(name)
}

/// The sum of `x` over window `w` of each row's month, from the sums of
/// the rows before ([`before`], in column `before`).
fn window_sum(x: Expr, before: &str, w: usize) -> Expr {
    if w == 0 {
        return x;
    }
    x + col(before) - col(before).gather(col(STARTS[w]), false)
}

/// Whether the entity has rows in every month of window `w`.
fn complete(w: usize) -> Expr {
    window_sum(col(PRESENT), PRESENT_BEFORE, w).eq(window_months(w))
}

/// An input's whole-number values, 0 where missing.
fn value_of(name: &str) -> Expr {
    col(name).cast(DataType::Int64).fill_null(lit(0i64))
}

/// 1 where an input has a value, else 0.
fn count_of(name: &str) -> Expr {
    col(name).is_not_null().cast(DataType::Int64)
}

fn sums_before(name: &str) -> String {
    format!("{name}#sum")
}

fn counts_before(name: &str) -> String {
    format!("{name}#count")
}

fn total_name(name: &str, w: usize) -> String {
    format!("{name}@{w}")
}

/// An input's total over window `w` in its unit (a stock's mean over the
/// months with a value), null unless the entity has rows in every month of
/// the window and one of them a value.
fn input_total(name: &str, input: Input, w: usize) -> Expr {
    let sum = window_sum(value_of(name), &sums_before(name), w).cast(DataType::Float64);
    let count = window_sum(count_of(name), &counts_before(name), w);
    let total = if input.stock {
        sum / count.clone().cast(DataType::Float64)
    } else {
        sum
    };
    when(complete(w).and(count.gt(lit(0i64))))
        .then(divided(total, input.scale))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// `x / by`, correctly rounded (see `frame::quotient`): the number is a
/// column of the grid ([`Grid::divisor`]).
fn divided(x: Expr, by: f64) -> Expr {
    if by == 1.0 {
        x
    } else {
        x / col(divisor_name(by))
    }
}

fn divisor_name(by: f64) -> String {
    format!("_divisor_{by}")
}

/// `x` of the same entity `months` months earlier (null before the grid).
fn back(x: Expr, months: i64) -> Expr {
    when(col(T).gt_eq(lit(months)))
        .then(x.shift(lit(months)))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// `now / before − 1`, null when `before` is missing or 0.
fn change(now: Expr, before: Expr) -> Expr {
    when(before.clone().neq(lit(0.0)))
        .then(now / before - lit(1.0))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

// The grid's columns.
/// The entity's number, in id order.
const E: &str = "_e";
/// The month's number from the grid's first month.
const T: &str = "_t";
/// The entity's peer group, numbered.
const G: &str = "_g";
/// 1 where the entity has rows in the month, else 0.
const PRESENT: &str = "_present";
/// The sum of [`PRESENT`] over the rows before.
const PRESENT_BEFORE: &str = "_present#before";
/// The entity and year (a partition of the grid).
const YEAR: &str = "_year";
/// The month of the year, 1–12.
const MONTH_OF_YEAR: &str = "_moy";
/// The month of the quarter, 1–3.
const MONTH_OF_QUARTER: &str = "_moq";
// The rows' columns.
/// The measure's number.
const K: &str = "_k";
/// Whether the value is better (1) or worse (−1) than the month before's.
const DIRECTION: &str = "_d";
/// What ranks ascending: the value, negated where higher is better.
const RANK_KEY: &str = "_rank_key";
/// The measure, month and peer group (a partition of the rows).
const PEERS: &str = "_peers";
/// The row's place in entity, measure and month order.
const ORDER: &str = "_order";

/// Every entity of a level × every month from its first to its last.
struct Grid {
    /// Entity ids by number (sorted).
    ids: polars::prelude::Series,
    /// The grid's months in order.
    months: Vec<Month>,
    /// Peer groups.
    groups: u64,
    /// One row per entity and month, entity by entity: [`E`], [`T`],
    /// [`G`], [`PRESENT`], the partitions and months, then the sums
    /// frame's columns (null where absent).
    frame: DataFrame,
}

impl Grid {
    /// The grid of a frame of `ID, GROUP, MONTH` and sums, one row per
    /// entity and month (`None` without rows).
    fn new(sums: &DataFrame) -> Result<Option<Grid>> {
        let months = sums.column(MONTH)?.i32()?;
        let (Some(first), Some(last)) = (months.min(), months.max()) else {
            return Ok(None);
        };
        let entities = sums
            .clone()
            .lazy()
            .group_by([col(ID)])
            .agg([col(GROUP).first()])
            .sort([ID], SortMultipleOptions::default())
            .with_row_index(E, None)
            .collect()?;
        let span = (last - first + 1) as usize;
        let count = entities.height();
        // Peer groups numbered in entity order.
        let mut numbers: HashMap<Option<&str>, u32> = HashMap::new();
        let groups: Vec<u32> = entities
            .column(GROUP)?
            .str()?
            .iter()
            .map(|g| {
                let next = numbers.len() as u32;
                *numbers.entry(g).or_insert(next)
            })
            .collect();
        let months: Vec<Month> = (first..=last).map(Month::of_number).collect();
        let first_year = months[0].year;
        let years = (months[span - 1].year - first_year + 1) as u32;
        let cells = count * span;
        let e: Vec<IdxSize> = (0..count as IdxSize)
            .flat_map(|e| std::iter::repeat_n(e, span))
            .collect();
        // A column of the cells: f(entity, month number in the grid, month).
        let of_cells = |f: &dyn Fn(usize, usize, &Month) -> u32| -> Vec<u32> {
            (0..cells)
                .map(|cell| f(cell / span, cell % span, &months[cell % span]))
                .collect()
        };
        // The cell `back` months before, or the entity's first.
        let start = |back: &dyn Fn(&Month) -> usize| {
            of_cells(&|e, t, m| (e * span + t - back(m).min(t)) as u32)
        };
        let grid = DataFrame::new(
            cells,
            vec![
                Column::new(E.into(), e),
                Column::new(T.into(), of_cells(&|_, t, _| t as u32)),
                Column::new(G.into(), of_cells(&|e, _, _| groups[e])),
                Column::new(
                    YEAR.into(),
                    of_cells(&|e, _, m| e as u32 * years + (m.year - first_year) as u32),
                ),
                Column::new(MONTH_OF_YEAR.into(), of_cells(&|_, _, m| m.month)),
                Column::new(
                    MONTH_OF_QUARTER.into(),
                    of_cells(&|_, _, m| (m.month - 1) % 3 + 1),
                ),
                Column::new(STARTS[1].into(), start(&|_| 2)),
                Column::new(STARTS[2].into(), start(&|m| (m.month as usize - 1) % 3)),
                Column::new(STARTS[3].into(), start(&|m| m.month as usize - 1)),
            ],
        )?;
        let cell = (col(E).cast(DataType::Int64) * lit(span as i64))
            + (col(MONTH).cast(DataType::Int64) - lit(i64::from(first)));
        let rows = sums
            .clone()
            .lazy()
            .join(
                entities.clone().lazy().select([col(ID), col(E)]),
                [col(ID)],
                [col(ID)],
                JoinArgs::new(JoinType::Inner),
            )
            .with_column(cell.alias("_cell"))
            .drop(cols([ID, GROUP, MONTH, E]))
            .with_column(lit(1i64).alias(PRESENT));
        let frame = grid
            .lazy()
            .with_row_index("_cell", None)
            .with_column(col("_cell").cast(DataType::Int64))
            .join(
                rows,
                [col("_cell")],
                [col("_cell")],
                super::in_left_order(JoinType::Left),
            )
            .with_column(col(PRESENT).fill_null(lit(0i64)))
            .drop(cols(["_cell"]))
            .collect()?;
        Ok(Some(Grid {
            ids: entities.column(ID)?.as_materialized_series().clone(),
            months,
            groups: numbers.len().max(1) as u64,
            frame,
        }))
    }

    /// A column of `by` in every row, for [`divided`].
    fn divisor(&self, by: f64) -> Expr {
        lit(polars::prelude::Series::new(
            divisor_name(by).into(),
            vec![by; self.frame.height()],
        ))
    }

    /// The trends rows of `measures` at `level`, in entity, measure and
    /// month order; `stages` are the columns the measures read, added to
    /// the grid one stage after the other.
    fn rows(
        &self,
        level: &'static str,
        stages: &[Vec<Expr>],
        measures: &[Measure],
    ) -> Result<DataFrame> {
        let (span, count) = (self.months.len() as u64, measures.len() as u64);
        let mut prepared = self.frame.clone().lazy();
        for stage in stages {
            prepared = prepared.with_columns(stage.clone());
        }
        let prepared = prepared.collect()?;
        let mut parts = Vec::with_capacity(measures.len());
        for (k, measure) in measures.iter().enumerate() {
            let [value, rolling_3, qtd, ytd] = measure.windows.clone();
            let value_col = || col("value");
            let before = back(value_col(), 1);
            let better = |a: Expr, b: Expr| {
                if measure.higher { a.gt(b) } else { a.lt(b) }
            };
            let k = k as u64;
            parts.push(
                prepared
                    .clone()
                    .lazy()
                    .with_columns([
                        value.alias("value"),
                        rolling_3.alias("rolling_3"),
                        qtd.alias("qtd"),
                        ytd.alias("ytd"),
                    ])
                    .select([
                        lit(level).alias("level"),
                        col(E),
                        lit(k as IdxSize).alias(K),
                        col(T),
                        value_col(),
                        change(value_col(), before.clone()).alias("mom"),
                        change(value_col(), back(value_col(), 12)).alias("yoy"),
                        col("rolling_3"),
                        col("qtd"),
                        col("ytd"),
                        when(better(value_col(), before.clone()))
                            .then(lit(1i64))
                            .when(better(before, value_col()))
                            .then(lit(-1i64))
                            .otherwise(lit(0i64))
                            .alias(DIRECTION),
                        if measure.higher {
                            -value_col()
                        } else {
                            value_col()
                        }
                        .alias(RANK_KEY),
                        ((lit(k * span) + col(T).cast(DataType::UInt64)) * lit(self.groups)
                            + col(G).cast(DataType::UInt64))
                        .alias(PEERS),
                        ((col(E).cast(DataType::UInt64) * lit(count) + lit(k)) * lit(span)
                            + col(T).cast(DataType::UInt64))
                        .alias(ORDER),
                    ])
                    .filter(value_col().is_not_null()),
            );
        }
        let same_series = col(E)
            .eq(col(E).shift(lit(1)))
            .and(col(K).eq(col(K).shift(lit(1))));
        let after_last_month = same_series
            .clone()
            .and(col(T).eq(col(T).shift(lit(1)) + lit(1)));
        // A run of months each better (or each worse) than the month before:
        // its rows are consecutive, and the row before a run is of another
        // series or not better (or not worse).
        let run_starts = same_series
            .and(col(DIRECTION).eq(col(DIRECTION).shift(lit(1))))
            .not()
            .fill_null(lit(true));
        let i = || col("_i").cast(DataType::Int64);
        // The index of the last row (up to this one) where `starts` holds.
        let last = |starts: Expr| {
            when(starts.fill_null(lit(true)))
                .then(i())
                .otherwise(lit(0i64))
                .cum_max(false)
        };
        // Places among peers, ties sharing the better: in peer and key
        // order, a row's place is 1 + the rows of its peers before its tie.
        let frame = concat(parts, UnionArgs::default())?
            .sort([ORDER], SortMultipleOptions::default())
            .with_row_index("_row", None)
            .collect()?;
        let ranks = frame
            .select([PEERS, RANK_KEY])?
            .lazy()
            .select([
                places_among_peers(frame.height(), frame.column(PEERS)?.n_unique()?)?.alias("rank"),
            ])
            .collect()?;
        let frame = frame
            .hstack(ranks.columns())?
            .lazy()
            .rename(["_row"], ["_i"], true)
            .with_column(last(run_starts).alias("_run_start"))
            .select([
                col("level"),
                lit(self.ids.clone()).gather(col(E), false).alias("id"),
                lit(polars::prelude::Series::new(
                    "metric".into(),
                    measures.iter().map(|m| m.id).collect::<Vec<_>>(),
                ))
                .gather(col(K), false)
                .alias("metric"),
                lit(polars::prelude::Series::new(
                    "period".into(),
                    self.months.iter().map(Month::to_string).collect::<Vec<_>>(),
                ))
                .gather(col(T), false)
                .alias("period"),
                col("value"),
                col("mom"),
                col("yoy"),
                col("rolling_3"),
                col("qtd"),
                col("ytd"),
                col("rank"),
                when(after_last_month)
                    .then(
                        col("rank").shift(lit(1)).cast(DataType::Int64)
                            - col("rank").cast(DataType::Int64),
                    )
                    .otherwise(lit(NULL).cast(DataType::Int64))
                    .alias("rank_change"),
                (col(DIRECTION) * (i() - col("_run_start") + lit(1i64))).alias("streak"),
            ])
            .collect()?;
        Ok(frame)
    }
}

/// Each row's place among the rows of its peers ([`PEERS`]) by
/// [`RANK_KEY`], ascending, ties sharing the better place, for `rows` rows
/// in `groups` peer groups.
/// A rank over each peer group is quick for a few large groups (employees
/// of a role) and slow for many small ones (the teams of each store); those
/// are ranked among all rows at once instead, by one key: the peers, then
/// the value's dense place among all rows, less the rows of the peers
/// before their own.
fn places_among_peers(rows: usize, groups: usize) -> Result<Expr> {
    let rank = |x: Expr, method: RankMethod| {
        x.rank(
            RankOptions {
                method,
                descending: false,
            },
            None,
        )
        .cast(DataType::Int64)
    };
    let places = if groups * MANY_PEERS <= rows {
        rank(col(RANK_KEY), RankMethod::Min).over([col(PEERS)])?
    } else {
        rank(
            col(PEERS) * lit(rows as u64 + 1) + rank(col(RANK_KEY), RankMethod::Dense),
            RankMethod::Min,
        ) - rank(col(PEERS), RankMethod::Min)
            + lit(1i64)
    };
    Ok(places.cast(DataType::UInt32))
}

/// Rows per peer group from which a rank over each group is the quicker.
const MANY_PEERS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::places;
    use proptest::prelude::*;

    /// The places `places_among_peers` gives, with `groups` deciding how.
    fn ranked(peers: &[u64], keys: &[f64], groups: usize) -> Vec<u32> {
        let frame = DataFrame::new(
            peers.len(),
            vec![
                Column::new(PEERS.into(), peers.to_vec()),
                Column::new(RANK_KEY.into(), keys.to_vec()),
            ],
        )
        .unwrap();
        let places = places_among_peers(peers.len(), groups).unwrap();
        let ranks = frame.lazy().select([places]).collect().unwrap();
        ranks.columns()[0]
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect()
    }

    proptest! {
        /// Both ways of ranking (over each group, and among all rows by
        /// one key) give each group's places ([`places`], ties sharing the
        /// better), whatever the groups' sizes and ties.
        #[test]
        fn places_among_peers_are_each_groups_places(
            rows in prop::collection::vec((0u64..5, -3i32..4), 1..200)
        ) {
            let peers: Vec<u64> = rows.iter().map(|r| r.0).collect();
            // Halves, so that ties are common and −0.0 meets 0.0.
            let keys: Vec<f64> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| if r.1 == 0 && i % 2 == 0 { -0.0 } else { f64::from(r.1) / 2.0 })
                .collect();
            let mut expected = vec![0u32; rows.len()];
            for group in 0..5 {
                let members: Vec<usize> = (0..rows.len()).filter(|&i| peers[i] == group).collect();
                let values: Vec<f64> = members.iter().map(|&i| keys[i]).collect();
                for (&i, place) in members.iter().zip(places(&values, Direction::Lower)) {
                    expected[i] = place as u32;
                }
            }
            prop_assert_eq!(ranked(&peers, &keys, 0), expected.clone(), "over each group");
            prop_assert_eq!(ranked(&peers, &keys, rows.len()), expected, "by one key");
        }
    }

    #[test]
    fn a_division_by_a_unit_is_correctly_rounded() {
        // Cents to yuan: polars' `x / lit(100.0)` is `x × 0.01`, which is
        // one unit of the last place off for many of these.
        let cents: Vec<f64> = (180_052_800..180_053_000).map(f64::from).collect();
        let n = cents.len();
        let frame = df!("x" => cents.clone()).unwrap();
        let grid = Grid {
            ids: polars::prelude::Series::new("id".into(), Vec::<&str>::new()),
            months: Vec::new(),
            groups: 1,
            frame: frame.clone(),
        };
        let out = frame
            .lazy()
            .with_column(grid.divisor(100.0))
            .select([divided(col("x"), 100.0)])
            .collect()
            .unwrap();
        let got: Vec<f64> = out.columns()[0]
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        let exact: Vec<f64> = cents.iter().map(|c| c / 100.0).collect();
        assert_eq!(got, exact);
        assert_eq!(got.len(), n);
        assert_eq!(divided(col("x"), 1.0), col("x"));
    }
}
