//! Threaded dispatch: one handler function per instruction, each ending in
//! a call of the next instruction's handler in tail position, which the
//! optimiser turns into a jump (so each instruction has its own indirect
//! jump, predicted on its own, and its own register allocation).
//!
//! Only built where that optimisation is known to happen (`tern_threaded`,
//! set by `build.rs`: x86-64 or AArch64 at `opt-level` 2, 3, `s` or `z`,
//! without the `portable-dispatch` feature, without debug assertions);
//! elsewhere `exec::run`'s loop runs every instruction.
//!
//! The handlers cover the *simple* instructions: every family of the table
//! (numbers, fused branches, memory 0, packed GC fields, SIMD) and the hot
//! `other` instructions below (constants, copies, selects, branches,
//! globals, GC references, nursery allocation), calls within the current
//! instance and host calls (the latter through `host_call` and
//! `pure_handler`). They never collect, resize the stacks or memory
//! themselves (a host function with a `Caller` may: `host_call` refreshes
//! after it), or switch instances; on anything else, including every trap
//! condition, a handler *bails*: it returns its own instruction pointer
//! without having changed anything, and `exec::run`'s loop executes that
//! instruction with the full semantics (the same `family!` rules and arms
//! as the portable loop) and enters the chain again at the next one. So
//! the chain needs no error, call or unwinding paths of its
//! own, and the instructions it runs cannot tell the two modes apart.
//!
//! Why the native stack stays flat: see "Dispatch" in
//! `docs/ARCHITECTURE.md` (a handler's only call besides diverging panics
//! is the dispatch in tail position; `tests::chains_run_in_constant_stack`
//! checks that every handler runs in constant native stack).

use super::exec::family;
use super::gc_ops::{self, array_elem, array_len, struct_field};
use super::mem::{MemView, compact_ea, compact_end, indexed_addr};
use super::regs::{Cold, Regs, Slots};
use super::{CHECKED, Frame, num, simd};
use crate::error::Error;
use crate::gc::{FieldKind, Layout};
use crate::index::{HeapTypeIdx, InstanceId, StoreFunc, TypeIdx};
use crate::ir::{
    AllocSite, Callee, CastTarget, CompiledFunc, Instr, LoadKind, Op, Slot, StoreKind,
    for_each_instr,
};
use crate::module::ModuleInner;
use crate::runtime::{
    FuncEntry, FuncKind, HostCallee, HostThunk, InstanceEntry, PureCall, Store, StoreInner,
};
use crate::values::raw;

/// What the handlers read besides their register arguments: set by
/// `exec::run` before it enters a chain, constant while the chain runs.
pub(crate) struct Cx {
    /// The running store (exclusively the chain's while it runs).
    pub(super) store: *mut StoreInner,
    /// The current function.
    pub(super) func: *const CompiledFunc,
    /// The run's cold registers (for the current instance).
    pub(super) cold: *const Cold,
    /// The current instance (`Cold::inst`, copied at each chain entry).
    inst: InstanceId,
    /// Its heap types by module type index (`InstanceEntry::gc_types`,
    /// taken at each chain entry: an instance's list never changes, and
    /// its buffer stays where it is when the store's instance list grows).
    gc_types: *const [Option<HeapTypeIdx>],
    /// Checked builds: the value and reference slot windows (see
    /// `Slots::window`).
    pub(super) windows: (usize, usize),
    /// The current frame's stack indices (`Regs::vfp`/`rfp`); calls and
    /// returns in the chain move them, and the loop takes them back.
    pub(super) vfp: usize,
    pub(super) rfp: usize,
    /// The current module (calls in the chain stay in it).
    pub(super) module: *const ModuleInner,
    /// `Config::max_call_depth`.
    pub(super) max_depth: usize,
    /// Frames below the run's entry function (see `exec::run`).
    pub(super) frames_base: usize,
    /// How many frames the chain may have on the frame stack: the depth
    /// limit, or the frame stack's capacity if lower (so that a call in
    /// the chain pushes its frame with one comparison and never grows
    /// the stack; set at each chain entry and after each host call).
    pub(super) frame_limit: usize,
    /// The running `Store<T>`, type-erased, for calls of host functions
    /// that take a `Caller` (`host_call`).
    pub(super) host: *mut (),
    /// Set when a host call in the chain may have moved the stacks or
    /// memory 0 (the loop refreshes its registers).
    pub(super) hosted: bool,
    /// A host call in the chain failed: the error, the function and its
    /// absolute value/reference slot bases, for the loop to handle at the
    /// call instruction (the chain bails there).
    pub(super) host_error: Option<(Error, StoreFunc, (usize, usize))>,
    /// The host function a handler is calling (store function and how
    /// to call it) and its argument slots (see `host_call`).
    pending_host: (StoreFunc, Option<HostCallee>, (Slot, Slot)),
    /// The closure of the pure host function whose handler `CallImported`
    /// reaches, and its argument slots (see `pure_handler`).
    pending_pure: (*const (), (Slot, Slot)),
    /// The lowest native stack pointer at which `pure_handler` goes on in
    /// the chain (see there).
    native_floor: usize,
}

/// Native stack that the frames of `pure_handler`s whose dispatch was not
/// compiled as a tail call may take below the run's entry before the chain
/// ends (see `pure_handler`); well within the native stack an activation
/// starts with (`MIN_NATIVE_STACK`).
const PURE_HANDLER_STACK: usize = 32 * 1024;

/// The native stack pointer.
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: copies the stack pointer register to a general one; touches
    // no memory, the stack or the flags.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
        #[cfg(target_arch = "aarch64")]
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

impl Cx {
    /// The current instance's heap type for its module's struct or array
    /// type `ty` (`None`: none registered, never for a type that
    /// translation allocates).
    #[inline(always)]
    fn gc_type(&self, ty: TypeIdx) -> Option<HeapTypeIdx> {
        // SAFETY: `gc_types` is the running instance's list (see there);
        // validation made `ty` a type of the module, which has an entry.
        unsafe { *at(&*self.gc_types, ty.index()) }
    }

    /// The context of a run (see `exec::run`), at the registers `r` of
    /// its start: ready for the first chain entry.
    #[inline(always)]
    pub(super) fn new<T>(
        r: &Regs,
        store: &mut Store<T>,
        cold: *const Cold,
        (max_depth, frames_base): (usize, usize),
    ) -> Cx {
        let mut cx = Cx {
            store: std::ptr::null_mut(),
            func: r.func,
            cold,
            inst: r.inst(),
            gc_types: &[],
            windows: (0, 0),
            vfp: r.vfp,
            rfp: r.rfp,
            module: r.module,
            max_depth,
            frames_base,
            frame_limit: 0,
            host: std::ptr::null_mut(),
            hosted: false,
            host_error: None,
            pending_host: (StoreFunc(0), None, (0, 0)),
            pending_pure: (std::ptr::null(), (0, 0)),
            // Unit tests run without the guard, so that
            // `tests::chains_run_in_constant_stack` catches a pure handler
            // whose dispatch is not a tail call.
            native_floor: if cfg!(test) {
                0
            } else {
                stack_pointer().saturating_sub(PURE_HANDLER_STACK)
            },
        };
        cx.sync_store(store);
        cx.gc_types = &*instance(&store.inner, &cx).gc_types;
        cx
    }

