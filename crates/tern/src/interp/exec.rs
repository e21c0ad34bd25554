//! The dispatch loop: executes the IR of one activation until its entry
//! function returns, a trap occurs, or a host function fails.
//!
//! `match_instr!` (generated from the instruction table, `ir/isa.rs`)
//! expands each family's arms through `family!` below; the loop in [`run`]
//! writes out only the `other` family.
//! Semantics live in `num.rs` (numbers), `mem.rs` (linear memory),
//! `gc_ops.rs` (GC objects) and `bulk.rs` (tables, bulk memory).

use super::exn::Position;
use super::gc_ops::{self, Segment, array_elem, array_len, i31_get, struct_field};
use super::mem::{compact_ea, compact_end, indexed_addr};
use super::regs::{Cold, Regs};
use super::resume::{HostCall, host_failed, out_of_fuel};
#[cfg(tern_threaded)]
use super::thread;
use super::{CHECKED, backtrace, bulk, call_host, enter_frame, exn, num, simd};
use crate::error::{Error, ErrorKind, Result, Trap};
use crate::gc::FieldKind;
use crate::index::{DefFunc, InstanceId, StoreFunc};
use crate::ir::{Callee, Instr, LoadKind, Slot, StoreKind, match_instr};
use crate::runtime::{
    FuncKind, MemoryEntry, Store, StoreInner, TableEntry, epoch_deadline_reached,
};
use crate::values::raw;

/// One SIMD operation of the `family!` rules: reads the operand slots
/// with the given getters, calls `simd::$sem` (lane immediates after `;`)
/// and writes the result with `$set`.
macro_rules! simd_op {
    ($r:ident, $set:ident $dst:ident = $sem:ident($($get:ident $x:ident),* $(; $lane:ident)?)) => {
        // SAFETY: frame slots of the current function (the translator's
        // slot numbers), a vector's slot pair likewise.
        unsafe {
            let x = simd::$sem($($r.vals.$get($x),)* $($lane)?);
            $r.vals.$set($dst, x)
        }
    };
}
pub(super) use simd_op;

