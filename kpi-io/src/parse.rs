//! Reading one cell as the data contract's types: dates, numbers with
//! thousands separators, currency signs, percentages and Chinese units,
//! durations, and the placeholders that mean "missing".

use rust_decimal::Decimal;
use rust_decimal::prelude::*;

use kpi_core::{days_from_civil, period_of_days};

/// One raw cell, from a CSV field or a spreadsheet cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value.
    Empty,
    /// Text.
    Text(&'a str),
    /// A number cell.
    Number(f64),
    /// A date cell, as an Excel serial day number.
    ExcelDate(f64),
    /// A spreadsheet error cell (`#DIV/0!`).
    Error,
}

impl<'a> Cell<'a> {
    /// The cell as text where it is text, for header and summary-row detection.
    pub fn text(&self) -> Option<&'a str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A cell's text as a message quotes it: in backticks, trimmed, and cut to
/// 80 characters with its length when longer.
pub fn quoted(text: &str) -> String {
    let text = text.trim();
    let n = text.chars().count();
    if n <= 80 {
        format!("`{text}`")
    } else {
        let head: String = text.chars().take(77).collect();
        format!("`{head}…` ({n} characters)")
    }
}

/// Text that means "no value" (`-`, `--`, `延迟统计`: not yet final).
pub fn is_placeholder(text: &str) -> bool {
    matches!(
        text.trim(),
        "" | "-" | "--" | "—" | "——" | "延迟统计" | "N/A" | "n/a" | "null" | "NULL"
    )
}

/// Excel's serial day 25569 is 1970-01-01 (the 1900 system, after its leap-year bug).
const EXCEL_EPOCH_OFFSET: f64 = 25_569.0;

/// Days since 1970-01-01 of an Excel serial date.
pub fn excel_serial_to_days(serial: f64) -> i32 {
    (serial.floor() - EXCEL_EPOCH_OFFSET) as i32
}

/// Parses a date: `2025-01-05`, `2025/1/5`, `20250105`, `2025年1月5日`,
/// `2025.1.5`, optionally followed by a time, or an Excel serial number.
/// Returns days since 1970-01-01.
pub fn parse_date(cell: Cell<'_>) -> Result<Option<i32>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Error => Err("error cell where a date was expected".into()),
        Cell::ExcelDate(serial) => excel_date(serial).map(Some),
        Cell::Number(n) => number_as_date(n)
            .map(Some)
            .ok_or_else(|| format!("{n} is not a date")),
        Cell::Text(text) => {
            if is_placeholder(text) {
                return Ok(None);
            }
            parse_date_text(text).map(Some).ok_or_else(|| {
                format!(
                    "{} is not a date (expected 2025-01-05, 2025/1/5, 20250105 or 2025年1月5日)",
                    quoted(text)
                )
            })
        }
    }
}

/// The day of a date cell's serial, refused outside the serials Excel has
/// (0 to 2958465, 31 December 9999).
fn excel_date(serial: f64) -> Result<i32, String> {
    if serial.is_finite() && (0.0..=2_958_465.0).contains(&serial) {
        Ok(excel_serial_to_days(serial))
    } else {
        Err(format!(
            "{serial} is not a date serial (Excel's dates are serials 0 to 2958465)"
        ))
    }
}

fn number_as_date(n: f64) -> Option<i32> {
    if n.fract() != 0.0 && !(20_000.0..80_000.0).contains(&n) {
        return None;
    }
    if (19_000_101.0..=29_991_231.0).contains(&n) {
        let v = n as i64;
        return civil(
            (v / 10_000) as i32,
            (v / 100 % 100) as u32,
            (v % 100) as u32,
        );
    }
    (20_000.0..80_000.0)
        .contains(&n)
        .then(|| excel_serial_to_days(n))
}

fn civil(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1900..=2999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days_in_month = kpi_core::Month { year, month }.days();
    (day <= days_in_month).then(|| days_from_civil(year, month, day))
}

fn parse_date_text(text: &str) -> Option<i32> {
    let text = text.trim();
    // Fast path for ISO dates, the common case.
    let b = text.as_bytes();
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Ok(y), Ok(m), Ok(d)) = (text[..4].parse(), text[5..7].parse(), text[8..].parse())
    {
        return civil(y, m, d);
    }
    // Drop a time part: "2025-01-05 00:00:00", "2025-01-05T08:00".
    let date = text.split([' ', 'T']).next().unwrap_or(text);
    let date = date.trim_end_matches('日');
    if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        let v: i64 = date.parse().ok()?;
        return civil(
            (v / 10_000) as i32,
            (v / 100 % 100) as u32,
            (v % 100) as u32,
        );
    }
    let parts: Vec<&str> = date.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 {
        let serial: f64 = date.parse().ok()?;
        return number_as_date(serial);
    }
    let year: i32 = parts[0].parse().ok()?;
    let month: u32 = parts[1].parse().ok()?;
    let day: u32 = parts[2].parse().ok()?;
    if parts[0].len() != 4 {
        return None;
    }
    civil(year, month, day)
}

