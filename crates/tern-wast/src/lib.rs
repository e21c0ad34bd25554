//! Runs WebAssembly `.wast` spec scripts against Tern.
//!
//! A [`WastContext`] owns one [`tern::Store`], a [`tern::Linker`] with the
//! `spectest` host module defined in it, the current module instance and the
//! named module definitions and instances of a script. [`WastContext::run_file`]
//! and [`WastContext::run_str`] parse a script with the `wast` crate and run
//! each directive, counting every directive exactly once as passed or failed.
//! A directive Tern cannot handle is a failure, never a skip; a panic in the
//! runtime is caught and reported as a failure.
//!
//! Scripts that recurse deeply need a large native stack: run them through
//! [`with_large_stack`].

#![deny(missing_docs)]

mod legacy;
mod spectest;
pub mod testsuite;
mod values;

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use tern::{Engine, ErrorKind, Instance, Linker, Module, Store, Val};
use wast::core::WastRetCore;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{
    QuoteWat, QuoteWatTest, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat,
};

/// The native stack size [`with_large_stack`] gives its thread: 256 MiB.
pub const LARGE_STACK_SIZE: usize = 256 << 20;

/// Runs `f` on a freshly spawned thread with a [`LARGE_STACK_SIZE`] stack and
/// returns its result. A panic in `f` is returned as `Err` with its message.
pub fn with_large_stack<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, String> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("tern-wast".into())
            .stack_size(LARGE_STACK_SIZE)
            .spawn_scoped(scope, f)
            .map_err(|e| format!("cannot spawn a thread: {e}"))?;
        handle.join().map_err(|p| panic_message(&*p))
    })
}

/// Extracts the message of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// One failed directive of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line of the directive in the script.
    pub line: usize,
    /// 1-based column of the directive in the script.
    pub col: usize,
    /// What the script expected.
    pub expected: String,
    /// What Tern did instead.
    pub got: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: expected {}, got {}",
            self.line, self.col, self.expected, self.got
        )
    }
}

/// The outcome of running one script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The script's name as given to [`WastContext::run_str`] or the path
    /// given to [`WastContext::run_file`].
    pub name: String,
    /// Directives that behaved as the script asserts.
    pub passed: usize,
    /// Directives that did not; each has an entry in `failures`.
    pub failed: usize,
    /// The failed directives, in script order.
    pub failures: Vec<Failure>,
}

impl FileReport {
    /// Total number of directives counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }

    /// Whether every directive passed.
    pub fn ok(&self) -> bool {
        self.failed == 0
    }

    /// Records a failed directive at `line`:`col`.
    pub fn fail(
        &mut self,
        line: usize,
        col: usize,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) {
        self.failed += 1;
        self.failures.push(Failure {
            line,
            col,
            expected: expected.into(),
            got: got.into(),
        });
    }
}

/// Why one directive failed: what was expected and what happened.
struct Mismatch {
    expected: String,
    got: String,
}

/// Shorthand for building a [`Mismatch`] result.
fn mismatch<T>(expected: impl Into<String>, got: impl Into<String>) -> Result<T, Mismatch> {
    Err(Mismatch {
        expected: expected.into(),
        got: got.into(),
    })
}

/// Known differences in wording between the spec interpreter's trap
/// messages (left) and messages Tern may legitimately produce (right).
const TRAP_ALIASES: &[(&str, &str)] = &[
    // The spec adds the element index ("uninitialized element 2").
    ("uninitialized element", "uninitialized element"),
];

/// Whether Tern's error text `actual` satisfies the script's expected trap
/// message: it contains the expected text, or a known alias of it.
pub fn trap_message_matches(actual: &str, expected: &str) -> bool {
    actual.contains(expected)
        || TRAP_ALIASES
            .iter()
            .any(|(e, a)| expected.starts_with(e) && actual.contains(a))
}

/// Renders a Tern error with its kind, for failure reports.
fn describe_error(err: &tern::Error) -> String {
    match err.kind() {
        ErrorKind::Trap(_) => format!("{err}"),
        kind => format!("{kind:?} error: {err}"),
    }
}

