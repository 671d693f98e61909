//! Schemes as workbooks: every fixture scheme round-trips (TOML →
//! workbook → the same scheme, and the same scores and pay), an edit made
//! with spreadsheet libraries changes the result as the same edit in TOML,
//! a broken workbook is refused naming its sheet and cell, and each role's
//! starting workbook is a valid scheme.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};
use kpi_core::Lang;

use crate::cli::{generated, kpi, ok};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every scheme file the project ships or tests with.
fn scheme_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "fixtures/schemes",
        "tests/schemes",
        "kpi-core/tests/schemes",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn document(path: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn toml_scheme(path: &Path) -> kpi_core::Scheme {
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str(&text).unwrap()
}

/// The scheme a workbook holds, with its findings.
fn book_scheme(path: &Path) -> (kpi_core::Scheme, Vec<kpi_io::Finding>) {
    kpi_io::check_scheme_book(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_scheme_round_trips_through_a_workbook_and_back_to_toml() {
    let dir = tempfile::tempdir().unwrap();
    let files = scheme_files();
    assert!(files.len() >= 14, "{files:?}");
    for file in files {
        let expected = toml_scheme(&file);
        for lang in [Lang::Zh, Lang::En] {
            let book = dir.path().join(format!(
                "{}-{lang:?}.xlsx",
                file.file_stem().unwrap().to_string_lossy()
            ));
            kpi_io::write_scheme_book(&document(&file), &book, lang).unwrap();
            let (scheme, _) = book_scheme(&book);
            assert_eq!(scheme, expected, "{} ({lang:?})", file.display());
            // And the workbook as TOML, for people who keep schemes in git.
            let (text, _) = kpi_io::scheme_book_text(&book).unwrap();
            let again: kpi_core::Scheme = toml::from_str(&text).unwrap();
            assert_eq!(again, expected, "{} as TOML", file.display());
        }
    }
}

#[test]
fn fixture_schemes_score_and_pay_the_same_from_a_workbook() {
    let data = kpi_io::generate(&kpi_io::GenOptions::default().with_stores(2).with_months(4));
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("fixtures/schemes")).unwrap() {
        let file = entry.unwrap().path();
        let book = dir.path().join("s.xlsx");
        kpi_io::write_scheme_book(&document(&file), &book, Lang::Zh).unwrap();
        let from_toml = kpi::score_dataset(&data, &kpi_io::read_scheme(&file).unwrap()).unwrap();
        let from_book = kpi::score_dataset(&data, &kpi_io::read_scheme(&book).unwrap()).unwrap();
        assert!(
            from_toml
                .scores
                .to_frame()
                .unwrap()
                .equals_missing(&from_book.scores.to_frame().unwrap()),
            "{}",
            file.display()
        );
        match (&from_toml.pay, &from_book.pay) {
            (Some(a), Some(b)) => {
                assert!(a.to_frame().unwrap().equals_missing(&b.to_frame().unwrap()))
            }
            (None, None) => {}
            _ => panic!("{}: pay differs", file.display()),
        }
    }
}

/// A copy of workbook `from` made with spreadsheet libraries (read with
/// calamine, written with rust_xlsxwriter, as another program saving it
/// would), with `edit` applied to each cell: (sheet, row, column, value) →
/// the value written.
pub(crate) fn copy_edited(
    from: &Path,
    to: &Path,
    edit: &dyn Fn(&str, usize, usize, &Data) -> Data,
) {
    let mut book = open_workbook_auto(from).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let sheet = out.add_worksheet();
        sheet.set_name(&name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (rr, cc) = (r as u32, c as u16);
                match edit(&name, r, c, cell) {
                    Data::String(s) => sheet.write_string(rr, cc, s).map(|_| ()),
                    Data::Float(x) => sheet.write_number(rr, cc, x).map(|_| ()),
                    Data::Int(x) => sheet.write_number(rr, cc, x as f64).map(|_| ()),
                    Data::Bool(b) => sheet.write_boolean(rr, cc, b).map(|_| ()),
                    _ => Ok(()),
                }
                .unwrap();
            }
        }
    }
    out.save(to).unwrap();
}

/// The (row, column) of key `key` in `sheet`'s row of `id` (an item's id in
/// its first column, or the owner's id of an inner table's `nth` row).
pub(crate) fn cell_of(book: &Path, sheet: &str, id: &str, nth: usize, key: &str) -> (usize, usize) {
    let mut workbook = open_workbook_auto(book).unwrap();
    let range = workbook.worksheet_range(sheet).unwrap();
    let keys: Vec<String> = range
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = keys
        .iter()
        .position(|k| k == key)
        .unwrap_or_else(|| panic!("{key} in {keys:?}"));
    let row = range
        .rows()
        .enumerate()
        .skip(2)
        .filter(|(_, r)| r[0] == id)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{sheet}: no row {id}"));
    (row, col)
}

const CS: &str = "fixtures/schemes/customer_service.toml";

/// The customer-service scheme as a workbook in `dir`.
fn cs_book(dir: &Path) -> PathBuf {
    let book = dir.join("cs.xlsx");
    kpi_io::write_scheme_book(&document(&root().join(CS)), &book, Lang::Zh).unwrap();
    book
}

