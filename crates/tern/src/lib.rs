//! Tern: a WebAssembly 3.0 interpreter with typed function references and
//! garbage collection, behind an embedder API shaped like Wasmtime's.
//!
//! The pipeline: bytes or text -> `wasmparser` (parse + validate) ->
//! [`module`] translation (types registered in the engine's [`registry`],
//! bodies lowered to slot-addressed [`ir`]) -> [`Module`] -> [`Instance`] in a
//! [`Store`] -> the [`interp`] executor.

#![deny(missing_docs)]

mod const_expr;
mod engine;
mod error;
pub(crate) mod gc;
pub(crate) mod interp;
pub(crate) mod ir;
pub(crate) mod module;
pub(crate) mod registry;
pub(crate) mod runtime;
pub(crate) mod translate;
pub mod types;
pub(crate) mod values;

pub use engine::{Config, Engine};
pub use error::{Error, ErrorKind, FrameInfo, Result, Trap};
pub use gc::GcStats;
pub use module::Module;
pub use runtime::*;
pub use types::*;
pub use values::*;

/// The README's Rust examples, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
