//! `tern run [OPTIONS] FILE [ARGS...]`: run a WASI program (or call one
//! export of any module), like `wasmtime run`.
//!
//! The module gets WASI preview 1 (`tern-wasi`) with `ARGS` as its
//! arguments (argv[0] is `FILE` as given), the `--env` variables, the
//! `--dir` directories, and the host's stdin, stdout and stderr; imports
//! `bench.start`/`bench.end` (`() -> ()`) are no-ops. A command runs
//! `_start`; a reactor runs `_initialize`, then `--invoke NAME` if given.
//! The process exits with the program's `proc_exit` status.
//!
//! With `--invoke NAME`, `ARGS` are the export's arguments instead, parsed
//! by its parameter types: decimal integers (signed, or unsigned up to the
//! type's width), decimal floats (also `inf`, `-inf`, `nan`), and `null`
//! for a nullable reference. Each result is printed on its own line. A trap
//! prints `Error: wasm trap: <message>` and a backtrace of wasm frames to
//! stderr and exits with status 1.
//!
//! Limits for untrusted programs: `--fuel N` (stop after N units of fuel,
//! `Config::consume_fuel`), `--timeout DURATION` (stop after a wall-clock
//! time, through epoch interruption and a timer thread) and
//! `--max-memory-size BYTES` (a `StoreLimits` cap on each linear memory:
//! larger memories fail to instantiate, `memory.grow` beyond returns -1).
//! A program stopped by a limit exits with status 1 and says which limit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use tern::{
    Config, Engine, ErrorKind, Func, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, Trap,
    Val, ValType,
};
use tern_wasi::{DirPerms, FilePerms, I32Exit, WasiCtx, WasiCtxBuilder};

/// How many backtrace frames are printed before the rest are elided (a
/// `call stack exhausted` trap has thousands).
const MAX_FRAMES: usize = 50;

/// Arguments of `tern run`. Options go before `FILE` (as with `wasmtime
/// run`); they are also recognized right after it, before the first
/// argument. Everything from the first argument on is passed on.
#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// Give the program a host directory: `HOST` (seen under the same name)
    /// or `HOST::GUEST` (seen as GUEST, e.g. `.` or `/`). Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,
    /// Set an environment variable for the program (`NAME` alone passes
    /// the host's value). Repeatable.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    pub envs: Vec<String>,
    /// Call this export (after `_initialize`, if exported) instead of
    /// `_start`, with ARGS as its typed arguments.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Stop the program after it has used this much fuel (about one unit
    /// per wasm operator; bulk operations one per byte or element).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Stop the program after this much wall-clock time: a number with a
    /// unit `ms`, `s`, `m` or `h` (e.g. `500ms`, `2s`); seconds if none.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// The largest size of any linear memory, in bytes (a suffix `K`, `M`
    /// or `G` multiplies by 2^10, 2^20, 2^30).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory_size: Option<usize>,
    /// Print the GC heap's statistics (collections, pauses, peak heap) on
    /// stderr when the program ends.
    #[arg(long)]
    pub gc_stats: bool,
    /// The module to run (.wasm binary or .wat text).
    pub file: PathBuf,
    /// The program's arguments (or, with `--invoke`, the function's).
    #[arg(
        allow_hyphen_values = true,
        trailing_var_arg = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// What went wrong in `tern run`: a wasm error (possibly a trap, printed
