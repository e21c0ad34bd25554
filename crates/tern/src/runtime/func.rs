//! Functions: [`Func`] handles, host functions ([`Func::new`],
//! [`Func::wrap`]), calls from the host, and [`Caller`].

use super::store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut, StoreId};
use super::typed::{IndexedSlots, RawSlots, TypedFunc, WasmParams, WasmResults};
use super::{Extern, Instance, StoreInner};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::index::{DefFunc, InstanceId, StoreFunc};
use crate::ir::CompiledFunc;
use crate::registry::{CVal, TypeId, TypeRef};
use crate::types::FuncType;
use crate::values::Val;
use crate::values::convert::{Raw, raw_to_val, val_to_raw};
use std::marker::PhantomData;
use std::sync::Arc;

/// The typed trampoline of a host function that cannot reach the store (a
/// [`Func::wrap`] closure without a [`Caller`]): calls closure `data`
/// with its parameters read from the value and reference slots at
/// `vals`/`refs` on, and writes its results there. It cannot re-enter
/// wasm, grow a memory or move the stacks (`store` only roots and
/// resolves reference arguments and results), so its callers refresh
/// nothing after it.
///
/// # Safety
/// `data` is the closure the trampoline was made for (see [`HostCallee`]),
/// and `vals`/`refs` are valid for reads and writes of the function's
/// parameter and result slots (as many as the larger of the two, per
/// stack).
pub(crate) type PureThunk = unsafe fn(
    data: *const (),
    store: &mut StoreInner,
    vals: *mut u64,
    refs: *mut u32,
) -> Result<()>;

/// The trampoline of a host function that takes a [`Caller`] (or works on
/// [`Val`]s): calls closure `data` with the `Store<T>` `store` and the
/// calling instance, its parameters in the store's stack at slot indices
/// `vbase`/`rbase` on, and writes its results there (the closure may
/// re-enter wasm, which may move the stacks: the results go to the same
/// slot indices).
///
/// # Safety
/// `data` is the closure the trampoline was made for, and `store` is a
/// `Store<T>` for the trampoline's `T`, not otherwise borrowed (see
/// [`HostCallee`]).
pub(crate) type CallerThunk = unsafe fn(
    data: *const (),
    store: *mut (),
    instance: Option<InstanceId>,
    vbase: usize,
    rbase: usize,
) -> Result<()>;

/// A pure host function's typed call (the body of its [`PureThunk`]),
/// for the function's threaded handler to inline.
pub(crate) trait PureCall {
    /// See [`PureThunk`].
    ///
    /// # Safety
    /// See [`PureThunk`].
    unsafe fn call(
        data: *const (),
        store: &mut StoreInner,
        vals: *mut u64,
        refs: *mut u32,
    ) -> Result<()>;
}

/// The [`PureCall`] of closure type `F` with parameters `P` (a tuple of
/// [`crate::WasmTy`]s) and results `R`.
pub(crate) struct PureFn<F, P, R>(PhantomData<fn(P) -> (F, R)>);

/// How the interpreter calls a host function.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HostThunk {
    /// A closure without a [`Caller`] (see [`PureThunk`]).
    Pure(PureThunk),
    /// A closure with a [`Caller`] (see [`CallerThunk`]).
    Caller(CallerThunk),
}

/// A host function as the interpreter calls it: its trampoline and the
/// closure the trampoline calls, cached in the function's store entry
/// (one indirect call, no lookup of the closure). Made only by
/// [`HostFunc`], whose store keeps the closure alive and is the only
/// store whose entries hold it; `Caller` trampolines are made for the
/// store's data type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostCallee {
    /// The closure (owned by the [`HostFunc`]s of the function).
    pub data: *const (),
    /// Its trampoline.
    pub thunk: HostThunk,
    /// For a pure function, its threaded handler (`thread::pure_handler`,
    /// the trampoline's body inlined into a handler).
    #[cfg(tern_threaded)]
    pub handler: Option<crate::interp::Handler>,
}

// SAFETY: `data` points to a closure that is `Send + Sync` (the bounds of
// `Func::wrap`, `Func::new` and the linker's definitions), only called
// through `thunk`.
unsafe impl Send for HostCallee {}
// SAFETY: as for `Send`.
unsafe impl Sync for HostCallee {}

