//! Stage 5: stacking the frames of a table and merging or dropping rows
//! with the same key.

use super::*;

pub(super) fn canonical_dtype(table: Table, name: &str) -> Option<DataType> {
    table.column(name).map(|spec| match spec.kind {
        ColumnKind::Id
        | ColumnKind::Text
        | ColumnKind::Period
        | ColumnKind::Role
        | ColumnKind::Word(_) => DataType::String,
        ColumnKind::Date => DataType::Date,
        ColumnKind::Count | ColumnKind::Money | ColumnKind::Seconds | ColumnKind::Hours => {
            DataType::Int64
        }
        ColumnKind::Number => DataType::Float64,
    })
}

/// Files of fewer rows than this, on average, are stacked into one chunk.
const SMALL_FILE_ROWS: usize = 1 << 16;

/// Stacks frames of one table whose columns may differ: the union of columns,
/// canonical ones in contract order, missing ones as nulls.
pub(super) fn stack(table: Table, frames: Vec<DataFrame>) -> Result<DataFrame> {
    let mut order: Vec<String> = Vec::new();
    let mut extra_dtype: HashMap<String, DataType> = HashMap::new();
    for spec in table.columns() {
        if frames.iter().any(|f| f.column(spec.name).is_ok()) {
            order.push(spec.name.to_string());
        }
    }
    for f in &frames {
        for c in f.columns() {
            let name = c.name().to_string();
            if table.column(&name).is_some() || name.starts_with('_') {
                continue;
            }
            let dtype = extra_dtype.entry(name.clone()).or_insert(c.dtype().clone());
            if dtype != c.dtype() {
                *dtype = DataType::String;
            }
            if !order.contains(&name) {
                order.push(name);
            }
        }
    }
    // A table of sums (read with `ReadOptions::sum_activity`) keeps the
    // rows each of its rows sums.
    if frames
        .iter()
        .any(|f| f.column(kpi_core::SUMMED_ROWS).is_ok())
    {
        order.push(kpi_core::SUMMED_ROWS.to_string());
    }
    order.extend(["_file".to_string(), "_row".to_string()]);
    let mut out: Option<DataFrame> = None;
    let stacked = frames.len();
    for f in frames {
        let height = f.height();
        let mut columns = Vec::with_capacity(order.len());
        for name in &order {
            let dtype = canonical_dtype(table, name)
                .or_else(|| extra_dtype.get(name).cloned())
                .unwrap_or(if name == kpi_core::SUMMED_ROWS {
                    DataType::Int64
                } else {
                    DataType::UInt32
                });
            let column = match f.column(name) {
                Ok(c) => c
                    .cast(&dtype)
                    .map_err(|e| Error::polars(format!("{table}.{name}"), e))?,
                Err(_) => Column::full_null(name.as_str().into(), height, &dtype),
            };
            columns.push(column);
        }
        let frame = DataFrame::new(height, columns).map_err(|e| Error::polars(table.name(), e))?;
        match &mut out {
            None => out = Some(frame),
            Some(acc) => {
                acc.vstack_mut(&frame)
                    .map_err(|e| Error::polars(format!("stacking `{table}`"), e))?;
            }
        }
    }
    let mut out = out.expect("at least one frame");
    // Many small files (a folder of daily exports) are made one chunk; a
    // few large ones (a year of monthly Parquet files) keep their chunks,
    // as one file keeps its row groups: a copy would double the memory.
    if stacked > 1 && out.height() / stacked < SMALL_FILE_ROWS {
        out.rechunk_mut_par();
    }
    Ok(out)
}

pub(super) fn concat_parts(table: Table, parts: Vec<FilePart>) -> Result<DataFrame> {
    stack(table, parts.into_iter().map(|p| p.frame).collect())
}

pub(super) fn key_columns(table: Table, frame: &DataFrame) -> Vec<&'static str> {
    table
        .key()
        .iter()
        .map(|k| {
            if *k == "date"
                && frame
                    .column("date")
                    .map_or(true, |c| c.null_count() == c.len())
            {
                "period"
            } else {
                *k
            }
        })
        .collect()
}

