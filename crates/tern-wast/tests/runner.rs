//! Tests of the script runner itself on small inline scripts: every
//! directive kind is counted exactly once, as passed or failed.

use tern_wast::{FileReport, WastContext, with_large_stack};

fn run(text: &str) -> FileReport {
    let text = text.to_string();
    with_large_stack(move || WastContext::new().run_str("inline.wast", &text))
        .unwrap_or_else(|p| panic!("runner panicked: {p}"))
}

fn assert_all_pass(report: &FileReport) {
    assert!(report.ok(), "unexpected failures: {:#?}", report.failures);
}

#[test]
fn numbers_and_nan_patterns() {
    let r = run(r#"
        (module
          (func (export "add") (param i32 i32) (result i32)
            local.get 0 local.get 1 i32.add)
          (func (export "wide") (param i64) (result i64) local.get 0)
          (func (export "nan32") (result f32) f32.const nan)
          (func (export "nan64") (result f64) f64.const nan:0x8000000000001)
          (func (export "pair") (result f32 f64) f32.const 1.5 f64.const -0))
        (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
        (assert_return (invoke "wide" (i64.const -7)) (i64.const -7))
        (assert_return (invoke "nan32") (f32.const nan:canonical))
        (assert_return (invoke "nan32") (f32.const nan:arithmetic))
        (assert_return (invoke "nan64") (f64.const nan:arithmetic))
        (assert_return (invoke "pair") (f32.const 1.5) (f64.const -0))
        (assert_return (invoke "add" (i32.const 1) (i32.const 1))
          (either (i32.const 1) (i32.const 2)))
        (invoke "add" (i32.const 0) (i32.const 0))
    "#);
    assert_all_pass(&r);
    assert_eq!(r.passed, 9);
}

#[test]
fn mismatches_are_failures_with_positions() {
    let r = run(r#"(module (func (export "one") (result i32) i32.const 1))
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "missing"))
(assert_return (invoke "one") (f32.const nan:canonical))
"#);
    assert_eq!((r.passed, r.failed), (1, 3));
    assert_eq!((r.failures[0].line, r.failures[0].col), (2, 2));
    assert_eq!(r.failures[0].expected, "(i32.const 2)");
    assert_eq!(r.failures[0].got, "(i32.const 1)");
    assert_eq!(r.failures[1].line, 3);
}

#[test]
fn traps_and_exhaustion() {
    let r = run(r#"
        (module
          (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s)
          (func $rec (export "rec") call $rec)
          (func (export "unreachable") unreachable))
        (assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
        (assert_trap (invoke "unreachable") "unreachable")
        (assert_exhaustion (invoke "rec") "call stack exhausted")
        (assert_trap (module (func $s unreachable) (start $s)) "unreachable")
    "#);
    assert_all_pass(&r);
    assert_eq!(r.passed, 5);

    let r = run(r#"
        (module (func (export "ok") (result i32) i32.const 0))
        (assert_trap (invoke "ok") "unreachable")
    "#);
    assert_eq!((r.passed, r.failed), (1, 1));
}

#[test]
fn invalid_malformed_unlinkable() {
    let r = run(r#"
        (assert_invalid (module (func (result i32) i64.const 0)) "type mismatch")
        (assert_malformed (module quote "(func (result i32) i32.const)") "unexpected token")
        (assert_malformed (module quote "(module (fnuc))") "unknown operator")
        (assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
        (assert_unlinkable (module (import "spectest" "nope" (func))) "unknown import")
        (assert_unlinkable (module (import "spectest" "print_i32" (func (param i64))))
          "incompatible import type")
    "#);
    assert_all_pass(&r);
    assert_eq!(r.passed, 6);

    // A valid module under assert_invalid is a failure.
    let r = run(r#"(assert_invalid (module (func)) "type mismatch")"#);
    assert_eq!((r.passed, r.failed), (0, 1));
}

#[test]
fn spectest_register_and_named_modules() {
    let r = run(r#"
        (module $A
          (import "spectest" "print_i32" (func $p (param i32)))
          (import "spectest" "global_i32" (global $g i32))
          (import "spectest" "table" (table 10 funcref))
          (import "spectest" "memory" (memory 1))
          (global (export "g") i32 (global.get $g))
          (func (export "f") (result i32) (call $p (i32.const 1)) (global.get $g)))
        (register "a" $A)
        (module $B
          (import "a" "f" (func $f (result i32)))
          (func (export "g") (result i32) (call $f)))
        (assert_return (invoke $A "f") (i32.const 666))
        (assert_return (invoke "g") (i32.const 666))
        (assert_return (get $A "g") (i32.const 666))
        (module definition $D (func (export "h") (result i32) i32.const 7))
        (module instance $I $D)
        (assert_return (invoke $I "h") (i32.const 7))
        (module quote "(func (export \"q\") (result i32) i32.const 9)")
        (assert_return (invoke "q") (i32.const 9))
        (module binary "\00asm\01\00\00\00")
    "#);
    assert_all_pass(&r);
    assert_eq!(r.passed, 12);
}

#[test]
fn references() {
    let r = run(r#"
        (module
          (func $f)
          (elem declare func $f)
          (func (export "null") (result funcref) ref.null func)
          (func (export "func") (result funcref) ref.func $f)
          (func (export "ext") (param externref) (result externref) local.get 0)
          (func (export "any") (param anyref) (result anyref) local.get 0))
        (assert_return (invoke "null") (ref.null func))
        (assert_return (invoke "null") (ref.null))
        (assert_return (invoke "func") (ref.func))
        (assert_return (invoke "ext" (ref.extern 3)) (ref.extern 3))
        (assert_return (invoke "ext" (ref.extern 3)) (ref.extern))
        (assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
        (assert_return (invoke "any" (ref.host 4)) (ref.host 4))
        (assert_return (invoke "any" (ref.host 4)) (ref.any))
        (assert_return (invoke "any" (ref.null any)) (ref.null any))
    "#);
    assert_all_pass(&r);
    assert_eq!(r.passed, 10);

    let r = run(r#"
        (module (func (export "ext") (param externref) (result externref) local.get 0))
        (assert_return (invoke "ext" (ref.extern 3)) (ref.extern 4))
        (assert_return (invoke "ext" (ref.null extern)) (ref.null func))
    "#);
    assert_eq!((r.passed, r.failed), (1, 2));
}

#[test]
fn gc_patterns() {
    let r = run(r#"
        (module
          (type $s (struct (field i32)))
          (type $a (array i8))
          (func (export "i31") (result anyref) (ref.i31 (i32.const 5)))
          (func (export "struct") (result anyref) (struct.new $s (i32.const 1)))
          (func (export "array") (result anyref) (array.new_default $a (i32.const 1))))
        (assert_return (invoke "i31") (ref.i31))
        (assert_return (invoke "i31") (ref.eq))
        (assert_return (invoke "i31") (ref.any))
        (assert_return (invoke "struct") (ref.struct))
        (assert_return (invoke "struct") (ref.eq))
        (assert_return (invoke "array") (ref.array))
    "#);
    assert_all_pass(&r);

    let r = run(r#"
        (module (func (export "i31") (result anyref) (ref.i31 (i32.const 5))))
        (assert_return (invoke "i31") (ref.struct))
        (assert_return (invoke "i31") (ref.array))
    "#);
    assert_eq!((r.passed, r.failed), (1, 2));
}

#[test]
fn unsupported_directives_are_failures() {
    let r = run(r#"
        (module (func (export "f")))
        (thread $T (invoke "f"))
        (wait $T)
    "#);
    assert_eq!((r.passed, r.failed), (1, 2));
    assert!(r.failures.iter().all(|f| f.got.contains("unsupported")));
}

#[test]
fn assert_exception_needs_an_uncaught_exception() {
    let r = run(r#"
        (module
          (tag $e (param i32))
          (func (export "throw") (throw $e (i32.const 1)))
          (func (export "trap") unreachable)
          (func (export "ok")))
        (assert_exception (invoke "throw"))
        (assert_exception (invoke "trap"))
        (assert_exception (invoke "ok"))
        (assert_trap (invoke "throw") "unreachable")
    "#);
    assert_eq!((r.passed, r.failed), (2, 3));
}

#[test]
fn parse_errors_count_once() {
    let r = run("(module (func)) (assert_return (invoke \"f\"");
    assert_eq!((r.passed, r.failed), (0, 1));
    assert!(r.failures[0].got.contains("parse error"));
}
