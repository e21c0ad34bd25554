//! The executor: runs IR over a value stack and a reference stack.
//!
//! A frame is a window `[vfp..vfp+value_frame)` of the value stack and
//! `[rfp..rfp+ref_frame)` of the reference stack. A call's callee frame
//! starts at the caller's argument slots, so arguments are passed in place
//! and results come back in place. Wasm-to-wasm calls never recurse on the
//! Rust stack; only host calls that re-enter wasm do, and those are bounded.

mod bulk;
mod exec;
mod exn;
mod gc_ops;
mod mem;
pub(crate) mod num;
mod regs;
mod resume;
mod simd;
#[cfg(tern_threaded)]
mod thread;

pub(crate) use bulk::init as segment_init;
pub(crate) use gc_ops::cast_ok;
pub(crate) use gc_ops::fill_elems;
pub(crate) use resume::{Activations, Ended, ParkToken, Parked, resume};
#[cfg(tern_threaded)]
pub(crate) use thread::{Handler, pure_handler};

use crate::error::{Error, FrameInfo, Result, Trap};
use crate::index::{DefFunc, InstanceId, StoreFunc};
use crate::ir::{CompiledFunc, Instr};
use crate::runtime::{FuncKind, HostCallee, HostThunk, Store, StoreInner};
use crate::values::raw;

/// Whether every slot access, memory view and call-site lookup of the
/// executor is checked (debug builds, or the `checked` feature, which
/// `.ci/run` uses to run the conformance suite in a release build).
const CHECKED: bool = cfg!(any(debug_assertions, feature = "checked"));

/// Native stack that must be left for a host-to-wasm activation to start:
/// the executor and the host function it may call need a few KiB per
/// nesting level, and the host code between activations needs room too.
/// Below this, the call traps with `call stack exhausted` instead of
/// overflowing the thread's stack.
const MIN_NATIVE_STACK: usize = 128 * 1024;

/// Nested host-to-wasm activations allowed when the platform cannot tell
/// how much native stack is left.
const MAX_ACTIVATIONS: usize = 200;

/// Whether another activation may start on this thread's native stack.
/// The first one always may (the host called in from wherever it is; an
/// activation needs little stack): only nesting, which repeats, is checked,
/// which keeps the common host-to-wasm call free of the check.
#[inline]
fn native_stack_allows(activations: usize) -> bool {
    if activations == 0 {
        return true;
    }
    match stacker::remaining_stack() {
        Some(left) => left >= MIN_NATIVE_STACK,
        None => activations < MAX_ACTIVATIONS,
    }
}

/// Most value or reference slots the interpreter stack may hold (128 MiB
/// of value slots): deep recursion with large frames traps before that.
const MAX_STACK_SLOTS: usize = 1 << 24;

/// The interpreter stack of a store: value slots, reference slots and
/// suspended frames of every active activation.
#[derive(Default)]
pub(crate) struct Stack {
    pub(crate) vals: Vec<u64>,
    pub(crate) refs: Vec<u32>,
    frames: Vec<Frame>,
    /// While a host function runs: the first free value slot above the
    /// caller's live slots, where a nested activation starts.
    pub(crate) vtop: usize,
    /// Same for reference slots.
    pub(crate) rtop: usize,
}

/// A suspended caller.
struct Frame {
    ret_ip: *const Instr,
    vfp: usize,
    rfp: usize,
    func: *const CompiledFunc,
    inst: InstanceId,
}

impl Frame {
    /// The caller's defined function in its instance's module (read from
    /// the function, not stored in every frame record).
    fn def(&self) -> DefFunc {
        // SAFETY: `func` points into a module owned by an instance of the
        // store this stack belongs to; instances live as long as the store.
        unsafe { (*self.func).def }
    }
}

// SAFETY: the raw pointers in a `Stack` point into `CompiledFunc`s owned by
// modules that the store keeps alive; a `Stack` is only used with its store.
unsafe impl Send for Stack {}
// SAFETY: as for `Send`; shared access never dereferences the pointers.
unsafe impl Sync for Stack {}

