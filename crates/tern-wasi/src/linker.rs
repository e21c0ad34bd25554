//! Defines the 46 `wasi_snapshot_preview1` functions in a [`tern::Linker`].

use std::sync::Arc;

use tern::{Caller, FuncType, Linker, Val, ValType};

use crate::errno::code;
use crate::memory::{Cx, GetCtx};
use crate::path::OpenArgs;
use crate::{I32Exit, WasiCtx, fd, misc, path};

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Defines `name` as a host function whose arguments are the listed
/// parameters; the body gets a [`Cx`] named `$cx` and returns a
/// `WasiResult<()>`, which becomes the errno the guest sees.
macro_rules! wasi {
    ($linker:ident, $get:ident, $name:literal, |$cx:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let get = Arc::clone(&$get);
        $linker.func_wrap(
            MODULE,
            $name,
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> tern::Result<i32> {
                #[allow(unused_mut)]
                let mut $cx = Cx::new(&mut caller, &*get)?;
                Ok(code($body))
            },
        )?;
    }};
}

/// Adds every `wasi_snapshot_preview1` function to `linker`; each call
/// reaches the guest's [`WasiCtx`] through `get`. A module must export its
/// memory as `memory` to call them (the ABI passes pointers into it).
///
/// `proc_exit` ends the call with an [`I32Exit`] error (see the crate
/// documentation); every other function returns an errno to the guest.
///
/// # Errors
/// If `linker` already defines one of the functions (and does not allow
/// shadowing).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + 'static,
) -> tern::Result<()> {
    let get: Arc<GetCtx<T>> = Arc::new(get);
    add_args_env_clocks(linker, &get)?;
    add_fd(linker, &get)?;
    add_path(linker, &get)?;
    add_misc(linker, &get)?;
    Ok(())
}

fn add_args_env_clocks<T: 'static>(
    linker: &mut Linker<T>,
    get: &Arc<GetCtx<T>>,
) -> tern::Result<()> {
    let get = Arc::clone(get);
    wasi!(linker, get, "args_get", |cx, argv: u32, buf: u32| {
        misc::args_get(&mut cx, argv, buf)
    });
    wasi!(linker, get, "args_sizes_get", |cx, n: u32, size: u32| {
        misc::args_sizes_get(&mut cx, n, size)
    });
    wasi!(linker, get, "environ_get", |cx, env: u32, buf: u32| {
        misc::environ_get(&mut cx, env, buf)
    });
    wasi!(linker, get, "environ_sizes_get", |cx, n: u32, size: u32| {
        misc::environ_sizes_get(&mut cx, n, size)
    });
    wasi!(linker, get, "clock_res_get", |cx, id: u32, out: u32| {
        misc::clock_res_get(&mut cx, id, out)
    });
    wasi!(
        linker,
        get,
        "clock_time_get",
        |cx, id: u32, _precision: u64, out: u32| misc::clock_time_get(&mut cx, id, out)
    );
    wasi!(linker, get, "random_get", |cx, buf: u32, len: u32| {
        misc::random_get(&mut cx, buf, len)
    });
    Ok(())
}

