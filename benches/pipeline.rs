//! The pipeline on a generated dataset of 50 stores × 20 staff × 12 months
//! of daily rows: reading the CSV files, metrics, scoring and pay, pay alone, the
//! analysis, and the whole
//! run, each reported in input rows per second, beside polars' plain CSV
//! reader on the same files as the baseline.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kpi_io::{GenOptions, WriteOptions, generate, read_dataset, write_dataset};
use polars::prelude::*;

fn pipeline(c: &mut Criterion) {
    let data = a_year(50, 20);
    let rows = data.total_rows() as u64;
    let dir = tempfile::tempdir().expect("temp dir");
    write_dataset(&data, dir.path(), &WriteOptions::default()).expect("write dataset");
    let scheme = kpi::builtin_scheme().expect("built-in scheme");
    let read = || read_dataset(dir.path(), &|_, _| {}).expect("read");

    let mut group = c.benchmark_group("pipeline_50x20x12");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    // Baseline: polars' own CSV reader with inferred types, without header
    // aliases, cell coercion, positions or checks.
    group.bench_function("baseline_polars_read_csv", |b| {
        b.iter(|| {
            let mut frames = Vec::new();
            for entry in std::fs::read_dir(dir.path()).expect("dir") {
                let path = entry.expect("entry").path();
                let frame = CsvReadOptions::default()
                    .with_has_header(true)
                    .try_into_reader_with_file_path(Some(path))
                    .expect("open")
                    .finish()
                    .expect("parse");
                frames.push(frame);
            }
            frames
        })
    });
    group.bench_function("read_csv", |b| b.iter(read));
    let loaded = read();
    group.bench_function("metrics_and_scores", |b| {
        b.iter(|| kpi::score_dataset(&loaded.dataset, &scheme).expect("score"))
    });
    // The pay of the built-in scheme (seed 002) alone, on the scores above:
    // exact decimals per employee-month.
    let metrics = kpi_core::compute_metrics(&loaded.dataset).expect("metrics");
    let scores = kpi_core::score(&scheme, &metrics, &loaded.dataset).expect("scores");
    group.bench_function("pay", |b| {
        b.iter(|| kpi_core::compute_pay(&scheme, &scores, &metrics, &loaded.dataset).expect("pay"))
    });
    group.bench_function("read_metrics_scores", |b| {
        b.iter(|| kpi::score_dataset(&read().dataset, &scheme).expect("score"))
    });
    // The analysis `kpi run` adds by default: trends, month-on-month
    // attribution and peers.
    group.bench_function("analysis", |b| {
        b.iter(|| kpi::analyse(&loaded.dataset, &scheme, &metrics, &scores).expect("analysis"))
    });
    group.bench_function("read_metrics_scores_analysis", |b| {
        b.iter(|| {
            let data = read().dataset;
            let scored = kpi::score_dataset(&data, &scheme).expect("score");
            kpi::analyse(&data, &scheme, &scored.metrics, &scored.scores).expect("analysis")
        })
    });
    group.finish();
}

/// A generated year (2025) of `stores` × `staff` employees.
fn a_year(stores: usize, staff: usize) -> kpi_core::Dataset {
    generate(
        &GenOptions::default()
            .with_stores(stores)
            .with_employees_per_store(staff)
            .with_months(12)
            .with_start(kpi_core::Month {
                year: 2025,
                month: 1,
            }),
    )
}

/// Reading a year of platform exports (赤兔 and 京东 客服 day files, 千牛,
/// 生意参谋 and 京东商智 month files, the tidy remainder, a 工资表) against
/// reading the same data as tidy CSV tables, in the same run.
fn exports(c: &mut Criterion) {
    let data = a_year(6, 12);
    let rows = data.total_rows() as u64;
    let dir = tempfile::tempdir().expect("temp dir");
    let tidy = dir.path().join("tidy");
    let exported = dir.path().join("exports");
    write_dataset(&data, &tidy, &WriteOptions::default()).expect("write tidy");
    let files = kpi_io::write_exports(&data, None, &exported).expect("write exports");
    let mut group = c.benchmark_group(format!("exports_6x12x12_{}_files", files.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function("baseline_read_tidy_csv", |b| {
        b.iter(|| read_dataset(&tidy, &|_, _| {}).expect("read tidy"))
    });
    group.bench_function("read_exports", |b| {
        b.iter(|| read_dataset(&exported, &|_, _| {}).expect("read exports"))
    });
    group.finish();
}

/// Reading the contract's tables as xlsx workbooks against calamine alone
/// opening the same files and reading every cell of every sheet (no
/// header search, aliases, typing, positions or checks), in the same run.
fn xlsx(c: &mut Criterion) {
    let data = a_year(10, 20);
    let rows = data.total_rows() as u64;
    let dir = tempfile::tempdir().expect("temp dir");
    write_dataset(
        &data,
        dir.path(),
        &WriteOptions::default().with_format(kpi_io::DataFormat::Xlsx),
    )
    .expect("write xlsx");
    let mut group = c.benchmark_group("xlsx_10x20x12");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function("baseline_calamine_cells", |b| {
        b.iter(|| {
            let mut cells = 0usize;
            for entry in std::fs::read_dir(dir.path()).expect("dir") {
                let path = entry.expect("entry").path();
                let mut workbook = calamine::open_workbook_auto(&path).expect("open");
                for name in calamine::Reader::sheet_names(&workbook) {
                    let range =
                        calamine::Reader::worksheet_range(&mut workbook, &name).expect("sheet");
                    cells += range
                        .cells()
                        .filter(|(_, _, v)| !matches!(v, calamine::Data::Empty))
                        .count();
                }
            }
            cells
        })
    });
    group.bench_function("read_xlsx", |b| {
        b.iter(|| read_dataset(dir.path(), &|_, _| {}).expect("read xlsx"))
    });
    group.finish();
}

criterion_group!(benches, pipeline, exports, xlsx);
criterion_main!(benches);
