//! The executor's registers: where execution is (instruction pointer,
//! frame bases, current function, instance and memory 0) and the frame
//! transitions that change them (calls, tail calls, returns).
//!
//! A `Regs` lives in a local of the dispatch loop and is only passed to
//! `#[inline(always)]` functions, so the compiler keeps its fields in
//! machine registers; cold paths get plain values instead.

use super::gc_ops::GcFrame;
use super::mem::MemView;
use super::{CHECKED, Frame, Stack, enter_frame, first_memory};
use crate::error::Trap;
use crate::gc::Layout;
use crate::index::{DefFunc, InstanceId, TypeIdx};
use crate::ir::{AllocSite, CallSite, CastTarget, CompiledFunc, Instr, Offset, Slot};
use crate::module::ModuleInner;
use crate::runtime::StoreInner;

/// The slots of the current frame in one of the two stacks.
#[derive(Clone, Copy)]
pub(super) struct Slots<T> {
    base: *mut T,
    /// Slots from `base` to the end of the stack (checked builds only, so
    /// that it costs no register otherwise).
    #[cfg(any(debug_assertions, feature = "checked"))]
    len: usize,
}

impl<T: Copy> Slots<T> {
    /// The slots of the frame starting at `fp` of `stack`. Valid until the
    /// stack is resized or borrowed as a slice.
    fn of(stack: &mut [T], fp: usize) -> Slots<T> {
        Slots {
            base: stack.as_mut_ptr().wrapping_add(fp),
            #[cfg(any(debug_assertions, feature = "checked"))]
            len: stack.len().saturating_sub(fp),
        }
    }

    /// Whether these are still the slots at `fp` of `stack` (checked builds).
    fn is_current(&self, stack: &[T], fp: usize) -> bool {
        std::ptr::eq(self.base, stack.as_ptr().wrapping_add(fp))
    }

    /// The first slot (for passing the slots in a machine register, see
    /// `thread.rs`).
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    #[inline(always)]
    pub(super) fn base(self) -> *mut T {
        self.base
    }

    /// The slots from `base` to the end of the stack (checked builds; 0
    /// otherwise).
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    #[inline(always)]
    pub(super) fn window(self) -> usize {
        #[cfg(any(debug_assertions, feature = "checked"))]
        return self.len;
        #[cfg(not(any(debug_assertions, feature = "checked")))]
        0
    }

    /// The slots `base()` and `window()` came from.
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    #[inline(always)]
    pub(super) fn from_parts(base: *mut T, window: usize) -> Slots<T> {
        let _ = window;
        Slots {
            base,
            #[cfg(any(debug_assertions, feature = "checked"))]
            len: window,
        }
    }

    #[inline(always)]
    fn check(&self, s: Slot) {
        #[cfg(any(debug_assertions, feature = "checked"))]
        assert!(
            (s as usize) < self.len,
            "slot {s} outside a frame window of {}",
            self.len
        );
        let _ = s;
    }

    /// No slots yet (see `Regs::start`).
    const UNSET: Slots<T> = Slots {
        base: std::ptr::null_mut(),
        #[cfg(any(debug_assertions, feature = "checked"))]
        len: 0,
    };

    /// Reads slot `s`.
    ///
    /// # Safety
    /// `s` is below the current function's frame size (the translator only
    /// emits such slots), `enter_frame` made the stack that long, and the
    /// stack has not been resized or borrowed since these `Slots` were made.
    #[inline(always)]
    pub(super) unsafe fn get(self, s: Slot) -> T {
        self.check(s);
        // SAFETY: the caller's contract.
        unsafe { *self.base.add(s as usize) }
    }

    /// Writes slot `s`.
    ///
    /// # Safety
    /// As for [`Slots::get`].
    #[inline(always)]
    pub(super) unsafe fn set(self, s: Slot, x: T) {
        self.check(s);
        // SAFETY: the caller's contract.
        unsafe { *self.base.add(s as usize) = x }
    }
}

/// The interpreter's cold registers (see `Regs::cold`).
pub(super) struct Cold {
    /// The current instance.
    inst: InstanceId,
    /// The store index of the current instance's memory 0, if any.
    mem0: Option<usize>,
}

impl Cold {
    /// The store index of memory 0 (for the threaded handlers, which see
    /// the cold registers through a pointer).
    ///
    /// # Safety
    /// `cold` is the live cold registers of a run (`Regs::start`'s contract).
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    #[inline(always)]
    pub(super) unsafe fn mem0_of(cold: *const Cold) -> Option<usize> {
        // SAFETY: the caller's contract.
        unsafe { (*cold).mem0 }
    }

