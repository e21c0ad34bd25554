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

/// A host function called through `call`, `call_indirect` and `call_ref`
/// re-enters wasm, which recurses deeply (the interpreter stacks grow and
/// move) and grows memory 0; the caller's frame and memory view after the
/// call must be the new ones (the host records what the wasm code stored
/// at address 8 after the previous call: a store through a stale view
/// would not reach the memory).
#[test]
fn host_calls_see_moved_stacks_and_grown_memory() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (type $hook (func (param i32) (result i32)))
          (import "host" "hook" (func $hook (type $hook)))
          (memory (export "memory") 1)
          (table 1 funcref)
          (elem (i32.const 0) $hook)
          (elem declare func $hook)
          (func $deep (export "deep") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (drop (memory.grow (i32.const 1))) (memory.size))
              (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
          ;; Calls the hook three ways per round; each call grows memory by
          ;; a page, and the result is stored in the newest page.
          (func (export "run") (param $n i32) (result i32)
            (local $acc i32) (local $x i32) (local $addr i32)
            (loop $l
              (local.set $x (call $hook (local.get $n)))
              (i32.store (i32.const 8) (local.get $x))
              (local.set $x (i32.add (local.get $x)
                (call_indirect (type $hook) (local.get $n) (i32.const 0))))
              (i32.store (i32.const 8) (local.get $x))
              (local.set $x (i32.add (local.get $x)
                (call_ref $hook (local.get $n) (ref.func $hook))))
              (i32.store (i32.const 8) (local.get $x))
              (local.set $addr (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
              (i32.store (local.get $addr) (local.get $x))
              (local.set $acc (i32.add (local.get $acc) (i32.load (local.get $addr))))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $acc)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "hook",
            |mut caller: Caller<'_, Vec<i32>>, n: i32| -> tern::Result<i32> {
                let memory = caller
                    .get_export("memory")
                    .and_then(|e| e.into_memory())
                    .ok_or_else(|| tern::Error::msg("no memory"))?;
                let mut seen = [0; 4];
                memory.read(&caller, 8, &mut seen)?;
                caller.data_mut().push(i32::from_le_bytes(seen));
                let deep = caller
                    .get_export("deep")
                    .and_then(|e| e.into_func())
                    .ok_or_else(|| tern::Error::msg("no deep"))?;
                let deep = deep.typed::<i32, i32>(&caller)?;
                // Deep enough to grow the stacks several times.
                let pages = deep.call(&mut caller, 20_000 + n)? - 20_000 - n;
                Ok(pages + n)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    // Round k (n = 5 - k + 1) makes pages 3k - 1, 3k, 3k + 1 (memory
    // starts with 1), each hook result pages + n.
    let (mut seen, mut stored, mut acc) = (vec![], 0, 0);
    for k in 1..=5 {
        let n = 6 - k;
        let mut x = 0;
        for page in [3 * k - 1, 3 * k, 3 * k + 1] {
            seen.push(stored);
            x += page + n;
            stored = x;
        }
        acc += x;
    }
    assert_eq!(run.call(&mut store, 5).unwrap(), acc);
    assert_eq!(*store.data(), seen);
}
