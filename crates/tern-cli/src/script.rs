//! `tern wast FILE...`: runs spec scripts, one fresh context per file.
//!
//! Output: one line per file, `ok   <file> <passed>/<total>` or
//! `FAIL <file> <passed>/<total>` followed by up to five failure lines
//! `  <file>:<line>:<col>: expected <...>, got <...>`; the last line is
//! exactly `<N> passed, <M> failed` over all files.

use std::path::PathBuf;
use std::process::ExitCode;

use tern_wast::{FileReport, WastContext};

/// How many failures are listed under a failing file.
const MAX_LISTED: usize = 5;

/// Renders one file's report as the lines `tern wast` prints for it.
pub(crate) fn report_lines(file: &str, report: &FileReport) -> Vec<String> {
    let status = if report.ok() { "ok  " } else { "FAIL" };
    let mut lines = vec![format!(
        "{status} {file} {}/{}",
        report.passed,
        report.total()
    )];
    for f in report.failures.iter().take(MAX_LISTED) {
        lines.push(format!(
            "  {file}:{}:{}: expected {}, got {}",
            f.line,
            f.col,
            one_line(&f.expected),
            one_line(&f.got)
        ));
    }
    lines
}

/// Collapses a multi-line message onto one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs every script in `files` and prints the summary.
pub(crate) fn run_scripts(files: &[PathBuf]) -> ExitCode {
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in files {
        let report = WastContext::for_file(file).run_file(file);
        passed += report.passed;
        failed += report.failed;
        for line in report_lines(&file.display().to_string(), &report) {
            println!("{line}");
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
