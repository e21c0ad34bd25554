//! Typed function references across the host boundary.
//!
//! The host passes a Wasm function reference of a concrete type into Wasm,
//! Wasm calls it with `call_ref` and hands back another typed reference,
//! and the host calls that one through a typed view.
//!
//! Run with `cargo run -p tern --example func_refs`.

use tern::{Engine, Func, Linker, Module, Store};

const WAT: &str = r#"
(module
  (type $binop (func (param i32 i32) (result i32)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (elem declare func $add $mul)

  ;; Applies a typed reference to two arguments.
  (func (export "apply") (param $f (ref $binop)) (param i32 i32) (result i32)
    (call_ref $binop (local.get 1) (local.get 2) (local.get $f)))

  ;; Returns $add or $mul as a non-null typed reference.
  (func (export "pick") (param $which i32) (result (ref $binop))
    (select (result (ref $binop)) (ref.func $mul) (ref.func $add) (local.get $which)))
)
"#;

fn main() -> tern::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module)?;

    // Wasm -> host: `pick` returns `(ref $binop)`, which the host may read
    // as `Func` (a supertype: any non-null function reference).
    let pick = instance.get_typed_func::<i32, Func>(&mut store, "pick")?;
    let mul = pick.call(&mut store, 1)?;
    println!("pick(1) has type {}", mul.ty(&store));

    // Host -> wasm: `apply` declares `(ref $binop)`; passing `Func` is
    // accepted and checked on every call against `$binop`.
    let apply = instance.get_typed_func::<(Func, i32, i32), i32>(&mut store, "apply")?;
    println!(
        "apply(mul, 6, 7) = {}",
        apply.call(&mut store, (mul, 6, 7))?
    );

    // The reference can also be called directly from the host.
    let mul_typed = mul.typed::<(i32, i32), i32>(&store)?;
    println!("mul(3, 4) = {}", mul_typed.call(&mut store, (3, 4))?);

    // A host function of a different type is rejected before it reaches Wasm.
    let not_binop = Func::wrap(&mut store, |x: i64| x);
    match apply.call(&mut store, (not_binop, 1, 2)) {
        Ok(_) => println!("unexpected success"),
        Err(e) => println!("apply(host fn of wrong type) failed as expected: {e}"),
    }
    Ok(())
}
