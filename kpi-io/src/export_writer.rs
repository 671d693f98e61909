//! `kpi gen --as-exports`: the synthetic dataset written the way platforms
//! export it, so demos and tests read realistic files. Each store's daily
//! figures become 生意参谋 (天猫, 淘宝) or 京东商智 (京东) month files; its
//! customer-service figures become 赤兔 day files (天猫), 千牛 month files
//! (淘宝) or 京东 客服 day files (京东), keyed by nickname; what no platform
//! reports stays in tidy `store_daily.csv` / `employee_daily.csv` files
//! (merged with the exports by key on reading); the roster and the other
//! tables are CSV with Chinese headers; the payroll ledger becomes a 工资表
//! workbook with one sheet per month.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_xlsxwriter::Format;

use kpi_core::{Dataset, Month, Role, Table, civil_from_days};

use crate::error::{Error, Result};
use crate::export::fmt_day;
use crate::profile::{Profile, Profiles, Target};
use crate::staging::Staging;
use crate::writer::{HeaderLanguage, WriteOptions, dated_workbook, stage_dataset};

/// A cell to write.
#[derive(Debug, Clone)]
enum Out {
    Text(String),
    Num(f64),
    Blank,
}

/// One sheet: its name and rows (banner lines, header, data, summary rows).
struct SheetOut {
    name: String,
    rows: Vec<Vec<Out>>,
    /// Column of the first cell of every row (1 = column B).
    first_col: u16,
}

fn write_workbook(staging: &mut Staging, path: &Path, sheets: &[SheetOut]) -> Result<()> {
    let xerr = |source| Error::WorkbookWrite {
        path: path.into(),
        source: Box::new(source),
    };
    staging.write(path, |tmp| {
        let mut workbook = dated_workbook().map_err(xerr)?;
        let bold = Format::new().set_bold();
        for sheet in sheets {
            let ws = workbook.add_worksheet();
            ws.set_name(&sheet.name).map_err(xerr)?;
            for (r, row) in sheet.rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, sheet.first_col + c as u16);
                    match cell {
                        Out::Text(t) if r == 0 => {
                            ws.write_string_with_format(r, c, t, &bold).map_err(xerr)?;
                        }
                        Out::Text(t) => {
                            ws.write_string(r, c, t).map_err(xerr)?;
                        }
                        Out::Num(n) => {
                            ws.write_number(r, c, *n).map_err(xerr)?;
                        }
                        Out::Blank => {}
                    }
                }
            }
        }
        workbook.save(tmp).map_err(xerr)
    })
}

/// `1,234,567` or `1,234.50` from integer units of `scale` (100 for cents).
fn thousands(units: i64, scale: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let units = units.abs();
    let whole = (units / scale).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if scale == 1 {
        format!("{sign}{grouped}")
    } else {
        let digits = scale.ilog10() as usize;
        format!("{sign}{grouped}.{:0digits$}", units % scale)
    }
}

/// `98.53%` of `num / den`, `-` when `den` is 0.
fn percent(num: i64, den: i64) -> String {
    if den == 0 {
        return "-".into();
    }
    // Half-up to 2 decimals of a percent, in integers: (num × 10000 × 2 + den) / (2 den).
    let basis = (num as i128 * 20_000 + den as i128) / (2 * den as i128);
    format!("{}.{:02}%", basis / 100, basis % 100)
}

/// `num / den` to 2 decimals (num in `scale` units), `-` when `den` is 0.
fn average(num: i64, scale: i64, den: i64) -> String {
    if den == 0 {
        return "-".into();
    }
    let hundredths = (num as i128 * 200 + (scale * den) as i128) / (2 * (scale * den) as i128);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The columns of a frame as integer values (counts, cents, thousandths).
struct Ints<'a> {
    frame: &'a DataFrame,
    cache: HashMap<&'static str, Vec<Option<i64>>>,
}

impl<'a> Ints<'a> {
    fn new(frame: &'a DataFrame) -> Self {
        Ints {
            frame,
            cache: HashMap::new(),
        }
    }

