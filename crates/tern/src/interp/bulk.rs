//! Memory and table operations that are too large for the dispatch loop:
//! sizes, growth, bulk copies and fills, segment initialization, and the
//! generic (multi-memory / memory64 / wide-offset) loads and stores.

use super::mem::MemView;
use crate::error::Trap;
use crate::index::InstanceId;
use crate::ir::{MemArgs, MemKind};
use crate::runtime::StoreInner;

fn mem_index(store: &StoreInner, inst: InstanceId, mem: u32) -> Result<usize, Trap> {
    store.instances[inst.index()]
        .memories
        .get(mem as usize)
        .map(|m| *m as usize)
        .ok_or(Trap::MemoryOutOfBounds)
}

fn table_index(store: &StoreInner, inst: InstanceId, table: u32) -> Result<usize, Trap> {
    store.instances[inst.index()]
        .tables
        .get(table as usize)
        .map(|t| *t as usize)
        .ok_or(Trap::TableOutOfBounds)
}

/// Interprets an address operand for a memory or table of the given width.
fn addr(x: u64, is64: bool) -> u64 {
    if is64 { x } else { x as u32 as u64 }
}

/// `start..start+len` if it lies within `size`.
fn range(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    if end > size as u64 {
        return None;
    }
    Some(start as usize..end as usize)
}

/// The destination and source ranges of a `memory.copy`/`table.copy` of
/// `n` items between entries described by `(is64, length)`: the count is
/// 64-bit only when both sides are.
fn copy_ranges(
    (d64, dlen): (bool, usize),
    (s64, slen): (bool, usize),
    (dst, src, n): (u64, u64, u64),
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let n = addr(n, d64 && s64);
    Some((
        range(addr(dst, d64), n, dlen)?,
        range(addr(src, s64), n, slen)?,
    ))
}

/// Copies range `sr` of entry `s`'s items to range `dr` of entry `d`'s
/// (memmove semantics when `d == s`).
fn copy_across<E, T: Copy>(
    entries: &mut [E],
    d: usize,
    s: usize,
    dr: std::ops::Range<usize>,
    sr: std::ops::Range<usize>,
    items: impl Fn(&mut E) -> &mut Vec<T>,
) {
    if d == s {
        items(&mut entries[d]).copy_within(sr, dr.start);
        return;
    }
    let (dst, src) = if d < s {
        let (lo, hi) = entries.split_at_mut(s);
        (&mut lo[d], &mut hi[0])
    } else {
        let (lo, hi) = entries.split_at_mut(d);
        (&mut hi[0], &mut lo[s])
    };
    items(dst)[dr].copy_from_slice(&items(src)[sr]);
}

pub(crate) fn memory_size(store: &StoreInner, inst: InstanceId, mem: u32) -> u64 {
    mem_index(store, inst, mem).map_or(0, |m| store.memories[m].pages())
}

pub(crate) fn memory_grow(store: &mut StoreInner, inst: InstanceId, mem: u32, delta: u64) -> u64 {
    let Ok(m) = mem_index(store, inst, mem) else {
        return u64::MAX;
    };
    let e = &mut store.memories[m];
    let delta = addr(delta, e.ty.is64);
    match e.grow(delta) {
        Some(old) => old,
        None if e.ty.is64 => u64::MAX,
        None => u32::MAX as u64,
    }
}

pub(crate) fn memory_fill(
    store: &mut StoreInner,
    inst: InstanceId,
    mem: u32,
    dst: u64,
    val: u8,
    n: u64,
) -> Result<(), Trap> {
    let m = mem_index(store, inst, mem)?;
    let e = &mut store.memories[m];
    let (dst, n) = (addr(dst, e.ty.is64), addr(n, e.ty.is64));
    let r = range(dst, n, e.data.len()).ok_or(Trap::MemoryOutOfBounds)?;
    e.data[r].fill(val);
    Ok(())
}

pub(crate) fn memory_copy(
    store: &mut StoreInner,
    inst: InstanceId,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    n: u64,
) -> Result<(), Trap> {
    let dm = mem_index(store, inst, dst_mem)?;
    let sm = mem_index(store, inst, src_mem)?;
    let [d, s] = [dm, sm].map(|m| (store.memories[m].ty.is64, store.memories[m].data.len()));
    let (dr, sr) = copy_ranges(d, s, (dst, src, n)).ok_or(Trap::MemoryOutOfBounds)?;
    copy_across(&mut store.memories, dm, sm, dr, sr, |m| &mut m.data);
    Ok(())
}

/// `memory.init` and active data segment initialization.
pub(crate) fn memory_init(
    store: &mut StoreInner,
    inst: InstanceId,
    mem: u32,
    seg: u32,
    dst: u64,
    src: u64,
    n: u64,
) -> Result<(), Trap> {
    let m = mem_index(store, inst, mem)?;
    let data = store.instances[inst.index()]
        .datas
        .get(seg as usize)
        .cloned()
        .ok_or(Trap::MemoryOutOfBounds)?;
    let e = &mut store.memories[m];
    let dst = addr(dst, e.ty.is64);
    let (src, n) = (src as u32 as u64, n as u32 as u64);
    let sr = range(src, n, data.len()).ok_or(Trap::MemoryOutOfBounds)?;
    let dr = range(dst, n, e.data.len()).ok_or(Trap::MemoryOutOfBounds)?;
    e.data[dr].copy_from_slice(&data[sr]);
    Ok(())
}

