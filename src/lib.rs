//! The `kpi` pipeline: read a dataset (`kpi-io`), compute metrics and scores
//! (`kpi-core`), write the workbook (`kpi-report`) and the CSV/Parquet exports.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! let scheme = kpi::builtin_scheme()?;
//! let data = kpi_io::generate(&kpi_io::GenOptions::default());
//! let result = kpi::score_dataset(&data, &scheme)?;
//! println!("{} employee-months scored", result.scores.rows.len());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod explain;
pub mod ledger;

use std::path::{Path, PathBuf};

pub use kpi_io::Staging;

pub use explain::{Lang, explain, explain_approximations};

use polars::prelude::*;

use kpi_core::{
    Dataset, Formula, Level, Metrics, Pay, Scheme, Scores, Unit, cents_text, compute_metrics,
    compute_pay, score,
};

/// An error of the pipeline: the step that failed and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A step of the domain failed (`computing metrics`, `scoring`…).
    #[error("{step}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// Why it failed.
        #[source]
        source: kpi_core::Error,
    },
    /// A domain error, as it is.
    #[error(transparent)]
    Core(#[from] kpi_core::Error),
    /// Reading, parsing or writing a file failed.
    #[error(transparent)]
    Io(#[from] kpi_io::Error),
    /// A table could not be put in its export form.
    #[error(transparent)]
    Polars(#[from] PolarsError),
    /// `kpi explain` found no score to explain.
    #[error(transparent)]
    NoScore(#[from] NoScore),
}

/// Why an employee has no score to explain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NoScore {
    /// No row of the employee in the data.
    #[error("employee `{employee}` has no activity in the dataset")]
    NoActivity {
        /// Employee id.
        employee: String,
    },
    /// The employee's role is not one the scheme scores.
    #[error("employee `{employee}` is `{role}`; scheme `{scheme}` scores {}", roles.join(", "))]
    RoleNotScored {
        /// Employee id.
        employee: String,
        /// The employee's role.
        role: String,
        /// The scheme id.
        scheme: String,
        /// The roles it scores.
        roles: Vec<String>,
    },
    /// Activity, but not in the period asked for.
    #[error("employee `{employee}` has no score for {period}; months with activity: {}", months.join(", "))]
    NotInPeriod {
        /// Employee id.
        employee: String,
        /// The period asked for.
        period: String,
        /// The months with activity.
        months: Vec<String>,
    },
}

/// Result of the pipeline.
pub type Result<T> = std::result::Result<T, Error>;

/// Names the step a domain error happened in.
fn step(step: &'static str) -> impl FnOnce(kpi_core::Error) -> Error {
    move |source| Error::Step { step, source }
}

/// The customer-service scheme shipped as `fixtures/schemes/customer_service.toml`.
pub const BUILTIN_SCHEME: &str = include_str!("../fixtures/schemes/customer_service.toml");

/// The built-in customer-service scheme, parsed.
pub fn builtin_scheme() -> Result<Scheme> {
    Ok(kpi_io::parse_scheme(
        BUILTIN_SCHEME,
        Path::new("fixtures/schemes/customer_service.toml"),
    )?)
}

/// Metrics and scores of one scheme on one dataset.
pub struct Scored {
    /// `metrics_store` and `metrics_employee`.
    pub metrics: Metrics,
    /// `scores`.
    pub scores: Scores,
    /// `pay`, when the scheme has a `[pay]` table.
    pub pay: Option<Pay>,
    /// Trends, attribution and peer benchmarks (see [`analyse`]).
    pub analysis: Option<Analysis>,
}

/// The analysis tables of a run.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// `trends`: every metric at company, store, team and employee level.
    pub trends: DataFrame,
    /// `attribution`: each month against the month before.
    pub attribution: DataFrame,
    /// `peers`: each scored employee against the same role.
    pub peers: DataFrame,
    /// `target_tracking`: each target with its actual, completion, gap and
    /// whether its children add up to it.
    pub targets: DataFrame,
}

impl Analysis {
    /// The tables for a workbook.
    pub fn tables(&self) -> kpi_report::Analysis<'_> {
        kpi_report::Analysis {
            trends: &self.trends,
            attribution: &self.attribution,
            peers: &self.peers,
            targets: &self.targets,
        }
    }
}

/// Trends of every metric, the month-on-month attribution of GMV,
/// customer-service sales and the scheme's own identities (company, stores,
/// teams), the peer benchmark and target tracking.
pub fn analyse(data: &Dataset, scheme: &Scheme, scores: &Scores) -> Result<Analysis> {
    let pairs = kpi_core::consecutive_months(data).map_err(step("analysis"))?;
    Ok(Analysis {
        trends: kpi_core::trends(data, Some(scores)).map_err(step("trends"))?,
        attribution: kpi_core::attribute_changes(
            data,
            &pairs,
            kpi_core::AttributionLevel::Store,
            &scheme.identities,
        )
        .map_err(step("attribution"))?,
        peers: kpi_core::peers(scores).map_err(step("peer benchmark"))?,
        targets: kpi_core::target_tracking(data).map_err(step("target tracking"))?,
    })
}

/// Computes metrics, scores and, when the scheme has a `[pay]` table, pay.
pub fn score_dataset(data: &Dataset, scheme: &Scheme) -> Result<Scored> {
    let metrics = compute_metrics(data).map_err(step("computing metrics"))?;
    let scores = score(scheme, &metrics, data).map_err(step("scoring"))?;
    let pay = compute_pay(scheme, &scores, &metrics, data).map_err(step("computing pay"))?;
    Ok(Scored {
        metrics,
        scores,
        pay,
        analysis: None,
    })
}

