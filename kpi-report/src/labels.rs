//! What a person reads: column headers in Chinese or English (fixed
//! columns from one table, items and sections from the scheme, metrics from
//! the catalogue, pay components from their labels), and the roster's
//! names beside employee and store ids.

use std::collections::HashMap;

use polars::prelude::*;

use kpi_core::{Dataset, Lang, Level, Role, Scheme, Table, find_metric, metric, roster_names};

/// Headers of fixed columns: (id, English, Chinese).
const FIXED: &[(&str, &str, &str)] = &[
    ("period", "Period", "期间"),
    ("employee_id", "Employee ID", "工号"),
    ("name", "Name", "姓名"),
    ("store_id", "Store ID", "门店"),
    ("store_name", "Store", "门店名称"),
    ("team_id", "Team", "小组"),
    ("role", "Role", "岗位"),
    ("eligible", "Eligible", "参评"),
    ("bonus", "Bonus", "加分"),
    ("total_score", "Total score", "总分"),
    ("grade", "Grade", "等级"),
    ("payout_pct", "Payout %", "绩效比例"),
    ("position_wage", "Position wage", "岗位工资"),
    ("flags", "Notes", "备注"),
    ("item", "Item", "考核项"),
    ("metric", "Metric", "指标"),
    ("value", "Value", "数值"),
    ("numerator", "Numerator", "分子"),
    ("denominator", "Denominator", "分母"),
    ("rule", "Rule", "评分规则"),
    ("points", "Points", "得分"),
    ("weight", "Weight", "权重"),
    ("contribution", "Adds to total", "计入总分"),
    ("missing_reason", "Why missing", "缺失原因"),
    ("component", "Component", "薪酬项目"),
    ("amount", "Amount", "金额"),
    ("basis", "Basis", "计算依据"),
    ("basis_value", "Basis value", "依据数值"),
    ("gross", "Gross pay", "应发合计"),
    ("deferred", "Deferred", "递延"),
    ("released", "Released", "释放"),
    ("forfeited", "Forfeited", "扣回"),
    ("paid_now", "Paid now", "本期实发"),
    ("held", "Held", "暂缓发放"),
    ("level", "Level", "层级"),
    ("id", "ID", "对象"),
    ("mom", "MoM", "环比"),
    ("yoy", "YoY", "同比"),
    ("rolling_3", "Rolling 3 months", "近三月"),
    ("qtd", "Quarter to date", "季度累计"),
    ("ytd", "Year to date", "年度累计"),
    ("rank", "Rank", "排名"),
    ("rank_change", "Rank change", "排名变化"),
    ("streak", "Streak", "连续月数"),
    ("base_period", "Base period", "基期"),
    ("method", "Method", "方法"),
    ("factor", "Factor", "因素"),
    ("effect", "Effect", "影响"),
    ("measure", "Measure", "指标"),
    ("store_mean", "Store mean", "门店均值"),
    ("store_best", "Store best", "门店最佳"),
    ("all_mean", "All-store mean", "全公司均值"),
    ("all_best", "All-store best", "全公司最佳"),
    ("percentile", "Percentile", "百分位"),
    ("gap_to_best", "Gap to best", "与最佳差距"),
    ("week", "Week", "周"),
    ("target", "Target", "目标"),
    ("actual", "Actual", "实际"),
    ("completion", "Completion", "完成率"),
    ("gap", "Gap", "差距"),
    ("check", "Check", "校验"),
    ("source", "Source", "来源"),
    ("table", "Table", "数据表"),
    ("file", "File", "文件"),
    ("sheet", "Sheet", "工作表"),
    ("row", "Row", "行"),
    ("column", "Column", "列"),
    ("issue", "Issue", "问题"),
    ("action", "Action", "处理"),
    ("rows", "Rows", "行数"),
    // The comparison tables.
    ("scheme", "Scheme", "方案"),
    ("employees", "Employees scored", "评分人数"),
    ("employee_months", "Employee-months", "人·月"),
    ("not_eligible", "Not eligible", "不参评人·月"),
    ("score_mean", "Mean score", "平均分"),
    ("score_sd", "Score SD", "标准差"),
    ("score_min", "Lowest", "最低分"),
    ("score_q1", "Q1", "下四分位"),
    ("score_median", "Median", "中位数"),
    ("score_q3", "Q3", "上四分位"),
    ("score_max", "Highest", "最高分"),
    ("pay_total", "Pay total", "薪酬总额"),
    ("fixed_pay", "Fixed pay", "固定薪酬"),
    ("gmv", "GMV", "成交额"),
    ("own_sales", "Own sales", "本人销售额"),
    ("pay_pct_gmv", "Pay / GMV", "薪酬占成交额"),
    ("pay_pct_own_sales", "Pay / own sales", "薪酬占本人销售额"),
    ("variable_share", "Variable share", "浮动薪酬占比"),
    ("scheme_a", "Scheme A", "方案A"),
    ("scheme_b", "Scheme B", "方案B"),
    ("only_a", "Scored by A only", "仅A评分"),
    ("only_b", "Scored by B only", "仅B评分"),
    ("spearman", "Spearman", "斯皮尔曼等级相关"),
    ("spearman_note", "Why no Spearman", "无相关系数原因"),
    ("grade_changes", "Grade changes", "等级变化"),
    ("grade_changes_note", "Why no count", "未计原因"),
    ("paid_both", "Paid by both", "双方均发薪"),
    ("pay_a", "Pay A", "A薪酬"),
    ("pay_b", "Pay B", "B薪酬"),
    ("pay_difference", "Pay B − A", "薪酬差额(B−A)"),
    ("difference_mean", "Mean difference", "差额均值"),
    ("difference_min", "Lowest difference", "差额最低"),
    ("difference_q1", "Difference Q1", "差额下四分位"),
    ("difference_median", "Median difference", "差额中位数"),
    ("difference_q3", "Difference Q3", "差额上四分位"),
    ("difference_max", "Highest difference", "差额最高"),
    ("winners", "Paid more", "增薪人·月"),
    ("losers", "Paid less", "减薪人·月"),
    ("store_gmv_pairs", "With store growth", "门店增长样本"),
    (
        "store_gmv_growth_spearman",
        "vs store GMV growth",
        "与门店成交额环比",
    ),
    (
        "store_gmv_growth_note",
        "Why none (store)",
        "门店相关缺失原因",
    ),
    ("own_sales_pairs", "With own growth", "本人增长样本"),
    (
        "own_sales_growth_spearman",
        "vs own sales growth",
        "与本人销售额环比",
    ),
    (
        "own_sales_growth_note",
        "Why none (own)",
        "本人相关缺失原因",
    ),
    ("pay_change", "Pay change", "薪酬变化"),
    ("pay_change_pct", "Pay change %", "薪酬变化率"),
    ("direction", "Direction", "方向"),
    ("baseline", "Against", "对比方案"),
    ("score_before", "Score (against)", "原方案总分"),
    ("score_after", "Score", "新方案总分"),
    ("grade_before", "Grade (against)", "原方案等级"),
    ("grade_after", "Grade", "新方案等级"),
    ("gross_before", "Gross (against)", "原方案应发"),
    ("gross_after", "Gross", "新方案应发"),
    ("change", "Change", "变化"),
];

