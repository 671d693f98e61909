//! Reading a dataset directory into typed frames, with a data-quality record
//! of everything repaired, dropped or suspicious.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::*;

use kpi_core::{ColumnKind, Dataset, Month, Role, Table};

use crate::alias::canonical_column;
use crate::error::{Error, Position, Result};
use crate::grid::{self, Grid};
use crate::parse::{Cell, parse_date, parse_decimal, parse_period, parse_seconds};
use crate::quality::QualityNote;

/// File extensions read as tables.
pub const EXTENSIONS: &[&str] = &["csv", "xlsx", "xlsm", "xls", "ods", "parquet"];

/// Labels of summary rows that exports append and the reader drops.
const SUMMARY_LABELS: &[&str] = &[
    "汇总",
    "合计",
    "总计",
    "均值",
    "平均值",
    "平均",
    "汇总值",
    "total",
    "sum",
    "average",
];

/// A dataset read from disk.
#[derive(Debug)]
pub struct Loaded {
    /// The typed tables.
    pub dataset: Dataset,
    /// Every input file read, in the order of the `_file` index column.
    pub files: Vec<PathBuf>,
    /// Repairs, drops and warnings, each with its position.
    pub quality: Vec<QualityNote>,
    /// Data rows read over all files.
    pub rows_read: usize,
}

/// One file of one table, found in the dataset directory.
#[derive(Debug, Clone)]
struct InputFile {
    table: Table,
    path: PathBuf,
}

/// Reads the dataset in `dir`, parsing files in parallel. `progress` is
/// called once per file read, with the file and the number of files in all.
pub fn read_dataset(
    dir: impl AsRef<Path>,
    progress: &(dyn Fn(&Path, usize) + Sync),
) -> Result<Loaded> {
    let dir = dir.as_ref();
    let (inputs, mut quality) = discover(dir)?;
    let total = inputs.len();
    let parts: Vec<Result<FilePart>> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| {
            let part = read_file(input, index as u32);
            progress(&input.path, total);
            part
        })
        .collect();
    let mut by_table: BTreeMap<Table, Vec<FilePart>> = BTreeMap::new();
    let mut rows_read = 0;
    for (input, part) in inputs.iter().zip(parts) {
        let part = part?;
        rows_read += part.rows_read;
        quality.extend(part.notes.iter().cloned());
        by_table.entry(input.table).or_default().push(part);
    }
    let files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    let mut dataset = Dataset::new();
    for (table, parts) in by_table {
        let frame = concat_parts(table, parts)?;
        dataset.insert(table, frame);
    }
    for table in Table::ALL.into_iter().filter(|t| t.has_unique_key()) {
        if let Some(frame) = dataset.get(table).cloned() {
            let frame = drop_duplicates(table, frame, &files, &mut quality)?;
            dataset.insert(table, frame);
        }
    }
    if dataset.get(Table::StoreDaily).is_none() && dataset.get(Table::EmployeeDaily).is_none() {
        return Err(Error::Dataset {
            path: dir.into(),
            message: "no activity table: expected store_daily or employee_daily (a file or a folder of files)".into(),
        });
    }
    check_references(&dataset, &files, &mut quality)?;
    check_period_gaps(&dataset, &mut quality)?;
    Ok(Loaded {
        dataset,
        files,
        quality,
        rows_read,
    })
}

/// Reads one file as one table of the contract (a payroll ledger given on
/// its own), with the same header search, aliases, cell parsing and
/// duplicate checks as a dataset; data-quality notes are returned with it.
pub fn read_table(path: impl AsRef<Path>, table: Table) -> Result<(DataFrame, Vec<QualityNote>)> {
    let path = path.as_ref();
    if !path.is_file() || !has_table_extension(path) {
        return Err(Error::Dataset {
            path: path.into(),
            message: format!("not a file of a supported type ({})", EXTENSIONS.join(", ")),
        });
    }
    let input = InputFile {
        table,
        path: path.into(),
    };
    let part = read_file(&input, 0)?;
    let mut quality = part.notes.clone();
    let files = vec![input.path.clone()];
    let frame = concat_parts(table, vec![part])?;
    let frame = if table.has_unique_key() {
        drop_duplicates(table, frame, &files, &mut quality)?
    } else {
        frame
    };
    Ok((frame, quality))
}

