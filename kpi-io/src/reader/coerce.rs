//! Stage 3: typing the cells of a grid, one cell at a time, every error
//! with its file, sheet, row and column (the careful path).

use super::*;

pub(super) fn type_rows(
    table: Table,
    path: &Path,
    sheet: Option<&str>,
    view: &grid::Table<'_>,
    file_index: u32,
    notes: &mut Vec<QualityNote>,
    mut export: Option<ExportCtx<'_>>,
) -> Result<DataFrame> {
    let ctx = Ctx { table, path, sheet };
    let headers = match &export {
        Some(_) => crate::export::dedupe_generic(&view.headers()),
        None => view.headers(),
    };
    let header_row = view.row_number(0).saturating_sub(1);
    let mut uses: Vec<(usize, Use)> = Vec::new();
    let mut extras: Vec<(usize, String)> = Vec::new();
    for (j, header) in headers.iter().enumerate() {
        if header.trim().is_empty() {
            continue;
        }
        let found: Vec<Use> = match &export {
            None => canonical_column(table, header)
                .map(|name| Use::Column(table.column(name).expect("canonical")))
                .into_iter()
                .collect(),
            Some(x) => x
                .profile
                .targets(header)
                .into_iter()
                .map(|t| match t {
                    Target::Column(c) => Use::Column(table.column(c).expect("checked")),
                    Target::Nickname => Use::Nickname,
                    Target::Store => Use::Store,
                    Target::Rate { column, of } => Use::Rate(column, of),
                    Target::Average { column, per } => Use::Average(column, per),
                })
                .collect(),
        };
        if found.is_empty() {
            if !export.as_ref().is_some_and(|x| x.profile.skips(header)) {
                extras.push((j, header.trim().to_string()));
            }
            continue;
        }
        for u in found {
            let name = match &u {
                Use::Column(spec) => spec.name,
                Use::Nickname => "employee_id",
                Use::Store => "store_id",
                Use::Rate(..) | Use::Average(..) => "",
            };
            let clash = uses.iter().find(|(_, v)| match v {
                Use::Column(spec) => spec.name == name,
                Use::Nickname => name == "employee_id",
                Use::Store => name == "store_id",
                _ => false,
            });
            if !name.is_empty()
                && let Some((other, _)) = clash
            {
                return Err(Error::Layout {
                    at: ctx.at(header_row, header),
                    message: format!(
                        "columns `{}` and `{header}` both mean `{name}`",
                        headers[*other]
                    ),
                });
            }
            uses.push((j, u));
        }
    }
    let has = |n: &str| {
        uses.iter()
            .any(|(_, u)| matches!(u, Use::Column(s) if s.name == n))
    };
    // A file without a date column: its name (or banner) tells the day or month.
    let mut file_date = None;
    if table.is_dated() && !has("date") && !has("period") {
        let name_text = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let told = name_text
            .as_deref()
            .map(crate::export::file_date)
            .unwrap_or(Err("it has no name".into()));
        let told = match (told, &export) {
            (Ok(d), _) => Ok(d),
            (Err(e), Some(x)) => crate::export::file_date(&x.hint).map_err(|_| e),
            (Err(e), None) => Err(e),
        };
        match told {
            Ok(d) => file_date = Some(d),
            Err(why) => {
                return Err(Error::Layout {
                    at: Position {
                        file: path.into(),
                        sheet: sheet.map(str::to_string),
                        row: Some(header_row),
                        column: None,
                    },
                    message: format!(
                        "`{table}` needs a date (日期) or period (月份) column, and the file name \
                         tells no date: {why} (name a day or a range, e.g. \
                         `…_2025-04-20至2025-04-20`, `…_20250809_20250809_`, `…_2025-01-01_2025-01-31`)"
                    ),
                });
            }
        }
    }
    if let Some(crate::export::FileDate::PartOfMonth(m, from, to)) = file_date {
        notes.push(ctx.note(
            None,
            None,
            Issue::PartOfMonth { month: m, from, to },
            Action::ReadAsMonth,
        ));
    }

    // Rows kept: not blank, not a summary row.
    let mut rows = Vec::with_capacity(view.height());
    let mut blank = 0;
    for r in 0..view.height() {
        if uses
            .iter()
            .all(|(j, _)| matches!(view.cell(r, *j), Cell::Empty))
        {
            blank += 1;
            continue;
        }
        if drop_summary_row(&ctx, view, headers.len(), r, notes) {
            continue;
        }
        rows.push(r);
    }
    if blank > 0 {
        let mut note = ctx.note(None, None, Issue::BlankRows, Action::Dropped);
        note.rows = blank;
        notes.push(note);
    }

    let mut columns = Vec::new();
    // Rows keyed by nickname: mapped through the roster; unmapped ones are
    // reported with their row counts.
    if let Some(x) = &export
        && let Some((j, _)) = uses.iter().find(|(_, u)| matches!(u, Use::Nickname))
    {
        let j = *j;
        let mut ids = Vec::with_capacity(rows.len());
        let mut kept = Vec::with_capacity(rows.len());
        let mut unmapped: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for &r in &rows {
            let nick = match view.cell(r, j) {
                Cell::Text(t) => t.trim().to_string(),
                Cell::Number(n) => kpi_core::fmt_num(n),
                _ => String::new(),
            };
            match x.resolver.employee(&nick) {
                Some(id) => {
                    ids.push(id.to_string());
                    kept.push(r);
                }
                None => {
                    unmapped.entry(nick).or_insert((view.row_number(r), 0)).1 += 1;
                }
            }
        }
        for (nick, (first, count)) in unmapped {
            let mut note = ctx.note(
                Some(first),
                Some(&headers[j]),
                if nick.is_empty() {
                    Issue::NoNickname
                } else if x.resolver.has_nicknames() {
                    Issue::UnknownNickname {
                        nickname: nick.to_string(),
                    }
                } else {
                    Issue::NoNicknameColumn {
                        nickname: nick.to_string(),
                    }
                },
                Action::NicknameNotUsed,
            );
            note.rows = count;
            notes.push(note);
        }
        rows = kept;
        columns.push(Column::new("employee_id".into(), ids));
    }
    for (j, u) in &uses {
        if let Use::Column(spec) = u {
            columns.push(type_column(
                &ctx,
                view,
                *j,
                &headers[*j],
                spec,
                &rows,
                notes,
            )?);
        }
    }
    if let Some(x) = &export {
        // The store: a column naming it by id or name, else the path or banner.
        if let Some((j, _)) = uses.iter().find(|(_, u)| matches!(u, Use::Store)) {
            let values: Vec<Option<String>> = rows
                .iter()
                .map(|&r| {
                    view.cell(r, *j).text().map(|t| {
                        x.resolver
                            .store(t)
                            .map_or_else(|| t.trim().to_string(), str::to_string)
                    })
                })
                .collect();
            columns.push(Column::new("store_id".into(), values));
        } else if x.profile.store == StoreSource::Path {
            let Some(store) = x.resolver.store_in(&x.hint) else {
                return Err(Error::Layout {
                    at: Position {
                        file: path.into(),
                        sheet: sheet.map(str::to_string),
                        ..Default::default()
                    },
                    message: format!(
                        "profile `{}` has no store column, and neither the file path nor the lines \
                         above the header name a store of `stores` (by id or name)",
                        x.profile.id
                    ),
                });
            };
            columns.push(crate::export::constant("store_id", store, rows.len()));
        }
    }
    if let Some(x) = export.as_mut() {
        derive_columns(&ctx, view, &headers, &uses, &rows, &mut columns, x, notes)?;
    }
    for (j, name) in &extras {
        if table.column(name).is_some() || columns.iter().any(|c: &Column| c.name() == name) {
            continue;
        }
        columns.push(extra_column(view, *j, name, &rows));
    }
    match file_date {
        Some(crate::export::FileDate::Day(d)) => {
            columns.push(
                Int32Chunked::from_iter_options(
                    "date".into(),
                    std::iter::repeat_n(Some(d), rows.len()),
                )
                .into_date()
                .into_column(),
            );
        }
        Some(crate::export::FileDate::Month(m) | crate::export::FileDate::PartOfMonth(m, ..)) => {
            columns.push(crate::export::constant(
                "period",
                &m.to_string(),
                rows.len(),
            ))
        }
        None => {}
    }
    let has_date = columns.iter().any(|c| c.name() == "date");
    let has_period = columns.iter().any(|c| c.name() == "period");
    if table.is_dated() && has_date && has_period {
        check_date_in_period(&ctx, &columns, |k| view.row_number(rows[k]))?;
    }
    if table.is_dated() && has_date && !has_period {
        let dates = columns
            .iter()
            .find(|c| c.name() == "date")
            .expect("date column")
            .date()
            .map_err(|e| Error::polars("date column", e))?;
        let periods = periods_of(dates);
        columns.push(periods.into_column());
    }
    columns.push(Column::new("_file".into(), vec![file_index; rows.len()]));
    columns.push(Column::new(
        "_row".into(),
        rows.iter()
            .map(|r| view.row_number(*r) as u32)
            .collect::<Vec<u32>>(),
    ));
    let frame = DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::polars(format!("{}: building `{table}`", path.display()), e))?;
    let frame = require_keys(&ctx, frame)?;
    if export.as_ref().is_some_and(|x| {
        x.profile
            .columns
            .iter()
            .any(|(_, t)| *t == Target::Nickname)
    }) {
        add_accounts_of_one_employee(&ctx, frame, notes)
    } else {
        Ok(frame)
    }
}

