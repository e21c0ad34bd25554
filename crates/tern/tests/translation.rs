//! Regression tests for the translator's slot optimizations, each reduced
//! from a module on which Tern disagreed with V8 and wasmi.

mod common;

use tern::{Engine, Instance, Linker, Module, Store};

fn run_i32(wat: &str) -> i32 {
    let (mut store, run) = common::typed_func::<(), i32>(wat, "run");
    run.call(&mut store, ()).unwrap()
}

/// `local.set`/`local.tee` write a just-computed value straight into the
/// local by retargeting the instruction that computed it. The last
/// instruction here writes *reference* slot 1 (`global.get` of a funcref,
/// then dropped) while the value being stored sits in *value* slot 1: same
/// number, other frame. It must not be retargeted (found by the
/// differential fuzzer: crates/tern-fuzz/findings/i64-global-xor-off-by-one.wat).
#[test]
fn a_reference_result_is_not_retargeted_into_a_value_local() {
    let wat = r#"(module
      (global $f funcref (ref.func $g))
      (func $g)
      (func (export "run") (result i32)
        (local $x i32)
        ref.null func
        i32.const 7
        global.get $f
        drop
        local.tee $x
        drop
        drop
        local.get $x))"#;
    assert_eq!(run_i32(wat), 7);
}

/// A function of `depth` nested legacy `try` blocks, as a binary module.
fn nested_legacy_try(depth: usize) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(body.len(), out);
        out.extend_from_slice(body);
    }
    let mut code = vec![0]; // no declared locals
    for _ in 0..depth {
        code.extend_from_slice(&[0x06, 0x40]); // try (empty block type)
    }
    code.extend(std::iter::repeat_n(0x0b, depth + 1)); // the ends, and the body's
    let mut entry = Vec::new();
    leb(code.len(), &mut entry);
    entry.extend(code);
    let mut code_section = vec![1];
    code_section.extend(entry);
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut m); // type: [] -> []
    section(3, &[1, 0], &mut m); // one function of type 0
    section(10, &code_section, &mut m);
    m
}

#[test]
fn nested_legacy_try_blocks_are_bounded_like_locals() {
    let mut config = tern::Config::new();
    config.wasm_legacy_exceptions(true);
    let engine = Engine::new(&config).unwrap();
    // Each level of nesting needs a hidden local: a modest depth compiles ...
    let module = Module::new(&engine, nested_legacy_try(1000)).unwrap();
    let mut store = Store::new(&engine, ());
    Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    // ... one beyond the locals budget is refused, not given a huge frame.
    let err = Module::new(&engine, nested_legacy_try(50_001)).unwrap_err();
    assert_eq!(err.kind(), tern::ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("nested legacy `try`"), "{err}");
}

