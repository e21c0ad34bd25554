//! The benchmark suite: Tern against wasmi and Wasmtime, same inputs, same
//! run. One criterion group per benchmark, one function per runtime (the
//! group id is the benchmark name, the function id the runtime name), so
//! `report` can put the runtimes of a benchmark side by side.
//!
//! Every runtime is set up (compiled, instantiated, called once and its
//! result compared with the others) outside the timed loop; a runtime that
//! cannot run a workload is skipped for that benchmark with a note in the
//! run log, never failing the run.
//!
//! Environment: `QUICK=1` for short measurement times; `TERN_BENCH_FILTER`
//! (substring) to skip the setup of benchmarks whose name does not contain
//! it (criterion's own filter argument still applies on top).

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::Duration;
use tern_bench::{Metering, Outcome, Params, Results, Rt, WasiSetup, log_note, log_run, quick};

use tern_bench::each_rt;

/// How long a benchmark's iterations are.
#[derive(Clone, Copy)]
enum Kind {
    /// Micro- to milli-seconds per iteration.
    Fast,
    /// Up to seconds per iteration: 10 samples, flat sampling.
    Slow,
}

/// Whether the benchmark `name` passes `TERN_BENCH_FILTER`.
fn selected(name: &str) -> bool {
    match std::env::var("TERN_BENCH_FILTER") {
        Ok(f) if !f.is_empty() => name.contains(&f),
        _ => true,
    }
}

fn group<'a>(c: &'a mut Criterion, name: &str, kind: Kind) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    let q = quick();
    match kind {
        Kind::Fast => {
            g.sample_size(if q { 20 } else { 50 });
            g.warm_up_time(Duration::from_millis(if q { 300 } else { 1000 }));
            g.measurement_time(Duration::from_millis(if q { 1000 } else { 4000 }));
        }
        Kind::Slow => {
            g.sample_size(10);
            g.sampling_mode(SamplingMode::Flat);
            g.warm_up_time(Duration::from_millis(if q { 100 } else { 1000 }));
            g.measurement_time(Duration::from_millis(if q { 1000 } else { 5000 }));
        }
    }
    g
}

/// Tracks the first runtime's result so the others can be compared with it.
struct Expect {
    bench: String,
    first: Option<(Rt, String)>,
}

impl Expect {
    fn new(bench: &str) -> Expect {
        Expect {
            bench: bench.to_string(),
            first: None,
        }
    }

    fn see(&mut self, rt: Rt, result: String) {
        match &self.first {
            None => self.first = Some((rt, result)),
            Some((r0, v0)) if *v0 != result => log_note(
                &self.bench,
                rt,
                &format!("result {result} differs from {r0}'s {v0}"),
            ),
            Some(_) => {}
        }
    }
}

/// A typed call of `export` with `args`, after calling each `init` export
/// `(i32) -> ()` once; results are compared across runtimes.
struct Call<'w, P> {
    bench: &'w str,
    wasm: &'w [u8],
    init: &'w [(&'w str, i32)],
    export: &'w str,
    args: P,
    kind: Kind,
    metering: Metering,
}

impl<'w, P> Call<'w, P> {
    /// A fast call with no init exports.
    fn new(bench: &'w str, wasm: &'w [u8], export: &'w str, args: P) -> Call<'w, P> {
        Call {
            bench,
            wasm,
            init: &[],
            export,
            args,
            kind: Kind::Fast,
            metering: Metering::Off,
        }
    }

    fn metered(mut self, metering: Metering) -> Self {
        self.metering = metering;
        self
    }

    fn slow(mut self) -> Self {
        self.kind = Kind::Slow;
        self
    }

    fn init(mut self, init: &'w [(&'w str, i32)]) -> Self {
        self.init = init;
        self
    }
}