    /// Takes the frame the loop is in (`r`) and the store, before a chain
    /// entry (the loop may have called, returned or switched instances).
    #[inline(always)]
    fn sync<T>(&mut self, r: &Regs, store: &mut Store<T>) {
        self.sync_store(store);
        self.inst = r.inst();
        self.gc_types = &*instance(&store.inner, self).gc_types;
        (self.func, self.module, self.vfp, self.rfp) = (r.func, r.module, r.vfp, r.rfp);
    }

    /// Takes the store (derived from the exclusive borrow anew for each
    /// chain entry) and the frame limit (the loop may have grown the frame
    /// stack).
    #[inline(always)]
    fn sync_store<T>(&mut self, store: &mut Store<T>) {
        let host: *mut Store<T> = store;
        self.host = host.cast();
        // SAFETY: `host` was just made from the exclusive borrow.
        self.store = unsafe { &raw mut (*host).inner };
        // SAFETY: as above; no reference into the store is live.
        self.frame_limit = frame_limit(unsafe { &(*host).inner }, self.max_depth);
    }
}

/// Runs the chain from the loop's registers `r` and leaves them at the
/// first instruction the chain does not cover (the loop's step before each
/// instruction it runs itself); true if the chain ended the run instead
/// (the entry function returned; `r` is then stale). `sync`: take the
/// frame and the store from `r` and `store` first (false only right after
/// `Cx::new`, which took them). Inlined, like everything `Regs` is passed
/// to (see `regs.rs`).
#[inline(always)]
pub(super) fn run_chain<T>(r: &mut Regs, store: &mut Store<T>, cx: &mut Cx, sync: bool) -> bool {
    if CHECKED {
        r.assert_current(&store.inner);
        cx.windows = (r.vals.window(), r.refs.window());
    }
    if sync {
        cx.sync(r, store);
    }
    // SAFETY: `ip` is an instruction of the current function (see
    // `exec::run`), the slots and memory view are current (`refresh` after
    // anything that may move them; checked builds assert it), and the
    // store is not used until the chain returns.
    r.ip = unsafe { enter(r.ip, r.vals, r.refs, r.mem, cx) };
    if r.ip == FINISHED {
        return true;
    }
    // Calls and returns in the chain moved the frame; host calls may have
    // moved the stacks and memory 0.
    (r.func, r.vfp, r.rfp) = (cx.func, cx.vfp, cx.rfp);
    if cx.hosted {
        cx.hosted = false;
        r.refresh(&mut store.inner);
    } else {
        r.refresh_stack(&mut store.inner);
    }
    false
}

/// How many frames the frame stack may hold with calls in the chain (see
/// `Cx::frame_limit`).
#[inline(always)]
fn frame_limit(store: &StoreInner, max_depth: usize) -> usize {
    max_depth.min(store.stack().frames.capacity())
}

/// A handler: runs the instruction at `ip` (an instruction of its opcode)
/// and what follows it, in the frame whose value and reference slots start
/// at `vals`/`refs`, with memory 0 at `mem`/`len`. Returns the instruction
/// the loop must run (one the chain does not cover, or one that may trap).
pub(crate) type Handler = fn(
    ip: *const Instr,
    vals: *mut u64,
    refs: *mut u32,
    mem: *mut u8,
    len: usize,
    cx: &mut Cx,
) -> *const Instr;

/// Defines a function of `Handler`'s signature, its parameters named by
/// the caller (in `Handler`'s order).
macro_rules! handler_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident$(<$t:ident>)?
        ($ip:ident, $vals:ident, $refs:ident, $mem:ident, $len:ident, $cx:ident) $body:block) => {
        $(#[$attr])*
        $vis fn $name$(<$t>)?(
            $ip: *const Instr,
            $vals: *mut u64,
            $refs: *mut u32,
            $mem: *mut u8,
            $len: usize,
            $cx: &mut Cx,
        ) -> *const Instr $body
    };
}

/// The registers of a handler, rebuilt from its arguments (the field and
/// method names of `Regs` that `family!` uses).
#[derive(Clone, Copy)]
struct Hot {
    ip: *const Instr,
    vals: Slots<u64>,
    refs: Slots<u32>,
    mem: MemView,
}

impl Hot {
    #[inline(always)]
    fn of(
        ip: *const Instr,
        (vals, refs): (*mut u64, *mut u32),
        (mem, len): (*mut u8, usize),
        cx: &Cx,
    ) -> Hot {
        Hot {
            ip,
            vals: Slots::from_parts(vals, cx.windows.0),
            refs: Slots::from_parts(refs, cx.windows.1),
            mem: MemView::from_parts(mem, len),
        }
    }

    /// Moves the instruction pointer by `offset` instructions.
    #[inline(always)]
    fn jump(&mut self, offset: i32) {
        // SAFETY: branch targets are instruction indices of the current
        // function, resolved at translation time.
        self.ip = unsafe { self.ip.offset(offset as isize) };
    }

    /// Moves to the next instruction.
    #[inline(always)]
    fn next(&mut self) {
        // SAFETY: a non-branching instruction is never the last one (every
        // function ends with `Return` or `Trap`).
        self.ip = unsafe { self.ip.add(1) };
    }
}

/// Runs the instruction at `r.ip` through its handler.
#[inline(always)]
fn dispatch(r: Hot, cx: &mut Cx) -> *const Instr {
    dispatch_with(&HANDLERS, r, cx)
}

/// `dispatch` after a taken branch, through a copy of the table: with one
/// table, LLVM merges the taken and fall-through dispatches of a branch
/// handler into one jump whose target it selects with a `cmov`, which
/// turns the branch into a data dependency of the indirect jump (sieve
/// took 1.7x the time of the loop on AMD Zen 5). Two tables alone do not
/// prevent it when both addresses are plain `lea`s: LLVM then selects
/// between the two tables with a `cmov` (session 22, when `HANDLERS`
/// stopped being reached through the GOT: heapsort 1.6x, sieve 1.4x
/// slower). So the taken path reads its table's address with a volatile
/// load (`TAKEN_TABLE`), which LLVM must not move onto the other path.
#[inline(always)]
fn dispatch_taken(r: Hot, cx: &mut Cx) -> *const Instr {
    // SAFETY: a read of a static that is never written.
    let table = unsafe { std::ptr::read_volatile(&raw const TAKEN_TABLE) };
    dispatch_with(table, r, cx)
}

/// `TAKEN`, read with a volatile load by `dispatch_taken`: a volatile load
/// happens only on the path that performs it, so LLVM cannot compute the
/// taken dispatch's table on both paths and select it with a `cmov`.
static TAKEN_TABLE: &[Handler; COUNT] = &TAKEN;

