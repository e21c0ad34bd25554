//! The mark bitmap both collectors use: one bit per 8-byte heap word.
//! The compacting collector sets the bits of every word of a live object
//! (`set_range`); the incremental one only the bit of its first word
//! (`set`).

/// One bit per 8-byte word of the heap. A word past the end of the
/// bitmap reads as marked, so a sweep never frees what it cannot tell
/// about.
#[derive(Default)]
pub(super) struct Marks {
    /// Bit `w % 64` of `bits[w / 64]` is word `w`'s.
    pub(super) bits: Vec<u64>,
}

/// A zeroed vector of `n` items, or `None` if the memory is not available.
pub(super) fn zeroed<T: Clone + Default>(n: usize) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize(n, T::default());
    Some(v)
}

impl Marks {
    /// A clear bitmap covering `bytes` bytes of heap, or `None` if the
    /// memory is not available.
    pub(super) fn covering(bytes: usize) -> Option<Marks> {
        Some(Marks {
            bits: zeroed(bytes.div_ceil(8 * 64))?,
        })
    }

    /// Whether word `w` is marked (past the bitmap: yes).
    #[inline]
    pub(super) fn get(&self, w: usize) -> bool {
        self.bits.get(w / 64).is_none_or(|b| b >> (w % 64) & 1 != 0)
    }

    /// Marks word `w`; returns whether it was unmarked (past the bitmap:
    /// `false`, it reads as marked already).
    #[inline]
    pub(super) fn set(&mut self, w: usize) -> bool {
        match self.bits.get_mut(w / 64) {
            Some(b) if *b >> (w % 64) & 1 == 0 => {
                *b |= 1 << (w % 64);
                true
            }
            _ => false,
        }
    }

    /// Sets the bits of words `w..w + n` (all within the bitmap).
    pub(super) fn set_range(&mut self, w: usize, n: usize) {
        let (mut i, end) = (w, w + n);
        while i < end {
            let bit = i % 64;
            let take = (64 - bit).min(end - i);
            let mask = if take == 64 {
                u64::MAX
            } else {
                ((1u64 << take) - 1) << bit
            };
            self.bits[i / 64] |= mask;
            i += take;
        }
    }

    /// The first marked word in `w..end` (words past the bitmap read as
    /// marked), or `end` if there is none.
    pub(super) fn next_set(&self, w: usize, end: usize) -> usize {
        let mut i = w / 64;
        let Some(&first) = self.bits.get(i) else {
            return w.min(end);
        };
        let mut word = first & (u64::MAX << (w % 64));
        loop {
            if word != 0 {
                return (i * 64 + word.trailing_zeros() as usize).min(end);
            }
            i += 1;
            if i * 64 >= end {
                return end;
            }
            match self.bits.get(i) {
                Some(&b) => word = b,
                None => return (i * 64).min(end),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_ranges_and_scan() {
        let mut m = Marks { bits: vec![0; 4] };
        m.set_range(3, 1);
        m.set_range(60, 70);
        m.set_range(200, 56);
        assert!(m.get(3) && !m.get(4) && m.get(60) && m.get(129) && !m.get(130));
        assert_eq!(m.next_set(0, 256), 3);
        assert_eq!(m.next_set(4, 256), 60);
        assert_eq!(m.next_set(130, 256), 200);
        assert_eq!(m.next_set(130, 150), 150);
        assert_eq!(m.next_set(255, 256), 255);
        m.bits[3] = 0;
        assert_eq!(
            m.next_set(130, 1000),
            256,
            "past the bitmap reads as marked"
        );
        assert_eq!(m.next_set(1000, 2000), 1000);
        assert!(m.get(256) && !m.set(256));
        assert!(m.set(130) && !m.set(130) && m.get(130));
    }
}
