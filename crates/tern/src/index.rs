//! Typed indices. Tern names many things by a `u32`: a function in a store,
//! an instance in a store, a defined function or a type in a module, a
//! canonical type in the engine, a heap type in a store. Each has its own
//! `#[repr(transparent)]` newtype here, so mixing a module-relative index
//! with a store-wide or engine-wide one is a compile error, and IR
//! instructions that hold them stay 16 bytes.

/// Defines `u32` index newtypes.
macro_rules! index_types {
    ($($(#[doc = $doc:literal])* $name:ident;)*) => {
        $(
            $(#[doc = $doc])*
            #[repr(transparent)]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub(crate) struct $name(pub(crate) u32);

            #[allow(dead_code, reason = "generated for every index type; not every type needs each")]
            impl $name {
                /// The index as a `usize`, for indexing a vector.
                #[inline(always)]
                pub(crate) fn index(self) -> usize {
                    self.0 as usize
                }

                /// The index of the `i`-th entry of a vector, if it fits.
                pub(crate) fn of_len(i: usize) -> Option<$name> {
                    u32::try_from(i).ok().map($name)
                }
            }
        )*
    };
}

index_types! {
    /// A function of a store (host or wasm): its index in the store's
    /// function table, as funcrefs encode it.
    StoreFunc;
    /// An instance of a store: its index in the store's instance table.
    InstanceId;
    /// A function defined by a module (imports not counted): its index in
    /// the module's compiled code.
    DefFunc;
    /// A type of a module: its index in the module's type section.
    TypeIdx;
    /// A struct or array type of a store's GC heap (what object headers hold).
    HeapTypeIdx;
    /// A canonical type of an engine's registry: equal ids are the same type.
    TypeId;
}

impl TypeId {
    /// The id `n` places after this one (ids of a rec group are contiguous).
    #[inline]
    pub(crate) fn offset(self, n: u32) -> TypeId {
        TypeId(self.0 + n)
    }

    /// How many places after `start` this id is (`self >= start`).
    #[inline]
    pub(crate) fn since(self, start: TypeId) -> u32 {
        self.0 - start.0
    }
}

impl std::fmt::Display for TypeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A hash map keyed by one of these indices: hashing is one
/// multiplication (Fibonacci hashing) instead of SipHash. The keys are
/// handed out by Tern (sequential ids, never chosen by a module or an
/// embedder), so there is no collision flooding to defend against.
pub(crate) type IdMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The hasher of `IdMap`.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