#[inline(always)]
fn dispatch_with(table: &[Handler; COUNT], r: Hot, cx: &mut Cx) -> *const Instr {
    // SAFETY: `ip` points at an instruction of the current function (see
    // `exec::run`).
    let op = unsafe { (*r.ip).op() } as usize;
    // SAFETY: every `Op` is below `COUNT`, the table's length.
    let h = unsafe { *table.get_unchecked(op) };
    let (mem, len) = r.mem.parts();
    h(r.ip, r.vals.base(), r.refs.base(), mem, len, cx)
}

/// Runs the chain from `ip` (in the frame of `vals`/`refs`, memory 0 at
/// `mem`) until an instruction it does not cover; returns that one.
///
/// # Safety
/// `ip` points at an instruction of the function `cx.func`, whose frame
/// the slots are; the slots and memory view are current; `cx.store` is
/// the running store, not otherwise accessed until this returns.
#[inline(always)]
unsafe fn enter(
    ip: *const Instr,
    vals: Slots<u64>,
    refs: Slots<u32>,
    mem: MemView,
    cx: &mut Cx,
) -> *const Instr {
    // Through a table of its own: `enter` is inlined into `run_chain<T>`,
    // which other crates instantiate (as they do `pure_handler`), so the
    // table it names is exported and reached through the GOT; `HANDLERS`,
    // named only by this crate's handlers, stays local and is addressed
    // directly (one dependent load fewer per dispatch).
    dispatch_with(
        &ENTRY,
        Hot {
            ip,
            vals,
            refs,
            mem,
        },
        cx,
    )
}

/// Calls `callee`, a function of the current instance, with its frame at
/// slots `vbase`/`rbase` of the current one (`Regs::enter` without the
/// cases left to the loop): `Step::Taken`, or `Step::Enter` if the callee
/// has locals to clear; `Step::Bail`, with nothing changed, if the call
/// needs the loop (the depth limit, a frame stack or stack to grow).
#[inline(always)]
fn call(r: &mut Hot, cx: &mut Cx, callee: &CompiledFunc, (vbase, rbase): (Slot, Slot)) -> Step {
    // SAFETY: see `enter`.
    let stack = unsafe { (*cx.store).stack_mut() };
    let (vbase, rbase) = (vbase as usize, rbase as usize);
    let (vfp, rfp) = (cx.vfp + vbase, cx.rfp + rbase);
    let depth = stack.frames.len();
    if depth >= cx.frame_limit
        || vfp + callee.value_frame as usize > stack.vals.len()
        || rfp + callee.ref_frame as usize > stack.refs.len()
    {
        return Step::Bail;
    }
    let frame = Frame {
        // SAFETY: the instruction after a call exists (every function ends
        // with `Return` or `Trap`).
        ret_ip: unsafe { r.ip.add(1) },
        vfp: cx.vfp,
        rfp: cx.rfp,
        func: cx.func,
        inst: cx.inst,
    };
    if CHECKED {
        assert!(
            depth < stack.frames.capacity(),
            "frame push beyond capacity"
        );
    }
    // SAFETY: `depth < frame_limit <= capacity` (the frame stack is not
    // reallocated in the chain except by host calls, after which the limit
    // is computed again), so the push needs no growth.
    unsafe {
        stack.frames.as_mut_ptr().add(depth).write(frame);
        stack.frames.set_len(depth + 1);
    }
    (cx.vfp, cx.rfp, cx.func) = (vfp, rfp, callee);
    if CHECKED {
        cx.windows = (
            cx.windows.0.wrapping_sub(vbase),
            cx.windows.1.wrapping_sub(rbase),
        );
    }
    // SAFETY: the callee's frame starts at slot `vbase`/`rbase` of this
    // one, inside the stacks (checked above).
    unsafe {
        r.vals = Slots::from_parts(r.vals.base().add(vbase), cx.windows.0);
        r.refs = Slots::from_parts(r.refs.base().add(rbase), cx.windows.1);
    }
    r.ip = callee.code.as_ptr();
    if callee.clears {
        Step::Enter
    } else {
        Step::Taken
    }
}

/// Element `i` of `list`, unchecked (checked builds assert).
///
/// # Safety
/// `i < list.len()`.
#[inline(always)]
unsafe fn at<X>(list: &[X], i: usize) -> &X {
    if CHECKED {
        assert!(i < list.len(), "index {i} out of range {}", list.len());
    }
    // SAFETY: the caller's contract.
    unsafe { list.get_unchecked(i) }
}

/// The store entry of instance `inst`, the running one.
#[inline(always)]
fn instance_entry(store: &StoreInner, inst: InstanceId) -> *const InstanceEntry {
    // SAFETY: the running instance is one of the store's (instances are
    // never removed).
    unsafe { at(store.instances(), inst.index()) }
}

/// The current instance's store entry.
#[inline(always)]
fn instance<'s>(store: &'s StoreInner, cx: &Cx) -> &'s InstanceEntry {
    // SAFETY: `instance_entry`'s pointer points into `store`'s instance
    // list, which lives as long as the borrow.
    unsafe { &*instance_entry(store, cx.inst) }
}

/// Element `i` of the current instance's table `table`, if in bounds.
#[inline(always)]
fn table_elem(store: &StoreInner, cx: &Cx, table: u32, i: u64) -> Option<u32> {
    // SAFETY: validation checked `table` against the module, whose tables
    // the instance has; an instance's tables are tables of its store
    // (never removed).
    let t = unsafe {
        at(
            store.tables(),
            *at(&instance(store, cx).tables, table as usize) as usize,
        )
    };
    let i = if t.is64 { i } else { i as u32 as u64 };
    usize::try_from(i)
        .ok()
        .and_then(|i| t.elems.get(i))
        .copied()
}

/// Call site `i` of the current function.
#[inline(always)]
fn call_site(cx: &Cx, i: u32) -> crate::ir::CallSite {
    // SAFETY: `cx.func` is the current function (see `enter`).
    let sites = unsafe { &(*cx.func).call_sites };
    if CHECKED {
        assert!((i as usize) < sites.len(), "call site {i} out of range");
    }
    // SAFETY: translation only emits call-site indices of the function's
    // own side table.
    unsafe { *sites.get_unchecked(i as usize) }
}

/// Allocation site `i` of the current function.
#[inline(always)]
fn alloc_site(cx: &Cx, i: u32) -> AllocSite {
    // SAFETY: `cx.func` is the current function (see `enter`); translation
    // only emits site indices of the function's own side table.
    unsafe { *at(&(*cx.func).alloc_sites, i as usize) }
}

/// Cast target `i` of the current function.
#[inline(always)]
fn cast_target(cx: &Cx, i: u32) -> CastTarget {
    // SAFETY: as for `alloc_site`, for the cast table.
    unsafe { *at(&(*cx.func).casts, i as usize) }
}

