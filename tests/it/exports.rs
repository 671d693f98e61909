//! Platform exports: every profile's fixture file (built in the platform's
//! shape by `fixtures/exports/make_fixtures.py`) read to hand-checked
//! values, the messages for unusable files, and `kpi gen --as-exports`
//! scoring like the tidy data it came from.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use kpi_core::Table;
use kpi_io::{Action, Issue, Loaded, ReadOptions};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/exports")
}

fn read(dir: &Path) -> kpi_io::Result<Loaded> {
    kpi_io::read_dataset(dir, &|_, _| {})
}

/// A copy of the fixture folder to change.
fn copy_fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::copy_dir(&fixture_dir(), dir.path());
    dir
}

/// The value of `column` in the row of `table` with this key (`date` as
/// `YYYY-MM-DD`), as i64 (counts, cents, thousandths).
fn value(loaded: &Loaded, table: Table, key: (&str, &str), column: &str) -> Option<i64> {
    let frame = loaded.dataset.get(table).unwrap();
    let id_col = if table == Table::StoreDaily {
        "store_id"
    } else {
        "employee_id"
    };
    let ids = frame.column(id_col).unwrap().str().unwrap().clone();
    let dates = frame
        .column("date")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    let dates = dates.str().unwrap();
    let i = (0..frame.height())
        .find(|&i| ids.get(i) == Some(key.0) && dates.get(i) == Some(key.1))
        .unwrap_or_else(|| panic!("no {table} row for {key:?}"));
    frame
        .column(column)
        .unwrap_or_else(|_| panic!("no column {column}"))
        .i64()
        .unwrap()
        .get(i)
}

fn fixtures() -> &'static Loaded {
    static LOADED: std::sync::OnceLock<Loaded> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| read(&fixture_dir()).unwrap())
}

#[test]
fn chitu_report_reads_by_nickname_with_date_from_file_name() {
    let l = fixtures();
    let e = |id, day, c| value(l, Table::EmployeeDaily, (id, day), c);
    // 天猫店铺01:王芳 on 2025-04-20, the day in the file name.
    assert_eq!(e("E0001", "2025-04-20", "receptions"), Some(120));
    assert_eq!(e("E0001", "2025-04-20", "inquiries"), Some(80));
    assert_eq!(e("E0001", "2025-04-20", "order_buyers"), Some(50));
    assert_eq!(e("E0001", "2025-04-20", "paid_buyers"), Some(40));
    assert_eq!(e("E0001", "2025-04-20", "cs_sales"), Some(602_000)); // "6,020.00"
    assert_eq!(e("E0001", "2025-04-20", "buyer_messages"), Some(340));
    assert_eq!(e("E0001", "2025-04-20", "responses"), Some(300));
    // 回复率 98.53% of 340 buyer messages: 335 is the only count that shows so.
    assert_eq!(e("E0001", "2025-04-20", "replies"), Some(335));
    // 平均响应 25.5 s × 300 messages = 7650 s, in thousandths.
    assert_eq!(
        e("E0001", "2025-04-20", "response_seconds"),
        Some(7_650_000)
    );
    // 李娜娜 and 天猫店铺01:小李 are both E0002's: the two rows are added.
    // 李娜娜's rates are numbers (1.0 × 200 = 200 replies), 小李's 100% × 4.
    assert_eq!(e("E0002", "2025-04-20", "receptions"), Some(105));
    assert_eq!(e("E0002", "2025-04-20", "replies"), Some(204));
    assert_eq!(e("E0002", "2025-04-20", "cs_sales"), Some(455_000));
    // 延迟统计 (not final) on 李娜娜's row: the day's response time is missing.
    assert_eq!(e("E0002", "2025-04-20", "response_seconds"), None);
    assert!(l.quality.iter().any(|n| {
        matches!(&n.issue, Issue::NicknamesOfOne { rows: 2, key }
            if key.first() == Some(&("employee_id".to_string(), "E0002".to_string())))
    }));
    // The next day's file lacks 询单->最终付款人数: 66.67% × 30 inquiries = 20.
    assert_eq!(e("E0001", "2025-04-21", "paid_buyers"), Some(20));
    assert_eq!(e("E0001", "2025-04-21", "cs_sales"), Some(200_000));
}