/// A row's `date` must lie in its `period`: a row counted in another month
/// than its date says is an error, at the row `row_number` gives for the
/// row's index among `columns`.
pub(super) fn check_date_in_period(
    ctx: &Ctx<'_>,
    columns: &[Column],
    row_number: impl Fn(usize) -> usize,
) -> Result<()> {
    let get = |name: &str| columns.iter().find(|c| c.name() == name);
    let (Some(dates), Some(periods)) = (get("date"), get("period")) else {
        return Ok(());
    };
    let (Ok(dates), Ok(periods)) = (dates.date(), periods.str()) else {
        return Ok(());
    };
    for (k, (month, period)) in periods_of(dates).iter().zip(periods.iter()).enumerate() {
        if let (Some(month), Some(period)) = (month, period)
            && month != period
        {
            let date = dates.physical().get(k).expect("a date");
            return Err(Error::Cell {
                at: ctx.at(row_number(k), "period"),
                message: format!(
                    "period {period} disagrees with the date {} (month {month}); \
                     correct one or drop the period column",
                    crate::export::fmt_day(date)
                ),
            });
        }
    }
    Ok(())
}

/// Rows missing a key value are an error naming the first such row.
pub(super) fn require_keys(ctx: &Ctx<'_>, frame: DataFrame) -> Result<DataFrame> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    for key in ctx.table.key() {
        let key = if *key == "date" && !names.iter().any(|n| n == "date") {
            "period"
        } else {
            key
        };
        let Ok(column) = frame.column(key) else {
            return Err(Error::Layout {
                at: Position {
                    file: ctx.path.into(),
                    sheet: ctx.sheet.map(str::to_string),
                    row: None,
                    column: None,
                },
                message: format!("`{}` needs a `{key}` column", ctx.table),
            });
        };
        if column.null_count() > 0 {
            let rows = frame
                .column("_row")
                .expect("_row")
                .u32()
                .expect("u32")
                .clone();
            let first = column
                .is_null()
                .iter()
                .zip(rows.iter())
                .find(|(null, _)| null.unwrap_or(false))
                .and_then(|(_, r)| r)
                .unwrap_or(0);
            return Err(Error::Cell {
                at: ctx.at(first as usize, key),
                message: format!("`{key}` is empty; every row of `{}` needs one", ctx.table),
            });
        }
    }
    Ok(frame)
}

