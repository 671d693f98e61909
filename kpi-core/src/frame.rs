//! Column helpers over polars frames, shared by the engines.

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{During, Result};

/// Whether two rows of chunk `k` of a text column hold one value (both
/// missing included), compared by their 16-byte Arrow views: a text of 12
/// bytes or less is held in its view whole, a longer one is compared only
/// when its length and first bytes match.
pub fn same_text(values: &StringChunked, k: usize) -> impl Fn(usize, usize) -> bool + '_ {
    let array = values.downcast_get(k).expect("a chunk of the column");
    let validity = values.chunks()[k].validity();
    let valid = move |i: usize| validity.is_none_or(|v| v.get_bit(i));
    move |i, j| match (valid(i), valid(j)) {
        (true, true) => {
            let (a, b) = (array.views()[i], array.views()[j]);
            a.as_u128() == b.as_u128()
                || (!a.is_inline()
                    && a.length == b.length
                    && a.prefix == b.prefix
                    && array.value(i) == array.value(j))
        }
        (a, b) => a == b,
    }
}

/// Whether every row's key is greater than the row's before (so no key
/// repeats), for text, date and integer keys; `false` when unsure.
pub fn keys_rise(columns: &[&Column]) -> bool {
    enum Key {
        Text(StringChunked),
        Day(Int32Chunked),
        Int(Int64Chunked),
    }
    /// One slice of a key column, for comparing neighbours.
    enum Values<'a> {
        Text(Vec<Option<&'a str>>),
        Day(Vec<Option<i32>>),
        Int(Vec<Option<i64>>),
    }
    let keys: Option<Vec<Key>> = columns
        .iter()
        .map(|c| match c.dtype() {
            DataType::String => Some(Key::Text(c.str().ok()?.clone())),
            DataType::Date => c.date().ok().map(|d| Key::Day(d.physical().clone())),
            d if d.is_integer() => c
                .cast(&DataType::Int64)
                .ok()
                .and_then(|d| d.i64().ok().map(|d| Key::Int(d.clone()))),
            _ => None,
        })
        .collect();
    let Some(keys) = keys else {
        return false;
    };
    let n = columns[0].len();
    // Slices small enough that their values stay in cache.
    const SLICE_ROWS: usize = 1 << 16;
    // Each slice starts one row early, to compare with the row before it.
    (1..n)
        .step_by(SLICE_ROWS)
        .collect::<Vec<_>>()
        .into_par_iter()
        .all(|from| {
            let to = (from + SLICE_ROWS).min(n);
            let (start, len) = (from as i64 - 1, to - from + 1);
            let sliced: Vec<Key> = keys
                .iter()
                .map(|k| match k {
                    Key::Text(t) => Key::Text(t.slice(start, len)),
                    Key::Day(v) => Key::Day(v.slice(start, len)),
                    Key::Int(v) => Key::Int(v.slice(start, len)),
                })
                .collect();
            let values: Vec<Values<'_>> = sliced
                .iter()
                .map(|k| match k {
                    Key::Text(t) => Values::Text(t.iter().collect()),
                    Key::Day(v) => Values::Day(v.iter().collect()),
                    Key::Int(v) => Values::Int(v.iter().collect()),
                })
                .collect();
            (1..=to - from).all(|i| {
                for v in &values {
                    let o = match v {
                        Values::Text(t) => t[i - 1].cmp(&t[i]),
                        Values::Day(t) => t[i - 1].cmp(&t[i]),
                        Values::Int(t) => t[i - 1].cmp(&t[i]),
                    };
                    if o != std::cmp::Ordering::Equal {
                        return o.is_lt();
                    }
                }
                false
            })
        })
}

/// Whether two frames hold the same values in the text columns `keys`,
/// row by row.
pub(crate) fn same_keys(a: &DataFrame, b: &DataFrame, keys: &[&str]) -> bool {
    a.height() == b.height()
        && keys
            .iter()
            .all(|k| match (str_column(a, k), str_column(b, k)) {
                (Ok(a), Ok(b)) => a.iter().zip(b.iter()).all(|(x, y)| x == y),
                _ => false,
            })
}

/// The values of a text column, owned (an error naming the column when it
/// is absent or not text).
pub fn str_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let column = str_column(frame, name)?;
    Ok(column.iter().map(|v| v.map(str::to_string)).collect())
}