fn discover(dir: &Path) -> Result<(Vec<InputFile>, Vec<QualityNote>)> {
    let mut notes = Vec::new();
    if !dir.is_dir() {
        return Err(Error::Dataset {
            path: dir.into(),
            message: "not a directory".into(),
        });
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort();
    let mut inputs = Vec::new();
    let mut seen: BTreeMap<Table, PathBuf> = BTreeMap::new();
    for path in entries {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let is_dir = path.is_dir();
        let name = if is_dir {
            path.file_name().and_then(|s| s.to_str()).unwrap_or("")
        } else {
            stem
        };
        let Some(table) = Table::from_name(name) else {
            if !is_hidden(&path) {
                notes.push(QualityNote::file(
                    "-",
                    &path,
                    "not a table of the data contract",
                    "ignored",
                ));
            }
            continue;
        };
        if !is_dir && !has_table_extension(&path) {
            notes.push(QualityNote::file(
                table.name(),
                &path,
                "unsupported file type",
                "ignored",
            ));
            continue;
        }
        if let Some(previous) = seen.insert(table, path.clone()) {
            return Err(Error::Dataset {
                path: path.clone(),
                message: format!(
                    "table `{table}` is given twice (also {}); keep one file or one folder",
                    previous.display()
                ),
            });
        }
        if is_dir {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| Error::io(&path, e))?
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<_>>()
                .map_err(|e| Error::io(&path, e))?;
            files.sort();
            for file in files {
                if is_hidden(&file) || file.is_dir() {
                    continue;
                }
                if has_table_extension(&file) {
                    inputs.push(InputFile { table, path: file });
                } else {
                    notes.push(QualityNote::file(
                        table.name(),
                        &file,
                        "unsupported file type",
                        "ignored",
                    ));
                }
            }
        } else {
            inputs.push(InputFile { table, path });
        }
    }
    Ok((inputs, notes))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
}

fn has_table_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The typed rows of one file (all its sheets with a header).
struct FilePart {
    frame: DataFrame,
    notes: Vec<QualityNote>,
    rows_read: usize,
}

fn header_matches(table: Table, fields: &[String]) -> usize {
    let mut found = BTreeSet::new();
    for f in fields {
        if let Some(c) = canonical_column(table, f) {
            found.insert(c);
        }
    }
    found.len()
}

fn is_header_row(table: Table, fields: &[String]) -> bool {
    let keys_present = table.key().iter().all(|k| {
        let alternatives: &[&str] = if *k == "date" {
            &["date", "period"]
        } else {
            &[k]
        };
        fields
            .iter()
            .any(|f| canonical_column(table, f).is_some_and(|c| alternatives.contains(&c)))
    });
    keys_present && header_matches(table, fields) >= table.key().len().min(2)
}

