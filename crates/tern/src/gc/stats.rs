//! Collector statistics: counts, promoted and peak bytes, and a bounded
//! histogram of pause times for percentiles.

use std::time::Duration;

/// Collector statistics (see [`crate::Store::gc_stats`]). Non-exhaustive:
/// the collector may report more in later versions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcStats {
    /// Number of collections so far (minor and major).
    pub collections: u64,
    /// Number of minor collections (of the nursery only).
    pub minor_collections: u64,
    /// Number of major collections (of the whole heap, stopping the
    /// program: the fallback when the space cannot grow, and
    /// `Store::gc`).
    pub major_collections: u64,
    /// Number of incremental cycles started (marking and sweeping the old
    /// generation in slices between allocations).
    pub incremental_cycles: u64,
    /// Number of incremental slices (each a pause of its own).
    pub incremental_slices: u64,
    /// Bytes occupied by objects, headers included: after a major
    /// collection exactly the live data; otherwise the old generation
    /// (live or not since the last major collection) plus the nursery.
    pub live_bytes: u64,
    /// Bytes allocated since the store was created.
    pub bytes_allocated: u64,
    /// Bytes copied from the nursery to the old generation by minor
    /// collections.
    pub promoted_bytes: u64,
    /// The largest size the heap's space (both generations, free space
    /// included) has had, in bytes, with the incremental collector's
    /// metadata at the time (its mark bitmap, 1/64 of the space, and mark
    /// stack; the compacting collector's tables are not counted).
    pub peak_heap_bytes: u64,
    /// How many times incremental marking found its mark stack full and
    /// could not grow it (within the heap's limit or the memory
    /// available), leaving the object to a rescan of the old generation.
    pub mark_stack_overflows: u64,
    /// Total time spent collecting.
    pub total_pause: Duration,
    /// The longest pause (a collection or an incremental slice).
    pub max_pause: Duration,
    /// The median pause (from a histogram: at most 1/8 above the true
    /// value).
    pub pause_p50: Duration,
    /// The 99th percentile pause (same precision as `pause_p50`).
    pub pause_p99: Duration,
}

/// Sub-buckets per power of two of the pause histogram.
const SUB: u32 = 8;
/// Buckets: every nanosecond count up to 2^64 fits.
const BUCKETS: usize = (64 * SUB) as usize;

/// What a pause was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Minor,
    Major,
    Slice,
}

/// The heap's running statistics.
pub(super) struct Stats {
    pub minor: u64,
    pub major: u64,
    pub cycles: u64,
    pub slices: u64,
    /// Bytes allocated, not counting the current nursery contents.
    pub allocated: u64,
    pub promoted: u64,
    pub peak: u64,
    /// Mark stack overflows of finished cycles.
    pub overflows: u64,
    pub total_pause: Duration,
    pub max_pause: Duration,
    /// Pause counts by `bucket` of their nanoseconds.
    hist: Box<[u64; BUCKETS]>,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            minor: 0,
            major: 0,
            cycles: 0,
            slices: 0,
            allocated: 0,
            promoted: 0,
            peak: 0,
            overflows: 0,
            total_pause: Duration::ZERO,
            max_pause: Duration::ZERO,
            hist: Box::new([0; BUCKETS]),
        }
    }
}

/// The histogram bucket of `ns` nanoseconds: exact below 16, then 8
/// buckets per power of two.
fn bucket(ns: u64) -> usize {
    if ns < 2 * SUB as u64 {
        return ns as usize;
    }
    let e = 63 - ns.leading_zeros(); // >= 4
    let sub = (ns >> (e - 3)) as u32 & (SUB - 1);
    ((e - 2) * SUB + sub) as usize
}

/// The largest nanosecond count in bucket `b`.
fn bucket_max(b: usize) -> u64 {
    let b = b as u32;
    if b < 2 * SUB {
        return b as u64;
    }
    let e = b / SUB + 2;
    let sub = (b % SUB) as u64;
    let lo = (SUB as u64 + sub) << (e - 3);
    lo.saturating_add((1u64 << (e - 3)) - 1)
}

impl Stats {
    /// Records one collection's pause.
    pub(super) fn pause(&mut self, d: Duration, kind: Kind) {
        match kind {
            Kind::Minor => self.minor += 1,
            Kind::Major => self.major += 1,
            Kind::Slice => self.slices += 1,
        }
        self.total_pause += d;
        self.max_pause = self.max_pause.max(d);
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.hist[bucket(ns).min(BUCKETS - 1)] += 1;
    }

    /// The pause at quantile `q` (0..=1), from the histogram.
    fn percentile(&self, q: f64) -> Duration {
        let n = self.minor + self.major + self.slices;
        if n == 0 {
            return Duration::ZERO;
        }
        let want = ((n as f64 * q).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (b, c) in self.hist.iter().enumerate() {
            seen += c;
            if seen >= want {
                let ns = bucket_max(b);
                return Duration::from_nanos(ns).min(self.max_pause);
            }
        }
        self.max_pause
    }

    /// The public view, given the current object bytes, the nursery's
    /// contents and the space's size.
    pub(super) fn public(&self, live: u64, young: u64, space: u64) -> GcStats {
        GcStats {
            collections: self.minor + self.major,
            minor_collections: self.minor,
            major_collections: self.major,
            incremental_cycles: self.cycles,
            incremental_slices: self.slices,
            live_bytes: live,
            bytes_allocated: self.allocated + young,
            promoted_bytes: self.promoted,
            peak_heap_bytes: self.peak.max(space),
            mark_stack_overflows: self.overflows,
            total_pause: self.total_pause,
            max_pause: self.max_pause,
            pause_p50: self.percentile(0.5),
            pause_p99: self.percentile(0.99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_their_values() {
        for ns in (0..100_000u64).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let b = bucket(ns);
            assert!(b < BUCKETS, "{ns}");
            assert!(bucket_max(b) >= ns, "{ns}");
            assert!(bucket_max(b) - ns <= ns / 8 + 1, "{ns}");
            if b > 0 {
                assert!(bucket_max(b - 1) < ns, "{ns}");
            }
        }
    }

    #[test]
    fn percentiles() {
        let mut s = Stats::default();
        for i in 1..=100u64 {
            let kind = [Kind::Minor, Kind::Major, Kind::Slice][i as usize % 3];
            s.pause(Duration::from_micros(i), kind);
        }
        let p = s.public(0, 0, 0);
        assert_eq!(p.collections + p.incremental_slices, 100);
        assert_eq!(p.max_pause, Duration::from_micros(100));
        let p50 = p.pause_p50.as_nanos() as f64;
        assert!((50_000.0..=50_000.0 * 1.13).contains(&p50), "{p50}");
        let p99 = p.pause_p99.as_nanos() as f64;
        assert!((99_000.0..=100_000.0).contains(&p99), "{p99}");
    }
}
