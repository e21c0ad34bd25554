//! Tests of the threaded handlers: every handler runs in constant native
//! stack and goes on at the next instruction (`chains_run_in_constant_stack`).

use super::*;
use crate::index::{DefFunc, TypeIdx};
use crate::{Engine, Instance, Module, Store};

#[test]
fn handlers_are_in_opcode_order() {
    for (i, (op, _)) in OPS.iter().enumerate() {
        assert_eq!(*op as usize, i);
    }
}

/// For each family, an instruction that runs without trapping in the
/// frame `chains_run_in_constant_stack` sets up and goes on at the next
/// instruction (value slots 1, 2, 3 hold 7, 3, 1 and 4..8 a vector pair
/// each, reference slots 0 and 1 a struct and an array; results go to
/// slots 10 and 20).
macro_rules! family_samples {
    ($( $name:ident { $($field:ident),* } ($family:ident $($rule:tt)*) ; )*) => {
        [$( (Op::$name, family_samples!(@one $name $family { $($field),* })) ),*]
    };
    (@one $n:ident binary $($fields:tt)*) => { Some(Instr::$n { dst: 10, a: 1, b: 2 }) };
    (@one $n:ident binary_trap $($fields:tt)*) => { family_samples!(@one $n binary) };
    (@one $n:ident binary_imm $($fields:tt)*) => { Some(Instr::$n { dst: 10, a: 1, imm: 3 }) };
    (@one $n:ident unary $($fields:tt)*) => { Some(Instr::$n { dst: 10, src: 1 }) };
    (@one $n:ident unary_trap $($fields:tt)*) => { family_samples!(@one $n unary) };
    (@one $n:ident branch_binary $($fields:tt)*) => { Some(Instr::$n { a: 1, b: 2, offset: 1 }) };
    (@one $n:ident branch_imm $($fields:tt)*) => { Some(Instr::$n { a: 1, imm: 3, offset: 1 }) };
    (@one $n:ident branch_step { x, k, b, offset }) => { Some(Instr::$n { x: 10, k: -1, b: 2, offset: 1 }) };
    (@one $n:ident branch_step { x, k, imm, offset }) => { Some(Instr::$n { x: 10, k: 2, imm: 3, offset: 1 }) };
    (@one $n:ident branch_step { x, y, b, offset }) => { Some(Instr::$n { x: 10, y: 3, b: 2, offset: 1 }) };
    (@one $n:ident branch_step { x, y, imm, offset }) => { Some(Instr::$n { x: 10, y: 2, imm: 3, offset: 1 }) };
    (@one $n:ident load_branch_unary $($fields:tt)*) => { Some(Instr::$n { dst: 10, addr: 1, end: 8, offset: 1 }) };
    (@one $n:ident load_branch $($fields:tt)*) => { Some(Instr::$n { dst: 10, addr: 1, b: 2, end: 8, offset: 1 }) };
    (@one $n:ident branch_unary $($fields:tt)*) => { Some(Instr::$n { a: 1, offset: 1 }) };
    (@one $n:ident load $($fields:tt)*) => { Some(Instr::$n { dst: 10, addr: 1, end: 8 }) };
    (@one $n:ident store $($fields:tt)*) => { Some(Instr::$n { addr: 1, val: 2, end: 8 }) };
    (@one $n:ident load_via $($fields:tt)*) => { Some(Instr::$n { dst: 10, addr: 1, first: 8, end: 8 }) };
    (@one $n:ident load_imm $($fields:tt)*) => { Some(Instr::$n { dst: 10, base: 1, imm: 8 }) };
    (@one $n:ident store_imm $($fields:tt)*) => { Some(Instr::$n { base: 1, val: 2, imm: 8 }) };
    (@one $n:ident store_const $($fields:tt)*) => { Some(Instr::$n { addr: 1, val: -7, end: 8 }) };
    (@one $n:ident store_const_imm $($fields:tt)*) => { Some(Instr::$n { base: 1, val: -7, imm: 8 }) };
    (@one $n:ident load_idx $($fields:tt)*) => { Some(Instr::$n { dst: 10, base: 1, index: 3 }) };
    (@one $n:ident store_idx $($fields:tt)*) => { Some(Instr::$n { base: 1, index: 3, val: 2 }) };
    (@one $n:ident struct_get $($fields:tt)*) => { Some(Instr::$n { dst: 10, obj: 0, offset: 0 }) };
    (@one $n:ident array_get $($fields:tt)*) => { Some(Instr::$n { dst: 10, arr: 1, index: 3 }) };
    (@one $n:ident struct_set $($fields:tt)*) => { Some(Instr::$n { obj: 0, val: 2, offset: 0 }) };
    (@one $n:ident array_set $($fields:tt)*) => { Some(Instr::$n { arr: 1, index: 3, val: 2 }) };
    (@one $n:ident v128_binary $($fields:tt)*) => { Some(Instr::$n { dst: 20, a: 4, b: 6 }) };
    (@one $n:ident v128_unary $($fields:tt)*) => { Some(Instr::$n { dst: 20, src: 4 }) };
    (@one $n:ident v128_ternary $($fields:tt)*) => { Some(Instr::$n { dst: 20, b: 4, c: 6 }) };
    (@one $n:ident v128_shift $($fields:tt)*) => { Some(Instr::$n { dst: 20, a: 4, b: 2 }) };
    (@one $n:ident v128_splat $($fields:tt)*) => { Some(Instr::$n { dst: 20, src: 2 }) };
    (@one $n:ident v128_reduce $($fields:tt)*) => { Some(Instr::$n { dst: 10, src: 4 }) };
    (@one $n:ident v128_extract $($fields:tt)*) => { Some(Instr::$n { dst: 10, src: 4, lane: 0 }) };
    (@one $n:ident v128_replace $($fields:tt)*) => { Some(Instr::$n { dst: 20, src: 2, lane: 0 }) };
    (@one $n:ident v128_load $($fields:tt)*) => { Some(Instr::$n { dst: 20, addr: 1, offset: 0 }) };
    (@one $n:ident other $($fields:tt)*) => { None };
}

