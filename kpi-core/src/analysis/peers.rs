//! Peer benchmarks: each scored employee against the others of their role.

use polars::prelude::PlHashMap as HashMap;

use polars::prelude::*;

use crate::error::Result;
use crate::metric::Direction;
use crate::scoring::Scores;

/// The `peers` table: each scored employee's total and item values against
/// the same role in the same store and in all stores, per period:
/// `period, employee_id, store_id, role, measure, value, store_mean,
/// store_best, all_mean, all_best, percentile, gap_to_best`. `percentile` is
/// the share of the role's employees (all stores) the employee does at least
/// as well as; `gap_to_best` is how far behind the best of all stores (0 for
/// the best), in the measure's unit.
pub fn peers(scores: &Scores) -> Result<DataFrame> {
    // (measure, direction of better, value) per row.
    struct Entry<'a> {
        row: &'a crate::scoring::ScoreRow,
        measure: &'a str,
        higher: bool,
        value: f64,
    }
    // Whether more of a metric is better, looked up once a metric.
    let mut higher_of: HashMap<&str, bool> = HashMap::new();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for r in scores.rows.iter().filter(|r| r.eligible) {
        if let Some(total) = r.total_score {
            entries.push(Entry {
                row: r,
                measure: "total_score",
                higher: true,
                value: total,
            });
        }
        for item in r.items.iter().filter(|i| i.applies) {
            if let Some(value) = item.value() {
                let higher = *higher_of.entry(item.metric()).or_insert_with(|| {
                    crate::metric::find_metric(item.metric())
                        .is_none_or(|m| m.direction == Direction::Higher)
                });
                entries.push(Entry {
                    row: r,
                    measure: item.item(),
                    higher,
                    value,
                });
            }
        }
    }
    let mut all: HashMap<(&str, &str, &str), Vec<f64>> = HashMap::new();
    let mut store: HashMap<(&str, &str, &str, Option<&str>), Vec<f64>> = HashMap::new();
    for e in &entries {
        let r = e.row;
        all.entry((&r.period, &r.role, e.measure))
            .or_default()
            .push(e.value);
        store
            .entry((&r.period, &r.role, e.measure, r.store_id.as_deref()))
            .or_default()
            .push(e.value);
    }
    let best = |values: &[f64], higher: bool| {
        values
            .iter()
            .copied()
            .fold(None, |b: Option<f64>, v| {
                Some(b.map_or(v, |b| if higher { b.max(v) } else { b.min(v) }))
            })
            .unwrap_or(f64::NAN)
    };
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    // Each group's mean and best once, and its values sorted, so that an
    // entry's percentile is two binary searches, not a pass over the group.
    struct Group {
        mean: f64,
        best_higher: f64,
        best_lower: f64,
        sorted: Vec<f64>,
    }
    let group = |values: &Vec<f64>| {
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        Group {
            mean: mean(values),
            best_higher: best(values, true),
            best_lower: best(values, false),
            sorted,
        }
    };
    let all: HashMap<_, Group> = all.iter().map(|(k, v)| (*k, group(v))).collect();
    let store: HashMap<_, Group> = store.iter().map(|(k, v)| (*k, group(v))).collect();
    let best_of = |g: &Group, higher: bool| if higher { g.best_higher } else { g.best_lower };
    let mut cols: [Vec<f64>; 6] = Default::default();
    for e in &entries {
        let r = e.row;
        let a = &all[&(&*r.period, &*r.role, e.measure)];
        let s = &store[&(&*r.period, &*r.role, e.measure, r.store_id.as_deref())];
        let as_good = at_least_as_good(&a.sorted, e.value, e.higher);
        let top = best_of(a, e.higher);
        for (k, v) in [
            s.mean,
            best_of(s, e.higher),
            a.mean,
            top,
            as_good as f64 / a.sorted.len() as f64,
            (top - e.value).abs(),
        ]
        .into_iter()
        .enumerate()
        {
            cols[k].push(v);
        }
    }
    fn text<'a>(
        entries: &'a [Entry<'a>],
        f: impl Fn(&'a Entry<'a>) -> Option<&'a str>,
    ) -> Vec<Option<&'a str>> {
        entries.iter().map(f).collect()
    }
    let mut columns = vec![
        Column::new("period".into(), text(&entries, |e| Some(&e.row.period))),
        Column::new(
            "employee_id".into(),
            text(&entries, |e| Some(&e.row.employee_id)),
        ),
        Column::new(
            "store_id".into(),
            text(&entries, |e| e.row.store_id.as_deref()),
        ),
        Column::new("role".into(), text(&entries, |e| Some(&e.row.role))),
        Column::new("measure".into(), text(&entries, |e| Some(e.measure))),
        Column::new(
            "value".into(),
            entries.iter().map(|e| e.value).collect::<Vec<_>>(),
        ),
    ];
    for (name, values) in [
        "store_mean",
        "store_best",
        "all_mean",
        "all_best",
        "percentile",
        "gap_to_best",
    ]
    .into_iter()
    .zip(cols)
    {
        columns.push(Column::new(name.into(), values));
    }
    Ok(DataFrame::new(entries.len(), columns)?)
}

/// How many of `sorted` (ascending) `value` does at least as well as:
/// those it is at least (higher is better) or at most (lower is better).
fn at_least_as_good(sorted: &[f64], value: f64, higher: bool) -> usize {
    if higher {
        sorted.partition_point(|&v| v <= value)
    } else {
        sorted.len() - sorted.partition_point(|&v| v < value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The binary search counts what a pass over the values counts.
        #[test]
        fn at_least_as_good_is_the_count_of_a_pass(
            values in prop::collection::vec(prop_oneof![-3i32..4, Just(0)].prop_map(f64::from), 1..40),
            pick in 0usize..40,
            higher in any::<bool>(),
        ) {
            let value = values[pick % values.len()];
            let naive = values
                .iter()
                .filter(|&&v| if higher { value >= v } else { value <= v })
                .count();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            prop_assert_eq!(at_least_as_good(&sorted, value, higher), naive);
        }
    }

    #[test]
    fn ties_count_as_at_least_as_good() {
        let sorted = [1.0, 2.0, 2.0, 3.0];
        assert_eq!(at_least_as_good(&sorted, 2.0, true), 3);
        assert_eq!(at_least_as_good(&sorted, 2.0, false), 3);
        assert_eq!(at_least_as_good(&sorted, 3.0, true), 4);
        assert_eq!(at_least_as_good(&sorted, 3.0, false), 1);
    }
}
