//! Any bytes as an `employee_daily.csv` (after a valid header, or alone):
//! the dataset reader reads them or refuses them, never panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"employee_id,date,period,inquiries,paid_buyers,cs_sales,response_seconds\n";

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::with_capacity(HEADER.len() + data.len());
    if data.first().is_some_and(|b| b % 2 == 0) {
        bytes.extend_from_slice(HEADER);
    }
    bytes.extend_from_slice(data);
    std::fs::write(dir.path().join("employee_daily.csv"), bytes).unwrap();
    let _ = kpi_io::read_dataset(dir.path(), &|_, _| {});
});