#[test]
fn unmapped_nicknames_are_reported_with_their_row_counts() {
    let l = fixtures();
    let note = l
        .quality
        .iter()
        .find(|n| {
            n.issue
                == Issue::UnknownNickname {
                    nickname: "天猫店铺01:离职员工".into(),
                }
        })
        .expect("a note for the unmapped nickname");
    assert_eq!(note.rows, 1);
    assert!(
        note.file
            .ends_with("客服绩效_天猫店铺01_2025-04-20至2025-04-20.xlsx")
    );
    assert_eq!(note.column.as_deref(), Some("客服昵称"));
    assert_eq!(note.action, Action::NicknameNotUsed, "{note}");
    // Summary rows are dropped with a note, not read as agents.
    for label in [
        "汇总",
        "均值",
        "全店汇总值",
        "同行同层优秀",
        "平均值",
        "汇总值",
        "合计",
    ] {
        assert!(
            l.quality.iter().any(|n| n.issue
                == Issue::SummaryRow {
                    label: label.into()
                }),
            "{label}"
        );
    }
}

#[test]
fn sycm_shop_xls_reads_text_cells_and_rebuilds_counts() {
    let l = fixtures();
    let s = |day, c| value(l, Table::StoreDaily, ("S01", day), c);
    assert_eq!(s("2025-04-01", "uv"), Some(1234)); // "1,234"
    assert_eq!(s("2025-04-01", "pv"), Some(3456));
    assert_eq!(s("2025-04-01", "gmv"), Some(1_234_567)); // "12,345.67"
    assert_eq!(s("2025-04-01", "buyers"), Some(56));
    assert_eq!(s("2025-04-01", "refund_amount"), Some(12_300));
    // 跳失率 41.25% × 1234 = 509.025 → 509 (unique: 1234 × 0.01% < 1).
    assert_eq!(s("2025-04-01", "bounces"), Some(509));
    // 平均停留时长 45.67 s × 1234 visitors = 56356.78 s.
    assert_eq!(s("2025-04-01", "stay_seconds"), Some(56_356_780));
    // No visitors: the rates read `-` and their counts are 0.
    assert_eq!(s("2025-04-02", "bounces"), Some(0));
    assert_eq!(s("2025-04-02", "stay_seconds"), Some(0));
    assert_eq!(s("2025-04-03", "bounces"), Some(700));
    assert_eq!(s("2025-04-03", "refund_amount"), None); // `-`
    let rebuilt = |column: &str, action: Action| {
        l.quality.iter().any(|n| {
            n.table == "store_daily" && n.column.as_deref() == Some(column) && n.action == action
        })
    };
    assert!(rebuilt("bounces", Action::RebuiltExactly));
    assert!(rebuilt("stay_seconds", Action::Approximated));
}

#[test]
fn an_html_table_saved_as_xls_reads_like_a_workbook() {
    // 生意参谋's older downloads: an HTML table in GBK named `.xls`.
    let l = fixtures();
    let s = |day, c| value(l, Table::StoreDaily, ("S02", day), c);
    assert_eq!(s("2025-04-01", "uv"), Some(2500));
    assert_eq!(s("2025-04-01", "pv"), Some(6000));
    assert_eq!(s("2025-04-01", "bounces"), Some(1003)); // 40.12% × 2500
    assert_eq!(s("2025-04-01", "gmv"), Some(880_050));
    assert_eq!(s("2025-04-01", "buyers"), Some(44));
    assert_eq!(s("2025-04-02", "bounces"), Some(500));
    assert!(l.quality.iter().any(|n| {
        n.issue
            == Issue::SummaryRow {
                label: "汇总值".into(),
            }
            && n.file
                .ends_with("店铺整体_淘宝店铺02_2025-04-01_2025-04-02.xls")
    }));
}