/// Loop inversion: `br` back to a loop whose first instruction is a fused
/// exit test runs the negated test in its place. Each case exits through
/// the inverted test (and, with `$after`, skips code between the loop and
/// the exit label, which a wrong exit would run).
#[test]
fn inverted_loop_tests_exit_like_the_original() {
    let wat = r#"(module
      (func (export "count") (param $n i32) (result i32) (local $i i32)
        (block $exit
          (loop $l
            (br_if $exit (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l))
          ;; Only reached by falling out of the loop, which never happens.
          (local.set $i (i32.const -1000)))
        (local.get $i))
      (func (export "reachable_after") (param $n i32) (result i32) (local $i i32)
        (block $exit
          (loop $l
            (br_if $exit (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (if (i32.ne (local.get $i) (i32.const 50)) (then (br $l))))
          ;; Reached by falling out of the loop at 50 only.
          (local.set $i (i32.add (local.get $i) (i32.const 1000))))
        (local.get $i))
      (func (export "float") (param $x f64) (param $step f64) (result i32) (local $k i32)
        (block $exit
          (loop $l
            ;; `!(x < 10)`: exits on NaN.
            (br_if $exit (i32.eqz (f64.lt (local.get $x) (f64.const 10))))
            (local.set $x (f64.add (local.get $x) (local.get $step)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l)))
        (local.get $k))
      (func (export "inner") (param $n i32) (result i32) (local $i i32)
        (loop $l
          (block $b
            (br_if $b (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $i (i32.add (local.get $i) (i32.const 3)))
            (br $l))
          (local.set $i (i32.add (local.get $i) (i32.const 1000))))
        (local.get $i)))"#;
    let (mut store, instance) = common::instance(&Engine::default(), wat);
    let count = instance
        .get_typed_func::<i32, i32>(&mut store, "count")
        .unwrap();
    for (n, want) in [(0, 0), (1, 1), (7, 7), (-5, 0)] {
        assert_eq!(count.call(&mut store, n).unwrap(), want, "count {n}");
    }
    let after = instance
        .get_typed_func::<i32, i32>(&mut store, "reachable_after")
        .unwrap();
    for (n, want) in [(0, 0), (7, 7), (49, 49), (50, 1050), (100, 1050)] {
        assert_eq!(after.call(&mut store, n).unwrap(), want, "after {n}");
    }
    let float = instance
        .get_typed_func::<(f64, f64), i32>(&mut store, "float")
        .unwrap();
    for (x, step, want) in [
        (0.0, 1.0, 10),
        (9.5, 1.0, 1),
        (10.0, 1.0, 0),
        (f64::NAN, 1.0, 0),
        // The inverted test sees NaN after one step.
        (0.0, f64::NAN, 1),
        (0.0, f64::INFINITY, 1),
    ] {
        assert_eq!(
            float.call(&mut store, (x, step)).unwrap(),
            want,
            "{x} {step}"
        );
    }
    let inner = instance
        .get_typed_func::<i32, i32>(&mut store, "inner")
        .unwrap();
    for (n, want) in [(0, 1000), (1, 1003), (9, 1009), (10, 1012)] {
        assert_eq!(inner.call(&mut store, n).unwrap(), want, "inner {n}");
    }
}

/// A module of the loop functions `funcs`, each returning `count << 32 |
/// value` through `$pack`: what the translator made of it, and an instance.
fn loop_module(funcs: &str) -> (String, Store<()>, Instance) {
    let wat = format!(
        r#"(module {funcs}
      (func $pack (param $c i32) (param $i i32) (result i64)
        (i64.or (i64.shl (i64.extend_i32_u (local.get $c)) (i64.const 32))
                (i64.extend_i32_u (local.get $i)))))"#
    );
    let engine = Engine::default();
    let code = Module::new(&engine, wat.as_bytes()).unwrap().explain();
    let (store, instance) = common::instance(&engine, &wat);
    (code, store, instance)
}

/// What `$pack` returns.
fn pack(count: u32, value: i32) -> i64 {
    (i64::from(count) << 32) | i64::from(value as u32)
}

/// A loop function for `loop_module`: `(param $i i32) (param $n i32)`,
/// each iteration counts itself, sets `$i` to `step`, and goes on while
/// `test` holds.
fn counted_loop(name: &str, step: &str, test: &str) -> String {
    format!(
        r#"
      (func (export "{name}") (param $i i32) (param $n i32) (result i64) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $i {step})
          (br_if $l {test}))
        (call $pack (local.get $c) (local.get $i)))"#
    )
}

/// A loop counter's step fuses into the compare-and-branch that tests it
/// (`StepBr*`: `x += k`; `StepByBr*`: `x += vals[y]`; a compare with `x`
/// on the right mirrored): every shape the translator fuses, run against
/// the loop's meaning computed here. Each function returns `count << 32 |
/// i` (iterations, final counter).
#[test]
fn stepped_loop_branches_count_like_the_add_and_the_branch() {
    let counted: String = [
        (
            "up",
            "(i32.add (local.get $i) (i32.const 3))",
            "(i32.lt_s (local.get $i) (local.get $n))",
        ),
        (
            "by",
            "(i32.add (local.get $i) (local.get $n))",
            "(i32.ne (local.get $i) (i32.const 7))",
        ),
        (
            "by_left_wrapping",
            "(i32.add (local.get $n) (local.get $i))",
            "(i32.gt_u (local.get $i) (i32.const 100))",
        ),
        (
            "wrapping",
            "(i32.add (local.get $i) (i32.const 16))",
            "(i32.gt_s (local.get $i) (i32.const 0))",
        ),
        (
            "doubling",
            "(i32.add (local.get $i) (local.get $i))",
            "(i32.le_u (local.get $i) (local.get $n))",
        ),
        (
            "mirrored_ne",
            "(i32.add (local.get $i) (i32.const 4))",
            "(i32.ne (local.get $n) (local.get $i))",
        ),
        (
            "mirrored_gt_u",
            "(i32.add (local.get $i) (i32.const 5))",
            "(i32.gt_u (local.get $n) (local.get $i))",
        ),
    ]
    .iter()
    .map(|(name, step, test)| counted_loop(name, step, test))
    .collect();
    let wat = counted
        + r#"
      (func (export "down") (param $i i32) (param $n i32) (result i64) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (call $pack (local.get $c) (local.get $i)))
      (func (export "until_zero") (param $i i32) (param $n i32) (result i64) (local $c i32)
        (block $out
          (loop $l
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const -2)))
            (br_if $out (i32.eqz (local.get $i)))
            (br $l)))
        (call $pack (local.get $c) (local.get $i)))
      (func (export "while") (param $i i32) (param $n i32) (result i64) (local $c i32)
        (block $out
          (loop $l
            (br_if $out (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (local.set $i (i32.sub (local.get $i) (i32.const -2)))
            (br $l)))
        (call $pack (local.get $c) (local.get $i)))
      (func (export "label_between") (param $i i32) (param $n i32) (result i64) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (block $b
            ;; Odd iterations jump to the test without the step.
            (br_if $b (i32.and (local.get $c) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1))))
          (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
        (call $pack (local.get $c) (local.get $i)))
"#;
    let (code, mut store, instance) = loop_module(&wat);
    for form in [
        "StepBrI32LtS {",
        "StepBrI32NeImm {",
        "StepBrI32EqImm {",
        "StepByBrI32NeImm {",
        "StepByBrI32GtUImm {",
        "StepBrI32GtSImm {",
        "StepByBrI32LeU {",
        "StepBrI32Ne {",
        "StepBrI32LtU {",
    ] {
        assert!(code.contains(form), "{form} in\n{code}");
    }
    // Fused where the step is the loop's last instruction, not across the
    // block's label.
    assert_eq!(code.matches("StepBrI32LtS {").count(), 2, "{code}");
    assert_eq!(code.matches("StepBrI32GeS {").count(), 0, "{code}");
    // The loop's meaning: run `body` (returns whether to go on) until it stops.
    fn run(mut i: i32, mut body: impl FnMut(u32, &mut i32) -> bool) -> i64 {
        let mut c = 0u32;
        loop {
            c += 1;
            if !body(c, &mut i) {
                return pack(c, i);
            }
        }
    }
    // Each loop's meaning once, with the `(i, n)` it runs on.
    type Case = (&'static str, fn(i32, i32) -> i64, &'static [(i32, i32)]);
    let cases: [Case; 11] = [
        (
            "up",
            |i, n| {
                run(i, |_, i| {
                    *i = i.wrapping_add(3);
                    *i < n
                })
            },
            &[(0, 10), (20, 10), (i32::MAX - 1, i32::MIN + 10)],
        ),
        (
            "down",
            |i, _| {
                run(i, |_, i| {
                    *i = i.wrapping_sub(1);
                    *i != 0
                })
            },
            &[(5, 0)],
        ),
        (
            "until_zero",
            |i, _| {
                run(i, |_, i| {
                    *i = i.wrapping_add(-2);
                    *i != 0
                })
            },
            &[(8, 0)],
        ),
        (
            "by",
            |i, y| {
                run(i, |_, i| {
                    *i = i.wrapping_add(y);
                    *i != 7
                })
            },
            &[(7 - 24, 8), (7 - 24, 24)],
        ),
        (
            "by_left_wrapping",
            |i, y| {
                run(i, |_, i| {
                    *i = y.wrapping_add(*i);
                    *i as u32 > 100
                })
            },
            &[(-16, 8)],
        ),
        (
            "wrapping",
            |i, _| {
                run(i, |_, i| {
                    *i = i.wrapping_add(16);
                    *i > 0
                })
            },
            &[(i32::MAX - 15, 0), (i32::MAX - 40, 0)],
        ),
        (
            "doubling",
            |i, n| {
                run(i, |_, i| {
                    *i = i.wrapping_add(*i);
                    *i as u32 <= n as u32
                })
            },
            &[(1, 100), (5, 1000)],
        ),
        (
            "while",
            |i, n| {
                // The test runs before each iteration: count and step after it.
                let (mut i, mut c) = (i, 0u32);
                while i < n {
                    c += 1;
                    i = i.wrapping_add(2);
                }
                pack(c, i)
            },
            &[(1, 10), (30, 10)],
        ),
        (
            "label_between",
            |i, n| {
                run(i, |c, i| {
                    if c % 2 == 0 {
                        *i += 1
                    }
                    *i < n
                })
            },
            &[(0, 3), (0, 1)],
        ),
        (
            "mirrored_ne",
            |i, n| {
                run(i, |_, i| {
                    *i = i.wrapping_add(4);
                    n != *i
                })
            },
            &[(-8, 12)],
        ),
        (
            "mirrored_gt_u",
            |i, n| {
                run(i, |_, i| {
                    *i = i.wrapping_add(5);
                    n as u32 > *i as u32
                })
            },
            &[(0, 12), (-7, 12)],
        ),
    ];
    for (name, want, inputs) in cases {
        let f = instance
            .get_typed_func::<(i32, i32), i64>(&mut store, name)
            .unwrap();
        for &(i, n) in inputs {
            assert_eq!(
                f.call(&mut store, (i, n)).unwrap(),
                want(i, n),
                "{name}({i}, {n})"
            );
        }
    }
}

/// An `i32.load` whose result an i32 compare-and-branch tests right away
/// fuses into it (`LoadBrI32LtS { dst, addr, b, end, offset }`, the
/// partition loops of quicksort): the loaded value still lands in `dst`,
/// the compare reads it after the write (`b == dst`), an out-of-bounds load
/// still traps, and a label between load and branch prevents the fusion;
/// the unary forms walk a list (`br_if` on the value, `eqz` of it).
/// Each function returns `count << 32 | value` as computed here.
#[test]
fn load_branches_test_the_value_they_load() {
    let wat = r#"
      (memory 1)
      (data (i32.const 0) "\01\00\00\00\02\00\00\00\05\00\00\00\03\00\00\00\09\00\00\00")
      ;; A list: 100 -> 108 -> 116 -> null.
      (data (i32.const 100) "\6c\00\00\00\00\00\00\00\74\00\00\00")
      (func (export "walk") (param $p i32) (param $pivot i32) (result i64) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $l (local.tee $p (i32.load (local.get $p)))))
        (call $pack (local.get $c) (local.get $p)))
      (func (export "walk_until_null") (param $p i32) (param $pivot i32) (result i64) (local $c i32)
        (block $out
          (loop $l
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br_if $out (i32.eqz (local.tee $p (i32.load (local.get $p)))))
            (br $l)))
        (call $pack (local.get $c) (local.get $p)))
      (func (export "scan_lt") (param $p i32) (param $pivot i32) (result i64) (local $c i32) (local $v i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (i32.lt_s (local.tee $v (i32.load (local.get $p))) (local.get $pivot))))
        (call $pack (local.get $c) (local.get $v)))
      (func (export "mirrored_gt_u") (param $p i32) (param $pivot i32) (result i64) (local $c i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (i32.gt_u (local.get $pivot) (i32.load offset=4 (local.get $p)))))
        (call $pack (local.get $c) (local.get $p)))
      (func (export "against_itself") (param $p i32) (param $pivot i32) (result i64) (local $c i32) (local $v i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (i32.ne (local.tee $v (i32.load (local.get $p))) (local.get $v))))
        (call $pack (local.get $c) (local.get $v)))
      (func (export "label_between") (param $p i32) (param $pivot i32) (result i64) (local $c i32) (local $v i32)
        (loop $l
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (block $b
            ;; Odd iterations test the value loaded before.
            (br_if $b (i32.and (local.get $c) (i32.const 1)))
            (local.set $v (i32.load (local.get $p))))
          (br_if $l (i32.lt_s (local.get $v) (local.get $pivot))))
        (call $pack (local.get $c) (local.get $v)))
