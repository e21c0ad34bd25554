//! SIMD through the public API: `v128` parameters and results (dynamic,
//! typed and host calls), globals, GC fields and elements, exception
//! payloads, and vectors flowing through blocks, branches and `select`.

mod common;

use tern::{
    Caller, Config, Engine, ExnRef, FieldType, Func, GlobalType, Linker, Module, Mutability,
    StorageType, Store, StructRef, StructType, V128, Val, ValType,
};

fn engine() -> Engine {
    let mut config = Config::new();
    config.gc_verify(true);
    Engine::new(&config).unwrap()
}

const LANES: u128 = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100;

#[test]
fn dynamic_typed_and_host_calls() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // The host swaps the halves and adds an i32 to lane 0.
    linker
        .func_wrap(
            "host",
            "swap",
            |_: Caller<'_, ()>, v: V128, k: i32| -> V128 {
                let x = v.as_u128();
                V128::from(x.rotate_left(64).wrapping_add(k as u32 as u128))
            },
        )
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "swap" (func $swap (param v128 i32) (result v128)))
          (func (export "call_host") (param v128) (result v128)
            (call $swap (local.get 0) (i32.const 5)))
          (func (export "pair") (param i64 v128 f64) (result f64 v128 i64)
            (local.get 2) (local.get 1) (local.get 0)))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();

    let f = instance
        .get_typed_func::<V128, V128>(&mut store, "call_host")
        .unwrap();
    let out = f.call(&mut store, V128::from(LANES)).unwrap();
    assert_eq!(out.as_u128(), LANES.rotate_left(64) + 5);

    let pair = instance.get_func(&mut store, "pair").unwrap();
    let mut results = vec![Val::I32(0); 3];
    pair.call(
        &mut store,
        &[Val::I64(-1), Val::V128(LANES), Val::F64(2.5f64.to_bits())],
        &mut results,
    )
    .unwrap();
    assert_eq!(results[0].f64(), Some(2.5));
    assert_eq!(results[1].v128(), Some(V128::from(LANES)));
    assert_eq!(results[2].i64(), Some(-1));

    let typed = pair
        .typed::<(i64, V128, f64), (f64, V128, i64)>(&store)
        .unwrap();
    let (a, b, c) = typed
        .call(&mut store, (7, V128::from(u128::MAX), -0.0))
        .unwrap();
    assert_eq!(
        (a.to_bits(), b.as_u128(), c),
        ((-0.0f64).to_bits(), u128::MAX, 7)
    );

    // A host function with a v128 signature, called dynamically.
    let double = Func::wrap(&mut store, |v: V128| V128::from(v.as_u128() << 1));
    let mut r = vec![Val::V128(0)];
    double.call(&mut store, &[Val::V128(3)], &mut r).unwrap();
    assert_eq!(r[0].v128(), Some(V128::from(6)));
}

#[test]
fn globals_of_type_v128() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let g = tern::Global::new(
        &mut store,
        GlobalType::new(ValType::V128, Mutability::Var),
        Val::V128(LANES),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "g", g).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "g" (global $g (mut v128)))
          (global $own (export "own") v128 (v128.const i64x2 1 2))
          (func (export "bump")
            (global.set $g (i64x2.add (global.get $g) (global.get $own)))))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let bump = instance
        .get_typed_func::<(), ()>(&mut store, "bump")
        .unwrap();
    bump.call(&mut store, ()).unwrap();
    let want = LANES.wrapping_add(1 | (2 << 64));
    assert_eq!(g.get(&mut store).v128(), Some(V128::from(want)));
    let own = instance.get_global(&mut store, "own").unwrap();
    assert_eq!(own.get(&mut store).v128(), Some(V128::from(1 | (2 << 64))));
    assert!(g.set(&mut store, Val::I64(1)).is_err());
}

