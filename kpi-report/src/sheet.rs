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
    /// A duration in seconds.
    Seconds,
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

/// Formula cells of a table, by column name: per row the formula, `{row}`
/// standing for the cell's sheet row (from 1), or none where the cell
/// holds its value only. The column's value is the formula's cached
/// result, so a reader that does not recalculate shows our number.
pub(crate) type Formulas = [(String, Vec<Option<String>>)];

/// [`Formulas`], owned.
pub(crate) type FormulaColumns = Vec<(String, Vec<Option<String>>)>;

/// Data rows a sheet holds below its header (Excel's limit, 1,048,576 rows).
pub const SHEET_ROWS: usize = 1_048_575;

/// A result table as a sheet: its frame (columns by id), how each column
/// is shown, and what its header says.
pub(crate) struct Table<'a> {
    frame: &'a DataFrame,
    style: &'a dyn Fn(&str) -> CellStyle,
    grades: Option<&'a [String]>,
    formulas: &'a Formulas,
    header: &'a dyn Fn(&str) -> String,
    in_memory: bool,
    falling: &'a [&'a str],
}

fn same(id: &str) -> String {
    id.to_string()
}

impl<'a> Table<'a> {
    /// The frame, each column shown as `style` says, headed by its id.
    pub(crate) fn new(frame: &'a DataFrame, style: &'a dyn Fn(&str) -> CellStyle) -> Self {
        Table {
            frame,
            style,
            grades: None,
            formulas: &[],
            header: &same,
            in_memory: false,
            falling: &[],
        }
    }

    /// Shows the negative values of these columns (changes) in red.
    pub(crate) fn with_falling(mut self, columns: &'a [&'a str]) -> Self {
        self.falling = columns;
        self
    }

    /// Fills the cells of the `grade` column by grade (best first).
    pub(crate) fn with_grades(mut self, grades: &'a [String]) -> Self {
        self.grades = Some(grades);
        self
    }

    /// Writes these formula cells.
    pub(crate) fn with_formulas(mut self, formulas: &'a Formulas) -> Self {
        self.formulas = formulas;
        self
    }

    /// Heads each column with `header(id)`.
    pub(crate) fn with_header(mut self, header: &'a dyn Fn(&str) -> String) -> Self {
        self.header = header;
        self
    }

    /// Keeps the sheet in memory, for cells written after it (a chart's data).
    pub(crate) fn in_memory(mut self) -> Self {
        self.in_memory = true;
        self
    }
}

/// Writes a table as the sheet `name`: bold frozen header, autofilter,
/// fitted widths, formats by its style, grade fills on a `grade` column
/// when it has grades (best first). A table longer than a sheet goes on in
/// sheets `name (2)`, `name (3)`…, each part's first header cell noting
/// the rows it holds; no row is left out.
pub(crate) fn write_table(
    workbook: &mut Workbook,
    name: &str,
    table: &Table<'_>,
) -> Result<(), SheetError> {
    write_table_in_parts(workbook, name, table, SHEET_ROWS)
}

/// [`write_table`] with at most `rows` data rows a sheet.
fn write_table_in_parts(
    workbook: &mut Workbook,
    name: &str,
    table: &Table<'_>,
    rows: usize,
) -> Result<(), SheetError> {
    let frame = table.frame;
    let height = frame.height();
    let write_sheet =
        |workbook: &mut Workbook, name: &str, first: usize, part: &DataFrame, note| {
            let by_rows = !table.in_memory && part.height() > CONSTANT_MEMORY_ROWS;
            let formulas: Vec<(&str, &[Option<String>])> = table
                .formulas
                .iter()
                .map(|(c, f)| (c.as_str(), &f[first..first + part.height()]))
                .collect();
            let cells = Cellwise {
                style: table.style,
                grades: table.grades,
                formulas: &formulas,
                header: table.header,
                falling: table.falling,
            };
            write_sheet(workbook, name, part, &cells, note, by_rows)
        };
    if height <= rows {
        return write_sheet(workbook, name, 0, frame, None);
    }
    let parts = height.div_ceil(rows);
    let part_name = |k: usize| {
        if k == 0 {
            name.to_string()
        } else {
            format!("{name} ({})", k + 1)
        }
    };
    for k in 0..parts {
        let first = k * rows;
        let part = frame.slice(first as i64, rows);
        let next = (k + 1 < parts).then(|| part_name(k + 1));
        let note = part_note(name, first + 1, first + part.height(), height, parts, next);
        write_sheet(workbook, &part_name(k), first, &part, Some(note))?;
    }
    Ok(())
}

