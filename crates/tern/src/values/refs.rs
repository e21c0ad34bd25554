//! Methods of the reference handles and of [`Val`]/[`Ref`] that need a
//! store: creation of host references, conversions between the extern and
//! internal hierarchies, type queries.

use super::convert::{raw_matches, ref_val_to_raw};
use super::{raw, AnyRef, ExternRef, Ref, Val, I31};
use crate::error::Result;
use crate::runtime::{AsContext, AsContextMut, StoreInner};
use crate::types::{HeapType, RefType, ValType};
use std::any::Any;

impl Val {
    /// The null reference of `heap`'s hierarchy.
    pub fn null_ref(heap: &HeapType) -> Val {
        Ref::null(heap).into()
    }

    /// The default value of `ty` (zero or null), or `None` for a
    /// non-nullable reference type.
    pub fn default_for_ty(ty: &ValType) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) if r.is_nullable() => Val::null_ref(r.heap_type()),
            ValType::Ref(_) => return None,
        })
    }

    /// Whether this value is of type `ty` (declared subtyping for
    /// references). Fails if a reference belongs to another store.
    pub fn matches_ty(&self, store: impl AsContext, ty: &ValType) -> Result<bool> {
        let store = &store.as_context().0.inner;
        Ok(match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (v, ValType::Ref(rt)) => match v.ref_() {
                Some(r) => r.matches_ty(StoreRef(store), rt)?,
                None => false,
            },
            _ => false,
        })
    }

    /// The most precise type of this value.
    pub fn ty(&self, store: impl AsContext) -> Result<ValType> {
        let store = &store.as_context().0.inner;
        Ok(match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            v => match v.ref_() {
                Some(r) => ValType::Ref(r.ty_inner(store)?),
                None => ValType::I32,
            },
        })
    }
}

/// A shared store borrow usable where an `AsContext` is expected inside the
/// crate (avoids re-borrowing generic contexts).
struct StoreRef<'a>(&'a StoreInner);

impl Ref {
    /// The null reference of `heap`'s hierarchy.
    pub fn null(heap: &HeapType) -> Ref {
        match heap.top() {
            HeapType::Func => Ref::Func(None),
            HeapType::Extern => Ref::Extern(None),
            HeapType::Exn => Ref::Exn(None),
            _ => Ref::Any(None),
        }
    }

    fn raw(&self, store: &StoreInner) -> Result<u32> {
        Ok(ref_val_to_raw(store, &self.clone().into())?.unwrap_or(raw::NULL))
    }

    fn hierarchy_top(&self) -> HeapType {
        match self {
            Ref::Func(_) => HeapType::Func,
            Ref::Extern(_) => HeapType::Extern,
            Ref::Any(_) => HeapType::Any,
            Ref::Exn(_) => HeapType::Exn,
        }
    }

    fn matches_ty(&self, store: StoreRef<'_>, ty: &RefType) -> Result<bool> {
        let store = store.0;
        let r = self.raw(store)?;
        if !HeapType::eq(&ty.heap_type().top(), &self.hierarchy_top()) {
            return Ok(false);
        }
        Ok(raw_matches(store, r, ty.to_cref()))
    }

    /// Whether this reference is of type `ty`.
    pub fn matches_ty_in(&self, store: impl AsContext, ty: &RefType) -> Result<bool> {
        self.matches_ty(StoreRef(&store.as_context().0.inner), ty)
    }

    fn ty_inner(&self, store: &StoreInner) -> Result<RefType> {
        let r = self.raw(store)?;
        if r == raw::NULL {
            return Ok(RefType::new(true, self.hierarchy_top().bottom()));
        }
        Ok(match self {
            Ref::Func(_) => match store.func_of_raw(r) {
                Some(f) => RefType::new(
                    false,
                    HeapType::from_type_ref(&store.engine, store.funcs[f as usize].ty.clone()),
                ),
                None => RefType::new(false, HeapType::Func),
            },
            Ref::Extern(_) => RefType::new(false, HeapType::Extern),
            Ref::Any(_) if raw::is_i31(r) => RefType::new(false, HeapType::I31),
            Ref::Any(_) => RefType::new(false, HeapType::Any),
            Ref::Exn(_) => RefType::new(false, HeapType::Exn),
        })
    }

    /// The most precise type of this reference.
    pub fn ty(&self, store: impl AsContext) -> Result<RefType> {
        self.ty_inner(&store.as_context().0.inner)
    }
}

impl ExternRef {
    /// Allocates a host reference carrying `data`.
    pub fn new<T>(mut store: impl AsContextMut<Data = T>, data: impl Any + Send + Sync) -> Result<ExternRef> {
        let store = &mut store.as_context_mut().0.inner;
        let raw = store.alloc_object(Box::new(data))?;
        Ok(ExternRef {
            store: store.id,
            raw,
        })
    }

    /// The host data, or `None` if this reference wraps an internal
    /// reference (made by `extern.convert_any`).
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContext<'a, T>>,
    ) -> Result<Option<&'a (dyn Any + Send + Sync)>> {
        let store = &store.into().0.inner;
        store.check(self.store)?;
        Ok(raw::object_index(self.raw)
            .and_then(|i| store.objects.get(i as usize))
            .map(|o| &*o.data))
    }

    /// Converts an internal reference to an external one (`extern.convert_any`).
    pub fn convert_any(store: impl AsContextMut, any: AnyRef) -> Result<ExternRef> {
        let mut store = store;
        let store = &store.as_context_mut().0.inner;
        store.check(any.store)?;
        Ok(ExternRef {
            store: any.store,
            raw: any.raw,
        })
    }
}

impl AnyRef {
    /// Converts an external reference to an internal one (`any.convert_extern`).
    pub fn convert_extern(store: impl AsContextMut, ext: ExternRef) -> Result<AnyRef> {
        let mut store = store;
        let store = &store.as_context_mut().0.inner;
        store.check(ext.store)?;
        Ok(AnyRef {
            store: ext.store,
            raw: ext.raw,
        })
    }

    /// An `i31ref`.
    pub fn from_i31(store: impl AsContextMut, value: I31) -> AnyRef {
        let mut store = store;
        AnyRef {
            store: store.as_context_mut().0.inner.id,
            raw: raw::i31(value.0),
        }
    }

    fn checked_raw(&self, store: impl AsContext) -> Result<u32> {
        store.as_context().0.inner.check(self.store)?;
        Ok(self.raw)
    }

    /// Whether this is an `i31ref`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        Ok(raw::is_i31(self.checked_raw(store)?))
    }

    /// The i31 value, if this is an `i31ref`.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        let r = self.checked_raw(store)?;
        Ok(raw::is_i31(r).then_some(I31(r >> 1)))
    }

    /// Whether this is a struct (GC objects arrive with the GC runtime).
    pub fn is_struct(&self, store: impl AsContext) -> Result<bool> {
        self.checked_raw(store)?;
        Ok(false)
    }

    /// Whether this is an array (GC objects arrive with the GC runtime).
    pub fn is_array(&self, store: impl AsContext) -> Result<bool> {
        self.checked_raw(store)?;
        Ok(false)
    }

    /// Whether this reference is in `eq` (i31, struct or array).
    pub fn is_eq(&self, store: impl AsContext) -> Result<bool> {
        let r = self.checked_raw(store)?;
        Ok(raw::is_i31(r))
    }
}