#[test]
fn edits_in_a_spreadsheet_change_the_result_as_the_same_edits_in_toml() {
    let dir = tempfile::tempdir().unwrap();
    let book = cs_book(dir.path());
    // A weight (35 → 40, and 25 → 20 to keep 100), a band edge (50% → 45%,
    // on both bands that meet there) and a tier rate (1.5% → 2%).
    let weight = cell_of(&book, "考核指标", "inquiry_conversion", 0, "items[].weight");
    let other = cell_of(&book, "考核指标", "payment_rate", 0, "items[].weight");
    let edge = cell_of(
        &book,
        "评分标准",
        "inquiry_conversion",
        0,
        "items[].rule.bands[].min",
    );
    let below = cell_of(
        &book,
        "评分标准",
        "inquiry_conversion",
        1,
        "items[].rule.bands[].max",
    );
    let rate = cell_of(
        &book,
        "提成档位",
        "personal_commission",
        0,
        "pay.components[].rule.tiers[].rate",
    );
    let edited = dir.path().join("edited.xlsx");
    copy_edited(&book, &edited, &|sheet, r, c, cell| match (sheet, (r, c)) {
        ("考核指标", at) if at == weight => Data::Float(40.0),
        ("考核指标", at) if at == other => Data::Float(20.0),
        ("评分标准", at) if at == edge || at == below => Data::Float(0.45),
        ("提成档位", at) if at == rate => Data::Float(0.02),
        _ => cell.clone(),
    });
    let mut doc = document(&root().join(CS));
    let items = doc["items"].as_array_mut().unwrap();
    items[0]["weight"] = toml::Value::Integer(40);
    items[1]["weight"] = toml::Value::Integer(20);
    items[0]["rule"]["bands"][0]["min"] = toml::Value::Float(0.45);
    items[0]["rule"]["bands"][1]["max"] = toml::Value::Float(0.45);
    let components = doc["pay"]["components"].as_array_mut().unwrap();
    components[1]["rule"]["tiers"][0]["rate"] = toml::Value::Float(0.02);
    let by_toml: kpi_core::Scheme = toml::from_str(&toml::to_string(&doc).unwrap()).unwrap();
    let (by_book, findings) = book_scheme(&edited);
    assert!(findings.iter().all(|f| !f.issue.is_error), "{findings:?}");
    assert_eq!(by_book, by_toml);
    let data = kpi_io::generate(&kpi_io::GenOptions::default().with_stores(2).with_months(4));
    let before = kpi::score_dataset(&data, &toml_scheme(&root().join(CS))).unwrap();
    let after_book = kpi::score_dataset(&data, &by_book).unwrap();
    let after_toml = kpi::score_dataset(&data, &by_toml).unwrap();
    let scores = |s: &kpi::Scored| s.scores.to_frame().unwrap();
    let pay = |s: &kpi::Scored| s.pay.as_ref().unwrap().to_frame().unwrap();
    assert!(scores(&after_book).equals_missing(&scores(&after_toml)));
    assert!(pay(&after_book).equals_missing(&pay(&after_toml)));
    assert!(
        !scores(&after_book).equals_missing(&scores(&before)),
        "the edits change the scores"
    );
    assert!(
        !pay(&after_book).equals_missing(&pay(&before)),
        "and the pay"
    );
}