#[test]
fn sycm_cs_report_reads_under_its_banner() {
    let l = fixtures();
    let e = |c| value(l, Table::EmployeeDaily, ("E0001", "2025-04-22"), c);
    assert_eq!(e("receptions"), Some(90));
    // The report has no count of responses: 接待人数 stands for it.
    assert_eq!(e("responses"), Some(90));
    assert_eq!(e("inquiries"), Some(45));
    assert_eq!(e("paid_buyers"), Some(20));
    assert_eq!(e("cs_sales"), Some(300_000));
    assert_eq!(e("response_seconds"), Some(2_745_000)); // 30.50 × 90
    assert!(
        l.approximations
            .iter()
            .any(|a| a.column == "response_seconds" && a.how.contains("平均响应时长(秒)"))
    );
}

#[test]
fn qianniu_gbk_csv_reads_with_its_date_column() {
    let l = fixtures();
    let e = |day, c| value(l, Table::EmployeeDaily, ("E0003", day), c);
    assert_eq!(e("2025-04-20", "receptions"), Some(50));
    assert_eq!(e("2025-04-20", "order_buyers"), Some(12));
    assert_eq!(e("2025-04-20", "paid_buyers"), Some(10));
    assert_eq!(e("2025-04-20", "cs_sales"), Some(120_000));
    // 96.67% of 150 = 145.005 → 145.
    assert_eq!(e("2025-04-20", "replies"), Some(145));
    assert_eq!(e("2025-04-20", "response_seconds"), Some(5_600_000)); // 40 × 140
    assert_eq!(e("2025-04-21", "receptions"), Some(0));
    assert_eq!(e("2025-04-21", "response_seconds"), Some(0));
}

#[test]
fn jd_reports_read_with_compact_file_dates_and_two_row_headers() {
    let l = fixtures();
    let e = |c| value(l, Table::EmployeeDaily, ("E0004", "2025-04-20"), c);
    assert_eq!(e("receptions"), Some(80));
    assert_eq!(e("order_buyers"), Some(20));
    assert_eq!(e("cs_sales"), Some(500_000));
    assert_eq!(e("responses"), Some(100));
    assert_eq!(e("response_seconds"), Some(1_820_000)); // 18.2 × 100
    assert_eq!(e("bad_reviews"), Some(1));
    let s = |c| value(l, Table::StoreDaily, ("S03", "2025-04-20"), c);
    assert_eq!(s("pv"), Some(5000));
    assert_eq!(s("uv"), Some(2000));
    assert_eq!(s("buyers"), Some(60));
    assert_eq!(s("gmv"), Some(900_000));
    // Each 同比 column keeps its measure's name.
    let store = l.dataset.get(Table::StoreDaily).unwrap();
    assert!(
        store.column("访客数(UV)·同比").is_ok(),
        "{:?}",
        store.get_column_names()
    );
}

#[test]
fn payroll_sheets_become_ledger_lines() {
    let l = fixtures();
    let ledger = l.dataset.get(Table::PayrollLedger).unwrap();
    let lines: Vec<(String, String, String, i64)> = (0..ledger.height())
        .map(|i| {
            let s = |c: &str| {
                ledger
                    .column(c)
                    .unwrap()
                    .str()
                    .unwrap()
                    .get(i)
                    .unwrap()
                    .to_string()
            };
            (
                s("period"),
                s("employee_id"),
                s("component"),
                ledger
                    .column("amount")
                    .unwrap()
                    .i64()
                    .unwrap()
                    .get(i)
                    .unwrap(),
            )
        })
        .collect();
    let has = |p: &str, e: &str, c: &str, a: i64| {
        lines
            .iter()
            .any(|l| l.0 == p && l.1 == e && l.2 == c && l.3 == a)
    };
    // The month from the title row 2025 年 八 月 工 资 表; header from column B.
    assert!(has("2025-08", "E0001", "基本工资", 350_000));
    assert!(has("2025-08", "E0001", "提成", 123_456));
    assert!(has("2025-08", "E0001", "应发工资", 523_456));
    assert!(has("2025-08", "E0002", "加班费", 20_000));
    assert!(has("2025-09", "E0001", "提成", 99_999));
    // E0001 in August: 6 amounts (加班费 blank); E0002: 6 (岗位工资 blank,
    // 扣款合计 0 is a line); September: 6. 序号, 姓名, 部门 are not pay; 合计 is dropped.
    assert_eq!(lines.len(), 18, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| !["序号", "姓名", "部门"].contains(&l.2.as_str()))
    );
}

