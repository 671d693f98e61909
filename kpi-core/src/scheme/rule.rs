//! Applying a rule: one function per rule kind of a scheme file, each
//! turning a metric value into points and the steps that explain them:
//! [`bands`], [`linear`], [`per_unit`], [`scale`], [`rank`] and
//! [`occurrences`]. [`Rule::apply`] picks the function of a rule's kind.

use super::step::{Lang, Occurrence, Place, Step, Steps, render_steps};
use super::{Band, Past, Placing, Rank, RankEvery, RankGroup, Rule, UnitCount};
use crate::metric::Direction;

/// How a rule turned a value into points, for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The points.
    pub points: f64,
    /// What the rule did (`band ≥0.5 → 100`, `100 − 2 × (40 − 32) = 84`).
    pub steps: Steps,
}

impl Applied {
    /// The rule in words.
    pub fn text(&self, lang: Lang) -> String {
        render_steps(&self.steps, lang)
    }

    fn one(points: f64, step: Step) -> Applied {
        Applied {
            points,
            steps: smallvec::smallvec![step],
        }
    }
}

impl Rule {
    /// Whether the rule is a rank taken every week (from the daily rows).
    pub fn ranks_weekly(&self) -> bool {
        matches!(
            self,
            Rule::Rank {
                every: RankEvery::Week,
                ..
            }
        )
    }

    /// Scores a present value; a rank rule also needs the employee's
    /// placings (one per period, or one per ranked week).
    pub fn apply_ranked(&self, value: f64, placings: Option<&[Placing]>) -> Applied {
        match (self, placings) {
            (Rule::Rank { within, points, .. }, Some(placings)) => rank(*within, points, placings),
            _ => self.apply(value),
        }
    }

    /// Scores an `occurrences` rule from its counts (metric id, count), in
    /// the rule's order; other rules score `value`.
    pub fn apply_counts(&self, value: f64, counts: &[(&str, f64)]) -> Applied {
        match self {
            Rule::Occurrences {
                start,
                counts: each,
                floor,
                cap,
            } => {
                let counted: Vec<(&str, f64, f64)> = counts
                    .iter()
                    .zip(each.values())
                    .map(|((id, count), per)| (*id, *per, *count))
                    .collect();
                occurrences(*start, &counted, *floor, *cap)
            }
            _ => self.apply(value),
        }
    }

    /// Scores a present value (a rank rule without a place scores 0; an
    /// `occurrences` rule here scores a value already summed).
    pub fn apply(&self, value: f64) -> Applied {
        match self {
            Rule::Bands {
                direction,
                bands: b,
            } => bands(*direction, b, value),
            Rule::Linear {
                pivot,
                base,
                points_per_unit,
                unit,
                floor,
                cap,
            } => linear(value, *pivot, *base, *points_per_unit, *unit, *floor, *cap),
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
                let per = PerUnit {
                    start: *start,
                    threshold: *threshold,
                    points_per_unit: *points_per_unit,
                    unit: *unit,
                    past: *past,
                    count: *count,
                };
                per_unit(value, &per, *floor, *cap)
            }
            Rule::Scale { from, to } => scale(value, *from, *to),
            Rule::Rank { .. } => Applied::one(0.0, Step::NotRanked),
            Rule::Occurrences {
                start, floor, cap, ..
            } => {
                let raw = start + value;
                let step = Step::OccurrenceSum {
                    start: *start,
                    value,
                    raw,
                };
                within_limits(raw, *floor, *cap, step)
            }
        }
    }
}

