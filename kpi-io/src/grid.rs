//! Raw cell grids from CSV, workbook sheets and Parquet, before typing.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, DataRef, Range, Reader, Sheets};
use polars::prelude::*;

use crate::error::{Error, Position, Result};
use crate::parse::Cell;

/// A rectangle of raw cells. Row numbers are what a spreadsheet shows.
pub(crate) enum Grid {
    /// CSV: the header line, then the data rows as string columns.
    Csv {
        /// Header fields.
        header: Vec<String>,
        /// Data columns, one per header field.
        columns: Vec<StringChunked>,
        /// 1-based line number of the first data row.
        first_row: usize,
    },
    /// A workbook sheet.
    Sheet {
        /// Sheet name.
        name: String,
        /// Cells.
        range: Range<Data>,
    },
}

impl Grid {
    pub(crate) fn sheet(&self) -> Option<&str> {
        match self {
            Grid::Csv { .. } => None,
            Grid::Sheet { name, .. } => Some(name),
        }
    }
}

/// Rows of a grid from the header on: a header row index and cell access.
pub(crate) struct Table<'g> {
    grid: &'g Grid,
    /// Header row, relative to the grid (sheets) or 0 (CSV).
    header_row: usize,
    /// Headers as read (a two-row header flattened), when not the row's own.
    headers: Option<Vec<String>>,
}

impl<'g> Table<'g> {
    pub(crate) fn new(grid: &'g Grid, header_row: usize) -> Self {
        Table {
            grid,
            header_row,
            headers: None,
        }
    }

    /// The grid from `header_row` on, with `headers` standing for that row.
    pub(crate) fn with_headers(grid: &'g Grid, header_row: usize, headers: Vec<String>) -> Self {
        Table {
            grid,
            header_row,
            headers: Some(headers),
        }
    }

    pub(crate) fn headers(&self) -> Vec<String> {
        if let Some(h) = &self.headers {
            return h.clone();
        }
        match self.grid {
            Grid::Csv { header, .. } => header.clone(),
            Grid::Sheet { range, .. } => (0..range.width())
                .map(|c| match range.get((self.header_row, c)) {
                    Some(Data::String(s)) => s.trim().to_string(),
                    Some(Data::Empty) | None => String::new(),
                    Some(other) => other.to_string(),
                })
                .collect(),
        }
    }

    /// Number of data rows below the header.
    pub(crate) fn height(&self) -> usize {
        match self.grid {
            Grid::Csv { columns, .. } => columns.first().map_or(0, |c| c.len()),
            Grid::Sheet { range, .. } => range.height().saturating_sub(self.header_row + 1),
        }
    }

    /// The cell of data row `row` (0-based below the header) and column `col`.
    pub(crate) fn cell(&self, row: usize, col: usize) -> Cell<'_> {
        match self.grid {
            Grid::Csv { columns, .. } => match columns.get(col).and_then(|c| c.get(row)) {
                Some(s) if !s.trim().is_empty() => Cell::Text(s),
                _ => Cell::Empty,
            },
            Grid::Sheet { range, .. } => match range.get((self.header_row + 1 + row, col)) {
                None | Some(Data::Empty) => Cell::Empty,
                Some(Data::String(s)) if s.trim().is_empty() => Cell::Empty,
                Some(Data::String(s)) | Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => {
                    Cell::Text(s)
                }
                Some(Data::Int(i)) => Cell::Number(*i as f64),
                Some(Data::Float(f)) => Cell::Number(*f),
                Some(Data::Bool(b)) => Cell::Number(f64::from(u8::from(*b))),
                Some(Data::DateTime(dt)) => Cell::ExcelDate(dt.as_f64()),
                Some(Data::Error(_)) => Cell::Error,
            },
        }
    }

    /// The 1-based row number a person sees for data row `row`.
    pub(crate) fn row_number(&self, row: usize) -> usize {
        match self.grid {
            Grid::Csv { first_row, .. } => first_row + row,
            Grid::Sheet { range, .. } => {
                range.start().map_or(0, |(r, _)| r as usize) + self.header_row + 2 + row
            }
        }
    }
}

