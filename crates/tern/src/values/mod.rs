//! Values crossing the embedder boundary: [`Val`], [`Ref`], and the
//! reference handles for functions, host data and GC objects.
//!
//! Inside the interpreter a reference is a 32-bit raw word (see
//! [`raw`]); these types pair such a word with the store it belongs to.

pub(crate) mod convert;
mod eqref;
mod pre;
pub(crate) mod raw;
pub(crate) mod refs;
mod rooting;

pub use eqref::EqRef;
pub use pre::{ArrayAllocator, ArrayRefPre, StructAllocator, StructRefPre};
pub use refs::{ArrayRef, StructRef};
pub use rooting::RootScope;

use crate::gc::GcRoot;
use crate::runtime::{Func, StoreId};

/// A value of any WebAssembly type.
#[derive(Clone, Debug)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bit pattern (so NaN payloads survive).
    F32(u32),
    /// An `f64`, as its bit pattern.
    F64(u64),
    /// A `v128`.
    V128(u128),
    /// A `funcref` (or any reference in the func hierarchy).
    FuncRef(Option<Func>),
    /// An `externref` (or any reference in the extern hierarchy).
    ExternRef(Option<ExternRef>),
    /// An `anyref` (or any reference in the internal hierarchy).
    AnyRef(Option<AnyRef>),
    /// An `exnref`.
    ExnRef(Option<ExnRef>),
}

/// A reference value of any hierarchy.
#[derive(Clone, Debug)]
pub enum Ref {
    /// The func hierarchy.
    Func(Option<Func>),
    /// The extern hierarchy.
    Extern(Option<ExternRef>),
    /// The internal (GC) hierarchy.
    Any(Option<AnyRef>),
    /// The exception hierarchy.
    Exn(Option<ExnRef>),
}

/// A reference to host data (or to an internal reference converted with
/// `extern.convert_any`), owned by one store.
///
/// The handle roots its object: the object stays alive (and the handle
/// valid) until the last clone of the handle is dropped. Dropping needs no
/// store.
#[derive(Clone, Debug)]
pub struct ExternRef {
    pub(crate) store: StoreId,
    pub(crate) root: GcRoot,
}

/// A reference in the internal (GC) hierarchy: a struct, an array, an i31
/// or converted host data, owned by one store. Rooted like [`ExternRef`].
#[derive(Clone, Debug)]
pub struct AnyRef {
    pub(crate) store: StoreId,
    pub(crate) root: GcRoot,
}

/// A reference to an exception (a GC object holding its tag and payload),
/// owned by one store. Rooted like [`ExternRef`]; see
/// `runtime/exn.rs` for its methods.
#[derive(Clone, Debug)]
pub struct ExnRef {
    pub(crate) store: StoreId,
    pub(crate) root: GcRoot,
}

/// A `v128` value, for statically typed calls (`Func::typed`,
/// `Func::wrap`); `Val::V128` carries the same bits. Lane 0 is in the low
/// bits (the little-endian byte order of memory).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct V128(u128);

impl V128 {
    /// The vector's bits.
    pub fn as_u128(&self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(x: u128) -> V128 {
        V128(x)
    }
}

impl From<V128> for u128 {
    fn from(v: V128) -> u128 {
        v.0
    }
}

/// An unboxed 31-bit integer reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct I31(pub(crate) u32);

impl I31 {
    /// Wraps the low 31 bits of `v`.
    pub fn wrapping_i32(v: i32) -> I31 {
        I31((v as u32) & 0x7fff_ffff)
    }
    /// Wraps the low 31 bits of `v`.
    pub fn wrapping_u32(v: u32) -> I31 {
        I31(v & 0x7fff_ffff)
    }
    /// `Some` if `v` fits in 31 signed bits.
    pub fn new_i32(v: i32) -> Option<I31> {
        ((-(1 << 30))..(1 << 30))
            .contains(&v)
            .then(|| I31::wrapping_i32(v))
    }
    /// `Some` if `v` fits in 31 unsigned bits.
    pub fn new_u32(v: u32) -> Option<I31> {
        (v < (1 << 31)).then_some(I31(v))
    }
    /// The value, sign-extended.
    pub fn get_i32(&self) -> i32 {
        ((self.0 << 1) as i32) >> 1
    }
    /// The value, zero-extended.
    pub fn get_u32(&self) -> u32 {
        self.0
    }
}

/// The uninhabited Rust types of the bottom heap types (`nofunc`,
/// `noextern`, `none`), as in Wasmtime: only null references exist, so
/// `Option<T>` types a nullable parameter or result in `Func::typed` and
/// `Func::wrap` and is always `None`.
macro_rules! bottom_refs {
    ($($t:ident, $name:literal, $ref:ident, $val:ident;)*) => {
        $(
            #[doc = concat!("The uninhabited type of the `", $name, "` heap type: only null references")]
            #[doc = concat!("exist. Use `Option<", stringify!($t), ">` for a `(ref null ", $name, ")` value.")]
            #[derive(Clone, Copy, Debug)]
            pub enum $t {}

            impl $t {
                #[doc = concat!("The null `", $name, "` reference.")]
                pub fn null() -> Option<$t> {
                    None
                }
                #[doc = concat!("The null `", $name, "` reference as a [`Ref`].")]
                pub fn null_ref() -> Ref {
                    Ref::$ref(None)
                }
                #[doc = concat!("The null `", $name, "` reference as a [`Val`].")]
                pub fn null_val() -> Val {
                    Val::$val(None)
                }
            }
        )*
    };
}

bottom_refs! {
    NoFunc, "nofunc", Func, FuncRef;
    NoExtern, "noextern", Extern, ExternRef;
    NoneRef, "none", Any, AnyRef;
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<Ref> for Val {
    fn from(r: Ref) -> Val {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(e) => Val::ExternRef(e),
            Ref::Any(a) => Val::AnyRef(a),
            Ref::Exn(e) => Val::ExnRef(e),
        }
    }
}

impl Val {
    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }
    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }
    /// The `f32`, if this is one.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }
    /// The `f64`, if this is one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }
    /// The `v128`, if this is one.
    pub fn v128(&self) -> Option<V128> {
        match self {
            Val::V128(v) => Some(V128::from(*v)),
            _ => None,
        }
    }
    /// The reference, if this is one.
    pub fn ref_(&self) -> Option<Ref> {
        match self {
            Val::FuncRef(f) => Some(Ref::Func(*f)),
            Val::ExternRef(e) => Some(Ref::Extern(e.clone())),
            Val::AnyRef(a) => Some(Ref::Any(a.clone())),
            Val::ExnRef(e) => Some(Ref::Exn(e.clone())),
            _ => None,
        }
    }
    /// The funcref, if this is one (`Some(None)` for null).
    pub fn funcref(&self) -> Option<Option<&Func>> {
        match self {
            Val::FuncRef(f) => Some(f.as_ref()),
            _ => None,
        }
    }
    /// Whether this is a null reference.
    pub fn is_null(&self) -> bool {
        self.ref_().is_some_and(|r| r.is_null())
    }
}

impl Ref {
    /// Whether the reference is null.
    pub fn is_null(&self) -> bool {
        match self {
            Ref::Func(f) => f.is_none(),
            Ref::Extern(e) => e.is_none(),
            Ref::Any(a) => a.is_none(),
            Ref::Exn(e) => e.is_none(),
        }
    }
}
