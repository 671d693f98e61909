//! Stage 4: mapping platform exports onto the tables of the contract
//! (nicknames through the roster, rates and averages rebuilt).

use super::*;

/// Reads one platform export: each sheet with the header of a profile
/// (the forced one, or the best fit) is typed as that profile's table.
pub(super) fn read_export(
    dir: &Path,
    path: &Path,
    file_index: u32,
    options: &ReadOptions,
    resolver: &Resolver,
    must_match: bool,
) -> Result<ExportRead> {
    let relative = crate::export::path_text(dir, path);
    let forced = options.forced_for(Path::new(&relative));
    let fits = |headers: &[String]| -> Option<&Profile> {
        match forced {
            Some(p) => p.fit(headers).map(|_| p),
            None => options.profiles.detect(headers),
        }
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut scanned: Vec<Vec<String>> = Vec::new();
    let grids = match ext.as_str() {
        "csv" => match grid::read_csv(path, &|f| fits(f).is_some()) {
            Ok(g) => vec![g],
            Err(Error::Layout { .. }) => {
                scanned = grid::csv_head(path, 30)?;
                vec![]
            }
            Err(e) => return Err(e),
        },
        "parquet" => vec![grid::text_grid(path, grid::read_parquet(path)?)?],
        _ => grid::read_workbook(path)?,
    };
    let mut read = ExportRead {
        parts: Vec::new(),
        notes: Vec::new(),
        derived: Vec::new(),
        rows_read: 0,
    };
    let mut unmatched = Vec::new();
    for grid in &grids {
        let found = match grid {
            Grid::Csv { header, .. } => {
                scanned.push(header.clone());
                fits(header).map(|p| (0, p, None))
            }
            Grid::Sheet { range, .. } => (0..range.height().min(30)).find_map(|r| {
                let row = grid::row_text(range, r);
                if let Some(p) = fits(&row) {
                    return Some((r, p, None));
                }
                scanned.push(row.clone());
                if r > 0 {
                    let above = grid::row_text(range, r - 1);
                    let flat = crate::export::flatten_two_rows(&above, &row);
                    if let Some(p) = fits(&flat) {
                        return Some((r, p, Some(flat)));
                    }
                }
                None
            }),
        };
        let Some((header_row, profile, flat)) = found else {
            unmatched.push(grid.sheet().unwrap_or("").to_string());
            continue;
        };
        let banner = match grid {
            Grid::Sheet { range, .. } => (0..header_row)
                .map(|r| grid::row_text(range, r).join(" "))
                .collect::<Vec<_>>()
                .join(" "),
            Grid::Csv { .. } => String::new(),
        };
        let view = match flat {
            Some(headers) => grid::Table::with_headers(grid, header_row, headers),
            None => grid::Table::new(grid, header_row),
        };
        let frame = if profile.wide {
            type_wide(
                profile,
                path,
                grid.sheet(),
                &view,
                file_index,
                &banner,
                &mut read.notes,
            )?
        } else {
            type_rows(
                profile.table,
                path,
                grid.sheet(),
                &view,
                file_index,
                &mut read.notes,
                Some(ExportCtx {
                    profile,
                    resolver,
                    hint: format!("{relative} {banner}"),
                    derived: &mut read.derived,
                }),
            )?
        };
        read.rows_read += view.height();
        read.parts.push((profile.table, profile.id.clone(), frame));
    }
    if read.parts.is_empty() && must_match {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let closest = closest_profile(
            forced.map_or(options.profiles.all(), std::slice::from_ref),
            &scanned,
        );
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                ..Default::default()
            },
            message: format!(
                "matches no export profile{} and is not named after a table of the data contract{}; \
                 give it with --profile '{name}=ID', add a profile with --profile-dir, name it after a \
                 table (employee_daily.xlsx), or leave it out with --profile '{name}=ignore' \
                 (`kpi schema --profiles` lists the profiles)",
                forced.map_or(String::new(), |p| format!(" (forced: `{}`)", p.id)),
                closest.map_or(String::new(), |(id, missing)| format!(
                    "; closest is `{id}`, whose header lacks {missing}"
                )),
            ),
        });
    }
    for sheet in unmatched {
        read.notes.push(QualityNote {
            table: "-".into(),
            file: path.display().to_string(),
            sheet: Some(sheet),
            row: None,
            column: None,
            issue: Issue::NoProfileHeader,
            action: Action::SheetIgnored,
            rows: 0,
        });
    }
    Ok(read)
}