fn read_file(input: &InputFile, file_index: u32) -> Result<FilePart> {
    let table = input.table;
    let ext = input
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let grids = match ext.as_str() {
        "csv" => vec![grid::read_csv(&input.path, &|fields| {
            is_header_row(table, fields)
        })?],
        "parquet" => vec![grid::read_parquet(&input.path)?],
        _ => grid::read_workbook(&input.path)?,
    };
    let mut frames = Vec::new();
    let mut notes = Vec::new();
    let mut rows_read = 0;
    for grid in &grids {
        let header_row = match grid {
            Grid::Csv { header, .. } => {
                if !is_header_row(table, header) {
                    return Err(Error::Layout {
                        at: Position {
                            file: input.path.clone(),
                            row: Some(1),
                            ..Default::default()
                        },
                        message: format!(
                            "the header lacks the key columns of `{table}` ({})",
                            table.key().join(", ")
                        ),
                    });
                }
                0
            }
            Grid::Sheet { range, name } => {
                let found = (0..range.height().min(30)).find(|&r| {
                    let row: Vec<String> = (0..range.width())
                        .map(|c| range.get((r, c)).map(|d| d.to_string()).unwrap_or_default())
                        .collect();
                    is_header_row(table, &row)
                });
                match found {
                    Some(r) => r,
                    None => {
                        notes.push(QualityNote {
                            table: table.name().into(),
                            file: input.path.display().to_string(),
                            sheet: Some(name.clone()),
                            row: None,
                            column: None,
                            issue: format!("no header row with the key columns of `{table}`"),
                            action: "sheet ignored".into(),
                            rows: 0,
                        });
                        continue;
                    }
                }
            }
        };
        let view = grid::Table::new(grid, header_row);
        let typed = type_rows(
            table,
            &input.path,
            grid.sheet(),
            &view,
            file_index,
            &mut notes,
        )?;
        rows_read += view.height();
        frames.push(typed);
    }
    let Some(mut frame) = frames.pop() else {
        return Err(Error::Layout {
            at: Position {
                file: input.path.clone(),
                ..Default::default()
            },
            message: format!(
                "no sheet has a header row with the key columns of `{table}` ({})",
                table.key().join(", ")
            ),
        });
    };
    while let Some(earlier) = frames.pop() {
        frame = stack(table, vec![earlier, frame])?;
    }
    Ok(FilePart {
        frame,
        notes,
        rows_read,
    })
}

struct Ctx<'a> {
    table: Table,
    path: &'a Path,
    sheet: Option<&'a str>,
}

impl Ctx<'_> {
    fn at(&self, row: usize, column: &str) -> Position {
        Position {
            file: self.path.to_path_buf(),
            sheet: self.sheet.map(str::to_string),
            row: Some(row),
            column: Some(column.to_string()),
        }
    }

    fn note(
        &self,
        row: Option<usize>,
        column: Option<&str>,
        issue: String,
        action: &str,
    ) -> QualityNote {
        QualityNote {
            table: self.table.name().into(),
            file: self.path.display().to_string(),
            sheet: self.sheet.map(str::to_string),
            row,
            column: column.map(str::to_string),
            issue,
            action: action.into(),
            rows: 1,
        }
    }
}

