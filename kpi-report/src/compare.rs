//! The workbook of `kpi compare`: an overview with each scheme's grade
//! distribution charted, the comparison tables with headers in the
//! reader's language, the largest winners and losers, and the stress test
//! with a cost-versus-sales line per scheme.

use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};

use kpi_core::{Comparison, Lang, PersonRow, money2};

use crate::labels::Labels;
use crate::sheet::{CellStyle, FormulaColumns, Table, write_table};
use crate::{Error, Result, lift, new_workbook, numbers, save};

/// Rows listed for each of the largest winners and losers of every scheme
/// against the first.
pub const MOVERS: usize = 10;

/// The sheets of a comparison workbook, in order, in English and Chinese.
pub const COMPARISON_SHEETS: [(&str, &str); 8] = [
    ("overview", "概览"),
    ("summary", "方案汇总"),
    ("pairs", "两两对比"),
    ("movers", "涨跌最大"),
    ("people", "人员对比"),
    ("alignment", "激励导向"),
    ("stress", "压力测试"),
    ("data_quality", "数据质量"),
];

fn sheet_name(index: usize, lang: Lang) -> &'static str {
    let (en, zh) = COMPARISON_SHEETS[index];
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// How a comparison column is shown.
fn style_of(column: &str) -> CellStyle {
    let what = column.rsplit_once('.').map_or(column, |(_, w)| w);
    match what {
        "pay_pct_gmv" | "pay_pct_own_sales" | "variable_share" | "pay_change_pct" => {
            CellStyle::Percent
        }
        "pay_total" | "fixed_pay" | "gmv" | "own_sales" | "pay_a" | "pay_b" | "pay_difference"
        | "gross" | "gross_change" | "pay_change" | "gross_before" | "gross_after" | "change" => {
            CellStyle::Money
        }
        w if w.starts_with("difference_") => CellStyle::Money,
        "spearman" | "store_gmv_growth_spearman" | "own_sales_growth_spearman" => CellStyle::Value,
        w if w.starts_with("score") || w == "total_score" => CellStyle::Decimal,
        _ if column.starts_with("grade.") => CellStyle::Count,
        "employees" | "employee_months" | "not_eligible" | "only_a" | "only_b"
        | "grade_changes" | "paid_both" | "winners" | "losers" | "store_gmv_pairs"
        | "own_sales_pairs" | "row" | "rows" => CellStyle::Count,
        _ => CellStyle::Text,
    }
}

/// A money column of the comparison tables (exact 2-place text).
fn is_money(column: &str) -> bool {
    style_of(column) == CellStyle::Money
}

/// Writes the comparison workbook at `path`: the `facts` (data, schemes…)
/// and the notes of what each pair left out on the overview, then every
/// comparison table, the largest movers and the data-quality record.
pub fn write_comparison(
    path: impl AsRef<Path>,
    comparison: &Comparison,
    facts: &[(String, String)],
    quality: Option<&DataFrame>,
    lang: Lang,
) -> Result<()> {
    let path = path.as_ref();
    let xerr = |source| Error::Xlsx {
        path: path.into(),
        source,
    };
    let title = match lang {
        Lang::En => "kpi compare — schemes side by side",
        Lang::Zh => "kpi compare — 考核方案对比",
    };
    let mut workbook = new_workbook(title).map_err(xerr)?;
    write_overview(&mut workbook, comparison, title, facts, lang).map_err(xerr)?;
    let labels = Labels::new(lang).with_schemes(&comparison.schemes);
    let header = |id: &str| labels.header(id);
    let mut tables = vec![
        (1, comparison.summary_frame()?),
        (2, comparison.pairs_frame()?),
        (3, movers_frame(comparison, lang)?),
        (4, comparison.people_frame()?),
        (5, comparison.alignment_frame()?),
        (6, comparison.stress_frame()?),
    ];
    if let Some(quality) = quality {
        tables.push((7, quality.clone()));
    }
    for (index, mut frame) in tables {
        let name = sheet_name(index, lang);
        let money: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .filter(|c| is_money(c))
            .collect();
        numbers(&mut frame, &money).map_err(|source| Error::Polars {
            sheet: name.into(),
            source,
        })?;
        let formulas = differences(&frame);
        let table = Table::new(&frame, &style_of)
            .with_formulas(&formulas)
            .with_header(&header)
            .with_falling(&["pay_difference", "pay_change", "change"]);
        if index == 6 {
            write_table(&mut workbook, name, &table.in_memory())
                .map_err(|e| lift(e, path, name))?;
            stress_chart(&mut workbook, name, comparison, lang).map_err(xerr)?;
        } else {
            write_table(&mut workbook, name, &table).map_err(|e| lift(e, path, name))?;
        }
    }
    save(workbook, path)
}

