//! Differential execution of one wasm-smith module on Tern and wasmi.
//!
//! Both engines get the same bytes (wasm-smith with NaN canonicalisation in
//! the module and fuel-bounded loops and recursion from
//! `ensure_termination`). Each engine's run is reduced to an
//! [`Observation`]: whether it compiled, how instantiation ended, each
//! exported function's results or trap class (in the module's export
//! order, with the same arguments), and the final exported globals,
//! memories (length and hash) and tables (length and null pattern).
//! Floats are compared with every NaN canonicalised.

use crate::tern_side::{FUEL, Rng, seed_input};
use arbitrary::Unstructured;
use std::fmt;

/// The wasm-smith configuration of the differential campaign: only what
/// both engines implement (MVP, mutable globals, sign extension,
/// saturating conversions, multi-value, bulk memory, reference types, tail
/// calls, extended constants, multiple memories, memory64, SIMD); no
/// relaxed SIMD (its results are each engine's choice), threads,
/// exceptions, GC or post-3.0 proposals; no imports; everything exported;
/// NaNs canonicalised by the module itself (SIMD float lanes included).
pub fn diff_config(u: &mut Unstructured<'_>) -> arbitrary::Result<wasm_smith::Config> {
    let mut c: wasm_smith::Config = u.arbitrary()?;
    c.gc_enabled = false;
    c.relaxed_simd_enabled = false;
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
    c.canonicalize_nans = true;
    c.allow_invalid_funcs = false;
    // Bounded memories and tables: both engines grow to the same limits,
    // and hashing a memory stays cheap.
    c.memory_max_size_required = true;
    c.max_memory32_bytes = c.max_memory32_bytes.min(16 << 16);
    c.max_memory64_bytes = c.max_memory64_bytes.min(16 << 16);
    c.max_memories = c.max_memories.min(4);
    c.table_max_size_required = true;
    c.max_table_elements = c.max_table_elements.min(1000);
    c.max_tables = c.max_tables.min(4);
    // A few functions with some code (wasm-smith stops adding items at
    // random once past the minimum, so most modules would be tiny).
    c.min_funcs = c.min_funcs.max(u.int_in_range(1..=6)?);
    c.max_funcs = c.max_funcs.clamp(c.min_funcs, 50);
    c.max_instructions = c.max_instructions.max(100);
    c.max_nesting_depth = c.max_nesting_depth.max(3);
    Ok(c)
}

/// The differential campaign's module for `seed`, or `None` if wasm-smith
/// could not build one from the input.
pub fn diff_module(seed: u64) -> Option<Vec<u8>> {
    let input = seed_input(seed);
    let mut u = Unstructured::new(&input);
    let config = diff_config(&mut u).ok()?;
    let mut module = wasm_smith::Module::new(config, &mut u).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(module.to_bytes())
}

/// A value as compared: NaNs canonicalised, references reduced to null or
/// not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`'s bits (any NaN as `0x7fc00000`).
    F32(u32),
    /// An `f64`'s bits (any NaN as the canonical NaN).
    F64(u64),
    /// A `v128`'s bits (float lanes are canonicalised by the module).
    V128(u128),
    /// A reference: whether it is null.
    Ref { null: bool },
    /// A value neither engine should produce here.
    Other(String),
}

fn f32v(bits: u32) -> V {
    if f32::from_bits(bits).is_nan() {
        V::F32(0x7fc0_0000)
    } else {
        V::F32(bits)
    }
}

fn f64v(bits: u64) -> V {
    if f64::from_bits(bits).is_nan() {
        V::F64(0x7ff8_0000_0000_0000)
    } else {
        V::F64(bits)
    }
}

/// A trap, in classes both engines distinguish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapClass {
    /// `unreachable` (also the injected fuel check).
    Unreachable,
    /// Memory access or `memory.init`/`copy`/`fill` out of bounds.
    MemoryOutOfBounds,
    /// Table access (including `call_indirect`'s index) out of bounds.
    TableOutOfBounds,
    /// `call_indirect` through a null entry.
    IndirectCallToNull,
    /// `call_indirect` signature mismatch.
    BadSignature,
    /// Division or remainder by zero.
    DivisionByZero,
    /// Signed division overflow.
    IntegerOverflow,
    /// Float-to-int conversion out of range.
    BadConversion,
    /// Call stack (or value stack) exhausted: the engines' limits differ,
    /// so a run that reaches it is not compared further.
    StackOverflow,
    /// Anything else (named).
    Other(String),
}

