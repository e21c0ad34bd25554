//! Building rec groups from the host, including recursive ones, and the
//! validation every host-built type goes through before it is registered.
//!
//! Lowering turns the builder's types into the registry's key form (types
//! of the group as `CHeap::RecRel(i)`, other types by canonical id) while
//! collecting the registered types mentioned; validation then checks
//! engines, supertype position, finality, kind, depth and that each type's
//! definition matches its supertype's, using the same matching rules as the
//! registry with in-group types resolved through the group being built.
//! Only then is the group registered, so an `Err` leaves the registry as it
//! was.

use super::{
    ArrayType, FieldType, Finality, FuncType, HeapType, Mutability, RefType, StorageType,
    StructType, ValType,
};
use crate::registry::{
    CComposite, CField, CHeap, CRef, CStorage, CVal, HeapEnv, KeySub, Kind, MAX_SUBTYPING_DEPTH,
    TypeId, TypeRef, composite_matches,
};
use crate::{Engine, Error, Result};

/// The position of a type in a rec group being built by a
/// [`RecGroupBuilder`]; obtained from [`RecGroupBuilder::reserve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecIndex(u32);

impl RecIndex {
    /// The position within the rec group (0-based).
    pub fn index(self) -> u32 {
        self.0
    }
    /// A reference to this type of the group: `(ref null $t)` if
    /// `nullable`, else `(ref $t)`.
    pub fn ref_type(self, nullable: bool) -> RecValType {
        RecValType::Ref {
            nullable,
            target: self,
        }
    }
}

/// A value type that may refer to types of the rec group being built.
#[derive(Clone, Debug)]
pub enum RecValType {
    /// An ordinary value type (abstract, or a type registered already).
    Val(ValType),
    /// A reference to a type of the group being built.
    Ref {
        /// Whether `null` is allowed.
        nullable: bool,
        /// The referenced type of the group.
        target: RecIndex,
    },
}

impl From<ValType> for RecValType {
    fn from(v: ValType) -> RecValType {
        RecValType::Val(v)
    }
}

impl From<RefType> for RecValType {
    fn from(r: RefType) -> RecValType {
        RecValType::Val(ValType::Ref(r))
    }
}

/// A storage type that may refer to types of the rec group being built.
#[derive(Clone, Debug)]
pub enum RecStorageType {
    /// Packed 8-bit integer.
    I8,
    /// Packed 16-bit integer.
    I16,
    /// A full value type.
    Val(RecValType),
}

impl From<StorageType> for RecStorageType {
    fn from(s: StorageType) -> RecStorageType {
        match s {
            StorageType::I8 => RecStorageType::I8,
            StorageType::I16 => RecStorageType::I16,
            StorageType::ValType(v) => RecStorageType::Val(RecValType::Val(v)),
        }
    }
}

impl From<RecValType> for RecStorageType {
    fn from(v: RecValType) -> RecStorageType {
        RecStorageType::Val(v)
    }
}

impl From<ValType> for RecStorageType {
    fn from(v: ValType) -> RecStorageType {
        RecStorageType::Val(RecValType::Val(v))
    }
}

impl From<RefType> for RecStorageType {
    fn from(r: RefType) -> RecStorageType {
        RecStorageType::Val(RecValType::Val(ValType::Ref(r)))
    }
}

/// A struct field or array element type that may refer to types of the rec
/// group being built.
#[derive(Clone, Debug)]
pub struct RecFieldType {
    mutability: Mutability,
    element_type: RecStorageType,
}

impl RecFieldType {
    /// A field of type `element_type` with the given mutability.
    pub fn new(mutability: Mutability, element_type: impl Into<RecStorageType>) -> RecFieldType {
        RecFieldType {
            mutability,
            element_type: element_type.into(),
        }
    }
    /// Whether the field can be written.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }
    /// The storage type.
    pub fn element_type(&self) -> &RecStorageType {
        &self.element_type
    }
}

impl From<FieldType> for RecFieldType {
    fn from(f: FieldType) -> RecFieldType {
        RecFieldType {
            mutability: f.mutability,
            element_type: f.element_type.into(),
        }
    }
}

/// The declared supertype of a type defined in a [`RecGroupBuilder`]: an
/// *earlier* type of the same group, or a registered type of the same kind.
#[derive(Clone, Debug)]
pub enum RecSupertype {
    /// An earlier type of the group being built.
    Index(RecIndex),
    /// A registered function type.
    Func(FuncType),
    /// A registered struct type.
    Struct(StructType),
    /// A registered array type.
    Array(ArrayType),
}

