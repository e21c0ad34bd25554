//! The GC heap of a store: object layout, a bump-allocated nursery, and a
//! generational collector with precise roots.
//!
//! Objects live in one byte vector, each starting at a multiple of 8 with an
//! 8-byte header: the store-local heap type index (`u32`, whose top bit is
//! the "remembered" flag) and, for arrays, the length (for host objects,
//! the index of their host data; for exceptions, the store tag). A raw
//! reference to an object is its offset / 8, shifted as `values::raw`
//! describes. Struct fields and array elements are stored packed
//! (`i8` in one byte, `i16` in two, references in four).
//!
//! The vector holds two generations:
//!
//! ```text
//! 0      8                old_top          nursery_start     ntop      mem.len()
//! | null | old objects ... | free (zeroed) | young objects ... | free (zeroed) |
//! ```
//!
//! New objects are bump-allocated in the nursery (`alloc.rs`). When it is
//! full, a *minor* collection (`minor.rs`) copies the nursery objects
//! reachable from the roots and from *remembered* old objects into the
//! old generation (free chunks, or its end) and empties the nursery. When the old generation
//! has grown enough, an *incremental cycle* (`incr.rs`) marks it in slices
//! between allocations (snapshot at the beginning) and sweeps it in
//! slices into free chunks, which later minor collections fill; nothing
//! old moves. When the space cannot grow for promotion (its limit), and
//! for `Store::gc`, a *major* collection (`major.rs`) marks the whole heap
//! and slides every live object to the bottom (mark-compact, forwarding
//! addresses computed from the mark bitmap), then lays the nursery out
//! again above the old generation's new free space.
//! A write barrier (`write_ref`, `remember`) records every old object into
//! which a reference to a young object is stored, and while marking runs
//! marks the old object each overwritten reference names (`satb`).

mod alloc;
mod incr;
mod layout;
mod major;
mod marks;
mod minor;
mod roots;
mod stats;
mod verify;

pub(crate) use layout::{FieldKind, Layout, StructLayout};
pub(crate) use roots::GcRoot;
pub use stats::GcStats;

use crate::error::{Error, Result};
use crate::index::{HeapTypeIdx, IdMap};
use crate::registry::{TypeId, TypeRef};
use crate::values::raw;
use std::any::Any;

/// Size of an object header in bytes.
pub(crate) const HEADER: usize = 8;
/// The heap type index of host (`externref`) objects.
pub(crate) const HOST_TYPE: HeapTypeIdx = HeapTypeIdx(0);
/// The heap type index of free chunks of the old generation: filler
/// "objects" laid out as arrays of 8-byte words (the header's second word
/// is the payload's length in words; the payload is dead bytes, never
/// read). Nothing refers
/// to them; they keep the old generation tiled.
pub(crate) const FREE_TYPE: HeapTypeIdx = HeapTypeIdx(1);
/// Header type marking a nursery object that has been promoted (during a
/// minor collection); the second word holds the new offset / 8.
const FORWARDED: u32 = u32::MAX;
/// The header type word's flag of an old object in the remembered set.
const REMEMBERED: u32 = 1 << 31;
/// The smallest heap capacity.
const MIN_CAPACITY: usize = 64 * 1024;
/// The default nursery size (`Config::gc_nursery_size`).
pub(crate) const DEFAULT_NURSERY_SIZE: usize = 2 * 1024 * 1024;
/// The smallest nursery size.
pub(crate) const MIN_NURSERY_SIZE: usize = 4 * 1024;

/// A heap type known to this store.
pub(crate) struct HeapType {
    /// Keeps the canonical type alive while objects of it may exist.
    pub ty: Option<TypeRef>,
    pub layout: Layout,
}

