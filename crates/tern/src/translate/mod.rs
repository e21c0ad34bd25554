//! Lowers one validated function body from Wasm's stack machine to Tern's
//! slot-addressed IR.
//!
//! The translator mirrors the operand stack at translation time. Each entry
//! owns the frame slot its stack position maps to (value slots for numbers,
//! reference slots for references), so every instruction can name its
//! operands directly. `local.get` pushes a *lazy* entry that reads the local's
//! slot in place; it is copied into its own slot only when the local is
//! overwritten or control flow merges. Results of simple instructions are
//! written straight into a local when `local.set` follows.

use crate::error::{Error, ErrorKind, Result, Trap};
use crate::index::DefFunc;
use crate::ir::{AllocSite, CallSite, CastTarget, CompiledFunc, Handler, Instr, MemArgs, Slot};
use crate::module::ModuleInner;
use crate::registry::CVal;
use control::fused_branches;
use wasmparser::{FuncValidator, FunctionBody, Operator, ValidatorResources};

mod calls;
mod control;
mod exceptions;
mod fuel;
mod gc;
mod memory;
mod numeric;
mod returns;
mod simd;

/// Which frame an operand lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The value frame (numbers).
    V,
    /// The reference frame.
    R,
    /// A `v128`: two consecutive value slots (low half first), allocated
    /// together; an entry of this kind names the first.
    W,
}

impl Kind {
    /// Value slots and reference slots an operand of this kind occupies.
    pub(crate) fn width(self) -> (u32, u32) {
        match self {
            Kind::V => (1, 0),
            Kind::R => (0, 1),
            Kind::W => (2, 0),
        }
    }
}

/// Value and reference slots taken by operands of `kinds`.
pub(crate) fn widths(kinds: &[Kind]) -> (u32, u32) {
    kinds.iter().fold((0, 0), |(v, r), k| {
        let (a, b) = k.width();
        (v + a, r + b)
    })
}

pub(crate) fn kind_of(v: CVal) -> Result<Kind> {
    match v {
        CVal::I32 | CVal::I64 | CVal::F32 | CVal::F64 => Ok(Kind::V),
        CVal::Ref(_) => Ok(Kind::R),
        CVal::V128 => Ok(Kind::W),
    }
}

/// Slot copies `(kind, dst, src)` to perform as one parallel assignment.
type Moves = Vec<(Kind, Slot, Slot)>;

#[derive(Clone, Copy, Debug)]
struct Entry {
    kind: Kind,
    /// The slot this stack position owns.
    slot: Slot,
    /// For a lazy `local.get`: the local's slot, read in place.
    local: Option<Slot>,
}

