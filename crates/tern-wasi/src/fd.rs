//! The `fd_*` functions: reading, writing, seeking and inspecting open
//! descriptors.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::FileExt as _;

use cap_fs_ext::{DirExt as _, SystemTimeSpec};
use cap_std::fs::Metadata;

use crate::abi::{self, Filestat, fdflags, filetype, fstflags, rights, whence};
use crate::errno::{Errno, WasiResult};
use crate::memory::{Cx, read_len};
use crate::table::{Descriptor, DirDesc, FileDesc};
use crate::{DirPerms, FilePerms};

/// `filestat` of host metadata.
pub(crate) fn filestat(meta: &Metadata) -> Filestat {
    use cap_std::fs::MetadataExt as _;
    let ts = |s: i64, ns: i64| -> u64 {
        u64::try_from(s)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::try_from(ns).unwrap_or(0))
    };
    Filestat {
        dev: meta.dev(),
        ino: meta.ino(),
        filetype: filetype_of(meta.file_type()),
        nlink: meta.nlink(),
        size: meta.len(),
        atim: ts(meta.atime(), meta.atime_nsec()),
        mtim: ts(meta.mtime(), meta.mtime_nsec()),
        ctim: ts(meta.ctime(), meta.ctime_nsec()),
    }
}

/// The WASI `filetype` of a host file type.
pub(crate) fn filetype_of(ft: cap_std::fs::FileType) -> u8 {
    use cap_std::fs::FileTypeExt as _;
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ft.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

fn file_meta(f: &FileDesc) -> WasiResult<Metadata> {
    Ok(Metadata::from_file(&f.file)?)
}

/// A time to set: `None` keeps it.
pub(crate) fn time_spec(
    flags: u32,
    set: u16,
    now: u16,
    value: u64,
) -> WasiResult<Option<SystemTimeSpec>> {
    let (set, now) = (flags as u16 & set != 0, flags as u16 & now != 0);
    Ok(match (set, now) {
        (true, true) => return Err(Errno::Inval),
        (true, false) => Some(SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(value),
            ),
        )),
        (false, true) => Some(SystemTimeSpec::SymbolicNow),
        (false, false) => None,
    })
}