#[test]
fn a_file_with_no_date_is_an_error_naming_it() {
    let dir = copy_fixtures();
    let from = dir
        .path()
        .join("赤兔/客服绩效_天猫店铺01_2025-04-21至2025-04-21.xlsx");
    let to = dir.path().join("赤兔/客服绩效_天猫店铺01.xlsx");
    std::fs::rename(&from, &to).unwrap();
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&to.display().to_string()), "{err}");
    assert!(err.contains("the file name tells no date"), "{err}");
    // A dated folder tells it.
    let dated = dir.path().join("赤兔/2025-04-21/客服绩效_天猫店铺01.xlsx");
    std::fs::create_dir_all(dated.parent().unwrap()).unwrap();
    std::fs::rename(&to, &dated).unwrap();
    let loaded = read(dir.path()).unwrap();
    assert_eq!(
        value(
            &loaded,
            Table::EmployeeDaily,
            ("E0001", "2025-04-21"),
            "paid_buyers"
        ),
        Some(20)
    );
}

#[test]
fn a_file_matching_no_profile_is_an_error_naming_it() {
    let dir = copy_fixtures();
    let odd = dir.path().join("月报/运营月报.csv");
    std::fs::create_dir_all(odd.parent().unwrap()).unwrap();
    std::fs::write(&odd, "客服昵称,询单人数,满意度\n天猫店铺01:王芳,3,99%\n").unwrap();
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&odd.display().to_string()), "{err}");
    assert!(err.contains("matches no export profile"), "{err}");
    // The closest profile and what its header lacks.
    assert!(err.contains("closest is `chitu_cs`"), "{err}");
    // Left out on purpose, it is noted and the rest reads.
    let options = ReadOptions::default()
        .with_forced(&["运营月报=ignore".to_string()])
        .unwrap();
    let loaded = kpi_io::read_dataset_with(dir.path(), &options, &|_, _| {}).unwrap();
    assert!(
        loaded
            .quality
            .iter()
            .any(|n| n.action == Action::Ignored && n.file.ends_with("运营月报.csv"))
    );
}

#[test]
fn an_export_in_a_tables_folder_is_read_with_its_profile() {
    let dir = copy_fixtures();
    let folder = dir.path().join("employee_daily");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::rename(
        dir.path()
            .join("赤兔/客服绩效_天猫店铺01_2025-04-21至2025-04-21.xlsx"),
        folder.join("客服绩效_天猫店铺01_2025-04-21至2025-04-21.xlsx"),
    )
    .unwrap();
    // A tidy file beside it, for other columns of the same day.
    std::fs::write(
        folder.join("质检.csv"),
        "员工编号,日期,违规次数\nE0001,2025-04-21,1\n",
    )
    .unwrap();
    let loaded = read(dir.path()).unwrap();
    let e = |c| value(&loaded, Table::EmployeeDaily, ("E0001", "2025-04-21"), c);
    assert_eq!(e("paid_buyers"), Some(20));
    assert_eq!(e("violations"), Some(1));
    // A file there that is neither keeps the contract's own message.
    std::fs::write(folder.join("杂项.csv"), "甲,乙\n1,2\n").unwrap();
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("杂项.csv") && err.contains("no header row"),
        "{err}"
    );
}