/// What a scheme asks of the data that the data cannot answer, but that does
/// not stop a run (printed as warnings).
pub fn scheme_warnings(scheme: &Scheme, data: &Dataset) -> Vec<String> {
    let mut warnings = Vec::new();
    if scheme.eligibility.max_absent_days.is_some()
        && data.get(kpi_core::Table::Attendance).is_none()
    {
        warnings.push(
            "the scheme limits absent days (eligibility.max_absent_days) but the dataset has no attendance table: everyone is treated as eligible".to_string(),
        );
    }
    warnings
}

/// Export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExportFormat {
    /// CSV, money as exact decimals with 2 places.
    #[default]
    Csv,
    /// Parquet, money as 2-place decimal text (exact).
    Parquet,
}

/// Stages one file per result table in `dir`; returns their places. They
/// land when `staging` is committed, with the run's other outputs.
pub fn export_tables(
    staging: &mut Staging,
    dir: &Path,
    format: ExportFormat,
    scored: &Scored,
    quality: Option<&DataFrame>,
) -> Result<Vec<PathBuf>> {
    staging.folder(dir)?;
    let mut tables = vec![
        (
            "metrics_store",
            money_as_text(&scored.metrics, Level::Store)?,
        ),
        (
            "metrics_employee",
            money_as_text(&scored.metrics, Level::Employee)?,
        ),
        ("scores", scores_as_text(&scored.scores)?),
        ("score_details", scored.scores.details_frame()?),
    ];
    if let Some(pay) = &scored.pay {
        tables.push(("pay", pay.to_frame()?));
        tables.push(("pay_details", pay.details_frame()?));
    }
    if let Some(analysis) = &scored.analysis {
        tables.push(("trends", analysis.trends.clone()));
        tables.push(("attribution", analysis.attribution.clone()));
        tables.push(("peers", analysis.peers.clone()));
        tables.push(("target_tracking", analysis.targets.clone()));
    }
    if let Some(q) = quality {
        tables.push(("data_quality", q.clone()));
    }
    let mut written = Vec::new();
    for (name, mut frame) in tables {
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
        };
        let path = dir.join(format!("{name}.{ext}"));
        staging.write(&path, |tmp| write_frame(&mut frame, format, tmp, &path))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `frame` at `tmp`, the temporary of the output `path`.
fn write_frame(
    frame: &mut DataFrame,
    format: ExportFormat,
    tmp: &Path,
    path: &Path,
) -> std::result::Result<(), kpi_io::Error> {
    let file = std::fs::File::create(tmp).map_err(|source| kpi_io::Error::Io {
        path: path.into(),
        source,
    })?;
    let written = match format {
        ExportFormat::Csv => CsvWriter::new(file).finish(frame),
        ExportFormat::Parquet => ParquetWriter::new(file)
            .with_compression(ParquetCompression::Snappy)
            .finish(frame)
            .map(|_| ()),
    };
    written.map_err(|source| kpi_io::Error::Polars {
        context: format!("writing {}", path.display()),
        source,
    })
}

/// The scores table with the position wage (integer cents) as exact
/// 2-place text.
pub fn scores_as_text(scores: &Scores) -> Result<DataFrame> {
    let mut frame = scores.to_frame()?;
    if scores.has_position_wage {
        let text: StringChunked = frame
            .column("position_wage")?
            .i64()?
            .iter()
            .map(|v| v.map(cents_text))
            .collect();
        frame.with_column(text.with_name("position_wage".into()).into_column())?;
    }
    Ok(frame)
}

/// Stages frames as CSV files in `dir`; returns their places.
pub fn export_frames(
    staging: &mut Staging,
    dir: &Path,
    frames: &[(&str, &DataFrame)],
) -> Result<Vec<PathBuf>> {
    staging.folder(dir)?;
    let mut written = Vec::new();
    for (name, frame) in frames {
        let path = dir.join(format!("{name}.csv"));
        let mut frame = (*frame).clone();
        staging.write(&path, |tmp| {
            write_frame(&mut frame, ExportFormat::Csv, tmp, &path)
        })?;
        written.push(path);
    }
    Ok(written)
}

/// A metrics table with money columns as exact 2-place text: sums from
/// integer cents, averages (AOV, cost per visitor) rounded half-up.
pub fn money_as_text(metrics: &Metrics, level: Level) -> Result<DataFrame> {
    let mut frame = metrics.frame(level).clone();
    for m in metrics.metrics(level) {
        if m.unit != Unit::Money {
            continue;
        }
        let column = frame.column(m.id)?;
        let text: StringChunked = match m.formula {
            Formula::Sum(_) => column.i64()?.iter().map(|v| v.map(cents_text)).collect(),
            _ => column
                .f64()?
                .iter()
                .map(|v| {
                    v.map(|yuan| {
                        let cents = kpi_core::round_half_up(yuan * 100.0, 0);
                        cents_text(cents as i64)
                    })
                })
                .collect(),
        };
        frame.with_column(text.with_name(m.id.into()).into_column())?;
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_scheme_parses() {
        let scheme = builtin_scheme().unwrap();
        assert_eq!(scheme.items.len(), 4);
        assert_eq!(scheme.items.iter().map(|i| i.weight).sum::<f64>(), 100.0);
    }
}
