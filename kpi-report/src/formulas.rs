//! Formulas an auditor can click: each total score as the weighted sum of
//! its item points (the weights in their own columns), each gross pay as
//! the sum of its components, each tiered commission as the formula of the
//! tier its measure falls in. The cached value of every formula is our
//! exact result; a formula is written only where evaluating it the way a
//! spreadsheet does gives that result, so recalculating changes nothing.

use polars::prelude::*;
use rust_decimal::Decimal;
use rust_xlsxwriter::utility::column_number_to_name;

use crate::sheet::FormulaColumns;
use kpi_core::{
    Combine, Exact, Pay, PayStep, RoundAt, Rounding, Scheme, ScoreRow, Scores, round_half_up,
};

/// The column of a weight in the scores sheet.
pub(crate) fn weight_column(item: &str) -> String {
    format!("weight.{item}")
}

/// The cell of `column` in the formula's own row (`{row}`, filled in when
/// the cell is written).
fn cell(frame: &DataFrame, column: &str) -> Option<String> {
    let index = frame
        .get_column_names()
        .iter()
        .position(|c| c.as_str() == column)?;
    Some(format!("{}{{row}}", column_number_to_name(index as u16)))
}

/// The scores sheet: item points unrounded (the exports round them to 4
/// places), each item's weight in the row beside them, and the total as a
/// formula over both.
pub(crate) fn scores_sheet(
    scheme: &Scheme,
    scores: &Scores,
    mut frame: DataFrame,
) -> PolarsResult<(DataFrame, FormulaColumns)> {
    let weights: Vec<Vec<Option<f64>>> = (0..scores.item_ids.len())
        .map(|i| {
            scores
                .rows
                .iter()
                .map(|r| item_weight(scheme, r, i))
                .collect()
        })
        .collect();
    for (i, id) in scores.item_ids.iter().enumerate() {
        let points: Vec<Option<f64>> = scores
            .rows
            .iter()
            .map(|r| r.items.get(i).and_then(|s| s.points))
            .collect();
        frame.with_column(Column::new(format!("points.{id}").into(), points))?;
    }
    // Weights right after the item points.
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let after = scores
        .item_ids
        .last()
        .and_then(|id| names.iter().position(|c| *c == format!("points.{id}")))
        .map_or(names.len(), |p| p + 1);
    let mut columns: Vec<Column> = frame.columns()[..after].to_vec();
    for (id, w) in scores.item_ids.iter().zip(weights) {
        columns.push(Column::new(weight_column(id).into(), w));
    }
    columns.extend(frame.columns()[after..].iter().cloned());
    let frame = DataFrame::new(frame.height(), columns)?;
    let terms = Terms::of(scheme, scores, &frame);
    let totals = scores
        .rows
        .iter()
        .map(|r| terms.as_ref().and_then(|t| t.formula(scheme, r)))
        .collect();
    Ok((frame, vec![("total_score".to_string(), totals)]))
}

/// The weight an item carries in a row: its weight, or 1 in a section
/// that averages its items; none where the row has no such item.
fn item_weight(scheme: &Scheme, row: &ScoreRow, i: usize) -> Option<f64> {
    let item = row.items.get(i)?;
    let section = scheme.items.get(i)?.section.as_deref();
    let average = scheme
        .sections
        .iter()
        .any(|s| Some(s.id.as_str()) == section && s.combine == Combine::Average);
    Some(if average { 1.0 } else { item.weight() })
}

/// The cells of the total-score formula.
struct Terms {
    /// Per item, its points cell and weight cell.
    items: Vec<(String, String)>,
    bonus: Option<String>,
}

