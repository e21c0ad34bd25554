;; wasmi 2.0.0: wrong `select` result feeding a division (false "integer
;; divide by zero"). Local 0 is 0, so `i32.eqz` is 1 and `select` picks
;; `i32.const 1`: local 0 becomes 1 and `0 rem_s 1` is 0. wasmi traps with
;; "integer divide by zero" as if local 0 were still 0. The leading fuel
;; check (what wasm-smith's `ensure_termination` inserts) is needed to
;; trigger it.
;; Expected (spec, V8 13.6, Tern): `f` returns 0.
;; wasmi 2.0.0: traps IntegerDivisionByZero.
;; Check: `campaign triage-file oracle-bugs/select-guard.wat` (verdict wasmi-bug).
(module
  (global (mut i32) (i32.const 1))
  (func (export "f") (result i32)
    (local i32 i32)
    global.get 0
    i32.eqz
    if
      unreachable
    end
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select
    local.set 0
    local.get 1
    local.get 0
    i32.rem_s))
