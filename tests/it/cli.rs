//! The `kpi` binary, run as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

use calamine::{Data, Reader, open_workbook_auto};

const SCHEME: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/schemes/customer_service.toml"
);

pub(crate) fn kpi(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("kpi runs")
}

pub(crate) fn ok(args: &[&str], dir: &Path) -> String {
    let out = kpi(args, dir);
    assert!(
        out.status.success(),
        "kpi {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A temporary folder holding `data/`: one generated store over `months`.
pub(crate) fn generated(months: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let months = months.to_string();
    ok(
        &["gen", "--out", "data", "--stores", "1", "--months", &months],
        dir.path(),
    );
    dir
}

/// `kpi reconcile` of the data folder against a ledger, with the customer-service scheme.
fn reconcile(data: &str, ledger: &str, more: &[&str], dir: &Path) -> Output {
    let args = [
        "reconcile",
        "--data",
        data,
        "--scheme",
        SCHEME,
        "--ledger",
        ledger,
    ];
    kpi(&[&args[..], more].concat(), dir)
}

/// Asserts that `text` contains every one of `needles`.
fn assert_mentions(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
}

/// The first row of a sheet, as text.
pub(crate) fn header_of(range: &calamine::Range<Data>) -> Vec<String> {
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn demo_writes_a_workbook_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = ok(
        &["demo", "--out", "demo.xlsx", "--export", "out"],
        dir.path(),
    );
    assert!(stdout.contains("employees scored"), "{stdout}");
    assert!(stdout.contains("grades: 卓越"), "{stdout}");

    let mut workbook = open_workbook_auto(dir.path().join("demo.xlsx")).unwrap();
    // Every sheet but data_quality (the demo data is clean), named in
    // Chinese as the built-in scheme is.
    let zh: Vec<&str> = kpi_report::SHEETS[..13].iter().map(|s| s.1).collect();
    assert_eq!(workbook.sheet_names(), zh);
    // The analysis exports: trends with the contract columns first, and the
    // month-on-month attribution whose LMDI effects add up to GMV's change.
    let trends = read(&dir.path().join("out/trends.csv"));
    assert!(
        trends.starts_with("level,id,metric,period,value,mom,yoy,rolling_3,"),
        "{}",
        &trends[..80]
    );
    let attribution = read(&dir.path().join("out/attribution.csv"));
    assert!(attribution.starts_with("level,id,metric,base_period,period,method,factor,effect\n"));
    assert!(attribution.contains(",lmdi,uv,") && attribution.contains(",mix,S01,"));
    let scores = workbook.worksheet_range("绩效得分").unwrap();
    let head = header_of(&scores);
    assert_eq!(
        head[..8],
        [
            "期间",
            "工号",
            "姓名",
            "门店",
            "门店名称",
            "小组",
            "岗位",
            "参评"
        ]
    );
    for label in [
        "咨询转化率 得分",
        "咨询转化率 权重",
        "总分",
        "等级",
        "岗位工资",
    ] {
        assert!(head.iter().any(|h| h == label), "{label}: {head:?}");
    }
    let at = |h: &str| head.iter().position(|x| x == h).unwrap();
    // The workbook holds the same scores as the export, row by row.
    let csv = read(&dir.path().join("out/scores.csv"));
    let csv_head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let csv_at = |h: &str| csv_head.iter().position(|x| *x == h).unwrap();
    let csv_rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(scores.height() - 1, csv_rows.len());
    for (sheet_row, csv_row) in scores.rows().skip(1).zip(&csv_rows) {
        assert_eq!(
            sheet_row[at("工号")].to_string(),
            csv_row[csv_at("employee_id")]
        );
        let total = match &sheet_row[at("总分")] {
            Data::Float(f) => Some(*f),
            Data::Empty => None,
            other => panic!("total_score cell {other:?}"),
        };
        assert_eq!(total, csv_row[csv_at("total_score")].parse::<f64>().ok());
        assert_eq!(sheet_row[at("等级")].to_string(), csv_row[csv_at("grade")]);
        // The export writes the wage as exact 2-place text.
        if let Data::Float(wage) = sheet_row[at("岗位工资")] {
            assert_eq!(csv_row[csv_at("position_wage")], format!("{wage:.2}"));
        }
    }
    // Grades follow the totals.
    for r in scores.rows().skip(1) {
        if let Data::Float(total) = r[at("总分")] {
            let expected = match total {
                t if t >= 95.0 => "卓越",
                t if t >= 85.0 => "优秀",
                t if t >= 75.0 => "良好",
                t if t >= 65.0 => "一般",
                _ => "不及格",
            };
            assert_eq!(r[at("等级")].to_string(), expected);
            // Seed 002: 岗位工资 1800/1700/1600/1500/1400 by grade, yuan numbers.
            let wage = match expected {
                "卓越" => 1800.0,
                "优秀" => 1700.0,
                "良好" => 1600.0,
                "一般" => 1500.0,
                _ => 1400.0,
            };
            assert_eq!(r[at("岗位工资")], Data::Float(wage));
        }
    }
    // Pay slips: a header row of labels, the amounts, how each was reached.
    let slips = workbook.worksheet_range("工资条").unwrap();
    let head = header_of(&slips);
    assert_eq!(
        head[..7],
        [
            "期间",
            "工号",
            "岗位",
            "等级",
            "岗位工资",
            "个人绩效提成",
            "公共绩效提成"
        ]
    );
    assert!(head.contains(&"实发".to_string()), "{head:?}");
    let pay_csv = read(&dir.path().join("out/pay.csv"));
    let first: Vec<&str> = pay_csv.lines().nth(1).unwrap().split(',').collect();
    let amounts = slips.rows().nth(1).unwrap();
    assert_eq!(amounts[1].to_string(), first[1]);
    // The position wage cell is the export's exact amount as a number.
    assert_eq!(amounts[4], Data::Float(first[6].parse().unwrap()));
    let how = slips.rows().nth(2).unwrap()[5].to_string();
    assert!(how.starts_with("tier "), "{how}");
    // Store money is written as yuan numbers, the CSV as exact 2-place text.
    let stores = workbook.worksheet_range("门店指标").unwrap();
    let gmv_label = kpi_core::metric(kpi_core::Level::Store, "gmv").unwrap().zh;
    let gmv_col = header_of(&stores)
        .iter()
        .position(|c| c == gmv_label)
        .unwrap();
    let store_csv = read(&dir.path().join("out/metrics_store.csv"));
    let csv_gmv = store_csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "gmv")
        .unwrap();
    let first: Vec<&str> = store_csv.lines().nth(1).unwrap().split(',').collect();
    assert!(
        first[csv_gmv].split_once('.').unwrap().1.len() == 2,
        "{}",
        first[csv_gmv]
    );
    let sheet_gmv = match &stores.rows().nth(1).unwrap()[gmv_col] {
        Data::Float(f) => *f,
        other => panic!("{other:?}"),
    };
    assert_eq!(format!("{sheet_gmv:.2}"), first[csv_gmv]);
}

#[test]
fn chinese_xlsx_monthly_files_score_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let generate = [
        "gen",
        "--stores",
        "2",
        "--employees-per-store",
        "8",
        "--months",
        "3",
        "--start",
        "2025-10",
    ];
    ok(&[&generate[..], &["--out", "csv"]].concat(), dir.path());
    ok(
        &[
            &generate[..],
            &[
                "--out",
                "zh",
                "--format",
                "xlsx",
                "--monthly-files",
                "--headers",
                "zh",
            ],
        ]
        .concat(),
        dir.path(),
    );
    assert!(dir.path().join("zh/employee_daily/2025-11.xlsx").exists());
    let mut sheet = open_workbook_auto(dir.path().join("zh/employees.xlsx")).unwrap();
    let roster = sheet.worksheet_range("employees").unwrap();
    assert_eq!(roster.rows().next().unwrap()[0].to_string(), "员工编号");
    assert!(roster.rows().any(|r| r.iter().any(|c| *c == "客服")));
    same_exports(
        dir.path(),
        ["csv", "zh"],
        &[
            "scores.csv",
            "metrics_employee.csv",
            "metrics_store.csv",
            "score_details.csv",
        ],
    );
}

