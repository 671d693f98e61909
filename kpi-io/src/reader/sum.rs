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
    let Some(days) = days_of(&part.frame) else {
        return Ok(None);
    };
    let mut repeats = Vec::new();
    let Ok(frame) = drop_duplicates(table, part.frame, files, &mut repeats) else {
        return Ok(None);
    };
    if repeats
        .iter()
        .any(|note| note.action != Action::DroppedIdentical)
    {
        return Ok(None);
    }
    let rows = FilePart { frame, ..part };
    sum_rows(table, level, rows, days, repeats)
}

/// The first and last day of dated rows (`None` for rows of no day, or
/// some without one).
fn days_of(frame: &DataFrame) -> Option<Option<(i32, i32)>> {
    let dates = frame.column("date").ok()?.date().ok()?;
    if dates.null_count() > 0 {
        return None;
    }
    Some(dates.physical().min().zip(dates.physical().max()))
}

/// Rows of no repeated key summed (see [`sum_file`]).
fn sum_rows(
    table: Table,
    level: kpi_core::Level,
    rows: FilePart,
    days: Option<(i32, i32)>,
    repeats: Vec<QualityNote>,
) -> Result<Option<(FilePart, FileSums)>> {
    let bounds = table
        .columns()
        .iter()
        .filter(|spec| spec.kind.is_additive())
        .filter_map(|spec| {
            let values = rows.frame.column(spec.name).ok()?.i64().ok()?;
            Some((spec.name, kpi_core::sum_bound(values)))
        })
        .collect();
    let Some(sums) = kpi_core::partial_sums(&rows.frame, level, &["_file", "_row"])
        .map_err(|e| Error::polars(format!("{table}: summing the rows of a file"), e))?
    else {
        return Ok(None);
    };
    let part = FilePart {
        frame: sums,
        notes: rows.notes,
        rows_read: rows.rows_read,
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

/// Rows per batch of a Parquet file summed a batch at a time (small in
/// the unit tests, so that their files have several).
const BATCH_ROWS: usize = if cfg!(test) { 4 } else { 1 << 20 };

/// A Parquet file of more than one batch of row groups summed a batch at a
/// time, a core's worth of batches at once, so that its rows are never all
/// held: each batch is typed and summed as a file of its own would be, its
/// `_row` numbers those of the file. `None` when the batches cannot stand
/// for the file, which is then read whole: a single batch, a batch that
/// needs the careful path or gives a note, a key that does not rise row by
/// row through all the batches in one order (employee, then day; or day,
/// then employee), so could repeat in two of them.
pub(super) fn sum_parquet_batches(
    input: &InputFile,
    file_index: u32,
    level: kpi_core::Level,
) -> Result<Option<(FilePart, FileSums)>> {
    let table = input.table;
    let (metadata, batches) = grid::parquet_batches(&input.path, BATCH_ROWS)?;
    if batches.len() < 2 {
        return Ok(None);
    }
    let orders = [[level.key(), "date"], ["date", level.key()]];
    let sum_batch = |batch: (usize, usize)| -> Result<Option<BatchSums>> {
        let frame = grid::read_parquet_rows(&input.path, &metadata, batch)?;
        let headers: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        if !is_header_row(table, &headers) {
            return Ok(None);
        }
        let raw = RawColumns {
            headers: &headers,
            columns: frame.into_columns(),
            first_row: 1 + batch.0,
            csv: None,
        };
        let Some(part) = type_columns(table, &input.path, &raw, file_index)? else {
            return Ok(None);
        };
        drop(raw);
        let Some(days) = days_of(&part.frame).filter(|_| part.notes.is_empty()) else {
            return Ok(None);
        };
        let Some((order, edges)) = orders
            .iter()
            .find_map(|&o| rising(&part.frame, o).map(|edges| (o, edges)))
        else {
            return Ok(None);
        };
        Ok(
            sum_rows(table, level, part, days, Vec::new())?.map(|(part, sums)| BatchSums {
                part,
                sums,
                order,
                edges,
            }),
        )
    };
    let mut summed: Vec<BatchSums> = Vec::with_capacity(batches.len());
    for at_once in batches.chunks(rayon::current_num_threads().max(1)) {
        let read: Vec<Result<Option<BatchSums>>> =
            at_once.par_iter().map(|&batch| sum_batch(batch)).collect();
        for batch in read {
            let Some(batch) = batch? else {
                return Ok(None);
            };
            // In one order through every batch: each batch's first key
            // above the last key of the batch before.
            if let Some(before) = summed.last() {
                let (last, first) = (&before.edges.1, &batch.edges.0);
                let rises = before.order == batch.order
                    && last
                        .iter()
                        .zip(first)
                        .map(|(a, b)| {
                            let mut pair = a.clone();
                            pair.append(b).ok()?;
                            Some(pair)
                        })
                        .collect::<Option<Vec<Column>>>()
                        .is_some_and(|pair| keys_rise(&pair.iter().collect::<Vec<_>>()));
                if !rises {
                    return Ok(None);
                }
            }
            summed.push(batch);
        }
    }
    let mut batches = summed.into_iter();
    let Some(BatchSums {
        part: mut all,
        sums: mut all_sums,
        ..
    }) = batches.next()
    else {
        return Ok(None);
    };
    for batch in batches {
        all.frame
            .vstack_mut_owned(batch.part.frame)
            .map_err(|e| Error::polars(format!("{table}: stacking the sums of a file"), e))?;
        all.rows_read += batch.part.rows_read;
        all_sums.add(batch.sums);
    }
    Ok(Some((all, all_sums)))
}

/// One batch of a Parquet file summed: its sums, the order its keys rise
/// in and its first and last keys.
struct BatchSums {
    part: FilePart,
    sums: FileSums,
    order: [&'static str; 2],
    edges: (Vec<Column>, Vec<Column>),
}

/// The first and last row's key columns (`keys`, in that order) of
/// `frame`, copied out (no buffer of the frame held), when its keys rise
/// row by row; `None` when they do not, or a key has gaps.
fn rising(frame: &DataFrame, keys: [&str; 2]) -> Option<(Vec<Column>, Vec<Column>)> {
    let columns: Vec<&Column> = keys
        .iter()
        .map(|k| frame.column(k).ok().filter(|c| c.null_count() == 0))
        .collect::<Option<_>>()?;
    if !keys_rise(&columns) {
        return None;
    }
    let row = |i: usize| -> Option<Vec<Column>> {
        columns
            .iter()
            .map(|c| match c.dtype() {
                DataType::String => {
                    let text = c.str().ok()?.get(i)?;
                    Some(Column::new(c.name().clone(), [text]))
                }
                DataType::Date => {
                    let day = c.date().ok()?.physical().get(i)?;
                    Some(
                        Int32Chunked::from_slice(c.name().clone(), &[day])
                            .into_date()
                            .into_column(),
                    )
                }
                _ => None,
            })
            .collect()
    };
    let last = frame.height().checked_sub(1)?;
    Some((row(0)?, row(last)?))
}

impl FileSums {
    /// The sums of two parts of one file taken together.
    fn add(&mut self, other: FileSums) {
        self.days = match (self.days, other.days) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        for (column, bound) in other.bounds {
            match self.bounds.iter_mut().find(|(c, _)| *c == column) {
                Some((_, total)) => *total += bound,
                None => self.bounds.push((column, bound)),
            }
        }
        self.repeats.extend(other.repeats);
    }
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
        write_roster(dir);
        let daily = dir.join("employee_daily");
        std::fs::create_dir_all(&daily).unwrap();
        for (k, (month, rows)) in files.iter().enumerate() {
            let mut text = String::from("employee_id,date,inquiries,cs_sales\n");
            for &(employee, day, inquiries, cents) in rows {
                let (employee, date) = row_key(*month, employee, day);
                text.push_str(&format!(
                    "{employee},{date},{inquiries},{}.{:02}\n",
                    cents / 100,
                    cents % 100
                ));
            }
            std::fs::write(daily.join(format!("part-{k}.csv")), text).unwrap();
        }
    }

    /// A row's employee and date: day 0 is a day in 2031.
    fn row_key(month: u8, employee: u8, day: u8) -> (String, String) {
        let date = match day {
            0 => "2031-07-01".to_string(),
            d => format!("2025-{:02}-{:02}", month + 1, d),
        };
        (format!("E{}", [1, 2, 3, 9][employee as usize % 4]), date)
    }

    /// Writes `employee_daily.parquet` of `rows` (in January, inquiries
    /// as Int64, sales as a float of yuan) in row groups of `group_rows`.
    fn write_parquet(dir: &Path, rows: &[(u8, u8, i64, u32)], group_rows: usize) {
        write_roster(dir);
        let keys: Vec<(String, String)> = rows.iter().map(|r| row_key(0, r.0, r.1)).collect();
        let dates: Vec<i32> = keys
            .iter()
            .map(|(_, d)| match crate::parse::parse_date(Cell::Text(d)) {
                Ok(Some(days)) => days,
                other => panic!("{d}: {other:?}"),
            })
            .collect();
        let mut frame = DataFrame::new(
            rows.len(),
            vec![
                Column::new(
                    "employee_id".into(),
                    keys.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(),
                ),
                Int32Chunked::from_vec("date".into(), dates)
                    .into_date()
                    .into_column(),
                Column::new(
                    "inquiries".into(),
                    rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                ),
                Column::new(
                    "cs_sales".into(),
                    rows.iter()
                        .map(|r| f64::from(r.3) / 100.0)
                        .collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap();
        let file = std::fs::File::create(dir.join("employee_daily.parquet")).unwrap();
        ParquetWriter::new(file)
            .with_row_group_size(Some(group_rows))
            .finish(&mut frame)
            .unwrap();
    }

    fn write_roster(dir: &Path) {
        std::fs::write(
            dir.join("employees.csv"),
            "employee_id,store_id,role,hire_date,leave_date\n\
             E1,S1,customer_service,2024-06-01,\n\
             E2,S1,customer_service,2025-02-15,\n\
             E3,S1,customer_service,2024-06-01,2025-01-31\n",
        )
        .unwrap();
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

    /// The sums' rows counts and first rows, for a read of `dir` summed.
    fn sums_rows(dir: &Path) -> Vec<(Option<i64>, Option<u32>)> {
        let sums = read(dir, true).unwrap();
        let frame = sums.dataset.get(Table::EmployeeDaily).unwrap();
        let counts = frame.column(kpi_core::SUMMED_ROWS).unwrap().i64().unwrap();
        let first = frame.column("_row").unwrap().u32().unwrap();
        counts.iter().zip(first.iter()).collect()
    }

    #[test]
    fn a_parquet_file_is_summed_a_batch_of_row_groups_at_a_time() {
        // E1's twelve days of January in row groups of three: each group a
        // batch of its own (batches hold at most four rows in these tests).
        let rows: Vec<(u8, u8, i64, u32)> = (1..=12).map(|d| (0, d, 10, 1_234)).collect();
        let dir = tempfile::tempdir().unwrap();
        write_parquet(dir.path(), &rows, 3);
        assert!(same_either_way(dir.path()));
        let batches = [1, 4, 7, 10].map(|row| (Some(3), Some(row)));
        assert_eq!(sums_rows(dir.path()), batches);
        // The days in order, each day's employees in order: summed by batch.
        let rows: Vec<(u8, u8, i64, u32)> = (1..=6)
            .flat_map(|d| [(0, d, 1, 100), (1, d, 2, 200)])
            .collect();
        let dir = tempfile::tempdir().unwrap();
        write_parquet(dir.path(), &rows, 4);
        assert!(same_either_way(dir.path()));
        assert_eq!(sums_rows(dir.path()).len(), 6, "two runs a batch");
        // The first key of the second batch the last of the first (a
        // repeated row): the file is read whole, the repeat dropped with a
        // note, and one run summed.
        let mut rows: Vec<(u8, u8, i64, u32)> = (1..=4).map(|d| (0, d, 1, 100)).collect();
        rows.extend((4..=7).map(|d| (0, d, 1, 100)));
        let dir = tempfile::tempdir().unwrap();
        write_parquet(dir.path(), &rows, 4);
        assert!(same_either_way(dir.path()));
        assert_eq!(sums_rows(dir.path()), [(Some(7), Some(1))]);
        let notes = read(dir.path(), true).unwrap().quality;
        assert!(
            notes
                .iter()
                .any(|n| n.action == Action::DroppedIdentical && n.row == Some(5))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn parquet_files_summed_by_batch_give_the_notes_errors_and_months_of_their_rows(
            rows in prop::collection::vec((0u8..4, 1u8..8, 0i64..50, 0u32..100_000), 0..24),
            order in 0u8..3,
            group_rows in 1usize..6,
            (repeat, negative) in (0usize..8, 0usize..60),
        ) {
            // Sorted by employee and day, by day and employee, or as drawn;
            // a repeated row and a negative count in some of them.
            let mut rows = rows;
            match order {
                0 => rows.sort_by_key(|r| (r.0, r.1)),
                1 => rows.sort_by_key(|r| (r.1, r.0)),
                _ => {}
            }
            let mut first: BTreeMap<(u8, u8), (i64, u32)> = BTreeMap::new();
            for (e, d, n, c) in &mut rows {
                (*n, *c) = *first.entry((*e, *d)).or_insert((*n, *c));
            }
            // The repeat, when there is one, first in its row group.
            let at = repeat * group_rows;
            if let Some(&row) = at.checked_sub(1).and_then(|i| rows.get(i)) {
                rows.insert(at, row);
            }
            if let Some(row) = rows.get_mut(negative) {
                row.2 = -1;
            }
            let dir = tempfile::tempdir().unwrap();
            write_parquet(dir.path(), &rows, group_rows);
            same_either_way(dir.path());
        }
    }
}
