;; Plain compute kernels: recursive fib, a sieve of Eratosthenes, a matrix
;; multiply in linear memory, and a tight counting loop with br_if.
(module
  (memory (export "memory") 64) ;; 4 MiB

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; Counts the primes below $n (n <= 4 MiB) using one byte per number.
  (func (export "sieve") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 0) (local.get $n))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $jdone
              (loop $inner
                (br_if $jdone (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count))

  ;; C = A * B for $n x $n f64 matrices at byte offsets 0 (A), n*n*8 (B) and
  ;; 2*n*n*8 (C). A[i][j] = i + j, B[i][j] = i - 2j. Returns the trace of C.
  (func (export "matmul") (param $n i32) (result f64)
    (local $i i32) (local $j i32) (local $k i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local $sum f64) (local $trace f64)
    (local.set $a (i32.const 0))
    (local.set $b (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 8)))
    (local.set $c (i32.shl (local.get $b) (i32.const 1)))
    ;; initialise A and B
    (local.set $i (i32.const 0))
    (loop $ii
      (local.set $j (i32.const 0))
      (loop $jj
        (f64.store
          (i32.add (local.get $a)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
          (f64.convert_i32_s (i32.add (local.get $i) (local.get $j))))
        (f64.store
          (i32.add (local.get $b)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
          (f64.convert_i32_s (i32.sub (local.get $i) (i32.shl (local.get $j) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $jj (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $ii (i32.lt_u (local.get $i) (local.get $n))))
    ;; multiply
    (local.set $i (i32.const 0))
    (loop $mi
      (local.set $j (i32.const 0))
      (loop $mj
        (local.set $sum (f64.const 0))
        (local.set $k (i32.const 0))
        (loop $mk
          (local.set $sum
            (f64.add (local.get $sum)
              (f64.mul
                (f64.load (i32.add (local.get $a)
                  (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $k)) (i32.const 3))))
                (f64.load (i32.add (local.get $b)
                  (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j)) (i32.const 3)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $mk (i32.lt_u (local.get $k) (local.get $n))))
        (f64.store
          (i32.add (local.get $c)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
          (local.get $sum))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $mj (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $mi (i32.lt_u (local.get $i) (local.get $n))))
    ;; trace of C
    (local.set $i (i32.const 0))
    (loop $ti
      (local.set $trace
        (f64.add (local.get $trace)
          (f64.load (i32.add (local.get $c)
            (i32.shl (i32.mul (local.get $i) (i32.add (local.get $n) (i32.const 1))) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $ti (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $trace))

  ;; Counts down from $n with a single br_if back edge; returns a checksum.
  (func (export "loop") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
)