fn bench_call<P: Params, R: Results>(c: &mut Criterion, call: Call<'_, P>) {
    if !selected(call.bench) {
        return;
    }
    let mut g = group(c, call.bench, call.kind);
    let mut expect = Expect::new(call.bench);
    for &rt in Rt::for_bench(call.bench) {
        each_rt!(rt, m, {
            let setup = || -> anyhow::Result<_> {
                let engine = m::engine_metered(call.metering).ok_or_else(|| {
                    anyhow::anyhow!("no {} metering in this runtime", call.metering.name())
                })?;
                let module = m::compile(&engine, call.wasm)?;
                let (mut store, instance) = m::instantiate(&engine, &module)?;
                m::meter(&mut store, call.metering)?;
                for &(name, arg) in call.init {
                    let f = m::typed::<i32, ()>(&mut store, &instance, name)?;
                    m::call(&f, &mut store, arg)?;
                }
                let f = m::typed::<P, R>(&mut store, &instance, call.export)?;
                let r = m::call(&f, &mut store, call.args)?;
                Ok((engine, module, store, f, format!("{r:?}")))
            };
            match setup() {
                Err(e) => log_run(call.bench, rt, Outcome::Skipped, &format!("{e:#}")),
                Ok((_engine, _module, mut store, f, result)) => {
                    expect.see(rt, result.clone());
                    log_run(call.bench, rt, Outcome::Ran, &format!("result {result}"));
                    let args = call.args;
                    g.bench_function(rt.name(), |b| {
                        b.iter(|| f.call(&mut store, black_box(args)))
                    });
                }
            }
        });
    }
    g.finish();
}

/// Checks a setup run's stdout against the workload's expected output and
/// hands its digest to `expect` (so runtimes are also compared with each
/// other).
fn check_stdout(
    expect: &mut Expect,
    rt: Rt,
    out: &[u8],
    expected: Option<&[u8]>,
) -> anyhow::Result<String> {
    if let Some(want) = expected
        && out != want
    {
        anyhow::bail!(
            "wrong stdout: {:?} instead of {:?}",
            String::from_utf8_lossy(&out[..out.len().min(200)]),
            String::from_utf8_lossy(&want[..want.len().min(200)])
        );
    }
    let d = tern_bench::digest(out);
    expect.see(rt, d.clone());
    Ok(d)
}

/// Runs the WASI command `_start` of `wasm` in a fresh instance per
/// iteration (instantiation is not timed). The setup run's stdout must equal
/// `expected`, when given.
fn bench_start(c: &mut Criterion, bench: &str, wasm: &[u8], expected: Option<&[u8]>, kind: Kind) {
    if !selected(bench) {
        return;
    }
    let mut g = group(c, bench, kind);
    let mut expect = Expect::new(bench);
    for &rt in Rt::for_bench(bench) {
        each_rt!(rt, m, {
            let mut setup = || -> anyhow::Result<_> {
                let engine = m::engine();
                let module = m::compile(&engine, wasm)?;
                let (mut store, instance) = m::instantiate(&engine, &module)?;
                m::run_start(&mut store, &instance)?;
                let d = check_stdout(&mut expect, rt, &m::stdout(&store), expected)?;
                Ok((engine, module, d))
            };
            match setup() {
                Err(e) => log_run(bench, rt, Outcome::Skipped, &format!("{e:#}")),
                Ok((engine, module, d)) => {
                    log_run(bench, rt, Outcome::Ran, &d);
                    g.bench_function(rt.name(), |b| {
                        b.iter_batched(
                            || m::instantiate(&engine, &module).expect("instantiate"),
                            |(mut store, instance)| {
                                let r = m::run_start(&mut store, &instance);
                                (store, instance, r.is_ok())
                            },
                            BatchSize::PerIteration,
                        )
                    });
                }
            }
        });
    }
    g.finish();
}

