//! Linear memories: [`Memory`] handles and their store entries.

use super::store::{AsContext, AsContextMut, StoreId};
use super::{Growth, MemoryType, Store, StoreInner};
use crate::error::{Error, Result};

/// A linear memory in a store.
#[derive(Debug)]
pub(crate) struct MemoryEntry {
    /// The memory's bytes. Invariant: the spare capacity beyond `len` is
    /// zero (allocated zeroed, and only ever reached through `grow`), so
    /// growing within the capacity only sets the length.
    pub data: Vec<u8>,
    pub ty: MemoryType,
}

impl MemoryEntry {
    /// The largest number of pages this memory may ever have.
    fn page_limit(&self) -> u64 {
        let absolute = if self.ty.is64 {
            1u64 << (48 - self.ty.page_size_log2)
        } else {
            1u64 << (32 - self.ty.page_size_log2)
        };
        self.ty.max.unwrap_or(absolute).min(absolute)
    }

    pub(crate) fn new(ty: MemoryType) -> Result<MemoryEntry> {
        let mut m = MemoryEntry {
            data: Vec::new(),
            ty,
        };
        if m.grow(ty.min).is_none() {
            return Err(Error::too_large(format!("memory of {} pages", ty.min)));
        }
        m.ty.min = ty.min;
        Ok(m)
    }

    /// Size in pages.
    pub(crate) fn pages(&self) -> u64 {
        (self.data.len() as u64) >> self.ty.page_size_log2
    }

    /// Whether growing by `delta` pages stays within the memory's limits.
    pub(crate) fn fits(&self, delta: u64) -> bool {
        self.pages()
            .checked_add(delta)
            .is_some_and(|new| new <= self.page_limit())
    }

    /// The size in bytes after growing by `delta` pages, and the maximum
    /// in bytes: what a [`crate::ResourceLimiter`] is asked about.
    pub(crate) fn desired_bytes(&self, delta: u64) -> (u64, Option<u64>) {
        let page = 1u64 << self.ty.page_size_log2;
        let desired = self.pages().saturating_add(delta).saturating_mul(page);
        (desired, self.ty.max.map(|p| p.saturating_mul(page)))
    }

    /// Grows by `delta` pages; returns the old size, or `None` if the
    /// limit is exceeded or memory cannot be allocated.
    pub(crate) fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if !self.fits(delta) {
            return None;
        }
        let page = 1u64 << self.ty.page_size_log2;
        let bytes = usize::try_from(new.checked_mul(page)?).ok()?;
        if bytes > self.data.capacity() {
            // Double (within the limit) so that a program growing a few
            // pages at a time (C's `sbrk`) copies its memory O(log n)
            // times, not once per grow. The spare room costs address
            // space only: zeroed allocations are fresh pages until touched.
            let limit =
                usize::try_from(self.page_limit().saturating_mul(page)).unwrap_or(usize::MAX);
            let doubled = self.data.len().saturating_mul(2).min(limit);
            let mut grown =
                zeroed_bytes(bytes.max(doubled), bytes).or_else(|| zeroed_bytes(bytes, bytes))?;
            grown[..self.data.len()].copy_from_slice(&self.data);
            self.data = grown;
        } else if bytes > self.data.len() {
            // SAFETY: `bytes` is within the capacity, whose spare part is
            // zero (the field's invariant): initialized bytes.
            unsafe { self.data.set_len(bytes) };
        }
        Some(old)
    }
}

/// A zero-filled byte vector of length `len` and capacity `capacity` (at
/// least `len`), every byte of it zero, or `None` if it cannot be
/// allocated. Uses the allocator's zeroed allocation, so large memories are
/// backed by fresh pages that cost nothing until they are touched.
fn zeroed_bytes(capacity: usize, len: usize) -> Option<Vec<u8>> {
    debug_assert!(len <= capacity);
    if capacity == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<u8>(capacity).ok()?;
    // SAFETY: `layout` has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of
    // `[u8; capacity]`, and the first `len <= capacity` bytes are
    // initialized (zero).
    Some(unsafe { Vec::from_raw_parts(ptr, len, capacity) })
}

