//! Text-format printing of types. Concrete types print as `$<id>`, their
//! engine-wide canonical id.

use super::{ArrayType, FieldType, FuncType, HeapType, RefType, StorageType, StructType, ValType};
use std::fmt;

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            HeapType::Extern => "extern",
            HeapType::NoExtern => "noextern",
            HeapType::Func => "func",
            HeapType::NoFunc => "nofunc",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Array => "array",
            HeapType::Struct => "struct",
            HeapType::None => "none",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
            HeapType::ConcreteFunc(t) => return write!(f, "${}", t.ty.info().id),
            HeapType::ConcreteStruct(t) => return write!(f, "${}", t.ty.info().id),
            HeapType::ConcreteArray(t) => return write!(f, "${}", t.ty.info().id),
        };
        f.write_str(s)
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nullable {
            let short = match self.heap_type {
                HeapType::Extern => Some("externref"),
                HeapType::NoExtern => Some("nullexternref"),
                HeapType::Func => Some("funcref"),
                HeapType::NoFunc => Some("nullfuncref"),
                HeapType::Any => Some("anyref"),
                HeapType::Eq => Some("eqref"),
                HeapType::I31 => Some("i31ref"),
                HeapType::Array => Some("arrayref"),
                HeapType::Struct => Some("structref"),
                HeapType::None => Some("nullref"),
                HeapType::Exn => Some("exnref"),
                HeapType::NoExn => Some("nullexnref"),
                _ => None,
            };
            match short {
                Some(s) => f.write_str(s),
                None => write!(f, "(ref null {})", self.heap_type),
            }
        } else {
            write!(f, "(ref {})", self.heap_type)
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => fmt::Display::fmt(r, f),
        }
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageType::I8 => f.write_str("i8"),
            StorageType::I16 => f.write_str("i16"),
            StorageType::ValType(v) => fmt::Display::fmt(v, f),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mutability.is_var() {
            write!(f, "(mut {})", self.element_type)
        } else {
            fmt::Display::fmt(&self.element_type, f)
        }
    }
}

/// `(sub final? $super? <composite>)`, or just the composite for a final
/// type without supertype.
fn write_sub(
    f: &mut fmt::Formatter<'_>,
    is_final: bool,
    supertype: Option<crate::registry::TypeId>,
    composite: impl FnOnce(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    if is_final && supertype.is_none() {
        return composite(f);
    }
    f.write_str("(sub ")?;
    if is_final {
        f.write_str("final ")?;
    }
    if let Some(s) = supertype {
        write!(f, "${s} ")?;
    }
    composite(f)?;
    f.write_str(")")
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sup = self.ty.supertype().map(|t| t.id());
        write_sub(f, self.finality().is_final(), sup, |f| {
            f.write_str("(func")?;
            if self.params().len() > 0 {
                f.write_str(" (param")?;
                for p in self.params() {
                    write!(f, " {p}")?;
                }
                f.write_str(")")?;
            }
            if self.results().len() > 0 {
                f.write_str(" (result")?;
                for r in self.results() {
                    write!(f, " {r}")?;
                }
                f.write_str(")")?;
            }
            f.write_str(")")
        })
    }
}

impl fmt::Display for StructType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sup = self.ty.supertype().map(|t| t.id());
        write_sub(f, self.finality().is_final(), sup, |f| {
            f.write_str("(struct")?;
            for field in self.fields() {
                write!(f, " (field {field})")?;
            }
            f.write_str(")")
        })
    }
}

impl fmt::Display for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sup = self.ty.supertype().map(|t| t.id());
        write_sub(f, self.finality().is_final(), sup, |f| {
            write!(f, "(array {})", self.field_type())
        })
    }
}
