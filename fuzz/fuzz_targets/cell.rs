//! Any text as a cell: every cell parser returns a value or an error.
#![no_main]

use kpi_io::parse::{Cell, parse_date, parse_decimal, parse_period, parse_seconds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let cell = Cell::Text(text);
        let _ = parse_decimal(cell);
        let _ = parse_seconds(cell);
        let _ = parse_date(cell);
        let _ = parse_period(cell);
    }
    if data.len() == 8 {
        let n = f64::from_le_bytes(data.try_into().unwrap());
        for cell in [Cell::Number(n), Cell::ExcelDate(n)] {
            let _ = parse_decimal(cell);
            let _ = parse_seconds(cell);
            let _ = parse_date(cell);
            let _ = parse_period(cell);
        }
    }
});