/// The return of the `Return` handlers (results already in place): to
/// the caller's frame within the chain, `Finished` when the run's entry
/// function returns, a bail when the caller is another instance's.
#[inline(always)]
fn ret(r: &mut Hot, cx: &mut Cx) -> Step {
    // SAFETY: see `enter`.
    let (store, inst) = (unsafe { &mut *cx.store }, cx.inst);
    let frames = &mut store.stack_mut().frames;
    if frames.len() <= cx.frames_base {
        return Step::Finished;
    }
    let Some(fr) = frames.pop_if(|fr| fr.inst == inst) else {
        return Step::Bail;
    };
    // The caller's frame is below this one (a callee's frame starts
    // inside its caller's).
    let (dv, dr) = (cx.vfp - fr.vfp, cx.rfp - fr.rfp);
    (cx.vfp, cx.rfp, cx.func) = (fr.vfp, fr.rfp, fr.func);
    if CHECKED {
        cx.windows = (cx.windows.0.wrapping_add(dv), cx.windows.1.wrapping_add(dr));
    }
    // SAFETY: the caller's frame starts `dv`/`dr` slots below this
    // one, in the same stacks.
    unsafe {
        r.vals = Slots::from_parts(r.vals.base().sub(dv), cx.windows.0);
        r.refs = Slots::from_parts(r.refs.base().sub(dr), cx.windows.1);
    }
    r.ip = fr.ret_ip;
    Step::Taken
}

handler_fn! {
    /// The end of a call whose callee has locals to clear (`Step::Enter`): a
    /// handler of its own, reached in tail position, so that calls of
    /// functions without locals do not pay for the clearing's registers
    /// (`clear_locals` for the frame that `call` entered: the current
    /// function `cx.func`, at `vals`/`refs`).
    #[inline(never)]
    fn enter_clearing(ip, vals, refs, mem, len, cx) {
        // SAFETY: `cx.func` is the current function (see `enter`).
        let f = unsafe { &*cx.func };
        if CHECKED {
            assert!(
                f.value_locals as usize <= cx.windows.0 && f.ref_frame as usize <= cx.windows.1,
                "frame outside its window"
            );
        }
        let ((vp, vn), (rp, rn)) = super::locals_to_clear(f);
        // SAFETY: `call` checked that the callee's whole frame is inside the
        // stacks (its locals are inside its frame).
        let small = unsafe {
            super::fill_small(vals.add(vp), vn, 0) && super::fill_small(refs.add(rp), rn, raw::NULL)
        };
        if !small {
            return enter_clearing_many(ip, vals, refs, mem, len, cx);
        }
        dispatch_taken(Hot::of(ip, (vals, refs), (mem, len), cx), cx)
    }
}

handler_fn! {
    /// `enter_clearing` for a frame with more locals than `fill_small`
    /// writes (a handler of its own: only it saves registers around the
    /// `memset`s).
    #[inline(never)]
    fn enter_clearing_many(ip, vals, refs, mem, len, cx) {
        // SAFETY: `cx.func` is the current function (see `enter`); `call`
        // checked that its whole frame is inside the stacks.
        unsafe { super::clear_locals(&*cx.func, vals, refs) };
        dispatch_taken(Hot::of(ip, (vals, refs), (mem, len), cx), cx)
    }
}

/// Calls store function `f` (its entry `entry`) from the call instruction
/// at `r.ip` with arguments at slots `bases`: a function of the current
/// instance within the chain, a host function through `host`; anything
/// else (another instance's function) is the loop's.
#[inline(always)]
fn call_func(
    r: &mut Hot,
    cx: &mut Cx,
    f: StoreFunc,
    entry: &FuncEntry,
    bases: (Slot, Slot),
) -> Step {
    match entry.kind {
        FuncKind::Wasm { instance, code, .. } => {
            if instance != cx.inst {
                return Step::Bail;
            }
            // SAFETY: `code` points to a function of a live module (see
            // `Regs::function`).
            call(r, cx, unsafe { &*code.as_ptr() }, bases)
        }
        FuncKind::Host { callee } => {
            cx.pending_host = (f, Some(callee), bases);
            Step::Host
        }
    }
}

/// Calls host function `f` (`callee`) from the call instruction at `r.ip`
/// with its arguments at slots `bases` of the current frame: a pure one
/// (see `PureThunk`) right here, in place, after which nothing needs a
/// refresh (`Step::Next`; on an error `failed` records it in
/// `cx.host_error`, and `Step::Bail`); one that takes a `Caller` through
/// `host_call` (`Step::Host`). `failed` finds the function and slots
/// itself (a cold path), so that only the handler's registers live across
/// the call.
#[inline(always)]
fn call_host(
    r: &mut Hot,
    cx: &mut Cx,
    f: StoreFunc,
    callee: HostCallee,
    (vbase, rbase): (Slot, Slot),
    failed: impl FnOnce(&mut Cx, Error),
) -> Step {
    let HostThunk::Pure(thunk) = callee.thunk else {
        cx.pending_host = (f, Some(callee), (vbase, rbase));
        return Step::Host;
    };
    if CHECKED {
        check_host_slots(cx, f, (vbase, rbase));
    }
    let vals = r.vals.base().wrapping_add(vbase as usize);
    let refs = r.refs.base().wrapping_add(rbase as usize);
    // SAFETY: the arguments and results are operands of the calling frame
    // (the translator counts them in its frame size), so these slots are
    // inside the stacks; `callee.data` is its trampoline's closure
    // (`HostCallee`); no reference into the store is live (see `enter`).
    let res = unsafe { thunk(callee.data, &mut *cx.store, vals, refs) };
    if let Err(e) = res {
        failed(cx, e);
        return Step::Bail;
    }
    Step::Next
}

/// Checked builds: asserts that host function `f`'s parameter and result
/// slots from `vbase`/`rbase` are inside the current frame's windows.
fn check_host_slots(cx: &Cx, f: StoreFunc, (vbase, rbase): (Slot, Slot)) {
    // SAFETY: see `enter`.
    let ((pv, pr), (rv, rr)) = unsafe { at((*cx.store).funcs(), f.index()) }.slots;
    assert!(
        vbase as usize + pv.max(rv) <= cx.windows.0 && rbase as usize + pr.max(rr) <= cx.windows.1,
        "host call slots outside the frame"
    );
}

