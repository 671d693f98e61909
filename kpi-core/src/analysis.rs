//! Trends of every metric at company, store, team and employee level, the
//! month-by-month attribution of GMV and customer-service sales, and peer
//! benchmarks of scored employees.
//!
//! Every windowed value (rolling 3 months, quarter to date, year to date) is
//! recomputed from the window's sums: a rate is the ratio of the window's
//! sums, never a mean of monthly rates.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::attribution::{chain, lmdi, mix_rate};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::str_values;
use crate::metric::{Direction, Formula, Level, Metric, aggregate_periods, catalogue};
use crate::period::Month;
use crate::scoring::{Scores, roster};
use crate::table::Table;

/// The monthly sums of one entity: month → input column → sum (in stored units).
type Series = BTreeMap<Month, Vec<Option<f64>>>;

/// The position of a column of a level's table in a [`Series`] row.
fn column_index(level: Level, name: &str) -> Option<usize> {
    level.table().columns().iter().position(|c| c.name == name)
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

fn level_sums(data: &Dataset, level: Level) -> Result<Option<DataFrame>> {
    let Some(activity) = data.get(level.table()) else {
        return Ok(None);
    };
    let columns: Vec<String> = activity
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    Ok(Some(
        aggregate_periods(activity.clone().lazy(), level, &columns).collect()?,
    ))
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
    let roster = roster(data)?;
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
                |i| entry(i)?.team_id.clone(),
                |i| {
                    entry(i)
                        .and_then(|r| r.store_id.clone())
                        .unwrap_or_default()
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
                |i| entry(i).and_then(|r| r.role.clone()).unwrap_or_default(),
            )?,
        });
    }
    Ok(levels)
}

