//! What platform exports need beyond the tidy reader: dates and months told
//! by file names, sheet names and title rows; nickname and store lookups
//! through the roster; two-row headers flattened.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use kpi_core::{Dataset, Month, Table, civil_from_days, days_from_civil};

use crate::error::{Error, Position, Result};
use crate::parse::{Cell, parse_date};

/// The day or month a file without a date column covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileDate {
    /// One day (days since 1970-01-01).
    Day(i32),
    /// A whole calendar month.
    Month(Month),
    /// Part of one month (`from`–`to`, days since 1970-01-01): the month,
    /// with a note that the range is partial.
    PartOfMonth(Month, i32, i32),
}

/// The dates written in a text, in order: `2025-04-20`, `2025/4/20`,
/// `2025.4.20`, `2025年4月20日` and 8-digit `20250420`.
fn dates_in(text: &str) -> Vec<i32> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    // Runs inside a date already read are skipped.
    let mut read_to = 0;
    for (i, n) in digit_runs(&chars) {
        if i < read_to {
            continue;
        }
        let run: String = chars[i..i + n].iter().collect();
        if n == 8 {
            if let Ok(Some(d)) = parse_date(Cell::Text(&run)) {
                out.push(d);
            }
            continue;
        }
        if n != 4 {
            continue;
        }
        // year, separator, month, separator, day
        let mut j = i + 4;
        let mut parts = vec![run];
        for seps in [&['-', '/', '.', '年'][..], &['-', '/', '.', '月'][..]] {
            if j < chars.len() && seps.contains(&chars[j]) {
                let m = digits_at(&chars, j + 1);
                if (1..=2).contains(&m) {
                    parts.push(chars[j + 1..j + 1 + m].iter().collect());
                    j += 1 + m;
                    continue;
                }
            }
            break;
        }
        if parts.len() == 3 {
            let (y, m, d) = (
                parts[0].parse::<i32>().unwrap_or(0),
                parts[1].parse::<u32>().unwrap_or(0),
                parts[2].parse::<u32>().unwrap_or(0),
            );
            if (1..=12).contains(&m) && d >= 1 && d <= (Month { year: y, month: m }).days() {
                out.push(days_from_civil(y, m, d));
            }
            read_to = j;
        }
    }
    out
}

