//! The value, numerator and denominator of every item per employee-period,
//! read from the metrics, manual ratings and weekly recomputations.

use std::collections::HashMap;

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::{f64_column, f64_values, str_values};
use crate::metric::{Formula, Level, Metric, metric};
use crate::scheme::{ATTENDANCE_PREFIX, MANUAL_PREFIX, Rule, STORE_PREFIX, Scheme};
use crate::table::Table;

/// One number per row of the metrics frame: the frame's own column where
/// an item reads one as it is (shared, not copied), or one made for it.
#[derive(Clone)]
pub(super) struct Values(Float64Chunked);

impl Values {
    /// The number of row `r`.
    pub(super) fn get(&self, r: usize) -> Option<f64> {
        self.0.get(r)
    }

    /// Column `name` of `frame` as numbers.
    fn of(frame: &DataFrame, name: &str) -> Result<Values> {
        Ok(Values(f64_column(frame, name)?))
    }
}

impl From<Vec<Option<f64>>> for Values {
    fn from(values: Vec<Option<f64>>) -> Values {
        Values(values.into_iter().collect())
    }
}

/// The value, numerator and denominator columns of every item, as f64.
pub(super) struct ItemColumns {
    pub(super) value: Vec<Values>,
    pub(super) numerator: Vec<Option<Values>>,
    pub(super) denominator: Vec<Option<Values>>,
    /// None for manual ratings and the scheme's own metrics.
    pub(super) metrics: Vec<Option<&'static Metric>>,
    /// The denominator column of the scheme's own ratio metrics.
    pub(super) custom_denominators: Vec<Option<String>>,
    /// The count columns of an `occurrences` rule (empty for other rules).
    pub(super) counts: Vec<Vec<(String, Values)>>,
}

/// The value, numerator and denominator columns of one metric, with its
/// catalogue entry and the denominator column of a scheme metric.
pub(super) struct MetricColumns {
    pub(super) value: Values,
    pub(super) numerator: Option<Values>,
    pub(super) denominator: Option<Values>,
    pub(super) metric: Option<&'static Metric>,
    pub(super) custom_denominator: Option<String>,
}

impl MetricColumns {
    /// The columns of `metric_id`, aligned with the rows of `frame`.
    pub(super) fn read(
        scheme: &Scheme,
        metric_id: &str,
        frames: Frames<'_>,
        data: &Dataset,
    ) -> Result<Self> {
        let frame = frames.employee;
        let plain = |value| MetricColumns {
            value,
            numerator: None,
            denominator: None,
            metric: None,
            custom_denominator: None,
        };
        if let Some(custom) = scheme.metrics.iter().find(|m| m.id == metric_id) {
            let mut columns = vec![custom.numerator.clone()];
            columns.extend(custom.denominator.clone());
            let mut sums = period_sums(data, Table::EmployeeDaily, &columns, frame)?.into_iter();
            let numerator = sums.next().expect("one column per name");
            let Some(denominator) = sums.next() else {
                return Ok(MetricColumns {
                    numerator: Some(numerator.clone().into()),
                    ..plain(numerator.into())
                });
            };
            let value: Vec<Option<f64>> = numerator
                .iter()
                .zip(&denominator)
                .map(|(n, d)| match (n, d) {
                    (Some(n), Some(d)) if *d != 0.0 => Some(n / d),
                    _ => None,
                })
                .collect();
            return Ok(MetricColumns {
                numerator: Some(numerator.into()),
                denominator: Some(denominator.into()),
                custom_denominator: custom.denominator.clone(),
                ..plain(value.into())
            });
        }
        if let Some(store_metric) = metric_id.strip_prefix(STORE_PREFIX) {
            // Weekly ranks do not read store metrics (check_data refuses them).
            let Some(store) = frames.store else {
                return Ok(plain(vec![None; frame.height()].into()));
            };
            let m = metric(Level::Store, store_metric).expect("checked by check_data");
            let (num, den) = m.ratio_columns();
            let has = |c: &str| store.get_column_names().iter().any(|n| n.as_str() == c);
            let input = |c: Option<&str>| -> Result<Option<Values>> {
                match c {
                    Some(c) if has(c) => Ok(Some(store_values(store, c, frame)?.into())),
                    _ => Ok(None),
                }
            };
            return Ok(MetricColumns {
                value: store_values(store, store_metric, frame)?.into(),
                numerator: input(num)?,
                denominator: input(den)?,
                metric: Some(m),
                custom_denominator: None,
            });
        }
        if let Some(column) = metric_id.strip_prefix(ATTENDANCE_PREFIX) {
            let columns = [column.to_string()];
            let mut sums = period_sums(data, Table::Attendance, &columns, frame)?;
            return Ok(plain(sums.pop().expect("one column").into()));
        }
        if let Some(item) = metric_id.strip_prefix(MANUAL_PREFIX) {
            return Ok(plain(manual_values(scheme, item, frame, data)?.into()));
        }
        let m = metric(Level::Employee, metric_id).expect("checked by check_data");
        let has = |c: &str| frame.get_column_names().iter().any(|n| n.as_str() == c);
        let (num, den) = m.ratio_columns();
        let column = |c: Option<&str>| -> Result<Option<Values>> {
            match c {
                Some(c) if has(c) => Ok(Some(input_values(frame, c)?)),
                _ => Ok(None),
            }
        };
        // Money sums are held as cents in the metrics frame; values are in yuan.
        let value = match m.formula {
            Formula::Sum(_) => input_values(frame, m.id)?,
            _ => Values::of(frame, m.id)?,
        };
        Ok(MetricColumns {
            value,
            numerator: column(num)?,
            denominator: column(den)?,
            metric: Some(m),
            custom_denominator: None,
        })
    }
}

