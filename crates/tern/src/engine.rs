//! `Config` and `Engine`: feature switches, limits, and the engine-wide
//! type registry shared by every module, store and host-created type.

use crate::Result;
use crate::registry::TypeRegistry;
use std::sync::Arc;

/// Settings for an [`Engine`]. Every Wasm 3.0 feature is on by default.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: wasmparser::WasmFeatures,
    pub(crate) max_call_depth: usize,
    pub(crate) max_gc_heap_size: usize,
    pub(crate) gc_verify: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config::new()
    }
}

macro_rules! feature_switch {
    ($(#[$doc:meta] $name:ident => $flag:ident,)*) => {
        $(
            #[$doc]
            pub fn $name(&mut self, enable: bool) -> &mut Self {
                self.features.set(wasmparser::WasmFeatures::$flag, enable);
                self
            }
        )*
    };
}

impl Config {
    /// The default configuration: all Wasm 3.0 features, a call depth limit
    /// of 100,000 frames, a 1 GiB GC heap limit.
    pub fn new() -> Config {
        Config {
            // wasmparser's Wasm 3.0 set includes the threads proposal
            // (shared memories, atomics), which is not part of Wasm 3.0 and
            // which Tern does not implement.
            features: wasmparser::WasmFeatures::WASM3.difference(wasmparser::WasmFeatures::THREADS),
            max_call_depth: 100_000,
            max_gc_heap_size: 1 << 30,
            gc_verify: false,
        }
    }

    feature_switch! {
        /// Typed function references (`call_ref`, `(ref $t)`, ...).
        wasm_function_references => FUNCTION_REFERENCES,
        /// Garbage collection (structs, arrays, i31, casts).
        wasm_gc => GC,
        /// Tail calls (`return_call*`).
        wasm_tail_call => TAIL_CALL,
        /// Multiple results and block parameters.
        wasm_multi_value => MULTI_VALUE,
        /// Bulk memory operations.
        wasm_bulk_memory => BULK_MEMORY,
        /// `funcref`/`externref` values and multiple tables.
        wasm_reference_types => REFERENCE_TYPES,
        /// 128-bit SIMD (`v128`).
        wasm_simd => SIMD,
        /// Relaxed SIMD (deterministic: see docs/ARCHITECTURE.md).
        wasm_relaxed_simd => RELAXED_SIMD,
        /// Multiple memories.
        wasm_multi_memory => MULTI_MEMORY,
        /// 64-bit memories and tables.
        wasm_memory64 => MEMORY64,
        /// Exception handling (`try_table`, `throw`, `exnref`).
        wasm_exceptions => EXCEPTIONS,
        /// Legacy exception instructions (`try`, `catch`, `delegate`, `rethrow`); off by default.
        wasm_legacy_exceptions => LEGACY_EXCEPTIONS,
        /// Extended constant expressions.
        wasm_extended_const => EXTENDED_CONST,
    }

    /// The maximum number of nested wasm calls before a
    /// `call stack exhausted` trap.
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Self {
        self.max_call_depth = depth.max(1);
        self
    }

    /// The maximum size of a store's GC heap, in bytes (at least 64 KiB).
    /// An allocation that cannot fit after a collection traps.
    pub fn max_gc_heap_size(&mut self, bytes: usize) -> &mut Self {
        self.max_gc_heap_size = bytes;
        self
    }

    /// Verify the GC heap after every collection (slow; for tests and
    /// debugging). A violation makes `Store::gc` return an error.
    pub fn gc_verify(&mut self, enable: bool) -> &mut Self {
        self.gc_verify = enable;
        self
    }
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) registry: TypeRegistry,
}

/// A compilation and type environment shared by modules and stores.
/// Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Engine(pub(crate) Arc<EngineInner>);

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::from_config(Config::new())
    }
}

impl Engine {
    /// Creates an engine with the given configuration.
    pub fn new(config: &Config) -> Result<Engine> {
        Ok(Engine::from_config(config.clone()))
    }

    fn from_config(config: Config) -> Engine {
        Engine(Arc::new(EngineInner {
            config,
            registry: TypeRegistry::new(),
        }))
    }

    /// How many canonical types are registered in this engine right now.
    pub fn registered_types(&self) -> usize {
        self.0.registry.registered_types()
    }

    /// Whether two handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.0.config
    }

    pub(crate) fn registry(&self) -> &TypeRegistry {
        &self.0.registry
    }
}