fn type_rows(
    table: Table,
    path: &Path,
    sheet: Option<&str>,
    view: &grid::Table<'_>,
    file_index: u32,
    notes: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let ctx = Ctx { table, path, sheet };
    let headers = view.headers();
    let mut mapped: Vec<(usize, &'static kpi_core::ColumnSpec)> = Vec::new();
    let mut extras: Vec<(usize, String)> = Vec::new();
    for (j, header) in headers.iter().enumerate() {
        match canonical_column(table, header) {
            Some(name) => {
                if let Some((other, _)) = mapped.iter().find(|(_, s)| s.name == name) {
                    return Err(Error::Layout {
                        at: ctx.at(view.row_number(0).saturating_sub(1), header),
                        message: format!(
                            "columns `{}` and `{header}` both mean `{name}`",
                            headers[*other]
                        ),
                    });
                }
                mapped.push((j, table.column(name).expect("canonical")));
            }
            None if header.trim().is_empty() => {}
            None => extras.push((j, header.trim().to_string())),
        }
    }
    let has = |n: &str| mapped.iter().any(|(_, s)| s.name == n);
    if table.is_dated() && !has("date") && !has("period") {
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                sheet: sheet.map(str::to_string),
                row: Some(view.row_number(0).saturating_sub(1)),
                column: None,
            },
            message: format!("`{table}` needs a date (日期) or period (月份) column"),
        });
    }

    // Rows kept: not blank, not a summary row.
    let mut rows = Vec::with_capacity(view.height());
    let mut blank = 0;
    for r in 0..view.height() {
        if mapped
            .iter()
            .all(|(j, _)| matches!(view.cell(r, *j), Cell::Empty))
        {
            blank += 1;
            continue;
        }
        let label = (0..headers.len().min(3))
            .filter_map(|j| view.cell(r, j).text())
            .find(|t| is_summary_label(t));
        if let Some(label) = label {
            notes.push(ctx.note(
                Some(view.row_number(r)),
                None,
                format!("summary row `{}`", label.trim()),
                "dropped",
            ));
            continue;
        }
        rows.push(r);
    }
    if blank > 0 {
        let mut note = ctx.note(None, None, "blank rows".into(), "dropped");
        note.rows = blank;
        notes.push(note);
    }

    let mut columns = Vec::new();
    for (j, spec) in &mapped {
        columns.push(type_column(
            &ctx,
            view,
            *j,
            &headers[*j],
            spec,
            &rows,
            notes,
        )?);
    }
    for (j, name) in &extras {
        if table.column(name).is_some() || columns.iter().any(|c: &Column| c.name() == name) {
            continue;
        }
        columns.push(extra_column(view, *j, name, &rows));
    }
    if table.is_dated() && has("date") && !has("period") {
        let dates = columns
            .iter()
            .find(|c| c.name() == "date")
            .expect("date column")
            .date()
            .map_err(|e| Error::polars("date column", e))?
            .physical()
            .clone();
        let periods: StringChunked = dates
            .iter()
            .map(|d| d.map(kpi_core::period_of_days))
            .collect();
        columns.push(periods.with_name("period".into()).into_column());
    }
    columns.push(Column::new("_file".into(), vec![file_index; rows.len()]));
    columns.push(Column::new(
        "_row".into(),
        rows.iter()
            .map(|r| view.row_number(*r) as u32)
            .collect::<Vec<u32>>(),
    ));
    let frame = DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::polars(format!("{}: building `{table}`", path.display()), e))?;
    require_keys(&ctx, frame)
}

/// Rows missing a key value are an error naming the first such row.
fn require_keys(ctx: &Ctx<'_>, frame: DataFrame) -> Result<DataFrame> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    for key in ctx.table.key() {
        let key = if *key == "date" && !names.iter().any(|n| n == "date") {
            "period"
        } else {
            key
        };
        let Ok(column) = frame.column(key) else {
            return Err(Error::Layout {
                at: Position {
                    file: ctx.path.into(),
                    sheet: ctx.sheet.map(str::to_string),
                    row: None,
                    column: None,
                },
                message: format!("`{}` needs a `{key}` column", ctx.table),
            });
        };
        if column.null_count() > 0 {
            let rows = frame
                .column("_row")
                .expect("_row")
                .u32()
                .expect("u32")
                .clone();
            let first = column
                .is_null()
                .iter()
                .zip(rows.iter())
                .find(|(null, _)| null.unwrap_or(false))
                .and_then(|(_, r)| r)
                .unwrap_or(0);
            return Err(Error::Cell {
                at: ctx.at(first as usize, key),
                message: format!("`{key}` is empty; every row of `{}` needs one", ctx.table),
            });
        }
    }
    Ok(frame)
}

/// A bare year (`2025`, `2025年`, the number 2025) as `2025`.
fn year_of(cell: Cell<'_>) -> Option<String> {
    let year: i32 = match cell {
        Cell::Number(n) if n.fract() == 0.0 => n as i32,
        Cell::Text(t) => t.trim().trim_end_matches('年').parse().ok()?,
        _ => return None,
    };
    (1900..=2999).contains(&year).then(|| year.to_string())
}

fn is_summary_label(text: &str) -> bool {
    let t = text.trim();
    SUMMARY_LABELS.iter().any(|l| t.eq_ignore_ascii_case(l))
        || t.starts_with("全店")
        || t.starts_with("同行同层")
        || t.starts_with("合计")
}

