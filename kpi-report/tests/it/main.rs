//! Workbooks read back with calamine: values, units and determinism.

use calamine::{Data, Reader, open_workbook_auto};
use kpi_core::{
    Band, Dataset, Direction, Eligibility, Grade, Item, MissingPolicy, PeriodKind, Role, Rule,
    Scheme, SchemeInfo, Table, compute_metrics, score,
};
use kpi_report::{Report, write_workbook};
use polars::prelude::*;

fn scheme() -> Scheme {
    Scheme {
        scheme: SchemeInfo {
            id: "t".into(),
            name: "测试".into(),
            source: None,
            period: PeriodKind::Month,
            roles: vec![Role::CustomerService],
            missing: MissingPolicy::Zero,
        },
        eligibility: Eligibility::default(),
        sections: vec![],
        bonus: vec![],
        overrides: vec![],
        streaks: vec![],
        metrics: vec![],
        manual: vec![],
        team_average: None,
        items: vec![Item {
            id: "conv".into(),
            label: None,
            metric: "inquiry_conversion".into(),
            weight: 100.0,
            section: None,
            missing: None,
            rule: Rule::Bands {
                direction: Direction::Higher,
                bands: vec![
                    Band {
                        min: Some(0.5),
                        max: None,
                        points: 100.0,
                    },
                    Band {
                        min: None,
                        max: Some(0.5),
                        points: 60.0,
                    },
                ],
            },
        }],
        grades: vec![
            Grade {
                label: "A".into(),
                min: Some(90.0),
                payout: None,
                position_wage: None,
            },
            Grade {
                label: "C".into(),
                min: None,
                payout: None,
                position_wage: None,
            },
        ],
        rollup: Default::default(),
        pay: None,
        identities: Vec::new(),
    }
}

fn data() -> Dataset {
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!("employee_id" => ["E1", "E2"], "store_id" => ["S1", "S1"], "role" => ["customer_service", "customer_service"]).unwrap(),
    );
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => ["E1", "E2"],
            "period" => ["2025-01", "2025-01"],
            "inquiries" => [10i64, 10],
            "order_buyers" => [6i64, 2],
        )
        .unwrap(),
    );
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => ["S1"],
            "period" => ["2025-01"],
            "uv" => [400i64],
            "buyers" => [10i64],
            "gmv" => [123_456i64],
        )
        .unwrap(),
    );
    data
}

fn cell(range: &calamine::Range<Data>, column: &str, row: usize) -> Data {
    let j = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|c| *c == column)
        .unwrap();
    range.get((row, j)).unwrap().clone()
}

#[test]
fn workbook_reads_back_with_values_in_their_units() {
    let (scheme, data) = (scheme(), data());
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let quality =
        df!("table" => ["store_daily"], "issue" => ["blank rows"], "rows" => [2u64]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let report = Report::new("t", &metrics)
        .with_scores(&scheme, &scores)
        .with_quality(&quality);
    write_workbook(&report, &path).unwrap();

    let mut wb = open_workbook_auto(&path).unwrap();
    // Without pay and analysis, their sheets are left out.
    assert_eq!(
        wb.sheet_names(),
        [
            "about",
            "summary",
            "metrics_store",
            "metrics_employee",
            "scores",
            "score_details",
            "data_quality"
        ]
    );
    let store = wb.worksheet_range("metrics_store").unwrap();
    // English headers: the catalogue's labels.
    let en = |id: &str| kpi_core::metric(kpi_core::Level::Store, id).unwrap().en;
    assert_eq!(cell(&store, en("gmv"), 1), Data::Float(1234.56));
    assert_eq!(cell(&store, en("conversion_rate"), 1), Data::Float(0.025));
    assert_eq!(cell(&store, en("aov"), 1), Data::Float(123.456));
    let scores_sheet = wb.worksheet_range("scores").unwrap();
    assert_eq!(
        cell(&scores_sheet, "Employee ID", 1),
        Data::String("E1".into())
    );
    assert_eq!(cell(&scores_sheet, "Total score", 1), Data::Float(100.0));
    assert_eq!(cell(&scores_sheet, "Grade", 1), Data::String("A".into()));
    assert_eq!(cell(&scores_sheet, "Grade", 2), Data::String("C".into()));
    assert_eq!(cell(&scores_sheet, "Eligible", 2), Data::Bool(true));
    let details = wb.worksheet_range("score_details").unwrap();
    assert_eq!(
        cell(&details, "Rule", 2),
        Data::String("band <0.5 → 60".into())
    );
    let summary = wb.worksheet_range("summary").unwrap();
    assert!(
        summary
            .rows()
            .any(|r| r[0] == Data::String("inquiry_conversion".into())
                || r.get(1) == Some(&Data::String("inquiry_conversion".into())))
    );
    let dq = wb.worksheet_range("data_quality").unwrap();
    assert_eq!(cell(&dq, "Rows", 1), Data::Float(2.0));
    assert!(!dir.path().join("r.xlsx.tmp").exists());
}

#[test]
fn same_results_give_the_same_bytes() {
    let (scheme, data) = (scheme(), data());
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for name in ["a.xlsx", "b.xlsx"] {
        let path = dir.path().join(name);
        write_workbook(
            &Report::new("t", &metrics).with_scores(&scheme, &scores),
            &path,
        )
        .unwrap();
        bytes.push(std::fs::read(path).unwrap());
    }
    assert_eq!(bytes[0], bytes[1]);
}
