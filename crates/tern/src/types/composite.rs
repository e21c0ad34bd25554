//! Function, struct and array types (handles to registered types), and the
//! field and storage types of structs and arrays.

use super::builder::{RecGroupBuilder, RecSupertype, RecValType};
use super::{
    ArrayType, FieldType, Finality, FuncType, HeapType, Mutability, StorageType, StructType,
    ValType,
};
use crate::registry::{CComposite, CField, CStorage, CVal, TypeRef};
use crate::{Engine, Error, Result};

fn finality_of(ty: &TypeRef) -> Finality {
    if ty.info().is_final {
        Finality::Final
    } else {
        Finality::NonFinal
    }
}

/// Builds a one-type rec group and returns its only type.
fn build_one(b: RecGroupBuilder) -> Result<HeapType> {
    b.build()?
        .pop()
        .ok_or_else(|| Error::usage("internal error: empty rec group"))
}

fn field_from_cfield(engine: &Engine, f: CField, ctx: &TypeRef) -> FieldType {
    FieldType {
        mutability: if f.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
        element_type: match f.storage {
            CStorage::I8 => StorageType::I8,
            CStorage::I16 => StorageType::I16,
            CStorage::Val(v) => StorageType::ValType(ValType::from_cval_in(engine, v, ctx)),
        },
    }
}

impl FuncType {
    /// Registers the final function type `params -> results` (no supertype)
    /// in `engine`, or finds the identical registered one.
    ///
    /// # Panics
    ///
    /// If a concrete type among `params`/`results` belongs to another
    /// engine (as Wasmtime's `FuncType::new` does), or if the engine's type
    /// id space (about 4 billion types) is exhausted. [`FuncType::try_new`]
    /// returns an `Err` instead.
    pub fn new(
        engine: &Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        match FuncType::try_new(engine, params, results) {
            Ok(f) => f,
            Err(e) => panic!("cannot register a function type: {e}"),
        }
    }

    /// Like [`FuncType::new`], but returns an `Err` if a type comes from
    /// another engine.
    pub fn try_new(
        engine: &Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Result<FuncType> {
        FuncType::with_finality_and_supertype(engine, Finality::Final, None, params, results)
    }

    /// Registers a function type with the given finality and declared
    /// supertype. `Err` (and no change to the registry) if the supertype is
    /// final or from another engine, any type is from another engine, the
    /// params do not match the supertype's contravariantly or the results
    /// covariantly, or the chain of supertypes would be deeper than 63.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&FuncType>,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Result<FuncType> {
        let mut b = RecGroupBuilder::new(engine);
        let i = b.reserve();
        b.define_func(
            i,
            finality,
            supertype.map(|s| RecSupertype::Func(s.clone())),
            params.into_iter().map(RecValType::Val),
            results.into_iter().map(RecValType::Val),
        );
        match build_one(b)? {
            HeapType::ConcreteFunc(f) => Ok(f),
            _ => Err(Error::usage("internal error: not a function type")),
        }
    }

    /// The engine this type is registered in.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    /// Whether subtypes may be declared.
    pub fn finality(&self) -> Finality {
        finality_of(&self.ty)
    }
    /// The declared supertype, if any.
    pub fn supertype(&self) -> Option<FuncType> {
        self.ty.supertype().map(|ty| FuncType {
            engine: self.engine.clone(),
            ty,
        })
    }

    fn sig(&self) -> (&[CVal], &[CVal]) {
        self.ty.info().as_func().unwrap_or((&[], &[]))
    }

