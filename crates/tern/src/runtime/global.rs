//! Globals: [`Global`] handles and their store entries.

use super::store::{AsContext, AsContextMut, StoreId};
use super::{GlobalType, StoreInner};
use crate::error::{Error, Result};
use crate::registry::{CVal, TypeRef};
use crate::types::{Mutability, ValType};
use crate::values::Val;
use crate::values::convert::{Raw, raw_to_val, val_to_raw};
use crate::values::refs::check_engine;

/// A global in a store. A number or reference global keeps its raw value
/// in the low bits of `bits` (a reference in the low 32).
#[derive(Clone, Debug)]
pub(crate) struct GlobalEntry {
    pub bits: u128,
    pub ty: CVal,
    pub mutable: bool,
    /// Keeps a concrete type registered while the global lives (for
    /// host-created globals; a module's globals are kept by its module).
    pub _keep: Option<TypeRef>,
}

impl GlobalEntry {
    pub(crate) fn raw(&self) -> Raw {
        Raw::of_bits(self.bits, self.ty)
    }
}

/// A WebAssembly global in a [`crate::Store`].
#[derive(Clone, Copy, Debug)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Global {
    /// Creates a global of type `ty` holding `val` (type-checked).
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global> {
        let store = &mut store.as_context_mut().0.inner;
        let heap = match ty.content() {
            ValType::Ref(r) => Some(r.heap_type()),
            _ => None,
        };
        if let Some(h) = heap {
            check_engine(store.engine(), h)?;
        }
        let keep = heap
            .and_then(|h| h.concrete_parts())
            .map(|(_, t)| t.clone());
        let cty = ty.content().to_cval();
        let bits = val_to_raw(store, &val, cty)?.bits();
        Global::push(
            store,
            GlobalEntry {
                bits,
                ty: cty,
                mutable: ty.mutability() == Mutability::Var,
                _keep: keep,
            },
        )
    }

    pub(crate) fn push(store: &mut StoreInner, entry: GlobalEntry) -> Result<Global> {
        let index = store.push_global(entry)?;
        Ok(Global {
            store: store.id(),
            index,
        })
    }

    pub(crate) fn entry<'s>(&self, store: &'s StoreInner) -> Result<&'s GlobalEntry> {
        store.entity(self.store, store.globals(), self.index, "global")
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> Result<GlobalType> {
        let store = &store.as_context().0.inner;
        let e = self.entry(store)?;
        Ok(GlobalType::new(
            ValType::from_cval(store.engine(), e.ty),
            if e.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
        ))
    }

    /// The current value.
    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        let store = &mut store.as_context_mut().0.inner;
        match self.entry(store) {
            Ok(e) => {
                let (raw, ty) = (e.raw(), e.ty);
                raw_to_val(store, raw, ty)
            }
            Err(_) => Val::I32(0),
        }
    }

    /// Sets the value; fails if the global is immutable or `val` has the
    /// wrong type.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let e = self.entry(store)?;
        if !e.mutable {
            return Err(Error::usage("cannot set an immutable global"));
        }
        let bits = val_to_raw(store, &val, e.ty)?.bits();
        store.globals_mut()[self.index as usize].bits = bits;
        Ok(())
    }
}
