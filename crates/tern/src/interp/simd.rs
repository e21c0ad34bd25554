//! The semantics of every SIMD (`v128`) instruction, one function each,
//! over `u128` vectors (lane 0 in the low bits, as in memory). The
//! instruction table (`ir/isa.rs`) names these functions; the executor
//! calls them with the two value slots of each vector joined.
//!
//! Portable Rust first: lanes are split with shifts into fixed arrays and
//! joined back, which the compiler turns into plain register code (no
//! allocation, no per-lane dispatch). Float lanes reuse the scalar
//! semantics of `num.rs`, so NaN rules are the same as for scalars. On
//! x86-64 the common lane operations have SSE2 fast paths (module `fast`),
//! each checked bit for bit against its portable definition (module
//! `portable`) by the tests at the end of this file.
//!
//! Relaxed SIMD is deterministic: each relaxed instruction returns what
//! its non-relaxed counterpart returns (swizzle, truncation with
//! saturation, `min`/`max`, `q15mulr_sat`, `bitselect`), `madd`/`nmadd`
//! are fused (one rounding), and the dot products treat the second
//! operand's bytes as signed, adding in wrapping 16-bit lanes.

use super::mem::MemView;
use super::num;
use crate::error::Trap;
use crate::ir::{SimdKind, match_simd_load};

/// Splits a vector into lanes and joins lanes into a vector.
macro_rules! lanes {
    ($($split:ident $join:ident: $t:ty as $u:ty, $n:expr;)*) => {
        $(
            #[inline(always)]
            fn $split(v: u128) -> [$t; $n] {
                std::array::from_fn(|i| (v >> (i * <$u>::BITS as usize)) as $u as $t)
            }
            #[inline(always)]
            fn $join(a: [$t; $n]) -> u128 {
                let mut v = 0u128;
                for (i, x) in a.into_iter().enumerate() {
                    v |= (x as $u as u128) << (i * <$u>::BITS as usize);
                }
                v
            }
        )*
    };
}

lanes! {
    i8s from_i8s: i8 as u8, 16;
    u8s from_u8s: u8 as u8, 16;
    i16s from_i16s: i16 as u16, 8;
    u16s from_u16s: u16 as u16, 8;
    i32s from_i32s: i32 as u32, 4;
    u32s from_u32s: u32 as u32, 4;
    i64s from_i64s: i64 as u64, 2;
    u64s from_u64s: u64 as u64, 2;
}

/// One function built lane by lane: `$name($args)` splits each operand
/// into lanes with `$split` and joins `[$e for each lane $i]` with `$join`.
/// The lane families below are rows of this.
macro_rules! lane_fn {
    ($name:ident($($arg:ident),+) $split:ident $join:ident |$i:ident| $e:expr) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[inline(always)]
        pub(crate) fn $name($($arg: u128),+) -> u128 {
            $(let $arg = $split($arg);)+
            $join(std::array::from_fn(|$i| $e))
        }
    };
}

/// Lane-wise binary ops: `name(a, b) = join(zip(split(a), split(b), f))`.
macro_rules! lanewise2 {
    ($($name:ident: $split:ident $join:ident |$x:ident, $y:ident| $e:expr;)*) => {
        $(lane_fn!($name(a, b) $split $join |i| { let ($x, $y) = (a[i], b[i]); $e });)*
    };
}

/// Lane-wise unary ops.
macro_rules! lanewise1 {
    ($($name:ident: $split:ident $join:ident |$x:ident| $e:expr;)*) => {
        $(lane_fn!($name(a) $split $join |i| { let $x = a[i]; $e });)*
    };
}

/// Lane-wise compares: all ones where true.
macro_rules! compares {
    ($($name:ident: $split:ident $join:ident $t:ty |$x:ident, $y:ident| $e:expr;)*) => {
        lanewise2! { $($name: $split $join |$x, $y| if $e { !0 as $t } else { 0 };)* }
    };
}

/// The integer compares without an SSE2 fast path, for one lane width
/// per line: `ne`, the unsigned orderings and the signed `le`/`ge` (named
/// in that order), over the signed then the unsigned lanes.
macro_rules! int_compares {
    ($($ne:ident $lt_u:ident $gt_u:ident $le_s:ident $le_u:ident $ge_s:ident $ge_u:ident:
        $s:ident $from_s:ident $st:ty, $u:ident $from_u:ident $ut:ty;)*) => {
        compares! {
            $(
                $ne: $s $from_s $st |x, y| x != y;
                $lt_u: $u $from_u $ut |x, y| x < y;
                $gt_u: $u $from_u $ut |x, y| x > y;
                $le_s: $s $from_s $st |x, y| x <= y;
                $le_u: $u $from_u $ut |x, y| x <= y;
                $ge_s: $s $from_s $st |x, y| x >= y;
                $ge_u: $u $from_u $ut |x, y| x >= y;
            )*
        }
    };
}

int_compares! {
    i8x16_ne i8x16_lt_u i8x16_gt_u i8x16_le_s i8x16_le_u i8x16_ge_s i8x16_ge_u:
        i8s from_i8s i8, u8s from_u8s u8;
    i16x8_ne i16x8_lt_u i16x8_gt_u i16x8_le_s i16x8_le_u i16x8_ge_s i16x8_ge_u:
        i16s from_i16s i16, u16s from_u16s u16;
    i32x4_ne i32x4_lt_u i32x4_gt_u i32x4_le_s i32x4_le_u i32x4_ge_s i32x4_ge_u:
        i32s from_i32s i32, u32s from_u32s u32;
}

/// A float compare of two `f32` lanes through the scalar semantics.
#[inline(always)]
fn f32c(f: fn(u64, u64) -> u64, x: u32, y: u32) -> bool {
    f(x as u64, y as u64) != 0
}

