//! Stage 1: finding the files of a dataset folder (tables by name or
//! folder, platform exports, links followed once, pipes refused).

use super::*;

/// What a dataset directory holds: files of contract tables, other
/// spreadsheets (platform exports), and notes on what was ignored.
pub(super) type Discovered = (Vec<InputFile>, Vec<PathBuf>, Vec<QualityNote>);

pub(super) fn discover(dir: &Path) -> Result<Discovered> {
    let mut notes = Vec::new();
    let mut exports = Vec::new();
    if !dir.is_dir() {
        return Err(Error::Dataset {
            path: dir.into(),
            message: "not a directory".into(),
        });
    }
    let mut walk = Walk::new(dir)?;
    let entries = walk.entries(dir)?;
    let mut inputs = Vec::new();
    let mut seen: BTreeMap<Table, PathBuf> = BTreeMap::new();
    for path in entries {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let is_dir = path.is_dir();
        let name = if is_dir {
            path.file_name().and_then(|s| s.to_str()).unwrap_or("")
        } else {
            stem
        };
        let Some(table) = Table::from_name(name) else {
            if is_dir {
                collect_exports(&mut walk, &path, &mut exports, &mut notes)?;
            } else if has_table_extension(&path) {
                exports.push(path);
            } else {
                notes.push(QualityNote::file(
                    "-",
                    &path,
                    Issue::NotInContract,
                    Action::Ignored,
                ));
            }
            continue;
        };
        if !is_dir && !has_table_extension(&path) {
            notes.push(QualityNote::file(
                table.name(),
                &path,
                Issue::UnsupportedFileType,
                Action::Ignored,
            ));
            continue;
        }
        if let Some(previous) = seen.insert(table, path.clone()) {
            return Err(Error::Dataset {
                path: path.clone(),
                message: format!(
                    "table `{table}` is given twice (also {}); keep one file or one folder",
                    previous.display()
                ),
            });
        }
        if is_dir {
            collect_table_files(&mut walk, &path, table, &mut inputs, &mut notes)?;
        } else {
            inputs.push(InputFile { table, path });
        }
    }
    Ok((inputs, exports, notes))
}

/// The files of a table's folder and of its sub-folders (`employee_daily/2024/…`).
pub(super) fn collect_table_files(
    walk: &mut Walk,
    dir: &Path,
    table: Table,
    inputs: &mut Vec<InputFile>,
    notes: &mut Vec<QualityNote>,
) -> Result<()> {
    for file in walk.entries(dir)? {
        if file.is_dir() {
            collect_table_files(walk, &file, table, inputs, notes)?;
        } else if has_table_extension(&file) {
            inputs.push(InputFile { table, path: file });
        } else {
            notes.push(QualityNote::file(
                table.name(),
                &file,
                Issue::UnsupportedFileType,
                Action::Ignored,
            ));
        }
    }
    Ok(())
}

/// The walk of a dataset folder: every folder and file it reached (by
/// their real paths), so that a link is followed once and a cycle or a
/// second way to the same file is an error, not a table read twice.
pub(super) struct Walk {
    folders: BTreeMap<PathBuf, PathBuf>,
    files: BTreeMap<PathBuf, PathBuf>,
}

impl Walk {
    fn new(root: &Path) -> Result<Walk> {
        let real = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
        Ok(Walk {
            folders: BTreeMap::from([(real, root.to_path_buf())]),
            files: BTreeMap::new(),
        })
    }

    /// The entries of `dir` that are not hidden, sorted by path: regular
    /// files and folders only (a pipe, socket or device is an error, never
    /// opened), each reached for the first time.
    fn entries(&mut self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io(dir, e))?;
        entries.sort();
        entries.retain(|p| !is_hidden(p));
        for path in &entries {
            let refuse = |message: String| Error::Dataset {
                path: path.clone(),
                message,
            };
            let meta = std::fs::metadata(path)
                .map_err(|e| refuse(format!("cannot be read ({e}); a broken link?")))?;
            let real = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
            let seen = if meta.is_dir() {
                &mut self.folders
            } else if meta.is_file() {
                &mut self.files
            } else {
                return Err(refuse(
                    "not a regular file or folder (a named pipe, socket or device); \
                     kpi reads files and folders only"
                        .into(),
                ));
            };
            if let Some(first) = seen.get(&real) {
                return Err(refuse(format!(
                    "leads to {}, which this dataset already reaches as {}: a link cycle or a \
                     second way to the same {}; remove the link",
                    real.display(),
                    first.display(),
                    if meta.is_dir() { "folder" } else { "file" }
                )));
            }
            seen.insert(real, path.clone());
        }
        Ok(entries)
    }
}

/// Spreadsheets under a folder not named after a table, recursively, sorted.
pub(super) fn collect_exports(
    walk: &mut Walk,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    notes: &mut Vec<QualityNote>,
) -> Result<()> {
    for path in walk.entries(dir)? {
        if path.is_dir() {
            collect_exports(walk, &path, out, notes)?;
        } else if has_table_extension(&path) {
            out.push(path);
        } else {
            notes.push(QualityNote::file(
                "-",
                &path,
                Issue::NotASpreadsheet,
                Action::Ignored,
            ));
        }
    }
    Ok(())
}

pub(super) fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
}

pub(super) fn has_table_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
