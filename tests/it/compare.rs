//! `kpi compare` as a user runs it: its exports agree with `kpi run` and
//! with an independent Spearman computed from its own people table, the
//! workbook reads back with calamine in both languages, and bad arguments
//! are refused before anything is written.

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use rust_decimal::Decimal;

use crate::cli::{generated, header_of, kpi, ok};

/// The path of fixture scheme `name`, as an argument.
pub(crate) fn scheme(name: &str) -> String {
    crate::fixtures::fixture_path(name)
        .to_string_lossy()
        .into_owned()
}

/// A CSV export as rows of named cells.
fn csv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

/// Ranks from 1, ties sharing their mean rank: counted, not sorted.
fn mean_ranks(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .map(|v| {
            let below = values.iter().filter(|w| *w < v).count() as f64;
            let equal = values.iter().filter(|w| *w == v).count() as f64;
            below + (equal + 1.0) / 2.0
        })
        .collect()
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

const SCHEMES: [&str; 3] = ["customer_service", "ops_dept_collections", "cs_weekly_rank"];

fn compared(dir: &Path, lang: &str) {
    let paths: Vec<String> = SCHEMES.iter().map(|s| scheme(s)).collect();
    let mut args = vec![
        "compare",
        "--data",
        "data",
        "--out",
        "compare.xlsx",
        "--export",
        "out",
        "--lang",
        lang,
    ];
    for p in &paths {
        args.extend(["--scheme", p.as_str()]);
    }
    let stdout = ok(&args, dir);
    assert!(
        stdout.contains("customer_service vs cs_weekly_rank: Spearman"),
        "{stdout}"
    );
}

#[test]
fn exports_agree_with_kpi_run_and_an_independent_spearman() {
    let dir = generated(4);
    compared(dir.path(), "zh");
    ok(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            &scheme("customer_service"),
            "--export",
            "run",
            "--no-analysis",
        ],
        dir.path(),
    );
    let out = dir.path().join("out");
    // The baseline's company pay is the sum of `kpi run`'s gross pay.
    let gross: Decimal = csv(&dir.path().join("run/pay.csv"))
        .iter()
        .map(|r| r["gross"].parse::<Decimal>().unwrap())
        .sum();
    let summary = csv(&out.join("comparison_summary.csv"));
    let company = summary
        .iter()
        .find(|r| r["scheme"] == "customer_service" && r["level"] == "company")
        .unwrap();
    assert_eq!(company["pay_total"].parse::<Decimal>().unwrap(), gross);
    // Store rows add up to the company row.
    let stores: Decimal = summary
        .iter()
        .filter(|r| r["scheme"] == "customer_service" && r["level"] == "store")
        .map(|r| r["pay_total"].parse::<Decimal>().unwrap())
        .sum();
    assert_eq!(stores, gross);
    // Spearman and the left-out counts from the people table, independently.
    let people = csv(&out.join("comparison_people.csv"));
    let score =
        |r: &HashMap<String, String>, s: &str| r[&format!("{s}.total_score")].parse::<f64>().ok();
    let both: Vec<(f64, f64)> = people
        .iter()
        .filter_map(|r| Some((score(r, "customer_service")?, score(r, "cs_weekly_rank")?)))
        .collect();
    let only_a = people
        .iter()
        .filter(|r| score(r, "customer_service").is_some() && score(r, "cs_weekly_rank").is_none())
        .count();
    let x: Vec<f64> = both.iter().map(|p| p.0).collect();
    let y: Vec<f64> = both.iter().map(|p| p.1).collect();
    let rho = pearson(&mean_ranks(&x), &mean_ranks(&y));
    let pairs = csv(&out.join("comparison_pairs.csv"));
    let pair = pairs
        .iter()
        .find(|r| r["scheme_a"] == "customer_service" && r["scheme_b"] == "cs_weekly_rank")
        .unwrap();
    assert!(
        (pair["spearman"].parse::<f64>().unwrap() - rho).abs() < 1e-9,
        "{rho} {pair:?}"
    );
    assert_eq!(pair["employee_months"], both.len().to_string());
    assert_eq!(pair["only_a"], only_a.to_string());
    assert!(both.len() >= 10, "{}", both.len());
    // Different grade tables: no count, and the reason.
    assert_eq!(pair["grade_changes"], "");
    assert!(!pair["grade_changes_note"].is_empty());
    // The pay difference of the two paying schemes is b − a, to the cent.
    let paying = pairs
        .iter()
        .find(|r| r["scheme_a"] == "customer_service" && r["scheme_b"] == "ops_dept_collections")
        .unwrap();
    let amount = |k: &str| paying[k].parse::<Decimal>().unwrap();
    assert_eq!(amount("pay_difference"), amount("pay_b") - amount("pay_a"));
    // The stress row at 1 is the summary's pay, and cost rises with sales.
    let stress = csv(&out.join("comparison_stress.csv"));
    let costs: Vec<Decimal> = stress
        .iter()
        .filter(|r| r["scheme"] == "customer_service")
        .map(|r| r["pay_total"].parse().unwrap())
        .collect();
    assert_eq!(costs[2], gross);
    assert!(costs.windows(2).all(|w| w[0] < w[1]), "{costs:?}");
}