impl Terms {
    fn of(scheme: &Scheme, scores: &Scores, frame: &DataFrame) -> Option<Terms> {
        let items = scores
            .item_ids
            .iter()
            .map(|id| {
                Some((
                    cell(frame, &format!("points.{id}"))?,
                    cell(frame, &weight_column(id))?,
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        let bonus = if scheme.bonus.is_empty() {
            None
        } else {
            Some(cell(frame, "bonus")?)
        };
        Some(Terms { items, bonus })
    }

    /// The groups of items weighted into the total: each section (its
    /// items and weight), or all items with weight 1.
    fn groups(scheme: &Scheme) -> Vec<(Vec<usize>, Option<f64>)> {
        if scheme.sections.is_empty() {
            return vec![((0..scheme.items.len()).collect(), None)];
        }
        scheme
            .sections
            .iter()
            .map(|s| {
                let items = (0..scheme.items.len())
                    .filter(|&i| scheme.items[i].section.as_deref() == Some(s.id.as_str()))
                    .collect();
                (items, Some(s.weight))
            })
            .collect()
    }

    /// The formula of a row's total, when it evaluates to the total
    /// (rows scored otherwise, a team average, get none).
    fn formula(&self, scheme: &Scheme, row: &ScoreRow) -> Option<String> {
        let total = row.total_score?;
        if row.items.len() != self.items.len() {
            return None;
        }
        let groups = Self::groups(scheme);
        // Evaluate as the spreadsheet will: every term, blanks as 0.
        let point = |i: usize| row.items[i].points;
        let weight = |i: usize| item_weight(scheme, row, i).unwrap_or(0.0);
        let group_value = |items: &[usize]| -> Option<f64> {
            if !items.iter().any(|&i| point(i).is_some()) {
                return None;
            }
            let sum = items
                .iter()
                .fold(0.0, |acc, &i| acc + point(i).unwrap_or(0.0) * weight(i));
            let den = items.iter().fold(0.0, |acc, &i| {
                acc + weight(i) * f64::from(u8::from(point(i).is_some()))
            });
            Some(sum / den)
        };
        let bonus = row.bonus.unwrap_or(0.0);
        let base = match &groups[..] {
            [(items, None)] => group_value(items)?,
            _ => {
                let mut sum = 0.0;
                let mut den = 0.0;
                for (items, w) in &groups {
                    let w = w.unwrap_or(1.0);
                    sum += group_value(items).map_or(0.0, |v| v * w);
                    den += if group_value(items).is_some() { w } else { 0.0 };
                }
                sum / den
            }
        };
        if round_half_up(base + bonus, 2) != total {
            return None;
        }
        let group_text = |items: &[usize]| {
            let sum: Vec<String> = items
                .iter()
                .map(|&i| format!("{}*{}", self.items[i].0, self.items[i].1))
                .collect();
            let den: Vec<String> = items
                .iter()
                .map(|&i| format!("{}*ISNUMBER({})", self.items[i].1, self.items[i].0))
                .collect();
            format!("({})/({})", sum.join("+"), den.join("+"))
        };
        let count = |items: &[usize]| {
            let cells: Vec<&str> = items.iter().map(|&i| self.items[i].0.as_str()).collect();
            format!("COUNT({})>0", cells.join(","))
        };
        let base = match &groups[..] {
            [(items, None)] => group_text(items),
            _ => {
                let (mut sum, mut den) = (Vec::new(), Vec::new());
                for (items, w) in groups.iter().filter(|(items, _)| !items.is_empty()) {
                    let w = kpi_core::fmt_num(w.unwrap_or(1.0));
                    sum.push(format!("IF({},{}*{w},0)", count(items), group_text(items)));
                    den.push(format!("IF({},{w},0)", count(items)));
                }
                format!("({})/({})", sum.join("+"), den.join("+"))
            }
        };
        let bonus = self
            .bonus
            .as_ref()
            .map_or(String::new(), |b| format!("+{b}"));
        Some(format!("=ROUND({base}{bonus},2)"))
    }
}

/// The formulas of the pay sheet: gross as the sum of the components, and
/// each tiered commission as its tier's formula on the measure.
pub(crate) fn pay_formulas(scheme: &Scheme, pay: &Pay, frame: &DataFrame) -> FormulaColumns {
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (
        pay.component_ids.first().and_then(|c| cell(frame, c)),
        pay.component_ids.last().and_then(|c| cell(frame, c)),
    ) else {
        return out;
    };
    let gross = pay
        .rows
        .iter()
        .map(|r| {
            let sum: Decimal = r.amounts.iter().flatten().sum();
            (sum == r.gross).then(|| format!("=SUM({first}:{last})"))
        })
        .collect();
    out.push(("gross".to_string(), gross));
    let Some(pay_scheme) = &scheme.pay else {
        return out;
    };
    if pay_scheme.rounding != Rounding::HalfUp || pay_scheme.round != RoundAt::Component {
        return out;
    }
    for (c, id) in pay.component_ids.iter().enumerate() {
        let tiers = pay
            .rows
            .iter()
            .map(|r| {
                let detail = r.details.iter().find(|d| &d.component == id)?;
                let [
                    PayStep::Tier {
                        tier,
                        measure,
                        amount,
                    },
                ] = detail
                    .steps
                    .iter()
                    .filter(|s| !matches!(s, PayStep::Span { .. }))
                    .collect::<Vec<_>>()[..]
                else {
                    return None;
                };
                // Only where the formula gives our amount: the tier alone, half up.
                let exact: Exact = tier.amount(*measure);
                let rounded = Rounding::HalfUp.round(exact)?;
                if exact != *amount || Some(rounded) != r.amounts[c] {
                    return None;
                }
                Some(format!(
                    "=ROUND({}+{}*({}-{}),2)",
                    tier.fixed.normalize(),
                    tier.rate.normalize(),
                    measure.normalize(),
                    tier.offset.normalize()
                ))
            })
            .collect::<Vec<_>>();
        if tiers.iter().any(Option::is_some) {
            out.push((id.clone(), tiers));
        }
    }
    out
}
