//! Reading a dataset directory into typed frames, with a data-quality record
//! of everything repaired, dropped or suspicious.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::*;

use kpi_core::{ColumnKind, Dataset, Month, Role, Table, keys_rise};

use crate::alias::canonical_column;
use crate::error::{Error, Position, Result};
use crate::export::Resolver;
use crate::grid::{self, Grid};
use crate::parse::{Cell, parse_date, parse_decimal, parse_period, parse_seconds};
use crate::profile::{Profile, ReadOptions, StoreSource, Target};
use crate::quality::{Action, Issue, QualityNote};

mod check;
mod coerce;
mod columnar;
mod discover;
mod exports;
mod merge;
mod read;
mod sum;

use check::*;
use coerce::*;
use columnar::*;
use discover::*;
use exports::*;
use merge::*;
use read::*;
use sum::*;

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
    let mut laps = kpi_core::timing::Laps::new();
    let (inputs, mut exports, mut quality) = discover(dir)?;
    laps.lap("discover files");
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
    let mut files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    let summing = options.sum_activity && exports.is_empty();
    let read_one = |index: usize, input: &InputFile| -> Result<ReadPart> {
        let level = summed_level(input.table).filter(|_| summing);
        // A large Parquet file a batch of row groups at a time; any doubt,
        // and it is read whole below (which says what is wrong with it).
        let parquet = input
            .path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("parquet"));
        if let Some(level) = level.filter(|_| parquet)
            && let Ok(Some((part, sums))) = sum_parquet_batches(input, index as u32, level)
        {
            progress(&input.path, total);
            return Ok(Some((part, Some(sums))));
        }
        let part = read_file(input, index as u32);
        progress(&input.path, total);
        match (part, level) {
            (Ok(part), Some(level)) => {
                Ok(sum_file(input.table, level, part, &files)?.map(|(p, s)| (p, Some(s))))
            }
            (Ok(part), None) => Ok(Some((part, None))),
            (Err(e), _) => Err(e),
        }
    };
    // Files summed as read are read a core's worth at a time: a core
    // waiting for the others inside one file would start reading another,
    // and the rows of every file could be held at once.
    let at_once = if summing {
        rayon::current_num_threads()
    } else {
        inputs.len()
    };
    let mut parts: Vec<Result<ReadPart>> = Vec::with_capacity(inputs.len());
    for (k, batch) in inputs.chunks(at_once.max(1)).enumerate() {
        let first = k * at_once;
        let read: Vec<Result<ReadPart>> = batch
            .par_iter()
            .enumerate()
            .map(|(j, input)| read_one(first + j, input))
            .collect();
        parts.extend(read);
    }
    laps.lap("read files");
    let mut by_table: BTreeMap<Table, Vec<DataFrame>> = BTreeMap::new();
    let mut rows_read = 0;
    // Per table summed as read: its files' sums and their repeated rows.
    let mut summed: BTreeMap<Table, (Vec<FileSums>, Vec<QualityNote>)> = BTreeMap::new();
    // A spreadsheet in a table's folder without the contract's header may be
    // a platform export put there: it is tried with the profiles, and its own
    // error stands if none fits.
    let mut retry: Vec<(u32, Option<Error>)> = Vec::new();
    // Read again with the rows: the files' count doubles for the progress
    // shown, which goes on from where the first read left it.
    let read_again = || {
        let rows = ReadOptions {
            sum_activity: false,
            ..options.clone()
        };
        read_dataset_with(dir, &rows, &|path, files| progress(path, 2 * files))
    };
    for (index, (input, part)) in inputs.iter().zip(parts).enumerate() {
        let (part, sums) = match part {
            Ok(Some(part)) => part,
            Ok(None) => return read_again(),
            Err(Error::Layout { .. }) if summing => return read_again(),
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
        if let Some(mut sums) = sums {
            let (all, repeats) = summed.entry(input.table).or_default();
            repeats.append(&mut sums.repeats);
            all.push(sums);
        }
    }
    if summed.values().any(|(sums, _)| !sums_stand_for_rows(sums)) {
        return read_again();
    }
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
    laps.lap("read exports");
    let mut dataset = Dataset::new();
    for (table, frames) in by_table {
        dataset.insert(table, stack(table, frames)?);
    }
    laps.lap("stack");
    for table in Table::ALL.into_iter().filter(|t| t.has_unique_key()) {
        // Checked file by file as they were summed.
        if let Some((_, repeats)) = summed.remove(&table) {
            quality.extend(repeats);
            continue;
        }
        if let Some(frame) = dataset.get(table).cloned() {
            let frame = drop_duplicates(table, frame, &files, &mut quality)?;
            dataset.insert(table, frame);
        }
    }
    laps.lap("duplicates");
    if dataset.get(Table::StoreDaily).is_none() && dataset.get(Table::EmployeeDaily).is_none() {
        return Err(Error::Dataset {
            path: dir.into(),
            message: "no activity table: expected store_daily or employee_daily (a file or a folder of files, or platform exports)".into(),
        });
    }
    set_aside_implausible_dates(&mut dataset, &files, &mut quality)?;
    laps.lap("implausible dates");
    // The checks read the tables only: they run side by side, their notes
    // kept in this order.
    let (mut references, mut employment, mut signs, mut gaps) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let runs = TextRuns::new(&dataset);
    let ((r, e), g) = rayon::join(
        || {
            rayon::join(
                || check_references(&dataset, &runs, &files, &mut references),
                || check_employment(&dataset, &runs, &files, &mut employment),
            )
        },
        || {
            check_adjustment_signs(&dataset, &files, &mut signs);
            check_period_gaps(&dataset, &runs, &files, &mut gaps)
        },
    );
    drop(runs);
    r?;
    e?;
    g?;
    for notes in [references, employment, signs, gaps] {
        quality.extend(notes);
    }
    laps.lap("checks");
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

/// The typed rows of one file (all its sheets with a header).
struct FilePart {
    frame: DataFrame,
    notes: Vec<QualityNote>,
    rows_read: usize,
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
