//! Peak resident memory of each GC workload on each runtime.
//!
//! Without arguments: for every (workload, runtime) pair, runs this program
//! again as a child process with the pair as arguments, and writes
//! `target/tern-bench/rss.tsv` (`workload`, `runtime`, peak RSS in KiB or
//! `skipped: why`, then for Tern its collector's summary: collections,
//! pauses, peak heap), which `report` turns into a table. With arguments
//! `WORKLOAD RUNTIME`: compiles and runs that workload once in this process
//! and prints the process's peak resident set size (`VmHWM`), so each
//! number covers one runtime's engine, compiled code and heap, nothing else.

use anyhow::{Context, Result, anyhow, bail};
use std::process::Command;
use tern_bench::{Rt, WasiSetup, each_rt};

/// The GC rows of the suite that are measured, with how to run them.
const WORKLOADS: &[&str] = &[
    "gc/binary_trees_18",
    "gc/alloc_short_lived_1m",
    "gc/array_copy_16mib_i8",
    "gc/kotlin_hello_unopt",
    "gc/kotlin_exceptions_opt",
    "gc/splay",
];

/// The process's peak resident set size in KiB (Linux `/proc`).
fn peak_rss_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or_else(|| anyhow!("no VmHWM in /proc/self/status"))?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or_else(|| anyhow!("malformed VmHWM line"))?
        .parse()?)
}

/// Runs `workload` once on `rt`; returns the runtime's collector summary,
/// if it has one.
fn run(workload: &str, rt: Rt) -> Result<Option<String>> {
    let gc_wat = || tern_bench::wat_file("gc.wat");
    each_rt!(rt, m, {
        let engine = m::engine();
        match workload {
            "gc/binary_trees_18" | "gc/alloc_short_lived_1m" | "gc/array_copy_16mib_i8" => {
                let module = m::compile(&engine, &gc_wat()?)?;
                let (mut store, instance) = m::instantiate(&engine, &module)?;
                match workload {
                    "gc/binary_trees_18" => {
                        let f = m::typed::<i32, i32>(&mut store, &instance, "binary_trees")?;
                        m::call(&f, &mut store, 18)?;
                    }
                    "gc/alloc_short_lived_1m" => {
                        let f = m::typed::<i32, i32>(&mut store, &instance, "alloc")?;
                        m::call(&f, &mut store, 1_000_000)?;
                    }
                    _ => {
                        let f = m::typed::<i32, ()>(&mut store, &instance, "copy_setup")?;
                        m::call(&f, &mut store, 16 << 20)?;
                        let f = m::typed::<(), i32>(&mut store, &instance, "copy")?;
                        m::call(&f, &mut store, ())?;
                    }
                }
                Ok(m::gc_summary(&store))
            }
            "gc/kotlin_hello_unopt" | "gc/kotlin_exceptions_opt" => {
                let file = if workload == "gc/kotlin_hello_unopt" {
                    "gc/kotlin-hello/hello.traps.unopt.wasm"
                } else {
                    "gc/kotlin-exceptions/exceptions.eh.opt.wasm"
                };
                let wasm = std::fs::read(tern_bench::repo_workloads_dir().join(file))?;
                let module = m::compile(&engine, &wasm)?;
                let (mut store, instance) = m::instantiate(&engine, &module)?;
                m::run_start(&mut store, &instance)?;
                Ok(m::gc_summary(&store))
            }
            "gc/splay" => {
                let dir = tern_bench::repo_workloads_dir().join("gc/splay");
                let wasm = std::fs::read(dir.join("splay.wasm"))?;
                let expected = std::fs::read(dir.join("splay.stdout.expected"))?;
                let setup = WasiSetup {
                    args: vec!["splay.wasm".to_string()],
                    dir: Some(dir),
                };
                let module = m::compile(&engine, &wasm)?;
                let linker = m::linker(&engine)?;
                let mut store = m::store(&engine, &setup)?;
                let instance = m::instantiate_with(&linker, &mut store, &module)?;
                m::run_start(&mut store, &instance)?;
                if m::stdout(&store) != expected {
                    bail!("wrong stdout");
                }
                Ok(m::gc_summary(&store))
            }
            other => bail!("unknown workload {other}"),
        }
    })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [workload, rt] = args.as_slice() {
        let rt = Rt::EVERY
            .into_iter()
            .find(|r| r.name() == rt)
            .ok_or_else(|| anyhow!("unknown runtime {rt}"))?;
        let summary = run(workload, rt)?;
        match summary {
            Some(s) => println!("{}\t{s}", peak_rss_kib()?),
            None => println!("{}", peak_rss_kib()?),
        }
        return Ok(());
    }
    let me = std::env::current_exe()?;
    let mut tsv = String::new();
    for &workload in WORKLOADS {
        for &rt in Rt::for_bench(workload) {
            let out = Command::new(&me)
                .args([workload, rt.name()])
                .output()
                .with_context(|| format!("running {}", me.display()))?;
            let cell = if out.status.success() {
                String::from_utf8_lossy(&out.stdout).trim().to_string()
            } else {
                let err = String::from_utf8_lossy(&out.stderr);
                let first = err.lines().next().unwrap_or("failed").to_string();
                format!("skipped: {first}")
            };
            eprintln!("peak RSS {workload} {rt}: {cell}");
            tsv.push_str(&format!("{workload}\t{rt}\t{cell}\n"));
        }
    }
    let path = tern_bench::target_dir().join("tern-bench").join("rss.tsv");
    std::fs::write(&path, tsv).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
