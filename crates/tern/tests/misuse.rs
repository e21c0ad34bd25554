//! API misuse and hostile inputs through the public API: types, values and
//! linkers of another engine, host tables and globals outliving the host's
//! type handle, proposals Tern does not enable, native stack exhaustion by
//! host re-entry on small threads, and one error kind for allocations that
//! are too large.

use tern::{
    ArrayRef, ArrayType, Caller, Engine, ErrorKind, FieldType, FuncType, Global, GlobalType,
    HeapType, Linker, Memory, MemoryType, Module, Mutability, Ref, RefType, StorageType, Store,
    StructRef, StructType, Table, TableType, Trap, Val, ValType,
};

fn i32_field() -> FieldType {
    FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32))
}

fn is_usage(err: &tern::Error, what: &str) -> bool {
    err.kind() == ErrorKind::Usage && err.to_string().contains(what)
}

#[test]
fn objects_of_another_engines_types_are_refused() {
    let (a, b) = (Engine::default(), Engine::default());
    let mut store = Store::new(&a, ());
    let st = StructType::new(&b, [i32_field()]).unwrap();
    let err = StructRef::new(&mut store, &st, &[Val::I32(1)]).unwrap_err();
    assert!(is_usage(&err, "another engine"), "{err}");
    let at = ArrayType::new(&b, i32_field());
    let err = ArrayRef::new(&mut store, &at, &Val::I32(0), 4).unwrap_err();
    assert!(is_usage(&err, "another engine"), "{err}");
    let err = ArrayRef::new_fixed(&mut store, &at, &[Val::I32(0)]).unwrap_err();
    assert!(is_usage(&err, "another engine"), "{err}");
    // Nothing was allocated: a verifying collection still passes.
    store.gc().unwrap();
}

#[test]
fn matching_against_another_engines_types() {
    let (a, b) = (Engine::default(), Engine::default());
    let mut store = Store::new(&a, ());
    let ft_a = FuncType::new(&a, [], []);
    let ft_b = FuncType::new(&b, [], []);
    let f = tern::Func::new(&mut store, ft_a.clone(), |_, _, _| Ok(())).unwrap();
    assert!(f.matches_ty(&store, &ft_a));
    assert!(!f.matches_ty(&store, &ft_b), "same shape, other engine");
    let v = Val::FuncRef(Some(f));
    let foreign = ValType::Ref(RefType::new(true, HeapType::ConcreteFunc(ft_b)));
    let err = v.matches_ty(&store, &foreign).unwrap_err();
    assert!(is_usage(&err, "another engine"), "{err}");
    let own = ValType::Ref(RefType::new(true, HeapType::ConcreteFunc(ft_a)));
    assert!(v.matches_ty(&store, &own).unwrap());
}

#[test]
fn host_tables_and_globals_refuse_other_engines_types() {
    let (a, b) = (Engine::default(), Engine::default());
    let mut store = Store::new(&a, ());
    let ft_b = FuncType::new(&b, [], []);
    let elem = RefType::new(true, HeapType::ConcreteFunc(ft_b.clone()));
    let err = Table::new(
        &mut store,
        TableType::new(elem.clone(), 1, None),
        Ref::Func(None),
    )
    .unwrap_err();
    assert!(is_usage(&err, "another engine"), "{err}");
    let gt = GlobalType::new(ValType::Ref(elem), Mutability::Var);
    let err = Global::new(&mut store, gt, Val::FuncRef(None)).unwrap_err();
    assert!(is_usage(&err, "another engine"), "{err}");
}

#[test]
fn a_linker_of_another_engine_cannot_instantiate() {
    let (a, b) = (Engine::default(), Engine::default());
    let module = Module::new(
        &a,
        r#"(module (import "m" "f" (func $f (param i32) (result i32)))
             (func (export "run") (result i32) (call $f (i32.const 7))))"#,
    )
    .unwrap();
    let mut store = Store::new(&a, ());
    // A closure of another type under the same name, in engine B.
    let mut linker = Linker::new(&b);
    linker.func_wrap("m", "f", |x: f64| x * 2.0).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(is_usage(&err, "different engines"), "{err}");
    assert!(linker.get(&mut store, "m", "f").is_none());
}

#[test]
fn host_tables_and_globals_keep_their_types() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let ft = FuncType::new(&engine, [ValType::I64], [ValType::I64]);
    let elem = RefType::new(true, HeapType::ConcreteFunc(ft.clone()));
    let table = Table::new(
        &mut store,
        TableType::new(elem.clone(), 2, None),
        Ref::Func(None),
    )
    .unwrap();
    let global = Global::new(
        &mut store,
        GlobalType::new(ValType::Ref(elem), Mutability::Var),
        Val::FuncRef(None),
    )
    .unwrap();
    drop(ft);
    // The table and the global hold the type: still registered, and new
    // types get other ids.
    assert!(engine.registered_types() >= 1);
    let st = StructType::new(&engine, [i32_field()]).unwrap();
    let shows_func_type = |ty: &RefType| match ty.heap_type() {
        HeapType::ConcreteFunc(f) => f.params().len() == 1 && f.results().len() == 1,
        _ => false,
    };
    let tty = table.ty(&store).unwrap();
    assert!(shows_func_type(tty.element()), "{tty:?}");
    let gty = global.ty(&store).unwrap();
    match gty.content() {
        ValType::Ref(r) => assert!(shows_func_type(r)),
        other => panic!("global type {other:?}"),
    }
    // A struct reference is not a member of a function table.
    let s = StructRef::new(&mut store, &st, &[Val::I32(5)]).unwrap();
    assert!(
        table
            .set(&mut store, 0, Ref::Any(Some(s.to_anyref())))
            .is_err()
    );
}