/// The note on a part's first header cell: the rows it holds and where the
/// table goes on (`next`, none for the last part).
fn part_note(
    name: &str,
    first: usize,
    last: usize,
    height: usize,
    parts: usize,
    next: Option<String>,
) -> String {
    let next = match next {
        Some(sheet) => format!("the table goes on in sheet `{sheet}`"),
        None => format!("the last part; the table starts in sheet `{name}`"),
    };
    format!("rows {first} to {last} of {height} ({parts} sheets): {next}")
}

/// Sheets of more rows than this are written in rust_xlsxwriter's
/// constant-memory mode: row by row, each row flushed to a temporary file
/// as it is done, so memory does not grow with the sheet.
pub const CONSTANT_MEMORY_ROWS: usize = 100_000;

/// The cell formats of a table sheet.
struct Formats {
    header: Format,
    cents: Format,
    seconds: Format,
    percent: Format,
    count: Format,
    decimal: Format,
    plain: Format,
    /// Each grade's fill, best first.
    grades: Vec<(String, Format)>,
}

impl Formats {
    fn new(grades: Option<&[String]>) -> Formats {
        let grades = grades.unwrap_or(&[]);
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin),
            cents: Format::new().set_num_format("¥#,##0.00"),
            seconds: Format::new().set_num_format("0.0\" s\""),
            percent: Format::new().set_num_format("0.00%"),
            count: Format::new().set_num_format("#,##0"),
            decimal: Format::new().set_num_format("0.00"),
            plain: Format::new(),
            grades: grades
                .iter()
                .filter_map(|g| grade_format(grades, g).map(|f| (g.clone(), f)))
                .collect(),
        }
    }

    /// The number format of a column's style.
    fn of(&self, kind: CellStyle) -> &Format {
        match kind {
            CellStyle::Cents | CellStyle::Money => &self.cents,
            CellStyle::Percent => &self.percent,
            CellStyle::Count => &self.count,
            CellStyle::Decimal => &self.decimal,
            CellStyle::Seconds => &self.seconds,
            CellStyle::Text | CellStyle::Value => &self.plain,
        }
    }
}

/// One column of a table sheet: its values, ready to write by row index.
enum Cells<'f> {
    /// Text (numbers of a non-numeric type as text).
    Text(StringChunked),
    Flags(BooleanChunked),
    /// Numbers, the divisor shown (100 for cents), the format, and the
    /// formulas whose cached results they are.
    Numbers(
        Float64Chunked,
        f64,
        &'f Format,
        Option<&'f [Option<String>]>,
    ),
}

/// How the cells of a table sheet are written: styles by column, the
/// grade fills, and formula cells (sliced to the sheet's rows).
struct Cellwise<'a> {
    style: &'a dyn Fn(&str) -> CellStyle,
    grades: Option<&'a [String]>,
    formulas: &'a [(&'a str, &'a [Option<String>])],
    header: &'a dyn Fn(&str) -> String,
    falling: &'a [&'a str],
}