/// A WebAssembly linear memory in a [`crate::Store`].
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Memory {
    /// Creates a memory.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let store = store.as_context_mut().0;
        store.limit_counts(0, 1, 0)?;
        limit_initial_memory(store, ty)?;
        let entry = MemoryEntry::new(ty)?;
        Memory::push(&mut store.inner, entry)
    }

    pub(crate) fn push(store: &mut StoreInner, entry: MemoryEntry) -> Result<Memory> {
        let index = store.push_memory(entry)?;
        Ok(Memory {
            store: store.id(),
            index,
        })
    }

    fn entry<'s>(&self, store: &'s StoreInner) -> Option<&'s MemoryEntry> {
        store
            .entity(self.store, store.memories(), self.index, "memory")
            .ok()
    }

    /// The memory's type (with its current size as minimum).
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let store = &store.as_context().0.inner;
        self.entry(store)
            .map(|e| {
                let mut t = e.ty;
                t.min = e.pages();
                t
            })
            .unwrap_or(MemoryType::new(0, Some(0)))
    }

    /// Size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entry(&store.as_context().0.inner)
            .map_or(0, |e| e.pages())
    }

    /// Size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.entry(&store.as_context().0.inner)
            .map_or(0, |e| e.data.len())
    }

    /// The memory's bytes.
    pub fn data<'a, T: 'a>(&self, store: impl Into<super::StoreContext<'a, T>>) -> &'a [u8] {
        let store = store.into().0;
        self.entry(&store.inner).map_or(&[], |e| &e.data)
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<super::StoreContextMut<'a, T>>,
    ) -> &'a mut [u8] {
        let store = store.into().0;
        if store.inner.id() != self.store {
            return &mut [];
        }
        match store.inner.memories_mut().get_mut(self.index as usize) {
            Some(e) => &mut e.data,
            None => &mut [],
        }
    }

    /// Grows by `delta` pages, returning the old size in pages.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let store = store.as_context_mut().0;
        let inner = &store.inner;
        inner.entity(self.store, inner.memories(), self.index, "memory")?;
        store
            .grow_memory(self.index as usize, delta, false)?
            .ok_or_else(|| Error::usage("failed to grow memory"))
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<()> {
        let store = &store.as_context().0.inner;
        store.check(self.store)?;
        let data = self.entry(store).map_or(&[][..], |e| &e.data);
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or_else(|| Error::usage("out of bounds memory access"))?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buf` into memory at `offset`.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        store.check(self.store)?;
        let e = store
            .memories_mut()
            .get_mut(self.index as usize)
            .ok_or_else(|| Error::usage("invalid memory handle"))?;
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| e.data.get_mut(offset..end))
            .ok_or_else(|| Error::usage("out of bounds memory access"))?;
        dst.copy_from_slice(buf);
        Ok(())
    }
}

impl<'a, T> From<&'a super::Store<T>> for super::StoreContext<'a, T> {
    fn from(s: &'a super::Store<T>) -> Self {
        super::StoreContext(s)
    }
}
impl<'a, T> From<&'a mut super::Store<T>> for super::StoreContext<'a, T> {
    fn from(s: &'a mut super::Store<T>) -> Self {
        super::StoreContext(s)
    }
}
impl<'a, T> From<&'a mut super::Store<T>> for super::StoreContextMut<'a, T> {
    fn from(s: &'a mut super::Store<T>) -> Self {
        super::StoreContextMut(s)
    }
}
impl<'a, T> From<&'a mut super::Caller<'_, T>> for super::StoreContextMut<'a, T> {
    fn from(c: &'a mut super::Caller<'_, T>) -> Self {
        super::StoreContextMut(c.store)
    }
}
impl<'a, T> From<&'a super::Caller<'_, T>> for super::StoreContext<'a, T> {
    fn from(c: &'a super::Caller<'_, T>) -> Self {
        super::StoreContext(c.store)
    }
}

/// Asks the store's limiter whether a memory of type `ty` may be created
/// with its minimum size.
pub(crate) fn limit_initial_memory<T>(store: &mut Store<T>, ty: MemoryType) -> Result<()> {
    let page = 1u64 << ty.page_size_log2;
    let (min, max) = (
        ty.min.saturating_mul(page),
        ty.max.map(|p| p.saturating_mul(page)),
    );
    if store.limit_growth(Growth::Memory, 0, min, max)? {
        Ok(())
    } else {
        Err(Error::limit(format!(
            "memory minimum size of {} pages exceeds memory limits",
            ty.min
        )))
    }
}
