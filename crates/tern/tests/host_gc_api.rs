//! The host GC API's cheap paths. Scoped GC roots (`RootScope`) next to
//! owned handles: scoped handles keep their objects alive and follow them
//! through collections, end with their scope (an error afterwards, never
//! another object), and become owned with `to_owned_rooted`. Pre-resolved
//! allocators (`StructRefPre`, `ArrayRefPre`) allocate like the types they
//! resolve and belong to one store. `EqRef` holds exactly the eq references;
//! the bottom types (`NoneRef`, `NoExtern`, `NoFunc`) type null-only
//! parameters and results.

use tern::{
    ArrayRef, ArrayRefPre, ArrayType, AsContextMut, Config, Engine, FieldType, Mutability, RefType,
    RootScope, StorageType, Store, StructRef, StructRefPre, StructType, Val, ValType,
};

fn engine() -> Engine {
    let mut config = Config::new();
    config.gc_verify(true);
    Engine::new(&config).unwrap()
}

fn i32_struct(engine: &Engine) -> StructType {
    let field = FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32));
    StructType::new(engine, [field]).unwrap()
}

fn field(s: &StructRef, store: impl tern::AsContextMut) -> i32 {
    s.field(store, 0).unwrap().i32().unwrap()
}

#[test]
fn scoped_handles_survive_collections_inside_their_scope() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let mut scope = RootScope::new(&mut store);
    let handles: Vec<StructRef> = (0..100)
        .map(|i| StructRef::new(&mut scope, &ty, &[Val::I32(i)]).unwrap())
        .collect();
    // Garbage in between, then collections that move the survivors.
    for i in 0..1000 {
        StructRef::new(&mut scope, &ty, &[Val::I32(-i)]).unwrap();
    }
    scope.as_context_mut().gc().unwrap();
    scope.as_context_mut().gc().unwrap();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(field(h, &mut scope), i as i32);
    }
}

#[test]
fn scoped_handles_end_with_their_scope() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let stale = {
        let mut scope = RootScope::new(&mut store);
        StructRef::new(&mut scope, &ty, &[Val::I32(1)]).unwrap()
    };
    store.gc().unwrap();
    assert_eq!(
        store.gc_stats().live_bytes,
        0,
        "the scope's object was freed"
    );
    // A new scope reuses the LIFO entry; the stale handle must not see it.
    let mut scope = RootScope::new(&mut store);
    let fresh = StructRef::new(&mut scope, &ty, &[Val::I32(2)]).unwrap();
    let err = stale.field(&mut scope, 0).unwrap_err();
    assert!(err.to_string().contains("RootScope"), "{err}");
    assert!(stale.set_field(&mut scope, 0, Val::I32(3)).is_err());
    assert!(stale.to_owned_rooted(&mut scope).is_err());
    assert_eq!(field(&fresh, &mut scope), 2);
}

#[test]
fn owned_handles_outlive_scopes_and_handles_outside_scopes_are_owned() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let before = StructRef::new(&mut store, &ty, &[Val::I32(7)]).unwrap();
    let kept = {
        let mut scope = RootScope::new(&mut store);
        let s = StructRef::new(&mut scope, &ty, &[Val::I32(8)]).unwrap();
        // A handle created outside the scope stays usable inside it.
        assert_eq!(field(&before, &mut scope), 7);
        s.to_owned_rooted(&mut scope).unwrap()
    };
    store.gc().unwrap();
    assert_eq!(field(&before, &mut store), 7);
    assert_eq!(field(&kept, &mut store), 8);
}

#[test]
fn nested_and_forgotten_scopes_unwind_in_order() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let mut outer = RootScope::new(&mut store);
    let a = StructRef::new(&mut outer, &ty, &[Val::I32(1)]).unwrap();
    let inner_handle = {
        let mut inner = RootScope::new(&mut outer);
        let b = StructRef::new(&mut inner, &ty, &[Val::I32(2)]).unwrap();
        assert_eq!(field(&a, &mut inner), 1);
        assert_eq!(field(&b, &mut inner), 2);
        b
    };
    assert!(inner_handle.field(&mut outer, 0).is_err());
    assert_eq!(field(&a, &mut outer), 1);
    // A forgotten inner scope is closed by its outer scope's end.
    let forgotten = RootScope::new(&mut outer);
    std::mem::forget(forgotten);
    let c = StructRef::new(&mut outer, &ty, &[Val::I32(3)]).unwrap();
    drop(outer);
    assert!(c.field(&mut store, 0).is_err());
    assert!(a.field(&mut store, 0).is_err());
    // With every scope closed, new handles are owned again.
    let d = StructRef::new(&mut store, &ty, &[Val::I32(4)]).unwrap();
    store.gc().unwrap();
    assert_eq!(field(&d, &mut store), 4);
}

