//! `Config` and `Engine`: feature switches, limits, and the engine-wide
//! type registry shared by every module, store and host-created type.

use crate::Result;
use crate::registry::TypeRegistry;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Settings for an [`Engine`]. Every Wasm 3.0 feature is on by default.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: wasmparser::WasmFeatures,
    pub(crate) max_call_depth: usize,
    pub(crate) max_gc_heap_size: usize,
    pub(crate) gc_verify: bool,
    pub(crate) gc_nursery_size: usize,
    pub(crate) gc_stress: bool,
    pub(crate) gc_metadata_limit: usize,
    pub(crate) consume_fuel: bool,
    pub(crate) epoch_interruption: bool,
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
            gc_nursery_size: crate::gc::DEFAULT_NURSERY_SIZE,
            gc_stress: false,
            gc_metadata_limit: usize::MAX,
            consume_fuel: false,
            epoch_interruption: false,
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

    /// Makes wasm code consume fuel: each operator costs one unit (`nop`,
    /// `drop`, `block`, `loop`, `unreachable`, `return`, `else` and `end`
    /// cost nothing, as in Wasmtime), and operations whose work grows with
    /// an operand (bulk memory and table operations, `memory.grow`,
    /// `table.grow`, array allocation, fill, copy and init) cost one more unit
    /// per byte, element or page, as in Wasmtime. A store starts with no fuel
    /// ([`Store::set_fuel`](crate::Store::set_fuel)); running out traps with
    /// [`Trap::OutOfFuel`](crate::Trap::OutOfFuel). Off by default; when
    /// off, no fuel code is compiled into functions.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }

    /// Makes wasm code check the engine's epoch against the store's
    /// deadline at every function entry and loop header (see
    /// [`Engine::increment_epoch`] and
    /// [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)).
    /// As in Wasmtime, a store's deadline starts at 0, so code traps with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) until a deadline is set.
    /// Off by default; when off, no checks are compiled into functions.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self
    }

    /// Verify the GC heap after every collection (slow; for tests and
    /// debugging). A violation makes `Store::gc` return an error.
    pub fn gc_verify(&mut self, enable: bool) -> &mut Self {
        self.gc_verify = enable;
        self
    }

    /// The size in bytes of a store's nursery, the space where new GC
    /// objects are allocated (default 2 MiB; at least 4 KiB, and at most
    /// a quarter of the GC heap limit; a store starts with a smaller one
    /// that grows to this size as it allocates). Objects that survive a minor
    /// collection move to the old generation; objects larger than half
    /// the nursery are allocated there directly.
    pub fn gc_nursery_size(&mut self, bytes: usize) -> &mut Self {
        self.gc_nursery_size = bytes.max(crate::gc::MIN_NURSERY_SIZE);
        self
    }

    /// Stress mode (for tests): a minor collection before every GC
    /// allocation, so every object is moved as early as possible.
    #[doc(hidden)]
    pub fn gc_stress(&mut self, enable: bool) -> &mut Self {
        self.gc_stress = enable;
        self
    }

    /// Caps the collector's growable metadata (the incremental mark
    /// stack, the remembered set) at `entries` entries (for tests: a
    /// small cap reaches the fallbacks taken when memory for it runs out).
    #[doc(hidden)]
    pub fn gc_metadata_limit(&mut self, entries: usize) -> &mut Self {
        self.gc_metadata_limit = entries;
        self
    }
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) registry: TypeRegistry,
    /// The epoch counter (see [`Engine::increment_epoch`]).
    pub(crate) epoch: AtomicU64,
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
            epoch: AtomicU64::new(0),
        }))
    }

    /// How many canonical types are registered in this engine right now.
    pub fn registered_types(&self) -> usize {
        self.0.registry.registered_types()
    }

    /// Advances the engine's epoch by one. Safe to call from any thread
    /// (e.g. a timer) while wasm runs: code compiled with
    /// [`Config::epoch_interruption`] notices at its next function entry or
    /// loop header that a store's deadline has passed.
    pub fn increment_epoch(&self) {
        self.0.epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// The current epoch (incremented by [`Engine::increment_epoch`]).
    pub fn current_epoch(&self) -> u64 {
        self.0.epoch.load(Ordering::Relaxed)
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
