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
use crate::export::Resolver;
use crate::grid::{self, Grid};
use crate::parse::{Cell, parse_date, parse_decimal, parse_period, parse_seconds};
use crate::profile::{Profile, ReadOptions, StoreSource, Target};
use crate::quality::{Action, Issue, QualityNote};

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
    /// Columns rebuilt from exports only approximately (an average times a
    /// count), which `kpi explain` names under the items they feed.
    pub approximations: Vec<Approximation>,
}

/// A column rebuilt from an export only approximately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approximation {
    /// The table.
    pub table: Table,
    /// The column of the contract.
    pub column: String,
    /// How it was rebuilt and how close it is.
    pub how: String,
    /// The export header it was rebuilt from (`平均响应(秒)`).
    pub source: String,
    /// The count the header's values were multiplied by (`responses`).
    pub per: String,
    /// The employees (or stores, for store tables) with approximate rows.
    pub ids: BTreeSet<String>,
}

/// A column rebuilt from an export's rates or averages, in one file.
#[derive(Debug, Clone)]
struct Derivation {
    table: Table,
    column: &'static str,
    how: Issue,
    /// The export header rebuilt from, and the count it multiplies.
    source: String,
    per: &'static str,
    exact: bool,
    rows: usize,
    file: String,
    files: usize,
    /// Employees or stores of the rows.
    ids: BTreeSet<String>,
}

/// What one export file gave: frames per table with the profile used.
struct ExportRead {
    parts: Vec<(Table, String, DataFrame)>,
    notes: Vec<QualityNote>,
    derived: Vec<Derivation>,
    rows_read: usize,
}

/// One file of one table, found in the dataset directory.
#[derive(Debug, Clone)]
struct InputFile {
    table: Table,
    path: PathBuf,
}

/// Reads the dataset in `dir` with the built-in export profiles; see
/// [`read_dataset_with`].
pub fn read_dataset(
    dir: impl AsRef<Path>,
    progress: &(dyn Fn(&Path, usize) + Sync),
) -> Result<Loaded> {
    read_dataset_with(dir, &ReadOptions::default(), progress)
}

/// Reads the dataset in `dir`, parsing files in parallel. Files named after
/// a table of the contract are read first; every other spreadsheet (at the
/// top or in other folders) is a platform export, read with the profile its
/// headers match (or the one `options` forces), keyed through the roster.
/// `progress` is called once per file read, with the file and the number of
/// files in all.
pub fn read_dataset_with(
    dir: impl AsRef<Path>,
    options: &ReadOptions,
    progress: &(dyn Fn(&Path, usize) + Sync),
) -> Result<Loaded> {
    let dir = dir.as_ref();
    let (inputs, mut exports, mut quality) = discover(dir)?;
    exports.retain(|path| {
        let relative = crate::export::path_text(dir, path);
        let ignored = options.ignores(Path::new(&relative));
        if ignored {
            quality.push(QualityNote::file(
                "-",
                path,
                Issue::IgnoredByPattern,
                Action::Ignored,
            ));
        }
        !ignored
    });
    let total = inputs.len() + exports.len();
    let parts: Vec<Result<FilePart>> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| {
            let part = read_file(input, index as u32);
            progress(&input.path, total);
            part
        })
        .collect();
    let mut by_table: BTreeMap<Table, Vec<DataFrame>> = BTreeMap::new();
    let mut rows_read = 0;
    // A spreadsheet in a table's folder without the contract's header may be
    // a platform export put there: it is tried with the profiles, and its own
    // error stands if none fits.
    let mut retry: Vec<(u32, Option<Error>)> = Vec::new();
    for (index, (input, part)) in inputs.iter().zip(parts).enumerate() {
        let part = match part {
            Ok(part) => part,
            Err(e @ Error::Layout { .. })
                if input.path.extension().is_none_or(|x| x != "parquet") =>
            {
                retry.push((index as u32, Some(e)));
                continue;
            }
            Err(e) => return Err(e),
        };
        rows_read += part.rows_read;
        quality.extend(part.notes.iter().cloned());
        by_table.entry(input.table).or_default().push(part.frame);
    }
    let mut files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    let mut approximations = Vec::new();
    if !exports.is_empty() || !retry.is_empty() {
        // Exports are keyed by nickname or store name: the roster comes first.
        let mut roster = Dataset::new();
        for table in [Table::Employees, Table::Stores] {
            if let Some(frames) = by_table.get(&table) {
                roster.insert(table, stack(table, frames.clone())?);
            }
        }
        let resolver = Resolver::new(&roster, &files)?;
        let first = files.len();
        // (file index, path, whether a profile must fit)
        let jobs: Vec<(u32, &Path, bool)> = exports
            .iter()
            .enumerate()
            .map(|(k, path)| ((first + k) as u32, path.as_path(), true))
            .chain(
                retry
                    .iter()
                    .map(|(index, _)| (*index, files[*index as usize].as_path(), false)),
            )
            .collect();
        let reads: Vec<Result<ExportRead>> = jobs
            .par_iter()
            .map(|&(index, path, must_match)| {
                let read = read_export(dir, path, index, options, &resolver, must_match);
                progress(path, total);
                read
            })
            .collect();
        let mut contract_errors = retry.into_iter().map(|(_, e)| e);
        let mut used: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut derived: BTreeMap<(Table, &'static str, String, bool), Derivation> =
            BTreeMap::new();
        for (k, read) in reads.into_iter().enumerate() {
            let read = read?;
            if k >= exports.len() {
                let contract_error = contract_errors.next().flatten();
                if read.parts.is_empty()
                    && let Some(e) = contract_error
                {
                    return Err(e);
                }
            }
            rows_read += read.rows_read;
            quality.extend(read.notes);
            for (table, profile, frame) in read.parts {
                let u = used.entry(profile).or_default();
                u.0 += 1;
                u.1 += frame.height();
                by_table.entry(table).or_default().push(frame);
            }
            for d in read.derived {
                derived
                    .entry((d.table, d.column, d.how.to_string(), d.exact))
                    .and_modify(|e| {
                        e.rows += d.rows;
                        e.files += 1;
                        e.ids.extend(d.ids.iter().cloned());
                    })
                    .or_insert(d);
            }
        }
        files.extend(exports.iter().cloned());
        for (profile, (sheets, rows)) in used {
            quality.push(QualityNote {
                table: options
                    .profiles
                    .get(&profile)
                    .map_or("-".into(), |p| p.table.name().to_string()),
                file: dir.display().to_string(),
                sheet: None,
                row: None,
                column: None,
                issue: Issue::ReadAsProfile {
                    sheets,
                    profile: profile.clone(),
                },
                action: Action::Read,
                rows,
            });
        }
        for d in derived.into_values() {
            if !d.exact {
                approximations.push(Approximation {
                    table: d.table,
                    column: d.column.to_string(),
                    how: d.how.to_string(),
                    source: d.source.clone(),
                    per: d.per.to_string(),
                    ids: d.ids.clone(),
                });
            }
            quality.push(QualityNote {
                table: d.table.name().into(),
                file: if d.files > 1 {
                    format!("{} and {} more files", d.file, d.files - 1)
                } else {
                    d.file.clone()
                },
                sheet: None,
                row: None,
                column: Some(d.column.to_string()),
                issue: d.how.clone(),
                action: if d.exact {
                    Action::RebuiltExactly
                } else {
                    Action::Approximated
                },
                rows: d.rows,
            });
        }
    }
    let mut dataset = Dataset::new();
    for (table, frames) in by_table {
        dataset.insert(table, stack(table, frames)?);
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
            message: "no activity table: expected store_daily or employee_daily (a file or a folder of files, or platform exports)".into(),
        });
    }
    set_aside_implausible_dates(&mut dataset, &files, &mut quality)?;
    check_references(&dataset, &files, &mut quality)?;
    check_employment(&dataset, &files, &mut quality)?;
    check_adjustment_signs(&dataset, &files, &mut quality);
    check_period_gaps(&dataset, &files, &mut quality)?;
    Ok(Loaded {
        dataset,
        files,
        quality,
        rows_read,
        approximations,
    })
}

