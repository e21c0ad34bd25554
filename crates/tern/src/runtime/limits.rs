//! Resource limits: the [`ResourceLimiter`] a store consults before a
//! memory or table grows (in wasm or through the API) and before it
//! creates instances, memories and tables, and the ready-made
//! [`StoreLimits`]. Names and semantics follow Wasmtime's.

use super::Store;
use crate::error::{Error, Result};

/// The default limit on instances in a store.
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// The default limit on tables in a store.
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;
/// The default limit on linear memories in a store.
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// Decides whether a store's memories and tables may grow, and how many
/// instances, memories and tables the store may hold. Installed with
/// [`Store::limiter`].
pub trait ResourceLimiter {
    /// A memory wants to grow from `current` to `desired` bytes (`maximum`:
    /// its declared maximum in bytes, if any). Also asked, with `current`
    /// 0, when a memory is created. `Ok(false)` denies the growth
    /// (`memory.grow` returns -1, creation fails); an `Err` traps (in wasm)
    /// or fails the operation with that error.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// A table wants to grow from `current` to `desired` elements; as
    /// [`ResourceLimiter::memory_growing`].
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// The most instances the store may hold.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// The most tables the store may hold (defined by instances or the host).
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// The most memories the store may hold (defined by instances or the host).
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }

    /// The most bytes the store's GC heap may grow to (at most the
    /// engine's `Config::max_gc_heap_size`); `None` keeps the engine's.
    /// Read once, when the limiter is installed with [`Store::limiter`]. An
    /// allocation that does not fit after a collection traps with
    /// `AllocationTooLarge`. (A Tern extension: Wasmtime has no per-store
    /// GC heap limit.)
    fn gc_heap_size(&self) -> Option<usize> {
        None
    }
}

/// The store's limiter: gets the [`ResourceLimiter`] out of the host data.
pub(crate) type LimiterFn<T> =
    Box<dyn FnMut(&mut T) -> &mut (dyn ResourceLimiter + Send + Sync) + Send + Sync>;

/// Limits on memory size, table size and entity counts, built with
/// [`StoreLimitsBuilder`].
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    tables: usize,
    memories: usize,
    gc_heap_size: Option<usize>,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            gc_heap_size: None,
            trap_on_grow_failure: false,
        }
    }
}

impl StoreLimits {
    fn denied(&self, what: &str) -> Result<bool> {
        if self.trap_on_grow_failure {
            Err(Error::msg(format!(
                "forcing a {what} growth failure to be a trap"
            )))
        } else {
            Ok(false)
        }
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool> {
        match self.memory_size {
            Some(limit) if desired > limit => self.denied("memory"),
            _ => Ok(true),
        }
    }

    fn table_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool> {
        match self.table_elements {
            Some(limit) if desired > limit => self.denied("table"),
            _ => Ok(true),
        }
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }

    fn gc_heap_size(&self) -> Option<usize> {
        self.gc_heap_size
    }
}

/// Builds [`StoreLimits`]; everything unlimited except the entity counts
/// (10,000 each) unless set.
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// A builder with the defaults.
    pub fn new() -> StoreLimitsBuilder {
        StoreLimitsBuilder::default()
    }

    /// The most bytes any one linear memory may have.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }

    /// The most elements any one table may have.
    pub fn table_elements(mut self, elements: usize) -> Self {
        self.0.table_elements = Some(elements);
        self
    }

    /// The most instances in the store.
    pub fn instances(mut self, n: usize) -> Self {
        self.0.instances = n;
        self
    }

    /// The most tables in the store.
    pub fn tables(mut self, n: usize) -> Self {
        self.0.tables = n;
        self
    }

    /// The most memories in the store.
    pub fn memories(mut self, n: usize) -> Self {
        self.0.memories = n;
        self
    }

    /// The most bytes the store's GC heap may use (see
    /// [`ResourceLimiter::gc_heap_size`]).
    pub fn gc_heap_size(mut self, bytes: usize) -> Self {
        self.0.gc_heap_size = Some(bytes);
        self
    }

