//! Finding input files and reading the scenario files lessons refer to.

use crate::Fail;
use std::path::{Path, PathBuf};

/// Every `.toml` file under `path` (or `path` itself), sorted.
pub fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Fail> {
    let meta = std::fs::metadata(path).map_err(|e| Fail(2, format!("{}: {e}", path.display())))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(path).map_err(|e| Fail(2, format!("{}: {e}", path.display())))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "toml") {
                collect(&e, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// The repository a lesson belongs to: the nearest directory above it that
/// has a `scenarios/` directory (else the current directory). Lessons name
/// scenario files relative to it.
pub fn repo_root(lesson: &Path) -> PathBuf {
    let start = std::fs::canonicalize(lesson).ok().and_then(|p| p.parent().map(Path::to_path_buf));
    let mut dir = start;
    while let Some(d) = dir {
        if d.join("scenarios").is_dir() {
            return d;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    PathBuf::from(".")
}

/// Reads `scenarios/…` under `root`, falling back to the scenarios built
/// into the binary (so lessons also work outside a checkout).
pub fn read_scenario(root: &Path, rel: &str) -> Result<String, String> {
    match std::fs::read_to_string(root.join(rel)) {
        Ok(t) => Ok(t),
        Err(e) => streamlab_core::lesson::builtin_scenario(rel).map_err(|_| e.to_string()),
    }
}
