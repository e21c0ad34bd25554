//! Writes `BENCHMARKS.md` from the last run of the suite: the run log
//! (`target/tern-bench/runs.tsv`, which runtimes ran or were skipped, and
//! why) and criterion's `target/criterion/**/new/estimates.json` (median
//! point estimates), plus the machine and the versions measured.
//!
//! Usage: `report [OUTPUT]` (default `../../BENCHMARKS.md`, the repository
//! root seen from the bench crate). Text after a line `<!-- manual -->` in
//! an existing output file is kept, so hand-written analysis survives
//! regeneration. Estimates older than `target/tern-bench/stamp` (touched by
//! `report.sh` before the run) are ignored as stale.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use tern_bench::{Rt, crate_dir, run_log_path, target_dir};

const MANUAL_MARKER: &str = "<!-- manual -->";

/// What the run log says about one benchmark.
#[derive(Default)]
struct Bench {
    /// Per runtime: whether it ran, and the detail (result or skip reason).
    runs: HashMap<Rt, (bool, String)>,
    /// Free-form notes (result mismatches).
    notes: Vec<String>,
}

fn parse_rt(s: &str) -> Option<Rt> {
    Rt::EVERY.into_iter().find(|r| r.name() == s)
}

/// Reads the run log, keeping benchmarks in first-seen order.
fn read_run_log(path: &Path) -> Vec<(String, Bench)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut order: Vec<(String, Bench)> = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, '\t');
        let (Some(bench), Some(rt), Some(what)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let detail = parts.next().unwrap_or("").to_string();
        let Some(rt) = parse_rt(rt) else { continue };
        let i = match order.iter().position(|(b, _)| b == bench) {
            Some(i) => i,
            None => {
                order.push((bench.to_string(), Bench::default()));
                order.len() - 1
            }
        };
        let b = &mut order[i].1;
        match what {
            "ran" => {
                b.runs.insert(rt, (true, detail));
            }
            "skipped" => {
                b.runs.insert(rt, (false, detail));
            }
            _ => b.notes.push(format!("{rt}: {detail}")),
        }
    }
    order
}

/// (group id, function id) -> median in nanoseconds, from every
/// `new/benchmark.json` + `new/estimates.json` pair not older than `since`.
fn read_estimates(root: &Path, since: Option<SystemTime>) -> HashMap<(String, String), f64> {
    let mut out = HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if !p.is_dir() {
                continue;
            }
            if p.file_name().is_some_and(|n| n == "new") {
                if let Some((k, v)) = read_one(&p, since) {
                    out.insert(k, v);
                }
            } else {
                stack.push(p);
            }
        }
    }
    out
}

fn read_one(new_dir: &Path, since: Option<SystemTime>) -> Option<((String, String), f64)> {
    let est_path = new_dir.join("estimates.json");
    if let Some(since) = since {
        let mtime = std::fs::metadata(&est_path).ok()?.modified().ok()?;
        if mtime < since {
            return None;
        }
    }
    let id: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new_dir.join("benchmark.json")).ok()?)
            .ok()?;
    let est: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(est_path).ok()?).ok()?;
    let group = id.get("group_id")?.as_str()?.to_string();
    let func = id.get("function_id")?.as_str()?.to_string();
    let median = est.get("median")?.get("point_estimate")?.as_f64()?;
    Some(((group, func), median))
}

/// A score (iterations per second) logged instead of a criterion
/// measurement, as `score S`.
fn score(detail: &str) -> Option<f64> {
    detail
        .strip_prefix("score ")?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
}

fn fmt_time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.3} s", ns / 1e9)
    }
}

fn cpu_info() -> (String, usize) {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = text
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let logical = text.lines().filter(|l| l.starts_with("processor")).count();
    let cores = std::thread::available_parallelism().map_or(logical, |n| n.get());
    (model, cores)
}