/// The employee metrics frame the items are read for, and the store
/// metrics frame behind `store.<metric>` items (none for weekly ranks).
#[derive(Clone, Copy)]
pub(super) struct Frames<'a> {
    pub(super) employee: &'a DataFrame,
    pub(super) store: Option<&'a DataFrame>,
}

/// A store metric for every row of the employee frame, by the row's store.
pub(super) fn store_values(
    store: &DataFrame,
    metric_id: &str,
    frame: &DataFrame,
) -> Result<Vec<Option<f64>>> {
    let values: HashMap<(String, String), f64> = str_values(store, "period")?
        .into_iter()
        .zip(str_values(store, "store_id")?)
        .zip(f64_values(store, metric_id)?)
        .filter_map(|((p, s), v)| Some(((p?, s?), v?)))
        .collect();
    // Money sums are held as cents in the metrics frames.
    let scale = match crate::metric::metric(Level::Store, metric_id).map(|m| m.formula) {
        Some(Formula::Sum(c)) => crate::metric::column_scale(Level::Store, c) as f64,
        _ => 1.0,
    };
    Ok(str_values(frame, "period")?
        .into_iter()
        .zip(str_values(frame, "store_id")?)
        .map(|(p, s)| values.get(&(p?, s?)).map(|v| v / scale))
        .collect())
}

impl ItemColumns {
    pub(super) fn new(scheme: &Scheme, frames: Frames<'_>, data: &Dataset) -> Result<Self> {
        let frame = frames.employee;
        let mut out = ItemColumns {
            value: Vec::new(),
            numerator: Vec::new(),
            denominator: Vec::new(),
            metrics: Vec::new(),
            custom_denominators: Vec::new(),
            counts: Vec::new(),
        };
        for (_, metric_id, rule) in scheme.scored_rules() {
            if let Rule::Occurrences { counts, .. } = rule {
                // The value is Σ points × count; the counts are kept to explain it.
                let mut parts = Vec::new();
                for id in counts.keys() {
                    parts.push((
                        id.clone(),
                        MetricColumns::read(scheme, id, frames, data)?.value,
                    ));
                }
                let value: Vec<Option<f64>> = (0..frame.height())
                    .map(|r| {
                        let present = parts.iter().any(|(_, v)| v.get(r).is_some());
                        present.then(|| {
                            parts
                                .iter()
                                .zip(counts.values())
                                .map(|((_, v), per)| per * v.get(r).unwrap_or(0.0))
                                .sum()
                        })
                    })
                    .collect();
                out.value.push(value.into());
                out.numerator.push(None);
                out.denominator.push(None);
                out.metrics.push(None);
                out.custom_denominators.push(None);
                out.counts.push(parts);
                continue;
            }
            let columns = MetricColumns::read(scheme, metric_id, frames, data)?;
            out.value.push(columns.value);
            out.numerator.push(columns.numerator);
            out.denominator.push(columns.denominator);
            out.metrics.push(columns.metric);
            out.custom_denominators.push(columns.custom_denominator);
            out.counts.push(Vec::new());
        }
        Ok(out)
    }

    /// The counts of an `occurrences` rule at row `r`, as (metric id, count).
    pub(super) fn counts_at(&self, i: usize, r: Option<usize>) -> Vec<(&str, f64)> {
        self.counts[i]
            .iter()
            .map(|(id, v)| (id.as_str(), r.and_then(|r| v.get(r)).unwrap_or(0.0)))
            .collect()
    }
}

impl ItemColumns {
    /// Why item `i` has no value.
    pub(super) fn missing_reason(
        &self,
        i: usize,
        numerator: Option<f64>,
        denominator: Option<f64>,
        has_row: bool,
    ) -> String {
        match (self.metrics[i], &self.custom_denominators[i]) {
            (Some(m), _) => missing_reason(Some(m), numerator, denominator, has_row),
            (None, Some(d)) if has_row => match denominator {
                Some(0.0) => format!("{d} = 0"),
                _ => format!("{d} missing"),
            },
            (None, _) => missing_reason(None, numerator, denominator, has_row),
        }
    }
}

