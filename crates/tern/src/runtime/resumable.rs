//! Resumable calls ([`Func::call_resumable`]): a call that runs out of
//! fuel, or whose host callee returns an error, hands back a
//! [`ResumableInvocation`] instead of failing, which goes on from where it
//! stopped once the store has fuel again (or with the host callee's
//! results). This allows cooperative time-slicing of many plugins on one
//! thread: give each a slice of fuel, and resume whichever is next; and
//! host functions that yield to the embedder (return an error, get their
//! results supplied later). (The mechanism is in `interp/resume.rs`.)

use super::Func;
use super::func::{read_slots, write_slots};
use super::store::{AsContextMut, Store, StoreId};
use crate::error::{Error, Result};
use crate::index::StoreFunc;
use crate::interp::{self, Ended, ParkToken};
use crate::registry::CVal;
use crate::values::Val;

/// How a resumable call (or its resumption) ended.
#[derive(Debug)]
#[must_use = "an unfinished call must be resumed to finish"]
pub enum ResumableCall {
    /// The function returned; its results are in the caller's slice.
    Finished,
    /// The store ran out of fuel: add fuel and resume.
    OutOfFuel(ResumableInvocation),
    /// A host function called by the wasm code returned an error
    /// ([`ResumableInvocation::host_error`]): resume with the results the
    /// host function should have returned
    /// ([`ResumableInvocation::resume_with`]), or drop the call.
    HostError(ResumableInvocation),
}

/// A call stopped for lack of fuel or by a host error, resumable with
/// [`ResumableInvocation::resume`]. Its state (stack and references) stays
/// in the store while this handle lives; dropping the handle abandons the
/// call, and the store frees its state (at its next collection or parked
/// call at the latest).
#[derive(Debug)]
pub struct ResumableInvocation {
    store: StoreId,
    slot: usize,
    /// Keeps the parked state in the store (see `interp::ParkToken`).
    _token: ParkToken,
    func: StoreFunc,
    required: u64,
    host: Option<(StoreFunc, Error)>,
}

impl ResumableInvocation {
    /// The fuel the call needs beyond what the store had to make its next
    /// step (a straight-line run of operators); resuming with less stops
    /// again at the same place.
    pub fn required_fuel(&self) -> u64 {
        self.required
    }

    /// For [`ResumableCall::HostError`]: the host function's error.
    pub fn host_error(&self) -> Option<&Error> {
        self.host.as_ref().map(|(_, e)| e)
    }

    /// For [`ResumableCall::HostError`]: the host function that failed.
    pub fn host_func(&self) -> Option<Func> {
        self.host.as_ref().map(|(f, _)| Func {
            store: self.store,
            index: *f,
        })
    }

    /// Goes on with the call; `results` receives its results when it
    /// finishes. Must be called by the host (not from a host function
    /// called by wasm). After a host error, this is
    /// [`ResumableInvocation::resume_with`] with no host results.
    pub fn resume<T>(
        self,
        store: impl AsContextMut<Data = T>,
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        self.resume_with(store, &[], results)
    }

    /// Goes on with a call stopped by a host error, as if the host
    /// function had returned `host_results` (checked against its result
    /// types). For a call stopped by fuel, `host_results` must be empty.
    /// An error before the call goes on (another store, results that do
    /// not fit) abandons the call, as dropping this handle does.
    pub fn resume_with<T>(
        self,
        mut store: impl AsContextMut<Data = T>,
        host_results: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let store = store.as_context_mut().0;
        store.inner.check(self.store)?;
        let host_tys = match &self.host {
            Some((f, _)) => result_types(store, *f, host_results.len())?,
            None if host_results.is_empty() => Vec::new(),
            None => return Err(Error::usage("a call stopped by fuel takes no host results")),
        };
        let rtys = result_types(store, self.func, results.len())?;
        let ended = interp::resume(
            store,
            self.slot,
            |s, vb, rb| write_slots(s, &host_tys, host_results, vb, rb),
            |s, vb, rb| read_slots(s, &rtys, vb, rb),
        )?;
        Ok(finish(store, ended, self.func, results))
    }
}

fn result_types<T>(store: &Store<T>, func: StoreFunc, space: usize) -> Result<Vec<CVal>> {
    let entry = store
        .inner
        .funcs()
        .get(func.index())
        .ok_or_else(|| Error::usage("invalid function handle"))?;
    let (_, rtys) = entry
        .ty
        .info()
        .as_func()
        .ok_or_else(|| Error::usage("not a function type"))?;
    if rtys.len() != space {
        return Err(Error::usage(format!(
            "expected {} results, got space for {space}",
            rtys.len()
        )));
    }
    Ok(rtys.to_vec())
}

fn finish<T>(
    store: &Store<T>,
    ended: Ended<Vec<Val>>,
    func: StoreFunc,
    results: &mut [Val],
) -> ResumableCall {
    match ended {
        Ended::Finished(out) => {
            for (dst, v) in results.iter_mut().zip(out) {
                *dst = v;
            }
            ResumableCall::Finished
        }
        Ended::Parked {
            slot,
            token,
            required,
            host,
        } => {
            let failed_host = host.is_some();
            let inv = ResumableInvocation {
                store: store.inner.id(),
                slot,
                _token: token,
                func,
                required,
                host,
            };
            if failed_host {
                ResumableCall::HostError(inv)
            } else {
                ResumableCall::OutOfFuel(inv)
            }
        }
    }
}

impl Func {
    /// Calls the function like [`Func::call`], except that running out of
    /// fuel returns [`ResumableCall::OutOfFuel`], and an error returned by
    /// a host function the wasm code calls returns
    /// [`ResumableCall::HostError`], each with a handle that resumes the
    /// call, instead of failing (fuel only with `Config::consume_fuel`).
    /// When called
    /// from inside a host function, when work proportional to an operand
    /// (a bulk operation) runs out of fuel, or when a host function
    /// reached by a tail call or by a nested activation fails, the call
    /// fails as [`Func::call`] does.
    pub fn call_resumable<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let store = store.as_context_mut().0;
        let ty = self.entry(&store.inner)?.ty.clone();
        let (ptys, _) = ty
            .info()
            .as_func()
            .ok_or_else(|| Error::usage("not a function type"))?;
        let rtys = result_types(store, self.index, results.len())?;
        let ended = interp::activate(
            store,
            self.index,
            |s, vb, rb| write_slots(s, ptys, params, vb, rb),
            |s, vb, rb| read_slots(s, &rtys, vb, rb),
            true,
        )?;
        Ok(finish(store, ended, self.index, results))
    }
}
