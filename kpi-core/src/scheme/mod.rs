//! The scheme model: what is scored, how, and which grade a total earns.
//!
//! The model is independent of its file format; `kpi-io` reads it from TOML.
//! Here is what a scheme *is*; `rule` is how each rule kind turns a value
//! into points (a new rule kind: a `Rule` variant and its function there),
//! `validate` is every check of a scheme, and `pay` the model of the
//! `[pay]` table (a new pay component: a `PayRule` variant here, its
//! amount in the `pay` engine).

use serde::{Deserialize, Serialize};

mod pay;
pub mod rule;
mod step;
mod validate;

pub(crate) use pay::measure_months;
pub use pay::{
    Accelerator, Component, Deferral, Every, LEDGER_TARGETS, Measure, OnLeave, PAY_TOTALS, PayRule,
    PayScheme, PerformanceBy, Release, RoundAt, Split, Tier,
};
pub use rule::Applied;
pub use step::{Lang, MissingOutcome, Occurrence, Place, Step, Steps, render_steps};
pub use validate::SchemeIssue;

use crate::metric::Direction;
use crate::table::Role;

/// A complete scoring scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Identity and scope.
    pub scheme: SchemeInfo,
    /// Who is scored in a period.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Sections that items belong to, each weighted into the total
    /// (KPI 60 / KO 30 / attitude 5 / attendance 5). Without sections the
    /// items are weighted into the total directly.
    #[serde(default)]
    pub sections: Vec<Section>,
    /// The scored items, in the order they are shown.
    pub items: Vec<Item>,
    /// Bonus items: points added on top of the weighted total, each capped.
    #[serde(default)]
    pub bonus: Vec<Bonus>,
    /// Weights that change in named months (大促: November weighs sales more).
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// Flags raised by runs of consecutive months in some grades.
    #[serde(default)]
    pub streaks: Vec<Streak>,
    /// Metrics the scheme defines over any `employee_daily` column (extra
    /// columns of an export included).
    #[serde(default)]
    pub metrics: Vec<CustomMetric>,
    /// How manual ratings (`manual_scores`) combine raters, per rated item.
    #[serde(default)]
    pub manual: Vec<ManualRating>,
    /// A role scored by the average of its staff's totals instead of items.
    #[serde(default)]
    pub team_average: Option<TeamAverage>,
    /// The grade table, best grade first.
    #[serde(default)]
    pub grades: Vec<Grade>,
    /// How monthly scores weigh when rolled up to quarters and years.
    #[serde(default)]
    pub rollup: Rollup,
    /// Pay components, computed from the scores and the data.
    #[serde(default)]
    pub pay: Option<PayScheme>,
    /// Product identities the attribution decomposes by factor, beside the
    /// built-in GMV = UV × conversion × AOV and cs_sales = inquiries ×
    /// inquiry conversion × payment rate × cs_aov.
    #[serde(default)]
    pub identities: Vec<Identity>,
}

/// `metric = factor₁ × factor₂ × …`, all metrics of one level (store or
/// employee), decomposed by LMDI and chain substitution in `kpi run` and
/// `kpi attribution`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The metric that is the product.
    pub metric: String,
    /// The factors, in the order chain substitution changes them.
    pub factors: Vec<String>,
}

/// Weights of the roll-up of monthly scores to quarters and years (seed 004:
/// 年度综合评需包含季度考的加权平均). Without weights every scored month weighs
/// the same.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollup {
    /// Weight of each calendar month, January first (12 numbers ≥ 0).
    #[serde(default)]
    pub month_weights: Option<[f64; 12]>,
    /// Weight of each quarter in a year, Q1 first (4 numbers ≥ 0): the year
    /// is the weighted mean of its quarters' (weighted) means.
    #[serde(default)]
    pub quarter_weights: Option<[f64; 4]>,
}

