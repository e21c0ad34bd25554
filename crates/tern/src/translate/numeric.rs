//! Translation of the numeric and memory-access instructions of the
//! instruction table (`ir/isa.rs`): one IR instruction each (binary ops may
//! take an immediate right operand).

use super::{Kind, Translator};
use crate::error::Result;
use crate::ir::{Instr, LoadKind, StoreKind, match_operator};
use wasmparser::Operator;

/// What the translator does for each numeric family of the table (called
/// by `match_operator!` with the operator's name, which is also the IR
/// instruction's name).
macro_rules! numeric {
    (($t:ident) binary $name:ident) => {
        $t.binary(stringify!($name).starts_with("I64"), |dst, a, b| {
            Instr::$name { dst, a, b }
        })
    };
    (($t:ident) unary $name:ident) => {
        $t.unary(Kind::V, |dst, src| Instr::$name { dst, src })
    };
    (($t:ident) load $name:ident $kind:ident $memarg:ident) => {
        $t.load(&$memarg, LoadKind::$kind, |dst, addr, end| Instr::$name {
            dst,
            addr,
            end,
        })
    };
    (($t:ident) store $name:ident $kind:ident $memarg:ident) => {
        $t.store(&$memarg, StoreKind::$kind, |addr, val, end| Instr::$name {
            addr,
            val,
            end,
        })
    };
}

impl Translator<'_> {
    /// Translates a numeric or memory-access instruction (anything else
    /// goes on to the GC instructions).
    pub(super) fn numeric_op(&mut self, op: &Operator<'_>) -> Result<()> {
        match_operator!(*op, numeric, (self), {
            // Reinterpretations copy the bit pattern.
            Operator::I32ReinterpretF32
            | Operator::F32ReinterpretI32
            | Operator::I64ReinterpretF64
            | Operator::F64ReinterpretI64 => self.unary(Kind::V, |dst, src| Instr::Copy { dst, src }),
            ref other => self.gc_op(other),
        })
    }
}