/// A `bands` rule: the points of the band the value falls in, 0 when no
/// band covers it. A value on an edge belongs to the better band.
///
/// ```
/// use kpi_core::{Band, Direction, Step, rule};
/// let table = [
///     Band { min: Some(0.5), max: None, points: 100.0 },
///     Band { min: Some(0.3), max: Some(0.5), points: 90.0 },
/// ];
/// let applied = rule::bands(Direction::Higher, &table, 0.5);
/// assert_eq!(applied.points, 100.0);
/// assert_eq!(rule::bands(Direction::Higher, &table, 0.499).points, 90.0);
/// assert_eq!(rule::bands(Direction::Higher, &table, 0.1).steps[..], [Step::NoBand]);
/// ```
pub fn bands(direction: Direction, bands: &[Band], value: f64) -> Applied {
    match bands.iter().find(|b| b.contains(value, direction)) {
        Some(band) => Applied::one(
            band.points,
            Step::Band {
                direction,
                min: band.min,
                max: band.max,
                points: band.points,
            },
        ),
        None => Applied::one(0.0, Step::NoBand),
    }
}

/// A `linear` rule: `base + points_per_unit × (value − pivot) / unit`,
/// kept within `floor` and `cap`.
///
/// ```
/// use kpi_core::rule;
/// // +1 per percentage point above 34%, at most 5.
/// let applied = rule::linear(0.37, 0.34, 0.0, 1.0, 0.01, Some(0.0), Some(5.0));
/// assert!((applied.points - 3.0).abs() < 1e-9);
/// assert_eq!(rule::linear(0.50, 0.34, 0.0, 1.0, 0.01, Some(0.0), Some(5.0)).points, 5.0);
/// assert_eq!(rule::linear(0.20, 0.34, 0.0, 1.0, 0.01, Some(0.0), Some(5.0)).points, 0.0);
/// ```
pub fn linear(
    value: f64,
    pivot: f64,
    base: f64,
    points_per_unit: f64,
    unit: f64,
    floor: Option<f64>,
    cap: Option<f64>,
) -> Applied {
    let units = (value - pivot) / unit;
    let raw = base + points_per_unit * units;
    let step = Step::Linear {
        base,
        points_per_unit,
        units,
        raw,
    };
    within_limits(raw, floor, cap, step)
}

/// The slope of a [`per_unit`] rule: points at the threshold and per unit
/// past it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerUnit {
    /// Points at (or before) the threshold.
    pub start: f64,
    /// Where counting starts.
    pub threshold: f64,
    /// Points per unit past the threshold (negative for a deduction).
    pub points_per_unit: f64,
    /// The size of one unit.
    pub unit: f64,
    /// Which side of the threshold counts.
    pub past: Past,
    /// Whole units only, or fractions too.
    pub count: UnitCount,
}

/// A `per_unit` rule: `start + points_per_unit × units past the
/// threshold`, kept within `floor` and `cap`.
///
/// ```
/// use kpi_core::{Past, UnitCount, rule};
/// // 100 points, 2 off per second of response time above 32 s.
/// let slope = rule::PerUnit {
///     start: 100.0, threshold: 32.0, points_per_unit: -2.0, unit: 1.0,
///     past: Past::Above, count: UnitCount::Continuous,
/// };
/// assert_eq!(rule::per_unit(40.0, &slope, Some(0.0), Some(100.0)).points, 84.0);
/// assert_eq!(rule::per_unit(30.0, &slope, Some(0.0), Some(100.0)).points, 100.0);
/// assert_eq!(rule::per_unit(92.0, &slope, Some(0.0), Some(100.0)).points, 0.0);
/// ```
pub fn per_unit(value: f64, slope: &PerUnit, floor: Option<f64>, cap: Option<f64>) -> Applied {
    let distance = match slope.past {
        Past::Above => value - slope.threshold,
        Past::Below => slope.threshold - value,
    };
    let mut units = (distance / slope.unit).max(0.0);
    if slope.count == UnitCount::Whole {
        units = units.floor();
    }
    let raw = slope.start + slope.points_per_unit * units;
    let step = Step::PerUnit {
        start: slope.start,
        points_per_unit: slope.points_per_unit,
        units,
        raw,
    };
    within_limits(raw, floor, cap, step)
}

