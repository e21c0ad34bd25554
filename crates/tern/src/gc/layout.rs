//! Object layouts: where each struct field lives, how wide array elements
//! are. A layout is a pure function of the canonical type.

use crate::error::{Error, Result};
use crate::registry::{CComposite, CField, CRef, CStorage, CVal, TypeInfo};
use std::sync::Arc;

/// How a field or element is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    I8,
    I16,
    /// `i32` or `f32`.
    I32,
    /// `i64` or `f64`.
    I64,
    /// A raw reference.
    Ref,
    /// A `v128`.
    V128,
}

impl FieldKind {
    /// Bytes occupied.
    #[inline(always)]
    pub(crate) const fn size(self) -> usize {
        match self {
            FieldKind::I8 => 1,
            FieldKind::I16 => 2,
            FieldKind::I32 | FieldKind::Ref => 4,
            FieldKind::I64 => 8,
            FieldKind::V128 => 16,
        }
    }

    /// Value slots an operand of this kind takes (references take none).
    pub(crate) const fn slot_width(self) -> usize {
        match self {
            FieldKind::Ref => 0,
            FieldKind::V128 => 2,
            _ => 1,
        }
    }

    pub(crate) fn of(field: &CField) -> Result<FieldKind> {
        Ok(match field.storage {
            CStorage::I8 => FieldKind::I8,
            CStorage::I16 => FieldKind::I16,
            CStorage::Val(CVal::I32) | CStorage::Val(CVal::F32) => FieldKind::I32,
            CStorage::Val(CVal::I64) | CStorage::Val(CVal::F64) => FieldKind::I64,
            CStorage::Val(CVal::Ref(_)) => FieldKind::Ref,
            CStorage::Val(CVal::V128) => FieldKind::V128,
        })
    }
}

/// The layout of a struct type.
#[derive(Clone, Debug)]
pub(crate) struct StructLayout {
    /// Payload bytes (after the header), a multiple of 8.
    pub size: u32,
    /// Byte offset (from the payload start) and kind of each field.
    pub fields: Box<[(u32, FieldKind)]>,
    /// Offsets of the reference fields (in field order), for the
    /// collector and `struct.new`.
    pub ref_offsets: Box<[u32]>,
    /// Offset and kind of the other fields (in field order), for
    /// `struct.new`.
    pub value_fields: Box<[(u32, FieldKind)]>,
    /// Static types of the reference fields (parallel to `ref_offsets`).
    pub ref_types: Box<[CRef]>,
}

impl StructLayout {
    /// Reference fields with their static types.
    pub(crate) fn ref_fields(&self) -> impl Iterator<Item = (u32, CRef)> + '_ {
        self.ref_offsets
            .iter()
            .copied()
            .zip(self.ref_types.iter().copied())
    }
}

/// The layout of an object.
#[derive(Clone, Debug)]
pub(crate) enum Layout {
    /// A host object (`externref` data).
    Host,
    /// A struct (shared: a module computes each type's layout once, and
    /// every store that instantiates it takes a reference).
    Struct(Arc<StructLayout>),
    /// An array of elements of this kind.
    Array(FieldKind),
    /// An exception: the tag's parameters laid out as immutable struct
    /// fields; the header's second word holds the store tag index.
    Exn(Arc<StructLayout>),
}

impl Layout {
    pub(crate) fn of(info: &TypeInfo) -> Result<Layout> {
        match &info.composite {
            CComposite::Struct { fields } => Ok(Layout::Struct(Arc::new(struct_layout(fields)?))),
            CComposite::Array { field } => Ok(Layout::Array(FieldKind::of(field)?)),
            CComposite::Func { .. } => Err(Error::usage("function types have no object layout")),
        }
    }

    /// The layout of an exception whose tag has function type `info`.
    pub(crate) fn exn_of(info: &TypeInfo) -> Result<Layout> {
        let (params, _) = info
            .as_func()
            .ok_or_else(|| Error::usage("a tag's type must be a function type"))?;
        let fields: Vec<CField> = params
            .iter()
            .map(|v| CField {
                mutable: false,
                storage: CStorage::Val(*v),
            })
            .collect();
        Ok(Layout::Exn(Arc::new(struct_layout(&fields)?)))
    }
}

/// Lays fields out in declaration order, each aligned to its size.
pub(crate) fn struct_layout(fields: &[CField]) -> Result<StructLayout> {
    let mut offset = 0usize;
    let mut out = Vec::with_capacity(fields.len());
    let mut refs = Vec::new();
    let mut ref_types = Vec::new();
    let mut values = Vec::new();
    for f in fields {
        let kind = FieldKind::of(f)?;
        let size = kind.size();
        let align = size.min(8);
        offset = (offset + align - 1) & !(align - 1);
        let at = u32::try_from(offset).map_err(|_| Error::usage("struct too large"))?;
        if let CStorage::Val(CVal::Ref(r)) = f.storage {
            refs.push(at);
            ref_types.push(r);
        } else {
            values.push((at, kind));
        }
        out.push((at, kind));
        offset += size;
    }
    let size = u32::try_from((offset + 7) & !7).map_err(|_| Error::usage("struct too large"))?;
    Ok(StructLayout {
        size,
        fields: out.into(),
        ref_offsets: refs.into(),
        value_fields: values.into(),
        ref_types: ref_types.into(),
    })
}
