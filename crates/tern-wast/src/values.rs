//! Conversion between script values and Tern values: building call
//! arguments from `WastArgCore`, matching results against `WastRetCore`
//! patterns, and rendering both for failure reports.

use std::fmt::Write as _;

use tern::{AnyRef, ExternRef, HeapType, Store, Val, ValType};
use wast::core::{AbstractHeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};

/// Maps a script heap type to the Tern heap type whose null it denotes.
///
/// Concrete type indices cannot be resolved outside their module, so they
/// yield `None` and the caller falls back to the parameter's own type.
fn abstract_heap_type(ty: &wast::core::HeapType<'_>) -> Option<HeapType> {
    let wast::core::HeapType::Abstract { ty, shared: false } = ty else {
        return None;
    };
    Some(match ty {
        AbstractHeapType::Func => HeapType::Func,
        AbstractHeapType::NoFunc => HeapType::NoFunc,
        AbstractHeapType::Extern => HeapType::Extern,
        AbstractHeapType::NoExtern => HeapType::NoExtern,
        AbstractHeapType::Any => HeapType::Any,
        AbstractHeapType::Eq => HeapType::Eq,
        AbstractHeapType::I31 => HeapType::I31,
        AbstractHeapType::Struct => HeapType::Struct,
        AbstractHeapType::Array => HeapType::Array,
        AbstractHeapType::None => HeapType::None,
        AbstractHeapType::Exn => HeapType::Exn,
        AbstractHeapType::NoExn => HeapType::NoExn,
        AbstractHeapType::Cont | AbstractHeapType::NoCont => return None,
    })
}

/// Builds the Tern value for one invocation argument. `param` is the
/// callee's declared parameter type at this position, if known; it decides
/// the hierarchy of a `ref.null` with a concrete type index.
pub(crate) fn arg_to_val(
    store: &mut Store<()>,
    arg: &WastArgCore<'_>,
    param: Option<&ValType>,
) -> Result<Val, String> {
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ty) => match (abstract_heap_type(ty), param) {
            (Some(ht), _) => Val::null_ref(&ht),
            (None, Some(ValType::Ref(rt))) => Val::null_ref(rt.heap_type()),
            (None, _) => return Err(format!("unsupported null reference argument {ty:?}")),
        },
        WastArgCore::RefExtern(n) => {
            let r = ExternRef::new(&mut *store, *n).map_err(|e| e.to_string())?;
            Val::ExternRef(Some(r))
        }
        WastArgCore::RefHost(n) => {
            let r = ExternRef::new(&mut *store, *n).map_err(|e| e.to_string())?;
            let a = AnyRef::convert_extern(&mut *store, r).map_err(|e| e.to_string())?;
            Val::AnyRef(Some(a))
        }
    })
}

/// Whether `bits` is a canonical f32 NaN (either sign).
fn f32_canonical_nan(bits: u32) -> bool {
    bits & 0x7fff_ffff == 0x7fc0_0000
}

/// Whether `bits` is an arithmetic f32 NaN: a NaN with the quiet bit set.
fn f32_arithmetic_nan(bits: u32) -> bool {
    bits & 0x7fc0_0000 == 0x7fc0_0000
}

/// Whether `bits` is a canonical f64 NaN (either sign).
fn f64_canonical_nan(bits: u64) -> bool {
    bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
}

/// Whether `bits` is an arithmetic f64 NaN: a NaN with the quiet bit set.
fn f64_arithmetic_nan(bits: u64) -> bool {
    bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
}

