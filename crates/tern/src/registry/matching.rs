//! Declared (nominal) subtyping over canonical types: the abstract heap
//! type hierarchy of Wasm 3.0, and matching of value, field and composite
//! types generic over how concrete types are resolved ([`HeapEnv`]), so the
//! same rules serve registered types and rec groups still being built.

use super::{AbsHeap, CComposite, CField, CHeap, CRef, CStorage, CVal, TypeRegistry};

/// The kind of a defined (concrete) type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Func,
    Struct,
    Array,
}

impl Kind {
    /// The top of the hierarchy this kind belongs to.
    pub(crate) fn top(self) -> AbsHeap {
        match self {
            Kind::Func => AbsHeap::Func,
            Kind::Struct | Kind::Array => AbsHeap::Any,
        }
    }
    /// The bottom of the hierarchy this kind belongs to.
    pub(crate) fn bottom(self) -> AbsHeap {
        match self {
            Kind::Func => AbsHeap::NoFunc,
            Kind::Struct | Kind::Array => AbsHeap::None,
        }
    }
    /// The most specific abstract heap type above every type of this kind.
    pub(crate) fn abstract_heap(self) -> AbsHeap {
        match self {
            Kind::Func => AbsHeap::Func,
            Kind::Struct => AbsHeap::Struct,
            Kind::Array => AbsHeap::Array,
        }
    }
    /// Whether every concrete type of this kind is a subtype of `b`.
    pub(crate) fn matches_abs(self, b: AbsHeap) -> bool {
        match self {
            Kind::Func => b == AbsHeap::Func,
            Kind::Struct => matches!(b, AbsHeap::Struct | AbsHeap::Eq | AbsHeap::Any),
            Kind::Array => matches!(b, AbsHeap::Array | AbsHeap::Eq | AbsHeap::Any),
        }
    }
}

impl AbsHeap {
    /// The top of this type's hierarchy.
    pub(crate) fn top(self) -> AbsHeap {
        use AbsHeap::*;
        match self {
            Func | NoFunc => Func,
            Extern | NoExtern => Extern,
            Any | Eq | I31 | Struct | Array | None => Any,
            Exn | NoExn => Exn,
        }
    }
    /// The bottom of this type's hierarchy.
    pub(crate) fn bottom(self) -> AbsHeap {
        use AbsHeap::*;
        match self {
            Func | NoFunc => NoFunc,
            Extern | NoExtern => NoExtern,
            Any | Eq | I31 | Struct | Array | None => None,
            Exn | NoExn => NoExn,
        }
    }
    /// Whether this is the top of its hierarchy.
    pub(crate) fn is_top(self) -> bool {
        self.top() == self
    }
    /// Whether this is the bottom of its hierarchy.
    pub(crate) fn is_bottom(self) -> bool {
        self.bottom() == self
    }
    /// `self <: other` among abstract heap types.
    pub(crate) fn matches(self, other: AbsHeap) -> bool {
        use AbsHeap::*;
        if self == other {
            return true;
        }
        if self.top() != other.top() {
            return false;
        }
        self.is_bottom() || other.is_top() || (other == Eq && matches!(self, I31 | Struct | Array))
    }
}

/// How concrete heap types are resolved while matching.
pub(crate) trait HeapEnv {
    /// The kind of a concrete (or in-group) heap type; `None` if unknown.
    fn kind_of(&self, h: CHeap) -> Option<Kind>;
    /// For two distinct concrete heap types: is `a` declared a (transitive)
    /// subtype of `b`?
    fn declared_sub(&self, a: CHeap, b: CHeap) -> bool;
}

/// `a <: b` for heap types.
pub(crate) fn heap_matches<E: HeapEnv + ?Sized>(env: &E, a: CHeap, b: CHeap) -> bool {
    match (a, b) {
        (CHeap::Abs(x), CHeap::Abs(y)) => x.matches(y),
        (CHeap::Abs(x), c) => env.kind_of(c).is_some_and(|k| x == k.bottom()),
        (c, CHeap::Abs(y)) => env.kind_of(c).is_some_and(|k| k.matches_abs(y)),
        (x, y) => x == y || env.declared_sub(x, y),
    }
}

/// `a <: b` for reference types.
pub(crate) fn ref_matches<E: HeapEnv + ?Sized>(env: &E, a: CRef, b: CRef) -> bool {
    (!a.nullable || b.nullable) && heap_matches(env, a.heap, b.heap)
}

