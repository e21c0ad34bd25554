//! Statically typed calls: [`WasmTy`] maps Rust types to Wasm types,
//! [`TypedFunc`] calls a function without per-call type dispatch.
//!
//! Typed views accept sound subtypes: a parameter type may be any subtype
//! of the declared parameter; a result type may be any supertype of the
//! declared result. A parameter type that is a *supertype* of the declared
//! one in the same hierarchy (e.g. `Option<Func>` for `(ref null $t)`) is
//! accepted too, and each call then checks the argument dynamically.

use super::StoreInner;
use super::func::Func;
use super::store::AsContextMut;
use crate::error::{Error, Result};
use crate::ir::CastTarget;
use crate::registry::{CRef, CVal, TypeRef};
use crate::types::{HeapType, RefType, ValType};
use crate::values::convert::hierarchy;
use crate::values::refs::is_eq_raw;
use crate::values::{
    AnyRef, ArrayRef, EqRef, ExternRef, I31, NoExtern, NoFunc, NoneRef, StructRef, V128, raw,
};
use std::marker::PhantomData;

/// A Rust type that stands for a Wasm value type.
pub trait WasmTy: Sized + Send + 'static {
    /// The (most precise) Wasm type of values of this Rust type.
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn load<S: SlotAccess>(store: &mut StoreInner, at: &mut S) -> Result<Self>;
    #[doc(hidden)]
    fn store<S: SlotAccess>(self, store: &mut StoreInner, at: &mut S) -> Result<()>;
}

/// Sequential access to the value and reference slots of a signature's
/// values (parameters or results), in order: each [`WasmTy`] takes the
/// slots of its own value. Public only so that the sealed [`WasmTy`]
/// methods can name it; not reachable from outside the crate.
#[doc(hidden)]
pub trait SlotAccess {
    /// The next value slot.
    fn get_v(&mut self, store: &StoreInner) -> Result<u64>;
    /// Writes the next value slot.
    fn put_v(&mut self, store: &mut StoreInner, v: u64) -> Result<()>;
    /// The next reference slot.
    fn get_r(&mut self, store: &StoreInner) -> Result<u32>;
    /// Writes the next reference slot.
    fn put_r(&mut self, store: &mut StoreInner, r: u32) -> Result<()>;
}

/// [`SlotAccess`] to the store's stack from slot indices `vi`/`ri` on,
/// checked against the stacks' lengths (calls from the host, and
/// [`crate::Func::new`]-style host functions).
#[derive(Clone, Copy, Debug)]
pub(crate) struct IndexedSlots {
    /// The next value slot's index.
    pub vi: usize,
    /// The next reference slot's index.
    pub ri: usize,
}

fn slot_err() -> Error {
    Error::usage("value slots exhausted (signature mismatch)")
}

impl SlotAccess for IndexedSlots {
    #[inline(always)]
    fn get_v(&mut self, store: &StoreInner) -> Result<u64> {
        let v = *store.stack().vals.get(self.vi).ok_or_else(slot_err)?;
        self.vi += 1;
        Ok(v)
    }
    #[inline(always)]
    fn put_v(&mut self, store: &mut StoreInner, v: u64) -> Result<()> {
        *store
            .stack_mut()
            .vals
            .get_mut(self.vi)
            .ok_or_else(slot_err)? = v;
        self.vi += 1;
        Ok(())
    }
    fn get_r(&mut self, store: &StoreInner) -> Result<u32> {
        let r = *store.stack().refs.get(self.ri).ok_or_else(slot_err)?;
        self.ri += 1;
        Ok(r)
    }
    fn put_r(&mut self, store: &mut StoreInner, r: u32) -> Result<()> {
        *store
            .stack_mut()
            .refs
            .get_mut(self.ri)
            .ok_or_else(slot_err)? = r;
        self.ri += 1;
        Ok(())
    }
}

/// [`SlotAccess`] through raw pointers to the next value and reference
/// slot, unchecked: the typed trampolines of [`crate::Func::wrap`]
/// closures, whose callers (the interpreter) guarantee the slots.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawSlots {
    vals: *mut u64,
    refs: *mut u32,
}

