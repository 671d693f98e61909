//! Stage 3, the fast path: typing a tidy file a whole column at a time.
//!
//! A Parquet file keeps its types (integers checked to be whole, in range
//! and of the right sign, money floats turned into exact cents when they
//! have at most two decimals, dates as dates); a CSV column of plain values
//! (`123`, `-45.60`, `2025-01-05`, `2025-01`) is parsed without a detour
//! through cells. A column where one value is anything else (`1.2万`,
//! `8分48秒`, `-`, `35%`, a negative count, a fraction of a cent, …) goes
//! through the careful path of [`coerce`](super::coerce) as text, so its
//! errors and notes are exactly those of the careful path; a file whose
//! rows need a look (a blank row, a summary row, a header naming one column
//! twice, no date column) is read by the careful path whole.

use super::*;

/// A cell's column in a tidy file: its header and its values (text for
/// CSV, the file's own types for Parquet).
pub(super) struct RawColumns<'a> {
    pub(super) headers: &'a [String],
    pub(super) columns: Vec<Column>,
    /// 1-based row number of the first data row.
    pub(super) first_row: usize,
    /// The CSV file the columns were parsed from with types: the careful
    /// path reads a column's cells from it as written.
    pub(super) csv: Option<&'a grid::CsvBody>,
}

/// Exact integers of a float: within ±2^53.
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

/// The typed rows of `raw`, or `None` when the file needs the careful path
/// as a whole.
pub(super) fn type_columns(
    table: Table,
    path: &Path,
    raw: &RawColumns<'_>,
    file_index: u32,
) -> Result<Option<FilePart>> {
    let ctx = Ctx {
        table,
        path,
        sheet: None,
    };
    let height = raw.columns.first().map_or(0, Column::len);
    let mut specs: Vec<(usize, &'static kpi_core::ColumnSpec)> = Vec::new();
    let mut extras: Vec<(usize, String)> = Vec::new();
    for (j, header) in raw.headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        match canonical_column(table, header) {
            Some(name) if specs.iter().any(|(_, s)| s.name == name) => return Ok(None),
            Some(name) => specs.push((j, table.column(name).expect("canonical"))),
            None => extras.push((j, header.trim().to_string())),
        }
    }
    let has = |name: &str| specs.iter().any(|(_, s)| s.name == name);
    if table.is_dated() && !has("date") && !has("period") {
        return Ok(None);
    }
    // Summary rows are found by a label in one of the first three cells.
    let labelled = raw.columns.iter().take(3).any(|c| {
        c.str()
            .is_ok_and(|s| !all_values(s, |v| v.is_none_or(|v| !is_summary_label(v))))
    });
    // A blank row is empty in every column used: none is when one column is full.
    let full = specs.iter().any(|(j, _)| {
        let c = &raw.columns[*j];
        c.null_count() == 0
            && c.str().map_or(true, |s| {
                all_values(s, |v| v.is_some_and(|v| !v.trim().is_empty()))
            })
    });
    if labelled || (height > 0 && !full) {
        return Ok(None);
    }
    let typed: Vec<Result<(Column, Vec<QualityNote>)>> = specs
        .par_iter()
        .map(|&(j, spec)| {
            let column = &raw.columns[j];
            match fast_column(spec, column) {
                Some(c) => Ok((c.with_name(spec.name.into()), Vec::new())),
                None => careful_column(&ctx, raw, j, spec, height),
            }
        })
        .collect();
    let mut notes = Vec::new();
    let mut columns = Vec::with_capacity(specs.len() + extras.len() + 3);
    for t in typed {
        let (column, column_notes) = t?;
        columns.push(column);
        notes.extend(column_notes);
    }
    for (j, name) in &extras {
        if table.column(name).is_some() || columns.iter().any(|c| c.name() == name) {
            continue;
        }
        columns.push(careful(raw, *j, path, height, |view, rows| {
            Ok(extra_column(view, 0, name, rows))
        })?);
    }
    let find = |columns: &[Column], name: &str| columns.iter().position(|c| c.name() == name);
    if table.is_dated() {
        match (find(&columns, "date"), find(&columns, "period")) {
            (Some(_), Some(_)) => check_date_in_period(&ctx, &columns, |k| raw.first_row + k)?,
            (Some(d), None) => {
                let dates = columns[d]
                    .date()
                    .map_err(|e| Error::polars("date column", e))?;
                columns.push(periods_of(dates).into_column());
            }
            _ => {}
        }
    }
    columns.push(Column::new("_file".into(), vec![file_index; height]));
    let first = raw.first_row as u32;
    columns.push(Column::new(
        "_row".into(),
        (first..first + height as u32).collect::<Vec<u32>>(),
    ));
    let frame = DataFrame::new(height, columns)
        .map_err(|e| Error::polars(format!("{}: building `{table}`", path.display()), e))?;
    let frame = require_keys(&ctx, frame)?;
    Ok(Some(FilePart {
        frame,
        notes,
        rows_read: height,
    }))
}

