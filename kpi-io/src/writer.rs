//! Writing a dataset in the data contract as CSV, xlsx or Parquet files, with
//! English or Chinese headers, one file per table or per table and month.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_xlsxwriter::{Format, Workbook};

use rayon::prelude::*;

use kpi_core::{ColumnKind, Dataset, Role, Table, cents_text, civil_from_days};

use crate::alias::chinese_header;
use crate::error::{Error, Result};
use crate::staging::Staging;
use crate::synthetic::{GenOptions, Synthetic};

/// File format of written tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataFormat {
    /// Comma-separated text, UTF-8.
    #[default]
    Csv,
    /// Excel workbooks, one sheet each.
    Xlsx,
    /// Parquet.
    Parquet,
}

impl DataFormat {
    fn extension(self) -> &'static str {
        match self {
            DataFormat::Csv => "csv",
            DataFormat::Xlsx => "xlsx",
            DataFormat::Parquet => "parquet",
        }
    }
}

/// Language of written headers and role names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderLanguage {
    /// Canonical English column names and role ids.
    #[default]
    English,
    /// The usual Chinese headers (员工编号, 日期…), Chinese roles (客服…) and,
    /// in CSV, dates as `2025/1/5` with a UTF-8 BOM, as Chinese exports do.
    Chinese,
}

/// How to write a dataset.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// File format.
    pub format: DataFormat,
    /// One file per month for daily tables (`store_daily/2025-01.csv`).
    pub monthly_files: bool,
    /// Header language.
    pub headers: HeaderLanguage,
}

impl WriteOptions {
    /// Sets the format.
    pub fn with_format(mut self, format: DataFormat) -> Self {
        self.format = format;
        self
    }
    /// Splits daily tables into monthly files.
    pub fn with_monthly_files(mut self, monthly: bool) -> Self {
        self.monthly_files = monthly;
        self
    }
    /// Sets the header language.
    pub fn with_headers(mut self, headers: HeaderLanguage) -> Self {
        self.headers = headers;
        self
    }
}

/// Writes every table of `data` under `dir`, all or nothing (see
/// [`Staging`]). Returns the files written, sorted.
pub fn write_dataset(
    data: &Dataset,
    dir: impl AsRef<Path>,
    options: &WriteOptions,
) -> Result<Vec<PathBuf>> {
    Staging::once(|staging| stage_dataset(staging, data, dir.as_ref(), options))
}

/// Rows of `employee_daily` in one part file of a partitioned folder
/// ([`stage_partitioned`]), about: a part is a run of whole stores.
pub const ROWS_PER_PART: usize = 1_000_000;

/// What [`stage_partitioned`] staged.
pub struct Partitioned {
    /// The files staged, sorted.
    pub files: Vec<PathBuf>,
    /// Rows written, over every table.
    pub rows: usize,
    /// The dataset to score, without its daily rows held: every table but
    /// the daily ones, `store_daily`'s rows and `employee_daily` summed per
    /// employee and month as it was written ([`kpi_core::partial_sums`]).
    pub sums: Dataset,
}

