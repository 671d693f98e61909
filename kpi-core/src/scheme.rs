//! The scheme model: what is scored, how, and which grade a total earns.
//!
//! The model is independent of its file format; `kpi-io` reads it from TOML.
//! A new rule kind is a new [`Rule`] variant with its own scoring function.

use serde::{Deserialize, Serialize};

use crate::metric::{Direction, Level, find_metric};
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
    pub pay: Option<crate::pay::PayScheme>,
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

/// One grade of the grade table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// The label written in `scores.grade` (卓越, A+...).
    pub label: String,
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

/// How a rule turned a value into points, for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The points.
    pub points: f64,
    /// The rule in words (`band ≥0.5 → 100`, `100 − 2 × (40 − 32) = 84`).
    pub rule: String,
}

impl Rule {
    /// Scores a present value; a rank rule also needs the employee's
    /// placings (one per period, or one per ranked week).
    pub fn apply_ranked(&self, value: f64, placings: Option<&[Placing]>) -> Applied {
        match (self, placings) {
            (Rule::Rank { within, points, .. }, Some(placings)) => {
                let group = match within {
                    RankGroup::Store => "store",
                    RankGroup::Team => "team",
                    RankGroup::Role => "role",
                };
                let points_at = |rank: &Rank| points.get(rank.place - 1).copied().unwrap_or(0.0);
                let total: f64 = placings.iter().map(|p| points_at(&p.rank)).sum();
                let parts: Vec<String> = placings
                    .iter()
                    .map(|p| {
                        let week = p
                            .week
                            .as_ref()
                            .map(|w| format!("week of {w}: "))
                            .unwrap_or_default();
                        format!(
                            "{week}place {} of {} in the {group} → {}",
                            p.rank.place,
                            p.rank.of,
                            fmt_num(points_at(&p.rank))
                        )
                    })
                    .collect();
                let rule = match parts.as_slice() {
                    [one] if placings[0].week.is_none() => one.clone(),
                    [] => "not ranked in any week → 0".to_string(),
                    _ => format!("{}; sum {}", parts.join("; "), fmt_num(total)),
                };
                Applied {
                    points: total,
                    rule,
                }
            }
            _ => self.apply(value),
        }
    }

    /// Scores an `occurrences` rule from its counts (metric id, count), in
    /// the rule's order; other rules score `value`.
    pub fn apply_counts(&self, value: f64, counts: &[(&str, f64)]) -> Applied {
        let Rule::Occurrences {
            start, floor, cap, ..
        } = self
        else {
            return self.apply(value);
        };
        let mut raw = *start;
        let mut rule = fmt_num(*start);
        for ((id, count), per) in counts.iter().zip(self.occurrence_points()) {
            raw += per * count;
            rule.push_str(&format!(
                " {} {} × {} {id}",
                if per < 0.0 { "−" } else { "+" },
                fmt_num(per.abs()),
                fmt_num(*count)
            ));
        }
        rule.push_str(&format!(" = {}", fmt_num(raw)));
        within_limits(raw, *floor, *cap, rule)
    }

    /// Points per occurrence of an `occurrences` rule, in its counts' order.
    fn occurrence_points(&self) -> Vec<f64> {
        match self {
            Rule::Occurrences { counts, .. } => counts.values().copied().collect(),
            _ => Vec::new(),
        }
    }

    /// Scores a present value (a rank rule without a place scores 0).
    pub fn apply(&self, value: f64) -> Applied {
        match self {
            Rule::Rank { .. } => Applied {
                points: 0.0,
                rule: "not ranked → 0".to_string(),
            },
            Rule::Occurrences {
                start, floor, cap, ..
            } => {
                let raw = start + value;
                let rule = format!(
                    "{} + ({}) = {}",
                    fmt_num(*start),
                    fmt_num(value),
                    fmt_num(raw)
                );
                within_limits(raw, *floor, *cap, rule)
            }
            Rule::Scale { from, to } => {
                let share = ((value - from[0]) / (from[1] - from[0])).clamp(0.0, 1.0);
                let points = to[0] + share * (to[1] - to[0]);
                Applied {
                    points,
                    rule: format!(
                        "scale {}–{} → {}–{}: {}",
                        fmt_num(from[0]),
                        fmt_num(from[1]),
                        fmt_num(to[0]),
                        fmt_num(to[1]),
                        fmt_num(points)
                    ),
                }
            }
            Rule::Bands { direction, bands } => {
                match bands.iter().find(|b| b.contains(value, *direction)) {
                    Some(band) => Applied {
                        points: band.points,
                        rule: format!(
                            "band {} → {}",
                            band_text(band, *direction),
                            fmt_num(band.points)
                        ),
                    },
                    None => Applied {
                        points: 0.0,
                        rule: "no band covers the value → 0".to_string(),
                    },
                }
            }
            Rule::PerUnit {
                start,
                threshold,
                points_per_unit,
                unit,
                past,
                count,
                floor,
                cap,
            } => {
                let distance = match past {
                    Past::Above => value - threshold,
                    Past::Below => threshold - value,
                };
                let mut units = (distance / unit).max(0.0);
                if *count == UnitCount::Whole {
                    units = units.floor();
                }
                let raw = start + points_per_unit * units;
                let rule = format!(
                    "{} {} {} × {} = {}",
                    fmt_num(*start),
                    if *points_per_unit < 0.0 { "−" } else { "+" },
                    fmt_num(points_per_unit.abs()),
                    fmt_num(units),
                    fmt_num(raw)
                );
                within_limits(raw, *floor, *cap, rule)
            }
            Rule::Linear {
                pivot,
                base,
                points_per_unit,
                unit,
                floor,
                cap,
            } => {
                let units = (value - pivot) / unit;
                let raw = base + points_per_unit * units;
                let rule = format!(
                    "{} {} {} × {} = {}",
                    fmt_num(*base),
                    if units < 0.0 { "−" } else { "+" },
                    fmt_num(*points_per_unit),
                    fmt_num(units.abs()),
                    fmt_num(raw)
                );
                within_limits(raw, *floor, *cap, rule)
            }
        }
    }
}

