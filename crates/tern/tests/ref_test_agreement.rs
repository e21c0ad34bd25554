//! `Val::matches_ty` / `Ref::matches_ty` agree with Wasm's own `ref.test`
//! on the same values and target types, for functions, i31s, structs,
//! arrays, host references and nulls.

use tern::{
    AnyRef, Engine, ExternRef, HeapType, Instance, Linker, Module, Ref, RefType, Store, Val,
    ValType,
};

const WAT: &str = r#"
(module
  (type $f (sub (func)))
  (type $g (sub $f (func)))
  (type $h (func (param i32)))
  (type $s (sub (struct (field i32))))
  (type $t (sub $s (struct (field i32) (field i64))))
  (type $a (array i8))
  (func $fg (type $g))
  (func $ff (type $f))
  (func $fh (type $h))
  (elem declare func $fg $ff $fh)

  ;; Values: funcs
  (func (export "fg") (result funcref) (ref.func $fg))
  (func (export "ff") (result funcref) (ref.func $ff))
  (func (export "fh") (result funcref) (ref.func $fh))
  (func (export "fnull") (result funcref) (ref.null func))
  ;; Values: internal references
  (func (export "s") (result anyref) (struct.new $s (i32.const 1)))
  (func (export "t") (result anyref) (struct.new $t (i32.const 1) (i64.const 2)))
  (func (export "a") (result anyref) (array.new_default $a (i32.const 3)))
  (func (export "i") (result anyref) (ref.i31 (i32.const 5)))
  (func (export "anull") (result anyref) (ref.null any))

  ;; Tests on funcref values
  (func (export "test_func") (param funcref) (result i32) (ref.test (ref func) (local.get 0)))
  (func (export "test_null_func") (param funcref) (result i32) (ref.test (ref null func) (local.get 0)))
  (func (export "test_f") (param funcref) (result i32) (ref.test (ref $f) (local.get 0)))
  (func (export "test_g") (param funcref) (result i32) (ref.test (ref $g) (local.get 0)))
  (func (export "test_h") (param funcref) (result i32) (ref.test (ref $h) (local.get 0)))
  (func (export "test_null_f") (param funcref) (result i32) (ref.test (ref null $f) (local.get 0)))
  (func (export "test_nofunc") (param funcref) (result i32) (ref.test (ref null nofunc) (local.get 0)))
  ;; Tests on anyref values
  (func (export "test_any") (param anyref) (result i32) (ref.test (ref any) (local.get 0)))
  (func (export "test_eq") (param anyref) (result i32) (ref.test (ref eq) (local.get 0)))
  (func (export "test_i31") (param anyref) (result i32) (ref.test (ref i31) (local.get 0)))
  (func (export "test_struct") (param anyref) (result i32) (ref.test (ref struct) (local.get 0)))
  (func (export "test_array") (param anyref) (result i32) (ref.test (ref array) (local.get 0)))
  (func (export "test_s") (param anyref) (result i32) (ref.test (ref $s) (local.get 0)))
  (func (export "test_t") (param anyref) (result i32) (ref.test (ref $t) (local.get 0)))
  (func (export "test_a") (param anyref) (result i32) (ref.test (ref $a) (local.get 0)))
  (func (export "test_null_s") (param anyref) (result i32) (ref.test (ref null $s) (local.get 0)))
  (func (export "test_none") (param anyref) (result i32) (ref.test (ref null none) (local.get 0)))
)
"#;

fn concrete(store: &mut Store<()>, instance: &Instance, export: &str) -> HeapType {
    // Each test function's `ref.test` target equals the heap type of the
    // value its namesake constructor returns; read the concrete types from
    // the values themselves.
    let f = instance.get_func(&mut *store, export).unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut *store, &[], &mut out).unwrap();
    out[0]
        .ref_()
        .unwrap()
        .ty(&*store)
        .unwrap()
        .heap_type()
        .clone()
}

