//! The generational collector's write barrier: one test per way of storing
//! a reference into an existing object. Each makes an object old (a major
//! collection promotes everything), stores a fresh nursery object into it
//! so that the old object is the young one's only referrer, runs a minor
//! collection (verified: every old object holding a nursery reference must
//! be remembered), and checks the young object survived intact.

mod common;

use std::sync::Arc;
use tern::{Config, Engine, Instance, Linker, Module, Store, Val};

const BARRIER: &str = r#"
(module
  (type $leaf (struct (field i32)))
  (type $box (struct (field (mut anyref))))
  (type $arr (array (mut anyref)))
  (global $b (mut (ref null $box)) (ref.null $box))
  (global $a (mut (ref null $arr)) (ref.null $arr))
  (elem $e anyref (item (struct.new $leaf (i32.const 77))))

  (func (export "make")
    (global.set $b (struct.new_default $box))
    (global.set $a (array.new_default $arr (i32.const 8))))
  (func (export "make_arr") (result anyref)
    (array.new_default $arr (i32.const 8)))
  (func (export "leaf") (param i32) (result anyref)
    (struct.new $leaf (local.get 0)))
  (func (export "box") (result anyref) (global.get $b))
  (func (export "arr") (result anyref) (global.get $a))

  (func (export "struct_set")
    (struct.set $box 0 (global.get $b) (struct.new $leaf (i32.const 11))))
  (func (export "array_set")
    (array.set $arr (global.get $a) (i32.const 3) (struct.new $leaf (i32.const 11))))
  (func (export "array_fill")
    (array.fill $arr (global.get $a) (i32.const 3) (struct.new $leaf (i32.const 11)) (i32.const 2)))
  (func (export "array_copy")
    (array.copy $arr $arr (global.get $a) (i32.const 3)
      (array.new_fixed $arr 2 (ref.i31 (i32.const 5)) (struct.new $leaf (i32.const 11)))
      (i32.const 1) (i32.const 1)))
  (func (export "array_init_elem") (param anyref)
    (array.init_elem $arr $e (ref.cast (ref $arr) (local.get 0)) (i32.const 3) (i32.const 0) (i32.const 1))
    (elem.drop $e))

  ;; The value of the leaf in the box / at array index 3 (-1 if missing).
  (func (export "box_value") (result i32)
    (struct.get $leaf 0 (ref.cast (ref $leaf) (struct.get $box 0 (global.get $b)))))
  (func (export "arr_value") (param anyref) (result i32)
    (struct.get $leaf 0 (ref.cast (ref $leaf)
      (array.get $arr (ref.cast (ref $arr) (local.get 0)) (i32.const 3)))))
)
"#;

fn setup() -> (Store<()>, Instance, Module) {
    let mut config = Config::new();
    config.gc_verify(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, BARRIER).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, instance, module)
}

use common::call;

/// Makes the globals' objects old.
fn make_old(store: &mut Store<()>, inst: &Instance) {
    call(store, inst, "make", &[]);
    store.gc().unwrap();
}

/// Runs a verified minor collection that must promote something.
fn minor(store: &mut Store<()>) {
    let before = store.gc_stats();
    store.gc_minor().unwrap();
    let after = store.gc_stats();
    assert_eq!(after.minor_collections, before.minor_collections + 1);
    assert!(after.promoted_bytes > before.promoted_bytes, "{after:?}");
}

fn check_box(store: &mut Store<()>, inst: &Instance) {
    assert_eq!(call(store, inst, "box_value", &[]).unwrap().i32(), Some(11));
    store.gc().unwrap();
    assert_eq!(call(store, inst, "box_value", &[]).unwrap().i32(), Some(11));
}

fn check_arr(store: &mut Store<()>, inst: &Instance, arr: &Val, want: i32) {
    let v = call(store, inst, "arr_value", std::slice::from_ref(arr)).unwrap();
    assert_eq!(v.i32(), Some(want));
    store.gc().unwrap();
    let v = call(store, inst, "arr_value", std::slice::from_ref(arr)).unwrap();
    assert_eq!(v.i32(), Some(want));
}

/// A wasm store form on the old objects in the globals.
fn wasm_form(name: &str) {
    let (mut store, inst, _) = setup();
    make_old(&mut store, &inst);
    call(&mut store, &inst, name, &[]);
    minor(&mut store);
    if name == "struct_set" {
        check_box(&mut store, &inst);
    } else {
        let arr = call(&mut store, &inst, "arr", &[]).unwrap();
        check_arr(&mut store, &inst, &arr, 11);
    }
}

#[test]
fn struct_set_barrier() {
    wasm_form("struct_set");
}

#[test]
fn array_set_barrier() {
    wasm_form("array_set");
}

#[test]
fn array_fill_barrier() {
    wasm_form("array_fill");
}

#[test]
fn array_copy_barrier() {
    wasm_form("array_copy");
}

#[test]
fn array_init_elem_barrier() {
    // The segment's object is young only in a fresh instance: make the
    // array old in one instance, then initialize it from a second one.
    let (mut store, first, module) = setup();
    let arr = call(&mut store, &first, "make_arr", &[]).unwrap();
    store.gc().unwrap();
    let engine = store.engine().clone();
    let second = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    // `elem.drop` leaves the old array the young object's only referrer.
    call(
        &mut store,
        &second,
        "array_init_elem",
        std::slice::from_ref(&arr),
    );
    minor(&mut store);
    check_arr(&mut store, &second, &arr, 77);
}

