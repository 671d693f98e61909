//! The header alias table: every name a canonical column may have in a file.
//!
//! This is the one place aliases live; `kpi schema` prints it. Headers are
//! compared after folding: spaces dropped, full-width brackets and colons
//! made half-width, ASCII lower-cased.

use kpi_core::Table;

/// Canonical column → other names it is known by. The first Chinese name is
/// the one `kpi gen --headers zh` writes.
pub const ALIASES: &[(&str, &[&str])] = &[
    (
        "employee_id",
        &["员工编号", "工号", "员工ID", "员工id", "编号"],
    ),
    ("name", &["姓名", "名称", "员工姓名", "店铺名称"]),
    ("store_id", &["店铺编号", "店铺ID", "店铺id", "店铺"]),
    ("team_id", &["小组", "组别", "团队"]),
    ("role", &["岗位", "职位", "角色"]),
    ("hire_date", &["入职日期", "入职时间"]),
    ("leave_date", &["离职日期", "离职时间"]),
    ("base_salary", &["基本工资", "底薪"]),
    ("bonus_base", &["绩效工资基数", "绩效基数"]),
    ("seniority_pay", &["工龄工资"]),
    ("coefficient", &["岗位系数", "系数"]),
    ("manager_id", &["上级编号", "主管编号"]),
    (
        "nickname",
        &["旺旺", "旺旺昵称", "客服昵称", "昵称", "子账号", "客服账号"],
    ),
    ("platform", &["平台"]),
    ("region", &["地区", "区域"]),
    ("date", &["日期", "统计日期"]),
    ("period", &["月份", "期间", "考核月份"]),
    ("pv", &["浏览量", "浏览量(PV)"]),
    ("uv", &["访客数", "访客数(UV)"]),
    ("new_uv", &["新访客数"]),
    ("bounces", &["跳失人数"]),
    ("stay_seconds", &["停留总时长", "停留总时长(秒)"]),
    ("buyers", &["成交人数", "支付买家数", "成交客户数"]),
    ("orders", &["订单数", "成交订单数", "支付子订单数"]),
    ("gmv", &["成交金额", "支付金额", "销售额", "成交额"]),
    ("refund_amount", &["退款金额", "成功退款金额"]),
    ("ad_spend", &["推广花费", "推广费用"]),
    ("impressions", &["展现量"]),
    ("clicks", &["点击量"]),
    ("arrivals", &["到达数"]),
    ("campaign_uv", &["活动访客数"]),
    ("campaign_clicks", &["活动点击数"]),
    ("campaign_buyers", &["活动成交人数"]),
    ("campaign_orders", &["活动订单数"]),
    ("campaign_gmv", &["活动成交额", "活动成交金额"]),
    ("campaign_cost", &["活动花费", "活动费用"]),
    ("gross_profit", &["毛利", "毛利润"]),
    ("collected", &["回款", "回款金额"]),
    ("cogs", &["销售成本"]),
    ("inventory_value", &["库存金额", "库存价值"]),
    ("receptions", &["接待人数"]),
    ("inquiries", &["询单人数", "咨询人数"]),
    ("order_buyers", &["下单人数", "询单->最终下单人数"]),
    ("paid_buyers", &["付款人数", "询单->最终付款人数"]),
    ("paid_orders", &["付款订单数"]),
    ("cs_sales", &["客服销售额", "销售额(客服)"]),
    ("replies", &["回复数", "回复人数"]),
    ("buyer_messages", &["买家消息数"]),
    ("responses", &["响应次数"]),
    ("response_seconds", &["响应总时长", "响应总时长(秒)"]),
    ("violations", &["违规用语", "违规次数"]),
    ("bad_reviews", &["差评", "差评数", "差评量"]),
    ("complaints", &["投诉", "投诉数"]),
    ("refunds", &["退款数", "退款笔数"]),
    ("returns", &["退货数"]),
    ("exchanges", &["换货数"]),
    ("assisted_sales", &["协助销售额"]),
    ("shipped_orders", &["发货订单数", "发货单数"]),
    ("packages", &["包裹数"]),
    ("ship_hours", &["发货总时长", "发货总时长(小时)"]),
    ("ship_errors", &["发货出错数", "错发数"]),
    ("damaged", &["破损数"]),
    ("late_shipments", &["超时发货数"]),
    ("tasks", &["任务数"]),
    ("tasks_on_time", &["按时完成数"]),
    ("tasks_passed", &["通过数"]),
    ("tasks_planned", &["计划任务数"]),
    ("tasks_done", &["完成任务数"]),
    ("level", &["层级", "级别"]),
    ("id", &["对象编号", "编号"]),
    ("metric", &["指标"]),
    ("target", &["目标", "目标值"]),
    ("late_count", &["迟到次数"]),
    ("early_leave_count", &["早退次数"]),
    ("leave_days", &["请假天数"]),
    ("absent_days", &["缺勤天数", "旷工天数"]),
    ("work_days", &["出勤天数", "应出勤天数"]),
    ("item", &["考核项目", "项目"]),
    ("rater", &["评分人", "评价人"]),
    ("score", &["评分", "得分", "分数"]),
    ("kind", &["类型", "类别"]),
    ("amount", &["金额", "实发金额", "发放金额"]),
    ("component", &["工资项目", "项目", "薪资项目", "科目"]),
    ("reason", &["原因", "事由", "说明"]),
];