/// A CSV file's text from its header on, checked for shape.
pub(crate) struct CsvBody {
    /// Header fields.
    pub(crate) header: Vec<String>,
    /// The text, and where the data rows start in it.
    text: Arc<str>,
    offset: usize,
    /// 1-based line number of the first data row.
    pub(crate) first_row: usize,
}

/// The data rows of a [`CsvBody`] as bytes, without copying them.
struct Rows(Arc<str>, usize);

impl AsRef<[u8]> for Rows {
    fn as_ref(&self) -> &[u8] {
        &self.0.as_bytes()[self.1..]
    }
}

impl CsvBody {
    fn rows(&self) -> &[u8] {
        &self.text.as_bytes()[self.offset..]
    }

    /// The data rows parsed by polars with `dtypes` (one per header field),
    /// the columns of `only` when given.
    fn parse(
        &self,
        path: &Path,
        dtypes: Vec<DataType>,
        only: Option<Vec<usize>>,
    ) -> Result<DataFrame> {
        let schema: Schema = dtypes
            .into_iter()
            .enumerate()
            .map(|(i, dtype)| Field::new(format!("c{i}").into(), dtype))
            .collect();
        if self.rows().iter().all(|b| b.is_ascii_whitespace()) {
            let schema: Schema = match &only {
                Some(only) => only
                    .iter()
                    .filter_map(|&i| schema.get_at_index(i))
                    .map(|(name, dtype)| Field::new(name.clone(), dtype.clone()))
                    .collect(),
                None => schema,
            };
            return Ok(DataFrame::empty_with_schema(&schema));
        }
        CsvReadOptions::default()
            .with_has_header(false)
            .with_projection(only.map(Arc::new))
            .with_schema(Some(Arc::new(schema)))
            .with_raise_if_empty(false)
            .map_parse_options(|o| {
                o.with_truncate_ragged_lines(true)
                    .with_missing_is_null(true)
            })
            .into_reader_with_file_handle(Cursor::new(Rows(self.text.clone(), self.offset)))
            .finish()
            .map_err(|e| Error::polars(format!("{}: cannot parse CSV", path.display()), e))
    }

    /// Every cell as text: the grid of the careful path.
    pub(crate) fn strings(&self, path: &Path) -> Result<Grid> {
        let frame = self.parse(path, vec![DataType::String; self.header.len()], None)?;
        let columns = frame
            .columns()
            .iter()
            // One chunk per column: cells are read by row index.
            .map(|c| c.str().map(|s| s.rechunk().into_owned()))
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(|e| Error::polars(path.display().to_string(), e))?;
        Ok(Grid::Csv {
            header: self.header.clone(),
            columns,
            first_row: self.first_row,
        })
    }

    /// The columns parsed with `dtypes`, or `None` when some cell does not
    /// parse as its type (the file is then read as text).
    pub(crate) fn typed(&self, path: &Path, dtypes: Vec<DataType>) -> Option<Vec<Column>> {
        self.parse(path, dtypes, None)
            .ok()
            .map(|frame| frame.columns().to_vec())
    }

    /// Column `j` as the file writes it, for the careful path.
    pub(crate) fn text_of(&self, path: &Path, j: usize) -> Result<StringChunked> {
        let frame = self.parse(
            path,
            vec![DataType::String; self.header.len()],
            Some(vec![j]),
        )?;
        let column = frame.columns().first().ok_or_else(|| Error::Layout {
            at: Position {
                file: path.into(),
                ..Default::default()
            },
            message: format!("column {} is not in the file", j + 1),
        })?;
        column
            .str()
            .map(|s| s.rechunk().into_owned())
            .map_err(|e| Error::polars(path.display().to_string(), e))
    }
}

