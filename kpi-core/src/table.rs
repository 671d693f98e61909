//! The tables of the data contract and the kind of every canonical column.

use std::fmt;

/// How a column's cells are typed once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// An identifier, kept as text (`E0001`, `S01`).
    Id,
    /// Free text (names, reasons).
    Text,
    /// A calendar date (polars `Date`).
    Date,
    /// A month, `YYYY-MM` text.
    Period,
    /// A non-negative whole count (`Int64`).
    Count,
    /// Money, held exactly as integer cents (`Int64`).
    Money,
    /// A duration in seconds, held exactly as integer milliseconds (`Int64`,
    /// non-negative) so that sums do not depend on row order.
    Seconds,
    /// A duration in hours, held exactly as integer thousandths of an hour (`Int64`).
    Hours,
    /// A plain number (`Float64`): coefficients, targets, ratings.
    Number,
    /// A role, normalised to its canonical id.
    Role,
    /// A word of a closed vocabulary, normalised to its canonical id.
    Word(Vocabulary),
}

/// A closed vocabulary: the canonical ids a column accepts, each with the
/// Chinese words that mean it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vocabulary {
    /// `adjustments.kind`.
    AdjustmentKind,
    /// `targets.level`.
    TargetLevel,
    /// `manual_scores.rater`.
    Rater,
}

impl Vocabulary {
    /// Each canonical id with its Chinese words.
    pub fn words(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Vocabulary::AdjustmentKind => &[
                ("loss", &["损失", "扣款", "罚款", "赔偿"]),
                ("award", &["奖励", "奖金"]),
                ("correction", &["更正", "调整"]),
            ],
            Vocabulary::TargetLevel => &[
                ("store", &["门店", "店铺"]),
                ("team", &["小组", "团队"]),
                ("employee", &["员工", "个人"]),
            ],
            Vocabulary::Rater => &[
                ("self", &["自评", "本人"]),
                ("supervisor", &["上级", "主管", "领导"]),
                ("peer", &["同事", "互评"]),
                ("customer", &["客户", "顾客"]),
            ],
        }
    }

    /// What the column holds, for messages (`an adjustment kind`).
    pub fn what(self) -> &'static str {
        match self {
            Vocabulary::AdjustmentKind => "an adjustment kind",
            Vocabulary::TargetLevel => "a target level",
            Vocabulary::Rater => "a rater",
        }
    }

    /// The canonical id of a canonical id (any case) or a Chinese word.
    pub fn parse(self, text: &str) -> Option<&'static str> {
        let text = text.trim();
        self.words()
            .iter()
            .find(|(id, zh)| id.eq_ignore_ascii_case(text) || zh.contains(&text))
            .map(|(id, _)| *id)
    }

    /// Every accepted word: `loss (损失, 扣款, 罚款, 赔偿), award (…)`.
    pub fn accepted(self) -> String {
        self.words()
            .iter()
            .map(|(id, zh)| format!("{id} ({})", zh.join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl ColumnKind {
    /// Whether negative values are invalid for this kind.
    pub fn non_negative(self) -> bool {
        matches!(self, Self::Count | Self::Seconds | Self::Hours)
    }

    /// How many stored integer units make one unit of the value: 100 cents a
    /// yuan, 1000 thousandths a second or hour; 1 for everything else.
    pub fn scale(self) -> i64 {
        match self {
            Self::Money => 100,
            Self::Seconds | Self::Hours => 1000,
            _ => 1,
        }
    }

    /// Whether values of this kind are summed when daily rows become months.
    pub fn is_additive(self) -> bool {
        matches!(
            self,
            Self::Count | Self::Money | Self::Seconds | Self::Hours
        )
    }
}

/// One canonical column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Canonical English name.
    pub name: &'static str,
    /// How its cells are typed.
    pub kind: ColumnKind,
    /// For stock columns (such as inventory value): averaged, not summed, over a period.
    pub stock: bool,
}

const fn c(name: &'static str, kind: ColumnKind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        stock: false,
    }
}

const fn stock(name: &'static str, kind: ColumnKind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        stock: true,
    }
}

use ColumnKind::*;

const EMPLOYEES: &[ColumnSpec] = &[
    c("employee_id", Id),
    c("name", Text),
    c("store_id", Id),
    c("team_id", Id),
    c("role", Role),
    c("hire_date", Date),
    c("leave_date", Date),
    c("base_salary", Money),
    c("bonus_base", Money),
    c("seniority_pay", Money),
    c("coefficient", Number),
    c("manager_id", Id),
    c("nickname", Text),
];

