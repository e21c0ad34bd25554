//! Conformance test: every testsuite script listed in `tests/manifest.txt`
//! (at the workspace root) must pass completely.
//!
//! The testsuite is found through `$TERN_TESTSUITE`, then
//! `<workspace>/tests/testsuite` (a git submodule of WebAssembly/testsuite),
//! then `<workspace>/../shared/testsuite`. The test fails, naming every
//! failing directive as `file:line:col: expected ..., got ...`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tern_wast::testsuite::{find_testsuite, read_manifest};
use tern_wast::{FileReport, WastContext, with_large_stack};

/// How many failing directives are named per script before eliding.
const MAX_LISTED_PER_FILE: usize = 25;

/// The workspace root: two levels above this crate.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs one script on a large stack, turning a runner panic into a report.
fn run_one(name: &str, path: &Path, mode: Mode) -> FileReport {
    let run = || {
        let mut cx = match mode {
            Mode::Plain => WastContext::for_file(path),
            Mode::Metered => WastContext::for_file_metered(path),
            Mode::GcStress => WastContext::for_file_gc_stress(path),
        };
        let mut report = cx.run_file(path);
        if mode == Mode::GcStress
            && let Err(e) = cx.gc_check()
        {
            report.fail(0, 0, "a verified GC heap", e);
        }
        report
    };
    with_large_stack(run).unwrap_or_else(|panic| FileReport {
        name: name.to_string(),
        passed: 0,
        failed: 1,
        failures: vec![tern_wast::Failure {
            line: 0,
            col: 0,
            expected: "the runner not to panic".into(),
            got: format!("panic: {panic}"),
        }],
    })
}

/// How the scripts run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    /// Fuel and epoch checks compiled in.
    Metered,
    /// A minor collection before every GC allocation, heap verification on.
    GcStress,
}

#[test]
fn testsuite_manifest_passes() {
    run_manifest(Mode::Plain);
}

/// The same scripts with the collector in stress mode and the heap
/// verified around every collection (including the remembered-set
/// invariant): every object is moved at its first chance, so a missing
/// root, write barrier or forwarding shows up as a wrong result or a
/// verification failure.
#[test]
fn testsuite_manifest_passes_under_gc_stress() {
    run_manifest(Mode::GcStress);
}

/// The same scripts with fuel metering and epoch checks compiled into every
/// function (unlimited fuel, a far deadline): the extra instructions at
/// labels, branches and loop headers must not change any result.
#[test]
fn testsuite_manifest_passes_with_fuel_and_epochs() {
    run_manifest(Mode::Metered);
}

fn run_manifest(mode: Mode) {
    let root = workspace_root();
    let suite = find_testsuite(&root).unwrap_or_else(|msg| panic!("{msg}"));
    let files = read_manifest(&root).unwrap_or_else(|msg| panic!("{msg}"));
    assert!(!files.is_empty(), "tests/manifest.txt lists no files");

    let queue = Mutex::new(files.iter());
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(name) = next else { break };
                    let path = suite.join(name);
                    let report = if path.is_file() {
                        run_one(name, &path, mode)
                    } else {
                        FileReport {
                            name: name.clone(),
                            passed: 0,
                            failed: 1,
                            failures: vec![tern_wast::Failure {
                                line: 0,
                                col: 0,
                                expected: format!("{} to exist", path.display()),
                                got: "no such file".into(),
                            }],
                        }
                    };
                    if let Ok(mut r) = results.lock() {
                        r.push((name.clone(), report));
                    }
                }
            });
        }
    });

    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut problems = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for (name, report) in &results {
        passed += report.passed;
        failed += report.failed;
        for f in report.failures.iter().take(MAX_LISTED_PER_FILE) {
            problems.push(format!(
                "  {name}:{}:{}: expected {}, got {}",
                f.line, f.col, f.expected, f.got
            ));
        }
        if report.failures.len() > MAX_LISTED_PER_FILE {
            problems.push(format!(
                "  {name}: ... and {} more (run `tern wast` on it for details)",
                report.failures.len() - MAX_LISTED_PER_FILE
            ));
        }
    }
    assert_eq!(results.len(), files.len(), "some scripts did not run");
    assert!(
        problems.is_empty(),
        "{failed} directive(s) failed ({passed} passed) in {}:\n{}",
        suite.display(),
        problems.join("\n")
    );
}
