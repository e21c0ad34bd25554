//! Methods of the reference handles and of [`Val`]/[`Ref`] that need a
//! store: host references, GC objects made and inspected by the host,
//! conversions between the extern and internal hierarchies, type queries.
//!
//! # Rooting
//!
//! Every handle to a heap object ([`ExternRef`], [`AnyRef`], [`StructRef`],
//! [`ArrayRef`]) *roots* it: the object survives collections while any
//! clone of the handle exists, and the handle follows it when the collector
//! moves it. Dropping the last clone unroots the object; no store is needed
//! for that. Using a handle with a store other than the one that made it is
//! an `Err`.
//!
//! ```
//! use tern::{ArrayRef, ArrayType, Engine, FieldType, Mutability, StorageType, Store, Val};
//! let engine = Engine::default();
//! let mut store = Store::new(&engine, ());
//! let ty = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8));
//! let bytes = ArrayRef::new(&mut store, &ty, &Val::I32(7), 3)?;
//! store.gc()?; // `bytes` is rooted: the array survives and may move
//! assert_eq!(bytes.len(&store)?, 3);
//! drop(bytes); // unrooted: the next collection frees it
//! store.gc()?;
//! # Ok::<(), tern::Error>(())
//! ```

use super::convert::{Raw, raw_matches, raw_to_val, ref_val_to_raw, val_to_raw};
use super::pre::{ArrayAllocator, StructAllocator, array_heap_type, struct_heap_type};
use super::{AnyRef, EqRef, ExternRef, I31, Ref, Val, raw};
use crate::engine::Engine;
use crate::error::{Error, Result, Trap};
use crate::gc::{FieldKind, GcRoot, HEADER, Heap, Layout};
use crate::registry::{CComposite, CStorage, CVal};
use crate::runtime::{AsContext, AsContextMut, StoreId, StoreInner};
use crate::types::{ArrayType, HeapType, RefType, StructType, ValType};
use std::any::Any;

impl Val {
    /// The null reference of `heap`'s hierarchy.
    pub fn null_ref(heap: &HeapType) -> Val {
        Ref::null(heap).into()
    }

    /// The default value of `ty` (zero or null), or `None` for a
    /// non-nullable reference type.
    pub fn default_for_ty(ty: &ValType) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) if r.is_nullable() => Val::null_ref(r.heap_type()),
            ValType::Ref(_) => return None,
        })
    }

    /// Whether this value is of type `ty` (declared subtyping for
    /// references). Fails if a reference belongs to another store.
    pub fn matches_ty(&self, store: impl AsContext, ty: &ValType) -> Result<bool> {
        let store = &store.as_context().0.inner;
        Ok(match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (v, ValType::Ref(rt)) => match v.ref_() {
                Some(r) => r.matches_inner(store, rt)?,
                None => false,
            },
            _ => false,
        })
    }

    /// The most precise type of this value.
    pub fn ty(&self, store: impl AsContext) -> Result<ValType> {
        let store = &store.as_context().0.inner;
        Ok(match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            v => match v.ref_() {
                Some(r) => ValType::Ref(r.ty_inner(store)?),
                None => ValType::I32,
            },
        })
    }
}

/// `Err` if `heap` is a concrete type of an engine other than `engine`.
pub(crate) fn check_engine(engine: &Engine, heap: &HeapType) -> Result<()> {
    if heap.comes_from_same_engine(engine) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "type {heap} belongs to another engine"
        )))
    }
}

impl Ref {
    /// The null reference of `heap`'s hierarchy.
    pub fn null(heap: &HeapType) -> Ref {
        match heap.top() {
            HeapType::Func => Ref::Func(None),
            HeapType::Extern => Ref::Extern(None),
            HeapType::Exn => Ref::Exn(None),
            _ => Ref::Any(None),
        }
    }

    fn raw(&self, store: &StoreInner) -> Result<u32> {
        Ok(ref_val_to_raw(store, &self.clone().into())?.unwrap_or(raw::NULL))
    }

    fn hierarchy_top(&self) -> HeapType {
        match self {
            Ref::Func(_) => HeapType::Func,
            Ref::Extern(_) => HeapType::Extern,
            Ref::Any(_) => HeapType::Any,
            Ref::Exn(_) => HeapType::Exn,
        }
    }