/// with its backtrace, or the program's exit) or any other failure.
enum RunError {
    Wasm(tern::Error),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for RunError {
    fn from(e: anyhow::Error) -> Self {
        RunError::Other(e)
    }
}

/// Runs `tern run` and returns the process exit status.
pub(crate) fn run(args: &RunArgs) -> ExitCode {
    match try_run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Wasm(e)) => {
            if let Some(exit) = e.downcast_ref::<I32Exit>() {
                // proc_exit: statuses are 0..126.
                return ExitCode::from(exit.0.clamp(0, 255) as u8);
            }
            eprintln!("Error: {e}");
            match e.as_trap() {
                Some(Trap::OutOfFuel) => {
                    eprintln!(
                        "note: the program used up its fuel (--fuel {})",
                        args.fuel.unwrap_or(0)
                    );
                }
                Some(Trap::Interrupt) => {
                    let t = args.timeout.unwrap_or_default();
                    eprintln!("note: the program ran longer than --timeout {t:?}");
                }
                _ if e.kind() == ErrorKind::ResourceLimit
                    && let Some(max) = args.max_memory_size =>
                {
                    eprintln!("note: the program needs more memory than --max-memory-size {max}");
                }
                _ => {}
            }
            let frames = e.backtrace();
            if e.as_trap().is_some() && !frames.is_empty() {
                eprintln!("wasm backtrace:");
                for (i, frame) in frames.iter().enumerate().take(MAX_FRAMES) {
                    eprintln!("  {i}: {frame}");
                }
                if frames.len() > MAX_FRAMES {
                    eprintln!("  ... {} more frames", frames.len() - MAX_FRAMES);
                }
            }
            ExitCode::FAILURE
        }
        Err(RunError::Other(e)) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The WASI context for the program: its arguments, environment,
/// directories and the host's stdio.
fn wasi_ctx(args: &RunArgs) -> anyhow::Result<WasiCtx> {
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdio().arg(args.file.display().to_string());
    if args.invoke.is_none() {
        b.args(&args.args);
    }
    for env in &args.envs {
        match env.split_once('=') {
            Some((name, value)) => b.env(name, value),
            None => match std::env::var(env) {
                Ok(value) => b.env(env, value),
                Err(_) => &mut b,
            },
        };
    }
    for dir in &args.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        b.preopened_dir(host, guest, DirPerms::all(), FilePerms::all())
            .with_context(|| format!("cannot open directory {host} (--dir {dir})"))?;
    }
    Ok(b.build())
}

/// Whether `tern run` can satisfy an import: WASI preview 1 and the
/// `bench` markers.
fn provided(module: &str, name: &str) -> bool {
    module == tern_wasi::MODULE || (module == "bench" && matches!(name, "start" | "end"))
}

/// The store's host data: WASI and the resource limits.
struct Host {
    wasi: WasiCtx,
    limits: StoreLimits,
}

/// Parses `--timeout`: a number with an optional unit (ms, s, m, h).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 500ms, 2s, 1m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit `{unit}` (use ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

/// Parses `--max-memory-size`: bytes with an optional K, M or G suffix.
fn parse_bytes(s: &str) -> Result<usize, String> {
    let (num, shift) = match s.strip_suffix(['K', 'k']) {
        Some(n) => (n, 10),
        None => match s.strip_suffix(['M', 'm']) {
            Some(n) => (n, 20),
            None => match s.strip_suffix(['G', 'g']) {
                Some(n) => (n, 30),
                None => (s, 0),
            },
        },
    };
    num.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("`{s}` is not a size in bytes (e.g. 65536, 64K, 16M)"))
}

/// Advances the engine's epoch once `timeout` has passed (unless the
/// program finished first).
struct Timer {
    done: Arc<AtomicBool>,
}

impl Timer {
    fn start(engine: &Engine, timeout: Duration) -> Timer {
        let done = Arc::new(AtomicBool::new(false));
        let (engine, flag) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            // A timeout beyond what the clock can represent never expires.
            let Some(deadline) = std::time::Instant::now().checked_add(timeout) else {
                return;
            };
            // Sleep in short steps so the thread notices the end of a short program.
            while !flag.load(Ordering::Relaxed) {
                let now = std::time::Instant::now();
                if now >= deadline {
                    engine.increment_epoch();
                    return;
                }
                std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
            }
        });
        Timer { done }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