fn f32_matches(pat: &NanPattern<F32>, bits: u32) -> bool {
    match pat {
        NanPattern::CanonicalNan => f32_canonical_nan(bits),
        NanPattern::ArithmeticNan => f32_arithmetic_nan(bits),
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(pat: &NanPattern<F64>, bits: u64) -> bool {
    match pat {
        NanPattern::CanonicalNan => f64_canonical_nan(bits),
        NanPattern::ArithmeticNan => f64_arithmetic_nan(bits),
        NanPattern::Value(v) => v.bits == bits,
    }
}

/// Splits a little-endian v128 into `N` lanes of `W` bytes each.
fn lanes<const N: usize, const W: usize>(v: u128) -> [u64; N] {
    let bytes = v.to_le_bytes();
    let mut out = [0u64; N];
    for (i, lane) in out.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b[..W].copy_from_slice(&bytes[i * W..(i + 1) * W]);
        *lane = u64::from_le_bytes(b);
    }
    out
}

fn v128_matches(pat: &V128Pattern, v: u128) -> bool {
    match pat {
        V128Pattern::I8x16(p) => {
            let l = lanes::<16, 1>(v);
            p.iter().zip(l).all(|(p, l)| *p as u8 as u64 == l)
        }
        V128Pattern::I16x8(p) => {
            let l = lanes::<8, 2>(v);
            p.iter().zip(l).all(|(p, l)| *p as u16 as u64 == l)
        }
        V128Pattern::I32x4(p) => {
            let l = lanes::<4, 4>(v);
            p.iter().zip(l).all(|(p, l)| *p as u32 as u64 == l)
        }
        V128Pattern::I64x2(p) => {
            let l = lanes::<2, 8>(v);
            p.iter().zip(l).all(|(p, l)| *p as u64 == l)
        }
        V128Pattern::F32x4(p) => {
            let l = lanes::<4, 4>(v);
            p.iter().zip(l).all(|(p, l)| f32_matches(p, l as u32))
        }
        V128Pattern::F64x2(p) => {
            let l = lanes::<2, 8>(v);
            p.iter().zip(l).all(|(p, l)| f64_matches(p, l))
        }
    }
}

/// Which reference hierarchy a null pattern's heap type belongs to.
#[derive(PartialEq, Eq)]
enum Hierarchy {
    Func,
    Extern,
    Any,
    Exn,
}

fn hierarchy(ty: &wast::core::HeapType<'_>) -> Option<Hierarchy> {
    Some(match abstract_heap_type(ty)? {
        HeapType::Func | HeapType::NoFunc | HeapType::ConcreteFunc(_) => Hierarchy::Func,
        HeapType::Extern | HeapType::NoExtern => Hierarchy::Extern,
        HeapType::Exn | HeapType::NoExn => Hierarchy::Exn,
        _ => Hierarchy::Any,
    })
}

/// Reads the `u32` payload of a host-made `externref`, if it has one.
fn extern_payload(store: &Store<()>, r: &ExternRef) -> Option<u32> {
    match r.data(store) {
        Ok(Some(data)) => data.downcast_ref::<u32>().copied(),
        _ => None,
    }
}

/// Reads the `u32` payload of an `anyref` made from a host `externref`
/// (a `ref.host N` value), if it is one.
fn host_payload(store: &mut Store<()>, a: &AnyRef) -> Option<u32> {
    let e = ExternRef::convert_any(&mut *store, a.clone()).ok()?;
    extern_payload(store, &e)
}

/// Whether `val` matches the expected-result pattern `pat`.
pub(crate) fn val_matches(store: &mut Store<()>, pat: &WastRetCore<'_>, val: &Val) -> bool {
    match (pat, val) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(bits)) => f32_matches(p, *bits),
        (WastRetCore::F64(p), Val::F64(bits)) => f64_matches(p, *bits),
        (WastRetCore::V128(p), Val::V128(v)) => v128_matches(p, *v),
        (WastRetCore::RefNull(ty), val) => {
            let (is_null, h) = match val {
                Val::FuncRef(r) => (r.is_none(), Hierarchy::Func),
                Val::ExternRef(r) => (r.is_none(), Hierarchy::Extern),
                Val::AnyRef(r) => (r.is_none(), Hierarchy::Any),
                Val::ExnRef(r) => (r.is_none(), Hierarchy::Exn),
                _ => return false,
            };
            is_null && ty.as_ref().and_then(hierarchy).is_none_or(|want| want == h)
        }
        (WastRetCore::RefFunc(_), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            extern_payload(store, r) == Some(*n)
        }
        (WastRetCore::RefHost(n), Val::AnyRef(Some(a))) => host_payload(store, a) == Some(*n),
        (WastRetCore::RefAny, Val::AnyRef(r)) => r.is_some(),
        (WastRetCore::RefEq, Val::AnyRef(Some(a))) => a.is_eqref(&*store).unwrap_or(false),
        (WastRetCore::RefI31, Val::AnyRef(Some(a))) => a.is_i31(&*store).unwrap_or(false),
        (WastRetCore::RefStruct, Val::AnyRef(Some(a))) => a.is_struct(&*store).unwrap_or(false),
        (WastRetCore::RefArray, Val::AnyRef(Some(a))) => a.is_array(&*store).unwrap_or(false),
        (WastRetCore::Either(alts), val) => alts.iter().any(|p| val_matches(store, p, val)),
        _ => false,
    }
}

fn fmt_f32(bits: u32) -> String {
    let f = f32::from_bits(bits);
    if f.is_nan() {
        format!("nan:0x{bits:08x}")
    } else {
        format!("{f:?}")
    }
}

fn fmt_f64(bits: u64) -> String {
    let f = f64::from_bits(bits);
    if f.is_nan() {
        format!("nan:0x{bits:016x}")
    } else {
        format!("{f:?}")
    }
}

fn fmt_nan32(p: &NanPattern<F32>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => fmt_f32(v.bits),
    }
}

fn fmt_nan64(p: &NanPattern<F64>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => fmt_f64(v.bits),
    }
}

fn join<T>(items: impl IntoIterator<Item = T>, f: impl Fn(T) -> String) -> String {
    items.into_iter().map(f).collect::<Vec<_>>().join(" ")
}

