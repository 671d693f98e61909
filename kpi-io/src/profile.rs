//! Export profiles: what a platform's report looks like (the headers that
//! identify it, which table of the data contract it feeds, how its columns
//! map to ours) and how its rows are keyed. A profile is a TOML file; the
//! built-in ones live in `kpi-io/profiles/` and a user adds their own with
//! `--profiles DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use kpi_core::{ColumnKind, Table};

use crate::alias::fold_header;
use crate::error::{Error, Result};

/// The built-in profiles, as TOML text, in the order they are tried.
pub const BUILTIN_PROFILES: &[(&str, &str)] = &[
    ("chitu_cs.toml", include_str!("../profiles/chitu_cs.toml")),
    ("sycm_cs.toml", include_str!("../profiles/sycm_cs.toml")),
    (
        "sycm_cs_download.toml",
        include_str!("../profiles/sycm_cs_download.toml"),
    ),
    ("sycm_shop.toml", include_str!("../profiles/sycm_shop.toml")),
    (
        "qianniu_cs.toml",
        include_str!("../profiles/qianniu_cs.toml"),
    ),
    ("jd_cs.toml", include_str!("../profiles/jd_cs.toml")),
    (
        "jd_sz_funnel.toml",
        include_str!("../profiles/jd_sz_funnel.toml"),
    ),
    (
        "payroll_sheet.toml",
        include_str!("../profiles/payroll_sheet.toml"),
    ),
];

/// One platform report.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Stable id (`chitu_cs`), used by `--profile`.
    pub id: String,
    /// What people call the report (`赤兔 客服绩效`).
    pub name: String,
    /// Where it comes from (`淘宝/天猫 赤兔`).
    pub platform: String,
    /// The table of the data contract it feeds.
    pub table: Table,
    /// Header groups that must all be present; each group lists alternatives.
    pub signature: Vec<Vec<String>>,
    /// Where the store of a row comes from when no column names it.
    pub store: StoreSource,
    /// Wide payroll sheet: every other numeric column is a pay component.
    pub wide: bool,
    /// Headers read and ignored (folded).
    pub skip: Vec<String>,
    /// Header (folded) → what it carries, in file order of the TOML.
    pub columns: Vec<(String, Target)>,
    /// Where the profile was read from (`builtin:chitu_cs.toml` or a path).
    pub source: String,
}

/// Where the store of a row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StoreSource {
    /// A column (`store`) or not needed.
    #[default]
    Column,
    /// The file's path or banner lines name the store (its id or its name).
    Path,
}

/// The headers an employee's nickname goes by across reports and their
/// versions; every nickname-keyed profile accepts each of them.
pub const NICKNAME_HEADERS: [&str; 8] = [
    "旺旺昵称",
    "旺旺",
    "客服旺旺",
    "客服昵称",
    "客服",
    "旺旺账号名称",
    "子账号",
    "客服账号",
];

