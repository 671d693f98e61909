//! What a rule did to a value, as values: the steps of an item's score, and
//! one renderer per language that `kpi explain`, the `score_details` export
//! and the workbook all use. The Chinese text is written from the steps,
//! never translated from the English.

use super::RankGroup;
use crate::format::fmt_num;
use crate::metric::Direction;

/// The language of rendered text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    /// English (the exports' language).
    #[default]
    En,
    /// Chinese.
    Zh,
}

/// The steps of how an item got its points: mostly one, held inline.
pub type Steps = smallvec::SmallVec<[Step; 1]>;

/// One step of how an item got its points.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A band matched: its edges as the direction reads them, and its points.
    Band {
        /// Higher- or lower-is-better: which edge is inclusive.
        direction: Direction,
        /// Lower edge; none for no lower limit.
        min: Option<f64>,
        /// Upper edge; none for no upper limit.
        max: Option<f64>,
        /// The band's points.
        points: f64,
    },
    /// No band covers the value: 0.
    NoBand,
    /// `start ± points per unit × units = raw` (a `per_unit` rule).
    PerUnit {
        /// Points at the threshold.
        start: f64,
        /// Points per unit past the threshold (signed).
        points_per_unit: f64,
        /// Units past the threshold.
        units: f64,
        /// The result before limits.
        raw: f64,
    },
    /// `base ± points per unit × |units| = raw` (a `linear` rule; the sign
    /// is the side of the pivot).
    Linear {
        /// Points at the pivot.
        base: f64,
        /// Points per unit.
        points_per_unit: f64,
        /// Units from the pivot (signed).
        units: f64,
        /// The result before limits.
        raw: f64,
    },
    /// A value mapped linearly from one range onto another.
    Scale {
        /// The value range.
        from: [f64; 2],
        /// The points range.
        to: [f64; 2],
        /// The points.
        points: f64,
    },
    /// `start ± points × count metric … = raw` (an `occurrences` rule).
    Occurrences {
        /// The starting points.
        start: f64,
        /// Each counted metric.
        counts: Vec<Occurrence>,
        /// The result before limits.
        raw: f64,
    },
    /// `start + (value) = raw`: an `occurrences` rule on a summed value.
    OccurrenceSum {
        /// The starting points.
        start: f64,
        /// The value added.
        value: f64,
        /// The result before limits.
        raw: f64,
    },
    /// Places in a group: one for a period rank, one per week for a weekly
    /// rank (none: not ranked in any week), and their points' sum.
    Placed {
        /// The group ranked within.
        group: RankGroup,
        /// The places.
        places: Vec<Place>,
        /// The sum of their points.
        total: f64,
    },
    /// A rank rule without a place: 0.
    NotRanked,
    /// The points after the rule's floor and cap.
    KeptWithin {
        /// The points.
        points: f64,
    },
    /// A bonus item's points cut to its cap.
    CappedAt {
        /// The cap.
        cap: f64,
    },
    /// The metric is missing; what the scheme does then.
    Missing(MissingOutcome),
    /// The item's section does not score this role.
    NotForRole {
        /// The employee's role.
        role: String,
    },
    /// A quarter's or year's points: the (weighted) mean over its months.
    RolledUp {
        /// Whether the months are weighted.
        weighted: bool,
        /// How many months were scored.
        months: usize,
    },
}

/// One counted metric of an `occurrences` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// The metric id.
    pub metric: String,
    /// Points per occurrence (signed).
    pub points_each: f64,
    /// The count.
    pub count: f64,
}

/// One place in a rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Monday of the ranked week; none for a period rank.
    pub week: Option<String>,
    /// The place (1 is best).
    pub place: usize,
    /// How many were ranked.
    pub of: usize,
    /// The points of the place.
    pub points: f64,
}

/// What a missing metric scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingOutcome {
    /// Scored 0.
    Zero,
    /// Not scored; its weight goes to the other items.
    Skipped,
    /// A bonus item adds nothing.
    NoBonus,
}

/// The steps in words: each step renders with its own separator.
///
/// ```
/// use kpi_core::{Direction, Lang, Step, render_steps};
///
/// let steps = [
///     Step::PerUnit { start: 100.0, points_per_unit: -2.0, units: 60.0, raw: -20.0 },
///     Step::KeptWithin { points: 0.0 },
/// ];
/// assert_eq!(render_steps(&steps, Lang::En), "100 − 2 × 60 = -20, kept within limits → 0");
/// assert_eq!(render_steps(&steps, Lang::Zh), "100 − 2 × 60 = -20,按上下限取 0");
/// let band = [Step::Band { direction: Direction::Higher, min: Some(0.6), max: Some(0.8), points: 80.0 }];
/// assert_eq!(render_steps(&band, Lang::Zh), "区间 ≥0.6 且 <0.8 → 80");
/// ```
pub fn render_steps(steps: &[Step], lang: Lang) -> String {
    steps.iter().map(|s| render(s, lang)).collect()
}