/// Suffixes of per-scheme comparison columns (`<scheme>.<what>`).
const PER_SCHEME: &[(&str, &str, &str)] = &[
    ("total_score", "total score", "总分"),
    ("grade", "grade", "等级"),
    ("gross", "gross pay", "应发"),
    ("score_change", "score change", "分差"),
    ("gross_change", "gross change", "应发差额"),
];

fn pick(lang: Lang, en: &str, zh: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Zh => zh.to_string(),
    }
}

/// Column headers in one language.
pub(crate) struct Labels<'a> {
    lang: Lang,
    scheme: Option<&'a Scheme>,
    /// Pay component ids and labels.
    components: Vec<(String, String)>,
    /// Scheme ids of a comparison.
    schemes: Vec<String>,
}

impl<'a> Labels<'a> {
    pub(crate) fn new(lang: Lang) -> Self {
        Labels {
            lang,
            scheme: None,
            components: Vec::new(),
            schemes: Vec::new(),
        }
    }

    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    pub(crate) fn with_scheme(mut self, scheme: Option<&'a Scheme>) -> Self {
        self.scheme = scheme;
        self
    }

    pub(crate) fn with_components(mut self, pay: Option<&kpi_core::Pay>) -> Self {
        if let Some(pay) = pay {
            self.components = pay
                .component_ids
                .iter()
                .cloned()
                .zip(pay.labels.iter().cloned())
                .collect();
        }
        self
    }

