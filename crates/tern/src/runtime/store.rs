//! The [`Store`]: owner of all runtime entities (functions, tables,
//! memories, globals, instances, host objects) and of the host's data `T`.
//! Handles such as [`crate::Func`] are indices into a store, checked
//! against the store's id on every use.

use super::interrupt::{EpochCallback, Interrupts};
use super::limits::LimiterFn;
use super::{FuncEntry, GlobalEntry, HostFunc, InstanceEntry, MemoryEntry, TableEntry, TagEntry};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::gc::{GcRoot, Heap, Trace};
use crate::index::{HeapTypeIdx, StoreFunc};
use crate::interp::{Activations, Parked, Stack};
use crate::values::raw;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

/// Unique identity of a store; handles carry it to detect cross-store use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(u64);

impl StoreId {
    fn fresh() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// An id no store has (ids start at 1): handles carrying it always fail.
    pub(crate) fn invalid() -> StoreId {
        StoreId(0)
    }
}

/// The non-generic part of a store. Public only so that sealed trait
/// methods can name it; not reachable from outside the crate.
///
/// Its fields are private: entity lists are reached as slices (growing
/// only through the `push_*` methods, which enforce the index limits),
/// the heap and the interpreter's state through accessors, and the split
/// borrows the interpreter and the collector need through
/// [`StoreInner::heap_and_stack`] and [`StoreInner::split_for_gc`].
#[doc(hidden)]
pub struct StoreInner {
    id: StoreId,
    engine: Engine,
    funcs: Vec<FuncEntry>,
    tables: Vec<TableEntry>,
    memories: Vec<MemoryEntry>,
    globals: Vec<GlobalEntry>,
    instances: Vec<InstanceEntry>,
    /// Exception tags.
    tags: Vec<TagEntry>,
    /// The GC heap.
    heap: Heap,
    /// The interpreter stack, shared by all nested activations (a host
    /// function that calls back into wasm runs above its caller's frame).
    stack: Stack,
    /// Nested and parked activations (owned by the interpreter).
    activations: Activations,
    /// Fuel and epoch deadline.
    interrupts: Interrupts,
    /// The largest reference frame of any function instantiated in the
    /// store: no active frame reaches further than this above the
    /// innermost frame's start, which bounds the dead slots a collection
    /// clears (see `StoreRoots::trace`).
    max_ref_frame: usize,
}

/// Defines the accessors of the store's entity lists: a slice, a mutable
/// slice where entries change after creation (the list itself does not
/// grow through it), and a `push_*` that appends within the index limit.
macro_rules! entity_lists {
    ($($list:ident $(/ $list_mut:ident)?, $push:ident: $entry:ty, $what:literal;)*) => {
        impl StoreInner {
            $(
                #[doc = concat!("The store's ", $what, ".")]
                #[inline(always)]
                pub(crate) fn $list(&self) -> &[$entry] {
                    &self.$list
                }

                $(
                    #[doc = concat!("The store's ", $what, ", mutable.")]
                    #[inline(always)]
                    pub(crate) fn $list_mut(&mut self) -> &mut [$entry] {
                        &mut self.$list
                    }
                )?

                #[doc = concat!("Appends one of the store's ", $what, "; returns its index.")]
                pub(crate) fn $push(&mut self, entry: $entry) -> Result<u32> {
                    push_entity(&mut self.$list, entry, $what)
                }
            )*
        }
    };
}

entity_lists! {
    funcs, push_func_entry: FuncEntry, "functions";
    tables / tables_mut, push_table: TableEntry, "tables";
    memories / memories_mut, push_memory: MemoryEntry, "memories";
    globals / globals_mut, push_global: GlobalEntry, "globals";
    instances / instances_mut, push_instance: InstanceEntry, "instances";
    tags, push_tag: TagEntry, "tags";
}

impl StoreInner {
    /// This store's identity (what its handles carry).
    #[inline(always)]
    pub(crate) fn id(&self) -> StoreId {
        self.id
    }

    /// The engine this store belongs to.
    #[inline(always)]
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The GC heap.
    #[inline(always)]
    pub(crate) fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The GC heap, mutable.
    #[inline(always)]
    pub(crate) fn heap_mut(&mut self) -> &mut Heap {
        &mut self.heap
    }

    /// The interpreter stack.
    #[inline(always)]
    pub(crate) fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The interpreter stack, mutable.
    #[inline(always)]
    pub(crate) fn stack_mut(&mut self) -> &mut Stack {
        &mut self.stack
    }