/// The executor's semantics for each family of the instruction table,
/// called by `match_instr!` as `family!((r, heap, trap, taken) family operands...)`
/// (and by the threaded handlers, `thread.rs`, per instruction).
/// `$trap!(code)` leaves with a trap; a taken branch moves `ip` and ends
/// the instruction with `$taken!()`.
///
/// Every `unsafe` block here reads or writes frame slots: the translator
/// only names slots below the current function's frame size, and `$r`'s
/// slot bases are refreshed after anything that may move the stacks (see
/// `Slots::get`).
macro_rules! family {
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) binary $dst:ident $a:ident $b:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            $r.vals
                .set($dst, num::$sem($r.vals.get($a), $r.vals.get($b)))
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) binary_imm $dst:ident $a:ident $imm:ident $sem:ident $w:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            $r.vals
                .set($dst, num::$sem($r.vals.get($a), num::widen::$w($imm)))
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) binary_trap $dst:ident $a:ident $b:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match num::$sem($r.vals.get($a), $r.vals.get($b)) {
                Ok(x) => $r.vals.set($dst, x),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) unary $dst:ident $src:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe { $r.vals.set($dst, num::$sem($r.vals.get($src))) }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) unary_trap $dst:ident $src:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match num::$sem($r.vals.get($src)) {
                Ok(x) => $r.vals.set($dst, x),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) branch_binary $a:ident $b:ident $off:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        if unsafe { num::$sem($r.vals.get($a), $r.vals.get($b)) } != 0 {
            $r.jump($off);
            $taken!();
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) branch_imm $a:ident $imm:ident $off:ident $sem:ident $w:ident) => {
        // SAFETY: frame slots (see above).
        if unsafe { num::$sem($r.vals.get($a), num::widen::$w($imm)) } != 0 {
            $r.jump($off);
            $taken!();
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) branch_step $x:ident $s:ident $b:ident $off:ident $sem:ident $sk:ident $bk:ident) => {
        // SAFETY: frame slots (see above). The step is written before the
        // compare reads its operands (`b` may be `x`).
        unsafe {
            let x = Slot::from($x);
            let v = num::i32_add($r.vals.get(x), family!(@operand $r $sk $s));
            $r.vals.set(x, v);
            if num::$sem(v, family!(@operand $r $bk $b)) != 0 {
                $r.jump($off);
                $taken!();
            }
        }
    };
    // `load_branch` tests `sem(dst, vals[b])`, `load_branch_unary`
    // `sem(dst)`: one rule, the optional `b` read after the write (`b` may
    // be `dst`).
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) load_branch $dst:ident $addr:ident $b:ident $end:ident $off:ident $sem:ident) => {
        family!(($r, $heap, $trap, $taken) @load_test $dst $addr $end $off $sem ($b))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) load_branch_unary $dst:ident $addr:ident $end:ident $off:ident $sem:ident) => {
        family!(($r, $heap, $trap, $taken) @load_test $dst $addr $end $off $sem ())
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) @load_test $dst:ident $addr:ident $end:ident $off:ident $sem:ident ($($b:ident)?)) => {
        // SAFETY: as for `load`; `$end` is at least 4 (the translator took
        // it from an `i32.load`).
        unsafe {
            match $r
                .mem
                .load_end(LoadKind::I32, compact_end($r.vals.get(Slot::from($addr)), u32::from($end)))
            {
                Ok(v) => {
                    $r.vals.set(Slot::from($dst), v);
                    if num::$sem(v $(, $r.vals.get(Slot::from($b)))?) != 0 {
                        $r.jump($off);
                        $taken!();
                    }
                }
                Err(t) => $trap!(t),
            }
        }
    };
    (@operand $r:ident imm $i:ident) => { num::widen::i32(i32::from($i)) };
    (@operand $r:ident slot $i:ident) => { $r.vals.get(Slot::from($i)) };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) branch_unary $a:ident $off:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        if unsafe { num::$sem($r.vals.get($a)) } != 0 {
            $r.jump($off);
            $taken!();
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) load $dst:ident $addr:ident $end:ident $kind:ident) => {
        // SAFETY: frame slots (see above); `compact_end` is at least the
        // access size since the translator made `$end` the static offset
        // plus that size.
        unsafe {
            match $r
                .mem
                .load_end(LoadKind::$kind, compact_end($r.vals.get($addr), $end))
            {
                Ok(x) => $r.vals.set($dst, x),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) store $addr:ident $val:ident $end:ident $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let end = compact_end($r.vals.get($addr), $end);
            if let Err(t) = $r.mem.store_end(StoreKind::$kind, end, $r.vals.get($val)) {
                $trap!(t)
            }
        }
    };
    // The pointer-chasing forms: the address is a pointer loaded first.
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) load_via $dst:ident $addr:ident $first:ident $end:ident $kind:ident) => {
        // SAFETY: as for `load`; both ends are at least their access sizes.
        unsafe {
            let first = compact_end($r.vals.get($addr), u32::from($first));
            match $r.mem.load_end(LoadKind::I32, first) {
                Ok(p) => match $r.mem.load_end(LoadKind::$kind, compact_end(p, u32::from($end))) {
                    Ok(x) => $r.vals.set($dst, x),
                    Err(t) => $trap!(t),
                },
                Err(t) => $trap!(t),
            }
        }
    };
    // The constant-value forms: the value is the instruction's `i32`,
    // sign-extended to 64 bits (the store keeps its low bytes).
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) store_const $addr:ident $val:ident $end:ident $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let end = compact_end($r.vals.get($addr), $end);
            if let Err(t) = $r.mem.store_end(StoreKind::$kind, end, i64::from($val) as u64) {
                $trap!(t)
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) store_const_imm $base:ident $val:ident $imm:ident $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let addr = u64::from(($r.vals.get($base) as u32).wrapping_add($imm));
            let end = compact_end(addr, StoreKind::$kind.size() as u32);
            if let Err(t) = $r.mem.store_end(StoreKind::$kind, end, i64::from($val) as u64) {
                $trap!(t)
            }
        }
    };
    // The indexed forms: address `base + (index << shift)`, wrapping in 32
    // bits like the `i32.shl`/`i32.add` they replace; static offset 0, so
    // the end is the access size.
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) load_idx $dst:ident $base:ident $index:ident $sh:literal $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let addr = indexed_addr($r.vals.get($base), $r.vals.get($index), $sh);
            let end = compact_end(addr, LoadKind::$kind.size() as u32);
            match $r.mem.load_end(LoadKind::$kind, end) {
                Ok(x) => $r.vals.set($dst, x),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) store_idx $base:ident $index:ident $val:ident $sh:literal $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let addr = indexed_addr($r.vals.get($base), $r.vals.get($index), $sh);
            let end = compact_end(addr, StoreKind::$kind.size() as u32);
            if let Err(t) = $r.mem.store_end(StoreKind::$kind, end, $r.vals.get($val)) {
                $trap!(t)
            }
        }
    };
    // The immediate-addend forms: address `base + imm`, wrapping in 32
    // bits like the `i32.add` they replace; static offset 0.
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) load_imm $dst:ident $base:ident $imm:ident $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let addr = u64::from(($r.vals.get($base) as u32).wrapping_add($imm));
            let end = compact_end(addr, LoadKind::$kind.size() as u32);
            match $r.mem.load_end(LoadKind::$kind, end) {
                Ok(x) => $r.vals.set($dst, x),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) store_imm $base:ident $val:ident $imm:ident $kind:ident) => {
        // SAFETY: as for `load`.
        unsafe {
            let addr = u64::from(($r.vals.get($base) as u32).wrapping_add($imm));
            let end = compact_end(addr, StoreKind::$kind.size() as u32);
            if let Err(t) = $r.mem.store_end(StoreKind::$kind, end, $r.vals.get($val)) {
                $trap!(t)
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) struct_get $dst:ident $obj:ident $off:ident $k:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match struct_field($r.refs.get($obj), $off) {
                Ok(at) => $r.vals.set($dst, num::$sem($heap.read(at, FieldKind::$k))),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) array_get $dst:ident $arr:ident $i:ident $k:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match array_elem(&$heap, $r.refs.get($arr), $r.vals.get($i), FieldKind::$k) {
                Ok(at) => $r.vals.set($dst, num::$sem($heap.read(at, FieldKind::$k))),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) struct_set $obj:ident $val:ident $off:ident $k:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match struct_field($r.refs.get($obj), $off) {
                Ok(at) => $heap.write(at, FieldKind::$k, $r.vals.get($val)),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) array_set $arr:ident $i:ident $val:ident $k:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match array_elem(&$heap, $r.refs.get($arr), $r.vals.get($i), FieldKind::$k) {
                Ok(at) => $heap.write(at, FieldKind::$k, $r.vals.get($val)),
                Err(t) => $trap!(t),
            }
        }
    };
    // The GC reference instructions that neither allocate nor call: `other`
    // instructions, but the loop's arms and the chain's handlers share
    // these rules.
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) ref_as_non_null $src:ident) => {
        // SAFETY: frame slots (see above).
        if unsafe { $r.refs.get($src) } == raw::NULL {
            $trap!(crate::error::Trap::NullReference)
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) struct_get_ref $dst:ident $obj:ident $off:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match struct_field($r.refs.get($obj), $off) {
                Ok(at) => $r.refs.set($dst, $heap.read(at, FieldKind::Ref) as u32),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) struct_set_ref $obj:ident $val:ident $off:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            let obj = $r.refs.get($obj);
            match struct_field(obj, $off) {
                Ok(at) => gc_ops::set_ref(&mut $heap, obj, at, $r.refs.get($val)),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) array_get_ref $dst:ident $arr:ident $i:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match array_elem(&$heap, $r.refs.get($arr), $r.vals.get($i), FieldKind::Ref) {
                Ok(at) => $r.refs.set($dst, $heap.read(at, FieldKind::Ref) as u32),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) array_set_ref $arr:ident $i:ident $val:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            let arr = $r.refs.get($arr);
            match array_elem(&$heap, arr, $r.vals.get($i), FieldKind::Ref) {
                Ok(at) => gc_ops::set_ref(&mut $heap, arr, at, $r.refs.get($val)),
                Err(t) => $trap!(t),
            }
        }
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) array_len $dst:ident $arr:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match array_len(&$heap, $r.refs.get($arr)) {
                Ok(n) => $r.vals.set($dst, n),
                Err(t) => $trap!(t),
            }
        }
    };
    // The SIMD families: `dst = sem(operands)`, each operand slot read as
    // a vector (`get128`) or a scalar (`get`), lane immediates after `;`.
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_binary $dst:ident $a:ident $b:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set128 $dst = $sem(get128 $a, get128 $b))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_unary $dst:ident $src:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set128 $dst = $sem(get128 $src))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_ternary $dst:ident $b:ident $c:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set128 $dst = $sem(get128 $dst, get128 $b, get128 $c))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_shift $dst:ident $a:ident $b:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set128 $dst = $sem(get128 $a, get $b))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_splat $dst:ident $src:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set128 $dst = $sem(get $src))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_reduce $dst:ident $src:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set $dst = $sem(get128 $src))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_extract $dst:ident $src:ident $lane:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set $dst = $sem(get128 $src; $lane))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_replace $dst:ident $src:ident $lane:ident $sem:ident) => {
        crate::interp::exec::simd_op!($r, set128 $dst = $sem(get128 $dst, get $src; $lane))
    };
    (($r:ident, $heap:expr, $trap:ident, $taken:ident) v128_load $dst:ident $addr:ident $off:ident $sem:ident) => {
        // SAFETY: frame slots (see above).
        unsafe {
            match simd::$sem($r.mem, compact_ea($r.vals.get($addr), $off)) {
                Ok(x) => $r.vals.set128($dst, x),
                Err(t) => $trap!(t),
            }
        }
    };
}

