//! The bad-input corpus: each case is one defect on a valid generated
//! dataset (cells, CSV shapes, encodings, folders, schemes, ledgers, output
//! paths, CLI arguments), run through the `kpi` binary as a user runs it.
//! A refused case must name the place in its message and leave every
//! output as it was (last month's workbook and exports unchanged, no
//! temporary); a noted case must run and say what it found.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::copy_dir;

const SCHEME: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/schemes/customer_service.toml"
);

/// What a case must come to.
enum Expect {
    /// Exit code 1; stderr holds every needle; no output created or changed.
    Refused(&'static [&'static str]),
    /// Success; stdout, stderr or the `data_quality` export hold every needle.
    Noted(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    /// Puts the defect into the case folder (which holds `data/`).
    defect: Box<dyn Fn(&Path)>,
    /// The command; empty: `run --data data --scheme SCHEME --out r.xlsx --export out`.
    args: Vec<String>,
    expect: Expect,
}

fn case(name: &'static str, defect: impl Fn(&Path) + 'static, expect: Expect) -> Case {
    Case {
        name,
        defect: Box::new(defect),
        args: Vec::new(),
        expect,
    }
}

fn with_args(mut case: Case, args: &[&str]) -> Case {
    case.args = args
        .iter()
        .map(|a| if *a == "SCHEME" { SCHEME } else { a }.to_string())
        .collect();
    case
}

/// A generated dataset of one store over three months, made once.
fn base() -> &'static Path {
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_kpi"))
            .args(["gen", "--out", "data", "--stores", "1", "--months", "3"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        dir
    })
    .path()
}

/// The built-in scheme as the workbook `s.xlsx` in `dir`, with the cell of
/// `key` in `sheet`'s row `id` set to `value`.
fn scheme_book_with(dir: &Path, sheet: &str, id: &str, key: &str, value: calamine::Data) {
    let clean = dir.join("clean.xlsx");
    let document: toml::Table = toml::from_str(&std::fs::read_to_string(SCHEME).unwrap()).unwrap();
    kpi_io::write_scheme_book(&document, &clean, kpi_core::Lang::Zh).unwrap();
    let at = crate::scheme_book::cell_of(&clean, sheet, id, 0, key);
    crate::scheme_book::copy_edited(&clean, &dir.join("s.xlsx"), &|s, r, c, cell| {
        if s == sheet && (r, c) == at {
            value.clone()
        } else {
            cell.clone()
        }
    });
    std::fs::remove_file(clean).unwrap();
}

/// Every path below `dir` with its bytes (folders with none), sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            if meta.is_dir() {
                stack.push(path);
                out.push((relative, None));
            } else if meta.is_file() {
                out.push((relative, Some(std::fs::read(&path).unwrap())));
            } else {
                out.push((relative, None));
            }
        }
    }
    out.sort();
    out
}

// ---- defect helpers -------------------------------------------------------

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Rewrites a file's text.
fn edit(dir: &Path, file: &str, f: impl Fn(String) -> String) {
    let path = dir.join(file);
    let text = read(&path);
    std::fs::write(&path, f(text)).unwrap();
}

/// Sets cell (data row `row`, 1-based below the header; column `column`)
/// of a generated CSV file.
fn set(dir: &Path, file: &str, row: usize, column: &str, value: &str) {
    edit(dir, file, |text| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let j = lines[0]
            .split(',')
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("{file} has no column {column}"));
        let mut fields: Vec<String> = lines[row].split(',').map(str::to_string).collect();
        fields[j] = value.to_string();
        lines[row] = fields.join(",");
        lines.join("\n") + "\n"
    });
}

/// The first data row (1-based) of `file` whose `column` is not empty.
fn row_with(dir: &Path, file: &str, column: &str) -> usize {
    let text = read(&dir.join(file));
    let mut lines = text.lines();
    let j = lines
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == column)
        .unwrap();
    lines
        .position(|l| l.split(',').nth(j).is_some_and(|v| !v.is_empty()))
        .unwrap()
        + 1
}

/// Sets `column` in the first row of `file` that has a value there.
fn set_filled(dir: &Path, file: &str, column: &str, value: &str) {
    let row = row_with(dir, file, column);
    set(dir, file, row, column, value);
}

