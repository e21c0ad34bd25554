//! The instruction set as one table.
//!
//! `define_isa!` (in `ir/mod.rs`) turns it into the [`Instr`] enum, its
//! helper methods, and the matchers through which the translator
//! (`translate/numeric.rs`) and the executor (`interp/exec.rs`) give each
//! family its meaning. The families:
//!
//! | family | shape | semantics (in `interp/num.rs` unless noted) |
//! |---|---|---|
//! | `binary` | `{ dst, a, b }` | `dst = sem(a, b)`; optional fused branches and immediate form |
//! | `binary_trap` | `{ dst, a, b }` | `dst = sem(a, b)?` |
//! | `unary` | `{ dst, src }` | `dst = sem(src)`; optional fused branch |
//! | `unary_trap` | `{ dst, src }` | `dst = sem(src)?` |
//! | `branch_unary` | `{ a, offset }` | branch if `sem(a) != 0` |
//! | `branch_binary` | `{ a, b, offset }` | branch if `sem(a, b) != 0` |
//! | `branch_imm` | `{ a, imm, offset }` | branch if `sem(a, imm) != 0` (immediate widened as named) |
//! | `branch_step` | `{ x, k, b, offset }` (four shapes) | `x += k` (or `vals[y]`), then branch if `sem(x, b)` (or `imm`) |
//! | `load_branch` | `{ dst, addr, b, end, offset }` (`u16` slots and end; unary rows without `b`) | `i32.load` into `dst`, then branch if `sem(dst, b)` (or `sem(dst)`) |
//! | `load` / `store` | `{ dst, addr, end }` / `{ addr, val, end }` | memory 0, [`LoadKind`](super::LoadKind) / [`StoreKind`](super::StoreKind); `end` = static offset + access size; optional indexed form (below) |
//! | `field_get` / `field_set` | struct `{ dst, obj, offset }`, array `{ dst, arr, index }` | packed GC field access, then `sem` (extension) |
//! | `v128_binary` | `{ dst, a, b }` (slot pairs) | `dst = sem(a, b)` over `u128` (`interp/simd.rs`) |
//! | `v128_unary` | `{ dst, src }` (slot pairs) | `dst = sem(src)` |
//! | `v128_ternary` | `{ dst, b, c }` (slot pairs) | `dst = sem(dst, b, c)`: `dst` holds the first operand on entry |
//! | `v128_shift` | `{ dst, a, b }` | `dst = sem(a, vals[b])`: a vector and a scalar |
//! | `v128_splat` | `{ dst, src }` | `dst = sem(vals[src])`: scalar to vector |
//! | `v128_reduce` | `{ dst, src }` | `vals[dst] = sem(src)`: vector to scalar |
//! | `v128_extract` | `{ dst, src, lane }` | `vals[dst] = sem(src, lane)` |
//! | `v128_replace` | `{ dst, src, lane }` | `dst = sem(dst, vals[src], lane)` |
//! | `v128_load` | `{ dst, addr, offset }` | memory 0, `dst = sem(mem0, ea)?` |
//! | `other` | written out | hand-written arms in the executor |
//!
//! Names in the numeric families are wasmparser's operator names, so the
//! translator maps them one to one. A `binary` or `unary` row may add:
//!
//! - `br T / F`: the fused compare-and-branch pair. The row defines `T`
//!   (`{ a, b, offset }`, or `{ a, offset }` for unary rows: branch if
//!   `sem(...) != 0`) and names `F`, its negation, defined by the opposite
//!   compare's row (or in `branch_unary` / `branch_binary` when no
//!   compare is its exact negation, as for the float orderings and NaN).
//! - `imm I: width`: the immediate-operand form `I { dst, a, imm }`, the
//!   immediate sign-extended to `width`; it may have its own `br T / F`.

//!
//! A `load` or `store` row may add `idx X`, the indexed form
//! `X { dst, base, index }` / `X { base, index, val }` of an access with
//! static offset 0 at address `base + index` (32-bit wrapping): the
//! `i32.add` that compiled C computes for `p[i]`, fused into the access;
//! and then `scaled S: shift`, the same at `base + (index << shift)`, with
//! the `i32.shl` by the access size's log2 fused too (a fixed shift per
//! instruction: a shift count read from the instruction costs more than
//! it saves on x86-64). `imm I` names the immediate-addend form
//! `I { dst, base, imm }` / `I { base, val, imm }` at `base + imm` (32-bit
//! wrapping): an `i32.add` of a constant fused into the access (the
//! constant cannot go into the static offset: the add wraps, the offset
//! does not). A store row's `const C CI` names the constant-value forms
//! `C { addr, val, end }` and `CI { base, val, imm }` of the plain and
//! immediate-addend forms: `val` is an `i32` constant (sign-extended to 64
//! bits) in place of the value slot, for the `i32.const`/`i64.const` that
//! feeds a store (`p[i] = 0`).

use super::{Offset, Slot, Step};
use crate::index::{DefFunc, TypeIdx};

