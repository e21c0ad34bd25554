//! Runs a fuzzing campaign in worker processes under a watchdog.
//!
//! ```text
//! campaign <diff|gc|mutate> [--count N] [--seed-start S] [--jobs J]
//!          [--timeout SECS] [--out DIR]
//! campaign one <diff|gc|mutate> SEED [--engine both|tern|wasmi] [--save FILE]
//! ```
//!
//! A campaign splits seeds `S..S+N` over `J` worker processes (this binary
//! with `worker`). A worker prints `S seed` before and `R seed tag calls
//! detail` after each case. If a case prints nothing for `--timeout`
//! seconds the worker is killed and the case counted as a hang; if the
//! worker dies (an abort, a native stack overflow) the case is counted as a
//! crash. Either way the case is rerun in child processes with each engine
//! alone to attribute it, and the worker restarts after it. Findings'
//! modules are written to `--out` (default `/tmp/tern-fuzz`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tern_fuzz::worker::{CaseResult, Context, Engines, Mode, quiet_panics, run_case};

const USAGE: &str = "usage:
  campaign <diff|gc|mutate> [--count N] [--seed-start S] [--jobs J] [--timeout SECS] [--out DIR]
           [--node PATH] [--no-triage 1]
  campaign one <diff|gc|mutate> SEED [--engine both|tern|wasmi] [--save FILE]
  campaign triage SEED... [--node PATH] [--keep DIR]
  campaign reduce SEED [--rounds N] [--node PATH] [--keep DIR]
  campaign triage-file FILE.wat|FILE.wasm [--node PATH] [--keep DIR]
  campaign diverges FILE.wat|FILE.wasm   (exit 0 iff Tern and wasmi differ or one panics; for reducers)
  campaign print FILE.wasm";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("worker") => worker(&args[1..]),
        Some("one") => one(&args[1..]),
        Some("triage") => triage(&args[1..]),
        Some("reduce") => reduce(&args[1..]),
        Some("triage-file") => triage_file(&args[1..]),
        Some("diverges") => diverges(&args[1..]),
        Some("print") => match args.get(1) {
            Some(path) => std::fs::read(path)
                .map_err(|e| format!("{path}: {e}"))
                .and_then(|b| wasmprinter::print_bytes(b).map_err(|e| e.to_string()))
                .map(|text| print!("{text}")),
            None => Err(USAGE.to_string()),
        },
        Some(m) if Mode::parse(m).is_some() => supervise(Mode::parse(m).unwrap(), &args[1..]),
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(2);
    }
}

/// `--name value` options.
struct Opts(BTreeMap<String, String>, Vec<String>);

impl Opts {
    fn parse(args: &[String]) -> Result<Opts, String> {
        let mut named = BTreeMap::new();
        let mut positional = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                named.insert(name.to_string(), v.clone());
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Opts(named, positional))
    }

    fn num(&self, name: &str, default: u64) -> Result<u64, String> {
        match self.0.get(name) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: not a number: {v}")),
            None => Ok(default),
        }
    }

    fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Runs `f` on a thread with a large stack (deep but legal recursion in
/// either engine must not overflow the native stack).
fn big_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| std::process::exit(101))
}

fn worker(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let mode = opts.1.first().and_then(|m| Mode::parse(m)).ok_or(USAGE)?;
    let from = opts.num("from", 0)?;
    let step = opts.num("step", 1)?.max(1);
    let count = opts.num("count", 1)?;
    let out = opts.str("out").map(PathBuf::from);
    let node = opts.str("node").map(str::to_string);
    quiet_panics();
    big_stack(move || {
        let cx = Context::new(mode).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
        let stdout = std::io::stdout();
        for k in 0..count {
            let seed = from + k * step;
            {
                let mut o = stdout.lock();
                let _ = writeln!(o, "S {seed}");
                let _ = o.flush();
            }
            let mut r = run_case(mode, seed, Engines::Both, &cx);
            if mode == Mode::Diff
                && r.tag.starts_with("div:")
                && let (Some(node), Some(dir)) = (&node, &out)
            {
                match tern_fuzz::triage::triage_seed(seed, node, &dir.join("triage")) {
                    Ok(t) => {
                        r.tag = format!("{}:{}", r.tag, t.verdict);
                        r.detail = format!("{} | {}", r.detail, t.detail.trim());
                    }
                    Err(e) => r.tag = format!("{}:triage-failed({e})", r.tag),
                }
            }
            if r.is_finding()
                && let Some(dir) = &out
            {
                let _ = std::fs::write(dir.join(format!("{}-{seed}.wasm", mode.name())), &r.bytes);
            }
            let mut o = stdout.lock();
            let _ = writeln!(
                o,
                "R {seed} {} {} {}",
                r.tag,
                r.calls,
                r.detail.replace('\n', " ")
            );
            let _ = o.flush();
        }
    });
    Ok(())
}