"#;
    let (code, mut store, instance) = loop_module(wat);
    for (form, n) in [
        ("LoadBrI32LtS {", 1),
        ("LoadBrI32LtU {", 1),
        ("LoadBrI32Ne {", 1),
        ("LoadBrI32Nez {", 1),
        ("LoadBrI32Eqz {", 1),
        ("LoadBrI32", 5),
    ] {
        assert_eq!(code.matches(form).count(), n, "{form} in\n{code}");
    }
    let mut mem = vec![0u8; 65536];
    for (k, v) in [1i32, 2, 5, 3, 9].into_iter().enumerate() {
        mem[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
    }
    for (at, next) in [(100usize, 108i32), (108, 116)] {
        mem[at..at + 4].copy_from_slice(&next.to_le_bytes());
    }
    let load = |a: i32| {
        let a = a as u32 as usize;
        i32::from_le_bytes(mem[a..a + 4].try_into().unwrap())
    };
    let scan_lt = |mut p: i32, pivot: i32| {
        let mut c = 0;
        loop {
            c += 1;
            p = p.wrapping_add(4);
            if load(p) >= pivot {
                return pack(c, load(p));
            }
        }
    };
    let gt_u = |mut p: i32, pivot: i32| {
        let mut c = 0;
        loop {
            c += 1;
            p = p.wrapping_add(4);
            if pivot as u32 <= load(p + 4) as u32 {
                return pack(c, p);
            }
        }
    };
    let label_between = |mut p: i32, pivot: i32| {
        let (mut c, mut v) = (0, 0);
        loop {
            c += 1;
            p = p.wrapping_add(4);
            if c % 2 == 0 {
                v = load(p);
            }
            if v >= pivot {
                return pack(c, v);
            }
        }
    };
    let f = |name: &str, store: &mut Store<()>| {
        instance
            .get_typed_func::<(i32, i32), i64>(&mut *store, name)
            .unwrap()
    };
    for (p, pivot) in [(-4, 5), (-4, 1), (0, 4), (4, 4)] {
        let want = scan_lt(p, pivot);
        let got = f("scan_lt", &mut store)
            .call(&mut store, (p, pivot))
            .unwrap();
        assert_eq!(got, want, "scan_lt({p}, {pivot})");
    }
    for (p, pivot) in [(-4, 1), (0, 4), (4, 3)] {
        let want = label_between(p, pivot);
        let got = f("label_between", &mut store)
            .call(&mut store, (p, pivot))
            .unwrap();
        assert_eq!(got, want, "label_between({p}, {pivot})");
    }
    for (p, pivot) in [(-4, 3), (-4, 1), (-4, -1)] {
        let got = f("mirrored_gt_u", &mut store).call(&mut store, (p, pivot));
        if pivot == -1 {
            // Every value is below u32::MAX: the scan runs off the memory.
            let err = got.unwrap_err().to_string();
            assert!(err.contains("out of bounds memory access"), "{err}");
        } else {
            assert_eq!(got.unwrap(), gt_u(p, pivot), "mirrored_gt_u({p}, {pivot})");
        }
    }
    let walk = |mut p: i32| {
        let mut c = 0;
        loop {
            c += 1;
            p = load(p);
            if p == 0 {
                return pack(c, p);
            }
        }
    };
    for name in ["walk", "walk_until_null"] {
        for p in [100, 108, 116] {
            let got = f(name, &mut store).call(&mut store, (p, 0)).unwrap();
            assert_eq!(got, walk(p), "{name}({p})");
        }
    }
    let got = f("against_itself", &mut store)
        .call(&mut store, (-4, 0))
        .unwrap();
    assert_eq!(got, pack(1, 1));
}