fn append(dir: &Path, file: &str, line: &str) {
    edit(dir, file, |text| format!("{text}{line}\n"));
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A copy of the customer-service scheme with `from` replaced by `to`,
/// written as `scheme.toml` beside the data.
fn scheme_with(dir: &Path, from: &str, to: &str) {
    let text = read(Path::new(SCHEME));
    assert!(text.contains(from), "the scheme has no `{from}`");
    std::fs::write(dir.join("scheme.toml"), text.replacen(from, to, 1)).unwrap();
}

/// Text in GB18030 (GBK for these characters), as Chinese Excel saves CSV.
fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

fn run_with_scheme(case: Case) -> Case {
    with_args(
        case,
        &[
            "run",
            "--data",
            "data",
            "--scheme",
            "scheme.toml",
            "--out",
            "r.xlsx",
            "--export",
            "out",
        ],
    )
}

/// `kpi reconcile` of the data against `ledger`, then `more` arguments.
fn reconcile(case: Case, ledger: &str, more: &[&str]) -> Case {
    let args = [
        "reconcile",
        "--data",
        "data",
        "--scheme",
        "SCHEME",
        "--ledger",
        ledger,
    ];
    with_args(case, &[&args[..], more].concat())
}

fn validate(case: Case) -> Case {
    with_args(case, &["validate", "--scheme", "scheme.toml"])
}

use Expect::{Noted, Refused};

const DAILY: &str = "data/employee_daily.csv";
const STORE: &str = "data/store_daily.csv";
const ADJUST: &str = "data/adjustments.csv";
const ROSTER: &str = "data/employees.csv";

/// A loss written with another accepted word is charged as a loss.
fn loss_words() -> Vec<Case> {
    [
        ("an adjustment kind 损失", "损失"),
        ("an adjustment kind 扣款", "扣款"),
        ("an adjustment kind 罚款", "罚款"),
        ("an adjustment kind in capitals", "LOSS"),
    ]
    .into_iter()
    .map(|(name, word)| {
        let line = format!("2024-12,E0002,{word},-10.00,x");
        case(
            name,
            move |d| append(d, ADJUST, &line),
            Noted(&["2024-12,E0002,losses,-10.00"]),
        )
    })
    .collect()
}

fn cases() -> Vec<Case> {
    let mut cases = loss_words();
    cases.extend(vec![
        // ---- cells ----
        case(
            "a fractional count",
            |d| set_filled(d, DAILY, "inquiries", "1.5"),
            Refused(&["employee_daily.csv, row ", ", column inquiries: "]),
        ),
        case(
            "text in a count",
            |d| set_filled(d, DAILY, "inquiries", "abc"),
            Refused(&["employee_daily.csv, row ", "column inquiries", "`abc`"]),
        ),
        case(
            "text in money",
            |d| set_filled(d, STORE, "gmv", "lots"),
            Refused(&["store_daily.csv, row 2, column gmv", "`lots`"]),
        ),
        case(
            "an impossible date",
            |d| set(d, STORE, 1, "date", "2024-13-45"),
            Refused(&["store_daily.csv, row 2, column date", "`2024-13-45`"]),
        ),
        case(
            "response_seconds = inf",
            |d| set_filled(d, DAILY, "response_seconds", "inf"),
            Refused(&["column response_seconds", "`inf`"]),
        ),
        case(
            "response_seconds = NaN",
            |d| set_filled(d, DAILY, "response_seconds", "NaN"),
            Refused(&["column response_seconds", "`NaN`"]),
        ),
        case(
            "response_seconds = -inf",
            |d| set_filled(d, DAILY, "response_seconds", "-inf"),
            Refused(&["column response_seconds", "`-inf`"]),
        ),
        case(
            "response_seconds = 1e999",
            |d| set_filled(d, DAILY, "response_seconds", "1e999"),
            Refused(&["column response_seconds", "`1e999`"]),
        ),
        case(
            "response_seconds = Infinity",
            |d| set_filled(d, DAILY, "response_seconds", "Infinity"),
            Refused(&["column response_seconds", "`Infinity`"]),
        ),
        case(
            "response_seconds = 1:inf",
            |d| set_filled(d, DAILY, "response_seconds", "1:inf"),
            Refused(&["column response_seconds", "`1:inf`"]),
        ),
        case(
            "inquiries = inf",
            |d| set_filled(d, DAILY, "inquiries", "inf"),
            Refused(&["column inquiries", "`inf`"]),
        ),
        case(
            "inquiries = 1e999",
            |d| set_filled(d, DAILY, "inquiries", "1e999"),
            Refused(&["column inquiries", "`1e999`"]),
        ),
        case(
            "inquiries = 99999999999999999999",
            |d| set_filled(d, DAILY, "inquiries", "99999999999999999999"),
            Refused(&["column inquiries", "99999999999999999999 is out of range"]),
        ),
        case(
            "cs_sales = NaN",
            |d| set_filled(d, DAILY, "cs_sales", "NaN"),
            Refused(&["column cs_sales", "`NaN`"]),
        ),
        case(
            "cs_sales = 99999999999999999999",
            |d| set_filled(d, DAILY, "cs_sales", "99999999999999999999"),
            Refused(&["column cs_sales", "99999999999999999999 is out of range"]),
        ),
        case(
            "gmv = inf",
            |d| set_filled(d, STORE, "gmv", "inf"),
            Refused(&["column gmv", "`inf`"]),
        ),
        case(
            "gmv = 1e30",
            |d| set_filled(d, STORE, "gmv", "1e30"),
            Refused(&["column gmv", "`1e30`"]),
        ),
        case(
            "a 1 MB cell",
            |d| set_filled(d, DAILY, "inquiries", &"9x".repeat(500_000)),
            Refused(&[
                "column inquiries: `9x9x",
                "…` (1000000 characters) is not a number",
            ]),
        ),
        case(
            "a huge duration",
            |d| set_filled(d, DAILY, "response_seconds", "1e300"),
            Refused(&["column response_seconds", "is out of range"]),
        ),
        case(
            "sums past 64-bit integers",
            |d| {
                let row = row_with(d, DAILY, "cs_sales");
                set(d, DAILY, row, "cs_sales", "60000000000000000");
                set(d, DAILY, row + 1, "cs_sales", "60000000000000000");
            },
            Refused(&["the values of `employee_daily.cs_sales` add up past 9.2×10^18 cents"]),
        ),
        case(
            "a negative count",
            |d| set_filled(d, DAILY, "inquiries", "-3"),
            Noted(&["negative count -3", "treated as missing"]),
        ),
        case(
            "money with three decimals",
            |d| set(d, STORE, 1, "gmv", "100.005"),
            Noted(&["money 100.005 has more than 2 decimals"]),
        ),
        // ---- CSV shape ----
        case(
            "a row with an extra field",
            |d| edit(d, STORE, |t| t.replacen("\nS01,", "\nS01,S01,", 1)),
            Refused(&["store_daily.csv, row 2: the row has"]),
        ),
        case(
            "a short row",
            |d| append(d, STORE, "S01,2024-11-30,2024-11"),
            Refused(&["store_daily.csv, row ", "the row has 3 fields, the header"]),
        ),
        case(
            "an unquoted thousands separator",
            |d| set(d, STORE, 1, "pv", "6,213"),
            Refused(&[
                "store_daily.csv, row 2",
                "an unquoted thousands separator (`6,213`)",
            ]),
        ),
        case(
            "a file cut in its last row",
            |d| {
                edit(d, STORE, |t| {
                    let t = t.trim_end();
                    t[..t.len() - 30].to_string()
                })
            },
            Refused(&["store_daily.csv, row ", "the file ends inside this row"]),
        ),
        case(
            "a quoted field never closed",
            |d| append(d, STORE, "S01,\"2024-11-30"),
            Refused(&["store_daily.csv, row ", "ends inside a quoted field"]),
        ),
        case(
            "CR-only line ends",
            |d| edit(d, STORE, |t| t.replace('\n', "\r")),
            Noted(&["employees scored"]),
        ),
        case(
            "CRLF line ends",
            |d| edit(d, DAILY, |t| t.replace('\n', "\r\n")),
            Noted(&["employees scored"]),
        ),
        case(
            "trailing empty fields",
            |d| edit(d, STORE, |t| t.replace('\n', ",,\n")),
            Noted(&["employees scored"]),
        ),
        // ---- dates ----
        case(
            "a date outside its period",
            |d| set(d, STORE, 1, "period", "2024-12"),
            Refused(&[
                "store_daily.csv, row 2, column period: period 2024-12 disagrees with the date 2024-11-01 (month 2024-11)",
            ]),
        ),
        case(
            "a year typed as 2099",
            |d| {
                set(d, STORE, 1, "date", "2099-11-01");
                set(d, STORE, 1, "period", "2099-11");
            },
            Noted(&[
                "store_daily,data/store_daily.csv,,2,date,the date 2099-11-01 is before 2000 or years away",
                "row set aside: not used",
                "!no rows for",
            ]),
        ),
        case(
            "a date in 1899",
            |d| {
                set(d, DAILY, 1, "date", "1899-12-30");
                set(d, DAILY, 1, "period", "1899-12");
            },
            Refused(&["employee_daily.csv, row 2, column date: `1899-12-30` is not a date"]),
        ),
        case(
            "a date in 1999",
            |d| {
                set(d, DAILY, 1, "date", "1999-11-01");
                set(d, DAILY, 1, "period", "1999-11");
            },
            Noted(&["the date 1999-11-01 is before 2000", "!no rows for"]),
        ),
        case(
            "a month missing in the middle",
            |d| {
                for file in [STORE, DAILY] {
                    edit(d, file, |t| {
                        t.lines()
                            .filter(|l| !l.contains(",2024-12,"))
                            .map(|l| format!("{l}\n"))
                            .collect()
                    });
                }
            },
            Noted(&[
                "store_daily,data/store_daily.csv,,,period,\"no rows for 2024-12, between 2024-11 and 2025-01\"",
            ]),
        ),
        // ---- closed vocabularies ----
        case(
            "an adjustment kind `lose`",
            |d| append(d, ADJUST, "2024-12,E0002,lose,-10.00,x"),
            Refused(&[
                "adjustments.csv, row 3, column kind: `lose` is not an adjustment kind; accepted: loss (损失, 扣款, 罚款, 赔偿), award",
            ]),
        ),
        case(
            "a loss with a positive amount",
            |d| append(d, ADJUST, "2024-12,E0002,loss,10.00,x"),
            Noted(&[
                "a loss of 10.00: a loss is a negative amount",
                "kept as written",
            ]),
        ),
        case(
            "an award with a negative amount",
            |d| append(d, ADJUST, "2024-12,E0002,award,-5.00,x"),
            Noted(&["an award of -5.00: an award is a positive amount"]),
        ),
        case(
            "a target level `galaxy`",
            |d| append(d, "data/targets.csv", "2024-12,galaxy,S01,gmv,100.0"),
            Refused(&[
                "targets.csv, row ",
                "column level: `galaxy` is not a target level; accepted: store (门店, 店铺)",
            ]),
        ),
        case(
            "a target level 门店",
            |d| {
                edit(d, "data/targets.csv", |t| {
                    t.replacen(",store,", ",门店,", 1)
                })
            },
            Noted(&["employees scored"]),
        ),
        case(
            "a rater `boss`",
            |d| {
                edit(d, "data/manual_scores.csv", |t| {
                    t.replacen(",supervisor,", ",boss,", 1)
                })
            },
            Refused(&[
                "manual_scores.csv, row ",
                "column rater: `boss` is not a rater; accepted: self (自评, 本人)",
            ]),
        ),
        case(
            "a rater 上级",
            |d| {
                edit(d, "data/manual_scores.csv", |t| {
                    t.replace(",supervisor,", ",上级,")
                })
            },
            Noted(&["employees scored"]),
        ),
        case(
            "a role `astronaut`",
            |d| set(d, ROSTER, 2, "role", "astronaut"),
            Refused(&[
                "employees.csv, row 3, column role: `astronaut` is not a role; accepted: customer_service (客服",
            ]),
        ),
        case(
            "a role 客服",
            |d| edit(d, ROSTER, |t| t.replace(",customer_service,", ",客服,")),
            Noted(&["employees scored"]),
        ),
        // ---- the roster ----
        case(
            "activity before the hire date",
            |d| set(d, ROSTER, 2, "hire_date", "2024-12-15"),
            Noted(&[
                "rows of `E0002` before the month of the hire date (2024-12)",
                "kept; neither scored nor paid",
            ]),
        ),
        case(
            "activity after the leave date",
            |d| set(d, ROSTER, 3, "leave_date", "2024-11-20"),
            Noted(&["rows of `E0003` after the month of the leave date (2024-11)"]),
        ),
        // ---- encodings ----
        case(
            "a GBK file",
            |d| {
                let text = read(&d.join("data/stores.csv"));
                std::fs::write(d.join("data/stores.csv"), gbk(&text)).unwrap();
            },
            Noted(&["employees scored"]),
        ),
        case(
            "a UTF-8 BOM",
            |d| edit(d, STORE, |t| format!("\u{feff}{t}")),
            Noted(&["employees scored"]),
        ),
        case(
            "bytes that are no text",
            |d| {
                std::fs::write(d.join(STORE), b"store_id,date\n\xff\xfe\xfd\x80\x81,\xc3\n")
                    .unwrap()
            },
            Refused(&["store_daily.csv: the file is neither UTF-8 nor GBK/GB18030 text"]),
        ),
        case(
            "an empty table file",
            |d| std::fs::write(d.join(STORE), "").unwrap(),
            Refused(&["store_daily.csv"]),
        ),
        case(
            "a workbook that is not one",
            |d| {
                std::fs::remove_file(d.join(STORE)).unwrap();
                std::fs::write(d.join("data/store_daily.xlsx"), "not a zip").unwrap();
            },
            Refused(&["store_daily.xlsx"]),
        ),
        // ---- folders ----
        case(
            "an empty data folder",
            |d| {
                std::fs::remove_dir_all(d.join("data")).unwrap();
                std::fs::create_dir(d.join("data")).unwrap();
            },
            Refused(&["data"]),
        ),
        case(
            "no data folder",
            |d| std::fs::remove_dir_all(d.join("data")).unwrap(),
            Refused(&["data"]),
        ),
        case(
            "a table folder with a sub-folder",
            |d| {
                let old = d.join("data/employee_daily/2024/11");
                std::fs::create_dir_all(&old).unwrap();
                std::fs::rename(d.join(DAILY), old.join("all.csv")).unwrap();
            },
            Noted(&["5 employees scored over 3 periods"]),
        ),
        case(
            "a named pipe as a table",
            |d| {
                std::fs::remove_file(d.join("data/attendance.csv")).unwrap();
                let made = Command::new("mkfifo")
                    .arg(d.join("data/attendance.csv"))
                    .status()
                    .unwrap();
                assert!(made.success());
            },
            Refused(&[
                "data/attendance.csv: not a regular file or folder (a named pipe, socket or device)",
            ]),
        ),
        case(
            "a link back to the dataset",
            |d| std::os::unix::fs::symlink(".", d.join("data/again")).unwrap(),
            Refused(&[
                "data/again: leads to ",
                "a link cycle or a second way to the same folder",
            ]),
        ),
        case(
            "a second way to the same file",
            |d| {
                std::fs::create_dir(d.join("data/backup")).unwrap();
                std::os::unix::fs::symlink("../store_daily.csv", d.join("data/backup/s.csv"))
                    .unwrap();
            },
            Refused(&["second way to the same file"]),
        ),
        case(
            "a table linked from elsewhere",
            |d| {
                std::fs::rename(d.join("data/stores.csv"), d.join("stores.csv")).unwrap();
                std::os::unix::fs::symlink("../stores.csv", d.join("data/stores.csv")).unwrap();
            },
            Noted(&["5 employees scored"]),
        ),
        case(
            "a broken link",
            |d| std::os::unix::fs::symlink("nowhere.csv", d.join("data/ghost.csv")).unwrap(),
            Refused(&["data/ghost.csv: cannot be read", "a broken link?"]),
        ),
        case(
            "a formula saved without its value",
            |d| {
                std::fs::remove_file(d.join(STORE)).unwrap();
                let fixture = concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/bad/store_daily_formula.xlsx"
                );
                std::fs::copy(fixture, d.join("data/store_daily.xlsx")).unwrap();
            },
            Refused(&[
                "store_daily.xlsx, sheet Sheet1, row 3, column G3: the formula `=G2*2` was saved without its value",
            ]),
        ),
        // ---- messages ----
        case(
            "a missing key column",
            |d| edit(d, DAILY, |t| t.replacen("employee_id", "staff", 1)),
            Refused(&[
                "employee_daily.csv, row 1: the header lacks the key column `employee_id` (员工编号",
                "it has `staff`, `date`, `period`",
            ]),
        ),
        // ---- ledgers ----
        reconcile(
            case(
                "a ledger without amounts",
                |d| {
                    edit(d, "data/payroll_ledger.csv", |t| {
                        t.lines()
                            .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
                            .collect()
                    })
                },
                Refused(&[
                    "data/payroll_ledger.csv: the ledger has no `amount` column",
                    "its columns are `period`, `employee_id`, `component`",
                ]),
            ),
            "data/payroll_ledger.csv",
            &["--out", "r.xlsx", "--export", "out"],
        ),
        reconcile(
            case(
                "a ledger amount in words",
                |d| set(d, "data/payroll_ledger.csv", 2, "amount", "abc"),
                Refused(&["data/payroll_ledger.csv, row 3, column amount: `abc` is not a number"]),
            ),
            "data/payroll_ledger.csv",
            &["--out", "r.xlsx", "--export", "out"],
        ),
        reconcile(
            case(
                "a ledger that does not exist",
                |_| {},
                Refused(&["nope.xlsx"]),
            ),
            "nope.xlsx",
            &["--out", "r.xlsx"],
        ),
        reconcile(
            case("a negative tolerance", |_| {}, Refused(&["--tolerance"])),
            "data/payroll_ledger.csv",
            &["--tolerance=-1", "--out", "r.xlsx"],
        ),
        // ---- output paths ----
        with_args(
            case(
                "an export folder that is a file",
                |d| write(d, "exports", "not a folder"),
                Refused(&["exports: is a file, not a folder"]),
            ),
            &[
                "run", "--data", "data", "--scheme", "SCHEME", "--out", "r.xlsx", "--export",
                "exports",
            ],
        ),
        with_args(
            case(
                "a workbook path that is a folder",
                |d| std::fs::create_dir(d.join("book.xlsx")).unwrap(),
                Refused(&["book.xlsx: is a folder; give a file name"]),
            ),
            &[
                "run",
                "--data",
                "data",
                "--scheme",
                "SCHEME",
                "--out",
                "book.xlsx",
            ],
        ),
        with_args(
            case(
                "a workbook under a file",
                |d| write(d, "notes", ""),
                Refused(&["notes/r.xlsx: cannot be made: notes is a file"]),
            ),
            &[
                "run",
                "--data",
                "data",
                "--scheme",
                "SCHEME",
                "--out",
                "notes/r.xlsx",
            ],
        ),
        case(
            "an export file's place taken by a folder",
            |d| std::fs::create_dir_all(d.join("out/pay.csv")).unwrap(),
            Refused(&["out/pay.csv: is a folder; an output file goes there"]),
        ),
        // ---- schemes ----
        run_with_scheme(case(
            "an unknown metric",
            |d| scheme_with(d, "metric = \"cs_aov\"", "metric = \"cs_aovv\""),
            Refused(&[
                "scheme.toml:",
                "unknown metric `cs_aovv` (did you mean `cs_aov`?)",
            ]),
        )),
        validate(case(
            "points = inf in a band (validate)",
            |d| {
                scheme_with(
                    d,
                    "{ min = 0.5, points = 100 }",
                    "{ min = 0.5, points = inf }",
                )
            },
            Refused(&[
                "scheme.toml:",
                "items[0].rule.bands[0].points: `inf` is not a finite number",
            ]),
        )),
        run_with_scheme(case(
            "points = inf in a band",
            |d| {
                scheme_with(
                    d,
                    "{ min = 0.5, points = 100 }",
                    "{ min = 0.5, points = inf }",
                )
            },
            Refused(&[
                "scheme.toml:",
                "items[0].rule.bands[0].points: `inf` is not a finite number",
            ]),
        )),
        validate(case(
            "an inf band edge (validate)",
            |d| {
                scheme_with(
                    d,
                    "{ min = 0.5, points = 100 }",
                    "{ min = -inf, points = 100 }",
                )
            },
            Refused(&[
                "scheme.toml:",
                "items[0].rule.bands[0].min: `-inf` is not a finite number",
            ]),
        )),
        run_with_scheme(case(
            "an inf band edge",
            |d| {
                scheme_with(
                    d,
                    "{ min = 0.5, points = 100 }",
                    "{ min = -inf, points = 100 }",
                )
            },
            Refused(&[
                "scheme.toml:",
                "items[0].rule.bands[0].min: `-inf` is not a finite number",
            ]),
        )),
        validate(case(
            "a nan grade minimum (validate)",
            |d| scheme_with(d, "min = 95", "min = nan"),
            Refused(&[
                "scheme.toml:",
                "grades[0].min: `nan` is not a finite number",
            ]),
        )),
        run_with_scheme(case(
            "a nan grade minimum",
            |d| scheme_with(d, "min = 95", "min = nan"),
            Refused(&[
                "scheme.toml:",
                "grades[0].min: `nan` is not a finite number",
            ]),
        )),
        validate(case(
            "an inf weight (validate)",
            |d| scheme_with(d, "weight = 35", "weight = +inf"),
            Refused(&[
                "scheme.toml:",
                "items[0].weight: `+inf` is not a finite number",
            ]),
        )),
        run_with_scheme(case(
            "an inf weight",
            |d| scheme_with(d, "weight = 35", "weight = +inf"),
            Refused(&[
                "scheme.toml:",
                "items[0].weight: `+inf` is not a finite number",
            ]),
        )),
        validate(case(
            "an inf per-unit start (validate)",
            |d| scheme_with(d, "start = 100", "start = inf"),
            Refused(&["scheme.toml:", "`inf` is not a finite number"]),
        )),
        run_with_scheme(case(
            "an inf per-unit start",
            |d| scheme_with(d, "start = 100", "start = inf"),
            Refused(&["scheme.toml:", "`inf` is not a finite number"]),
        )),
        run_with_scheme(case(
            "a nan tier rate",
            |d| {
                scheme_with(
                    d,
                    "{ max = 15000, rate = 0.015 }",
                    "{ max = 15000, rate = nan }",
                )
            },
            Refused(&["scheme.toml:", "rate: `nan` is not a finite number"]),
        )),
        run_with_scheme(case(
            "an inf position wage",
            |d| scheme_with(d, "position_wage = 1800", "position_wage = inf"),
            Refused(&[
                "scheme.toml:",
                "grades[0].position_wage: `inf` is not a finite number",
            ]),
        )),
        run_with_scheme(case(
            "a -inf cap",
            |d| scheme_with(d, "cap = 100", "cap = -inf"),
            Refused(&[
                "scheme.toml:",
                "items[3].rule.cap: `-inf` is not a finite number",
            ]),
        )),
        run_with_scheme(case(
            "a TOML syntax error",
            |d| scheme_with(d, "[scheme]", "[scheme"),
            Refused(&["scheme.toml:6: scheme: unclosed table"]),
        )),
        run_with_scheme(case(
            "an unknown scheme key",
            |d| scheme_with(d, "[scheme]\n", "[scheme]\nowner = \"ops\"\n"),
            Refused(&["scheme.toml:", "unknown field `owner`"]),
        )),
        run_with_scheme(case(
            "overlapping bands",
            |d| {
                scheme_with(
                    d,
                    "{ min = 0.3, max = 0.5, points = 90 }",
                    "{ min = 0.3, max = 0.6, points = 90 }",
                )
            },
            Refused(&["scheme.toml:", "items[0].rule.bands"]),
        )),
        run_with_scheme(case(
            "weights that do not add up",
            |d| scheme_with(d, "weight = 35", "weight = 36"),
            Noted(&["weights add up to 101, not 100"]),
        )),
        run_with_scheme(case(
            "text where a weight goes",
            |d| scheme_with(d, "weight = 35", "weight = \"35%\""),
            Refused(&["scheme.toml:", "weight"]),
        )),
        run_with_scheme(case(
            "an unknown role in a scheme",
            |d| scheme_with(d, "roles = [", "roles = [\"厨师\", "),
            Refused(&["scheme.toml:", "unknown role `厨师`"]),
        )),
        // ---- CLI arguments ----
        with_args(
            case(
                "a scheme that is a folder",
                |d| std::fs::create_dir(d.join("s.toml")).unwrap(),
                Refused(&["s.toml"]),
            ),
            &[
                "run", "--data", "data", "--scheme", "s.toml", "--out", "r.xlsx",
            ],
        ),
        with_args(
            case(
                "explain an unknown employee",
                |_| {},
                Refused(&["employee `E9999` has no activity in the dataset"]),
            ),
            &[
                "explain",
                "--data",
                "data",
                "--scheme",
                "SCHEME",
                "--employee",
                "E9999",
                "--period",
                "2024-12",
            ],
        ),
        with_args(
            case(
                "explain a month with no data",
                |_| {},
                Refused(&["employee `E0002` has no score for 2030-01"]),
            ),
            &[
                "explain",
                "--data",
                "data",
                "--scheme",
                "SCHEME",
                "--employee",
                "E0002",
                "--period",
                "2030-01",
            ],
        ),
        with_args(
            case(
                "a gen start that is no month",
                |_| {},
                Refused(&["--start `2024-13` is not a month"]),
            ),
            &["gen", "--out", "more", "--start", "2024-13"],
        ),
        with_args(
            case(
                "validate with data lacking a column",
                |d| edit(d, DAILY, |t| t.replacen(",responses,", ",responses_old,", 1)),
                Refused(&["needs column `responses` of table `employee_daily`"]),
            ),
            &["validate", "--scheme", "SCHEME", "--data", "data"],
        ),
        with_args(
            case(
                "a scheme file that does not exist",
                |_| {},
                Refused(&["nope.toml"]),
            ),
            &[
                "run",
                "--data",
                "data",
                "--scheme",
                "nope.toml",
                "--out",
                "r.xlsx",
            ],
        ),
        with_args(
            case(
                "nothing to write",
                |_| {},
                Refused(&["nothing to write: give --out REPORT.xlsx, --export DIR, or both"]),
            ),
            &["run", "--data", "data", "--scheme", "SCHEME"],
        ),
        with_args(
            case(
                "a bad attribution month",
                |_| {},
                Refused(&["--from and --to are months"]),
            ),
            &[
                "attribution",
                "--data",
                "data",
                "--from",
                "2024-13",
                "--to",
                "2025-01",
            ],
        ),
        with_args(
            case(
                "gen with no months",
                |_| {},
                Refused(&["--months must be at least 1"]),
            ),
            &["gen", "--out", "more", "--months", "0"],
        ),
        with_args(
            case(
                "partitioned gen with parts of no rows",
                |_| {},
                Refused(&["--part-rows must be at least 1"]),
            ),
            &["gen", "--out", "more", "--partitioned", "--part-rows", "0"],
        ),
        // ---- comparing schemes, scheme workbooks ----
        with_args(
            case(
                "compare with one scheme",
                |_| {},
                Refused(&["--scheme: give at least two schemes to compare (got 1)"]),
            ),
            &["compare", "--data", "data", "--scheme", "SCHEME", "--out", "r.xlsx", "--export", "out"],
        ),
        with_args(
            case(
                "compare two schemes of one id",
                |dir| {
                    std::fs::copy(SCHEME, dir.join("copy.toml")).unwrap();
                },
                Refused(&["copy.toml are both scheme `customer_service`"]),
            ),
            &["compare", "--data", "data", "--scheme", "SCHEME", "--scheme", "copy.toml", "--out", "r.xlsx"],
        ),
        with_args(
            case(
                "scheme export to a file that is neither a workbook nor TOML",
                |_| {},
                Refused(&["--out r.docx: give a .xlsx workbook or a .toml file"]),
            ),
            &["scheme", "export", "--scheme", "SCHEME", "--out", "r.docx"],
        ),
        with_args(
            case(
                "scheme template of an unknown role",
                |_| {},
                Refused(&["--role `厨师` is not a role"]),
            ),
            &["scheme", "template", "--out", "r.xlsx", "--role", "厨师"],
        ),
        with_args(
            case(
                "a scheme workbook with text in a number cell",
                |dir| scheme_book_with(dir, "考核指标", "payment_rate", "items[].weight", calamine::Data::String("二十五".into())),
                Refused(&["s.xlsx: 考核指标!D4 (items[1].weight): invalid type: string \"二十五\""]),
            ),
            &["run", "--data", "data", "--scheme", "s.xlsx", "--out", "r.xlsx", "--export", "out"],
        ),
        with_args(
            case(
                "a scheme workbook with an unknown metric, compared",
                |dir| scheme_book_with(dir, "考核指标", "cs_aov", "items[].metric", calamine::Data::String("cs_aow".into())),
                Refused(&["s.xlsx: 考核指标!C5 (items[2].metric): unknown metric `cs_aow`"]),
            ),
            &["compare", "--data", "data", "--scheme", "s.xlsx", "--scheme", "SCHEME", "--out", "r.xlsx"],
        ),
    ]);
    cases
}

