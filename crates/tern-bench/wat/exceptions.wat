;; Exception-handling workloads: the same counting loop with its body in a
;; plain block or in a try_table (nothing is thrown: the difference is the
;; cost of entering the handler scope), and a throw from 10 frames down
;; caught at the top.
(module
  (tag $e (param i32))

  (func (export "plain_loop") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (drop
          (block $h (result i32)
            (block
              (local.set $acc (i32.add (local.get $acc) (local.get $n))))
            (i32.const 0)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  (func (export "try_table_loop") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (drop
          (block $h (result i32)
            (try_table (catch $e $h)
              (local.set $acc (i32.add (local.get $acc) (local.get $n))))
            (i32.const 0)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  ;; Calls itself $d levels deep, then throws $e(1).
  (func $down (param $d i32) (result i32)
    (if (i32.eqz (local.get $d))
      (then (throw $e (i32.const 1))))
    (i32.add (call $down (i32.sub (local.get $d) (i32.const 1))) (i32.const 1)))

  ;; $n times: a throw 10 frames down, caught here.
  (func (export "throw_10_deep") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc
          (i32.add (local.get $acc)
            (block $h (result i32)
              (try_table (result i32) (catch $e $h)
                (call $down (i32.const 10))))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
)