/// Versions of the named packages in the bench workspace's Cargo.lock, in
/// the order of `names`.
fn lock_versions(names: &[&str]) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(crate_dir().join("Cargo.lock")).unwrap_or_default();
    let mut found = HashMap::new();
    let mut name: Option<String> = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ")
            && let Some(n) = name.take()
            && names.contains(&n.as_str())
        {
            found.insert(n, v.trim_matches('"').to_string());
        }
    }
    names
        .iter()
        .filter_map(|n| Some((n.to_string(), found.remove(*n)?)))
        .collect()
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(crate_dir())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The targets: (benchmark, peer, maximum Tern/peer ratio).
const TARGETS: &[(&str, Rt, f64)] = &[
    ("call/host_to_wasm_nop", Rt::Wasmtime, 1.0),
    ("types/struct_matches_depth_63", Rt::Wasmtime, 1.0),
    ("compute/fib_25", Rt::Wasmi, 2.0),
    ("compute/sieve_1m", Rt::Wasmi, 2.0),
    ("compute/matmul_100", Rt::Wasmi, 2.0),
    ("compute/coremark", Rt::Wasmi, 2.0),
    ("compute/sightglass_heapsort", Rt::Wasmi, 2.0),
    ("gc/binary_trees_18", Rt::Wasmtime, 1.0),
];

/// What each group of rows measures (printed for the groups present).
const GROUPS: &[(&str, &str)] = &[
    (
        "call/",
        "`call/*`: one call from the host into wasm (or a loop inside wasm calling \
         out or indirectly), on an instance set up once.",
    ),
    (
        "compute/",
        "`compute/*`: a typed call of a compute kernel; `compute/sightglass_*` run \
         the program's `_start` in a fresh instance (instantiation not timed).",
    ),
    (
        "interrupt/",
        "`interrupt/*_fuel`, `interrupt/*_epoch`: the `compute/` kernels on engines \
         with fuel metering (a tank that never runs dry) or epoch interruption (a \
         deadline that never comes) compiled in; see the overhead table.",
    ),
    (
        "eh/",
        "`eh/*`: exception handling: the same counting loop without and with a \
         `try_table` around its body that never throws (the cost of entering a \
         handler scope), and a `throw` from 10 frames down caught at the top \
         (1000 times per call).",
    ),
    (
        "types/",
        "`types/*`: `StructType::matches` through the embedder API, and compiling \
         a module with many recursion groups.",
    ),
    (
        "gc/",
        "`gc/*`: allocation-heavy typed calls; `gc/kotlin_hello_unopt` runs `_start` \
         in a fresh instance (instantiation not timed).",
    ),
    (
        "wasi/",
        "`wasi/*`: whole programs from `tests/data/workloads` (sightglass, C compiled \
         to wasm32-wasi): per iteration a new store and WASI context (argv[0] the \
         file name, the program's directory preopened as `.`, stdout and stderr \
         captured in memory, so no terminal I/O is timed), instantiation, `_start` \
         and teardown; compilation and the linker are set up once. Each runtime uses \
         its own WASI preview 1 crate (Tern: tern-wasi, wasmi: wasmi_wasi, Wasmtime: \
         wasmtime-wasi), the same ones every benchmark here is linked against; \
         `bench.start`/`bench.end` are no-ops. Each runtime's stdout was checked \
         against the program's `*.stdout.expected` before timing.",
    ),
    (
        "load/",
        "`load/*`: `Module::new` (parse, validate, translate or compile) plus \
         dropping the module.",
    ),
];

/// Reads `target/tern-bench/rss.tsv` (written by the `peak_rss` binary):
/// (workload, runtime) -> peak RSS in KiB, or why it was not measured.
/// What `peak_rss` measured of one workload on one runtime: peak RSS in
/// KiB and, for Tern, its collector's summary; or why it was not measured.
type RssCell = Result<(u64, Option<String>), String>;

