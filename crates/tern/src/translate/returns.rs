//! A peephole pass over a translated function's code that shortens the
//! paths into its returns (issue 14, "fewer slot moves").
//!
//! A function whose single result is not computed straight into slot 0
//! ends in `Copy { dst: 0, src }; Return`: at the join of an `if` whose
//! arms leave the result in the block's slot, or after a `block` that
//! branches out. Kotlin's `fib` took five instructions for its base case
//! (`BrI32GeSImm`, `Copy { 1, 0 }`, `Br`, `Copy { 0, 1 }`, `Return`);
//! after this pass it takes two (`BrI32GeSImm`, `Return`).
//!
//! Every rewrite replaces one instruction by another that has the same
//! effect on the slots that can still be read: instructions never move,
//! so branch offsets, exception handlers' ranges and targets, and return
//! addresses stay valid, and whatever jumps into the middle of a
//! rewritten sequence (a branch, a handler, a return from a call) still
//! finds instructions there that do what the original ones did. No rule
//! depends on which instructions are targets, and none involves an
//! instruction that can throw.

use crate::ir::{Instr, Slot};

/// Rewrites `code` in place; `results` is how many value and reference
/// slots the function's results take (slots `0..results`).
pub(super) fn shorten_returns(code: &mut [Instr], results: (u32, u32)) {
    let n = code.len();
    // 1. `Copy { 0, s }; Return` -> `CopyReturn { s }` (the `Return`
    //    stays for branches that target it).
    for i in 1..n {
        if matches!(code[i], Instr::Return) {
            match code[i - 1] {
                Instr::Copy { dst: 0, src } => code[i - 1] = Instr::CopyReturn { src },
                Instr::RefCopy { dst: 0, src } => code[i - 1] = Instr::RefCopyReturn { src },
                _ => {}
            }
        }
    }
    // 2. A `Br` whose target (through other `Br`s) returns becomes that
    //    return. `br_table`'s entries (the `len + 1` instructions after
    //    it) stay `Br`s: its contract.
    let mut entries_left = 0usize;
    for i in 0..n {
        if entries_left > 0 {
            entries_left -= 1;
            continue;
        }
        if let Instr::BrTable { len, .. } = code[i] {
            entries_left = len as usize + 1;
        }
        if !matches!(code[i], Instr::Br { .. }) {
            continue;
        }
        let mut at = i;
        // A bounded walk: a loop of `Br`s (an empty infinite loop) stays.
        for _ in 0..8 {
            let Some(t) = code[at]
                .offset()
                .and_then(|off| at.checked_add_signed(off as isize))
            else {
                break;
            };
            match code.get(t) {
                Some(Instr::Br { .. }) => at = t,
                Some(
                    ret @ (Instr::Return | Instr::CopyReturn { .. } | Instr::RefCopyReturn { .. }),
                ) => {
                    code[i] = *ret;
                    break;
                }
                _ => break,
            }
        }
    }
    // 3. `Copy { a, b }; CopyReturn { a }` -> `CopyReturn { b }` when `a`
    //    is no other result's slot (nothing else reads it after the
    //    return); backwards, so chains of copies fold. Then a copy from
    //    slot 0 to slot 0 is just the return.
    let other_result = |a: Slot, n: u32| a != 0 && a < n;
    for i in (0..n.saturating_sub(1)).rev() {
        match (code[i], code[i + 1]) {
            (Instr::Copy { dst, src }, Instr::CopyReturn { src: s })
                if dst == s && !other_result(dst, results.0) =>
            {
                code[i] = Instr::CopyReturn { src };
            }
            (Instr::RefCopy { dst, src }, Instr::RefCopyReturn { src: s })
                if dst == s && !other_result(dst, results.1) =>
            {
                code[i] = Instr::RefCopyReturn { src };
            }
            _ => {}
        }
    }
    for i in code.iter_mut() {
        if matches!(
            i,
            Instr::CopyReturn { src: 0 } | Instr::RefCopyReturn { src: 0 }
        ) {
            *i = Instr::Return;
        }
    }
}
