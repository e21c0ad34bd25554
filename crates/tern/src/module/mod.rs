//! Modules: parsing and validation (by `wasmparser`), registration of the
//! module's rec groups in the engine registry, and translation of every
//! function body to Tern's IR. A [`Module`] is immutable and shareable.

pub(crate) use crate::const_expr::ConstExpr;

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::ir::CompiledFunc;
use crate::registry::{self, CRef, CVal, TypeRef};
use crate::runtime::{ExportType, ExternType, GlobalType, ImportType, MemoryType, TableType};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use wasmparser::{Parser, Payload, ValidPayload, Validator};

/// A compiled WebAssembly module: validated, its types registered in the
/// engine, its functions translated. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Module(pub(crate) Arc<ModuleInner>);

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.0.name)
            .finish_non_exhaustive()
    }
}

/// What an import asks for.
#[derive(Debug)]
pub(crate) enum ImportKind {
    Func(u32),
    Table(TableDecl),
    Memory(MemoryDecl),
    Global(GlobalDecl),
    Tag(u32),
}

/// One import.
#[derive(Debug)]
pub(crate) struct ImportDecl {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

/// What kind of entity an export names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

/// A table declaration.
#[derive(Clone, Debug)]
pub(crate) struct TableDecl {
    pub elem: CRef,
    pub min: u64,
    pub max: Option<u64>,
    pub is64: bool,
    pub init: Option<ConstExpr>,
}

/// A memory declaration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MemoryDecl {
    pub min: u64,
    pub max: Option<u64>,
    pub is64: bool,
    pub shared: bool,
    pub page_size_log2: u32,
}

/// A global declaration (for imports, `init` is empty).
#[derive(Clone, Debug)]
pub(crate) struct GlobalDecl {
    pub ty: CVal,
    pub mutable: bool,
    pub init: ConstExpr,
}

/// How an element segment is used.
#[derive(Clone, Debug)]
pub(crate) enum ElemMode {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr },
}

/// An element segment.
#[derive(Clone, Debug)]
pub(crate) struct ElemDecl {
    pub mode: ElemMode,
    pub items: Vec<ConstExpr>,
}

/// How a data segment is used.
#[derive(Clone, Debug)]
pub(crate) enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

/// A data segment.
#[derive(Clone, Debug)]
pub(crate) struct DataDecl {
    pub mode: DataMode,
    pub bytes: Arc<[u8]>,
}

/// Everything a module declares, in index spaces with imports first.
pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub name: Option<String>,
    /// Module type index -> canonical type.
    pub types: Vec<TypeRef>,
    /// Module type index -> object layout (struct and array types).
    pub layouts: Vec<Option<crate::gc::Layout>>,
    /// Function index -> module type index.
    pub funcs: Vec<u32>,
    pub tables: Vec<TableDecl>,
    pub memories: Vec<MemoryDecl>,
    pub globals: Vec<GlobalDecl>,
    /// Tag index -> module type index.
    pub tags: Vec<u32>,
    pub imports: Vec<ImportDecl>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub exports: Vec<(String, ExportKind, u32)>,
    pub export_index: HashMap<String, usize>,
    pub start: Option<u32>,
    pub elems: Vec<ElemDecl>,
    pub datas: Vec<DataDecl>,
    /// Translated bodies of the defined functions.
    pub code: Vec<CompiledFunc>,
    /// Function names from the name section.
    pub func_names: HashMap<u32, String>,
}

impl ModuleInner {
    /// The canonical signature of function `index`.
    pub(crate) fn func_type(&self, index: u32) -> Option<&TypeRef> {
        let ty = *self.funcs.get(index as usize)?;
        self.types.get(ty as usize)
    }
}

fn wasm_err(kind: ErrorKind, e: &wasmparser::BinaryReaderError) -> Error {
    Error::new(
        kind,
        format!("{} (at offset 0x{:x})", e.message(), e.offset()),
    )
}

/// Converts a validator error: parse-level problems are "malformed".
pub(crate) fn classify(e: wasmparser::BinaryReaderError) -> Error {
    let msg = e.message();
    // The validator reports feature gates as "... support is not enabled".
    if msg.contains("support is not enabled") || msg.contains("proposal not enabled") {
        return wasm_err(ErrorKind::Unsupported, &e);
    }
    wasm_err(ErrorKind::Invalid, &e)
}

/// Converts a parse error: the module is malformed.
pub(crate) fn malformed(e: wasmparser::BinaryReaderError) -> Error {
    wasm_err(ErrorKind::Malformed, &e)
}