/// How one call (or instantiation) ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returned these values.
    Ok(Vec<V>),
    /// Trapped.
    Trap(TrapClass),
    /// Failed without a trap (named).
    Error(String),
}

impl Outcome {
    fn is_stack_overflow(&self) -> bool {
        matches!(self, Outcome::Trap(TrapClass::StackOverflow))
    }
}

/// Everything one engine's run of a module showed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    /// The compile error, if the module was rejected.
    pub compile_error: Option<String>,
    /// How instantiation (with the start function) ended.
    pub instantiate: Option<Outcome>,
    /// Each exported function called, in export order.
    pub calls: Vec<(String, Outcome)>,
    /// Exported globals' final values.
    pub globals: Vec<(String, V)>,
    /// Exported memories' final length and content hash.
    pub memories: Vec<(String, u64, u64)>,
    /// Exported tables' final length and null pattern.
    pub tables: Vec<(String, u64, Vec<bool>)>,
}

impl Observation {
    /// Whether the run stopped at a stack overflow.
    pub fn hit_stack_overflow(&self) -> bool {
        self.instantiate
            .as_ref()
            .is_some_and(Outcome::is_stack_overflow)
            || self.calls.iter().any(|(_, o)| o.is_stack_overflow())
    }
}

/// A module's exports in module order, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A function.
    Func,
    /// A global.
    Global,
    /// A memory.
    Memory,
    /// A table.
    Table,
    /// Something else (tags).
    Other,
}

/// The exports of `bytes` in module order (wasmi iterates exports by name,
/// so the order calls are made in is taken from the binary).
pub fn exports_in_order(bytes: &[u8]) -> Vec<(String, ExportKind)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let Ok(wasmparser::Payload::ExportSection(s)) = payload {
            for e in s.into_iter().flatten() {
                let kind = match e.kind {
                    wasmparser::ExternalKind::Func => ExportKind::Func,
                    wasmparser::ExternalKind::Global => ExportKind::Global,
                    wasmparser::ExternalKind::Memory => ExportKind::Memory,
                    wasmparser::ExternalKind::Table => ExportKind::Table,
                    _ => ExportKind::Other,
                };
                out.push((e.name.to_string(), kind));
            }
        }
    }
    out
}

/// The arguments for call number `call` of the module of `seed`: zeros,
/// small and extreme values, random bits.
pub fn arg(seed: u64, call: usize, param: usize) -> u64 {
    let mut rng = Rng::new(seed ^ ((call as u64) << 32) ^ (param as u64) ^ 0xa5a5);
    match rng.below(6) {
        0 | 1 => 0,
        2 => 1,
        3 => u64::MAX,
        4 => 1u64 << 63 | (1u64 << 31),
        _ => rng.next_u64(),
    }
}

/// A `v128` argument: two 64-bit arguments side by side.
pub fn arg128(seed: u64, call: usize, param: usize) -> u128 {
    arg(seed, call, param) as u128 | (arg(seed, call, param + 1000) as u128) << 64
}

