//! Guest memory access for the WASI functions. Every pointer and length
//! from the guest is bounds-checked: an out-of-bounds range is `EFAULT`,
//! never a panic.

use tern::{Caller, Memory};

use crate::WasiCtx;
use crate::errno::{Errno, WasiResult};

/// The accessor from the store's data to its [`WasiCtx`].
pub(crate) type GetCtx<T> = dyn Fn(&mut T) -> &mut WasiCtx + Send + Sync;

/// The context of one WASI call: the caller, its exported memory, and the
/// way to its [`WasiCtx`].
pub(crate) struct Cx<'c, 'a, T> {
    caller: &'c mut Caller<'a, T>,
    memory: Memory,
    get: &'c GetCtx<T>,
}

/// The most bytes a single read or write moves (a guest asking for more
/// gets a short read or write, which WASI allows): bounds what one call
/// allocates on the host.
pub(crate) const MAX_IO: usize = 64 << 20;

impl<'c, 'a, T> Cx<'c, 'a, T> {
    /// The context for a call from `caller`, which must export its memory
    /// as `memory` (as every WASI program does; Wasmtime traps otherwise).
    pub(crate) fn new(caller: &'c mut Caller<'a, T>, get: &'c GetCtx<T>) -> tern::Result<Self> {
        let memory = caller
            .get_export("memory")
            .and_then(|e| e.into_memory())
            .ok_or_else(|| {
                tern::Error::msg("a WASI function was called by a module without a `memory` export")
            })?;
        Ok(Cx {
            caller,
            memory,
            get,
        })
    }

    /// The guest's WASI context.
    pub(crate) fn ctx(&mut self) -> &mut WasiCtx {
        (self.get)(self.caller.data_mut())
    }

    fn bytes(&self) -> &[u8] {
        self.memory.data(&*self.caller)
    }

    /// The `len` bytes at `ptr`.
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        self.bytes().get(start..end).ok_or(Errno::Fault)
    }

    /// Checks that `len` bytes at `ptr` are in bounds.
    pub(crate) fn check(&self, ptr: u32, len: u32) -> WasiResult<()> {
        self.slice(ptr, len).map(|_| ())
    }

    fn read_array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let s = self.slice(ptr, N as u32)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.read_array::<1>(ptr)?[0])
    }
    pub(crate) fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.read_array(ptr)?))
    }
    pub(crate) fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.read_array(ptr)?))
    }
    pub(crate) fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.read_array(ptr)?))
    }

    /// A guest string: `EFAULT` if out of bounds, `EILSEQ` if not UTF-8 (as
    /// Wasmtime).
    pub(crate) fn read_string(&self, ptr: u32, len: u32) -> WasiResult<String> {
        let bytes = self.slice(ptr, len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Errno::Ilseq)
    }

    /// Writes `data` at `ptr`.
    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let start = ptr as usize;
        let end = start.checked_add(data.len()).ok_or(Errno::Fault)?;
        let mem = self.memory.data_mut(&mut *self.caller);
        mem.get_mut(start..end)
            .ok_or(Errno::Fault)?
            .copy_from_slice(data);
        Ok(())
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }
    pub(crate) fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// The `(ptr, len)` buffers of an iovec/ciovec array, each checked to
    /// be in bounds.
    pub(crate) fn iovecs(&self, iovs: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        let size = count.checked_mul(8).ok_or(Errno::Fault)?;
        self.check(iovs, size)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = iovs + 8 * i;
            let (ptr, len) = (self.read_u32(at)?, self.read_u32(at + 4)?);
            self.check(ptr, len)?;
            out.push((ptr, len));
        }
        Ok(out)
    }

    /// The concatenated contents of a ciovec array (what `fd_write` writes),
    /// up to [`MAX_IO`] bytes (the guest sees a short write beyond that, so
    /// repeating one buffer many times cannot exhaust host memory).
    pub(crate) fn gather(&self, iovs: u32, count: u32) -> WasiResult<Vec<u8>> {
        let bufs = self.iovecs(iovs, count)?;
        let total = read_len(&bufs);
        let mut out = Vec::with_capacity(total);
        for (ptr, len) in bufs {
            let take = (len as usize).min(total - out.len());
            out.extend_from_slice(self.slice(ptr, take as u32)?);
            if out.len() == total {
                break;
            }
        }
        Ok(out)
    }

    /// Copies `data` into the buffers of an iovec array, in order.
    pub(crate) fn scatter(&mut self, bufs: &[(u32, u32)], mut data: &[u8]) -> WasiResult<()> {
        for &(ptr, len) in bufs {
            if data.is_empty() {
                break;
            }
            let n = data.len().min(len as usize);
            self.write(ptr, &data[..n])?;
            data = &data[n..];
        }
        Ok(())
    }
}

/// The total length of iovec buffers, capped at [`MAX_IO`].
pub(crate) fn read_len(bufs: &[(u32, u32)]) -> usize {
    bufs.iter()
        .map(|&(_, len)| len as usize)
        .sum::<usize>()
        .min(MAX_IO)
}
