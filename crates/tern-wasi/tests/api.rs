//! The embedding API: proc_exit through nested calls, the clock and random
//! hooks, in-memory stdin and stdout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tern::{Engine, Instance, Linker, Module, Store};
use tern_wasi::{
    I32Exit, MemoryInputPipe, MemoryOutputPipe, MonotonicClock, SeededRandom, WallClock, WasiCtx,
    WasiCtxBuilder,
};

const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $inner (param i32) (call $exit (local.get 0)))
  (func (export "exit_nested") (param i32) (call $inner (local.get 0)) unreachable)
  (func (export "random") (param i32 i32) (result i32) (call $random_get (local.get 0) (local.get 1)))
  (func (export "now") (param i32) (result i64)
    (drop (call $clock_time_get (local.get 0) (i64.const 0) (i32.const 0)))
    (i64.load (i32.const 0)))
  ;; Sleeps `ns` on the monotonic clock: one relative clock subscription
  ;; (userdata 77) at 100, the event at 200, the count at 8.
  (func (export "sleep") (param $ns i64) (result i32)
    (i64.store (i32.const 100) (i64.const 77))
    (i32.store8 (i32.const 108) (i32.const 0))
    (i32.store (i32.const 116) (i32.const 1))
    (i64.store (i32.const 124) (local.get $ns))
    (i64.store (i32.const 132) (i64.const 0))
    (i32.store16 (i32.const 140) (i32.const 0))
    (drop (call $poll_oneoff (i32.const 100) (i32.const 200) (i32.const 1) (i32.const 8)))
    (i32.load (i32.const 8)))
  ;; Copies stdin to stdout in reads of at most 4 bytes; returns the reads.
  (func (export "cat") (result i32) (local $reads i32)
    (i32.store (i32.const 0) (i32.const 300))
    (i32.store (i32.const 4) (i32.const 4))
    (block $done
      (loop $l
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (local.set $reads (i32.add (local.get $reads) (i32.const 1)))
        (i32.store (i32.const 20) (i32.const 300))
        (i32.store (i32.const 24) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 20) (i32.const 1) (i32.const 12)))
        (br $l)))
    (local.get $reads)))
"#;

fn setup(wasi: WasiCtx) -> (Store<WasiCtx>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    let mut store = Store::new(&engine, wasi);
    let mut linker = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |w: &mut WasiCtx| w).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn proc_exit_passes_through_nested_calls_unchanged() {
    let (mut store, instance) = setup(WasiCtxBuilder::new().build());
    let exit = instance
        .get_typed_func::<i32, ()>(&mut store, "exit_nested")
        .unwrap();
    let err = exit.call(&mut store, 42).unwrap_err();
    assert_eq!(err.downcast_ref::<I32Exit>(), Some(&I32Exit(42)));
    assert!(err.as_trap().is_none(), "an exit is not a trap");
    // Out of WASI's range: an error, but no exit status.
    let err = exit.call(&mut store, 126).unwrap_err();
    assert!(err.downcast_ref::<I32Exit>().is_none());
    assert!(err.to_string().contains("exit status"), "{err}");
}

#[test]
fn defining_wasi_twice_is_an_error() {
    let engine = Engine::default();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |w| w).unwrap();
    assert!(tern_wasi::add_to_linker(&mut linker, |w| w).is_err());
}

fn random_bytes(seed: u64) -> Vec<u8> {
    let (mut store, instance) = setup(
        WasiCtxBuilder::new()
            .random(SeededRandom::new(seed))
            .build(),
    );
    let random = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "random")
        .unwrap();
    assert_eq!(random.call(&mut store, (1000, 37)).unwrap(), 0);
    let mem = instance.get_memory(&mut store, "memory").unwrap();
    mem.data(&store)[1000..1037].to_vec()
}

#[test]
fn seeded_random_is_deterministic() {
    assert_eq!(random_bytes(1), random_bytes(1));
    assert_ne!(random_bytes(1), random_bytes(2));
    assert!(random_bytes(3).iter().any(|&b| b != 0));
}

/// A wall clock stopped at a given time.
struct Stopped(Duration);
impl WallClock for Stopped {
    fn now(&self) -> Duration {
        self.0
    }
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
}

/// A monotonic clock that only moves when the guest sleeps.
#[derive(Clone, Default)]
struct Manual(Arc<AtomicU64>);
impl MonotonicClock for Manual {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    fn resolution(&self) -> u64 {
        1
    }
    fn sleep(&self, nanos: u64) {
        self.0.fetch_add(nanos, Ordering::SeqCst);
    }
}

#[test]
fn clocks_can_be_replaced_and_poll_oneoff_sleeps_on_them() {
    let clock = Manual::default();
    let wasi = WasiCtxBuilder::new()
        .wall_clock(Stopped(Duration::from_secs(1_700_000_000)))
        .monotonic_clock(clock.clone())
        .build();
    let (mut store, instance) = setup(wasi);
    let now = instance
        .get_typed_func::<i32, i64>(&mut store, "now")
        .unwrap();
    assert_eq!(now.call(&mut store, 0).unwrap(), 1_700_000_000_000_000_000);
    assert_eq!(now.call(&mut store, 1).unwrap(), 0);
    let sleep = instance
        .get_typed_func::<i64, i32>(&mut store, "sleep")
        .unwrap();
    // A minute passes at once on the manual clock.
    assert_eq!(sleep.call(&mut store, 60_000_000_000).unwrap(), 1);
    assert_eq!(clock.now(), 60_000_000_000);
    assert_eq!(now.call(&mut store, 1).unwrap(), 60_000_000_000);
    let mem = instance.get_memory(&mut store, "memory").unwrap();
    let event = &mem.data(&store)[200..232];
    assert_eq!(u64::from_le_bytes(event[0..8].try_into().unwrap()), 77);
    assert_eq!(event[8..10], [0, 0], "no error");
    assert_eq!(event[10], 0, "a clock event");
}

#[test]
fn stdin_and_stdout_in_memory() {
    let stdout = MemoryOutputPipe::new();
    let wasi = WasiCtxBuilder::new()
        .stdin(MemoryInputPipe::new("hello, wasi"))
        .stdout(stdout.clone())
        .build();
    let (mut store, instance) = setup(wasi);
    let cat = instance
        .get_typed_func::<(), i32>(&mut store, "cat")
        .unwrap();
    assert_eq!(
        cat.call(&mut store, ()).unwrap(),
        3,
        "reads of 4, 4 and 3 bytes"
    );
    assert_eq!(stdout.contents(), b"hello, wasi");
}
