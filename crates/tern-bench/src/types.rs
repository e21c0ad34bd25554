//! Type-system workloads through the public embedder APIs of Tern and
//! Wasmtime (wasmi has no GC type API): chains of declared struct subtypes
//! for `StructType::matches` at a given depth, and engines populated with
//! many distinct registered struct types.

use anyhow::{Result, anyhow};

/// Number of distinct field layouts [`tern_many`] and [`wasmtime_many`] can
/// produce (one bit per field chooses i32 or i64).
pub const LAYOUT_BITS: u32 = 17;

/// Tern: `depth + 1` struct types, each a declared non-final subtype of the
/// previous one; returns (leaf, root) and keeps every type alive.
pub fn tern_chain(
    engine: &tern::Engine,
    depth: usize,
) -> Result<(tern::StructType, tern::StructType, Vec<tern::StructType>)> {
    use tern::{FieldType, Finality, Mutability, StorageType, StructType, ValType};
    let field = || FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32));
    let root = StructType::with_finality_and_supertype(engine, Finality::NonFinal, None, [field()])
        .map_err(|e| anyhow!("{e}"))?;
    let mut all = vec![root.clone()];
    let mut cur = root.clone();
    for _ in 0..depth {
        cur = StructType::with_finality_and_supertype(
            engine,
            Finality::NonFinal,
            Some(&cur),
            [field()],
        )
        .map_err(|e| anyhow!("{e}"))?;
        all.push(cur.clone());
    }
    Ok((cur, root, all))
}

/// Tern: registers `n` distinct final struct types in `engine`.
pub fn tern_many(engine: &tern::Engine, n: usize) -> Result<Vec<tern::StructType>> {
    use tern::{FieldType, Mutability, StorageType, StructType, ValType};
    assert!(n <= 1 << LAYOUT_BITS);
    (0..n)
        .map(|k| {
            let fields = (0..LAYOUT_BITS).map(|b| {
                let t = if k >> b & 1 == 0 {
                    ValType::I32
                } else {
                    ValType::I64
                };
                FieldType::new(Mutability::Const, StorageType::ValType(t))
            });
            StructType::new(engine, fields).map_err(|e| anyhow!("{e}"))
        })
        .collect()
}

/// Wasmtime: `depth + 1` struct types, each a declared non-final subtype of
/// the previous one; returns (leaf, root) and keeps every type alive.
pub fn wasmtime_chain(
    engine: &wasmtime::Engine,
    depth: usize,
) -> Result<(
    wasmtime::StructType,
    wasmtime::StructType,
    Vec<wasmtime::StructType>,
)> {
    use wasmtime::{FieldType, Finality, Mutability, StorageType, StructType, ValType};
    let field = || FieldType::new(Mutability::Const, StorageType::ValType(ValType::I32));
    let root = StructType::with_finality_and_supertype(engine, Finality::NonFinal, None, [field()])
        .map_err(|e| anyhow!("{e:?}"))?;
    let mut all = vec![root.clone()];
    let mut cur = root.clone();
    for _ in 0..depth {
        cur = StructType::with_finality_and_supertype(
            engine,
            Finality::NonFinal,
            Some(&cur),
            [field()],
        )
        .map_err(|e| anyhow!("{e:?}"))?;
        all.push(cur.clone());
    }
    Ok((cur, root, all))
}

/// Wasmtime: registers `n` distinct final struct types in `engine`.
pub fn wasmtime_many(engine: &wasmtime::Engine, n: usize) -> Result<Vec<wasmtime::StructType>> {
    use wasmtime::{FieldType, Mutability, StorageType, StructType, ValType};
    assert!(n <= 1 << LAYOUT_BITS);
    (0..n)
        .map(|k| {
            let fields = (0..LAYOUT_BITS).map(|b| {
                let t = if k >> b & 1 == 0 {
                    ValType::I32
                } else {
                    ValType::I64
                };
                FieldType::new(Mutability::Const, StorageType::ValType(t))
            });
            StructType::new(engine, fields).map_err(|e| anyhow!("{e:?}"))
        })
        .collect()
}
