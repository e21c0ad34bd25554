//! Triage of a differential case with a third engine, V8 through node.
//!
//! [`node_script`] turns a module and the calls the campaign makes (same
//! order, same arguments) into a self-contained node script that prints
//! one line per observation; [`render`] prints a Tern or wasmi
//! [`Observation`] in the same format, so the three can be compared line
//! by line. Traps compare by class (V8's messages are mapped to classes;
//! text after `#` is informational).

use crate::diff::{ExportKind, Observation, Outcome, TrapClass, V, arg, exports_in_order};

fn render_v(v: &V) -> String {
    match v {
        V::I32(x) => format!("i32:{x}"),
        V::I64(x) => format!("i64:{x}"),
        V::F32(b) => format!("f32:{b:08x}"),
        V::F64(b) => format!("f64:{b:016x}"),
        V::V128(x) => format!("v128:{x:032x}"),
        V::Ref { null: true } => "ref:null".into(),
        V::Ref { null: false } => "ref:nonnull".into(),
        V::Other(s) => format!("other:{s}"),
    }
}

fn render_outcome(o: &Outcome) -> String {
    match o {
        Outcome::Ok(vals) => {
            let mut s = "ok".to_string();
            for v in vals {
                s.push(' ');
                s.push_str(&render_v(v));
            }
            s
        }
        // V8 does not tell a null entry from a signature mismatch.
        Outcome::Trap(TrapClass::IndirectCallToNull | TrapClass::BadSignature) => {
            "trap:IndirectOrSignature".into()
        }
        Outcome::Trap(c) => format!("trap:{c:?}"),
        Outcome::Error(e) => format!("error # {e}"),
    }
}

/// An observation as triage lines (export names replaced by their index in
/// the export section).
pub fn render(bytes: &[u8], obs: &Observation) -> Vec<String> {
    let exports = exports_in_order(bytes);
    let index = |name: &str| {
        exports
            .iter()
            .position(|(n, _)| n == name)
            .unwrap_or(usize::MAX)
    };
    let mut out = Vec::new();
    if obs.compile_error.is_some() {
        out.push("compile-error".to_string());
        return out;
    }
    match &obs.instantiate {
        Some(Outcome::Ok(_)) => out.push("instantiate ok".into()),
        Some(o @ Outcome::Trap(_)) => {
            out.push(format!("instantiate {}", render_outcome(o)));
            return out;
        }
        Some(o) => {
            out.push(format!("instantiate fail # {}", render_outcome(o)));
            return out;
        }
        None => {}
    }
    for (name, o) in &obs.calls {
        out.push(format!("call {} {}", index(name), render_outcome(o)));
    }
    if obs.hit_stack_overflow() {
        return out;
    }
    for (name, v) in &obs.globals {
        out.push(format!("global {} {}", index(name), render_v(v)));
    }
    for (name, len, hash) in &obs.memories {
        out.push(format!("memory {} {len} {hash:016x}", index(name)));
    }
    for (name, len, nulls) in &obs.tables {
        let bits: String = nulls.iter().map(|&n| if n { '0' } else { '1' }).collect();
        out.push(format!("table {} {len} {bits}", index(name)));
    }
    out
}

/// The comparable part of a triage line (trap classes and error text
/// dropped).
pub fn key(line: &str) -> &str {
    line.split(" #").next().unwrap_or(line).trim_end()
}

fn js_type(t: &tern::ValType) -> &'static str {
    match t {
        tern::ValType::I32 => "i32",
        tern::ValType::I64 => "i64",
        tern::ValType::F32 => "f32",
        tern::ValType::F64 => "f64",
        tern::ValType::V128 => "v128",
        tern::ValType::Ref(_) => "ref",
    }
}