fn one(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let mode = opts.1.first().and_then(|m| Mode::parse(m)).ok_or(USAGE)?;
    let seed: u64 = opts.1.get(1).and_then(|s| s.parse().ok()).ok_or(USAGE)?;
    let engines = match opts.str("engine").unwrap_or("both") {
        "both" => Engines::Both,
        "tern" => Engines::Tern,
        "wasmi" => Engines::Wasmi,
        e => return Err(format!("unknown engine {e}")),
    };
    let save = opts.str("save").map(PathBuf::from);
    quiet_panics();
    let r: CaseResult = big_stack(move || {
        let cx = Context::new(mode).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
        run_case(mode, seed, engines, &cx)
    });
    if let Some(path) = save {
        std::fs::write(&path, &r.bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("seed {seed}: {} ({} calls)", r.tag, r.calls);
    if !r.detail.is_empty() {
        println!("{}", r.detail);
    }
    Ok(())
}

/// Reruns differential cases on Tern, wasmi and V8 (node) and says which
/// engine is the odd one out.
fn triage(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let node = node_path(&opts);
    let keep = PathBuf::from(opts.str("keep").unwrap_or("/tmp/tern-fuzz/triage"));
    quiet_panics();
    let seeds = opts
        .1
        .iter()
        .map(|s| s.parse::<u64>().map_err(|_| format!("not a seed: {s}")))
        .collect::<Result<Vec<_>, _>>()?;
    big_stack(move || -> Result<(), String> {
        for seed in seeds {
            let t = tern_fuzz::triage::triage_seed(seed, &node, &keep)?;
            println!("seed {seed}: {}   ({})", t.verdict, t.files);
            if !t.detail.is_empty() {
                println!("{}", t.detail);
            }
        }
        Ok(())
    })
}

/// Triages a module from a file (exports called with seed 0's arguments).
fn triage_file(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let path = PathBuf::from(opts.1.first().ok_or(USAGE)?);
    let bytes = wat::parse_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let node = node_path(&opts);
    let keep = PathBuf::from(opts.str("keep").unwrap_or("/tmp/tern-fuzz/files"));
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "module".into());
    quiet_panics();
    big_stack(move || -> Result<(), String> {
        let t = tern_fuzz::triage::triage_bytes(&bytes, 0, &name, &node, &keep)?;
        println!("{}: {}   ({})", path.display(), t.verdict, t.files);
        if !t.detail.is_empty() {
            println!("{}", t.detail);
        }
        Ok(())
    })
}

/// Exits 0 if Tern and wasmi diverge on the module in a file (an
/// interestingness test for line-based reducers), 1 if not, 2 if the file
/// is not a module.
fn diverges(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or(USAGE)?.clone();
    let Ok(bytes) = wat::parse_file(&path) else {
        std::process::exit(2)
    };
    quiet_panics();
    let verdict = big_stack(move || {
        let t = std::panic::catch_unwind(|| tern_fuzz::diff::observe_tern(&bytes, 0));
        let w = std::panic::catch_unwind(|| tern_fuzz::diff::observe_wasmi(&bytes, 0));
        match (t, w) {
            (Err(_), _) => Some("tern-panic".to_string()),
            (_, Err(_)) => Some("wasmi-panic".to_string()),
            (Ok(t), Ok(w)) => match tern_fuzz::diff::compare(&t, &w) {
                tern_fuzz::diff::Verdict::Diverged(d) => Some(d.to_string()),
                _ => None,
            },
        }
    });
    match verdict {
        Some(d) => {
            println!("{d}");
            std::process::exit(0)
        }
        None => std::process::exit(1),
    }
}

/// Shrinks a differential case, then triages the reduced module.
fn reduce(args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let seed: u64 = opts.1.first().and_then(|s| s.parse().ok()).ok_or(USAGE)?;
    let rounds = opts.num("rounds", 3000)? as u32;
    let node = node_path(&opts);
    let keep = PathBuf::from(opts.str("keep").unwrap_or("/tmp/tern-fuzz/reduced"));
    quiet_panics();
    big_stack(move || -> Result<(), String> {
        let bytes = tern_fuzz::triage::reduce(seed, rounds)?;
        let name = format!("diff-{seed}-reduced");
        let t = tern_fuzz::triage::triage_bytes(&bytes, seed, &name, &node, &keep)?;
        println!(
            "seed {seed}: reduced to {} bytes: {}   ({})",
            bytes.len(),
            t.verdict,
            t.files
        );
        if !t.detail.is_empty() {
            println!("{}", t.detail);
        }
        Ok(())
    })
}

/// The node binary for triage: `--node`, `$NODE`, or `node`.
fn node_path(opts: &Opts) -> String {
    opts.str("node")
        .map(str::to_string)
        .or_else(|| std::env::var("NODE").ok())
        .unwrap_or_else(|| "node".into())
}

#[derive(Default)]
struct Summary {
    counts: BTreeMap<String, u64>,
    calls: u64,
    done: u64,
    findings: Vec<(u64, String, String)>,
}

impl Summary {
    fn record(&mut self, seed: u64, tag: &str, calls: u64, detail: &str) {
        *self.counts.entry(tag.to_string()).or_default() += 1;
        self.calls += calls;
        self.done += 1;
        let boring = matches!(
            tag,
            "same"
                | "stack-overflow"
                | "gen-fail"
                | "ran"
                | "ran-collected"
                | "not-instantiated"
                | "invalid"
                | "unsupported"
        );
        if !boring {
            self.findings
                .push((seed, tag.to_string(), detail.chars().take(400).collect()));
        }
    }
}

/// Runs `one MODE SEED --engine E` with a timeout: `ok`, `crash` or `hang`.
fn probe(mode: Mode, seed: u64, engine: &str, timeout: Duration) -> &'static str {
    let exe = std::env::current_exe().expect("current exe");
    let Ok(mut child) = Command::new(exe)
        .args(["one", mode.name(), &seed.to_string(), "--engine", engine])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return "spawn-failed";
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return "ok",
            Ok(Some(_)) => return "crash",
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return "hang";
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => return "crash",
        }
    }
}

