//! Constant expressions (global initializers, segment offsets, element
//! items): read from the binary into a short list of operations when a
//! module is compiled, evaluated at instantiation.

use crate::error::{Error, Result};
use crate::gc::{HEADER, Layout};
use crate::interp::{fill_elems, num};
use crate::registry::TypeRef;
use crate::runtime::{InstanceEntry, StoreInner};
use crate::values::raw;

/// One operation of a constant expression.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    /// An extended-constant arithmetic op (`i32.add` ...), by its semantics.
    Binary(fn(u64, u64) -> u64),
    RefI31,
    AnyConvertExtern,
    ExternConvertAny,
    StructNew(u32),
    StructNewDefault(u32),
    ArrayNew(u32),
    ArrayNewDefault(u32),
    ArrayNewFixed(u32, u32),
}

/// A constant expression.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConstExpr {
    pub ops: Vec<ConstOp>,
}

impl ConstExpr {
    /// The expression `ref.func index`.
    pub(crate) fn ref_func(index: u32) -> ConstExpr {
        ConstExpr {
            ops: vec![ConstOp::RefFunc(index)],
        }
    }

    /// Converts a validated wasmparser constant expression.
    pub(crate) fn from_wasm(
        e: &wasmparser::ConstExpr<'_>,
        _types: &[TypeRef],
    ) -> Result<ConstExpr> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut reader = e.get_operators_reader();
        while !reader.eof() {
            let op = reader
                .read()
                .map_err(|e| Error::new(crate::ErrorKind::Malformed, e.to_string()))?;
            ops.push(match op {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::Binary(num::i32_add),
                O::I32Sub => ConstOp::Binary(num::i32_sub),
                O::I32Mul => ConstOp::Binary(num::i32_mul),
                O::I64Add => ConstOp::Binary(num::i64_add),
                O::I64Sub => ConstOp::Binary(num::i64_sub),
                O::I64Mul => ConstOp::Binary(num::i64_mul),
                O::RefI31 => ConstOp::RefI31,
                O::AnyConvertExtern => ConstOp::AnyConvertExtern,
                O::ExternConvertAny => ConstOp::ExternConvertAny,
                O::StructNew { struct_type_index } => ConstOp::StructNew(struct_type_index),
                O::StructNewDefault { struct_type_index } => {
                    ConstOp::StructNewDefault(struct_type_index)
                }
                O::ArrayNew { array_type_index } => ConstOp::ArrayNew(array_type_index),
                O::ArrayNewDefault { array_type_index } => {
                    ConstOp::ArrayNewDefault(array_type_index)
                }
                O::ArrayNewFixed {
                    array_type_index,
                    array_size,
                } => ConstOp::ArrayNewFixed(array_type_index, array_size),
                O::End => break,
                other => {
                    return Err(Error::unsupported(format!(
                        "unsupported operator in constant expression: {other:?}"
                    )));
                }
            });
        }
        Ok(ConstExpr { ops })
    }
}

/// The value of a leaf operator (one that takes no operands from the
/// stack), or `None` for the others.
fn leaf(store: &StoreInner, inst: &InstanceEntry, op: &ConstOp) -> Result<Option<u128>> {
    let bad = || Error::invalid("malformed constant expression");
    Ok(Some(match *op {
        ConstOp::I32(x) => x as u32 as u128,
        ConstOp::I64(x) => x as u64 as u128,
        ConstOp::F32(x) => x as u128,
        ConstOp::F64(x) => x as u128,
        ConstOp::V128(x) => x,
        ConstOp::RefNull => raw::NULL as u128,
        ConstOp::RefFunc(i) => {
            let f = *inst.funcs.get(i as usize).ok_or_else(bad)?;
            raw::func(f) as u128
        }
        ConstOp::GlobalGet(i) => {
            let g = *inst.globals.get(i as usize).ok_or_else(bad)?;
            store.globals().get(g as usize).ok_or_else(bad)?.bits
        }
        _ => return Ok(None),
    }))
}