#[test]
fn proposals_tern_does_not_enable_are_rejected() {
    let engine = Engine::default();
    let texts = [
        ("threads: shared memory", "(module (memory 1 1 shared))"),
        (
            "threads: atomics",
            "(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))",
        ),
        ("custom page sizes", "(module (memory 1 (pagesize 1)))"),
        (
            "wide arithmetic",
            "(module (func (result i64 i64) (i64.add128 (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4))))",
        ),
        (
            "legacy exceptions",
            "(module (tag $e) (func try throw $e catch $e end))",
        ),
        (
            "stack switching",
            "(module (type $f (func)) (type $c (cont $f)))",
        ),
    ];
    for (what, text) in texts {
        let bytes = match wat::parse_str(text) {
            Ok(b) => b,
            Err(e) => panic!("{what}: the text format should parse: {e}"),
        };
        let err = Module::new(&engine, &bytes).expect_err(what);
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Malformed | ErrorKind::Invalid | ErrorKind::Unsupported
            ),
            "{what}: {err}"
        );
    }
    // The compact import section encoding (a post-3.0 proposal): module
    // "m", an empty name, then 0x7F and a vector of (name, kind) pairs.
    let compact: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: (func)
        0x02, 0x0a, 0x01, // import section, one group
        0x01, b'm', 0x00, 0x7f, // module "m", compact form
        0x01, 0x01, b'f', 0x00, 0x00, // one import: "f", func type 0
    ];
    let err = Module::new(&engine, compact).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Malformed | ErrorKind::Invalid),
        "{err}"
    );
    assert!(err.to_string().contains("compact imports"), "{err}");
}

/// A module that calls back into the host, which calls back into it,
/// forever: the error that stops it, and whether the store still answers
/// (a second call, which must fail the same way rather than crash).
fn reentry_until_error() -> (tern::Error, bool) {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "again" (func $again (param i32) (result i32)))
          (func (export "down") (param i32) (result i32)
            (call $again (i32.add (local.get 0) (i32.const 1)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "again",
            |mut caller: Caller<'_, ()>, x: i32| -> tern::Result<i32> {
                let down = caller
                    .get_export("down")
                    .and_then(|e| e.into_func())
                    .ok_or_else(|| tern::Error::msg("no export"))?;
                down.typed::<i32, i32>(&caller)?.call(&mut caller, x)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let down = instance
        .get_typed_func::<i32, i32>(&mut store, "down")
        .unwrap();
    let err = down.call(&mut store, 0).unwrap_err();
    let again = down.call(&mut store, 0).is_err();
    (err, again)
}

#[test]
fn host_reentry_is_bounded_by_the_native_stack_left() {
    // Small and large threads alike end in a trap, never in a native stack
    // overflow (which would abort the test process).
    for kib in [256, 512, 1024, 8192] {
        let (err, again) = std::thread::Builder::new()
            .stack_size(kib * 1024)
            .spawn(reentry_until_error)
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{kib} KiB: {err}");
        // The store is still usable afterwards.
        assert!(again, "{kib} KiB");
    }
}

#[test]
fn allocations_too_large_are_one_kind_of_error() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let check = |err: tern::Error| {
        assert_eq!(
            err.kind(),
            ErrorKind::Trap(Trap::AllocationTooLarge),
            "{err}"
        );
        assert_eq!(err.as_trap(), Some(Trap::AllocationTooLarge), "{err}");
        assert!(err.to_string().starts_with("wasm trap: "), "{err}");
    };
    let huge = TableType::new(RefType::FUNCREF, u32::MAX, None);
    check(Table::new(&mut store, huge, Ref::Func(None)).unwrap_err());
    let module = Module::new(&engine, "(module (table 4294967295 funcref))").unwrap();
    check(
        Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap_err(),
    );
    // A memory whose minimum cannot be allocated (memory64: 2^48 bytes).
    let module = Module::new(&engine, "(module (memory i64 4294967296))").unwrap();
    check(
        Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap_err(),
    );
    let _ = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
}

#[test]
fn handles_and_values_of_another_store_are_refused() {
    // Two stores of one engine, and a store of another engine: every entry
    // point taking a handle, a value or an extern checks where it belongs.
    let engine = Engine::default();
    let other_engine = Engine::default();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let mut c = Store::new(&other_engine, ());
    let ft = FuncType::new(&engine, [], []);
    let fa = tern::Func::new(&mut a, ft.clone(), |_, _, _| Ok(())).unwrap();
    let table_b = Table::new(
        &mut b,
        TableType::new(RefType::FUNCREF, 1, None),
        Ref::Func(None),
    )
    .unwrap();
    assert!(table_b.set(&mut b, 0, Ref::Func(Some(fa))).is_err());
    assert!(table_b.grow(&mut b, 1, Ref::Func(Some(fa))).is_err());
    let gty = GlobalType::new(ValType::FUNCREF, Mutability::Var);
    let global_b = Global::new(&mut b, gty.clone(), Val::FuncRef(None)).unwrap();
    assert!(global_b.set(&mut b, Val::FuncRef(Some(fa))).is_err());
    assert!(Global::new(&mut b, gty, Val::FuncRef(Some(fa))).is_err());
    // Calling with another store's handle, or a handle in another store.
    assert!(fa.call(&mut b, &[], &mut []).is_err());
    let module = Module::new(&engine, r#"(module (import "m" "f" (func)))"#).unwrap();
    assert!(tern::Instance::new(&mut b, &module, &[fa.into()]).is_err());
    // A module of another engine.
    assert!(tern::Instance::new(&mut c, &module, &[]).is_err());
    let _ = &mut a;
}