impl Entry {
    fn src(&self) -> Slot {
        self.local.unwrap_or(self.slot)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CtrlKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    params: Vec<Kind>,
    results: Vec<Kind>,
    /// Stack length at the block's base (params excluded).
    height: usize,
    /// Next free value/reference slot at the block's base.
    vbase: Slot,
    rbase: Slot,
    /// Branches to patch to the block's end.
    fixups: Vec<usize>,
    /// Loop header (target of branches to a loop).
    head: usize,
    /// For `if`: the conditional jump to patch to the `else`.
    else_jump: Option<usize>,
    /// Entered in unreachable code: nothing is emitted for it.
    dead: bool,
    /// Whether the block's start was reachable.
    reachable_start: bool,
    /// For an `if` with parameters: where the original parameters are kept
    /// (stack length, value slot, reference slot) while the branches work on
    /// copies; see `op_if`.
    saved_params: Option<(usize, Slot, Slot)>,
    /// Exception handlers (indices) that jump to this block's end.
    handler_fixups: Vec<usize>,
    /// For `try_table` and legacy `try`: see `exceptions::TryState`.
    eh: Option<Box<exceptions::TryState>>,
}

impl Ctrl {
    /// A live block whose start is reachable: no branches, handlers or
    /// saved parameters yet.
    fn new(
        kind: CtrlKind,
        (params, results): (Vec<Kind>, Vec<Kind>),
        height: usize,
        (vbase, rbase): (Slot, Slot),
        head: usize,
    ) -> Ctrl {
        Ctrl {
            kind,
            params,
            results,
            height,
            vbase,
            rbase,
            fixups: Vec::new(),
            head,
            else_jump: None,
            dead: false,
            reachable_start: true,
            saved_params: None,
            handler_fixups: Vec::new(),
            eh: None,
        }
    }
}

struct Translator<'m> {
    m: &'m ModuleInner,
    code: Vec<Instr>,
    sites: Vec<CallSite>,
    alloc_sites: Vec<AllocSite>,
    mem_args: Vec<MemArgs>,
    casts: Vec<CastTarget>,
    /// `v128` constants and shuffle masks.
    v128s: Vec<u128>,
    stack: Vec<Entry>,
    ctrl: Vec<Ctrl>,
    locals: Vec<(Kind, Slot)>,
    vtop: Slot,
    rtop: Slot,
    vmax: Slot,
    rmax: Slot,
    reachable: bool,
    /// First value and reference slots above the locals.
    locals_top: (Slot, Slot),
    /// The last emitted instruction whose `dst` may be retargeted, and
    /// which frame that `dst` is in (value and reference slots have
    /// separate numbers: slot 3 of one is not slot 3 of the other).
    last_write: Option<(usize, Kind)>,
    /// An `i32.eqz` (by position) emitted right after the compare (or
    /// `eqz`) that produced its operand, overwriting that operand: a branch
    /// on it fuses the compare with the opposite polarity.
    negation: Option<usize>,
    /// Where the last label was bound (`here`): the instruction at this
    /// index may be reached by a branch, so nothing before it may be moved
    /// or removed by a fusion that spans it.
    label_at: usize,
    /// Exception handlers, innermost first (see `exceptions`).
    handlers: Vec<Handler>,
    /// Handlers that target the function's label (bound to a final `Return`).
    return_pads: Vec<usize>,
    /// First hidden reference local for legacy `try` exceptions, and the
    /// number of legacy `try` blocks open.
    legacy_base: Slot,
    legacy_depth: Slot,
    /// Fuel metering and epoch checks compiled in (see `fuel`).
    fuel: bool,
    epoch: bool,
    /// The `ConsumeFuel` of the current segment.
    fuel_segment: Option<usize>,
}

/// The most locals a function may have, declared ones and the hidden ones
/// of legacy `try` blocks together (wasmparser's limit for declared ones).
const MAX_LOCALS: usize = 50_000;

fn internal(msg: &str) -> Error {
    Error::invalid(format!("internal translation error: {msg}"))
}

fn slot_overflow() -> Error {
    Error::new(ErrorKind::Unsupported, "function frame too large")
}

