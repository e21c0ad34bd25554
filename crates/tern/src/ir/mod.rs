//! Tern's slot-addressed (register-based) instruction set.
//!
//! Every function has a value frame (untyped 64-bit slots for numbers) and a
//! reference frame (32-bit raw references, see `values::raw`). Locals come
//! first in each frame, operand-stack positions follow; an instruction names
//! its input and output slots directly, relative to the current frame base.
//! Branch offsets are relative to the branching instruction and resolved at
//! translation time. Rare, wide operands live in the module's side tables
//! (`CallSite`) so that `Instr` stays 16 bytes.
//!
//! The instructions themselves are declared once, in the table of
//! [`isa`]; this module generates the `Instr` enum and its helper methods
//! from it.

mod access;
mod listing;

use crate::index::{DefFunc, TypeIdx};
use crate::registry::TypeId;

pub(crate) use access::{LoadKind, MemKind, SimdKind, StoreKind};

/// A frame-relative slot index (value frame or reference frame, as the
/// instruction says).
pub(crate) type Slot = u32;

/// A branch offset, relative to the branching instruction.
pub(crate) type Offset = i32;

/// The step of a loop counter that a `branch_step` instruction adds before
/// its compare (see `Instr::with_step`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step {
    /// A constant.
    Imm(i16),
    /// A value slot.
    By(Slot),
}

/// A call: where the callee's frame starts in the caller's frames, and
/// what is called.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSite {
    /// Value-frame slot of the first value argument (= callee value frame base).
    pub vbase: Slot,
    /// Reference-frame slot of the first reference argument.
    pub rbase: Slot,
    /// The callee.
    pub callee: Callee,
}

/// What a call site calls.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Callee {
    /// An import of the current module, by module function index.
    Imported(u32),
    /// An element of table `table` (module index) whose type must be a
    /// subtype of module type `ty`, canonical id `type_id` (for the equality
    /// fast path of the signature check).
    Table {
        table: u32,
        ty: TypeIdx,
        type_id: TypeId,
    },
    /// A function reference (its type is validated statically).
    Ref,
}

/// A GC allocation whose operands sit in consecutive slots: fields or
/// elements from `vbase`/`rbase` (in declaration order), result at
/// `refs[rbase]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AllocSite {
    /// Value-frame slot of the first value operand.
    pub vbase: Slot,
    /// Reference-frame slot of the first reference operand (and the result).
    pub rbase: Slot,
    /// The struct or array type allocated.
    pub ty: TypeIdx,
    /// What else the instruction needs.
    pub source: AllocSource,
}

/// Where an allocation's initial contents come from, beyond its slots.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AllocSource {
    /// Only the operand slots (`struct.new`, `array.new`).
    Operands,
    /// `array.new_fixed` with this many elements in the operand slots.
    Fixed(u32),
    /// `array.new_data` from this data segment.
    Data(u32),
    /// `array.new_elem` from this element segment.
    Elem(u32),
}

/// Generates, from the table in [`isa`], the `Instr` enum, its helper
/// methods, and two matchers for the other consumers of the table:
///
/// - `match_instr!(instr, handler, ctx, { other arms })`: a `match` over an
///   `Instr` whose family arms expand to `handler!(ctx family operands...)`
///   (the executor's semantics per family, `interp/exec.rs`);
/// - `match_operator!(op, handler, ctx, { other arms })`: the same over a
///   wasmparser `Operator` for the numeric families (`translate/numeric.rs`).
///
/// This is the only place that knows the table's grammar. `$d` is a `$`
/// token, so that the generated macros can have metavariables of their own.
/// Defines `Op`, the opcode of each instruction (`Instr`'s variants
/// without their operands, in the same order, so `Instr::op` is the enum's
/// tag), from `for_each_instr!`'s list.
macro_rules! define_opcodes {
    ($($name:ident { $($field:ident),* } ($($family:tt)*);)*) => {
        /// The opcode of each instruction.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u16)]
        #[allow(dead_code)]
        pub(crate) enum Op {
            $($name,)*
        }

        impl Instr {
            /// This instruction's opcode (its variant's position in `Instr`).
            #[inline(always)]
            #[allow(dead_code)]
            pub(crate) fn op(&self) -> Op {
                match self {
                    $(Instr::$name { .. } => Op::$name,)*
                }
            }
        }
    };
}

