//! Column helpers over polars frames, shared by the engines.

use polars::prelude::*;

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

/// Whether the pairs of two text columns' values rise strictly row by row
/// (so no pair repeats); `false` when a value is missing.
pub(crate) fn pairs_rise(first: &StringChunked, second: &StringChunked) -> bool {
    if first.null_count() > 0 || second.null_count() > 0 {
        return false;
    }
    let mut pairs = first.iter().flatten().zip(second.iter().flatten());
    let Some(mut last) = pairs.next() else {
        return true;
    };
    pairs.all(|pair| {
        let rises = last < pair;
        last = pair;
        rises
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
    use rayon::prelude::*;
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
