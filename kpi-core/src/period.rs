//! Months as `YYYY-MM` text: parsing, formatting and stepping.

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.trim().split_once('-')?;
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((1..=12).contains(&month) && (1000..=9999).contains(&year) && y.len() == 4)
            .then_some(Month { year, month })
    }

    /// The month of a day (days since 1970-01-01).
    pub fn of_days(days: i32) -> Month {
        let (year, month, _) = civil_from_days(days);
        Month { year, month }
    }

    /// The month `n` months later (earlier when negative).
    pub fn shift(self, n: i32) -> Month {
        Month::of_number(self.number() + n)
    }

    /// The months since January of year 0 (`year × 12 + month − 1`): one
    /// apart for months one apart, for columns of months.
    pub fn number(self) -> i32 {
        self.year * 12 + self.month as i32 - 1
    }

    /// The month of a [`Month::number`].
    pub fn of_number(number: i32) -> Month {
        Month {
            year: number.div_euclid(12),
            month: number.rem_euclid(12) as u32 + 1,
        }
    }

    /// Number of days in the month.
    pub fn days(self) -> u32 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            _ => 31,
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Days since 1970-01-01 (polars `Date`) of a calendar date.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    // Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of days since 1970-01-01.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The `YYYY-MM` period of days since 1970-01-01.
pub fn period_of_days(days: i32) -> String {
    let (y, m, _) = civil_from_days(days);
    format!("{y:04}-{m:02}")
}

/// Day of the week of days since 1970-01-01, Monday = 0.
pub fn weekday(days: i32) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_shift_across_years() {
        let jan = Month::parse("2025-01").unwrap();
        assert_eq!(jan.shift(-1).to_string(), "2024-12");
        assert_eq!(jan.shift(-12).to_string(), "2024-01");
        assert_eq!(jan.shift(13).to_string(), "2026-02");
        assert_eq!(Month::parse("2025-13"), None);
        assert_eq!(Month::parse("25-01"), None);
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2025, 1, 5), 20_093);
        for d in [-1000, 0, 20_093, 20_513, 30_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(weekday(days_from_civil(2025, 1, 6)), 0);
        assert_eq!(
            Month {
                year: 2024,
                month: 2
            }
            .days(),
            29
        );
    }
}
