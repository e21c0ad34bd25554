//! Resumable calls: an outermost activation started by
//! `Func::call_resumable` that runs out of fuel, or whose host callee
//! returns an error, is *parked* instead of failing, and can be resumed
//! later (after refuelling, or with the host callee's results) exactly
//! where it stopped.
//!
//! Parking moves the activation's whole interpreter stack (value and
//! reference slots and caller frames) out of the store's working stack
//! into [`StoreInner::parked`], so other calls may use the store meanwhile;
//! the parked reference slots stay GC roots there. The activation stops at
//! the `ConsumeFuel` that failed, before charging anything, and resuming
//! re-executes it: the fuel a resumed call consumes is the same as if it
//! had had enough fuel from the start. After a failed host call it stops
//! at the instruction after the call, with the results to be supplied at
//! the callee's result slots.
//!
//! Only the outermost activation can park (no host frame sits on the
//! native stack between it and the host): a nested activation, or work
//! charged in proportion to an operand (bulk operations), traps with
//! `OutOfFuel` as usual; a host error in a nested activation or from a
//! host tail call (whose caller's frame is gone) fails the call.

use super::exn::Position;
use super::{Stack, exec};
use crate::error::{Error, Result, Trap};
use crate::index::StoreFunc;
use crate::runtime::{Store, StoreInner};

/// Where a parked activation stopped.
pub(crate) struct Suspension {
    /// The failed `ConsumeFuel` and its frame.
    pub(super) at: Position,
    /// Reference slots in use (all frames up to the current one's top).
    pub(super) live_refs: usize,
    /// Fuel the failed charge needs beyond what was left.
    pub(crate) required: u64,
    /// For a failed host call: the callee, and where its results go.
    pub(crate) host: Option<HostCall>,
}

/// A host call whose error parked the activation.
#[derive(Clone, Copy)]
pub(crate) struct HostCall {
    /// The host function.
    pub(crate) func: StoreFunc,
    /// Where its results go (absolute value and reference slots).
    pub(super) vbase: usize,
    pub(super) rbase: usize,
}

// SAFETY: the raw pointers in a `Position` point into modules that the
// store owning this suspension keeps alive; they are only dereferenced by
// that store's executor.
unsafe impl Send for Suspension {}
// SAFETY: as for `Send`; shared access never dereferences them.
unsafe impl Sync for Suspension {}

/// Held by the host's handle to a parked activation
/// ([`crate::ResumableInvocation`]) and by the parked activation: once the
/// handle is gone (the host dropped the call, or a resumption failed before
/// it ran), the store drops the activation and its references stop being
/// GC roots.
pub(crate) type ParkToken = std::sync::Arc<()>;

/// A parked activation: its interpreter stack and where it stopped.
pub(crate) struct Parked {
    pub(super) stack: Stack,
    pub(super) at: Suspension,
    token: ParkToken,
}

impl Parked {
    /// The live reference slots of the parked stack (GC roots), after
    /// clearing the dead ones above them that its frames may still cover
    /// (those within `max_ref_frame`; see `StoreRoots::trace`).
    pub(crate) fn roots_mut(&mut self, max_ref_frame: usize) -> &mut [u32] {
        let refs = &mut self.stack.refs[..];
        let live = self.at.live_refs.min(refs.len());
        let reach = live.saturating_add(max_ref_frame).min(refs.len());
        refs[live..reach].fill(crate::values::raw::NULL);
        &mut refs[..live]
    }
}

/// Called when a `ConsumeFuel` of `amount` fails at `at`: parks the
/// activation if it may (see the module docs; recorded in
/// `store.suspension` for `invoke`), else empties the tank. Either way the
/// executor then leaves with `OutOfFuel`.
#[cold]
#[inline(never)]
pub(super) fn out_of_fuel(store: &mut StoreInner, at: Position, amount: u32) -> Trap {
    let (left, amount) = (store.interrupts().fuel, u64::from(amount));
    if store.interrupts().resumable && store.activations().depth == 1 {
        store.activations_mut().suspension = Some(Suspension {
            at,
            live_refs: at.live_refs(),
            required: amount - left.min(amount),
            host: None,
        });
    } else {
        store.interrupts_mut().fuel = 0;
    }
    Trap::OutOfFuel
}

/// Called when a (non-tail) host call made by the current function at
/// `at` failed with an error of the host's own: parks the activation if it
/// may, to go on after the call. The executor then leaves with the error.
#[cold]
#[inline(never)]
pub(super) fn host_failed(store: &mut StoreInner, at: Position, call: HostCall) {
    if store.interrupts().resumable && store.activations().depth == 1 {
        store.activations_mut().suspension = Some(Suspension {
            at: Position {
                // The call is never a function's last instruction.
                ip: at.ip.wrapping_add(1),
                ..at
            },
            live_refs: at.live_refs(),
            required: 0,
            host: Some(call),
        });
    }
}

