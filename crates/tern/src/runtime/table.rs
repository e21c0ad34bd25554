//! Tables: [`Table`] handles and their store entries. Elements are raw
//! references (see `values::raw`).

use super::store::{AsContext, AsContextMut, StoreId};
use super::{Growth, Store, StoreInner, TableType};
use crate::error::{Error, Result};
use crate::registry::{CRef, TypeRef};
use crate::types::RefType;
use crate::values::convert::{hierarchy, raw_matches, raw_ref_to_val, ref_val_to_raw};
use crate::values::refs::check_engine;
use crate::values::{Ref, Val};

/// The most elements a table may have (keeps a hostile `table.grow` from
/// exhausting memory; growth past it fails with -1).
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// A table in a store.
#[derive(Debug)]
pub(crate) struct TableEntry {
    pub elems: Vec<u32>,
    pub elem: CRef,
    /// Keeps a concrete element type registered while the table lives (for
    /// host-created tables; a module's tables are kept by its module).
    pub _keep: Option<TypeRef>,
    pub max: Option<u64>,
    pub is64: bool,
}

impl TableEntry {
    /// Grows by `delta` elements set to `init`; returns the old size.
    /// Whether growing by `delta` elements stays within the table's limits.
    pub(crate) fn fits(&self, delta: u64) -> bool {
        let limit = self.max.unwrap_or(u64::MAX).min(MAX_TABLE_ELEMENTS);
        (self.elems.len() as u64)
            .checked_add(delta)
            .is_some_and(|new| new <= limit)
    }

    pub(crate) fn grow(&mut self, delta: u64, init: u32) -> Option<u64> {
        let old = self.elems.len() as u64;
        let new = old.checked_add(delta)?;
        if !self.fits(delta) {
            return None;
        }
        self.elems.try_reserve_exact(delta as usize).ok()?;
        self.elems.resize(new as usize, init);
        Some(old)
    }
}

/// A WebAssembly table in a [`crate::Store`].
#[derive(Clone, Copy, Debug)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

fn ref_raw(store: &StoreInner, r: &Ref, elem: CRef) -> Result<u32> {
    let v: Val = r.clone().into();
    let raw = ref_val_to_raw(store, &v)?.unwrap_or(0);
    let val_hier = match r {
        Ref::Func(_) => crate::registry::AbsHeap::Func,
        Ref::Extern(_) => crate::registry::AbsHeap::Extern,
        Ref::Any(_) => crate::registry::AbsHeap::Any,
        Ref::Exn(_) => crate::registry::AbsHeap::Exn,
    };
    if val_hier != hierarchy(store, elem.heap) || !raw_matches(store, raw, elem) {
        return Err(Error::usage(format!(
            "reference does not match the table's element type {}",
            RefType::from_cref(store.engine(), elem)
        )));
    }
    Ok(raw)
}

