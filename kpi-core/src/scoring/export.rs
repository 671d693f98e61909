//! The `scores` and `score_details` tables of a run.
use polars::prelude::*;
use rust_decimal::prelude::*;

use super::{Flag, ItemScore, ScoreRow, Scores, round_half_up};
use crate::error::Result;
use crate::scheme::{Lang, Scheme};

use crate::frame::{MakeColumn, column, in_parallel, key_columns};

impl Scores {
    /// The `scores` table of the output contract.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let n = self.rows.len();
        let rows = &self.rows;
        let points_of = |list: fn(&ScoreRow) -> &Vec<ItemScore>, i: usize| -> Vec<Option<f64>> {
            rows.iter()
                .map(|r| {
                    list(r)
                        .get(i)
                        .and_then(|s| s.points)
                        .map(|p| round_half_up(p, 4))
                })
                .collect()
        };
        let mut makers: Vec<MakeColumn<'_>> =
            vec![Box::new(|| column("eligible", rows, |r| r.eligible))];
        for (i, id) in self.item_ids.iter().enumerate() {
            makers.push(Box::new(move || {
                Column::new(format!("points.{id}").into(), points_of(|r| &r.items, i))
            }));
        }
        for (i, id) in self.bonus_ids.iter().enumerate() {
            makers.push(Box::new(move || {
                Column::new(
                    format!("points.{id}").into(),
                    points_of(|r| &r.bonus_items, i),
                )
            }));
        }
        for (i, id) in self.section_ids.iter().enumerate() {
            makers.push(Box::new(move || {
                let score: Vec<Option<f64>> = rows
                    .iter()
                    .map(|r| {
                        r.sections
                            .get(i)
                            .copied()
                            .flatten()
                            .map(|p| round_half_up(p, 4))
                    })
                    .collect();
                Column::new(format!("section.{id}").into(), score)
            }));
        }
        makers.push(Box::new(|| column("bonus", rows, |r| r.bonus)));
        makers.push(Box::new(|| column("total_score", rows, |r| r.total_score)));
        makers.push(Box::new(|| column("grade", rows, |r| r.grade.as_deref())));
        if self.has_payout {
            makers.push(Box::new(|| {
                column("payout_pct", rows, |r| {
                    r.payout_pct.and_then(|p| p.to_f64())
                })
            }));
        }
        if self.has_position_wage {
            // Exact integer cents, like the money sums of the metrics tables.
            makers.push(Box::new(|| {
                column("position_wage", rows, |r| {
                    r.position_wage
                        .and_then(|w| (w * Decimal::ONE_HUNDRED).round().to_i64())
                })
            }));
        }
        makers.push(Box::new(|| {
            column("flags", rows, |r| {
                (!r.flags.is_empty()).then(|| {
                    r.flags
                        .iter()
                        .map(Flag::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            })
        }));
        let (mut columns, rest) = rayon::join(
            || {
                key_columns(rows, |r| {
                    (
                        &r.period,
                        &r.employee_id,
                        r.store_id.as_deref(),
                        r.team_id.as_deref(),
                        &r.role,
                    )
                })
            },
            || in_parallel(makers),
        );
        columns.extend(rest);
        Ok(DataFrame::new(n, columns)?)
    }

    /// The long `score_details` table: one row per employee, period and item.
    pub fn details_frame(&self) -> Result<DataFrame> {
        self.details_frame_in(Lang::En)
    }

    /// [`Scores::details_frame`] with the rule texts in `lang`.
    pub fn details_frame_in(&self, lang: Lang) -> Result<DataFrame> {
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
        let round4 = |x: Option<f64>| x.map(|x| round_half_up(x, 4));
        let columns = vec![
            column("period", &details, |(r, _)| r.period.to_string()),
            column("employee_id", &details, |(r, _)| r.employee_id.to_string()),
            column("item", &details, |(_, i)| i.item().to_string()),
            column("metric", &details, |(_, i)| i.metric().to_string()),
            column("value", &details, |(_, i)| i.value()),
            column("numerator", &details, |(_, i)| i.numerator()),
            column("denominator", &details, |(_, i)| i.denominator()),
            column("rule", &details, |(_, i)| i.rule(lang)),
            column("points", &details, |(_, i)| round4(i.points)),
            column("weight", &details, |(_, i)| i.weight()),
            column("contribution", &details, |(_, i)| round4(i.contribution)),
            column("missing_reason", &details, |(_, i)| {
                i.missing_reason.as_deref().map(str::to_string)
            }),
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
                    .filter(|r| r.grade.as_deref() == Some(&*g.label))
                    .count();
                (g.label.to_string(), n)
            })
            .collect()
    }
}
