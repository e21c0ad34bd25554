//! Regression tests for the translator's slot optimizations, each reduced
//! from a module on which Tern disagreed with V8 and wasmi.

use tern::{Engine, Linker, Module, Store};

fn run_i32(wat: &str) -> i32 {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    run.call(&mut store, ()).unwrap()
}

/// `local.set`/`local.tee` write a just-computed value straight into the
/// local by retargeting the instruction that computed it. The last
/// instruction here writes *reference* slot 1 (`global.get` of a funcref,
/// then dropped) while the value being stored sits in *value* slot 1: same
/// number, other frame. It must not be retargeted (found by the
/// differential fuzzer: crates/tern-fuzz/findings/i64-global-xor-off-by-one.wat).
#[test]
fn a_reference_result_is_not_retargeted_into_a_value_local() {
    let wat = r#"(module
      (global $f funcref (ref.func $g))
      (func $g)
      (func (export "run") (result i32)
        (local $x i32)
        ref.null func
        i32.const 7
        global.get $f
        drop
        local.tee $x
        drop
        drop
        local.get $x))"#;
    assert_eq!(run_i32(wat), 7);
}