impl Cells<'_> {
    /// Writes row `i` of the column at (`row`, `col`); nothing for a null.
    fn write(
        &self,
        sheet: &mut rust_xlsxwriter::Worksheet,
        row: u32,
        col: u16,
        i: usize,
    ) -> Result<(), XlsxError> {
        match self {
            Cells::Text(t) => {
                if let Some(v) = t.get(i) {
                    sheet.write_string(row, col, v)?;
                }
            }
            Cells::Flags(b) => {
                if let Some(v) = b.get(i) {
                    sheet.write_boolean(row, col, v)?;
                }
            }
            Cells::Numbers(v, scale, f, formulas) => {
                let Some(v) = v.get(i) else { return Ok(()) };
                match formulas.and_then(|texts| texts[i].as_ref()) {
                    Some(text) => {
                        let formula = rust_xlsxwriter::Formula::new(
                            text.replace("{row}", &(row + 1).to_string()),
                        )
                        .set_result((v / scale).to_string());
                        sheet.write_formula_with_format(row, col, formula, f)?;
                    }
                    None => {
                        sheet.write_number_with_format(row, col, v / scale, f)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Every column of `frame` as [`Cells`] (one chunk each, so each value is
/// found at once), with its width: the title's, the widest text of the
/// first 500 rows, at least 12 for numbers and 7 for flags, at most 48.
fn columns_of<'f>(
    frame: &DataFrame,
    cellwise: &Cellwise<'f>,
    formats: &'f Formats,
) -> Result<Vec<(Cells<'f>, usize)>, SheetError> {
    let style = cellwise.style;
    frame
        .columns()
        .iter()
        .map(|column| {
            let title = column.name().as_str();
            let kind = style(title);
            let mut width = display_width(&(cellwise.header)(title)) + 3;
            let cells = match column.dtype() {
                DataType::String => {
                    let text = column.str()?.rechunk().into_owned();
                    for v in text.iter().take(500).flatten() {
                        width = width.max(display_width(v) + 1);
                    }
                    Cells::Text(text)
                }
                DataType::Boolean => {
                    width = width.max(7);
                    Cells::Flags(column.bool()?.rechunk().into_owned())
                }
                dtype if dtype.is_primitive_numeric() => {
                    width = width.max(12);
                    let scale = if kind == CellStyle::Cents { 100.0 } else { 1.0 };
                    let values = column.cast(&DataType::Float64)?;
                    let formulas = cellwise
                        .formulas
                        .iter()
                        .find(|(c, _)| *c == title)
                        .map(|(_, f)| *f);
                    Cells::Numbers(
                        values.f64()?.rechunk().into_owned(),
                        scale,
                        formats.of(kind),
                        formulas,
                    )
                }
                _ => {
                    width = width.max(12);
                    let text = column.cast(&DataType::String)?;
                    Cells::Text(text.str()?.rechunk().into_owned())
                }
            };
            Ok((cells, width.min(48)))
        })
        .collect()
}

/// One table sheet. In memory, column by column; with `by_rows`, in
/// rust_xlsxwriter's constant-memory mode, which takes the widths and the
/// header first and then the rows in order, each flushed as it is done.
/// The cells, formats, widths, header, filter and panes are the same.
fn write_sheet(
    workbook: &mut Workbook,
    name: &str,
    frame: &DataFrame,
    cellwise: &Cellwise<'_>,
    note: Option<String>,
    by_rows: bool,
) -> Result<(), SheetError> {
    let formats = Formats::new(cellwise.grades);
    let columns = columns_of(frame, cellwise, &formats)?;
    if u16::try_from(columns.len()).is_err() {
        return Err(XlsxError::ParameterError(format!("{name}: too many columns")).into());
    }
    let sheet = if by_rows {
        workbook.add_worksheet_with_constant_memory()?
    } else {
        workbook.add_worksheet()
    };
    sheet.set_name(name)?;
    if let Some(note) = note {
        sheet.insert_note(0, 0, &rust_xlsxwriter::Note::new(note).set_author("kpi"))?;
    }
    let titles: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|c| (cellwise.header)(c.as_str()))
        .collect();
    if by_rows {
        for (j, (_, width)) in columns.iter().enumerate() {
            sheet.set_column_width(j as u16, *width as f64)?;
        }
        for (j, title) in titles.iter().enumerate() {
            sheet.write_string_with_format(0, j as u16, title.as_str(), &formats.header)?;
        }
        for i in 0..frame.height() {
            for (j, (cells, _)) in columns.iter().enumerate() {
                cells.write(sheet, i as u32 + 1, j as u16, i)?;
            }
        }
    } else {
        for (j, (cells, width)) in columns.iter().enumerate() {
            let col = j as u16;
            sheet.write_string_with_format(0, col, titles[j].as_str(), &formats.header)?;
            for i in 0..frame.height() {
                cells.write(sheet, i as u32 + 1, col, i)?;
            }
            sheet.set_column_width(col, *width as f64)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    conditional_formats(sheet, frame, cellwise, &formats)?;
    if frame.width() > 0 {
        sheet.autofilter(0, 0, frame.height() as u32, frame.width() as u16 - 1)?;
    }
    Ok(())
}

/// Grade cells filled by grade and falling changes in red, as conditional
/// formats (they follow an edited cell).
fn conditional_formats(
    sheet: &mut rust_xlsxwriter::Worksheet,
    frame: &DataFrame,
    cellwise: &Cellwise<'_>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    use rust_xlsxwriter::{ConditionalFormatCell, ConditionalFormatCellRule};
    let last = frame.height() as u32;
    if last == 0 {
        return Ok(());
    }
    for (j, name) in frame.get_column_names().iter().enumerate() {
        let col = j as u16;
        if name.as_str() == "grade" {
            for (grade, fill) in &formats.grades {
                let rule = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::EqualTo(grade.as_str()))
                    .set_format(fill);
                sheet.add_conditional_format(1, col, last, col, &rule)?;
            }
        }
        if cellwise.falling.contains(&name.as_str()) {
            let rule = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::LessThan(0))
                .set_format(Format::new().set_font_color(Color::RGB(0xC00000)));
            sheet.add_conditional_format(1, col, last, col, &rule)?;
        }
    }
    Ok(())
}

/// A column chart of a grade table written on sheet `name`: grades in
/// column A and counts in column B, the header at row `top`, the last
/// grade at row `last`.
pub(crate) fn grade_chart(
    name: &str,
    title: &str,
    top: u32,
    last: u32,
    height: u32,
) -> rust_xlsxwriter::Chart {
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.title().set_name(title);
    chart
        .add_series()
        .set_name((name, top, 1))
        .set_categories((name, top + 1, 0, last, 0))
        .set_values((name, top + 1, 1, last, 1));
    chart.legend().set_hidden();
    chart.set_width(480).set_height(height);
    chart
}

/// The pay slips (工资条): one block per employee-month, as a payroll
/// office prints them: a header row of the components, the amounts, a row
/// saying how each amount was reached, then a blank row.
pub(crate) fn write_pay_slips(
    workbook: &mut Workbook,
    name: &str,
    pay: &kpi_core::Pay,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
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
pub(crate) fn trend_charts(
    workbook: &mut Workbook,
    name: &str,
    trends: &DataFrame,
) -> Result<(), SheetError> {
    let levels = trends.column("level")?.str()?;
    let ids = trends.column("id")?.str()?;
    let metrics = trends.column("metric")?.str()?;
    let periods = trends.column("period")?.str()?;
    let values = trends.column("value")?.f64()?;
    let sheet = workbook.worksheet_from_name(name)?;
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
                .set_name((name, top, c))
                .set_categories((name, top + 1, first_col, last, first_col))
                .set_values((name, top + 1, c, last, c));
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
    name: &str,
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
    let sheet = workbook.worksheet_from_name(name)?;
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
        .set_name((name, 0, col + 1))
        .set_categories((name, 1, col, n, col))
        .set_values((name, 1, col + 1, n, col + 1));
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
    fn a_table_longer_than_a_sheet_goes_on_in_more_sheets_with_every_row() {
        use calamine::{Reader, Xlsx, open_workbook};
        let frame = df!(
            "employee_id" => (0..7).map(|i| format!("E{i}")).collect::<Vec<_>>(),
            "points" => (0..7).map(f64::from).collect::<Vec<_>>(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parts.xlsx");
        let mut workbook = Workbook::new();
        write_table_in_parts(
            &mut workbook,
            "scores",
            &Table::new(&frame, &|_| CellStyle::Value),
            3,
        )
        .map_err(|_| "write")
        .unwrap();
        workbook.save(&path).unwrap();
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), ["scores", "scores (2)", "scores (3)"]);
        let mut ids = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).unwrap();
            assert_eq!(range.get((0, 0)).unwrap().to_string(), "employee_id");
            for r in 1..range.height() {
                ids.push(range.get((r, 0)).unwrap().to_string());
            }
        }
        assert_eq!(ids, ["E0", "E1", "E2", "E3", "E4", "E5", "E6"]);
        assert_eq!(
            part_note("scores", 4, 6, 7, 3, Some("scores (3)".into())),
            "rows 4 to 6 of 7 (3 sheets): the table goes on in sheet `scores (3)`"
        );
        assert_eq!(
            part_note("scores", 7, 7, 7, 3, None),
            "rows 7 to 7 of 7 (3 sheets): the last part; the table starts in sheet `scores`"
        );
    }

    #[test]
    fn a_sheet_written_row_by_row_reads_back_as_the_one_written_in_memory() {
        use calamine::{Reader, Xlsx, open_workbook};
        let grades: Vec<String> = ["A", "B"].map(String::from).into();
        let frame = df!(
            "employee_id" => ["E1", "E2", "E3"],
            "eligible" => [true, false, true],
            "position_wage" => [Some(170_000i64), None, Some(99)],
            "points" => [Some(91.02), Some(0.5), None],
            "grade" => [Some("A"), None, Some("B")],
            "date" => Int32Chunked::from_slice("date".into(), &[20_089, 20_090, 20_091])
                .into_date()
                .into_series(),
        )
        .unwrap();
        let style = |c: &str| match c {
            "position_wage" => CellStyle::Cents,
            "points" => CellStyle::Decimal,
            _ => CellStyle::Text,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut read = Vec::new();
        for by_rows in [false, true] {
            let path = dir.path().join(format!("{by_rows}.xlsx"));
            let mut workbook = Workbook::new();
            let cells = Cellwise {
                style: &style,
                grades: Some(&grades),
                formulas: &[],
                header: &same,
                falling: &[],
            };
            write_sheet(&mut workbook, "scores", &frame, &cells, None, by_rows)
                .map_err(|_| "write")
                .unwrap();
            workbook.save(&path).unwrap();
            let mut book: Xlsx<_> = open_workbook(&path).unwrap();
            let range = book.worksheet_range("scores").unwrap();
            read.push(range.rows().map(|r| r.to_vec()).collect::<Vec<_>>());
        }
        assert_eq!(read[0], read[1]);
        assert_eq!(read[1][1][2], calamine::Data::Float(1700.0));
        assert_eq!(read[1].len(), 4);
    }

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("ab"), 2);
        assert_eq!(display_width("卓越"), 4);
    }
}
