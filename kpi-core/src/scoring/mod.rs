//! Scoring employees with a scheme: items, totals, grades and eligibility.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use rust_decimal::prelude::*;

use crate::dataset::Dataset;
use crate::error::Result;
mod flag;

use crate::roster::{Employee, read_attendance, read_roster};

pub use flag::Flag;

use crate::frame::{f64_values, str_values};
use crate::metric::Direction;
use crate::metric::{Formula, Level, Metric, metric};
use crate::period_metrics::Metrics;
use crate::scheme::{
    ATTENDANCE_PREFIX, Combine, Lang, MANUAL_PREFIX, MissingOutcome, MissingPolicy, Placing, Rank,
    RankEvery, RankGroup, Rule, STORE_PREFIX, Scheme, Step, render_steps,
};
use crate::table::Table;

/// One item of one employee-period, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemScore {
    /// Item id.
    pub item: String,
    /// Metric id.
    pub metric: String,
    /// Metric value; none when missing.
    pub value: Option<f64>,
    /// Numerator (or the summed value) behind the metric, in the metric's input unit.
    pub numerator: Option<f64>,
    /// Denominator behind a ratio metric.
    pub denominator: Option<f64>,
    /// Points; none when the item is skipped.
    pub points: Option<f64>,
    /// The item's weight.
    pub weight: f64,
    /// Points × weight ÷ total weight considered: what the item adds to the total.
    pub contribution: Option<f64>,
    /// What the rule did (see [`ItemScore::rule`] for it in words).
    pub steps: Vec<Step>,
    /// Why the value is missing, when it is.
    pub missing_reason: Option<String>,
    /// False when the item's section does not score the employee's role.
    pub applies: bool,
}

impl ItemScore {
    /// The rule applied, in words.
    pub fn rule(&self, lang: Lang) -> String {
        render_steps(&self.steps, lang)
    }
}

/// The score of one employee in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// `YYYY-MM`.
    pub period: String,
    /// Employee id.
    pub employee_id: String,
    /// Store id from the roster.
    pub store_id: Option<String>,
    /// Team id from the roster.
    pub team_id: Option<String>,
    /// Role id.
    pub role: String,
    /// Whether the employee is scored this period.
    pub eligible: bool,
    /// One entry per scheme item, in scheme order (empty when not eligible).
    pub items: Vec<ItemScore>,
    /// One score per scheme section, in scheme order (none when nothing in it was scored).
    pub sections: Vec<Option<f64>>,
    /// One entry per bonus item, points already capped.
    pub bonus_items: Vec<ItemScore>,
    /// Bonus points added on top of the weighted total.
    pub bonus: Option<f64>,
    /// Weighted total, rounded half-up to 2 decimals; none when not eligible.
    pub total_score: Option<f64>,
    /// Grade label; none when not eligible.
    pub grade: Option<String>,
    /// Payout percentage of the grade (none when the grade table names none).
    pub payout_pct: Option<Decimal>,
    /// Position wage of the grade, yuan (none when the grade table names none).
    pub position_wage: Option<Decimal>,
    /// Notes: why not eligible, which items were missing.
    pub flags: Vec<Flag>,
    /// The streak flags raised this period (`award`), for pay.
    pub streaks: Vec<String>,
}

impl ScoreRow {
    /// Sets the grade of `total` with its payout and position wage.
    pub(crate) fn set_grade(&mut self, scheme: &Scheme, total: f64) {
        let grade = scheme.grade_for(total);
        self.grade = grade.map(|g| g.label.clone());
        self.payout_pct = grade.and_then(|g| g.payout_pct(total));
        self.position_wage = grade.and_then(|g| g.position_wage);
    }
}

/// All scores of a run.
#[derive(Debug, Clone)]
pub struct Scores {
    /// Item ids, in scheme order.
    pub item_ids: Vec<String>,
    /// Section ids, in scheme order.
    pub section_ids: Vec<String>,
    /// Bonus item ids, in scheme order.
    pub bonus_ids: Vec<String>,
    /// Rows sorted by period and employee.
    pub rows: Vec<ScoreRow>,
    /// Whether the grade table pays a percentage (`payout_pct` column).
    pub has_payout: bool,
    /// Whether the grade table names position wages (`position_wage` column).
    pub has_position_wage: bool,
}

