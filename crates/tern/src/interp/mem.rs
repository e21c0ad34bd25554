//! Linear-memory load and store semantics: one function each, used by the
//! compact memory-0 instructions (with the memory cached in the dispatch
//! loop) and by the generic `LoadExt`/`StoreExt` path alike.

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

    /// Whether this view still describes `data` exactly (checked builds).
    pub(super) fn describes(&self, data: &[u8]) -> bool {
        self.len == data.len() && (self.len == 0 || std::ptr::eq(self.ptr, data.as_ptr()))
    }

    /// The start of the `size` bytes at `ea`, or an out-of-bounds trap.
    #[inline(always)]
    fn at(self, ea: u64, size: u64) -> Result<*mut u8, Trap> {
        match ea.checked_add(size) {
            Some(end) if end <= self.len as u64 => {
                // SAFETY: `ea + size <= len`, and `ptr` is valid for `len`
                // bytes (the view's contract).
                Ok(unsafe { self.ptr.add(ea as usize) })
            }
            _ => Err(Trap::MemoryOutOfBounds),
        }
    }

    /// Reads `N` bytes at `ea`.
    #[inline(always)]
    pub(super) fn read<const N: usize>(self, ea: u64) -> Result<[u8; N], Trap> {
        let p = self.at(ea, N as u64)?;
        // SAFETY: `at` checked that `N` bytes at `p` are inside the memory.
        Ok(unsafe { std::ptr::read_unaligned(p.cast::<[u8; N]>()) })
    }

    /// Writes `N` bytes at `ea`.
    #[inline(always)]
    pub(super) fn write<const N: usize>(self, ea: u64, bytes: [u8; N]) -> Result<(), Trap> {
        let p = self.at(ea, N as u64)?;
        // SAFETY: as for `read`; the view is the only live access to the
        // memory while the executor runs an instruction.
        unsafe { std::ptr::write_unaligned(p.cast::<[u8; N]>(), bytes) };
        Ok(())
    }

    /// Reads 16 bytes at `ea` as a little-endian `u128`, as two 8-byte
    /// reads (a 16-byte array read compiles to byte-wise code).
    #[inline(always)]
    pub(super) fn read_u128(self, ea: u64) -> Result<u128, Trap> {
        let p = self.at(ea, 16)?;
        // SAFETY: `at` checked that 16 bytes at `p` are inside the memory.
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
        let p = self.at(ea, 16)?;
        // SAFETY: as for `read_u128`; the view is the only live access to
        // the memory while the executor runs an instruction.
        unsafe {
            std::ptr::write_unaligned(p.cast::<[u8; 8]>(), (x as u64).to_le_bytes());
            std::ptr::write_unaligned(p.add(8).cast::<[u8; 8]>(), ((x >> 64) as u64).to_le_bytes());
        }
        Ok(())
    }

    /// Loads a slot value of `kind` from effective address `ea`.
    #[inline(always)]
    pub(super) fn load(self, kind: LoadKind, ea: u64) -> Result<u64, Trap> {
        Ok(match kind {
            LoadKind::I32 => u32::from_le_bytes(self.read(ea)?) as u64,
            LoadKind::I64 => u64::from_le_bytes(self.read(ea)?),
            LoadKind::U8 => u8::from_le_bytes(self.read(ea)?) as u64,
            LoadKind::U16 => u16::from_le_bytes(self.read(ea)?) as u64,
            LoadKind::I32S8 => i8::from_le_bytes(self.read(ea)?) as i32 as u32 as u64,
            LoadKind::I32S16 => i16::from_le_bytes(self.read(ea)?) as i32 as u32 as u64,
            LoadKind::I64S8 => i8::from_le_bytes(self.read(ea)?) as i64 as u64,
            LoadKind::I64S16 => i16::from_le_bytes(self.read(ea)?) as i64 as u64,
            LoadKind::I64S32 => i32::from_le_bytes(self.read(ea)?) as i64 as u64,
        })
    }

    /// Stores the low bytes of slot value `x` as `kind` at `ea`.
    #[inline(always)]
    pub(super) fn store(self, kind: StoreKind, ea: u64, x: u64) -> Result<(), Trap> {
        match kind {
            StoreKind::B8 => self.write(ea, (x as u8).to_le_bytes()),
            StoreKind::B16 => self.write(ea, (x as u16).to_le_bytes()),
            StoreKind::B32 => self.write(ea, (x as u32).to_le_bytes()),
            StoreKind::B64 => self.write(ea, x.to_le_bytes()),
        }
    }
}

/// The effective address of a compact access: a 32-bit address plus a
/// 32-bit static offset, which cannot overflow a `u64`.
#[inline(always)]
pub(super) fn compact_ea(addr: u64, offset: u32) -> u64 {
    addr as u32 as u64 + offset as u64
}
