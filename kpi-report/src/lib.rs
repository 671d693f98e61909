//! Writing `kpi` results as workbooks that open in Excel and LibreOffice:
//! a summary sheet, store and employee metrics, scores with coloured grades,
//! the score breakdown and the data-quality record. Every sheet has a bold
//! frozen header, an autofilter, fitted column widths and number formats by
//! unit (percent, money, counts). Workbook metadata carries a fixed
//! timestamp, so the same results give the same bytes.
//!
//! ```no_run
//! # fn main() -> kpi_report::Result<()> {
//! use kpi_report::{Report, write_workbook};
//! # let metrics: kpi_core::Metrics = unimplemented!();
//! let report = Report::new("店铺绩效", &metrics);
//! write_workbook(&report, "out.xlsx")?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod compare;
mod formulas;
mod sheet;

pub use compare::{COMPARISON_SHEETS, MOVERS, comparison_label, write_comparison};

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use kpi_core::{Level, Metrics, Pay, Scheme, Scores, Unit, fmt_num};

use sheet::{CellStyle, write_frame, write_frame_for_charts, write_frame_with_formulas};

/// An error of `kpi-report`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workbook could not be built or saved.
    #[error("{path}: cannot write the workbook")]
    Xlsx {
        /// Output file.
        path: PathBuf,
        /// The cause.
        source: rust_xlsxwriter::XlsxError,
    },
    /// A result table could not be read.
    #[error("sheet `{sheet}`")]
    Polars {
        /// Sheet being written.
        sheet: String,
        /// The cause.
        source: PolarsError,
    },
    /// The file could not be moved into place.
    #[error("{path}")]
    Io {
        /// Output file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A domain operation failed.
    #[error(transparent)]
    Core(#[from] kpi_core::Error),
}

/// Result of `kpi-report`.
pub type Result<T> = std::result::Result<T, Error>;

/// What goes into a workbook.
pub struct Report<'a> {
    title: String,
    metrics: &'a Metrics,
    scheme: Option<&'a Scheme>,
    scores: Option<&'a Scores>,
    quality: Option<&'a DataFrame>,
    pay: Option<&'a Pay>,
    analysis: Option<Analysis<'a>>,
    facts: Vec<(String, String)>,
}

/// The analysis tables of a run (see `kpi_core::trends`, `attribution`, `peers`).
#[derive(Clone, Copy)]
pub struct Analysis<'a> {
    /// `trends`.
    pub trends: &'a DataFrame,
    /// `attribution`.
    pub attribution: &'a DataFrame,
    /// `peers`.
    pub peers: &'a DataFrame,
    /// `target_tracking`.
    pub targets: &'a DataFrame,
}

impl<'a> Report<'a> {
    /// A report of metrics only.
    pub fn new(title: impl Into<String>, metrics: &'a Metrics) -> Self {
        Report {
            title: title.into(),
            metrics,
            scheme: None,
            scores: None,
            quality: None,
            pay: None,
            analysis: None,
            facts: Vec::new(),
        }
    }

    /// Adds the analysis: `trends` (with line charts of the main store
    /// metrics), `attribution` (with a bar chart) and `peers` sheets.
    pub fn with_analysis(mut self, analysis: Analysis<'a>) -> Self {
        self.analysis = Some(analysis);
        self
    }

    /// Adds pay: the `pay` and `pay_details` sheets and the pay slips (工资条).
    pub fn with_pay(mut self, pay: &'a Pay) -> Self {
        self.pay = Some(pay);
        self
    }

    /// Adds the scores of a scheme.
    pub fn with_scores(mut self, scheme: &'a Scheme, scores: &'a Scores) -> Self {
        self.scheme = Some(scheme);
        self.scores = Some(scores);
        self
    }

    /// Adds the data-quality table.
    pub fn with_quality(mut self, quality: &'a DataFrame) -> Self {
        self.quality = Some(quality);
        self
    }

    /// Adds a line to the summary sheet (`data`, `files read`...).
    pub fn with_fact(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.facts.push((label.into(), value.into()));
        self
    }
}

/// Sheet names, in workbook order (`pay`, `pay_details` and `工资条` only
/// when the scheme has pay; `trends`, `attribution` and `peers` only with
/// the analysis).
pub const SHEETS: [&str; 13] = [
    "summary",
    "metrics_store",
    "metrics_employee",
    "scores",
    "score_details",
    "pay",
    "pay_details",
    "工资条",
    "trends",
    "attribution",
    "peers",
    "target_tracking",
    "data_quality",
];

