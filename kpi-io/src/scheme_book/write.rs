//! A scheme written as a workbook an HR lead edits: the cells a person
//! fills are unlocked and checked as they are typed (drop-down lists for
//! rule kinds, metrics and directions; number ranges for weights and
//! rates), headers carry notes, the rest is locked.

use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, Formula, Note, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use kpi_core::{Lang, Level, catalogue};

use super::layout::{
    Check, LISTS, Seg, check_of, column_rank, header, owner_header, path_text, setting_check,
    settings_headers, sheet_name, top_rank,
};
use crate::error::{Error, Result};

/// A value of one cell: a single value or a list (`roles`, `months`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf {
    One(toml::Value),
    List(Vec<toml::Value>),
}

/// One row of a table: its owner's id (or row number) in a table inside
/// rows, and its cells by key path.
type Row = (Option<toml::Value>, Vec<(String, Leaf)>);

/// The rows of tables inside rows found so far: their key path, and per
/// row its owner and its table.
type InnerRows = Vec<(Vec<Seg>, Vec<(Option<toml::Value>, toml::Table)>)>;

/// One table of rows: its key path, the columns (key paths inside a row)
/// and the rows; for a table inside rows, its owner table and the owner
/// of each row.
struct Rows {
    path: Vec<Seg>,
    inside: Option<(usize, Vec<Seg>)>,
    columns: Vec<String>,
    rows: Vec<Row>,
}

/// The single values and the tables of a scheme document.
struct Book {
    settings: Vec<(String, Leaf)>,
    tables: Vec<Rows>,
}

/// Why the document to be written at `file` cannot be laid out as sheets.
fn too_deep(file: &Path, path: &[Seg]) -> Error {
    Error::SchemeBook {
        path: file.into(),
        place: path_text(path),
        message: "a table inside a table inside a row cannot be laid out as a sheet".into(),
    }
}

/// The leaves of a table (key paths relative to it) and the tables of rows
/// found in it.
fn leaves(
    file: &Path,
    table: &toml::Table,
    prefix: &[Seg],
    out: &mut Vec<(Vec<Seg>, Leaf)>,
    tables: &mut Vec<(Vec<Seg>, Vec<toml::Table>)>,
) -> Result<()> {
    for (key, value) in table {
        let mut path = prefix.to_vec();
        path.push(Seg::Key(key.clone()));
        match value {
            toml::Value::Table(t) => leaves(file, t, &path, out, tables)?,
            toml::Value::Array(items)
                if !items.is_empty() && items.iter().all(toml::Value::is_table) =>
            {
                let rows = items.iter().filter_map(|v| v.as_table().cloned()).collect();
                tables.push((path, rows));
            }
            toml::Value::Array(items) => {
                if items.iter().any(|v| v.is_table() || v.is_array()) {
                    return Err(too_deep(file, &path));
                }
                path.push(Seg::Rows);
                out.push((path, Leaf::List(items.clone())));
            }
            other => out.push((path, Leaf::One(other.clone()))),
        }
    }
    Ok(())
}

