//! Constant expressions (global initializers, segment offsets, element
//! items), kept as a short list of operations evaluated at instantiation.

use crate::error::{Error, Result};
use crate::registry::TypeRef;

/// One operation of a constant expression.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
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
    pub fn ref_func(index: u32) -> ConstExpr {
        ConstExpr {
            ops: vec![ConstOp::RefFunc(index)],
        }
    }

    /// Converts a validated wasmparser constant expression.
    pub fn from_wasm(e: &wasmparser::ConstExpr<'_>, _types: &[TypeRef]) -> Result<ConstExpr> {
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
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
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