const STORES: &[ColumnSpec] = &[
    c("store_id", Id),
    c("name", Text),
    c("platform", Text),
    c("region", Text),
];

const STORE_DAILY: &[ColumnSpec] = &[
    c("store_id", Id),
    c("date", Date),
    c("period", Period),
    c("pv", Count),
    c("uv", Count),
    c("new_uv", Count),
    c("bounces", Count),
    c("stay_seconds", Seconds),
    c("buyers", Count),
    c("orders", Count),
    c("gmv", Money),
    c("refund_amount", Money),
    c("ad_spend", Money),
    c("impressions", Count),
    c("clicks", Count),
    c("arrivals", Count),
    c("campaign_uv", Count),
    c("campaign_clicks", Count),
    c("campaign_buyers", Count),
    c("campaign_orders", Count),
    c("campaign_gmv", Money),
    c("campaign_cost", Money),
    c("gross_profit", Money),
    c("collected", Money),
    c("cogs", Money),
    stock("inventory_value", Money),
];

const EMPLOYEE_DAILY: &[ColumnSpec] = &[
    c("employee_id", Id),
    c("date", Date),
    c("period", Period),
    c("receptions", Count),
    c("inquiries", Count),
    c("order_buyers", Count),
    c("paid_buyers", Count),
    c("paid_orders", Count),
    c("cs_sales", Money),
    c("replies", Count),
    c("buyer_messages", Count),
    c("responses", Count),
    c("response_seconds", Seconds),
    c("violations", Count),
    c("bad_reviews", Count),
    c("complaints", Count),
    c("refunds", Count),
    c("returns", Count),
    c("exchanges", Count),
    c("assisted_sales", Money),
    c("collected", Money),
    c("shipped_orders", Count),
    c("packages", Count),
    c("ship_hours", Hours),
    c("ship_errors", Count),
    c("damaged", Count),
    c("late_shipments", Count),
    c("tasks", Count),
    c("tasks_on_time", Count),
    c("tasks_passed", Count),
    c("tasks_planned", Count),
    c("tasks_done", Count),
];

const TARGETS: &[ColumnSpec] = &[
    c("period", Period),
    c("level", Word(Vocabulary::TargetLevel)),
    c("id", Id),
    c("metric", Id),
    c("target", Number),
];

const ATTENDANCE: &[ColumnSpec] = &[
    c("employee_id", Id),
    c("date", Date),
    c("period", Period),
    c("late_count", Count),
    c("early_leave_count", Count),
    c("leave_days", Number),
    c("absent_days", Number),
    c("work_days", Number),
];

const MANUAL_SCORES: &[ColumnSpec] = &[
    c("period", Period),
    c("employee_id", Id),
    c("item", Id),
    c("rater", Word(Vocabulary::Rater)),
    c("score", Number),
];

const PAYROLL_LEDGER: &[ColumnSpec] = &[
    c("period", Period),
    c("employee_id", Id),
    c("component", Text),
    c("amount", Money),
];

const ADJUSTMENTS: &[ColumnSpec] = &[
    c("period", Period),
    c("employee_id", Id),
    c("kind", Word(Vocabulary::AdjustmentKind)),
    c("amount", Money),
    c("reason", Text),
];

/// A table of the data contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// The roster: one row per employee.
    Employees,
    /// One row per store.
    Stores,
    /// Store activity, daily or monthly.
    StoreDaily,
    /// Employee activity, daily or monthly.
    EmployeeDaily,
    /// Targets per period, level, id and metric.
    Targets,
    /// Attendance per employee and period (or date).
    Attendance,
    /// Manual (soft) ratings.
    ManualScores,
    /// Money adjustments: losses, awards, corrections.
    Adjustments,
    /// The payroll actually paid, one row per employee, period and pay
    /// component: what `kpi reconcile` compares with the scheme's pay.
    PayrollLedger,
}

impl Table {
    /// Every table, in the order they are loaded and listed.
    pub const ALL: [Table; 9] = [
        Table::Employees,
        Table::Stores,
        Table::StoreDaily,
        Table::EmployeeDaily,
        Table::Targets,
        Table::Attendance,
        Table::ManualScores,
        Table::Adjustments,
        Table::PayrollLedger,
    ];

