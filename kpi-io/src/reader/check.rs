//! Stage 6: checks across tables (roster references, employment months,
//! implausible dates, period gaps), each finding a data-quality note.

use super::*;

pub(super) fn position_of(
    frame: &DataFrame,
    files: &[PathBuf],
    i: usize,
    column: Option<&str>,
) -> Position {
    let file = frame
        .column("_file")
        .ok()
        .and_then(|c| c.u32().ok().and_then(|c| c.get(i)))
        .and_then(|f| files.get(f as usize))
        .cloned()
        .unwrap_or_default();
    let row = frame
        .column("_row")
        .ok()
        .and_then(|c| c.u32().ok().and_then(|c| c.get(i)))
        .map(|r| r as usize);
    Position {
        file,
        sheet: None,
        row,
        column: column.map(str::to_string),
    }
}

/// Employees and stores named in activity tables must be in the roster.
pub(super) fn check_references(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    let ids_of = |table: Table, column: &str| -> Option<BTreeSet<String>> {
        let frame = data.get(table)?;
        let c = frame.column(column).ok()?.str().ok()?.clone();
        Some(c.iter().flatten().map(str::to_string).collect())
    };
    let checks: Vec<(Table, &str, Table)> = Table::ALL
        .into_iter()
        .filter(|t| t.refers_to_employees())
        .map(|t| (t, "employee_id", Table::Employees))
        .chain([
            (Table::StoreDaily, "store_id", Table::Stores),
            (Table::Employees, "store_id", Table::Stores),
        ])
        .collect();
    for (table, column, roster_table) in checks {
        let (Some(frame), Some(known)) = (data.get(table), ids_of(roster_table, column)) else {
            continue;
        };
        let Ok(values) = frame.column(column).and_then(|c| c.str().cloned()) else {
            continue;
        };
        let mut unknown: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (i, rows, v) in runs(values.iter()) {
            if let Some(v) = v
                && !known.contains(v)
            {
                unknown.entry(v).or_insert((i, 0)).1 += rows;
            }
        }
        for (id, (first, count)) in unknown {
            let at = position_of(frame, files, first, Some(column));
            quality.push(QualityNote::at(
                table.name(),
                at,
                Issue::NotInRoster {
                    id: id.to_string(),
                    roster: roster_table.to_string(),
                    count,
                },
                Action::KeptNotScored,
                count,
            ));
        }
    }
    Ok(())
}

/// Dated rows whose date cannot be meant: before 2000, or more than two
/// years from the table's median date (a year typed as 2099, a date cell of
/// serial 0). They are set aside with a note each, so they cannot stretch
/// the period range or make gaps.
pub(super) fn set_aside_implausible_dates(
    data: &mut Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    const Y2000: i32 = 10_957; // 2000-01-01
    const TWO_YEARS: i32 = 731;
    for table in Table::ALL.into_iter().filter(|t| t.is_dated()) {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let Ok(dates) = frame.column("date").and_then(|c| c.date().cloned()) else {
            continue;
        };
        let mut sorted: Vec<i32> = dates.physical().iter().flatten().collect();
        if sorted.is_empty() {
            continue;
        }
        // The median without sorting every date: one selection, O(n).
        let middle = sorted.len() / 2;
        let median = *sorted.select_nth_unstable(middle).1;
        let keep: BooleanChunked = dates
            .physical()
            .iter()
            .map(|d| d.is_none_or(|d| d >= Y2000 && (d - median).abs() <= TWO_YEARS))
            .collect();
        if keep.all() {
            continue;
        }
        for (i, (kept, date)) in keep.iter().zip(dates.physical().iter()).enumerate() {
            if let (Some(false), Some(date)) = (kept, date) {
                let at = position_of(frame, files, i, Some("date"));
                quality.push(QualityNote::at(
                    table.name(),
                    at,
                    Issue::ImplausibleDate { date, median },
                    Action::SetAside,
                    1,
                ));
            }
        }
        let kept = frame
            .filter(&keep)
            .map_err(|e| Error::polars(format!("{table}: setting rows aside"), e))?;
        data.insert(table, kept);
    }
    Ok(())
}

/// A loss is a negative amount and an award a positive one: a row against
/// its kind's sign is kept as written, with a note naming it.
pub(super) fn check_adjustment_signs(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) {
    let Some(frame) = data.get(Table::Adjustments) else {
        return;
    };
    let (Ok(kinds), Ok(amounts)) = (
        frame.column("kind").and_then(|c| c.str().cloned()),
        frame.column("amount").and_then(|c| c.i64().cloned()),
    ) else {
        return;
    };
    for (i, (kind, cents)) in kinds.iter().zip(amounts.iter()).enumerate() {
        let against = match (kind, cents) {
            (Some("loss"), Some(c)) => c > 0,
            (Some("award"), Some(c)) => c < 0,
            _ => false,
        };
        if against {
            let at = position_of(frame, files, i, Some("amount"));
            quality.push(QualityNote::at(
                Table::Adjustments.name(),
                at,
                Issue::AgainstItsKind {
                    kind: kind.unwrap_or_default().to_string(),
                    cents: cents.unwrap_or_default(),
                },
                Action::KeptAsWritten,
                1,
            ));
        }
    }
}