impl RawSlots {
    /// Access from `vals`/`refs` on.
    ///
    /// # Safety
    /// `vals` and `refs` are valid for reads and writes of the value and
    /// reference slots of the signature accessed through the result (each
    /// [`WasmTy`] takes exactly its own slots), and those slots are not
    /// accessed otherwise while it is in use.
    #[inline(always)]
    pub(crate) unsafe fn new(vals: *mut u64, refs: *mut u32) -> RawSlots {
        RawSlots { vals, refs }
    }
}

impl SlotAccess for RawSlots {
    #[inline(always)]
    fn get_v(&mut self, _: &StoreInner) -> Result<u64> {
        // SAFETY: a slot of the signature (`RawSlots::new`'s contract).
        let v = unsafe { *self.vals };
        self.vals = self.vals.wrapping_add(1);
        Ok(v)
    }
    #[inline(always)]
    fn put_v(&mut self, _: &mut StoreInner, v: u64) -> Result<()> {
        // SAFETY: as above.
        unsafe { *self.vals = v };
        self.vals = self.vals.wrapping_add(1);
        Ok(())
    }
    #[inline(always)]
    fn get_r(&mut self, _: &StoreInner) -> Result<u32> {
        // SAFETY: as above.
        let r = unsafe { *self.refs };
        self.refs = self.refs.wrapping_add(1);
        Ok(r)
    }
    #[inline(always)]
    fn put_r(&mut self, _: &mut StoreInner, r: u32) -> Result<()> {
        // SAFETY: as above.
        unsafe { *self.refs = r };
        self.refs = self.refs.wrapping_add(1);
        Ok(())
    }
}

macro_rules! num_ty {
    ($t:ty, $vt:ident, $to:expr, $from:expr) => {
        impl WasmTy for $t {
            fn valtype() -> ValType {
                ValType::$vt
            }
            #[inline(always)]
            fn load<S: SlotAccess>(store: &mut StoreInner, at: &mut S) -> Result<Self> {
                let f: fn(u64) -> $t = $from;
                Ok(f(at.get_v(store)?))
            }
            #[inline(always)]
            fn store<S: SlotAccess>(self, store: &mut StoreInner, at: &mut S) -> Result<()> {
                let f: fn($t) -> u64 = $to;
                at.put_v(store, f(self))
            }
        }
    };
}

num_ty!(i32, I32, |v| v as u32 as u64, |v| v as u32 as i32);
num_ty!(u32, I32, |v| v as u64, |v| v as u32);
num_ty!(i64, I64, |v| v as u64, |v| v as i64);
num_ty!(u64, I64, |v| v, |v| v);
num_ty!(f32, F32, |v| v.to_bits() as u64, |v| f32::from_bits(
    v as u32
));
num_ty!(f64, F64, |v| v.to_bits(), f64::from_bits);

impl WasmTy for V128 {
    fn valtype() -> ValType {
        ValType::V128
    }
    #[inline]
    fn load<S: SlotAccess>(store: &mut StoreInner, at: &mut S) -> Result<Self> {
        let lo = at.get_v(store)?;
        let hi = at.get_v(store)?;
        Ok(V128::from(lo as u128 | (hi as u128) << 64))
    }
    #[inline]
    fn store<S: SlotAccess>(self, store: &mut StoreInner, at: &mut S) -> Result<()> {
        let x = self.as_u128();
        at.put_v(store, x as u64)?;
        at.put_v(store, (x >> 64) as u64)
    }
}

/// Reference types: how to turn a raw word into the handle and back.
trait RefHandle: Sized + Send + 'static {
    fn heap() -> HeapType;
    fn from_raw(store: &mut StoreInner, r: u32) -> Result<Self>;
    fn to_raw(self, store: &StoreInner) -> Result<u32>;
}