/// The changes of a comparison table as formulas: `pay_difference` as
/// `pay_b − pay_a`, each `<scheme>.score_change` and `.gross_change` as the
/// scheme's value less the first scheme's; where both values are there.
fn differences(frame: &DataFrame) -> FormulaColumns {
    let ids: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = |id: &str| ids.iter().position(|i| i == id);
    let first = ids.iter().find_map(|id| id.strip_suffix(".total_score"));
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    if let (Some(d), Some(a), Some(b)) = (at("pay_difference"), at("pay_a"), at("pay_b")) {
        pairs.push((d, b, a));
    }
    for (k, id) in ids.iter().enumerate() {
        let Some(first) = first else { break };
        for (suffix, of) in [
            (".score_change", ".total_score"),
            (".gross_change", ".gross"),
        ] {
            if let Some(scheme) = id.strip_suffix(suffix)
                && let (Some(b), Some(a)) =
                    (at(&format!("{scheme}{of}")), at(&format!("{first}{of}")))
            {
                pairs.push((k, b, a));
            }
        }
    }
    let columns = frame.columns();
    pairs
        .into_iter()
        .map(|(target, b, a)| {
            let letter = |j: usize| rust_xlsxwriter::utility::column_number_to_name(j as u16);
            let present = |j: usize, i: usize| columns[j].get(i).is_ok_and(|v| !v.is_null());
            let texts = (0..frame.height())
                .map(|i| {
                    (present(target, i) && present(a, i) && present(b, i))
                        .then(|| format!("={}{{row}}-{}{{row}}", letter(b), letter(a)))
                })
                .collect();
            (ids[target].clone(), texts)
        })
        .collect()
}

fn write_overview(
    workbook: &mut Workbook,
    comparison: &Comparison,
    title: &str,
    facts: &[(String, String)],
    lang: Lang,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    let name = sheet_name(0, lang);
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    let mut row = 2;
    for (label, value) in facts {
        sheet.write_string_with_format(row, 0, label, &bold)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }
    for pair in &comparison.pairs {
        for (only, scheme, other) in [
            (pair.only_a, &pair.scheme_a, &pair.scheme_b),
            (pair.only_b, &pair.scheme_b, &pair.scheme_a),
        ] {
            if only > 0 {
                let note = match lang {
                    Lang::En => format!(
                        "{only} employee-months scored by {scheme} but not by {other} are left out of their comparison"
                    ),
                    Lang::Zh => {
                        format!("{only} 个人·月仅由 {scheme} 评分({other} 未评),不计入二者的对比")
                    }
                };
                sheet.write_string(row, 0, note)?;
                row += 1;
            }
        }
    }
    row += 1;
    // Each scheme's grade counts (company row), charted beside.
    let (grade_header, count_header) = match lang {
        Lang::En => ("grade", "employee-months"),
        Lang::Zh => ("等级", "人·月"),
    };
    for (s, scheme) in comparison.schemes.iter().enumerate() {
        let Some(company) = comparison
            .summary
            .iter()
            .find(|r| &r.scheme == scheme && r.store_id.is_none())
        else {
            continue;
        };
        let top = row;
        sheet.write_string_with_format(row, 0, scheme, &bold)?;
        sheet.write_string_with_format(row, 1, count_header, &bold)?;
        sheet.write_string_with_format(row, 2, grade_header, &bold)?;
        row += 1;
        for (g, grade) in comparison.grades.iter().enumerate() {
            if let Some(count) = company.grade_counts[g] {
                sheet.write_string(row, 0, grade)?;
                sheet.write_number(row, 1, count as f64)?;
                row += 1;
            }
        }
        let chart = crate::sheet::grade_chart(name, scheme, top, row - 1, 240);
        sheet.insert_chart(2 + s as u32 * 13, 4, &chart)?;
        row = row.max(top + 13) + 1;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 40)?;
    Ok(())
}