/// Rows of an employee in months before the roster's `hire_date` or after
/// its `leave_date`: kept, but the engines neither score nor pay them.
pub(super) fn check_employment(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    let Some(roster) = data.get(Table::Employees) else {
        return Ok(());
    };
    let dates = |c: &str| -> Vec<Option<i32>> {
        roster
            .column(c)
            .ok()
            .and_then(|c| c.date().ok().map(|d| d.physical().iter().collect()))
            .unwrap_or_else(|| vec![None; roster.height()])
    };
    let ids = roster
        .column("employee_id")
        .and_then(|c| c.str().cloned())
        .map_err(|e| Error::polars("employees.employee_id", e))?;
    let (hires, leaves) = (dates("hire_date"), dates("leave_date"));
    // employee → (first month employed, last month employed).
    let mut employed: HashMap<&str, (Option<Month>, Option<Month>)> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            let month = |d: Option<i32>| d.map(Month::of_days);
            employed.insert(id, (month(hires[i]), month(leaves[i])));
        }
    }
    for table in Table::ALL.into_iter().filter(|t| t.refers_to_employees()) {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let (Ok(employees), Ok(periods)) = (
            frame.column("employee_id").and_then(|c| c.str().cloned()),
            frame.column("period").and_then(|c| c.str().cloned()),
        ) else {
            continue;
        };
        // (employee, before hire?) → (first row, rows).
        let mut outside: BTreeMap<(&str, bool), (usize, usize)> = BTreeMap::new();
        for (i, n, (id, period)) in runs(employees.iter().zip(periods.iter())) {
            let (Some(id), Some(month)) = (id, period.and_then(Month::parse)) else {
                continue;
            };
            let Some(&(hired, left)) = employed.get(id) else {
                continue;
            };
            let before = hired.is_some_and(|h| month < h);
            if before || left.is_some_and(|l| month > l) {
                outside.entry((id, before)).or_insert((i, 0)).1 += n;
            }
        }
        for ((id, before), (first, rows)) in outside {
            let at = position_of(frame, files, first, Some("period"));
            let (hired, left) = employed[id];
            let issue = match (before, hired, left) {
                (true, Some(month), _) => Issue::BeforeHire {
                    id: id.to_string(),
                    hired: month,
                    rows,
                },
                (_, _, Some(month)) => Issue::AfterLeave {
                    id: id.to_string(),
                    left: month,
                    rows,
                },
                _ => continue,
            };
            quality.push(QualityNote {
                table: table.name().into(),
                file: at.file.display().to_string(),
                sheet: None,
                row: at.row,
                column: Some("period".into()),
                issue,
                action: Action::NotEmployed,
                rows,
            });
        }
    }
    Ok(())
}

/// Months with no rows between an activity table's first and last month:
/// one note per run of missing months, naming the table's file (or the
/// folder of its files).
pub(super) fn check_period_gaps(
    data: &Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    for table in [Table::StoreDaily, Table::EmployeeDaily] {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let periods = frame
            .column("period")
            .and_then(|c| c.str().cloned())
            .map_err(|e| Error::polars(format!("{table}.period"), e))?;
        let periods: BTreeSet<Month> = runs(periods.iter())
            .into_iter()
            .filter_map(|(_, _, p)| p.and_then(Month::parse))
            .collect();
        let (Some(&first), Some(&last)) = (periods.first(), periods.last()) else {
            continue;
        };
        let file = table_place(frame, files);
        let mut m = first;
        while m < last {
            if periods.contains(&m) {
                m = m.shift(1);
                continue;
            }
            let from = m;
            while !periods.contains(&m.shift(1)) {
                m = m.shift(1);
            }
            quality.push(QualityNote {
                table: table.name().into(),
                file: file.clone(),
                sheet: None,
                row: None,
                column: Some("period".into()),
                issue: Issue::NoRowsFor {
                    from,
                    to: m,
                    first,
                    last,
                },
                action: Action::PeriodGap,
                rows: 0,
            });
            m = m.shift(1);
        }
    }
    Ok(())
}

/// Where a table's rows come from: its one file, or the folder its files share.
pub(super) fn table_place(frame: &DataFrame, files: &[PathBuf]) -> String {
    let used: BTreeSet<u32> = frame
        .column("_file")
        .ok()
        .and_then(|c| c.u32().ok().map(|c| c.iter().flatten().collect()))
        .unwrap_or_default();
    let paths: Vec<&PathBuf> = used.iter().filter_map(|&f| files.get(f as usize)).collect();
    match paths.as_slice() {
        [] => String::new(),
        [one] => one.display().to_string(),
        [first, rest @ ..] => {
            let mut common = first.parent().map(Path::to_path_buf).unwrap_or_default();
            while !rest.iter().all(|p| p.starts_with(&common)) && common.pop() {}
            common.display().to_string()
        }
    }
}

/// Runs of equal consecutive values: (first row, rows, value), in order, so
/// that a sorted table's checks look once per employee or month, not per row.
fn runs<T: PartialEq + Copy>(values: impl Iterator<Item = T>) -> Vec<(usize, usize, T)> {
    let mut out: Vec<(usize, usize, T)> = Vec::new();
    for (i, v) in values.enumerate() {
        match out.last_mut() {
            Some((_, n, last)) if *last == v => *n += 1,
            _ => out.push((i, 1, v)),
        }
    }
    out
}