/// A host function not yet bound to a store, or the store's hold on one:
/// the closure (shared by every store the function is defined in) and how
/// to call it, for stores with data type `T`.
///
/// Public only so that the sealed [`IntoFunc`] method can name it; not
/// reachable from outside the crate.
#[doc(hidden)]
pub struct HostFunc<T> {
    /// Keeps `callee.data` alive.
    _owner: Arc<dyn Send + Sync>,
    /// The trampoline and the closure.
    pub(crate) callee: HostCallee,
    _store: PhantomData<fn(&mut Store<T>)>,
}

impl<T> std::fmt::Debug for HostFunc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostFunc")
            .field("callee", &self.callee)
            .finish_non_exhaustive()
    }
}

impl<T> Clone for HostFunc<T> {
    fn clone(&self) -> Self {
        HostFunc {
            _owner: self._owner.clone(),
            callee: self.callee,
            _store: PhantomData,
        }
    }
}

impl<T> HostFunc<T> {
    /// The host function calling closure `data` through `thunk`, which
    /// must be a `Caller` trampoline made for `X` and stores of data type
    /// `T`.
    fn with_caller<X: Send + Sync + 'static>(data: X, thunk: CallerThunk) -> HostFunc<T> {
        HostFunc::new(data, |data| HostCallee {
            data,
            thunk: HostThunk::Caller(thunk),
            #[cfg(tern_threaded)]
            handler: None,
        })
    }

    /// The pure host function calling closure `data` through `Th`, which
    /// must be the [`PureCall`] of `X`.
    fn pure<X: Send + Sync + 'static, Th: PureCall>(data: X) -> HostFunc<T> {
        HostFunc::new(data, |data| HostCallee {
            data,
            thunk: HostThunk::Pure(Th::call),
            #[cfg(tern_threaded)]
            handler: Some(crate::interp::pure_handler::<Th>),
        })
    }

    /// The host function owning closure `data`, called as `callee` says
    /// given the closure's address.
    fn new<X: Send + Sync + 'static>(
        data: X,
        callee: impl FnOnce(*const ()) -> HostCallee,
    ) -> HostFunc<T> {
        let owner = Arc::new(data);
        let callee = callee(Arc::as_ptr(&owner).cast());
        HostFunc {
            _owner: owner,
            callee,
            _store: PhantomData,
        }
    }
}

/// What a store function is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FuncKind {
    /// Defined function `def` of instance `instance`, whose compiled code
    /// is `code`.
    Wasm {
        instance: InstanceId,
        def: DefFunc,
        code: CodePtr,
    },
    /// A host function (its closure is kept by the store's host function
    /// list).
    Host { callee: HostCallee },
}

/// The compiled code of a defined function, cached in its store entry so
/// that calls through tables, references and imports reach it in one load
/// instead of through the instance, its module and the module's code list.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CodePtr(std::ptr::NonNull<CompiledFunc>);

// SAFETY: a `CodePtr` points into the code of a module (`Arc<ModuleInner>`,
// immutable) that the instance owning the function keeps alive; instances
// live as long as their store, and a `CodePtr` is only used with its store.
unsafe impl Send for CodePtr {}
// SAFETY: as for `Send`; the code is never written through the pointer.
unsafe impl Sync for CodePtr {}

impl CodePtr {
    /// The pointer to `code`, which must be owned by a module that the
    /// store keeps alive for as long as the pointer is used.
    pub(crate) fn of(code: &CompiledFunc) -> CodePtr {
        CodePtr(std::ptr::NonNull::from(code))
    }

    /// The compiled code.
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *const CompiledFunc {
        self.0.as_ptr()
    }
}

/// A function in a store.
#[derive(Clone, Debug)]
pub(crate) struct FuncEntry {
    pub ty: TypeRef,
    pub kind: FuncKind,
    /// Value and reference slot counts of (params, results), precomputed
    /// for the call paths.
    pub slots: ((usize, usize), (usize, usize)),
    /// `ty.id()`, cached for signature checks.
    pub type_id: TypeId,
    /// For a wasm function, its type and instance as one value
    /// ([`FuncEntry::call_key`]); `u64::MAX` for a host function. The
    /// threaded `call_indirect` handler checks "a function of the current
    /// instance with exactly the expected type" with one comparison.
    #[cfg_attr(not(tern_threaded), allow(dead_code))]
    pub call_key: u64,
}

impl FuncEntry {
    pub(crate) fn new(ty: TypeRef, kind: FuncKind) -> FuncEntry {
        let slots = match ty.info().as_func() {
            Some((p, r)) => (slot_counts(p), slot_counts(r)),
            None => ((0, 0), (0, 0)),
        };
        let type_id = ty.id();
        let call_key = match kind {
            FuncKind::Wasm { instance, .. } => FuncEntry::call_key(type_id, instance),
            FuncKind::Host { .. } => u64::MAX,
        };
        FuncEntry {
            ty,
            kind,
            slots,
            type_id,
            call_key,
        }
    }