/// What an export column carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A column of the contract table, as is.
    Column(&'static str),
    /// The employee's nickname (旺旺/客服昵称), mapped through the roster.
    Nickname,
    /// The store, by its id or its name, mapped through `stores`.
    Store,
    /// A rate whose numerator is `column` and denominator `of`:
    /// `column = round(rate × of)`, used when the file lacks `column`.
    Rate {
        /// The numerator column rebuilt.
        column: &'static str,
        /// The denominator column, which the file must carry.
        of: &'static str,
    },
    /// An average of `column` per unit of `per`: `column = average × per`.
    Average {
        /// The sum column rebuilt.
        column: &'static str,
        /// The count it is averaged over, which the file must carry.
        per: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    id: String,
    name: String,
    #[serde(default)]
    platform: String,
    table: String,
    signature: Vec<OneOrMany>,
    #[serde(default)]
    store: StoreSource,
    #[serde(default)]
    wide: bool,
    #[serde(default)]
    skip: Vec<String>,
    columns: toml::Table,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Profile {
    /// Parses a profile from TOML text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Profile> {
        let bad = |message: String| Error::Profile {
            origin: source.into(),
            message,
        };
        let file: ProfileFile =
            toml::from_str(text).map_err(|e| bad(e.to_string().trim().to_string()))?;
        let table = Table::from_name(&file.table)
            .ok_or_else(|| bad(format!("table: `{}` is not a table", file.table)))?;
        let column = |key: &str, name: &str| -> Result<&'static str> {
            table.column(name).map(|c| c.name).ok_or_else(|| {
                bad(format!(
                    "columns.\"{key}\": `{name}` is not a column of `{table}`"
                ))
            })
        };
        let mut columns = Vec::new();
        for (header, value) in &file.columns {
            // A header may feed several columns: `"接待人数" = ["receptions", "responses"]`.
            if let toml::Value::Array(names) = value {
                for name in names {
                    let Some(name) = name.as_str() else {
                        return Err(bad(format!(
                            "columns.\"{header}\": expected a list of column names"
                        )));
                    };
                    columns.push((fold_header(header), Target::Column(column(header, name)?)));
                }
                continue;
            }
            let target = match value {
                toml::Value::String(name) => match name.as_str() {
                    "nickname" => Target::Nickname,
                    "store" => Target::Store,
                    name => Target::Column(column(header, name)?),
                },
                toml::Value::Table(t) => {
                    let get = |k: &str| t.get(k).and_then(|v| v.as_str());
                    match (get("rate"), get("of"), get("average"), get("per")) {
                        (Some(c), Some(of), None, None) => Target::Rate {
                            column: column(header, c)?,
                            of: column(header, of)?,
                        },
                        (None, None, Some(c), Some(per)) => Target::Average {
                            column: column(header, c)?,
                            per: column(header, per)?,
                        },
                        _ => {
                            return Err(bad(format!(
                                "columns.\"{header}\": expected a column name, \
                                 {{ rate = \"…\", of = \"…\" }} or {{ average = \"…\", per = \"…\" }}"
                            )));
                        }
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "columns.\"{header}\": expected a column name or a table"
                    )));
                }
            };
            if let Target::Rate { column, of } = &target {
                for c in [column, of] {
                    if table.column(c).map(|s| s.kind) != Some(ColumnKind::Count) {
                        return Err(bad(format!(
                            "columns.\"{header}\": a rate rebuilds counts, and `{c}` is not a count"
                        )));
                    }
                }
            }
            if let Target::Average { column, .. } = &target
                && !table.column(column).is_some_and(|s| s.kind.is_additive())
            {
                return Err(bad(format!(
                    "columns.\"{header}\": an average rebuilds a sum, and `{column}` is not summed"
                )));
            }
            if let Target::Average { per, .. } = &target
                && table.column(per).map(|s| s.kind) != Some(ColumnKind::Count)
            {
                return Err(bad(format!(
                    "columns.\"{header}\": an average is per a count, and `{per}` is not a count"
                )));
            }
            columns.push((fold_header(header), target));
        }
        let mut signature: Vec<Vec<String>> = file
            .signature
            .into_iter()
            .map(|s| match s {
                OneOrMany::One(h) => vec![fold_header(&h)],
                OneOrMany::Many(hs) => hs.iter().map(|h| fold_header(h)).collect(),
            })
            .collect();
        // A nickname-keyed profile takes every header a nickname goes by, in
        // its columns and in the signature group that names one.
        if columns.iter().any(|(_, t)| *t == Target::Nickname) {
            let nicknames: Vec<String> = NICKNAME_HEADERS.iter().map(|h| fold_header(h)).collect();
            for h in &nicknames {
                if !columns.iter().any(|(c, _)| c == h) {
                    columns.push((h.clone(), Target::Nickname));
                }
            }
            for group in &mut signature {
                if group.iter().any(|h| nicknames.contains(h)) {
                    for h in &nicknames {
                        if !group.contains(h) {
                            group.push(h.clone());
                        }
                    }
                }
            }
        }
        if signature.is_empty() || signature.iter().any(Vec::is_empty) {
            return Err(bad("signature: give at least one header".into()));
        }
        let skip: Vec<String> = file.skip.iter().map(|s| fold_header(s)).collect();
        for group in &signature {
            for h in group {
                // A wide sheet's other headers are its pay lines.
                if !file.wide && !columns.iter().any(|(c, _)| c == h) && !skip.contains(h) {
                    return Err(bad(format!("signature: `{h}` has no entry in [columns]")));
                }
            }
        }
        let has = |t: &dyn Fn(&Target) -> bool| columns.iter().any(|(_, c)| t(c));
        if table.key().contains(&"employee_id")
            && !has(&|t| matches!(t, Target::Nickname | Target::Column("employee_id")))
        {
            return Err(bad(format!(
                "`{table}` rows need an employee: map a header to `employee_id` or `nickname`"
            )));
        }
        if table.key().contains(&"store_id")
            && file.store == StoreSource::Column
            && !has(&|t| matches!(t, Target::Store | Target::Column("store_id")))
        {
            return Err(bad(format!(
                "`{table}` rows need a store: map a header to `store` or set store = \"path\""
            )));
        }
        if file.wide && table != Table::PayrollLedger {
            return Err(bad("wide = true is for payroll_ledger sheets".into()));
        }
        Ok(Profile {
            id: file.id,
            name: file.name,
            platform: file.platform,
            table,
            signature,
            store: file.store,
            wide: file.wide,
            skip,
            columns,
            source: source.into(),
        })
    }

    /// What a header (as written) carries: nothing when the profile does
    /// not know it, several columns when it feeds several.
    pub fn targets(&self, header: &str) -> Vec<&Target> {
        let folded = fold_header(header);
        self.columns
            .iter()
            .filter(|(h, _)| *h == folded)
            .map(|(_, t)| t)
            .collect()
    }

    /// Whether the profile reads and ignores this header.
    pub fn skips(&self, header: &str) -> bool {
        self.skip.contains(&fold_header(header))
    }

    /// How well a header row fits: `None` unless every signature group is
    /// present, else the number of the row's headers the profile knows.
    pub fn fit(&self, headers: &[String]) -> Option<usize> {
        let folded: Vec<String> = headers.iter().map(|h| fold_header(h)).collect();
        let all = self
            .signature
            .iter()
            .all(|group| group.iter().any(|h| folded.contains(h)));
        all.then(|| {
            folded
                .iter()
                .filter(|h| self.columns.iter().any(|(c, _)| c == *h))
                .count()
        })
    }

    /// The contract columns this profile's files give, directly or rebuilt.
    pub fn provides(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (_, t) in &self.columns {
            let c = match t {
                Target::Column(c) => Some(*c),
                Target::Rate { column, .. } | Target::Average { column, .. } => Some(*column),
                Target::Nickname => Some("employee_id"),
                Target::Store => Some("store_id"),
            };
            if let Some(c) = c
                && !out.contains(&c)
            {
                out.push(c);
            }
        }
        if self.store == StoreSource::Path && !out.contains(&"store_id") {
            out.push("store_id");
        }
        out
    }
}

