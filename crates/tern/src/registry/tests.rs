//! Registry internals: the resurrection race made deterministic, and the
//! map, slab and id allocator emptying completely.

use super::*;

fn leaf_key() -> Vec<KeySub> {
    vec![KeySub {
        is_final: true,
        supertype: None,
        composite: CComposite::Struct {
            fields: Box::new([CField {
                mutable: false,
                storage: CStorage::Val(CVal::Ref(CRef {
                    nullable: true,
                    heap: CHeap::RecRel(0),
                })),
            }]),
        },
    }]
}

fn user_key(dep: TypeId) -> Vec<KeySub> {
    vec![KeySub {
        is_final: false,
        supertype: None,
        composite: CComposite::Func {
            params: Box::new([CVal::Ref(CRef {
                nullable: false,
                heap: CHeap::Concrete(dep),
            })]),
            results: Box::new([]),
        },
    }]
}

fn is_empty(reg: &TypeRegistry) -> bool {
    let st = reg.shared.lock();
    st.map.is_empty() && st.slab.is_empty() && st.live_types == 0 && st.ids.high_water() == 0
}

#[test]
fn canonical_and_released() {
    let reg = TypeRegistry::new();
    let a = reg.register(leaf_key(), vec![]).unwrap();
    let b = reg.register(leaf_key(), vec![]).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let u = reg.register(user_key(a.start), vec![a.clone()]).unwrap();
    assert_eq!(reg.registered_types(), 2);
    assert!(reg.type_ref(u.start).is_some());
    assert_eq!(u.types[0].composite.kind(), Kind::Func);
    drop((a, b));
    // `u` keeps the leaf alive.
    assert_eq!(reg.registered_types(), 2);
    drop(u);
    assert!(is_empty(&reg));
}

#[test]
fn resurrection_race() {
    let reg = TypeRegistry::new();
    let old = reg.register(leaf_key(), vec![]).unwrap();
    let old_start = old.start;
    // Simulate a drop in progress: the strong count is zero (so the map's
    // `Weak` is dead) but `Drop` has not run yet.
    let dying = Arc::into_inner(old).unwrap();
    // Looking the group up again must register a fresh one.
    let fresh = reg.register(leaf_key(), vec![]).unwrap();
    assert_ne!(fresh.start, old_start);
    assert_eq!(reg.registered_types(), 2);
    // The dying group's `Drop` must leave the fresh group's entry alone.
    drop(dying);
    assert_eq!(reg.registered_types(), 1);
    let again = reg.register(leaf_key(), vec![]).unwrap();
    assert!(Arc::ptr_eq(&fresh, &again));
    assert!(reg.type_ref(old_start).is_none() || old_start == fresh.start);
    // A group depending on the fresh one.
    let u = reg
        .register(user_key(fresh.start), vec![fresh.clone()])
        .unwrap();
    drop((fresh, again));
    drop(u);
    assert!(is_empty(&reg));
}

#[test]
fn dying_dependency_is_not_resurrected_through_deps() {
    // A group that dies while a dependent is dropped: the dependent's Drop
    // takes it apart iteratively; nothing leaks.
    let reg = TypeRegistry::new();
    let mut last = reg.register(leaf_key(), vec![]).unwrap();
    for _ in 0..1000 {
        let next = reg.register(user_key(last.start), vec![last.clone()]);
        // Every user key is non-final with the same shape but a different
        // dependency id, so each is a new group.
        last = next.unwrap();
    }
    assert_eq!(reg.registered_types(), 1001);
    drop(last);
    assert!(is_empty(&reg));
}

#[test]
fn invalid_keys_change_nothing() {
    let reg = TypeRegistry::new();
    let a = reg.register(leaf_key(), vec![]).unwrap();
    // Unknown dependency.
    assert!(
        reg.register(user_key(a.start.offset(7)), vec![a.clone()])
            .is_err()
    );
    // Dependency id not backed by `deps`.
    assert!(reg.register(user_key(a.start), vec![]).is_err());
    // Final supertype.
    let mut k = user_key(a.start);
    k[0].supertype = Some(CHeap::Concrete(a.start));
    assert!(reg.register(k, vec![a.clone()]).is_err());
    // Out-of-range in-group reference and forward supertype.
    let mut k = leaf_key();
    k[0].supertype = Some(CHeap::RecRel(0));
    assert!(reg.register(k, vec![]).is_err());
    let mut k = leaf_key();
    if let CComposite::Struct { fields } = &mut k[0].composite {
        fields[0].storage = CStorage::Val(CVal::Ref(CRef {
            nullable: true,
            heap: CHeap::RecRel(3),
        }));
    }
    assert!(reg.register(k, vec![]).is_err());
    assert_eq!(reg.registered_types(), 1);
    drop(a);
    assert!(is_empty(&reg));
}