/// A store's GC heap.
///
/// Invariants: objects and free chunks tile `HEADER..old_top`; every byte
/// of `mem` from `old_top` to `nursery_start` and from `ntop` to the end
/// is zero, so allocation never clears memory; `HEADER <= old_top <= nursery_start <= ntop <= nlimit <=
/// mem.len()`; every old object that holds a reference to a nursery object
/// has its `REMEMBERED` flag set and is listed in `remset` (unless
/// `remset_overflow`).
pub(crate) struct Heap {
    mem: Vec<u8>,
    /// End of the old generation's objects.
    old_top: usize,
    /// Start of the nursery (and end of the old generation's space).
    nursery_start: usize,
    /// The nursery's bump pointer.
    ntop: usize,
    /// Where nursery allocation stops (the end of `mem`, or `ntop` in
    /// stress mode, so that every allocation takes the slow path).
    nlimit: usize,
    /// The configured nursery size.
    nursery_size: usize,
    /// Once the old generation's objects reach this offset, the next
    /// collection that needs old space is a major one (see `relayout`).
    major_at: usize,
    /// Collect the nursery before every allocation.
    stress: bool,
    /// Offsets of the remembered old objects (all of them unless
    /// `remset_overflow`).
    remset: Vec<usize>,
    /// Set when `remset` could not grow (no memory, or
    /// `Config::gc_metadata_limit`): the list is incomplete, the
    /// `REMEMBERED` flags are not, and the next minor collection walks the
    /// old generation for flagged objects instead of reading the list.
    remset_overflow: bool,
    /// Incremental marking and sweeping of the old generation.
    cycle: incr::Cycle,
    /// Free chunks of the old generation (offset, bytes) that promotion
    /// may reuse, each at least `incr::MIN_CHUNK` bytes.
    free_list: Vec<(usize, usize)>,
    /// Scratch for minor collections (see `minor::Promoter`).
    pending: Vec<(usize, usize)>,
    /// Bytes in free chunks of the old generation (listed or not).
    free_bytes: usize,
    /// The free chunk promotion is filling: `(next, end)`; `next < end`
    /// means `next` holds a free chunk header.
    chunk: (usize, usize),
    /// Once the old generation's objects (free chunks excluded) reach this
    /// many bytes, an incremental cycle starts.
    mark_at: usize,
    /// The most entries the collector's growable metadata (the mark
    /// stack, the remembered set) may hold (`Config::gc_metadata_limit`, a test knob reaching
    /// the overflow fallbacks; `usize::MAX` by default).
    meta_limit: usize,
    /// (offset, host data index) of the host objects in the nursery.
    young_hosts: Vec<(usize, u32)>,
    /// (offset, host data index) of the host objects in the old
    /// generation: every one of them, live or not yet swept, unless
    /// `hosts_untracked`. The sweep checks them against the marks
    /// instead of visiting every dead object to find the dead ones.
    old_hosts: Vec<(usize, u32)>,
    /// Set when `old_hosts` could not grow (no memory): the list is then
    /// incomplete and unused, and the sweep visits every dead object,
    /// until a compacting collection lists the host objects again.
    hosts_untracked: bool,
    limit: usize,
    types: Vec<HeapType>,
    type_index: IdMap<TypeId, HeapTypeIdx>,
    /// Exception layouts, by the canonical id of the tag's function type.
    exn_type_index: IdMap<TypeId, HeapTypeIdx>,
    host_data: Vec<Option<Box<dyn Any + Send + Sync>>>,
    free_host: Vec<u32>,
    roots: roots::RootSet,
    stats: stats::Stats,
    /// Verify the heap before and after every collection.
    verify: bool,
    /// The first invariant violation found by verification, if any.
    corruption: Option<String>,
    /// Bytes allocated when the heap was last verified.
    verified_at: u64,
    /// Set while raw references sit outside the roots (instantiation):
    /// allocation grows the nursery instead of collecting.
    gc_disabled: bool,
}

fn rd<const N: usize>(mem: &[u8], off: usize) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(&mem[off..off + N]);
    b
}

#[inline(always)]
fn rd32(mem: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(rd(mem, off))
}