/// One column as text, for the careful path (numbers in their shortest
/// form, dates in ISO form).
fn text_grid(raw: &RawColumns<'_>, j: usize, path: &Path) -> Result<Grid> {
    let column = &raw.columns[j];
    if let Some(csv) = raw.csv
        && column.dtype() != &DataType::String
    {
        return Ok(Grid::Csv {
            header: vec![raw.headers[j].clone()],
            columns: vec![csv.text_of(path, j)?],
            first_row: raw.first_row,
        });
    }
    let text = match column.dtype() {
        DataType::String => column.clone(),
        _ => column
            .cast(&DataType::String)
            .map_err(|e| Error::polars(raw.headers[j].clone(), e))?,
    };
    let text = text
        .str()
        .map_err(|e| Error::polars(raw.headers[j].clone(), e))?
        .rechunk()
        .into_owned();
    Ok(Grid::Csv {
        header: vec![raw.headers[j].clone()],
        columns: vec![text],
        first_row: raw.first_row,
    })
}

/// The careful path for one column: cell by cell, with its notes.
fn careful_column(
    ctx: &Ctx<'_>,
    raw: &RawColumns<'_>,
    j: usize,
    spec: &kpi_core::ColumnSpec,
    height: usize,
) -> Result<(Column, Vec<QualityNote>)> {
    careful(raw, j, ctx.path, height, |view, rows| {
        let mut notes = Vec::new();
        let column = type_column(ctx, view, 0, &raw.headers[j], spec, rows, &mut notes)?;
        Ok((column, notes))
    })
}

/// `work` over column `j` as a one-column text grid, with every row.
fn careful<T>(
    raw: &RawColumns<'_>,
    j: usize,
    path: &Path,
    height: usize,
    work: impl FnOnce(&grid::Table<'_>, &[usize]) -> Result<T>,
) -> Result<T> {
    let grid = text_grid(raw, j, path)?;
    let rows: Vec<usize> = (0..height).collect();
    work(&grid::Table::new(&grid, 0), &rows)
}

/// Whether `test` holds for every value, in slices on every core.
fn all_values(values: &StringChunked, test: impl Fn(Option<&str>) -> bool + Sync) -> bool {
    chunk_slices(values).into_par_iter().all(
        |TextSlice {
             chunk, from, len, ..
         }| {
            let array = values.downcast_get(chunk).expect("a chunk of the column");
            // A value like the one before it (a sorted table's ids) is not
            // tested again.
            let same = kpi_core::same_text(values, chunk);
            (from..from + len).all(|i| (i > from && same(i - 1, i)) || test(array.get(i)))
        },
    )
}

/// A piece of a text column for one core: rows `from..from + len` of
/// chunk `chunk`, whose first row is row `start` of the column.
pub(super) struct TextSlice {
    pub(super) start: usize,
    pub(super) chunk: usize,
    pub(super) from: usize,
    pub(super) len: usize,
}

/// A text column cut into [`slices`] chunk by chunk.
pub(super) fn chunk_slices(values: &StringChunked) -> Vec<TextSlice> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (chunk, array) in values.downcast_iter().enumerate() {
        for (from, len) in slices(array.len()) {
            pieces.push(TextSlice {
                start: start + from,
                chunk,
                from,
                len,
            });
        }
        start += array.len();
    }
    pieces
}