/// A `scale` rule: the value's place in `from`, mapped onto `to` (values
/// outside `from` take its nearer end).
///
/// ```
/// use kpi_core::rule;
/// // A 1–7 rating onto 0–100 points.
/// assert_eq!(rule::scale(4.0, [1.0, 7.0], [0.0, 100.0]).points, 50.0);
/// assert_eq!(rule::scale(9.0, [1.0, 7.0], [0.0, 100.0]).points, 100.0);
/// ```
pub fn scale(value: f64, from: [f64; 2], to: [f64; 2]) -> Applied {
    let share = ((value - from[0]) / (from[1] - from[0])).clamp(0.0, 1.0);
    let points = to[0] + share * (to[1] - to[0]);
    Applied::one(points, Step::Scale { from, to, points })
}

/// A `rank` rule: the points of each place (first, second, …; none past
/// the list), summed over the placings (one per period or per week).
///
/// ```
/// use kpi_core::{Placing, Rank, RankGroup, rule};
/// let week = |w: &str, place| Placing { week: Some(w.into()), rank: Rank { place, of: 3 } };
/// let placings = [week("2025-01-06", 1), week("2025-01-13", 3), week("2025-01-20", 2)];
/// let applied = rule::rank(RankGroup::Store, &[3.0, 2.0, 1.0], &placings);
/// assert_eq!(applied.points, 6.0);
/// ```
pub fn rank(within: RankGroup, points: &[f64], placings: &[Placing]) -> Applied {
    let points_at = |rank: &Rank| points.get(rank.place - 1).copied().unwrap_or(0.0);
    let places: Vec<Place> = placings
        .iter()
        .map(|p| Place {
            week: p.week.clone(),
            place: p.rank.place,
            of: p.rank.of,
            points: points_at(&p.rank),
        })
        .collect();
    let total: f64 = places.iter().map(|p| p.points).sum();
    Applied::one(
        total,
        Step::Placed {
            group: within,
            places,
            total,
        },
    )
}

/// An `occurrences` rule: `start + Σ points each × count` over the counted
/// metrics (metric id, points each, count), kept within `floor` and `cap`.
///
/// ```
/// use kpi_core::rule;
/// // 100 points, 5 off per late arrival, 10 off per absent day, at least 0.
/// let counts = [("late_count", -5.0, 2.0), ("absent_days", -10.0, 1.0)];
/// assert_eq!(rule::occurrences(100.0, &counts, Some(0.0), None).points, 80.0);
/// ```
pub fn occurrences(
    start: f64,
    counts: &[(&str, f64, f64)],
    floor: Option<f64>,
    cap: Option<f64>,
) -> Applied {
    let mut raw = start;
    let mut each = Vec::with_capacity(counts.len());
    for &(metric, points_each, count) in counts {
        raw += points_each * count;
        each.push(Occurrence {
            metric: metric.to_string(),
            points_each,
            count,
        });
    }
    let step = Step::Occurrences {
        start,
        counts: each,
        raw,
    };
    within_limits(raw, floor, cap, step)
}

