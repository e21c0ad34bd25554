//! The engine-wide type registry: canonicalizes rec groups (iso-recursively)
//! across modules and host-created types, gives each canonical type an
//! engine-wide id, keeps it alive exactly as long as something refers to it,
//! and answers subtype questions in O(1) without a lock.
//!
//! Lifetime model: a registered rec group is an `Arc<RegisteredGroup>`. The
//! registry only keeps `Weak` pointers, so the group's strong count *is* its
//! reference count. A group holds strong references to the groups its types
//! mention (fields, params, results, supertypes); dropping is iterative (see
//! `Drop for RegisteredGroup`).
//!
//! Data structures (all behind one `Mutex`, touched only when registering,
//! dropping, or looking a type up by id on a cold path):
//! - `map`: rec group *key* -> `Weak` of the live group with that key. A key
//!   is the group's sub types with in-group references written
//!   `CHeap::RecRel(i)` and outside references as canonical ids, so two
//!   structurally equal groups have equal keys (iso-recursive equivalence).
//! - `slab`: id -> (`Weak` group, index in group), for lookups by id.
//! - `ids`: a first-fit allocator of contiguous id ranges with coalescing,
//!   so freed ids are reused and an empty registry has no ids in use.
//!
//! Invariants: every live group has exactly one map entry and one slab entry
//! per type (possibly shadowed by a newer group with the same key while the
//! old one is being dropped: the resurrection race); a group recognizes its
//! own map entry by a per-registration serial number (not by address: the
//! iterative release moves groups out of their `Arc`); the ids of a group
//! are freed in the same critical section that removes its entries; no
//! `RegisteredGroup` is ever dropped while the lock is held (`Drop` locks).
//! Everything the interpreter reads (`TypeInfo`: chain, finality, composite)
//! is immutable and reached through an `Arc` it already holds: no lock.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

mod alloc;
mod matching;
#[cfg(test)]
mod tests;
mod wasm;

pub(crate) use matching::{HeapEnv, Kind, composite_matches};
pub(crate) use wasm::{cref_from_wasm, cval_from_wasm};

use crate::{Error, Result};

/// An engine-wide canonical type id. The ids of one rec group are contiguous.
pub(crate) use crate::index::TypeId;

/// The abstract heap types of Wasm 3.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum AbsHeap {
    Func,
    NoFunc,
    Extern,
    NoExtern,
    Any,
    Eq,
    I31,
    Struct,
    Array,
    None,
    Exn,
    NoExn,
}

/// A heap type in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CHeap {
    Abs(AbsHeap),
    /// A registered type, by engine-wide id.
    Concrete(TypeId),
    /// Only inside a rec group key: the i-th type of the group being keyed.
    RecRel(u32),
}

/// A reference type in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CRef {
    pub nullable: bool,
    pub heap: CHeap,
}

/// A value type in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CVal {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref(CRef),
}

/// A storage type in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CStorage {
    I8,
    I16,
    Val(CVal),
}

/// A field type in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CField {
    pub mutable: bool,
    pub storage: CStorage,
}

/// A composite type in canonical form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CComposite {
    Func {
        params: Box<[CVal]>,
        results: Box<[CVal]>,
    },
    Struct {
        fields: Box<[CField]>,
    },
    Array {
        field: CField,
    },
}

/// Everything known about one canonical type. Immutable once registered and
/// reachable without the registry lock through the `Arc<RegisteredGroup>`
/// that anything using the type holds.
#[derive(Debug)]
pub(crate) struct TypeInfo {
    /// This type's engine-wide id.
    pub id: TypeId,
    /// `true` for `(sub final ...)` (and the shorthand without `sub`).
    pub is_final: bool,
    /// Declared supertype chain, root first, ending with `id` itself;
    /// `chain.len() - 1` is the subtyping depth (at most 63).
    pub chain: Box<[TypeId]>,
    /// The composite type, with all references canonical (`CHeap::Concrete`).
    pub composite: CComposite,
}

impl TypeInfo {
    /// Subtyping depth: 0 for a type without a declared supertype.
    #[inline]
    pub(crate) fn depth(&self) -> usize {
        self.chain.len() - 1
    }