/// Period sums of `columns` of `table` per employee, aligned with the rows
/// of the metrics frame; money and durations in their unit.
pub(super) fn period_sums(
    data: &Dataset,
    table: Table,
    columns: &[String],
    frame: &DataFrame,
) -> Result<Vec<Vec<Option<f64>>>> {
    let source = data.get(table).expect("checked by check_data");
    let scale = |c: &str| table.column(c).map_or(1, |spec| spec.kind.scale());
    let aggs: Vec<Expr> = columns
        .iter()
        .map(|c| {
            col(c.as_str())
                .cast(DataType::Float64)
                .sum()
                .alias(c.as_str())
        })
        .collect();
    let mut sums = source
        .clone()
        .lazy()
        .group_by([col("period"), col("employee_id")])
        .agg(aggs)
        .collect()?;
    for c in columns.iter().filter(|c| scale(c) != 1) {
        let unit = crate::frame::quotient(sums.column(c)?, scale(c) as f64)?;
        sums.with_column(unit)?;
    }
    let keys = |f: &DataFrame| -> Result<Vec<Option<(String, String)>>> {
        Ok(str_values(f, "period")?
            .into_iter()
            .zip(str_values(f, "employee_id")?)
            .map(|(p, e)| Some((p?, e?)))
            .collect())
    };
    let sum_keys = keys(&sums)?;
    let frame_keys = keys(frame)?;
    columns
        .iter()
        .map(|column| {
            let values: HashMap<&(String, String), f64> = sum_keys
                .iter()
                .zip(f64_values(&sums, column)?)
                .filter_map(|(k, v)| Some((k.as_ref()?, v?)))
                .collect();
            Ok(frame_keys
                .iter()
                .map(|k| values.get(k.as_ref()?).copied())
                .collect())
        })
        .collect()
}

/// The rating of a manual item for every row of the metrics frame: each
/// rater's mean rating, weighted by the scheme's rater weights over the
/// raters who rated (equal weights when the scheme names none).
pub(super) fn manual_values(
    scheme: &Scheme,
    item: &str,
    frame: &DataFrame,
    data: &Dataset,
) -> Result<Vec<Option<f64>>> {
    let weights = scheme
        .manual
        .iter()
        .find(|m| m.item == item)
        .map(|m| m.raters.clone())
        .unwrap_or_default();
    let ratings = data
        .get(Table::ManualScores)
        .expect("checked by check_data");
    let rater = if data.has_column(Table::ManualScores, "rater") {
        col("rater")
    } else {
        lit("").alias("rater")
    };
    let means = ratings
        .clone()
        .lazy()
        .filter(col("item").eq(lit(item)))
        .group_by([col("period"), col("employee_id"), rater])
        .agg([col("score").mean()])
        .collect()?;
    let periods = str_values(&means, "period")?;
    let employees = str_values(&means, "employee_id")?;
    let raters = str_values(&means, "rater")?;
    let scores = f64_values(&means, "score")?;
    // (period, employee) → (Σ weight × mean, Σ weight)
    let mut combined: HashMap<(String, String), (f64, f64)> = HashMap::new();
    for i in 0..means.height() {
        let (Some(p), Some(e), Some(score)) = (&periods[i], &employees[i], scores[i]) else {
            continue;
        };
        let rater = raters[i].as_deref().unwrap_or("");
        let weight = if weights.is_empty() {
            1.0
        } else {
            weights.get(rater).copied().unwrap_or(0.0)
        };
        let entry = combined.entry((p.clone(), e.clone())).or_default();
        entry.0 += weight * score;
        entry.1 += weight;
    }
    let periods = str_values(frame, "period")?;
    let employees = str_values(frame, "employee_id")?;
    Ok(periods
        .into_iter()
        .zip(employees)
        .map(|(p, e)| {
            let (sum, weight) = combined.get(&(p?, e?))?;
            (*weight > 0.0).then(|| sum / weight)
        })
        .collect())
}

/// An input column in its display unit: money cents become yuan.
pub(super) fn input_values(frame: &DataFrame, name: &str) -> Result<Values> {
    let money = Table::EmployeeDaily
        .column(name)
        .is_some_and(|c| c.kind == crate::table::ColumnKind::Money);
    let values = Values::of(frame, name)?;
    Ok(if money {
        Values(values.0.apply_values(|c| c / 100.0))
    } else {
        values
    })
}

pub(super) fn missing_reason(
    m: Option<&Metric>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    has_row: bool,
) -> String {
    if !has_row {
        return "no activity in the period".into();
    }
    let Some(m) = m else {
        return "no rating".into();
    };
    match m.formula {
        Formula::Ratio { denominator: d, .. } => match denominator {
            Some(0.0) => format!("{d} = 0"),
            _ => format!("{d} missing"),
        },
        Formula::TargetRatio { target_metric, .. } => {
            let _ = numerator;
            format!("no positive {target_metric} target")
        }
        _ => "no data".into(),
    }
}
