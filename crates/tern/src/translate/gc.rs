//! Translation of the GC instructions: struct and array access with field
//! offsets resolved from the type's layout, allocation, i31, casts.

use super::{Kind, Translator, internal};
use crate::error::Result;
use crate::gc::{FieldKind, Layout};
use crate::index::TypeIdx;
use crate::ir::{AllocSource, CastKind, CastTarget, Instr, Slot};
use wasmparser::Operator;

/// Which `get` variant: plain, signed or unsigned (packed fields).
#[derive(Clone, Copy)]
enum Ext {
    None,
    S,
    U,
}

impl Translator<'_> {
    /// The layout of module type `ty` (computed once per module).
    fn layout(&self, ty: u32) -> Result<&Layout> {
        self.m
            .layouts
            .get(ty as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| internal("not a struct or array type"))
    }

    fn field(&mut self, ty: u32, field: u32) -> Result<(u32, FieldKind)> {
        match self.layout(ty)? {
            Layout::Struct(s) => s
                .fields
                .get(field as usize)
                .copied()
                .ok_or_else(|| internal("field index")),
            _ => Err(internal("not a struct type")),
        }
    }

    fn elem(&mut self, ty: u32) -> Result<FieldKind> {
        match self.layout(ty)? {
            Layout::Array(k) => Ok(*k),
            _ => Err(internal("not an array type")),
        }
    }

    /// The operand kinds of struct type `ty`'s fields, in order (from its
    /// cached layout).
    fn field_kinds(&self, ty: u32) -> Result<Vec<Kind>> {
        match self.layout(ty)? {
            Layout::Struct(l) => Ok(l
                .fields
                .iter()
                .map(|&(_, k)| Self::kind_of_field(k))
                .collect()),
            _ => Err(internal("not a struct type")),
        }
    }

    fn kind_of_field(k: FieldKind) -> Kind {
        match k {
            FieldKind::Ref => Kind::R,
            FieldKind::V128 => Kind::W,
            _ => Kind::V,
        }
    }

    /// Pops `kinds.len()` operands into their own consecutive slots and
    /// returns the value and reference bases.
    fn pop_operands(&mut self, kinds: &[Kind]) -> Result<(Slot, Slot)> {
        self.materialize_top(kinds.len())?;
        for _ in kinds {
            self.pop()?;
        }
        Ok((self.vtop, self.rtop))
    }

    fn cast_target(&mut self, nullable: bool, heap: wasmparser::HeapType) -> Result<u32> {
        let kind = match heap {
            wasmparser::HeapType::Concrete(wasmparser::UnpackedIndex::Module(i)) => {
                let t = self
                    .m
                    .types
                    .get(i as usize)
                    .ok_or_else(|| internal("cast type"))?;
                let (id, depth) = (t.id(), t.info().depth() as u32);
                if t.info().as_func().is_some() {
                    CastKind::Func { id, depth }
                } else {
                    CastKind::Object { id, depth }
                }
            }
            _ => {
                let r =
                    wasmparser::RefType::new(nullable, heap).ok_or_else(|| internal("ref type"))?;
                let cref = crate::registry::cref_from_wasm(r, &self.m.types)?;
                CastTarget::of(self.m.engine.registry(), cref).kind
            }
        };
        let i = u32::try_from(self.casts.len()).map_err(|_| internal("too many casts"))?;
        self.casts.push(CastTarget { nullable, kind });
        Ok(i)
    }

    fn struct_get(&mut self, ty: u32, field: u32, ext: Ext) -> Result<()> {
        let (offset, kind) = self.field(ty, field)?;
        let obj = self.pop_kind(Kind::R)?.src();
        let dst = self.push(Self::kind_of_field(kind))?;
        self.emit_result(match (kind, ext) {
            (FieldKind::I8, Ext::S) => Instr::StructGetI8S { dst, obj, offset },
            (FieldKind::I8, _) => Instr::StructGetI8U { dst, obj, offset },
            (FieldKind::I16, Ext::S) => Instr::StructGetI16S { dst, obj, offset },
            (FieldKind::I16, _) => Instr::StructGetI16U { dst, obj, offset },
            (FieldKind::I32, _) => Instr::StructGet32 { dst, obj, offset },
            (FieldKind::I64, _) => Instr::StructGet64 { dst, obj, offset },
            (FieldKind::Ref, _) => Instr::StructGetRef { dst, obj, offset },
            (FieldKind::V128, _) => Instr::StructGet128 { dst, obj, offset },
        });
        Ok(())
    }

    fn array_get(&mut self, ty: u32, ext: Ext) -> Result<()> {
        let kind = self.elem(ty)?;
        let index = self.pop_kind(Kind::V)?.src();
        let arr = self.pop_kind(Kind::R)?.src();
        let dst = self.push(Self::kind_of_field(kind))?;
        self.emit_result(match (kind, ext) {
            (FieldKind::I8, Ext::S) => Instr::ArrayGetI8S { dst, arr, index },
            (FieldKind::I8, _) => Instr::ArrayGetI8U { dst, arr, index },
            (FieldKind::I16, Ext::S) => Instr::ArrayGetI16S { dst, arr, index },
            (FieldKind::I16, _) => Instr::ArrayGetI16U { dst, arr, index },
            (FieldKind::I32, _) => Instr::ArrayGet32 { dst, arr, index },
            (FieldKind::I64, _) => Instr::ArrayGet64 { dst, arr, index },
            (FieldKind::Ref, _) => Instr::ArrayGetRef { dst, arr, index },
            (FieldKind::V128, _) => Instr::ArrayGet128 { dst, arr, index },
        });
        Ok(())
    }

    /// Translates a GC (or otherwise unsupported) instruction.
    pub(super) fn gc_op(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator as O;
        match *op {
            O::StructNew { struct_type_index } => {
                let kinds = self.field_kinds(struct_type_index)?;
                let (vbase, rbase) = self.pop_operands(&kinds)?;
                let site =
                    self.alloc_site((vbase, rbase), struct_type_index, AllocSource::Operands)?;
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::StructNew {
                    dst,
                    site,
                    ty: TypeIdx(struct_type_index),
                });
            }
            O::StructNewDefault { struct_type_index } => {
                self.layout(struct_type_index)?;
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::StructNewDefault {
                    dst,
                    ty: TypeIdx(struct_type_index),
                });
            }
            O::StructGet {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, Ext::None)?,
            O::StructGetS {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, Ext::S)?,
            O::StructGetU {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, Ext::U)?,
            O::StructSet {
                struct_type_index,
                field_index,
            } => {
                let (offset, kind) = self.field(struct_type_index, field_index)?;
                let val = self.pop_kind(Self::kind_of_field(kind))?.src();
                let obj = self.pop_kind(Kind::R)?.src();
                self.emit(match kind {
                    FieldKind::I8 => Instr::StructSet8 { obj, val, offset },
                    FieldKind::I16 => Instr::StructSet16 { obj, val, offset },
                    FieldKind::I32 => Instr::StructSet32 { obj, val, offset },
                    FieldKind::I64 => Instr::StructSet64 { obj, val, offset },
                    FieldKind::Ref => Instr::StructSetRef { obj, val, offset },
                    FieldKind::V128 => Instr::StructSet128 { obj, val, offset },
                });
            }
            O::ArrayNew { array_type_index } => {
                let k = Self::kind_of_field(self.elem(array_type_index)?);
                let (vbase, rbase) = self.pop_operands(&[k, Kind::V])?;
                let site =
                    self.alloc_site((vbase, rbase), array_type_index, AllocSource::Operands)?;
                self.push(Kind::R)?;
                self.emit(Instr::ArrayNew { site });
            }
            O::ArrayNewDefault { array_type_index } => {
                self.elem(array_type_index)?;
                let len = self.pop_kind(Kind::V)?.src();
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::ArrayNewDefault {
                    dst,
                    len,
                    ty: TypeIdx(array_type_index),
                });
            }
            O::ArrayNewFixed {
                array_type_index,
                array_size,
            } => {
                let k = Self::kind_of_field(self.elem(array_type_index)?);
                let kinds = vec![k; array_size as usize];
                let (vbase, rbase) = self.pop_operands(&kinds)?;
                let source = AllocSource::Fixed(array_size);
                let site = self.alloc_site((vbase, rbase), array_type_index, source)?;
                self.push(Kind::R)?;
                self.emit(Instr::ArrayNewFixed { site });
            }
            O::ArrayNewData {
                array_type_index,
                array_data_index,
            } => {
                self.elem(array_type_index)?;
                let (vbase, rbase) = self.pop_operands(&[Kind::V, Kind::V])?;
                let source = AllocSource::Data(array_data_index);
                let site = self.alloc_site((vbase, rbase), array_type_index, source)?;
                self.push(Kind::R)?;
                self.emit(Instr::ArrayNewData { site });
            }
            O::ArrayNewElem {
                array_type_index,
                array_elem_index,
            } => {
                self.elem(array_type_index)?;
                let (vbase, rbase) = self.pop_operands(&[Kind::V, Kind::V])?;
                let source = AllocSource::Elem(array_elem_index);
                let site = self.alloc_site((vbase, rbase), array_type_index, source)?;
                self.push(Kind::R)?;
                self.emit(Instr::ArrayNewElem { site });
            }
            O::ArrayGet { array_type_index } => self.array_get(array_type_index, Ext::None)?,
            O::ArrayGetS { array_type_index } => self.array_get(array_type_index, Ext::S)?,
            O::ArrayGetU { array_type_index } => self.array_get(array_type_index, Ext::U)?,
            O::ArraySet { array_type_index } => {
                let kind = self.elem(array_type_index)?;
                let val = self.pop_kind(Self::kind_of_field(kind))?.src();
                let index = self.pop_kind(Kind::V)?.src();
                let arr = self.pop_kind(Kind::R)?.src();
                self.emit(match kind {
                    FieldKind::I8 => Instr::ArraySet8 { arr, index, val },
                    FieldKind::I16 => Instr::ArraySet16 { arr, index, val },
                    FieldKind::I32 => Instr::ArraySet32 { arr, index, val },
                    FieldKind::I64 => Instr::ArraySet64 { arr, index, val },
                    FieldKind::Ref => Instr::ArraySetRef { arr, index, val },
                    FieldKind::V128 => Instr::ArraySet128 { arr, index, val },
                });
            }
            O::ArrayLen => {
                let arr = self.pop_kind(Kind::R)?.src();
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::ArrayLen { dst, arr });
            }
            O::ArrayFill { array_type_index } => {
                let k = Self::kind_of_field(self.elem(array_type_index)?);
                let (vargs, rargs) = self.pop_operands(&[Kind::R, Kind::V, k, Kind::V])?;
                self.emit(Instr::ArrayFill { vargs, rargs });
            }
            O::ArrayCopy { .. } => {
                let (vargs, rargs) =
                    self.pop_operands(&[Kind::R, Kind::V, Kind::R, Kind::V, Kind::V])?;
                self.emit(Instr::ArrayCopy { vargs, rargs });
            }
            O::ArrayInitData {
                array_type_index,
                array_data_index,
            } => {
                self.elem(array_type_index)?;
                let (vargs, rargs) = self.pop_operands(&[Kind::R, Kind::V, Kind::V, Kind::V])?;
                self.emit(Instr::ArrayInitData {
                    vargs,
                    rargs,
                    seg: array_data_index,
                });
            }
            O::ArrayInitElem {
                array_type_index,
                array_elem_index,
            } => {
                self.elem(array_type_index)?;
                let (vargs, rargs) = self.pop_operands(&[Kind::R, Kind::V, Kind::V, Kind::V])?;
                self.emit(Instr::ArrayInitElem {
                    vargs,
                    rargs,
                    seg: array_elem_index,
                });
            }
            O::RefI31 => {
                let src = self.pop_kind(Kind::V)?.src();
                let dst = self.push(Kind::R)?;
                self.emit_result(Instr::RefI31 { dst, src });
            }
            O::I31GetS | O::I31GetU => {
                let src = self.pop_kind(Kind::R)?.src();
                let dst = self.push(Kind::V)?;
                self.emit_result(if matches!(op, O::I31GetS) {
                    Instr::I31GetS { dst, src }
                } else {
                    Instr::I31GetU { dst, src }
                });
            }
            // The raw word is the same in both hierarchies.
            O::AnyConvertExtern | O::ExternConvertAny => {}
            O::RefTestNonNull { hty } | O::RefTestNullable { hty } => {
                let cast = self.cast_target(matches!(op, O::RefTestNullable { .. }), hty)?;
                let src = self.pop_kind(Kind::R)?.src();
                let dst = self.push(Kind::V)?;
                self.emit_result(Instr::RefTest { dst, src, cast });
            }
            O::RefCastNonNull { hty } | O::RefCastNullable { hty } => {
                let cast = self.cast_target(matches!(op, O::RefCastNullable { .. }), hty)?;
                let src = self.stack.last().ok_or_else(|| internal("ref.cast"))?.src();
                self.emit(Instr::RefCast { src, cast });
            }
            O::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            }
            | O::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let cast = self.cast_target(to_ref_type.is_nullable(), to_ref_type.heap_type())?;
                let src = self
                    .stack
                    .last()
                    .ok_or_else(|| internal("br_on_cast"))?
                    .src();
                let on_success = matches!(op, O::BrOnCast { .. });
                let taken = move |offset| {
                    if on_success {
                        Instr::BrOnCast { src, cast, offset }
                    } else {
                        Instr::BrOnCastFail { src, cast, offset }
                    }
                };
                let not_taken = move |offset| {
                    if on_success {
                        Instr::BrOnCastFail { src, cast, offset }
                    } else {
                        Instr::BrOnCast { src, cast, offset }
                    }
                };
                self.cond_branch(relative_depth, taken, not_taken)?;
            }
            ref other => return self.exception_op(other),
        }
        Ok(())
    }
}
