//! Types from modules: canonicalization across modules and with host-built
//! types, declared subtyping, and lifetimes tied to modules.

use tern::{
    Engine, ExternType, FieldType, Finality, FuncType, HeapType, Module, Mutability, RecFieldType,
    RecGroupBuilder, StorageType, StructType, ValType,
};

/// The heap type of each exported global's `(ref null $t)`, by export order.
fn exported_heap_types(m: &Module) -> Vec<HeapType> {
    m.exports()
        .filter_map(|e| match e.ty() {
            ExternType::Global(g) => Some(g.content().unwrap_ref().heap_type().clone()),
            ExternType::Func(f) => Some(HeapType::ConcreteFunc(f)),
            _ => None,
        })
        .collect()
}

const M1: &str = r#"(module
    (type $pad (func))
    (rec (type $a (sub (struct (field (ref null $b)))))
         (type $b (sub $a (struct (field (ref null $b)) (field i32)))))
    (type $f (func (param (ref $a)) (result (ref null $b))))
    (global (export "a") (ref null $a) (ref.null $a))
    (global (export "b") (ref null $b) (ref.null $b))
    (func (export "f") (type $f) (ref.null $b)))"#;

const M2: &str = r#"(module
    (type (struct))
    (type (array i8))
    (rec (type $x (sub (struct (field (ref null $y)))))
         (type $y (sub $x (struct (field (ref null $y)) (field i32)))))
    (type $g (func (param (ref $x)) (result (ref null $y))))
    (type (struct (field i64)))
    (global (export "x") (ref null $x) (ref.null $x))
    (global (export "y") (ref null $y) (ref.null $y))
    (func (export "g") (type $g) (ref.null $y)))"#;

#[test]
fn same_rec_group_in_two_modules_is_eq() {
    let engine = Engine::default();
    let m1 = Module::new(&engine, M1).unwrap();
    let m2 = Module::new(&engine, M2).unwrap();
    let t1 = exported_heap_types(&m1);
    let t2 = exported_heap_types(&m2);
    assert_eq!(t1.len(), 3);
    assert_eq!(t2.len(), 3);
    for (a, b) in t1.iter().zip(t2.iter()) {
        assert!(HeapType::eq(a, b), "{a} vs {b}");
    }
    assert!(t1[1].matches(&t2[0]));
    assert!(!t1[0].matches(&t2[1]));
    let f = t1[2].as_concrete_func().unwrap();
    let g = t2[2].as_concrete_func().unwrap();
    assert!(FuncType::eq(f, g));
    assert!(HeapType::eq(
        f.param(0).unwrap().unwrap_ref().heap_type(),
        &t2[0]
    ));
}

#[test]
fn host_built_group_is_eq_to_module_group() {
    let engine = Engine::default();
    let m1 = Module::new(&engine, M1).unwrap();
    let t1 = exported_heap_types(&m1);
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.reserve();
    let b = rec.reserve();
    rec.define_struct(
        a,
        Finality::NonFinal,
        None,
        [RecFieldType::new(Mutability::Const, b.ref_type(true))],
    );
    rec.define_struct(
        b,
        Finality::NonFinal,
        Some(a.into()),
        [
            RecFieldType::new(Mutability::Const, b.ref_type(true)),
            RecFieldType::new(Mutability::Const, ValType::I32),
        ],
    );
    let host = rec.build().unwrap();
    assert!(HeapType::eq(&host[0], &t1[0]));
    assert!(HeapType::eq(&host[1], &t1[1]));
    // A different finality or position is a different type.
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.reserve();
    let b = rec.reserve();
    rec.define_struct(
        a,
        Finality::Final,
        None,
        [RecFieldType::new(Mutability::Const, b.ref_type(true))],
    );
    rec.define_struct(
        b,
        Finality::NonFinal,
        None,
        [
            RecFieldType::new(Mutability::Const, b.ref_type(true)),
            RecFieldType::new(Mutability::Const, ValType::I32),
        ],
    );
    let other = rec.build().unwrap();
    assert!(!HeapType::eq(&other[0], &t1[0]));
    assert!(!HeapType::eq(&other[1], &t1[1]));

    // A single host struct type vs the module's equivalent.
    let m = Module::new(
        &engine,
        r#"(module (type $s (sub (struct (field (mut i32)) (field i8))))
                   (type $t (sub $s (struct (field (mut i32)) (field i8) (field f64))))
                   (global (export "s") (ref null $s) (ref.null $s))
                   (global (export "t") (ref null $t) (ref.null $t)))"#,
    )
    .unwrap();
    let mt = exported_heap_types(&m);
    let s = StructType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [
            FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32)),
            FieldType::new(Mutability::Const, StorageType::I8),
        ],
    )
    .unwrap();
    assert!(HeapType::eq(&HeapType::ConcreteStruct(s.clone()), &mt[0]));
    let t = StructType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        Some(&s),
        [
            FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32)),
            FieldType::new(Mutability::Const, StorageType::I8),
            FieldType::new(Mutability::Const, StorageType::ValType(ValType::F64)),
        ],
    )
    .unwrap();
    assert!(HeapType::eq(&HeapType::ConcreteStruct(t.clone()), &mt[1]));
    assert!(mt[1].as_concrete_struct().unwrap().matches(&s));
    // Without the declared supertype it is another type.
    let t2 = StructType::with_finality_and_supertype(&engine, Finality::NonFinal, None, t.fields())
        .unwrap();
    assert!(!HeapType::eq(&HeapType::ConcreteStruct(t2), &mt[1]));
}

#[test]
fn modules_keep_types_alive() {
    let engine = Engine::default();
    let start = engine.registered_types();
    let m1 = Module::new(&engine, M1).unwrap();
    let n1 = engine.registered_types();
    assert_eq!(n1 - start, 4);
    let m2 = Module::new(&engine, M2).unwrap();
    // M2 adds its three other types only.
    assert_eq!(engine.registered_types() - n1, 3);
    let t = exported_heap_types(&m2);
    drop(m1);
    assert_eq!(engine.registered_types() - start, 7 - 1);
    drop(m2);
    // The handles still hold the shared group and the function type.
    assert_eq!(engine.registered_types() - start, 3);
    drop(t);
    assert_eq!(engine.registered_types(), start);
}

#[test]
fn failed_module_leaves_registry_unchanged() {
    let engine = Engine::default();
    let _m1 = Module::new(&engine, M1).unwrap();
    let n = engine.registered_types();
    // Valid types, invalid function body.
    let bad = r#"(module
        (type $s (struct (field i32)))
        (type $u (sub (struct (field i64))))
        (func (result i32) (i64.const 0)))"#;
    assert!(Module::new(&engine, bad).is_err());
    assert_eq!(engine.registered_types(), n);
    // Subtyping a final type.
    let bad = r#"(module (type $s (struct)) (type $t (sub $s (struct))))"#;
    assert!(Module::new(&engine, bad).is_err());
    assert_eq!(engine.registered_types(), n);
}