/// The key columns of a frame as text, read row by row without copying; a
/// dated row without a date (a monthly row among daily ones) is keyed by its
/// period (`2025-01`, never equal to a date).
pub(super) struct KeyText {
    /// Per key column: its text, and the period standing in for a missing date.
    columns: Vec<(StringChunked, Option<StringChunked>)>,
}

impl KeyText {
    pub(super) fn new(table: Table, frame: &DataFrame, keys: &[&str]) -> Result<KeyText> {
        let text = |name: &str| -> Result<StringChunked> {
            frame
                .column(name)
                .and_then(|c| c.cast(&DataType::String))
                .and_then(|c| c.str().cloned())
                .map_err(|e| Error::polars(format!("{table} keys"), e))
        };
        let columns = keys
            .iter()
            .map(|k| {
                let fallback = if *k == "date" && frame.column("period").is_ok() {
                    Some(text("period")?)
                } else {
                    None
                };
                Ok((text(k)?, fallback))
            })
            .collect::<Result<_>>()?;
        Ok(KeyText { columns })
    }

    /// The key of row `i`.
    pub(super) fn row(&self, i: usize) -> Vec<&str> {
        self.columns
            .iter()
            .map(|(c, fallback)| {
                c.get(i)
                    .or_else(|| fallback.as_ref().and_then(|f| f.get(i)))
                    .unwrap_or("")
            })
            .collect()
    }
}

/// Rows with the same key: identical ones are dropped with a note; rows
/// whose columns complement each other (an export and an internal sheet
/// giving different columns of the same day) are merged into one, noted
/// once per pair of files; rows that disagree on a value are an error.
pub(super) fn drop_duplicates(
    table: Table,
    frame: DataFrame,
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let keys = key_columns(table, &frame);
    // Only rows whose key occurs more than once are looked at row by row.
    let candidates = duplicate_candidates(table, &frame, &keys)?;
    if candidates.is_empty() {
        return Ok(frame);
    }
    let all = candidates.len() == frame.height();
    let among = if all {
        frame.clone()
    } else {
        let index = IdxCa::from_vec(
            "".into(),
            candidates.iter().map(|&i| i as IdxSize).collect(),
        );
        frame
            .take(&index)
            .map_err(|e| Error::polars(format!("{table}: rows with one key"), e))?
    };
    let Some((keep_among, merged_among)) = find_duplicates(table, &among, &keys, files, quality)?
    else {
        return Ok(frame);
    };
    let mut keep = vec![true; frame.height()];
    for (k, &i) in candidates.iter().enumerate() {
        keep[i] = keep_among[k];
    }
    let merged_into: BTreeMap<usize, Vec<usize>> = merged_among
        .into_iter()
        .map(|(f, others)| {
            (
                candidates[f],
                others.into_iter().map(|o| candidates[o]).collect(),
            )
        })
        .collect();
    let kept: Vec<usize> = (0..frame.height()).filter(|&i| keep[i]).collect();
    let mut columns = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let from: Vec<IdxSize> = kept
            .iter()
            .map(|&i| {
                let source = match merged_into.get(&i) {
                    Some(others)
                        if !c.name().starts_with('_') && c.get(i).is_ok_and(|v| v.is_null()) =>
                    {
                        others
                            .iter()
                            .copied()
                            .find(|&o| c.get(o).is_ok_and(|v| !v.is_null()))
                            .unwrap_or(i)
                    }
                    _ => i,
                };
                source as IdxSize
            })
            .collect();
        let index = IdxCa::from_vec("".into(), from);
        columns.push(
            c.take(&index)
                .map_err(|e| Error::polars(format!("{table}: merging rows"), e))?,
        );
    }
    DataFrame::new(kept.len(), columns)
        .map_err(|e| Error::polars(format!("{table}: dropping duplicates"), e))
}