/// Keeps raw points within the limits and says so in the rule text.
fn within_limits(raw: f64, floor: Option<f64>, cap: Option<f64>, mut rule: String) -> Applied {
    let mut points = raw;
    if let Some(floor) = floor {
        points = points.max(floor);
    }
    if let Some(cap) = cap {
        points = points.min(cap);
    }
    if points != raw {
        rule.push_str(&format!(", kept within limits → {}", fmt_num(points)));
    }
    Applied { points, rule }
}

fn band_text(band: &Band, direction: Direction) -> String {
    let (lo, hi) = match direction {
        Direction::Higher => ("≥", "<"),
        Direction::Lower => (">", "≤"),
    };
    match (band.min, band.max) {
        (Some(min), Some(max)) => format!("{lo}{} and {hi}{}", fmt_num(min), fmt_num(max)),
        (Some(min), None) => format!("{lo}{}", fmt_num(min)),
        (None, Some(max)) => format!("{hi}{}", fmt_num(max)),
        (None, None) => "any value".to_string(),
    }
}

/// Formats a number without float noise: at most 6 decimals, trailing zeros dropped.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{:.6}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A problem found in a scheme, named by its key path (`items[2].rule.bands[1]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeIssue {
    /// Key path into the scheme document.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Whether `kpi run` must refuse the scheme.
    pub is_error: bool,
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

    /// The missing policy of an item.
    pub fn missing_policy(&self, item: &Item) -> MissingPolicy {
        item.missing.unwrap_or(self.scheme.missing)
    }

    /// Checks a scheme: errors for what the engine cannot score unambiguously
    /// (unknown metrics, non-positive weights, duplicate ids, bands that
    /// overlap or leave a gap, a grade table not read best first) and
    /// warnings for what is legal but suspect (weights not adding up to 100,
    /// bands not covering every value, more than 5 or 9 KPIs for a role).
    pub fn check(&self) -> Vec<SchemeIssue> {
        let mut issues = self.check_structure();
        if let Some(pay) = &self.pay {
            issues.extend(crate::pay::pay_issues(self, pay).into_iter().map(
                |(path, message, is_error)| SchemeIssue {
                    path,
                    message,
                    is_error,
                },
            ));
        }
        let rules = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("items[{i}]"), &item.rule))
            .chain(
                self.bonus
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (format!("bonus[{i}]"), &b.rule)),
            );
        for (path, rule) in rules {
            if let Rule::Bands { bands, .. } = rule {
                issues.extend(band_issues(&format!("{path}.rule.bands"), bands));
            }
        }
        let warn = |path: &str, message: String| SchemeIssue {
            path: path.into(),
            message,
            is_error: false,
        };
        let sum_warning = |what: &str, total: f64| {
            format!(
                "{what} weights add up to {}, not 100; scores are Σ weight × points / {}",
                fmt_num(total),
                fmt_num(total)
            )
        };
        if self.sections.is_empty() {
            let total: f64 = self.items.iter().map(|i| i.weight).sum();
            if !self.items.is_empty() && (total - 100.0).abs() > 1e-9 {
                issues.push(warn("items", sum_warning("item", total)));
            }
        } else if self.sections.iter().all(|s| s.roles.is_empty()) {
            let total: f64 = self.sections.iter().map(|s| s.weight).sum();
            if (total - 100.0).abs() > 1e-9 {
                issues.push(warn("sections", sum_warning("section", total)));
            }
        } else {
            let mut unscored = Vec::new();
            for role in &self.scheme.roles {
                let total: f64 = self
                    .sections
                    .iter()
                    .filter(|s| s.roles.is_empty() || s.roles.contains(role))
                    .map(|s| s.weight)
                    .sum();
                if total == 0.0 {
                    if self.team_average.as_ref().is_none_or(|t| t.role != *role) {
                        unscored.push(role.id());
                    }
                    continue;
                }
                if (total - 100.0).abs() > 1e-9 {
                    let what = format!("role {}: section", role.id());
                    issues.push(warn("sections", sum_warning(&what, total)));
                }
            }
            if !unscored.is_empty() {
                issues.push(warn(
                    "sections",
                    format!(
                        "no section scores {}: they get pay rows but no score",
                        unscored.join(", ")
                    ),
                ));
            }
        }
        // Seed 000 特征二: at most 3 KPIs per person is the recommended design.
        for role in &self.scheme.roles {
            let n = (0..self.items.len())
                .filter(|&i| self.item_applies(i, role.id()))
                .count();
            if n > 9 {
                issues.push(warn("items", format!("{n} KPIs for role {}; more than 9 dilutes every item (seed 000 recommends at most 3)", role.id())));
            } else if n > 5 {
                issues.push(warn("items", format!("{n} KPIs for role {}; more than 5 is hard to steer by (seed 000 recommends at most 3)", role.id())));
            }
        }
        issues
    }

    fn check_structure(&self) -> Vec<SchemeIssue> {
        let mut issues = Vec::new();
        let mut error = errors_into(&mut issues);
        if self.scheme.roles.is_empty() {
            error("scheme.roles".into(), "no role is scored".into());
        }
        if self.items.is_empty() {
            error("items".into(), "the scheme has no items".into());
        }
        for (i, item) in self.items.iter().enumerate() {
            let path = format!("items[{i}]");
            if self.items[..i].iter().any(|other| other.id == item.id) {
                error(
                    format!("{path}.id"),
                    format!("item id `{}` is used twice", item.id),
                );
            }
            issues_from(
                &mut error,
                self.metric_issues(&path, &item.metric, &item.rule),
            );
            if !(item.weight.is_finite() && item.weight > 0.0) {
                error(
                    format!("{path}.weight"),
                    format!("weight must be positive, got {}", item.weight),
                );
            }
            issues_from(&mut error, rule_issues(&path, &item.rule));
        }
        for (i, section) in self.sections.iter().enumerate() {
            for role in &section.roles {
                if !self.scheme.roles.contains(role) {
                    error(
                        format!("sections[{i}].roles"),
                        format!("`{role}` must also be one of scheme.roles"),
                    );
                }
            }
            if self.sections[..i].iter().any(|s| s.id == section.id) {
                error(
                    format!("sections[{i}].id"),
                    format!("section id `{}` is used twice", section.id),
                );
            }
            if !(section.weight.is_finite() && section.weight > 0.0) {
                error(
                    format!("sections[{i}].weight"),
                    format!("weight must be positive, got {}", section.weight),
                );
            }
            if !self
                .items
                .iter()
                .any(|item| item.section.as_deref() == Some(&section.id))
            {
                error(
                    format!("sections[{i}]"),
                    format!("section `{}` has no items", section.id),
                );
            }
        }
        for (i, item) in self.items.iter().enumerate() {
            match (&item.section, self.sections.is_empty()) {
                (None, false) => error(
                    format!("items[{i}]"),
                    format!(
                        "item `{}` names no section; the scheme has sections",
                        item.id
                    ),
                ),
                (Some(s), true) => error(
                    format!("items[{i}].section"),
                    format!("section `{s}` is not defined: the scheme has no [[sections]]"),
                ),
                (Some(s), false) if !self.sections.iter().any(|x| &x.id == s) => {
                    let known: Vec<&str> = self.sections.iter().map(|x| x.id.as_str()).collect();
                    error(
                        format!("items[{i}].section"),
                        format!("unknown section `{s}`; sections are {}", known.join(", ")),
                    )
                }
                _ => {}
            }
        }
        for (i, custom) in self.metrics.iter().enumerate() {
            if find_metric(&custom.id).is_some() || custom.id.starts_with(MANUAL_PREFIX) {
                error(
                    format!("metrics[{i}].id"),
                    format!("`{}` is already a metric of the catalogue", custom.id),
                );
            }
            if self.metrics[..i].iter().any(|m| m.id == custom.id) {
                error(
                    format!("metrics[{i}].id"),
                    format!("metric id `{}` is used twice", custom.id),
                );
            }
        }
        if let Some(average) = &self.team_average {
            if !self.scheme.roles.contains(&average.role) {
                error(
                    "team_average.role".into(),
                    format!("`{}` must also be one of scheme.roles", average.role),
                );
            }
            if average.within == RankGroup::Role {
                error(
                    "team_average.within".into(),
                    "average within `store` or `team`".into(),
                );
            }
        }
        for (i, streak) in self.streaks.iter().enumerate() {
            if streak.months == 0 {
                error(
                    format!("streaks[{i}].months"),
                    "months must be at least 1".into(),
                );
            }
            for grade in &streak.grades {
                if !self.grades.iter().any(|g| &g.label == grade) {
                    let known: Vec<&str> = self.grades.iter().map(|g| g.label.as_str()).collect();
                    error(
                        format!("streaks[{i}].grades"),
                        format!("unknown grade `{grade}`; grades are {}", known.join(", ")),
                    );
                }
            }
        }
        for (i, o) in self.overrides.iter().enumerate() {
            if o.months.is_empty() || o.months.iter().any(|m| !(1..=12).contains(m)) {
                error(
                    format!("overrides[{i}].months"),
                    "months are 1 to 12".into(),
                );
            }
            for (id, weight) in &o.weights {
                let known = self.items.iter().any(|x| &x.id == id)
                    || self.sections.iter().any(|x| &x.id == id);
                if !known {
                    error(
                        format!("overrides[{i}].weights"),
                        format!("`{id}` is neither an item nor a section"),
                    );
                }
                if !(weight.is_finite() && *weight > 0.0) {
                    error(
                        format!("overrides[{i}].weights"),
                        format!("weight of `{id}` must be positive"),
                    );
                }
            }
        }
        for (i, bonus) in self.bonus.iter().enumerate() {
            if self.items.iter().any(|x| x.id == bonus.id)
                || self.bonus[..i].iter().any(|x| x.id == bonus.id)
            {
                error(
                    format!("bonus[{i}].id"),
                    format!("id `{}` is used twice", bonus.id),
                );
            }
            let path = format!("bonus[{i}]");
            issues_from(
                &mut error,
                self.metric_issues(&path, &bonus.metric, &bonus.rule),
            );
            issues_from(&mut error, rule_issues(&path, &bonus.rule));
        }
        for (i, identity) in self.identities.iter().enumerate() {
            let path = format!("identities[{i}]");
            let Some(m) = find_metric(&identity.metric) else {
                error(
                    format!("{path}.metric"),
                    format!("unknown metric `{}`", identity.metric),
                );
                continue;
            };
            if identity.factors.len() < 2 {
                error(format!("{path}.factors"), "at least two factors".into());
            }
            for factor in &identity.factors {
                let ok = crate::metric::metric(m.level, factor).is_some_and(|f| {
                    matches!(
                        f.formula,
                        crate::metric::Formula::Sum(_) | crate::metric::Formula::Ratio { .. }
                    )
                });
                if !ok {
                    error(
                        format!("{path}.factors"),
                        format!(
                            "`{factor}` is not a sum or ratio metric of the same level as `{}`",
                            identity.metric
                        ),
                    );
                }
            }
        }
        let weights = [
            (
                "rollup.month_weights",
                self.rollup.month_weights.map(|w| w.to_vec()),
            ),
            (
                "rollup.quarter_weights",
                self.rollup.quarter_weights.map(|w| w.to_vec()),
            ),
        ];
        for (path, weights) in weights {
            if let Some(w) = weights
                && (w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || w.iter().all(|x| *x == 0.0))
            {
                error(path.into(), "weights must be numbers ≥ 0, not all 0".into());
            }
        }
        for (i, grade) in self.grades.iter().enumerate() {
            if let Some(Payout::Percent(p)) = grade.payout
                && p.is_sign_negative()
            {
                error(
                    format!("grades[{i}].payout"),
                    "a payout percentage cannot be negative".into(),
                );
            }
            if let Some(wage) = grade.position_wage
                && (wage.is_sign_negative() || wage.normalize().scale() > 2)
            {
                error(
                    format!("grades[{i}].position_wage"),
                    format!("{wage} is not an amount of yuan with at most 2 decimals"),
                );
            }
            let later = &self.grades[i + 1..];
            match grade.min {
                None if !later.is_empty() => error(
                    format!("grades[{i}].min"),
                    "only the last grade may have no min".into(),
                ),
                Some(min) if later.iter().any(|g| g.min.is_some_and(|m| m >= min)) => error(
                    format!("grades[{i}].min"),
                    "grades must be listed best first, with falling min".into(),
                ),
                _ => {}
            }
        }
        drop(error);
        issues
    }
}