/// A whole WASI program: each iteration creates a store with a fresh WASI
/// context (`setup`: arguments, a preopened directory, stdout captured in
/// memory), instantiates the compiled module, runs `_start` and drops the
/// store. Compilation and the linker are set up once, outside the timed
/// loop. Every runtime uses its own WASI crate, configured alike.
fn bench_program(
    c: &mut Criterion,
    bench: &str,
    wasm: &[u8],
    setup: &WasiSetup,
    expected: Option<&[u8]>,
) {
    if !selected(bench) {
        return;
    }
    let mut g = group(c, bench, Kind::Slow);
    let mut expect = Expect::new(bench);
    for &rt in Rt::for_bench(bench) {
        each_rt!(rt, m, {
            let run = |engine: &m::Engine,
                       linker: &m::Linker,
                       module: &m::Module|
             -> anyhow::Result<m::Store> {
                let mut store = m::store(engine, setup)?;
                let instance = m::instantiate_with(linker, &mut store, module)?;
                m::run_start(&mut store, &instance)?;
                Ok(store)
            };
            let mut prepare = || -> anyhow::Result<_> {
                let engine = m::engine();
                let module = m::compile(&engine, wasm)?;
                let linker = m::linker(&engine)?;
                let store = run(&engine, &linker, &module)?;
                let d = check_stdout(&mut expect, rt, &m::stdout(&store), expected)?;
                Ok((engine, module, linker, d))
            };
            match prepare() {
                Err(e) => log_run(bench, rt, Outcome::Skipped, &format!("{e:#}")),
                Ok((engine, module, linker, d)) => {
                    log_run(bench, rt, Outcome::Ran, &d);
                    g.bench_function(rt.name(), |b| {
                        b.iter(|| run(&engine, &linker, &module).is_ok())
                    });
                }
            }
        });
    }
    g.finish();
}

/// Times `Module::new` (parse, validate, translate) plus dropping the module.
fn bench_compile(c: &mut Criterion, bench: &str, wasm: &[u8], kind: Kind) {
    if !selected(bench) {
        return;
    }
    let mut g = group(c, bench, kind);
    for rt in Rt::ALL {
        each_rt!(rt, m, {
            let engine = m::engine();
            match m::compile(&engine, wasm) {
                Err(e) => log_run(bench, rt, Outcome::Skipped, &format!("{e:#}")),
                Ok(module) => {
                    drop(module);
                    log_run(bench, rt, Outcome::Ran, "");
                    g.bench_function(rt.name(), |b| {
                        b.iter(|| m::compile(&engine, black_box(wasm)).is_ok())
                    });
                }
            }
        });
    }
    g.finish();
}

fn load_or_note(bench: &str, what: anyhow::Result<Vec<u8>>) -> Option<Vec<u8>> {
    match what {
        Ok(b) => Some(b),
        Err(e) => {
            for &rt in Rt::for_bench(bench) {
                log_run(
                    bench,
                    rt,
                    Outcome::Skipped,
                    &format!("workload unavailable: {e:#}"),
                );
            }
            None
        }
    }
}

/// CoreMark's `run` runs for a fixed wall-clock time (about 20 s here) and
/// returns iterations per second, so timing it says nothing: instead each
/// runtime runs it a few times (1 in QUICK mode, 3 otherwise) outside
/// criterion and the median score goes to the run log as `score S`, which
/// `report` turns into a time per CoreMark iteration (1/S).
fn coremark(wasm: &[u8]) {
    let bench = "compute/coremark";
    if !selected(bench) {
        return;
    }
    let runs = if quick() { 1 } else { 3 };
    for rt in Rt::ALL {
        each_rt!(rt, m, {
            let measure = || -> anyhow::Result<f32> {
                let engine = m::engine();
                let module = m::compile(&engine, wasm)?;
                let (mut store, instance) = m::instantiate(&engine, &module)?;
                let f = m::typed::<(), f32>(&mut store, &instance, "run")?;
                let mut scores = Vec::new();
                for _ in 0..runs {
                    scores.push(m::call(&f, &mut store, ())?);
                }
                scores.sort_by(f32::total_cmp);
                Ok(scores[scores.len() / 2])
            };
            match measure() {
                Ok(score) => {
                    eprintln!("{bench}/{rt}: CoreMark score {score}");
                    log_run(bench, rt, Outcome::Ran, &format!("score {score}"));
                }
                Err(e) => log_run(bench, rt, Outcome::Skipped, &format!("{e:#}")),
            }
        });
    }
}

