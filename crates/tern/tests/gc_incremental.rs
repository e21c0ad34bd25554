//! Incremental marking of the old generation (snapshot at the beginning):
//! one test per way of overwriting a reference while marking runs. Each
//! makes every object old, starts a cycle (the roots are snapshotted),
//! moves a leaf out of an old object into a global (globals are roots,
//! scanned only at the snapshot) and overwrites the field or element that
//! held it, then finishes the cycle. Without the barrier the leaf is swept
//! although the global refers to it (verification fails, or the leaf's
//! value is gone).

mod common;

use tern::{Config, Engine, Instance, Store, Val};

const PROGRAM: &str = r#"
(module
  (type $leaf (struct (field i32)))
  (type $box (struct (field (mut anyref))))
  (type $arr (array (mut anyref)))
  (global $b (mut (ref null $box)) (ref.null $box))
  (global $a (mut (ref null $arr)) (ref.null $arr))
  (global $keep (mut anyref) (ref.null any))
  (table $t 1 anyref)
  (elem $nulls anyref (item (ref.null any)))

  (func (export "make")
    (global.set $b (struct.new $box (struct.new $leaf (i32.const 42))))
    (global.set $a (array.new_default $arr (i32.const 8)))
    (array.set $arr (global.get $a) (i32.const 3) (struct.new $leaf (i32.const 42)))
    (table.set $t (i32.const 0) (struct.new $leaf (i32.const 42))))

  (func (export "box") (result anyref) (global.get $b))
  (func (export "arr") (result anyref) (global.get $a))

  (func $take_box (global.set $keep (struct.get $box 0 (global.get $b))))
  (func $take_arr (global.set $keep (array.get $arr (global.get $a) (i32.const 3))))
  (func (export "take_box") (call $take_box))
  (func (export "take_arr") (call $take_arr))

  (func (export "struct_set")
    (call $take_box)
    (struct.set $box 0 (global.get $b) (ref.null any)))
  (func (export "array_set")
    (call $take_arr)
    (array.set $arr (global.get $a) (i32.const 3) (ref.null any)))
  (func (export "array_fill")
    (call $take_arr)
    (array.fill $arr (global.get $a) (i32.const 0) (ref.null any) (i32.const 8)))
  (func (export "array_copy")
    (call $take_arr)
    (array.copy $arr $arr (global.get $a) (i32.const 3) (global.get $a) (i32.const 4) (i32.const 1)))
  (func (export "array_init_elem")
    (call $take_arr)
    (array.init_elem $arr $nulls (global.get $a) (i32.const 3) (i32.const 0) (i32.const 1)))
  (func (export "table_set")
    (global.set $keep (table.get $t (i32.const 0)))
    (table.set $t (i32.const 0) (ref.null any)))
  (func (export "global_set")
    (global.set $keep (struct.get $box 0 (global.get $b)))
    (global.set $b (ref.null $box)))

  ;; A fresh leaf stored into the old box (and a fresh array holding one
  ;; into the old array) while marking runs.
  (func (export "store_new")
    (struct.set $box 0 (global.get $b) (struct.new $leaf (i32.const 7)))
    (array.set $arr (global.get $a) (i32.const 5)
      (array.new_fixed $arr 1 (struct.new $leaf (i32.const 8)))))
  (func (export "new_values") (result i32)
    (i32.add
      (struct.get $leaf 0 (ref.cast (ref $leaf) (struct.get $box 0 (global.get $b))))
      (struct.get $leaf 0 (ref.cast (ref $leaf)
        (array.get $arr (ref.cast (ref $arr) (array.get $arr (global.get $a) (i32.const 5)))
          (i32.const 0))))))

  (func (export "kept") (result i32)
    (struct.get $leaf 0 (ref.cast (ref $leaf) (global.get $keep))))

  ;; Garbage: each iteration stores a fresh array (holding a fresh leaf)
  ;; into a ring of 4096 slots, so objects live long enough to be promoted
  ;; and then die in the old generation.
  (global $ring (mut (ref null $arr)) (ref.null $arr))
  (func (export "churn") (param $n i32)
    (local $x (ref $arr))
    (if (ref.is_null (global.get $ring))
      (then (global.set $ring (array.new_default $arr (i32.const 4096)))))
    (loop $again
      (local.set $x (array.new_default $arr (i32.const 6)))
      (array.set $arr (local.get $x) (i32.const 1) (struct.new $leaf (local.get $n)))
      (array.set $arr (global.get $ring) (i32.and (local.get $n) (i32.const 4095)) (local.get $x))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (local.get $n))))

  ;; Large objects that survive a little and die old: each iteration
  ;; stores a fresh i8 array of $len bytes into a ring of 8 slots.
  (type $bytes (array (mut i8)))
  (type $ring8 (array (mut (ref null $bytes))))
  (global $big (mut (ref null $ring8)) (ref.null $ring8))
  (func (export "churn_big") (param $n i32) (param $len i32)
    (global.set $big (array.new_default $ring8 (i32.const 8)))
    (loop $again
      (array.set $ring8 (global.get $big) (i32.and (local.get $n) (i32.const 7))
        (array.new_default $bytes (local.get $len)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (local.get $n))))
)
"#;

fn setup(stress: bool) -> (Store<()>, Instance) {
    let mut config = Config::new();
    config.gc_verify(true).gc_stress(stress);
    common::instance(&Engine::new(&config).unwrap(), PROGRAM)
}

use common::call;

/// Makes the objects, makes them old, and starts a cycle.
fn start(store: &mut Store<()>, inst: &Instance) {
    call(store, inst, "make", &[]);
    store.gc().unwrap();
    let before = store.gc_stats().incremental_cycles;
    store.gc_start_cycle().unwrap();
    assert_eq!(store.gc_stats().incremental_cycles, before + 1);
}

