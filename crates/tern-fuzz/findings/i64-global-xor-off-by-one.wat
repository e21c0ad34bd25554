;; TERN BUG, FIXED (differential campaign, diff seed 69913; V8 13.6 and
;; wasmi 2.0.0 agreed against Tern). Cause: `local.tee 2` retargeted the
;; previous instruction's result slot into the local, but that instruction
;; (`global.get` of a funcref, then dropped) had written *reference* slot N
;; while the stored value sat in *value* slot N; the translator compared slot
;; numbers without the frame. Regression test:
;; crates/tern/tests/translation.rs.
;;
;; Call export "" with one argument, (ref.null func); it returns an i32
;; (ignored). Then read the exported global "l" (global 2, i64): the
;; function xors 30-odd values left on its operand stack into globals 1
;; and 2.
;; Expected (V8 13.6, wasmi 2.0.0): global "l" = -7830482492983049291
;; Tern: -7830482492983049292 (the lowest bit differs: one i64 on the
;; stack, likely an extended i32 comparison result, is off by one).
;; The function keeps a very deep operand stack (dozens of live values,
;; funcref selects, locals overwritten while earlier `local.get`s of them
;; are still on the stack); small hand-written versions of the same
;; operations did not reproduce it. diff-69913.wasm beside this file is the
;; original module (the campaign calls export "" with a null funcref, then
;; reads the exported globals).
;; Check: `campaign triage-file findings/i64-global-xor-off-by-one.wat`
;; (verdict TERN-BUG), or `campaign triage 69913`.
(module
  (type (;0;) (func (param funcref)))
  (type (;1;) (func (param funcref) (result i32)))
  (global (;0;) funcref ref.func 1)
  (global (;1;) (mut i32) i32.const 0)
  (global (;2;) (mut i64) i64.const 0)
  (global (;3;) (mut i32) i32.const 36)
  (export "" (func 0))
  (export "l" (global 2))
  (func (;0;) (type 1) (param funcref) (result i32)
    (local i32 i32 i32)
    global.get 3
    if ;; label = @1
    end
    global.get 0
    global.get 0
    local.get 0
    global.get 0
    i32.const -1933089639
    global.get 0
    global.get 0
    global.get 0
    global.get 0
    global.get 0
    i64.const -2245037539720909634
    i64.eqz
    local.get 3
    local.get 0
    i32.const 240939603
    i64.extend_i32_s
    i64.const -4467634228153963546
    i64.le_u
    local.set 2
    i64.const 127
    global.get 0
    local.get 1
    i64.extend_i32_s
    local.get 3
    i64.extend_i32_u
    i64.sub
    global.get 0
    global.get 0
    local.get 3
    i64.const -18014398509481984
    local.get 0
    i64.const 17592186044416
    local.get 2
    i64.extend_i32_u
    i64.const 1099511627776
    global.get 0
    i64.const -17
    local.get 2
    local.set 3
    local.get 0
    local.get 3
    global.get 0
    global.get 0
    i64.const -6186324022267231961
    i32.wrap_i64
    i64.const -8222464451620288400
    i64.eqz
    i32.shr_u
    select (result funcref)
    global.get 0
    i64.const -6322217175472576315
    local.get 0
    global.get 0
    global.get 0
    i32.const -1349859514
    i64.extend_i32_s
    i32.const -65537
    global.get 0
    i32.const -2097153
    global.get 0
    i64.const 2709809809627614499
    local.get 1
    i64.const -4097
    global.get 0
    global.get 0
    i32.const -4
    i64.const -144115188075855873
    i64.eqz
    i64.const 8796093022207
    i32.const -33
    global.get 0
    i32.const 1431655765
    i64.extend_i32_s
    i64.eqz
    i64.const 3825140802241181623
    i32.wrap_i64
    i32.div_s
    local.get 0
    global.get 0
    local.get 1
    select (result funcref)
    local.set 0
    i64.extend_i32_u
    global.get 0
    i32.const 15
    local.get 3
    i64.extend_i32_u
    global.get 0
    global.get 0
    global.get 0
    global.get 0
    global.get 0
    local.get 1
    i64.extend_i32_u
    global.get 0
    global.get 0
    i32.const -131073
    i64.const -4398046511105
    local.get 1
    i64.extend_i32_s
    i64.le_s
    i64.extend_i32_u
    i64.eqz
    global.get 0
    i64.const -2660775976292529982
    local.get 3
    i64.extend_i32_s
    i64.lt_s
    i64.const -3402729723553285873
    i32.wrap_i64
    i32.eq
    local.get 0
    global.get 0
    i32.const 2143289344
    i32.const -2133727707
    local.set 2
    select (result funcref)
    i64.const 2147483648
    local.get 2
    i64.extend_i32_u
    i64.lt_u
    i64.extend_i32_u
    local.get 2
    i32.const 176765478
    i64.extend_i32_u
    i32.const 1050286794
    local.set 1
    i32.const 1024
    global.get 0
    i64.const 4398046511104
    i64.eqz
    i64.extend_i32_u
    local.get 2
    i64.extend_i32_s
    i32.wrap_i64
    i64.extend_i32_s
    i64.rem_u
    i64.eqz
    i64.const 3444032352900713606
    i64.const 2139095039
    i64.const -18014398509481984
    i64.ge_u
    global.get 0
    i32.const 1166262480
    global.get 0
    local.get 1
    i64.extend_i32_u
    i64.eqz
    local.set 3
    global.get 0
    i64.const -9223372036854775808
    i64.eqz
    i64.const -6439786286630740681
    global.get 0
    global.get 0
    i64.const 6960826676330559667
    global.get 0
    global.get 0
    i64.const -562949953421312
    i64.const 9223372036854775807
    i64.lt_u
    i64.const 3804705990958876118
    global.get 0
    local.get 1
    i64.extend_i32_u
    i64.const -1099511627776
    i64.eqz
    i64.extend_i32_u
    i64.ge_s
    i64.extend_i32_u
    local.get 1
    global.get 0
    local.get 0
    local.get 1
    global.get 0
    local.get 0
    local.get 1
    i64.extend_i32_s
    local.get 1
    local.get 0
    i64.const 8406355476206457208
    local.get 1
    global.get 0
    i64.const 6106225424485292262
    global.get 0
    global.get 0
    global.get 0
    global.get 0
    i64.const -134217729
    global.get 0
    i32.const 32767
    i64.extend_i32_s
    i64.const 7513785678283257634
    i64.lt_u
    global.get 0
    i64.const 6943166339365799241
    local.get 1
    local.set 2
    i32.const 8192
    i64.const -1099511627776
    i32.const 1023
    i64.const 4644683747779836703
    i64.eqz
    local.set 1
    i64.extend_i32_u
    i64.lt_s
    i32.ge_u
    i64.extend_i32_u
    i64.le_u
    global.get 0
    i64.const 2046756501317825746
    global.get 0
    global.get 0
    global.get 0
    local.get 3
    select (result funcref)
    i64.const -281474976710657
    i32.wrap_i64
    select (result funcref)
    i32.const 15
    i64.extend_i32_s
    global.get 0
    local.get 2
    i64.extend_i32_s
    i32.const 1132674719
    global.get 0
    i32.const -16777217
    global.get 0
    local.get 2
    i64.extend_i32_s
    local.get 2
    i64.extend_i32_s
    i32.const -536870912
    i64.extend_i32_s
    i64.lt_u
    local.set 3
    i32.const -134217729
    global.get 0
    drop
    local.tee 2
    i64.const 4645899918450691046
    local.get 1
    i64.extend_i32_s
    i64.le_s
    i32.lt_s
    local.set 3
    i32.const 1596605701
    i64.extend_i32_u
    local.get 3
    i64.extend_i32_s
    i32.const -131073
    i64.const -1073741825
    i32.const -268435456
    i64.extend_i32_u
    i64.ne
    global.set 1
    global.set 1
    global.set 2
    global.get 2
    i64.xor
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    drop
    global.set 1
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    drop
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    drop
    global.set 1
    drop
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    drop
    drop
    global.set 1
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    drop
    i32.xor
    global.set 1
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    drop
    drop
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    i32.xor
    global.set 1
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    global.set 1
    drop
    global.set 1
    global.get 2
    i64.xor
    global.set 2
    drop
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    drop
    global.set 1
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.get 2
    i64.xor
    i64.xor
    i64.xor
    global.set 2
    drop
    global.get 2
    i64.xor
    global.set 2
    global.set 1
    drop
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    global.get 2
    i64.xor
    global.set 2
    drop
    i32.xor
    global.set 1
    drop
    drop
    drop
    drop
    drop
    global.set 1
    drop
    drop
    drop
    drop
    i32.const 1837616697
  )
  (func (;1;) (type 0) (param funcref))
)