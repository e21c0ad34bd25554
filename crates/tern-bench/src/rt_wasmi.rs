//! Adapter for wasmi: engine (eager compilation, so that load times and
//! first calls are comparable), the standard host environment (WASI from
//! `wasmi_wasi`, i.e. `wasi-common`), instantiation and typed calls, with
//! errors turned into `anyhow`.

use crate::{BENCH_FUEL, Host, Metering, Params, Results, WasiSetup, exit_outcome};
use anyhow::{Result, anyhow};
use std::sync::{Arc, RwLock};
pub use wasmi::{Engine, Instance, Module, TypedFunc};
use wasmi_wasi::wasi_common::pipe::WritePipe;
use wasmi_wasi::{WasiCtx, WasiCtxBuilder, ambient_authority};

/// A store's data: the shared [`Host`] state and the WASI context.
pub struct Data {
    host: Host,
    wasi: WasiCtx,
    stdout: Arc<RwLock<Vec<u8>>>,
}

/// Collector statistics for the report: none exposed by this runtime.
pub fn gc_summary(_store: &Store) -> Option<String> {
    None
}

/// This runtime's store type.
pub type Store = wasmi::Store<Data>;

/// This runtime's linker type.
pub type Linker = wasmi::Linker<Data>;

/// An engine that translates every function eagerly.
pub fn engine() -> Engine {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    Engine::new(&config)
}

/// An engine with `metering`: fuel only (wasmi has no epoch interruption).
pub fn engine_metered(metering: Metering) -> Option<Engine> {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    match metering {
        Metering::Off => {}
        Metering::Fuel => {
            config.consume_fuel(true);
        }
        Metering::Epoch => return None,
    }
    Some(Engine::new(&config))
}

/// Fills the tank, as `metering` needs.
pub fn meter(store: &mut Store, metering: Metering) -> Result<()> {
    match metering {
        Metering::Fuel => store.set_fuel(BENCH_FUEL).map_err(|e| anyhow!("{e}")),
        _ => Ok(()),
    }
}

/// Parses, validates and translates `bytes` (binary or text).
pub fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    Module::new(engine, bytes).map_err(|e| anyhow!("{e}"))
}

/// A linker defining every host function the workloads import: `env`,
/// `bench` and `host` functions and every WASI preview 1 function.
pub fn linker(engine: &Engine) -> Result<Linker> {
    let mut l = Linker::new(engine);
    let e = |e: wasmi::errors::LinkerError| anyhow!("{e}");
    l.func_wrap("env", "clock_ms", |c: wasmi::Caller<'_, Data>| {
        c.data().host.clock_ms()
    })
    .map_err(e)?;
    l.func_wrap("bench", "start", || ()).map_err(e)?;
    l.func_wrap("bench", "end", || ()).map_err(e)?;
    l.func_wrap("host", "inc", |x: i32| x.wrapping_add(1))
        .map_err(e)?;
    wasmi_wasi::add_to_linker(&mut l, |d: &mut Data| &mut d.wasi).map_err(|e| anyhow!("{e}"))?;
    Ok(l)
}

/// A fresh store whose WASI context follows `setup` (`wasi-common` has no
/// read-only preopens; the workloads do not write).
pub fn store(engine: &Engine, setup: &WasiSetup) -> Result<Store> {
    let stdout = Arc::new(RwLock::new(Vec::new()));
    let mut b = WasiCtxBuilder::new();
    b.args(&setup.args)
        .map_err(|e| anyhow!("{e}"))?
        .stdout(Box::new(WritePipe::from_shared(Arc::clone(&stdout))))
        .stderr(Box::new(WritePipe::new(Vec::<u8>::new())));
    if let Some(dir) = &setup.dir {
        let d = wasmi_wasi::Dir::open_ambient_dir(dir, ambient_authority())
            .map_err(|e| anyhow!("cannot preopen {}: {e}", dir.display()))?;
        b.preopened_dir(d, ".").map_err(|e| anyhow!("{e}"))?;
    }
    let data = Data {
        host: Host::default(),
        wasi: b.build(),
        stdout,
    };
    Ok(Store::new(engine, data))
}

/// What the guest has written to its stdout so far.
pub fn stdout(store: &Store) -> Vec<u8> {
    store
        .data()
        .stdout
        .read()
        .map(|b| b.clone())
        .unwrap_or_default()
}

/// Instantiates `module` in `store` against `linker` (running its start
/// function, if any).
pub fn instantiate_with(linker: &Linker, store: &mut Store, module: &Module) -> Result<Instance> {
    linker
        .instantiate_and_start(&mut *store, module)
        .map_err(|e| anyhow!("{e}"))
}

/// Instantiates `module` in a fresh store (default [`WasiSetup`]) against
/// [`linker`].
pub fn instantiate(engine: &Engine, module: &Module) -> Result<(Store, Instance)> {
    let mut store = store(engine, &WasiSetup::default())?;
    let instance = instantiate_with(&linker(engine)?, &mut store, module)?;
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