    /// The `i`-th parameter type.
    pub fn param(&self, i: usize) -> Option<ValType> {
        let v = *self.sig().0.get(i)?;
        Some(ValType::from_cval_in(&self.engine, v, &self.ty))
    }
    /// The parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.sig()
            .0
            .iter()
            .map(move |v| ValType::from_cval_in(&self.engine, *v, &self.ty))
    }
    /// The `i`-th result type.
    pub fn result(&self, i: usize) -> Option<ValType> {
        let v = *self.sig().1.get(i)?;
        Some(ValType::from_cval_in(&self.engine, v, &self.ty))
    }
    /// The result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.sig()
            .1
            .iter()
            .map(move |v| ValType::from_cval_in(&self.engine, *v, &self.ty))
    }

    /// Whether `self` is `other` or declared a (transitive) subtype of it.
    /// Subtyping is declared, as in `ref.test` and `call_indirect`: two
    /// structurally compatible function types without a declared relation
    /// do not match. Types of different engines never match.
    ///
    /// ```
    /// use tern::{Engine, Finality, FuncType, ValType};
    /// let engine = Engine::default();
    /// let base = FuncType::with_finality_and_supertype(
    ///     &engine, Finality::NonFinal, None, [ValType::I32], [ValType::ANYREF])?;
    /// let sub = FuncType::with_finality_and_supertype(
    ///     &engine, Finality::Final, Some(&base), [ValType::I32], [ValType::EQREF])?;
    /// assert!(sub.matches(&base));
    /// assert!(!base.matches(&sub));
    /// // Same structure as `sub`, but no declared supertype: no match.
    /// let other = FuncType::new(&engine, [ValType::I32], [ValType::EQREF]);
    /// assert!(!other.matches(&base));
    /// # Ok::<(), tern::Error>(())
    /// ```
    pub fn matches(&self, other: &FuncType) -> bool {
        Engine::same(&self.engine, &other.engine) && self.ty.is_subtype_of(&other.ty)
    }

    /// Whether `a` and `b` are the same canonical type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &FuncType, b: &FuncType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.ty.id() == b.ty.id()
    }

    /// A handle for a registered function type.
    pub(crate) fn from_type_ref(engine: &Engine, ty: TypeRef) -> FuncType {
        FuncType {
            engine: engine.clone(),
            ty,
        }
    }

    /// The registry handle.
    pub(crate) fn type_ref(&self) -> &TypeRef {
        &self.ty
    }
}

impl StructType {
    /// Registers the final struct type with `fields` (no supertype) in
    /// `engine`, or finds the identical registered one. `Err` if a field's
    /// type comes from another engine.
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = FieldType>) -> Result<StructType> {
        StructType::with_finality_and_supertype(engine, Finality::Final, None, fields)
    }

    /// Registers a struct type with the given finality and declared
    /// supertype. `Err` (and no change to the registry) if the supertype is
    /// final or from another engine, any type is from another engine, the
    /// supertype's fields are not a matching prefix of `fields` (immutable
    /// fields covariant, mutable fields invariant), or the chain of
    /// supertypes would be deeper than 63.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&StructType>,
        fields: impl IntoIterator<Item = FieldType>,
    ) -> Result<StructType> {
        let mut b = RecGroupBuilder::new(engine);
        let i = b.reserve();
        b.define_struct(
            i,
            finality,
            supertype.map(|s| RecSupertype::Struct(s.clone())),
            fields,
        );
        match build_one(b)? {
            HeapType::ConcreteStruct(s) => Ok(s),
            _ => Err(Error::usage("internal error: not a struct type")),
        }
    }

    /// The engine this type is registered in.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    /// Whether subtypes may be declared.
    pub fn finality(&self) -> Finality {
        finality_of(&self.ty)
    }
    /// The declared supertype, if any.
    pub fn supertype(&self) -> Option<StructType> {
        self.ty.supertype().map(|ty| StructType {
            engine: self.engine.clone(),
            ty,
        })
    }

    fn cfields(&self) -> &[CField] {
        match &self.ty.info().composite {
            CComposite::Struct { fields } => fields,
            _ => &[],
        }
    }

    /// The `i`-th field's type.
    pub fn field(&self, i: usize) -> Option<FieldType> {
        let f = *self.cfields().get(i)?;
        Some(field_from_cfield(&self.engine, f, &self.ty))
    }
    /// The field types, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldType> + '_ {
        self.cfields()
            .iter()
            .map(move |f| field_from_cfield(&self.engine, *f, &self.ty))
    }

    /// Whether `self` is `other` or declared a (transitive) subtype of it.
    /// Types of different engines never match.
    ///
    /// ```
    /// use tern::{Engine, FieldType, Finality, Mutability, StorageType, StructType, ValType};
    /// let engine = Engine::default();
    /// let x = FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32));
    /// let point = StructType::with_finality_and_supertype(
    ///     &engine, Finality::NonFinal, None, [x.clone()])?;
    /// let point3 = StructType::with_finality_and_supertype(
    ///     &engine, Finality::NonFinal, Some(&point), [x.clone(), x.clone()])?;
    /// assert!(point3.matches(&point));
    /// assert!(!point.matches(&point3));
    /// # Ok::<(), tern::Error>(())
    /// ```
    pub fn matches(&self, other: &StructType) -> bool {
        Engine::same(&self.engine, &other.engine) && self.ty.is_subtype_of(&other.ty)
    }

    /// Whether `a` and `b` are the same canonical type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &StructType, b: &StructType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.ty.id() == b.ty.id()
    }

    /// The registry handle.
    pub(crate) fn type_ref(&self) -> &TypeRef {
        &self.ty
    }
}

