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

mod compare;
mod explain;
pub mod ledger;

use std::path::{Path, PathBuf};

pub use kpi_io::Staging;

pub use compare::{
    COMPARISON_TABLES, check_compared, compare_schemes, compare_schemes_with, comparison_frames,
};
pub use explain::{Lang, explain, explain_approximations, scheme_lang};

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
    /// `--tables` names a table that is not a result table.
    #[error("--tables: `{name}` is not a result table; the tables are {}", EXPORT_TABLES.join(", "))]
    UnknownTable {
        /// The name given.
        name: String,
    },
    /// A step failed for one scheme of a comparison.
    #[error("scheme `{id}`")]
    ForScheme {
        /// The scheme's id.
        id: String,
        /// What failed.
        #[source]
        source: Box<Error>,
    },
    /// `kpi compare` was given fewer than two schemes.
    #[error("--scheme: give at least two schemes to compare (got {given})")]
    TooFewSchemes {
        /// How many were given.
        given: usize,
    },
    /// Two compared schemes share an id.
    #[error("--scheme: {} and {} are both scheme `{id}`; give each its own [scheme] id", first.display(), second.display())]
    SameSchemeId {
        /// The shared id.
        id: String,
        /// The first file.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },
    /// `--tables` names a table this run does not make.
    #[error("--tables: `{name}` is not written: {why}")]
    TableNotMade {
        /// The name given.
        name: String,
        /// Why the run has no such table.
        why: Unmade,
    },
}

/// Why a run makes no table of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unmade {
    /// Pay tables without a `[pay]` scheme.
    #[error("the scheme has no [pay] tables")]
    NoPay,
    /// Analysis tables with `--no-analysis`.
    #[error("the run has no analysis (--no-analysis)")]
    NoAnalysis,
    /// The data-quality table of a command without one.
    #[error("this command reads no dataset, so it has no data-quality record")]
    NoQuality,
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
pub fn analyse(
    data: &Dataset,
    scheme: &Scheme,
    metrics: &Metrics,
    scores: &Scores,
) -> Result<Analysis> {
    let mut laps = kpi_core::timing::Laps::new();
    let pairs = kpi_core::consecutive_months(data).map_err(step("analysis"))?;
    let sums = kpi_core::MonthlySums::of_metrics(metrics, data).map_err(step("analysis"))?;
    laps.lap("analysis: monthly sums");
    let trends = kpi_core::trends_in(&sums, Some(scores)).map_err(step("trends"))?;
    laps.lap("analysis: trends");
    let attribution = kpi_core::attribute_changes_in(
        &sums,
        data,
        &pairs,
        kpi_core::AttributionLevel::Store,
        &scheme.identities,
    )
    .map_err(step("attribution"))?;
    laps.lap("analysis: attribution");
    let peers = kpi_core::peers(scores).map_err(step("peer benchmark"))?;
    laps.lap("analysis: peers");
    let targets = kpi_core::target_tracking_in(&sums, data).map_err(step("target tracking"))?;
    laps.lap("analysis: targets");
    Ok(Analysis {
        trends,
        attribution,
        peers,
        targets,
    })
}

/// Computes metrics, scores and, when the scheme has a `[pay]` table, pay.
pub fn score_dataset(data: &Dataset, scheme: &Scheme) -> Result<Scored> {
    Prepared::new(data)?.score(scheme)
}

/// The monthly metrics of `data` (timed as `metrics`).
pub fn monthly_metrics(data: &Dataset) -> Result<Metrics> {
    let mut laps = kpi_core::timing::Laps::new();
    let metrics = compute_metrics(data).map_err(step("computing metrics"))?;
    laps.lap("metrics");
    Ok(metrics)
}

/// A dataset read once and aggregated per period, ready for any number of
/// schemes: the monthly metrics do not depend on the scheme, so scoring
/// another scheme neither reads nor aggregates again (`kpi compare` runs
/// every scheme on one).
pub struct Prepared<'a> {
    data: &'a Dataset,
    metrics: Metrics,
}

impl<'a> Prepared<'a> {
    /// Computes the monthly metrics of `data`.
    pub fn new(data: &'a Dataset) -> Result<Prepared<'a>> {
        Ok(Prepared::with_metrics(data, monthly_metrics(data)?))
    }

    /// `data` with the monthly metrics [`monthly_metrics`] made of it (and
    /// of the daily rows it may have let go since: see
    /// [`Dataset::release_rows`]).
    pub fn with_metrics(data: &'a Dataset, metrics: Metrics) -> Prepared<'a> {
        Prepared { data, metrics }
    }

    /// The monthly metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Scores and pays one scheme (the metrics are shared, not recomputed).
    pub fn score(&self, scheme: &Scheme) -> Result<Scored> {
        let mut laps = kpi_core::timing::Laps::new();
        let scores = score(scheme, &self.metrics, self.data).map_err(step("scoring"))?;
        laps.lap("scores");
        let pay = compute_pay(scheme, &scores, &self.metrics, self.data)
            .map_err(step("computing pay"))?;
        laps.lap("pay");
        Ok(Scored {
            metrics: self.metrics.clone(),
            scores,
            pay,
            analysis: None,
        })
    }
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

impl ExportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
        }
    }
}