/// The profiles in use: the built-in ones and any the user added.
#[derive(Debug, Clone)]
pub struct Profiles {
    list: Vec<Profile>,
}

impl Profiles {
    /// The built-in profiles.
    pub fn builtin() -> Profiles {
        let list = BUILTIN_PROFILES
            .iter()
            .map(|(name, text)| {
                Profile::parse(text, &format!("builtin:{name}")).expect("built-in profile parses")
            })
            .collect();
        Profiles { list }
    }

    /// Adds the profiles in `path` (a `.toml` file or a directory of them);
    /// a profile with the id of an earlier one replaces it.
    pub fn add(&mut self, path: &Path) -> Result<()> {
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            let profile = Profile::parse(&text, &file.display().to_string())?;
            match self.list.iter_mut().find(|p| p.id == profile.id) {
                Some(old) => *old = profile,
                None => self.list.push(profile),
            }
        }
        Ok(())
    }

    /// Every profile, in the order they are tried.
    pub fn all(&self) -> &[Profile] {
        &self.list
    }

    /// The profile with this id.
    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.id == id)
    }

    /// The profile that fits a header row best (the first of equals).
    pub fn detect(&self, headers: &[String]) -> Option<&Profile> {
        let mut best: Option<(&Profile, usize)> = None;
        for p in &self.list {
            if let Some(score) = p.fit(headers)
                && best.is_none_or(|(_, b)| score > b)
            {
                best = Some((p, score));
            }
        }
        best.map(|(p, _)| p)
    }
}

impl Default for Profiles {
    fn default() -> Self {
        Profiles::builtin()
    }
}

/// The `--profile` id that leaves matching files out of the dataset.
pub const IGNORE: &str = "ignore";

/// How the reader picks profiles.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The profiles known.
    pub profiles: Profiles,
    /// Forced profiles: (part of the file path, or empty for every export
    /// file) → profile id, or `ignore` to leave the files out. The last
    /// matching entry wins.
    pub force: Vec<(String, String)>,
    /// Sum each activity file (`store_daily`, `employee_daily`) as it is
    /// read and let its rows go, for a run that needs the monthly sums
    /// alone (no custom metric, weekly rank or analysis): the tables then
    /// hold one row per run of an entity and month of a file, with the
    /// rows it sums in `_rows` (`kpi_core::SUMMED_ROWS`), which
    /// `kpi_core::sum_periods` sums again to the months the rows give; the
    /// notes and errors are those of the rows. Ignored (the rows are kept)
    /// when the dataset has platform exports, and the dataset is read
    /// again with its rows when the files' rows could meet (a day in two
    /// files, an implausible date, rows merged from two sources, a column
    /// that could add up past 64 bits).
    pub sum_activity: bool,
}

