//! Calls: tail calls in constant space, the call depth limit, host calls
//! and re-entrancy, traps with backtraces.

use tern::{Caller, Config, Engine, ErrorKind, Linker, Module, Store, Trap};

fn engine_with_depth(depth: usize) -> Engine {
    let mut config = Config::new();
    config.max_call_depth(depth);
    Engine::new(&config).unwrap()
}

/// Compiles `wat` (no imports), instantiates it and returns a typed export.
fn typed_export<P: tern::WasmParams, R: tern::WasmResults>(
    engine: &Engine,
    wat: &str,
    name: &str,
) -> (Store<()>, tern::TypedFunc<P, R>) {
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<P, R>(&mut store, name).unwrap();
    (store, f)
}

#[test]
fn tail_recursion_runs_in_constant_frames() {
    // With a call depth limit of 100 frames, ten million tail calls only
    // succeed if each one replaces its frame.
    let engine = engine_with_depth(100);
    let module = Module::new(
        &engine,
        r#"(module
          (func $count (export "count") (param $n i64) (param $acc i64) (result i64)
            (if (result i64) (i64.eqz (local.get $n))
              (then (local.get $acc))
              (else (return_call $count (i64.sub (local.get $n) (i64.const 1))
                                        (i64.add (local.get $acc) (i64.const 2)))))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let count = instance
        .get_typed_func::<(i64, i64), i64>(&mut store, "count")
        .unwrap();
    assert_eq!(count.call(&mut store, (10_000_000, 0)).unwrap(), 20_000_000);
}

#[test]
fn deep_recursion_traps_at_the_configured_limit() {
    let wat = r#"(module
      (func $down (export "down") (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1))))))))"#;
    let (mut store, down) = typed_export::<i32, i32>(&engine_with_depth(1000), wat, "down");
    assert_eq!(down.call(&mut store, 500).unwrap(), 500);
    let err = down.call(&mut store, 5000).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow));
    assert!(err.to_string().contains("call stack exhausted"), "{err}");
    // The store stays usable after the trap.
    assert_eq!(down.call(&mut store, 10).unwrap(), 10);

    // The default limit handles a million-deep recursion without a native
    // stack overflow: it either completes or traps cleanly.
    let (mut store, down) = typed_export::<i32, i32>(&Engine::default(), wat, "down");
    let err = down.call(&mut store, 1_000_000).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow));
}

#[test]
fn host_calls_and_reentrancy() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "twice" (func $twice (param i32) (result i32)))
          (func $inc (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
          (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "twice",
            |mut caller: Caller<'_, u32>, x: i32| -> tern::Result<i32> {
                *caller.data_mut() += 1;
                let inc = caller
                    .get_export("inc")
                    .and_then(|e| e.into_func())
                    .ok_or_else(|| tern::Error::msg("no inc"))?;
                let inc = inc.typed::<i32, i32>(&caller)?;
                let once = inc.call(&mut caller, x)?;
                inc.call(&mut caller, once)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 40).unwrap(), 42);
    assert_eq!(*store.data(), 1);
}

#[derive(Debug)]
struct MyError(u32);
impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "my error {}", self.0)
    }
}
impl std::error::Error for MyError {}

#[test]
fn host_errors_propagate_unchanged() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "fail" (func $f)) (func (export "run") (call $f)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "fail", || -> tern::Result<()> {
            Err(tern::Error::host(MyError(7)))
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Host);
    assert_eq!(err.downcast_ref::<MyError>().map(|e| e.0), Some(7));
}

#[test]
fn traps_carry_a_backtrace() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (func $inner (unreachable))
          (func $outer (export "outer") (call $inner)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let outer = instance
        .get_typed_func::<(), ()>(&mut store, "outer")
        .unwrap();
    let err = outer.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::UnreachableCodeReached));
    let names: Vec<_> = err
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", "outer"]);
}
