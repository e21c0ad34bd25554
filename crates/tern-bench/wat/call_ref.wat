;; call_ref workload (typed function references): calls through a typed
;; table of non-null function references, $n times.
(module
  (type $binop (func (param i32) (result i32)))

  (func $f0 (type $binop) (i32.add (local.get 0) (i32.const 1)))
  (func $f1 (type $binop) (i32.add (local.get 0) (i32.const 2)))
  (func $f2 (type $binop) (i32.sub (local.get 0) (i32.const 1)))
  (func $f3 (type $binop) (i32.xor (local.get 0) (i32.const 3)))

  (table $t 4 4 (ref $binop) (ref.func $f0))
  (elem (table $t) (i32.const 0) (ref $binop) (ref.func $f0) (ref.func $f1) (ref.func $f2) (ref.func $f3))

  (func (export "ref_loop") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc
          (call_ref $binop
            (local.get $acc)
            (table.get $t (i32.and (local.get $n) (i32.const 3)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
)