/// Reads one file as one table of the contract (a payroll ledger given on
/// its own), with the same header search, aliases, cell parsing and
/// duplicate checks as a dataset; data-quality notes are returned with it.
pub fn read_table(path: impl AsRef<Path>, table: Table) -> Result<(DataFrame, Vec<QualityNote>)> {
    read_table_with(path, table, &ReadOptions::default())
}

/// [`read_table`], where a file not in the contract's shape may be an export
/// of the table in one of `options`' profiles (a 工资表 for `payroll_ledger`).
pub fn read_table_with(
    path: impl AsRef<Path>,
    table: Table,
    options: &ReadOptions,
) -> Result<(DataFrame, Vec<QualityNote>)> {
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
    let part = match read_file(&input, 0) {
        Ok(part) => part,
        // Not in the contract's shape: perhaps an export of this table (a 工资表).
        Err(contract @ Error::Layout { .. }) => {
            let dir = path.parent().unwrap_or(Path::new(""));
            let read = read_export(dir, path, 0, options, &Resolver::default(), false)?;
            let frames: Vec<DataFrame> = read
                .parts
                .into_iter()
                .filter(|(t, ..)| *t == table)
                .map(|(.., f)| f)
                .collect();
            if frames.is_empty() {
                return Err(contract);
            }
            FilePart {
                frame: stack(table, frames)?,
                notes: read.notes,
                rows_read: read.rows_read,
            }
        }
        Err(e) => return Err(e),
    };
    let mut quality = part.notes.clone();
    let files = vec![input.path.clone()];
    let frame = concat_parts(table, vec![part])?;
    let frame = if table.has_unique_key() {
        drop_duplicates(table, frame, &files, &mut quality)?
    } else {
        frame
    };
    // A ledger is compared by its amounts: without them it is no ledger.
    if table == Table::PayrollLedger && frame.column("amount").is_err() {
        let found: Vec<String> = frame
            .get_column_names()
            .iter()
            .filter(|c| !c.starts_with('_'))
            .map(|c| format!("`{c}`"))
            .collect();
        let words: Vec<&str> = crate::alias::aliases("amount")
            .iter()
            .take(4)
            .copied()
            .collect();
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                ..Default::default()
            },
            message: format!(
                "the ledger has no `amount` column ({}); its columns are {}",
                words.join(" / "),
                found.join(", ")
            ),
        });
    }
    Ok((frame, quality))
}

/// What a dataset directory holds: files of contract tables, other
/// spreadsheets (platform exports), and notes on what was ignored.
type Discovered = (Vec<InputFile>, Vec<PathBuf>, Vec<QualityNote>);

fn discover(dir: &Path) -> Result<Discovered> {
    let mut notes = Vec::new();
    let mut exports = Vec::new();
    if !dir.is_dir() {
        return Err(Error::Dataset {
            path: dir.into(),
            message: "not a directory".into(),
        });
    }
    let mut walk = Walk::new(dir)?;
    let entries = walk.entries(dir)?;
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
            if is_dir {
                collect_exports(&mut walk, &path, &mut exports, &mut notes)?;
            } else if has_table_extension(&path) {
                exports.push(path);
            } else {
                notes.push(QualityNote::file(
                    "-",
                    &path,
                    Issue::NotInContract,
                    Action::Ignored,
                ));
            }
            continue;
        };
        if !is_dir && !has_table_extension(&path) {
            notes.push(QualityNote::file(
                table.name(),
                &path,
                Issue::UnsupportedFileType,
                Action::Ignored,
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
            collect_table_files(&mut walk, &path, table, &mut inputs, &mut notes)?;
        } else {
            inputs.push(InputFile { table, path });
        }
    }
    Ok((inputs, exports, notes))
}

/// The files of a table's folder and of its sub-folders (`employee_daily/2024/…`).
fn collect_table_files(
    walk: &mut Walk,
    dir: &Path,
    table: Table,
    inputs: &mut Vec<InputFile>,
    notes: &mut Vec<QualityNote>,
) -> Result<()> {
    for file in walk.entries(dir)? {
        if file.is_dir() {
            collect_table_files(walk, &file, table, inputs, notes)?;
        } else if has_table_extension(&file) {
            inputs.push(InputFile { table, path: file });
        } else {
            notes.push(QualityNote::file(
                table.name(),
                &file,
                Issue::UnsupportedFileType,
                Action::Ignored,
            ));
        }
    }
    Ok(())
}

/// The walk of a dataset folder: every folder and file it reached (by
/// their real paths), so that a link is followed once and a cycle or a
/// second way to the same file is an error, not a table read twice.
struct Walk {
    folders: BTreeMap<PathBuf, PathBuf>,
    files: BTreeMap<PathBuf, PathBuf>,
}

impl Walk {
    fn new(root: &Path) -> Result<Walk> {
        let real = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
        Ok(Walk {
            folders: BTreeMap::from([(real, root.to_path_buf())]),
            files: BTreeMap::new(),
        })
    }

    /// The entries of `dir` that are not hidden, sorted by path: regular
    /// files and folders only (a pipe, socket or device is an error, never
    /// opened), each reached for the first time.
    fn entries(&mut self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io(dir, e))?;
        entries.sort();
        entries.retain(|p| !is_hidden(p));
        for path in &entries {
            let refuse = |message: String| Error::Dataset {
                path: path.clone(),
                message,
            };
            let meta = std::fs::metadata(path)
                .map_err(|e| refuse(format!("cannot be read ({e}); a broken link?")))?;
            let real = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
            let seen = if meta.is_dir() {
                &mut self.folders
            } else if meta.is_file() {
                &mut self.files
            } else {
                return Err(refuse(
                    "not a regular file or folder (a named pipe, socket or device); \
                     kpi reads files and folders only"
                        .into(),
                ));
            };
            if let Some(first) = seen.get(&real) {
                return Err(refuse(format!(
                    "leads to {}, which this dataset already reaches as {}: a link cycle or a \
                     second way to the same {}; remove the link",
                    real.display(),
                    first.display(),
                    if meta.is_dir() { "folder" } else { "file" }
                )));
            }
            seen.insert(real, path.clone());
        }
        Ok(entries)
    }
}

