//! Calls: signatures, argument and result slots, call sites.

use super::{Kind, Translator, internal, slot_overflow};
use crate::error::Result;
use crate::index::{DefFunc, TypeIdx};
use crate::ir::{AllocSite, AllocSource, CallSite, Callee, Instr, Slot};
use wasmparser::BlockType;

impl Translator<'_> {
    pub(super) fn sig(&self, type_index: u32) -> Result<(Vec<Kind>, Vec<Kind>)> {
        self.block_type(BlockType::FuncType(type_index))
    }

    /// Pops call arguments (already in their own slots) and returns the
    /// callee frame bases.
    pub(super) fn call_args(&mut self, params: &[Kind]) -> Result<(Slot, Slot)> {
        self.materialize_top(params.len())?;
        for _ in params {
            self.pop()?;
        }
        Ok((self.vtop, self.rtop))
    }

    pub(super) fn site(&mut self, vbase: Slot, rbase: Slot, callee: Callee) -> Result<u32> {
        let site = u32::try_from(self.sites.len()).map_err(|_| slot_overflow())?;
        self.sites.push(CallSite {
            vbase,
            rbase,
            callee,
        });
        Ok(site)
    }

    /// Records an allocation site; returns its index.
    pub(super) fn alloc_site(
        &mut self,
        (vbase, rbase): (Slot, Slot),
        ty: u32,
        source: AllocSource,
    ) -> Result<u32> {
        let site = u32::try_from(self.alloc_sites.len()).map_err(|_| slot_overflow())?;
        self.alloc_sites.push(AllocSite {
            vbase,
            rbase,
            ty: TypeIdx(ty),
            source,
        });
        Ok(site)
    }

    pub(super) fn push_results(&mut self, results: &[Kind]) -> Result<()> {
        for k in results {
            self.push(*k)?;
        }
        Ok(())
    }

    pub(super) fn call(&mut self, func: u32, tail: bool) -> Result<()> {
        let ty = *self
            .m
            .funcs
            .get(func as usize)
            .ok_or_else(|| internal("callee"))?;
        let (params, results) = self.sig(ty)?;
        let (vbase, rbase) = self.call_args(&params)?;
        if func < self.m.num_imported_funcs {
            let site = self.site(vbase, rbase, Callee::Imported(func))?;
            self.emit(match tail {
                false => Instr::CallImported { site },
                true => Instr::ReturnCallImported { site },
            });
        } else {
            let def = DefFunc(func - self.m.num_imported_funcs);
            self.emit(match tail {
                false => Instr::CallInternal { vbase, rbase, def },
                true => Instr::ReturnCallInternal { vbase, rbase, def },
            });
        }
        if tail {
            self.set_unreachable()
        } else {
            self.push_results(&results)
        }
    }

    pub(super) fn call_indirect(&mut self, ty: u32, table: u32, tail: bool) -> Result<()> {
        let (params, results) = self.sig(ty)?;
        let index = self.pop_kind(Kind::V)?;
        let (vbase, rbase) = self.call_args(&params)?;
        let type_id = self
            .m
            .types
            .get(ty as usize)
            .ok_or_else(|| internal("type"))?
            .id();
        let callee = Callee::Table {
            table,
            ty: TypeIdx(ty),
            type_id,
        };
        let site = self.site(vbase, rbase, callee)?;
        let index = index.src();
        self.emit(if tail {
            Instr::ReturnCallIndirect { index, site }
        } else {
            Instr::CallIndirect { index, site }
        });
        if tail {
            self.set_unreachable()
        } else {
            self.push_results(&results)
        }
    }

    pub(super) fn call_ref(&mut self, ty: u32, tail: bool) -> Result<()> {
        let (params, results) = self.sig(ty)?;
        let func = self.pop_kind(Kind::R)?;
        let (vbase, rbase) = self.call_args(&params)?;
        let site = self.site(vbase, rbase, Callee::Ref)?;
        let func = func.src();
        self.emit(if tail {
            Instr::ReturnCallRef { func, site }
        } else {
            Instr::CallRef { func, site }
        });
        if tail {
            self.set_unreachable()
        } else {
            self.push_results(&results)
        }
    }
}
