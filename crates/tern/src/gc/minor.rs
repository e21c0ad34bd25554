//! Minor collection: nursery objects reachable from the roots or from
//! remembered old objects are copied to the old generation (no
//! recursion); the nursery is then empty. Small survivors fill the free
//! chunks the incremental sweep found (`incr.rs`), the others go to the
//! end of the old generation; each filled range is scanned Cheney-style.
//! The cost is proportional to the roots, the remembered set and the
//! survivors, not to the heap size.

use super::incr::{Cycle, MIN_CHUNK, write_free};
use super::{
    FORWARDED, HEADER, HOST_TYPE, HeapType, REMEMBERED, Trace, raw_of_offset, rd32, size_at,
    visit_refs, wr32,
};
use crate::values::raw;
use std::time::Instant;

/// Where survivors go during a minor collection.
struct Promoter<'a> {
    nursery_start: usize,
    /// The old generation's end (bump pointer past its objects).
    old_top: usize,
    /// The free chunk being filled: (next, end).
    chunk: (usize, usize),
    /// Where the scan of the chunk being filled is.
    cscan: usize,
    /// Listed free chunks (taken from the end).
    free_list: &'a mut Vec<(usize, usize)>,
    /// Filled parts of earlier chunks not yet scanned. Its capacity is
    /// reserved: when it is full, survivors go to the old generation's
    /// end instead of another chunk, so it never allocates.
    pending: &'a mut Vec<(usize, usize)>,
    /// The incremental cycle, while one runs: survivors are marked.
    cycle: Option<&'a mut Cycle>,
    /// Bytes taken from free chunks.
    from_chunks: usize,
    /// Whether survivors may go to free chunks (not while the old
    /// generation is walked for remembered objects: it must stay tiled).
    use_chunks: bool,
}

