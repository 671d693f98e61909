//! Stage 4b (with [`ReadOptions::sum_activity`]): each activity file summed
//! as it is read. A file's rows are checked for repeated keys on their own,
//! summed per run of one entity and month ([`kpi_core::partial_sums`]) and
//! let go, so the memory of a long history follows its monthly sums, not
//! its daily rows. The checks after it read the sums' runs weighted by the
//! rows each sums, so every note is the one the rows give. Where the rows
//! of two files could meet (a day in two files, a date far from the
//! others, rows merged from two sources, a column whose values could add
//! up past 64 bits), the sums cannot stand for the rows and the dataset is
//! read again, rows and all.

use super::*;

/// The level whose metrics a table's rows are summed into, for the tables
/// summed as they are read.
pub(super) fn summed_level(table: Table) -> Option<kpi_core::Level> {
    [kpi_core::Level::Store, kpi_core::Level::Employee]
        .into_iter()
        .find(|level| level.table() == table)
}

/// A file read, with its sums when it was summed; `None` when its sums
/// cannot stand for its rows.
pub(super) type ReadPart = Option<(FilePart, Option<FileSums>)>;

/// What summing one file left to check against the other files.
pub(super) struct FileSums {
    /// The first and last day of the file's rows (none for a file of no rows).
    days: Option<(i32, i32)>,
    /// Per summed column: its largest magnitude times the file's rows, a
    /// bound on what its values add up to.
    bounds: Vec<(&'static str, u128)>,
    /// The notes of rows dropped as identical repeats of a row before them.
    pub(super) repeats: Vec<QualityNote>,
}

/// `part`'s rows, of `table` summed into `level`'s metrics, summed, with
/// what is left to check across files; `None`
/// when they cannot be summed apart from the other files' rows: a row
/// without a date (a monthly row, keyed by its month), rows of one key
/// merged or in conflict (the whole table's check names them), or a
/// column that is not summed in whole units.
pub(super) fn sum_file(
    table: Table,
    level: kpi_core::Level,
    part: FilePart,
    files: &[PathBuf],
) -> Result<Option<(FilePart, FileSums)>> {
    let Ok(dates) = part.frame.column("date").and_then(|c| c.date().cloned()) else {
        return Ok(None);
    };
    if dates.null_count() > 0 {
        return Ok(None);
    }
    let days = dates.physical().min().zip(dates.physical().max());
    let mut repeats = Vec::new();
    let Ok(rows) = drop_duplicates(table, part.frame, files, &mut repeats) else {
        return Ok(None);
    };
    if repeats
        .iter()
        .any(|note| note.action != Action::DroppedIdentical)
    {
        return Ok(None);
    }
    let bounds = table
        .columns()
        .iter()
        .filter(|spec| spec.kind.is_additive())
        .filter_map(|spec| {
            let values = rows.column(spec.name).ok()?.i64().ok()?;
            Some((spec.name, kpi_core::sum_bound(values)))
        })
        .collect();
    let Some(sums) = kpi_core::partial_sums(&rows, level, &["_file", "_row"])
        .map_err(|e| Error::polars(format!("{table}: summing the rows of a file"), e))?
    else {
        return Ok(None);
    };
    drop(rows);
    let part = FilePart {
        frame: sums,
        notes: part.notes,
        rows_read: part.rows_read,
    };
    Ok(Some((
        part,
        FileSums {
            days,
            bounds,
            repeats,
        },
    )))
}

/// Whether the files' sums stand for their rows taken together: no day in
/// two files (so no key in two), every date plausible (after 2000 and
/// within two years of every other, so none is set aside) and no column
/// able to add up past 64 bits (so the summing never wraps).
pub(super) fn sums_stand_for_rows(sums: &[FileSums]) -> bool {
    let mut days: Vec<(i32, i32)> = sums.iter().filter_map(|s| s.days).collect();
    days.sort_unstable();
    let apart = days.windows(2).all(|w| w[0].1 < w[1].0);
    let plausible = match (days.first(), days.iter().map(|d| d.1).max()) {
        (Some(&(first, _)), Some(last)) => first >= Y2000 && last - first <= TWO_YEARS,
        _ => true,
    };
    let mut totals: BTreeMap<&str, u128> = BTreeMap::new();
    for (column, bound) in sums.iter().flat_map(|s| &s.bounds) {
        *totals.entry(column).or_default() += bound;
    }
    apart && plausible && totals.values().all(|&t| t < i64::MAX as u128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A row of `employee_daily`: employee (E9 is not in the roster), day
    /// of the file's month (or a day years away), inquiries, sales in cents.
    type Row = (u8, u8, u16, u32);

    /// Writes a dataset: a roster (E2 hired in February, E3 gone after
    /// January) and one `employee_daily` file per entry, each of its rows
    /// in the month the entry names (0 = January) or, with day 0, in 2031.
    fn write_dataset(dir: &Path, files: &[(u8, Vec<Row>)]) {
        std::fs::write(
            dir.join("employees.csv"),
            "employee_id,store_id,role,hire_date,leave_date\n\
             E1,S1,customer_service,2024-06-01,\n\
             E2,S1,customer_service,2025-02-15,\n\
             E3,S1,customer_service,2024-06-01,2025-01-31\n",
        )
        .unwrap();
        let daily = dir.join("employee_daily");
        std::fs::create_dir_all(&daily).unwrap();
        for (k, (month, rows)) in files.iter().enumerate() {
            let mut text = String::from("employee_id,date,inquiries,cs_sales\n");
            for &(employee, day, inquiries, cents) in rows {
                let date = match day {
                    0 => "2031-07-01".to_string(),
                    d => format!("2025-{:02}-{:02}", month + 1, d),
                };
                let employee = [1, 2, 3, 9][employee as usize % 4];
                text.push_str(&format!(
                    "E{employee},{date},{inquiries},{}.{:02}\n",
                    cents / 100,
                    cents % 100
                ));
            }
            std::fs::write(daily.join(format!("part-{k}.csv")), text).unwrap();
        }
    }

    fn read(dir: &Path, sum_activity: bool) -> Result<Loaded> {
        let options = ReadOptions {
            sum_activity,
            ..ReadOptions::default()
        };
        read_dataset_with(dir, &options, &|_, _| {})
    }

    /// Whether `employee_daily` was read as sums.
    fn summed(loaded: &Loaded) -> bool {
        loaded
            .dataset
            .get(Table::EmployeeDaily)
            .is_some_and(|f| f.column(kpi_core::SUMMED_ROWS).is_ok())
    }

    /// Reads `dir` with its rows and summed as read, and asserts that both
    /// give the same error, or the same notes, files, rows read, tables
    /// other than the summed one and monthly metrics; returns whether the
    /// sums were kept.
    fn same_either_way(dir: &Path) -> bool {
        let (rows, sums) = (read(dir, false), read(dir, true));
        let (rows, sums) = match (rows, sums) {
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string());
                return false;
            }
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => panic!("one read failed: {:?} against {:?}", a.err(), b.err()),
        };
        assert_eq!(rows.quality, sums.quality);
        assert_eq!(rows.files, sums.files);
        assert_eq!(rows.rows_read, sums.rows_read);
        for (table, frame) in rows.dataset.tables() {
            if table != Table::EmployeeDaily {
                assert_eq!(Some(frame), sums.dataset.get(table), "{table}");
            }
        }
        let (a, b) = (
            kpi_core::compute_metrics(&rows.dataset).unwrap(),
            kpi_core::compute_metrics(&sums.dataset).unwrap(),
        );
        for level in [kpi_core::Level::Employee, kpi_core::Level::Store] {
            assert_eq!(a.frame(level), b.frame(level));
        }
        summed(&sums)
    }

