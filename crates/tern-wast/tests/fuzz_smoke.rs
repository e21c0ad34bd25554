//! Smoke test of the fuzzing campaigns (crates/tern-fuzz, see the README's
//! "Fuzzing" section): a few hundred fixed seeds of the GC campaign
//! (wasm-smith GC modules) and of the mutation campaign (mutants of the
//! testsuite's modules), run on Tern with `gc_verify` on. No case may
//! panic, fail heap verification, fail with an error that is neither a
//! trap nor a host error, or take longer than the hang limit. The long
//! campaigns, and the differential one against wasmi, run from the fuzz
//! crate; this test shares their Tern-only code so CI catches regressions
//! without compiling wasmi.

// The fuzz crate uses these items publicly; this test only some of them.
#[allow(dead_code, unreachable_pub)]
#[path = "../../tern-fuzz/src/tern_side.rs"]
mod tern_side;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};
use tern_side::{
    FUEL, RunStats, checked_engine, gc_heap_limit, gc_module, inject_fuel, mutate, run_checked,
    testsuite_modules,
};
use tern_wast::with_large_stack;

/// A case slower than this counts as a hang (fuel bounds every case; the
/// slowest take well under a second).
const HANG: Duration = Duration::from_secs(10);

/// Runs `bytes` checked; `Err` describes a panic, a verification failure,
/// an unexpected error or a hang.
fn check(bytes: &[u8], heap_limit: usize) -> Result<RunStats, String> {
    let engine = checked_engine(heap_limit);
    let start = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(|| run_checked(&engine, bytes)));
    let elapsed = start.elapsed();
    match r {
        Err(_) => Err("panicked".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(_)) if elapsed > HANG => Err(format!("took {elapsed:?}")),
        Ok(Ok(stats)) => Ok(stats),
    }
}

#[derive(Default, Debug)]
struct Totals {
    cases: u32,
    valid: u32,
    instantiated: u32,
    calls: u32,
    collections: u64,
    failures: Vec<String>,
}

impl Totals {
    fn add(&mut self, what: String, r: Result<RunStats, String>) {
        self.cases += 1;
        match r {
            Ok(s) => {
                self.valid += u32::from(s.valid);
                self.instantiated += u32::from(s.instantiated);
                self.calls += s.calls;
                self.collections += s.collections;
            }
            Err(e) => self.failures.push(format!("{what}: {e}")),
        }
    }
}

#[test]
fn gc_campaign_seeds() {
    let totals = with_large_stack(|| {
        let mut t = Totals::default();
        for seed in 0..500u64 {
            let Some(bytes) = gc_module(seed) else {
                continue;
            };
            let r = check(&bytes, gc_heap_limit(seed));
            t.add(format!("gc seed {seed}"), r);
        }
        t
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        totals.failures.is_empty(),
        "{} failures (reproduce with `campaign one gc SEED` in crates/tern-fuzz):\n{}",
        totals.failures.len(),
        totals.failures.join("\n")
    );
    // Not vacuous: most modules run, and some fill the heap.
    assert!(totals.instantiated >= 300, "{totals:?}");
    assert!(totals.calls >= 1000, "{totals:?}");
    assert!(totals.collections > 0, "{totals:?}");
}

#[test]
fn testsuite_mutant_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let modules = testsuite_modules(&root).unwrap_or_else(|e| panic!("{e}"));
    assert!(modules.len() > 1000, "only {} modules", modules.len());
    let totals = with_large_stack(move || {
        let mut t = Totals::default();
        for seed in 0..500u64 {
            let i = tern_side::Rng::new(seed).below(modules.len() as u64) as usize;
            let (name, original) = &modules[i];
            let what = format!("mutate seed {seed} ({name})");
            let mutant = match catch_unwind(AssertUnwindSafe(|| mutate(original, seed))) {
                Ok(m) => m,
                Err(_) => {
                    t.failures.push(format!("{what}: the mutator panicked"));
                    continue;
                }
            };
            // A mutant that cannot be re-encoded is malformed: compiling it
            // must still not panic.
            let bytes = inject_fuel(&mutant, FUEL).unwrap_or(mutant);
            let r = check(&bytes, gc_heap_limit(seed));
            t.add(what, r);
        }
        t
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        totals.failures.is_empty(),
        "{} failures (reproduce with `campaign one mutate SEED` in crates/tern-fuzz):\n{}",
        totals.failures.len(),
        totals.failures.join("\n")
    );
    assert!(totals.instantiated >= 250, "{totals:?}");
    assert!(totals.calls >= 500, "{totals:?}");
}