impl Module {
    /// Compiles a module from its binary encoding or its text format.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Module::from_binary(engine, bytes);
        }
        let wasm =
            wat::parse_bytes(bytes).map_err(|e| Error::new(ErrorKind::Malformed, e.to_string()))?;
        Module::from_binary(engine, &wasm)
    }

    /// Compiles a module from a `.wasm` or `.wat` file.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::usage(format!("failed to read {}: {e}", path.display())))?;
        Module::new(engine, bytes)
    }

    /// Validates a binary module without keeping it.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        Module::from_binary(engine, bytes).map(drop)
    }

    /// Compiles a module from its binary encoding.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let mut b = Builder::new(engine);
        let mut validator = Validator::new_with_features(engine.config().features);
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        let mut code_index = 0u32;
        // The parser gets the engine's features too: encodings of proposals
        // that are not enabled (such as compact imports) are malformed.
        let mut parser = Parser::new(0);
        parser.set_features(engine.config().features);
        for payload in parser.parse_all(bytes) {
            let payload = payload.map_err(malformed)?;
            let valid = validator.payload(&payload).map_err(classify)?;
            match &payload {
                Payload::TypeSection(r) => b.types(r.clone())?,
                Payload::ImportSection(r) => b.imports(r.clone())?,
                Payload::FunctionSection(r) => {
                    for ty in r.clone() {
                        b.m.funcs.push(ty.map_err(malformed)?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r.clone() {
                        let t = t.map_err(malformed)?;
                        let mut decl = b.table_decl(&t.ty)?;
                        if let wasmparser::TableInit::Expr(e) = &t.init {
                            decl.init = Some(b.const_expr(e)?);
                        }
                        b.m.tables.push(decl);
                    }
                }
                Payload::MemorySection(r) => {
                    for m in r.clone() {
                        b.m.memories.push(memory_decl(&m.map_err(malformed)?));
                    }
                }
                Payload::TagSection(r) => {
                    for t in r.clone() {
                        b.m.tags.push(t.map_err(malformed)?.func_type_idx);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r.clone() {
                        let g = g.map_err(malformed)?;
                        let mut decl = b.global_decl(&g.ty)?;
                        decl.init = b.const_expr(&g.init_expr)?;
                        b.m.globals.push(decl);
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r.clone() {
                        let e = e.map_err(malformed)?;
                        let kind = match e.kind {
                            wasmparser::ExternalKind::Func
                            | wasmparser::ExternalKind::FuncExact => ExportKind::Func,
                            wasmparser::ExternalKind::Table => ExportKind::Table,
                            wasmparser::ExternalKind::Memory => ExportKind::Memory,
                            wasmparser::ExternalKind::Global => ExportKind::Global,
                            wasmparser::ExternalKind::Tag => ExportKind::Tag,
                        };
                        b.m.export_index
                            .insert(e.name.to_string(), b.m.exports.len());
                        b.m.exports.push((e.name.to_string(), kind, e.index));
                    }
                }
                Payload::StartSection { func, .. } => b.m.start = Some(*func),
                Payload::ElementSection(r) => b.elements(r.clone())?,
                Payload::DataSection(r) => {
                    for d in r.clone() {
                        let d = d.map_err(malformed)?;
                        let mode = match d.kind {
                            wasmparser::DataKind::Passive => DataMode::Passive,
                            wasmparser::DataKind::Active {
                                memory_index,
                                offset_expr,
                            } => DataMode::Active {
                                memory: memory_index,
                                offset: b.const_expr(&offset_expr)?,
                            },
                        };
                        b.m.datas.push(DataDecl {
                            mode,
                            bytes: d.data.into(),
                        });
                    }
                }
                Payload::CustomSection(c) => {
                    if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                        b.names(names);
                    }
                }
                _ => {}
            }
            if let ValidPayload::Func(func, body) = valid {
                let mut fv = func.into_validator(std::mem::take(&mut allocs));
                let def_index = code_index;
                code_index += 1;
                let func_index = b.m.num_imported_funcs + def_index;
                let compiled = crate::translate::translate(&b.m, func_index, &mut fv, &body)?;
                b.m.code.push(compiled);
                allocs = fv.into_allocations();
            }
        }
        Ok(Module(Arc::new(b.m)))
    }

    /// The interpreter code Tern translated function `index` (a module
    /// function index, imports first) into, one instruction per line with
    /// its slots and branch targets; `None` for an imported or unknown
    /// function. For performance work and toolchain authors: the format is
    /// not stable.
    pub fn explain_func(&self, index: u32) -> Option<String> {
        let def = index.checked_sub(self.0.num_imported_funcs)?;
        let f = self.0.code.get(def as usize)?;
        let name = match self.0.func_names.get(&index) {
            Some(n) => format!(" ${n}"),
            None => String::new(),
        };
        Some(format!("func[{index}]{name}:\n{}", f.listing()))
    }

    /// `explain_func` for every function the module defines, in order.
    pub fn explain(&self) -> String {
        let first = self.0.num_imported_funcs;
        (first..first + self.0.code.len() as u32)
            .filter_map(|i| self.explain_func(i))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The module's name from the name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The engine this module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        self.0.imports.iter().map(move |imp| ImportType {
            module: &imp.module,
            name: &imp.name,
            ty: self.import_extern_type(&imp.kind),
        })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        self.0
            .exports
            .iter()
            .map(move |(name, kind, index)| ExportType {
                name,
                ty: self.entity_type(*kind, *index),
            })
    }

    /// The type of an export, by name.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        let i = *self.0.export_index.get(name)?;
        let (_, kind, index) = &self.0.exports[i];
        Some(self.entity_type(*kind, *index))
    }

    fn import_extern_type(&self, kind: &ImportKind) -> ExternType {
        let engine = &self.0.engine;
        match kind {
            ImportKind::Func(ty) => ExternType::Func(crate::FuncType::from_type_ref(
                engine,
                self.0.types[*ty as usize].clone(),
            )),
            ImportKind::Table(t) => ExternType::Table(TableType::from_decl(engine, t)),
            ImportKind::Memory(m) => ExternType::Memory(MemoryType::from_decl(m)),
            ImportKind::Global(g) => ExternType::Global(GlobalType::from_decl(engine, g)),
            ImportKind::Tag(ty) => ExternType::Tag(crate::runtime::TagType::new(
                crate::FuncType::from_type_ref(engine, self.0.types[*ty as usize].clone()),
            )),
        }
    }

    pub(crate) fn entity_type(&self, kind: ExportKind, index: u32) -> ExternType {
        let engine = &self.0.engine;
        let m = &self.0;
        match kind {
            ExportKind::Func => ExternType::Func(crate::FuncType::from_type_ref(
                engine,
                m.types[m.funcs[index as usize] as usize].clone(),
            )),
            ExportKind::Table => {
                ExternType::Table(TableType::from_decl(engine, &m.tables[index as usize]))
            }
            ExportKind::Memory => {
                ExternType::Memory(MemoryType::from_decl(&m.memories[index as usize]))
            }
            ExportKind::Global => {
                ExternType::Global(GlobalType::from_decl(engine, &m.globals[index as usize]))
            }
            ExportKind::Tag => ExternType::Tag(crate::runtime::TagType::new(
                crate::FuncType::from_type_ref(
                    engine,
                    m.types[m.tags[index as usize] as usize].clone(),
                ),
            )),
        }
    }
}

