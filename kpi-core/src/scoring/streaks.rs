//! `[[streaks]]`: flags raised by runs of consecutive months in some grades.

use std::collections::BTreeMap;

use super::{Flag, ScoreRow};
use crate::scheme::Scheme;

/// Adds a flag to the month in which an employee's run of consecutive
/// months in a streak's grades reaches its length; the count then starts
/// again, and a month without a score (or a gap) breaks the run.
pub(super) fn flag_streaks(scheme: &Scheme, rows: &mut [ScoreRow]) {
    if scheme.streaks.is_empty() {
        return;
    }
    let mut by_employee: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_employee
            .entry(r.employee_id.clone())
            .or_default()
            .push(i);
    }
    for indices in by_employee.values() {
        // Rows are sorted by period, so each employee's rows are in time order.
        for streak in &scheme.streaks {
            let mut run = 0;
            let mut previous: Option<crate::period::Month> = None;
            for &i in indices {
                let month = crate::period::Month::parse(&rows[i].period);
                let adjacent = matches!((previous, month), (Some(p), Some(m)) if p.shift(1) == m);
                previous = month;
                let in_grades = rows[i]
                    .grade
                    .as_ref()
                    .is_some_and(|g| streak.grades.contains(g));
                run = match (in_grades, adjacent) {
                    (false, _) => 0,
                    (true, true) => run + 1,
                    (true, false) => 1,
                };
                if run == streak.months {
                    rows[i].flags.push(Flag::Streak {
                        flag: streak.flag.clone(),
                        months: streak.months,
                        grades: streak.grades.clone(),
                        amount: streak.amount,
                    });
                    rows[i].streaks.push(streak.flag.clone());
                    run = 0;
                }
            }
        }
    }
}
