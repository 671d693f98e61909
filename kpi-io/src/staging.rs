//! All-or-nothing output. Every file of a run is written to a temporary
//! beside its place; only when all of them were written are they moved
//! into place, together. A failure before that leaves every file as it
//! was; a failure while moving puts back the files already replaced. No
//! temporary outlives the [`Staging`], and folders it created for outputs
//! that never landed are removed again.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The outputs of one run, written but not yet in place.
#[derive(Debug, Default)]
pub struct Staging {
    /// (temporary, place), in the order written.
    staged: Vec<(PathBuf, PathBuf)>,
    /// Folders this staging created, outermost first.
    made: Vec<PathBuf>,
}

impl Staging {
    /// Nothing staged yet.
    pub fn new() -> Staging {
        Staging::default()
    }

    /// Runs `write` on a new staging and commits what it staged when it
    /// succeeds; on an error nothing is moved into place.
    pub fn once<T, E: From<Error>>(
        write: impl FnOnce(&mut Staging) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut staging = Staging::new();
        let value = write(&mut staging)?;
        staging.commit()?;
        Ok(value)
    }

    /// Checks, before any work, that `path` can take a file: it is not a
    /// folder and nothing above it is a file.
    pub fn check_file(path: &Path) -> Result<()> {
        if path.is_dir() {
            return Err(Error::output(path, "is a folder; give a file name"));
        }
        check_parents(path)
    }

    /// Checks, before any work, that `path` can be an output folder: it is
    /// a folder or absent, and nothing above it is a file.
    pub fn check_folder(path: &Path) -> Result<()> {
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => Err(Error::output(path, "is a file, not a folder")),
            _ => check_parents(path),
        }
    }

    /// Makes `dir` (and what is missing above it), remembering what it made.
    pub fn folder(&mut self, dir: &Path) -> Result<()> {
        if dir.as_os_str().is_empty() || dir.is_dir() {
            return Ok(());
        }
        Staging::check_folder(dir)?;
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .collect();
        for made in missing.into_iter().rev() {
            std::fs::create_dir(made).map_err(|e| Error::io(made, e))?;
            self.made.push(made.to_path_buf());
        }
        Ok(())
    }

    /// Writes the output `path` by calling `write` with the temporary to
    /// write instead; the file lands at `path` on [`Staging::commit`].
    pub fn write<E: From<Error>>(
        &mut self,
        path: &Path,
        write: impl FnOnce(&Path) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        if self.staged.iter().any(|(_, p)| p == path) {
            return Err(Error::output(path, "is written twice by this run").into());
        }
        if path.is_dir() {
            return Err(Error::output(path, "is a folder; an output file goes there").into());
        }
        if let Some(parent) = path.parent() {
            self.folder(parent)?;
        }
        let tmp = beside(path, "kpi-tmp");
        self.staged.push((tmp.clone(), path.to_path_buf()));
        write(&tmp)
    }

    /// The places staged so far, in the order written.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.staged.iter().map(|(_, p)| p.clone()).collect()
    }

    /// Moves every staged file into place; returns their places. When a
    /// move fails, the files already moved are put back as they were.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let staged = std::mem::take(&mut self.staged);
        // (place, the previous file moved aside), for putting back.
        let mut moved: Vec<(&Path, Option<PathBuf>)> = Vec::with_capacity(staged.len());
        for (tmp, path) in &staged {
            match replace(tmp, path) {
                Ok(previous) => moved.push((path, previous)),
                Err(e) => {
                    let error = Error::io(path, e);
                    for (path, previous) in moved.into_iter().rev() {
                        let _ = match previous {
                            Some(previous) => std::fs::rename(previous, path),
                            None => std::fs::remove_file(path),
                        };
                    }
                    // The temporaries not yet moved go on drop.
                    self.staged = staged;
                    return Err(error);
                }
            }
        }
        for (_, previous) in moved {
            if let Some(previous) = previous {
                let _ = std::fs::remove_file(previous);
            }
        }
        self.made.clear();
        Ok(staged.into_iter().map(|(_, p)| p).collect())
    }
}

