//! The one error type of the embedder API, and trap codes.

use std::fmt;

/// Shorthand for `std::result::Result<T, tern::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why execution trapped. `Display` gives the spec testsuite's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trap {
    /// `unreachable` was executed.
    UnreachableCodeReached,
    /// A load or store outside linear memory.
    MemoryOutOfBounds,
    /// A table access outside the table.
    TableOutOfBounds,
    /// `call_indirect` through a null entry.
    IndirectCallToNull,
    /// `call_indirect` to a function of the wrong type.
    BadSignature,
    /// Signed division overflow.
    IntegerOverflow,
    /// Division or remainder by zero.
    IntegerDivisionByZero,
    /// A float-to-int conversion of NaN or out of range.
    BadConversionToInteger,
    /// The call stack limit was reached.
    StackOverflow,
    /// `ref.as_non_null` of null.
    NullReference,
    /// `call_ref` of a null function reference.
    NullFunctionReference,
    /// A struct access through a null reference.
    NullStructReference,
    /// An array access through a null reference.
    NullArrayReference,
    /// `i31.get_*` of null.
    NullI31Reference,
    /// A `ref.cast` failed.
    CastFailure,
    /// An array access outside the array.
    ArrayOutOfBounds,
    /// A GC allocation could not be satisfied.
    AllocationTooLarge,
    /// A `memory.init`/`array.new_data` read past a data segment.
    DataSegmentOutOfBounds,
    /// A `table.init`/`array.new_elem` read past an element segment.
    ElementSegmentOutOfBounds,
    /// Reading a table entry that holds no function.
    UninitializedElement,
    /// `throw_ref` of a null exception reference.
    NullExceptionReference,
    /// The store ran out of fuel (see `Config::consume_fuel`).
    OutOfFuel,
    /// The store's epoch deadline passed (see `Config::epoch_interruption`).
    Interrupt,
}

impl Trap {
    /// The spec testsuite's message for this trap.
    pub fn message(&self) -> &'static str {
        match self {
            Trap::UnreachableCodeReached => "unreachable",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "undefined element: out of bounds table access",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::StackOverflow => "call stack exhausted",
            Trap::NullReference => "null reference",
            Trap::NullFunctionReference => "null function reference",
            Trap::NullStructReference => "null structure reference",
            Trap::NullArrayReference => "null array reference",
            Trap::NullI31Reference => "null i31 reference",
            Trap::CastFailure => "cast failure",
            Trap::ArrayOutOfBounds => "out of bounds array access",
            Trap::AllocationTooLarge => "allocation too large",
            Trap::DataSegmentOutOfBounds => "out of bounds memory access",
            Trap::ElementSegmentOutOfBounds => "out of bounds table access",
            Trap::UninitializedElement => "uninitialized element",
            Trap::NullExceptionReference => "null exception reference",
            Trap::OutOfFuel => "all fuel consumed by WebAssembly",
            Trap::Interrupt => "interrupt",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Trap {}

/// One wasm frame of a trap's backtrace, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's index in its module.
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub func_name: Option<String>,
    /// The module's name from the name section, if any.
    pub module_name: Option<String>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = &self.module_name {
            write!(f, "{m}!")?;
        }
        match &self.func_name {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "<wasm function {}>", self.func_index),
        }
    }
}

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not a well-formed module (binary or text).
    Malformed,
    /// The module is well-formed but fails validation.
    Invalid,
    /// The module uses a feature that is disabled or not supported.
    Unsupported,
    /// Imports could not be satisfied.
    Unlinkable,
    /// Execution trapped. A memory or table whose initial size cannot be
    /// allocated (at instantiation, or by `Memory::new`/`Table::new`) is the
    /// trap [`Trap::AllocationTooLarge`] too, as is a GC allocation over
    /// `Config::max_gc_heap_size`; [`Error::as_trap`] agrees with this kind
    /// for every error.
    Trap(Trap),
    /// An error returned by a host function, passed through unchanged.
    Host,
    /// A Wasm exception that no handler caught (see [`Error::exception`]).
    Exception,
    /// Any other misuse of the API (wrong types, wrong store, ...).
    Usage,
    /// The store's [`ResourceLimiter`](crate::ResourceLimiter) refused to
    /// create an instance, memory or table.
    ResourceLimit,
}

