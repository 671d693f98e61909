//! Monthly scores rolled up to quarters and years (seed 004: annual = the
//! average of the quarters; quarterly scoring for some roles).

use std::collections::BTreeMap;

use crate::period::Month;
use crate::scheme::{Scheme, Step};
use crate::scoring::{Flag, ItemScore, ScoreRow, Scores, round_half_up};

/// The span monthly scores are rolled up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// `2025-Q1`.
    Quarter,
    /// `2025`.
    Year,
}

impl Span {
    /// The label of the span a month falls in.
    pub fn label(self, month: Month) -> String {
        match self {
            Span::Quarter => format!("{:04}-Q{}", month.year, (month.month - 1) / 3 + 1),
            Span::Year => format!("{:04}", month.year),
        }
    }
}

#[cfg(test)]
fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    weighted_mean(values.map(|v| (1.0, v)))
}

/// `Σ w × v / Σ w`; none when nothing (or only zero weights) is given.
fn weighted_mean(values: impl Iterator<Item = (f64, f64)>) -> Option<f64> {
    let (sum, total) = values.fold((0.0, 0.0), |(s, t), (w, v)| (s + w * v, t + w));
    (total > 0.0).then(|| sum / total)
}

/// The weighted mean of `value` over the scored months of one span: months
/// weigh `rollup.month_weights` (default 1); a year with `quarter_weights`
/// is the weighted mean of its quarters, each the weighted mean of its months.
fn span_mean(
    scheme: &Scheme,
    span: Span,
    rows: &[&ScoreRow],
    value: &dyn Fn(&ScoreRow) -> Option<f64>,
) -> Option<f64> {
    let month_of = |r: &ScoreRow| Month::parse(&r.period);
    let month_weight = |r: &ScoreRow| {
        let weights = scheme.rollup.month_weights;
        match (weights, month_of(r)) {
            (Some(w), Some(m)) => w[m.month as usize - 1],
            _ => 1.0,
        }
    };
    let months = |rows: &[&ScoreRow]| {
        weighted_mean(
            rows.iter()
                .filter_map(|r| Some((month_weight(r), value(r)?))),
        )
    };
    match (span, scheme.rollup.quarter_weights) {
        (Span::Year, Some(quarter_weights)) => {
            let mut quarters: BTreeMap<u32, Vec<&ScoreRow>> = BTreeMap::new();
            for r in rows {
                if let Some(m) = month_of(r) {
                    quarters.entry((m.month - 1) / 3).or_default().push(r);
                }
            }
            weighted_mean(
                quarters
                    .iter()
                    .filter_map(|(q, rows)| Some((quarter_weights[*q as usize], months(rows)?))),
            )
        }
        _ => months(rows),
    }
}

/// Rolls monthly scores up: each employee's total for the span is the
/// weighted mean of the totals of the months in which the employee was
/// scored (every month weighs the same unless the scheme's `[rollup]` says
/// otherwise; see [`crate::scheme::Rollup`]), rounded half-up to 2 decimals,
/// and graded with the scheme's grades. Item points, section scores and
/// bonus are the same weighted means. Months not scored (not eligible) are left out and
/// named in the flags; a span with no scored month is not eligible.
pub fn roll_up(scores: &Scores, scheme: &Scheme, span: Span) -> Scores {
    let mut groups: BTreeMap<(String, std::sync::Arc<str>), Vec<&ScoreRow>> = BTreeMap::new();
    for row in &scores.rows {
        let Some(month) = Month::parse(&row.period) else {
            continue;
        };
        groups
            .entry((span.label(month), row.employee_id.clone()))
            .or_default()
            .push(row);
    }
    let rows = groups
        .into_iter()
        .map(|((period, employee_id), months)| roll_one(scheme, span, period, employee_id, &months))
        .collect();
    Scores {
        item_ids: scores.item_ids.clone(),
        section_ids: scores.section_ids.clone(),
        bonus_ids: scores.bonus_ids.clone(),
        rows,
        has_payout: scores.has_payout,
        has_position_wage: scores.has_position_wage,
    }
}

fn roll_one(
    scheme: &Scheme,
    span: Span,
    period: String,
    employee_id: std::sync::Arc<str>,
    months: &[&ScoreRow],
) -> ScoreRow {
    let last = months.last().expect("a group has a month");
    let scored: Vec<&ScoreRow> = months
        .iter()
        .copied()
        .filter(|r| r.total_score.is_some())
        .collect();
    let mut flags = Vec::new();
    let names = |rows: &[&ScoreRow]| {
        rows.iter()
            .map(|r| r.period.to_string())
            .collect::<Vec<_>>()
    };
    flags.push(Flag::RolledUp {
        months: names(&scored),
    });
    let unscored: Vec<&ScoreRow> = months
        .iter()
        .copied()
        .filter(|r| r.total_score.is_none())
        .collect();
    if !unscored.is_empty() {
        flags.push(Flag::NotScoredIn {
            months: names(&unscored),
        });
    }
    let avg = |value: &dyn Fn(&ScoreRow) -> Option<f64>| span_mean(scheme, span, &scored, value);
    let weighted = scheme.rollup.month_weights.is_some()
        || (span == Span::Year && scheme.rollup.quarter_weights.is_some());
    let roll_items = |pick: &dyn Fn(&ScoreRow) -> &Vec<ItemScore>| -> Vec<ItemScore> {
        let Some(first) = scored.first() else {
            return Vec::new();
        };
        (0..pick(first).len())
            .map(|i| {
                let template = &pick(first)[i];
                let points = avg(&|r| pick(r).get(i).and_then(|s| s.points));
                template.rolled_up(
                    points,
                    avg(&|r| pick(r).get(i).and_then(|s| s.contribution)),
                    smallvec::smallvec![Step::RolledUp {
                        weighted,
                        months: scored.len(),
                    }],
                )
            })
            .collect()
    };
    let total = avg(&|r| r.total_score).map(|t| round_half_up(t, 2));
    let sections = (0..scheme.sections.len())
        .map(|i| avg(&|r| r.sections.get(i).copied().flatten()))
        .collect();
    let mut row = ScoreRow {
        period: period.into(),
        employee_id,
        store_id: last.store_id.clone(),
        team_id: last.team_id.clone(),
        role: last.role.clone(),
        eligible: total.is_some(),
        items: roll_items(&|r| &r.items),
        sections: if total.is_some() {
            sections
        } else {
            Vec::new()
        },
        bonus_items: roll_items(&|r| &r.bonus_items),
        bonus: avg(&|r| r.bonus),
        total_score: total,
        grade: None,
        payout_pct: None,
        position_wage: None,
        flags,
    };
    if let Some(total) = total {
        row.set_grade(scheme, total);
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fmt_num;

    #[test]
    fn spans_label_months() {
        let m = |s| Month::parse(s).unwrap();
        assert_eq!(Span::Quarter.label(m("2025-03")), "2025-Q1");
        assert_eq!(Span::Quarter.label(m("2025-04")), "2025-Q2");
        assert_eq!(Span::Quarter.label(m("2025-12")), "2025-Q4");
        assert_eq!(Span::Year.label(m("2025-12")), "2025");
        assert_eq!(fmt_num(mean([1.0, 2.0].into_iter()).unwrap()), "1.5");
        assert_eq!(mean(std::iter::empty()), None);
    }
}
