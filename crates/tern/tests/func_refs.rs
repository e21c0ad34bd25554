//! Typed function references through the public embedder API (issue 4).

use tern::{
    Config, Engine, ErrorKind, Func, FuncType, HeapType, Instance, Linker, Module, NoFunc, Ref,
    RefType, Store, Table, TableType, Val, ValType,
};

const MODULE: &str = r#"
(module
  (type $t (func (param i32) (result i32)))
  (type $u (func (param i64)))
  (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
  (func $other (type $u))
  (elem declare func $double $other)
  ;; Takes a nullable typed reference: returns -1 for null, else calls it with 21.
  (func (export "apply_null") (param $f (ref null $t)) (result i32)
    (if (result i32) (ref.is_null (local.get $f))
      (then (i32.const -1))
      (else (call_ref $t (i32.const 21) (local.get $f)))))
  ;; Takes a non-null typed reference.
  (func (export "apply") (param $f (ref $t)) (result i32)
    (call_ref $t (i32.const 21) (local.get $f)))
  (func (export "get_double") (result (ref $t)) (ref.func $double))
  (func (export "get_other") (result (ref $u)) (ref.func $other))
  (table (export "table") 2 (ref null $t))
)
"#;

fn setup() -> (Engine, Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    (engine, store, instance)
}

#[test]
fn typed_accepts_nofunc_and_func_for_nullable_concrete_param() {
    let (_engine, mut store, instance) = setup();
    let apply_null = instance.get_func(&mut store, "apply_null").unwrap();
    let as_nofunc = apply_null
        .typed::<Option<NoFunc>, i32>(&store)
        .expect("Option<NoFunc> is a subtype of (ref null $t)");
    assert_eq!(as_nofunc.call(&mut store, None).unwrap(), -1);

    let as_func = apply_null
        .typed::<Option<Func>, i32>(&store)
        .expect("Option<Func> is accepted with a dynamic check");
    let double = instance
        .get_typed_func::<(), Func>(&mut store, "get_double")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(as_func.call(&mut store, Some(double)).unwrap(), 42);
    assert_eq!(as_func.call(&mut store, None).unwrap(), -1);

    // A function of an unrelated type is rejected at call time.
    let other = instance
        .get_typed_func::<(), Func>(&mut store, "get_other")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    let err = as_func.call(&mut store, Some(other)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "{err}");

    // A host function whose type is a proper supertype of $t is rejected too.
    let sup = FuncType::with_finality_and_supertype(
        store.engine(),
        tern::Finality::NonFinal,
        None,
        [ValType::I32],
        [ValType::I32],
    )
    .unwrap();
    let host_sup = Func::new(&mut store, sup, |_, _, r| {
        r[0] = Val::I32(0);
        Ok(())
    })
    .unwrap();
    assert!(as_func.call(&mut store, Some(host_sup)).is_err());
}

#[test]
fn non_null_param_rejects_none() {
    let (_engine, mut store, instance) = setup();
    let apply = instance.get_func(&mut store, "apply").unwrap();
    let typed = apply.typed::<Option<Func>, i32>(&store).unwrap();
    assert!(typed.call(&mut store, None).is_err());
    let double = instance
        .get_typed_func::<(), Func>(&mut store, "get_double")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(typed.call(&mut store, Some(double)).unwrap(), 42);
    // The untyped path checks too.
    let mut out = [Val::I32(0)];
    assert!(
        apply
            .call(&mut store, &[Val::FuncRef(None)], &mut out)
            .is_err()
    );
    apply
        .call(&mut store, &[Val::FuncRef(Some(double))], &mut out)
        .unwrap();
    assert_eq!(out[0].i32(), Some(42));
}

#[test]
fn typed_results_accept_supertypes_only() {
    let (_engine, mut store, instance) = setup();
    let get = instance.get_func(&mut store, "get_double").unwrap();
    assert!(get.typed::<(), Option<Func>>(&store).is_ok());
    assert!(get.typed::<(), Func>(&store).is_ok());
    // A subtype of the declared result, or an unrelated type, fails up front.
    assert!(get.typed::<(), Option<NoFunc>>(&store).is_err());
    assert!(get.typed::<(), i32>(&store).is_err());
}

#[test]
fn host_function_links_only_if_its_type_matches() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "f" (func $f (param i32) (result i32)))
             (func (export "run") (result i32) (call $f (i32.const 20))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "f", |x: i32| x + 1).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 21);

    let mut bad = Linker::new(&engine);
    bad.func_wrap("host", "f", |x: i64| x).unwrap();
    let err = bad.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unlinkable);
    assert!(err.to_string().contains("host::f"), "{err}");
}

#[test]
fn tables_check_element_types() {
    let (_engine, mut store, instance) = setup();
    let table = instance.get_table(&mut store, "table").unwrap();
    let double = instance
        .get_typed_func::<(), Func>(&mut store, "get_double")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    let other = instance
        .get_typed_func::<(), Func>(&mut store, "get_other")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    table.set(&mut store, 0, Ref::Func(Some(double))).unwrap();
    assert!(table.set(&mut store, 1, Ref::Func(Some(other))).is_err());
    assert!(table.get(&mut store, 1).unwrap().is_null(), "unchanged");
    let got = table.get(&mut store, 0).unwrap();
    let ty = got.ty(&store).unwrap();
    let expected = double.ty(&store);
    match ty.heap_type() {
        HeapType::ConcreteFunc(f) => assert!(FuncType::eq(f, &expected)),
        other => panic!("expected a concrete function type, got {other:?}"),
    }
    assert!(!ty.is_nullable());

    // A non-nullable table rejects null.
    let nn = TableType::new(
        RefType::new(false, HeapType::ConcreteFunc(expected.clone())),
        1,
        None,
    );
    let t2 = Table::new(&mut store, nn, Ref::Func(Some(double))).unwrap();
    assert!(t2.set(&mut store, 0, Ref::Func(None)).is_err());
    assert!(!t2.get(&mut store, 0).unwrap().is_null());
    assert!(
        Table::new(
            &mut store,
            TableType::new(RefType::new(false, HeapType::Func), 1, None),
            Ref::Func(None)
        )
        .is_err()
    );
}

#[test]
fn disabled_function_references_name_the_feature() {
    let mut config = Config::new();
    config.wasm_function_references(false);
    config.wasm_gc(false);
    let engine = Engine::new(&config).unwrap();
    let err = Module::new(
        &engine,
        r#"(module (type $t (func)) (func (param (ref null $t)) (call_ref $t (local.get 0))))"#,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("function references") || msg.contains("function-references"),
        "{msg}"
    );
}

#[test]
fn null_helpers() {
    assert!(NoFunc::null().is_none());
    assert!(NoFunc::null_ref().is_null());
    assert!(NoFunc::null_val().is_null());
    assert!(Val::null_ref(&HeapType::Func).is_null());
}