#[cfg(tern_threaded)]
pub(super) use family;

/// A trap raised in the current function, with its backtrace.
#[cold]
#[inline(never)]
fn trap_error(
    store: &StoreInner,
    (inst, def): (InstanceId, DefFunc),
    frames_base: usize,
    code: Trap,
) -> Error {
    let frames = &store.stack().frames[frames_base.min(store.stack().frames.len())..];
    Error::trap(code, backtrace(store, (inst, def), frames))
}

/// The raw exception a host function threw (returned as its error), if it
/// is one of this store's.
#[cold]
#[inline(never)]
fn thrown_by_host(store: &StoreInner, e: &Error) -> Option<u32> {
    let x = e.exception()?;
    store.resolve(x.store, &x.root).ok()
}

/// An error from outside the loop (a host function, the resource limiter,
/// the epoch callback), with the backtrace of where it surfaced.
#[cold]
#[inline(never)]
fn surfaced(
    store: &StoreInner,
    current: (InstanceId, DefFunc),
    frames_base: usize,
    mut e: Error,
) -> Error {
    let frames = &store.stack().frames[frames_base.min(store.stack().frames.len())..];
    e.set_backtrace_if_empty(backtrace(store, current, frames));
    e
}

/// What the loop does after a call.
enum Flow {
    /// Go on with the next instruction (a host call returned).
    Next,
    /// Go on at `ip` (a wasm callee was entered, or a tail call returned).
    Jumped,
    /// The activation's entry function returned.
    Done,
    /// A host callee threw this exception (raw reference); `true` if it
    /// was tail-called (the current frame is gone).
    Throw(u32, bool),
}

/// Calls store function `f` with its frame at `bases` of the current
/// frame; `tail` replaces the current frame.
#[inline(always)]
fn call_func<T>(
    store: &mut Store<T>,
    r: &mut Regs,
    f: StoreFunc,
    bases: (Slot, Slot),
    tail: bool,
    (max_depth, frames_base): (usize, usize),
) -> Result<Flow> {
    let entry = &store.inner.funcs()[f.index()];
    let (kind, counts) = (entry.kind, entry.slots);
    match kind {
        FuncKind::Wasm { instance, code, .. } => {
            let callee = code.as_ptr();
            match r.enter(&mut store.inner, callee, instance, bases, tail, max_depth) {
                Ok(()) => Ok(Flow::Jumped),
                Err(t) => Err(trap_error(
                    &store.inner,
                    (r.inst(), r.def()),
                    frames_base,
                    t,
                )),
            }
        }
        FuncKind::Host { callee } => {
            let (vbase, rbase) = (r.vfp + bases.0 as usize, r.rfp + bases.1 as usize);
            let res = call_host(
                store,
                callee,
                Some(r.inst()),
                vbase,
                rbase,
                counts.0,
                counts.1,
            );
            r.refresh(&mut store.inner);
            if let Err(e) = res {
                if let Some(raw) = thrown_by_host(&store.inner, &e) {
                    return Ok(Flow::Throw(raw, tail));
                }
                let e = surfaced(&store.inner, (r.inst(), r.def()), frames_base, e);
                if !tail && e.kind() == ErrorKind::Host {
                    let call = HostCall {
                        func: f,
                        vbase,
                        rbase,
                    };
                    host_failed(&mut store.inner, r.position(), call);
                }
                return Err(e);
            }
            if !tail {
                return Ok(Flow::Next);
            }
            r.move_results_down(store.inner.stack_mut(), bases, counts.1);
            Ok(if r.ret(&mut store.inner, frames_base) {
                Flow::Jumped
            } else {
                Flow::Done
            })
        }
    }
}