/// The error of reading a copy of the customer-service workbook with one
/// cell changed.
fn broken(sheet: &str, id: &str, nth: usize, key: &str, value: Data) -> String {
    let dir = tempfile::tempdir().unwrap();
    let book = cs_book(dir.path());
    let at = cell_of(&book, sheet, id, nth, key);
    let edited = dir.path().join("broken.xlsx");
    copy_edited(&book, &edited, &|s, r, c, cell| {
        if s == sheet && (r, c) == at {
            value.clone()
        } else {
            cell.clone()
        }
    });
    match kpi_io::read_scheme(&edited) {
        Ok(_) => panic!("{sheet} {id} {key}: accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_workbooks_are_refused_naming_sheet_cell_and_key() {
    // Overlapping bands: the second band (30–50%) now ends at 60%, inside
    // the first (from 50%).
    let err = broken(
        "评分标准",
        "inquiry_conversion",
        1,
        "items[].rule.bands[].max",
        Data::Float(0.6),
    );
    assert!(
        err.contains("broken.xlsx: 评分标准!A") && err.contains("(items[0].rule.bands"),
        "{err}"
    );
    assert!(err.contains("overlap"), "{err}");
    // A band whose lower edge is above its upper one.
    let err = broken(
        "评分标准",
        "inquiry_conversion",
        1,
        "items[].rule.bands[].min",
        Data::Float(0.6),
    );
    assert!(
        err.contains("评分标准!A4 (items[0].rule.bands[1])"),
        "{err}"
    );
    // Weights not adding up to 100.
    let err = broken(
        "考核指标",
        "inquiry_conversion",
        0,
        "items[].weight",
        Data::Float(30.0),
    );
    assert!(
        err.contains("考核指标!A1 (items)") && err.contains("add up to 95"),
        "{err}"
    );
    // A text in a number cell.
    let err = broken(
        "考核指标",
        "payment_rate",
        0,
        "items[].weight",
        Data::String("二十五".into()),
    );
    assert!(
        err.contains("考核指标!") && err.contains("(items[1].weight)") && err.contains("二十五"),
        "{err}"
    );
    // An unknown metric.
    let err = broken(
        "考核指标",
        "cs_aov",
        0,
        "items[].metric",
        Data::String("cs_aow".into()),
    );
    assert!(
        err.contains("(items[2].metric)") && err.contains("unknown metric `cs_aow`"),
        "{err}"
    );
    // A band whose item is not on the items sheet.
    let err = broken(
        "评分标准",
        "cs_aov",
        0,
        "items[].id",
        Data::String("no_such_item".into()),
    );
    assert!(
        err.contains("评分标准!A") && err.contains("no_such_item"),
        "{err}"
    );
}

#[test]
fn each_role_gets_a_valid_starting_workbook_listing_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    for role in kpi_core::Role::ALL {
        let out = format!("{}.xlsx", role.id());
        let stdout = ok(
            &["scheme", "template", "--out", &out, "--role", role.id()],
            dir.path(),
        );
        assert!(stdout.contains(role.id()), "{stdout}");
        let (scheme, findings) = book_scheme(&dir.path().join(&out));
        assert!(
            findings.iter().all(|f| !f.issue.is_error),
            "{role}: {findings:?}"
        );
        assert_eq!(scheme.items.len(), 1);
        assert_eq!(scheme.scheme.roles, [role]);
        let mut book = open_workbook_auto(dir.path().join(&out)).unwrap();
        let listed = book.worksheet_range("岗位指标").unwrap();
        let ids: Vec<String> = listed.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert_eq!(ids, kpi_io::role_metrics(role), "{role}");
    }
    let bad = kpi(
        &["scheme", "template", "--out", "x.xlsx", "--role", "厨师"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("厨师"));
}

#[test]
fn every_command_takes_a_scheme_workbook() {
    let dir = generated(3);
    let scheme = root().join(CS);
    let scheme = scheme.to_str().unwrap();
    ok(
        &["scheme", "export", "--scheme", scheme, "--out", "cs.xlsx"],
        dir.path(),
    );
    ok(
        &[
            "scheme", "export", "--scheme", "cs.xlsx", "--out", "cs.toml",
        ],
        dir.path(),
    );
    assert!(
        std::fs::read_to_string(dir.path().join("cs.toml"))
            .unwrap()
            .starts_with("# 客服月度绩效考核")
    );
    ok(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            scheme,
            "--export",
            "a",
            "--no-analysis",
        ],
        dir.path(),
    );
    ok(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            "cs.xlsx",
            "--export",
            "b",
            "--no-analysis",
        ],
        dir.path(),
    );
    ok(
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            "cs.toml",
            "--export",
            "c",
            "--no-analysis",
        ],
        dir.path(),
    );
    for table in ["scores.csv", "pay.csv", "score_details.csv"] {
        let read = |d: &str| std::fs::read(dir.path().join(d).join(table)).unwrap();
        assert_eq!(read("a"), read("b"), "{table}");
        assert_eq!(read("a"), read("c"), "{table}");
    }
    let out = ok(&["validate", "--scheme", "cs.xlsx"], dir.path());
    assert!(out.contains("valid (4 items, 5 grades)"), "{out}");
    ok(
        &[
            "compare",
            "--data",
            "data",
            "--scheme",
            "cs.xlsx",
            "--scheme",
            &root()
                .join("fixtures/schemes/cs_weekly_rank.toml")
                .to_string_lossy(),
            "--export",
            "cmp",
        ],
        dir.path(),
    );
    let employee = std::fs::read_to_string(dir.path().join("a/scores.csv")).unwrap();
    let row: Vec<&str> = employee
        .lines()
        .find(|l| l.contains(",true,") && l.contains("customer_service"))
        .unwrap()
        .split(',')
        .collect();
    ok(
        &[
            "explain",
            "--data",
            "data",
            "--scheme",
            "cs.xlsx",
            "--employee",
            row[1],
            "--period",
            row[0],
        ],
        dir.path(),
    );
    // A refused workbook names its cell in `kpi validate` too.
    let bad = dir.path().join("bad.xlsx");
    let metric = cell_of(
        &dir.path().join("cs.xlsx"),
        "考核指标",
        "inquiry_conversion",
        0,
        "items[].metric",
    );
    copy_edited(&dir.path().join("cs.xlsx"), &bad, &|sheet, r, c, cell| {
        if sheet == "考核指标" && (r, c) == metric {
            Data::String("inquiry_convresion".into())
        } else {
            cell.clone()
        }
    });
    let refused = kpi(&["validate", "--scheme", "bad.xlsx"], dir.path());
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stdout);
    assert!(
        said.contains("考核指标!") && said.contains("items[0].metric"),
        "{said}"
    );
}