    pub(crate) fn with_schemes(mut self, schemes: &[String]) -> Self {
        self.schemes = schemes.to_vec();
        self
    }

    /// What a scored item is called: its label (Chinese) or its metric's
    /// catalogue label.
    fn item(&self, id: &str) -> String {
        let scheme_item = self.scheme.and_then(|s| {
            s.items
                .iter()
                .find(|i| i.id == id)
                .map(|i| (i.label.clone(), i.metric.clone()))
                .or_else(|| {
                    s.bonus
                        .iter()
                        .find(|b| b.id == id)
                        .map(|b| (b.label.clone(), b.metric.clone()))
                })
        });
        let catalogue = scheme_item
            .as_ref()
            .and_then(|(_, m)| find_metric(m))
            .or_else(|| find_metric(id));
        match (self.lang, scheme_item, catalogue) {
            (Lang::Zh, Some((Some(label), _)), _) => label,
            (Lang::Zh, _, Some(m)) => m.zh.to_string(),
            (Lang::En, _, Some(m)) => m.en.to_string(),
            _ => id.to_string(),
        }
    }

    /// `frame` with the values people read by name named: roles in the
    /// report's language (客服), items by their labels, metrics by the
    /// catalogue's. Ids stay in the exports.
    pub(crate) fn values(&self, mut frame: DataFrame) -> PolarsResult<DataFrame> {
        type Name<'n> = Box<dyn Fn(&str) -> String + 'n>;
        let namers: [(&str, Name<'_>); 5] = [
            (
                "role",
                Box::new(
                    |v: &str| match (self.lang, Role::ALL.iter().find(|r| r.id() == v)) {
                        (Lang::Zh, Some(role)) => role.chinese()[0].to_string(),
                        _ => v.to_string(),
                    },
                ),
            ),
            ("item", Box::new(|v: &str| self.item(v))),
            ("component", Box::new(|v: &str| self.header(v))),
            ("measure", Box::new(|v: &str| self.header(v))),
            (
                "metric",
                Box::new(|v: &str| {
                    find_metric(v).map_or(v.to_string(), |m| pick(self.lang, m.en, m.zh))
                }),
            ),
        ];
        for (column, name) in namers {
            let Ok(values) = frame.column(column).and_then(|c| c.str().cloned()) else {
                continue;
            };
            let mut seen: HashMap<&str, String> = HashMap::new();
            let named: StringChunked = values
                .iter()
                .map(|v| v.map(|v| seen.entry(v).or_insert_with(|| name(v)).clone()))
                .collect();
            frame.with_column(named.with_name(column.into()).into_column())?;
        }
        Ok(frame)
    }

    /// The header of column `id` (the column id itself when nothing names it).
    pub(crate) fn header(&self, id: &str) -> String {
        let lang = self.lang;
        if let Some((_, en, zh)) = FIXED.iter().find(|(c, _, _)| *c == id) {
            return pick(lang, en, zh);
        }
        if let Some(item) = id.strip_prefix("points.") {
            return format!("{}{}", self.item(item), pick(lang, " points", " 得分"));
        }
        if let Some(item) = id.strip_prefix("weight.") {
            return format!("{}{}", self.item(item), pick(lang, " weight", " 权重"));
        }
        if let Some(section) = id.strip_prefix("section.") {
            let label = self
                .scheme
                .and_then(|s| s.sections.iter().find(|x| x.id == section))
                .and_then(|s| s.label.clone())
                .filter(|_| lang == Lang::Zh)
                .unwrap_or_else(|| section.to_string());
            return format!("{label}{}", pick(lang, " section", " 小计"));
        }
        if let Some(grade) = id.strip_prefix("grade.") {
            return format!("{}{grade}", pick(lang, "Grade ", "等级 "));
        }
        if let Some((scheme, what)) = id.rsplit_once('.')
            && self.schemes.iter().any(|s| s == scheme)
            && let Some((_, en, zh)) = PER_SCHEME.iter().find(|(w, _, _)| *w == what)
        {
            return format!("{scheme} {}", pick(lang, en, zh));
        }
        if let Some((_, label)) = self.components.iter().find(|(c, _)| c == id) {
            return match lang {
                Lang::Zh => label.clone(),
                Lang::En => id.replace('_', " "),
            };
        }
        if let Some(m) = metric(Level::Employee, id).or_else(|| metric(Level::Store, id)) {
            return pick(lang, m.en, m.zh);
        }
        id.to_string()
    }
}

/// A fact on the first sheet of a workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The dataset read.
    Data,
    /// How many files and rows were read.
    FilesRead,
    /// How many data-quality notes the reader made.
    QualityNotes,
}