    /// The `call_key` of a wasm function of type `ty` in instance `inst`
    /// (never `u64::MAX`: instance indices are below `u32::MAX`).
    #[inline(always)]
    pub(crate) fn call_key(ty: TypeId, inst: InstanceId) -> u64 {
        (u64::from(ty.0) << 32) | u64::from(inst.0)
    }
}

/// A WebAssembly or host function in a [`Store`].
#[derive(Clone, Copy, Debug)]
pub struct Func {
    pub(crate) store: StoreId,
    pub(crate) index: StoreFunc,
}

/// The calling context of a host function: the store, and the instance
/// whose code made the call.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<InstanceId>,
}

impl<T> std::fmt::Debug for Caller<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("store", &*self.store)
            .finish_non_exhaustive()
    }
}

impl<T> Caller<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }
    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        self.store.engine()
    }
    /// An export of the calling instance (e.g. its memory), if any.
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let index = self.instance?;
        let instance = Instance {
            store: self.store.inner.id(),
            index,
        };
        instance.get_export(&mut *self.store, name)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}
impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

/// Splits a signature's types into value and reference slot counts.
pub(crate) fn slot_counts(tys: &[CVal]) -> (usize, usize) {
    tys.iter().fold((0, 0), |(v, r), t| match t {
        CVal::Ref(_) => (v, r + 1),
        CVal::V128 => (v + 2, r),
        _ => (v + 1, r),
    })
}

/// Reads values of types `tys` from the stack at slot bases `vb`/`rb`.
pub(crate) fn read_slots(store: &mut StoreInner, tys: &[CVal], vb: usize, rb: usize) -> Vec<Val> {
    let (mut vi, mut ri) = (vb, rb);
    tys.iter()
        .map(|t| {
            let val = |i: usize| store.stack().vals.get(i).copied().unwrap_or(0);
            let r = if matches!(t, CVal::Ref(_)) {
                ri += 1;
                Raw::R(store.stack().refs.get(ri - 1).copied().unwrap_or(0))
            } else if matches!(t, CVal::V128) {
                vi += 2;
                Raw::W(val(vi - 2) as u128 | (val(vi - 1) as u128) << 64)
            } else {
                vi += 1;
                Raw::V(store.stack().vals.get(vi - 1).copied().unwrap_or(0))
            };
            raw_to_val(store, r, *t)
        })
        .collect()
}

/// Writes `src` (checked against `tys`) to the stack at slot bases `vb`/`rb`.
pub(crate) fn write_slots(
    store: &mut StoreInner,
    tys: &[CVal],
    src: &[Val],
    vb: usize,
    rb: usize,
) -> Result<()> {
    if src.len() != tys.len() {
        return Err(Error::usage(format!(
            "expected {} values, got {}",
            tys.len(),
            src.len()
        )));
    }
    let (mut vi, mut ri) = (vb, rb);
    for (v, t) in src.iter().zip(tys) {
        match val_to_raw(store, v, *t)? {
            Raw::V(x) => {
                *store
                    .stack_mut()
                    .vals
                    .get_mut(vi)
                    .ok_or_else(|| Error::usage("too many values"))? = x;
                vi += 1;
            }
            Raw::W(x) => {
                let slots = store
                    .stack_mut()
                    .vals
                    .get_mut(vi..vi + 2)
                    .ok_or_else(|| Error::usage("too many values"))?;
                slots[0] = x as u64;
                slots[1] = (x >> 64) as u64;
                vi += 2;
            }
            Raw::R(x) => {
                *store
                    .stack_mut()
                    .refs
                    .get_mut(ri)
                    .ok_or_else(|| Error::usage("too many values"))? = x;
                ri += 1;
            }
        }
    }
    Ok(())
}

