//! Value, reference and heap types: constants, queries, declared-subtyping
//! `matches`/`eq`, and conversion to and from the registry's canonical form.

use super::{ArrayType, FuncType, HeapType, RefType, StructType, ValType};
use crate::Engine;
use crate::registry::{AbsHeap, CHeap, CRef, CVal, Kind, TypeId, TypeRef};
use crate::values::Val;

impl From<RefType> for ValType {
    fn from(r: RefType) -> ValType {
        ValType::Ref(r)
    }
}

impl ValType {
    /// `externref`: `(ref null extern)`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    /// `nullexternref`: `(ref null noextern)`.
    pub const NULLEXTERNREF: ValType = ValType::Ref(RefType::NULLEXTERNREF);
    /// `funcref`: `(ref null func)`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `nullfuncref`: `(ref null nofunc)`.
    pub const NULLFUNCREF: ValType = ValType::Ref(RefType::NULLFUNCREF);
    /// `anyref`: `(ref null any)`.
    pub const ANYREF: ValType = ValType::Ref(RefType::ANYREF);
    /// `eqref`: `(ref null eq)`.
    pub const EQREF: ValType = ValType::Ref(RefType::EQREF);
    /// `i31ref`: `(ref null i31)`.
    pub const I31REF: ValType = ValType::Ref(RefType::I31REF);
    /// `structref`: `(ref null struct)`.
    pub const STRUCTREF: ValType = ValType::Ref(RefType::STRUCTREF);
    /// `arrayref`: `(ref null array)`.
    pub const ARRAYREF: ValType = ValType::Ref(RefType::ARRAYREF);
    /// `nullref`: `(ref null none)`.
    pub const NULLREF: ValType = ValType::Ref(RefType::NULLREF);
    /// `exnref`: `(ref null exn)`.
    pub const EXNREF: ValType = ValType::Ref(RefType::EXNREF);
    /// `nullexnref`: `(ref null noexn)`.
    pub const NULLEXNREF: ValType = ValType::Ref(RefType::NULLEXNREF);

