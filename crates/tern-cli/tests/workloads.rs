//! Real programs through `tern run`: the sightglass C programs, the splay
//! GC benchmark and the Kotlin/Wasm builds (tests/data/workloads), each with
//! its directory preopened as `.`; stdout must equal its
//! `*.stdout.expected` and the exit status must be 0.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/workloads")
        .join(path)
}

/// Runs `wasm` (under tests/data/workloads) with its directory preopened as
/// `.` and compares stdout with `expected`.
fn check(wasm: &str, expected: &str) {
    let wasm = data(wasm);
    let dir = wasm.parent().expect("parent").to_path_buf();
    let expected = std::fs::read_to_string(data(expected)).expect("expected output");
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .arg("run")
        .arg("--dir")
        .arg(format!("{}::.", dir.display()))
        .arg(&wasm)
        .output()
        .expect("run tern");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}: {}\nstderr: {}",
        wasm.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, expected, "{}", wasm.display());
}

macro_rules! shootout {
    ($($test:ident: $name:literal,)*) => {$(
        #[test]
        fn $test() {
            check(
                concat!("classic/sightglass/shootout-", $name, ".wasm"),
                concat!("classic/sightglass/shootout-", $name, ".stdout.expected"),
            );
        }
    )*};
}

shootout! {
    shootout_ackermann: "ackermann",
    shootout_base64: "base64",
    shootout_fib2: "fib2",
    shootout_heapsort: "heapsort",
    shootout_keccak: "keccak",
    shootout_matrix: "matrix",
    shootout_nestedloop: "nestedloop",
    shootout_sieve: "sieve",
}

#[test]
fn sightglass_quicksort() {
    check(
        "classic/sightglass/quicksort/benchmark.wasm",
        "classic/sightglass/quicksort/benchmark.stdout.expected",
    );
}

#[test]
fn sightglass_bz2() {
    check(
        "classic/sightglass/bz2/benchmark.wasm",
        "classic/sightglass/bz2/benchmark.stdout.expected",
    );
}

#[test]
fn gc_splay() {
    check("gc/splay/splay.wasm", "gc/splay/splay.stdout.expected");
}

#[test]
fn kotlin_hello_traps_optimised() {
    check(
        "gc/kotlin-hello/hello.traps.opt.wasm",
        "gc/kotlin-hello/hello.stdout.expected",
    );
}

#[test]
fn kotlin_hello_traps_unoptimised() {
    check(
        "gc/kotlin-hello/hello.traps.unopt.wasm",
        "gc/kotlin-hello/hello.stdout.expected",
    );
}

#[test]
fn kotlin_hello_exceptions_optimised() {
    check(
        "gc/kotlin-hello/hello.eh.opt.wasm",
        "gc/kotlin-hello/hello.stdout.expected",
    );
}

#[test]
fn kotlin_hello_exceptions_unoptimised() {
    check(
        "gc/kotlin-hello/hello.eh.unopt.wasm",
        "gc/kotlin-hello/hello.stdout.expected",
    );
}

#[test]
fn kotlin_exceptions_optimised() {
    check(
        "gc/kotlin-exceptions/exceptions.eh.opt.wasm",
        "gc/kotlin-exceptions/exceptions.stdout.expected",
    );
}

#[test]
fn kotlin_exceptions_unoptimised() {
    check(
        "gc/kotlin-exceptions/exceptions.eh.unopt.wasm",
        "gc/kotlin-exceptions/exceptions.stdout.expected",
    );
}

#[test]
fn ackermann_needs_its_inputs() {
    // Without the preopened directory the program cannot read its inputs
    // and must not print the expected output.
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .arg("run")
        .arg(data("classic/sightglass/shootout-ackermann.wasm"))
        .output()
        .expect("run tern");
    let expected = std::fs::read_to_string(data(
        "classic/sightglass/shootout-ackermann.stdout.expected",
    ))
    .expect("expected output");
    assert_ne!(String::from_utf8_lossy(&out.stdout), expected);
}