fn type_column(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    j: usize,
    header: &str,
    spec: &kpi_core::ColumnSpec,
    rows: &[usize],
    notes: &mut Vec<QualityNote>,
) -> Result<Column> {
    let name: PlSmallStr = spec.name.into();
    let cell_err = |r: usize, message: String| Error::Cell {
        at: ctx.at(view.row_number(r), header),
        message,
    };
    let column = match spec.kind {
        ColumnKind::Id | ColumnKind::Text => {
            let values = rows.iter().map(|&r| match view.cell(r, j) {
                Cell::Empty | Cell::Error => None,
                Cell::Text(s) if crate::parse::is_placeholder(s) && spec.kind == ColumnKind::Id => {
                    None
                }
                Cell::Text(s) => Some(std::borrow::Cow::Borrowed(s.trim())),
                Cell::Number(n) | Cell::ExcelDate(n) => {
                    Some(std::borrow::Cow::Owned(kpi_core::fmt_num(n)))
                }
            });
            StringChunked::from_iter_options(name, values).into_column()
        }
        ColumnKind::Role => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                let v = match view.cell(r, j) {
                    Cell::Text(s) => match Role::parse(s) {
                        Some(role) => Some(role.id().to_string()),
                        None => {
                            notes.push(ctx.note(
                                Some(view.row_number(r)),
                                Some(header),
                                format!("unknown role `{}`", s.trim()),
                                "kept as written; no scheme scores it",
                            ));
                            Some(s.trim().to_string())
                        }
                    },
                    _ => None,
                };
                values.push(v);
            }
            Column::new(name, values)
        }
        ColumnKind::Date => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                values.push(parse_date(view.cell(r, j)).map_err(|m| cell_err(r, m))?);
            }
            Int32Chunked::from_iter_options(name, values.into_iter())
                .into_date()
                .into_column()
        }
        ColumnKind::Period => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                let cell = view.cell(r, j);
                // A target may be for a whole year (`2025`, `2025年`), split later.
                let year = (ctx.table == Table::Targets)
                    .then(|| year_of(cell))
                    .flatten();
                values.push(match year {
                    Some(year) => Some(year),
                    None => parse_period(cell).map_err(|m| cell_err(r, m))?,
                });
            }
            Column::new(name, values)
        }
        ColumnKind::Count | ColumnKind::Money => {
            let money = spec.kind == ColumnKind::Money;
            let mut values: Vec<Option<i64>> = Vec::with_capacity(rows.len());
            for &r in rows {
                let cell = view.cell(r, j);
                // Fast path: plain integers.
                if let Cell::Text(s) = cell
                    && let Ok(v) = s.trim().parse::<i64>()
                {
                    let v = if money { v.checked_mul(100) } else { Some(v) };
                    values.push(check_sign(ctx, view, r, header, spec, v, notes));
                    continue;
                }
                let Some(d) = parse_decimal(cell).map_err(|m| cell_err(r, m))? else {
                    values.push(None);
                    continue;
                };
                let v = if money {
                    let cents = d * Decimal::ONE_HUNDRED;
                    if cents.fract() != Decimal::ZERO {
                        notes.push(ctx.note(
                            Some(view.row_number(r)),
                            Some(header),
                            format!("money {d} has more than 2 decimals"),
                            "rounded half-up to the cent",
                        ));
                    }
                    cents
                        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                        .to_i64()
                } else {
                    if d.fract() != Decimal::ZERO {
                        return Err(cell_err(r, format!("{d} is not a whole count")));
                    }
                    d.to_i64()
                };
                let Some(v) = v else {
                    return Err(cell_err(r, format!("{d} is out of range")));
                };
                values.push(check_sign(ctx, view, r, header, spec, Some(v), notes));
            }
            Column::new(name, values)
        }
        ColumnKind::Seconds | ColumnKind::Hours | ColumnKind::Number => {
            let mut values: Vec<Option<f64>> = Vec::with_capacity(rows.len());
            for &r in rows {
                let cell = view.cell(r, j);
                let v = if let Cell::Text(s) = cell
                    && let Ok(v) = s.trim().parse::<f64>()
                {
                    Some(v)
                } else if spec.kind == ColumnKind::Seconds {
                    parse_seconds(cell).map_err(|m| cell_err(r, m))?
                } else {
                    parse_decimal(cell)
                        .map_err(|m| cell_err(r, m))?
                        .and_then(|d| d.to_f64())
                };
                let v = match v {
                    Some(x) if spec.kind.non_negative() && x < 0.0 => {
                        notes.push(ctx.note(
                            Some(view.row_number(r)),
                            Some(header),
                            format!("negative value {x}"),
                            "treated as missing",
                        ));
                        None
                    }
                    v => v,
                };
                values.push(v);
            }
            match spec.kind.scale() {
                1 => Column::new(name, values),
                // Durations are held as integer thousandths so sums are exact.
                scale => Column::new(
                    name,
                    values
                        .into_iter()
                        .map(|v| v.map(|x| (x * scale as f64).round() as i64))
                        .collect::<Vec<Option<i64>>>(),
                ),
            }
        }
    };
    Ok(column)
}

