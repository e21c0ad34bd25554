//! Allocation of contiguous type id ranges: first fit over a set of free
//! ranges, coalescing neighbours on free, and lowering the high-water mark
//! when the topmost range is freed (so an empty registry has no ids in use).

use std::collections::BTreeMap;

/// A type id as a plain number: ranges are allocated by arithmetic.
type TypeId = u32;

/// Ids at or above this are never handed out (room for sentinels).
const ID_LIMIT: u32 = u32::MAX - 1;

#[derive(Debug, Default)]
pub(super) struct IdAllocator {
    /// Free ranges below `next`: start -> length. Never adjacent to each
    /// other, never ending at `next`.
    free: BTreeMap<TypeId, u32>,
    /// Every id at or above this is free.
    next: TypeId,
}

impl IdAllocator {
    /// Allocates `n` contiguous ids; `None` when the id space is exhausted.
    /// An empty range needs no ids and gets a start of 0.
    pub(super) fn alloc(&mut self, n: u32) -> Option<TypeId> {
        if n == 0 {
            return Some(0);
        }
        let fit = self
            .free
            .iter()
            .find(|&(_, &len)| len >= n)
            .map(|(&start, &len)| (start, len));
        if let Some((start, len)) = fit {
            self.free.remove(&start);
            if len > n {
                self.free.insert(start + n, len - n);
            }
            return Some(start);
        }
        let start = self.next;
        let end = start.checked_add(n).filter(|&e| e <= ID_LIMIT)?;
        self.next = end;
        Some(start)
    }

    /// Frees `start..start+n`, which must have been allocated.
    pub(super) fn free(&mut self, start: TypeId, n: u32) {
        if n == 0 {
            return;
        }
        let mut lo = start;
        let mut len = n;
        if let Some((&ps, &pl)) = self.free.range(..start).next_back()
            && ps + pl == start
        {
            self.free.remove(&ps);
            lo = ps;
            len += pl;
        }
        if let Some(nl) = self.free.remove(&(start + n)) {
            len += nl;
        }
        if lo + len == self.next {
            self.next = lo;
        } else {
            self.free.insert(lo, len);
        }
    }

    /// One past the highest id that may be in use.
    pub(super) fn high_water(&self) -> TypeId {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuse_and_coalesce() {
        let mut a = IdAllocator::default();
        let x = a.alloc(3).unwrap();
        let y = a.alloc(2).unwrap();
        let z = a.alloc(4).unwrap();
        assert_eq!((x, y, z), (0, 3, 5));
        a.free(y, 2);
        assert_eq!(a.alloc(1), Some(3));
        assert_eq!(a.alloc(2), Some(9));
        a.free(3, 1);
        a.free(x, 3);
        assert_eq!(a.free.get(&0), Some(&5));
        a.free(9, 2);
        a.free(z, 4);
        assert_eq!(a.high_water(), 0);
        assert!(a.free.is_empty());
    }
}