impl From<RecIndex> for RecSupertype {
    fn from(i: RecIndex) -> RecSupertype {
        RecSupertype::Index(i)
    }
}

impl From<FuncType> for RecSupertype {
    fn from(f: FuncType) -> RecSupertype {
        RecSupertype::Func(f)
    }
}

impl From<StructType> for RecSupertype {
    fn from(s: StructType) -> RecSupertype {
        RecSupertype::Struct(s)
    }
}

impl From<ArrayType> for RecSupertype {
    fn from(a: ArrayType) -> RecSupertype {
        RecSupertype::Array(a)
    }
}

#[derive(Clone, Debug)]
enum Def {
    Func {
        params: Vec<RecValType>,
        results: Vec<RecValType>,
    },
    Struct {
        fields: Vec<RecFieldType>,
    },
    Array {
        field: RecFieldType,
    },
}

#[derive(Clone, Debug)]
struct Slot {
    finality: Finality,
    supertype: Option<RecSupertype>,
    def: Def,
}

/// Builds one rec group of function, struct and array types from the host.
/// Types of the group may refer to each other (and to themselves) in any
/// order, which makes recursive types possible: reserve a position with
/// [`reserve`](RecGroupBuilder::reserve), refer to it with
/// [`RecIndex::ref_type`], define it with `define_*`, then
/// [`build`](RecGroupBuilder::build) registers the whole group and returns
/// its types in order.
///
/// The group is canonicalized like a module's: building the same group
/// twice, or building a group that a module also defines (same types in
/// the same order, same supertypes and finality), yields types that are
/// [`eq`](HeapType::eq).
///
/// A singly linked list of `i32`, and two mutually recursive types:
///
/// ```
/// use tern::{
///     Engine, Finality, HeapType, Mutability, RecFieldType, RecGroupBuilder, RecValType,
///     StorageType, ValType,
/// };
/// let engine = Engine::default();
///
/// // (rec (type $node (struct (field i32) (field (mut (ref null $node))))))
/// let mut rec = RecGroupBuilder::new(&engine);
/// let node = rec.reserve();
/// rec.define_struct(node, Finality::Final, None, [
///     RecFieldType::new(Mutability::Const, ValType::I32),
///     RecFieldType::new(Mutability::Var, node.ref_type(true)),
/// ]);
/// let types = rec.build()?;
/// let node_ty = types[0].unwrap_concrete_struct();
/// let next = node_ty.field(1).unwrap();
/// let next_ref = next.element_type().unwrap_val_type().unwrap_ref();
/// assert!(next_ref.is_nullable());
/// assert!(HeapType::eq(next_ref.heap_type(), &types[0]));
///
/// // (rec (type $tree (struct (field (ref $forest))))
/// //      (type $forest (array (ref null $tree))))
/// let mut rec = RecGroupBuilder::new(&engine);
/// let tree = rec.reserve();
/// let forest = rec.reserve();
/// rec.define_struct(tree, Finality::Final, None, [
///     RecFieldType::new(Mutability::Const, forest.ref_type(false)),
/// ]);
/// rec.define_array(forest, Finality::Final, None,
///     RecFieldType::new(Mutability::Var, tree.ref_type(true)));
/// let types = rec.build()?;
/// assert!(types[0].is_concrete_struct() && types[1].is_concrete_array());
///
/// // Building the same group again finds the registered one.
/// let mut again = RecGroupBuilder::new(&engine);
/// let node = again.reserve();
/// again.define_struct(node, Finality::Final, None, [
///     RecFieldType::new(Mutability::Const, StorageType::ValType(ValType::I32)),
///     RecFieldType::new(Mutability::Var, RecValType::Ref { nullable: true, target: node }),
/// ]);
/// let again = again.build()?;
/// assert!(HeapType::eq(&again[0], &HeapType::ConcreteStruct(node_ty.clone())));
/// # Ok::<(), tern::Error>(())
/// ```
#[derive(Debug)]
pub struct RecGroupBuilder {
    engine: Engine,
    slots: Vec<Option<Slot>>,
    error: Option<String>,
}

impl RecGroupBuilder {
    /// An empty rec group for `engine`.
    pub fn new(engine: &Engine) -> RecGroupBuilder {
        RecGroupBuilder {
            engine: engine.clone(),
            slots: Vec::new(),
            error: None,
        }
    }

