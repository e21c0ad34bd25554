//! Control flow: blocks, `if`/`else`/`end`, branches and the slot moves
//! that deliver a label's values, and compare-and-branch fusion.

use super::{
    Ctrl, CtrlKind, Entry, Kind, Moves, Translator, internal, kind_of, registry_cval,
    slot_overflow, widths,
};
use crate::error::{Error, Result};
use crate::ir::{Instr, Slot, Step};
use wasmparser::BlockType;

impl Translator<'_> {
    /// Emits copies `dst <- src` that behave as one parallel assignment.
    pub(super) fn emit_moves(&mut self, moves: &[(Kind, Slot, Slot)]) -> Result<()> {
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
    pub(super) fn label_slots(ctrl: &Ctrl) -> Vec<(Kind, Slot)> {
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
    pub(super) fn branch_moves(&self, depth: u32) -> Result<(usize, Moves)> {
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
    pub(super) fn jump_to(&mut self, idx: usize) -> Result<()> {
        if self.ctrl[idx].kind == CtrlKind::Func {
            self.emit(Instr::Return);
            return Ok(());
        }
        if self.ctrl[idx].kind == CtrlKind::Loop {
            let head = self.ctrl[idx].head;
            if self.jump_to_loop_test(head)? {
                return Ok(());
            }
            let at = self.code.len();
            let offset = offset(at, head)?;
            self.emit(Instr::Br { offset });
        } else {
            let at = self.emit(Instr::Br { offset: 0 });
            self.ctrl[idx].fixups.push(at);
        }
        Ok(())
    }

    /// Loop inversion: a jump back to a loop whose first instruction is a
    /// conditional branch forward (the exit test of a `while` loop) runs
    /// that test here instead, negated: back to the instruction after the
    /// test while the loop goes on, else on to the test's target. One
    /// dispatch per iteration instead of two (the jump, then the test);
    /// running the test here is running it after the jump, as nothing
    /// happens in between. Returns whether it applied.
    fn jump_to_loop_test(&mut self, head: usize) -> Result<bool> {
        let Some(negated) = self.code.get(head).and_then(Instr::negated_branch) else {
            return Ok(false);
        };
        // The test's target: a label not yet bound (its fixup is pending).
        // Fixups are pushed in code order, so a binary search finds it (a
        // list out of order could only make it miss: no inversion).
        let Some(exit) = self
            .ctrl
            .iter()
            .rposition(|c| c.fixups.binary_search(&head).is_ok())
        else {
            return Ok(false);
        };
        let negated = self.fuse_into_branch(negated);
        let at = self.emit(negated);
        self.patch(at, head + 1)?;
        let jump = self.emit(Instr::Br { offset: 0 });
        self.ctrl[exit].fixups.push(jump);
        Ok(true)
    }

    /// A complete branch (moves + jump) to `depth`.
    pub(super) fn branch(&mut self, depth: u32) -> Result<()> {
        let (idx, moves) = self.branch_moves(depth)?;
        self.emit_moves(&moves)?;
        self.jump_to(idx)
    }

    /// Emits a conditional branch: `cond_jump(skip_offset_placeholder)` is a
    /// jump taken when the branch is *not* to be taken.
    pub(super) fn cond_branch(
        &mut self,
        depth: u32,
        direct: impl Fn(i32) -> Instr,
        inverse: impl Fn(i32) -> Instr,
    ) -> Result<()> {
        let (idx, moves) = self.branch_moves(depth)?;
        let trivial = moves.iter().all(|(_, d, s)| d == s);
        let target_is_jump = self.ctrl[idx].kind != CtrlKind::Func;
        if trivial && target_is_jump {
            let branch = self.fuse_into_branch(direct(0));
            let at = self.code.len();
            if self.ctrl[idx].kind == CtrlKind::Loop {
                let offset = offset(at, self.ctrl[idx].head)?;
                self.emit(branch.at_offset(offset));
            } else {
                self.emit(branch);
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

    /// Fuses the instruction before the conditional `branch` about to be
    /// emitted into it, if `branch` tests that instruction's result: a loop
    /// counter's in-place step (`i += 1`, `i -= 4`, `p += stride`; `br_if`
    /// on the counter itself too) into a `branch_step` form, an `i32.load`
    /// into a `load_branch` form (`while (a[i] < pivot)`). Returns the
    /// fused branch, that instruction removed, or `branch` unchanged. Not
    /// across a label: a branch to the test must not take the step or the
    /// load.
    fn fuse_into_branch(&mut self, branch: Instr) -> Instr {
        if self.label_at == self.code.len() {
            return branch;
        }
        let Some(&last) = self.code.last() else {
            return branch;
        };
        // `br_if` on the value itself: its fused test of nonzero.
        let test = match branch {
            Instr::BrIf { cond: a, offset } => Instr::BrI32Nez { a, offset },
            Instr::BrIfNot { cond: a, offset } => Instr::BrI32Eqz { a, offset },
            other => other,
        };
        let fused = match last {
            Instr::I32Load { dst, addr, end } => mirrored(test, dst)
                .unwrap_or(test)
                .with_load(dst, addr, end),
            _ => counter_step(last).and_then(|(x, step)| {
                // The step forms compare with a constant instead.
                let test = match test {
                    Instr::BrI32Nez { a, offset } => Instr::BrI32NeImm { a, imm: 0, offset },
                    Instr::BrI32Eqz { a, offset } => Instr::BrI32EqImm { a, imm: 0, offset },
                    other => mirrored(other, x).unwrap_or(other),
                };
                test.with_step(x, step)
            }),
        };
        match fused {
            Some(fused) => {
                self.code.pop();
                self.last_write = None;
                fused
            }
            None => branch,
        }
    }

    pub(super) fn patch(&mut self, at: usize, target: usize) -> Result<()> {
        let off = offset(at, target)?;
        if !self.code[at].set_offset(off) {
            return Err(internal("patching a non-branch"));
        }
        Ok(())
    }

    /// If `cond` is a temporary just produced by a compare (or `eqz`, or
    /// `ref.is_null`), removes that compare and returns the fused
    /// branch-if-true and branch-if-false instructions that replace it.
    pub(super) fn take_fused_compare(&mut self, cond: &Entry) -> Option<(Instr, Instr)> {
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
    pub(super) fn take_imm(&mut self, b: &Entry, wide: bool) -> Option<i32> {
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

    pub(super) fn set_unreachable(&mut self) -> Result<()> {
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

    pub(super) fn block_type(&self, bt: BlockType) -> Result<(Vec<Kind>, Vec<Kind>)> {
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

    pub(super) fn push_ctrl(
        &mut self,
        kind: CtrlKind,
        params: Vec<Kind>,
        results: Vec<Kind>,
    ) -> Result<()> {
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
        self.ctrl.push(Ctrl::new(
            kind,
            (params, results),
            height,
            (vbase, rbase),
            head,
        ));
        Ok(())
    }

    pub(super) fn push_dead_ctrl(&mut self, kind: CtrlKind) {
        let height = self.stack.len();
        let mut c = Ctrl::new(kind, (vec![], vec![]), height, (self.vtop, self.rtop), 0);
        (c.dead, c.reachable_start) = (true, false);
        self.ctrl.push(c);
    }

    pub(super) fn op_if(&mut self, bt: BlockType) -> Result<()> {
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
    pub(super) fn restore_if_params(&mut self, idx: usize) -> Result<()> {
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
    pub(super) fn close_arm(&mut self, idx: usize) -> Result<()> {
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

    pub(super) fn op_else(&mut self) -> Result<()> {
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

    pub(super) fn op_end(&mut self) -> Result<()> {
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
    pub(super) fn emit_return(&mut self) -> Result<()> {
        let depth = (self.ctrl.len() - 1) as u32;
        let (_, moves) = self.branch_moves(depth)?;
        // A single result that the last instruction just computed: compute
        // it into its result slot instead (as `local.set` does; nothing
        // reads the temporary after the `Return`).
        let fused = match moves[..] {
            [(kind, _, _)] => self
                .stack
                .last()
                .is_some_and(|e| e.kind == kind && self.just_wrote(e)),
            _ => false,
        };
        if fused {
            if let (Some(d), [(_, dst, _)]) =
                (self.code.last_mut().and_then(|i| i.dst_mut()), &moves[..])
            {
                *d = *dst;
            }
            self.last_write = None;
        } else {
            self.emit_moves(&moves)?;
        }
        self.emit(Instr::Return);
        Ok(())
    }
}

/// The fused branch-if-true and branch-if-false forms of a compare (the
/// table's numeric compares and `eqz`, and `ref.is_null`), offsets to be
/// set. (`ref.eq` is not fused: two more dispatch arms cost ~0.6% of the
/// instructions of call-heavy code, and compilers rarely branch on it.)
pub(super) fn fused_branches(i: &Instr) -> Option<(Instr, Instr)> {
    Some(match *i {
        Instr::RefIsNull { src, .. } => (
            Instr::BrOnNull { src, offset: 0 },
            Instr::BrOnNonNull { src, offset: 0 },
        ),
        _ => return i.fused_branches(),
    })
}

/// The counter and step of an in-place i32 add (`x = x + k`, `k` in
/// `i16`; `x = x - k`; `x = x + y` or `y + x`).
fn counter_step(i: Instr) -> Option<(Slot, Step)> {
    Some(match i {
        Instr::I32AddImm { dst, a, imm } if dst == a => (dst, Step::Imm(i16::try_from(imm).ok()?)),
        Instr::I32SubImm { dst, a, imm } if dst == a => {
            (dst, Step::Imm(i16::try_from(imm.checked_neg()?).ok()?))
        }
        Instr::I32Add { dst, a, b } if dst == a => (dst, Step::By(b)),
        Instr::I32Add { dst, a, b } if dst == b => (dst, Step::By(a)),
        _ => return None,
    })
}

/// An i32 compare-and-branch whose right operand is `x` (`end != i`,
/// `n > i`), rewritten with `x` on the left (`i != end`, `i < n`); `None`
/// for any other instruction.
fn mirrored(i: Instr, x: Slot) -> Option<Instr> {
    use Instr as I;
    Some(match i {
        I::BrI32Eq { a, b, offset } if b == x => I::BrI32Eq { a: b, b: a, offset },
        I::BrI32Ne { a, b, offset } if b == x => I::BrI32Ne { a: b, b: a, offset },
        I::BrI32LtS { a, b, offset } if b == x => I::BrI32GtS { a: b, b: a, offset },
        I::BrI32LtU { a, b, offset } if b == x => I::BrI32GtU { a: b, b: a, offset },
        I::BrI32GtS { a, b, offset } if b == x => I::BrI32LtS { a: b, b: a, offset },
        I::BrI32GtU { a, b, offset } if b == x => I::BrI32LtU { a: b, b: a, offset },
        I::BrI32LeS { a, b, offset } if b == x => I::BrI32GeS { a: b, b: a, offset },
        I::BrI32LeU { a, b, offset } if b == x => I::BrI32GeU { a: b, b: a, offset },
        I::BrI32GeS { a, b, offset } if b == x => I::BrI32LeS { a: b, b: a, offset },
        I::BrI32GeU { a, b, offset } if b == x => I::BrI32LeU { a: b, b: a, offset },
        _ => return None,
    })
}

pub(super) fn offset(from: usize, to: usize) -> Result<i32> {
    let d = to as i64 - from as i64;
    i32::try_from(d).map_err(|_| Error::unsupported("function too large"))
}
