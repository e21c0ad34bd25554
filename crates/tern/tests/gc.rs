//! GC at runtime through the public API: collection under a small heap
//! cap, cycles, long-lived structures, host rooting, heap exhaustion, and a
//! real Kotlin/Wasm program.

mod common;

use std::path::PathBuf;
use tern::{Config, Engine, ErrorKind, Linker, Module, Store, StructRef, StructType, Trap, Val};
use tern_wasi::{DirPerms, FilePerms, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

fn engine(heap_cap: usize) -> Engine {
    let mut config = Config::new();
    config.max_gc_heap_size(heap_cap).gc_verify(true);
    Engine::new(&config).unwrap()
}

use common::instance;

const GC_PROGRAMS: &str = r#"
(module
  (type $pair (struct (field $a (mut i64)) (field $b (mut i64))))
  (type $node (struct (field $val i32) (field $next (mut (ref null $node)))))
  (global $list (mut (ref null $node)) (ref.null $node))

  ;; Allocates `n` short-lived pairs; returns the sum of their fields.
  (func (export "churn") (param $n i32) (result i64)
    (local $sum i64) (local $p (ref null $pair))
    (loop $l
      (local.set $p (struct.new $pair (i64.extend_i32_u (local.get $n)) (i64.const 1)))
      (local.set $sum (i64.add (local.get $sum)
        (i64.add (struct.get $pair $a (local.get $p)) (struct.get $pair $b (local.get $p)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum))

  ;; Makes `n` two-node cycles and drops them.
  (func (export "cycles") (param $n i32)
    (local $x (ref null $node)) (local $y (ref null $node))
    (loop $l
      (local.set $x (struct.new $node (i32.const 1) (ref.null $node)))
      (local.set $y (struct.new $node (i32.const 2) (local.get $x)))
      (struct.set $node $next (ref.as_non_null (local.get $x)) (local.get $y))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; Builds a list of `n` nodes (values n..1) in a global.
  (func (export "build") (param $n i32)
    (loop $l
      (global.set $list (struct.new $node (local.get $n) (global.get $list)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; Sums the list and counts its nodes.
  (func (export "sum") (result i64 i32)
    (local $cur (ref null $node)) (local $sum i64) (local $count i32)
    (local.set $cur (global.get $list))
    (block $done
      (loop $l
        (br_if $done (ref.is_null (local.get $cur)))
        (local.set $sum (i64.add (local.get $sum)
          (i64.extend_i32_u (struct.get $node $val (local.get $cur)))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $cur (struct.get $node $next (local.get $cur)))
        (br $l)))
    (local.get $sum) (local.get $count))

  (func (export "huge") (param $n i32) (result i32)
    (array.len (array.new_default $bytes (local.get $n))))
  (type $bytes (array (mut i8)))
)
"#;

#[test]
fn ten_million_short_lived_structs_fit_in_16_mib() {
    let engine = engine(16 << 20);
    let (mut store, instance) = instance(&engine, GC_PROGRAMS);
    let churn = instance
        .get_typed_func::<i32, i64>(&mut store, "churn")
        .unwrap();
    let n: i64 = if cfg!(debug_assertions) {
        1_000_000
    } else {
        10_000_000
    };
    let expected = n * (n + 1) / 2 + n;
    assert_eq!(churn.call(&mut store, n as i32).unwrap(), expected);
    let stats = store.gc_stats();
    assert!(stats.collections > 0, "{stats:?}");
    assert!(stats.bytes_allocated >= (n as u64) * 24, "{stats:?}");
    assert!(stats.live_bytes < 16 << 20, "{stats:?}");
}

/// `local.set` retargets `struct.new`'s result straight into the local.
/// Under GC stress every allocation takes the slow path and collects
/// first, so each new object must land in its local after the collection
/// (and the fast path's must too, without stress): lists built through a
/// local, and pairs read back through one.
#[test]
fn struct_new_results_land_in_their_locals() {
    let wat = r#"(module
      (type $node (struct (field $val i32) (field $next (ref null $node))))
      (type $pair (struct (field $a i64) (field $b i64)))
      (func (export "list") (param $n i32) (result i32)
        (local $head (ref null $node)) (local $sum i32)
        (loop $build
          (local.set $head (struct.new $node (local.get $n) (local.get $head)))
          (br_if $build (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (block $done
          (loop $walk
            (br_if $done (ref.is_null (local.get $head)))
            (local.set $sum (i32.add (local.get $sum)
              (struct.get $node $val (local.get $head))))
            (local.set $head (struct.get $node $next (local.get $head)))
            (br $walk)))
        (local.get $sum))
      (func (export "pairs") (param $n i32) (result i64)
        (local $p (ref null $pair)) (local $q (ref null $pair)) (local $sum i64)
        (loop $l
          (local.set $p (struct.new $pair (i64.extend_i32_u (local.get $n)) (i64.const 2)))
          (local.set $q (struct.new $pair (i64.const 3) (struct.get $pair $a (local.get $p))))
          (local.set $sum (i64.add (local.get $sum)
            (i64.mul (struct.get $pair $b (local.get $q)) (struct.get $pair $b (local.get $p)))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $sum)))"#;
    for stress in [false, true] {
        let mut config = Config::new();
        config.gc_verify(true).gc_stress(stress);
        let engine = Engine::new(&config).unwrap();
        let (mut store, instance) = instance(&engine, wat);
        let list = instance
            .get_typed_func::<i32, i32>(&mut store, "list")
            .unwrap();
        assert_eq!(
            list.call(&mut store, 300).unwrap(),
            300 * 301 / 2,
            "stress {stress}"
        );
        let pairs = instance
            .get_typed_func::<i32, i64>(&mut store, "pairs")
            .unwrap();
        assert_eq!(
            pairs.call(&mut store, 300).unwrap(),
            300 * 301,
            "stress {stress}"
        );
        assert!(
            store.gc_stats().collections > 0 || !stress,
            "stress {stress}"
        );
    }
}

#[test]
fn cyclic_garbage_is_collected() {
    let engine = engine(4 << 20);
    let (mut store, instance) = instance(&engine, GC_PROGRAMS);
    let cycles = instance
        .get_typed_func::<i32, ()>(&mut store, "cycles")
        .unwrap();
    cycles.call(&mut store, 1_000_000).unwrap();
    store.gc().unwrap();
    let stats = store.gc_stats();
    // Two million nodes of 16 bytes were made; none survives.
    assert!(stats.bytes_allocated >= 2_000_000 * 16, "{stats:?}");
    assert_eq!(stats.live_bytes, 0, "{stats:?}");
}

#[test]
fn a_million_node_list_survives_repeated_collections() {
    let engine = engine(256 << 20);
    let (mut store, instance) = instance(&engine, GC_PROGRAMS);
    let build = instance
        .get_typed_func::<i32, ()>(&mut store, "build")
        .unwrap();
    let sum = instance
        .get_typed_func::<(), (i64, i32)>(&mut store, "sum")
        .unwrap();
    let n: i64 = 1_000_000;
    build.call(&mut store, n as i32).unwrap();
    for _ in 0..3 {
        store.gc().unwrap();
        assert_eq!(
            sum.call(&mut store, ()).unwrap(),
            (n * (n + 1) / 2, n as i32)
        );
    }
    assert!(store.gc_stats().live_bytes >= n as u64 * 16);
}

#[test]
fn host_handles_root_objects() {
    let engine = engine(1 << 20);
    let mut store = Store::new(&engine, ());
    let ty = StructType::new(
        &engine,
        [tern::FieldType::new(
            tern::Mutability::Var,
            tern::StorageType::ValType(tern::ValType::I64),
        )],
    )
    .unwrap();
    let obj = StructRef::new(&mut store, &ty, &[Val::I64(42)]).unwrap();
    store.gc().unwrap();
    assert!(store.gc_stats().live_bytes > 0);
    assert_eq!(obj.field(&mut store, 0).unwrap().i64(), Some(42));
    obj.set_field(&mut store, 0, Val::I64(7)).unwrap();
    store.gc().unwrap();
    assert_eq!(obj.field(&mut store, 0).unwrap().i64(), Some(7));
    assert!(
        obj.set_field(&mut store, 0, Val::I32(1)).is_err(),
        "type-checked"
    );
    drop(obj);
    store.gc().unwrap();
    assert_eq!(store.gc_stats().live_bytes, 0);

    // A handle used with another store is an error.
    let mut other = Store::new(&engine, ());
    let obj = StructRef::new(&mut store, &ty, &[Val::I64(1)]).unwrap();
    assert!(obj.field(&mut other, 0).is_err());
}

#[test]
fn exceeding_the_heap_cap_is_an_error_and_the_store_stays_usable() {
    let engine = engine(1 << 20);
    let (mut store, instance) = instance(&engine, GC_PROGRAMS);
    let huge = instance
        .get_typed_func::<i32, i32>(&mut store, "huge")
        .unwrap();
    let err = huge.call(&mut store, 64 << 20).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Trap(Trap::AllocationTooLarge),
        "{err}"
    );
    let err = huge.call(&mut store, -1).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::AllocationTooLarge));
    assert_eq!(huge.call(&mut store, 1000).unwrap(), 1000);
    let churn = instance
        .get_typed_func::<i32, i64>(&mut store, "churn")
        .unwrap();
    assert_eq!(
        churn.call(&mut store, 1000).unwrap(),
        1000 * 1001 / 2 + 1000
    );
}

fn workload(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/workloads")
        .join(path)
}

/// Runs a workload's `_start` with WASI (`tern-wasi`; `dir` preopened as
/// `.`, stdout captured) and heap verification on, and returns its stdout
/// and the collector's statistics.
fn run_wasi(file: &str, dir: &str) -> (String, tern::GcStats) {
    run_wasi_with(file, dir, false)
}

/// `run_wasi`, optionally in the collector's stress mode (a minor
/// collection before every allocation).
fn run_wasi_with(file: &str, dir: &str, stress: bool) -> (String, tern::GcStats) {
    let mut config = Config::new();
    config.gc_verify(true).gc_stress(stress);
    let engine = Engine::new(&config).unwrap();
    let module = Module::from_file(&engine, workload(file)).unwrap();
    let stdout = MemoryOutputPipe::new();
    let wasi = WasiCtxBuilder::new()
        .arg(file)
        .stdout(stdout.clone())
        .preopened_dir(workload(dir), ".", DirPerms::READ, FilePerms::READ)
        .unwrap()
        .build();
    let mut store = Store::new(&engine, wasi);
    let mut linker = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |w: &mut WasiCtx| w).unwrap();
    linker.func_wrap("bench", "start", || {}).unwrap();
    linker.func_wrap("bench", "end", || {}).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    start.call(&mut store, ()).unwrap();
    store.gc().unwrap();
    let stats = store.gc_stats();
    (String::from_utf8(stdout.contents()).unwrap(), stats)
}

#[test]
fn kotlin_hello_optimised() {
    let expected =
        std::fs::read_to_string(workload("gc/kotlin-hello/hello.stdout.expected")).unwrap();
    let (out, _) = run_wasi("gc/kotlin-hello/hello.traps.opt.wasm", "gc/kotlin-hello");
    assert_eq!(out, expected);
}

#[test]
fn kotlin_hello_unoptimised() {
    let expected =
        std::fs::read_to_string(workload("gc/kotlin-hello/hello.stdout.expected")).unwrap();
    let (out, _) = run_wasi("gc/kotlin-hello/hello.traps.unopt.wasm", "gc/kotlin-hello");
    assert_eq!(out, expected);
}

#[test]
fn splay_tree_benchmark_runs_with_heap_verification() {
    let expected = std::fs::read_to_string(workload("gc/splay/splay.stdout.expected")).unwrap();
    let (out, stats) = run_wasi("gc/splay/splay.wasm", "gc/splay");
    assert_eq!(out, expected);
    // The run collected (and verified the heap) several times.
    assert!(stats.collections > 5, "{stats:?}");
}

#[test]
fn kotlin_hello_under_gc_stress() {
    let expected =
        std::fs::read_to_string(workload("gc/kotlin-hello/hello.stdout.expected")).unwrap();
    let (out, stats) = run_wasi_with(
        "gc/kotlin-hello/hello.traps.opt.wasm",
        "gc/kotlin-hello",
        true,
    );
    assert_eq!(out, expected);
    assert!(stats.minor_collections > 100, "{stats:?}");
    assert!(stats.incremental_cycles > 0, "{stats:?}");
}

#[test]
fn splay_tree_benchmark_under_gc_stress() {
    // A smaller tree than the default input, for time.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("splay-stress");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.input"), "2000,200,2").unwrap();
    let (out, stats) = run_wasi_with("gc/splay/splay.wasm", dir.to_str().unwrap(), true);
    assert!(out.contains("[splay] tree size: 2000\n"), "{out}");
    assert!(out.ends_with("[splay] verified\n"), "{out}");
    assert!(stats.minor_collections > 10_000, "{stats:?}");
    assert!(stats.major_collections > 0, "{stats:?}");
    assert!(stats.incremental_cycles > 0, "{stats:?}");
}