/// The number of ASCII digits from `i` on.
fn digits_at(chars: &[char], i: usize) -> usize {
    chars.get(i..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

/// Every maximal run of ASCII digits: (start, length).
fn digit_runs(chars: &[char]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let n = digits_at(chars, i);
        if n > 0 {
            runs.push((i, n));
            i += n;
        } else {
            i += 1;
        }
    }
    runs
}

/// The day or month a file name (or banner text) tells: one date is that
/// day; two dates are a range (`2025-04-20至2025-04-20`,
/// `_20250809_20250809_`, `2025-01-01_2025-01-31`). `Err` says why the text
/// tells no usable date.
pub fn file_date(text: &str) -> std::result::Result<FileDate, String> {
    let dates = dates_in(text);
    let (from, to) = match dates.as_slice() {
        [] => return Err("it holds no date".into()),
        [d] => (*d, *d),
        [a, b] => (*a, *b),
        _ => {
            return Err(format!(
                "it holds {} dates; expected one day or one range",
                dates.len()
            ));
        }
    };
    if to < from {
        return Err("its range ends before it starts".into());
    }
    if from == to {
        return Ok(FileDate::Day(from));
    }
    let (fy, fm, fd) = civil_from_days(from);
    let (ty, tm, _) = civil_from_days(to);
    if (fy, fm) != (ty, tm) {
        return Err(format!(
            "its range {}–{} spans more than one month",
            fmt_day(from),
            fmt_day(to)
        ));
    }
    let month = Month {
        year: fy,
        month: fm,
    };
    if fd == 1 && to == from + month.days() as i32 - 1 {
        Ok(FileDate::Month(month))
    } else {
        Ok(FileDate::PartOfMonth(month, from, to))
    }
}

/// `2025-04-20`.
pub fn fmt_day(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A month written in a title, sheet name or file name: `2025-08`,
/// `2025年8月`, `2025 年 八 月 工 资 表`, `202508`; a bare `8月` / `八月`
/// takes the year from `year_hint`.
pub fn month_in(text: &str, year_hint: Option<i32>) -> Option<Month> {
    let folded: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect();
    // Chinese numerals for months: 十二, 十一, 十, 一 … 九.
    let mut t = folded.clone();
    for (cn, n) in [
        ("十二月", "12月"),
        ("十一月", "11月"),
        ("十月", "10月"),
        ("一月", "1月"),
        ("二月", "2月"),
        ("三月", "3月"),
        ("四月", "4月"),
        ("五月", "5月"),
        ("六月", "6月"),
        ("七月", "7月"),
        ("八月", "8月"),
        ("九月", "9月"),
    ] {
        t = t.replace(cn, n);
    }
    let chars: Vec<char> = t.chars().collect();
    let mut bare_month = None;
    for (i, n) in digit_runs(&chars) {
        let run: String = chars[i..i + n].iter().collect();
        let after = chars.get(i + n).copied();
        if n == 4 && matches!(after, Some('-' | '/' | '.' | '年' | '_')) {
            let m = digits_at(&chars, i + n + 1);
            if (1..=2).contains(&m) {
                let month: String = chars[i + n + 1..i + n + 1 + m].iter().collect();
                let next = chars.get(i + n + 1 + m).copied();
                // 2025-08-01 is a date, not a month, unless a 月 follows.
                let is_day_next = matches!(next, Some('-' | '/' | '.'))
                    && chars.get(i + n + 2 + m).is_some_and(|c| c.is_ascii_digit());
                if !is_day_next
                    && let (Ok(y), Ok(mo)) = (run.parse::<i32>(), month.parse::<u32>())
                    && (1..=12).contains(&mo)
                {
                    return Some(Month { year: y, month: mo });
                }
            }
        }
        if n == 6
            && let (Ok(y), Ok(mo)) = (run[..4].parse::<i32>(), run[4..].parse::<u32>())
            && (2000..=2099).contains(&y)
            && (1..=12).contains(&mo)
        {
            return Some(Month { year: y, month: mo });
        }
        if (1..=2).contains(&n) && after == Some('月') && bare_month.is_none() {
            bare_month = run.parse::<u32>().ok().filter(|m| (1..=12).contains(m));
        }
    }
    let year = year_hint.or_else(|| year_in(&folded))?;
    bare_month.map(|month| Month { year, month })
}

/// A four-digit year (2000–2099) standing alone in a text.
pub fn year_in(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    digit_runs(&chars).into_iter().find_map(|(i, n)| {
        let year: i32 = chars[i..i + n].iter().collect::<String>().parse().ok()?;
        (n == 4 && (2000..=2099).contains(&year)).then_some(year)
    })
}

/// Splits a roster nickname cell: several nicknames separated by `;`, `；`,
/// `、` or `|`.
pub fn split_nicknames(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '；', '、', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn fold_nickname(nickname: &str) -> String {
    nickname.trim().replace('：', ":")
}

/// Lookups through the roster: nickname → employee, store name or id → store.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    nicknames: HashMap<String, String>,
    /// (text to look for, store id), longest first.
    stores: Vec<(String, String)>,
}

impl Resolver {
    /// Builds the lookups from the `employees` (nickname) and `stores`
    /// tables; a nickname given to two employees is an error naming both.
    pub(crate) fn new(data: &Dataset, files: &[PathBuf]) -> Result<Resolver> {
        let mut resolver = Resolver::default();
        if let Some(employees) = data.get(Table::Employees)
            && let (Ok(ids), Ok(nicks)) = (
                employees
                    .column("employee_id")
                    .and_then(|c| c.str().cloned()),
                employees.column("nickname").and_then(|c| c.str().cloned()),
            )
        {
            let file = employees
                .column("_file")
                .ok()
                .and_then(|c| c.u32().ok().and_then(|c| c.get(0)))
                .and_then(|f| files.get(f as usize))
                .cloned()
                .unwrap_or_default();
            for (id, nicks) in ids.iter().zip(nicks.iter()) {
                let (Some(id), Some(nicks)) = (id, nicks) else {
                    continue;
                };
                for nick in split_nicknames(nicks) {
                    let key = fold_nickname(nick);
                    if let Some(other) = resolver.nicknames.insert(key, id.to_string())
                        && other != id
                    {
                        return Err(Error::Layout {
                            at: Position {
                                file: file.clone(),
                                column: Some("nickname".into()),
                                ..Default::default()
                            },
                            message: format!(
                                "nickname `{nick}` is given to both {other} and {id}; \
                                 activity keyed by it could not be told apart"
                            ),
                        });
                    }
                }
            }
        }
        if let Some(stores) = data.get(Table::Stores)
            && let Ok(ids) = stores.column("store_id").and_then(|c| c.str().cloned())
        {
            let names = stores.column("name").and_then(|c| c.str().cloned()).ok();
            for (i, id) in ids.iter().enumerate() {
                let Some(id) = id else { continue };
                resolver.stores.push((id.to_string(), id.to_string()));
                if let Some(name) = names.as_ref().and_then(|n| n.get(i)) {
                    resolver
                        .stores
                        .push((name.trim().to_string(), id.to_string()));
                }
            }
            resolver
                .stores
                .sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.cmp(b)));
        }
        Ok(resolver)
    }

    /// Whether the roster gives any nickname.
    pub(crate) fn has_nicknames(&self) -> bool {
        !self.nicknames.is_empty()
    }

    /// The employee a nickname belongs to: the nickname as written, else,
    /// for a sub-account `店铺:小王`, the part after the colon.
    pub(crate) fn employee(&self, nickname: &str) -> Option<&str> {
        let key = fold_nickname(nickname);
        self.nicknames
            .get(&key)
            .or_else(|| {
                key.rsplit_once(':')
                    .and_then(|(_, sub)| self.nicknames.get(sub.trim()))
            })
            .map(String::as_str)
    }

    /// The store a cell names, by id or name; `None` when unknown.
    pub(crate) fn store(&self, value: &str) -> Option<&str> {
        let v = value.trim();
        self.stores
            .iter()
            .find(|(needle, _)| needle == v)
            .map(|(_, id)| id.as_str())
    }

    /// The store whose id or name occurs in `text` (the longest match).
    pub(crate) fn store_in(&self, text: &str) -> Option<&str> {
        self.stores
            .iter()
            .find(|(needle, _)| !needle.is_empty() && text.contains(needle.as_str()))
            .map(|(_, id)| id.as_str())
    }
}

