//! One result table as one worksheet.

use polars::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, Format, Workbook, XlsxError};

/// How the cells of a column are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellStyle {
    /// Text as it is (numbers of a text column are written as numbers).
    Text,
    /// Integer cents shown as yuan with 2 decimals.
    Cents,
    /// Yuan with 2 decimals.
    Money,
    /// A ratio shown as a percentage.
    Percent,
    /// A whole count with thousands separators.
    Count,
    /// A number with up to 2 decimals.
    Decimal,
    /// A number shown as it is.
    Value,
}

pub(crate) enum SheetError {
    Xlsx(XlsxError),
    Polars(PolarsError),
}

impl From<XlsxError> for SheetError {
    fn from(e: XlsxError) -> Self {
        SheetError::Xlsx(e)
    }
}

impl From<PolarsError> for SheetError {
    fn from(e: PolarsError) -> Self {
        SheetError::Polars(e)
    }
}

const GRADE_COLOURS: [u32; 5] = [0x63BE7B, 0xC6EFCE, 0xFFEB9C, 0xFFC99C, 0xFFC7CE];

/// The fill of a grade cell: the best grade green, the worst red.
pub(crate) fn grade_format(grades: &[String], label: &str) -> Option<Format> {
    let index = grades.iter().position(|g| g == label)?;
    let last = grades.len().saturating_sub(1).max(1);
    let colour = GRADE_COLOURS[(index * (GRADE_COLOURS.len() - 1) + last / 2) / last];
    Some(Format::new().set_background_color(Color::RGB(colour)))
}

fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Writes `frame` as a sheet named `name`: bold frozen header, autofilter,
/// fitted widths, formats by `style`, and grade fills on a `grade` column
/// when `grades` (best first) is given.
pub(crate) fn write_frame(
    workbook: &mut Workbook,
    name: &str,
    frame: &DataFrame,
    style: &dyn Fn(&str) -> CellStyle,
    grades: Option<&[String]>,
) -> Result<(), SheetError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let cents = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0.00%");
    let count = Format::new().set_num_format("#,##0");
    let decimal = Format::new().set_num_format("0.00");
    let plain = Format::new();
    let grade_formats: Vec<(String, Format)> = grades
        .unwrap_or(&[])
        .iter()
        .filter_map(|g| grade_format(grades.unwrap_or(&[]), g).map(|f| (g.clone(), f)))
        .collect();
    for (j, column) in frame.columns().iter().enumerate() {
        let col = u16::try_from(j)
            .map_err(|_| XlsxError::ParameterError(format!("{name}: too many columns")))?;
        let title = column.name().as_str();
        sheet.write_string_with_format(0, col, title, &header)?;
        let mut width = display_width(title) + 3;
        let kind = style(title);
        let format = match kind {
            CellStyle::Cents | CellStyle::Money => &cents,
            CellStyle::Percent => &percent,
            CellStyle::Count => &count,
            CellStyle::Decimal => &decimal,
            CellStyle::Text | CellStyle::Value => &plain,
        };
        match column.dtype() {
            DataType::String => {
                let values = column.str()?;
                for (i, v) in values.iter().enumerate() {
                    let Some(v) = v else { continue };
                    let row = i as u32 + 1;
                    if i < 500 {
                        width = width.max(display_width(v) + 1);
                    }
                    match grade_formats
                        .iter()
                        .find(|(g, _)| title == "grade" && g == v)
                    {
                        Some((_, f)) => sheet.write_string_with_format(row, col, v, f)?,
                        None => sheet.write_string(row, col, v)?,
                    };
                }
            }
            DataType::Boolean => {
                for (i, v) in column.bool()?.iter().enumerate() {
                    if let Some(v) = v {
                        sheet.write_boolean(i as u32 + 1, col, v)?;
                    }
                }
                width = width.max(7);
            }
            dtype if dtype.is_primitive_numeric() => {
                let values = column.cast(&DataType::Float64)?;
                let scale = if kind == CellStyle::Cents { 100.0 } else { 1.0 };
                for (i, v) in values.f64()?.iter().enumerate() {
                    if let Some(v) = v {
                        sheet.write_number_with_format(i as u32 + 1, col, v / scale, format)?;
                    }
                }
                width = width.max(12);
            }
            _ => {
                let values = column.cast(&DataType::String)?;
                for (i, v) in values.str()?.iter().enumerate() {
                    if let Some(v) = v {
                        sheet.write_string(i as u32 + 1, col, v)?;
                    }
                }
                width = width.max(12);
            }
        }
        sheet.set_column_width(col, width.min(48) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if frame.width() > 0 {
        sheet.autofilter(0, 0, frame.height() as u32, frame.width() as u16 - 1)?;
    }
    Ok(())
}

/// The pay slips (工资条): one block per employee-month, as a payroll
/// office prints them: a header row of the components, the amounts, a row
/// saying how each amount was reached, then a blank row.
pub(crate) fn write_pay_slips(
    workbook: &mut Workbook,
    pay: &kpi_core::Pay,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("工资条")?;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let money = Format::new()
        .set_num_format("#,##0.00")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let cell = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
    let note = Format::new()
        .set_font_size(8)
        .set_font_color(Color::RGB(0x595959))
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let fixed = ["期间", "工号", "岗位", "等级"];
    let totals = ["应发", "暂扣", "发放留存", "没收", "实发", "留存余额"];
    let mut row = 0u32;
    for r in &pay.rows {
        let headers = fixed
            .iter()
            .map(|h| h.to_string())
            .chain(pay.labels.iter().cloned())
            .chain(totals.iter().map(|h| h.to_string()));
        for (col, h) in headers.enumerate() {
            sheet.write_string_with_format(row, col as u16, &h, &header)?;
        }
        let texts = [
            r.period.clone(),
            r.employee_id.clone(),
            kpi_core::Role::parse(&r.role).map_or(r.role.clone(), |x| x.chinese()[0].to_string()),
            r.grade.clone().unwrap_or_default(),
        ];
        for (j, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(row + 1, j as u16, t, &cell)?;
        }
        let amounts = r.amounts.iter().copied().chain([
            Some(r.gross),
            Some(r.deferred),
            Some(r.released),
            Some(r.forfeited),
            Some(r.paid_now),
            Some(r.held),
        ]);
        for (k, amount) in amounts.enumerate() {
            let c = (fixed.len() + k) as u16;
            match amount {
                Some(a) => {
                    sheet.write_number_with_format(row + 1, c, a.to_f64().unwrap_or(0.0), &money)?
                }
                None => sheet.write_string_with_format(row + 1, c, "", &cell)?,
            };
        }
        for (k, id) in pay.component_ids.iter().enumerate() {
            if let Some(d) = r.details.iter().find(|d| &d.component == id) {
                sheet.write_string_with_format(
                    row + 2,
                    (fixed.len() + k) as u16,
                    d.rule(kpi_core::Lang::En),
                    &note,
                )?;
            }
        }
        sheet.set_row_height(row + 2, 36)?;
        row += 4;
    }
    let width = fixed.len() + pay.labels.len() + totals.len();
    for c in 0..width {
        sheet.set_column_width(c as u16, if c < fixed.len() { 10.0 } else { 16.0 })?;
    }
    Ok(())
}

/// The store metrics charted on the trends sheet.
const CHARTED: [(&str, &str); 4] = [
    ("gmv", "GMV 成交额"),
    ("uv", "UV 访客数"),
    ("conversion_rate", "转化率"),
    ("aov", "客单价"),
];

/// Native line charts of the main store metrics by month, one line per
/// store, drawn from small period × store tables written to the right of
/// the trends table.
pub(crate) fn trend_charts(workbook: &mut Workbook, trends: &DataFrame) -> Result<(), SheetError> {
    let levels = trends.column("level")?.str()?;
    let ids = trends.column("id")?.str()?;
    let metrics = trends.column("metric")?.str()?;
    let periods = trends.column("period")?.str()?;
    let values = trends.column("value")?.f64()?;
    let sheet = workbook.worksheet_from_name("trends")?;
    let first_col: u16 = 15;
    let mut top = 0u32;
    for (k, (metric, title)) in CHARTED.iter().enumerate() {
        // period → store → value.
        let mut table: std::collections::BTreeMap<&str, std::collections::BTreeMap<&str, f64>> =
            Default::default();
        let mut stores = std::collections::BTreeSet::new();
        for i in 0..trends.height() {
            if levels.get(i) == Some("store")
                && metrics.get(i) == Some(*metric)
                && let (Some(p), Some(id), Some(v)) = (periods.get(i), ids.get(i), values.get(i))
            {
                table.entry(p).or_default().insert(id, v);
                stores.insert(id);
            }
        }
        if table.is_empty() {
            continue;
        }
        let stores: Vec<&str> = stores.into_iter().collect();
        sheet.write_string(top, first_col, *metric)?;
        for (j, store) in stores.iter().enumerate() {
            sheet.write_string(top, first_col + 1 + j as u16, *store)?;
        }
        for (r, (period, row)) in table.iter().enumerate() {
            let r = top + 1 + r as u32;
            sheet.write_string(r, first_col, *period)?;
            for (j, store) in stores.iter().enumerate() {
                if let Some(v) = row.get(store) {
                    sheet.write_number(r, first_col + 1 + j as u16, *v)?;
                }
            }
        }
        let last = top + table.len() as u32;
        let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Line);
        chart.title().set_name(*title);
        for j in 0..stores.len() {
            let c = first_col + 1 + j as u16;
            chart
                .add_series()
                .set_name(("trends", top, c))
                .set_categories(("trends", top + 1, first_col, last, first_col))
                .set_values(("trends", top + 1, c, last, c));
        }
        chart.set_width(640).set_height(300);
        let chart_col = first_col + stores.len() as u16 + 2;
        sheet.insert_chart(k as u32 * 16, chart_col, &chart)?;
        top = last + 2;
    }
    Ok(())
}