/// `a <: b` for value types.
pub(crate) fn val_matches<E: HeapEnv + ?Sized>(env: &E, a: CVal, b: CVal) -> bool {
    match (a, b) {
        (CVal::Ref(x), CVal::Ref(y)) => ref_matches(env, x, y),
        (x, y) => x == y,
    }
}

/// `a <: b` for storage types.
pub(crate) fn storage_matches<E: HeapEnv + ?Sized>(env: &E, a: CStorage, b: CStorage) -> bool {
    match (a, b) {
        (CStorage::Val(x), CStorage::Val(y)) => val_matches(env, x, y),
        (x, y) => x == y,
    }
}

/// `a <: b` for field types: immutable fields are covariant, mutable
/// fields invariant, and mutability must agree.
pub(crate) fn field_matches<E: HeapEnv + ?Sized>(env: &E, a: CField, b: CField) -> bool {
    a.mutable == b.mutable
        && storage_matches(env, a.storage, b.storage)
        && (!a.mutable || storage_matches(env, b.storage, a.storage))
}

/// Whether composite type `sub` may declare `sup` as its supertype: same
/// kind; func params contravariant, results covariant; struct fields a
/// matching prefix; array element matching.
pub(crate) fn composite_matches<E: HeapEnv + ?Sized>(
    env: &E,
    sub: &CComposite,
    sup: &CComposite,
) -> bool {
    match (sub, sup) {
        (
            CComposite::Func {
                params: p1,
                results: r1,
            },
            CComposite::Func {
                params: p2,
                results: r2,
            },
        ) => {
            p1.len() == p2.len()
                && r1.len() == r2.len()
                && p1
                    .iter()
                    .zip(p2.iter())
                    .all(|(a, b)| val_matches(env, *b, *a))
                && r1
                    .iter()
                    .zip(r2.iter())
                    .all(|(a, b)| val_matches(env, *a, *b))
        }
        (CComposite::Struct { fields: f1 }, CComposite::Struct { fields: f2 }) => {
            f1.len() >= f2.len()
                && f1
                    .iter()
                    .zip(f2.iter())
                    .all(|(a, b)| field_matches(env, *a, *b))
        }
        (CComposite::Array { field: a }, CComposite::Array { field: b }) => {
            field_matches(env, *a, *b)
        }
        _ => false,
    }
}

impl HeapEnv for TypeRegistry {
    fn kind_of(&self, h: CHeap) -> Option<Kind> {
        match h {
            CHeap::Concrete(id) => self.type_ref(id).map(|t| t.kind()),
            _ => None,
        }
    }
    fn declared_sub(&self, a: CHeap, b: CHeap) -> bool {
        match (a, b) {
            (CHeap::Concrete(x), CHeap::Concrete(y)) => {
                match (self.type_ref(x), self.type_ref(y)) {
                    (Some(x), Some(y)) => x.is_subtype_of(&y),
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

impl TypeRegistry {
    /// `a <: b` for canonical value types (declared subtyping; may lock to
    /// look concrete types up: a cold path).
    pub(crate) fn cval_matches(&self, a: CVal, b: CVal) -> bool {
        val_matches(self, a, b)
    }
    /// `a <: b` for canonical reference types.
    pub(crate) fn cref_matches(&self, a: CRef, b: CRef) -> bool {
        ref_matches(self, a, b)
    }
    /// The top of `h`'s hierarchy: `func`, `extern`, `any` or `exn` (looks
    /// concrete types up: locks; an unknown id counts as `any`).
    pub(crate) fn top_of(&self, h: CHeap) -> AbsHeap {
        match h {
            CHeap::Abs(a) => a.top(),
            other => self.kind_of(other).map_or(AbsHeap::Any, Kind::top),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstract_hierarchy() {
        use AbsHeap::*;
        let all = [
            Func, NoFunc, Extern, NoExtern, Any, Eq, I31, Struct, Array, None, Exn, NoExn,
        ];
        // Reference: explicit list of strict subtype pairs.
        let strict = [
            (NoFunc, Func),
            (NoExtern, Extern),
            (NoExn, Exn),
            (Eq, Any),
            (I31, Eq),
            (I31, Any),
            (Struct, Eq),
            (Struct, Any),
            (Array, Eq),
            (Array, Any),
            (None, Any),
            (None, Eq),
            (None, I31),
            (None, Struct),
            (None, Array),
        ];
        for a in all {
            for b in all {
                let expect = a == b || strict.contains(&(a, b));
                assert_eq!(a.matches(b), expect, "{a:?} <: {b:?}");
            }
        }
    }
}