/// A line of pay total by sales factor for each scheme that pays.
fn stress_chart(
    workbook: &mut Workbook,
    name: &str,
    comparison: &Comparison,
    lang: Lang,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    let columns = comparison
        .stress_frame()
        .map(|f| {
            f.get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let at = |id: &str| columns.iter().position(|c| c == id).unwrap_or(0) as u16;
    let (factor, pay) = (at("factor"), at("pay_total"));
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name(match lang {
        Lang::En => "Pay cost by sales factor",
        Lang::Zh => "销售额变动下的薪酬成本",
    });
    let mut any = false;
    for scheme in &comparison.schemes {
        let rows: Vec<usize> = (0..comparison.stress.len())
            .filter(|&i| {
                &comparison.stress[i].scheme == scheme && comparison.stress[i].pay.is_some()
            })
            .collect();
        let (Some(&first), Some(&last)) = (rows.first(), rows.last()) else {
            continue;
        };
        let (first, last) = (first as u32 + 1, last as u32 + 1);
        chart
            .add_series()
            .set_name(scheme.as_str())
            .set_categories((name, first, factor, last, factor))
            .set_values((name, first, pay, last, pay));
        any = true;
    }
    if any {
        chart.set_width(640).set_height(320);
        let sheet = workbook.worksheet_from_name(name)?;
        sheet.insert_chart(comparison.stress.len() as u32 + 3, 0, &chart)?;
    }
    Ok(())
}

/// The largest winners and losers of every scheme against the first: by
/// the change of gross pay where both pay, else of the total score.
fn movers_frame(comparison: &Comparison, lang: Lang) -> Result<DataFrame> {
    let mut rows: Vec<Mover<'_>> = Vec::new();
    for s in 1..comparison.schemes.len() {
        let both_pay = |r: &PersonRow| r.schemes[0].gross.is_some() && r.schemes[s].gross.is_some();
        let by_pay = comparison.people.iter().any(both_pay);
        // Money orders exactly as its f64 within a ranking of changes.
        let change = |r: &PersonRow| -> Option<f64> {
            let (a, b) = (&r.schemes[0], &r.schemes[s]);
            if by_pay {
                (b.gross? - a.gross?).to_string().parse().ok()
            } else {
                Some(b.total_score? - a.total_score?)
            }
        };
        let mut moved: Vec<(&PersonRow, f64)> = comparison
            .people
            .iter()
            .filter_map(|r| Some((r, change(r)?)))
            .filter(|(_, c)| *c != 0.0)
            .collect();
        moved.sort_by(|x, y| y.1.total_cmp(&x.1));
        let winners: Vec<&PersonRow> = moved
            .iter()
            .filter(|(_, c)| *c > 0.0)
            .take(MOVERS)
            .map(|(r, _)| *r)
            .collect();
        moved.sort_by(|x, y| x.1.total_cmp(&y.1));
        let losers: Vec<&PersonRow> = moved
            .iter()
            .filter(|(_, c)| *c < 0.0)
            .take(MOVERS)
            .map(|(r, _)| *r)
            .collect();
        let scheme = comparison.schemes[s].as_str();
        rows.extend(winners.into_iter().map(|person| Mover {
            scheme,
            gains: true,
            person,
            s,
        }));
        rows.extend(losers.into_iter().map(|person| Mover {
            scheme,
            gains: false,
            person,
            s,
        }));
    }
    let baseline = comparison.schemes[0].as_str();
    let word = |up: bool| match (lang, up) {
        (Lang::En, true) => "gains",
        (Lang::En, false) => "loses",
        (Lang::Zh, true) => "上升",
        (Lang::Zh, false) => "下降",
    };
    let text = |f: &dyn Fn(&Mover<'_>) -> Option<String>| -> Vec<Option<String>> {
        rows.iter().map(f).collect()
    };
    let number = |f: &dyn Fn(&Mover<'_>) -> Option<f64>| -> Vec<Option<f64>> {
        rows.iter().map(f).collect()
    };
    let columns = vec![
        Column::new("scheme".into(), text(&|r| Some(r.scheme.to_string()))),
        Column::new("baseline".into(), text(&|_| Some(baseline.to_string()))),
        Column::new(
            "direction".into(),
            text(&|r| Some(word(r.gains).to_string())),
        ),
        Column::new("period".into(), text(&|r| Some(r.person.period.clone()))),
        Column::new(
            "employee_id".into(),
            text(&|r| Some(r.person.employee_id.clone())),
        ),
        Column::new("name".into(), text(&|r| r.person.name.clone())),
        Column::new("store_id".into(), text(&|r| r.person.store_id.clone())),
        Column::new(
            "score_before".into(),
            number(&|r| r.person.schemes[0].total_score),
        ),
        Column::new(
            "score_after".into(),
            number(&|r| r.person.schemes[r.s].total_score),
        ),
        Column::new(
            "grade_before".into(),
            text(&|r| r.person.schemes[0].grade.clone()),
        ),
        Column::new(
            "grade_after".into(),
            text(&|r| r.person.schemes[r.s].grade.clone()),
        ),
        Column::new(
            "gross_before".into(),
            text(&|r| r.person.schemes[0].gross.map(money2)),
        ),
        Column::new(
            "gross_after".into(),
            text(&|r| r.person.schemes[r.s].gross.map(money2)),
        ),
        Column::new(
            "change".into(),
            text(&|r| {
                Some(money2(
                    r.person.schemes[r.s].gross? - r.person.schemes[0].gross?,
                ))
            }),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|source| Error::Polars {
        sheet: "movers".into(),
        source,
    })
}

/// One of the largest movers: under which scheme, which way, who, and the
/// scheme's index.
struct Mover<'a> {
    scheme: &'a str,
    gains: bool,
    person: &'a PersonRow,
    s: usize,
}
