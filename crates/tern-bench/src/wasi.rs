//! Minimal WASI preview1 stubs shared by every runtime adapter. They work on
//! the guest's linear memory as a byte slice: `fd_write` writes nothing
//! anywhere (stdout is kept in memory, up to 64 KiB, so a setup run can
//! check it) but reports every byte as written, `poll_oneoff` reports no events, and
//! `random_get` fills the buffer from a deterministic xorshift generator.

/// `errno` success.
pub const ESUCCESS: i32 = 0;
/// `errno` for a bad address.
pub const EFAULT: i32 = 21;

fn read_u32(mem: &[u8], addr: u32) -> Option<u32> {
    let a = addr as usize;
    let b = mem.get(a..a.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn write_u32(mem: &mut [u8], addr: u32, v: u32) -> Option<()> {
    let a = addr as usize;
    mem.get_mut(a..a.checked_add(4)?)?
        .copy_from_slice(&v.to_le_bytes());
    Some(())
}

/// Most stdout bytes kept by [`fd_write`].
pub const STDOUT_CAP: usize = 64 << 10;

/// `fd_write(fd, iovs, iovs_len, nwritten) -> errno`: sums the iovec
/// lengths into `*nwritten`; bytes written to fd 1 are appended to `stdout`
/// while it holds less than [`STDOUT_CAP`] bytes.
pub fn fd_write(
    mem: &mut [u8],
    stdout: &mut Vec<u8>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> i32 {
    let mut total: u32 = 0;
    for i in 0..iovs_len as u32 {
        let entry = (iovs as u32).wrapping_add(i * 8);
        let (Some(ptr), Some(len)) = (read_u32(mem, entry), read_u32(mem, entry.wrapping_add(4)))
        else {
            return EFAULT;
        };
        if fd == 1 && stdout.len() < STDOUT_CAP {
            let (a, n) = (ptr as usize, len as usize);
            match mem.get(a..a.saturating_add(n)) {
                Some(bytes) => stdout.extend_from_slice(bytes),
                None => return EFAULT,
            }
        }
        total = total.wrapping_add(len);
    }
    match write_u32(mem, nwritten as u32, total) {
        Some(()) => ESUCCESS,
        None => EFAULT,
    }
}

/// `poll_oneoff(in, out, nsubscriptions, nevents) -> errno`: no events.
pub fn poll_oneoff(mem: &mut [u8], _in: i32, _out: i32, _nsubs: i32, nevents: i32) -> i32 {
    match write_u32(mem, nevents as u32, 0) {
        Some(()) => ESUCCESS,
        None => EFAULT,
    }
}

/// `random_get(buf, len) -> errno`: deterministic pseudo-random bytes.
pub fn random_get(mem: &mut [u8], rng: &mut u64, buf: i32, len: i32) -> i32 {
    let start = buf as u32 as usize;
    let Some(end) = start.checked_add(len as u32 as usize) else {
        return EFAULT;
    };
    let Some(out) = mem.get_mut(start..end) else {
        return EFAULT;
    };
    for b in out {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *b = *rng as u8;
    }
    ESUCCESS
}