impl RefHandle for Func {
    fn heap() -> HeapType {
        HeapType::Func
    }
    fn from_raw(store: &mut StoreInner, r: u32) -> Result<Self> {
        let index = store
            .func_of_raw(r)
            .ok_or_else(|| Error::usage("expected a non-null function reference"))?;
        Ok(Func {
            store: store.id(),
            index,
        })
    }
    fn to_raw(self, store: &StoreInner) -> Result<u32> {
        store.check(self.store)?;
        Ok(raw::func(self.index))
    }
}

impl RefHandle for ExternRef {
    fn heap() -> HeapType {
        HeapType::Extern
    }
    fn from_raw(store: &mut StoreInner, r: u32) -> Result<Self> {
        if r == raw::NULL {
            return Err(Error::usage("expected a non-null externref"));
        }
        Ok(ExternRef {
            store: store.id(),
            root: store.root(r),
        })
    }
    fn to_raw(self, store: &StoreInner) -> Result<u32> {
        store.resolve(self.store, &self.root)
    }
}

impl RefHandle for AnyRef {
    fn heap() -> HeapType {
        HeapType::Any
    }
    fn from_raw(store: &mut StoreInner, r: u32) -> Result<Self> {
        if r == raw::NULL {
            return Err(Error::usage("expected a non-null anyref"));
        }
        Ok(AnyRef {
            store: store.id(),
            root: store.root(r),
        })
    }
    fn to_raw(self, store: &StoreInner) -> Result<u32> {
        store.resolve(self.store, &self.root)
    }
}

impl RefHandle for EqRef {
    fn heap() -> HeapType {
        HeapType::Eq
    }
    fn from_raw(store: &mut StoreInner, r: u32) -> Result<Self> {
        if !is_eq_raw(store, r) {
            return Err(Error::usage("expected a non-null eqref"));
        }
        Ok(EqRef {
            store: store.id(),
            root: store.root(r),
        })
    }
    fn to_raw(self, store: &StoreInner) -> Result<u32> {
        store.resolve(self.store, &self.root)
    }
}

macro_rules! object_handle {
    ($t:ident, $heap:ident, $layout:pat, $what:literal) => {
        impl RefHandle for $t {
            fn heap() -> HeapType {
                HeapType::$heap
            }
            fn from_raw(store: &mut StoreInner, r: u32) -> Result<Self> {
                if !matches!(store.heap().layout_of_raw(r), Some($layout)) {
                    return Err(Error::usage(concat!(
                        "expected a non-null ",
                        $what,
                        " reference"
                    )));
                }
                Ok($t {
                    store: store.id(),
                    root: store.root(r),
                })
            }
            fn to_raw(self, store: &StoreInner) -> Result<u32> {
                store.resolve(self.store, &self.root)
            }
        }
    };
}

object_handle!(StructRef, Struct, crate::gc::Layout::Struct(_), "struct");
object_handle!(ArrayRef, Array, crate::gc::Layout::Array(_), "array");

impl RefHandle for I31 {
    fn heap() -> HeapType {
        HeapType::I31
    }
    fn from_raw(_: &mut StoreInner, r: u32) -> Result<Self> {
        if !raw::is_i31(r) {
            return Err(Error::usage("expected an i31 reference"));
        }
        Ok(I31(r >> 1))
    }
    fn to_raw(self, _: &StoreInner) -> Result<u32> {
        Ok(raw::i31(self.0))
    }
}

/// The bottom types have no non-null values.
macro_rules! bottom_handle {
    ($($t:ident, $heap:ident, $name:literal;)*) => {
        $(
            impl RefHandle for $t {
                fn heap() -> HeapType {
                    HeapType::$heap
                }
                fn from_raw(_: &mut StoreInner, _: u32) -> Result<Self> {
                    Err(Error::usage(concat!("a ", $name, " reference cannot be non-null")))
                }
                fn to_raw(self, _: &StoreInner) -> Result<u32> {
                    match self {}
                }
            }
        )*
    };
}

bottom_handle! {
    NoFunc, NoFunc, "nofunc";
    NoExtern, NoExtern, "noextern";
    NoneRef, None, "none";
}