#[inline(always)]
fn wr32(mem: &mut [u8], off: usize, v: u32) {
    mem[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

#[inline]
fn round8(n: usize) -> usize {
    (n + 7) & !7
}

/// The size in bytes (header included) of the object at `off`.
#[inline]
fn size_at(types: &[HeapType], mem: &[u8], off: usize) -> usize {
    let ty = rd32(mem, off) & !REMEMBERED;
    match &types[ty as usize].layout {
        Layout::Host => HEADER,
        Layout::Struct(s) | Layout::Exn(s) => HEADER + s.size as usize,
        Layout::Array(k) => HEADER + round8(rd32(mem, off + 4) as usize * k.size()),
    }
}

/// Calls `f` on each reference field of the object at `off` and stores
/// back what it returns; returns the object's size.
#[inline]
fn visit_refs(
    types: &[HeapType],
    mem: &mut [u8],
    off: usize,
    f: &mut impl FnMut(&mut [u8], u32) -> u32,
) -> usize {
    let ty = rd32(mem, off) & !REMEMBERED;
    match &types[ty as usize].layout {
        Layout::Host => HEADER,
        Layout::Struct(s) | Layout::Exn(s) => {
            for o in s.ref_offsets.iter() {
                let at = off + HEADER + *o as usize;
                let r = rd32(mem, at);
                let nr = f(mem, r);
                wr32(mem, at, nr);
            }
            HEADER + s.size as usize
        }
        Layout::Array(k) => {
            let n = rd32(mem, off + 4) as usize;
            if *k == FieldKind::Ref {
                for i in 0..n {
                    let at = off + HEADER + 4 * i;
                    let r = rd32(mem, at);
                    let nr = f(mem, r);
                    wr32(mem, at, nr);
                }
            }
            HEADER + round8(n * k.size())
        }
    }
}

impl Heap {
    /// An empty heap for a store of an engine configured by `config`.
    pub(crate) fn new(config: &crate::Config) -> Heap {
        let limit = config.max_gc_heap_size.clamp(MIN_CAPACITY, ADDRESSABLE);
        Heap {
            // Offset 0 is reserved: raw object index 0 would be null.
            // Nothing else is allocated until the first object.
            mem: vec![0; HEADER],
            old_top: HEADER,
            nursery_start: HEADER,
            ntop: HEADER,
            nlimit: HEADER,
            nursery_size: config.gc_nursery_size,
            major_at: HEADER + MIN_CAPACITY,
            stress: config.gc_stress,
            remset: Vec::new(),
            remset_overflow: false,
            cycle: incr::Cycle::default(),
            free_list: Vec::new(),
            pending: Vec::new(),
            free_bytes: 0,
            chunk: (0, 0),
            mark_at: incr::MIN_MARK_AT,
            young_hosts: Vec::new(),
            old_hosts: Vec::new(),
            hosts_untracked: false,
            meta_limit: config.gc_metadata_limit,
            limit,
            types: vec![
                HeapType {
                    ty: None,
                    layout: Layout::Host,
                },
                HeapType {
                    ty: None,
                    layout: Layout::Array(FieldKind::I64),
                },
            ],
            type_index: IdMap::default(),
            exn_type_index: IdMap::default(),
            host_data: Vec::new(),
            free_host: Vec::new(),
            roots: roots::RootSet::default(),
            stats: stats::Stats::default(),
            verify: config.gc_verify,
            corruption: None,
            verified_at: 0,
            gc_disabled: false,
        }
    }

    /// Collector statistics.
    pub(crate) fn stats(&self) -> GcStats {
        let young = (self.ntop - self.nursery_start) as u64;
        let mut s = self.stats.public(
            (self.old_top - HEADER).saturating_sub(self.free_bytes) as u64 + young,
            young,
            (self.mem.len() + self.meta_bytes()) as u64,
        );
        s.mark_stack_overflows += self.cycle_overflows();
        s
    }

    /// Roots a raw heap object reference for a host handle.
    pub(crate) fn root(&mut self, r: u32) -> GcRoot {
        self.roots.root(r)
    }

    /// Roots a raw heap object reference with an owned root (outliving
    /// any root scope).
    pub(crate) fn root_owned(&mut self, r: u32) -> GcRoot {
        self.roots.root_owned(r)
    }

    /// The raw reference a host handle's root holds (`None`: a scoped root
    /// whose scope has ended).
    pub(crate) fn root_raw(&self, root: &GcRoot) -> Option<u32> {
        self.roots.raw(root)
    }

    /// Opens a root scope (see [`crate::RootScope`]); returns the depth
    /// that closes it.
    pub(crate) fn enter_root_scope(&mut self) -> usize {
        self.roots.enter_scope()
    }

    /// Closes the root scope at `depth` (and any left open inside it).
    pub(crate) fn exit_root_scope(&mut self, depth: usize) {
        self.roots.exit_scope(depth);
    }

    /// Turns collection off (`false`) while raw references live outside
    /// the roots (instantiation), or back on.
    pub(crate) fn set_collection_enabled(&mut self, enabled: bool) {
        self.gc_disabled = !enabled;
    }

    /// The first heap invariant violation found by a verifying collection.
    pub(crate) fn corruption(&self) -> Option<&str> {
        self.corruption.as_deref()
    }

    /// Makes room for `n` more heap types (an instantiation registers its
    /// module's types one by one).
    pub(crate) fn reserve_types(&mut self, n: usize) {
        self.types.reserve(n);
        self.type_index.reserve(n);
    }

    /// The store-local index of heap type `ty`, registering it on first use.
    pub(crate) fn type_index(&mut self, ty: &TypeRef) -> Result<HeapTypeIdx> {
        self.register(ty, false, None)
    }

    /// `type_index` with `ty`'s layout at hand (a module's, computed when
    /// it was compiled: instantiation shares it instead of laying the
    /// type out again; Kotlin's unoptimised hello has ~900 struct types).
    pub(crate) fn type_index_with(&mut self, ty: &TypeRef, layout: &Layout) -> Result<HeapTypeIdx> {
        self.register(ty, false, Some(layout))
    }

    /// The store-local heap type of exceptions thrown with a tag of
    /// function type `ty`, registering it on first use.
    pub(crate) fn exn_type_index(&mut self, ty: &TypeRef) -> Result<HeapTypeIdx> {
        self.register(ty, true, None)
    }

    /// Registers `ty`'s objects (or, for `exn`, the exceptions of a tag of
    /// that function type) on first use.
    fn register(&mut self, ty: &TypeRef, exn: bool, known: Option<&Layout>) -> Result<HeapTypeIdx> {
        let map = if exn {
            &self.exn_type_index
        } else {
            &self.type_index
        };
        if let Some(i) = map.get(&ty.id()) {
            return Ok(*i);
        }
        let layout = match known {
            Some(l) => l.clone(),
            None if exn => Layout::exn_of(ty.info())?,
            None => Layout::of(ty.info())?,
        };
        let i = HeapTypeIdx::of_len(self.types.len())
            .filter(|i| i.0 < REMEMBERED)
            .ok_or_else(|| Error::usage("too many GC types in one store"))?;
        self.types.push(HeapType {
            ty: Some(ty.clone()),
            layout,
        });
        let map = if exn {
            &mut self.exn_type_index
        } else {
            &mut self.type_index
        };
        map.insert(ty.id(), i);
        Ok(i)
    }

    /// The heap type at `index`.
    pub(crate) fn heap_type(&self, index: HeapTypeIdx) -> &HeapType {
        &self.types[index.index()]
    }

    /// Byte offset of the object a raw reference names.
    #[inline]
    pub(crate) fn offset(r: u32) -> usize {
        (r >> 2) as usize * 8
    }

    /// The heap type index of the object at `off`.
    #[inline]
    pub(crate) fn type_of(&self, off: usize) -> HeapTypeIdx {
        HeapTypeIdx(rd32(&self.mem, off) & !REMEMBERED)
    }

    /// The array length (or host data index) of the object at `off`.
    #[inline]
    pub(crate) fn len_of(&self, off: usize) -> u32 {
        rd32(&self.mem, off + 4)
    }

    /// The layout of the object a raw reference names (`None` for
    /// non-objects).
    pub(crate) fn layout_of_raw(&self, r: u32) -> Option<&Layout> {
        raw::object_index(r)?;
        Some(&self.types[self.type_of(Self::offset(r)).index()].layout)
    }

    /// The canonical type of the object a raw reference names.
    pub(crate) fn type_ref_of_raw(&self, r: u32) -> Option<&TypeRef> {
        raw::object_index(r)?;
        self.types[self.type_of(Self::offset(r)).index()]
            .ty
            .as_ref()
    }

    /// The bytes of the whole heap (object payloads are read through
    /// offsets computed from raw references and layouts).
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.mem
    }

    /// The bytes of the whole heap, for writes that store no reference
    /// (reference stores go through the write barrier: `write_ref`,
    /// `write_field`, `remember_if_young`).
    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.mem
    }

    /// Lowers (or raises, up to `ceiling`) the most bytes the heap may
    /// grow to; it never shrinks below what it already holds.
    pub(crate) fn set_limit(&mut self, limit: usize, ceiling: usize) {
        self.limit = limit
            .min(ceiling)
            .clamp(MIN_CAPACITY, ADDRESSABLE)
            .max(self.mem.len());
        self.limit_changed();
    }

    /// Stores host data and returns its index (an allocation trap if no
    /// memory is left for the table).
    fn add_host_data(&mut self, data: Box<dyn Any + Send + Sync>) -> Result<u32> {
        if let Some(i) = self.free_host.pop() {
            self.host_data[i as usize] = Some(data);
            return Ok(i);
        }
        let i = u32::try_from(self.host_data.len())
            .map_err(|_| Error::usage("too many host objects"))?;
        self.host_data
            .try_reserve(1)
            .map_err(|_| Error::trap(crate::Trap::AllocationTooLarge, Vec::new()))?;
        self.host_data.push(Some(data));
        Ok(i)
    }

    /// Drops the host data at index `i`. (Its index is reused later; if
    /// there is no memory to list it, it is not, which wastes one entry.)
    fn free_host_data(&mut self, i: u32) {
        if let Some(d) = self.host_data.get_mut(i as usize)
            && d.take().is_some()
            && self.free_host.try_reserve(1).is_ok()
        {
            self.free_host.push(i);
        }
    }

    /// The host data of a host object.
    pub(crate) fn host_data(&self, r: u32) -> Option<&(dyn Any + Send + Sync)> {
        let off = Self::offset(r);
        if raw::object_index(r).is_none() || self.type_of(off) != HOST_TYPE {
            return None;
        }
        self.host_data.get(self.len_of(off) as usize)?.as_deref()
    }

    /// The host data of a host object, mutably.
    pub(crate) fn host_data_mut(&mut self, r: u32) -> Option<&mut (dyn Any + Send + Sync)> {
        let off = Self::offset(r);
        if raw::object_index(r).is_none() || self.type_of(off) != HOST_TYPE {
            return None;
        }
        let i = self.len_of(off) as usize;
        self.host_data.get_mut(i)?.as_deref_mut()
    }

    /// The store tag index and payload layout of the exception `r` names.
    pub(crate) fn exn_of_raw(&self, r: u32) -> Option<(u32, &StructLayout)> {
        let off = raw::object_index(r).map(|_| Self::offset(r))?;
        match &self.types.get(self.type_of(off).index())?.layout {
            Layout::Exn(l) => Some((self.len_of(off), l)),
            _ => None,
        }
    }
}