fn hash(data: &[u8]) -> u64 {
    // FNV-1a over 8-byte words: cheap, and any difference shows.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        h ^= u64::from_le_bytes(c.try_into().unwrap());
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    for &b in chunks.remainder() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Runs `bytes` on Tern.
pub fn observe_tern(bytes: &[u8], seed: u64) -> Observation {
    use tern::{
        Config, Engine, ErrorKind, Extern, Instance, Module, Ref, Store, Trap, Val, ValType,
    };
    let mut obs = Observation::default();
    let mut config = Config::new();
    config.max_call_depth(10_000);
    let engine = Engine::new(&config).expect("engine");
    let module = match Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => {
            obs.compile_error = Some(format!("{e}"));
            return obs;
        }
    };
    let outcome_of = |e: tern::Error| match e.kind() {
        ErrorKind::Trap(t) => Outcome::Trap(match t {
            Trap::UnreachableCodeReached => TrapClass::Unreachable,
            Trap::MemoryOutOfBounds | Trap::DataSegmentOutOfBounds => TrapClass::MemoryOutOfBounds,
            Trap::TableOutOfBounds | Trap::ElementSegmentOutOfBounds => TrapClass::TableOutOfBounds,
            Trap::IndirectCallToNull | Trap::UninitializedElement => TrapClass::IndirectCallToNull,
            Trap::BadSignature => TrapClass::BadSignature,
            Trap::IntegerDivisionByZero => TrapClass::DivisionByZero,
            Trap::IntegerOverflow => TrapClass::IntegerOverflow,
            Trap::BadConversionToInteger => TrapClass::BadConversion,
            Trap::StackOverflow => TrapClass::StackOverflow,
            other => TrapClass::Other(format!("{other:?}")),
        }),
        k => Outcome::Error(format!("{k:?}: {e}")),
    };
    let val = |v: &Val| match v {
        Val::I32(x) => V::I32(*x),
        Val::I64(x) => V::I64(*x),
        Val::F32(b) => f32v(*b),
        Val::F64(b) => f64v(*b),
        Val::V128(x) => V::V128(*x),
        Val::FuncRef(f) => V::Ref { null: f.is_none() },
        Val::ExternRef(r) => V::Ref { null: r.is_none() },
        other => V::Other(format!("{other:?}")),
    };
    let mut store = Store::new(&engine, ());
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(i) => {
            obs.instantiate = Some(Outcome::Ok(Vec::new()));
            i
        }
        Err(e) => {
            obs.instantiate = Some(outcome_of(e));
            return obs;
        }
    };
    let exports = exports_in_order(bytes);
    for (call, (name, kind)) in exports.iter().enumerate() {
        if *kind != ExportKind::Func {
            continue;
        }
        let Some(func) = instance.get_func(&mut store, name) else {
            obs.calls
                .push((name.clone(), Outcome::Error("missing".into())));
            continue;
        };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty
            .params()
            .enumerate()
            .map(|(p, t)| {
                let a = arg(seed, call, p);
                match t {
                    ValType::I32 => Val::I32(a as i32),
                    ValType::I64 => Val::I64(a as i64),
                    ValType::F32 => Val::F32(a as u32),
                    ValType::F64 => Val::F64(a),
                    ValType::V128 => Val::V128(arg128(seed, call, p)),
                    ValType::Ref(r) => Val::null_ref(r.heap_type()),
                }
            })
            .collect();
        let mut results = vec![Val::I32(0); ty.results().len()];
        let outcome = match func.call(&mut store, &params, &mut results) {
            Ok(()) => Outcome::Ok(results.iter().map(val).collect()),
            Err(e) => outcome_of(e),
        };
        let stop = outcome.is_stack_overflow();
        obs.calls.push((name.clone(), outcome));
        if stop {
            return obs;
        }
    }
    for (name, kind) in &exports {
        match (kind, instance.get_export(&mut store, name)) {
            (ExportKind::Global, Some(Extern::Global(g))) => {
                obs.globals.push((name.clone(), val(&g.get(&mut store))));
            }
            (ExportKind::Memory, Some(Extern::Memory(m))) => {
                let data = m.data(&store);
                obs.memories
                    .push((name.clone(), data.len() as u64, hash(data)));
            }
            (ExportKind::Table, Some(Extern::Table(t))) => {
                let size = t.size(&store);
                let nulls = (0..size)
                    .map(|i| match t.get(&mut store, i) {
                        Some(Ref::Func(f)) => f.is_none(),
                        Some(Ref::Extern(e)) => e.is_none(),
                        Some(Ref::Any(a)) => a.is_none(),
                        Some(Ref::Exn(x)) => x.is_none(),
                        None => true,
                    })
                    .collect();
                obs.tables.push((name.clone(), size, nulls));
            }
            _ => {}
        }
    }
    obs
}