    /// `self <: sup` by declared subtyping: one bounds-checked comparison.
    #[inline]
    pub(crate) fn is_subtype_of(&self, sup_id: TypeId, sup_depth: usize) -> bool {
        self.chain.get(sup_depth) == Some(&sup_id)
    }

    /// The function signature, if this is a function type.
    pub(crate) fn as_func(&self) -> Option<(&[CVal], &[CVal])> {
        match &self.composite {
            CComposite::Func { params, results } => Some((params, results)),
            _ => None,
        }
    }
}

/// One sub type in *key* form: in-group references are `CHeap::RecRel(i)`,
/// outside references are `CHeap::Concrete(id)`. A rec group key is a slice
/// of these; equal keys mean the same canonical rec group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeySub {
    pub is_final: bool,
    pub supertype: Option<CHeap>,
    pub composite: CComposite,
}

/// A rec group key (shared by the map and the group itself).
pub(crate) type GroupKey = Arc<[KeySub]>;

/// A registered rec group. Holding an `Arc` to it keeps its types alive.
pub(crate) struct RegisteredGroup {
    /// The id of the group's first type; the group spans `start..start+types.len()`.
    pub start: TypeId,
    /// The group's types, in order.
    pub types: Box<[TypeInfo]>,
    /// Groups referenced by this one (other than itself); keeps them alive.
    pub(crate) deps: Vec<Arc<RegisteredGroup>>,
    /// Back pointer used by `Drop` to unregister.
    pub(crate) registry: Arc<RegistryShared>,
    /// This group's key in the registry map.
    key: GroupKey,
    /// Unique per registration: identifies this group's map entry in `Drop`
    /// (ids cannot, for empty groups; pointers cannot, after `Arc::into_inner`).
    serial: u64,
}

impl fmt::Debug for RegisteredGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Deps are printed by id only: printing them fully would recurse
        // through the whole DAG.
        let deps: Vec<TypeId> = self.deps.iter().map(|d| d.start).collect();
        f.debug_struct("RegisteredGroup")
            .field("start", &self.start)
            .field("types", &self.types)
            .field("deps", &deps)
            .finish_non_exhaustive()
    }
}

impl RegisteredGroup {
    /// Number of types in the group.
    #[inline]
    pub(crate) fn len(&self) -> u32 {
        self.types.len() as u32
    }

    /// Whether `id` is one of this group's ids.
    #[inline]
    pub(crate) fn contains(&self, id: TypeId) -> bool {
        id >= self.start && id.since(self.start) < self.len()
    }

    /// The info of type `id` if it belongs to this group.
    #[inline]
    pub(crate) fn info_of(&self, id: TypeId) -> Option<&TypeInfo> {
        if self.contains(id) {
            self.types.get(id.since(self.start) as usize)
        } else {
            None
        }
    }

    /// Resolves a type id mentioned by this group (one of its own types or
    /// a type of a group it depends on) without taking the registry lock.
    pub(crate) fn resolve(self: &Arc<Self>, id: TypeId) -> Option<TypeRef> {
        if self.contains(id) {
            return Some(TypeRef {
                group: self.clone(),
                index: id.since(self.start),
            });
        }
        self.deps.iter().find(|d| d.contains(id)).map(|d| TypeRef {
            group: d.clone(),
            index: id.since(d.start),
        })
    }
}

impl Drop for RegisteredGroup {
    fn drop(&mut self) {
        let n = self.len();
        {
            let mut st = self.registry.lock();
            // Remove the map entry only if it is ours: a concurrent
            // registration of the same key may have replaced our (dead)
            // entry with a fresh group already.
            if st
                .map
                .get(&self.key)
                .is_some_and(|e| e.serial == self.serial)
            {
                st.map.remove(&self.key);
            }
            for id in self.start.0..self.start.0.saturating_add(n) {
                if let Some(slot) = st.slab.get_mut(id as usize) {
                    *slot = None;
                }
            }
            st.ids.free(self.start.0, n);
            let high = st.ids.high_water() as usize;
            if st.slab.len() > high {
                st.slab.truncate(high);
                if st.slab.capacity() > 2 * high + 64 {
                    st.slab.shrink_to(high);
                }
            }
            st.live_types = st.live_types.saturating_sub(n as usize);
            if st.map.is_empty() && st.map.capacity() > 64 {
                st.map.shrink_to_fit();
            }
        }
        // Release dependencies iteratively: a group whose last strong
        // reference we hold is taken apart here, its own deps moved onto the
        // worklist, so its `Drop` finds no deps and never recurses.
        let mut work = std::mem::take(&mut self.deps);
        while let Some(dep) = work.pop() {
            if let Some(mut group) = Arc::into_inner(dep) {
                work.append(&mut group.deps);
                drop(group);
            }
        }
    }
}