pub(crate) fn translate(
    m: &ModuleInner,
    func_index: u32,
    fv: &mut FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
) -> Result<CompiledFunc> {
    let ty = m
        .func_type(func_index)
        .ok_or_else(|| internal("function type"))?;
    let (params, results) = ty
        .info()
        .as_func()
        .ok_or_else(|| internal("not a function type"))?;
    let mut t = Translator {
        m,
        code: Vec::new(),
        sites: Vec::new(),
        alloc_sites: Vec::new(),
        mem_args: Vec::new(),
        casts: Vec::new(),
        v128s: Vec::new(),
        stack: Vec::new(),
        ctrl: Vec::new(),
        locals: Vec::new(),
        vtop: 0,
        rtop: 0,
        vmax: 0,
        rmax: 0,
        reachable: true,
        locals_top: (0, 0),
        last_write: None,
        negation: None,
        label_at: 0,
        handlers: Vec::new(),
        return_pads: Vec::new(),
        legacy_base: 0,
        legacy_depth: 0,
        fuel: m.engine.config().consume_fuel,
        epoch: m.engine.config().epoch_interruption,
        fuel_segment: None,
    };
    for p in params.iter() {
        t.add_local(kind_of(*p)?)?;
    }
    let (value_params, ref_params) = (t.vtop, t.rtop);
    let mut locals = body.get_locals_reader().map_err(crate::module::malformed)?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, ty) = locals.read().map_err(crate::module::malformed)?;
        fv.define_locals(offset, count, ty)
            .map_err(crate::module::classify)?;
        let kind = kind_of(registry_cval(m, ty)?)?;
        for _ in 0..count {
            t.add_local(kind)?;
        }
    }
    let value_locals = t.vtop;
    t.legacy_base = t.rtop;
    if m.engine.config().features.legacy_exceptions() {
        // One hidden reference local per level of `try` nesting: within the
        // validator's budget for declared locals, so that deep nesting
        // cannot give every call of the function an outsized frame to clear.
        let depth = exceptions::legacy_try_depth(body)? as usize;
        if t.locals.len().saturating_add(depth) > MAX_LOCALS {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "too many locals and nested legacy `try` blocks in one function",
            ));
        }
        for _ in 0..depth {
            t.alloc(Kind::R)?;
        }
    }
    t.locals_top = (t.vtop, t.rtop);
    let result_kinds = results
        .iter()
        .map(|r| kind_of(*r))
        .collect::<Result<Vec<_>>>()?;
    t.ctrl.push(Ctrl::new(
        CtrlKind::Func,
        (Vec::new(), result_kinds.clone()),
        0,
        (0, 0),
        0,
    ));
    t.start_function();
    let mut reader = body
        .get_operators_reader()
        .map_err(crate::module::malformed)?;
    while !reader.eof() {
        let (op, offset) = reader
            .read_with_offset()
            .map_err(crate::module::malformed)?;
        fv.op(offset, &op).map_err(crate::module::classify)?;
        t.op(&op)?;
    }
    reader.finish().map_err(crate::module::malformed)?;
    t.emit_return_pad()?;
    let (nv, nr) = widths(&result_kinds);
    returns::shorten_returns(&mut t.code, (nv, nr));
    let ref_frame = t.rmax.max(nr);
    Ok(CompiledFunc {
        def: DefFunc(func_index - m.num_imported_funcs),
        code: t.code.into_boxed_slice(),
        value_params,
        ref_params,
        value_locals,
        value_frame: t.vmax.max(nv),
        ref_frame,
        clears: value_locals > value_params || ref_frame > ref_params,
        call_sites: t.sites.into_boxed_slice(),
        alloc_sites: t.alloc_sites.into_boxed_slice(),
        mem_args: t.mem_args.into_boxed_slice(),
        casts: t.casts.into_boxed_slice(),
        handlers: t.handlers.into_boxed_slice(),
        v128s: t.v128s.into_boxed_slice(),
    })
}

fn registry_cval(m: &ModuleInner, ty: wasmparser::ValType) -> Result<CVal> {
    crate::registry::cval_from_wasm(ty, &m.types)
}

impl<'m> Translator<'m> {
    fn add_local(&mut self, kind: Kind) -> Result<()> {
        let slot = self.alloc(kind)?;
        self.locals.push((kind, slot));
        Ok(())
    }

    fn alloc(&mut self, kind: Kind) -> Result<Slot> {
        match kind {
            Kind::V | Kind::W => {
                let s = self.vtop;
                let w = kind.width().0;
                self.vtop = self.vtop.checked_add(w).ok_or_else(slot_overflow)?;
                self.vmax = self.vmax.max(self.vtop);
                Ok(s)
            }
            Kind::R => {
                let s = self.rtop;
                self.rtop = self.rtop.checked_add(1).ok_or_else(slot_overflow)?;
                self.rmax = self.rmax.max(self.rtop);
                Ok(s)
            }
        }
    }

    fn push(&mut self, kind: Kind) -> Result<Slot> {
        let slot = self.alloc(kind)?;
        self.stack.push(Entry {
            kind,
            slot,
            local: None,
        });
        Ok(slot)
    }

    fn pop(&mut self) -> Result<Entry> {
        let e = self
            .stack
            .pop()
            .ok_or_else(|| internal("stack underflow"))?;
        let (v, r) = e.kind.width();
        self.vtop -= v;
        self.rtop -= r;
        Ok(e)
    }

    fn pop_kind(&mut self, kind: Kind) -> Result<Entry> {
        let e = self.pop()?;
        if e.kind != kind {
            return Err(internal("operand kind"));
        }
        Ok(e)
    }

    fn emit(&mut self, i: Instr) -> usize {
        self.code.push(i);
        self.code.len() - 1
    }

