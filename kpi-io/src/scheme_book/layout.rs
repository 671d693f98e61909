//! How a scheme lies in a workbook: a settings sheet of single values, one
//! sheet per table of rows (items, grades, pay components…), one sheet per
//! table inside a row (an item's bands, a component's tiers) with the
//! owner's id in its first column. Row 1 of a table sheet holds the
//! headers people read, row 2 the scheme keys the cells map to, so a sheet
//! says itself what it holds whatever its name.

use kpi_core::Lang;

/// A step of a key path: a key, or the rows of a table (`[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Rows,
}

/// A key path as written in row 2 and in messages: `items[].rule.kind`.
pub(crate) fn path_text(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                if k.is_empty() || k.contains(['.', '[', ']', '"', ' ', ',']) {
                    out.push('"');
                    out.push_str(&k.replace('"', "\\\""));
                    out.push('"');
                } else {
                    out.push_str(k);
                }
            }
            Seg::Rows => out.push_str("[]"),
        }
    }
    out
}

/// Parses a key path written by [`path_text`]; none for text that is not one.
pub(crate) fn parse_path(text: &str) -> Option<Vec<Seg>> {
    let mut segs = Vec::new();
    let mut chars = text.trim().chars().peekable();
    let mut expect_key = true;
    while let Some(&c) = chars.peek() {
        match c {
            '[' => {
                chars.next();
                if chars.next() != Some(']') {
                    return None;
                }
                segs.push(Seg::Rows);
                expect_key = false;
            }
            '.' if !expect_key => {
                chars.next();
                expect_key = true;
            }
            '"' if expect_key => {
                chars.next();
                let mut key = String::new();
                loop {
                    match chars.next()? {
                        '\\' => key.push(chars.next()?),
                        '"' => break,
                        c => key.push(c),
                    }
                }
                segs.push(Seg::Key(key));
                expect_key = false;
            }
            _ if expect_key => {
                let mut key = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, '.' | '[') {
                        break;
                    }
                    key.push(c);
                    chars.next();
                }
                if key.is_empty() || key.contains(['"', ']', ' ', ',']) {
                    return None;
                }
                segs.push(Seg::Key(key));
                expect_key = false;
            }
            _ => return None,
        }
    }
    (!segs.is_empty() && !expect_key).then_some(segs)
}

/// The top-level keys of a scheme document in the order a scheme file
/// lists them; others follow in name order.
pub(crate) const ORDER: &[&str] = &[
    "scheme",
    "eligibility",
    "sections",
    "items",
    "bonus",
    "overrides",
    "metrics",
    "manual",
    "team_average",
    "grades",
    "streaks",
    "rollup",
    "identities",
    "pay",
];

/// Where a top-level key comes.
pub(crate) fn top_rank(key: &str) -> usize {
    let top = key.split(['.', '[']).next().unwrap_or(key);
    ORDER.iter().position(|o| *o == top).unwrap_or(ORDER.len())
}

/// Sheet names of the known tables: (key path, English, Chinese).
const SHEETS: &[(&str, &str, &str)] = &[
    ("", "settings", "方案设置"),
    ("sections", "sections", "考核模块"),
    ("items", "items", "考核指标"),
    ("items[].rule.bands", "item_bands", "评分标准"),
    ("bonus", "bonus", "加分项"),
    ("bonus[].rule.bands", "bonus_bands", "加分标准"),
    ("overrides", "overrides", "权重调整"),
    ("streaks", "streaks", "连续奖惩"),
    ("metrics", "custom_metrics", "自定义指标"),
    ("manual", "manual_ratings", "人工评分"),
    ("grades", "grades", "等级"),
    ("identities", "identities", "指标恒等式"),
    ("pay.components", "pay_components", "薪酬项目"),
    ("pay.components[].rule.tiers", "pay_tiers", "提成档位"),
];

/// The name of the sheet of a table (its key path): known tables by name,
/// any other by its path.
pub(crate) fn sheet_name(path: &str, lang: Lang) -> String {
    match SHEETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, en, zh)) => pick(lang, en, zh).to_string(),
        None => path
            .replace(['[', ']', '.'], "_")
            .chars()
            .take(31)
            .collect(),
    }
}

/// The sheet of option lists (metric ids), hidden.
pub(crate) const LISTS: &str = "lists";

