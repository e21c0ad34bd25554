//! Tern: a WebAssembly 3.0 interpreter with typed function references and
//! garbage collection, behind an embedder API shaped like Wasmtime's.
//!
//! Start with an [`Engine`] (configured by a [`Config`]), compile a
//! [`Module`], create a [`Store`] for your host state, and instantiate with a
//! [`Linker`]; call exports through [`Func`] or a [`TypedFunc`]. Types live
//! in one engine-wide registry, so [`FuncType`], [`StructType`] and
//! [`ArrayType`] compare and match across modules in O(1); GC objects are
//! reached from the host through rooted handles such as [`StructRef`].
//!
//! Untrusted code can be stopped and bounded as in Wasmtime: fuel
//! ([`Config::consume_fuel`], [`Store::set_fuel`]), epoch deadlines
//! ([`Config::epoch_interruption`], [`Engine::increment_epoch`],
//! [`Store::set_epoch_deadline`]) and a [`ResourceLimiter`] such as
//! [`StoreLimits`]; [`Func::call_resumable`] parks a call that ran out of fuel
//! (or whose host callee failed) so it can be resumed later.
//!
//! Inside, bytes or text are parsed and validated by `wasmparser`, function
//! bodies are translated to a slot-addressed IR generated from one
//! instruction table, and an interpreter runs it; `docs/ARCHITECTURE.md` in
//! the repository describes the pipeline.

#![deny(missing_docs)]

mod const_expr;
mod engine;
mod error;
pub(crate) mod gc;
pub(crate) mod index;
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
