//! Exceptions in the executor: `throw` allocates an exception object,
//! and unwinding walks the interpreter's own frame stack, looking each
//! frame's instruction up in its function's handler table (built at
//! translation time, see `ir::Handler`). Nothing here runs unless
//! something is thrown: entering a `try_table` executes no instruction.

use super::gc_ops::GcFrame;
use super::{Frame, backtrace};
use crate::error::{Error, Trap};
use crate::gc::{FieldKind, HEADER, Heap};
use crate::index::{DefFunc, InstanceId};
use crate::ir::{CompiledFunc, HandlerKind, Instr, Slot};
use crate::runtime::StoreInner;
use crate::values::ExnRef;

/// Where execution is (or resumes): the registers a handler restores.
#[derive(Clone, Copy)]
pub(super) struct Position {
    pub ip: *const Instr,
    pub func: *const CompiledFunc,
    pub inst: InstanceId,
    pub vfp: usize,
    pub rfp: usize,
}

impl Position {
    /// The reference slots in use up to the top of this frame.
    pub(super) fn live_refs(&self) -> usize {
        // SAFETY: as for `def`.
        self.rfp + unsafe { (*self.func).ref_frame } as usize
    }

    /// The function's index among its module's defined functions.
    pub(super) fn def(&self) -> DefFunc {
        // SAFETY: `func` points into a module owned by an instance of the
        // running store (see `Regs::function`).
        unsafe { (*self.func).def }
    }
}

/// `throw`: allocates an exception of module tag `tag` (of instance
/// `inst`) with the payload in the frame's slots at `vbase`/`rbase`;
/// returns its raw reference. The payload is read after allocating (a
/// collection may move referenced objects).
#[cold]
#[inline(never)]
pub(super) fn new_exception(
    store: &mut StoreInner,
    inst: InstanceId,
    tag: u32,
    (vbase, rbase): (Slot, Slot),
    f: &GcFrame,
) -> Result<u32, Trap> {
    let tag = store.instances()[inst.index()].tags[tag as usize];
    let hty = store.tags()[tag as usize].heap_type;
    let (heap, mut roots) = store.split_for_gc(f.live_refs);
    let off = heap.alloc_exn(hty, tag, &mut roots)?;
    // A reference to the layout (shared), so that the heap can be written.
    let layout = match &store.heap().heap_type(hty).layout {
        crate::gc::Layout::Exn(l) => l.clone(),
        _ => return Err(Trap::CastFailure),
    };
    let fields = &*layout.fields;
    let (mut vi, mut ri) = (f.vfp + vbase as usize, f.rfp + rbase as usize);
    for &(o, k) in fields {
        let bits = super::gc_ops::take_operand(store, k, &mut vi, &mut ri);
        store
            .heap_mut()
            .write_wide(off + HEADER + o as usize, k, bits);
    }
    crate::gc::raw_of_offset(off).ok_or(Trap::AllocationTooLarge)
}

/// The handler of the function at `pos` that catches an exception of
/// store tag `tag`, if any.
fn find_handler(store: &StoreInner, pos: &Position, tag: u32) -> Option<crate::ir::Handler> {
    // SAFETY: frame positions name functions of modules the store keeps
    // alive (see `Regs::function`).
    let f = unsafe { &*pos.func };
    if f.handlers.is_empty() {
        return None;
    }
    let pc = (pos.ip as usize).wrapping_sub(f.code.as_ptr() as usize) / size_of::<Instr>();
    let pc = u32::try_from(pc).ok()?;
    let tags = &store.instances().get(pos.inst.index())?.tags;
    let mut limit = u32::MAX;
    for h in f.handlers.iter() {
        if h.depth > limit || pc < h.start || pc >= h.end {
            continue;
        }
        match h.kind {
            HandlerKind::Catch { tag: None, .. } => return Some(*h),
            HandlerKind::Catch { tag: Some(t), .. } => {
                if tags.get(t as usize) == Some(&tag) {
                    return Some(*h);
                }
            }
            HandlerKind::Delegate { depth } => limit = depth,
        }
    }
    None
}