/// The profile whose signature a scanned row comes closest to, and what it lacks.
pub(super) fn closest_profile(
    profiles: &[Profile],
    rows: &[Vec<String>],
) -> Option<(String, String)> {
    let mut best: Option<(usize, String, String)> = None;
    for p in profiles {
        for row in rows {
            let folded: Vec<String> = row.iter().map(|h| crate::alias::fold_header(h)).collect();
            let (hit, missing): (Vec<_>, Vec<_>) = p
                .signature
                .iter()
                .partition(|g| g.iter().any(|h| folded.contains(h)));
            if hit.is_empty() {
                continue;
            }
            if best.as_ref().is_none_or(|(b, ..)| hit.len() > *b) {
                let missing = missing
                    .iter()
                    .map(|g| format!("`{}`", g.join("` or `")))
                    .collect::<Vec<_>>()
                    .join(", ");
                best = Some((hit.len(), p.id.clone(), missing));
            }
        }
    }
    best.map(|(_, id, missing)| (id, missing))
}

/// A wide payroll sheet (工资表) as ledger lines: one per employee and
/// numeric column, the column's header being the component.
pub(super) fn type_wide(
    profile: &Profile,
    path: &Path,
    sheet: Option<&str>,
    view: &grid::Table<'_>,
    file_index: u32,
    banner: &str,
    notes: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let table = profile.table;
    let ctx = Ctx { table, path, sheet };
    let headers = view.headers();
    let mut employee = None;
    let mut period_col = None;
    let mut components = Vec::new();
    for (j, h) in headers.iter().enumerate() {
        if h.trim().is_empty() || profile.skips(h) {
            continue;
        }
        match profile.targets(h).first() {
            Some(Target::Column("employee_id")) => employee = Some(j),
            Some(Target::Column("period")) => period_col = Some(j),
            Some(_) => {}
            None => components.push(j),
        }
    }
    let Some(employee) = employee else {
        return Err(Error::Layout {
            at: ctx.at(view.row_number(0).saturating_sub(1), ""),
            message: "the payroll sheet has no employee id column (工号 / 员工编号)".into(),
        });
    };
    let file_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let year_hint = crate::export::year_in(banner).or_else(|| crate::export::year_in(&file_name));
    let sheet_month = crate::export::month_in(banner, None)
        .or_else(|| sheet.and_then(|s| crate::export::month_in(s, year_hint)))
        .or_else(|| crate::export::month_in(&file_name, year_hint));
    if period_col.is_none() && sheet_month.is_none() {
        return Err(Error::Layout {
            at: Position {
                file: path.into(),
                sheet: sheet.map(str::to_string),
                ..Default::default()
            },
            message: "cannot tell the month of this payroll sheet: no 月份 column, and neither \
                      the title rows (2025 年 八 月 工 资 表), the sheet name (2025年8月, 8月) nor \
                      the file name name one"
                .into(),
        });
    }
    let (mut periods, mut employees, mut names, mut amounts, mut rows_out) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut blank = 0;
    for r in 0..view.height() {
        if drop_summary_row(&ctx, view, headers.len(), r, notes) {
            continue;
        }
        let id = match view.cell(r, employee) {
            Cell::Text(t) if !crate::parse::is_placeholder(t) => t.trim().to_string(),
            Cell::Number(n) => kpi_core::fmt_num(n),
            _ => {
                if components
                    .iter()
                    .all(|j| matches!(view.cell(r, *j), Cell::Empty))
                {
                    blank += 1;
                    continue;
                }
                return Err(Error::Cell {
                    at: ctx.at(view.row_number(r), &headers[employee]),
                    message: "the employee id is empty on a row with amounts".into(),
                });
            }
        };
        let period = match period_col {
            Some(j) => parse_period(view.cell(r, j))
                .map_err(|m| Error::Cell {
                    at: ctx.at(view.row_number(r), &headers[j]),
                    message: m,
                })?
                .or_else(|| sheet_month.map(|m| m.to_string())),
            None => sheet_month.map(|m| m.to_string()),
        };
        let Some(period) = period else {
            return Err(Error::Cell {
                at: ctx.at(view.row_number(r), "月份"),
                message: "no month for this row".into(),
            });
        };
        for &j in &components {
            let cell = view.cell(r, j);
            let Some(d) = parse_decimal(cell).map_err(|m| Error::Cell {
                at: ctx.at(view.row_number(r), &headers[j]),
                message: m,
            })?
            else {
                continue;
            };
            let Some(cents) = to_cents(&ctx, view, r, &headers[j], d, notes) else {
                return Err(Error::Cell {
                    at: ctx.at(view.row_number(r), &headers[j]),
                    message: format!("{d} is out of range"),
                });
            };
            periods.push(period.clone());
            employees.push(id.clone());
            names.push(headers[j].trim().to_string());
            amounts.push(cents);
            rows_out.push(view.row_number(r) as u32);
        }
    }
    if blank > 0 {
        let mut note = ctx.note(None, None, Issue::BlankRows, Action::Dropped);
        note.rows = blank;
        notes.push(note);
    }
    let height = periods.len();
    DataFrame::new(
        height,
        vec![
            Column::new("period".into(), periods),
            Column::new("employee_id".into(), employees),
            Column::new("component".into(), names),
            Column::new("amount".into(), amounts),
            Column::new("_file".into(), vec![file_index; height]),
            Column::new("_row".into(), rows_out),
        ],
    )
    .map_err(|e| Error::polars(format!("{}: building `{table}`", path.display()), e))
}