/// The roots outside the heap (other than the heap's own host roots): the
/// store implements it over its stack slots, globals, tables and element
/// segments, so the collector needs none of the store's types.
pub(crate) trait Trace {
    /// Calls `f` on every root slot's raw reference and stores what `f`
    /// returns back into the slot (the same value when nothing moved).
    fn trace(&mut self, f: &mut dyn FnMut(u32) -> u32);
}

/// The raw reference of the object at byte offset `off`.
/// The most heap a raw reference can address (8 GiB): the space never
/// grows beyond it, so every allocated object has a reference.
const ADDRESSABLE: usize = match (raw::MAX_INDEX as usize + 1).checked_mul(8) {
    Some(bytes) => bytes,
    None => usize::MAX,
};

pub(crate) fn raw_of_offset(off: usize) -> Option<u32> {
    let index = u32::try_from(off / 8)
        .ok()
        .filter(|i| *i <= raw::MAX_INDEX)?;
    Some(raw::object(index))
}

/// The write barrier.
impl Heap {
    /// Whether raw reference `r` names a nursery object.
    #[inline(always)]
    pub(crate) fn is_young(&self, r: u32) -> bool {
        // Objects are the non-null references with the low two bits clear;
        // their offset is then `r * 2`.
        r & 3 == 0 && (r as usize) * 2 >= self.nursery_start
    }