/// Folds a header for comparison.
pub fn fold_header(header: &str) -> String {
    header
        .chars()
        .filter_map(|c| match c {
            ' ' | '\u{3000}' | '\t' | '\n' | '\r' | '\u{feff}' => None,
            '（' => Some('('),
            '）' => Some(')'),
            '：' => Some(':'),
            '－' => Some('-'),
            '＞' => Some('>'),
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// The canonical column of `table` that `header` names, if any.
pub fn canonical_column(table: Table, header: &str) -> Option<&'static str> {
    let folded = fold_header(header);
    let columns = table.columns();
    if let Some(spec) = columns.iter().find(|c| c.name == folded) {
        return Some(spec.name);
    }
    columns.iter().map(|c| c.name).find(|name| {
        aliases(name)
            .iter()
            .any(|alias| fold_header(alias) == folded)
    })
}

/// The other names of a canonical column.
pub fn aliases(column: &str) -> &'static [&'static str] {
    ALIASES
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, a)| *a)
        .unwrap_or(&[])
}

/// The Chinese header written for a canonical column (the column itself when it has none).
pub fn chinese_header(column: &str) -> &str {
    aliases(column).first().copied().unwrap_or(column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_two_headers_map() {
        let cases = [
            (Table::Employees, "员工编号", "employee_id"),
            (Table::Employees, "姓名", "name"),
            (Table::Employees, "店铺编号", "store_id"),
            (Table::Employees, "小组", "team_id"),
            (Table::Employees, "岗位", "role"),
            (Table::Employees, "入职日期", "hire_date"),
            (Table::Employees, "离职日期", "leave_date"),
            (Table::Employees, "基本工资", "base_salary"),
            (Table::Employees, "工龄工资", "seniority_pay"),
            (Table::EmployeeDaily, "日期", "date"),
            (Table::Attendance, "月份", "period"),
            (Table::EmployeeDaily, "接待人数", "receptions"),
            (Table::EmployeeDaily, "询单人数", "inquiries"),
            (Table::EmployeeDaily, "下单人数", "order_buyers"),
            (Table::EmployeeDaily, "付款人数", "paid_buyers"),
            (Table::EmployeeDaily, "客服销售额", "cs_sales"),
            (Table::EmployeeDaily, "响应次数", "responses"),
            (Table::EmployeeDaily, "响应总时长", "response_seconds"),
            (Table::StoreDaily, "访客数", "uv"),
            (Table::StoreDaily, "浏览量", "pv"),
            (Table::StoreDaily, "成交人数", "buyers"),
            (Table::StoreDaily, "成交金额", "gmv"),
            (Table::StoreDaily, "推广花费", "ad_spend"),
            (Table::StoreDaily, "回款", "collected"),
            (Table::EmployeeDaily, "回款", "collected"),
            (Table::Attendance, "缺勤天数", "absent_days"),
            (Table::Attendance, "迟到次数", "late_count"),
        ];
        for (table, header, column) in cases {
            assert_eq!(canonical_column(table, header), Some(column), "{header}");
        }
    }

    #[test]
    fn headers_fold_width_and_spaces() {
        assert_eq!(
            canonical_column(Table::StoreDaily, " 访客数（UV） "),
            Some("uv")
        );
        assert_eq!(canonical_column(Table::StoreDaily, "GMV"), Some("gmv"));
        assert_eq!(canonical_column(Table::StoreDaily, "客服昵称"), None);
    }

    #[test]
    fn every_alias_names_a_contract_column() {
        for (column, _) in ALIASES {
            assert!(
                Table::ALL.iter().any(|t| t.column(column).is_some()),
                "{column}"
            );
        }
    }
}
