//! Fused compare-and-branch forms (`br_if`/`if` on a fresh compare, on
//! `i32.eqz` of one, on `ref.is_null`, and on `i32.and`) against the plain semantics,
//! including NaN operands: the negation of `f64.lt` is not `f64.ge`.
//! (`ref.eq` is not fused; its test guards the translation around it.)

mod common;

use tern::{Engine, Linker, Module, Store, Val};

/// A float compare's meaning.
type Compare = fn(f64, f64) -> bool;

/// The float compares and their meaning.
const FLOAT_OPS: [(&str, Compare); 6] = [
    ("eq", |a, b| a == b),
    ("ne", |a, b| a != b),
    ("lt", |a, b| a < b),
    ("gt", |a, b| a > b),
    ("le", |a, b| a <= b),
    ("ge", |a, b| a >= b),
];

/// One function per width and compare, returning a bit per fused form:
/// 1 `br_if` taken, 2 `br_if` on `eqz` taken, 4 `if` then-branch taken,
/// 8 `if` on `eqz` then-branch taken, 16 the compare as a value.
fn float_module(ty: &str) -> String {
    let mut m = String::from("(module\n");
    for (op, _) in FLOAT_OPS {
        m += &format!(
            r#"(func (export "{op}") (param $a {ty}) (param $b {ty}) (result i32)
              (local $r i32)
              (block $x
                (br_if $x ({ty}.{op} (local.get $a) (local.get $b)))
                (local.set $r (i32.const 1)))
              (local.set $r (i32.xor (local.get $r) (i32.const 1)))
              (block $y
                (br_if $y (i32.eqz ({ty}.{op} (local.get $a) (local.get $b))))
                (local.set $r (i32.or (local.get $r) (i32.const 2))))
              (if ({ty}.{op} (local.get $a) (local.get $b))
                (then (local.set $r (i32.or (local.get $r) (i32.const 4)))))
              (if (i32.eqz ({ty}.{op} (local.get $a) (local.get $b)))
                (then)
                (else (local.set $r (i32.or (local.get $r) (i32.const 8)))))
              (i32.or (local.get $r)
                (i32.shl ({ty}.{op} (local.get $a) (local.get $b)) (i32.const 4))))
            "#
        );
    }
    m + ")"
}

#[test]
fn fused_float_branches_agree_with_the_compares() {
    let engine = Engine::default();
    let values = [
        0.0,
        -0.0,
        1.0,
        2.0,
        -1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
    ];
    for ty in ["f32", "f64"] {
        let module = Module::new(&engine, float_module(ty)).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        for (op, sem) in FLOAT_OPS {
            let f = instance.get_func(&mut store, op).unwrap();
            for a in values {
                for b in values {
                    let args = if ty == "f32" {
                        [
                            Val::F32((a as f32).to_bits()),
                            Val::F32((b as f32).to_bits()),
                        ]
                    } else {
                        [Val::F64(a.to_bits()), Val::F64(b.to_bits())]
                    };
                    let mut out = [Val::I32(0)];
                    f.call(&mut store, &args, &mut out).unwrap();
                    let expected = if sem(a, b) { 31 } else { 0 };
                    assert_eq!(
                        out[0].i32().unwrap(),
                        expected,
                        "{ty}.{op}({a}, {b}): bits of the fused forms"
                    );
                }
            }
        }
    }
}

