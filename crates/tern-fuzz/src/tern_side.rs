//! The Tern-only half of the fuzzing campaigns: module generation for the
//! GC crash campaign (b), mutation of the testsuite's modules (c), fuel
//! injection, and the checked Tern run both use.
//!
//! Nothing here depends on wasmi: the main workspace's smoke test
//! (crates/tern-wast/tests/fuzz_smoke.rs) compiles this file with
//! `#[path]`, so CI exercises (b) and (c) without building the oracle.

use arbitrary::Unstructured;
use std::path::Path;
use tern::{
    Config, Engine, Error, ErrorKind, Extern, ExternType, Func, Global, Instance, Memory, Module,
    Ref, Store, Table, Trap, Val, ValType,
};

/// SplitMix64: a small deterministic generator, so a seed names a test
/// case forever (no dependency whose stream could change).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// The raw input wasm-smith reads for `seed` (between 2 and 32 KiB, so
/// module sizes vary).
pub fn seed_input(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let len = 2048 + rng.below(30 * 1024) as usize;
    rng.bytes(len)
}

/// Fuel given to `ensure_termination` and to [`inject_fuel`]: every loop
/// iteration and function entry costs one unit, and the module traps with
/// `unreachable` when it is used up.
pub const FUEL: u32 = 1000;

/// The GC campaign's fuel: allocation loops and `array.new` lengths are
/// charged against it, so it bounds the allocation volume; 100,000 lets a
/// module fill the small heap limits of [`gc_heap_limit`] several times.
pub const GC_FUEL: u32 = 100_000;

/// The wasm-smith configuration of the GC campaign: everything Tern
/// executes (GC, typed function references, reference types, tail calls,
/// multi-value, bulk memory, multiple memories, memory64, extended
/// constants, SIMD and relaxed SIMD), no exceptions, no post-3.0
/// proposals, no imports.
pub fn gc_config(u: &mut Unstructured<'_>) -> arbitrary::Result<wasm_smith::Config> {
    let mut c: wasm_smith::Config = u.arbitrary()?;
    c.gc_enabled = true;
    c.reference_types_enabled = true;
    c.exceptions_enabled = false;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.compact_imports_enabled = false;
    c.custom_descriptors_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.multibyte_array_access_enabled = false;
    c.max_imports = 0;
    c.min_imports = 0;
    c.export_everything = true;
    c.allow_invalid_funcs = false;
    // Keep memories and tables small: the campaign is about the collector.
    c.memory_max_size_required = true;
    c.max_memory32_bytes = c.max_memory32_bytes.min(4 << 16);
    c.max_memory64_bytes = c.max_memory64_bytes.min(4 << 16);
    c.max_memories = c.max_memories.min(2);
    c.table_max_size_required = true;
    c.max_table_elements = c.max_table_elements.min(1000);
    c.max_tables = c.max_tables.min(4);
    // More types, code and allocations than the arbitrary limits give.
    c.max_types = c.max_types.max(20);
    c.min_types = c.min_types.max(1);
    c.min_funcs = c.min_funcs.max(u.int_in_range(1..=8)?);
    c.max_funcs = c.max_funcs.clamp(c.min_funcs, 50);
    c.max_instructions = c.max_instructions.max(200);
    c.max_nesting_depth = c.max_nesting_depth.max(3);
    Ok(c)
}

/// The GC campaign's module for `seed` (with fuel-bounded loops and
/// recursion), or `None` if wasm-smith could not build one from the input.
pub fn gc_module(seed: u64) -> Option<Vec<u8>> {
    let input = seed_input(seed);
    let mut u = Unstructured::new(&input);
    let config = gc_config(&mut u).ok()?;
    let mut module = wasm_smith::Module::new(config, &mut u).ok()?;
    module.ensure_termination(GC_FUEL).ok()?;
    Some(module.to_bytes())
}

/// The GC heap limit for `seed`: small limits make collections (each one
/// verified) frequent and exercise the out-of-memory path.
pub fn gc_heap_limit(seed: u64) -> usize {
    match Rng::new(seed ^ 0xc0ffee).below(4) {
        0 => 64 << 10,
        1 => 256 << 10,
        2 => 1 << 20,
        _ => 16 << 20,
    }
}

