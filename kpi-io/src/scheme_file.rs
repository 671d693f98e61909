//! Reading scheme files (TOML) into the scheme model, with errors that name
//! the key path and line.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use kpi_core::{Scheme, SchemeIssue};

use crate::error::{Error, Result};

/// A scheme issue with the line of its key (the cell, in a workbook).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// 1-based line of the key path (0 when unknown or in a workbook).
    pub line: usize,
    /// In a scheme workbook, the cell of the key (`考核指标!D7`).
    pub cell: Option<String>,
    /// The issue.
    pub issue: SchemeIssue,
}

impl Finding {
    /// The finding as the error of the scheme file at `path`.
    pub fn error(&self, path: &Path) -> Error {
        match &self.cell {
            Some(cell) => Error::SchemeBook {
                path: path.into(),
                place: format!("{cell} ({})", self.issue.path),
                message: self.issue.message.clone(),
            },
            None => Error::Scheme {
                path: path.into(),
                line: self.line,
                key: self.issue.path.clone(),
                message: self.issue.message.clone(),
            },
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = if self.issue.is_error {
            "error"
        } else {
            "warning"
        };
        match &self.cell {
            Some(cell) => write!(
                f,
                "{level}: {cell} ({}): {}",
                self.issue.path, self.issue.message
            ),
            None => write!(
                f,
                "{level}: line {}: {}: {}",
                self.line, self.issue.path, self.issue.message
            ),
        }
    }
}

/// Reads and checks a scheme file (TOML, or a scheme workbook); any
/// error-level issue is an error.
pub fn read_scheme(path: impl AsRef<Path>) -> Result<Scheme> {
    let path = path.as_ref();
    if crate::scheme_book::is_scheme_book(path) {
        let (scheme, findings) = crate::scheme_book::check_scheme_book(path)?;
        return match findings.iter().find(|f| f.issue.is_error) {
            Some(first) => Err(first.error(path)),
            None => Ok(scheme),
        };
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_scheme(&text, path)
}

/// Reads a scheme file (TOML, or a scheme workbook: `.xlsx`, `.xls`,
/// `.ods`) and returns every issue found, errors and warnings, each with
/// its line or cell; only a file that does not parse is an error.
pub fn check_scheme_file(path: impl AsRef<Path>) -> Result<(Scheme, Vec<Finding>)> {
    let path = path.as_ref();
    if crate::scheme_book::is_scheme_book(path) {
        return crate::scheme_book::check_scheme_book(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let scheme = deserialize(&text, path)?;
    let findings = scheme
        .check()
        .into_iter()
        .map(|issue| Finding {
            line: line_of_key(&text, &issue.path).unwrap_or(0),
            cell: None,
            issue,
        })
        .collect();
    Ok((scheme, findings))
}

/// Parses and checks scheme text; `path` is only used in messages.
pub fn parse_scheme(text: &str, path: &Path) -> Result<Scheme> {
    let scheme = deserialize(text, path)?;
    if let Some(issue) = scheme.check().into_iter().find(|i| i.is_error) {
        return Err(scheme_error(text, path, &issue));
    }
    Ok(scheme)
}

fn deserialize(text: &str, path: &Path) -> Result<Scheme> {
    if let Ok(root) = DeTable::parse(text)
        && let Some((key, offset, literal)) = non_finite(root.get_ref(), "")
    {
        return Err(Error::Scheme {
            path: path.into(),
            line: line_of(text, offset),
            key,
            message: format!(
                "`{literal}` is not a finite number; every number of a scheme must be"
            ),
        });
    }
    deserialize_at(text).map_err(|(offset, message)| Error::Scheme {
        path: path.into(),
        line: offset.map_or(0, |o| line_of(text, o)),
        key: key_at(text, offset).unwrap_or_else(|| "-".into()),
        message,
    })
}

/// The scheme of a TOML text, or where (a byte offset) and why it is not one.
pub(crate) fn deserialize_at(text: &str) -> std::result::Result<Scheme, (Option<usize>, String)> {
    toml::from_str(text).map_err(|e| (e.span().map(|s| s.start), e.message().trim().to_string()))
}

/// The key path (`items[2].weight`) of the value (or key) whose span holds
/// byte `offset` of `text` (tables' spans are their headers only, so every
/// value is searched).
pub(crate) fn key_at_offset(text: &str, offset: usize) -> Option<String> {
    let holds = |span: std::ops::Range<usize>| span.contains(&offset) || span.end == offset;
    fn walk(
        table: &DeTable<'_>,
        prefix: &str,
        holds: &dyn Fn(std::ops::Range<usize>) -> bool,
    ) -> Option<String> {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            if let Some(found) = walk_value(value, path.clone(), holds) {
                return Some(found);
            }
            if holds(key.span()) {
                return Some(path);
            }
        }
        None
    }
    fn walk_value(
        value: &toml::Spanned<DeValue<'_>>,
        path: String,
        holds: &dyn Fn(std::ops::Range<usize>) -> bool,
    ) -> Option<String> {
        match value.get_ref() {
            DeValue::Table(t) => walk(t, &path, holds),
            DeValue::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk_value(v, format!("{path}[{i}]"), holds)),
            _ => holds(value.span()).then_some(path),
        }
    }
    let root = DeTable::parse(text).ok()?;
    walk(root.get_ref(), "", &holds)
}

/// The first `inf` or `nan` of a document: its key path, offset and text.
fn non_finite(table: &DeTable<'_>, prefix: &str) -> Option<(String, usize, String)> {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        if let Some(found) = non_finite_value(value, path) {
            return Some(found);
        }
    }
    None
}

