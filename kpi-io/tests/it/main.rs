//! Reading real-shaped files: Chinese headers, messy cells, workbooks,
//! duplicates, unknown employees and errors that name their position.

mod never_panics;

use std::path::Path;

use kpi_core::Table;
use kpi_io::{
    Action, DataFormat, GenOptions, HeaderLanguage, Issue, Loaded, WriteOptions, generate,
    read_dataset, write_dataset,
};

fn read(dir: &Path) -> kpi_io::Result<Loaded> {
    read_dataset(dir, &|_, _| {})
}

/// A text column's values.
fn texts<'a>(frame: &'a polars::prelude::DataFrame, column: &str) -> Vec<Option<&'a str>> {
    frame
        .column(column)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const ROSTER: &str = "员工编号,姓名,店铺编号,小组,岗位,入职日期,基本工资\nE1,王伟,S1,T1,客服,2024/3/1,\"3,500.00\"\nE2,李芳,S1,T1,店长,20230105,¥8000\n";

#[test]
fn chinese_headers_and_messy_cells_are_coerced() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "employees.csv", &format!("\u{feff}{ROSTER}"));
    write(
        dir.path(),
        "employee_daily.csv",
        "日期,员工编号,询单人数,下单人数,付款人数,客服销售额,响应次数,响应总时长,备注\n\
         2025/1/5,E1,\"1,200\",35,--,1.2万,4,8分48秒,ok\n\
         2025年1月6日,E1,10,3,2,¥88.5,1,32秒,\n\
         ,,,,,,,,\n\
         汇总,,1210,,,,,,\n",
    );
    let loaded = read(dir.path()).unwrap();
    let roster = loaded.dataset.get(Table::Employees).unwrap();
    assert_eq!(
        roster.column("role").unwrap().str().unwrap().get(0),
        Some("customer_service")
    );
    assert_eq!(
        roster.column("role").unwrap().str().unwrap().get(1),
        Some("manager")
    );
    assert_eq!(
        roster
            .column("base_salary")
            .unwrap()
            .i64()
            .unwrap()
            .to_vec(),
        [Some(350_000), Some(800_000)]
    );
    assert_eq!(
        roster
            .column("hire_date")
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .to_vec(),
        [
            Some(kpi_core::days_from_civil(2024, 3, 1)),
            Some(kpi_core::days_from_civil(2023, 1, 5))
        ]
    );

    let daily = loaded.dataset.get(Table::EmployeeDaily).unwrap();
    assert_eq!(daily.height(), 2, "blank and 汇总 rows are dropped");
    let ints = |c: &str| daily.column(c).unwrap().i64().unwrap().to_vec();
    assert_eq!(ints("inquiries"), [Some(1200), Some(10)]);
    assert_eq!(ints("cs_sales"), [Some(1_200_000), Some(8_850)]);
    assert_eq!(ints("paid_buyers"), [None, Some(2)]);
    assert_eq!(ints("response_seconds"), [Some(528_000), Some(32_000)]);
    assert_eq!(texts(daily, "period"), [Some("2025-01"), Some("2025-01")]);
    // Unknown columns are kept.
    assert_eq!(
        daily.column("备注").unwrap().str().unwrap().get(0),
        Some("ok")
    );
    let notes: Vec<String> = loaded.quality.iter().map(|n| n.to_string()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("summary row `汇总`") && n.contains("row 5")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("blank rows")), "{notes:?}");
}

#[test]
fn fractional_counts_are_errors_with_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "employees.csv", ROSTER);
    write(
        dir.path(),
        "employee_daily.csv",
        "日期,员工编号,询单人数\n2025-01-05,E1,3\n2025-01-06,E1,35%\n",
    );
    let err = read(dir.path()).unwrap_err().to_string();
    let file = dir.path().join("employee_daily.csv");
    assert_eq!(
        err,
        format!(
            "{}, row 3, column 询单人数: 0.35 is not a whole count",
            file.display()
        )
    );
}

#[test]
fn gbk_csv_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _, _) = encoding_rs::GBK.encode("员工编号,日期,询单人数\nE1,2025-01-05,7\n");
    std::fs::write(dir.path().join("employee_daily.csv"), bytes).unwrap();
    let loaded = read(dir.path()).unwrap();
    let daily = loaded.dataset.get(Table::EmployeeDaily).unwrap();
    assert_eq!(
        daily.column("inquiries").unwrap().i64().unwrap().get(0),
        Some(7)
    );
}