    /// A denied growth traps (wasm) or fails (API) instead of returning -1.
    pub fn trap_on_grow_failure(mut self, trap: bool) -> Self {
        self.0.trap_on_grow_failure = trap;
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

/// What is being created or grown, for [`Store::limit_growth`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Growth {
    /// A memory, sizes in bytes.
    Memory,
    /// A table, sizes in elements.
    Table,
}

impl<T> Store<T> {
    /// Installs a resource limiter: `limiter` gets it out of the host data
    /// each time a limit is checked (the GC heap size: now, once).
    pub fn limiter(
        &mut self,
        mut limiter: impl FnMut(&mut T) -> &mut (dyn ResourceLimiter + Send + Sync)
        + Send
        + Sync
        + 'static,
    ) {
        let ceiling = self.inner.engine().config().max_gc_heap_size;
        let gc_limit = limiter(&mut self.data).gc_heap_size().unwrap_or(ceiling);
        self.inner.heap_mut().set_limit(gc_limit, ceiling);
        self.limiter = Some(Box::new(limiter));
    }

    /// Grows store memory `index` by `delta` pages, if that stays within
    /// the memory's limits and the limiter agrees; wasm's `memory.grow`
    /// (`metered`) is then charged fuel per page, before the work. The old
    /// size, or `None` if denied or not allocatable. The one growth path of
    /// `memory.grow` and `Memory::grow`.
    pub(crate) fn grow_memory(
        &mut self,
        index: usize,
        delta: u64,
        metered: bool,
    ) -> Result<Option<u64>> {
        let e = &self.inner.memories()[index];
        if !e.fits(delta) {
            return Ok(None);
        }
        let (desired, max) = e.desired_bytes(delta);
        if !self.limit_growth(Growth::Memory, e.data.len() as u64, desired, max)? {
            return Ok(None);
        }
        if metered {
            self.inner
                .charge_fuel(delta)
                .map_err(|t| Error::trap(t, Vec::new()))?;
        }
        Ok(self.inner.memories_mut()[index].grow(delta))
    }

    /// Grows store table `index` by `delta` elements set to raw `init`; as
    /// [`Store::grow_memory`] (fuel per element). The one growth path of
    /// `table.grow` and `Table::grow`.
    pub(crate) fn grow_table(
        &mut self,
        index: usize,
        delta: u64,
        init: u32,
        metered: bool,
    ) -> Result<Option<u64>> {
        let t = &self.inner.tables()[index];
        if !t.fits(delta) {
            return Ok(None);
        }
        let current = t.elems.len() as u64;
        let (desired, max) = (current.saturating_add(delta), t.max);
        if !self.limit_growth(Growth::Table, current, desired, max)? {
            return Ok(None);
        }
        if metered {
            self.inner
                .charge_fuel(delta)
                .map_err(|t| Error::trap(t, Vec::new()))?;
        }
        Ok(self.inner.tables_mut()[index].grow(delta, init))
    }

    /// Asks the limiter (if any) whether a memory or table may grow from
    /// `current` to `desired` (bytes or elements; saturated to `usize`).
    pub(crate) fn limit_growth(
        &mut self,
        what: Growth,
        current: u64,
        desired: u64,
        maximum: Option<u64>,
    ) -> Result<bool> {
        let Some(get) = self.limiter.as_mut() else {
            return Ok(true);
        };
        let size = |x: u64| usize::try_from(x).unwrap_or(usize::MAX);
        let (current, desired, maximum) = (size(current), size(desired), maximum.map(size));
        let limiter = get(&mut self.data);
        match what {
            Growth::Memory => limiter.memory_growing(current, desired, maximum),
            Growth::Table => limiter.table_growing(current, desired, maximum),
        }
    }

    /// Fails if adding `instances`, `memories` and `tables` would exceed
    /// the limiter's counts.
    pub(crate) fn limit_counts(
        &mut self,
        instances: usize,
        memories: usize,
        tables: usize,
    ) -> Result<()> {
        let Some(get) = self.limiter.as_mut() else {
            return Ok(());
        };
        let limiter = get(&mut self.data);
        let checks = [
            (
                "instance",
                self.inner.instances().len(),
                instances,
                limiter.instances(),
            ),
            (
                "memory",
                self.inner.memories().len(),
                memories,
                limiter.memories(),
            ),
            ("table", self.inner.tables().len(), tables, limiter.tables()),
        ];
        for (what, have, adding, limit) in checks {
            if adding > 0 && have.saturating_add(adding) > limit {
                return Err(Error::limit(format!(
                    "resource limit exceeded: {what} count too high at {}",
                    have + adding
                )));
            }
        }
        Ok(())
    }
}
