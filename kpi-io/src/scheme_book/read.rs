//! A scheme workbook read back into a scheme document, every value with
//! the cell it came from, so a problem names its sheet and cell and the
//! scheme key it maps to (`考核指标!D7 (items[2].weight)`).

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::utility::row_col_to_cell;

use super::layout::{LISTS, Seg, parse_path, path_text};
use crate::error::{Error, Result};

/// Where each value of a scheme document was read: key paths
/// (`items[2].weight`, `items[2]`, `items`) and their cells.
#[derive(Debug, Clone, Default)]
pub struct Places {
    cells: Vec<(String, String)>,
}

impl Places {
    fn add(&mut self, key: String, sheet: &str, row: usize, col: usize) {
        let cell = row_col_to_cell(row as u32, col as u16);
        self.cells.push((key, format!("{sheet}!{cell}")));
    }

    /// The cell of a key path: its own, or that of the nearest key above it
    /// (a row, a table) that has one.
    pub fn cell_of(&self, key: &str) -> Option<&str> {
        let mut key = key.to_string();
        loop {
            if let Some((_, cell)) = self.cells.iter().find(|(k, _)| *k == key) {
                return Some(cell);
            }
            let cut = key.rfind(['.', '['])?;
            key.truncate(cut);
        }
    }
}

fn problem(path: &Path, place: String, message: impl Into<String>) -> Error {
    Error::SchemeBook {
        path: path.into(),
        place,
        message: message.into(),
    }
}

/// A cell's text, trimmed (numbers as written).
fn text_of(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        other => Some(other.to_string()),
    }
}

/// A number cell as TOML: whole numbers as integers.
fn number(x: f64) -> toml::Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        toml::Value::Integer(x as i64)
    } else {
        toml::Value::Float(x)
    }
}

/// One value of a list cell: quoted text, a number, true/false, or text.
fn list_item(text: &str) -> toml::Value {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return toml::Value::String(inner.replace("\"\"", "\""));
    }
    if let Ok(i) = text.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    if let Ok(x) = text.parse::<f64>()
        && x.is_finite()
    {
        return toml::Value::Float(x);
    }
    match text {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(text.to_string()),
    }
}

/// Splits a list cell at commas (half- or full-width) outside quotes.
fn split_list(text: &str) -> Vec<String> {
    let (mut out, mut item, mut quoted) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                item.push(c);
            }
            ',' | '，' if !quoted => out.push(std::mem::take(&mut item)),
            c => item.push(c),
        }
    }
    out.push(item);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// A cell as the value of key path `segs` (a list when the path ends in
/// `[]`); none for an empty cell.
fn value_of(
    cell: &Data,
    list: bool,
    at: impl Fn() -> String,
    path: &Path,
) -> Result<Option<toml::Value>> {
    let value = match cell {
        Data::Empty => return Ok(None),
        Data::Error(e) => {
            return Err(problem(
                path,
                at(),
                format!("the cell holds an error ({e:?})"),
            ));
        }
        Data::Float(x) if list => toml::Value::Array(vec![number(*x)]),
        Data::Int(i) if list => toml::Value::Array(vec![toml::Value::Integer(*i)]),
        Data::Float(x) => number(*x),
        Data::Int(i) => toml::Value::Integer(*i),
        Data::Bool(b) => toml::Value::Boolean(*b),
        other => {
            let Some(text) = text_of(other) else {
                return Ok(None);
            };
            if list {
                toml::Value::Array(split_list(&text).iter().map(|t| list_item(t)).collect())
            } else {
                toml::Value::String(text)
            }
        }
    };
    Ok(Some(value))
}

/// Sets `value` at the key path `keys` (keys only) below `table`.
fn insert(
    table: &mut toml::Table,
    keys: &[String],
    value: toml::Value,
) -> std::result::Result<(), String> {
    let (last, above) = keys.split_last().ok_or("an empty key")?;
    let mut here = table;
    for key in above {
        let next = here
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        here = next
            .as_table_mut()
            .ok_or_else(|| format!("`{key}` is a value and a table"))?;
    }
    if here.insert(last.clone(), value).is_some() {
        return Err(format!("`{last}` is given twice"));
    }
    Ok(())
}