/// Stages a generated dataset under `dir` with its daily tables as
/// folders partitioned by month,
/// `store_daily/year=2025/month=01/part-000.parquet` and so on, each part
/// a run of stores of about `part_rows` staff rows ([`ROWS_PER_PART`] by
/// default). The rows are generated and written a part at a time, a
/// core's worth of parts at once, and let go, so that memory follows a few
/// parts and the monthly sums, not the history. `progress` is told the
/// parts done out of all.
pub fn stage_partitioned(
    staging: &mut Staging,
    options: &GenOptions,
    dir: &Path,
    write: &WriteOptions,
    part_rows: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Partitioned> {
    let mut laps = kpi_core::timing::Laps::new();
    let synthetic = Synthetic::new(options);
    let mut sums = synthetic.monthly_tables();
    laps.lap("monthly tables");
    let mut files = stage_dataset(staging, &sums, dir, write)?;
    laps.lap("monthly tables written");
    let mut rows = sums.total_rows();
    let parts = synthetic.parts(part_rows);
    let ext = write.format.extension();
    let (mut store_rows, mut employee_sums) = (Vec::new(), Vec::new());
    let mut done = 0;
    for window in parts.chunks(rayon::current_num_threads().max(1)) {
        let made: Vec<(DataFrame, DataFrame)> = window
            .par_iter()
            .map(|part| synthetic.daily(part.stores.clone(), part.month..part.month + 1))
            .collect();
        for (part, (store_daily, employee_daily)) in window.iter().zip(made) {
            let folder = format!(
                "year={:04}/month={:02}",
                part.period.year, part.period.month
            );
            for (table, frame) in [
                (Table::StoreDaily, &store_daily),
                (Table::EmployeeDaily, &employee_daily),
            ] {
                let path = dir
                    .join(table.name())
                    .join(&folder)
                    .join(format!("part-{:03}.{ext}", part.number));
                write_table(staging, table, frame, &path, write)?;
                files.push(path);
                rows += frame.height();
            }
            let summed = kpi_core::partial_sums(&employee_daily, kpi_core::Level::Employee, &[])
                .map_err(|e| Error::polars("employee_daily: summing a part", e))?
                .expect("generated staff measures are whole units, none a stock");
            employee_sums.push(summed);
            store_rows.push(store_daily);
            done += 1;
            progress(done, parts.len());
        }
    }
    for (table, frames) in [
        (Table::StoreDaily, store_rows),
        (Table::EmployeeDaily, employee_sums),
    ] {
        let mut frames = frames.into_iter();
        if let Some(mut stacked) = frames.next() {
            for frame in frames {
                stacked
                    .vstack_mut_owned(frame)
                    .map_err(|e| Error::polars(table.name(), e))?;
            }
            sums.insert(table, stacked);
        }
    }
    laps.lap("daily parts");
    files.sort();
    Ok(Partitioned { files, rows, sums })
}

/// Stages `data` as files under `dir` (see [`write_dataset`]).
pub fn stage_dataset(
    staging: &mut Staging,
    data: &Dataset,
    dir: &Path,
    options: &WriteOptions,
) -> Result<Vec<PathBuf>> {
    staging.folder(dir)?;
    let mut written = Vec::new();
    for (table, frame) in data.tables() {
        let ext = options.format.extension();
        if options.monthly_files && table.is_dated() {
            let folder = dir.join(table.name());
            let periods = frame
                .column("period")
                .and_then(|c| c.str().cloned())
                .map_err(|e| Error::polars(format!("{table}.period"), e))?;
            let mut distinct: Vec<&str> = periods.iter().flatten().collect();
            distinct.sort_unstable();
            distinct.dedup();
            for period in distinct {
                let mask = periods.equal(period);
                let part = frame
                    .filter(&mask)
                    .map_err(|e| Error::polars(format!("{table} {period}"), e))?;
                let path = folder.join(format!("{period}.{ext}"));
                write_table(staging, table, &part, &path, options)?;
                written.push(path);
            }
        } else {
            let path = dir.join(format!("{}.{ext}", table.name()));
            write_table(staging, table, frame, &path, options)?;
            written.push(path);
        }
    }
    written.sort();
    Ok(written)
}

fn kind_of(table: Table, name: &str) -> Option<ColumnKind> {
    table.column(name).map(|c| c.kind)
}

fn header(name: &str, options: &WriteOptions) -> String {
    match options.headers {
        HeaderLanguage::English => name.to_string(),
        HeaderLanguage::Chinese => chinese_header(name).to_string(),
    }
}

fn role_text(role: &str, options: &WriteOptions) -> String {
    match (options.headers, Role::parse(role)) {
        (HeaderLanguage::Chinese, Some(r)) => r.chinese()[0].to_string(),
        _ => role.to_string(),
    }
}

fn write_table(
    staging: &mut Staging,
    table: Table,
    frame: &DataFrame,
    path: &Path,
    options: &WriteOptions,
) -> Result<()> {
    let frame = frame.drop_many(["_file", "_row"]);
    staging.write(path, |tmp| match options.format {
        DataFormat::Csv => write_csv(table, &frame, tmp, options),
        DataFormat::Parquet => write_parquet(table, &frame, tmp, options),
        DataFormat::Xlsx => write_xlsx(table, &frame, tmp, options),
    })
}

/// `1234.5` text of integer thousandths, without trailing zeros.
fn thousandths_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let (whole, frac) = ((v / 1000).abs(), (v % 1000).abs());
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        format!(
            "{sign}{whole}.{}",
            format!("{frac:03}").trim_end_matches('0')
        )
    }
}