/// Rows of `frame` whose key may occur twice, in order: none when the keys
/// rise strictly row by row (a sorted export), those polars finds
/// duplicated otherwise, and every row when a key column has gaps (a
/// monthly row among daily ones, keyed by its period).
fn duplicate_candidates(table: Table, frame: &DataFrame, keys: &[&str]) -> Result<Vec<usize>> {
    let columns: Vec<&Column> = keys
        .iter()
        .map(|k| frame.column(k))
        .collect::<PolarsResult<_>>()
        .map_err(|e| Error::polars(format!("{table} keys"), e))?;
    if frame.height() < 2 {
        return Ok(Vec::new());
    }
    if columns.iter().any(|c| c.null_count() > 0) {
        return Ok((0..frame.height()).collect());
    }
    // Files of their own days are checked file by file; rows from one file,
    // or from files of the same days, as a whole.
    if files_apart(frame, &columns) || keys_rise(&columns) {
        return Ok(Vec::new());
    }
    let duplicated = frame
        .select(keys.iter().copied())
        .and_then(|k| k.is_duplicated())
        .map_err(|e| Error::polars(format!("{table} keys"), e))?;
    Ok(duplicated
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.unwrap_or(false).then_some(i))
        .collect())
}

/// Whether no key can repeat because each file's rows (runs of `_file`)
/// have rising keys and a date key whose ranges do not overlap between
/// files: a year given as a file a month. `false` when unsure.
fn files_apart(frame: &DataFrame, keys: &[&Column]) -> bool {
    let Some(files) = frame.column("_file").ok().and_then(|c| c.u32().ok()) else {
        return false;
    };
    let Some(date) = keys.iter().find(|c| c.dtype() == &DataType::Date) else {
        return false;
    };
    // (first row, rows) of each file, in the stacked order.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut last = None;
    for (i, f) in files.iter().enumerate() {
        if f != last {
            runs.push((i, 0));
            last = f;
        }
        if let Some(run) = runs.last_mut() {
            run.1 += 1;
        }
    }
    if runs.len() < 2 {
        return false;
    }
    // The days' ranges first (a minimum and a maximum per file), then
    // each file's keys.
    let mut ranges: Vec<(i32, i32)> = Vec::with_capacity(runs.len());
    for &(start, len) in &runs {
        let days = date.slice(start as i64, len);
        let Some(days) = days.date().ok().map(|d| d.physical().clone()) else {
            return false;
        };
        match (days.min(), days.max()) {
            (Some(min), Some(max)) => ranges.push((min, max)),
            _ => return false,
        }
    }
    ranges.sort_unstable();
    ranges.windows(2).all(|w| w[0].1 < w[1].0)
        && runs.iter().all(|&(start, len)| {
            let sliced: Vec<Column> = keys.iter().map(|c| c.slice(start as i64, len)).collect();
            keys_rise(&sliced.iter().collect::<Vec<_>>())
        })
}

