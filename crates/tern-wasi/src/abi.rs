//! Constants and record layouts of the `wasi_snapshot_preview1` ABI.

/// `filetype`
pub(crate) mod filetype {
    pub(crate) const UNKNOWN: u8 = 0;
    pub(crate) const BLOCK_DEVICE: u8 = 1;
    pub(crate) const CHARACTER_DEVICE: u8 = 2;
    pub(crate) const DIRECTORY: u8 = 3;
    pub(crate) const REGULAR_FILE: u8 = 4;
    pub(crate) const SOCKET_STREAM: u8 = 6;
    pub(crate) const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags`
pub(crate) mod fdflags {
    pub(crate) const APPEND: u16 = 1;
    pub(crate) const DSYNC: u16 = 2;
    pub(crate) const NONBLOCK: u16 = 4;
    pub(crate) const RSYNC: u16 = 8;
    pub(crate) const SYNC: u16 = 16;
    pub(crate) const ALL: u16 = 31;
}

/// `oflags`
pub(crate) mod oflags {
    pub(crate) const CREAT: u16 = 1;
    pub(crate) const DIRECTORY: u16 = 2;
    pub(crate) const EXCL: u16 = 4;
    pub(crate) const TRUNC: u16 = 8;
    pub(crate) const ALL: u16 = 15;
}

/// `lookupflags`
pub(crate) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags`
pub(crate) mod fstflags {
    pub(crate) const ATIM: u16 = 1;
    pub(crate) const ATIM_NOW: u16 = 2;
    pub(crate) const MTIM: u16 = 4;
    pub(crate) const MTIM_NOW: u16 = 8;
    pub(crate) const ALL: u16 = 15;
}

/// `rights`
pub(crate) mod rights {
    pub(crate) const FD_DATASYNC: u64 = 1 << 0;
    pub(crate) const FD_READ: u64 = 1 << 1;
    pub(crate) const FD_SEEK: u64 = 1 << 2;
    pub(crate) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub(crate) const FD_SYNC: u64 = 1 << 4;
    pub(crate) const FD_TELL: u64 = 1 << 5;
    pub(crate) const FD_WRITE: u64 = 1 << 6;
    pub(crate) const FD_ADVISE: u64 = 1 << 7;
    pub(crate) const FD_ALLOCATE: u64 = 1 << 8;
    pub(crate) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub(crate) const PATH_CREATE_FILE: u64 = 1 << 10;
    pub(crate) const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub(crate) const PATH_LINK_TARGET: u64 = 1 << 12;
    pub(crate) const PATH_OPEN: u64 = 1 << 13;
    pub(crate) const FD_READDIR: u64 = 1 << 14;
    pub(crate) const PATH_READLINK: u64 = 1 << 15;
    pub(crate) const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub(crate) const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub(crate) const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub(crate) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub(crate) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub(crate) const FD_FILESTAT_GET: u64 = 1 << 21;
    pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub(crate) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub(crate) const PATH_SYMLINK: u64 = 1 << 24;
    pub(crate) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub(crate) const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub(crate) const POLL_FD_READWRITE: u64 = 1 << 27;
    pub(crate) const ALL: u64 = (1 << 30) - 1;

    /// What Wasmtime reports for a preopened directory.
    pub(crate) const PREOPEN_BASE: u64 = PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES;
    /// What Wasmtime reports as inheritable from a preopened directory.
    pub(crate) const PREOPEN_INHERITING: u64 = PREOPEN_BASE
        | FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
}

/// `whence`
pub(crate) mod whence {
    pub(crate) const SET: u32 = 0;
    pub(crate) const CUR: u32 = 1;
    pub(crate) const END: u32 = 2;
}

/// `clockid`
pub(crate) mod clockid {
    pub(crate) const REALTIME: u32 = 0;
    pub(crate) const MONOTONIC: u32 = 1;
    pub(crate) const PROCESS_CPUTIME: u32 = 2;
    pub(crate) const THREAD_CPUTIME: u32 = 3;
}

/// `eventtype`
pub(crate) mod eventtype {
    pub(crate) const CLOCK: u8 = 0;
    pub(crate) const FD_READ: u8 = 1;
    pub(crate) const FD_WRITE: u8 = 2;
}

/// `subclockflags`
pub(crate) const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
/// `eventrwflags`
pub(crate) const FD_READWRITE_HANGUP: u16 = 1;

/// `riflags` (`RECV_PEEK | RECV_WAITALL`)
pub(crate) const RIFLAGS_ALL: u32 = 3;
/// `sdflags` (`RD | WR`)
pub(crate) const SDFLAGS_ALL: u32 = 3;
/// The number of `signal` values.
pub(crate) const SIGNAL_COUNT: u32 = 31;
/// The number of `advice` values.
pub(crate) const ADVICE_COUNT: u32 = 6;

/// Size of a `filestat` record.
pub(crate) const FILESTAT_SIZE: usize = 64;
/// Size of a `dirent` header (the name follows it).
pub(crate) const DIRENT_SIZE: usize = 24;
/// Size of a `subscription` record.
pub(crate) const SUBSCRIPTION_SIZE: u32 = 48;
/// Size of an `event` record.
pub(crate) const EVENT_SIZE: u32 = 32;

/// A `filestat` record.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Filestat {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
}

impl Filestat {
    /// The record's bytes in guest memory.
    pub(crate) fn encode(&self) -> [u8; FILESTAT_SIZE] {
        let mut b = [0u8; FILESTAT_SIZE];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        b
    }
}

/// An `fdstat` record's bytes.
pub(crate) fn fdstat(filetype: u8, flags: u16, base: u64, inheriting: u64) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0] = filetype;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    b
}

/// A `dirent` header's bytes.
pub(crate) fn dirent(next: u64, ino: u64, namlen: u32, filetype: u8) -> [u8; DIRENT_SIZE] {
    let mut b = [0u8; DIRENT_SIZE];
    b[0..8].copy_from_slice(&next.to_le_bytes());
    b[8..16].copy_from_slice(&ino.to_le_bytes());
    b[16..20].copy_from_slice(&namlen.to_le_bytes());
    b[20] = filetype;
    b
}
