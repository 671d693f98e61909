//! Schemes as workbooks (考核方案): written for an HR lead to edit in Excel
//! or WPS, read back into the same scheme model as a TOML file, every
//! problem named by its sheet, cell and scheme key.
//!
//! A workbook is laid out from the scheme document (the TOML tree), so
//! every key of every scheme has a cell: a settings sheet of single
//! values, a sheet per table of rows, a sheet per table inside rows (an
//! item's bands, a component's tiers) whose first column is the owner's
//! id. Row 2 of a table sheet holds the key paths (`items[].weight`), so a
//! renamed sheet or a moved column reads the same.

mod layout;
mod read;
mod write;

use std::path::Path;

use kpi_core::{Lang, Role, Scheme, catalogue};

use crate::error::{Error, Result};
use crate::scheme_file::{Finding, deserialize_at, key_at_offset};

pub use read::{Places, read_scheme_book};
pub use write::{write_scheme_book, write_template_book};

/// Whether a scheme path is a workbook (by its extension).
pub fn is_scheme_book(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "xlsx" | "xlsm" | "xls" | "ods"
        )
    })
}

/// A scheme document as TOML text, its tables in the usual order.
pub fn document_text(root: &toml::Table) -> std::result::Result<String, toml::ser::Error> {
    let mut keys: Vec<&String> = root.keys().collect();
    keys.sort_by_key(|k| layout::top_rank(k));
    let mut text = String::new();
    for key in keys {
        let mut one = toml::Table::new();
        one.insert(key.clone(), root[key].clone());
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&toml::to_string(&one)?);
    }
    Ok(text)
}

/// A scheme workbook as TOML text (what `kpi scheme export … --out
/// FILE.toml` writes), and the cells of its values.
pub fn scheme_book_text(path: impl AsRef<Path>) -> Result<(String, Places)> {
    let path = path.as_ref();
    let (root, places) = read_scheme_book(path)?;
    let text = document_text(&root).map_err(|e| Error::SchemeBook {
        path: path.into(),
        place: "-".into(),
        message: e.to_string(),
    })?;
    Ok((text, places))
}

/// The place of a key path in messages: `考核指标!D7 (items[2].weight)`.
fn place(places: &Places, key: &str) -> String {
    match places.cell_of(key) {
        Some(cell) => format!("{cell} ({key})"),
        None => key.to_string(),
    }
}

/// Reads a scheme workbook and returns every issue found, each with its
/// cell; only a workbook that does not make a scheme is an error.
pub fn check_scheme_book(path: impl AsRef<Path>) -> Result<(Scheme, Vec<Finding>)> {
    let path = path.as_ref();
    let (text, places) = scheme_book_text(path)?;
    let scheme = deserialize_at(&text).map_err(|(offset, message)| {
        let key = offset
            .and_then(|o| key_at_offset(&text, o))
            .unwrap_or_default();
        Error::SchemeBook {
            path: path.into(),
            place: if key.is_empty() {
                "-".into()
            } else {
                place(&places, &key)
            },
            message,
        }
    })?;
    let findings = scheme
        .check()
        .into_iter()
        .map(|mut issue| {
            // Weights edited row by row that miss 100 are a slip, not a choice.
            if issue.weight_sum {
                issue.is_error = true;
                issue.message = format!(
                    "{}; a scheme workbook's weights must add up to 100",
                    issue.message
                );
            }
            Finding {
                line: 0,
                cell: places.cell_of(&issue.path).map(str::to_string),
                issue,
            }
        })
        .collect();
    Ok((scheme, findings))
}

/// The metrics a role's schemes usually score (RULES.md §1).
pub fn role_metrics(role: Role) -> &'static [&'static str] {
    match role {
        Role::CustomerService => &[
            "inquiry_ratio",
            "inquiry_conversion",
            "payment_rate",
            "inquiry_to_paid",
            "cs_aov",
            "reply_rate",
            "avg_response_seconds",
            "refund_rate",
            "return_rate",
            "exchange_rate",
            "target_completion",
            "violations",
            "bad_reviews",
            "complaints",
        ],
        Role::Operations => &[
            "store.pv",
            "store.uv",
            "store.pv_per_uv",
            "store.conversion_rate",
            "store.gmv",
            "store.aov",
            "store.avg_stay_seconds",
            "store.bounce_rate",
        ],
        Role::Promotion => &[
            "store.arrival_rate",
            "store.ctr",
            "store.cost_per_uv",
            "store.cost_per_order",
            "store.roi",
            "store.new_uv_ratio",
        ],
        Role::Campaign => &[
            "store.campaign_click_rate",
            "store.campaign_order_share",
            "store.campaign_gmv_share",
            "store.campaign_conversion",
            "store.campaign_roi",
        ],
        Role::Design => &["on_time_rate", "pass_rate", "plan_completion"],
        Role::Warehouse => &[
            "avg_ship_hours",
            "ship_error_rate",
            "damage_rate",
            "late_ship_rate",
        ],
        Role::Manager => &[
            "store.gross_margin",
            "store.inventory_turnover",
            "store.collected",
            "store.gmv",
        ],
    }
}

/// A valid starting scheme for `role`: one example item on the role's first
/// metric (banded) and three grades.
pub fn template_document(role: Role, lang: Lang) -> toml::Table {
    let metric = role_metrics(role)[0];
    let (id_metric, direction) = {
        let bare = metric.strip_prefix("store.").unwrap_or(metric);
        let m = catalogue().iter().find(|m| m.id == bare);
        let direction = match m.map(|m| m.direction) {
            Some(kpi_core::Direction::Lower) => "lower",
            _ => "higher",
        };
        (bare.to_string(), direction)
    };
    let name = match lang {
        Lang::Zh => format!("{}绩效考核方案", role.chinese()[0]),
        Lang::En => format!("{} performance scheme", role.id().replace('_', " ")),
    };
    let text = format!(
        r#"
[scheme]
id = "{role}_scheme"
name = "{name}"
period = "month"
roles = ["{role}"]

[[items]]
id = "{id_metric}"
metric = "{metric}"
weight = 100
rule = {{ kind = "bands", direction = "{direction}", bands = [{{ min = 0.5, points = 100 }}, {{ min = 0.3, max = 0.5, points = 80 }}, {{ max = 0.3, points = 60 }}] }}

[[grades]]
label = "A"
min = 90

[[grades]]
label = "B"
min = 70

[[grades]]
label = "C"
"#,
        role = role.id(),
    );
    toml::from_str(&text).expect("the template is valid TOML")
}