    fn matches_inner(&self, store: &StoreInner, ty: &RefType) -> Result<bool> {
        check_engine(store.engine(), ty.heap_type())?;
        let r = self.raw(store)?;
        if !HeapType::eq(&ty.heap_type().top(), &self.hierarchy_top()) {
            return Ok(false);
        }
        Ok(raw_matches(store, r, ty.to_cref()))
    }

    /// Whether this reference is of type `ty` (the same answer as Wasm's
    /// `ref.test` gives for it).
    pub fn matches_ty(&self, store: impl AsContext, ty: &RefType) -> Result<bool> {
        self.matches_inner(&store.as_context().0.inner, ty)
    }

    fn ty_inner(&self, store: &StoreInner) -> Result<RefType> {
        let r = self.raw(store)?;
        if r == raw::NULL {
            return Ok(RefType::new(true, self.hierarchy_top().bottom()));
        }
        let engine = store.engine();
        Ok(RefType::new(
            false,
            match self {
                Ref::Func(_) => match store.func_of_raw(r) {
                    Some(f) => HeapType::from_type_ref(engine, store.funcs()[f.index()].ty.clone()),
                    None => HeapType::Func,
                },
                Ref::Extern(_) => HeapType::Extern,
                Ref::Any(_) if raw::is_i31(r) => HeapType::I31,
                Ref::Any(_) => match store.heap().type_ref_of_raw(r) {
                    Some(t) => HeapType::from_type_ref(engine, t.clone()),
                    None => HeapType::Any,
                },
                Ref::Exn(_) => HeapType::Exn,
            },
        ))
    }

    /// The most precise type of this reference.
    pub fn ty(&self, store: impl AsContext) -> Result<RefType> {
        self.ty_inner(&store.as_context().0.inner)
    }
}

fn checked(store: &StoreInner, id: StoreId, root: &GcRoot) -> Result<u32> {
    store.resolve(id, root)
}

impl ExternRef {
    /// Allocates a host reference carrying `data`.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        data: impl Any + Send + Sync,
    ) -> Result<ExternRef> {
        let store = &mut store.as_context_mut().0.inner;
        let raw = store.alloc_object(Box::new(data))?;
        Ok(ExternRef {
            store: store.id(),
            root: store.root(raw),
        })
    }

    /// The host data, or `None` if this reference wraps an internal
    /// reference (made by `extern.convert_any`).
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContext<'a, T>>,
    ) -> Result<Option<&'a (dyn Any + Send + Sync)>> {
        let store = &store.into().0.inner;
        let r = checked(store, self.store, &self.root)?;
        Ok(store.heap().host_data(r))
    }

    /// The host data, mutably.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> Result<Option<&'a mut (dyn Any + Send + Sync)>> {
        let store = &mut store.into().0.inner;
        let r = checked(store, self.store, &self.root)?;
        Ok(store.heap_mut().host_data_mut(r))
    }

    /// Converts an internal reference to an external one (`extern.convert_any`).
    pub fn convert_any(store: impl AsContextMut, any: AnyRef) -> Result<ExternRef> {
        let mut store = store;
        store.as_context_mut().0.inner.check(any.store)?;
        Ok(ExternRef {
            store: any.store,
            root: any.root,
        })
    }
}

impl AnyRef {
    /// Converts an external reference to an internal one (`any.convert_extern`).
    pub fn convert_extern(store: impl AsContextMut, ext: ExternRef) -> Result<AnyRef> {
        let mut store = store;
        store.as_context_mut().0.inner.check(ext.store)?;
        Ok(AnyRef {
            store: ext.store,
            root: ext.root,
        })
    }

    /// An `i31ref`.
    pub fn from_i31(mut store: impl AsContextMut, value: I31) -> AnyRef {
        AnyRef {
            store: store.as_context_mut().0.inner.id(),
            root: GcRoot::Immediate(raw::i31(value.0)),
        }
    }