/// Runs `bytes` on wasmi (eager translation, so translator failures show
/// at compile time).
pub fn observe_wasmi(bytes: &[u8], seed: u64) -> Observation {
    use wasmi::TrapCode;
    use wasmi::{Config, Engine, Extern, Linker, Module, Ref, Store, Val, ValType};
    let mut obs = Observation::default();
    let mut config = Config::default();
    config
        .compilation_mode(wasmi::CompilationMode::Eager)
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_multi_memory(true)
        .wasm_memory64(true)
        // Recursion is bounded by the module's fuel (1,000 calls); keep
        // wasmi's stack limits well above Tern's 10,000-frame limit in
        // spirit so that overflows stay rare and comparable.
        .set_max_recursion_depth(20_000)
        .set_max_stack_height(64 << 20);
    let engine = Engine::new(&config);
    let module = match Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => {
            obs.compile_error = Some(format!("{e}"));
            return obs;
        }
    };
    let outcome_of = |e: wasmi::Error| match e.as_trap_code() {
        Some(code) => Outcome::Trap(match code {
            TrapCode::UnreachableCodeReached => TrapClass::Unreachable,
            TrapCode::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
            TrapCode::TableOutOfBounds => TrapClass::TableOutOfBounds,
            TrapCode::IndirectCallToNull => TrapClass::IndirectCallToNull,
            TrapCode::BadSignature => TrapClass::BadSignature,
            TrapCode::IntegerDivisionByZero => TrapClass::DivisionByZero,
            TrapCode::IntegerOverflow => TrapClass::IntegerOverflow,
            TrapCode::BadConversionToInteger => TrapClass::BadConversion,
            TrapCode::StackOverflow => TrapClass::StackOverflow,
            other => TrapClass::Other(format!("{other:?}")),
        }),
        None => Outcome::Error(format!("{e}")),
    };
    let val = |v: &Val| match v {
        Val::I32(x) => V::I32(*x),
        Val::I64(x) => V::I64(*x),
        Val::F32(f) => f32v(f.to_bits()),
        Val::F64(f) => f64v(f.to_bits()),
        Val::V128(v) => V::V128(v.as_u128()),
        Val::FuncRef(f) => V::Ref { null: f.is_null() },
        Val::ExternRef(r) => V::Ref { null: r.is_null() },
    };
    let mut store = Store::new(&engine, ());
    let linker = Linker::<()>::new(&engine);
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => {
            obs.instantiate = Some(Outcome::Ok(Vec::new()));
            i
        }
        Err(e) => {
            obs.instantiate = Some(outcome_of(e));
            return obs;
        }
    };
    let exports = exports_in_order(bytes);
    for (call, (name, kind)) in exports.iter().enumerate() {
        if *kind != ExportKind::Func {
            continue;
        }
        let Some(func) = instance.get_func(&store, name) else {
            obs.calls
                .push((name.clone(), Outcome::Error("missing".into())));
            continue;
        };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty
            .params()
            .iter()
            .enumerate()
            .map(|(p, t)| {
                let a = arg(seed, call, p);
                match t {
                    ValType::I32 => Val::I32(a as i32),
                    ValType::I64 => Val::I64(a as i64),
                    ValType::F32 => Val::F32(wasmi::F32::from_bits(a as u32)),
                    ValType::F64 => Val::F64(wasmi::F64::from_bits(a)),
                    ValType::V128 => Val::V128(wasmi::V128::from(arg128(seed, call, p))),
                    ValType::FuncRef => Val::FuncRef(wasmi::Nullable::Null),
                    ValType::ExternRef => Val::ExternRef(wasmi::Nullable::Null),
                }
            })
            .collect();
        let mut results = vec![Val::I32(0); ty.results().len()];
        let outcome = match func.call(&mut store, &params, &mut results) {
            Ok(()) => Outcome::Ok(results.iter().map(val).collect()),
            Err(e) => outcome_of(e),
        };
        let stop = outcome.is_stack_overflow();
        obs.calls.push((name.clone(), outcome));
        if stop {
            return obs;
        }
    }
    for (name, kind) in &exports {
        match (kind, instance.get_export(&store, name)) {
            (ExportKind::Global, Some(Extern::Global(g))) => {
                obs.globals.push((name.clone(), val(&g.get(&store))));
            }
            (ExportKind::Memory, Some(Extern::Memory(m))) => {
                let data = m.data(&store);
                obs.memories
                    .push((name.clone(), data.len() as u64, hash(data)));
            }
            (ExportKind::Table, Some(Extern::Table(t))) => {
                let size = t.size(&store);
                let nulls = (0..size)
                    .map(|i| match t.get(&store, i) {
                        Some(Ref::Func(f)) => f.is_null(),
                        Some(Ref::Extern(e)) => e.is_null(),
                        None => true,
                    })
                    .collect();
                obs.tables.push((name.clone(), size, nulls));
            }
            _ => {}
        }
    }
    obs
}