/// Finishes the cycle and checks the leaf moved to the global survived
/// it (and a verified collection after it).
fn finish_and_check(store: &mut Store<()>, inst: &Instance) {
    store.gc_finish_cycle();
    store.gc_minor().unwrap();
    assert_eq!(call(store, inst, "kept", &[]).unwrap().i32(), Some(42));
    store.gc().unwrap();
    assert_eq!(call(store, inst, "kept", &[]).unwrap().i32(), Some(42));
}

fn wasm_form(name: &str) {
    let (mut store, inst) = setup(false);
    start(&mut store, &inst);
    call(&mut store, &inst, name, &[]);
    finish_and_check(&mut store, &inst);
}

#[test]
fn struct_set_during_marking() {
    wasm_form("struct_set");
}

#[test]
fn array_set_during_marking() {
    wasm_form("array_set");
}

#[test]
fn array_fill_during_marking() {
    wasm_form("array_fill");
}

#[test]
fn array_copy_during_marking() {
    wasm_form("array_copy");
}

#[test]
fn array_init_elem_during_marking() {
    wasm_form("array_init_elem");
}

/// Tables and globals are roots, snapshotted when marking starts: their
/// stores need no barrier.
#[test]
fn table_set_during_marking() {
    wasm_form("table_set");
}

#[test]
fn global_set_during_marking() {
    wasm_form("global_set");
}

#[test]
fn host_struct_set_field_during_marking() {
    let (mut store, inst) = setup(false);
    start(&mut store, &inst);
    let Val::AnyRef(Some(b)) = call(&mut store, &inst, "box", &[]).unwrap() else {
        panic!("no box")
    };
    let b = b.unwrap_struct(&store).unwrap();
    call(&mut store, &inst, "take_box", &[]);
    b.set_field(&mut store, 0, Val::AnyRef(None)).unwrap();
    drop(b);
    finish_and_check(&mut store, &inst);
}

#[test]
fn host_array_set_during_marking() {
    let (mut store, inst) = setup(false);
    start(&mut store, &inst);
    let Val::AnyRef(Some(a)) = call(&mut store, &inst, "arr", &[]).unwrap() else {
        panic!("no array")
    };
    let a = a.unwrap_array(&store).unwrap();
    call(&mut store, &inst, "take_arr", &[]);
    a.set(&mut store, 3, Val::AnyRef(None)).unwrap();
    drop(a);
    finish_and_check(&mut store, &inst);
}

/// Objects allocated during marking and stored into old objects survive
/// the cycle. (Here the old objects are still unscanned when the young
/// ones are promoted; `cycles_run_and_reuse_free_space_under_stress`,
/// where slices interleave with every allocation, is the test that fails
/// when promotion does not mark.)
#[test]
fn objects_stored_during_marking_survive() {
    let (mut store, inst) = setup(false);
    start(&mut store, &inst);
    call(&mut store, &inst, "store_new", &[]);
    store.gc_minor().unwrap();
    store.gc_finish_cycle();
    new_values_survive_a_full_collection(&mut store, &inst);
}

/// The objects `store_new` stored hold their values (15 in all), before
/// and after a full compacting collection.
fn new_values_survive_a_full_collection(store: &mut Store<()>, inst: &Instance) {
    for full in [false, true] {
        if full {
            store.gc().unwrap();
        }
        let sum = call(store, inst, "new_values", &[]).unwrap().i32();
        assert_eq!(sum, Some(15), "after a full collection: {full}");
    }
}

/// Cycles sweep garbage into free chunks that later promotion reuses,
/// under stress (a minor collection and a tiny slice at every
/// allocation) with verification.
#[test]
fn cycles_run_and_reuse_free_space_under_stress() {
    let (mut store, inst) = setup(true);
    call(&mut store, &inst, "make", &[]);
    call(&mut store, &inst, "churn", &[Val::I32(20_000)]);
    store.gc_finish_cycle();
    let s = store.gc_stats();
    assert!(s.incremental_cycles >= 2, "{s:?}");
    assert_eq!(s.major_collections, 0, "{s:?}");
    call(&mut store, &inst, "store_new", &[]);
    call(&mut store, &inst, "churn", &[Val::I32(5_000)]);
    new_values_survive_a_full_collection(&mut store, &inst);
}

/// Without stress: the nursery's limit stops allocation for slices.
#[test]
fn cycles_run_in_slices_between_allocations() {
    let (mut store, inst) = setup(false);
    call(&mut store, &inst, "make", &[]);
    call(&mut store, &inst, "churn", &[Val::I32(400_000)]);
    let s = store.gc_stats();
    assert!(s.incremental_cycles >= 1, "{s:?}");
    assert!(s.incremental_slices >= 2, "{s:?}");
    assert_eq!(s.major_collections, 0, "{s:?}");
    store.gc().unwrap();
}

/// Survivors larger than the smallest free chunk, and objects allocated
/// straight in the old generation, reuse the free chunks cycles find: the
/// heap stays bounded (the compacting collector never runs).
#[test]
fn large_objects_reuse_free_chunks() {
    for len in [16 << 10, 1536 << 10] {
        let (mut store, inst) = setup(false);
        let iterations = (256 << 20) / len;
        call(
            &mut store,
            &inst,
            "churn_big",
            &[Val::I32(iterations), Val::I32(len)],
        );
        let s = store.gc_stats();
        assert!(s.incremental_cycles >= 1, "{len}: {s:?}");
        assert_eq!(s.major_collections, 0, "{len}: {s:?}");
        // 256 MiB allocated, at most 12 MiB live at a time.
        assert!(s.peak_heap_bytes < 80 << 20, "{len}: {s:?}");
        store.gc().unwrap();
    }
}