    /// Emits an instruction whose result is the new top of the operand
    /// stack (a fresh temporary).
    fn emit_result(&mut self, i: Instr) {
        let kind = self.stack.last().map(|e| e.kind);
        let at = self.emit(i);
        self.last_write = kind.map(|k| (at, k));
    }

    /// Whether the last emitted instruction just wrote `e` (its own slot, in
    /// its own frame): then its `dst` may be retargeted or the instruction
    /// fused into its consumer.
    fn just_wrote(&self, e: &Entry) -> bool {
        e.local.is_none()
            && self.code.len().checked_sub(1).is_some_and(|last| {
                self.last_write == Some((last, e.kind)) && { self.code[last] }.dst_mut().map(|d| *d)
                    == Some(e.slot)
            })
    }

    fn here(&mut self) -> usize {
        // A label is bound here: the previous instruction's result may be
        // consumed on another path, so it can no longer be retargeted.
        self.last_write = None;
        self.label_at = self.code.len();
        self.start_segment()
    }

    fn copy(&mut self, kind: Kind, dst: Slot, src: Slot) {
        if dst != src {
            match kind {
                Kind::V => self.emit(Instr::Copy { dst, src }),
                Kind::R => self.emit(Instr::RefCopy { dst, src }),
                Kind::W => self.emit(Instr::Copy128 { dst, src }),
            };
        }
    }

    fn materialize_at(&mut self, i: usize) {
        let e = self.stack[i];
        if let Some(l) = e.local {
            self.copy(e.kind, e.slot, l);
            self.stack[i].local = None;
        }
    }

    fn materialize_all(&mut self) {
        for i in 0..self.stack.len() {
            self.materialize_at(i);
        }
    }

    fn materialize_top(&mut self, n: usize) -> Result<()> {
        let len = self.stack.len();
        let start = len
            .checked_sub(n)
            .ok_or_else(|| internal("stack underflow"))?;
        for i in start..len {
            self.materialize_at(i);
        }
        Ok(())
    }

    fn binary(&mut self, wide: bool, f: impl FnOnce(Slot, Slot, Slot) -> Instr) -> Result<()> {
        let b = self.pop()?;
        let a = self.pop()?;
        let dst = self.push(Kind::V)?;
        let op = f(dst, a.src(), b.src());
        if let Some(imm) = self.take_imm(&b, wide)
            && let Some(fused) = op.with_imm(imm)
        {
            // The constant's slot was only read by this op.
            self.code.pop();
            let fused = self.take_shift_into_mask(fused, &a).unwrap_or(fused);
            self.emit_result(fused);
            return Ok(());
        }
        if let Some(fused) = self.take_mul_add(&op, &a, &b) {
            // The product's slot was only read by this add.
            self.code.pop();
            self.emit_result(fused);
            return Ok(());
        }
        self.emit_result(op);
        Ok(())
    }

    /// For `and` with a constant (`I32AndImm`, its constant just removed)
    /// of a temporary `a` that the instruction before that constant
    /// shifted right by a constant, with no label in between: removes the
    /// shift and returns the fused `I32ShrUAndImm`.
    fn take_shift_into_mask(&mut self, and: Instr, a: &Entry) -> Option<Instr> {
        let Instr::I32AndImm { dst, imm: mask, .. } = and else {
            return None;
        };
        // The constant stood at `code.len()`: a label bound there or at
        // the shift's own successor would let another path define `a`.
        if a.local.is_some() || a.kind != Kind::V || self.label_at >= self.code.len() {
            return None;
        }
        let Instr::I32ShrUImm {
            dst: shifted,
            a: src,
            imm,
        } = *self.code.last()?
        else {
            return None;
        };
        if shifted != a.slot {
            return None;
        }
        self.code.pop();
        self.last_write = None;
        Some(Instr::I32ShrUAndImm {
            dst,
            a: src,
            mask,
            shift: (imm & 31) as u8,
        })
    }