/// Rows of `trends` above which the sheet keeps the company, store and team
/// levels only (the export has every row).
pub const TRENDS_SHEET_ROWS: usize = 200_000;

/// Writes the workbook at `path` (for all-or-nothing output, a temporary
/// of `kpi_io::Staging`).
pub fn write_workbook(report: &Report<'_>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let xerr = |source| Error::Xlsx {
        path: path.into(),
        source,
    };
    let mut workbook = new_workbook(&report.title).map_err(xerr)?;

    write_summary(&mut workbook, report).map_err(xerr)?;
    for level in [Level::Store, Level::Employee] {
        let name = match level {
            Level::Store => "metrics_store",
            Level::Employee => "metrics_employee",
        };
        let frame = report.metrics.frame(level);
        let style = |column: &str| metric_style(report.metrics, level, column);
        write_frame(&mut workbook, name, frame, &style, None).map_err(|e| lift(e, path, name))?;
    }
    if let (Some(scheme), Some(scores)) = (report.scheme, report.scores) {
        let (frame, formulas) = formulas::scores_sheet(scheme, scores, scores.to_frame()?)
            .map_err(|source| Error::Polars {
                sheet: "scores".into(),
                source,
            })?;
        let grades: Vec<String> = scheme.grades.iter().map(|g| g.label.clone()).collect();
        let style = |column: &str| match column {
            "total_score" | "bonus" | "payout_pct" => CellStyle::Decimal,
            "position_wage" => CellStyle::Cents,
            c if c.starts_with("points.") || c.starts_with("section.") => CellStyle::Decimal,
            c if c.starts_with("weight.") => CellStyle::Value,
            _ => CellStyle::Text,
        };
        write_frame_with_formulas(
            &mut workbook,
            "scores",
            &frame,
            &style,
            Some(&grades),
            &formulas,
        )
        .map_err(|e| lift(e, path, "scores"))?;
        let details = scores.details_frame()?;
        let style = |column: &str| match column {
            "points" | "weight" | "contribution" | "numerator" | "denominator" => {
                CellStyle::Decimal
            }
            "value" => CellStyle::Value,
            _ => CellStyle::Text,
        };
        write_frame(&mut workbook, "score_details", &details, &style, None)
            .map_err(|e| lift(e, path, "score_details"))?;
    }
    if let Some(pay) = report.pay {
        let money: Vec<String> = pay
            .component_ids
            .iter()
            .cloned()
            .chain(kpi_core::PAY_TOTALS.map(String::from))
            .collect();
        let frame = pay.to_frame()?;
        let formulas = match report.scheme {
            Some(scheme) => formulas::pay_formulas(scheme, pay, &frame),
            None => Vec::new(),
        };
        money_sheet(&mut workbook, path, "pay", frame, &money, &formulas)?;
        let money = ["amount", "basis_value", "deferred", "released"].map(String::from);
        money_sheet(
            &mut workbook,
            path,
            "pay_details",
            pay.details_frame()?,
            &money,
            &[],
        )?;
        sheet::write_pay_slips(&mut workbook, pay).map_err(xerr)?;
    }
    if let Some(analysis) = report.analysis {
        write_analysis(&mut workbook, path, analysis)?;
    }
    if let Some(quality) = report.quality {
        let style = |column: &str| match column {
            "row" | "rows" => CellStyle::Count,
            _ => CellStyle::Text,
        };
        write_frame(&mut workbook, "data_quality", quality, &style, None)
            .map_err(|e| lift(e, path, "data_quality"))?;
    }

    save(workbook, path)
}

