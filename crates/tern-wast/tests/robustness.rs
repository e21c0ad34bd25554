//! Bad input never crashes: every module of the manifest's scripts, and
//! truncated and bit-flipped variants of each, is compiled (and, when it
//! compiles and needs no imports or start function, instantiated) without a
//! panic. Errors are fine; panics fail the test and name the input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use tern::{Engine, Instance, Module, Store};
use tern_wast::testsuite::{find_testsuite, read_manifest};
use tern_wast::with_large_stack;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWatTest, Wast, WastDirective};

/// Deterministic xorshift generator (no dependencies, reproducible).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The binary modules of a script (text modules are encoded first).
fn modules_of(text: &str) -> Vec<Vec<u8>> {
    let Ok(lexer_buf) = ParseBuffer::new(text) else {
        return Vec::new();
    };
    let Ok(mut script) = parser::parse::<Wast<'_>>(&lexer_buf) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in script.directives.iter_mut() {
        let bytes = match d {
            WastDirective::Module(m)
            | WastDirective::ModuleDefinition(m)
            | WastDirective::AssertInvalid { module: m, .. }
            | WastDirective::AssertMalformed { module: m, .. } => match m.to_test() {
                Ok(QuoteWatTest::Binary(bytes)) => bytes,
                _ => continue,
            },
            WastDirective::AssertUnlinkable { module, .. } => match module.encode() {
                Ok(bytes) => bytes,
                Err(_) => continue,
            },
            _ => continue,
        };
        out.push(bytes);
    }
    out
}

/// Whether the module has a start function (which could loop forever on
/// a corrupted body, so it is not run).
fn has_start(bytes: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .any(|p| matches!(p, Ok(wasmparser::Payload::StartSection { .. })))
}

/// Compiles `bytes` and, if it needs no imports and has no start function,
/// instantiates it. Returns whether a panic happened.
fn exercise(engine: &Engine, bytes: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        if let Ok(module) = Module::new(engine, bytes)
            && module.imports().len() == 0
            && !has_start(bytes)
        {
            let mut store = Store::new(engine, ());
            let _ = Instance::new(&mut store, &module, &[]);
        }
    }))
    .is_err()
}

/// The variants of a module: itself, truncations, and single bit flips.
fn variants(bytes: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = vec![bytes.to_vec()];
    if bytes.is_empty() {
        return out;
    }
    for k in 1..4 {
        out.push(bytes[..bytes.len() * k / 4].to_vec());
    }
    for _ in 0..8 {
        let mut v = bytes.to_vec();
        let bit = (rng.next() % (v.len() as u64 * 8)) as usize;
        v[bit / 8] ^= 1 << (bit % 8);
        out.push(v);
    }
    out
}

#[test]
fn corrupted_modules_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let suite = find_testsuite(&root).unwrap_or_else(|msg| panic!("{msg}"));
    let files = read_manifest(&root).unwrap_or_else(|msg| panic!("{msg}"));
    // Keep the default panic hook quiet: panics are collected and reported.
    std::panic::set_hook(Box::new(|_| {}));
    let report = with_large_stack(move || {
        let engine = Engine::default();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut panics = Vec::new();
        let mut checked = 0usize;
        for file in &files {
            let Ok(text) = std::fs::read_to_string(suite.join(file)) else {
                continue;
            };
            for (m, bytes) in modules_of(&text).iter().enumerate() {
                for (v, variant) in variants(bytes, &mut rng).iter().enumerate() {
                    checked += 1;
                    if exercise(&engine, variant) {
                        panics.push(format!("{file}: module {m}, variant {v}"));
                    }
                }
            }
        }
        (checked, panics)
    });
    let _ = std::panic::take_hook();
    let (checked, panics) = report.unwrap_or_else(|e| panic!("{e}"));
    assert!(checked > 1000, "only {checked} inputs checked");
    assert!(
        panics.is_empty(),
        "{} of {checked} inputs panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
}
