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
mod labels;
mod sheet;
mod summary;

pub use compare::{COMPARISON_SHEETS, MOVERS, write_comparison};

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use kpi_core::{Lang, Level, Metrics, Pay, Scheme, Scores, Unit};

use labels::Labels;
pub use labels::{Fact, Names};
use sheet::{CellStyle, Table, write_table};

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
    lang: Lang,
    names: Option<&'a Names>,
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
            lang: Lang::En,
            names: None,
        }
    }

    /// Sheet names, headers and rule texts in `lang` (English by default).
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Employee and store names beside their ids.
    pub fn with_names(mut self, names: &'a Names) -> Self {
        self.names = Some(names);
        self
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

/// The sheets of a workbook, in order: (English name, Chinese name). The
/// pay sheets come only with pay, the analysis sheets only with the
/// analysis, `data_quality` only with the data-quality record.
pub const SHEETS: [(&str, &str); 14] = [
    ("about", "说明"),
    ("summary", "概览"),
    ("metrics_store", "门店指标"),
    ("metrics_employee", "员工指标"),
    ("scores", "绩效得分"),
    ("score_details", "得分明细"),
    ("pay", "薪酬"),
    ("pay_details", "薪酬明细"),
    ("pay_slips", "工资条"),
    ("trends", "趋势"),
    ("attribution", "归因分析"),
    ("peers", "同岗对比"),
    ("target_tracking", "目标跟踪"),
    ("data_quality", "数据质量"),
];

/// The name of sheet `id` (its English name) in `lang`.
pub fn sheet_name(id: &str, lang: Lang) -> &'static str {
    let (en, zh) = SHEETS
        .iter()
        .find(|(en, _)| *en == id)
        .copied()
        .unwrap_or(("", ""));
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

impl Report<'_> {
    /// The sheets this report writes, by id, in order.
    pub fn sheets(&self) -> Vec<&'static str> {
        SHEETS
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| match *id {
                "scores" | "score_details" => self.scores.is_some() && self.scheme.is_some(),
                "pay" | "pay_details" | "pay_slips" => self.pay.is_some(),
                "trends" | "attribution" | "peers" | "target_tracking" => self.analysis.is_some(),
                "data_quality" => self.quality.is_some(),
                _ => true,
            })
            .collect()
    }
}

/// Rows of `trends` above which the sheet keeps the company, store and team
/// levels only (the export has every row).
pub const TRENDS_SHEET_ROWS: usize = 200_000;

/// Writes the workbook at `path` (for all-or-nothing output, a temporary
/// of `kpi_io::Staging`): a first sheet saying what every sheet holds and
/// how each number is computed, the headline figures, then the tables,
/// headed in the report's language, names beside ids, totals and gross pay
/// as formulas whose cached values are our results.
pub fn write_workbook(report: &Report<'_>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let xerr = |source| Error::Xlsx {
        path: path.into(),
        source,
    };
    let lang = report.lang;
    let name = |id: &str| sheet_name(id, lang);
    let polars = |id: &str| {
        let sheet = name(id).to_string();
        move |source| Error::Polars { sheet, source }
    };
    let names = report.names.cloned().unwrap_or_default();
    let labels = Labels::new(lang)
        .with_scheme(report.scheme)
        .with_components(report.pay);
    let header = |id: &str| labels.header(id);
    // A result table as people read it: names beside ids, values named.
    let readable = |frame: DataFrame| names.beside_ids(frame).and_then(|f| labels.values(f));
    let mut workbook = new_workbook(&report.title).map_err(xerr)?;

    summary::write_about(&mut workbook, report).map_err(xerr)?;
    summary::write_summary(&mut workbook, report, &names).map_err(xerr)?;
    for level in [Level::Store, Level::Employee] {
        let id = match level {
            Level::Store => "metrics_store",
            Level::Employee => "metrics_employee",
        };
        let frame = readable(report.metrics.frame(level).clone()).map_err(polars(id))?;
        let style = |column: &str| metric_style(report.metrics, level, column);
        let table = Table::new(&frame, &style).with_header(&header);
        write_table(&mut workbook, name(id), &table).map_err(|e| lift(e, path, name(id)))?;
    }
    if let (Some(scheme), Some(scores)) = (report.scheme, report.scores) {
        let frame = readable(scores.to_frame()?).map_err(polars("scores"))?;
        let (frame, formulas) =
            formulas::scores_sheet(scheme, scores, frame).map_err(polars("scores"))?;
        let grades: Vec<String> = scheme.grades.iter().map(|g| g.label.to_string()).collect();
        let style = |column: &str| match column {
            "total_score" | "bonus" | "payout_pct" => CellStyle::Decimal,
            "position_wage" => CellStyle::Cents,
            c if c.starts_with("points.") || c.starts_with("section.") => CellStyle::Decimal,
            c if c.starts_with("weight.") => CellStyle::Value,
            _ => CellStyle::Text,
        };
        let table = Table::new(&frame, &style)
            .with_grades(&grades)
            .with_formulas(&formulas)
            .with_header(&header);
        write_table(&mut workbook, name("scores"), &table)
            .map_err(|e| lift(e, path, name("scores")))?;
        let details = readable(scores.details_frame_in(lang)?).map_err(polars("score_details"))?;
        let style = |column: &str| match column {
            "points" | "weight" | "contribution" | "numerator" | "denominator" => {
                CellStyle::Decimal
            }
            "value" => CellStyle::Value,
            _ => CellStyle::Text,
        };
        let table = Table::new(&details, &style).with_header(&header);
        write_table(&mut workbook, name("score_details"), &table)
            .map_err(|e| lift(e, path, name("score_details")))?;
    }
    if let Some(pay) = report.pay {
        let money: Vec<String> = pay
            .component_ids
            .iter()
            .cloned()
            .chain(kpi_core::PAY_TOTALS.map(String::from))
            .collect();
        let frame = readable(pay.to_frame()?).map_err(polars("pay"))?;
        let formulas = match report.scheme {
            Some(scheme) => formulas::pay_formulas(scheme, pay, &frame),
            None => Vec::new(),
        };
        let sheet = MoneySheet {
            name: name("pay"),
            money: &money,
            formulas: &formulas,
            header: &header,
        };
        money_sheet(&mut workbook, path, frame, &sheet)?;
        let money = ["amount", "basis_value", "deferred", "released"].map(String::from);
        let frame = readable(pay.details_frame_in(lang)?).map_err(polars("pay_details"))?;
        let sheet = MoneySheet {
            name: name("pay_details"),
            money: &money,
            formulas: &[],
            header: &header,
        };
        money_sheet(&mut workbook, path, frame, &sheet)?;
        sheet::write_pay_slips(&mut workbook, name("pay_slips"), pay).map_err(xerr)?;
    }
    if let Some(analysis) = report.analysis {
        write_analysis(&mut workbook, path, analysis, &labels, &readable)?;
    }
    if let Some(quality) = report.quality {
        let style = |column: &str| match column {
            "row" | "rows" => CellStyle::Count,
            _ => CellStyle::Text,
        };
        let table = Table::new(quality, &style).with_header(&header);
        write_table(&mut workbook, name("data_quality"), &table)
            .map_err(|e| lift(e, path, name("data_quality")))?;
    }

    save(workbook, path)
}