#[test]
fn gc_fields_and_exception_payloads() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
          (type $s (struct (field i32) (field (mut v128)) (field anyref)))
          (type $a (array (mut v128)))
          (tag $t (param i32 v128 i64))
          (func (export "make") (param v128) (result (ref $s))
            (struct.new $s (i32.const 9) (local.get 0) (ref.null any)))
          (func (export "struct_rt") (param v128) (result v128)
            (local $o (ref $s))
            (local.set $o (struct.new $s (i32.const 1) (v128.const i64x2 0 0) (ref.null any)))
            (struct.set $s 1 (local.get $o) (local.get 0))
            (struct.get $s 1 (local.get $o)))
          (func (export "array_rt") (param v128) (result v128)
            (local $a (ref $a))
            (local.set $a (array.new $a (local.get 0) (i32.const 3)))
            (array.set $a (local.get $a) (i32.const 1)
              (i32x4.add (array.get $a (local.get $a) (i32.const 2)) (local.get 0)))
            (array.fill $a (local.get $a) (i32.const 2) (v128.const i64x2 -1 -1) (i32.const 1))
            (i32x4.add
              (array.get $a (local.get $a) (i32.const 1))
              (array.get $a (array.new_fixed $a 2 (local.get 0) (v128.const i64x2 0 0))
                (i32.const 1))))
          (func (export "catch") (param v128) (result i32 v128 i64)
            (block $h (result i32 v128 i64)
              (try_table (catch $t $h)
                (throw $t (i32.const 4) (local.get 0) (i64.const 6)))
              (unreachable)))
          (func (export "escape") (param v128)
            (throw $t (i32.const 1) (local.get 0) (i64.const 2))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();

    let rt = instance
        .get_typed_func::<V128, V128>(&mut store, "struct_rt")
        .unwrap();
    assert_eq!(
        rt.call(&mut store, V128::from(LANES)).unwrap().as_u128(),
        LANES
    );

    let rt = instance
        .get_typed_func::<V128, V128>(&mut store, "array_rt")
        .unwrap();
    let two = V128::from(2 | (2 << 32));
    // lane-wise: (x + x) + 0 for array element 1 of the fixed array is 0.
    assert_eq!(rt.call(&mut store, two).unwrap().as_u128(), 4 | (4 << 32));

    let make = instance.get_func(&mut store, "make").unwrap();
    let mut r = vec![Val::I32(0)];
    make.call(&mut store, &[Val::V128(LANES)], &mut r).unwrap();
    let obj = match &r[0] {
        Val::AnyRef(Some(a)) => a.unwrap_struct(&store).unwrap(),
        other => panic!("not a struct: {other:?}"),
    };
    store.gc().unwrap();
    assert_eq!(
        obj.field(&mut store, 1).unwrap().v128(),
        Some(V128::from(LANES))
    );
    obj.set_field(&mut store, 1, Val::V128(7)).unwrap();
    assert_eq!(
        obj.field(&mut store, 1).unwrap().v128(),
        Some(V128::from(7))
    );
    assert_eq!(obj.field(&mut store, 0).unwrap().i32(), Some(9));

    let ty = StructType::new(
        &engine,
        [FieldType::new(
            Mutability::Const,
            StorageType::ValType(ValType::V128),
        )],
    )
    .unwrap();
    let host_obj = StructRef::new(&mut store, &ty, &[Val::V128(u128::MAX)]).unwrap();
    assert_eq!(
        host_obj.field(&mut store, 0).unwrap().v128(),
        Some(V128::from(u128::MAX))
    );

    let catch = instance
        .get_typed_func::<V128, (i32, V128, i64)>(&mut store, "catch")
        .unwrap();
    let (a, b, c) = catch.call(&mut store, V128::from(LANES)).unwrap();
    assert_eq!((a, b.as_u128(), c), (4, LANES, 6));

    let escape = instance.get_func(&mut store, "escape").unwrap();
    let err = escape
        .call(&mut store, &[Val::V128(LANES)], &mut [])
        .unwrap_err();
    let exn: ExnRef = err.exception().cloned().expect("an exception");
    let fields = exn.fields(&mut store).unwrap();
    assert_eq!(fields[1].v128(), Some(V128::from(LANES)));
    assert_eq!(fields[2].i64(), Some(2));
}

#[test]
fn vectors_through_control_flow() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
          (func (export "sum") (param $n i32) (result v128)
            (local $acc v128)
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (block $done
              (loop $l
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (i32x4.add (local.get $acc) (i32x4.splat (local.get $n))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $l)))
            (local.get $acc))
          (func (export "pick") (param v128 v128 i32) (result v128)
            (select (local.get 0) (local.get 1) (local.get 2)))
          (func (export "params") (param v128 i32) (result v128 i32)
            (local.get 0) (local.get 1)
            (if (param v128 i32) (result v128 i32) (local.get 1)
              (then (drop) (i8x16.neg) (i32.const 1))
              (else (i32.const 2) (i32.add))))
          (func (export "table") (param v128 i32) (result v128)
            (block $b (result v128)
              (block $a (result v128)
                (br_table $a $b (local.get 0) (local.get 1)))
              (v128.not))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = instance
        .get_typed_func::<i32, V128>(&mut store, "sum")
        .unwrap();
    let s = sum.call(&mut store, 4).unwrap().as_u128();
    assert_eq!(s, 10 * (1 | 1 << 32 | 1 << 64 | 1 << 96));

    let pick = instance
        .get_typed_func::<(V128, V128, i32), V128>(&mut store, "pick")
        .unwrap();
    let (a, b) = (V128::from(1), V128::from(u128::MAX));
    assert_eq!(pick.call(&mut store, (a, b, 1)).unwrap(), a);
    assert_eq!(pick.call(&mut store, (a, b, 0)).unwrap(), b);

    let params = instance
        .get_typed_func::<(V128, i32), (V128, i32)>(&mut store, "params")
        .unwrap();
    let (v, k) = params.call(&mut store, (V128::from(1), 1)).unwrap();
    assert_eq!((v.as_u128(), k), (0xff, 1));
    let (v, k) = params.call(&mut store, (V128::from(1), 0)).unwrap();
    assert_eq!((v.as_u128(), k), (1, 2));

    let table = instance
        .get_typed_func::<(V128, i32), V128>(&mut store, "table")
        .unwrap();
    assert_eq!(table.call(&mut store, (a, 0)).unwrap().as_u128(), !1);
    assert_eq!(table.call(&mut store, (a, 1)).unwrap().as_u128(), 1);
    assert_eq!(table.call(&mut store, (a, 9)).unwrap().as_u128(), 1);
}

#[test]
fn relaxed_simd_is_a_config_switch() {
    let wat = r#"(module (func (export "f") (param v128 v128) (result v128)
        (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))"#;
    let mut config = Config::new();
    config.wasm_relaxed_simd(false);
    assert!(Module::new(&Engine::new(&config).unwrap(), wat).is_err());

    // On (the default): deterministic, as `i8x16.swizzle` (out-of-range
    // indices give 0).
    let (mut store, f) = common::typed_func::<(V128, V128), V128>(wat, "f");
    let idx = V128::from(0x80_20_10_0f_00_01u128);
    let out = f.call(&mut store, (V128::from(LANES), idx)).unwrap();
    assert_eq!(out.as_u128(), 0x00_00_00_0f_00_01);
}
