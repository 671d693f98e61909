//! `[[streaks]]`: flags raised by runs of consecutive months in some grades.

use std::sync::Arc;

use super::{Flag, ScoreRow};
use crate::period::Month;
use crate::scheme::{Scheme, Streak};

/// Adds a flag to the month in which an employee's run of consecutive
/// months in a streak's grades reaches its length; the count then starts
/// again, and a month without a score (or a gap) breaks the run.
pub(super) fn flag_streaks(scheme: &Scheme, rows: &mut [ScoreRow]) {
    if scheme.streaks.is_empty() {
        return;
    }
    // Rows are sorted by period: a stable sort by employee keeps each
    // employee's rows in time order (borrowed ids, months read once).
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| rows[a].employee_id.cmp(&rows[b].employee_id));
    let months: Vec<Option<Month>> = rows.iter().map(|r| Month::parse(&r.period)).collect();
    let mut employees: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    for k in 1..=order.len() {
        if k == order.len() || rows[order[k]].employee_id != rows[order[start]].employee_id {
            employees.push(&order[start..k]);
            start = k;
        }
    }
    let streaks: Vec<Arc<Streak>> = scheme.streaks.iter().cloned().map(Arc::new).collect();
    for indices in employees {
        for shared in &streaks {
            let streak = &**shared;
            let mut run = 0;
            let mut previous: Option<Month> = None;
            for &i in indices {
                let month = months[i];
                let adjacent = matches!((previous, month), (Some(p), Some(m)) if p.shift(1) == m);
                previous = month;
                let in_grades = rows[i]
                    .grade
                    .as_ref()
                    .is_some_and(|g| streak.grades.iter().any(|s| **s == **g));
                run = match (in_grades, adjacent) {
                    (false, _) => 0,
                    (true, true) => run + 1,
                    (true, false) => 1,
                };
                if run == streak.months {
                    rows[i].flags.push(Flag::Streak(shared.clone()));
                    run = 0;
                }
            }
        }
    }
}