fn read_rss() -> HashMap<(String, String), RssCell> {
    let path = target_dir().join("tern-bench").join("rss.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut it = l.splitn(4, '\t');
            let (w, rt, v) = (it.next()?, it.next()?, it.next()?);
            let summary = it.next().map(str::to_string);
            let v = v
                .parse::<u64>()
                .map(|k| (k, summary))
                .map_err(|_| v.to_string());
            Some(((w.to_string(), rt.to_string()), v))
        })
        .collect()
}

/// The GC rows against both of Wasmtime's collectors: time, the ratio to
/// the faster collector, and each runtime's peak RSS (a child process per
/// workload and runtime, see `peak_rss`).
fn gc_section(
    md: &mut String,
    benches: &[(String, Bench)],
    median: &dyn Fn(&str, Rt) -> Option<f64>,
) {
    let rows: Vec<&str> = benches
        .iter()
        .map(|(b, _)| b.as_str())
        .filter(|b| b.starts_with("gc/"))
        .collect();
    if rows.is_empty() {
        return;
    }
    let rss = read_rss();
    md.push_str(
        "\n## GC: Tern against both Wasmtime collectors\n\nWasmtime runs every GC row \
         with its copying collector and with its deferred reference-counting (DRC) \
         collector; the ratio is against the faster of the two. Peak RSS: the whole \
         process (engine, compiled code, heap) running the workload once, one child \
         process per runtime (`peak_rss`); `—` where it was not measured.\n\n\
         | benchmark | Tern | Wasmtime copying | Wasmtime DRC | Tern / best Wasmtime \
         | peak RSS Tern | copying | DRC |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &bench in &rows {
        let t = |rt: Rt| {
            median(bench, rt)
                .map(fmt_time)
                .unwrap_or_else(|| "—".into())
        };
        let best = [Rt::Wasmtime, Rt::WasmtimeCopying]
            .into_iter()
            .filter_map(|rt| median(bench, rt))
            .reduce(f64::min);
        let ratio = match (median(bench, Rt::Tern), best) {
            (Some(t), Some(b)) if b > 0.0 => format!("{:.2}", t / b),
            _ => "—".to_string(),
        };
        let mem = |rt: Rt| match rss.get(&(bench.to_string(), rt.name().to_string())) {
            Some(Ok((kib, _))) => format!("{:.1} MiB", *kib as f64 / 1024.0),
            _ => "—".to_string(),
        };
        let _ = writeln!(
            md,
            "| {bench} | {} | {} | {} | {ratio} | {} | {} | {} |",
            t(Rt::Tern),
            t(Rt::WasmtimeCopying),
            t(Rt::Wasmtime),
            mem(Rt::Tern),
            mem(Rt::WasmtimeCopying),
            mem(Rt::Wasmtime)
        );
    }
    let summaries: Vec<(&str, &str)> = rows
        .iter()
        .filter_map(
            |b| match rss.get(&(b.to_string(), Rt::Tern.name().to_string())) {
                Some(Ok((_, Some(summary)))) => Some((*b, summary.as_str())),
                _ => None,
            },
        )
        .collect();
    if !summaries.is_empty() {
        md.push_str(
            "\nTern's collector in the same single runs (`Store::gc_stats`):\n\n\
             | benchmark | collections, pauses, peak heap |\n|---|---|\n",
        );
        for (bench, summary) in summaries {
            let _ = writeln!(md, "| {bench} | {summary} |");
        }
    }
}

