//! Heap verification (`Config::gc_verify`), run before and after every
//! collection.

use super::{
    FREE_TYPE, FieldKind, HEADER, HOST_TYPE, Heap, Layout, REMEMBERED, Trace, rd32, size_at,
};
use crate::registry::{AbsHeap, CHeap, CRef, TypeId, TypeRef};
use crate::values::raw;
use std::collections::HashSet;

impl Heap {
    /// Verifies the heap if verification is on (`full`: all of the free
    /// space too), recording the first violation found.
    pub(super) fn verify_now(&mut self, roots: &mut dyn Trace, when: &str, full: bool) {
        if self.verify
            && self.corruption.is_none()
            && let Err(e) = self.verify_heap(roots, full)
        {
            self.corruption = Some(format!("{when}: {e}"));
        }
    }

    /// Verifies the heap (if verification is on) when an incremental
    /// phase ends: after marking, that no marked object refers to an
    /// unmarked old one (marking is complete); after either, the heap's
    /// invariants (roots are not at hand: not checked).
    pub(super) fn verify_phase_end(&mut self, phase: super::incr::Phase) {
        if !self.verify || self.corruption.is_some() {
            return;
        }
        struct NoRoots;
        impl Trace for NoRoots {
            fn trace(&mut self, _: &mut dyn FnMut(u32) -> u32) {}
        }
        let result = if phase == super::incr::Phase::Marking {
            self.verify_marks()
        } else {
            Ok(())
        };
        if let Err(e) = result.and_then(|()| self.verify_heap(&mut NoRoots, true)) {
            self.corruption = Some(format!("after incremental {phase:?}: {e}"));
        }
    }

    /// That every marked old object's old referents are marked.
    fn verify_marks(&self) -> Result<(), String> {
        let mut at = HEADER;
        while at < self.old_top {
            let size = size_at(&self.types, &self.mem, at);
            if self.marked_now(at) {
                let mut refs = Vec::new();
                self.refs_of(at, &mut refs);
                for r in refs {
                    let off = Self::offset(r);
                    if raw::object_index(r).is_some()
                        && off < self.nursery_start
                        && !self.marked_now(off)
                    {
                        return Err(format!("marked {at:#x} refers to unmarked {r:#x}"));
                    }
                }
            }
            at += size;
        }
        Ok(())
    }

    /// The references held by the object at `off`.
    fn refs_of(&self, off: usize, out: &mut Vec<u32>) {
        match &self.types[self.type_of(off).index()].layout {
            Layout::Struct(s) | Layout::Exn(s) => {
                for o in s.ref_offsets.iter() {
                    out.push(rd32(&self.mem, off + HEADER + *o as usize));
                }
            }
            Layout::Array(FieldKind::Ref) => {
                for i in 0..self.len_of(off) as usize {
                    out.push(rd32(&self.mem, off + HEADER + 4 * i));
                }
            }
            _ => {}
        }
    }

    /// Whether to verify the heap around this minor collection: when at
    /// least 1/64 of the heap's used bytes have been allocated since the
    /// last verified minor collection, so that verification costs O(1)
    /// per byte allocated rather than O(heap) per minor collection (in
    /// stress mode, with a small heap, that is every time). Major
    /// collections are always verified.
    pub(super) fn verify_minor_due(&mut self) -> bool {
        if !self.verify {
            return false;
        }
        let used = (self.old_top + self.ntop - self.nursery_start) as u64;
        let allocated = self.stats.allocated + (self.ntop - self.nursery_start) as u64;
        if (allocated - self.verified_at) * 64 < used {
            return false;
        }
        self.verified_at = allocated;
        true
    }

    /// The object starts in `from..to`, which the objects must tile.
    fn tile(&self, from: usize, to: usize, starts: &mut Starts) -> Result<(), String> {
        let mut at = from;
        while at < to {
            starts.insert(at);
            at += size_at(&self.types, &self.mem, at);
        }
        if at != to {
            return Err(format!("heap objects do not tile {from:#x}..{to:#x}"));
        }
        Ok(())
    }