fn write_csv(table: Table, frame: &DataFrame, path: &Path, options: &WriteOptions) -> Result<()> {
    let mut columns = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let name = c.name().as_str();
        let text: StringChunked = match kind_of(table, name) {
            Some(ColumnKind::Money) => c
                .i64()
                .map_err(|e| Error::polars(name, e))?
                .iter()
                .map(|v| v.map(cents_text))
                .collect(),
            Some(ColumnKind::Seconds | ColumnKind::Hours) => c
                .i64()
                .map_err(|e| Error::polars(name, e))?
                .iter()
                .map(|v| v.map(thousandths_text))
                .collect(),
            Some(ColumnKind::Date) => c
                .date()
                .map_err(|e| Error::polars(name, e))?
                .physical()
                .iter()
                .map(|v| {
                    v.map(|d| {
                        let (y, m, day) = civil_from_days(d);
                        match options.headers {
                            HeaderLanguage::English => format!("{y:04}-{m:02}-{day:02}"),
                            HeaderLanguage::Chinese => format!("{y}/{m}/{day}"),
                        }
                    })
                })
                .collect(),
            Some(ColumnKind::Role) => c
                .str()
                .map_err(|e| Error::polars(name, e))?
                .iter()
                .map(|v| v.map(|r| role_text(r, options)))
                .collect(),
            _ => c
                .cast(&DataType::String)
                .map_err(|e| Error::polars(name, e))?
                .str()
                .map_err(|e| Error::polars(name, e))?
                .clone(),
        };
        columns.push(text.with_name(header(name, options).into()).into_column());
    }
    let mut out =
        DataFrame::new(frame.height(), columns).map_err(|e| Error::polars(table.name(), e))?;
    let mut file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    if options.headers == HeaderLanguage::Chinese {
        use std::io::Write;
        file.write_all("\u{feff}".as_bytes())
            .map_err(|e| Error::io(path, e))?;
    }
    CsvWriter::new(&mut file)
        .finish(&mut out)
        .map_err(|e| Error::polars(format!("{}: writing CSV", path.display()), e))
}

fn write_parquet(
    table: Table,
    frame: &DataFrame,
    path: &Path,
    options: &WriteOptions,
) -> Result<()> {
    let mut columns = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let name = c.name().as_str();
        let column = match kind_of(table, name) {
            // Parquet users expect yuan and seconds; the reader turns them back
            // into exact cents and thousandths.
            Some(kind @ (ColumnKind::Money | ColumnKind::Seconds | ColumnKind::Hours)) => c
                .i64()
                .map_err(|e| Error::polars(name, e))?
                .iter()
                .map(|v| v.map(|c| c as f64 / kind.scale() as f64))
                .collect::<Float64Chunked>()
                .into_column(),
            Some(ColumnKind::Role) => c
                .str()
                .map_err(|e| Error::polars(name, e))?
                .iter()
                .map(|v| v.map(|r| role_text(r, options)))
                .collect::<StringChunked>()
                .into_column(),
            _ => c.clone(),
        };
        columns.push(column.with_name(header(name, options).into()));
    }
    let mut out =
        DataFrame::new(frame.height(), columns).map_err(|e| Error::polars(table.name(), e))?;
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Snappy)
        .finish(&mut out)
        .map_err(|e| Error::polars(format!("{}: writing Parquet", path.display()), e))?;
    Ok(())
}

