//! Memory and table operations that are too large for the dispatch loop:
//! sizes, growth, bulk copies, fills and segment initialization (one
//! generic implementation for memories and tables, through [`Space`]), and
//! the generic (multi-memory / memory64 / wide-offset) loads and stores.

use super::mem::MemView;
use crate::error::{Result, Trap};
use crate::index::InstanceId;
use crate::ir::{MemArgs, MemKind};
use crate::runtime::{InstanceEntry, MemoryEntry, Store, StoreInner, TableEntry};
use std::ops::Range;

/// A linear space of items that bulk instructions work on: a memory
/// (bytes, initialized from data segments) or a table (raw references,
/// initialized from element segments).
pub(crate) trait Space: Sized {
    /// What one slot of the space holds.
    type Item: Copy;
    /// The trap for an out-of-bounds range.
    const OUT_OF_BOUNDS: Trap;
    /// The store's spaces of this kind, and the instances (for segments).
    fn split(store: &mut StoreInner) -> (&mut [Self], &[InstanceEntry]);
    /// The store index of the instance's space `index`.
    fn store_index(instance: &InstanceEntry, index: u32) -> Option<usize>;
    /// Segment `seg` of the instance (`None` if out of range).
    fn segment(instance: &InstanceEntry, seg: u32) -> Option<&[Self::Item]>;
    /// Whether addresses are 64-bit.
    fn is64(&self) -> bool;
    /// The items.
    fn items(&mut self) -> &mut [Self::Item];
}

/// Implements [`Space`] for a store entry: its item type, its trap, the
/// store's split borrow of such entries beside the instances, the instance's list of their store
/// indices, its segment list, its items and its address width.
macro_rules! space {
    ($entry:ident: $item:ty, $trap:ident, store.$split:ident, instance.$ids:ident,
        segments $segs:ident, items $items:ident, is64 |$e:ident| $is64:expr) => {
        impl Space for $entry {
            type Item = $item;
            const OUT_OF_BOUNDS: Trap = Trap::$trap;
            fn split(store: &mut StoreInner) -> (&mut [Self], &[InstanceEntry]) {
                store.$split()
            }
            fn store_index(instance: &InstanceEntry, index: u32) -> Option<usize> {
                instance.$ids.get(index as usize).map(|i| *i as usize)
            }
            fn segment(instance: &InstanceEntry, seg: u32) -> Option<&[$item]> {
                instance.$segs.get(seg as usize).map(|s| &s[..])
            }
            fn is64(&self) -> bool {
                let $e = self;
                $is64
            }
            fn items(&mut self) -> &mut [$item] {
                &mut self.$items
            }
        }
    };
}

space!(MemoryEntry: u8, MemoryOutOfBounds, store.memories_and_instances, instance.memories,
    segments datas, items data, is64 |e| e.ty.is64);
space!(TableEntry: u32, TableOutOfBounds, store.tables_and_instances, instance.tables,
    segments elems, items elems, is64 |e| e.is64);

/// The store index of space `index` of instance `inst`.
fn space_index<S: Space>(store: &StoreInner, inst: InstanceId, index: u32) -> Result<usize, Trap> {
    S::store_index(&store.instances()[inst.index()], index).ok_or(S::OUT_OF_BOUNDS)
}

fn mem_index(store: &StoreInner, inst: InstanceId, mem: u32) -> Result<usize, Trap> {
    space_index::<MemoryEntry>(store, inst, mem)
}

fn table_index(store: &StoreInner, inst: InstanceId, table: u32) -> Result<usize, Trap> {
    space_index::<TableEntry>(store, inst, table)
}

/// Interprets an address operand for a memory or table of the given width.
fn addr(x: u64, is64: bool) -> u64 {
    if is64 { x } else { x as u32 as u64 }
}

/// `start..start+len` if it lies within `size`.
fn range(start: u64, len: u64, size: usize) -> Option<Range<usize>> {
    let end = start.checked_add(len)?;
    if end > size as u64 {
        return None;
    }
    Some(start as usize..end as usize)
}

/// Items per piece of a large fill or copy: between pieces, a store whose
/// epoch deadline traps checks it, so that one huge operation (a 4 GiB
/// `memory.fill`) cannot outlast the deadline by more than a piece
/// (a few milliseconds).
const PIECE: usize = 1 << 22;

/// The engine and deadline to watch during a bulk operation of `len`
/// items: only when it takes more than one piece and reaching the deadline
/// traps (with a callback, the callback runs at the next check in the
/// code, after the operation). Small operations, nearly all of them, pay
/// no engine clone.
fn watch(store: &StoreInner, len: usize) -> Option<(crate::Engine, u64)> {
    (len > PIECE && store.interrupts().epoch_traps)
        .then(|| (store.engine().clone(), store.interrupts().epoch_deadline))
}