/// Validates `fstflags` and returns the access and modification times.
pub(crate) fn times(
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<(Option<SystemTimeSpec>, Option<SystemTimeSpec>)> {
    if flags & !(fstflags::ALL as u32) != 0 {
        return Err(Errno::Inval);
    }
    Ok((
        time_spec(flags, fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        time_spec(flags, fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

fn std_time(t: SystemTimeSpec) -> std::time::SystemTime {
    match t {
        SystemTimeSpec::SymbolicNow => std::time::SystemTime::now(),
        SystemTimeSpec::Absolute(t) => t.into_std(),
    }
}

pub(crate) fn fd_advise<T>(cx: &mut Cx<'_, '_, T>, fd: u32, advice: u32) -> WasiResult<()> {
    if advice >= abi::ADVICE_COUNT {
        return Err(Errno::Inval);
    }
    // Advice is a hint: checking the descriptor is all there is to do.
    cx.ctx().table.file(fd).map(|_| ())
}

pub(crate) fn fd_allocate<T>(cx: &mut Cx<'_, '_, T>, fd: u32) -> WasiResult<()> {
    cx.ctx().table.file(fd)?;
    Err(Errno::Notsup)
}

pub(crate) fn fd_close<T>(cx: &mut Cx<'_, '_, T>, fd: u32) -> WasiResult<()> {
    cx.ctx().table.remove(fd).map(drop)
}

pub(crate) fn fd_sync<T>(cx: &mut Cx<'_, '_, T>, fd: u32, data_only: bool) -> WasiResult<()> {
    let f = cx.ctx().table.file(fd)?;
    if data_only {
        f.file.sync_data()?;
    } else {
        f.file.sync_all()?;
    }
    Ok(())
}

pub(crate) fn fd_fdstat_get<T>(cx: &mut Cx<'_, '_, T>, fd: u32, out: u32) -> WasiResult<()> {
    let stat = match cx.ctx().table.get(fd)? {
        Descriptor::Stdin(i) => {
            let ft = tty_type(i.is_terminal());
            abi::fdstat(ft, 0, rights::FD_READ, rights::FD_READ)
        }
        Descriptor::Stdout(o) | Descriptor::Stderr(o) => {
            let ft = tty_type(o.is_terminal());
            abi::fdstat(ft, 0, rights::FD_WRITE, rights::FD_WRITE)
        }
        Descriptor::Dir(DirDesc {
            preopen: Some(_), ..
        }) => abi::fdstat(
            filetype::DIRECTORY,
            0,
            rights::PREOPEN_BASE,
            rights::PREOPEN_INHERITING,
        ),
        Descriptor::Dir(_) => {
            // Opened by path_open, for reading only.
            let base = rights::ALL
                & !(rights::FD_SEEK
                    | rights::FD_FILESTAT_SET_SIZE
                    | rights::PATH_FILESTAT_SET_SIZE
                    | rights::FD_WRITE);
            abi::fdstat(filetype::DIRECTORY, 0, base, base)
        }
        Descriptor::File(f) => {
            let ft = filetype_of(file_meta(f)?.file_type());
            let mut base = rights::ALL;
            if !f.read {
                base &= !(rights::FD_READ | rights::FD_READDIR);
            }
            if !f.write {
                base &= !rights::FD_WRITE;
            }
            let mut flags = 0;
            if f.append {
                flags |= fdflags::APPEND;
            }
            if f.nonblock {
                flags |= fdflags::NONBLOCK;
            }
            abi::fdstat(ft, flags, base, base)
        }
    };
    cx.write(out, &stat)
}

fn tty_type(tty: bool) -> u8 {
    if tty {
        filetype::CHARACTER_DEVICE
    } else {
        filetype::UNKNOWN
    }
}

pub(crate) fn fd_fdstat_set_flags<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    flags: u32,
) -> WasiResult<()> {
    if flags & !(fdflags::ALL as u32) != 0 {
        return Err(Errno::Inval);
    }
    let f = cx.ctx().table.file(fd)?;
    // Only APPEND and NONBLOCK can change (as in Wasmtime).
    if flags as u16 & (fdflags::DSYNC | fdflags::SYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::Inval);
    }
    f.append = flags as u16 & fdflags::APPEND != 0;
    f.nonblock = flags as u16 & fdflags::NONBLOCK != 0;
    Ok(())
}

pub(crate) fn fd_fdstat_set_rights<T>(cx: &mut Cx<'_, '_, T>, fd: u32) -> WasiResult<()> {
    match cx.ctx().table.get(fd)? {
        Descriptor::File(_) | Descriptor::Dir(_) => Err(Errno::Notsup),
        _ => Err(Errno::Badf),
    }
}

pub(crate) fn fd_filestat_get<T>(cx: &mut Cx<'_, '_, T>, fd: u32, out: u32) -> WasiResult<()> {
    let stat = match cx.ctx().table.get(fd)? {
        Descriptor::Stdin(i) => Filestat {
            filetype: tty_type(i.is_terminal()),
            ..Filestat::default()
        },
        Descriptor::Stdout(o) | Descriptor::Stderr(o) => Filestat {
            filetype: tty_type(o.is_terminal()),
            ..Filestat::default()
        },
        Descriptor::File(f) => filestat(&file_meta(f)?),
        Descriptor::Dir(d) => filestat(&d.dir.dir_metadata()?),
    };
    cx.write(out, &stat.encode())
}

pub(crate) fn fd_filestat_set_size<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    size: u64,
) -> WasiResult<()> {
    let f = cx.ctx().table.file(fd)?;
    if !f.perms.contains(FilePerms::WRITE) {
        return Err(Errno::Perm);
    }
    f.file.set_len(size)?;
    Ok(())
}

pub(crate) fn fd_filestat_set_times<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<()> {
    let (atime, mtime) = times(atim, mtim, flags)?;
    match cx.ctx().table.get(fd)? {
        Descriptor::File(f) => {
            if !f.perms.contains(FilePerms::WRITE) {
                return Err(Errno::Perm);
            }
            let mut t = std::fs::FileTimes::new();
            if let Some(a) = atime {
                t = t.set_accessed(std_time(a));
            }
            if let Some(m) = mtime {
                t = t.set_modified(std_time(m));
            }
            f.file.set_times(t)?;
        }
        Descriptor::Dir(d) => {
            if !d.dir_perms.contains(DirPerms::MUTATE) {
                return Err(Errno::Perm);
            }
            d.dir.set_times(".", atime, mtime)?;
        }
        _ => return Err(Errno::Badf),
    }
    Ok(())
}

/// Reads from `f` at `offset` into a buffer of up to `want` bytes, filling
/// it unless end of file comes first.
fn read_at(f: &FileDesc, offset: u64, want: usize) -> WasiResult<Vec<u8>> {
    let mut buf = vec![0u8; want];
    let mut got = 0;
    while got < want {
        let at = offset.checked_add(got as u64).ok_or(Errno::Overflow)?;
        match f.file.read_at(&mut buf[got..], at) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                if got == 0 {
                    return Err(e.into());
                }
                break;
            }
        }
    }
    buf.truncate(got);
    Ok(buf)
}

pub(crate) fn fd_read<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    iovs: u32,
    count: u32,
    nread: u32,
) -> WasiResult<()> {
    cx.check(nread, 4)?;
    let bufs = cx.iovecs(iovs, count)?;
    let want = read_len(&bufs);
    let data = match cx.ctx().table.get_mut(fd)? {
        Descriptor::File(f) => {
            let data = read_at(f, f.position, want)?;
            f.position += data.len() as u64;
            data
        }
        Descriptor::Stdin(input) => {
            // One read, which may be short (a pipe or terminal returns what
            // it has).
            let first = bufs.iter().find(|&&(_, len)| len > 0).map_or(0, |b| b.1);
            let mut buf = vec![0u8; (first as usize).min(want)];
            let n = input.read(&mut buf)?;
            buf.truncate(n);
            buf
        }
        _ => return Err(Errno::Badf),
    };
    cx.scatter(&bufs, &data)?;
    cx.write_u32(nread, data.len() as u32)
}

