//! Linear-memory load and store semantics: one function each, used by the
//! compact memory-0 instructions (with the memory cached in the dispatch
//! loop) and by the generic `LoadExt`/`StoreExt` path alike.

use super::CHECKED;
use crate::error::Trap;
use crate::ir::{LoadKind, StoreKind};

/// A view of one linear memory: base pointer and length in bytes.
#[derive(Clone, Copy)]
pub(super) struct MemView {
    ptr: *mut u8,
    len: usize,
}

impl MemView {
    /// No memory: every access is out of bounds.
    pub(super) const EMPTY: MemView = MemView {
        ptr: std::ptr::null_mut(),
        len: 0,
    };

    /// A view of `data`. The view is valid until `data` is resized or
    /// borrowed again; the executor refreshes it after anything that may.
    pub(super) fn of(data: &mut [u8]) -> MemView {
        MemView {
            ptr: data.as_mut_ptr(),
            len: data.len(),
        }
    }

    /// The base pointer and length (for passing the view in two machine
    /// registers, see `thread.rs`).
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    #[inline(always)]
    pub(super) fn parts(self) -> (*mut u8, usize) {
        (self.ptr, self.len)
    }

    /// The view `parts` came from.
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    #[inline(always)]
    pub(super) fn from_parts(ptr: *mut u8, len: usize) -> MemView {
        MemView { ptr, len }
    }

    /// Whether this view still describes `data` exactly (checked builds).
    pub(super) fn describes(&self, data: &[u8]) -> bool {
        self.len == data.len() && (self.len == 0 || std::ptr::eq(self.ptr, data.as_ptr()))
    }

    /// The start of the `N` bytes that end at `end` (exclusive), or an
    /// out-of-bounds trap. The one bounds check of every access: `end` is
    /// the effective address plus the access size, so `end <= len` is
    /// exactly "all `N` bytes are inside the memory".
    ///
    /// # Safety
    /// `end >= N` (it is an address plus `N`, computed without overflow).
    #[inline(always)]
    unsafe fn at_end<const N: usize>(self, end: u64) -> Result<*mut u8, Trap> {
        if CHECKED {
            assert!(end >= N as u64, "access end {end} below its size {N}");
        }
        if end > self.len as u64 {
            return Err(Trap::MemoryOutOfBounds);
        }
        // SAFETY: `N <= end <= len` (the caller's contract and the check
        // above), and `ptr` is valid for `len` bytes (the view's contract).
        Ok(unsafe { self.ptr.add(end as usize - N) })
    }

    /// Reads the `N` bytes that end at `end`.
    ///
    /// # Safety
    /// As for [`MemView::at_end`].
    #[inline(always)]
    unsafe fn read<const N: usize>(self, end: u64) -> Result<[u8; N], Trap> {
        // SAFETY: the caller's contract.
        let p = unsafe { self.at_end::<N>(end) }?;
        // SAFETY: `at_end` checked that `N` bytes at `p` are inside the memory.
        Ok(unsafe { std::ptr::read_unaligned(p.cast::<[u8; N]>()) })
    }

    /// Writes the `N` bytes that end at `end`.
    ///
    /// # Safety
    /// As for [`MemView::at_end`].
    #[inline(always)]
    unsafe fn write<const N: usize>(self, end: u64, bytes: [u8; N]) -> Result<(), Trap> {
        // SAFETY: the caller's contract.
        let p = unsafe { self.at_end::<N>(end) }?;
        // SAFETY: as for `read`; the view is the only live access to the
        // memory while the executor runs an instruction.
        unsafe { std::ptr::write_unaligned(p.cast::<[u8; N]>(), bytes) };
        Ok(())
    }

    /// Loads a slot value of `kind` whose bytes end at `end` (the effective
    /// address plus `kind.size()`).
    ///
    /// # Safety
    /// `end >= kind.size()`.
    #[inline(always)]
    pub(super) unsafe fn load_end(self, kind: LoadKind, end: u64) -> Result<u64, Trap> {
        // SAFETY: the caller's contract, `N` being `kind.size()` in every arm.
        unsafe {
            Ok(match kind {
                LoadKind::I32 => u32::from_le_bytes(self.read(end)?) as u64,
                LoadKind::I64 => u64::from_le_bytes(self.read(end)?),
                LoadKind::U8 => u8::from_le_bytes(self.read(end)?) as u64,
                LoadKind::U16 => u16::from_le_bytes(self.read(end)?) as u64,
                LoadKind::I32S8 => i8::from_le_bytes(self.read(end)?) as i32 as u32 as u64,
                LoadKind::I32S16 => i16::from_le_bytes(self.read(end)?) as i32 as u32 as u64,
                LoadKind::I64S8 => i8::from_le_bytes(self.read(end)?) as i64 as u64,
                LoadKind::I64S16 => i16::from_le_bytes(self.read(end)?) as i64 as u64,
                LoadKind::I64S32 => i32::from_le_bytes(self.read(end)?) as i64 as u64,
            })
        }
    }

