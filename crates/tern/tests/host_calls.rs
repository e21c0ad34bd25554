//! Calls of host functions made with `Func::wrap`, through every path the
//! interpreter has: from the threaded chain (`call` of an import runs a
//! pure function in its own handler; `call_indirect` and `call_ref` go
//! through the generic host call), from the loop (`return_call` of an
//! import, and every call in portable builds) and from the host. Pure
//! functions (no `Caller`) and functions with a `Caller` that re-enter
//! wasm and grow memory; results, errors with backtraces, exceptions.

use tern::{
    Caller, Engine, ErrorKind, ExnRef, Func, FuncType, Linker, Module, Store, Tag, TagType, Val,
    ValType,
};

/// The calls of `$h` (type `$t`) each way, as functions (and exports)
/// `call`, `indirect`, `ref` and `tail` (the last a `return_call`, which
/// the loop runs).
fn callers(params: &str, results: &str, args: &str) -> String {
    format!(
        r#"
          (type $t (func {params} {results}))
          (import "host" "h" (func $h (type $t)))
          (table 1 funcref)
          (elem (i32.const 0) $h)
          (elem declare func $h)
          (func $call (export "call") (type $t) (call $h {args}))
          (func $indirect (export "indirect") (type $t)
            (call_indirect (type $t) {args} (i32.const 0)))
          (func $ref (export "ref") (type $t) (call_ref $t {args} (ref.func $h)))
          (func $tail (export "tail") (type $t) (return_call $h {args}))"#
    )
}

const WAYS: [&str; 4] = ["call", "indirect", "ref", "tail"];

#[derive(Debug)]
struct Refused(i32);
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused {}", self.0)
    }
}
impl std::error::Error for Refused {}

/// A pure host function with several parameters and results of every
/// numeric type, called every way and directly from the host: the results
/// land in the right slots, and the wasm code after the call sees them.
#[test]
fn pure_host_function_with_many_results() {
    let engine = Engine::default();
    let wat = format!(
        "(module {})",
        callers(
            "(param i32 i64 f32 f64)",
            "(result f64 i32 i64 f32 i32)",
            "(local.get 0) (local.get 1) (local.get 2) (local.get 3)"
        )
    );
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "h", |a: i32, b: i64, c: f32, d: f64| {
            (d * 2.0, a + 1, b * 3, c + 0.5, a ^ b as i32)
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let args = (7, 1 << 40, 1.25f32, -3.5f64);
    let expected = (-7.0, 8, 3 << 40, 1.75f32, 7);
    for way in WAYS {
        let f = instance
            .get_typed_func::<(i32, i64, f32, f64), (f64, i32, i64, f32, i32)>(&mut store, way)
            .unwrap();
        for _ in 0..3 {
            assert_eq!(f.call(&mut store, args).unwrap(), expected, "{way}");
        }
    }
    let h = linker
        .get(&mut store, "host", "h")
        .and_then(|e| e.into_func())
        .unwrap();
    let h = h
        .typed::<(i32, i64, f32, f64), (f64, i32, i64, f32, i32)>(&store)
        .unwrap();
    assert_eq!(h.call(&mut store, args).unwrap(), expected);
}

/// A pure host function in a loop: the wasm code around the calls keeps
/// its state (the chain goes on with the same registers after the call).
#[test]
fn pure_host_function_in_a_loop() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "mix" (func $mix (param i32 i32) (result i32)))
          (memory 1)
          (func (export "run") (param $n i32) (result i32)
            (local $acc i32)
            (loop $l
              (local.set $acc (call $mix (local.get $acc) (local.get $n)))
              (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (local.get $acc)))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (i32.add (local.get $acc) (i32.load (i32.const 16)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mix = Func::wrap(&mut store, |acc: i32, n: i32| {
        acc.wrapping_mul(31).wrapping_add(n)
    });
    let instance = tern::Instance::new(&mut store, &module, &[mix.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    let (mut acc, mut sum) = (0i32, 0i32);
    for n in (1..=1000).rev() {
        acc = acc.wrapping_mul(31).wrapping_add(n);
        sum = sum.wrapping_add(acc);
    }
    assert_eq!(run.call(&mut store, 1000).unwrap(), acc.wrapping_add(sum));
}

/// A pure host function whose inlined body takes the address of a local
/// (which can keep its handler's dispatch from being a tail call), called
/// 200,000 times in one loop on a thread with a small native stack: the
/// chain must not grow the native stack per call.
#[test]
fn pure_host_calls_in_a_chain_run_in_bounded_stack() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "f" (func $f (param i32) (result i32)))
          (func (export "run") (param $n i32) (result i32)
            (local $acc i32)
            (loop $l
              (local.set $acc (call $f (local.get $acc)))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $acc)))"#,
    )
    .unwrap();
    let run = move || {
        let mut store = Store::new(&engine, ());
        let f = Func::wrap(&mut store, |x: i32| {
            let mut buf = [x as u8; 256];
            std::hint::black_box(&mut buf);
            x + 1 + i32::from(buf[255] != x as u8)
        });
        let instance = tern::Instance::new(&mut store, &module, &[f.into()]).unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, 200_000).unwrap(), 200_000);
    };
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