/// Calls store function `func` from the host: `put` writes the arguments
/// into the stack at the given value/reference slot bases, `take` reads the
/// results from there.
pub(crate) fn invoke<T, R>(
    store: &mut Store<T>,
    func: StoreFunc,
    put: impl FnOnce(&mut StoreInner, usize, usize) -> Result<()>,
    take: impl FnOnce(&mut StoreInner, usize, usize) -> R,
) -> Result<R> {
    match activate(store, func, put, take, false)? {
        Ended::Finished(r) => Ok(r),
        Ended::Parked { .. } => Err(Error::usage("a call parked outside a resumable call")),
    }
}

/// [`invoke`], or with `resumable` a call that may park if it is the
/// outermost activation (see `resume.rs`).
pub(crate) fn activate<T, R>(
    store: &mut Store<T>,
    func: StoreFunc,
    put: impl FnOnce(&mut StoreInner, usize, usize) -> Result<()>,
    take: impl FnOnce(&mut StoreInner, usize, usize) -> R,
    resumable: bool,
) -> Result<Ended<R>> {
    let entry = store.inner.funcs().get(func.index());
    let (((pv, pr), (rv, rr)), kind) = match entry {
        Some(e) => (e.slots, e.kind),
        None => return Err(Error::usage("invalid function")),
    };
    if !native_stack_allows(store.inner.activations().depth) {
        return Err(Error::trap(Trap::StackOverflow, Vec::new()));
    }
    let (vb, rb) = if store.inner.activations().depth == 0 {
        store.inner.stack_mut().frames.clear();
        (0, 0)
    } else {
        (store.inner.stack().vtop, store.inner.stack().rtop)
    };
    make_room(store.inner.stack_mut(), vb + pv.max(rv), rb + pr.max(rr))?;
    put(&mut store.inner, vb, rb)?;
    store.inner.activations_mut().depth += 1;
    // Only the outermost activation may park: nothing native is between it
    // and the host.
    let resumable = resumable && store.inner.activations().depth == 1;
    store.inner.interrupts_mut().resumable |= resumable;
    let frames_base = store.inner.stack().frames.len();
    let r = match kind {
        FuncKind::Host { callee } => call_host(store, callee, None, vb, rb, (pv, pr), (rv, rr)),
        FuncKind::Wasm { instance, def, .. } => exec::run(store, instance, def, (vb, rb), None),
    };
    if resumable {
        return resume::end_outermost(store, r, take);
    }
    store.inner.stack_mut().frames.truncate(frames_base);
    store.inner.activations_mut().depth -= 1;
    r.map(|()| Ended::Finished(take(&mut store.inner, vb, rb)))
}

/// Makes the stacks hold at least `vend`/`rend` slots (for a call from
/// the host), or reports exhaustion. (The stacks never exceed the
/// maximum, so a call they already hold needs no other check.)
#[inline(always)]
fn make_room(stack: &mut Stack, vend: usize, rend: usize) -> Result<()> {
    if vend > stack.vals.len() || rend > stack.refs.len() {
        grow_stack(stack, vend, rend).map_err(|t| Error::trap(t, Vec::new()))?;
    }
    Ok(())
}

/// Calls host function `callee` with its parameters at slots
/// `vbase`/`rbase` (whose counts are `(pv, pr)`, and of its results
/// `(rv, rr)`), growing the stacks to hold them.
#[allow(clippy::too_many_arguments)]
fn call_host<T>(
    store: &mut Store<T>,
    callee: HostCallee,
    instance: Option<InstanceId>,
    vbase: usize,
    rbase: usize,
    (pv, pr): (usize, usize),
    (rv, rr): (usize, usize),
) -> Result<()> {
    let (vend, rend) = (vbase + pv.max(rv), rbase + pr.max(rr));
    make_room(store.inner.stack_mut(), vend, rend)?;
    let host: *mut Store<T> = store;
    // SAFETY: `host` is the store `callee` belongs to (a function of its
    // own, whose `Caller` trampoline is made for its `T`), just made from
    // the exclusive borrow; the stacks hold `vend`/`rend` slots.
    unsafe {
        run_host(
            host.cast(),
            &raw mut (*host).inner,
            callee,
            instance,
            (vbase, rbase),
            (vend, rend),
        )
    }
}