compares! {
    i64x2_eq: i64s from_i64s i64 |x, y| x == y;
    i64x2_ne: i64s from_i64s i64 |x, y| x != y;
    i64x2_lt_s: i64s from_i64s i64 |x, y| x < y;
    i64x2_gt_s: i64s from_i64s i64 |x, y| x > y;
    i64x2_le_s: i64s from_i64s i64 |x, y| x <= y;
    i64x2_ge_s: i64s from_i64s i64 |x, y| x >= y;
    f32x4_eq: u32s from_u32s u32 |x, y| f32c(num::f32_eq, x, y);
    f32x4_ne: u32s from_u32s u32 |x, y| f32c(num::f32_ne, x, y);
    f32x4_lt: u32s from_u32s u32 |x, y| f32c(num::f32_lt, x, y);
    f32x4_gt: u32s from_u32s u32 |x, y| f32c(num::f32_gt, x, y);
    f32x4_le: u32s from_u32s u32 |x, y| f32c(num::f32_le, x, y);
    f32x4_ge: u32s from_u32s u32 |x, y| f32c(num::f32_ge, x, y);
    f64x2_eq: u64s from_u64s u64 |x, y| num::f64_eq(x, y) != 0;
    f64x2_ne: u64s from_u64s u64 |x, y| num::f64_ne(x, y) != 0;
    f64x2_lt: u64s from_u64s u64 |x, y| num::f64_lt(x, y) != 0;
    f64x2_gt: u64s from_u64s u64 |x, y| num::f64_gt(x, y) != 0;
    f64x2_le: u64s from_u64s u64 |x, y| num::f64_le(x, y) != 0;
    f64x2_ge: u64s from_u64s u64 |x, y| num::f64_ge(x, y) != 0;
}

/// Saturating lane narrowings: `x` clamped to the narrower type's range.
macro_rules! saturate {
    ($($name:ident: $from:ty => $to:ty;)*) => {
        $(
            #[inline(always)]
            fn $name(x: $from) -> $to {
                x.clamp(<$to>::MIN as $from, <$to>::MAX as $from) as $to
            }
        )*
    };
}

saturate! {
    sat_i8: i16 => i8;
    sat_u8: i16 => u8;
    sat_i16: i32 => i16;
    sat_u16: i32 => u16;
}
#[inline(always)]
fn q15mulr(x: i16, y: i16) -> i16 {
    sat_i16((x as i32 * y as i32 + 0x4000) >> 15)
}

/// Float lanes through the scalar semantics of `num.rs`.
#[inline(always)]
fn f32b(f: fn(u64, u64) -> u64, x: u32, y: u32) -> u32 {
    f(x as u64, y as u64) as u32
}
#[inline(always)]
fn f32u(f: fn(u64) -> u64, x: u32) -> u32 {
    f(x as u64) as u32
}

lanewise2! {
    i8x16_min_s: i8s from_i8s |x, y| x.min(y);
    i8x16_max_s: i8s from_i8s |x, y| x.max(y);
    i16x8_min_u: u16s from_u16s |x, y| x.min(y);
    i16x8_max_u: u16s from_u16s |x, y| x.max(y);
    i16x8_q15_mulr_sat_s: i16s from_i16s |x, y| q15mulr(x, y);
    i32x4_mul: u32s from_u32s |x, y| x.wrapping_mul(y);
    i32x4_min_s: i32s from_i32s |x, y| x.min(y);
    i32x4_min_u: u32s from_u32s |x, y| x.min(y);
    i32x4_max_s: i32s from_i32s |x, y| x.max(y);
    i32x4_max_u: u32s from_u32s |x, y| x.max(y);
    i64x2_mul: u64s from_u64s |x, y| x.wrapping_mul(y);
    f32x4_min: u32s from_u32s |x, y| f32b(num::f32_min, x, y);
    f32x4_max: u32s from_u32s |x, y| f32b(num::f32_max, x, y);
    f32x4_pmin: u32s from_u32s |x, y| if f32::from_bits(y) < f32::from_bits(x) { y } else { x };
    f32x4_pmax: u32s from_u32s |x, y| if f32::from_bits(x) < f32::from_bits(y) { y } else { x };
    f64x2_min: u64s from_u64s |x, y| num::f64_min(x, y);
    f64x2_max: u64s from_u64s |x, y| num::f64_max(x, y);
    f64x2_pmin: u64s from_u64s |x, y| if f64::from_bits(y) < f64::from_bits(x) { y } else { x };
    f64x2_pmax: u64s from_u64s |x, y| if f64::from_bits(x) < f64::from_bits(y) { y } else { x };
}

lanewise1! {
    i8x16_abs: i8s from_i8s |x| x.wrapping_abs();
    i8x16_neg: i8s from_i8s |x| x.wrapping_neg();
    i8x16_popcnt: u8s from_u8s |x| x.count_ones() as u8;
    i16x8_abs: i16s from_i16s |x| x.wrapping_abs();
    i16x8_neg: i16s from_i16s |x| x.wrapping_neg();
    i32x4_abs: i32s from_i32s |x| x.wrapping_abs();
    i32x4_neg: i32s from_i32s |x| x.wrapping_neg();
    i64x2_abs: i64s from_i64s |x| x.wrapping_abs();
    i64x2_neg: i64s from_i64s |x| x.wrapping_neg();
    f32x4_ceil: u32s from_u32s |x| f32u(num::f32_ceil, x);
    f32x4_floor: u32s from_u32s |x| f32u(num::f32_floor, x);
    f32x4_trunc: u32s from_u32s |x| f32u(num::f32_trunc, x);
    f32x4_nearest: u32s from_u32s |x| f32u(num::f32_nearest, x);
    f32x4_abs: u32s from_u32s |x| x & 0x7fff_ffff;
    f32x4_neg: u32s from_u32s |x| x ^ 0x8000_0000;
    f32x4_sqrt: u32s from_u32s |x| f32u(num::f32_sqrt, x);
    f64x2_ceil: u64s from_u64s |x| num::f64_ceil(x);
    f64x2_floor: u64s from_u64s |x| num::f64_floor(x);
    f64x2_trunc: u64s from_u64s |x| num::f64_trunc(x);
    f64x2_nearest: u64s from_u64s |x| num::f64_nearest(x);
    f64x2_abs: u64s from_u64s |x| x & !(1 << 63);
    f64x2_neg: u64s from_u64s |x| x ^ (1 << 63);
    f64x2_sqrt: u64s from_u64s |x| num::f64_sqrt(x);
    i32x4_trunc_sat_f32x4_s: u32s from_u32s |x| num::i32_trunc_sat_f32_s(x as u64) as u32;
    i32x4_trunc_sat_f32x4_u: u32s from_u32s |x| num::i32_trunc_sat_f32_u(x as u64) as u32;
    f32x4_convert_i32x4_s: u32s from_u32s |x| num::f32_convert_i32_s(x as u64) as u32;
    f32x4_convert_i32x4_u: u32s from_u32s |x| num::f32_convert_i32_u(x as u64) as u32;
}

/// Narrowing with saturation: `a`'s lanes, then `b`'s.
macro_rules! narrow {
    ($($name:ident: $split:ident $join:ident $sat:ident, $n:expr;)*) => {
        $(lane_fn!($name(a, b) $split $join |i| $sat(if i < $n { a[i] } else { b[i - $n] }));)*
    };
}

