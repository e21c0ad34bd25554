//! GC instructions too large for the dispatch loop: allocation (which may
//! collect), bulk array operations, and cast checks.

use crate::error::Trap;
use crate::gc::{FieldKind, HEADER, HOST_TYPE, Heap, Layout};
use crate::index::InstanceId;
use crate::index::{HeapTypeIdx, TypeIdx};
use crate::ir::{AllocSite, AllocSource, CastKind, CastTarget};
use crate::runtime::StoreInner;
use crate::values::raw;

/// Where an instruction's operands live and how many reference slots are
/// live (the collector's view of the stack).
pub(crate) struct GcFrame {
    pub vfp: usize,
    pub rfp: usize,
    pub live_refs: usize,
}

/// The heap type of module type `ty` (validation made it a struct or array
/// type; a function type reads as the host type, whose layout fails the
/// callers' layout checks).
#[inline(always)]
pub(super) fn heap_type(store: &StoreInner, inst: InstanceId, ty: TypeIdx) -> HeapTypeIdx {
    store.instances()[inst.index()].gc_types[ty.index()].unwrap_or(HOST_TYPE)
}

/// Runs `f` out of line: the slow paths of the allocation fast paths
/// (taken when the nursery is full), kept out of their callers' code.
#[cold]
#[inline(never)]
fn cold<R>(f: impl FnOnce() -> R) -> R {
    f()
}

fn finish(off: usize) -> Result<u32, Trap> {
    crate::gc::raw_of_offset(off).ok_or(Trap::AllocationTooLarge)
}

/// The operand for a field or element of `kind` in the stack slots at
/// `vi`/`ri` (a `v128` takes two value slots); advances past it.
pub(crate) fn take_operand(
    store: &StoreInner,
    k: FieldKind,
    vi: &mut usize,
    ri: &mut usize,
) -> u128 {
    let vals = &store.stack().vals;
    match k {
        FieldKind::Ref => {
            *ri += 1;
            store.stack().refs[*ri - 1] as u128
        }
        FieldKind::V128 => {
            *vi += 2;
            vals[*vi - 2] as u128 | (vals[*vi - 1] as u128) << 64
        }
        _ => {
            *vi += 1;
            vals[*vi - 1] as u128
        }
    }
}

/// `struct.new`: the fast path (`struct_new_fast`), else
/// `struct_new_slow`.
///
/// Out of line on purpose: inlined into the dispatch loop, this path made
/// the compute kernels 5-8% slower (callgrind: fib +4.8%, sieve +8.5%;
/// register allocation of `exec::run`, see docs/ARCHITECTURE.md) and saved
/// only 4% of the allocation kernel's instructions.
#[inline(never)]
pub(crate) fn struct_new(
    store: &mut StoreInner,
    (inst, ty): (InstanceId, TypeIdx),
    layout: Option<&Layout>,
    site: &AllocSite,
    f: &GcFrame,
) -> Result<u32, Trap> {
    let hty = heap_type(store, inst, ty);
    let Some(Layout::Struct(l)) = layout else {
        return Err(Trap::CastFailure);
    };
    let stack = store.stack_mut();
    let vals = stack.vals[f.vfp + site.vbase as usize..].as_ptr();
    let refs = stack.refs[f.rfp + site.rbase as usize..].as_ptr();
    // SAFETY: the operands are slots of the current frame from the site's
    // bases on (the translator's layout), which the stacks hold; `l` is
    // the module's layout of `ty`, the layout of its heap type `hty`.
    if let Some(r) = unsafe { struct_new_fast(store, hty, l, vals, refs) } {
        return Ok(r);
    }
    struct_new_slow(store, hty, site, f)
}