/// Offsets and lengths cutting `n` rows into pieces for the cores.
pub(super) fn slices(n: usize) -> Vec<(usize, usize)> {
    let pieces = (rayon::current_num_threads() * 4).max(1);
    let size = n.div_ceil(pieces).max(65_536);
    (0..n)
        .step_by(size)
        .map(|offset| (offset, size.min(n - offset)))
        .collect()
}

/// Maps the values of a text column in parallel slices; `None` as soon as
/// one value is refused (`Err`), the column then going the careful way.
fn map_text<T: Send>(
    values: &StringChunked,
    parse: impl Fn(&str) -> std::result::Result<Option<T>, ()> + Sync,
) -> Option<Vec<Option<T>>> {
    let parts: Option<Vec<Vec<Option<T>>>> = slices(values.len())
        .into_par_iter()
        .map(|(offset, len)| {
            values
                .slice(offset as i64, len)
                .iter()
                .map(|v| match v {
                    None => Ok(None),
                    Some(v) => parse(v),
                })
                .collect::<std::result::Result<Vec<_>, ()>>()
                .ok()
        })
        .collect();
    Some(parts?.into_iter().flatten().collect())
}

/// The typed column, when every value is plain; `None` sends the column to
/// the careful path.
fn fast_column(spec: &kpi_core::ColumnSpec, column: &Column) -> Option<Column> {
    let dtype = column.dtype();
    match spec.kind {
        ColumnKind::Id | ColumnKind::Text => {
            let values = column.str().ok()?;
            let id = spec.kind == ColumnKind::Id;
            all_values(values, |v| {
                v.is_none_or(|v| {
                    v.trim().len() == v.len()
                        && !v.is_empty()
                        && !(id && crate::parse::is_placeholder(v))
                })
            })
            .then(|| column.clone())
        }
        ColumnKind::Count if dtype.is_integer() => {
            let counts = column.strict_cast(&DataType::Int64).ok()?;
            let negative = counts.i64().ok()?.min().is_some_and(|m| m < 0);
            (!negative).then_some(counts)
        }
        ColumnKind::Count if dtype == &DataType::String => {
            let values = map_text(column.str().ok()?, |v| match v.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(Some(n)),
                _ => Err(()),
            })?;
            Some(Column::new(spec.name.into(), values))
        }
        ColumnKind::Money if dtype.is_integer() => {
            let yuan = column.strict_cast(&DataType::Int64).ok()?;
            let yuan = yuan.i64().ok()?;
            let cents: Option<Vec<Option<i64>>> = yuan
                .iter()
                .map(|v| match v {
                    None => Some(None),
                    Some(v) => v.checked_mul(100).map(Some),
                })
                .collect();
            Some(Column::new(spec.name.into(), cents?))
        }
        ColumnKind::Money if dtype.is_float() => {
            let yuan = column.cast(&DataType::Float64).ok()?;
            let cents = map_floats(yuan.f64().ok()?, float_cents)?;
            Some(cents.with_name(spec.name.into()).into_column())
        }
        ColumnKind::Money if dtype == &DataType::String => {
            let values = map_text(column.str().ok()?, |v| plain_cents(v).map(Some).ok_or(()))?;
            Some(Column::new(spec.name.into(), values))
        }
        ColumnKind::Seconds | ColumnKind::Hours if dtype.is_integer() => {
            // Whole seconds or hours: thousandths exactly, within ±2^53.
            let whole = column.strict_cast(&DataType::Int64).ok()?;
            let whole = whole.i64().ok()?;
            let limit = EXACT_F64 as i64 / spec.kind.scale();
            let plain =
                whole.min().is_none_or(|m| m >= 0) && whole.max().is_none_or(|m| m <= limit);
            plain.then(|| (whole * spec.kind.scale()).into_column())
        }
        ColumnKind::Seconds | ColumnKind::Hours | ColumnKind::Number => {
            let floats: Vec<Option<f64>> = if dtype == &DataType::String {
                map_text(column.str().ok()?, |v| {
                    v.parse::<f64>().map(Some).map_err(|_| ())
                })?
            } else if dtype.is_primitive_numeric() {
                column
                    .cast(&DataType::Float64)
                    .ok()?
                    .f64()
                    .ok()?
                    .iter()
                    .collect()
            } else {
                return None;
            };
            let plain = |x: &f64| x.is_finite() && !(spec.kind.non_negative() && *x < 0.0);
            if !floats.iter().flatten().all(plain) {
                return None;
            }
            match spec.kind.scale() {
                1 => Some(Column::new(spec.name.into(), floats)),
                scale => {
                    let units: Option<Vec<Option<i64>>> = floats
                        .iter()
                        .map(|v| match v {
                            None => Some(None),
                            Some(x) => {
                                let units = (x * scale as f64).round();
                                (units.abs() <= EXACT_F64).then_some(Some(units as i64))
                            }
                        })
                        .collect();
                    Some(Column::new(spec.name.into(), units?))
                }
            }
        }
        ColumnKind::Date if dtype == &DataType::Date => Some(column.clone()),
        ColumnKind::Date if dtype == &DataType::String => {
            let days = map_text(column.str().ok()?, |v| {
                if v.trim().is_empty() {
                    return Ok(None);
                }
                crate::parse::parse_date(Cell::Text(v)).map_err(|_| ())
            })?;
            Some(
                Int32Chunked::from_iter_options(spec.name.into(), days.into_iter())
                    .into_date()
                    .into_column(),
            )
        }
        ColumnKind::Period if dtype == &DataType::String => {
            all_values(column.str().ok()?, |v| v.is_none_or(is_plain_month)).then(|| column.clone())
        }
        _ => None,
    }
}