/// Group 1: call overhead.
fn calls(c: &mut Criterion) {
    let Some(wasm) = load_or_note("call/host_to_wasm_nop", tern_bench::wat_file("calls.wat"))
    else {
        return;
    };
    let call_ref = tern_bench::wat_file("call_ref.wat").unwrap_or_default();
    bench_call::<(), ()>(c, Call::new("call/host_to_wasm_nop", &wasm, "nop", ()));
    bench_call::<(i32, i64), f32>(
        c,
        Call::new("call/host_to_wasm_i32_i64_to_f32", &wasm, "mix", (7, -3)),
    );
    bench_call::<i32, i32>(
        c,
        Call::new("call/wasm_to_host_x1000", &wasm, "host_loop", 1000),
    );
    bench_call::<i32, i32>(
        c,
        Call::new("call/call_indirect_x1000", &wasm, "indirect_loop", 1000),
    );
    bench_call::<i32, i32>(
        c,
        Call::new("call/call_ref_x1000", &call_ref, "ref_loop", 1000),
    );
}

/// Group: exception handling (a loop with and without a `try_table` that
/// never throws; a throw caught 10 frames up).
fn exceptions(c: &mut Criterion) {
    let Some(wasm) = load_or_note("eh/loop_plain_1m", tern_bench::wat_file("exceptions.wat"))
    else {
        return;
    };
    bench_call::<i32, i32>(
        c,
        Call::new("eh/loop_plain_1m", &wasm, "plain_loop", 1_000_000),
    );
    bench_call::<i32, i32>(
        c,
        Call::new("eh/loop_try_table_1m", &wasm, "try_table_loop", 1_000_000),
    );
    bench_call::<i32, i32>(
        c,
        Call::new("eh/throw_10_deep_x1000", &wasm, "throw_10_deep", 1000),
    );
}

/// Group 2: compute.
fn compute(c: &mut Criterion) {
    if let Some(wasm) = load_or_note("compute/fib_25", tern_bench::wat_file("compute.wat")) {
        bench_call::<i32, i32>(c, Call::new("compute/fib_25", &wasm, "fib", 25));
        bench_call::<i32, i32>(c, Call::new("compute/sieve_1m", &wasm, "sieve", 1_000_000));
        bench_call::<i32, f64>(c, Call::new("compute/matmul_100", &wasm, "matmul", 100));
        bench_call::<i32, i32>(
            c,
            Call::new("compute/br_if_loop_1m", &wasm, "loop", 1_000_000),
        );
    }
    if let Some(wasm) = load_or_note(
        "compute/coremark",
        tern_bench::workload("classic/coremark/coremark-minimal.wasm"),
    ) {
        coremark(&wasm);
    }
    for name in ["heapsort", "keccak"] {
        let bench = format!("compute/sightglass_{name}");
        let path = format!("classic/sightglass/shootout-{name}.wasm");
        if let Some(wasm) = load_or_note(&bench, tern_bench::workload(&path)) {
            let expected = tern_bench::workload(&format!(
                "classic/sightglass/shootout-{name}.stdout.expected"
            ))
            .ok();
            bench_start(c, &bench, &wasm, expected.as_deref(), Kind::Slow);
        }
    }
}

