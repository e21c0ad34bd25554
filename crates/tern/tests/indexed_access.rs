//! Indexed loads and stores: the translator fuses an `i32.add` (and an
//! `i32.shl` by a constant producing one of its operands) and a load or
//! store with offset 0 into one access at `base + (index << shift)`. Each
//! fused form must agree with the same access on an address computed
//! through a local (never fused), for every access width and extension,
//! with and without the shift, including 32-bit wrap-around of the
//! address, out-of-bounds traps, either operand order of the add, a shift
//! count above 31, and a shifted index that `local.tee` also keeps.

use tern::{Engine, Instance, Module, Store, Val};

/// (value type, load, store) of each access width and extension.
const ACCESSES: [(&str, &str, &str); 10] = [
    ("i32", "i32.load", "i32.store"),
    ("i64", "i64.load", "i64.store"),
    ("f32", "f32.load", "f32.store"),
    ("f64", "f64.load", "f64.store"),
    ("i32", "i32.load8_s", "i32.store8"),
    ("i32", "i32.load16_u", "i32.store16"),
    ("i64", "i64.load8_u", "i64.store8"),
    ("i64", "i64.load16_s", "i64.store16"),
    ("i64", "i64.load32_s", "i64.store32"),
    ("i64", "i64.load32_u", "i64.store32"),
];

/// The index expressions: the index itself, or shifted by a constant.
const SHIFTS: [Option<u32>; 6] = [None, Some(0), Some(1), Some(2), Some(3), Some(4)];

/// Bases and indices around the memory's end and the 32-bit wrap.
const BASES: [u32; 7] = [0, 8, 65_528, 65_532, 65_536, 0xFFFF_FFF8, 0x8000_0000];
const INDICES: [u32; 7] = [0, 1, 2, 0x1FFF, 0xFFFF_FFFF, 0x2000_0000, 0x4000_0000];

/// The integer type with `ty`'s bits.
fn bits(ty: &str) -> &'static str {
    if ty.ends_with("32") { "i32" } else { "i64" }
}

/// Per access: `load_fused`/`load_plain` return the loaded bits,
/// `load_swapped` the same with the add's operands swapped, `load_shift35`
/// with the shift count plus 32, `load_tee` the bits plus the (shifted)
/// index kept by `local.tee`; `store_fused`/`store_plain` store.
fn module((ty, load, store): (&str, &str, &str), shift: Option<u32>) -> String {
    let b = bits(ty);
    let as_bits = |e: &str| {
        if ty.starts_with('f') {
            format!("({b}.reinterpret_{ty} {e})")
        } else {
            e.to_string()
        }
    };
    let of_bits = |e: &str| {
        if ty.starts_with('f') {
            format!("({ty}.reinterpret_{b} {e})")
        } else {
            e.to_string()
        }
    };
    let index = |plus: u32| match shift {
        Some(k) => format!("(i32.shl (local.get 1) (i32.const {}))", k + plus),
        None => "(local.get 1)".to_string(),
    };
    let i = index(0);
    let fused = as_bits(&format!("({load} (i32.add (local.get 0) {i}))"));
    let swapped = as_bits(&format!("({load} (i32.add {i} (local.get 0)))"));
    let shift35 = as_bits(&format!("({load} (i32.add (local.get 0) {}))", index(32)));
    let plain = as_bits(&format!("({load} (local.get 2))"));
    let tee = as_bits(&format!(
        "({load} (i32.add (local.get 0) (local.tee 2 {i})))"
    ));
    let value = of_bits("(local.get 2)");
    format!(
        r#"(module
          (memory (export "mem") 1)
          (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
          (data (i32.const 65520) "\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff\ee")
          (func (export "load_fused") (param i32 i32) (result {b}) {fused})
          (func (export "load_swapped") (param i32 i32) (result {b}) {swapped})
          (func (export "load_shift35") (param i32 i32) (result {b}) {shift35})
          (func (export "load_plain") (param i32 i32) (result {b}) (local i32)
            (local.set 2 (i32.add (local.get 0) {i}))
            {plain})
          (func (export "load_tee") (param i32 i32) (result {b} i32) (local i32)
            {tee} (local.get 2))
          (func (export "store_fused") (param i32 i32 {b})
            ({store} (i32.add (local.get 0) {i}) {value}))
          (func (export "store_plain") (param i32 i32 {b}) (local i32)
            (local.set 3 (i32.add (local.get 0) {i}))
            ({store} (local.get 3) {value})))"#
    )
}