    /// Reserves the next position of the group; define it before
    /// [`build`](RecGroupBuilder::build).
    pub fn reserve(&mut self) -> RecIndex {
        let i = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        if i == u32::MAX {
            self.fail("too many types in a rec group".to_string());
        } else {
            self.slots.push(None);
        }
        RecIndex(i)
    }

    /// Number of reserved positions.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no position is reserved.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn fail(&mut self, msg: String) {
        if self.error.is_none() {
            self.error = Some(msg);
        }
    }

    fn define(&mut self, at: RecIndex, slot: Slot) -> &mut Self {
        match self.slots.get_mut(at.0 as usize) {
            Some(s @ None) => *s = Some(slot),
            Some(Some(_)) => self.fail(format!("rec group type {} is defined twice", at.0)),
            None => self.fail(format!("rec group type {} was not reserved", at.0)),
        }
        self
    }

    /// Defines the function type at `at`. Errors (an index defined twice or
    /// never reserved) are reported by [`build`](RecGroupBuilder::build).
    pub fn define_func(
        &mut self,
        at: RecIndex,
        finality: Finality,
        supertype: Option<RecSupertype>,
        params: impl IntoIterator<Item = impl Into<RecValType>>,
        results: impl IntoIterator<Item = impl Into<RecValType>>,
    ) -> &mut Self {
        let def = Def::Func {
            params: params.into_iter().map(Into::into).collect(),
            results: results.into_iter().map(Into::into).collect(),
        };
        self.define(
            at,
            Slot {
                finality,
                supertype,
                def,
            },
        )
    }

    /// Defines the struct type at `at`.
    pub fn define_struct(
        &mut self,
        at: RecIndex,
        finality: Finality,
        supertype: Option<RecSupertype>,
        fields: impl IntoIterator<Item = impl Into<RecFieldType>>,
    ) -> &mut Self {
        let def = Def::Struct {
            fields: fields.into_iter().map(Into::into).collect(),
        };
        self.define(
            at,
            Slot {
                finality,
                supertype,
                def,
            },
        )
    }

    /// Defines the array type at `at`.
    pub fn define_array(
        &mut self,
        at: RecIndex,
        finality: Finality,
        supertype: Option<RecSupertype>,
        field: impl Into<RecFieldType>,
    ) -> &mut Self {
        let def = Def::Array {
            field: field.into(),
        };
        self.define(
            at,
            Slot {
                finality,
                supertype,
                def,
            },
        )
    }

    /// Reserves the next position and defines a function type there.
    pub fn push_func(
        &mut self,
        finality: Finality,
        supertype: Option<RecSupertype>,
        params: impl IntoIterator<Item = impl Into<RecValType>>,
        results: impl IntoIterator<Item = impl Into<RecValType>>,
    ) -> RecIndex {
        let at = self.reserve();
        self.define_func(at, finality, supertype, params, results);
        at
    }

    /// Reserves the next position and defines a struct type there.
    pub fn push_struct(
        &mut self,
        finality: Finality,
        supertype: Option<RecSupertype>,
        fields: impl IntoIterator<Item = impl Into<RecFieldType>>,
    ) -> RecIndex {
        let at = self.reserve();
        self.define_struct(at, finality, supertype, fields);
        at
    }

    /// Reserves the next position and defines an array type there.
    pub fn push_array(
        &mut self,
        finality: Finality,
        supertype: Option<RecSupertype>,
        field: impl Into<RecFieldType>,
    ) -> RecIndex {
        let at = self.reserve();
        self.define_array(at, finality, supertype, field);
        at
    }

    /// Validates and registers the group (or finds the identical registered
    /// one) and returns its types in order, each a
    /// [`HeapType::ConcreteFunc`], [`HeapType::ConcreteStruct`] or
    /// [`HeapType::ConcreteArray`].
    ///
    /// `Err`, with the registry unchanged, if: a position was reserved but
    /// not defined (or defined twice); a type comes from another engine; a
    /// supertype is a later (or the same) position of the group, is final,
    /// or is of another kind; a definition does not match its supertype's
    /// (struct fields: a matching prefix, immutable fields covariant and
    /// mutable ones invariant; function params contravariant and results
    /// covariant; array elements like fields); or a supertype chain is
    /// deeper than 63.
    pub fn build(self) -> Result<Vec<HeapType>> {
        if let Some(e) = self.error {
            return Err(Error::usage(e));
        }
        let n = self.slots.len() as u32;
        let mut lower = Lower {
            engine: &self.engine,
            n,
            outside: Vec::new(),
        };
        let mut subs: Vec<KeySub> = Vec::with_capacity(self.slots.len());
        for (i, slot) in self.slots.iter().enumerate() {
            let slot = slot.as_ref().ok_or_else(|| {
                Error::usage(format!("rec group type {i} was reserved but never defined"))
            })?;
            subs.push(lower.sub(i as u32, slot)?);
        }
        let outside = lower.outside;
        let env = Pending::new(&subs, &outside)?;
        for (i, sub) in subs.iter().enumerate() {
            let Some(sup) = sub.supertype else { continue };
            let Some(sup_composite) = env.composite(sup) else {
                return Err(Error::usage("internal error: unresolved supertype"));
            };
            if !composite_matches(&env, &sub.composite, sup_composite) {
                return Err(Error::usage(format!(
                    "rec group type {i} does not match its declared supertype"
                )));
            }
        }
        drop(env);
        let deps = outside.iter().map(|t| t.group.clone()).collect();
        let group = self.engine.registry().register(subs, deps)?;
        Ok((0..n)
            .map(|index| {
                HeapType::from_type_ref(
                    &self.engine,
                    TypeRef {
                        group: group.clone(),
                        index,
                    },
                )
            })
            .collect())
    }
}