/// Runs `f` on `0..len` in pieces of [`PIECE`] (last piece first if
/// `backwards`), stopping with `Interrupt` between pieces once `watch`'s
/// deadline has passed.
fn in_pieces(
    len: usize,
    backwards: bool,
    watch: Option<(crate::Engine, u64)>,
    mut f: impl FnMut(Range<usize>),
) -> Result<(), Trap> {
    let Some((engine, deadline)) = watch else {
        f(0..len);
        return Ok(());
    };
    let mut done = 0;
    while done < len {
        if engine.current_epoch() >= deadline {
            return Err(Trap::Interrupt);
        }
        let n = PIECE.min(len - done);
        f(if backwards {
            len - done - n..len - done
        } else {
            done..done + n
        });
        done += n;
    }
    Ok(())
}

/// `memory.fill` / `table.fill`: `n` copies of `val` at `dst` of space `index`.
pub(crate) fn fill<S: Space>(
    store: &mut StoreInner,
    inst: InstanceId,
    index: u32,
    (dst, val, n): (u64, S::Item, u64),
) -> Result<(), Trap> {
    let i = space_index::<S>(store, inst, index)?;
    let e = &mut S::split(store).0[i];
    let (dst, n) = (addr(dst, e.is64()), addr(n, e.is64()));
    let r = range(dst, n, e.items().len()).ok_or(S::OUT_OF_BOUNDS)?;
    store.charge_fuel(n)?;
    let watch = watch(store, r.len());
    let items = &mut S::split(store).0[i].items()[r];
    in_pieces(items.len(), false, watch, |p| items[p].fill(val))
}

/// `memory.copy` / `table.copy` from space `src_index` to `dst_index`
/// (memmove semantics within one space; the count is 64-bit only when both
/// spaces are).
pub(crate) fn copy<S: Space>(
    store: &mut StoreInner,
    inst: InstanceId,
    (dst_index, src_index): (u32, u32),
    (dst, src, n): (u64, u64, u64),
) -> Result<(), Trap> {
    let d = space_index::<S>(store, inst, dst_index)?;
    let s = space_index::<S>(store, inst, src_index)?;
    let (spaces, _) = S::split(store);
    let (d64, s64) = (spaces[d].is64(), spaces[s].is64());
    let n = addr(n, d64 && s64);
    let dr = range(addr(dst, d64), n, spaces[d].items().len()).ok_or(S::OUT_OF_BOUNDS)?;
    let sr = range(addr(src, s64), n, spaces[s].items().len()).ok_or(S::OUT_OF_BOUNDS)?;
    store.charge_fuel(n)?;
    let watch = watch(store, dr.len());
    let (spaces, _) = S::split(store);
    let len = dr.len();
    if d == s {
        // Overlapping ranges: copy the pieces in the order memmove would.
        let items = spaces[d].items();
        let piece = |p: Range<usize>| {
            items.copy_within(sr.start + p.start..sr.start + p.end, dr.start + p.start)
        };
        return in_pieces(len, dr.start > sr.start, watch, piece);
    }
    let (to, from) = if d < s {
        let (lo, hi) = spaces.split_at_mut(s);
        (&mut lo[d], &mut hi[0])
    } else {
        let (lo, hi) = spaces.split_at_mut(d);
        (&mut hi[0], &mut lo[s])
    };
    let (to, from) = (&mut to.items()[dr], &from.items()[sr]);
    in_pieces(len, false, watch, |p| {
        to[p.clone()].copy_from_slice(&from[p])
    })
}

/// `memory.init` / `table.init` (`metered`: fuel is charged per item) and
/// active segment initialization at instantiation (not metered): `n`
/// items of segment `seg` from `src` to `dst` of space `index`.
pub(crate) fn init<S: Space>(
    store: &mut StoreInner,
    inst: InstanceId,
    (index, seg): (u32, u32),
    (dst, src, n): (u64, u64, u64),
    metered: bool,
) -> Result<(), Trap> {
    let i = space_index::<S>(store, inst, index)?;
    let (spaces, instances) = S::split(store);
    let items = S::segment(&instances[inst.index()], seg).ok_or(S::OUT_OF_BOUNDS)?;
    let e = &mut spaces[i];
    let dst = addr(dst, e.is64());
    let (src, n) = (src as u32 as u64, n as u32 as u64);
    let sr = range(src, n, items.len()).ok_or(S::OUT_OF_BOUNDS)?;
    let dr = range(dst, n, e.items().len()).ok_or(S::OUT_OF_BOUNDS)?;
    if metered {
        store.charge_fuel(n)?;
    }
    let (spaces, instances) = S::split(store);
    let items = S::segment(&instances[inst.index()], seg).ok_or(S::OUT_OF_BOUNDS)?;
    spaces[i].items()[dr].copy_from_slice(&items[sr]);
    Ok(())
}