/// `convert` applied to every value in parallel slices; `None` as soon as
/// one value is refused.
fn map_floats(
    values: &Float64Chunked,
    convert: impl Fn(f64) -> Option<i64> + Sync,
) -> Option<Int64Chunked> {
    let parts: Option<Vec<Int64Chunked>> = slices(values.len())
        .into_par_iter()
        .map(|(offset, len)| {
            let slice = values.slice(offset as i64, len);
            if slice.null_count() == 0 {
                let mut out = Vec::with_capacity(len);
                for array in slice.downcast_iter() {
                    for &x in array.values().iter() {
                        out.push(convert(x)?);
                    }
                }
                Some(Int64Chunked::from_vec("".into(), out))
            } else {
                slice
                    .iter()
                    .map(|v| match v {
                        None => Some(None),
                        Some(x) => convert(x).map(Some),
                    })
                    .collect::<Option<Vec<Option<i64>>>>()
                    .map(|v| Int64Chunked::from_iter_options("".into(), v.into_iter()))
            }
        })
        .collect();
    let mut out = Int64Chunked::full_null("".into(), 0);
    for part in parts? {
        out.append(&part).expect("same type");
    }
    Some(out)
}

/// Cents of a float with at most two decimals (its shortest form, as a
/// spreadsheet shows it).
fn float_cents(x: f64) -> Option<i64> {
    kpi_core::in_units_of(x, 2)
}

/// Cents of a plain decimal: `-12`, `12.3`, `12.34` (no sign but `-`, no
/// separators, at most two decimals).
fn plain_cents(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.len() <= 2 => (w, f),
        Some(_) => return None,
        None => (digits, ""),
    };
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    let cents = whole.checked_mul(100)?.checked_add(fraction)?;
    Some(if negative { -cents } else { cents })
}

/// `2025-01`: four digits, a dash, a month 01 to 12.
fn is_plain_month(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!((b[5], b[6]), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))
}