impl Scheme {
    /// Problems with the metric (or, for an `occurrences` rule, the counts)
    /// an item or bonus item at `path` scores.
    fn metric_issues(&self, path: &str, metric: &str, rule: &Rule) -> Vec<SchemeIssue> {
        let mut issues = Vec::new();
        let check = |path: String, id: &str| {
            let message = match find_metric(id) {
                _ if id.starts_with(MANUAL_PREFIX) => None,
                _ if self.metrics.iter().any(|m| m.id == id) => None,
                _ if id.starts_with(STORE_PREFIX) => {
                    let store_id = &id[STORE_PREFIX.len()..];
                    crate::metric::metric(Level::Store, store_id)
                        .is_none()
                        .then(|| {
                            format!(
                                "unknown store metric `{store_id}`{}",
                                suggest_at(Level::Store, store_id, STORE_PREFIX)
                            )
                        })
                }
                _ if id.starts_with(ATTENDANCE_PREFIX) => {
                    let column = &id[ATTENDANCE_PREFIX.len()..];
                    (!ATTENDANCE_COLUMNS.contains(&column)).then(|| {
                        format!(
                            "unknown attendance column `{column}`; attendance metrics are {}",
                            ATTENDANCE_COLUMNS
                                .map(|c| format!("{ATTENDANCE_PREFIX}{c}"))
                                .join(", ")
                        )
                    })
                }
                Some(m) if m.level == Level::Employee => None,
                Some(_) => Some(format!(
                    "`{id}` is a store metric; write `{STORE_PREFIX}{id}` to score the employee's store"
                )),
                None => Some(format!("unknown metric `{id}`{}", suggest(id))),
            };
            message.map(|message| SchemeIssue {
                path,
                message,
                is_error: true,
            })
        };
        match rule {
            Rule::Occurrences { counts, .. } => {
                for id in counts.keys() {
                    issues.extend(check(format!("{path}.rule.counts"), id));
                }
                if !metric.is_empty() {
                    issues.push(SchemeIssue {
                        path: format!("{path}.metric"),
                        message:
                            "an occurrences rule names its metrics in rule.counts; leave out metric"
                                .into(),
                        is_error: true,
                    });
                }
            }
            _ if metric.is_empty() => issues.push(SchemeIssue {
                path: format!("{path}.metric"),
                message: "missing `metric`: the metric id this item scores".into(),
                is_error: true,
            }),
            _ => issues.extend(check(format!("{path}.metric"), metric)),
        }
        issues
    }
}

