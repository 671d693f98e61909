//! Pay against payroll ledgers the generator writes: every planted error
//! found and no other, and a 工资表 sheet read with the scheme's column map.
//! Pay by hand, its properties and reconciliation by hand are in
//! `kpi-core/tests/it/pay_by_hand.rs`.

use polars::prelude::*;
use rust_decimal::Decimal;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn reconcile_finds_every_planted_error_in_the_generated_ledger_and_no_other() {
    let data = kpi_io::generate(&kpi_io::GenOptions::default());
    let scheme = kpi::builtin_scheme().unwrap();
    let pay = kpi::score_dataset(&data, &scheme).unwrap().pay.unwrap();
    let pay_scheme = scheme.pay.as_ref().unwrap();
    let (ledger, planted) = kpi::ledger::planted_ledger(pay_scheme, &pay, &data);
    assert_eq!(planted.len(), 6, "{planted:?}");
    let result = kpi_core::reconcile(pay_scheme, &pay, &ledger, d("0.01")).unwrap();
    type Key<'a> = (&'a str, &'a str, &'a str, kpi_core::Status);
    let mut found: Vec<Key<'_>> = result
        .lines
        .iter()
        .filter(|l| l.status != kpi_core::Status::Match)
        .map(|l| (&*l.period, &*l.employee_id, &*l.component, l.status))
        .collect();
    let mut expected: Vec<Key<'_>> = planted
        .iter()
        .map(|p| (&*p.period, &*p.employee_id, &*p.component, p.status))
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn a_payroll_sheet_reconciles_like_the_ledger_with_the_schemes_column_map() {
    let data = kpi_io::generate(&kpi_io::GenOptions::default().with_months(3));
    let mut scheme = kpi::builtin_scheme().unwrap();
    let pay = kpi::score_dataset(&data, &scheme).unwrap().pay.unwrap();
    let (ledger, planted) = kpi::ledger::planted_ledger(scheme.pay.as_ref().unwrap(), &pay, &data);
    // Payroll calls 工龄工资 工龄补贴 on its sheet.
    let k = pay.labels.iter().position(|l| l == "工龄工资").unwrap();
    let renamed = ledger
        .clone()
        .lazy()
        .with_column(
            when(col("component").eq(lit("工龄工资")))
                .then(lit("工龄补贴"))
                .otherwise(col("component"))
                .alias("component"),
        )
        .collect()
        .unwrap();
    let mut exported = kpi_core::Dataset::new();
    exported.insert(
        kpi_core::Table::Employees,
        data.get(kpi_core::Table::Employees).unwrap().clone(),
    );
    let dir = tempfile::tempdir().unwrap();
    kpi_io::write_exports(&exported, Some(&renamed), dir.path()).unwrap();
    let (sheet, _) = kpi_io::read_table(
        dir.path().join("工资表.xlsx"),
        kpi_core::Table::PayrollLedger,
    )
    .unwrap();
    let pay_scheme = scheme.pay.as_mut().unwrap();
    let map = &mut pay_scheme.ledger_columns;
    map.insert("工龄补贴".into(), pay_scheme.components[k].id.clone());
    // The sheet's 应发工资 column sums the booked lines, planted errors and
    // all; leave it out to compare the components alone.
    map.insert("应发工资".into(), "ignore".into());
    let result = kpi_core::reconcile(pay_scheme, &pay, &sheet, d("0.01")).unwrap();
    let mut found: Vec<(String, String, String)> = result
        .lines
        .iter()
        .filter(|l| l.status != kpi_core::Status::Match)
        .map(|l| (l.period.clone(), l.employee_id.clone(), l.component.clone()))
        .collect();
    let mut expected: Vec<(String, String, String)> = planted
        .iter()
        .map(|p| (p.period.clone(), p.employee_id.clone(), p.component.clone()))
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    // An unknown target in the map is a scheme error.
    let mut bad = scheme.clone();
    bad.pay
        .as_mut()
        .unwrap()
        .ledger_columns
        .insert("x".into(), "no_such_component".into());
    let issues = bad.check();
    assert!(
        issues
            .iter()
            .any(|i| i.path == "pay.ledger_columns.x" && i.is_error),
        "{issues:?}"
    );
}