fn memory_decl(m: &wasmparser::MemoryType) -> MemoryDecl {
    MemoryDecl {
        min: m.initial,
        max: m.maximum,
        is64: m.memory64,
        shared: m.shared,
        page_size_log2: m.page_size_log2.unwrap_or(16),
    }
}

/// Accumulates a module while its sections stream by.
struct Builder {
    m: ModuleInner,
}

impl Builder {
    fn new(engine: &Engine) -> Builder {
        Builder {
            m: ModuleInner {
                engine: engine.clone(),
                name: None,
                types: Vec::new(),
                layouts: Vec::new(),
                funcs: Vec::new(),
                tables: Vec::new(),
                memories: Vec::new(),
                globals: Vec::new(),
                tags: Vec::new(),
                imports: Vec::new(),
                num_imported_funcs: 0,
                num_imported_tables: 0,
                num_imported_memories: 0,
                num_imported_globals: 0,
                exports: Vec::new(),
                export_index: HashMap::new(),
                start: None,
                elems: Vec::new(),
                datas: Vec::new(),
                code: Vec::new(),
                func_names: HashMap::new(),
            },
        }
    }

    fn cval(&self, v: wasmparser::ValType) -> Result<CVal> {
        registry::cval_from_wasm(v, &self.m.types)
    }

    fn cref(&self, r: wasmparser::RefType) -> Result<CRef> {
        registry::cref_from_wasm(r, &self.m.types)
    }