fn pick<'a>(lang: Lang, en: &'a str, zh: &'a str) -> &'a str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// Headers of keys (the last steps of a column's key path): (key, English,
/// Chinese, note).
const HEADERS: &[(&str, &str, &str, &str)] = &[
    (
        "scheme.id",
        "Scheme id",
        "方案编号",
        "方案的唯一编号,用于文件名和方案对比",
    ),
    ("scheme.name", "Scheme name", "方案名称", ""),
    ("scheme.source", "Source", "依据", "方案来源(制度文件)"),
    ("scheme.period", "Period", "考核周期", "month"),
    (
        "scheme.roles[]",
        "Roles",
        "考核岗位",
        "逗号分隔:customer_service 客服, operations 运营, promotion 推广, campaign 活动策划, design 美工, warehouse 仓库, manager 经理",
    ),
    (
        "scheme.missing",
        "Missing metric",
        "缺失指标处理",
        "redistribute:不计分并重新分配权重;zero:计 0 分",
    ),
    ("id", "Id", "编号", "本表内唯一的编号,其他表用它引用本行"),
    ("label", "Label", "名称", "给人看的名称"),
    ("name", "Name", "名称", ""),
    (
        "metric",
        "Metric",
        "指标",
        "指标目录中的指标编号(见 kpi schema),或自定义指标编号",
    ),
    ("weight", "Weight", "权重", "该项在总分(或所属模块)中的权重"),
    ("section", "Section", "所属模块", "考核模块的编号"),
    (
        "roles[]",
        "Roles",
        "适用岗位",
        "逗号分隔的岗位编号;留空为方案的全部岗位",
    ),
    (
        "rule.kind",
        "Rule kind",
        "规则类型",
        "bands 区间, linear 线性, scale 比例, rank 排名, occurrences 次数, per_unit 每单位",
    ),
    (
        "rule.direction",
        "Direction",
        "方向",
        "higher 越高越好, lower 越低越好",
    ),
    (
        "direction",
        "Direction",
        "方向",
        "higher 越高越好, lower 越低越好",
    ),
    ("min", "From", "区间下限", "区间的下限(留空为无下限)"),
    ("max", "To", "区间上限", "区间的上限(留空为无上限)"),
    (
        "min_inclusive",
        "Includes from",
        "含下限",
        "TRUE 含, FALSE 不含",
    ),
    (
        "max_inclusive",
        "Includes to",
        "含上限",
        "TRUE 含, FALSE 不含",
    ),
    ("points", "Points", "得分", ""),
    ("fixed", "Fixed", "固定额", "该档位的固定金额(元)"),
    ("rate", "Rate", "比例", "提成比例,如 0.02 为 2%"),
    (
        "offset",
        "Start",
        "起算点",
        "比例从该业绩起算:固定额 + 比例 × (业绩 − 起算点)",
    ),
    ("rule.measure", "Measure", "业绩指标", ""),
    ("rule.start", "Baseline", "基准", ""),
    ("rule.points_per_unit", "Points per unit", "每单位分值", ""),
    ("rule.cap", "Cap", "上限", ""),
    ("rule.floor", "Floor", "下限", ""),
    ("rule.threshold", "Threshold", "阈值", ""),
    ("cap", "Cap", "上限", ""),
    (
        "payout",
        "Payout %",
        "绩效比例",
        "该等级发放的绩效比例(%),或 score 表示按总分",
    ),
    ("position_wage", "Position wage", "岗位工资", "元"),
    ("months", "Months", "连续月数", ""),
    ("months[]", "Months", "月份", "逗号分隔的月份"),
    ("grades[]", "Grades", "等级", "逗号分隔的等级名称"),
    ("flag", "Flag", "标记", ""),
    ("amount", "Amount", "金额", "元"),
    (
        "pay.rounding",
        "Rounding",
        "舍入规则",
        "half_up 四舍五入, half_even 银行家舍入",
    ),
    (
        "pay.round",
        "Round at",
        "舍入位置",
        "component 每项舍入, total 合计舍入",
    ),
    (
        "pay.on_leave",
        "On leave",
        "离职处理",
        "pay 照发, forfeit 不发",
    ),
];

/// The header people read for a column, its note, and the key path shown
/// under it.
pub(crate) fn header(key: &str, lang: Lang) -> (String, &'static str) {
    let found = HEADERS.iter().find(|(k, _, _, _)| *k == key).or_else(|| {
        let leaf = key.rsplit_once('.').map_or(key, |(_, leaf)| leaf);
        HEADERS.iter().find(|(k, _, _, _)| *k == leaf)
    });
    match found {
        Some((_, en, zh, note)) => (pick(lang, en, zh).to_string(), note),
        None => (key.to_string(), ""),
    }
}

