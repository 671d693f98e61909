//! Stress tests: the same history with every sales measure scaled, so the
//! tier tables decide how the cost of pay moves.

use polars::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::dataset::Dataset;
use crate::error::{During, Result};
use crate::table::Table;

/// The sales measures a stress test scales: the money a store or a person
/// sells or collects. Counts (visitors, buyers, orders) stay as they are,
/// so conversion rates hold and order values move with the factor.
pub const SALES_MEASURES: &[(Table, &str)] = &[
    (Table::StoreDaily, "gmv"),
    (Table::StoreDaily, "campaign_gmv"),
    (Table::StoreDaily, "gross_profit"),
    (Table::StoreDaily, "collected"),
    (Table::EmployeeDaily, "cs_sales"),
    (Table::EmployeeDaily, "assisted_sales"),
    (Table::EmployeeDaily, "collected"),
];

/// The factors `kpi compare` stresses every scheme with (1 is the history
/// as it is).
pub const STRESS_FACTORS: [&str; 5] = ["0.8", "0.9", "1", "1.1", "1.2"];

/// `data` with every sales measure multiplied by `factor`, each day's
/// amount rounded half away from zero to the cent.
///
/// ```
/// # use polars::prelude::*;
/// use kpi_core::{Dataset, Table, scale_sales};
///
/// let mut data = Dataset::new();
/// data.insert(Table::EmployeeDaily, df!("employee_id" => ["e1", "e1"], "cs_sales" => [1_005i64, 333]).unwrap());
/// let scaled = scale_sales(&data, "0.9".parse().unwrap()).unwrap();
/// let sales = scaled.get(Table::EmployeeDaily).unwrap().column("cs_sales").unwrap().i64().unwrap().clone();
/// assert_eq!(sales.into_no_null_iter().collect::<Vec<_>>(), [905, 300]); // 904.5 → 905, 299.7 → 300
/// ```
pub fn scale_sales(data: &Dataset, factor: Decimal) -> Result<Dataset> {
    let mut scaled = data.clone();
    for (table, frame) in data.tables() {
        let mut frame = frame.clone();
        for &(_, name) in SALES_MEASURES.iter().filter(|(t, _)| *t == table) {
            let Ok(column) = frame.column(name) else {
                continue;
            };
            let what = || format!("scaling {}.{name}", table.name());
            let cents = column.i64().during(what)?;
            let out: Int64Chunked = cents
                .iter()
                .map(|v| v.map(|c| scale_cents(c, factor)))
                .collect::<Int64Chunked>()
                .with_name(name.into());
            frame.with_column(out.into_column()).during(what)?;
        }
        scaled.insert(table, frame);
    }
    Ok(scaled)
}

/// `cents × factor`, rounded half away from zero to a whole cent.
fn scale_cents(cents: i64, factor: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (Decimal::from(cents) * factor)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(if cents < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_away_from_zero_and_other_columns_stay() {
        let mut data = Dataset::new();
        data.insert(
            Table::StoreDaily,
            df!("store_id" => ["s1", "s1", "s1"], "gmv" => [Some(15i64), Some(-15), None], "uv" => [10i64, 20, 30])
                .unwrap(),
        );
        let scaled = scale_sales(&data, "1.1".parse().unwrap()).unwrap();
        let frame = scaled.get(Table::StoreDaily).unwrap();
        let gmv: Vec<Option<i64>> = frame.column("gmv").unwrap().i64().unwrap().iter().collect();
        assert_eq!(gmv, [Some(17), Some(-17), None], "16.5 → 17, −16.5 → −17");
        assert!(
            frame
                .column("uv")
                .unwrap()
                .equals(data.get(Table::StoreDaily).unwrap().column("uv").unwrap())
        );
    }
}
