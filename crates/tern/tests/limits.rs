//! Resource limits through the public API: `StoreLimits` and a custom
//! `ResourceLimiter` deciding memory and table growth (in wasm and through
//! the API) and instance, memory and table counts.

use tern::{
    Engine, ErrorKind, Linker, Memory, MemoryType, Module, Ref, RefType, ResourceLimiter, Store,
    StoreLimits, StoreLimitsBuilder, Table, TableType,
};

const GROWER: &str = r#"(module
  (memory (export "mem") 1)
  (table (export "tab") 1 funcref)
  (func (export "grow_mem") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_tab") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))"#;

fn limited(limits: StoreLimits) -> (Engine, Store<StoreLimits>) {
    let engine = Engine::default();
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    (engine, store)
}

fn grow_funcs(
    engine: &Engine,
    store: &mut Store<StoreLimits>,
) -> (tern::TypedFunc<i32, i32>, tern::TypedFunc<i32, i32>) {
    let module = Module::new(engine, GROWER).unwrap();
    let inst = Linker::new(engine)
        .instantiate(&mut *store, &module)
        .unwrap();
    (
        inst.get_typed_func(&mut *store, "grow_mem").unwrap(),
        inst.get_typed_func(&mut *store, "grow_tab").unwrap(),
    )
}

#[test]
fn denied_growth_returns_minus_one() {
    let limits = StoreLimitsBuilder::new()
        .memory_size(3 << 16)
        .table_elements(10)
        .build();
    let (engine, mut store) = limited(limits);
    let (grow_mem, grow_tab) = grow_funcs(&engine, &mut store);
    assert_eq!(
        grow_mem.call(&mut store, 2).unwrap(),
        1,
        "1 -> 3 pages fits"
    );
    assert_eq!(grow_mem.call(&mut store, 1).unwrap(), -1, "4 pages do not");
    assert_eq!(grow_mem.call(&mut store, 0).unwrap(), 3);
    assert_eq!(
        grow_tab.call(&mut store, 9).unwrap(),
        1,
        "1 -> 10 elements fits"
    );
    assert_eq!(grow_tab.call(&mut store, 1).unwrap(), -1);

    // The API asks the same limiter.
    let ty = MemoryType::new(1, None);
    let mem = Memory::new(&mut store, ty).unwrap();
    assert_eq!(mem.grow(&mut store, 2).unwrap(), 1);
    assert!(mem.grow(&mut store, 1).is_err());
    let tt = TableType::new(RefType::FUNCREF, 5, None);
    let tab = Table::new(&mut store, tt, Ref::Func(None)).unwrap();
    assert_eq!(tab.grow(&mut store, 5, Ref::Func(None)).unwrap(), 5);
    assert!(tab.grow(&mut store, 1, Ref::Func(None)).is_err());
}

#[test]
fn trap_on_grow_failure_traps() {
    let limits = StoreLimitsBuilder::new()
        .memory_size(1 << 16)
        .trap_on_grow_failure(true)
        .build();
    let (engine, mut store) = limited(limits);
    let (grow_mem, _) = grow_funcs(&engine, &mut store);
    let err = grow_mem.call(&mut store, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("forcing a memory growth failure to be a trap"),
        "{err}"
    );
    assert_eq!(
        grow_mem.call(&mut store, 0).unwrap(),
        1,
        "store still usable"
    );
}

#[test]
fn creation_beyond_the_limits_is_an_error() {
    let limits = StoreLimitsBuilder::new().memory_size(1 << 16).build();
    let (engine, mut store) = limited(limits);
    let module = Module::new(&engine, "(module (memory 2))").unwrap();
    let err = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceLimit, "{err}");
    assert!(
        err.to_string()
            .contains("memory minimum size of 2 pages exceeds memory limits")
    );
    let err = Memory::new(&mut store, MemoryType::new(2, None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceLimit, "{err}");

    let limits = StoreLimitsBuilder::new().table_elements(4).build();
    let (engine, mut store) = limited(limits);
    let module = Module::new(&engine, "(module (table 5 funcref))").unwrap();
    let err = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("table minimum size of 5 elements exceeds table limits")
    );
}

