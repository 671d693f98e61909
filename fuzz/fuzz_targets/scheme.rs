//! Any text as a scheme file: parsed and checked, or refused with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kpi_io::parse_scheme(text, std::path::Path::new("fuzz.toml"));
    }
});
