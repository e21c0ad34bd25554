//! An engine whose modules, stores and host types are all dropped has an
//! empty type registry: nothing in the runtime leaks a canonical type.

use tern::{Engine, Linker, Module, Store, StructRef, StructType, Val};

const WAT: &str = r#"
(module
  (rec (type $node (struct (field $v i32) (field $next (ref null $node)))))
  (type $f (func (param (ref null $node)) (result i32)))
  (type $arr (array (mut (ref null $node))))
  (global $g (mut (ref null $node)) (ref.null $node))
  (table 4 (ref null $f))
  (func $len (type $f) (i32.const 0))
  (elem declare func $len)
  (func (export "make") (result i32)
    (global.set $g (struct.new $node (i32.const 1) (struct.new $node (i32.const 2) (ref.null $node))))
    (drop (array.new $arr (global.get $g) (i32.const 10)))
    (table.set (i32.const 0) (ref.func $len))
    (call_ref $f (global.get $g) (table.get (i32.const 0))))
)
"#;

#[test]
fn dropping_everything_empties_the_registry() {
    let engine = Engine::default();
    assert_eq!(engine.registered_types(), 0);
    {
        let module = Module::new(&engine, WAT).unwrap();
        assert!(engine.registered_types() >= 3);
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let make = instance
            .get_typed_func::<(), i32>(&mut store, "make")
            .unwrap();
        assert_eq!(make.call(&mut store, ()).unwrap(), 0);
        // A host-built type and object, kept alive past the module.
        let ty = StructType::new(
            &engine,
            [tern::FieldType::new(
                tern::Mutability::Const,
                tern::StorageType::ValType(tern::ValType::I64),
            )],
        )
        .unwrap();
        let obj = StructRef::new(&mut store, &ty, &[Val::I64(9)]).unwrap();
        drop(ty);
        drop(module);
        store.gc().unwrap();
        // The store still holds the module's types (through its instance)
        // and the host type (through the object).
        assert!(engine.registered_types() >= 4);
        assert_eq!(obj.field(&mut store, 0).unwrap().i64(), Some(9));
        drop(obj);
        drop(store);
    }
    assert_eq!(engine.registered_types(), 0, "types leaked");
}

#[test]
fn a_failed_module_leaves_the_registry_unchanged() {
    let engine = Engine::default();
    let keep = Module::new(&engine, "(module (type (struct (field i32))))").unwrap();
    let before = engine.registered_types();
    // Valid types, then an invalid function body: the types registered
    // while reading the type section are released again.
    let err = Module::new(
        &engine,
        "(module (type $t (struct (field i64))) (type (array i8)) (func (result i32) (i64.const 0)))",
    );
    assert!(err.is_err());
    assert_eq!(engine.registered_types(), before);
    drop(keep);
    assert_eq!(engine.registered_types(), 0);
}
