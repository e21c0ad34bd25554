//! The GC heap of a store: object layout, bump allocation, and a copying
//! (Cheney) collector with precise roots.
//!
//! Objects live in one byte vector, each starting at a multiple of 8 with an
//! 8-byte header: the store-local heap type index (`u32`) and, for arrays,
//! the length (for host objects, the index of their host data). A raw
//! reference to an object is its offset / 8, shifted as `values::raw`
//! describes. Struct fields and array elements are stored packed
//! (`i8` in one byte, `i16` in two, references in four).
//!
//! Allocation bumps a pointer; only when the space is exhausted does the
//! collector run. It copies every object reachable from the roots (the
//! interpreter's reference slots, reference globals, tables, element
//! segments, and rooted host handles) into a fresh space, rewriting every
//! reference, then frees the host data of dead host objects.

mod layout;
mod roots;

pub(crate) use layout::{FieldKind, Layout, StructLayout};
pub(crate) use roots::GcRoot;

use crate::error::{Error, Result, Trap};
use crate::index::HeapTypeIdx;
use crate::registry::{TypeId, TypeRef};
use crate::values::raw;
use std::any::Any;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Size of an object header in bytes.
pub(crate) const HEADER: usize = 8;
/// The heap type index of host (`externref`) objects.
pub(crate) const HOST_TYPE: HeapTypeIdx = HeapTypeIdx(0);
/// Header type marking an object that has been copied (during a collection).
const FORWARDED: u32 = u32::MAX;
/// The smallest heap capacity.
const MIN_CAPACITY: usize = 64 * 1024;

/// Collector statistics (see [`crate::Store::gc_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Number of collections so far.
    pub collections: u64,
    /// Bytes occupied by objects after the last collection (or now, if
    /// none has run), headers included.
    pub live_bytes: u64,
    /// Bytes allocated since the store was created.
    pub bytes_allocated: u64,
    /// Total time spent collecting.
    pub total_pause: Duration,
}

/// A heap type known to this store.
pub(crate) struct HeapType {
    /// Keeps the canonical type alive while objects of it may exist.
    pub ty: Option<TypeRef>,
    pub layout: Layout,
}

/// A store's GC heap.
///
/// Invariant: every byte of `mem` from `top` to the end is zero (fresh
/// space is zero-filled when it is created, and space is only handed out by
/// bumping `top`), so allocation never has to clear memory.
pub(crate) struct Heap {
    mem: Vec<u8>,
    top: usize,
    limit: usize,
    types: Vec<HeapType>,
    type_index: HashMap<TypeId, HeapTypeIdx>,
    /// Exception layouts, by the canonical id of the tag's function type.
    exn_type_index: HashMap<TypeId, HeapTypeIdx>,
    host_data: Vec<Option<Box<dyn Any + Send + Sync>>>,
    free_host: Vec<u32>,
    roots: roots::RootSet,
    stats: GcStats,
    /// Verify the heap after every collection.
    verify: bool,
    /// The first invariant violation found by verification, if any.
    corruption: Option<String>,
    /// Set while raw references sit outside the roots (instantiation):
    /// allocation grows the heap instead of collecting.
    gc_disabled: bool,
}

fn rd<const N: usize>(mem: &[u8], off: usize) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(&mem[off..off + N]);
    b
}

#[inline]
fn round8(n: usize) -> usize {
    (n + 7) & !7
}

impl Heap {
    pub(crate) fn new(limit: usize, verify: bool) -> Heap {
        Heap {
            // Offset 0 is reserved: raw object index 0 would be null.
            mem: vec![0; HEADER],
            top: HEADER,
            limit: limit.max(MIN_CAPACITY),
            types: vec![HeapType {
                ty: None,
                layout: Layout::Host,
            }],
            type_index: HashMap::new(),
            exn_type_index: HashMap::new(),
            host_data: Vec::new(),
            free_host: Vec::new(),
            roots: roots::RootSet::default(),
            stats: GcStats::default(),
            verify,
            corruption: None,
            gc_disabled: false,
        }
    }