/// A right shift by a constant whose temporary result an `and` with a
/// constant reads fuses into `I32ShrUAndImm` (the shift count taken mod 32,
/// the mask sign-extended as `i32.and` sees it); not when a label lies
/// between them (a block's result that a branch may also provide).
#[test]
fn shift_and_mask_fuse_like_the_two_instructions() {
    let wat = r#"(module
      (func (export "extract") (param $x i32) (result i32)
        (i32.xor
          (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff))
          (i32.and (i32.shr_u (local.get $x) (i32.const 35)) (i32.const -16))))
      (func (export "block_result") (param $x i32) (param $c i32) (result i32)
        (i32.and
          (block (result i32)
            (drop (br_if 0 (i32.const 0x1234) (local.get $c)))
            (i32.shr_u (local.get $x) (i32.const 4)))
          (i32.const 0xf0))))"#;
    let engine = Engine::default();
    let code = Module::new(&engine, wat.as_bytes()).unwrap().explain();
    assert_eq!(code.matches("I32ShrUAndImm {").count(), 2, "{code}");
    let (mut store, instance) = common::instance(&engine, wat);
    let extract = instance
        .get_typed_func::<i32, i32>(&mut store, "extract")
        .unwrap();
    for x in [0, 1, -1, 0x1234_5678, i32::MIN, 0x0000_ff00] {
        let want = ((x as u32 >> 8) & 0xff) as i32 ^ ((x as u32 >> 3) as i32 & -16);
        assert_eq!(
            extract.call(&mut store, x).unwrap(),
            want,
            "extract({x:#x})"
        );
    }
    let block = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "block_result")
        .unwrap();
    for (x, c) in [(0x0abc, 0), (0x0abc, 1), (-1, 0), (-1, 1)] {
        let want = if c != 0 {
            0x1234 & 0xf0
        } else {
            (x as u32 >> 4) as i32 & 0xf0
        };
        assert_eq!(
            block.call(&mut store, (x, c)).unwrap(),
            want,
            "block_result({x}, {c})"
        );
    }
}