macro_rules! ref_ty {
    ($($t:ty),*) => {$(
        impl WasmTy for $t {
            fn valtype() -> ValType {
                ValType::Ref(RefType::new(false, <$t as RefHandle>::heap()))
            }
            fn load<S: SlotAccess>(store: &mut StoreInner, at: &mut S) -> Result<Self> {
                let r = at.get_r(store)?;
                <$t as RefHandle>::from_raw(store, r)
            }
            fn store<S: SlotAccess>(self, store: &mut StoreInner, at: &mut S) -> Result<()> {
                let r = self.to_raw(store)?;
                at.put_r(store, r)
            }
        }
        impl WasmTy for Option<$t> {
            fn valtype() -> ValType {
                ValType::Ref(RefType::new(true, <$t as RefHandle>::heap()))
            }
            fn load<S: SlotAccess>(store: &mut StoreInner, at: &mut S) -> Result<Self> {
                let r = at.get_r(store)?;
                if r == raw::NULL { Ok(None) } else { <$t as RefHandle>::from_raw(store, r).map(Some) }
            }
            fn store<S: SlotAccess>(self, store: &mut StoreInner, at: &mut S) -> Result<()> {
                let r = match self { None => raw::NULL, Some(h) => h.to_raw(store)? };
                at.put_r(store, r)
            }
        }
    )*};
}

ref_ty!(
    Func, ExternRef, AnyRef, EqRef, StructRef, ArrayRef, I31, NoFunc, NoExtern, NoneRef
);

/// A list of parameter types: `()`, a single [`WasmTy`], or a tuple.
pub trait WasmParams: Send + 'static {
    /// The Wasm types.
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_all<S: SlotAccess>(self, store: &mut StoreInner, at: S) -> Result<()>;
}

/// A list of result types: `()`, a single [`WasmTy`], or a tuple.
pub trait WasmResults: Sized + Send + 'static {
    /// The Wasm types.
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn load_all<S: SlotAccess>(store: &mut StoreInner, at: S) -> Result<Self>;
}

/// What a host closure may return: results, or `Result` of them.
pub trait WasmRet: Send + 'static {
    #[doc(hidden)]
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_ret<S: SlotAccess>(self, store: &mut StoreInner, at: S) -> Result<()>;
}

impl<R: WasmParams> WasmRet for R {
    fn valtypes() -> Vec<ValType> {
        R::valtypes()
    }
    #[inline]
    fn store_ret<S: SlotAccess>(self, store: &mut StoreInner, at: S) -> Result<()> {
        self.store_all(store, at)
    }
}

impl<R: WasmParams> WasmRet for Result<R> {
    fn valtypes() -> Vec<ValType> {
        R::valtypes()
    }
    #[inline]
    fn store_ret<S: SlotAccess>(self, store: &mut StoreInner, at: S) -> Result<()> {
        self?.store_all(store, at)
    }
}

impl<A: WasmTy> WasmParams for A {
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    #[inline]
    fn store_all<S: SlotAccess>(self, store: &mut StoreInner, mut at: S) -> Result<()> {
        self.store(store, &mut at)
    }
}

impl<A: WasmTy> WasmResults for A {
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    #[inline]
    fn load_all<S: SlotAccess>(store: &mut StoreInner, mut at: S) -> Result<Self> {
        A::load(store, &mut at)
    }
}

macro_rules! tuple_params {
    ($($p:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<$($p: WasmTy,)*> WasmParams for ($($p,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($p::valtype(),)*]
            }
            #[inline]
            fn store_all<S: SlotAccess>(self, store: &mut StoreInner, mut at: S) -> Result<()> {
                let ($($p,)*) = self;
                $($p.store(store, &mut at)?;)*
                Ok(())
            }
        }
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<$($p: WasmTy,)*> WasmResults for ($($p,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($p::valtype(),)*]
            }
            #[inline]
            fn load_all<S: SlotAccess>(store: &mut StoreInner, mut at: S) -> Result<Self> {
                Ok(($($p::load(store, &mut at)?,)*))
            }
        }
    };
}