#[test]
fn instance_memory_and_table_counts() {
    let limits = StoreLimitsBuilder::new()
        .instances(2)
        .memories(2)
        .tables(1)
        .build();
    let (engine, mut store) = limited(limits);
    let linker = Linker::new(&engine);
    let one_mem = Module::new(&engine, "(module (memory 1))").unwrap();
    linker.instantiate(&mut store, &one_mem).unwrap();
    linker.instantiate(&mut store, &one_mem).unwrap();
    let err = linker.instantiate(&mut store, &one_mem).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceLimit);
    assert!(
        err.to_string().contains("instance count too high at 3"),
        "{err}"
    );

    let (engine, mut store) = limited(StoreLimitsBuilder::new().memories(2).tables(1).build());
    let linker = Linker::new(&engine);
    let three = Module::new(&engine, "(module (memory 1) (memory 1) (memory 1))").unwrap();
    let err = linker.instantiate(&mut store, &three).unwrap_err();
    assert!(
        err.to_string().contains("memory count too high at 3"),
        "{err}"
    );
    Memory::new(&mut store, MemoryType::new(0, None)).unwrap();
    Memory::new(&mut store, MemoryType::new(0, None)).unwrap();
    assert!(Memory::new(&mut store, MemoryType::new(0, None)).is_err());
    let tt = TableType::new(RefType::FUNCREF, 0, None);
    Table::new(&mut store, tt.clone(), Ref::Func(None)).unwrap();
    let err = Table::new(&mut store, tt, Ref::Func(None)).unwrap_err();
    assert!(
        err.to_string().contains("table count too high at 2"),
        "{err}"
    );
}

/// A limiter that records what it is asked and caps total memory.
#[derive(Default)]
struct Recorder {
    asked: Vec<(usize, usize, Option<usize>)>,
    total_cap: usize,
}

impl ResourceLimiter for Recorder {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> tern::Result<bool> {
        self.asked.push((current, desired, max));
        Ok(desired <= self.total_cap)
    }
    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> tern::Result<bool> {
        Err(tern::Error::msg("no tables for you"))
    }
}

#[test]
fn a_custom_limiter_sees_bytes_and_can_fail() {
    let engine = Engine::default();
    let mut store = Store::new(
        &engine,
        Recorder {
            total_cap: 2 << 16,
            ..Recorder::default()
        },
    );
    store.limiter(|r| r);
    let module = Module::new(
        &engine,
        r#"(module (memory 1 5)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    )
    .unwrap();
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let grow = inst.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(
        grow.call(&mut store, 10).unwrap(),
        -1,
        "over the declared max: not asked"
    );
    let max = Some(5 << 16);
    assert_eq!(
        store.data().asked,
        [
            (0, 1 << 16, max),
            (1 << 16, 2 << 16, max),
            (2 << 16, 3 << 16, max)
        ]
    );
    // An error from the limiter fails the creation with that error.
    let tt = TableType::new(RefType::FUNCREF, 1, None);
    let err = Table::new(&mut store, tt, Ref::Func(None)).unwrap_err();
    assert!(err.to_string().contains("no tables for you"), "{err}");
}

#[test]
fn the_gc_heap_has_a_per_store_limit() {
    let wat = r#"(module (type $bytes (array (mut i8)))
      (func (export "alloc") (param i32) (result i32)
        (array.len (array.new_default $bytes (local.get 0)))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let alloc_in = |limits: StoreLimits, len: i32| {
        let mut store = Store::new(&engine, limits);
        store.limiter(|l| l);
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = inst
            .get_typed_func::<i32, i32>(&mut store, "alloc")
            .unwrap();
        f.call(&mut store, len)
    };
    // 4 MiB fits the engine's default heap limit (1 GiB) ...
    assert_eq!(alloc_in(StoreLimits::default(), 4 << 20).unwrap(), 4 << 20);
    // ... but not a store limited to 1 MiB.
    let small = StoreLimitsBuilder::new().gc_heap_size(1 << 20).build();
    let err = alloc_in(small.clone(), 4 << 20).unwrap_err();
    assert_eq!(err.as_trap(), Some(tern::Trap::AllocationTooLarge), "{err}");
    assert_eq!(alloc_in(small, 1000).unwrap(), 1000);
}