    /// Whether this is a number type (`i32`, `i64`, `f32` or `f64`).
    #[inline]
    pub fn is_num(&self) -> bool {
        matches!(
            self,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        )
    }
    /// Whether this is `i32`.
    #[inline]
    pub fn is_i32(&self) -> bool {
        matches!(self, ValType::I32)
    }
    /// Whether this is `i64`.
    #[inline]
    pub fn is_i64(&self) -> bool {
        matches!(self, ValType::I64)
    }
    /// Whether this is `f32`.
    #[inline]
    pub fn is_f32(&self) -> bool {
        matches!(self, ValType::F32)
    }
    /// Whether this is `f64`.
    #[inline]
    pub fn is_f64(&self) -> bool {
        matches!(self, ValType::F64)
    }
    /// Whether this is `v128`.
    #[inline]
    pub fn is_v128(&self) -> bool {
        matches!(self, ValType::V128)
    }
    /// Whether this is a reference type.
    #[inline]
    pub fn is_ref(&self) -> bool {
        matches!(self, ValType::Ref(_))
    }
    /// Whether this is exactly `funcref` (`(ref null func)`).
    pub fn is_funcref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.nullable && matches!(r.heap_type, HeapType::Func))
    }
    /// Whether this is exactly `externref` (`(ref null extern)`).
    pub fn is_externref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.nullable && matches!(r.heap_type, HeapType::Extern))
    }
    /// Whether this is exactly `anyref` (`(ref null any)`).
    pub fn is_anyref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.nullable && matches!(r.heap_type, HeapType::Any))
    }
    /// The reference type, if this is one.
    #[inline]
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }
    /// The reference type.
    ///
    /// # Panics
    ///
    /// Panics if this is not a reference type; see [`ValType::as_ref`].
    pub fn unwrap_ref(&self) -> &RefType {
        match self {
            ValType::Ref(r) => r,
            other => panic!("ValType::unwrap_ref on non-reference type {other}"),
        }
    }

    /// Whether `self` is a subtype of `other` (declared subtyping for
    /// concrete types; types of different engines never match).
    ///
    /// ```
    /// use tern::{Engine, FuncType, HeapType, RefType, ValType};
    /// let engine = Engine::default();
    /// assert!(ValType::NULLREF.matches(&ValType::ANYREF));
    /// assert!(!ValType::ANYREF.matches(&ValType::EQREF));
    /// assert!(!ValType::I32.matches(&ValType::I64));
    ///
    /// let f = FuncType::new(&engine, [ValType::I32], []);
    /// let non_null_f = ValType::Ref(RefType::new(false, HeapType::ConcreteFunc(f)));
    /// assert!(non_null_f.matches(&ValType::FUNCREF));
    /// assert!(!ValType::FUNCREF.matches(&non_null_f));
    /// ```
    pub fn matches(&self, other: &ValType) -> bool {
        match (self, other) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches(b),
            (ValType::I32, ValType::I32)
            | (ValType::I64, ValType::I64)
            | (ValType::F32, ValType::F32)
            | (ValType::F64, ValType::F64)
            | (ValType::V128, ValType::V128) => true,
            _ => false,
        }
    }

    /// Whether `a` and `b` are the same type (each matches the other).
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &ValType, b: &ValType) -> bool {
        a.matches(b) && b.matches(a)
    }

    /// The default value of this type: zero for numbers, null for nullable
    /// references, `None` for non-nullable references.
    pub fn default_value(&self) -> Option<Val> {
        Some(match self {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) if r.nullable => match r.heap_type.top() {
                HeapType::Func => Val::FuncRef(None),
                HeapType::Extern => Val::ExternRef(None),
                HeapType::Exn => Val::ExnRef(None),
                _ => Val::AnyRef(None),
            },
            ValType::Ref(_) => return None,
        })
    }

    /// The canonical form (concrete types by engine-wide id).
    pub(crate) fn to_cval(&self) -> CVal {
        match self {
            ValType::I32 => CVal::I32,
            ValType::I64 => CVal::I64,
            ValType::F32 => CVal::F32,
            ValType::F64 => CVal::F64,
            ValType::V128 => CVal::V128,
            ValType::Ref(r) => CVal::Ref(r.to_cref()),
        }
    }

    /// The public form of a canonical value type of `engine` (looks
    /// concrete types up in the registry: locks).
    pub(crate) fn from_cval(engine: &Engine, v: CVal) -> ValType {
        ValType::from_cval_with(engine, v, &|id| engine.registry().type_ref(id))
    }

    /// Like [`ValType::from_cval`], resolving concrete types through `ctx`'s
    /// rec group and its dependencies first (no lock when `v` comes from
    /// `ctx`'s definition).
    pub(crate) fn from_cval_in(engine: &Engine, v: CVal, ctx: &TypeRef) -> ValType {
        ValType::from_cval_with(engine, v, &|id| {
            ctx.resolve(id).or_else(|| engine.registry().type_ref(id))
        })
    }

    pub(crate) fn from_cval_with(
        engine: &Engine,
        v: CVal,
        resolve: &dyn Fn(TypeId) -> Option<TypeRef>,
    ) -> ValType {
        match v {
            CVal::I32 => ValType::I32,
            CVal::I64 => ValType::I64,
            CVal::F32 => ValType::F32,
            CVal::F64 => ValType::F64,
            CVal::V128 => ValType::V128,
            CVal::Ref(r) => ValType::Ref(RefType::from_cref_with(engine, r, resolve)),
        }
    }
}

impl RefType {
    /// `externref`: `(ref null extern)`.
    pub const EXTERNREF: RefType = RefType::new(true, HeapType::Extern);
    /// `nullexternref`: `(ref null noextern)`.
    pub const NULLEXTERNREF: RefType = RefType::new(true, HeapType::NoExtern);
    /// `funcref`: `(ref null func)`.
    pub const FUNCREF: RefType = RefType::new(true, HeapType::Func);
    /// `nullfuncref`: `(ref null nofunc)`.
    pub const NULLFUNCREF: RefType = RefType::new(true, HeapType::NoFunc);
    /// `anyref`: `(ref null any)`.
    pub const ANYREF: RefType = RefType::new(true, HeapType::Any);
    /// `eqref`: `(ref null eq)`.
    pub const EQREF: RefType = RefType::new(true, HeapType::Eq);
    /// `i31ref`: `(ref null i31)`.
    pub const I31REF: RefType = RefType::new(true, HeapType::I31);
    /// `structref`: `(ref null struct)`.
    pub const STRUCTREF: RefType = RefType::new(true, HeapType::Struct);
    /// `arrayref`: `(ref null array)`.
    pub const ARRAYREF: RefType = RefType::new(true, HeapType::Array);
    /// `nullref`: `(ref null none)`.
    pub const NULLREF: RefType = RefType::new(true, HeapType::None);
    /// `exnref`: `(ref null exn)`.
    pub const EXNREF: RefType = RefType::new(true, HeapType::Exn);
    /// `nullexnref`: `(ref null noexn)`.
    pub const NULLEXNREF: RefType = RefType::new(true, HeapType::NoExn);

