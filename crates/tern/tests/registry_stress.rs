//! Several threads registering and dropping overlapping, identical rec
//! groups (including recursive ones and supertype chains) at the same time:
//! exercises canonicalization under contention and the race where a group
//! is looked up again while its last handle is being dropped. Ends with an
//! empty registry.

use std::sync::{Arc, Barrier};
use tern::{
    Engine, FieldType, Finality, FuncType, HeapType, Mutability, RecFieldType, RecGroupBuilder,
    RecSupertype, RefType, StorageType, StructType, ValType,
};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `(sub (struct (field i32)))`
fn base(engine: &Engine) -> StructType {
    let f = FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32));
    StructType::with_finality_and_supertype(engine, Finality::NonFinal, None, [f]).unwrap()
}

/// `(sub $base (struct (field i32) (field (mut i64))))`
fn derived(engine: &Engine, base: &StructType) -> StructType {
    let fields = [
        FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32)),
        FieldType::new(Mutability::Var, StorageType::ValType(ValType::I64)),
    ];
    StructType::with_finality_and_supertype(engine, Finality::NonFinal, Some(base), fields).unwrap()
}

/// `(rec (type $a (sub $derived (struct i32 (mut i64) (ref null $b))))
///       (type $b (func (param (ref $a)) (result (ref null $derived)))))`
fn recursive(engine: &Engine, derived: &StructType) -> Vec<HeapType> {
    let mut rec = RecGroupBuilder::new(engine);
    let a = rec.reserve();
    let b = rec.reserve();
    let d = ValType::Ref(RefType::new(
        true,
        HeapType::ConcreteStruct(derived.clone()),
    ));
    rec.define_struct(
        a,
        Finality::Final,
        Some(RecSupertype::Struct(derived.clone())),
        [
            RecFieldType::new(Mutability::Const, ValType::I32),
            RecFieldType::new(Mutability::Var, ValType::I64),
            RecFieldType::new(Mutability::Const, b.ref_type(true)),
        ],
    );
    rec.define_func(b, Finality::Final, None, [a.ref_type(false)], [d]);
    rec.build().unwrap()
}

/// A function type mentioning the recursive group.
fn user(engine: &Engine, rec: &[HeapType]) -> FuncType {
    let p = ValType::Ref(RefType::new(false, rec[0].clone()));
    FuncType::new(engine, [p], [ValType::I32])
}

enum Held {
    Base(StructType),
    Derived(StructType),
    Rec(Vec<HeapType>),
    User(FuncType),
}

#[test]
fn threads_register_and_drop_overlapping_groups() {
    let engine = Engine::default();
    let threads = 4;
    let iterations = 4000;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let engine = engine.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut rng =
                    Rng(0x1234_5678_9abc_def1 ^ (t as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let mut held: Vec<Held> = Vec::new();
                barrier.wait();
                for _ in 0..iterations {
                    match rng.below(6) {
                        0 => held.push(Held::Base(base(&engine))),
                        1 => {
                            let b = base(&engine);
                            let d = derived(&engine, &b);
                            assert!(d.matches(&b));
                            assert!(StructType::eq(&d.supertype().unwrap(), &b));
                            held.push(Held::Derived(d));
                        }
                        2 => {
                            let d = derived(&engine, &base(&engine));
                            let r = recursive(&engine, &d);
                            let a = r[0].unwrap_concrete_struct();
                            assert!(a.matches(&d));
                            let back = a.field(2).unwrap();
                            let back = back.element_type().unwrap_val_type().unwrap_ref();
                            assert!(HeapType::eq(back.heap_type(), &r[1]));
                            held.push(Held::Rec(r));
                        }
                        3 => {
                            let d = derived(&engine, &base(&engine));
                            let r = recursive(&engine, &d);
                            held.push(Held::User(user(&engine, &r)));
                        }
                        _ => {
                            // Drop one or two random handles.
                            for _ in 0..2 {
                                if !held.is_empty() {
                                    let i = rng.below(held.len());
                                    held.swap_remove(i);
                                }
                            }
                        }
                    }
                    // Canonicalization: everything this thread holds of one
                    // shape is the same type.
                    if let (Some(Held::Base(x)), Some(Held::Derived(y))) =
                        (held.first(), held.last())
                    {
                        assert!(y.matches(x));
                    }
                    if let (Some(Held::Rec(x)), Some(Held::Rec(y))) = (held.first(), held.last()) {
                        assert!(HeapType::eq(&x[0], &y[0]) && HeapType::eq(&x[1], &y[1]));
                    }
                    if let Some(Held::User(f)) = held.last() {
                        assert!(
                            f.param(0)
                                .unwrap()
                                .matches(&ValType::Ref(RefType::STRUCTREF))
                        );
                    }
                    if held.len() > 8 {
                        held.clear();
                    }
                }
                drop(held);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(engine.registered_types(), 0);
}

#[test]
fn threads_race_on_a_single_group() {
    // The tightest race: every thread builds and immediately drops the
    // same one-type group, so a lookup often meets a group whose last
    // handle is being dropped.
    let engine = Engine::default();
    let threads = 4;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let engine = engine.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..20_000 {
                    let f = FuncType::new(&engine, [ValType::I32], [ValType::I64]);
                    if i % 2 == 0 {
                        let g = FuncType::new(&engine, [ValType::I32], [ValType::I64]);
                        assert!(FuncType::eq(&f, &g));
                    }
                    assert!(ValType::eq(&f.param(0).unwrap(), &ValType::I32));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(engine.registered_types(), 0);
}
