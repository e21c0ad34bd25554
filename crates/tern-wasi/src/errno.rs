//! WASI preview 1 error numbers and the mapping from host I/O errors.

use std::io;

/// A `wasi_snapshot_preview1` errno (the `errno` enum of the witx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
#[allow(dead_code, reason = "the full enum documents the ABI")]
pub(crate) enum Errno {
    Success = 0,
    TooBig = 1,
    Acces = 2,
    Again = 6,
    Already = 7,
    Badf = 8,
    Busy = 10,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    Ilseq = 25,
    Inprogress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    Isdir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    Nametoolong = 37,
    Nodev = 43,
    Noent = 44,
    Nomem = 48,
    Nospc = 51,
    Nosys = 52,
    Notdir = 54,
    Notempty = 55,
    Notsock = 57,
    Notsup = 58,
    Notty = 59,
    Nxio = 60,
    Overflow = 61,
    Perm = 63,
    Pipe = 64,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Txtbsy = 74,
    Xdev = 75,
    Notcapable = 76,
}

impl Errno {
    /// The errno as the `i32` a WASI function returns.
    pub(crate) fn code(self) -> i32 {
        self as u16 as i32
    }
}

/// The result of a WASI operation: success or an errno.
pub(crate) type WasiResult<T> = Result<T, Errno>;

/// The return value of a WASI function for `r`.
pub(crate) fn code(r: WasiResult<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        Errno::from(&e)
    }
}

impl From<&io::Error> for Errno {
    /// Maps a host error to the errno Wasmtime gives for it: the OS errno
    /// when there is one, else by kind. A sandbox escape refused by
    /// `cap-std` ("a path led outside of the filesystem") has kind
    /// `PermissionDenied` and no OS errno, so it becomes `EPERM`, as in
    /// Wasmtime.
    fn from(e: &io::Error) -> Errno {
        if let Some(raw) = e.raw_os_error()
            && let Some(errno) = from_raw_os_error(raw)
        {
            return errno;
        }
        match e.kind() {
            io::ErrorKind::NotFound => Errno::Noent,
            io::ErrorKind::PermissionDenied => Errno::Perm,
            io::ErrorKind::AlreadyExists => Errno::Exist,
            io::ErrorKind::InvalidInput => Errno::Inval,
            _ => Errno::Io,
        }
    }
}

/// The WASI errno for a host (Linux/POSIX) errno, where WASI has one that
/// Wasmtime maps it to.
#[cfg(unix)]
fn from_raw_os_error(raw: i32) -> Option<Errno> {
    // Linux errno values (the same on the other Unix-likes for these,
    // except the few guarded below).
    Some(match raw {
        1 => Errno::Perm,
        2 => Errno::Noent,
        4 => Errno::Intr,
        5 => Errno::Io,
        9 => Errno::Badf,
        12 => Errno::Nomem,
        13 => Errno::Acces,
        16 => Errno::Busy,
        17 => Errno::Exist,
        18 => Errno::Xdev,
        20 => Errno::Notdir,
        21 => Errno::Isdir,
        22 => Errno::Inval,
        26 => Errno::Txtbsy,
        27 => Errno::Fbig,
        28 => Errno::Nospc,
        29 => Errno::Spipe,
        30 => Errno::Rofs,
        31 => Errno::Mlink,
        32 => Errno::Pipe,
        _ => return from_raw_os_error_platform(raw),
    })
}

#[cfg(target_os = "linux")]
fn from_raw_os_error_platform(raw: i32) -> Option<Errno> {
    Some(match raw {
        36 => Errno::Nametoolong,
        39 => Errno::Notempty,
        40 => Errno::Loop,
        75 => Errno::Overflow,
        84 => Errno::Ilseq,
        95 => Errno::Notsup,
        114 => Errno::Already,
        115 => Errno::Inprogress,
        _ => return None,
    })
}

#[cfg(all(unix, not(target_os = "linux")))]
fn from_raw_os_error_platform(raw: i32) -> Option<Errno> {
    // BSD and macOS numbering.
    Some(match raw {
        62 => Errno::Loop,
        63 => Errno::Nametoolong,
        66 => Errno::Notempty,
        _ => return None,
    })
}

#[cfg(not(unix))]
fn from_raw_os_error(_raw: i32) -> Option<Errno> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_like_wasmtime() {
        assert_eq!(Errno::from(io::Error::from_raw_os_error(2)), Errno::Noent);
        assert_eq!(
            Errno::from(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "a path led outside of the filesystem"
            )),
            Errno::Perm
        );
        assert_eq!(Errno::from(io::Error::other("x")), Errno::Io);
        assert_eq!(Errno::Notcapable.code(), 76);
        assert_eq!(code(Err(Errno::Badf)), 8);
        assert_eq!(code(Ok(())), 0);
    }
}