/// The keys of `segs`, all keys (none `[]`), or none.
fn keys(segs: &[Seg]) -> Option<Vec<String>> {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) => Some(k.clone()),
            Seg::Rows => None,
        })
        .collect()
}

/// A table sheet's columns: the key paths of row 2.
struct Columns {
    /// The table's rows path up to its last `[]` (`items[]`, `items[].rule.bands[]`).
    rows: Vec<Seg>,
    /// Per column: the key path inside a row and whether it is a list;
    /// none for the owner column.
    keys: Vec<Option<(Vec<String>, bool)>>,
    /// The owner column of a table inside rows: its index and whether it
    /// names the owner by id (else by row number).
    owner: Option<(usize, bool)>,
}

/// A key path without its trailing `[]` (which marks a list cell, not rows).
fn body(p: &[Seg]) -> Vec<Seg> {
    match p.last() {
        Some(Seg::Rows) => p[..p.len() - 1].to_vec(),
        _ => p.to_vec(),
    }
}

fn columns_of(row: &[Data], sheet: &str, path: &Path) -> Result<Option<Columns>> {
    let texts: Vec<Option<String>> = row.iter().map(text_of).collect();
    let parsed: Vec<Option<Vec<Seg>>> = texts
        .iter()
        .map(|t| {
            t.as_deref()
                .and_then(|t| parse_path(t.trim_end_matches('#')))
        })
        .collect();
    // A table sheet's key row: every filled cell a key path with `[]`.
    if texts.iter().all(Option::is_none)
        || texts
            .iter()
            .zip(&parsed)
            .any(|(t, p)| t.is_some() && !p.as_ref().is_some_and(|p| body(p).contains(&Seg::Rows)))
    {
        return Ok(None);
    }
    let depth = |p: &[Seg]| body(p).iter().filter(|s| **s == Seg::Rows).count();
    let deepest = parsed.iter().flatten().map(|p| depth(p)).max().unwrap_or(0);
    let rows_of = |p: &[Seg]| {
        let mut seen = 0;
        let end = p
            .iter()
            .position(|s| {
                if *s == Seg::Rows {
                    seen += 1;
                }
                seen == deepest && *s == Seg::Rows
            })
            .map_or(p.len(), |i| i + 1);
        p[..end].to_vec()
    };
    let mut rows: Option<Vec<Seg>> = None;
    let mut keys_out = Vec::new();
    let mut owner = None;
    for (j, (text, p)) in texts.iter().zip(&parsed).enumerate() {
        let (Some(text), Some(p)) = (text, p) else {
            keys_out.push(None);
            continue;
        };
        if depth(p) < deepest {
            if owner.is_some() || deepest < 2 {
                let cell = format!("{sheet}!{}", row_col_to_cell(1, j as u16));
                return Err(problem(
                    path,
                    cell,
                    format!("`{text}` belongs to another sheet's rows"),
                ));
            }
            owner = Some((j, !text.ends_with('#')));
            keys_out.push(None);
            continue;
        }
        let base = rows_of(&body(p));
        match &rows {
            None => rows = Some(base.clone()),
            Some(r) if *r != base => {
                let cell = format!("{sheet}!{}", row_col_to_cell(1, j as u16));
                return Err(problem(
                    path,
                    cell,
                    format!("`{text}` is not a key of {} rows", path_text(r)),
                ));
            }
            _ => {}
        }
        let inside = &p[base.len()..];
        let list = inside.last() == Some(&Seg::Rows);
        let inside = if list {
            &inside[..inside.len() - 1]
        } else {
            inside
        };
        let Some(k) = keys(inside).filter(|k| !k.is_empty()) else {
            let cell = format!("{sheet}!{}", row_col_to_cell(1, j as u16));
            return Err(problem(
                path,
                cell,
                format!("`{text}` is not a key inside a row"),
            ));
        };
        keys_out.push(Some((k, list)));
    }
    let Some(rows) = rows else { return Ok(None) };
    if deepest >= 2 && owner.is_none() {
        let cell = format!("{sheet}!A2");
        return Err(problem(
            path,
            cell,
            "a table inside rows needs its owner column (the owner's id) first",
        ));
    }
    Ok(Some(Columns {
        rows,
        keys: keys_out,
        owner,
    }))
}

