//! Stopping untrusted code through the public API: fuel (exact and
//! deterministic, refuel and retry) and epoch deadlines (set from another
//! thread, trap or callback), each against an infinite loop, an infinite
//! (tail) recursion, a huge `memory.fill` and an unbounded allocation loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use tern::{Config, Engine, ErrorKind, Linker, Module, Store, Trap, UpdateDeadline};

fn engine(fuel: bool, epochs: bool) -> Engine {
    let mut config = Config::new();
    config.consume_fuel(fuel).epoch_interruption(epochs);
    Engine::new(&config).unwrap()
}

/// Instantiates `wat` (no imports) in a fresh store.
fn instance(engine: &Engine, wat: &str) -> (Store<()>, tern::Instance) {
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, instance)
}

/// Programs that never finish on their own.
const RUNAWAY: &str = r#"(module
  (memory 1)
  (memory $big 65536)
  (type $bytes (array (mut i8)))
  (func (export "loop") (loop $l (br $l)))
  (func $rec (export "recurse") (return_call $rec))
  (func (export "fill_4g") (memory.fill $big (i32.const 0) (i32.const 0) (i32.const -1)))
  (func (export "fill_forever")
    (loop $l (memory.fill (i32.const 0) (i32.const 7) (i32.const 65536)) (br $l)))
  (func (export "alloc_forever") (local $keep (ref null $bytes))
    (loop $l
      (local.set $keep (array.new_default $bytes (i32.const 100000)))
      (br $l)))
  (func (export "finite") (result i32) (i32.const 42)))"#;

const RUNAWAY_EXPORTS: [&str; 5] = [
    "loop",
    "recurse",
    "fill_4g",
    "fill_forever",
    "alloc_forever",
];

#[test]
fn fuel_stops_every_runaway_and_refuel_retries() {
    let engine = engine(true, false);
    let (mut store, inst) = instance(&engine, RUNAWAY);
    for name in RUNAWAY_EXPORTS {
        store.set_fuel(1_000_000).unwrap();
        let f = inst.get_typed_func::<(), ()>(&mut store, name).unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::OutOfFuel), "{name}: {err}");
        assert_eq!(
            err.to_string().lines().next(),
            Some("wasm trap: all fuel consumed by WebAssembly")
        );
        assert_eq!(store.get_fuel().unwrap(), 0, "{name}");
    }
    // The store is still usable: without fuel nothing runs, with fuel the
    // same store runs a finite function.
    let finite = inst
        .get_typed_func::<(), i32>(&mut store, "finite")
        .unwrap();
    let err = finite.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::OutOfFuel));
    store.set_fuel(10).unwrap();
    assert_eq!(finite.call(&mut store, ()).unwrap(), 42);
    assert_eq!(store.get_fuel().unwrap(), 8, "entry + i32.const");
}

/// Fuel consumed by whole calls, against the counts Wasmtime 50.0.1 (the
/// `wasmtime` Python package, `Config.consume_fuel`) reports for the same
/// modules and calls.
#[test]
fn fuel_consumed_matches_wasmtime() {
    let engine = engine(true, false);
    let (mut store, inst) = instance(
        &engine,
        r#"(module
          (func $fib (export "fib") (param $n i32) (result i32)
            (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
              (then (local.get $n))
              (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                             (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
          (func (export "sum") (param $n i32) (result i32) (local $acc i32)
            (block $done
              (loop $top
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (i32.add (local.get $acc) (local.get $n)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $top)))
            (local.get $acc))
          (func (export "branchy") (param $n i32) (result i32) (local $i i32) (local $x i32)
            (loop $l
              (block $b (block $a
                (br_table $a $b (i32.and (local.get $i) (i32.const 1))))
                (local.set $x (i32.add (local.get $x) (i32.const 3)))
                (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                    (local.get $n)))
                (return (local.get $x)))
              (local.set $x (i32.mul (local.get $x) (i32.const 2)))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (local.get $n))))
            (select (local.get $x) (i32.const -1) (i32.ge_s (local.get $x) (i32.const 0)))))"#,
    );
    let cases: [(&str, i32, i32, u64); 8] = [
        ("fib", 0, 0, 6),
        ("fib", 1, 1, 6),
        ("fib", 10, 55, 1766),
        ("sum", 0, 0, 5),
        ("sum", 100, 5050, 1205),
        ("branchy", 1, 3, 17),
        ("branchy", 7, 45, 107),
        ("branchy", 100, -1, 1507),
    ];
    for (name, arg, result, fuel) in cases {
        let f = inst.get_typed_func::<i32, i32>(&mut store, name).unwrap();
        // Twice: consumption is deterministic.
        for _ in 0..2 {
            store.set_fuel(1_000_000).unwrap();
            assert_eq!(f.call(&mut store, arg).unwrap(), result, "{name}({arg})");
            let used = 1_000_000 - store.get_fuel().unwrap();
            assert_eq!(used, fuel, "{name}({arg})");
        }
    }
}