/// A sink that adds errors (path, message) to `issues`.
fn errors_into(issues: &mut Vec<SchemeIssue>) -> impl FnMut(String, String) + '_ {
    |path, message| {
        issues.push(SchemeIssue {
            path,
            message,
            is_error: true,
        })
    }
}

fn issues_from(error: &mut impl FnMut(String, String), issues: Vec<SchemeIssue>) {
    for issue in issues {
        error(issue.path, issue.message);
    }
}

/// Problems inside a rule at `path` (an item or bonus item).
fn rule_issues(path: &str, rule: &Rule) -> Vec<SchemeIssue> {
    let mut issues = Vec::new();
    let mut error = errors_into(&mut issues);
    match rule {
        Rule::Bands { bands, .. } => {
            if bands.is_empty() {
                error(format!("{path}.rule.bands"), "no bands".into());
            }
            for (j, band) in bands.iter().enumerate() {
                if let (Some(min), Some(max)) = (band.min, band.max)
                    && min >= max
                {
                    error(
                        format!("{path}.rule.bands[{j}]"),
                        format!("min {} is not below max {}", fmt_num(min), fmt_num(max)),
                    );
                }
            }
        }
        Rule::PerUnit {
            unit, floor, cap, ..
        }
        | Rule::Linear {
            unit, floor, cap, ..
        } => {
            if !(unit.is_finite() && *unit > 0.0) {
                error(format!("{path}.rule.unit"), "unit must be positive".into());
            }
            if let (Some(floor), Some(cap)) = (floor, cap)
                && floor > cap
            {
                error(format!("{path}.rule.floor"), "floor is above cap".into());
            }
        }
        Rule::Occurrences {
            counts, floor, cap, ..
        } => {
            if counts.is_empty() {
                error(format!("{path}.rule.counts"), "no counts".into());
            }
            if let (Some(floor), Some(cap)) = (floor, cap)
                && floor > cap
            {
                error(format!("{path}.rule.floor"), "floor is above cap".into());
            }
        }
        Rule::Scale { from, .. } => {
            if from[0].partial_cmp(&from[1]) != Some(std::cmp::Ordering::Less) {
                error(
                    format!("{path}.rule.from"),
                    "the scale must run from low to high".into(),
                );
            }
        }
        Rule::Rank { points, .. } => {
            if points.is_empty() {
                error(
                    format!("{path}.rule.points"),
                    "no points for any place".into(),
                );
            }
        }
    }
    drop(error);
    issues
}