/// Flattens a two-row header: group names above (a merged cell is written
/// once, so it is carried right over blank cells) and names below. A blank
/// name below (or `数值`) takes its group's name; generic names (同比) are
/// left for [`dedupe_generic`].
pub(crate) fn flatten_two_rows(groups: &[String], names: &[String]) -> Vec<String> {
    let mut group = String::new();
    names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let g = groups.get(c).map(|s| s.trim()).unwrap_or("");
            if !g.is_empty() {
                group = g.to_string();
            } else if name.trim().is_empty() {
                group.clear();
            }
            let name = name.trim();
            match (group.as_str(), name) {
                ("", n) => n.to_string(),
                (g, "") | (g, "数值") | (g, "值") => g.to_string(),
                (_, n) => n.to_string(),
            }
        })
        .collect()
}

fn is_generic(name: &str) -> bool {
    matches!(
        name,
        "同比" | "环比" | "占比" | "同比增长" | "环比增长" | "较上期" | "较前一日"
    )
}

/// Generic names (`同比` after every measure) become
/// `{previous header}·{name}`, so each column keeps its own name.
pub(crate) fn dedupe_generic(headers: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    for (c, h) in headers.iter().enumerate() {
        if is_generic(h.trim()) && c > 0 {
            let previous = out[c - 1].split('·').next().unwrap_or("").to_string();
            out.push(format!("{previous}·{}", h.trim()));
        } else {
            out.push(h.clone());
        }
    }
    out
}

