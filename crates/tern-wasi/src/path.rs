//! The `path_*` functions. Every path is resolved by `cap-std` relative to
//! a directory handle, so nothing outside the guest's preopened directories
//! can be reached: `..` above a preopen, absolute paths and symbolic links
//! leading out are refused (`EPERM`, as in Wasmtime), symlink loops give
//! `ELOOP`.

use cap_fs_ext::{DirExt as _, FollowSymlinks, OpenOptionsFollowExt as _};
use cap_std::fs::{Dir, OpenOptions};

use crate::abi::{self, LOOKUP_SYMLINK_FOLLOW, fdflags, oflags, rights};
use crate::errno::{Errno, WasiResult};
use crate::fd::{filestat, times};
use crate::memory::Cx;
use crate::table::{Descriptor, DirDesc, FileDesc};
use crate::{DirPerms, FilePerms};

/// Whether `lookupflags` ask to follow symlinks (`EINVAL` for unknown bits).
fn follow(flags: u32) -> WasiResult<bool> {
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

/// `EPERM` unless `d` may be modified.
fn mutable(d: &DirDesc) -> WasiResult<&Dir> {
    if d.dir_perms.contains(DirPerms::MUTATE) {
        Ok(&d.dir)
    } else {
        Err(Errno::Perm)
    }
}

pub(crate) fn path_create_directory<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let path = cx.read_string(path, len)?;
    let d = cx.ctx().table.dir(fd)?;
    mutable(d)?.create_dir(path)?;
    Ok(())
}

pub(crate) fn path_filestat_get<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> WasiResult<()> {
    let follow = follow(flags)?;
    let path = cx.read_string(path, len)?;
    cx.check(out, abi::FILESTAT_SIZE as u32)?;
    let d = cx.ctx().table.dir(fd)?;
    let meta = if follow {
        d.dir.metadata(path)?
    } else {
        d.dir.symlink_metadata(path)?
    };
    cx.write(out, &filestat(&meta).encode())
}

#[allow(clippy::too_many_arguments, reason = "the WASI signature")]
pub(crate) fn path_filestat_set_times<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult<()> {
    let follow = follow(flags)?;
    let (atime, mtime) = times(atim, mtim, fst)?;
    let path = cx.read_string(path, len)?;
    let dir = mutable(cx.ctx().table.dir(fd)?)?;
    if follow {
        dir.set_times(path, atime, mtime)?;
    } else {
        dir.set_symlink_times(path, atime, mtime)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments, reason = "the WASI signature")]
pub(crate) fn path_link<T>(
    cx: &mut Cx<'_, '_, T>,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let follow = follow(old_flags)?;
    let old_path = cx.read_string(old_path, old_len)?;
    let new_path = cx.read_string(new_path, new_len)?;
    let table = &cx.ctx().table;
    let (from, to) = (table.dir(old_fd)?, table.dir(new_fd)?);
    mutable(from)?;
    mutable(to)?;
    if follow {
        return Err(Errno::Inval);
    }
    // A link must not carry a file into a preopen with other permissions.
    if (from.dir_perms, from.file_perms) != (to.dir_perms, to.file_perms) {
        return Err(Errno::Perm);
    }
    from.dir.hard_link(old_path, &to.dir, new_path)?;
    Ok(())
}

/// The arguments of `path_open` after the directory and path.
pub(crate) struct OpenArgs {
    pub(crate) dirflags: u32,
    pub(crate) oflags: u32,
    pub(crate) rights_base: u64,
    pub(crate) fdflags: u32,
}