/// Identity and scope of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeInfo {
    /// Stable id (used in file names and comparisons).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Where the rules come from (seed document, policy name).
    #[serde(default)]
    pub source: Option<String>,
    /// Scoring period.
    #[serde(default)]
    pub period: PeriodKind,
    /// Roles scored by this scheme; employees of other roles get no scores row.
    #[serde(with = "role_ids")]
    pub roles: Vec<Role>,
    /// How an item whose metric is missing (zero denominator, no data) scores.
    #[serde(default)]
    pub missing: MissingPolicy,
}

/// The scoring period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Calendar months.
    #[default]
    Month,
}

/// How an item with a missing metric value scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// The item scores 0 points and keeps its weight.
    #[default]
    Zero,
    /// The item is not scored; its weight is redistributed over the scored items.
    Skip,
}

/// Who is scored in a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Employees absent more than this many days in the period are not scored.
    #[serde(default)]
    pub max_absent_days: Option<f64>,
    /// Employees employed fewer days than this by the end of the period
    /// (from `employees.hire_date`) are not scored.
    #[serde(default)]
    pub min_days_employed: Option<u32>,
    /// Employees employed fewer days than this by the end of the period are
    /// scored but flagged `probation` (seed 002: scored, not paid by the scheme).
    #[serde(default)]
    pub probation_days: Option<u32>,
}

/// One scored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable id, the `points.<id>` column of `scores`.
    pub id: String,
    /// Label shown to people; defaults to the metric's label.
    #[serde(default)]
    pub label: Option<String>,
    /// The metric id this item scores: an employee metric of the catalogue,
    /// one of the scheme's `[[metrics]]`, `manual.<item>` or
    /// `attendance.<column>`. An `occurrences` rule names its counts in the
    /// rule instead and leaves this out.
    #[serde(default)]
    pub metric: String,
    /// Weight of the item in its section (or in the total without sections).
    pub weight: f64,
    /// The section id, required when the scheme has sections.
    #[serde(default)]
    pub section: Option<String>,
    /// Overrides the scheme's missing-value policy for this item.
    #[serde(default)]
    pub missing: Option<MissingPolicy>,
    /// How the metric value becomes points.
    pub rule: Rule,
}

impl Item {
    /// The metric shown for the item: its metric, or an `occurrences` rule's
    /// counts joined by `+`.
    pub fn metric_name(&self) -> String {
        metric_name(&self.metric, &self.rule)
    }
}

impl Bonus {
    /// The metric shown for the bonus item (see [`Item::metric_name`]).
    pub fn metric_name(&self) -> String {
        metric_name(&self.metric, &self.rule)
    }
}

fn metric_name(metric: &str, rule: &Rule) -> String {
    match rule {
        Rule::Occurrences { counts, .. } => counts.keys().cloned().collect::<Vec<_>>().join("+"),
        _ => metric.to_string(),
    }
}

/// New weights for items or sections in some calendar months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Calendar months (1–12) the weights apply to, every year.
    pub months: Vec<u32>,
    /// Item or section id → weight in those months.
    pub weights: std::collections::BTreeMap<String, f64>,
}

/// A flag raised when an employee's grade stays in `grades` for `months`
/// consecutive months (seed 000/002: 3 months 优秀 or better → 200 yuan;
/// 3 months 不及格 → exit; 2 months 不合格 → transfer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Streak {
    /// The flag written to `scores.flags` (`award`, `exit`, `transfer`).
    pub flag: String,
    /// Grade labels that continue the run.
    pub grades: Vec<String>,
    /// Run length that raises the flag; the count then starts again.
    pub months: u32,
    /// An amount the flag carries (yuan), for pay.
    #[serde(default)]
    pub amount: Option<rust_decimal::Decimal>,
}

/// Seed 000 电商绩效考核方案: 把客服的平均考核得分作为计算经理考核得分的基础 —
/// the manager's total is the average of the totals of the staff scored in
/// the same group and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamAverage {
    /// The role scored this way (it must be one of `scheme.roles`).
    #[serde(with = "role_id")]
    pub role: Role,
    /// Whose totals are averaged: staff of the same store or the same team.
    #[serde(default)]
    pub within: RankGroup,
}