/// The tag of a case whose worker hung (`what` = "hang") or died.
fn attribute(mode: Mode, seed: u64, what: &str, timeout: Duration) -> String {
    if mode != Mode::Diff {
        return match probe(mode, seed, "tern", timeout) {
            "ok" => format!("{what}:flaky"),
            r => format!("{r}:tern"),
        };
    }
    let t = probe(mode, seed, "tern", timeout);
    let w = probe(mode, seed, "wasmi", timeout);
    match (t, w) {
        ("ok", "ok") => format!("{what}:flaky"),
        ("ok", r) => format!("{r}:wasmi"),
        (r, "ok") => format!("{r}:tern"),
        (a, b) => format!("{a}:tern+{b}:wasmi"),
    }
}

fn spawn_worker(
    mode: Mode,
    from: u64,
    step: u64,
    count: u64,
    out: &Path,
    node: Option<&str>,
) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "worker",
        mode.name(),
        "--from",
        &from.to_string(),
        "--step",
        &step.to_string(),
        "--count",
        &count.to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    if let Some(node) = node {
        cmd.args(["--node", node]);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawning a worker: {e}"))
}

/// One job's share: seeds `first, first+step, ...` (`count` of them).
struct Job {
    mode: Mode,
    first: u64,
    step: u64,
    count: u64,
    timeout: Duration,
    out: PathBuf,
    node: Option<String>,
}