#[test]
fn fused_null_branches_agree_with_ref_is_null() {
    let wat = r#"(module
      (func $f)
      (elem declare func $f)
      (func $check (param $x funcref) (result i32)
        (local $r i32)
        (block $n
          (br_if $n (ref.is_null (local.get $x)))
          (local.set $r (i32.const 1)))
        (block $m
          (br_if $m (i32.eqz (ref.is_null (local.get $x))))
          (local.set $r (i32.or (local.get $r) (i32.const 2))))
        (if (ref.is_null (local.get $x))
          (then (local.set $r (i32.or (local.get $r) (i32.const 4)))))
        (if (i32.eqz (ref.is_null (local.get $x)))
          (then (local.set $r (i32.or (local.get $r) (i32.const 8)))))
        (local.get $r))
      (func (export "null") (result i32) (call $check (ref.null func)))
      (func (export "func") (result i32) (call $check (ref.func $f))))"#;
    let (mut store, instance) = common::instance(&Engine::default(), wat);
    let null = instance
        .get_typed_func::<(), i32>(&mut store, "null")
        .unwrap();
    let func = instance
        .get_typed_func::<(), i32>(&mut store, "func")
        .unwrap();
    // null: skips the first block's set, runs the second's, takes `then`.
    assert_eq!(null.call(&mut store, ()).unwrap(), 2 | 4);
    assert_eq!(func.call(&mut store, ()).unwrap(), 1 | 8);
}

#[test]
fn fused_ref_eq_branches_agree_with_ref_eq() {
    let wat = r#"(module
      (type $s (struct (field i32)))
      (func (export "run") (param $n i32) (result i32)
        (local $a (ref null $s)) (local $b (ref null $s)) (local $r i32)
        (local.set $a (struct.new $s (i32.const 1)))
        (local.set $b (if (result (ref null $s)) (local.get $n)
          (then (local.get $a))
          (else (struct.new $s (i32.const 1)))))
        (block $x
          (br_if $x (ref.eq (local.get $a) (local.get $b)))
          (local.set $r (i32.const 1)))
        (block $y
          (br_if $y (i32.eqz (ref.eq (local.get $a) (local.get $b))))
          (local.set $r (i32.or (local.get $r) (i32.const 2))))
        (if (ref.eq (local.get $a) (local.get $b))
          (then (local.set $r (i32.or (local.get $r) (i32.const 4)))))
        (local.get $r)))"#;
    let (mut store, run) = common::typed_func::<i32, i32>(wat, "run");
    assert_eq!(run.call(&mut store, 1).unwrap(), 2 | 4, "same object");
    assert_eq!(run.call(&mut store, 0).unwrap(), 1, "different objects");
}

#[test]
fn fused_and_branches_agree_with_i32_and() {
    // Bits: 1 `br_if (and a b)` taken, 2 `br_if (eqz (and a b))` not
    // taken, 4 `if (and a b)`, 8 `br_if (and a 0x80000001)` taken,
    // 16 `if (eqz (and a 0x80000001))` else-branch.
    let wat = r#"(module
      (func (export "run") (param $a i32) (param $b i32) (result i32)
        (local $r i32)
        (block $x
          (br_if $x (i32.and (local.get $a) (local.get $b)))
          (local.set $r (i32.const 1)))
        (local.set $r (i32.xor (local.get $r) (i32.const 1)))
        (block $y
          (br_if $y (i32.eqz (i32.and (local.get $a) (local.get $b))))
          (local.set $r (i32.or (local.get $r) (i32.const 2))))
        (if (i32.and (local.get $a) (local.get $b))
          (then (local.set $r (i32.or (local.get $r) (i32.const 4)))))
        (block $z
          (br_if $z (i32.and (local.get $a) (i32.const 0x80000001)))
          (local.set $r (i32.or (local.get $r) (i32.const 8))))
        (local.set $r (i32.xor (local.get $r) (i32.const 8)))
        (if (i32.eqz (i32.and (local.get $a) (i32.const 0x80000001)))
          (then)
          (else (local.set $r (i32.or (local.get $r) (i32.const 16)))))
        (local.get $r)))"#;
    let (mut store, run) = common::typed_func::<(i32, i32), i32>(wat, "run");
    let values = [0, 1, 2, 3, -1, i32::MIN, 0x100, 0x7fff_fffe];
    for a in values {
        for b in values {
            let and = if a & b != 0 { 1 | 2 | 4 } else { 0 };
            let imm = if a & 0x8000_0001_u32 as i32 != 0 {
                8 | 16
            } else {
                0
            };
            assert_eq!(
                run.call(&mut store, (a, b)).unwrap(),
                and | imm,
                "{a} & {b}"
            );
        }
    }
}