impl ArrayType {
    /// Registers the final array type with element `field_type` (no
    /// supertype) in `engine`, or finds the identical registered one.
    ///
    /// # Panics
    ///
    /// If the element type is a concrete type of another engine (as
    /// Wasmtime's `ArrayType::new` does), or if the engine's type id space
    /// is exhausted. [`ArrayType::try_new`] returns an `Err` instead.
    pub fn new(engine: &Engine, field_type: FieldType) -> ArrayType {
        match ArrayType::try_new(engine, field_type) {
            Ok(a) => a,
            Err(e) => panic!("cannot register an array type: {e}"),
        }
    }

    /// Like [`ArrayType::new`], but returns an `Err` if the element type
    /// comes from another engine.
    pub fn try_new(engine: &Engine, field_type: FieldType) -> Result<ArrayType> {
        ArrayType::with_finality_and_supertype(engine, Finality::Final, None, field_type)
    }

    /// Registers an array type with the given finality and declared
    /// supertype. `Err` (and no change to the registry) if the supertype is
    /// final or from another engine, the element type is from another
    /// engine or does not match the supertype's, or the chain of supertypes
    /// would be deeper than 63.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&ArrayType>,
        field_type: FieldType,
    ) -> Result<ArrayType> {
        let mut b = RecGroupBuilder::new(engine);
        let i = b.reserve();
        b.define_array(
            i,
            finality,
            supertype.map(|s| RecSupertype::Array(s.clone())),
            field_type,
        );
        match build_one(b)? {
            HeapType::ConcreteArray(a) => Ok(a),
            _ => Err(Error::usage("internal error: not an array type")),
        }
    }

    /// The engine this type is registered in.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    /// Whether subtypes may be declared.
    pub fn finality(&self) -> Finality {
        finality_of(&self.ty)
    }
    /// The declared supertype, if any.
    pub fn supertype(&self) -> Option<ArrayType> {
        self.ty.supertype().map(|ty| ArrayType {
            engine: self.engine.clone(),
            ty,
        })
    }

    fn cfield(&self) -> CField {
        match &self.ty.info().composite {
            CComposite::Array { field } => *field,
            _ => CField {
                mutable: false,
                storage: CStorage::I8,
            },
        }
    }

    /// The element type with its mutability.
    pub fn field_type(&self) -> FieldType {
        field_from_cfield(&self.engine, self.cfield(), &self.ty)
    }
    /// Whether elements can be written.
    pub fn mutability(&self) -> Mutability {
        if self.cfield().mutable {
            Mutability::Var
        } else {
            Mutability::Const
        }
    }
    /// The element storage type.
    pub fn element_type(&self) -> StorageType {
        self.field_type().element_type
    }

    /// Whether `self` is `other` or declared a (transitive) subtype of it.
    /// Types of different engines never match.
    ///
    /// ```
    /// use tern::{ArrayType, Engine, FieldType, Finality, Mutability, StorageType, ValType};
    /// let engine = Engine::default();
    /// let any = FieldType::new(Mutability::Const, StorageType::ValType(ValType::ANYREF));
    /// let eq = FieldType::new(Mutability::Const, StorageType::ValType(ValType::EQREF));
    /// let anys = ArrayType::with_finality_and_supertype(&engine, Finality::NonFinal, None, any)?;
    /// let eqs = ArrayType::with_finality_and_supertype(&engine, Finality::Final, Some(&anys), eq)?;
    /// assert!(eqs.matches(&anys));
    /// assert!(!anys.matches(&eqs));
    /// # Ok::<(), tern::Error>(())
    /// ```
    pub fn matches(&self, other: &ArrayType) -> bool {
        Engine::same(&self.engine, &other.engine) && self.ty.is_subtype_of(&other.ty)
    }

    /// Whether `a` and `b` are the same canonical type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &ArrayType, b: &ArrayType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.ty.id() == b.ty.id()
    }

    /// The registry handle.
    pub(crate) fn type_ref(&self) -> &TypeRef {
        &self.ty
    }
}

