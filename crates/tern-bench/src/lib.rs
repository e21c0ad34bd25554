//! Shared harness for the Tern benchmarks: which runtimes exist, the host
//! environment every workload is linked against (a few `env`, `bench` and
//! `host` functions plus WASI preview 1 from each runtime's own WASI crate,
//! set up alike through [`WasiSetup`]), one uniform adapter module
//! per runtime ([`rt_tern`], [`rt_wasmi`], [`rt_wasmtime`]), the type-system
//! workloads ([`types`]), generated modules ([`wat_gen`]), workload paths, and the
//! run log that `report` reads to tell measured results from skipped ones.
//!
//! The adapters deliberately expose the same item names (`Engine`,
//! `Module`, `Store`, `Linker`, `engine()`, `compile()`, `linker()`,
//! `store()`, `instantiate()`, `instantiate_with()`, `typed()`, `call()`,
//! `run_start()`, `stdout()`), so a benchmark body can be written once and
//! expanded for each runtime by a macro, with no dynamic dispatch inside the
//! timed loop.

pub mod rt_tern;
pub mod rt_wasmi;
pub mod rt_wasmtime;
pub mod rt_wasmtime_copying;
pub mod types;
pub mod wat_gen;

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The runtimes under comparison, in report column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rt {
    /// This project.
    Tern,
    /// The wasmi interpreter.
    Wasmi,
    /// The Wasmtime JIT (Cranelift) with its deferred reference-counting
    /// (DRC) collector.
    Wasmtime,
    /// The same Wasmtime with its copying collector: run on GC rows only
    /// (elsewhere it is the same code as [`Rt::Wasmtime`]).
    WasmtimeCopying,
}

impl Rt {
    /// The runtimes of every row, in report column order.
    pub const ALL: [Rt; 3] = [Rt::Tern, Rt::Wasmi, Rt::Wasmtime];

    /// Every runtime, GC-only ones included.
    pub const EVERY: [Rt; 4] = [Rt::Tern, Rt::Wasmi, Rt::Wasmtime, Rt::WasmtimeCopying];

    /// The runtimes that run benchmark `bench`: GC rows (`gc/...`) also run
    /// on Wasmtime's copying collector, so that Tern is compared with the
    /// better of Wasmtime's two collectors.
    pub fn for_bench(bench: &str) -> &'static [Rt] {
        if bench.starts_with("gc/") {
            &Rt::EVERY
        } else {
            &Rt::ALL
        }
    }

    /// The lower-case name used as criterion function id and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Rt::Tern => "tern",
            Rt::Wasmi => "wasmi",
            Rt::Wasmtime => "wasmtime",
            Rt::WasmtimeCopying => "wasmtime-copying",
        }
    }
}

impl fmt::Display for Rt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Expands `$body` once per runtime with `$m` naming that runtime's adapter
/// module, so that each expansion is monomorphic (no dynamic dispatch in
/// the timed loop).
#[macro_export]
macro_rules! each_rt {
    ($rt:expr, $m:ident, $body:block) => {
        match $rt {
            $crate::Rt::Tern => {
                use $crate::rt_tern as $m;
                $body
            }
            $crate::Rt::Wasmi => {
                use $crate::rt_wasmi as $m;
                $body
            }
            $crate::Rt::Wasmtime => {
                use $crate::rt_wasmtime as $m;
                $body
            }
            $crate::Rt::WasmtimeCopying => {
                use $crate::rt_wasmtime_copying as $m;
                $body
            }
        }
    };
}

/// What stops runaway code in a benchmark (the `interrupt/` group
/// measures the cost of each against [`Metering::Off`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metering {
    /// Nothing: the default engines.
    Off,
    /// Fuel metering, with a tank that never runs dry.
    Fuel,
    /// Epoch interruption, with a deadline that never comes.
    Epoch,
}

impl Metering {
    /// The suffix of the benchmark name.
    pub fn name(self) -> &'static str {
        match self {
            Metering::Off => "off",
            Metering::Fuel => "fuel",
            Metering::Epoch => "epoch",
        }
    }
}

/// Fuel for metered benchmark stores: more than any run uses, and within
/// every runtime's range.
pub const BENCH_FUEL: u64 = 1 << 60;

/// State every store carries besides its WASI context: the epoch
/// `env.clock_ms` counts from.
pub struct Host {
    /// When the store was created.
    pub start: Instant,
}

impl Default for Host {
    fn default() -> Host {
        Host {
            start: Instant::now(),
        }
    }
}

impl Host {
    /// Milliseconds since the store was created (for `env.clock_ms`).
    pub fn clock_ms(&self) -> i64 {
        self.start.elapsed().as_millis() as i64
    }
}

