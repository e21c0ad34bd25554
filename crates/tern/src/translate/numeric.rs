//! Translation of the numeric and memory-access instructions, generated
//! from the instruction table (`ir/isa.rs`): one IR instruction each
//! (binary ops may take an immediate right operand).

use super::{Kind, Translator};
use crate::error::Result;
use crate::ir::{Instr, LoadKind, StoreKind, with_isa};
use wasmparser::Operator;

/// Maps each numeric operator of the table to its IR instruction; the
/// families' names are wasmparser's operator names.
macro_rules! translate_numeric {
    (
        ($t:ident, $op:ident)
        binary {
            $( $bin:ident = $bsem:ident
                $(, br $bt:ident / $bf:ident)?
                $(, imm $imm:ident : $iw:ident $(, br $bti:ident / $bfi:ident)?)? ; )*
        }
        binary_trap { $( $bint:ident = $btsem:ident ; )* }
        unary { $( $un:ident = $usem:ident $(, br $ut:ident / $uf:ident)? ; )* }
        unary_trap { $( $unt:ident = $utsem:ident ; )* }
        branch_binary $bb:tt
        branch_imm $bi:tt
        branch_unary $bu:tt
        load { $( $ld:ident = $ldk:ident ; )* }
        store { $( $st:ident = $stk:ident ; )* }
        $($rest:tt)*
    ) => {
        match *$op {
            $(Operator::$bin => $t.binary(stringify!($bin).starts_with("I64"), |dst, a, b| {
                Instr::$bin { dst, a, b }
            }),)*
            $(Operator::$bint => $t.binary(false, |dst, a, b| Instr::$bint { dst, a, b }),)*
            $(Operator::$un => $t.unary(Kind::V, |dst, src| Instr::$un { dst, src }),)*
            $(Operator::$unt => $t.unary(Kind::V, |dst, src| Instr::$unt { dst, src }),)*
            $(Operator::$ld { memarg } => $t.load(&memarg, LoadKind::$ldk, |dst, addr, offset| {
                Instr::$ld { dst, addr, offset }
            }),)*
            $(Operator::$st { memarg } => $t.store(&memarg, StoreKind::$stk, |addr, val, offset| {
                Instr::$st { addr, val, offset }
            }),)*
            Operator::I32ReinterpretF32
            | Operator::F32ReinterpretI32
            | Operator::I64ReinterpretF64
            | Operator::F64ReinterpretI64 => $t.unary(Kind::V, |dst, src| Instr::Copy { dst, src }),
            ref other => $t.gc_op(other),
        }
    };
}

impl Translator<'_> {
    /// Translates a numeric or memory-access instruction (anything else
    /// goes on to the GC instructions).
    pub(super) fn numeric_op(&mut self, op: &Operator<'_>) -> Result<()> {
        with_isa!(translate_numeric!(self, op))
    }
}