/// After host function `f` (with its arguments at absolute slots
/// `vbase`/`rbase`) failed with `e`: the exception it threw (raw), or the
/// error with its backtrace (recording the call for a resumable
/// activation). The call is at `at` (position and defined function: plain
/// values, never `&Regs`, whose address would keep the registers in memory).
/// For the threaded chain's host calls; `call_func` keeps the same steps
/// inline (calling this instead changed the loop's register allocation:
/// +8.6% instructions on sieve in portable builds).
#[cfg(tern_threaded)]
#[cold]
#[inline(never)]
fn host_error<T>(
    store: &mut Store<T>,
    (at, def): (Position, DefFunc),
    e: Error,
    (f, vbase, rbase): (StoreFunc, usize, usize),
    tail: bool,
    frames_base: usize,
) -> Result<u32> {
    if let Some(raw) = thrown_by_host(&store.inner, &e) {
        return Ok(raw);
    }
    let e = surfaced(&store.inner, (at.inst, def), frames_base, e);
    if !tail && e.kind() == ErrorKind::Host {
        let call = HostCall {
            func: f,
            vbase,
            rbase,
        };
        host_failed(&mut store.inner, at, call);
    }
    Err(e)
}

/// Resolves a `call_indirect` through table `site.target` at `index`:
/// the function and how it is called.
#[inline(always)]
fn indirect_target(
    store: &StoreInner,
    r: &Regs,
    index: u64,
    site_index: u32,
) -> Result<(StoreFunc, FuncKind), Trap> {
    let Callee::Table { table, ty, type_id } = r.site(site_index).callee else {
        return Err(Trap::UnreachableCodeReached);
    };
    let instance = &store.instances()[r.inst().index()];
    let t = &store.tables()[instance.tables[table as usize] as usize];
    let i = if t.is64 { index } else { index as u32 as u64 };
    let raw_ref = usize::try_from(i)
        .ok()
        .and_then(|i| t.elems.get(i))
        .ok_or(Trap::TableOutOfBounds)?;
    let f = store
        .func_of_raw(*raw_ref)
        .ok_or(Trap::IndirectCallToNull)?;
    let actual = &store.funcs()[f.index()];
    if actual.type_id != type_id {
        let expected = &instance.module.0.types[ty.index()];
        if !actual
            .ty
            .info()
            .is_subtype_of(type_id, expected.info().depth())
        {
            return Err(Trap::BadSignature);
        }
    }
    Ok((f, actual.kind))
}