impl Func {
    pub(crate) fn entry<'s>(&self, store: &'s StoreInner) -> Result<&'s FuncEntry> {
        store.check(self.store)?;
        store
            .funcs()
            .get(self.index.index())
            .ok_or_else(|| Error::usage("invalid function handle"))
    }

    pub(crate) fn add_host<T>(store: &mut Store<T>, ty: TypeRef, f: HostFunc<T>) -> Result<Func> {
        let callee = f.callee;
        let func = Func::push_entry(
            &mut store.inner,
            FuncEntry::new(ty, FuncKind::Host { callee }),
        )?;
        store.host_funcs.push(f);
        Ok(func)
    }

    pub(crate) fn push_entry(store: &mut StoreInner, entry: FuncEntry) -> Result<Func> {
        if store.funcs().len() > crate::values::raw::MAX_INDEX as usize {
            return Err(Error::usage("too many functions in store"));
        }
        let index = StoreFunc(store.push_func_entry(entry)?);
        Ok(Func {
            store: store.id(),
            index,
        })
    }

    /// Creates a host function of type `ty` whose body works on [`Val`]s.
    /// Results are checked against `ty` after each call.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Func> {
        let store = store.as_context_mut().0;
        if !Engine::same(ty.engine(), store.engine()) {
            return Err(Error::usage("function type belongs to another engine"));
        }
        let tr = ty.type_ref().clone();
        let host = host_fn_from_vals(&tr, func)?;
        Func::add_host(store, tr, host)
    }

    /// Creates a host function from a Rust closure; its Wasm type follows
    /// from the closure's signature (see [`crate::WasmTy`]).
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let store = store.as_context_mut().0;
        let engine = store.engine().clone();
        let (ty, host) = func.into_func(&engine);
        // Registering a host signature cannot fail for Rust-typed closures;
        // `add_host` only fails past 2^30 functions, which `wrap` reports by
        // returning a handle that errors on use.
        Func::add_host(store, ty.type_ref().clone(), host).unwrap_or(Func {
            store: StoreId::invalid(),
            index: StoreFunc(0),
        })
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let store = &store.as_context().0.inner;
        match self.entry(store) {
            Ok(e) => FuncType::from_type_ref(store.engine(), e.ty.clone()),
            Err(_) => FuncType::new(store.engine(), [], []),
        }
    }

    /// Whether the function's type is a declared subtype of `ty`.
    /// A type of another engine never matches.
    pub fn matches_ty(&self, store: impl AsContext, ty: &FuncType) -> bool {
        let store = &store.as_context().0.inner;
        Engine::same(ty.engine(), store.engine())
            && self.entry(store).is_ok_and(|e| {
                e.ty.info()
                    .is_subtype_of(ty.type_ref().id(), ty.type_ref().info().depth())
            })
    }

    /// Calls the function with `params`, writing `results`. Argument types
    /// are checked against the function's declared types.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        let ty = self.entry(&store.inner)?.ty.clone();
        let (ptys, rtys) = ty
            .info()
            .as_func()
            .ok_or_else(|| Error::usage("not a function type"))?;
        if results.len() != rtys.len() {
            return Err(Error::usage(format!(
                "expected {} results, got space for {}",
                rtys.len(),
                results.len()
            )));
        }
        let out = crate::interp::invoke(
            store,
            self.index,
            |s, vb, rb| write_slots(s, ptys, params, vb, rb),
            |s, vb, rb| read_slots(s, rtys, vb, rb),
        )?;
        for (dst, v) in results.iter_mut().zip(out) {
            *dst = v;
        }
        Ok(())
    }

    /// A statically typed view of this function. Fails if `Params` is not
    /// acceptable for the declared parameters or the declared results are
    /// not subtypes of `Results` (see the crate docs on typed calls).
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>> {
        let store = &store.as_context().0.inner;
        let ty = self.entry(store)?.ty.clone();
        TypedFunc::new(store, *self, &ty)
    }
}

/// A [`Val`]-based host closure and its signature (see
/// [`host_fn_from_vals`]).
struct ValsHost<G> {
    ptys: Box<[CVal]>,
    rtys: Box<[CVal]>,
    func: G,
}

/// Builds the host function for a [`Val`]-based closure.
pub(crate) fn host_fn_from_vals<T: 'static, G>(ty: &TypeRef, func: G) -> Result<HostFunc<T>>
where
    G: Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
{
    let (ptys, rtys) = ty
        .info()
        .as_func()
        .ok_or_else(|| Error::usage("not a function type"))?;
    /// The [`CallerThunk`] of a `ValsHost<G>`: converts the parameters to
    /// [`Val`]s and the results back, checked against the signature.
    ///
    /// # Safety
    /// See [`CallerThunk`].
    unsafe fn thunk<T: 'static, G>(
        data: *const (),
        store: *mut (),
        instance: Option<InstanceId>,
        vb: usize,
        rb: usize,
    ) -> Result<()>
    where
        G: Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()>,
    {
        // SAFETY: `data` is a `ValsHost<G>` and `store` a `Store<T>`, not
        // otherwise borrowed (the trampoline's contract).
        let (h, store) = unsafe { (&*data.cast::<ValsHost<G>>(), &mut *store.cast::<Store<T>>()) };
        let params = read_slots(&mut store.inner, &h.ptys, vb, rb);
        let mut results = vec![Val::I32(0); h.rtys.len()];
        (h.func)(Caller { store, instance }, &params, &mut results)?;
        write_slots(&mut store.inner, &h.rtys, &results, vb, rb)
            .map_err(|e| Error::usage(format!("host function returned a wrong result: {e}")))
    }
    let host = ValsHost {
        ptys: ptys.into(),
        rtys: rtys.into(),
        func,
    };
    Ok(HostFunc::with_caller(host, thunk::<T, G>))
}