/// The checked engine configuration: GC verification on.
pub fn checked_engine(heap_limit: usize) -> Engine {
    let mut config = Config::new();
    config
        .gc_verify(true)
        .max_gc_heap_size(heap_limit)
        .max_call_depth(10_000);
    Engine::new(&config).expect("engine")
}

/// The binary modules defined by the manifest's testsuite scripts (text
/// modules are encoded first; `assert_invalid`/`assert_malformed` modules
/// are left out, since mutation starts from valid modules).
pub fn testsuite_modules(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    use wast::parser::{self, ParseBuffer};
    use wast::{QuoteWatTest, Wast, WastDirective};
    let suite = tern_wast::testsuite::find_testsuite(root)?;
    let files = tern_wast::testsuite::read_manifest(root)?;
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(suite.join(&file)) else {
            continue;
        };
        let Ok(buf) = ParseBuffer::new(&text) else {
            continue;
        };
        let Ok(mut script) = parser::parse::<Wast<'_>>(&buf) else {
            continue;
        };
        let mut n = 0;
        for d in script.directives.iter_mut() {
            let (WastDirective::Module(m) | WastDirective::ModuleDefinition(m)) = d else {
                continue;
            };
            if let Ok(QuoteWatTest::Binary(bytes)) = m.to_test() {
                out.push((format!("{file}#{n}"), bytes));
                n += 1;
            }
        }
    }
    Ok(out)
}

/// A mutant of `module` for `seed`: one to four structure-aware
/// wasm-mutate steps (which keep the module valid), sometimes followed by a
/// raw byte edit (which usually does not).
pub fn mutate(module: &[u8], seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut cur = module.to_vec();
    let steps = 1 + rng.below(4);
    for _ in 0..steps {
        let mut m = wasm_mutate::WasmMutate::default();
        m.seed(rng.next_u64())
            .fuel(1000)
            .preserve_semantics(rng.below(4) == 0);
        let next = match m.run(&cur) {
            Ok(mut it) => it.next().and_then(|r| r.ok()),
            Err(_) => None,
        };
        match next {
            Some(bytes) => cur = bytes,
            None => break,
        }
    }
    if rng.below(4) == 0 {
        byte_edit(&mut cur, &mut rng);
    }
    cur
}

/// One random byte-level edit: a bit flip, an interesting byte, a deleted,
/// duplicated or inserted range.
fn byte_edit(bytes: &mut Vec<u8>, rng: &mut Rng) {
    if bytes.len() <= 8 {
        return;
    }
    // Never touch the 8-byte header: that only tests the magic check.
    let pos = 8 + rng.below(bytes.len() as u64 - 8) as usize;
    match rng.below(5) {
        0 => bytes[pos] ^= 1 << rng.below(8),
        1 => bytes[pos] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x0b][rng.below(7) as usize],
        2 => {
            let end = (pos + 1 + rng.below(8) as usize).min(bytes.len());
            bytes.drain(pos..end);
        }
        3 => {
            let end = (pos + 1 + rng.below(8) as usize).min(bytes.len());
            let chunk = bytes[pos..end].to_vec();
            bytes.splice(pos..pos, chunk);
        }
        _ => {
            let b = rng.below(256) as u8;
            bytes.insert(pos, b);
        }
    }
}