pub(crate) fn fd_pread<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    cx.check(nread, 4)?;
    let bufs = cx.iovecs(iovs, count)?;
    let want = read_len(&bufs);
    let data = match cx.ctx().table.get_mut(fd)? {
        Descriptor::File(f) => read_at(f, offset, want)?,
        Descriptor::Stdin(_) => return Err(Errno::Spipe),
        _ => return Err(Errno::Badf),
    };
    cx.scatter(&bufs, &data)?;
    cx.write_u32(nread, data.len() as u32)
}

/// Writes `data` to `f`: at the end of the file in append mode (also for
/// `fd_pwrite`, as on Linux), else at `offset` (the file position when
/// `offset` is `None`, which then advances).
fn write_file(f: &mut FileDesc, data: &[u8], offset: Option<u64>) -> WasiResult<()> {
    if f.append {
        let end = f.file.seek(SeekFrom::End(0))?;
        f.file.write_all(data)?;
        if offset.is_none() {
            f.position = end + data.len() as u64;
        }
    } else {
        let at = offset.unwrap_or(f.position);
        at.checked_add(data.len() as u64).ok_or(Errno::Fbig)?;
        f.file.write_all_at(data, at)?;
        if offset.is_none() {
            f.position = at + data.len() as u64;
        }
    }
    Ok(())
}

pub(crate) fn fd_write<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    iovs: u32,
    count: u32,
    nwritten: u32,
) -> WasiResult<()> {
    cx.check(nwritten, 4)?;
    let data = cx.gather(iovs, count)?;
    match cx.ctx().table.get_mut(fd)? {
        Descriptor::File(f) => write_file(f, &data, None)?,
        Descriptor::Stdout(o) | Descriptor::Stderr(o) => o.write(&data)?,
        _ => return Err(Errno::Badf),
    }
    cx.write_u32(nwritten, data.len() as u32)
}

pub(crate) fn fd_pwrite<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    cx.check(nwritten, 4)?;
    let data = cx.gather(iovs, count)?;
    match cx.ctx().table.get_mut(fd)? {
        Descriptor::File(f) => write_file(f, &data, Some(offset))?,
        Descriptor::Stdout(_) | Descriptor::Stderr(_) => return Err(Errno::Spipe),
        _ => return Err(Errno::Badf),
    }
    cx.write_u32(nwritten, data.len() as u32)
}