#[test]
fn values_read_and_returned_inside_a_scope_are_scoped() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let arr_ty = ArrayType::new(
        &engine,
        FieldType::new(
            Mutability::Var,
            StorageType::ValType(ValType::Ref(RefType::new(true, ty.clone().into()))),
        ),
    );
    let s = StructRef::new(&mut store, &ty, &[Val::I32(5)]).unwrap();
    let arr = ArrayRef::new(&mut store, &arr_ty, &Val::AnyRef(Some(s.to_anyref())), 3).unwrap();
    let read = {
        let mut scope = RootScope::new(&mut store);
        let v = arr.get(&mut scope, 1).unwrap();
        let Val::AnyRef(Some(a)) = v else {
            panic!("expected a struct")
        };
        let st = a.unwrap_struct(&mut scope).unwrap();
        assert_eq!(field(&st, &mut scope), 5);
        a
    };
    assert!(
        read.is_struct(&store).is_err(),
        "read inside the scope, gone after it"
    );
    // The array and its elements are still alive through the owned handles.
    store.gc().unwrap();
    assert_eq!(field(&s, &mut store), 5);
    assert_eq!(arr.len(&store).unwrap(), 3);
    let Val::AnyRef(Some(elem)) = arr.get(&mut store, 1).unwrap() else {
        panic!("expected a struct element")
    };
    let elem = elem.unwrap_struct(&mut store).unwrap();
    assert_eq!(field(&elem, &mut store), 5);
}

#[test]
fn a_million_scoped_structs_linked_into_a_list() {
    // The host builds a list through a struct type with a (ref null $self)
    // field, all handles scoped, then checks it after a collection.
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = tern::Module::new(
        &engine,
        r#"(module (type $node (struct (field i32) (field (ref null $node))))
             (func (export "make") (result (ref $node)) (struct.new $node (i32.const 0) (ref.null $node))))"#,
    )
    .unwrap();
    let instance = tern::Instance::new(&mut store, &module, &[]).unwrap();
    let make = instance.get_func(&mut store, "make").unwrap();
    let mut out = [Val::I32(0)];
    make.call(&mut store, &[], &mut out).unwrap();
    let Val::AnyRef(Some(first)) = &out[0] else {
        panic!("expected a node")
    };
    let first = first.unwrap_struct(&mut store).unwrap();
    let node_ty = first.ty(&store).unwrap();
    let n = if cfg!(debug_assertions) {
        20_000
    } else {
        1_000_000
    };
    let mut scope = RootScope::new(&mut store);
    let mut head = Val::AnyRef(None);
    for i in 0..n {
        let s = StructRef::new(&mut scope, &node_ty, &[Val::I32(i), head]).unwrap();
        head = Val::AnyRef(Some(s.to_anyref()));
    }
    scope.as_context_mut().gc().unwrap();
    let mut count = 0;
    let mut expect = n;
    while let Val::AnyRef(Some(a)) = head {
        let s = a.unwrap_struct(&mut scope).unwrap();
        expect -= 1;
        assert_eq!(field(&s, &mut scope), expect);
        head = s.field(&mut scope, 1).unwrap();
        count += 1;
    }
    assert_eq!(count, n);
}

#[test]
fn pre_resolved_allocators_allocate_like_their_types() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let pre = StructRefPre::new(&mut store, ty.clone()).unwrap();
    let a = StructRef::new(&mut store, &pre, &[Val::I32(11)]).unwrap();
    let b = StructRef::new(&mut store, &ty, &[Val::I32(12)]).unwrap();
    assert!(a.matches_ty(&store, &ty).unwrap() && b.matches_ty(&store, pre.ty()).unwrap());
    // Type-checked like the type's path.
    assert!(StructRef::new(&mut store, &pre, &[Val::I64(1)]).is_err());
    assert!(StructRef::new(&mut store, &pre, &[]).is_err());
    let bytes = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8));
    let apre = ArrayRefPre::new(&mut store, bytes.clone()).unwrap();
    let x = ArrayRef::new(&mut store, &apre, &Val::I32(0x1ff), 4).unwrap();
    let y = ArrayRef::new_fixed(&mut store, &apre, &[Val::I32(1), Val::I32(2)]).unwrap();
    store.gc().unwrap();
    assert_eq!(field(&a, &mut store), 11);
    assert_eq!(x.len(&store).unwrap(), 4);
    assert_eq!(x.get(&mut store, 3).unwrap().i32(), Some(0xff));
    assert_eq!(y.get(&mut store, 1).unwrap().i32(), Some(2));
}

#[test]
fn pre_resolved_allocators_belong_to_one_store() {
    let engine = engine();
    let mut one = Store::new(&engine, ());
    let mut two = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let pre = StructRefPre::new(&mut one, ty).unwrap();
    let err = StructRef::new(&mut two, &pre, &[Val::I32(1)]).unwrap_err();
    assert!(err.to_string().contains("wrong store"), "{err}");
    let other = Engine::default();
    let foreign = i32_struct(&other);
    assert!(StructRefPre::new(&mut one, foreign).is_err());
}