narrow! {
    i16x8_narrow_i32x4_u: i32s from_u16s sat_u16, 4;
}

/// Widening of the low or high half (`$off` is 0 or the half's length).
macro_rules! extend {
    ($($name:ident: $split:ident $join:ident $t:ty, $off:expr;)*) => {
        $(lane_fn!($name(a) $split $join |i| a[i + $off] as $t);)*
    };
}

extend! {
    i64x2_extend_low_i32x4_s: i32s from_i64s i64, 0;
    i64x2_extend_high_i32x4_s: i32s from_i64s i64, 2;
}

/// Widening multiplication of the low or high halves: as the spec
/// defines it, both operands' halves extended, then multiplied lane-wise.
macro_rules! ext_mul {
    ($($mul:ident: $($name:ident = $extend:ident),*;)*) => {
        $($(
            #[doc = concat!("`", stringify!($name), "`.")]
            #[inline(always)]
            pub(crate) fn $name(a: u128, b: u128) -> u128 {
                $mul($extend(a), $extend(b))
            }
        )*)*
    };
}

ext_mul! {
    i16x8_mul: i16x8_ext_mul_low_i8x16_s = i16x8_extend_low_i8x16_s,
        i16x8_ext_mul_high_i8x16_s = i16x8_extend_high_i8x16_s,
        i16x8_ext_mul_low_i8x16_u = i16x8_extend_low_i8x16_u,
        i16x8_ext_mul_high_i8x16_u = i16x8_extend_high_i8x16_u;
    i32x4_mul: i32x4_ext_mul_low_i16x8_s = i32x4_extend_low_i16x8_s,
        i32x4_ext_mul_high_i16x8_s = i32x4_extend_high_i16x8_s,
        i32x4_ext_mul_low_i16x8_u = i32x4_extend_low_i16x8_u,
        i32x4_ext_mul_high_i16x8_u = i32x4_extend_high_i16x8_u;
    i64x2_mul: i64x2_ext_mul_low_i32x4_s = i64x2_extend_low_i32x4_s,
        i64x2_ext_mul_high_i32x4_s = i64x2_extend_high_i32x4_s,
        i64x2_ext_mul_low_i32x4_u = i64x2_extend_low_i32x4_u,
        i64x2_ext_mul_high_i32x4_u = i64x2_extend_high_i32x4_u;
}

/// Pairwise widening addition.
macro_rules! ext_add_pairwise {
    ($($name:ident: $split:ident $join:ident $t:ty;)*) => {
        $(lane_fn!($name(a) $split $join |i| a[2 * i] as $t + a[2 * i + 1] as $t);)*
    };
}

ext_add_pairwise! {
    i16x8_ext_add_pairwise_i8x16_s: i8s from_i16s i16;
    i16x8_ext_add_pairwise_i8x16_u: u8s from_u16s u16;
    i32x4_ext_add_pairwise_i16x8_u: u16s from_u32s u32;
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: both operands' bytes signed, sums
/// wrapping to 16 bits.
#[inline(always)]
pub(crate) fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i8s(a), i8s(b));
    from_i16s(std::array::from_fn(|i| {
        (a[2 * i] as i16 * b[2 * i] as i16).wrapping_add(a[2 * i + 1] as i16 * b[2 * i + 1] as i16)
    }))
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the 16-bit dot products above,
/// added pairwise (sign-extended) to `c`'s lanes.
#[inline(always)]
pub(crate) fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    let d = i16s(i16x8_relaxed_dot_i8x16_i7x16_s(a, b));
    let c = i32s(c);
    from_i32s(std::array::from_fn(|i| {
        (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(c[i])
    }))
}

/// `i8x16.swizzle` (and `i8x16.relaxed_swizzle`): lanes of `a` selected
/// by `b`, 0 where out of range.
///
/// Lanes are picked by shifting rather than by indexing an array: a
/// variably indexed local array lives in the threaded handler's stack
/// frame, which can keep LLVM from turning the handler's call of the next
/// one into a jump (the native stack would then grow per instruction).
#[inline(always)]
pub(crate) fn i8x16_swizzle(a: u128, b: u128) -> u128 {
    from_u8s(u8s(b).map(|j| lane_u8(a, j)))
}

/// Byte `j` of `v` (lane `j` of an `i8x16`), 0 for `j >= 16`.
#[inline(always)]
fn lane_u8(v: u128, j: u8) -> u8 {
    v.checked_shr(8 * u32::from(j)).map_or(0, |x| x as u8)
}

/// `i8x16.shuffle` with lane indices `lanes` (each below 32, validated):
/// lane `j` of `a` for `j < 16`, else lane `j - 16` of `b` (by shifting,
/// as in `i8x16_swizzle`).
#[inline(always)]
pub(crate) fn i8x16_shuffle(a: u128, b: u128, lanes: u128) -> u128 {
    from_u8s(u8s(lanes).map(|j| {
        let j = j & 31;
        if j < 16 {
            lane_u8(a, j)
        } else {
            lane_u8(b, j - 16)
        }
    }))
}

/// `v128.and`.
#[inline(always)]
pub(crate) fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}

/// `v128.andnot`.
#[inline(always)]
pub(crate) fn v128_and_not(a: u128, b: u128) -> u128 {
    a & !b
}

/// `v128.or`.
#[inline(always)]
pub(crate) fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}

/// `v128.xor`.
#[inline(always)]
pub(crate) fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}

/// `v128.not`.
#[inline(always)]
pub(crate) fn v128_not(a: u128) -> u128 {
    !a
}

/// `v128.bitselect` (and, deterministically, every `relaxed_laneselect`):
/// bits of `a` where `c` is set, else of `b`.
#[inline(always)]
pub(crate) fn v128_bitselect(a: u128, b: u128, c: u128) -> u128 {
    (a & c) | (b & !c)
}

/// Fused multiply-add per lane (`relaxed_madd`: `a * b + c`, rounded once)
/// and its negated form (`relaxed_nmadd`: `-(a * b) + c`).
macro_rules! madd {
    ($($madd:ident, $nmadd:ident = $neg:ident, $split:ident $join:ident $f:ty;)*) => {
        $(
            #[doc = concat!("`", stringify!($madd), "`: `a * b + c`, fused.")]
            #[inline(always)]
            pub(crate) fn $madd(a: u128, b: u128, c: u128) -> u128 {
                let (a, b, c) = ($split(a), $split(b), $split(c));
                $join(std::array::from_fn(|i| {
                    let (x, y, z) = (<$f>::from_bits(a[i]), <$f>::from_bits(b[i]), <$f>::from_bits(c[i]));
                    x.mul_add(y, z).to_bits()
                }))
            }

            #[doc = concat!("`", stringify!($nmadd), "`: `-(a * b) + c`, fused.")]
            #[inline(always)]
            pub(crate) fn $nmadd(a: u128, b: u128, c: u128) -> u128 {
                $madd($neg(a), b, c)
            }
        )*
    };
}

