//! Ranks: each employee's place in its store, team or role, per period or
//! per calendar week, for `rank` rules.
use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;

use super::eligibility::is_eligible;
use super::{Entry, Frames, ItemColumns};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::str_values;
use crate::scheme::{Placing, Rank, RankEvery, RankGroup, Rule, Scheme};
use crate::table::Table;

use crate::rank::places;

/// The placings of every employee-period in every rank rule, keyed by the
/// rule's index over items then bonus items: one placing for a period rank,
/// one per ranked week for a weekly rank.
pub(super) type Ranks = HashMap<(usize, Arc<str>, Arc<str>), Vec<Placing>>;

/// One ranked value: its week (none for a period rank), entry index and value.
pub(super) type Member<'a> = (Option<&'a str>, usize, f64);

/// A period and a group (store, team or role id).
pub(super) type GroupKey<'a> = (&'a str, Option<&'a str>);

/// Weekly values of the scored metrics, for rank rules with `every = "week"`.
pub(super) struct Weekly {
    /// Monday of each row's week, `YYYY-MM-DD`.
    pub(super) weeks: Vec<Option<String>>,
    /// The scoring month of each row's week (the month of its Thursday).
    pub(super) months: Vec<Option<String>>,
    pub(super) employees: Vec<Option<String>>,
    pub(super) columns: ItemColumns,
}

impl Weekly {
    /// Recomputes the employee metrics per calendar week, when a rank rule
    /// ranks weekly.
    pub(super) fn new(scheme: &Scheme, data: &Dataset) -> Result<Option<Weekly>> {
        let Some(daily) = data
            .get(Table::EmployeeDaily)
            .filter(|_| scheme.ranks_weekly())
        else {
            return Ok(None);
        };
        let mut month_of_week: HashMap<String, String> = HashMap::new();
        let keys: Vec<Option<String>> = daily
            .column("date")?
            .date()?
            .physical()
            .iter()
            .map(|day| {
                let day = day?;
                let monday = day - crate::period::weekday(day) as i32;
                let (y, m, d) = crate::period::civil_from_days(monday);
                let key = format!("{y:04}-{m:02}-{d:02}");
                month_of_week
                    .entry(key.clone())
                    .or_insert_with(|| crate::period::period_of_days(monday + 3));
                Some(key)
            })
            .collect();
        let mut by_week = daily.clone();
        by_week.with_column(Column::new("period".into(), keys))?;
        let mut week_data = data.clone();
        week_data.insert(Table::EmployeeDaily, by_week);
        let frame = crate::period_metrics::employee_metrics(&week_data)?;
        let weeks = str_values(&frame, "period")?;
        Ok(Some(Weekly {
            months: weeks
                .iter()
                .map(|w| w.as_ref().and_then(|w| month_of_week.get(w).cloned()))
                .collect(),
            employees: str_values(&frame, "employee_id")?,
            columns: ItemColumns::new(
                scheme,
                Frames {
                    employee: &frame,
                    store: None,
                },
                &week_data,
            )?,
            weeks,
        }))
    }
}

/// Ranks eligible employees with a value within their group, per period or
/// per week; ties share the better place (competition ranking: 1, 1, 3).
pub(super) fn rank_places(
    scheme: &Scheme,
    columns: &ItemColumns,
    weekly: Option<&Weekly>,
    entries: &[Entry<'_>],
) -> Ranks {
    let mut ranks = Ranks::new();
    if !scheme
        .scored_rules()
        .any(|(_, _, rule)| matches!(rule, Rule::Rank { .. }))
    {
        return ranks;
    }
    let eligible: HashMap<(&str, &str), usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| is_eligible(scheme, e))
        .map(|(i, e)| ((&*e.period, &*e.employee_id), i))
        .collect();
    for (k, (_, _, rule)) in scheme.scored_rules().enumerate() {
        let Rule::Rank {
            within,
            direction,
            every,
            ..
        } = rule
        else {
            continue;
        };
        // (ranking, week, entry index, value): the ranking is the period or the week.
        let mut candidates: Vec<(&str, Option<&str>, usize, f64)> = Vec::new();
        match (every, weekly) {
            (RankEvery::Week, Some(w)) => {
                for r in 0..w.weeks.len() {
                    let (Some(week), Some(month), Some(employee)) =
                        (&w.weeks[r], &w.months[r], &w.employees[r])
                    else {
                        continue;
                    };
                    let (Some(&index), Some(value)) = (
                        eligible.get(&(month.as_str(), employee.as_str())),
                        w.columns.value[k].get(r),
                    ) else {
                        continue;
                    };
                    let role = entries[index].roster.and_then(|r| r.role.as_deref());
                    if k < scheme.items.len() && !scheme.item_applies(k, role.unwrap_or("")) {
                        continue;
                    }
                    candidates.push((week, Some(week), index, value));
                }
            }
            _ => {
                for &index in eligible.values() {
                    let e = &entries[index];
                    let role = e.roster.and_then(|r| r.role.as_deref()).unwrap_or("");
                    if k < scheme.items.len() && !scheme.item_applies(k, role) {
                        continue;
                    }
                    if let Some(value) = e.row.and_then(|r| columns.value[k].get(r)) {
                        candidates.push((&e.period, None, index, value));
                    }
                }
            }
        }
        // (ranking, group) → its members.
        let mut groups: HashMap<GroupKey<'_>, Vec<Member<'_>>> = HashMap::new();
        for (ranking, week, index, value) in candidates {
            let group = entries[index].roster.and_then(|r| match within {
                RankGroup::Store => r.store_id.as_deref(),
                RankGroup::Team => r.team_id.as_deref(),
                RankGroup::Role => r.role.as_deref(),
            });
            groups
                .entry((ranking, group))
                .or_default()
                .push((week, index, value));
        }
        for members in groups.values() {
            let values: Vec<f64> = members.iter().map(|m| m.2).collect();
            for (&(week, index, _), place) in members.iter().zip(places(&values, *direction)) {
                let e = &entries[index];
                ranks
                    .entry((k, e.period.clone(), e.employee_id.clone()))
                    .or_default()
                    .push(Placing {
                        week: week.map(str::to_string),
                        rank: Rank {
                            place,
                            of: members.len(),
                        },
                    });
            }
        }
    }
    for placings in ranks.values_mut() {
        placings.sort_by(|a, b| a.week.cmp(&b.week));
    }
    ranks
}