#[test]
fn a_nickname_given_to_two_employees_is_refused() {
    let dir = copy_fixtures();
    let roster = dir.path().join("employees.csv");
    let text = std::fs::read_to_string(&roster)
        .unwrap()
        .replace("jd_liuyang", "天猫店铺01:王芳");
    std::fs::write(&roster, text).unwrap();
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("given to both E0001 and E0004"), "{err}");
}

#[test]
fn profiles_can_be_forced_and_added_as_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("employees.csv"),
        dir.path().join("employees.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("坐席日报_2025-05-06.csv"),
        "坐席,会话数,成交人数\n天猫店铺01:王芳,12,3\n",
    )
    .unwrap();
    // No built-in profile knows 坐席.
    assert!(read(dir.path()).is_err());
    let profile = dir.path().join("seat.toml");
    std::fs::write(
        &profile,
        r#"
id = "seat_daily"
name = "坐席日报"
table = "employee_daily"
signature = ["坐席", "会话数"]
[columns]
"坐席" = "nickname"
"会话数" = "receptions"
"成交人数" = "paid_buyers"
"#,
    )
    .unwrap();
    let mut options = ReadOptions::default();
    options.profiles.add(&profile).unwrap();
    let loaded = kpi_io::read_dataset_with(dir.path(), &options, &|_, _| {}).unwrap();
    assert_eq!(
        value(
            &loaded,
            Table::EmployeeDaily,
            ("E0001", "2025-05-06"),
            "receptions"
        ),
        Some(12)
    );
    // Forcing a profile the file does not fit says so.
    let forced = ReadOptions::default()
        .with_forced(&["坐席=chitu_cs".to_string()])
        .unwrap();
    let err = kpi_io::read_dataset_with(dir.path(), &forced, &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("forced: `chitu_cs`"), "{err}");
    assert!(
        ReadOptions::default()
            .with_forced(&["nope".to_string()])
            .unwrap_err()
            .to_string()
            .contains("no profile `nope`")
    );
}

/// The demo data of a few months, tidy and as exports, read back.
fn tidy_and_exports() -> &'static (Loaded, Loaded) {
    static PAIR: std::sync::OnceLock<(Loaded, Loaded)> = std::sync::OnceLock::new();
    PAIR.get_or_init(|| {
        let data = kpi_io::generate(&kpi_io::GenOptions::default().with_months(3));
        let dir = tempfile::tempdir().unwrap();
        let tidy = dir.path().join("tidy");
        let exports = dir.path().join("exports");
        kpi_io::write_dataset(&data, &tidy, &kpi_io::WriteOptions::default()).unwrap();
        kpi_io::write_exports(&data, None, &exports).unwrap();
        (read(&tidy).unwrap(), read(&exports).unwrap())
    })
}

/// Metric columns that read a column rebuilt only approximately.
fn approximate_metrics(
    loaded: &Loaded,
    metrics: &[&'static kpi_core::Metric],
) -> Vec<&'static str> {
    metrics
        .iter()
        .filter(|m| {
            let (n, d) = match m.formula {
                kpi_core::Formula::Sum(c) => (Some(c), None),
                _ => m.ratio_columns(),
            };
            loaded
                .approximations
                .iter()
                .any(|a| a.table == m.level.table() && [n, d].contains(&Some(a.column.as_str())))
        })
        .map(|m| m.id)
        .collect()
}

