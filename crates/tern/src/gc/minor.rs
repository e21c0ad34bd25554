//! Minor collection: nursery objects reachable from the roots or from
//! remembered old objects are copied (Cheney-style, no recursion) to the
//! end of the old generation; the nursery is then empty. The cost is
//! proportional to the roots, the remembered set and the survivors, not to
//! the heap size.

use super::{
    FORWARDED, HOST_TYPE, HeapType, REMEMBERED, Trace, raw_of_offset, rd32, size_at, visit_refs,
    wr32,
};
use crate::values::raw;
use std::time::Instant;

/// The old generation's bump pointer during a minor collection.
struct Promoter {
    nursery_start: usize,
    old_top: usize,
}

impl Promoter {
    /// Copies the nursery object `r` names to the old generation (once)
    /// and returns its new reference; other references are unchanged.
    fn promote(&mut self, types: &[HeapType], mem: &mut [u8], r: u32) -> u32 {
        if r & 3 != 0 || (r as usize) * 2 < self.nursery_start {
            return r;
        }
        let off = super::Heap::offset(r);
        if rd32(mem, off) == FORWARDED {
            return raw_of_offset(rd32(mem, off + 4) as usize * 8).unwrap_or(raw::NULL);
        }
        let size = size_at(types, mem, off);
        let to = self.old_top;
        mem.copy_within(off..off + size, to);
        self.old_top += size;
        wr32(mem, off, FORWARDED);
        wr32(mem, off + 4, (to / 8) as u32);
        raw_of_offset(to).unwrap_or(raw::NULL)
    }
}

impl super::Heap {
    /// Runs a minor collection (a major one if the old generation has no
    /// room for every nursery object). Returns whether the nursery was
    /// emptied (see `major` for when it is not).
    pub(crate) fn minor(&mut self, roots: &mut dyn Trace) -> bool {
        if self.gc_disabled {
            return false;
        }
        let used = self.ntop - self.nursery_start;
        if self.nursery_start - self.old_top < used {
            return self.major(roots, 0);
        }
        let verify = self.verify_minor_due();
        if verify {
            self.verify_now(roots, "before a minor collection", false);
        }
        let start = Instant::now();
        let first = self.old_top;
        let mut p = Promoter {
            nursery_start: self.nursery_start,
            old_top: self.old_top,
        };
        let (types, mem) = (&self.types[..], &mut self.mem[..]);
        roots.trace(&mut |r| p.promote(types, mem, r));
        self.roots.for_each_live(|r| p.promote(types, mem, r));
        // Remembered objects: forward their nursery references and forget
        // them (after this collection nothing refers to the nursery).
        for &obj in &self.remset {
            let ty = rd32(mem, obj);
            wr32(mem, obj, ty & !REMEMBERED);
            visit_refs(types, mem, obj, &mut |mem, r| p.promote(types, mem, r));
        }
        self.remset.clear();
        // Cheney scan of the promoted objects.
        let mut scan = first;
        while scan < p.old_top {
            scan += visit_refs(types, mem, scan, &mut |mem, r| p.promote(types, mem, r));
        }
        self.old_top = p.old_top;
        // Host objects left behind are dead.
        let young_hosts = std::mem::take(&mut self.young_hosts);
        for &(off, i) in &young_hosts {
            if rd32(&self.mem, off) != FORWARDED {
                debug_assert_eq!(rd32(&self.mem, off), HOST_TYPE.0);
                self.free_host_data(i);
            }
        }
        self.young_hosts = young_hosts;
        self.young_hosts.clear();
        self.mem[self.nursery_start..self.ntop].fill(0);
        self.ntop = self.nursery_start;
        self.nlimit = self.mem.len();
        self.stats.allocated += used as u64;
        self.stats.promoted += (self.old_top - first) as u64;
        self.stats.pause(start.elapsed(), false);
        if verify {
            self.verify_now(roots, "after a minor collection", false);
        }
        true
    }
}