/// Reads a CSV file (UTF-8 with or without BOM, else GB18030) up to its
/// header, the first of the first 30 lines that `is_header` accepts, and
/// checks the shape of its rows.
pub(crate) fn csv_body(path: &Path, is_header: &dyn Fn(&[String]) -> bool) -> Result<CsvBody> {
    let text = lf_line_ends(csv_text(path)?);
    let mut offset = 0;
    let mut header: Option<(usize, Vec<String>)> = None;
    for (line_index, line) in text.split_inclusive('\n').take(30).enumerate() {
        let fields = split_csv_line(line.trim_end_matches(['\n', '\r']));
        if is_header(&fields) {
            header = Some((line_index, fields));
            offset += line.len();
            break;
        }
        offset += line.len();
    }
    let Some((header_line, header)) = header else {
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                ..Default::default()
            },
            message: "no header row with known column names in the first 30 lines".into(),
        });
    };
    check_shape(path, &text[offset..], &header, header_line + 2)?;
    Ok(CsvBody {
        header,
        text: Arc::from(text),
        offset,
        first_row: header_line + 2,
    })
}

/// Reads a CSV file into a grid of text cells (see [`csv_body`]).
pub(crate) fn read_csv(path: &Path, is_header: &dyn Fn(&[String]) -> bool) -> Result<Grid> {
    csv_body(path, is_header)?.strings(path)
}

/// The text with CR-only line ends (old Mac files) made LF; CRLF and LF
/// files are left as they are.
fn lf_line_ends(text: String) -> String {
    if text.contains('\n') || !text.contains('\r') {
        text
    } else {
        text.replace('\r', "\n")
    }
}

/// Checks that every record of a CSV body has the header's field count
/// (fields past it may be empty; blank lines are left to the reader).
/// `first_line` is the 1-based line of the body's first line.
fn check_shape(path: &Path, body: &str, header: &[String], first_line: usize) -> Result<()> {
    let width = header.len();
    // Rows may stop before trailing empty header fields.
    let needed = header
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |p| p + 1);
    let at = |line: usize| Position {
        file: path.into(),
        row: Some(line),
        ..Default::default()
    };
    let bytes = body.as_bytes();
    let mut line = first_line;
    let mut start_line = line;
    let mut start = 0;
    let mut quoted = false;
    let mut fields = 1;
    // Fields of the record so far, counted up to the last non-empty one.
    let mut filled = 0;
    let mut field_start = 0;
    let mut i = 0;
    let close = |start: usize, end: usize, fields: usize, filled: usize, line: usize| {
        let record = body[start..end].trim_end_matches(['\r', '\n']);
        if record.trim().is_empty() {
            return Ok(());
        }
        if fields < needed {
            let cut = end == body.len() && !body.ends_with('\n');
            return Err(Error::Layout {
                at: at(line),
                message: format!(
                    "the row has {fields} fields, the header {width}{}",
                    if cut {
                        ": the file ends inside this row (was it cut short?)"
                    } else {
                        ": a value is missing or a row was split"
                    }
                ),
            });
        }
        if filled > width {
            return Err(Error::Layout {
                at: at(line),
                message: format!(
                    "the row has {filled} fields, the header {width}{}",
                    thousands_hint(record)
                ),
            });
        }
        Ok(())
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                if !body[field_start..i].trim().is_empty() {
                    filled = fields;
                }
                fields += 1;
                field_start = i + 1;
            }
            b'\n' => {
                line += 1;
                if !quoted {
                    if !body[field_start..i].trim().is_empty() {
                        filled = fields;
                    }
                    close(start, i + 1, fields, filled, start_line)?;
                    start = i + 1;
                    field_start = start;
                    start_line = line;
                    fields = 1;
                    filled = 0;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if quoted {
        return Err(Error::Layout {
            at: at(start_line),
            message: "the file ends inside a quoted field (was it cut short?)".into(),
        });
    }
    if start < body.len() {
        if !body[field_start..].trim().is_empty() {
            filled = fields;
        }
        close(start, body.len(), fields, filled, start_line)?;
    }
    Ok(())
}

/// `: an unquoted thousands separator (6,213)?` when a field and the next
/// look like digits split at a thousands comma.
fn thousands_hint(record: &str) -> String {
    let fields = split_csv_line(record);
    fields
        .windows(2)
        .find(|w| {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits(&w[0]) && w[0].len() <= 3 && w[1].len() == 3 && digits(&w[1])
        })
        .map_or_else(String::new, |w| {
            format!(
                ": an unquoted thousands separator (`{},{}`)? Quote the value or drop the comma",
                w[0], w[1]
            )
        })
}

/// The text of a CSV file: UTF-8 (a BOM dropped), else GBK/GB18030.
fn csv_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..'\u{feff}'.len_utf8());
            }
            s
        }
        Err(e) => {
            let bytes = e.into_bytes();
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(&bytes);
            if had_errors {
                return Err(Error::Layout {
                    at: Position {
                        file: path.into(),
                        ..Default::default()
                    },
                    message: "the file is neither UTF-8 nor GBK/GB18030 text".into(),
                });
            }
            decoded.into_owned()
        }
    })
}