/// Spreadsheets under a folder not named after a table, recursively, sorted.
fn collect_exports(
    walk: &mut Walk,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    notes: &mut Vec<QualityNote>,
) -> Result<()> {
    for path in walk.entries(dir)? {
        if path.is_dir() {
            collect_exports(walk, &path, out, notes)?;
        } else if has_table_extension(&path) {
            out.push(path);
        } else {
            notes.push(QualityNote::file(
                "-",
                &path,
                Issue::NotASpreadsheet,
                Action::Ignored,
            ));
        }
    }
    Ok(())
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

/// A CSV file without a header row of `table`: when one of its first lines
/// is a header of the table but for its key columns, the error names the
/// keys missing and the headers found.
fn missing_keys(error: Error, path: &Path, table: Table) -> Error {
    let Ok(head) = grid::csv_head(path, 30) else {
        return error;
    };
    let best = head
        .iter()
        .enumerate()
        .max_by_key(|(i, f)| (header_matches(table, f), std::cmp::Reverse(*i)));
    let Some((line, fields)) = best.filter(|(_, f)| header_matches(table, f) >= 2) else {
        return error;
    };
    let present: BTreeSet<&str> = fields
        .iter()
        .filter_map(|f| canonical_column(table, f))
        .collect();
    let missing: Vec<String> = table
        .key()
        .iter()
        .filter(|k| !(present.contains(**k) || (**k == "date" && present.contains("period"))))
        .map(|k| {
            let words: Vec<&str> = crate::alias::aliases(k).iter().take(4).copied().collect();
            if words.is_empty() {
                format!("`{k}`")
            } else {
                format!("`{k}` ({})", words.join(" / "))
            }
        })
        .collect();
    if missing.is_empty() {
        return error;
    }
    let shown: Vec<String> = fields
        .iter()
        .take(12)
        .map(|f| crate::parse::quoted(f))
        .collect();
    let more = fields.len().saturating_sub(12);
    Error::Layout {
        at: Position {
            file: path.into(),
            row: Some(line + 1),
            ..Default::default()
        },
        message: format!(
            "the header lacks the key column {} of `{table}`; it has {}{}",
            missing.join(" and "),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    }
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
        "csv" => vec![
            grid::read_csv(&input.path, &|fields| is_header_row(table, fields))
                .map_err(|e| missing_keys(e, &input.path, table))?,
        ],
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
                            issue: Issue::NoKeyHeader {
                                table: table.to_string(),
                            },
                            action: Action::SheetIgnored,
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
            None,
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

/// Reads one platform export: each sheet with the header of a profile
/// (the forced one, or the best fit) is typed as that profile's table.
fn read_export(
    dir: &Path,
    path: &Path,
    file_index: u32,
    options: &ReadOptions,
    resolver: &Resolver,
    must_match: bool,
) -> Result<ExportRead> {
    let relative = crate::export::path_text(dir, path);
    let forced = options.forced_for(Path::new(&relative));
    let fits = |headers: &[String]| -> Option<&Profile> {
        match forced {
            Some(p) => p.fit(headers).map(|_| p),
            None => options.profiles.detect(headers),
        }
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut scanned: Vec<Vec<String>> = Vec::new();
    let grids = match ext.as_str() {
        "csv" => match grid::read_csv(path, &|f| fits(f).is_some()) {
            Ok(g) => vec![g],
            Err(Error::Layout { .. }) => {
                scanned = grid::csv_head(path, 30)?;
                vec![]
            }
            Err(e) => return Err(e),
        },
        "parquet" => vec![grid::read_parquet(path)?],
        _ => grid::read_workbook(path)?,
    };
    let mut read = ExportRead {
        parts: Vec::new(),
        notes: Vec::new(),
        derived: Vec::new(),
        rows_read: 0,
    };
    let mut unmatched = Vec::new();
    for grid in &grids {
        let found = match grid {
            Grid::Csv { header, .. } => {
                scanned.push(header.clone());
                fits(header).map(|p| (0, p, None))
            }
            Grid::Sheet { range, .. } => (0..range.height().min(30)).find_map(|r| {
                let row = grid::row_text(range, r);
                if let Some(p) = fits(&row) {
                    return Some((r, p, None));
                }
                scanned.push(row.clone());
                if r > 0 {
                    let above = grid::row_text(range, r - 1);
                    let flat = crate::export::flatten_two_rows(&above, &row);
                    if let Some(p) = fits(&flat) {
                        return Some((r, p, Some(flat)));
                    }
                }
                None
            }),
        };
        let Some((header_row, profile, flat)) = found else {
            unmatched.push(grid.sheet().unwrap_or("").to_string());
            continue;
        };
        let banner = match grid {
            Grid::Sheet { range, .. } => (0..header_row)
                .map(|r| grid::row_text(range, r).join(" "))
                .collect::<Vec<_>>()
                .join(" "),
            Grid::Csv { .. } => String::new(),
        };
        let view = match flat {
            Some(headers) => grid::Table::with_headers(grid, header_row, headers),
            None => grid::Table::new(grid, header_row),
        };
        let frame = if profile.wide {
            type_wide(
                profile,
                path,
                grid.sheet(),
                &view,
                file_index,
                &banner,
                &mut read.notes,
            )?
        } else {
            type_rows(
                profile.table,
                path,
                grid.sheet(),
                &view,
                file_index,
                &mut read.notes,
                Some(ExportCtx {
                    profile,
                    resolver,
                    hint: format!("{relative} {banner}"),
                    derived: &mut read.derived,
                }),
            )?
        };
        read.rows_read += view.height();
        read.parts.push((profile.table, profile.id.clone(), frame));
    }
    if read.parts.is_empty() && must_match {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let closest = closest_profile(
            forced.map_or(options.profiles.all(), std::slice::from_ref),
            &scanned,
        );
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                ..Default::default()
            },
            message: format!(
                "matches no export profile{} and is not named after a table of the data contract{}; \
                 give it with --profile '{name}=ID', add a profile with --profile-dir, name it after a \
                 table (employee_daily.xlsx), or leave it out with --profile '{name}=ignore' \
                 (`kpi schema --profiles` lists the profiles)",
                forced.map_or(String::new(), |p| format!(" (forced: `{}`)", p.id)),
                closest.map_or(String::new(), |(id, missing)| format!(
                    "; closest is `{id}`, whose header lacks {missing}"
                )),
            ),
        });
    }
    for sheet in unmatched {
        read.notes.push(QualityNote {
            table: "-".into(),
            file: path.display().to_string(),
            sheet: Some(sheet),
            row: None,
            column: None,
            issue: Issue::NoProfileHeader,
            action: Action::SheetIgnored,
            rows: 0,
        });
    }
    Ok(read)
}

/// The profile whose signature a scanned row comes closest to, and what it lacks.
fn closest_profile(profiles: &[Profile], rows: &[Vec<String>]) -> Option<(String, String)> {
    let mut best: Option<(usize, String, String)> = None;
    for p in profiles {
        for row in rows {
            let folded: Vec<String> = row.iter().map(|h| crate::alias::fold_header(h)).collect();
            let (hit, missing): (Vec<_>, Vec<_>) = p
                .signature
                .iter()
                .partition(|g| g.iter().any(|h| folded.contains(h)));
            if hit.is_empty() {
                continue;
            }
            if best.as_ref().is_none_or(|(b, ..)| hit.len() > *b) {
                let missing = missing
                    .iter()
                    .map(|g| format!("`{}`", g.join("` or `")))
                    .collect::<Vec<_>>()
                    .join(", ");
                best = Some((hit.len(), p.id.clone(), missing));
            }
        }
    }
    best.map(|(_, id, missing)| (id, missing))
}

/// A wide payroll sheet (工资表) as ledger lines: one per employee and
/// numeric column, the column's header being the component.
fn type_wide(
    profile: &Profile,
    path: &Path,
    sheet: Option<&str>,
    view: &grid::Table<'_>,
    file_index: u32,
    banner: &str,
    notes: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let table = profile.table;
    let ctx = Ctx { table, path, sheet };
    let headers = view.headers();
    let mut employee = None;
    let mut period_col = None;
    let mut components = Vec::new();
    for (j, h) in headers.iter().enumerate() {
        if h.trim().is_empty() || profile.skips(h) {
            continue;
        }
        match profile.targets(h).first() {
            Some(Target::Column("employee_id")) => employee = Some(j),
            Some(Target::Column("period")) => period_col = Some(j),
            Some(_) => {}
            None => components.push(j),
        }
    }
    let Some(employee) = employee else {
        return Err(Error::Layout {
            at: ctx.at(view.row_number(0).saturating_sub(1), ""),
            message: "the payroll sheet has no employee id column (工号 / 员工编号)".into(),
        });
    };
    let file_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let year_hint = crate::export::year_in(banner).or_else(|| crate::export::year_in(&file_name));
    let sheet_month = crate::export::month_in(banner, None)
        .or_else(|| sheet.and_then(|s| crate::export::month_in(s, year_hint)))
        .or_else(|| crate::export::month_in(&file_name, year_hint));
    if period_col.is_none() && sheet_month.is_none() {
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                sheet: sheet.map(str::to_string),
                ..Default::default()
            },
            message: "cannot tell the month of this payroll sheet: no 月份 column, and neither \
                      the title rows (2025 年 八 月 工 资 表), the sheet name (2025年8月, 8月) nor \
                      the file name name one"
                .into(),
        });
    }
    let (mut periods, mut employees, mut names, mut amounts, mut rows_out) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut blank = 0;
    for r in 0..view.height() {
        if drop_summary_row(&ctx, view, headers.len(), r, notes) {
            continue;
        }
        let id = match view.cell(r, employee) {
            Cell::Text(t) if !crate::parse::is_placeholder(t) => t.trim().to_string(),
            Cell::Number(n) => kpi_core::fmt_num(n),
            _ => {
                if components
                    .iter()
                    .all(|j| matches!(view.cell(r, *j), Cell::Empty))
                {
                    blank += 1;
                    continue;
                }
                return Err(Error::Cell {
                    at: ctx.at(view.row_number(r), &headers[employee]),
                    message: "the employee id is empty on a row with amounts".into(),
                });
            }
        };
        let period = match period_col {
            Some(j) => parse_period(view.cell(r, j))
                .map_err(|m| Error::Cell {
                    at: ctx.at(view.row_number(r), &headers[j]),
                    message: m,
                })?
                .or_else(|| sheet_month.map(|m| m.to_string())),
            None => sheet_month.map(|m| m.to_string()),
        };
        let Some(period) = period else {
            return Err(Error::Cell {
                at: ctx.at(view.row_number(r), "月份"),
                message: "no month for this row".into(),
            });
        };
        for &j in &components {
            let cell = view.cell(r, j);
            let Some(d) = parse_decimal(cell).map_err(|m| Error::Cell {
                at: ctx.at(view.row_number(r), &headers[j]),
                message: m,
            })?
            else {
                continue;
            };
            let Some(cents) = to_cents(&ctx, view, r, &headers[j], d, notes) else {
                return Err(Error::Cell {
                    at: ctx.at(view.row_number(r), &headers[j]),
                    message: format!("{d} is out of range"),
                });
            };
            periods.push(period.clone());
            employees.push(id.clone());
            names.push(headers[j].trim().to_string());
            amounts.push(cents);
            rows_out.push(view.row_number(r) as u32);
        }
    }
    if blank > 0 {
        let mut note = ctx.note(None, None, Issue::BlankRows, Action::Dropped);
        note.rows = blank;
        notes.push(note);
    }
    let height = periods.len();
    DataFrame::new(
        height,
        vec![
            Column::new("period".into(), periods),
            Column::new("employee_id".into(), employees),
            Column::new("component".into(), names),
            Column::new("amount".into(), amounts),
            Column::new("_file".into(), vec![file_index; height]),
            Column::new("_row".into(), rows_out),
        ],
    )
    .map_err(|e| Error::polars(format!("{}: building `{table}`", path.display()), e))
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
        issue: Issue,
        action: Action,
    ) -> QualityNote {
        QualityNote {
            table: self.table.name().into(),
            file: self.path.display().to_string(),
            sheet: self.sheet.map(str::to_string),
            row,
            column: column.map(str::to_string),
            issue,
            action,
            rows: 1,
        }
    }
}