#[test]
fn header_below_banner_lines_is_found() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "store_daily.csv",
        "店铺日报\n统计时间 2025-01\n\n日期,店铺编号,访客数（UV）,成交金额\n2025-01-01,S1,\"1,000\",\"¥1,234.56\"\n",
    );
    let loaded = read(dir.path()).unwrap();
    let store = loaded.dataset.get(Table::StoreDaily).unwrap();
    assert_eq!(
        store.column("uv").unwrap().i64().unwrap().get(0),
        Some(1000)
    );
    assert_eq!(
        store.column("gmv").unwrap().i64().unwrap().get(0),
        Some(123_456)
    );
    assert_eq!(store.column("_row").unwrap().u32().unwrap().get(0), Some(5));
}

#[test]
fn identical_duplicates_are_dropped_and_conflicting_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("employee_daily")).unwrap();
    write(dir.path(), "employees.csv", ROSTER);
    let jan = "employee_id,date,inquiries\nE1,2025-01-05,3\nE1,2025-01-06,4\n";
    write(&dir.path().join("employee_daily"), "a.csv", jan);
    write(
        &dir.path().join("employee_daily"),
        "b.csv",
        "employee_id,date,inquiries\nE1,2025-01-06,4\n",
    );
    let loaded = read(dir.path()).unwrap();
    assert_eq!(
        loaded.dataset.get(Table::EmployeeDaily).unwrap().height(),
        2
    );
    assert!(
        loaded
            .quality
            .iter()
            .any(|n| n.action == kpi_io::Action::DroppedIdentical && n.row == Some(2)),
        "{:?}",
        loaded.quality
    );

    write(
        &dir.path().join("employee_daily"),
        "b.csv",
        "employee_id,date,inquiries\nE1,2025-01-06,5\n",
    );
    let err = read(dir.path()).unwrap_err().to_string();
    let folder = dir.path().join("employee_daily");
    assert_eq!(
        err,
        format!(
            "employee_daily: rows {}, row 3 and {}, row 2 have the same key (employee_id=E1, date=2025-01-06; column inquiries) but different values",
            folder.join("a.csv").display(),
            folder.join("b.csv").display()
        )
    );
}

#[test]
fn unknown_employees_and_negative_counts_are_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "employees.csv", ROSTER);
    write(
        dir.path(),
        "employee_daily.csv",
        "employee_id,date,inquiries\nE1,2025-01-05,-3\nE9,2025-01-05,4\nE9,2025-01-06,4\nE1,2025-03-01,1\n",
    );
    let loaded = read(dir.path()).unwrap();
    let daily = loaded.dataset.get(Table::EmployeeDaily).unwrap();
    assert_eq!(daily.height(), 4);
    assert_eq!(
        daily.column("inquiries").unwrap().i64().unwrap().get(0),
        None
    );
    let notes: Vec<(Issue, Action, Option<usize>)> = loaded
        .quality
        .iter()
        .map(|n| (n.issue.clone(), n.action, n.row))
        .collect();
    let m = |month| kpi_core::Month { year: 2025, month };
    assert_eq!(
        notes,
        [
            (
                Issue::NegativeCount { value: -3 },
                Action::TreatedAsMissing,
                Some(2)
            ),
            (
                Issue::NotInRoster {
                    id: "E9".into(),
                    roster: "employees".into(),
                    count: 2
                },
                Action::KeptNotScored,
                Some(3)
            ),
            (
                Issue::NoRowsFor {
                    from: m(2),
                    to: m(2),
                    first: m(1),
                    last: m(3)
                },
                Action::PeriodGap,
                None
            ),
        ]
    );
    // The words of the `issue` column.
    assert_eq!(
        loaded.quality[1].issue.to_string(),
        "`E9` is not in `employees` (first of 2 rows)"
    );
}

