//! Tern's slot-addressed (register-based) instruction set.
//!
//! Every function has a value frame (untyped 64-bit slots for numbers) and a
//! reference frame (32-bit raw references, see `values::raw`). Locals come
//! first in each frame, operand-stack positions follow; an instruction names
//! its input and output slots directly, relative to the current frame base.
//! Branch offsets are relative to the branching instruction and resolved at
//! translation time. Rare, wide operands live in the module's side tables
//! (`CallSite`) so that `Instr` stays 16 bytes.

/// A frame-relative slot index (value frame or reference frame, as the
/// instruction says).
pub(crate) type Slot = u32;

/// A branch offset, relative to the branching instruction.
pub(crate) type Offset = i32;

/// Describes a call: where the callee's frame starts in the caller's frames
/// and what is called.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSite {
    /// Value-frame slot of the first value argument (= callee value frame base).
    pub vbase: Slot,
    /// Reference-frame slot of the first reference argument.
    pub rbase: Slot,
    /// The function index (direct calls), or the table index (`call_indirect`).
    pub target: u32,
    /// The module type index of the expected signature (indirect and ref
    /// calls; other uses give it their own meaning).
    pub ty: u32,
    /// The canonical id of that signature (indirect calls), for the
    /// equality fast path of the signature check.
    pub type_id: u32,
}

macro_rules! instrs {
    (
        binary: [$($bin:ident),* $(,)?],
        unary: [$($un:ident),* $(,)?],
        load: [$($ld:ident),* $(,)?],
        store: [$($st:ident),* $(,)?],
        other: { $($rest:tt)* }
    ) => {
        /// One IR instruction. See the module docs for the slot model.
        #[derive(Clone, Copy, Debug)]
        pub(crate) enum Instr {
            $(
                #[doc = "Binary numeric op: `dst = a op b` (value slots)."]
                $bin { dst: Slot, a: Slot, b: Slot },
            )*
            $(
                #[doc = "Unary numeric op: `dst = op src` (value slots)."]
                $un { dst: Slot, src: Slot },
            )*
            $(
                #[doc = "Load from memory 0: `dst = mem[addr + offset]`; `offset` fits in u32."]
                $ld { dst: Slot, addr: Slot, offset: u32 },
            )*
            $(
                #[doc = "Store to memory 0: `mem[addr + offset] = val`."]
                $st { addr: Slot, val: Slot, offset: u32 },
            )*
            $($rest)*
        }

        impl Instr {
            /// The result slot of a simple instruction whose result may be
            /// retargeted by the translator (e.g. straight into a local).
            pub(crate) fn dst_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $(Instr::$bin { dst, .. } => Some(dst),)*
                    $(Instr::$un { dst, .. } => Some(dst),)*
                    $(Instr::$ld { dst, .. } => Some(dst),)*
                    Instr::Const32 { dst, .. }
                    | Instr::Const64 { dst, .. }
                    | Instr::GlobalGet { dst, .. }
                    | Instr::RefGlobalGet { dst, .. }
                    | Instr::MemorySize { dst, .. }
                    | Instr::TableSize { dst, .. }
                    | Instr::TableGet { dst, .. }
                    | Instr::RefNull { dst }
                    | Instr::RefFunc { dst, .. }
                    | Instr::RefIsNull { dst, .. }
                    | Instr::RefEq { dst, .. }
                    | Instr::StructNewDefault { dst, .. }
                    | Instr::StructGetI8S { dst, .. }
                    | Instr::StructGetI8U { dst, .. }
                    | Instr::StructGetI16S { dst, .. }
                    | Instr::StructGetI16U { dst, .. }
                    | Instr::StructGet32 { dst, .. }
                    | Instr::StructGet64 { dst, .. }
                    | Instr::StructGetRef { dst, .. }
                    | Instr::ArrayNewDefault { dst, .. }
                    | Instr::ArrayGetI8S { dst, .. }
                    | Instr::ArrayGetI8U { dst, .. }
                    | Instr::ArrayGetI16S { dst, .. }
                    | Instr::ArrayGetI16U { dst, .. }
                    | Instr::ArrayGet32 { dst, .. }
                    | Instr::ArrayGet64 { dst, .. }
                    | Instr::ArrayGetRef { dst, .. }
                    | Instr::ArrayLen { dst, .. }
                    | Instr::RefI31 { dst, .. }
                    | Instr::I31GetS { dst, .. }
                    | Instr::I31GetU { dst, .. }
                    | Instr::RefTest { dst, .. }
                    | Instr::I32AddImm { dst, .. }
                    | Instr::I32SubImm { dst, .. }
                    | Instr::I32MulImm { dst, .. }
                    | Instr::I32AndImm { dst, .. }
                    | Instr::I32OrImm { dst, .. }
                    | Instr::I32XorImm { dst, .. }
                    | Instr::I32ShlImm { dst, .. }
                    | Instr::I32ShrSImm { dst, .. }
                    | Instr::I32ShrUImm { dst, .. }
                    | Instr::I32EqImm { dst, .. }
                    | Instr::I32NeImm { dst, .. }
                    | Instr::I32LtSImm { dst, .. }
                    | Instr::I32LtUImm { dst, .. }
                    | Instr::I32GtSImm { dst, .. }
                    | Instr::I32GtUImm { dst, .. }
                    | Instr::I32LeSImm { dst, .. }
                    | Instr::I32LeUImm { dst, .. }
                    | Instr::I32GeSImm { dst, .. }
                    | Instr::I32GeUImm { dst, .. }
                    | Instr::I64AddImm { dst, .. }
                    | Instr::I64SubImm { dst, .. }
                    | Instr::I64MulImm { dst, .. }
                    | Instr::I64AndImm { dst, .. }
                    | Instr::I64OrImm { dst, .. }
                    | Instr::I64XorImm { dst, .. }
                    | Instr::I64ShlImm { dst, .. }
                    | Instr::I64ShrSImm { dst, .. }
                    | Instr::I64ShrUImm { dst, .. }
                    | Instr::I64EqImm { dst, .. }
                    | Instr::I64NeImm { dst, .. }
                    | Instr::I64LtSImm { dst, .. }
                    | Instr::I64LtUImm { dst, .. }
                    | Instr::I64GtSImm { dst, .. }
                    | Instr::I64GtUImm { dst, .. }
                    | Instr::I64LeSImm { dst, .. }
                    | Instr::I64LeUImm { dst, .. }
                    | Instr::I64GeSImm { dst, .. }
                    | Instr::I64GeUImm { dst, .. } => Some(dst),
                    _ => None,
                }
            }
        }
    };
}