    pub(crate) fn stats(&self) -> GcStats {
        let mut s = self.stats;
        if s.collections == 0 {
            s.live_bytes = (self.top - HEADER) as u64;
        }
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

    /// Opens a root scope (see [`crate::RootScope`]); returns the height to
    /// close it at.
    pub(crate) fn enter_root_scope(&mut self) -> usize {
        self.roots.enter_scope()
    }

    /// Closes the innermost root scope.
    pub(crate) fn exit_root_scope(&mut self, height: usize) {
        self.roots.exit_scope(height);
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

    /// The store-local index of heap type `ty`, registering it on first use.
    pub(crate) fn type_index(&mut self, ty: &TypeRef) -> Result<HeapTypeIdx> {
        self.register(ty, false)
    }

    /// The store-local heap type of exceptions thrown with a tag of
    /// function type `ty`, registering it on first use.
    pub(crate) fn exn_type_index(&mut self, ty: &TypeRef) -> Result<HeapTypeIdx> {
        self.register(ty, true)
    }

    /// Registers `ty`'s objects (or, for `exn`, the exceptions of a tag of
    /// that function type) on first use.
    fn register(&mut self, ty: &TypeRef, exn: bool) -> Result<HeapTypeIdx> {
        let map = if exn {
            &self.exn_type_index
        } else {
            &self.type_index
        };
        if let Some(i) = map.get(&ty.id()) {
            return Ok(*i);
        }
        let layout = if exn {
            Layout::exn_of(ty.info())?
        } else {
            Layout::of(ty.info())?
        };
        let i = HeapTypeIdx::of_len(self.types.len())
            .filter(|i| i.0 < FORWARDED)
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
        HeapTypeIdx(u32::from_le_bytes(rd(&self.mem, off)))
    }

    /// The array length (or host data index) of the object at `off`.
    #[inline]
    pub(crate) fn len_of(&self, off: usize) -> u32 {
        u32::from_le_bytes(rd(&self.mem, off + 4))
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

    fn object_size(&self, off: usize) -> usize {
        match &self.heap_type(self.type_of(off)).layout {
            Layout::Host => HEADER,
            Layout::Struct(s) | Layout::Exn(s) => HEADER + s.size as usize,
            Layout::Array(k) => HEADER + round8(self.len_of(off) as usize * k.size()),
        }
    }

    /// The bytes of the whole heap (object payloads are read through
    /// offsets computed from raw references and layouts).
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.mem
    }

    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.mem
    }

    /// Bump-allocates `size` bytes (a multiple of 8) if there is room.
    #[inline]
    fn bump(&mut self, size: usize) -> Option<usize> {
        let end = self.top.checked_add(size)?;
        if end > self.mem.len() {
            return None;
        }
        let off = self.top;
        self.top = end;
        self.stats.bytes_allocated += size as u64;
        Some(off)
    }

    /// Lowers (or raises, up to `ceiling`) the most bytes the heap may
    /// grow to; it never shrinks below what it already holds.
    pub(crate) fn set_limit(&mut self, limit: usize, ceiling: usize) {
        self.limit = limit.min(ceiling).max(MIN_CAPACITY).max(self.mem.len());
    }

    /// Makes room for at least `need` more bytes without collecting:
    /// grows the space if the limit allows.
    fn grow_for(&mut self, need: usize) -> bool {
        let want = self.top.saturating_add(need);
        if want > self.limit {
            return false;
        }
        let cap = want
            .max(self.mem.len().saturating_mul(2))
            .max(MIN_CAPACITY)
            .min(self.limit);
        if self.mem.try_reserve_exact(cap - self.mem.len()).is_err() {
            return false;
        }
        self.mem.resize(cap, 0);
        true
    }

    /// Writes a fresh object header at `off`.
    fn init_header(&mut self, off: usize, ty: HeapTypeIdx, len: u32) {
        self.mem[off..off + 4].copy_from_slice(&ty.0.to_le_bytes());
        self.mem[off + 4..off + 8].copy_from_slice(&len.to_le_bytes());
    }

    /// Stores host data and returns its index.
    fn add_host_data(&mut self, data: Box<dyn Any + Send + Sync>) -> Result<u32> {
        if let Some(i) = self.free_host.pop() {
            self.host_data[i as usize] = Some(data);
            return Ok(i);
        }
        let i = u32::try_from(self.host_data.len())
            .map_err(|_| Error::usage("too many host objects"))?;
        self.host_data.push(Some(data));
        Ok(i)
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
}

/// The roots outside the heap (other than the heap's own host roots): the
/// store implements it over its stack slots, globals, tables and element
/// segments, so the collector needs none of the store's types.
pub(crate) trait Trace {
    /// Calls `f` on every root slot's raw reference and stores what `f`
    /// returns back into the slot (the same value when nothing moved).
    fn trace(&mut self, f: &mut dyn FnMut(u32) -> u32);
}

impl Heap {
    /// Allocates with a collection when the space is exhausted.
    pub(crate) fn alloc_with(&mut self, size: usize, roots: &mut dyn Trace) -> Result<usize, Trap> {
        if let Some(off) = self.bump(size) {
            return Ok(off);
        }
        // Collect first when the space is reasonably full; then grow.
        if self.top > HEADER && !self.gc_disabled {
            self.collect(roots, size);
            if let Some(off) = self.bump(size) {
                return Ok(off);
            }
        }
        if self.grow_for(size)
            && let Some(off) = self.bump(size)
        {
            return Ok(off);
        }
        Err(Trap::AllocationTooLarge)
    }

    /// Allocates a struct of heap type `ty` (fields zeroed).
    pub(crate) fn alloc_struct(
        &mut self,
        ty: HeapTypeIdx,
        roots: &mut dyn Trace,
    ) -> Result<usize, Trap> {
        let size = match &self.heap_type(ty).layout {
            Layout::Struct(s) => HEADER + s.size as usize,
            _ => return Err(Trap::CastFailure),
        };
        let off = self.alloc_with(size, roots)?;
        // Free space is always zero (see `Heap`), so the fields are already
        // zeroed.
        self.init_header(off, ty, 0);
        Ok(off)
    }

    /// Allocates an exception of heap type `ty` (an exception layout)
    /// thrown with store tag `tag`; its fields are zeroed.
    pub(crate) fn alloc_exn(
        &mut self,
        ty: HeapTypeIdx,
        tag: u32,
        roots: &mut dyn Trace,
    ) -> Result<usize, Trap> {
        let size = match &self.heap_type(ty).layout {
            Layout::Exn(s) => HEADER + s.size as usize,
            _ => return Err(Trap::CastFailure),
        };
        let off = self.alloc_with(size, roots)?;
        self.init_header(off, ty, tag);
        Ok(off)
    }

    /// The store tag index and payload layout of the exception `r` names.
    pub(crate) fn exn_of_raw(&self, r: u32) -> Option<(u32, &StructLayout)> {
        let off = raw::object_index(r).map(|_| Self::offset(r))?;
        match &self.types.get(self.type_of(off).index())?.layout {
            Layout::Exn(l) => Some((self.len_of(off), l)),
            _ => None,
        }
    }

    /// The size in bytes (header included) of an array of heap type `ty`
    /// with `len` elements, or a trap if it can never fit.
    pub(crate) fn array_bytes(&self, ty: HeapTypeIdx, len: u32) -> Result<usize, Trap> {
        let elem = match &self.heap_type(ty).layout {
            Layout::Array(k) => k.size(),
            _ => return Err(Trap::CastFailure),
        };
        (len as usize)
            .checked_mul(elem)
            .and_then(|b| b.checked_add(HEADER + 7))
            .map(|b| b & !7)
            .filter(|b| *b <= self.limit)
            .ok_or(Trap::AllocationTooLarge)
    }

    /// Allocates an array of heap type `ty` with `len` zeroed elements.
    pub(crate) fn alloc_array(
        &mut self,
        ty: HeapTypeIdx,
        len: u32,
        roots: &mut dyn Trace,
    ) -> Result<usize, Trap> {
        let bytes = self.array_bytes(ty, len)?;
        let off = self.alloc_with(bytes, roots)?;
        self.init_header(off, ty, len);
        Ok(off)
    }

    /// Allocates a host object carrying `data`.
    pub(crate) fn alloc_host(
        &mut self,
        data: Box<dyn Any + Send + Sync>,
        roots: &mut dyn Trace,
    ) -> Result<u32> {
        let off = self
            .alloc_with(HEADER, roots)
            .map_err(|t| Error::trap(t, Vec::new()))?;
        let i = self.add_host_data(data)?;
        self.init_header(off, HOST_TYPE, i);
        raw_of_offset(off).ok_or_else(|| Error::usage("GC heap too large"))
    }

    /// Runs a collection now, leaving room for `need` more bytes if the
    /// limit allows.
    pub(crate) fn collect(&mut self, roots: &mut dyn Trace, need: usize) {
        let start = Instant::now();
        let from = std::mem::take(&mut self.mem);
        let from_top = self.top;
        let from_len = from.len();
        let mut to: Vec<u8> = Vec::new();
        // Worst case every object survives; reserve that up front so the
        // copy itself never reallocates.
        let cap = from_top.max(MIN_CAPACITY);
        if to.try_reserve_exact(cap).is_err() {
            // Cannot get a to-space: keep the heap as it is.
            self.mem = from;
            return;
        }
        to.resize(HEADER, 0);
        let mut from = from;
        let mut live_host = vec![false; self.host_data.len()];
        {
            let mut fwd = |r: u32, from: &mut Vec<u8>, to: &mut Vec<u8>| -> u32 {
                forward(&self.types, r, from, to, &mut live_host)
            };
            roots.trace(&mut |r| fwd(r, &mut from, &mut to));
            self.roots.for_each_live(|r| fwd(r, &mut from, &mut to));
            // Cheney scan: everything between `scan` and the end of `to`
            // has been copied but not yet had its references forwarded.
            let mut scan = HEADER;
            while scan < to.len() {
                let ty = u32::from_le_bytes(rd(&to, scan));
                let len = u32::from_le_bytes(rd(&to, scan + 4));
                let size = match &self.types[ty as usize].layout {
                    Layout::Host => HEADER,
                    Layout::Struct(st) | Layout::Exn(st) => {
                        for o in st.ref_offsets.iter() {
                            let at = scan + HEADER + *o as usize;
                            let r = u32::from_le_bytes(rd(&to, at));
                            let nr = fwd(r, &mut from, &mut to);
                            to[at..at + 4].copy_from_slice(&nr.to_le_bytes());
                        }
                        HEADER + st.size as usize
                    }
                    Layout::Array(k) => {
                        let n = len as usize;
                        if *k == FieldKind::Ref {
                            for i in 0..n {
                                let at = scan + HEADER + 4 * i;
                                let r = u32::from_le_bytes(rd(&to, at));
                                let nr = fwd(r, &mut from, &mut to);
                                to[at..at + 4].copy_from_slice(&nr.to_le_bytes());
                            }
                        }
                        HEADER + round8(n * k.size())
                    }
                };
                scan += size;
            }
        }
        // Free the host data of host objects that did not survive.
        for (i, live) in live_host.iter().enumerate() {
            if !live && self.host_data[i].is_some() {
                self.host_data[i] = None;
                self.free_host.push(i as u32);
            }
        }
        let live = to.len();
        self.top = live;
        // Room for growth: the next collection comes after allocating twice
        // the live data (so copying costs at most half a byte per byte
        // allocated), and the space never shrinks below its previous size.
        let want = live
            .saturating_mul(3)
            .saturating_add(need)
            .max(MIN_CAPACITY)
            .max(from_len)
            .min(self.limit)
            .max(live);
        if to.len() < want && to.try_reserve_exact(want - to.len()).is_ok() {
            to.resize(want, 0);
        }
        self.mem = to;
        self.stats.collections += 1;
        self.stats.live_bytes = (live - HEADER) as u64;
        self.stats.total_pause += start.elapsed();
        drop(from);
        if self.verify
            && self.corruption.is_none()
            && let Err(e) = self.verify_heap(roots)
        {
            self.corruption = Some(e);
        }
    }

    /// Checks the heap's invariants (test and debug aid): every reference
    /// in a root or a live object names the start of an object, and every
    /// struct field holding a reference holds one of a matching type.
    pub(crate) fn verify_heap(&self, roots: &mut dyn Trace) -> Result<(), String> {
        let mut starts = std::collections::HashSet::new();
        let mut at = HEADER;
        while at < self.top {
            starts.insert(at);
            at += self.object_size(at);
        }
        if at != self.top {
            return Err("heap objects do not tile the used space".into());
        }
        let check = |r: u32| -> Result<(), String> {
            if raw::object_index(r).is_some() && !starts.contains(&Self::offset(r)) {
                return Err(format!("dangling reference {r:#x}"));
            }
            Ok(())
        };
        let mut root_error = None;
        roots.trace(&mut |r| {
            if root_error.is_none() {
                root_error = check(r).err();
            }
            r
        });
        if let Some(e) = root_error {
            return Err(e);
        }
        for &off in &starts {
            match &self.types[self.type_of(off).index()].layout {
                Layout::Struct(s) | Layout::Exn(s) => {
                    for (o, field_ty) in s.ref_fields() {
                        let r = u32::from_le_bytes(rd(&self.mem, off + HEADER + o as usize));
                        check(r)?;
                        if r == raw::NULL && !field_ty.nullable {
                            return Err(format!("non-nullable field of {off:#x} holds null"));
                        }
                        if r != raw::NULL && !self.raw_matches_static(r, field_ty) {
                            return Err(format!(
                                "field of {off:#x} holds a reference of the wrong type"
                            ));
                        }
                    }
                }
                Layout::Array(FieldKind::Ref) => {
                    for i in 0..self.len_of(off) as usize {
                        check(u32::from_le_bytes(rd(&self.mem, off + HEADER + 4 * i)))?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether non-null object or i31 reference `r` matches static type
    /// `ty` (functions are not checked here: they are not heap objects).
    fn raw_matches_static(&self, r: u32, ty: crate::registry::CRef) -> bool {
        use crate::registry::{AbsHeap, CHeap};
        if raw::func_index(r).is_some() {
            return true;
        }
        match ty.heap {
            CHeap::Abs(AbsHeap::Any) | CHeap::Abs(AbsHeap::Extern) => true,
            CHeap::Abs(AbsHeap::Eq) => {
                raw::is_i31(r) || !matches!(self.layout_of_raw(r), Some(Layout::Host) | None)
            }
            CHeap::Abs(AbsHeap::I31) => raw::is_i31(r),
            CHeap::Abs(AbsHeap::Struct) => matches!(self.layout_of_raw(r), Some(Layout::Struct(_))),
            CHeap::Abs(AbsHeap::Array) => matches!(self.layout_of_raw(r), Some(Layout::Array(_))),
            CHeap::Abs(AbsHeap::Exn) => matches!(self.layout_of_raw(r), Some(Layout::Exn(_))),
            CHeap::Concrete(id) => self
                .type_ref_of_raw(r)
                .is_some_and(|t| ty_depth_match(t, id)),
            _ => false,
        }
    }
}

fn ty_depth_match(t: &TypeRef, id: TypeId) -> bool {
    t.info().chain.contains(&id)
}

/// The raw reference of the object at byte offset `off`.
pub(crate) fn raw_of_offset(off: usize) -> Option<u32> {
    let index = u32::try_from(off / 8)
        .ok()
        .filter(|i| *i <= raw::MAX_INDEX)?;
    Some(raw::object(index))
}

/// Copies the object `r` names into `to` (once) and returns its new raw
/// reference; non-object references are returned unchanged.
fn forward(
    types: &[HeapType],
    r: u32,
    from: &mut [u8],
    to: &mut Vec<u8>,
    live_host: &mut [bool],
) -> u32 {
    if raw::object_index(r).is_none() {
        return r;
    }
    let off = Heap::offset(r);
    let ty = u32::from_le_bytes(rd(from, off));
    let len = u32::from_le_bytes(rd(from, off + 4));
    if ty == FORWARDED {
        return raw_of_offset(len as usize * 8).unwrap_or(raw::NULL);
    }
    let size = match &types[ty as usize].layout {
        Layout::Host => {
            if let Some(l) = live_host.get_mut(len as usize) {
                *l = true;
            }
            HEADER
        }
        Layout::Struct(s) | Layout::Exn(s) => HEADER + s.size as usize,
        Layout::Array(k) => HEADER + round8(len as usize * k.size()),
    };
    let new_off = to.len();
    to.extend_from_slice(&from[off..off + size]);
    from[off..off + 4].copy_from_slice(&FORWARDED.to_le_bytes());
    from[off + 4..off + 8].copy_from_slice(&((new_off / 8) as u32).to_le_bytes());
    raw_of_offset(new_off).unwrap_or(raw::NULL)
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

    /// Writes a field or element of any kind, `v128` included (API paths).
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
    /// truncate).
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