/// Size-proportional charges, against Wasmtime 50.0.1's counts.
#[test]
fn bulk_work_costs_fuel_in_proportion() {
    let engine = engine(true, false);
    let pre = r#"(memory 1) (table 200 funcref) (type $a (array (mut i32)))
        (data $d "0123456789012345678901234567890123456789") (elem $e func 0 0 0 0 0 0 0 0 0 0)"#;
    let cases = [
        ("i32.const 0 i32.const 0 i32.const 100 memory.copy", 105),
        ("i32.const 0 i32.const 0 i32.const 1000 memory.copy", 1005),
        ("i32.const 0 i32.const 0 i32.const 60000 memory.fill", 60005),
        ("i32.const 3 memory.grow drop", 6),
        ("i32.const 0 i32.const 0 i32.const 40 memory.init $d", 46),
        ("i32.const 0 ref.null func i32.const 100 table.fill", 106),
        ("i32.const 0 i32.const 50 i32.const 100 table.copy", 106),
        ("ref.null func i32.const 10 table.grow drop", 15),
        ("i32.const 0 i32.const 0 i32.const 10 table.init $e", 16),
        ("i32.const 0 i32.const 100 array.new $a drop", 105),
        ("i32.const 1000 array.new_default $a drop", 1004),
        (
            "i32.const 0 i32.const 0 i32.const 0 array.new_fixed $a 3 drop",
            6,
        ),
        ("i32.const 0 i32.const 10 array.new_data $a $d drop", 15),
        (
            "i32.const 100 array.new_default $a i32.const 0 i32.const 7 i32.const 100 array.fill $a",
            208,
        ),
        (
            "i32.const 100 array.new_default $a i32.const 0 i32.const 0 i32.const 10 \
             array.init_data $a $d",
            118,
        ),
    ];
    for (body, fuel) in cases {
        let wat = format!("(module {pre} (func (export \"f\") {body}))");
        let (mut store, inst) = instance(&engine, &wat);
        let f = inst.get_typed_func::<(), ()>(&mut store, "f").unwrap();
        store.set_fuel(1_000_000).unwrap();
        f.call(&mut store, ()).unwrap();
        assert_eq!(1_000_000 - store.get_fuel().unwrap(), fuel, "{body}");
    }
}

#[test]
fn fuel_needs_the_config() {
    let engine = engine(false, false);
    let mut store = Store::new(&engine, ());
    let err = store.set_fuel(1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert!(err.to_string().contains("fuel is not configured"), "{err}");
    assert!(store.get_fuel().is_err());
}

/// Runs `name` while another thread advances the epoch every millisecond;
/// returns the call's error.
fn interrupted_by_timer(
    engine: &Engine,
    store: &mut Store<()>,
    inst: &tern::Instance,
    name: &str,
) -> tern::Error {
    let done = Arc::new(AtomicBool::new(false));
    let timer = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
                engine.increment_epoch();
            }
        })
    };
    store.set_epoch_deadline(5);
    let f = inst.get_typed_func::<(), ()>(&mut *store, name).unwrap();
    let err = f.call(&mut *store, ()).unwrap_err();
    done.store(true, Ordering::Relaxed);
    timer.join().unwrap();
    err
}

#[test]
fn epoch_deadline_from_another_thread_stops_every_runaway() {
    let engine = engine(false, true);
    let (mut store, inst) = instance(&engine, RUNAWAY);
    for name in RUNAWAY_EXPORTS {
        // `fill_4g` is a single `memory.fill` of 4 GiB: it checks the
        // deadline between pieces.
        let err = interrupted_by_timer(&engine, &mut store, &inst, name);
        assert_eq!(err.as_trap(), Some(Trap::Interrupt), "{name}: {err}");
        assert_eq!(err.to_string().lines().next(), Some("wasm trap: interrupt"));
    }
    // Usable again with a new deadline.
    store.set_epoch_deadline(1000);
    let finite = inst
        .get_typed_func::<(), i32>(&mut store, "finite")
        .unwrap();
    assert_eq!(finite.call(&mut store, ()).unwrap(), 42);
}