pub(crate) fn table_get(
    store: &StoreInner,
    inst: InstanceId,
    table: u32,
    i: u64,
) -> Result<u32, Trap> {
    let t = &store.tables[table_index(store, inst, table)?];
    let i = addr(i, t.is64);
    usize::try_from(i)
        .ok()
        .and_then(|i| t.elems.get(i))
        .copied()
        .ok_or(Trap::TableOutOfBounds)
}

pub(crate) fn table_set(
    store: &mut StoreInner,
    inst: InstanceId,
    table: u32,
    i: u64,
    val: u32,
) -> Result<(), Trap> {
    let ti = table_index(store, inst, table)?;
    let t = &mut store.tables[ti];
    let i = addr(i, t.is64);
    let slot = usize::try_from(i)
        .ok()
        .and_then(|i| t.elems.get_mut(i))
        .ok_or(Trap::TableOutOfBounds)?;
    *slot = val;
    Ok(())
}

pub(crate) fn table_size(store: &StoreInner, inst: InstanceId, table: u32) -> u64 {
    table_index(store, inst, table).map_or(0, |t| store.tables[t].elems.len() as u64)
}

pub(crate) fn table_grow(
    store: &mut StoreInner,
    inst: InstanceId,
    table: u32,
    delta: u64,
    init: u32,
) -> u64 {
    let Ok(ti) = table_index(store, inst, table) else {
        return u64::MAX;
    };
    let t = &mut store.tables[ti];
    let delta = addr(delta, t.is64);
    match t.grow(delta, init) {
        Some(old) => old,
        None if t.is64 => u64::MAX,
        None => u32::MAX as u64,
    }
}

pub(crate) fn table_fill(
    store: &mut StoreInner,
    inst: InstanceId,
    table: u32,
    dst: u64,
    val: u32,
    n: u64,
) -> Result<(), Trap> {
    let ti = table_index(store, inst, table)?;
    let t = &mut store.tables[ti];
    let (dst, n) = (addr(dst, t.is64), addr(n, t.is64));
    let r = range(dst, n, t.elems.len()).ok_or(Trap::TableOutOfBounds)?;
    t.elems[r].fill(val);
    Ok(())
}

pub(crate) fn table_copy(
    store: &mut StoreInner,
    inst: InstanceId,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    n: u64,
) -> Result<(), Trap> {
    let dt = table_index(store, inst, dst_table)?;
    let st = table_index(store, inst, src_table)?;
    let [d, s] = [dt, st].map(|t| (store.tables[t].is64, store.tables[t].elems.len()));
    let (dr, sr) = copy_ranges(d, s, (dst, src, n)).ok_or(Trap::TableOutOfBounds)?;
    copy_across(&mut store.tables, dt, st, dr, sr, |t| &mut t.elems);
    Ok(())
}

/// `table.init` and active element segment initialization.
pub(crate) fn table_init(
    store: &mut StoreInner,
    inst: InstanceId,
    table: u32,
    seg: u32,
    dst: u64,
    src: u64,
    n: u64,
) -> Result<(), Trap> {
    let ti = table_index(store, inst, table)?;
    let items = store.instances[inst.index()]
        .elems
        .get(seg as usize)
        .ok_or(Trap::TableOutOfBounds)?;
    let t = &mut store.tables[ti];
    let dst = addr(dst, t.is64);
    let (src, n) = (src as u32 as u64, n as u32 as u64);
    let sr = range(src, n, items.len()).ok_or(Trap::TableOutOfBounds)?;
    let dr = range(dst, n, t.elems.len()).ok_or(Trap::TableOutOfBounds)?;
    t.elems[dr].copy_from_slice(&items[sr]);
    Ok(())
}

/// The view and effective address of a generic access: any memory of the
/// instance, memory64 addresses, 64-bit static offsets.
fn ext_access(
    store: &mut StoreInner,
    inst: InstanceId,
    m: MemArgs,
    a: u64,
) -> Result<(MemView, u64), Trap> {
    let mi = mem_index(store, inst, m.mem)?;
    let e = &mut store.memories[mi];
    let ea = addr(a, e.ty.is64)
        .checked_add(m.offset)
        .ok_or(Trap::MemoryOutOfBounds)?;
    Ok((MemView::of(&mut e.data), ea))
}

/// `LoadExt`: a load through a `MemArgs` side-table entry.
pub(crate) fn load_ext(
    store: &mut StoreInner,
    inst: InstanceId,
    m: MemArgs,
    a: u64,
) -> Result<u64, Trap> {
    let (view, ea) = ext_access(store, inst, m, a)?;
    match m.kind {
        MemKind::Load(kind) => view.load(kind, ea),
        MemKind::Store(_) => Err(Trap::MemoryOutOfBounds),
    }
}

/// `StoreExt`: a store through a `MemArgs` side-table entry.
pub(crate) fn store_ext(
    store: &mut StoreInner,
    inst: InstanceId,
    m: MemArgs,
    a: u64,
    x: u64,
) -> Result<(), Trap> {
    let (view, ea) = ext_access(store, inst, m, a)?;
    match m.kind {
        MemKind::Store(kind) => view.store(kind, ea, x),
        MemKind::Load(_) => Err(Trap::MemoryOutOfBounds),
    }
}