    /// The heap and the interpreter stack at once (GC instructions read
    /// operands from the stack while they allocate or write the heap).
    #[inline(always)]
    pub(crate) fn heap_and_stack(&mut self) -> (&mut Heap, &mut Stack) {
        (&mut self.heap, &mut self.stack)
    }

    /// The memories, mutable, beside the instances that name them.
    pub(crate) fn memories_and_instances(&mut self) -> (&mut [MemoryEntry], &[InstanceEntry]) {
        (&mut self.memories, &self.instances)
    }

    /// The tables, mutable, beside the instances that name them.
    pub(crate) fn tables_and_instances(&mut self) -> (&mut [TableEntry], &[InstanceEntry]) {
        (&mut self.tables, &self.instances)
    }

    /// The instances beside the heap, mutable (segments copied into
    /// objects).
    pub(crate) fn instances_and_heap(&mut self) -> (&[InstanceEntry], &mut Heap) {
        (&self.instances, &mut self.heap)
    }

    /// Nested and parked activations.
    #[inline(always)]
    pub(crate) fn activations(&self) -> &Activations {
        &self.activations
    }

    /// Nested and parked activations, mutable.
    #[inline(always)]
    pub(crate) fn activations_mut(&mut self) -> &mut Activations {
        &mut self.activations
    }

    /// Fuel and epoch deadline.
    #[inline(always)]
    pub(crate) fn interrupts(&self) -> &Interrupts {
        &self.interrupts
    }

    /// Fuel and epoch deadline, mutable.
    #[inline(always)]
    pub(crate) fn interrupts_mut(&mut self) -> &mut Interrupts {
        &mut self.interrupts
    }
}

impl std::fmt::Debug for StoreInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreInner")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Appends `entry` to one of a store's entity lists; returns its index.
fn push_entity<E>(list: &mut Vec<E>, entry: E, what: &str) -> Result<u32> {
    let index =
        u32::try_from(list.len()).map_err(|_| Error::usage(format!("too many {what} in store")))?;
    list.push(entry);
    Ok(index)
}

/// The error of a handle used with another store (out of line: the
/// check is inlined into every call path).
#[cold]
#[inline(never)]
fn wrong_store() -> Error {
    Error::usage("object used with the wrong store")
}

impl StoreInner {
    /// Whether a handle of store `id` belongs to this store (an error
    /// otherwise). Inlined: every call from the host starts with it.
    #[inline]
    pub(crate) fn check(&self, id: StoreId) -> Result<()> {
        if id == self.id {
            Ok(())
        } else {
            Err(wrong_store())
        }
    }

    /// Entry `index` of `list`, one of this store's entity lists, for a
    /// handle of store `id`: an error for another store's handle or an
    /// index out of range.
    pub(crate) fn entity<'s, E>(
        &self,
        id: StoreId,
        list: &'s [E],
        index: u32,
        what: &str,
    ) -> Result<&'s E> {
        self.check(id)?;
        list.get(index as usize)
            .ok_or_else(|| Error::usage(format!("invalid {what} handle")))
    }

    /// The raw reference of a host handle of store `id` rooted by `root`:
    /// an error for another store's handle or a scoped handle used after
    /// its [`crate::RootScope`] ended.
    pub(crate) fn resolve(&self, id: StoreId, root: &GcRoot) -> Result<u32> {
        self.check(id)?;
        self.heap.root_raw(root).ok_or_else(|| {
            Error::usage("GC reference used after the RootScope that rooted it was dropped")
        })
    }

    /// Allocates a host object and returns its raw reference.
    pub(crate) fn alloc_object(&mut self, data: Box<dyn Any + Send + Sync>) -> Result<u32> {
        let live = self.live_ref_slots();
        let (heap, mut roots) = self.split_for_gc(live);
        heap.alloc_host(data, &mut roots)
    }

    /// How many reference slots of the stack are live when the host (not
    /// the interpreter) allocates.
    pub(crate) fn live_ref_slots(&self) -> usize {
        if self.activations.depth() == 0 {
            0
        } else {
            self.stack.rtop
        }
    }

    /// Splits the store into the heap and the collector's roots, with the
    /// first `live_refs` stack reference slots live.
    pub(crate) fn split_for_gc(&mut self, live_refs: usize) -> (&mut Heap, StoreRoots<'_>) {
        let refs = &mut self.stack.refs[..];
        let live = live_refs.min(refs.len());
        let reach = live.saturating_add(self.max_ref_frame).min(refs.len());
        let (stack, above) = refs[..reach].split_at_mut(live);
        (
            &mut self.heap,
            StoreRoots {
                stack,
                dead: above,
                max_ref_frame: self.max_ref_frame,
                globals: &mut self.globals,
                tables: &mut self.tables,
                instances: &mut self.instances,
                parked: self.activations.parked_mut(),
            },
        )
    }

    /// Allocates a zeroed struct while collection is disabled.
    pub(crate) fn alloc_struct_no_gc(&mut self, hty: HeapTypeIdx) -> Result<usize> {
        let (heap, mut roots) = self.split_for_gc(0);
        heap.alloc_struct(hty, &mut roots)
            .map_err(|t| Error::trap(t, Vec::new()))
    }

    /// Allocates a zeroed array while collection is disabled.
    pub(crate) fn alloc_array_no_gc(&mut self, hty: HeapTypeIdx, len: u32) -> Result<usize> {
        let (heap, mut roots) = self.split_for_gc(0);
        heap.alloc_array(hty, len, &mut roots)
            .map_err(|t| Error::trap(t, Vec::new()))
    }

    /// Records that a function with `ref_frame` reference slots may run
    /// in this store (at instantiation).
    pub(crate) fn note_ref_frame(&mut self, ref_frame: u32) {
        self.max_ref_frame = self.max_ref_frame.max(ref_frame as usize);
    }

    /// Roots a raw reference for a host handle.
    pub(crate) fn root(&mut self, r: u32) -> GcRoot {
        if raw::object_index(r).is_some() {
            self.heap.root(r)
        } else {
            GcRoot::Immediate(r)
        }
    }

    /// The function for a non-null raw funcref.
    #[inline]
    pub(crate) fn func_of_raw(&self, r: u32) -> Option<StoreFunc> {
        raw::func_index(r).filter(|f| f.index() < self.funcs.len())
    }
}