madd! {
    f32x4_relaxed_madd, f32x4_relaxed_nmadd = f32x4_neg, u32s from_u32s f32;
    f64x2_relaxed_madd, f64x2_relaxed_nmadd = f64x2_neg, u64s from_u64s f64;
}

/// Lane shifts: the count is taken modulo the lane width.
macro_rules! shifts {
    ($($name:ident: $split:ident $join:ident $t:ty, $op:ident;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            #[inline(always)]
            pub(crate) fn $name(a: u128, n: u64) -> u128 {
                let n = n as u32 % <$t>::BITS;
                $join($split(a).map(|x| x.$op(n)))
            }
        )*
    };
}

shifts! {
    i8x16_shl: u8s from_u8s u8, wrapping_shl;
    i8x16_shr_s: i8s from_i8s i8, wrapping_shr;
    i8x16_shr_u: u8s from_u8s u8, wrapping_shr;
    i64x2_shr_s: i64s from_i64s i64, wrapping_shr;
}

/// Splats: a scalar slot value into every lane.
macro_rules! splats {
    ($($name:ident: $join:ident $t:ty, $n:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            #[inline(always)]
            pub(crate) fn $name(x: u64) -> u128 {
                $join([x as $t; $n])
            }
        )*
    };
}

splats! {
    i8x16_splat: from_u8s u8, 16;
    i16x8_splat: from_u16s u16, 8;
    i32x4_splat: from_u32s u32, 4;
    i64x2_splat: from_u64s u64, 2;
    f32x4_splat: from_u32s u32, 4;
    f64x2_splat: from_u64s u64, 2;
}

/// `v128.any_true`.
#[inline(always)]
pub(crate) fn v128_any_true(a: u128) -> u64 {
    (a != 0) as u64
}

/// All-true tests and bitmasks (of each lane's top bit).
macro_rules! reductions {
    ($($all:ident $mask:ident: $split:ident;)*) => {
        $(
            #[doc = concat!("`", stringify!($all), "`.")]
            #[inline(always)]
            pub(crate) fn $all(a: u128) -> u64 {
                $split(a).iter().all(|x| *x != 0) as u64
            }
            #[doc = concat!("`", stringify!($mask), "`.")]
            #[inline(always)]
            pub(crate) fn $mask(a: u128) -> u64 {
                $split(a)
                    .iter()
                    .enumerate()
                    .fold(0, |m, (i, x)| m | (((*x < 0) as u64) << i))
            }
        )*
    };
}

reductions! {
    i8x16_all_true i8x16_bitmask: i8s;
    i16x8_all_true i16x8_bitmask: i16s;
    i32x4_all_true i32x4_bitmask: i32s;
    i64x2_all_true i64x2_bitmask: i64s;
}

/// Lane reads (validated lane indices; masked so that none can be out of
/// range) and writes; 32-bit results zero-extended in the slot. Lanes are
/// reached by shifting, not by indexing an array with the lane number (see
/// `i8x16_swizzle` for why).
macro_rules! lane_access {
    ($($get:ident $(/ $set:ident)?: $t:ty => |$x:ident| $e:expr, $n:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($get), "`.")]
            #[inline(always)]
            pub(crate) fn $get(a: u128, lane: u32) -> u64 {
                let $x = (a >> (lane_shift($n, lane))) as $t;
                $e
            }
            $(
                #[doc = concat!("`", stringify!($set), "`.")]
                #[inline(always)]
                pub(crate) fn $set(a: u128, x: u64, lane: u32) -> u128 {
                    let (shift, ones) = (lane_shift($n, lane), u128::MAX >> (128 - 128 / $n));
                    (a & !(ones << shift)) | ((u128::from(x) & ones) << shift)
                }
            )?
        )*
    };
}

/// The bit offset of lane `lane % n` of a vector of `n` lanes.
#[inline(always)]
fn lane_shift(n: u32, lane: u32) -> u32 {
    (lane % n) * (128 / n)
}

lane_access! {
    i8x16_extract_lane_s / i8x16_replace_lane: i8 => |x| x as i32 as u32 as u64, 16;
    i8x16_extract_lane_u: u8 => |x| x as u64, 16;
    i16x8_extract_lane_s / i16x8_replace_lane: i16 => |x| x as i32 as u32 as u64, 8;
    i16x8_extract_lane_u: u16 => |x| x as u64, 8;
    i32x4_extract_lane / i32x4_replace_lane: u32 => |x| x as u64, 4;
    i64x2_extract_lane / i64x2_replace_lane: u64 => |x| x, 2;
    f32x4_extract_lane / f32x4_replace_lane: u32 => |x| x as u64, 4;
    f64x2_extract_lane / f64x2_replace_lane: u64 => |x| x, 2;
}

/// Conversions of the two 64-bit lanes into the low two 32-bit lanes (the
/// high two are zero), lane by lane like the scalar instruction.
macro_rules! narrow_f64x2_zero {
    ($($name:ident = $scalar:ident;)*) => {
        $(lane_fn!($name(a) u64s from_u32s |i| if i < 2 { num::$scalar(a[i]) as u32 } else { 0 });)*
    };
}

narrow_f64x2_zero! {
    i32x4_trunc_sat_f64x2_szero = i32_trunc_sat_f64_s;
    i32x4_trunc_sat_f64x2_uzero = i32_trunc_sat_f64_u;
    f32x4_demote_f64x2_zero = f32_demote_f64;
}

/// Conversions of the low two 32-bit lanes into two 64-bit lanes, lane by
/// lane like the scalar instruction.
macro_rules! widen_low_to_f64x2 {
    ($($name:ident = $scalar:ident;)*) => {
        $(lane_fn!($name(a) u32s from_u64s |i| num::$scalar(a[i] as u64));)*
    };
}

widen_low_to_f64x2! {
    f64x2_convert_low_i32x4_s = f64_convert_i32_s;
    f64x2_convert_low_i32x4_u = f64_convert_i32_u;
    f64x2_promote_low_f32x4 = f64_promote_f32;
}