/// Rows of one sheet keyed by different nicknames of one employee (two
/// sub-accounts on the same day) are that employee's activity: their counts,
/// money and durations are added into one row, noted.
pub(super) fn add_accounts_of_one_employee(
    ctx: &Ctx<'_>,
    frame: DataFrame,
    notes: &mut Vec<QualityNote>,
) -> Result<DataFrame> {
    let keys = key_columns(ctx.table, &frame);
    let text = KeyText::new(ctx.table, &frame, &keys)?;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<Vec<&str>, usize> = HashMap::new();
    for i in 0..frame.height() {
        let key = text.row(i);
        match index.get(&key) {
            Some(&g) => groups[g].push(i),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    if groups.len() == frame.height() {
        return Ok(frame);
    }
    let mut columns = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let additive = ctx
            .table
            .column(c.name())
            .is_some_and(|s| s.kind.is_additive())
            && c.dtype() == &DataType::Int64;
        if additive {
            let values = c.i64().map_err(|e| Error::polars(c.name().as_str(), e))?;
            let summed: Vec<Option<i64>> = groups
                .iter()
                // Missing in any account is missing for the employee.
                .map(|g| g.iter().map(|&i| values.get(i)).sum::<Option<i64>>())
                .collect();
            columns.push(Column::new(c.name().clone(), summed));
        } else {
            let first =
                IdxCa::from_vec("".into(), groups.iter().map(|g| g[0] as IdxSize).collect());
            columns.push(
                c.take(&first)
                    .map_err(|e| Error::polars(format!("{}: adding accounts", ctx.table), e))?,
            );
        }
    }
    let rows = frame
        .column("_row")
        .ok()
        .and_then(|c| c.u32().ok().cloned());
    for g in groups.iter().filter(|g| g.len() > 1) {
        let first = rows.as_ref().and_then(|r| r.get(g[0])).map(|r| r as usize);
        let mut note = ctx.note(
            first,
            None,
            Issue::NicknamesOfOne {
                rows: g.len(),
                key: keys
                    .iter()
                    .zip(text.row(g[0]))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            Action::AddedIntoOneRow,
        );
        note.rows = g.len();
        notes.push(note);
    }
    DataFrame::new(groups.len(), columns)
        .map_err(|e| Error::polars(format!("{}: adding accounts", ctx.table), e))
}

/// Decimals a number is shown with, as a ratio: `41.25%` → 4, `0.5` → 1,
/// `12` → 0 (trailing zeros count: `41.20%` is shown to 4).
pub(super) fn shown_decimals(text: &str) -> u32 {
    let t = text.trim();
    let after_point = t.split_once('.').map_or(0, |(_, frac)| {
        frac.chars().take_while(char::is_ascii_digit).count() as u32
    });
    after_point + if t.ends_with('%') { 2 } else { 0 }
}

/// The integer values of a typed count column.
pub(super) fn counts_of(columns: &[Column], name: &str) -> Option<Vec<Option<i64>>> {
    let c = columns.iter().find(|c| c.name() == name)?;
    Some(c.i64().ok()?.iter().collect())
}

/// Columns an export gives as rates or averages: `count = round(rate ×
/// denominator)` (exact when only one count shows as that rate) and `sum =
/// average × count` (an approximation: the average is rounded as shown).
/// A column the file gives directly is not rebuilt.
#[allow(clippy::too_many_arguments)]
pub(super) fn derive_columns(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    headers: &[String],
    uses: &[(usize, Use)],
    rows: &[usize],
    columns: &mut Vec<Column>,
    x: &mut ExportCtx<'_>,
    notes: &mut Vec<QualityNote>,
) -> Result<()> {
    let file = ctx.path.display().to_string();
    for (j, u) in uses {
        let (column, base, is_rate) = match u {
            Use::Rate(c, of) => (*c, *of, true),
            Use::Average(c, per) => (*c, *per, false),
            _ => continue,
        };
        if columns.iter().any(|c| c.name() == column) {
            continue;
        }
        let header = &headers[*j];
        let Some(base_values) = counts_of(columns, base) else {
            notes.push(ctx.note(
                None,
                Some(header),
                Issue::CannotRebuild {
                    column: column.to_string(),
                    header: header.to_string(),
                    base: base.to_string(),
                },
                Action::ColumnNotRead,
            ));
            continue;
        };
        let spec = ctx.table.column(column).expect("checked");
        let mut values: Vec<Option<i64>> = Vec::with_capacity(rows.len());
        // Rows rebuilt exactly and only approximately, and whose they are.
        let (mut exact_rows, mut approx_rows) = (0, 0);
        let (mut exact_ids, mut approx_ids) = (BTreeSet::new(), BTreeSet::new());
        let owner = columns
            .iter()
            .find(|c| c.name() == "employee_id")
            .or_else(|| columns.iter().find(|c| c.name() == "store_id"))
            .and_then(|c| c.str().ok().cloned());
        let owner_of = |k: usize| {
            owner
                .as_ref()
                .and_then(|o| o.get(k))
                .unwrap_or("")
                .to_string()
        };
        for (k, &r) in rows.iter().enumerate() {
            let cell = view.cell(r, *j);
            let shown = match cell {
                Cell::Text(t) if crate::parse::is_placeholder(t) => None,
                Cell::Empty | Cell::Error => None,
                _ => Some(if !is_rate && spec.kind == ColumnKind::Seconds {
                    parse_seconds(cell)
                        .map_err(|m| Error::Cell {
                            at: ctx.at(view.row_number(r), header),
                            message: m,
                        })?
                        .and_then(crate::parse::decimal_of_f64)
                } else {
                    parse_decimal(cell).map_err(|m| Error::Cell {
                        at: ctx.at(view.row_number(r), header),
                        message: m,
                    })?
                }),
            }
            .flatten();
            let mut row_exact = true;
            let value = match (base_values[k], shown) {
                (None, _) => None,
                (Some(0), _) => Some(0),
                (Some(_), None) => {
                    notes.push(ctx.note(
                        Some(view.row_number(r)),
                        Some(header),
                        Issue::NoValueToRebuild {
                            column: column.to_string(),
                        },
                        Action::LeftMissing,
                    ));
                    None
                }
                (Some(n), Some(v)) => {
                    // Half a unit of the last decimal shown; a number cell
                    // holds the rate itself, not a rounded display.
                    let numeric = matches!(cell, Cell::Number(_));
                    let half = match cell {
                        Cell::Text(t) if !numeric => Decimal::new(5, shown_decimals(t) + 1),
                        _ => Decimal::new(1, 9),
                    };
                    if is_rate {
                        let product = v * Decimal::from(n);
                        let count = product
                            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                        if (product - count).abs() > half * Decimal::from(n) {
                            notes.push(ctx.note(
                                Some(view.row_number(r)),
                                Some(header),
                                Issue::NoWholeCount {
                                    column: column.to_string(),
                                    rate: v,
                                    of: n,
                                    base: base.to_string(),
                                },
                                Action::RoundedToCount,
                            ));
                            row_exact = false;
                        } else if !numeric && half * Decimal::from(2 * n) >= Decimal::ONE {
                            // More than one count shows as this rate.
                            row_exact = false;
                        }
                        count.to_i64()
                    } else {
                        let unit = Decimal::from(spec.kind.scale());
                        let stored = (v * unit)
                            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                        row_exact = false;
                        (stored * Decimal::from(n)).to_i64()
                    }
                }
            };
            if value.is_some() {
                if row_exact {
                    exact_rows += 1;
                    exact_ids.insert(owner_of(k));
                } else {
                    approx_rows += 1;
                    approx_ids.insert(owner_of(k));
                }
            }
            values.push(value);
        }
        let how = Issue::Rebuilt {
            column: column.to_string(),
            header: header.to_string(),
            base: base.to_string(),
            from_rate: is_rate,
        };
        for (exact, rows, ids) in [
            (true, exact_rows, exact_ids),
            (false, approx_rows, approx_ids),
        ] {
            if rows > 0 {
                x.derived.push(Derivation {
                    table: ctx.table,
                    column,
                    how: how.clone(),
                    source: header.trim().to_string(),
                    per: base,
                    exact,
                    rows,
                    file: file.clone(),
                    files: 1,
                    ids,
                });
            }
        }
        columns.push(Column::new(column.into(), values));
    }
    Ok(())
}