    /// The cold registers for running instance `inst`.
    pub(super) fn new(inst: InstanceId) -> Cold {
        Cold { inst, mem0: None }
    }
}

impl Slots<u64> {
    /// Reads the `v128` in value slots `s` and `s + 1` (low half first).
    ///
    /// # Safety
    /// As for [`Slots::get`], for both slots (the translator allocates a
    /// vector's two slots together).
    #[inline(always)]
    pub(super) unsafe fn get128(self, s: Slot) -> u128 {
        // SAFETY: the caller's contract.
        unsafe { self.get(s) as u128 | (self.get(s + 1) as u128) << 64 }
    }

    /// Writes the `v128` in value slots `s` and `s + 1`.
    ///
    /// # Safety
    /// As for [`Slots::get128`].
    #[inline(always)]
    pub(super) unsafe fn set128(self, s: Slot, x: u128) {
        // SAFETY: the caller's contract.
        unsafe {
            self.set(s, x as u64);
            self.set(s + 1, (x >> 64) as u64);
        }
    }
}

/// The interpreter's registers.
pub(super) struct Regs {
    /// The next instruction.
    pub ip: *const Instr,
    /// The current frame's value slots.
    pub vals: Slots<u64>,
    /// The current frame's reference slots.
    pub refs: Slots<u32>,
    /// Value stack index of the current frame.
    pub vfp: usize,
    /// Reference stack index of the current frame.
    pub rfp: usize,
    /// The current function.
    pub func: *const CompiledFunc,
    /// The current instance's module.
    pub module: *const ModuleInner,
    /// The registers that only calls, returns and cold paths read, kept in
    /// memory (a local of the dispatch loop whose address escapes) rather
    /// than in machine registers: as loop-carried values the register
    /// allocator copied (or spilled and reloaded) them at every dispatch,
    /// and took registers from the hot ones.
    cold: *mut Cold,
    /// Memory 0 of the current instance.
    pub mem: MemView,
}

impl Regs {
    /// The registers for running defined function `def` of instance `inst`
    /// with its frame at `vfp`/`rfp`. The frame is not entered yet and the
    /// slots and memory view are unset: `refresh` after `enter_frame`.
    /// Inlined so that `Regs` never has its address taken (it would then
    /// live in memory instead of registers).
    ///
    /// # Safety
    /// `cold` points to the cold registers made for the instance to run
    /// (`Cold::new`), which outlive these registers and are not otherwise
    /// accessed while they live.
    #[inline(always)]
    pub(super) unsafe fn start(
        store: &mut StoreInner,
        cold: *mut Cold,
        def: DefFunc,
        vfp: usize,
        rfp: usize,
    ) -> Regs {
        // SAFETY: the caller's contract.
        let inst = unsafe { (*cold).inst };
        let m = &*store.instances()[inst.index()].module.0;
        let (module, func): (*const ModuleInner, *const CompiledFunc) = (m, &m.code[def.index()]);
        Regs {
            // SAFETY: `func` was just taken from the live module.
            ip: unsafe { (*func).code.as_ptr() },
            vals: Slots::UNSET,
            refs: Slots::UNSET,
            vfp,
            rfp,
            func,
            module,
            cold,
            mem: MemView::EMPTY,
        }
        .with_mem0(first_memory(store, inst))
    }

    /// These registers with memory 0 set (see `start`).
    #[inline(always)]
    fn with_mem0(mut self, mem0: Option<usize>) -> Regs {
        self.set_mem0(mem0);
        self
    }

    /// The current instance.
    #[inline(always)]
    pub(super) fn inst(&self) -> InstanceId {
        // SAFETY: `cold` is valid while the registers live (the contract
        // of `start`), and nothing else refers to it. The same holds for
        // the other accessors of the cold registers.
        unsafe { (*self.cold).inst }
    }

    /// Switches the current instance.
    #[inline(always)]
    fn set_inst(&mut self, inst: InstanceId) {
        // SAFETY: see `inst`.
        unsafe { (*self.cold).inst = inst }
    }

    /// The store index of the current instance's memory 0, if any.
    #[inline(always)]
    fn mem0(&self) -> Option<usize> {
        // SAFETY: see `inst`.
        unsafe { (*self.cold).mem0 }
    }

    /// Sets the store index of memory 0 (after switching instances).
    #[inline(always)]
    fn set_mem0(&mut self, mem0: Option<usize>) {
        // SAFETY: see `inst`.
        unsafe { (*self.cold).mem0 = mem0 }
    }

    /// The current function.
    #[inline(always)]
    pub(super) fn function<'a>(&self) -> &'a CompiledFunc {
        // SAFETY: `func` points into a module owned by an instance of the
        // running store; instances are never removed while the store lives,
        // and the store is exclusively borrowed for the whole run. The same
        // holds for every `CompiledFunc` and `ModuleInner` pointer here.
        unsafe { &*self.func }
    }

