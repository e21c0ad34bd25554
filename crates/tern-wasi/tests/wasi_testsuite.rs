//! The official WASI testsuite (wasm32-wasip1 programs in
//! `tests/data/wasi-testsuite`): every program runs from a fresh copy of
//! its preopened directory, and its exit status and stdout must be what its
//! JSON spec says. No test is skipped (Wasmtime, the reference, passes all
//! of them on Linux).

use std::path::{Path, PathBuf};

use tern::{Engine, Linker, Module, Store};
use tern_wasi::{DirPerms, FilePerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

fn suite_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/wasi-testsuite/tests")
}

/// Every `.wasm` program of the three wasm32-wasip1 suites.
fn programs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lang in ["assemblyscript", "c", "rust"] {
        let dir = suite_root().join(lang).join("testsuite/wasm32-wasip1");
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for e in entries {
            let p = e.expect("directory entry").path();
            if p.extension().is_some_and(|x| x == "wasm") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Copies the directory tree `from` to `to` (files and directories only).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy file");
            let mut perms = std::fs::metadata(&target).expect("stat").permissions();
            #[allow(clippy::permissions_set_readonly_false, reason = "test scratch copy")]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms).expect("chmod");
        }
    }
}

/// What a test expects, from its JSON spec (defaults when absent).
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
}

fn spec(wasm: &Path) -> Spec {
    let mut s = Spec {
        args: Vec::new(),
        env: Vec::new(),
        root: None,
        exit_code: 0,
        stdout: None,
    };
    let Ok(text) = std::fs::read_to_string(wasm.with_extension("json")) else {
        return s;
    };
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON spec");
    if let Some(args) = v.get("args").and_then(|a| a.as_array()) {
        s.args = args
            .iter()
            .map(|a| a.as_str().expect("string arg").to_owned())
            .collect();
    }
    if let Some(env) = v.get("env").and_then(|e| e.as_object()) {
        s.env = env
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
            .collect();
    }
    s.root = v.get("root").and_then(|r| r.as_str()).map(str::to_owned);
    if let Some(code) = v.get("exit_code").and_then(|c| c.as_i64()) {
        s.exit_code = code as i32;
    }
    s.stdout = v.get("stdout").and_then(|o| o.as_str()).map(str::to_owned);
    s
}

/// Runs one program as `wasmtime run` would for the Python runner: argv[0]
/// is the program's path, the root directory preopened as `/`. Returns the
/// exit status and stdout, or a description of what went wrong.
fn run(engine: &Engine, wasm: &Path, scratch: &Path) -> Result<(i32, String), String> {
    let spec = spec(wasm);
    let stdout = MemoryOutputPipe::new();
    let stderr = MemoryOutputPipe::new();
    let mut b = WasiCtxBuilder::new();
    b.arg(wasm.display().to_string())
        .args(&spec.args)
        .envs(&spec.env)
        .stdout(stdout.clone())
        .stderr(stderr.clone());
    if let Some(root) = &spec.root {
        let from = wasm.parent().expect("parent").join(root);
        copy_dir(&from, scratch);
        b.preopened_dir(scratch, "/", DirPerms::all(), FilePerms::all())
            .map_err(|e| format!("preopen: {e}"))?;
    }
    let module = Module::from_file(engine, wasm).map_err(|e| format!("compile: {e}"))?;
    let mut store = Store::new(engine, b.build());
    let mut linker = Linker::new(engine);
    tern_wasi::add_to_linker(&mut linker, |w: &mut WasiCtx| w).map_err(|e| e.to_string())?;
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| format!("instantiate: {e}"))?;
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|e| format!("_start: {e}"))?;
    let code = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => exit.0,
            None => {
                return Err(format!(
                    "error: {e:?}\nstderr: {}",
                    String::from_utf8_lossy(&stderr.contents())
                ));
            }
        },
    };
    let out = String::from_utf8_lossy(&stdout.contents()).into_owned();
    if code != spec.exit_code {
        return Err(format!(
            "exit status {code}, expected {}\nstdout: {out}\nstderr: {}",
            spec.exit_code,
            String::from_utf8_lossy(&stderr.contents())
        ));
    }
    if let Some(expected) = &spec.stdout
        && &out != expected
    {
        return Err(format!("stdout {out:?}, expected {expected:?}"));
    }
    Ok((code, out))
}

#[test]
fn wasi_testsuite_wasm32_wasip1() {
    let programs = programs();
    assert_eq!(
        programs.len(),
        72,
        "the suite has 72 wasm32-wasip1 programs"
    );
    let engine = Engine::default();
    let base = std::env::temp_dir().join(format!("tern-wasi-testsuite-{}", std::process::id()));
    let mut failures = Vec::new();
    for (i, wasm) in programs.iter().enumerate() {
        let scratch = base.join(format!("{i}"));
        let name = wasm
            .strip_prefix(suite_root())
            .unwrap_or(wasm)
            .display()
            .to_string();
        if let Err(e) = run(&engine, wasm, &scratch) {
            failures.push(format!("{name}: {e}"));
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(
        failures.is_empty(),
        "{} of {} WASI tests failed:\n{}",
        failures.len(),
        programs.len(),
        failures.join("\n\n")
    );
}
