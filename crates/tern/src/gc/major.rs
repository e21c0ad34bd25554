//! Major collection: mark-compact over the whole heap (both generations).
//!
//! Marking sets, in a bitmap with one bit per 8-byte heap word, the bits of
//! *every* word of each reachable object (an explicit stack, no recursion).
//! An object's new offset is then the number of live words below it: a
//! prefix sum per 64-bit bitmap word plus a `popcount` inside it (the
//! Compressor's forwarding scheme), so no forwarding word is stored in the
//! objects. One pass in address order then rewrites each live object's
//! references and slides it down; the roots are rewritten the same way.
//! Everything ends up in the old generation and the space is laid out
//! again (`relayout`). Extra memory: the bitmap (1/64 of the heap) and the
//! prefix sums (1/64 more), for the collection only.

use super::marks::{Marks, zeroed};
use super::{
    HOST_TYPE, HeapType, REMEMBERED, Trace, raw_of_offset, rd32, size_at, visit_refs, wr32,
};
use crate::values::raw;
use std::time::Instant;

/// The marking state.
struct Marker {
    marks: Marks,
    live_host: Vec<bool>,
    /// Word indices (offset / 8) of marked objects not yet scanned. Each
    /// object is pushed once, so its capacity, reserved up front (one entry
    /// per heap word), is never exceeded: marking never allocates.
    stack: Vec<u32>,
}

impl Marker {
    /// Marks the object `r` names (if any, and not yet marked) and queues
    /// it for scanning.
    fn mark(&mut self, types: &[HeapType], mem: &[u8], r: u32) -> u32 {
        if raw::object_index(r).is_none() {
            return r;
        }
        let off = super::Heap::offset(r);
        if !self.marks.get(off / 8) {
            let size = size_at(types, mem, off);
            self.marks.set_range(off / 8, size / 8);
            if rd32(mem, off) & !REMEMBERED == HOST_TYPE.0
                && let Some(l) = self.live_host.get_mut(rd32(mem, off + 4) as usize)
            {
                *l = true;
            }
            // Offsets of referenceable objects fit the raw encoding, so
            // their word index fits a u32.
            self.stack.push((off / 8) as u32);
        }
        r
    }
}

/// New offsets from the mark bitmap.
struct Forward<'a> {
    marks: &'a Marks,
    /// Live words below each bitmap word.
    prefix: Vec<usize>,
}

impl Forward<'_> {
    fn forward(&self, r: u32) -> u32 {
        if raw::object_index(r).is_none() {
            return r;
        }
        let w = super::Heap::offset(r) / 8;
        let (i, bit) = (w / 64, w % 64);
        let below = (self.marks.bits[i] & ((1u64 << bit) - 1)).count_ones() as usize;
        raw_of_offset(super::HEADER + 8 * (self.prefix[i] + below)).unwrap_or(raw::NULL)
    }
}

impl super::Heap {
    /// Runs a major collection, leaving room for `need` more bytes in the
    /// old generation if the limit allows. Returns `false` if it could not
    /// run (collection disabled, or no memory for its tables): the heap is
    /// then unchanged, the nursery included.
    pub(crate) fn major(&mut self, roots: &mut dyn Trace, need: usize) -> bool {
        if self.gc_disabled {
            return false;
        }
        self.verify_now(roots, "before a major collection", true);
        let start = Instant::now();
        let end = self.ntop;
        let words = end.div_ceil(8).div_ceil(64);
        let mut stack = Vec::new();
        let (Some(bits), Some(live_host), Some(mut prefix), Ok(())) = (
            zeroed::<u64>(words),
            zeroed::<bool>(self.host_data.len()),
            zeroed::<usize>(words),
            stack.try_reserve_exact(end / 8),
        ) else {
            // No memory for the collector's tables: keep the heap as it is.
            return false;
        };
        let mut m = Marker {
            marks: Marks { bits },
            live_host,
            stack,
        };
        let (types, mem) = (&self.types[..], &mut self.mem[..]);
        roots.trace(&mut |r| m.mark(types, mem, r));
        self.roots.for_each_live(|r| m.mark(types, mem, r));
        while let Some(w) = m.stack.pop() {
            visit_refs(types, mem, w as usize * 8, &mut |mem, r| {
                m.mark(types, mem, r)
            });
        }
        let mut total = 0;
        for (p, b) in prefix.iter_mut().zip(&m.marks.bits) {
            *p = total;
            total += b.count_ones() as usize;
        }
        let f = Forward {
            marks: &m.marks,
            prefix,
        };
        roots.trace(&mut |r| f.forward(r));
        self.roots.for_each_live(|r| f.forward(r));
        // Every live host object ends in the old generation: list them all
        // again as they slide (see `Heap::old_hosts`).
        let hosts = m.live_host.iter().filter(|l| **l).count();
        self.old_hosts.clear();
        self.hosts_untracked = self.old_hosts.try_reserve_exact(hosts).is_err();
        // Slide: rewrite each live object's references (at its old place),
        // then move it down. Objects move in address order, so a move never
        // overwrites an object not yet moved.
        let mut new_top = super::HEADER;
        let (mut w, words) = (0, m.marks.bits.len() * 64);
        loop {
            let s = m.marks.next_set(w, words);
            if s == words {
                break;
            }
            let off = s * 8;
            let size = visit_refs(types, mem, off, &mut |_, r| f.forward(r));
            let ty = rd32(mem, off);
            wr32(mem, off, ty & !REMEMBERED);
            if ty & !REMEMBERED == HOST_TYPE.0 && !self.hosts_untracked {
                self.old_hosts.push((new_top, rd32(mem, off + 4)));
            }
            if off != new_top {
                mem.copy_within(off..off + size, new_top);
            }
            new_top += size;
            w = s + size / 8;
        }
        // Zero what the objects left (the old generation's free space is
        // zero already).
        let (old_top, nursery_start) = (self.old_top, self.nursery_start);
        mem[new_top.min(old_top)..old_top].fill(0);
        mem[nursery_start.max(new_top)..end].fill(0);
        for (i, live) in m.live_host.iter().enumerate() {
            if !live {
                self.free_host_data(i as u32);
            }
        }
        self.remset.clear();
        self.remset_overflow = false;
        self.young_hosts.clear();
        // Nothing is left of the incremental cycle or the free chunks.
        self.abort_cycle();
        self.free_list.clear();
        self.free_bytes = 0;
        self.chunk = (0, 0);
        self.stats.allocated += (self.ntop - self.nursery_start) as u64;
        self.old_top = new_top;
        self.ntop = self.nursery_start;
        // The next incremental cycle starts once the old generation holds
        // twice the live data; the space grows as promotion needs.
        let live = new_top - super::HEADER;
        self.mark_at = live.saturating_mul(2).max(super::incr::MIN_MARK_AT);
        self.major_at = new_top.saturating_add(self.nominal_nursery());
        self.relayout(need);
        self.stats.pause(start.elapsed(), super::stats::Kind::Major);
        self.verify_now(roots, "after a major collection", true);
        true
    }
}