/// The text of a file path relative to the dataset directory (folders
/// included) where a store or date may be named.
pub(crate) fn path_text(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .with_extension("")
        .display()
        .to_string()
}

/// A constant text column.
pub(crate) fn constant(name: &str, value: &str, height: usize) -> Column {
    Column::new(name.into(), vec![value.to_string(); height])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        days_from_civil(y, m, d)
    }

    #[test]
    fn file_names_tell_days_and_months() {
        let m = |y, mo| Month { year: y, month: mo };
        assert_eq!(
            file_date("客服绩效_2025-04-20至2025-04-20"),
            Ok(FileDate::Day(day(2025, 4, 20)))
        );
        assert_eq!(
            file_date("shop_20250809_20250809_export"),
            Ok(FileDate::Day(day(2025, 8, 9)))
        );
        assert_eq!(
            file_date("店铺整体_2025-01-01_2025-01-31"),
            Ok(FileDate::Month(m(2025, 1)))
        );
        assert_eq!(
            file_date("x_2024-02-01至2024-02-29"),
            Ok(FileDate::Month(m(2024, 2)))
        );
        assert_eq!(
            file_date("x_2025-03-01至2025-03-15"),
            Ok(FileDate::PartOfMonth(
                m(2025, 3),
                day(2025, 3, 1),
                day(2025, 3, 15)
            ))
        );
        assert_eq!(
            file_date("2025年4月20日 报表"),
            Ok(FileDate::Day(day(2025, 4, 20)))
        );
        assert!(file_date("客服绩效").unwrap_err().contains("no date"));
        assert!(
            file_date("x_2025-01-01至2025-02-28")
                .unwrap_err()
                .contains("more than one month")
        );
        assert!(file_date("x_20250230").unwrap_err().contains("no date"));
    }

    #[test]
    fn months_from_titles_and_sheet_names() {
        let m = |y, mo| Some(Month { year: y, month: mo });
        assert_eq!(month_in("2025 年 八 月 工 资 表", None), m(2025, 8));
        assert_eq!(month_in("2025年12月", None), m(2025, 12));
        assert_eq!(month_in("十一月", Some(2024)), m(2024, 11));
        assert_eq!(month_in("8月", Some(2025)), m(2025, 8));
        assert_eq!(month_in("8月", None), None);
        assert_eq!(month_in("2025-08", None), m(2025, 8));
        assert_eq!(month_in("工资表202503", None), m(2025, 3));
        assert_eq!(month_in("Sheet1", Some(2025)), None);
    }

    #[test]
    fn headers_flatten() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let second = [
            "",
            "浏览量(PV)",
            "同比",
            "访客数(UV)",
            "同比",
            "成交客户数",
            "同比",
        ];
        let mut flat = second;
        flat[0] = "日期";
        assert_eq!(
            flatten_two_rows(&s(&["日期", "流量", "", "", "", "成交", ""]), &s(&second)),
            s(&flat)
        );
        assert_eq!(
            flatten_two_rows(&s(&["店铺", "访客数(UV)", ""]), &s(&["", "数值", "同比"])),
            s(&["店铺", "访客数(UV)", "同比"])
        );
        assert_eq!(
            dedupe_generic(&s(&["日期", "访客数(UV)", "同比", "成交金额", "同比"])),
            s(&[
                "日期",
                "访客数(UV)",
                "访客数(UV)·同比",
                "成交金额",
                "成交金额·同比"
            ])
        );
    }
}