/// Which rows of `frame` stay (`false`: dropped or merged into an earlier
/// row) and which rows each kept row takes values from; `None` when every
/// row stays as it is. Notes are added for each.
#[allow(clippy::type_complexity)]
fn find_duplicates(
    table: Table,
    frame: &DataFrame,
    keys: &[&str],
    files: &[PathBuf],
    quality: &mut Vec<QualityNote>,
) -> Result<Option<(Vec<bool>, BTreeMap<usize, Vec<usize>>)>> {
    let key_text = KeyText::new(table, frame, keys)?;
    let mut first_of: HashMap<Vec<&str>, usize> = HashMap::with_capacity(frame.height());
    let mut keep: Vec<bool> = Vec::with_capacity(frame.height());
    let mut dropped = 0;
    let mut merged_into: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut merge_notes: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let data_columns: Vec<&Column> = frame
        .columns()
        .iter()
        .filter(|c| !c.name().starts_with('_'))
        .collect();
    let describe_key = |key: &[&str]| {
        keys.iter()
            .zip(key)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for i in 0..frame.height() {
        let key = key_text.row(i);
        let Some(&first) = first_of.get(&key) else {
            keep.push(true);
            first_of.insert(key, i);
            continue;
        };
        let mut identical = true;
        for c in &data_columns {
            let (a, b) = (c.get(first).ok(), c.get(i).ok());
            if a == b {
                continue;
            }
            identical = false;
            let a_null = a.as_ref().is_none_or(|v| v.is_null());
            let b_null = b.as_ref().is_none_or(|v| v.is_null());
            // A row merged in earlier may already give this column.
            let conflict = if !a_null && !b_null {
                true
            } else if a_null && !b_null {
                merged_into.get(&first).into_iter().flatten().any(|&o| {
                    c.get(o)
                        .ok()
                        .is_some_and(|v| !v.is_null() && Some(&v) != b.as_ref())
                })
            } else {
                false
            };
            if conflict {
                return Err(Error::DuplicateKey {
                    table: table.name().into(),
                    key: format!("{}; column {}", describe_key(&key), c.name()),
                    first: Box::new(position_of(frame, files, first, None)),
                    second: Box::new(position_of(frame, files, i, None)),
                });
            }
        }
        keep.push(false);
        if identical {
            dropped += 1;
            let at = position_of(frame, files, i, None);
            quality.push(QualityNote::at(
                table.name(),
                at,
                Issue::DuplicateOf {
                    first: position_of(frame, files, first, None),
                    key: describe_key(&key),
                },
                Action::DroppedIdentical,
                1,
            ));
        } else {
            merged_into.entry(first).or_default().push(i);
            let a = position_of(frame, files, first, None).file;
            let b = position_of(frame, files, i, None).file;
            let entry = merge_notes
                .entry((a.display().to_string(), b.display().to_string()))
                .or_insert((i, 0));
            entry.1 += 1;
        }
    }
    for ((a, b), (first_row, count)) in merge_notes {
        let at = position_of(frame, files, first_row, None);
        quality.push(QualityNote {
            table: table.name().into(),
            file: b.clone(),
            sheet: None,
            row: at.row,
            column: None,
            issue: Issue::SameKeyAs {
                file: a.clone(),
                count,
            },
            action: Action::MergedIntoOneRow,
            rows: count,
        });
    }
    if dropped == 0 && merged_into.is_empty() {
        return Ok(None);
    }
    Ok(Some((keep, merged_into)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_their_own_days_hold_no_repeated_key() {
        // (file, employee, day) rows, stacked in this order.
        let check = |rows: &[(u32, &str, i32)]| {
            let frame = df!(
                "employee_id" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                "date" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                "_file" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )
            .unwrap()
            .lazy()
            .with_column(col("date").cast(DataType::Date))
            .collect()
            .unwrap();
            let keys = [
                frame.column("employee_id").unwrap(),
                frame.column("date").unwrap(),
            ];
            files_apart(&frame, &keys)
        };
        // A month a file, each sorted by employee and day: no repeat possible.
        let january = [(0, "E1", 1), (0, "E1", 2), (0, "E2", 1)];
        let february = [(1, "E1", 32), (1, "E2", 31), (1, "E2", 32)];
        assert!(check(&[&january[..], &february[..]].concat()));
        assert!(
            check(&[&february[..], &january[..]].concat()),
            "files in any order"
        );
        // Days that overlap between files: a repeat is possible, so unsure.
        let overlapping = [(1, "E3", 2), (1, "E3", 40)];
        assert!(!check(&[&january[..], &overlapping[..]].concat()));
        let repeated = [(1, "E1", 2)];
        assert!(
            !check(&[&january[..], &repeated[..]].concat()),
            "the same day in two files"
        );
        // A file whose keys do not rise: unsure.
        let unsorted = [(1, "E2", 31), (1, "E1", 32)];
        assert!(!check(&[&january[..], &unsorted[..]].concat()));
        assert!(!check(&january), "one file: keys_rise decides");
    }
}