/// A node script that instantiates `bytes` and makes the campaign's calls
/// for `seed`, printing [`render`]-format lines.
pub fn node_script(bytes: &[u8], seed: u64) -> Result<String, String> {
    use tern::{Engine, ExternType, Module};
    let engine = Engine::default();
    let module = Module::new(&engine, bytes).map_err(|e| format!("tern rejects it: {e}"))?;
    let types: std::collections::HashMap<String, ExternType> = module
        .exports()
        .map(|e| (e.name().to_string(), e.ty()))
        .collect();
    let mut plan = String::from("[\n");
    for (i, (name, kind)) in exports_in_order(bytes).iter().enumerate() {
        let jname = json_string(name);
        match (kind, types.get(name)) {
            (ExportKind::Func, Some(ExternType::Func(ft))) => {
                let params: Vec<String> = ft
                    .params()
                    .enumerate()
                    .map(|(p, t)| format!("['{}','{}']", js_type(&t), arg(seed, i, p)))
                    .collect();
                let results: Vec<String> =
                    ft.results().map(|t| format!("'{}'", js_type(&t))).collect();
                plan.push_str(&format!(
                    "  {{i:{i},kind:'func',name:{jname},params:[{}],results:[{}]}},\n",
                    params.join(","),
                    results.join(",")
                ));
            }
            (ExportKind::Global, Some(ExternType::Global(gt))) => plan.push_str(&format!(
                "  {{i:{i},kind:'global',name:{jname},type:'{}'}},\n",
                js_type(gt.content())
            )),
            (ExportKind::Memory, _) => {
                plan.push_str(&format!("  {{i:{i},kind:'memory',name:{jname}}},\n"))
            }
            (ExportKind::Table, _) => {
                plan.push_str(&format!("  {{i:{i},kind:'table',name:{jname}}},\n"))
            }
            _ => {}
        }
    }
    plan.push(']');
    let b64 = base64(bytes);
    Ok(NODE_TEMPLATE
        .replace("@SEED@", &seed.to_string())
        .replace("@BYTES@", &b64)
        .replace("@PLAN@", &plan))
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const NODE_TEMPLATE: &str = r#"// Triage script generated by `campaign triage` (tern-fuzz) for diff seed @SEED@.
// Runs the module on V8 with the campaign's calls and arguments and prints
// one line per observation (the format of tern_fuzz::triage::render).
const bytes = Buffer.from("@BYTES@", "base64");
const plan = @PLAN@;
function f32bits(x) {
  if (Number.isNaN(x)) return "7fc00000";
  const d = new DataView(new ArrayBuffer(4)); d.setFloat32(0, x, true);
  return d.getUint32(0, true).toString(16).padStart(8, "0");
}
function f64bits(x) {
  if (Number.isNaN(x)) return "7ff8000000000000";
  const d = new DataView(new ArrayBuffer(8)); d.setFloat64(0, x, true);
  return d.getBigUint64(0, true).toString(16).padStart(16, "0");
}
function render(t, x) {
  switch (t) {
    case "i32": return "i32:" + (x | 0);
    case "i64": return "i64:" + BigInt.asIntN(64, x);
    case "f32": return "f32:" + f32bits(x);
    case "f64": return "f64:" + f64bits(x);
    default: return x === null ? "ref:null" : "ref:nonnull";
  }
}
function arg(t, v) {
  const b = BigInt(v);
  switch (t) {
    case "i32": return Number(BigInt.asIntN(32, b));
    case "i64": return BigInt.asIntN(64, b);
    case "f32": { const d = new DataView(new ArrayBuffer(4)); d.setUint32(0, Number(BigInt.asUintN(32, b)), true); return d.getFloat32(0, true); }
    case "f64": { const d = new DataView(new ArrayBuffer(8)); d.setBigUint64(0, BigInt.asUintN(64, b), true); return d.getFloat64(0, true); }
    default: return null;
  }
}
function hash(buf) {
  const u8 = new Uint8Array(buf);
  const mask = (1n << 64n) - 1n, prime = 0x100000001b3n;
  let h = 0xcbf29ce484222325n;
  const words = Math.floor(u8.length / 8);
  const dv = new DataView(buf);
  for (let i = 0; i < words; i++) { h ^= dv.getBigUint64(i * 8, true); h = (h * prime) & mask; }
  for (let i = words * 8; i < u8.length; i++) { h ^= BigInt(u8[i]); h = (h * prime) & mask; }
  return h.toString(16).padStart(16, "0");
}
function trapClass(e) {
  const m = String(e.message);
  const table = [
    ["unreachable", "Unreachable"], ["divide by zero", "DivisionByZero"],
    ["remainder by zero", "DivisionByZero"], ["divide result unrepresentable", "IntegerOverflow"],
    ["float unrepresentable", "BadConversion"], ["memory access out of bounds", "MemoryOutOfBounds"],
    ["data segment out of bounds", "MemoryOutOfBounds"], ["table index is out of bounds", "TableOutOfBounds"],
    ["table access out of bounds", "TableOutOfBounds"], ["element segment out of bounds", "TableOutOfBounds"],
    ["null function or function signature mismatch", "IndirectOrSignature"],
  ];
  for (const [k, c] of table) if (m.includes(k)) return "trap:" + c;
  return "trap:?";
}
let instance;
try {
  const m = new WebAssembly.Module(bytes);
  try { instance = new WebAssembly.Instance(m, {}); console.log("instantiate ok"); }
  catch (e) {
    if (e instanceof WebAssembly.RuntimeError) console.log("instantiate " + trapClass(e) + " # " + e.message);
    else console.log("instantiate fail # " + e);
    process.exit(0);
  }
} catch (e) { console.log("compile-error # " + e); process.exit(0); }
const ex = instance.exports;
let overflow = false;
for (const p of plan) {
  if (p.kind !== "func") continue;
  try {
    let r = ex[p.name](...p.params.map(([t, v]) => arg(t, v)));
    if (p.results.length === 1) r = [r];
    if (p.results.length === 0) r = [];
    console.log(["call " + p.i + " ok", ...p.results.map((t, k) => render(t, r[k]))].join(" "));
  } catch (e) {
    if (e instanceof RangeError) { console.log("call " + p.i + " trap:StackOverflow # " + e.message); overflow = true; break; }
    console.log("call " + p.i + " " + trapClass(e) + " # " + e.message);
  }
}
if (!overflow) {
  for (const p of plan) if (p.kind === "global") console.log("global " + p.i + " " + render(p.type, ex[p.name].value));
  for (const p of plan) if (p.kind === "memory") { const b = ex[p.name].buffer; console.log("memory " + p.i + " " + b.byteLength + " " + hash(b)); }
  for (const p of plan) if (p.kind === "table") {
    const t = ex[p.name]; const n = Number(t.length); let bits = "";
    for (let i = 0; i < n; i++) { let v; try { v = t.get(i); } catch (_) { v = t.get(BigInt(i)); } bits += v === null ? "0" : "1"; }
    console.log("table " + p.i + " " + n + " " + bits);
  }
}
"#;

/// The result of triaging one differential case.
#[derive(Clone, Debug)]
pub struct Triage {
    /// `same` (Tern and wasmi agree), `wasmi-bug` (V8 agrees with Tern),
    /// `TERN-BUG` (V8 agrees with wasmi), `v8-rejects` (this V8 cannot
    /// compile the module) or `three-way` (all differ).
    pub verdict: &'static str,
    /// The first differing line of each engine.
    pub detail: String,
    /// Where the module and the node script were written.
    pub files: String,
}

/// Runs differential case `seed` on Tern, wasmi and V8 (`node`), writing
/// `diff-SEED.wasm` and `diff-SEED.js` to `keep`. Call it on a thread with
/// a large stack.
pub fn triage_seed(seed: u64, node: &str, keep: &std::path::Path) -> Result<Triage, String> {
    let bytes =
        crate::diff::diff_module(seed).ok_or("wasm-smith builds no module for this seed")?;
    triage_bytes(&bytes, seed, &format!("diff-{seed}"), node, keep)
}

/// [`triage_seed`] for a given module (calls made with `seed`'s
/// arguments), written to `keep` as `NAME.wasm` and `NAME.js`.
pub fn triage_bytes(
    bytes: &[u8],
    seed: u64,
    name: &str,
    node: &str,
    keep: &std::path::Path,
) -> Result<Triage, String> {
    use crate::diff::{observe_tern, observe_wasmi};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    std::fs::create_dir_all(keep).map_err(|e| format!("{}: {e}", keep.display()))?;
    let run = |f: &dyn Fn() -> Vec<String>| {
        catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| vec!["panic".to_string()])
    };
    let t = run(&|| render(bytes, &observe_tern(bytes, seed)));
    let w = run(&|| render(bytes, &observe_wasmi(bytes, seed)));
    let script = node_script(bytes, seed)?;
    let wasm_path = keep.join(format!("{name}.wasm"));
    let js_path = keep.join(format!("{name}.js"));
    std::fs::write(&wasm_path, bytes).map_err(|e| e.to_string())?;
    std::fs::write(&js_path, &script).map_err(|e| e.to_string())?;
    let output = std::process::Command::new(node)
        .arg(&js_path)
        .output()
        .map_err(|e| format!("running {node}: {e}"))?;
    let v: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    // Compare up to the first stack overflow anywhere (the limits differ).
    let stack = |l: &Vec<String>| {
        l.iter()
            .position(|x| x.contains("StackOverflow"))
            .unwrap_or(usize::MAX)
    };
    let n = stack(&t).min(stack(&w)).min(stack(&v));
    let same = |a: &Vec<String>, b: &Vec<String>| {
        let (a, b) = (&a[..n.min(a.len())], &b[..n.min(b.len())]);
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| key(x) == key(y))
    };
    let v8_rejects = v.first().is_some_and(|l| l.starts_with("compile-error"));
    let verdict = match (same(&t, &w), same(&t, &v), same(&w, &v)) {
        (true, _, _) => "same",
        // V8 (node 20's V8 11.3) lacks multiple memories, for one.
        _ if v8_rejects && t.first() != Some(&"compile-error".to_string()) => "v8-rejects",
        (false, true, _) => "wasmi-bug",
        (false, _, true) => "TERN-BUG",
        _ => "three-way",
    };
    let mut detail = String::new();
    let len = n.min(t.len().max(w.len()).max(v.len()));
    if let Some(i) = (0..len).find(|&i| {
        let k = |l: &Vec<String>| l.get(i).map(|x| key(x).to_string());
        k(&t) != k(&w) || k(&t) != k(&v)
    }) {
        let show = |l: &Vec<String>| l.get(i).cloned().unwrap_or_else(|| "-".into());
        detail = format!(
            "  line {i}:\n    tern:  {}\n    wasmi: {}\n    v8:    {}",
            show(&t),
            show(&w),
            show(&v)
        );
    }
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let err: Vec<&str> = err.lines().take(3).collect();
        detail.push_str(&format!("\n  node failed: {}", err.join(" | ")));
    }
    Ok(Triage {
        verdict,
        detail,
        files: format!("{} {}", wasm_path.display(), js_path.display()),
    })
}