/// The first difference between two observations, by category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// `compile`, `instantiate`, `call`, `trap-kind`, `global`, `memory`
    /// or `table`.
    pub category: &'static str,
    /// What differed, Tern's side first.
    pub detail: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.category, self.detail)
    }
}

/// How a comparison ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Both rejected the module.
    BothRejected,
    /// Everything compared equal (`calls` calls compared).
    Same {
        /// Calls compared.
        calls: usize,
    },
    /// A stack overflow in either engine ended the comparison early (the
    /// engines' stack limits differ); everything before it was equal.
    StackOverflow,
    /// A difference.
    Diverged(Divergence),
}

fn div(category: &'static str, detail: String) -> Verdict {
    Verdict::Diverged(Divergence { category, detail })
}

/// Compares Tern's observation `t` with wasmi's `w`.
pub fn compare(t: &Observation, w: &Observation) -> Verdict {
    match (&t.compile_error, &w.compile_error) {
        (Some(_), Some(_)) => return Verdict::BothRejected,
        (None, None) => {}
        (a, b) => return div("compile", format!("tern {a:?} / wasmi {b:?}")),
    }
    let overflow = |o: &Outcome| o.is_stack_overflow();
    match (&t.instantiate, &w.instantiate) {
        (Some(a), Some(b)) if overflow(a) || overflow(b) => return Verdict::StackOverflow,
        // An instantiation failure is a trap in one engine and an error in
        // the other for some segment initialisations (wasmi reports an
        // out-of-bounds table initialisation as a plain error).
        (Some(Outcome::Error(_)), Some(Outcome::Trap(_)))
        | (Some(Outcome::Trap(_)), Some(Outcome::Error(_))) => return Verdict::Same { calls: 0 },
        (Some(a), Some(b)) if a != b => {
            let category = match (a, b) {
                (Outcome::Trap(_), Outcome::Trap(_)) => "trap-kind",
                _ => "instantiate",
            };
            return div(category, format!("tern {a:?} / wasmi {b:?}"));
        }
        _ => {}
    }
    for (i, ((tn, a), (wn, b))) in t.calls.iter().zip(&w.calls).enumerate() {
        if overflow(a) || overflow(b) {
            return Verdict::StackOverflow;
        }
        if tn != wn {
            return div("call", format!("call {i}: export {tn} / {wn}"));
        }
        if a != b {
            let category = match (a, b) {
                (Outcome::Trap(_), Outcome::Trap(_)) => "trap-kind",
                _ => "call",
            };
            return div(
                category,
                format!("call {i} `{tn}`: tern {a:?} / wasmi {b:?}"),
            );
        }
    }
    if t.calls.len() != w.calls.len() {
        return div(
            "call",
            format!("{} calls / {} calls", t.calls.len(), w.calls.len()),
        );
    }
    if t.globals != w.globals {
        let d = t
            .globals
            .iter()
            .zip(&w.globals)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("tern {a:?} / wasmi {b:?}"))
            .unwrap_or_else(|| "different export sets".into());
        return div("global", d);
    }
    if t.memories != w.memories {
        return div(
            "memory",
            format!("tern {:?} / wasmi {:?}", t.memories, w.memories),
        );
    }
    if t.tables != w.tables {
        let d = t
            .tables
            .iter()
            .zip(&w.tables)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("tern {} len {} / wasmi {} len {}", a.0, a.1, b.0, b.1))
            .unwrap_or_else(|| "different export sets".into());
        return div("table", d);
    }
    Verdict::Same {
        calls: t.calls.len(),
    }
}
