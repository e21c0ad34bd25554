//! Translation of the numeric and memory-access instructions: one IR
//! instruction each (binary ops may take an immediate right operand).

use super::{Kind, Translator, access};
use crate::error::Result;
use crate::ir::Instr;
use wasmparser::Operator;

macro_rules! bin {
    ($t:ident, $name:ident) => {
        $t.binary(stringify!($name).starts_with("I64"), |dst, a, b| {
            Instr::$name { dst, a, b }
        })
    };
}
macro_rules! un {
    ($t:ident, $name:ident, $kind:expr) => {
        $t.unary($kind, |dst, src| Instr::$name { dst, src })
    };
}
macro_rules! load {
    ($t:ident, $memarg:expr, $name:ident, $kind:expr) => {
        $t.load($memarg, $kind, |dst, addr, offset| Instr::$name {
            dst,
            addr,
            offset,
        })
    };
}
macro_rules! store {
    ($t:ident, $memarg:expr, $name:ident, $kind:expr) => {
        $t.store($memarg, $kind, |addr, val, offset| Instr::$name {
            addr,
            val,
            offset,
        })
    };
}

impl Translator<'_> {
    /// Translates a numeric or memory-access instruction (anything else
    /// goes on to the GC instructions).
    pub(super) fn numeric_op(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator as O;
        match *op {
            O::I32Load { memarg } => load!(self, &memarg, I32Load, access::I32_LOAD)?,
            O::I64Load { memarg } => load!(self, &memarg, I64Load, access::I64_LOAD)?,
            O::F32Load { memarg } => load!(self, &memarg, F32Load, access::F32_LOAD)?,
            O::F64Load { memarg } => load!(self, &memarg, F64Load, access::F64_LOAD)?,
            O::I32Load8S { memarg } => load!(self, &memarg, I32Load8S, access::I32_LOAD8_S)?,
            O::I32Load8U { memarg } => load!(self, &memarg, I32Load8U, access::I32_LOAD8_U)?,
            O::I32Load16S { memarg } => load!(self, &memarg, I32Load16S, access::I32_LOAD16_S)?,
            O::I32Load16U { memarg } => load!(self, &memarg, I32Load16U, access::I32_LOAD16_U)?,
            O::I64Load8S { memarg } => load!(self, &memarg, I64Load8S, access::I64_LOAD8_S)?,
            O::I64Load8U { memarg } => load!(self, &memarg, I64Load8U, access::I64_LOAD8_U)?,
            O::I64Load16S { memarg } => load!(self, &memarg, I64Load16S, access::I64_LOAD16_S)?,
            O::I64Load16U { memarg } => load!(self, &memarg, I64Load16U, access::I64_LOAD16_U)?,
            O::I64Load32S { memarg } => load!(self, &memarg, I64Load32S, access::I64_LOAD32_S)?,
            O::I64Load32U { memarg } => load!(self, &memarg, I64Load32U, access::I64_LOAD32_U)?,
            O::I32Store { memarg } => store!(self, &memarg, I32Store, access::I32_STORE)?,
            O::I64Store { memarg } => store!(self, &memarg, I64Store, access::I64_STORE)?,
            O::F32Store { memarg } => store!(self, &memarg, F32Store, access::F32_STORE)?,
            O::F64Store { memarg } => store!(self, &memarg, F64Store, access::F64_STORE)?,
            O::I32Store8 { memarg } => store!(self, &memarg, I32Store8, access::I32_STORE8)?,
            O::I32Store16 { memarg } => store!(self, &memarg, I32Store16, access::I32_STORE16)?,
            O::I64Store8 { memarg } => store!(self, &memarg, I64Store8, access::I64_STORE8)?,
            O::I64Store16 { memarg } => store!(self, &memarg, I64Store16, access::I64_STORE16)?,
            O::I64Store32 { memarg } => store!(self, &memarg, I64Store32, access::I64_STORE32)?,

            O::I32Eqz => un!(self, I32Eqz, Kind::V)?,
            O::I32Clz => un!(self, I32Clz, Kind::V)?,
            O::I32Ctz => un!(self, I32Ctz, Kind::V)?,
            O::I32Popcnt => un!(self, I32Popcnt, Kind::V)?,
            O::I64Eqz => un!(self, I64Eqz, Kind::V)?,
            O::I64Clz => un!(self, I64Clz, Kind::V)?,
            O::I64Ctz => un!(self, I64Ctz, Kind::V)?,
            O::I64Popcnt => un!(self, I64Popcnt, Kind::V)?,
            O::F32Abs => un!(self, F32Abs, Kind::V)?,
            O::F32Neg => un!(self, F32Neg, Kind::V)?,
            O::F32Sqrt => un!(self, F32Sqrt, Kind::V)?,
            O::F32Ceil => un!(self, F32Ceil, Kind::V)?,
            O::F32Floor => un!(self, F32Floor, Kind::V)?,
            O::F32Trunc => un!(self, F32Trunc, Kind::V)?,
            O::F32Nearest => un!(self, F32Nearest, Kind::V)?,
            O::F64Abs => un!(self, F64Abs, Kind::V)?,
            O::F64Neg => un!(self, F64Neg, Kind::V)?,
            O::F64Sqrt => un!(self, F64Sqrt, Kind::V)?,
            O::F64Ceil => un!(self, F64Ceil, Kind::V)?,
            O::F64Floor => un!(self, F64Floor, Kind::V)?,
            O::F64Trunc => un!(self, F64Trunc, Kind::V)?,
            O::F64Nearest => un!(self, F64Nearest, Kind::V)?,
            O::I32WrapI64 => un!(self, I32WrapI64, Kind::V)?,
            O::I64ExtendI32S => un!(self, I64ExtendI32S, Kind::V)?,
            O::I64ExtendI32U => un!(self, I64ExtendI32U, Kind::V)?,
            O::I32TruncF32S => un!(self, I32TruncF32S, Kind::V)?,
            O::I32TruncF32U => un!(self, I32TruncF32U, Kind::V)?,
            O::I32TruncF64S => un!(self, I32TruncF64S, Kind::V)?,
            O::I32TruncF64U => un!(self, I32TruncF64U, Kind::V)?,
            O::I64TruncF32S => un!(self, I64TruncF32S, Kind::V)?,
            O::I64TruncF32U => un!(self, I64TruncF32U, Kind::V)?,
            O::I64TruncF64S => un!(self, I64TruncF64S, Kind::V)?,
            O::I64TruncF64U => un!(self, I64TruncF64U, Kind::V)?,
            O::I32TruncSatF32S => un!(self, I32TruncSatF32S, Kind::V)?,
            O::I32TruncSatF32U => un!(self, I32TruncSatF32U, Kind::V)?,
            O::I32TruncSatF64S => un!(self, I32TruncSatF64S, Kind::V)?,
            O::I32TruncSatF64U => un!(self, I32TruncSatF64U, Kind::V)?,
            O::I64TruncSatF32S => un!(self, I64TruncSatF32S, Kind::V)?,
            O::I64TruncSatF32U => un!(self, I64TruncSatF32U, Kind::V)?,
            O::I64TruncSatF64S => un!(self, I64TruncSatF64S, Kind::V)?,
            O::I64TruncSatF64U => un!(self, I64TruncSatF64U, Kind::V)?,
            O::F32ConvertI32S => un!(self, F32ConvertI32S, Kind::V)?,
            O::F32ConvertI32U => un!(self, F32ConvertI32U, Kind::V)?,
            O::F32ConvertI64S => un!(self, F32ConvertI64S, Kind::V)?,
            O::F32ConvertI64U => un!(self, F32ConvertI64U, Kind::V)?,
            O::F32DemoteF64 => un!(self, F32DemoteF64, Kind::V)?,
            O::F64ConvertI32S => un!(self, F64ConvertI32S, Kind::V)?,
            O::F64ConvertI32U => un!(self, F64ConvertI32U, Kind::V)?,
            O::F64ConvertI64S => un!(self, F64ConvertI64S, Kind::V)?,
            O::F64ConvertI64U => un!(self, F64ConvertI64U, Kind::V)?,
            O::F64PromoteF32 => un!(self, F64PromoteF32, Kind::V)?,
            O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64 => un!(self, Copy, Kind::V)?,
            O::I32Extend8S => un!(self, I32Extend8S, Kind::V)?,
            O::I32Extend16S => un!(self, I32Extend16S, Kind::V)?,
            O::I64Extend8S => un!(self, I64Extend8S, Kind::V)?,
            O::I64Extend16S => un!(self, I64Extend16S, Kind::V)?,
            O::I64Extend32S => un!(self, I64Extend32S, Kind::V)?,

            O::I32Add => bin!(self, I32Add)?,
            O::I32Sub => bin!(self, I32Sub)?,
            O::I32Mul => bin!(self, I32Mul)?,
            O::I32DivS => bin!(self, I32DivS)?,
            O::I32DivU => bin!(self, I32DivU)?,
            O::I32RemS => bin!(self, I32RemS)?,
            O::I32RemU => bin!(self, I32RemU)?,
            O::I32And => bin!(self, I32And)?,
            O::I32Or => bin!(self, I32Or)?,
            O::I32Xor => bin!(self, I32Xor)?,
            O::I32Shl => bin!(self, I32Shl)?,
            O::I32ShrS => bin!(self, I32ShrS)?,
            O::I32ShrU => bin!(self, I32ShrU)?,
            O::I32Rotl => bin!(self, I32Rotl)?,
            O::I32Rotr => bin!(self, I32Rotr)?,
            O::I32Eq => bin!(self, I32Eq)?,
            O::I32Ne => bin!(self, I32Ne)?,
            O::I32LtS => bin!(self, I32LtS)?,
            O::I32LtU => bin!(self, I32LtU)?,
            O::I32GtS => bin!(self, I32GtS)?,
            O::I32GtU => bin!(self, I32GtU)?,
            O::I32LeS => bin!(self, I32LeS)?,
            O::I32LeU => bin!(self, I32LeU)?,
            O::I32GeS => bin!(self, I32GeS)?,
            O::I32GeU => bin!(self, I32GeU)?,
            O::I64Add => bin!(self, I64Add)?,
            O::I64Sub => bin!(self, I64Sub)?,
            O::I64Mul => bin!(self, I64Mul)?,
            O::I64DivS => bin!(self, I64DivS)?,
            O::I64DivU => bin!(self, I64DivU)?,
            O::I64RemS => bin!(self, I64RemS)?,
            O::I64RemU => bin!(self, I64RemU)?,
            O::I64And => bin!(self, I64And)?,
            O::I64Or => bin!(self, I64Or)?,
            O::I64Xor => bin!(self, I64Xor)?,
            O::I64Shl => bin!(self, I64Shl)?,
            O::I64ShrS => bin!(self, I64ShrS)?,
            O::I64ShrU => bin!(self, I64ShrU)?,
            O::I64Rotl => bin!(self, I64Rotl)?,
            O::I64Rotr => bin!(self, I64Rotr)?,
            O::I64Eq => bin!(self, I64Eq)?,
            O::I64Ne => bin!(self, I64Ne)?,
            O::I64LtS => bin!(self, I64LtS)?,
            O::I64LtU => bin!(self, I64LtU)?,
            O::I64GtS => bin!(self, I64GtS)?,
            O::I64GtU => bin!(self, I64GtU)?,
            O::I64LeS => bin!(self, I64LeS)?,
            O::I64LeU => bin!(self, I64LeU)?,
            O::I64GeS => bin!(self, I64GeS)?,
            O::I64GeU => bin!(self, I64GeU)?,
            O::F32Add => bin!(self, F32Add)?,
            O::F32Sub => bin!(self, F32Sub)?,
            O::F32Mul => bin!(self, F32Mul)?,
            O::F32Div => bin!(self, F32Div)?,
            O::F32Min => bin!(self, F32Min)?,
            O::F32Max => bin!(self, F32Max)?,
            O::F32Copysign => bin!(self, F32Copysign)?,
            O::F32Eq => bin!(self, F32Eq)?,
            O::F32Ne => bin!(self, F32Ne)?,
            O::F32Lt => bin!(self, F32Lt)?,
            O::F32Gt => bin!(self, F32Gt)?,
            O::F32Le => bin!(self, F32Le)?,
            O::F32Ge => bin!(self, F32Ge)?,
            O::F64Add => bin!(self, F64Add)?,
            O::F64Sub => bin!(self, F64Sub)?,
            O::F64Mul => bin!(self, F64Mul)?,
            O::F64Div => bin!(self, F64Div)?,
            O::F64Min => bin!(self, F64Min)?,
            O::F64Max => bin!(self, F64Max)?,
            O::F64Copysign => bin!(self, F64Copysign)?,
            O::F64Eq => bin!(self, F64Eq)?,
            O::F64Ne => bin!(self, F64Ne)?,
            O::F64Lt => bin!(self, F64Lt)?,
            O::F64Gt => bin!(self, F64Gt)?,
            O::F64Le => bin!(self, F64Le)?,
            O::F64Ge => bin!(self, F64Ge)?,
            ref other => return self.gc_op(other),
        }
        Ok(())
    }
}
