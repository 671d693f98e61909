//! Competition ranking (1, 1, 3), shared by rank rules and trend ranks.

use crate::metric::Direction;

/// The place of each value, best first: one more than the number of
/// strictly better values, so ties share the better place and the next
/// place is skipped.
///
/// ```
/// use kpi_core::{Direction, places};
///
/// assert_eq!(places(&[0.3, 0.5, 0.3, 0.1], Direction::Higher), [2, 1, 2, 4]);
/// assert_eq!(places(&[40.0, 25.0, 40.0], Direction::Lower), [2, 1, 2]);
/// ```
pub fn places(values: &[f64], direction: Direction) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (values[a], values[b]);
        match direction {
            Direction::Higher => y.total_cmp(&x),
            Direction::Lower => x.total_cmp(&y),
        }
    });
    let mut out = vec![0; values.len()];
    let mut place = 1;
    for (k, &i) in order.iter().enumerate() {
        if k > 0 && values[order[k - 1]] != values[i] {
            place = k + 1;
        }
        out[i] = place;
    }
    out
}