/// How an export's rows are keyed and where its dates come from.
struct ExportCtx<'a> {
    profile: &'a Profile,
    resolver: &'a Resolver,
    /// The file path (relative to the dataset) and the banner lines above
    /// the header, where a store or a date may be named.
    hint: String,
    derived: &'a mut Vec<Derivation>,
}

/// A header's meaning in the file being read.
enum Use {
    Column(&'static kpi_core::ColumnSpec),
    Nickname,
    Store,
    Rate(&'static str, &'static str),
    Average(&'static str, &'static str),
}

fn type_rows(
    table: Table,
    path: &Path,
    sheet: Option<&str>,
    view: &grid::Table<'_>,
    file_index: u32,
    notes: &mut Vec<QualityNote>,
    mut export: Option<ExportCtx<'_>>,
) -> Result<DataFrame> {
    let ctx = Ctx { table, path, sheet };
    let headers = match &export {
        Some(_) => crate::export::dedupe_generic(&view.headers()),
        None => view.headers(),
    };
    let header_row = view.row_number(0).saturating_sub(1);
    let mut uses: Vec<(usize, Use)> = Vec::new();
    let mut extras: Vec<(usize, String)> = Vec::new();
    for (j, header) in headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        let found: Vec<Use> = match &export {
            None => canonical_column(table, header)
                .map(|name| Use::Column(table.column(name).expect("canonical")))
                .into_iter()
                .collect(),
            Some(x) => x
                .profile
                .targets(header)
                .into_iter()
                .map(|t| match t {
                    Target::Column(c) => Use::Column(table.column(c).expect("checked")),
                    Target::Nickname => Use::Nickname,
                    Target::Store => Use::Store,
                    Target::Rate { column, of } => Use::Rate(column, of),
                    Target::Average { column, per } => Use::Average(column, per),
                })
                .collect(),
        };
        if found.is_empty() {
            if !export.as_ref().is_some_and(|x| x.profile.skips(header)) {
                extras.push((j, header.trim().to_string()));
            }
            continue;
        }
        for u in found {
            let name = match &u {
                Use::Column(spec) => spec.name,
                Use::Nickname => "employee_id",
                Use::Store => "store_id",
                Use::Rate(..) | Use::Average(..) => "",
            };
            let clash = uses.iter().find(|(_, v)| match v {
                Use::Column(spec) => spec.name == name,
                Use::Nickname => name == "employee_id",
                Use::Store => name == "store_id",
                _ => false,
            });
            if !name.is_empty()
                && let Some((other, _)) = clash
            {
                return Err(Error::Layout {
                    at: ctx.at(header_row, header),
                    message: format!(
                        "columns `{}` and `{header}` both mean `{name}`",
                        headers[*other]
                    ),
                });
            }
            uses.push((j, u));
        }
    }
    let has = |n: &str| {
        uses.iter()
            .any(|(_, u)| matches!(u, Use::Column(s) if s.name == n))
    };
    // A file without a date column: its name (or banner) tells the day or month.
    let mut file_date = None;
    if table.is_dated() && !has("date") && !has("period") {
        let name_text = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let told = name_text
            .as_deref()
            .map(crate::export::file_date)
            .unwrap_or(Err("it has no name".into()));
        let told = match (told, &export) {
            (Ok(d), _) => Ok(d),
            (Err(e), Some(x)) => crate::export::file_date(&x.hint).map_err(|_| e),
            (Err(e), None) => Err(e),
        };
        match told {
            Ok(d) => file_date = Some(d),
            Err(why) => {
                return Err(Error::Layout {
                    at: Position {
                        file: path.into(),
                        sheet: sheet.map(str::to_string),
                        row: Some(header_row),
                        column: None,
                    },
                    message: format!(
                        "`{table}` needs a date (日期) or period (月份) column, and the file name \
                         tells no date: {why} (name a day or a range, e.g. \
                         `…_2025-04-20至2025-04-20`, `…_20250809_20250809_`, `…_2025-01-01_2025-01-31`)"
                    ),
                });
            }
        }
    }
    if let Some(crate::export::FileDate::PartOfMonth(m, from, to)) = file_date {
        notes.push(ctx.note(
            None,
            None,
            Issue::PartOfMonth { month: m, from, to },
            Action::ReadAsMonth,
        ));
    }

    // Rows kept: not blank, not a summary row.
    let mut rows = Vec::with_capacity(view.height());
    let mut blank = 0;
    for r in 0..view.height() {
        if uses
            .iter()
            .all(|(j, _)| matches!(view.cell(r, *j), Cell::Empty))
        {
            blank += 1;
            continue;
        }
        if drop_summary_row(&ctx, view, headers.len(), r, notes) {
            continue;
        }
        rows.push(r);
    }
    if blank > 0 {
        let mut note = ctx.note(None, None, Issue::BlankRows, Action::Dropped);
        note.rows = blank;
        notes.push(note);
    }