#[test]
fn threads_leave_no_entries() {
    let reg = Arc::new(TypeRegistry::new());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let reg = reg.clone();
            std::thread::spawn(move || {
                for _ in 0..5000 {
                    let a = reg.register(leaf_key(), vec![]).unwrap();
                    let u = reg.register(user_key(a.start), vec![a.clone()]).unwrap();
                    drop(a);
                    assert_eq!(u.deps.len(), 1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(is_empty(&reg));
}

/// Registers a module's rec groups the way module translation does:
/// validate, then register each group of the type section in order.
fn module_types(reg: &TypeRegistry, wat: &str) -> crate::Result<Vec<TypeRef>> {
    let wasm = wat::parse_str(wat).map_err(|e| crate::Error::invalid(e.to_string()))?;
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM3)
        .validate_all(&wasm)
        .map_err(|e| crate::Error::invalid(e.to_string()))?;
    let mut types: Vec<TypeRef> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let Ok(wasmparser::Payload::TypeSection(r)) = payload {
            for group in r {
                let group = group.map_err(|e| crate::Error::invalid(e.to_string()))?;
                let first = types.len() as u32;
                let g = reg.register_wasm_rec_group(&group, &types, first)?;
                for index in 0..g.len() {
                    types.push(TypeRef {
                        group: g.clone(),
                        index,
                    });
                }
            }
        }
    }
    Ok(types)
}

#[test]
fn modules_share_rec_groups() {
    let engine = crate::Engine::default();
    let reg = engine.registry();
    let m1 = module_types(
        reg,
        r#"(module
            (type $pad (func))
            (rec (type $a (sub (struct (field (ref null $b)))))
                 (type $b (sub $a (struct (field (ref null $b)) (field i32)))))
            (type $f (func (param (ref $a)) (result (ref null $b)))))"#,
    )
    .unwrap();
    let m2 = module_types(
        reg,
        r#"(module
            (type (struct))
            (type (array i8))
            (type $g (func (param (ref $x)) (result (ref null $y))))
            (rec (type $x (sub (struct (field (ref null $y)))))
                 (type $y (sub $x (struct (field (ref null $y)) (field i32))))))"#,
    )
    .is_err();
    // A forward reference outside a rec group is invalid; the registry is
    // unchanged by the failed module.
    assert!(m2);
    assert_eq!(reg.registered_types(), 4);
    let m2 = module_types(
        reg,
        r#"(module
            (type (struct))
            (type (array i8))
            (rec (type $x (sub (struct (field (ref null $y)))))
                 (type $y (sub $x (struct (field (ref null $y)) (field i32)))))
            (type $g (func (param (ref $x)) (result (ref null $y)))))"#,
    )
    .unwrap();
    assert_eq!(m1[1].id(), m2[2].id());
    assert_eq!(m1[2].id(), m2[3].id());
    assert_eq!(m1[3].id(), m2[4].id());
    assert!(m1[2].is_subtype_of(&m2[2]));
    assert!(!m1[1].is_subtype_of(&m2[3]));
    assert_eq!(reg.registered_types(), 6);

    // The same group built from the host is the same canonical group.
    use crate::types::*;
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
    let ha = host[0].as_concrete_struct().unwrap().type_ref().clone();
    assert_eq!(ha.id(), m1[1].id());
    let f = FuncType::new(
        &engine,
        [ValType::Ref(RefType::new(false, host[0].clone()))],
        [ValType::Ref(RefType::new(true, host[1].clone()))],
    );
    assert_eq!(f.type_ref().id(), m1[3].id());
    // Reading a module type back through the public API.
    let mf = FuncType::from_type_ref(&engine, m2[4].clone());
    assert!(FuncType::eq(&mf, &f));
    assert!(HeapType::eq(
        mf.param(0).unwrap().unwrap_ref().heap_type(),
        &host[0]
    ));

    // Final vs non-final, and position, differ.
    let m3 = module_types(
        reg,
        r#"(module
            (rec (type $x (sub final (struct (field (ref null $y)))))
                 (type $y (struct (field (ref null $y)) (field i32)))))"#,
    )
    .unwrap();
    assert_ne!(m3[0].id(), m1[1].id());
    let m4 = module_types(
        reg,
        r#"(module (rec (type $p (struct)) (type $q (sub (struct (field (ref null $q)))))))"#,
    )
    .unwrap();
    let m5 = module_types(
        reg,
        r#"(module (rec (type $q (sub (struct (field (ref null $q)))))))"#,
    )
    .unwrap();
    assert_ne!(m4[1].id(), m5[0].id());
    drop((m1, m2, m3, m4, m5, host, ha, f, mf));
    assert!(is_empty(reg));
}

#[test]
fn unsupported_wasm_types_are_errors() {
    let reg = TypeRegistry::new();
    // Shared types (shared-everything threads) are unsupported.
    let wasm = wat::parse_str("(module (type (shared (struct))))");
    if let Ok(wasm) = wasm {
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let Ok(wasmparser::Payload::TypeSection(r)) = payload {
                for group in r.into_iter().flatten() {
                    assert!(reg.register_wasm_rec_group(&group, &[], 0).is_err());
                }
            }
        }
    }
    assert!(is_empty(&reg));
}