#[test]
fn gen_is_byte_identical_for_the_same_arguments() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["a", "b"] {
        ok(
            &[
                "gen", "--out", out, "--stores", "2", "--months", "2", "--format", "xlsx",
                "--seed", "7",
            ],
            dir.path(),
        );
    }
    let files = [
        "employees.xlsx",
        "store_daily.xlsx",
        "employee_daily.xlsx",
        "attendance.xlsx",
    ];
    for f in files {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(f)).unwrap(),
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    ok(
        &[
            "gen", "--out", "c", "--stores", "2", "--months", "2", "--seed", "8",
        ],
        dir.path(),
    );
    ok(
        &[
            "gen", "--out", "d", "--stores", "2", "--months", "2", "--seed", "7",
        ],
        dir.path(),
    );
    assert_ne!(
        read(&dir.path().join("c/employee_daily.csv")),
        read(&dir.path().join("d/employee_daily.csv"))
    );
}

/// The rows `kpi gen` says it wrote.
fn rows_written(said: &str) -> usize {
    let (_, rest) = said.split_once(" files (").expect(said);
    rest.split_once(" rows)")
        .expect(said)
        .0
        .parse()
        .expect(said)
}

#[test]
fn partitioned_gen_writes_the_same_dataset_a_part_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let generate = [
        "gen",
        "--stores",
        "3",
        "--employees-per-store",
        "8",
        "--months",
        "3",
        "--start",
        "2025-11",
        "--format",
        "parquet",
    ];
    let whole = ok(&[&generate[..], &["--out", "whole"]].concat(), dir.path());
    // A store's month is 8 × 31 = 248 staff rows at most: a store a part.
    let parts = ok(
        &[
            &generate[..],
            &["--out", "parts", "--partitioned", "--part-rows", "300"],
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(rows_written(&whole), rows_written(&parts));
    // Partitions and monthly files are two layouts: asking for both is a
    // usage error, and nothing is written.
    let both = kpi(
        &[
            &generate[..],
            &["--out", "both", "--partitioned", "--monthly-files"],
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr)
            .contains("'--partitioned' cannot be used with '--monthly-files'")
    );
    assert!(!dir.path().join("both").exists());
    assert!(parts.contains("wrote 25 files"), "{parts}");
    for table in ["store_daily", "employee_daily"] {
        assert!(!dir.path().join(format!("parts/{table}.parquet")).exists());
        for (year, month) in [(2025, 11), (2025, 12), (2026, 1)] {
            for part in 0..3 {
                let path =
                    format!("parts/{table}/year={year}/month={month:02}/part-{part:03}.parquet");
                assert!(dir.path().join(&path).exists(), "{path}");
            }
        }
    }
    // The tables that are not daily, and the ledger planted from the
    // monthly sums, are the same files.
    for table in [
        "employees",
        "stores",
        "targets",
        "attendance",
        "manual_scores",
        "adjustments",
        "payroll_ledger",
    ] {
        let file = format!("{table}.parquet");
        assert_eq!(
            std::fs::read(dir.path().join("whole").join(&file)).unwrap(),
            std::fs::read(dir.path().join("parts").join(&file)).unwrap(),
            "{file}"
        );
    }
    same_exports(
        dir.path(),
        ["whole", "parts"],
        &[
            "scores.csv",
            "score_details.csv",
            "pay.csv",
            "metrics_employee.csv",
            "metrics_store.csv",
            "trends.csv",
        ],
    );
}

#[test]
fn run_refuses_a_broken_scheme_and_names_the_line() {
    let dir = generated(1);
    let broken = read(Path::new(SCHEME)).replace("metric = \"cs_aov\"", "metric = \"cs_aovv\"");
    std::fs::write(dir.path().join("broken.toml"), &broken).unwrap();
    let out = kpi(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            "broken.toml",
            "--out",
            "r.xlsx",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let line = broken.lines().position(|l| l.contains("cs_aovv")).unwrap() + 1;
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        format!(
            "error: broken.toml:{line}: items[2].metric: unknown metric `cs_aovv` (did you mean `cs_aov`?)"
        )
    );
    assert!(!dir.path().join("r.xlsx").exists());
}

#[test]
fn bad_cells_are_errors_naming_file_row_and_column() {
    let dir = generated(1);
    let path = dir.path().join("data/employee_daily.csv");
    let text = read(&path);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == "inquiries").unwrap();
    let cs_line = 1 + lines[1..]
        .iter()
        .position(|l| l.split(',').nth(col).is_some_and(|v| !v.is_empty()))
        .unwrap();
    let mut fields: Vec<String> = lines[cs_line].split(',').map(str::to_string).collect();
    fields[col] = "lots".into();
    lines[cs_line] = fields.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = kpi(
        &[
            "run", "--data", "data", "--scheme", SCHEME, "--out", "r.xlsx",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "employee_daily.csv, row {}, column inquiries: `lots` is not a number",
            cs_line + 1
        )),
        "{stderr}"
    );
    assert!(!dir.path().join("r.xlsx").exists());
}