/// The fast path of `struct.new` of heap type `hty` (layout `l`) with
/// its value and reference operands at `vals`/`refs`:
/// `Heap::new_struct_fast`, the new reference. None when the nursery has
/// no room (always in stress mode; nothing was made) or the object's
/// offset does not fit a reference (a dead object is left in the
/// nursery): the allocation needs the slow path, which may collect.
/// (Never collects: the threaded chain runs it too.)
///
/// # Safety
/// As for `Heap::new_struct_fast`.
#[inline(always)]
pub(super) unsafe fn struct_new_fast(
    store: &mut StoreInner,
    hty: HeapTypeIdx,
    l: &crate::gc::StructLayout,
    vals: *const u64,
    refs: *const u32,
) -> Option<u32> {
    // SAFETY: the caller's contract.
    let off = unsafe { store.heap_mut().new_struct_fast(hty, l, vals, refs) };
    off.and_then(crate::gc::raw_of_offset)
}

/// The fast path of `struct.new_default` (`len` 0) and `array.new_default`
/// of heap type `hty`: a zeroed object bump-allocated in the nursery, as
/// for `struct_new_fast`; an array's elements are charged as fuel. None,
/// with nothing changed but perhaps a dead object in the nursery, when
/// the nursery has no room or the fuel does not cover the elements.
#[inline(always)]
pub(super) fn new_default_fast(store: &mut StoreInner, hty: HeapTypeIdx, len: u32) -> Option<u32> {
    let fuel = store.interrupts();
    if len > 0 && fuel.metered && fuel.fuel < u64::from(len) {
        return None;
    }
    let r = crate::gc::raw_of_offset(store.heap_mut().new_default_fast(hty, len)?)?;
    // Covered: checked above.
    let _ = store.charge_fuel(u64::from(len));
    Some(r)
}

/// `struct.new` when the nursery is full: fields are read from the frame
/// after allocating, so a collection during the allocation has already
/// updated them.
#[cold]
#[inline(never)]
fn struct_new_slow(
    store: &mut StoreInner,
    hty: HeapTypeIdx,
    site: &AllocSite,
    f: &GcFrame,
) -> Result<u32, Trap> {
    let (heap, mut roots) = store.split_for_gc(f.live_refs);
    let off = heap.alloc_struct(hty, &mut roots)?;
    // A reference to the layout (shared), so that the heap can be written.
    let layout = match &store.heap().heap_type(hty).layout {
        Layout::Struct(l) => l.clone(),
        _ => return Err(Trap::CastFailure),
    };
    let fields = &*layout.fields;
    let (mut vi, mut ri) = (f.vfp + site.vbase as usize, f.rfp + site.rbase as usize);
    for &(o, k) in fields {
        let bits = take_operand(store, k, &mut vi, &mut ri);
        store
            .heap_mut()
            .write_wide(off + HEADER + o as usize, k, bits);
    }
    finish(off)
}

/// `struct.new_default` (fast path as `struct_new`).
#[inline(never)]
pub(crate) fn struct_new_default(
    store: &mut StoreInner,
    inst: InstanceId,
    ty: TypeIdx,
    f: &GcFrame,
) -> Result<u32, Trap> {
    let hty = heap_type(store, inst, ty);
    if let Some(r) = new_default_fast(store, hty, 0) {
        return Ok(r);
    }
    cold(|| {
        let (heap, mut roots) = store.split_for_gc(f.live_refs);
        finish(heap.alloc_struct(hty, &mut roots)?)
    })
}

fn array_kind(store: &StoreInner, hty: HeapTypeIdx) -> Result<FieldKind, Trap> {
    match store.heap().heap_type(hty).layout {
        Layout::Array(k) => Ok(k),
        _ => Err(Trap::CastFailure),
    }
}

/// Allocates a zeroed array and returns its offset and element kind.
fn alloc_array(
    store: &mut StoreInner,
    inst: InstanceId,
    ty: TypeIdx,
    len: u32,
    f: &GcFrame,
) -> Result<(usize, FieldKind), Trap> {
    let hty = heap_type(store, inst, ty);
    let kind = array_kind(store, hty)?;
    let (heap, mut roots) = store.split_for_gc(f.live_refs);
    let off = heap.alloc_array(hty, len, &mut roots)?;
    Ok((off, kind))
}