    fn layout<'s>(&self, store: &'s StoreInner) -> Result<Option<&'s Layout>> {
        let r = checked(store, self.store, &self.root)?;
        Ok(store.heap().layout_of_raw(r))
    }

    /// Whether this is an `i31ref`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        Ok(raw::is_i31(checked(
            &store.as_context().0.inner,
            self.store,
            &self.root,
        )?))
    }

    /// The i31 value, if this is an `i31ref`.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        let r = checked(&store.as_context().0.inner, self.store, &self.root)?;
        Ok(raw::is_i31(r).then_some(I31(r >> 1)))
    }

    /// The i31 value, or an error if this is not an `i31ref`.
    pub fn unwrap_i31(&self, store: impl AsContext) -> Result<I31> {
        self.as_i31(store)?
            .ok_or_else(|| Error::usage("reference is not an i31ref"))
    }

    /// Whether this is a struct.
    pub fn is_struct(&self, store: impl AsContext) -> Result<bool> {
        Ok(matches!(
            self.layout(&store.as_context().0.inner)?,
            Some(Layout::Struct(_))
        ))
    }

    /// Whether this is an array.
    pub fn is_array(&self, store: impl AsContext) -> Result<bool> {
        Ok(matches!(
            self.layout(&store.as_context().0.inner)?,
            Some(Layout::Array(_))
        ))
    }

    /// Whether this reference is in `eq` (i31, struct or array).
    pub fn is_eqref(&self, store: impl AsContext) -> Result<bool> {
        let store = &store.as_context().0.inner;
        let r = checked(store, self.store, &self.root)?;
        Ok(is_eq_raw(store, r))
    }

    /// This reference as an [`EqRef`], if it is one.
    pub fn as_eqref(&self, store: impl AsContext) -> Result<Option<EqRef>> {
        Ok(self.is_eqref(store)?.then(|| EqRef {
            store: self.store,
            root: self.root.clone(),
        }))
    }

    /// This reference as an [`EqRef`]; an error if it is not one.
    pub fn unwrap_eqref(&self, store: impl AsContext) -> Result<EqRef> {
        self.as_eqref(store)?
            .ok_or_else(|| Error::usage("anyref is not an eqref"))
    }

    /// This reference as a struct, if it is one.
    pub fn as_struct(&self, store: impl AsContext) -> Result<Option<StructRef>> {
        Ok(self.is_struct(store)?.then(|| StructRef {
            store: self.store,
            root: self.root.clone(),
        }))
    }

    /// This reference as a struct, or an error.
    pub fn unwrap_struct(&self, store: impl AsContext) -> Result<StructRef> {
        self.as_struct(store)?
            .ok_or_else(|| Error::usage("reference is not a struct"))
    }

    /// This reference as an array, if it is one.
    pub fn as_array(&self, store: impl AsContext) -> Result<Option<ArrayRef>> {
        Ok(self.is_array(store)?.then(|| ArrayRef {
            store: self.store,
            root: self.root.clone(),
        }))
    }

    /// This reference as an array, or an error.
    pub fn unwrap_array(&self, store: impl AsContext) -> Result<ArrayRef> {
        self.as_array(store)?
            .ok_or_else(|| Error::usage("reference is not an array"))
    }

    /// The most precise heap type of the referenced value.
    pub fn ty(&self, store: impl AsContext) -> Result<HeapType> {
        let r = Ref::Any(Some(self.clone()));
        Ok(r.ty(store)?.heap_type().clone())
    }

    /// Whether the referenced value is of heap type `ty`.
    pub fn matches_ty(&self, store: impl AsContext, ty: &HeapType) -> Result<bool> {
        Ref::Any(Some(self.clone())).matches_ty(store, &RefType::new(false, ty.clone()))
    }
}

/// A reference to a struct object, rooted (see the module docs).
#[derive(Clone, Debug)]
pub struct StructRef {
    pub(crate) store: StoreId,
    pub(crate) root: GcRoot,
}

/// A reference to an array object, rooted (see the module docs).
#[derive(Clone, Debug)]
pub struct ArrayRef {
    pub(crate) store: StoreId,
    pub(crate) root: GcRoot,
}

/// Whether raw reference `r` is in `eq`: an i31, a struct or an array (not
/// converted host data).
pub(crate) fn is_eq_raw(store: &StoreInner, r: u32) -> bool {
    raw::is_i31(r)
        || matches!(
            store.heap().layout_of_raw(r),
            Some(Layout::Struct(_) | Layout::Array(_))
        )
}