pub(crate) fn fd_prestat_get<T>(cx: &mut Cx<'_, '_, T>, fd: u32, out: u32) -> WasiResult<()> {
    let len = match cx.ctx().table.get(fd)? {
        Descriptor::Dir(DirDesc {
            preopen: Some(p), ..
        }) => u32::try_from(p.len()).map_err(|_| Errno::Overflow)?,
        _ => return Err(Errno::Badf),
    };
    let mut rec = [0u8; 8];
    rec[4..8].copy_from_slice(&len.to_le_bytes());
    cx.write(out, &rec)
}

pub(crate) fn fd_prestat_dir_name<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    path: u32,
    max_len: u32,
) -> WasiResult<()> {
    let name = match cx.ctx().table.get(fd)? {
        Descriptor::Dir(DirDesc {
            preopen: Some(p), ..
        }) => p.clone(),
        _ => return Err(Errno::Notdir),
    };
    if name.len() > max_len as usize {
        return Err(Errno::Nametoolong);
    }
    cx.write(path, name.as_bytes())
}

pub(crate) fn fd_renumber<T>(cx: &mut Cx<'_, '_, T>, from: u32, to: u32) -> WasiResult<()> {
    cx.ctx().table.renumber(from, to)
}

pub(crate) fn fd_seek<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    offset: i64,
    how: u32,
    out: u32,
) -> WasiResult<()> {
    if how > whence::END {
        return Err(Errno::Inval);
    }
    cx.check(out, 8)?;
    let f = cx.ctx().table.seekable(fd)?;
    let pos = match how {
        whence::SET => u64::try_from(offset).map_err(|_| Errno::Inval)?,
        whence::CUR => f.position.checked_add_signed(offset).ok_or(Errno::Inval)?,
        _ => file_meta(f)?
            .len()
            .checked_add_signed(offset)
            .ok_or(Errno::Inval)?,
    };
    f.position = pos;
    cx.write_u64(out, pos)
}

pub(crate) fn fd_tell<T>(cx: &mut Cx<'_, '_, T>, fd: u32, out: u32) -> WasiResult<()> {
    let pos = cx.ctx().table.seekable(fd)?.position;
    cx.write_u64(out, pos)
}

pub(crate) fn fd_readdir<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    used: u32,
) -> WasiResult<()> {
    cx.check(buf, buf_len)?;
    cx.check(used, 4)?;
    let entries = dir_entries(cx.ctx().table.dir(fd)?)?;
    let skip = usize::try_from(cookie).map_err(|_| Errno::Overflow)?;
    // Entries are written back to back, the last one cut off where the
    // buffer ends (the guest then asks again from its cookie).
    let mut out = Vec::new();
    for (i, (ino, ft, name)) in entries.iter().enumerate().skip(skip) {
        if out.len() >= buf_len as usize {
            break;
        }
        let namlen = u32::try_from(name.len()).map_err(|_| Errno::Overflow)?;
        out.extend_from_slice(&abi::dirent(i as u64 + 1, *ino, namlen, *ft));
        out.extend_from_slice(name);
    }
    out.truncate(buf_len as usize);
    cx.write(buf, &out)?;
    cx.write_u32(used, out.len() as u32)
}

/// The entries of a directory as `fd_readdir` lists them: `.`, `..`, then
/// the directory's entries as `(inode, filetype, name)`.
fn dir_entries(d: &DirDesc) -> WasiResult<Vec<(u64, u8, Vec<u8>)>> {
    use cap_std::fs::MetadataExt as _;
    use std::os::unix::ffi::OsStrExt as _;
    if !d.dir_perms.contains(DirPerms::READ) {
        return Err(Errno::Perm);
    }
    let self_ino = d.dir.dir_metadata()?.ino();
    let mut out = vec![
        (self_ino, filetype::DIRECTORY, b".".to_vec()),
        (self_ino, filetype::DIRECTORY, b"..".to_vec()),
    ];
    for entry in d.dir.entries()? {
        let entry = entry?;
        let name = entry.file_name();
        // An entry removed since the listing is skipped.
        let Ok(meta) = d.dir.symlink_metadata(&name) else {
            continue;
        };
        out.push((
            meta.ino(),
            filetype_of(meta.file_type()),
            name.as_bytes().to_vec(),
        ));
    }
    Ok(out)
}