/// `array.new`, `array.new_fixed`, `array.new_data` and `array.new_elem`:
/// operands are read after allocating (a collection may have moved them).
pub(crate) fn array_new(
    store: &mut StoreInner,
    inst: InstanceId,
    site: &AllocSite,
    f: &GcFrame,
) -> Result<(), Trap> {
    let (vb, rb) = (f.vfp + site.vbase as usize, f.rfp + site.rbase as usize);
    let off = match site.source {
        AllocSource::Operands => {
            let kind = array_kind(store, heap_type(store, inst, site.ty))?;
            let len_slot = vb + kind.slot_width();
            let len = store.stack().vals[len_slot] as u32;
            store.charge_fuel(u64::from(len))?;
            let (off, kind) = alloc_array(store, inst, site.ty, len, f)?;
            let init = take_operand(store, kind, &mut { vb }, &mut { rb });
            fill_elems(store.heap_mut(), off + HEADER, kind, init, len as usize);
            off
        }
        AllocSource::Fixed(n) => {
            let hty = heap_type(store, inst, site.ty);
            let (heap, stack) = store.heap_and_stack();
            let (vals, refs) = (
                stack.vals.get(vb..).unwrap_or(&[]),
                stack.refs.get(rb..).unwrap_or(&[]),
            );
            if let Some(off) = heap.new_array_fixed_fast(hty, n, vals, refs) {
                stack.refs[rb] = finish(off)?;
                return Ok(());
            }
            let (off, kind) = alloc_array(store, inst, site.ty, n, f)?;
            let (mut vi, mut ri) = (vb, rb);
            for i in 0..n as usize {
                let bits = take_operand(store, kind, &mut vi, &mut ri);
                store
                    .heap_mut()
                    .write_wide(off + HEADER + i * kind.size(), kind, bits);
            }
            off
        }
        AllocSource::Data(seg) => array_from_segment(store, inst, site, f, Segment::Data(seg))?,
        AllocSource::Elem(seg) => array_from_segment(store, inst, site, f, Segment::Elem(seg))?,
    };
    store.stack_mut().refs[rb] = finish(off)?;
    Ok(())
}

/// Writes `n` copies of `bits` at `at` (memset speed for bytes and zero).
pub(crate) fn fill_elems(heap: &mut Heap, at: usize, kind: FieldKind, bits: u128, n: usize) {
    let size = kind.size();
    let bytes = &mut heap.bytes_mut()[at..at + n * size];
    match kind {
        FieldKind::I8 => bytes.fill(bits as u8),
        _ if bits == 0 => bytes.fill(0),
        FieldKind::I16 => {
            let b = (bits as u16).to_le_bytes();
            bytes
                .chunks_exact_mut(2)
                .for_each(|c| c.copy_from_slice(&b));
        }
        FieldKind::I32 | FieldKind::Ref => {
            let b = (bits as u32).to_le_bytes();
            bytes
                .chunks_exact_mut(4)
                .for_each(|c| c.copy_from_slice(&b));
        }
        FieldKind::I64 => {
            let b = (bits as u64).to_le_bytes();
            bytes
                .chunks_exact_mut(8)
                .for_each(|c| c.copy_from_slice(&b));
        }
        FieldKind::V128 => {
            let b = bits.to_le_bytes();
            bytes
                .chunks_exact_mut(16)
                .for_each(|c| c.copy_from_slice(&b));
        }
    }
}

/// `array.new_default` (fast path as `struct_new`).
#[inline(never)]
pub(crate) fn array_new_default(
    store: &mut StoreInner,
    inst: InstanceId,
    ty: TypeIdx,
    len: u32,
    f: &GcFrame,
) -> Result<u32, Trap> {
    if let Some(r) = new_default_fast(store, heap_type(store, inst, ty), len) {
        return Ok(r);
    }
    cold(|| {
        store.charge_fuel(u64::from(len))?;
        finish(alloc_array(store, inst, ty, len, f)?.0)
    })
}

