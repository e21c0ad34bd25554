//! Runtime entities and the embedder API around them: [`Store`],
//! [`Instance`], [`Func`], [`Table`], [`Memory`], [`Global`], [`Linker`],
//! and the extern types that describe them.

mod exn;
mod extern_types;
mod func;
mod global;
mod instance;
mod interrupt;
mod limits;
mod linker;
mod memory;
mod resumable;
mod store;
mod table;
mod tag;
mod typed;

pub use extern_types::{
    ExportType, ExternType, GlobalType, ImportType, MemoryType, TableType, TagType,
};
pub use func::{Caller, Func, IntoFunc};
pub use global::Global;
pub use instance::{Export, Extern, Instance};
pub use interrupt::UpdateDeadline;
pub use limits::{
    DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT, ResourceLimiter,
    StoreLimits, StoreLimitsBuilder,
};
pub use linker::Linker;
pub use memory::Memory;
pub use resumable::{ResumableCall, ResumableInvocation};
pub use store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut};
pub use table::Table;
pub use tag::Tag;
pub use typed::{TypedFunc, WasmParams, WasmResults, WasmTy};

#[cfg(tern_threaded)]
pub(crate) use func::PureCall;
pub(crate) use func::{FuncEntry, FuncKind, HostCallee, HostFunc, HostThunk};
pub(crate) use global::GlobalEntry;
pub(crate) use instance::InstanceEntry;
pub(crate) use interrupt::epoch_deadline_reached;
pub(crate) use limits::Growth;
pub(crate) use memory::MemoryEntry;
pub(crate) use store::{StoreId, StoreInner};
pub(crate) use table::TableEntry;
pub(crate) use tag::TagEntry;