/// A type within a registered group: what modules, functions, objects hold.
#[derive(Clone, Debug)]
pub(crate) struct TypeRef {
    pub group: Arc<RegisteredGroup>,
    pub index: u32,
}

impl TypeRef {
    /// The type's info (no lock).
    #[inline]
    pub(crate) fn info(&self) -> &TypeInfo {
        &self.group.types[self.index as usize]
    }
    /// The type's engine-wide id.
    #[inline]
    pub(crate) fn id(&self) -> TypeId {
        self.group.start.offset(self.index)
    }
    /// `self <: sup` by declared subtyping (no lock, no allocation).
    /// Only meaningful for types of the same registry.
    #[inline]
    pub(crate) fn is_subtype_of(&self, sup: &TypeRef) -> bool {
        self.info().is_subtype_of(sup.id(), sup.info().depth())
    }
    /// The kind (func, struct or array) of this type.
    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        self.info().composite.kind()
    }
    /// The declared supertype, if any (no lock).
    pub(crate) fn supertype(&self) -> Option<TypeRef> {
        let chain = &self.info().chain;
        let n = chain.len();
        if n < 2 {
            return None;
        }
        self.group.resolve(chain[n - 2])
    }
    /// Resolves a type id mentioned in this type's definition (no lock).
    pub(crate) fn resolve(&self, id: TypeId) -> Option<TypeRef> {
        self.group.resolve(id)
    }
}

/// A slab entry: which group holds an id, and at which index.
#[derive(Debug)]
struct SlabEntry {
    group: Weak<RegisteredGroup>,
    index: u32,
}

/// A map entry: the group registered under a key.
#[derive(Debug)]
struct MapEntry {
    group: Weak<RegisteredGroup>,
    serial: u64,
}

#[derive(Debug, Default)]
struct State {
    map: HashMap<GroupKey, MapEntry>,
    slab: Vec<Option<SlabEntry>>,
    ids: alloc::IdAllocator,
    live_types: usize,
    next_serial: u64,
}

/// State shared by the registry and every registered group.
#[derive(Default)]
pub(crate) struct RegistryShared {
    state: Mutex<State>,
}

impl fmt::Debug for RegistryShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryShared").finish_non_exhaustive()
    }
}

impl RegistryShared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The maximum subtyping depth (length of a supertype chain minus one).
pub(crate) const MAX_SUBTYPING_DEPTH: usize = 63;

/// The engine-wide registry of canonical types.
pub(crate) struct TypeRegistry {
    shared: Arc<RegistryShared>,
}

impl Default for TypeRegistry {
    fn default() -> Self {
        TypeRegistry::new()
    }
}

impl fmt::Debug for TypeRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypeRegistry")
            .field("registered_types", &self.registered_types())
            .finish()
    }
}

impl TypeRegistry {
    /// An empty registry.
    pub(crate) fn new() -> TypeRegistry {
        TypeRegistry {
            shared: Arc::new(RegistryShared::default()),
        }
    }

    /// Number of canonical types registered right now.
    pub(crate) fn registered_types(&self) -> usize {
        self.shared.lock().live_types
    }

    /// Looks a type up by id (locks; for cold paths). `None` if no live type
    /// has this id.
    pub(crate) fn type_ref(&self, id: TypeId) -> Option<TypeRef> {
        let found = {
            let st = self.shared.lock();
            st.slab
                .get(id.index())
                .and_then(|e| e.as_ref())
                .and_then(|e| e.group.upgrade().map(|g| (g, e.index)))
        };
        // The upgraded Arc is released (if ever) outside the lock.
        found.map(|(group, index)| TypeRef { group, index })
    }