/// One row of `trends`.
struct TrendRow {
    level: &'static str,
    id: String,
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
fn score_rows(scores: &Scores, rows: &mut Vec<TrendRow>) {
    let mut by_employee: BTreeMap<&str, (String, BTreeMap<Month, f64>)> = BTreeMap::new();
    for r in &scores.rows {
        if let (Some(total), Some(month)) = (r.total_score, Month::parse(&r.period)) {
            by_employee
                .entry(&r.employee_id)
                .or_insert_with(|| (r.role.clone(), BTreeMap::new()))
                .1
                .insert(month, total);
        }
    }
    let mut roles: HashMap<String, u32> = HashMap::new();
    for (id, (role, months)) in by_employee {
        let next = roles.len() as u32;
        let group = *roles.entry(role).or_insert(next);
        let mean = |window: &mut dyn Iterator<Item = Month>| {
            let values: Vec<f64> = window.filter_map(|m| months.get(&m).copied()).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
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
                id: id.to_string(),
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

fn change(now: f64, before: Option<f64>) -> Option<f64> {
    before.filter(|b| *b != 0.0).map(|b| now / b - 1.0)
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
    let mut rows: Vec<TrendRow> = Vec::new();
    for level in all_levels(data)? {
        let metrics: Vec<(&Metric, Compiled)> = catalogue()
            .iter()
            .filter(|m| m.level == level.metric_level)
            .filter_map(|m| Some((m, compile(m)?)))
            .collect();
        let first = rows.len();
        let mut groups: HashMap<&str, u32> = HashMap::new();
        for (id, (group, series)) in &level.entities {
            let next = groups.len() as u32;
            let group = *groups.entry(group.as_str()).or_insert(next);
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
                        let n = (month.year - start.year) * 12 + month.month as i32
                            - start.month as i32;
                        (0..=n).map(move |k| start.shift(k))
                    };
                    rows.push(TrendRow {
                        level: level.level,
                        id: id.clone(),
                        metric: metric.id,
                        period: month,
                        value,
                        mom: change(value, before),
                        yoy: change(value, at(month.shift(-12))),
                        rolling_3: value_over(compiled, series, (0..3).map(|k| month.shift(k - 2))),
                        qtd: value_over(compiled, series, from(quarter_start)),
                        ytd: value_over(
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
        }
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
    let columns = vec![
        column("level", &rows, |r| r.level),
        column("id", &rows, |r| r.id.as_str()),
        column("metric", &rows, |r| r.metric),
        column("period", &rows, |r| r.period.to_string()),
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

/// Ranks the rows of one level among their peers, per metric and month.
fn rank_rows(rows: &mut [TrendRow]) {
    // (metric, month, peer group) → row indices.
    let key = |r: &TrendRow| {
        let month = (r.period.year * 12 + r.period.month as i32) as u64;
        (u64::from(r.metric_index) << 48) | (month << 32) | u64::from(r.group)
    };
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry(key(r)).or_default().push(i);
    }
    for members in groups.values_mut() {
        // Best first; competition ranking: ties share the better place.
        let higher = rows[members[0]].higher;
        members.sort_by(|&a, &b| {
            let (x, y) = (rows[a].value, rows[b].value);
            if higher {
                y.total_cmp(&x)
            } else {
                x.total_cmp(&y)
            }
        });
        let mut place = 1u32;
        for k in 0..members.len() {
            if k > 0 && rows[members[k - 1]].value != rows[members[k]].value {
                place = k as u32 + 1;
            }
            rows[members[k]].rank = Some(place);
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

/// One row of `attribution`.
struct AttributionRow {
    level: &'static str,
    id: String,
    metric: &'static str,
    base: Month,
    period: Month,
    method: &'static str,
    factor: String,
    effect: f64,
}

/// The built-in product identities decomposed by factor: (level, metric, factors).
const IDENTITIES: [(Level, &str, &[&str]); 2] = [
    (Level::Store, "gmv", &["uv", "conversion_rate", "aov"]),
    (
        Level::Employee,
        "cs_sales",
        &["inquiries", "inquiry_conversion", "payment_rate", "cs_aov"],
    ),
];

/// Which entities an attribution covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributionLevel {
    /// The company and its stores (GMV), and store → team (cs_sales).
    Store,
    /// Down to every employee (cs_sales by factor and by employee).
    Employee,
}

/// The `attribution` table for each pair of months (base, period):
/// `level, id, metric, base_period, period, method, factor, effect`.
///
/// - `lmdi` and `chain`: GMV = UV × conversion × AOV for the company and each
///   store, and customer-service sales = inquiries × inquiry conversion ×
///   payment rate × cs_aov for each team (and each employee at
///   `AttributionLevel::Employee`); `factor` is the factor's metric id.
/// - `tier`: a sum's change by child, `level` naming the parent: the
///   company's GMV by store, a store's cs_sales by team, a team's by employee
///   (employee level only); the children add up to the parent's change.
/// - `mix`, `rate`, `interaction`: the company's conversion rate change by
///   store (`factor` is the store).
pub fn attribution(
    data: &Dataset,
    pairs: &[(Month, Month)],
    depth: AttributionLevel,
    declared: &[crate::scheme::Identity],
) -> Result<DataFrame> {
    // The built-in identities, then the scheme's (catalogue metrics only).
    let mut identities: Vec<(Level, &'static str, Vec<&'static str>)> = IDENTITIES
        .iter()
        .map(|(level, metric, factors)| (*level, *metric, factors.to_vec()))
        .collect();
    for identity in declared {
        let Some(m) = crate::metric::find_metric(&identity.metric) else {
            continue;
        };
        let factors: Option<Vec<&'static str>> = identity
            .factors
            .iter()
            .map(|f| crate::metric::metric(m.level, f).map(|f| f.id))
            .collect();
        if let Some(factors) = factors {
            // One decomposition per metric: the scheme's replaces a built-in one.
            identities.retain(|(l, id, _)| !(*l == m.level && *id == m.id));
            identities.push((m.level, m.id, factors));
        }
    }
    let levels = all_levels(data)?;
    let roster = roster(data)?;
    let get = |name: &str| levels.iter().find(|l| l.level == name);
    let mut rows: Vec<AttributionRow> = Vec::new();
    for &(base, period) in pairs {
        // Factor decompositions.
        for (metric_level, metric_id, factors) in &identities {
            let (metric_level, metric_id) = (*metric_level, *metric_id);
            let names: Vec<&str> = match (metric_level, depth) {
                (Level::Store, _) => vec!["company", "store"],
                (Level::Employee, AttributionLevel::Store) => vec!["team"],
                (Level::Employee, AttributionLevel::Employee) => vec!["team", "employee"],
            };
            let metrics: Vec<Compiled> = factors
                .iter()
                .filter_map(|f| compile(crate::metric::metric(metric_level, f)?))
                .collect();
            if metrics.len() != factors.len() {
                continue;
            }
            let metric = catalogue()
                .iter()
                .find(|m| m.id == metric_id && m.level == metric_level);
            for level in names.iter().filter_map(|n| get(n)) {
                for (id, (_, series)) in &level.entities {
                    let x = |m: Month| -> Vec<Option<f64>> {
                        metrics
                            .iter()
                            .map(|f| value_over(f, series, std::iter::once(m)))
                            .collect()
                    };
                    if !(series.contains_key(&base) || series.contains_key(&period)) {
                        continue;
                    }
                    let (x0, x1) = (x(base), x(period));
                    // A period without rows counts as 0 of the first factor.
                    let zero_if_absent = |m: Month, mut v: Vec<Option<f64>>| {
                        if !series.contains_key(&m) {
                            v[0] = Some(0.0);
                        }
                        v
                    };
                    let (x0, x1) = (zero_if_absent(base, x0), zero_if_absent(period, x1));
                    for (method, effects) in [("lmdi", lmdi(&x0, &x1)), ("chain", chain(&x0, &x1))]
                    {
                        let Some(effects) = effects else { continue };
                        for (f, effect) in factors.iter().zip(effects) {
                            rows.push(AttributionRow {
                                level: level.level,
                                id: id.clone(),
                                metric: metric.map_or(metric_id, |m| m.id),
                                base,
                                period,
                                method,
                                factor: f.to_string(),
                                effect,
                            });
                        }
                    }
                }
            }
        }
        // Tier attribution of sums.
        let sum_of = |series: &Series, level: Level, id: &str, m: Month| -> Option<f64> {
            let compiled = compile(crate::metric::metric(level, id)?)?;
            value_over(&compiled, series, std::iter::once(m))
        };
        let mut tier = |parent_level: &'static str,
                        parent: &str,
                        metric_id: &'static str,
                        level: Level,
                        children: Vec<(&String, &Series)>| {
            for (child, series) in children {
                let (before, after) = (
                    sum_of(series, level, metric_id, base),
                    sum_of(series, level, metric_id, period),
                );
                let effect = after.unwrap_or(0.0) - before.unwrap_or(0.0);
                // Children without the metric in either month (a warehouse
                // team has no cs_sales) are left out.
                if before.is_some() || after.is_some() {
                    rows.push(AttributionRow {
                        level: parent_level,
                        id: parent.to_string(),
                        metric: metric_id,
                        base,
                        period,
                        method: "tier",
                        factor: child.clone(),
                        effect,
                    });
                }
            }
        };
        if let Some(stores) = get("store") {
            let children = stores.entities.iter().map(|(id, (_, s))| (id, s)).collect();
            tier("company", "all", "gmv", Level::Store, children);
        }
        if let Some(teams) = get("team") {
            let mut by_store: BTreeMap<&str, Vec<(&String, &Series)>> = BTreeMap::new();
            for (id, (store, series)) in &teams.entities {
                by_store
                    .entry(store.as_str())
                    .or_default()
                    .push((id, series));
            }
            for (store, children) in by_store {
                tier("store", store, "cs_sales", Level::Employee, children);
            }
        }
        if let (AttributionLevel::Employee, Some(employees), Some(_)) =
            (depth, get("employee"), get("team"))
        {
            let mut by_team: BTreeMap<String, Vec<(&String, &Series)>> = BTreeMap::new();
            for (id, (_, series)) in &employees.entities {
                if let Some(team) = roster.get(id).and_then(|r| r.team_id.clone()) {
                    by_team.entry(team).or_default().push((id, series));
                }
            }
            for (team, children) in by_team {
                tier("team", &team, "cs_sales", Level::Employee, children);
            }
        }
        // Mix and rate of the company's conversion.
        if let Some(stores) = get("store") {
            let pair = |s: &Series, m: Month| {
                let row = s.get(&m);
                let v = |c: &str| {
                    row.zip(column_index(Level::Store, c))
                        .and_then(|(r, k)| r[k])
                        .unwrap_or(0.0)
                };
                (v("uv"), v("buyers"))
            };
            let members: Vec<crate::attribution::RateMember> = stores
                .entities
                .iter()
                .map(|(id, (_, s))| (id.clone(), pair(s, base), pair(s, period)))
                .collect();
            if let Some(split) = mix_rate(&members) {
                for m in split {
                    for (method, effect) in [
                        ("mix", m.mix),
                        ("rate", m.rate),
                        ("interaction", m.interaction),
                    ] {
                        rows.push(AttributionRow {
                            level: "company",
                            id: "all".into(),
                            metric: "conversion_rate",
                            base,
                            period,
                            method,
                            factor: m.id.clone(),
                            effect,
                        });
                    }
                }
            }
        }
    }
    let n = rows.len();
    let columns = vec![
        column("level", &rows, |r| r.level),
        column("id", &rows, |r| r.id.as_str()),
        column("metric", &rows, |r| r.metric),
        column("base_period", &rows, |r| r.base.to_string()),
        column("period", &rows, |r| r.period.to_string()),
        column("method", &rows, |r| r.method),
        column("factor", &rows, |r| r.factor.as_str()),
        column("effect", &rows, |r| r.effect),
    ];
    Ok(DataFrame::new(n, columns)?)
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

/// The `peers` table: each scored employee's total and item values against
/// the same role in the same store and in all stores, per period:
/// `period, employee_id, store_id, role, measure, value, store_mean,
/// store_best, all_mean, all_best, percentile, gap_to_best`. `percentile` is
/// the share of the role's employees (all stores) the employee does at least
/// as well as; `gap_to_best` is how far behind the best of all stores (0 for
/// the best), in the measure's unit.
pub fn peers(scores: &Scores) -> Result<DataFrame> {
    // (measure, direction of better, value) per row.
    struct Entry<'a> {
        row: &'a crate::scoring::ScoreRow,
        measure: String,
        higher: bool,
        value: f64,
    }
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for r in scores.rows.iter().filter(|r| r.eligible) {
        if let Some(total) = r.total_score {
            entries.push(Entry {
                row: r,
                measure: "total_score".into(),
                higher: true,
                value: total,
            });
        }
        for item in r.items.iter().filter(|i| i.applies) {
            if let Some(value) = item.value {
                let higher = crate::metric::find_metric(&item.metric)
                    .is_none_or(|m| m.direction == Direction::Higher);
                entries.push(Entry {
                    row: r,
                    measure: item.item.clone(),
                    higher,
                    value,
                });
            }
        }
    }
    let mut all: HashMap<(&str, &str, &str), Vec<f64>> = HashMap::new();
    let mut store: HashMap<(&str, &str, &str, Option<&str>), Vec<f64>> = HashMap::new();
    for e in &entries {
        let r = e.row;
        all.entry((&r.period, &r.role, &e.measure))
            .or_default()
            .push(e.value);
        store
            .entry((&r.period, &r.role, &e.measure, r.store_id.as_deref()))
            .or_default()
            .push(e.value);
    }
    let best = |values: &[f64], higher: bool| {
        values
            .iter()
            .copied()
            .fold(None, |b: Option<f64>, v| {
                Some(b.map_or(v, |b| if higher { b.max(v) } else { b.min(v) }))
            })
            .unwrap_or(f64::NAN)
    };
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    let mut cols: [Vec<f64>; 6] = Default::default();
    for e in &entries {
        let r = e.row;
        let a = &all[&(r.period.as_str(), r.role.as_str(), e.measure.as_str())];
        let s = &store[&(
            r.period.as_str(),
            r.role.as_str(),
            e.measure.as_str(),
            r.store_id.as_deref(),
        )];
        let as_good = a
            .iter()
            .filter(|&&v| if e.higher { e.value >= v } else { e.value <= v })
            .count();
        let top = best(a, e.higher);
        for (k, v) in [
            mean(s),
            best(s, e.higher),
            mean(a),
            top,
            as_good as f64 / a.len() as f64,
            (top - e.value).abs(),
        ]
        .into_iter()
        .enumerate()
        {
            cols[k].push(v);
        }
    }
    let text = |f: &dyn Fn(&Entry<'_>) -> Option<String>| -> Vec<Option<String>> {
        entries.iter().map(f).collect()
    };
    let mut columns = vec![
        Column::new("period".into(), text(&|e| Some(e.row.period.clone()))),
        Column::new(
            "employee_id".into(),
            text(&|e| Some(e.row.employee_id.clone())),
        ),
        Column::new("store_id".into(), text(&|e| e.row.store_id.clone())),
        Column::new("role".into(), text(&|e| Some(e.row.role.clone()))),
        Column::new("measure".into(), text(&|e| Some(e.measure.clone()))),
        Column::new(
            "value".into(),
            entries.iter().map(|e| e.value).collect::<Vec<_>>(),
        ),
    ];
    for (name, values) in [
        "store_mean",
        "store_best",
        "all_mean",
        "all_best",
        "percentile",
        "gap_to_best",
    ]
    .into_iter()
    .zip(cols)
    {
        columns.push(Column::new(name.into(), values));
    }
    Ok(DataFrame::new(entries.len(), columns)?)
}

/// A frame column of one value per row.
fn column<'a, R, T>(name: &str, rows: &'a [R], f: impl Fn(&'a R) -> T) -> Column
where
    polars::prelude::Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<T>>())
}

/// One target of the `targets` table.
struct TargetRow {
    period: String,
    level: String,
    id: String,
    metric: String,
    target: f64,
    /// `given` (from `targets`), or how it was derived: `seasonal`, `even`, `share`.
    source: &'static str,
}

fn read_targets(data: &Dataset) -> Result<Vec<TargetRow>> {
    let Some(frame) = data.get(Table::Targets) else {
        return Ok(Vec::new());
    };
    let [periods, levels, ids, metrics] =
        ["period", "level", "id", "metric"].map(|c| str_values(frame, c));
    let (periods, levels, ids, metrics) = (periods?, levels?, ids?, metrics?);
    let targets = frame.column("target")?.cast(&DataType::Float64)?;
    let mut out = Vec::new();
    for (i, t) in targets.f64()?.iter().enumerate() {
        if let (Some(p), Some(l), Some(id), Some(m), Some(t)) =
            (&periods[i], &levels[i], &ids[i], &metrics[i], t)
        {
            out.push(TargetRow {
                period: p.clone(),
                level: l.clone(),
                id: id.clone(),
                metric: m.clone(),
                target: t,
                source: "given",
            });
        }
    }
    Ok(out)
}

/// The `target_tracking` table: every target of the `targets` table (level
/// `store`, `team` or `employee`, a month, any metric of that level — a
/// team's metrics are its employees' sums) with the actual value, the
/// completion (`actual / target`) and the gap (`target − actual`); then,
/// where a parent and its children all have targets for the same metric and
/// month (store → its teams, team → its employees), whether the children add
/// up to the parent: `check` is `ok`, or names the break with its path
/// (`store S01 > teams: 120000 ≠ 118000`). An annual store target (period
/// `2025`) is split down the pyramid first (see [`split_down`]); derived
/// rows say how in `source`. Columns: `period, level, id, metric, target,
/// actual, completion, gap, check, source`.
pub fn target_tracking(data: &Dataset) -> Result<DataFrame> {
    let mut targets = read_targets(data)?;
    let levels = all_levels(data)?;
    let roster = roster(data)?;
    let entity = |level: &str, id: &str| -> Option<(&Series, Level)> {
        let sums = levels.iter().find(|l| l.level == level)?;
        Some((&sums.entities.get(id)?.1, sums.metric_level))
    };
    // Children of a parent: a store's teams, a team's employees (from the roster).
    let mut children: HashMap<(&str, String), Vec<String>> = HashMap::new();
    for (employee, entry) in &roster {
        if let Some(team) = &entry.team_id {
            children
                .entry(("team", team.clone()))
                .or_default()
                .push(employee.clone());
            if let Some(store) = &entry.store_id {
                let teams = children.entry(("store", store.clone())).or_default();
                if !teams.contains(team) {
                    teams.push(team.clone());
                }
            }
        }
    }
    for kids in children.values_mut() {
        kids.sort();
    }
    // Annual store targets split down the pyramid.
    let value_at = |level: &str, id: &str, metric: &str, month: Month| -> Option<f64> {
        let (series, metric_level) = entity(level, id)?;
        let compiled = compile(crate::metric::metric(metric_level, metric)?)?;
        value_over(&compiled, series, std::iter::once(month))
    };
    let derived = split_down(&targets, &children, &value_at);
    targets.extend(derived);
    // (level, id, metric, period) → target, to find children.
    let index = target_index(&targets);
    let daily = daily_sums(data, &targets)?;
    let mut rows = Vec::new();
    for t in &targets {
        let year = (t.period.len() == 4)
            .then(|| t.period.parse::<i32>().ok())
            .flatten();
        let actual = Month::parse(&t.period)
            .or_else(|| year.map(|y| Month { year: y, month: 1 }))
            .and_then(|month| {
                let months = if year.is_some() { 12 } else { 1 };
                let at = |level: &str, id: &str| {
                    let (series, metric_level) = entity(level, id)?;
                    let compiled = compile(crate::metric::metric(metric_level, &t.metric)?)?;
                    value_over(&compiled, series, (0..months).map(|k| month.shift(k)))
                };
                match t.level.as_str() {
                    // A store's employee sums (cs_sales) add up over its teams.
                    "store" if crate::metric::metric(Level::Store, &t.metric).is_none() => {
                        let sum = matches!(
                            crate::metric::metric(Level::Employee, &t.metric).map(|m| m.formula),
                            Some(Formula::Sum(_))
                        );
                        let teams = children.get(&("store", t.id.clone()))?;
                        let values: Vec<f64> =
                            teams.iter().filter_map(|team| at("team", team)).collect();
                        (sum && !values.is_empty()).then(|| values.iter().sum())
                    }
                    level @ ("store" | "team" | "employee") => at(level, &t.id),
                    _ => None,
                }
            });
        let child_level = match t.level.as_str() {
            "store" if year.is_some() => Some(("store", "months")),
            "store" => Some(("team", "teams")),
            "team" => Some(("employee", "employees")),
            _ => None,
        };
        let check = child_level.and_then(|(child, plural)| {
            let kids: Vec<String> = match year {
                Some(y) => (1..=12).map(|m| format!("{y:04}-{m:02}")).collect(),
                None => children.get(&(t.level.as_str(), t.id.clone()))?.clone(),
            };
            let given: Vec<f64> = kids
                .iter()
                .filter_map(|k| {
                    let (id, period) = match year {
                        Some(_) => (t.id.as_str(), k.as_str()),
                        None => (k.as_str(), t.period.as_str()),
                    };
                    index.get(&(child, id, t.metric.as_str(), period)).copied()
                })
                .collect();
            if given.is_empty() {
                return None;
            }
            if given.len() < kids.len() {
                return Some(format!(
                    "{} {} > {plural}: {} of {} have a target",
                    t.level,
                    t.id,
                    given.len(),
                    kids.len()
                ));
            }
            let sum: f64 = given.iter().sum();
            Some(if (sum - t.target).abs() < 0.005 {
                "ok".to_string()
            } else {
                let diff = sum - t.target;
                format!(
                    "{} {} > {plural}: {} ≠ {} ({}{})",
                    t.level,
                    t.id,
                    crate::format::fmt_num(t.target),
                    crate::format::fmt_num(sum),
                    if diff > 0.0 { "+" } else { "" },
                    crate::format::fmt_num(diff)
                )
            })
        });
        rows.push(Tracked {
            period: t.period.clone(),
            level: t.level.clone(),
            id: t.id.clone(),
            metric: t.metric.clone(),
            week: None,
            target: t.target,
            actual,
            check,
            source: t.source,
        });
        // Weekly: a monthly target of a sum, pro rata by days, against the
        // daily rows of its weeks (Monday to Sunday, cut at the month's ends).
        if let Some(month) = Month::parse(&t.period) {
            rows.extend(weekly(data, &daily, &children, t, month));
        }
    }
    rows.sort_by(|a, b| {
        (&a.period, &a.level, &a.id, &a.metric, &a.week)
            .cmp(&(&b.period, &b.level, &b.id, &b.metric, &b.week))
    });
    let columns = vec![
        column("period", &rows, |r| r.period.as_str()),
        column("level", &rows, |r| r.level.as_str()),
        column("id", &rows, |r| r.id.as_str()),
        column("metric", &rows, |r| r.metric.as_str()),
        column("week", &rows, |r| r.week.as_deref()),
        column("target", &rows, |r| r.target),
        column("actual", &rows, |r| r.actual),
        column("completion", &rows, |r| {
            r.actual.filter(|_| r.target != 0.0).map(|a| a / r.target)
        }),
        column("gap", &rows, |r| r.actual.map(|a| r.target - a)),
        column("check", &rows, |r| r.check.as_deref()),
        column("source", &rows, |r| r.source),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// One row of `target_tracking`.
struct Tracked {
    period: String,
    level: String,
    id: String,
    metric: String,
    week: Option<String>,
    target: f64,
    actual: Option<f64>,
    check: Option<String>,
    source: &'static str,
}

/// Daily sums of the data: (table, column) → entity id → day → value in its unit.
type Daily = HashMap<(Table, &'static str), HashMap<String, BTreeMap<i32, f64>>>;

/// The daily rows of the activity tables, when they have dates, for the
/// columns some target reads.
fn daily_sums(data: &Dataset, targets: &[TargetRow]) -> Result<Daily> {
    let wanted = |table: Table, column: &str| {
        targets.iter().any(|t| {
            let level = match table {
                Table::StoreDaily => Level::Store,
                _ => Level::Employee,
            };
            matches!(
                crate::metric::metric(level, &t.metric).map(|m| m.formula),
                Some(Formula::Sum(c)) if c == column
            )
        })
    };
    let mut out = Daily::new();
    for (table, key) in [
        (Table::StoreDaily, "store_id"),
        (Table::EmployeeDaily, "employee_id"),
    ] {
        let Some(frame) = data.get(table).filter(|_| data.has_column(table, "date")) else {
            continue;
        };
        let ids = str_values(frame, key)?;
        let days: Vec<Option<i32>> = frame.column("date")?.date()?.physical().iter().collect();
        for spec in table.columns() {
            if !spec.kind.is_additive()
                || spec.stock
                || !data.has_column(table, spec.name)
                || !wanted(table, spec.name)
            {
                continue;
            }
            let values = frame.column(spec.name)?.cast(&DataType::Float64)?;
            for ((id, day), v) in ids.iter().zip(&days).zip(values.f64()?.iter()) {
                if let (Some(id), Some(day), Some(v)) = (id, day, v) {
                    *out.entry((table, spec.name))
                        .or_default()
                        .entry(id.clone())
                        .or_default()
                        .entry(*day)
                        .or_default() += v / spec.kind.scale() as f64;
                }
            }
        }
    }
    Ok(out)
}

/// The weekly rows of a monthly target of a sum metric.
fn weekly(
    data: &Dataset,
    daily: &Daily,
    children: &HashMap<(&str, String), Vec<String>>,
    t: &TargetRow,
    month: Month,
) -> Vec<Tracked> {
    // The daily column and the entities whose days add up.
    let column = |level: Level| match crate::metric::metric(level, &t.metric).map(|m| m.formula) {
        Some(Formula::Sum(c)) => Some(c),
        _ => None,
    };
    let (table, column, members): (Table, &str, Vec<String>) = match t.level.as_str() {
        "store" => match (column(Level::Store), column(Level::Employee)) {
            (Some(c), _) => (Table::StoreDaily, c, vec![t.id.clone()]),
            (None, Some(c)) => {
                let teams = children
                    .get(&("store", t.id.clone()))
                    .cloned()
                    .unwrap_or_default();
                let employees = teams
                    .iter()
                    .flat_map(|team| {
                        children
                            .get(&("team", team.clone()))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
                (Table::EmployeeDaily, c, employees)
            }
            _ => return Vec::new(),
        },
        "team" => match column(Level::Employee) {
            Some(c) => (
                Table::EmployeeDaily,
                c,
                children
                    .get(&("team", t.id.clone()))
                    .cloned()
                    .unwrap_or_default(),
            ),
            None => return Vec::new(),
        },
        "employee" => match column(Level::Employee) {
            Some(c) => (Table::EmployeeDaily, c, vec![t.id.clone()]),
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    if !data.has_column(table, "date") {
        return Vec::new();
    }
    let first = crate::period::days_from_civil(month.year, month.month, 1);
    let last = first + month.days() as i32 - 1;
    let mut out = Vec::new();
    let mut monday = first - crate::period::weekday(first) as i32;
    while monday <= last {
        let (from, to) = (monday.max(first), (monday + 6).min(last));
        let days = (to - from + 1) as f64;
        let entities = daily.get(&(table, column));
        let values: Vec<f64> = members
            .iter()
            .filter_map(|m| entities?.get(m.as_str()))
            .flat_map(|days| days.range(from..=to).map(|(_, v)| *v))
            .collect();
        let (y, mo, d) = crate::period::civil_from_days(monday);
        out.push(Tracked {
            period: t.period.clone(),
            level: t.level.clone(),
            id: t.id.clone(),
            metric: t.metric.clone(),
            week: Some(format!("{y:04}-{mo:02}-{d:02}")),
            target: t.target * days / month.days() as f64,
            actual: (!values.is_empty()).then(|| values.iter().sum()),
            check: None,
            source: "weekly",
        });
        monday += 7;
    }
    out
}

/// Targets by (level, id, metric, period).
fn target_index(targets: &[TargetRow]) -> HashMap<(&str, &str, &str, &str), f64> {
    targets
        .iter()
        .map(|t| {
            let key = (
                t.level.as_str(),
                t.id.as_str(),
                t.metric.as_str(),
                t.period.as_str(),
            );
            (key, t.target)
        })
        .collect()
}

/// The targets an annual store target implies, below what is given:
///
/// - months: the annual target less the months given, spread over the other
///   months by last year's seasonal share of the metric (`seasonal`: each
///   month's value last year over those months' total), or evenly (`even`)
///   when a month of last year has no positive value;
/// - when the metric is an employee sum (`cs_sales`), each month's store
///   target (given or derived) to the store's teams, and each team's to its
///   employees, less those given, by their share of the same month last
///   year (`share`), or evenly;
///
/// so every derived level adds up to its parent.
fn split_down(
    targets: &[TargetRow],
    children: &HashMap<(&str, String), Vec<String>>,
    value_at: &dyn Fn(&str, &str, &str, Month) -> Option<f64>,
) -> Vec<TargetRow> {
    let given = target_index(targets);
    let mut out = Vec::new();
    // Spreads `total` over `parts` (given where given), weighted by last year.
    let spread = |total: f64, parts: &[(String, Option<f64>, Option<f64>)], by: &'static str| {
        let left: Vec<&(String, Option<f64>, Option<f64>)> =
            parts.iter().filter(|p| p.1.is_none()).collect();
        let remainder = total - parts.iter().filter_map(|p| p.1).sum::<f64>();
        let weights: Option<Vec<f64>> = left.iter().map(|p| p.2.filter(|w| *w > 0.0)).collect();
        let (weights, source) = match weights {
            Some(w) => (w, by),
            None => (vec![1.0; left.len()], "even"),
        };
        let sum: f64 = weights.iter().sum();
        left.into_iter()
            .zip(weights)
            .map(|(p, w)| (p.0.clone(), remainder * w / sum, source))
            .collect::<Vec<_>>()
    };
    for t in targets
        .iter()
        .filter(|t| t.level == "store" && t.period.len() == 4)
    {
        let Ok(year) = t.period.parse::<i32>() else {
            continue;
        };
        let metric = t.metric.as_str();
        let months: Vec<Month> = (1..=12).map(|month| Month { year, month }).collect();
        let parts: Vec<(String, Option<f64>, Option<f64>)> = months
            .iter()
            .map(|m| {
                let period = m.to_string();
                let given = given
                    .get(&("store", t.id.as_str(), metric, period.as_str()))
                    .copied();
                let last_year = store_value(children, value_at, &t.id, metric, m.shift(-12));
                (period, given, last_year)
            })
            .collect();
        let mut monthly: Vec<(String, f64)> = parts
            .iter()
            .filter_map(|p| Some((p.0.clone(), p.1?)))
            .collect();
        for (period, target, source) in spread(t.target, &parts, "seasonal") {
            monthly.push((period.clone(), target));
            out.push(TargetRow {
                period,
                level: "store".into(),
                id: t.id.clone(),
                metric: t.metric.clone(),
                target,
                source,
            });
        }
        // Down to teams and employees for employee sums.
        let employee_sum = matches!(
            crate::metric::metric(Level::Employee, metric).map(|m| m.formula),
            Some(Formula::Sum(_))
        );
        if !employee_sum {
            continue;
        }
        for (period, store_target) in monthly {
            let Some(month) = Month::parse(&period) else {
                continue;
            };
            let mut parents = vec![("team", t.id.clone(), store_target, "store")];
            while let Some((child_level, parent, target, parent_level)) = parents.pop() {
                let Some(kids) = children.get(&(parent_level, parent.clone())) else {
                    continue;
                };
                let parts: Vec<(String, Option<f64>, Option<f64>)> = kids
                    .iter()
                    .map(|k| {
                        let given = given
                            .get(&(child_level, k.as_str(), metric, period.as_str()))
                            .copied();
                        (
                            k.clone(),
                            given,
                            value_at(child_level, k, metric, month.shift(-12)),
                        )
                    })
                    .collect();
                let mut next: Vec<(String, f64)> = parts
                    .iter()
                    .filter_map(|p| Some((p.0.clone(), p.1?)))
                    .collect();
                for (id, target, source) in spread(target, &parts, "share") {
                    next.push((id.clone(), target));
                    out.push(TargetRow {
                        period: period.clone(),
                        level: child_level.into(),
                        id,
                        metric: t.metric.clone(),
                        target,
                        source,
                    });
                }
                if child_level == "team" {
                    for (team, target) in next {
                        parents.push(("employee", team, target, "team"));
                    }
                }
            }
        }
    }
    out
}

/// A store's value of a metric in a month: its own metric, or for an
/// employee sum the sum over its teams.
fn store_value(
    children: &HashMap<(&str, String), Vec<String>>,
    value_at: &dyn Fn(&str, &str, &str, Month) -> Option<f64>,
    store: &str,
    metric: &str,
    month: Month,
) -> Option<f64> {
    if crate::metric::metric(Level::Store, metric).is_some() {
        return value_at("store", store, metric, month);
    }
    let teams = children.get(&("store", store.to_string()))?;
    let values: Vec<f64> = teams
        .iter()
        .filter_map(|team| value_at("team", team, metric, month))
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}