#[test]
fn default_epoch_deadline_traps_at_once_like_wasmtime() {
    let engine = engine(false, true);
    let module = Module::new(&engine, RUNAWAY).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let finite = inst
        .get_typed_func::<(), i32>(&mut store, "finite")
        .unwrap();
    let err = finite.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::Interrupt));
    store.set_epoch_deadline(1);
    assert_eq!(finite.call(&mut store, ()).unwrap(), 42);
}

#[test]
fn epoch_callback_extends_the_deadline_then_interrupts() {
    let engine = engine(false, true);
    let (mut store, inst) = instance(&engine, RUNAWAY);
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    store.epoch_deadline_callback(move |_| {
        if seen.fetch_add(1, Ordering::Relaxed) < 3 {
            Ok(UpdateDeadline::Continue(1))
        } else {
            Ok(UpdateDeadline::Interrupt)
        }
    });
    let err = interrupted_by_timer(&engine, &mut store, &inst, "loop");
    assert_eq!(err.as_trap(), Some(Trap::Interrupt), "{err}");
    assert_eq!(calls.load(Ordering::Relaxed), 4);

    // An error from the callback ends the call with that error.
    store.epoch_deadline_callback(|_| Err(tern::Error::msg("plugin over budget")));
    let err = interrupted_by_timer(&engine, &mut store, &inst, "recurse");
    assert!(err.to_string().contains("plugin over budget"), "{err}");

    // Back to trapping.
    store.epoch_deadline_trap();
    let err = interrupted_by_timer(&engine, &mut store, &inst, "fill_forever");
    assert_eq!(err.as_trap(), Some(Trap::Interrupt), "{err}");
}

#[test]
fn fuel_and_epochs_together() {
    let engine = engine(true, true);
    let (mut store, inst) = instance(&engine, RUNAWAY);
    store.set_fuel(u64::MAX).unwrap();
    let err = interrupted_by_timer(&engine, &mut store, &inst, "loop");
    assert_eq!(err.as_trap(), Some(Trap::Interrupt));
    store.set_fuel(1000).unwrap();
    store.set_epoch_deadline(1_000_000);
    let f = inst
        .get_typed_func::<(), ()>(&mut store, "recurse")
        .unwrap();
    assert_eq!(
        f.call(&mut store, ()).unwrap_err().as_trap(),
        Some(Trap::OutOfFuel)
    );
}

const SLICED: &str = r#"(module
  (type $node (struct (field $v i64) (field $next (ref null $node))))
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                     (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  ;; Builds a list of n nodes (kept only in a local while it grows), then sums it.
  (func (export "list_sum") (param $n i64) (result i64)
    (local $list (ref null $node)) (local $sum i64)
    (block $built (loop $build
      (br_if $built (i64.eqz (local.get $n)))
      (local.set $list (struct.new $node (local.get $n) (local.get $list)))
      (local.set $n (i64.sub (local.get $n) (i64.const 1)))
      (br $build)))
    (block $done (loop $walk
      (br_if $done (ref.is_null (local.get $list)))
      (local.set $sum (i64.add (local.get $sum) (struct.get $node $v (local.get $list))))
      (local.set $list (struct.get $node $next (local.get $list)))
      (br $walk)))
    (local.get $sum)))"#;

/// Runs `f(arg)` resumably in slices of `slice` fuel, running `between`
/// after every slice; returns the result and the number of slices.
fn run_sliced(
    store: &mut Store<()>,
    f: &tern::Func,
    arg: i64,
    slice: u64,
    mut between: impl FnMut(&mut Store<()>),
) -> (i64, usize) {
    let mut out = [tern::Val::I64(0)];
    store.set_fuel(slice).unwrap();
    let mut call = f
        .call_resumable(&mut *store, &[tern::Val::I64(arg)], &mut out)
        .unwrap();
    let mut slices = 1;
    while let tern::ResumableCall::OutOfFuel(inv) = call {
        assert!(inv.required_fuel() > 0 && inv.required_fuel() <= slice);
        between(store);
        store.set_fuel(slice).unwrap();
        call = inv.resume(&mut *store, &mut out).unwrap();
        slices += 1;
    }
    (out[0].i64().unwrap(), slices)
}

