//! Types of imports and exports: [`ExternType`] and its parts.

use crate::Engine;
use crate::module::{GlobalDecl, MemoryDecl, TableDecl};
use crate::types::{FuncType, Mutability, RefType, ValType};

/// The type of a global: content type and mutability.
#[derive(Clone, Debug)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> GlobalType {
        GlobalType {
            content,
            mutability,
        }
    }
    /// The type of the value held.
    pub fn content(&self) -> &ValType {
        &self.content
    }
    /// Whether the global is mutable.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }
    pub(crate) fn from_decl(engine: &Engine, g: &GlobalDecl) -> GlobalType {
        GlobalType {
            content: ValType::from_cval(engine, g.ty),
            mutability: if g.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
        }
    }
}

/// The type of a table: element type and limits.
#[derive(Clone, Debug)]
pub struct TableType {
    element: RefType,
    min: u64,
    max: Option<u64>,
    is64: bool,
}

impl TableType {
    /// A 32-bit table type.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> TableType {
        TableType {
            element,
            min: min.into(),
            max: max.map(Into::into),
            is64: false,
        }
    }
    /// The element type.
    pub fn element(&self) -> &RefType {
        &self.element
    }
    /// The minimum size.
    pub fn minimum(&self) -> u64 {
        self.min
    }
    /// The maximum size, if any.
    pub fn maximum(&self) -> Option<u64> {
        self.max
    }
    /// Whether the table is indexed by `i64`.
    pub fn is_64(&self) -> bool {
        self.is64
    }
    pub(crate) fn set_limits(&mut self, min: u64, max: Option<u64>, is64: bool) {
        self.min = min;
        self.max = max;
        self.is64 = is64;
    }
    pub(crate) fn from_decl(engine: &Engine, t: &TableDecl) -> TableType {
        TableType {
            element: RefType::from_cref(engine, t.elem),
            min: t.min,
            max: t.max,
            is64: t.is64,
        }
    }
}

/// The type of a linear memory: limits in pages.
#[derive(Clone, Copy, Debug)]
pub struct MemoryType {
    pub(crate) min: u64,
    pub(crate) max: Option<u64>,
    pub(crate) is64: bool,
    pub(crate) shared: bool,
    pub(crate) page_size_log2: u32,
}

impl MemoryType {
    /// A 32-bit memory with 64 KiB pages.
    pub fn new(min: u32, max: Option<u32>) -> MemoryType {
        MemoryType {
            min: min.into(),
            max: max.map(Into::into),
            is64: false,
            shared: false,
            page_size_log2: 16,
        }
    }
    /// Minimum size in pages.
    pub fn minimum(&self) -> u64 {
        self.min
    }
    /// Maximum size in pages, if any.
    pub fn maximum(&self) -> Option<u64> {
        self.max
    }
    /// Whether the memory is indexed by `i64`.
    pub fn is_64(&self) -> bool {
        self.is64
    }
    pub(crate) fn from_decl(m: &MemoryDecl) -> MemoryType {
        MemoryType {
            min: m.min,
            max: m.max,
            is64: m.is64,
            shared: m.shared,
            page_size_log2: m.page_size_log2,
        }
    }
}

/// The type of an exception tag.
#[derive(Clone, Debug)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// A tag type with the given signature.
    pub fn new(ty: FuncType) -> TagType {
        TagType { ty }
    }
    /// The tag's signature.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }
}

/// The type of an import or export.
#[derive(Clone, Debug)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// An exception tag.
    Tag(TagType),
}

impl ExternType {
    /// The function type, if this is one.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            ExternType::Func(f) => Some(f),
            _ => None,
        }
    }
}

/// One import of a module.
#[derive(Clone, Debug)]
pub struct ImportType<'m> {
    pub(crate) module: &'m str,
    pub(crate) name: &'m str,
    pub(crate) ty: ExternType,
}

impl<'m> ImportType<'m> {
    /// The module name.
    pub fn module(&self) -> &'m str {
        self.module
    }
    /// The field name.
    pub fn name(&self) -> &'m str {
        self.name
    }
    /// What is imported.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// One export of a module.
#[derive(Clone, Debug)]
pub struct ExportType<'m> {
    pub(crate) name: &'m str,
    pub(crate) ty: ExternType,
}

impl<'m> ExportType<'m> {
    /// The export name.
    pub fn name(&self) -> &'m str {
        self.name
    }
    /// What is exported.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