fn alloc_trap(t: Trap) -> Error {
    Error::trap(t, Vec::new())
}

/// Converts a host value to the slot bits of a field of storage type `st`.
fn field_bits(store: &StoreInner, st: CStorage, v: &Val) -> Result<u128> {
    let unpacked = match st {
        CStorage::I8 | CStorage::I16 => CVal::I32,
        CStorage::Val(v) => v,
    };
    Ok(val_to_raw(store, v, unpacked)?.bits())
}

fn field_val(store: &mut StoreInner, st: CStorage, bits: u128) -> Val {
    match st {
        CStorage::I8 | CStorage::I16 => Val::I32(bits as u32 as i32),
        CStorage::Val(t) => raw_to_val(store, Raw::of_bits(bits, t), t),
    }
}

impl StructRef {
    /// Allocates a struct with the given field values (type-checked), of
    /// a [`StructType`] or through a pre-resolved [`crate::StructRefPre`].
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &impl StructAllocator,
        fields: &[Val],
    ) -> Result<StructRef> {
        let store = &mut store.as_context_mut().0.inner;
        let hty = struct_heap_type(store, allocator)?;
        let tr = allocator.struct_type().type_ref();
        let CComposite::Struct { fields: ftys } = &tr.info().composite else {
            return Err(Error::usage("not a struct type"));
        };
        if ftys.len() != fields.len() {
            return Err(Error::usage(format!(
                "struct type has {} fields, {} values given",
                ftys.len(),
                fields.len()
            )));
        }
        // Type-check before allocating; convert again afterwards (a
        // collection during the allocation may move referenced objects,
        // which the caller's handles keep alive and follow).
        for (f, v) in ftys.iter().zip(fields) {
            field_bits(store, f.storage, v)?;
        }
        let live = store.live_ref_slots();
        let (heap, mut roots) = store.split_for_gc(live);
        let off = heap.alloc_struct(hty, &mut roots).map_err(alloc_trap)?;
        for (i, (f, v)) in ftys.iter().zip(fields).enumerate() {
            let bits = field_bits(store, f.storage, v)?;
            let Layout::Struct(layout) = &store.heap().heap_type(hty).layout else {
                return Err(Error::usage("not a struct type"));
            };
            let (o, k) = layout.fields[i];
            store
                .heap_mut()
                .write_wide(off + HEADER + o as usize, k, bits);
        }
        let r = crate::gc::raw_of_offset(off)
            .ok_or_else(|| Error::too_large("GC heap position beyond the reference encoding"))?;
        Ok(StructRef {
            store: store.id(),
            root: store.root(r),
        })
    }

    fn locate(&self, store: &StoreInner, i: usize) -> Result<(usize, FieldKind, CStorage, bool)> {
        let r = checked(store, self.store, &self.root)?;
        let tr = store
            .heap()
            .type_ref_of_raw(r)
            .ok_or_else(|| Error::usage("not a struct"))?;
        let CComposite::Struct { fields } = &tr.info().composite else {
            return Err(Error::usage("not a struct"));
        };
        let f = fields
            .get(i)
            .ok_or_else(|| Error::usage(format!("struct has no field {i}")))?;
        let Some(Layout::Struct(l)) = store.heap().layout_of_raw(r) else {
            return Err(Error::usage("not a struct"));
        };
        let (o, k) = l.fields[i];
        Ok((
            Heap::offset(r) + HEADER + o as usize,
            k,
            f.storage,
            f.mutable,
        ))
    }

    /// The value of field `i`.
    pub fn field(&self, mut store: impl AsContextMut, i: usize) -> Result<Val> {
        let store = &mut store.as_context_mut().0.inner;
        let (at, k, st, _) = self.locate(store, i)?;
        let bits = store.heap().read_wide(at, k);
        Ok(field_val(store, st, bits))
    }

    /// Sets field `i` (which must be mutable) to `val` (type-checked).
    pub fn set_field(&self, mut store: impl AsContextMut, i: usize, val: Val) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let (at, k, st, mutable) = self.locate(store, i)?;
        if !mutable {
            return Err(Error::usage(format!("field {i} is immutable")));
        }
        let bits = field_bits(store, st, &val)?;
        let obj = Heap::offset(store.resolve(self.store, &self.root)?);
        store.heap_mut().write_field(obj, at, k, bits);
        Ok(())
    }

    /// The struct's type.
    pub fn ty(&self, store: impl AsContext) -> Result<StructType> {
        let store = &store.as_context().0.inner;
        let r = checked(store, self.store, &self.root)?;
        let tr = store
            .heap()
            .type_ref_of_raw(r)
            .ok_or_else(|| Error::usage("not a struct"))?;
        match HeapType::from_type_ref(store.engine(), tr.clone()) {
            HeapType::ConcreteStruct(s) => Ok(s),
            _ => Err(Error::usage("not a struct")),
        }
    }

    /// Whether the struct is of type `ty` (declared subtyping). `Err` if
    /// `ty` belongs to another engine.
    pub fn matches_ty(&self, store: impl AsContext, ty: &StructType) -> Result<bool> {
        let store = store.as_context();
        if !Engine::same(ty.engine(), store.0.inner.engine()) {
            return Err(Error::usage("struct type belongs to another engine"));
        }
        Ok(self.ty(store)?.matches(ty))
    }

    /// This struct as an `anyref`.
    pub fn to_anyref(&self) -> AnyRef {
        AnyRef {
            store: self.store,
            root: self.root.clone(),
        }
    }
}