fn try_run(args: &RunArgs) -> Result<(), RunError> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut config = Config::new();
    config
        .consume_fuel(args.fuel.is_some())
        .epoch_interruption(args.timeout.is_some());
    let engine = Engine::new(&config).map_err(RunError::Wasm)?;
    let module =
        Module::new(&engine, &bytes).map_err(|e| anyhow!("{}: {e}", args.file.display()))?;

    let missing: Vec<String> = module
        .imports()
        .filter(|i| !provided(i.module(), i.name()))
        .map(|i| format!("{}::{}", i.module(), i.name()))
        .collect();
    if !missing.is_empty() {
        return Err(anyhow!(
            "{} has imports that `tern run` cannot satisfy (it provides WASI preview 1 and \
             bench.start/bench.end): {}",
            args.file.display(),
            missing.join(", ")
        )
        .into());
    }

    let mut limits = StoreLimitsBuilder::new();
    if let Some(bytes) = args.max_memory_size {
        limits = limits.memory_size(bytes);
    }
    let host = Host {
        wasi: wasi_ctx(args)?,
        limits: limits.build(),
    };
    let mut store = Store::new(&engine, host);
    store.limiter(|host| &mut host.limits);
    if let Some(fuel) = args.fuel {
        store.set_fuel(fuel).map_err(RunError::Wasm)?;
    }
    let _timer = args.timeout.map(|t| {
        store.set_epoch_deadline(1);
        Timer::start(&engine, t)
    });
    let mut linker = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)
        .map_err(RunError::Wasm)?;
    linker
        .func_wrap("bench", "start", || {})
        .map_err(RunError::Wasm)?;
    linker
        .func_wrap("bench", "end", || {})
        .map_err(RunError::Wasm)?;
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(RunError::Wasm)?;

    let initialize = instance.get_func(&mut store, "_initialize");
    let outcome = match &args.invoke {
        Some(name) => {
            let func = match instance.get_func(&mut store, name) {
                Some(f) => f,
                None if instance.get_export(&mut store, name).is_some() => {
                    return Err(anyhow!("export `{name}` is not a function").into());
                }
                None => return Err(anyhow!("unknown export `{name}`").into()),
            };
            if let Some(init) = initialize {
                call(&mut store, "_initialize", init, &[])?;
            }
            call(&mut store, name, func, &args.args)
        }
        None => match instance.get_func(&mut store, "_start") {
            Some(start) => call(&mut store, "_start", start, &[]),
            None => match initialize {
                Some(init) => call(&mut store, "_initialize", init, &[]),
                None => Ok(()),
            },
        },
    };
    if args.gc_stats {
        print_gc_stats(&store);
    }
    outcome
}

/// `--gc-stats`: the collector's statistics on stderr.
fn print_gc_stats(store: &Store<Host>) {
    let s = store.gc_stats();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "gc: {} minor / {} major collections, {} incremental cycles in {} slices, pauses: total {:.2} ms, max {:.3} ms, \
         p50 {:.3} ms, p99 {:.3} ms; peak heap {:.1} MiB, allocated {:.1} MiB, \
         promoted {:.1} MiB",
        s.minor_collections,
        s.major_collections,
        s.incremental_cycles,
        s.incremental_slices,
        ms(s.total_pause),
        ms(s.max_pause),
        ms(s.pause_p50),
        ms(s.pause_p99),
        s.peak_heap_bytes as f64 / (1 << 20) as f64,
        s.bytes_allocated as f64 / (1 << 20) as f64,
        s.promoted_bytes as f64 / (1 << 20) as f64,
    );
}

/// Calls `func` (exported as `name`) with `args` parsed by its parameter
/// types and prints each result on its own line.
fn call(store: &mut Store<Host>, name: &str, func: Func, args: &[String]) -> Result<(), RunError> {
    let ty = func.ty(&*store);
    let params: Vec<ValType> = ty.params().collect();
    let results = ty.results().count();
    if params.len() != args.len() {
        return Err(anyhow!(
            "`{name}` takes {} argument{}, but {} {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            args.len(),
            if args.len() == 1 { "was" } else { "were" },
        )
        .into());
    }
    let vals = params
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, arg))| {
            parse_arg(arg, ty).with_context(|| format!("argument {} (`{arg}`) of `{name}`", i + 1))
        })
        .collect::<anyhow::Result<Vec<Val>>>()?;
    let mut out = vec![Val::I32(0); results];
    func.call(&mut *store, &vals, &mut out)
        .map_err(|e| uncaught(store, e))?;
    for v in &out {
        println!("{}", format_val(store, v));
    }
    Ok(())
}

/// Describes an uncaught Wasm exception (its tag's type, its payload and
/// the backtrace) while the store is still there; other errors pass.
fn uncaught(store: &mut Store<Host>, e: tern::Error) -> RunError {
    let Some(exn) = e.exception().cloned() else {
        return RunError::Wasm(e);
    };
    let tag = exn
        .tag(&mut *store)
        .and_then(|t| t.ty(&*store))
        .map(|t| t.ty().to_string())
        .unwrap_or_else(|_| "?".into());
    let payload = match exn.fields(&mut *store) {
        Ok(vals) => vals
            .iter()
            .map(|v| format_val(store, v))
            .collect::<Vec<_>>()
            .join(", "),
        Err(_) => "?".into(),
    };
    let mut msg = format!("uncaught wasm exception: tag {tag}, payload [{payload}]");
    let frames = e.backtrace();
    if !frames.is_empty() {
        msg.push_str("\nwasm backtrace:");
        for (i, frame) in frames.iter().enumerate().take(MAX_FRAMES) {
            msg.push_str(&format!("\n  {i}: {frame}"));
        }
    }
    RunError::Other(anyhow!(msg))
}