/// The first `n` lines of a CSV file, split into fields.
pub(crate) fn csv_head(path: &Path, n: usize) -> Result<Vec<Vec<String>>> {
    Ok(csv_text(path)?
        .lines()
        .take(n)
        .map(split_csv_line)
        .collect())
}

/// Splits one CSV line into fields, honouring double quotes.
pub(crate) fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field).trim().to_string()),
            c => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

/// The cells of sheet row `r` as text (blank for empty cells).
pub(crate) fn row_text(range: &Range<Data>, r: usize) -> Vec<String> {
    (0..range.width())
        .map(|c| match range.get((r, c)) {
            Some(Data::String(s)) => s.trim().to_string(),
            Some(Data::Empty) | None => String::new(),
            Some(other) => other.to_string(),
        })
        .collect()
}

/// Reads every sheet of a workbook (xlsx, xlsm, xls, ods).
pub(crate) fn read_workbook(path: &Path) -> Result<Vec<Grid>> {
    let mut workbook = match calamine::open_workbook_auto(path) {
        Ok(workbook) => workbook,
        // Some platforms (生意参谋 among them) save an HTML table as `.xls`.
        Err(source) => match html_tables(path)? {
            Some(grids) => return Ok(grids),
            None => return Err(Error::workbook(path, source)),
        },
    };
    let mut grids = Vec::new();
    for name in workbook.sheet_names() {
        let range = match &mut workbook {
            // One pass over the sheet's XML gives the values and the formulas.
            Sheets::Xlsx(xlsx) => xlsx_values(path, &name, xlsx)?,
            other => {
                let range = other
                    .worksheet_range(&name)
                    .map_err(|e| Error::workbook(path, e))?;
                if let Ok(formulas) = other.worksheet_formula(&name)
                    && let Some((top, left)) = formulas.start()
                {
                    for (r, c, formula) in formulas.used_cells() {
                        let at = (top + r as u32, left + c as u32);
                        if !formula.is_empty()
                            && matches!(range.get_value(at), None | Some(Data::Empty))
                        {
                            return Err(uncalculated(path, &name, at, formula));
                        }
                    }
                }
                range
            }
        };
        grids.push(Grid::Sheet { name, range });
    }
    Ok(grids)
}

/// The values of an xlsx sheet (as calamine's `worksheet_range` gives them),
/// read with its formulas in one pass.
fn xlsx_values<RS: std::io::Read + std::io::Seek>(
    path: &Path,
    sheet: &str,
    xlsx: &mut calamine::Xlsx<RS>,
) -> Result<Range<Data>> {
    let unreadable = |source: calamine::XlsxError| Error::workbook(path, source);
    let mut reader = match xlsx.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        // A chart sheet has no cells.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Range::default()),
        Err(e) => return Err(unreadable(e)),
    };
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell_with_formula().map_err(unreadable)? {
        if matches!(cell.value, DataRef::Empty) {
            if let Some(formula) = cell.formula.filter(|f| !f.is_empty()) {
                return Err(uncalculated(path, sheet, cell.pos, &formula));
            }
            continue;
        }
        cells.push(calamine::Cell::new(cell.pos, Data::from(cell.value)));
    }
    Ok(Range::from_sparse(cells))
}