/// The cost of stopping runaway code: the `compute/` kernels with fuel
/// metering and with epoch interruption compiled in (compare each row with
/// the same runtime's `compute/` row of the same run).
fn interrupt(c: &mut Criterion) {
    let Some(wasm) = load_or_note("interrupt/fib_25", tern_bench::wat_file("compute.wat")) else {
        return;
    };
    for metering in [Metering::Fuel, Metering::Epoch] {
        let m = metering.name();
        let name = |k: &str| format!("interrupt/{k}_{m}");
        let (fib, sieve) = (name("fib_25"), name("sieve_1m"));
        let (matmul, looped) = (name("matmul_100"), name("br_if_loop_1m"));
        bench_call::<i32, i32>(c, Call::new(&fib, &wasm, "fib", 25).metered(metering));
        bench_call::<i32, i32>(
            c,
            Call::new(&sieve, &wasm, "sieve", 1_000_000).metered(metering),
        );
        bench_call::<i32, f64>(
            c,
            Call::new(&matmul, &wasm, "matmul", 100).metered(metering),
        );
        bench_call::<i32, i32>(
            c,
            Call::new(&looped, &wasm, "loop", 1_000_000).metered(metering),
        );
    }
}

/// SIMD kernels (`wat/simd.wat`): a vectorised f32 dot product and a
/// 3-tap u8 image filter, inputs filled once by an untimed init export.
fn simd(c: &mut Criterion) {
    let Some(wasm) = load_or_note("simd/dot_f32_64k", tern_bench::wat_file("simd.wat")) else {
        return;
    };
    const DOT_N: i32 = 65_536;
    const BLUR_N: i32 = 262_144;
    bench_call::<i32, f32>(
        c,
        Call::new("simd/dot_f32_64k", &wasm, "dot", DOT_N).init(&[("init_dot", DOT_N)]),
    );
    bench_call::<i32, i32>(
        c,
        Call::new("simd/blur_u8_256k", &wasm, "blur", BLUR_N).init(&[("init_blur", BLUR_N)]),
    );
}

/// Group 3: the type system.
fn types(c: &mut Criterion) {
    use tern_bench::types::{tern_chain, tern_many, wasmtime_chain, wasmtime_many};
    // (bench, subtyping depth, extra registered types)
    let cases: [(&str, usize, usize); 4] = [
        ("types/struct_matches_depth_1", 1, 0),
        ("types/struct_matches_depth_63", 63, 0),
        ("types/struct_matches_10_registered", 1, 10),
        ("types/struct_matches_100000_registered", 1, 100_000),
    ];
    for (bench, depth, many) in cases {
        if !selected(bench) {
            continue;
        }
        let mut g = group(c, bench, Kind::Fast);
        log_run(
            bench,
            Rt::Wasmi,
            Outcome::Skipped,
            "wasmi has no GC type API",
        );
        {
            let engine = tern_bench::rt_tern::engine();
            match tern_many(&engine, many).and_then(|keep| {
                tern_chain(&engine, depth).map(|(leaf, root, chain)| (leaf, root, chain, keep))
            }) {
                Err(e) => log_run(bench, Rt::Tern, Outcome::Skipped, &format!("{e:#}")),
                Ok((leaf, root, _chain, _keep)) => {
                    let ok = leaf.matches(&root) && !root.matches(&leaf);
                    log_run(bench, Rt::Tern, Outcome::Ran, &format!("matches {ok}"));
                    g.bench_function("tern", |b| {
                        b.iter(|| black_box(&leaf).matches(black_box(&root)))
                    });
                }
            }
        }
        {
            let engine = tern_bench::rt_wasmtime::engine();
            match wasmtime_many(&engine, many).and_then(|keep| {
                wasmtime_chain(&engine, depth).map(|(leaf, root, chain)| (leaf, root, chain, keep))
            }) {
                Err(e) => log_run(bench, Rt::Wasmtime, Outcome::Skipped, &format!("{e:#}")),
                Ok((leaf, root, _chain, _keep)) => {
                    let ok = leaf.matches(&root) && !root.matches(&leaf);
                    log_run(bench, Rt::Wasmtime, Outcome::Ran, &format!("matches {ok}"));
                    g.bench_function("wasmtime", |b| {
                        b.iter(|| black_box(&leaf).matches(black_box(&root)))
                    });
                }
            }
        }
        g.finish();
    }
    let text = tern_bench::wat_gen::rec_groups_module(100, 10);
    match wat::parse_str(&text) {
        Ok(wasm) => bench_compile(
            c,
            "types/compile_1000_structs_100_rec_groups",
            &wasm,
            Kind::Fast,
        ),
        Err(e) => log_note(
            "types/compile_1000_structs_100_rec_groups",
            Rt::Tern,
            &format!("{e}"),
        ),
    }
}