/// Widening loads: `N` bytes, each lane widened.
macro_rules! load_extend {
    ($($name:ident: $n:expr, $src:ty => $dst:ty as $u:ty, $lanes:expr;)*) => {
        $(
            #[doc = concat!("`v128.", stringify!($name), "` at `ea`.")]
            #[inline(always)]
            pub(crate) fn $name(m: MemView, ea: u64) -> Result<u128, Trap> {
                let b: [u8; $n] = m.read_at(ea)?;
                let w = std::mem::size_of::<$src>();
                let mut v = 0u128;
                for i in 0..$lanes {
                    let mut x = [0u8; std::mem::size_of::<$src>()];
                    x.copy_from_slice(&b[i * w..i * w + w]);
                    let lane = <$src>::from_le_bytes(x) as $dst as $u;
                    v |= (lane as u128) << (i * <$u>::BITS as usize);
                }
                Ok(v)
            }
        )*
    };
}

load_extend! {
    load8x8_s: 8, i8 => i16 as u16, 8;
    load8x8_u: 8, u8 => u16 as u16, 8;
    load16x4_s: 8, i16 => i32 as u32, 4;
    load16x4_u: 8, u16 => u32 as u32, 4;
    load32x2_s: 8, i32 => i64 as u64, 2;
    load32x2_u: 8, u32 => u64 as u64, 2;
}

/// `v128.load` at `ea`.
#[inline(always)]
pub(crate) fn load128(m: MemView, ea: u64) -> Result<u128, Trap> {
    m.read_u128(ea)
}

/// `v128.store` at `ea`.
#[inline(always)]
pub(crate) fn store128(m: MemView, ea: u64, x: u128) -> Result<(), Trap> {
    m.write_u128(ea, x)
}

/// Loads of one scalar: splatted into every lane, or zero-extended.
macro_rules! load_scalar {
    ($($name:ident: $t:ty => |$x:ident| $e:expr;)*) => {
        $(
            #[doc = concat!("`v128.", stringify!($name), "` at `ea`.")]
            #[inline(always)]
            pub(crate) fn $name(m: MemView, ea: u64) -> Result<u128, Trap> {
                let $x = <$t>::from_le_bytes(m.read_at(ea)?);
                Ok($e)
            }
        )*
    };
}

load_scalar! {
    load8_splat: u8 => |x| i8x16_splat(x as u64);
    load16_splat: u16 => |x| i16x8_splat(x as u64);
    load32_splat: u32 => |x| i32x4_splat(x as u64);
    load64_splat: u64 => |x| i64x2_splat(x);
    load32_zero: u32 => |x| x as u128;
    load64_zero: u64 => |x| x as u128;
}

/// The lane of `bytes` bytes at index `lane` (masked into range).
#[inline(always)]
fn lane_bits(bytes: u8, lane: u8) -> (u32, u128) {
    let bits = bytes as u32 * 8;
    let count = 128 / bits.max(1);
    let shift = (lane as u32 % count) * bits;
    let mask = if bits >= 128 { !0 } else { (1u128 << bits) - 1 };
    (shift, mask)
}

/// Any SIMD memory access of `kind` at `ea` (the generic path): `x` is the
/// vector operand; returns the loaded or updated vector (or `x` for stores).
pub(crate) fn access(m: MemView, kind: SimdKind, ea: u64, x: u128) -> Result<u128, Trap> {
    Ok(match kind {
        SimdKind::Load(l) => match_simd_load!(l, (m, ea))?,
        SimdKind::Store => {
            store128(m, ea, x)?;
            x
        }
        SimdKind::LoadLane { bytes, lane } => {
            let (shift, mask) = lane_bits(bytes, lane);
            let v: u128 = match bytes {
                1 => u8::from_le_bytes(m.read_at(ea)?) as u128,
                2 => u16::from_le_bytes(m.read_at(ea)?) as u128,
                4 => u32::from_le_bytes(m.read_at(ea)?) as u128,
                _ => u64::from_le_bytes(m.read_at(ea)?) as u128,
            };
            (x & !(mask << shift)) | (v << shift)
        }
        SimdKind::StoreLane { bytes, lane } => {
            let (shift, mask) = lane_bits(bytes, lane);
            let v = (x >> shift) & mask;
            match bytes {
                1 => m.write_at(ea, (v as u8).to_le_bytes())?,
                2 => m.write_at(ea, (v as u16).to_le_bytes())?,
                4 => m.write_at(ea, (v as u32).to_le_bytes())?,
                _ => m.write_at(ea, (v as u64).to_le_bytes())?,
            }
            x
        }
    })
}

/// The lane arithmetic that has an `std::arch` fast path: the
/// portable definitions (always compiled, so the tests can compare them
/// with the fast path on the same inputs).
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
mod portable {
    use super::{
        f32b, from_i8s, from_i16s, from_i32s, from_u8s, from_u16s, from_u32s, from_u64s, i8s, i16s,
        i32s, num, sat_i8, sat_i16, sat_u8, u8s, u16s, u32s, u64s,
    };

    lanewise2! {
        f32x4_add: u32s from_u32s |x, y| f32b(num::f32_add, x, y);
        f32x4_sub: u32s from_u32s |x, y| f32b(num::f32_sub, x, y);
        f32x4_mul: u32s from_u32s |x, y| f32b(num::f32_mul, x, y);
        f32x4_div: u32s from_u32s |x, y| f32b(num::f32_div, x, y);
        f64x2_add: u64s from_u64s |x, y| num::f64_add(x, y);
        f64x2_sub: u64s from_u64s |x, y| num::f64_sub(x, y);
        f64x2_mul: u64s from_u64s |x, y| num::f64_mul(x, y);
        f64x2_div: u64s from_u64s |x, y| num::f64_div(x, y);
        i8x16_add: u8s from_u8s |x, y| x.wrapping_add(y);
        i16x8_add: u16s from_u16s |x, y| x.wrapping_add(y);
        i32x4_add: u32s from_u32s |x, y| x.wrapping_add(y);
        i64x2_add: u64s from_u64s |x, y| x.wrapping_add(y);
        i8x16_sub: u8s from_u8s |x, y| x.wrapping_sub(y);
        i16x8_sub: u16s from_u16s |x, y| x.wrapping_sub(y);
        i32x4_sub: u32s from_u32s |x, y| x.wrapping_sub(y);
        i64x2_sub: u64s from_u64s |x, y| x.wrapping_sub(y);
        i8x16_add_sat_s: i8s from_i8s |x, y| x.saturating_add(y);
        i8x16_add_sat_u: u8s from_u8s |x, y| x.saturating_add(y);
        i16x8_add_sat_s: i16s from_i16s |x, y| x.saturating_add(y);
        i16x8_add_sat_u: u16s from_u16s |x, y| x.saturating_add(y);
        i8x16_sub_sat_s: i8s from_i8s |x, y| x.saturating_sub(y);
        i8x16_sub_sat_u: u8s from_u8s |x, y| x.saturating_sub(y);
        i16x8_sub_sat_s: i16s from_i16s |x, y| x.saturating_sub(y);
        i16x8_sub_sat_u: u16s from_u16s |x, y| x.saturating_sub(y);
        i16x8_mul: u16s from_u16s |x, y| x.wrapping_mul(y);
        i8x16_min_u: u8s from_u8s |x, y| x.min(y);
        i8x16_max_u: u8s from_u8s |x, y| x.max(y);
        i16x8_min_s: i16s from_i16s |x, y| x.min(y);
        i16x8_max_s: i16s from_i16s |x, y| x.max(y);
        i8x16_avgr_u: u8s from_u8s |x, y| ((x as u16 + y as u16).div_ceil(2)) as u8;
        i16x8_avgr_u: u16s from_u16s |x, y| ((x as u32 + y as u32).div_ceil(2)) as u16;
    }