/// Adds a fuel counter to every function of a module: a new mutable `i32`
/// global set to `fuel`, decremented at every function entry and loop head,
/// trapping with `unreachable` at zero (what wasm-smith's
/// `ensure_termination` does for generated modules). Fails if the module
/// cannot be re-encoded (it is malformed).
pub fn inject_fuel(bytes: &[u8], fuel: u32) -> Result<Vec<u8>, String> {
    use wasm_encoder::reencode::{Reencode, RoundtripReencoder, utils};
    use wasmparser::{Parser, Payload};

    struct Fuel {
        global: u32,
        fuel: u32,
        added: bool,
    }
    impl Fuel {
        fn check(&self, f: &mut wasm_encoder::Function) {
            use wasm_encoder::{BlockType, Instruction as I};
            f.instruction(&I::GlobalGet(self.global))
                .instruction(&I::I32Eqz)
                .instruction(&I::If(BlockType::Empty))
                .instruction(&I::Unreachable)
                .instruction(&I::End)
                .instruction(&I::GlobalGet(self.global))
                .instruction(&I::I32Const(1))
                .instruction(&I::I32Sub)
                .instruction(&I::GlobalSet(self.global));
        }
        fn global(&self, section: &mut wasm_encoder::GlobalSection) {
            section.global(
                wasm_encoder::GlobalType {
                    val_type: wasm_encoder::ValType::I32,
                    mutable: true,
                    shared: false,
                },
                &wasm_encoder::ConstExpr::i32_const(self.fuel as i32),
            );
        }
    }
    impl Reencode for Fuel {
        type Error = std::convert::Infallible;
        // Custom sections are copied as they are (a mutated name section
        // need not parse).
        fn parse_custom_section(
            &mut self,
            module: &mut wasm_encoder::Module,
            section: wasmparser::CustomSectionReader<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            module.section(&wasm_encoder::CustomSection {
                name: section.name().into(),
                data: section.data().into(),
            });
            Ok(())
        }
        fn parse_global_section(
            &mut self,
            globals: &mut wasm_encoder::GlobalSection,
            section: wasmparser::GlobalSectionReader<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            utils::parse_global_section(self, globals, section)?;
            self.global(globals);
            self.added = true;
            Ok(())
        }
        fn intersperse_section_hook(
            &mut self,
            module: &mut wasm_encoder::Module,
            _after: Option<wasm_encoder::SectionId>,
            before: Option<wasm_encoder::SectionId>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            use wasm_encoder::SectionId as S;
            let past_globals = matches!(
                before,
                None | Some(S::Export | S::Start | S::Element | S::DataCount | S::Code | S::Data)
            );
            if !self.added && past_globals {
                let mut globals = wasm_encoder::GlobalSection::new();
                self.global(&mut globals);
                module.section(&globals);
                self.added = true;
            }
            Ok(())
        }
        fn parse_function_body(
            &mut self,
            code: &mut wasm_encoder::CodeSection,
            func: wasmparser::FunctionBody<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            let mut f = self.new_function_with_parsed_locals(&func)?;
            self.check(&mut f);
            let mut reader = func.get_operators_reader()?;
            while !reader.eof() {
                let op = reader.read()?;
                let is_loop = matches!(op, wasmparser::Operator::Loop { .. });
                f.instruction(&self.instruction(op)?);
                if is_loop {
                    self.check(&mut f);
                }
            }
            code.function(&f);
            Ok(())
        }
    }

    // The new global goes after every imported and defined one.
    let mut globals = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    let imp = imp.map_err(|e| e.to_string())?;
                    if matches!(imp.ty, wasmparser::TypeRef::Global(_)) {
                        globals += 1;
                    }
                }
            }
            Payload::GlobalSection(s) => globals += s.count(),
            _ => {}
        }
    }
    let _ = RoundtripReencoder;
    let mut fuel_pass = Fuel {
        global: globals,
        fuel,
        added: false,
    };
    let mut module = wasm_encoder::Module::new();
    fuel_pass
        .parse_core_module(&mut module, Parser::new(0), bytes)
        .map_err(|e| e.to_string())?;
    Ok(module.finish())
}

/// What a checked run of one module found (apart from a panic, which the
/// caller catches, and a hang, which its watchdog catches).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// The module compiled.
    pub valid: bool,
    /// Why it did not compile (with the error kind).
    pub compile_error: Option<String>,
    /// It was instantiated (imports, if any, were given defaults).
    pub instantiated: bool,
    /// Exported functions called.
    pub calls: u32,
    /// Calls (or start functions) that trapped.
    pub traps: u32,
    /// Collections the program's allocations caused (the checks' own
    /// collections not counted).
    pub collections: u64,
    /// Verified collections run by the checks.
    pub checks: u64,
}

/// Why a checked run failed (panics and hangs are reported by the caller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunFailure {
    /// `Store::gc` reported heap corruption.
    Verify(String),
    /// A call failed with something other than a trap or host error.
    Unexpected(String),
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunFailure::Verify(m) => write!(f, "gc verify failure: {m}"),
            RunFailure::Unexpected(m) => write!(f, "unexpected error: {m}"),
        }
    }
}

fn verify<T>(store: &mut Store<T>, stats: &mut RunStats) -> Result<(), RunFailure> {
    stats.checks += 1;
    store
        .gc()
        .map_err(|e| RunFailure::Verify(format!("{e} ({:?})", e.kind())))
}