/// Shrinks differential case `seed` with wasm-mutate's reducing mutations
/// while Tern and wasmi still diverge in the same category; returns the
/// smallest module found.
pub fn reduce(seed: u64, rounds: u32) -> Result<Vec<u8>, String> {
    use crate::diff::{Verdict, compare, diff_module, observe_tern, observe_wasmi};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let mut best = diff_module(seed).ok_or("wasm-smith builds no module for this seed")?;
    let category = |bytes: &[u8]| {
        let t = catch_unwind(AssertUnwindSafe(|| observe_tern(bytes, seed)));
        let w = catch_unwind(AssertUnwindSafe(|| observe_wasmi(bytes, seed)));
        match (t, w) {
            (Err(_), _) => Some("tern-panic"),
            (_, Err(_)) => Some("wasmi-panic"),
            (Ok(t), Ok(w)) => match compare(&t, &w) {
                Verdict::Diverged(d) => Some(d.category),
                _ => None,
            },
        }
    };
    let want = category(&best).ok_or("Tern and wasmi do not diverge on this seed")?;
    let mut rng = crate::tern_side::Rng::new(seed);
    for _ in 0..rounds {
        let mut m = wasm_mutate::WasmMutate::default();
        m.seed(rng.next_u64()).fuel(1000).reduce(true);
        let next = match m.run(&best) {
            Ok(mut it) => it.next().and_then(Result::ok),
            Err(_) => None,
        };
        let Some(next) = next else { continue };
        if next.len() < best.len() && category(&next) == Some(want) {
            best = next;
        }
    }
    Ok(best)
}