/// `memory.size` in pages.
pub(crate) fn memory_size(store: &StoreInner, inst: InstanceId, mem: u32) -> u64 {
    mem_index(store, inst, mem).map_or(0, |m| store.memories()[m].pages())
}

/// `memory.grow`: the old size in pages, or -1 (see `Store::grow_memory`).
// Out of line: inlined into the dispatch loop, this (rare) operation
// changed the loop's register allocation (calls +3% instructions).
#[inline(never)]
pub(crate) fn memory_grow<T>(
    store: &mut Store<T>,
    inst: InstanceId,
    mem: u32,
    delta: u64,
) -> Result<u64> {
    let Ok(m) = mem_index(&store.inner, inst, mem) else {
        return Ok(u64::MAX);
    };
    let is64 = store.inner.memories()[m].ty.is64;
    let failed = if is64 { u64::MAX } else { u32::MAX as u64 };
    Ok(store
        .grow_memory(m, addr(delta, is64), true)?
        .unwrap_or(failed))
}

/// `table.get`.
pub(crate) fn table_get(
    store: &StoreInner,
    inst: InstanceId,
    table: u32,
    i: u64,
) -> Result<u32, Trap> {
    let t = &store.tables()[table_index(store, inst, table)?];
    let i = addr(i, t.is64);
    usize::try_from(i)
        .ok()
        .and_then(|i| t.elems.get(i))
        .copied()
        .ok_or(Trap::TableOutOfBounds)
}

/// `table.set`.
pub(crate) fn table_set(
    store: &mut StoreInner,
    inst: InstanceId,
    table: u32,
    (i, val): (u64, u32),
) -> Result<(), Trap> {
    let ti = table_index(store, inst, table)?;
    let t = &mut store.tables_mut()[ti];
    let i = addr(i, t.is64);
    let slot = usize::try_from(i)
        .ok()
        .and_then(|i| t.elems.get_mut(i))
        .ok_or(Trap::TableOutOfBounds)?;
    *slot = val;
    Ok(())
}

/// `table.size`.
pub(crate) fn table_size(store: &StoreInner, inst: InstanceId, table: u32) -> u64 {
    table_index(store, inst, table).map_or(0, |t| store.tables()[t].elems.len() as u64)
}

/// `table.grow`: the old size, or -1 (see `Store::grow_table`).
// Out of line: inlined into the dispatch loop, this (rare) operation
// changed the loop's register allocation (calls +3% instructions).
#[inline(never)]
pub(crate) fn table_grow<T>(
    store: &mut Store<T>,
    inst: InstanceId,
    table: u32,
    (delta, init): (u64, u32),
) -> Result<u64> {
    let Ok(ti) = table_index(&store.inner, inst, table) else {
        return Ok(u64::MAX);
    };
    let is64 = store.inner.tables()[ti].is64;
    let failed = if is64 { u64::MAX } else { u32::MAX as u64 };
    Ok(store
        .grow_table(ti, addr(delta, is64), init, true)?
        .unwrap_or(failed))
}

/// `LoadExt`, `StoreExt` and `SimdMem`: an access through a `MemArgs`
/// side-table entry (any memory of the instance, memory64 addresses,
/// 64-bit static offsets). `x` is the value stored (a store), or the
/// vector operand (SIMD: stored, or updated by a lane load); returns the
/// value loaded, or the vector to write back (SIMD), or `x` (a store).
pub(crate) fn access_ext(
    store: &mut StoreInner,
    inst: InstanceId,
    m: MemArgs,
    a: u64,
    x: u128,
) -> Result<u128, Trap> {
    let mi = mem_index(store, inst, m.mem)?;
    let e = &mut store.memories_mut()[mi];
    let ea = addr(a, e.ty.is64)
        .checked_add(m.offset)
        .ok_or(Trap::MemoryOutOfBounds)?;
    let view = MemView::of(&mut e.data);
    match m.kind {
        MemKind::Load(kind) => view.load(kind, ea).map(u128::from),
        MemKind::Store(kind) => view.store(kind, ea, x as u64).map(|()| x),
        MemKind::Simd(kind) => super::simd::access(view, kind, ea, x),
    }
}
