//! Stage 2: reading one file of a table (per format) into typed frames.

use super::*;

pub(super) fn header_matches(table: Table, fields: &[String]) -> usize {
    let mut found = BTreeSet::new();
    for f in fields {
        if let Some(c) = canonical_column(table, f) {
            found.insert(c);
        }
    }
    found.len()
}

/// A CSV file without a header row of `table`: when one of its first lines
/// is a header of the table but for its key columns, the error names the
/// keys missing and the headers found.
pub(super) fn missing_keys(error: Error, path: &Path, table: Table) -> Error {
    let Ok(head) = grid::csv_head(path, 30) else {
        return error;
    };
    let best = head
        .iter()
        .enumerate()
        .max_by_key(|(i, f)| (header_matches(table, f), std::cmp::Reverse(*i)));
    let Some((line, fields)) = best.filter(|(_, f)| header_matches(table, f) >= 2) else {
        return error;
    };
    let present: BTreeSet<&str> = fields
        .iter()
        .filter_map(|f| canonical_column(table, f))
        .collect();
    let missing: Vec<String> = table
        .key()
        .iter()
        .filter(|k| !(present.contains(**k) || (**k == "date" && present.contains("period"))))
        .map(|k| {
            let words: Vec<&str> = crate::alias::aliases(k).iter().take(4).copied().collect();
            if words.is_empty() {
                format!("`{k}`")
            } else {
                format!("`{k}` ({})", words.join(" / "))
            }
        })
        .collect();
    if missing.is_empty() {
        return error;
    }
    let shown: Vec<String> = fields
        .iter()
        .take(12)
        .map(|f| crate::parse::quoted(f))
        .collect();
    let more = fields.len().saturating_sub(12);
    Error::Layout {
        at: Position {
            file: path.into(),
            row: Some(line + 1),
            ..Default::default()
        },
        message: format!(
            "the header lacks the key column {} of `{table}`; it has {}{}",
            missing.join(" and "),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    }
}

pub(super) fn is_header_row(table: Table, fields: &[String]) -> bool {
    let keys_present = table.key().iter().all(|k| {
        let alternatives: &[&str] = if *k == "date" {
            &["date", "period"]
        } else {
            &[k]
        };
        fields
            .iter()
            .any(|f| canonical_column(table, f).is_some_and(|c| alternatives.contains(&c)))
    });
    keys_present && header_matches(table, fields) >= table.key().len().min(2)
}

pub(super) fn read_file(input: &InputFile, file_index: u32) -> Result<FilePart> {
    let table = input.table;
    let ext = input
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let grids = match ext.as_str() {
        "csv" => {
            let body = grid::csv_body(&input.path, &|fields| is_header_row(table, fields))
                .map_err(|e| missing_keys(e, &input.path, table))?;
            // The cells as text, once parsed, serve the careful path too.
            let mut text: Option<Grid> = None;
            if is_header_row(table, &body.header) {
                // Counts parsed as integers by polars and durations and numbers
                // as floats (a column the fast path refuses is read again as
                // written); money, dates, months and words as text.
                let dtypes = body
                    .header
                    .iter()
                    .map(
                        |h| match canonical_column(table, h).and_then(|c| table.column(c)) {
                            Some(spec) => match spec.kind {
                                ColumnKind::Count => DataType::Int64,
                                ColumnKind::Seconds | ColumnKind::Hours | ColumnKind::Number => {
                                    DataType::Float64
                                }
                                _ => DataType::String,
                            },
                            None => DataType::String,
                        },
                    )
                    .collect();
                let columns = match body.typed(&input.path, dtypes) {
                    Some(columns) => columns,
                    None => {
                        let grid = text.insert(body.strings(&input.path)?);
                        match grid {
                            Grid::Csv { columns, .. } => {
                                columns.iter().map(|c| c.clone().into_column()).collect()
                            }
                            Grid::Sheet { .. } => unreachable!("a CSV grid"),
                        }
                    }
                };
                let raw = RawColumns {
                    headers: &body.header,
                    columns,
                    first_row: body.first_row,
                    csv: Some(&body),
                };
                if let Some(part) = type_columns(table, &input.path, &raw, file_index)? {
                    return Ok(part);
                }
            }
            vec![match text {
                Some(grid) => grid,
                None => body.strings(&input.path)?,
            }]
        }
        "parquet" => {
            let frame = grid::read_parquet(&input.path)?;
            let header: Vec<String> = frame
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect();
            if is_header_row(table, &header) {
                let raw = RawColumns {
                    headers: &header,
                    columns: frame.columns().to_vec(),
                    first_row: 1,
                    csv: None,
                };
                if let Some(part) = type_columns(table, &input.path, &raw, file_index)? {
                    return Ok(part);
                }
            }
            vec![grid::text_grid(&input.path, frame)?]
        }
        _ => grid::read_workbook(&input.path)?,
    };
    let mut frames = Vec::new();
    let mut notes = Vec::new();
    let mut rows_read = 0;
    for grid in &grids {
        let header_row = match grid {
            Grid::Csv { header, .. } => {
                if !is_header_row(table, header) {
                    return Err(Error::Layout {
                        at: Position {
                            file: input.path.clone(),
                            row: Some(1),
                            ..Default::default()
                        },
                        message: format!(
                            "the header lacks the key columns of `{table}` ({})",
                            table.key().join(", ")
                        ),
                    });
                }
                0
            }
            Grid::Sheet { range, name } => {
                let found = (0..range.height().min(30)).find(|&r| {
                    let row: Vec<String> = (0..range.width())
                        .map(|c| range.get((r, c)).map(|d| d.to_string()).unwrap_or_default())
                        .collect();
                    is_header_row(table, &row)
                });
                match found {
                    Some(r) => r,
                    None => {
                        notes.push(QualityNote {
                            table: table.name().into(),
                            file: input.path.display().to_string(),
                            sheet: Some(name.clone()),
                            row: None,
                            column: None,
                            issue: Issue::NoKeyHeader {
                                table: table.to_string(),
                            },
                            action: Action::SheetIgnored,
                            rows: 0,
                        });
                        continue;
                    }
                }
            }
        };
        let view = grid::Table::new(grid, header_row);
        let typed = type_rows(
            table,
            &input.path,
            grid.sheet(),
            &view,
            file_index,
            &mut notes,
            None,
        )?;
        rows_read += view.height();
        frames.push(typed);
    }
    let Some(mut frame) = frames.pop() else {
        return Err(Error::Layout {
            at: Position {
                file: input.path.clone(),
                ..Default::default()
            },
            message: format!(
                "no sheet has a header row with the key columns of `{table}` ({})",
                table.key().join(", ")
            ),
        });
    };
    while let Some(earlier) = frames.pop() {
        frame = stack(table, vec![earlier, frame])?;
    }
    Ok(FilePart {
        frame,
        notes,
        rows_read,
    })
}