fn write_analysis(workbook: &mut Workbook, path: &Path, analysis: Analysis<'_>) -> Result<()> {
    let polars = |sheet: &str| {
        let sheet = sheet.to_string();
        move |source| Error::Polars { sheet, source }
    };
    let mut trends = analysis.trends.clone();
    if trends.height() > TRENDS_SHEET_ROWS {
        trends = trends
            .lazy()
            .filter(col("level").neq(lit("employee")))
            .collect()
            .map_err(polars("trends"))?;
    }
    let style = |column: &str| match column {
        "mom" | "yoy" => CellStyle::Percent,
        "value" | "rolling_3" | "qtd" | "ytd" => CellStyle::Value,
        "rank" | "rank_change" | "streak" => CellStyle::Count,
        _ => CellStyle::Text,
    };
    write_frame_for_charts(workbook, "trends", &trends, &style)
        .map_err(|e| lift(e, path, "trends"))?;
    sheet::trend_charts(workbook, analysis.trends).map_err(|e| lift(e, path, "trends"))?;
    let style = |column: &str| match column {
        "effect" => CellStyle::Value,
        _ => CellStyle::Text,
    };
    write_frame_for_charts(workbook, "attribution", analysis.attribution, &style)
        .map_err(|e| lift(e, path, "attribution"))?;
    sheet::attribution_chart(workbook, analysis.attribution)
        .map_err(|e| lift(e, path, "attribution"))?;
    let style = |column: &str| match column {
        "percentile" => CellStyle::Percent,
        "value" | "store_mean" | "store_best" | "all_mean" | "all_best" | "gap_to_best" => {
            CellStyle::Value
        }
        _ => CellStyle::Text,
    };
    write_frame(workbook, "peers", analysis.peers, &style, None)
        .map_err(|e| lift(e, path, "peers"))?;
    let style = |column: &str| match column {
        "completion" => CellStyle::Percent,
        "target" | "actual" | "gap" => CellStyle::Decimal,
        _ => CellStyle::Text,
    };
    write_frame(workbook, "target_tracking", analysis.targets, &style, None)
        .map_err(|e| lift(e, path, "target_tracking"))?;
    Ok(())
}

/// A workbook whose metadata carries a fixed timestamp, so the same results
/// give the same bytes.
fn new_workbook(title: &str) -> std::result::Result<Workbook, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("kpi")
            .set_creation_datetime(&fixed),
    );
    Ok(workbook)
}

/// Saves a workbook at `path`. A run that writes several outputs gives a
/// temporary here (`kpi_io::Staging`) and moves it into place with the rest.
fn save(mut workbook: Workbook, path: &Path) -> Result<()> {
    workbook.save(path).map_err(|source| Error::Xlsx {
        path: path.into(),
        source,
    })
}

/// Writes a reconciliation workbook: `summary` (the facts given), then
/// `reconciliation` (one line per employee, period and component) and
/// `reconciliation_totals` (per period and component), money as numbers.
pub fn write_reconciliation(
    path: impl AsRef<Path>,
    title: &str,
    facts: &[(String, String)],
    lines: &DataFrame,
    totals: &DataFrame,
) -> Result<()> {
    let path = path.as_ref();
    let xerr = |source| Error::Xlsx {
        path: path.into(),
        source,
    };
    let mut workbook = new_workbook(title).map_err(xerr)?;
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name("summary").map_err(xerr)?;
        let bold = Format::new().set_bold();
        sheet
            .write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))
            .map_err(xerr)?;
        for (i, (label, value)) in facts.iter().enumerate() {
            let row = i as u32 + 2;
            sheet
                .write_string_with_format(row, 0, label, &bold)
                .map_err(xerr)?;
            sheet.write_string(row, 1, value).map_err(xerr)?;
        }
        sheet.set_column_width(0, 28).map_err(xerr)?;
        sheet.set_column_width(1, 60).map_err(xerr)?;
    }
    let money = ["ours", "ledger", "difference"].map(String::from);
    for (name, frame) in [("reconciliation", lines), ("reconciliation_totals", totals)] {
        money_sheet(&mut workbook, path, name, frame.clone(), &money, &[])?;
    }
    save(workbook, path)
}

/// Writes a sheet whose `money` columns hold exact decimal text, as
/// numbers in yuan; whole-number columns as counts, the rest as text.
fn money_sheet(
    workbook: &mut Workbook,
    path: &Path,
    name: &str,
    mut frame: DataFrame,
    money: &[String],
    formulas: &sheet::Formulas,
) -> Result<()> {
    numbers(&mut frame, money).map_err(|source| Error::Polars {
        sheet: name.into(),
        source,
    })?;
    let style = |column: &str| {
        if money.iter().any(|m| m == column) {
            CellStyle::Money
        } else if frame.column(column).is_ok_and(|c| c.dtype().is_integer()) {
            CellStyle::Count
        } else {
            CellStyle::Text
        }
    };
    write_frame_with_formulas(workbook, name, &frame, &style, None, formulas)
        .map_err(|e| lift(e, path, name))
}