    /// A reference to `heap_type`, nullable or not.
    #[inline]
    pub const fn new(nullable: bool, heap_type: HeapType) -> RefType {
        RefType {
            nullable,
            heap_type,
        }
    }
    /// Whether `null` is a value of this type.
    #[inline]
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }
    /// The heap type referred to.
    #[inline]
    pub fn heap_type(&self) -> &HeapType {
        &self.heap_type
    }

    /// Whether `self` is a subtype of `other`: `other` is nullable if `self`
    /// is, and the heap types match.
    ///
    /// ```
    /// use tern::{HeapType, RefType};
    /// let i31 = RefType::new(false, HeapType::I31);
    /// assert!(i31.matches(&RefType::EQREF));
    /// assert!(!RefType::EQREF.matches(&i31));
    /// assert!(!RefType::FUNCREF.matches(&RefType::ANYREF));
    /// ```
    pub fn matches(&self, other: &RefType) -> bool {
        (!self.nullable || other.nullable) && self.heap_type.matches(&other.heap_type)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &RefType, b: &RefType) -> bool {
        a.matches(b) && b.matches(a)
    }

    /// The canonical form.
    pub(crate) fn to_cref(&self) -> CRef {
        CRef {
            nullable: self.nullable,
            heap: self.heap_type.to_cheap(),
        }
    }

    /// The public form of a canonical reference type (locks for concrete types).
    pub(crate) fn from_cref(engine: &Engine, r: CRef) -> RefType {
        RefType::from_cref_with(engine, r, &|id| engine.registry().type_ref(id))
    }

    pub(crate) fn from_cref_with(
        engine: &Engine,
        r: CRef,
        resolve: &dyn Fn(TypeId) -> Option<TypeRef>,
    ) -> RefType {
        RefType {
            nullable: r.nullable,
            heap_type: HeapType::from_cheap_with(engine, r.heap, resolve),
        }
    }
}

impl From<FuncType> for HeapType {
    fn from(f: FuncType) -> HeapType {
        HeapType::ConcreteFunc(f)
    }
}

impl From<StructType> for HeapType {
    fn from(s: StructType) -> HeapType {
        HeapType::ConcreteStruct(s)
    }
}

impl From<ArrayType> for HeapType {
    fn from(a: ArrayType) -> HeapType {
        HeapType::ConcreteArray(a)
    }
}

/// An abstract heap type in public form.
pub(crate) fn heap_from_abs(a: AbsHeap) -> HeapType {
    match a {
        AbsHeap::Func => HeapType::Func,
        AbsHeap::NoFunc => HeapType::NoFunc,
        AbsHeap::Extern => HeapType::Extern,
        AbsHeap::NoExtern => HeapType::NoExtern,
        AbsHeap::Any => HeapType::Any,
        AbsHeap::Eq => HeapType::Eq,
        AbsHeap::I31 => HeapType::I31,
        AbsHeap::Struct => HeapType::Struct,
        AbsHeap::Array => HeapType::Array,
        AbsHeap::None => HeapType::None,
        AbsHeap::Exn => HeapType::Exn,
        AbsHeap::NoExn => HeapType::NoExn,
    }
}

impl HeapType {
    /// The abstract form, or the concrete type's engine and handle.
    fn split(&self) -> Result<AbsHeap, (&Engine, &TypeRef)> {
        Ok(match self {
            HeapType::Extern => AbsHeap::Extern,
            HeapType::NoExtern => AbsHeap::NoExtern,
            HeapType::Func => AbsHeap::Func,
            HeapType::NoFunc => AbsHeap::NoFunc,
            HeapType::Any => AbsHeap::Any,
            HeapType::Eq => AbsHeap::Eq,
            HeapType::I31 => AbsHeap::I31,
            HeapType::Array => AbsHeap::Array,
            HeapType::Struct => AbsHeap::Struct,
            HeapType::None => AbsHeap::None,
            HeapType::Exn => AbsHeap::Exn,
            HeapType::NoExn => AbsHeap::NoExn,
            HeapType::ConcreteFunc(f) => return Err((&f.engine, &f.ty)),
            HeapType::ConcreteStruct(s) => return Err((&s.engine, &s.ty)),
            HeapType::ConcreteArray(a) => return Err((&a.engine, &a.ty)),
        })
    }