/// `−` for negative, `+` otherwise.
fn sign(x: f64) -> &'static str {
    if x < 0.0 { "−" } else { "+" }
}

fn group_words(group: RankGroup, lang: Lang) -> &'static str {
    match (group, lang) {
        (RankGroup::Store, Lang::En) => "store",
        (RankGroup::Team, Lang::En) => "team",
        (RankGroup::Role, Lang::En) => "role",
        (RankGroup::Store, Lang::Zh) => "店内",
        (RankGroup::Team, Lang::Zh) => "组内",
        (RankGroup::Role, Lang::Zh) => "同岗位",
    }
}

fn place_text(place: &Place, group: RankGroup, lang: Lang) -> String {
    let (p, of, points) = (place.place, place.of, fmt_num(place.points));
    let group = group_words(group, lang);
    match (lang, &place.week) {
        (Lang::En, None) => format!("place {p} of {of} in the {group} → {points}"),
        (Lang::En, Some(w)) => format!("week of {w}: place {p} of {of} in the {group} → {points}"),
        (Lang::Zh, None) => format!("{group}第 {p} 名(共 {of} 人) → {points}"),
        (Lang::Zh, Some(w)) => format!("{w} 当周: {group}第 {p} 名(共 {of} 人) → {points}"),
    }
}