impl From<ValType> for StorageType {
    fn from(v: ValType) -> StorageType {
        StorageType::ValType(v)
    }
}

impl From<super::RefType> for StorageType {
    fn from(r: super::RefType) -> StorageType {
        StorageType::ValType(ValType::Ref(r))
    }
}

impl StorageType {
    /// Whether this is the packed `i8`.
    pub fn is_i8(&self) -> bool {
        matches!(self, StorageType::I8)
    }
    /// Whether this is the packed `i16`.
    pub fn is_i16(&self) -> bool {
        matches!(self, StorageType::I16)
    }
    /// Whether this is a packed type (`i8` or `i16`).
    pub fn is_packed(&self) -> bool {
        matches!(self, StorageType::I8 | StorageType::I16)
    }
    /// Whether this is a full value type.
    pub fn is_val_type(&self) -> bool {
        matches!(self, StorageType::ValType(_))
    }
    /// The value type, if this is not packed.
    pub fn as_val_type(&self) -> Option<&ValType> {
        match self {
            StorageType::ValType(v) => Some(v),
            _ => None,
        }
    }
    /// The value type.
    ///
    /// # Panics
    ///
    /// Panics if this is a packed type; see [`StorageType::as_val_type`].
    pub fn unwrap_val_type(&self) -> &ValType {
        match self {
            StorageType::ValType(v) => v,
            other => panic!("StorageType::unwrap_val_type on {other}"),
        }
    }
    /// The type of values read from or written to this storage: packed
    /// types unpack to `i32`.
    pub fn unpack(&self) -> ValType {
        match self {
            StorageType::I8 | StorageType::I16 => ValType::I32,
            StorageType::ValType(v) => v.clone(),
        }
    }

    /// Whether `self` is a subtype of `other`: packed types match only
    /// themselves, value types by [`ValType::matches`].
    ///
    /// ```
    /// use tern::{StorageType, ValType};
    /// assert!(StorageType::I8.matches(&StorageType::I8));
    /// assert!(!StorageType::I8.matches(&StorageType::ValType(ValType::I32)));
    /// assert!(StorageType::ValType(ValType::NULLREF).matches(&StorageType::ValType(ValType::ANYREF)));
    /// ```
    pub fn matches(&self, other: &StorageType) -> bool {
        match (self, other) {
            (StorageType::I8, StorageType::I8) | (StorageType::I16, StorageType::I16) => true,
            (StorageType::ValType(a), StorageType::ValType(b)) => a.matches(b),
            _ => false,
        }
    }

    /// Whether `a` and `b` are the same storage type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &StorageType, b: &StorageType) -> bool {
        a.matches(b) && b.matches(a)
    }
}

impl FieldType {
    /// A field of type `element_type` with the given mutability.
    pub fn new(mutability: Mutability, element_type: StorageType) -> FieldType {
        FieldType {
            mutability,
            element_type,
        }
    }
    /// Whether the field can be written.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }
    /// The storage type.
    pub fn element_type(&self) -> &StorageType {
        &self.element_type
    }

    /// Whether `self` is a subtype of `other`: mutabilities agree, and the
    /// storage types match (immutable fields, covariant) or are equal
    /// (mutable fields, invariant).
    ///
    /// ```
    /// use tern::{FieldType, Mutability, StorageType, ValType};
    /// let field = |m, v| FieldType::new(m, StorageType::ValType(v));
    /// assert!(field(Mutability::Const, ValType::EQREF).matches(&field(Mutability::Const, ValType::ANYREF)));
    /// assert!(!field(Mutability::Var, ValType::EQREF).matches(&field(Mutability::Var, ValType::ANYREF)));
    /// assert!(!field(Mutability::Var, ValType::I32).matches(&field(Mutability::Const, ValType::I32)));
    /// ```
    pub fn matches(&self, other: &FieldType) -> bool {
        self.mutability == other.mutability
            && match self.mutability {
                Mutability::Const => self.element_type.matches(&other.element_type),
                Mutability::Var => StorageType::eq(&self.element_type, &other.element_type),
            }
    }

    /// Whether `a` and `b` are the same field type.
    #[allow(clippy::should_implement_trait)] // Mutual subtyping, deliberately not `PartialEq`.
    pub fn eq(a: &FieldType, b: &FieldType) -> bool {
        a.matches(b) && b.matches(a)
    }
}