/// The (segment offset, length) operands of `array.new_data`/`array.new_elem`.
fn segment_operands(store: &StoreInner, site: &AllocSite, f: &GcFrame) -> (usize, u32) {
    let vb = f.vfp + site.vbase as usize;
    (
        store.stack().vals[vb] as u32 as usize,
        store.stack().vals[vb + 1] as u32,
    )
}

/// `array.new_data` (elements copied byte for byte, little-endian) and
/// `array.new_elem`: the segment range is checked before allocating, and
/// read after (a collection may have updated the references in it).
fn array_from_segment(
    store: &mut StoreInner,
    inst: InstanceId,
    site: &AllocSite,
    f: &GcFrame,
    seg: Segment,
) -> Result<usize, Trap> {
    let (src, len) = segment_operands(store, site, f);
    let kind = array_kind(store, heap_type(store, inst, site.ty))?;
    let instance = &store.instances()[inst.index()];
    let end = match seg {
        Segment::Data(s) => {
            let bytes = (len as usize)
                .checked_mul(kind.size())
                .ok_or(Trap::MemoryOutOfBounds)?;
            let end = src.checked_add(bytes).ok_or(Trap::MemoryOutOfBounds)?;
            if end > instance.datas[s as usize].len() {
                return Err(Trap::MemoryOutOfBounds);
            }
            end
        }
        Segment::Elem(s) => {
            let end = src
                .checked_add(len as usize)
                .ok_or(Trap::TableOutOfBounds)?;
            if end > instance.elems[s as usize].len() {
                return Err(Trap::ElementSegmentOutOfBounds);
            }
            end
        }
    };
    store.charge_fuel(u64::from(len))?;
    let (off, kind) = alloc_array(store, inst, site.ty, len, f)?;
    let (instances, heap) = store.instances_and_heap();
    let instance = &instances[inst.index()];
    match seg {
        Segment::Data(s) => {
            let data = &instance.datas[s as usize][src..end];
            heap.bytes_mut()[off + HEADER..off + HEADER + data.len()].copy_from_slice(data);
        }
        Segment::Elem(s) => {
            for (i, r) in instance.elems[s as usize][src..end].iter().enumerate() {
                heap.write(off + HEADER + i * kind.size(), kind, *r as u64);
            }
        }
    }
    Ok(off)
}

/// The offset, length and element kind of a non-null array reference.
#[inline]
pub(crate) fn array_info(heap: &Heap, r: u32) -> Result<(usize, u32, FieldKind), Trap> {
    if r == raw::NULL {
        return Err(Trap::NullArrayReference);
    }
    let off = Heap::offset(r);
    match heap.layout_of_raw(r) {
        Some(Layout::Array(k)) => Ok((off, heap.len_of(off), *k)),
        _ => Err(Trap::CastFailure),
    }
}

/// `array.fill`.
pub(crate) fn array_fill(store: &mut StoreInner, vargs: usize, rargs: usize) -> Result<(), Trap> {
    let (off, len, kind) = array_info(store.heap(), store.stack().refs[rargs])?;
    let d = store.stack().vals[vargs] as u32 as u64;
    let (mut vi, mut ri) = (vargs + 1, rargs + 1);
    let val = take_operand(store, kind, &mut vi, &mut ri);
    let n = store.stack().vals[vi] as u32 as u64;
    if d + n > len as u64 {
        return Err(Trap::ArrayOutOfBounds);
    }
    store.charge_fuel(n)?;
    if kind == FieldKind::Ref {
        let at = off + HEADER + d as usize * kind.size();
        store.heap_mut().satb_range(off, at, n as usize);
    }
    fill_elems(
        store.heap_mut(),
        off + HEADER + d as usize * kind.size(),
        kind,
        val,
        n as usize,
    );
    if kind == FieldKind::Ref && n > 0 {
        store.heap_mut().barrier(off, val as u32);
    }
    Ok(())
}

