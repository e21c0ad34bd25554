//! Resumable calls ([`Func::call_resumable`]): a call that runs out of
//! fuel hands back a [`ResumableInvocation`] instead of trapping, which
//! goes on from where it stopped once the store has fuel again. This
//! allows cooperative time-slicing of many plugins on one thread: give
//! each a slice of fuel, and resume whichever is next. (The mechanism is
//! in `interp/resume.rs`.)

use super::Func;
use super::func::{read_slots, write_slots};
use super::store::{AsContextMut, Store, StoreId};
use crate::error::{Error, Result};
use crate::index::StoreFunc;
use crate::interp::{self, Ended};
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
}

/// A call stopped for lack of fuel, resumable with
/// [`ResumableInvocation::resume`]. Its state (stack and references) stays
/// in the store until it is resumed to the end.
#[derive(Debug)]
pub struct ResumableInvocation {
    store: StoreId,
    slot: usize,
    func: StoreFunc,
    required: u64,
}

impl ResumableInvocation {
    /// The fuel the call needs beyond what the store had to make its next
    /// step (a straight-line run of operators); resuming with less stops
    /// again at the same place.
    pub fn required_fuel(&self) -> u64 {
        self.required
    }

    /// Goes on with the call; `results` receives its results when it
    /// finishes. Must be called by the host (not from a host function
    /// called by wasm).
    pub fn resume<T>(
        self,
        mut store: impl AsContextMut<Data = T>,
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let store = store.as_context_mut().0;
        store.inner.check(self.store)?;
        let rtys = result_types(store, self.func, results.len())?;
        let ended = interp::resume(store, self.slot, |s, vb, rb| read_slots(s, &rtys, vb, rb))?;
        Ok(finish(store, ended, self.func, results))
    }
}

fn result_types<T>(store: &Store<T>, func: StoreFunc, space: usize) -> Result<Vec<CVal>> {
    let entry = store
        .inner
        .funcs
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
        Ended::Parked { slot, required } => ResumableCall::OutOfFuel(ResumableInvocation {
            store: store.inner.id,
            slot,
            func,
            required,
        }),
    }
}

impl Func {
    /// Calls the function like [`Func::call`], except that running out of
    /// fuel returns [`ResumableCall::OutOfFuel`] with a handle that resumes
    /// the call, instead of a trap. Needs `Config::consume_fuel`; when
    /// called from inside a host function, or when work proportional to an
    /// operand (a bulk operation) runs out of fuel, the call traps as usual.
    pub fn call_resumable<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let store = store.as_context_mut().0;
        if !store.inner.engine.config().consume_fuel {
            return Err(Error::usage(
                "resumable calls need fuel (Config::consume_fuel)",
            ));
        }
        let ty = self.entry(&store.inner)?.ty.clone();
        let (ptys, _) = ty
            .info()
            .as_func()
            .ok_or_else(|| Error::usage("not a function type"))?;
        let rtys = result_types(store, self.index, results.len())?;
        let ended = interp::invoke_resumable(
            store,
            self.index,
            |s, vb, rb| write_slots(s, ptys, params, vb, rb),
            |s, vb, rb| read_slots(s, &rtys, vb, rb),
        )?;
        Ok(finish(store, ended, self.index, results))
    }
}