#[test]
fn eqref_holds_i31_structs_and_arrays_but_not_host_data() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let s = StructRef::new(&mut store, &ty, &[Val::I32(9)]).unwrap();
    let e = s.to_eqref();
    assert!(e.is_struct(&store).unwrap() && !e.is_i31(&store).unwrap());
    assert_eq!(field(&e.unwrap_struct(&store).unwrap(), &mut store), 9);
    let i = tern::EqRef::from_i31(&mut store, tern::I31::wrapping_u32(5));
    assert_eq!(i.unwrap_i31(&store).unwrap().get_u32(), 5);
    assert!(i.unwrap_struct(&store).is_err());
    let host = tern::ExternRef::new(&mut store, 1u8).unwrap();
    let any = tern::AnyRef::convert_extern(&mut store, host).unwrap();
    assert!(!any.is_eqref(&store).unwrap());
    assert!(any.as_eqref(&store).unwrap().is_none());
    assert!(any.unwrap_eqref(&store).is_err());
    let back = s.to_anyref().unwrap_eqref(&store).unwrap();
    assert!(back.matches_ty(&store, &tern::HeapType::Eq).unwrap());
}

#[test]
fn typed_functions_take_eqref_and_the_bottom_types() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = tern::Module::new(
        &engine,
        r#"(module
             (func (export "id_eq") (param eqref) (result eqref) local.get 0)
             (func (export "is_null_none") (param (ref null none)) (result i32)
               local.get 0 ref.is_null)
             (func (export "null_extern") (result (ref null noextern)) ref.null noextern)
             (func (export "convert") (param externref) (result anyref)
               local.get 0 any.convert_extern))"#,
    )
    .unwrap();
    let instance = tern::Instance::new(&mut store, &module, &[]).unwrap();
    let id = instance
        .get_typed_func::<Option<tern::EqRef>, Option<tern::EqRef>>(&mut store, "id_eq")
        .unwrap();
    let i = tern::EqRef::from_i31(&mut store, tern::I31::wrapping_u32(77));
    let out = id.call(&mut store, Some(i)).unwrap().unwrap();
    assert_eq!(out.unwrap_i31(&store).unwrap().get_u32(), 77);
    assert!(id.call(&mut store, None).unwrap().is_none());
    let none = instance
        .get_typed_func::<Option<tern::NoneRef>, i32>(&mut store, "is_null_none")
        .unwrap();
    assert_eq!(none.call(&mut store, tern::NoneRef::null()).unwrap(), 1);
    let ext = instance
        .get_typed_func::<(), Option<tern::NoExtern>>(&mut store, "null_extern")
        .unwrap();
    assert!(ext.call(&mut store, ()).unwrap().is_none());
    // An eqref result type is checked against the value: converted host
    // data is an anyref but not an eqref.
    let conv = instance
        .get_typed_func::<Option<tern::ExternRef>, Option<tern::AnyRef>>(&mut store, "convert")
        .unwrap();
    let host = tern::ExternRef::new(&mut store, 2u8).unwrap();
    let any = conv.call(&mut store, Some(host)).unwrap().unwrap();
    assert!(!any.is_eqref(&store).unwrap());
    // Wrong-typed views are refused up front.
    assert!(
        instance
            .get_typed_func::<Option<tern::NoneRef>, Option<tern::EqRef>>(&mut store, "id_eq")
            .is_ok(),
        "nullref is a subtype of eqref"
    );
    assert!(
        instance
            .get_typed_func::<Option<tern::NoExtern>, Option<tern::EqRef>>(&mut store, "id_eq")
            .is_err(),
        "noextern is not in the internal hierarchy"
    );
}

#[test]
fn scoped_roots_follow_objects_through_minor_and_major_collections() {
    // Stress mode: a minor collection before every allocation, so every
    // scoped root is forwarded by minor collections too; verification on.
    let mut config = Config::new();
    config.gc_verify(true).gc_stress(true);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let pre = StructRefPre::new(&mut store, ty).unwrap();
    let owned = StructRef::new(&mut store, &pre, &[Val::I32(-1)]).unwrap();
    let mut scope = RootScope::new(&mut store);
    let handles: Vec<StructRef> = (0..200)
        .map(|i| StructRef::new(&mut scope, &pre, &[Val::I32(i)]).unwrap())
        .collect();
    scope.as_context_mut().gc().unwrap();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(field(h, &mut scope), i as i32);
    }
    assert_eq!(field(&owned, &mut scope), -1);
    let stats = scope.as_context_mut().gc_stats();
    assert!(stats.minor_collections >= 200, "{stats:?}");
    assert!(stats.major_collections >= 1, "{stats:?}");
}

#[test]
fn closing_a_nested_scope_leaves_its_parent_open() {
    // The nested scope starts at the parent's LIFO height (no root in
    // between); closing it must not close the parent: handles made in the
    // parent afterwards are still scoped and end with it.
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = i32_struct(&engine);
    let after = {
        let mut parent = RootScope::new(&mut store);
        drop(RootScope::new(&mut parent));
        StructRef::new(&mut parent, &ty, &[Val::I32(1)]).unwrap()
    };
    assert!(
        after.field(&mut store, 0).is_err(),
        "a scoped handle outlived its scope"
    );
}