    fn rows() -> impl Strategy<Value = Vec<Row>> {
        prop::collection::vec((0u8..4, 0u8..29, 0u16..50, 0u32..100_000), 0..30)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn files_summed_as_read_give_the_notes_errors_and_months_of_their_rows(
            files in prop::collection::vec(rows(), 1..4),
            repeats in prop::collection::vec((0usize..4, 0usize..30, 0u8..4), 0..4),
            (overlap, far) in (0u8..4, 0u8..4),
        ) {
            // A file a month, but for a quarter of the cases (two files of
            // January); a conflicting repeat and a date in 2031 in about a
            // quarter of them too.
            let mut files: Vec<(u8, Vec<Row>)> = files
                .into_iter()
                .enumerate()
                .map(|(k, mut rows)| {
                    // Rows of one key in a file repeat the first one's values.
                    let mut first: BTreeMap<(u8, u8), (u16, u32)> = BTreeMap::new();
                    for (e, d, n, c) in &mut rows {
                        (*n, *c) = *first.entry((*e, *d)).or_insert((*n, *c));
                    }
                    (if overlap == 0 { 0 } else { k as u8 }, rows)
                })
                .collect();
            for (file, row, conflicting) in repeats {
                let k = file % files.len();
                let Some(&(e, d, n, c)) = files[k].1.get(row) else { continue };
                // A repeat of the row, or a row of its key with other sales.
                files[k].1.push((e, d, n, if conflicting == 0 { c + 1 } else { c }));
            }
            for (_, rows) in &mut files {
                for row in rows.iter_mut() {
                    if far != 0 && row.1 == 0 {
                        row.1 = 1;
                    }
                }
                // Sorted by employee and day, as most exports are, half the time.
                if rows.len() % 2 == 0 {
                    rows.sort();
                }
            }
            let dir = tempfile::tempdir().unwrap();
            write_dataset(dir.path(), &files);
            same_either_way(dir.path());
        }
    }

    #[test]
    fn a_file_a_month_is_summed_and_overlapping_files_are_read_again_with_their_rows() {
        let month = |m: u8| {
            (
                m,
                vec![
                    (0, 3, 10, 1_000),
                    (0, 3, 10, 1_000), // an identical repeat, dropped
                    (1, 20, 5, 250),   // E2 before February in January
                    (3, 4, 7, 99),     // E9, not in the roster
                    (0, 5, 2, 1),
                ],
            )
        };
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), &[month(0), month(2)]);
        assert!(same_either_way(dir.path()), "a file a month is summed");
        let sums = read(dir.path(), true).unwrap();
        let frame = sums.dataset.get(Table::EmployeeDaily).unwrap();
        // Per file, in the order of their first rows: E1 (3 rows, the
        // repeat dropped), E2 and E9.
        assert_eq!(frame.height(), 6);
        let counts: Vec<Option<i64>> = frame
            .column(kpi_core::SUMMED_ROWS)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(counts, [2, 1, 1, 2, 1, 1].map(Some));
        assert!(
            sums.quality
                .iter()
                .any(|n| n.action == Action::DroppedIdentical)
        );
        // The same month in two files: keys may meet, the rows are read.
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), &[month(0), month(0)]);
        assert!(!same_either_way(dir.path()), "read again with its rows");
        // The progress of the second read goes on from the first's: each of
        // the 3 files is counted again, out of twice as many.
        let shown = std::sync::Mutex::new(Vec::new());
        let options = ReadOptions {
            sum_activity: true,
            ..ReadOptions::default()
        };
        read_dataset_with(dir.path(), &options, &|_, files| {
            shown.lock().unwrap().push(files)
        })
        .unwrap();
        assert_eq!(shown.into_inner().unwrap(), [3, 3, 3, 6, 6, 6]);
    }
}