/// A new workbook dated 2000-01-01, so the same data writes the same bytes.
pub(crate) fn dated_workbook() -> std::result::Result<Workbook, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    Ok(workbook)
}

fn write_xlsx(table: Table, frame: &DataFrame, path: &Path, options: &WriteOptions) -> Result<()> {
    let xerr = |source| Error::WorkbookWrite {
        path: path.into(),
        source: Box::new(source),
    };
    let mut workbook = dated_workbook().map_err(xerr)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.name()).map_err(xerr)?;
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let money_format = Format::new().set_num_format("0.00");
    for (j, c) in frame.columns().iter().enumerate() {
        let col = j as u16;
        let name = c.name().as_str();
        sheet
            .write_string_with_format(0, col, header(name, options), &bold)
            .map_err(xerr)?;
        let kind = kind_of(table, name);
        match (kind, c.dtype()) {
            (Some(ColumnKind::Date), _) => {
                for (i, v) in c
                    .date()
                    .map_err(|e| Error::polars(name, e))?
                    .physical()
                    .iter()
                    .enumerate()
                {
                    if let Some(d) = v {
                        // Excel serial: days since 1899-12-30.
                        sheet
                            .write_number_with_format(
                                i as u32 + 1,
                                col,
                                f64::from(d) + 25_569.0,
                                &date_format,
                            )
                            .map_err(xerr)?;
                    }
                }
            }
            (Some(kind @ (ColumnKind::Money | ColumnKind::Seconds | ColumnKind::Hours)), _) => {
                let format = if kind == ColumnKind::Money {
                    &money_format
                } else {
                    &Format::new()
                };
                for (i, v) in c
                    .i64()
                    .map_err(|e| Error::polars(name, e))?
                    .iter()
                    .enumerate()
                {
                    if let Some(units) = v {
                        sheet
                            .write_number_with_format(
                                i as u32 + 1,
                                col,
                                units as f64 / kind.scale() as f64,
                                format,
                            )
                            .map_err(xerr)?;
                    }
                }
            }
            (_, DataType::Int64) => {
                for (i, v) in c
                    .i64()
                    .map_err(|e| Error::polars(name, e))?
                    .iter()
                    .enumerate()
                {
                    if let Some(v) = v {
                        sheet
                            .write_number(i as u32 + 1, col, v as f64)
                            .map_err(xerr)?;
                    }
                }
            }
            (_, DataType::Float64) => {
                for (i, v) in c
                    .f64()
                    .map_err(|e| Error::polars(name, e))?
                    .iter()
                    .enumerate()
                {
                    if let Some(v) = v {
                        sheet.write_number(i as u32 + 1, col, v).map_err(xerr)?;
                    }
                }
            }
            _ => {
                let text = c
                    .cast(&DataType::String)
                    .map_err(|e| Error::polars(name, e))?;
                for (i, v) in text
                    .str()
                    .map_err(|e| Error::polars(name, e))?
                    .iter()
                    .enumerate()
                {
                    if let Some(v) = v {
                        let v = if kind == Some(ColumnKind::Role) {
                            role_text(v, options)
                        } else {
                            v.to_string()
                        };
                        sheet.write_string(i as u32 + 1, col, v).map_err(xerr)?;
                    }
                }
            }
        }
    }
    workbook.save(path).map_err(xerr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousandths_print_without_float_noise() {
        assert_eq!(thousandths_text(109_956_700), "109956.7");
        assert_eq!(thousandths_text(32_000), "32");
        assert_eq!(thousandths_text(-1_005), "-1.005");
    }
}
