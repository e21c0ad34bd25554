//! Translation of the numeric and memory-access instructions of the
//! instruction table (`ir/isa.rs`): one IR instruction each (binary ops may
//! take an immediate right operand).

use super::{Kind, Translator};
use crate::error::Result;
use crate::ir::{Instr, LoadKind, SimdLoad, StoreKind, match_operator};
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
    (($t:ident) v128_binary $name:ident) => {
        $t.v128_binary(|dst, a, b| Instr::$name { dst, a, b })
    };
    (($t:ident) v128_unary $name:ident) => {
        $t.v128_unary(Kind::W, Kind::W, |dst, src| Instr::$name { dst, src })
    };
    (($t:ident) v128_ternary $name:ident) => {
        $t.v128_ternary(|dst, b, c| Instr::$name { dst, b, c })
    };
    (($t:ident) v128_shift $name:ident) => {
        $t.v128_shift(|dst, a, b| Instr::$name { dst, a, b })
    };
    (($t:ident) v128_splat $name:ident) => {
        $t.v128_unary(Kind::V, Kind::W, |dst, src| Instr::$name { dst, src })
    };
    (($t:ident) v128_reduce $name:ident) => {
        $t.v128_unary(Kind::W, Kind::V, |dst, src| Instr::$name { dst, src })
    };
    (($t:ident) v128_extract $name:ident $lane:ident) => {
        $t.v128_unary(Kind::W, Kind::V, |dst, src| Instr::$name {
            dst,
            src,
            lane: $lane as u32,
        })
    };
    (($t:ident) v128_replace $name:ident $lane:ident) => {
        $t.v128_replace(|dst, src| Instr::$name {
            dst,
            src,
            lane: $lane as u32,
        })
    };
    (($t:ident) v128_load $name:ident $memarg:ident) => {
        $t.v128_load(&$memarg, SimdLoad::$name, |dst, addr, offset| {
            Instr::$name { dst, addr, offset }
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
            ref other => self.simd_op(other),
        })
    }
}
