//! Who is scored in a period: absent days and days employed against the
//! scheme's `[eligibility]`.

use super::{Entry, Flag};
use crate::roster::Employee;
use crate::scheme::Scheme;

/// Days employed by the last day of `period`, counting the hire day.
pub(super) fn days_employed(period: &str, roster: Option<&Employee>) -> Option<i64> {
    let hire = roster?.hire_date?;
    let month = crate::period::Month::parse(period)?;
    let last = crate::period::days_from_civil(month.year, month.month, month.days());
    Some(i64::from(last) - i64::from(hire) + 1)
}

/// Whether the roster has the employee employed in some day of `period`:
/// not before the month of `hire_date`, not after the month of
/// `leave_date`. Without a roster row or dates, yes.
pub(super) fn employed_in(period: &str, roster: Option<&Employee>) -> bool {
    let (Some(roster), Some(month)) = (roster, crate::period::Month::parse(period)) else {
        return true;
    };
    let month_of = crate::period::Month::of_days;
    roster.hire_date.is_none_or(|h| month >= month_of(h))
        && roster.leave_date.is_none_or(|l| month <= month_of(l))
}

/// Why an employee-period is not scored, if it is not.
pub(super) fn ineligibility(scheme: &Scheme, entry: &Entry<'_>) -> Option<Flag> {
    let rules = &scheme.eligibility;
    if let (Some(max), Some(days)) = (rules.max_absent_days, entry.absent_days)
        && days > max
    {
        return Some(Flag::AbsentTooLong { days, max });
    }
    if let (Some(min), Some(days)) = (
        rules.min_days_employed,
        days_employed(&entry.period, entry.roster),
    ) && days < i64::from(min)
    {
        return Some(Flag::TooNew { days, min });
    }
    None
}

pub(super) fn is_eligible(scheme: &Scheme, entry: &Entry<'_>) -> bool {
    ineligibility(scheme, entry).is_none()
}