    /// Stores the low bytes of slot value `x` as `kind`, ending at `end`.
    ///
    /// # Safety
    /// `end >= kind.size()`.
    #[inline(always)]
    pub(super) unsafe fn store_end(self, kind: StoreKind, end: u64, x: u64) -> Result<(), Trap> {
        // SAFETY: the caller's contract, `N` being `kind.size()` in every arm.
        unsafe {
            match kind {
                StoreKind::B8 => self.write(end, (x as u8).to_le_bytes()),
                StoreKind::B16 => self.write(end, (x as u16).to_le_bytes()),
                StoreKind::B32 => self.write(end, (x as u32).to_le_bytes()),
                StoreKind::B64 => self.write(end, x.to_le_bytes()),
            }
        }
    }

    /// Loads a slot value of `kind` from effective address `ea` (any
    /// address: the generic path).
    #[inline(always)]
    pub(super) fn load(self, kind: LoadKind, ea: u64) -> Result<u64, Trap> {
        let end = ea.checked_add(kind.size()).ok_or(Trap::MemoryOutOfBounds)?;
        // SAFETY: `end` is `ea + kind.size()` without overflow.
        unsafe { self.load_end(kind, end) }
    }

    /// Stores the low bytes of slot value `x` as `kind` at `ea`.
    #[inline(always)]
    pub(super) fn store(self, kind: StoreKind, ea: u64, x: u64) -> Result<(), Trap> {
        let end = ea.checked_add(kind.size()).ok_or(Trap::MemoryOutOfBounds)?;
        // SAFETY: `end` is `ea + kind.size()` without overflow.
        unsafe { self.store_end(kind, end, x) }
    }

    /// The end of an `n`-byte access at effective address `ea`.
    #[inline(always)]
    fn end_of(ea: u64, n: u64) -> Result<u64, Trap> {
        ea.checked_add(n).ok_or(Trap::MemoryOutOfBounds)
    }

    /// Reads `N` bytes at effective address `ea` (SIMD lane, splat, zero
    /// and extend loads).
    #[inline(always)]
    pub(super) fn read_at<const N: usize>(self, ea: u64) -> Result<[u8; N], Trap> {
        let end = Self::end_of(ea, N as u64)?;
        // SAFETY: `end` is `ea + N` without overflow.
        unsafe { self.read(end) }
    }

    /// Writes `N` bytes at effective address `ea`.
    #[inline(always)]
    pub(super) fn write_at<const N: usize>(self, ea: u64, bytes: [u8; N]) -> Result<(), Trap> {
        let end = Self::end_of(ea, N as u64)?;
        // SAFETY: `end` is `ea + N` without overflow.
        unsafe { self.write(end, bytes) }
    }

    /// Reads 16 bytes at `ea` as a little-endian `u128`, as two 8-byte
    /// reads (a 16-byte array read compiles to byte-wise code).
    #[inline(always)]
    pub(super) fn read_u128(self, ea: u64) -> Result<u128, Trap> {
        let end = Self::end_of(ea, 16)?;
        // SAFETY: `end` is `ea + 16` without overflow.
        let p = unsafe { self.at_end::<16>(end) }?;
        // SAFETY: `at_end` checked that 16 bytes at `p` are inside the memory.
        let (lo, hi) = unsafe {
            (
                std::ptr::read_unaligned(p.cast::<[u8; 8]>()),
                std::ptr::read_unaligned(p.add(8).cast::<[u8; 8]>()),
            )
        };
        Ok(u64::from_le_bytes(lo) as u128 | (u64::from_le_bytes(hi) as u128) << 64)
    }

    /// Writes `x` as 16 little-endian bytes at `ea` (two 8-byte writes).
    #[inline(always)]
    pub(super) fn write_u128(self, ea: u64, x: u128) -> Result<(), Trap> {
        let end = Self::end_of(ea, 16)?;
        // SAFETY: `end` is `ea + 16` without overflow.
        let p = unsafe { self.at_end::<16>(end) }?;
        // SAFETY: as for `read_u128`; the view is the only live access to
        // the memory while the executor runs an instruction.
        unsafe {
            std::ptr::write_unaligned(p.cast::<[u8; 8]>(), (x as u64).to_le_bytes());
            std::ptr::write_unaligned(p.add(8).cast::<[u8; 8]>(), ((x >> 64) as u64).to_le_bytes());
        }
        Ok(())
    }
}

/// The end of a compact access (effective address plus access size): a
/// 32-bit address plus the instruction's `end` (its static offset plus the
/// access size, below 2^32 by construction), which cannot overflow a `u64`
/// and is at least the access size.
#[inline(always)]
pub(super) fn compact_end(addr: u64, end: u32) -> u64 {
    addr as u32 as u64 + end as u64
}

/// The address of an indexed access (`load_idx`/`store_idx`):
/// `(base + (index << shift)) mod 2^32`, what the `i32.shl` and `i32.add`
/// it replaces computed (the shift count taken mod 32, as `i32.shl` does).
#[inline(always)]
pub(super) fn indexed_addr(base: u64, index: u64, shift: u32) -> u64 {
    (base as u32).wrapping_add((index as u32).wrapping_shl(shift)) as u64
}

/// The effective address of a compact SIMD access: a 32-bit address plus
/// a 32-bit static offset, which cannot overflow a `u64` (SIMD accesses
/// carry the offset, not the end: their width varies by instruction).
#[inline(always)]
pub(super) fn compact_ea(addr: u64, offset: u32) -> u64 {
    addr as u32 as u64 + offset as u64
}
