//! `[team_average]`: a role scored by the mean total of its staff.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Flag, ScoreRow, round_half_up};
use crate::scheme::{RankGroup, Scheme};

/// A period and a store or team.
type PeriodGroup = (Arc<str>, Option<Arc<str>>);

/// Gives the team-average role the mean total of the other staff scored in
/// its store (or team) and period, instead of its own items.
pub(super) fn average_for_managers(scheme: &Scheme, rows: &mut [ScoreRow]) {
    let Some(average) = &scheme.team_average else {
        return;
    };
    let role = average.role.id();
    let group = |r: &ScoreRow| match average.within {
        RankGroup::Team => r.team_id.clone(),
        _ => r.store_id.clone(),
    };
    let mut totals: HashMap<PeriodGroup, Vec<f64>> = HashMap::new();
    for r in rows.iter().filter(|r| *r.role != *role) {
        if let Some(total) = r.total_score {
            totals
                .entry((r.period.clone(), group(r)))
                .or_default()
                .push(total);
        }
    }
    for r in rows.iter_mut().filter(|r| *r.role == *role && r.eligible) {
        let staff = totals.get(&(r.period.clone(), group(r)));
        r.items.clear();
        r.sections.clear();
        r.bonus_items.clear();
        r.bonus = None;
        r.flags
            .retain(|f| !matches!(f, Flag::Missing { .. } | Flag::NoItemScored));
        match staff {
            Some(totals) => {
                let mean = round_half_up(totals.iter().sum::<f64>() / totals.len() as f64, 2);
                r.total_score = Some(mean);
                r.set_grade(scheme, mean);
                r.flags.push(Flag::TeamAverage {
                    staff: totals.len(),
                });
            }
            None => {
                r.total_score = None;
                r.grade = None;
                r.payout_pct = None;
                r.position_wage = None;
                r.flags.push(Flag::NoStaffToAverage);
            }
        }
    }
}