/// Builds a list of `n` structs `{i32, anyref}` from the host inside one
/// root scope, with Tern's API; returns the head's `i32` (n - 1).
fn tern_host_list(
    store: &mut tern::Store<tern_bench::rt_tern::Data>,
    pre: &tern::StructRefPre,
    n: i32,
) -> anyhow::Result<i32> {
    let mut scope = tern::RootScope::new(store);
    let mut head = tern::Val::AnyRef(None);
    for i in 0..n {
        let s = tern::StructRef::new(&mut scope, pre, &[tern::Val::I32(i), head])?;
        head = tern::Val::AnyRef(Some(s.to_anyref()));
    }
    let tern::Val::AnyRef(Some(h)) = head else {
        anyhow::bail!("empty list")
    };
    let first = h.unwrap_struct(&mut scope)?.field(&mut scope, 0)?;
    first.i32().ok_or_else(|| anyhow::anyhow!("not an i32"))
}

/// [`tern_host_list`] with Wasmtime's API.
fn wasmtime_host_list(
    store: &mut wasmtime::Store<tern_bench::rt_wasmtime::Data>,
    pre: &wasmtime::StructRefPre,
    n: i32,
) -> anyhow::Result<i32> {
    let mut scope = wasmtime::RootScope::new(store);
    let mut head = wasmtime::Val::AnyRef(None);
    for i in 0..n {
        let s = wasmtime::StructRef::new(&mut scope, pre, &[wasmtime::Val::I32(i), head])
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        head = wasmtime::Val::AnyRef(Some(s.to_anyref()));
    }
    let wasmtime::Val::AnyRef(Some(h)) = head else {
        anyhow::bail!("empty list")
    };
    let s = h
        .unwrap_struct(&scope)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let first = s
        .field(&mut scope, 0)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    first.i32().ok_or_else(|| anyhow::anyhow!("not an i32"))
}