fn add_fd<T: 'static>(linker: &mut Linker<T>, get: &Arc<GetCtx<T>>) -> tern::Result<()> {
    let get = Arc::clone(get);
    wasi!(
        linker,
        get,
        "fd_advise",
        |cx, fd: u32, _off: u64, _len: u64, advice: u32| fd::fd_advise(&mut cx, fd, advice)
    );
    wasi!(
        linker,
        get,
        "fd_allocate",
        |cx, fd: u32, _off: u64, _len: u64| fd::fd_allocate(&mut cx, fd)
    );
    wasi!(linker, get, "fd_close", |cx, fd: u32| fd::fd_close(
        &mut cx, fd
    ));
    wasi!(linker, get, "fd_datasync", |cx, fd: u32| fd::fd_sync(
        &mut cx, fd, true
    ));
    wasi!(linker, get, "fd_sync", |cx, fd: u32| fd::fd_sync(
        &mut cx, fd, false
    ));
    wasi!(linker, get, "fd_fdstat_get", |cx, fd: u32, out: u32| {
        fd::fd_fdstat_get(&mut cx, fd, out)
    });
    wasi!(
        linker,
        get,
        "fd_fdstat_set_flags",
        |cx, fd: u32, flags: u32| fd::fd_fdstat_set_flags(&mut cx, fd, flags)
    );
    wasi!(
        linker,
        get,
        "fd_fdstat_set_rights",
        |cx, fd: u32, _base: u64, _inh: u64| fd::fd_fdstat_set_rights(&mut cx, fd)
    );
    wasi!(linker, get, "fd_filestat_get", |cx, fd: u32, out: u32| {
        fd::fd_filestat_get(&mut cx, fd, out)
    });
    wasi!(
        linker,
        get,
        "fd_filestat_set_size",
        |cx, fd: u32, size: u64| fd::fd_filestat_set_size(&mut cx, fd, size)
    );
    wasi!(
        linker,
        get,
        "fd_filestat_set_times",
        |cx, fd: u32, atim: u64, mtim: u64, flags: u32| fd::fd_filestat_set_times(
            &mut cx, fd, atim, mtim, flags
        )
    );
    wasi!(
        linker,
        get,
        "fd_pread",
        |cx, fd: u32, iovs: u32, n: u32, off: u64, out: u32| fd::fd_pread(
            &mut cx, fd, iovs, n, off, out
        )
    );
    wasi!(
        linker,
        get,
        "fd_pwrite",
        |cx, fd: u32, iovs: u32, n: u32, off: u64, out: u32| fd::fd_pwrite(
            &mut cx, fd, iovs, n, off, out
        )
    );
    wasi!(
        linker,
        get,
        "fd_read",
        |cx, fd: u32, iovs: u32, n: u32, out: u32| fd::fd_read(&mut cx, fd, iovs, n, out)
    );
    wasi!(
        linker,
        get,
        "fd_write",
        |cx, fd: u32, iovs: u32, n: u32, out: u32| fd::fd_write(&mut cx, fd, iovs, n, out)
    );
    wasi!(linker, get, "fd_prestat_get", |cx, fd: u32, out: u32| {
        fd::fd_prestat_get(&mut cx, fd, out)
    });
    wasi!(
        linker,
        get,
        "fd_prestat_dir_name",
        |cx, fd: u32, p: u32, len: u32| fd::fd_prestat_dir_name(&mut cx, fd, p, len)
    );
    wasi!(
        linker,
        get,
        "fd_readdir",
        |cx, fd: u32, buf: u32, len: u32, cookie: u64, out: u32| fd::fd_readdir(
            &mut cx, fd, buf, len, cookie, out
        )
    );
    wasi!(linker, get, "fd_renumber", |cx, from: u32, to: u32| {
        fd::fd_renumber(&mut cx, from, to)
    });
    wasi!(
        linker,
        get,
        "fd_seek",
        |cx, fd: u32, off: i64, whence: u32, out: u32| fd::fd_seek(&mut cx, fd, off, whence, out)
    );
    wasi!(linker, get, "fd_tell", |cx, fd: u32, out: u32| fd::fd_tell(
        &mut cx, fd, out
    ));
    Ok(())
}

