//! The public type API and the engine's type registry: canonicalization,
//! declared subtyping, validation of host-built types, lifetimes.

use tern::{
    ArrayType, Engine, ErrorKind, FieldType, Finality, FuncType, HeapType, Mutability,
    RecFieldType, RecGroupBuilder, RecSupertype, RecValType, RefType, StorageType, StructType,
    ValType,
};

fn field(m: Mutability, v: ValType) -> FieldType {
    FieldType::new(m, StorageType::ValType(v))
}

fn sref(nullable: bool, s: &StructType) -> ValType {
    ValType::Ref(RefType::new(nullable, HeapType::ConcreteStruct(s.clone())))
}

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
    check::<ValType>();
    check::<RefType>();
    check::<HeapType>();
    check::<FuncType>();
    check::<StructType>();
    check::<ArrayType>();
    check::<FieldType>();
    check::<StorageType>();
    check::<RecGroupBuilder>();
    check::<tern::Error>();
}

#[test]
fn identical_host_types_are_eq() {
    let engine = Engine::default();
    let a = FuncType::new(&engine, [ValType::I32, ValType::ANYREF], [ValType::I64]);
    let b = FuncType::new(&engine, [ValType::I32, ValType::ANYREF], [ValType::I64]);
    assert!(FuncType::eq(&a, &b));
    assert!(a.matches(&b) && b.matches(&a));
    assert_eq!(engine.registered_types(), 1);

    let s1 = StructType::new(&engine, [field(Mutability::Var, ValType::I32)]).unwrap();
    let s2 = StructType::new(&engine, [field(Mutability::Var, ValType::I32)]).unwrap();
    assert!(StructType::eq(&s1, &s2));
    let a1 = ArrayType::new(&engine, FieldType::new(Mutability::Const, StorageType::I8));
    let a2 = ArrayType::new(&engine, FieldType::new(Mutability::Const, StorageType::I8));
    assert!(ArrayType::eq(&a1, &a2));
    assert_eq!(engine.registered_types(), 3);

    // Types referring to eq types are eq.
    let r1 = StructType::new(&engine, [field(Mutability::Const, sref(true, &s1))]).unwrap();
    let r2 = StructType::new(&engine, [field(Mutability::Const, sref(true, &s2))]).unwrap();
    assert!(StructType::eq(&r1, &r2));
    assert!(ValType::eq(&sref(false, &s1), &sref(false, &s2)));
    assert_eq!(engine.registered_types(), 4);

    drop((a, b, s1, s2, a1, a2));
    // r1/r2 keep s1's group alive.
    assert_eq!(engine.registered_types(), 2);
    drop((r1, r2));
    assert_eq!(engine.registered_types(), 0);
}

#[test]
fn different_structure_finality_or_position_not_eq() {
    let engine = Engine::default();
    let i32f = || field(Mutability::Const, ValType::I32);
    let a =
        StructType::with_finality_and_supertype(&engine, Finality::Final, None, [i32f()]).unwrap();
    let b = StructType::with_finality_and_supertype(&engine, Finality::NonFinal, None, [i32f()])
        .unwrap();
    assert!(!StructType::eq(&a, &b));
    assert!(!a.matches(&b) && !b.matches(&a));
    assert_eq!(a.finality(), Finality::Final);
    assert_eq!(b.finality(), Finality::NonFinal);

    let c = StructType::new(&engine, [field(Mutability::Var, ValType::I32)]).unwrap();
    assert!(!StructType::eq(&a, &c));

    // Position in the rec group matters: (rec A B) vs (rec B A), and a
    // type alone vs the same type in a bigger group.
    let build = |first_i64: bool| {
        let mut rec = RecGroupBuilder::new(&engine);
        let x = rec.reserve();
        let y = rec.reserve();
        let (p, q) = if first_i64 {
            (ValType::I64, ValType::I32)
        } else {
            (ValType::I32, ValType::I64)
        };
        rec.define_struct(
            x,
            Finality::Final,
            None,
            [RecFieldType::new(Mutability::Const, p)],
        );
        rec.define_struct(
            y,
            Finality::Final,
            None,
            [RecFieldType::new(Mutability::Const, q)],
        );
        rec.build().unwrap()
    };
    let g1 = build(false);
    let g2 = build(true);
    let g3 = build(false);
    assert!(HeapType::eq(&g1[0], &g3[0]) && HeapType::eq(&g1[1], &g3[1]));
    // g1[0] and g2[1] have the same definition but different positions.
    assert!(!HeapType::eq(&g1[0], &g2[1]));
    assert!(!HeapType::eq(&g1[0], &HeapType::ConcreteStruct(a.clone())));
    assert_eq!(engine.registered_types(), 3 + 4);
    drop((a, b, c, g1, g2, g3));
    assert_eq!(engine.registered_types(), 0);
}