/// The dispatch loop's helper macros, defined inside [`run`] (they use its
/// locals `$store`, `$r` and `$frames_base`); `$d` is a literal `$` for the
/// macros they define. Kept out of `run` so that the loop reads on its own.
///
/// - `trap!(code)` leaves the loop with a trap; `tri!(result)` unwraps a
///   `Result<_, Trap>` or traps; `fail!(result)` unwraps a `Result<_, Error>`
///   from outside the loop (limiter, epoch callback) or leaves with it.
/// - `throw!(exn, skip)` unwinds to a handler or out of the activation;
///   `flow!(result)` goes on after a call.
/// - `v!`/`rf!` read (`v!(s)`) and write (`v!(s, x)`) value and reference
///   slots; `instance!()` is the current instance's store entry.
macro_rules! loop_macros {
    ($d:tt $store:ident, $r:ident, $frames_base:ident) => {
        macro_rules! trap {
            ($d code:expr) => {
                return Err(trap_error(
                    &$store.inner,
                    ($r.inst(), $r.def()),
                    $frames_base,
                    $d code,
                ))
            };
        }
        // A taken branch (`family!`'s branch rules): `ip` is already moved.
        macro_rules! taken {
            () => {
                continue
            };
        }
        macro_rules! tri {
            ($d e:expr) => {
                match $d e {
                    Ok(v) => v,
                    Err(t) => trap!(t),
                }
            };
        }
        // For errors from outside the loop (limiter, epoch callback): adds the
        // backtrace and leaves.
        macro_rules! fail {
            ($d e:expr) => {
                match $d e {
                    Ok(v) => v,
                    Err(e) => return Err(surfaced(&$store.inner, ($r.inst(), $r.def()), $frames_base, e)),
                }
            };
        }
        // Unwinds exception `exn` (raw) to its handler, or out of the
        // activation; `skip`: the current frame is gone (a host tail call).
        macro_rules! throw {
            ($d exn:expr, $d skip:expr) => {{
                let to = exn::unwind(&mut $store.inner, $r.position(), $frames_base, $d exn, $d skip)?;
                $r.resume(&mut $store.inner, to);
                continue;
            }};
        }
        // After a call: where to go on.
        macro_rules! flow {
            ($d e:expr) => {
                match $d e? {
                    Flow::Next => {}
                    Flow::Jumped => continue,
                    Flow::Done => return Ok(()),
                    Flow::Throw(x, skip) => throw!(x, skip),
                }
            };
        }
        // Slot access in the hand-written arms: `slot!(vals, s)` reads,
        // `slot!(vals, s, x)` writes; see `family!` for why the `unsafe` blocks
        // are sound. `v!` and `rf!` name the value and reference frames.
        macro_rules! slot {
            ($d frame:ident, $d s:expr) => {
                // SAFETY: frame slots (see `family!`).
                unsafe { $r.$d frame.get($d s) }
            };
            ($d frame:ident, $d s:expr, $d x:expr) => {{
                let x = $d x;
                // SAFETY: frame slots (see `family!`).
                unsafe { $r.$d frame.set($d s, x) }
            }};
        }
        macro_rules! v {
            ($d ($d t:tt)*) => { slot!(vals, $d ($d t)*) };
        }
        macro_rules! rf {
            ($d ($d t:tt)*) => { slot!(refs, $d ($d t)*) };
        }
        // `w!(s)` reads and `w!(s, x)` writes the `v128` in value slots `s`
        // and `s + 1` (the translator allocates a vector's slots together).
        macro_rules! w {
            ($d s:expr) => {
                // SAFETY: frame slots (see `family!`), both of the pair.
                unsafe { $r.vals.get128($d s) }
            };
            ($d s:expr, $d x:expr) => {{
                let x = $d x;
                // SAFETY: as above.
                unsafe { $r.vals.set128($d s, x) }
            }};
        }
        // The $store indices of the current instance's entities.
        macro_rules! instance {
            () => {
                $store.inner.instances()[$r.inst().index()]
            };
            (mut) => {
                $store.inner.instances_mut()[$r.inst().index()]
            };
        }
        // The store's entry of the current instance's global `index`.
        macro_rules! global {
            ($index:expr) => {{
                let g = instance!().globals[$index as usize] as usize;
                &mut $store.inner.globals_mut()[g]
            }};
        }
    };
}

/// The registers of a run: at the start of `def`'s code in a fresh frame
/// at `vfp`/`rfp`, or at a parked activation's position (see [`run`]).
#[inline(always)]
fn start(
    store: &mut StoreInner,
    cold: *mut Cold,
    (inst, def): (InstanceId, DefFunc),
    (vfp, rfp): (usize, usize),
    resume: Option<Position>,
    frames_base: usize,
) -> Result<Regs> {
    // SAFETY: `cold` points to a local of `run` that outlives the
    // registers and is only accessed through them.
    let mut r = unsafe { Regs::start(store, cold, def, vfp, rfp) };
    match resume {
        None => {
            if let Err(t) = enter_frame(store.stack_mut(), r.function(), vfp, rfp) {
                return Err(trap_error(store, (inst, def), frames_base, t));
            }
        }
        // Same function and frame (the caller passes the position's): only
        // the instruction differs. (Setting just `ip`, not every register
        // through `resume`, keeps the loop's register allocation.)
        Some(at) => r.ip = at.ip,
    }
    r.refresh(store);
    Ok(r)
}