/// A metric defined in the scheme: the period sum of a column, or the ratio
/// of the period sums of two columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomMetric {
    /// Id used by items.
    pub id: String,
    /// Label shown to people.
    #[serde(default)]
    pub label: Option<String>,
    /// The summed column.
    pub numerator: String,
    /// The column whose sum divides; none for a plain sum.
    #[serde(default)]
    pub denominator: Option<String>,
}

/// The prefix of metric ids that read the `manual_scores` table:
/// `manual.attitude` is the rating of item `attitude`.
pub const MANUAL_PREFIX: &str = "manual.";

/// The prefix of metric ids that read the `attendance` table: the period sum
/// of one of [`ATTENDANCE_COLUMNS`] (`attendance.late_count`).
pub const ATTENDANCE_PREFIX: &str = "attendance.";

/// The prefix of metric ids that read the employee's store's metric for
/// the period (`store.conversion_rate` for operations staff).
pub const STORE_PREFIX: &str = "store.";

/// The `attendance` columns an `attendance.<column>` metric may sum.
pub const ATTENDANCE_COLUMNS: [&str; 5] = [
    "late_count",
    "early_leave_count",
    "leave_days",
    "absent_days",
    "work_days",
];

/// How the raters of one manually rated item combine (seed 003: self,
/// supervisor and peer ratings weighted; seed 004: 360 度).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualRating {
    /// The `item` value in `manual_scores`.
    pub item: String,
    /// Rater (`self`, `supervisor`, `peer`) → weight. The value is the
    /// weighted mean of each rater's mean rating, over the raters who rated;
    /// without weights every rater counts the same.
    #[serde(default)]
    pub raters: std::collections::BTreeMap<String, f64>,
}

/// A section of items, weighted into the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Stable id, the `section.<id>` column of `scores`.
    pub id: String,
    /// Label shown to people.
    #[serde(default)]
    pub label: Option<String>,
    /// Weight of the section in the total.
    pub weight: f64,
    /// How the section's items make its score.
    #[serde(default)]
    pub combine: Combine,
    /// The roles the section scores; empty for every role of the scheme.
    /// An employee of another role is scored without the section (its
    /// items and weight are left out), so one scheme can hold one section
    /// per role.
    #[serde(default, with = "role_ids")]
    pub roles: Vec<Role>,
}

/// How a section's items make the section score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// `Σ weight × points / Σ weight`.
    #[default]
    Weighted,
    /// The plain average of the items' points.
    Average,
}

/// A bonus item: its points are added on top of the total, at most `cap`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bonus {
    /// Stable id, a `points.<id>` column of `scores`.
    pub id: String,
    /// Label shown to people.
    #[serde(default)]
    pub label: Option<String>,
    /// The metric id, as for items (none for an `occurrences` rule).
    #[serde(default)]
    pub metric: String,
    /// How the metric value becomes bonus points (a missing value gives 0).
    pub rule: Rule,
    /// Most points this bonus adds (seed 002: each bonus item at most 5).
    #[serde(default)]
    pub cap: Option<f64>,
}