/// The threaded handler of a pure host function (see `PureThunk`) whose
/// trampoline is `Th`, reached in tail position from `CallImported`
/// (`Step::Pure`), which left the closure and the argument slots in
/// `cx.pending_pure`: calls the closure in place (inlined where the
/// optimiser does: then the call costs no more than an instruction) and
/// goes on after the call at `ip`, with nothing to refresh (a pure host
/// function cannot move the stacks or memory). On an error, returns `ip`
/// with the error in `cx.host_error` for the loop.
///
/// Unlike the table's handlers, this one runs code it does not control: a
/// closure whose inlined body passes the address of a local to a call
/// (formatting, say) keeps the optimiser from making the dispatch a tail
/// call, so each such call in a chain would leave a native frame behind.
/// Hence the guard: below `Cx::native_floor` (`PURE_HANDLER_STACK` under
/// the run's entry) the chain ends after the call instead, and the loop
/// enters a fresh one at the next instruction.
pub(crate) fn pure_handler<Th: PureCall>(
    ip: *const Instr,
    vals: *mut u64,
    refs: *mut u32,
    mem: *mut u8,
    len: usize,
    cx: &mut Cx,
) -> *const Instr {
    let (data, (vbase, rbase)) = cx.pending_pure;
    let args = (
        vals.wrapping_add(vbase as usize),
        refs.wrapping_add(rbase as usize),
    );
    // SAFETY: `CallImported` found this handler in the store entry of a
    // pure host function whose trampoline is `Th` and whose closure is
    // `data`; its arguments and results are operands of the calling frame
    // (the translator counts them in its frame size), so these slots are
    // inside the stacks; no reference into the store is live (see `enter`).
    let res = unsafe { Th::call(data, &mut *cx.store, args.0, args.1) };
    if let Err(e) = res {
        imported_failed(cx, ip, e);
        return ip;
    }
    let mut hot = Hot::of(ip, (vals, refs), (mem, len), cx);
    hot.next();
    if stack_pointer() < cx.native_floor {
        return hot.ip;
    }
    // Other crates instantiate this handler: see `enter` for the table.
    dispatch_with(&ENTRY, hot, cx)
}

/// The `call_host` failure of the `CallImported` at `ip`: finds its
/// function and slots again (a pure host function cannot have changed
/// them) for `host_failed`.
#[cold]
#[inline(never)]
fn imported_failed(cx: &mut Cx, ip: *const Instr, e: Error) {
    // SAFETY: `ip` is the `CallImported` whose handler called the host
    // function.
    let Instr::CallImported { site } = (unsafe { *ip }) else {
        unreachable!("not a CallImported")
    };
    let s = call_site(cx, site);
    let Callee::Imported(func) = s.callee else {
        unreachable!("not an imported callee")
    };
    // SAFETY: see `enter`.
    let store = unsafe { &*cx.store };
    let f = instance(store, cx).funcs[func as usize];
    host_failed(cx, e, f, (s.vbase, s.rbase));
}

/// A host call in the chain failed with `e`: records it for the loop
/// (`Cx::host_error`) with the call's absolute slot bases; the handler
/// bails at the call.
#[cold]
#[inline(never)]
fn host_failed(cx: &mut Cx, e: Error, f: StoreFunc, (vbase, rbase): (Slot, Slot)) {
    let bases = (cx.vfp + vbase as usize, cx.rfp + rbase as usize);
    cx.host_error = Some((e, f, bases));
}

handler_fn! {
    /// The end of a host call (`Step::Host`): a handler of its own, reached
    /// in tail position, so that only host calls save registers around the
    /// call. Calls store function `cx.pending_host` with its arguments at
    /// those slots of the current frame: a pure one through `call_host`; one
    /// that takes a `Caller` with the store, after which it refreshes the
    /// registers (the host may have re-entered wasm, which may have moved the
    /// stacks or grown memory 0). Then goes on after the call instruction at
    /// `ip`; on an error, returns `ip` with the error in `cx.host_error` for
    /// the loop.
    #[inline(never)]
    fn host_call(ip, vals, refs, mem, len, cx) {
        let (f, callee, (vbase, rbase)) = cx.pending_host;
        let Some(callee) = callee else { return ip };
        if let HostThunk::Pure(_) = callee.thunk {
            let mut hot = Hot::of(ip, (vals, refs), (mem, len), cx);
            let failed = |cx: &mut Cx, e| {
                let (f, _, bases) = cx.pending_host;
                host_failed(cx, e, f, bases)
            };
            return match call_host(&mut hot, cx, f, callee, (vbase, rbase), failed) {
                Step::Next => {
                    hot.next();
                    dispatch(hot, cx)
                }
                _ => ip,
            };
        }
        let bases = (cx.vfp + vbase as usize, cx.rfp + rbase as usize);
        // The arguments and results are inside the calling frame (the
        // translator counts them as operands), which `enter_frame` or `call`
        // made room for.
        // SAFETY: `cx.func` is the current function (see `enter`).
        let caller = unsafe { &*cx.func };
        let ends = (
            cx.vfp + caller.value_frame as usize,
            cx.rfp + caller.ref_frame as usize,
        );
        cx.hosted = true;
        // SAFETY: `cx.host` is the running `Store<T>` and `cx.store` its
        // `inner` (see `run_chain`), of which `callee` is a function; no
        // reference into it is live here; the stacks hold the calling frame.
        let res = unsafe { super::run_host(cx.host, cx.store, callee, Some(cx.inst), bases, ends) };
        // SAFETY: as above: the host call has returned.
        let store = unsafe { &mut *cx.store };
        cx.frame_limit = frame_limit(store, cx.max_depth);
        let stack = store.stack_mut();
        let (vals, refs) = (&mut stack.vals, &mut stack.refs);
        if CHECKED {
            cx.windows = (
                vals.len().wrapping_sub(cx.vfp),
                refs.len().wrapping_sub(cx.rfp),
            );
        }
        let vals = vals.as_mut_ptr().wrapping_add(cx.vfp);
        let refs = refs.as_mut_ptr().wrapping_add(cx.rfp);
        // SAFETY: `cold` lives as long as the run.
        let mem = match unsafe { Cold::mem0_of(cx.cold) }.and_then(|m| store.memories_mut().get_mut(m))
        {
            Some(m) => MemView::of(&mut m.data),
            None => MemView::EMPTY,
        };
        if let Err(e) = res {
            host_failed(cx, e, f, (vbase, rbase));
            return ip;
        }
        let mut hot = Hot::of(ip, (vals, refs), mem.parts(), cx);
        hot.next();
        dispatch(hot, cx)
    }
}

/// How an instruction's body ends (inside a handler).
enum Step {
    /// Fell through: go on with the next instruction.
    Next,
    /// A taken branch: `ip` has moved; go on there.
    Taken,
    /// Leave the chain at this instruction, nothing changed.
    Bail,
    /// A call entered a callee with locals to clear (see `enter_clearing`).
    Enter,
    /// A call of a host function (see `host_call`).
    Host,
    /// The run's entry function returned (see `FINISHED`).
    Finished,
    /// A call of a pure host function through its handler (see
    /// `pure_handler`).
    Pure(Handler),
}

/// What the chain returns instead of an instruction when the run's entry
/// function has returned (its results are in place): the run is over.
pub(super) const FINISHED: *const Instr = std::ptr::null();

/// In a handler's body: leave to the loop, which runs the instruction
/// (and, for a trap condition, traps). The argument (a trap code) is
/// dropped.
macro_rules! bail {
    ($t:expr) => {{
        let _ = $t;
        return Step::Bail;
    }};
    () => {
        return Step::Bail
    };
}

/// In a handler's body: a taken branch (`ip` already moved).
macro_rules! taken {
    () => {
        return Step::Taken
    };
}