/// Reads a scheme workbook into a scheme document and the cell of each
/// value.
pub fn read_scheme_book(path: impl AsRef<Path>) -> Result<(toml::Table, Places)> {
    let path = path.as_ref();
    let mut workbook = open_workbook_auto(path).map_err(|e| Error::workbook(path, e))?;
    let mut root = toml::Table::new();
    let mut places = Places::default();
    let mut inner: Vec<(String, calamine::Range<Data>, Columns)> = Vec::new();
    let mut any = false;
    for sheet in workbook.sheet_names() {
        if sheet == LISTS {
            continue;
        }
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| Error::workbook(path, e))?;
        let rows: Vec<&[Data]> = range.rows().collect();
        let (r0, c0) = range
            .start()
            .map_or((0, 0), |(r, c)| (r as usize, c as usize));
        if r0 != 0 || c0 != 0 {
            return Err(problem(
                path,
                format!("{sheet}!A1"),
                "the sheet must start at A1 (its headers)",
            ));
        }
        // The settings sheet: key paths in its third column.
        if rows
            .first()
            .and_then(|r| r.get(2))
            .and_then(text_of)
            .is_some_and(|t| t == "键" || t == "key")
        {
            any = true;
            for (i, row) in rows.iter().enumerate().skip(1) {
                let Some(key) = row.get(2).and_then(text_of) else {
                    continue;
                };
                let at = || format!("{sheet}!{}", row_col_to_cell(i as u32, 2));
                let segs = parse_path(&key)
                    .ok_or_else(|| problem(path, at(), format!("`{key}` is not a scheme key")))?;
                let list = segs.last() == Some(&Seg::Rows);
                let k = keys(if list { &segs[..segs.len() - 1] } else { &segs })
                    .ok_or_else(|| problem(path, at(), format!("`{key}` is a key of a table's rows; it belongs on that table's sheet")))?;
                let cell_at = || format!("{sheet}!{}", row_col_to_cell(i as u32, 1));
                let Some(value) =
                    value_of(row.get(1).unwrap_or(&Data::Empty), list, cell_at, path)?
                else {
                    continue;
                };
                insert(&mut root, &k, value).map_err(|m| problem(path, cell_at(), m))?;
                places.add(k.join("."), &sheet, i, 1);
            }
            continue;
        }
        let Some(columns) = rows
            .get(1)
            .map(|r| columns_of(r, &sheet, path))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        any = true;
        if columns.owner.is_some() {
            inner.push((sheet.clone(), range.clone(), columns));
            continue;
        }
        let table_keys = keys(&columns.rows[..columns.rows.len() - 1]).unwrap_or_default();
        let table_text = table_keys.join(".");
        let mut elements = Vec::new();
        for (i, row) in rows.iter().enumerate().skip(2) {
            let element_key = format!("{table_text}[{}]", elements.len());
            let element = read_row(row, &columns, &sheet, i, &element_key, path, &mut places)?;
            if let Some(element) = element {
                places.add(element_key, &sheet, i, 0);
                elements.push(toml::Value::Table(element));
            }
        }
        places.add(table_text.clone(), &sheet, 0, 0);
        insert(&mut root, &table_keys, toml::Value::Array(elements))
            .map_err(|m| problem(path, format!("{sheet}!A2"), m))?;
    }
    if !any {
        return Err(problem(
            path,
            "-".into(),
            "no sheet of a scheme (a settings sheet with keys in column C, or tables with scheme keys in row 2)",
        ));
    }
    for (sheet, range, columns) in inner {
        read_inner(&mut root, &sheet, &range, &columns, path, &mut places)?;
    }
    Ok((root, places))
}