/// A store and an instance of a test module in it.
type Rt = (Store<()>, Instance);

/// Two instances of `module`, each in a store of its own (the fused side
/// and the reference side of a comparison).
fn two_instances(engine: &Engine, module: &Module) -> [Rt; 2] {
    [(), ()].map(|()| {
        let mut store = Store::new(engine, ());
        let inst = Instance::new(&mut store, module, &[]).unwrap();
        (store, inst)
    })
}

/// Whether the memories two instances export as `mem` hold the same bytes.
fn same_memory((sa, ia): &mut Rt, (sb, ib): &mut Rt) -> bool {
    let ma = ia.get_memory(&mut *sa, "mem").unwrap();
    let mb = ib.get_memory(&mut *sb, "mem").unwrap();
    ma.data(&*sa) == mb.data(&*sb)
}

/// Calls `name` with `args`: its results, or `None` if it trapped.
fn call((store, inst): &mut Rt, name: &str, args: &[Val]) -> Option<Vec<Val>> {
    let f = inst.get_func(&mut *store, name).unwrap();
    let mut results = vec![Val::I32(0); f.ty(&*store).results().len()];
    f.call(&mut *store, args, &mut results)
        .ok()
        .map(|()| results)
}

/// An access and an index expression.
type Case = ((&'static str, &'static str, &'static str), Option<u32>);

/// Every access with every index expression, and its module.
fn cases() -> impl Iterator<Item = (Case, String)> {
    let cases = ACCESSES.into_iter().flat_map(|a| SHIFTS.map(|s| (a, s)));
    cases.map(|(access, shift)| ((access, shift), module(access, shift)))
}

/// Comparable form of a result list.
fn show(r: &Option<Vec<Val>>) -> String {
    format!("{r:?}")
}

#[test]
fn indexed_loads_agree_with_plain_loads() {
    let engine = Engine::default();
    for ((access, shift), wat) in cases() {
        let ty = access.1;
        let module = Module::new(&engine, wat).unwrap();
        let [mut rt, _] = two_instances(&engine, &module);
        let mut in_bounds = 0;
        for base in BASES {
            for index in INDICES {
                let args = [Val::I32(base as i32), Val::I32(index as i32)];
                let plain = call(&mut rt, "load_plain", &args);
                in_bounds += usize::from(plain.is_some());
                let names = if shift.is_some() {
                    &["load_fused", "load_swapped", "load_shift35"][..]
                } else {
                    &["load_fused", "load_swapped"][..]
                };
                for &name in names {
                    let fused = call(&mut rt, name, &args);
                    assert_eq!(
                        show(&fused),
                        show(&plain),
                        "{ty} {name}({base:#x}, {index:#x})"
                    );
                }
                let shifted = index << shift.unwrap_or(0);
                let tee = call(&mut rt, "load_tee", &args);
                match (&tee, &plain) {
                    (Some(t), Some(p)) => {
                        assert_eq!(show(&Some(t[..1].to_vec())), show(&Some(p.clone())));
                        assert_eq!(t[1].i32().unwrap() as u32, shifted, "{ty} tee");
                    }
                    (None, None) => {}
                    _ => panic!("{ty} {shift:?} load_tee({base:#x}, {index:#x})"),
                }
            }
        }
        // Both the wrapped and the plain in-bounds cases occur.
        assert!(
            in_bounds > 4,
            "{ty} {shift:?}: only {in_bounds} in-bounds cases"
        );
    }
}

#[test]
fn indexed_stores_agree_with_plain_stores() {
    let engine = Engine::default();
    for ((access, shift), wat) in cases() {
        let ty = access.0;
        let module = Module::new(&engine, wat).unwrap();
        let [mut fused, mut plain] = two_instances(&engine, &module);
        let mut stored = 0;
        for base in BASES {
            for index in INDICES {
                let value = if bits(ty) == "i32" {
                    Val::I32((base ^ index.rotate_left(7)) as i32 | 1)
                } else {
                    Val::I64(((base as i64) << 32 | index as i64) | 1)
                };
                let args = [Val::I32(base as i32), Val::I32(index as i32), value];
                let a = call(&mut fused, "store_fused", &args);
                let b = call(&mut plain, "store_plain", &args);
                assert_eq!(
                    a.is_some(),
                    b.is_some(),
                    "{ty} store({base:#x}, {index:#x})"
                );
                stored += usize::from(a.is_some());
                assert!(
                    same_memory(&mut fused, &mut plain),
                    "{ty} {shift:?} store({base:#x}, {index:#x}): memories differ"
                );
            }
        }
        assert!(stored > 4, "{ty} {shift:?}: only {stored} stores in bounds");
    }
}

/// Addends around the memory's end and the 32-bit wrap (negative ones as
/// their `u32` bits).
const ADDENDS: [u32; 6] = [0, 8, 65_528, 0xFFFF_FFF8, 0x8000_0000, 0xFFFF_FFFF];

/// Per access and addend `c`: `load_fused(p)` loads at `p + c` (the add
/// fuses into the access), `load_plain(p)` the same through a local;
/// `store_fused`/`store_plain` likewise.
fn addend_module((ty, load, store): (&str, &str, &str), c: u32) -> String {
    let b = bits(ty);
    let (to_bits, of_bits) = if ty.starts_with('f') {
        (
            format!("{b}.reinterpret_{ty}"),
            format!("{ty}.reinterpret_{b}"),
        )
    } else {
        ("nop".to_string(), "nop".to_string())
    };
    let addr = format!("(i32.add (local.get 0) (i32.const {}))", c as i32);
    format!(
        r#"(module
          (memory (export "mem") 1)
          (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
          (data (i32.const 65520) "\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff\ee")
          (func (export "load_fused") (param i32) (result {b}) ({load} {addr}) {to_bits})
          (func (export "load_plain") (param i32) (result {b}) (local i32)
            (local.set 1 {addr}) ({load} (local.get 1)) {to_bits})
          (func (export "store_fused") (param i32 {b})
            ({store} {addr} (local.get 1) {of_bits}))
          (func (export "store_plain") (param i32 {b}) (local i32)
            (local.set 2 {addr}) ({store} (local.get 2) (local.get 1) {of_bits})))"#
    )
}

#[test]
fn immediate_addend_accesses_agree_with_plain_accesses() {
    let engine = Engine::default();
    for access in ACCESSES {
        for c in ADDENDS {
            let ty = access.0;
            let module = Module::new(&engine, addend_module(access, c)).unwrap();
            let [mut fused, mut plain] = two_instances(&engine, &module);
            let (mut loaded, mut stored) = (0, 0);
            for base in BASES {
                let arg = [Val::I32(base as i32)];
                let a = call(&mut fused, "load_fused", &arg);
                let b = call(&mut plain, "load_plain", &arg);
                let what = format!("{} + {c:#x} at {base:#x}", access.1);
                assert_eq!(show(&a), show(&b), "{what}");
                loaded += usize::from(a.is_some());
                let value = if bits(ty) == "i32" {
                    Val::I32((base ^ c) as i32 | 1)
                } else {
                    Val::I64(((base as i64) << 32 | c as i64) | 1)
                };
                let args = [Val::I32(base as i32), value];
                let a = call(&mut fused, "store_fused", &args);
                let b = call(&mut plain, "store_plain", &args);
                assert_eq!(a.is_some(), b.is_some(), "store {what}");
                stored += usize::from(a.is_some());
                assert!(same_memory(&mut fused, &mut plain), "store {what}");
            }
            assert!(
                loaded > 0 && stored > 0,
                "{} + {c:#x}: all trapped",
                access.1
            );
        }
    }
}

/// Stores whose value is computed after the address (the add is then not
/// the instruction right before the store): (address, value) expressions
/// over `base` (local 0), `index` (local 1) and `x` (local 2). Some values
/// write the locals the address read, which the fused store must not see.
const COMPUTED_STORES: [(&str, &str); 7] = [
    (
        "(i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))",
        "(i32.mul (i32.add (local.get 2) (i32.const 1)) (local.get 1))",
    ),
    (
        "(i32.add (local.get 0) (local.get 1))",
        "(i32.xor (local.get 2) (i32.load (local.get 0)))",
    ),
    (
        "(i32.add (local.get 0) (i32.const 16))",
        "(i32.add (local.get 2) (local.get 0))",
    ),
    (
        "(i32.add (local.get 0) (local.get 1))",
        "(local.tee 1 (i32.add (local.get 2) (i32.const 4)))",
    ),
    (
        "(i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))",
        "(local.tee 0 (i32.const 4096))",
    ),
    (
        "(i32.add (local.get 0) (i32.const 8))",
        "(local.tee 0 (i32.add (local.get 0) (i32.const 64)))",
    ),
    (
        "(i32.add (local.get 0) (local.get 1))",
        "(block (result i32) (drop (br_if 0 (local.get 2) (local.get 2))) (i32.const 7))",
    ),
];

#[test]
fn stores_of_computed_values_agree_with_plain_stores() {
    let engine = Engine::default();
    for (addr, value) in COMPUTED_STORES {
        let wat = format!(
            r#"(module
              (memory (export "mem") 1)
              (func (export "store_fused") (param i32 i32 i32)
                (i32.store {addr} {value}))
              (func (export "store_plain") (param i32 i32 i32) (local i32)
                (local.set 3 {addr})
                (i32.store (local.get 3) {value})))"#
        );
        let module = Module::new(&engine, wat).unwrap();
        let [mut fused, mut plain] = two_instances(&engine, &module);
        let mut stored = 0;
        for base in BASES {
            for index in INDICES {
                let x = (base ^ index.rotate_left(5)) | 1;
                let args = [base, index, x].map(|v| Val::I32(v as i32));
                let a = call(&mut fused, "store_fused", &args);
                let b = call(&mut plain, "store_plain", &args);
                let what = format!("{addr} = {value} at ({base:#x}, {index:#x})");
                assert_eq!(a.is_some(), b.is_some(), "{what}");
                stored += usize::from(a.is_some());
                assert!(same_memory(&mut fused, &mut plain), "{what}");
            }
        }
        assert!(
            stored > 4,
            "{addr} = {value}: only {stored} stores in bounds"
        );
    }
}

/// Constants per value type: (literal, bits). Some fit the constant-value
/// store forms (an `i32` sign-extended to 64 bits), some do not.
fn constants(ty: &str) -> &'static [(&'static str, i64)] {
    match ty {
        "i32" => &[
            ("0", 0),
            ("-1", -1),
            ("0x7fffffff", 0x7fff_ffff),
            ("0x80000001", 0x8000_0001),
            ("0xdeadbeef", 0xdead_beef),
        ],
        "i64" => &[
            ("0", 0),
            ("-1", -1),
            ("-0x80000000", -0x8000_0000),
            ("0x80000000", 0x8000_0000),
            ("0x123456789", 0x1_2345_6789),
        ],
        "f32" => &[
            ("0", 0),
            ("-0", 0x8000_0000),
            ("1.5", 0x3fc0_0000),
            ("nan:0x200001", 0x7fa0_0001),
        ],
        _ => &[("0", 0), ("-0", i64::MIN), ("1.5", 0x3ff8_0000_0000_0000)],
    }
}