impl Table {
    /// Creates a table of type `ty` with every element set to `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Ref) -> Result<Table> {
        let store = store.as_context_mut().0;
        store.limit_counts(0, 0, 1)?;
        limit_initial_table(store, ty.minimum(), ty.maximum())?;
        let store = &mut store.inner;
        let heap = ty.element().heap_type();
        check_engine(store.engine(), heap)?;
        let elem = ty.element().to_cref();
        let raw = ref_raw(store, &init, elem)?;
        let mut entry = TableEntry {
            elems: Vec::new(),
            elem,
            _keep: heap.concrete_parts().map(|(_, t)| t.clone()),
            max: ty.maximum(),
            is64: ty.is_64(),
        };
        entry
            .grow(ty.minimum(), raw)
            .ok_or_else(|| Error::too_large(format!("table of {} elements", ty.minimum())))?;
        Table::push(store, entry)
    }

    pub(crate) fn push(store: &mut StoreInner, entry: TableEntry) -> Result<Table> {
        let index = store.push_table(entry)?;
        Ok(Table {
            store: store.id(),
            index,
        })
    }

    fn entry<'s>(&self, store: &'s StoreInner) -> Result<&'s TableEntry> {
        store.entity(self.store, store.tables(), self.index, "table")
    }

    /// The table's type (with its current size as minimum).
    pub fn ty(&self, store: impl AsContext) -> Result<TableType> {
        let store = &store.as_context().0.inner;
        let e = self.entry(store)?;
        let mut t = TableType::new(RefType::from_cref(store.engine(), e.elem), 0, None);
        t.set_limits(e.elems.len() as u64, e.max, e.is64);
        Ok(t)
    }

    /// The number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entry(&store.as_context().0.inner)
            .map_or(0, |e| e.elems.len() as u64)
    }

    /// The element at `index`, or `None` if out of bounds.
    pub fn get(&self, mut store: impl AsContextMut, index: u64) -> Option<Ref> {
        let store = &mut store.as_context_mut().0.inner;
        let e = self.entry(store).ok()?;
        let raw = *e.elems.get(usize::try_from(index).ok()?)?;
        let hier = hierarchy(store, e.elem.heap);
        raw_ref_to_val(store, raw, hier).ref_()
    }

    /// Sets the element at `index` (type-checked against the element type).
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Ref) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let elem = self.entry(store)?.elem;
        let raw = ref_raw(store, &val, elem)?;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| store.tables_mut()[self.index as usize].elems.get_mut(i))
            .ok_or_else(|| Error::usage("table index out of bounds"))?;
        *slot = raw;
        Ok(())
    }

    /// Grows by `delta` elements set to `init`; returns the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Ref) -> Result<u64> {
        let store = store.as_context_mut().0;
        let elem = self.entry(&store.inner)?.elem;
        let raw = ref_raw(&store.inner, &init, elem)?;
        store
            .grow_table(self.index as usize, delta, raw, false)?
            .ok_or_else(|| Error::usage("failed to grow table"))
    }

    /// Sets `len` elements starting at `dst` to `val`.
    pub fn fill(&self, mut store: impl AsContextMut, dst: u64, val: Ref, len: u64) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let elem = self.entry(store)?.elem;
        let raw = ref_raw(store, &val, elem)?;
        let elems = &mut store.tables_mut()[self.index as usize].elems;
        let range = dst
            .checked_add(len)
            .filter(|end| *end <= elems.len() as u64)
            .ok_or_else(|| Error::usage("table fill out of bounds"))?;
        elems[dst as usize..range as usize].fill(raw);
        Ok(())
    }

    /// Copies `len` elements from `src_table[src..]` to `dst_table[dst..]`.
    pub fn copy(
        mut store: impl AsContextMut,
        dst_table: &Table,
        dst: u64,
        src_table: &Table,
        src: u64,
        len: u64,
    ) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let de = dst_table.entry(store)?.elem;
        let se = src_table.entry(store)?.elem;
        if !store.engine().registry().cref_matches(se, de) {
            return Err(Error::usage("table element types are incompatible"));
        }
        let items: Vec<u32> = {
            let s = &store.tables()[src_table.index as usize].elems;
            let end = src
                .checked_add(len)
                .filter(|e| *e <= s.len() as u64)
                .ok_or_else(|| Error::usage("table copy out of bounds"))?;
            s[src as usize..end as usize].to_vec()
        };
        let d = &mut store.tables_mut()[dst_table.index as usize].elems;
        let end = dst
            .checked_add(len)
            .filter(|e| *e <= d.len() as u64)
            .ok_or_else(|| Error::usage("table copy out of bounds"))?;
        d[dst as usize..end as usize].copy_from_slice(&items);
        Ok(())
    }
}

/// Asks the store's limiter whether a table of `min` (at most `max`)
/// elements may be created.
pub(crate) fn limit_initial_table<T>(
    store: &mut Store<T>,
    min: u64,
    max: Option<u64>,
) -> Result<()> {
    if store.limit_growth(Growth::Table, 0, min, max)? {
        Ok(())
    } else {
        Err(Error::limit(format!(
            "table minimum size of {min} elements exceeds table limits"
        )))
    }
}