fn render(step: &Step, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match step {
        Step::Band {
            direction,
            min,
            max,
            points,
        } => {
            let (lo, hi) = match direction {
                Direction::Higher => ("≥", "<"),
                Direction::Lower => (">", "≤"),
            };
            let edges = match (min, max) {
                (Some(min), Some(max)) => format!(
                    "{lo}{} {} {hi}{}",
                    fmt_num(*min),
                    if zh { "且" } else { "and" },
                    fmt_num(*max)
                ),
                (Some(min), None) => format!("{lo}{}", fmt_num(*min)),
                (None, Some(max)) => format!("{hi}{}", fmt_num(*max)),
                (None, None) => if zh { "任意值" } else { "any value" }.to_string(),
            };
            let band = if zh { "区间" } else { "band" };
            format!("{band} {edges} → {}", fmt_num(*points))
        }
        Step::NoBand if zh => "不在任何区间 → 0".into(),
        Step::NoBand => "no band covers the value → 0".into(),
        Step::PerUnit {
            start,
            points_per_unit,
            units,
            raw,
        } => format!(
            "{} {} {} × {} = {}",
            fmt_num(*start),
            sign(*points_per_unit),
            fmt_num(points_per_unit.abs()),
            fmt_num(*units),
            fmt_num(*raw)
        ),
        Step::Linear {
            base,
            points_per_unit,
            units,
            raw,
        } => format!(
            "{} {} {} × {} = {}",
            fmt_num(*base),
            sign(*units),
            fmt_num(*points_per_unit),
            fmt_num(units.abs()),
            fmt_num(*raw)
        ),
        Step::Scale { from, to, points } => format!(
            "{} {}–{} → {}–{}: {}",
            if zh { "量表" } else { "scale" },
            fmt_num(from[0]),
            fmt_num(from[1]),
            fmt_num(to[0]),
            fmt_num(to[1]),
            fmt_num(*points)
        ),
        Step::Occurrences { start, counts, raw } => {
            let mut text = fmt_num(*start);
            for c in counts {
                text.push_str(&format!(
                    " {} {} × {} {}",
                    sign(c.points_each),
                    fmt_num(c.points_each.abs()),
                    fmt_num(c.count),
                    c.metric
                ));
            }
            text.push_str(&format!(" = {}", fmt_num(*raw)));
            text
        }
        Step::OccurrenceSum { start, value, raw } => format!(
            "{} + ({}) = {}",
            fmt_num(*start),
            fmt_num(*value),
            fmt_num(*raw)
        ),
        Step::Placed {
            group,
            places,
            total,
        } => match places.as_slice() {
            [one] if one.week.is_none() => place_text(one, *group, lang),
            [] if zh => "各周均未排名 → 0".into(),
            [] => "not ranked in any week → 0".into(),
            _ => {
                let parts: Vec<String> =
                    places.iter().map(|p| place_text(p, *group, lang)).collect();
                let sum = if zh { ";合计" } else { "; sum" };
                format!("{}{sum} {}", parts.join("; "), fmt_num(*total))
            }
        },
        Step::NotRanked if zh => "未排名 → 0".into(),
        Step::NotRanked => "not ranked → 0".into(),
        Step::KeptWithin { points } if zh => format!(",按上下限取 {}", fmt_num(*points)),
        Step::KeptWithin { points } => format!(", kept within limits → {}", fmt_num(*points)),
        Step::CappedAt { cap } if zh => format!(",封顶 {}", fmt_num(*cap)),
        Step::CappedAt { cap } => format!(", capped at {}", fmt_num(*cap)),
        Step::Missing(outcome) => match (outcome, lang) {
            (MissingOutcome::Zero, Lang::En) => "missing → 0",
            (MissingOutcome::Skipped, Lang::En) => "missing → not scored, weight redistributed",
            (MissingOutcome::NoBonus, Lang::En) => "missing → no bonus",
            (MissingOutcome::Zero, Lang::Zh) => "缺失 → 0",
            (MissingOutcome::Skipped, Lang::Zh) => "缺失 → 不计分,权重分给其他项",
            (MissingOutcome::NoBonus, Lang::Zh) => "缺失 → 不加分",
        }
        .into(),
        Step::NotForRole { role } if zh => format!("不考核该岗位 {role}"),
        Step::NotForRole { role } => format!("not scored for role {role}"),
        Step::RolledUp { weighted, months } => match (lang, weighted) {
            (Lang::En, true) => format!("weighted mean of {months} month(s)"),
            (Lang::En, false) => format!("mean of {months} month(s)"),
            (Lang::Zh, true) => format!("加权平均 {months} 个月"),
            (Lang::Zh, false) => format!("平均 {months} 个月"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(w: &str, place: usize, points: f64) -> Place {
        Place {
            week: Some(w.into()),
            place,
            of: 4,
            points,
        }
    }

    #[test]
    fn weekly_places_in_both_languages() {
        let step = Step::Placed {
            group: RankGroup::Team,
            places: vec![week("2025-06-02", 1, 3.0), week("2025-06-09", 2, 2.0)],
            total: 5.0,
        };
        assert_eq!(
            render_steps(std::slice::from_ref(&step), Lang::En),
            "week of 2025-06-02: place 1 of 4 in the team → 3; week of 2025-06-09: place 2 of 4 in the team → 2; sum 5"
        );
        assert_eq!(
            render_steps(&[step], Lang::Zh),
            "2025-06-02 当周: 组内第 1 名(共 4 人) → 3; 2025-06-09 当周: 组内第 2 名(共 4 人) → 2;合计 5"
        );
    }

    #[test]
    fn weekly_places_capped_in_chinese() {
        let store_week = |w: &str, place: usize, points: f64| Place {
            week: Some(w.into()),
            place,
            of: 4,
            points,
        };
        let steps = [
            Step::Placed {
                group: RankGroup::Store,
                places: vec![
                    store_week("2025-03-03", 1, 3.0),
                    store_week("2025-03-10", 4, 0.0),
                ],
                total: 3.0,
            },
            Step::CappedAt { cap: 2.0 },
        ];
        assert_eq!(
            render_steps(&steps, Lang::Zh),
            "2025-03-03 当周: 店内第 1 名(共 4 人) → 3; 2025-03-10 当周: 店内第 4 名(共 4 人) → 0;合计 3,封顶 2"
        );
        let single = [Step::Placed {
            group: RankGroup::Team,
            places: vec![Place {
                week: None,
                place: 2,
                of: 5,
                points: 2.0,
            }],
            total: 2.0,
        }];
        assert_eq!(render_steps(&single, Lang::Zh), "组内第 2 名(共 5 人) → 2");
        assert_eq!(
            render_steps(&single, Lang::En),
            "place 2 of 5 in the team → 2"
        );
    }

    #[test]
    fn outcomes_without_a_rule() {
        let missing = [Step::Missing(MissingOutcome::Skipped)];
        assert_eq!(
            render_steps(&missing, Lang::Zh),
            "缺失 → 不计分,权重分给其他项"
        );
        let capped = [
            Step::PerUnit {
                start: 0.0,
                points_per_unit: 1.0,
                units: 16.0,
                raw: 16.0,
            },
            Step::CappedAt { cap: 5.0 },
        ];
        assert_eq!(
            render_steps(&capped, Lang::En),
            "0 + 1 × 16 = 16, capped at 5"
        );
        assert_eq!(render_steps(&capped, Lang::Zh), "0 + 1 × 16 = 16,封顶 5");
        let rolled = [Step::RolledUp {
            weighted: true,
            months: 3,
        }];
        assert_eq!(render_steps(&rolled, Lang::Zh), "加权平均 3 个月");
    }
}
