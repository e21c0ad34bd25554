//! Scoped GC roots: [`RootScope`], and `to_owned_rooted` on every GC
//! reference handle.
//!
//! A handle created while no scope is open owns its root (an `Arc`'d slot
//! the collector updates: Wasmtime's `OwnedRooted`). Inside a scope, new
//! handles are entries of a LIFO stack in the heap (Wasmtime's `Rooted`):
//! creating one is a push, and the scope's end releases them all at once.

use super::{AnyRef, ArrayRef, EqRef, ExnRef, ExternRef, StructRef};
use crate::error::Result;
use crate::gc::GcRoot;
use crate::runtime::{AsContext, AsContextMut, StoreContext, StoreContextMut};

/// A scope for cheap GC roots (Wasmtime's `RootScope`).
///
/// While a `RootScope` is alive, every GC reference handle created through
/// it — by allocation (`StructRef::new`, `ArrayRef::new`, ...), by reading
/// a field, element, global or table slot, or as a result of a call — roots
/// its object with a LIFO entry instead of an allocated slot, and the scope
/// releases them all when it is dropped. A handle from a scope that has
/// ended is an error to use (never another object); call
/// `to_owned_rooted` on a handle to keep it beyond its scope.
///
/// Scopes nest: create one from another (`RootScope::new(&mut scope)`).
/// A `RootScope` is itself a store context, so pass `&mut scope` wherever
/// a store is expected.
///
/// ```
/// # fn main() -> tern::Result<()> {
/// use tern::{
///     Engine, FieldType, Mutability, RootScope, StorageType, Store, StructRef, StructType, Val,
///     ValType,
/// };
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let field = FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32));
/// let ty = StructType::new(&engine, [field])?;
/// let kept = {
///     let mut scope = RootScope::new(&mut store);
///     let mut last = None;
///     for i in 0..1000 {
///         // No allocation per root: each handle is a LIFO entry.
///         last = Some(StructRef::new(&mut scope, &ty, &[Val::I32(i)])?);
///     }
///     let last = last.unwrap();
///     assert!(matches!(last.field(&mut scope, 0)?, Val::I32(999)));
///     last.to_owned_rooted(&mut scope)?
/// };
/// // The scope has ended; the owned handle lives on.
/// assert!(matches!(kept.field(&mut store, 0)?, Val::I32(999)));
/// # Ok(())
/// # }
/// ```
pub struct RootScope<C: AsContextMut> {
    store: C,
    /// This scope's depth among the store's open root scopes.
    depth: usize,
}

impl<C: AsContextMut> RootScope<C> {
    /// Opens a root scope on `store` (a store, a [`crate::Caller`], a
    /// context, or another scope).
    pub fn new(mut store: C) -> RootScope<C> {
        let depth = store.as_context_mut().0.inner.heap_mut().enter_root_scope();
        RootScope { store, depth }
    }
}

impl<C: AsContextMut> Drop for RootScope<C> {
    fn drop(&mut self) {
        let depth = self.depth;
        self.store
            .as_context_mut()
            .0
            .inner
            .heap_mut()
            .exit_root_scope(depth);
    }
}

impl<C: AsContextMut> std::fmt::Debug for RootScope<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootScope")
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl<C: AsContextMut> AsContext for RootScope<C> {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        self.store.as_context()
    }
}

impl<C: AsContextMut> AsContextMut for RootScope<C> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        self.store.as_context_mut()
    }
}

/// `to_owned_rooted` for a handle type whose fields are `store` and `root`.
macro_rules! to_owned_rooted {
    ($($t:ident),*) => {
        $(
            impl $t {
                /// A handle to the same object that owns its root, so it
                /// stays valid after the [`RootScope`] this one was created
                /// in has ended (Wasmtime's `Rooted::to_owned_rooted`).
                /// Errors if this handle's own scope has already ended or
                /// it belongs to another store.
                pub fn to_owned_rooted(&self, mut store: impl AsContextMut) -> Result<$t> {
                    let inner = &mut store.as_context_mut().0.inner;
                    let raw = inner.resolve(self.store, &self.root)?;
                    let root = match &self.root {
                        GcRoot::Immediate(r) => GcRoot::Immediate(*r),
                        _ => inner.heap_mut().root_owned(raw),
                    };
                    Ok($t {
                        store: self.store,
                        root,
                    })
                }
            }
        )*
    };
}

to_owned_rooted!(AnyRef, ArrayRef, EqRef, ExnRef, ExternRef, StructRef);