    fn get(&mut self, column: &'static str, i: usize) -> Option<i64> {
        let frame = self.frame;
        self.cache
            .entry(column)
            .or_insert_with(|| {
                frame
                    .column(column)
                    .ok()
                    .and_then(|c| c.i64().ok().map(|c| c.iter().collect()))
                    .unwrap_or_default()
            })
            .get(i)
            .copied()
            .flatten()
    }
}

/// A text column's values; none when the frame lacks it.
fn text_column(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    kpi_core::str_values(frame, name).unwrap_or_default()
}

fn day_column(frame: &DataFrame) -> Vec<Option<i32>> {
    frame
        .column("date")
        .ok()
        .and_then(|c| c.date().ok().map(|d| d.physical().iter().collect()))
        .unwrap_or_default()
}

/// The headers a profile writes: for each thing it reads, the first header
/// naming it (rates too, as real reports show them beside their counts).
fn written_headers(profile: &Profile, skip_date: bool) -> Vec<(String, Target)> {
    let mut out: Vec<(String, Target)> = Vec::new();
    for (header, target) in &profile.columns {
        if skip_date && matches!(target, Target::Column("date" | "period")) {
            continue;
        }
        if out.iter().any(|(_, t)| t == target) {
            continue;
        }
        out.push((header.clone(), target.clone()));
    }
    out
}

/// The header as a report prints it: the profile keys are folded
/// (half-width brackets, lower-case ASCII); print `PV`/`UV` in capitals
/// and brackets as the platform does.
fn display_header(folded: &str, profile: &Profile) -> String {
    let h = folded.replace("(pv)", "(PV)").replace("(uv)", "(UV)");
    if profile.id == "sycm_cs" || profile.id == "jd_cs" {
        // These reports print a full-width opening bracket.
        return h.replacen('(', "（", 1);
    }
    h
}

/// One cell of a profile column for tidy row `i`.
fn cell_for(target: &Target, ints: &mut Ints<'_>, i: usize, nickname: &str, all_text: bool) -> Out {
    let table_kind = |c: &str| {
        [Table::StoreDaily, Table::EmployeeDaily]
            .iter()
            .find_map(|t| t.column(c))
            .map(|s| s.kind)
    };
    match target {
        Target::Nickname => Out::Text(nickname.to_string()),
        Target::Store => Out::Blank,
        Target::Column(c) => match (table_kind(c), ints.get(c, i)) {
            (_, None) => Out::Text("-".into()),
            (Some(kpi_core::ColumnKind::Money), Some(v)) if all_text => {
                Out::Text(thousands(v, 100))
            }
            (Some(kpi_core::ColumnKind::Money), Some(v)) => Out::Num(v as f64 / 100.0),
            (_, Some(v)) if all_text => Out::Text(thousands(v, 1)),
            (_, Some(v)) => Out::Num(v as f64),
        },
        Target::Rate { column, of } => match (ints.get(column, i), ints.get(of, i)) {
            (Some(n), Some(d)) => Out::Text(percent(n, d)),
            _ => Out::Text("-".into()),
        },
        Target::Average { column, per } => {
            let scale = table_kind(column).map_or(1, |k| k.scale());
            match (ints.get(column, i), ints.get(per, i)) {
                (Some(n), Some(d)) if all_text || d == 0 => Out::Text(average(n, scale, d)),
                (Some(n), Some(d)) => Out::Num(average(n, scale, d).parse().unwrap_or(0.0)),
                _ => Out::Text("-".into()),
            }
        }
    }
}

/// Flags `rows` blank in the tidy remainder for every column `profile`
/// gives (the export carries them).
fn flag_provided(
    blanked: &mut HashMap<&'static str, Vec<bool>>,
    profile: &Profile,
    rows: &[usize],
    height: usize,
) {
    let given = profile
        .provides()
        .into_iter()
        .filter(|c| !matches!(*c, "employee_id" | "store_id" | "date" | "period"));
    for c in given {
        let flags = blanked.entry(c).or_insert_with(|| vec![false; height]);
        for &i in rows {
            flags[i] = true;
        }
    }
}