/// A bar chart of the latest month's GMV change by store (tier attribution),
/// from a small table written to the right of the attribution table.
pub(crate) fn attribution_chart(
    workbook: &mut Workbook,
    attribution: &DataFrame,
) -> Result<(), SheetError> {
    let methods = attribution.column("method")?.str()?;
    let levels = attribution.column("level")?.str()?;
    let metrics = attribution.column("metric")?.str()?;
    let periods = attribution.column("period")?.str()?;
    let bases = attribution.column("base_period")?.str()?;
    let factors = attribution.column("factor")?.str()?;
    let effects = attribution.column("effect")?.f64()?;
    let tier: Vec<usize> = (0..attribution.height())
        .filter(|&i| {
            methods.get(i) == Some("tier")
                && levels.get(i) == Some("company")
                && metrics.get(i) == Some("gmv")
        })
        .collect();
    let Some(latest) = tier.iter().filter_map(|&i| periods.get(i)).max() else {
        return Ok(());
    };
    let rows: Vec<usize> = tier
        .into_iter()
        .filter(|&i| periods.get(i) == Some(latest))
        .collect();
    let sheet = workbook.worksheet_from_name("attribution")?;
    let col: u16 = 10;
    let base = rows.first().and_then(|&i| bases.get(i)).unwrap_or("");
    sheet.write_string(0, col, "store")?;
    sheet.write_string(0, col + 1, format!("GMV change {base} → {latest}"))?;
    for (r, &i) in rows.iter().enumerate() {
        sheet.write_string(r as u32 + 1, col, factors.get(i).unwrap_or(""))?;
        sheet.write_number(r as u32 + 1, col + 1, effects.get(i).unwrap_or(0.0))?;
    }
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Bar);
    chart
        .title()
        .set_name(&format!("GMV 变化按门店 {base} → {latest}"));
    let n = rows.len() as u32;
    chart
        .add_series()
        .set_name(("attribution", 0, col + 1))
        .set_categories(("attribution", 1, col, n, col))
        .set_values(("attribution", 1, col + 1, n, col + 1));
    chart.set_width(560).set_height(320);
    sheet.insert_chart(0, col + 3, &chart)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_colours_run_from_best_to_worst() {
        let grades: Vec<String> = ["卓越", "优秀", "良好", "一般", "不及格"]
            .map(String::from)
            .into();
        let colour = |g: &str| grade_format(&grades, g).unwrap();
        assert_eq!(
            colour("卓越"),
            Format::new().set_background_color(Color::RGB(0x63BE7B))
        );
        assert_eq!(
            colour("不及格"),
            Format::new().set_background_color(Color::RGB(0xFFC7CE))
        );
        assert!(grade_format(&grades, "A").is_none());
    }

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("ab"), 2);
        assert_eq!(display_width("卓越"), 4);
    }
}