#[test]
fn declared_subtyping_not_structural() {
    let engine = Engine::default();
    let base = FuncType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [ValType::EQREF],
        [ValType::ANYREF],
    )
    .unwrap();
    let sub = FuncType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        Some(&base),
        [ValType::ANYREF],
        [ValType::EQREF],
    )
    .unwrap();
    let lookalike = FuncType::new(&engine, [ValType::ANYREF], [ValType::EQREF]);
    assert!(sub.matches(&base));
    assert!(!lookalike.matches(&base));
    assert!(FuncType::eq(&sub.supertype().unwrap(), &base));
    assert!(base.supertype().is_none());
    assert!(ValType::eq(&sub.param(0).unwrap(), &ValType::ANYREF));
    assert!(ValType::eq(&sub.result(0).unwrap(), &ValType::EQREF));
    assert!(sub.param(1).is_none());
    let hsub = HeapType::ConcreteFunc(sub.clone());
    assert!(hsub.matches(&HeapType::Func));
    assert!(!hsub.matches(&HeapType::Any));
    assert!(HeapType::NoFunc.matches(&hsub));
    assert!(!HeapType::None.matches(&hsub));
    assert!(HeapType::eq(&hsub.top(), &HeapType::Func));
    assert!(HeapType::eq(&hsub.bottom(), &HeapType::NoFunc));
    assert!(!hsub.is_top() && !hsub.is_bottom() && hsub.is_concrete());
    // Transitive.
    let subsub = FuncType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&sub),
        [ValType::ANYREF],
        [ValType::I31REF],
    )
    .unwrap();
    assert!(subsub.matches(&base));
    assert!(subsub.matches(&sub));
    assert!(!base.matches(&subsub));
}

#[test]
fn types_of_other_engines() {
    let e1 = Engine::default();
    let e2 = Engine::default();
    let f1 = FuncType::new(&e1, [], []);
    let f2 = FuncType::new(&e2, [], []);
    assert!(!f1.matches(&f2));
    assert!(!FuncType::eq(&f1, &f2));
    let fref = |f: &FuncType| ValType::Ref(RefType::new(true, HeapType::ConcreteFunc(f.clone())));
    assert!(!fref(&f1).matches(&fref(&f2)));

    let nf = FuncType::with_finality_and_supertype(&e1, Finality::NonFinal, None, [], []).unwrap();
    let before = e2.registered_types();
    assert!(
        FuncType::with_finality_and_supertype(&e2, Finality::Final, Some(&nf), [], []).is_err()
    );
    assert!(FuncType::try_new(&e2, [fref(&f1)], []).is_err());
    assert!(StructType::new(&e2, [field(Mutability::Const, fref(&f1))]).is_err());
    assert_eq!(e2.registered_types(), before);
    // The infallible constructor refuses too (it panics, as Wasmtime's
    // does; `try_new` is the fallible form), and registers nothing.
    let panicked = std::panic::catch_unwind(|| FuncType::new(&e2, [fref(&f1)], [])).is_err();
    assert!(panicked);
    assert_eq!(e2.registered_types(), before);
}

#[test]
fn depth_limit_63() {
    let engine = Engine::default();
    let mut chain = vec![
        StructType::with_finality_and_supertype(&engine, Finality::NonFinal, None, []).unwrap(),
    ];
    for _ in 0..63 {
        let sup = chain.last().unwrap().clone();
        chain.push(
            StructType::with_finality_and_supertype(&engine, Finality::NonFinal, Some(&sup), [])
                .unwrap(),
        );
    }
    assert_eq!(chain.len(), 64); // depths 0..=63
    assert_eq!(engine.registered_types(), 64);
    let deepest = chain.last().unwrap();
    let err =
        StructType::with_finality_and_supertype(&engine, Finality::NonFinal, Some(deepest), [])
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert_eq!(engine.registered_types(), 64);
    // Also through the builder, with the chain continuing inside the group.
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.push_struct(
        Finality::NonFinal,
        Some(chain[62].clone().into()),
        Vec::<RecFieldType>::new(),
    );
    rec.push_struct(
        Finality::NonFinal,
        Some(a.into()),
        Vec::<RecFieldType>::new(),
    );
    assert!(rec.build().is_err());
    assert_eq!(engine.registered_types(), 64);
    // Subtype checks at every depth.
    for (i, t) in chain.iter().enumerate() {
        assert!(deepest.matches(t));
        assert_eq!(t.matches(deepest), i == 63);
    }
    // Dropping the deepest handle first releases the whole chain, iteratively.
    let last = chain.pop().unwrap();
    drop(chain);
    assert_eq!(engine.registered_types(), 64);
    drop(last);
    assert_eq!(engine.registered_types(), 0);
}