/// `select` reads its first operand where it is and writes a result that
/// `local.set` retargets (no copies); when `b` or the condition sits in a
/// slot beyond 16 bits it falls back to the in-place form. Both forms, both
/// outcomes, with the result written over an operand's own local.
#[test]
fn select_forms_pick_the_right_operand() {
    let near = r#"(module
      (func (export "run") (param $c i32) (result i32)
        (local $a i32) (local $b i32)
        (local.set $a (i32.const 11))
        (local.set $b (i32.const 22))
        (local.set $a (select (local.get $a) (local.get $b) (local.get $c)))
        (local.set $b (select (local.get $b) (i32.const 33) (i32.eqz (local.get $c))))
        (i32.add (i32.mul (local.get $a) (i32.const 100)) (local.get $b))))"#;
    // Far: 49,990 locals and 16,000 stack values put `b` and `cond` beyond
    // slot 65,535.
    let far = format!(
        r#"(module
      (func (export "run") (param $c i32) (result i32)
        (local{})
        {}
        (select (i32.const 11) (i32.const 22) (local.get $c))
        return))"#,
        " i32".repeat(49_990),
        "i32.const 0\n".repeat(16_000)
    );
    for (wat, form) in [(near.to_string(), "Select {"), (far, "SelectFar {")] {
        let engine = Engine::default();
        let module = Module::new(&engine, wat.as_bytes()).unwrap();
        assert!(module.explain().contains(form), "expected {form}");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        let (yes, no) = if form == "Select {" {
            (1133, 2222)
        } else {
            (11, 22)
        };
        assert_eq!(run.call(&mut store, 1).unwrap(), yes, "{form} cond 1");
        assert_eq!(run.call(&mut store, 0).unwrap(), no, "{form} cond 0");
    }
}