/// Parses a period: `2025-01`, `2025/1`, `202501`, `2025年1月`, or a date (its month).
pub fn parse_period(cell: Cell<'_>) -> Result<Option<String>, String> {
    let fail = |t: &str| format!("{} is not a month (expected 2025-01)", quoted(t));
    match cell {
        Cell::Empty => Ok(None),
        Cell::Error => Err("error cell where a month was expected".into()),
        Cell::ExcelDate(serial) => excel_date(serial).map(|d| Some(period_of_days(d))),
        Cell::Number(n) => {
            if n.fract() == 0.0 && (190_001.0..=299_912.0).contains(&n) {
                let v = n as i64;
                let m = kpi_core::Month::parse(&format!("{:04}-{:02}", v / 100, v % 100));
                return m
                    .map(|m| Some(m.to_string()))
                    .ok_or_else(|| fail(&n.to_string()));
            }
            number_as_date(n)
                .map(|d| Some(period_of_days(d)))
                .ok_or_else(|| fail(&n.to_string()))
        }
        Cell::Text(text) => {
            let t = text.trim();
            if is_placeholder(t) {
                return Ok(None);
            }
            let t2 = t.trim_end_matches('月');
            let parts: Vec<&str> = t2.split(['-', '/', '.', '年']).collect();
            let month = match parts.as_slice() {
                [y, m] if y.len() == 4 => {
                    let (y, m): (i32, u32) = (
                        y.parse().map_err(|_| fail(t))?,
                        m.parse().map_err(|_| fail(t))?,
                    );
                    kpi_core::Month::parse(&format!("{y:04}-{m:02}"))
                }
                [ym] if ym.len() == 6 && ym.bytes().all(|b| b.is_ascii_digit()) => {
                    kpi_core::Month::parse(&format!("{}-{}", &ym[..4], &ym[4..]))
                }
                _ => parse_date_text(t)
                    .map(|d| kpi_core::Month::parse(&period_of_days(d)).expect("formatted month")),
            };
            month.map(|m| Some(m.to_string())).ok_or_else(|| fail(t))
        }
    }
}

/// Parses a number exactly: thousands separators, `¥`/`￥`/`元`, `35%`,
/// `1.2万`, `3亿`, full-width digits and minus signs.
pub fn parse_decimal(cell: Cell<'_>) -> Result<Option<Decimal>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Error => Err("error cell where a number was expected".into()),
        Cell::Number(n) | Cell::ExcelDate(n) => decimal_of_f64(n)
            .map(Some)
            .ok_or_else(|| format!("{n} is not a finite number")),
        Cell::Text(text) => {
            if is_placeholder(text) {
                return Ok(None);
            }
            parse_decimal_text(text)
                .map(Some)
                .ok_or_else(|| format!("{} is not a number", quoted(text)))
        }
    }
}

pub use kpi_core::decimal_of_f64;

fn parse_decimal_text(text: &str) -> Option<Decimal> {
    let mut s: String = text
        .trim()
        .chars()
        .filter_map(|c| match c {
            ',' | '，' | ' ' | '\u{3000}' | '¥' | '￥' | '元' | '$' => None,
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '．' => Some('.'),
            '－' | '−' => Some('-'),
            '％' => Some('%'),
            c => Some(c),
        })
        .collect();
    let mut scale = Decimal::ONE;
    for (suffix, factor) in [
        ("%", Decimal::new(1, 2)),
        ("万", Decimal::from(10_000)),
        ("亿", Decimal::from(100_000_000)),
    ] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            s = stripped.to_string();
            scale *= factor;
        }
    }
    let value = Decimal::from_str(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .ok()?;
    value.checked_mul(scale)
}

/// Parses a duration in seconds: a number of seconds, `32秒`, `8分48秒`,
/// `1小时2分`, `1:02:03`.
pub fn parse_seconds(cell: Cell<'_>) -> Result<Option<f64>, String> {
    match cell {
        Cell::Text(text) if !is_placeholder(text) => {
            let t = text.trim();
            if let Some(v) = parse_decimal_text(t) {
                return Ok(v.to_f64());
            }
            parse_duration_text(t).map(Some).ok_or_else(|| {
                format!(
                    "{} is not a duration (expected seconds, 32秒 or 8分48秒)",
                    quoted(t)
                )
            })
        }
        other => parse_decimal(other).map(|d| d.and_then(|d| d.to_f64())),
    }
}