#[test]
fn final_supertype_is_err() {
    let engine = Engine::default();
    let fin = StructType::new(&engine, []).unwrap();
    let n = engine.registered_types();
    assert!(
        StructType::with_finality_and_supertype(&engine, Finality::Final, Some(&fin), []).is_err()
    );
    let ffin = FuncType::new(&engine, [], []);
    let n2 = engine.registered_types();
    assert!(
        FuncType::with_finality_and_supertype(&engine, Finality::Final, Some(&ffin), [], [])
            .is_err()
    );
    assert_eq!(n + 1, n2);
    assert_eq!(engine.registered_types(), n2);
    // In-group final supertype.
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.push_struct(Finality::Final, None, Vec::<RecFieldType>::new());
    rec.push_struct(Finality::Final, Some(a.into()), Vec::<RecFieldType>::new());
    assert!(rec.build().is_err());
    assert_eq!(engine.registered_types(), n2);
}

#[test]
fn mismatching_fields_are_err() {
    let engine = Engine::default();
    let nf = Finality::NonFinal;
    let base = StructType::with_finality_and_supertype(
        &engine,
        nf,
        None,
        [
            field(Mutability::Const, ValType::ANYREF),
            field(Mutability::Var, ValType::ANYREF),
        ],
    )
    .unwrap();
    let n = engine.registered_types();
    let bad: Vec<Vec<FieldType>> = vec![
        // Too few fields.
        vec![field(Mutability::Const, ValType::ANYREF)],
        // Mutable field changed (invariant).
        vec![
            field(Mutability::Const, ValType::ANYREF),
            field(Mutability::Var, ValType::EQREF),
        ],
        // Mutability changed.
        vec![
            field(Mutability::Var, ValType::ANYREF),
            field(Mutability::Var, ValType::ANYREF),
        ],
        // Immutable field widened.
        vec![
            field(Mutability::Const, ValType::EXTERNREF),
            field(Mutability::Var, ValType::ANYREF),
        ],
        // Packed vs i32.
        vec![
            FieldType::new(Mutability::Const, StorageType::I8),
            field(Mutability::Var, ValType::ANYREF),
        ],
    ];
    for fields in bad {
        assert!(StructType::with_finality_and_supertype(&engine, nf, Some(&base), fields).is_err());
        assert_eq!(engine.registered_types(), n);
    }
    // Covariant immutable field, extra field: fine.
    let ok = StructType::with_finality_and_supertype(
        &engine,
        nf,
        Some(&base),
        [
            field(Mutability::Const, ValType::I31REF),
            field(Mutability::Var, ValType::ANYREF),
            field(Mutability::Var, ValType::I64),
        ],
    )
    .unwrap();
    assert!(ok.matches(&base));

    // Functions: params contravariant, results covariant, arity fixed.
    let f = FuncType::with_finality_and_supertype(
        &engine,
        nf,
        None,
        [ValType::EQREF],
        [ValType::EQREF],
    )
    .unwrap();
    let n = engine.registered_types();
    for (p, r) in [
        (vec![ValType::I31REF], vec![ValType::EQREF]),
        (vec![ValType::EQREF], vec![ValType::ANYREF]),
        (vec![ValType::EQREF, ValType::I32], vec![ValType::EQREF]),
        (vec![ValType::EQREF], vec![]),
    ] {
        assert!(FuncType::with_finality_and_supertype(&engine, nf, Some(&f), p, r).is_err());
        assert_eq!(engine.registered_types(), n);
    }
    assert!(
        FuncType::with_finality_and_supertype(
            &engine,
            nf,
            Some(&f),
            [ValType::ANYREF],
            [ValType::I31REF]
        )
        .is_ok()
    );

    // Arrays.
    let a = ArrayType::with_finality_and_supertype(
        &engine,
        nf,
        None,
        field(Mutability::Var, ValType::EQREF),
    )
    .unwrap();
    let n = engine.registered_types();
    assert!(
        ArrayType::with_finality_and_supertype(
            &engine,
            nf,
            Some(&a),
            field(Mutability::Var, ValType::I31REF)
        )
        .is_err()
    );
    assert!(
        ArrayType::with_finality_and_supertype(
            &engine,
            nf,
            Some(&a),
            field(Mutability::Const, ValType::EQREF)
        )
        .is_err()
    );
    assert_eq!(engine.registered_types(), n);

    // Kind mismatch through the builder.
    let mut rec = RecGroupBuilder::new(&engine);
    rec.push_struct(
        nf,
        Some(RecSupertype::Func(f.clone())),
        Vec::<RecFieldType>::new(),
    );
    assert!(rec.build().is_err());
    let mut rec = RecGroupBuilder::new(&engine);
    let x = rec.push_array(nf, None, RecFieldType::new(Mutability::Const, ValType::I32));
    rec.push_struct(nf, Some(x.into()), Vec::<RecFieldType>::new());
    assert!(rec.build().is_err());
    assert_eq!(engine.registered_types(), n);
}

