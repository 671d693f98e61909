//! Trends: every metric and score per entity and month, with month-on-month
//! and year-on-year changes and windows recomputed from their sums.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use super::{Compiled, MonthlySums, change, compile, value_over, window_value};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::column;
use crate::metric::{Direction, Metric, catalogue};
use crate::period::Month;
use crate::rank::places;
use crate::scoring::Scores;

/// One row of `trends` (the entity's id borrowed from the level's sums).
struct TrendRow<'a> {
    level: &'static str,
    id: &'a str,
    metric: &'static str,
    period: Month,
    value: f64,
    mom: Option<f64>,
    yoy: Option<f64>,
    rolling_3: Option<f64>,
    qtd: Option<f64>,
    ytd: Option<f64>,
    rank: Option<u32>,
    rank_change: Option<i64>,
    streak: i64,
    /// Position of the metric in the level's metric list, and whether higher is better.
    metric_index: u16,
    higher: bool,
    /// The entity's peer group, numbered.
    group: u32,
}

/// The `total_score` rows of every scored employee.
fn score_rows<'a>(scores: &'a Scores, rows: &mut Vec<TrendRow<'a>>) {
    let mut by_employee: BTreeMap<&str, (String, BTreeMap<Month, f64>)> = BTreeMap::new();
    for r in &scores.rows {
        if let (Some(total), Some(month)) = (r.total_score, Month::parse(&r.period)) {
            by_employee
                .entry(&r.employee_id)
                .or_insert_with(|| (r.role.to_string(), BTreeMap::new()))
                .1
                .insert(month, total);
        }
    }
    let mut roles: HashMap<String, u32> = HashMap::new();
    for (id, (role, months)) in by_employee {
        let next = roles.len() as u32;
        let group = *roles.entry(role).or_insert(next);
        // The mean over a window, missing unless every month of it is scored.
        let mean = |window: &mut dyn Iterator<Item = Month>| {
            let values: Option<Vec<f64>> = window.map(|m| months.get(&m).copied()).collect();
            values
                .filter(|v| !v.is_empty())
                .map(|v| v.iter().sum::<f64>() / v.len() as f64)
        };
        let mut streak = 0i64;
        let mut previous: Option<(Month, f64)> = None;
        for (&month, &value) in &months {
            streak = match previous {
                Some((m, p)) if m.shift(1) == month => match value.partial_cmp(&p) {
                    Some(std::cmp::Ordering::Greater) => streak.max(0) + 1,
                    Some(std::cmp::Ordering::Less) => streak.min(0) - 1,
                    _ => 0,
                },
                _ => 0,
            };
            previous = Some((month, value));
            let quarter_start = (month.month - 1) / 3 * 3 + 1;
            rows.push(TrendRow {
                level: "employee",
                id,
                metric: "total_score",
                period: month,
                value,
                mom: change(value, months.get(&month.shift(-1)).copied()),
                yoy: change(value, months.get(&month.shift(-12)).copied()),
                rolling_3: mean(&mut (0..3).map(|k| month.shift(k - 2))),
                qtd: mean(&mut (quarter_start..=month.month).map(|m| Month {
                    year: month.year,
                    month: m,
                })),
                ytd: mean(&mut (1..=month.month).map(|m| Month {
                    year: month.year,
                    month: m,
                })),
                rank: None,
                rank_change: None,
                streak,
                metric_index: u16::MAX,
                higher: true,
                group,
            });
        }
    }
}

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
    let mut rows: Vec<TrendRow<'_>> = Vec::new();
    for level in &sums.levels {
        let metrics: Vec<(&Metric, Compiled)> = catalogue()
            .iter()
            .filter(|m| m.level == level.metric_level)
            .filter_map(|m| Some((m, compile(m)?)))
            .collect();
        let first = rows.len();
        // Peer groups numbered in entity order, then every entity's rows on
        // every core, kept in entity order.
        let mut groups: HashMap<&str, u32> = HashMap::new();
        let entities: Vec<(&str, u32, &super::Series)> = level
            .entities
            .iter()
            .map(|(id, (group, series))| {
                let next = groups.len() as u32;
                (
                    id.as_str(),
                    *groups.entry(group.as_str()).or_insert(next),
                    series,
                )
            })
            .collect();
        let per_entity: Vec<Vec<TrendRow<'_>>> = entities
            .par_iter()
            .map(|&(id, group, series)| entity_rows(level.level, id, group, series, &metrics))
            .collect();
        rows.extend(per_entity.into_iter().flatten());
        rank_rows(&mut rows[first..]);
    }
    if let Some(scores) = scores {
        let first = rows.len();
        score_rows(scores, &mut rows);
        rank_rows(&mut rows[first..]);
    }
    // Rows are already in order: level (company, store, team, employee),
    // entity id, metric (catalogue order), month; scores last.
    let n = rows.len();
    // Each month's text once, not once a row.
    let months: HashMap<Month, String> = rows
        .iter()
        .map(|r| r.period)
        .collect::<std::collections::BTreeSet<Month>>()
        .into_iter()
        .map(|m| (m, m.to_string()))
        .collect();
    let columns = vec![
        column("level", &rows, |r| r.level),
        column("id", &rows, |r| r.id),
        column("metric", &rows, |r| r.metric),
        column("period", &rows, |r| months[&r.period].as_str()),
        column("value", &rows, |r| r.value),
        column("mom", &rows, |r| r.mom),
        column("yoy", &rows, |r| r.yoy),
        column("rolling_3", &rows, |r| r.rolling_3),
        column("qtd", &rows, |r| r.qtd),
        column("ytd", &rows, |r| r.ytd),
        column("rank", &rows, |r| r.rank),
        column("rank_change", &rows, |r| r.rank_change),
        column("streak", &rows, |r| r.streak),
    ];
    Ok(DataFrame::new(n, columns)?)
}