    compares! {
        i8x16_eq: i8s from_i8s i8 |x, y| x == y;
        i16x8_eq: i16s from_i16s i16 |x, y| x == y;
        i32x4_eq: i32s from_i32s i32 |x, y| x == y;
        i8x16_gt_s: i8s from_i8s i8 |x, y| x > y;
        i16x8_gt_s: i16s from_i16s i16 |x, y| x > y;
        i32x4_gt_s: i32s from_i32s i32 |x, y| x > y;
        i8x16_lt_s: i8s from_i8s i8 |x, y| x < y;
        i16x8_lt_s: i16s from_i16s i16 |x, y| x < y;
        i32x4_lt_s: i32s from_i32s i32 |x, y| x < y;
    }

    narrow! {
        i8x16_narrow_i16x8_s: i16s from_i8s sat_i8, 8;
        i8x16_narrow_i16x8_u: i16s from_u8s sat_u8, 8;
        i16x8_narrow_i32x4_s: i32s from_i16s sat_i16, 4;
    }

    /// `i32x4.dot_i16x8_s`.
    #[inline(always)]
    pub(crate) fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
        let (a, b) = (i16s(a), i16s(b));
        from_i32s(std::array::from_fn(|i| {
            (a[2 * i] as i32 * b[2 * i] as i32)
                .wrapping_add(a[2 * i + 1] as i32 * b[2 * i + 1] as i32)
        }))
    }

    shifts! {
        i16x8_shl: u16s from_u16s u16, wrapping_shl;
        i16x8_shr_s: i16s from_i16s i16, wrapping_shr;
        i16x8_shr_u: u16s from_u16s u16, wrapping_shr;
        i32x4_shl: u32s from_u32s u32, wrapping_shl;
        i32x4_shr_s: i32s from_i32s i32, wrapping_shr;
        i32x4_shr_u: u32s from_u32s u32, wrapping_shr;
        i64x2_shl: u64s from_u64s u64, wrapping_shl;
        i64x2_shr_u: u64s from_u64s u64, wrapping_shr;
    }

    extend! {
        i16x8_extend_low_i8x16_s: i8s from_i16s i16, 0;
        i16x8_extend_high_i8x16_s: i8s from_i16s i16, 8;
        i16x8_extend_low_i8x16_u: u8s from_u16s u16, 0;
        i16x8_extend_high_i8x16_u: u8s from_u16s u16, 8;
        i32x4_extend_low_i16x8_s: i16s from_i32s i32, 0;
        i32x4_extend_high_i16x8_s: i16s from_i32s i32, 4;
        i32x4_extend_low_i16x8_u: u16s from_u32s u32, 0;
        i32x4_extend_high_i16x8_u: u16s from_u32s u32, 4;
        i64x2_extend_low_i32x4_u: u32s from_u64s u64, 0;
        i64x2_extend_high_i32x4_u: u32s from_u64s u64, 2;
    }

    ext_add_pairwise! {
        i32x4_ext_add_pairwise_i16x8_s: i16s from_i32s i32;
    }
}

/// x86-64 fast paths (SSE2 is part of the x86-64 baseline): the packed
/// instruction computes each lane exactly like the scalar instruction the
/// portable code compiles to (same rounding, same NaN results), in one
/// instruction instead of four or two.
#[cfg(target_arch = "x86_64")]
mod fast {
    use std::arch::x86_64::*;

    /// Reinterpretations between `u128` and the SSE2 vector types, each way.
    macro_rules! casts {
        ($($to:ident, $of:ident: $v:ty;)*) => {
            $(
                #[inline(always)]
                fn $to(v: u128) -> $v {
                    // SAFETY: both types are 16 plain bytes, every bit pattern
                    // valid; x86-64 is little-endian, so lane 0 is the low bits
                    // either way.
                    unsafe { std::mem::transmute::<u128, $v>(v) }
                }
                #[inline(always)]
                fn $of(v: $v) -> u128 {
                    // SAFETY: as above.
                    unsafe { std::mem::transmute::<$v, u128>(v) }
                }
            )*
        };
    }

    casts! {
        ps, of_ps: __m128;
        pd, of_pd: __m128d;
        si, of_si: __m128i;
    }

    macro_rules! packed {
        ($($name:ident = $op:ident $to:ident $of:ident;)*) => {
            $(
                #[doc = concat!("`", stringify!($name), "` (`", stringify!($op), "`).")]
                #[inline(always)]
                pub(crate) fn $name(a: u128, b: u128) -> u128 {
                    // SAFETY: SSE2 is enabled on every x86-64 target.
                    $of(unsafe { $op($to(a), $to(b)) })
                }
            )*
        };
    }