#[test]
fn resumable_calls_finish_with_the_right_result_and_the_same_fuel() {
    let engine = engine(true, false);
    let (mut store, inst) = instance(&engine, SLICED);
    let fib = inst.get_func(&mut store, "fib").unwrap();
    // All at once: the reference result and fuel.
    store.set_fuel(u64::MAX).unwrap();
    let typed = fib.typed::<i64, i64>(&store).unwrap();
    assert_eq!(typed.call(&mut store, 20).unwrap(), 6765);
    let whole = u64::MAX - store.get_fuel().unwrap();
    // In slices of 50: parked and resumed hundreds of times, deep in the
    // recursion; the slices add up to the same fuel.
    let mut used = 0;
    let (result, slices) = run_sliced(&mut store, &fib, 20, 50, |s| {
        used += 50 - s.get_fuel().unwrap()
    });
    used += 50 - store.get_fuel().unwrap();
    assert_eq!(result, 6765);
    assert!(slices > 100, "{slices} slices");
    assert_eq!(used, whole);
}

#[test]
fn parked_calls_keep_their_references_alive_across_collections() {
    let engine = engine(true, false);
    let (mut store, inst) = instance(&engine, SLICED);
    let list_sum = inst.get_func(&mut store, "list_sum").unwrap();
    let fib = inst.get_typed_func::<i64, i64>(&mut store, "fib").unwrap();
    // Between slices: another call on the same store, and a collection
    // (which may move objects: the parked frames are roots).
    let (sum, slices) = run_sliced(&mut store, &list_sum, 2000, 300, |s| {
        s.set_fuel(1_000_000).unwrap();
        assert_eq!(fib.call(&mut *s, 10).unwrap(), 55);
        s.gc().unwrap();
    });
    assert_eq!(sum, 2000 * 2001 / 2);
    assert!(slices > 10, "{slices} slices");
}

#[test]
fn two_parked_calls_interleave() {
    let engine = engine(true, false);
    let (mut store, inst) = instance(&engine, SLICED);
    let fib = inst.get_func(&mut store, "fib").unwrap();
    let list_sum = inst.get_func(&mut store, "list_sum").unwrap();
    let (mut a_out, mut b_out) = ([tern::Val::I64(0)], [tern::Val::I64(0)]);
    store.set_fuel(100).unwrap();
    let mut a = Some(
        fib.call_resumable(&mut store, &[tern::Val::I64(15)], &mut a_out)
            .unwrap(),
    );
    store.set_fuel(100).unwrap();
    let mut b = Some(
        list_sum
            .call_resumable(&mut store, &[tern::Val::I64(500)], &mut b_out)
            .unwrap(),
    );
    let mut rounds = 0;
    while a.is_some() || b.is_some() {
        for (call, out) in [(&mut a, &mut a_out), (&mut b, &mut b_out)] {
            match call.take() {
                Some(tern::ResumableCall::OutOfFuel(inv)) => {
                    store.set_fuel(100).unwrap();
                    *call = Some(inv.resume(&mut store, out).unwrap());
                }
                Some(tern::ResumableCall::Finished) | None => {}
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
        rounds += 1;
        assert!(rounds < 100_000);
    }
    assert_eq!(a_out[0].i64().unwrap(), 610);
    assert_eq!(b_out[0].i64().unwrap(), 500 * 501 / 2);
}

/// A host import that fails while `fail` is set, else returns 7.
fn yielding_host(engine: &Engine) -> (Store<bool>, tern::Func) {
    let module = Module::new(
        engine,
        r#"(module (import "" "h" (func $h (param i64) (result i64)))
            (func (export "run") (param $n i64) (result i64) (local $acc i64)
              (loop $l
                (local.set $acc (i64.add (local.get $acc) (call $h (local.get $n))))
                (br_if $l (i64.ne (local.tee $n (i64.sub (local.get $n) (i64.const 1)))
                                  (i64.const 0))))
              (local.get $acc))
            )"#,
    )
    .unwrap();
    let mut store = Store::new(engine, true);
    let mut linker = Linker::new(engine);
    linker
        .func_wrap(
            "",
            "h",
            |caller: tern::Caller<'_, bool>, n: i64| -> tern::Result<i64> {
                if *caller.data() {
                    Err(tern::Error::msg(format!("yield at {n}")))
                } else {
                    Ok(7)
                }
            },
        )
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let run = inst.get_func(&mut store, "run").unwrap();
    (store, run)
}