/// `store_const(p)` stores a constant at an address expression over `p`
/// (local 0); `store_arg(p, bits)` stores the same value passed as bits.
/// The address: `p` + offset 8, `p + 24` (an add of a constant), or
/// `p + p` (an add of two slots: the indexed form keeps its constant).
#[test]
fn constant_value_stores_agree_with_stores_of_arguments() {
    let engine = Engine::default();
    let addrs = [
        "(local.get 0)",
        "(i32.add (local.get 0) (i32.const 24))",
        "(i32.add (local.get 0) (local.get 0))",
    ];
    let mut const_forms = 0;
    for (ty, _, store) in ACCESSES {
        let b = bits(ty);
        let of_bits = |e: &str| match ty {
            "f32" | "f64" => format!("({ty}.reinterpret_{b} {e})"),
            _ => e.to_string(),
        };
        for &(literal, value) in constants(ty) {
            for (n, addr) in addrs.iter().enumerate() {
                let offset = if n == 0 { "offset=8" } else { "" };
                let wat = format!(
                    r#"(module
                      (memory (export "mem") 1)
                      (func (export "store_const") (param i32)
                        ({store} {offset} {addr} ({ty}.const {literal})))
                      (func (export "store_arg") (param i32 {b})
                        ({store} {offset} {addr} {})))"#,
                    of_bits("(local.get 1)")
                );
                let module = Module::new(&engine, &wat).unwrap();
                const_forms += usize::from(module.explain().contains("Const {"))
                    + usize::from(module.explain().contains("ConstImm {"));
                let [mut konst, mut arg] = two_instances(&engine, &module);
                let bits_val = if b == "i32" {
                    Val::I32(value as i32)
                } else {
                    Val::I64(value)
                };
                let mut stored = 0;
                for p in BASES.into_iter().chain([16, 32_760, 65_500]) {
                    let a = call(&mut konst, "store_const", &[Val::I32(p as i32)]);
                    let args = [Val::I32(p as i32), bits_val.clone()];
                    let r = call(&mut arg, "store_arg", &args);
                    let what = format!("{store} {offset} {addr} {literal} at {p:#x}");
                    assert_eq!(a.is_some(), r.is_some(), "{what}");
                    stored += usize::from(a.is_some());
                    assert!(same_memory(&mut konst, &mut arg), "{what}: memories differ");
                }
                assert!(
                    stored > 2,
                    "{store} {addr} {literal}: only {stored} stores in bounds"
                );
            }
        }
    }
    // Every access has constants that fit, at the plain and the addend
    // address (one form each).
    assert!(
        const_forms >= 2 * 10 * 2,
        "only {const_forms} constant-value forms"
    );
}