impl Book {
    /// The sheets of `root`, to be written at `file` (named in errors).
    fn of(root: &toml::Table, file: &Path) -> Result<Book> {
        let mut settings = Vec::new();
        let mut top = Vec::new();
        leaves(file, root, &[], &mut settings, &mut top)?;
        settings.sort_by_key(|(k, _)| top_rank(&path_text(k)));
        top.sort_by_key(|(k, _)| top_rank(&path_text(k)));
        let mut tables = Vec::new();
        for (path, rows) in top {
            let owner = tables.len();
            let mut inner: InnerRows = Vec::new();
            let ids = rows
                .iter()
                .all(|r| r.get("id").is_some_and(toml::Value::is_str));
            let mut flat = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let (mut cells, mut nested) = (Vec::new(), Vec::new());
                leaves(file, row, &[], &mut cells, &mut nested)?;
                let reference = if ids {
                    row.get("id").cloned()
                } else {
                    Some(toml::Value::Integer(i as i64 + 1))
                };
                for (key, nested_rows) in nested {
                    let slot = match inner.iter().position(|(k, _)| *k == key) {
                        Some(slot) => slot,
                        None => {
                            inner.push((key.clone(), Vec::new()));
                            inner.len() - 1
                        }
                    };
                    for r in nested_rows {
                        inner[slot].1.push((reference.clone(), r));
                    }
                }
                flat.push((
                    None,
                    cells.into_iter().map(|(k, v)| (path_text(&k), v)).collect(),
                ));
            }
            tables.push(Rows::new(path.clone(), None, flat));
            for (key, rows) in inner {
                let mut flat = Vec::new();
                for (reference, row) in rows {
                    let (mut cells, mut deeper) = (Vec::new(), Vec::new());
                    leaves(file, &row, &[], &mut cells, &mut deeper)?;
                    if let Some((k, _)) = deeper.first() {
                        let mut at = path.clone();
                        at.push(Seg::Rows);
                        at.extend(key.iter().cloned());
                        at.push(Seg::Rows);
                        at.extend(k.iter().cloned());
                        return Err(too_deep(file, &at));
                    }
                    flat.push((
                        reference,
                        cells.into_iter().map(|(k, v)| (path_text(&k), v)).collect(),
                    ));
                }
                tables.push(Rows::new(path.clone(), Some((owner, key)), flat));
            }
        }
        Ok(Book {
            settings: settings
                .into_iter()
                .map(|(k, v)| (path_text(&k), v))
                .collect(),
            tables,
        })
    }
}

impl Rows {
    fn new(path: Vec<Seg>, inside: Option<(usize, Vec<Seg>)>, rows: Vec<Row>) -> Rows {
        let mut columns: Vec<String> = Vec::new();
        for (_, cells) in &rows {
            for (key, _) in cells {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        columns.sort_by_key(|c| column_rank(c));
        Rows {
            path,
            inside,
            columns,
            rows,
        }
    }

    /// The key path of this table's rows (`items[]`, `items[].rule.bands[]`).
    fn rows_path(&self) -> Vec<Seg> {
        let mut p = self.path.clone();
        p.push(Seg::Rows);
        if let Some((_, key)) = &self.inside {
            p.extend(key.iter().cloned());
            p.push(Seg::Rows);
        }
        p
    }

    /// The layout name of the table (`items`, `items[].rule.bands`).
    fn layout_path(&self) -> String {
        let mut p = self.rows_path();
        p.pop();
        path_text(&p)
    }
}

/// Empty rows left unlocked (and checked) below a table's rows, for new rows.
const SPARE_ROWS: u32 = 200;

/// Writes the scheme document `root` as a workbook at `path` (for
/// all-or-nothing output, a temporary of [`crate::Staging`]).
pub fn write_scheme_book(root: &toml::Table, path: impl AsRef<Path>, lang: Lang) -> Result<()> {
    write_book(root, path.as_ref(), lang, &[])
}

/// [`write_scheme_book`] of a starting scheme, with a sheet listing the
/// metrics its role is usually scored on (`metrics`: catalogue ids,
/// `store.` for store metrics).
pub fn write_template_book(
    root: &toml::Table,
    path: impl AsRef<Path>,
    lang: Lang,
    metrics: &[&str],
) -> Result<()> {
    write_book(root, path.as_ref(), lang, metrics)
}

fn write_book(root: &toml::Table, path: &Path, lang: Lang, listed: &[&str]) -> Result<()> {
    let book = Book::of(root, path)?;
    let xerr = |source: XlsxError| Error::WorkbookWrite {
        path: path.into(),
        source: Box::new(source),
    };
    let mut workbook = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xerr)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("kpi scheme")
            .set_author("kpi")
            .set_creation_datetime(&fixed),
    );
    let formats = Formats::new();
    let metrics = listed_metrics().len() as u32;
    write_settings(&mut workbook, &book, lang, &formats, metrics).map_err(xerr)?;
    for rows in &book.tables {
        write_rows(&mut workbook, &book, rows, lang, &formats, metrics).map_err(xerr)?;
    }
    if !listed.is_empty() {
        write_role_metrics(&mut workbook, listed, lang).map_err(xerr)?;
    }
    write_lists(&mut workbook).map_err(xerr)?;
    workbook.save(path).map_err(xerr)
}

struct Formats {
    header: Format,
    key: Format,
    open: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7)),
            key: Format::new()
                .set_italic()
                .set_font_color(Color::RGB(0x808080))
                .set_font_size(9),
            open: Format::new().set_unlocked(),
        }
    }
}