    /// The barrier for a store of reference `r` into the object at `obj`
    /// (a byte offset): remembers `obj` if it is old and `r` young.
    #[inline(always)]
    pub(crate) fn barrier(&mut self, obj: usize, r: u32) {
        if self.is_young(r) && obj < self.nursery_start {
            self.remember(obj);
        }
    }

    /// Adds the old object at `obj` to the remembered set (once). If the
    /// set cannot grow, the object is only flagged and the next minor
    /// collection finds it by walking the old generation
    /// (`remset_overflow`): a barrier never allocates infallibly.
    #[cold]
    #[inline(never)]
    pub(crate) fn remember(&mut self, obj: usize) {
        let ty = rd32(&self.mem, obj);
        if ty & REMEMBERED == 0 {
            wr32(&mut self.mem, obj, ty | REMEMBERED);
            if self.remset.len() < self.meta_limit && self.remset.try_reserve(1).is_ok() {
                self.remset.push(obj);
            } else {
                self.remset_overflow = true;
            }
        }
    }

    /// Stores reference `r` at byte `at` of the object at `obj`, with the
    /// write barrier.
    #[inline(always)]
    pub(crate) fn write_ref(&mut self, obj: usize, at: usize, r: u32) {
        if self.marking() {
            self.satb(obj, at, 1);
        }
        wr32(&mut self.mem, at, r);
        self.barrier(obj, r);
    }