/// Writes `data` (and the payroll `ledger`) as platform exports under
/// `dir`, all or nothing (see [`Staging`]).
pub fn write_exports(
    data: &Dataset,
    ledger: Option<&DataFrame>,
    dir: impl AsRef<Path>,
) -> Result<Vec<PathBuf>> {
    Staging::once(|staging| stage_exports(staging, data, ledger, dir.as_ref()))
}

fn stage_exports(
    staging: &mut Staging,
    data: &Dataset,
    ledger: Option<&DataFrame>,
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    staging.folder(dir)?;
    let profiles = Profiles::builtin();
    let profile = |id: &str| profiles.get(id).expect("built-in profile").clone();
    let mut written = Vec::new();

    // Stores: name and platform.
    let mut stores: BTreeMap<String, (String, String)> = BTreeMap::new();
    if let Some(f) = data.get(Table::Stores) {
        let (ids, names, platforms) = (
            text_column(f, "store_id"),
            text_column(f, "name"),
            text_column(f, "platform"),
        );
        for i in 0..f.height() {
            if let Some(id) = &ids[i] {
                stores.insert(
                    id.clone(),
                    (
                        names[i].clone().unwrap_or_else(|| id.clone()),
                        platforms[i].clone().unwrap_or_default(),
                    ),
                );
            }
        }
    }
    let platform_of = |store: &str| stores.get(store).map_or("", |s| s.1.as_str()).to_string();
    let store_name = |store: &str| {
        stores
            .get(store)
            .map_or(store, |s| s.0.as_str())
            .to_string()
    };

    // Employees: store, role, first nickname.
    let mut staff: HashMap<String, (String, String, String)> = HashMap::new();
    if let Some(f) = data.get(Table::Employees) {
        let (ids, st, roles, nicks) = (
            text_column(f, "employee_id"),
            text_column(f, "store_id"),
            text_column(f, "role"),
            text_column(f, "nickname"),
        );
        for i in 0..f.height() {
            if let Some(id) = &ids[i] {
                staff.insert(
                    id.clone(),
                    (
                        st[i].clone().unwrap_or_default(),
                        roles[i].clone().unwrap_or_default(),
                        nicks[i]
                            .as_deref()
                            .and_then(|n| crate::export::split_nicknames(n).next())
                            .unwrap_or("")
                            .to_string(),
                    ),
                );
            }
        }
    }

    let mut tidy = Dataset::new();
    for (table, frame) in data.tables() {
        if !matches!(
            table,
            Table::StoreDaily | Table::EmployeeDaily | Table::PayrollLedger
        ) {
            tidy.insert(table, frame.clone());
        }
    }

    // Store daily figures.
    if let Some(frame) = data.get(Table::StoreDaily) {
        let ids = text_column(frame, "store_id");
        let days = day_column(frame);
        let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for i in 0..frame.height() {
            if let (Some(s), Some(d)) = (&ids[i], days[i]) {
                groups
                    .entry((s.clone(), kpi_core::period_of_days(d)))
                    .or_default()
                    .push(i);
            }
        }
        let mut blanked: HashMap<&'static str, Vec<bool>> = HashMap::new();
        let mut ints = Ints::new(frame);
        for ((store, period), rows) in &groups {
            let jd = platform_of(store) == "京东";
            let p = profile(if jd { "jd_sz_funnel" } else { "sycm_shop" });
            let name = store_name(store);
            let month = Month::parse(period).expect("period");
            let first = days[rows[0]].expect("day");
            let last = days[*rows.last().expect("rows")].expect("day");
            let mut sheet_rows: Vec<Vec<Out>> = Vec::new();
            let headers = written_headers(&p, true);
            if !jd {
                // 生意参谋: banner lines, a blank line, then the header (row 6).
                sheet_rows.push(vec![Out::Text(format!(
                    "【生意参谋平台】店铺整体 · {name}"
                ))]);
                sheet_rows.push(vec![Out::Text(format!(
                    "统计日期：{}~{}",
                    fmt_day(first),
                    fmt_day(last)
                ))]);
                sheet_rows.push(vec![Out::Text("终端：所有终端".into())]);
                sheet_rows.push(vec![Out::Text(
                    "数据来源：生意参谋，下载时间以页面为准".into(),
                )]);
                sheet_rows.push(vec![]);
            }
            let mut header = vec![Out::Text(if jd { "日期" } else { "统计日期" }.into())];
            for (h, _) in &headers {
                header.push(Out::Text(display_header(h, &p)));
                if jd {
                    header.push(Out::Text("同比".into()));
                }
            }
            if !jd {
                header.push(Out::Text("客单价".into()));
            }
            sheet_rows.push(header);
            for &i in rows {
                let mut row = vec![Out::Text(fmt_day(days[i].expect("day")))];
                for (_, t) in &headers {
                    row.push(cell_for(t, &mut ints, i, "", !jd));
                    if jd {
                        row.push(Out::Text("-".into()));
                    }
                }
                if !jd {
                    let gmv = ints.get("gmv", i).unwrap_or(0);
                    let buyers = ints.get("buyers", i).unwrap_or(0);
                    row.push(Out::Text(if buyers == 0 {
                        "-".into()
                    } else {
                        thousands((gmv + buyers / 2) / buyers, 100)
                    }));
                }
                sheet_rows.push(row);
            }
            if !jd {
                sheet_rows.push(vec![Out::Text("平均值".into()), Out::Text("-".into())]);
                sheet_rows.push(vec![Out::Text("汇总值".into()), Out::Text("-".into())]);
            }
            flag_provided(&mut blanked, &p, rows, frame.height());
            let (folder, file) = if jd {
                (
                    "京东商智",
                    format!(
                        "京东商智_交易概况_{name}_{}_{}.xlsx",
                        fmt_day(first),
                        fmt_day(last)
                    ),
                )
            } else {
                (
                    "生意参谋",
                    format!(
                        "【生意参谋平台】店铺整体_{name}_{}_{}.xlsx",
                        fmt_day(first),
                        fmt_day(last)
                    ),
                )
            };
            let path = dir.join(folder).join(&name).join(file);
            write_workbook(
                staging,
                &path,
                &[SheetOut {
                    name: month.to_string(),
                    rows: sheet_rows,
                    first_col: 0,
                }],
            )?;
            written.push(path);
        }
        tidy.insert(Table::StoreDaily, blank_out(frame, &blanked)?);
    }

    // Customer-service figures, keyed by nickname.
    if let Some(frame) = data.get(Table::EmployeeDaily) {
        let ids = text_column(frame, "employee_id");
        let days = day_column(frame);
        // (store, day or month) → rows; the profile by the store's platform.
        let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for i in 0..frame.height() {
            let (Some(id), Some(day)) = (&ids[i], days[i]) else {
                continue;
            };
            let Some((store, role, nick)) = staff.get(id) else {
                continue;
            };
            if Role::parse(role) != Some(Role::CustomerService) || nick.is_empty() {
                continue;
            }
            let monthly = platform_of(store) == "淘宝";
            let when = if monthly {
                kpi_core::period_of_days(day)
            } else {
                fmt_day(day)
            };
            groups.entry((store.clone(), when)).or_default().push(i);
        }
        let mut blanked: HashMap<&'static str, Vec<bool>> = HashMap::new();
        let mut ints = Ints::new(frame);
        let last_day = days.iter().flatten().max().copied();
        for ((store, when), rows) in &groups {
            let platform = platform_of(store);
            let id = match platform.as_str() {
                "淘宝" => "qianniu_cs",
                "京东" => "jd_cs",
                _ => "chitu_cs",
            };
            let p = profile(id);
            let name = store_name(store);
            let dated = id == "qianniu_cs";
            let headers = written_headers(&p, !dated);
            let mut sheet_rows: Vec<Vec<Out>> = Vec::new();
            let mut header: Vec<Out> = headers
                .iter()
                .map(|(h, _)| Out::Text(display_header(h, &p)))
                .collect();
            if id == "chitu_cs" {
                header.push(Out::Text("平均接待时长".into()));
            }
            if id == "jd_cs" {
                header.push(Out::Text("30s应答率".into()));
            }
            sheet_rows.push(header);
            for &i in rows {
                let nick = &staff[ids[i].as_deref().expect("id")].2;
                let mut row: Vec<Out> = headers
                    .iter()
                    .map(|(_, t)| match t {
                        Target::Column("date") => Out::Text(fmt_day(days[i].expect("day"))),
                        t => cell_for(t, &mut ints, i, nick, false),
                    })
                    .collect();
                if id == "chitu_cs" {
                    // 平均接待时长 as `8分48秒`; the newest day is not final yet.
                    row.push(Out::Text(if days[i] == last_day {
                        "延迟统计".into()
                    } else {
                        let seconds = 240 + (i % 7) as i64 * 41;
                        format!("{}分{:02}秒", seconds / 60, seconds % 60)
                    }));
                }
                if id == "jd_cs" {
                    row.push(Out::Text(format!("{}.00%", 90 + i % 10)));
                }
                sheet_rows.push(row);
            }
            if id == "chitu_cs" {
                sheet_rows.push(vec![Out::Text("汇总".into())]);
                sheet_rows.push(vec![Out::Text("均值".into())]);
            }
            flag_provided(&mut blanked, &p, rows, frame.height());
            let (folder, file) = match id {
                "chitu_cs" => ("赤兔", format!("客服绩效_{name}_{when}至{when}.xlsx")),
                "jd_cs" => {
                    let compact = when.replace('-', "");
                    (
                        "京东客服",
                        format!("客服整体数据_{name}_{compact}_{compact}_.xlsx"),
                    )
                }
                _ => {
                    let m = Month::parse(when).expect("month");
                    let first = kpi_core::days_from_civil(m.year, m.month, 1);
                    let (y, mo, _) = civil_from_days(first);
                    (
                        "千牛",
                        format!(
                            "服务报表_按客服查看_{name}_{}_{}.xlsx",
                            fmt_day(first),
                            fmt_day(kpi_core::days_from_civil(y, mo, m.days()))
                        ),
                    )
                }
            };
            let path = dir.join(folder).join(&name).join(file);
            write_workbook(
                staging,
                &path,
                &[SheetOut {
                    name: "Sheet1".into(),
                    rows: sheet_rows,
                    first_col: 0,
                }],
            )?;
            written.push(path);
        }
        tidy.insert(Table::EmployeeDaily, blank_out(frame, &blanked)?);
    }

    // The roster, internal sheets and the rest: CSV with Chinese headers.
    let options = WriteOptions::default().with_headers(HeaderLanguage::Chinese);
    written.extend(stage_dataset(staging, &tidy, dir, &options)?);

    if let Some(ledger) = ledger {
        let path = dir.join("工资表.xlsx");
        let names: HashMap<String, String> = data
            .get(Table::Employees)
            .map(|f| {
                text_column(f, "employee_id")
                    .into_iter()
                    .zip(text_column(f, "name"))
                    .filter_map(|(id, name)| Some((id?, name?)))
                    .collect()
            })
            .unwrap_or_default();
        write_workbook(staging, &path, &payroll_sheets(ledger, &names))?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}

/// A frame with the flagged cells of each column set to null.
fn blank_out(frame: &DataFrame, blanked: &HashMap<&'static str, Vec<bool>>) -> Result<DataFrame> {
    let mut out = frame.clone();
    for (column, flags) in blanked {
        let Ok(c) = frame.column(column) else {
            continue;
        };
        let values: Vec<Option<i64>> = c
            .i64()
            .map_err(|e| Error::polars(*column, e))?
            .iter()
            .zip(flags)
            .map(|(v, &f)| if f { None } else { v })
            .collect();
        out.with_column(Column::new((*column).into(), values))
            .map_err(|e| Error::polars(*column, e))?;
    }
    Ok(out)
}

const CN_MONTHS: [&str; 12] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];

