//! The public type API: value, reference and heap types, function, struct
//! and array types backed by the engine's type registry, and the extern
//! types that describe imports and exports.
//!
//! None of these types implements `PartialEq`: use `matches` (directional,
//! declared subtyping) or `eq` (mutual subtyping).
//!
//! Layout: `val.rs` (value, reference and heap types), `composite.rs`
//! (function, struct, array, field and storage types), `builder.rs`
//! ([`RecGroupBuilder`], the only way to build rec groups from the host,
//! including recursive ones, and the validation of host-built types),
//! `display.rs` (text-format printing).

mod builder;
mod composite;
mod display;
mod val;

pub use builder::{
    RecFieldType, RecGroupBuilder, RecIndex, RecStorageType, RecSupertype, RecValType,
};

use crate::Engine;
use crate::registry::TypeRef;

/// Whether a global or field can be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

impl Mutability {
    /// Whether this is [`Mutability::Const`].
    #[inline]
    pub fn is_const(&self) -> bool {
        *self == Mutability::Const
    }
    /// Whether this is [`Mutability::Var`].
    #[inline]
    pub fn is_var(&self) -> bool {
        *self == Mutability::Var
    }
}

/// Whether a defined type may be declared as the supertype of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Finality {
    /// No subtypes may be declared.
    Final,
    /// Subtypes may be declared.
    NonFinal,
}

impl Finality {
    /// Whether this is [`Finality::Final`].
    #[inline]
    pub fn is_final(&self) -> bool {
        *self == Finality::Final
    }
    /// Whether this is [`Finality::NonFinal`].
    #[inline]
    pub fn is_non_final(&self) -> bool {
        *self == Finality::NonFinal
    }
}

/// A WebAssembly value type.
#[derive(Clone, Debug)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

/// A reference type: nullability plus a heap type.
#[derive(Clone, Debug)]
pub struct RefType {
    pub(crate) nullable: bool,
    pub(crate) heap_type: HeapType,
}

/// A heap type: abstract, or a concrete registered type.
#[derive(Clone, Debug)]
pub enum HeapType {
    /// Top of the extern hierarchy.
    Extern,
    /// Bottom of the extern hierarchy.
    NoExtern,
    /// Top of the func hierarchy.
    Func,
    /// A concrete function type.
    ConcreteFunc(FuncType),
    /// Bottom of the func hierarchy.
    NoFunc,
    /// Top of the internal (GC) hierarchy.
    Any,
    /// Comparable references.
    Eq,
    /// Unboxed 31-bit integers.
    I31,
    /// Any array.
    Array,
    /// A concrete array type.
    ConcreteArray(ArrayType),
    /// Any struct.
    Struct,
    /// A concrete struct type.
    ConcreteStruct(StructType),
    /// Bottom of the internal hierarchy.
    None,
    /// Top of the exception hierarchy.
    Exn,
    /// Bottom of the exception hierarchy.
    NoExn,
}

/// A function type registered in an engine.
///
/// Cloning is cheap (two reference counts). Holding a `FuncType` keeps its
/// rec group registered. Compare with [`FuncType::matches`] (declared
/// subtyping) or [`FuncType::eq`].
#[derive(Clone, Debug)]
pub struct FuncType {
    pub(crate) engine: Engine,
    pub(crate) ty: TypeRef,
}

/// A struct type registered in an engine.
///
/// Cloning is cheap. Holding a `StructType` keeps its rec group registered.
#[derive(Clone, Debug)]
pub struct StructType {
    pub(crate) engine: Engine,
    pub(crate) ty: TypeRef,
}

/// An array type registered in an engine.
///
/// Cloning is cheap. Holding an `ArrayType` keeps its rec group registered.
#[derive(Clone, Debug)]
pub struct ArrayType {
    pub(crate) engine: Engine,
    pub(crate) ty: TypeRef,
}

/// How a struct field or array element is stored.
#[derive(Clone, Debug)]
pub enum StorageType {
    /// Packed 8-bit integer.
    I8,
    /// Packed 16-bit integer.
    I16,
    /// A full value type.
    ValType(ValType),
}

/// A struct field or array element type.
#[derive(Clone, Debug)]
pub struct FieldType {
    pub(crate) mutability: Mutability,
    pub(crate) element_type: StorageType,
}
