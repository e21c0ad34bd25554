//! Incremental collection of the old generation: snapshot-at-the-beginning
//! marking in slices, then lazy sweeping in slices into free chunks that
//! promotion reuses. Nothing in the old generation moves (the compacting
//! `major` collection remains as the fallback when the space cannot grow).
//!
//! A cycle starts right after a minor collection, when the nursery is
//! empty, so every object is old: the roots are scanned then (the
//! snapshot), and every old object they name is marked and queued. While
//! marking, the write barrier marks and queues the old object a reference
//! store into an old object overwrites (`Heap::satb`), so every object
//! reachable at the snapshot gets marked; objects promoted or allocated
//! in the old generation during the cycle are marked at once ("allocated
//! black") and not scanned: whatever old object they refer to was
//! reachable at the snapshot or is new itself. So marking ends when its
//! queue is empty, with no second look at the roots.
//!
//! Sweeping walks the old generation's objects up to where it ended when
//! marking finished, in address order, a bounded number of objects per
//! slice: runs of unmarked objects (and free chunks) become one free chunk
//! (a `FREE_TYPE` header; the dead bytes are left as they are), listed
//! for promotion when at least `MIN_CHUNK` bytes; dead host objects drop
//! their host data.
//!
//! Slices are driven by allocation: while a cycle runs, the nursery's
//! allocation limit stops every `slice_interval` bytes, and the slow path
//! runs one slice before it goes on bumping.

use super::marks::Marks;
use super::{
    FREE_TYPE, HEADER, HOST_TYPE, Heap, HeapType, REMEMBERED, Trace, rd32, size_at, visit_refs,
    wr32,
};
use crate::values::raw;
use std::time::Instant;

/// The smallest free chunk that promotion reuses (smaller ones wait to
/// be coalesced with their neighbours by a later sweep). Objects up to
/// this size are promoted into free chunks, larger ones to the end of
/// the old generation.
pub(super) const MIN_CHUNK: usize = 256;

/// How many listed chunks (from the end) are looked at for an object
/// larger than `MIN_CHUNK` (bounding the search per allocation).
const SEARCH: usize = 16;

/// The listed free chunk to allocate `size` bytes in: for a size up to
/// `MIN_CHUNK` the last one (every listed chunk fits), else the last
/// fitting one among the last `SEARCH`.
pub(super) fn find_chunk(free_list: &[(usize, usize)], size: usize) -> Option<usize> {
    let n = free_list.len();
    if size <= MIN_CHUNK {
        n.checked_sub(1)
    } else {
        (n.saturating_sub(SEARCH)..n)
            .rev()
            .find(|&i| free_list[i].1 >= size)
    }
}
/// The least old-generation occupancy (bytes) at which a cycle starts.
pub(super) const MIN_MARK_AT: usize = 1 << 20;
/// The same in stress mode (cycles all the time).
const STRESS_MARK_AT: usize = 16 << 10;
/// The mark stack's first capacity (entries); past it, the stack grows
/// only while the space, the bitmap and the stack stay within the heap's
/// limit (`Heap::mark_stack_max`).
const MIN_STACK: usize = 1024;
/// Bytes of objects one marking slice scans.
const MARK_SLICE: usize = 2 << 20;
/// The work of one sweeping slice (see `sweep_step`).
const SWEEP_SLICE: usize = 4 << 20;
/// The sweeping work of visiting one object (a slice visits 128Ki).
const SWEEP_OBJECT: usize = 32;
/// The same in stress mode: tiny slices, so that cycles span many
/// allocations and stores.
const STRESS_SLICE: usize = 64;

/// The phase of the incremental cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Phase {
    #[default]
    Idle,
    Marking,
    Sweeping,
}