fn main() {
    let out_path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../../BENCHMARKS.md"));
    let since = std::fs::metadata(target_dir().join("tern-bench").join("stamp"))
        .and_then(|m| m.modified())
        .ok();
    let benches = read_run_log(&run_log_path());
    let est = read_estimates(&target_dir().join("criterion"), since);
    let median = |bench: &str, rt: Rt| -> Option<f64> {
        let b = benches.iter().find(|(n, _)| n == bench)?;
        match b.1.runs.get(&rt) {
            Some((true, detail)) => match score(detail) {
                Some(s) => Some(1e9 / s),
                None => est
                    .get(&(bench.to_string(), rt.name().to_string()))
                    .copied(),
            },
            _ => None,
        }
    };

    let mut md = String::new();
    md.push_str("# Benchmarks\n\n");
    md.push_str(
        "Generated by `crates/tern-bench/report.sh` (criterion; median of each runtime's \
         samples, same machine, same run). Ratios are Tern's median over the peer's: \
         lower is better, below 1.0 means Tern is faster. \"skipped\" means the runtime \
         cannot run the workload yet (reasons under Notes).\n\n",
    );
    let quick = tern_bench::quick();
    let (model, cores) = cpu_info();
    let versions = lock_versions(&[
        "wasmi",
        "wasmi_wasi",
        "wasi-common",
        "wasmtime",
        "wasmtime-wasi",
        "criterion",
    ]);
    let tern_rev = command_output("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let dirty = command_output(
        "git",
        &["status", "--porcelain", "--", "../tern", "../tern-wasi"],
    )
    .is_some_and(|s| !s.is_empty());
    let rustc = command_output("rustc", &["-V"]).unwrap_or_default();
    md.push_str("## Machine and versions\n\n");
    let _ = writeln!(
        md,
        "- CPU: {model}, {cores} logical cores (shared with other work)"
    );
    let _ = writeln!(
        md,
        "- Tern: git {tern_rev}{}",
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        }
    );
    let _ = writeln!(md, "- tern-wasi (this repository, Tern's WASI preview 1)");
    for (name, v) in &versions {
        let extra = match name.as_str() {
            "wasmi" => " (eager compilation)",
            "wasmtime" => {
                " (Cranelift, no parallel compilation; GC with the DRC collector, and on GC rows also with the copying collector)"
            }
            "wasmi_wasi" => " (wasmi's WASI preview 1, on wasi-common)",
            "wasmtime-wasi" => " (preview 1, synchronous, blocking on the calling thread)",
            _ => "",
        };
        let _ = writeln!(md, "- {name} {v}{extra}");
    }
    let _ = writeln!(md, "- {rustc}, release profile");
    let _ = writeln!(
        md,
        "- Mode: {}\n",
        if quick {
            "QUICK (short measurement times: indicative only)"
        } else {
            "full"
        }
    );

    md.push_str("## Results\n\n");
    md.push_str("| benchmark | Tern | wasmi | Wasmtime | Tern/wasmi | Tern/Wasmtime |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|\n");
    for (bench, b) in &benches {
        let cell = |rt: Rt| match (median(bench, rt), b.runs.get(&rt)) {
            (Some(t), _) => fmt_time(t),
            (None, Some((false, _))) => "skipped".to_string(),
            _ => "—".to_string(),
        };
        let ratio = |peer: Rt| match (median(bench, Rt::Tern), median(bench, peer)) {
            (Some(t), Some(p)) if p > 0.0 => format!("{:.2}", t / p),
            _ => "—".to_string(),
        };
        let _ = writeln!(
            md,
            "| {bench} | {} | {} | {} | {} | {} |",
            cell(Rt::Tern),
            cell(Rt::Wasmi),
            cell(Rt::Wasmtime),
            ratio(Rt::Wasmi),
            ratio(Rt::Wasmtime)
        );
    }

    gc_section(&mut md, &benches, &median);

    // The cost of fuel and epochs: each metered row against the same
    // runtime's unmetered `compute/` row of this run.
    let metered: Vec<&str> = benches
        .iter()
        .map(|(b, _)| b.as_str())
        .filter(|b| b.starts_with("interrupt/"))
        .collect();
    if !metered.is_empty() {
        md.push_str(
            "\n## Cost of fuel and epoch interruption\n\nTime with the feature on / time \
             with it off (the `compute/` row), per runtime, same run (wasmi has no epoch \
             interruption).\n\n| benchmark | tern | wasmi | wasmtime |\n|---|---:|---:|---:|\n",
        );
        for bench in metered {
            let Some(base) = bench
                .strip_prefix("interrupt/")
                .and_then(|k| k.rsplit_once('_'))
                .map(|(k, _)| format!("compute/{k}"))
            else {
                continue;
            };
            let overhead = |rt: Rt| match (median(bench, rt), median(&base, rt)) {
                (Some(on), Some(off)) if off > 0.0 => format!("{:.2}", on / off),
                _ => "—".to_string(),
            };
            let _ = writeln!(
                md,
                "| {bench} | {} | {} | {} |",
                overhead(Rt::Tern),
                overhead(Rt::Wasmi),
                overhead(Rt::Wasmtime)
            );
        }
    }

    let present: Vec<&str> = GROUPS
        .iter()
        .filter(|(prefix, _)| benches.iter().any(|(b, _)| b.starts_with(prefix)))
        .map(|(_, text)| *text)
        .collect();
    if !present.is_empty() {
        md.push_str("\n## What the rows measure\n\n");
        for text in present {
            let _ = writeln!(md, "- {text}");
        }
    }

    md.push_str("\n## Targets (issue 6)\n\n");
    md.push_str("| benchmark | target | measured | status |\n|---|---|---:|---|\n");
    for &(bench, peer, max) in TARGETS {
        let (measured, status) = match (median(bench, Rt::Tern), median(bench, peer)) {
            (Some(t), Some(p)) if p > 0.0 => {
                let r = t / p;
                (format!("{r:.2}"), if r <= max { "met" } else { "missed" })
            }
            _ => ("—".to_string(), "not measured"),
        };
        let _ = writeln!(
            md,
            "| {bench} | ≤ {max:.1} × {peer} | {measured} | {status} |"
        );
    }
    let (d1, d63) = (
        median("types/struct_matches_depth_1", Rt::Tern),
        median("types/struct_matches_depth_63", Rt::Tern),
    );
    let (measured, status) = match (d1, d63) {
        (Some(a), Some(b)) if a > 0.0 => {
            let r = b / a;
            (format!("{r:.2}"), if r <= 1.1 { "met" } else { "missed" })
        }
        _ => ("—".to_string(), "not measured"),
    };
    let _ = writeln!(
        md,
        "| types/struct_matches_depth_63 vs depth_1 (Tern) | ≤ 1.1 × depth 1 | {measured} | {status} |"
    );

    md.push_str("\n## Notes\n\n");
    let mut any = false;
    for (bench, b) in &benches {
        for rt in Rt::EVERY {
            match b.runs.get(&rt) {
                Some((false, why)) => {
                    any = true;
                    let _ = writeln!(md, "- {bench}: {rt} skipped: {why}");
                }
                Some((true, detail)) if score(detail).is_some() => {
                    any = true;
                    let _ = writeln!(
                        md,
                        "- {bench}: {rt} {detail} iterations/s (the time shown is 1/score: \
                         `run` runs for a fixed wall-clock time, so it is not timed itself)"
                    );
                }
                _ => {}
            }
        }
        for n in &b.notes {
            any = true;
            let _ = writeln!(md, "- {bench}: {n}");
        }
    }
    if !any {
        md.push_str("- none\n");
    }

    let manual = std::fs::read_to_string(&out_path)
        .ok()
        .and_then(|old| old.find(MANUAL_MARKER).map(|i| old[i..].to_string()));
    md.push('\n');
    match manual {
        Some(m) => md.push_str(&m),
        None => {
            md.push_str(MANUAL_MARKER);
            md.push_str(
                "\n\n## Analysis\n\nHand-written notes on the gaps (kept when the report is \
                 regenerated).\n",
            );
        }
    }
    if let Err(e) = std::fs::write(&out_path, md) {
        eprintln!("cannot write {}: {e}", out_path.display());
        std::process::exit(1);
    }
    println!("wrote {}", out_path.display());
}
