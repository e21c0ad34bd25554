//! The descriptor table: what each guest file descriptor refers to.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal as _, Write as _};

use cap_std::fs::Dir;

use crate::ctx::{DirPerms, FilePerms, MemoryInputPipe, MemoryOutputPipe};
use crate::errno::{Errno, WasiResult};

/// Which of the host's standard streams.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StdStream {
    Stdout,
    Stderr,
}

/// Where the guest's stdin comes from.
#[derive(Debug)]
pub(crate) enum Input {
    /// End of file at once.
    Empty,
    /// The host's stdin.
    Inherit,
    /// Bytes in memory.
    Memory(MemoryInputPipe),
}

impl Input {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> WasiResult<usize> {
        match self {
            Input::Empty => Ok(0),
            Input::Inherit => {
                use std::io::Read as _;
                Ok(std::io::stdin().lock().read(buf)?)
            }
            Input::Memory(p) => Ok(p.read(buf)),
        }
    }
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self, Input::Inherit) && std::io::stdin().is_terminal()
    }
}

/// Where the guest's stdout or stderr goes.
#[derive(Debug)]
pub(crate) enum Output {
    /// Discarded.
    Sink,
    /// The host's stream, flushed after every write.
    Inherit(StdStream),
    /// Captured in memory.
    Memory(MemoryOutputPipe),
}

impl Output {
    pub(crate) fn write(&mut self, bytes: &[u8]) -> WasiResult<()> {
        match self {
            Output::Sink => {}
            Output::Inherit(StdStream::Stdout) => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()?;
            }
            Output::Inherit(StdStream::Stderr) => {
                let mut err = std::io::stderr().lock();
                err.write_all(bytes)?;
                err.flush()?;
            }
            Output::Memory(p) => p.append(bytes),
        }
        Ok(())
    }
    pub(crate) fn is_terminal(&self) -> bool {
        match self {
            Output::Inherit(StdStream::Stdout) => std::io::stdout().is_terminal(),
            Output::Inherit(StdStream::Stderr) => std::io::stderr().is_terminal(),
            _ => false,
        }
    }
}

/// An open regular file (or other non-directory) and its state.
#[derive(Debug)]
pub(crate) struct FileDesc {
    pub(crate) file: std::fs::File,
    /// The guest's file offset (reads and writes are positional).
    pub(crate) position: u64,
    /// Writes go to the end of the file.
    pub(crate) append: bool,
    /// The guest asked for non-blocking I/O (recorded, reported by
    /// `fd_fdstat_get`; file I/O does not block anyway).
    pub(crate) nonblock: bool,
    /// Opened for reading / writing.
    pub(crate) read: bool,
    pub(crate) write: bool,
    /// The permissions of the preopen it was opened beneath.
    pub(crate) perms: FilePerms,
}

/// An open directory: a preopen or one opened by `path_open`.
#[derive(Debug)]
pub(crate) struct DirDesc {
    pub(crate) dir: Dir,
    /// The guest path of a preopened directory.
    pub(crate) preopen: Option<String>,
    pub(crate) dir_perms: DirPerms,
    pub(crate) file_perms: FilePerms,
}

/// What a file descriptor refers to.
#[derive(Debug)]
pub(crate) enum Descriptor {
    Stdin(Input),
    Stdout(Output),
    Stderr(Output),
    File(FileDesc),
    Dir(DirDesc),
}

/// The guest's file descriptors. Numbers are allocated like Wasmtime does:
/// the highest previously freed number first, else one past the highest in
/// use.
#[derive(Debug, Default)]
pub(crate) struct FdTable {
    used: BTreeMap<u32, Descriptor>,
    free: BTreeSet<u32>,
}

impl FdTable {
    /// Inserts `desc` and returns its number.
    pub(crate) fn push(&mut self, desc: Descriptor) -> u32 {
        let fd = match self.free.pop_last() {
            Some(fd) => fd,
            None => match self.used.last_key_value() {
                Some((&last, _)) => match last.checked_add(1) {
                    Some(fd) => fd,
                    // Every number up to u32::MAX was handed out once: find
                    // a hole (there is one, since the table cannot hold
                    // 2^32 entries in memory).
                    None => (0..u32::MAX)
                        .rev()
                        .find(|fd| !self.used.contains_key(fd))
                        .unwrap_or(0),
                },
                None => 0,
            },
        };
        self.used.insert(fd, desc);
        fd
    }

    /// Inserts `desc` unless the table is implausibly full (`EMFILE`).
    pub(crate) fn try_push(&mut self, desc: Descriptor) -> WasiResult<u32> {
        if self.used.len() >= u32::MAX as usize {
            return Err(Errno::Mfile);
        }
        Ok(self.push(desc))
    }

    pub(crate) fn get(&self, fd: u32) -> WasiResult<&Descriptor> {
        self.used.get(&fd).ok_or(Errno::Badf)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Descriptor> {
        self.used.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// The open file `fd` (`EBADF` for anything else).
    pub(crate) fn file(&mut self, fd: u32) -> WasiResult<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            _ => Err(Errno::Badf),
        }
    }

    /// The open file `fd` for seeking: `ESPIPE` for the standard streams,
    /// `EBADF` for directories (as Wasmtime).
    pub(crate) fn seekable(&mut self, fd: u32) -> WasiResult<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            Descriptor::Stdin(_) | Descriptor::Stdout(_) | Descriptor::Stderr(_) => {
                Err(Errno::Spipe)
            }
            Descriptor::Dir(_) => Err(Errno::Badf),
        }
    }

    /// The open directory `fd` (`EBADF` for anything else).
    pub(crate) fn dir(&self, fd: u32) -> WasiResult<&DirDesc> {
        match self.get(fd)? {
            Descriptor::Dir(d) => Ok(d),
            _ => Err(Errno::Badf),
        }
    }

    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        let desc = self.used.remove(&fd).ok_or(Errno::Badf)?;
        self.free.insert(fd);
        Ok(desc)
    }

    /// Moves `from` to `to`, closing what `to` was (both must be open).
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        if !self.used.contains_key(&from) || !self.used.contains_key(&to) {
            return Err(Errno::Badf);
        }
        if from == to {
            return Ok(());
        }
        let desc = self.remove(from)?;
        self.free.remove(&to);
        self.used.insert(to, desc);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_reused_like_wasmtime() {
        let mut t = FdTable::default();
        for _ in 0..5 {
            t.push(Descriptor::Stdin(Input::Empty));
        }
        t.remove(1).unwrap();
        t.remove(3).unwrap();
        assert_eq!(t.push(Descriptor::Stdin(Input::Empty)), 3);
        assert_eq!(t.push(Descriptor::Stdin(Input::Empty)), 1);
        assert_eq!(t.push(Descriptor::Stdin(Input::Empty)), 5);
        assert_eq!(t.remove(9).unwrap_err(), Errno::Badf);
        t.renumber(5, 0).unwrap();
        assert!(t.get(5).is_err());
        assert!(t.get(0).is_ok());
        assert_eq!(t.push(Descriptor::Stdin(Input::Empty)), 5);
        assert_eq!(t.renumber(7, 0).unwrap_err(), Errno::Badf);
    }
}
