//! Stopping wasm from the store's side: the fuel tank and the epoch
//! deadline (see `Config::consume_fuel` and `Config::epoch_interruption`).
//!
//! The translator compiles the checks into functions only when the engine
//! enables them (`translate/fuel.rs`); the executor's `ConsumeFuel`,
//! `CheckEpoch` arms come here, and so do the runtime's charges for work
//! proportional to an operand ([`StoreInner::charge_fuel`]).

use super::{Store, StoreContextMut, StoreInner};
use crate::error::{Error, Result, Trap};

/// What wasm does when the store's epoch deadline is reached, as decided
/// by the callback of [`Store::epoch_deadline_callback`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateDeadline {
    /// Go on, with the deadline this many ticks after the current epoch.
    Continue(u64),
    /// Stop with [`Trap::Interrupt`].
    Interrupt,
}

/// The epoch deadline callback of a store.
pub(crate) type EpochCallback<T> =
    Box<dyn FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync>;

/// A store's fuel and epoch deadline.
#[derive(Debug, Default)]
pub(crate) struct Interrupts {
    /// Whether the engine meters fuel (`Config::consume_fuel`).
    pub(crate) metered: bool,
    /// Whether the outermost activation may park when out of fuel (a
    /// resumable call is running; see `interp/resume.rs`).
    pub(crate) resumable: bool,
    /// Fuel left (meaningful only with `Config::consume_fuel`).
    pub(crate) fuel: u64,
    /// The epoch at which wasm is interrupted.
    pub(crate) epoch_deadline: u64,
    /// Whether reaching the deadline traps (epochs on, no callback): then
    /// large bulk operations check it between pieces too.
    pub(crate) epoch_traps: bool,
}

impl Interrupts {
    /// Takes `amount` fuel; if there is not that much, fails and leaves
    /// the tank as it is (the caller decides: trap, or park a resumable
    /// call).
    #[inline(always)]
    pub(crate) fn consume(&mut self, amount: u64) -> Result<(), Trap> {
        match self.fuel.checked_sub(amount) {
            Some(left) => {
                self.fuel = left;
                Ok(())
            }
            None => Err(Trap::OutOfFuel),
        }
    }
}

impl StoreInner {
    /// Charges `n` units for work proportional to an operand (bytes,
    /// elements or pages), if the engine meters fuel. Called after the
    /// operation's bounds checks and before its work.
    #[inline]
    pub(crate) fn charge_fuel(&mut self, n: u64) -> Result<(), Trap> {
        if self.interrupts().metered {
            self.interrupts_mut()
                .consume(n)
                .inspect_err(|_| self.interrupts_mut().fuel = 0)
        } else {
            Ok(())
        }
    }
}

/// Called by the executor when the engine's epoch has reached the store's
/// deadline: runs the store's callback (or traps without one).
#[cold]
#[inline(never)]
pub(crate) fn epoch_deadline_reached<T>(store: &mut Store<T>) -> Result<()> {
    let Some(mut callback) = store.epoch_callback.take() else {
        return Err(Error::trap(Trap::Interrupt, Vec::new()));
    };
    let decision = callback(StoreContextMut(store));
    // The callback may have installed a new callback: keep that one.
    if store.epoch_callback.is_none() {
        store.epoch_callback = Some(callback);
    }
    match decision? {
        UpdateDeadline::Continue(ticks) => {
            store.set_epoch_deadline(ticks);
            Ok(())
        }
        UpdateDeadline::Interrupt => Err(Error::trap(Trap::Interrupt, Vec::new())),
    }
}

impl<T> Store<T> {
    fn fuel_check(&self) -> Result<()> {
        if self.inner.engine().config().consume_fuel {
            Ok(())
        } else {
            Err(Error::usage("fuel is not configured in this store"))
        }
    }

    /// Sets the fuel left for wasm in this store. Fails unless the engine
    /// was configured with [`Config::consume_fuel`](crate::Config::consume_fuel).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.fuel_check()?;
        self.inner.interrupts_mut().fuel = fuel;
        Ok(())
    }

    /// The fuel left. Fails unless the engine was configured with
    /// [`Config::consume_fuel`](crate::Config::consume_fuel).
    pub fn get_fuel(&self) -> Result<u64> {
        self.fuel_check()?;
        Ok(self.inner.interrupts().fuel)
    }

    /// Sets the epoch deadline to `ticks_beyond_current` ticks after the
    /// engine's current epoch (see
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption)).
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        let now = self.inner.engine().current_epoch();
        self.inner.interrupts_mut().epoch_deadline = now.saturating_add(ticks_beyond_current);
    }

    /// Reaching the epoch deadline traps with [`Trap::Interrupt`] (the
    /// default): removes any callback.
    pub fn epoch_deadline_trap(&mut self) {
        self.epoch_callback = None;
        self.inner.interrupts_mut().epoch_traps = self.inner.engine().config().epoch_interruption;
    }

    /// Reaching the epoch deadline calls `callback`, which decides whether
    /// wasm goes on (with a new deadline) or stops; an `Err` from it ends
    /// the call with that error.
    pub fn epoch_deadline_callback(
        &mut self,
        callback: impl FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.epoch_callback = Some(Box::new(callback));
        self.inner.interrupts_mut().epoch_traps = false;
    }
}

impl<T> StoreContextMut<'_, T> {
    /// See [`Store::set_fuel`].
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.0.set_fuel(fuel)
    }

    /// See [`Store::get_fuel`].
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.get_fuel()
    }

    /// See [`Store::set_epoch_deadline`].
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.0.set_epoch_deadline(ticks_beyond_current)
    }
}