/// Slot access in the written-out handlers: `v!(r, s)` reads, `v!(r, s, x)`
/// writes (`rf!` the reference frame, `w!` a `v128` slot pair); sound for
/// the reasons given at `family!`.
macro_rules! frame_slot {
    ($frame:ident $get:ident $set:ident, $r:ident, $s:expr) => {
        // SAFETY: frame slots (see `family!`; for a `v128`, both of the pair).
        unsafe { $r.$frame.$get($s) }
    };
    ($frame:ident $get:ident $set:ident, $r:ident, $s:expr, $x:expr) => {{
        let x = $x;
        // SAFETY: as above.
        unsafe { $r.$frame.$set($s, x) }
    }};
}
macro_rules! v {
    ($($t:tt)*) => { frame_slot!(vals get set, $($t)*) };
}
macro_rules! rf {
    ($($t:tt)*) => { frame_slot!(refs get set, $($t)*) };
}
macro_rules! w {
    ($($t:tt)*) => { frame_slot!(vals get128 set128, $($t)*) };
}

/// Defines handler `$name` for instructions `Instr::$name { $fields }`
/// with body `$body`, in which `$r` is the registers (`&mut Hot`) and `$cx`
/// the context; the body ends the instruction by falling through (next
/// instruction), `taken!()` (after moving `ip`) or `bail!(..)`.
macro_rules! handler {
    ($r:ident, $cx:ident, $name:ident { $($field:ident),* } => $body:block) => {
        #[allow(non_snake_case)]
        pub(in crate::interp::thread) mod $name {
        use super::*;

        /// This handler runs its instruction (it does not only bail).
        #[cfg_attr(not(test), allow(dead_code))]
        pub(in crate::interp::thread) const THREADED: bool = true;

        handler_fn! {
            #[allow(unused_variables, unused_mut)]
            pub(in crate::interp::thread) fn run(ip, vals, refs, mem, len, $cx) {
                let mut hot = Hot::of(ip, (vals, refs), (mem, len), $cx);
                // SAFETY: `HANDLERS` runs this handler only for instructions of
                // this opcode.
                let Instr::$name { $($field),* } = (unsafe { *ip }) else {
                    // SAFETY: as above.
                    unsafe { std::hint::unreachable_unchecked() }
                };
                #[allow(unreachable_code, clippy::needless_return)]
                let mut body = |$r: &mut Hot| -> Step {
                    $body;
                    Step::Next
                };
                match body(&mut hot) {
                    Step::Next => {
                        hot.next();
                        dispatch(hot, $cx)
                    }
                    Step::Taken => dispatch_taken(hot, $cx),
                    Step::Bail => hot.ip,
                    Step::Finished => FINISHED,
                    Step::Enter => {
                        let (mem, len) = hot.mem.parts();
                        enter_clearing(hot.ip, hot.vals.base(), hot.refs.base(), mem, len, $cx)
                    }
                    Step::Host => {
                        let (mem, len) = hot.mem.parts();
                        host_call(hot.ip, hot.vals.base(), hot.refs.base(), mem, len, $cx)
                    }
                    Step::Pure(h) => {
                        let (mem, len) = hot.mem.parts();
                        h(hot.ip, hot.vals.base(), hot.refs.base(), mem, len, $cx)
                    }
                }
            }
        }
        }
    };
}