/// A formula cell saved without its value (by a library that writes
/// formulas but does not calculate them) would read as blank: an error
/// naming its sheet and cell.
fn uncalculated(path: &Path, sheet: &str, (row, col): (u32, u32), formula: &str) -> Error {
    let mut name = String::new();
    let mut n = col + 1;
    while n > 0 {
        name.insert(0, char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    Error::Layout {
        at: Position {
            file: path.into(),
            sheet: Some(sheet.to_string()),
            row: Some(row as usize + 1),
            column: Some(format!("{name}{}", row + 1)),
        },
        message: format!(
            "the formula {} was saved without its value; open the file in Excel or \
             WPS and save it (or paste the values) so that the value is stored",
            crate::parse::quoted(&format!("={formula}"))
        ),
    }
}

/// The tables of an HTML file saved as a spreadsheet, one grid each
/// (`colspan` and `rowspan` spread as merged cells are: the text in the
/// first cell, the others blank); `None` when the file is not HTML.
fn html_tables(path: &Path) -> Result<Option<Vec<Grid>>> {
    let text = csv_text(path)?;
    if !text.trim_start().starts_with('<') {
        return Ok(None);
    }
    let lower = text.to_ascii_lowercase();
    let mut grids = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<table").map(|i| at + i) {
        let end = lower[start..]
            .find("</table")
            .map_or(text.len(), |i| start + i);
        let rows = html_rows(&text[start..end], &lower[start..end]);
        at = end.max(start + 1);
        let height = rows.len();
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if height == 0 || width == 0 {
            continue;
        }
        let mut range = Range::new((0, 0), (height as u32 - 1, width as u32 - 1));
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    range.set_value((r as u32, c as u32), Data::String(cell.clone()));
                }
            }
        }
        grids.push(Grid::Sheet {
            name: format!("table{}", grids.len() + 1),
            range,
        });
    }
    Ok(Some(grids))
}

/// The cell texts of each `<tr>` of one table, spans spread out.
fn html_rows(text: &str, lower: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    // Columns still covered by a rowspan from above: remaining rows.
    let mut carried: Vec<usize> = Vec::new();
    for (tr_start, tr_end) in spans(lower, "<tr", "</tr") {
        // The cells start after the `<tr …>` tag itself.
        let tr_start = lower[tr_start..tr_end]
            .find('>')
            .map_or(tr_end, |i| tr_start + i + 1);
        let (tr, tr_lower) = (&text[tr_start..tr_end], &lower[tr_start..tr_end]);
        let mut row: Vec<String> = Vec::new();
        let mut cells = spans(tr_lower, "<t", "</t")
            .into_iter()
            .filter(|(s, _)| matches!(tr_lower.as_bytes().get(s + 2), Some(b'd' | b'h')))
            .peekable();
        let mut col = 0;
        loop {
            if carried.get(col).is_some_and(|&n| n > 0) {
                carried[col] -= 1;
                row.push(String::new());
                col += 1;
                continue;
            }
            let Some((s, e)) = cells.next() else { break };
            let open_end = tr_lower[s..e].find('>').map_or(e, |i| s + i + 1);
            let attrs = &tr_lower[s..open_end];
            let span = |name: &str| -> usize {
                attrs
                    .find(name)
                    .map(|i| &attrs[i + name.len()..])
                    .and_then(|rest| {
                        let digits: String = rest
                            .trim_start_matches(['=', '"', '\'', ' '])
                            .chars()
                            .take_while(char::is_ascii_digit)
                            .collect();
                        digits.parse().ok()
                    })
                    .unwrap_or(1)
                    .max(1)
            };
            let (colspan, rowspan) = (span("colspan"), span("rowspan"));
            row.push(html_text(&tr[open_end..e]));
            for k in 0..colspan {
                if carried.len() <= col + k {
                    carried.resize(col + k + 1, 0);
                }
                carried[col + k] = rowspan - 1;
                if k > 0 {
                    row.push(String::new());
                }
            }
            col += colspan;
        }
        rows.push(row);
    }
    rows
}