/// A bare year (`2025`, `2025年`, the number 2025) as `2025`.
pub(super) fn year_of(cell: Cell<'_>) -> Option<String> {
    let year: i32 = match cell {
        Cell::Number(n) if n.fract() == 0.0 => n as i32,
        Cell::Text(t) => t.trim().trim_end_matches('年').parse().ok()?,
        _ => return None,
    };
    (1900..=2999).contains(&year).then(|| year.to_string())
}

/// Drops data row `r` with a note when one of its first three cells is a
/// summary label (汇总, 合计, 全店平均值…).
pub(super) fn drop_summary_row(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    width: usize,
    r: usize,
    notes: &mut Vec<QualityNote>,
) -> bool {
    let label = (0..width.min(3))
        .filter_map(|j| view.cell(r, j).text())
        .find(|t| is_summary_label(t));
    if let Some(label) = label {
        notes.push(ctx.note(
            Some(view.row_number(r)),
            None,
            Issue::SummaryRow {
                label: label.trim().to_string(),
            },
            Action::DroppedSummaryRow,
        ));
    }
    label.is_some()
}

/// Yuan as integer cents; more than 2 decimals is rounded half-up, noted.
pub(super) fn to_cents(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    r: usize,
    header: &str,
    yuan: Decimal,
    notes: &mut Vec<QualityNote>,
) -> Option<i64> {
    let cents = yuan * Decimal::ONE_HUNDRED;
    if cents.fract() != Decimal::ZERO {
        notes.push(ctx.note(
            Some(view.row_number(r)),
            Some(header),
            Issue::MoneyDecimals { yuan },
            Action::RoundedToCent,
        ));
    }
    cents
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

pub(super) fn is_summary_label(text: &str) -> bool {
    let t = text.trim();
    SUMMARY_LABELS.iter().any(|l| t.eq_ignore_ascii_case(l))
        || t.starts_with("全店")
        || t.starts_with("同行同层")
        || t.starts_with("合计")
}

pub(super) fn type_column(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    j: usize,
    header: &str,
    spec: &kpi_core::ColumnSpec,
    rows: &[usize],
    notes: &mut Vec<QualityNote>,
) -> Result<Column> {
    let name: PlSmallStr = spec.name.into();
    let cell_err = |r: usize, message: String| Error::Cell {
        at: ctx.at(view.row_number(r), header),
        message,
    };
    let column = match spec.kind {
        ColumnKind::Id | ColumnKind::Text => {
            let values = rows.iter().map(|&r| match view.cell(r, j) {
                Cell::Empty | Cell::Error => None,
                Cell::Text(s) if crate::parse::is_placeholder(s) && spec.kind == ColumnKind::Id => {
                    None
                }
                Cell::Text(s) => Some(std::borrow::Cow::Borrowed(s.trim())),
                Cell::Number(n) | Cell::ExcelDate(n) => {
                    Some(std::borrow::Cow::Owned(kpi_core::fmt_num(n)))
                }
            });
            StringChunked::from_iter_options(name, values).into_column()
        }
        ColumnKind::Role => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                let v = match view.cell(r, j) {
                    Cell::Text(s) => match Role::parse(s) {
                        Some(role) => Some(role.id().to_string()),
                        None => {
                            return Err(cell_err(
                                r,
                                format!(
                                    "{} is not a role; accepted: {}",
                                    crate::parse::quoted(s),
                                    Role::accepted()
                                ),
                            ));
                        }
                    },
                    _ => None,
                };
                values.push(v);
            }
            Column::new(name, values)
        }
        ColumnKind::Word(vocabulary) => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                let v = match view.cell(r, j) {
                    Cell::Text(s) if crate::parse::is_placeholder(s) => None,
                    Cell::Text(s) => match vocabulary.parse(s) {
                        Some(id) => Some(id),
                        None => {
                            return Err(cell_err(
                                r,
                                format!(
                                    "{} is not {}; accepted: {}",
                                    crate::parse::quoted(s),
                                    vocabulary.what(),
                                    vocabulary.accepted()
                                ),
                            ));
                        }
                    },
                    Cell::Empty => None,
                    Cell::Error => return Err(cell_err(r, "an error cell".into())),
                    Cell::Number(n) | Cell::ExcelDate(n) => {
                        return Err(cell_err(
                            r,
                            format!(
                                "{} is not {}; accepted: {}",
                                kpi_core::fmt_num(n),
                                vocabulary.what(),
                                vocabulary.accepted()
                            ),
                        ));
                    }
                };
                values.push(v);
            }
            Column::new(name, values)
        }
        ColumnKind::Date => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                values.push(parse_date(view.cell(r, j)).map_err(|m| cell_err(r, m))?);
            }
            Int32Chunked::from_iter_options(name, values.into_iter())
                .into_date()
                .into_column()
        }
        ColumnKind::Period => {
            let mut values = Vec::with_capacity(rows.len());
            for &r in rows {
                let cell = view.cell(r, j);
                // A target may be for a whole year (`2025`, `2025年`), split later.
                let year = (ctx.table == Table::Targets)
                    .then(|| year_of(cell))
                    .flatten();
                values.push(match year {
                    Some(year) => Some(year),
                    None => parse_period(cell).map_err(|m| cell_err(r, m))?,
                });
            }
            Column::new(name, values)
        }
        ColumnKind::Count | ColumnKind::Money => {
            let money = spec.kind == ColumnKind::Money;
            let mut values: Vec<Option<i64>> = Vec::with_capacity(rows.len());
            for &r in rows {
                let cell = view.cell(r, j);
                // Fast path: plain integers.
                if let Cell::Text(s) = cell
                    && let Ok(v) = s.trim().parse::<i64>()
                {
                    let v = if money { v.checked_mul(100) } else { Some(v) };
                    values.push(check_sign(ctx, view, r, header, spec, v, notes));
                    continue;
                }
                let Some(d) = parse_decimal(cell).map_err(|m| cell_err(r, m))? else {
                    values.push(None);
                    continue;
                };
                let v = if money {
                    to_cents(ctx, view, r, header, d, notes)
                } else {
                    if d.fract() != Decimal::ZERO {
                        return Err(cell_err(r, format!("{d} is not a whole count")));
                    }
                    d.to_i64()
                };
                let Some(v) = v else {
                    return Err(cell_err(r, format!("{d} is out of range")));
                };
                values.push(check_sign(ctx, view, r, header, spec, Some(v), notes));
            }
            Column::new(name, values)
        }
        ColumnKind::Seconds | ColumnKind::Hours | ColumnKind::Number => {
            let mut values: Vec<Option<f64>> = Vec::with_capacity(rows.len());
            for &r in rows {
                let cell = view.cell(r, j);
                let v = if let Cell::Text(s) = cell
                    && let Ok(v) = s.trim().parse::<f64>()
                {
                    Some(v)
                } else if spec.kind == ColumnKind::Seconds {
                    parse_seconds(cell).map_err(|m| cell_err(r, m))?
                } else {
                    parse_decimal(cell)
                        .map_err(|m| cell_err(r, m))?
                        .and_then(|d| d.to_f64())
                };
                if let Some(x) = v
                    && !x.is_finite()
                {
                    let shown = cell
                        .text()
                        .map_or_else(|| x.to_string(), crate::parse::quoted);
                    return Err(cell_err(r, format!("{shown} is not a finite number")));
                }
                let v = match v {
                    Some(x) if spec.kind.non_negative() && x < 0.0 => {
                        let issue = Issue::NegativeValue { value: x };
                        treated_as_missing(ctx, view.row_number(r), header, issue, notes)
                    }
                    v => v,
                };
                values.push(v);
            }
            match spec.kind.scale() {
                1 => Column::new(name, values),
                // Durations are held as integer thousandths so sums are exact.
                scale => {
                    let mut scaled = Vec::with_capacity(values.len());
                    for (&r, v) in rows.iter().zip(values) {
                        let Some(x) = v else {
                            scaled.push(None);
                            continue;
                        };
                        let units = (x * scale as f64).round();
                        // Exact integers only: within ±2^53 of a float.
                        if units.abs() > 9_007_199_254_740_992.0 {
                            return Err(cell_err(r, format!("{x} is out of range")));
                        }
                        scaled.push(Some(units as i64));
                    }
                    Column::new(name, scaled)
                }
            }
        }
    };
    Ok(column)
}