    /// For `add` (`dst = a + b`) of a product that the last instruction
    /// just computed into a temporary (`b`, or for integers either
    /// operand): the fused multiply-add that replaces both, if its slots
    /// fit (the caller removes the multiply). Float adds fuse only with the
    /// product on the right, so the operands keep their order.
    fn take_mul_add(&self, add: &Instr, a: &Entry, b: &Entry) -> Option<Instr> {
        let (acc, product) = if self.just_wrote(b) {
            (a, b)
        } else if matches!(add, Instr::I32Add { .. } | Instr::I64Add { .. }) && self.just_wrote(a) {
            (b, a)
        } else {
            return None;
        };
        let narrow = |s: Slot| u16::try_from(s).ok();
        let acc = narrow(acc.src())?;
        let fused = match (*add, *self.code.last()?) {
            (Instr::I32Add { dst, .. }, Instr::I32Mul { dst: p, a, b }) if p == product.slot => {
                Instr::I32MulAdd {
                    dst,
                    acc,
                    a: narrow(a)?,
                    b: narrow(b)?,
                }
            }
            (Instr::I64Add { dst, .. }, Instr::I64Mul { dst: p, a, b }) if p == product.slot => {
                Instr::I64MulAdd {
                    dst,
                    acc,
                    a: narrow(a)?,
                    b: narrow(b)?,
                }
            }
            (Instr::F32Add { dst, .. }, Instr::F32Mul { dst: p, a, b }) if p == product.slot => {
                Instr::F32MulAdd {
                    dst,
                    acc,
                    a: narrow(a)?,
                    b: narrow(b)?,
                }
            }
            (Instr::F64Add { dst, .. }, Instr::F64Mul { dst: p, a, b }) if p == product.slot => {
                Instr::F64MulAdd {
                    dst,
                    acc,
                    a: narrow(a)?,
                    b: narrow(b)?,
                }
            }
            _ => return None,
        };
        Some(fused)
    }

    fn unary(&mut self, out: Kind, f: impl FnOnce(Slot, Slot) -> Instr) -> Result<()> {
        let a = self.pop()?;
        let fresh = self.just_wrote(&a);
        let dst = self.push(out)?;
        let op = f(dst, a.src());
        self.emit_result(op);
        // Remember an `eqz` of a fresh compare (see `take_fused_compare`).
        let n = self.code.len();
        self.negation = (fresh
            && matches!(op, Instr::I32Eqz { .. })
            && fused_branches(&self.code[n - 2]).is_some())
        .then_some(n - 1);
        Ok(())
    }

    fn global_kind(&self, index: u32) -> Result<Kind> {
        let g = self
            .m
            .globals
            .get(index as usize)
            .ok_or_else(|| internal("global"))?;
        kind_of(g.ty)
    }

