//! Translation of exception handling: `throw`, `throw_ref`, `try_table`,
//! and the legacy `try`/`catch`/`catch_all`/`delegate`/`rethrow`.
//!
//! Handlers cost nothing until something is thrown: a `try_table` (or
//! `try`) emits no instruction; its catch clauses become entries of the
//! function's handler table (`ir::Handler`), each covering the
//! instruction range of the protected body. A `try_table` catch delivers
//! the payload straight into the slots of its target label and jumps to
//! the label (the block's end, a loop's head, or a `Return` for the
//! function's label), exactly like a branch. A legacy `catch` clause
//! receives the payload at the `try` block's base and keeps the exception
//! in a hidden reference local for `rethrow`.

use super::{Ctrl, CtrlKind, Kind, Translator, internal};
use crate::error::{Error, Result};
use crate::ir::{Handler, HandlerKind, Instr};
use wasmparser::{Catch, FunctionBody, Operator};

/// What a `try_table` or legacy `try` block remembers until it ends.
#[derive(Debug)]
pub(super) struct TryState {
    /// `try_table`'s catch clauses (empty for a legacy `try`).
    catches: Vec<Catch>,
    /// First instruction of the protected body.
    start: usize,
    /// Legacy `try`: the hidden reference slot of the caught exception.
    legacy_exn: Option<u32>,
    /// Legacy `try`: the end of the protected body, once a `catch` or
    /// `catch_all` has been seen.
    body_end: Option<usize>,
}

/// The deepest nesting of legacy `try` blocks in a body (each nesting
/// level gets a hidden reference local for its caught exception).
pub(super) fn legacy_try_depth(body: &FunctionBody<'_>) -> Result<u32> {
    let mut reader = body
        .get_operators_reader()
        .map_err(crate::module::malformed)?;
    let mut blocks: Vec<bool> = Vec::new();
    let (mut depth, mut max) = (0u32, 0u32);
    while !reader.eof() {
        let op = reader.read().map_err(crate::module::malformed)?;
        let closes = matches!(op, Operator::End | Operator::Delegate { .. });
        if closes && blocks.pop() == Some(true) {
            depth -= 1;
        }
        match op {
            Operator::Try { .. } => {
                blocks.push(true);
                depth += 1;
                max = max.max(depth);
            }
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. } => blocks.push(false),
            _ => {}
        }
    }
    Ok(max)
}