/// Parses one command-line argument as a value of type `ty`.
fn parse_arg(s: &str, ty: &ValType) -> anyhow::Result<Val> {
    Ok(match ty {
        ValType::I32 => match s.parse::<i32>() {
            Ok(v) => Val::I32(v),
            Err(_) => Val::I32(
                s.parse::<u32>()
                    .map_err(|_| anyhow!("expected a 32-bit integer"))? as i32,
            ),
        },
        ValType::I64 => match s.parse::<i64>() {
            Ok(v) => Val::I64(v),
            Err(_) => Val::I64(
                s.parse::<u64>()
                    .map_err(|_| anyhow!("expected a 64-bit integer"))? as i64,
            ),
        },
        ValType::F32 => Val::F32(
            s.parse::<f32>()
                .map_err(|_| anyhow!("expected a 32-bit float"))?
                .to_bits(),
        ),
        ValType::F64 => Val::F64(
            s.parse::<f64>()
                .map_err(|_| anyhow!("expected a 64-bit float"))?
                .to_bits(),
        ),
        // The vector's bits as one unsigned 128-bit integer (lane 0 in the
        // low bits), in decimal or `0x` hexadecimal; Wasmtime prints v128
        // results the same way.
        ValType::V128 => {
            let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u128::from_str_radix(hex, 16),
                None => s.parse::<u128>(),
            };
            Val::V128(parsed.map_err(|_| anyhow!("expected a 128-bit unsigned integer"))?)
        }
        ValType::Ref(rt) => {
            if s != "null" {
                bail!("expected `null` for a reference parameter");
            }
            if !rt.is_nullable() {
                bail!("the parameter is a non-nullable reference; `null` is not allowed");
            }
            Val::null_ref(rt.heap_type())
        }
    })
}

/// Renders a result value for printing: integers in signed decimal, floats
/// via Rust's `Display`, a v128 as an unsigned decimal 128-bit integer (as
/// Wasmtime does), references by kind.
fn format_val(store: &mut Store<Host>, v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(x) => x.to_string(),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            "null".to_string()
        }
        Val::FuncRef(Some(_)) => "ref.func".to_string(),
        Val::ExternRef(Some(_)) => "ref.extern".to_string(),
        Val::AnyRef(Some(a)) => {
            if let Ok(Some(i)) = a.as_i31(&*store) {
                format!("ref.i31 {}", i.get_i32())
            } else if a.is_struct(&*store).unwrap_or(false) {
                "ref.struct".to_string()
            } else if a.is_array(&*store).unwrap_or(false) {
                "ref.array".to_string()
            } else {
                "ref.any".to_string()
            }
        }
        Val::ExnRef(Some(_)) => "ref.exn".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_in_both_ranges() {
        assert!(matches!(parse_arg("-1", &ValType::I32), Ok(Val::I32(-1))));
        assert!(matches!(
            parse_arg("4294967295", &ValType::I32),
            Ok(Val::I32(-1))
        ));
        assert!(parse_arg("4294967296", &ValType::I32).is_err());
        assert!(matches!(
            parse_arg("18446744073709551615", &ValType::I64),
            Ok(Val::I64(-1))
        ));
        assert!(parse_arg("x", &ValType::I64).is_err());
    }

    #[test]
    fn parses_floats() {
        assert!(matches!(
            parse_arg("1.5", &ValType::F32),
            Ok(Val::F32(b)) if b == 1.5f32.to_bits()
        ));
        assert!(matches!(
            parse_arg("-inf", &ValType::F64),
            Ok(Val::F64(b)) if b == f64::NEG_INFINITY.to_bits()
        ));
    }

    #[test]
    fn parses_v128_in_decimal_and_hex() {
        assert!(matches!(
            parse_arg("340282366920938463463374607431768211455", &ValType::V128),
            Ok(Val::V128(u128::MAX))
        ));
        assert!(matches!(
            parse_arg("0x0102", &ValType::V128),
            Ok(Val::V128(0x102))
        ));
        assert!(parse_arg("-1", &ValType::V128).is_err());
    }
}