/// Scores every employee-period of a covered role.
///
/// The population is every employee-period with activity, plus every
/// employee-period in `attendance` inside the activity's periods (someone
/// absent all month is still listed, as not eligible).
pub fn score(scheme: &Scheme, metrics: &Metrics, data: &Dataset) -> Result<Scores> {
    crate::needs::check_data(scheme, metrics, data)?;
    let frame = &metrics.employee;
    let absent: HashMap<(String, String), f64> = read_attendance(data)?
        .into_iter()
        .filter_map(|(key, a)| Some((key, a.absent_days?)))
        .collect();
    let roster = read_roster(data)?;
    let roles: BTreeSet<&str> = scheme.scheme.roles.iter().map(|r| r.id()).collect();

    let periods = str_values(frame, "period")?;
    let employees = str_values(frame, "employee_id")?;
    let row_roles = str_values(frame, "role")?;
    let mut row_of: HashMap<(String, String), usize> = HashMap::new();
    for (i, (p, e)) in periods.iter().zip(&employees).enumerate() {
        if let (Some(p), Some(e)) = (p, e) {
            row_of.insert((p.clone(), e.clone()), i);
        }
    }
    let mut population: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, key) in periods.iter().zip(&employees).enumerate() {
        if let ((Some(p), Some(e)), Some(role)) = (key, &row_roles[i])
            && roles.contains(role.as_str())
        {
            population.insert((p.clone(), e.clone()));
        }
    }
    let active_periods: BTreeSet<&String> = periods.iter().flatten().collect();
    for (p, e) in absent.keys() {
        let covered = roster
            .get(e)
            .and_then(|r| r.role.as_deref())
            .is_some_and(|role| roles.contains(role));
        if covered && active_periods.contains(p) {
            population.insert((p.clone(), e.clone()));
        }
    }

    let columns = ItemColumns::new(
        scheme,
        Frames {
            employee: frame,
            store: Some(&metrics.store),
        },
        data,
    )?;
    let entries: Vec<Entry<'_>> = population
        .into_iter()
        .map(|(period, employee_id)| {
            let key = (period.clone(), employee_id.clone());
            Entry {
                roster: roster.get(&employee_id),
                row: row_of.get(&key).copied(),
                absent_days: absent.get(&key).copied(),
                period,
                employee_id,
            }
        })
        .collect();
    let weekly = Weekly::new(scheme, data)?;
    let ranks = rank_places(scheme, &columns, weekly.as_ref(), &entries);
    let mut by_period: HashMap<String, std::borrow::Cow<'_, Scheme>> = HashMap::new();
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let effective = by_period
            .entry(entry.period.clone())
            .or_insert_with(|| scheme.for_period(&entry.period));
        rows.push(score_one(effective, &columns, &ranks, entry));
    }
    average_for_managers(scheme, &mut rows);
    flag_streaks(scheme, &mut rows);
    Ok(Scores {
        item_ids: scheme.items.iter().map(|i| i.id.clone()).collect(),
        section_ids: scheme.sections.iter().map(|s| s.id.clone()).collect(),
        bonus_ids: scheme.bonus.iter().map(|b| b.id.clone()).collect(),
        rows,
        has_payout: scheme.grades.iter().any(|g| g.payout.is_some()),
        has_position_wage: scheme.grades.iter().any(|g| g.position_wage.is_some()),
    })
}

/// One employee-period to score.
struct Entry<'a> {
    period: String,
    employee_id: String,
    roster: Option<&'a Employee>,
    row: Option<usize>,
    absent_days: Option<f64>,
}

/// Gives the team-average role the mean total of the other staff scored in
/// its store (or team) and period, instead of its own items.
fn average_for_managers(scheme: &Scheme, rows: &mut [ScoreRow]) {
    let Some(average) = &scheme.team_average else {
        return;
    };
    let role = average.role.id();
    let group = |r: &ScoreRow| match average.within {
        RankGroup::Team => r.team_id.clone(),
        _ => r.store_id.clone(),
    };
    let mut totals: HashMap<(String, Option<String>), Vec<f64>> = HashMap::new();
    for r in rows.iter().filter(|r| r.role != role) {
        if let Some(total) = r.total_score {
            totals
                .entry((r.period.clone(), group(r)))
                .or_default()
                .push(total);
        }
    }
    for r in rows.iter_mut().filter(|r| r.role == role && r.eligible) {
        let staff = totals.get(&(r.period.clone(), group(r)));
        r.items.clear();
        r.sections.clear();
        r.bonus_items.clear();
        r.bonus = None;
        r.flags
            .retain(|f| !matches!(f, Flag::Missing { .. } | Flag::NoItemScored));
        match staff {
            Some(totals) => {
                let mean = round_half_up(totals.iter().sum::<f64>() / totals.len() as f64, 2);
                r.total_score = Some(mean);
                r.set_grade(scheme, mean);
                r.flags.push(Flag::TeamAverage {
                    staff: totals.len(),
                });
            }
            None => {
                r.total_score = None;
                r.grade = None;
                r.payout_pct = None;
                r.position_wage = None;
                r.flags.push(Flag::NoStaffToAverage);
            }
        }
    }
}

/// Adds a flag to the month in which an employee's run of consecutive
/// months in a streak's grades reaches its length; the count then starts
/// again, and a month without a score (or a gap) breaks the run.
fn flag_streaks(scheme: &Scheme, rows: &mut [ScoreRow]) {
    if scheme.streaks.is_empty() {
        return;
    }
    let mut by_employee: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_employee
            .entry(r.employee_id.clone())
            .or_default()
            .push(i);
    }
    for indices in by_employee.values() {
        // Rows are sorted by period, so each employee's rows are in time order.
        for streak in &scheme.streaks {
            let mut run = 0;
            let mut previous: Option<crate::period::Month> = None;
            for &i in indices {
                let month = crate::period::Month::parse(&rows[i].period);
                let adjacent = matches!((previous, month), (Some(p), Some(m)) if p.shift(1) == m);
                previous = month;
                let in_grades = rows[i]
                    .grade
                    .as_ref()
                    .is_some_and(|g| streak.grades.contains(g));
                run = match (in_grades, adjacent) {
                    (false, _) => 0,
                    (true, true) => run + 1,
                    (true, false) => 1,
                };
                if run == streak.months {
                    rows[i].flags.push(Flag::Streak {
                        flag: streak.flag.clone(),
                        months: streak.months,
                        grades: streak.grades.clone(),
                        amount: streak.amount,
                    });
                    rows[i].streaks.push(streak.flag.clone());
                    run = 0;
                }
            }
        }
    }
}

