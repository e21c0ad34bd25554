//! The WASI context ([`WasiCtx`]) and its builder ([`WasiCtxBuilder`]):
//! arguments, environment, standard streams, preopened directories, clocks
//! and the random source.

use std::io::{self, Read as _};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

use crate::table::{Descriptor, DirDesc, FdTable, Input, Output, StdStream};

/// What a guest may do with a preopened directory and the directories
/// opened beneath it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DirPerms(u8);

impl DirPerms {
    /// List entries, stat, and open files and directories.
    pub const READ: DirPerms = DirPerms(1);
    /// Create, remove, rename and link entries and set their times.
    pub const MUTATE: DirPerms = DirPerms(2);
    /// Both.
    pub const fn all() -> DirPerms {
        DirPerms(3)
    }

    /// No permission at all.
    pub const fn empty() -> DirPerms {
        DirPerms(0)
    }
    /// Whether every permission in `other` is in `self`.
    pub const fn contains(self, other: DirPerms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for DirPerms {
    type Output = DirPerms;
    fn bitor(self, rhs: DirPerms) -> DirPerms {
        DirPerms(self.0 | rhs.0)
    }
}

/// What a guest may do with the files it opens beneath a preopened
/// directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FilePerms(u8);

impl FilePerms {
    /// Open files for reading.
    pub const READ: FilePerms = FilePerms(1);
    /// Open files for writing, truncate them, and set their size and times.
    pub const WRITE: FilePerms = FilePerms(2);
    /// Both.
    pub const fn all() -> FilePerms {
        FilePerms(3)
    }

    /// No permission at all.
    pub const fn empty() -> FilePerms {
        FilePerms(0)
    }
    /// Whether every permission in `other` is in `self`.
    pub const fn contains(self, other: FilePerms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for FilePerms {
    type Output = FilePerms;
    fn bitor(self, rhs: FilePerms) -> FilePerms {
        FilePerms(self.0 | rhs.0)
    }
}

/// An in-memory output stream: give a clone to
/// [`WasiCtxBuilder::stdout`] or [`WasiCtxBuilder::stderr`] and read what the
/// guest wrote with [`MemoryOutputPipe::contents`].
#[derive(Clone, Debug, Default)]
pub struct MemoryOutputPipe(Arc<Mutex<Vec<u8>>>);

impl MemoryOutputPipe {
    /// An empty pipe.
    pub fn new() -> MemoryOutputPipe {
        MemoryOutputPipe::default()
    }
    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
    pub(crate) fn append(&self, bytes: &[u8]) {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(bytes);
        }
    }
}

/// An in-memory input stream for [`WasiCtxBuilder::stdin`]: the guest reads
/// these bytes, then end of file.
#[derive(Clone, Debug, Default)]
pub struct MemoryInputPipe {
    bytes: Vec<u8>,
    pos: usize,
}

impl MemoryInputPipe {
    /// A pipe holding `bytes`.
    pub fn new(bytes: impl Into<Vec<u8>>) -> MemoryInputPipe {
        MemoryInputPipe {
            bytes: bytes.into(),
            pos: 0,
        }
    }
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> usize {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        n
    }
}

/// The wall clock (`realtime`) seen by the guest.
pub trait WallClock: Send + Sync {
    /// Time since the Unix epoch.
    fn now(&self) -> Duration;
    /// The clock's resolution.
    fn resolution(&self) -> Duration;
}

/// The monotonic clock seen by the guest, which also times `poll_oneoff`
/// sleeps.
pub trait MonotonicClock: Send + Sync {
    /// Nanoseconds since an arbitrary, fixed origin.
    fn now(&self) -> u64;
    /// The clock's resolution in nanoseconds.
    fn resolution(&self) -> u64;
    /// Waits until `now()` has advanced by at least `nanos` (a test clock
    /// can advance itself instead of waiting).
    fn sleep(&self, nanos: u64) {
        std::thread::sleep(Duration::from_nanos(nanos));
    }
}

/// The source of `random_get` bytes.
pub trait RandomSource: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<()>;
}

/// The host's clock (`SystemTime`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
    }
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
}

/// The host's monotonic clock (`Instant`), counted from its creation.
#[derive(Clone, Copy, Debug)]
pub struct SystemMonotonicClock {
    origin: Instant,
}

impl Default for SystemMonotonicClock {
    fn default() -> Self {
        SystemMonotonicClock {
            origin: Instant::now(),
        }
    }
}

impl MonotonicClock for SystemMonotonicClock {
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
    fn resolution(&self) -> u64 {
        1
    }
}

/// Random bytes from the operating system (`/dev/urandom`).
#[derive(Debug, Default)]
pub struct OsRandom {
    file: Option<std::fs::File>,
}

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(std::fs::File::open("/dev/urandom")?);
        }
        match &mut self.file {
            Some(f) => f.read_exact(buf),
            None => Err(io::Error::other("no random source")),
        }
    }
}

