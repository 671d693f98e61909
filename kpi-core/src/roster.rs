//! The roster and the attendance table as the engines read them: one
//! reader of each, shared by scoring, pay and analysis.

use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;
use rust_decimal::Decimal;

use crate::dataset::Dataset;
use crate::decimal_of_f64;
use crate::error::{During, Result};
use crate::frame::{f64_values, keys_rise, str_values};
use crate::table::{ColumnKind, Table};

/// One employee of the roster.
#[derive(Debug, Default)]
pub(crate) struct Employee {
    pub(crate) store_id: Option<Arc<str>>,
    pub(crate) team_id: Option<Arc<str>>,
    pub(crate) role: Option<Arc<str>>,
    /// Days since 1970-01-01.
    pub(crate) hire_date: Option<i32>,
    /// Days since 1970-01-01.
    pub(crate) leave_date: Option<i32>,
    /// Money columns (`base_salary`, `bonus_base`…) in cents (pay's roster only).
    pub(crate) money: HashMap<String, i64>,
    /// 岗位系数, as written (pay's roster only).
    pub(crate) coefficient: Option<Decimal>,
}

/// The roster by employee id (empty without an `employees` table): each
/// employee's place and dates; [`read_pay_roster`] adds the pay columns.
/// The names of a roster table (`employees` by `employee_id`, `stores` by
/// `store_id`): id → name; none when the table or its `name` column is
/// absent.
///
/// ```
/// # use polars::prelude::*;
/// use kpi_core::{Dataset, Table, roster_names};
///
/// let mut data = Dataset::new();
/// data.insert(Table::Stores, df!("store_id" => ["S1"], "name" => ["天猫店铺01"]).unwrap());
/// assert_eq!(roster_names(&data, Table::Stores, "store_id").unwrap()["S1"], "天猫店铺01");
/// assert!(roster_names(&data, Table::Employees, "employee_id").unwrap().is_empty());
/// ```
pub fn roster_names(data: &Dataset, table: Table, id: &str) -> Result<HashMap<String, String>> {
    match data.get(table) {
        Some(roster) if roster.column("name").is_ok() => Ok(str_values(roster, id)?
            .into_iter()
            .zip(str_values(roster, "name")?)
            .filter_map(|(id, name)| Some((id?, name?)))
            .collect()),
        _ => Ok(HashMap::new()),
    }
}

pub(crate) fn read_roster(data: &Dataset) -> Result<PlHashMap<String, Employee>> {
    read(data, false)
}

/// The roster with the money columns and coefficients pay reads.
pub(crate) fn read_pay_roster(data: &Dataset) -> Result<PlHashMap<String, Employee>> {
    read(data, true)
}

fn read(data: &Dataset, with_pay: bool) -> Result<PlHashMap<String, Employee>> {
    let mut out = PlHashMap::new();
    let Some(employees) = data.get(Table::Employees) else {
        return Ok(out);
    };
    let has = |c: &str| data.has_column(Table::Employees, c);
    let text = |c: &str| -> Result<Vec<Option<String>>> {
        if has(c) {
            str_values(employees, c)
        } else {
            Ok(vec![None; employees.height()])
        }
    };
    let date = |c: &str| -> Result<Vec<Option<i32>>> {
        if has(c) {
            let dates = employees
                .column(c)
                .and_then(|c| c.date().cloned())
                .during(|| format!("reading employees.{c} as dates"))?;
            Ok(dates.physical().iter().collect())
        } else {
            Ok(vec![None; employees.height()])
        }
    };
    let (stores, teams, roles) = (text("store_id")?, text("team_id")?, text("role")?);
    let (hires, leaves) = (date("hire_date")?, date("leave_date")?);
    // A store, team or role named once for everyone in it, and for every
    // score row of theirs.
    let mut named: HashMap<String, Arc<str>> = HashMap::new();
    let mut share = |text: &Option<String>| -> Option<Arc<str>> {
        let text = text.as_deref()?;
        if let Some(shared) = named.get(text) {
            return Some(shared.clone());
        }
        let shared: Arc<str> = Arc::from(text);
        named.insert(text.to_string(), shared.clone());
        Some(shared)
    };
    let mut rows: Vec<Employee> = (0..employees.height())
        .map(|i| Employee {
            store_id: share(&stores[i]),
            team_id: share(&teams[i]),
            role: share(&roles[i]),
            hire_date: hires[i],
            leave_date: leaves[i],
            ..Employee::default()
        })
        .collect();
    if with_pay {
        add_pay_columns(data, employees, &mut rows)?;
    }
    for (id, r) in str_values(employees, "employee_id")?.into_iter().zip(rows) {
        if let Some(id) = id {
            out.insert(id, r);
        }
    }
    Ok(out)
}

/// The money columns (cents) and coefficients of the roster's rows.
fn add_pay_columns(data: &Dataset, employees: &DataFrame, rows: &mut [Employee]) -> Result<()> {
    let has = |c: &str| data.has_column(Table::Employees, c);
    for spec in Table::Employees.columns() {
        if spec.kind != ColumnKind::Money || !has(spec.name) {
            continue;
        }
        let values = employees
            .column(spec.name)
            .and_then(|c| c.cast(&DataType::Int64))
            .during(|| format!("reading employees.{} as cents", spec.name))?;
        let cents = values
            .i64()
            .during(|| format!("reading employees.{} as cents", spec.name))?;
        for (r, v) in rows.iter_mut().zip(cents.iter()) {
            if let Some(v) = v {
                r.money.insert(spec.name.to_string(), v);
            }
        }
    }
    if has("coefficient") {
        let values = f64_values(employees, "coefficient")?;
        for (r, v) in rows.iter_mut().zip(values) {
            r.coefficient = v.and_then(decimal_of_f64);
        }
    }
    Ok(())
}