/// One row of a table sheet as a table; none for an empty row.
fn read_row(
    row: &[Data],
    columns: &Columns,
    sheet: &str,
    i: usize,
    element_key: &str,
    path: &Path,
    places: &mut Places,
) -> Result<Option<toml::Table>> {
    let mut element = toml::Table::new();
    for (j, column) in columns.keys.iter().enumerate() {
        let Some((k, list)) = column else { continue };
        let at = || format!("{sheet}!{}", row_col_to_cell(i as u32, j as u16));
        let Some(value) = value_of(row.get(j).unwrap_or(&Data::Empty), *list, at, path)? else {
            continue;
        };
        insert(&mut element, k, value).map_err(|m| problem(path, at(), m))?;
        places.add(format!("{element_key}.{}", k.join(".")), sheet, i, j);
    }
    Ok((!element.is_empty()).then_some(element))
}

/// A table inside rows (an item's bands): each row added to its owner's
/// table, in order.
fn read_inner(
    root: &mut toml::Table,
    sheet: &str,
    range: &calamine::Range<Data>,
    columns: &Columns,
    path: &Path,
    places: &mut Places,
) -> Result<()> {
    let (owner_col, by_id) = columns
        .owner
        .expect("a table inside rows has an owner column");
    let rows_at = columns
        .rows
        .iter()
        .position(|s| *s == Seg::Rows)
        .expect("rows");
    let owner_keys = keys(&columns.rows[..rows_at]).unwrap_or_default();
    let inner_keys = keys(&columns.rows[rows_at + 1..columns.rows.len() - 1]).unwrap_or_default();
    let owner_text = owner_keys.join(".");
    let mut counts: std::collections::HashMap<usize, usize> = Default::default();
    for (i, row) in range.rows().enumerate().skip(2) {
        let at = || format!("{sheet}!{}", row_col_to_cell(i as u32, owner_col as u16));
        let owner = row.get(owner_col).and_then(text_of);
        let owners = lookup_mut(root, &owner_keys);
        let index = match (&owner, owners) {
            (None, _) => {
                if row.iter().any(|c| text_of(c).is_some()) {
                    return Err(problem(
                        path,
                        at(),
                        "a row without its owner (the owner's id)",
                    ));
                }
                continue;
            }
            (Some(_), None) => {
                return Err(problem(
                    path,
                    at(),
                    format!("there are no {owner_text} rows to belong to"),
                ));
            }
            (Some(owner), Some(owners)) => {
                let found = if by_id {
                    owners.iter().position(|o| {
                        o.get("id").and_then(toml::Value::as_str) == Some(owner.as_str())
                    })
                } else {
                    owner
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=owners.len()).contains(n))
                        .map(|n| n - 1)
                };
                found
                    .ok_or_else(|| problem(path, at(), format!("no {owner_text} row `{owner}`")))?
            }
        };
        let n = counts.entry(index).or_default();
        let element_key = format!("{owner_text}[{index}].{}[{n}]", inner_keys.join("."));
        let Some(element) = read_row(row, columns, sheet, i, &element_key, path, places)? else {
            continue;
        };
        places.add(element_key, sheet, i, 0);
        *n += 1;
        let owners = lookup_mut(root, &owner_keys).expect("checked above");
        let owner_table = owners[index].as_table_mut().expect("rows are tables");
        let (last, above) = inner_keys.split_last().expect("an inner table has a key");
        let mut here = owner_table;
        for key in above {
            here = here
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| problem(path, at(), format!("`{key}` is a value and a table")))?;
        }
        match here
            .entry(last.clone())
            .or_insert_with(|| toml::Value::Array(Vec::new()))
        {
            toml::Value::Array(items) => items.push(toml::Value::Table(element)),
            _ => {
                return Err(problem(
                    path,
                    at(),
                    format!("`{last}` is a value and a table"),
                ));
            }
        }
    }
    Ok(())
}

fn lookup_mut<'a>(root: &'a mut toml::Table, keys: &[String]) -> Option<&'a mut Vec<toml::Value>> {
    let (last, above) = keys.split_last()?;
    let mut here = root;
    for key in above {
        here = here.get_mut(key)?.as_table_mut()?;
    }
    here.get_mut(last)?.as_array_mut()
}
