//! Allocation: a bump pointer in the nursery, and the slow path that
//! collects, allocates large objects in the old generation, and lays the
//! generations out.

use super::{
    FieldKind, HEADER, HOST_TYPE, Heap, Layout, MIN_CAPACITY, StructLayout, Trace, raw_of_offset,
    wr32,
};
use crate::error::{Error, Result, Trap};
use crate::index::HeapTypeIdx;
use std::any::Any;

impl Heap {
    /// The nursery size in use: the configured size, at most a quarter of
    /// the heap limit, and while the store has allocated little, no more
    /// than it has allocated (at least 64 KiB), so that stores with few GC
    /// objects do not touch a whole nursery.
    pub(super) fn nominal_nursery(&self) -> usize {
        let allocated = self.stats.allocated as usize + (self.ntop - self.nursery_start);
        self.nursery_size
            .min(allocated.max(MIN_CAPACITY))
            .min(self.limit / 4)
            .max(8)
    }

    /// Bump-allocates `size` bytes (a multiple of 8) in the nursery if
    /// there is room. The bytes are zero.
    #[inline(always)]
    pub(crate) fn bump(&mut self, size: usize) -> Option<usize> {
        let off = self.ntop;
        let end = off.wrapping_add(size);
        if end > self.nlimit || end < off {
            return None;
        }
        self.ntop = end;
        Some(off)
    }

    /// Allocates `size` zeroed bytes in the old generation: in a listed
    /// free chunk (`incr::find_chunk`, a bounded search; its bytes are
    /// cleared), else at its end (keeping room there to promote the
    /// nursery).
    fn bump_old(&mut self, size: usize) -> Option<usize> {
        let off = if let Some(i) = super::incr::find_chunk(&self.free_list, size) {
            let (off, len) = self.free_list[i];
            self.mem[off..off + size].fill(0);
            let rest = len - size;
            if rest > 0 {
                super::incr::write_free(&mut self.mem, off + size, rest);
            }
            if rest >= super::incr::MIN_CHUNK {
                self.free_list[i] = (off + size, rest);
            } else {
                self.free_list.swap_remove(i);
            }
            self.free_bytes = self.free_bytes.saturating_sub(size);
            off
        } else {
            // Leave room for the nursery's objects, so that the next minor
            // collection can run (rather than a compacting major one).
            let young = self.ntop - self.nursery_start;
            if self.nursery_start - self.old_top < size.saturating_add(young) {
                return None;
            }
            let off = self.old_top;
            self.old_top += size;
            off
        };
        self.stats.allocated += size as u64;
        self.mark_new(off);
        Some(off)
    }

