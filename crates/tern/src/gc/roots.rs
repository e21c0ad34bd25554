//! Host roots: the slots through which host handles (`AnyRef`,
//! `ExternRef`, ...) keep GC objects alive and follow them when the
//! collector moves them.
//!
//! Two kinds of root:
//! - *Owned*: the handle owns an `Arc<RootSlot>`; the heap keeps another
//!   clone in its root set. Dropping the last handle needs no store: the
//!   collector sees a strong count of one and forgets the slot.
//! - *Scoped*: while a [`crate::RootScope`] is open, new handles are entries
//!   of a LIFO stack (no allocation per root) that the scope truncates when
//!   it ends. A scoped handle names its entry by index and a unique id, so a
//!   handle used after its scope ended is detected (an error, never another
//!   object).

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
    /// A heap object, through entry `index` of the LIFO stack while that
    /// entry is still the one created with `id`.
    Scoped { index: u32, id: u64 },
}

/// The heap's roots for host handles.
#[derive(Default)]
pub(crate) struct RootSet {
    slots: Vec<Arc<RootSlot>>,
    /// Prune dropped slots when the list reaches this length.
    prune_at: usize,
    /// Scoped roots: (raw reference, id of the handle's root).
    lifo: Vec<(u32, u64)>,
    /// The id of the next scoped root (ids are never reused).
    next_id: u64,
    /// The LIFO heights at which the open root scopes started, oldest
    /// first.
    scopes: Vec<usize>,
}

impl RootSet {
    /// Roots `raw` (which must be a heap object reference): a scoped root
    /// while a root scope is open, else an owned one.
    pub(crate) fn root(&mut self, raw: u32) -> GcRoot {
        if !self.scopes.is_empty()
            && let Ok(index) = u32::try_from(self.lifo.len())
        {
            let id = self.next_id;
            self.next_id += 1;
            self.lifo.push((raw, id));
            return GcRoot::Scoped { index, id };
        }
        self.root_owned(raw)
    }

    /// Roots `raw` (a heap object reference) for as long as the returned
    /// root (or a clone) lives, whatever scope is open.
    pub(crate) fn root_owned(&mut self, raw: u32) -> GcRoot {
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

    /// The current raw reference of `root`, or `None` for a scoped root
    /// whose scope has ended.
    pub(crate) fn raw(&self, root: &GcRoot) -> Option<u32> {
        match root {
            GcRoot::Immediate(r) => Some(*r),
            GcRoot::Slot(s) => Some(s.get()),
            GcRoot::Scoped { index, id } => self
                .lifo
                .get(*index as usize)
                .filter(|e| e.1 == *id)
                .map(|e| e.0),
        }
    }

    /// Opens a root scope; returns its depth (the number of scopes open
    /// around it), which closes it.
    pub(crate) fn enter_scope(&mut self) -> usize {
        self.scopes.push(self.lifo.len());
        self.scopes.len() - 1
    }

    /// Closes the root scope at `depth`, unrooting what it rooted, and any
    /// scope opened inside it that was never closed (a forgotten
    /// `RootScope`).
    pub(crate) fn exit_scope(&mut self, depth: usize) {
        if let Some(&height) = self.scopes.get(depth) {
            self.lifo.truncate(height);
            self.scopes.truncate(depth);
        }
    }

    /// Forwards every live root through `f`, forgetting dropped ones.
    pub(crate) fn for_each_live(&mut self, mut f: impl FnMut(u32) -> u32) {
        self.slots.retain(|s| Arc::strong_count(s) > 1);
        for s in &self.slots {
            let r = s.raw.load(Ordering::Relaxed);
            s.raw.store(f(r), Ordering::Relaxed);
        }
        for e in &mut self.lifo {
            e.0 = f(e.0);
        }
        self.prune_at = (self.slots.len() * 2).max(64);
    }
}