    packed! {
        f32x4_add = _mm_add_ps ps of_ps;
        f32x4_sub = _mm_sub_ps ps of_ps;
        f32x4_mul = _mm_mul_ps ps of_ps;
        f32x4_div = _mm_div_ps ps of_ps;
        f64x2_add = _mm_add_pd pd of_pd;
        f64x2_sub = _mm_sub_pd pd of_pd;
        f64x2_mul = _mm_mul_pd pd of_pd;
        f64x2_div = _mm_div_pd pd of_pd;
        i8x16_add = _mm_add_epi8 si of_si;
        i16x8_add = _mm_add_epi16 si of_si;
        i32x4_add = _mm_add_epi32 si of_si;
        i64x2_add = _mm_add_epi64 si of_si;
        i8x16_sub = _mm_sub_epi8 si of_si;
        i16x8_sub = _mm_sub_epi16 si of_si;
        i32x4_sub = _mm_sub_epi32 si of_si;
        i64x2_sub = _mm_sub_epi64 si of_si;
        i8x16_add_sat_s = _mm_adds_epi8 si of_si;
        i8x16_add_sat_u = _mm_adds_epu8 si of_si;
        i16x8_add_sat_s = _mm_adds_epi16 si of_si;
        i16x8_add_sat_u = _mm_adds_epu16 si of_si;
        i8x16_sub_sat_s = _mm_subs_epi8 si of_si;
        i8x16_sub_sat_u = _mm_subs_epu8 si of_si;
        i16x8_sub_sat_s = _mm_subs_epi16 si of_si;
        i16x8_sub_sat_u = _mm_subs_epu16 si of_si;
        i16x8_mul = _mm_mullo_epi16 si of_si;
        i8x16_min_u = _mm_min_epu8 si of_si;
        i8x16_max_u = _mm_max_epu8 si of_si;
        i16x8_min_s = _mm_min_epi16 si of_si;
        i16x8_max_s = _mm_max_epi16 si of_si;
        i8x16_avgr_u = _mm_avg_epu8 si of_si;
        i16x8_avgr_u = _mm_avg_epu16 si of_si;
        i8x16_narrow_i16x8_s = _mm_packs_epi16 si of_si;
        i8x16_narrow_i16x8_u = _mm_packus_epi16 si of_si;
        i16x8_narrow_i32x4_s = _mm_packs_epi32 si of_si;
        i8x16_eq = _mm_cmpeq_epi8 si of_si;
        i16x8_eq = _mm_cmpeq_epi16 si of_si;
        i32x4_eq = _mm_cmpeq_epi32 si of_si;
        i8x16_gt_s = _mm_cmpgt_epi8 si of_si;
        i16x8_gt_s = _mm_cmpgt_epi16 si of_si;
        i32x4_gt_s = _mm_cmpgt_epi32 si of_si;
        i8x16_lt_s = _mm_cmplt_epi8 si of_si;
        i16x8_lt_s = _mm_cmplt_epi16 si of_si;
        i32x4_lt_s = _mm_cmplt_epi32 si of_si;
        i32x4_dot_i16x8_s = _mm_madd_epi16 si of_si;
    }

    /// Shifts: the count modulo the lane width, in the low bits of a vector.
    macro_rules! packed_shift {
        ($($name:ident = $op:ident, $bits:expr;)*) => {
            $(
                #[doc = concat!("`", stringify!($name), "` (`", stringify!($op), "`).")]
                #[inline(always)]
                pub(crate) fn $name(a: u128, n: u64) -> u128 {
                    let n = (n % $bits) as i64;
                    // SAFETY: SSE2 is enabled on every x86-64 target.
                    of_si(unsafe { $op(si(a), _mm_cvtsi64_si128(n)) })
                }
            )*
        };
    }

    packed_shift! {
        i16x8_shl = _mm_sll_epi16, 16;
        i16x8_shr_s = _mm_sra_epi16, 16;
        i16x8_shr_u = _mm_srl_epi16, 16;
        i32x4_shl = _mm_sll_epi32, 32;
        i32x4_shr_s = _mm_sra_epi32, 32;
        i32x4_shr_u = _mm_srl_epi32, 32;
        i64x2_shl = _mm_sll_epi64, 64;
        i64x2_shr_u = _mm_srl_epi64, 64;
    }

    /// Widening: interleave with zeros (unsigned) or with itself and
    /// shift arithmetically (signed).
    macro_rules! packed_extend {
        ($($name:ident = $unpack:ident $(, $sra:ident $bits:expr)?;)*) => {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                #[inline(always)]
                pub(crate) fn $name(a: u128) -> u128 {
                    let a = si(a);
                    // SAFETY: SSE2 is enabled on every x86-64 target.
                    of_si(unsafe {
                        packed_extend!(@w a $unpack $($sra $bits)?)
                    })
                }
            )*
        };
        (@w $a:ident $unpack:ident) => { $unpack($a, _mm_setzero_si128()) };
        (@w $a:ident $unpack:ident $sra:ident $bits:expr) => { $sra::<$bits>($unpack($a, $a)) };
    }

    packed_extend! {
        i16x8_extend_low_i8x16_s = _mm_unpacklo_epi8, _mm_srai_epi16 8;
        i16x8_extend_high_i8x16_s = _mm_unpackhi_epi8, _mm_srai_epi16 8;
        i16x8_extend_low_i8x16_u = _mm_unpacklo_epi8;
        i16x8_extend_high_i8x16_u = _mm_unpackhi_epi8;
        i32x4_extend_low_i16x8_s = _mm_unpacklo_epi16, _mm_srai_epi32 16;
        i32x4_extend_high_i16x8_s = _mm_unpackhi_epi16, _mm_srai_epi32 16;
        i32x4_extend_low_i16x8_u = _mm_unpacklo_epi16;
        i32x4_extend_high_i16x8_u = _mm_unpackhi_epi16;
        i64x2_extend_low_i32x4_u = _mm_unpacklo_epi32;
        i64x2_extend_high_i32x4_u = _mm_unpackhi_epi32;
    }

    /// `i32x4.extadd_pairwise_i16x8_s`: multiply-add with ones.
    #[inline(always)]
    pub(crate) fn i32x4_ext_add_pairwise_i16x8_s(a: u128) -> u128 {
        // SAFETY: SSE2 is enabled on every x86-64 target.
        of_si(unsafe { _mm_madd_epi16(si(a), _mm_set1_epi16(1)) })
    }
}

// The operations with an SSE2 form come from `fast` on x86-64 and from
// `portable` elsewhere (one glob each: `fast` and `portable` define the same
// public names, and their helpers and imports are private).
#[cfg(target_arch = "x86_64")]
pub(crate) use fast::*;
#[cfg(not(target_arch = "x86_64"))]
pub(crate) use portable::*;

#[cfg(test)]
mod tests {
    use super::*;

    /// `[(f, portable::f), ...]` as `$ty` function pointers: each fast
    /// path beside its portable definition.
    macro_rules! with_portable {
        ($ty:ty: $($f:ident),* $(,)?) => {
            [$(($f as $ty, portable::$f as $ty)),*]
        };
    }

    /// The next number of a xorshift sequence (test inputs).
    fn xorshift(r: &mut u64) -> u64 {
        *r ^= *r << 13;
        *r ^= *r >> 7;
        *r ^= *r << 17;
        *r
    }

