//! One test case of each campaign, by seed, with panics caught and named.

use crate::diff::{Verdict, compare, diff_module, observe_tern, observe_wasmi};
use crate::tern_side::{
    FUEL, Rng, RunFailure, checked_engine, gc_heap_limit, gc_module, inject_fuel, mutate,
    run_checked,
};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

/// The three campaigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Differential execution against wasmi.
    Diff,
    /// GC modules on Tern with heap verification.
    Gc,
    /// Mutants of the testsuite's modules on Tern with heap verification.
    Mutate,
}

impl Mode {
    /// Parses `diff`, `gc` or `mutate`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "diff" => Some(Mode::Diff),
            "gc" => Some(Mode::Gc),
            "mutate" => Some(Mode::Mutate),
            _ => None,
        }
    }

    /// The name [`Mode::parse`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Diff => "diff",
            Mode::Gc => "gc",
            Mode::Mutate => "mutate",
        }
    }
}

/// Which engines a differential case runs (single-engine runs attribute a
/// crash or hang of the pair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engines {
    /// Both, compared.
    Both,
    /// Tern only.
    Tern,
    /// wasmi only.
    Wasmi,
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The outcome's category (`same`, `div:call`, `tern-panic`, ...).
    pub tag: String,
    /// Details for a finding.
    pub detail: String,
    /// Exported functions called.
    pub calls: u32,
    /// The module run (kept for findings).
    pub bytes: Vec<u8>,
}

impl CaseResult {
    fn new(tag: impl Into<String>, bytes: Vec<u8>) -> CaseResult {
        CaseResult {
            tag: tag.into(),
            detail: String::new(),
            calls: 0,
            bytes,
        }
    }

    /// Whether the case is a finding worth keeping the module for.
    pub fn is_finding(&self) -> bool {
        self.tag.starts_with("div:")
            || self.tag.ends_with("panic")
            || matches!(
                self.tag.as_str(),
                "verify-fail" | "unexpected-error" | "rejected" | "fuel-invalid"
            )
    }
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installs a panic hook that records the message and location instead of
/// printing them (a campaign reports them with the seed).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let loc = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg} at {loc}"));
    }));
}

fn panic_message() -> String {
    LAST_PANIC
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_else(|| "panic".into())
        .replace('\n', " ")
}

fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| panic_message())
}

/// Shared per-worker state: the testsuite's modules for `mutate`.
pub struct Context {
    /// (name, bytes) of every module of the manifest's scripts.
    pub modules: Vec<(String, Vec<u8>)>,
}

impl Context {
    /// Loads what `mode` needs.
    pub fn new(mode: Mode) -> Result<Context, String> {
        let modules = if mode == Mode::Mutate {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            crate::tern_side::testsuite_modules(&root)?
        } else {
            Vec::new()
        };
        Ok(Context { modules })
    }
}

/// Runs case `seed` of `mode`.
pub fn run_case(mode: Mode, seed: u64, engines: Engines, cx: &Context) -> CaseResult {
    match mode {
        Mode::Diff => diff_case(seed, engines),
        Mode::Gc => match guarded(|| gc_module(seed)) {
            Ok(Some(bytes)) => tern_case(&bytes, gc_heap_limit(seed), None),
            Ok(None) => CaseResult::new("gen-fail", Vec::new()),
            Err(msg) => {
                let mut r = CaseResult::new("gen-panic", Vec::new());
                r.detail = msg;
                r
            }
        },
        Mode::Mutate => {
            let (name, bytes) = match guarded(|| mutant(seed, cx)) {
                Ok(m) => m,
                Err(msg) => {
                    let mut r = CaseResult::new("gen-panic", Vec::new());
                    r.detail = msg;
                    return r;
                }
            };
            let mut r = tern_case(&bytes, gc_heap_limit(seed), Some(&name));
            if r.is_finding() {
                r.detail = format!("{name}: {}", r.detail);
            }
            r
        }
    }
}

/// The mutant of case `seed` and the name of the module it came from.
pub fn mutant(seed: u64, cx: &Context) -> (String, Vec<u8>) {
    let i = Rng::new(seed).below(cx.modules.len() as u64) as usize;
    let (name, original) = &cx.modules[i];
    (name.clone(), mutate(original, seed))
}