#[test]
fn exports_score_like_the_tidy_data_apart_from_listed_approximations() {
    let (tidy, exports) = tidy_and_exports();
    // The approximations are listed: the average response and stay times.
    let mut approximated: Vec<&str> = exports
        .approximations
        .iter()
        .map(|a| a.column.as_str())
        .collect();
    approximated.sort();
    approximated.dedup();
    // Bounces are exact below 10 000 visitors a day; a peak day above may
    // make them approximate too.
    assert!(
        approximated.contains(&"response_seconds")
            && approximated.contains(&"stay_seconds")
            && approximated
                .iter()
                .all(|c| ["bounces", "response_seconds", "stay_seconds"].contains(c)),
        "{approximated:?}"
    );
    let scheme = kpi::builtin_scheme().unwrap();
    let a = kpi::score_dataset(&tidy.dataset, &scheme).unwrap();
    let b = kpi::score_dataset(&exports.dataset, &scheme).unwrap();
    for (name, fa, fb, metrics) in [
        (
            "store",
            &a.metrics.store,
            &b.metrics.store,
            &a.metrics.store_metrics,
        ),
        (
            "employee",
            &a.metrics.employee,
            &b.metrics.employee,
            &a.metrics.employee_metrics,
        ),
    ] {
        assert_eq!(fa.shape(), fb.shape(), "{name}");
        let approx = approximate_metrics(exports, metrics);
        for c in fa.get_column_names() {
            let (x, y) = (fa.column(c).unwrap(), fb.column(c).unwrap());
            if approx.contains(&c.as_str()) {
                // An average is shown to 2 decimals: within 0.005 s; an
                // ambiguous rate's count within 0.1%.
                let (x, y) = (
                    x.cast(&DataType::Float64).unwrap(),
                    y.cast(&DataType::Float64).unwrap(),
                );
                let (x, y) = (x.f64().unwrap(), y.f64().unwrap());
                for (u, v) in x.iter().zip(y.iter()) {
                    match (u, v) {
                        (Some(u), Some(v)) => assert!(
                            (u - v).abs() <= 0.005_f64.max(u.abs() * 1e-3),
                            "{name}.{c}: {u} vs {v}"
                        ),
                        (u, v) => assert_eq!(u, v, "{name}.{c}"),
                    }
                }
            } else {
                assert!(x.equals_missing(y), "{name}.{c} differs");
            }
        }
    }
    // Scores and grades: items over exact metrics score identically; an item
    // over an approximated metric may differ by its rule's slope × 0.005 s
    // (the built-in linear rule: 2 points a second, so 0.01 points), and the
    // total by as much after its weight and rounding to 2 decimals.
    let approx = approximate_metrics(exports, &a.metrics.employee_metrics);
    assert_eq!(a.scores.rows.len(), b.scores.rows.len());
    let mut differing = 0;
    for (x, y) in a.scores.rows.iter().zip(&b.scores.rows) {
        assert_eq!(
            (&x.employee_id, &x.period, &x.grade),
            (&y.employee_id, &y.period, &y.grade)
        );
        for (i, j) in x.items.iter().zip(&y.items) {
            match (i.points, j.points) {
                (Some(p), Some(q)) if approx.contains(&i.metric()) => {
                    assert!(
                        (p - q).abs() <= 0.01 + 1e-9,
                        "{}: {i:?} vs {j:?}",
                        x.employee_id
                    )
                }
                _ => assert_eq!(
                    i.points,
                    j.points,
                    "{} {} {}",
                    x.employee_id,
                    x.period,
                    i.item()
                ),
            }
        }
        match (x.total_score, y.total_score) {
            (Some(p), Some(q)) => {
                assert!(
                    (p - q).abs() <= 0.01 + 1e-9,
                    "{}: {p} vs {q}",
                    x.employee_id
                );
                differing += usize::from(p != q);
            }
            (p, q) => assert_eq!(p, q),
        }
    }
    // Most totals are identical to the cent.
    assert!(
        differing * 10 < a.scores.rows.len(),
        "{differing} totals differ"
    );
    // Pay (by grade, commission tiers on exact sales): identical.
    let (pa, pb) = (a.pay.unwrap(), b.pay.unwrap());
    assert_eq!(pa.rows.len(), pb.rows.len());
    for (x, y) in pa.rows.iter().zip(&pb.rows) {
        assert_eq!(
            (&x.employee_id, &x.period, x.gross),
            (&y.employee_id, &y.period, y.gross)
        );
    }
}