/// `gc/host_list_1m`: the host allocates 1M structs through the embedder
/// API and links them into a list, all roots scoped (`RootScope`) and the
/// type pre-resolved (`StructRefPre`), in Tern and in Wasmtime.
fn host_list(c: &mut Criterion) {
    let bench = "gc/host_list_1m";
    if !selected(bench) {
        return;
    }
    const N: i32 = 1_000_000;
    let mut g = group(c, bench, Kind::Slow);
    log_run(bench, Rt::Wasmi, Outcome::Skipped, "wasmi has no GC API");
    {
        let setup = || -> anyhow::Result<_> {
            use tern::{FieldType, Mutability, RefType, StorageType, StructType, ValType};
            let engine = tern_bench::rt_tern::engine();
            let (mut store, _) = tern_bench::rt_tern::instantiate(
                &engine,
                &tern_bench::rt_tern::compile(&engine, b"(module)")?,
            )?;
            let ty = StructType::new(
                &engine,
                [
                    FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32)),
                    FieldType::new(
                        Mutability::Const,
                        StorageType::ValType(ValType::Ref(RefType::new(true, tern::HeapType::Any))),
                    ),
                ],
            )?;
            let pre = tern::StructRefPre::new(&mut store, ty)?;
            let r = tern_host_list(&mut store, &pre, N)?;
            Ok((engine, store, pre, r))
        };
        match setup() {
            Err(e) => log_run(bench, Rt::Tern, Outcome::Skipped, &format!("{e:#}")),
            Ok((_engine, mut store, pre, r)) => {
                log_run(bench, Rt::Tern, Outcome::Ran, &format!("result {r}"));
                g.bench_function(Rt::Tern.name(), |b| {
                    b.iter(|| tern_host_list(&mut store, &pre, black_box(N)).is_ok())
                });
            }
        }
    }
    for rt in [Rt::Wasmtime, Rt::WasmtimeCopying] {
        let setup = || -> anyhow::Result<_> {
            use wasmtime::{FieldType, Mutability, StorageType, StructType, ValType};
            let engine = if rt == Rt::Wasmtime {
                tern_bench::rt_wasmtime::engine()
            } else {
                tern_bench::rt_wasmtime_copying::engine()
            };
            let (mut store, _) = tern_bench::rt_wasmtime::instantiate(
                &engine,
                &tern_bench::rt_wasmtime::compile(&engine, b"(module)")?,
            )?;
            let ty = StructType::new(
                &engine,
                [
                    FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32)),
                    FieldType::new(Mutability::Const, StorageType::ValType(ValType::ANYREF)),
                ],
            )
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let pre = wasmtime::StructRefPre::new(&mut store, ty);
            let r = wasmtime_host_list(&mut store, &pre, N)?;
            Ok((engine, store, pre, r))
        };
        match setup() {
            Err(e) => log_run(bench, rt, Outcome::Skipped, &format!("{e:#}")),
            Ok((_engine, mut store, pre, r)) => {
                log_run(bench, rt, Outcome::Ran, &format!("result {r}"));
                g.bench_function(rt.name(), |b| {
                    b.iter(|| wasmtime_host_list(&mut store, &pre, black_box(N)).is_ok())
                });
            }
        }
    }
    g.finish();
}

