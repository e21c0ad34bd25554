//! Translation of the SIMD (`v128`) instructions. A vector operand is one
//! stack entry of kind [`Kind::W`], which owns two consecutive value
//! slots; the IR names the first.
//!
//! The table families (`v128_*` in `ir/isa.rs`) come through
//! `match_operator!` and the `numeric!` rules of `numeric.rs`; constants,
//! shuffles, stores and the lane memory accesses are handled here.

use super::{Kind, Translator, internal, slot_overflow};
use crate::error::Result;
use crate::ir::{Instr, MemKind, SimdKind, SimdLoad, Slot};
use wasmparser::{MemArg, Operator};

impl Translator<'_> {
    /// Records a `v128` constant (or shuffle mask); returns its index.
    fn v128_const(&mut self, x: u128) -> Result<u32> {
        let i = u32::try_from(self.v128s.len()).map_err(|_| slot_overflow())?;
        self.v128s.push(x);
        Ok(i)
    }

    /// `v128 op v128 -> v128`.
    pub(super) fn v128_binary(&mut self, f: impl FnOnce(Slot, Slot, Slot) -> Instr) -> Result<()> {
        let b = self.pop_kind(Kind::W)?;
        let a = self.pop_kind(Kind::W)?;
        let dst = self.push(Kind::W)?;
        self.emit_result(f(dst, a.src(), b.src()));
        Ok(())
    }

    /// `in -> out` for the one-operand families (`v128_unary`, splats,
    /// reductions, lane reads).
    pub(super) fn v128_unary(
        &mut self,
        input: Kind,
        out: Kind,
        f: impl FnOnce(Slot, Slot) -> Instr,
    ) -> Result<()> {
        let a = self.pop_kind(input)?;
        let dst = self.push(out)?;
        self.emit_result(f(dst, a.src()));
        Ok(())
    }

    /// `v128, i32 -> v128` (shifts).
    pub(super) fn v128_shift(&mut self, f: impl FnOnce(Slot, Slot, Slot) -> Instr) -> Result<()> {
        let b = self.pop_kind(Kind::V)?;
        let a = self.pop_kind(Kind::W)?;
        let dst = self.push(Kind::W)?;
        self.emit_result(f(dst, a.src(), b.src()));
        Ok(())
    }

    /// Instructions whose result overwrites their first (vector) operand:
    /// pops `rest` (the other operands, topmost last), copies the first
    /// operand into its own slots and returns (dst, other operands' slots).
    fn in_place(&mut self, rest: &[Kind]) -> Result<(Slot, Vec<Slot>)> {
        let mut others = Vec::with_capacity(rest.len());
        for k in rest.iter().rev() {
            others.push(self.pop_kind(*k)?.src());
        }
        others.reverse();
        let a = self.pop_kind(Kind::W)?;
        let dst = self.push(Kind::W)?;
        if dst != a.slot {
            return Err(internal("v128 in-place slot"));
        }
        self.copy(Kind::W, dst, a.src());
        Ok((dst, others))
    }

    /// `v128, v128, v128 -> v128`: the result overwrites the first operand.
    pub(super) fn v128_ternary(&mut self, f: impl FnOnce(Slot, Slot, Slot) -> Instr) -> Result<()> {
        let (dst, o) = self.in_place(&[Kind::W, Kind::W])?;
        self.emit(f(dst, o[0], o[1]));
        Ok(())
    }

    /// `replace_lane`: `v128, scalar -> v128` in place.
    pub(super) fn v128_replace(&mut self, f: impl FnOnce(Slot, Slot) -> Instr) -> Result<()> {
        let (dst, o) = self.in_place(&[Kind::V])?;
        self.emit(f(dst, o[0]));
        Ok(())
    }

    /// The generic SIMD memory access (`SimdMem`) of `kind`: `x` is the
    /// vector slot pair (result or operand).
    fn simd_mem(&mut self, memarg: &MemArg, kind: SimdKind, x: Slot, addr: Slot) -> Result<()> {
        let site = self.mem_site(memarg, MemKind::Simd(kind))?;
        self.emit(Instr::SimdMem { x, addr, site });
        Ok(())
    }

    /// A `v128_load` row: the compact form for memory 0, else `SimdMem`.
    pub(super) fn v128_load(
        &mut self,
        memarg: &MemArg,
        load: SimdLoad,
        f: impl FnOnce(Slot, Slot, u32) -> Instr,
    ) -> Result<()> {
        let addr = self.pop_kind(Kind::V)?.src();
        let dst = self.push(Kind::W)?;
        match self.compact(memarg, 0) {
            Some(offset) => self.emit_result(f(dst, addr, offset)),
            None => self.simd_mem(memarg, SimdKind::Load(load), dst, addr)?,
        }
        Ok(())
    }

    /// SIMD instructions outside the table families; anything else goes on
    /// to the GC instructions.
    pub(super) fn simd_op(&mut self, op: &Operator<'_>) -> Result<()> {
        match *op {
            Operator::V128Const { value } => {
                let index = self.v128_const(u128::from_le_bytes(*value.bytes()))?;
                let dst = self.push(Kind::W)?;
                self.emit_result(Instr::V128Const { dst, index });
            }
            Operator::I8x16Shuffle { lanes } => {
                let lanes = self.v128_const(u128::from_le_bytes(lanes))?;
                let (dst, o) = self.in_place(&[Kind::W])?;
                self.emit(Instr::I8x16Shuffle {
                    dst,
                    b: o[0],
                    lanes,
                });
            }
            Operator::V128Store { memarg } => {
                let val = self.pop_kind(Kind::W)?.src();
                let addr = self.pop_kind(Kind::V)?.src();
                match self.compact(&memarg, 0) {
                    Some(offset) => {
                        self.emit(Instr::V128Store { addr, val, offset });
                    }
                    None => self.simd_mem(&memarg, SimdKind::Store, val, addr)?,
                }
            }
            Operator::V128Load8Lane { memarg, lane } => self.load_lane(&memarg, 1, lane)?,
            Operator::V128Load16Lane { memarg, lane } => self.load_lane(&memarg, 2, lane)?,
            Operator::V128Load32Lane { memarg, lane } => self.load_lane(&memarg, 4, lane)?,
            Operator::V128Load64Lane { memarg, lane } => self.load_lane(&memarg, 8, lane)?,
            Operator::V128Store8Lane { memarg, lane } => self.store_lane(&memarg, 1, lane)?,
            Operator::V128Store16Lane { memarg, lane } => self.store_lane(&memarg, 2, lane)?,
            Operator::V128Store32Lane { memarg, lane } => self.store_lane(&memarg, 4, lane)?,
            Operator::V128Store64Lane { memarg, lane } => self.store_lane(&memarg, 8, lane)?,
            ref other => return self.gc_op(other),
        }
        Ok(())
    }

    /// `v128.loadN_lane`: the vector operand is copied to the result slots,
    /// which the access then updates.
    fn load_lane(&mut self, memarg: &MemArg, bytes: u8, lane: u8) -> Result<()> {
        let vec = self.pop_kind(Kind::W)?;
        let addr = self.pop_kind(Kind::V)?.src();
        // The result takes the address's position; keep the vector above
        // it and copy it down after the address is read.
        let dst = self.push(Kind::W)?;
        let tmp = self.alloc(Kind::W)?;
        self.copy(Kind::W, tmp, vec.src());
        // `addr` may be the result's own first slot: move it to a scratch
        // slot above the vector first.
        let a = self.alloc(Kind::V)?;
        self.copy(Kind::V, a, addr);
        self.copy(Kind::W, dst, tmp);
        self.vtop -= 3;
        self.simd_mem(memarg, SimdKind::LoadLane { bytes, lane }, dst, a)
    }

    /// `v128.storeN_lane`: the vector is only read.
    fn store_lane(&mut self, memarg: &MemArg, bytes: u8, lane: u8) -> Result<()> {
        let vec = self.pop_kind(Kind::W)?.src();
        let addr = self.pop_kind(Kind::V)?.src();
        self.simd_mem(memarg, SimdKind::StoreLane { bytes, lane }, vec, addr)
    }
}