    /// Registers a rec group given in key form, or returns the live group
    /// with the same key. `deps` must hold every group the key mentions by
    /// `CHeap::Concrete` (duplicates allowed); the caller keeps them alive.
    ///
    /// Checks supertypes (kind, finality, earlier in-group position) and the
    /// depth limit, so a malformed key is an `Err`; field/param matching
    /// against the supertype is the caller's job (the validator for modules,
    /// `types::builder` for host types). On `Err` nothing has changed.
    pub(crate) fn register(
        &self,
        subs: Vec<KeySub>,
        deps: Vec<Arc<RegisteredGroup>>,
    ) -> Result<Arc<RegisteredGroup>> {
        let deps = dedup_groups(deps);
        let n = u32::try_from(subs.len())
            .map_err(|_| Error::unsupported("rec group has too many types"))?;
        let find = |id: TypeId| -> Result<&TypeInfo> {
            deps.iter().find_map(|d| d.info_of(id)).ok_or_else(|| {
                Error::usage(format!("type id {id} is not a dependency of the rec group"))
            })
        };
        // Validate everything before touching the registry.
        let mut depths: Vec<usize> = Vec::with_capacity(subs.len());
        for (i, sub) in subs.iter().enumerate() {
            check_refs(&sub.composite, n, &find)?;
            let depth = match sub.supertype {
                None => 0,
                Some(CHeap::RecRel(j)) => {
                    let j = j as usize;
                    if j >= i {
                        return Err(Error::invalid(format!(
                            "supertype of rec group type {i} must be an earlier type of the group"
                        )));
                    }
                    let sup = &subs[j];
                    if sup.is_final {
                        return Err(Error::invalid("sub type of a final type"));
                    }
                    if sup.composite.kind() != sub.composite.kind() {
                        return Err(Error::invalid("sub type of a different kind of type"));
                    }
                    depths[j] + 1
                }
                Some(CHeap::Concrete(id)) => {
                    let sup = find(id)?;
                    if sup.is_final {
                        return Err(Error::invalid("sub type of a final type"));
                    }
                    if sup.composite.kind() != sub.composite.kind() {
                        return Err(Error::invalid("sub type of a different kind of type"));
                    }
                    sup.depth() + 1
                }
                Some(CHeap::Abs(_)) => {
                    return Err(Error::invalid("supertype must be a defined type"));
                }
            };
            if depth > MAX_SUBTYPING_DEPTH {
                return Err(Error::invalid(format!(
                    "sub type hierarchy too deep: depth {depth} exceeds the limit of {MAX_SUBTYPING_DEPTH}"
                )));
            }
            depths.push(depth);
        }
        let key: GroupKey = subs.into();

        let mut st = self.shared.lock();
        if let Some(group) = st.map.get(&key).and_then(|e| e.group.upgrade()) {
            drop(st);
            return Ok(group);
        }
        // No entry, or a dead one: that group is being dropped right now
        // (the resurrection race). Register a fresh group with fresh ids;
        // it takes over the key.
        let start = st
            .ids
            .alloc(n)
            .map(TypeId)
            .ok_or_else(|| Error::unsupported("too many types registered in the engine"))?;
        let mut types: Vec<TypeInfo> = Vec::with_capacity(key.len());
        for (i, sub) in key.iter().enumerate() {
            let id = start.offset(i as u32);
            let mut chain: Vec<TypeId> = Vec::with_capacity(depths[i] + 1);
            match sub.supertype {
                Some(CHeap::RecRel(j)) => chain.extend_from_slice(&types[j as usize].chain),
                Some(CHeap::Concrete(sid)) => {
                    if let Ok(info) = find(sid) {
                        chain.extend_from_slice(&info.chain);
                    }
                }
                _ => {}
            }
            chain.push(id);
            types.push(TypeInfo {
                id,
                is_final: sub.is_final,
                chain: chain.into_boxed_slice(),
                composite: sub.composite.map_heaps(|h| match h {
                    CHeap::RecRel(r) => CHeap::Concrete(start.offset(r)),
                    other => other,
                }),
            });
        }
        let serial = st.next_serial;
        st.next_serial += 1;
        let group = Arc::new(RegisteredGroup {
            start,
            types: types.into_boxed_slice(),
            deps,
            registry: self.shared.clone(),
            key: key.clone(),
            serial,
        });
        let end = start.offset(n).index();
        if st.slab.len() < end {
            st.slab.resize_with(end, || None);
        }
        for index in 0..n {
            st.slab[start.offset(index).index()] = Some(SlabEntry {
                group: Arc::downgrade(&group),
                index,
            });
        }
        // Replacing a dead entry drops only a `Weak`: no group is dropped
        // under the lock.
        st.map.insert(
            key,
            MapEntry {
                group: Arc::downgrade(&group),
                serial,
            },
        );
        st.live_types += n as usize;
        drop(st);
        Ok(group)
    }
}

