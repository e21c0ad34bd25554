//! The [`Store`]: owner of all runtime entities (functions, tables,
//! memories, globals, instances, host objects) and of the host's data `T`.
//! Handles such as [`crate::Func`] are indices into a store, checked
//! against the store's id on every use.

use super::{FuncEntry, GlobalEntry, HostFn, InstanceEntry, MemoryEntry, TableEntry};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::interp::Stack;
use crate::values::raw;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

/// Unique identity of a store; handles carry it to detect cross-store use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

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

/// A host object behind an `externref` (a minimal heap until the GC lands).
pub(crate) struct HostObject {
    pub data: Box<dyn Any + Send + Sync>,
}

/// The non-generic part of a store. Public only so that sealed trait
/// methods can name it; not reachable from outside the crate.
#[doc(hidden)]
pub struct StoreInner {
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    pub(crate) funcs: Vec<FuncEntry>,
    pub(crate) tables: Vec<TableEntry>,
    pub(crate) memories: Vec<MemoryEntry>,
    pub(crate) globals: Vec<GlobalEntry>,
    pub(crate) instances: Vec<InstanceEntry>,
    /// Heap objects; index 0 is reserved so that raw 0 stays null.
    pub(crate) objects: Vec<HostObject>,
    /// The interpreter stack, shared by all nested activations (a host
    /// function that calls back into wasm runs above its caller's frame).
    pub(crate) stack: Stack,
    /// Nested wasm activations (host -> wasm -> host -> wasm ...).
    pub(crate) activations: usize,
}

impl StoreInner {
    pub(crate) fn check(&self, id: StoreId) -> Result<()> {
        if id == self.id {
            Ok(())
        } else {
            Err(Error::usage("object used with the wrong store"))
        }
    }

    /// Allocates a host object and returns its raw reference.
    pub(crate) fn alloc_object(&mut self, data: Box<dyn Any + Send + Sync>) -> Result<u32> {
        let index = u32::try_from(self.objects.len())
            .ok()
            .filter(|i| *i <= raw::MAX_INDEX)
            .ok_or_else(|| Error::usage("too many host objects"))?;
        self.objects.push(HostObject { data });
        Ok(raw::object(index))
    }

    /// The function for a non-null raw funcref.
    pub(crate) fn func_of_raw(&self, r: u32) -> Option<u32> {
        raw::func_index(r).filter(|i| (*i as usize) < self.funcs.len())
    }
}

/// A collection of WebAssembly instances and host state `T`. Everything
/// created in a store lives until the store is dropped.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) host_funcs: Vec<HostFn<T>>,
    data: T,
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
                // Slot 0 is never used: raw object index 0 would be null.
                objects: vec![HostObject { data: Box::new(()) }],
                stack: Stack::default(),
                activations: 0,
            },
            host_funcs: Vec::new(),
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
}

/// A shared borrow of a store (see [`AsContext`]).
pub struct StoreContext<'a, T>(pub(crate) &'a Store<T>);

/// An exclusive borrow of a store (see [`AsContextMut`]).
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut Store<T>);

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
}