/// How a metric value becomes points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Points by the band the value falls in (阶梯).
    Bands {
        /// Which way is better; a value exactly on an edge belongs to the better band.
        direction: Direction,
        /// The bands, in any order.
        bands: Vec<Band>,
    },
    /// `base + points_per_unit × (value − pivot) / unit`, kept within
    /// `floor..=cap`: points rise above the pivot and fall below it (seed 002:
    /// 咨询转化率 +5 per percentage point above 34%, −5 below). With `pivot = 0`,
    /// `base = 0`, `points_per_unit = 100` it scores a target ratio as a
    /// percentage, floored at 50 and capped at 150 (seed 000 第11条).
    Linear {
        /// The value at which the item scores `base`.
        pivot: f64,
        /// Points at the pivot.
        base: f64,
        /// Points per unit above the pivot (and minus per unit below).
        points_per_unit: f64,
        /// Size of one unit in the metric's unit (0.01 for a percentage point).
        #[serde(default = "one")]
        unit: f64,
        /// Lowest points; none means no lower limit.
        #[serde(default)]
        floor: Option<f64>,
        /// Highest points; none means no upper limit.
        #[serde(default)]
        cap: Option<f64>,
    },
    /// A rating scale mapped linearly onto points: `from = [1, 7]` gives 0
    /// points for 1 and 100 for 7 (`to` changes the point range).
    Scale {
        /// Lowest and highest rating.
        from: [f64; 2],
        /// Points for the lowest and highest rating.
        #[serde(default = "hundred")]
        to: [f64; 2],
    },
    /// Points by place within a group (store, team or role) for the period:
    /// seed 000 "top 3 get +3/+2/+1" is `points = [3, 2, 1]`. Only eligible
    /// employees with a value are ranked; ties share the better place.
    Rank {
        /// The group ranked within.
        #[serde(default)]
        within: RankGroup,
        /// Which way is better.
        direction: Direction,
        /// Points for the 1st, 2nd, … place; later places score 0.
        points: Vec<f64>,
        /// Rank once per scoring period (`period`), or every calendar week
        /// and add up the weekly points (`week`; seed 000 每周业绩排名).
        #[serde(default)]
        every: RankEvery,
    },
    /// `start + Σ points × count` over several counts, kept within
    /// `floor..=cap`: seed 002 "each wrong shipment −1, each complaint −2",
    /// with `floor = 0` for 扣完为止 (deduct until the item is 0).
    Occurrences {
        /// Points before any occurrence.
        start: f64,
        /// Metric id of a count → points per occurrence (negative deducts).
        counts: std::collections::BTreeMap<String, f64>,
        /// Lowest points; none means no lower limit.
        #[serde(default)]
        floor: Option<f64>,
        /// Highest points; none means no upper limit.
        #[serde(default)]
        cap: Option<f64>,
    },
    /// `start + points_per_unit × units`, where units counts how far the value
    /// is past `threshold` (above or below), kept within `floor..=cap`.
    PerUnit {
        /// Points before any unit is counted.
        start: f64,
        /// Units are counted past this value.
        threshold: f64,
        /// Points per unit (negative for a deduction).
        points_per_unit: f64,
        /// Size of one unit in the metric's unit (1 second, 0.01 for a percentage point).
        #[serde(default = "one")]
        unit: f64,
        /// Count units above (`above`) or below (`below`) the threshold.
        #[serde(default)]
        past: Past,
        /// Count partial units (`continuous`) or only whole ones (`whole`).
        #[serde(default)]
        count: UnitCount,
        /// Lowest points; none means no lower limit.
        #[serde(default)]
        floor: Option<f64>,
        /// Highest points; none means no upper limit.
        #[serde(default)]
        cap: Option<f64>,
    },
}

fn one() -> f64 {
    1.0
}

fn hundred() -> [f64; 2] {
    [0.0, 100.0]
}

/// The group within which a rank rule ranks employees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankGroup {
    /// Employees of the same store.
    #[default]
    Store,
    /// Employees of the same team.
    Team,
    /// Employees of the same role, across stores.
    Role,
}

/// How often a rank rule ranks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankEvery {
    /// Once per scoring period, on the period's metric value.
    #[default]
    Period,
    /// Every calendar week (Monday to Sunday) on the week's metric value;
    /// a week counts in the month that holds its Thursday (the ISO 8601
    /// rule), so every week is ranked once, and the period's points are the
    /// sum of its weeks' points.
    Week,
}

/// One ranking of an employee: the week it covers (for weekly ranks) and
/// the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placing {
    /// Monday of the ranked week (`YYYY-MM-DD`); none for a period rank.
    pub week: Option<String>,
    /// The place.
    pub rank: Rank,
}

/// An employee's place in its group: 1 is best; ties share the better place
/// and the next place is skipped (1, 1, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    /// The place.
    pub place: usize,
    /// How many were ranked.
    pub of: usize,
}