    /// The kind of a concrete heap type.
    fn concrete_kind(&self) -> Option<Kind> {
        match self {
            HeapType::ConcreteFunc(_) => Some(Kind::Func),
            HeapType::ConcreteStruct(_) => Some(Kind::Struct),
            HeapType::ConcreteArray(_) => Some(Kind::Array),
            _ => None,
        }
    }

    /// The abstract heap type nearest above this one (itself if abstract).
    pub(crate) fn to_abs(&self) -> AbsHeap {
        match self.split() {
            Ok(a) => a,
            Err(_) => self
                .concrete_kind()
                .map_or(AbsHeap::Any, Kind::abstract_heap),
        }
    }

    /// The engine and registry handle of a concrete heap type.
    pub(crate) fn concrete_parts(&self) -> Option<(&Engine, &TypeRef)> {
        self.split().err()
    }

    /// Whether this is `extern`.
    pub fn is_extern(&self) -> bool {
        matches!(self, HeapType::Extern)
    }
    /// Whether this is `func`.
    pub fn is_func(&self) -> bool {
        matches!(self, HeapType::Func)
    }
    /// Whether this is `nofunc`.
    pub fn is_no_func(&self) -> bool {
        matches!(self, HeapType::NoFunc)
    }
    /// Whether this is `any`.
    pub fn is_any(&self) -> bool {
        matches!(self, HeapType::Any)
    }
    /// Whether this is `i31`.
    pub fn is_i31(&self) -> bool {
        matches!(self, HeapType::I31)
    }
    /// Whether this is `none`.
    pub fn is_none(&self) -> bool {
        matches!(self, HeapType::None)
    }
    /// Whether this is `exn`.
    pub fn is_exn(&self) -> bool {
        matches!(self, HeapType::Exn)
    }
    /// Whether this is `noexn`.
    pub fn is_no_exn(&self) -> bool {
        matches!(self, HeapType::NoExn)
    }
    /// Whether this is an abstract heap type.
    pub fn is_abstract(&self) -> bool {
        !self.is_concrete()
    }
    /// Whether this is a concrete (defined) type.
    pub fn is_concrete(&self) -> bool {
        self.concrete_kind().is_some()
    }
    /// Whether this is a concrete function type.
    pub fn is_concrete_func(&self) -> bool {
        matches!(self, HeapType::ConcreteFunc(_))
    }
    /// The concrete function type, if this is one.
    pub fn as_concrete_func(&self) -> Option<&FuncType> {
        match self {
            HeapType::ConcreteFunc(f) => Some(f),
            _ => None,
        }
    }
    /// The concrete function type.
    ///
    /// # Panics
    ///
    /// Panics if this is not a concrete function type.
    pub fn unwrap_concrete_func(&self) -> &FuncType {
        match self.as_concrete_func() {
            Some(f) => f,
            None => panic!("HeapType::unwrap_concrete_func on {self}"),
        }
    }
    /// Whether this is a concrete struct type.
    pub fn is_concrete_struct(&self) -> bool {
        matches!(self, HeapType::ConcreteStruct(_))
    }
    /// The concrete struct type, if this is one.
    pub fn as_concrete_struct(&self) -> Option<&StructType> {
        match self {
            HeapType::ConcreteStruct(s) => Some(s),
            _ => None,
        }
    }
    /// The concrete struct type.
    ///
    /// # Panics
    ///
    /// Panics if this is not a concrete struct type.
    pub fn unwrap_concrete_struct(&self) -> &StructType {
        match self.as_concrete_struct() {
            Some(s) => s,
            None => panic!("HeapType::unwrap_concrete_struct on {self}"),
        }
    }
    /// Whether this is a concrete array type.
    pub fn is_concrete_array(&self) -> bool {
        matches!(self, HeapType::ConcreteArray(_))
    }
    /// The concrete array type, if this is one.
    pub fn as_concrete_array(&self) -> Option<&ArrayType> {
        match self {
            HeapType::ConcreteArray(a) => Some(a),
            _ => None,
        }
    }
    /// The concrete array type.
    ///
    /// # Panics
    ///
    /// Panics if this is not a concrete array type.
    pub fn unwrap_concrete_array(&self) -> &ArrayType {
        match self.as_concrete_array() {
            Some(a) => a,
            None => panic!("HeapType::unwrap_concrete_array on {self}"),
        }
    }