/// A multiply whose temporary result only an add reads becomes one
/// `MulAdd` instruction (`dst = acc + a * b`): for integers with the
/// product on either side, for floats only on the right (operand order is
/// kept), the float product rounded before the add (never a fused
/// multiply-add: the values below differ under one rounding). Slots beyond
/// 65,535 keep the two instructions.
#[test]
fn fused_multiply_adds_compute_what_the_two_instructions_compute() {
    let wat = r#"(module
      (func (export "i32") (param $x i32) (param $y i32) (param $z i32) (result i32)
        (local $t i32)
        (local.set $t (i32.add (local.get $x) (i32.mul (local.get $y) (local.get $z))))
        (i32.add (i32.mul (local.get $t) (local.get $z)) (local.get $x)))
      (func (export "i64") (param i64 i64 i64) (result i64)
        (i64.add (i64.mul (local.get 1) (local.get 2)) (local.get 0)))
      (func (export "f32") (param f32 f32 f32) (result f32)
        (f32.add (local.get 0) (f32.mul (local.get 1) (local.get 2))))
      (func (export "f64") (param f64 f64 f64) (result f64)
        (f64.add (local.get 0) (f64.mul (local.get 1) (local.get 2))))
      (func (export "f64_left") (param f64 f64 f64) (result f64)
        (f64.add (f64.mul (local.get 1) (local.get 2)) (local.get 0))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat.as_bytes()).unwrap();
    let code = module.explain();
    for (form, n) in [
        ("I32MulAdd {", 2),
        ("I64MulAdd {", 1),
        ("F32MulAdd {", 1),
        ("F64MulAdd {", 1),
        ("F64Mul {", 1),
    ] {
        assert_eq!(code.matches(form).count(), n, "{form} in\n{code}");
    }
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let (x, y, z) = (7i32, 0x1_0000i32, 0x1_0001i32);
    let t = x.wrapping_add(y.wrapping_mul(z));
    let f = instance
        .get_typed_func::<(i32, i32, i32), i32>(&mut store, "i32")
        .unwrap();
    assert_eq!(
        f.call(&mut store, (x, y, z)).unwrap(),
        t.wrapping_mul(z).wrapping_add(x)
    );
    let f = instance
        .get_typed_func::<(i64, i64, i64), i64>(&mut store, "i64")
        .unwrap();
    let (x, y, z) = (-5i64, 0x1_0000_0001i64, 0x7fff_ffff_0000_0003i64);
    assert_eq!(
        f.call(&mut store, (x, y, z)).unwrap(),
        y.wrapping_mul(z).wrapping_add(x)
    );
    // b * b is 1 + 2^-11 + 2^-24 exactly: rounded first, the sum is 0;
    // under one rounding it would be 2^-24.
    let b = 1.0f32 + 2f32.powi(-12);
    let f = instance
        .get_typed_func::<(f32, f32, f32), f32>(&mut store, "f32")
        .unwrap();
    assert_eq!(
        f.call(&mut store, (-(b * b), b, b)).unwrap().to_bits(),
        0.0f32.to_bits()
    );
    let b = 1.0f64 + 2f64.powi(-27);
    for name in ["f64", "f64_left"] {
        let f = instance
            .get_typed_func::<(f64, f64, f64), f64>(&mut store, name)
            .unwrap();
        assert_eq!(
            f.call(&mut store, (-(b * b), b, b)).unwrap().to_bits(),
            0.0f64.to_bits(),
            "{name}"
        );
        assert_eq!(
            f.call(&mut store, (0.5, 3.0, -0.25)).unwrap(),
            -0.25,
            "{name}"
        );
    }
    // The accumulator beyond slot 65,535 (49,990 locals, 16,000 stack values).
    let far = format!(
        r#"(module
      (func (export "run") (param $c i32) (result i32)
        (local{})
        {}
        (i32.add (i32.const 5) (i32.mul (local.get $c) (local.get $c)))
        return))"#,
        " i32".repeat(49_990),
        "i32.const 0\n".repeat(16_000)
    );
    let module = Module::new(&engine, far.as_bytes()).unwrap();
    assert!(!module.explain().contains("MulAdd"), "far slots fused");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 9).unwrap(), 86);
}