/// Keeps raw points within the limits, as a step of its own when they bite.
fn within_limits(raw: f64, floor: Option<f64>, cap: Option<f64>, step: Step) -> Applied {
    let mut points = raw;
    if let Some(floor) = floor {
        points = points.max(floor);
    }
    if let Some(cap) = cap {
        points = points.min(cap);
    }
    let mut steps: Steps = smallvec::smallvec![step];
    if points != raw {
        steps.push(Step::KeptWithin { points });
    }
    Applied { points, steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Direction;
    use crate::scheme::{Band, RankEvery, RankGroup};

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

    #[test]
    fn higher_bands_give_edges_to_the_better_band() {
        let cases: &[(f64, f64)] = &[
            (0.5, 100.0),
            (0.499_999, 90.0),
            (0.3, 90.0),
            (0.299_999, 80.0),
            (0.2, 80.0),
            (0.199_999, 0.0),
            (0.0, 0.0),
            (1.0, 100.0),
        ];
        for &(value, points) in cases {
            assert_eq!(conversion_bands().apply(value).points, points);
        }
    }

    #[test]
    fn lower_bands_give_edges_to_the_better_band() {
        let cases: &[(f64, f64)] = &[
            (250.0, -5.0),
            (200.0, -3.0),
            (100.0, -1.0),
            (50.0, 0.0),
            (1.0, 0.0),
        ];
        for &(value, points) in cases {
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

    #[test]
    fn per_unit_deduction_within_floor_and_cap() {
        let cases: &[(f64, f64)] = &[
            (10.0, 100.0),
            (32.0, 100.0),
            (33.0, 98.0),
            (40.5, 83.0),
            (82.0, 0.0),
            (500.0, 0.0),
        ];
        for &(seconds, points) in cases {
            assert_eq!(
                response_deduction(UnitCount::Continuous)
                    .apply(seconds)
                    .points,
                points
            );
        }
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

    #[test]
    fn linear_around_a_baseline() {
        let cases: &[(f64, f64)] = &[(0.34, 100.0), (0.36, 110.0), (0.30, 80.0), (0.0, -70.0)];
        for &(value, points) in cases {
            let got = linear(None, None).apply(value).points;
            assert!((got - points).abs() < 1e-9, "{value}: {got}");
        }
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
            ratio.apply(2.0).text(Lang::En),
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

    #[test]
    fn occurrences_deduct_until_the_item_is_zero() {
        let cases: &[(f64, f64, f64)] = &[
            (0.0, 0.0, 100.0),
            (0.0, 1.0, 99.0),
            (1.0, 0.0, 98.0),
            (1.0, 3.0, 95.0),
            (50.0, 0.0, 0.0),
            (50.0, 1.0, 0.0),
            (49.0, 2.0, 0.0),
            (49.0, 1.0, 1.0),
        ];
        for &(bad_reviews, violations, points) in cases {
            let counts = [("bad_reviews", bad_reviews), ("violations", violations)];
            assert_eq!(
                occurrences(Some(0.0)).apply_counts(0.0, &counts).points,
                points
            );
        }
    }

    #[test]
    fn occurrences_without_a_floor_go_below_zero_and_say_how() {
        let applied =
            occurrences(None).apply_counts(0.0, &[("bad_reviews", 51.0), ("violations", 3.0)]);
        assert_eq!(applied.points, -5.0);
        assert_eq!(
            applied.text(Lang::En),
            "100 − 2 × 51 bad_reviews − 1 × 3 violations = -5"
        );
    }

    // Seed 000 电商部员工绩效考核指标: ≥95% rewarded, 75–95% neutral, below 65%
    // penalised; 65–75% is neither, so it is neutral.
    #[test]
    fn task_completion_bands_reward_and_penalise() {
        let cases: &[(f64, f64)] = &[
            (1.2, 5.0),
            (0.95, 5.0),
            (0.949_999, 0.0),
            (0.75, 0.0),
            (0.65, 0.0),
            (0.649_999, -5.0),
            (0.0, -5.0),
        ];
        for &(completion, points) in cases {
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
                .text(Lang::En)
                .contains("week of 2025-03-10: place 4 of 4 in the store → 0"),
            "{}",
            applied.text(Lang::En)
        );
        assert!(
            applied.text(Lang::En).ends_with("sum 8"),
            "{}",
            applied.text(Lang::En)
        );
        let period = [Placing {
            week: None,
            rank: Rank { place: 2, of: 5 },
        }];
        assert_eq!(
            rule.apply_ranked(0.0, Some(&period)).text(Lang::En),
            "place 2 of 5 in the store → 2"
        );
    }

    proptest::proptest! {
        /// Higher-is-better bands with rising points never score a larger value lower.
        #[test]
        fn rising_bands_are_monotone(a in -1.0f64..2.0, b in -1.0f64..2.0) {
            let rule = conversion_bands();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            proptest::prop_assert!(rule.apply(lo).points <= rule.apply(hi).points);
        }
    }
}
