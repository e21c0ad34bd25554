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
                let op = self.take_scaled_add(&addr, memarg, &op).unwrap_or(op);
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
                let op = f(addr.src(), val.src(), end);
                let op = self.take_scaled_add(&addr, memarg, &op).unwrap_or(op);
                self.emit(op);
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

    /// If `addr` is the fresh sum of an `i32.add` and `op` (the compact
    /// access at `addr`, static offset 0) has an indexed form (or, for an
    /// add of a constant, an immediate-addend form): removes the add, and the `i32.shl` by a constant right before it that produced
    /// one of its operands (`scaled_add`) if `op` has a form with that
    /// shift, and returns the indexed access, which computes the same
    /// address from their operands. The results removed were temporaries
    /// read only by their consumer (`just_wrote`), and nothing ran between
    /// them and the access to change the operands it reads instead.
    fn take_scaled_add(
        &mut self,
        addr: &Entry,
        memarg: &wasmparser::MemArg,
        op: &Instr,
    ) -> Option<Instr> {
        if memarg.offset != 0 || !self.just_wrote(addr) {
            return None;
        }
        let n = self.code.len();
        let (a, b) = match self.code[n - 1] {
            Instr::I32Add { a, b, .. } => (a, b),
            Instr::I32AddImm { a, imm, .. } => {
                let fused = op.at_addend(a, imm as u32)?;
                self.code.truncate(n - 1);
                self.last_write = None;
                return Some(fused);
            }
            _ => return None,
        };
        if self.scaled_add == Some(n - 1)
            && let Some(&Instr::I32ShlImm { dst, a: index, imm }) = self.code.get(n.wrapping_sub(2))
            && let Some(base) = match (a == dst, b == dst) {
                (false, true) => Some(a),
                (true, false) => Some(b),
                _ => None,
            }
            && let Some(fused) = op.indexed(base, index, (imm & 31) as u32)
        {
            self.code.truncate(n - 2);
            self.last_write = None;
            return Some(fused);
        }
        let fused = op.indexed(a, b, 0)?;
        self.code.truncate(n - 1);
        self.last_write = None;
        Some(fused)
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