/// A default import for `ty` (host functions return default results).
fn default_extern(store: &mut Store<()>, ty: ExternType) -> Option<Extern> {
    Some(match ty {
        ExternType::Func(ft) => {
            let results: Vec<ValType> = ft.results().collect();
            Extern::Func(
                Func::new(&mut *store, ft, move |_, _, out| {
                    for (slot, ty) in out.iter_mut().zip(&results) {
                        *slot = Val::default_for_ty(ty).ok_or_else(|| Error::msg("non-null"))?;
                    }
                    Ok(())
                })
                .ok()?,
            )
        }
        ExternType::Global(gt) => {
            let init = Val::default_for_ty(gt.content())?;
            Extern::Global(Global::new(&mut *store, gt, init).ok()?)
        }
        ExternType::Table(tt) => {
            let init = Ref::null(tt.element().heap_type());
            Extern::Table(Table::new(&mut *store, tt, init).ok()?)
        }
        ExternType::Memory(mt) => Extern::Memory(Memory::new(&mut *store, mt).ok()?),
        ExternType::Tag(_) => return None,
    })
}

/// The trap of an error, if it is one.
fn trap_of(e: &Error) -> Option<Trap> {
    match e.kind() {
        ErrorKind::Trap(t) => Some(t),
        _ => None,
    }
}

/// Compiles `bytes` on `engine` (which should have `gc_verify` on),
/// instantiates it with default imports, and calls every exported function
/// with default arguments (or, for reference parameters, values returned by
/// earlier calls when they fit), verifying the GC heap after
/// instantiation and after every call.
pub fn run_checked(engine: &Engine, bytes: &[u8]) -> Result<RunStats, RunFailure> {
    let mut stats = RunStats::default();
    let module = match Module::new(engine, bytes) {
        Ok(m) => m,
        Err(e) => {
            stats.compile_error = Some(format!("{e} ({:?})", e.kind()));
            return Ok(stats);
        }
    };
    stats.valid = true;
    let mut store = Store::new(engine, ());
    let mut imports = Vec::new();
    for imp in module.imports() {
        match default_extern(&mut store, imp.ty()) {
            Some(e) => imports.push(e),
            None => return Ok(stats),
        }
    }
    let instance = match Instance::new(&mut store, &module, &imports) {
        Ok(i) => i,
        Err(e) => {
            if trap_of(&e).is_some() {
                stats.traps += 1;
            }
            verify(&mut store, &mut stats)?;
            stats.collections = store.gc_stats().collections.saturating_sub(stats.checks);
            return Ok(stats);
        }
    };
    stats.instantiated = true;
    verify(&mut store, &mut stats)?;
    // References returned so far, offered to later calls.
    let mut pool: Vec<Val> = Vec::new();
    // Three rounds over the exports: later calls see the heap (globals,
    // tables, returned references) that earlier ones built.
    let exports: Vec<_> = instance.exports(&mut store);
    let rounds = exports.len() * 3;
    for export in exports.iter().cycle().take(rounds).cloned() {
        let Extern::Func(func) = export.into_extern() else {
            continue;
        };
        let ty = func.ty(&store);
        let mut params = Vec::new();
        for (i, pty) in ty.params().enumerate() {
            let from_pool = pool
                .iter()
                .rev()
                .skip(i % 2)
                .find(|v| v.matches_ty(&store, &pty).unwrap_or(false))
                .cloned();
            match from_pool.or_else(|| Val::default_for_ty(&pty)) {
                Some(v) => params.push(v),
                None => break,
            }
        }
        if params.len() != ty.params().len() {
            continue;
        }
        let mut results = vec![Val::I32(0); ty.results().len()];
        stats.calls += 1;
        match func.call(&mut store, &params, &mut results) {
            Ok(()) => {
                pool.extend(results.into_iter().filter(|v| v.ref_().is_some()));
                pool.truncate(64);
            }
            Err(e) => match e.kind() {
                // An uncaught wasm exception ends a call like a trap.
                ErrorKind::Trap(_) | ErrorKind::Host | ErrorKind::Exception => stats.traps += 1,
                _ => return Err(RunFailure::Unexpected(format!("{e} ({:?})", e.kind()))),
            },
        }
        verify(&mut store, &mut stats)?;
    }
    drop(pool);
    verify(&mut store, &mut stats)?;
    stats.collections = store.gc_stats().collections.saturating_sub(stats.checks);
    Ok(stats)
}
