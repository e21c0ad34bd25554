//! Instances: instantiation (import checks, initializers, segments, start
//! function), [`Instance`] handles, [`Extern`] values and exports.

use super::func::{CodePtr, Func, FuncEntry, FuncKind};
use super::global::{Global, GlobalEntry};
use super::memory::{Memory, MemoryEntry};
use super::store::{AsContextMut, Store, StoreId};
use super::table::{Table, TableEntry};
use super::tag::Tag;
use super::{MemoryType, StoreInner};
use crate::const_expr::eval_const;
use crate::error::{Error, Result};
use crate::index::{DefFunc, HeapTypeIdx, InstanceId, StoreFunc};
use crate::module::{DataMode, ElemMode, ExportKind, ImportKind, Module};
use crate::types::{FuncType, RefType, ValType};
use crate::values::raw;
use std::sync::Arc;

/// Anything that can be imported or exported.
#[derive(Clone, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A tag.
    Tag(Tag),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }
    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }
    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }
    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}

/// A named export of an instance.
#[derive(Clone, Debug)]
pub struct Export {
    name: String,
    ext: Extern,
}

impl Export {
    /// The export's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The exported entity.
    pub fn into_extern(self) -> Extern {
        self.ext
    }
}

/// An instance in a store: its module and the store indices of everything
/// in its index spaces.
pub(crate) struct InstanceEntry {
    pub module: Module,
    pub funcs: Vec<StoreFunc>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Element segments as raw references (emptied by `elem.drop`).
    pub elems: Vec<Vec<u32>>,
    /// Data segments (emptied by `data.drop`).
    pub datas: Vec<Arc<[u8]>>,
    /// Module type index -> store heap type (struct and array types; `None`
    /// for function types).
    pub gc_types: Vec<Option<HeapTypeIdx>>,
    /// Store indices of the instance's tags (imports first).
    pub tags: Vec<u32>,
}

/// An instantiated module in a [`Store`].
#[derive(Clone, Copy, Debug)]
pub struct Instance {
    pub(crate) store: StoreId,
    pub(crate) index: InstanceId,
}

fn incompatible(imp: &crate::module::ImportDecl, detail: impl std::fmt::Display) -> Error {
    Error::unlinkable(format!(
        "incompatible import type for `{}::{}`: {detail}",
        imp.module, imp.name
    ))
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let store = store.as_context_mut().0;
        instantiate(store, module, imports)
    }

    fn entry<'s>(&self, store: &'s StoreInner) -> Option<&'s InstanceEntry> {
        if store.id() != self.store {
            return None;
        }
        store.instances().get(self.index.index())
    }

    /// The module this instance was created from.
    pub fn module<'a, T: 'a>(
        &self,
        store: impl Into<super::StoreContext<'a, T>>,
    ) -> Option<&'a Module> {
        let store = store.into().0;
        self.entry(&store.inner).map(|e| &e.module)
    }

    /// An export by name.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let store = &store.as_context_mut().0.inner;
        let e = self.entry(store)?;
        let i = *e.module.0.export_index.get(name)?;
        let (_, kind, index) = e.module.0.exports[i];
        let id = store.id();
        Some(match kind {
            ExportKind::Func => Extern::Func(Func {
                store: id,
                index: *e.funcs.get(index as usize)?,
            }),
            ExportKind::Table => Extern::Table(Table {
                store: id,
                index: *e.tables.get(index as usize)?,
            }),
            ExportKind::Memory => Extern::Memory(Memory {
                store: id,
                index: *e.memories.get(index as usize)?,
            }),
            ExportKind::Global => Extern::Global(Global {
                store: id,
                index: *e.globals.get(index as usize)?,
            }),
            ExportKind::Tag => Extern::Tag(Tag {
                store: id,
                index: *e.tags.get(index as usize)?,
            }),
        })
    }

    /// An exported function by name.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// An exported function with a static signature.
    pub fn get_typed_func<P: super::WasmParams, R: super::WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<super::TypedFunc<P, R>> {
        let f = self
            .get_func(&mut store, name)
            .ok_or_else(|| Error::usage(format!("failed to find function export `{name}`")))?;
        f.typed(&store)
    }

    /// An exported global by name.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// An exported table by name.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// An exported memory by name.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// All exports, in order.
    pub fn exports(&self, mut store: impl AsContextMut) -> Vec<Export> {
        let names: Vec<String> = match self.entry(&store.as_context_mut().0.inner) {
            Some(e) => e
                .module
                .0
                .exports
                .iter()
                .map(|(n, _, _)| n.clone())
                .collect(),
            None => return Vec::new(),
        };
        names
            .into_iter()
            .filter_map(|name| {
                let ext = self.get_export(&mut store, &name)?;
                Some(Export { name, ext })
            })
            .collect()
    }
}