/// The collector's roots in a store: live interpreter reference slots,
/// reference globals, table elements and element segments.
pub(crate) struct StoreRoots<'a> {
    stack: &'a mut [u32],
    /// The reference slots above the live ones that an active frame may
    /// still cover: dead, and cleared when the collector traces the roots
    /// (see `trace`).
    dead: &'a mut [u32],
    /// `StoreInner::max_ref_frame`, for parked stacks' dead slots.
    max_ref_frame: usize,
    globals: &'a mut [GlobalEntry],
    tables: &'a mut [TableEntry],
    instances: &'a mut [InstanceEntry],
    parked: &'a mut [Option<Parked>],
}

impl Trace for StoreRoots<'_> {
    fn trace(&mut self, f: &mut dyn FnMut(u32) -> u32) {
        // Slots above the live ones still hold what returned calls left
        // there. A collection does not trace them, so what they point to
        // may be freed or moved; a caller's frame that still covers them
        // (its operand slots above a call's arguments are not cleared on
        // return) would then hold a dangling reference when it is traced
        // again. Clearing them here keeps every slot of every active frame
        // null or valid across collections. Only slots an active frame
        // covers need it: every frame starts at or below the innermost one
        // (the live slots end at its end), so none reaches further than the
        // largest frame above the live slots; slots further up are cleared
        // by the frame entry that next covers them (entering a function
        // clears all its reference slots but the parameters, which its
        // caller wrote).
        self.dead.fill(raw::NULL);
        let max_ref_frame = self.max_ref_frame;
        let parked = self.parked.iter_mut().flatten();
        for r in self
            .stack
            .iter_mut()
            .chain(parked.flat_map(|p| p.roots_mut(max_ref_frame)))
        {
            *r = f(*r);
        }
        for g in self.globals.iter_mut() {
            if matches!(g.ty, crate::registry::CVal::Ref(_)) {
                g.bits = f(g.bits as u32) as u128;
            }
        }
        let table_elems = self.tables.iter_mut().flat_map(|t| t.elems.iter_mut());
        let segment_elems = self
            .instances
            .iter_mut()
            .flat_map(|i| i.elems.iter_mut().flatten());
        for r in table_elems.chain(segment_elems) {
            *r = f(*r);
        }
    }
}

/// A collection of WebAssembly instances and host state `T`. Everything
/// created in a store lives until the store is dropped.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    /// Keeps the closures of the store's host functions alive.
    pub(crate) host_funcs: Vec<HostFunc<T>>,
    /// What reaching the epoch deadline does (`None`: trap).
    pub(crate) epoch_callback: Option<EpochCallback<T>>,
    /// The resource limiter, if any.
    pub(crate) limiter: Option<LimiterFn<T>>,
    pub(crate) data: T,
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

