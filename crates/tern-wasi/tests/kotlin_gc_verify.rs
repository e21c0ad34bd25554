//! The Kotlin/Wasm exception-handling builds (tests/data/workloads) under
//! `Config::gc_verify`: every collection checks the heap, including the
//! exception objects in flight and caught. (These programs allocate less
//! than the heap's initial 64 KiB, so the check runs at the final
//! `Store::gc`; `crates/tern/tests/exceptions.rs` collects with exceptions
//! live.) The stress runs collect the nursery before every allocation, so
//! exceptions in flight and caught are moved while live.

use tern::{Config, Engine, Linker, Module, Store};
use tern_wasi::{MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

fn data(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/workloads")
        .join(path)
}

fn run_verified(wasm: &str, expected: &str) {
    run(wasm, expected, false);
}

fn run(wasm: &str, expected: &str, stress: bool) {
    let mut config = Config::new();
    config.gc_verify(true).gc_stress(stress);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, std::fs::read(data(wasm)).unwrap()).unwrap();
    let stdout = MemoryOutputPipe::new();
    let wasi = WasiCtxBuilder::new().stdout(stdout.clone()).build();
    let mut store = Store::new(&engine, wasi);
    let mut linker = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |w: &mut WasiCtx| w).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    start.call(&mut store, ()).unwrap();
    store.gc().unwrap();
    assert!(store.gc_stats().collections >= 1, "{:?}", store.gc_stats());
    let expected = std::fs::read(data(expected)).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&stdout.contents()),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn kotlin_exceptions_with_gc_verify() {
    run_verified(
        "gc/kotlin-exceptions/exceptions.eh.opt.wasm",
        "gc/kotlin-exceptions/exceptions.stdout.expected",
    );
    run_verified(
        "gc/kotlin-exceptions/exceptions.eh.unopt.wasm",
        "gc/kotlin-exceptions/exceptions.stdout.expected",
    );
}

#[test]
fn kotlin_hello_exceptions_with_gc_verify() {
    run_verified(
        "gc/kotlin-hello/hello.eh.opt.wasm",
        "gc/kotlin-hello/hello.stdout.expected",
    );
}

#[test]
fn kotlin_exceptions_under_gc_stress() {
    run(
        "gc/kotlin-exceptions/exceptions.eh.opt.wasm",
        "gc/kotlin-exceptions/exceptions.stdout.expected",
        true,
    );
    run(
        "gc/kotlin-hello/hello.eh.unopt.wasm",
        "gc/kotlin-hello/hello.stdout.expected",
        true,
    );
}
