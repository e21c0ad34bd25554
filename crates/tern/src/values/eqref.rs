//! [`EqRef`]: a reference in the `eq` hierarchy (an i31, a struct or an
//! array), as in Wasmtime. `Val` carries it as an [`AnyRef`], like every
//! reference of the internal hierarchy.

use super::{AnyRef, ArrayRef, I31, StructRef};
use crate::error::Result;
use crate::gc::GcRoot;
use crate::runtime::{AsContext, AsContextMut, StoreId};
use crate::types::HeapType;

/// A reference to an i31, a struct or an array (Wasm's `eqref`), owned by
/// one store and rooted like [`AnyRef`]. Make one with
/// [`EqRef::from_i31`], [`AnyRef::as_eqref`], [`StructRef::to_eqref`] or
/// [`ArrayRef::to_eqref`], or as a `Func::typed` parameter or result
/// (`EqRef` / `Option<EqRef>`).
#[derive(Clone, Debug)]
pub struct EqRef {
    pub(crate) store: StoreId,
    pub(crate) root: GcRoot,
}

/// `$name(&self, store) -> Result<$ret>`: the [`AnyRef`] method of the
/// same name on this reference.
macro_rules! as_anyref {
    ($($(#[$doc:meta])* $name:ident -> $ret:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self, store: impl AsContext) -> Result<$ret> {
                self.to_anyref().$name(store)
            }
        )*
    };
}

impl EqRef {
    /// The i31 reference of `value`.
    pub fn from_i31(store: impl AsContextMut, value: I31) -> EqRef {
        let any = AnyRef::from_i31(store, value);
        EqRef {
            store: any.store,
            root: any.root,
        }
    }

    /// This reference as an [`AnyRef`].
    pub fn to_anyref(&self) -> AnyRef {
        AnyRef {
            store: self.store,
            root: self.root.clone(),
        }
    }

    as_anyref! {
        /// Whether this reference is an i31.
        is_i31 -> bool;
        /// The i31 value, if it is one.
        as_i31 -> Option<I31>;
        /// The i31 value; an error if it is not one.
        unwrap_i31 -> I31;
        /// Whether this reference is a struct.
        is_struct -> bool;
        /// This reference as a struct, if it is one.
        as_struct -> Option<StructRef>;
        /// This reference as a struct; an error if it is not one.
        unwrap_struct -> StructRef;
        /// Whether this reference is an array.
        is_array -> bool;
        /// This reference as an array, if it is one.
        as_array -> Option<ArrayRef>;
        /// This reference as an array; an error if it is not one.
        unwrap_array -> ArrayRef;
        /// The most precise heap type of the referenced object.
        ty -> HeapType;
    }

    /// Whether this reference's object is of heap type `ty`.
    pub fn matches_ty(&self, store: impl AsContext, ty: &HeapType) -> Result<bool> {
        self.to_anyref().matches_ty(store, ty)
    }
}

impl StructRef {
    /// This reference as an [`EqRef`].
    pub fn to_eqref(&self) -> EqRef {
        EqRef {
            store: self.store,
            root: self.root.clone(),
        }
    }
}

impl ArrayRef {
    /// This reference as an [`EqRef`].
    pub fn to_eqref(&self) -> EqRef {
        EqRef {
            store: self.store,
            root: self.root.clone(),
        }
    }
}

impl From<EqRef> for AnyRef {
    fn from(e: EqRef) -> AnyRef {
        AnyRef {
            store: e.store,
            root: e.root,
        }
    }
}