/// `Err` if `ty` belongs to another engine than the store's.
impl ArrayRef {
    /// The element storage type of `allocator`'s array type.
    fn elem_storage(allocator: &impl ArrayAllocator) -> Result<CStorage> {
        match &allocator.array_type().type_ref().info().composite {
            CComposite::Array { field } => Ok(field.storage),
            _ => Err(Error::usage("not an array type")),
        }
    }

    /// Allocates an array of `len` zeroed elements; returns its offset and
    /// element kind.
    fn alloc(
        store: &mut StoreInner,
        allocator: &impl ArrayAllocator,
        len: u32,
    ) -> Result<(usize, FieldKind)> {
        let hty = array_heap_type(store, allocator)?;
        let live = store.live_ref_slots();
        let (heap, mut roots) = store.split_for_gc(live);
        let off = heap.alloc_array(hty, len, &mut roots).map_err(alloc_trap)?;
        let Layout::Array(k) = heap.heap_type(hty).layout else {
            return Err(Error::usage("not an array type"));
        };
        Ok((off, k))
    }

    fn finish(store: &mut StoreInner, off: usize) -> Result<ArrayRef> {
        let r = crate::gc::raw_of_offset(off)
            .ok_or_else(|| Error::too_large("GC heap position beyond the reference encoding"))?;
        Ok(ArrayRef {
            store: store.id(),
            root: store.root(r),
        })
    }