fn parse_duration_text(text: &str) -> Option<f64> {
    if text.contains(':') {
        let parts: Vec<f64> = text
            .split(':')
            .map(|p| {
                let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                if digits { p.parse().ok() } else { None }
            })
            .collect::<Option<_>>()?;
        return Some(parts.iter().fold(0.0, |acc, p| acc * 60.0 + p));
    }
    let mut total = 0.0;
    let mut number = String::new();
    let mut any = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let factor = match c {
            '天' => 86_400.0,
            '小' if chars.peek() == Some(&'时') => {
                chars.next();
                3_600.0
            }
            '时' => 3_600.0,
            '分' => {
                if chars.peek() == Some(&'钟') {
                    chars.next();
                }
                60.0
            }
            '秒' => 1.0,
            _ => return None,
        };
        let value: f64 = number.parse().ok()?;
        total += value * factor;
        number.clear();
        any = true;
    }
    if !number.is_empty() {
        return None;
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The shortest form a float's text gives, without the two-place path.
    fn shortest(n: f64) -> Option<Decimal> {
        Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{n:e}")))
            .ok()
    }

    #[test]
    fn floats_read_as_their_shortest_form() {
        for n in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.29,
            12.3,
            12.30,
            100.07,
            1234.5678,
            1e-7,
            0.015,
            2.675,
            1e11 + 0.01,
            1e12,
            1e15,
            123456789.99,
            -0.05,
        ] {
            assert_eq!(decimal_of_f64(n), shortest(n), "{n}");
            assert_eq!(
                decimal_of_f64(n).map(|d| d.to_string()),
                shortest(n).map(|d| d.to_string()),
                "{n}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn cents_and_other_floats_read_as_their_shortest_form(
            cents in -100_000_000_000_000i64..100_000_000_000_000,
            any in proptest::num::f64::NORMAL,
        ) {
            for n in [cents as f64 / 100.0, any] {
                proptest::prop_assert_eq!(
                    decimal_of_f64(n).map(|d| d.to_string()),
                    shortest(n).map(|d| d.to_string())
                );
            }
        }
    }

    #[test]
    fn dates_parse() {
        let cases: &[(&str, i32, u32, u32)] = &[
            ("2025-01-05", 2025, 1, 5),
            ("2025/1/5", 2025, 1, 5),
            ("20250105", 2025, 1, 5),
            ("2025年1月5日", 2025, 1, 5),
            ("2025-01-05 00:00:00", 2025, 1, 5),
            ("2024/2/29", 2024, 2, 29),
            ("45662", 2025, 1, 5),
        ];
        for &(text, y, m, day) in cases {
            assert_eq!(
                parse_date(Cell::Text(text)),
                Ok(Some(days_from_civil(y, m, day)))
            );
        }
    }

    #[test]
    fn excel_serials_and_bad_dates() {
        assert_eq!(
            parse_date(Cell::ExcelDate(45_662.0)),
            Ok(Some(days_from_civil(2025, 1, 5)))
        );
        assert_eq!(
            parse_date(Cell::Number(20_250_105.0)),
            Ok(Some(days_from_civil(2025, 1, 5)))
        );
        assert!(parse_date(Cell::Text("2025-02-30")).is_err());
        assert!(parse_date(Cell::Text("yesterday")).is_err());
        assert_eq!(parse_date(Cell::Text("--")), Ok(None));
    }

    #[test]
    fn periods_parse() {
        let cases: &[(&str, &str)] = &[
            ("2025-01", "2025-01"),
            ("2025/1", "2025-01"),
            ("202501", "2025-01"),
            ("2025年1月", "2025-01"),
            ("2025-01-31", "2025-01"),
        ];
        for &(text, period) in cases {
            assert_eq!(parse_period(Cell::Text(text)), Ok(Some(period.to_string())));
        }
    }

    #[test]
    fn numbers_parse_exactly() {
        let cases: &[(&str, &str)] = &[
            ("1,234.50", "1234.50"),
            ("¥1,234.5", "1234.5"),
            ("￥ 88", "88"),
            ("35%", "0.35"),
            ("6.85%", "0.0685"),
            ("0.0685", "0.0685"),
            ("1.2万", "12000"),
            ("3亿", "300000000"),
            ("-12", "-12"),
            ("１２３", "123"),
        ];
        for &(text, value) in cases {
            assert_eq!(parse_decimal(Cell::Text(text)), Ok(Some(d(value))));
        }
    }

    #[test]
    fn placeholders_are_missing_and_junk_is_an_error() {
        for p in ["", "-", "--", "延迟统计"] {
            assert_eq!(parse_decimal(Cell::Text(p)), Ok(None));
        }
        assert!(parse_decimal(Cell::Text("12abc")).is_err());
        assert_eq!(
            parse_decimal(Cell::Number(0.1 + 0.2)),
            Ok(Some(d("0.30000000000000004")))
        );
        assert_eq!(parse_decimal(Cell::Number(1234.5)), Ok(Some(d("1234.5"))));
    }

    #[test]
    fn durations_parse() {
        let cases: &[(&str, f64)] = &[
            ("32", 32.0),
            ("32秒", 32.0),
            ("8分48秒", 528.0),
            ("1小时2分", 3720.0),
            ("0:08:48", 528.0),
        ];
        for &(text, seconds) in cases {
            assert_eq!(parse_seconds(Cell::Text(text)), Ok(Some(seconds)));
        }
    }
}
