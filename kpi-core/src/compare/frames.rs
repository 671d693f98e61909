//! The `comparison_*` tables as frames: money as exact 2-place text,
//! shares as ratios, each missing correlation with its reason.

use polars::prelude::*;
use rust_decimal::Decimal;

use super::{Comparison, NoCorrelation, PayTotals};
use crate::error::Result;
use crate::format::money2;

/// Why a correlation is missing, in words: `sides` name the two series.
pub fn no_correlation_text(why: NoCorrelation, sides: [&str; 2], pairs: &str) -> String {
    match why {
        NoCorrelation::TooFew => format!("fewer than 2 {pairs}"),
        NoCorrelation::NoSpread(side) => format!("every {} is the same", sides[side]),
    }
}

/// Why a pair has no count of grade changes.
pub const DIFFERENT_GRADES: &str = "the two schemes grade with different labels";

fn money(values: impl Iterator<Item = Option<Decimal>>) -> Vec<Option<String>> {
    values.map(|v| v.map(money2)).collect()
}

fn correlation(
    values: impl Iterator<Item = std::result::Result<f64, NoCorrelation>> + Clone,
    note: impl Fn(NoCorrelation) -> String,
) -> (Vec<Option<f64>>, Vec<Option<String>>) {
    (
        values.clone().map(|v| v.ok()).collect(),
        values.map(|v| v.err().map(&note)).collect(),
    )
}

fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    let height = columns.first().map_or(0, |c| c.len());
    Ok(DataFrame::new(height, columns)?)
}

fn col<T>(name: &str, values: Vec<T>) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), values)
}

impl Comparison {
    /// `comparison_summary`: one row per scheme and store, the company row
    /// (`level` = `company`, no store) first.
    pub fn summary_frame(&self) -> Result<DataFrame> {
        let rows = &self.summary;
        let pay = |f: fn(&PayTotals) -> Option<Decimal>| {
            money(rows.iter().map(|r| r.pay.as_ref().and_then(f)))
        };
        let share = |f: fn(&PayTotals) -> Option<f64>| -> Vec<Option<f64>> {
            rows.iter().map(|r| r.pay.as_ref().and_then(f)).collect()
        };
        let mut columns = vec![
            col("scheme", rows.iter().map(|r| r.scheme.as_str()).collect()),
            col(
                "level",
                rows.iter()
                    .map(|r| {
                        if r.store_id.is_some() {
                            "store"
                        } else {
                            "company"
                        }
                    })
                    .collect(),
            ),
            col(
                "store_id",
                rows.iter().map(|r| r.store_id.as_deref()).collect(),
            ),
            col(
                "employees",
                rows.iter().map(|r| r.employees as u64).collect(),
            ),
            col(
                "employee_months",
                rows.iter().map(|r| r.employee_months as u64).collect(),
            ),
            col(
                "not_eligible",
                rows.iter().map(|r| r.not_eligible as u64).collect(),
            ),
        ];
        for (name, f) in [
            (
                "score_mean",
                (|s: &super::Spread| s.mean) as fn(&super::Spread) -> Option<f64>,
            ),
            ("score_sd", |s| s.sd),
            ("score_min", |s| s.min),
            ("score_q1", |s| s.q1),
            ("score_median", |s| s.median),
            ("score_q3", |s| s.q3),
            ("score_max", |s| s.max),
        ] {
            columns.push(col(name, rows.iter().map(|r| f(&r.score)).collect()));
        }
        for (g, grade) in self.grades.iter().enumerate() {
            columns.push(col(
                &format!("grade.{grade}"),
                rows.iter()
                    .map(|r| r.grade_counts[g].map(|n| n as u64))
                    .collect(),
            ));
        }
        columns.push(col("pay_total", pay(|p| Some(p.total))));
        columns.push(col("fixed_pay", pay(|p| Some(p.fixed))));
        columns.push(col("gmv", pay(|p| p.gmv)));
        columns.push(col("own_sales", pay(|p| p.own_sales)));
        columns.push(col("pay_pct_gmv", share(PayTotals::pct_gmv)));
        columns.push(col("pay_pct_own_sales", share(PayTotals::pct_own_sales)));
        columns.push(col("variable_share", share(PayTotals::variable_share)));
        frame(columns)
    }

    /// `comparison_pairs`: one row per pair of schemes, in the order given.
    pub fn pairs_frame(&self) -> Result<DataFrame> {
        let rows = &self.pairs;
        let (spearman, note) = correlation(rows.iter().map(|r| r.spearman), |why| {
            no_correlation_text(
                why,
                ["total score of scheme_a", "total score of scheme_b"],
                "employee-months scored by both",
            )
        });
        let diff = |f: fn(&super::PayDifference) -> Option<Decimal>| {
            money(rows.iter().map(|r| r.pay.as_ref().and_then(f)))
        };
        let count = |f: fn(&super::PayDifference) -> usize| -> Vec<Option<u64>> {
            rows.iter()
                .map(|r| r.pay.as_ref().map(|p| f(p) as u64))
                .collect()
        };
        frame(vec![
            col(
                "scheme_a",
                rows.iter().map(|r| r.scheme_a.as_str()).collect(),
            ),
            col(
                "scheme_b",
                rows.iter().map(|r| r.scheme_b.as_str()).collect(),
            ),
            col(
                "employee_months",
                rows.iter().map(|r| r.employee_months as u64).collect(),
            ),
            col("only_a", rows.iter().map(|r| r.only_a as u64).collect()),
            col("only_b", rows.iter().map(|r| r.only_b as u64).collect()),
            col("spearman", spearman),
            col("spearman_note", note),
            col(
                "grade_changes",
                rows.iter()
                    .map(|r| r.grade_changes.map(|n| n as u64))
                    .collect(),
            ),
            col(
                "grade_changes_note",
                rows.iter()
                    .map(|r| r.grade_changes.is_none().then_some(DIFFERENT_GRADES))
                    .collect(),
            ),
            col("paid_both", count(|p| p.employee_months)),
            col("pay_a", diff(|p| Some(p.total_a))),
            col("pay_b", diff(|p| Some(p.total_b))),
            col("pay_difference", diff(|p| Some(p.total()))),
            col("difference_mean", diff(|p| p.spread.mean)),
            col("difference_min", diff(|p| p.spread.min)),
            col("difference_q1", diff(|p| p.spread.q1)),
            col("difference_median", diff(|p| p.spread.median)),
            col("difference_q3", diff(|p| p.spread.q3)),
            col("difference_max", diff(|p| p.spread.max)),
            col("winners", count(|p| p.winners)),
            col("losers", count(|p| p.losers)),
        ])
    }

