;; SIMD compute kernels, written the way a vectorizing compiler emits them:
;; 128-bit loads and stores, lane arithmetic, no scalar work in the loops.
;;
;; - `dot`: the dot product of two f32 arrays of `n` elements (n a multiple
;;   of 16), four accumulators of f32x4, summed horizontally at the end.
;; - `blur`: a 3-tap [1 2 1]/4 filter over `n` bytes (n a multiple of 16):
;;   bytes widened to i16x8, added and shifted, narrowed back with
;;   saturation; returns a checksum of the output (extadd_pairwise, i32x4).
;;
;; `init_dot n` / `init_blur n` fill the inputs once (scalar code, untimed).
(module
  (memory 32)

  ;; a[i] = (i mod 7) * 0.5 at 0, b[i] = (i mod 5) - 2 at 4n.
  (func (export "init_dot") (param $n i32)
    (local $i i32)
    (loop $l
      (f32.store
        (i32.shl (local.get $i) (i32.const 2))
        (f32.mul (f32.convert_i32_u (i32.rem_u (local.get $i) (i32.const 7))) (f32.const 0.5)))
      (f32.store
        (i32.shl (i32.add (local.get $i) (local.get $n)) (i32.const 2))
        (f32.sub (f32.convert_i32_u (i32.rem_u (local.get $i) (i32.const 5))) (f32.const 2)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  (func (export "dot") (param $n i32) (result f32)
    (local $p i32) (local $q i32) (local $end i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $q (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (local.get $q))
    (loop $l
      (local.set $s0 (f32x4.add (local.get $s0)
        (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
      (local.set $s1 (f32x4.add (local.get $s1)
        (f32x4.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q)))))
      (local.set $s2 (f32x4.add (local.get $s2)
        (f32x4.mul (v128.load offset=32 (local.get $p)) (v128.load offset=32 (local.get $q)))))
      (local.set $s3 (f32x4.add (local.get $s3)
        (f32x4.mul (v128.load offset=48 (local.get $p)) (v128.load offset=48 (local.get $q)))))
      (local.set $q (i32.add (local.get $q) (i32.const 64)))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 64))) (local.get $end))))
    (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (local.get $s1))
                              (f32x4.add (local.get $s2) (local.get $s3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
      (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))

  ;; in[i] = (i * 37 + (i >> 5)) mod 256 at 16 (one zero vector of padding
  ;; on each side); the output goes to 32 + n.
  (func (export "init_blur") (param $n i32)
    (local $i i32)
    (v128.store (i32.const 0) (v128.const i64x2 0 0))
    (v128.store offset=16 (local.get $n) (v128.const i64x2 0 0))
    (loop $l
      (i32.store8 offset=16 (local.get $i)
        (i32.add (i32.mul (local.get $i) (i32.const 37)) (i32.shr_u (local.get $i) (i32.const 5))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  (func (export "blur") (param $n i32) (result i32)
    (local $p i32) (local $out i32) (local $end i32)
    (local $l v128) (local $c v128) (local $r v128) (local $lo v128) (local $hi v128)
    (local $sum v128) (local $y v128)
    (local.set $p (i32.const 16))
    (local.set $end (i32.add (local.get $n) (i32.const 16)))
    (local.set $out (i32.add (local.get $n) (i32.const 32)))
    (loop $loop
      (local.set $l (v128.load offset=0 (i32.sub (local.get $p) (i32.const 1))))
      (local.set $c (v128.load (local.get $p)))
      (local.set $r (v128.load offset=1 (local.get $p)))
      (local.set $lo
        (i16x8.shr_u
          (i16x8.add
            (i16x8.add (i16x8.extend_low_i8x16_u (local.get $l)) (i16x8.extend_low_i8x16_u (local.get $r)))
            (i16x8.add (i16x8.shl (i16x8.extend_low_i8x16_u (local.get $c)) (i32.const 1))
                       (v128.const i16x8 2 2 2 2 2 2 2 2)))
          (i32.const 2)))
      (local.set $hi
        (i16x8.shr_u
          (i16x8.add
            (i16x8.add (i16x8.extend_high_i8x16_u (local.get $l)) (i16x8.extend_high_i8x16_u (local.get $r)))
            (i16x8.add (i16x8.shl (i16x8.extend_high_i8x16_u (local.get $c)) (i32.const 1))
                       (v128.const i16x8 2 2 2 2 2 2 2 2)))
          (i32.const 2)))
      (local.set $y (i8x16.narrow_i16x8_u (local.get $lo) (local.get $hi)))
      (v128.store (local.get $out) (local.get $y))
      (local.set $sum
        (i32x4.add (local.get $sum)
          (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $y)))))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $loop (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
      (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
)
