//! Linear-memory access kinds: what a load reads and how it extends, and
//! how many bytes a store writes. The semantics live in `interp/mem.rs`.

/// How a load reads memory and widens the bytes into a 64-bit slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoadKind {
    /// 4 bytes, zero-extended (`i32`, `f32`, `i64.load32_u`).
    I32,
    /// 8 bytes (`i64`, `f64`).
    I64,
    /// 1 byte, zero-extended.
    U8,
    /// 2 bytes, zero-extended.
    U16,
    /// 1 byte sign-extended to i32 (then zero-extended in the slot).
    I32S8,
    /// 2 bytes sign-extended to i32.
    I32S16,
    /// 1 byte sign-extended to i64.
    I64S8,
    /// 2 bytes sign-extended to i64.
    I64S16,
    /// 4 bytes sign-extended to i64.
    I64S32,
}

impl LoadKind {
    /// How many bytes the load reads.
    #[inline(always)]
    pub(crate) const fn size(self) -> u64 {
        match self {
            LoadKind::U8 | LoadKind::I32S8 | LoadKind::I64S8 => 1,
            LoadKind::U16 | LoadKind::I32S16 | LoadKind::I64S16 => 2,
            LoadKind::I32 | LoadKind::I64S32 => 4,
            LoadKind::I64 => 8,
        }
    }
}

/// How many low bytes of a slot a store writes (little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StoreKind {
    /// 1 byte.
    B8,
    /// 2 bytes.
    B16,
    /// 4 bytes.
    B32,
    /// 8 bytes.
    B64,
}

impl StoreKind {
    /// How many bytes the store writes.
    #[inline(always)]
    pub(crate) const fn size(self) -> u64 {
        match self {
            StoreKind::B8 => 1,
            StoreKind::B16 => 2,
            StoreKind::B32 => 4,
            StoreKind::B64 => 8,
        }
    }
}

/// The access of a `LoadExt`/`StoreExt` instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemKind {
    /// A load.
    Load(LoadKind),
    /// A store.
    Store(StoreKind),
    /// A SIMD access.
    Simd(SimdKind),
}

/// A SIMD memory access that goes through `SimdMem` (lane forms, and
/// every SIMD access that does not fit the compact memory-0 forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdKind {
    /// A `v128_load` row of the instruction table, by operator name.
    Load(super::SimdLoad),
    /// `v128.store`.
    Store,
    /// `v128.loadN_lane`: `bytes` (1, 2, 4 or 8) into lane `lane`.
    LoadLane { bytes: u8, lane: u8 },
    /// `v128.storeN_lane`.
    StoreLane { bytes: u8, lane: u8 },
}