/// The metric ids an item may name, with their Chinese labels: employee
/// metrics, then store metrics as `store.<id>`.
fn listed_metrics() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for level in [Level::Employee, Level::Store] {
        for m in catalogue().iter().filter(|m| m.level == level) {
            let id = match level {
                Level::Employee => m.id.to_string(),
                Level::Store => format!("{}{}", kpi_core::STORE_PREFIX, m.id),
            };
            out.push((id, m.zh));
        }
    }
    out
}

/// The sheet of the metrics a role is usually scored on: id, labels and
/// formula, to pick items from (not read back).
fn write_role_metrics(
    workbook: &mut Workbook,
    listed: &[&str],
    lang: Lang,
) -> std::result::Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(match lang {
        Lang::En => "role_metrics",
        Lang::Zh => "岗位指标",
    })?;
    let bold = Format::new().set_bold();
    let heads = match lang {
        Lang::En => ["metric", "中文", "English", "formula"],
        Lang::Zh => ["指标编号", "中文", "English", "公式"],
    };
    for (j, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &bold)?;
    }
    let mut row = 1;
    for id in listed {
        let (level, bare) = match id.strip_prefix(kpi_core::STORE_PREFIX) {
            Some(bare) => (Level::Store, bare),
            None => (Level::Employee, *id),
        };
        let Some(m) = kpi_core::metric(level, bare) else {
            continue;
        };
        sheet.write_string(row, 0, *id)?;
        sheet.write_string(row, 1, m.zh)?;
        sheet.write_string(row, 2, m.en)?;
        sheet.write_string(row, 3, m.formula_text())?;
        row += 1;
    }
    sheet.set_column_width(0, 26)?;
    sheet.set_column_width(1, 20)?;
    sheet.set_column_width(2, 34)?;
    sheet.set_column_width(3, 40)?;
    Ok(())
}

/// The hidden sheet of options the drop-down lists read: the metric ids.
fn write_lists(workbook: &mut Workbook) -> std::result::Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(LISTS)?;
    sheet.write_string(0, 0, "metric")?;
    for (i, (id, zh)) in listed_metrics().iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, id)?;
        sheet.write_string(i as u32 + 1, 1, *zh)?;
    }
    sheet.set_hidden(true);
    Ok(())
}

/// A cell's value as written.
fn write_leaf(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    leaf: &Leaf,
    format: &Format,
) -> std::result::Result<(), XlsxError> {
    match leaf {
        Leaf::One(toml::Value::String(s)) => {
            sheet.write_string_with_format(row, col, s, format)?;
        }
        Leaf::One(toml::Value::Integer(i)) => {
            sheet.write_number_with_format(row, col, *i as f64, format)?;
        }
        Leaf::One(toml::Value::Float(f)) => {
            sheet.write_number_with_format(row, col, *f, format)?;
        }
        Leaf::One(toml::Value::Boolean(b)) => {
            sheet.write_boolean_with_format(row, col, *b, format)?;
        }
        Leaf::One(other) => {
            sheet.write_string_with_format(row, col, other.to_string(), format)?;
        }
        Leaf::List(items) => {
            sheet.write_string_with_format(row, col, list_text(items), format)?;
        }
    }
    Ok(())
}