/// A run of instructions that executes `op`'s handler in that frame
/// and goes on at the next instruction, for every threaded `op`.
fn sample(op: Op) -> Option<Vec<Instr>> {
    let families = for_each_instr!(family_samples);
    if let Some(i) = families[op as usize].1 {
        return Some(vec![i]);
    }
    Some(match op {
        Op::Const32 => vec![Instr::Const32 { dst: 10, imm: 1 }],
        Op::Const64 => vec![Instr::Const64 { dst: 10, imm: 1 }],
        Op::Copy => vec![Instr::Copy { dst: 10, src: 1 }],
        Op::RefCopy => vec![Instr::RefCopy { dst: 3, src: 0 }],
        Op::Copy128 => vec![Instr::Copy128 { dst: 20, src: 4 }],
        Op::Select => vec![Instr::Select {
            dst: 10,
            a: 2,
            b: 1,
            cond: 3,
        }],
        Op::I32ShrUAndImm => vec![Instr::I32ShrUAndImm {
            dst: 10,
            a: 1,
            mask: 0xff,
            shift: 3,
        }],
        Op::I32MulAdd => vec![Instr::I32MulAdd {
            dst: 10,
            acc: 1,
            a: 2,
            b: 3,
        }],
        Op::I64MulAdd => vec![Instr::I64MulAdd {
            dst: 10,
            acc: 1,
            a: 2,
            b: 3,
        }],
        Op::F32MulAdd => vec![Instr::F32MulAdd {
            dst: 10,
            acc: 1,
            a: 2,
            b: 3,
        }],
        Op::F64MulAdd => vec![Instr::F64MulAdd {
            dst: 10,
            acc: 1,
            a: 2,
            b: 3,
        }],
        Op::SelectFar => vec![Instr::SelectFar {
            dst: 10,
            b: 1,
            cond: 3,
        }],
        Op::RefSelect => vec![Instr::RefSelect {
            dst: 3,
            b: 0,
            cond: 3,
        }],
        Op::Select128 => vec![Instr::Select128 {
            dst: 20,
            b: 4,
            cond: 3,
        }],
        Op::V128Const => vec![Instr::V128Const { dst: 20, index: 0 }],
        Op::V128Store => vec![Instr::V128Store {
            addr: 1,
            val: 4,
            offset: 0,
        }],
        Op::Br => vec![Instr::Br { offset: 1 }],
        Op::BrIf => vec![Instr::BrIf { cond: 3, offset: 1 }],
        Op::BrIfNot => vec![Instr::BrIfNot { cond: 3, offset: 1 }],
        Op::BrTable => vec![Instr::BrTable { index: 3, len: 0 }, Instr::Br { offset: 1 }],
        Op::BrOnNull => vec![Instr::BrOnNull { src: 0, offset: 1 }],
        Op::BrOnNonNull => vec![Instr::BrOnNonNull { src: 0, offset: 1 }],
        Op::GlobalGet => vec![Instr::GlobalGet { dst: 10, index: 0 }],
        Op::GlobalSet => vec![Instr::GlobalSet { src: 1, index: 0 }],
        Op::RefNull => vec![Instr::RefNull { dst: 3 }],
        Op::RefIsNull => vec![Instr::RefIsNull { dst: 10, src: 0 }],
        Op::RefEq => vec![Instr::RefEq {
            dst: 10,
            a: 0,
            b: 1,
        }],
        // Calls of a function whose body is `Return` (or the copying
        // return under test): both handlers.
        Op::CallInternal | Op::Return | Op::CopyReturn | Op::RefCopyReturn => {
            vec![Instr::CallInternal {
                vbase: 30,
                rbase: 4,
                def: DefFunc(1),
            }]
        }
        // Call site 0 is the `call_indirect` of the module's `run`, of
        // element 0 (value slot 0 holds 0).
        Op::CallIndirect => vec![Instr::CallIndirect { index: 0, site: 0 }],
        // Table 0 holds that function at 0; call site 1 is the
        // `call_ref` of the module's `run`, site 2 its call of the
        // imported host function.
        Op::TableGet => vec![Instr::TableGet {
            dst: 2,
            index: 0,
            table: 0,
        }],
        Op::CallRef => vec![
            Instr::TableGet {
                dst: 2,
                index: 0,
                table: 0,
            },
            Instr::CallRef { func: 2, site: 1 },
        ],
        Op::CallImported => vec![Instr::CallImported { site: 2 }],
        Op::ConsumeFuel => vec![Instr::ConsumeFuel { amount: 0 }],
        Op::CheckEpoch => vec![Instr::CheckEpoch],
        // Global 1 is a reference global; reference slots 5 and 6 hold a
        // struct and an array of references.
        Op::RefGlobalGet => vec![Instr::RefGlobalGet { dst: 7, index: 1 }],
        Op::RefGlobalSet => vec![Instr::RefGlobalSet { src: 0, index: 1 }],
        Op::RefAsNonNull => vec![Instr::RefAsNonNull { src: 0 }],
        Op::StructGetRef => vec![Instr::StructGetRef {
            dst: 7,
            obj: 5,
            offset: 0,
        }],
        Op::StructSetRef => vec![Instr::StructSetRef {
            obj: 5,
            val: 0,
            offset: 0,
        }],
        Op::ArrayGetRef => vec![Instr::ArrayGetRef {
            dst: 7,
            arr: 6,
            index: 3,
        }],
        Op::ArraySetRef => vec![Instr::ArraySetRef {
            arr: 6,
            index: 3,
            val: 0,
        }],
        Op::ArrayLen => vec![Instr::ArrayLen { dst: 10, arr: 1 }],
        // Cast 0 is "a struct".
        Op::RefTest => vec![Instr::RefTest {
            dst: 10,
            src: 0,
            cast: 0,
        }],
        Op::RefCast => vec![Instr::RefCast { src: 0, cast: 0 }],
        // Allocation site 0 is a `$s` from value slots 1 and 2 into
        // reference slot 7 (a full nursery bails to the loop).
        Op::StructNew => vec![Instr::StructNew {
            dst: 7,
            site: 0,
            ty: TypeIdx(0),
        }],
        Op::StructNewDefault => vec![Instr::StructNewDefault {
            dst: 7,
            ty: TypeIdx(0),
        }],
        Op::ArrayNewDefault => vec![Instr::ArrayNewDefault {
            dst: 7,
            len: 3,
            ty: TypeIdx(1),
        }],
        _ => return None,
    })
}