/// A deterministic byte stream from a seed (SplitMix64), for tests: the same
/// seed gives the same bytes. Not suitable where randomness matters.
#[derive(Clone, Debug)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom { state: seed }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<()> {
        for chunk in buf.chunks_mut(8) {
            self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// Builds a [`WasiCtx`]. By default the guest gets no arguments, no
/// environment, an empty stdin, stdout and stderr that discard output, no
/// directories, the host's clocks and OS randomness.
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    preopens: Vec<DirDesc>,
    wall: Box<dyn WallClock>,
    monotonic: Box<dyn MonotonicClock>,
    random: Box<dyn RandomSource>,
}

impl std::fmt::Debug for WasiCtxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtxBuilder")
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with the defaults described on [`WasiCtxBuilder`].
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Input::Empty,
            stdout: Output::Sink,
            stderr: Output::Sink,
            preopens: Vec::new(),
            wall: Box::new(SystemWallClock),
            monotonic: Box::new(SystemMonotonicClock::default()),
            random: Box::new(OsRandom::default()),
        }
    }

    /// Appends one argument (the first one is the program name, `argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args(&mut self, args: &[impl AsRef<str>]) -> &mut Self {
        self.args.extend(args.iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Adds the environment variable `key=value`.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Adds environment variables.
    pub fn envs(&mut self, env: &[(impl AsRef<str>, impl AsRef<str>)]) -> &mut Self {
        for (k, v) in env {
            self.env(k, v);
        }
        self
    }

    /// The guest reads the host process's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = Input::Inherit;
        self
    }

    /// The guest writes to the host process's stdout (flushed after every
    /// write, so it stays in order with stderr).
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = Output::Inherit(StdStream::Stdout);
        self
    }

    /// The guest writes to the host process's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = Output::Inherit(StdStream::Stderr);
        self
    }

    /// All three of [`inherit_stdin`](Self::inherit_stdin),
    /// [`inherit_stdout`](Self::inherit_stdout) and
    /// [`inherit_stderr`](Self::inherit_stderr).
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// The guest's stdin reads from `pipe`.
    pub fn stdin(&mut self, pipe: MemoryInputPipe) -> &mut Self {
        self.stdin = Input::Memory(pipe);
        self
    }

    /// The guest's stdout is captured in `pipe`.
    pub fn stdout(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stdout = Output::Memory(pipe);
        self
    }

    /// The guest's stderr is captured in `pipe`.
    pub fn stderr(&mut self, pipe: MemoryOutputPipe) -> &mut Self {
        self.stderr = Output::Memory(pipe);
        self
    }

    /// Gives the guest the host directory `host_path` under the name
    /// `guest_path` (e.g. `.` or `/`), with `dir_perms` on it and the
    /// directories beneath it and `file_perms` on the files beneath it. The
    /// guest cannot reach anything outside it (`..`, absolute paths and
    /// symbolic links that lead out are refused). Preopens get descriptors
    /// 3, 4, ... in the order they are added.
    ///
    /// # Errors
    /// If `host_path` cannot be opened as a directory.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        dir_perms: DirPerms,
        file_perms: FilePerms,
    ) -> io::Result<&mut Self> {
        let dir = Dir::open_ambient_dir(host_path.as_ref(), ambient_authority())?;
        self.preopens.push(DirDesc {
            dir,
            preopen: Some(guest_path.as_ref().to_owned()),
            dir_perms,
            file_perms,
        });
        Ok(self)
    }

    /// Replaces the wall clock (`realtime`).
    pub fn wall_clock(&mut self, clock: impl WallClock + 'static) -> &mut Self {
        self.wall = Box::new(clock);
        self
    }

    /// Replaces the monotonic clock (also used to time `poll_oneoff`).
    pub fn monotonic_clock(&mut self, clock: impl MonotonicClock + 'static) -> &mut Self {
        self.monotonic = Box::new(clock);
        self
    }

    /// Replaces the source of `random_get` bytes (see [`SeededRandom`]).
    pub fn random(&mut self, source: impl RandomSource + 'static) -> &mut Self {
        self.random = Box::new(source);
        self
    }

    /// Builds the context, leaving this builder with its defaults again.
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let mut table = FdTable::default();
        table.push(Descriptor::Stdin(b.stdin));
        table.push(Descriptor::Stdout(b.stdout));
        table.push(Descriptor::Stderr(b.stderr));
        for dir in b.preopens {
            table.push(Descriptor::Dir(dir));
        }
        WasiCtx {
            args: b.args,
            env: b.env,
            table,
            wall: b.wall,
            monotonic: b.monotonic,
            random: b.random,
        }
    }
}

/// The state of one WASI guest: its arguments, environment, open
/// descriptors, clocks and random source. Keep it in the store's data and
/// give [`crate::add_to_linker`] a way to reach it.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) table: FdTable,
    pub(crate) wall: Box<dyn WallClock>,
    pub(crate) monotonic: Box<dyn MonotonicClock>,
    pub(crate) random: Box<dyn RandomSource>,
}

impl WasiCtx {
    /// A new [`WasiCtxBuilder`].
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}