macro_rules! define_isa {
    (
        ($d:tt)
        binary {
            $( $bin:ident = $bsem:ident
                $(, br $bt:ident / $bf:ident)?
                $(, imm $imm:ident : $iw:ident $(, br $bti:ident / $bfi:ident)?)? ; )*
        }
        binary_trap { $( $bint:ident = $btsem:ident ; )* }
        unary { $( $un:ident = $usem:ident $(, br $ut:ident / $uf:ident)? ; )* }
        unary_trap { $( $unt:ident = $utsem:ident ; )* }
        branch_unary { $( $bru:ident = $brusem:ident ; )* }
        branch_binary { $( $brb:ident = $brbsem:ident ; )* }
        branch_imm { $( $bri:ident = $brisem:ident : $briw:ident ; )* }
        branch_step { $( $stpk:ident / $stpki:ident / $stpy:ident / $stpyi:ident = $ssem:ident, $sfrom:ident / $sfromi:ident ; )* }
        load_branch { unary { $( $lbu:ident = $lbusem:ident, $lbufrom:ident ; )* } $( $lb:ident = $lbsem:ident, $lbfrom:ident ; )* }
        load { $( $ld:ident = $ldk:ident $(, via $ldv:ident)? $(, imm $ldi:ident)? $(, idx $ldx:ident $(, scaled $lds:ident : $lsh:literal)?)? ; )* }
        store { $( $st:ident = $stk:ident $(, const $stc:ident $stci:ident)? $(, imm $sti:ident)? $(, idx $stx:ident $(, scaled $sts:ident : $ssh:literal)?)? ; )* }
        field_get { $( $sget:ident / $aget:ident = $gk:ident, $gsem:ident ; )* }
        field_set { $( $sset:ident / $aset:ident = $sk:ident ; )* }
        v128_binary { $( $vb:ident = $vbsem:ident ; )* }
        v128_unary { $( $vu:ident = $vusem:ident ; )* }
        v128_ternary { $( $vt:ident = $vtsem:ident ; )* }
        v128_shift { $( $vs:ident = $vssem:ident ; )* }
        v128_splat { $( $vsp:ident = $vspsem:ident ; )* }
        v128_reduce { $( $vr:ident = $vrsem:ident ; )* }
        v128_extract { $( $vx:ident = $vxsem:ident ; )* }
        v128_replace { $( $vrp:ident = $vrpsem:ident ; )* }
        v128_load { $( $vl:ident = $vlsem:ident ; )* }
        other {
            $( $(#[doc = $doc:literal])* $name:ident $({ $($field:ident : $fty:ty),* $(,)? })?
                $(=> $dst:ident)? $(goto $off:ident)? ; )*
        }
    ) => {
        /// One IR instruction. See the module docs for the slot model and
        /// [`isa`] for the families.
        #[derive(Clone, Copy, Debug)]
        pub(crate) enum Instr {
            $(
                #[doc = concat!("`vals[dst] = ", stringify!($bsem), "(vals[a], vals[b])`.")] $bin { dst: Slot, a: Slot, b: Slot },
                $(#[doc = concat!("Branch if `", stringify!($bsem), "(vals[a], vals[b])`.")] $bt { a: Slot, b: Slot, offset: Offset },)?
                $(
                    #[doc = concat!("`vals[dst] = ", stringify!($bsem), "(vals[a], imm)` (", stringify!($iw), " immediate).")] $imm { dst: Slot, a: Slot, imm: i32 },
                    $(#[doc = concat!("Branch if `", stringify!($bsem), "(vals[a], imm)` (", stringify!($iw), " immediate).")] $bti { a: Slot, imm: i32, offset: Offset },)?
                )?
            )*
            $(#[doc = concat!("`vals[dst] = ", stringify!($btsem), "(vals[a], vals[b])`, or a trap.")] $bint { dst: Slot, a: Slot, b: Slot },)*
            $(
                #[doc = concat!("`vals[dst] = ", stringify!($usem), "(vals[src])`.")] $un { dst: Slot, src: Slot },
                $(#[doc = concat!("Branch if `", stringify!($usem), "(vals[a])`.")] $ut { a: Slot, offset: Offset },)?
            )*
            $(#[doc = concat!("`vals[dst] = ", stringify!($utsem), "(vals[src])`, or a trap.")] $unt { dst: Slot, src: Slot },)*
            $(#[doc = concat!("Branch if `", stringify!($brusem), "(vals[a])`.")] $bru { a: Slot, offset: Offset },)*
            $(#[doc = concat!("Branch if `", stringify!($brbsem), "(vals[a], vals[b])`.")] $brb { a: Slot, b: Slot, offset: Offset },)*
            $(#[doc = concat!("Branch if `", stringify!($brisem), "(vals[a], imm)` (", stringify!($briw), " immediate).")] $bri { a: Slot, imm: i32, offset: Offset },)*
            $(
                #[doc = concat!("`vals[x] += k` (i32), then branch if `", stringify!($ssem), "(vals[x], vals[b])`.")] $stpk { x: u16, k: i16, b: u16, offset: Offset },
                #[doc = concat!("`vals[x] += k` (i32), then branch if `", stringify!($ssem), "(vals[x], imm)`.")] $stpki { x: u16, k: i16, imm: i32, offset: Offset },
                #[doc = concat!("`vals[x] += vals[y]` (i32), then branch if `", stringify!($ssem), "(vals[x], vals[b])`.")] $stpy { x: u16, y: u16, b: u16, offset: Offset },
                #[doc = concat!("`vals[x] += vals[y]` (i32), then branch if `", stringify!($ssem), "(vals[x], imm)`.")] $stpyi { x: u16, y: u16, imm: i32, offset: Offset },
            )*
            $(#[doc = concat!("`vals[dst] = mem0[vals[addr] + end - 4]` (i32), then branch if `", stringify!($lbsem), "(vals[dst], vals[b])`.")] $lb { dst: u16, addr: u16, b: u16, end: u16, offset: Offset },)*
            $(#[doc = concat!("`vals[dst] = mem0[vals[addr] + end - 4]` (i32), then branch if `", stringify!($lbusem), "(vals[dst])`.")] $lbu { dst: u16, addr: u16, end: u16, offset: Offset },)*
            $(
                #[doc = concat!("`vals[dst] = mem0[vals[addr] + end - size]` as `LoadKind::", stringify!($ldk), "` (`end`: static offset plus access size).")] $ld { dst: Slot, addr: Slot, end: u32 },
                $(#[doc = concat!("`vals[dst] = mem0[p + end - size]` as `LoadKind::", stringify!($ldk), "`, where `p` is the `i32` at `mem0[vals[addr] + first - 4]` (a pointer load fused in; `first`: its static offset plus 4).")] $ldv { dst: Slot, addr: Slot, first: u16, end: u16 },)?
                $(#[doc = concat!("`vals[dst] = mem0[vals[base] + imm]` (32-bit address) as `LoadKind::", stringify!($ldk), "`.")] $ldi { dst: Slot, base: Slot, imm: u32 },)?
                $(
                    #[doc = concat!("`vals[dst] = mem0[vals[base] + vals[index]]` (32-bit address) as `LoadKind::", stringify!($ldk), "`.")] $ldx { dst: Slot, base: Slot, index: Slot },
                    $(#[doc = concat!("`vals[dst] = mem0[vals[base] + (vals[index] << ", stringify!($lsh), ")]` (32-bit address) as `LoadKind::", stringify!($ldk), "`.")] $lds { dst: Slot, base: Slot, index: Slot },)?
                )?
            )*
            $(
                #[doc = concat!("`mem0[vals[addr] + end - size] = vals[val]` as `StoreKind::", stringify!($stk), "` (`end`: static offset plus access size).")] $st { addr: Slot, val: Slot, end: u32 },
                $(
                    #[doc = concat!("`mem0[vals[addr] + end - size] = val` (a constant, sign-extended to 64 bits) as `StoreKind::", stringify!($stk), "`.")] $stc { addr: Slot, val: i32, end: u32 },
                    #[doc = concat!("`mem0[vals[base] + imm] = val` (32-bit address; a constant, sign-extended to 64 bits) as `StoreKind::", stringify!($stk), "`.")] $stci { base: Slot, val: i32, imm: u32 },
                )?
                $(#[doc = concat!("`mem0[vals[base] + imm] = vals[val]` (32-bit address) as `StoreKind::", stringify!($stk), "`.")] $sti { base: Slot, val: Slot, imm: u32 },)?
                $(
                    #[doc = concat!("`mem0[vals[base] + vals[index]] = vals[val]` (32-bit address) as `StoreKind::", stringify!($stk), "`.")] $stx { base: Slot, index: Slot, val: Slot },
                    $(#[doc = concat!("`mem0[vals[base] + (vals[index] << ", stringify!($ssh), ")] = vals[val]` (32-bit address) as `StoreKind::", stringify!($stk), "`.")] $sts { base: Slot, index: Slot, val: Slot },)?
                )?
            )*
            $(
                #[doc = concat!("`vals[dst] = ", stringify!($gsem), "(field)`: a `", stringify!($gk), "` field at byte `offset` of the struct `refs[obj]`.")] $sget { dst: Slot, obj: Slot, offset: u32 },
                #[doc = concat!("`vals[dst] = ", stringify!($gsem), "(elem)`: element `vals[index]` of the `", stringify!($gk), "` array `refs[arr]`.")] $aget { dst: Slot, arr: Slot, index: Slot },
            )*
            $(
                #[doc = concat!("Writes `vals[val]` to a `", stringify!($sk), "` field at byte `offset` of the struct `refs[obj]`.")] $sset { obj: Slot, val: Slot, offset: u32 },
                #[doc = concat!("Writes `vals[val]` to element `vals[index]` of the `", stringify!($sk), "` array `refs[arr]`.")] $aset { arr: Slot, index: Slot, val: Slot },
            )*
            $(#[doc = concat!("`v128 dst = ", stringify!($vbsem), "(a, b)`.")] $vb { dst: Slot, a: Slot, b: Slot },)*
            $(#[doc = concat!("`v128 dst = ", stringify!($vusem), "(src)`.")] $vu { dst: Slot, src: Slot },)*
            $(#[doc = concat!("`v128 dst = ", stringify!($vtsem), "(dst, b, c)`.")] $vt { dst: Slot, b: Slot, c: Slot },)*
            $(#[doc = concat!("`v128 dst = ", stringify!($vssem), "(a, vals[b])`.")] $vs { dst: Slot, a: Slot, b: Slot },)*
            $(#[doc = concat!("`v128 dst = ", stringify!($vspsem), "(vals[src])`.")] $vsp { dst: Slot, src: Slot },)*
            $(#[doc = concat!("`vals[dst] = ", stringify!($vrsem), "(v128 src)`.")] $vr { dst: Slot, src: Slot },)*
            $(#[doc = concat!("`vals[dst] = ", stringify!($vxsem), "(v128 src, lane)`.")] $vx { dst: Slot, src: Slot, lane: u32 },)*
            $(#[doc = concat!("`v128 dst = ", stringify!($vrpsem), "(dst, vals[src], lane)`.")] $vrp { dst: Slot, src: Slot, lane: u32 },)*
            $(#[doc = concat!("`v128 dst = ", stringify!($vlsem), "(mem0, vals[addr] + offset)`.")] $vl { dst: Slot, addr: Slot, offset: u32 },)*
            $( $(#[doc = $doc])* $name $({ $($field: $fty),* })?, )*
        }

        impl Instr {
            /// The result slot of an instruction whose result the
            /// translator may retarget (e.g. straight into a local).
            pub(crate) fn dst_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $(Instr::$bin { dst, .. } $(| Instr::$imm { dst, .. })? => Some(dst),)*
                    $(Instr::$bint { dst, .. } => Some(dst),)*
                    $(Instr::$un { dst, .. } => Some(dst),)*
                    $(Instr::$unt { dst, .. } => Some(dst),)*
                    $(Instr::$ld { dst, .. } $(| Instr::$ldv { dst, .. })? $(| Instr::$ldi { dst, .. })? $(| Instr::$ldx { dst, .. } $(| Instr::$lds { dst, .. })?)? => Some(dst),)*
                    $(Instr::$sget { dst, .. } | Instr::$aget { dst, .. } => Some(dst),)*
                    // Not `v128_ternary`/`v128_replace`: their `dst` is an input too.
                    $(Instr::$vb { dst, .. } => Some(dst),)*
                    $(Instr::$vu { dst, .. } => Some(dst),)*
                    $(Instr::$vs { dst, .. } => Some(dst),)*
                    $(Instr::$vsp { dst, .. } => Some(dst),)*
                    $(Instr::$vr { dst, .. } => Some(dst),)*
                    $(Instr::$vx { dst, .. } => Some(dst),)*
                    $(Instr::$vl { dst, .. } => Some(dst),)*
                    $($(Instr::$name { $dst, .. } => Some($dst),)?)*
                    _ => None,
                }
            }

            /// The immediate-operand form of binary op `self` with right
            /// operand `imm`, if there is one.
            pub(crate) fn with_imm(&self, imm: i32) -> Option<Instr> {
                match *self {
                    $($(Instr::$bin { dst, a, .. } => Some(Instr::$imm { dst, a, imm }),)?)*
                    _ => None,
                }
            }

            /// The indexed form of a compact load or store with static
            /// offset 0 (`self`, as the translator built it) at address
            /// `vals[base] + (vals[index] << shift)`, if its row has one
            /// for that shift.
            pub(crate) fn indexed(&self, base: Slot, index: Slot, shift: u32) -> Option<Instr> {
                match *self {
                    $($(
                        Instr::$ld { dst, .. } if shift == 0 => Some(Instr::$ldx { dst, base, index }),
                        $(Instr::$ld { dst, .. } if shift == $lsh => Some(Instr::$lds { dst, base, index }),)?
                    )?)*
                    $($(
                        Instr::$st { val, .. } if shift == 0 => Some(Instr::$stx { base, index, val }),
                        $(Instr::$st { val, .. } if shift == $ssh => Some(Instr::$sts { base, index, val }),)?
                    )?)*
                    _ => None,
                }
            }

            /// The immediate-addend form of a compact load or store with
            /// static offset 0 (`self`, as the translator built it) at
            /// address `vals[base] + imm`, if its row has one.
            pub(crate) fn at_addend(&self, base: Slot, imm: u32) -> Option<Instr> {
                match *self {
                    $($(Instr::$ld { dst, .. } => Some(Instr::$ldi { dst, base, imm }),)?)*
                    $($(Instr::$st { val, .. } => Some(Instr::$sti { base, val, imm }),)?)*
                    _ => None,
                }
            }

            /// The pointer-chasing form of a compact load (`self`, static
            /// end `end`) whose address is the `i32` loaded from
            /// `vals[addr]` with static end `first`, if its row has one and
            /// both ends fit in 16 bits.
            pub(crate) fn via(&self, addr: Slot, first: u32) -> Option<Instr> {
                let first = u16::try_from(first).ok()?;
                match *self {
                    $($(Instr::$ld { dst, end, .. } => Some(Instr::$ldv { dst, addr, first, end: u16::try_from(end).ok()? }),)?)*
                    _ => None,
                }
            }

            /// The constant-value form of a compact store (`self`, plain
            /// or immediate-addend) storing `val` sign-extended to 64 bits,
            /// if its row has one (a row with `const` needs `imm` too).
            pub(crate) fn with_const_val(&self, val: i32) -> Option<Instr> {
                match *self {
                    $($(
                        Instr::$st { addr, end, .. } => Some(Instr::$stc { addr, val, end }),
                        Instr::$sti { base, imm, .. } => Some(Instr::$stci { base, val, imm }),
                    )?)*
                    _ => None,
                }
            }

            /// For a compare (or `eqz`), the fused branch-if-true and
            /// branch-if-false instructions (offsets to be set).
            pub(crate) fn fused_branches(&self) -> Option<(Instr, Instr)> {
                Some(match *self {
                    $(
                        $(Instr::$bin { a, b, .. } => (
                            Instr::$bt { a, b, offset: 0 },
                            Instr::$bf { a, b, offset: 0 },
                        ),)?
                        $($(Instr::$imm { a, imm, .. } => (
                            Instr::$bti { a, imm, offset: 0 },
                            Instr::$bfi { a, imm, offset: 0 },
                        ),)?)?
                    )*
                    $($(Instr::$un { src, .. } => (
                        Instr::$ut { a: src, offset: 0 },
                        Instr::$uf { a: src, offset: 0 },
                    ),)?)*
                    _ => return None,
                })
            }

            /// For a fused compare-and-branch whose row names its opposite,
            /// the branch on the negated condition (same operands and offset).
            pub(crate) fn negated_branch(&self) -> Option<Instr> {
                Some(match *self {
                    $(
                        $(Instr::$bt { a, b, offset } => Instr::$bf { a, b, offset },)?
                        $($(Instr::$bti { a, imm, offset } => Instr::$bfi { a, imm, offset },)?)?
                    )*
                    $($(Instr::$ut { a, offset } => Instr::$uf { a, offset },)?)*
                    _ => return None,
                })
            }

            /// The `branch_step` form of an i32 compare-and-branch `self`
            /// (`BrI32LtU`, ...) on slot `x` after `x += step`, if there is
            /// one and its slots fit in 16 bits.
            pub(crate) fn with_step(&self, x: Slot, step: Step) -> Option<Instr> {
                let n = |s: Slot| u16::try_from(s).ok();
                Some(match (*self, step) {
                    $(
                        (Instr::$sfrom { a, b, offset }, Step::Imm(k)) if a == x => Instr::$stpk { x: n(x)?, k, b: n(b)?, offset },
                        (Instr::$sfromi { a, imm, offset }, Step::Imm(k)) if a == x => Instr::$stpki { x: n(x)?, k, imm, offset },
                        (Instr::$sfrom { a, b, offset }, Step::By(y)) if a == x => Instr::$stpy { x: n(x)?, y: n(y)?, b: n(b)?, offset },
                        (Instr::$sfromi { a, imm, offset }, Step::By(y)) if a == x => Instr::$stpyi { x: n(x)?, y: n(y)?, imm, offset },
                    )*
                    _ => return None,
                })
            }

            /// The `load_branch` form of an i32 compare-and-branch `self`
            /// (`BrI32LtS`, ...) whose left operand `dst` an `i32.load` from
            /// `vals[addr] + end - 4` just wrote, if there is one and its
            /// slots and `end` fit in 16 bits.
            pub(crate) fn with_load(&self, dst: Slot, addr: Slot, end: u32) -> Option<Instr> {
                let n = |s: u32| u16::try_from(s).ok();
                Some(match *self {
                    $(Instr::$lbfrom { a, b, offset } if a == dst => Instr::$lb { dst: n(dst)?, addr: n(addr)?, b: n(b)?, end: n(end)?, offset },)*
                    $(Instr::$lbufrom { a, offset } if a == dst => Instr::$lbu { dst: n(dst)?, addr: n(addr)?, end: n(end)?, offset },)*
                    _ => return None,
                })
            }

            /// The offset of a branch instruction, relative to itself.
            pub(crate) fn offset(&self) -> Option<Offset> {
                Some(match self {
                    $(
                        $(Instr::$bt { offset, .. } => *offset,)?
                        $($(Instr::$bti { offset, .. } => *offset,)?)?
                    )*
                    $($(Instr::$ut { offset, .. } => *offset,)?)*
                    $(Instr::$bru { offset, .. } => *offset,)*
                    $(Instr::$brb { offset, .. } => *offset,)*
                    $(Instr::$bri { offset, .. } => *offset,)*
                    $(Instr::$stpk { offset, .. } | Instr::$stpki { offset, .. } | Instr::$stpy { offset, .. } | Instr::$stpyi { offset, .. } => *offset,)*
                    $(Instr::$lb { offset, .. } => *offset,)*
                    $(Instr::$lbu { offset, .. } => *offset,)*
                    $($(Instr::$name { $off, .. } => *$off,)?)*
                    _ => return None,
                })
            }

            /// Sets the offset of a branch instruction; `false` if it is not one.
            pub(crate) fn set_offset(&mut self, off: Offset) -> bool {
                match self {
                    $(
                        $(Instr::$bt { offset, .. } => *offset = off,)?
                        $($(Instr::$bti { offset, .. } => *offset = off,)?)?
                    )*
                    $($(Instr::$ut { offset, .. } => *offset = off,)?)*
                    $(Instr::$bru { offset, .. } => *offset = off,)*
                    $(Instr::$brb { offset, .. } => *offset = off,)*
                    $(Instr::$bri { offset, .. } => *offset = off,)*
                    $(Instr::$stpk { offset, .. } | Instr::$stpki { offset, .. } | Instr::$stpy { offset, .. } | Instr::$stpyi { offset, .. } => *offset = off,)*
                    $(Instr::$lb { offset, .. } => *offset = off,)*
                    $(Instr::$lbu { offset, .. } => *offset = off,)*
                    $($(Instr::$name { $off, .. } => *$off = off,)?)*
                    _ => return false,
                }
                true
            }
        }

        /// A `match` over an `Instr`: each table family's arms call
        /// `$h!($ctx family operands...)`; the `other` family's arms are given.
        macro_rules! match_instr {
            ($d instr:expr, $d h:ident, $d ctx:tt, { $d ($d other:tt)* }) => {
                match $d instr {
                    $(
                        Instr::$bin { dst, a, b } => $d h!($d ctx binary dst a b $bsem),
                        $(Instr::$bt { a, b, offset } => $d h!($d ctx branch_binary a b offset $bsem),)?
                        $(
                            Instr::$imm { dst, a, imm } => $d h!($d ctx binary_imm dst a imm $bsem $iw),
                            $(Instr::$bti { a, imm, offset } => {
                                $d h!($d ctx branch_imm a imm offset $bsem $iw)
                            })?
                        )?
                    )*
                    $(Instr::$bint { dst, a, b } => $d h!($d ctx binary_trap dst a b $btsem),)*
                    $(
                        Instr::$un { dst, src } => $d h!($d ctx unary dst src $usem),
                        $(Instr::$ut { a, offset } => $d h!($d ctx branch_unary a offset $usem),)?
                    )*
                    $(Instr::$unt { dst, src } => $d h!($d ctx unary_trap dst src $utsem),)*
                    $(Instr::$bru { a, offset } => $d h!($d ctx branch_unary a offset $brusem),)*
                    $(Instr::$brb { a, b, offset } => $d h!($d ctx branch_binary a b offset $brbsem),)*
                    $(Instr::$bri { a, imm, offset } => $d h!($d ctx branch_imm a imm offset $brisem $briw),)*
                    $(
                        Instr::$stpk { x, k, b, offset } => $d h!($d ctx branch_step x k b offset $ssem imm slot),
                        Instr::$stpki { x, k, imm, offset } => $d h!($d ctx branch_step x k imm offset $ssem imm imm),
                        Instr::$stpy { x, y, b, offset } => $d h!($d ctx branch_step x y b offset $ssem slot slot),
                        Instr::$stpyi { x, y, imm, offset } => $d h!($d ctx branch_step x y imm offset $ssem slot imm),
                    )*
                    $(Instr::$lb { dst, addr, b, end, offset } => $d h!($d ctx load_branch dst addr b end offset $lbsem),)*
                    $(Instr::$lbu { dst, addr, end, offset } => $d h!($d ctx load_branch_unary dst addr end offset $lbusem),)*
                    $(
                        Instr::$ld { dst, addr, end } => $d h!($d ctx load dst addr end $ldk),
                        $(Instr::$ldv { dst, addr, first, end } => $d h!($d ctx load_via dst addr first end $ldk),)?
                        $(Instr::$ldi { dst, base, imm } => $d h!($d ctx load_imm dst base imm $ldk),)?
                        $(
                            Instr::$ldx { dst, base, index } => $d h!($d ctx load_idx dst base index 0 $ldk),
                            $(Instr::$lds { dst, base, index } => $d h!($d ctx load_idx dst base index $lsh $ldk),)?
                        )?
                    )*
                    $(
                        Instr::$st { addr, val, end } => $d h!($d ctx store addr val end $stk),
                        $(
                            Instr::$stc { addr, val, end } => $d h!($d ctx store_const addr val end $stk),
                            Instr::$stci { base, val, imm } => $d h!($d ctx store_const_imm base val imm $stk),
                        )?
                        $(Instr::$sti { base, val, imm } => $d h!($d ctx store_imm base val imm $stk),)?
                        $(
                            Instr::$stx { base, index, val } => $d h!($d ctx store_idx base index val 0 $stk),
                            $(Instr::$sts { base, index, val } => $d h!($d ctx store_idx base index val $ssh $stk),)?
                        )?
                    )*
                    $(
                        Instr::$sget { dst, obj, offset } => $d h!($d ctx struct_get dst obj offset $gk $gsem),
                        Instr::$aget { dst, arr, index } => $d h!($d ctx array_get dst arr index $gk $gsem),
                    )*
                    $(
                        Instr::$sset { obj, val, offset } => $d h!($d ctx struct_set obj val offset $sk),
                        Instr::$aset { arr, index, val } => $d h!($d ctx array_set arr index val $sk),
                    )*
                    $(Instr::$vb { dst, a, b } => $d h!($d ctx v128_binary dst a b $vbsem),)*
                    $(Instr::$vu { dst, src } => $d h!($d ctx v128_unary dst src $vusem),)*
                    $(Instr::$vt { dst, b, c } => $d h!($d ctx v128_ternary dst b c $vtsem),)*
                    $(Instr::$vs { dst, a, b } => $d h!($d ctx v128_shift dst a b $vssem),)*
                    $(Instr::$vsp { dst, src } => $d h!($d ctx v128_splat dst src $vspsem),)*
                    $(Instr::$vr { dst, src } => $d h!($d ctx v128_reduce dst src $vrsem),)*
                    $(Instr::$vx { dst, src, lane } => $d h!($d ctx v128_extract dst src lane $vxsem),)*
                    $(Instr::$vrp { dst, src, lane } => $d h!($d ctx v128_replace dst src lane $vrpsem),)*
                    $(Instr::$vl { dst, addr, offset } => $d h!($d ctx v128_load dst addr offset $vlsem),)*
                    $d ($d other)*
                }
            };
        }
        pub(crate) use match_instr;

        /// Every instruction in `Op` order, for generating one item per
        /// instruction: `for_each_instr!(h)` expands to
        /// `h! { Name { fields } (family operands...); ... }` with the same
        /// `family operands...` that `match_instr!` passes to its handler,
        /// and `Name {} (other);` for the `other` family.
        #[allow(unused_macros)]
        macro_rules! for_each_instr {
            ($d h:ident) => {
                $d h! {
                    $(
                        $bin { dst, a, b } (binary dst a b $bsem);
                        $($bt { a, b, offset } (branch_binary a b offset $bsem);)?
                        $(
                            $imm { dst, a, imm } (binary_imm dst a imm $bsem $iw);
                            $($bti { a, imm, offset } (branch_imm a imm offset $bsem $iw);)?
                        )?
                    )*
                    $($bint { dst, a, b } (binary_trap dst a b $btsem);)*
                    $(
                        $un { dst, src } (unary dst src $usem);
                        $($ut { a, offset } (branch_unary a offset $usem);)?
                    )*
                    $($unt { dst, src } (unary_trap dst src $utsem);)*
                    $($bru { a, offset } (branch_unary a offset $brusem);)*
                    $($brb { a, b, offset } (branch_binary a b offset $brbsem);)*
                    $($bri { a, imm, offset } (branch_imm a imm offset $brisem $briw);)*
                    $(
                        $stpk { x, k, b, offset } (branch_step x k b offset $ssem imm slot);
                        $stpki { x, k, imm, offset } (branch_step x k imm offset $ssem imm imm);
                        $stpy { x, y, b, offset } (branch_step x y b offset $ssem slot slot);
                        $stpyi { x, y, imm, offset } (branch_step x y imm offset $ssem slot imm);
                    )*
                    $($lb { dst, addr, b, end, offset } (load_branch dst addr b end offset $lbsem);)*
                    $($lbu { dst, addr, end, offset } (load_branch_unary dst addr end offset $lbusem);)*
                    $(
                        $ld { dst, addr, end } (load dst addr end $ldk);
                        $($ldv { dst, addr, first, end } (load_via dst addr first end $ldk);)?
                        $($ldi { dst, base, imm } (load_imm dst base imm $ldk);)?
                        $(
                            $ldx { dst, base, index } (load_idx dst base index 0 $ldk);
                            $($lds { dst, base, index } (load_idx dst base index $lsh $ldk);)?
                        )?
                    )*
                    $(
                        $st { addr, val, end } (store addr val end $stk);
                        $(
                            $stc { addr, val, end } (store_const addr val end $stk);
                            $stci { base, val, imm } (store_const_imm base val imm $stk);
                        )?
                        $($sti { base, val, imm } (store_imm base val imm $stk);)?
                        $(
                            $stx { base, index, val } (store_idx base index val 0 $stk);
                            $($sts { base, index, val } (store_idx base index val $ssh $stk);)?
                        )?
                    )*
                    $(
                        $sget { dst, obj, offset } (struct_get dst obj offset $gk $gsem);
                        $aget { dst, arr, index } (array_get dst arr index $gk $gsem);
                    )*
                    $(
                        $sset { obj, val, offset } (struct_set obj val offset $sk);
                        $aset { arr, index, val } (array_set arr index val $sk);
                    )*
                    $($vb { dst, a, b } (v128_binary dst a b $vbsem);)*
                    $($vu { dst, src } (v128_unary dst src $vusem);)*
                    $($vt { dst, b, c } (v128_ternary dst b c $vtsem);)*
                    $($vs { dst, a, b } (v128_shift dst a b $vssem);)*
                    $($vsp { dst, src } (v128_splat dst src $vspsem);)*
                    $($vr { dst, src } (v128_reduce dst src $vrsem);)*
                    $($vx { dst, src, lane } (v128_extract dst src lane $vxsem);)*
                    $($vrp { dst, src, lane } (v128_replace dst src lane $vrpsem);)*
                    $($vl { dst, addr, offset } (v128_load dst addr offset $vlsem);)*
                    $($name {} (other);)*
                }
            };
        }
        #[allow(unused_imports)]
        pub(crate) use for_each_instr;

        for_each_instr!(define_opcodes);

        /// A `match` over a wasmparser `Operator`: each numeric operator of
        /// the table calls `$h!($ctx family Name ...)`.
        macro_rules! match_operator {
            ($d op:expr, $d h:ident, $d ctx:tt, { $d ($d other:tt)* }) => {
                match $d op {
                    $(wasmparser::Operator::$bin => $d h!($d ctx binary $bin),)*
                    $(wasmparser::Operator::$bint => $d h!($d ctx binary $bint),)*
                    $(wasmparser::Operator::$un => $d h!($d ctx unary $un),)*
                    $(wasmparser::Operator::$unt => $d h!($d ctx unary $unt),)*
                    $(wasmparser::Operator::$ld { memarg } => $d h!($d ctx load $ld $ldk memarg),)*
                    $(wasmparser::Operator::$st { memarg } => $d h!($d ctx store $st $stk memarg),)*
                    $(wasmparser::Operator::$vb => $d h!($d ctx v128_binary $vb),)*
                    $(wasmparser::Operator::$vu => $d h!($d ctx v128_unary $vu),)*
                    $(wasmparser::Operator::$vt => $d h!($d ctx v128_ternary $vt),)*
                    $(wasmparser::Operator::$vs => $d h!($d ctx v128_shift $vs),)*
                    $(wasmparser::Operator::$vsp => $d h!($d ctx v128_splat $vsp),)*
                    $(wasmparser::Operator::$vr => $d h!($d ctx v128_reduce $vr),)*
                    $(wasmparser::Operator::$vx { lane } => $d h!($d ctx v128_extract $vx lane),)*
                    $(wasmparser::Operator::$vrp { lane } => $d h!($d ctx v128_replace $vrp lane),)*
                    $(wasmparser::Operator::$vl { memarg } => $d h!($d ctx v128_load $vl memarg),)*
                    $d ($d other)*
                }
            };
        }
        pub(crate) use match_operator;

        /// The whole-vector, extending, splatting and zero-filling loads
        /// (the `v128_load` rows of the table), for the generic access path
        /// (`SimdMem`) that reaches any memory.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)]
        pub(crate) enum SimdLoad {
            $($vl,)*
        }

        /// `match_simd_load!(load, (mem, ea))` calls the semantic function
        /// of `load` (a `SimdLoad`), named as in the table and resolved
        /// where the macro is used.
        macro_rules! match_simd_load {
            ($d load:expr, ($d ($d arg:expr),*)) => {
                match $d load {
                    $($crate::ir::SimdLoad::$vl => $vlsem($d ($d arg),*),)*
                }
            };
        }
        pub(crate) use match_simd_load;
    };
}

#[macro_use]
mod isa;

#[allow(unused_imports)]
pub(crate) use isa::{
    Instr, Op, SimdLoad, for_each_instr, match_instr, match_operator, match_simd_load,
};

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
            // Canonical types name no rec-group-relative types.
            CHeap::RecRel(_) => CastKind::Bottom,
            CHeap::Concrete(id) => match reg.type_ref(id) {
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
        id: TypeId,
        depth: u32,
    },
    /// A struct or array whose type is a declared subtype of `id` at `depth`.
    Object {
        id: TypeId,
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
    /// Which access.
    pub kind: MemKind,
}

/// An exception handler of a function: a `catch` clause of a `try_table`
/// (or of a legacy `try`), or a legacy `delegate`. Handlers are listed
/// innermost first (in the order their blocks end), so the first one whose
/// range holds the throwing instruction and whose tag matches catches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Handler {
    /// Instruction range `start..end` of the protected body.
    pub start: u32,
    pub end: u32,
    /// Nesting depth of the handler's block (for `delegate`).
    pub depth: u32,
    pub kind: HandlerKind,
}

/// What a handler does.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HandlerKind {
    /// Catches exceptions of module tag `tag` (any exception if `None`):
    /// writes the payload (for a tag) to the slots at `vbase`/`rbase`, the
    /// exception itself to `refs[exn]` if set, and jumps to `target`.
    Catch {
        tag: Option<u32>,
        target: u32,
        vbase: Slot,
        rbase: Slot,
        exn: Option<Slot>,
    },
    /// Legacy `delegate`: the search goes on among the handlers of blocks
    /// at depth `depth` or less.
    Delegate { depth: u32 },
}

/// The translated body of a defined function.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    /// This function's index among its module's defined functions.
    pub def: DefFunc,
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
    /// Whether entering the function clears slots: value locals beyond the
    /// parameters, or reference slots beyond them (`value_locals >
    /// value_params || ref_frame > ref_params`, precomputed for the
    /// threaded calls).
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    pub clears: bool,
    /// Call sites referenced by this function's calls.
    pub call_sites: Box<[CallSite]>,
    /// Allocation sites referenced by `StructNew` and `ArrayNew*`.
    pub alloc_sites: Box<[AllocSite]>,
    /// Memory accesses referenced by `LoadExt`/`StoreExt`.
    pub mem_args: Box<[MemArgs]>,
    /// Cast targets referenced by `RefTest`/`RefCast`/`BrOnCast*`.
    pub casts: Box<[CastTarget]>,
    /// Exception handlers, innermost first.
    pub handlers: Box<[Handler]>,
    /// `v128` constants and shuffle lane masks (`V128Const`, `I8x16Shuffle`).
    pub v128s: Box<[u128]>,
}

impl Instr {
    /// This branch instruction with offset `off`.
    pub(crate) fn at_offset(mut self, off: Offset) -> Instr {
        self.set_offset(off);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<Instr>() <= 16);
    }

    #[test]
    fn fused_branches_are_opposites() {
        let cmp = Instr::I32LtS { dst: 0, a: 1, b: 2 };
        let (yes, no) = cmp.fused_branches().unwrap();
        assert!(matches!(yes, Instr::BrI32LtS { a: 1, b: 2, .. }));
        assert!(matches!(no, Instr::BrI32GeS { a: 1, b: 2, .. }));
        let imm = cmp.with_imm(7).unwrap();
        assert!(matches!(
            imm,
            Instr::I32LtSImm {
                dst: 0,
                a: 1,
                imm: 7
            }
        ));
        let (yes, no) = imm.fused_branches().unwrap();
        assert!(matches!(yes, Instr::BrI32LtSImm { imm: 7, .. }));
        assert!(matches!(no, Instr::BrI32GeSImm { imm: 7, .. }));
        // The negation of a float ordering is not the opposite ordering.
        let (yes, no) = Instr::F64Lt { dst: 0, a: 1, b: 2 }
            .fused_branches()
            .unwrap();
        assert!(matches!(yes, Instr::BrF64Lt { a: 1, b: 2, .. }));
        assert!(matches!(no, Instr::BrF64NotLt { a: 1, b: 2, .. }));
        let (_, no) = Instr::F32Eq { dst: 0, a: 1, b: 2 }
            .fused_branches()
            .unwrap();
        assert!(matches!(no, Instr::BrF32Ne { a: 1, b: 2, .. }));
        // Bit tests: branch-if-zero is its own instruction, also with an
        // immediate.
        let and = Instr::I32And { dst: 0, a: 1, b: 2 };
        let (yes, no) = and.fused_branches().unwrap();
        assert!(matches!(yes, Instr::BrI32And { a: 1, b: 2, .. }));
        assert!(matches!(no, Instr::BrI32NotAnd { a: 1, b: 2, .. }));
        let (_, no) = and.with_imm(8).unwrap().fused_branches().unwrap();
        assert!(matches!(no, Instr::BrI32NotAndImm { a: 1, imm: 8, .. }));
        assert!(
            Instr::F64Add { dst: 0, a: 1, b: 2 }
                .fused_branches()
                .is_none()
        );
        assert!(Instr::I32Rotl { dst: 0, a: 1, b: 2 }.with_imm(1).is_none());
    }

    #[test]
    fn every_branch_takes_an_offset() {
        let mut br = Instr::BrI64Nez { a: 0, offset: 0 };
        assert!(br.set_offset(-3));
        assert!(matches!(br, Instr::BrI64Nez { offset: -3, .. }));
        assert!(
            Instr::BrOnCast {
                src: 0,
                cast: 0,
                offset: 0
            }
            .at_offset(5)
            .set_offset(5)
        );
        assert!(!Instr::I32Add { dst: 0, a: 0, b: 0 }.set_offset(1));
    }
}