    fn types(&mut self, r: wasmparser::TypeSectionReader<'_>) -> Result<()> {
        for group in r {
            let group = group.map_err(malformed)?;
            let first =
                u32::try_from(self.m.types.len()).map_err(|_| Error::invalid("too many types"))?;
            let registered =
                self.m
                    .engine
                    .registry()
                    .register_wasm_rec_group(&group, &self.m.types, first)?;
            for index in 0..registered.types.len() as u32 {
                let ty = TypeRef {
                    group: registered.clone(),
                    index,
                };
                let layout = match ty.info().as_func() {
                    Some(_) => None,
                    None => Some(crate::gc::Layout::of(ty.info())?),
                };
                self.m.layouts.push(layout);
                self.m.types.push(ty);
            }
        }
        Ok(())
    }

    fn table_decl(&self, t: &wasmparser::TableType) -> Result<TableDecl> {
        Ok(TableDecl {
            elem: self.cref(t.element_type)?,
            min: t.initial,
            max: t.maximum,
            is64: t.table64,
            init: None,
        })
    }

    fn global_decl(&self, g: &wasmparser::GlobalType) -> Result<GlobalDecl> {
        Ok(GlobalDecl {
            ty: self.cval(g.content_type)?,
            mutable: g.mutable,
            init: ConstExpr::default(),
        })
    }

    fn imports(&mut self, r: wasmparser::ImportSectionReader<'_>) -> Result<()> {
        for imp in r.into_imports() {
            let imp = imp.map_err(malformed)?;
            let kind = match imp.ty {
                wasmparser::TypeRef::Func(ty) | wasmparser::TypeRef::FuncExact(ty) => {
                    self.m.funcs.push(ty);
                    self.m.num_imported_funcs += 1;
                    ImportKind::Func(ty)
                }
                wasmparser::TypeRef::Table(t) => {
                    let decl = self.table_decl(&t)?;
                    self.m.tables.push(decl.clone());
                    self.m.num_imported_tables += 1;
                    ImportKind::Table(decl)
                }
                wasmparser::TypeRef::Memory(m) => {
                    let decl = memory_decl(&m);
                    self.m.memories.push(decl);
                    self.m.num_imported_memories += 1;
                    ImportKind::Memory(decl)
                }
                wasmparser::TypeRef::Global(g) => {
                    let decl = self.global_decl(&g)?;
                    self.m.globals.push(decl.clone());
                    self.m.num_imported_globals += 1;
                    ImportKind::Global(decl)
                }
                wasmparser::TypeRef::Tag(t) => {
                    self.m.tags.push(t.func_type_idx);
                    ImportKind::Tag(t.func_type_idx)
                }
            };
            self.m.imports.push(ImportDecl {
                module: imp.module.to_string(),
                name: imp.name.to_string(),
                kind,
            });
        }
        Ok(())
    }

    fn const_expr(&self, e: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
        ConstExpr::from_wasm(e, &self.m.types)
    }

    fn elements(&mut self, r: wasmparser::ElementSectionReader<'_>) -> Result<()> {
        for e in r {
            let e = e.map_err(malformed)?;
            let mode = match e.kind {
                wasmparser::ElementKind::Passive => ElemMode::Passive,
                wasmparser::ElementKind::Declared => ElemMode::Declared,
                wasmparser::ElementKind::Active {
                    table_index,
                    offset_expr,
                } => ElemMode::Active {
                    table: table_index.unwrap_or(0),
                    offset: self.const_expr(&offset_expr)?,
                },
            };
            let items = match e.items {
                wasmparser::ElementItems::Functions(funcs) => {
                    let mut items = Vec::new();
                    for f in funcs {
                        items.push(ConstExpr::ref_func(f.map_err(malformed)?));
                    }
                    items
                }
                wasmparser::ElementItems::Expressions(_, exprs) => {
                    let mut items = Vec::new();
                    for x in exprs {
                        items.push(self.const_expr(&x.map_err(malformed)?)?);
                    }
                    items
                }
            };
            self.m.elems.push(ElemDecl { mode, items });
        }
        Ok(())
    }

    fn names(&mut self, names: wasmparser::NameSectionReader<'_>) {
        // The name section is a custom section: a malformed one is ignored.
        for n in names {
            match n {
                Ok(wasmparser::Name::Module { name, .. }) => self.m.name = Some(name.to_string()),
                Ok(wasmparser::Name::Function(map)) => {
                    for naming in map.into_iter().flatten() {
                        self.m
                            .func_names
                            .insert(naming.index, naming.name.to_string());
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
}