#[test]
fn a_failing_host_call_parks_and_resumes_with_supplied_results() {
    for fuel in [false, true] {
        let engine = engine(fuel, false);
        let (mut store, run) = yielding_host(&engine);
        if fuel {
            store.set_fuel(u64::MAX).unwrap();
        }
        let mut out = [tern::Val::I64(0)];
        // Every call of the import fails; the embedder answers each with
        // n * 10, so the result is 10 * (3 + 2 + 1).
        let mut call = run
            .call_resumable(&mut store, &[tern::Val::I64(3)], &mut out)
            .unwrap();
        let mut answered = Vec::new();
        while let tern::ResumableCall::HostError(inv) = call {
            let msg = inv.host_error().unwrap().to_string();
            let n: i64 = msg.trim_start_matches("yield at ").parse().unwrap();
            assert!(inv.host_func().is_some());
            answered.push(n);
            call = inv
                .resume_with(&mut store, &[tern::Val::I64(n * 10)], &mut out)
                .unwrap();
        }
        assert!(matches!(call, tern::ResumableCall::Finished));
        assert_eq!(answered, [3, 2, 1]);
        assert_eq!(out[0].i64(), Some(60));

        // The same call without failures finishes at once.
        *store.data_mut() = false;
        let call = run
            .call_resumable(&mut store, &[tern::Val::I64(3)], &mut out)
            .unwrap();
        assert!(matches!(call, tern::ResumableCall::Finished));
        assert_eq!(out[0].i64(), Some(21));
        // An ordinary call fails with the host's error.
        *store.data_mut() = true;
        let err = run
            .call(&mut store, &[tern::Val::I64(3)], &mut out)
            .unwrap_err();
        assert!(err.to_string().contains("yield at 3"), "{err}");
    }
}

#[test]
fn host_errors_that_cannot_park_fail_the_call() {
    let engine = engine(false, false);
    let mut store = Store::new(&engine, ());
    let inst_tail = {
        let module = Module::new(
            &engine,
            r#"(module (import "" "r" (func $r (param i64) (result i64)))
                (func (export "t") (result i64) (return_call $r (i64.const 2)))
                (func (export "c") (result i64) (call $r (i64.const 2))))"#,
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        let failing = tern::Func::wrap(&mut store, |_: i64| -> tern::Result<i64> {
            Err(tern::Error::msg("no"))
        });
        linker.define(&store, "", "r", failing).unwrap();
        linker.instantiate(&mut store, &module).unwrap()
    };
    let mut out = [tern::Val::I64(0)];
    // A host function reached by a tail call: the caller's frame is gone,
    // there is nothing to resume.
    let t = inst_tail.get_func(&mut store, "t").unwrap();
    let err = t.call_resumable(&mut store, &[], &mut out).unwrap_err();
    assert!(err.to_string().contains("no"), "{err}");
    // The same host function reached by an ordinary call parks.
    let c = inst_tail.get_func(&mut store, "c").unwrap();
    let call = c.call_resumable(&mut store, &[], &mut out).unwrap();
    let tern::ResumableCall::HostError(inv) = call else {
        panic!("expected a parked host error");
    };
    // Host results of the wrong arity are refused.
    let err = inv.resume_with(&mut store, &[], &mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "{err}");
}

#[test]
fn resumable_calls_inside_host_functions_are_ordinary_calls() {
    // Inside a host function a resumable call is an ordinary one: out of
    // fuel traps there.
    let engine = self::engine(true, false);
    let module = Module::new(&engine, SLICED).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let fib = inst.get_func(&mut store, "fib").unwrap();
    let host = tern::Func::wrap(
        &mut store,
        move |mut caller: tern::Caller<'_, ()>| -> tern::Result<i64> {
            let mut out = [tern::Val::I64(0)];
            match fib.call_resumable(&mut caller, &[tern::Val::I64(25)], &mut out)? {
                tern::ResumableCall::Finished => {
                    out[0].i64().ok_or_else(|| tern::Error::msg("not i64"))
                }
                _ => Err(tern::Error::msg("parked inside a host call")),
            }
        },
    );
    let outer = Module::new(
        &engine,
        r#"(module (import "" "h" (func $h (result i64)))
            (func (export "run") (result i64) (call $h)))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "", "h", host).unwrap();
    let run = linker
        .instantiate(&mut store, &outer)
        .unwrap()
        .get_func(&mut store, "run")
        .unwrap();
    store.set_fuel(1000).unwrap();
    let mut out = [tern::Val::I64(0)];
    let err = run.call(&mut store, &[], &mut out).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::OutOfFuel), "{err}");
    // Resumably from the host: the fuel still runs out inside the host
    // call's nested activation, which cannot park (the host function's
    // native frame is in between), so it traps too.
    store.set_fuel(1000).unwrap();
    let err = run.call_resumable(&mut store, &[], &mut out).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::OutOfFuel), "{err}");
}