/// `translate/returns.rs` shortens the paths into a function's returns:
/// `Copy { 0, s }; Return` becomes `CopyReturn { s }`, a `Br` to a return
/// becomes the return, and a copy into the returned slot folds into it.
/// Each function here reaches its returns through such paths (the join of
/// an `if`, branches out of blocks, a `br_table` whose default entry
/// returns from the function, an exception handler, several results); every
/// result must be the one the unshortened code computes.
#[test]
fn shortened_returns_deliver_the_results() {
    let wat = r#"(module
      (type $s (struct (field i32)))
      (func $fib (export "fib") (param $n i32) (result i32)
        (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
          (then (local.get $n))
          (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                         (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
      (func $pick (param $c i32) (param $a (ref null $s)) (param $b (ref null $s))
                  (result (ref null $s))
        (if (result (ref null $s)) (local.get $c)
          (then (local.get $a)) (else (local.get $b))))
      (func (export "refs") (param $c i32) (result i32)
        (struct.get $s 0 (call $pick (local.get $c)
          (struct.new $s (i32.const 10)) (struct.new $s (i32.const 20)))))
      (func (export "blocks") (param $x i32) (result i32)
        (block $out (result i32)
          (block $mid (result i32)
            (drop (br_if $out (i32.const 5) (i32.eqz (local.get $x))))
            (drop (br_if $mid (i32.const 6) (i32.eq (local.get $x) (i32.const 1))))
            (i32.const 7))
          (i32.add (i32.const 100))))
      (func (export "table") (param $x i32) (result i32)
        (block $b (result i32)
          (block $a (result i32)
            (br_table $a $b 2 (i32.const 30) (local.get $x)))
          (return (i32.add (i32.const 40))))
        (i32.add (i32.const 1)))
      (func (export "copies") (param $x i32) (result i32)
        (local $t i32) (local $u i32)
        (local.set $u (i32.const 3))
        (local.set $t (local.get $x))
        (local.get $u))
      (tag $e (param i32))
      (func (export "caught") (param $x i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (if (local.get $x) (then (throw $e (i32.add (local.get $x) (i32.const 6))))))
          (if (result i32) (i32.eqz (local.get $x))
            (then (i32.const 1)) (else (i32.const 2)))
          (return))
        (i32.add (i32.const 100)))
      (func $two (param $c i32) (param $x i32) (param $y i32) (result i32 i32)
        (if (result i32 i32) (local.get $c)
          (then (local.get $y) (local.get $x))
          (else (local.get $x) (i32.const 9))))
      (func (export "two") (param $c i32) (result i32)
        (call $two (local.get $c) (i32.const 3) (i32.const 4))
        (i32.mul (i32.const 10))
        (i32.add)))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    // The pass ran: `fib`'s base case returns without a branch or a copy.
    let fib = module.explain_func(0).unwrap();
    assert!(fib.contains("CopyReturn"), "{fib}");
    assert!(!fib.contains("Br {") && !fib.contains("Copy {"), "{fib}");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut call = |name: &str, x: i32| {
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, name)
            .unwrap();
        f.call(&mut store, x).unwrap()
    };
    assert_eq!(call("fib", 0), 0);
    assert_eq!(call("fib", 1), 1);
    assert_eq!(call("fib", 20), 6765);
    assert_eq!(call("refs", 1), 10);
    assert_eq!(call("refs", 0), 20);
    assert_eq!(call("blocks", 0), 5);
    assert_eq!(call("blocks", 1), 106);
    assert_eq!(call("blocks", 2), 107);
    assert_eq!(call("table", 0), 70);
    assert_eq!(call("table", 1), 31);
    assert_eq!(call("table", 2), 30);
    // A function with an exception handler: the handler's target and
    // range are positions the pass must leave working.
    assert_eq!(call("caught", 0), 1);
    assert_eq!(call("caught", 1), 107);
    assert_eq!(call("caught", 5), 111);
    // A copy into another slot just before the returned one's copy.
    assert_eq!(call("copies", 8), 3);
    assert_eq!(call("table", 3), 30);
    // (4, 3) -> 43 and (3, 9) -> 39: result 0 is first.
    assert_eq!(call("two", 1), 34);
    assert_eq!(call("two", 0), 93);
}
