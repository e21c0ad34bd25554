//! Helpers shared by the integration tests (each test file is its own
//! crate and includes this module with `mod common;`).

#![allow(dead_code, reason = "each test crate uses some of the helpers")]

use tern::{Engine, Instance, Linker, Module, Store, TypedFunc, Val, WasmParams, WasmResults};

/// Compiles `wat` (no imports) and instantiates it in a fresh store.
pub(crate) fn instance(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, instance)
}

/// [`instance`] on a default engine, and its export `name` as a typed
/// function.
pub(crate) fn typed_func<P: WasmParams, R: WasmResults>(
    wat: &str,
    name: &str,
) -> (Store<()>, TypedFunc<P, R>) {
    let (mut store, instance) = instance(&Engine::default(), wat);
    let f = instance.get_typed_func::<P, R>(&mut store, name).unwrap();
    (store, f)
}

/// Calls export `name` with `args`; its last result, if any.
pub(crate) fn call(
    store: &mut Store<()>,
    inst: &Instance,
    name: &str,
    args: &[Val],
) -> Option<Val> {
    let f = inst.get_func(&mut *store, name).unwrap();
    let n = f.ty(&*store).results().len();
    let mut out = vec![Val::I32(0); n];
    f.call(&mut *store, args, &mut out).unwrap();
    out.pop()
}