/// Exact decimal text columns as numbers, for display in the workbook.
fn numbers(frame: &mut DataFrame, columns: &[String]) -> PolarsResult<()> {
    for c in columns {
        let values = frame.column(c)?.cast(&DataType::Float64)?;
        frame.with_column(values)?;
    }
    Ok(())
}

fn lift(e: sheet::SheetError, path: &Path, sheet: &str) -> Error {
    match e {
        sheet::SheetError::Xlsx(source) => Error::Xlsx {
            path: path.into(),
            source,
        },
        sheet::SheetError::Polars(source) => Error::Polars {
            sheet: sheet.into(),
            source,
        },
    }
}

/// How a metrics column is shown: money sums are cents, shown as yuan.
fn metric_style(metrics: &Metrics, level: Level, column: &str) -> CellStyle {
    let Some(m) = metrics.metrics(level).iter().find(|m| m.id == column) else {
        return CellStyle::Text;
    };
    match (m.unit, m.formula) {
        (Unit::Money, kpi_core::Formula::Sum(_)) => CellStyle::Cents,
        (Unit::Money, _) => CellStyle::Money,
        (Unit::Ratio, _) => CellStyle::Percent,
        (Unit::Count, _) => CellStyle::Count,
        (Unit::Seconds | Unit::Hours | Unit::Number, _) => CellStyle::Decimal,
    }
}

fn write_summary(
    workbook: &mut Workbook,
    report: &Report<'_>,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("summary")?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, &report.title, &title)?;
    let mut row = 2;
    let mut facts = report.facts.clone();
    if let Some(scheme) = report.scheme {
        facts.insert(
            0,
            (
                "scheme".into(),
                format!("{} ({})", scheme.scheme.name, scheme.scheme.id),
            ),
        );
    }
    for (label, value) in &facts {
        sheet.write_string_with_format(row, 0, label, &bold)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }
    if let (Some(scheme), Some(scores)) = (report.scheme, report.scores) {
        row += 1;
        sheet.write_string_with_format(row, 0, "grade", &bold)?;
        sheet.write_string_with_format(row, 1, "employee-months", &bold)?;
        sheet.write_string_with_format(row, 2, "from total", &bold)?;
        row += 1;
        for (grade, (label, count)) in scheme.grades.iter().zip(scores.grade_counts(scheme)) {
            let format = sheet::grade_format(
                &scheme
                    .grades
                    .iter()
                    .map(|g| g.label.clone())
                    .collect::<Vec<_>>(),
                &label,
            )
            .unwrap_or_default();
            sheet.write_string_with_format(row, 0, &label, &format)?;
            sheet.write_number(row, 1, count as f64)?;
            sheet.write_string(
                row,
                2,
                grade
                    .min
                    .map_or("below".to_string(), |m| format!("≥ {}", fmt_num(m))),
            )?;
            row += 1;
        }
        let not_eligible = scores.rows.iter().filter(|r| !r.eligible).count();
        sheet.write_string(row, 0, "not eligible")?;
        sheet.write_number(row, 1, not_eligible as f64)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "metric dictionary", &title)?;
    row += 1;
    for (j, h) in [
        "level", "id", "中文", "English", "unit", "better", "formula",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(row, j as u16, *h, &bold)?;
    }
    row += 1;
    for level in [Level::Store, Level::Employee] {
        for m in report.metrics.metrics(level) {
            let cells = [
                match level {
                    Level::Store => "store",
                    Level::Employee => "employee",
                }
                .to_string(),
                m.id.to_string(),
                m.zh.to_string(),
                m.en.to_string(),
                m.unit.name().to_string(),
                match m.direction {
                    kpi_core::Direction::Higher => "higher",
                    kpi_core::Direction::Lower => "lower",
                }
                .to_string(),
                m.formula_text(),
            ];
            for (j, c) in cells.iter().enumerate() {
                sheet.write_string(row, j as u16, c)?;
            }
            row += 1;
        }
    }
    for (j, width) in [12.0, 24.0, 22.0, 34.0, 10.0, 8.0, 44.0].iter().enumerate() {
        sheet.set_column_width(j as u16, *width)?;
    }
    Ok(())
}