    /// Checks the heap's invariants (test and debug aid): objects tile
    /// both generations and free space is zero; every reference in a root
    /// or an object names the start of an object; every struct field
    /// holding a reference holds one of a matching type; and every old
    /// object holding a nursery reference is remembered (flag and set).
    pub(crate) fn verify_heap(&self, roots: &mut dyn Trace, full: bool) -> Result<(), String> {
        if !(HEADER <= self.old_top
            && self.old_top <= self.nursery_start
            && self.nursery_start <= self.ntop
            && self.ntop <= self.nlimit
            && self.nlimit <= self.mem.len())
        {
            return Err("heap bounds out of order".into());
        }
        let mut starts = Starts {
            bits: vec![0; self.ntop.div_ceil(8 * 64)],
            list: Vec::new(),
        };
        self.tile(HEADER, self.old_top, &mut starts)?;
        self.tile(self.nursery_start, self.ntop, &mut starts)?;
        // Free space is zero. Around minor collections only the nursery's
        // below its allocation limit: checking all of it would cost
        // O(heap) per allocation in stress mode.
        let old_free = if full {
            &self.mem[self.old_top..self.nursery_start]
        } else {
            &[]
        };
        let free = old_free.iter().chain(&self.mem[self.ntop..self.nlimit]);
        if free.into_iter().any(|b| *b != 0) {
            return Err("free space is not zero".into());
        }
        let check = |r: u32| -> Result<(), String> {
            if raw::object_index(r).is_some()
                && (!starts.contains(Self::offset(r)) || self.type_of(Self::offset(r)) == FREE_TYPE)
            {
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
        // Listed free chunks are free chunks of the old generation.
        for &(off, size) in &self.free_list {
            if !starts.contains(off)
                || off >= self.old_top
                || self.type_of(off) != FREE_TYPE
                || size_at(&self.types, &self.mem, off) != size
            {
                return Err(format!("listed free chunk {off:#x} is not one"));
            }
        }
        // The list of old host objects holds each of them (unless the
        // list is off: `hosts_untracked`), and only them.
        if !self.hosts_untracked {
            let listed: HashSet<usize> = self.old_hosts.iter().map(|h| h.0).collect();
            for &(off, i) in &self.old_hosts {
                if !starts.contains(off)
                    || off >= self.old_top
                    || self.type_of(off) != HOST_TYPE
                    || self.len_of(off) != i
                {
                    return Err(format!("listed old host object {off:#x} is not one"));
                }
            }
            if let Some(off) = starts.list.iter().find(|&&off| {
                off < self.old_top && self.type_of(off) == HOST_TYPE && !listed.contains(&off)
            }) {
                return Err(format!("old host object {off:#x} is not listed"));
            }
        }
        let remset: HashSet<usize> = self.remset.iter().copied().collect();
        for &off in &starts.list {
            let remembered = rd32(&self.mem, off) & REMEMBERED != 0;
            if remembered
                && (off >= self.nursery_start || !(self.remset_overflow || remset.contains(&off)))
            {
                return Err(format!(
                    "object {off:#x} flagged remembered but not in the set"
                ));
            }
            if self.unswept_garbage(off) {
                continue;
            }
            let mut young = false;
            match &self.types[self.type_of(off).index()].layout {
                Layout::Struct(s) | Layout::Exn(s) => {
                    for (o, field_ty) in s.ref_fields() {
                        let r = rd32(&self.mem, off + HEADER + o as usize);
                        check(r)?;
                        young |= self.is_young(r);
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
                        let r = rd32(&self.mem, off + HEADER + 4 * i);
                        check(r)?;
                        young |= self.is_young(r);
                    }
                }
                _ => {}
            }
            if young && off < self.nursery_start && !remembered {
                return Err(format!(
                    "old object {off:#x} refers to the nursery but is not remembered"
                ));
            }
        }
        Ok(())
    }

    /// Whether non-null object or i31 reference `r` matches static type
    /// `ty` (functions are not checked here: they are not heap objects).
    fn raw_matches_static(&self, r: u32, ty: CRef) -> bool {
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

/// Object starts: a bitmap by 8-byte word, and the list.
struct Starts {
    bits: Vec<u64>,
    list: Vec<usize>,
}

impl Starts {
    fn insert(&mut self, off: usize) {
        let w = off / 8;
        if let Some(b) = self.bits.get_mut(w / 64) {
            *b |= 1 << (w % 64);
            self.list.push(off);
        }
    }

    fn contains(&self, off: usize) -> bool {
        let w = off / 8;
        off.is_multiple_of(8)
            && self
                .bits
                .get(w / 64)
                .is_some_and(|b| b >> (w % 64) & 1 != 0)
    }
}

fn ty_depth_match(t: &TypeRef, id: TypeId) -> bool {
    t.info().chain.contains(&id)
}