    /// The current function, as a defined function of its module (read from
    /// the function rather than kept in a register: it is only needed on
    /// calls and traps).
    #[inline(always)]
    pub(super) fn def(&self) -> DefFunc {
        self.function().def
    }

    /// Call site `i` of the current function.
    #[inline(always)]
    pub(super) fn site(&self, i: u32) -> CallSite {
        let sites = &self.function().call_sites;
        if CHECKED {
            assert!((i as usize) < sites.len(), "call site {i} out of range");
        }
        // SAFETY: translation only emits call-site indices of the
        // function's own side table.
        unsafe { *sites.get_unchecked(i as usize) }
    }

    /// Allocation site `i` of the current function.
    #[inline(always)]
    pub(super) fn alloc_site(&self, i: u32) -> AllocSite {
        self.function().alloc_sites[i as usize]
    }

    /// `v128` constant (or shuffle mask) `i` of the current function.
    #[inline(always)]
    pub(super) fn v128(&self, i: u32) -> u128 {
        self.function().v128s[i as usize]
    }

    /// Cast target `i` of the current function.
    #[inline(always)]
    pub(super) fn cast(&self, i: u32) -> CastTarget {
        self.function().casts[i as usize]
    }

    /// The current module's layout of its type `ty` (`None` for a
    /// function type).
    #[inline(always)]
    pub(super) fn layout<'a>(&self, ty: TypeIdx) -> Option<&'a Layout> {
        // SAFETY: see `function`.
        let layouts = unsafe { &(*self.module).layouts };
        layouts.get(ty.index()).and_then(Option::as_ref)
    }

    /// Defined function `def` of the current module.
    #[inline(always)]
    pub(super) fn own_function(&self, def: DefFunc) -> *const CompiledFunc {
        // SAFETY: see `function`; translation made `def` a defined function
        // of the current module.
        unsafe {
            let code = &(*self.module).code;
            if CHECKED {
                assert!(def.index() < code.len(), "function {def:?} out of range");
            }
            code.as_ptr().add(def.index())
        }
    }

    /// The collector's view of the current frame.
    #[inline(always)]
    pub(super) fn gc_frame(&self) -> GcFrame {
        GcFrame {
            vfp: self.vfp,
            rfp: self.rfp,
            live_refs: self.rfp + self.function().ref_frame as usize,
        }
    }

    /// Recomputes the slot bases after the stacks may have moved.
    #[inline(always)]
    pub(super) fn refresh_stack(&mut self, store: &mut StoreInner) {
        self.vals = Slots::of(&mut store.stack_mut().vals, self.vfp);
        self.refs = Slots::of(&mut store.stack_mut().refs, self.rfp);
    }

    /// Recomputes the slot bases and the memory view after anything that
    /// may have resized or borrowed the stacks or memory 0.
    #[inline(always)]
    pub(super) fn refresh(&mut self, store: &mut StoreInner) {
        self.refresh_stack(store);
        self.mem = match self.mem0().and_then(|m| store.memories_mut().get_mut(m)) {
            Some(m) => MemView::of(&mut m.data),
            None => MemView::EMPTY,
        };
    }

    /// Checked builds: asserts that the cached bases and memory view are
    /// current (a missing `refresh` would otherwise read freed memory).
    pub(super) fn assert_current(&self, store: &StoreInner) {
        assert!(
            self.vals.is_current(&store.stack().vals, self.vfp),
            "stale value slots"
        );
        assert!(
            self.refs.is_current(&store.stack().refs, self.rfp),
            "stale reference slots"
        );
        let mem = self.mem0().and_then(|m| store.memories().get(m));
        let mem = mem.map_or(&[][..], |m| &m.data[..]);
        assert!(self.mem.describes(mem), "stale memory view");
    }

    /// Moves the instruction pointer by `offset` instructions.
    #[inline(always)]
    pub(super) fn jump(&mut self, offset: Offset) {
        // SAFETY: branch targets are instruction indices of the current
        // function, resolved at translation time.
        self.ip = unsafe { self.ip.offset(offset as isize) };
    }

    /// Moves to the next instruction.
    #[inline(always)]
    pub(super) fn next(&mut self) {
        // SAFETY: a non-branching instruction is never the last one (every
        // function ends with `Return` or `Trap`).
        self.ip = unsafe { self.ip.add(1) };
    }