/// `array.copy` (memmove semantics for overlapping ranges).
pub(crate) fn array_copy(store: &mut StoreInner, vargs: usize, rargs: usize) -> Result<(), Trap> {
    let (doff, dlen, kind) = array_info(store.heap(), store.stack().refs[rargs])?;
    let (soff, slen, _) = array_info(store.heap(), store.stack().refs[rargs + 1])?;
    let d = store.stack().vals[vargs] as u32 as u64;
    let s = store.stack().vals[vargs + 1] as u32 as u64;
    let n = store.stack().vals[vargs + 2] as u32 as u64;
    if d + n > dlen as u64 || s + n > slen as u64 {
        return Err(Trap::ArrayOutOfBounds);
    }
    store.charge_fuel(n)?;
    let size = kind.size();
    let from = soff + HEADER + s as usize * size;
    let to = doff + HEADER + d as usize * size;
    if kind == FieldKind::Ref {
        store.heap_mut().satb_range(doff, to, n as usize);
    }
    store
        .heap_mut()
        .bytes_mut()
        .copy_within(from..from + n as usize * size, to);
    if kind == FieldKind::Ref {
        store.heap_mut().barrier_range(doff, to, n as usize);
    }
    Ok(())
}

/// The operands of `array.init_data`/`array.init_elem`, bounds-checked
/// against the array: (address of element `d`, element kind, source
/// offset, count).
fn init_operands(
    store: &StoreInner,
    vargs: usize,
    rargs: usize,
) -> Result<(usize, FieldKind, usize, usize), Trap> {
    let (off, len, kind) = array_info(store.heap(), store.stack().refs[rargs])?;
    let d = store.stack().vals[vargs] as u32 as u64;
    let s = store.stack().vals[vargs + 1] as u32 as usize;
    let n = store.stack().vals[vargs + 2] as u32 as u64;
    if d + n > len as u64 {
        return Err(Trap::ArrayOutOfBounds);
    }
    Ok((off + HEADER + d as usize * kind.size(), kind, s, n as usize))
}

/// Where `array.init_data`/`array.init_elem` read from.
#[derive(Clone, Copy)]
pub(crate) enum Segment {
    /// A data segment (bytes, copied as packed elements).
    Data(u32),
    /// An element segment (references).
    Elem(u32),
}

/// `array.init_data` and `array.init_elem`.
pub(crate) fn array_init(
    store: &mut StoreInner,
    inst: InstanceId,
    vargs: usize,
    rargs: usize,
    seg: Segment,
) -> Result<(), Trap> {
    let (at, kind, s, n) = init_operands(store, vargs, rargs)?;
    let instance = &store.instances()[inst.index()];
    let end = match seg {
        Segment::Data(seg) => {
            let end = s
                .checked_add(n * kind.size())
                .ok_or(Trap::MemoryOutOfBounds)?;
            if end > instance.datas[seg as usize].len() {
                return Err(Trap::MemoryOutOfBounds);
            }
            end
        }
        Segment::Elem(seg) => {
            let end = s.checked_add(n).ok_or(Trap::TableOutOfBounds)?;
            if end > instance.elems[seg as usize].len() {
                return Err(Trap::ElementSegmentOutOfBounds);
            }
            end
        }
    };
    store.charge_fuel(n as u64)?;
    let obj = Heap::offset(store.stack().refs[rargs]);
    let (instances, heap) = store.instances_and_heap();
    let instance = &instances[inst.index()];
    match seg {
        Segment::Data(seg) => {
            let data = &instance.datas[seg as usize][s..end];
            heap.bytes_mut()[at..at + data.len()].copy_from_slice(data);
        }
        Segment::Elem(seg) => {
            heap.satb_range(obj, at, n);
            for (i, r) in instance.elems[seg as usize][s..end].iter().enumerate() {
                heap.write(at + i * kind.size(), kind, *r as u64);
            }
            heap.barrier_range(obj, at, n);
        }
    }
    Ok(())
}