fn run_case(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&base().join("data"), &dir.path().join("data"));
    // Last month's outputs, which a refused run must leave as they are.
    std::fs::write(dir.path().join("r.xlsx"), "last month's workbook").unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/scores.csv"), "last month's scores").unwrap();
    (case.defect)(dir.path());
    let before = snapshot(dir.path());
    let default = [
        "run", "--data", "data", "--scheme", SCHEME, "--out", "r.xlsx", "--export", "out",
    ];
    let args: Vec<&str> = if case.args.is_empty() {
        default.to_vec()
    } else {
        case.args.iter().map(String::as_str).collect()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let said = format!(
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    match case.expect {
        Refused(needles) => {
            if out.status.code() != Some(1) {
                return Err(format!("not refused: {said}"));
            }
            if let Some(n) = needles.iter().find(|n| !stderr.contains(*n)) {
                return Err(format!("the message lacks `{n}`: {said}"));
            }
            if stderr.lines().any(|l| l.chars().count() > 400) {
                return Err(format!(
                    "a line of the message is over 400 characters: {said}"
                ));
            }
            if snapshot(dir.path()) != before {
                return Err(format!("a refused run changed the files: {said}"));
            }
        }
        Noted(needles) => {
            if !out.status.success() {
                return Err(format!("failed: {said}"));
            }
            let quality = std::fs::read_to_string(dir.path().join("out/data_quality.csv"))
                .unwrap_or_default();
            let pay =
                std::fs::read_to_string(dir.path().join("out/pay_details.csv")).unwrap_or_default();
            let all = format!("{stdout}{stderr}{quality}{pay}");
            // A needle `!text` must not be said.
            let missing = |n: &&&str| match n.strip_prefix('!') {
                Some(absent) => all.contains(absent),
                None => !all.contains(**n),
            };
            if let Some(n) = needles.iter().find(missing) {
                return Err(format!(
                    "`{n}` not as said: {said}\ndata_quality:\n{quality}"
                ));
            }
            let temporaries: Vec<_> = snapshot(dir.path())
                .into_iter()
                .filter(|(p, _)| p.to_string_lossy().contains(".kpi-"))
                .collect();
            if !temporaries.is_empty() {
                return Err(format!("temporaries left: {temporaries:?}"));
            }
        }
    }
    if case.args.is_empty() {
        same_summed_as_read(dir.path(), &case.expect, &stderr)?;
    }
    Ok(())
}

/// A run that writes exports alone without the analysis sums each activity
/// file as it reads it: run again so, it must refuse with the same message
/// as the run of `dir` that said `stderr`, or note and score the same.
fn same_summed_as_read(dir: &Path, expect: &Expect, stderr: &str) -> Result<(), String> {
    let tables = [
        "data_quality.csv",
        "scores.csv",
        "score_details.csv",
        "pay.csv",
    ];
    let exported = |table: &str| std::fs::read(dir.join("out").join(table)).ok();
    let with_rows: Vec<Option<Vec<u8>>> = tables.iter().map(|t| exported(t)).collect();
    let before = snapshot(dir);
    let args = [
        "run",
        "--data",
        "data",
        "--scheme",
        SCHEME,
        "--no-analysis",
        "--export",
        "out",
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let summed = String::from_utf8_lossy(&out.stderr);
    match expect {
        Refused(_) if out.status.code() != Some(1) || summed != stderr => Err(format!(
            "summed as read, exit {:?}:\n{summed}",
            out.status.code()
        )),
        Refused(_) if snapshot(dir) != before => Err(format!(
            "summed as read, a refused run changed the files:\n{summed}"
        )),
        Refused(_) => Ok(()),
        Noted(_) => match tables
            .iter()
            .zip(&with_rows)
            .find(|(table, rows)| exported(table) != **rows)
        {
            Some((table, _)) => Err(format!("summed as read, {table} differs:\n{summed}")),
            None => Ok(()),
        },
    }
}

#[test]
fn every_bad_input_is_refused_naming_its_place_or_noted() {
    let cases = cases();
    assert!(cases.len() >= 80, "the corpus has {} cases", cases.len());
    let mut names = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "two cases named `{}`", c.name);
    }
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("--- {}: {e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