#[test]
fn host_struct_set_field_barrier() {
    let (mut store, inst, _) = setup();
    make_old(&mut store, &inst);
    let Val::AnyRef(Some(b)) = call(&mut store, &inst, "box", &[]).unwrap() else {
        panic!("no box")
    };
    let b = b.unwrap_struct(&store).unwrap();
    let leaf = call(&mut store, &inst, "leaf", &[Val::I32(11)]).unwrap();
    b.set_field(&mut store, 0, leaf).unwrap();
    minor(&mut store);
    check_box(&mut store, &inst);
}

#[test]
fn host_array_set_barrier() {
    let (mut store, inst, _) = setup();
    make_old(&mut store, &inst);
    let arr = call(&mut store, &inst, "arr", &[]).unwrap();
    let Val::AnyRef(Some(a)) = &arr else {
        panic!("no array")
    };
    let a = a.unwrap_array(&store).unwrap();
    let leaf = call(&mut store, &inst, "leaf", &[Val::I32(11)]).unwrap();
    a.set(&mut store, 3, leaf).unwrap();
    minor(&mut store);
    check_arr(&mut store, &inst, &arr, 11);
}

#[test]
fn minor_collections_free_dead_host_data_and_keep_live_host_data() {
    let (mut store, _, _) = setup();
    let token = Arc::new(());
    let dead = tern::ExternRef::new(&mut store, token.clone()).unwrap();
    let live = tern::ExternRef::new(&mut store, token.clone()).unwrap();
    assert_eq!(Arc::strong_count(&token), 3);
    drop(dead);
    store.gc_minor().unwrap();
    assert_eq!(Arc::strong_count(&token), 2);
    let data = live.data(&store).unwrap().unwrap();
    assert!(data.downcast_ref::<Arc<()>>().is_some());
    drop(live);
    store.gc().unwrap();
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn stress_mode_collects_at_every_allocation() {
    let mut config = Config::new();
    config.gc_verify(true).gc_stress(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, BARRIER).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    call(&mut store, &inst, "make", &[]);
    for name in ["struct_set", "array_set", "array_fill", "array_copy"] {
        call(&mut store, &inst, name, &[]);
    }
    let before = store.gc_stats().minor_collections;
    for i in 0..100 {
        call(&mut store, &inst, "leaf", &[Val::I32(i)]);
    }
    assert!(
        store.gc_stats().minor_collections >= before + 99,
        "{before} {:?}",
        store.gc_stats()
    );
    check_box(&mut store, &inst);
    let arr = call(&mut store, &inst, "arr", &[]).unwrap();
    check_arr(&mut store, &inst, &arr, 11);
}

const FIXED: &str = r#"
(module
  (type $a8 (array (mut i8)))
  (type $a16 (array (mut i16)))
  (type $a32 (array (mut i32)))
  (type $a64 (array (mut i64)))
  (type $av (array (mut v128)))
  (type $leaf (struct (field i32)))
  (type $ar (array (mut anyref)))
  (func (export "i8") (result i32)
    (array.get_u $a8 (array.new_fixed $a8 3 (i32.const 1) (i32.const 2) (i32.const 300)) (i32.const 2)))
  (func (export "i16") (result i32)
    (array.get_s $a16 (array.new_fixed $a16 2 (i32.const 7) (i32.const -2)) (i32.const 1)))
  (func (export "i32") (result i32)
    (array.get $a32 (array.new_fixed $a32 3 (i32.const 5) (i32.const -9) (i32.const 6)) (i32.const 1)))
  (func (export "i64") (result i64)
    (array.get $a64 (array.new_fixed $a64 3 (i64.const 1) (i64.const 2) (i64.const -3)) (i32.const 2)))
  (func (export "v128") (result i64)
    (i64x2.extract_lane 1 (array.get $av
      (array.new_fixed $av 2 (v128.const i64x2 1 2) (v128.const i64x2 3 4)) (i32.const 1))))
  (func (export "ref") (result i32)
    (struct.get $leaf 0 (ref.cast (ref $leaf) (array.get $ar
      (array.new_fixed $ar 3 (ref.i31 (i32.const 1)) (struct.new $leaf (i32.const 42)) (ref.null any))
      (i32.const 1)))))
)
"#;

/// `array.new_fixed` of every element kind, on the fast path (nursery
/// room) and on the slow path (stress mode).
#[test]
fn array_new_fixed_of_every_kind() {
    for stress in [false, true] {
        let mut config = Config::new();
        config.gc_verify(true).gc_stress(stress);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, FIXED).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let mut get = |name: &str| call(&mut store, &inst, name, &[]).unwrap();
        assert_eq!(get("i8").i32(), Some(44));
        assert_eq!(get("i16").i32(), Some(-2));
        assert_eq!(get("i32").i32(), Some(-9));
        assert_eq!(get("i64").i64(), Some(-3));
        assert_eq!(get("v128").i64(), Some(4));
        assert_eq!(get("ref").i32(), Some(42));
        store.gc().unwrap();
    }
}
