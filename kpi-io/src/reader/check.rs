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

/// The id columns that must name someone (or a store) of a roster table:
/// (table, column, roster table).
fn roster_references() -> Vec<(Table, &'static str, Table)> {
    Table::ALL
        .into_iter()
        .filter(|t| t.refers_to_employees())
        .map(|t| (t, "employee_id", Table::Employees))
        .chain([
            (Table::StoreDaily, "store_id", Table::Stores),
            (Table::Employees, "store_id", Table::Stores),
        ])
        .collect()
}

/// The activity tables, whose months must not have gaps.
const ACTIVITY_TABLES: [Table; 2] = [Table::StoreDaily, Table::EmployeeDaily];

/// Employees and stores named in activity tables must be in the roster.
pub(super) fn check_references(
    data: &Dataset,
    runs: &TextRuns<'_>,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    let ids_of = |table: Table, column: &str| -> Option<BTreeSet<String>> {
        let frame = data.get(table)?;
        let c = frame.column(column).ok()?.str().ok()?.clone();
        Some(c.iter().flatten().map(str::to_string).collect())
    };
    for (table, column, roster_table) in roster_references() {
        let (Some(frame), Some(known), Some(values)) = (
            data.get(table),
            ids_of(roster_table, column),
            runs.of(table, column),
        ) else {
            continue;
        };
        let mut unknown: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for &(i, rows, v) in values {
            if let Some(v) = v
                && !known.contains(v)
            {
                unknown.entry(v).or_insert((i, 0)).1 += runs.rows(table, i, rows);
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

/// The first plausible day, 2000-01-01.
pub(super) const Y2000: i32 = 10_957;
/// The farthest a plausible day is from the table's median day.
pub(super) const TWO_YEARS: i32 = 731;

/// Dated rows whose date cannot be meant: before 2000, or more than two
/// years from the table's median date (a year typed as 2099, a date cell of
/// serial 0). They are set aside with a note each, so they cannot stretch
/// the period range or make gaps.
pub(super) fn set_aside_implausible_dates(
    data: &mut Dataset,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    for table in Table::ALL.into_iter().filter(|t| t.is_dated()) {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let Ok(dates) = frame.column("date").and_then(|c| c.date().cloned()) else {
            continue;
        };
        let (Some(min), Some(max)) = (dates.physical().min(), dates.physical().max()) else {
            continue;
        };
        // The median is between the first and the last date: within two
        // years of each other, no date is far from it.
        if min >= Y2000 && max - min <= TWO_YEARS {
            continue;
        }
        let mut sorted: Vec<i32> = dates.physical().iter().flatten().collect();
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
    runs: &TextRuns<'_>,
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
        let (Some(employees), Some(periods)) =
            (runs.of(table, "employee_id"), runs.of(table, "period"))
        else {
            continue;
        };
        // (employee, before hire?) → (first row, rows).
        let mut outside: BTreeMap<(&str, bool), (usize, usize)> = BTreeMap::new();
        for (i, n, (id, period)) in pair_runs(employees, periods) {
            let (Some(id), Some(month)) = (id, period.and_then(Month::parse)) else {
                continue;
            };
            let Some(&(hired, left)) = employed.get(id) else {
                continue;
            };
            let before = hired.is_some_and(|h| month < h);
            if before || left.is_some_and(|l| month > l) {
                outside.entry((id, before)).or_insert((i, 0)).1 += runs.rows(table, i, n);
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
    runs: &TextRuns<'_>,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<()> {
    for table in ACTIVITY_TABLES {
        let Some(frame) = data.get(table) else {
            continue;
        };
        let periods: BTreeSet<Month> = runs
            .of(table, "period")
            .ok_or_else(|| Error::Dataset {
                path: table_place(frame, files).into(),
                message: format!("`{table}` has no `period` column of text"),
            })?
            .iter()
            .filter_map(|&(_, _, p)| p.and_then(Month::parse))
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
        .and_then(|c| {
            let files = c.u32().ok()?;
            Some(runs(
                files
                    .downcast_iter()
                    .flat_map(|a| a.values().iter().copied()),
            ))
        })
        .unwrap_or_default()
        .into_iter()
        .map(|(_, _, file)| file)
        .collect();
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

/// A run of equal consecutive values: (first row, rows, value).
type Run<T> = (usize, usize, T);

/// Runs of equal consecutive values, in order, so that a sorted table's
/// checks look once per employee or month, not per row.
fn runs<T: PartialEq + Copy>(values: impl Iterator<Item = T>) -> Vec<Run<T>> {
    let mut out: Vec<Run<T>> = Vec::new();
    for (i, v) in values.enumerate() {
        match out.last_mut() {
            Some((_, n, last)) if *last == v => *n += 1,
            _ => out.push((i, 1, v)),
        }
    }
    out
}

/// The runs of the text columns the checks read, each column's found once
/// (all side by side) and shared by the checks.
pub(super) struct TextRuns<'a> {
    found: BTreeMap<(Table, &'static str), Vec<Run<Option<&'a str>>>>,
    /// Of a table of sums (read with [`ReadOptions::sum_activity`]): the
    /// rows summed by its rows before each row, and after the last.
    summed: BTreeMap<Table, Vec<usize>>,
}

impl<'a> TextRuns<'a> {
    /// The columns the checks read: the roster references' ids, the
    /// employee and month of the tables naming employees (employment) and
    /// the month of the activity tables (gaps).
    pub(super) fn new(data: &'a Dataset) -> TextRuns<'a> {
        let wanted: BTreeSet<(Table, &'static str)> = roster_references()
            .into_iter()
            .map(|(table, column, _)| (table, column))
            .chain(
                Table::ALL
                    .into_iter()
                    .filter(|t| t.refers_to_employees())
                    .flat_map(|t| [(t, "employee_id"), (t, "period")]),
            )
            .chain(ACTIVITY_TABLES.map(|t| (t, "period")))
            .collect();
        let found = wanted
            .into_par_iter()
            .filter_map(|(table, column)| {
                let values = data.get(table)?.column(column).ok()?.str().ok()?;
                Some(((table, column), text_runs(values)))
            })
            .collect();
        let summed = ACTIVITY_TABLES
            .into_iter()
            .filter_map(|table| {
                let counts = data.get(table)?.column(kpi_core::SUMMED_ROWS).ok()?;
                let counts = counts.i64().ok()?;
                let mut before = Vec::with_capacity(counts.len() + 1);
                let mut total = 0;
                before.push(total);
                for n in counts.iter() {
                    total += n.unwrap_or(0) as usize;
                    before.push(total);
                }
                Some((table, before))
            })
            .collect();
        TextRuns { found, summed }
    }

    /// The rows that `n` rows of `table` from row `i` stand for: `n`, or
    /// the rows they sum in a table of sums.
    fn rows(&self, table: Table, i: usize, n: usize) -> usize {
        match self.summed.get(&table) {
            Some(before) => before[i + n] - before[i],
            None => n,
        }
    }

    /// The runs of `table`'s text column `column`; `None` when it has none.
    fn of(&self, table: Table, column: &'static str) -> Option<&[Run<Option<&'a str>>]> {
        self.found.get(&(table, column)).map(Vec::as_slice)
    }
}

/// [`runs`] of a text column, found in slices on every core and joined
/// where a run crosses from one slice into the next.
fn text_runs(values: &StringChunked) -> Vec<Run<Option<&str>>> {
    let parts: Vec<Vec<Run<Option<&str>>>> = chunk_slices(values)
        .into_par_iter()
        .map(
            |TextSlice {
                 start,
                 chunk,
                 from,
                 len,
             }| {
                let array = values.downcast_get(chunk).expect("a chunk of the column");
                let same = kpi_core::same_text(values, chunk);
                let mut part: Vec<Run<Option<&str>>> = Vec::new();
                for i in from..from + len {
                    match part.last_mut() {
                        Some((_, n, _)) if same(i - 1, i) => *n += 1,
                        _ => part.push((start + i - from, 1, array.get(i))),
                    }
                }
                part
            },
        )
        .collect();
    let mut out: Vec<Run<Option<&str>>> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for run in parts.into_iter().flatten() {
        match out.last_mut() {
            Some((_, n, last)) if *last == run.2 => *n += run.1,
            _ => out.push(run),
        }
    }
    out
}

/// The runs of equal consecutive pairs, from the runs of each of two
/// columns of one table: a pair's run ends where either column's run ends.
fn pair_runs<A: Copy, B: Copy>(a: &[Run<A>], b: &[Run<B>]) -> Vec<Run<(A, B)>> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j, mut at) = (0, 0, 0);
    while let (Some(&(a_start, a_rows, a_value)), Some(&(b_start, b_rows, b_value))) =
        (a.get(i), b.get(j))
    {
        let (a_end, b_end) = (a_start + a_rows, b_start + b_rows);
        let end = a_end.min(b_end);
        out.push((at, end - at, (a_value, b_value)));
        at = end;
        i += usize::from(a_end == end);
        j += usize::from(b_end == end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rows from (value, rows) runs: 0 is a null, then two texts short
    /// enough to be held in a view and two longer ones alike in length and
    /// first bytes.
    fn rows(spec: &[(u8, usize)]) -> Vec<Option<&'static str>> {
        const VALUES: [Option<&str>; 5] = [
            None,
            Some("a"),
            Some("b"),
            Some("employee-number-0001"),
            Some("employee-number-0002"),
        ];
        spec.iter()
            .flat_map(|&(v, n)| std::iter::repeat_n(VALUES[v as usize], n))
            .collect()
    }

    /// `values` as a text column cut into chunks at `cuts`.
    fn chunked(values: &[Option<&str>], cuts: &[usize]) -> StringChunked {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (values.len() + 1)).collect();
        cuts.extend([0, values.len()]);
        cuts.sort_unstable();
        let mut out = StringChunked::full_null("v".into(), 0);
        for pair in cuts.windows(2) {
            let piece = &values[pair[0]..pair[1]];
            out.append(&StringChunked::from_iter_options(
                "v".into(),
                piece.iter().copied(),
            ))
            .unwrap();
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Runs found in slices and chunks on every core, and runs of pairs
        /// made from each column's runs, are the runs of the rows in order
        /// (slices are at least 65,536 rows, so the columns are longer).
        #[test]
        fn runs_in_slices_and_of_pairs_are_the_runs_of_the_rows(
            a in prop::collection::vec((0u8..5, 1usize..60_000), 1..8),
            b in prop::collection::vec((0u8..5, 1usize..60_000), 1..8),
            a_cuts in prop::collection::vec(0usize..500_000, 0..4),
            b_cuts in prop::collection::vec(0usize..500_000, 0..4),
        ) {
            let (mut a, mut b) = (rows(&a), rows(&b));
            let n = a.len().min(b.len());
            a.truncate(n);
            b.truncate(n);
            let (a_column, b_column) = (chunked(&a, &a_cuts), chunked(&b, &b_cuts));
            let (a_runs, b_runs) = (text_runs(&a_column), text_runs(&b_column));
            prop_assert_eq!(&a_runs, &runs(a.iter().copied()));
            prop_assert_eq!(&b_runs, &runs(b.iter().copied()));
            prop_assert_eq!(
                pair_runs(&a_runs, &b_runs),
                runs(a.iter().copied().zip(b.iter().copied()))
            );
        }
    }
}
