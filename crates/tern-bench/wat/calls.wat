;; Call-overhead workloads: host->wasm calls of tiny exports, wasm->host
;; calls in a loop, and call_indirect / call_ref in a loop.
(module
  (type $binop (func (param i32) (result i32)))
  (import "host" "inc" (func $host_inc (param i32) (result i32)))

  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $f0 $f1 $f2 $f3)

  (func $f0 (type $binop) (i32.add (local.get 0) (i32.const 1)))
  (func $f1 (type $binop) (i32.add (local.get 0) (i32.const 2)))
  (func $f2 (type $binop) (i32.sub (local.get 0) (i32.const 1)))
  (func $f3 (type $binop) (i32.xor (local.get 0) (i32.const 3)))

  ;; host -> wasm
  (func (export "nop"))
  (func (export "mix") (param i32 i64) (result f32)
    (f32.add (f32.convert_i32_s (local.get 0)) (f32.convert_i64_s (local.get 1))))

  ;; wasm -> host, $n times
  (func (export "host_loop") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $host_inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  ;; call_indirect through a 4-entry table, $n times
  (func (export "indirect_loop") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc
          (call_indirect $t (type $binop)
            (local.get $acc)
            (i32.and (local.get $n) (i32.const 3))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
)
