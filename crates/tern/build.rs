//! Selects the executor's dispatch (see `src/interp/thread.rs` and
//! "Dispatch" in `docs/ARCHITECTURE.md`): `cfg(tern_threaded)` where the
//! threaded handlers' calls of each other in tail position are known to
//! become jumps — x86-64 and AArch64 at `opt-level` 2, 3, `s` or `z` (LLVM
//! does not do sibling-call optimisation below), not on Windows (whose x64
//! convention passes only four arguments in registers; untested) — unless the
//! `portable-dispatch` feature asks for the portable loop, or debug
//! assertions are on (their checks keep handler calls from being jumps).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_TARGET_ARCH");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_TARGET_OS");
    println!("cargo::rerun-if-env-changed=CARGO_FEATURE_PORTABLE_DISPATCH");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_DEBUG_ASSERTIONS");
    println!("cargo::rustc-check-cfg=cfg(tern_threaded)");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let optimizing = matches!(opt.as_str(), "2" | "3" | "s" | "z");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let known_arch = matches!(arch.as_str(), "x86_64" | "aarch64") && os != "windows";
    let portable = std::env::var_os("CARGO_FEATURE_PORTABLE_DISPATCH").is_some();
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    if optimizing && known_arch && !portable && !debug_assertions {
        println!("cargo::rustc-cfg=tern_threaded");
    }
}
