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
use crate::index::{DefFunc, TypeIdx};
use crate::ir::{
    AllocSite, AllocSource, CallSite, Callee, CastTarget, CompiledFunc, Handler, Instr, LoadKind,
    MemArgs, MemKind, Slot, StoreKind,
};
use crate::module::ModuleInner;

mod exceptions;
mod fuel;
mod gc;
mod numeric;
mod simd;
use crate::registry::CVal;
use wasmparser::{BlockType, FuncValidator, FunctionBody, Operator, ValidatorResources};

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
    t.ctrl.push(Ctrl {
        kind: CtrlKind::Func,
        params: Vec::new(),
        results: result_kinds.clone(),
        height: 0,
        vbase: 0,
        rbase: 0,
        fixups: Vec::new(),
        head: 0,
        else_jump: None,
        dead: false,
        reachable_start: true,
        saved_params: None,
        handler_fixups: Vec::new(),
        eh: None,
    });
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
    Ok(CompiledFunc {
        def: DefFunc(func_index - m.num_imported_funcs),
        code: t.code.into_boxed_slice(),
        value_params,
        ref_params,
        value_locals,
        value_frame: t.vmax.max(nv),
        ref_frame: t.rmax.max(nr),
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

    /// Emits copies `dst <- src` that behave as one parallel assignment.
    fn emit_moves(&mut self, moves: &[(Kind, Slot, Slot)]) -> Result<()> {
        // A v128 move is the move of its two value slots.
        let moves: Vec<_> = moves
            .iter()
            .flat_map(|&(k, d, s)| match k {
                Kind::W => [Some((Kind::V, d, s)), Some((Kind::V, d + 1, s + 1))],
                _ => [Some((k, d, s)), None],
            })
            .flatten()
            .filter(|(_, d, s)| d != s)
            .collect();
        if moves.is_empty() {
            return Ok(());
        }
        // A source written by an earlier move must be read before it is
        // overwritten; in that case go through scratch slots above the stack.
        let mut written_v = std::collections::HashSet::new();
        let mut written_r = std::collections::HashSet::new();
        let mut conflict = false;
        for (k, d, s) in &moves {
            let w = if *k == Kind::V {
                &mut written_v
            } else {
                &mut written_r
            };
            if w.contains(s) {
                conflict = true;
                break;
            }
            w.insert(*d);
        }
        if !conflict {
            for (k, d, s) in moves {
                self.copy(k, d, s);
            }
            return Ok(());
        }
        let (v0, r0) = (self.vtop, self.rtop);
        let mut scratch = Vec::with_capacity(moves.len());
        for (k, _, s) in &moves {
            let t = self.alloc(*k)?;
            self.copy(*k, t, *s);
            scratch.push(t);
        }
        for ((k, d, _), t) in moves.iter().zip(scratch) {
            self.copy(*k, *d, t);
        }
        self.vtop = v0;
        self.rtop = r0;
        Ok(())
    }

    /// The slots where a branch to `ctrl` delivers its values.
    fn label_slots(ctrl: &Ctrl) -> Vec<(Kind, Slot)> {
        let kinds = if ctrl.kind == CtrlKind::Loop {
            &ctrl.params
        } else {
            &ctrl.results
        };
        let (mut v, mut r) = (ctrl.vbase, ctrl.rbase);
        kinds
            .iter()
            .map(|&k| match k {
                Kind::V | Kind::W => {
                    v += k.width().0;
                    (k, v - k.width().0)
                }
                Kind::R => {
                    r += 1;
                    (Kind::R, r - 1)
                }
            })
            .collect()
    }

    /// Moves for delivering the top stack values to the label at `depth`.
    fn branch_moves(&self, depth: u32) -> Result<(usize, Moves)> {
        let idx = self
            .ctrl
            .len()
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| internal("branch depth"))?;
        let slots = Self::label_slots(&self.ctrl[idx]);
        let n = slots.len();
        let start = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| internal("branch arity"))?;
        let moves = slots
            .iter()
            .zip(&self.stack[start..])
            .map(|((k, d), e)| (*k, *d, e.src()))
            .collect();
        Ok((idx, moves))
    }

    /// Emits a jump to the label of control frame `idx` (values already moved).
    fn jump_to(&mut self, idx: usize) -> Result<()> {
        if self.ctrl[idx].kind == CtrlKind::Func {
            self.emit(Instr::Return);
            return Ok(());
        }
        if self.ctrl[idx].kind == CtrlKind::Loop {
            let head = self.ctrl[idx].head;
            let at = self.code.len();
            let offset = offset(at, head)?;
            self.emit(Instr::Br { offset });
        } else {
            let at = self.emit(Instr::Br { offset: 0 });
            self.ctrl[idx].fixups.push(at);
        }
        Ok(())
    }

    /// A complete branch (moves + jump) to `depth`.
    fn branch(&mut self, depth: u32) -> Result<()> {
        let (idx, moves) = self.branch_moves(depth)?;
        self.emit_moves(&moves)?;
        self.jump_to(idx)
    }

    /// Emits a conditional branch: `cond_jump(skip_offset_placeholder)` is a
    /// jump taken when the branch is *not* to be taken.
    fn cond_branch(
        &mut self,
        depth: u32,
        direct: impl Fn(i32) -> Instr,
        inverse: impl Fn(i32) -> Instr,
    ) -> Result<()> {
        let (idx, moves) = self.branch_moves(depth)?;
        let trivial = moves.iter().all(|(_, d, s)| d == s);
        let target_is_jump = self.ctrl[idx].kind != CtrlKind::Func;
        if trivial && target_is_jump {
            let at = self.code.len();
            if self.ctrl[idx].kind == CtrlKind::Loop {
                let offset = offset(at, self.ctrl[idx].head)?;
                self.emit(direct(offset));
            } else {
                self.emit(direct(0));
                self.ctrl[idx].fixups.push(at);
            }
        } else {
            let skip = self.emit(inverse(0));
            self.emit_moves(&moves)?;
            self.jump_to(idx)?;
            let end = self.here();
            self.patch(skip, end)?;
        }
        // The fall-through path is a segment of its own.
        self.start_segment();
        Ok(())
    }

    fn patch(&mut self, at: usize, target: usize) -> Result<()> {
        let off = offset(at, target)?;
        if !self.code[at].set_offset(off) {
            return Err(internal("patching a non-branch"));
        }
        Ok(())
    }

    /// If `cond` is a temporary just produced by a compare (or `eqz`, or
    /// `ref.is_null`), removes that compare and returns the fused
    /// branch-if-true and branch-if-false instructions that replace it.
    fn take_fused_compare(&mut self, cond: &Entry) -> Option<(Instr, Instr)> {
        if !self.just_wrote(cond) {
            return None;
        }
        let n = self.code.len();
        if let (Some(at), Instr::I32Eqz { dst, src }) = (self.negation, *self.code.last()?)
            && at + 1 == n
            && dst == src
            && let Some((yes, no)) = fused_branches(&self.code[n - 2])
        {
            // `eqz` of a fresh compare whose result it overwrote: branch on
            // the compare with the polarities swapped.
            self.code.truncate(n - 2);
            self.last_write = None;
            self.negation = None;
            return Some((no, yes));
        }
        let fused = fused_branches(self.code.last()?)?;
        self.code.pop();
        self.last_write = None;
        Some(fused)
    }

    /// The immediate right operand of a binary op, if `b` is a temporary
    /// just produced by a constant that fits in `i32`: removes that constant.
    fn take_imm(&mut self, b: &Entry, wide: bool) -> Option<i32> {
        if !self.just_wrote(b) {
            return None;
        }
        let imm = match *self.code.last()? {
            Instr::Const32 { dst, imm } if dst == b.slot && !wide => imm as i32,
            Instr::Const64 { dst, imm } if dst == b.slot && wide => {
                i32::try_from(imm as i64).ok()?
            }
            _ => return None,
        };
        Some(imm)
    }

    fn set_unreachable(&mut self) -> Result<()> {
        let ctrl = self.ctrl.last().ok_or_else(|| internal("no frame"))?;
        let (h, mut v, mut r) = (ctrl.height, ctrl.vbase, ctrl.rbase);
        if ctrl.kind == CtrlKind::Func {
            // The function's label slots are its result slots (0..); its
            // operand stack starts above the locals.
            (v, r) = self.locals_top;
        }
        // Values of the current block are dead; keep the outer ones.
        self.stack.truncate(h);
        self.vtop = v;
        self.rtop = r;
        self.reachable = false;
        Ok(())
    }

    fn block_type(&self, bt: BlockType) -> Result<(Vec<Kind>, Vec<Kind>)> {
        match bt {
            BlockType::Empty => Ok((vec![], vec![])),
            BlockType::Type(t) => Ok((vec![], vec![kind_of(registry_cval(self.m, t)?)?])),
            BlockType::FuncType(idx) => {
                let ty = self
                    .m
                    .types
                    .get(idx as usize)
                    .ok_or_else(|| internal("block type"))?;
                let (p, r) = ty
                    .info()
                    .as_func()
                    .ok_or_else(|| internal("block type kind"))?;
                Ok((
                    p.iter().map(|v| kind_of(*v)).collect::<Result<_>>()?,
                    r.iter().map(|v| kind_of(*v)).collect::<Result<_>>()?,
                ))
            }
        }
    }

    fn push_ctrl(&mut self, kind: CtrlKind, params: Vec<Kind>, results: Vec<Kind>) -> Result<()> {
        let n = params.len();
        let height = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| internal("block params"))?;
        let (mut vbase, mut rbase) = (self.vtop, self.rtop);
        for e in &self.stack[height..] {
            let (v, r) = e.kind.width();
            vbase -= v;
            rbase -= r;
        }
        // Only a loop's start is a label (the others' `head` is where the
        // block's code starts, e.g. a `try_table`'s handler range).
        let head = if kind == CtrlKind::Loop {
            let head = self.here();
            self.check_epoch();
            head
        } else {
            self.last_write = None;
            self.code.len()
        };
        self.ctrl.push(Ctrl {
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
        });
        Ok(())
    }

    fn push_dead_ctrl(&mut self, kind: CtrlKind) {
        self.ctrl.push(Ctrl {
            kind,
            params: vec![],
            results: vec![],
            height: self.stack.len(),
            vbase: self.vtop,
            rbase: self.rtop,
            fixups: vec![],
            head: 0,
            else_jump: None,
            dead: true,
            reachable_start: false,
            saved_params: None,
            handler_fixups: Vec::new(),
            eh: None,
        });
    }

    fn op_if(&mut self, bt: BlockType) -> Result<()> {
        let (params, results) = self.block_type(bt)?;
        let cond = self.pop_kind(Kind::V)?;
        // `if` on a fresh compare jumps to `else` with the inverted fused
        // compare (its operands are not touched by the copies below).
        let fused = if params.is_empty() {
            self.take_fused_compare(&cond).map(|(_, no)| no)
        } else {
            None
        };
        self.materialize_all();
        let mut cond_slot = cond.src();
        if !params.is_empty() && cond.local.is_none() {
            // The parameter copies made below start at the condition's own
            // slot: move the condition above them first.
            let nv = widths(&params).0;
            let tmp = self.vtop.checked_add(nv).ok_or_else(slot_overflow)?;
            self.vmax = self.vmax.max(tmp + 1);
            self.copy(Kind::V, tmp, cond_slot);
            cond_slot = tmp;
        }
        let saved = if params.is_empty() {
            None
        } else {
            // Both branches start from the parameters, but the `then` branch
            // may overwrite their slots. Keep the originals where they are
            // (as hidden entries of the enclosing block) and let the branches
            // work on copies pushed above them.
            let n = params.len();
            let start = self.stack.len() - n;
            let saved_at = (start, self.vtop, self.rtop);
            let originals: Vec<Entry> = self.stack[start..].to_vec();
            let (v0, r0) = (
                originals
                    .iter()
                    .find(|e| e.kind != Kind::R)
                    .map_or(self.vtop, |e| e.slot),
                originals
                    .iter()
                    .find(|e| e.kind == Kind::R)
                    .map_or(self.rtop, |e| e.slot),
            );
            for e in &originals {
                let d = self.push(e.kind)?;
                self.copy(e.kind, d, e.slot);
            }
            Some((saved_at.0, v0, r0))
        };
        self.push_ctrl(CtrlKind::If, params, results)?;
        let jump = self.emit(fused.unwrap_or(Instr::BrIfNot {
            cond: cond_slot,
            offset: 0,
        }));
        let c = self.ctrl.last_mut().ok_or_else(|| internal("if"))?;
        c.else_jump = Some(jump);
        c.saved_params = saved;
        self.start_segment();
        Ok(())
    }

    /// Re-creates an `if`'s parameters for the `else` branch.
    fn restore_if_params(&mut self, idx: usize) -> Result<()> {
        let c = &self.ctrl[idx];
        let (h, vb, rb) = (c.height, c.vbase, c.rbase);
        let params = c.params.clone();
        self.stack.truncate(h);
        self.vtop = vb;
        self.rtop = rb;
        let saved = c.saved_params;
        let (mut sv, mut sr) = saved.map_or((0, 0), |(_, v, r)| (v, r));
        for k in params {
            let d = self.push(k)?;
            if saved.is_some() {
                let (w, wr) = k.width();
                let s = if k == Kind::R { sr } else { sv };
                sv += w;
                sr += wr;
                self.copy(k, d, s);
            }
        }
        Ok(())
    }

    /// Ends an arm of block `idx` (the innermost) that another arm follows:
    /// an `if`'s `then`, a legacy `try`'s body or catch clause. If the arm's
    /// end is reachable, delivers its results and jumps to the block's end.
    fn close_arm(&mut self, idx: usize) -> Result<()> {
        if self.reachable {
            let n = self.ctrl[idx].results.len();
            self.materialize_top(n)?;
            let (_, moves) = self.branch_moves(0)?;
            self.emit_moves(&moves)?;
            let at = self.emit(Instr::Br { offset: 0 });
            self.ctrl[idx].fixups.push(at);
        }
        Ok(())
    }

    fn op_else(&mut self) -> Result<()> {
        let idx = self.ctrl.len() - 1;
        if self.ctrl[idx].dead {
            self.ctrl[idx].kind = CtrlKind::Else;
            return Ok(());
        }
        self.close_arm(idx)?;
        let here = self.here();
        if let Some(j) = self.ctrl[idx].else_jump.take() {
            self.patch(j, here)?;
        }
        self.ctrl[idx].kind = CtrlKind::Else;
        self.restore_if_params(idx)?;
        self.reachable = self.ctrl[idx].reachable_start;
        Ok(())
    }

    fn op_end(&mut self) -> Result<()> {
        let idx = self.ctrl.len() - 1;
        if self.ctrl[idx].dead {
            self.ctrl.pop();
            return Ok(());
        }
        self.end_try(idx)?;
        let kind = self.ctrl[idx].kind;
        if kind == CtrlKind::Func {
            if self.reachable {
                self.emit_return()?;
            }
            let c = self.ctrl.pop().ok_or_else(|| internal("end"))?;
            // Branches to the function label are returns, never fixups.
            if !c.fixups.is_empty() {
                return Err(internal("branch to function end"));
            }
            return Ok(());
        }
        if self.reachable {
            let n = self.ctrl[idx].results.len();
            self.materialize_top(n)?;
            let (_, moves) = if kind == CtrlKind::Loop {
                // Fall-through out of a loop delivers its results, which sit
                // at the block base like any block's.
                let c = &self.ctrl[idx];
                let (mut v, mut r) = (c.vbase, c.rbase);
                let start = self.stack.len() - n;
                let moves: Vec<_> = c
                    .results
                    .iter()
                    .zip(&self.stack[start..])
                    .map(|(&k, e)| {
                        let at = if k == Kind::R { r } else { v };
                        let (w, wr) = k.width();
                        v += w;
                        r += wr;
                        (k, at, e.src())
                    })
                    .collect();
                (idx, moves)
            } else {
                self.branch_moves(0)?
            };
            self.emit_moves(&moves)?;
        }
        let mut c = self.ctrl.pop().ok_or_else(|| internal("end"))?;
        let here = self.here();
        let mut reachable = self.reachable;
        if let Some(j) = c.else_jump.take() {
            // `if` without `else`: the false path carries the parameters
            // (which equal the results) straight to the end.
            self.patch(j, here)?;
            reachable |= c.reachable_start;
        }
        for f in std::mem::take(&mut c.fixups) {
            self.patch(f, here)?;
            reachable = true;
        }
        reachable |= self.bind_handler_fixups(&mut c, here)?;
        // The block's results now sit at its base slots.
        self.stack.truncate(c.height);
        self.vtop = c.vbase;
        self.rtop = c.rbase;
        for k in &c.results {
            self.push(*k)?;
        }
        if let Some((orig_height, v0, r0)) = c.saved_params {
            // Move the results down over the saved parameters.
            let n = c.results.len();
            let results: Vec<Entry> = self.stack[self.stack.len() - n..].to_vec();
            let (mut v, mut r) = (v0, r0);
            let mut moves = Vec::new();
            for e in &results {
                let at = if e.kind == Kind::R { r } else { v };
                moves.push((e.kind, at, e.slot));
                let (w, wr) = e.kind.width();
                v += w;
                r += wr;
            }
            if reachable {
                self.emit_moves(&moves)?;
            }
            self.stack.truncate(orig_height);
            self.vtop = v0;
            self.rtop = r0;
            for k in &c.results {
                self.push(*k)?;
            }
        }
        self.reachable = reachable;
        Ok(())
    }

    /// Moves the function's results to slots 0.. and returns.
    fn emit_return(&mut self) -> Result<()> {
        let depth = (self.ctrl.len() - 1) as u32;
        let (_, moves) = self.branch_moves(depth)?;
        self.emit_moves(&moves)?;
        self.emit(Instr::Return);
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
            self.emit_result(fused);
            return Ok(());
        }
        self.emit_result(op);
        Ok(())
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

    fn mem_index(memarg: &wasmparser::MemArg) -> Result<u32> {
        match memarg.target {
            wasmparser::MemArgTarget::Memory(m) => Ok(m),
            wasmparser::MemArgTarget::Array(_) => Err(Error::unsupported(
                "memory access to GC arrays is not supported",
            )),
        }
    }

    fn mem_site(&mut self, memarg: &wasmparser::MemArg, kind: MemKind) -> Result<u32> {
        let mem = Self::mem_index(memarg)?;
        let site = u32::try_from(self.mem_args.len()).map_err(|_| slot_overflow())?;
        self.mem_args.push(MemArgs {
            mem,
            offset: memarg.offset,
            kind,
        });
        Ok(site)
    }

    /// The `end` operand (static offset plus access `size`) of a compact
    /// memory-0 access, if it has one: memory 0 is 32-bit and the end fits
    /// in 32 bits (else the access goes through `LoadExt`/`StoreExt`).
    fn compact(&self, memarg: &wasmparser::MemArg, size: u64) -> Option<u32> {
        let index = Self::mem_index(memarg).ok()?;
        let m = self.m.memories.get(index as usize)?;
        if index == 0 && !m.is64 {
            u32::try_from(memarg.offset.checked_add(size)?).ok()
        } else {
            None
        }
    }

    fn load(
        &mut self,
        memarg: &wasmparser::MemArg,
        kind: LoadKind,
        f: impl FnOnce(Slot, Slot, u32) -> Instr,
    ) -> Result<()> {
        let addr = self.pop_kind(Kind::V)?;
        let dst = self.push(Kind::V)?;
        match self.compact(memarg, kind.size()) {
            Some(end) => self.emit_result(f(dst, addr.src(), end)),
            None => {
                let site = self.mem_site(memarg, MemKind::Load(kind))?;
                self.emit_result(Instr::LoadExt {
                    dst,
                    addr: addr.src(),
                    site,
                });
            }
        }
        Ok(())
    }

    fn store(
        &mut self,
        memarg: &wasmparser::MemArg,
        kind: StoreKind,
        f: impl FnOnce(Slot, Slot, u32) -> Instr,
    ) -> Result<()> {
        let val = self.pop_kind(Kind::V)?;
        let addr = self.pop_kind(Kind::V)?;
        match self.compact(memarg, kind.size()) {
            Some(end) => {
                self.emit(f(addr.src(), val.src(), end));
            }
            None => {
                let site = self.mem_site(memarg, MemKind::Store(kind))?;
                self.emit(Instr::StoreExt {
                    addr: addr.src(),
                    val: val.src(),
                    site,
                });
            }
        }
        Ok(())
    }

    /// Pops `n` value operands that must sit in consecutive slots; returns
    /// the first slot.
    fn pop_consecutive(&mut self, n: usize) -> Result<Slot> {
        self.materialize_top(n)?;
        let mut first = 0;
        for _ in 0..n {
            first = self.pop_kind(Kind::V)?.slot;
        }
        Ok(first)
    }

    fn sig(&self, type_index: u32) -> Result<(Vec<Kind>, Vec<Kind>)> {
        self.block_type(BlockType::FuncType(type_index))
    }

    /// Pops call arguments (already in their own slots) and returns the
    /// callee frame bases.
    fn call_args(&mut self, params: &[Kind]) -> Result<(Slot, Slot)> {
        self.materialize_top(params.len())?;
        for _ in params {
            self.pop()?;
        }
        Ok((self.vtop, self.rtop))
    }

    fn site(&mut self, vbase: Slot, rbase: Slot, callee: Callee) -> Result<u32> {
        let site = u32::try_from(self.sites.len()).map_err(|_| slot_overflow())?;
        self.sites.push(CallSite {
            vbase,
            rbase,
            callee,
        });
        Ok(site)
    }

    /// Records an allocation site; returns its index.
    pub(super) fn alloc_site(
        &mut self,
        (vbase, rbase): (Slot, Slot),
        ty: u32,
        source: AllocSource,
    ) -> Result<u32> {
        let site = u32::try_from(self.alloc_sites.len()).map_err(|_| slot_overflow())?;
        self.alloc_sites.push(AllocSite {
            vbase,
            rbase,
            ty: TypeIdx(ty),
            source,
        });
        Ok(site)
    }

    fn push_results(&mut self, results: &[Kind]) -> Result<()> {
        for k in results {
            self.push(*k)?;
        }
        Ok(())
    }

    fn call(&mut self, func: u32, tail: bool) -> Result<()> {
        let ty = *self
            .m
            .funcs
            .get(func as usize)
            .ok_or_else(|| internal("callee"))?;
        let (params, results) = self.sig(ty)?;
        let (vbase, rbase) = self.call_args(&params)?;
        if func < self.m.num_imported_funcs {
            let site = self.site(vbase, rbase, Callee::Imported(func))?;
            self.emit(match tail {
                false => Instr::CallImported { site },
                true => Instr::ReturnCallImported { site },
            });
        } else {
            let def = DefFunc(func - self.m.num_imported_funcs);
            self.emit(match tail {
                false => Instr::CallInternal { vbase, rbase, def },
                true => Instr::ReturnCallInternal { vbase, rbase, def },
            });
        }
        if tail {
            self.set_unreachable()
        } else {
            self.push_results(&results)
        }
    }

    fn call_indirect(&mut self, ty: u32, table: u32, tail: bool) -> Result<()> {
        let (params, results) = self.sig(ty)?;
        let index = self.pop_kind(Kind::V)?;
        let (vbase, rbase) = self.call_args(&params)?;
        let type_id = self
            .m
            .types
            .get(ty as usize)
            .ok_or_else(|| internal("type"))?
            .id();
        let callee = Callee::Table {
            table,
            ty: TypeIdx(ty),
            type_id,
        };
        let site = self.site(vbase, rbase, callee)?;
        let index = index.src();
        self.emit(if tail {
            Instr::ReturnCallIndirect { index, site }
        } else {
            Instr::CallIndirect { index, site }
        });
        if tail {
            self.set_unreachable()
        } else {
            self.push_results(&results)
        }
    }

    fn call_ref(&mut self, ty: u32, tail: bool) -> Result<()> {
        let (params, results) = self.sig(ty)?;
        let func = self.pop_kind(Kind::R)?;
        let (vbase, rbase) = self.call_args(&params)?;
        let site = self.site(vbase, rbase, Callee::Ref)?;
        let func = func.src();
        self.emit(if tail {
            Instr::ReturnCallRef { func, site }
        } else {
            Instr::CallRef { func, site }
        });
        if tail {
            self.set_unreachable()
        } else {
            self.push_results(&results)
        }
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
                self.copy(a.kind, dst, a.src());
                let (b, cond) = (b.src(), cond.src());
                self.emit(match a.kind {
                    Kind::V => Instr::Select { dst, b, cond },
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
            O::TableGet { table } => {
                let index = self.pop_kind(Kind::V)?.src();
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::TableGet { dst, index, table });
            }
            O::TableSet { table } => {
                let src = self.pop_kind(Kind::R)?.src();
                let index = self.pop_kind(Kind::V)?.src();
                self.emit(Instr::TableSet { index, src, table });
            }
            O::TableSize { table } => {
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::TableSize { dst, table });
            }
            O::TableGrow { table } => {
                let delta = self.pop_consecutive(1)?;
                let init = self.pop_kind(Kind::R)?.src();
                let dst = self.push(Kind::V)?;
                if dst != delta {
                    return Err(internal("table.grow slot"));
                }
                self.emit(Instr::TableGrow { dst, init, table });
            }
            O::TableFill { table } => {
                let n = self.pop_kind(Kind::V)?;
                let val = self.pop_kind(Kind::R)?;
                let start = self.pop_kind(Kind::V)?;
                // start and n are adjacent in the value frame.
                self.copy(Kind::V, start.slot, start.src());
                self.copy(Kind::V, n.slot, n.src());
                self.emit(Instr::TableFill {
                    args: start.slot,
                    val: val.src(),
                    table,
                });
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let args = self.pop_consecutive(3)?;
                let tables = pack16(dst_table, src_table)?;
                self.emit(Instr::TableCopy { args, tables });
            }
            O::TableInit { elem_index, table } => {
                let args = self.pop_consecutive(3)?;
                self.emit(Instr::TableInit {
                    args,
                    seg: elem_index,
                    table,
                });
            }
            O::ElemDrop { elem_index } => {
                self.emit(Instr::ElemDrop { seg: elem_index });
            }
            O::MemorySize { mem } => {
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::MemorySize { dst, mem });
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop_kind(Kind::V)?.src();
                let dst = self.push(Kind::V)?;
                self.emit(Instr::MemoryGrow { dst, delta, mem });
            }
            O::MemoryFill { mem } => {
                let args = self.pop_consecutive(3)?;
                self.emit(Instr::MemoryFill { args, mem });
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let args = self.pop_consecutive(3)?;
                let mems = pack16(dst_mem, src_mem)?;
                self.emit(Instr::MemoryCopy { args, mems });
            }
            O::MemoryInit { data_index, mem } => {
                let args = self.pop_consecutive(3)?;
                self.emit(Instr::MemoryInit {
                    args,
                    seg: data_index,
                    mem,
                });
            }
            O::DataDrop { data_index } => {
                self.emit(Instr::DataDrop { seg: data_index });
            }
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

/// The fused branch-if-true and branch-if-false forms of a compare (the
/// table's numeric compares and `eqz`, and `ref.is_null`), offsets to be
/// set. (`ref.eq` is not fused: two more dispatch arms cost ~0.6% of the
/// instructions of call-heavy code, and compilers rarely branch on it.)
fn fused_branches(i: &Instr) -> Option<(Instr, Instr)> {
    Some(match *i {
        Instr::RefIsNull { src, .. } => (
            Instr::BrOnNull { src, offset: 0 },
            Instr::BrOnNonNull { src, offset: 0 },
        ),
        _ => return i.fused_branches(),
    })
}

fn offset(from: usize, to: usize) -> Result<i32> {
    let d = to as i64 - from as i64;
    i32::try_from(d).map_err(|_| Error::unsupported("function too large"))
}

fn pack16(a: u32, b: u32) -> Result<u32> {
    if a > 0xffff || b > 0xffff {
        return Err(Error::unsupported("table or memory index too large"));
    }
    Ok((a << 16) | b)
}