tuple_params!();
tuple_params!(A1);
tuple_params!(A1 A2);
tuple_params!(A1 A2 A3);
tuple_params!(A1 A2 A3 A4);
tuple_params!(A1 A2 A3 A4 A5);
tuple_params!(A1 A2 A3 A4 A5 A6);
tuple_params!(A1 A2 A3 A4 A5 A6 A7);
tuple_params!(A1 A2 A3 A4 A5 A6 A7 A8);

/// A function with a statically known signature.
pub struct TypedFunc<P, R> {
    func: Func,
    /// Parameters whose Rust type is a supertype of the declared type:
    /// (reference slot index, declared type) checked on each call.
    dynamic_checks: Box<[(usize, CastTarget, CRef)]>,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> std::fmt::Debug for TypedFunc<P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedFunc")
            .field("func", &self.func)
            .finish_non_exhaustive()
    }
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        TypedFunc {
            func: self.func,
            dynamic_checks: self.dynamic_checks.clone(),
            _marker: PhantomData,
        }
    }
}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    pub(crate) fn new(store: &StoreInner, func: Func, ty: &TypeRef) -> Result<Self> {
        let reg = store.engine().registry();
        let (ptys, rtys) = ty
            .info()
            .as_func()
            .ok_or_else(|| Error::usage("not a function type"))?;
        let host_params: Vec<CVal> = P::valtypes().iter().map(|t| t.to_cval()).collect();
        let host_results: Vec<CVal> = R::valtypes().iter().map(|t| t.to_cval()).collect();
        if host_params.len() != ptys.len() || host_results.len() != rtys.len() {
            return Err(Error::usage(format!(
                "type mismatch: the function has {} parameters and {} results, the typed view {} and {}",
                ptys.len(),
                rtys.len(),
                host_params.len(),
                host_results.len()
            )));
        }
        let mut checks = Vec::new();
        let mut ri = 0;
        for (i, (h, d)) in host_params.iter().zip(ptys.iter()).enumerate() {
            if reg.cval_matches(*h, *d) {
                if matches!(h, CVal::Ref(_)) {
                    ri += 1;
                }
                continue;
            }
            match (h, d) {
                (CVal::Ref(hr), CVal::Ref(dr))
                    if hierarchy(store, hr.heap) == hierarchy(store, dr.heap) =>
                {
                    checks.push((ri, CastTarget::of(reg, *dr), *dr));
                    ri += 1;
                }
                _ => {
                    return Err(Error::usage(format!(
                        "type mismatch: parameter {i} of the typed view does not match the function's parameter type"
                    )));
                }
            }
        }
        for (i, (h, d)) in host_results.iter().zip(rtys.iter()).enumerate() {
            if !reg.cval_matches(*d, *h) {
                return Err(Error::usage(format!(
                    "type mismatch: result {i} of the function is not a subtype of the typed view's result type"
                )));
            }
        }
        Ok(TypedFunc {
            func,
            dynamic_checks: checks.into_boxed_slice(),
            _marker: PhantomData,
        })
    }

    /// The underlying function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call<T>(&self, mut store: impl AsContextMut<Data = T>, params: P) -> Result<R> {
        let store = store.as_context_mut().0;
        store.inner.check(self.func.store)?;
        let checks = &self.dynamic_checks;
        crate::interp::invoke(
            store,
            self.func.index,
            |s, vb, rb| {
                params.store_all(s, IndexedSlots { vi: vb, ri: rb })?;
                for (ri, cast, ty) in checks.iter() {
                    let r = s.stack().refs.get(rb + *ri).copied().unwrap_or(raw::NULL);
                    if !crate::interp::cast_ok(s, r, cast) {
                        return Err(Error::usage(format!(
                            "argument type mismatch: reference parameter {ri} does not match the declared type {}",
                            RefType::from_cref(s.engine(), *ty)
                        )));
                    }
                }
                Ok(())
            },
            |s, vb, rb| R::load_all(s, IndexedSlots { vi: vb, ri: rb }),
        )?
    }
}
