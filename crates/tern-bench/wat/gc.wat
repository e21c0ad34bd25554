;; GC workloads: binary-trees (the benchmarks-game algorithm on structs),
;; allocation of short-lived structs, and array.copy between i8 arrays.
(module
  (type $node (struct (field $left (ref null $node)) (field $right (ref null $node))))
  (type $point (struct (field $x i32) (field $y i32)))
  (type $bytes (array (mut i8)))

  (global $src (mut (ref null $bytes)) (ref.null $bytes))
  (global $dst (mut (ref null $bytes)) (ref.null $bytes))

  (func $make (param $d i32) (result (ref $node))
    (if (result (ref $node)) (i32.eqz (local.get $d))
      (then (struct.new $node (ref.null $node) (ref.null $node)))
      (else
        (struct.new $node
          (call $make (i32.sub (local.get $d) (i32.const 1)))
          (call $make (i32.sub (local.get $d) (i32.const 1)))))))

  (func $check (param $t (ref $node)) (result i32)
    (local $l (ref null $node))
    (local.set $l (struct.get $node $left (local.get $t)))
    (if (result i32) (ref.is_null (local.get $l))
      (then (i32.const 1))
      (else
        (i32.add (i32.const 1)
          (i32.add
            (call $check (ref.as_non_null (local.get $l)))
            (call $check (ref.as_non_null (struct.get $node $right (local.get $t)))))))))

  ;; binary-trees with maximum depth $max (>= 6): a stretch tree of depth
  ;; max+1, a long-lived tree of depth max, and 2^(max-d+4) short-lived trees
  ;; of each even depth d from 4 to max. Returns the sum of all node counts.
  (func (export "binary_trees") (param $max i32) (result i32)
    (local $sum i32) (local $long (ref null $node)) (local $d i32)
    (local $iters i32) (local $i i32)
    (local.set $sum (call $check (call $make (i32.add (local.get $max) (i32.const 1)))))
    (local.set $long (call $make (local.get $max)))
    (local.set $d (i32.const 4))
    (block $ddone
      (loop $dl
        (br_if $ddone (i32.gt_u (local.get $d) (local.get $max)))
        (local.set $iters
          (i32.shl (i32.const 1) (i32.add (i32.sub (local.get $max) (local.get $d)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (block $idone
          (loop $il
            (br_if $idone (i32.ge_u (local.get $i) (local.get $iters)))
            (local.set $sum (i32.add (local.get $sum) (call $check (call $make (local.get $d)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $il)))
        (local.set $d (i32.add (local.get $d) (i32.const 2)))
        (br $dl)))
    (i32.add (local.get $sum) (call $check (ref.as_non_null (local.get $long)))))

  ;; Allocates $n two-field structs that die at once; returns a checksum.
  (func (export "alloc") (param $n i32) (result i32)
    (local $acc i32) (local $p (ref $point))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $p (struct.new $point (local.get $n) (local.get $acc)))
        (local.set $acc
          (i32.add (struct.get $point $x (local.get $p))
                   (i32.shr_u (struct.get $point $y (local.get $p)) (i32.const 1))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  ;; Allocates the two $len-byte arrays used by "copy".
  (func (export "copy_setup") (param $len i32)
    (global.set $src (array.new $bytes (i32.const 7) (local.get $len)))
    (global.set $dst (array.new_default $bytes (local.get $len))))

  ;; Copies the whole source array into the destination array.
  (func (export "copy") (result i32)
    (local $len i32)
    (local.set $len (array.len (ref.as_non_null (global.get $src))))
    (array.copy $bytes $bytes
      (global.get $dst) (i32.const 0)
      (global.get $src) (i32.const 0)
      (local.get $len))
    (array.get_u $bytes (global.get $dst) (i32.sub (local.get $len) (i32.const 1))))
)
