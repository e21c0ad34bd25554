//! The semantics of every numeric instruction, one function each, over
//! 64-bit slot values (32-bit values zero-extended, floats as bit
//! patterns). The instruction table (`ir/isa.rs`) names these functions;
//! the executor and constant folding call them.

use crate::error::Trap;

/// Defines `fn name(operands: u64...) -> u64` semantics, one per line.
macro_rules! semantics {
    ($($name:ident($($x:ident),+) = $e:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "` on slot values.")]
            #[inline(always)]
            pub(crate) fn $name($($x: u64),+) -> u64 {
                $e
            }
        )*
    };
}

#[inline(always)]
fn i32_of(x: u64) -> i32 {
    x as u32 as i32
}
#[inline(always)]
fn f32_of(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
#[inline(always)]
fn f64_of(x: u64) -> f64 {
    f64::from_bits(x)
}
#[inline(always)]
fn of_i32(x: i32) -> u64 {
    x as u32 as u64
}
#[inline(always)]
fn of_f32(x: f32) -> u64 {
    x.to_bits() as u64
}
#[inline(always)]
fn of_f64(x: f64) -> u64 {
    x.to_bits()
}

semantics! {
    i32_add(a, b) = of_i32(i32_of(a).wrapping_add(i32_of(b)));
    i32_sub(a, b) = of_i32(i32_of(a).wrapping_sub(i32_of(b)));
    i32_mul(a, b) = of_i32(i32_of(a).wrapping_mul(i32_of(b)));
    i32_and(a, b) = a & b;
    i32_and_eqz(a, b) = (a as u32 & b as u32 == 0) as u64;
    i32_or(a, b) = a | b;
    i32_xor(a, b) = a ^ b;
    i32_shl(a, b) = (a as u32).wrapping_shl(b as u32) as u64;
    i32_shr_s(a, b) = of_i32(i32_of(a).wrapping_shr(b as u32));
    i32_shr_u(a, b) = (a as u32).wrapping_shr(b as u32) as u64;
    i32_rotl(a, b) = (a as u32).rotate_left(b as u32) as u64;
    i32_rotr(a, b) = (a as u32).rotate_right(b as u32) as u64;
    i32_eq(a, b) = (a as u32 == b as u32) as u64;
    i32_ne(a, b) = (a as u32 != b as u32) as u64;
    i32_lt_s(a, b) = (i32_of(a) < i32_of(b)) as u64;
    i32_lt_u(a, b) = ((a as u32) < b as u32) as u64;
    i32_gt_s(a, b) = (i32_of(a) > i32_of(b)) as u64;
    i32_gt_u(a, b) = (a as u32 > b as u32) as u64;
    i32_le_s(a, b) = (i32_of(a) <= i32_of(b)) as u64;
    i32_le_u(a, b) = (a as u32 <= b as u32) as u64;
    i32_ge_s(a, b) = (i32_of(a) >= i32_of(b)) as u64;
    i32_ge_u(a, b) = (a as u32 >= b as u32) as u64;
    i64_add(a, b) = a.wrapping_add(b);
    i64_sub(a, b) = a.wrapping_sub(b);
    i64_mul(a, b) = a.wrapping_mul(b);
    i64_and(a, b) = a & b;
    i64_or(a, b) = a | b;
    i64_xor(a, b) = a ^ b;
    i64_shl(a, b) = a.wrapping_shl(b as u32);
    i64_shr_s(a, b) = (a as i64).wrapping_shr(b as u32) as u64;
    i64_shr_u(a, b) = a.wrapping_shr(b as u32);
    i64_rotl(a, b) = a.rotate_left((b & 63) as u32);
    i64_rotr(a, b) = a.rotate_right((b & 63) as u32);
    i64_eq(a, b) = (a == b) as u64;
    i64_ne(a, b) = (a != b) as u64;
    i64_lt_s(a, b) = ((a as i64) < b as i64) as u64;
    i64_lt_u(a, b) = (a < b) as u64;
    i64_gt_s(a, b) = (a as i64 > b as i64) as u64;
    i64_gt_u(a, b) = (a > b) as u64;
    i64_le_s(a, b) = (a as i64 <= b as i64) as u64;
    i64_le_u(a, b) = (a <= b) as u64;
    i64_ge_s(a, b) = (a as i64 >= b as i64) as u64;
    i64_ge_u(a, b) = (a >= b) as u64;
    f32_copysign(a, b) = (a & 0x7fff_ffff) | (b & 0x8000_0000);
    f64_copysign(a, b) = (a & !(1 << 63)) | (b & (1 << 63));
}

semantics! {
    i32_eqz(a) = (a as u32 == 0) as u64;
    i32_nez(a) = (a as u32 != 0) as u64;
    i32_clz(a) = (a as u32).leading_zeros() as u64;
    i32_ctz(a) = (a as u32).trailing_zeros() as u64;
    i32_popcnt(a) = (a as u32).count_ones() as u64;
    i64_eqz(a) = (a == 0) as u64;
    i64_nez(a) = (a != 0) as u64;
    i64_clz(a) = a.leading_zeros() as u64;
    i64_ctz(a) = a.trailing_zeros() as u64;
    i64_popcnt(a) = a.count_ones() as u64;
    f32_abs(a) = a & 0x7fff_ffff;
    f32_neg(a) = (a as u32 ^ 0x8000_0000) as u64;
    f64_abs(a) = a & !(1 << 63);
    f64_neg(a) = a ^ (1 << 63);
    i32_wrap_i64(a) = a as u32 as u64;
    i64_extend_i32_s(a) = i32_of(a) as i64 as u64;
    i64_extend_i32_u(a) = a as u32 as u64;
    i32_trunc_sat_f32_s(a) = of_i32(f32_of(a) as i32);
    i32_trunc_sat_f32_u(a) = f32_of(a) as u32 as u64;
    i32_trunc_sat_f64_s(a) = of_i32(f64_of(a) as i32);
    i32_trunc_sat_f64_u(a) = f64_of(a) as u32 as u64;
    i64_trunc_sat_f32_s(a) = f32_of(a) as i64 as u64;
    i64_trunc_sat_f32_u(a) = f32_of(a) as u64;
    i64_trunc_sat_f64_s(a) = f64_of(a) as i64 as u64;
    i64_trunc_sat_f64_u(a) = f64_of(a) as u64;
    f32_convert_i32_s(a) = of_f32(i32_of(a) as f32);
    f32_convert_i32_u(a) = of_f32(a as u32 as f32);
    f32_convert_i64_s(a) = of_f32(a as i64 as f32);
    f32_convert_i64_u(a) = of_f32(a as f32);
    f32_demote_f64(a) = of_f32(f64_of(a) as f32);
    f64_convert_i32_s(a) = of_f64(i32_of(a) as f64);
    f64_convert_i32_u(a) = of_f64(a as u32 as f64);
    f64_convert_i64_s(a) = of_f64(a as i64 as f64);
    f64_convert_i64_u(a) = of_f64(a as f64);
    f64_promote_f32(a) = of_f64(f32_of(a) as f64);
    i32_extend8_s(a) = of_i32(a as i8 as i32);
    i32_extend16_s(a) = of_i32(a as i16 as i32);
    i64_extend8_s(a) = a as i8 as i64 as u64;
    i64_extend16_s(a) = a as i16 as i64 as u64;
    i64_extend32_s(a) = a as i32 as i64 as u64;
    copy(a) = a;
}

/// The float operations that read the same at both widths: `$of`/`$to`
/// convert from/to slot bits, `$quiet`/`$min`/`$max` are the width's helpers.
macro_rules! float_semantics {
    ($($of:ident $to:ident $quiet:ident $fmin:ident $fmax:ident:
        $add:ident $sub:ident $mul:ident $div:ident $min:ident $max:ident
        $eq:ident $ne:ident $lt:ident $gt:ident $le:ident $ge:ident
        $sqrt:ident $ceil:ident $floor:ident $trunc:ident $nearest:ident;)*) => {
        $(semantics! {
            $add(a, b) = $to($of(a) + $of(b));
            $sub(a, b) = $to($of(a) - $of(b));
            $mul(a, b) = $to($of(a) * $of(b));
            $div(a, b) = $to($of(a) / $of(b));
            $min(a, b) = $to($fmin($of(a), $of(b)));
            $max(a, b) = $to($fmax($of(a), $of(b)));
            $eq(a, b) = ($of(a) == $of(b)) as u64;
            $ne(a, b) = ($of(a) != $of(b)) as u64;
            $lt(a, b) = ($of(a) < $of(b)) as u64;
            $gt(a, b) = ($of(a) > $of(b)) as u64;
            $le(a, b) = ($of(a) <= $of(b)) as u64;
            $ge(a, b) = ($of(a) >= $of(b)) as u64;
            $sqrt(a) = $to($quiet($of(a).sqrt()));
            $ceil(a) = $to($quiet($of(a).ceil()));
            $floor(a) = $to($quiet($of(a).floor()));
            $trunc(a) = $to($quiet($of(a).trunc()));
            $nearest(a) = $to($quiet($of(a).round_ties_even()));
        })*
    };
}

float_semantics! {
    f32_of of_f32 quiet32 fmin32 fmax32:
        f32_add f32_sub f32_mul f32_div f32_min f32_max f32_eq f32_ne f32_lt f32_gt f32_le f32_ge
        f32_sqrt f32_ceil f32_floor f32_trunc f32_nearest;
    f64_of of_f64 quiet64 fmin64 fmax64:
        f64_add f64_sub f64_mul f64_div f64_min f64_max f64_eq f64_ne f64_lt f64_gt f64_le f64_ge
        f64_sqrt f64_ceil f64_floor f64_trunc f64_nearest;
}

semantics! {
    // A multiply whose result only an add reads, fused (`I32MulAdd`...):
    // the two operations' exact results (floats rounded twice, never a
    // fused multiply-add).
    i32_mul_add(acc, a, b) = i32_add(acc, i32_mul(a, b));
    i64_mul_add(acc, a, b) = i64_add(acc, i64_mul(a, b));
    f32_mul_add(acc, a, b) = f32_add(acc, f32_mul(a, b));
    f64_mul_add(acc, a, b) = f64_add(acc, f64_mul(a, b));
}

/// A shift by a constant whose result only an `and` with a constant reads,
/// fused (`I32ShrUAndImm`): the two operations' result.
#[inline(always)]
pub(crate) fn i32_shr_u_and(a: u64, shift: u8, mask: i32) -> u64 {
    i32_and(i32_shr_u(a, u64::from(shift)), widen::i32(mask))
}

/// The negated float orderings of the fused branch-if-false forms: with a
/// NaN operand `a < b` and `a >= b` are both false, so `!(a < b)` is an
/// operation of its own (hence the negated comparisons clippy warns about).
#[allow(clippy::neg_cmp_op_on_partial_ord)]
mod negated {
    use super::{f32_of, f64_of};

    semantics! {
        f32_not_lt(a, b) = !(f32_of(a) < f32_of(b)) as u64;
        f32_not_gt(a, b) = !(f32_of(a) > f32_of(b)) as u64;
        f32_not_le(a, b) = !(f32_of(a) <= f32_of(b)) as u64;
        f32_not_ge(a, b) = !(f32_of(a) >= f32_of(b)) as u64;
        f64_not_lt(a, b) = !(f64_of(a) < f64_of(b)) as u64;
        f64_not_gt(a, b) = !(f64_of(a) > f64_of(b)) as u64;
        f64_not_le(a, b) = !(f64_of(a) <= f64_of(b)) as u64;
        f64_not_ge(a, b) = !(f64_of(a) >= f64_of(b)) as u64;
    }
}
pub(crate) use negated::*;

/// Integer division and remainder: the only binary operators that trap.
macro_rules! div_rem {
    ($($name:ident($a:ident: $t:ty, $b:ident) = $e:expr, overflow: $ovf:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`: traps on a zero divisor",
                " (and signed division on overflow).")]
            #[inline(always)]
            pub(crate) fn $name(a: u64, b: u64) -> Result<u64, Trap> {
                let ($a, $b) = (a as $t, b as $t);
                if $b == 0 {
                    return Err(Trap::IntegerDivisionByZero);
                }
                if $ovf {
                    return Err(Trap::IntegerOverflow);
                }
                Ok($e)
            }
        )*
    };
}

div_rem! {
    i32_div_s(x: i32, y) = of_i32(x / y), overflow: x == i32::MIN && y == -1;
    i32_div_u(x: u32, y) = (x / y) as u64, overflow: false;
    i32_rem_s(x: i32, y) = of_i32(x.wrapping_rem(y)), overflow: false;
    i32_rem_u(x: u32, y) = (x % y) as u64, overflow: false;
    i64_div_s(x: i64, y) = (x / y) as u64, overflow: x == i64::MIN && y == -1;
    i64_div_u(x: u64, y) = x / y, overflow: false;
    i64_rem_s(x: i64, y) = x.wrapping_rem(y) as u64, overflow: false;
    i64_rem_u(x: u64, y) = x % y, overflow: false;
}

/// Trapping float-to-int truncations (the saturating ones are above).
macro_rules! trunc {
    ($($name:ident = $check:ident($conv:expr);)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`: traps on NaN or out of range.")]
            #[inline]
            pub(crate) fn $name(a: u64) -> Result<u64, Trap> {
                $check($conv(a))
            }
        )*
    };
}

trunc! {
    i32_trunc_f32_s = i32_trunc_s(f32_as_f64);
    i32_trunc_f32_u = i32_trunc_u(f32_as_f64);
    i32_trunc_f64_s = i32_trunc_s(f64_of);
    i32_trunc_f64_u = i32_trunc_u(f64_of);
    i64_trunc_f32_s = i64_trunc_s(f32_as_f64);
    i64_trunc_f32_u = i64_trunc_u(f32_as_f64);
    i64_trunc_f64_s = i64_trunc_s(f64_of);
    i64_trunc_f64_u = i64_trunc_u(f64_of);
}

/// Widening of the 32-bit immediates of `...Imm` instructions to the
/// operation's width, as slot values.
pub(crate) mod widen {
    /// Sign-extends to i32, kept zero-extended in the slot.
    #[inline(always)]
    pub(crate) fn i32(imm: i32) -> u64 {
        imm as u32 as u64
    }
    /// Sign-extends to i64.
    #[inline(always)]
    pub(crate) fn i64(imm: i32) -> u64 {
        imm as i64 as u64
    }
}

/// Float helpers that Rust's operators do not give directly, for each
/// width: quieting NaN results (library rounding functions may pass a
/// signaling NaN through unchanged) and min/max with NaN propagation and
/// signed zeros.
macro_rules! float_helpers {
    ($($t:ident: quiet $quiet:ident = $qbit:expr, min $min:ident, max $max:ident;)*) => {
        $(
            #[inline]
            fn $quiet(x: $t) -> $t {
                if x.is_nan() { $t::from_bits(x.to_bits() | $qbit) } else { x }
            }

            fn $min(a: $t, b: $t) -> $t {
                if a.is_nan() || b.is_nan() {
                    return a + b;
                }
                // Equal values: only the sign of zero can differ; min prefers -0.
                if a == b { $t::from_bits(a.to_bits() | b.to_bits()) } else { a.min(b) }
            }

            fn $max(a: $t, b: $t) -> $t {
                if a.is_nan() || b.is_nan() {
                    return a + b;
                }
                if a == b { $t::from_bits(a.to_bits() & b.to_bits()) } else { a.max(b) }
            }
        )*
    };
}

float_helpers! {
    f32: quiet quiet32 = 0x0040_0000, min fmin32, max fmax32;
    f64: quiet quiet64 = 0x0008_0000_0000_0000, min fmin64, max fmax64;
}

/// Truncates `x` toward zero into the open range `(lo, hi)` exclusive of
/// the bounds as the spec defines: NaN is an invalid conversion, anything
/// outside the range an overflow.
#[inline]
fn trunc_checked(x: f64, lo_exclusive: f64, hi_exclusive: f64) -> Result<f64, Trap> {
    if x.is_nan() {
        return Err(Trap::BadConversionToInteger);
    }
    let t = x.trunc();
    if t <= lo_exclusive || t >= hi_exclusive {
        return Err(Trap::IntegerOverflow);
    }
    Ok(t)
}

fn i32_trunc_s(x: f64) -> Result<u64, Trap> {
    Ok(trunc_checked(x, -2147483649.0, 2147483648.0)? as i32 as u32 as u64)
}

fn i32_trunc_u(x: f64) -> Result<u64, Trap> {
    Ok(trunc_checked(x, -1.0, 4294967296.0)? as u32 as u64)
}

fn i64_trunc_s(x: f64) -> Result<u64, Trap> {
    // -2^63 itself is representable; anything below is not.
    if x.is_nan() {
        return Err(Trap::BadConversionToInteger);
    }
    let t = x.trunc();
    if !(-9223372036854775808.0..9223372036854775808.0).contains(&t) {
        return Err(Trap::IntegerOverflow);
    }
    Ok(t as i64 as u64)
}

fn i64_trunc_u(x: f64) -> Result<u64, Trap> {
    Ok(trunc_checked(x, -1.0, 18446744073709551616.0)? as u64)
}

/// `f32` inputs convert exactly to `f64`, so one set of range checks serves
/// both widths — except for `i32_trunc_s` where f32 cannot represent
/// -2147483649; the exclusive bound still classifies every f32 correctly.
fn f32_as_f64(bits: u64) -> f64 {
    f32::from_bits(bits as u32) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_zero_and_nan() {
        assert_eq!(fmin32(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(fmax32(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert!(fmin64(f64::NAN, 1.0).is_nan());
        assert!(fmax64(1.0, f64::NAN).is_nan());
    }

    #[test]
    fn truncation_bounds() {
        assert_eq!(
            i32_trunc_s(-2147483648.9),
            Ok((-2147483648i32) as u32 as u64)
        );
        assert_eq!(i32_trunc_s(2147483648.0), Err(Trap::IntegerOverflow));
        assert_eq!(i32_trunc_u(-0.9), Ok(0));
        assert_eq!(i32_trunc_u(-1.0), Err(Trap::IntegerOverflow));
        assert_eq!(i64_trunc_s(-9223372036854775808.0), Ok(i64::MIN as u64));
        assert_eq!(
            i64_trunc_s(9223372036854775808.0),
            Err(Trap::IntegerOverflow)
        );
        assert_eq!(i64_trunc_u(f64::NAN), Err(Trap::BadConversionToInteger));
    }
}
