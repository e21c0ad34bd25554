//! Adapter for Wasmtime with its copying collector (the `gc-copying`
//! feature): the [`rt_wasmtime`](crate::rt_wasmtime) adapter with another
//! engine. The benchmarks run it on GC rows only.

pub use crate::rt_wasmtime::*;

use crate::Metering;

/// An engine like [`rt_wasmtime::engine`](crate::rt_wasmtime::engine), with
/// the copying collector.
pub fn engine() -> Engine {
    engine_metered(Metering::Off).expect("wasmtime engine configuration")
}

/// An engine with `metering` compiled in and the copying collector.
pub fn engine_metered(metering: Metering) -> Option<Engine> {
    engine_with(metering, wasmtime::Collector::Copying)
}