impl Translator<'_> {
    /// Translates an exception-handling instruction (the end of the
    /// operator chain: anything else is not supported).
    pub(super) fn exception_op(&mut self, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Throw { tag_index } => {
                let params = self.tag_params(*tag_index)?;
                let (vbase, rbase) = self.call_args(&params)?;
                self.emit(Instr::Throw {
                    tag: *tag_index,
                    vbase,
                    rbase,
                });
                self.set_unreachable()
            }
            Operator::ThrowRef => {
                let src = self.pop_kind(Kind::R)?.src();
                self.emit(Instr::ThrowRef { src });
                self.set_unreachable()
            }
            Operator::TryTable { try_table } => {
                let (p, r) = self.block_type(try_table.ty)?;
                self.materialize_all();
                self.push_ctrl(CtrlKind::Block, p, r)?;
                let c = self.ctrl.last_mut().ok_or_else(|| internal("try_table"))?;
                c.eh = Some(Box::new(TryState {
                    catches: try_table.catches.clone(),
                    start: c.head,
                    legacy_exn: None,
                    body_end: None,
                }));
                Ok(())
            }
            Operator::Try { blockty } => {
                let (p, r) = self.block_type(*blockty)?;
                self.materialize_all();
                self.push_ctrl(CtrlKind::Block, p, r)?;
                let slot = self
                    .legacy_base
                    .checked_add(self.legacy_depth)
                    .ok_or_else(|| internal("legacy try depth"))?;
                self.legacy_depth += 1;
                let c = self.ctrl.last_mut().ok_or_else(|| internal("try"))?;
                c.eh = Some(Box::new(TryState {
                    catches: Vec::new(),
                    start: c.head,
                    legacy_exn: Some(slot),
                    body_end: None,
                }));
                Ok(())
            }
            Operator::Catch { tag_index } => self.legacy_catch(Some(*tag_index)),
            Operator::CatchAll => self.legacy_catch(None),
            Operator::Delegate { relative_depth } => self.delegate(*relative_depth),
            Operator::Rethrow { relative_depth } => {
                let idx = self
                    .ctrl
                    .len()
                    .checked_sub(1 + *relative_depth as usize)
                    .ok_or_else(|| internal("rethrow depth"))?;
                let src = self.ctrl[idx]
                    .eh
                    .as_ref()
                    .and_then(|e| e.legacy_exn)
                    .ok_or_else(|| internal("rethrow target"))?;
                self.emit(Instr::ThrowRef { src });
                self.set_unreachable()
            }
            other => Err(Error::unsupported(format!(
                "instruction not supported yet: {other:?}"
            ))),
        }
    }

    fn tag_params(&self, tag: u32) -> Result<Vec<Kind>> {
        let ty = *self
            .m
            .tags
            .get(tag as usize)
            .ok_or_else(|| internal("tag"))?;
        Ok(self.sig(ty)?.0)
    }

    fn add_handler(&mut self, h: Handler) -> Result<usize> {
        if self.handlers.len() >= u32::MAX as usize {
            return Err(internal("too many handlers"));
        }
        self.handlers.push(h);
        Ok(self.handlers.len() - 1)
    }

    /// Called when the block `idx` with exception state ends (before its
    /// end is bound): records a `try_table`'s handlers, or closes a
    /// legacy `try`.
    pub(super) fn end_try(&mut self, idx: usize) -> Result<()> {
        let Some(st) = self.ctrl[idx].eh.take() else {
            return Ok(());
        };
        if st.legacy_exn.is_some() {
            self.legacy_depth = self.legacy_depth.saturating_sub(1);
            return Ok(());
        }
        let (start, end) = (u32_of(st.start)?, u32_of(self.code.len())?);
        for c in &st.catches {
            let (label, tag, with_ref) = match *c {
                Catch::One { tag, label } => (label, Some(tag), false),
                Catch::OneRef { tag, label } => (label, Some(tag), true),
                Catch::All { label } => (label, None, false),
                Catch::AllRef { label } => (label, None, true),
            };
            // Catch labels are relative to the block around the try_table.
            let target = idx
                .checked_sub(1 + label as usize)
                .ok_or_else(|| internal("catch label"))?;
            let t = &self.ctrl[target];
            let (vbase, rbase) = (t.vbase, t.rbase);
            let payload_refs = match tag {
                Some(tag) => self
                    .tag_params(tag)?
                    .iter()
                    .filter(|k| **k == Kind::R)
                    .count() as u32,
                None => 0,
            };
            let exn = with_ref.then_some(rbase + payload_refs);
            let h = self.add_handler(Handler {
                start,
                end,
                depth: idx as u32,
                kind: HandlerKind::Catch {
                    tag,
                    target: 0,
                    vbase,
                    rbase,
                    exn,
                },
            })?;
            self.bind_handler(h, target)?;
        }
        Ok(())
    }

    /// Makes handler `h` jump to the label of control frame `target`.
    fn bind_handler(&mut self, h: usize, target: usize) -> Result<()> {
        let t = &mut self.ctrl[target];
        match t.kind {
            CtrlKind::Loop => {
                let head = u32_of(t.head)?;
                set_target(&mut self.handlers[h], head);
            }
            CtrlKind::Func => self.return_pads.push(h),
            _ => t.handler_fixups.push(h),
        }
        Ok(())
    }

    /// Binds the handlers waiting for the end of `c` to `here`.
    pub(super) fn bind_handler_fixups(&mut self, c: &mut Ctrl, here: usize) -> Result<bool> {
        let here = u32_of(here)?;
        let fixups = std::mem::take(&mut c.handler_fixups);
        for h in &fixups {
            set_target(&mut self.handlers[*h], here);
        }
        Ok(!fixups.is_empty())
    }

    /// Emits the `Return` that handlers targeting the function's label
    /// jump to (their payload is already in the result slots).
    pub(super) fn emit_return_pad(&mut self) -> Result<()> {
        if self.return_pads.is_empty() {
            return Ok(());
        }
        let at = u32_of(self.code.len())?;
        self.emit(Instr::Return);
        for h in std::mem::take(&mut self.return_pads) {
            set_target(&mut self.handlers[h], at);
        }
        Ok(())
    }

    /// Legacy `catch $tag` (or `catch_all` for `None`).
    fn legacy_catch(&mut self, tag: Option<u32>) -> Result<()> {
        let idx = self.ctrl.len() - 1;
        if self.ctrl[idx].dead {
            return Ok(());
        }
        self.close_arm(idx)?;
        let here = self.here();
        let c = &mut self.ctrl[idx];
        let st = c.eh.as_mut().ok_or_else(|| internal("catch outside try"))?;
        let body_end = *st.body_end.get_or_insert(here);
        let (start, exn) = (st.start, st.legacy_exn);
        let (h, vb, rb) = (c.height, c.vbase, c.rbase);
        let reachable_start = c.reachable_start;
        self.add_handler(Handler {
            start: u32_of(start)?,
            end: u32_of(body_end)?,
            depth: idx as u32,
            kind: HandlerKind::Catch {
                tag,
                target: u32_of(here)?,
                vbase: vb,
                rbase: rb,
                exn,
            },
        })?;
        // The clause starts from the block's base with the payload.
        self.stack.truncate(h);
        self.vtop = vb;
        self.rtop = rb;
        if let Some(t) = tag {
            for k in self.tag_params(t)? {
                self.push(k)?;
            }
        }
        self.reachable = reachable_start;
        Ok(())
    }

    /// Legacy `try ... delegate $l`: exceptions from the body go on to the
    /// handlers around label `$l`; then the block ends.
    fn delegate(&mut self, relative_depth: u32) -> Result<()> {
        let idx = self.ctrl.len() - 1;
        if self.ctrl[idx].dead {
            self.ctrl.pop();
            return Ok(());
        }
        let start = self.ctrl[idx]
            .eh
            .as_ref()
            .map(|st| st.start)
            .ok_or_else(|| internal("delegate outside try"))?;
        // The label is relative to the block around the try.
        let target = idx
            .checked_sub(1 + relative_depth as usize)
            .ok_or_else(|| internal("delegate label"))?;
        let end = self.code.len();
        self.add_handler(Handler {
            start: u32_of(start)?,
            end: u32_of(end)?,
            depth: idx as u32,
            kind: HandlerKind::Delegate {
                depth: target as u32,
            },
        })?;
        self.op_end()
    }
}

fn set_target(h: &mut Handler, at: u32) {
    if let HandlerKind::Catch { target, .. } = &mut h.kind {
        *target = at;
    }
}

fn u32_of(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::unsupported("function too large"))
}