fn diff_case(seed: u64, engines: Engines) -> CaseResult {
    let bytes = match guarded(|| diff_module(seed)) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return CaseResult::new("gen-fail", Vec::new()),
        Err(msg) => {
            let mut r = CaseResult::new("gen-panic", Vec::new());
            r.detail = msg;
            return r;
        }
    };
    let t = if engines != Engines::Wasmi {
        match guarded(|| observe_tern(&bytes, seed)) {
            Ok(o) => Some(o),
            Err(msg) => {
                let mut r = CaseResult::new("tern-panic", bytes);
                r.detail = msg;
                return r;
            }
        }
    } else {
        None
    };
    let w = if engines != Engines::Tern {
        match guarded(|| observe_wasmi(&bytes, seed)) {
            Ok(o) => Some(o),
            Err(msg) => {
                let mut r = CaseResult::new("wasmi-panic", bytes);
                r.detail = msg;
                return r;
            }
        }
    } else {
        None
    };
    let (t, w) = match (t, w) {
        (Some(t), Some(w)) => (t, w),
        (Some(o), None) | (None, Some(o)) => {
            let mut r = CaseResult::new("single", bytes);
            r.calls = o.calls.len() as u32;
            r.detail = format!("{o:?}");
            return r;
        }
        (None, None) => unreachable!(),
    };
    let mut r = CaseResult::new("", bytes);
    match compare(&t, &w) {
        Verdict::BothRejected => {
            r.tag = "both-rejected".into();
            r.detail = format!("{:?}", t.compile_error);
        }
        Verdict::Same { calls } => {
            r.tag = "same".into();
            r.calls = calls as u32;
        }
        Verdict::StackOverflow => r.tag = "stack-overflow".into(),
        Verdict::Diverged(d) => {
            r.tag = format!("div:{}", d.category);
            r.detail = d.detail;
        }
    }
    r
}

/// Runs `bytes` on Tern with heap verification. For a mutant (`origin` is
/// set) Tern's accept/reject decision is also checked against wasmparser's
/// validator with the Wasm 3.0 features, and the module runs with injected
/// fuel.
fn tern_case(bytes: &[u8], heap_limit: usize, origin: Option<&str>) -> CaseResult {
    let engine = checked_engine(heap_limit);
    let mut r = CaseResult::new("", bytes.to_vec());
    let to_run = if origin.is_some() {
        let valid = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM3)
            .validate_all(bytes)
            .is_ok();
        let compiled = match guarded(|| tern::Module::new(&engine, bytes).map(|_| ())) {
            Ok(c) => c,
            Err(msg) => {
                r.tag = "tern-panic".into();
                r.detail = format!("compiling: {msg}");
                return r;
            }
        };
        match (valid, compiled) {
            (false, Err(_)) => {
                r.tag = "invalid".into();
                return r;
            }
            (false, Ok(())) => {
                r.tag = "div:tern-accepts-invalid".into();
                return r;
            }
            (true, Err(e)) if e.kind() == tern::ErrorKind::Unsupported => {
                r.tag = "unsupported".into();
                return r;
            }
            (true, Err(e)) => {
                r.tag = "div:tern-rejects-valid".into();
                r.detail = format!("{e} ({:?})", e.kind());
                return r;
            }
            (true, Ok(())) => {}
        }
        match inject_fuel(bytes, FUEL) {
            Ok(b) => b,
            Err(e) => {
                r.tag = "fuel-invalid".into();
                r.detail = format!("fuel injection failed on a valid module: {e}");
                return r;
            }
        }
    } else {
        bytes.to_vec()
    };
    match guarded(|| run_checked(&engine, &to_run)) {
        Err(msg) => {
            r.tag = "tern-panic".into();
            r.detail = msg;
        }
        Ok(Err(RunFailure::Verify(m))) => {
            r.tag = "verify-fail".into();
            r.detail = m;
        }
        Ok(Err(RunFailure::Unexpected(m))) => {
            r.tag = "unexpected-error".into();
            r.detail = m;
        }
        Ok(Ok(stats)) => {
            r.calls = stats.calls;
            r.tag = match (&stats.compile_error, stats.instantiated) {
                (Some(e), _) if e.contains("Unsupported") => "unsupported".into(),
                (Some(e), _) => {
                    r.detail = e.clone();
                    if origin.is_some() {
                        "fuel-invalid".into()
                    } else {
                        "rejected".into()
                    }
                }
                (None, false) => "not-instantiated".into(),
                (None, true) if stats.collections > 0 => "ran-collected".into(),
                (None, true) => "ran".into(),
            };
        }
    }
    if origin.is_some() && r.tag == "fuel-invalid" {
        r.bytes = to_run;
    }
    r
}