#[test]
fn builder_misuse_is_err() {
    let engine = Engine::default();
    // Reserved but never defined.
    let mut rec = RecGroupBuilder::new(&engine);
    rec.reserve();
    assert!(rec.build().is_err());
    // Defined twice.
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.reserve();
    rec.define_array(
        a,
        Finality::Final,
        None,
        RecFieldType::new(Mutability::Const, ValType::I32),
    );
    rec.define_array(
        a,
        Finality::Final,
        None,
        RecFieldType::new(Mutability::Const, ValType::I32),
    );
    assert!(rec.build().is_err());
    // Index of another builder.
    let mut other = RecGroupBuilder::new(&engine);
    other.reserve();
    let foreign = other.reserve();
    let mut rec = RecGroupBuilder::new(&engine);
    rec.push_struct(
        Finality::Final,
        None,
        [RecFieldType::new(Mutability::Const, foreign.ref_type(true))],
    );
    assert!(rec.build().is_err());
    // Supertype later in the group.
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.reserve();
    let b = rec.push_struct(Finality::NonFinal, None, Vec::<RecFieldType>::new());
    rec.define_struct(
        a,
        Finality::NonFinal,
        Some(b.into()),
        Vec::<RecFieldType>::new(),
    );
    assert!(rec.build().is_err());
    // Self as supertype.
    let mut rec = RecGroupBuilder::new(&engine);
    let a = rec.reserve();
    rec.define_struct(
        a,
        Finality::NonFinal,
        Some(a.into()),
        Vec::<RecFieldType>::new(),
    );
    assert!(rec.build().is_err());
    assert_eq!(engine.registered_types(), 0);
    // An empty group is fine and registers nothing.
    assert!(RecGroupBuilder::new(&engine).build().unwrap().is_empty());
    assert_eq!(engine.registered_types(), 0);
}

#[test]
fn recursive_groups() {
    let engine = Engine::default();
    // Mutually recursive, with an in-group supertype whose fields refer to
    // the group.
    let build = || {
        let mut rec = RecGroupBuilder::new(&engine);
        let node = rec.reserve();
        let leaf = rec.reserve();
        let visit = rec.reserve();
        rec.define_struct(
            node,
            Finality::NonFinal,
            None,
            [RecFieldType::new(Mutability::Const, node.ref_type(true))],
        );
        rec.define_struct(
            leaf,
            Finality::Final,
            Some(node.into()),
            [
                RecFieldType::new(Mutability::Const, leaf.ref_type(false)),
                RecFieldType::new(Mutability::Var, visit.ref_type(true)),
            ],
        );
        rec.define_func(
            visit,
            Finality::Final,
            None,
            [node.ref_type(false)],
            [RecValType::Val(ValType::I32)],
        );
        rec.build().unwrap()
    };
    let g = build();
    assert_eq!(engine.registered_types(), 3);
    let again = build();
    assert_eq!(engine.registered_types(), 3);
    for (a, b) in g.iter().zip(again.iter()) {
        assert!(HeapType::eq(a, b));
    }
    let node = g[0].unwrap_concrete_struct();
    let leaf = g[1].unwrap_concrete_struct();
    let visit = g[2].unwrap_concrete_func();
    assert!(leaf.matches(node));
    assert!(!node.matches(leaf));
    assert!(StructType::eq(&leaf.supertype().unwrap(), node));
    let f0 = node.field(0).unwrap();
    assert!(HeapType::eq(
        f0.element_type().unwrap_val_type().unwrap_ref().heap_type(),
        &g[0]
    ));
    let f1 = leaf.field(1).unwrap();
    assert_eq!(f1.mutability(), Mutability::Var);
    assert!(HeapType::eq(
        f1.element_type().unwrap_val_type().unwrap_ref().heap_type(),
        &g[2]
    ));
    let p = visit.param(0).unwrap();
    assert!(!p.unwrap_ref().is_nullable());
    assert!(HeapType::eq(p.unwrap_ref().heap_type(), &g[0]));

    // A host type outside the group referring into it keeps it alive.
    let holder = StructType::new(&engine, [field(Mutability::Const, sref(true, leaf))]).unwrap();
    drop((g, again));
    assert_eq!(engine.registered_types(), 4);
    let inner = holder.field(0).unwrap();
    let leaf2 = inner
        .element_type()
        .unwrap_val_type()
        .unwrap_ref()
        .heap_type()
        .clone();
    drop(holder);
    assert_eq!(engine.registered_types(), 3);
    assert!(leaf2.is_concrete_struct());
    drop((leaf2, inner));
    // Types read out of definitions are handles too.
    assert_eq!(engine.registered_types(), 3);
    drop((f0, f1, p));
    assert_eq!(engine.registered_types(), 0);
}

