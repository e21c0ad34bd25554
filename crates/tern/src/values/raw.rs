//! The interpreter's 32-bit reference encoding, shared by reference slots,
//! tables and globals so the collector can scan them precisely:
//!
//! - `0` is null (in every hierarchy);
//! - low bit `1`: an i31, payload in the upper 31 bits;
//! - low bits `10`: a function, store function index in the upper 30 bits;
//! - low bits `00` (non-zero): a heap object, object index in the upper 30 bits.

use crate::index::StoreFunc;

/// The null reference.
pub(crate) const NULL: u32 = 0;

/// Encodes store function `f` as a funcref.
#[inline]
pub(crate) fn func(f: StoreFunc) -> u32 {
    (f.0 << 2) | 2
}

/// Decodes a non-null funcref to its store function.
#[inline]
pub(crate) fn func_index(raw: u32) -> Option<StoreFunc> {
    (raw & 3 == 2).then_some(StoreFunc(raw >> 2))
}

/// Encodes a 31-bit value as an i31 reference.
#[inline]
pub(crate) fn i31(v: u32) -> u32 {
    (v << 1) | 1
}

/// Whether `raw` is an i31 reference.
#[inline]
pub(crate) fn is_i31(raw: u32) -> bool {
    raw & 1 == 1
}

/// Encodes heap object `index` (which must be non-zero).
#[inline]
pub(crate) fn object(index: u32) -> u32 {
    index << 2
}

/// Decodes a heap object reference.
#[inline]
pub(crate) fn object_index(raw: u32) -> Option<u32> {
    (raw != 0 && raw & 3 == 0).then_some(raw >> 2)
}

/// The largest function or object index the encoding can hold.
pub(crate) const MAX_INDEX: u32 = (1 << 30) - 1;