/// Closures usable with [`Func::wrap`] and [`crate::Linker::func_wrap`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self, engine: &Engine) -> (FuncType, HostFunc<T>);
}

macro_rules! impl_into_func {
    ($($p:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<T: 'static, F, R, $($p,)*> IntoFunc<T, ($($p,)*), R> for F
        where
            F: Fn($($p),*) -> R + Send + Sync + 'static,
            $($p: super::WasmTy,)*
            R: super::typed::WasmRet,
        {
            fn into_func(self, engine: &Engine) -> (FuncType, HostFunc<T>) {
                let params = vec![$(<$p as super::WasmTy>::valtype(),)*];
                let ty = FuncType::new(engine, params, R::valtypes());
                (ty, HostFunc::pure::<F, PureFn<F, ($($p,)*), R>>(self))
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, R, $($p,)*> PureCall for PureFn<F, ($($p,)*), R>
        where
            F: Fn($($p),*) -> R,
            $($p: super::WasmTy,)*
            R: super::typed::WasmRet,
        {
            /// Parameters straight from the slots, results straight back.
            #[inline]
            unsafe fn call(
                data: *const (),
                store: &mut StoreInner,
                vals: *mut u64,
                refs: *mut u32,
            ) -> Result<()> {
                // SAFETY: `data` is an `F`, and the slots are the
                // signature's (the trampoline's contract; the signature is
                // `F`'s).
                let (f, at) = unsafe { (&*data.cast::<F>(), RawSlots::new(vals, refs)) };
                let mut params = at;
                $(let $p = <$p as super::WasmTy>::load(store, &mut params)?;)*
                f($($p),*).store_ret(store, at)
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<T: 'static, F, R, $($p,)*> IntoFunc<T, (Caller<'static, T>, $($p,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($p),*) -> R + Send + Sync + 'static,
            $($p: super::WasmTy,)*
            R: super::typed::WasmRet,
        {
            fn into_func(self, engine: &Engine) -> (FuncType, HostFunc<T>) {
                /// The [`CallerThunk`] of closure type `F`.
                ///
                /// # Safety
                /// See [`CallerThunk`].
                unsafe fn thunk<T: 'static, F, R, $($p,)*>(
                    data: *const (),
                    store: *mut (),
                    instance: Option<InstanceId>,
                    vb: usize,
                    rb: usize,
                ) -> Result<()>
                where
                    F: Fn(Caller<'_, T>, $($p),*) -> R,
                    $($p: super::WasmTy,)*
                    R: super::typed::WasmRet,
                {
                    // SAFETY: `data` is an `F` and `store` a `Store<T>`,
                    // not otherwise borrowed (the trampoline's contract).
                    let (f, store) = unsafe { (&*data.cast::<F>(), &mut *store.cast::<Store<T>>()) };
                    let mut params = IndexedSlots { vi: vb, ri: rb };
                    $(let $p = <$p as super::WasmTy>::load(&mut store.inner, &mut params)?;)*
                    let r = f(Caller { store: &mut *store, instance }, $($p),*);
                    r.store_ret(&mut store.inner, IndexedSlots { vi: vb, ri: rb })
                }
                let params = vec![$(<$p as super::WasmTy>::valtype(),)*];
                let ty = FuncType::new(engine, params, R::valtypes());
                (ty, HostFunc::with_caller(self, thunk::<T, F, R, $($p,)*>))
            }
        }
    };
}

impl_into_func!();
impl_into_func!(A1);
impl_into_func!(A1 A2);
impl_into_func!(A1 A2 A3);
impl_into_func!(A1 A2 A3 A4);
impl_into_func!(A1 A2 A3 A4 A5);
impl_into_func!(A1 A2 A3 A4 A5 A6);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7);
impl_into_func!(A1 A2 A3 A4 A5 A6 A7 A8);