/// Overlaps and gaps between bands, read in order of their lower edge.
fn band_issues(path: &str, bands: &[Band]) -> Vec<SchemeIssue> {
    let mut issues = Vec::new();
    let mut order: Vec<usize> = (0..bands.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| bands[i].min.unwrap_or(f64::NEG_INFINITY);
        key(a).total_cmp(&key(b)).then(a.cmp(&b))
    });
    let range = |b: &Band| {
        format!(
            "{}–{}",
            b.min.map_or("−∞".to_string(), fmt_num),
            b.max.map_or("+∞".to_string(), fmt_num)
        )
    };
    for pair in order.windows(2) {
        let (i, j) = (pair[0], pair[1]);
        let (lower, upper) = (&bands[i], &bands[j]);
        let upper_min = upper.min.unwrap_or(f64::NEG_INFINITY);
        let lower_max = lower.max.unwrap_or(f64::INFINITY);
        if lower_max > upper_min {
            issues.push(SchemeIssue {
                path: format!("{path}[{j}]"),
                message: format!(
                    "bands[{i}] ({}) and bands[{j}] ({}) overlap: a value in both is ambiguous",
                    range(lower),
                    range(upper)
                ),
                is_error: true,
            });
        } else if lower_max < upper_min {
            issues.push(SchemeIssue {
                path: format!("{path}[{j}]"),
                message: format!(
                    "gap between bands[{i}] ({}) and bands[{j}] ({}): values from {} to {} are in no band",
                    range(lower),
                    range(upper),
                    fmt_num(lower_max),
                    fmt_num(upper_min)
                ),
                is_error: true,
            });
        }
    }
    if let (Some(&first), Some(&last)) = (order.first(), order.last()) {
        if let Some(min) = bands[first].min {
            issues.push(SchemeIssue {
                path: format!("{path}[{first}]"),
                message: format!("no band below {}: lower values score 0", fmt_num(min)),
                is_error: false,
            });
        }
        if let Some(max) = bands[last].max {
            issues.push(SchemeIssue {
                path: format!("{path}[{last}]"),
                message: format!("no band above {}: higher values score 0", fmt_num(max)),
                is_error: false,
            });
        }
    }
    issues
}