/// A text column, to borrow its values from (an error naming the column
/// when it is absent or not text).
pub(crate) fn str_column(frame: &DataFrame, name: &str) -> Result<StringChunked> {
    frame
        .column(name)
        .and_then(|c| c.str().cloned())
        .during(|| format!("reading text column `{name}`"))
}

/// The values of a numeric column as f64 (an error naming the column).
pub(crate) fn f64_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(f64_column(frame, name)?.iter().collect())
}

/// A numeric column as f64, in one chunk (an error naming the column).
pub(crate) fn f64_column(frame: &DataFrame, name: &str) -> Result<Float64Chunked> {
    let column = frame
        .column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .during(|| format!("reading number column `{name}`"))?;
    let values = column
        .f64()
        .during(|| format!("reading number column `{name}`"))?;
    Ok(values.rechunk().into_owned())
}

/// `values / by`, each quotient correctly rounded: polars divides a column
/// by a number as a product with the number's reciprocal (`73561400 / 1000`
/// comes out `73561.40000000001`), so here it divides by a column of `by`.
pub(crate) fn quotient(values: &Column, by: f64) -> PolarsResult<Column> {
    let values = values.cast(&DataType::Float64)?;
    let by = Series::new(values.name().clone(), vec![by; values.len()]);
    Ok((values.as_materialized_series() / &by)?.into())
}

/// A frame column of one value per row.
pub(crate) fn column<'a, R, T>(name: &str, rows: &'a [R], f: impl Fn(&'a R) -> T) -> Column
where
    polars::prelude::Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), rows.iter().map(f).collect::<Vec<T>>())
}

/// Where a result row belongs: its period, employee, store, team and role.
pub(crate) type Key<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, &'a str);

/// The five text columns that lead every per-employee result table:
/// `period, employee_id, store_id, team_id, role`.
pub(crate) fn key_columns<'a, R: Sync>(
    rows: &'a [R],
    key: impl Fn(&'a R) -> Key<'a> + Sync,
) -> Vec<Column> {
    in_parallel(vec![
        Box::new(|| column("period", rows, |r| key(r).0)),
        Box::new(|| column("employee_id", rows, |r| key(r).1)),
        Box::new(|| column("store_id", rows, |r| key(r).2)),
        Box::new(|| column("team_id", rows, |r| key(r).3)),
        Box::new(|| column("role", rows, |r| key(r).4)),
    ])
}

/// Builds a column.
pub(crate) type MakeColumn<'a> = Box<dyn Fn() -> Column + Send + Sync + 'a>;

/// The columns `makers` build, on every core, in their order.
pub(crate) fn in_parallel(makers: Vec<MakeColumn<'_>>) -> Vec<Column> {
    makers.par_iter().map(|make| make()).collect()
}

/// The names of a frame's columns, in order.
pub(crate) fn column_names(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn keys_rise_only_when_every_key_is_above_the_one_before() {
        let check = |ids: &[&str], days: &[i32]| {
            let ids = Column::new("employee_id".into(), ids);
            let days = Int32Chunked::from_slice("date".into(), days)
                .into_date()
                .into_column();
            keys_rise(&[&ids, &days])
        };
        assert!(check(&["E1", "E1", "E2"], &[1, 2, 1]));
        assert!(!check(&["E1", "E1", "E2"], &[1, 1, 1]), "a repeated key");
        assert!(!check(&["E2", "E1"], &[1, 2]), "not sorted: unsure");
        let many: Vec<String> = (0..200_000).map(|i| format!("E{i:06}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut days = vec![1; 200_000];
        assert!(check(&many, &days));
        let mut repeated = many.clone();
        repeated[125_001] = repeated[125_000];
        assert!(!check(&repeated, &days), "a repeat across a slice");
        days[7] = 0;
        assert!(check(&many, &days));
    }

    #[test]
    fn a_missing_or_mistyped_column_is_named() {
        let frame = df!("employee_id" => [1i64, 2]).unwrap();
        let Err(Error::Frame { what, .. }) = str_values(&frame, "employee_id") else {
            panic!("an integer column read as text must fail");
        };
        assert_eq!(what, "reading text column `employee_id`");
        let Err(Error::Frame { what, .. }) = f64_values(&frame, "coefficient") else {
            panic!("an absent column must fail");
        };
        assert_eq!(what, "reading number column `coefficient`");
    }
}