    /// The snapshot-at-the-beginning barrier, before `n` references from
    /// byte `at` of the object at `obj` are overwritten while the old
    /// generation is being marked: the old objects they name are marked
    /// (and queued for scanning), so everything reachable when marking
    /// started stays marked. Stores into young objects need nothing (the
    /// nursery was empty when marking started).
    #[inline]
    pub(crate) fn satb_range(&mut self, obj: usize, at: usize, n: usize) {
        if self.marking() {
            self.satb(obj, at, n);
        }
    }

    /// Writes a field or element of any kind at byte `at` of the object at
    /// `obj` (API paths), with the write barrier for references.
    pub(crate) fn write_field(&mut self, obj: usize, at: usize, kind: FieldKind, v: u128) {
        if kind == FieldKind::Ref {
            self.satb_range(obj, at, 1);
        }
        self.write_wide(at, kind, v);
        if kind == FieldKind::Ref {
            self.barrier(obj, v as u32);
        }
    }

    /// The barrier after a bulk store of `n` references starting at byte
    /// `at` of the object at `obj` (`array.copy`, `array.fill`,
    /// `array.init_elem`; each calls `satb_range` before it stores).
    pub(crate) fn barrier_range(&mut self, obj: usize, at: usize, n: usize) {
        // Young targets, an empty nursery and already remembered targets
        // need no scan of the stored range.
        if obj >= self.nursery_start
            || self.ntop == self.nursery_start
            || rd32(&self.mem, obj) & REMEMBERED != 0
        {
            return;
        }
        if (0..n).any(|i| self.is_young(rd32(&self.mem, at + 4 * i))) {
            self.remember(obj);
        }
    }
}