/// `cast_ok` with the commonest cast, to a struct or array type (a
/// Kotlin class), tested first: a compare where `cast_ok` jumps through a
/// table, and the type check inlined into the threaded handlers.
#[inline(always)]
#[cfg_attr(not(tern_threaded), allow(dead_code))]
pub(super) fn cast_ok_fast(store: &StoreInner, r: u32, c: &CastTarget) -> bool {
    let CastKind::Object { id, depth } = c.kind else {
        return cast_ok(store, r, c);
    };
    if r == raw::NULL {
        return c.nullable;
    }
    match store.heap().type_ref_of_raw(r) {
        Some(t) => t.id() == id || t.info().is_subtype_of(id, depth as usize),
        None => false,
    }
}

/// Whether raw reference `r` passes cast `c` (no lock, no allocation).
#[inline]
pub(crate) fn cast_ok(store: &StoreInner, r: u32, c: &CastTarget) -> bool {
    if r == raw::NULL {
        return c.nullable;
    }
    match c.kind {
        CastKind::Top => true,
        CastKind::Bottom => false,
        CastKind::I31 => raw::is_i31(r),
        CastKind::Eq => {
            raw::is_i31(r)
                || matches!(
                    store.heap().layout_of_raw(r),
                    Some(Layout::Struct(_) | Layout::Array(_))
                )
        }
        CastKind::Struct => matches!(store.heap().layout_of_raw(r), Some(Layout::Struct(_))),
        CastKind::Array => matches!(store.heap().layout_of_raw(r), Some(Layout::Array(_))),
        CastKind::Func { id, depth } => match store.func_of_raw(r) {
            Some(f) => {
                let t = &store.funcs()[f.index()].ty;
                t.id() == id || t.info().is_subtype_of(id, depth as usize)
            }
            None => false,
        },
        CastKind::Object { id, depth } => match store.heap().type_ref_of_raw(r) {
            Some(t) => t.id() == id || t.info().is_subtype_of(id, depth as usize),
            None => false,
        },
    }
}

/// The heap position of the field at payload byte `offset` of struct `r`.
#[inline(always)]
pub(super) fn struct_field(r: u32, offset: u32) -> Result<usize, Trap> {
    if r == raw::NULL {
        return Err(Trap::NullStructReference);
    }
    Ok(Heap::offset(r) + HEADER + offset as usize)
}

/// The heap position of element `index` (a slot value) of array `r`,
/// whose elements are stored as `kind`.
#[inline(always)]
pub(super) fn array_elem(heap: &Heap, r: u32, index: u64, kind: FieldKind) -> Result<usize, Trap> {
    if r == raw::NULL {
        return Err(Trap::NullArrayReference);
    }
    let off = Heap::offset(r);
    let i = index as u32;
    if i >= heap.len_of(off) {
        return Err(Trap::ArrayOutOfBounds);
    }
    Ok(off + HEADER + i as usize * kind.size())
}

/// `struct.set`/`array.set` of a reference: stores `val` at heap byte
/// `at` of object `obj`, with the write barrier.
#[inline(always)]
pub(super) fn set_ref(heap: &mut Heap, obj: u32, at: usize, val: u32) {
    heap.write_ref(Heap::offset(obj), at, val);
}

/// `array.len`.
#[inline(always)]
pub(super) fn array_len(heap: &Heap, r: u32) -> Result<u64, Trap> {
    if r == raw::NULL {
        return Err(Trap::NullArrayReference);
    }
    Ok(heap.len_of(Heap::offset(r)) as u64)
}

/// `i31.get_s` (`signed`) or `i31.get_u`.
#[inline(always)]
pub(super) fn i31_get(r: u32, signed: bool) -> Result<u64, Trap> {
    if r == raw::NULL {
        return Err(Trap::NullI31Reference);
    }
    Ok(if signed {
        ((r as i32) >> 1) as u32 as u64
    } else {
        (r >> 1) as u64
    })
}