#[test]
fn exports_folder_has_every_generated_profile() {
    let (_, exports) = tidy_and_exports();
    for id in [
        "chitu_cs",
        "qianniu_cs",
        "jd_cs",
        "sycm_shop",
        "jd_sz_funnel",
    ] {
        assert!(
            exports
                .quality
                .iter()
                .any(|n| matches!(&n.issue, Issue::ReadAsProfile { profile, .. } if profile == id)),
            "{id}"
        );
    }
    // The exports and the internal sheets were merged row by row.
    assert!(
        exports
            .quality
            .iter()
            .any(|n| n.action == Action::MergedIntoOneRow)
    );
    // Nothing unmapped, nothing dropped but summary rows.
    assert!(
        !exports
            .quality
            .iter()
            .any(|n| n.action == Action::NicknameNotUsed),
        "{:?}",
        exports
            .quality
            .iter()
            .filter(|n| n.action == Action::NicknameNotUsed)
            .collect::<Vec<_>>()
    );
}

#[test]
fn exports_are_written_byte_identically_and_atomically() {
    let data = kpi_io::generate(
        &kpi_io::GenOptions::default()
            .with_stores(3)
            .with_employees_per_store(4)
            .with_months(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let a = kpi_io::write_exports(&data, None, dir.path().join("a")).unwrap();
    let b = kpi_io::write_exports(&data, None, dir.path().join("b")).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            std::fs::read(x).unwrap(),
            std::fs::read(y).unwrap(),
            "{}",
            x.display()
        );
        assert!(!x.to_string_lossy().ends_with(".tmp"));
    }
    // One file per profile kind at least, and no temporary file left behind.
    for folder in ["赤兔", "千牛", "京东客服", "生意参谋", "京东商智"] {
        assert!(
            a.iter().any(|p| p.to_string_lossy().contains(folder)),
            "{folder}"
        );
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut all = Vec::new();
    walk(&dir.path().join("a"), &mut all);
    assert_eq!(all.len(), a.len());
}

#[test]
fn the_sycm_service_report_as_downloaded_reads_by_its_own_profile() {
    let l = fixtures();
    let e = |id, c| value(l, Table::EmployeeDaily, (id, "2025-04-23"), c);
    // 天猫店铺01:王芳 (E0001) and 天猫店铺01:小李 (E0002) on the day in the file name.
    assert_eq!(e("E0001", "inquiries"), Some(40));
    assert_eq!(e("E0001", "order_buyers"), Some(25));
    assert_eq!(e("E0001", "paid_buyers"), Some(20));
    assert_eq!(e("E0001", "cs_sales"), Some(240_000));
    // 25.50 s on average over 40 inquiries (the weight the report allows).
    assert_eq!(e("E0001", "responses"), Some(40));
    assert_eq!(e("E0001", "response_seconds"), Some(1_020_000));
    assert_eq!(e("E0002", "cs_sales"), Some(36_050));
    assert_eq!(e("E0002", "response_seconds"), Some(400_000));
    assert!(l.quality.iter().any(|n| matches!(&n.issue,
        Issue::ReadAsProfile { profile, .. } if profile == "sycm_cs_download")));
    assert!(l.quality.iter().any(|n| n.issue
        == Issue::SummaryRow {
            label: "汇总".into()
        }
        && n.file.ends_with("_下载.xlsx")));
}

#[test]
fn every_nickname_header_keys_the_downloaded_report() {
    for header in kpi_io::NICKNAME_HEADERS {
        let dir = tempfile::tempdir().unwrap();
        for f in ["employees.csv", "stores.csv"] {
            std::fs::copy(fixture_dir().join(f), dir.path().join(f)).unwrap();
        }
        std::fs::write(
            dir.path()
                .join("客服绩效_天猫店铺01_2025-04-23至2025-04-23.csv"),
            format!(
                "{header},询单人数,询单最终下单人数,询单最终付款人数,询单最终付款金额\n\
                 天猫店铺01:王芳,40,25,20,2400.00\n"
            ),
        )
        .unwrap();
        let l = read(dir.path()).unwrap_or_else(|e| panic!("{header}: {e}"));
        assert_eq!(
            value(
                &l,
                Table::EmployeeDaily,
                ("E0001", "2025-04-23"),
                "inquiries"
            ),
            Some(40),
            "{header}"
        );
    }
}