/// The state of one running script: a store, a linker holding `spectest`
/// and registered instances, and the script's modules and instances.
///
/// Use one context per script: registrations made by one script stay
/// visible to later scripts run in the same context.
pub struct WastContext {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// The most recently instantiated module instance.
    current: Option<Instance>,
    /// Instances by their script identifier (`$name`).
    instances: HashMap<String, Instance>,
    /// Module definitions by their script identifier.
    definitions: HashMap<String, Module>,
    /// The most recent `module definition`.
    last_definition: Option<Module>,
    /// Why defining `spectest` failed, if it did.
    setup_error: Option<String>,
    /// Unfold the legacy folded `try` syntax before parsing (see `legacy`).
    legacy_syntax: bool,
}

impl std::fmt::Debug for WastContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WastContext").finish_non_exhaustive()
    }
}

impl Default for WastContext {
    fn default() -> Self {
        Self::new()
    }
}

impl WastContext {
    /// A fresh context on a default [`Engine`], with `spectest` defined.
    pub fn new() -> Self {
        Self::with_engine(Engine::default())
    }

    /// A fresh context for the script at `path`: scripts in a `legacy`
    /// directory of the testsuite get the legacy exception instructions
    /// (`Config::wasm_legacy_exceptions`), as the spec interpreter does.
    pub fn for_file(path: impl AsRef<Path>) -> Self {
        Self::for_file_with(path.as_ref(), false, false)
    }

    /// Like [`WastContext::for_file`], with fuel metering and epoch checks
    /// compiled in (`Config::consume_fuel`, `Config::epoch_interruption`),
    /// unlimited fuel and a deadline that never comes: for checking that
    /// metering changes no result.
    pub fn for_file_metered(path: impl AsRef<Path>) -> Self {
        Self::for_file_with(path.as_ref(), true, false)
    }

    /// Like [`WastContext::for_file`], with the collector in stress mode
    /// (a minor collection before every GC allocation) and heap
    /// verification on; [`WastContext::gc_check`] reports what verification
    /// found.
    pub fn for_file_gc_stress(path: impl AsRef<Path>) -> Self {
        Self::for_file_with(path.as_ref(), false, true)
    }

    fn for_file_with(path: &Path, metered: bool, gc_stress: bool) -> Self {
        let legacy = path.components().any(|c| c.as_os_str() == "legacy");
        let mut config = tern::Config::new();
        config
            .wasm_legacy_exceptions(legacy)
            .consume_fuel(metered)
            .epoch_interruption(metered)
            .gc_stress(gc_stress)
            .gc_verify(gc_stress);
        let mut cx = match Engine::new(&config) {
            Ok(engine) => Self::with_engine(engine),
            // Every directive then fails: running the script without the
            // requested mode would pass for the wrong reason.
            Err(e) => Self {
                setup_error: Some(format!("engine configuration failed: {e}")),
                ..Self::new()
            },
        };
        cx.legacy_syntax = legacy;
        cx
    }

    /// A fresh context on `engine`, with `spectest` defined.
    pub fn with_engine(engine: Engine) -> Self {
        let mut store = Store::new(&engine, ());
        // Without `consume_fuel` this fails and changes nothing.
        let _ = store.set_fuel(u64::MAX);
        store.set_epoch_deadline(u64::MAX);
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        let setup_error = match catch_unwind(AssertUnwindSafe(|| {
            spectest::register(&mut linker, &mut store)
        })) {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(p) => Some(format!("panic: {}", panic_message(&*p))),
        };
        WastContext {
            engine,
            store,
            linker,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            setup_error,
            legacy_syntax: false,
        }
    }

    /// Runs a (verified, if `Config::gc_verify` is on) major collection
    /// and returns the first heap invariant violation any verification in
    /// this context's store found.
    pub fn gc_check(&mut self) -> Result<(), String> {
        self.store.gc().map_err(|e| e.to_string())
    }