    #[test]
    fn lanes_round_trip() {
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(u8s(v)[0], 0);
        assert_eq!(u8s(v)[15], 15);
        assert_eq!(from_i16s(i16s(v)), v);
        assert_eq!(i32x4_extract_lane(v, 1), 0x0706_0504);
        assert_eq!(i8x16_replace_lane(v, 0xff, 15) >> 120, 0xff);
    }

    #[test]
    fn saturating_and_rounding() {
        let a = i16x8_splat(0x8000);
        assert_eq!(i16x8_q15_mulr_sat_s(a, a), i16x8_splat(0x7fff));
        assert_eq!(
            i8x16_avgr_u(i8x16_splat(255), i8x16_splat(0)),
            i8x16_splat(128)
        );
        assert_eq!(i8x16_narrow_i16x8_u(i16x8_splat(0xffff), 0), 0);
        assert_eq!(i8x16_bitmask(i8x16_splat(0x80)), 0xffff);
    }

    /// The fast paths and the portable code agree bit for bit on special
    /// values (NaNs with payloads, infinities, zeros, subnormals, extremes).
    #[test]
    fn fast_paths_match_portable() {
        let f32s: [u32; 12] = [
            0,
            0x8000_0000,
            0x3f80_0000,
            0xbf80_0000,
            0x7f80_0000,
            0xff80_0000,
            0x7fc0_0000,
            0xffc0_0001,
            0x7f80_1234,
            0x0000_0001,
            0x7f7f_ffff,
            0x4049_0fdb,
        ];
        let f64s: [u64; 10] = [
            0,
            1 << 63,
            0x3ff0_0000_0000_0000,
            0x7ff0_0000_0000_0000,
            0xfff0_0000_0000_0000,
            0x7ff8_0000_0000_0000,
            0xfff8_0000_0000_0005,
            0x7ff0_0000_0000_0042,
            1,
            0x7fef_ffff_ffff_ffff,
        ];
        let ops = with_portable![fn(u128, u128) -> u128:
            f32x4_add, f32x4_div, f32x4_mul, f32x4_sub, f64x2_add, f64x2_div, f64x2_mul,
            f64x2_sub, i16x8_add, i16x8_add_sat_s, i16x8_add_sat_u, i16x8_avgr_u, i16x8_eq,
            i16x8_gt_s, i16x8_lt_s, i16x8_max_s, i16x8_min_s, i16x8_mul, i16x8_narrow_i32x4_s,
            i16x8_sub, i16x8_sub_sat_s, i16x8_sub_sat_u, i32x4_add, i32x4_dot_i16x8_s,
            i32x4_eq, i32x4_gt_s, i32x4_lt_s, i32x4_sub, i64x2_add, i64x2_sub, i8x16_add,
            i8x16_add_sat_s, i8x16_add_sat_u, i8x16_avgr_u, i8x16_eq, i8x16_gt_s, i8x16_lt_s,
            i8x16_max_u, i8x16_min_u, i8x16_narrow_i16x8_s, i8x16_narrow_i16x8_u, i8x16_sub,
            i8x16_sub_sat_s, i8x16_sub_sat_u
        ];
        let mut vectors = Vec::new();
        for (i, a) in f32s.iter().enumerate() {
            let b = f32s[(i * 5 + 3) % f32s.len()];
            vectors.push(from_u32s([*a, b, !*a, a.rotate_left(7)]));
        }
        for (i, a) in f64s.iter().enumerate() {
            vectors.push(from_u64s([*a, f64s[(i * 3 + 1) % f64s.len()]]));
        }
        // Integer extremes per lane width, and pseudo-random vectors.
        for x in [
            0x80u64,
            0x7f,
            0xff,
            0x8000,
            0x7fff,
            0xffff,
            0x8000_0000,
            0x7fff_ffff,
        ] {
            vectors.push(i8x16_splat(x));
            vectors.push(i16x8_splat(x));
            vectors.push(i32x4_splat(x));
        }
        let mut r = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..24 {
            vectors.push(from_u64s([xorshift(&mut r), xorshift(&mut r)]));
        }
        for (fast, slow) in ops {
            for a in &vectors {
                for b in &vectors {
                    assert_eq!(fast(*a, *b), slow(*a, *b), "{a:#x} {b:#x}");
                }
            }
        }
    }

    /// As above for the shifts (every count up to 130) and the widenings.
    #[test]
    fn fast_shifts_and_extends_match_portable() {
        let shifts = with_portable![fn(u128, u64) -> u128:
            i16x8_shl, i16x8_shr_s, i16x8_shr_u, i32x4_shl, i32x4_shr_s, i32x4_shr_u,
            i64x2_shl, i64x2_shr_u
        ];
        let unary = with_portable![fn(u128) -> u128:
            i16x8_extend_low_i8x16_s, i16x8_extend_high_i8x16_s, i16x8_extend_low_i8x16_u,
            i16x8_extend_high_i8x16_u, i32x4_extend_low_i16x8_s, i32x4_extend_high_i16x8_s,
            i32x4_extend_low_i16x8_u, i32x4_extend_high_i16x8_u, i64x2_extend_low_i32x4_u,
            i64x2_extend_high_i32x4_u, i32x4_ext_add_pairwise_i16x8_s
        ];
        let mut r = 0x2545_f491_4f6c_dd1du64;
        let mut vectors = vec![
            0,
            u128::MAX,
            1,
            1 << 127,
            i8x16_splat(0x80),
            i16x8_splat(0x8000),
        ];
        for _ in 0..32 {
            vectors.push(from_u64s([xorshift(&mut r), xorshift(&mut r)]));
        }
        for v in &vectors {
            for (fast, slow) in shifts {
                for n in 0..130 {
                    assert_eq!(fast(*v, n), slow(*v, n), "{v:#x} << {n}");
                }
                assert_eq!(fast(*v, u64::MAX), slow(*v, u64::MAX));
            }
            for (fast, slow) in unary {
                assert_eq!(fast(*v), slow(*v), "{v:#x}");
            }
        }
    }

    #[test]
    fn shuffles_and_lane_memory() {
        let a = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        let rev = from_u8s(std::array::from_fn(|i| 15 - i as u8));
        assert_eq!(i8x16_shuffle(a, 0, rev), rev);
        assert_eq!(i8x16_swizzle(a, i8x16_splat(16)), 0);
        let (shift, mask) = lane_bits(2, 7);
        assert_eq!((shift, mask), (112, 0xffff));
    }
}
