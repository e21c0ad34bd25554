//! The remembered set's overflow path: with the set capped at 4 entries
//! (`Config::gc_metadata_limit`, hidden), the write barrier only flags
//! most old objects it should list, and minor collections must find them
//! by walking the old generation. Many old objects each become the only
//! referrer of a fresh nursery object (through `struct.set`, `array.set`
//! and the host API); after a minor collection every young object must
//! have survived with its contents, and heap verification must pass.

mod common;

use common::call;
use tern::{Config, Engine, Instance, Store, Val};

const PROGRAM: &str = r#"
(module
  (type $leaf (struct (field i32)))
  (type $box (struct (field (mut anyref))))
  (type $arr (array (mut anyref)))
  (type $boxes (array (mut (ref null $box))))
  (type $arrs (array (mut (ref null $arr))))
  (global $boxes (mut (ref null $boxes)) (ref.null $boxes))
  (global $arrs (mut (ref null $arrs)) (ref.null $arrs))

  ;; n boxes and n small arrays, all empty.
  (func (export "make") (param $n i32)
    (local $i i32)
    (global.set $boxes (array.new_default $boxes (local.get $n)))
    (global.set $arrs (array.new_default $arrs (local.get $n)))
    (loop $l
      (array.set $boxes (global.get $boxes) (local.get $i) (struct.new_default $box))
      (array.set $arrs (global.get $arrs) (local.get $i)
        (array.new_default $arr (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))

  ;; Box i gets a fresh leaf holding base + i, array i (index 1) a fresh
  ;; leaf holding base + 100000 + i.
  (func (export "fill") (param $n i32) (param $base i32)
    (local $i i32)
    (loop $l
      (struct.set $box 0 (array.get $boxes (global.get $boxes) (local.get $i))
        (struct.new $leaf (i32.add (local.get $base) (local.get $i))))
      (array.set $arr (array.get $arrs (global.get $arrs) (local.get $i)) (i32.const 1)
        (struct.new $leaf
          (i32.add (i32.add (local.get $base) (i32.const 100000)) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))

  ;; How many of the n boxes and n arrays hold the leaves `fill` stored.
  (func (export "check") (param $n i32) (param $base i32) (result i32)
    (local $i i32) (local $ok i32)
    (loop $l
      (local.set $ok (i32.add (local.get $ok)
        (i32.eq
          (struct.get $leaf 0 (ref.cast (ref $leaf)
            (struct.get $box 0 (array.get $boxes (global.get $boxes) (local.get $i)))))
          (i32.add (local.get $base) (local.get $i)))))
      (local.set $ok (i32.add (local.get $ok)
        (i32.eq
          (struct.get $leaf 0 (ref.cast (ref $leaf)
            (array.get $arr (array.get $arrs (global.get $arrs) (local.get $i)) (i32.const 1))))
          (i32.add (i32.add (local.get $base) (i32.const 100000)) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $ok))

  (func (export "box") (param i32) (result anyref)
    (array.get $boxes (global.get $boxes) (local.get 0)))
  (func (export "leaf") (param i32) (result anyref)
    (struct.new $leaf (local.get 0)))
  ;; The leaf value in box i.
  (func (export "box_value") (param i32) (result i32)
    (struct.get $leaf 0 (ref.cast (ref $leaf)
      (struct.get $box 0 (array.get $boxes (global.get $boxes) (local.get 0))))))
)
"#;

/// Boxes and arrays: enough that a 4-entry remembered set overflows at
/// once.
const N: i32 = 300;

/// A verified engine with the remembered set (and mark stack) capped at
/// 4 entries.
fn setup() -> (Store<()>, Instance) {
    let mut config = Config::new();
    config.gc_verify(true).gc_metadata_limit(4);
    common::instance(&Engine::new(&config).unwrap(), PROGRAM)
}

/// Stores fresh nursery objects into many old objects with the remembered
/// set overflowing; minor collections (verified) keep every one. (With
/// the old-generation walk disabled, the unlisted old objects' leaves are
/// left behind in the nursery: verification fails, or the check counts
/// wrong values.)
#[test]
fn overflowed_remembered_set_keeps_young_objects() {
    let (mut store, inst) = setup();
    call(&mut store, &inst, "make", &[Val::I32(N)]);
    for round in 0..4 {
        // Everything old (a major collection promotes all); in later
        // rounds an incremental cycle leaves free chunks in the old
        // generation too, which the walk must step over.
        store.gc().unwrap();
        if round >= 2 {
            call(&mut store, &inst, "make", &[Val::I32(N)]);
            store.gc_minor().unwrap();
            store.gc_start_cycle().unwrap();
            store.gc_finish_cycle();
        }
        let base = 1000 * (round + 1);
        call(&mut store, &inst, "fill", &[Val::I32(N), Val::I32(base)]);
        // A host-API store into an old box too.
        let Val::AnyRef(Some(b)) = call(&mut store, &inst, "box", &[Val::I32(7)]).unwrap() else {
            panic!("no box");
        };
        let b = b.unwrap_struct(&store).unwrap();
        let before = store.gc_stats().minor_collections;
        let leaf = call(&mut store, &inst, "leaf", &[Val::I32(-7)]).unwrap();
        b.set_field(&mut store, 0, leaf).unwrap();
        drop(b);
        store.gc_minor().unwrap();
        assert!(store.gc_stats().minor_collections > before);
        // The leaves survived one minor collection, and a second one
        // (nothing is remembered any more) keeps them too.
        for _ in 0..2 {
            assert_eq!(
                call(&mut store, &inst, "box_value", &[Val::I32(7)])
                    .unwrap()
                    .i32(),
                Some(-7)
            );
            // Box 7 now holds -7 instead: one match short.
            assert_eq!(
                call(&mut store, &inst, "check", &[Val::I32(N), Val::I32(base)])
                    .unwrap()
                    .i32(),
                Some(2 * N - 1),
                "round {round}"
            );
            store.gc_minor().unwrap();
        }
    }
    store.gc().unwrap();
}