/// Byte ranges from each `open` tag to its `close` tag (exclusive).
fn spans(lower: &str, open: &str, close: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(s) = lower[at..].find(open).map(|i| at + i) {
        let e = lower[s + open.len()..]
            .find(close)
            .map_or(lower.len(), |i| s + open.len() + i);
        out.push((s, e));
        at = e.max(s + 1);
    }
    out
}

/// A cell's text: tags dropped, entities decoded, spaces trimmed.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let mut decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    decoded = decoded.replace("&amp;", "&");
    decoded.trim().to_string()
}

/// Reads a Parquet file with its own column types.
pub(crate) fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::polars(format!("{}: cannot read Parquet", path.display()), e))
}

/// A Parquet file's metadata and its row groups taken in batches of whole
/// groups of at most `rows` rows (a larger group is a batch of its own):
/// each batch's first row and rows.
pub(crate) fn parquet_batches(
    path: &Path,
    rows: usize,
) -> Result<(FileMetadataRef, Vec<(usize, usize)>)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let metadata = ParquetReader::new(file)
        .get_metadata()
        .map_err(|e| Error::polars(format!("{}: cannot read Parquet", path.display()), e))?
        .clone();
    let mut batches: Vec<(usize, usize)> = Vec::new();
    let mut first = 0;
    for group in metadata.row_groups.iter().map(|g| g.num_rows()) {
        match batches.last_mut() {
            Some((_, len)) if *len + group <= rows => *len += group,
            _ => batches.push((first, group)),
        }
        first += group;
    }
    Ok((metadata, batches))
}

/// The rows `first..first + len` of a Parquet file whose metadata was read.
pub(crate) fn read_parquet_rows(
    path: &Path,
    metadata: &FileMetadataRef,
    (first, len): (usize, usize),
) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ParquetReader::new(file).with_slice(Some((first, len)));
    reader.set_metadata(metadata.clone());
    reader
        .finish()
        .map_err(|e| Error::polars(format!("{}: cannot read Parquet", path.display()), e))
}

/// A frame read from Parquet as a CSV-like grid of text cells, for the
/// careful typing path that serves every format.
pub(crate) fn text_grid(path: &Path, frame: DataFrame) -> Result<Grid> {
    let header = frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let columns = frame
        .columns()
        .iter()
        .map(|c| {
            let text = match c.dtype() {
                // Dates become ISO text; numbers their shortest decimal form.
                DataType::String => c.clone(),
                _ => c.cast(&DataType::String)?,
            };
            Ok(text.str()?.rechunk().into_owned())
        })
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(|e| Error::polars(path.display().to_string(), e))?;
    Ok(Grid::Csv {
        header,
        columns,
        first_row: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_rows_spread_spans() {
        let html = r#"<table><tr><TD rowspan="2">日期</td><td colspan=2>流量</td></tr>
            <tr><th>访客数(UV)</th><th>同比</th></tr>
            <tr><td>2025-04-01</td><td>1,234&nbsp;</td><td><span>5%</span></td></tr></table>"#;
        let lower = html.to_ascii_lowercase();
        assert_eq!(
            html_rows(html, &lower),
            vec![
                vec!["日期", "流量", ""],
                vec!["", "访客数(UV)", "同比"],
                vec!["2025-04-01", "1,234", "5%"],
            ]
        );
    }

    #[test]
    fn csv_lines_split_with_quotes() {
        assert_eq!(
            split_csv_line(r#"a, "b,c" ,"d""e""#),
            vec!["a", "b,c", "d\"e"]
        );
        assert_eq!(split_csv_line(""), vec![""]);
    }
}