impl Promoter<'_> {
    /// Room for `size` bytes in the old generation: in the chunk being
    /// filled, else in another listed chunk (for an object of at most
    /// `MIN_CHUNK` bytes the last one, which always fits; for a larger
    /// one the last fitting one among the last few: `incr::find_chunk`), else
    /// at the end.
    fn alloc(&mut self, mem: &mut [u8], size: usize) -> usize {
        if !self.use_chunks {
            let to = self.old_top;
            self.old_top += size;
            return to;
        }
        if self.chunk.1 - self.chunk.0 < size
            && self.pending.len() < self.pending.capacity()
            && let Some(i) = super::incr::find_chunk(self.free_list, size)
        {
            let (c, len) = self.free_list.swap_remove(i);
            if self.cscan < self.chunk.0 {
                self.pending.push((self.cscan, self.chunk.0));
            }
            let rest = self.chunk.1 - self.chunk.0;
            if rest > 0 {
                write_free(mem, self.chunk.0, rest);
                // Listed again (the slot just freed: no allocation).
                if rest >= MIN_CHUNK && self.free_list.len() < self.free_list.capacity() {
                    self.free_list.push((self.chunk.0, rest));
                }
            }
            self.chunk = (c, c + len);
            self.cscan = c;
        }
        if self.chunk.1 - self.chunk.0 >= size {
            let to = self.chunk.0;
            self.chunk.0 += size;
            self.from_chunks += size;
            return to;
        }
        // `minor` checked that the end has room for the whole nursery.
        let to = self.old_top;
        self.old_top += size;
        to
    }

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
        let to = self.alloc(mem, size);
        mem.copy_within(off..off + size, to);
        if let Some(c) = self.cycle.as_deref_mut() {
            c.set_new(to);
        }
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
        if self.pending.capacity() == 0 {
            // Without it, survivors only go to the old generation's end.
            let _ = self.pending.try_reserve_exact(256);
        }
        if !self.hosts_untracked && self.old_hosts.try_reserve(self.young_hosts.len()).is_err() {
            // No room to list the promoted host objects (see `old_hosts`).
            self.hosts_untracked = true;
        }
        let first = self.old_top;
        let active = self.cycle_active();
        let mut p = Promoter {
            nursery_start: self.nursery_start,
            old_top: self.old_top,
            chunk: self.chunk,
            cscan: self.chunk.0,
            free_list: &mut self.free_list,
            pending: &mut self.pending,
            cycle: if active { Some(&mut self.cycle) } else { None },
            from_chunks: 0,
            use_chunks: !self.remset_overflow,
        };
        let (types, mem) = (&self.types[..], &mut self.mem[..]);
        roots.trace(&mut |r| p.promote(types, mem, r));
        self.roots.for_each_live(|r| p.promote(types, mem, r));
        // Remembered objects: forward their nursery references and forget
        // them (after this collection nothing refers to the nursery).
        if self.remset_overflow {
            // The list is incomplete, the flags are not: walk the old
            // generation (tiled, since survivors go to its end only).
            let mut at = HEADER;
            while at < first {
                let ty = rd32(mem, at);
                at += if ty & REMEMBERED != 0 {
                    wr32(mem, at, ty & !REMEMBERED);
                    visit_refs(types, mem, at, &mut |mem, r| p.promote(types, mem, r))
                } else {
                    size_at(types, mem, at)
                };
            }
        } else {
            for &obj in &self.remset {
                let ty = rd32(mem, obj);
                wr32(mem, obj, ty & !REMEMBERED);
                visit_refs(types, mem, obj, &mut |mem, r| p.promote(types, mem, r));
            }
        }
        self.remset.clear();
        self.remset_overflow = false;
        // Cheney scan of the promoted objects: at the end, in the chunk
        // being filled, and in the filled parts of earlier chunks.
        let mut wscan = first;
        loop {
            let at = if wscan < p.old_top {
                let at = wscan;
                wscan += size_at(types, mem, at);
                at
            } else if p.cscan < p.chunk.0 {
                let at = p.cscan;
                p.cscan += size_at(types, mem, at);
                at
            } else if let Some(&(a, b)) = p.pending.last() {
                if a >= b {
                    p.pending.pop();
                    continue;
                }
                if let Some(last) = p.pending.last_mut() {
                    last.0 = a + size_at(types, mem, a);
                }
                a
            } else {
                break;
            };
            visit_refs(types, mem, at, &mut |mem, r| p.promote(types, mem, r));
        }
        let (old_top, chunk, from_chunks) = (p.old_top, p.chunk, p.from_chunks);
        if chunk.0 < chunk.1 {
            write_free(mem, chunk.0, chunk.1 - chunk.0);
        }
        self.chunk = chunk;
        self.free_bytes = self.free_bytes.saturating_sub(from_chunks);
        self.old_top = old_top;
        // Host objects left behind are dead; the promoted ones join the
        // old generation's list (its room was reserved above).
        let young_hosts = std::mem::take(&mut self.young_hosts);
        for &(off, i) in &young_hosts {
            if rd32(&self.mem, off) == FORWARDED {
                if !self.hosts_untracked {
                    self.old_hosts
                        .push((rd32(&self.mem, off + 4) as usize * 8, i));
                }
            } else {
                debug_assert_eq!(rd32(&self.mem, off), HOST_TYPE.0);
                self.free_host_data(i);
            }
        }
        self.young_hosts = young_hosts;
        self.young_hosts.clear();
        self.mem[self.nursery_start..self.ntop].fill(0);
        self.ntop = self.nursery_start;
        self.stats.allocated += used as u64;
        self.stats.promoted += (old_top - first + from_chunks) as u64;
        self.after_minor(roots);
        self.stats.pause(start.elapsed(), super::stats::Kind::Minor);
        if verify {
            self.verify_now(roots, "after a minor collection", false);
        }
        true
    }

    /// After a minor collection (the nursery is empty): starts an
    /// incremental cycle if due (in stress mode, also runs a slice), and
    /// keeps room at the old generation's end for the next one to promote
    /// the whole nursery, growing the space if needed.
    fn after_minor(&mut self, roots: &mut dyn Trace) {
        self.maybe_start_cycle(roots);
        if self.stress {
            self.stress_step();
        }
        let n = self.nominal_nursery();
        if self.nursery_start - self.old_top < n {
            self.major_at = self.old_top.saturating_add(n);
            self.relayout(0);
        }
        self.set_nlimit();
    }
}
