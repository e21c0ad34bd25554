//! Exception tags: [`Tag`] handles and their store entries.
//!
//! A tag's identity is its store entry: every tag definition of every
//! instance, and every tag made by the host, is a new entry; an import
//! shares the exporter's entry. Exceptions record the entry's index, and a
//! `catch` compares indices.

use super::store::{AsContext, AsContextMut, StoreId};
use super::{Extern, StoreInner, TagType};
use crate::error::{Error, Result};
use crate::index::HeapTypeIdx;
use crate::registry::TypeRef;
use crate::types::FuncType;

/// A tag in a store.
#[derive(Clone, Debug)]
pub(crate) struct TagEntry {
    /// The tag's function type (its parameters are the payload).
    pub ty: TypeRef,
    /// The heap type of exceptions thrown with this tag.
    pub heap_type: HeapTypeIdx,
}

/// An exception tag in a [`crate::Store`].
#[derive(Clone, Copy, Debug)]
pub struct Tag {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Tag {
    /// Creates a new tag of type `ty`, distinct from every other tag.
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag> {
        let store = &mut store.as_context_mut().0.inner;
        let fty = ty.ty();
        if !crate::Engine::same(fty.engine(), store.engine()) {
            return Err(Error::usage("tag type belongs to a different engine"));
        }
        if fty.results().len() != 0 {
            return Err(Error::usage("a tag's function type must have no results"));
        }
        Tag::push(store, fty.type_ref().clone())
    }

    /// Adds a tag of function type `ty` to the store.
    pub(crate) fn push(store: &mut StoreInner, ty: TypeRef) -> Result<Tag> {
        let heap_type = store.heap_mut().exn_type_index(&ty)?;
        let index = store.push_tag(TagEntry { ty, heap_type })?;
        Ok(Tag {
            store: store.id(),
            index,
        })
    }

    pub(crate) fn entry<'s>(&self, store: &'s StoreInner) -> Result<&'s TagEntry> {
        store.entity(self.store, store.tags(), self.index, "tag")
    }

    /// The tag's type.
    pub fn ty(&self, store: impl AsContext) -> Result<TagType> {
        let store = &store.as_context().0.inner;
        let e = self.entry(store)?;
        Ok(TagType::new(FuncType::from_type_ref(
            store.engine(),
            e.ty.clone(),
        )))
    }

    /// Whether `a` and `b` are the same tag (the identity a `catch`
    /// compares).
    pub fn eq(a: &Tag, b: &Tag, store: impl AsContext) -> bool {
        let store = &store.as_context().0.inner;
        a.store == store.id() && b.store == store.id() && a.index == b.index
    }
}

impl Extern {
    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<Tag> {
        match self {
            Extern::Tag(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Tag> for Extern {
    fn from(t: Tag) -> Extern {
        Extern::Tag(t)
    }
}