/// The handler of an `other` instruction: written out for the hot simple
/// ones, a bail to the loop for the rest.
macro_rules! other_handler {
    (Const32) => {
        handler!(r, cx, Const32 { dst, imm } => { v!(r, dst, imm as u64) });
    };
    (Const64) => {
        handler!(r, cx, Const64 { dst, imm } => { v!(r, dst, imm) });
    };
    (Copy) => {
        handler!(r, cx, Copy { dst, src } => { v!(r, dst, v!(r, src)) });
    };
    (RefCopy) => {
        handler!(r, cx, RefCopy { dst, src } => { rf!(r, dst, rf!(r, src)) });
    };
    (Copy128) => {
        handler!(r, cx, Copy128 { dst, src } => { w!(r, dst, w!(r, src)) });
    };
    (Select) => {
        handler!(r, cx, Select { dst, a, b, cond } => {
            let pick = if v!(r, Slot::from(cond)) as u32 != 0 { a } else { Slot::from(b) };
            v!(r, dst, v!(r, pick));
        });
    };
    (I32MulAdd) => {
        handler!(r, cx, I32MulAdd { dst, acc, a, b } => { v!(r, dst, num::i32_mul_add(v!(r, Slot::from(acc)), v!(r, Slot::from(a)), v!(r, Slot::from(b)))) });
    };
    (I64MulAdd) => {
        handler!(r, cx, I64MulAdd { dst, acc, a, b } => { v!(r, dst, num::i64_mul_add(v!(r, Slot::from(acc)), v!(r, Slot::from(a)), v!(r, Slot::from(b)))) });
    };
    (F32MulAdd) => {
        handler!(r, cx, F32MulAdd { dst, acc, a, b } => { v!(r, dst, num::f32_mul_add(v!(r, Slot::from(acc)), v!(r, Slot::from(a)), v!(r, Slot::from(b)))) });
    };
    (F64MulAdd) => {
        handler!(r, cx, F64MulAdd { dst, acc, a, b } => { v!(r, dst, num::f64_mul_add(v!(r, Slot::from(acc)), v!(r, Slot::from(a)), v!(r, Slot::from(b)))) });
    };
    (I32ShrUAndImm) => {
        handler!(r, cx, I32ShrUAndImm { dst, a, mask, shift } => { v!(r, dst, num::i32_shr_u_and(v!(r, a), shift, mask)) });
    };
    (SelectFar) => {
        handler!(r, cx, SelectFar { dst, b, cond } => {
            if v!(r, cond) as u32 == 0 {
                v!(r, dst, v!(r, b));
            }
        });
    };
    (RefSelect) => {
        handler!(r, cx, RefSelect { dst, b, cond } => {
            if v!(r, cond) as u32 == 0 {
                rf!(r, dst, rf!(r, b));
            }
        });
    };
    (Select128) => {
        handler!(r, cx, Select128 { dst, b, cond } => {
            if v!(r, cond) as u32 == 0 {
                w!(r, dst, w!(r, b));
            }
        });
    };
    (V128Const) => {
        handler!(r, cx, V128Const { dst, index } => {
            // SAFETY: `cx.func` is the current function (see `enter`).
            let f = unsafe { &*cx.func };
            w!(r, dst, f.v128s[index as usize])
        });
    };
    (V128Store) => {
        handler!(r, cx, V128Store { addr, val, offset } => {
            let (ea, x) = (compact_ea(v!(r, addr), offset), w!(r, val));
            if simd::store128(r.mem, ea, x).is_err() {
                bail!()
            }
        });
    };
    (Br) => {
        handler!(r, cx, Br { offset } => {
            r.jump(offset);
            taken!()
        });
    };
    (BrIf) => {
        handler!(r, cx, BrIf { cond, offset } => {
            if v!(r, cond) as u32 != 0 {
                r.jump(offset);
                taken!()
            }
        });
    };
    (BrIfNot) => {
        handler!(r, cx, BrIfNot { cond, offset } => {
            if v!(r, cond) as u32 == 0 {
                r.jump(offset);
                taken!()
            }
        });
    };
    (BrTable) => {
        handler!(r, cx, BrTable { index, len } => {
            r.jump(1 + (v!(r, index) as u32).min(len) as i32);
            taken!()
        });
    };
    (BrOnNull) => {
        handler!(r, cx, BrOnNull { src, offset } => {
            if rf!(r, src) == raw::NULL {
                r.jump(offset);
                taken!()
            }
        });
    };
    (BrOnNonNull) => {
        handler!(r, cx, BrOnNonNull { src, offset } => {
            if rf!(r, src) != raw::NULL {
                r.jump(offset);
                taken!()
            }
        });
    };
    (GlobalGet) => {
        handler!(r, cx, GlobalGet { dst, index } => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            // SAFETY: as for `CallIndirect`'s table, for globals.
            let g = unsafe { *at(&instance(store, cx).globals, index as usize) };
            v!(r, dst, store.globals()[g as usize].bits as u64)
        });
    };
    (GlobalSet) => {
        handler!(r, cx, GlobalSet { src, index } => {
            // SAFETY: as for `GlobalGet`.
            let store = unsafe { &mut *cx.store };
            // SAFETY: as for `CallIndirect`'s table, for globals.
            let g = unsafe { *at(&instance(store, cx).globals, index as usize) };
            store.globals_mut()[g as usize].bits = v!(r, src) as u128;
        });
    };
    (RefNull) => {
        handler!(r, cx, RefNull { dst } => { rf!(r, dst, raw::NULL) });
    };
    (RefIsNull) => {
        handler!(r, cx, RefIsNull { dst, src } => { v!(r, dst, (rf!(r, src) == raw::NULL) as u64) });
    };
    (RefEq) => {
        handler!(r, cx, RefEq { dst, a, b } => { v!(r, dst, (rf!(r, a) == rf!(r, b)) as u64) });
    };
    (RefGlobalGet) => {
        handler!(r, cx, RefGlobalGet { dst, index } => {
            // SAFETY: as for `GlobalGet`.
            let store = unsafe { &*cx.store };
            // SAFETY: as for `CallIndirect`'s table, for globals.
            let g = unsafe { *at(&instance(store, cx).globals, index as usize) };
            rf!(r, dst, store.globals()[g as usize].bits as u32)
        });
    };
    (RefGlobalSet) => {
        handler!(r, cx, RefGlobalSet { src, index } => {
            // SAFETY: as for `GlobalGet`.
            let store = unsafe { &mut *cx.store };
            // SAFETY: as for `CallIndirect`'s table, for globals.
            let g = unsafe { *at(&instance(store, cx).globals, index as usize) };
            store.globals_mut()[g as usize].bits = rf!(r, src) as u128;
        });
    };
    // The GC reference instructions with a rule of `family!`.
    (RefAsNonNull) => {
        handler!(r, cx, RefAsNonNull { src } => {
            family!((r, (), bail, taken) ref_as_non_null src)
        });
    };
    (StructGetRef) => {
        handler!(r, cx, StructGetRef { dst, obj, offset } => {
            // SAFETY: see `enter`.
            let heap = unsafe { (*cx.store).heap_mut() };
            family!((r, *heap, bail, taken) struct_get_ref dst obj offset)
        });
    };
    (StructSetRef) => {
        handler!(r, cx, StructSetRef { obj, val, offset } => {
            // SAFETY: see `enter`.
            let heap = unsafe { (*cx.store).heap_mut() };
            family!((r, *heap, bail, taken) struct_set_ref obj val offset)
        });
    };
    (ArrayGetRef) => {
        handler!(r, cx, ArrayGetRef { dst, arr, index } => {
            // SAFETY: see `enter`.
            let heap = unsafe { (*cx.store).heap_mut() };
            family!((r, *heap, bail, taken) array_get_ref dst arr index)
        });
    };
    (ArraySetRef) => {
        handler!(r, cx, ArraySetRef { arr, index, val } => {
            // SAFETY: see `enter`.
            let heap = unsafe { (*cx.store).heap_mut() };
            family!((r, *heap, bail, taken) array_set_ref arr index val)
        });
    };
    (ArrayLen) => {
        handler!(r, cx, ArrayLen { dst, arr } => {
            // SAFETY: see `enter`.
            let heap = unsafe { (*cx.store).heap_mut() };
            family!((r, *heap, bail, taken) array_len dst arr)
        });
    };
    (RefTest) => {
        handler!(r, cx, RefTest { dst, src, cast } => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            v!(r, dst, gc_ops::cast_ok_fast(store, rf!(r, src), &cast_target(cx, cast)) as u64)
        });
    };
    (RefCast) => {
        handler!(r, cx, RefCast { src, cast } => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            if !gc_ops::cast_ok_fast(store, rf!(r, src), &cast_target(cx, cast)) {
                bail!()
            }
        });
    };
    // Allocation in the nursery (the fast paths, which never collect); a
    // full nursery is the loop's.
    (StructNew) => {
        handler!(r, cx, StructNew { dst, site, ty } => {
            // SAFETY: see `enter`.
            let store = unsafe { &mut *cx.store };
            // The layout by module type (translation checked that `ty` is
            // a struct type of the module) and the heap type both load
            // while the site does.
            // SAFETY: `module` is the current module (see `enter`).
            let layout = unsafe { at(&(*cx.module).layouts, ty.index()) };
            let Some(Layout::Struct(l)) = layout else { bail!() };
            let Some(hty) = cx.gc_type(ty) else { bail!() };
            let s = alloc_site(cx, site);
            // SAFETY: the site's operands are slots of the current frame
            // (the translator's layout; see `family!`); `l` is `ty`'s
            // layout, the layout of heap type `hty`.
            let made = unsafe {
                let vals = r.vals.base().add(s.vbase as usize);
                let refs = r.refs.base().add(s.rbase as usize);
                gc_ops::struct_new_fast(store, hty, l, vals, refs)
            };
            let Some(x) = made else { bail!() };
            rf!(r, dst, x)
        });
    };
    (StructNewDefault) => {
        handler!(r, cx, StructNewDefault { dst, ty } => {
            // SAFETY: see `enter`.
            let store = unsafe { &mut *cx.store };
            let Some(hty) = cx.gc_type(ty) else { bail!() };
            let Some(x) = gc_ops::new_default_fast(store, hty, 0) else { bail!() };
            rf!(r, dst, x)
        });
    };
    (ArrayNewDefault) => {
        handler!(r, cx, ArrayNewDefault { dst, len, ty } => {
            // SAFETY: see `enter`.
            let store = unsafe { &mut *cx.store };
            let Some(hty) = cx.gc_type(ty) else { bail!() };
            let Some(x) = gc_ops::new_default_fast(store, hty, v!(r, len) as u32) else { bail!() };
            rf!(r, dst, x)
        });
    };
    // Calls and returns within the current instance; anything else (a
    // stack to grow, the depth limit, the end of the run, a return to
    // another instance) is the loop's.
    (CallInternal) => {
        handler!(r, cx, CallInternal { vbase, rbase, def } => {
            // SAFETY: `module` is the current module (see `enter`), of which
            // translation made `def` a defined function.
            let code = unsafe { &(*cx.module).code };
            if CHECKED {
                assert!(def.index() < code.len(), "function {def:?} out of range");
            }
            // SAFETY: as above.
            let callee = unsafe { code.get_unchecked(def.index()) };
            return call(r, cx, callee, (vbase, rbase))
        });
    };
    // Calls through a table, a reference or an import: a function of the
    // current instance (for `call_indirect`, of exactly the expected type:
    // the subtype check is the loop's), or a host function; traps and
    // other instances' functions are the loop's.
    (CallIndirect) => {
        handler!(r, cx, CallIndirect { index, site } => {
            // SAFETY: see `enter`.
            let (store, inst) = (unsafe { &*cx.store }, cx.inst);
            let s = call_site(cx, site);
            let Callee::Table { table, type_id, .. } = s.callee else { bail!() };
            let Some(f) = table_elem(store, cx, table, v!(r, index)) else { bail!() };
            let Some(f) = raw::func_index(f) else { bail!() };
            let Some(entry) = store.funcs().get(f.index()) else { bail!() };
            if entry.call_key == FuncEntry::call_key(type_id, inst)
                && let FuncKind::Wasm { code, .. } = entry.kind
            {
                // SAFETY: `code` points to a function of a live module (see
                // `Regs::function`).
                return call(r, cx, unsafe { &*code.as_ptr() }, (s.vbase, s.rbase));
            }
            if entry.type_id != type_id || !matches!(entry.kind, FuncKind::Host { .. }) {
                bail!()
            }
            return call_func(r, cx, f, entry, (s.vbase, s.rbase))
        });
    };
    (CallRef) => {
        handler!(r, cx, CallRef { func, site } => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            let Some(f) = raw::func_index(rf!(r, func)) else { bail!() };
            let Some(entry) = store.funcs().get(f.index()) else { bail!() };
            let s = call_site(cx, site);
            return call_func(r, cx, f, entry, (s.vbase, s.rbase))
        });
    };
    (TableGet) => {
        handler!(r, cx, TableGet { dst, index, table } => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            let Some(x) = table_elem(store, cx, table, v!(r, index)) else { bail!() };
            rf!(r, dst, x)
        });
    };
    (CallImported) => {
        handler!(r, cx, CallImported { site } => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            let s = call_site(cx, site);
            let Callee::Imported(func) = s.callee else { bail!() };
            // SAFETY: as for `CallIndirect`'s table, for the module's
            // imported function `func` and the store's functions.
            let f = unsafe { *at(&instance(store, cx).funcs, func as usize) };
            // SAFETY: as above.
            let entry = unsafe { at(store.funcs(), f.index()) };
            // An import is a host function or another instance's (the
            // loop's).
            let FuncKind::Host { callee } = entry.kind else { bail!() };
            let Some(h) = callee.handler else {
                cx.pending_host = (f, Some(callee), (s.vbase, s.rbase));
                return Step::Host
            };
            if CHECKED {
                check_host_slots(cx, f, (s.vbase, s.rbase));
            }
            cx.pending_pure = (callee.data, (s.vbase, s.rbase));
            return Step::Pure(h)
        });
    };
    (ConsumeFuel) => {
        handler!(r, cx, ConsumeFuel { amount } => {
            // SAFETY: see `enter`.
            let store = unsafe { &mut *cx.store };
            // Out of fuel leaves the tank as it is: the loop charges again.
            if store.interrupts_mut().consume(u64::from(amount)).is_err() {
                bail!()
            }
        });
    };
    (CheckEpoch) => {
        handler!(r, cx, CheckEpoch {} => {
            // SAFETY: see `enter`.
            let store = unsafe { &*cx.store };
            if store.engine().current_epoch() >= store.interrupts().epoch_deadline {
                bail!()
            }
        });
    };
    (Return) => {
        handler!(r, cx, Return {} => { return ret(r, cx) });
    };
    // The copy is repeated if `ret` bails and the loop runs the
    // instruction again: harmless, it reads and writes the same slots.
    (CopyReturn) => {
        handler!(r, cx, CopyReturn { src } => {
            v!(r, 0, v!(r, src));
            return ret(r, cx)
        });
    };
    (RefCopyReturn) => {
        handler!(r, cx, RefCopyReturn { src } => {
            rf!(r, 0, rf!(r, src));
            return ret(r, cx)
        });
    };
    ($name:ident) => {
        #[allow(non_snake_case)]
        pub(in crate::interp::thread) mod $name {
            use super::*;

            /// This handler only bails.
            #[cfg_attr(not(test), allow(dead_code))]
            pub(in crate::interp::thread) const THREADED: bool = false;

            handler_fn! {
                #[allow(unused_variables)]
                pub(in crate::interp::thread) fn run(ip, vals, refs, mem, len, cx) {
                    ip
                }
            }
        }
    };
}