pub(super) fn check_sign(
    ctx: &Ctx<'_>,
    view: &grid::Table<'_>,
    r: usize,
    header: &str,
    spec: &kpi_core::ColumnSpec,
    value: Option<i64>,
    notes: &mut Vec<QualityNote>,
) -> Option<i64> {
    match value {
        Some(v) if v < 0 && spec.kind.non_negative() => {
            let issue = Issue::NegativeCount { value: v };
            treated_as_missing(ctx, view.row_number(r), header, issue, notes)
        }
        v => v,
    }
}

/// Notes a value read as missing (a negative count, say) and gives none.
pub(super) fn treated_as_missing<T>(
    ctx: &Ctx<'_>,
    row: usize,
    header: &str,
    issue: Issue,
    notes: &mut Vec<QualityNote>,
) -> Option<T> {
    let note = ctx.note(Some(row), Some(header), issue, Action::TreatedAsMissing);
    notes.push(note);
    None
}

/// An unknown column: numbers when every non-empty cell is one, else text.
pub(super) fn extra_column(view: &grid::Table<'_>, j: usize, name: &str, rows: &[usize]) -> Column {
    let numbers: Option<Vec<Option<f64>>> = rows
        .iter()
        .map(|&r| match view.cell(r, j) {
            Cell::Empty => Some(None),
            cell => parse_decimal(cell).ok().map(|d| d.and_then(|d| d.to_f64())),
        })
        .collect();
    match numbers {
        Some(values) => Column::new(name.into(), values),
        None => Column::new(
            name.into(),
            rows.iter()
                .map(|&r| match view.cell(r, j) {
                    Cell::Text(s) => Some(s.trim().to_string()),
                    Cell::Number(n) | Cell::ExcelDate(n) => Some(kpi_core::fmt_num(n)),
                    _ => None,
                })
                .collect::<Vec<Option<String>>>(),
        ),
    }
}