#[test]
fn abstract_hierarchy_and_nullability() {
    let all = [
        HeapType::Func,
        HeapType::NoFunc,
        HeapType::Extern,
        HeapType::NoExtern,
        HeapType::Any,
        HeapType::Eq,
        HeapType::I31,
        HeapType::Struct,
        HeapType::Array,
        HeapType::None,
        HeapType::Exn,
        HeapType::NoExn,
    ];
    for h in &all {
        assert!(h.matches(h));
        assert!(h.matches(&h.top()));
        assert!(h.bottom().matches(h));
        assert!(!RefType::new(true, h.clone()).matches(&RefType::new(false, h.clone())));
        assert!(RefType::new(false, h.clone()).matches(&RefType::new(true, h.clone())));
    }
    assert!(HeapType::I31.matches(&HeapType::Eq));
    assert!(HeapType::Struct.matches(&HeapType::Any));
    assert!(!HeapType::Eq.matches(&HeapType::Struct));
    assert!(!HeapType::NoExtern.matches(&HeapType::Any));
    assert!(!HeapType::Func.matches(&HeapType::Any));
    assert!(ValType::NULLEXNREF.matches(&ValType::EXNREF));
    assert!(!ValType::I32.matches(&ValType::ANYREF));
    assert!(ValType::eq(&ValType::V128, &ValType::V128));
    assert!(StorageType::eq(&StorageType::I16, &StorageType::I16));
    assert!(!StorageType::I16.matches(&StorageType::I8));
    assert!(ValType::I64.default_value().is_some());
    assert!(ValType::ANYREF.default_value().is_some());
    assert!(
        ValType::Ref(RefType::new(false, HeapType::Any))
            .default_value()
            .is_none()
    );
    assert!(StorageType::I8.unpack().is_i32());
}

#[test]
fn display() {
    let engine = Engine::default();
    assert_eq!(ValType::I32.to_string(), "i32");
    assert_eq!(ValType::FUNCREF.to_string(), "funcref");
    assert_eq!(ValType::NULLREF.to_string(), "nullref");
    assert_eq!(RefType::new(false, HeapType::Any).to_string(), "(ref any)");
    let f = FuncType::new(&engine, [ValType::I32, ValType::EXTERNREF], [ValType::F64]);
    assert_eq!(f.to_string(), "(func (param i32 externref) (result f64))");
    let r = RefType::new(true, HeapType::ConcreteFunc(f.clone()));
    assert!(r.to_string().starts_with("(ref null $"), "{r}");
    let s = StructType::new(
        &engine,
        [
            field(Mutability::Var, ValType::I64),
            FieldType::new(Mutability::Const, StorageType::I8),
        ],
    )
    .unwrap();
    assert_eq!(s.to_string(), "(struct (field (mut i64)) (field i8))");
    let a = ArrayType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        field(Mutability::Var, ValType::I32),
    )
    .unwrap();
    assert_eq!(a.to_string(), "(sub (array (mut i32)))");
}

#[test]
fn long_dependency_chain_is_released_iteratively() {
    // 100,000 rec groups, each referring to the previous one; only the last
    // handle is kept. Dropping it releases the whole chain without
    // recursion (a recursive release would overflow the thread's stack).
    let engine = Engine::default();
    let mut last = StructType::new(&engine, []).unwrap();
    for _ in 0..100_000 {
        last = StructType::new(&engine, [field(Mutability::Const, sref(false, &last))]).unwrap();
    }
    assert_eq!(engine.registered_types(), 100_001);
    drop(last);
    assert_eq!(engine.registered_types(), 0);
}