/// Lowers builder types to key form, collecting the registered types used.
struct Lower<'a> {
    engine: &'a Engine,
    n: u32,
    outside: Vec<TypeRef>,
}

impl Lower<'_> {
    fn registered(&mut self, engine: &Engine, ty: &TypeRef) -> Result<CHeap> {
        if !Engine::same(engine, self.engine) {
            return Err(Error::usage("type used with the wrong engine"));
        }
        self.outside.push(ty.clone());
        Ok(CHeap::Concrete(ty.id()))
    }

    fn target(&self, t: RecIndex) -> Result<CHeap> {
        if t.0 < self.n {
            Ok(CHeap::RecRel(t.0))
        } else {
            Err(Error::usage(format!(
                "rec group type {} was not reserved",
                t.0
            )))
        }
    }

    fn heap(&mut self, h: &HeapType) -> Result<CHeap> {
        match h.concrete_parts() {
            Some((engine, ty)) => self.registered(engine, ty),
            None => Ok(CHeap::Abs(h.to_abs())),
        }
    }

    fn val(&mut self, v: &RecValType) -> Result<CVal> {
        Ok(match v {
            RecValType::Val(ValType::Ref(r)) => CVal::Ref(CRef {
                nullable: r.nullable,
                heap: self.heap(&r.heap_type)?,
            }),
            RecValType::Val(v) => v.to_cval(),
            RecValType::Ref { nullable, target } => CVal::Ref(CRef {
                nullable: *nullable,
                heap: self.target(*target)?,
            }),
        })
    }

    fn field(&mut self, f: &RecFieldType) -> Result<CField> {
        Ok(CField {
            mutable: f.mutability == Mutability::Var,
            storage: match &f.element_type {
                RecStorageType::I8 => CStorage::I8,
                RecStorageType::I16 => CStorage::I16,
                RecStorageType::Val(v) => CStorage::Val(self.val(v)?),
            },
        })
    }

    fn sub(&mut self, i: u32, slot: &Slot) -> Result<KeySub> {
        let supertype = match &slot.supertype {
            None => None,
            Some(RecSupertype::Index(j)) => {
                if j.0 >= i {
                    return Err(Error::usage(format!(
                        "rec group type {i}: a supertype in the same group must come earlier"
                    )));
                }
                Some(CHeap::RecRel(j.0))
            }
            Some(RecSupertype::Func(f)) => Some(self.registered(&f.engine, &f.ty)?),
            Some(RecSupertype::Struct(s)) => Some(self.registered(&s.engine, &s.ty)?),
            Some(RecSupertype::Array(a)) => Some(self.registered(&a.engine, &a.ty)?),
        };
        let composite = match &slot.def {
            Def::Func { params, results } => CComposite::Func {
                params: params.iter().map(|v| self.val(v)).collect::<Result<_>>()?,
                results: results.iter().map(|v| self.val(v)).collect::<Result<_>>()?,
            },
            Def::Struct { fields } => CComposite::Struct {
                fields: fields
                    .iter()
                    .map(|f| self.field(f))
                    .collect::<Result<_>>()?,
            },
            Def::Array { field } => CComposite::Array {
                field: self.field(field)?,
            },
        };
        Ok(KeySub {
            is_final: slot.finality == Finality::Final,
            supertype,
            composite,
        })
    }
}

