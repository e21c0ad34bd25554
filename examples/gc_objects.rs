//! GC objects from the host: build a linked list of structs of a recursive
//! type, hand it to Wasm, and let handles keep objects alive.
//!
//! Rooting model: every `StructRef`/`ArrayRef`/`AnyRef`/`ExternRef` handle
//! roots its object until the last clone of the handle is dropped; dropping
//! needs no store. Objects reachable only from Wasm state (globals, tables,
//! locals on the stack) are kept alive by the collector's precise roots.
//!
//! Run with `cargo run -p tern --example gc_objects`.

use tern::{AnyRef, Engine, HeapType, Instance, Linker, Module, Store, StructRef, StructType, Val};

const WAT: &str = r#"
(module
  (rec (type $node (struct (field $val i32) (field $next (ref null $node)))))
  (func (export "sum") (param $n (ref null $node)) (result i32)
    (local $s i32)
    (block $done
      (loop $l
        (br_if $done (ref.is_null (local.get $n)))
        (local.set $s (i32.add (local.get $s) (struct.get $node $val (local.get $n))))
        (local.set $n (struct.get $node $next (local.get $n)))
        (br $l)))
    (local.get $s))
  (func (export "node_type") (result (ref null $node)) (ref.null $node))
)
"#;

fn main() -> tern::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;
    let mut store = Store::new(&engine, ());
    let instance: Instance = Linker::new(&engine).instantiate(&mut store, &module)?;

    // The module's `$node` type, found through an export's signature.
    let node_ty: StructType = match instance
        .get_func(&mut store, "node_type")
        .map(|f| f.ty(&store))
        .and_then(|t| t.result(0))
        .and_then(|r| r.as_ref().map(|r| r.heap_type().clone()))
    {
        Some(HeapType::ConcreteStruct(s)) => s,
        _ => return Err(tern::Error::msg("module has no $node type")),
    };

    // Build 1 -> 2 -> ... -> 10 from the host.
    let mut head: Option<StructRef> = None;
    for v in (1..=10).rev() {
        let next = Val::AnyRef(head.as_ref().map(StructRef::to_anyref));
        head = Some(StructRef::new(&mut store, &node_ty, &[Val::I32(v), next])?);
    }
    store.gc()?; // the list survives: `head` roots it
    let sum = instance.get_typed_func::<Option<AnyRef>, i32>(&mut store, "sum")?;
    let list = head.as_ref().map(StructRef::to_anyref);
    println!("sum of the list = {}", sum.call(&mut store, list)?);

    drop(head); // unrooted: the next collection frees the list
    store.gc()?;
    println!(
        "live bytes after dropping the list: {}",
        store.gc_stats().live_bytes
    );
    Ok(())
}