fn add_path<T: 'static>(linker: &mut Linker<T>, get: &Arc<GetCtx<T>>) -> tern::Result<()> {
    let get = Arc::clone(get);
    wasi!(
        linker,
        get,
        "path_create_directory",
        |cx, fd: u32, p: u32, len: u32| path::path_create_directory(&mut cx, fd, p, len)
    );
    wasi!(
        linker,
        get,
        "path_filestat_get",
        |cx, fd: u32, flags: u32, p: u32, len: u32, out: u32| path::path_filestat_get(
            &mut cx, fd, flags, p, len, out
        )
    );
    wasi!(
        linker,
        get,
        "path_filestat_set_times",
        |cx, fd: u32, flags: u32, p: u32, len: u32, atim: u64, mtim: u64, fst: u32| {
            path::path_filestat_set_times(&mut cx, fd, flags, p, len, atim, mtim, fst)
        }
    );
    wasi!(
        linker,
        get,
        "path_link",
        |cx, ofd: u32, oflags: u32, op: u32, olen: u32, nfd: u32, np: u32, nlen: u32| {
            path::path_link(&mut cx, ofd, oflags, op, olen, nfd, np, nlen)
        }
    );
    wasi!(
        linker,
        get,
        "path_readlink",
        |cx, fd: u32, p: u32, len: u32, buf: u32, buf_len: u32, out: u32| path::path_readlink(
            &mut cx, fd, p, len, buf, buf_len, out
        )
    );
    wasi!(
        linker,
        get,
        "path_remove_directory",
        |cx, fd: u32, p: u32, len: u32| path::path_remove_directory(&mut cx, fd, p, len)
    );
    wasi!(
        linker,
        get,
        "path_rename",
        |cx, fd: u32, op: u32, olen: u32, nfd: u32, np: u32, nlen: u32| path::path_rename(
            &mut cx, fd, op, olen, nfd, np, nlen
        )
    );
    wasi!(
        linker,
        get,
        "path_symlink",
        |cx, op: u32, olen: u32, fd: u32, np: u32, nlen: u32| path::path_symlink(
            &mut cx, op, olen, fd, np, nlen
        )
    );
    wasi!(
        linker,
        get,
        "path_unlink_file",
        |cx, fd: u32, p: u32, len: u32| path::path_unlink_file(&mut cx, fd, p, len)
    );

    // path_open has nine parameters, one more than `func_wrap` takes.
    use ValType::{I32, I64};
    let ty = FuncType::new(
        linker.engine(),
        [I32, I32, I32, I32, I32, I64, I64, I32, I32],
        [I32],
    );
    linker.func_new(
        MODULE,
        "path_open",
        ty,
        move |mut caller, params, results| {
            let a = |i: usize| -> u32 {
                match params.get(i) {
                    Some(Val::I32(v)) => *v as u32,
                    _ => 0,
                }
            };
            let rights_base = match params.get(5) {
                Some(Val::I64(v)) => *v as u64,
                _ => 0,
            };
            let args = OpenArgs {
                dirflags: a(1),
                oflags: a(4),
                rights_base,
                fdflags: a(7),
            };
            let mut cx = Cx::new(&mut caller, &*get)?;
            let r = path::path_open(&mut cx, a(0), a(2), a(3), &args, a(8));
            if let Some(out) = results.first_mut() {
                *out = Val::I32(code(r));
            }
            Ok(())
        },
    )?;
    Ok(())
}

fn add_misc<T: 'static>(linker: &mut Linker<T>, get: &Arc<GetCtx<T>>) -> tern::Result<()> {
    let get = Arc::clone(get);
    wasi!(
        linker,
        get,
        "poll_oneoff",
        |cx, subs: u32, events: u32, n: u32, out: u32| misc::poll_oneoff(
            &mut cx, subs, events, n, out
        )
    );
    wasi!(
        linker,
        get,
        "sock_accept",
        |cx, fd: u32, flags: u32, _out: u32| {
            if flags & !(crate::abi::fdflags::ALL as u32) != 0 {
                Err(crate::errno::Errno::Inval)
            } else {
                misc::sock(&mut cx, fd)
            }
        }
    );
    wasi!(
        linker,
        get,
        "sock_recv",
        |cx, fd: u32, _iovs: u32, _n: u32, flags: u32, _len: u32, _oflags: u32| {
            if flags & !crate::abi::RIFLAGS_ALL != 0 {
                Err(crate::errno::Errno::Inval)
            } else {
                misc::sock(&mut cx, fd)
            }
        }
    );
    wasi!(
        linker,
        get,
        "sock_send",
        |cx, fd: u32, _iovs: u32, _n: u32, _flags: u32, _out: u32| misc::sock(&mut cx, fd)
    );
    wasi!(linker, get, "sock_shutdown", |cx, fd: u32, how: u32| {
        if how & !crate::abi::SDFLAGS_ALL != 0 {
            Err(crate::errno::Errno::Inval)
        } else {
            misc::sock(&mut cx, fd)
        }
    });
    // These need no memory.
    linker.func_wrap(MODULE, "sched_yield", || -> i32 { 0 })?;
    linker.func_wrap(MODULE, "proc_raise", |sig: u32| -> i32 {
        code(misc::proc_raise(sig))
    })?;
    linker.func_wrap(MODULE, "proc_exit", |status: u32| -> tern::Result<()> {
        // As Wasmtime: WASI exit statuses are 0..126.
        if status >= 126 {
            return Err(tern::Error::msg(
                "exit with invalid exit status outside of [0..126)",
            ));
        }
        Err(tern::Error::host(I32Exit(status as i32)))
    })?;
    Ok(())
}