fn check_sign(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    r: usize,
    header: &str,
    spec: &kpi_core::ColumnSpec,
    value: Option<i64>,
    notes: &mut Vec<QualityNote>,
) -> Option<i64> {
    match value {
        Some(v) if v < 0 && spec.kind.non_negative() => {
            notes.push(ctx.note(
                Some(view.row_number(r)),
                Some(header),
                format!("negative count {v}"),
                "treated as missing",
            ));
            None
        }
        v => v,
    }
}

/// An unknown column: numbers when every non-empty cell is one, else text.
fn extra_column(view: &grid::Table<'_>, j: usize, name: &str, rows: &[usize]) -> Column {
    let numbers: Option<Vec<Option<f64>>> = rows
        .iter()
        .map(|&r| match view.cell(r, j) {
            Cell::Empty => Some(None),
            cell => parse_decimal(cell).ok().map(|d| d.and_then(|d| d.to_f64())),
        })
        .collect();
    match numbers {
        Some(values) => Column::new(name.into(), values),
        None => Column::new(
            name.into(),
            rows.iter()
                .map(|&r| match view.cell(r, j) {
                    Cell::Text(s) => Some(s.trim().to_string()),
                    Cell::Number(n) | Cell::ExcelDate(n) => Some(kpi_core::fmt_num(n)),
                    _ => None,
                })
                .collect::<Vec<Option<String>>>(),
        ),
    }
}

fn canonical_dtype(table: Table, name: &str) -> Option<DataType> {
    table.column(name).map(|spec| match spec.kind {
        ColumnKind::Id | ColumnKind::Text | ColumnKind::Period | ColumnKind::Role => {
            DataType::String
        }
        ColumnKind::Date => DataType::Date,
        ColumnKind::Count | ColumnKind::Money | ColumnKind::Seconds | ColumnKind::Hours => {
            DataType::Int64
        }
        ColumnKind::Number => DataType::Float64,
    })
}

