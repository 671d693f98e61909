//! Column helpers over polars frames, shared by the engines.

use polars::prelude::*;

use crate::error::Result;

/// The values of a text column, owned (an error when the column is absent
/// or not text).
pub fn str_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

pub(crate) fn f64_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.iter().collect())
}

/// A number read from a float column (a coefficient, a target) as the
/// decimal it was written as.
pub(crate) fn decimal_of(x: f64) -> Option<rust_decimal::Decimal> {
    use std::str::FromStr;
    rust_decimal::Decimal::from_str(&format!("{x}")).ok()
}