/// Calls host function `callee` for `call_host` (or a threaded handler),
/// with its arguments at `vbase`/`rbase`; a nested activation starts at
/// `vend`/`rend`. A `Caller` trampoline gets the store (`host`); a pure
/// one only the slots.
///
/// # Safety
/// `host` is the running `Store<T>`, `store` its `inner`, neither
/// otherwise borrowed; `callee` is a function of that store (so its
/// trampoline is made for that `T`); the stacks hold `vend`/`rend` slots,
/// which are at least the function's parameter and result slots from
/// `vbase`/`rbase`.
#[inline(always)]
unsafe fn run_host(
    host: *mut (),
    store: *mut StoreInner,
    callee: HostCallee,
    instance: Option<InstanceId>,
    (vbase, rbase): (usize, usize),
    (vend, rend): (usize, usize),
) -> Result<()> {
    // SAFETY: the caller's contract: nothing else borrows the store.
    let stack = unsafe { (*store).stack_mut() };
    match callee.thunk {
        HostThunk::Pure(thunk) => {
            let vals = stack.vals.as_mut_ptr().wrapping_add(vbase);
            let refs = stack.refs.as_mut_ptr().wrapping_add(rbase);
            // SAFETY: the function's slots from `vbase`/`rbase` are inside
            // the stacks (the caller's contract), and `callee.data` is the
            // closure of its trampoline (`HostCallee`).
            unsafe { thunk(callee.data, &mut *store, vals, refs) }
        }
        HostThunk::Caller(thunk) => {
            // A nested activation starts above the host function's slots.
            let saved = (stack.vtop, stack.rtop);
            stack.vtop = vend;
            stack.rtop = rend;
            // SAFETY: `host` is the store of `callee`'s `T`, not otherwise
            // borrowed (the caller's contract; `stack` is not used again).
            let r = unsafe { thunk(callee.data, host, instance, vbase, rbase) };
            // SAFETY: the call has returned: nothing else borrows the store.
            let stack = unsafe { (*store).stack_mut() };
            stack.vtop = saved.0;
            stack.rtop = saved.1;
            r
        }
    }
}

/// Builds the backtrace of a trap: the current function, then its callers.
#[cold]
fn backtrace(
    store: &StoreInner,
    current: (InstanceId, DefFunc),
    frames: &[Frame],
) -> Vec<FrameInfo> {
    let funcs = std::iter::once(current).chain(frames.iter().rev().map(|f| (f.inst, f.def())));
    funcs
        .take(100)
        .filter_map(|(instance, def)| {
            let m = &store.instances().get(instance.index())?.module.0;
            let index = m.num_imported_funcs + def.0;
            Some(FrameInfo {
                func_index: index,
                func_name: m.func_names.get(&index).cloned(),
                module_name: m.name.clone(),
            })
        })
        .collect()
}

/// The store index of instance `inst`'s memory 0, if it has one.
fn first_memory(store: &StoreInner, inst: InstanceId) -> Option<usize> {
    store.instances()[inst.index()]
        .memories
        .first()
        .map(|m| *m as usize)
}

/// Makes room for `f`'s frame at `vfp`/`rfp`, clears its value locals and
/// all of its reference slots (so every reference slot below the stack top
/// is null or valid: the collector scans them all).
#[inline(always)]
fn enter_frame(stack: &mut Stack, f: &CompiledFunc, vfp: usize, rfp: usize) -> Result<(), Trap> {
    let vend = vfp + f.value_frame as usize;
    let rend = rfp + f.ref_frame as usize;
    if vend > stack.vals.len() || rend > stack.refs.len() {
        grow_stack(stack, vend, rend)?;
    }
    clear_frame(stack, f, vfp, rfp);
    Ok(())
}

/// Clears `f`'s value locals and reference slots in its frame at
/// `vfp`/`rfp`, which the stacks already hold (see `enter_frame`).
#[inline(always)]
fn clear_frame(stack: &mut Stack, f: &CompiledFunc, vfp: usize, rfp: usize) {
    if !f.clears {
        return;
    }
    let vals = &mut stack.vals[vfp..vfp + f.value_locals as usize];
    let refs = &mut stack.refs[rfp..rfp + f.ref_frame as usize];
    // SAFETY: the slices hold the frame's slots up to the locals' and the
    // frame's ends, which bound the ranges cleared.
    unsafe { clear_locals(f, vals.as_mut_ptr(), refs.as_mut_ptr()) }
}