/// Stacks frames of one table whose columns may differ: the union of columns,
/// canonical ones in contract order, missing ones as nulls.
fn stack(table: Table, frames: Vec<DataFrame>) -> Result<DataFrame> {
    let mut order: Vec<String> = Vec::new();
    let mut extra_dtype: HashMap<String, DataType> = HashMap::new();
    for spec in table.columns() {
        if frames.iter().any(|f| f.column(spec.name).is_ok()) {
            order.push(spec.name.to_string());
        }
    }
    for f in &frames {
        for c in f.columns() {
            let name = c.name().to_string();
            if table.column(&name).is_some() || name.starts_with('_') {
                continue;
            }
            let dtype = extra_dtype.entry(name.clone()).or_insert(c.dtype().clone());
            if dtype != c.dtype() {
                *dtype = DataType::String;
            }
            if !order.contains(&name) {
                order.push(name);
            }
        }
    }
    order.extend(["_file".to_string(), "_row".to_string()]);
    let mut out: Option<DataFrame> = None;
    for f in frames {
        let height = f.height();
        let mut columns = Vec::with_capacity(order.len());
        for name in &order {
            let dtype = canonical_dtype(table, name)
                .or_else(|| extra_dtype.get(name).cloned())
                .unwrap_or(DataType::UInt32);
            let column = match f.column(name) {
                Ok(c) => c
                    .cast(&dtype)
                    .map_err(|e| Error::polars(format!("{table}.{name}"), e))?,
                Err(_) => Column::full_null(name.as_str().into(), height, &dtype),
            };
            columns.push(column);
        }
        let frame = DataFrame::new(height, columns).map_err(|e| Error::polars(table.name(), e))?;
        match &mut out {
            None => out = Some(frame),
            Some(acc) => {
                acc.vstack_mut(&frame)
                    .map_err(|e| Error::polars(format!("stacking `{table}`"), e))?;
            }
        }
    }
    let mut out = out.expect("at least one frame");
    out.rechunk_mut();
    Ok(out)
}

fn concat_parts(table: Table, parts: Vec<FilePart>) -> Result<DataFrame> {
    stack(table, parts.into_iter().map(|p| p.frame).collect())
}

fn position_of(frame: &DataFrame, files: &[PathBuf], i: usize, column: Option<&str>) -> Position {
    let file = frame
        .column("_file")
        .ok()
        .and_then(|c| c.u32().ok().and_then(|c| c.get(i)))
        .and_then(|f| files.get(f as usize))
        .cloned()
        .unwrap_or_default();
    let row = frame
        .column("_row")
        .ok()
        .and_then(|c| c.u32().ok().and_then(|c| c.get(i)))
        .map(|r| r as usize);
    Position {
        file,
        sheet: None,
        row,
        column: column.map(str::to_string),
    }
}

fn key_columns(table: Table, frame: &DataFrame) -> Vec<&'static str> {
    table
        .key()
        .iter()
        .map(|k| {
            if *k == "date"
                && frame
                    .column("date")
                    .map_or(true, |c| c.null_count() == c.len())
            {
                "period"
            } else {
                *k
            }
        })
        .collect()
}

