//! The storage pattern shared by wallet clients, the authentication provider and claims sources:
//! a validated request kept as JSON, with its secrets hashed or sealed beside it.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sigil_crypto::MasterKey;
use sigil_crypto::SecureRandom;
use sigil_crypto::{MasterKeyId, SealedBox};

use crate::error::{Error, Resource};
use crate::ids::is_id;
use crate::page::PageRequest;
use crate::store::Store;
use crate::store::{DocumentKind, DocumentRecord, StoreError};

/// Serialises a document for storage.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Store(StoreError::Corrupt(e.to_string())))
}

/// Reads a stored document back.
pub(crate) fn from_json<T: DeserializeOwned>(record: &DocumentRecord) -> Result<T, Error> {
    serde_json::from_str(&record.document)
        .map_err(|e| Error::Store(StoreError::Corrupt(format!("document {}: {e}", record.id))))
}

/// Stored JSON documents with sealed secrets (authentication providers, claims sources, wallet clients).
#[derive(Debug, Clone)]
pub struct Documents {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) rng: Arc<dyn SecureRandom>,
}

impl Documents {
    /// Seals `plain` into the document's secret columns (or clears them), bound to `context`.
    pub(crate) fn seal_document_secret(
        &self,
        record: &mut DocumentRecord,
        context: &str,
        plain: Option<&[u8]>,
    ) -> Result<(), Error> {
        match plain {
            None => {
                record.sealed_key_id = None;
                record.sealed = None;
            }
            Some(plain) => {
                let sealed = self.master_key.seal(self.rng.as_ref(), context, plain)?;
                record.sealed_key_id = Some(sealed.key_id.to_string());
                record.sealed = Some(sealed.bytes);
            }
        }
        Ok(())
    }

    /// Opens the document's sealed secret, if it has one.
    pub(crate) fn open_document_secret(
        &self,
        record: &DocumentRecord,
        context: &str,
    ) -> Result<Option<Vec<u8>>, Error> {
        let (Some(key_id), Some(bytes)) = (&record.sealed_key_id, &record.sealed) else {
            return Ok(None);
        };
        let sealed = SealedBox {
            key_id: MasterKeyId::new(key_id.clone()),
            bytes: bytes.clone(),
        };
        Ok(Some(self.master_key.open(context, &sealed)?))
    }

    /// One stored document, or `NotFound(resource)`.
    pub(crate) async fn document(
        &self,
        kind: DocumentKind,
        resource: Resource,
        id: &str,
    ) -> Result<DocumentRecord, Error> {
        if !is_id(id) {
            return Err(Error::NotFound(resource));
        }
        self.store
            .get_document(kind, id)
            .await?
            .ok_or(Error::NotFound(resource))
    }

    /// A page of stored documents and the next cursor.
    pub(crate) async fn document_page(
        &self,
        kind: DocumentKind,
        page: &PageRequest,
    ) -> Result<(Vec<DocumentRecord>, Option<String>), Error> {
        let rows = self
            .store
            .list_documents(kind, page.after.as_deref(), page.fetch_limit())
            .await?;
        Ok(page.finish(rows, |r| &r.id))
    }

    /// Deletes a document, or `NotFound(resource)`.
    pub(crate) async fn delete_document(
        &self,
        kind: DocumentKind,
        resource: Resource,
        id: &str,
    ) -> Result<(), Error> {
        if is_id(id) && self.store.delete_document(kind, id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(resource))
        }
    }
}