impl Fact {
    /// The fact's label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            Fact::Data => ("data", "数据"),
            Fact::FilesRead => ("files read", "读取文件"),
            Fact::QualityNotes => ("data-quality notes", "数据质量提示"),
        };
        match lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// The roster's names: employees and stores by id.
#[derive(Debug, Clone, Default)]
pub struct Names {
    employees: HashMap<String, String>,
    stores: HashMap<String, String>,
}

impl Names {
    /// The names in the dataset's `employees` and `stores` tables (none
    /// where a table has no `name` column).
    pub fn of(data: &Dataset) -> kpi_core::Result<Names> {
        Ok(Names {
            employees: roster_names(data, Table::Employees, "employee_id")?,
            stores: roster_names(data, Table::Stores, "store_id")?,
        })
    }

    /// An employee's name.
    pub(crate) fn employee(&self, id: &str) -> Option<&str> {
        self.employees.get(id).map(String::as_str)
    }

    /// `frame` with `name` after `employee_id` and `store_name` after
    /// `store_id`, where the roster names them.
    pub(crate) fn beside_ids(&self, frame: DataFrame) -> PolarsResult<DataFrame> {
        let frame = insert_names(frame, "employee_id", "name", &self.employees)?;
        insert_names(frame, "store_id", "store_name", &self.stores)
    }
}

fn insert_names(
    frame: DataFrame,
    id: &str,
    name: &str,
    names: &HashMap<String, String>,
) -> PolarsResult<DataFrame> {
    let columns = frame.get_column_names();
    let (Some(at), false) = (
        columns.iter().position(|c| c.as_str() == id),
        names.is_empty() || columns.iter().any(|c| c.as_str() == name),
    ) else {
        return Ok(frame);
    };
    let values: Vec<Option<&str>> = frame
        .column(id)?
        .str()?
        .iter()
        .map(|v| v.and_then(|v| names.get(v).map(String::as_str)))
        .collect();
    let mut out: Vec<Column> = frame.columns()[..=at].to_vec();
    out.push(Column::new(name.into(), values));
    out.extend(frame.columns()[at + 1..].iter().cloned());
    DataFrame::new(frame.height(), out)
}