/// A load through a pointer just loaded (`p->next->field`) fuses the
/// pointer load in when both static offsets (plus access sizes) fit in 16
/// bits. Each must agree with the same two loads through a local, for
/// every load, with pointers in and out of bounds and around the 32-bit
/// wrap, and the pointer load itself out of bounds.
#[test]
fn pointer_chasing_loads_agree_with_loads_through_a_local() {
    let engine = Engine::default();
    // Little-endian pointers at 0..32 and at the memory's end.
    let data = r#"(data (i32.const 0) "\08\00\00\00\f8\ff\00\00\f8\ff\ff\ff\00\00\00\80\10\00\00\00\fc\ff\00\00\04\00\00\00\f0\ff\00\00")
          (data (i32.const 65528) "\f9\ff\00\00\00\00\00\00")"#;
    let mut via_forms = 0;
    for (ty, load, _) in ACCESSES {
        let b = bits(ty);
        let to_bits = if ty.starts_with('f') {
            format!("{b}.reinterpret_{ty}")
        } else {
            "nop".to_string()
        };
        // (pointer offset, access offset, fuses)
        for (o1, o2, fuses) in [
            (0, 0, true),
            (4, 8, true),
            (65_531, 65_520, true),
            (65_532, 0, false),
            (0, 70_000, false),
        ] {
            let wat = format!(
                r#"(module
                  (memory (export "mem") 1)
                  {data}
                  (func (export "fused") (param i32) (result {b})
                    ({load} offset={o2} (i32.load offset={o1} (local.get 0))) {to_bits})
                  (func (export "plain") (param i32) (result {b}) (local i32)
                    (local.set 1 (i32.load offset={o1} (local.get 0)))
                    ({load} offset={o2} (local.get 1)) {to_bits}))"#
            );
            let module = Module::new(&engine, &wat).unwrap();
            let fused_here = module.explain().contains("Via {");
            assert_eq!(fused_here, fuses, "{load} {o1} {o2}");
            via_forms += usize::from(fused_here);
            let [mut rt, _] = two_instances(&engine, &module);
            let mut loaded = 0;
            for p in BASES
                .into_iter()
                .chain([4, 12, 16, 20, 24, 28, 65_532, 0xFFFF_0005])
            {
                let arg = [Val::I32(p.wrapping_sub(o1) as i32)];
                let a = call(&mut rt, "fused", &arg);
                let r = call(&mut rt, "plain", &arg);
                assert_eq!(
                    show(&a),
                    show(&r),
                    "{load} offset={o2} via offset={o1} at {p:#x}"
                );
                loaded += usize::from(a.is_some());
            }
            // (An access offset beyond the one page traps for every pointer.)
            assert!(
                loaded > 0 || o2 > 65_536,
                "{load} {o1} {o2}: every load out of bounds"
            );
        }
    }
    assert_eq!(via_forms, 3 * ACCESSES.len());
}
