//! Dead reference slots do not survive a collection (fuzz finding: GC
//! campaign seed 995303; `crates/tern-fuzz/CAMPAIGNS.md`).
//!
//! `data/gc_stale_slots.wasm` is the wasm-smith module of that seed: a deep
//! recursion with a 64 KiB heap in which a caller's operand slot above a
//! call's arguments keeps a reference left by a returned callee. A
//! collection inside a callee did not trace that slot and reclaimed its
//! object; a later collection in the caller then found the dangling
//! reference (a panic in the major collection). Each export is called once
//! with default arguments, with heap verification on.

use tern::{Config, Engine, Extern, Instance, Module, Store, Val};

#[test]
fn stale_reference_slots_are_not_collection_roots() {
    let mut config = Config::new();
    config
        .gc_verify(true)
        .max_gc_heap_size(64 << 10)
        .max_call_depth(10_000);
    let engine = Engine::new(&config).unwrap();
    let bytes = include_bytes!("data/gc_stale_slots.wasm");
    let module = Module::new(&engine, bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    store.gc().unwrap();
    let mut called = 0;
    for export in instance.exports(&mut store) {
        let Extern::Func(func) = export.into_extern() else {
            continue;
        };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty
            .params()
            .map(|t| Val::default_for_ty(&t).unwrap())
            .collect();
        let mut results: Vec<Val> = ty
            .results()
            .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
            .collect();
        // Traps (the module's fuel counter, out of heap) are fine; a panic
        // or a failed heap verification is not.
        let _ = func.call(&mut store, &params, &mut results);
        store.gc().expect("the heap verifies after each call");
        called += 1;
    }
    assert!(called > 0, "the module exports functions");
}