#[test]
fn workbooks_with_date_cells_and_several_sheets_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (month, day) in [("1月", 5u8), ("2月", 6u8)] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(month).unwrap();
        sheet.write_string(0, 0, "客服日报").unwrap();
        for (j, h) in ["员工编号", "日期", "询单人数"].iter().enumerate() {
            sheet.write_string(2, j as u16, *h).unwrap();
        }
        sheet.write_string(3, 0, "E1").unwrap();
        let m = if month == "1月" { 1 } else { 2 };
        sheet
            .write_datetime_with_format(
                3,
                1,
                rust_xlsxwriter::ExcelDateTime::from_ymd(2025, m, day).unwrap(),
                &date,
            )
            .unwrap();
        sheet.write_number(3, 2, 12.0).unwrap();
        sheet.write_string(4, 0, "合计").unwrap();
        sheet.write_number(4, 2, 12.0).unwrap();
    }
    workbook
        .save(dir.path().join("employee_daily.xlsx"))
        .unwrap();
    let loaded = read(dir.path()).unwrap();
    let daily = loaded.dataset.get(Table::EmployeeDaily).unwrap();
    assert_eq!(daily.height(), 2);
    assert_eq!(texts(daily, "period"), [Some("2025-01"), Some("2025-02")]);
    assert_eq!(
        daily.column("_row").unwrap().u32().unwrap().to_vec(),
        [Some(4), Some(4)]
    );
    assert!(loaded.quality.iter().any(|n| n.issue
        == Issue::SummaryRow {
            label: "合计".into()
        }
        && n.sheet.as_deref() == Some("2月")));
}

#[test]
fn written_datasets_read_back_identically_in_every_format() {
    let data = generate(
        &GenOptions::default()
            .with_stores(1)
            .with_employees_per_store(6)
            .with_months(2),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut frames = Vec::new();
    for (name, format, headers, monthly) in [
        ("csv", DataFormat::Csv, HeaderLanguage::English, false),
        ("xlsx", DataFormat::Xlsx, HeaderLanguage::Chinese, true),
        (
            "parquet",
            DataFormat::Parquet,
            HeaderLanguage::Chinese,
            false,
        ),
        ("zhcsv", DataFormat::Csv, HeaderLanguage::Chinese, true),
    ] {
        let out = dir.path().join(name);
        let options = WriteOptions::default()
            .with_format(format)
            .with_headers(headers)
            .with_monthly_files(monthly);
        write_dataset(&data, &out, &options).unwrap();
        let loaded = read(&out).unwrap();
        assert!(loaded.quality.is_empty(), "{name}: {:?}", loaded.quality);
        frames.push((name, loaded.dataset));
    }
    for table in Table::ALL {
        // Monthly files change the row order, not the rows. The generator
        // leaves the payroll ledger to `kpi gen`, which computes pay.
        let Some(expected) = data.get(table) else {
            assert_eq!(table, Table::PayrollLedger);
            continue;
        };
        let key: Vec<&str> = table
            .key()
            .iter()
            .map(|k| {
                if expected.column(k).is_ok() {
                    *k
                } else {
                    "period"
                }
            })
            .collect();
        let sort =
            |df: &polars::prelude::DataFrame| df.sort(key.clone(), Default::default()).unwrap();
        let expected = &sort(expected);
        for (name, loaded) in &frames {
            let got = loaded.get(table).unwrap();
            let got = got.drop_many(["_file", "_row"]);
            let got = sort(&got.select(expected.get_column_names_owned()).unwrap());
            for column in expected.columns() {
                let other = got.column(column.name()).unwrap();
                assert!(
                    other
                        .as_materialized_series()
                        .equals_missing(column.as_materialized_series()),
                    "{name} {table}.{}: {:?} vs {:?}",
                    column.name(),
                    other.get(0),
                    column.get(0)
                );
            }
        }
    }
}

#[test]
fn a_folder_without_activity_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "employees.csv", ROSTER);
    let err = read(dir.path()).unwrap_err().to_string();
    assert!(err.ends_with("no activity table: expected store_daily or employee_daily (a file or a folder of files, or platform exports)"), "{err}");
}

#[test]
fn adjustments_are_a_log_where_equal_rows_all_count() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "employees.csv", ROSTER);
    write(
        dir.path(),
        "employee_daily.csv",
        "employee_id,date,inquiries\nE1,2025-01-05,3\n",
    );
    write(
        dir.path(),
        "adjustments.csv",
        "月份,员工编号,类型,金额,原因\n2025-01,E1,loss,-50,迟到罚款\n2025-01,E1,loss,-50,迟到罚款\n2025-01,E1,loss,-80.5,客户投诉\n",
    );
    let loaded = read(dir.path()).unwrap();
    let adjustments = loaded.dataset.get(Table::Adjustments).unwrap();
    assert_eq!(
        adjustments
            .column("amount")
            .unwrap()
            .i64()
            .unwrap()
            .to_vec(),
        [Some(-5_000), Some(-5_000), Some(-8_050)]
    );
    assert!(loaded.quality.is_empty(), "{:?}", loaded.quality);
}