/// The rows of one entity: every metric, every month with a value.
fn entity_rows<'a>(
    level: &'static str,
    id: &'a str,
    group: u32,
    series: &super::Series,
    metrics: &[(&Metric, Compiled)],
) -> Vec<TrendRow<'a>> {
    let mut rows = Vec::new();
    for (metric_index, (metric, compiled)) in metrics.iter().enumerate() {
        let mut streak = 0i64;
        let mut previous: Option<(Month, f64)> = None;
        for &month in series.keys() {
            let Some(value) = value_over(compiled, series, std::iter::once(month)) else {
                previous = None;
                streak = 0;
                continue;
            };
            let at = |m: Month| value_over(compiled, series, std::iter::once(m));
            let before = at(month.shift(-1));
            let better = |a: f64, b: f64| match metric.direction {
                Direction::Higher => a > b,
                Direction::Lower => a < b,
            };
            streak = match previous {
                Some((m, p)) if m.shift(1) == month => {
                    if better(value, p) {
                        streak.max(0) + 1
                    } else if better(p, value) {
                        streak.min(0) - 1
                    } else {
                        0
                    }
                }
                _ => 0,
            };
            previous = Some((month, value));
            let quarter_start = Month {
                year: month.year,
                month: (month.month - 1) / 3 * 3 + 1,
            };
            let from = |start: Month| {
                let n = (month.year - start.year) * 12 + month.month as i32 - start.month as i32;
                (0..=n).map(move |k| start.shift(k))
            };
            rows.push(TrendRow {
                level,
                id,
                metric: metric.id,
                period: month,
                value,
                mom: change(value, before),
                yoy: change(value, at(month.shift(-12))),
                rolling_3: window_value(compiled, series, (0..3).map(|k| month.shift(k - 2))),
                qtd: window_value(compiled, series, from(quarter_start)),
                ytd: window_value(
                    compiled,
                    series,
                    from(Month {
                        year: month.year,
                        month: 1,
                    }),
                ),
                rank: None,
                rank_change: None,
                streak,
                metric_index: metric_index as u16,
                higher: metric.direction == Direction::Higher,
                group,
            });
        }
    }
    rows
}

/// Ranks the rows of one level among their peers, per metric and month.
fn rank_rows(rows: &mut [TrendRow<'_>]) {
    // (metric, month, peer group) → row indices.
    let key = |r: &TrendRow<'_>| {
        let month = (r.period.year * 12 + r.period.month as i32) as u64;
        (u64::from(r.metric_index) << 48) | (month << 32) | u64::from(r.group)
    };
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry(key(r)).or_default().push(i);
    }
    for members in groups.values() {
        let direction = if rows[members[0]].higher {
            Direction::Higher
        } else {
            Direction::Lower
        };
        let values: Vec<f64> = members.iter().map(|&i| rows[i].value).collect();
        for (&i, place) in members.iter().zip(places(&values, direction)) {
            rows[i].rank = Some(place as u32);
        }
    }
    // Rank change against the same entity and metric a month earlier: the
    // rows of one entity and metric are consecutive, in month order.
    for i in 1..rows.len() {
        let (before, now) = (&rows[i - 1], &rows[i]);
        if before.metric_index == now.metric_index
            && before.period.shift(1) == now.period
            && before.id == now.id
        {
            let change = before
                .rank
                .zip(now.rank)
                .map(|(b, n)| i64::from(b) - i64::from(n));
            rows[i].rank_change = change;
        }
    }
}