instrs! {
    binary: [
        I32Add, I32Sub, I32Mul, I32DivS, I32DivU, I32RemS, I32RemU, I32And, I32Or, I32Xor,
        I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
        I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU,
        I64Add, I64Sub, I64Mul, I64DivS, I64DivU, I64RemS, I64RemU, I64And, I64Or, I64Xor,
        I64Shl, I64ShrS, I64ShrU, I64Rotl, I64Rotr,
        I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU,
        F32Add, F32Sub, F32Mul, F32Div, F32Min, F32Max, F32Copysign,
        F32Eq, F32Ne, F32Lt, F32Gt, F32Le, F32Ge,
        F64Add, F64Sub, F64Mul, F64Div, F64Min, F64Max, F64Copysign,
        F64Eq, F64Ne, F64Lt, F64Gt, F64Le, F64Ge,
    ],
    unary: [
        I32Eqz, I32Clz, I32Ctz, I32Popcnt, I64Eqz, I64Clz, I64Ctz, I64Popcnt,
        F32Abs, F32Neg, F32Sqrt, F32Ceil, F32Floor, F32Trunc, F32Nearest,
        F64Abs, F64Neg, F64Sqrt, F64Ceil, F64Floor, F64Trunc, F64Nearest,
        I32WrapI64, I64ExtendI32S, I64ExtendI32U,
        I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U,
        I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U,
        I32TruncSatF32S, I32TruncSatF32U, I32TruncSatF64S, I32TruncSatF64U,
        I64TruncSatF32S, I64TruncSatF32U, I64TruncSatF64S, I64TruncSatF64U,
        F32ConvertI32S, F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64,
        F64ConvertI32S, F64ConvertI32U, F64ConvertI64S, F64ConvertI64U, F64PromoteF32,
        I32Extend8S, I32Extend16S, I64Extend8S, I64Extend16S, I64Extend32S,
        // Reinterpretations are plain copies of the bit pattern (32-bit
        // values are kept zero-extended in their 64-bit slot).
        Copy,
    ],
    load: [
        I32Load, I64Load, F32Load, F64Load,
        I32Load8S, I32Load8U, I32Load16S, I32Load16U,
        I64Load8S, I64Load8U, I64Load16S, I64Load16U, I64Load32S, I64Load32U,
    ],
    store: [
        I32Store, I64Store, F32Store, F64Store,
        I32Store8, I32Store16, I64Store8, I64Store16, I64Store32,
    ],
    other: {
        /// `dst = imm` (32-bit constant, zero-extended in the slot).
        Const32 { dst: Slot, imm: u32 },
        /// `dst = imm` (64-bit constant).
        Const64 { dst: Slot, imm: u64 },
        /// Reference slot copy: `refs[dst] = refs[src]`.
        RefCopy { dst: Slot, src: Slot },
        /// `dst = cond != 0 ? a : b` (value slots; the result overwrites `dst`
        /// which holds `a` on entry — see the translator).
        Select { dst: Slot, b: Slot, cond: Slot },
        /// Reference select: `refs[dst] = cond != 0 ? refs[dst] : refs[b]`.
        RefSelect { dst: Slot, b: Slot, cond: Slot },

        /// Unconditional branch.
        Br { offset: Offset },
        /// Branch if `vals[cond] as i32 != 0`.
        BrIf { cond: Slot, offset: Offset },
        /// Branch if `vals[cond] as i32 == 0`.
        BrIfNot { cond: Slot, offset: Offset },
        /// Jump table: followed by `len + 1` `Br` entries (the last is the default).
        BrTable { index: Slot, len: u32 },
        /// Branch if `refs[src]` is null.
        BrOnNull { src: Slot, offset: Offset },
        /// Branch if `refs[src]` is not null.
        BrOnNonNull { src: Slot, offset: Offset },

        /// Return from the function; results are already in slots 0...
        Return,
        /// Trap with the given code.
        Trap { code: crate::Trap },

        /// Direct call of a function defined in this module (`site.target`
        /// is the defined-function index, not counting imports).
        CallInternal { site: u32 },
        /// Direct call through the instance's function table (imports).
        CallImported { site: u32 },
        /// Indirect call through table `site.target`, index in `vals[index]`.
        CallIndirect { index: Slot, site: u32 },
        /// Call the function reference in `refs[func]`.
        CallRef { func: Slot, site: u32 },
        /// Tail call variants: the arguments are moved to the frame base
        /// and the current frame is replaced.
        ReturnCallInternal { site: u32 },
        /// Tail call of an import.
        ReturnCallImported { site: u32 },
        /// Tail call through a table.
        ReturnCallIndirect { index: Slot, site: u32 },
        /// Tail call of a function reference.
        ReturnCallRef { func: Slot, site: u32 },

        /// `vals[dst] = global[index]` (numeric global, module index).
        GlobalGet { dst: Slot, index: u32 },
        /// `global[index] = vals[src]`.
        GlobalSet { src: Slot, index: u32 },
        /// `refs[dst] = global[index]` (reference global).
        RefGlobalGet { dst: Slot, index: u32 },
        /// `global[index] = refs[src]`.
        RefGlobalSet { src: Slot, index: u32 },

        /// `vals[dst] = memory.size` of memory `mem`.
        MemorySize { dst: Slot, mem: u32 },
        /// `vals[dst] = memory.grow(vals[delta])` on memory `mem`.
        MemoryGrow { dst: Slot, delta: Slot, mem: u32 },
        /// `memory.fill`: operands at `args`, `args+1`, `args+2` (dst, val, len).
        MemoryFill { args: Slot, mem: u32 },
        /// `memory.copy`: operands at `args..args+3`; `mems` packs dst and src memory (16 bits each).
        MemoryCopy { args: Slot, mems: u32 },
        /// `memory.init`: operands at `args..args+3`; `seg` is the data segment, `mem` the memory.
        MemoryInit { args: Slot, seg: u32, mem: u32 },
        /// `data.drop`.
        DataDrop { seg: u32 },
        /// Generic load from memory `mem` (non-zero index or wide offset): see `MemArgs`.
        LoadExt { dst: Slot, addr: Slot, site: u32 },
        /// Generic store to memory `mem` (non-zero index or wide offset).
        StoreExt { addr: Slot, val: Slot, site: u32 },

        /// `refs[dst] = table[vals[index]]`.
        TableGet { dst: Slot, index: Slot, table: u32 },
        /// `table[vals[index]] = refs[src]`.
        TableSet { index: Slot, src: Slot, table: u32 },
        /// `vals[dst] = table.size`.
        TableSize { dst: Slot, table: u32 },
        /// `vals[dst] = table.grow(refs[init], vals[dst])` (the delta is read from `dst`).
        TableGrow { dst: Slot, init: Slot, table: u32 },
        /// `table.fill`: `vals[args]` = start, `vals[args+1]` = len, `refs[val]` = value.
        TableFill { args: Slot, val: Slot, table: u32 },
        /// `table.copy`: `vals[args..args+3]` = dst, src, len; tables packed 16/16.
        TableCopy { args: Slot, tables: u32 },
        /// `table.init`: `vals[args..args+3]` = dst, src, len.
        TableInit { args: Slot, seg: u32, table: u32 },
        /// `elem.drop`.
        ElemDrop { seg: u32 },

        /// `refs[dst] = null`.
        RefNull { dst: Slot },
        /// `vals[dst] = (refs[src] == null)`.
        RefIsNull { dst: Slot, src: Slot },
        /// `refs[dst] = funcref of module function index`.
        RefFunc { dst: Slot, func: u32 },
        /// Trap if `refs[src]` is null.
        RefAsNonNull { src: Slot },
        /// `vals[dst] = (refs[a] == refs[b])`.
        RefEq { dst: Slot, a: Slot, b: Slot },

        /// `struct.new`: fields from `site.vbase..`/`site.rbase..` in
        /// declaration order; the result goes to `refs[site.rbase]`;
        /// `site.target` is the module type index.
        StructNew { site: u32 },
        /// `refs[dst] = struct.new_default` of module type `ty`.
        StructNewDefault { dst: Slot, ty: u32 },
        /// Struct field reads at byte `offset` of the payload (null traps).
        StructGetI8S { dst: Slot, obj: Slot, offset: u32 },
        /// See `StructGetI8S`.
        StructGetI8U { dst: Slot, obj: Slot, offset: u32 },
        /// See `StructGetI8S`.
        StructGetI16S { dst: Slot, obj: Slot, offset: u32 },
        /// See `StructGetI8S`.
        StructGetI16U { dst: Slot, obj: Slot, offset: u32 },
        /// See `StructGetI8S` (`i32`/`f32` fields).
        StructGet32 { dst: Slot, obj: Slot, offset: u32 },
        /// See `StructGetI8S` (`i64`/`f64` fields).
        StructGet64 { dst: Slot, obj: Slot, offset: u32 },
        /// See `StructGetI8S` (reference fields; `dst` is a reference slot).
        StructGetRef { dst: Slot, obj: Slot, offset: u32 },
        /// Struct field writes.
        StructSet8 { obj: Slot, val: Slot, offset: u32 },
        /// See `StructSet8`.
        StructSet16 { obj: Slot, val: Slot, offset: u32 },
        /// See `StructSet8`.
        StructSet32 { obj: Slot, val: Slot, offset: u32 },
        /// See `StructSet8`.
        StructSet64 { obj: Slot, val: Slot, offset: u32 },
        /// See `StructSet8` (`val` is a reference slot).
        StructSetRef { obj: Slot, val: Slot, offset: u32 },
        /// `array.new`: initial value at `site.vbase` or `site.rbase` (by
        /// element kind), length in the next value slot; result at `refs[site.rbase]`.
        ArrayNew { site: u32 },
        /// `refs[dst] = array.new_default ty (vals[len])`.
        ArrayNewDefault { dst: Slot, len: Slot, ty: u32 },
        /// `array.new_fixed`: `site.ty` elements from the site bases.
        ArrayNewFixed { site: u32 },
        /// `array.new_data`: offset and length at `site.vbase`; data segment `site.ty`.
        ArrayNewData { site: u32 },
        /// `array.new_elem`: offset and length at `site.vbase`; element segment `site.ty`.
        ArrayNewElem { site: u32 },
        /// Array element reads (null and bounds trap).
        ArrayGetI8S { dst: Slot, arr: Slot, index: Slot },
        /// See `ArrayGetI8S`.
        ArrayGetI8U { dst: Slot, arr: Slot, index: Slot },
        /// See `ArrayGetI8S`.
        ArrayGetI16S { dst: Slot, arr: Slot, index: Slot },
        /// See `ArrayGetI8S`.
        ArrayGetI16U { dst: Slot, arr: Slot, index: Slot },
        /// See `ArrayGetI8S`.
        ArrayGet32 { dst: Slot, arr: Slot, index: Slot },
        /// See `ArrayGetI8S`.
        ArrayGet64 { dst: Slot, arr: Slot, index: Slot },
        /// See `ArrayGetI8S` (`dst` is a reference slot).
        ArrayGetRef { dst: Slot, arr: Slot, index: Slot },
        /// Array element writes.
        ArraySet8 { arr: Slot, index: Slot, val: Slot },
        /// See `ArraySet8`.
        ArraySet16 { arr: Slot, index: Slot, val: Slot },
        /// See `ArraySet8`.
        ArraySet32 { arr: Slot, index: Slot, val: Slot },
        /// See `ArraySet8`.
        ArraySet64 { arr: Slot, index: Slot, val: Slot },
        /// See `ArraySet8` (`val` is a reference slot).
        ArraySetRef { arr: Slot, index: Slot, val: Slot },
        /// `vals[dst] = array.len refs[arr]`.
        ArrayLen { dst: Slot, arr: Slot },
        /// `array.fill`: array at `refs[rargs]`; offset, value (or
        /// `refs[rargs+1]` for reference arrays), length from `vals[vargs..]`.
        ArrayFill { vargs: Slot, rargs: Slot },
        /// `array.copy`: arrays at `refs[rargs..rargs+2]` (dst, src);
        /// dst offset, src offset, length at `vals[vargs..vargs+3]`.
        ArrayCopy { vargs: Slot, rargs: Slot },
        /// `array.init_data`: array at `refs[rargs]`; dst, src, len at `vals[vargs..]`.
        ArrayInitData { vargs: Slot, rargs: Slot, seg: u32 },
        /// `array.init_elem`: like `ArrayInitData` from an element segment.
        ArrayInitElem { vargs: Slot, rargs: Slot, seg: u32 },
        /// `refs[dst] = ref.i31 vals[src]`.
        RefI31 { dst: Slot, src: Slot },
        /// `vals[dst] = i31.get_s refs[src]`.
        I31GetS { dst: Slot, src: Slot },
        /// `vals[dst] = i31.get_u refs[src]`.
        I31GetU { dst: Slot, src: Slot },
        /// `vals[dst] = ref.test casts[cast] refs[src]`.
        RefTest { dst: Slot, src: Slot, cast: u32 },
        /// Trap unless `refs[src]` passes `casts[cast]`.
        RefCast { src: Slot, cast: u32 },
        /// Branch if `refs[src]` passes `casts[cast]`.
        BrOnCast { src: Slot, cast: u32, offset: Offset },
        /// Branch if `refs[src]` fails `casts[cast]`.
        BrOnCastFail { src: Slot, cast: u32, offset: Offset },

        // Superinstructions: immediate right operands and fused
        // compare-and-branch (generated families).
        /// `vals[dst] = vals[a] add imm` (i32, immediate sign-extended).
        I32AddImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] sub imm` (i32, immediate sign-extended).
        I32SubImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] mul imm` (i32, immediate sign-extended).
        I32MulImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] and imm` (i32, immediate sign-extended).
        I32AndImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] or imm` (i32, immediate sign-extended).
        I32OrImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] xor imm` (i32, immediate sign-extended).
        I32XorImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] shl imm` (i32, immediate sign-extended).
        I32ShlImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] shrs imm` (i32, immediate sign-extended).
        I32ShrSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] shru imm` (i32, immediate sign-extended).
        I32ShrUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] eq imm` (i32, immediate sign-extended).
        I32EqImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] ne imm` (i32, immediate sign-extended).
        I32NeImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] lts imm` (i32, immediate sign-extended).
        I32LtSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] ltu imm` (i32, immediate sign-extended).
        I32LtUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] gts imm` (i32, immediate sign-extended).
        I32GtSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] gtu imm` (i32, immediate sign-extended).
        I32GtUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] les imm` (i32, immediate sign-extended).
        I32LeSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] leu imm` (i32, immediate sign-extended).
        I32LeUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] ges imm` (i32, immediate sign-extended).
        I32GeSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] geu imm` (i32, immediate sign-extended).
        I32GeUImm { dst: Slot, a: Slot, imm: i32 },
        /// Branch if `vals[a] eq vals[b]` (i32).
        BrI32Eq { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] eq imm` (i32).
        BrI32EqImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] ne vals[b]` (i32).
        BrI32Ne { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] ne imm` (i32).
        BrI32NeImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] lts vals[b]` (i32).
        BrI32LtS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] lts imm` (i32).
        BrI32LtSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] ltu vals[b]` (i32).
        BrI32LtU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] ltu imm` (i32).
        BrI32LtUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] gts vals[b]` (i32).
        BrI32GtS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] gts imm` (i32).
        BrI32GtSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] gtu vals[b]` (i32).
        BrI32GtU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] gtu imm` (i32).
        BrI32GtUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] les vals[b]` (i32).
        BrI32LeS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] les imm` (i32).
        BrI32LeSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] leu vals[b]` (i32).
        BrI32LeU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] leu imm` (i32).
        BrI32LeUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] ges vals[b]` (i32).
        BrI32GeS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] ges imm` (i32).
        BrI32GeSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] geu vals[b]` (i32).
        BrI32GeU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] geu imm` (i32).
        BrI32GeUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] == 0` (i32).
        BrI32Eqz { a: Slot, offset: Offset },
        /// Branch if `vals[a] != 0` (i32).
        BrI32Nez { a: Slot, offset: Offset },
        /// `vals[dst] = vals[a] add imm` (i64, immediate sign-extended).
        I64AddImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] sub imm` (i64, immediate sign-extended).
        I64SubImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] mul imm` (i64, immediate sign-extended).
        I64MulImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] and imm` (i64, immediate sign-extended).
        I64AndImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] or imm` (i64, immediate sign-extended).
        I64OrImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] xor imm` (i64, immediate sign-extended).
        I64XorImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] shl imm` (i64, immediate sign-extended).
        I64ShlImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] shrs imm` (i64, immediate sign-extended).
        I64ShrSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] shru imm` (i64, immediate sign-extended).
        I64ShrUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] eq imm` (i64, immediate sign-extended).
        I64EqImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] ne imm` (i64, immediate sign-extended).
        I64NeImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] lts imm` (i64, immediate sign-extended).
        I64LtSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] ltu imm` (i64, immediate sign-extended).
        I64LtUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] gts imm` (i64, immediate sign-extended).
        I64GtSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] gtu imm` (i64, immediate sign-extended).
        I64GtUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] les imm` (i64, immediate sign-extended).
        I64LeSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] leu imm` (i64, immediate sign-extended).
        I64LeUImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] ges imm` (i64, immediate sign-extended).
        I64GeSImm { dst: Slot, a: Slot, imm: i32 },
        /// `vals[dst] = vals[a] geu imm` (i64, immediate sign-extended).
        I64GeUImm { dst: Slot, a: Slot, imm: i32 },
        /// Branch if `vals[a] eq vals[b]` (i64).
        BrI64Eq { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] eq imm` (i64).
        BrI64EqImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] ne vals[b]` (i64).
        BrI64Ne { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] ne imm` (i64).
        BrI64NeImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] lts vals[b]` (i64).
        BrI64LtS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] lts imm` (i64).
        BrI64LtSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] ltu vals[b]` (i64).
        BrI64LtU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] ltu imm` (i64).
        BrI64LtUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] gts vals[b]` (i64).
        BrI64GtS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] gts imm` (i64).
        BrI64GtSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] gtu vals[b]` (i64).
        BrI64GtU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] gtu imm` (i64).
        BrI64GtUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] les vals[b]` (i64).
        BrI64LeS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] les imm` (i64).
        BrI64LeSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] leu vals[b]` (i64).
        BrI64LeU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] leu imm` (i64).
        BrI64LeUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] ges vals[b]` (i64).
        BrI64GeS { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] ges imm` (i64).
        BrI64GeSImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] geu vals[b]` (i64).
        BrI64GeU { a: Slot, b: Slot, offset: Offset },
        /// Branch if `vals[a] geu imm` (i64).
        BrI64GeUImm { a: Slot, imm: i32, offset: Offset },
        /// Branch if `vals[a] == 0` (i64).
        BrI64Eqz { a: Slot, offset: Offset },
        /// Branch if `vals[a] != 0` (i64).
        BrI64Nez { a: Slot, offset: Offset },
    }
}

/// The target of a cast or test, resolved at translation time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CastTarget {
    /// Whether null passes.
    pub nullable: bool,
    /// What a non-null reference must be.
    pub kind: CastKind,
}

impl CastTarget {
    /// The cast that checks membership in reference type `ty` (cold path:
    /// may consult the registry for the depth of a concrete type).
    pub(crate) fn of(reg: &crate::registry::TypeRegistry, ty: crate::registry::CRef) -> CastTarget {
        use crate::registry::{AbsHeap, CHeap};
        let kind = match ty.heap {
            CHeap::Abs(a) => match a {
                AbsHeap::Any | AbsHeap::Func | AbsHeap::Extern | AbsHeap::Exn => CastKind::Top,
                AbsHeap::None | AbsHeap::NoFunc | AbsHeap::NoExtern | AbsHeap::NoExn => {
                    CastKind::Bottom
                }
                AbsHeap::Eq => CastKind::Eq,
                AbsHeap::I31 => CastKind::I31,
                AbsHeap::Struct => CastKind::Struct,
                AbsHeap::Array => CastKind::Array,
            },
            CHeap::Concrete(id) | CHeap::RecRel(id) => match reg.type_ref(id) {
                Some(t) if t.info().as_func().is_some() => CastKind::Func {
                    id,
                    depth: t.info().depth() as u32,
                },
                Some(t) => CastKind::Object {
                    id,
                    depth: t.info().depth() as u32,
                },
                None => CastKind::Bottom,
            },
        };
        CastTarget {
            nullable: ty.nullable,
            kind,
        }
    }
}

/// What a non-null reference must be to pass a cast.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CastKind {
    /// Any non-null reference (tops of hierarchies: any, func, extern, exn).
    Top,
    /// Nothing (bottom types: none, nofunc, noextern, noexn).
    Bottom,
    /// An i31, struct or array.
    Eq,
    I31,
    Struct,
    Array,
    /// A function whose type is a declared subtype of `id` at `depth`.
    Func {
        id: u32,
        depth: u32,
    },
    /// A struct or array whose type is a declared subtype of `id` at `depth`.
    Object {
        id: u32,
        depth: u32,
    },
}

/// A memory access that does not fit the compact load/store forms.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MemArgs {
    /// Memory index.
    pub mem: u32,
    /// Static offset.
    pub offset: u64,
    /// Which access (`LoadKind`/`StoreKind` as a byte).
    pub kind: u8,
}

/// The translated body of a defined function.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    /// The instructions; the last one is always a `Return` or `Trap`.
    pub code: Box<[Instr]>,
    /// Number of value parameters (value slots 0..).
    pub value_params: u32,
    /// Number of reference parameters (reference slots 0..).
    pub ref_params: u32,
    /// Value locals including parameters; slots `value_params..value_locals` are zeroed on entry.
    pub value_locals: u32,
    /// Value frame size (locals plus maximum operand height).
    pub value_frame: u32,
    /// Reference frame size.
    pub ref_frame: u32,
    /// Call sites referenced by this function's calls.
    pub call_sites: Box<[CallSite]>,
    /// Memory accesses referenced by `LoadExt`/`StoreExt`.
    pub mem_args: Box<[MemArgs]>,
    /// Cast targets referenced by `RefTest`/`RefCast`/`BrOnCast*`.
    pub casts: Box<[CastTarget]>,
}

impl Instr {
    /// The immediate-operand form of binary op `self` with right operand
    /// `imm`, if there is one.
    pub(crate) fn with_imm(&self, imm: i32) -> Option<Instr> {
        match *self {
            Instr::I32Add { dst, a, .. } => Some(Instr::I32AddImm { dst, a, imm }),
            Instr::I32Sub { dst, a, .. } => Some(Instr::I32SubImm { dst, a, imm }),
            Instr::I32Mul { dst, a, .. } => Some(Instr::I32MulImm { dst, a, imm }),
            Instr::I32And { dst, a, .. } => Some(Instr::I32AndImm { dst, a, imm }),
            Instr::I32Or { dst, a, .. } => Some(Instr::I32OrImm { dst, a, imm }),
            Instr::I32Xor { dst, a, .. } => Some(Instr::I32XorImm { dst, a, imm }),
            Instr::I32Shl { dst, a, .. } => Some(Instr::I32ShlImm { dst, a, imm }),
            Instr::I32ShrS { dst, a, .. } => Some(Instr::I32ShrSImm { dst, a, imm }),
            Instr::I32ShrU { dst, a, .. } => Some(Instr::I32ShrUImm { dst, a, imm }),
            Instr::I32Eq { dst, a, .. } => Some(Instr::I32EqImm { dst, a, imm }),
            Instr::I32Ne { dst, a, .. } => Some(Instr::I32NeImm { dst, a, imm }),
            Instr::I32LtS { dst, a, .. } => Some(Instr::I32LtSImm { dst, a, imm }),
            Instr::I32LtU { dst, a, .. } => Some(Instr::I32LtUImm { dst, a, imm }),
            Instr::I32GtS { dst, a, .. } => Some(Instr::I32GtSImm { dst, a, imm }),
            Instr::I32GtU { dst, a, .. } => Some(Instr::I32GtUImm { dst, a, imm }),
            Instr::I32LeS { dst, a, .. } => Some(Instr::I32LeSImm { dst, a, imm }),
            Instr::I32LeU { dst, a, .. } => Some(Instr::I32LeUImm { dst, a, imm }),
            Instr::I32GeS { dst, a, .. } => Some(Instr::I32GeSImm { dst, a, imm }),
            Instr::I32GeU { dst, a, .. } => Some(Instr::I32GeUImm { dst, a, imm }),
            Instr::I64Add { dst, a, .. } => Some(Instr::I64AddImm { dst, a, imm }),
            Instr::I64Sub { dst, a, .. } => Some(Instr::I64SubImm { dst, a, imm }),
            Instr::I64Mul { dst, a, .. } => Some(Instr::I64MulImm { dst, a, imm }),
            Instr::I64And { dst, a, .. } => Some(Instr::I64AndImm { dst, a, imm }),
            Instr::I64Or { dst, a, .. } => Some(Instr::I64OrImm { dst, a, imm }),
            Instr::I64Xor { dst, a, .. } => Some(Instr::I64XorImm { dst, a, imm }),
            Instr::I64Shl { dst, a, .. } => Some(Instr::I64ShlImm { dst, a, imm }),
            Instr::I64ShrS { dst, a, .. } => Some(Instr::I64ShrSImm { dst, a, imm }),
            Instr::I64ShrU { dst, a, .. } => Some(Instr::I64ShrUImm { dst, a, imm }),
            Instr::I64Eq { dst, a, .. } => Some(Instr::I64EqImm { dst, a, imm }),
            Instr::I64Ne { dst, a, .. } => Some(Instr::I64NeImm { dst, a, imm }),
            Instr::I64LtS { dst, a, .. } => Some(Instr::I64LtSImm { dst, a, imm }),
            Instr::I64LtU { dst, a, .. } => Some(Instr::I64LtUImm { dst, a, imm }),
            Instr::I64GtS { dst, a, .. } => Some(Instr::I64GtSImm { dst, a, imm }),
            Instr::I64GtU { dst, a, .. } => Some(Instr::I64GtUImm { dst, a, imm }),
            Instr::I64LeS { dst, a, .. } => Some(Instr::I64LeSImm { dst, a, imm }),
            Instr::I64LeU { dst, a, .. } => Some(Instr::I64LeUImm { dst, a, imm }),
            Instr::I64GeS { dst, a, .. } => Some(Instr::I64GeSImm { dst, a, imm }),
            Instr::I64GeU { dst, a, .. } => Some(Instr::I64GeUImm { dst, a, imm }),
            _ => None,
        }
    }

    /// For a compare (or `eqz`), the fused branch-if-true and
    /// branch-if-false instructions (offsets to be set).
    pub(crate) fn fused_branches(&self) -> Option<(Instr, Instr)> {
        Some(match *self {
            Instr::I32Eq { a, b, .. } => (
                Instr::BrI32Eq { a, b, offset: 0 },
                Instr::BrI32Ne { a, b, offset: 0 },
            ),
            Instr::I32EqImm { a, imm, .. } => (
                Instr::BrI32EqImm { a, imm, offset: 0 },
                Instr::BrI32NeImm { a, imm, offset: 0 },
            ),
            Instr::I32Ne { a, b, .. } => (
                Instr::BrI32Ne { a, b, offset: 0 },
                Instr::BrI32Eq { a, b, offset: 0 },
            ),
            Instr::I32NeImm { a, imm, .. } => (
                Instr::BrI32NeImm { a, imm, offset: 0 },
                Instr::BrI32EqImm { a, imm, offset: 0 },
            ),
            Instr::I32LtS { a, b, .. } => (
                Instr::BrI32LtS { a, b, offset: 0 },
                Instr::BrI32GeS { a, b, offset: 0 },
            ),
            Instr::I32LtSImm { a, imm, .. } => (
                Instr::BrI32LtSImm { a, imm, offset: 0 },
                Instr::BrI32GeSImm { a, imm, offset: 0 },
            ),
            Instr::I32LtU { a, b, .. } => (
                Instr::BrI32LtU { a, b, offset: 0 },
                Instr::BrI32GeU { a, b, offset: 0 },
            ),
            Instr::I32LtUImm { a, imm, .. } => (
                Instr::BrI32LtUImm { a, imm, offset: 0 },
                Instr::BrI32GeUImm { a, imm, offset: 0 },
            ),
            Instr::I32GtS { a, b, .. } => (
                Instr::BrI32GtS { a, b, offset: 0 },
                Instr::BrI32LeS { a, b, offset: 0 },
            ),
            Instr::I32GtSImm { a, imm, .. } => (
                Instr::BrI32GtSImm { a, imm, offset: 0 },
                Instr::BrI32LeSImm { a, imm, offset: 0 },
            ),
            Instr::I32GtU { a, b, .. } => (
                Instr::BrI32GtU { a, b, offset: 0 },
                Instr::BrI32LeU { a, b, offset: 0 },
            ),
            Instr::I32GtUImm { a, imm, .. } => (
                Instr::BrI32GtUImm { a, imm, offset: 0 },
                Instr::BrI32LeUImm { a, imm, offset: 0 },
            ),
            Instr::I32LeS { a, b, .. } => (
                Instr::BrI32LeS { a, b, offset: 0 },
                Instr::BrI32GtS { a, b, offset: 0 },
            ),
            Instr::I32LeSImm { a, imm, .. } => (
                Instr::BrI32LeSImm { a, imm, offset: 0 },
                Instr::BrI32GtSImm { a, imm, offset: 0 },
            ),
            Instr::I32LeU { a, b, .. } => (
                Instr::BrI32LeU { a, b, offset: 0 },
                Instr::BrI32GtU { a, b, offset: 0 },
            ),
            Instr::I32LeUImm { a, imm, .. } => (
                Instr::BrI32LeUImm { a, imm, offset: 0 },
                Instr::BrI32GtUImm { a, imm, offset: 0 },
            ),
            Instr::I32GeS { a, b, .. } => (
                Instr::BrI32GeS { a, b, offset: 0 },
                Instr::BrI32LtS { a, b, offset: 0 },
            ),
            Instr::I32GeSImm { a, imm, .. } => (
                Instr::BrI32GeSImm { a, imm, offset: 0 },
                Instr::BrI32LtSImm { a, imm, offset: 0 },
            ),
            Instr::I32GeU { a, b, .. } => (
                Instr::BrI32GeU { a, b, offset: 0 },
                Instr::BrI32LtU { a, b, offset: 0 },
            ),
            Instr::I32GeUImm { a, imm, .. } => (
                Instr::BrI32GeUImm { a, imm, offset: 0 },
                Instr::BrI32LtUImm { a, imm, offset: 0 },
            ),
            Instr::I32Eqz { src, .. } => (
                Instr::BrI32Eqz { a: src, offset: 0 },
                Instr::BrI32Nez { a: src, offset: 0 },
            ),
            Instr::I64Eq { a, b, .. } => (
                Instr::BrI64Eq { a, b, offset: 0 },
                Instr::BrI64Ne { a, b, offset: 0 },
            ),
            Instr::I64EqImm { a, imm, .. } => (
                Instr::BrI64EqImm { a, imm, offset: 0 },
                Instr::BrI64NeImm { a, imm, offset: 0 },
            ),
            Instr::I64Ne { a, b, .. } => (
                Instr::BrI64Ne { a, b, offset: 0 },
                Instr::BrI64Eq { a, b, offset: 0 },
            ),
            Instr::I64NeImm { a, imm, .. } => (
                Instr::BrI64NeImm { a, imm, offset: 0 },
                Instr::BrI64EqImm { a, imm, offset: 0 },
            ),
            Instr::I64LtS { a, b, .. } => (
                Instr::BrI64LtS { a, b, offset: 0 },
                Instr::BrI64GeS { a, b, offset: 0 },
            ),
            Instr::I64LtSImm { a, imm, .. } => (
                Instr::BrI64LtSImm { a, imm, offset: 0 },
                Instr::BrI64GeSImm { a, imm, offset: 0 },
            ),
            Instr::I64LtU { a, b, .. } => (
                Instr::BrI64LtU { a, b, offset: 0 },
                Instr::BrI64GeU { a, b, offset: 0 },
            ),
            Instr::I64LtUImm { a, imm, .. } => (
                Instr::BrI64LtUImm { a, imm, offset: 0 },
                Instr::BrI64GeUImm { a, imm, offset: 0 },
            ),
            Instr::I64GtS { a, b, .. } => (
                Instr::BrI64GtS { a, b, offset: 0 },
                Instr::BrI64LeS { a, b, offset: 0 },
            ),
            Instr::I64GtSImm { a, imm, .. } => (
                Instr::BrI64GtSImm { a, imm, offset: 0 },
                Instr::BrI64LeSImm { a, imm, offset: 0 },
            ),
            Instr::I64GtU { a, b, .. } => (
                Instr::BrI64GtU { a, b, offset: 0 },
                Instr::BrI64LeU { a, b, offset: 0 },
            ),
            Instr::I64GtUImm { a, imm, .. } => (
                Instr::BrI64GtUImm { a, imm, offset: 0 },
                Instr::BrI64LeUImm { a, imm, offset: 0 },
            ),
            Instr::I64LeS { a, b, .. } => (
                Instr::BrI64LeS { a, b, offset: 0 },
                Instr::BrI64GtS { a, b, offset: 0 },
            ),
            Instr::I64LeSImm { a, imm, .. } => (
                Instr::BrI64LeSImm { a, imm, offset: 0 },
                Instr::BrI64GtSImm { a, imm, offset: 0 },
            ),
            Instr::I64LeU { a, b, .. } => (
                Instr::BrI64LeU { a, b, offset: 0 },
                Instr::BrI64GtU { a, b, offset: 0 },
            ),
            Instr::I64LeUImm { a, imm, .. } => (
                Instr::BrI64LeUImm { a, imm, offset: 0 },
                Instr::BrI64GtUImm { a, imm, offset: 0 },
            ),
            Instr::I64GeS { a, b, .. } => (
                Instr::BrI64GeS { a, b, offset: 0 },
                Instr::BrI64LtS { a, b, offset: 0 },
            ),
            Instr::I64GeSImm { a, imm, .. } => (
                Instr::BrI64GeSImm { a, imm, offset: 0 },
                Instr::BrI64LtSImm { a, imm, offset: 0 },
            ),
            Instr::I64GeU { a, b, .. } => (
                Instr::BrI64GeU { a, b, offset: 0 },
                Instr::BrI64LtU { a, b, offset: 0 },
            ),
            Instr::I64GeUImm { a, imm, .. } => (
                Instr::BrI64GeUImm { a, imm, offset: 0 },
                Instr::BrI64LtUImm { a, imm, offset: 0 },
            ),
            Instr::I64Eqz { src, .. } => (
                Instr::BrI64Eqz { a: src, offset: 0 },
                Instr::BrI64Nez { a: src, offset: 0 },
            ),
            _ => return None,
        })
    }

    /// Sets the offset of a branch instruction; `false` if it is not one.
    pub(crate) fn set_offset(&mut self, off: Offset) -> bool {
        match self {
            Instr::Br { offset }
            | Instr::BrIf { offset, .. }
            | Instr::BrIfNot { offset, .. }
            | Instr::BrOnNull { offset, .. }
            | Instr::BrOnNonNull { offset, .. }
            | Instr::BrOnCast { offset, .. }
            | Instr::BrOnCastFail { offset, .. }
            | Instr::BrI32Eq { offset, .. }
            | Instr::BrI32EqImm { offset, .. }
            | Instr::BrI32Ne { offset, .. }
            | Instr::BrI32NeImm { offset, .. }
            | Instr::BrI32LtS { offset, .. }
            | Instr::BrI32LtSImm { offset, .. }
            | Instr::BrI32LtU { offset, .. }
            | Instr::BrI32LtUImm { offset, .. }
            | Instr::BrI32GtS { offset, .. }
            | Instr::BrI32GtSImm { offset, .. }
            | Instr::BrI32GtU { offset, .. }
            | Instr::BrI32GtUImm { offset, .. }
            | Instr::BrI32LeS { offset, .. }
            | Instr::BrI32LeSImm { offset, .. }
            | Instr::BrI32LeU { offset, .. }
            | Instr::BrI32LeUImm { offset, .. }
            | Instr::BrI32GeS { offset, .. }
            | Instr::BrI32GeSImm { offset, .. }
            | Instr::BrI32GeU { offset, .. }
            | Instr::BrI32GeUImm { offset, .. }
            | Instr::BrI32Eqz { offset, .. }
            | Instr::BrI32Nez { offset, .. }
            | Instr::BrI64Eq { offset, .. }
            | Instr::BrI64EqImm { offset, .. }
            | Instr::BrI64Ne { offset, .. }
            | Instr::BrI64NeImm { offset, .. }
            | Instr::BrI64LtS { offset, .. }
            | Instr::BrI64LtSImm { offset, .. }
            | Instr::BrI64LtU { offset, .. }
            | Instr::BrI64LtUImm { offset, .. }
            | Instr::BrI64GtS { offset, .. }
            | Instr::BrI64GtSImm { offset, .. }
            | Instr::BrI64GtU { offset, .. }
            | Instr::BrI64GtUImm { offset, .. }
            | Instr::BrI64LeS { offset, .. }
            | Instr::BrI64LeSImm { offset, .. }
            | Instr::BrI64LeU { offset, .. }
            | Instr::BrI64LeUImm { offset, .. }
            | Instr::BrI64GeS { offset, .. }
            | Instr::BrI64GeSImm { offset, .. }
            | Instr::BrI64GeU { offset, .. }
            | Instr::BrI64GeUImm { offset, .. }
            | Instr::BrI64Eqz { offset, .. }
            | Instr::BrI64Nez { offset, .. } => {
                *offset = off;
                true
            }
            _ => false,
        }
    }

    /// This branch instruction with offset `off`.
    pub(crate) fn at_offset(mut self, off: Offset) -> Instr {
        self.set_offset(off);
        self
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<super::Instr>() <= 16);
    }
}
