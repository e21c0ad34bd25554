//! The `spectest` host module that the official testsuite imports from.
//!
//! It provides no-op `print*` functions, four immutable globals holding 666
//! (or 666.6), a `funcref` table of 10..20 elements and a memory of 1..2
//! pages, exactly as the reference interpreter does, plus the 64-bit
//! `table64` (10..20 elements) used by the memory64 tests.

use tern::{
    Global, GlobalType, HeapType, Linker, Memory, MemoryType, Module, Mutability, Ref, RefType,
    Store, Table, TableType, Val, ValType,
};

/// Defines every `spectest` export in `linker`, allocating the globals, the
/// table and the memory in `store`.
pub(crate) fn register(linker: &mut Linker<()>, store: &mut Store<()>) -> tern::Result<()> {
    const M: &str = "spectest";

    linker.func_wrap(M, "print", || {})?;
    linker.func_wrap(M, "print_i32", |_: i32| {})?;
    linker.func_wrap(M, "print_i64", |_: i64| {})?;
    linker.func_wrap(M, "print_f32", |_: f32| {})?;
    linker.func_wrap(M, "print_f64", |_: f64| {})?;
    linker.func_wrap(M, "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap(M, "print_f64_f64", |_: f64, _: f64| {})?;

    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, init) in globals {
        let global = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), init)?;
        linker.define(&*store, M, name, global)?;
    }

    let table_ty = TableType::new(RefType::new(true, HeapType::Func), 10, Some(20));
    let table = Table::new(&mut *store, table_ty, Ref::null(&HeapType::Func))?;
    linker.define(&*store, M, "table", table)?;

    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&*store, M, "memory", memory)?;

    // The embedder API has no 64-bit `TableType` constructor, so `table64`
    // comes from a tiny module. If Tern cannot build it (table64 is part of
    // memory64, not yet supported) the export is simply absent and modules
    // importing it fail to link, which the script then reports.
    if let Some(table) = table64(linker, store) {
        linker.define(&*store, M, "table64", table)?;
    }

    Ok(())
}

/// A 64-bit `funcref` table of 10..20 elements, if Tern supports one.
fn table64(linker: &Linker<()>, store: &mut Store<()>) -> Option<Table> {
    let engine = store.engine().clone();
    let module = Module::new(
        &engine,
        r#"(module (table (export "t") i64 10 20 funcref))"#,
    )
    .ok()?;
    let instance = linker.instantiate(&mut *store, &module).ok()?;
    instance.get_table(&mut *store, "t")
}