/// The ledger as 工资表 sheets: a spaced-out title row, a blank row, the
/// header from column B, a row per employee, a 合计 row.
fn payroll_sheets(ledger: &DataFrame, names: &HashMap<String, String>) -> Vec<SheetOut> {
    let periods = text_column(ledger, "period");
    let employees = text_column(ledger, "employee_id");
    let components = text_column(ledger, "component");
    let amounts: Vec<Option<i64>> = ledger
        .column("amount")
        .ok()
        .and_then(|c| c.i64().ok().map(|c| c.iter().collect()))
        .unwrap_or_default();
    // period → employee → component → cents; components in first-seen order.
    let mut by_period: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for i in 0..ledger.height() {
        let (Some(p), Some(e), Some(c), Some(a)) =
            (&periods[i], &employees[i], &components[i], amounts[i])
        else {
            continue;
        };
        if !order.contains(c) {
            order.push(c.clone());
        }
        *by_period
            .entry(p.clone())
            .or_default()
            .entry(e.clone())
            .or_default()
            .entry(c.clone())
            .or_default() += a;
    }
    let money = |cents: i64| Out::Num(cents as f64 / 100.0);
    by_period
        .into_iter()
        .map(|(period, rows)| {
            let m = Month::parse(&period).expect("period");
            let used: Vec<&String> = order
                .iter()
                .filter(|c| rows.values().any(|r| r.contains_key(*c)))
                .collect();
            // `2025 年 八 月 工 资 表`, spaced out as payroll titles are.
            let month_cn: Vec<String> = CN_MONTHS[m.month as usize - 1]
                .chars()
                .map(|c| c.to_string())
                .collect();
            let title = format!("{} 年 {} 月 工 资 表", m.year, month_cn.join(" "));
            let mut out = vec![vec![Out::Text(title)], vec![]];
            let mut header = vec![
                Out::Text("序号".into()),
                Out::Text("工号".into()),
                Out::Text("姓名".into()),
            ];
            header.extend(used.iter().map(|c| Out::Text((*c).clone())));
            header.push(Out::Text("应发工资".into()));
            out.push(header);
            let mut totals = vec![0i64; used.len() + 1];
            for (n, (employee, lines)) in rows.iter().enumerate() {
                let mut row = vec![
                    Out::Num((n + 1) as f64),
                    Out::Text(employee.clone()),
                    names
                        .get(employee)
                        .map_or(Out::Blank, |n| Out::Text(n.clone())),
                ];
                let mut gross = 0;
                for (k, c) in used.iter().enumerate() {
                    match lines.get(*c) {
                        Some(&a) => {
                            row.push(money(a));
                            gross += a;
                            totals[k] += a;
                        }
                        None => row.push(Out::Blank),
                    }
                }
                totals[used.len()] += gross;
                row.push(money(gross));
                out.push(row);
            }
            let mut total_row = vec![Out::Text("合计".into()), Out::Blank, Out::Blank];
            total_row.extend(totals.into_iter().map(money));
            out.push(total_row);
            SheetOut {
                name: format!("{}年{}月", m.year, m.month),
                rows: out,
                first_col: 1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_texts() {
        assert_eq!(thousands(123_456_789, 100), "1,234,567.89");
        assert_eq!(thousands(1_000, 1), "1,000");
        assert_eq!(thousands(999, 1), "999");
        assert_eq!(thousands(5, 100), "0.05");
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(2, 3), "66.67%");
        assert_eq!(percent(3, 3), "100.00%");
        assert_eq!(percent(0, 0), "-");
        assert_eq!(average(35_275, 1000, 1), "35.28");
        assert_eq!(average(100_000, 1000, 3), "33.33");
    }
}
