//! Arbitrary bytes given as a CSV file, a workbook, a scheme TOML or a cell
//! never panic the reader or the scheme parser: each is read or refused
//! with an error.

use std::path::Path;

use kpi_io::parse::{Cell, parse_date, parse_decimal, parse_period, parse_seconds};
use proptest::prelude::*;

const SCHEME: &str = include_str!("../../../fixtures/schemes/customer_service.toml");
const HEADER: &str = "employee_id,date,period,inquiries,paid_buyers,cs_sales,response_seconds\n";

/// Bytes that are mostly CSV-like: digits, separators, quotes, line ends,
/// Chinese and junk.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just("E0001".as_bytes().to_vec()),
        Just("2025-01-05".as_bytes().to_vec()),
        Just("1.2万".as_bytes().to_vec()),
        Just("8分48秒".as_bytes().to_vec()),
        Just(b"inf".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"-".to_vec()),
        "[0-9]{1,25}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
}

fn read(dir: &Path) {
    let _ = kpi_io::read_dataset(dir, &|_, _| {});
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_as_a_cell(text in "\\PC{0,40}|[0-9.,:%万亿秒分-]{0,30}") {
        let cell = Cell::Text(&text);
        let _ = parse_decimal(cell);
        let _ = parse_seconds(cell);
        let _ = parse_date(cell);
        let _ = parse_period(cell);
    }

    #[test]
    fn any_number_as_a_cell(n in any::<f64>()) {
        for cell in [Cell::Number(n), Cell::ExcelDate(n)] {
            let _ = parse_decimal(cell);
            let _ = parse_seconds(cell);
            let _ = parse_date(cell);
            let _ = parse_period(cell);
        }
    }

    #[test]
    fn any_bytes_as_a_csv_table(body in csvish(), with_header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = if with_header { HEADER.as_bytes().to_vec() } else { Vec::new() };
        bytes.extend(body);
        std::fs::write(dir.path().join("employee_daily.csv"), bytes).unwrap();
        read(dir.path());
    }

    #[test]
    fn any_bytes_as_a_workbook(bytes in prop::collection::vec(any::<u8>(), 0..2048), zip_head in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut data = if zip_head { b"PK\x03\x04".to_vec() } else { Vec::new() };
        data.extend(bytes);
        std::fs::write(dir.path().join("employee_daily.xlsx"), data).unwrap();
        read(dir.path());
    }

    #[test]
    fn any_text_as_a_scheme(text in "\\PC{0,400}") {
        let _ = kpi_io::parse_scheme(&text, Path::new("s.toml"));
    }

    #[test]
    fn a_valid_scheme_with_any_span_replaced(at in 0usize..SCHEME.len(), len in 0usize..40, with in "\\PC{0,12}|inf|nan|-1e999|\\[\\[|\\]") {
        let mut start = at.min(SCHEME.len());
        while !SCHEME.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len).min(SCHEME.len());
        while !SCHEME.is_char_boundary(end) {
            end -= 1;
        }
        let text = format!("{}{with}{}", &SCHEME[..start], &SCHEME[end..]);
        let _ = kpi_io::parse_scheme(&text, Path::new("s.toml"));
    }
}

/// A real workbook with bytes flipped reads or fails, never panics.
#[test]
fn a_real_workbook_with_bytes_flipped() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/bad/store_daily_formula.xlsx"
    );
    let original = std::fs::read(fixture).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(200));
    runner
        .run(
            &(0..original.len(), any::<u8>(), 1usize..16),
            |(at, byte, n)| {
                let mut bytes = original.clone();
                for k in 0..n {
                    let i = (at + k * 97) % bytes.len();
                    bytes[i] ^= byte | 1;
                }
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join("store_daily.xlsx"), bytes).unwrap();
                read(dir.path());
                Ok(())
            },
        )
        .unwrap();
}