#[test]
fn schema_prints_the_alias_table() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = ok(&["schema"], dir.path());
    assert_mentions(
        &stdout,
        &[
            "employee_daily (key: employee_id, date)",
            "员工编号",
            "询单人数",
            "缺勤天数",
        ],
    );
}

#[test]
fn a_missing_attendance_table_is_warned_about() {
    let dir = generated(1);
    std::fs::remove_file(dir.path().join("data/attendance.csv")).unwrap();
    let out = kpi(
        &[
            "run", "--data", "data", "--scheme", SCHEME, "--export", "out",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("has no attendance table: everyone is treated as eligible"),
        "{stderr}"
    );
    assert!(!read(&dir.path().join("out/scores.csv")).contains(",false,"));
}

/// Seed 000's designer pay table lists 60–70 twice; the second item leaves 0.8–0.9 uncovered.
const DESIGNER: &str = include_str!("../schemes/designer.toml");

#[test]
fn validate_lists_every_issue_with_its_line_and_run_refuses_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("designer.toml"), DESIGNER).unwrap();
    let out = kpi(&["validate", "--scheme", "designer.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "designer.toml: error: line 10: items[0].rule.bands[3]: bands[2] (0.6–0.7) and bands[3] (0.6–0.7) overlap: a value in both is ambiguous",
            "designer.toml: warning: line 10: items[0].rule.bands[2]: no band below 0.6: lower values score 0",
            "designer.toml: error: line 16: items[1].rule.bands[0]: gap between bands[1] (−∞–0.8) and bands[0] (0.9–+∞): values from 0.8 to 0.9 are in no band",
            "designer.toml: warning: line 6: items: item weights add up to 90, not 100; scores are Σ weight × points / 90",
        ]
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "error: designer.toml: 2 error(s); `kpi run` refuses this scheme"
    );

    ok(
        &["gen", "--out", "data", "--stores", "1", "--months", "1"],
        dir.path(),
    );
    let out = kpi(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            "designer.toml",
            "--export",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("error: designer.toml:10: items[0].rule.bands[3]: bands[2]")
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn validate_with_data_lists_every_missing_column_and_run_writes_nothing() {
    let dir = generated(2);
    std::fs::remove_file(dir.path().join("data/attendance.csv")).unwrap();
    std::fs::remove_file(dir.path().join("data/manual_scores.csv")).unwrap();
    let scheme = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/schemes/composite_60_30_5_5.toml"
    );
    let out = kpi(
        &["validate", "--scheme", scheme, "--data", "data"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_mentions(
        &stderr,
        &[
            "`items[6].metric` needs column `score` of table `manual_scores`",
            "`items[7].rule.counts.attendance.absent_days` needs column `absent_days` of table `attendance`",
            "`items[7].rule.counts.attendance.late_count` needs column `late_count` of table `attendance`",
            "4 problem(s) with the data in data",
        ],
    );
    let out = kpi(
        &[
            "run", "--data", "data", "--scheme", scheme, "--out", "r.xlsx",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("r.xlsx").exists());
}

#[test]
fn reconcile_exits_3_on_the_planted_ledger_and_0_on_a_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    ok(&["gen", "--out", "data", "--headers", "zh"], dir.path());
    // The ledger is read with its Chinese headers (月份, 员工编号, 工资项目, 金额).
    let header = read(&dir.path().join("data/payroll_ledger.csv"));
    assert!(
        header
            .trim_start_matches('\u{feff}')
            .starts_with("月份,员工编号,工资项目,金额"),
        "{}",
        &header[..60]
    );
    let out = reconcile(
        "data",
        "data/payroll_ledger.csv",
        &["--out", "rec.xlsx", "--export", "rec"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "mismatch — rounding: the ledger rounds to the yuan",
        "only_in_ledger — `加班费` is none of the scheme's components",
        "only_in_ledger — no pay row of ours for this employee and period",
        "only_in_ours — missing adjustment",
        "mismatch: 2",
        "only in ledger: 2",
        "only in ours: 2",
    ] {
        assert!(stdout.contains(expected), "{expected}\n{stdout}");
    }
    // The workbook and the exports hold the same lines.
    let mut workbook = open_workbook_auto(dir.path().join("rec.xlsx")).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        ["summary", "reconciliation", "reconciliation_totals"]
    );
    let sheet = workbook.worksheet_range("reconciliation").unwrap();
    let csv = read(&dir.path().join("rec/reconciliation.csv"));
    assert_eq!(sheet.height(), csv.lines().count());
    // A ledger that is our own pay_details export matches line for line.
    ok(
        &[
            "run", "--data", "data", "--scheme", SCHEME, "--export", "ours",
        ],
        dir.path(),
    );
    let out = reconcile("data", "ours/pay_details.csv", &[], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A ledger that is not a file is a clear error.
    let out = reconcile("data", "nope.xlsx", &[], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.xlsx"));
}

#[test]
fn run_without_analysis_writes_no_analysis_tables() {
    let dir = generated(2);
    ok(
        &["run", "--data", "data", "--scheme", SCHEME, "--export", "a"],
        dir.path(),
    );
    ok(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            SCHEME,
            "--export",
            "b",
            "--no-analysis",
        ],
        dir.path(),
    );
    for table in ["trends", "attribution", "peers", "target_tracking"] {
        assert!(
            dir.path().join(format!("a/{table}.csv")).exists(),
            "{table}"
        );
        assert!(
            !dir.path().join(format!("b/{table}.csv")).exists(),
            "{table}"
        );
    }
    // The rest is the same either way.
    assert_eq!(
        read(&dir.path().join("a/scores.csv")),
        read(&dir.path().join("b/scores.csv"))
    );
    // `kpi attribution` prints the decomposition with its totals.
    let attribution = ["attribution", "--data", "data", "--from", "2024-11", "--to"];
    let out = ok(&[&attribution[..], &["2024-12"]].concat(), dir.path());
    assert!(
        out.contains("company   all        gmv              lmdi         uv"),
        "{out}"
    );
    assert!(out.contains("total"), "{out}");
    let out = kpi(&[&attribution[..], &["nope"]].concat(), dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn schema_lists_the_export_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&["schema", "--profiles"], dir.path());
    for id in [
        "chitu_cs",
        "sycm_cs",
        "sycm_shop",
        "qianniu_cs",
        "jd_cs",
        "jd_sz_funnel",
        "payroll_sheet",
    ] {
        assert!(out.contains(&format!("\n{id} — ")), "{id}:\n{out}");
    }
    assert!(out.contains("replies = rate × buyer_messages"), "{out}");
    let bad = kpi(&["schema", "--profiles", "--profile", "nope"], dir.path());
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no profile `nope`"));
    // A profile of one's own is listed; a broken one names its file and key.
    std::fs::write(
        dir.path().join("seat.toml"),
        "id = \"seat_daily\"\nname = \"坐席日报\"\ntable = \"employee_daily\"\n\
         signature = [\"坐席\"]\n[columns]\n\"坐席\" = \"nickname\"\n\"会话数\" = \"receptions\"\n",
    )
    .unwrap();
    let out = ok(
        &["schema", "--profiles", "--profile-dir", "seat.toml"],
        dir.path(),
    );
    assert!(out.contains("\nseat_daily — 坐席日报"), "{out}");
    assert!(out.contains("source: seat.toml"), "{out}");
    std::fs::write(
        dir.path().join("seat.toml"),
        "id = \"seat_daily\"\nname = \"x\"\ntable = \"employee_daily\"\n\
         signature = [\"坐席\"]\n[columns]\n\"坐席\" = \"nickname\"\n\"会话数\" = \"sessions\"\n",
    )
    .unwrap();
    let bad = kpi(
        &["schema", "--profiles", "--profile-dir", "seat.toml"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success()
            && stderr.contains("profile seat.toml")
            && stderr
                .contains("columns.\"会话数\": `sessions` is not a column of `employee_daily`"),
        "{stderr}"
    );
}

#[test]
fn gen_as_exports_scores_explains_and_reconciles() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = ok(
        &["gen", "--out", "ex", "--months", "2", "--as-exports"],
        dir.path(),
    );
    assert!(stdout.contains("as platform exports"), "{stdout}");
    assert!(dir.path().join("ex/工资表.xlsx").is_file());
    assert!(dir.path().join("ex/赤兔/天猫店铺01").is_dir());
    ok(
        &[
            "run",
            "--data",
            "ex",
            "--scheme",
            SCHEME,
            "--export",
            "out",
            "--no-analysis",
        ],
        dir.path(),
    );
    let quality = read(&dir.path().join("out/data_quality.csv"));
    assert!(quality.contains("approximated"), "{quality}");
    let explained = ok(
        &[
            "explain",
            "--data",
            "ex",
            "--scheme",
            SCHEME,
            "--employee",
            "E0002",
            "--period",
            "2024-12",
        ],
        dir.path(),
    );
    // E0002 answers in a 天猫 store: only the 赤兔 average applies to them.
    assert!(
        explained.contains("≈ 平均响应时间（avg_response_seconds）是近似值：response_seconds 由导出报表的「平均响应(秒)」× responses 重建"),
        "{explained}"
    );
    assert!(!explained.contains("平均响应时长"), "{explained}");
    // The 工资表 holds the generated ledger with its planted errors.
    let reconciled = reconcile("ex", "ex/工资表.xlsx", &[], dir.path());
    assert_eq!(reconciled.status.code(), Some(3));
    let text = String::from_utf8_lossy(&reconciled.stdout);
    assert!(text.contains("加班费"), "{text}");
}

/// Every file below `dir`, relative, sorted (temporaries included).
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_failed_run_changes_no_file_and_leaves_no_temporary() {
    let dir = generated(1);
    std::fs::write(dir.path().join("r.xlsx"), "last month's workbook").unwrap();
    // An export that cannot be written: a folder stands where scores.csv goes.
    std::fs::create_dir_all(dir.path().join("out/scores.csv")).unwrap();
    std::fs::write(dir.path().join("out/pay.csv"), "last month's pay").unwrap();
    let before = tree(dir.path());
    let out = kpi(
        &[
            "run", "--data", "data", "--scheme", SCHEME, "--out", "r.xlsx", "--export", "out",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("out/scores.csv: is a folder; an output file goes there"),
        "{stderr}"
    );
    assert_eq!(tree(dir.path()), before);
    assert_eq!(read(&dir.path().join("r.xlsx")), "last month's workbook");
    assert_eq!(read(&dir.path().join("out/pay.csv")), "last month's pay");
}

#[test]
fn output_paths_are_refused_before_any_work() {
    let dir = generated(1);
    std::fs::write(dir.path().join("exports"), "").unwrap();
    std::fs::create_dir(dir.path().join("r.xlsx")).unwrap();
    let before = tree(dir.path());
    for (args, says) in [
        (
            &["--export", "exports"][..],
            "exports: is a file, not a folder",
        ),
        (
            &["--out", "r.xlsx"][..],
            "r.xlsx: is a folder; give a file name",
        ),
        (
            &["--out", "exports/r.xlsx"][..],
            "exports/r.xlsx: cannot be made: exports is a file",
        ),
    ] {
        let run = ["run", "--data", "nowhere", "--scheme", SCHEME];
        let out = kpi(&[&run[..], args].concat(), dir.path());
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Refused before the (missing) data folder was even read.
        assert_eq!(stderr.trim(), format!("error: {says}"), "{args:?}");
    }
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn tables_chooses_the_exports_and_refuses_unknown_or_unmade_ones_before_writing() {
    let dir = generated(2);
    let run = ["run", "--data", "data", "--scheme", SCHEME, "--export"];
    ok(&[&run[..], &["all"]].concat(), dir.path());
    ok(
        &[&run[..], &["some", "--tables", "scores,pay"]].concat(),
        dir.path(),
    );
    let mut written: Vec<String> = std::fs::read_dir(dir.path().join("some"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["pay.csv", "scores.csv"]);
    for table in ["scores.csv", "pay.csv"] {
        assert_eq!(
            read(&dir.path().join("some").join(table)),
            read(&dir.path().join("all").join(table)),
            "{table}"
        );
    }
    let before = tree(dir.path());
    for (tables, says) in [
        (
            "scores,score",
            "--tables: `score` is not a result table; the tables are metrics_store, metrics_employee, scores,",
        ),
        (
            "trends",
            "--tables: `trends` is not written: the run has no analysis (--no-analysis)",
        ),
    ] {
        let out = kpi(
            &[&run[..], &["none", "--no-analysis", "--tables", tables]].concat(),
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{tables}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert_eq!(tree(dir.path()), before, "{tables}");
    }
}

#[test]
fn tables_refuses_pay_of_a_scheme_without_pay_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/schemes/ops_40_30_20_10.toml"
    );
    // No data folder at all: the refusal comes before any reading.
    let out = kpi(
        &[
            "run", "--data", "missing", "--scheme", scheme, "--export", "x", "--tables", "pay",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--tables: `pay` is not written: the scheme has no [pay] tables"),
        "{stderr}"
    );
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn partitioned_parquet_folders_score_like_one_file_a_month() {
    let dir = tempfile::tempdir().unwrap();
    let generate = [
        "gen",
        "--format",
        "parquet",
        "--monthly-files",
        "--stores",
        "1",
        "--months",
        "3",
    ];
    ok(&[&generate[..], &["--out", "monthly"]].concat(), dir.path());
    ok(&[&generate[..], &["--out", "hive"]].concat(), dir.path());
    // employee_daily/2025-01.parquet → employee_daily/year=2025/month=01/part-0.parquet
    for table in ["employee_daily", "store_daily", "attendance"] {
        let folder = dir.path().join("hive").join(table);
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let (year, month) = stem.split_once('-').unwrap();
            let part = folder.join(format!("year={year}/month={month}"));
            std::fs::create_dir_all(&part).unwrap();
            std::fs::rename(&path, part.join("part-0.parquet")).unwrap();
        }
    }
    same_exports(
        dir.path(),
        ["monthly", "hive"],
        &[
            "scores.csv",
            "pay.csv",
            "metrics_employee.csv",
            "trends.csv",
        ],
    );
}

#[test]
fn exports_without_the_analysis_are_those_of_a_run_that_keeps_the_daily_rows() {
    // `--no-analysis` with exports alone lets the daily rows go after the
    // monthly sums, unless the scheme scores from them (weekly ranks, custom
    // metrics): every table must be what a run keeping them writes.
    let dir = generated(3);
    let weekly = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/schemes/cs_weekly_rank.toml"
    );
    for (scheme, from_daily, tables) in [
        (
            SCHEME,
            false,
            &[
                "scores.csv",
                "score_details.csv",
                "pay.csv",
                "metrics_employee.csv",
                "metrics_store.csv",
                "data_quality.csv",
            ][..],
        ),
        (weekly, true, &["scores.csv", "score_details.csv"][..]),
    ] {
        let parsed = kpi_io::read_scheme(scheme).unwrap();
        assert_eq!(parsed.scores_from_daily_rows(), from_daily, "{scheme}");
        ok(
            &[
                "run", "--data", "data", "--scheme", scheme, "--export", "kept",
            ],
            dir.path(),
        );
        ok(
            &[
                "run",
                "--data",
                "data",
                "--scheme",
                scheme,
                "--no-analysis",
                "--export",
                "released",
            ],
            dir.path(),
        );
        for table in tables {
            assert_eq!(
                read(&dir.path().join("kept").join(table)),
                read(&dir.path().join("released").join(table)),
                "{scheme}: {table}"
            );
        }
        for out in ["kept", "released"] {
            std::fs::remove_dir_all(dir.path().join(out)).unwrap();
        }
    }
}

/// Runs the built-in scheme on two data folders of `dir` (exports to
/// `<data>-out`) and asserts that `tables` are byte-identical.
fn same_exports(dir: &Path, data: [&str; 2], tables: &[&str]) {
    for d in data {
        let export = format!("{d}-out");
        ok(
            &["run", "--data", d, "--scheme", SCHEME, "--export", &export],
            dir,
        );
    }
    for table in tables {
        assert_eq!(
            read(&dir.join(format!("{}-out", data[0])).join(table)),
            read(&dir.join(format!("{}-out", data[1])).join(table)),
            "{table}"
        );
    }
}