fn run_job(job: Job, summary: &Mutex<Summary>) -> Result<(), String> {
    let Job {
        mode,
        first,
        step,
        count,
        timeout,
        ref out,
        ref node,
    } = job;
    let node = node.as_deref();
    let mut next = first;
    let mut left = count;
    while left > 0 {
        let mut child = spawn_worker(mode, next, step, left, out, node)?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut current: Option<u64> = None;
        let failed = loop {
            match rx.recv_timeout(timeout) {
                Ok(line) => {
                    let mut parts = line.splitn(5, ' ');
                    match parts.next() {
                        Some("S") => current = parts.next().and_then(|s| s.parse().ok()),
                        Some("R") => {
                            let seed: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                            let tag = parts.next().unwrap_or("?");
                            let calls = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                            let detail = parts.next().unwrap_or("");
                            summary.lock().unwrap().record(seed, tag, calls, detail);
                            current = None;
                            left -= 1;
                            next = seed + step;
                        }
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if current.is_some() {
                        let _ = child.kill();
                        let _ = child.wait();
                        break current.map(|s| (s, "hang"));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = child.wait();
                    if left == 0 {
                        break None;
                    }
                    match current {
                        Some(s) => break Some((s, "crash")),
                        None => return Err("a worker exited before starting a case".into()),
                    }
                }
            }
        };
        if let Some((seed, what)) = failed {
            let tag = attribute(mode, seed, what, timeout);
            summary
                .lock()
                .unwrap()
                .record(seed, &tag, 0, "worker killed or died");
            left -= 1;
            next = seed + step;
        }
    }
    Ok(())
}

fn supervise(mode: Mode, args: &[String]) -> Result<(), String> {
    let opts = Opts::parse(args)?;
    let count = opts.num("count", 1000)?;
    let start = opts.num("seed-start", 0)?;
    let jobs = opts.num("jobs", 2)?.max(1);
    let timeout = Duration::from_secs(opts.num("timeout", 20)?);
    let out = PathBuf::from(opts.str("out").unwrap_or("/tmp/tern-fuzz"));
    // Divergences are triaged with V8 when a node binary is given.
    let node = (mode == Mode::Diff && opts.str("no-triage").is_none()).then(|| node_path(&opts));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let summary = Arc::new(Mutex::new(Summary::default()));
    let began = Instant::now();
    let mut handles = Vec::new();
    for j in 0..jobs.min(count.max(1)) {
        let n = count / jobs + u64::from(j < count % jobs);
        let summary = summary.clone();
        let job = Job {
            mode,
            first: start + j,
            step: jobs,
            count: n,
            timeout,
            out: out.clone(),
            node: node.clone(),
        };
        handles.push(std::thread::spawn(move || run_job(job, &summary)));
    }
    // Progress every 30 s on stderr.
    let progress = {
        let summary = summary.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(30));
                let s = summary.lock().unwrap();
                if s.done >= count {
                    break;
                }
                let secs = began.elapsed().as_secs_f64();
                eprintln!(
                    "[{:.0}s] {}/{} cases ({:.1}/s), {} findings",
                    secs,
                    s.done,
                    count,
                    s.done as f64 / secs,
                    s.findings.len()
                );
            }
        })
    };
    for h in handles {
        h.join().map_err(|_| "a job thread panicked")??;
    }
    let _ = progress;
    let secs = began.elapsed().as_secs_f64();
    let s = summary.lock().unwrap();
    let mut report = String::new();
    report.push_str(&format!(
        "campaign {} seeds {}..{} ({} jobs): {} cases in {:.0} s ({:.1}/s), {} exported-function calls\n",
        mode.name(),
        start,
        start + count,
        jobs,
        s.done,
        secs,
        s.done as f64 / secs,
        s.calls
    ));
    for (tag, n) in &s.counts {
        report.push_str(&format!("  {tag:<28} {n}\n"));
    }
    if s.findings.is_empty() {
        report.push_str("findings: none\n");
    } else {
        report.push_str(&format!("findings ({}):\n", s.findings.len()));
        let mut f = s.findings.clone();
        f.sort();
        for (seed, tag, detail) in f {
            report.push_str(&format!("  seed {seed} {tag} {detail}\n"));
        }
    }
    print!("{report}");
    let path = out.join(format!("summary-{}-{}-{}.txt", mode.name(), start, count));
    let _ = std::fs::write(&path, &report);
    eprintln!(
        "findings' modules in {}, summary in {}",
        out.display(),
        path.display()
    );
    Ok(())
}