impl Heap {
    /// Reads a field or element of `kind` at byte offset `at` as slot bits
    /// (packed kinds zero-extended).
    #[inline]
    pub(crate) fn read(&self, at: usize, kind: FieldKind) -> u64 {
        let m = &self.mem;
        match kind {
            FieldKind::I8 => m[at] as u64,
            FieldKind::I16 => u16::from_le_bytes(rd(m, at)) as u64,
            FieldKind::I32 | FieldKind::Ref => u32::from_le_bytes(rd(m, at)) as u64,
            FieldKind::I64 => u64::from_le_bytes(rd(m, at)),
            // Only the low half fits a value slot; see `read_v128`.
            FieldKind::V128 => u64::from_le_bytes(rd(m, at)),
        }
    }

    /// Reads a whole `v128` field.
    pub(crate) fn read_v128(&self, at: usize) -> u128 {
        u128::from_le_bytes(rd(&self.mem, at))
    }

    /// Reads a field or element of any kind, `v128` included (API paths).
    pub(crate) fn read_wide(&self, at: usize, kind: FieldKind) -> u128 {
        match kind {
            FieldKind::V128 => self.read_v128(at),
            _ => self.read(at, kind) as u128,
        }
    }

    /// Writes a field or element of any kind, `v128` included, into a
    /// fresh object (or a non-reference field: references stored into an
    /// existing object go through `write_field`/`write_ref`).
    pub(crate) fn write_wide(&mut self, at: usize, kind: FieldKind, v: u128) {
        match kind {
            FieldKind::V128 => self.write_v128(at, v),
            _ => self.write(at, kind, v as u64),
        }
    }

    /// Writes a whole `v128` field.
    pub(crate) fn write_v128(&mut self, at: usize, v: u128) {
        self.mem[at..at + 16].copy_from_slice(&v.to_le_bytes());
    }

    /// Writes slot bits to a field or element of `kind` (packed kinds
    /// truncate). References stored into an existing object must go
    /// through `write_ref` instead (the write barrier).
    #[inline]
    pub(crate) fn write(&mut self, at: usize, kind: FieldKind, v: u64) {
        let m = &mut self.mem;
        match kind {
            FieldKind::I8 => m[at] = v as u8,
            FieldKind::I16 => m[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes()),
            FieldKind::I32 | FieldKind::Ref => {
                m[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes())
            }
            FieldKind::I64 => m[at..at + 8].copy_from_slice(&v.to_le_bytes()),
            FieldKind::V128 => m[at..at + 16].copy_from_slice(&(v as u128).to_le_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;
    use crate::{Engine, Instance, Module, Store};

    /// Instantiation shares a module's struct layouts with the store's heap
    /// types instead of laying each type out again (`type_index_with`):
    /// two stores instantiating one module hold the module's own layout.
    #[test]
    fn instances_share_their_modules_struct_layouts() {
        let engine = Engine::default();
        let module = Module::new(
            &engine,
            "(module (type (struct (field i32) (field anyref))) (type (array i8)))",
        )
        .unwrap();
        let Some(Layout::Struct(module_layout)) = &module.0.layouts[0] else {
            panic!("type 0 is a struct type");
        };
        for _ in 0..2 {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let inst = &store.inner.instances()[instance.index.index()];
            let hty = inst.gc_types[0].unwrap();
            let Layout::Struct(l) = &store.inner.heap().heap_type(hty).layout else {
                panic!("heap type of a struct type");
            };
            assert!(std::sync::Arc::ptr_eq(l, module_layout));
        }
    }
}