/// The slots that entering `f` clears: (first, count) of its value
/// locals after its parameters, and of its reference slots after its
/// parameters.
#[inline(always)]
fn locals_to_clear(f: &CompiledFunc) -> ((usize, usize), (usize, usize)) {
    let (vp, vl) = (f.value_params as usize, f.value_locals as usize);
    let (rp, rn) = (f.ref_params as usize, f.ref_frame as usize);
    ((vp, vl.saturating_sub(vp)), (rp, rn.saturating_sub(rp)))
}

/// Clears `f`'s slots of `locals_to_clear` in the frame whose slots start
/// at `vals`/`refs`: `clear_frame` and the threaded chain's calls of
/// functions with many locals.
///
/// # Safety
/// `vals` holds `f.value_locals` writable slots and `refs` `f.ref_frame`.
#[inline(always)]
unsafe fn clear_locals(f: &CompiledFunc, vals: *mut u64, refs: *mut u32) {
    let ((vp, vn), (rp, rn)) = locals_to_clear(f);
    // SAFETY: the ranges end at `f.value_locals` and `f.ref_frame`.
    unsafe {
        fill(vals.add(vp), vn, 0);
        fill(refs.add(rp), rn, raw::NULL);
    }
}

/// Writes `x` to the `n` slots at `p`.
///
/// # Safety
/// `p` points to `n` writable slots.
#[inline(always)]
unsafe fn fill<X: Copy>(p: *mut X, n: usize, x: X) {
    // SAFETY: the caller's contract.
    unsafe {
        if !fill_small(p, n, x) {
            fill_many(p, n, x);
        }
    }
}

/// `fill` for up to `SMALL_FILL` slots: written inline with overlapping
/// stores (no loop, no call: frames are small, and a `memset` call made
/// every call in the threaded chain save all its registers). False, with
/// nothing written, for more.
///
/// # Safety
/// As for `fill`.
#[inline(always)]
unsafe fn fill_small<X: Copy>(p: *mut X, n: usize, x: X) -> bool {
    // SAFETY: every index written is below `n` (`n - k` for `k <= n` in
    // each arm).
    unsafe {
        match n {
            0 => {}
            1..=2 => {
                p.write(x);
                p.add(n - 1).write(x);
            }
            3..=4 => {
                p.write(x);
                p.add(1).write(x);
                p.add(n - 2).write(x);
                p.add(n - 1).write(x);
            }
            5..=SMALL_FILL => {
                p.cast::<[X; 4]>().write_unaligned([x; 4]);
                p.add(n - 4).cast::<[X; 4]>().write_unaligned([x; 4]);
            }
            _ => return false,
        }
    }
    true
}

/// The most slots `fill_small` writes.
const SMALL_FILL: usize = 8;

/// `fill` for more than eight slots (out of line).
///
/// # Safety
/// As for `fill`.
#[inline(never)]
unsafe fn fill_many<X: Copy>(p: *mut X, n: usize, x: X) {
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts_mut(p, n) }.fill(x);
}

/// Grows the stacks to at least `vend`/`rend` slots (doubling, to keep
/// deep recursion amortized), or reports exhaustion.
#[cold]
fn grow_stack(stack: &mut Stack, vend: usize, rend: usize) -> Result<(), Trap> {
    if vend > MAX_STACK_SLOTS || rend > MAX_STACK_SLOTS {
        return Err(Trap::StackOverflow);
    }
    if stack.vals.len() < vend {
        let n = vend.max(stack.vals.len() * 2).min(MAX_STACK_SLOTS);
        stack.vals.resize(n, 0);
    }
    if stack.refs.len() < rend {
        let n = rend.max(stack.refs.len() * 2).min(MAX_STACK_SLOTS);
        stack.refs.resize(n, raw::NULL);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `fill` writes exactly the slots asked for, for every count around
    /// the inline arms' boundaries (the overlapping stores included).
    #[test]
    fn fill_writes_exactly_n_slots() {
        for n in 0..=20 {
            for start in 0..3 {
                let mut slots = [7u64; 32];
                // SAFETY: `start + n <= 23 < 32`.
                unsafe { super::fill(slots.as_mut_ptr().add(start), n, 0) };
                for (i, &x) in slots.iter().enumerate() {
                    let inside = (start..start + n).contains(&i);
                    assert_eq!(
                        x,
                        if inside { 0 } else { 7 },
                        "n {n}, start {start}, slot {i}"
                    );
                }
            }
        }
    }
}