/// The position of suspended frame `f`: at its call instruction.
fn frame_position(f: &Frame) -> Position {
    Position {
        ip: f.ret_ip.wrapping_sub(1),
        func: f.func,
        inst: f.inst,
        vfp: f.vfp,
        rfp: f.rfp,
    }
}

/// Unwinds exception `exn` thrown at `at` (whose frame is skipped if
/// `skip_current`, as after a host tail call): finds the innermost
/// handler among the frames of this activation (those above
/// `frames_base`), pops the frames above it, delivers the payload and
/// returns where to resume. If no frame catches it, the exception leaves
/// the activation as an `Err` (the frames are left for the caller to drop).
#[cold]
#[inline(never)]
pub(super) fn unwind(
    store: &mut StoreInner,
    at: Position,
    frames_base: usize,
    exn: u32,
    skip_current: bool,
) -> Result<Position, Error> {
    let Some((tag, _)) = store.heap().exn_of_raw(exn) else {
        return Err(Error::trap(Trap::NullExceptionReference, Vec::new()));
    };
    let frames_base = frames_base.min(store.stack().frames.len());
    let mut depth = store.stack().frames.len();
    let mut pos = at;
    let mut check = !skip_current;
    let found = loop {
        if check && let Some(h) = find_handler(store, &pos, tag) {
            break Some(h);
        }
        check = true;
        if depth <= frames_base {
            break None;
        }
        depth -= 1;
        pos = frame_position(&store.stack().frames[depth]);
    };
    // The walk is work that grows with the stack: one unit of fuel per
    // frame left, like other proportional work (Wasmtime charges none).
    let walked = (store.stack().frames.len() - depth) as u64;
    store
        .charge_fuel(walked)
        .map_err(|t| Error::trap(t, Vec::new()))?;
    let Some(h) = found else {
        let frames = &store.stack().frames[frames_base..];
        let mut bt = backtrace(store, (at.inst, at.def()), frames);
        if skip_current && !bt.is_empty() {
            bt.remove(0);
        }
        let exn = ExnRef {
            store: store.id(),
            root: store.root(exn),
        };
        return Err(Error::exception_with_backtrace(exn, bt));
    };
    store.stack_mut().frames.truncate(depth);
    let HandlerKind::Catch {
        tag: catch_tag,
        target,
        vbase,
        rbase,
        exn: exn_slot,
    } = h.kind
    else {
        return Err(Error::trap(Trap::UnreachableCodeReached, Vec::new()));
    };
    if catch_tag.is_some() {
        deliver_payload(
            store,
            exn,
            pos.vfp + vbase as usize,
            pos.rfp + rbase as usize,
        );
    }
    if let Some(s) = exn_slot {
        store.stack_mut().refs[pos.rfp + s as usize] = exn;
    }
    // SAFETY: see `find_handler`.
    let f = unsafe { &*pos.func };
    let Some(ip) = f.code.get(target as usize) else {
        return Err(Error::trap(Trap::UnreachableCodeReached, Vec::new()));
    };
    pos.ip = ip;
    Ok(pos)
}

/// Copies the payload of exception `exn` to the stack slots from
/// `vb`/`rb` (value fields in order, reference fields in order).
fn deliver_payload(store: &mut StoreInner, exn: u32, vb: usize, rb: usize) {
    let (heap, stack) = store.heap_and_stack();
    let Some((_, layout)) = heap.exn_of_raw(exn) else {
        return;
    };
    let off = Heap::offset(exn) + HEADER;
    let (mut vi, mut ri) = (vb, rb);
    for &(o, k) in layout.fields.iter() {
        let bits = heap.read_wide(off + o as usize, k);
        match k {
            FieldKind::Ref => {
                stack.refs[ri] = bits as u32;
                ri += 1;
            }
            FieldKind::V128 => {
                stack.vals[vi] = bits as u64;
                stack.vals[vi + 1] = (bits >> 64) as u64;
                vi += 2;
            }
            _ => {
                stack.vals[vi] = bits as u64;
                vi += 1;
            }
        }
    }
}