/// One employee's attendance in one period, summed over its rows.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AttendanceMonth {
    pub(crate) late_count: f64,
    pub(crate) early_leave_count: f64,
    pub(crate) leave_days: f64,
    /// None when the table has no `absent_days` column.
    pub(crate) absent_days: Option<f64>,
}

/// `columns` of the attendance summed by period and employee (a missing
/// value, or a column the table lacks, counts 0), as `period, employee_id`
/// and the columns.
fn sum_attendance(data: &Dataset, frame: &DataFrame, columns: &[&str]) -> Result<DataFrame> {
    let value = |c: &str| {
        if data.has_column(Table::Attendance, c) {
            col(c).cast(DataType::Float64).fill_null(lit(0.0))
        } else {
            lit(0.0)
        }
    };
    // A month a row, in order (an export by employee and month): each
    // row is its key's sum.
    let keys = (frame.column("employee_id"), frame.column("period"));
    if let (Ok(employees), Ok(periods)) = keys
        && keys_rise(&[employees, periods])
    {
        let mut values = vec![col("period"), col("employee_id")];
        values.extend(columns.iter().map(|&c| value(c).alias(c)));
        return frame
            .clone()
            .lazy()
            .select(values)
            .collect()
            .during(|| "reading attendance by period and employee".to_string());
    }
    let aggs: Vec<Expr> = columns.iter().map(|&c| value(c).sum().alias(c)).collect();
    frame
        .clone()
        .lazy()
        .group_by([col("period"), col("employee_id")])
        .agg(aggs)
        .collect()
        .during(|| "summing attendance by period and employee".to_string())
}

/// The absent days of each period and employee, summed (see
/// [`read_attendance`]), as a frame scoring borrows its keys from; none
/// without an `attendance` table with an `absent_days` column.
pub(crate) fn absent_days(data: &Dataset) -> Result<Option<DataFrame>> {
    match data.get(Table::Attendance) {
        Some(frame) if data.has_column(Table::Attendance, "absent_days") => {
            Ok(Some(sum_attendance(data, frame, &["absent_days"])?))
        }
        _ => Ok(None),
    }
}

/// Attendance by (period, employee) (empty without an `attendance` table);
/// a column the table lacks counts 0, `absent_days` excepted.
pub(crate) fn read_attendance(
    data: &Dataset,
) -> Result<PlHashMap<(String, String), AttendanceMonth>> {
    let mut out = PlHashMap::new();
    let Some(frame) = data.get(Table::Attendance) else {
        return Ok(out);
    };
    let columns = [
        "late_count",
        "early_leave_count",
        "leave_days",
        "absent_days",
    ];
    let grouped = sum_attendance(data, frame, &columns)?;
    let periods = str_values(&grouped, "period")?;
    let ids = str_values(&grouped, "employee_id")?;
    let sums: Vec<Vec<f64>> = columns
        .iter()
        .map(|&c| -> Result<Vec<f64>> {
            let values = f64_values(&grouped, c)?;
            Ok(values.into_iter().map(|v| v.unwrap_or(0.0)).collect())
        })
        .collect::<Result<_>>()?;
    let has_absent = data.has_column(Table::Attendance, "absent_days");
    for (i, (p, e)) in periods.into_iter().zip(ids).enumerate() {
        if let (Some(p), Some(e)) = (p, e) {
            out.insert(
                (p, e),
                AttendanceMonth {
                    late_count: sums[0][i],
                    early_leave_count: sums[1][i],
                    leave_days: sums[2][i],
                    absent_days: has_absent.then_some(sums[3][i]),
                },
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attendance summed by period and employee: rows a month each in
    /// order are their own sums, rows in another order or of one month
    /// twice are summed; both give the same sums.
    #[test]
    fn attendance_in_order_is_its_own_sum() {
        let data = |employees: &[&str], periods: &[&str], days: &[Option<f64>]| {
            let mut data = Dataset::new();
            let frame = df!(
                "employee_id" => employees,
                "period" => periods,
                "absent_days" => days,
            )
            .unwrap();
            data.insert(Table::Attendance, frame);
            data
        };
        let sums = |data: &Dataset| {
            let frame = absent_days(data).unwrap().unwrap();
            let frame = frame
                .sort(["employee_id", "period"], SortMultipleOptions::default())
                .unwrap();
            let days: Vec<String> = frame
                .column("absent_days")
                .unwrap()
                .f64()
                .unwrap()
                .iter()
                .map(|d| format!("{d:?}"))
                .collect();
            (
                str_values(&frame, "employee_id").unwrap(),
                str_values(&frame, "period").unwrap(),
                days,
            )
        };
        let in_order = data(
            &["E1", "E1", "E2"],
            &["2025-01", "2025-02", "2025-01"],
            &[Some(2.0), None, Some(-0.0)],
        );
        let attendance = in_order.get(Table::Attendance).unwrap();
        let keys = ["employee_id", "period"].map(|k| attendance.column(k).unwrap());
        assert!(keys_rise(&keys));
        let expected = sums(&in_order);
        assert_eq!(
            expected.2,
            ["Some(2.0)", "Some(0.0)", "Some(-0.0)"],
            "a missing value counts 0; a zero keeps its sign, as in a sum"
        );
        let shuffled = data(
            &["E2", "E1", "E1"],
            &["2025-01", "2025-02", "2025-01"],
            &[Some(-0.0), None, Some(2.0)],
        );
        assert_eq!(sums(&shuffled), expected);
        let split = data(
            &["E1", "E1", "E1", "E2"],
            &["2025-01", "2025-01", "2025-02", "2025-01"],
            &[Some(1.5), Some(0.5), None, Some(-0.0)],
        );
        assert_eq!(sums(&split), expected);
    }
}