/// One handler per instruction (a family's through `family!`, the
/// `other` family's through `other_handler!`) and the table of them, in
/// `Op` order.
macro_rules! handlers {
    ($( $name:ident { $($field:ident),* } ($family:ident $($rule:tt)*) ; )*) => {
        /// One module per instruction: its handler `run` and whether it is
        /// more than a bail (`THREADED`).
        mod ops {
            use super::*;
            $( handlers!(@one $name { $($field),* } $family $($rule)*); )*
        }

        /// Number of opcodes.
        const COUNT: usize = [$(Op::$name),*].len();

        /// The handler of each opcode.
        static HANDLERS: [Handler; COUNT] = [$(ops::$name::run),*];

        /// The same, for dispatching after a taken branch (see
        /// `dispatch_taken`).
        static TAKEN: [Handler; COUNT] = [$(ops::$name::run),*];

        /// The same, for code that other crates instantiate: entering a
        /// chain (`enter`) and `pure_handler`.
        static ENTRY: [Handler; COUNT] = [$(ops::$name::run),*];

        /// The opcodes in table order, and whether each one's handler is
        /// more than a bail (for the tests).
        #[cfg(test)]
        const OPS: [(Op, bool); COUNT] = [$((Op::$name, ops::$name::THREADED)),*];
    };
    (@one $name:ident {} other) => {
        other_handler!($name);
    };
    (@one $name:ident { $($field:ident),* } $family:ident $($rule:tt)*) => {
        handler!(r, cx, $name { $($field),* } => {
            // SAFETY: see `enter`: the store is the chain's while it runs.
            let heap = unsafe { (*cx.store).heap_mut() };
            family!((r, *heap, bail, taken) $family $($rule)*);
        });
    };
}

for_each_instr!(handlers);

#[cfg(test)]
mod tests;