/// A list as one cell: `customer_service, manager`; a text that reads as a
/// number or holds a comma is quoted.
pub(crate) fn list_text(items: &[toml::Value]) -> String {
    items
        .iter()
        .map(|v| match v {
            toml::Value::String(s)
                if s.parse::<f64>().is_ok()
                    || s.contains([',', '，', '"'])
                    || s == "true"
                    || s == "false" =>
            {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn validation(check: &Check, metrics: u32) -> DataValidation {
    match check {
        Check::Words(words) => DataValidation::new()
            .allow_list_strings(words)
            .unwrap_or_else(|_| DataValidation::new()),
        Check::Metric => DataValidation::new()
            .allow_list_formula(Formula::new(format!("={LISTS}!$A$2:$A${}", metrics + 1)))
            .set_error_style(DataValidationErrorStyle::Warning),
        Check::Number(lo, hi) => {
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(*lo, *hi))
        }
        Check::Roles => {
            let roles: Vec<&str> = kpi_core::Role::ALL.iter().map(|r| r.id()).collect();
            DataValidation::new()
                .allow_list_strings(&roles)
                .unwrap_or_else(|_| DataValidation::new())
                .set_error_style(DataValidationErrorStyle::Information)
        }
    }
}

fn protect(sheet: &mut Worksheet) {
    let options = ProtectionOptions {
        insert_rows: true,
        delete_rows: true,
        format_cells: true,
        format_columns: true,
        format_rows: true,
        sort: true,
        use_autofilter: true,
        ..ProtectionOptions::default()
    };
    sheet.protect_with_options(&options);
}

fn write_settings(
    workbook: &mut Workbook,
    book: &Book,
    lang: Lang,
    formats: &Formats,
    metrics: u32,
) -> std::result::Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name("", lang))?;
    for (j, h) in settings_headers(lang).iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &formats.header)?;
    }
    for (i, (key, leaf)) in book.settings.iter().enumerate() {
        let row = i as u32 + 1;
        let (label, note) = header(key, lang);
        sheet.write_string(row, 0, &label)?;
        if !note.is_empty() {
            sheet.insert_note(row, 0, &Note::new(note).set_author("kpi"))?;
        }
        write_leaf(sheet, row, 1, leaf, &formats.open)?;
        sheet.write_string_with_format(row, 2, key, &formats.key)?;
        if let Some(check) = setting_check(key) {
            sheet.add_data_validation(row, 1, row, 1, &validation(&check, metrics))?;
        }
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 48)?;
    sheet.set_column_width(2, 30)?;
    sheet.set_freeze_panes(1, 0)?;
    protect(sheet);
    Ok(())
}

fn write_rows(
    workbook: &mut Workbook,
    book: &Book,
    rows: &Rows,
    lang: Lang,
    formats: &Formats,
    metrics: u32,
) -> std::result::Result<(), XlsxError> {
    let layout = rows.layout_path();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&layout, lang))?;
    let rows_path = path_text(&rows.rows_path());
    let table = path_text(&rows.path);
    let mut col: u16 = 0;
    if let Some((owner, _)) = &rows.inside {
        let owner_rows = &book.tables[*owner];
        let owner_name = sheet_name(&owner_rows.layout_path(), lang);
        let ids = rows
            .rows
            .iter()
            .all(|(r, _)| r.as_ref().is_some_and(toml::Value::is_str));
        let key = format!(
            "{}{}",
            path_text(&owner_rows.rows_path()),
            if ids { ".id" } else { "#" }
        );
        sheet.write_string_with_format(0, 0, owner_header(lang, &owner_name), &formats.header)?;
        sheet.write_string_with_format(1, 0, &key, &formats.key)?;
        sheet.set_column_format(0, &formats.open)?;
        sheet.set_column_width(0, 18)?;
        col = 1;
    }
    let last = rows.rows.len() as u32 + 1 + SPARE_ROWS;
    for (j, key) in rows.columns.iter().enumerate() {
        let c = col + j as u16;
        let (label, note) = header(key, lang);
        sheet.write_string_with_format(0, c, &label, &formats.header)?;
        if !note.is_empty() {
            sheet.insert_note(0, c, &Note::new(note).set_author("kpi"))?;
        }
        sheet.write_string_with_format(1, c, format!("{rows_path}.{key}"), &formats.key)?;
        sheet.set_column_format(c, &formats.open)?;
        let width = label
            .chars()
            .map(|ch| if ch.is_ascii() { 1 } else { 2 })
            .sum::<usize>()
            .max(10)
            + 2;
        sheet.set_column_width(c, width.min(40) as f64)?;
        if let Some(check) = check_of(&table, key) {
            sheet.add_data_validation(2, c, last, c, &validation(&check, metrics))?;
        }
    }
    for (i, (owner, cells)) in rows.rows.iter().enumerate() {
        let row = i as u32 + 2;
        if let Some(owner) = owner {
            write_leaf(sheet, row, 0, &Leaf::One(owner.clone()), &formats.open)?;
        }
        for (key, leaf) in cells {
            let j = rows.columns.iter().position(|c| c == key).unwrap_or(0) as u16;
            write_leaf(sheet, row, col + j, leaf, &formats.open)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;
    protect(sheet);
    Ok(())
}