define_isa! {
    ($)
    binary {
        // Integer ops: the i32 and i64 forms of one operation per line.
        I32Add = i32_add, imm I32AddImm: i32;      I64Add = i64_add, imm I64AddImm: i64;
        I32Sub = i32_sub, imm I32SubImm: i32;      I64Sub = i64_sub, imm I64SubImm: i64;
        I32Mul = i32_mul, imm I32MulImm: i32;      I64Mul = i64_mul, imm I64MulImm: i64;
        // `(a & b) != 0` feeding a branch (bit tests): fused like a compare;
        // branch-if-zero is its own instruction.
        I32And = i32_and, br BrI32And / BrI32NotAnd, imm I32AndImm: i32, br BrI32AndImm / BrI32NotAndImm;
        I64And = i64_and, imm I64AndImm: i64;
        I32Or = i32_or, imm I32OrImm: i32;         I64Or = i64_or, imm I64OrImm: i64;
        I32Xor = i32_xor, imm I32XorImm: i32;      I64Xor = i64_xor, imm I64XorImm: i64;
        I32Shl = i32_shl, imm I32ShlImm: i32;      I64Shl = i64_shl, imm I64ShlImm: i64;
        I32ShrS = i32_shr_s, imm I32ShrSImm: i32;  I64ShrS = i64_shr_s, imm I64ShrSImm: i64;
        I32ShrU = i32_shr_u, imm I32ShrUImm: i32;  I64ShrU = i64_shr_u, imm I64ShrUImm: i64;
        I32Rotl = i32_rotl;                        I64Rotl = i64_rotl;
        I32Rotr = i32_rotr;                        I64Rotr = i64_rotr;
        // Integer compares: `br T / F` defines the fused branch-if-true
        // `T` and names branch-if-false `F` (defined by the opposite
        // compare's row); likewise for the immediate form.
        I32Eq = i32_eq, br BrI32Eq / BrI32Ne, imm I32EqImm: i32, br BrI32EqImm / BrI32NeImm;
        I64Eq = i64_eq, br BrI64Eq / BrI64Ne, imm I64EqImm: i64, br BrI64EqImm / BrI64NeImm;
        I32Ne = i32_ne, br BrI32Ne / BrI32Eq, imm I32NeImm: i32, br BrI32NeImm / BrI32EqImm;
        I64Ne = i64_ne, br BrI64Ne / BrI64Eq, imm I64NeImm: i64, br BrI64NeImm / BrI64EqImm;
        I32LtS = i32_lt_s, br BrI32LtS / BrI32GeS, imm I32LtSImm: i32, br BrI32LtSImm / BrI32GeSImm;
        I64LtS = i64_lt_s, br BrI64LtS / BrI64GeS, imm I64LtSImm: i64, br BrI64LtSImm / BrI64GeSImm;
        I32LtU = i32_lt_u, br BrI32LtU / BrI32GeU, imm I32LtUImm: i32, br BrI32LtUImm / BrI32GeUImm;
        I64LtU = i64_lt_u, br BrI64LtU / BrI64GeU, imm I64LtUImm: i64, br BrI64LtUImm / BrI64GeUImm;
        I32GtS = i32_gt_s, br BrI32GtS / BrI32LeS, imm I32GtSImm: i32, br BrI32GtSImm / BrI32LeSImm;
        I64GtS = i64_gt_s, br BrI64GtS / BrI64LeS, imm I64GtSImm: i64, br BrI64GtSImm / BrI64LeSImm;
        I32GtU = i32_gt_u, br BrI32GtU / BrI32LeU, imm I32GtUImm: i32, br BrI32GtUImm / BrI32LeUImm;
        I64GtU = i64_gt_u, br BrI64GtU / BrI64LeU, imm I64GtUImm: i64, br BrI64GtUImm / BrI64LeUImm;
        I32LeS = i32_le_s, br BrI32LeS / BrI32GtS, imm I32LeSImm: i32, br BrI32LeSImm / BrI32GtSImm;
        I64LeS = i64_le_s, br BrI64LeS / BrI64GtS, imm I64LeSImm: i64, br BrI64LeSImm / BrI64GtSImm;
        I32LeU = i32_le_u, br BrI32LeU / BrI32GtU, imm I32LeUImm: i32, br BrI32LeUImm / BrI32GtUImm;
        I64LeU = i64_le_u, br BrI64LeU / BrI64GtU, imm I64LeUImm: i64, br BrI64LeUImm / BrI64GtUImm;
        I32GeS = i32_ge_s, br BrI32GeS / BrI32LtS, imm I32GeSImm: i32, br BrI32GeSImm / BrI32LtSImm;
        I64GeS = i64_ge_s, br BrI64GeS / BrI64LtS, imm I64GeSImm: i64, br BrI64GeSImm / BrI64LtSImm;
        I32GeU = i32_ge_u, br BrI32GeU / BrI32LtU, imm I32GeUImm: i32, br BrI32GeUImm / BrI32LtUImm;
        I64GeU = i64_ge_u, br BrI64GeU / BrI64LtU, imm I64GeUImm: i64, br BrI64GeUImm / BrI64LtUImm;
        // Float ops: the f32 and f64 forms of one operation per line.
        F32Add = f32_add;             F64Add = f64_add;
        F32Sub = f32_sub;             F64Sub = f64_sub;
        F32Mul = f32_mul;             F64Mul = f64_mul;
        F32Div = f32_div;             F64Div = f64_div;
        F32Min = f32_min;             F64Min = f64_min;
        F32Max = f32_max;             F64Max = f64_max;
        F32Copysign = f32_copysign;   F64Copysign = f64_copysign;
        // Float compares: `eq` and `ne` are each other's negation, but with
        // a NaN operand `lt`, `gt`, `le` and `ge` are all false, so their
        // branch-if-false forms are their own instructions (`branch_binary`).
        F32Eq = f32_eq, br BrF32Eq / BrF32Ne;      F64Eq = f64_eq, br BrF64Eq / BrF64Ne;
        F32Ne = f32_ne, br BrF32Ne / BrF32Eq;      F64Ne = f64_ne, br BrF64Ne / BrF64Eq;
        F32Lt = f32_lt, br BrF32Lt / BrF32NotLt;   F64Lt = f64_lt, br BrF64Lt / BrF64NotLt;
        F32Gt = f32_gt, br BrF32Gt / BrF32NotGt;   F64Gt = f64_gt, br BrF64Gt / BrF64NotGt;
        F32Le = f32_le, br BrF32Le / BrF32NotLe;   F64Le = f64_le, br BrF64Le / BrF64NotLe;
        F32Ge = f32_ge, br BrF32Ge / BrF32NotGe;   F64Ge = f64_ge, br BrF64Ge / BrF64NotGe;
    }
    binary_trap {
        I32DivS = i32_div_s;
        I32DivU = i32_div_u;
        I32RemS = i32_rem_s;
        I32RemU = i32_rem_u;
        I64DivS = i64_div_s;
        I64DivU = i64_div_u;
        I64RemS = i64_rem_s;
        I64RemU = i64_rem_u;
    }
    unary {
        I32Eqz = i32_eqz, br BrI32Eqz / BrI32Nez;
        I32Clz = i32_clz;
        I32Ctz = i32_ctz;
        I32Popcnt = i32_popcnt;
        I64Eqz = i64_eqz, br BrI64Eqz / BrI64Nez;
        I64Clz = i64_clz;
        I64Ctz = i64_ctz;
        I64Popcnt = i64_popcnt;
        F32Abs = f32_abs;
        F32Neg = f32_neg;
        F32Sqrt = f32_sqrt;
        F32Ceil = f32_ceil;
        F32Floor = f32_floor;
        F32Trunc = f32_trunc;
        F32Nearest = f32_nearest;
        F64Abs = f64_abs;
        F64Neg = f64_neg;
        F64Sqrt = f64_sqrt;
        F64Ceil = f64_ceil;
        F64Floor = f64_floor;
        F64Trunc = f64_trunc;
        F64Nearest = f64_nearest;
        I32WrapI64 = i32_wrap_i64;
        I64ExtendI32S = i64_extend_i32_s;
        I64ExtendI32U = i64_extend_i32_u;
        I32TruncSatF32S = i32_trunc_sat_f32_s;
        I32TruncSatF32U = i32_trunc_sat_f32_u;
        I32TruncSatF64S = i32_trunc_sat_f64_s;
        I32TruncSatF64U = i32_trunc_sat_f64_u;
        I64TruncSatF32S = i64_trunc_sat_f32_s;
        I64TruncSatF32U = i64_trunc_sat_f32_u;
        I64TruncSatF64S = i64_trunc_sat_f64_s;
        I64TruncSatF64U = i64_trunc_sat_f64_u;
        F32ConvertI32S = f32_convert_i32_s;
        F32ConvertI32U = f32_convert_i32_u;
        F32ConvertI64S = f32_convert_i64_s;
        F32ConvertI64U = f32_convert_i64_u;
        F32DemoteF64 = f32_demote_f64;
        F64ConvertI32S = f64_convert_i32_s;
        F64ConvertI32U = f64_convert_i32_u;
        F64ConvertI64S = f64_convert_i64_s;
        F64ConvertI64U = f64_convert_i64_u;
        F64PromoteF32 = f64_promote_f32;
        I32Extend8S = i32_extend8_s;
        I32Extend16S = i32_extend16_s;
        I64Extend8S = i64_extend8_s;
        I64Extend16S = i64_extend16_s;
        I64Extend32S = i64_extend32_s;
    }
    unary_trap {
        I32TruncF32S = i32_trunc_f32_s;
        I32TruncF32U = i32_trunc_f32_u;
        I32TruncF64S = i32_trunc_f64_s;
        I32TruncF64U = i32_trunc_f64_u;
        I64TruncF32S = i64_trunc_f32_s;
        I64TruncF32U = i64_trunc_f32_u;
        I64TruncF64S = i64_trunc_f64_s;
        I64TruncF64U = i64_trunc_f64_u;
    }
    branch_unary {
        // Branch-if-nonzero: the "false" side of the fused `eqz` branches.
        BrI32Nez = i32_nez;
        BrI64Nez = i64_nez;
    }
    branch_binary {
        // Branch-if-not-`cmp`: the "false" side of the fused float compares
        // that have no opposite compare (true when an operand is NaN).
        BrF32NotLt = f32_not_lt;   BrF64NotLt = f64_not_lt;
        BrF32NotGt = f32_not_gt;   BrF64NotGt = f64_not_gt;
        BrF32NotLe = f32_not_le;   BrF64NotLe = f64_not_le;
        BrF32NotGe = f32_not_ge;   BrF64NotGe = f64_not_ge;
        // Branch-if-`(a & b) == 0`: the "false" side of `BrI32And`.
        BrI32NotAnd = i32_and_eqz;
    }
    branch_imm {
        // Immediate forms of `branch_binary`.
        BrI32NotAndImm = i32_and_eqz: i32;
    }
    branch_step {
        // A loop counter's step fused into the loop's compare-and-branch:
        // `x += k` (the constant `k: i16`) or `x += y` (`vals[y]`), i32
        // wrapping, then branch if `sem(x, vals[b])` or `sem(x, imm)`; made
        // from the `Br` forms named after the `=` (`translate/control.rs`).
        StepBrI32Eq / StepBrI32EqImm / StepByBrI32Eq / StepByBrI32EqImm = i32_eq, BrI32Eq / BrI32EqImm;
        StepBrI32Ne / StepBrI32NeImm / StepByBrI32Ne / StepByBrI32NeImm = i32_ne, BrI32Ne / BrI32NeImm;
        StepBrI32LtS / StepBrI32LtSImm / StepByBrI32LtS / StepByBrI32LtSImm = i32_lt_s, BrI32LtS / BrI32LtSImm;
        StepBrI32LtU / StepBrI32LtUImm / StepByBrI32LtU / StepByBrI32LtUImm = i32_lt_u, BrI32LtU / BrI32LtUImm;
        StepBrI32GtS / StepBrI32GtSImm / StepByBrI32GtS / StepByBrI32GtSImm = i32_gt_s, BrI32GtS / BrI32GtSImm;
        StepBrI32GtU / StepBrI32GtUImm / StepByBrI32GtU / StepByBrI32GtUImm = i32_gt_u, BrI32GtU / BrI32GtUImm;
        StepBrI32LeS / StepBrI32LeSImm / StepByBrI32LeS / StepByBrI32LeSImm = i32_le_s, BrI32LeS / BrI32LeSImm;
        StepBrI32LeU / StepBrI32LeUImm / StepByBrI32LeU / StepByBrI32LeUImm = i32_le_u, BrI32LeU / BrI32LeUImm;
        StepBrI32GeS / StepBrI32GeSImm / StepByBrI32GeS / StepByBrI32GeSImm = i32_ge_s, BrI32GeS / BrI32GeSImm;
        StepBrI32GeU / StepBrI32GeUImm / StepByBrI32GeU / StepByBrI32GeUImm = i32_ge_u, BrI32GeU / BrI32GeUImm;
    }
    load_branch {
        // An `i32.load` whose result an i32 compare-and-branch tests right
        // away: `vals[dst] = mem0[vals[addr] + end - 4]`, then branch if
        // `sem(vals[dst], vals[b])`; made from the `Br` form named after
        // the `=` (`translate/control.rs`). The unary rows test the value
        // alone (`while (p)`, `if (!p->next)`): `{ dst, addr, end, offset }`.
        unary {
            LoadBrI32Eqz = i32_eqz, BrI32Eqz;
            LoadBrI32Nez = i32_nez, BrI32Nez;
        }
        LoadBrI32Eq = i32_eq, BrI32Eq;
        LoadBrI32Ne = i32_ne, BrI32Ne;
        LoadBrI32LtS = i32_lt_s, BrI32LtS;
        LoadBrI32LtU = i32_lt_u, BrI32LtU;
        LoadBrI32GtS = i32_gt_s, BrI32GtS;
        LoadBrI32GtU = i32_gt_u, BrI32GtU;
        LoadBrI32LeS = i32_le_s, BrI32LeS;
        LoadBrI32LeU = i32_le_u, BrI32LeU;
        LoadBrI32GeS = i32_ge_s, BrI32GeS;
        LoadBrI32GeU = i32_ge_u, BrI32GeU;
    }
    load {
        I32Load = I32, via I32LoadVia, imm I32LoadImm, idx I32LoadIdx, scaled I32LoadScaled: 2;
        I64Load = I64, via I64LoadVia, imm I64LoadImm, idx I64LoadIdx, scaled I64LoadScaled: 3;
        F32Load = I32, via F32LoadVia, imm F32LoadImm, idx F32LoadIdx, scaled F32LoadScaled: 2;
        F64Load = I64, via F64LoadVia, imm F64LoadImm, idx F64LoadIdx, scaled F64LoadScaled: 3;
        I32Load8S = I32S8, via I32Load8SVia, imm I32Load8SImm, idx I32Load8SIdx;
        I32Load8U = U8, via I32Load8UVia, imm I32Load8UImm, idx I32Load8UIdx;
        I32Load16S = I32S16, via I32Load16SVia, imm I32Load16SImm, idx I32Load16SIdx, scaled I32Load16SScaled: 1;
        I32Load16U = U16, via I32Load16UVia, imm I32Load16UImm, idx I32Load16UIdx, scaled I32Load16UScaled: 1;
        I64Load8S = I64S8, via I64Load8SVia, imm I64Load8SImm, idx I64Load8SIdx;
        I64Load8U = U8, via I64Load8UVia, imm I64Load8UImm, idx I64Load8UIdx;
        I64Load16S = I64S16, via I64Load16SVia, imm I64Load16SImm, idx I64Load16SIdx, scaled I64Load16SScaled: 1;
        I64Load16U = U16, via I64Load16UVia, imm I64Load16UImm, idx I64Load16UIdx, scaled I64Load16UScaled: 1;
        I64Load32S = I64S32, via I64Load32SVia, imm I64Load32SImm, idx I64Load32SIdx, scaled I64Load32SScaled: 2;
        I64Load32U = I32, via I64Load32UVia, imm I64Load32UImm, idx I64Load32UIdx, scaled I64Load32UScaled: 2;
    }
    store {
        I32Store = B32, const I32StoreConst I32StoreConstImm, imm I32StoreImm, idx I32StoreIdx, scaled I32StoreScaled: 2;
        I64Store = B64, const I64StoreConst I64StoreConstImm, imm I64StoreImm, idx I64StoreIdx, scaled I64StoreScaled: 3;
        F32Store = B32, const F32StoreConst F32StoreConstImm, imm F32StoreImm, idx F32StoreIdx, scaled F32StoreScaled: 2;
        F64Store = B64, const F64StoreConst F64StoreConstImm, imm F64StoreImm, idx F64StoreIdx, scaled F64StoreScaled: 3;
        I32Store8 = B8, const I32Store8Const I32Store8ConstImm, imm I32Store8Imm, idx I32Store8Idx;
        I32Store16 = B16, const I32Store16Const I32Store16ConstImm, imm I32Store16Imm, idx I32Store16Idx, scaled I32Store16Scaled: 1;
        I64Store8 = B8, const I64Store8Const I64Store8ConstImm, imm I64Store8Imm, idx I64Store8Idx;
        I64Store16 = B16, const I64Store16Const I64Store16ConstImm, imm I64Store16Imm, idx I64Store16Idx, scaled I64Store16Scaled: 1;
        I64Store32 = B32, const I64Store32Const I64Store32ConstImm, imm I64Store32Imm, idx I64Store32Idx, scaled I64Store32Scaled: 2;
    }
    field_get {
        StructGetI8S / ArrayGetI8S = I8, i32_extend8_s;
        StructGetI8U / ArrayGetI8U = I8, copy;
        StructGetI16S / ArrayGetI16S = I16, i32_extend16_s;
        StructGetI16U / ArrayGetI16U = I16, copy;
        StructGet32 / ArrayGet32 = I32, copy;
        StructGet64 / ArrayGet64 = I64, copy;
    }
    field_set {
        StructSet8 / ArraySet8 = I8;
        StructSet16 / ArraySet16 = I16;
        StructSet32 / ArraySet32 = I32;
        StructSet64 / ArraySet64 = I64;
    }
    v128_binary {
        I8x16Swizzle = i8x16_swizzle;
        I8x16Eq = i8x16_eq;
        I8x16Ne = i8x16_ne;
        I8x16LtS = i8x16_lt_s;
        I8x16LtU = i8x16_lt_u;
        I8x16GtS = i8x16_gt_s;
        I8x16GtU = i8x16_gt_u;
        I8x16LeS = i8x16_le_s;
        I8x16LeU = i8x16_le_u;
        I8x16GeS = i8x16_ge_s;
        I8x16GeU = i8x16_ge_u;
        I16x8Eq = i16x8_eq;
        I16x8Ne = i16x8_ne;
        I16x8LtS = i16x8_lt_s;
        I16x8LtU = i16x8_lt_u;
        I16x8GtS = i16x8_gt_s;
        I16x8GtU = i16x8_gt_u;
        I16x8LeS = i16x8_le_s;
        I16x8LeU = i16x8_le_u;
        I16x8GeS = i16x8_ge_s;
        I16x8GeU = i16x8_ge_u;
        I32x4Eq = i32x4_eq;
        I32x4Ne = i32x4_ne;
        I32x4LtS = i32x4_lt_s;
        I32x4LtU = i32x4_lt_u;
        I32x4GtS = i32x4_gt_s;
        I32x4GtU = i32x4_gt_u;
        I32x4LeS = i32x4_le_s;
        I32x4LeU = i32x4_le_u;
        I32x4GeS = i32x4_ge_s;
        I32x4GeU = i32x4_ge_u;
        I64x2Eq = i64x2_eq;
        I64x2Ne = i64x2_ne;
        I64x2LtS = i64x2_lt_s;
        I64x2GtS = i64x2_gt_s;
        I64x2LeS = i64x2_le_s;
        I64x2GeS = i64x2_ge_s;
        F32x4Eq = f32x4_eq;
        F32x4Ne = f32x4_ne;
        F32x4Lt = f32x4_lt;
        F32x4Gt = f32x4_gt;
        F32x4Le = f32x4_le;
        F32x4Ge = f32x4_ge;
        F64x2Eq = f64x2_eq;
        F64x2Ne = f64x2_ne;
        F64x2Lt = f64x2_lt;
        F64x2Gt = f64x2_gt;
        F64x2Le = f64x2_le;
        F64x2Ge = f64x2_ge;
        V128And = v128_and;
        V128AndNot = v128_and_not;
        V128Or = v128_or;
        V128Xor = v128_xor;
        I8x16NarrowI16x8S = i8x16_narrow_i16x8_s;
        I8x16NarrowI16x8U = i8x16_narrow_i16x8_u;
        I8x16Add = i8x16_add;
        I8x16AddSatS = i8x16_add_sat_s;
        I8x16AddSatU = i8x16_add_sat_u;
        I8x16Sub = i8x16_sub;
        I8x16SubSatS = i8x16_sub_sat_s;
        I8x16SubSatU = i8x16_sub_sat_u;
        I8x16MinS = i8x16_min_s;
        I8x16MinU = i8x16_min_u;
        I8x16MaxS = i8x16_max_s;
        I8x16MaxU = i8x16_max_u;
        I8x16AvgrU = i8x16_avgr_u;
        I16x8Q15MulrSatS = i16x8_q15_mulr_sat_s;
        I16x8NarrowI32x4S = i16x8_narrow_i32x4_s;
        I16x8NarrowI32x4U = i16x8_narrow_i32x4_u;
        I16x8Add = i16x8_add;
        I16x8AddSatS = i16x8_add_sat_s;
        I16x8AddSatU = i16x8_add_sat_u;
        I16x8Sub = i16x8_sub;
        I16x8SubSatS = i16x8_sub_sat_s;
        I16x8SubSatU = i16x8_sub_sat_u;
        I16x8Mul = i16x8_mul;
        I16x8MinS = i16x8_min_s;
        I16x8MinU = i16x8_min_u;
        I16x8MaxS = i16x8_max_s;
        I16x8MaxU = i16x8_max_u;
        I16x8AvgrU = i16x8_avgr_u;
        I16x8ExtMulLowI8x16S = i16x8_ext_mul_low_i8x16_s;
        I16x8ExtMulHighI8x16S = i16x8_ext_mul_high_i8x16_s;
        I16x8ExtMulLowI8x16U = i16x8_ext_mul_low_i8x16_u;
        I16x8ExtMulHighI8x16U = i16x8_ext_mul_high_i8x16_u;
        I32x4Add = i32x4_add;
        I32x4Sub = i32x4_sub;
        I32x4Mul = i32x4_mul;
        I32x4MinS = i32x4_min_s;
        I32x4MinU = i32x4_min_u;
        I32x4MaxS = i32x4_max_s;
        I32x4MaxU = i32x4_max_u;
        I32x4DotI16x8S = i32x4_dot_i16x8_s;
        I32x4ExtMulLowI16x8S = i32x4_ext_mul_low_i16x8_s;
        I32x4ExtMulHighI16x8S = i32x4_ext_mul_high_i16x8_s;
        I32x4ExtMulLowI16x8U = i32x4_ext_mul_low_i16x8_u;
        I32x4ExtMulHighI16x8U = i32x4_ext_mul_high_i16x8_u;
        I64x2Add = i64x2_add;
        I64x2Sub = i64x2_sub;
        I64x2Mul = i64x2_mul;
        I64x2ExtMulLowI32x4S = i64x2_ext_mul_low_i32x4_s;
        I64x2ExtMulHighI32x4S = i64x2_ext_mul_high_i32x4_s;
        I64x2ExtMulLowI32x4U = i64x2_ext_mul_low_i32x4_u;
        I64x2ExtMulHighI32x4U = i64x2_ext_mul_high_i32x4_u;
        F32x4Add = f32x4_add;
        F32x4Sub = f32x4_sub;
        F32x4Mul = f32x4_mul;
        F32x4Div = f32x4_div;
        F32x4Min = f32x4_min;
        F32x4Max = f32x4_max;
        F32x4PMin = f32x4_pmin;
        F32x4PMax = f32x4_pmax;
        F64x2Add = f64x2_add;
        F64x2Sub = f64x2_sub;
        F64x2Mul = f64x2_mul;
        F64x2Div = f64x2_div;
        F64x2Min = f64x2_min;
        F64x2Max = f64x2_max;
        F64x2PMin = f64x2_pmin;
        F64x2PMax = f64x2_pmax;
        I8x16RelaxedSwizzle = i8x16_swizzle;
        F32x4RelaxedMin = f32x4_min;
        F32x4RelaxedMax = f32x4_max;
        F64x2RelaxedMin = f64x2_min;
        F64x2RelaxedMax = f64x2_max;
        I16x8RelaxedQ15mulrS = i16x8_q15_mulr_sat_s;
        I16x8RelaxedDotI8x16I7x16S = i16x8_relaxed_dot_i8x16_i7x16_s;
    }
    v128_unary {
        V128Not = v128_not;
        I8x16Abs = i8x16_abs;
        I8x16Neg = i8x16_neg;
        I8x16Popcnt = i8x16_popcnt;
        I16x8ExtAddPairwiseI8x16S = i16x8_ext_add_pairwise_i8x16_s;
        I16x8ExtAddPairwiseI8x16U = i16x8_ext_add_pairwise_i8x16_u;
        I16x8Abs = i16x8_abs;
        I16x8Neg = i16x8_neg;
        I16x8ExtendLowI8x16S = i16x8_extend_low_i8x16_s;
        I16x8ExtendHighI8x16S = i16x8_extend_high_i8x16_s;
        I16x8ExtendLowI8x16U = i16x8_extend_low_i8x16_u;
        I16x8ExtendHighI8x16U = i16x8_extend_high_i8x16_u;
        I32x4ExtAddPairwiseI16x8S = i32x4_ext_add_pairwise_i16x8_s;
        I32x4ExtAddPairwiseI16x8U = i32x4_ext_add_pairwise_i16x8_u;
        I32x4Abs = i32x4_abs;
        I32x4Neg = i32x4_neg;
        I32x4ExtendLowI16x8S = i32x4_extend_low_i16x8_s;
        I32x4ExtendHighI16x8S = i32x4_extend_high_i16x8_s;
        I32x4ExtendLowI16x8U = i32x4_extend_low_i16x8_u;
        I32x4ExtendHighI16x8U = i32x4_extend_high_i16x8_u;
        I64x2Abs = i64x2_abs;
        I64x2Neg = i64x2_neg;
        I64x2ExtendLowI32x4S = i64x2_extend_low_i32x4_s;
        I64x2ExtendHighI32x4S = i64x2_extend_high_i32x4_s;
        I64x2ExtendLowI32x4U = i64x2_extend_low_i32x4_u;
        I64x2ExtendHighI32x4U = i64x2_extend_high_i32x4_u;
        F32x4Ceil = f32x4_ceil;
        F32x4Floor = f32x4_floor;
        F32x4Trunc = f32x4_trunc;
        F32x4Nearest = f32x4_nearest;
        F32x4Abs = f32x4_abs;
        F32x4Neg = f32x4_neg;
        F32x4Sqrt = f32x4_sqrt;
        F64x2Ceil = f64x2_ceil;
        F64x2Floor = f64x2_floor;
        F64x2Trunc = f64x2_trunc;
        F64x2Nearest = f64x2_nearest;
        F64x2Abs = f64x2_abs;
        F64x2Neg = f64x2_neg;
        F64x2Sqrt = f64x2_sqrt;
        I32x4TruncSatF32x4S = i32x4_trunc_sat_f32x4_s;
        I32x4TruncSatF32x4U = i32x4_trunc_sat_f32x4_u;
        F32x4ConvertI32x4S = f32x4_convert_i32x4_s;
        F32x4ConvertI32x4U = f32x4_convert_i32x4_u;
        I32x4TruncSatF64x2SZero = i32x4_trunc_sat_f64x2_szero;
        I32x4TruncSatF64x2UZero = i32x4_trunc_sat_f64x2_uzero;
        F64x2ConvertLowI32x4S = f64x2_convert_low_i32x4_s;
        F64x2ConvertLowI32x4U = f64x2_convert_low_i32x4_u;
        F32x4DemoteF64x2Zero = f32x4_demote_f64x2_zero;
        F64x2PromoteLowF32x4 = f64x2_promote_low_f32x4;
        I32x4RelaxedTruncF32x4S = i32x4_trunc_sat_f32x4_s;
        I32x4RelaxedTruncF32x4U = i32x4_trunc_sat_f32x4_u;
        I32x4RelaxedTruncF64x2SZero = i32x4_trunc_sat_f64x2_szero;
        I32x4RelaxedTruncF64x2UZero = i32x4_trunc_sat_f64x2_uzero;
    }
    v128_ternary {
        V128Bitselect = v128_bitselect;
        F32x4RelaxedMadd = f32x4_relaxed_madd;
        F32x4RelaxedNmadd = f32x4_relaxed_nmadd;
        F64x2RelaxedMadd = f64x2_relaxed_madd;
        F64x2RelaxedNmadd = f64x2_relaxed_nmadd;
        I8x16RelaxedLaneselect = v128_bitselect;
        I16x8RelaxedLaneselect = v128_bitselect;
        I32x4RelaxedLaneselect = v128_bitselect;
        I64x2RelaxedLaneselect = v128_bitselect;
        I32x4RelaxedDotI8x16I7x16AddS = i32x4_relaxed_dot_i8x16_i7x16_add_s;
    }
    v128_shift {
        I8x16Shl = i8x16_shl;
        I8x16ShrS = i8x16_shr_s;
        I8x16ShrU = i8x16_shr_u;
        I16x8Shl = i16x8_shl;
        I16x8ShrS = i16x8_shr_s;
        I16x8ShrU = i16x8_shr_u;
        I32x4Shl = i32x4_shl;
        I32x4ShrS = i32x4_shr_s;
        I32x4ShrU = i32x4_shr_u;
        I64x2Shl = i64x2_shl;
        I64x2ShrS = i64x2_shr_s;
        I64x2ShrU = i64x2_shr_u;
    }
    v128_splat {
        I8x16Splat = i8x16_splat;
        I16x8Splat = i16x8_splat;
        I32x4Splat = i32x4_splat;
        I64x2Splat = i64x2_splat;
        F32x4Splat = f32x4_splat;
        F64x2Splat = f64x2_splat;
    }
    v128_reduce {
        V128AnyTrue = v128_any_true;
        I8x16AllTrue = i8x16_all_true;
        I8x16Bitmask = i8x16_bitmask;
        I16x8AllTrue = i16x8_all_true;
        I16x8Bitmask = i16x8_bitmask;
        I32x4AllTrue = i32x4_all_true;
        I32x4Bitmask = i32x4_bitmask;
        I64x2AllTrue = i64x2_all_true;
        I64x2Bitmask = i64x2_bitmask;
    }
    v128_extract {
        I8x16ExtractLaneS = i8x16_extract_lane_s;
        I8x16ExtractLaneU = i8x16_extract_lane_u;
        I16x8ExtractLaneS = i16x8_extract_lane_s;
        I16x8ExtractLaneU = i16x8_extract_lane_u;
        I32x4ExtractLane = i32x4_extract_lane;
        I64x2ExtractLane = i64x2_extract_lane;
        F32x4ExtractLane = f32x4_extract_lane;
        F64x2ExtractLane = f64x2_extract_lane;
    }
    v128_replace {
        I8x16ReplaceLane = i8x16_replace_lane;
        I16x8ReplaceLane = i16x8_replace_lane;
        I32x4ReplaceLane = i32x4_replace_lane;
        I64x2ReplaceLane = i64x2_replace_lane;
        F32x4ReplaceLane = f32x4_replace_lane;
        F64x2ReplaceLane = f64x2_replace_lane;
    }
    v128_load {
        V128Load = load128;
        V128Load8x8S = load8x8_s;
        V128Load8x8U = load8x8_u;
        V128Load16x4S = load16x4_s;
        V128Load16x4U = load16x4_u;
        V128Load32x2S = load32x2_s;
        V128Load32x2U = load32x2_u;
        V128Load8Splat = load8_splat;
        V128Load16Splat = load16_splat;
        V128Load32Splat = load32_splat;
        V128Load64Splat = load64_splat;
        V128Load32Zero = load32_zero;
        V128Load64Zero = load64_zero;
    }
    other {
        /// `dst = imm` (32-bit constant, zero-extended in the slot).
        Const32 { dst: Slot, imm: u32 } => dst;
        /// `dst = imm` (64-bit constant).
        Const64 { dst: Slot, imm: u64 } => dst;
        /// Value slot copy: `vals[dst] = vals[src]` (also the reinterpretations:
        /// 32-bit values are kept zero-extended in their 64-bit slot).
        Copy { dst: Slot, src: Slot } => dst;
        /// Reference slot copy: `refs[dst] = refs[src]`.
        RefCopy { dst: Slot, src: Slot };
        /// `dst = cond != 0 ? a : b` (value slots; `b` and `cond` below
        /// slot 65536, which leaves room for `a` in 16 bytes).
        Select { dst: Slot, a: Slot, b: u16, cond: u16 } => dst;
        /// `dst = acc + a * b` (i32, wrapping): a multiply whose temporary
        /// result only an add reads, fused into it (the dot products of
        /// matrix code); slots `acc`, `a`, `b` below 65536.
        I32MulAdd { dst: Slot, acc: u16, a: u16, b: u16 } => dst;
        /// `dst = acc + a * b` (i64, wrapping), as `I32MulAdd`.
        I64MulAdd { dst: Slot, acc: u16, a: u16, b: u16 } => dst;
        /// `dst = acc + a * b` (f32, the product rounded first: the two
        /// instructions' exact result, never a fused multiply-add).
        F32MulAdd { dst: Slot, acc: u16, a: u16, b: u16 } => dst;
        /// `dst = acc + a * b` (f64, the product rounded first).
        F64MulAdd { dst: Slot, acc: u16, a: u16, b: u16 } => dst;
        /// `dst = (a >> shift) & mask` (i32, unsigned shift, `shift` below
        /// 32): a shift by a constant whose temporary result only an
        /// `and` with a constant reads, fused into it (bit-field
        /// extraction in codecs and hashes).
        I32ShrUAndImm { dst: Slot, a: Slot, mask: i32, shift: u8 } => dst;
        /// `dst = cond != 0 ? dst : b`: `select` when `b` or `cond` is slot
        /// 65536 or beyond (`dst` holds `a` on entry — see the translator).
        SelectFar { dst: Slot, b: Slot, cond: Slot };
        /// Reference select: `refs[dst] = cond != 0 ? refs[dst] : refs[b]`.
        RefSelect { dst: Slot, b: Slot, cond: Slot };

        /// `v128` slot-pair copy: `vals[dst..dst+2] = vals[src..src+2]`.
        Copy128 { dst: Slot, src: Slot } => dst;
        /// `v128` select: `dst = cond != 0 ? dst : b` (slot pairs).
        Select128 { dst: Slot, b: Slot, cond: Slot };
        /// `vals[dst..dst+2] = v128s[index]` (the function's constant table).
        V128Const { dst: Slot, index: u32 } => dst;
        /// `i8x16.shuffle`: `dst = shuffle(dst, b)` with the lane indices
        /// `v128s[lanes]` (`dst` holds the first operand on entry).
        I8x16Shuffle { dst: Slot, b: Slot, lanes: u32 };
        /// `v128.store` to memory 0: `mem0[vals[addr] + offset] = vals[val..val+2]`.
        V128Store { addr: Slot, val: Slot, offset: u32 };
        /// Any other SIMD memory access (lane forms, non-zero memory,
        /// memory64, wide offset): `mem_args[site]`; `x` is the loaded
        /// result or the stored/updated vector (lane loads read it too).
        SimdMem { x: Slot, addr: Slot, site: u32 };
        /// `v128` global read (slot pair).
        GlobalGet128 { dst: Slot, index: u32 } => dst;
        /// `v128` global write.
        GlobalSet128 { src: Slot, index: u32 };
        /// `v128` struct field read at byte `offset` (null traps).
        StructGet128 { dst: Slot, obj: Slot, offset: u32 } => dst;
        /// `v128` struct field write.
        StructSet128 { obj: Slot, val: Slot, offset: u32 };
        /// `v128` array element read (null and bounds trap).
        ArrayGet128 { dst: Slot, arr: Slot, index: Slot } => dst;
        /// `v128` array element write.
        ArraySet128 { arr: Slot, index: Slot, val: Slot };

        /// Unconditional branch.
        Br { offset: Offset } goto offset;
        /// Branch if `vals[cond] as i32 != 0`.
        BrIf { cond: Slot, offset: Offset } goto offset;
        /// Branch if `vals[cond] as i32 == 0`.
        BrIfNot { cond: Slot, offset: Offset } goto offset;
        /// Jump table: followed by `len + 1` `Br` entries (the last is the default).
        BrTable { index: Slot, len: u32 };
        /// Branch if `refs[src]` is null.
        BrOnNull { src: Slot, offset: Offset } goto offset;
        /// Branch if `refs[src]` is not null.
        BrOnNonNull { src: Slot, offset: Offset } goto offset;

        /// Fuel (only with `Config::consume_fuel`): charge `amount` for the
        /// straight-line run of operators that starts here (see
        /// `translate/fuel.rs`); out of fuel traps.
        ConsumeFuel { amount: u32 };
        /// Epoch interruption (only with `Config::epoch_interruption`): at
        /// function entries and loop headers, leave through the store's
        /// deadline handler if the engine's epoch reached the deadline.
        CheckEpoch;

        /// Return from the function; results are already in slots 0...
        Return;
        /// `vals[0] = vals[src]`, then return: a single value result that
        /// is not computed straight into slot 0 (e.g. at the join of an
        /// `if`); see `translate/returns.rs`.
        CopyReturn { src: Slot };
        /// `refs[0] = refs[src]`, then return (as `CopyReturn`).
        RefCopyReturn { src: Slot };
        /// Trap with the given code.
        Trap { code: crate::Trap };

        /// Direct call of function `def` of this module, its frame at
        /// `vbase`/`rbase` (self-contained: no call-site lookup).
        CallInternal { vbase: Slot, rbase: Slot, def: DefFunc };
        /// Direct call through the instance's function table (imports).
        CallImported { site: u32 };
        /// Indirect call through a table, index in `vals[index]`.
        CallIndirect { index: Slot, site: u32 };
        /// Call the function reference in `refs[func]`.
        CallRef { func: Slot, site: u32 };
        /// Tail call of a function of this module: the arguments move
        /// to the frame base and the current frame is replaced.
        ReturnCallInternal { vbase: Slot, rbase: Slot, def: DefFunc };
        /// Tail call of an import.
        ReturnCallImported { site: u32 };
        /// Tail call through a table.
        ReturnCallIndirect { index: Slot, site: u32 };
        /// Tail call of a function reference.
        ReturnCallRef { func: Slot, site: u32 };

        /// `throw` of module tag `tag`: allocates an exception holding the
        /// payload at `vbase`/`rbase` and unwinds to a handler (see
        /// `Handler`) or out of the activation.
        Throw { tag: u32, vbase: Slot, rbase: Slot };
        /// `throw_ref` (and legacy `rethrow`) of the exception in `refs[src]`
        /// (null traps).
        ThrowRef { src: Slot };

        /// `vals[dst] = global[index]` (numeric global, module index).
        GlobalGet { dst: Slot, index: u32 } => dst;
        /// `global[index] = vals[src]`.
        GlobalSet { src: Slot, index: u32 };
        /// `refs[dst] = global[index]` (reference global).
        RefGlobalGet { dst: Slot, index: u32 } => dst;
        /// `global[index] = refs[src]`.
        RefGlobalSet { src: Slot, index: u32 };

        /// `vals[dst] = memory.size` of memory `mem`.
        MemorySize { dst: Slot, mem: u32 } => dst;
        /// `vals[dst] = memory.grow(vals[delta])` on memory `mem`.
        MemoryGrow { dst: Slot, delta: Slot, mem: u32 };
        /// `memory.fill`: operands at `args`, `args+1`, `args+2` (dst, val, len).
        MemoryFill { args: Slot, mem: u32 };
        /// `memory.copy`: operands at `args..args+3`; `mems` packs dst and src memory (16 bits each).
        MemoryCopy { args: Slot, mems: u32 };
        /// `memory.init`: operands at `args..args+3`; `seg` is the data segment, `mem` the memory.
        MemoryInit { args: Slot, seg: u32, mem: u32 };
        /// `data.drop`.
        DataDrop { seg: u32 };
        /// Generic load (non-zero memory, memory64 or wide offset): see `MemArgs`.
        LoadExt { dst: Slot, addr: Slot, site: u32 };
        /// Generic store (non-zero memory, memory64 or wide offset).
        StoreExt { addr: Slot, val: Slot, site: u32 };

        /// `refs[dst] = table[vals[index]]`.
        TableGet { dst: Slot, index: Slot, table: u32 } => dst;
        /// `table[vals[index]] = refs[src]`.
        TableSet { index: Slot, src: Slot, table: u32 };
        /// `vals[dst] = table.size`.
        TableSize { dst: Slot, table: u32 } => dst;
        /// `vals[dst] = table.grow(refs[init], vals[dst])` (the delta is read from `dst`).
        TableGrow { dst: Slot, init: Slot, table: u32 };
        /// `table.fill`: `vals[args]` = start, `vals[args+1]` = len, `refs[val]` = value.
        TableFill { args: Slot, val: Slot, table: u32 };
        /// `table.copy`: `vals[args..args+3]` = dst, src, len; tables packed 16/16.
        TableCopy { args: Slot, tables: u32 };
        /// `table.init`: `vals[args..args+3]` = dst, src, len.
        TableInit { args: Slot, seg: u32, table: u32 };
        /// `elem.drop`.
        ElemDrop { seg: u32 };

        /// `refs[dst] = null`.
        RefNull { dst: Slot } => dst;
        /// `vals[dst] = (refs[src] == null)`.
        RefIsNull { dst: Slot, src: Slot } => dst;
        /// `refs[dst] = funcref of module function index`.
        RefFunc { dst: Slot, func: u32 } => dst;
        /// Trap if `refs[src]` is null.
        RefAsNonNull { src: Slot };
        /// `vals[dst] = (refs[a] == refs[b])`.
        RefEq { dst: Slot, a: Slot, b: Slot } => dst;

        /// `refs[dst] = struct.new` of module type `ty` (a struct type:
        /// the translator checked), its fields from the operand slots of
        /// allocation site `site` (`ty` repeats the site's, so that the
        /// type's layout and heap type load without waiting for the site).
        StructNew { dst: Slot, site: u32, ty: TypeIdx } => dst;
        /// `refs[dst] = struct.new_default` of module type `ty`.
        StructNewDefault { dst: Slot, ty: TypeIdx } => dst;
        /// Reference field read at byte `offset` of the payload (null traps).
        StructGetRef { dst: Slot, obj: Slot, offset: u32 } => dst;
        /// Reference field write.
        StructSetRef { obj: Slot, val: Slot, offset: u32 };
        /// `array.new` at allocation site `site`: initial value at `vbase` or
        /// `rbase` (by element kind), length in the next value slot.
        ArrayNew { site: u32 };
        /// `refs[dst] = array.new_default ty (vals[len])`.
        ArrayNewDefault { dst: Slot, len: Slot, ty: TypeIdx } => dst;
        /// `array.new_fixed` at allocation site `site`.
        ArrayNewFixed { site: u32 };
        /// `array.new_data` at allocation site `site`: offset and length at `vbase`.
        ArrayNewData { site: u32 };
        /// `array.new_elem` at allocation site `site`: offset and length at `vbase`.
        ArrayNewElem { site: u32 };
        /// Reference element read (null and bounds trap).
        ArrayGetRef { dst: Slot, arr: Slot, index: Slot } => dst;
        /// Reference element write.
        ArraySetRef { arr: Slot, index: Slot, val: Slot };
        /// `vals[dst] = array.len refs[arr]`.
        ArrayLen { dst: Slot, arr: Slot } => dst;
        /// `array.fill`: array at `refs[rargs]`; offset, value (or
        /// `refs[rargs+1]` for reference arrays), length from `vals[vargs..]`.
        ArrayFill { vargs: Slot, rargs: Slot };
        /// `array.copy`: arrays at `refs[rargs..rargs+2]` (dst, src);
        /// dst offset, src offset, length at `vals[vargs..vargs+3]`.
        ArrayCopy { vargs: Slot, rargs: Slot };
        /// `array.init_data`: array at `refs[rargs]`; dst, src, len at `vals[vargs..]`.
        ArrayInitData { vargs: Slot, rargs: Slot, seg: u32 };
        /// `array.init_elem`: like `ArrayInitData` from an element segment.
        ArrayInitElem { vargs: Slot, rargs: Slot, seg: u32 };
        /// `refs[dst] = ref.i31 vals[src]`.
        RefI31 { dst: Slot, src: Slot } => dst;
        /// `vals[dst] = i31.get_s refs[src]`.
        I31GetS { dst: Slot, src: Slot } => dst;
        /// `vals[dst] = i31.get_u refs[src]`.
        I31GetU { dst: Slot, src: Slot } => dst;
        /// `vals[dst] = ref.test casts[cast] refs[src]`.
        RefTest { dst: Slot, src: Slot, cast: u32 } => dst;
        /// Trap unless `refs[src]` passes `casts[cast]`.
        RefCast { src: Slot, cast: u32 };
        /// Branch if `refs[src]` passes `casts[cast]`.
        BrOnCast { src: Slot, cast: u32, offset: Offset } goto offset;
        /// Branch if `refs[src]` fails `casts[cast]`.
        BrOnCastFail { src: Slot, cast: u32, offset: Offset } goto offset;
    }
}
