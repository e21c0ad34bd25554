//! The [`Linker`]: resolves a module's imports by name, from host
//! functions and from other instances' exports.

use super::func::{Func, HostFunc, IntoFunc};
use super::instance::{Extern, Instance, instantiate};
use super::store::{AsContext, AsContextMut};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::module::Module;
use crate::types::FuncType;
use crate::values::Val;
use std::collections::HashMap;

enum Definition<T> {
    Extern(Extern),
    /// A host function not yet bound to a store: created in the store on
    /// first use.
    Host(FuncType, HostFunc<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(e.clone()),
            Definition::Host(t, f) => Definition::Host(t.clone(), f.clone()),
        }
    }
}

/// Defines imports by `(module, name)` and instantiates modules with them.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> std::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker").finish_non_exhaustive()
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine this linker defines functions for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(Error::usage(format!(
                "import of `{module}::{name}` defined twice"
            )));
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Defines `module::name` as a host function from a Rust closure.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, f) = func.into_func(&self.engine);
        self.insert(module, name, Definition::Host(ty, f))
    }

    /// Defines `module::name` as a host function of type `ty` working on [`Val`]s.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(super::Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        if !Engine::same(ty.engine(), &self.engine) {
            return Err(Error::usage("function type belongs to another engine"));
        }
        let f = super::func::host_fn_from_vals(ty.type_ref(), func)?;
        self.insert(module, name, Definition::Host(ty, f))
    }

    /// Defines `module::name` as `item`.
    pub fn define(
        &mut self,
        _store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines every export of `instance` under `module_name`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for export in instance.exports(&mut store) {
            let name = export.name().to_string();
            self.insert(module_name, &name, Definition::Extern(export.into_extern()))?;
        }
        Ok(self)
    }

    fn resolve(
        &self,
        store: &mut super::Store<T>,
        module: &str,
        name: &str,
    ) -> Result<Option<Extern>> {
        if !Engine::same(&self.engine, store.engine()) {
            return Err(Error::usage("linker and store belong to different engines"));
        }
        match self.defs.get(&(module.to_string(), name.to_string())) {
            None => Ok(None),
            Some(Definition::Extern(e)) => Ok(Some(e.clone())),
            Some(Definition::Host(ty, f)) => {
                let func = Func::add_host(store, ty.type_ref().clone(), f.clone())?;
                Ok(Some(Extern::Func(func)))
            }
        }
    }

    /// The definition of `module::name`, if any.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        self.resolve(store.as_context_mut().0, module, name).ok()?
    }

    /// Instantiates `module`, resolving its imports by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let store = store.as_context_mut().0;
        let mut imports = Vec::with_capacity(module.0.imports.len());
        for imp in &module.0.imports {
            match self.resolve(store, &imp.module, &imp.name)? {
                Some(e) => imports.push(e),
                None => {
                    return Err(Error::unlinkable(format!(
                        "unknown import: `{}::{}` has not been defined",
                        imp.module, imp.name
                    )));
                }
            }
        }
        instantiate(store, module, &imports)
    }

    /// Instantiates `module` and defines its exports under `module_name`.
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        let instance = self.instantiate(&mut store, module)?;
        self.instance(store, module_name, instance)
    }
}
