//! The dispatch loop: executes the IR of one activation until its entry
//! function returns, a trap occurs, or a host function fails.

use super::{
    Frame, backtrace, bulk, call_host, enter_frame, first_memory, gc_ops, num, pop_frame, slot_ptr,
    table_init,
};
use crate::error::{Error, Result, Trap};
use crate::gc::{FieldKind, HEADER, Heap};
use crate::ir::{CompiledFunc, Instr};
use crate::module::ModuleInner;
use crate::runtime::{FuncKind, Store};
use crate::values::raw;

/// Runs defined function `def` of instance `inst` (store function `func`)
/// with its arguments already in slots `0..` of `stack`.
pub(super) fn run<T>(
    store: &mut Store<T>,
    func: u32,
    inst: u32,
    def: u32,
    vfp: usize,
    rfp: usize,
) -> Result<()> {
    let frames_base = store.inner.stack.frames.len();
    let max_depth = store.inner.engine.config().max_call_depth;
    let _ = func;
    let mut inst = inst;
    let mut cur_def = def;
    let mut cur_module: *const ModuleInner = &*store.inner.instances[inst as usize].module.0;
    let mut cur: *const CompiledFunc =
        &store.inner.instances[inst as usize].module.0.code[def as usize];
    let mut vfp = vfp;
    let mut rfp = rfp;
    // SAFETY: `cur` and `cur_module` point into a module owned by an
    // instance of this store;
    // instances are never removed while the store lives, and the store is
    // exclusively borrowed for the whole run. The same holds for every
    // `CompiledFunc` pointer below.
    let f = unsafe { &*cur };
    if let Err(t) = enter_frame(&mut store.inner.stack, f, vfp, rfp) {
        let bt = backtrace(
            &store.inner,
            (inst, cur_def),
            &store.inner.stack.frames[frames_base..],
        );
        return Err(Error::trap(t, bt));
    }
    let mut ip: *const Instr = f.code.as_ptr();
    let mut mem0 = first_memory(&store.inner, inst);

    // `vb`/`rb` point at the current frame's first value/reference slot.
    // They are recomputed (`refresh!`) whenever the frame changes and after
    // anything that may resize the stacks or borrow them as slices: calls,
    // returns, host calls and the GC operations that read their operands
    // by index.
    let mut vb: *mut u64;
    let mut rb: *mut u32;
    // Memory 0 of the current instance as a base pointer and length,
    // refreshed together with the frame pointers (calls, returns and host
    // calls may grow or replace it) and after every memory operation that
    // borrows it as a slice.
    let mut mem_ptr: *mut u8;
    let mut mem_len: usize;
    macro_rules! refresh_stack {
        () => {
            vb = store.inner.stack.vals.as_mut_ptr().wrapping_add(vfp);
            rb = store.inner.stack.refs.as_mut_ptr().wrapping_add(rfp);
        };
    }
    macro_rules! refresh {
        () => {
            refresh_stack!();
            match store.inner.memories.get_mut(mem0) {
                Some(m) => {
                    mem_ptr = m.data.as_mut_ptr();
                    mem_len = m.data.len();
                }
                None => {
                    mem_ptr = std::ptr::null_mut();
                    mem_len = 0;
                }
            }
        };
    }
    refresh!();
    // `v!`/`r!` read a value/reference slot; `vm!`/`rm!` name it for writing.
    macro_rules! v {
        ($s:expr) => {
            *slot_ptr(vb, $s, vfp, store.inner.stack.vals.len())
        };
    }
    macro_rules! r {
        ($s:expr) => {
            *slot_ptr(rb, $s, rfp, store.inner.stack.refs.len())
        };
    }
    macro_rules! vm {
        ($s:expr) => {
            *slot_ptr(vb, $s, vfp, store.inner.stack.vals.len())
        };
    }
    macro_rules! rm {
        ($s:expr) => {
            *slot_ptr(rb, $s, rfp, store.inner.stack.refs.len())
        };
    }
    macro_rules! trap {
        ($code:expr) => {{
            let bt = backtrace(
                &store.inner,
                (inst, cur_def),
                &store.inner.stack.frames[frames_base..],
            );
            return Err(Error::trap($code, bt));
        }};
    }
    macro_rules! tri {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(t) => trap!(t),
            }
        };
    }
    macro_rules! i32bin {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = v!($a) as u32 as i32;
            let $y = v!($b) as u32 as i32;
            vm!($dst) = ($e) as u32 as u64;
        }};
    }
    macro_rules! i64bin {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = v!($a) as i64;
            let $y = v!($b) as i64;
            vm!($dst) = ($e) as u64;
        }};
    }
    macro_rules! f32bin {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f32::from_bits(v!($a) as u32);
            let $y = f32::from_bits(v!($b) as u32);
            vm!($dst) = ($e).to_bits() as u64;
        }};
    }
    macro_rules! f32cmp {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f32::from_bits(v!($a) as u32);
            let $y = f32::from_bits(v!($b) as u32);
            vm!($dst) = ($e) as u64;
        }};
    }
    macro_rules! f64bin {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f64::from_bits(v!($a));
            let $y = f64::from_bits(v!($b));
            vm!($dst) = ($e).to_bits();
        }};
    }
    macro_rules! f64cmp {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f64::from_bits(v!($a));
            let $y = f64::from_bits(v!($b));
            vm!($dst) = ($e) as u64;
        }};
    }
    macro_rules! un {
        ($dst:expr, $src:expr, |$x:ident| $e:expr) => {{
            let $x = v!($src);
            vm!($dst) = $e;
        }};
    }
    macro_rules! f32un {
        ($dst:expr, $src:expr, |$x:ident| $e:expr) => {{
            let $x = f32::from_bits(v!($src) as u32);
            vm!($dst) = ($e).to_bits() as u64;
        }};
    }
    macro_rules! f64un {
        ($dst:expr, $src:expr, |$x:ident| $e:expr) => {{
            let $x = f64::from_bits(v!($src));
            vm!($dst) = ($e).to_bits();
        }};
    }
    // Compact loads and stores: memory 0, 32-bit address, 32-bit offset,
    // so the effective address cannot overflow a u64.
    macro_rules! load {
        ($dst:expr, $addr:expr, $off:expr, $n:literal, |$b:ident| $conv:expr) => {{
            let ea = v!($addr) as u32 as u64 + $off as u64;
            if ea + $n > mem_len as u64 {
                trap!(Trap::MemoryOutOfBounds);
            }
            // SAFETY: `ea + N <= mem_len`, and `mem_ptr` is valid for
            // `mem_len` bytes since the last `refresh!`.
            let $b: [u8; $n] = unsafe { std::ptr::read_unaligned(mem_ptr.add(ea as usize).cast()) };
            vm!($dst) = $conv;
        }};
    }
    macro_rules! store {
        ($addr:expr, $val:expr, $off:expr, |$x:ident| $bytes:expr) => {{
            let ea = v!($addr) as u32 as u64 + $off as u64;
            let $x = v!($val);
            let bytes = $bytes;
            if ea + bytes.len() as u64 > mem_len as u64 {
                trap!(Trap::MemoryOutOfBounds);
            }
            // SAFETY: as for `load!`.
            unsafe { std::ptr::write_unaligned(mem_ptr.add(ea as usize).cast(), bytes) };
        }};
    }
    macro_rules! branch {
        ($offset:expr) => {{
            // SAFETY: branch targets are instruction indices of the current
            // function, resolved at translation time.
            ip = unsafe { ip.offset($offset as isize) };
            continue;
        }};
    }

    // Returns to the caller's frame, or ends the activation.
    macro_rules! ret {
        () => {{
            match pop_frame(&mut store.inner.stack, frames_base) {
                None => return Ok(()),
                Some(fr) => {
                    ip = fr.ret_ip;
                    vfp = fr.vfp;
                    rfp = fr.rfp;
                    cur = fr.func;
                    cur_def = fr.def;
                    if inst != fr.inst {
                        inst = fr.inst;
                        cur_module = &*store.inner.instances[inst as usize].module.0;
                        mem0 = first_memory(&store.inner, inst);
                    }
                    refresh!();
                    continue;
                }
            }
        }};
    }

    // Enters defined function `$def` (compiled as `$callee`) of instance
    // `$instance` with its frame at `$vbase`/`$rbase` of the current frame.
    // `$tail` replaces the current frame.
    macro_rules! enter {
        ($callee:expr, $instance:expr, $def:expr, $vbase:expr, $rbase:expr, $tail:expr) => {{
            let callee: *const CompiledFunc = $callee;
            let (vbase, rbase) = ($vbase as usize, $rbase as usize);
            // SAFETY: see the comment at the top of `run`.
            let c = unsafe { &*callee };
            if $tail {
                let (np, nr) = (c.value_params as usize, c.ref_params as usize);
                let stack = &mut store.inner.stack;
                stack.vals.copy_within(vfp + vbase..vfp + vbase + np, vfp);
                stack.refs.copy_within(rfp + rbase..rfp + rbase + nr, rfp);
            } else {
                if store.inner.stack.frames.len() >= max_depth {
                    trap!(Trap::StackOverflow);
                }
                store.inner.stack.frames.push(Frame {
                    // SAFETY: the instruction after a call exists (every
                    // function ends with `Return` or `Trap`).
                    ret_ip: unsafe { ip.add(1) },
                    vfp,
                    rfp,
                    func: cur,
                    inst,
                    def: cur_def,
                });
                vfp += vbase;
                rfp += rbase;
            }
            if let Err(t) = enter_frame(&mut store.inner.stack, c, vfp, rfp) {
                trap!(t);
            }
            cur = callee;
            cur_def = $def;
            let instance: u32 = $instance;
            if inst != instance {
                inst = instance;
                cur_module = &*store.inner.instances[inst as usize].module.0;
                mem0 = first_memory(&store.inner, inst);
                refresh!();
            } else {
                // Same instance: memory 0 is as the caller left it; only
                // the stack may have moved.
                refresh_stack!();
            }
            ip = c.code.as_ptr();
            continue;
        }};
    }

    // Calls store function `$f` with the callee frame at `$vbase`/`$rbase`
    // of the current frame. `$tail` replaces the current frame.
    macro_rules! call {
        ($f:expr, $vbase:expr, $rbase:expr, $tail:expr) => {{
            let callee_func: u32 = $f;
            let (vbase, rbase) = ($vbase as usize, $rbase as usize);
            let entry = &store.inner.funcs[callee_func as usize];
            let (kind, counts) = (entry.kind, entry.slots);
            match kind {
                FuncKind::Wasm { instance, def } => {
                    let callee: *const CompiledFunc =
                        &store.inner.instances[instance as usize].module.0.code[def as usize];
                    enter!(callee, instance, def, vbase, rbase, $tail)
                }
                FuncKind::Host { index } => {
                    let res = call_host(
                        store,
                        index,
                        Some(inst),
                        vfp + vbase,
                        rfp + rbase,
                        counts.0,
                        counts.1,
                    );
                    refresh!();
                    if let Err(mut e) = res {
                        let bt = backtrace(
                            &store.inner,
                            (inst, cur_def),
                            &store.inner.stack.frames[frames_base..],
                        );
                        e.set_backtrace_if_empty(bt);
                        return Err(e);
                    }
                    if $tail {
                        // Results are at the argument slots; move them to the
                        // frame base and return.
                        let (rv, rr) = counts.1;
                        store
                            .inner
                            .stack
                            .vals
                            .copy_within(vfp + vbase..vfp + vbase + rv, vfp);
                        store
                            .inner
                            .stack
                            .refs
                            .copy_within(rfp + rbase..rfp + rbase + rr, rfp);
                        ret!();
                    }
                }
            }
        }};
    }

    // Resolves a `call_indirect` target or traps.
    macro_rules! indirect_target {
        ($index:expr, $site:expr) => {{
            // SAFETY: see the comment at the top of `run`.
            let site = unsafe { &(*cur).call_sites[$site as usize] };
            let instance = &store.inner.instances[inst as usize];
            let table = instance.tables[site.target as usize] as usize;
            let t = &store.inner.tables[table];
            let i = if t.is64 {
                v!($index)
            } else {
                v!($index) as u32 as u64
            };
            let raw_ref = match usize::try_from(i).ok().and_then(|i| t.elems.get(i)) {
                Some(r) => *r,
                None => trap!(Trap::TableOutOfBounds),
            };
            let f = match store.inner.func_of_raw(raw_ref) {
                Some(f) => f,
                None => trap!(Trap::IndirectCallToNull),
            };
            let actual = &store.inner.funcs[f as usize];
            if actual.type_id != site.type_id {
                let expected = &instance.module.0.types[site.ty as usize];
                if !actual
                    .ty
                    .info()
                    .is_subtype_of(site.type_id, expected.info().depth())
                {
                    trap!(Trap::BadSignature);
                }
            }
            (f, site.vbase, site.rbase)
        }};
    }

    macro_rules! ref_target {
        ($func:expr, $site:expr) => {{
            // SAFETY: see the comment at the top of `run`.
            let site = unsafe { &(*cur).call_sites[$site as usize] };
            let f = match store.inner.func_of_raw(r!($func)) {
                Some(f) => f,
                None => trap!(Trap::NullFunctionReference),
            };
            (f, site.vbase, site.rbase)
        }};
    }

    // An imported function: `site.target` is its function index.
    macro_rules! import_target {
        ($site:expr) => {{
            let site = site!($site);
            let instance = &store.inner.instances[inst as usize];
            (instance.funcs[site.target as usize], site.vbase, site.rbase)
        }};
    }

    macro_rules! gc_frame {
        () => {
            gc_ops::Frame {
                vfp,
                rfp,
                // SAFETY: see the comment at the top of `run`.
                live_refs: rfp + unsafe { (*cur).ref_frame } as usize,
            }
        };
    }
    macro_rules! site {
        ($site:expr) => {
            // SAFETY: see the comment at the top of `run`; translation only
            // emits call-site indices of the function's own side table.
            unsafe {
                let sites = &(*cur).call_sites;
                debug_assert!(($site as usize) < sites.len());
                *sites.get_unchecked($site as usize)
            }
        };
    }
    macro_rules! cast {
        ($cast:expr) => {
            // SAFETY: see the comment at the top of `run`.
            unsafe { &(*cur).casts[$cast as usize] }
        };
    }
    macro_rules! struct_at {
        ($obj:expr, $off:expr) => {{
            let r = r!($obj);
            if r == raw::NULL {
                trap!(Trap::NullStructReference);
            }
            Heap::offset(r) + HEADER + $off as usize
        }};
    }
    macro_rules! array_at {
        ($arr:expr, $idx:expr, $size:expr) => {{
            let r = r!($arr);
            if r == raw::NULL {
                trap!(Trap::NullArrayReference);
            }
            let off = Heap::offset(r);
            let i = v!($idx) as u32;
            if i >= store.inner.heap.len_of(off) {
                trap!(Trap::ArrayOutOfBounds);
            }
            off + HEADER + i as usize * $size
        }};
    }

    loop {
        // SAFETY: `ip` always points at an instruction of the current
        // function: it starts at the first one, advances by one after a
        // non-branching instruction (never past the final `Return`/`Trap`),
        // and jumps only to translated branch targets.
        let instr = unsafe { &*ip };
        match *instr {
            Instr::I32Add { dst, a, b } => i32bin!(dst, a, b, |x, y| x.wrapping_add(y)),
            Instr::I32Sub { dst, a, b } => i32bin!(dst, a, b, |x, y| x.wrapping_sub(y)),
            Instr::I32Mul { dst, a, b } => i32bin!(dst, a, b, |x, y| x.wrapping_mul(y)),
            Instr::I32DivS { dst, a, b } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                if x == i32::MIN && y == -1 {
                    trap!(Trap::IntegerOverflow);
                }
                vm!(dst) = (x / y) as u32 as u64;
            }
            Instr::I32DivU { dst, a, b } => {
                let (x, y) = (v!(a) as u32, v!(b) as u32);
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                vm!(dst) = (x / y) as u64;
            }
            Instr::I32RemS { dst, a, b } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                vm!(dst) = x.wrapping_rem(y) as u32 as u64;
            }
            Instr::I32RemU { dst, a, b } => {
                let (x, y) = (v!(a) as u32, v!(b) as u32);
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                vm!(dst) = (x % y) as u64;
            }
            Instr::I32And { dst, a, b } => i32bin!(dst, a, b, |x, y| x & y),
            Instr::I32Or { dst, a, b } => i32bin!(dst, a, b, |x, y| x | y),
            Instr::I32Xor { dst, a, b } => i32bin!(dst, a, b, |x, y| x ^ y),
            Instr::I32Shl { dst, a, b } => i32bin!(dst, a, b, |x, y| x.wrapping_shl(y as u32)),
            Instr::I32ShrS { dst, a, b } => i32bin!(dst, a, b, |x, y| x.wrapping_shr(y as u32)),
            Instr::I32ShrU { dst, a, b } => {
                i32bin!(dst, a, b, |x, y| (x as u32).wrapping_shr(y as u32))
            }
            Instr::I32Rotl { dst, a, b } => {
                i32bin!(dst, a, b, |x, y| (x as u32).rotate_left(y as u32))
            }
            Instr::I32Rotr { dst, a, b } => {
                i32bin!(dst, a, b, |x, y| (x as u32).rotate_right(y as u32))
            }
            Instr::I32Eq { dst, a, b } => i32bin!(dst, a, b, |x, y| x == y),
            Instr::I32Ne { dst, a, b } => i32bin!(dst, a, b, |x, y| x != y),
            Instr::I32LtS { dst, a, b } => i32bin!(dst, a, b, |x, y| x < y),
            Instr::I32LtU { dst, a, b } => i32bin!(dst, a, b, |x, y| (x as u32) < (y as u32)),
            Instr::I32GtS { dst, a, b } => i32bin!(dst, a, b, |x, y| x > y),
            Instr::I32GtU { dst, a, b } => i32bin!(dst, a, b, |x, y| (x as u32) > (y as u32)),
            Instr::I32LeS { dst, a, b } => i32bin!(dst, a, b, |x, y| x <= y),
            Instr::I32LeU { dst, a, b } => i32bin!(dst, a, b, |x, y| (x as u32) <= (y as u32)),
            Instr::I32GeS { dst, a, b } => i32bin!(dst, a, b, |x, y| x >= y),
            Instr::I32GeU { dst, a, b } => i32bin!(dst, a, b, |x, y| (x as u32) >= (y as u32)),
            Instr::I64Add { dst, a, b } => i64bin!(dst, a, b, |x, y| x.wrapping_add(y)),
            Instr::I64Sub { dst, a, b } => i64bin!(dst, a, b, |x, y| x.wrapping_sub(y)),
            Instr::I64Mul { dst, a, b } => i64bin!(dst, a, b, |x, y| x.wrapping_mul(y)),
            Instr::I64DivS { dst, a, b } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                if x == i64::MIN && y == -1 {
                    trap!(Trap::IntegerOverflow);
                }
                vm!(dst) = (x / y) as u64;
            }
            Instr::I64DivU { dst, a, b } => {
                let (x, y) = (v!(a), v!(b));
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                vm!(dst) = x / y;
            }
            Instr::I64RemS { dst, a, b } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                vm!(dst) = x.wrapping_rem(y) as u64;
            }
            Instr::I64RemU { dst, a, b } => {
                let (x, y) = (v!(a), v!(b));
                if y == 0 {
                    trap!(Trap::IntegerDivisionByZero);
                }
                vm!(dst) = x % y;
            }
            Instr::I64And { dst, a, b } => i64bin!(dst, a, b, |x, y| x & y),
            Instr::I64Or { dst, a, b } => i64bin!(dst, a, b, |x, y| x | y),
            Instr::I64Xor { dst, a, b } => i64bin!(dst, a, b, |x, y| x ^ y),
            Instr::I64Shl { dst, a, b } => i64bin!(dst, a, b, |x, y| x.wrapping_shl(y as u32)),
            Instr::I64ShrS { dst, a, b } => i64bin!(dst, a, b, |x, y| x.wrapping_shr(y as u32)),
            Instr::I64ShrU { dst, a, b } => {
                i64bin!(dst, a, b, |x, y| (x as u64).wrapping_shr(y as u32))
            }
            Instr::I64Rotl { dst, a, b } => {
                i64bin!(dst, a, b, |x, y| (x as u64).rotate_left((y & 63) as u32))
            }
            Instr::I64Rotr { dst, a, b } => {
                i64bin!(dst, a, b, |x, y| (x as u64).rotate_right((y & 63) as u32))
            }
            Instr::I64Eq { dst, a, b } => i64bin!(dst, a, b, |x, y| x == y),
            Instr::I64Ne { dst, a, b } => i64bin!(dst, a, b, |x, y| x != y),
            Instr::I64LtS { dst, a, b } => i64bin!(dst, a, b, |x, y| x < y),
            Instr::I64LtU { dst, a, b } => i64bin!(dst, a, b, |x, y| (x as u64) < (y as u64)),
            Instr::I64GtS { dst, a, b } => i64bin!(dst, a, b, |x, y| x > y),
            Instr::I64GtU { dst, a, b } => i64bin!(dst, a, b, |x, y| (x as u64) > (y as u64)),
            Instr::I64LeS { dst, a, b } => i64bin!(dst, a, b, |x, y| x <= y),
            Instr::I64LeU { dst, a, b } => i64bin!(dst, a, b, |x, y| (x as u64) <= (y as u64)),
            Instr::I64GeS { dst, a, b } => i64bin!(dst, a, b, |x, y| x >= y),
            Instr::I64GeU { dst, a, b } => i64bin!(dst, a, b, |x, y| (x as u64) >= (y as u64)),
            Instr::F32Add { dst, a, b } => f32bin!(dst, a, b, |x, y| x + y),
            Instr::F32Sub { dst, a, b } => f32bin!(dst, a, b, |x, y| x - y),
            Instr::F32Mul { dst, a, b } => f32bin!(dst, a, b, |x, y| x * y),
            Instr::F32Div { dst, a, b } => f32bin!(dst, a, b, |x, y| x / y),
            Instr::F32Min { dst, a, b } => f32bin!(dst, a, b, |x, y| num::fmin32(x, y)),
            Instr::F32Max { dst, a, b } => f32bin!(dst, a, b, |x, y| num::fmax32(x, y)),
            Instr::F32Copysign { dst, a, b } => {
                let (x, y) = (v!(a) as u32, v!(b) as u32);
                vm!(dst) = ((x & 0x7fff_ffff) | (y & 0x8000_0000)) as u64;
            }
            Instr::F32Eq { dst, a, b } => f32cmp!(dst, a, b, |x, y| x == y),
            Instr::F32Ne { dst, a, b } => f32cmp!(dst, a, b, |x, y| x != y),
            Instr::F32Lt { dst, a, b } => f32cmp!(dst, a, b, |x, y| x < y),
            Instr::F32Gt { dst, a, b } => f32cmp!(dst, a, b, |x, y| x > y),
            Instr::F32Le { dst, a, b } => f32cmp!(dst, a, b, |x, y| x <= y),
            Instr::F32Ge { dst, a, b } => f32cmp!(dst, a, b, |x, y| x >= y),
            Instr::F64Add { dst, a, b } => f64bin!(dst, a, b, |x, y| x + y),
            Instr::F64Sub { dst, a, b } => f64bin!(dst, a, b, |x, y| x - y),
            Instr::F64Mul { dst, a, b } => f64bin!(dst, a, b, |x, y| x * y),
            Instr::F64Div { dst, a, b } => f64bin!(dst, a, b, |x, y| x / y),
            Instr::F64Min { dst, a, b } => f64bin!(dst, a, b, |x, y| num::fmin64(x, y)),
            Instr::F64Max { dst, a, b } => f64bin!(dst, a, b, |x, y| num::fmax64(x, y)),
            Instr::F64Copysign { dst, a, b } => {
                let (x, y) = (v!(a), v!(b));
                vm!(dst) = (x & !(1 << 63)) | (y & (1 << 63));
            }
            Instr::F64Eq { dst, a, b } => f64cmp!(dst, a, b, |x, y| x == y),
            Instr::F64Ne { dst, a, b } => f64cmp!(dst, a, b, |x, y| x != y),
            Instr::F64Lt { dst, a, b } => f64cmp!(dst, a, b, |x, y| x < y),
            Instr::F64Gt { dst, a, b } => f64cmp!(dst, a, b, |x, y| x > y),
            Instr::F64Le { dst, a, b } => f64cmp!(dst, a, b, |x, y| x <= y),
            Instr::F64Ge { dst, a, b } => f64cmp!(dst, a, b, |x, y| x >= y),

            Instr::I32Eqz { dst, src } => un!(dst, src, |x| (x as u32 == 0) as u64),
            Instr::I32Clz { dst, src } => un!(dst, src, |x| (x as u32).leading_zeros() as u64),
            Instr::I32Ctz { dst, src } => un!(dst, src, |x| (x as u32).trailing_zeros() as u64),
            Instr::I32Popcnt { dst, src } => un!(dst, src, |x| (x as u32).count_ones() as u64),
            Instr::I64Eqz { dst, src } => un!(dst, src, |x| (x == 0) as u64),
            Instr::I64Clz { dst, src } => un!(dst, src, |x| x.leading_zeros() as u64),
            Instr::I64Ctz { dst, src } => un!(dst, src, |x| x.trailing_zeros() as u64),
            Instr::I64Popcnt { dst, src } => un!(dst, src, |x| x.count_ones() as u64),
            Instr::F32Abs { dst, src } => un!(dst, src, |x| (x as u32 & 0x7fff_ffff) as u64),
            Instr::F32Neg { dst, src } => un!(dst, src, |x| (x as u32 ^ 0x8000_0000) as u64),
            Instr::F32Sqrt { dst, src } => f32un!(dst, src, |x| num::quiet32(x.sqrt())),
            Instr::F32Ceil { dst, src } => f32un!(dst, src, |x| num::quiet32(x.ceil())),
            Instr::F32Floor { dst, src } => f32un!(dst, src, |x| num::quiet32(x.floor())),
            Instr::F32Trunc { dst, src } => f32un!(dst, src, |x| num::quiet32(x.trunc())),
            Instr::F32Nearest { dst, src } => {
                f32un!(dst, src, |x| num::quiet32(x.round_ties_even()))
            }
            Instr::F64Abs { dst, src } => un!(dst, src, |x| x & !(1 << 63)),
            Instr::F64Neg { dst, src } => un!(dst, src, |x| x ^ (1 << 63)),
            Instr::F64Sqrt { dst, src } => f64un!(dst, src, |x| num::quiet64(x.sqrt())),
            Instr::F64Ceil { dst, src } => f64un!(dst, src, |x| num::quiet64(x.ceil())),
            Instr::F64Floor { dst, src } => f64un!(dst, src, |x| num::quiet64(x.floor())),
            Instr::F64Trunc { dst, src } => f64un!(dst, src, |x| num::quiet64(x.trunc())),
            Instr::F64Nearest { dst, src } => {
                f64un!(dst, src, |x| num::quiet64(x.round_ties_even()))
            }
            Instr::I32WrapI64 { dst, src } => un!(dst, src, |x| x as u32 as u64),
            Instr::I64ExtendI32S { dst, src } => un!(dst, src, |x| x as u32 as i32 as i64 as u64),
            Instr::I64ExtendI32U { dst, src } => un!(dst, src, |x| x as u32 as u64),
            Instr::I32TruncF32S { dst, src } => {
                vm!(dst) = tri!(num::i32_trunc_s(num::f32_as_f64(v!(src))))
            }
            Instr::I32TruncF32U { dst, src } => {
                vm!(dst) = tri!(num::i32_trunc_u(num::f32_as_f64(v!(src))))
            }
            Instr::I32TruncF64S { dst, src } => {
                vm!(dst) = tri!(num::i32_trunc_s(f64::from_bits(v!(src))))
            }
            Instr::I32TruncF64U { dst, src } => {
                vm!(dst) = tri!(num::i32_trunc_u(f64::from_bits(v!(src))))
            }
            Instr::I64TruncF32S { dst, src } => {
                vm!(dst) = tri!(num::i64_trunc_s(num::f32_as_f64(v!(src))))
            }
            Instr::I64TruncF32U { dst, src } => {
                vm!(dst) = tri!(num::i64_trunc_u(num::f32_as_f64(v!(src))))
            }
            Instr::I64TruncF64S { dst, src } => {
                vm!(dst) = tri!(num::i64_trunc_s(f64::from_bits(v!(src))))
            }
            Instr::I64TruncF64U { dst, src } => {
                vm!(dst) = tri!(num::i64_trunc_u(f64::from_bits(v!(src))))
            }
            Instr::I32TruncSatF32S { dst, src } => {
                un!(dst, src, |x| f32::from_bits(x as u32) as i32 as u32 as u64)
            }
            Instr::I32TruncSatF32U { dst, src } => {
                un!(dst, src, |x| f32::from_bits(x as u32) as u32 as u64)
            }
            Instr::I32TruncSatF64S { dst, src } => {
                un!(dst, src, |x| f64::from_bits(x) as i32 as u32 as u64)
            }
            Instr::I32TruncSatF64U { dst, src } => {
                un!(dst, src, |x| f64::from_bits(x) as u32 as u64)
            }
            Instr::I64TruncSatF32S { dst, src } => {
                un!(dst, src, |x| f32::from_bits(x as u32) as i64 as u64)
            }
            Instr::I64TruncSatF32U { dst, src } => {
                un!(dst, src, |x| f32::from_bits(x as u32) as u64)
            }
            Instr::I64TruncSatF64S { dst, src } => {
                un!(dst, src, |x| f64::from_bits(x) as i64 as u64)
            }
            Instr::I64TruncSatF64U { dst, src } => un!(dst, src, |x| f64::from_bits(x) as u64),
            Instr::F32ConvertI32S { dst, src } => {
                un!(dst, src, |x| (x as u32 as i32 as f32).to_bits() as u64)
            }
            Instr::F32ConvertI32U { dst, src } => {
                un!(dst, src, |x| (x as u32 as f32).to_bits() as u64)
            }
            Instr::F32ConvertI64S { dst, src } => {
                un!(dst, src, |x| (x as i64 as f32).to_bits() as u64)
            }
            Instr::F32ConvertI64U { dst, src } => un!(dst, src, |x| (x as f32).to_bits() as u64),
            Instr::F32DemoteF64 { dst, src } => {
                un!(dst, src, |x| (f64::from_bits(x) as f32).to_bits() as u64)
            }
            Instr::F64ConvertI32S { dst, src } => {
                un!(dst, src, |x| (x as u32 as i32 as f64).to_bits())
            }
            Instr::F64ConvertI32U { dst, src } => un!(dst, src, |x| (x as u32 as f64).to_bits()),
            Instr::F64ConvertI64S { dst, src } => un!(dst, src, |x| (x as i64 as f64).to_bits()),
            Instr::F64ConvertI64U { dst, src } => un!(dst, src, |x| (x as f64).to_bits()),
            Instr::F64PromoteF32 { dst, src } => {
                un!(dst, src, |x| (f32::from_bits(x as u32) as f64).to_bits())
            }
            Instr::I32Extend8S { dst, src } => un!(dst, src, |x| x as i8 as i32 as u32 as u64),
            Instr::I32Extend16S { dst, src } => un!(dst, src, |x| x as i16 as i32 as u32 as u64),
            Instr::I64Extend8S { dst, src } => un!(dst, src, |x| x as i8 as i64 as u64),
            Instr::I64Extend16S { dst, src } => un!(dst, src, |x| x as i16 as i64 as u64),
            Instr::I64Extend32S { dst, src } => un!(dst, src, |x| x as i32 as i64 as u64),
            Instr::Copy { dst, src } => vm!(dst) = v!(src),

            Instr::I32Load { dst, addr, offset } => {
                load!(dst, addr, offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Instr::I64Load { dst, addr, offset } => {
                load!(dst, addr, offset, 8, |b| u64::from_le_bytes(b))
            }
            Instr::F32Load { dst, addr, offset } => {
                load!(dst, addr, offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Instr::F64Load { dst, addr, offset } => {
                load!(dst, addr, offset, 8, |b| u64::from_le_bytes(b))
            }
            Instr::I32Load8S { dst, addr, offset } => {
                load!(dst, addr, offset, 1, |b| b[0] as i8 as i32 as u32 as u64)
            }
            Instr::I32Load8U { dst, addr, offset } => load!(dst, addr, offset, 1, |b| b[0] as u64),
            Instr::I32Load16S { dst, addr, offset } => {
                load!(
                    dst,
                    addr,
                    offset,
                    2,
                    |b| i16::from_le_bytes(b) as i32 as u32 as u64
                )
            }
            Instr::I32Load16U { dst, addr, offset } => {
                load!(dst, addr, offset, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Instr::I64Load8S { dst, addr, offset } => {
                load!(dst, addr, offset, 1, |b| b[0] as i8 as i64 as u64)
            }
            Instr::I64Load8U { dst, addr, offset } => load!(dst, addr, offset, 1, |b| b[0] as u64),
            Instr::I64Load16S { dst, addr, offset } => {
                load!(dst, addr, offset, 2, |b| i16::from_le_bytes(b) as i64
                    as u64)
            }
            Instr::I64Load16U { dst, addr, offset } => {
                load!(dst, addr, offset, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Instr::I64Load32S { dst, addr, offset } => {
                load!(dst, addr, offset, 4, |b| i32::from_le_bytes(b) as i64
                    as u64)
            }
            Instr::I64Load32U { dst, addr, offset } => {
                load!(dst, addr, offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Instr::I32Store { addr, val, offset } => {
                store!(addr, val, offset, |x| (x as u32).to_le_bytes())
            }
            Instr::I64Store { addr, val, offset } => store!(addr, val, offset, |x| x.to_le_bytes()),
            Instr::F32Store { addr, val, offset } => {
                store!(addr, val, offset, |x| (x as u32).to_le_bytes())
            }
            Instr::F64Store { addr, val, offset } => store!(addr, val, offset, |x| x.to_le_bytes()),
            Instr::I32Store8 { addr, val, offset } => store!(addr, val, offset, |x| [x as u8]),
            Instr::I32Store16 { addr, val, offset } => {
                store!(addr, val, offset, |x| (x as u16).to_le_bytes())
            }
            Instr::I64Store8 { addr, val, offset } => store!(addr, val, offset, |x| [x as u8]),
            Instr::I64Store16 { addr, val, offset } => {
                store!(addr, val, offset, |x| (x as u16).to_le_bytes())
            }
            Instr::I64Store32 { addr, val, offset } => {
                store!(addr, val, offset, |x| (x as u32).to_le_bytes())
            }
            Instr::LoadExt { dst, addr, site } => {
                // SAFETY: see the comment at the top of `run`.
                let m = unsafe { (*cur).mem_args[site as usize] };
                let a = v!(addr);
                let x = tri!(bulk::load_ext(&store.inner, inst, m, a));
                vm!(dst) = x;
            }
            Instr::StoreExt { addr, val, site } => {
                // SAFETY: see the comment at the top of `run`.
                let m = unsafe { (*cur).mem_args[site as usize] };
                let (a, x) = (v!(addr), v!(val));
                tri!(bulk::store_ext(&mut store.inner, inst, m, a, x));
                refresh!();
            }

            Instr::Const32 { dst, imm } => vm!(dst) = imm as u64,
            Instr::Const64 { dst, imm } => vm!(dst) = imm,
            Instr::RefCopy { dst, src } => rm!(dst) = r!(src),
            Instr::Select { dst, b, cond } => {
                if v!(cond) as u32 == 0 {
                    vm!(dst) = v!(b);
                }
            }
            Instr::RefSelect { dst, b, cond } => {
                if v!(cond) as u32 == 0 {
                    rm!(dst) = r!(b);
                }
            }

            Instr::Br { offset } => branch!(offset),
            Instr::BrIf { cond, offset } => {
                if v!(cond) as u32 != 0 {
                    branch!(offset);
                }
            }
            Instr::BrIfNot { cond, offset } => {
                if v!(cond) as u32 == 0 {
                    branch!(offset);
                }
            }
            Instr::BrTable { index, len } => {
                let i = (v!(index) as u32).min(len);
                branch!(1 + i as i64);
            }
            Instr::BrOnNull { src, offset } => {
                if r!(src) == raw::NULL {
                    branch!(offset);
                }
            }
            Instr::BrOnNonNull { src, offset } => {
                if r!(src) != raw::NULL {
                    branch!(offset);
                }
            }
            Instr::Return => ret!(),
            Instr::Trap { code } => trap!(code),

            // The hottest call: kept apart from its tail form so that `enter!`
            // is specialized for it.
            Instr::CallInternal { site } => {
                let s = site!(site);
                // SAFETY: translation made `s.target` a defined-function
                // index of the current module; see the top of `run`.
                let callee = unsafe { (*cur_module).code.as_ptr().add(s.target as usize) };
                enter!(callee, inst, s.target, s.vbase, s.rbase, false)
            }
            Instr::ReturnCallInternal { site } => {
                let s = site!(site);
                // SAFETY: as for `CallInternal`.
                let callee = unsafe { (*cur_module).code.as_ptr().add(s.target as usize) };
                enter!(callee, inst, s.target, s.vbase, s.rbase, true)
            }
            Instr::CallImported { site } | Instr::ReturnCallImported { site } => {
                let tail = matches!(*instr, Instr::ReturnCallImported { .. });
                let (f, vb, rb) = import_target!(site);
                call!(f, vb, rb, tail)
            }
            Instr::CallIndirect { index, site } | Instr::ReturnCallIndirect { index, site } => {
                let tail = matches!(*instr, Instr::ReturnCallIndirect { .. });
                let (f, vb, rb) = indirect_target!(index, site);
                call!(f, vb, rb, tail)
            }
            Instr::CallRef { func, site } | Instr::ReturnCallRef { func, site } => {
                let tail = matches!(*instr, Instr::ReturnCallRef { .. });
                let (f, vb, rb) = ref_target!(func, site);
                call!(f, vb, rb, tail)
            }

            Instr::GlobalGet { dst, index } => {
                let g = store.inner.instances[inst as usize].globals[index as usize];
                vm!(dst) = store.inner.globals[g as usize].bits;
            }
            Instr::GlobalSet { src, index } => {
                let g = store.inner.instances[inst as usize].globals[index as usize];
                store.inner.globals[g as usize].bits = v!(src);
            }
            Instr::RefGlobalGet { dst, index } => {
                let g = store.inner.instances[inst as usize].globals[index as usize];
                rm!(dst) = store.inner.globals[g as usize].bits as u32;
            }
            Instr::RefGlobalSet { src, index } => {
                let g = store.inner.instances[inst as usize].globals[index as usize];
                store.inner.globals[g as usize].bits = r!(src) as u64;
            }

            Instr::MemorySize { dst, mem } => {
                vm!(dst) = bulk::memory_size(&store.inner, inst, mem);
            }
            Instr::MemoryGrow { dst, delta, mem } => {
                let d = v!(delta);
                let old = bulk::memory_grow(&mut store.inner, inst, mem, d);
                refresh!();
                vm!(dst) = old;
            }
            Instr::MemoryFill { args, mem } => {
                let (d, val, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::memory_fill(
                    &mut store.inner,
                    inst,
                    mem,
                    d,
                    val as u8,
                    n
                ));
                refresh!();
            }
            Instr::MemoryCopy { args, mems } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::memory_copy(
                    &mut store.inner,
                    inst,
                    mems >> 16,
                    mems & 0xffff,
                    d,
                    s,
                    n
                ));
                refresh!();
            }
            Instr::MemoryInit { args, seg, mem } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::memory_init(&mut store.inner, inst, mem, seg, d, s, n));
                refresh!();
            }
            Instr::DataDrop { seg } => {
                store.inner.instances[inst as usize].datas[seg as usize] = std::sync::Arc::from([]);
            }
            Instr::TableGet { dst, index, table } => {
                let i = v!(index);
                rm!(dst) = tri!(bulk::table_get(&store.inner, inst, table, i));
            }
            Instr::TableSet { index, src, table } => {
                let (i, x) = (v!(index), r!(src));
                tri!(bulk::table_set(&mut store.inner, inst, table, i, x));
            }
            Instr::TableSize { dst, table } => {
                vm!(dst) = bulk::table_size(&store.inner, inst, table);
            }
            Instr::TableGrow { dst, init, table } => {
                let (d, x) = (v!(dst), r!(init));
                vm!(dst) = bulk::table_grow(&mut store.inner, inst, table, d, x);
            }
            Instr::TableFill { args, val, table } => {
                let (d, n, x) = (v!(args), v!(args + 1), r!(val));
                tri!(bulk::table_fill(&mut store.inner, inst, table, d, x, n));
            }
            Instr::TableCopy { args, tables } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(bulk::table_copy(
                    &mut store.inner,
                    inst,
                    tables >> 16,
                    tables & 0xffff,
                    d,
                    s,
                    n
                ));
            }
            Instr::TableInit { args, seg, table } => {
                let (d, s, n) = (v!(args), v!(args + 1), v!(args + 2));
                tri!(table_init(&mut store.inner, inst, table, seg, d, s, n));
            }
            Instr::ElemDrop { seg } => {
                store.inner.instances[inst as usize].elems[seg as usize] = Vec::new();
            }

            Instr::RefNull { dst } => rm!(dst) = raw::NULL,
            Instr::RefIsNull { dst, src } => vm!(dst) = (r!(src) == raw::NULL) as u64,
            Instr::RefFunc { dst, func } => {
                let f = store.inner.instances[inst as usize].funcs[func as usize];
                rm!(dst) = raw::func(f);
            }
            Instr::RefAsNonNull { src } => {
                if r!(src) == raw::NULL {
                    trap!(Trap::NullReference);
                }
            }
            Instr::RefEq { dst, a, b } => vm!(dst) = (r!(a) == r!(b)) as u64,

            Instr::StructNew { site } => {
                let (s, fr) = (site!(site), gc_frame!());
                tri!(gc_ops::struct_new(&mut store.inner, inst, &s, &fr));
                refresh!();
            }
            Instr::StructNewDefault { dst, ty } => {
                let fr = gc_frame!();
                let x = tri!(gc_ops::struct_new_default(&mut store.inner, inst, ty, &fr));
                refresh!();
                rm!(dst) = x;
            }
            Instr::StructGetI8S { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                vm!(dst) =
                    store.inner.heap.read(at, FieldKind::I8) as u8 as i8 as i32 as u32 as u64;
            }
            Instr::StructGetI8U { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I8);
            }
            Instr::StructGetI16S { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                vm!(dst) =
                    store.inner.heap.read(at, FieldKind::I16) as u16 as i16 as i32 as u32 as u64;
            }
            Instr::StructGetI16U { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I16);
            }
            Instr::StructGet32 { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I32);
            }
            Instr::StructGet64 { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I64);
            }
            Instr::StructGetRef { dst, obj, offset } => {
                let at = struct_at!(obj, offset);
                rm!(dst) = store.inner.heap.read(at, FieldKind::Ref) as u32;
            }
            Instr::StructSet8 { obj, val, offset } => {
                let at = struct_at!(obj, offset);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I8, x);
            }
            Instr::StructSet16 { obj, val, offset } => {
                let at = struct_at!(obj, offset);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I16, x);
            }
            Instr::StructSet32 { obj, val, offset } => {
                let at = struct_at!(obj, offset);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I32, x);
            }
            Instr::StructSet64 { obj, val, offset } => {
                let at = struct_at!(obj, offset);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I64, x);
            }
            Instr::StructSetRef { obj, val, offset } => {
                let at = struct_at!(obj, offset);
                let x = r!(val) as u64;
                store.inner.heap.write(at, FieldKind::Ref, x);
            }
            Instr::ArrayNew { site } => {
                let (s, fr) = (site!(site), gc_frame!());
                tri!(gc_ops::array_new(&mut store.inner, inst, &s, &fr));
                refresh!();
            }
            Instr::ArrayNewDefault { dst, len, ty } => {
                let (n, fr) = (v!(len) as u32, gc_frame!());
                let x = tri!(gc_ops::array_new_default(
                    &mut store.inner,
                    inst,
                    ty,
                    n,
                    &fr
                ));
                refresh!();
                rm!(dst) = x;
            }
            Instr::ArrayNewFixed { site } => {
                let (s, fr) = (site!(site), gc_frame!());
                tri!(gc_ops::array_new_fixed(&mut store.inner, inst, &s, &fr));
                refresh!();
            }
            Instr::ArrayNewData { site } => {
                let (s, fr) = (site!(site), gc_frame!());
                tri!(gc_ops::array_new_data(&mut store.inner, inst, &s, &fr));
                refresh!();
            }
            Instr::ArrayNewElem { site } => {
                let (s, fr) = (site!(site), gc_frame!());
                tri!(gc_ops::array_new_elem(&mut store.inner, inst, &s, &fr));
                refresh!();
            }
            Instr::ArrayGetI8S { dst, arr, index } => {
                let at = array_at!(arr, index, 1);
                vm!(dst) =
                    store.inner.heap.read(at, FieldKind::I8) as u8 as i8 as i32 as u32 as u64;
            }
            Instr::ArrayGetI8U { dst, arr, index } => {
                let at = array_at!(arr, index, 1);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I8);
            }
            Instr::ArrayGetI16S { dst, arr, index } => {
                let at = array_at!(arr, index, 2);
                vm!(dst) =
                    store.inner.heap.read(at, FieldKind::I16) as u16 as i16 as i32 as u32 as u64;
            }
            Instr::ArrayGetI16U { dst, arr, index } => {
                let at = array_at!(arr, index, 2);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I16);
            }
            Instr::ArrayGet32 { dst, arr, index } => {
                let at = array_at!(arr, index, 4);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I32);
            }
            Instr::ArrayGet64 { dst, arr, index } => {
                let at = array_at!(arr, index, 8);
                vm!(dst) = store.inner.heap.read(at, FieldKind::I64);
            }
            Instr::ArrayGetRef { dst, arr, index } => {
                let at = array_at!(arr, index, 4);
                rm!(dst) = store.inner.heap.read(at, FieldKind::Ref) as u32;
            }
            Instr::ArraySet8 { arr, index, val } => {
                let at = array_at!(arr, index, 1);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I8, x);
            }
            Instr::ArraySet16 { arr, index, val } => {
                let at = array_at!(arr, index, 2);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I16, x);
            }
            Instr::ArraySet32 { arr, index, val } => {
                let at = array_at!(arr, index, 4);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I32, x);
            }
            Instr::ArraySet64 { arr, index, val } => {
                let at = array_at!(arr, index, 8);
                let x = v!(val);
                store.inner.heap.write(at, FieldKind::I64, x);
            }
            Instr::ArraySetRef { arr, index, val } => {
                let at = array_at!(arr, index, 4);
                let x = r!(val) as u64;
                store.inner.heap.write(at, FieldKind::Ref, x);
            }
            Instr::ArrayLen { dst, arr } => {
                let r = r!(arr);
                if r == raw::NULL {
                    trap!(Trap::NullArrayReference);
                }
                vm!(dst) = store.inner.heap.len_of(Heap::offset(r)) as u64;
            }
            Instr::ArrayFill { vargs, rargs } => {
                let (va, ra) = (vfp + vargs as usize, rfp + rargs as usize);
                tri!(gc_ops::array_fill(&mut store.inner, va, ra));
                refresh!();
            }
            Instr::ArrayCopy { vargs, rargs } => {
                let (va, ra) = (vfp + vargs as usize, rfp + rargs as usize);
                tri!(gc_ops::array_copy(&mut store.inner, va, ra));
                refresh!();
            }
            Instr::ArrayInitData { vargs, rargs, seg } => {
                let (va, ra) = (vfp + vargs as usize, rfp + rargs as usize);
                tri!(gc_ops::array_init_data(&mut store.inner, inst, va, ra, seg));
                refresh!();
            }
            Instr::ArrayInitElem { vargs, rargs, seg } => {
                let (va, ra) = (vfp + vargs as usize, rfp + rargs as usize);
                tri!(gc_ops::array_init_elem(&mut store.inner, inst, va, ra, seg));
                refresh!();
            }
            Instr::RefI31 { dst, src } => rm!(dst) = raw::i31(v!(src) as u32 & 0x7fff_ffff),
            Instr::I31GetS { dst, src } => {
                let r = r!(src);
                if r == raw::NULL {
                    trap!(Trap::NullI31Reference);
                }
                vm!(dst) = ((r as i32) >> 1) as u32 as u64;
            }
            Instr::I31GetU { dst, src } => {
                let r = r!(src);
                if r == raw::NULL {
                    trap!(Trap::NullI31Reference);
                }
                vm!(dst) = (r >> 1) as u64;
            }
            Instr::RefTest { dst, src, cast } => {
                let ok = gc_ops::cast_ok(&store.inner, r!(src), cast!(cast));
                vm!(dst) = ok as u64;
            }
            Instr::RefCast { src, cast } => {
                if !gc_ops::cast_ok(&store.inner, r!(src), cast!(cast)) {
                    trap!(Trap::CastFailure);
                }
            }
            Instr::BrOnCast { src, cast, offset } => {
                if gc_ops::cast_ok(&store.inner, r!(src), cast!(cast)) {
                    branch!(offset);
                }
            }
            Instr::BrOnCastFail { src, cast, offset } => {
                if !gc_ops::cast_ok(&store.inner, r!(src), cast!(cast)) {
                    branch!(offset);
                }
            }
            Instr::I32AddImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x.wrapping_add(y)) as u32 as u64;
            }
            Instr::I32SubImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x.wrapping_sub(y)) as u32 as u64;
            }
            Instr::I32MulImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x.wrapping_mul(y)) as u32 as u64;
            }
            Instr::I32AndImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x & y) as u32 as u64;
            }
            Instr::I32OrImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x | y) as u32 as u64;
            }
            Instr::I32XorImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x ^ y) as u32 as u64;
            }
            Instr::I32ShlImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x.wrapping_shl(y as u32)) as u32 as u64;
            }
            Instr::I32ShrSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x.wrapping_shr(y as u32)) as u32 as u64;
            }
            Instr::I32ShrUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x as u32).wrapping_shr(y as u32) as u64;
            }
            Instr::I32EqImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x == y) as u32 as u64;
            }
            Instr::I32NeImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x != y) as u32 as u64;
            }
            Instr::I32LtSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x < y) as u32 as u64;
            }
            Instr::I32LtUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = ((x as u32) < (y as u32)) as u32 as u64;
            }
            Instr::I32GtSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x > y) as u32 as u64;
            }
            Instr::I32GtUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = ((x as u32) > (y as u32)) as u32 as u64;
            }
            Instr::I32LeSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x <= y) as u32 as u64;
            }
            Instr::I32LeUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = ((x as u32) <= (y as u32)) as u32 as u64;
            }
            Instr::I32GeSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = (x >= y) as u32 as u64;
            }
            Instr::I32GeUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                vm!(dst) = ((x as u32) >= (y as u32)) as u32 as u64;
            }
            Instr::BrI32Eq { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if x == y {
                    branch!(offset);
                }
            }
            Instr::BrI32EqImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if x == y {
                    branch!(offset);
                }
            }
            Instr::BrI32Ne { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if x != y {
                    branch!(offset);
                }
            }
            Instr::BrI32NeImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if x != y {
                    branch!(offset);
                }
            }
            Instr::BrI32LtS { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if x < y {
                    branch!(offset);
                }
            }
            Instr::BrI32LtSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if x < y {
                    branch!(offset);
                }
            }
            Instr::BrI32LtU { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if (x as u32) < (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32LtUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if (x as u32) < (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32GtS { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if x > y {
                    branch!(offset);
                }
            }
            Instr::BrI32GtSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if x > y {
                    branch!(offset);
                }
            }
            Instr::BrI32GtU { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if (x as u32) > (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32GtUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if (x as u32) > (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32LeS { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if x <= y {
                    branch!(offset);
                }
            }
            Instr::BrI32LeSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if x <= y {
                    branch!(offset);
                }
            }
            Instr::BrI32LeU { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if (x as u32) <= (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32LeUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if (x as u32) <= (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32GeS { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if x >= y {
                    branch!(offset);
                }
            }
            Instr::BrI32GeSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if x >= y {
                    branch!(offset);
                }
            }
            Instr::BrI32GeU { a, b, offset } => {
                let (x, y) = (v!(a) as u32 as i32, v!(b) as u32 as i32);
                if (x as u32) >= (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32GeUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as u32 as i32, imm);
                if (x as u32) >= (y as u32) {
                    branch!(offset);
                }
            }
            Instr::BrI32Eqz { a, offset } => {
                if v!(a) as u32 as i32 == 0 {
                    branch!(offset);
                }
            }
            Instr::BrI32Nez { a, offset } => {
                if v!(a) as u32 as i32 != 0 {
                    branch!(offset);
                }
            }
            Instr::I64AddImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x.wrapping_add(y)) as u64;
            }
            Instr::I64SubImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x.wrapping_sub(y)) as u64;
            }
            Instr::I64MulImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x.wrapping_mul(y)) as u64;
            }
            Instr::I64AndImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x & y) as u64;
            }
            Instr::I64OrImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x | y) as u64;
            }
            Instr::I64XorImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x ^ y) as u64;
            }
            Instr::I64ShlImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x.wrapping_shl(y as u32)) as u64;
            }
            Instr::I64ShrSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x.wrapping_shr(y as u32)) as u64;
            }
            Instr::I64ShrUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x as u64).wrapping_shr(y as u32);
            }
            Instr::I64EqImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x == y) as u64;
            }
            Instr::I64NeImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x != y) as u64;
            }
            Instr::I64LtSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x < y) as u64;
            }
            Instr::I64LtUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = ((x as u64) < (y as u64)) as u64;
            }
            Instr::I64GtSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x > y) as u64;
            }
            Instr::I64GtUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = ((x as u64) > (y as u64)) as u64;
            }
            Instr::I64LeSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x <= y) as u64;
            }
            Instr::I64LeUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = ((x as u64) <= (y as u64)) as u64;
            }
            Instr::I64GeSImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = (x >= y) as u64;
            }
            Instr::I64GeUImm { dst, a, imm } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                vm!(dst) = ((x as u64) >= (y as u64)) as u64;
            }
            Instr::BrI64Eq { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if x == y {
                    branch!(offset);
                }
            }
            Instr::BrI64EqImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if x == y {
                    branch!(offset);
                }
            }
            Instr::BrI64Ne { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if x != y {
                    branch!(offset);
                }
            }
            Instr::BrI64NeImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if x != y {
                    branch!(offset);
                }
            }
            Instr::BrI64LtS { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if x < y {
                    branch!(offset);
                }
            }
            Instr::BrI64LtSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if x < y {
                    branch!(offset);
                }
            }
            Instr::BrI64LtU { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if (x as u64) < (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64LtUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if (x as u64) < (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64GtS { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if x > y {
                    branch!(offset);
                }
            }
            Instr::BrI64GtSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if x > y {
                    branch!(offset);
                }
            }
            Instr::BrI64GtU { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if (x as u64) > (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64GtUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if (x as u64) > (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64LeS { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if x <= y {
                    branch!(offset);
                }
            }
            Instr::BrI64LeSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if x <= y {
                    branch!(offset);
                }
            }
            Instr::BrI64LeU { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if (x as u64) <= (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64LeUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if (x as u64) <= (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64GeS { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if x >= y {
                    branch!(offset);
                }
            }
            Instr::BrI64GeSImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if x >= y {
                    branch!(offset);
                }
            }
            Instr::BrI64GeU { a, b, offset } => {
                let (x, y) = (v!(a) as i64, v!(b) as i64);
                if (x as u64) >= (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64GeUImm { a, imm, offset } => {
                let (x, y) = (v!(a) as i64, imm as i64);
                if (x as u64) >= (y as u64) {
                    branch!(offset);
                }
            }
            Instr::BrI64Eqz { a, offset } => {
                if v!(a) as i64 == 0 {
                    branch!(offset);
                }
            }
            Instr::BrI64Nez { a, offset } => {
                if v!(a) as i64 != 0 {
                    branch!(offset);
                }
            }
        }
        // SAFETY: see the comment on `ip` at the top of the loop.
        ip = unsafe { ip.add(1) };
    }
}
