//! Pre-resolved GC allocators ([`StructRefPre`], [`ArrayRefPre`], as in
//! Wasmtime): a type resolved once to the store's heap type, so that each
//! allocation skips the engine check and the type lookup.
//!
//! `StructRef::new` and `ArrayRef::new`/`new_fixed` take either a type
//! (resolved per call) or a pre-resolved allocator: both implement
//! [`StructAllocator`] / [`ArrayAllocator`].

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::HeapTypeIdx;
use crate::runtime::{AsContextMut, StoreId, StoreInner};
use crate::types::{ArrayType, StructType};

/// A struct type resolved for allocation in one store (Wasmtime's
/// `StructRefPre`): pass `&pre` to [`crate::StructRef::new`].
#[derive(Clone, Debug)]
pub struct StructRefPre {
    store: StoreId,
    ty: StructType,
    hty: HeapTypeIdx,
}

/// An array type resolved for allocation in one store (Wasmtime's
/// `ArrayRefPre`): pass `&pre` to [`crate::ArrayRef::new`] or
/// [`crate::ArrayRef::new_fixed`].
#[derive(Clone, Debug)]
pub struct ArrayRefPre {
    store: StoreId,
    ty: ArrayType,
    hty: HeapTypeIdx,
}

/// Resolves a type to the store's heap type index (registering it with
/// the heap on first use).
fn resolve(
    store: &mut StoreInner,
    engine: &Engine,
    ty: &crate::registry::TypeRef,
) -> Result<HeapTypeIdx> {
    if !Engine::same(engine, store.engine()) {
        return Err(Error::usage("GC type belongs to another engine"));
    }
    store.heap_mut().type_index(ty)
}

impl StructRefPre {
    /// Resolves `ty` for allocations in `store`.
    pub fn new(mut store: impl AsContextMut, ty: StructType) -> Result<StructRefPre> {
        let store = &mut store.as_context_mut().0.inner;
        let hty = resolve(store, ty.engine(), ty.type_ref())?;
        Ok(StructRefPre {
            store: store.id(),
            ty,
            hty,
        })
    }

    /// The struct type.
    pub fn ty(&self) -> &StructType {
        &self.ty
    }
}

impl ArrayRefPre {
    /// Resolves `ty` for allocations in `store`.
    pub fn new(mut store: impl AsContextMut, ty: ArrayType) -> Result<ArrayRefPre> {
        let store = &mut store.as_context_mut().0.inner;
        let hty = resolve(store, ty.engine(), ty.type_ref())?;
        Ok(ArrayRefPre {
            store: store.id(),
            ty,
            hty,
        })
    }

    /// The array type.
    pub fn ty(&self) -> &ArrayType {
        &self.ty
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::types::StructType {}
    impl Sealed for super::StructRefPre {}
    impl Sealed for crate::types::ArrayType {}
    impl Sealed for super::ArrayRefPre {}
}

/// What [`crate::StructRef::new`] allocates from: a [`StructType`]
/// (resolved at each call) or a [`StructRefPre`] (resolved once).
pub trait StructAllocator: sealed::Sealed {
    /// The struct type allocated.
    fn struct_type(&self) -> &StructType;
    /// The pre-resolved allocator, if this is one.
    #[doc(hidden)]
    fn pre(&self) -> Option<&StructRefPre>;
}

impl StructAllocator for StructType {
    fn struct_type(&self) -> &StructType {
        self
    }
    fn pre(&self) -> Option<&StructRefPre> {
        None
    }
}

impl StructAllocator for StructRefPre {
    fn struct_type(&self) -> &StructType {
        &self.ty
    }
    fn pre(&self) -> Option<&StructRefPre> {
        Some(self)
    }
}

/// What [`crate::ArrayRef::new`] and [`crate::ArrayRef::new_fixed`]
/// allocate from: an [`ArrayType`] (resolved at each call) or an
/// [`ArrayRefPre`] (resolved once).
pub trait ArrayAllocator: sealed::Sealed {
    /// The array type allocated.
    fn array_type(&self) -> &ArrayType;
    /// The pre-resolved allocator, if this is one.
    #[doc(hidden)]
    fn pre(&self) -> Option<&ArrayRefPre>;
}

impl ArrayAllocator for ArrayType {
    fn array_type(&self) -> &ArrayType {
        self
    }
    fn pre(&self) -> Option<&ArrayRefPre> {
        None
    }
}

impl ArrayAllocator for ArrayRefPre {
    fn array_type(&self) -> &ArrayType {
        &self.ty
    }
    fn pre(&self) -> Option<&ArrayRefPre> {
        Some(self)
    }
}

/// The heap type index `a` allocates in `store`: the cached one of a
/// pre-resolved allocator (of this store), else the type resolved now.
pub(crate) fn struct_heap_type(
    store: &mut StoreInner,
    a: &impl StructAllocator,
) -> Result<HeapTypeIdx> {
    match a.pre() {
        Some(p) if p.store == store.id() => Ok(p.hty),
        Some(_) => Err(Error::usage("StructRefPre used with the wrong store")),
        None => resolve(store, a.struct_type().engine(), a.struct_type().type_ref()),
    }
}

/// As [`struct_heap_type`], for arrays.
pub(crate) fn array_heap_type(
    store: &mut StoreInner,
    a: &impl ArrayAllocator,
) -> Result<HeapTypeIdx> {
    match a.pre() {
        Some(p) if p.store == store.id() => Ok(p.hty),
        Some(_) => Err(Error::usage("ArrayRefPre used with the wrong store")),
        None => resolve(store, a.array_type().engine(), a.array_type().type_ref()),
    }
}