/// How a guest's WASI context is set up, the same for every runtime (each
/// adapter builds it with its runtime's own WASI crate: `tern-wasi`,
/// `wasmi_wasi`, `wasmtime-wasi` preview 1): these arguments, no
/// environment, an empty or closed stdin, stdout and stderr captured in
/// memory (read back with the adapter's `stdout()`), the host's clocks and
/// random source, and at most one preopened directory, read-only, seen by
/// the guest as `.`.
#[derive(Clone, Debug)]
pub struct WasiSetup {
    /// The program's arguments, `argv[0]` first.
    pub args: Vec<String>,
    /// The host directory preopened as `.`, if any.
    pub dir: Option<PathBuf>,
}

impl Default for WasiSetup {
    fn default() -> WasiSetup {
        WasiSetup {
            args: vec!["main.wasm".to_string()],
            dir: None,
        }
    }
}

/// The capacity of Wasmtime's in-memory stdout and stderr pipes (a write
/// beyond it fails); Tern's and wasmi's in-memory pipes are unbounded.
pub const CAPTURE_CAP: usize = 64 << 20;

/// Turns an exit status into the outcome of `_start`: 0 is success.
pub fn exit_outcome(code: i32) -> anyhow::Result<()> {
    if code == 0 {
        Ok(())
    } else {
        anyhow::bail!("guest exited with status {code}")
    }
}

/// A short, comparable description of captured output: its length and an
/// FNV-1a hash (what the setup runs compare across runtimes).
pub fn digest(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("stdout {} bytes, fnv1a {h:016x}", bytes.len())
}

/// Parameter tuples every runtime's typed calls accept.
pub trait Params:
    tern::WasmParams + wasmi::WasmParams + wasmtime::WasmParams + Copy + Send + Sync + 'static
{
}
impl<T> Params for T where
    T: tern::WasmParams + wasmi::WasmParams + wasmtime::WasmParams + Copy + Send + Sync + 'static
{
}

/// Result tuples every runtime's typed calls return.
pub trait Results:
    tern::WasmResults + wasmi::WasmResults + wasmtime::WasmResults + fmt::Debug + Send + Sync + 'static
{
}
impl<T> Results for T where
    T: tern::WasmResults
        + wasmi::WasmResults
        + wasmtime::WasmResults
        + fmt::Debug
        + Send
        + Sync
        + 'static
{
}

/// Whether `QUICK=1` (short measurement times) is set.
pub fn quick() -> bool {
    std::env::var("QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The bench crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cargo target directory of this (separate) workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => crate_dir().join("target"),
    }
}

/// Where the run log (one line per benchmark and runtime) is written.
pub fn run_log_path() -> PathBuf {
    target_dir().join("tern-bench").join("runs.tsv")
}

/// The shared workloads directory (`../shared/workloads` next to the
/// repository, or `$TERN_WORKLOADS`).
pub fn workloads_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TERN_WORKLOADS") {
        return PathBuf::from(d);
    }
    let repo = crate_dir().join("../..");
    repo.join("../shared/workloads")
}

/// The repository's own copies of the WASI workloads (`tests/data/workloads`).
pub fn repo_workloads_dir() -> PathBuf {
    crate_dir().join("../../tests/data/workloads")
}

/// Reads a workload file relative to [`workloads_dir`].
pub fn workload(rel: &str) -> anyhow::Result<Vec<u8>> {
    let p = workloads_dir().join(rel);
    std::fs::read(&p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
}

/// Parses a `.wat` file from the crate's `wat/` directory to binary.
pub fn wat_file(name: &str) -> anyhow::Result<Vec<u8>> {
    let p = crate_dir().join("wat").join(name);
    Ok(wat::parse_file(&p)?)
}

/// What happened to one runtime in one benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Measured.
    Ran,
    /// Could not run the workload (unsupported feature, failed check...).
    Skipped,
}

impl Outcome {
    /// The word written to the run log.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::Skipped => "skipped",
        }
    }
}

/// Appends one line `bench \t runtime \t outcome \t detail` to the run log
/// and prints skips to stderr.
pub fn log_run(bench: &str, rt: Rt, outcome: Outcome, detail: &str) {
    let detail: String = detail
        .chars()
        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
        .take(300)
        .collect();
    if outcome == Outcome::Skipped {
        eprintln!("note: {bench}: skipping {rt}: {detail}");
    }
    let path = run_log_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(f, "{bench}\t{rt}\t{}\t{detail}", outcome.word());
    }
}

/// Appends a free-form note about a benchmark (e.g. a result mismatch).
pub fn log_note(bench: &str, rt: Rt, detail: &str) {
    eprintln!("note: {bench}: {rt}: {detail}");
    let path = run_log_path();
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{bench}\t{rt}\tnote\t{detail}");
    }
}

/// Whether `path` exists (used to skip workloads missing on this machine).
pub fn exists(path: &Path) -> bool {
    path.exists()
}
