//! End-to-end tests of the `kpi` binary and golden scores of the shipped schemes.

mod analysis;
mod bad_inputs;
mod cli;
mod compare;
mod exports;
mod fixtures;
mod golden;
mod libreoffice;
mod pay;
mod scheme_book;

/// Copies a folder and everything below it.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