fn check_import(store: &StoreInner, imp: &crate::module::ImportDecl, ext: &Extern) -> Result<u32> {
    let engine = store.engine();
    let reg = engine.registry();
    match (&imp.kind, ext) {
        (ImportKind::Func(_), Extern::Func(f)) => {
            f.entry(store)?;
            Ok(f.index.0)
        }
        (ImportKind::Global(g), Extern::Global(h)) => {
            let e = h.entry(store)?;
            let ok = e.mutable == g.mutable
                && reg.cval_matches(e.ty, g.ty)
                && (!g.mutable || reg.cval_matches(g.ty, e.ty));
            if !ok {
                return Err(incompatible(
                    imp,
                    format!(
                        "expected global of type {}{}, found {}{}",
                        if g.mutable { "mut " } else { "" },
                        ValType::from_cval(engine, g.ty),
                        if e.mutable { "mut " } else { "" },
                        ValType::from_cval(engine, e.ty)
                    ),
                ));
            }
            Ok(h.index)
        }
        (ImportKind::Table(t), Extern::Table(h)) => {
            store.check(h.store)?;
            let e = store
                .tables()
                .get(h.index as usize)
                .ok_or_else(|| Error::usage("invalid table handle"))?;
            let size = e.elems.len() as u64;
            let ok = reg.cref_matches(e.elem, t.elem)
                && reg.cref_matches(t.elem, e.elem)
                && e.is64 == t.is64
                && size >= t.min
                && match t.max {
                    None => true,
                    Some(m) => e.max.is_some_and(|x| x <= m),
                };
            if !ok {
                return Err(incompatible(
                    imp,
                    format!(
                        "expected table of {} with limits {}..{:?}, found table of {} with size {size} and maximum {:?}",
                        RefType::from_cref(engine, t.elem),
                        t.min,
                        t.max,
                        RefType::from_cref(engine, e.elem),
                        e.max
                    ),
                ));
            }
            Ok(h.index)
        }
        (ImportKind::Memory(m), Extern::Memory(h)) => {
            store.check(h.store)?;
            let e = store
                .memories()
                .get(h.index as usize)
                .ok_or_else(|| Error::usage("invalid memory handle"))?;
            let pages = e.pages();
            let ok = e.ty.is64 == m.is64
                && e.ty.shared == m.shared
                && e.ty.page_size_log2 == m.page_size_log2
                && pages >= m.min
                && match m.max {
                    None => true,
                    Some(x) => e.ty.max.is_some_and(|y| y <= x),
                };
            if !ok {
                return Err(incompatible(
                    imp,
                    format!(
                        "expected memory with limits {}..{:?}, found memory of {pages} pages with maximum {:?}",
                        m.min, m.max, e.ty.max
                    ),
                ));
            }
            Ok(h.index)
        }
        (ImportKind::Tag(_), Extern::Tag(t)) => {
            t.entry(store)?;
            Ok(t.index)
        }
        (kind, ext) => {
            let want = match kind {
                ImportKind::Func(_) => "function",
                ImportKind::Global(_) => "global",
                ImportKind::Table(_) => "table",
                ImportKind::Memory(_) => "memory",
                ImportKind::Tag(_) => "tag",
            };
            let got = match ext {
                Extern::Func(_) => "function",
                Extern::Global(_) => "global",
                Extern::Table(_) => "table",
                Extern::Memory(_) => "memory",
                Extern::Tag(_) => "tag",
            };
            Err(incompatible(imp, format!("expected {want}, found {got}")))
        }
    }
}

pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    let m = &module.0;
    if !crate::Engine::same(&m.engine, store.engine()) {
        return Err(Error::usage("module and store belong to different engines"));
    }
    store.limit_counts(
        1,
        m.memories.len() - m.num_imported_memories as usize,
        m.tables.len() - m.num_imported_tables as usize,
    )?;
    if imports.len() != m.imports.len() {
        return Err(Error::unlinkable(format!(
            "expected {} imports, found {}",
            m.imports.len(),
            imports.len()
        )));
    }
    let mut inst = InstanceEntry {
        module: module.clone(),
        funcs: Vec::with_capacity(m.funcs.len()),
        tables: Vec::with_capacity(m.tables.len()),
        memories: Vec::with_capacity(m.memories.len()),
        globals: Vec::with_capacity(m.globals.len()),
        elems: Vec::new(),
        datas: Vec::new(),
        gc_types: Vec::with_capacity(m.types.len()),
        tags: Vec::with_capacity(m.tags.len()),
    };
    store
        .inner
        .heap_mut()
        .reserve_types(m.layouts.iter().flatten().count());
    // Struct and array types have a layout (`ModuleInner::layouts`),
    // function types none.
    for (t, layout) in m.types.iter().zip(&m.layouts) {
        let heap = store.inner.heap_mut();
        let hty = layout.as_ref().map(|l| heap.type_index_with(t, l));
        inst.gc_types.push(hty.transpose()?);
    }
    for (imp, ext) in m.imports.iter().zip(imports) {
        let index = check_import(&store.inner, imp, ext)?;
        match &imp.kind {
            ImportKind::Func(ty) => {
                let expected = &m.types[*ty as usize];
                let index = StoreFunc(index);
                let e = &store.inner.funcs()[index.index()];
                if !e
                    .ty
                    .info()
                    .is_subtype_of(expected.id(), expected.info().depth())
                {
                    let engine = store.inner.engine();
                    return Err(incompatible(
                        imp,
                        format!(
                            "expected function of type {}, found {}",
                            FuncType::from_type_ref(engine, expected.clone()),
                            FuncType::from_type_ref(engine, e.ty.clone())
                        ),
                    ));
                }
                inst.funcs.push(index);
            }
            ImportKind::Global(_) => inst.globals.push(index),
            ImportKind::Table(_) => inst.tables.push(index),
            ImportKind::Memory(_) => inst.memories.push(index),
            ImportKind::Tag(ty) => {
                let expected = &m.types[*ty as usize];
                let actual = &store.inner.tags()[index as usize].ty;
                if actual.id() != expected.id() {
                    let engine = store.inner.engine();
                    return Err(incompatible(
                        imp,
                        format!(
                            "expected tag of type {}, found {}",
                            FuncType::from_type_ref(engine, expected.clone()),
                            FuncType::from_type_ref(engine, actual.clone())
                        ),
                    ));
                }
                inst.tags.push(index);
            }
        }
    }
    for ty in &m.tags[inst.tags.len()..] {
        let ty = m.types[*ty as usize].clone();
        inst.tags.push(Tag::push(&mut store.inner, ty)?.index);
    }
    let inst_index = InstanceId::of_len(store.inner.instances().len())
        .ok_or_else(|| Error::usage("too many instances"))?;
    // Raw references live in local vectors until the instance joins the
    // store: no collection may run before then.
    store.inner.heap_mut().set_collection_enabled(false);
    let r = instantiate_inner(store, module, inst, inst_index);
    store.inner.heap_mut().set_collection_enabled(true);
    r
}

