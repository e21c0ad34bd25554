//! Numeric semantics that Rust's operators do not give directly: float
//! min/max with NaN propagation and signed zeros, and trapping float-to-int
//! truncation.

use crate::error::Trap;

/// Arithmetic results must be quiet NaNs; library rounding functions may
/// pass a signaling NaN through unchanged.
#[inline]
pub(crate) fn quiet32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}

/// See [`quiet32`].
#[inline]
pub(crate) fn quiet64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}

pub(crate) fn fmin32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        // Equal values: only the sign of zero can differ; min prefers -0.
        return f32::from_bits(a.to_bits() | b.to_bits());
    }
    if a < b { a } else { b }
}

pub(crate) fn fmax32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f32::from_bits(a.to_bits() & b.to_bits());
    }
    if a > b { a } else { b }
}

pub(crate) fn fmin64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f64::from_bits(a.to_bits() | b.to_bits());
    }
    if a < b { a } else { b }
}

pub(crate) fn fmax64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        return f64::from_bits(a.to_bits() & b.to_bits());
    }
    if a > b { a } else { b }
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

pub(crate) fn i32_trunc_s(x: f64) -> Result<u64, Trap> {
    Ok(trunc_checked(x, -2147483649.0, 2147483648.0)? as i32 as u32 as u64)
}

pub(crate) fn i32_trunc_u(x: f64) -> Result<u64, Trap> {
    Ok(trunc_checked(x, -1.0, 4294967296.0)? as u32 as u64)
}

pub(crate) fn i64_trunc_s(x: f64) -> Result<u64, Trap> {
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

pub(crate) fn i64_trunc_u(x: f64) -> Result<u64, Trap> {
    Ok(trunc_checked(x, -1.0, 18446744073709551616.0)? as u64)
}

/// `f32` inputs convert exactly to `f64`, so one set of range checks serves
/// both widths — except for `i32_trunc_s` where f32 cannot represent
/// -2147483649; the exclusive bound still classifies every f32 correctly.
pub(crate) fn f32_as_f64(bits: u64) -> f64 {
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
