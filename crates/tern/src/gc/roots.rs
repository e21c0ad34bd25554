//! Host roots: the slots through which host handles (`AnyRef`,
//! `ExternRef`, ...) keep GC objects alive and follow them when the
//! collector moves them.
//!
//! A handle owns an `Arc<RootSlot>`; the heap keeps another clone in its
//! root set. Dropping the last handle needs no store: the collector sees a
//! strong count of one and forgets the slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// One rooted raw reference, updated by the collector.
#[derive(Debug)]
pub(crate) struct RootSlot {
    raw: AtomicU32,
}

impl RootSlot {
    pub(crate) fn get(&self) -> u32 {
        self.raw.load(Ordering::Relaxed)
    }
}

/// A rooted reference as held by a host handle: immediates (i31) need no
/// slot.
#[derive(Clone, Debug)]
pub(crate) enum GcRoot {
    /// A reference that cannot move (i31).
    Immediate(u32),
    /// A heap object, through a root slot.
    Slot(Arc<RootSlot>),
}

impl GcRoot {
    /// The current raw reference.
    pub(crate) fn raw(&self) -> u32 {
        match self {
            GcRoot::Immediate(r) => *r,
            GcRoot::Slot(s) => s.get(),
        }
    }
}

/// The heap's list of root slots.
#[derive(Default)]
pub(crate) struct RootSet {
    slots: Vec<Arc<RootSlot>>,
    /// Prune dropped slots when the list reaches this length.
    prune_at: usize,
}

impl RootSet {
    /// Roots `raw` (which must be a heap object reference).
    pub(crate) fn root(&mut self, raw: u32) -> GcRoot {
        if self.slots.len() >= self.prune_at {
            self.slots.retain(|s| Arc::strong_count(s) > 1);
            self.prune_at = (self.slots.len() * 2).max(64);
        }
        let slot = Arc::new(RootSlot {
            raw: AtomicU32::new(raw),
        });
        self.slots.push(slot.clone());
        GcRoot::Slot(slot)
    }

    /// Forwards every live root through `f`, forgetting dropped ones.
    pub(crate) fn for_each_live(&mut self, mut f: impl FnMut(u32) -> u32) {
        self.slots.retain(|s| Arc::strong_count(s) > 1);
        for s in &self.slots {
            let r = s.raw.load(Ordering::Relaxed);
            s.raw.store(f(r), Ordering::Relaxed);
        }
        self.prune_at = (self.slots.len() * 2).max(64);
    }
}
