//! Exception handling through the public API: tags, exceptions thrown by
//! the host and caught by Wasm, thrown by Wasm and observed by the host,
//! crossing a host frame between two Wasm frames, and the GC keeping (and
//! then freeing) exception payloads.

use tern::{
    Caller, Config, Engine, ErrorKind, ExnRef, Extern, FuncType, Linker, Module, Store, Tag,
    TagType, Val, ValType,
};

fn engine() -> Engine {
    let mut config = Config::new();
    config.gc_verify(true);
    Engine::new(&config).unwrap()
}

fn i32_tag_type(engine: &Engine) -> TagType {
    TagType::new(FuncType::new(engine, [ValType::I32], []))
}

#[test]
fn host_throws_and_wasm_catches() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(&mut store, &i32_tag_type(&engine)).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "tag", tag).unwrap();
    linker
        .func_wrap(
            "host",
            "throw",
            move |mut caller: Caller<'_, ()>, x: i32| {
                let exn = ExnRef::new(&mut caller, &tag, &[Val::I32(x * 2)])?;
                caller.throw::<()>(exn)
            },
        )
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "tag" (tag $t (param i32)))
          (import "host" "throw" (func $throw (param i32)))
          (func (export "run") (param i32) (result i32)
            (block $h (result i32)
              (try_table (catch $t $h) (call $throw (local.get 0)))
              (i32.const -1))
            (i32.const 1)
            (i32.add)))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 20).unwrap(), 41);
}

#[test]
fn wasm_throws_and_the_host_observes() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
          (tag $t (export "t") (param i32 f64))
          (tag (export "other") (param i32 f64))
          (func $inner (throw $t (i32.const 42) (f64.const 0.5)))
          (func (export "run") (call $inner)))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let t = instance
        .get_export(&mut store, "t")
        .and_then(Extern::into_tag)
        .unwrap();
    let other = instance
        .get_export(&mut store, "other")
        .and_then(Extern::into_tag)
        .unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Exception);
    assert!(err.as_trap().is_none());
    assert_eq!(err.backtrace().len(), 2);
    let exn = err.into_exception().unwrap();
    let tag = exn.tag(&mut store).unwrap();
    assert!(Tag::eq(&tag, &t, &store));
    assert!(!Tag::eq(&tag, &other, &store));
    let ty = tag.ty(&store).unwrap();
    assert_eq!(ty.ty().params().len(), 2);
    let fields = exn.fields(&mut store).unwrap();
    assert_eq!(fields[0].i32(), Some(42));
    assert_eq!(fields[1].f64(), Some(0.5));
}

#[test]
fn an_exception_crosses_a_host_frame_between_wasm_frames() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let thrower = Module::new(
        &engine,
        r#"(module
          (tag $t (export "t") (param i32))
          (func (export "throw") (param i32) (throw $t (local.get 0))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    let inner = linker.instantiate(&mut store, &thrower).unwrap();
    linker.instance(&mut store, "inner", inner).unwrap();
    let throw = inner.get_func(&mut store, "throw").unwrap();
    linker
        .func_wrap(
            "host",
            "relay",
            move |mut caller: Caller<'_, ()>, x: i32| {
                // The exception leaves the nested activation as an `Err`; `?`
                // hands it back to the Wasm caller.
                throw.call(&mut caller, &[Val::I32(x + 1)], &mut [])?;
                Ok(())
            },
        )
        .unwrap();
    let outer = Module::new(
        &engine,
        r#"(module
          (import "inner" "t" (tag $t (param i32)))
          (import "host" "relay" (func $relay (param i32)))
          (func (export "run") (param i32) (result i32)
            (block $h (result i32)
              (try_table (catch $t $h) (call $relay (local.get 0)))
              (i32.const -1))))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &outer).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 9).unwrap(), 10);
    // Again, to see the stacks were left in order.
    assert_eq!(run.call(&mut store, 1).unwrap(), 2);
}

#[test]
fn an_uncaught_exception_does_not_leak_its_payload() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
          (type $a (array (mut i64)))
          (tag $t (param (ref $a)))
          (func (export "run")
            (throw $t (array.new_default $a (i32.const 100000)))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    store.gc().unwrap();
    let before = store.gc_stats().live_bytes;
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    // While the error holds the exception, the payload stays alive.
    store.gc().unwrap();
    assert!(store.gc_stats().live_bytes >= before + 800_000);
    let exn = err.exception().unwrap().clone();
    let arr = exn.field(&mut store, 0).unwrap();
    assert!(matches!(arr, Val::AnyRef(Some(_))));
    drop((err, exn, arr));
    store.gc().unwrap();
    assert_eq!(store.gc_stats().live_bytes, before);
}

#[test]
fn caught_exceptions_survive_collections() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    // Catch an exception holding a struct, allocate enough to collect
    // many times while it is held in an exnref local, rethrow it and read
    // the payload back.
    let module = Module::new(
        &engine,
        r#"(module
          (type $s (struct (field i64) (field (ref null $s))))
          (type $junk (array i64))
          (tag $t (param (ref $s) i32))
          (func $throw
            (throw $t (struct.new $s (i64.const 7) (struct.new $s (i64.const 8) (ref.null $s)))
                      (i32.const 3)))
          (func (export "run") (result i64)
            (local $e exnref) (local $i i32)
            (local.set $e
              (block $h (result exnref)
                (try_table (catch_all_ref $h) (call $throw))
                (unreachable)))
            (loop $l
              (drop (array.new_default $junk (i32.const 1000)))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (i32.const 2000))))
            (block $h2 (result (ref $s) i32)
              (try_table (catch $t $h2) (throw_ref (local.get $e)))
              (unreachable))
            (drop)
            (struct.get $s 1)
            (struct.get $s 0)))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance
        .get_typed_func::<(), i64>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 8);
    assert!(store.gc_stats().collections > 0);
    store.gc().unwrap();
}

#[test]
fn tags_are_distinct_per_instance_and_typed_on_import() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, r#"(module (tag (export "t") (param i32)))"#).unwrap();
    let a = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let b = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let ta = a
        .get_export(&mut store, "t")
        .and_then(Extern::into_tag)
        .unwrap();
    let tb = b
        .get_export(&mut store, "t")
        .and_then(Extern::into_tag)
        .unwrap();
    assert!(!Tag::eq(&ta, &tb, &store));
    assert!(Tag::eq(&ta, &ta, &store));
    let f32_tag = Tag::new(
        &mut store,
        &TagType::new(FuncType::new(&engine, [ValType::F32], [])),
    )
    .unwrap();
    let importer = Module::new(&engine, r#"(module (import "m" "t" (tag (param i32))))"#).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "m", "t", f32_tag).unwrap();
    let err = linker.instantiate(&mut store, &importer).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unlinkable);
    let mut linker = Linker::new(&engine);
    linker.define(&store, "m", "t", ta).unwrap();
    linker.instantiate(&mut store, &importer).unwrap();
    // A payload of the wrong type is refused.
    assert!(ExnRef::new(&mut store, &ta, &[Val::F32(0)]).is_err());
}
