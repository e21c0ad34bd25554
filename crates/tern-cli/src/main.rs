//! The `tern` command-line runtime.
//!
//! Subcommands:
//! - `tern run [OPTIONS] FILE [ARGS...]`: run a `.wasm` or `.wat` module
//!   with WASI preview 1 (`_start`, or `--invoke NAME` to call an export and
//!   print its results).
//! - `tern wast FILE...`: run `.wast` spec scripts and summarize.
//! - `tern validate FILE`: check that a module is well-formed and valid.
//! - `tern explore FILE [--func N]`: print the interpreter code Tern
//!   translates a module's functions into.
//!
//! All work happens on a spawned thread with a 256 MiB stack so that deeply
//! recursive scripts and modules have room to run.

mod run;
mod script;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command-line arguments of `tern`.
#[derive(Parser, Debug)]
#[command(name = "tern", version, about = "A WebAssembly 3.0 interpreter")]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands of `tern`.
#[derive(Subcommand, Debug)]
enum Command {
    /// Run a WASI program, or call one export of a module (`--invoke`).
    Run(run::RunArgs),
    /// Run .wast spec scripts.
    Wast {
        /// The scripts to run.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check that a module (.wasm or .wat) is well-formed and valid.
    Validate {
        /// The module to check.
        file: PathBuf,
    },
    /// Print the interpreter code of a module's functions (format not stable).
    Explore {
        /// The module (.wasm or .wat).
        file: PathBuf,
        /// Only this function (module function index, imports first).
        #[arg(long)]
        func: Option<u32>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = tern_wast::with_large_stack(move || match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Wast { files } => script::run_scripts(&files),
        Command::Validate { file } => validate(&file),
        Command::Explore { file, func } => explore(&file, func),
    });
    match outcome {
        Ok(code) => code,
        Err(panic) => {
            eprintln!("Error: internal error (panic): {panic}");
            ExitCode::from(101)
        }
    }
}

/// `tern validate FILE`: exit 0 if valid, else print the error (with its
/// byte offset for binary modules, line and column for text) and exit 1.
fn validate(file: &std::path::Path) -> ExitCode {
    let binary = match read_module(file) {
        Ok(b) => b,
        Err(msg) => {
            eprintln!("Error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let engine = tern::Engine::default();
    match tern::Module::validate(&engine, &binary) {
        Ok(()) => {
            println!("{}: valid", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {}: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}

/// The binary of a `.wasm` or `.wat` file, or a message naming the file
/// (with line and column for text).
fn read_module(file: &std::path::Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    match wat::parse_bytes(&bytes) {
        Ok(b) => Ok(b.into_owned()),
        Err(mut e) => {
            e.set_path(file);
            Err(e.to_string())
        }
    }
}

/// `tern explore FILE [--func N]`: compile the module and print the
/// interpreter code of its defined functions (or of function `N`).
fn explore(file: &std::path::Path, func: Option<u32>) -> ExitCode {
    let module = read_module(file).and_then(|binary| {
        tern::Module::new(&tern::Engine::default(), &binary)
            .map_err(|e| format!("{}: {e}", file.display()))
    });
    let module = match module {
        Ok(m) => m,
        Err(msg) => {
            eprintln!("Error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let listing = match func {
        None => module.explain(),
        Some(i) => match module.explain_func(i) {
            Some(l) => l,
            None => {
                eprintln!("Error: {}: no defined function {i}", file.display());
                return ExitCode::FAILURE;
            }
        },
    };
    print!("{listing}");
    ExitCode::SUCCESS
}