    /// The top of this type's hierarchy: `func`, `extern`, `any` or `exn`.
    pub fn top(&self) -> HeapType {
        heap_from_abs(self.to_abs().top())
    }
    /// Whether this is the top of its hierarchy.
    pub fn is_top(&self) -> bool {
        self.is_abstract() && self.to_abs().is_top()
    }
    /// The bottom of this type's hierarchy: `nofunc`, `noextern`, `none`
    /// or `noexn`.
    pub fn bottom(&self) -> HeapType {
        heap_from_abs(self.to_abs().bottom())
    }
    /// Whether this is the bottom of its hierarchy.
    pub fn is_bottom(&self) -> bool {
        self.is_abstract() && self.to_abs().is_bottom()
    }

    /// Whether `self` is a subtype of `other`. Concrete types match by
    /// declared subtyping (`(sub $super ...)`), never structurally; concrete
    /// types of different engines never match. Takes no lock.
    ///
    /// ```
    /// use tern::{Engine, Finality, HeapType, StructType};
    /// let engine = Engine::default();
    /// let base = StructType::with_finality_and_supertype(&engine, Finality::NonFinal, None, [])?;
    /// let derived =
    ///     StructType::with_finality_and_supertype(&engine, Finality::Final, Some(&base), [])?;
    /// let base = HeapType::ConcreteStruct(base);
    /// let derived = HeapType::ConcreteStruct(derived);
    /// assert!(derived.matches(&base));
    /// assert!(!base.matches(&derived));
    /// assert!(derived.matches(&HeapType::Struct));
    /// assert!(derived.matches(&HeapType::Eq));
    /// assert!(HeapType::None.matches(&derived));
    /// assert!(!derived.matches(&HeapType::Func));
    /// # Ok::<(), tern::Error>(())
    /// ```
    pub fn matches(&self, other: &HeapType) -> bool {
        match (self.split(), other.split()) {
            (Ok(a), Ok(b)) => a.matches(b),
            (Ok(a), Err(_)) => other.concrete_kind().is_some_and(|k| a == k.bottom()),
            (Err(_), Ok(b)) => self.concrete_kind().is_some_and(|k| k.matches_abs(b)),
            (Err((ea, a)), Err((eb, b))) => Engine::same(ea, eb) && a.is_subtype_of(b),
        }
    }

    /// Whether `a` and `b` are the same heap type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &HeapType, b: &HeapType) -> bool {
        a.matches(b) && b.matches(a)
    }

    /// The canonical form.
    pub(crate) fn to_cheap(&self) -> CHeap {
        match self.split() {
            Ok(a) => CHeap::Abs(a),
            Err((_, t)) => CHeap::Concrete(t.id()),
        }
    }

    /// The public form of a canonical heap type, concrete ids resolved by
    /// `resolve`. A concrete id that is not registered (cannot happen while
    /// the caller holds the type) falls back to `any`.
    pub(crate) fn from_cheap_with(
        engine: &Engine,
        h: CHeap,
        resolve: &dyn Fn(TypeId) -> Option<TypeRef>,
    ) -> HeapType {
        match h {
            CHeap::Abs(a) => heap_from_abs(a),
            CHeap::Concrete(id) => match resolve(id) {
                Some(t) => HeapType::from_type_ref(engine, t),
                None => HeapType::Any,
            },
            CHeap::RecRel(_) => HeapType::Any,
        }
    }

    /// The concrete heap type of a registered type, by its kind.
    pub(crate) fn from_type_ref(engine: &Engine, ty: TypeRef) -> HeapType {
        let engine = engine.clone();
        match ty.kind() {
            Kind::Func => HeapType::ConcreteFunc(FuncType { engine, ty }),
            Kind::Struct => HeapType::ConcreteStruct(StructType { engine, ty }),
            Kind::Array => HeapType::ConcreteArray(ArrayType { engine, ty }),
        }
    }

    /// Whether a concrete type belongs to `engine` (abstract types belong
    /// to every engine).
    pub(crate) fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        match self.concrete_parts() {
            Some((e, _)) => Engine::same(e, engine),
            None => true,
        }
    }
}