/// The `period` (`2025-01`) of each date: per slice of rows, a table from
/// each day of the slice's range to its month, whose text each row takes.
pub(super) fn periods_of(dates: &DateChunked) -> StringChunked {
    let days = dates.physical();
    let parts: Vec<StringChunked> = slices(days.len())
        .into_par_iter()
        .map(|(offset, len)| {
            let slice = days.slice(offset as i64, len);
            let (Some(first), Some(last)) = (slice.min(), slice.max()) else {
                return StringChunked::full_null("period".into(), len);
            };
            let mut texts: Vec<String> = Vec::new();
            let mut month_of_day: Vec<u32> = Vec::with_capacity((last - first + 1) as usize);
            let mut month = Month::of_days(first);
            texts.push(month.to_string());
            for day in first..=last {
                let m = Month::of_days(day);
                if m != month {
                    month = m;
                    texts.push(m.to_string());
                }
                month_of_day.push(texts.len() as u32 - 1);
            }
            // Each row's month gathered from the months' texts.
            let months = StringChunked::from_iter_values("period".into(), texts.iter());
            let index: IdxCa = slice
                .iter()
                .map(|d| d.map(|d| month_of_day[(d - first) as usize] as IdxSize))
                .collect();
            months.take(&index).expect("months of the slice's days")
        })
        .collect();
    let mut out = StringChunked::full_null("period".into(), 0);
    for part in parts {
        out.append(&part).expect("same type");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The careful path's result for the grid: the typed frame and notes,
    /// or the error's text.
    fn careful(grid: &Grid) -> std::result::Result<(DataFrame, Vec<QualityNote>), String> {
        let view = grid::Table::new(grid, 0);
        let mut notes = Vec::new();
        let path = Path::new("employee_daily.csv");
        type_rows(Table::EmployeeDaily, path, None, &view, 0, &mut notes, None)
            .map(|frame| (frame, notes))
            .map_err(|e| e.to_string())
    }

    /// The fast path's result for the same columns (`None`: it handed the
    /// file to the careful path).
    fn fast(
        headers: &[String],
        columns: Vec<Column>,
        first_row: usize,
    ) -> Option<std::result::Result<(DataFrame, Vec<QualityNote>), String>> {
        let raw = RawColumns {
            headers,
            columns,
            first_row,
            csv: None,
        };
        match type_columns(
            Table::EmployeeDaily,
            Path::new("employee_daily.csv"),
            &raw,
            0,
        ) {
            Ok(None) => None,
            Ok(Some(part)) => Some(Ok((part.frame, part.notes))),
            Err(e) => Some(Err(e.to_string())),
        }
    }

    fn same(
        fast: std::result::Result<(DataFrame, Vec<QualityNote>), String>,
        careful: std::result::Result<(DataFrame, Vec<QualityNote>), String>,
    ) -> std::result::Result<(), TestCaseError> {
        match (fast, careful) {
            (Ok((a, notes_a)), Ok((b, notes_b))) => {
                prop_assert_eq!(a.schema(), b.schema());
                prop_assert!(
                    a.equals_missing(&b),
                    "fast\n{}\ncareful\n{}",
                    show(&a),
                    show(&b)
                );
                prop_assert_eq!(notes_a, notes_b);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(
                false,
                "fast {:?}\ncareful {:?}",
                a.map(|x| x.0),
                b.map(|x| x.0)
            ),
        }
        Ok(())
    }

    /// A frame's values, column by column.
    fn show(frame: &DataFrame) -> String {
        frame
            .columns()
            .iter()
            .map(|c| {
                let values: Vec<String> = (0..c.len())
                    .map(|i| format!("{:?}", c.get(i).unwrap()))
                    .collect();
                format!("{}: {}", c.name(), values.join(", "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A cell of each column: mostly plain, sometimes messy.
    fn cells() -> impl Strategy<Value = Vec<String>> {
        let id = prop_oneof![8 => "E[1-4]", 1 => Just(" E2".to_string()), 1 => Just("-".to_string()), 1 => Just(String::new())];
        let date = prop_oneof![8 => "2025-0[12]-0[1-9]", 1 => Just("2025/1/5".to_string()), 1 => Just(String::new()), 1 => Just("x".to_string())];
        let period = prop_oneof![6 => Just("2025-01".to_string()), 2 => Just("2025-02".to_string()), 1 => Just("2025-1".to_string()), 1 => Just(String::new())];
        let count = prop_oneof![8 => "[0-9]{1,4}", 1 => Just("-3".to_string()), 1 => Just("1.5".to_string()), 1 => Just("1,234".to_string()), 1 => Just("1e2".to_string()), 1 => Just(String::new())];
        let money = prop_oneof![8 => "-?[0-9]{1,6}(\\.[0-9]{1,2})?", 1 => Just("12.345".to_string()), 1 => Just("¥12".to_string()), 1 => Just("1.2万".to_string()), 1 => Just(String::new())];
        let seconds = prop_oneof![8 => "[0-9]{1,3}(\\.[0-9])?", 1 => Just("8分48秒".to_string()), 1 => Just("-2".to_string()), 1 => Just("inf".to_string()), 1 => Just(String::new())];
        let note = prop_oneof![
            Just("ok".to_string()),
            Just("12".to_string()),
            Just(String::new()),
            Just("合计".to_string())
        ];
        (id, date, period, count, money, seconds, note)
            .prop_map(|(a, b, c, d, e, f, g)| vec![a, b, c, d, e, f, g])
    }

    const HEADERS: [&str; 7] = [
        "employee_id",
        "date",
        "period",
        "inquiries",
        "cs_sales",
        "response_seconds",
        "note",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// On CSV text, the fast path gives what the careful path gives:
        /// the same frame, notes and errors (or hands the file over).
        #[test]
        fn fast_csv_typing_is_the_careful_typing(
            rows in prop::collection::vec(cells(), 0..12),
            with_period in any::<bool>(),
        ) {
            let used: Vec<usize> = (0..HEADERS.len()).filter(|&j| with_period || j != 2).collect();
            let headers: Vec<String> = used.iter().map(|&j| HEADERS[j].to_string()).collect();
            let columns: Vec<StringChunked> = used
                .iter()
                .map(|&j| {
                    StringChunked::from_iter_options(
                        HEADERS[j].into(),
                        rows.iter().map(|r| (!r[j].is_empty()).then_some(r[j].as_str())),
                    )
                })
                .collect();
            let grid = Grid::Csv { header: headers.clone(), columns: columns.clone(), first_row: 2 };
            if let Some(fast) = fast(&headers, columns.into_iter().map(|c| c.into_column()).collect(), 2) {
                same(fast, careful(&grid))?;
            }
            // The same rows as a CSV file, parsed with the reader's types.
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("employee_daily.csv");
            let mut text = headers.join(",") + "\n";
            for r in &rows {
                let fields: Vec<String> = used.iter().map(|&j| format!("\"{}\"", r[j])).collect();
                text += &(fields.join(",") + "\n");
            }
            std::fs::write(&path, text).unwrap();
            let body = grid::csv_body(&path, &|_| true).unwrap();
            let dtypes = headers
                .iter()
                .map(|h| match h.as_str() {
                    "inquiries" => DataType::Int64,
                    "response_seconds" => DataType::Float64,
                    _ => DataType::String,
                })
                .collect();
            let careful_result = careful(&body.strings(&path).unwrap());
            if let Some(columns) = body.typed(&path, dtypes) {
                let raw = RawColumns { headers: &headers, columns, first_row: 2, csv: Some(&body) };
                let fast = match type_columns(Table::EmployeeDaily, Path::new("employee_daily.csv"), &raw, 0) {
                    Ok(None) => None,
                    Ok(Some(part)) => Some(Ok((part.frame, part.notes))),
                    Err(e) => Some(Err(e.to_string())),
                };
                if let Some(fast) = fast {
                    same(fast, careful_result)?;
                }
            }
        }

        /// On typed Parquet columns (integers, floats of any decimals,
        /// dates), the fast path gives what the careful path gives on the
        /// columns as text.
        #[test]
        fn fast_typed_columns_are_the_careful_typing(
            rows in prop::collection::vec(
                ("E[1-3]", 20_089i32..20_150, prop_oneof![0i64..500, -5i64..0], prop_oneof![
                    (-100_000i64..100_000).prop_map(|c| c as f64 / 100.0),
                    (-1_000_000i64..1_000_000).prop_map(|m| m as f64 / 1000.0),
                    Just(f64::NAN),
                ], 0i64..1000),
                0..12,
            ),
        ) {
            let frame = df!(
                "employee_id" => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
                "date" => Int32Chunked::from_vec("date".into(), rows.iter().map(|r| r.1).collect())
                    .into_date()
                    .into_series(),
                "inquiries" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                "cs_sales" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
                "response_seconds" => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            )
            .unwrap();
            let headers: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
            let fast = fast(&headers, frame.columns().to_vec(), 1);
            let grid = grid::text_grid(Path::new("employee_daily.parquet"), frame).unwrap();
            if let Some(fast) = fast {
                same(fast, careful(&grid))?;
            }
        }
    }

    fn text_columns(rows: &[[&str; 4]]) -> (Vec<String>, Vec<Column>) {
        let headers = ["employee_id", "date", "inquiries", "response_seconds"];
        let columns = (0..4)
            .map(|j| {
                StringChunked::from_iter_options(
                    headers[j].into(),
                    rows.iter().map(|r| (!r[j].is_empty()).then_some(r[j])),
                )
                .into_column()
            })
            .collect();
        (headers.map(String::from).to_vec(), columns)
    }

    #[test]
    fn tidy_files_take_the_fast_path_and_messy_columns_the_careful_one() {
        let (headers, columns) = text_columns(&[
            ["E1", "2025-01-01", "10", "32"],
            ["E1", "2025-01-02", "-3", "8分48秒"],
        ]);
        let (frame, notes) = fast(&headers, columns, 2).expect("fast path").unwrap();
        let inquiries: Vec<Option<i64>> = frame
            .column("inquiries")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(inquiries, [Some(10), None]);
        let seconds: Vec<Option<i64>> = frame
            .column("response_seconds")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(seconds, [Some(32_000), Some(528_000)]);
        assert!(matches!(
            notes[..],
            [QualityNote {
                issue: Issue::NegativeCount { value: -3 },
                row: Some(3),
                ..
            }]
        ));
        // A blank row or a summary row: the file goes the careful way whole.
        for rows in [
            [["E1", "2025-01-01", "10", "32"], ["", "", "", ""]],
            [["E1", "2025-01-01", "10", "32"], ["合计", "", "10", ""]],
        ] {
            let (headers, columns) = text_columns(&rows);
            assert!(fast(&headers, columns, 2).is_none());
        }
    }

    #[test]
    fn plain_cents_are_exact_and_refuse_anything_else() {
        assert_eq!(plain_cents("12"), Some(1200));
        assert_eq!(plain_cents("12.3"), Some(1230));
        assert_eq!(plain_cents("-12.34"), Some(-1234));
        assert_eq!(plain_cents("0.05"), Some(5));
        for messy in [
            "12.345", "1e3", "+5", "1,234", " 12", "12.", ".5", "", "-", "¥12",
        ] {
            assert_eq!(plain_cents(messy), None, "{messy}");
        }
        assert_eq!(plain_cents("92233720368547758.07"), Some(i64::MAX));
        assert_eq!(plain_cents("92233720368547758.08"), None);
    }

    #[test]
    fn float_cents_only_for_two_decimals() {
        assert_eq!(float_cents(1525.94), Some(152_594));
        assert_eq!(float_cents(0.1 + 0.2), None); // 0.30000000000000004
        assert_eq!(float_cents(-0.07), Some(-7));
        assert_eq!(float_cents(12.345), None);
        assert_eq!(float_cents(f64::NAN), None);
        assert_eq!(float_cents(1e20), None);
    }

    #[test]
    fn plain_months() {
        assert!(is_plain_month("2025-01"));
        assert!(is_plain_month("2025-12"));
        for messy in [
            "2025-13", "2025-00", "2025-1", "2025/01", "202501", "2025-01 ",
        ] {
            assert!(!is_plain_month(messy), "{messy}");
        }
    }

    #[test]
    fn periods_follow_month_ends() {
        // 2024-02-28, 2024-02-29, 2024-03-01, then back to 2024-02-29.
        let days = [19_781, 19_782, 19_783, 19_782];
        let dates = Int32Chunked::from_slice("date".into(), &days).into_date();
        let periods = periods_of(&dates);
        let periods: Vec<Option<&str>> = periods.iter().collect();
        assert_eq!(
            periods,
            [
                Some("2024-02"),
                Some("2024-02"),
                Some("2024-03"),
                Some("2024-02")
            ]
        );
    }
}