/// Which side of a threshold counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Past {
    /// Units above the threshold count.
    #[default]
    Above,
    /// Units below the threshold count.
    Below,
}

/// Whether partial units count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitCount {
    /// 2.5 units past the threshold count as 2.5.
    #[default]
    Continuous,
    /// Only whole units count: 2.5 counts as 2.
    Whole,
}

/// One band of a [`Rule::Bands`] rule: `min ≤ value < max` for higher-is-better
/// tables, `min < value ≤ max` for lower-is-better ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lower edge; none means unbounded below.
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper edge; none means unbounded above.
    #[serde(default)]
    pub max: Option<f64>,
    /// Points for a value in this band.
    pub points: f64,
}

impl Band {
    /// Whether `value` is in this band, edges given to the better band.
    pub fn contains(&self, value: f64, direction: Direction) -> bool {
        let above_min = match (self.min, direction) {
            (None, _) => true,
            (Some(min), Direction::Higher) => value >= min,
            (Some(min), Direction::Lower) => value > min,
        };
        let below_max = match (self.max, direction) {
            (None, _) => true,
            (Some(max), Direction::Higher) => value < max,
            (Some(max), Direction::Lower) => value <= max,
        };
        above_min && below_max
    }
}

/// A text shared by many rows, read and written as a plain string.
mod shared_text {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(d).map(Arc::from)
    }
}

/// One grade of the grade table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// The label written in `scores.grade` (卓越, A+...), one text for
    /// every row of the grade.
    #[serde(serialize_with = "shared_text::serialize")]
    #[serde(deserialize_with = "shared_text::deserialize")]
    pub label: std::sync::Arc<str>,
    /// Lowest total that earns this grade; none for the catch-all last grade.
    #[serde(default)]
    pub min: Option<f64>,
    /// Share of the performance pay this grade pays, in percent: a number
    /// (`100`, `60`), or `"score"` for the total itself (seed 002: A+ = 100+X
    /// pays (100+X)%, B = X pays X%).
    #[serde(default)]
    pub payout: Option<Payout>,
    /// Position wage (岗位工资) of the grade, in yuan (seed 002: 卓越 1800 …
    /// 不及格 1400).
    #[serde(default)]
    pub position_wage: Option<rust_decimal::Decimal>,
}

/// A total score read as an exact percentage at its 2-decimal value
/// (`77.99` → 77.99%).
pub fn score_percent(total: f64) -> Option<rust_decimal::Decimal> {
    let mut d = rust_decimal::Decimal::from_str_exact(&format!("{total:.2}")).ok()?;
    d.rescale(2);
    Some(d)
}

/// The payout percentage of a grade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Payout {
    /// A fixed percentage.
    Percent(rust_decimal::Decimal),
    /// The total score read as a percentage.
    Score(ScoreWord),
}

/// The word `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreWord {
    /// The total score.
    Score,
}

impl Grade {
    /// The payout percentage for `total`, exact: the total is read at its
    /// 2-decimal value.
    pub fn payout_pct(&self, total: f64) -> Option<rust_decimal::Decimal> {
        match self.payout? {
            Payout::Percent(p) => Some(p),
            Payout::Score(_) => score_percent(total),
        }
    }
}

impl Scheme {
    /// The grade a total earns (grades are read best first).
    pub fn grade_for(&self, total: f64) -> Option<&Grade> {
        self.grades
            .iter()
            .find(|g| g.min.is_none_or(|min| total >= min))
    }