/// Removes duplicate groups (by identity), keeping the first of each.
pub(crate) fn dedup_groups(mut groups: Vec<Arc<RegisteredGroup>>) -> Vec<Arc<RegisteredGroup>> {
    groups.sort_by_key(|g| Arc::as_ptr(g) as usize);
    groups.dedup_by(|a, b| Arc::ptr_eq(a, b));
    groups
}

/// Every reference in `c` must be in-group (`RecRel(i)`, `i < n`) or a
/// dependency's type.
fn check_refs<'a>(
    c: &CComposite,
    n: u32,
    find: &impl Fn(TypeId) -> Result<&'a TypeInfo>,
) -> Result<()> {
    let mut result = Ok(());
    c.for_each_heap(|h| {
        if result.is_err() {
            return;
        }
        match h {
            CHeap::RecRel(i) if i >= n => {
                result = Err(Error::invalid(format!(
                    "rec group type index {i} out of range"
                )));
            }
            CHeap::Concrete(id) => {
                if let Err(e) = find(id) {
                    result = Err(e);
                }
            }
            _ => {}
        }
    });
    result
}

impl CVal {
    /// Applies `f` to the heap type of a reference type.
    pub(crate) fn map_heap(self, f: &mut impl FnMut(CHeap) -> CHeap) -> CVal {
        match self {
            CVal::Ref(r) => CVal::Ref(CRef {
                nullable: r.nullable,
                heap: f(r.heap),
            }),
            other => other,
        }
    }
}

impl CField {
    fn map_heap(self, f: &mut impl FnMut(CHeap) -> CHeap) -> CField {
        CField {
            mutable: self.mutable,
            storage: match self.storage {
                CStorage::Val(v) => CStorage::Val(v.map_heap(f)),
                other => other,
            },
        }
    }
    fn heap(&self) -> Option<CHeap> {
        match self.storage {
            CStorage::Val(CVal::Ref(r)) => Some(r.heap),
            _ => None,
        }
    }
}

impl CComposite {
    /// A copy with every heap type mapped through `f`.
    pub(crate) fn map_heaps(&self, mut f: impl FnMut(CHeap) -> CHeap) -> CComposite {
        match self {
            CComposite::Func { params, results } => CComposite::Func {
                params: params.iter().map(|v| v.map_heap(&mut f)).collect(),
                results: results.iter().map(|v| v.map_heap(&mut f)).collect(),
            },
            CComposite::Struct { fields } => CComposite::Struct {
                fields: fields.iter().map(|x| x.map_heap(&mut f)).collect(),
            },
            CComposite::Array { field } => CComposite::Array {
                field: field.map_heap(&mut f),
            },
        }
    }

    /// Calls `f` on every heap type mentioned.
    pub(crate) fn for_each_heap(&self, mut f: impl FnMut(CHeap)) {
        let val_heap = |v: &CVal| match v {
            CVal::Ref(r) => Some(r.heap),
            _ => None,
        };
        match self {
            CComposite::Func { params, results } => params
                .iter()
                .chain(results.iter())
                .filter_map(val_heap)
                .for_each(&mut f),
            CComposite::Struct { fields } => {
                fields.iter().filter_map(CField::heap).for_each(&mut f)
            }
            CComposite::Array { field } => field.heap().into_iter().for_each(&mut f),
        }
    }

    /// Func, struct or array.
    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        match self {
            CComposite::Func { .. } => Kind::Func,
            CComposite::Struct { .. } => Kind::Struct,
            CComposite::Array { .. } => Kind::Array,
        }
    }
}