pub(crate) fn path_open<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    path: u32,
    len: u32,
    args: &OpenArgs,
    out: u32,
) -> WasiResult<()> {
    let follow = follow(args.dirflags)?;
    if args.oflags & !(oflags::ALL as u32) != 0 || args.fdflags & !(fdflags::ALL as u32) != 0 {
        return Err(Errno::Inval);
    }
    let (of, ff) = (args.oflags as u16, args.fdflags as u16);
    let path = cx.read_string(path, len)?;
    cx.check(out, 4)?;
    let table = &mut cx.ctx().table;
    let d = match table.get(fd)? {
        Descriptor::Dir(d) => d,
        Descriptor::File(_) => return Err(Errno::Notdir),
        _ => return Err(Errno::Badf),
    };

    let mut opts = OpenOptions::new();
    let create = of & oflags::CREAT != 0;
    let mut write = args.rights_base & rights::FD_WRITE != 0;
    if create {
        if of & oflags::EXCL != 0 {
            opts.create_new(true);
        } else {
            opts.create(true);
        }
        write = true;
    }
    if of & oflags::TRUNC != 0 {
        opts.truncate(true);
        write = true;
    }
    // Without write access, open for reading (the OS then allows the open
    // and permissions are checked on use), as Wasmtime does.
    let read = args.rights_base & rights::FD_READ != 0 || !write;
    opts.read(read).write(write);
    opts.follow(if follow {
        FollowSymlinks::Yes
    } else {
        FollowSymlinks::No
    });
    if ff & (fdflags::SYNC | fdflags::DSYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::Notsup);
    }
    if of & oflags::DIRECTORY != 0 && of & (oflags::CREAT | oflags::EXCL | oflags::TRUNC) != 0 {
        return Err(Errno::Inval);
    }
    if !d.dir_perms.contains(DirPerms::READ)
        || (create && !d.dir_perms.contains(DirPerms::MUTATE))
        || (write && !d.file_perms.contains(FilePerms::WRITE))
        || (read && !d.file_perms.contains(FilePerms::READ) && !write)
    {
        return Err(Errno::Perm);
    }

    let file = d.dir.open_with(&path, &opts)?;
    let (dir_perms, file_perms) = (d.dir_perms, d.file_perms);
    let desc = if file.metadata()?.is_dir() {
        Descriptor::Dir(DirDesc {
            dir: Dir::from_std_file(file.into_std()),
            preopen: None,
            dir_perms,
            file_perms,
        })
    } else if of & oflags::DIRECTORY != 0 {
        return Err(Errno::Notdir);
    } else {
        Descriptor::File(FileDesc {
            file: file.into_std(),
            position: 0,
            append: ff & fdflags::APPEND != 0,
            nonblock: ff & fdflags::NONBLOCK != 0,
            read,
            write,
            perms: file_perms,
        })
    };
    let new = table.try_push(desc)?;
    cx.write_u32(out, new)
}

pub(crate) fn path_readlink<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    used: u32,
) -> WasiResult<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let path = cx.read_string(path, len)?;
    cx.check(buf, buf_len)?;
    cx.check(used, 4)?;
    let target = cx.ctx().table.dir(fd)?.dir.read_link(path)?;
    let bytes = target.as_os_str().as_bytes();
    let n = bytes.len().min(buf_len as usize);
    cx.write(buf, &bytes[..n])?;
    cx.write_u32(used, n as u32)
}

pub(crate) fn path_remove_directory<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let path = cx.read_string(path, len)?;
    mutable(cx.ctx().table.dir(fd)?)?.remove_dir(path)?;
    Ok(())
}

pub(crate) fn path_rename<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let old_path = cx.read_string(old_path, old_len)?;
    let new_path = cx.read_string(new_path, new_len)?;
    let table = &cx.ctx().table;
    let (from, to) = (table.dir(fd)?, table.dir(new_fd)?);
    mutable(from)?;
    mutable(to)?;
    if (from.dir_perms, from.file_perms) != (to.dir_perms, to.file_perms) {
        return Err(Errno::Perm);
    }
    from.dir.rename(old_path, &to.dir, new_path)?;
    Ok(())
}

pub(crate) fn path_symlink<T>(
    cx: &mut Cx<'_, '_, T>,
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let old_path = cx.read_string(old_path, old_len)?;
    let new_path = cx.read_string(new_path, new_len)?;
    // cap-std refuses absolute targets, so a link cannot point outside
    // even for other programs on the host.
    mutable(cx.ctx().table.dir(fd)?)?.symlink(old_path, new_path)?;
    Ok(())
}

pub(crate) fn path_unlink_file<T>(
    cx: &mut Cx<'_, '_, T>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let path = cx.read_string(path, len)?;
    mutable(cx.ctx().table.dir(fd)?)?.remove_file(path)?;
    Ok(())
}