/// Errors of pure host functions propagate unchanged every way (also
/// through a wasm caller of the caller), and the store stays usable.
#[test]
fn pure_host_errors_propagate() {
    let engine = Engine::default();
    let wat = format!(
        r#"(module {}
          (func (export "outer") (param i32) (result i32) (call $h (local.get 0))))"#,
        callers("(param i32)", "(result i32)", "(local.get 0)")
    );
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "h", |x: i32| -> tern::Result<i32> {
            if x < 0 {
                Err(tern::Error::host(Refused(x)))
            } else {
                Ok(x * 2)
            }
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    for way in WAYS.into_iter().chain(["outer"]) {
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, way)
            .unwrap();
        assert_eq!(f.call(&mut store, 21).unwrap(), 42, "{way}");
        let err = f.call(&mut store, -5).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Host, "{way}");
        assert_eq!(
            err.downcast_ref::<Refused>().map(|e| e.0),
            Some(-5),
            "{way}"
        );
        assert_eq!(f.call(&mut store, 4).unwrap(), 8, "{way}");
    }
}

/// An exception a pure host function throws (captured beforehand) is
/// caught by the wasm caller's handler, every way.
#[test]
fn pure_host_functions_throw_to_wasm() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(
        &mut store,
        &TagType::new(FuncType::new(&engine, [ValType::I32], [])),
    )
    .unwrap();
    let exn = ExnRef::new(&mut store, &tag, &[Val::I32(99)]).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "tag", tag).unwrap();
    linker
        .func_wrap("host", "h", move |x: i32| -> tern::Result<i32> {
            if x == 0 {
                Err(tern::Error::throw(exn.clone()))
            } else {
                Ok(x + 1)
            }
        })
        .unwrap();
    let wat = format!(
        r#"(module
          (import "host" "tag" (tag $e (param i32)))
          {}
          (func $tail_call (param i32) (result i32) (return_call $h (local.get 0)))
          ;; Each way inside a handler: the exception's payload, or the
          ;; call's result.
          (func (export "catch") (param $way i32) (param $x i32) (result i32)
            (block $caught (result i32)
              (try_table (result i32) (catch $e $caught)
                (block $d (block $c (block $b (block $a
                  (br_table $a $b $c $d (local.get $way)))
                  (return (call $h (local.get $x))))
                  (return (call_indirect (type $t) (local.get $x) (i32.const 0))))
                  (return (call_ref $t (local.get $x) (ref.func $h))))
                (call $tail_call (local.get $x)))))
        )"#,
        callers("(param i32)", "(result i32)", "(local.get 0)")
    );
    let module = Module::new(&engine, &wat).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let catch = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "catch")
        .unwrap();
    for way in 0..4 {
        assert_eq!(catch.call(&mut store, (way, 5)).unwrap(), 6, "way {way}");
        assert_eq!(catch.call(&mut store, (way, 0)).unwrap(), 99, "way {way}");
    }
    // Uncaught, it reaches the host as the exception, with the wasm
    // frames it unwound in its backtrace (none for the tail call, whose
    // frame was gone).
    for way in WAYS {
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, way)
            .unwrap();
        let err = f.call(&mut store, 0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Exception, "{way}");
        let exn = err.into_exception().unwrap();
        assert_eq!(exn.field(&mut store, 0).unwrap().i32(), Some(99));
        let names: Vec<_> = f
            .call(&mut store, 0)
            .unwrap_err()
            .backtrace()
            .iter()
            .map(|f| f.func_name.clone().unwrap_or_default())
            .collect();
        let expected: &[&str] = if way == "tail" { &[] } else { &[way] };
        assert_eq!(names, expected, "{way}");
        assert_eq!(f.call(&mut store, 1).unwrap(), 2, "{way}");
    }
}