/// The placings of every employee-period in every rank rule, keyed by the
/// rule's index over items then bonus items: one placing for a period rank,
/// one per ranked week for a weekly rank.
type Ranks = HashMap<(usize, String, String), Vec<Placing>>;

/// Days employed by the last day of `period`, counting the hire day.
fn days_employed(period: &str, roster: Option<&Employee>) -> Option<i64> {
    let hire = roster?.hire_date?;
    let month = crate::period::Month::parse(period)?;
    let last = crate::period::days_from_civil(month.year, month.month, month.days());
    Some(i64::from(last) - i64::from(hire) + 1)
}

/// Why an employee-period is not scored, if it is not.
fn ineligibility(scheme: &Scheme, entry: &Entry<'_>) -> Option<Flag> {
    let rules = &scheme.eligibility;
    if let (Some(max), Some(days)) = (rules.max_absent_days, entry.absent_days)
        && days > max
    {
        return Some(Flag::AbsentTooLong { days, max });
    }
    if let (Some(min), Some(days)) = (
        rules.min_days_employed,
        days_employed(&entry.period, entry.roster),
    ) && days < i64::from(min)
    {
        return Some(Flag::TooNew { days, min });
    }
    None
}

fn is_eligible(scheme: &Scheme, entry: &Entry<'_>) -> bool {
    ineligibility(scheme, entry).is_none()
}

/// One ranked value: its week (none for a period rank), entry index and value.
type Member<'a> = (Option<&'a str>, usize, f64);

/// A period and a group (store, team or role id).
type GroupKey<'a> = (&'a str, Option<&'a str>);

/// Weekly values of the scored metrics, for rank rules with `every = "week"`.
struct Weekly {
    /// Monday of each row's week, `YYYY-MM-DD`.
    weeks: Vec<Option<String>>,
    /// The scoring month of each row's week (the month of its Thursday).
    months: Vec<Option<String>>,
    employees: Vec<Option<String>>,
    columns: ItemColumns,
}