/// With epoch interruption on, large fills and copies run in pieces
/// (checking the deadline in between); overlapping copies must still move
/// the bytes as one `memmove` would, in both directions.
#[test]
fn piecewise_bulk_operations_keep_memmove_semantics() {
    let engine = engine(false, true);
    let (mut store, inst) = instance(
        &engine,
        r#"(module (memory 256)
          (func $init (param $n i32) (local $i i32)
            (loop $l
              (i32.store8 (local.get $i) (local.get $i))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (local.get $n)))))
          ;; Bytes [from, from + n) that differ from (i - shift) & 255.
          (func $check (param $from i32) (param $n i32) (param $shift i32) (result i32)
            (local $i i32) (local $bad i32)
            (local.set $i (local.get $from))
            (loop $l
              (local.set $bad (i32.add (local.get $bad)
                (i32.ne (i32.load8_u (local.get $i))
                        (i32.and (i32.sub (local.get $i) (local.get $shift)) (i32.const 255)))))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (i32.add (local.get $from) (local.get $n)))))
            (local.get $bad))
          (func (export "up") (param $n i32) (result i32)
            (call $init (i32.add (local.get $n) (i32.const 8)))
            (memory.copy (i32.const 5) (i32.const 0) (local.get $n))
            (call $check (i32.const 5) (local.get $n) (i32.const 5)))
          (func (export "down") (param $n i32) (result i32)
            (call $init (i32.add (local.get $n) (i32.const 8)))
            (memory.copy (i32.const 0) (i32.const 3) (local.get $n))
            (call $check (i32.const 0) (local.get $n) (i32.const -3)))
          (func (export "fill") (param $n i32) (result i32)
            (memory.fill (i32.const 0) (i32.const 9) (local.get $n))
            (i32.add (i32.load8_u (i32.const 0))
                     (i32.load8_u (i32.sub (local.get $n) (i32.const 1))))))"#,
    );
    let n = 12 << 20; // three pieces
    for (name, want) in [("up", 0), ("down", 0), ("fill", 18)] {
        let f = inst.get_typed_func::<i32, i32>(&mut store, name).unwrap();
        assert_eq!(f.call(&mut store, n).unwrap(), want, "{name}");
    }
}

/// A function that holds its externref parameter in a local while it
/// loops until it runs out of fuel.
const HOLDS_WHILE_SPINNING: &str = r#"(module
  (func (export "hold") (param $x externref) (result externref)
    (loop $l (br $l))
    (local.get $x)))"#;

#[test]
fn abandoned_resumable_calls_release_their_references() {
    let engine = engine(true, false);
    let (mut store, inst) = instance(&engine, HOLDS_WHILE_SPINNING);
    let hold = inst.get_func(&mut store, "hold").unwrap();
    let token = Arc::new(());
    let park = |store: &mut Store<()>| {
        store.set_fuel(1_000).unwrap();
        let x = tern::ExternRef::new(&mut *store, token.clone()).unwrap();
        let mut out = [tern::Val::ExternRef(None)];
        match hold
            .call_resumable(&mut *store, &[tern::Val::ExternRef(Some(x))], &mut out)
            .unwrap()
        {
            tern::ResumableCall::OutOfFuel(inv) => inv,
            other => panic!("expected OutOfFuel, got {other:?}"),
        }
    };
    // A parked call keeps its reference through collections.
    let inv = park(&mut store);
    store.gc().unwrap();
    assert_eq!(Arc::strong_count(&token), 2);
    // Dropping the handle abandons the call: the next collection frees it.
    drop(inv);
    store.gc().unwrap();
    assert_eq!(Arc::strong_count(&token), 1);
    // A resumption that fails before running (no room for the result)
    // abandons the call too.
    let inv = park(&mut store);
    assert_eq!(Arc::strong_count(&token), 2);
    let err = inv.resume(&mut store, &mut []).unwrap_err();
    assert!(err.to_string().contains("expected 1 results"), "{err}");
    store.gc().unwrap();
    assert_eq!(Arc::strong_count(&token), 1);
    // Many abandoned calls do not accumulate.
    for _ in 0..100 {
        drop(park(&mut store));
    }
    store.gc().unwrap();
    assert_eq!(Arc::strong_count(&token), 1);
}
