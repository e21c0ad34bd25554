//! Fuel metering and epoch checks, compiled in only when the engine enables
//! them (`Config::consume_fuel`, `Config::epoch_interruption`).
//!
//! **Fuel** is charged up front per *segment*: a straight-line run of
//! operators that starts at the function entry, at every label (the target
//! of a branch, `else`, a loop header, a catch) or after a conditional
//! branch, and ends before the next such point. Each segment starts with
//! one `ConsumeFuel` whose amount is the sum of its operators' costs
//! ([`op_cost`], Wasmtime's table), patched in as the operators are
//! translated. Because a segment is entered only at its start and left
//! only at its end (or by a trap or call, which are part of it), the fuel
//! consumed by a call that returns is exactly the cost of the operators it
//! executed: deterministic, and equal to Wasmtime's count. Work that
//! grows with an operand (bulk memory and table operations, growth, array
//! allocation and fills) is charged by the runtime, one unit per byte,
//! element or page as in Wasmtime, after the operation's bounds check (so
//! an out-of-bounds operation traps as without fuel) and before its work
//! (so no operation runs long on little fuel): see
//! `StoreInner::charge_fuel`.
//!
//! **Epoch checks** (`CheckEpoch`) sit at the function entry and at every
//! loop header, so a loop or a recursion notices a passed deadline within
//! one iteration or call.

use super::Translator;
use crate::ir::Instr;
use wasmparser::Operator;

/// What entering a function costs.
const ENTRY_COST: u32 = 1;

/// What one operator costs, as in Wasmtime: control structure and
/// `nop`/`drop` are free, GC allocations and the table and `memory.init`
/// libcalls cost two units, everything else one. (Work proportional to
/// an operand is charged separately, one unit per byte, element or page.)
fn op_cost(op: &Operator<'_>) -> u32 {
    use Operator as O;
    match op {
        O::Nop
        | O::Drop
        | O::Block { .. }
        | O::Loop { .. }
        | O::Unreachable
        | O::Return
        | O::Else
        | O::End => 0,
        O::StructNew { .. }
        | O::StructNewDefault { .. }
        | O::ArrayNew { .. }
        | O::ArrayNewDefault { .. }
        | O::ArrayNewFixed { .. }
        | O::ArrayNewData { .. }
        | O::ArrayNewElem { .. }
        | O::TableGrow { .. }
        | O::TableFill { .. }
        | O::TableCopy { .. }
        | O::TableInit { .. }
        | O::MemoryInit { .. } => 2,
        _ => 1,
    }
}

impl Translator<'_> {
    /// Starts a segment here (a label is being bound, or a conditional
    /// branch was just emitted) and returns its position: the position of
    /// its `ConsumeFuel`, or of the next instruction without fuel.
    pub(super) fn start_segment(&mut self) -> usize {
        if !self.fuel {
            return self.code.len();
        }
        // An empty segment that was just started serves as this one too.
        if let Some(at) = self.fuel_segment
            && at + 1 == self.code.len()
            && matches!(self.code[at], Instr::ConsumeFuel { amount: 0 })
        {
            return at;
        }
        let at = self.emit(Instr::ConsumeFuel { amount: 0 });
        self.fuel_segment = Some(at);
        at
    }

    /// Adds the cost of `op` to the current segment.
    pub(super) fn charge_op(&mut self, op: &Operator<'_>) {
        if let Some(at) = self.fuel_segment
            && let Instr::ConsumeFuel { amount } = &mut self.code[at]
        {
            *amount = amount.saturating_add(op_cost(op));
        }
    }

    /// Starts the function's first segment, which also pays for the entry.
    pub(super) fn start_function(&mut self) {
        let at = self.start_segment();
        if let Some(Instr::ConsumeFuel { amount }) = self.code.get_mut(at) {
            *amount = ENTRY_COST;
        }
        self.check_epoch();
    }

    /// An epoch check at a function entry or loop header.
    pub(super) fn check_epoch(&mut self) {
        if self.epoch {
            self.emit(Instr::CheckEpoch);
        }
    }
}
