//! Exception objects for the embedder: creating an [`ExnRef`] from a tag
//! and payload values, reading them back, and throwing from a host
//! function ([`Caller::throw`]).
//!
//! An exception is a GC object (`gc::Layout::Exn`): the tag's parameters
//! laid out like immutable struct fields, with the store tag index in the
//! header. The collector traces and moves it like any other object.

use super::store::{AsContextMut, StoreInner};
use super::{Caller, Tag};
use crate::error::{Error, Result};
use crate::gc::{HEADER, Heap, Layout};
use crate::registry::CVal;
use crate::values::convert::{Raw, raw_to_val, val_to_raw};
use crate::values::{ExnRef, Val};

/// The payload types of the tag of store index `tag`.
fn payload_types(store: &StoreInner, tag: u32) -> Result<Vec<CVal>> {
    let e = store
        .tags()
        .get(tag as usize)
        .ok_or_else(|| Error::usage("invalid tag"))?;
    let (params, _) =
        e.ty.info()
            .as_func()
            .ok_or_else(|| Error::usage("a tag's type must be a function type"))?;
    Ok(params.to_vec())
}

impl ExnRef {
    /// Allocates an exception of `tag` with payload `fields` (checked
    /// against the tag's parameter types).
    pub fn new(mut store: impl AsContextMut, tag: &Tag, fields: &[Val]) -> Result<ExnRef> {
        let store = &mut store.as_context_mut().0.inner;
        let hty = tag.entry(store)?.heap_type;
        let types = payload_types(store, tag.index)?;
        if types.len() != fields.len() {
            return Err(Error::usage(format!(
                "the tag takes {} values, {} given",
                types.len(),
                fields.len()
            )));
        }
        // Type-check before allocating; convert again afterwards (a
        // collection during the allocation may move referenced objects).
        for (v, ty) in fields.iter().zip(&types) {
            val_to_raw(store, v, *ty)?;
        }
        let live = store.live_ref_slots();
        let (heap, mut roots) = store.split_for_gc(live);
        let off = heap
            .alloc_exn(hty, tag.index, &mut roots)
            .map_err(|t| Error::trap(t, Vec::new()))?;
        let layout = match &store.heap().heap_type(hty).layout {
            Layout::Exn(l) => l.fields.clone(),
            _ => return Err(Error::usage("invalid tag")),
        };
        for ((v, ty), (o, kind)) in fields.iter().zip(&types).zip(layout.iter()) {
            let bits = val_to_raw(store, v, *ty)?.bits();
            store
                .heap_mut()
                .write_wide(off + HEADER + *o as usize, *kind, bits);
        }
        let raw = crate::gc::raw_of_offset(off).ok_or_else(|| Error::usage("GC heap too large"))?;
        Ok(ExnRef {
            store: store.id(),
            root: store.root(raw),
        })
    }

    fn raw(&self, store: &StoreInner) -> Result<u32> {
        store.resolve(self.store, &self.root)
    }

    /// The exception's tag.
    pub fn tag(&self, mut store: impl AsContextMut) -> Result<Tag> {
        let store = &store.as_context_mut().0.inner;
        let raw = self.raw(store)?;
        let (index, _) = store
            .heap()
            .exn_of_raw(raw)
            .ok_or_else(|| Error::usage("not an exception"))?;
        Ok(Tag {
            store: store.id(),
            index,
        })
    }

    /// The exception's payload values, in the tag's parameter order.
    pub fn fields(&self, mut store: impl AsContextMut) -> Result<Vec<Val>> {
        let store = &mut store.as_context_mut().0.inner;
        let raw = self.raw(store)?;
        let (tag, layout) = store
            .heap()
            .exn_of_raw(raw)
            .ok_or_else(|| Error::usage("not an exception"))?;
        let fields = layout.fields.clone();
        let types = payload_types(store, tag)?;
        let off = Heap::offset(raw);
        let mut out = Vec::with_capacity(types.len());
        for (ty, (o, kind)) in types.iter().zip(fields.iter()) {
            let bits = store.heap().read_wide(off + HEADER + *o as usize, *kind);
            let r = Raw::of_bits(bits, *ty);
            out.push(raw_to_val(store, r, *ty));
        }
        Ok(out)
    }

    /// Payload value `index`, if the tag has that many parameters.
    pub fn field(&self, store: impl AsContextMut, index: usize) -> Result<Val> {
        self.fields(store)?
            .into_iter()
            .nth(index)
            .ok_or_else(|| Error::usage("exception field index out of range"))
    }
}

impl<T> Caller<'_, T> {
    /// Throws `exn` to the calling Wasm code: return the result from the
    /// host function (`return caller.throw(exn)`), and the exception
    /// unwinds to the nearest matching handler of the Wasm caller.
    pub fn throw<R>(&mut self, exn: ExnRef) -> Result<R> {
        self.store.inner.check(exn.store)?;
        Err(Error::throw(exn))
    }
}