fn suggest(unknown: &str) -> String {
    match find_metric(unknown) {
        Some(m) if m.level == Level::Store => String::new(),
        _ => suggest_at(Level::Employee, unknown, ""),
    }
}

fn suggest_at(level: Level, unknown: &str, prefix: &str) -> String {
    let best = crate::metric::catalogue()
        .iter()
        .filter(|m| m.level == level)
        .map(|m| (edit_distance(unknown, m.id), m.id))
        .min();
    match best {
        Some((d, id)) if d <= 3.max(unknown.len() / 3) => {
            format!(" (did you mean `{prefix}{id}`?)")
        }
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
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
    use rstest::rstest;

    fn conversion_bands() -> Rule {
        let band = |min: Option<f64>, max: Option<f64>, points: f64| Band { min, max, points };
        Rule::Bands {
            direction: Direction::Higher,
            bands: vec![
                band(Some(0.5), None, 100.0),
                band(Some(0.3), Some(0.5), 90.0),
                band(Some(0.2), Some(0.3), 80.0),
                band(None, Some(0.2), 0.0),
            ],
        }
    }

    #[rstest]
    #[case(0.5, 100.0)]
    #[case(0.499_999, 90.0)]
    #[case(0.3, 90.0)]
    #[case(0.299_999, 80.0)]
    #[case(0.2, 80.0)]
    #[case(0.199_999, 0.0)]
    #[case(0.0, 0.0)]
    #[case(1.0, 100.0)]
    fn higher_bands_give_edges_to_the_better_band(#[case] value: f64, #[case] points: f64) {
        assert_eq!(conversion_bands().apply(value).points, points);
    }

    #[rstest]
    #[case(250.0, -5.0)]
    #[case(200.0, -3.0)]
    #[case(100.0, -1.0)]
    #[case(50.0, 0.0)]
    #[case(1.0, 0.0)]
    fn lower_bands_give_edges_to_the_better_band(#[case] value: f64, #[case] points: f64) {
        let rule = Rule::Bands {
            direction: Direction::Lower,
            bands: vec![
                Band {
                    min: Some(200.0),
                    max: None,
                    points: -5.0,
                },
                Band {
                    min: Some(100.0),
                    max: Some(200.0),
                    points: -3.0,
                },
                Band {
                    min: Some(50.0),
                    max: Some(100.0),
                    points: -1.0,
                },
                Band {
                    min: None,
                    max: Some(50.0),
                    points: 0.0,
                },
            ],
        };
        assert_eq!(rule.apply(value).points, points);
    }

    fn response_deduction(count: UnitCount) -> Rule {
        Rule::PerUnit {
            start: 100.0,
            threshold: 32.0,
            points_per_unit: -2.0,
            unit: 1.0,
            past: Past::Above,
            count,
            floor: Some(0.0),
            cap: Some(100.0),
        }
    }

    #[rstest]
    #[case(10.0, 100.0)]
    #[case(32.0, 100.0)]
    #[case(33.0, 98.0)]
    #[case(40.5, 83.0)]
    #[case(82.0, 0.0)]
    #[case(500.0, 0.0)]
    fn per_unit_deduction_within_floor_and_cap(#[case] seconds: f64, #[case] points: f64) {
        assert_eq!(
            response_deduction(UnitCount::Continuous)
                .apply(seconds)
                .points,
            points
        );
    }

    fn linear(floor: Option<f64>, cap: Option<f64>) -> Rule {
        // Seed 002: 咨询转化率 34% is the baseline, ±5 points per percentage point.
        Rule::Linear {
            pivot: 0.34,
            base: 100.0,
            points_per_unit: 5.0,
            unit: 0.01,
            floor,
            cap,
        }
    }

    #[rstest]
    #[case(0.34, 100.0)]
    #[case(0.36, 110.0)]
    #[case(0.30, 80.0)]
    #[case(0.0, -70.0)]
    fn linear_around_a_baseline(#[case] value: f64, #[case] points: f64) {
        let got = linear(None, None).apply(value).points;
        assert!((got - points).abs() < 1e-9, "{value}: {got}");
    }

    #[test]
    fn linear_within_floor_and_cap_and_as_target_ratio() {
        assert_eq!(linear(Some(90.0), Some(105.0)).apply(0.40).points, 105.0);
        assert_eq!(linear(Some(90.0), Some(105.0)).apply(0.20).points, 90.0);
        // Seed 000 第11条: actual / target, floored at 50% and capped at 150%.
        let ratio = Rule::Linear {
            pivot: 0.0,
            base: 0.0,
            points_per_unit: 100.0,
            unit: 1.0,
            floor: Some(50.0),
            cap: Some(150.0),
        };
        assert_eq!(ratio.apply(0.3).points, 50.0);
        assert_eq!(ratio.apply(0.8).points, 80.0);
        assert_eq!(ratio.apply(2.0).points, 150.0);
        assert_eq!(
            ratio.apply(2.0).rule,
            "0 + 100 × 2 = 200, kept within limits → 150"
        );
    }

    #[test]
    fn whole_units_ignore_the_partial_unit() {
        assert_eq!(
            response_deduction(UnitCount::Whole).apply(40.5).points,
            84.0
        );
    }

    #[test]
    fn no_floor_means_no_lower_limit() {
        let rule = Rule::PerUnit {
            start: 100.0,
            threshold: 32.0,
            points_per_unit: -2.0,
            unit: 1.0,
            past: Past::Above,
            count: UnitCount::Continuous,
            floor: None,
            cap: None,
        };
        assert_eq!(rule.apply(132.0).points, -100.0);
    }

    #[test]
    fn the_seed_designer_table_is_an_overlap_naming_both_rows() {
        // Seed 000 designer pay: 80+ full, 70–80 60%, 60–70 40%, and 60–70 listed again.
        let band = |min: f64, max: Option<f64>, points: f64| Band {
            min: Some(min),
            max,
            points,
        };
        let bands = [
            band(80.0, None, 100.0),
            band(70.0, Some(80.0), 60.0),
            band(60.0, Some(70.0), 40.0),
            band(60.0, Some(70.0), 0.0),
        ];
        let issues = band_issues("items[0].rule.bands", &bands);
        let errors: Vec<String> = issues
            .iter()
            .filter(|i| i.is_error)
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect();
        assert_eq!(
            errors,
            [
                "items[0].rule.bands[3]: bands[2] (60–70) and bands[3] (60–70) overlap: a value in both is ambiguous"
            ]
        );
        assert!(
            issues
                .iter()
                .any(|i| !i.is_error && i.message == "no band below 60: lower values score 0")
        );
    }

    #[test]
    fn gaps_between_bands_are_errors() {
        let bands = [
            Band {
                min: Some(0.5),
                max: None,
                points: 100.0,
            },
            Band {
                min: Some(0.2),
                max: Some(0.3),
                points: 80.0,
            },
            Band {
                min: None,
                max: Some(0.2),
                points: 0.0,
            },
        ];
        let issues = band_issues("b", &bands);
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues[0].message,
            "gap between bands[1] (0.2–0.3) and bands[0] (0.5–+∞): values from 0.3 to 0.5 are in no band"
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("inquiry_convresion", "inquiry_conversion"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert!(suggest("inquiry_convresion").contains("inquiry_conversion"));
    }

    #[test]
    fn fmt_num_drops_float_noise() {
        assert_eq!(fmt_num(0.30000000000000004), "0.3");
        assert_eq!(fmt_num(100.0), "100");
        assert_eq!(fmt_num(-0.0), "0");
    }

    fn occurrences(floor: Option<f64>) -> Rule {
        // Seed 002 淘宝绩效考核表(员工): each violation −1, each bad review −2.
        Rule::Occurrences {
            start: 100.0,
            counts: [
                ("bad_reviews".to_string(), -2.0),
                ("violations".to_string(), -1.0),
            ]
            .into_iter()
            .collect(),
            floor,
            cap: Some(100.0),
        }
    }

    #[rstest]
    #[case(0.0, 0.0, 100.0)]
    #[case(0.0, 1.0, 99.0)]
    #[case(1.0, 0.0, 98.0)]
    #[case(1.0, 3.0, 95.0)]
    #[case(50.0, 0.0, 0.0)]
    #[case(50.0, 1.0, 0.0)]
    #[case(49.0, 2.0, 0.0)]
    #[case(49.0, 1.0, 1.0)]
    fn occurrences_deduct_until_the_item_is_zero(
        #[case] bad_reviews: f64,
        #[case] violations: f64,
        #[case] points: f64,
    ) {
        let counts = [("bad_reviews", bad_reviews), ("violations", violations)];
        assert_eq!(
            occurrences(Some(0.0)).apply_counts(0.0, &counts).points,
            points
        );
    }

    #[test]
    fn occurrences_without_a_floor_go_below_zero_and_say_how() {
        let applied =
            occurrences(None).apply_counts(0.0, &[("bad_reviews", 51.0), ("violations", 3.0)]);
        assert_eq!(applied.points, -5.0);
        assert_eq!(
            applied.rule,
            "100 − 2 × 51 bad_reviews − 1 × 3 violations = -5"
        );
    }

    // Seed 000 电商部员工绩效考核指标: ≥95% rewarded, 75–95% neutral, below 65%
    // penalised; 65–75% is neither, so it is neutral.
    #[rstest]
    #[case(1.2, 5.0)]
    #[case(0.95, 5.0)]
    #[case(0.949_999, 0.0)]
    #[case(0.75, 0.0)]
    #[case(0.65, 0.0)]
    #[case(0.649_999, -5.0)]
    #[case(0.0, -5.0)]
    fn task_completion_bands_reward_and_penalise(#[case] completion: f64, #[case] points: f64) {
        let band = |min: Option<f64>, max: Option<f64>, points: f64| Band { min, max, points };
        let rule = Rule::Bands {
            direction: Direction::Higher,
            bands: vec![
                band(Some(0.95), None, 5.0),
                band(Some(0.65), Some(0.95), 0.0),
                band(None, Some(0.65), -5.0),
            ],
        };
        assert_eq!(rule.apply(completion).points, points);
    }

    #[test]
    fn weekly_ranks_add_up_their_weeks() {
        let rule = Rule::Rank {
            within: RankGroup::Store,
            direction: Direction::Higher,
            points: vec![3.0, 2.0, 1.0],
            every: RankEvery::Week,
        };
        let week = |w: &str, place: usize| Placing {
            week: Some(w.to_string()),
            rank: Rank { place, of: 4 },
        };
        let placings = [
            week("2025-03-03", 1),
            week("2025-03-10", 4),
            week("2025-03-17", 2),
            week("2025-03-24", 1),
        ];
        let applied = rule.apply_ranked(0.0, Some(&placings));
        assert_eq!(applied.points, 8.0);
        assert!(
            applied
                .rule
                .contains("week of 2025-03-10: place 4 of 4 in the store → 0"),
            "{}",
            applied.rule
        );
        assert!(applied.rule.ends_with("sum 8"), "{}", applied.rule);
        let period = [Placing {
            week: None,
            rank: Rank { place: 2, of: 5 },
        }];
        assert_eq!(
            rule.apply_ranked(0.0, Some(&period)).rule,
            "place 2 of 5 in the store → 2"
        );
    }

    #[rstest]
    #[case(104.5, "A+", "104.50")]
    #[case(100.0, "A+", "100.00")]
    #[case(99.99, "A", "100")]
    #[case(90.0, "A", "100")]
    #[case(89.99, "B", "89.99")]
    #[case(60.01, "B", "60.01")]
    #[case(60.0, "C", "0")]
    #[case(12.0, "C", "0")]
    fn a_plus_to_c_pay_their_percentages(
        #[case] total: f64,
        #[case] label: &str,
        #[case] pct: &str,
    ) {
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
        assert_eq!(g.label, label);
        assert_eq!(g.payout_pct(total).unwrap().to_string(), pct);
    }
}