    /// The allocation fast path of `struct.new` of heap type `ty`, whose
    /// layout is `l`: if the nursery has room, bump-allocates the object,
    /// writes its header in one store and its fields straight from the
    /// operand slots (`vals`/`refs`: the value operands in field order, a
    /// `v128` taking two slots, and the reference operands in field
    /// order). `None` means take the slow path (nothing was allocated). A
    /// fresh nursery object needs no write barrier. Both dispatchers take
    /// `l` from the module, by module type index (a module's layout of a
    /// struct type is its canonical type's, the same in every store:
    /// `layout::struct_layout`), so it loads while the heap type does.
    ///
    /// # Safety
    /// `l` is the layout of heap type `ty`; `vals` points to as many
    /// readable slots as its value fields take and `refs` to as many as it
    /// has reference fields (the translator places a `struct.new`'s
    /// operands inside the frame, which is inside the stacks).
    #[inline(always)]
    pub(crate) unsafe fn new_struct_fast(
        &mut self,
        ty: HeapTypeIdx,
        l: &StructLayout,
        vals: *const u64,
        refs: *const u32,
    ) -> Option<usize> {
        if cfg!(any(debug_assertions, feature = "checked")) {
            let same = matches!(self.types.get(ty.index()),
                Some(super::HeapType { layout: Layout::Struct(m), .. }) if m.size == l.size);
            assert!(same, "struct layout of another type");
        }
        let off = self.ntop;
        let end = off + HEADER + l.size as usize;
        if end > self.nlimit {
            return None;
        }
        let obj = self.mem.get_mut(off..end)?;
        self.ntop = end;
        let size = obj.len();
        let p = obj.as_mut_ptr();
        // Each store is inside `obj`: the header's 8 bytes (`size >=
        // HEADER`), and every field's bytes (`struct_layout` places each
        // field inside the payload, `HEADER + offset + kind.size() <=
        // size`; checked builds assert it).
        let store = |at: usize, bytes: &[u8]| {
            if cfg!(any(debug_assertions, feature = "checked")) {
                assert!(at + bytes.len() <= size, "field outside its object");
            }
            // SAFETY: `at + bytes.len() <= size` (above).
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.add(at), bytes.len()) }
        };
        store(0, &u64::from(ty.0).to_le_bytes());
        for (i, &o) in l.ref_offsets.iter().enumerate() {
            // SAFETY: `refs` holds a slot per reference field (the
            // caller's contract).
            let r = unsafe { *refs.add(i) };
            store(HEADER + o as usize, &r.to_le_bytes());
        }
        let mut v = vals;
        let mut next = || {
            // SAFETY: `vals` holds the slots of the value fields, one per
            // field and two per `v128` (the caller's contract), read here
            // in order, each once.
            let x = unsafe { *v };
            v = v.wrapping_add(1);
            x
        };
        for &(o, k) in l.value_fields.iter() {
            let (at, x) = (HEADER + o as usize, next());
            match k {
                FieldKind::I8 => store(at, &[x as u8]),
                FieldKind::I16 => store(at, &(x as u16).to_le_bytes()),
                FieldKind::I32 | FieldKind::Ref => store(at, &(x as u32).to_le_bytes()),
                FieldKind::I64 => store(at, &x.to_le_bytes()),
                FieldKind::V128 => {
                    store(at, &x.to_le_bytes());
                    store(at + 8, &next().to_le_bytes());
                }
            }
        }
        Some(off)
    }

    /// The fast path of `struct.new_default` and `array.new_default`: if
    /// heap type `ty` is a struct type (`len` ignored) or an array type and
    /// the object fits in the nursery, bump-allocates it (its fields are
    /// already zero) and writes its header in one store.
    #[inline(always)]
    pub(crate) fn new_default_fast(&mut self, ty: HeapTypeIdx, len: u32) -> Option<usize> {
        let (size, len) = match &self.types.get(ty.index())?.layout {
            Layout::Struct(l) => (HEADER + l.size as usize, 0),
            Layout::Array(k) => {
                let bytes = (len as usize).checked_mul(k.size())?;
                (HEADER + super::round8(bytes), len)
            }
            _ => return None,
        };
        let off = self.ntop;
        let end = off.checked_add(size)?;
        if end > self.nlimit {
            return None;
        }
        let header = u64::from(ty.0) | u64::from(len) << 32;
        self.mem
            .get_mut(off..off + 8)?
            .copy_from_slice(&header.to_le_bytes());
        self.ntop = end;
        Some(off)
    }

    /// The fast path of `array.new_fixed`: if heap type `ty` is an array
    /// type and `n` elements fit in the nursery, bump-allocates the array
    /// and writes its elements from the operand slots (`vals`/`refs`; a
    /// `v128` takes two value slots).
    #[inline]
    pub(crate) fn new_array_fixed_fast(
        &mut self,
        ty: HeapTypeIdx,
        n: u32,
        vals: &[u64],
        refs: &[u32],
    ) -> Option<usize> {
        let Layout::Array(k) = self.types.get(ty.index())?.layout else {
            return None;
        };
        let off = self.new_default_fast(ty, n)?;
        let at = off + HEADER;
        let body = self.mem.get_mut(at..at + n as usize * k.size())?;
        let val = |i: usize| vals.get(i).copied().unwrap_or(0);
        match k {
            FieldKind::Ref => {
                for (i, c) in body.chunks_exact_mut(4).enumerate() {
                    c.copy_from_slice(&refs.get(i).copied().unwrap_or(0).to_le_bytes());
                }
            }
            FieldKind::I8 => {
                for (i, b) in body.iter_mut().enumerate() {
                    *b = val(i) as u8;
                }
            }
            FieldKind::I16 => {
                for (i, c) in body.chunks_exact_mut(2).enumerate() {
                    c.copy_from_slice(&(val(i) as u16).to_le_bytes());
                }
            }
            FieldKind::I32 => {
                for (i, c) in body.chunks_exact_mut(4).enumerate() {
                    c.copy_from_slice(&(val(i) as u32).to_le_bytes());
                }
            }
            FieldKind::I64 => {
                for (i, c) in body.chunks_exact_mut(8).enumerate() {
                    c.copy_from_slice(&val(i).to_le_bytes());
                }
            }
            FieldKind::V128 => {
                for (i, c) in body.chunks_exact_mut(16).enumerate() {
                    c[..8].copy_from_slice(&val(2 * i).to_le_bytes());
                    c[8..].copy_from_slice(&val(2 * i + 1).to_le_bytes());
                }
            }
        }
        Some(off)
    }

    /// Allocates `size` bytes (a multiple of 8, zeroed), collecting when
    /// the nursery is full.
    #[inline]
    pub(crate) fn alloc_with(&mut self, size: usize, roots: &mut dyn Trace) -> Result<usize, Trap> {
        match self.bump(size) {
            Some(off) => Ok(off),
            None => self.alloc_slow(size, roots),
        }
    }

    /// The allocation slow path: the nursery is full (or too small for
    /// `size`, or in stress mode every time).
    #[cold]
    #[inline(never)]
    pub(crate) fn alloc_slow(&mut self, size: usize, roots: &mut dyn Trace) -> Result<usize, Trap> {
        if self.gc_disabled {
            return self.alloc_uncollected(size);
        }
        let small = size <= self.nominal_nursery() / 2;
        // While an incremental cycle runs, the nursery's limit stops
        // allocation every `slice_interval` bytes for one slice.
        if small && self.cycle_active() && !self.stress && self.nlimit < self.mem.len() {
            self.slice();
            self.set_nlimit();
            if let Some(off) = self.bump(size) {
                return Ok(off);
            }
        }
        // A small object goes to an emptied nursery (if no collection could
        // run, the nursery keeps its objects and only its free space and
        // the old generation are left).
        if small && (self.ntop == self.nursery_start || self.minor(roots)) {
            if self.mem.len() - self.nursery_start < self.nominal_nursery() {
                self.relayout(0);
            }
            self.set_nlimit();
            if let Some(off) = self.bump(size) {
                if self.stress {
                    self.nlimit = self.ntop;
                }
                return Ok(off);
            }
        }
        // A large object allocated in the old generation drives the
        // incremental cycle too (it never reaches a slice point), and may
        // start one (after a minor collection, which it needs).
        if !small && self.cycle_active() {
            self.slice();
        } else if !small && self.old_used() >= self.mark_at {
            self.minor(roots);
        }
        if let Some(off) = self.bump_old(size) {
            return Ok(off);
        }
        // A large object: grow the old generation's space for it (around
        // an emptied nursery) rather than collect the whole heap.
        if !small && (self.ntop == self.nursery_start || self.minor(roots)) {
            self.major_at = self.old_top.saturating_add(self.nominal_nursery());
            self.relayout(size);
            self.set_nlimit();
            if let Some(off) = self.bump_old(size) {
                return Ok(off);
            }
        }
        self.major(roots, size);
        if let Some(off) = self.bump_old(size) {
            return Ok(off);
        }
        self.nlimit = self.mem.len();
        if let Some(off) = self.bump(size) {
            return Ok(off);
        }
        Err(Trap::AllocationTooLarge)
    }

    /// Allocation while collection is disabled: the nursery grows (at the
    /// end of the space) to fit, up to the limit.
    fn alloc_uncollected(&mut self, size: usize) -> Result<usize, Trap> {
        // An empty nursery is laid out as collections leave it, with room
        // for the old generation below it: otherwise the first minor
        // collection after collection is enabled again (instantiation
        // allocates with it disabled) finds no room to promote into and
        // runs a major collection instead.
        if self.ntop == self.nursery_start && self.mem.len() - self.nursery_start < size {
            self.relayout(0);
        }
        let end = self
            .ntop
            .checked_add(size)
            .ok_or(Trap::AllocationTooLarge)?;
        if end > self.mem.len() {
            if end > self.limit {
                return Err(Trap::AllocationTooLarge);
            }
            let len = end
                .max(self.mem.len().saturating_mul(2))
                .max(MIN_CAPACITY)
                .min(self.limit);
            if self.mem.try_reserve_exact(len - self.mem.len()).is_err() {
                return Err(Trap::AllocationTooLarge);
            }
            self.mem.resize(len, 0);
            self.stats.peak = self.stats.peak.max(len as u64);
        }
        self.nlimit = self.mem.len();
        let off = self.bump(size).ok_or(Trap::AllocationTooLarge)?;
        if self.stress {
            self.nlimit = self.ntop;
        }
        Ok(off)
    }

    /// Lays out the space again around an empty nursery: the old
    /// generation's space reaches the next major collection's threshold
    /// (`major_at`) plus room to promote a whole nursery and `need` more
    /// bytes, so that minor collections find room until the threshold is
    /// passed; the nursery gets its nominal size. All within the limit;
    /// the space never shrinks.
    pub(super) fn relayout(&mut self, need: usize) {
        debug_assert_eq!(self.ntop, self.nursery_start);
        let n = self.nominal_nursery();
        let cap = self.limit.max(self.mem.len());
        let want = self
            .major_at
            .max(self.old_top)
            .saturating_add(n)
            .saturating_add(need)
            .max(self.nursery_start);
        let mut old_end = want.min(cap.saturating_sub(n)).max(self.old_top);
        if old_end - self.old_top < need {
            // Shrink the nursery for a large object rather than fail.
            old_end = self.old_top.saturating_add(need).min(cap);
        }
        let len = old_end + cap.saturating_sub(old_end).min(n);
        let len = len.max(self.mem.len());
        // Space beyond a full nursery (the space never shrinks) goes to
        // the old generation.
        let old_end = old_end.max(len.saturating_sub(n));
        // No memory for more: lay out within the current space (the
        // nursery may then be smaller, or empty).
        let len =
            if len > self.mem.len() && self.mem.try_reserve_exact(len - self.mem.len()).is_err() {
                self.mem.len()
            } else {
                self.mem.resize(len, 0);
                len
            };
        // The old generation's objects end at `old_top`, within the space.
        self.nursery_start = (old_end.min(len) & !7).max(self.old_top);
        self.ntop = self.nursery_start;
        self.nlimit = len;
        self.stats.peak = self.stats.peak.max(len as u64);
        self.cover_marks();
    }

    /// Writes a fresh object's header at `off`. An object allocated in
    /// the old generation is remembered at once: its initializing stores
    /// (which have no barrier) may store nursery references.
    fn init_header(&mut self, off: usize, ty: HeapTypeIdx, len: u32) {
        wr32(&mut self.mem, off, ty.0);
        wr32(&mut self.mem, off + 4, len);
        if off < self.nursery_start {
            self.remember(off);
        }
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
        // Room to list it and its data first: nothing is allocated if
        // there is none (collections never shrink these tables).
        let no_room = |_| Error::trap(Trap::AllocationTooLarge, Vec::new());
        self.young_hosts.try_reserve(1).map_err(no_room)?;
        if self.free_host.is_empty() {
            self.host_data.try_reserve(1).map_err(no_room)?;
        }
        let off = self
            .alloc_with(HEADER, roots)
            .map_err(|t| Error::trap(t, Vec::new()))?;
        let i = self.add_host_data(data)?;
        self.init_header(off, HOST_TYPE, i);
        if off >= self.nursery_start {
            self.young_hosts.push((off, i));
        }
        raw_of_offset(off).ok_or_else(|| Error::usage("GC heap too large"))
    }

    /// Runs a major (compacting) collection now, leaving room for `need`
    /// more bytes if the limit allows.
    pub(crate) fn collect(&mut self, roots: &mut dyn Trace, need: usize) {
        // Nothing to undo if it could not run: the heap is unchanged.
        let _ = self.major(roots, need);
    }
}