fn sheet_names(path: &Path) -> Vec<String> {
    open_workbook_auto(path).unwrap().sheet_names().to_vec()
}

#[test]
fn the_workbook_reads_back_in_chinese_and_english() {
    let dir = generated(3);
    compared(dir.path(), "zh");
    let path = dir.path().join("compare.xlsx");
    let zh: Vec<&str> = kpi_report::COMPARISON_SHEETS.iter().map(|s| s.1).collect();
    assert_eq!(sheet_names(&path), zh);
    let mut book = open_workbook_auto(&path).unwrap();
    let summary = book.worksheet_range("方案汇总").unwrap();
    let header = header_of(&summary);
    assert_eq!(&header[..3], ["方案", "层级", "门店"]);
    let exported = csv(&dir.path().join("out/comparison_summary.csv"));
    let pay_col = header.iter().position(|h| h == "薪酬总额").unwrap();
    let first = summary.rows().nth(1).unwrap();
    assert_eq!(first[0], Data::String(exported[0]["scheme"].clone()));
    assert_eq!(
        first[pay_col],
        Data::Float(exported[0]["pay_total"].parse().unwrap())
    );
    let people = book.worksheet_range("人员对比").unwrap();
    let header = header_of(&people);
    assert_eq!(&header[..5], ["期间", "工号", "姓名", "门店", "岗位"]);
    assert!(
        header.contains(&"customer_service 总分".to_string()),
        "{header:?}"
    );
    let movers = book.worksheet_range("涨跌最大").unwrap();
    assert!(movers.height() > 1 && movers.height() <= 1 + 2 * 2 * kpi_report::MOVERS);
    // The same run in English: the same sheets in order, English headers.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    std::fs::remove_file(&path).unwrap();
    compared(dir.path(), "en");
    let en: Vec<&str> = kpi_report::COMPARISON_SHEETS.iter().map(|s| s.0).collect();
    assert_eq!(sheet_names(&path), en);
    let mut book = open_workbook_auto(&path).unwrap();
    let pairs = book.worksheet_range("pairs").unwrap();
    let header = header_of(&pairs);
    assert_eq!(&header[..3], ["Scheme A", "Scheme B", "Employee-months"]);
}

#[test]
fn too_few_or_same_id_schemes_are_refused_before_anything_is_written() {
    let dir = generated(2);
    let cs = scheme("customer_service");
    let one = kpi(
        &[
            "compare", "--data", "data", "--scheme", &cs, "--out", "c.xlsx",
        ],
        dir.path(),
    );
    assert_eq!(one.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&one.stderr).contains("at least two"));
    let copy = dir.path().join("copy.toml");
    std::fs::copy(&cs, &copy).unwrap();
    let same = kpi(
        &[
            "compare",
            "--data",
            "data",
            "--scheme",
            &cs,
            "--scheme",
            "copy.toml",
            "--out",
            "c.xlsx",
            "--export",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(same.status.code(), Some(1));
    let err = String::from_utf8_lossy(&same.stderr);
    assert!(
        err.contains("copy.toml") && err.contains("`customer_service`"),
        "{err}"
    );
    assert!(!dir.path().join("c.xlsx").exists() && !dir.path().join("out").exists());
}

#[test]
fn the_same_comparison_gives_the_same_bytes() {
    let dir = generated(2);
    let (a, b) = (scheme("customer_service"), scheme("cs_weekly_rank"));
    for out in ["one", "two"] {
        let (book, export) = (format!("{out}.xlsx"), format!("{out}-csv"));
        ok(
            &[
                "compare", "--data", "data", "--scheme", &a, "--scheme", &b, "--out", &book,
                "--export", &export,
            ],
            dir.path(),
        );
    }
    let bytes = |p: &str| std::fs::read(dir.path().join(p)).unwrap();
    assert_eq!(bytes("one.xlsx"), bytes("two.xlsx"));
    for table in kpi::COMPARISON_TABLES {
        let file = format!("{table}.csv");
        assert_eq!(
            bytes(&format!("one-csv/{file}")),
            bytes(&format!("two-csv/{file}")),
            "{table}"
        );
    }
}
