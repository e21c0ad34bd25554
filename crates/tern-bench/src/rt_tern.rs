//! Adapter for Tern: engine, compilation, the standard host environment
//! (WASI from `tern-wasi`), instantiation and typed calls, with errors
//! turned into `anyhow`.

use crate::{BENCH_FUEL, Host, Metering, Params, Results, WasiSetup, exit_outcome};
use anyhow::{Result, anyhow};
pub use tern::{Engine, Instance, Module, TypedFunc};
use tern_wasi::{DirPerms, FilePerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

/// A store's data: the shared [`Host`] state and the WASI context.
pub struct Data {
    host: Host,
    wasi: WasiCtx,
    stdout: MemoryOutputPipe,
}

/// The collector's statistics for the report (`peak_rss`): minor and
/// major collections, longest and 99th-percentile pause, peak heap size.
pub fn gc_summary(store: &Store) -> Option<String> {
    let s = store.gc_stats();
    Some(format!(
        "{} minor / {} major, max pause {:.2} ms, p99 {:.2} ms, peak heap {:.1} MiB",
        s.minor_collections,
        s.major_collections,
        s.max_pause.as_secs_f64() * 1e3,
        s.pause_p99.as_secs_f64() * 1e3,
        s.peak_heap_bytes as f64 / (1 << 20) as f64
    ))
}

/// This runtime's store type.
pub type Store = tern::Store<Data>;

/// This runtime's linker type.
pub type Linker = tern::Linker<Data>;

/// An engine with the default configuration (every Wasm 3.0 feature on).
pub fn engine() -> Engine {
    Engine::default()
}

/// An engine with `metering` compiled in (every mode is supported).
pub fn engine_metered(metering: Metering) -> Option<Engine> {
    let mut config = tern::Config::new();
    config
        .consume_fuel(metering == Metering::Fuel)
        .epoch_interruption(metering == Metering::Epoch);
    Engine::new(&config).ok()
}

/// Fills the tank or moves the deadline out of reach, as `metering` needs.
pub fn meter(store: &mut Store, metering: Metering) -> Result<()> {
    match metering {
        Metering::Off => Ok(()),
        Metering::Fuel => store.set_fuel(BENCH_FUEL).map_err(|e| anyhow!("{e}")),
        Metering::Epoch => {
            store.set_epoch_deadline(u64::MAX / 2);
            Ok(())
        }
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
    let e = |e: tern::Error| anyhow!("{e}");
    l.func_wrap("env", "clock_ms", |c: tern::Caller<'_, Data>| {
        c.data().host.clock_ms()
    })
    .map_err(e)?;
    l.func_wrap("bench", "start", || ()).map_err(e)?;
    l.func_wrap("bench", "end", || ()).map_err(e)?;
    l.func_wrap("host", "inc", |x: i32| x.wrapping_add(1))
        .map_err(e)?;
    tern_wasi::add_to_linker(&mut l, |d: &mut Data| &mut d.wasi).map_err(e)?;
    Ok(l)
}

/// A fresh store whose WASI context follows `setup`.
pub fn store(engine: &Engine, setup: &WasiSetup) -> Result<Store> {
    let stdout = MemoryOutputPipe::new();
    let mut b = WasiCtxBuilder::new();
    b.args(&setup.args)
        .stdout(stdout.clone())
        .stderr(MemoryOutputPipe::new());
    if let Some(dir) = &setup.dir {
        b.preopened_dir(dir, ".", DirPerms::READ, FilePerms::READ)
            .map_err(|e| anyhow!("cannot preopen {}: {e}", dir.display()))?;
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
    store.data().stdout.contents()
}

/// Instantiates `module` in `store` against `linker`.
pub fn instantiate_with(linker: &Linker, store: &mut Store, module: &Module) -> Result<Instance> {
    linker
        .instantiate(&mut *store, module)
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
        .get_typed_func::<P, R>(&mut *store, name)
        .map_err(|e| anyhow!("{e}"))
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
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => exit_outcome(*code),
            None => Err(anyhow!("{e:?}")),
        },
    }
}
