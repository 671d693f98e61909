//! The `kpi` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use kpi::{ExportFormat, Scored, Staging, builtin_scheme, export_tables, score_dataset};
use kpi_core::{Month, Scheme, Table};
use kpi_io::{DataFormat, GenOptions, HeaderLanguage, WriteOptions};
use kpi_report::{Fact, Report, write_workbook};

/// polars allocates and frees many large buffers: mimalloc reuses them
/// without the system allocator's page faults and returns freed memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process. mimalloc asks for them on
/// its arenas, and the kernel then zeroes 2 MB at the first touch of any
/// byte of it: on the 7.3 M-row benchmark that cost 0.5–0.8 s of system
/// time and 3–8 % more memory, for no gain in user time (README: speed).
#[cfg(target_os = "linux")]
fn without_huge_pages() {
    // A kernel without the setting keeps its huge pages: nothing else changes.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

#[cfg(not(target_os = "linux"))]
fn without_huge_pages() {}

#[derive(Parser)]
#[command(
    name = "kpi",
    version,
    about = "KPI scores, grades and metrics from e-commerce store and employee data"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Read matching platform exports with this profile instead of the one
    /// their headers match: `ID` for every export file, `PATTERN=ID` for
    /// files whose path (within the dataset) contains PATTERN; the id
    /// `ignore` leaves matching files out. Repeatable.
    #[arg(long, global = true, value_name = "[PATTERN=]ID")]
    profile: Vec<String>,
    /// Add the export profiles in this TOML file or directory (a profile
    /// with a built-in id replaces it).
    #[arg(long, global = true, value_name = "PATH")]
    profile_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a demo dataset, score it with the built-in customer-service scheme, write a workbook.
    Demo {
        /// Workbook to write.
        #[arg(long, default_value = "kpi-demo.xlsx")]
        out: PathBuf,
        /// Also export each result table into this directory.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Language of the workbook's sheet names, headers and rule texts
        /// (default: the scheme's, Chinese for the built-in one).
        #[arg(long, value_enum)]
        lang: Option<kpi::Lang>,
    },
    /// Write a deterministic synthetic dataset in the data contract.
    Gen {
        /// Directory to write.
        #[arg(long)]
        out: PathBuf,
        /// Number of stores.
        #[arg(long, default_value_t = 3)]
        stores: usize,
        /// Staff per store.
        #[arg(long, default_value_t = 12)]
        employees_per_store: usize,
        /// Months of daily rows.
        #[arg(long, default_value_t = 14)]
        months: usize,
        /// First month, YYYY-MM.
        #[arg(long, default_value = "2024-11")]
        start: String,
        /// Random seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// File format.
        #[arg(long, value_enum, default_value_t = GenFormat::Csv)]
        format: GenFormat,
        /// One file per month for daily tables.
        #[arg(long)]
        monthly_files: bool,
        /// Header language.
        #[arg(long, value_enum, default_value_t = Headers::En)]
        headers: Headers,
        /// Write the data as platform exports (赤兔, 千牛, 京东 客服, 生意参谋,
        /// 京东商智, 工资表) with the rest as tidy CSV, instead of tidy tables.
        #[arg(long, conflicts_with_all = ["format", "monthly_files", "headers"])]
        as_exports: bool,
        /// Write the daily tables as folders partitioned by month
        /// (`employee_daily/year=2025/month=01/part-000.parquet`), generated
        /// and written a part at a time: for histories too large to hold.
        #[arg(long, conflicts_with_all = ["monthly_files", "as_exports"])]
        partitioned: bool,
        /// With --partitioned: staff rows per part file, about (a part is
        /// a run of whole stores).
        #[arg(long, requires = "partitioned", default_value_t = kpi_io::ROWS_PER_PART)]
        part_rows: usize,
    },
    /// Score a dataset with a scheme and write the workbook (and exports).
    Run {
        /// Dataset directory.
        #[arg(long)]
        data: PathBuf,
        /// Scheme file (TOML).
        #[arg(long)]
        scheme: PathBuf,
        /// Workbook to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Export each result table into this directory.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Export format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        export_format: ExportFormat,
        /// Scores per month, or rolled up to quarters or years (the mean of the scored months).
        #[arg(long, value_enum, default_value_t = ScorePeriod::Month)]
        period: ScorePeriod,
        /// Skip trends, attribution and peer benchmarks.
        #[arg(long)]
        no_analysis: bool,
        /// Export only these tables (comma-separated: scores,pay,…; default all).
        #[arg(long, value_delimiter = ',', requires = "export")]
        tables: Option<Vec<String>>,
        /// Language of the workbook's sheet names, headers and rule texts
        /// (default: Chinese for a scheme named in Chinese, else English).
        #[arg(long, value_enum)]
        lang: Option<kpi::Lang>,
    },
    /// Score several schemes on the same history and compare them: spread
    /// and cost per scheme and store, rank agreement, winners and losers,
    /// alignment with growth, and the cost with sales scaled.
    Compare {
        /// Dataset directory.
        #[arg(long)]
        data: PathBuf,
        /// Scheme file (TOML); repeat for each scheme, the first is the
        /// baseline of every change.
        #[arg(long = "scheme", required = true)]
        schemes: Vec<PathBuf>,
        /// Workbook to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Export the comparison tables (and data_quality) into this directory.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Export format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        export_format: ExportFormat,
        /// Language of the workbook's sheet names and headers (default:
        /// the first scheme's).
        #[arg(long, value_enum)]
        lang: Option<kpi::Lang>,
    },
    /// Check a scheme file (and, with --data, that the dataset can feed it).
    Validate {
        /// Scheme file (TOML).
        #[arg(long)]
        scheme: PathBuf,
        /// Dataset directory.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Explain one employee's score for one period, item by item.
    Explain {
        /// Dataset directory.
        #[arg(long)]
        data: PathBuf,
        /// Scheme file (TOML).
        #[arg(long)]
        scheme: PathBuf,
        /// Employee id.
        #[arg(long)]
        employee: String,
        /// Period, YYYY-MM.
        #[arg(long)]
        period: String,
        /// Language.
        #[arg(long, value_enum, default_value_t = kpi::Lang::Zh)]
        lang: kpi::Lang,
    },
    /// Compare the scheme's pay with the payroll ledger paid; exit 3 on any difference.
    Reconcile {
        /// Dataset directory.
        #[arg(long)]
        data: PathBuf,
        /// Scheme file (TOML) with a [pay] table.
        #[arg(long)]
        scheme: PathBuf,
        /// Payroll ledger (xlsx or csv; period, employee_id, component, amount; Chinese headers too).
        #[arg(long)]
        ledger: PathBuf,
        /// Largest difference, in yuan, that still counts as a match.
        #[arg(long, default_value = "0.01")]
        tolerance: String,
        /// Workbook to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Export `reconciliation` and `reconciliation_totals` into this directory.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Why GMV and customer-service sales moved between two months: by factor
    /// (LMDI and chain substitution), by store / team / employee, and the
    /// conversion rate's mix and rate effects.
    Attribution {
        /// Dataset directory.
        #[arg(long)]
        data: PathBuf,
        /// Base month, YYYY-MM.
        #[arg(long)]
        from: String,
        /// Month compared with it, YYYY-MM.
        #[arg(long)]
        to: String,
        /// How deep: company and stores (with teams' cs_sales), or down to employees.
        #[arg(long, value_enum, default_value_t = Depth::Store)]
        level: Depth,
        /// A scheme whose `[[identities]]` are decomposed too.
        #[arg(long)]
        scheme: Option<PathBuf>,
        /// Export the rows as CSV into this directory.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Scheme workbooks (考核方案): a scheme as a workbook to edit in Excel
    /// or WPS, a workbook back as TOML, a starting workbook for a role.
    Scheme {
        #[command(subcommand)]
        action: SchemeAction,
    },
    /// Print the data contract: tables, columns, kinds and header aliases
    /// (or, with --profiles, the export profiles).
    Schema {
        /// List the export profiles: how each is detected and its column map.
        #[arg(long)]
        profiles: bool,
    },
}

#[derive(Subcommand)]
enum SchemeAction {
    /// Write a scheme (TOML or workbook) as a workbook (`--out FILE.xlsx`)
    /// or as TOML (`--out FILE.toml`); an invalid scheme is refused.
    Export {
        /// Scheme file (TOML or xlsx).
        #[arg(long)]
        scheme: PathBuf,
        /// File to write: `.xlsx` or `.toml`.
        #[arg(long)]
        out: PathBuf,
        /// Language of the workbook's sheet names and headers (default:
        /// Chinese for a scheme named in Chinese, else English).
        #[arg(long, value_enum)]
        lang: Option<kpi::Lang>,
    },
    /// Write an empty but valid starting workbook for a role: one example
    /// item, three grades, the metrics of that role listed.
    Template {
        /// Workbook to write (.xlsx).
        #[arg(long)]
        out: PathBuf,
        /// Role: customer_service, operations, promotion, campaign, design,
        /// warehouse, manager (or its Chinese name).
        #[arg(long)]
        role: String,
        /// Language of the workbook.
        #[arg(long, value_enum, default_value_t = kpi::Lang::Zh)]
        lang: kpi::Lang,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Depth {
    Store,
    Employee,
}

#[derive(Clone, Copy, ValueEnum)]
enum GenFormat {
    Csv,
    Xlsx,
    Parquet,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScorePeriod {
    Month,
    Quarter,
    Year,
}

#[derive(Clone, Copy, ValueEnum)]
enum Headers {
    En,
    Zh,
}

fn main() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut read = kpi_io::ReadOptions::default();
    if let Some(dir) = &cli.profile_dir {
        read.profiles.add(dir)?;
    }
    let read = read.with_forced(&cli.profile)?;
    match cli.command {
        Command::Demo { out, export, lang } => demo(&out, export.as_deref(), lang),
        Command::Gen {
            out,
            stores,
            employees_per_store,
            months,
            start,
            seed,
            format,
            monthly_files,
            headers,
            as_exports,
            partitioned,
            part_rows,
        } => {
            let Some(start) = Month::parse(&start) else {
                bail!("--start `{start}` is not a month (expected YYYY-MM)");
            };
            for (flag, n) in [
                ("--stores", stores),
                ("--employees-per-store", employees_per_store),
                ("--months", months),
                ("--part-rows", part_rows),
            ] {
                if n == 0 {
                    bail!("{flag} must be at least 1");
                }
            }
            check_outputs(None, Some(&out))?;
            let options = GenOptions::default()
                .with_stores(stores)
                .with_employees_per_store(employees_per_store)
                .with_months(months)
                .with_start(start)
                .with_seed(seed);
            let write = WriteOptions::default()
                .with_format(match format {
                    GenFormat::Csv => DataFormat::Csv,
                    GenFormat::Xlsx => DataFormat::Xlsx,
                    GenFormat::Parquet => DataFormat::Parquet,
                })
                .with_monthly_files(monthly_files)
                .with_headers(match headers {
                    Headers::En => HeaderLanguage::English,
                    Headers::Zh => HeaderLanguage::Chinese,
                });
            if partitioned {
                return gen_partitioned(&options, &out, &write, part_rows);
            }
            let mut data = kpi_io::generate(&options);
            let planted = plant_ledger(&mut data)?;
            if as_exports {
                let files = kpi_io::write_exports(&data, data.get(Table::PayrollLedger), &out)?;
                println!(
                    "wrote {} files ({} rows) to {} as platform exports",
                    files.len(),
                    data.total_rows(),
                    out.display()
                );
                say_planted("工资表.xlsx", planted);
                return Ok(ExitCode::SUCCESS);
            }
            let files = kpi_io::write_dataset(&data, &out, &write)?;
            println!(
                "wrote {} files ({} rows) to {}",
                files.len(),
                data.total_rows(),
                out.display()
            );
            say_planted("payroll_ledger", planted);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            data,
            scheme,
            out,
            export,
            export_format,
            period,
            no_analysis,
            tables,
            lang,
        } => {
            if out.is_none() && export.is_none() {
                bail!("nothing to write: give --out REPORT.xlsx, --export DIR, or both");
            }
            if let Some(names) = &tables {
                kpi::check_table_names(names)?;
            }
            check_outputs(out.as_deref(), export.as_deref())?;
            let started = Instant::now();
            let scheme = checked_scheme(&scheme)?;
            if let Some(names) = &tables {
                kpi::check_tables_made(names, scheme.pay.is_some(), !no_analysis, true)?;
            }
            // Exports alone, without the analysis, of a scheme scored from the
            // monthly sums need no daily row but in those sums: each file is
            // summed as it is read, and the sums let go before scoring.
            let sums_suffice = no_analysis && out.is_none() && !scheme.scores_from_daily_rows();
            let read = kpi_io::ReadOptions {
                sum_activity: sums_suffice,
                ..read.clone()
            };
            let mut loaded = load(&data, &read)?;
            for warning in kpi::scheme_warnings(&scheme, &loaded.dataset) {
                eprintln!("warning: {warning}");
            }
            let spinner = spinner("scoring");
            let metrics = kpi::monthly_metrics(&loaded.dataset)?;
            if sums_suffice {
                for table in [Table::EmployeeDaily, Table::StoreDaily] {
                    loaded.dataset.release_rows(table);
                }
            }
            let mut scored =
                kpi::Prepared::with_metrics(&loaded.dataset, metrics).score(&scheme)?;
            let mut laps = kpi_core::timing::Laps::new();
            if !no_analysis {
                spinner.set_message("analysing trends and attribution");
                scored.analysis = Some(kpi::analyse(
                    &loaded.dataset,
                    &scheme,
                    &scored.metrics,
                    &scored.scores,
                )?);
                laps.lap("analysis");
            }
            let span = match period {
                ScorePeriod::Month => None,
                ScorePeriod::Quarter => Some(kpi_core::Span::Quarter),
                ScorePeriod::Year => Some(kpi_core::Span::Year),
            };
            if let Some(span) = span {
                scored.scores = kpi_core::roll_up(&scored.scores, &scheme, span);
            }
            spinner.finish_and_clear();
            let quality = kpi_io::quality_frame(&loaded.quality)?;
            let mut staging = Staging::new();
            if let Some(out) = &out {
                let names = kpi_report::Names::of(&loaded.dataset)?;
                let lang = lang.unwrap_or_else(|| kpi::scheme_lang(&scheme));
                let report = report(&scheme, &scored, &quality, &data, &loaded, lang.into())
                    .with_names(&names);
                staging.write(out, |tmp| -> Result<()> {
                    Ok(write_workbook(&report, tmp)?)
                })?;
                laps.lap("workbook");
            }
            if let Some(dir) = &export {
                export_tables(
                    &mut staging,
                    dir,
                    export_format,
                    &scored,
                    Some(&quality),
                    tables.as_deref(),
                )?;
            }
            staging.commit()?;
            laps.lap("exports");
            print_summary(&scheme, &scored, &loaded.quality, started);
            if let Some(out) = &out {
                println!("workbook: {}", out.display());
            }
            if let Some(dir) = &export {
                println!("exports: {}", dir.display());
            }
            // The process ends here: the system takes back the memory of the
            // data and scores at once, faster than freeing millions of values.
            std::mem::forget(loaded);
            std::mem::forget(scored);
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare {
            data,
            schemes,
            out,
            export,
            export_format,
            lang,
        } => compare(
            &read,
            &data,
            &schemes,
            out.as_deref(),
            export.as_deref(),
            export_format,
            lang,
        ),
        Command::Validate { scheme, data } => {
            let (parsed, findings) = kpi_io::check_scheme_file(&scheme)?;
            for finding in &findings {
                println!("{}: {finding}", scheme.display());
            }
            let errors = findings.iter().filter(|f| f.issue.is_error).count();
            if errors > 0 {
                bail!(
                    "{}: {errors} error(s); `kpi run` refuses this scheme",
                    scheme.display()
                );
            }
            if let Some(dir) = data {
                let loaded = load(&dir, &read)?;
                let metrics = kpi_core::compute_metrics(&loaded.dataset)?;
                let problems = kpi_core::data_problems(&parsed, &metrics, &loaded.dataset);
                for problem in &problems {
                    eprintln!("{}: error: {problem}", scheme.display());
                }
                if !problems.is_empty() {
                    eprintln!(
                        "{}: {} problem(s) with the data in {}",
                        scheme.display(),
                        problems.len(),
                        dir.display()
                    );
                    return Ok(ExitCode::FAILURE);
                }
            }
            println!(
                "{}: valid ({} items, {} grades)",
                scheme.display(),
                parsed.items.len(),
                parsed.grades.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            data,
            scheme,
            employee,
            period,
            lang,
        } => {
            if Month::parse(&period).is_none() {
                bail!("--period `{period}` is not a month (expected YYYY-MM)");
            }
            let scheme = checked_scheme(&scheme)?;
            let loaded = load(&data, &read)?;
            let scored = score_dataset(&loaded.dataset, &scheme)?;
            print!(
                "{}",
                kpi::explain(&scored, &scheme, &employee, &period, lang)?
            );
            print!(
                "{}",
                kpi::explain_approximations(
                    &scored,
                    &scheme,
                    &loaded.approximations,
                    &employee,
                    lang
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Reconcile {
            data,
            scheme,
            ledger,
            tolerance,
            out,
            export,
        } => reconcile(
            &read,
            &data,
            &scheme,
            &ledger,
            &tolerance,
            out.as_deref(),
            export.as_deref(),
        ),
        Command::Attribution {
            data,
            from,
            to,
            level,
            scheme,
            export,
        } => {
            let (Some(base), Some(period)) = (Month::parse(&from), Month::parse(&to)) else {
                bail!("--from and --to are months (YYYY-MM): got `{from}` and `{to}`");
            };
            check_outputs(None, export.as_deref())?;
            let loaded = load(&data, &read)?;
            let depth = match level {
                Depth::Store => kpi_core::AttributionLevel::Store,
                Depth::Employee => kpi_core::AttributionLevel::Employee,
            };
            let identities = match &scheme {
                Some(path) => checked_scheme(path)?.identities,
                None => Vec::new(),
            };
            let frame = kpi_core::attribute_changes(
                &loaded.dataset,
                &[(base, period)],
                depth,
                &identities,
            )?;
            if frame.height() == 0 {
                bail!("no activity in {from} or {to} to compare");
            }
            print_attribution(&frame)?;
            if let Some(dir) = export {
                Staging::once(|s| kpi::export_frames(s, &dir, &[("attribution", &frame)]))?;
                println!("exports: {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scheme { action } => scheme_action(action),
        Command::Schema { profiles } => {
            if profiles {
                print_profiles(&read);
            } else {
                print_schema();
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn compare(
    read: &kpi_io::ReadOptions,
    data: &Path,
    scheme_paths: &[PathBuf],
    out: Option<&Path>,
    export: Option<&Path>,
    format: ExportFormat,
    lang: Option<kpi::Lang>,
) -> Result<ExitCode> {
    if out.is_none() && export.is_none() {
        bail!("nothing to write: give --out COMPARISON.xlsx, --export DIR, or both");
    }
    check_outputs(out, export)?;
    let started = Instant::now();
    let schemes: Vec<(PathBuf, Scheme)> = scheme_paths
        .iter()
        .map(|p| Ok((p.clone(), checked_scheme(p)?)))
        .collect::<Result<_>>()?;
    kpi::check_compared(&schemes)?;
    let loaded = load(data, read)?;
    for (path, scheme) in &schemes {
        for warning in kpi::scheme_warnings(scheme, &loaded.dataset) {
            eprintln!("warning: {}: {warning}", path.display());
        }
    }
    let spinner = spinner("scoring every scheme");
    let refs: Vec<&Scheme> = schemes.iter().map(|(_, s)| s).collect();
    let progress = |factor: rust_decimal::Decimal| {
        if factor != rust_decimal::Decimal::ONE {
            spinner.set_message(format!(
                "scoring every scheme with sales × {}",
                factor.normalize()
            ));
        }
    };
    let comparison = kpi::compare_schemes_with(&loaded.dataset, &refs, &progress)?;
    spinner.finish_and_clear();
    let quality = kpi_io::quality_frame(&loaded.quality)?;
    let mut staging = Staging::new();
    if let Some(out) = out {
        let lang = lang.unwrap_or_else(|| kpi::scheme_lang(&schemes[0].1));
        let label = |fact: Fact| fact.label(lang.into()).to_string();
        let mut facts = vec![(label(Fact::Data), data.display().to_string())];
        for (path, scheme) in &schemes {
            facts.push((
                scheme.scheme.id.clone(),
                format!("{} ({})", scheme.scheme.name, path.display()),
            ));
        }
        facts.push((label(Fact::QualityNotes), loaded.quality.len().to_string()));
        staging.write(out, |tmp| -> Result<()> {
            Ok(kpi_report::write_comparison(
                tmp,
                &comparison,
                &facts,
                Some(&quality),
                lang.into(),
            )?)
        })?;
    }
    if let Some(dir) = export {
        let mut frames = kpi::comparison_frames(&comparison)?;
        frames.push(("data_quality", quality.clone()));
        let named: Vec<(&str, &polars::prelude::DataFrame)> =
            frames.iter().map(|(n, f)| (*n, f)).collect();
        kpi::export_frames_as(&mut staging, dir, format, &named)?;
    }
    staging.commit()?;
    print_comparison(&comparison);
    if !loaded.quality.is_empty() {
        println!("data-quality notes: {}", loaded.quality.len());
    }
    println!("elapsed: {:.2} s", started.elapsed().as_secs_f64());
    if let Some(out) = out {
        println!("workbook: {}", out.display());
    }
    if let Some(dir) = export {
        println!("exports: {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The headline of a comparison: each scheme's scores and cost, each
/// pair's agreement and pay difference, what was left out, the stress costs.
fn print_comparison(comparison: &kpi_core::Comparison) {
    let percent = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.2}%", x * 100.0));
    for row in comparison.summary.iter().filter(|r| r.store_id.is_none()) {
        let pay = row.pay.map_or("no pay".to_string(), |p| {
            format!(
                "pay {} ({} of GMV)",
                kpi_core::money2(p.total),
                percent(p.pct_gmv())
            )
        });
        println!(
            "{}: {} employee-months scored, mean {}, {pay}",
            row.scheme,
            row.employee_months,
            row.score
                .mean
                .map_or("-".to_string(), |m| format!("{m:.2}")),
        );
    }
    for pair in &comparison.pairs {
        let rho = match pair.spearman {
            Ok(rho) => format!("Spearman {rho:.3}"),
            Err(why) => format!(
                "no Spearman ({})",
                kpi_core::no_correlation_text(
                    why,
                    [&pair.scheme_a, &pair.scheme_b].map(|s| s.as_str()),
                    "employee-months scored by both"
                )
            ),
        };
        let pay = pair.pay.map_or(String::new(), |p| {
            format!(
                "; pay {} − {} = {}",
                kpi_core::money2(p.total_b),
                kpi_core::money2(p.total_a),
                kpi_core::money2(p.total())
            )
        });
        let grades = pair.grade_changes.map_or(
            "grades not comparable (different labels)".to_string(),
            |n| format!("{n} grade changes"),
        );
        println!(
            "{} vs {}: {rho} over {} employee-months; {grades}{pay}",
            pair.scheme_a, pair.scheme_b, pair.employee_months
        );
        for (only, scheme, other) in [
            (pair.only_a, &pair.scheme_a, &pair.scheme_b),
            (pair.only_b, &pair.scheme_b, &pair.scheme_a),
        ] {
            if only > 0 {
                println!(
                    "  left out: {only} employee-months scored by {scheme} but not by {other}"
                );
            }
        }
    }
    for scheme in &comparison.schemes {
        let costs: Vec<String> = comparison
            .stress
            .iter()
            .filter(|r| &r.scheme == scheme)
            .filter_map(|r| {
                Some(format!(
                    "×{} {}",
                    r.factor.normalize(),
                    kpi_core::money2(r.pay?.total)
                ))
            })
            .collect();
        if !costs.is_empty() {
            println!("stress {scheme}: {}", costs.join(", "));
        }
    }
}

fn scheme_action(action: SchemeAction) -> Result<ExitCode> {
    match action {
        SchemeAction::Export { scheme, out, lang } => {
            let to_toml = match out.extension().and_then(|e| e.to_str()) {
                Some("toml") => true,
                Some("xlsx") => false,
                _ => bail!(
                    "--out {}: give a .xlsx workbook or a .toml file",
                    out.display()
                ),
            };
            check_outputs(Some(&out), None)?;
            let parsed = checked_scheme(&scheme)?;
            let document: toml::Table = if kpi_io::is_scheme_book(&scheme) {
                kpi_io::read_scheme_book(&scheme)?.0
            } else {
                let text = std::fs::read_to_string(&scheme)
                    .with_context(|| format!("reading {}", scheme.display()))?;
                toml::from_str(&text).with_context(|| format!("reading {}", scheme.display()))?
            };
            let mut staging = Staging::new();
            if to_toml {
                let text = format!(
                    "# {} ({}), written by `kpi scheme export` from {}\n{}",
                    parsed.scheme.name,
                    parsed.scheme.id,
                    scheme.display(),
                    kpi_io::document_text(&document)?
                );
                staging.write(&out, |tmp| -> Result<()> {
                    std::fs::write(tmp, &text).with_context(|| format!("writing {}", out.display()))
                })?;
            } else {
                let lang = lang.unwrap_or_else(|| kpi::scheme_lang(&parsed));
                staging.write(&out, |tmp| -> Result<()> {
                    Ok(kpi_io::write_scheme_book(&document, tmp, lang.into())?)
                })?;
            }
            staging.commit()?;
            println!(
                "{}: {} ({} items, {} grades{})",
                out.display(),
                parsed.scheme.name,
                parsed.items.len(),
                parsed.grades.len(),
                parsed.pay.as_ref().map_or(String::new(), |p| format!(
                    ", {} pay components",
                    p.components.len()
                ))
            );
            Ok(ExitCode::SUCCESS)
        }
        SchemeAction::Template { out, role, lang } => {
            let Some(role) = kpi_core::Role::parse(&role) else {
                bail!(
                    "--role `{role}` is not a role; the roles are {}",
                    kpi_core::Role::accepted()
                );
            };
            check_outputs(Some(&out), None)?;
            let document = kpi_io::template_document(role, lang.into());
            let mut staging = Staging::new();
            staging.write(&out, |tmp| -> Result<()> {
                Ok(kpi_io::write_template_book(
                    &document,
                    tmp,
                    lang.into(),
                    kpi_io::role_metrics(role),
                )?)
            })?;
            staging.commit()?;
            println!("{}: a starting scheme for {role}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn reconcile(
    read: &kpi_io::ReadOptions,
    data: &Path,
    scheme_path: &Path,
    ledger_path: &Path,
    tolerance: &str,
    out: Option<&Path>,
    export: Option<&Path>,
) -> Result<ExitCode> {
    check_outputs(out, export)?;
    let tolerance: rust_decimal::Decimal = tolerance
        .parse()
        .ok()
        .filter(|t: &rust_decimal::Decimal| !t.is_sign_negative())
        .with_context(|| format!("--tolerance `{tolerance}` is not an amount of yuan ≥ 0"))?;
    let scheme = checked_scheme(scheme_path)?;
    let Some(pay_scheme) = &scheme.pay else {
        bail!(
            "{}: the scheme has no [pay] table to reconcile",
            scheme_path.display()
        );
    };
    let loaded = load(data, read)?;
    let (ledger, notes) = kpi_io::read_table_with(ledger_path, Table::PayrollLedger, read)?;
    for note in notes.iter().take(20) {
        eprintln!("warning: {note}");
    }
    let scored = score_dataset(&loaded.dataset, &scheme)?;
    let pay = scored.pay.as_ref().expect("the scheme has pay");
    let result = kpi_core::reconcile(pay_scheme, pay, &ledger, tolerance)?;
    let lines = result.to_frame()?;
    let totals = result.totals_frame()?;
    let count = |s: kpi_core::Status| result.lines.iter().filter(|l| l.status == s).count();
    let facts = vec![
        (
            "scheme".to_string(),
            format!("{} ({})", scheme.scheme.name, scheme.scheme.id),
        ),
        ("data".to_string(), data.display().to_string()),
        ("ledger".to_string(), ledger_path.display().to_string()),
        ("tolerance".to_string(), tolerance.to_string()),
        ("lines compared".to_string(), result.lines.len().to_string()),
        (
            "match".to_string(),
            count(kpi_core::Status::Match).to_string(),
        ),
        (
            "mismatch".to_string(),
            count(kpi_core::Status::Mismatch).to_string(),
        ),
        (
            "only in ledger".to_string(),
            count(kpi_core::Status::OnlyInLedger).to_string(),
        ),
        (
            "only in ours".to_string(),
            count(kpi_core::Status::OnlyInOurs).to_string(),
        ),
        (
            "zero amounts without a ledger line".to_string(),
            result.zero_lines.to_string(),
        ),
    ];
    let mut staging = Staging::new();
    if let Some(out) = out {
        staging.write(out, |tmp| -> Result<()> {
            Ok(kpi_report::write_reconciliation(
                tmp,
                "kpi reconcile",
                &facts,
                &lines,
                &totals,
            )?)
        })?;
    }
    if let Some(dir) = export {
        let frames = [
            ("reconciliation", &lines),
            ("reconciliation_totals", &totals),
        ];
        kpi::export_frames(&mut staging, dir, &frames)?;
    }
    staging.commit()?;
    for line in result
        .lines
        .iter()
        .filter(|l| l.status != kpi_core::Status::Match)
    {
        println!(
            "{} {} {}: ours {}, ledger {}, {}{}",
            line.period,
            line.employee_id,
            line.component,
            line.ours.map_or("-".to_string(), kpi_core::money2),
            line.ledger.map_or("-".to_string(), kpi_core::money2),
            line.status.name(),
            line.cause
                .as_ref()
                .map(|c| format!(" — {c}"))
                .unwrap_or_default()
        );
    }
    for (label, value) in &facts[4..] {
        println!("{label}: {value}");
    }
    Ok(if result.problems() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// Prints attribution rows as an aligned table, grouped by what was decomposed.
fn print_attribution(frame: &polars::prelude::DataFrame) -> Result<()> {
    let text = |c: &str| -> Result<Vec<String>> {
        Ok(frame
            .column(c)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect())
    };
    let (levels, ids, metrics, methods, factors) = (
        text("level")?,
        text("id")?,
        text("metric")?,
        text("method")?,
        text("factor")?,
    );
    let (bases, periods) = (text("base_period")?, text("period")?);
    let effects: Vec<f64> = frame
        .column("effect")?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:<10} {:<16} {:<12} {:<20} {:>16}",
        "level", "id", "metric", "method", "factor", "effect"
    );
    let mut last = String::new();
    let mut total = 0.0;
    for i in 0..frame.height() {
        let method = match methods[i].as_str() {
            "mix" | "rate" | "interaction" => "mix/rate",
            m => m,
        };
        let group = format!("{} {} {} {method}", levels[i], ids[i], metrics[i]);
        if group != last && !last.is_empty() {
            let _ = writeln!(out, "{:>87}\n", format!("total {total:.6}"));
            total = 0.0;
        }
        last = group;
        total += effects[i];
        let _ = writeln!(
            out,
            "{:<9} {:<10} {:<16} {:<12} {:<20} {:>16.6}",
            levels[i], ids[i], metrics[i], methods[i], factors[i], effects[i]
        );
    }
    if !last.is_empty() {
        let _ = writeln!(out, "{:>87}", format!("total {total:.6}"));
    }
    if let (Some(b), Some(p)) = (bases.first(), periods.first()) {
        let _ = writeln!(
            out,
            "({b} → {p}; effects in the metric's unit, rates as fractions)"
        );
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    Ok(())
}

/// Reads a scheme, refusing it on its first error and printing its warnings.
fn checked_scheme(path: &Path) -> Result<Scheme> {
    let (scheme, findings) = kpi_io::check_scheme_file(path)?;
    if let Some(first) = findings.iter().find(|f| f.issue.is_error) {
        return Err(first.error(path).into());
    }
    for finding in &findings {
        eprintln!("{}: {finding}", path.display());
    }
    Ok(scheme)
}

fn demo(out: &Path, export: Option<&Path>, lang: Option<kpi::Lang>) -> Result<ExitCode> {
    check_outputs(Some(out), export)?;
    let started = Instant::now();
    let options = GenOptions::default();
    let spinner = spinner("generating the demo dataset");
    let data = kpi_io::generate(&options);
    spinner.set_message("scoring");
    let scheme = builtin_scheme()?;
    let mut scored = score_dataset(&data, &scheme)?;
    spinner.set_message("analysing trends and attribution");
    scored.analysis = Some(kpi::analyse(
        &data,
        &scheme,
        &scored.metrics,
        &scored.scores,
    )?);
    spinner.set_message("writing the workbook");
    let names = kpi_report::Names::of(&data)?;
    let lang = lang.unwrap_or_else(|| kpi::scheme_lang(&scheme));
    let mut report = Report::new("kpi demo — 客服月度绩效", &scored.metrics)
        .with_lang(lang.into())
        .with_names(&names)
        .with_scores(&scheme, &scored.scores)
        .with_fact(
            Fact::Data.label(lang.into()),
            format!(
                "demo: {} stores × {} staff × {} months from {} (seed {})",
                options.stores,
                options.employees_per_store,
                options.months,
                options.start,
                options.seed
            ),
        );
    if let Some(pay) = &scored.pay {
        report = report.with_pay(pay);
    }
    if let Some(analysis) = &scored.analysis {
        report = report.with_analysis(analysis.tables());
    }
    let mut staging = Staging::new();
    staging.write(out, |tmp| -> Result<()> {
        Ok(write_workbook(&report, tmp)?)
    })?;
    if let Some(dir) = export {
        export_tables(&mut staging, dir, ExportFormat::Csv, &scored, None, None)?;
    }
    staging.commit()?;
    spinner.finish_and_clear();
    print_summary(&scheme, &scored, &[], started);
    println!("workbook: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Refuses, before any work, an output file that is a folder or an export
/// folder that is a file.
fn check_outputs(out: Option<&Path>, export: Option<&Path>) -> Result<()> {
    if let Some(out) = out {
        Staging::check_file(out)?;
    }
    if let Some(dir) = export {
        Staging::check_folder(dir)?;
    }
    Ok(())
}

/// `bar`, drawn on stderr only when it is a terminal.
fn on_terminal(bar: ProgressBar) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// A bar of `template` whose length is set as the work is counted.
fn counting(template: &'static str) -> ProgressBar {
    let bar = on_terminal(ProgressBar::new(0));
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar
}

fn spinner(message: &'static str) -> ProgressBar {
    let bar = on_terminal(ProgressBar::new_spinner());
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Adds to `data` the payroll ledger of the built-in scheme's pay on it,
/// with planted errors; returns how many were planted. `data`'s daily
/// tables may be its rows or their partial sums.
fn plant_ledger(data: &mut kpi_core::Dataset) -> Result<usize> {
    let builtin = builtin_scheme()?;
    let mut laps = kpi_core::timing::Laps::new();
    let scored = score_dataset(data, &builtin)?;
    laps.lap("scoring for the ledger");
    Ok(match (&builtin.pay, &scored.pay) {
        (Some(scheme), Some(pay)) => {
            let (ledger, planted) = kpi::ledger::planted_ledger(scheme, pay, data);
            data.insert(Table::PayrollLedger, ledger);
            planted.len()
        }
        _ => 0,
    })
}

/// `kpi gen --partitioned`: the daily tables written a part at a time, the
/// ledger planted from the monthly sums of what was written, all or nothing.
fn gen_partitioned(
    options: &GenOptions,
    out: &Path,
    write: &WriteOptions,
    part_rows: usize,
) -> Result<ExitCode> {
    let bar = counting("generating {bar:30} {pos}/{len} parts {wide_msg}");
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let (files, rows, planted) = Staging::once(|staging| -> Result<_> {
        let mut generated =
            kpi_io::stage_partitioned(staging, options, out, write, part_rows, &progress)?;
        bar.set_message("planting the payroll ledger");
        let planted = plant_ledger(&mut generated.sums)?;
        let mut ledger = kpi_core::Dataset::new();
        if let Some(frame) = generated.sums.get(Table::PayrollLedger) {
            ledger.insert(Table::PayrollLedger, frame.clone());
        }
        let mut files = generated.files;
        files.extend(kpi_io::stage_dataset(staging, &ledger, out, write)?);
        files.sort();
        Ok((files, generated.rows + ledger.total_rows(), planted))
    })?;
    bar.finish_and_clear();
    println!(
        "wrote {} files ({rows} rows) to {}, the daily tables partitioned by month",
        files.len(),
        out.display()
    );
    say_planted("payroll_ledger", planted);
    Ok(ExitCode::SUCCESS)
}

/// What `kpi gen` says of the payroll ledger it wrote as `file`.
fn say_planted(file: &str, planted: usize) {
    println!(
        "{file}: the built-in scheme's pay with {planted} planted errors (see README, `kpi reconcile`)"
    );
}

fn load(dir: &Path, read: &kpi_io::ReadOptions) -> Result<kpi_io::Loaded> {
    let bar = counting("reading {bar:30} {pos}/{len} files {wide_msg}");
    let progress = |path: &Path, total: usize| {
        bar.set_length(total as u64);
        bar.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        bar.inc(1);
    };
    let loaded = kpi_io::read_dataset_with(dir, read, &progress)
        .with_context(|| format!("reading the dataset in {}", dir.display()))?;
    bar.finish_and_clear();
    // What needs a look first: rows not used, approximations; routine drops last.
    let mut shown: Vec<&kpi_io::QualityNote> = loaded.quality.iter().collect();
    shown.sort_by_key(|n| n.action.triage());
    for note in shown.iter().take(20) {
        eprintln!("warning: {note}");
    }
    if loaded.quality.len() > 20 {
        eprintln!(
            "warning: … and {} more data-quality notes (see the data_quality sheet)",
            loaded.quality.len() - 20
        );
    }
    Ok(loaded)
}

fn report<'a>(
    scheme: &'a Scheme,
    scored: &'a Scored,
    quality: &'a polars::prelude::DataFrame,
    data: &Path,
    loaded: &kpi_io::Loaded,
    lang: kpi_core::Lang,
) -> Report<'a> {
    let report = Report::new(format!("kpi — {}", scheme.scheme.name), &scored.metrics)
        .with_lang(lang)
        .with_scores(scheme, &scored.scores)
        .with_quality(quality)
        .with_fact(Fact::Data.label(lang), data.display().to_string())
        .with_fact(
            Fact::FilesRead.label(lang),
            format!("{} files, {} rows", loaded.files.len(), loaded.rows_read),
        )
        .with_fact(
            Fact::QualityNotes.label(lang),
            loaded.quality.len().to_string(),
        );
    let report = match &scored.pay {
        Some(pay) => report.with_pay(pay),
        None => report,
    };
    match &scored.analysis {
        Some(analysis) => report.with_analysis(analysis.tables()),
        None => report,
    }
}

fn print_summary(
    scheme: &Scheme,
    scored: &Scored,
    quality: &[kpi_io::QualityNote],
    started: Instant,
) {
    let rows = &scored.scores.rows;
    let employees: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.eligible)
        .map(|r| &*r.employee_id)
        .collect();
    let periods: std::collections::BTreeSet<&str> = rows.iter().map(|r| &*r.period).collect();
    println!(
        "{}: {} employees scored over {} periods ({} rows, {} not eligible)",
        scheme.scheme.name,
        employees.len(),
        periods.len(),
        rows.len(),
        rows.iter().filter(|r| !r.eligible).count()
    );
    let counts: Vec<String> = scored
        .scores
        .grade_counts(scheme)
        .into_iter()
        .map(|(g, n)| format!("{g} {n}"))
        .collect();
    println!("grades: {}", counts.join(", "));
    if !quality.is_empty() {
        println!("data-quality notes: {}", quality.len());
    }
    println!("elapsed: {:.2} s", started.elapsed().as_secs_f64());
}

fn print_profiles(read: &kpi_io::ReadOptions) {
    println!(
        "# Export profiles: a spreadsheet in the dataset that is not named after a table is read \
         with the profile its header row matches (first 30 rows; two-row headers flattened)"
    );
    for profile in read.profiles.all() {
        println!("\n{}", kpi_io::describe(profile).trim_end());
        println!("  source: {}", profile.source);
    }
}

fn print_schema() {
    println!(
        "# Tables of the data contract (a file or a folder of files each: csv, xlsx, xlsm, xls, ods, parquet)"
    );
    for table in Table::ALL {
        println!("\n{} (key: {})", table.name(), table.key().join(", "));
        for spec in table.columns() {
            let kind = format!("{:?}", spec.kind).to_lowercase();
            let aliases = kpi_io::aliases(spec.name).join(", ");
            println!("  {:<20} {:<8} {}", spec.name, kind, aliases);
        }
    }
    println!(
        "\nroles: customer_service 客服, operations 运营, promotion 推广, campaign 活动策划, design 美工, warehouse 仓库, manager 经理/店长"
    );
}
