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

  ;; A deep structure: a list of $n nodes, each holding a binary tree of
  ;; depth 4 (marking it needs more than 4 mark stack entries).
  (type $tree (struct (field (ref null $tree)) (field (ref null $tree)) (field i32)))
  ;; (The tree comes first: marking pushes it, then the next node, and
  ;; pops the next node first, so unscanned trees pile up on the stack.)
  (type $node (struct (field $tree (ref null $tree)) (field $next (mut (ref null $node))) (field $v i32)))
  (global $deep (mut (ref null $node)) (ref.null $node))
  (func $tree (param $d i32) (param $v i32) (result (ref null $tree))
    (if (result (ref null $tree)) (i32.eqz (local.get $d))
      (then (ref.null $tree))
      (else
        (struct.new $tree
          (call $tree (i32.sub (local.get $d) (i32.const 1)) (i32.mul (local.get $v) (i32.const 2)))
          (call $tree (i32.sub (local.get $d) (i32.const 1))
            (i32.add (i32.mul (local.get $v) (i32.const 2)) (i32.const 1)))
          (local.get $v)))))
  (func $tree_sum (param $t (ref null $tree)) (result i32)
    (if (result i32) (ref.is_null (local.get $t))
      (then (i32.const 0))
      (else
        (i32.add (struct.get $tree 2 (local.get $t))
          (i32.add (call $tree_sum (struct.get $tree 0 (local.get $t)))
            (call $tree_sum (struct.get $tree 1 (local.get $t))))))))
  (func (export "make_deep") (param $n i32)
    (loop $again
      (global.set $deep
        (struct.new $node (call $tree (i32.const 4) (local.get $n)) (global.get $deep) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (local.get $n))))
  ;; The sum of every value in the structure, and the node count.
  (func (export "sum_deep") (result i32)
    (local $cur (ref null $node)) (local $sum i32)
    (local.set $cur (global.get $deep))
    (block $done
      (loop $again
        (br_if $done (ref.is_null (local.get $cur)))
        (local.set $sum (i32.add (local.get $sum)
          (i32.add (struct.get $node $v (local.get $cur))
            (call $tree_sum (struct.get $node $tree (local.get $cur))))))
        (local.set $cur (struct.get $node $next (local.get $cur)))
        (br $again)))
    (local.get $sum))
  ;; Cuts the list after its first node (the rest dies).
  (func (export "cut_deep")
    (struct.set $node $next (ref.as_non_null (global.get $deep)) (ref.null $node)))
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

/// An engine with verification, stress mode as asked, and the mark stack
/// capped at 4 entries: marking overflows it at every turn and relies on
/// rescans of the old generation.
fn setup_tiny_stack(stress: bool) -> (Store<()>, Instance) {
    let mut config = Config::new();
    config
        .gc_verify(true)
        .gc_stress(stress)
        .gc_metadata_limit(4);
    common::instance(&Engine::new(&config).unwrap(), PROGRAM)
}

/// The sum `sum_deep` returns for `make_deep(n)`: each node's value v,
/// and its depth-4 tree's values in heap numbering (v; 2v, 2v+1;
/// 4v..4v+3; 8v..8v+7), which add up to 85v + 35.
fn deep_sum(n: i32) -> i32 {
    (1..=n).map(|v| v + 85 * v + 35).sum()
}

/// A mark stack that cannot grow (capped at 4 entries) overflows while
/// marking a deep structure; the overflowed objects are found again by a
/// rescan, so the whole structure survives the cycle intact. (With the
/// rescan disabled, the sweep frees the subtrees of the objects that
/// could not be pushed: verification reports dangling references and the
/// sum is wrong.)
#[test]
fn mark_stack_overflow_rescans_the_old_generation() {
    let (mut store, inst) = setup_tiny_stack(false);
    call(&mut store, &inst, "make_deep", &[Val::I32(3000)]);
    let sum = || deep_sum(3000);
    assert_eq!(
        call(&mut store, &inst, "sum_deep", &[]).unwrap().i32(),
        Some(sum())
    );
    store.gc().unwrap();
    store.gc_start_cycle().unwrap();
    store.gc_finish_cycle();
    let s = store.gc_stats();
    assert!(s.mark_stack_overflows > 0, "{s:?}");
    assert_eq!(s.major_collections, 1, "{s:?}");
    store.gc_minor().unwrap();
    assert_eq!(
        call(&mut store, &inst, "sum_deep", &[]).unwrap().i32(),
        Some(sum())
    );
    // The cycle freed nothing live: a compacting collection (verified)
    // keeps everything, and a later cycle still frees what dies.
    store.gc().unwrap();
    assert_eq!(
        call(&mut store, &inst, "sum_deep", &[]).unwrap().i32(),
        Some(sum())
    );
    call(&mut store, &inst, "cut_deep", &[]);
    store.gc_start_cycle().unwrap();
    store.gc_finish_cycle();
    store.gc_minor().unwrap();
    assert_eq!(
        call(&mut store, &inst, "sum_deep", &[]).unwrap().i32(),
        Some(deep_sum(1))
    );
    assert!(store.gc_stats().live_bytes < 4096, "{:?}", store.gc_stats());
}

/// The same under stress: cycles interleave with every allocation and
/// store (the snapshot barrier overflows the stack too), with the deep
/// structure alive throughout.
#[test]
fn mark_stack_overflow_under_stress() {
    let (mut store, inst) = setup_tiny_stack(true);
    call(&mut store, &inst, "make", &[]);
    call(&mut store, &inst, "make_deep", &[Val::I32(300)]);
    call(&mut store, &inst, "churn", &[Val::I32(20_000)]);
    call(&mut store, &inst, "store_new", &[]);
    call(&mut store, &inst, "churn", &[Val::I32(5_000)]);
    store.gc_finish_cycle();
    let s = store.gc_stats();
    assert!(s.incremental_cycles >= 2, "{s:?}");
    assert!(s.mark_stack_overflows > 0, "{s:?}");
    assert_eq!(s.major_collections, 0, "{s:?}");
    assert_eq!(
        call(&mut store, &inst, "sum_deep", &[]).unwrap().i32(),
        Some(deep_sum(300))
    );
    new_values_survive_a_full_collection(&mut store, &inst);
}

/// Host objects in the old generation: a cycle drops the data of those
/// that died and keeps the data of those still reachable (the sweep
/// finds them through its list of old host objects, and keeps skipping
/// dead space through the bitmap). Host objects promoted into the free
/// chunks a cycle made are listed too, and freed by the next cycle.
#[test]
fn cycles_drop_dead_old_host_data_and_keep_live_host_data() {
    let (mut store, _inst) = setup(false);
    let token = std::sync::Arc::new(());
    let count = |t: &std::sync::Arc<()>| std::sync::Arc::strong_count(t) - 1;
    let (mut live, mut dead) = (Vec::new(), Vec::new());
    for i in 0..3000 {
        let r = tern::ExternRef::new(&mut store, token.clone()).unwrap();
        if i % 3 == 0 {
            live.push(r)
        } else {
            dead.push(r)
        }
    }
    store.gc_minor().unwrap();
    drop(dead);
    assert_eq!(count(&token), 3000);
    store.gc_start_cycle().unwrap();
    store.gc_finish_cycle();
    assert_eq!(count(&token), 1000);
    for r in &live {
        let data = r.data(&store).unwrap().unwrap();
        assert!(data.downcast_ref::<std::sync::Arc<()>>().is_some());
    }
    // New host objects take the freed places (promoted into the chunks
    // the sweep made); the next cycle frees every unreachable one.
    let young: Vec<_> = (0..500)
        .map(|_| tern::ExternRef::new(&mut store, token.clone()).unwrap())
        .collect();
    store.gc_minor().unwrap();
    drop(young);
    live.truncate(10);
    store.gc_start_cycle().unwrap();
    store.gc_finish_cycle();
    assert_eq!(count(&token), 10);
    assert_eq!(store.gc_stats().major_collections, 0);
    drop(live);
    store.gc_start_cycle().unwrap();
    store.gc_finish_cycle();
    assert_eq!(count(&token), 0);
}