/// A host function with a `Caller` re-enters wasm, which grows memory 0
/// and recurses deeply (moving the interpreter stacks), every way; after
/// the call, the caller stores through its memory view into the new page
/// and reads its own locals: both must be the current ones.
#[test]
fn caller_host_function_reenters_and_grows_memory_every_way() {
    let engine = Engine::default();
    let wat = format!(
        r#"(module
          {}
          (memory (export "memory") 1)
          (func $deep (export "deep") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (drop (memory.grow (i32.const 1))) (memory.size))
              (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
          ;; Calls the host way `$way` (the `tail` export for 3) with a live
          ;; local around it; stores the result at the end of the newest
          ;; page and reads it back.
          (func (export "run") (param $way i32) (param $x i32) (result i32)
            (local $keep i32) (local $r i32) (local $addr i32)
            (local.set $keep (i32.mul (local.get $x) (i32.const 1000)))
            (block $d (block $c (block $b (block $a
              (br_table $a $b $c $d (local.get $way)))
              (local.set $r (call $h (local.get $x))) (br $d))
              (local.set $r (call_indirect (type $t) (local.get $x) (i32.const 0))) (br $d))
              (local.set $r (call_ref $t (local.get $x) (ref.func $h))))
            (if (i32.eq (local.get $way) (i32.const 3))
              (then (local.set $r (call $tail (local.get $x)))))
            (local.set $addr (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
            (i32.store (local.get $addr) (i32.add (local.get $r) (local.get $keep)))
            (i32.load (local.get $addr))))"#,
        callers("(param i32)", "(result i32)", "(local.get 0)")
    );
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "h",
            |mut caller: Caller<'_, u32>, x: i32| -> tern::Result<i32> {
                *caller.data_mut() += 1;
                let deep = caller
                    .get_export("deep")
                    .and_then(|e| e.into_func())
                    .ok_or_else(|| tern::Error::msg("no deep"))?;
                let deep = deep.typed::<i32, i32>(&caller)?;
                // Deep enough to grow the stacks several times; returns
                // the memory size after growing it by a page.
                let pages = deep.call(&mut caller, 30_000)? - 30_000;
                Ok(pages * 10 + x)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "run")
        .unwrap();
    let mut pages = 1;
    for round in 0..2 {
        for way in 0..4 {
            pages += 1;
            let x = 3 + way + round;
            let expected = pages * 10 + x + x * 1000;
            assert_eq!(
                run.call(&mut store, (way, x)).unwrap(),
                expected,
                "way {way}"
            );
        }
    }
    assert_eq!(*store.data(), 8);
    // The `tail` export on its own: the host call replaces its frame.
    let tail = instance
        .get_typed_func::<i32, i32>(&mut store, "tail")
        .unwrap();
    assert_eq!(tail.call(&mut store, 1).unwrap(), (pages + 1) * 10 + 1);
}
