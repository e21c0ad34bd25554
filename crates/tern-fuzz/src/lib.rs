//! Fuzzing campaigns for Tern (see the README's "Fuzzing" section):
//!
//! - `diff`: differential execution against wasmi 2.0 on wasm-smith modules
//!   restricted to the features both implement ([`diff`]);
//! - `gc`: GC-heavy wasm-smith modules on Tern alone with `gc_verify` on
//!   ([`tern_side::gc_module`], [`tern_side::run_checked`]);
//! - `mutate`: mutants of the testsuite's modules on Tern alone
//!   ([`tern_side::mutate`]).
//!
//! The `campaign` binary runs them in worker processes under a watchdog
//! (so a hang or a native stack overflow in either engine is caught and
//! attributed) and prints counts by outcome.

pub mod diff;
pub mod tern_side;
pub mod triage;
pub mod worker;