fn instantiate_inner<T>(
    store: &mut Store<T>,
    module: &Module,
    mut inst: InstanceEntry,
    inst_index: InstanceId,
) -> Result<Instance> {
    let m = &module.0;
    for code in &m.code {
        store.inner.note_ref_frame(code.ref_frame);
    }
    for def in (0..m.code.len() as u32).map(DefFunc) {
        let func_index = m.num_imported_funcs + def.0;
        let ty = m
            .func_type(func_index)
            .ok_or_else(|| Error::invalid("function type"))?
            .clone();
        let f = Func::push_entry(
            &mut store.inner,
            FuncEntry::new(
                ty,
                FuncKind::Wasm {
                    instance: inst_index,
                    def,
                    code: CodePtr::of(&m.code[def.index()]),
                },
            ),
        )?;
        inst.funcs.push(f.index);
    }
    for g in &m.globals[m.num_imported_globals as usize..] {
        let bits = eval_const(&mut store.inner, &inst, &g.init)?;
        let h = Global::push(
            &mut store.inner,
            GlobalEntry {
                bits,
                ty: g.ty,
                mutable: g.mutable,
                _keep: None,
            },
        )?;
        inst.globals.push(h.index);
    }
    for t in &m.tables[m.num_imported_tables as usize..] {
        let init = match &t.init {
            Some(e) => eval_const(&mut store.inner, &inst, e)? as u32,
            None => raw::NULL,
        };
        super::table::limit_initial_table(store, t.min, t.max)?;
        let mut entry = TableEntry {
            elems: Vec::new(),
            elem: t.elem,
            _keep: None,
            max: t.max,
            is64: t.is64,
        };
        entry
            .grow(t.min, init)
            .ok_or_else(|| Error::too_large(format!("table of {} elements", t.min)))?;
        let h = Table::push(&mut store.inner, entry)?;
        inst.tables.push(h.index);
    }
    for mem in &m.memories[m.num_imported_memories as usize..] {
        super::memory::limit_initial_memory(store, MemoryType::from_decl(mem))?;
        let entry = MemoryEntry::new(MemoryType::from_decl(mem))?;
        let h = Memory::push(&mut store.inner, entry)?;
        inst.memories.push(h.index);
    }
    for seg in &m.elems {
        let mut items = Vec::with_capacity(seg.items.len());
        for item in &seg.items {
            items.push(eval_const(&mut store.inner, &inst, item)? as u32);
        }
        inst.elems.push(items);
    }
    for seg in &m.datas {
        inst.datas.push(seg.bytes.clone());
    }
    // Segment offsets only read globals: evaluate them before the instance
    // joins the store.
    let mut elem_offsets = Vec::with_capacity(m.elems.len());
    for seg in &m.elems {
        elem_offsets.push(match &seg.mode {
            ElemMode::Active { offset, .. } => {
                Some(eval_const(&mut store.inner, &inst, offset)? as u64)
            }
            _ => None,
        });
    }
    let mut data_offsets = Vec::with_capacity(m.datas.len());
    for seg in &m.datas {
        data_offsets.push(match &seg.mode {
            DataMode::Active { offset, .. } => {
                Some(eval_const(&mut store.inner, &inst, offset)? as u64)
            }
            DataMode::Passive => None,
        });
    }
    let pushed = store.inner.push_instance(inst)?;
    debug_assert_eq!(pushed, inst_index.0);
    let instance = Instance {
        store: store.inner.id(),
        index: inst_index,
    };
    // Active segments, in order; a trap leaves earlier writes in place.
    for (i, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            ElemMode::Active { table, .. } => {
                let offset = elem_offsets[i].unwrap_or(0);
                let n = store.inner.instances()[inst_index.index()].elems[i].len() as u64;
                crate::interp::segment_init::<TableEntry>(
                    &mut store.inner,
                    inst_index,
                    (*table, i as u32),
                    (offset, 0, n),
                    false,
                )?;
                store.inner.instances_mut()[inst_index.index()].elems[i] = Vec::new();
            }
            ElemMode::Declared => {
                store.inner.instances_mut()[inst_index.index()].elems[i] = Vec::new();
            }
            ElemMode::Passive => {}
        }
    }
    for (i, seg) in m.datas.iter().enumerate() {
        if let DataMode::Active { memory, .. } = &seg.mode {
            let offset = data_offsets[i].unwrap_or(0);
            let n = seg.bytes.len() as u64;
            crate::interp::segment_init::<MemoryEntry>(
                &mut store.inner,
                inst_index,
                (*memory, i as u32),
                (offset, 0, n),
                false,
            )?;
            store.inner.instances_mut()[inst_index.index()].datas[i] = Arc::from([]);
        }
    }
    store.inner.heap_mut().set_collection_enabled(true);
    if let Some(start) = m.start {
        let f = store.inner.instances()[inst_index.index()].funcs[start as usize];
        crate::interp::invoke(store, f, |_, _, _| Ok(()), |_, _, _| ())?;
    }
    Ok(instance)
}