enum Repr {
    Message {
        kind: ErrorKind,
        msg: String,
    },
    Trap {
        trap: Trap,
        backtrace: Vec<FrameInfo>,
        /// What was too large, and so on (for traps outside wasm code).
        detail: Option<String>,
    },
    Host(Box<dyn std::error::Error + Send + Sync + 'static>),
    Exception {
        exn: crate::values::ExnRef,
        backtrace: Vec<FrameInfo>,
    },
}

/// The error type of every fallible Tern operation.
pub struct Error(Box<Repr>);

impl Error {
    pub(crate) fn new(kind: ErrorKind, msg: impl Into<String>) -> Error {
        Error(Box::new(Repr::Message {
            kind,
            msg: msg.into(),
        }))
    }
    pub(crate) fn limit(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::ResourceLimit, msg)
    }
    pub(crate) fn usage(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, msg)
    }
    pub(crate) fn invalid(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Invalid, msg)
    }
    pub(crate) fn unsupported(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported, msg)
    }
    pub(crate) fn unlinkable(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unlinkable, msg)
    }
    pub(crate) fn trap(trap: Trap, backtrace: Vec<FrameInfo>) -> Error {
        Error(Box::new(Repr::Trap {
            trap,
            backtrace,
            detail: None,
        }))
    }

    /// A memory, table or object that cannot be allocated outside wasm code
    /// (at instantiation or through the host API): the trap
    /// `AllocationTooLarge`, as for an allocation inside wasm, with `detail`.
    pub(crate) fn too_large(detail: impl Into<String>) -> Error {
        Error(Box::new(Repr::Trap {
            trap: Trap::AllocationTooLarge,
            backtrace: Vec::new(),
            detail: Some(detail.into()),
        }))
    }

    /// Wraps an error produced by a host function; it comes back out of the
    /// call unchanged (see [`Error::downcast_ref`]).
    pub fn host(err: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error(Box::new(Repr::Host(Box::new(err))))
    }

    /// An uncaught Wasm exception, or one a host function throws: returned
    /// from a host function called by Wasm, it propagates to the Wasm
    /// caller's handlers (Wasmtime's `ThrownException`).
    pub fn throw(exn: crate::values::ExnRef) -> Error {
        Error(Box::new(Repr::Exception {
            exn,
            backtrace: Vec::new(),
        }))
    }

    pub(crate) fn exception_with_backtrace(
        exn: crate::values::ExnRef,
        backtrace: Vec<FrameInfo>,
    ) -> Error {
        Error(Box::new(Repr::Exception { exn, backtrace }))
    }

    /// The exception, if this error is an uncaught Wasm exception.
    pub fn exception(&self) -> Option<&crate::values::ExnRef> {
        match &*self.0 {
            Repr::Exception { exn, .. } => Some(exn),
            _ => None,
        }
    }

    /// The exception, if this error is an uncaught Wasm exception, by value.
    pub fn into_exception(self) -> Result<crate::values::ExnRef, Error> {
        match *self.0 {
            Repr::Exception { exn, .. } => Ok(exn),
            repr => Err(Error(Box::new(repr))),
        }
    }

    /// Builds an error from a plain message (for host functions).
    pub fn msg(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Host, msg)
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        match &*self.0 {
            Repr::Message { kind, .. } => *kind,
            Repr::Trap { trap, .. } => ErrorKind::Trap(*trap),
            Repr::Host(_) => ErrorKind::Host,
            Repr::Exception { .. } => ErrorKind::Exception,
        }
    }

    /// The trap code, if this error is a trap.
    pub fn as_trap(&self) -> Option<Trap> {
        match &*self.0 {
            Repr::Trap { trap, .. } => Some(*trap),
            _ => None,
        }
    }

    /// The wasm frames on the stack when the trap happened (or the
    /// uncaught exception was thrown), innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        match &*self.0 {
            Repr::Trap { backtrace, .. } | Repr::Exception { backtrace, .. } => backtrace,
            _ => &[],
        }
    }

    pub(crate) fn set_backtrace_if_empty(&mut self, bt: Vec<FrameInfo>) {
        if let Repr::Trap { backtrace, .. } = &mut *self.0
            && backtrace.is_empty()
        {
            *backtrace = bt;
        }
    }

    /// A host error of type `E`, if this is one.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match &*self.0 {
            Repr::Host(e) => e.downcast_ref::<E>(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Repr::Message { msg, .. } => f.write_str(msg),
            Repr::Trap {
                trap,
                detail: Some(d),
                ..
            } => write!(f, "wasm trap: {trap}: {d}"),
            Repr::Trap { trap, .. } => write!(f, "wasm trap: {trap}"),
            Repr::Host(e) => fmt::Display::fmt(e, f),
            Repr::Exception { .. } => f.write_str("uncaught wasm exception"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Repr::Trap { backtrace, .. } => {
                write!(f, "{self}")?;
                for (i, fr) in backtrace.iter().enumerate() {
                    write!(f, "\n  {i}: {fr}")?;
                }
                Ok(())
            }
            _ => write!(f, "{self}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            Repr::Host(e) => e.source(),
            _ => None,
        }
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Error {
        Error::trap(t, Vec::new())
    }
}