    /// Reads and runs the script at `path`.
    pub fn run_file(&mut self, path: impl AsRef<Path>) -> FileReport {
        let path = path.as_ref();
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => self.run_str(&name, &text),
            Err(e) => {
                let mut report = FileReport {
                    name,
                    ..FileReport::default()
                };
                report.fail(0, 0, "a readable .wast file", format!("read error: {e}"));
                report
            }
        }
    }

    /// Runs the script `text`; `name` is used in the report only.
    ///
    /// A script that does not parse counts as one failed directive.
    pub fn run_str(&mut self, name: &str, text: &str) -> FileReport {
        let unfolded;
        let text = if self.legacy_syntax {
            unfolded = legacy::unfold_try(text);
            &unfolded[..]
        } else {
            text
        };
        let mut report = FileReport {
            name: name.to_string(),
            ..FileReport::default()
        };
        if let Some(e) = &self.setup_error {
            report.fail(0, 0, "the spectest module to be defined", e.clone());
        }
        let parse_failure = |report: &mut FileReport, mut err: wast::Error| {
            let (line, col) = err.span().linecol_in(text);
            err.set_text(text);
            report.fail(
                line + 1,
                col + 1,
                "a parsable script",
                format!("parse error: {}", err.message()),
            );
        };
        // The testsuite (names.wast) deliberately uses bidirectional
        // control characters in names, which `wast` rejects by default.
        let mut lexer = Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let buf = match ParseBuffer::new_with_lexer(lexer) {
            Ok(buf) => buf,
            Err(err) => {
                parse_failure(&mut report, err);
                return report;
            }
        };
        let script = match parser::parse::<Wast<'_>>(&buf) {
            Ok(script) => script,
            Err(err) => {
                parse_failure(&mut report, err);
                return report;
            }
        };
        for directive in script.directives {
            let (line, col) = directive.span().linecol_in(text);
            let outcome = catch_unwind(AssertUnwindSafe(|| self.run_directive(directive)));
            match outcome {
                Ok(Ok(())) => report.passed += 1,
                Ok(Err(m)) => report.fail(line + 1, col + 1, m.expected, m.got),
                Err(p) => report.fail(
                    line + 1,
                    col + 1,
                    "no panic",
                    format!("panic: {}", panic_message(&*p)),
                ),
            }
        }
        report
    }

    /// Compiles a module from script syntax. Binary and text modules are
    /// encoded by `wast`; quoted text is handed to Tern's own text parser.
    fn compile(&self, module: &mut QuoteWat<'_>) -> Result<Module, CompileError> {
        if matches!(
            module,
            QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
        ) {
            return Err(CompileError::Unsupported(
                "components are not supported".into(),
            ));
        }
        let bytes = match module.to_test() {
            Ok(QuoteWatTest::Binary(bytes)) | Ok(QuoteWatTest::Text(bytes)) => bytes,
            Err(e) => return Err(CompileError::Encode(e.message())),
        };
        Module::new(&self.engine, &bytes).map_err(CompileError::Tern)
    }

    fn compile_wat(&self, wat: Wat<'_>) -> Result<Module, CompileError> {
        self.compile(&mut QuoteWat::Wat(wat))
    }

    fn instantiate(&mut self, module: &Module) -> tern::Result<Instance> {
        self.linker.instantiate(&mut self.store, module)
    }

    /// The instance named `id`, or the current one.
    fn instance(&self, id: Option<wast::token::Id<'_>>) -> Result<Instance, Mismatch> {
        match id {
            Some(id) => match self.instances.get(id.name()) {
                Some(i) => Ok(*i),
                None => mismatch(
                    format!("an instance named ${}", id.name()),
                    format!("no instance named ${}", id.name()),
                ),
            },
            None => match &self.current {
                Some(i) => Ok(*i),
                None => mismatch("a current module instance", "no module instantiated yet"),
            },
        }
    }

    /// Makes `instance` current and records it under `name`, if any.
    fn set_current(&mut self, name: Option<wast::token::Id<'_>>, instance: Instance) {
        if let Some(id) = name {
            self.instances.insert(id.name().to_string(), instance);
        }
        self.current = Some(instance);
    }

    fn run_directive(&mut self, directive: WastDirective<'_>) -> Result<(), Mismatch> {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name();
                // A module that fails must not leave an older instance
                // current: later invokes would silently run the wrong code.
                self.current = None;
                let compiled = self
                    .compile(&mut module)
                    .or_else(|e| mismatch("a valid module", e.to_string()))?;
                let instance = self
                    .instantiate(&compiled)
                    .or_else(|e| mismatch("a module instance", describe_error(&e)))?;
                self.set_current(name, instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name();
                let compiled = self
                    .compile(&mut module)
                    .or_else(|e| mismatch("a valid module", e.to_string()))?;
                if let Some(id) = name {
                    self.definitions
                        .insert(id.name().to_string(), compiled.clone());
                }
                self.last_definition = Some(compiled);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                };
                let Some(def) = def else {
                    return mismatch("a module definition to instantiate", "no such definition");
                };
                let inst = self
                    .instantiate(&def)
                    .or_else(|e| mismatch("a module instance", describe_error(&e)))?;
                self.set_current(instance, inst);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .or_else(|e| mismatch(format!("to register \"{name}\""), describe_error(&e)))?;
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)?
                    .or_else(|e| mismatch("a successful call", describe_error(&e)))?;
                Ok(())
            }
            WastDirective::AssertReturn { exec, results, .. } => self.assert_return(exec, &results),
            WastDirective::AssertTrap { exec, message, .. } => self.assert_trap(exec, message),
            WastDirective::AssertExhaustion { call, message, .. } => {
                let expected = format!("trap \"{message}\"");
                match self.invoke(&call)? {
                    Ok(vals) => {
                        let got = values::fmt_vals(&mut self.store, &vals);
                        mismatch(expected, format!("return {got}"))
                    }
                    Err(e)
                        if e.as_trap().is_some()
                            && trap_message_matches(&e.to_string(), message) =>
                    {
                        Ok(())
                    }
                    Err(e) => mismatch(expected, describe_error(&e)),
                }
            }
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => match self.compile(&mut module) {
                Ok(_) => mismatch(format!("module error \"{message}\""), "the module compiled"),
                Err(CompileError::Unsupported(e)) => {
                    mismatch(format!("module error \"{message}\""), e)
                }
                Err(_) => Ok(()),
            },
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                let expected = format!("link error \"{message}\"");
                let compiled = self
                    .compile_wat(module)
                    .or_else(|e| mismatch(expected.clone(), e.to_string()))?;
                match self.instantiate(&compiled) {
                    Ok(_) => mismatch(expected, "the module instantiated"),
                    Err(e) if e.kind() == ErrorKind::Unlinkable => Ok(()),
                    Err(e) => mismatch(expected, describe_error(&e)),
                }
            }
            WastDirective::AssertInvalidCustom { .. } => unsupported("assert_invalid_custom"),
            WastDirective::AssertMalformedCustom { .. } => unsupported("assert_malformed_custom"),
            WastDirective::AssertException { exec, .. } => match self.execute(exec)? {
                Ok(vals) => {
                    let got = values::fmt_vals(&mut self.store, &vals);
                    mismatch("an uncaught exception", format!("return {got}"))
                }
                Err(e) if e.kind() == ErrorKind::Exception => Ok(()),
                Err(e) => mismatch("an uncaught exception", describe_error(&e)),
            },
            WastDirective::AssertSuspension { .. } => unsupported("assert_suspension"),
            WastDirective::Thread(_) => unsupported("thread"),
            WastDirective::Wait { .. } => unsupported("wait"),
        }
    }

    /// Calls the export named by `invoke` with its arguments. The outer
    /// `Err` is a problem of the script (no such instance or export, bad
    /// arguments); the inner result is the call's own outcome.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<tern::Result<Vec<Val>>, Mismatch> {
        let instance = self.instance(invoke.module)?;
        let Some(func) = instance.get_func(&mut self.store, invoke.name) else {
            return mismatch(
                format!("an exported function \"{}\"", invoke.name),
                "no such export",
            );
        };
        let ty = func.ty(&self.store);
        let params: Vec<_> = ty.params().collect();
        let results = ty.results().count();
        if params.len() != invoke.args.len() {
            return mismatch(
                format!(
                    "\"{}\" to take {} arguments",
                    invoke.name,
                    invoke.args.len()
                ),
                format!("it takes {}", params.len()),
            );
        }
        let mut args = Vec::with_capacity(params.len());
        for (arg, param) in invoke.args.iter().zip(&params) {
            let WastArg::Core(arg) = arg else {
                return unsupported("component-model arguments").map(|()| Ok(Vec::new()));
            };
            match values::arg_to_val(&mut self.store, arg, Some(param)) {
                Ok(v) => args.push(v),
                Err(e) => return mismatch(format!("a usable argument {arg:?}"), e),
            }
        }
        let mut out = vec![Val::I32(0); results];
        Ok(func.call(&mut self.store, &args, &mut out).map(|()| out))
    }

    /// Runs `exec` and returns its results.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<tern::Result<Vec<Val>>, Mismatch> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(wat) => {
                let module = self
                    .compile_wat(wat)
                    .or_else(|e| mismatch("a valid module", e.to_string()))?;
                Ok(self.instantiate(&module).map(|_| Vec::new()))
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                match instance.get_global(&mut self.store, global) {
                    Some(g) => Ok(Ok(vec![g.get(&mut self.store)])),
                    None => mismatch(format!("an exported global \"{global}\""), "no such global"),
                }
            }
        }
    }

    fn assert_return(
        &mut self,
        exec: WastExecute<'_>,
        results: &[WastRet<'_>],
    ) -> Result<(), Mismatch> {
        let mut patterns: Vec<&WastRetCore<'_>> = Vec::with_capacity(results.len());
        for r in results {
            match r {
                WastRet::Core(p) => patterns.push(p),
                _ => return unsupported("component-model result patterns"),
            }
        }
        let expected = if patterns.is_empty() {
            "()".to_string()
        } else {
            patterns
                .iter()
                .map(|p| values::fmt_pattern(p))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let vals = match self.execute(exec)? {
            Ok(vals) => vals,
            Err(e) => return mismatch(expected, describe_error(&e)),
        };
        let ok = vals.len() == patterns.len()
            && patterns
                .iter()
                .zip(&vals)
                .all(|(p, v)| values::val_matches(&mut self.store, p, v));
        if ok {
            Ok(())
        } else {
            let got = values::fmt_vals(&mut self.store, &vals);
            mismatch(expected, got)
        }
    }

    fn assert_trap(&mut self, exec: WastExecute<'_>, message: &str) -> Result<(), Mismatch> {
        let expected = format!("trap \"{message}\"");
        match self.execute(exec)? {
            Ok(vals) => {
                let got = values::fmt_vals(&mut self.store, &vals);
                mismatch(expected, format!("success {got}"))
            }
            Err(e) if e.as_trap().is_some() && trap_message_matches(&e.to_string(), message) => {
                Ok(())
            }
            Err(e) => mismatch(expected, describe_error(&e)),
        }
    }
}

/// A directive kind the runner does not support: always a failure.
fn unsupported(what: &str) -> Result<(), Mismatch> {
    mismatch(
        format!("support for {what}"),
        format!("unsupported directive: {what}"),
    )
}

/// Why a script module could not be turned into a [`Module`].
enum CompileError {
    /// `wast` could not encode the module text.
    Encode(String),
    /// Tern rejected the module.
    Tern(tern::Error),
    /// The runner cannot handle this kind of module.
    Unsupported(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Encode(e) => write!(f, "text error: {e}"),
            CompileError::Tern(e) => f.write_str(&describe_error(e)),
            CompileError::Unsupported(e) => f.write_str(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_aliases() {
        assert!(trap_message_matches(
            "wasm trap: unreachable",
            "unreachable"
        ));
        assert!(trap_message_matches(
            "wasm trap: uninitialized element",
            "uninitialized element 2"
        ));
        assert!(trap_message_matches(
            "wasm trap: undefined element: out of bounds table access",
            "undefined element"
        ));
        // Specific null-dereference messages must match exactly.
        assert!(!trap_message_matches(
            "wasm trap: null reference",
            "null function reference"
        ));
        assert!(!trap_message_matches(
            "wasm trap: unreachable",
            "integer overflow"
        ));
    }
}