    fn local(&self, index: u32) -> Result<(Kind, Slot)> {
        self.locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| internal("local"))
    }

    fn local_set(&mut self, index: u32, tee: bool) -> Result<()> {
        let (kind, slot) = self.local(index)?;
        let e = self.pop()?;
        // Lazy readers of the local must see its old value.
        let mut had_readers = false;
        for i in 0..self.stack.len() {
            if self.stack[i].local == Some(slot) && self.stack[i].kind == kind {
                self.materialize_at(i);
                had_readers = true;
            }
        }
        // The value was just written by the last instruction: write it
        // straight into the local instead (same frame: `just_wrote` checks
        // the kind, since a reference slot may have the number of a value
        // slot).
        let retarget = !had_readers && e.kind == kind && self.just_wrote(&e);
        if retarget {
            if let Some(d) = self.code.last_mut().and_then(|i| i.dst_mut()) {
                *d = slot;
            }
            self.last_write = None;
        } else {
            self.copy(kind, slot, e.src());
        }
        if tee {
            let s = self.alloc(kind)?;
            self.stack.push(Entry {
                kind,
                slot: s,
                local: Some(slot),
            });
        }
        Ok(())
    }

    fn op(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator as O;
        if !self.reachable {
            match op {
                O::Block { .. }
                | O::Loop { .. }
                | O::If { .. }
                | O::TryTable { .. }
                | O::Try { .. } => {
                    self.push_dead_ctrl(CtrlKind::Block);
                    return Ok(());
                }
                O::Catch { .. } | O::CatchAll | O::Delegate { .. } => {
                    return self.exception_op(op);
                }
                O::Else => return self.op_else(),
                O::End => return self.op_end(),
                _ => return Ok(()),
            }
        }
        self.charge_op(op);
        match *op {
            O::Unreachable => {
                self.emit(Instr::Trap {
                    code: Trap::UnreachableCodeReached,
                });
                self.set_unreachable()?;
            }
            O::Nop => {}
            O::Block { blockty } => {
                let (p, r) = self.block_type(blockty)?;
                self.materialize_all();
                self.push_ctrl(CtrlKind::Block, p, r)?;
            }
            O::Loop { blockty } => {
                let (p, r) = self.block_type(blockty)?;
                self.materialize_all();
                self.push_ctrl(CtrlKind::Loop, p, r)?;
            }
            O::If { blockty } => self.op_if(blockty)?,
            O::Else => self.op_else()?,
            O::End => self.op_end()?,
            O::Br { relative_depth } => {
                self.branch(relative_depth)?;
                self.set_unreachable()?;
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop_kind(Kind::V)?;
                if let Some((yes, no)) = self.take_fused_compare(&cond) {
                    self.cond_branch(
                        relative_depth,
                        move |o| yes.at_offset(o),
                        move |o| no.at_offset(o),
                    )?;
                } else {
                    let c = cond.src();
                    self.cond_branch(
                        relative_depth,
                        |offset| Instr::BrIf { cond: c, offset },
                        |offset| Instr::BrIfNot { cond: c, offset },
                    )?;
                }
            }
            O::BrTable { ref targets } => {
                let index = self.pop_kind(Kind::V)?.src();
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for t in targets.targets() {
                    depths.push(t.map_err(crate::module::malformed)?);
                }
                depths.push(targets.default());
                let len = targets.len();
                self.emit(Instr::BrTable { index, len });
                let table_start = self.code.len();
                for _ in &depths {
                    self.emit(Instr::Br { offset: 0 });
                }
                for (i, d) in depths.iter().enumerate() {
                    let (idx, moves) = self.branch_moves(*d)?;
                    let trivial = moves.iter().all(|(_, d, s)| d == s);
                    let entry = table_start + i;
                    if trivial && self.ctrl[idx].kind != CtrlKind::Func {
                        if self.ctrl[idx].kind == CtrlKind::Loop {
                            let head = self.ctrl[idx].head;
                            self.patch(entry, head)?;
                        } else {
                            self.ctrl[idx].fixups.push(entry);
                        }
                    } else {
                        let stub = self.here();
                        self.patch(entry, stub)?;
                        self.emit_moves(&moves)?;
                        self.jump_to(idx)?;
                    }
                }
                self.set_unreachable()?;
            }
            O::Return => {
                self.emit_return()?;
                self.set_unreachable()?;
            }
            O::Call { function_index } => self.call(function_index, false)?,
            O::ReturnCall { function_index } => self.call(function_index, true)?,
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false)?,
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, true)?,
            O::CallRef { type_index } => self.call_ref(type_index, false)?,
            O::ReturnCallRef { type_index } => self.call_ref(type_index, true)?,
            O::Drop => {
                self.pop()?;
            }
            O::Select | O::TypedSelect { .. } => {
                let cond = self.pop_kind(Kind::V)?;
                let b = self.pop()?;
                let a = self.pop()?;
                let dst = self.push(a.kind)?;
                if dst != a.slot {
                    return Err(internal("select slot"));
                }
                let (b, cond) = (b.src(), cond.src());
                if let (Kind::V, Ok(b), Ok(cond)) = (a.kind, u16::try_from(b), u16::try_from(cond))
                {
                    // Reads `a` where it is (a local, say) and writes a
                    // result that `local.set` can retarget: no copies.
                    let a = a.src();
                    self.emit_result(Instr::Select { dst, a, b, cond });
                    return Ok(());
                }
                self.copy(a.kind, dst, a.src());
                self.emit(match a.kind {
                    Kind::V => Instr::SelectFar { dst, b, cond },
                    Kind::R => Instr::RefSelect { dst, b, cond },
                    Kind::W => Instr::Select128 { dst, b, cond },
                });
            }
            O::LocalGet { local_index } => {
                let (kind, slot) = self.local(local_index)?;
                let s = self.alloc(kind)?;
                self.stack.push(Entry {
                    kind,
                    slot: s,
                    local: Some(slot),
                });
            }
            O::LocalSet { local_index } => self.local_set(local_index, false)?,
            O::LocalTee { local_index } => self.local_set(local_index, true)?,
            O::GlobalGet { global_index } => {
                let kind = self.global_kind(global_index)?;
                let dst = self.push(kind)?;
                self.emit_result(match kind {
                    Kind::V => Instr::GlobalGet {
                        dst,
                        index: global_index,
                    },
                    Kind::R => Instr::RefGlobalGet {
                        dst,
                        index: global_index,
                    },
                    Kind::W => Instr::GlobalGet128 {
                        dst,
                        index: global_index,
                    },
                });
            }
            O::GlobalSet { global_index } => {
                let kind = self.global_kind(global_index)?;
                let src = self.pop_kind(kind)?.src();
                self.emit(match kind {
                    Kind::V => Instr::GlobalSet {
                        src,
                        index: global_index,
                    },
                    Kind::R => Instr::RefGlobalSet {
                        src,
                        index: global_index,
                    },
                    Kind::W => Instr::GlobalSet128 {
                        src,
                        index: global_index,
                    },
                });
            }
            O::TableGet { .. }
            | O::TableSet { .. }
            | O::TableSize { .. }
            | O::TableGrow { .. }
            | O::TableFill { .. }
            | O::TableCopy { .. }
            | O::TableInit { .. }
            | O::ElemDrop { .. }
            | O::MemorySize { .. }
            | O::MemoryGrow { .. }
            | O::MemoryFill { .. }
            | O::MemoryCopy { .. }
            | O::MemoryInit { .. }
            | O::DataDrop { .. } => self.storage_op(op)?,
            O::I32Const { value } => {
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::Const32 {
                    dst,
                    imm: value as u32,
                });
            }
            O::I64Const { value } => {
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::Const64 {
                    dst,
                    imm: value as u64,
                });
            }
            O::F32Const { value } => {
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::Const32 {
                    dst,
                    imm: value.bits(),
                });
            }
            O::F64Const { value } => {
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::Const64 {
                    dst,
                    imm: value.bits(),
                });
            }
            O::RefNull { .. } => {
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::RefNull { dst });
            }
            O::RefIsNull => self.unary(Kind::V, |dst, src| Instr::RefIsNull { dst, src })?,
            O::RefFunc { function_index } => {
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::RefFunc {
                    dst,
                    func: function_index,
                });
            }
            O::RefAsNonNull => {
                let top = self
                    .stack
                    .last()
                    .ok_or_else(|| internal("ref.as_non_null"))?;
                let src = top.src();
                self.emit(Instr::RefAsNonNull { src });
            }
            O::RefEq => {
                let b = self.pop_kind(Kind::R)?;
                let a = self.pop_kind(Kind::R)?;
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::RefEq {
                    dst,
                    a: a.src(),
                    b: b.src(),
                });
            }
            O::BrOnNull { relative_depth } => {
                let r = self.pop_kind(Kind::R)?;
                let src = r.src();
                self.cond_branch(
                    relative_depth,
                    |offset| Instr::BrOnNull { src, offset },
                    |offset| Instr::BrOnNonNull { src, offset },
                )?;
                self.stack.push(r);
                self.rtop += 1;
            }
            O::BrOnNonNull { relative_depth } => {
                let src = self
                    .stack
                    .last()
                    .ok_or_else(|| internal("br_on_non_null"))?
                    .src();
                self.cond_branch(
                    relative_depth,
                    |offset| Instr::BrOnNonNull { src, offset },
                    |offset| Instr::BrOnNull { src, offset },
                )?;
                self.pop_kind(Kind::R)?;
            }

            ref other => return self.numeric_op(other),
        }
        Ok(())
    }
}

fn pack16(a: u32, b: u32) -> Result<u32> {
    if a > 0xffff || b > 0xffff {
        return Err(Error::unsupported("table or memory index too large"));
    }
    Ok((a << 16) | b)
}
