//! Adapter for Wasmtime (Cranelift, GC with the deferred reference-counting
//! collector requested explicitly, function references and tail calls
//! enabled; `rt_wasmtime_copying` is the same with the copying collector): engine, the
//! standard host environment (WASI preview 1 from `wasmtime-wasi`),
//! instantiation and typed calls, with errors turned into `anyhow`.

use crate::{BENCH_FUEL, CAPTURE_CAP, Host, Metering, Params, Results, WasiSetup, exit_outcome};
use anyhow::{Result, anyhow};
pub use wasmtime::{Engine, Instance, Module, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

/// A store's data: the shared [`Host`] state and the WASI context.
pub struct Data {
    host: Host,
    wasi: WasiP1Ctx,
    stdout: MemoryOutputPipe,
}

/// Collector statistics for the report: none exposed by this runtime.
pub fn gc_summary(_store: &Store) -> Option<String> {
    None
}

/// This runtime's store type.
pub type Store = wasmtime::Store<Data>;

/// This runtime's linker type.
pub type Linker = wasmtime::Linker<Data>;

/// An engine with GC, typed function references, tail calls and exceptions
/// enabled.
pub fn engine() -> Engine {
    engine_metered(Metering::Off).expect("wasmtime engine configuration")
}

/// An engine with `metering` compiled in (every mode is supported).
pub fn engine_metered(metering: Metering) -> Option<Engine> {
    engine_with(metering, wasmtime::Collector::DeferredReferenceCounting)
}

/// An engine with `metering` compiled in and GC by `collector` (both the
/// DRC and the copying collector are compiled in, so neither is implied).
pub fn engine_with(metering: Metering, collector: wasmtime::Collector) -> Option<Engine> {
    let mut config = wasmtime::Config::new();
    config.collector(collector);
    config.consume_fuel(metering == Metering::Fuel);
    config.epoch_interruption(metering == Metering::Epoch);
    config.wasm_gc(true);
    config.wasm_function_references(true);
    config.wasm_tail_call(true);
    config.wasm_exceptions(true);
    Engine::new(&config).ok()
}

/// Fills the tank or moves the deadline out of reach, as `metering` needs.
pub fn meter(store: &mut Store, metering: Metering) -> Result<()> {
    match metering {
        Metering::Off => Ok(()),
        Metering::Fuel => store.set_fuel(BENCH_FUEL).map_err(|e| anyhow!("{e:?}")),
        Metering::Epoch => {
            store.set_epoch_deadline(1 << 60);
            Ok(())
        }
    }
}

/// Parses, validates and compiles `bytes` (binary or text) to native code.
pub fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    Module::new(engine, bytes).map_err(|e| anyhow!("{e:?}"))
}

/// A linker defining every host function the workloads import: `env`,
/// `bench` and `host` functions and every WASI preview 1 function
/// (synchronous).
pub fn linker(engine: &Engine) -> Result<Linker> {
    let mut l = Linker::new(engine);
    let e = |e: wasmtime::Error| anyhow!("{e:?}");
    l.func_wrap("env", "clock_ms", |c: wasmtime::Caller<'_, Data>| {
        c.data().host.clock_ms()
    })
    .map_err(e)?;
    l.func_wrap("bench", "start", || ()).map_err(e)?;
    l.func_wrap("bench", "end", || ()).map_err(e)?;
    l.func_wrap("host", "inc", |x: i32| x.wrapping_add(1))
        .map_err(e)?;
    wasmtime_wasi::p1::add_to_linker_sync(&mut l, |d: &mut Data| &mut d.wasi).map_err(e)?;
    Ok(l)
}

/// A fresh store whose WASI context follows `setup`. Blocking WASI calls
/// (opening and reading files) run on the calling thread, as documented for
/// embedders without async support, instead of through Tokio's
/// `spawn_blocking`.
pub fn store(engine: &Engine, setup: &WasiSetup) -> Result<Store> {
    let stdout = MemoryOutputPipe::new(CAPTURE_CAP);
    let mut b = WasiCtxBuilder::new();
    b.args(&setup.args)
        .stdout(stdout.clone())
        .stderr(MemoryOutputPipe::new(CAPTURE_CAP))
        .allow_blocking_current_thread(true);
    if let Some(dir) = &setup.dir {
        b.preopened_dir(dir, ".", FsPerms::ReadOnly)
            .map_err(|e| anyhow!("cannot preopen {}: {e:?}", dir.display()))?;
    }
    let data = Data {
        host: Host::default(),
        wasi: b.build_p1(),
        stdout,
    };
    Ok(Store::new(engine, data))
}

/// What the guest has written to its stdout so far.
pub fn stdout(store: &Store) -> Vec<u8> {
    store.data().stdout.contents().to_vec()
}

/// Instantiates `module` in `store` against `linker`.
pub fn instantiate_with(linker: &Linker, store: &mut Store, module: &Module) -> Result<Instance> {
    linker
        .instantiate(&mut *store, module)
        .map_err(|e| anyhow!("{e:?}"))
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
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => exit_outcome(*code),
            None => Err(anyhow!("{e:?}")),
        },
    }
}