    let mut columns = Vec::new();
    // Rows keyed by nickname: mapped through the roster; unmapped ones are
    // reported with their row counts.
    if let Some(x) = &export
        && let Some((j, _)) = uses.iter().find(|(_, u)| matches!(u, Use::Nickname))
    {
        let j = *j;
        let mut ids = Vec::with_capacity(rows.len());
        let mut kept = Vec::with_capacity(rows.len());
        let mut unmapped: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for &r in &rows {
            let nick = match view.cell(r, j) {
                Cell::Text(t) => t.trim().to_string(),
                Cell::Number(n) => kpi_core::fmt_num(n),
                _ => String::new(),
            };
            match x.resolver.employee(&nick) {
                Some(id) => {
                    ids.push(id.to_string());
                    kept.push(r);
                }
                None => {
                    unmapped.entry(nick).or_insert((view.row_number(r), 0)).1 += 1;
                }
            }
        }
        for (nick, (first, count)) in unmapped {
            let mut note = ctx.note(
                Some(first),
                Some(&headers[j]),
                if nick.is_empty() {
                    Issue::NoNickname
                } else if x.resolver.has_nicknames() {
                    Issue::UnknownNickname {
                        nickname: nick.to_string(),
                    }
                } else {
                    Issue::NoNicknameColumn {
                        nickname: nick.to_string(),
                    }
                },
                Action::NicknameNotUsed,
            );
            note.rows = count;
            notes.push(note);
        }
        rows = kept;
        columns.push(Column::new("employee_id".into(), ids));
    }
    for (j, u) in &uses {
        if let Use::Column(spec) = u {
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
    }
    if let Some(x) = &export {
        // The store: a column naming it by id or name, else the path or banner.
        if let Some((j, _)) = uses.iter().find(|(_, u)| matches!(u, Use::Store)) {
            let values: Vec<Option<String>> = rows
                .iter()
                .map(|&r| {
                    view.cell(r, *j).text().map(|t| {
                        x.resolver
                            .store(t)
                            .map_or_else(|| t.trim().to_string(), str::to_string)
                    })
                })
                .collect();
            columns.push(Column::new("store_id".into(), values));
        } else if x.profile.store == StoreSource::Path {
            let Some(store) = x.resolver.store_in(&x.hint) else {
                return Err(Error::Layout {
                    at: Position {
                        file: path.into(),
                        sheet: sheet.map(str::to_string),
                        ..Default::default()
                    },
                    message: format!(
                        "profile `{}` has no store column, and neither the file path nor the lines \
                         above the header name a store of `stores` (by id or name)",
                        x.profile.id
                    ),
                });
            };
            columns.push(crate::export::constant("store_id", store, rows.len()));
        }
    }
    if let Some(x) = export.as_mut() {
        derive_columns(&ctx, view, &headers, &uses, &rows, &mut columns, x, notes)?;
    }
    for (j, name) in &extras {
        if table.column(name).is_some() || columns.iter().any(|c: &Column| c.name() == name) {
            continue;
        }
        columns.push(extra_column(view, *j, name, &rows));
    }
    match file_date {
        Some(crate::export::FileDate::Day(d)) => {
            columns.push(
                Int32Chunked::from_iter_options(
                    "date".into(),
                    std::iter::repeat_n(Some(d), rows.len()),
                )
                .into_date()
                .into_column(),
            );
        }
        Some(crate::export::FileDate::Month(m) | crate::export::FileDate::PartOfMonth(m, ..)) => {
            columns.push(crate::export::constant(
                "period",
                &m.to_string(),
                rows.len(),
            ))
        }
        None => {}
    }
    let has_date = columns.iter().any(|c| c.name() == "date");
    let has_period = columns.iter().any(|c| c.name() == "period");
    if table.is_dated() && has_date && has_period {
        check_date_in_period(&ctx, view, &rows, &columns)?;
    }
    if table.is_dated() && has_date && !has_period {
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
    let frame = require_keys(&ctx, frame)?;
    if export.as_ref().is_some_and(|x| {
        x.profile
            .columns
            .iter()
            .any(|(_, t)| *t == Target::Nickname)
    }) {
        add_accounts_of_one_employee(&ctx, frame, notes)
    } else {
        Ok(frame)
    }
}

/// A row's `date` must lie in its `period`: a row counted in another month
/// than its date says is an error.
fn check_date_in_period(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    rows: &[usize],
    columns: &[Column],
) -> Result<()> {
    let get = |name: &str| columns.iter().find(|c| c.name() == name);
    let (Some(dates), Some(periods)) = (get("date"), get("period")) else {
        return Ok(());
    };
    let (Ok(dates), Ok(periods)) = (dates.date(), periods.str()) else {
        return Ok(());
    };
    for (k, (date, period)) in dates.physical().iter().zip(periods.iter()).enumerate() {
        if let (Some(date), Some(period)) = (date, period) {
            let month = kpi_core::period_of_days(date);
            if month != period {
                return Err(Error::Cell {
                    at: ctx.at(view.row_number(rows[k]), "period"),
                    message: format!(
                        "period {period} disagrees with the date {} (month {month}); \
                         correct one or drop the period column",
                        crate::export::fmt_day(date)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Rows of one sheet keyed by different nicknames of one employee (two
/// sub-accounts on the same day) are that employee's activity: their counts,
/// money and durations are added into one row, noted.
fn add_accounts_of_one_employee(
    ctx: &Ctx<'_>,
    frame: DataFrame,
    notes: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let keys = key_columns(ctx.table, &frame);
    let text = KeyText::new(ctx.table, &frame, &keys)?;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<Vec<&str>, usize> = HashMap::new();
    for i in 0..frame.height() {
        let key = text.row(i);
        match index.get(&key) {
            Some(&g) => groups[g].push(i),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    if groups.len() == frame.height() {
        return Ok(frame);
    }
    let mut columns = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let additive = ctx
            .table
            .column(c.name())
            .is_some_and(|s| s.kind.is_additive())
            && c.dtype() == &DataType::Int64;
        if additive {
            let values = c.i64().map_err(|e| Error::polars(c.name().as_str(), e))?;
            let summed: Vec<Option<i64>> = groups
                .iter()
                // Missing in any account is missing for the employee.
                .map(|g| g.iter().map(|&i| values.get(i)).sum::<Option<i64>>())
                .collect();
            columns.push(Column::new(c.name().clone(), summed));
        } else {
            let first =
                IdxCa::from_vec("".into(), groups.iter().map(|g| g[0] as IdxSize).collect());
            columns.push(
                c.take(&first)
                    .map_err(|e| Error::polars(format!("{}: adding accounts", ctx.table), e))?,
            );
        }
    }
    let rows = frame
        .column("_row")
        .ok()
        .and_then(|c| c.u32().ok().cloned());
    for g in groups.iter().filter(|g| g.len() > 1) {
        let first = rows.as_ref().and_then(|r| r.get(g[0])).map(|r| r as usize);
        let mut note = ctx.note(
            first,
            None,
            Issue::NicknamesOfOne {
                rows: g.len(),
                key: keys
                    .iter()
                    .zip(text.row(g[0]))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            Action::AddedIntoOneRow,
        );
        note.rows = g.len();
        notes.push(note);
    }
    DataFrame::new(groups.len(), columns)
        .map_err(|e| Error::polars(format!("{}: adding accounts", ctx.table), e))
}

/// Decimals a number is shown with, as a ratio: `41.25%` → 4, `0.5` → 1,
/// `12` → 0 (trailing zeros count: `41.20%` is shown to 4).
fn shown_decimals(text: &str) -> u32 {
    let t = text.trim();
    let after_point = t.split_once('.').map_or(0, |(_, frac)| {
        frac.chars().take_while(char::is_ascii_digit).count() as u32
    });
    after_point + if t.ends_with('%') { 2 } else { 0 }
}

/// The integer values of a typed count column.
fn counts_of(columns: &[Column], name: &str) -> Option<Vec<Option<i64>>> {
    let c = columns.iter().find(|c| c.name() == name)?;
    Some(c.i64().ok()?.iter().collect())
}

/// Columns an export gives as rates or averages: `count = round(rate ×
/// denominator)` (exact when only one count shows as that rate) and `sum =
/// average × count` (an approximation: the average is rounded as shown).
/// A column the file gives directly is not rebuilt.
#[allow(clippy::too_many_arguments)]
fn derive_columns(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    headers: &[String],
    uses: &[(usize, Use)],
    rows: &[usize],
    columns: &mut Vec<Column>,
    x: &mut ExportCtx<'_>,
    notes: &mut Vec<QualityNote>,
) -> Result<()> {
    let file = ctx.path.display().to_string();
    for (j, u) in uses {
        let (column, base, is_rate) = match u {
            Use::Rate(c, of) => (*c, *of, true),
            Use::Average(c, per) => (*c, *per, false),
            _ => continue,
        };
        if columns.iter().any(|c| c.name() == column) {
            continue;
        }
        let header = &headers[*j];
        let Some(base_values) = counts_of(columns, base) else {
            notes.push(ctx.note(
                None,
                Some(header),
                Issue::CannotRebuild {
                    column: column.to_string(),
                    header: header.to_string(),
                    base: base.to_string(),
                },
                Action::ColumnNotRead,
            ));
            continue;
        };
        let spec = ctx.table.column(column).expect("checked");
        let mut values: Vec<Option<i64>> = Vec::with_capacity(rows.len());
        // Rows rebuilt exactly and only approximately, and whose they are.
        let (mut exact_rows, mut approx_rows) = (0, 0);
        let (mut exact_ids, mut approx_ids) = (BTreeSet::new(), BTreeSet::new());
        let owner = columns
            .iter()
            .find(|c| c.name() == "employee_id")
            .or_else(|| columns.iter().find(|c| c.name() == "store_id"))
            .and_then(|c| c.str().ok().cloned());
        let owner_of = |k: usize| {
            owner
                .as_ref()
                .and_then(|o| o.get(k))
                .unwrap_or("")
                .to_string()
        };
        for (k, &r) in rows.iter().enumerate() {
            let cell = view.cell(r, *j);
            let shown = match cell {
                Cell::Text(t) if crate::parse::is_placeholder(t) => None,
                Cell::Empty | Cell::Error => None,
                _ => Some(if !is_rate && spec.kind == ColumnKind::Seconds {
                    parse_seconds(cell)
                        .map_err(|m| Error::Cell {
                            at: ctx.at(view.row_number(r), header),
                            message: m,
                        })?
                        .and_then(crate::parse::decimal_of_f64)
                } else {
                    parse_decimal(cell).map_err(|m| Error::Cell {
                        at: ctx.at(view.row_number(r), header),
                        message: m,
                    })?
                }),
            }
            .flatten();
            let mut row_exact = true;
            let value = match (base_values[k], shown) {
                (None, _) => None,
                (Some(0), _) => Some(0),
                (Some(_), None) => {
                    notes.push(ctx.note(
                        Some(view.row_number(r)),
                        Some(header),
                        Issue::NoValueToRebuild {
                            column: column.to_string(),
                        },
                        Action::LeftMissing,
                    ));
                    None
                }
                (Some(n), Some(v)) => {
                    // Half a unit of the last decimal shown; a number cell
                    // holds the rate itself, not a rounded display.
                    let numeric = matches!(cell, Cell::Number(_));
                    let half = match cell {
                        Cell::Text(t) if !numeric => Decimal::new(5, shown_decimals(t) + 1),
                        _ => Decimal::new(1, 9),
                    };
                    if is_rate {
                        let product = v * Decimal::from(n);
                        let count = product
                            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                        if (product - count).abs() > half * Decimal::from(n) {
                            notes.push(ctx.note(
                                Some(view.row_number(r)),
                                Some(header),
                                Issue::NoWholeCount {
                                    column: column.to_string(),
                                    rate: v,
                                    of: n,
                                    base: base.to_string(),
                                },
                                Action::RoundedToCount,
                            ));
                            row_exact = false;
                        } else if !numeric && half * Decimal::from(2 * n) >= Decimal::ONE {
                            // More than one count shows as this rate.
                            row_exact = false;
                        }
                        count.to_i64()
                    } else {
                        let unit = Decimal::from(spec.kind.scale());
                        let stored = (v * unit)
                            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                        row_exact = false;
                        (stored * Decimal::from(n)).to_i64()
                    }
                }
            };
            if value.is_some() {
                if row_exact {
                    exact_rows += 1;
                    exact_ids.insert(owner_of(k));
                } else {
                    approx_rows += 1;
                    approx_ids.insert(owner_of(k));
                }
            }
            values.push(value);
        }
        let how = Issue::Rebuilt {
            column: column.to_string(),
            header: header.to_string(),
            base: base.to_string(),
            from_rate: is_rate,
        };
        for (exact, rows, ids) in [
            (true, exact_rows, exact_ids),
            (false, approx_rows, approx_ids),
        ] {
            if rows > 0 {
                x.derived.push(Derivation {
                    table: ctx.table,
                    column,
                    how: how.clone(),
                    source: header.trim().to_string(),
                    per: base,
                    exact,
                    rows,
                    file: file.clone(),
                    files: 1,
                    ids,
                });
            }
        }
        columns.push(Column::new(column.into(), values));
    }
    Ok(())
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

/// Drops data row `r` with a note when one of its first three cells is a
/// summary label (汇总, 合计, 全店平均值…).
fn drop_summary_row(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    width: usize,
    r: usize,
    notes: &mut Vec<QualityNote>,
) -> bool {
    let label = (0..width.min(3))
        .filter_map(|j| view.cell(r, j).text())
        .find(|t| is_summary_label(t));
    if let Some(label) = label {
        notes.push(ctx.note(
            Some(view.row_number(r)),
            None,
            Issue::SummaryRow {
                label: label.trim().to_string(),
            },
            Action::DroppedSummaryRow,
        ));
    }
    label.is_some()
}

/// Yuan as integer cents; more than 2 decimals is rounded half-up, noted.
fn to_cents(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    r: usize,
    header: &str,
    yuan: Decimal,
    notes: &mut Vec<QualityNote>,
) -> Option<i64> {
    let cents = yuan * Decimal::ONE_HUNDRED;
    if cents.fract() != Decimal::ZERO {
        notes.push(ctx.note(
            Some(view.row_number(r)),
            Some(header),
            Issue::MoneyDecimals { yuan },
            Action::RoundedToCent,
        ));
    }
    cents
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
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
                            return Err(cell_err(
                                r,
                                format!(
                                    "{} is not a role; accepted: {}",
                                    crate::parse::quoted(s),
                                    Role::accepted()
                                ),
                            ));
                        }
                    },
                    _ => None,
                };
                values.push(v);
            }
            Column::new(name, values)
        }
        ColumnKind::Word(vocabulary) => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                let v = match view.cell(r, j) {
                    Cell::Text(s) if crate::parse::is_placeholder(s) => None,
                    Cell::Text(s) => match vocabulary.parse(s) {
                        Some(id) => Some(id),
                        None => {
                            return Err(cell_err(
                                r,
                                format!(
                                    "{} is not {}; accepted: {}",
                                    crate::parse::quoted(s),
                                    vocabulary.what(),
                                    vocabulary.accepted()
                                ),
                            ));
                        }
                    },
                    Cell::Empty => None,
                    Cell::Error => return Err(cell_err(r, "an error cell".into())),
                    Cell::Number(n) | Cell::ExcelDate(n) => {
                        return Err(cell_err(
                            r,
                            format!(
                                "{} is not {}; accepted: {}",
                                kpi_core::fmt_num(n),
                                vocabulary.what(),
                                vocabulary.accepted()
                            ),
                        ));
                    }
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
                    to_cents(ctx, view, r, header, d, notes)
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
                if let Some(x) = v
                    && !x.is_finite()
                {
                    let shown = cell
                        .text()
                        .map_or_else(|| x.to_string(), crate::parse::quoted);
                    return Err(cell_err(r, format!("{shown} is not a finite number")));
                }
                let v = match v {
                    Some(x) if spec.kind.non_negative() && x < 0.0 => {
                        let issue = Issue::NegativeValue { value: x };
                        treated_as_missing(ctx, view.row_number(r), header, issue, notes)
                    }
                    v => v,
                };
                values.push(v);
            }
            match spec.kind.scale() {
                1 => Column::new(name, values),
                // Durations are held as integer thousandths so sums are exact.
                scale => {
                    let mut scaled = Vec::with_capacity(values.len());
                    for (&r, v) in rows.iter().zip(values) {
                        let Some(x) = v else {
                            scaled.push(None);
                            continue;
                        };
                        let units = (x * scale as f64).round();
                        // Exact integers only: within ±2^53 of a float.
                        if units.abs() > 9_007_199_254_740_992.0 {
                            return Err(cell_err(r, format!("{x} is out of range")));
                        }
                        scaled.push(Some(units as i64));
                    }
                    Column::new(name, scaled)
                }
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
            let issue = Issue::NegativeCount { value: v };
            treated_as_missing(ctx, view.row_number(r), header, issue, notes)
        }
        v => v,
    }
}

/// Notes a value read as missing (a negative count, say) and gives none.
fn treated_as_missing<T>(
    ctx: &Ctx<'_>,
    row: usize,
    header: &str,
    issue: Issue,
    notes: &mut Vec<QualityNote>,
) -> Option<T> {
    let note = ctx.note(Some(row), Some(header), issue, Action::TreatedAsMissing);
    notes.push(note);
    None
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
        ColumnKind::Id
        | ColumnKind::Text
        | ColumnKind::Period
        | ColumnKind::Role
        | ColumnKind::Word(_) => DataType::String,
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

/// The key columns of a frame as text, read row by row without copying; a
/// dated row without a date (a monthly row among daily ones) is keyed by its
/// period (`2025-01`, never equal to a date).
struct KeyText {
    /// Per key column: its text, and the period standing in for a missing date.
    columns: Vec<(StringChunked, Option<StringChunked>)>,
}

impl KeyText {
    fn new(table: Table, frame: &DataFrame, keys: &[&str]) -> Result<KeyText> {
        let text = |name: &str| -> Result<StringChunked> {
            frame
                .column(name)
                .and_then(|c| c.cast(&DataType::String))
                .and_then(|c| c.str().cloned())
                .map_err(|e| Error::polars(format!("{table} keys"), e))
        };
        let columns = keys
            .iter()
            .map(|k| {
                let fallback = if *k == "date" && frame.column("period").is_ok() {
                    Some(text("period")?)
                } else {
                    None
                };
                Ok((text(k)?, fallback))
            })
            .collect::<Result<_>>()?;
        Ok(KeyText { columns })
    }

    /// The key of row `i`.
    fn row(&self, i: usize) -> Vec<&str> {
        self.columns
            .iter()
            .map(|(c, fallback)| {
                c.get(i)
                    .or_else(|| fallback.as_ref().and_then(|f| f.get(i)))
                    .unwrap_or("")
            })
            .collect()
    }
}

/// Rows with the same key: identical ones are dropped with a note; rows
/// whose columns complement each other (an export and an internal sheet
/// giving different columns of the same day) are merged into one, noted
/// once per pair of files; rows that disagree on a value are an error.
fn drop_duplicates(
    table: Table,
    frame: DataFrame,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let keys = key_columns(table, &frame);
    let key_text = KeyText::new(table, &frame, &keys)?;
    let mut first_of: HashMap<Vec<&str>, usize> = HashMap::with_capacity(frame.height());
    let mut keep: Vec<bool> = Vec::with_capacity(frame.height());
    let mut dropped = 0;
    let mut merged_into: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut merge_notes: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let data_columns: Vec<&Column> = frame
        .columns()
        .iter()
        .filter(|c| !c.name().starts_with('_'))
        .collect();
    let describe_key = |key: &[&str]| {
        keys.iter()
            .zip(key)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for i in 0..frame.height() {
        let key = key_text.row(i);
        let Some(&first) = first_of.get(&key) else {
            keep.push(true);
            first_of.insert(key, i);
            continue;
        };
        let mut identical = true;
        for c in &data_columns {
            let (a, b) = (c.get(first).ok(), c.get(i).ok());
            if a == b {
                continue;
            }
            identical = false;
            let a_null = a.as_ref().is_none_or(|v| v.is_null());
            let b_null = b.as_ref().is_none_or(|v| v.is_null());
            // A row merged in earlier may already give this column.
            let conflict = if !a_null && !b_null {
                true
            } else if a_null && !b_null {
                merged_into.get(&first).into_iter().flatten().any(|&o| {
                    c.get(o)
                        .ok()
                        .is_some_and(|v| !v.is_null() && Some(&v) != b.as_ref())
                })
            } else {
                false
            };
            if conflict {
                return Err(Error::DuplicateKey {
                    table: table.name().into(),
                    key: format!("{}; column {}", describe_key(&key), c.name()),
                    first: Box::new(position_of(&frame, files, first, None)),
                    second: Box::new(position_of(&frame, files, i, None)),
                });
            }
        }
        keep.push(false);
        if identical {
            dropped += 1;
            let at = position_of(&frame, files, i, None);
            quality.push(QualityNote::at(
                table.name(),
                at,
                Issue::DuplicateOf {
                    first: position_of(&frame, files, first, None),
                    key: describe_key(&key),
                },
                Action::DroppedIdentical,
                1,
            ));
        } else {
            merged_into.entry(first).or_default().push(i);
            let a = position_of(&frame, files, first, None).file;
            let b = position_of(&frame, files, i, None).file;
            let entry = merge_notes
                .entry((a.display().to_string(), b.display().to_string()))
                .or_insert((i, 0));
            entry.1 += 1;
        }
    }
    for ((a, b), (first_row, count)) in merge_notes {
        let at = position_of(&frame, files, first_row, None);
        quality.push(QualityNote {
            table: table.name().into(),
            file: b.clone(),
            sheet: None,
            row: at.row,
            column: None,
            issue: Issue::SameKeyAs {
                file: a.clone(),
                count,
            },
            action: Action::MergedIntoOneRow,
            rows: count,
        });
    }
    if dropped == 0 && merged_into.is_empty() {
        return Ok(frame);
    }
    let kept: Vec<usize> = (0..frame.height()).filter(|&i| keep[i]).collect();
    let mut columns = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let from: Vec<IdxSize> = kept
            .iter()
            .map(|&i| {
                let source = match merged_into.get(&i) {
                    Some(others)
                        if !c.name().starts_with('_') && c.get(i).is_ok_and(|v| v.is_null()) =>
                    {
                        others
                            .iter()
                            .copied()
                            .find(|&o| c.get(o).is_ok_and(|v| !v.is_null()))
                            .unwrap_or(i)
                    }
                    _ => i,
                };
                source as IdxSize
            })
            .collect();
        let index = IdxCa::from_vec("".into(), from);
        columns.push(
            c.take(&index)
                .map_err(|e| Error::polars(format!("{table}: merging rows"), e))?,
        );
    }
    DataFrame::new(kept.len(), columns)
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
            quality.push(QualityNote::at(
                table.name(),
                at,
                Issue::NotInRoster {
                    id: id.to_string(),
                    roster: roster_table.to_string(),
                    count,
                },
                Action::KeptNotScored,
                count,
            ));
        }
    }
    Ok(())
}

/// Dated rows whose date cannot be meant: before 2000, or more than two
/// years from the table's median date (a year typed as 2099, a date cell of
/// serial 0). They are set aside with a note each, so they cannot stretch
/// the period range or make gaps.
fn set_aside_implausible_dates(
    data: &mut Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    const Y2000: i32 = 10_957; // 2000-01-01
    const TWO_YEARS: i32 = 731;
    for table in Table::ALL.into_iter().filter(|t| t.is_dated()) {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let Ok(dates) = frame.column("date").and_then(|c| c.date().cloned()) else {
            continue;
        };
        let mut sorted: Vec<i32> = dates.physical().iter().flatten().collect();
        if sorted.is_empty() {
            continue;
        }
        // The median without sorting every date: one selection, O(n).
        let middle = sorted.len() / 2;
        let median = *sorted.select_nth_unstable(middle).1;
        let keep: BooleanChunked = dates
            .physical()
            .iter()
            .map(|d| d.is_none_or(|d| d >= Y2000 && (d - median).abs() <= TWO_YEARS))
            .collect();
        if keep.all() {
            continue;
        }
        for (i, (kept, date)) in keep.iter().zip(dates.physical().iter()).enumerate() {
            if let (Some(false), Some(date)) = (kept, date) {
                let at = position_of(frame, files, i, Some("date"));
                quality.push(QualityNote::at(
                    table.name(),
                    at,
                    Issue::ImplausibleDate { date, median },
                    Action::SetAside,
                    1,
                ));
            }
        }
        let kept = frame
            .filter(&keep)
            .map_err(|e| Error::polars(format!("{table}: setting rows aside"), e))?;
        data.insert(table, kept);
    }
    Ok(())
}

/// A loss is a negative amount and an award a positive one: a row against
/// its kind's sign is kept as written, with a note naming it.
fn check_adjustment_signs(data: &Dataset, files: &[PathBuf], quality: &mut Vec<QualityNote>) {
    let Some(frame) = data.get(Table::Adjustments) else {
        return;
    };
    let (Ok(kinds), Ok(amounts)) = (
        frame.column("kind").and_then(|c| c.str().cloned()),
        frame.column("amount").and_then(|c| c.i64().cloned()),
    ) else {
        return;
    };
    for (i, (kind, cents)) in kinds.iter().zip(amounts.iter()).enumerate() {
        let against = match (kind, cents) {
            (Some("loss"), Some(c)) => c > 0,
            (Some("award"), Some(c)) => c < 0,
            _ => false,
        };
        if against {
            let at = position_of(frame, files, i, Some("amount"));
            quality.push(QualityNote::at(
                Table::Adjustments.name(),
                at,
                Issue::AgainstItsKind {
                    kind: kind.unwrap_or_default().to_string(),
                    cents: cents.unwrap_or_default(),
                },
                Action::KeptAsWritten,
                1,
            ));
        }
    }
}

/// Rows of an employee in months before the roster's `hire_date` or after
/// its `leave_date`: kept, but the engines neither score nor pay them.
fn check_employment(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    let Some(roster) = data.get(Table::Employees) else {
        return Ok(());
    };
    let dates = |c: &str| -> Vec<Option<i32>> {
        roster
            .column(c)
            .ok()
            .and_then(|c| c.date().ok().map(|d| d.physical().iter().collect()))
            .unwrap_or_else(|| vec![None; roster.height()])
    };
    let ids = roster
        .column("employee_id")
        .and_then(|c| c.str().cloned())
        .map_err(|e| Error::polars("employees.employee_id", e))?;
    let (hires, leaves) = (dates("hire_date"), dates("leave_date"));
    // employee → (first month employed, last month employed).
    let mut employed: HashMap<&str, (Option<Month>, Option<Month>)> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            let month = |d: Option<i32>| d.map(Month::of_days);
            employed.insert(id, (month(hires[i]), month(leaves[i])));
        }
    }
    for table in Table::ALL.into_iter().filter(|t| t.refers_to_employees()) {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let (Ok(employees), Ok(periods)) = (
            frame.column("employee_id").and_then(|c| c.str().cloned()),
            frame.column("period").and_then(|c| c.str().cloned()),
        ) else {
            continue;
        };
        // (employee, before hire?) → (first row, rows).
        let mut outside: BTreeMap<(&str, bool), (usize, usize)> = BTreeMap::new();
        for (i, (id, period)) in employees.iter().zip(periods.iter()).enumerate() {
            let (Some(id), Some(month)) = (id, period.and_then(Month::parse)) else {
                continue;
            };
            let Some(&(hired, left)) = employed.get(id) else {
                continue;
            };
            let before = hired.is_some_and(|h| month < h);
            if before || left.is_some_and(|l| month > l) {
                outside.entry((id, before)).or_insert((i, 0)).1 += 1;
            }
        }
        for ((id, before), (first, rows)) in outside {
            let at = position_of(frame, files, first, Some("period"));
            let (hired, left) = employed[id];
            let issue = match (before, hired, left) {
                (true, Some(month), _) => Issue::BeforeHire {
                    id: id.to_string(),
                    hired: month,
                    rows,
                },
                (_, _, Some(month)) => Issue::AfterLeave {
                    id: id.to_string(),
                    left: month,
                    rows,
                },
                _ => continue,
            };
            quality.push(QualityNote {
                table: table.name().into(),
                file: at.file.display().to_string(),
                sheet: None,
                row: at.row,
                column: Some("period".into()),
                issue,
                action: Action::NotEmployed,
                rows,
            });
        }
    }
    Ok(())
}

/// Months with no rows between an activity table's first and last month:
/// one note per run of missing months, naming the table's file (or the
/// folder of its files).
fn check_period_gaps(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
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
        let (Some(&first), Some(&last)) = (periods.first(), periods.last()) else {
            continue;
        };
        let file = table_place(frame, files);
        let mut m = first;
        while m < last {
            if periods.contains(&m) {
                m = m.shift(1);
                continue;
            }
            let from = m;
            while !periods.contains(&m.shift(1)) {
                m = m.shift(1);
            }
            quality.push(QualityNote {
                table: table.name().into(),
                file: file.clone(),
                sheet: None,
                row: None,
                column: Some("period".into()),
                issue: Issue::NoRowsFor {
                    from,
                    to: m,
                    first,
                    last,
                },
                action: Action::PeriodGap,
                rows: 0,
            });
            m = m.shift(1);
        }
    }
    Ok(())
}

/// Where a table's rows come from: its one file, or the folder its files share.
fn table_place(frame: &DataFrame, files: &[PathBuf]) -> String {
    let used: BTreeSet<u32> = frame
        .column("_file")
        .ok()
        .and_then(|c| c.u32().ok().map(|c| c.iter().flatten().collect()))
        .unwrap_or_default();
    let paths: Vec<&PathBuf> = used.iter().filter_map(|&f| files.get(f as usize)).collect();
    match paths.as_slice() {
        [] => String::new(),
        [one] => one.display().to_string(),
        [first, rest @ ..] => {
            let mut common = first.parent().map(Path::to_path_buf).unwrap_or_default();
            while !rest.iter().all(|p| p.starts_with(&common)) && common.pop() {}
            common.display().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_decimals_count_trailing_zeros() {
        assert_eq!(shown_decimals("41.25%"), 4);
        assert_eq!(shown_decimals("41.20%"), 4);
        assert_eq!(shown_decimals("100%"), 2);
        assert_eq!(shown_decimals("0.5"), 1);
        assert_eq!(shown_decimals("12"), 0);
    }

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