/// Group 4: garbage collection.
fn gc(c: &mut Criterion) {
    host_list(c);
    if let Some(wasm) = load_or_note("gc/binary_trees_16", tern_bench::wat_file("gc.wat")) {
        for depth in [16, 18] {
            let bench = format!("gc/binary_trees_{depth}");
            bench_call::<i32, i32>(c, Call::new(&bench, &wasm, "binary_trees", depth).slow());
        }
        bench_call::<i32, i32>(
            c,
            Call::new("gc/alloc_short_lived_1m", &wasm, "alloc", 1_000_000),
        );
        bench_call::<(), i32>(
            c,
            Call::new("gc/array_copy_16mib_i8", &wasm, "copy", ())
                .init(&[("copy_setup", 16 << 20)]),
        );
    }
    // Kotlin/Wasm programs run whole (`_start`, fresh instance per
    // iteration): hello world unoptimised and optimised, and the exception
    // handling program (throws and catches at run time).
    let kotlin = [
        (
            "gc/kotlin_hello_unopt",
            "kotlin-hello/hello.traps.unopt.wasm",
            "kotlin-hello/hello.stdout.expected",
        ),
        (
            "gc/kotlin_hello_opt",
            "kotlin-hello/hello.traps.opt.wasm",
            "kotlin-hello/hello.stdout.expected",
        ),
        (
            "gc/kotlin_exceptions_opt",
            "kotlin-exceptions/exceptions.eh.opt.wasm",
            "kotlin-exceptions/exceptions.stdout.expected",
        ),
    ];
    let gc_dir = tern_bench::repo_workloads_dir().join("gc");
    for (bench, file, expected) in kotlin {
        let read = |f: &str| {
            let p = gc_dir.join(f);
            std::fs::read(&p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
        };
        if let (Some(wasm), Some(expected)) = (
            load_or_note(bench, read(file)),
            load_or_note(bench, read(expected)),
        ) {
            bench_start(c, bench, &wasm, Some(&expected), Kind::Fast);
        }
    }
    // Octane's splay (sightglass port): a whole WASI program building and
    // churning a splay tree, the GC latency benchmark.
    let bench = "gc/splay";
    let dir = tern_bench::repo_workloads_dir().join("gc/splay");
    let read = |f: &str| {
        let p = dir.join(f);
        std::fs::read(&p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
    };
    if let (Some(wasm), Some(expected)) = (
        load_or_note(bench, read("splay.wasm")),
        load_or_note(bench, read("splay.stdout.expected")),
    ) {
        let setup = WasiSetup {
            args: vec!["splay.wasm".to_string()],
            dir: Some(dir.clone()),
        };
        bench_program(c, bench, &wasm, &setup, Some(&expected));
    }
}

/// Group 5: whole WASI programs (instantiate + `_start`), from the
/// repository's own copies of the sightglass workloads, each with its
/// directory preopened as `.` (quicksort and bz2 read `default.input` from
/// it) and `argv[0]` the file name, as `tern run --dir DIR::. FILE` runs them.
fn wasi(c: &mut Criterion) {
    let dir = tern_bench::repo_workloads_dir().join("classic/sightglass");
    // (bench, directory under sightglass/, file, expected stdout)
    let programs = [
        (
            "wasi/sightglass_quicksort",
            "quicksort",
            "benchmark.wasm",
            "benchmark.stdout.expected",
        ),
        (
            "wasi/sightglass_bz2",
            "bz2",
            "benchmark.wasm",
            "benchmark.stdout.expected",
        ),
        (
            "wasi/sightglass_matrix",
            "",
            "shootout-matrix.wasm",
            "shootout-matrix.stdout.expected",
        ),
        (
            "wasi/sightglass_base64",
            "",
            "shootout-base64.wasm",
            "shootout-base64.stdout.expected",
        ),
        (
            "wasi/sightglass_ackermann",
            "",
            "shootout-ackermann.wasm",
            "shootout-ackermann.stdout.expected",
        ),
        (
            "wasi/sightglass_sieve",
            "",
            "shootout-sieve.wasm",
            "shootout-sieve.stdout.expected",
        ),
        (
            "wasi/sightglass_nestedloop",
            "",
            "shootout-nestedloop.wasm",
            "shootout-nestedloop.stdout.expected",
        ),
    ];
    for (bench, sub, file, expected) in programs {
        if !selected(bench) {
            continue;
        }
        let dir = dir.join(sub);
        let read = |f: &str| {
            let p = dir.join(f);
            std::fs::read(&p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
        };
        let Some(wasm) = load_or_note(bench, read(file)) else {
            continue;
        };
        let Some(expected) = load_or_note(bench, read(expected)) else {
            continue;
        };
        let setup = WasiSetup {
            args: vec![file.to_string()],
            dir: Some(dir.clone()),
        };
        bench_program(c, bench, &wasm, &setup, Some(&expected));
    }
}

/// Group 6: load (parse + validate + translate).
fn load(c: &mut Criterion) {
    let bench = "load/kotlin_hello_unopt";
    if let Some(wasm) = load_or_note(
        bench,
        tern_bench::workload("gc/kotlin-hello/hello.traps.unopt.wasm"),
    ) {
        bench_compile(c, bench, &wasm, Kind::Slow);
    }
    let bench = "load/sightglass_bz2";
    if let Some(wasm) = load_or_note(
        bench,
        tern_bench::workload("classic/sightglass/bz2/benchmark.wasm"),
    ) {
        bench_compile(c, bench, &wasm, Kind::Slow);
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    calls(&mut c);
    compute(&mut c);
    interrupt(&mut c);
    simd(&mut c);
    exceptions(&mut c);
    types(&mut c);
    gc(&mut c);
    wasi(&mut c);
    load(&mut c);
    c.final_summary();
}
