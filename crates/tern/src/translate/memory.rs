//! Linear memory and tables: loads and stores (compact memory-0 forms or a
//! `MemArgs` side-table entry), and the bulk memory and table instructions.

use super::{Entry, Kind, Translator, internal, pack16, slot_overflow};
use crate::error::{Error, Result};
use crate::ir::{Instr, LoadKind, MemArgs, MemKind, Slot, StoreKind};
use wasmparser::Operator;

impl Translator<'_> {
    pub(super) fn mem_index(memarg: &wasmparser::MemArg) -> Result<u32> {
        match memarg.target {
            wasmparser::MemArgTarget::Memory(m) => Ok(m),
            wasmparser::MemArgTarget::Array(_) => Err(Error::unsupported(
                "memory access to GC arrays is not supported",
            )),
        }
    }

    pub(super) fn mem_site(&mut self, memarg: &wasmparser::MemArg, kind: MemKind) -> Result<u32> {
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
    pub(super) fn compact(&self, memarg: &wasmparser::MemArg, size: u64) -> Option<u32> {
        let index = Self::mem_index(memarg).ok()?;
        let m = self.m.memories.get(index as usize)?;
        if index == 0 && !m.is64 {
            u32::try_from(memarg.offset.checked_add(size)?).ok()
        } else {
            None
        }
    }

    pub(super) fn load(
        &mut self,
        memarg: &wasmparser::MemArg,
        kind: LoadKind,
        f: impl FnOnce(Slot, Slot, u32) -> Instr,
    ) -> Result<()> {
        let addr = self.pop_kind(Kind::V)?;
        let dst = self.push(Kind::V)?;
        match self.compact(memarg, kind.size()) {
            Some(end) => {
                let op = f(dst, addr.src(), end);
                let op = self
                    .take_address_add(&addr, memarg, &op)
                    .or_else(|| self.take_pointer_load(&addr, &op))
                    .unwrap_or(op);
                self.emit_result(op);
            }
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

    pub(super) fn store(
        &mut self,
        memarg: &wasmparser::MemArg,
        kind: StoreKind,
        f: impl FnOnce(Slot, Slot, u32) -> Instr,
    ) -> Result<()> {
        let val = self.pop_kind(Kind::V)?;
        let addr = self.pop_kind(Kind::V)?;
        match self.compact(memarg, kind.size()) {
            Some(end) => {
                // A constant value (`p[i] = 0`): its `i32.const` or
                // `i64.const` is the last instruction, and stays so through
                // the address fusion (which removes code before it).
                let konst = self
                    .take_imm(&val, false)
                    .or_else(|| self.take_imm(&val, true));
                let op = f(addr.src(), val.src(), end);
                let op = self.take_address_add(&addr, memarg, &op).unwrap_or(op);
                let konst_last = matches!(
                    self.code.last(),
                    Some(Instr::Const32 { dst, .. } | Instr::Const64 { dst, .. }) if *dst == val.slot
                );
                // The plain and immediate-addend forms take the constant
                // into the instruction instead (the indexed ones have no
                // constant forms: the fused add already saved as much).
                match konst.and_then(|v| op.with_const_val(v)) {
                    Some(c) if konst_last => {
                        self.code.pop();
                        self.last_write = None;
                        self.emit(c);
                    }
                    _ => {
                        self.emit(op);
                    }
                }
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

    /// If `addr` was just loaded by an `i32.load` (a pointer in a
    /// temporary slot only this access reads) and `op` (the compact load
    /// at `addr`) has a pointer-chasing form: removes the pointer load and
    /// returns that form, which loads the pointer itself.
    fn take_pointer_load(&mut self, addr: &Entry, op: &Instr) -> Option<Instr> {
        if !self.just_wrote(addr) {
            return None;
        }
        let Instr::I32Load {
            dst,
            addr: from,
            end,
        } = *self.code.last()?
        else {
            return None;
        };
        if dst != addr.slot {
            return None;
        }
        let fused = op.via(from, end)?;
        self.code.pop();
        self.last_write = None;
        Some(fused)
    }

    /// If `addr` is the sum of an `i32.add` and `op` (the compact access
    /// at `addr`, static offset 0) has an indexed form (or, for an add of a
    /// constant, an immediate-addend form): removes the add, and the
    /// `i32.shl` by a constant right before it that produced one of its
    /// operands if `op` has a form with that shift, and returns the fused
    /// access, which computes the same address from their operands.
    ///
    /// The add need not be the last instruction (a store's value is
    /// computed after its address): `address_add` finds it only if every
    /// instruction after it writes one slot and none of the operands the
    /// fused access reads instead, with no label in between.
    fn take_address_add(
        &mut self,
        addr: &Entry,
        memarg: &wasmparser::MemArg,
        op: &Instr,
    ) -> Option<Instr> {
        if memarg.offset != 0 || addr.local.is_some() {
            return None;
        }
        let (k, written) = self.address_add(addr.slot)?;
        let clear = |s: Slot| !written.iter().any(|&w| w == s || w.wrapping_add(1) == s);
        let fused = match self.code[k] {
            Instr::I32AddImm { a, imm, .. } if clear(a) => (op.at_addend(a, imm as u32)?, k),
            Instr::I32Add { a, b, .. } if clear(a) && clear(b) => {
                match self.scaled_index(k, (a, b)) {
                    Some((base, index, shift)) if clear(index) => {
                        match op.indexed(base, index, shift) {
                            Some(fused) => (fused, k - 1),
                            None => (op.indexed(a, b, 0)?, k),
                        }
                    }
                    _ => (op.indexed(a, b, 0)?, k),
                }
            }
            _ => return None,
        };
        let (fused, first) = fused;
        self.code.drain(first..=k);
        self.last_write = None;
        self.negation = None;
        Some(fused)
    }

    /// The last instruction that wrote value slot `slot`, if every
    /// instruction after it (at most `LOOKBACK`) has one result (a slot, or
    /// for a `v128` a slot pair) and no label was bound after it; with
    /// those instructions' result slots (each also covering the next slot:
    /// see `take_address_add`).
    fn address_add(&self, slot: Slot) -> Option<(usize, Vec<Slot>)> {
        const LOOKBACK: usize = 24;
        let mut written = Vec::new();
        for k in (0..self.code.len()).rev().take(LOOKBACK) {
            if k < self.label_at {
                return None;
            }
            let dst = { self.code[k] }.dst_mut().map(|d| *d)?;
            if dst == slot {
                return Some((k, written));
            }
            if dst.wrapping_add(1) == slot {
                // A `v128` result's second slot may be `slot`.
                return None;
            }
            written.push(dst);
        }
        None
    }

    /// For the add at `k` with operands `(a, b)`: `(base, index, shift)`
    /// if one operand is the result of the `i32.shl` by a constant right
    /// before it, a temporary (not a local) only the add read, with no
    /// label between them.
    fn scaled_index(&self, k: usize, (a, b): (Slot, Slot)) -> Option<(Slot, Slot, u32)> {
        let &Instr::I32ShlImm { dst, a: index, imm } = self.code.get(k.checked_sub(1)?)? else {
            return None;
        };
        if k - 1 < self.label_at || dst < self.locals_top.0 {
            return None;
        }
        let base = match (a == dst, b == dst) {
            (false, true) => a,
            (true, false) => b,
            _ => return None,
        };
        Some((base, index, (imm & 31) as u32))
    }

    /// Pops `n` value operands that must sit in consecutive slots; returns
    /// the first slot.
    pub(super) fn pop_consecutive(&mut self, n: usize) -> Result<Slot> {
        self.materialize_top(n)?;
        let mut first = 0;
        for _ in 0..n {
            first = self.pop_kind(Kind::V)?.slot;
        }
        Ok(first)
    }

    /// Translates a table or bulk memory instruction.
    pub(super) fn storage_op(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator as O;
        match *op {
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
            _ => return Err(internal("not a table or bulk memory instruction")),
        }
        Ok(())
    }
}
