;; wasmi 2.0.0: the translator panics "internal error: entered unreachable
;; code" (src/engine/translator/func/mod.rs:2583) compiling this function:
;; an i64 load from a 32-bit memory (memory 2) in a module whose first two
;; memories are 64-bit, its result stored through memory 0 (64-bit) with
;; an i64 address. Reduced from diff seed 3858 (36 of the 250,000 modules
;; of the first campaign).
;; Expected (spec, V8 13.6, Tern): the module compiles and instantiates;
;; nothing is exported.
;; Check: `campaign triage-file oracle-bugs/translator-unreachable.wat`
;; (wasmi: panic).
(module
  (type (;0;) (func))
  (memory (;0;) i64 8 10)
  (memory (;1;) i64 0 11)
  (memory (;2;) 3 10)
  (global (;1;) (mut i32) i32.const 0)
  (func (;0;) (type 0)
    (local i64)
    global.get 0
    i64.load8_s 2 offset=68241
    local.set 0
    local.get 0
    local.get 0
    i64.store32 offset=411658
  )
)