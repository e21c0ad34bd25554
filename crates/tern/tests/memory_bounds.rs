//! Bounds checks of the compact memory-0 accesses, whose instructions
//! carry the static offset plus the access size (`end`): every load and
//! store width at the last in-bounds address and one past it, with small
//! offsets and with offsets at the edge of the compact form (`offset +
//! size` just below and at 2^32, the latter going through `LoadExt`).

use tern::{Engine, Linker, Module, Store, Val};

/// (load, store, access size) per width.
const ACCESSES: [(&str, &str, u64); 4] = [
    ("i32.load8_u", "i32.store8", 1),
    ("i32.load16_u", "i32.store16", 2),
    ("i32.load", "i32.store", 4),
    ("i64.load", "i64.store", 8),
];

/// Static offsets: small ones and those around the compact form's limit.
const OFFSETS: [u64; 5] = [0, 1, 8, 4_294_967_291, 4_294_967_295];

fn module() -> String {
    let mut m = String::from("(module (memory 1)\n");
    for (load, store, _) in ACCESSES {
        let ty = &load[..3];
        for off in OFFSETS {
            m += &format!(
                r#"(func (export "{load}/{off}") (param i32) (result i64)
                     (local.get 0) ({load} offset={off}) {widen})
                   (func (export "{store}/{off}") (param i32)
                     (local.get 0) ({ty}.const 0x5a) ({store} offset={off}))
                "#,
                widen = if ty == "i32" { "i64.extend_i32_u" } else { "" },
            );
        }
    }
    m + ")"
}

#[test]
fn compact_accesses_trap_exactly_past_the_end() {
    const LEN: u64 = 65536;
    let engine = Engine::default();
    let module = Module::new(&engine, module()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    for (load, store_op, size) in ACCESSES {
        for off in OFFSETS {
            let l = instance
                .get_func(&mut store, &format!("{load}/{off}"))
                .unwrap();
            let s = instance
                .get_func(&mut store, &format!("{store_op}/{off}"))
                .unwrap();
            // Addresses around the last in-bounds one (when there is one),
            // and the largest addresses.
            let last = (LEN - size).checked_sub(off);
            let mut addrs = vec![0u64, 0xffff_ffff, 0xffff_fff8];
            if let Some(last) = last {
                addrs.extend([last.saturating_sub(1), last, last + 1]);
            }
            for addr in addrs {
                let ok = addr + off + size <= LEN;
                let mut out = [Val::I64(0)];
                let args = [Val::I32(addr as u32 as i32)];
                let stored = s.call(&mut store, &args, &mut []);
                assert_eq!(stored.is_ok(), ok, "{store_op} offset={off} at {addr}");
                let loaded = l.call(&mut store, &args, &mut out);
                assert_eq!(loaded.is_ok(), ok, "{load} offset={off} at {addr}");
                if ok {
                    assert_eq!(out[0].i64(), Some(0x5a), "{load} offset={off} at {addr}");
                } else {
                    let e = loaded.unwrap_err().to_string();
                    assert!(e.contains("out of bounds memory access"), "{e}");
                }
            }
        }
    }
}

/// Growing a memory page by page (as `sbrk`-style allocators do) keeps
/// every byte written so far and gives zeroed pages, across the
/// reallocations that growth by doubling makes and the grows that only
/// extend into spare room; growth stops at the maximum.
#[test]
fn page_by_page_growth_keeps_contents_and_zeroes_new_pages() {
    use tern::{Memory, MemoryType};
    const PAGE: usize = 65_536;
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mem = Memory::new(&mut store, MemoryType::new(1, Some(300))).unwrap();
    mem.data_mut(&mut store)[..PAGE].fill(0xA5);
    for n in 1..300u64 {
        assert_eq!(mem.grow(&mut store, 1).unwrap(), n);
        let data = mem.data_mut(&mut store);
        assert_eq!(data.len(), (n as usize + 1) * PAGE);
        let new = &mut data[n as usize * PAGE..];
        assert!(new.iter().all(|&b| b == 0), "page {n} not zeroed");
        new.fill(n as u8);
    }
    assert!(mem.grow(&mut store, 1).is_err(), "grew past the maximum");
    let data = mem.data(&store);
    assert!(data[..PAGE].iter().all(|&b| b == 0xA5));
    for n in 1..300usize {
        let page = &data[n * PAGE..(n + 1) * PAGE];
        assert!(
            page.iter().all(|&b| b == n as u8),
            "page {n} lost its contents"
        );
    }
}
