;; Recursive Fibonacci, used by the README's quick start:
;;   cargo run --release -p tern-cli -- run examples/fib.wat --invoke fib 25
(module $fib
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