    /// The table's file or folder name in a dataset directory.
    pub fn name(self) -> &'static str {
        match self {
            Table::Employees => "employees",
            Table::Stores => "stores",
            Table::StoreDaily => "store_daily",
            Table::EmployeeDaily => "employee_daily",
            Table::Targets => "targets",
            Table::Attendance => "attendance",
            Table::ManualScores => "manual_scores",
            Table::Adjustments => "adjustments",
            Table::PayrollLedger => "payroll_ledger",
        }
    }

    /// Finds a table by its file name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The canonical columns.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Table::Employees => EMPLOYEES,
            Table::Stores => STORES,
            Table::StoreDaily => STORE_DAILY,
            Table::EmployeeDaily => EMPLOYEE_DAILY,
            Table::Targets => TARGETS,
            Table::Attendance => ATTENDANCE,
            Table::ManualScores => MANUAL_SCORES,
            Table::Adjustments => ADJUSTMENTS,
            Table::PayrollLedger => PAYROLL_LEDGER,
        }
    }

    /// The spec of a canonical column of this table.
    pub fn column(self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// The columns that identify a row. `period` stands for `date` when rows are monthly.
    pub fn key(self) -> &'static [&'static str] {
        match self {
            Table::Employees => &["employee_id"],
            Table::Stores => &["store_id"],
            Table::StoreDaily => &["store_id", "date"],
            Table::EmployeeDaily | Table::Attendance => &["employee_id", "date"],
            Table::Targets => &["period", "level", "id", "metric"],
            Table::ManualScores => &["period", "employee_id", "item", "rater"],
            Table::Adjustments => &["period", "employee_id", "kind"],
            Table::PayrollLedger => &["period", "employee_id", "component"],
        }
    }

    /// Whether the key identifies one row. Adjustments are a log of events:
    /// two equal fines in one month are two fines, not a duplicate.
    pub fn has_unique_key(self) -> bool {
        self != Table::Adjustments
    }

    /// Whether rows carry a date or a period (activity tables).
    pub fn is_dated(self) -> bool {
        matches!(
            self,
            Table::StoreDaily | Table::EmployeeDaily | Table::Attendance
        )
    }

    /// Whether rows must name an employee of the roster.
    pub fn refers_to_employees(self) -> bool {
        matches!(
            self,
            Table::EmployeeDaily
                | Table::Attendance
                | Table::ManualScores
                | Table::Adjustments
                | Table::PayrollLedger
        )
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An employee's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 客服
    CustomerService,
    /// 运营
    Operations,
    /// 推广
    Promotion,
    /// 活动策划
    Campaign,
    /// 美工
    Design,
    /// 仓库
    Warehouse,
    /// 经理 / 店长
    Manager,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::CustomerService,
        Role::Operations,
        Role::Promotion,
        Role::Campaign,
        Role::Design,
        Role::Warehouse,
        Role::Manager,
    ];

    /// Canonical id.
    pub fn id(self) -> &'static str {
        match self {
            Role::CustomerService => "customer_service",
            Role::Operations => "operations",
            Role::Promotion => "promotion",
            Role::Campaign => "campaign",
            Role::Design => "design",
            Role::Warehouse => "warehouse",
            Role::Manager => "manager",
        }
    }

    /// Usual Chinese names; the first is the one written.
    pub fn chinese(self) -> &'static [&'static str] {
        match self {
            Role::CustomerService => &["客服", "客服专员", "售前客服", "售后客服"],
            Role::Operations => &["运营", "运营专员"],
            Role::Promotion => &["推广", "推广专员"],
            Role::Campaign => &["活动策划", "策划"],
            Role::Design => &["美工", "设计"],
            Role::Warehouse => &["仓库", "仓管", "库管"],
            Role::Manager => &["经理", "店长", "主管"],
        }
    }

    /// Every accepted word: `customer_service (客服, …), …`.
    pub fn accepted() -> String {
        Role::ALL
            .iter()
            .map(|r| format!("{} ({})", r.id(), r.chinese().join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parses a canonical id or a Chinese name (surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Role> {
        let text = text.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(text) || r.chinese().contains(&text))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_chinese_and_id() {
        assert_eq!(Role::parse("客服"), Some(Role::CustomerService));
        assert_eq!(Role::parse(" 店长 "), Some(Role::Manager));
        assert_eq!(Role::parse("经理"), Some(Role::Manager));
        assert_eq!(Role::parse("warehouse"), Some(Role::Warehouse));
        assert_eq!(Role::parse("厨师"), None);
    }

    #[test]
    fn every_key_column_is_a_column() {
        for table in Table::ALL {
            for key in table.key() {
                assert!(table.column(key).is_some(), "{table}.{key}");
            }
        }
    }
}