/// Identical duplicate rows are dropped with a note; duplicates that differ are an error.
fn drop_duplicates(
    table: Table,
    frame: DataFrame,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let keys = key_columns(table, &frame);
    let key_text: Vec<Column> = keys
        .iter()
        .map(|k| frame.column(k).and_then(|c| c.cast(&DataType::String)))
        .collect::<PolarsResult<_>>()
        .map_err(|e| Error::polars(format!("{table} keys"), e))?;
    let key_text: Vec<&StringChunked> = key_text.iter().map(|c| c.str().expect("cast")).collect();
    let mut first_of: HashMap<Vec<&str>, usize> = HashMap::with_capacity(frame.height());
    let mut keep: Vec<bool> = Vec::with_capacity(frame.height());
    let mut dropped = 0;
    let data_columns: Vec<&Column> = frame
        .columns()
        .iter()
        .filter(|c| !c.name().starts_with('_'))
        .collect();
    for i in 0..frame.height() {
        let key: Vec<&str> = key_text.iter().map(|c| c.get(i).unwrap_or("")).collect();
        if let Some(&first) = first_of.get(&key) {
            let same = data_columns
                .iter()
                .all(|c| c.get(first).ok() == c.get(i).ok());
            if !same {
                return Err(Error::DuplicateKey {
                    table: table.name().into(),
                    key: keys
                        .iter()
                        .zip(&key)
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    first: Box::new(position_of(&frame, files, first, None)),
                    second: Box::new(position_of(&frame, files, i, None)),
                });
            }
            keep.push(false);
            dropped += 1;
            let at = position_of(&frame, files, i, None);
            quality.push(QualityNote {
                table: table.name().into(),
                file: at.file.display().to_string(),
                sheet: None,
                row: at.row,
                column: None,
                issue: format!(
                    "duplicate of {} ({})",
                    position_of(&frame, files, first, None),
                    keys.iter()
                        .zip(&key)
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                action: "dropped (identical)".into(),
                rows: 1,
            });
        } else {
            keep.push(true);
            first_of.insert(key, i);
        }
    }
    if dropped == 0 {
        return Ok(frame);
    }
    let keep: BooleanChunked = keep.into_iter().collect();
    frame
        .filter(&keep)
        .map_err(|e| Error::polars(format!("{table}: dropping duplicates"), e))
}

/// Employees and stores named in activity tables must be in the roster.
fn check_references(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    let ids_of = |table: Table, column: &str| -> Option<BTreeSet<String>> {
        let frame = data.get(table)?;
        let c = frame.column(column).ok()?.str().ok()?.clone();
        Some(c.iter().flatten().map(str::to_string).collect())
    };
    let checks: Vec<(Table, &str, Table)> = Table::ALL
        .into_iter()
        .filter(|t| t.refers_to_employees())
        .map(|t| (t, "employee_id", Table::Employees))
        .chain([
            (Table::StoreDaily, "store_id", Table::Stores),
            (Table::Employees, "store_id", Table::Stores),
        ])
        .collect();
    for (table, column, roster_table) in checks {
        let (Some(frame), Some(known)) = (data.get(table), ids_of(roster_table, column)) else {
            continue;
        };
        let Ok(values) = frame.column(column).and_then(|c| c.str().cloned()) else {
            continue;
        };
        let mut unknown: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v
                && !known.contains(v)
            {
                unknown.entry(v).or_insert((i, 0)).1 += 1;
            }
        }
        for (id, (first, count)) in unknown {
            let at = position_of(frame, files, first, Some(column));
            quality.push(QualityNote {
                table: table.name().into(),
                file: at.file.display().to_string(),
                sheet: None,
                row: at.row,
                column: Some(column.into()),
                issue: format!("`{id}` is not in `{roster_table}` (first of {count} rows)"),
                action: "kept; not scored".into(),
                rows: count,
            });
        }
    }
    Ok(())
}

/// Months with no rows between an activity table's first and last month.
fn check_period_gaps(data: &Dataset, quality: &mut Vec<QualityNote>) -> Result<()> {
    for table in [Table::StoreDaily, Table::EmployeeDaily] {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let periods: BTreeSet<Month> = frame
            .column("period")
            .and_then(|c| c.str().cloned())
            .map_err(|e| Error::polars(format!("{table}.period"), e))?
            .iter()
            .flatten()
            .filter_map(Month::parse)
            .collect();
        let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
            continue;
        };
        let mut m = *first;
        while m < *last {
            if !periods.contains(&m) {
                quality.push(QualityNote {
                    table: table.name().into(),
                    file: String::new(),
                    sheet: None,
                    row: None,
                    column: Some("period".into()),
                    issue: format!("no rows for {m}, between {first} and {last}"),
                    action: "period gap: the month has no metrics".into(),
                    rows: 0,
                });
            }
            m = m.shift(1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_labels() {
        assert!(is_summary_label("汇总"));
        assert!(is_summary_label(" 合计 "));
        assert!(is_summary_label("全店汇总值"));
        assert!(is_summary_label("同行同层均值"));
        assert!(!is_summary_label("E0001"));
    }

    #[test]
    fn header_rows_need_the_key_columns() {
        let row = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(is_header_row(
            Table::EmployeeDaily,
            &row(&["员工编号", "日期", "询单人数"])
        ));
        assert!(is_header_row(
            Table::EmployeeDaily,
            &row(&["employee_id", "period"])
        ));
        assert!(!is_header_row(
            Table::EmployeeDaily,
            &row(&["日期", "询单人数"])
        ));
        assert!(!is_header_row(
            Table::EmployeeDaily,
            &row(&["店铺日报", "", ""])
        ));
    }
}
