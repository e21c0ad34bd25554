//! Adapter for Wasmtime (Cranelift, GC with the deferred reference-counting
//! collector, function references and tail calls enabled): engine, the
//! standard host environment, instantiation and typed calls, with errors
//! turned into `anyhow`.

use crate::{Exit, Host, Params, Results, exit_outcome, wasi};
use anyhow::{Result, anyhow};
pub use wasmtime::{Engine, Instance, Module, TypedFunc};

/// This runtime's store type, carrying the shared [`Host`] state.
pub type Store = wasmtime::Store<Host>;

/// An engine with GC, typed function references and tail calls enabled.
pub fn engine() -> Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_gc(true);
    config.wasm_function_references(true);
    config.wasm_tail_call(true);
    Engine::new(&config).expect("wasmtime engine configuration")
}

/// Parses, validates and compiles `bytes` (binary or text) to native code.
pub fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    Module::new(engine, bytes).map_err(|e| anyhow!("{e:?}"))
}

fn memory(caller: &mut wasmtime::Caller<'_, Host>) -> Option<wasmtime::Memory> {
    caller
        .get_export("memory")
        .and_then(wasmtime::Extern::into_memory)
}

/// A linker defining every host function the workloads import.
pub fn linker(engine: &Engine) -> Result<wasmtime::Linker<Host>> {
    let mut l = wasmtime::Linker::new(engine);
    let e = |e: wasmtime::Error| anyhow!("{e:?}");
    l.func_wrap("env", "clock_ms", |c: wasmtime::Caller<'_, Host>| {
        c.data().clock_ms()
    })
    .map_err(e)?;
    l.func_wrap("bench", "start", || ()).map_err(e)?;
    l.func_wrap("bench", "end", || ()).map_err(e)?;
    l.func_wrap("host", "inc", |x: i32| x.wrapping_add(1))
        .map_err(e)?;
    l.func_wrap(
        "wasi_snapshot_preview1",
        "proc_exit",
        |code: i32| -> wasmtime::Result<()> { Err(wasmtime::Error::new(Exit(code))) },
    )
    .map_err(e)?;
    l.func_wrap(
        "wasi_snapshot_preview1",
        "fd_write",
        |mut c: wasmtime::Caller<'_, Host>, fd: i32, iovs: i32, len: i32, nw: i32| -> i32 {
            let mut out = std::mem::take(&mut c.data_mut().stdout);
            let r = match memory(&mut c) {
                Some(m) => wasi::fd_write(m.data_mut(&mut c), &mut out, fd, iovs, len, nw),
                None => wasi::EFAULT,
            };
            c.data_mut().stdout = out;
            r
        },
    )
    .map_err(e)?;
    l.func_wrap(
        "wasi_snapshot_preview1",
        "poll_oneoff",
        |mut c: wasmtime::Caller<'_, Host>, i: i32, o: i32, n: i32, ne: i32| -> i32 {
            match memory(&mut c) {
                Some(m) => wasi::poll_oneoff(m.data_mut(&mut c), i, o, n, ne),
                None => wasi::EFAULT,
            }
        },
    )
    .map_err(e)?;
    l.func_wrap(
        "wasi_snapshot_preview1",
        "random_get",
        |mut c: wasmtime::Caller<'_, Host>, buf: i32, len: i32| -> i32 {
            let mut rng = c.data().rng;
            let r = match memory(&mut c) {
                Some(m) => wasi::random_get(m.data_mut(&mut c), &mut rng, buf, len),
                None => wasi::EFAULT,
            };
            c.data_mut().rng = rng;
            r
        },
    )
    .map_err(e)?;
    Ok(l)
}

/// Instantiates `module` in a fresh store against [`linker`].
pub fn instantiate(engine: &Engine, module: &Module) -> Result<(Store, Instance)> {
    let mut store = Store::new(engine, Host::default());
    let instance = linker(engine)?
        .instantiate(&mut store, module)
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok((store, instance))
}

/// The typed export `name`.
pub fn typed<P: Params, R: Results>(
    store: &mut Store,
    instance: &Instance,
    name: &str,
) -> Result<TypedFunc<P, R>> {
    instance
        .get_typed_func::<P, R>(&mut *store, name)
        .map_err(|e| anyhow!("{e:?}"))
}

/// Calls `f` once, with the error as `anyhow`.
pub fn call<P: Params, R: Results>(f: &TypedFunc<P, R>, store: &mut Store, args: P) -> Result<R> {
    f.call(&mut *store, args).map_err(|e| anyhow!("{e:?}"))
}

/// Runs the WASI command export `_start`; `proc_exit(0)` counts as success.
pub fn run_start(store: &mut Store, instance: &Instance) -> Result<()> {
    let f = typed::<(), ()>(store, instance, "_start")?;
    match f.call(&mut *store, ()) {
        Ok(()) => Ok(()),
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit(code)) => exit_outcome(*code),
            None => Err(anyhow!("{e:?}")),
        },
    }
}
