//! Conversion of `wasmparser` types (as read from a module's type section,
//! with module-relative indices) into canonical form, and registration of a
//! module's rec groups.

use super::{
    AbsHeap, CComposite, CField, CHeap, CRef, CStorage, CVal, KeySub, RegisteredGroup, TypeRef,
    TypeRegistry,
};
use crate::{Error, Result};
use std::sync::Arc;
use wasmparser as wp;

/// Resolves a module type index to a canonical heap type.
type Resolve<'a> = dyn FnMut(u32) -> Result<CHeap> + 'a;

fn abs_from_wasm(shared: bool, ty: wp::AbstractHeapType) -> Result<AbsHeap> {
    use wp::AbstractHeapType as A;
    if shared {
        return Err(Error::unsupported("shared heap types are not supported"));
    }
    Ok(match ty {
        A::Func => AbsHeap::Func,
        A::Extern => AbsHeap::Extern,
        A::Any => AbsHeap::Any,
        A::None => AbsHeap::None,
        A::NoExtern => AbsHeap::NoExtern,
        A::NoFunc => AbsHeap::NoFunc,
        A::Eq => AbsHeap::Eq,
        A::Struct => AbsHeap::Struct,
        A::Array => AbsHeap::Array,
        A::I31 => AbsHeap::I31,
        A::Exn => AbsHeap::Exn,
        A::NoExn => AbsHeap::NoExn,
        A::Cont | A::NoCont => {
            return Err(Error::unsupported("continuation types are not supported"));
        }
    })
}

fn index_of(idx: wp::UnpackedIndex) -> Result<u32> {
    match idx {
        wp::UnpackedIndex::Module(i) => Ok(i),
        _ => Err(Error::unsupported("unexpected canonicalized type index")),
    }
}

fn heap(h: wp::HeapType, resolve: &mut Resolve<'_>) -> Result<CHeap> {
    match h {
        wp::HeapType::Abstract { shared, ty } => Ok(CHeap::Abs(abs_from_wasm(shared, ty)?)),
        wp::HeapType::Concrete(idx) => resolve(index_of(idx)?),
        wp::HeapType::Exact(_) => Err(Error::unsupported(
            "exact reference types are not supported",
        )),
    }
}

fn cref(r: wp::RefType, resolve: &mut Resolve<'_>) -> Result<CRef> {
    Ok(CRef {
        nullable: r.is_nullable(),
        heap: heap(r.heap_type(), resolve)?,
    })
}

fn cval(v: wp::ValType, resolve: &mut Resolve<'_>) -> Result<CVal> {
    Ok(match v {
        wp::ValType::I32 => CVal::I32,
        wp::ValType::I64 => CVal::I64,
        wp::ValType::F32 => CVal::F32,
        wp::ValType::F64 => CVal::F64,
        wp::ValType::V128 => CVal::V128,
        wp::ValType::Ref(r) => CVal::Ref(cref(r, resolve)?),
    })
}

fn cfield(f: wp::FieldType, resolve: &mut Resolve<'_>) -> Result<CField> {
    Ok(CField {
        mutable: f.mutable,
        storage: match f.element_type {
            wp::StorageType::I8 => CStorage::I8,
            wp::StorageType::I16 => CStorage::I16,
            wp::StorageType::Val(v) => CStorage::Val(cval(v, resolve)?),
        },
    })
}

fn module_resolver(module_types: &[TypeRef]) -> impl FnMut(u32) -> Result<CHeap> + '_ {
    move |i| {
        module_types
            .get(i as usize)
            .map(|t| CHeap::Concrete(t.id()))
            .ok_or_else(|| Error::invalid(format!("unknown type {i}")))
    }
}

/// Converts a value type whose concrete references are module type indices
/// (into `module_types`) to canonical form.
pub(crate) fn cval_from_wasm(v: wp::ValType, module_types: &[TypeRef]) -> Result<CVal> {
    cval(v, &mut module_resolver(module_types))
}

/// Converts a reference type whose concrete references are module type
/// indices (into `module_types`) to canonical form.
pub(crate) fn cref_from_wasm(r: wp::RefType, module_types: &[TypeRef]) -> Result<CRef> {
    cref(r, &mut module_resolver(module_types))
}

fn composite(c: &wp::CompositeType, resolve: &mut Resolve<'_>) -> Result<CComposite> {
    if c.shared {
        return Err(Error::unsupported(
            "shared composite types are not supported",
        ));
    }
    if c.descriptor_idx.is_some() || c.describes_idx.is_some() {
        return Err(Error::unsupported("custom descriptors are not supported"));
    }
    Ok(match &c.inner {
        wp::CompositeInnerType::Func(f) => CComposite::Func {
            params: f
                .params()
                .iter()
                .map(|v| cval(*v, resolve))
                .collect::<Result<_>>()?,
            results: f
                .results()
                .iter()
                .map(|v| cval(*v, resolve))
                .collect::<Result<_>>()?,
        },
        wp::CompositeInnerType::Struct(s) => CComposite::Struct {
            fields: s
                .fields
                .iter()
                .map(|f| cfield(*f, resolve))
                .collect::<Result<_>>()?,
        },
        wp::CompositeInnerType::Array(a) => CComposite::Array {
            field: cfield(a.0, resolve)?,
        },
        wp::CompositeInnerType::Cont(_) => {
            return Err(Error::unsupported("continuation types are not supported"));
        }
    })
}

impl TypeRegistry {
    /// Registers (or finds) the canonical form of a rec group read from a
    /// module's type section. The group's types have module indices
    /// `first_index..first_index + len`; references to them become
    /// group-relative, references to earlier types resolve through
    /// `module_types`. The group must have passed validation.
    pub(crate) fn register_wasm_rec_group(
        &self,
        group: &wp::RecGroup,
        module_types: &[TypeRef],
        first_index: u32,
    ) -> Result<Arc<RegisteredGroup>> {
        let len = group.types().len() as u32;
        let mut deps: Vec<Arc<RegisteredGroup>> = Vec::new();
        let mut resolve = |i: u32| -> Result<CHeap> {
            if i >= first_index && i - first_index < len {
                return Ok(CHeap::RecRel(i - first_index));
            }
            let t = module_types
                .get(i as usize)
                .ok_or_else(|| Error::invalid(format!("unknown type {i}")))?;
            if !deps.last().is_some_and(|d| Arc::ptr_eq(d, &t.group)) {
                deps.push(t.group.clone());
            }
            Ok(CHeap::Concrete(t.id()))
        };
        let mut subs = Vec::with_capacity(len as usize);
        for sub in group.types() {
            let supertype = match sub.supertype_idxs.as_slice() {
                [] => None,
                [s] => {
                    let idx = s.unpack();
                    Some(resolve(index_of(idx)?)?)
                }
                _ => return Err(Error::unsupported("multiple supertypes are not supported")),
            };
            let composite = composite(&sub.composite_type, &mut resolve)?;
            subs.push(KeySub {
                is_final: sub.is_final,
                supertype,
                composite,
            });
        }
        self.register(subs, deps)
    }
}