impl Drop for Staging {
    /// Removes the temporaries of a staging that was not committed, and the
    /// folders it made when they are empty again.
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            let _ = std::fs::remove_file(tmp);
        }
        for dir in self.made.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Moves `tmp` to `path`, the file at `path` (if any) aside first; returns
/// where the previous file went.
fn replace(tmp: &Path, path: &Path) -> std::io::Result<Option<PathBuf>> {
    let previous = match std::fs::symlink_metadata(path) {
        Ok(_) => {
            let aside = beside(path, "kpi-old");
            std::fs::rename(path, &aside)?;
            Some(aside)
        }
        Err(_) => None,
    };
    if let Err(e) = std::fs::rename(tmp, path) {
        if let Some(aside) = &previous {
            let _ = std::fs::rename(aside, path);
        }
        return Err(e);
    }
    Ok(previous)
}

/// `dir/.name.suffix`: a hidden sibling of `path`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// The nearest existing folder above `path` must be a folder, not a file.
fn check_parents(path: &Path) -> Result<()> {
    for above in path.ancestors().skip(1) {
        if above.as_os_str().is_empty() {
            return Ok(());
        }
        if let Ok(meta) = std::fs::metadata(above) {
            return if meta.is_dir() {
                Ok(())
            } else {
                Err(Error::output(
                    path,
                    format!("cannot be made: {} is a file", above.display()),
                ))
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(dir)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.push(path.clone());
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    fn put(path: &Path, text: &str) -> Result<()> {
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }

    #[test]
    fn nothing_lands_until_commit_and_a_failure_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("report.xlsx");
        std::fs::write(&old, "last month").unwrap();
        let result: Result<()> = Staging::once(|s| {
            s.write(&old, |tmp| put(tmp, "this month"))?;
            s.write(&dir.path().join("out/scores.csv"), |tmp| put(tmp, "a,b"))?;
            Err(Error::output(&dir.path().join("out/pay.csv"), "failed"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "last month");
        assert_eq!(files(dir.path()), ["report.xlsx"]);
    }

    #[test]
    fn a_commit_moves_every_file_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("report.xlsx");
        std::fs::write(&old, "last month").unwrap();
        let placed = Staging::once(|s| {
            s.write(&old, |tmp| put(tmp, "this month"))?;
            s.write(&dir.path().join("out/scores.csv"), |tmp| put(tmp, "a,b"))?;
            Ok::<_, Error>(s.paths())
        })
        .unwrap();
        assert_eq!(placed.len(), 2);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "this month");
        assert_eq!(files(dir.path()), ["out", "out/scores.csv", "report.xlsx"]);
    }

    #[test]
    fn a_failed_move_puts_back_the_files_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, "old a").unwrap();
        let mut staging = Staging::new();
        staging.write(&a, |tmp| put(tmp, "new a")).unwrap();
        staging.write(&b, |tmp| put(tmp, "new b")).unwrap();
        // b's temporary vanishes before the commit: its move fails.
        std::fs::remove_file(dir.path().join(".b.csv.kpi-tmp")).unwrap();
        let err = staging.commit().unwrap_err();
        assert!(err.to_string().contains("b.csv"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(files(dir.path()), ["a.csv"]);
    }

    #[test]
    fn output_paths_are_checked_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("exports");
        std::fs::write(&file, "").unwrap();
        let err = Staging::check_folder(&file).unwrap_err().to_string();
        assert!(err.ends_with("exports: is a file, not a folder"), "{err}");
        let err = Staging::check_file(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with("is a folder; give a file name"), "{err}");
        let err = Staging::check_file(&file.join("r.xlsx"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a file"), "{err}");
        assert!(Staging::check_file(&dir.path().join("new/r.xlsx")).is_ok());
    }
}
