//! WASI preview 1 (`wasi_snapshot_preview1`) for the [Tern](tern)
//! WebAssembly interpreter, shaped like `wasmtime-wasi`'s preview-1 API.
//!
//! Build a [`WasiCtx`] with a [`WasiCtxBuilder`], keep it in the store's
//! data, and add the 46 WASI functions to a [`tern::Linker`] with
//! [`add_to_linker`]:
//!
//! ```
//! use tern::{Engine, Linker, Module, Store};
//! use tern_wasi::{I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};
//!
//! let engine = Engine::default();
//! // A command that prints "hi\n" and exits with status 3.
//! let module = Module::new(&engine, r#"(module
//!     (import "wasi_snapshot_preview1" "fd_write"
//!       (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!     (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 16) "hi\n")
//!     (func (export "_start")
//!       (i32.store (i32.const 0) (i32.const 16))   ;; iovec: buf
//!       (i32.store (i32.const 4) (i32.const 3))    ;; iovec: len
//!       (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
//!       (call $exit (i32.const 3))))"#)?;
//!
//! let stdout = MemoryOutputPipe::new();
//! let wasi = WasiCtxBuilder::new().arg("hello.wasm").stdout(stdout.clone()).build();
//! let mut store = Store::new(&engine, wasi);
//! let mut linker = Linker::new(&engine);
//! tern_wasi::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! let err = start.call(&mut store, ()).unwrap_err();
//! assert_eq!(err.downcast_ref::<I32Exit>().map(|e| e.0), Some(3));
//! assert_eq!(stdout.contents(), b"hi\n");
//! # Ok::<(), tern::Error>(())
//! ```
//!
//! # Sandboxing
//!
//! The guest sees only its preopened directories
//! ([`WasiCtxBuilder::preopened_dir`]). Paths are resolved by `cap-std`
//! relative to directory handles, never by joining strings: `..` above a
//! preopen, absolute paths, and symbolic links or hard links that lead
//! outside are refused with `EPERM` (as in Wasmtime), symlink loops with
//! `ELOOP`. [`DirPerms`] and [`FilePerms`] restrict what may be done
//! beneath a preopen.
//!
//! # Errors and traps
//!
//! Every function returns an errno to the guest, also for bad pointers and
//! lengths (`EFAULT`), except `proc_exit`, which ends the call with an
//! [`I32Exit`] error carried by [`tern::Error::host`]: match it with
//! [`tern::Error::downcast_ref`]. Functions that cannot apply return what
//! Wasmtime returns: the socket functions `ENOTSOCK` (or `EBADF` for a
//! closed descriptor), `proc_raise` and `fd_allocate` `ENOTSUP`.
//!
//! The filesystem support targets Unix hosts.

#![warn(missing_docs)]

mod abi;
mod ctx;
mod errno;
mod fd;
mod linker;
mod memory;
mod misc;
mod path;
mod table;

pub use ctx::{
    DirPerms, FilePerms, MemoryInputPipe, MemoryOutputPipe, MonotonicClock, OsRandom, RandomSource,
    SeededRandom, SystemMonotonicClock, SystemWallClock, WallClock, WasiCtx, WasiCtxBuilder,
};
pub use linker::{MODULE, add_to_linker};

use std::fmt;

/// The error `proc_exit` ends a call with: the program's exit status.
///
/// ```
/// # let err = tern::Error::host(tern_wasi::I32Exit(2));
/// // `err` came back from a call into wasm:
/// match err.downcast_ref::<tern_wasi::I32Exit>() {
///     Some(exit) => assert_eq!(exit.0, 2), // the program's exit status
///     None => panic!("a trap or another error: {err}"),
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Exited with i32 exit status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}
