//! Target tracking: completion and gap per target, by month and week,
//! with targets split down from store to employee where needed.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use super::{Entities, MonthlySums, Series, compile, value_over};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::column;
use crate::frame::str_values;
use crate::metric::{Formula, Level};
use crate::period::Month;
use crate::roster::read_roster;
use crate::table::Table;

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
    target_tracking_in(&MonthlySums::of(data)?, data)
}

/// [`target_tracking`] from monthly sums made once for every analysis.
pub fn target_tracking_in(sums: &MonthlySums, data: &Dataset) -> Result<DataFrame> {
    let mut targets = read_targets(data)?;
    // The entities of each level, looked up only for targets.
    let levels: Vec<(&str, Level, &Entities)> = if targets.is_empty() {
        Vec::new()
    } else {
        sums.levels
            .iter()
            .map(|l| Ok((l.level, l.metric_level, l.entities()?)))
            .collect::<Result<_>>()?
    };
    let roster = read_roster(data)?;
    let entity = |level: &str, id: &str| -> Option<(&Series, Level)> {
        let (_, metric_level, entities) = levels.iter().find(|l| l.0 == level)?;
        Some((&entities.get(id)?.1, *metric_level))
    };
    // Children of a parent: a store's teams, a team's employees (from the roster).
    let mut children: HashMap<(&str, String), Vec<String>> = HashMap::new();
    for (employee, entry) in &roster {
        if let Some(team) = &entry.team_id {
            children
                .entry(("team", team.to_string()))
                .or_default()
                .push(employee.clone());
            if let Some(store) = &entry.store_id {
                let teams = children.entry(("store", store.to_string())).or_default();
                if !teams.iter().any(|t| **t == **team) {
                    teams.push(team.to_string());
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
        let summed = |spec: &&crate::table::ColumnSpec| {
            spec.kind.is_additive()
                && !spec.stock
                && data.has_column(table, spec.name)
                && wanted(table, spec.name)
        };
        // Without a target of the table's sums, its rows are not read.
        if !table.columns().iter().any(|spec| summed(&spec)) {
            continue;
        }
        let ids = str_values(frame, key)?;
        let days: Vec<Option<i32>> = frame.column("date")?.date()?.physical().iter().collect();
        for spec in table.columns().iter().filter(summed) {
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
