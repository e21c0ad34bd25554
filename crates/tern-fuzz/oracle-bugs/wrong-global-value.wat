;; wasmi 2.0.0: a wrong value in a global after a call (reduced from diff
;; seed 1764 with `campaign reduce` and a line reducer; the function
;; xors its leftover operands into globals, as wasm-smith's generated code
;; does). Export "\u{1c}" is called with a null externref, then the
;; exported global "" (global 0) is read.
;; Expected (spec, V8 13.6, Tern): global "" = 126078325.
;; wasmi 2.0.0: 81687792.
;; Check: `campaign triage-file oracle-bugs/wrong-global-value.wat`
;; (verdict wasmi-bug).
(module
  (type (;0;) (func (param externref)))
  (global (;0;) (mut i32) i32.const 0)
  (global (;1;) (mut i32) i32.const 0)
  (global (;2;) (mut i64) i64.const 0)
  (global (;3;) (mut i64) i64.const 0)
  (global (;4;) (mut i32) i32.const 60)
  (export "\u{1c}" (func 0))
  (export "" (global 0))
  (func (;0;) (type 0) (param externref)
    (local f32 f32 f32 f32 f32 f32 f32 f64 i32 i32)
    global.get 4
    if ;; label = @1
    end
    global.get 4
    global.set 4
    i64.const -3996827420227906663
    local.get 0
    i32.const 113224673
    if ;; label = @1
    end
    local.get 4
    i32.trunc_f32_s
    local.get 5
    f64.const -0x1p+1021 (;=-22471164185778950000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
    i32.const 81687793
    i32.const -118971923
    f64.convert_i32_u
    f64.const -0x1.fc903cee2798dp-272 (;=-0.00000000000000000000000000000000000000000000000000000000000000000000000000000000026178595423937837;)
    f64.const -nan:0xfffffffc00000 (;=NaN;)
    local.get 0
    i32.const -103754696
    local.get 8
    f64.const inf (;=inf;)
    f64.eq
    local.get 8
    f64.const -inf (;=-inf;)
    f64.eq
    i32.or
    i32.or
    if ;; label = @1
    end
    i32.const 5779172
    f64.convert_i32_s
    f32.const 0x1.4da8p-119 (;=0.0000000000000000000000000000000000019610552;)
    i32.const 56473988
    local.set 9
    i32.const 1
    local.get 9
    local.get 9
    i32.eqz
    select
    local.set 9
    block ;; label = @1
      block ;; label = @2
        local.get 10
        br_if 0 (;@2;)
      end
    end
    local.get 9
    global.set 0
    i32.reinterpret_f32
    global.get 1
    i32.xor
    global.set 1
    i64.reinterpret_f64
    global.get 2
    i64.xor
    global.set 2
    drop
    i64.reinterpret_f64
    global.get 2
    i64.xor
    global.set 2
    i64.reinterpret_f64
    global.get 2
    i64.xor
    global.set 2
    i64.reinterpret_f64
    global.get 2
    i64.xor
    global.set 2
    global.get 0
    i32.xor
    global.set 0
    i64.reinterpret_f64
    global.get 2
    i64.xor
    global.set 2
    i32.reinterpret_f32
    global.get 1
    i32.xor
    global.set 1
    global.get 0
    i32.xor
    global.set 0
    drop
    global.get 3
    i64.xor
    global.set 3
  )
)