//! Adapter for wasmi: engine (eager compilation, so that load times and
//! first calls are comparable), the standard host environment,
//! instantiation and typed calls, with errors turned into `anyhow`.

use crate::{Host, Params, Results, exit_outcome, wasi};
use anyhow::{Result, anyhow};
pub use wasmi::{Engine, Instance, Module, TypedFunc};

/// This runtime's store type, carrying the shared [`Host`] state.
pub type Store = wasmi::Store<Host>;

/// An engine that translates every function eagerly.
pub fn engine() -> Engine {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    Engine::new(&config)
}

/// Parses, validates and translates `bytes` (binary or text).
pub fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    Module::new(engine, bytes).map_err(|e| anyhow!("{e}"))
}

fn memory(caller: &mut wasmi::Caller<'_, Host>) -> Option<wasmi::Memory> {
    caller
        .get_export("memory")
        .and_then(wasmi::Extern::into_memory)
}

/// A linker defining every host function the workloads import.
pub fn linker(engine: &Engine) -> Result<wasmi::Linker<Host>> {
    let mut l = wasmi::Linker::new(engine);
    let e = |e: wasmi::errors::LinkerError| anyhow!("{e}");
    l.func_wrap("env", "clock_ms", |c: wasmi::Caller<'_, Host>| {
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
        |code: i32| -> Result<(), wasmi::Error> { Err(wasmi::Error::i32_exit(code)) },
    )
    .map_err(e)?;
    l.func_wrap(
        "wasi_snapshot_preview1",
        "fd_write",
        |mut c: wasmi::Caller<'_, Host>, fd: i32, iovs: i32, len: i32, nw: i32| -> i32 {
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
        |mut c: wasmi::Caller<'_, Host>, i: i32, o: i32, n: i32, ne: i32| -> i32 {
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
        |mut c: wasmi::Caller<'_, Host>, buf: i32, len: i32| -> i32 {
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
        .instantiate_and_start(&mut store, module)
        .map_err(|e| anyhow!("{e}"))?;
    Ok((store, instance))
}

/// The typed export `name`.
pub fn typed<P: Params, R: Results>(
    store: &mut Store,
    instance: &Instance,
    name: &str,
) -> Result<TypedFunc<P, R>> {
    instance
        .get_typed_func::<P, R>(&*store, name)
        .map_err(|e| anyhow!("{e}"))
}

/// Calls `f` once, with the error as `anyhow`.
pub fn call<P: Params, R: Results>(f: &TypedFunc<P, R>, store: &mut Store, args: P) -> Result<R> {
    f.call(&mut *store, args).map_err(|e| anyhow!("{e}"))
}

/// Runs the WASI command export `_start`; `proc_exit(0)` counts as success.
pub fn run_start(store: &mut Store, instance: &Instance) -> Result<()> {
    let f = typed::<(), ()>(store, instance, "_start")?;
    match f.call(&mut *store, ()) {
        Ok(()) => Ok(()),
        Err(e) => match e.i32_exit_status() {
            Some(code) => exit_outcome(code),
            None => Err(anyhow!("{e}")),
        },
    }
}
