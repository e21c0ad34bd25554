//! End-to-end tests of the `tern` binary: `run`, `validate` and `wast`,
//! their output formats and exit statuses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (for `examples/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tern-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Writes `contents` to `name` in `dir` and returns the path.
fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

fn tern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run tern")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const TRAPPING: &str = r#"
(module
  (func $inner (param i32) (result i32) unreachable)
  (func $outer (export "boom") (param i32) (result i32)
    (call $inner (local.get 0)))
  (func (export "add") (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "floats") (param f32 f64) (result f32 f64)
    local.get 0 local.get 1)
  (func (export "null") (param funcref) (result funcref) local.get 0)
  (func (export "vec") (param v128) (result v128)
    (i32x4.add (local.get 0) (v128.const i32x4 1 0 0 0)))
  (global (export "g") i32 (i32.const 0)))
"#;

#[test]
fn run_fib_example() {
    let o = tern(&["run", "examples/fib.wat", "--invoke", "fib", "20"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "6765\n");
}

#[test]
fn run_parses_args_by_type() {
    let dir = scratch("args");
    let m = write(&dir, "m.wat", TRAPPING);
    let m = m.to_str().expect("utf-8 path");

    let o = tern(&["run", m, "--invoke", "add", "-3", "18446744073709551615"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "-4\n");

    let o = tern(&["run", m, "--invoke", "floats", "1.5", "-0.25"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "1.5\n-0.25\n");

    let o = tern(&["run", m, "--invoke", "null", "null"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "null\n");

    // v128 as one unsigned 128-bit integer, printed in decimal like Wasmtime.
    let o = tern(&["run", m, "--invoke", "vec", "0x100000001"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "4294967298\n");
}

#[test]
fn run_trap_prints_message_and_backtrace() {
    let dir = scratch("trap");
    let m = write(&dir, "m.wat", TRAPPING);
    let o = tern(&[
        "run",
        m.to_str().expect("utf-8 path"),
        "--invoke",
        "boom",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("Error: wasm trap: unreachable\n"),
        "stderr: {err}"
    );
    let inner = err.find("  0: ").expect("frame 0 in backtrace");
    let outer = err.find("  1: ").expect("frame 1 in backtrace");
    assert!(err[inner..outer].contains("inner"), "stderr: {err}");
    assert!(err[outer..].contains("outer"), "stderr: {err}");
}

#[test]
fn run_usage_errors() {
    let dir = scratch("usage");
    let m = write(&dir, "m.wat", TRAPPING);
    let m = m.to_str().expect("utf-8 path");

    let o = tern(&["run", m, "--invoke", "nope"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unknown export `nope`"),
        "{}",
        stderr(&o)
    );

    let o = tern(&["run", m, "--invoke", "g"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a function"), "{}", stderr(&o));

    let o = tern(&["run", m, "--invoke", "boom"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("takes 1 argument"), "{}", stderr(&o));

    let o = tern(&["run", m, "--invoke", "boom", "1", "2"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("takes 1 argument"), "{}", stderr(&o));

    let o = tern(&["run", m, "--invoke", "boom", "one"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("32-bit integer"), "{}", stderr(&o));

    let o = tern(&["run", m, "--invoke", "boom", "4294967296"]);
    assert!(!o.status.success());

    let imports = write(&dir, "imports.wat", r#"(module (import "env" "f" (func)))"#);
    let o = tern(&["run", imports.to_str().expect("utf-8 path")]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("env::f"), "{}", stderr(&o));

    let o = tern(&["run", "does/not/exist.wasm"]);
    assert!(!o.status.success());
}

#[test]
fn run_start_by_default() {
    let dir = scratch("start");
    let m = write(
        &dir,
        "m.wat",
        r#"(module (func (export "_start") (result i32) i32.const 42))"#,
    );
    let o = tern(&["run", m.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "42\n");
}

#[test]
fn validate_reports_validity() {
    let o = tern(&["validate", "examples/fib.wat"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));

    let dir = scratch("validate");
    // (module (func (result i32) i64.const 0)) as a binary: a type error.
    let invalid = write(
        &dir,
        "invalid.wasm",
        [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
            0x03, 0x02, 0x01, 0x00, // func 0: type 0
            0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b, // code: i64.const 0
        ],
    );
    let o = tern(&["validate", invalid.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("offset"), "stderr: {}", stderr(&o));

    let truncated = write(&dir, "truncated.wasm", [0x00, 0x61, 0x73]);
    let o = tern(&["validate", truncated.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(1));

    let bad_text = write(&dir, "bad.wat", "(module (func (fnord)))");
    let o = tern(&["validate", bad_text.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).is_empty());
}

#[test]
fn explore_lists_interpreter_code() {
    let o = tern(&["explore", "examples/fib.wat"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("func[0] $fib:\n"), "stdout: {out}");
    // The compare fuses with the `if`; both recursive calls are internal.
    assert!(out.contains("BrI32"), "stdout: {out}");
    assert_eq!(out.matches("CallInternal").count(), 2, "stdout: {out}");
    assert!(out.trim_end().ends_with("Return"), "stdout: {out}");

    let o = tern(&["explore", "examples/fib.wat", "--func", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no defined function 1"),
        "stderr: {}",
        stderr(&o)
    );
}

#[test]
fn wast_output_format() {
    let dir = scratch("wast");
    let good = write(
        &dir,
        "good.wast",
        r#"(module (func (export "one") (result i32) i32.const 1))
(assert_return (invoke "one") (i32.const 1))
"#,
    );
    let bad = write(
        &dir,
        "bad.wast",
        r#"(module (func (export "one") (result i32) i32.const 1))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "one") (i32.const 2))
(assert_trap (invoke "one") "unreachable")
"#,
    );
    let (good, bad) = (
        good.to_str().expect("utf-8 path"),
        bad.to_str().expect("utf-8 path"),
    );

    let o = tern(&["wast", good]);
    assert!(o.status.success(), "stdout: {}", stdout(&o));
    assert_eq!(stdout(&o), format!("ok   {good} 2/2\n2 passed, 0 failed\n"));

    let o = tern(&["wast", good, bad]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "stdout: {out}");
    assert_eq!(lines[0], format!("ok   {good} 2/2"));
    assert_eq!(lines[1], format!("FAIL {bad} 2/4"));
    assert_eq!(
        lines[2],
        format!("  {bad}:3:2: expected (i32.const 2), got (i32.const 1)")
    );
    assert!(
        lines[3].starts_with(&format!("  {bad}:4:2: expected trap \"unreachable\", got ")),
        "stdout: {out}"
    );
    assert_eq!(lines[4], "4 passed, 2 failed");
}

#[test]
fn wast_lists_at_most_five_failures() {
    let dir = scratch("wast5");
    let mut script = String::from("(module (func (export \"z\") (result i32) i32.const 0))\n");
    for _ in 0..8 {
        script.push_str("(assert_return (invoke \"z\") (i32.const 1))\n");
    }
    let f = write(&dir, "many.wast", script);
    let o = tern(&["wast", f.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1 + 5 + 1, "stdout: {out}");
    assert_eq!(out.lines().last(), Some("1 passed, 8 failed"));
}

/// Prints its arguments, its environment (each NUL-terminated) and the
/// name of preopen 3 (if any), brackets that with bench.start/bench.end,
/// and exits with status 7.
const WASI_ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "bench" "start" (func $bench_start))
  (import "bench" "end" (func $bench_end))
  (memory (export "memory") 1)
  (func $print (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    call $bench_start
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (call $print (i32.const 1) (i32.const 2048) (i32.load (i32.const 20)))
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $environ_get (i32.const 1024) (i32.const 4096)))
    (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 20)))
    (if (i32.eqz (call $prestat_get (i32.const 3) (i32.const 24)))
      (then
        (drop (call $prestat_dir_name (i32.const 3) (i32.const 8192) (i32.load (i32.const 28))))
        (call $print (i32.const 1) (i32.const 8192) (i32.load (i32.const 28)))))
    call $bench_end
    (call $exit (i32.const 7))))
"#;

#[test]
fn run_passes_args_env_and_dirs_and_exits_with_the_program_status() {
    let dir = scratch("wasi-echo");
    let m = write(&dir, "echo.wat", WASI_ECHO);
    let m = m.to_str().expect("utf-8 path");
    let host = dir.to_str().expect("utf-8 path");
    let guest_dir = format!("{host}::guest");
    let o = tern(&[
        "run", "--env", "A=1", "--env", "B=", "--dir", &guest_dir, m, "x", "--y", "-3",
    ]);
    assert_eq!(o.status.code(), Some(7), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), format!("{m}\0x\0--y\0-3\0A=1\0B=\0guest"));

    // No options: argv[0] only, no environment, no preopen.
    let o = tern(&["run", m]);
    assert_eq!(o.status.code(), Some(7), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), format!("{m}\0"));

    // `--dir HOST` is seen under the host's name.
    let o = tern(&["run", "--dir", host, m]);
    assert_eq!(stdout(&o), format!("{m}\0{host}"));

    let o = tern(&["run", "--dir", "/does/not/exist", m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/does/not/exist"), "{}", stderr(&o));
}

#[test]
fn run_keeps_stdout_and_stderr_in_order_and_reports_traps() {
    let dir = scratch("wasi-order");
    let m = write(
        &dir,
        "order.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "abc")
  (func $print (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $fail unreachable)
  (func (export "_start")
    (call $print (i32.const 1) (i32.const 100) (i32.const 1))
    (call $print (i32.const 2) (i32.const 101) (i32.const 1))
    (call $print (i32.const 1) (i32.const 102) (i32.const 1))
    call $fail))"#,
    );
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' run '{}' 2>&1",
            env!("CARGO_BIN_EXE_tern"),
            m.display()
        ))
        .output()
        .expect("run sh");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        // No newlines: a line-buffered stdout would print "b" first.
        out.starts_with("abcError: wasm trap: unreachable\nwasm backtrace:\n"),
        "{out}"
    );
    assert!(out.contains("fail"), "{out}");
}

#[test]
fn run_reactor_initializes_before_invoke() {
    let dir = scratch("reactor");
    let m = write(
        &dir,
        "reactor.wat",
        r#"(module
  (global $g (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $g (i32.const 41)))
  (func (export "get") (param i32) (result i32)
    (i32.add (global.get $g) (local.get 0))))"#,
    );
    let m = m.to_str().expect("utf-8 path");
    let o = tern(&["run", "--invoke", "get", m, "1"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "42\n");
    let o = tern(&["run", m]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn run_reports_an_uncaught_exception() {
    let dir = scratch("uncaught");
    let m = write(
        &dir,
        "m.wat",
        r#"(module
             (tag $e (param i32 f64))
             (func $inner (throw $e (i32.const 7) (f64.const 2.5)))
             (func (export "f") (call $inner)))"#,
    );
    let o = tern(&["run", m.to_str().expect("utf-8 path"), "--invoke", "f"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("uncaught wasm exception"), "stderr: {err}");
    assert!(err.contains("(param i32 f64)"), "stderr: {err}");
    assert!(err.contains("payload [7, 2.5]"), "stderr: {err}");
    assert!(err.contains("wasm backtrace"), "stderr: {err}");
}

const RUNAWAY: &str = r#"
(module
  (memory 2)
  (func (export "_start") (loop $l (br $l)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "count") (param i32) (result i32)
    (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 0)))"#;

#[test]
fn run_fuel_stops_a_runaway_program() {
    let dir = scratch("fuel");
    let wat = write(&dir, "runaway.wat", RUNAWAY);
    let out = tern(&["run", "--fuel", "10000", wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Error: wasm trap: all fuel consumed by WebAssembly"),
        "{err}"
    );
    assert!(err.contains("--fuel 10000"), "{err}");
    // Enough fuel for a finite call: it completes.
    let out = tern(&[
        "run",
        "--fuel",
        "10000",
        "--invoke",
        "count",
        wat.to_str().unwrap(),
        "100",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0\n");
}

#[test]
fn run_timeout_stops_a_runaway_program() {
    let dir = scratch("timeout");
    let wat = write(&dir, "runaway.wat", RUNAWAY);
    let out = tern(&["run", "--timeout", "200ms", wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("Error: wasm trap: interrupt"), "{err}");
    assert!(err.contains("--timeout 200ms"), "{err}");
    // A program that finishes in time is not disturbed.
    let out = tern(&[
        "run",
        "--timeout",
        "60s",
        "--invoke",
        "count",
        wat.to_str().unwrap(),
        "5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = tern(&["run", "--timeout", "5 parsecs", wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "bad duration is a usage error");
}

#[test]
fn run_max_memory_size_limits_memories() {
    let dir = scratch("maxmem");
    let wat = write(&dir, "runaway.wat", RUNAWAY);
    let out = tern(&["run", "--max-memory-size", "64K", wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("memory minimum size of 2 pages exceeds memory limits"),
        "{err}"
    );
    assert!(err.contains("--max-memory-size 65536"), "{err}");
    let w = wat.to_str().unwrap();
    let grow = |n: &str| {
        stdout(&tern(&[
            "run",
            "--max-memory-size",
            "256K",
            "--invoke",
            "grow",
            w,
            n,
        ]))
    };
    assert_eq!(grow("2"), "2\n", "2 -> 4 pages fits in 256 KiB");
    assert_eq!(grow("3"), "-1\n", "5 pages do not");
}