/// The state of an incremental cycle.
#[derive(Default)]
pub(super) struct Cycle {
    pub(super) phase: Phase,
    /// One bit per 8-byte heap word: the marked objects' first words.
    marks: Marks,
    /// Word indices of marked objects not yet scanned (grey). It starts
    /// empty and grows on demand (`push_slow`, `try_reserve`) up to
    /// `stack_max` entries; a marked object that finds it full is left
    /// unpushed and found again by a rescan (`overflow_from`).
    stack: Vec<u32>,
    /// The most entries the stack may grow to (`Heap::mark_stack_max`).
    stack_max: usize,
    /// The lowest offset of a marked object that could not be pushed and
    /// that no rescan under way will reach. When the stack runs empty, a
    /// rescan starts there.
    overflow_from: Option<usize>,
    /// The rescan under way: every marked old object from this offset on
    /// is scanned again (scanning a black object twice only re-marks what
    /// is marked), in address order, through the bitmap.
    rescan: Option<usize>,
    /// How many times the stack was full (`GcStats::mark_stack_overflows`).
    overflows: u64,
    /// The largest capacity the stack has had in this cycle, in bytes.
    stack_peak: usize,
    /// Bytes of the snapshot's live data: objects popped from the stack,
    /// and objects that could not be pushed (counted when they overflow:
    /// a rescan cannot tell which objects it scans for the first time).
    marked_bytes: usize,
    /// The sweep's position and end (the old generation's end when
    /// marking finished).
    sweep_at: usize,
    sweep_end: usize,
    /// The start of the run of dead objects and free chunks being
    /// coalesced.
    run: Option<usize>,
    /// How far the sweep's first part has checked `Heap::old_hosts`.
    host_at: usize,
}

impl Cycle {
    /// Whether `off` is marked (out of the bitmap's range: treated as
    /// marked, so the sweep never frees what it cannot tell about).
    #[inline]
    fn marked(&self, off: usize) -> bool {
        self.marks.get(off / 8)
    }

    /// The first marked object at or after `off`, or `end`. Past the
    /// bitmap (which always covers the old generation) it stops at the
    /// bitmap's end, where `marked` treats everything as marked.
    fn next_marked(&self, off: usize, end: usize) -> usize {
        (8 * self.marks.next_set(off / 8, end.div_ceil(8))).min(end)
    }

    /// Marks a fresh old object (allocated black).
    #[inline]
    pub(super) fn set_new(&mut self, off: usize) {
        self.set(off);
    }

    /// Marks the object at `off`; returns whether it was unmarked.
    #[inline]
    fn set(&mut self, off: usize) -> bool {
        self.marks.set(off / 8)
    }

    /// Marks and queues the old object `r` names, if any and unmarked
    /// (`young_from`: the nursery's start; young objects are not part of
    /// the snapshot). Never fails: when the stack cannot grow, the object
    /// stays marked but unqueued and a later rescan scans it.
    #[inline]
    fn grey(&mut self, r: u32, young_from: usize, mem: &[u8], types: &[HeapType]) {
        if raw::object_index(r).is_none() {
            return;
        }
        let off = Heap::offset(r);
        if off >= young_from || !self.set(off) {
            return;
        }
        if self.stack.len() == self.stack.capacity() {
            self.push_slow(off, mem, types);
            return;
        }
        // Word indices of referenceable objects fit a u32 (`raw`).
        self.stack.push((off / 8) as u32);
        // Its header will be read when it is scanned: start the load now
        // (marking is bound by these cache misses).
        prefetch(mem.as_ptr().wrapping_add(off));
    }