/// Resolves heap types while validating a group that is not registered
/// yet: `RecRel(i)` through the group, `Concrete(id)` through the
/// registered types it mentions (and their dependencies), without locking.
struct Pending<'a> {
    subs: &'a [KeySub],
    outside: &'a [TypeRef],
    /// Supertype chains of the group's types, root first, ending with
    /// `RecRel(i)`; elements above the group are `Concrete`.
    chains: Vec<Vec<CHeap>>,
}

impl<'a> Pending<'a> {
    fn new(subs: &'a [KeySub], outside: &'a [TypeRef]) -> Result<Pending<'a>> {
        let mut env = Pending {
            subs,
            outside,
            chains: Vec::with_capacity(subs.len()),
        };
        for (i, sub) in subs.iter().enumerate() {
            let mut chain = match sub.supertype {
                None => Vec::new(),
                Some(sup) => {
                    let (is_final, kind) = env
                        .final_and_kind(sup)
                        .ok_or_else(|| Error::usage("internal error: unresolved supertype"))?;
                    if is_final {
                        return Err(Error::usage(format!(
                            "rec group type {i}: cannot declare a final type as supertype"
                        )));
                    }
                    if kind != sub.composite.kind() {
                        return Err(Error::usage(format!(
                            "rec group type {i}: supertype is of a different kind"
                        )));
                    }
                    env.chain(sup).unwrap_or_default()
                }
            };
            chain.push(CHeap::RecRel(i as u32));
            if chain.len() > MAX_SUBTYPING_DEPTH + 1 {
                return Err(Error::usage(format!(
                    "rec group type {i}: subtyping depth exceeds the limit of {MAX_SUBTYPING_DEPTH}"
                )));
            }
            env.chains.push(chain);
        }
        Ok(env)
    }

    fn lookup(&self, id: TypeId) -> Option<TypeRef> {
        self.outside.iter().find_map(|t| t.resolve(id))
    }

    fn final_and_kind(&self, h: CHeap) -> Option<(bool, Kind)> {
        match h {
            CHeap::RecRel(i) => {
                let s = self.subs.get(i as usize)?;
                Some((s.is_final, s.composite.kind()))
            }
            CHeap::Concrete(id) => {
                let t = self.lookup(id)?;
                Some((t.info().is_final, t.kind()))
            }
            CHeap::Abs(_) => None,
        }
    }

    fn chain(&self, h: CHeap) -> Option<Vec<CHeap>> {
        match h {
            CHeap::RecRel(i) => self.chains.get(i as usize).cloned(),
            CHeap::Concrete(id) => {
                let t = self.lookup(id)?;
                Some(t.info().chain.iter().map(|&x| CHeap::Concrete(x)).collect())
            }
            CHeap::Abs(_) => None,
        }
    }

    fn chain_len(&self, h: CHeap) -> Option<usize> {
        match h {
            CHeap::RecRel(i) => self.chains.get(i as usize).map(Vec::len),
            CHeap::Concrete(id) => self.lookup(id).map(|t| t.info().chain.len()),
            CHeap::Abs(_) => None,
        }
    }

    fn chain_at(&self, h: CHeap, depth: usize) -> Option<CHeap> {
        match h {
            CHeap::RecRel(i) => self.chains.get(i as usize)?.get(depth).copied(),
            CHeap::Concrete(id) => {
                let t = self.lookup(id)?;
                t.info().chain.get(depth).map(|&x| CHeap::Concrete(x))
            }
            CHeap::Abs(_) => None,
        }
    }

    /// The composite type of a supertype: key form for the group's own
    /// types, canonical form for registered ones (both resolve here).
    fn composite(&self, h: CHeap) -> Option<&CComposite> {
        match h {
            CHeap::RecRel(i) => self.subs.get(i as usize).map(|s| &s.composite),
            CHeap::Concrete(id) => {
                let t = self.outside.iter().find(|t| t.id() == id)?;
                Some(&t.info().composite)
            }
            CHeap::Abs(_) => None,
        }
    }
}

impl HeapEnv for Pending<'_> {
    fn kind_of(&self, h: CHeap) -> Option<Kind> {
        self.final_and_kind(h).map(|(_, k)| k)
    }
    fn declared_sub(&self, a: CHeap, b: CHeap) -> bool {
        match self.chain_len(b) {
            Some(len) => self.chain_at(a, len - 1) == Some(b),
            None => false,
        }
    }
}