#[test]
fn host_matches_agrees_with_wasm_ref_test() {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();

    let (tf, tg, th) = (
        concrete(&mut store, &instance, "ff"),
        concrete(&mut store, &instance, "fg"),
        concrete(&mut store, &instance, "fh"),
    );
    let (ts, tt, ta) = (
        concrete(&mut store, &instance, "s"),
        concrete(&mut store, &instance, "t"),
        concrete(&mut store, &instance, "a"),
    );

    let func_tests: Vec<(&str, RefType)> = vec![
        ("test_func", RefType::new(false, HeapType::Func)),
        ("test_null_func", RefType::new(true, HeapType::Func)),
        ("test_f", RefType::new(false, tf.clone())),
        ("test_g", RefType::new(false, tg.clone())),
        ("test_h", RefType::new(false, th.clone())),
        ("test_null_f", RefType::new(true, tf.clone())),
        ("test_nofunc", RefType::new(true, HeapType::NoFunc)),
    ];
    let any_tests: Vec<(&str, RefType)> = vec![
        ("test_any", RefType::new(false, HeapType::Any)),
        ("test_eq", RefType::new(false, HeapType::Eq)),
        ("test_i31", RefType::new(false, HeapType::I31)),
        ("test_struct", RefType::new(false, HeapType::Struct)),
        ("test_array", RefType::new(false, HeapType::Array)),
        ("test_s", RefType::new(false, ts.clone())),
        ("test_t", RefType::new(false, tt.clone())),
        ("test_a", RefType::new(false, ta.clone())),
        ("test_null_s", RefType::new(true, ts.clone())),
        ("test_none", RefType::new(true, HeapType::None)),
    ];

    let mut values: Vec<(String, Val, bool)> = Vec::new();
    for name in ["fg", "ff", "fh", "fnull"] {
        let f = instance.get_func(&mut store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[], &mut out).unwrap();
        values.push((name.to_string(), out[0].clone(), true));
    }
    for name in ["s", "t", "a", "i", "anull"] {
        let f = instance.get_func(&mut store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[], &mut out).unwrap();
        values.push((name.to_string(), out[0].clone(), false));
    }
    // Host-made values: an internalized host reference and a host i31.
    let ext = ExternRef::new(&mut store, 7u32).unwrap();
    let internal = AnyRef::convert_extern(&mut store, ext).unwrap();
    values.push(("host".into(), Val::AnyRef(Some(internal)), false));
    let i31 = AnyRef::from_i31(&mut store, tern::I31::wrapping_i32(-3));
    values.push(("host_i31".into(), Val::AnyRef(Some(i31)), false));

    let mut compared = 0;
    for (vname, val, is_func) in &values {
        let tests = if *is_func { &func_tests } else { &any_tests };
        for (tname, ty) in tests {
            let f = instance.get_func(&mut store, tname).unwrap();
            let mut out = [Val::I32(0)];
            f.call(&mut store, std::slice::from_ref(val), &mut out)
                .unwrap();
            let wasm = out[0].i32().unwrap() == 1;
            let host_val = val.matches_ty(&store, &ValType::Ref(ty.clone())).unwrap();
            let host_ref = val.ref_().unwrap().matches_ty(&store, ty).unwrap();
            assert_eq!(
                wasm, host_val,
                "{tname}({vname}): ref.test says {wasm}, Val::matches_ty says {host_val}"
            );
            assert_eq!(
                wasm, host_ref,
                "{tname}({vname}): Ref::matches_ty disagrees"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * 7 + 7 * 10);
    // Spot checks that the table is not trivially all-true or all-false.
    let t = Ref::Any(None);
    assert!(
        t.matches_ty(&store, &RefType::new(true, HeapType::None))
            .unwrap()
    );
    assert!(
        !t.matches_ty(&store, &RefType::new(false, HeapType::Any))
            .unwrap()
    );
}