    /// The scheme with the weights of `period` (`YYYY-MM`) after overrides.
    pub fn for_period(&self, period: &str) -> std::borrow::Cow<'_, Scheme> {
        let month = crate::period::Month::parse(period).map(|m| m.month);
        let active: Vec<&Override> = self
            .overrides
            .iter()
            .filter(|o| month.is_some_and(|m| o.months.contains(&m)))
            .collect();
        if active.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut scheme = self.clone();
        for o in active {
            for (id, weight) in &o.weights {
                for item in scheme.items.iter_mut().filter(|i| &i.id == id) {
                    item.weight = *weight;
                }
                for section in scheme.sections.iter_mut().filter(|s| &s.id == id) {
                    section.weight = *weight;
                }
            }
        }
        std::borrow::Cow::Owned(scheme)
    }

    /// Whether item `i` is scored for employees of `role` (its section, if
    /// any, covers the role).
    pub fn item_applies(&self, i: usize, role: &str) -> bool {
        let Some(section) = self.items[i].section.as_deref() else {
            return true;
        };
        self.sections
            .iter()
            .find(|s| s.id == section)
            .is_none_or(|s| s.roles.is_empty() || s.roles.iter().any(|r| r.id() == role))
    }

    /// Whether scoring reads the daily rows themselves, not only their
    /// monthly sums: a custom metric (summed per period from
    /// `employee_daily`) or a rank rule ranking every week.
    pub fn scores_from_daily_rows(&self) -> bool {
        !self.metrics.is_empty() || self.ranks_weekly()
    }

    /// Whether some rank rule ranks every week.
    pub(crate) fn ranks_weekly(&self) -> bool {
        self.scored_rules().any(|(_, _, rule)| rule.ranks_weekly())
    }

    /// Every item, then every bonus item: key path, metric and rule.
    pub(crate) fn scored_rules(&self) -> impl Iterator<Item = (String, &str, &Rule)> {
        let items = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("items[{i}]"), item.metric.as_str(), &item.rule));
        let bonus = self
            .bonus
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("bonus[{i}]"), b.metric.as_str(), &b.rule));
        items.chain(bonus)
    }

    /// The missing policy of an item.
    pub fn missing_policy(&self, item: &Item) -> MissingPolicy {
        item.missing.unwrap_or(self.scheme.missing)
    }
}

mod role_id {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::table::Role;

    pub fn serialize<S: Serializer>(role: &Role, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(role.id())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        let name = String::deserialize(d)?;
        Role::parse(&name).ok_or_else(|| D::Error::custom(format!("unknown role `{name}`")))
    }
}

pub(crate) mod role_ids {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::table::Role;

    pub fn serialize<S: Serializer>(roles: &[Role], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(roles.iter().map(|r| r.id()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Role>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|n| {
                Role::parse(n).ok_or_else(|| {
                    D::Error::custom(format!(
                        "unknown role `{n}`; roles are customer_service, operations, promotion, campaign, design, warehouse, manager (or 客服, 运营, 推广, 活动策划, 美工, 仓库, 经理/店长)"
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plus_to_c_pay_their_percentages() {
        let cases: &[(f64, &str, &str)] = &[
            (104.5, "A+", "104.50"),
            (100.0, "A+", "100.00"),
            (99.99, "A", "100"),
            (90.0, "A", "100"),
            (89.99, "B", "89.99"),
            (60.01, "B", "60.01"),
            (60.0, "C", "0"),
            (12.0, "C", "0"),
        ];
        for &(total, label, pct) in cases {
            // Seed 002 淘宝员工绩效考核制度: A+ = 100+X → (100+X)%, A 90–100 → 100%,
            // B 60–90 → X%, C ≤60 → 0%. "60及以下" is C, so B starts above 60.
            let grade = |label: &str, min: Option<f64>, payout: Payout| Grade {
                label: label.into(),
                min,
                payout: Some(payout),
                position_wage: None,
            };
            let score = Payout::Score(ScoreWord::Score);
            let scheme_grades = [
                grade("A+", Some(100.0), score),
                grade("A", Some(90.0), Payout::Percent(100.into())),
                grade("B", Some(60.01), score),
                grade("C", None, Payout::Percent(0.into())),
            ];
            let g = scheme_grades
                .iter()
                .find(|g| g.min.is_none_or(|m| total >= m))
                .unwrap();
            assert_eq!(&*g.label, label);
            assert_eq!(g.payout_pct(total).unwrap().to_string(), pct);
        }
    }
}