fn write_analysis(
    workbook: &mut Workbook,
    path: &Path,
    analysis: Analysis<'_>,
    labels: &Labels<'_>,
    readable: &dyn Fn(DataFrame) -> PolarsResult<DataFrame>,
) -> Result<()> {
    let header = &|id: &str| labels.header(id);
    let name = |id: &str| sheet_name(id, labels.lang());
    let polars = |id: &str| {
        let sheet = name(id).to_string();
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
    let sheet = name("trends");
    let table = Table::new(&trends, &style)
        .with_header(header)
        .with_falling(&["mom", "yoy"])
        .in_memory();
    write_table(workbook, sheet, &table).map_err(|e| lift(e, path, sheet))?;
    sheet::trend_charts(workbook, sheet, analysis.trends).map_err(|e| lift(e, path, sheet))?;
    let style = |column: &str| match column {
        "effect" => CellStyle::Value,
        _ => CellStyle::Text,
    };
    let sheet = name("attribution");
    let table = Table::new(analysis.attribution, &style)
        .with_header(header)
        .with_falling(&["effect"])
        .in_memory();
    write_table(workbook, sheet, &table).map_err(|e| lift(e, path, sheet))?;
    sheet::attribution_chart(workbook, sheet, analysis.attribution)
        .map_err(|e| lift(e, path, sheet))?;
    let style = |column: &str| match column {
        "percentile" => CellStyle::Percent,
        "value" | "store_mean" | "store_best" | "all_mean" | "all_best" | "gap_to_best" => {
            CellStyle::Value
        }
        _ => CellStyle::Text,
    };
    let sheet = name("peers");
    let peers = readable(analysis.peers.clone()).map_err(polars("peers"))?;
    let table = Table::new(&peers, &style).with_header(header);
    write_table(workbook, sheet, &table).map_err(|e| lift(e, path, sheet))?;
    let style = |column: &str| match column {
        "completion" => CellStyle::Percent,
        "target" | "actual" | "gap" => CellStyle::Decimal,
        _ => CellStyle::Text,
    };
    let sheet = name("target_tracking");
    let table = Table::new(analysis.targets, &style)
        .with_header(header)
        .with_falling(&["gap"]);
    write_table(workbook, sheet, &table).map_err(|e| lift(e, path, sheet))?;
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
        let sheet = MoneySheet {
            name,
            money: &money,
            formulas: &[],
            header: &|id: &str| id.to_string(),
        };
        money_sheet(&mut workbook, path, frame.clone(), &sheet)?;
    }
    save(workbook, path)
}

/// A sheet whose `money` columns hold exact decimal text.
struct MoneySheet<'a> {
    name: &'a str,
    money: &'a [String],
    formulas: &'a sheet::Formulas,
    header: &'a dyn Fn(&str) -> String,
}

/// Writes a sheet whose money columns hold exact decimal text, as numbers
/// in yuan; whole-number columns as counts, the rest as text.
fn money_sheet(
    workbook: &mut Workbook,
    path: &Path,
    mut frame: DataFrame,
    sheet: &MoneySheet<'_>,
) -> Result<()> {
    let name = sheet.name;
    numbers(&mut frame, sheet.money).map_err(|source| Error::Polars {
        sheet: name.into(),
        source,
    })?;
    let style = |column: &str| {
        if sheet.money.iter().any(|m| m == column) {
            CellStyle::Money
        } else if frame.column(column).is_ok_and(|c| c.dtype().is_integer()) {
            CellStyle::Count
        } else {
            CellStyle::Text
        }
    };
    let table = Table::new(&frame, &style)
        .with_formulas(sheet.formulas)
        .with_header(sheet.header);
    write_table(workbook, name, &table).map_err(|e| lift(e, path, name))
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
        (Unit::Seconds, _) => CellStyle::Seconds,
        (Unit::Hours | Unit::Number, _) => CellStyle::Decimal,
    }
}