/// How a resumable activation ended.
pub(crate) enum Ended<R> {
    /// It returned these results.
    Finished(R),
    /// It was parked in slot `slot` of the store's parked activations
    /// (kept while `token` is held), needing `required` more fuel, or
    /// (`host`) after the host call that failed with `error`.
    Parked {
        slot: usize,
        token: ParkToken,
        required: u64,
        host: Option<(StoreFunc, Error)>,
    },
}

/// Resumes the activation parked in `slot`; `put` writes a failed host
/// call's results (at the slot bases it is given).
pub(crate) fn resume<T, R>(
    store: &mut Store<T>,
    slot: usize,
    put: impl FnOnce(&mut StoreInner, usize, usize) -> Result<()>,
    take: impl FnOnce(&mut StoreInner, usize, usize) -> R,
) -> Result<Ended<R>> {
    if store.inner.activations().depth > 0 {
        return Err(Error::usage(
            "a resumable call can only be resumed by the host, not from inside wasm",
        ));
    }
    let parked = store
        .inner
        .activations_mut()
        .parked
        .get_mut(slot)
        .and_then(Option::take)
        .ok_or_else(|| Error::usage("this call was already resumed"))?;
    *store.inner.stack_mut() = parked.stack;
    if let Some(h) = parked.at.host
        && let Err(e) = put(&mut store.inner, h.vbase, h.rbase)
    {
        // Wrong results: the call is abandoned (its handle was consumed),
        // and its stack dropped.
        drop(std::mem::take(store.inner.stack_mut()));
        return Err(e);
    }
    let at = parked.at.at;
    store.inner.activations_mut().depth = 1;
    store.inner.interrupts_mut().resumable = true;
    let result = exec::run(store, at.inst, at.def(), (at.vfp, at.rfp), Some(at));
    end_outermost(store, result, take)
}

/// Ends a resumable outermost activation (its frame at slots 0) that
/// returned `result`: parks it if it stopped for fuel or a host error, else
/// reads its results.
pub(super) fn end_outermost<T, R>(
    store: &mut Store<T>,
    result: Result<()>,
    take: impl FnOnce(&mut StoreInner, usize, usize) -> R,
) -> Result<Ended<R>> {
    store.inner.interrupts_mut().resumable = false;
    store.inner.activations_mut().depth = 0;
    if let Some(at) = store.inner.activations_mut().suspension.take() {
        let (required, host) = (at.required, at.host.map(|h| h.func));
        let host = match (host, result) {
            (Some(f), Err(e)) => Some((f, e)),
            _ => None,
        };
        let stack = std::mem::take(store.inner.stack_mut());
        let (slot, token) = store.inner.activations_mut().park(stack, at);
        return Ok(Ended::Parked {
            slot,
            token,
            required,
            host,
        });
    }
    store.inner.stack_mut().frames.clear();
    result.map(|()| Ended::Finished(take(&mut store.inner, 0, 0)))
}

/// A store's activations: how deeply wasm and host calls nest, and the
/// resumable activations that parked. Owned by the interpreter; the store
/// reads only the depth and the parked activations' GC roots.
#[derive(Default)]
pub(crate) struct Activations {
    /// Nested wasm activations (host -> wasm -> host -> wasm ...).
    pub(super) depth: usize,
    /// Set by the executor when the running resumable activation parks.
    pub(super) suspension: Option<Suspension>,
    /// Parked resumable activations (their references are GC roots).
    pub(super) parked: Vec<Option<Parked>>,
}

impl Activations {
    /// How many wasm activations are running (0: the host is not inside
    /// any call into wasm).
    #[inline(always)]
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The parked activations whose handles the host still holds (their
    /// live reference slots are GC roots); the others are dropped first.
    pub(crate) fn parked_mut(&mut self) -> &mut [Option<Parked>] {
        self.drop_abandoned();
        &mut self.parked
    }

    /// Drops the parked activations whose handle is gone.
    fn drop_abandoned(&mut self) {
        for p in &mut self.parked {
            if p.as_ref()
                .is_some_and(|p| std::sync::Arc::strong_count(&p.token) == 1)
            {
                *p = None;
            }
        }
        while matches!(self.parked.last(), Some(None)) {
            self.parked.pop();
        }
    }

    /// Keeps a parked activation (reusing a free slot); returns its slot
    /// and the token its handle holds.
    fn park(&mut self, stack: Stack, at: Suspension) -> (usize, ParkToken) {
        self.drop_abandoned();
        let token = ParkToken::default();
        let p = Some(Parked {
            stack,
            at,
            token: token.clone(),
        });
        let slot = match self.parked.iter().position(Option::is_none) {
            Some(i) => {
                self.parked[i] = p;
                i
            }
            None => {
                self.parked.push(p);
                self.parked.len() - 1
            }
        };
        (slot, token)
    }
}