/// Where a column comes in its sheet: known keys first, in this order.
pub(crate) fn column_rank(key: &str) -> usize {
    const ORDER: &[&str] = &[
        "id",
        "label",
        "name",
        "metric",
        "weight",
        "section",
        "roles[]",
        "min",
        "max",
        "min_inclusive",
        "max_inclusive",
        "points",
        "fixed",
        "rate",
        "offset",
        "rule.kind",
        "rule.direction",
        "rule.measure",
    ];
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

/// The rule kinds of items and bonus items.
pub(crate) const SCORING_KINDS: &[&str] = &[
    "bands",
    "linear",
    "scale",
    "rank",
    "occurrences",
    "per_unit",
];

/// The rule kinds of pay components.
pub(crate) const PAY_KINDS: &[&str] = &[
    "fixed",
    "roster",
    "position_wage",
    "performance",
    "tiered",
    "role_rate",
    "pool",
    "average_of",
    "attendance_bonus",
    "streak",
    "adjustments",
];

/// How a column's cells are checked as they are typed.
pub(crate) enum Check {
    /// One of these words.
    Words(&'static [&'static str]),
    /// A metric id of the catalogue (others warned about, not refused:
    /// custom metrics).
    Metric,
    /// A number between these.
    Number(f64, f64),
    /// Role ids (several may be given, comma-separated: others are warned
    /// about, not refused).
    Roles,
}

/// The check of column `key` of the table at `table`.
pub(crate) fn check_of(table: &str, key: &str) -> Option<Check> {
    let leaf = key.rsplit_once('.').map_or(key, |(_, leaf)| leaf);
    match (table, key, leaf) {
        ("pay.components", "rule.kind", _) => Some(Check::Words(PAY_KINDS)),
        (_, "rule.kind", _) => Some(Check::Words(SCORING_KINDS)),
        (_, "metric", _) => Some(Check::Metric),
        (_, "roles[]", _) => Some(Check::Roles),
        (_, _, "direction") => Some(Check::Words(&["higher", "lower"])),
        (_, "weight", _) => Some(Check::Number(0.0, 100.0)),
        (_, _, "rate") => Some(Check::Number(0.0, 1.0)),
        (_, _, "min" | "max" | "points" | "fixed" | "offset" | "cap" | "floor" | "start")
        | (_, _, "threshold" | "points_per_unit" | "position_wage" | "amount") => {
            Some(Check::Number(-1e15, 1e15))
        }
        _ => None,
    }
}

/// Checks of the settings sheet's values, by key.
pub(crate) fn setting_check(key: &str) -> Option<Check> {
    match key {
        "scheme.period" => Some(Check::Words(&["month"])),
        "scheme.roles[]" => Some(Check::Roles),
        "scheme.missing" => Some(Check::Words(&["redistribute", "zero"])),
        "pay.rounding" => Some(Check::Words(&["half_up", "half_even"])),
        "pay.round" => Some(Check::Words(&["component", "total"])),
        "pay.on_leave" => Some(Check::Words(&["pay", "forfeit"])),
        _ => None,
    }
}

/// Headers of the settings sheet: setting, value, key.
pub(crate) fn settings_headers(lang: Lang) -> [&'static str; 3] {
    match lang {
        Lang::En => ["setting", "value", "key"],
        Lang::Zh => ["设置项", "值", "键"],
    }
}

/// The header of the owner column of a table inside rows.
pub(crate) fn owner_header(lang: Lang, owner_sheet: &str) -> String {
    match lang {
        Lang::En => format!("{owner_sheet} id"),
        Lang::Zh => format!("所属{owner_sheet}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_read_back() {
        for text in [
            "items[].rule.bands[].min",
            "scheme.roles[]",
            "pay.ledger_columns.\"岗位.工资\"",
            "pay.ledger_columns.岗位工资",
        ] {
            let segs = parse_path(text).unwrap();
            assert_eq!(path_text(&segs), text);
        }
        assert_eq!(parse_path("items[].rule.bands[].min").unwrap().len(), 6);
        for bad in ["", "items..a", "items[", "a b", ".a", "a."] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }
}