    /// Allocates an array with `len` copies of `elem`, of an
    /// [`ArrayType`] or through a pre-resolved [`crate::ArrayRefPre`].
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &impl ArrayAllocator,
        elem: &Val,
        len: u32,
    ) -> Result<ArrayRef> {
        let store = &mut store.as_context_mut().0.inner;
        let st = Self::elem_storage(allocator)?;
        field_bits(store, st, elem)?;
        let (off, k) = Self::alloc(store, allocator, len)?;
        let bits = field_bits(store, st, elem)?;
        crate::interp::fill_elems(store.heap_mut(), off + HEADER, k, bits, len as usize);
        Self::finish(store, off)
    }

    /// Allocates an array holding `elems`, of an [`ArrayType`] or through
    /// a pre-resolved [`crate::ArrayRefPre`].
    pub fn new_fixed(
        mut store: impl AsContextMut,
        allocator: &impl ArrayAllocator,
        elems: &[Val],
    ) -> Result<ArrayRef> {
        let store = &mut store.as_context_mut().0.inner;
        let st = Self::elem_storage(allocator)?;
        for e in elems {
            field_bits(store, st, e)?;
        }
        let len = u32::try_from(elems.len()).map_err(|_| Error::usage("array too long"))?;
        let (off, k) = Self::alloc(store, allocator, len)?;
        for (i, e) in elems.iter().enumerate() {
            let bits = field_bits(store, st, e)?;
            store
                .heap_mut()
                .write_wide(off + HEADER + i * k.size(), k, bits);
        }
        Self::finish(store, off)
    }

    fn info(&self, store: &StoreInner) -> Result<(usize, u32, FieldKind, CStorage, bool)> {
        let r = checked(store, self.store, &self.root)?;
        let tr = store
            .heap()
            .type_ref_of_raw(r)
            .ok_or_else(|| Error::usage("not an array"))?;
        let CComposite::Array { field } = &tr.info().composite else {
            return Err(Error::usage("not an array"));
        };
        let Some(Layout::Array(k)) = store.heap().layout_of_raw(r) else {
            return Err(Error::usage("not an array"));
        };
        let off = Heap::offset(r);
        Ok((
            off,
            store.heap().len_of(off),
            *k,
            field.storage,
            field.mutable,
        ))
    }

    /// The number of elements.
    pub fn len(&self, store: impl AsContext) -> Result<u32> {
        Ok(self.info(&store.as_context().0.inner)?.1)
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self, store: impl AsContext) -> Result<bool> {
        Ok(self.len(store)? == 0)
    }

    /// Element `i`.
    pub fn get(&self, mut store: impl AsContextMut, i: u32) -> Result<Val> {
        let store = &mut store.as_context_mut().0.inner;
        let (off, len, k, st, _) = self.info(store)?;
        if i >= len {
            return Err(Error::usage(format!(
                "array index {i} out of bounds (length {len})"
            )));
        }
        let bits = store
            .heap()
            .read_wide(off + HEADER + i as usize * k.size(), k);
        Ok(field_val(store, st, bits))
    }

    /// Sets element `i` (the array must be mutable) to `val` (type-checked).
    pub fn set(&self, mut store: impl AsContextMut, i: u32, val: Val) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let (off, len, k, st, mutable) = self.info(store)?;
        if !mutable {
            return Err(Error::usage("array is immutable"));
        }
        if i >= len {
            return Err(Error::usage(format!(
                "array index {i} out of bounds (length {len})"
            )));
        }
        let bits = field_bits(store, st, &val)?;
        store
            .heap_mut()
            .write_field(off, off + HEADER + i as usize * k.size(), k, bits);
        Ok(())
    }

    /// The bytes of an `i8` array.
    pub fn bytes<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContext<'a, T>>,
    ) -> Result<&'a [u8]> {
        let store = &store.into().0.inner;
        let (off, len, k, _, _) = self.info(store)?;
        if k != FieldKind::I8 {
            return Err(Error::usage("not an i8 array"));
        }
        let start = off + HEADER;
        Ok(&store.heap().bytes()[start..start + len as usize])
    }

    /// Copies `data` into a mutable `i8` array starting at element `start`.
    pub fn write_bytes(&self, mut store: impl AsContextMut, start: u32, data: &[u8]) -> Result<()> {
        let store = &mut store.as_context_mut().0.inner;
        let (off, len, k, _, mutable) = self.info(store)?;
        if k != FieldKind::I8 || !mutable {
            return Err(Error::usage("not a mutable i8 array"));
        }
        let end = (start as usize)
            .checked_add(data.len())
            .filter(|e| *e <= len as usize)
            .ok_or_else(|| Error::usage("array write out of bounds"))?;
        let base = off + HEADER;
        store.heap_mut().bytes_mut()[base + start as usize..base + end].copy_from_slice(data);
        Ok(())
    }

    /// The array's type.
    pub fn ty(&self, store: impl AsContext) -> Result<ArrayType> {
        let store = &store.as_context().0.inner;
        let r = checked(store, self.store, &self.root)?;
        let tr = store
            .heap()
            .type_ref_of_raw(r)
            .ok_or_else(|| Error::usage("not an array"))?;
        match HeapType::from_type_ref(store.engine(), tr.clone()) {
            HeapType::ConcreteArray(a) => Ok(a),
            _ => Err(Error::usage("not an array")),
        }
    }

    /// This array as an `anyref`.
    pub fn to_anyref(&self) -> AnyRef {
        AnyRef {
            store: self.store,
            root: self.root.clone(),
        }
    }
}
