//! A real client: LibreOffice opens our workbooks headless with
//! recalculation forced on load, writes every sheet as CSV, and every
//! formula cell must come out as the value we cached in it (our exact
//! result). LibreOffice is installed by `scripts/install-libreoffice.sh`
//! (`.ci/run` runs it); without it these tests fail under CI and are
//! skipped, saying so, elsewhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, open_workbook_auto};

use crate::cli::{generated, ok};
use crate::compare::scheme;

/// `soffice`, or none (and a note) outside CI when it is missing.
fn soffice() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("soffice"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "LibreOffice (soffice) is missing: run scripts/install-libreoffice.sh"
        );
        eprintln!(
            "skipped: LibreOffice (soffice) is missing; scripts/install-libreoffice.sh installs it"
        );
    }
    found
}

/// A throwaway LibreOffice profile that recalculates OOXML files on load
/// (LibreOffice keeps their cached values by default).
fn recalculating_profile(dir: &Path) -> String {
    let user = dir.join("profile/user");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(
        user.join("registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    format!("file://{}", dir.join("profile").display())
}

/// Every sheet of `book` as LibreOffice computes it: sheet name → rows of
/// cells, values unformatted.
fn recalculated(soffice: &Path, book: &Path) -> HashMap<String, Vec<Vec<String>>> {
    let work = tempfile::tempdir().unwrap();
    let profile = recalculating_profile(work.path());
    let out = work.path().join("csv");
    // UTF-8, first line 1, values as stored (not as shown), every sheet.
    let status = Command::new(soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--convert-to"])
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1")
        .arg("--outdir")
        .arg(&out)
        .arg(book)
        .output()
        .expect("soffice runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let stem = book.file_stem().unwrap().to_string_lossy().into_owned();
    let mut sheets = HashMap::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let sheet = name.strip_prefix(&format!("{stem}-")).unwrap().to_string();
        sheets.insert(sheet, parse_csv(&std::fs::read_to_string(&path).unwrap()));
    }
    sheets
}

/// Rows of quoted CSV (quotes doubled inside, line breaks inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// Checks every formula cell of `book` against LibreOffice's recalculation;
/// returns the number of formula cells per sheet.
fn formulas_recalculate_to_our_values(soffice: &Path, book: &Path) -> HashMap<String, usize> {
    let computed = recalculated(soffice, book);
    let mut workbook = open_workbook_auto(book).unwrap();
    let mut counts = HashMap::new();
    for sheet in workbook.sheet_names() {
        let formulas = workbook.worksheet_formula(&sheet).unwrap();
        let values = workbook.worksheet_range(&sheet).unwrap();
        let (f0, v0) = (
            formulas.start().unwrap_or((0, 0)),
            values.start().unwrap_or((0, 0)),
        );
        let mut count = 0;
        for (r, c, formula) in formulas.used_cells() {
            if formula.is_empty() {
                continue;
            }
            let (row, col) = (f0.0 as usize + r, f0.1 as usize + c);
            let ours = match values.get((row - v0.0 as usize, col - v0.1 as usize)) {
                Some(Data::Float(x)) => *x,
                Some(Data::Int(x)) => *x as f64,
                other => panic!(
                    "{sheet}!R{}C{}: `{formula}` caches {other:?}, not a number",
                    row + 1,
                    col + 1
                ),
            };
            let theirs = computed[&sheet]
                .get(row)
                .and_then(|cells| cells.get(col))
                .unwrap_or_else(|| {
                    panic!(
                        "{sheet}!R{}C{}: no cell in LibreOffice's CSV",
                        row + 1,
                        col + 1
                    )
                });
            let theirs: f64 = theirs.parse().unwrap_or_else(|_| {
                panic!(
                    "{sheet}!R{}C{}: `{formula}` recalculates to `{theirs}`",
                    row + 1,
                    col + 1
                )
            });
            assert!(
                (ours - theirs).abs() <= 1e-9 * ours.abs().max(1.0),
                "{sheet}!R{}C{}: `{formula}` recalculates to {theirs}, we wrote {ours}",
                row + 1,
                col + 1
            );
            count += 1;
        }
        counts.insert(sheet, count);
    }
    counts
}

#[test]
fn libreoffice_recalculates_a_formula_whose_cached_value_is_wrong() {
    let Some(soffice) = soffice() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("control.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_formula(0, 0, rust_xlsxwriter::Formula::new("=1+1").set_result("3"))
        .unwrap();
    workbook.save(&path).unwrap();
    let computed = recalculated(&soffice, &path);
    assert_eq!(
        computed["Sheet1"][0][0], "2",
        "recalculation on load is off"
    );
}

#[test]
fn the_demo_workbook_recalculates_to_our_values() {
    let Some(soffice) = soffice() else { return };
    let dir = tempfile::tempdir().unwrap();
    ok(&["demo", "--out", "demo.xlsx"], dir.path());
    let counts = formulas_recalculate_to_our_values(&soffice, &dir.path().join("demo.xlsx"));
    let data = kpi_io::generate(&kpi_io::GenOptions::default());
    let scored = kpi::score_dataset(&data, &kpi::builtin_scheme().unwrap()).unwrap();
    let totals = scored
        .scores
        .rows
        .iter()
        .filter(|r| r.total_score.is_some())
        .count();
    let zh = |id| kpi_report::sheet_name(id, kpi_core::Lang::Zh);
    assert_eq!(
        counts[zh("scores")],
        totals,
        "every total score is a formula"
    );
    let pay = scored.pay.unwrap();
    // Every gross, and the tiered commission of every row it applies to.
    assert!(counts[zh("pay")] > pay.rows.len(), "{counts:?}");
}

#[test]
fn sectioned_and_multi_role_schemes_recalculate_to_our_values() {
    let Some(soffice) = soffice() else { return };
    let dir = generated(4);
    let data = kpi_io::generate(&kpi_io::GenOptions::default().with_stores(1).with_months(4));
    for scheme in [
        "composite_60_30_5_5",
        "roles_seed001",
        "ops_dept_collections",
    ] {
        let path = crate::compare::scheme(scheme);
        let out = format!("{scheme}.xlsx");
        ok(
            &[
                "run",
                "--data",
                "data",
                "--scheme",
                &path,
                "--out",
                &out,
                "--no-analysis",
            ],
            dir.path(),
        );
        let counts = formulas_recalculate_to_our_values(&soffice, &dir.path().join(&out));
        // Every total weighed from items is a formula; a team average (the
        // managers of ops_dept_collections) is a value.
        let parsed =
            kpi_io::parse_scheme(&std::fs::read_to_string(&path).unwrap(), Path::new(&path))
                .unwrap();
        let scores = kpi::score_dataset(&data, &parsed).unwrap().scores;
        let weighed = scores
            .rows
            .iter()
            .filter(|r| r.total_score.is_some() && !r.items.is_empty())
            .count();
        assert!(weighed > 0);
        let sheet = kpi_report::sheet_name("scores", kpi_core::Lang::Zh);
        assert_eq!(counts[sheet], weighed, "{scheme}: {counts:?}");
    }
}

#[test]
fn a_comparison_workbook_recalculates_to_our_values() {
    let Some(soffice) = soffice() else { return };
    let dir = generated(3);
    let (a, b, c) = (
        scheme("customer_service"),
        scheme("ops_dept_collections"),
        scheme("cs_weekly_rank"),
    );
    ok(
        &[
            "compare",
            "--data",
            "data",
            "--scheme",
            &a,
            "--scheme",
            &b,
            "--scheme",
            &c,
            "--out",
            "compare.xlsx",
        ],
        dir.path(),
    );
    let counts = formulas_recalculate_to_our_values(&soffice, &dir.path().join("compare.xlsx"));
    // The pay difference of the one pair that both pay; score and pay
    // changes of the people.
    assert_eq!(counts["两两对比"], 1, "{counts:?}");
    assert!(counts["人员对比"] > 10, "{counts:?}");
}

#[test]
fn every_sheet_of_the_demo_and_a_comparison_reads_back() {
    let dir = generated(3);
    ok(&["demo", "--out", "demo.xlsx"], dir.path());
    let (a, b) = (scheme("customer_service"), scheme("cs_weekly_rank"));
    ok(
        &[
            "compare",
            "--data",
            "data",
            "--scheme",
            &a,
            "--scheme",
            &b,
            "--out",
            "compare.xlsx",
        ],
        dir.path(),
    );
    for book in ["demo.xlsx", "compare.xlsx"] {
        let mut workbook = open_workbook_auto(dir.path().join(book)).unwrap();
        for sheet in workbook.sheet_names() {
            let range = workbook.worksheet_range(&sheet).unwrap();
            // Only the data-quality record may be a header alone (no notes).
            let quality = ["data_quality", "数据质量"].contains(&sheet.as_str());
            assert!(
                range.height() > usize::from(!quality),
                "{book}: sheet {sheet} is empty"
            );
            let first = range.rows().next().unwrap();
            assert!(
                first.iter().any(|c| *c != Data::Empty),
                "{book}: {sheet} has no header"
            );
        }
    }
}