impl Weekly {
    /// Recomputes the employee metrics per calendar week, when a rank rule
    /// ranks weekly.
    fn new(scheme: &Scheme, data: &Dataset) -> Result<Option<Weekly>> {
        let weekly = scheme.scored_rules().any(|(_, _, rule)| {
            matches!(
                rule,
                Rule::Rank {
                    every: RankEvery::Week,
                    ..
                }
            )
        });
        let Some(daily) = data.get(Table::EmployeeDaily).filter(|_| weekly) else {
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
fn rank_places(
    scheme: &Scheme,
    columns: &ItemColumns,
    weekly: Option<&Weekly>,
    entries: &[Entry<'_>],
) -> Ranks {
    let mut ranks = Ranks::new();
    let eligible: HashMap<(&str, &str), usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| is_eligible(scheme, e))
        .map(|(i, e)| ((e.period.as_str(), e.employee_id.as_str()), i))
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
                        w.columns.value[k][r],
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
                    if let Some(value) = e.row.and_then(|r| columns.value[k][r]) {
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
            for &(week, index, value) in members {
                let better = members
                    .iter()
                    .filter(|&&(_, _, other)| match direction {
                        Direction::Higher => other > value,
                        Direction::Lower => other < value,
                    })
                    .count();
                let e = &entries[index];
                ranks
                    .entry((k, e.period.clone(), e.employee_id.clone()))
                    .or_default()
                    .push(Placing {
                        week: week.map(str::to_string),
                        rank: Rank {
                            place: better + 1,
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

/// The value, numerator and denominator columns of every item, as f64.
struct ItemColumns {
    value: Vec<Vec<Option<f64>>>,
    numerator: Vec<Option<Vec<Option<f64>>>>,
    denominator: Vec<Option<Vec<Option<f64>>>>,
    /// None for manual ratings and the scheme's own metrics.
    metrics: Vec<Option<&'static Metric>>,
    /// The denominator column of the scheme's own ratio metrics.
    custom_denominators: Vec<Option<String>>,
    /// The count columns of an `occurrences` rule (empty for other rules).
    counts: Vec<Vec<(String, Vec<Option<f64>>)>>,
}

/// The value, numerator and denominator columns of one metric, with its
/// catalogue entry and the denominator column of a scheme metric.
struct MetricColumns {
    value: Vec<Option<f64>>,
    numerator: Option<Vec<Option<f64>>>,
    denominator: Option<Vec<Option<f64>>>,
    metric: Option<&'static Metric>,
    custom_denominator: Option<String>,
}

impl MetricColumns {
    /// The columns of `metric_id`, aligned with the rows of `frame`.
    fn read(scheme: &Scheme, metric_id: &str, frames: Frames<'_>, data: &Dataset) -> Result<Self> {
        let frame = frames.employee;
        let plain = |value| MetricColumns {
            value,
            numerator: None,
            denominator: None,
            metric: None,
            custom_denominator: None,
        };
        if let Some(custom) = scheme.metrics.iter().find(|m| m.id == metric_id) {
            let mut columns = vec![custom.numerator.clone()];
            columns.extend(custom.denominator.clone());
            let mut sums = period_sums(data, Table::EmployeeDaily, &columns, frame)?.into_iter();
            let numerator = sums.next().expect("one column per name");
            let Some(denominator) = sums.next() else {
                return Ok(MetricColumns {
                    numerator: Some(numerator.clone()),
                    ..plain(numerator)
                });
            };
            let value = numerator
                .iter()
                .zip(&denominator)
                .map(|(n, d)| match (n, d) {
                    (Some(n), Some(d)) if *d != 0.0 => Some(n / d),
                    _ => None,
                })
                .collect();
            return Ok(MetricColumns {
                numerator: Some(numerator),
                denominator: Some(denominator),
                custom_denominator: custom.denominator.clone(),
                ..plain(value)
            });
        }
        if let Some(store_metric) = metric_id.strip_prefix(STORE_PREFIX) {
            // Weekly ranks do not read store metrics (check_data refuses them).
            let Some(store) = frames.store else {
                return Ok(plain(vec![None; frame.height()]));
            };
            let m = metric(Level::Store, store_metric).expect("checked by check_data");
            let (num, den) = m.ratio_columns();
            let has = |c: &str| store.get_column_names().iter().any(|n| n.as_str() == c);
            let input = |c: Option<&str>| -> Result<Option<Vec<Option<f64>>>> {
                match c {
                    Some(c) if has(c) => Ok(Some(store_values(store, c, frame)?)),
                    _ => Ok(None),
                }
            };
            return Ok(MetricColumns {
                value: store_values(store, store_metric, frame)?,
                numerator: input(num)?,
                denominator: input(den)?,
                metric: Some(m),
                custom_denominator: None,
            });
        }
        if let Some(column) = metric_id.strip_prefix(ATTENDANCE_PREFIX) {
            let columns = [column.to_string()];
            let mut sums = period_sums(data, Table::Attendance, &columns, frame)?;
            return Ok(plain(sums.pop().expect("one column")));
        }
        if let Some(item) = metric_id.strip_prefix(MANUAL_PREFIX) {
            return Ok(plain(manual_values(scheme, item, frame, data)?));
        }
        let m = metric(Level::Employee, metric_id).expect("checked by check_data");
        let has = |c: &str| frame.get_column_names().iter().any(|n| n.as_str() == c);
        let (num, den) = m.ratio_columns();
        let column = |c: Option<&str>| -> Result<Option<Vec<Option<f64>>>> {
            match c {
                Some(c) if has(c) => Ok(Some(input_values(frame, c)?)),
                _ => Ok(None),
            }
        };
        // Money sums are held as cents in the metrics frame; values are in yuan.
        let value = match m.formula {
            Formula::Sum(_) => input_values(frame, m.id)?,
            _ => f64_values(frame, m.id)?,
        };
        Ok(MetricColumns {
            value,
            numerator: column(num)?,
            denominator: column(den)?,
            metric: Some(m),
            custom_denominator: None,
        })
    }
}

/// The employee metrics frame the items are read for, and the store
/// metrics frame behind `store.<metric>` items (none for weekly ranks).
#[derive(Clone, Copy)]
struct Frames<'a> {
    employee: &'a DataFrame,
    store: Option<&'a DataFrame>,
}

/// A store metric for every row of the employee frame, by the row's store.
fn store_values(store: &DataFrame, metric_id: &str, frame: &DataFrame) -> Result<Vec<Option<f64>>> {
    let values: HashMap<(String, String), f64> = str_values(store, "period")?
        .into_iter()
        .zip(str_values(store, "store_id")?)
        .zip(f64_values(store, metric_id)?)
        .filter_map(|((p, s), v)| Some(((p?, s?), v?)))
        .collect();
    // Money sums are held as cents in the metrics frames.
    let scale = match crate::metric::metric(Level::Store, metric_id).map(|m| m.formula) {
        Some(Formula::Sum(c)) => crate::metric::column_scale(Level::Store, c) as f64,
        _ => 1.0,
    };
    Ok(str_values(frame, "period")?
        .into_iter()
        .zip(str_values(frame, "store_id")?)
        .map(|(p, s)| values.get(&(p?, s?)).map(|v| v / scale))
        .collect())
}

impl ItemColumns {
    fn new(scheme: &Scheme, frames: Frames<'_>, data: &Dataset) -> Result<Self> {
        let frame = frames.employee;
        let mut out = ItemColumns {
            value: Vec::new(),
            numerator: Vec::new(),
            denominator: Vec::new(),
            metrics: Vec::new(),
            custom_denominators: Vec::new(),
            counts: Vec::new(),
        };
        for (_, metric_id, rule) in scheme.scored_rules() {
            if let Rule::Occurrences { counts, .. } = rule {
                // The value is Σ points × count; the counts are kept to explain it.
                let mut parts = Vec::new();
                for id in counts.keys() {
                    parts.push((
                        id.clone(),
                        MetricColumns::read(scheme, id, frames, data)?.value,
                    ));
                }
                let value = (0..frame.height())
                    .map(|r| {
                        let present = parts.iter().any(|(_, v)| v[r].is_some());
                        present.then(|| {
                            parts
                                .iter()
                                .zip(counts.values())
                                .map(|((_, v), per)| per * v[r].unwrap_or(0.0))
                                .sum()
                        })
                    })
                    .collect();
                out.value.push(value);
                out.numerator.push(None);
                out.denominator.push(None);
                out.metrics.push(None);
                out.custom_denominators.push(None);
                out.counts.push(parts);
                continue;
            }
            let columns = MetricColumns::read(scheme, metric_id, frames, data)?;
            out.value.push(columns.value);
            out.numerator.push(columns.numerator);
            out.denominator.push(columns.denominator);
            out.metrics.push(columns.metric);
            out.custom_denominators.push(columns.custom_denominator);
            out.counts.push(Vec::new());
        }
        Ok(out)
    }

    /// The counts of an `occurrences` rule at row `r`, as (metric id, count).
    fn counts_at(&self, i: usize, r: Option<usize>) -> Vec<(&str, f64)> {
        self.counts[i]
            .iter()
            .map(|(id, v)| (id.as_str(), r.and_then(|r| v[r]).unwrap_or(0.0)))
            .collect()
    }
}

impl ItemColumns {
    /// Why item `i` has no value.
    fn missing_reason(
        &self,
        i: usize,
        numerator: Option<f64>,
        denominator: Option<f64>,
        has_row: bool,
    ) -> String {
        match (self.metrics[i], &self.custom_denominators[i]) {
            (Some(m), _) => missing_reason(Some(m), numerator, denominator, has_row),
            (None, Some(d)) if has_row => match denominator {
                Some(0.0) => format!("{d} = 0"),
                _ => format!("{d} missing"),
            },
            (None, _) => missing_reason(None, numerator, denominator, has_row),
        }
    }
}

/// Period sums of `columns` of `table` per employee, aligned with the rows
/// of the metrics frame; money and durations in their unit.
fn period_sums(
    data: &Dataset,
    table: Table,
    columns: &[String],
    frame: &DataFrame,
) -> Result<Vec<Vec<Option<f64>>>> {
    let source = data.get(table).expect("checked by check_data");
    let aggs: Vec<Expr> = columns
        .iter()
        .map(|c| {
            let scale = table.column(c).map_or(1, |spec| spec.kind.scale());
            (col(c.as_str()).cast(DataType::Float64).sum() / lit(scale as f64)).alias(c.as_str())
        })
        .collect();
    let sums = source
        .clone()
        .lazy()
        .group_by([col("period"), col("employee_id")])
        .agg(aggs)
        .collect()?;
    let keys = |f: &DataFrame| -> Result<Vec<Option<(String, String)>>> {
        Ok(str_values(f, "period")?
            .into_iter()
            .zip(str_values(f, "employee_id")?)
            .map(|(p, e)| Some((p?, e?)))
            .collect())
    };
    let sum_keys = keys(&sums)?;
    let frame_keys = keys(frame)?;
    columns
        .iter()
        .map(|column| {
            let values: HashMap<&(String, String), f64> = sum_keys
                .iter()
                .zip(f64_values(&sums, column)?)
                .filter_map(|(k, v)| Some((k.as_ref()?, v?)))
                .collect();
            Ok(frame_keys
                .iter()
                .map(|k| values.get(k.as_ref()?).copied())
                .collect())
        })
        .collect()
}

/// The rating of a manual item for every row of the metrics frame: each
/// rater's mean rating, weighted by the scheme's rater weights over the
/// raters who rated (equal weights when the scheme names none).
fn manual_values(
    scheme: &Scheme,
    item: &str,
    frame: &DataFrame,
    data: &Dataset,
) -> Result<Vec<Option<f64>>> {
    let weights = scheme
        .manual
        .iter()
        .find(|m| m.item == item)
        .map(|m| m.raters.clone())
        .unwrap_or_default();
    let ratings = data
        .get(Table::ManualScores)
        .expect("checked by check_data");
    let rater = if data.has_column(Table::ManualScores, "rater") {
        col("rater")
    } else {
        lit("").alias("rater")
    };
    let means = ratings
        .clone()
        .lazy()
        .filter(col("item").eq(lit(item)))
        .group_by([col("period"), col("employee_id"), rater])
        .agg([col("score").mean()])
        .collect()?;
    let periods = str_values(&means, "period")?;
    let employees = str_values(&means, "employee_id")?;
    let raters = str_values(&means, "rater")?;
    let scores = f64_values(&means, "score")?;
    // (period, employee) → (Σ weight × mean, Σ weight)
    let mut combined: HashMap<(String, String), (f64, f64)> = HashMap::new();
    for i in 0..means.height() {
        let (Some(p), Some(e), Some(score)) = (&periods[i], &employees[i], scores[i]) else {
            continue;
        };
        let rater = raters[i].as_deref().unwrap_or("");
        let weight = if weights.is_empty() {
            1.0
        } else {
            weights.get(rater).copied().unwrap_or(0.0)
        };
        let entry = combined.entry((p.clone(), e.clone())).or_default();
        entry.0 += weight * score;
        entry.1 += weight;
    }
    let periods = str_values(frame, "period")?;
    let employees = str_values(frame, "employee_id")?;
    Ok(periods
        .into_iter()
        .zip(employees)
        .map(|(p, e)| {
            let (sum, weight) = combined.get(&(p?, e?))?;
            (*weight > 0.0).then(|| sum / weight)
        })
        .collect())
}

/// An input column in its display unit: money cents become yuan.
fn input_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let money = Table::EmployeeDaily
        .column(name)
        .is_some_and(|c| c.kind == crate::table::ColumnKind::Money);
    let values = f64_values(frame, name)?;
    Ok(if money {
        values.into_iter().map(|v| v.map(|c| c / 100.0)).collect()
    } else {
        values
    })
}

fn missing_reason(
    m: Option<&Metric>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    has_row: bool,
) -> String {
    if !has_row {
        return "no activity in the period".into();
    }
    let Some(m) = m else {
        return "no rating".into();
    };
    match m.formula {
        Formula::Ratio { denominator: d, .. } => match denominator {
            Some(0.0) => format!("{d} = 0"),
            _ => format!("{d} missing"),
        },
        Formula::TargetRatio { target_metric, .. } => {
            let _ = numerator;
            format!("no positive {target_metric} target")
        }
        _ => "no data".into(),
    }
}

fn score_one(scheme: &Scheme, columns: &ItemColumns, ranks: &Ranks, entry: Entry<'_>) -> ScoreRow {
    let not_eligible = ineligibility(scheme, &entry);
    let on_probation = scheme
        .eligibility
        .probation_days
        .zip(days_employed(&entry.period, entry.roster))
        .filter(|&(probation, days)| days < i64::from(probation));
    let Entry {
        period,
        employee_id,
        roster,
        row,
        ..
    } = entry;
    let mut out = ScoreRow {
        period,
        employee_id,
        store_id: roster.and_then(|r| r.store_id.clone()),
        team_id: roster.and_then(|r| r.team_id.clone()),
        role: roster.and_then(|r| r.role.clone()).unwrap_or_default(),
        eligible: true,
        items: Vec::new(),
        sections: Vec::new(),
        bonus_items: Vec::new(),
        bonus: None,
        total_score: None,
        grade: None,
        payout_pct: None,
        position_wage: None,
        flags: Vec::new(),
        streaks: Vec::new(),
    };
    if let Some(reason) = not_eligible {
        out.eligible = false;
        out.flags.push(reason);
        return out;
    }
    if let Some((probation, days)) = on_probation {
        out.flags.push(Flag::Probation { days, probation });
    }
    let at = |v: &Vec<Option<f64>>| row.and_then(|r| v[r]);
    // Value, numerator and denominator of scored metric `i` (items, then bonus items).
    let inputs = |i: usize| {
        (
            at(&columns.value[i]),
            columns.numerator[i].as_ref().and_then(at),
            columns.denominator[i].as_ref().and_then(at),
        )
    };
    let key = (out.period.clone(), out.employee_id.clone());
    let apply = |i: usize, rule: &Rule, value: f64| {
        if let Rule::Occurrences { .. } = rule {
            return rule.apply_counts(value, &columns.counts_at(i, row));
        }
        let placings = ranks.get(&(i, key.0.clone(), key.1.clone()));
        rule.apply_ranked(value, placings.map(Vec::as_slice))
    };
    for (i, item) in scheme.items.iter().enumerate() {
        if !scheme.item_applies(i, &out.role) {
            out.items.push(ItemScore {
                item: item.id.clone(),
                metric: item.metric_name(),
                value: None,
                numerator: None,
                denominator: None,
                points: None,
                weight: item.weight,
                contribution: None,
                steps: vec![Step::NotForRole {
                    role: out.role.clone(),
                }],
                missing_reason: None,
                applies: false,
            });
            continue;
        }
        let (value, numerator, denominator) = inputs(i);
        let (points, steps, missing_reason) = match value {
            Some(v) => {
                let applied = apply(i, &item.rule, v);
                (Some(applied.points), applied.steps, None)
            }
            None => {
                let reason = columns.missing_reason(i, numerator, denominator, row.is_some());
                out.flags.push(Flag::Missing {
                    item: item.id.clone(),
                    reason: reason.clone(),
                });
                match scheme.missing_policy(item) {
                    MissingPolicy::Zero => (
                        Some(0.0),
                        vec![Step::Missing(MissingOutcome::Zero)],
                        Some(reason),
                    ),
                    MissingPolicy::Skip => (
                        None,
                        vec![Step::Missing(MissingOutcome::Skipped)],
                        Some(reason),
                    ),
                }
            }
        };
        out.items.push(ItemScore {
            item: item.id.clone(),
            metric: item.metric_name(),
            value,
            numerator,
            denominator,
            points,
            weight: item.weight,
            contribution: None,
            steps,
            missing_reason,
            applies: true,
        });
    }
    let base = combine_items(scheme, &mut out);
    let mut bonus_total = 0.0;
    for (k, bonus) in scheme.bonus.iter().enumerate() {
        let i = scheme.items.len() + k;
        let (value, numerator, denominator) = inputs(i);
        let (points, steps, missing_reason) = match value {
            Some(v) => {
                let mut applied = apply(i, &bonus.rule, v);
                match bonus.cap {
                    Some(cap) if applied.points > cap => {
                        applied.steps.push(Step::CappedAt { cap });
                        (cap, applied.steps, None)
                    }
                    _ => (applied.points, applied.steps, None),
                }
            }
            None => {
                let reason = columns.missing_reason(i, numerator, denominator, row.is_some());
                (
                    0.0,
                    vec![Step::Missing(MissingOutcome::NoBonus)],
                    Some(reason),
                )
            }
        };
        bonus_total += points;
        out.bonus_items.push(ItemScore {
            item: bonus.id.clone(),
            metric: bonus.metric_name(),
            value,
            numerator,
            denominator,
            points: Some(points),
            weight: 0.0,
            contribution: Some(points),
            steps,
            missing_reason,
            applies: true,
        });
    }
    if !scheme.bonus.is_empty() {
        out.bonus = Some(bonus_total);
    }
    match base {
        Some(base) => {
            let total = round_half_up(base + bonus_total, 2);
            out.total_score = Some(total);
            out.set_grade(scheme, total);
        }
        None => out.flags.push(Flag::NoItemScored),
    }
    out
}

/// Weighs the scored items into section scores and the base total (before
/// bonus), and sets every item's contribution to it. Without sections the
/// items form one group weighted into the total directly.
fn combine_items(scheme: &Scheme, out: &mut ScoreRow) -> Option<f64> {
    // (section index, section weight, combine) per group.
    let groups: Vec<(Option<usize>, f64, Combine)> = if scheme.sections.is_empty() {
        vec![(None, 1.0, Combine::Weighted)]
    } else {
        scheme
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| (Some(i), s.weight, s.combine))
            .collect()
    };
    let in_group = |item: usize, group: Option<usize>| match group {
        None => true,
        Some(g) => scheme.items[item].section.as_deref() == Some(scheme.sections[g].id.as_str()),
    };
    let item_weight = |item: usize, combine: Combine| match combine {
        Combine::Weighted => scheme.items[item].weight,
        Combine::Average => 1.0,
    };
    let mut group_scores = Vec::with_capacity(groups.len());
    for &(group, _, combine) in &groups {
        let scored: Vec<usize> = (0..scheme.items.len())
            .filter(|&i| in_group(i, group) && out.items[i].points.is_some())
            .collect();
        let weight: f64 = scored.iter().map(|&i| item_weight(i, combine)).sum();
        let score = (weight > 0.0).then(|| {
            scored
                .iter()
                .map(|&i| out.items[i].points.unwrap_or(0.0) * item_weight(i, combine))
                .sum::<f64>()
                / weight
        });
        group_scores.push((score, weight));
    }
    let total_weight: f64 = groups
        .iter()
        .zip(&group_scores)
        .filter(|(_, (score, _))| score.is_some())
        .map(|((_, w, _), _)| w)
        .sum();
    if total_weight <= 0.0 {
        return None;
    }
    for (&(group, group_weight, combine), &(score, weight)) in groups.iter().zip(&group_scores) {
        if score.is_none() {
            continue;
        }
        for i in (0..scheme.items.len()).filter(|&i| in_group(i, group)) {
            out.items[i].contribution = out.items[i]
                .points
                .map(|p| p * item_weight(i, combine) / weight * group_weight / total_weight);
        }
    }
    if !scheme.sections.is_empty() {
        out.sections = group_scores.iter().map(|(score, _)| *score).collect();
    }
    Some(
        groups
            .iter()
            .zip(&group_scores)
            .filter_map(|((_, w, _), (score, _))| score.map(|s| s * w))
            .sum::<f64>()
            / total_weight,
    )
}

/// Rounds half away from zero (四舍五入) at `places` decimals, reading the
/// value at its shortest decimal representation so 84.995 rounds to 85.00.
pub fn round_half_up(value: f64, places: u32) -> f64 {
    match Decimal::from_str(&value.to_string()) {
        Ok(d) => d
            .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
            .to_f64()
            .unwrap_or(value),
        Err(_) => value,
    }
}

impl Scores {
    /// The `scores` table of the output contract.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let n = self.rows.len();
        let text = |f: &dyn Fn(&ScoreRow) -> Option<String>| -> Vec<Option<String>> {
            self.rows.iter().map(f).collect()
        };
        let mut columns = vec![
            Column::new("period".into(), text(&|r| Some(r.period.clone()))),
            Column::new("employee_id".into(), text(&|r| Some(r.employee_id.clone()))),
            Column::new("store_id".into(), text(&|r| r.store_id.clone())),
            Column::new("team_id".into(), text(&|r| r.team_id.clone())),
            Column::new("role".into(), text(&|r| Some(r.role.clone()))),
            Column::new(
                "eligible".into(),
                self.rows.iter().map(|r| r.eligible).collect::<Vec<bool>>(),
            ),
        ];
        let points_of = |list: fn(&ScoreRow) -> &Vec<ItemScore>, i: usize| -> Vec<Option<f64>> {
            self.rows
                .iter()
                .map(|r| {
                    list(r)
                        .get(i)
                        .and_then(|s| s.points)
                        .map(|p| round_half_up(p, 4))
                })
                .collect()
        };
        for (i, id) in self.item_ids.iter().enumerate() {
            columns.push(Column::new(
                format!("points.{id}").into(),
                points_of(|r| &r.items, i),
            ));
        }
        for (i, id) in self.bonus_ids.iter().enumerate() {
            columns.push(Column::new(
                format!("points.{id}").into(),
                points_of(|r| &r.bonus_items, i),
            ));
        }
        for (i, id) in self.section_ids.iter().enumerate() {
            let score: Vec<Option<f64>> = self
                .rows
                .iter()
                .map(|r| {
                    r.sections
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|p| round_half_up(p, 4))
                })
                .collect();
            columns.push(Column::new(format!("section.{id}").into(), score));
        }
        columns.push(Column::new(
            "bonus".into(),
            self.rows
                .iter()
                .map(|r| r.bonus)
                .collect::<Vec<Option<f64>>>(),
        ));
        columns.push(Column::new(
            "total_score".into(),
            self.rows
                .iter()
                .map(|r| r.total_score)
                .collect::<Vec<Option<f64>>>(),
        ));
        columns.push(Column::new("grade".into(), text(&|r| r.grade.clone())));
        if self.has_payout {
            let pct: Vec<Option<f64>> = self
                .rows
                .iter()
                .map(|r| r.payout_pct.and_then(|p| p.to_f64()))
                .collect();
            columns.push(Column::new("payout_pct".into(), pct));
        }
        if self.has_position_wage {
            // Exact integer cents, like the money sums of the metrics tables.
            let cents: Vec<Option<i64>> = self
                .rows
                .iter()
                .map(|r| {
                    r.position_wage
                        .and_then(|w| (w * Decimal::ONE_HUNDRED).round().to_i64())
                })
                .collect();
            columns.push(Column::new("position_wage".into(), cents));
        }
        columns.push(Column::new(
            "flags".into(),
            text(&|r| {
                (!r.flags.is_empty()).then(|| {
                    r.flags
                        .iter()
                        .map(Flag::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            }),
        ));
        Ok(DataFrame::new(n, columns)?)
    }

    /// The long `score_details` table: one row per employee, period and item.
    pub fn details_frame(&self) -> Result<DataFrame> {
        let details: Vec<(&ScoreRow, &ItemScore)> = self
            .rows
            .iter()
            .flat_map(|r| {
                r.items
                    .iter()
                    .chain(&r.bonus_items)
                    .filter(|i| i.applies)
                    .map(move |i| (r, i))
            })
            .collect();
        let text = |f: &dyn Fn(&ScoreRow, &ItemScore) -> Option<String>| -> Vec<Option<String>> {
            details.iter().map(|(r, i)| f(r, i)).collect()
        };
        let num = |f: &dyn Fn(&ItemScore) -> Option<f64>| -> Vec<Option<f64>> {
            details.iter().map(|(_, i)| f(i)).collect()
        };
        let columns = vec![
            Column::new("period".into(), text(&|r, _| Some(r.period.clone()))),
            Column::new(
                "employee_id".into(),
                text(&|r, _| Some(r.employee_id.clone())),
            ),
            Column::new("item".into(), text(&|_, i| Some(i.item.clone()))),
            Column::new("metric".into(), text(&|_, i| Some(i.metric.clone()))),
            Column::new("value".into(), num(&|i| i.value)),
            Column::new("numerator".into(), num(&|i| i.numerator)),
            Column::new("denominator".into(), num(&|i| i.denominator)),
            Column::new("rule".into(), text(&|_, i| Some(i.rule(Lang::En)))),
            Column::new(
                "points".into(),
                num(&|i| i.points.map(|p| round_half_up(p, 4))),
            ),
            Column::new("weight".into(), num(&|i| Some(i.weight))),
            Column::new(
                "contribution".into(),
                num(&|i| i.contribution.map(|c| round_half_up(c, 4))),
            ),
            Column::new(
                "missing_reason".into(),
                text(&|_, i| i.missing_reason.clone()),
            ),
        ];
        Ok(DataFrame::new(details.len(), columns)?)
    }

    /// Count of rows per grade label, best grade first as the scheme lists them.
    pub fn grade_counts(&self, scheme: &Scheme) -> Vec<(String, usize)> {
        scheme
            .grades
            .iter()
            .map(|g| {
                let n = self
                    .rows
                    .iter()
                    .filter(|r| r.grade.as_deref() == Some(g.label.as_str()))
                    .count();
                (g.label.clone(), n)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_half_up_reads_the_shortest_decimal() {
        assert_eq!(round_half_up(84.995, 2), 85.0);
        assert_eq!(round_half_up(84.994999, 2), 84.99);
        assert_eq!(round_half_up(0.125, 2), 0.13);
        assert_eq!(round_half_up(2.5, 0), 3.0);
    }
}