fn non_finite_value(
    value: &toml::Spanned<DeValue<'_>>,
    path: String,
) -> Option<(String, usize, String)> {
    match value.get_ref() {
        DeValue::Float(f) => {
            let text = f.as_str();
            let finite = text
                .replace('_', "")
                .parse::<f64>()
                .is_ok_and(f64::is_finite);
            (!finite).then(|| (path, value.span().start, text.to_string()))
        }
        DeValue::Table(t) => non_finite(t, &path),
        DeValue::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| non_finite_value(v, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// The error for a scheme issue, with the line of its key path.
pub fn scheme_error(text: &str, path: &Path, issue: &SchemeIssue) -> Error {
    Error::Scheme {
        path: path.into(),
        line: line_of_key(text, &issue.path).unwrap_or(0),
        key: issue.path.clone(),
        message: issue.message.clone(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        for index in rest.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

/// The 1-based line of a key path (`items[2].rule.bands[1]`): the deepest
/// part of the path that exists in the document.
pub fn line_of_key(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&DeValue<'_>> = None;
    for step in steps(path) {
        let next = match (step, table, value) {
            (Step::Key(k), Some(t), _) => t.get(k),
            (Step::Index(i), _, Some(DeValue::Array(a))) => a.get(i),
            _ => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        value = Some(next.get_ref());
        table = match next.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    Some(line_of(text, span.start))
}

fn key_at(text: &str, offset: Option<usize>) -> Option<String> {
    let offset = offset?;
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let key = line.split('=').next()?.trim().trim_matches(['[', ']']);
    (!key.is_empty()).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: &str = r#"
[scheme]
id = "t"
name = "t"
roles = ["客服"]

[[items]]
id = "a"
metric = "inquiry_conversion"
weight = 50
rule = { kind = "bands", direction = "higher", bands = [{ min = 0.5, points = 100 }] }

[[items]]
id = "b"
metric = "inquiry_convresion"
weight = 50
rule = { kind = "bands", direction = "higher", bands = [{ min = 0.5, points = 100 }] }
"#;

    #[test]
    fn unknown_metric_names_key_line_and_suggestion() {
        let err = parse_scheme(SCHEME, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.toml:15: items[1].metric: unknown metric `inquiry_convresion` (did you mean `inquiry_conversion`?)"
        );
    }

    #[test]
    fn serde_errors_name_the_line() {
        let bad = SCHEME.replace(
            "weight = 50\nrule = { kind = \"bands\", direction = \"higher\"",
            "weight = \"x\"\nrule = { kind = \"bands\", direction = \"higher\"",
        );
        let err = parse_scheme(&bad, Path::new("s.toml")).unwrap_err();
        let Error::Scheme { line, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(line, 10);
    }

    #[test]
    fn unknown_roles_are_refused() {
        let bad = SCHEME.replace("客服", "厨师");
        let err = parse_scheme(&bad, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown role `厨师`"), "{err}");
        assert!(err.starts_with("s.toml:5:"), "{err}");
    }
}