impl<T> Store<T> {
    /// Creates a store for `engine` holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: StoreInner {
                id: StoreId::fresh(),
                engine: engine.clone(),
                funcs: Vec::new(),
                tables: Vec::new(),
                memories: Vec::new(),
                globals: Vec::new(),
                instances: Vec::new(),
                tags: Vec::new(),
                heap: Heap::new(engine.config()),
                stack: Stack::default(),
                activations: Activations::default(),
                max_ref_frame: 0,
                interrupts: Interrupts {
                    metered: engine.config().consume_fuel,
                    epoch_traps: engine.config().epoch_interruption,
                    ..Interrupts::default()
                },
            },
            host_funcs: Vec::new(),
            epoch_callback: None,
            limiter: None,
            data,
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Consumes the store, returning the host data.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Runs a garbage collection now. Fails only in verification mode
    /// (`Config::gc_verify`) if the heap is found corrupt.
    pub fn gc(&mut self) -> Result<()> {
        let live = self.inner.live_ref_slots();
        let (heap, mut roots) = self.inner.split_for_gc(live);
        heap.collect(&mut roots, 0);
        match heap.corruption() {
            Some(e) => Err(Error::usage(format!("GC heap verification failed: {e}"))),
            None => Ok(()),
        }
    }

    /// Runs a minor collection now: survivors of the nursery move to the
    /// old generation (tests use it to make old objects). Fails only in
    /// verification mode if the heap is found corrupt.
    #[doc(hidden)]
    pub fn gc_minor(&mut self) -> Result<()> {
        let live = self.inner.live_ref_slots();
        let (heap, mut roots) = self.inner.split_for_gc(live);
        heap.minor(&mut roots);
        match heap.corruption() {
            Some(e) => Err(Error::usage(format!("GC heap verification failed: {e}"))),
            None => Ok(()),
        }
    }

    /// Starts an incremental cycle of the old generation now (after a
    /// minor collection, so the nursery is empty): the roots are
    /// snapshotted and marking proceeds in slices as the program
    /// allocates (tests use it to store during marking). Fails only in
    /// verification mode if the heap is found corrupt.
    #[doc(hidden)]
    pub fn gc_start_cycle(&mut self) -> Result<()> {
        let live = self.inner.live_ref_slots();
        let (heap, mut roots) = self.inner.split_for_gc(live);
        if heap.minor(&mut roots) {
            heap.start_cycle(&mut roots);
        }
        match heap.corruption() {
            Some(e) => Err(Error::usage(format!("GC heap verification failed: {e}"))),
            None => Ok(()),
        }
    }

    /// Runs the incremental cycle under way (if any) to its end: the rest
    /// of marking, then all of sweeping.
    #[doc(hidden)]
    pub fn gc_finish_cycle(&mut self) {
        self.inner.heap.finish_cycle();
    }

    /// Collector statistics.
    pub fn gc_stats(&self) -> crate::GcStats {
        self.inner.heap.stats()
    }
}

/// A shared borrow of a store (see [`AsContext`]).
pub struct StoreContext<'a, T>(pub(crate) &'a Store<T>);

impl<T> std::fmt::Debug for StoreContext<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StoreContext").field(self.0).finish()
    }
}

/// An exclusive borrow of a store (see [`AsContextMut`]).
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut Store<T>);

impl<T> std::fmt::Debug for StoreContextMut<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StoreContextMut").field(&*self.0).finish()
    }
}

/// Anything that gives shared access to a store: `&Store<T>`,
/// `&mut Store<T>`, a [`crate::Caller`], or a context.
pub trait AsContext {
    /// The store's host data type.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything that gives exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// Borrows the store mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self)
    }
}
impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self)
    }
}
impl<S: AsContext + ?Sized> AsContext for &S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}
impl<S: AsContext + ?Sized> AsContext for &mut S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}
impl<S: AsContextMut + ?Sized> AsContextMut for &mut S {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, S::Data> {
        (**self).as_context_mut()
    }
}
impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<'a, T> StoreContext<'a, T> {
    /// The host data.
    pub fn data(&self) -> &'a T {
        self.0.data()
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.0.data()
    }
    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.0.data_mut()
    }
    /// Runs a garbage collection now (see [`Store::gc`]).
    pub fn gc(&mut self) -> Result<()> {
        self.0.gc()
    }
    /// Collector statistics (see [`Store::gc_stats`]).
    pub fn gc_stats(&self) -> crate::GcStats {
        self.0.gc_stats()
    }
}