/// The result tables `kpi run --export` writes, in order (`--tables`
/// chooses among them).
pub const EXPORT_TABLES: &[&str] = &[
    "metrics_store",
    "metrics_employee",
    "scores",
    "score_details",
    "pay",
    "pay_details",
    "trends",
    "attribution",
    "peers",
    "target_tracking",
    "data_quality",
];

/// Refuses, before any work, a `--tables` name that is not a result table.
pub fn check_table_names(names: &[String]) -> Result<()> {
    for name in names {
        if !EXPORT_TABLES.contains(&name.as_str()) {
            return Err(Error::UnknownTable { name: name.clone() });
        }
    }
    Ok(())
}

/// Refuses, before any work, a `--tables` name the run will not make: a pay
/// table without `[pay]`, an analysis table without the analysis.
pub fn check_tables_made(names: &[String], pay: bool, analysis: bool, quality: bool) -> Result<()> {
    check_table_names(names)?;
    for name in names {
        let why = match name.as_str() {
            "pay" | "pay_details" if !pay => Unmade::NoPay,
            "data_quality" if !quality => Unmade::NoQuality,
            "trends" | "attribution" | "peers" | "target_tracking" if !analysis => {
                Unmade::NoAnalysis
            }
            _ => continue,
        };
        return Err(Error::TableNotMade {
            name: name.clone(),
            why,
        });
    }
    Ok(())
}

/// Stages one file per result table in `dir` (those named in `only`, when
/// given); returns their places. They land when `staging` is committed,
/// with the run's other outputs. A table is built only when it is written.
pub fn export_tables(
    staging: &mut Staging,
    dir: &Path,
    format: ExportFormat,
    scored: &Scored,
    quality: Option<&DataFrame>,
    only: Option<&[String]>,
) -> Result<Vec<PathBuf>> {
    type Build<'a> = Box<dyn Fn() -> Result<DataFrame> + 'a>;
    let mut tables: Vec<(&str, Build<'_>)> = vec![
        (
            "metrics_store",
            Box::new(|| money_as_text(&scored.metrics, Level::Store)),
        ),
        (
            "metrics_employee",
            Box::new(|| money_as_text(&scored.metrics, Level::Employee)),
        ),
        ("scores", Box::new(|| scores_as_text(&scored.scores))),
        (
            "score_details",
            Box::new(|| Ok(scored.scores.details_frame()?)),
        ),
    ];
    if let Some(pay) = &scored.pay {
        tables.push(("pay", Box::new(|| Ok(pay.to_frame()?))));
        tables.push(("pay_details", Box::new(|| Ok(pay.details_frame()?))));
    }
    if let Some(analysis) = &scored.analysis {
        tables.push(("trends", Box::new(|| Ok(analysis.trends.clone()))));
        tables.push(("attribution", Box::new(|| Ok(analysis.attribution.clone()))));
        tables.push(("peers", Box::new(|| Ok(analysis.peers.clone()))));
        tables.push(("target_tracking", Box::new(|| Ok(analysis.targets.clone()))));
    }
    if let Some(q) = quality {
        tables.push(("data_quality", Box::new(|| Ok(q.clone()))));
    }
    if let Some(only) = only {
        check_tables_made(
            only,
            scored.pay.is_some(),
            scored.analysis.is_some(),
            quality.is_some(),
        )?;
        tables.retain(|(t, _)| only.iter().any(|o| o == t));
    }
    staging.folder(dir)?;
    let mut written = Vec::new();
    for (name, build) in tables {
        let mut frame = build()?;
        let path = dir.join(format!("{name}.{}", format.extension()));
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
    export_frames_as(staging, dir, ExportFormat::Csv, frames)
}

/// Stages frames as files of `format` in `dir`; returns their places.
pub fn export_frames_as(
    staging: &mut Staging,
    dir: &Path,
    format: ExportFormat,
    frames: &[(&str, &DataFrame)],
) -> Result<Vec<PathBuf>> {
    staging.folder(dir)?;
    let mut written = Vec::new();
    for (name, frame) in frames {
        let path = dir.join(format!("{name}.{}", format.extension()));
        let mut frame = (*frame).clone();
        staging.write(&path, |tmp| write_frame(&mut frame, format, tmp, &path))?;
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