/// Evaluates a constant expression in the context of a (partial)
/// instance. Collection is disabled during instantiation (see
/// `instantiate`), so raw references on the evaluation stack stay valid.
pub(crate) fn eval_const(
    store: &mut StoreInner,
    inst: &InstanceEntry,
    e: &ConstExpr,
) -> Result<u128> {
    // Most expressions are one leaf (element items, offsets, most
    // globals): no stack to allocate.
    if let [op] = &e.ops[..]
        && let Some(v) = leaf(store, inst, op)?
    {
        return Ok(v);
    }
    let mut stack: Vec<u128> = Vec::with_capacity(4);
    let bad = || Error::invalid("malformed constant expression");
    // The store's heap type of module type `ty` (a struct or array type).
    let gc_type = |ty: u32| {
        inst.gc_types
            .get(ty as usize)
            .copied()
            .flatten()
            .ok_or_else(bad)
    };
    for op in &e.ops {
        if let Some(v) = leaf(store, inst, op)? {
            stack.push(v);
            continue;
        }
        let v = match *op {
            // `leaf` took these.
            ConstOp::I32(_)
            | ConstOp::I64(_)
            | ConstOp::F32(_)
            | ConstOp::F64(_)
            | ConstOp::V128(_)
            | ConstOp::RefNull
            | ConstOp::RefFunc(_)
            | ConstOp::GlobalGet(_) => return Err(bad()),
            ConstOp::Binary(f) => {
                let b = stack.pop().ok_or_else(bad)?;
                let a = stack.pop().ok_or_else(bad)?;
                f(a as u64, b as u64) as u128
            }
            ConstOp::RefI31 => {
                let a = stack.pop().ok_or_else(bad)? as u32;
                raw::i31(a & 0x7fff_ffff) as u128
            }
            // Host objects keep their raw word across the conversions.
            ConstOp::AnyConvertExtern | ConstOp::ExternConvertAny => stack.pop().ok_or_else(bad)?,
            ConstOp::StructNew(ty) | ConstOp::StructNewDefault(ty) => {
                let hty = gc_type(ty)?;
                let layout = match &store.heap().heap_type(hty).layout {
                    Layout::Struct(l) => l.clone(),
                    _ => return Err(bad()),
                };
                let at = match op {
                    ConstOp::StructNew(_) => stack
                        .len()
                        .checked_sub(layout.fields.len())
                        .ok_or_else(bad)?,
                    // New objects are zero: nothing to write.
                    _ => stack.len(),
                };
                let off = store.alloc_struct_no_gc(hty)?;
                for (&(o, k), v) in layout.fields.iter().zip(stack.drain(at..)) {
                    store.heap_mut().write_wide(off + HEADER + o as usize, k, v);
                }
                crate::gc::raw_of_offset(off).ok_or_else(bad)? as u128
            }
            ConstOp::ArrayNew(ty)
            | ConstOp::ArrayNewDefault(ty)
            | ConstOp::ArrayNewFixed(ty, _) => {
                let hty = gc_type(ty)?;
                let kind = match store.heap().heap_type(hty).layout {
                    Layout::Array(k) => k,
                    _ => return Err(bad()),
                };
                // Elements are written straight into the new array: a huge
                // (but allowed) length must not be materialized twice.
                let (len, fill, fixed) = match *op {
                    ConstOp::ArrayNew(_) => {
                        let n = stack.pop().ok_or_else(bad)? as u32;
                        let v = stack.pop().ok_or_else(bad)?;
                        (n, v, Vec::new())
                    }
                    ConstOp::ArrayNewDefault(_) => {
                        let n = stack.pop().ok_or_else(bad)? as u32;
                        (n, 0, Vec::new())
                    }
                    ConstOp::ArrayNewFixed(_, n) => {
                        let at = stack.len().checked_sub(n as usize).ok_or_else(bad)?;
                        (n, 0, stack.split_off(at))
                    }
                    _ => return Err(bad()),
                };
                let off = store.alloc_array_no_gc(hty, len)?;
                if fixed.is_empty() {
                    // The instruction path's bulk fill (memset speed for
                    // bytes and zero; new arrays are already zero).
                    if fill != 0 {
                        fill_elems(store.heap_mut(), off + HEADER, kind, fill, len as usize);
                    }
                } else {
                    for (i, v) in fixed.iter().enumerate() {
                        store
                            .heap_mut()
                            .write_wide(off + HEADER + i * kind.size(), kind, *v);
                    }
                }
                crate::gc::raw_of_offset(off).ok_or_else(bad)? as u128
            }
        };
        stack.push(v);
    }
    stack.pop().ok_or_else(bad)
}