    /// Queues the marked object at `off` when the stack is full: grows it
    /// (doubling, within `stack_max`), or, if it cannot grow, records the
    /// overflow so that a rescan scans the object.
    #[cold]
    #[inline(never)]
    fn push_slow(&mut self, off: usize, mem: &[u8], types: &[HeapType]) {
        let len = self.stack.len();
        let want = len.max(MIN_STACK / 2).saturating_mul(2).min(self.stack_max);
        if want > len && self.stack.try_reserve_exact(want - len).is_ok() {
            self.stack_peak = self.stack_peak.max(self.stack.capacity() * 4);
            self.stack.push((off / 8) as u32);
            return;
        }
        self.overflows += 1;
        // Never popped: its bytes count now.
        self.marked_bytes += size_at(types, mem, off);
        // A rescan under way reaches it if it lies ahead of its cursor.
        if self.rescan.is_none_or(|at| off < at) {
            self.overflow_from = Some(self.overflow_from.map_or(off, |o| o.min(off)));
        }
    }

    /// The collector's metadata now: the bitmap and the stack, in bytes.
    fn meta_bytes(&self) -> usize {
        self.marks.bits.len() * 8 + self.stack.capacity() * 4
    }
}

/// Hints the processor to load the cache line at `p` (no effect on
/// memory; any address is fine).
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and reads or
    // writes nothing the program can observe, whatever the address (SSE,
    // which provides it, is part of the x86_64 baseline).
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Heap {
    /// Whether the cycle is marking: the snapshot-at-the-beginning
    /// barrier is on (derived from the phase, the one place it is kept).
    #[inline(always)]
    pub(super) fn marking(&self) -> bool {
        self.cycle.phase == Phase::Marking
    }

    /// Whether an incremental cycle (marking or sweeping) is under way.
    #[inline]
    pub(super) fn cycle_active(&self) -> bool {
        self.cycle.phase != Phase::Idle
    }

    /// Whether the object at `off` is garbage the sweep has yet to free
    /// (its fields may name objects already freed).
    pub(super) fn unswept_garbage(&self, off: usize) -> bool {
        let c = &self.cycle;
        c.phase == Phase::Sweeping
            && (c.sweep_at..c.sweep_end).contains(&off)
            && !c.marked(off)
            && rd32(&self.mem, off) & REMEMBERED == 0
    }

    /// Bytes of old objects (free chunks excluded).
    pub(super) fn old_used(&self) -> usize {
        (self.old_top - HEADER).saturating_sub(self.free_bytes)
    }

    /// Allocation bytes between two slices while a cycle runs.
    pub(super) fn slice_interval(&self) -> usize {
        (self.nominal_nursery() / 8).max(MIN_CHUNK)
    }

    /// Sets the nursery's allocation limit: its end, or while a cycle
    /// runs the next slice's point (stress mode sets its own).
    pub(super) fn set_nlimit(&mut self) {
        self.nlimit = if self.cycle_active() && !self.stress {
            self.ntop
                .saturating_add(self.slice_interval())
                .min(self.mem.len())
        } else {
            self.mem.len()
        };
    }

    /// Marks a fresh old object (promoted or allocated in the old
    /// generation) while a cycle runs: allocated black.
    #[inline]
    pub(super) fn mark_new(&mut self, off: usize) {
        if self.cycle_active() {
            self.cycle.set(off);
        }
    }

    /// Abandons the cycle (always safe: nothing has been freed that was
    /// not garbage; what it did not sweep stays until the next cycle).
    pub(super) fn abort_cycle(&mut self) {
        self.note_meta();
        self.cycle = Cycle::default();
    }

    /// Records the cycle's metadata in the statistics before it is
    /// dropped: the peak (space, bitmap and the stack's largest capacity:
    /// all three only grow while marking, so their sum is largest now)
    /// and the stack overflows.
    fn note_meta(&mut self) {
        let c = &mut self.cycle;
        let meta = c.marks.bits.len() * 8 + c.stack_peak;
        self.stats.peak = self.stats.peak.max((self.mem.len() + meta) as u64);
        self.stats.overflows += std::mem::take(&mut c.overflows);
    }

    /// The collector's metadata now (bitmap and mark stack), in bytes.
    pub(super) fn meta_bytes(&self) -> usize {
        self.cycle.meta_bytes()
    }

    /// The overflows of the mark stack in the cycle under way.
    pub(super) fn cycle_overflows(&self) -> u64 {
        self.cycle.overflows
    }

    /// Bounds the mark stack again after the heap's limit changed.
    pub(super) fn limit_changed(&mut self) {
        self.cycle.stack_max = self.mark_stack_max();
    }

    /// The most entries the mark stack may hold: `MIN_STACK`, and past
    /// it only as many as keep the space, the bitmap and the stack within
    /// the heap's limit (and within `Config::gc_metadata_limit`, a test
    /// knob).
    pub(super) fn mark_stack_max(&self) -> usize {
        let used = self.mem.len() + self.cycle.marks.bits.len() * 8;
        (self.limit.saturating_sub(used) / 4)
            .max(MIN_STACK)
            .min(self.meta_limit)
    }

    /// Keeps the mark bitmap covering the space (after it grew). Without
    /// the memory, the cycle is abandoned.
    pub(super) fn cover_marks(&mut self) {
        if !self.cycle_active() {
            return;
        }
        let need = self.mem.len().div_ceil(8 * 64);
        let marks = &mut self.cycle.marks.bits;
        if marks.len() < need {
            if marks.try_reserve_exact(need - marks.len()).is_err() {
                self.abort_cycle();
                return;
            }
            marks.resize(need, 0);
        }
        self.cycle.stack_max = self.mark_stack_max();
    }

    /// The snapshot barrier's slow part (see `satb_range`).
    #[cold]
    #[inline(never)]
    pub(super) fn satb(&mut self, obj: usize, at: usize, n: usize) {
        if obj >= self.nursery_start {
            return;
        }
        let (cycle, mem, types) = (&mut self.cycle, &self.mem[..], &self.types[..]);
        for i in 0..n {
            cycle.grey(rd32(mem, at + 4 * i), self.nursery_start, mem, types);
        }
    }

    /// Starts a cycle if the old generation has grown enough: right after
    /// a minor collection (the nursery is empty).
    pub(super) fn maybe_start_cycle(&mut self, roots: &mut dyn Trace) {
        let at = if self.stress {
            STRESS_MARK_AT
        } else {
            self.mark_at
        };
        if self.cycle_active() || self.old_used() < at || self.ntop != self.nursery_start {
            return;
        }
        self.start_cycle(roots);
    }

    /// Starts marking: the snapshot of the roots. Without memory for the
    /// bitmap, no cycle starts (the space grows instead, and at its limit
    /// the compacting collector runs); the mark stack grows as marking
    /// needs, and marking goes on without it (rescans) when it cannot.
    pub(crate) fn start_cycle(&mut self, roots: &mut dyn Trace) {
        if self.cycle_active() || self.gc_disabled || self.ntop != self.nursery_start {
            return;
        }
        let Some(marks) = Marks::covering(self.mem.len()) else {
            return;
        };
        self.cycle = Cycle {
            phase: Phase::Marking,
            marks,
            ..Cycle::default()
        };
        self.cycle.stack_max = self.mark_stack_max();
        self.stats.cycles += 1;
        let (cycle, young_from) = (&mut self.cycle, self.nursery_start);
        let (mem, types) = (&self.mem[..], &self.types[..]);
        roots.trace(&mut |r| {
            cycle.grey(r, young_from, mem, types);
            r
        });
        self.roots.for_each_live(|r| {
            cycle.grey(r, young_from, mem, types);
            r
        });
    }

    /// Runs one slice of the cycle (timed as an incremental pause).
    pub(super) fn slice(&mut self) {
        let start = Instant::now();
        self.step(0);
        self.stats.pause(start.elapsed(), super::stats::Kind::Slice);
    }

    /// The slice stress mode runs after every minor collection.
    pub(super) fn stress_step(&mut self) {
        self.step(STRESS_SLICE);
    }

    /// Runs the cycle to its end (`Store::gc_finish_cycle`, tests).
    pub(crate) fn finish_cycle(&mut self) {
        while self.cycle_active() {
            self.step(usize::MAX);
        }
    }

    /// Marks or sweeps about `budget` bytes (0: the phase's slice size).
    /// With verification on, the heap is verified when a phase ends
    /// (O(heap) per cycle).
    fn step(&mut self, budget: usize) {
        let before = self.cycle.phase;
        match before {
            Phase::Idle => {}
            Phase::Marking => self.mark_step(if budget == 0 { MARK_SLICE } else { budget }),
            Phase::Sweeping => self.sweep_step(if budget == 0 { SWEEP_SLICE } else { budget }),
        }
        if before != self.cycle.phase {
            self.verify_phase_end(before);
        }
    }

    /// Whether `off` is marked (verification).
    pub(super) fn marked_now(&self, off: usize) -> bool {
        self.cycle.marked(off)
    }

    /// Scans grey objects until about `budget` bytes are scanned: those
    /// on the stack, and when it is empty after an overflow, every marked
    /// object from the lowest unpushed one on (a rescan, the classic
    /// mark-stack-overflow fallback). When none is left, marking is over
    /// and sweeping starts.
    fn mark_step(&mut self, budget: usize) {
        let (types, mem) = (&self.types[..], &mut self.mem[..]);
        let (cycle, young_from, old_top) = (&mut self.cycle, self.nursery_start, self.old_top);
        let mut done = 0;
        while done < budget {
            let (off, popped) = if let Some(w) = cycle.stack.pop() {
                (w as usize * 8, true)
            } else if let Some(at) = cycle.rescan {
                let off = cycle.next_marked(at, old_top);
                done += off.saturating_sub(at) / 64;
                if off >= old_top {
                    cycle.rescan = None;
                    continue;
                }
                // What this scan cannot push from here on, the rescan
                // reaches (objects start at least a header apart).
                cycle.rescan = Some(off + HEADER);
                (off, false)
            } else if let Some(from) = cycle.overflow_from.take() {
                cycle.rescan = Some(from);
                continue;
            } else {
                break;
            };
            let size = visit_refs(types, mem, off, &mut |m, r| {
                cycle.grey(r, young_from, m, types);
                r
            });
            if popped {
                cycle.marked_bytes += size;
            } else {
                cycle.rescan = Some(off + size);
            }
            done += size;
        }
        let c = &self.cycle;
        if c.stack.is_empty() && c.rescan.is_none() && c.overflow_from.is_none() {
            self.note_meta();
            self.cycle.phase = Phase::Sweeping;
            self.cycle.sweep_at = HEADER;
            self.cycle.sweep_end = self.old_top;
            self.cycle.stack = Vec::new();
            // The sweep finds every free chunk again (and coalesces it):
            // forget the list and the chunk promotion was filling (its
            // rest keeps its free chunk header).
            self.free_list.clear();
            self.chunk = (0, 0);
            // Counted again as the sweep makes them (until then the old
            // generation counts as in use).
            self.free_bytes = 0;
        }
    }

    /// Sweeps about `budget / SWEEP_OBJECT` objects of the old
    /// generation. First the listed old host objects (`sweep_hosts`);
    /// then only marked objects are visited one by one: the dead space up
    /// to the next marked object is found in the mark bitmap and becomes
    /// (part of) one free chunk (unless the host objects are untracked:
    /// then dead objects are visited too, to drop dead host data).
    /// Dead bytes are not cleared: a free chunk's payload is never read
    /// (promotion copies whole objects over it, and allocation that needs
    /// zeroed memory takes it from the end of the old generation or the
    /// nursery).
    fn sweep_step(&mut self, budget: usize) {
        let mut done = self.sweep_hosts(budget);
        if done >= budget {
            return;
        }
        let hosts = self.hosts_untracked && self.host_data.len() > self.free_host.len();
        let end = self.cycle.sweep_end;
        while done < budget && self.cycle.sweep_at < end {
            let off = self.cycle.sweep_at;
            if self.cycle.marked(off) {
                self.close_run(off);
                self.cycle.sweep_at = off + size_at(&self.types, &self.mem, off);
                done += SWEEP_OBJECT;
            } else if hosts {
                if rd32(&self.mem, off) == HOST_TYPE.0 {
                    let i = rd32(&self.mem, off + 4);
                    self.free_host_data(i);
                }
                self.cycle.run.get_or_insert(off);
                self.cycle.sweep_at = off + size_at(&self.types, &self.mem, off);
                done += SWEEP_OBJECT;
            } else {
                // (Past the unmarked object at `off` at least.)
                let next = self
                    .cycle
                    .next_marked(off, end)
                    .max(off + size_at(&self.types, &self.mem, off));
                self.cycle.run.get_or_insert(off);
                self.cycle.sweep_at = next;
                done += (next - off) / 64 + SWEEP_OBJECT;
            }
        }
        let at = self.cycle.sweep_at;
        if let Some(run) = self.cycle.run {
            // Keep the old generation tiled between slices.
            write_free(&mut self.mem, run, at - run);
        }
        if at >= self.cycle.sweep_end {
            let end = self.cycle.sweep_end;
            self.close_run(end);
            let live = self.cycle.marked_bytes;
            // The next cycle starts once the old generation holds 2.5 times
            // the live data, or a quarter of it more than now (what was
            // promoted during this cycle is not yet garbage to it). The
            // factor trades memory for marking work: on splay 2 gives a
            // 61 MiB peak heap and 7 cycles (+20% CPU time over the
            // compacting collector), 2.5 a 69 MiB one and 5 cycles
            // (+8-10%), 3 a 76 MiB one and 5 cycles (about even).
            self.mark_at = live
                .saturating_mul(5)
                .div_ceil(2)
                .max(self.old_used().saturating_add(live / 4))
                .max(MIN_MARK_AT);
            self.note_meta();
            self.cycle = Cycle::default();
        }
    }

    /// The sweep's first part: drops the data of the listed old host
    /// objects that are not marked, turns each into an empty free chunk
    /// (so no stale host data index stays in the heap) and unlists it.
    /// It ends before the sweep makes its first free chunk, so no listed
    /// object's place has been reused. Returns the work done (`budget`
    /// or more if the part is not finished).
    fn sweep_hosts(&mut self, budget: usize) -> usize {
        if self.hosts_untracked {
            return 0;
        }
        let mut done = 0;
        while self.cycle.host_at < self.old_hosts.len() {
            if done >= budget {
                return done;
            }
            let (off, i) = self.old_hosts[self.cycle.host_at];
            if self.cycle.marked(off) {
                self.cycle.host_at += 1;
            } else {
                self.free_host_data(i);
                write_free(&mut self.mem, off, HEADER);
                self.old_hosts.swap_remove(self.cycle.host_at);
            }
            done += SWEEP_OBJECT;
        }
        done
    }

    /// Ends the run of dead objects at `end`: one free chunk.
    fn close_run(&mut self, end: usize) {
        if let Some(start) = self.cycle.run.take() {
            write_free(&mut self.mem, start, end - start);
            self.free_bytes += end - start;
            if end - start >= MIN_CHUNK && self.free_list.try_reserve(1).is_ok() {
                self.free_list.push((start, end - start));
            }
        }
    }
}

/// Writes a free chunk header for the `size` bytes at `off` (its payload
/// is left as it is).
pub(super) fn write_free(mem: &mut [u8], off: usize, size: usize) {
    wr32(mem, off, FREE_TYPE.0);
    // A chunk is within the space (at most 8 GiB), so its words fit.
    wr32(mem, off + 4, ((size - HEADER) / 8) as u32);
}
