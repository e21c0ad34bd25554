//! Conversions between embedder values ([`Val`]) and the interpreter's raw
//! slot contents, with the type checks the API promises.

use crate::error::{Error, Result};
use crate::ir::CastTarget;
use crate::registry::{AbsHeap, CHeap, CRef, CVal};
use crate::runtime::{Func, StoreInner};
use crate::values::{AnyRef, ExternRef, Val, raw};

/// A raw slot value: a number in a value slot or a reference in a
/// reference slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Raw {
    V(u64),
    R(u32),
    /// A `v128` (two value slots).
    W(u128),
}

impl Raw {
    /// The bits of any raw value, widened (as globals keep them).
    pub(crate) fn bits(self) -> u128 {
        match self {
            Raw::V(x) => x as u128,
            Raw::R(r) => r as u128,
            Raw::W(x) => x,
        }
    }

    /// The raw value of type `ty` kept as `bits`.
    pub(crate) fn of_bits(bits: u128, ty: CVal) -> Raw {
        match ty {
            CVal::Ref(_) => Raw::R(bits as u32),
            CVal::V128 => Raw::W(bits),
            _ => Raw::V(bits as u64),
        }
    }
}

/// The abstract top of a heap type's hierarchy.
pub(crate) fn hierarchy(store: &StoreInner, h: CHeap) -> AbsHeap {
    store.engine().registry().top_of(h)
}

/// Whether raw reference `r` (null or not) matches `ty`, taking `r` to be
/// in `ty`'s hierarchy. The same check as Wasm's `ref.test`.
pub(crate) fn raw_matches(store: &StoreInner, r: u32, ty: CRef) -> bool {
    crate::interp::cast_ok(store, r, &CastTarget::of(store.engine().registry(), ty))
}

/// Converts `v` to a raw slot value of type `ty`, checking the type.
pub(crate) fn val_to_raw(store: &StoreInner, v: &Val, ty: CVal) -> Result<Raw> {
    let mismatch = || Error::usage(format!("value {v:?} does not match type {ty:?}"));
    Ok(match (v, ty) {
        (Val::I32(x), CVal::I32) => Raw::V(*x as u32 as u64),
        (Val::I64(x), CVal::I64) => Raw::V(*x as u64),
        (Val::F32(x), CVal::F32) => Raw::V(*x as u64),
        (Val::F64(x), CVal::F64) => Raw::V(*x),
        (Val::V128(x), CVal::V128) => Raw::W(*x),
        (_, CVal::Ref(rt)) => {
            let r = ref_val_to_raw(store, v)?.ok_or_else(mismatch)?;
            let hier = hierarchy(store, rt.heap);
            let val_hier = match v {
                Val::FuncRef(_) => AbsHeap::Func,
                Val::ExternRef(_) => AbsHeap::Extern,
                Val::AnyRef(_) => AbsHeap::Any,
                _ => AbsHeap::Exn,
            };
            if hier != val_hier || !raw_matches(store, r, rt) {
                return Err(mismatch());
            }
            Raw::R(r)
        }
        _ => return Err(mismatch()),
    })
}

/// The raw word of a reference value (`None` if `v` is not a reference).
pub(crate) fn ref_val_to_raw(store: &StoreInner, v: &Val) -> Result<Option<u32>> {
    Ok(Some(match v {
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            raw::NULL
        }
        Val::FuncRef(Some(f)) => {
            store.check(f.store)?;
            raw::func(f.index)
        }
        Val::ExternRef(Some(e)) => store.resolve(e.store, &e.root)?,
        Val::AnyRef(Some(a)) => store.resolve(a.store, &a.root)?,
        Val::ExnRef(Some(e)) => store.resolve(e.store, &e.root)?,
        _ => return Ok(None),
    }))
}

/// Converts a raw slot value of type `ty` to a [`Val`].
pub(crate) fn raw_to_val(store: &mut StoreInner, r: Raw, ty: CVal) -> Val {
    match (r, ty) {
        (Raw::V(x), CVal::I32) => Val::I32(x as u32 as i32),
        (Raw::V(x), CVal::I64) => Val::I64(x as i64),
        (Raw::V(x), CVal::F32) => Val::F32(x as u32),
        (Raw::V(x), CVal::F64) => Val::F64(x),
        (Raw::W(x), CVal::V128) => Val::V128(x),
        (Raw::R(r), CVal::Ref(rt)) => {
            let hier = hierarchy(store, rt.heap);
            raw_ref_to_val(store, r, hier)
        }
        // Unreachable: callers pair raw values with their own types.
        _ => Val::I32(0),
    }
}

/// Converts a raw reference in hierarchy `hier` to a [`Val`].
pub(crate) fn raw_ref_to_val(store: &mut StoreInner, r: u32, hier: AbsHeap) -> Val {
    let id = store.id();
    if r == raw::NULL {
        return match hier {
            AbsHeap::Func => Val::FuncRef(None),
            AbsHeap::Extern => Val::ExternRef(None),
            AbsHeap::Exn => Val::ExnRef(None),
            _ => Val::AnyRef(None),
        };
    }
    match hier {
        AbsHeap::Func => Val::FuncRef(store.func_of_raw(r).map(|index| Func { store: id, index })),
        AbsHeap::Extern => Val::ExternRef(Some(ExternRef {
            store: id,
            root: store.root(r),
        })),
        AbsHeap::Exn => Val::ExnRef(Some(crate::values::ExnRef {
            store: id,
            root: store.root(r),
        })),
        _ => Val::AnyRef(Some(AnyRef {
            store: id,
            root: store.root(r),
        })),
    }
}