/// Copies of a sample in a row: enough that a handler which *called*
/// the next one instead of jumping to it (at least 16 bytes of native
/// stack per instruction) would overflow the test thread's stack.
const COPIES: usize = 40_000;
const STACK: usize = 256 * 1024;

/// The stack-safety check of threaded dispatch: every handler that does
/// more than bail runs `COPIES` times in one chain on a thread with a
/// `STACK`-byte native stack (a handler that grows the stack aborts
/// the test binary with "thread '<opcode>' has overflowed its stack").
#[test]
fn chains_run_in_constant_stack() {
    let engine = Engine::default();
    let wat = r#"(module
        (type $s (struct (field (mut i64)) (field (mut i64))))
        (type $a (array (mut i64)))
        (type $v (func))
        (type $rs (struct (field (mut anyref))))
        (type $ra (array (mut anyref)))
        (import "host" "f" (func $h (type $v)))
        (memory 1)
        (global (mut i64) (i64.const 0))
        (global (mut anyref) (ref.null any))
        (table 1 funcref)
        (elem (i32.const 0) $callee)
        (func (export "run") (type $v)
            (call_indirect (type $v) (i32.const 0))
            (call_ref $v (ref.func $callee))
            (call $h))
        (func $callee (type $v)))"#;
    let mut tested = 0;
    for (op, threaded) in OPS {
        let Some(body) = sample(op) else {
            assert!(!threaded, "no sample for threaded {op:?}");
            continue;
        };
        assert!(threaded, "{op:?} has a sample but only bails");
        let mut code = vec![
            Instr::Const64 { dst: 1, imm: 7 },
            Instr::Const64 { dst: 2, imm: 3 },
            Instr::Const64 { dst: 3, imm: 1 },
            Instr::Const64 {
                dst: 4,
                imm: 0x0102_0304_0506_0708,
            },
            Instr::Const64 { dst: 5, imm: 9 },
            Instr::Const64 {
                dst: 6,
                imm: 0x1111_2222_3333_4444,
            },
            Instr::Const64 { dst: 7, imm: 5 },
            Instr::StructNewDefault {
                dst: 0,
                ty: TypeIdx(0),
            },
            Instr::ArrayNewDefault {
                dst: 1,
                len: 1,
                ty: TypeIdx(1),
            },
            Instr::StructNewDefault {
                dst: 5,
                ty: TypeIdx(3),
            },
            Instr::ArrayNewDefault {
                dst: 6,
                len: 1,
                ty: TypeIdx(4),
            },
        ];
        for _ in 0..COPIES {
            code.extend_from_slice(&body);
        }
        code.push(Instr::Return);
        let mut module = Module::new(&engine, wat).unwrap();
        let m = std::sync::Arc::get_mut(&mut module.0).unwrap();
        let f = &mut m.code[0];
        f.code = code.into();
        (f.value_locals, f.value_frame, f.ref_frame) = (64, 64, 8);
        f.clears = true;
        f.v128s = Box::new([0x0123_4567_89ab_cdef_0123_4567_89ab_cdef]);
        f.casts = Box::new([CastTarget {
            nullable: false,
            kind: crate::ir::CastKind::Struct,
        }]);
        f.alloc_sites = Box::new([AllocSite {
            vbase: 1,
            rbase: 7,
            ty: TypeIdx(0),
            source: crate::ir::AllocSource::Operands,
        }]);
        let callee = &mut m.code[1];
        callee.code = Box::new([match op {
            Op::CopyReturn => Instr::CopyReturn { src: 1 },
            Op::RefCopyReturn => Instr::RefCopyReturn { src: 1 },
            _ => Instr::Return,
        }]);
        (callee.value_frame, callee.ref_frame) = (2, 2);
        // The imported function is a pure host function (its own
        // handler), and for `CallImported` also one that takes a
        // `Caller` (`host_call`).
        let kinds: &[bool] = if op == Op::CallImported {
            &[false, true]
        } else {
            &[false]
        };
        for &with_caller in kinds {
            let module = module.clone();
            let run = move || {
                let mut store = Store::new(&engine_of(&module), ());
                store.set_epoch_deadline(1 << 40);
                let h = if with_caller {
                    crate::Func::wrap(&mut store, |_: crate::Caller<'_, ()>| ())
                } else {
                    crate::Func::wrap(&mut store, || ())
                };
                let inst = Instance::new(&mut store, &module, &[h.into()]).unwrap();
                let f = inst.get_func(&mut store, "run").unwrap();
                f.call(&mut store, &[], &mut []).unwrap();
            };
            std::thread::Builder::new()
                .name(format!("{op:?}"))
                .stack_size(STACK)
                .spawn(run)
                .unwrap()
                .join()
                .unwrap();
        }
        tested += 1;
    }
    assert!(tested > 500, "only {tested} handlers tested");
}

fn engine_of(module: &Module) -> Engine {
    module.0.engine.clone()
}