    /// `comparison_people`: per employee-month, each scheme's total score,
    /// grade and gross pay (`<scheme>.total_score`, …), and for every scheme
    /// after the first the change from the first (`<scheme>.score_change`,
    /// `<scheme>.gross_change`).
    pub fn people_frame(&self) -> Result<DataFrame> {
        let rows = &self.people;
        let mut columns = vec![
            col("period", rows.iter().map(|r| r.period.as_str()).collect()),
            col(
                "employee_id",
                rows.iter().map(|r| r.employee_id.as_str()).collect(),
            ),
            col("name", rows.iter().map(|r| r.name.as_deref()).collect()),
            col(
                "store_id",
                rows.iter().map(|r| r.store_id.as_deref()).collect(),
            ),
            col("role", rows.iter().map(|r| r.role.as_str()).collect()),
        ];
        for (s, id) in self.schemes.iter().enumerate() {
            columns.push(col(
                &format!("{id}.total_score"),
                rows.iter().map(|r| r.schemes[s].total_score).collect(),
            ));
            columns.push(col(
                &format!("{id}.grade"),
                rows.iter().map(|r| r.schemes[s].grade.as_deref()).collect(),
            ));
            columns.push(col(
                &format!("{id}.gross"),
                money(rows.iter().map(|r| r.schemes[s].gross)),
            ));
        }
        for (s, id) in self.schemes.iter().enumerate().skip(1) {
            columns.push(col(
                &format!("{id}.score_change"),
                rows.iter()
                    .map(|r| Some(r.schemes[s].total_score? - r.schemes[0].total_score?))
                    .collect(),
            ));
            columns.push(col(
                &format!("{id}.gross_change"),
                money(
                    rows.iter()
                        .map(|r| Some(r.schemes[s].gross? - r.schemes[0].gross?)),
                ),
            ));
        }
        frame(columns)
    }

    /// `comparison_alignment`: per scheme, the rank correlation of total
    /// scores with the store's GMV growth and with the employee's own sales
    /// growth, month on month.
    pub fn alignment_frame(&self) -> Result<DataFrame> {
        let rows = &self.alignment;
        let (store, store_note) = correlation(rows.iter().map(|r| r.store_gmv_growth), |why| {
            no_correlation_text(
                why,
                ["total score", "store GMV growth"],
                "employee-months with a score and a store GMV growth",
            )
        });
        let (own, own_note) = correlation(rows.iter().map(|r| r.own_sales_growth), |why| {
            no_correlation_text(
                why,
                ["total score", "own sales growth"],
                "employee-months with a score and an own sales growth",
            )
        });
        frame(vec![
            col("scheme", rows.iter().map(|r| r.scheme.as_str()).collect()),
            col(
                "store_gmv_pairs",
                rows.iter().map(|r| r.store_gmv_pairs as u64).collect(),
            ),
            col("store_gmv_growth_spearman", store),
            col("store_gmv_growth_note", store_note),
            col(
                "own_sales_pairs",
                rows.iter().map(|r| r.own_sales_pairs as u64).collect(),
            ),
            col("own_sales_growth_spearman", own),
            col("own_sales_growth_note", own_note),
        ])
    }

    /// `comparison_stress`: each scheme's pay with every sales measure
    /// scaled by `factor` (1 is the history as it is).
    pub fn stress_frame(&self) -> Result<DataFrame> {
        let rows = &self.stress;
        let pay = |f: fn(&PayTotals) -> Option<Decimal>| {
            money(rows.iter().map(|r| r.pay.as_ref().and_then(f)))
        };
        frame(vec![
            col("scheme", rows.iter().map(|r| r.scheme.as_str()).collect()),
            col(
                "factor",
                rows.iter()
                    .map(|r| r.factor.normalize().to_string())
                    .collect(),
            ),
            col(
                "employee_months",
                rows.iter().map(|r| r.employee_months as u64).collect(),
            ),
            col("score_mean", rows.iter().map(|r| r.score_mean).collect()),
            col("gmv", pay(|p| p.gmv)),
            col("pay_total", pay(|p| Some(p.total))),
            col("pay_change", money(rows.iter().map(|r| r.pay_change))),
            col(
                "pay_change_pct",
                rows.iter().map(|r| r.pay_change_pct()).collect(),
            ),
            col(
                "pay_pct_gmv",
                rows.iter()
                    .map(|r| r.pay.as_ref().and_then(PayTotals::pct_gmv))
                    .collect(),
            ),
        ])
    }
}
