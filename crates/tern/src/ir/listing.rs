//! A readable listing of a compiled function's interpreter instructions
//! (`Module::explain`, `tern explore`): what the translator made of the
//! Wasm code, for performance work and for toolchain authors.

use std::fmt::Write;

use super::CompiledFunc;

impl CompiledFunc {
    /// A frame summary line, then one line per instruction: its index, the
    /// instruction with its operand slots, and for a branch its target.
    pub(crate) fn listing(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "  ; value slots: {} params, {} locals, frame {}; reference slots: {} params, frame {}",
            self.value_params, self.value_locals, self.value_frame, self.ref_params, self.ref_frame
        );
        for (pc, instr) in self.code.iter().enumerate() {
            let _ = write!(out, "  {pc:6}: {instr:?}");
            if let Some(off) = instr.offset() {
                let _ = write!(out, "  ; -> {}", pc as i64 + i64::from(off));
            }
            out.push('\n');
        }
        out
    }
}