    /// Switches to instance `inst` if it is not the current one.
    #[inline(always)]
    fn switch_instance(&mut self, store: &mut StoreInner, inst: InstanceId) {
        if self.inst() != inst {
            self.set_inst(inst);
            self.module = &*store.instances()[inst.index()].module.0;
            self.set_mem0(first_memory(store, inst));
            self.refresh(store);
        } else {
            // Same instance: memory 0 is as the caller left it; only the
            // stack may have moved.
            self.refresh_stack(store);
        }
    }

    /// Calls `callee` (defined function `def` of instance `inst`) with its
    /// frame at `vbase`/`rbase` of the current one. `tail` replaces the
    /// current frame.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn enter(
        &mut self,
        store: &mut StoreInner,
        callee: *const CompiledFunc,
        inst: InstanceId,
        (vbase, rbase): (Slot, Slot),
        tail: bool,
        max_depth: usize,
    ) -> Result<(), Trap> {
        // SAFETY: see `function`.
        let c = unsafe { &*callee };
        let (vbase, rbase) = (vbase as usize, rbase as usize);
        let stack = store.stack_mut();
        if tail {
            let (np, nr) = (c.value_params as usize, c.ref_params as usize);
            let (vfp, rfp) = (self.vfp, self.rfp);
            stack.vals.copy_within(vfp + vbase..vfp + vbase + np, vfp);
            stack.refs.copy_within(rfp + rbase..rfp + rbase + nr, rfp);
        } else {
            if stack.frames.len() >= max_depth {
                return Err(Trap::StackOverflow);
            }
            stack.frames.push(Frame {
                // SAFETY: the instruction after a call exists (every
                // function ends with `Return` or `Trap`).
                ret_ip: unsafe { self.ip.add(1) },
                vfp: self.vfp,
                rfp: self.rfp,
                func: self.func,
                inst: self.inst(),
            });
            self.vfp += vbase;
            self.rfp += rbase;
        }
        enter_frame(stack, c, self.vfp, self.rfp)?;
        self.func = callee;
        self.switch_instance(store, inst);
        self.ip = c.code.as_ptr();
        Ok(())
    }

    /// Calls defined function `def` of the current module with its frame
    /// at `vbase`/`rbase` of the current one.
    #[inline(always)]
    pub(super) fn call_internal(
        &mut self,
        store: &mut StoreInner,
        (vbase, rbase, def): (Slot, Slot, DefFunc),
        tail: bool,
        max_depth: usize,
    ) -> Result<(), Trap> {
        let callee = self.own_function(def);
        let bases = (vbase, rbase);
        self.enter(store, callee, self.inst(), bases, tail, max_depth)
    }

    /// Returns to the caller's frame; `false` if the activation is done.
    #[inline(always)]
    pub(super) fn ret(&mut self, store: &mut StoreInner, frames_base: usize) -> bool {
        if store.stack().frames.len() <= frames_base {
            return false;
        }
        let Some(fr) = store.stack_mut().frames.pop() else {
            return false;
        };
        // (`resume` refreshes memory 0, which may have grown in the callee.)
        let p = super::exn::Position {
            ip: fr.ret_ip,
            func: fr.func,
            inst: fr.inst,
            vfp: fr.vfp,
            rfp: fr.rfp,
        };
        self.resume(store, p);
        true
    }

    /// Resumes at `p`: a caller's frame (`ret`), or an exception handler
    /// found by `exn::unwind`, which has popped the frames above it.
    #[inline(always)]
    pub(super) fn resume(&mut self, store: &mut StoreInner, p: super::exn::Position) {
        self.ip = p.ip;
        self.vfp = p.vfp;
        self.rfp = p.rfp;
        self.func = p.func;
        if self.inst() != p.inst {
            self.set_inst(p.inst);
            self.module = &*store.instances()[p.inst.index()].module.0;
            self.set_mem0(first_memory(store, p.inst));
        }
        self.refresh(store);
    }

    /// Where execution is, as plain values (for the unwinder).
    #[inline(always)]
    pub(super) fn position(&self) -> super::exn::Position {
        super::exn::Position {
            ip: self.ip,
            func: self.func,
            inst: self.inst(),
            vfp: self.vfp,
            rfp: self.rfp,
        }
    }

    /// Moves a host callee's results from the argument slots at
    /// `vbase`/`rbase` to the frame base (the end of a host tail call).
    #[inline(always)]
    pub(super) fn move_results_down(
        &self,
        stack: &mut Stack,
        (vbase, rbase): (Slot, Slot),
        (rv, rr): (usize, usize),
    ) {
        let (vfp, rfp) = (self.vfp, self.rfp);
        let (vbase, rbase) = (vbase as usize, rbase as usize);
        stack.vals.copy_within(vfp + vbase..vfp + vbase + rv, vfp);
        stack.refs.copy_within(rfp + rbase..rfp + rbase + rr, rfp);
    }
}
