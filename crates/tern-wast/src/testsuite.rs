//! Locating the official testsuite and reading the conformance manifest
//! (shared by the conformance and robustness tests).
//!
//! The testsuite is found through `$TERN_TESTSUITE`, then
//! `<workspace>/tests/testsuite` (a git submodule of WebAssembly/testsuite),
//! then `<workspace>/../shared/testsuite`.

use std::path::{Path, PathBuf};

/// Whether `dir` holds at least one `.wast` file.
pub fn has_wast_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "wast"))
    })
}

/// Locates the testsuite, or explains how to get it.
pub fn find_testsuite(root: &Path) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("TERN_TESTSUITE") {
        let dir = PathBuf::from(dir);
        return if has_wast_files(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "TERN_TESTSUITE={} holds no .wast files",
                dir.display()
            ))
        };
    }
    for dir in [
        root.join("tests/testsuite"),
        root.join("../shared/testsuite"),
    ] {
        if has_wast_files(&dir) {
            return Ok(dir);
        }
    }
    Err(
        "the WebAssembly testsuite was not found: set TERN_TESTSUITE to a checkout of \
         https://github.com/WebAssembly/testsuite, or run `git submodule update --init` \
         to fetch it into tests/testsuite"
            .to_string(),
    )
}

/// The script names listed in the manifest (comments and blanks skipped).
pub fn read_manifest(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join("tests/manifest.txt");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}