/// Runs defined function `def` of instance `inst` with its arguments
/// already in slots `0..` of the frame at `vfp`/`rfp`; or, with `resume`,
/// goes on with a parked activation (see `resume.rs`) whose stack is the
/// store's again, in that function's frame at that position.
pub(super) fn run<T>(
    store: &mut Store<T>,
    inst: InstanceId,
    def: DefFunc,
    (vfp, rfp): (usize, usize),
    resume: Option<Position>,
) -> Result<()> {
    // A resumed activation's callers are the frames of its own stack.
    let frames_base = if resume.is_some() {
        0
    } else {
        store.inner.stack().frames.len()
    };
    let max_depth = store.inner.engine().config().max_call_depth;
    let limits = (max_depth, frames_base);
    let mut cold = Cold::new(inst);
    // The address escapes, so that the cold registers stay in memory (see
    // `Regs::cold`).
    let cold = std::hint::black_box(&raw mut cold);
    let mut r = start(
        &mut store.inner,
        cold,
        (inst, def),
        (vfp, rfp),
        resume,
        frames_base,
    )?;
    loop_macros!($ store, r, frames_base);
    // Threaded dispatch (see `thread.rs`): the chain runs the instructions
    // it covers and returns the first one it does not, which the loop
    // then runs.
    #[cfg(tern_threaded)]
    let (mut cx, mut sync) = (thread::Cx::new(&r, store, cold, limits), false);
    loop {
        #[cfg(tern_threaded)]
        {
            // True when the chain ran the entry function's `Return`.
            if thread::run_chain(&mut r, store, &mut cx, std::mem::replace(&mut sync, true)) {
                return Ok(());
            }
            // A host call in the chain failed; `ip` is its call.
            if let Some((e, f, (vb, rb))) = cx.host_error.take() {
                let at = (r.position(), r.def());
                let x = host_error(store, at, e, (f, vb, rb), false, frames_base)?;
                throw!(x, false);
            }
        }
        if CHECKED {
            r.assert_current(&store.inner);
        }
        // SAFETY: `ip` always points at an instruction of the current
        // function: it starts at the first one, advances by one after a
        // non-branching instruction (never past the final `Return`/`Trap`),
        // and jumps only to translated branch targets.
        let instr = unsafe { &*r.ip };
        match_instr!(*instr, family, (r, store.inner.heap_mut(), trap, taken), {
            Instr::Const32 { dst, imm } => v!(dst, imm as u64),
            Instr::Const64 { dst, imm } => v!(dst, imm),
            Instr::Copy { dst, src } => v!(dst, v!(src)),
            Instr::RefCopy { dst, src } => rf!(dst, rf!(src)),
            Instr::Select { dst, a, b, cond } => {
                let pick = if v!(Slot::from(cond)) as u32 != 0 { a } else { Slot::from(b) };
                v!(dst, v!(pick));
            }
            Instr::I32MulAdd { dst, acc, a, b } => v!(dst, num::i32_mul_add(v!(Slot::from(acc)), v!(Slot::from(a)), v!(Slot::from(b)))),
            Instr::I64MulAdd { dst, acc, a, b } => v!(dst, num::i64_mul_add(v!(Slot::from(acc)), v!(Slot::from(a)), v!(Slot::from(b)))),
            Instr::F32MulAdd { dst, acc, a, b } => v!(dst, num::f32_mul_add(v!(Slot::from(acc)), v!(Slot::from(a)), v!(Slot::from(b)))),
            Instr::F64MulAdd { dst, acc, a, b } => v!(dst, num::f64_mul_add(v!(Slot::from(acc)), v!(Slot::from(a)), v!(Slot::from(b)))),
            Instr::I32ShrUAndImm { dst, a, mask, shift } => v!(dst, num::i32_shr_u_and(v!(a), shift, mask)),
            Instr::SelectFar { dst, b, cond } => {
                if v!(cond) as u32 == 0 {
                    v!(dst, v!(b));
                }
            }
            Instr::Copy128 { dst, src } => w!(dst, w!(src)),
            Instr::Select128 { dst, b, cond } => {
                if v!(cond) as u32 == 0 {
                    w!(dst, w!(b));
                }
            }
            Instr::V128Const { dst, index } => w!(dst, r.v128(index)),
            Instr::I8x16Shuffle { dst, b, lanes } => {
                w!(dst, simd::i8x16_shuffle(w!(dst), w!(b), r.v128(lanes)));
            }
            Instr::V128Store { addr, val, offset } => {
                let (ea, x) = (compact_ea(v!(addr), offset), w!(val));
                tri!(simd::store128(r.mem, ea, x));
            }
            Instr::SimdMem { x, addr, site } => {
                let m = r.function().mem_args[site as usize];
                let xv = w!(x);
                let y = tri!(bulk::access_ext(&mut store.inner, r.inst(), m, v!(addr), xv));
                r.refresh(&mut store.inner);
                w!(x, y)
            }
            Instr::GlobalGet128 { dst, index } => w!(dst, global!(index).bits),
            Instr::GlobalSet128 { src, index } => global!(index).bits = w!(src),
            Instr::StructGet128 { dst, obj, offset } => {
                let at = tri!(struct_field(rf!(obj), offset));
                w!(dst, store.inner.heap().read_v128(at))
            }
            Instr::StructSet128 { obj, val, offset } => {
                let at = tri!(struct_field(rf!(obj), offset));
                store.inner.heap_mut().write_v128(at, w!(val));
            }
            Instr::ArrayGet128 { dst, arr, index } => {
                let heap = store.inner.heap();
                let at = tri!(array_elem(heap, rf!(arr), v!(index), FieldKind::V128));
                w!(dst, heap.read_v128(at))
            }
            Instr::ArraySet128 { arr, index, val } => {
                let at = tri!(array_elem(store.inner.heap(), rf!(arr), v!(index), FieldKind::V128));
                store.inner.heap_mut().write_v128(at, w!(val));
            }
            Instr::RefSelect { dst, b, cond } => {
                if v!(cond) as u32 == 0 {
                    rf!(dst, rf!(b));
                }
            }

            Instr::Br { offset } => {
                r.jump(offset);
                continue;
            }
            Instr::BrIf { cond, offset } => {
                if v!(cond) as u32 != 0 {
                    r.jump(offset);
                    continue;
                }
            }
            Instr::BrIfNot { cond, offset } => {
                if v!(cond) as u32 == 0 {
                    r.jump(offset);
                    continue;
                }
            }
            Instr::BrTable { index, len } => {
                r.jump(1 + (v!(index) as u32).min(len) as i32);
                continue;
            }
            Instr::BrOnNull { src, offset } => {
                if rf!(src) == raw::NULL {
                    r.jump(offset);
                    continue;
                }
            }
            Instr::BrOnNonNull { src, offset } => {
                if rf!(src) != raw::NULL {
                    r.jump(offset);
                    continue;
                }
            }
            Instr::ConsumeFuel { amount } => {
                if store.inner.interrupts_mut().consume(u64::from(amount)).is_err() {
                    let t = out_of_fuel(&mut store.inner, r.position(), amount);
                    trap!(t);
                }
            }
            Instr::CheckEpoch => {
                if store.inner.engine().current_epoch() >= store.inner.interrupts().epoch_deadline {
                    fail!(epoch_deadline_reached(store));
                    r.refresh(&mut store.inner);
                }
            }
            Instr::Return => {
                if r.ret(&mut store.inner, frames_base) {
                    continue;
                }
                return Ok(());
            }
            Instr::CopyReturn { src } => {
                v!(0, v!(src));
                if r.ret(&mut store.inner, frames_base) {
                    continue;
                }
                return Ok(());
            }
            Instr::RefCopyReturn { src } => {
                rf!(0, rf!(src));
                if r.ret(&mut store.inner, frames_base) {
                    continue;
                }
                return Ok(());
            }
            Instr::Trap { code } => trap!(code),

            // The hottest call: a direct call within the module, with `tail`
            // a constant in each arm so that `enter` is specialized for it.
            Instr::CallInternal { vbase, rbase, def } => {
                tri!(r.call_internal(&mut store.inner, (vbase, rbase, def), false, max_depth));
                continue;
            }
            Instr::ReturnCallInternal { vbase, rbase, def } => {
                tri!(r.call_internal(&mut store.inner, (vbase, rbase, def), true, max_depth));
                continue;
            }
            Instr::CallImported { site } | Instr::ReturnCallImported { site } => {
                let tail = matches!(*instr, Instr::ReturnCallImported { .. });
                let s = r.site(site);
                let Callee::Imported(func) = s.callee else {
                    trap!(Trap::UnreachableCodeReached)
                };
                let f = instance!().funcs[func as usize];
                flow!(call_func(store, &mut r, f, (s.vbase, s.rbase), tail, limits));
            }
            Instr::CallIndirect { index, site } | Instr::ReturnCallIndirect { index, site } => {
                let tail = matches!(*instr, Instr::ReturnCallIndirect { .. });
                let (f, kind) = tri!(indirect_target(&store.inner, &r, v!(index), site));
                let s = r.site(site);
                if let FuncKind::Wasm { instance, code, .. } = kind
                    && !tail
                {
                    // The common case, entered right here: a wasm callee.
                    let bases = (s.vbase, s.rbase);
                    tri!(r.enter(&mut store.inner, code.as_ptr(), instance, bases, false, max_depth));
                    continue;
                }
                flow!(call_func(store, &mut r, f, (s.vbase, s.rbase), tail, limits));
            }
            Instr::CallRef { func, site } | Instr::ReturnCallRef { func, site } => {
                let tail = matches!(*instr, Instr::ReturnCallRef { .. });
                let f = tri!(store.inner.func_of_raw(rf!(func)).ok_or(Trap::NullFunctionReference));
                let s = r.site(site);
                flow!(call_func(store, &mut r, f, (s.vbase, s.rbase), tail, limits));
            }

            Instr::Throw { tag, vbase, rbase } => {
                let fr = r.gc_frame();
                let x = tri!(exn::new_exception(&mut store.inner, r.inst(), tag, (vbase, rbase), &fr));
                throw!(x, false)
            }
            Instr::ThrowRef { src } => {
                let x = rf!(src);
                if x == raw::NULL {
                    trap!(Trap::NullExceptionReference);
                }
                throw!(x, false)
            }

            Instr::GlobalGet { dst, index } => v!(dst, global!(index).bits as u64),
            Instr::GlobalSet { src, index } => global!(index).bits = v!(src) as u128,
            Instr::RefGlobalGet { dst, index } => rf!(dst, global!(index).bits as u32),
            Instr::RefGlobalSet { src, index } => global!(index).bits = rf!(src) as u128,

            Instr::MemorySize { dst, mem } => {
                v!(dst, bulk::memory_size(&store.inner, r.inst(), mem));
            }
            Instr::MemoryGrow { dst, delta, mem } => {
                let old = fail!(bulk::memory_grow(store, r.inst(), mem, v!(delta)));
                r.refresh(&mut store.inner);
                v!(dst, old);
            }
            Instr::MemoryFill { args, mem } => {
                let (d, val, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::fill::<MemoryEntry>(&mut store.inner, r.inst(), mem, (d, val as u8, n)));
                r.refresh(&mut store.inner);
            }
            Instr::MemoryCopy { args, mems } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                let (dm, sm) = (mems >> 16, mems & 0xffff);
                tri!(bulk::copy::<MemoryEntry>(&mut store.inner, r.inst(), (dm, sm), (d, s, n)));
                r.refresh(&mut store.inner);
            }
            Instr::MemoryInit { args, seg, mem } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::init::<MemoryEntry>(&mut store.inner, r.inst(), (mem, seg), (d, s, n), true));
                r.refresh(&mut store.inner);
            }
            Instr::DataDrop { seg } => {
                instance!(mut).datas[seg as usize] = std::sync::Arc::from([]);
            }
            Instr::LoadExt { dst, addr, site } => {
                let m = r.function().mem_args[site as usize];
                let x = tri!(bulk::access_ext(&mut store.inner, r.inst(), m, v!(addr), 0)) as u64;
                r.refresh(&mut store.inner);
                v!(dst, x);
            }
            Instr::StoreExt { addr, val, site } => {
                let m = r.function().mem_args[site as usize];
                tri!(bulk::access_ext(&mut store.inner, r.inst(), m, v!(addr), u128::from(v!(val))));
                r.refresh(&mut store.inner);
            }

            Instr::TableGet { dst, index, table } => {
                rf!(dst, tri!(bulk::table_get(&store.inner, r.inst(), table, v!(index))));
            }
            Instr::TableSet { index, src, table } => {
                tri!(bulk::table_set(&mut store.inner, r.inst(), table, (v!(index), rf!(src))));
            }
            Instr::TableSize { dst, table } => {
                v!(dst, bulk::table_size(&store.inner, r.inst(), table));
            }
            Instr::TableGrow { dst, init, table } => {
                let (d, x) = (v!(dst), rf!(init));
                let old = fail!(bulk::table_grow(store, r.inst(), table, (d, x)));
                r.refresh(&mut store.inner);
                v!(dst, old);
            }
            Instr::TableFill { args, val, table } => {
                let (d, n, x) = (v!(args), v!(args + 1), rf!(val));
                tri!(bulk::fill::<TableEntry>(&mut store.inner, r.inst(), table, (d, x, n)));
            }
            Instr::TableCopy { args, tables } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                let (dt, st) = (tables >> 16, tables & 0xffff);
                tri!(bulk::copy::<TableEntry>(&mut store.inner, r.inst(), (dt, st), (d, s, n)));
            }
            Instr::TableInit { args, seg, table } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::init::<TableEntry>(&mut store.inner, r.inst(), (table, seg), (d, s, n), true));
            }
            Instr::ElemDrop { seg } => {
                instance!(mut).elems[seg as usize] = Vec::new();
            }

            Instr::RefNull { dst } => rf!(dst, raw::NULL),
            Instr::RefIsNull { dst, src } => v!(dst, (rf!(src) == raw::NULL) as u64),
            Instr::RefFunc { dst, func } => rf!(dst, raw::func(instance!().funcs[func as usize])),
            Instr::RefAsNonNull { src } => family!((r, (), trap, taken) ref_as_non_null src),
            Instr::RefEq { dst, a, b } => v!(dst, (rf!(a) == rf!(b)) as u64),

            Instr::StructNew { dst, site, ty } => {
                let (s, fr) = (r.alloc_site(site), r.gc_frame());
                let l = r.layout(ty);
                let x = tri!(gc_ops::struct_new(&mut store.inner, (r.inst(), ty), l, &s, &fr));
                r.refresh(&mut store.inner);
                rf!(dst, x);
            }
            Instr::StructNewDefault { dst, ty } => {
                let fr = r.gc_frame();
                let x = tri!(gc_ops::struct_new_default(&mut store.inner, r.inst(), ty, &fr));
                r.refresh(&mut store.inner);
                rf!(dst, x);
            }
            Instr::StructGetRef { dst, obj, offset } => {
                family!((r, *store.inner.heap_mut(), trap, taken) struct_get_ref dst obj offset)
            }
            Instr::StructSetRef { obj, val, offset } => {
                family!((r, *store.inner.heap_mut(), trap, taken) struct_set_ref obj val offset)
            }
            Instr::ArrayNew { site }
            | Instr::ArrayNewFixed { site }
            | Instr::ArrayNewData { site }
            | Instr::ArrayNewElem { site } => {
                let (s, fr) = (r.alloc_site(site), r.gc_frame());
                tri!(gc_ops::array_new(&mut store.inner, r.inst(), &s, &fr));
                r.refresh(&mut store.inner);
            }
            Instr::ArrayNewDefault { dst, len, ty } => {
                let (n, fr) = (v!(len) as u32, r.gc_frame());
                let x = tri!(gc_ops::array_new_default(&mut store.inner, r.inst(), ty, n, &fr));
                r.refresh(&mut store.inner);
                rf!(dst, x);
            }
            Instr::ArrayGetRef { dst, arr, index } => {
                family!((r, *store.inner.heap_mut(), trap, taken) array_get_ref dst arr index)
            }
            Instr::ArraySetRef { arr, index, val } => {
                family!((r, *store.inner.heap_mut(), trap, taken) array_set_ref arr index val)
            }
            Instr::ArrayLen { dst, arr } => {
                family!((r, *store.inner.heap_mut(), trap, taken) array_len dst arr)
            }
            Instr::ArrayFill { vargs, rargs } => {
                let (va, ra) = (r.vfp + vargs as usize, r.rfp + rargs as usize);
                tri!(gc_ops::array_fill(&mut store.inner, va, ra));
                r.refresh(&mut store.inner);
            }
            Instr::ArrayCopy { vargs, rargs } => {
                let (va, ra) = (r.vfp + vargs as usize, r.rfp + rargs as usize);
                tri!(gc_ops::array_copy(&mut store.inner, va, ra));
                r.refresh(&mut store.inner);
            }
            Instr::ArrayInitData { vargs, rargs, seg } | Instr::ArrayInitElem { vargs, rargs, seg } => {
                let (va, ra) = (r.vfp + vargs as usize, r.rfp + rargs as usize);
                let seg = match *instr {
                    Instr::ArrayInitData { .. } => Segment::Data(seg),
                    _ => Segment::Elem(seg),
                };
                tri!(gc_ops::array_init(&mut store.inner, r.inst(), va, ra, seg));
                r.refresh(&mut store.inner);
            }
            Instr::RefI31 { dst, src } => rf!(dst, raw::i31(v!(src) as u32 & 0x7fff_ffff)),
            Instr::I31GetS { dst, src } => v!(dst, tri!(i31_get(rf!(src), true))),
            Instr::I31GetU { dst, src } => v!(dst, tri!(i31_get(rf!(src), false))),
            Instr::RefTest { dst, src, cast } => {
                v!(dst, gc_ops::cast_ok(&store.inner, rf!(src), &r.cast(cast)) as u64);
            }
            Instr::RefCast { src, cast } => {
                if !gc_ops::cast_ok(&store.inner, rf!(src), &r.cast(cast)) {
                    trap!(Trap::CastFailure);
                }
            }
            Instr::BrOnCast { src, cast, offset } => {
                if gc_ops::cast_ok(&store.inner, rf!(src), &r.cast(cast)) {
                    r.jump(offset);
                    continue;
                }
            }
            Instr::BrOnCastFail { src, cast, offset } => {
                if !gc_ops::cast_ok(&store.inner, rf!(src), &r.cast(cast)) {
                    r.jump(offset);
                    continue;
                }
            }
        });
        r.next();
    }
}
