//! Monthly scores rolled up to quarters and years (seed 004: annual = the
//! average of the quarters; quarterly scoring for some roles).

use std::collections::BTreeMap;

use crate::period::Month;
use crate::scheme::Scheme;
use crate::scoring::{ItemScore, ScoreRow, Scores, round_half_up};

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

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Rolls monthly scores up: each employee's total for the span is the mean
/// of the totals of the months in which the employee was scored (every month
/// weighs the same), rounded half-up to 2 decimals, and graded with the
/// scheme's grades. Item points, section scores and bonus are the means of
/// the scored months. Months not scored (not eligible) are left out and
/// named in the flags; a span with no scored month is not eligible.
pub fn roll_up(scores: &Scores, scheme: &Scheme, span: Span) -> Scores {
    let mut groups: BTreeMap<(String, String), Vec<&ScoreRow>> = BTreeMap::new();
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
        .map(|((period, employee_id), months)| roll_one(scheme, period, employee_id, &months))
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
    period: String,
    employee_id: String,
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
            .map(|r| r.period.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    flags.push(format!(
        "rolled up from {} month(s): {}",
        scored.len(),
        names(&scored)
    ));
    let unscored: Vec<&ScoreRow> = months
        .iter()
        .copied()
        .filter(|r| r.total_score.is_none())
        .collect();
    if !unscored.is_empty() {
        flags.push(format!("not scored in {}", names(&unscored)));
    }
    let roll_items = |pick: &dyn Fn(&ScoreRow) -> &Vec<ItemScore>| -> Vec<ItemScore> {
        let Some(first) = scored.first() else {
            return Vec::new();
        };
        (0..pick(first).len())
            .map(|i| {
                let template = &pick(first)[i];
                let points = mean(
                    scored
                        .iter()
                        .filter_map(|r| pick(r).get(i).and_then(|s| s.points)),
                );
                ItemScore {
                    item: template.item.clone(),
                    metric: template.metric.clone(),
                    value: None,
                    numerator: None,
                    denominator: None,
                    points,
                    weight: template.weight,
                    contribution: mean(
                        scored
                            .iter()
                            .filter_map(|r| pick(r).get(i).and_then(|s| s.contribution)),
                    ),
                    rule: format!("mean of {} month(s)", scored.len()),
                    missing_reason: None,
                    applies: template.applies,
                }
            })
            .collect()
    };
    let total = mean(scored.iter().filter_map(|r| r.total_score)).map(|t| round_half_up(t, 2));
    let sections = (0..scheme.sections.len())
        .map(|i| {
            mean(
                scored
                    .iter()
                    .filter_map(|r| r.sections.get(i).copied().flatten()),
            )
        })
        .collect();
    let mut row = ScoreRow {
        period,
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
        bonus: mean(scored.iter().filter_map(|r| r.bonus)),
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
    use crate::scheme::fmt_num;

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