impl ReadOptions {
    /// Parses `--profile` values (`ID` or `PATTERN=ID`), checking the ids.
    pub fn with_forced(mut self, values: &[String]) -> Result<ReadOptions> {
        for value in values {
            let (pattern, id) = match value.rsplit_once('=') {
                Some((p, id)) => (p.to_string(), id.to_string()),
                None => (String::new(), value.clone()),
            };
            if id != IGNORE && self.profiles.get(&id).is_none() {
                return Err(Error::Profile {
                    origin: format!("--profile {value}"),
                    message: format!(
                        "no profile `{id}`; known: {}",
                        self.profiles
                            .all()
                            .iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            self.force.push((pattern, id));
        }
        Ok(self)
    }

    /// The profile forced for a file, if any.
    pub(crate) fn forced_for(&self, path: &Path) -> Option<&Profile> {
        self.forced_id(path).and_then(|id| self.profiles.get(id))
    }

    /// Whether `--profile 'PATTERN=ignore'` leaves this file out.
    pub(crate) fn ignores(&self, path: &Path) -> bool {
        self.forced_id(path) == Some(IGNORE)
    }

    fn forced_id(&self, path: &Path) -> Option<&str> {
        let text = path.display().to_string();
        self.force
            .iter()
            .rev()
            .find(|(pattern, _)| pattern.is_empty() || text.contains(pattern.as_str()))
            .map(|(_, id)| id.as_str())
    }
}

/// A profile as `kpi schema --profiles` prints it: the header map per line.
pub fn describe(profile: &Profile) -> String {
    let mut out = format!(
        "{} — {} ({}) → {}\n  detected by: {}\n",
        profile.id,
        profile.name,
        profile.platform,
        profile.table,
        profile
            .signature
            .iter()
            .map(|g| g.join(" | "))
            .collect::<Vec<_>>()
            .join(" + ")
    );
    if profile.store == StoreSource::Path {
        out.push_str("  store: from the file path or banner (its id or name)\n");
    }
    if profile.wide {
        out.push_str("  wide: every other numeric column is a pay component (by label or [pay] ledger_columns)\n");
    }
    let mut by_target: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (header, target) in &profile.columns {
        let t = match target {
            Target::Column(c) => (*c).to_string(),
            Target::Nickname => "employee_id (via roster nickname)".into(),
            Target::Store => "store_id (via stores: id or name)".into(),
            Target::Rate { column, of } => format!("{column} = rate × {of}"),
            Target::Average { column, per } => format!("{column} = average × {per}"),
        };
        by_target.entry(t).or_default().push(header);
    }
    for (target, headers) in by_target {
        out.push_str(&format!("  {} → {target}\n", headers.join(" / ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_parse_and_have_unique_ids() {
        let p = Profiles::builtin();
        let mut ids: Vec<&str> = p.all().iter().map(|p| p.id.as_str()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert_eq!(n, BUILTIN_PROFILES.len());
    }

    #[test]
    fn bad_profiles_name_the_key() {
        let text = r#"
id = "x"
name = "x"
table = "employee_daily"
signature = ["a"]
[columns]
a = "nickname"
b = "no_such_column"
"#;
        let e = Profile::parse(text, "x.toml").unwrap_err().to_string();
        assert!(e.contains("x.toml") && e.contains("columns.\"b\""), "{e}");
        let text = r#"
id = "x"
name = "x"
table = "store_daily"
signature = ["日期"]
[columns]
"日期" = "date"
"#;
        let e = Profile::parse(text, "y.toml").unwrap_err().to_string();
        assert!(e.contains("need a store"), "{e}");
    }

    #[test]
    fn detection_prefers_the_profile_that_knows_more_headers() {
        let p = Profiles::builtin();
        let row = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let chitu = row(&[
            "客服昵称",
            "接待人数",
            "询单人数",
            "询单->最终付款人数",
            "平均响应(秒)",
        ]);
        assert_eq!(p.detect(&chitu).map(|p| p.id.as_str()), Some("chitu_cs"));
        assert!(p.detect(&row(&["foo", "bar"])).is_none());
    }

    #[test]
    fn every_nickname_keyed_profile_accepts_every_nickname_header() {
        let profiles = Profiles::builtin();
        let keyed: Vec<&Profile> = profiles
            .all()
            .iter()
            .filter(|p| p.columns.iter().any(|(_, t)| *t == Target::Nickname))
            .collect();
        assert!(keyed.len() >= 5, "{}", keyed.len());
        for p in keyed {
            for h in NICKNAME_HEADERS {
                // The profile's signature with the nickname group given as `h`.
                let row: Vec<String> = p
                    .signature
                    .iter()
                    .map(|group| {
                        if group.iter().any(|g| g == &fold_header(h)) {
                            h.to_string()
                        } else {
                            group[0].clone()
                        }
                    })
                    .collect();
                assert!(p.fit(&row).is_some(), "{} with {h}", p.id);
                assert!(
                    p.columns
                        .iter()
                        .any(|(c, t)| *c == fold_header(h) && *t == Target::Nickname),
                    "{} with {h}",
                    p.id
                );
            }
        }
    }
}