/// Renders an expected-result pattern in script syntax.
pub(crate) fn fmt_pattern(pat: &WastRetCore<'_>) -> String {
    match pat {
        WastRetCore::I32(v) => format!("(i32.const {v})"),
        WastRetCore::I64(v) => format!("(i64.const {v})"),
        WastRetCore::F32(p) => format!("(f32.const {})", fmt_nan32(p)),
        WastRetCore::F64(p) => format!("(f64.const {})", fmt_nan64(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(l) => format!("(v128.const i8x16 {})", join(l, |x| x.to_string())),
            V128Pattern::I16x8(l) => format!("(v128.const i16x8 {})", join(l, |x| x.to_string())),
            V128Pattern::I32x4(l) => format!("(v128.const i32x4 {})", join(l, |x| x.to_string())),
            V128Pattern::I64x2(l) => format!("(v128.const i64x2 {})", join(l, |x| x.to_string())),
            V128Pattern::F32x4(l) => format!("(v128.const f32x4 {})", join(l, fmt_nan32)),
            V128Pattern::F64x2(l) => format!("(v128.const f64x2 {})", join(l, fmt_nan64)),
        },
        WastRetCore::RefNull(None) => "(ref.null)".into(),
        WastRetCore::RefNull(Some(ty)) => match ty {
            wast::core::HeapType::Abstract { ty, .. } => {
                format!("(ref.null {})", format!("{ty:?}").to_lowercase())
            }
            other => format!("(ref.null {other:?})"),
        },
        WastRetCore::RefExtern(None) => "(ref.extern)".into(),
        WastRetCore::RefExtern(Some(n)) => format!("(ref.extern {n})"),
        WastRetCore::RefHost(n) => format!("(ref.host {n})"),
        WastRetCore::RefFunc(None) => "(ref.func)".into(),
        WastRetCore::RefFunc(Some(i)) => format!("(ref.func {i:?})"),
        WastRetCore::RefAny => "(ref.any)".into(),
        WastRetCore::RefEq => "(ref.eq)".into(),
        WastRetCore::RefArray => "(ref.array)".into(),
        WastRetCore::RefStruct => "(ref.struct)".into(),
        WastRetCore::RefI31 => "(ref.i31)".into(),
        WastRetCore::RefI31Shared => "(ref.i31_shared)".into(),
        WastRetCore::Either(alts) => format!("(either {})", join(alts, fmt_pattern)),
    }
}

/// Renders a value produced by Tern in script syntax.
pub(crate) fn fmt_val(store: &mut Store<()>, val: &Val) -> String {
    match val {
        Val::I32(v) => format!("(i32.const {v})"),
        Val::I64(v) => format!("(i64.const {v})"),
        Val::F32(bits) => format!("(f32.const {})", fmt_f32(*bits)),
        Val::F64(bits) => format!("(f64.const {})", fmt_f64(*bits)),
        Val::V128(v) => format!(
            "(v128.const i64x2 0x{:016x} 0x{:016x})",
            *v as u64,
            (*v >> 64) as u64
        ),
        Val::FuncRef(None) => "(ref.null func)".into(),
        Val::FuncRef(Some(_)) => "(ref.func)".into(),
        Val::ExternRef(None) => "(ref.null extern)".into(),
        Val::ExternRef(Some(r)) => match extern_payload(store, r) {
            Some(n) => format!("(ref.extern {n})"),
            None => "(ref.extern)".into(),
        },
        Val::AnyRef(None) => "(ref.null any)".into(),
        Val::AnyRef(Some(a)) => {
            if let Some(n) = host_payload(store, a) {
                return format!("(ref.host {n})");
            }
            if let Ok(Some(i)) = a.as_i31(&*store) {
                return format!("(ref.i31 {})", i.get_i32());
            }
            if a.is_struct(&*store).unwrap_or(false) {
                "(ref.struct)".into()
            } else if a.is_array(&*store).unwrap_or(false) {
                "(ref.array)".into()
            } else {
                "(ref.any)".into()
            }
        }
        Val::ExnRef(None) => "(ref.null exn)".into(),
        Val::ExnRef(Some(_)) => "(ref.exn)".into(),
    }
}

/// Renders a list of values, or `()` when empty.
pub(crate) fn fmt_vals(store: &mut Store<()>, vals: &[Val]) -> String {
    if vals.is_empty() {
        return "()".into();
    }
    let mut s = String::new();
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{}", fmt_val(store, v));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_classes() {
        assert!(f32_canonical_nan(0x7fc0_0000));
        assert!(f32_canonical_nan(0xffc0_0000));
        assert!(!f32_canonical_nan(0x7fc0_0001));
        assert!(f32_arithmetic_nan(0x7fc0_0001));
        assert!(!f32_arithmetic_nan(0x7f80_0001));
        assert!(f64_canonical_nan(0xfff8_0000_0000_0000));
        assert!(f64_arithmetic_nan(0x7ff8_0000_0000_0001));
        assert!(!f64_arithmetic_nan(0x7ff0_0000_0000_0001));
    }

    #[test]
    fn v128_lanes() {
        let v = u128::from_le_bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(v128_matches(&V128Pattern::I32x4([1, 2, 3, -1]), v));
        assert!(!v128_matches(&V128Pattern::I32x4([1, 2, 3, 4]), v));
    }
}
