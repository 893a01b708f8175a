//! Credential status (draft-ietf-oauth-status-list, W3C Bitstring Status List v1.0): the index
//! each revocable credential is given, the changes an administrator makes, and the signed lists
//! served at each list's URI.
//!
//! - **Indices.** A list's positions are handed out in blocks of [`StatusListSettings::block`]
//!   ([`Store::reserve_status_positions`], one statement, so no two nodes get one position); a
//!   node gives out its block's positions from memory. Position `p` stands for index
//!   `permute(key, p)`: a Feistel network over the next even power of two, cycle-walked into the
//!   list's size, keyed per list. So indices are unique, never reused, and show no order or
//!   clustering. The index is recorded with the credential in the unit of work that records the
//!   issuance (a unique index on `(status_list_id, status_index)` guards it); positions of a
//!   block a node never used (it stopped) are never used.
//! - **Lists.** One Token Status List kind (`token`) serves `dc+sd-jwt`, `jwt_vc_json`, `cwt`,
//!   `cwt_vc` and `mso_mdoc`, as a JWT or a CWT; `ldp_vc` uses Bitstring lists whose issuer is
//!   the credential's (`bitstring:did:web`, `bitstring:did:key`). A new list begins when one is
//!   full.
//! - **Serving.** A signed list is kept per node and reused until its list's `version` changes
//!   or it nears expiry: a node checks the version at most once per `ttl`, so a change through
//!   another node is served within `ttl` seconds (at once on the node that made it). Building is
//!   serialised, so a burst of readers causes one signature, not one each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sigil_crypto::{SecureRandom, SigningAlgorithm, random_array, random_token, sha256};
use sigil_formats::ldp_vc::{self, IssuerDid as LdpIssuer, Suite};
use sigil_formats::status_list::{self, StatusReference, StatusValue, TokenList};
pub use sigil_formats::status_list::{CWT_MEDIA_TYPE, JWT_MEDIA_TYPE, Purpose};
use sigil_proto::admin::user::{
    CredentialNotification, IssuedCredentialList, IssuedCredentialResponse, StatusListEntryView,
};

use crate::Clock;
use crate::error::{Error, FieldError, Location, Resource};
use crate::ids::{is_id, new_id};
use crate::keys::IssuerKeys;
use crate::keys::did::{Dids, IssuerDidMethod};
use crate::settings::Settings;
pub use crate::settings::StatusListSettings;
use crate::store::{
    IssuedCredentialRecord, StatusChangeRecord, StatusListRecord, Store, StoreError,
};

/// The path of the lists, under the public URL; a list's URI is `{public_url}{PATH}/{id}`.
pub const PATH: &str = "/v1/status-lists";

/// A credential's status as the management API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Valid.
    Valid,
    /// Revoked: for good.
    Revoked,
    /// Suspended: may be reinstated.
    Suspended,
}

impl CredentialStatus {
    /// Every status.
    pub const ALL: [CredentialStatus; 3] = [Self::Valid, Self::Revoked, Self::Suspended];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The value in a list.
    pub fn value(self) -> StatusValue {
        match self {
            Self::Valid => StatusValue::Valid,
            Self::Revoked => StatusValue::Invalid,
            Self::Suspended => StatusValue::Suspended,
        }
    }
}

/// The `status` of a change request: one of the three names.
pub fn parse_status(name: &str) -> Result<CredentialStatus, Error> {
    CredentialStatus::parse(name).ok_or_else(|| {
        Error::invalid_body(
            "status",
            "must be one of: valid, revoked, suspended",
            serde_json::Value::from(name),
        )
    })
}

/// Which credentials a change addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusScope {
    /// The credential alone.
    Credential,
    /// Every credential of the response that carried it (a whole batch).
    Issuance,
}

/// Which list a credential's status goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// A Token Status List.
    Token,
    /// A Bitstring Status List issued by this DID.
    Bitstring(IssuerDidMethod),
}

impl ListKind {
    fn as_str(self) -> &'static str {
        match self {
            ListKind::Token => "token",
            ListKind::Bitstring(IssuerDidMethod::Web) => "bitstring:did:web",
            ListKind::Bitstring(IssuerDidMethod::Key) => "bitstring:did:key",
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        [
            ListKind::Token,
            ListKind::Bitstring(IssuerDidMethod::Web),
            ListKind::Bitstring(IssuerDidMethod::Key),
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
    }
}

/// How a list is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Representation {
    /// `application/statuslist+jwt`.
    Jwt,
    /// `application/statuslist+cwt`.
    Cwt,
    /// The Bitstring Status List credential of one purpose.
    Bitstring(PurposeKey),
}

/// [`Purpose`] as a map key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurposeKey {
    /// `revocation`.
    Revocation,
    /// `suspension`.
    Suspension,
}

impl From<Purpose> for PurposeKey {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Revocation => PurposeKey::Revocation,
            Purpose::Suspension => PurposeKey::Suspension,
        }
    }
}

impl From<PurposeKey> for Purpose {
    fn from(p: PurposeKey) -> Self {
        match p {
            PurposeKey::Revocation => Purpose::Revocation,
            PurposeKey::Suspension => Purpose::Suspension,
        }
    }
}

/// A signed list, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedList {
    /// The body.
    pub body: Vec<u8>,
    /// Its media type.
    pub content_type: &'static str,
    /// Seconds a reader may keep it (`Cache-Control: max-age`).
    pub max_age: i64,
}

#[derive(Debug)]
pub(crate) struct Cached {
    signed: Arc<SignedList>,
    version: i64,
    expires_at: i64,
    checked_at: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    list_id: String,
    size: i64,
    key: Vec<u8>,
    next: i64,
    end: i64,
}

/// Status lists: indices for new credentials, status changes, the signed lists.
#[derive(Debug)]
pub struct StatusLists {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) issuer_keys: Arc<IssuerKeys>,
    pub(crate) dids: Arc<Dids>,
    pub(crate) blocks: Mutex<HashMap<&'static str, Block>>,
    pub(crate) signed: Mutex<HashMap<(String, Representation), Cached>>,
    pub(crate) building: tokio::sync::Mutex<()>,
}

/// The index position `position` of a list of `size` entries stands for: a 4-round Feistel
/// network keyed by `key` over `2^bits` values (`bits` even, `2^bits >= size`), applied again
/// while the result is out of range (cycle walking keeps it a permutation of `0..size`).
pub fn permute(key: &[u8], size: u64, position: u64) -> u64 {
    let bits = {
        let needed = 64 - size.saturating_sub(1).leading_zeros();
        (needed.max(2) + 1) & !1
    };
    let half = bits / 2;
    let mask = (1u64 << half) - 1;
    let round = |x: u64| {
        let mut x = x;
        let (mut left, mut right) = (x >> half, x & mask);
        for r in 0u8..4 {
            let mut input = Vec::with_capacity(key.len() + 9);
            input.extend_from_slice(key);
            input.push(r);
            input.extend_from_slice(&right.to_be_bytes());
            let digest = sha256(&input);
            let mut f = [0u8; 8];
            f.copy_from_slice(&digest[..8]);
            let next = left ^ (u64::from_be_bytes(f) & mask);
            left = right;
            right = next;
        }
        x = (left << half) | right;
        x
    };
    let mut x = round(position);
    while x >= size {
        x = round(x);
    }
    x
}

impl StatusLists {
    /// The URI of list `id`.
    pub fn uri(&self, id: &str) -> String {
        format!("{}{PATH}/{id}", self.settings.public_url)
    }

    /// Credentials as the management API shows them.
    pub fn responses(&self, records: Vec<IssuedCredentialRecord>) -> IssuedCredentialList {
        IssuedCredentialList {
            data: records
                .into_iter()
                .map(|r| issued_credential_response(r, &self.settings.public_url))
                .collect(),
        }
    }

    /// The list aggregation (draft-ietf-oauth-status-list §9): every Token Status List's URI and
    /// every Bitstring list's, per purpose.
    pub async fn aggregation(&self) -> Result<Vec<String>, Error> {
        let lists = self.store.list_status_lists().await?;
        let mut out = Vec::with_capacity(lists.len());
        for list in lists {
            match ListKind::parse(&list.kind) {
                Some(ListKind::Token) => out.push(self.uri(&list.id)),
                Some(ListKind::Bitstring(_)) => out.extend(
                    Purpose::ALL
                        .iter()
                        .map(|p| format!("{}/{}", self.uri(&list.id), p.as_str())),
                ),
                None => {}
            }
        }
        Ok(out)
    }

    /// Where the status of one new credential of `kind` goes: the list and the index.
    pub(crate) async fn allocate(&self, kind: ListKind) -> Result<(String, i64), Error> {
        let settings = self.settings.status_list;
        let key = kind.as_str();
        loop {
            let taken = {
                let mut blocks = self.blocks.lock().map_err(|_| poisoned())?;
                match blocks.get_mut(key) {
                    Some(block) if block.next < block.end => {
                        let position = block.next;
                        block.next += 1;
                        Some((
                            block.list_id.clone(),
                            block.size,
                            block.key.clone(),
                            position,
                        ))
                    }
                    _ => None,
                }
            };
            if let Some((list_id, size, permutation_key, position)) = taken {
                let (Ok(size), Ok(position)) = (u64::try_from(size), u64::try_from(position))
                else {
                    return Err(StoreError::Corrupt("status list size".into()).into());
                };
                let index = permute(&permutation_key, size, position);
                let index = i64::try_from(index)
                    .map_err(|_| StoreError::Corrupt("status list index".into()))?;
                return Ok((list_id, index));
            }
            let fresh = StatusListRecord {
                id: random_token(self.rng.as_ref(), "")?,
                kind: key.to_string(),
                size: settings.size,
                allocated: 0,
                permutation_key: random_array::<32>(self.rng.as_ref())?.to_vec(),
                version: 0,
                created_at: self.clock.now(),
            };
            let reserved = self
                .store
                .reserve_status_positions(key, settings.block, &fresh)
                .await?;
            let mut blocks = self.blocks.lock().map_err(|_| poisoned())?;
            blocks.insert(
                key,
                Block {
                    list_id: reserved.list.id,
                    size: reserved.list.size,
                    key: reserved.list.permutation_key,
                    next: reserved.first,
                    end: reserved.first + reserved.count,
                },
            );
        }
    }

    /// The reference a credential carries for its list and index.
    pub(crate) fn reference(&self, kind: ListKind, list_id: &str, index: i64) -> StatusReference {
        let index = u64::try_from(index).unwrap_or(0);
        let uri = self.uri(list_id);
        match kind {
            ListKind::Token => StatusReference::Token { index, uri },
            ListKind::Bitstring(_) => StatusReference::Bitstring { index, uri },
        }
    }

    /// `POST /v1/credentials/{id}/status` (and `…/issuance/status`): sets the status of one
    /// credential or of its whole issuance. Unknown id: 404. Not revocable: 400. Revoked, or
    /// already in that status: 409. Returns the credentials addressed, as they now are.
    pub async fn change(
        &self,
        id: &str,
        scope: StatusScope,
        status: CredentialStatus,
        actor: &str,
    ) -> Result<Vec<IssuedCredentialRecord>, Error> {
        let not_found = || Error::NotFound(Resource::Credential);
        if !is_id(id) {
            return Err(not_found());
        }
        let credential = self
            .store
            .get_issued_credential(id)
            .await?
            .ok_or_else(not_found)?;
        let addressed = match scope {
            StatusScope::Credential => vec![credential],
            StatusScope::Issuance => {
                let all = self
                    .store
                    .list_issued_credentials(&credential.user_id)
                    .await?;
                all.into_iter()
                    .filter(|c| {
                        c.id == credential.id
                            || (credential.notification_id.is_some()
                                && c.notification_id == credential.notification_id
                                && c.token_hash == credential.token_hash)
                    })
                    .collect()
            }
        };
        self.apply(addressed, status, actor, true).await
    }

    /// `POST /v1/users/{id}/credentials/status`: sets the status of every revocable credential
    /// of a user that can take it; the others are left as they are. 404 for an unknown user,
    /// 409 when none is revocable or none could change.
    pub async fn change_user(
        &self,
        user_id: &str,
        status: CredentialStatus,
        actor: &str,
    ) -> Result<Vec<IssuedCredentialRecord>, Error> {
        if !is_id(user_id) || self.store.get_user(user_id).await?.is_none() {
            return Err(Error::NotFound(Resource::User));
        }
        let all = self.store.list_issued_credentials(user_id).await?;
        if all.iter().all(|c| c.status_list_id.is_none()) {
            // The user exists and the request is well formed: it is their credentials' state
            // that refuses it.
            return Err(Error::Conflict(
                "none of the user's credentials was issued from a revocable configuration".into(),
            ));
        }
        self.apply(all, status, actor, false).await
    }

    async fn apply(
        &self,
        addressed: Vec<IssuedCredentialRecord>,
        status: CredentialStatus,
        actor: &str,
        all_must_be_revocable: bool,
    ) -> Result<Vec<IssuedCredentialRecord>, Error> {
        let revocable: Vec<&IssuedCredentialRecord> = addressed
            .iter()
            .filter(|c| c.status_list_id.is_some())
            .collect();
        if revocable.is_empty() || (all_must_be_revocable && revocable.len() != addressed.len()) {
            return Err(Error::Validation(vec![FieldError::new(
                Location::Path,
                "id",
                "the credential was issued from a configuration that is not revocable: it carries no status",
                serde_json::Value::Null,
            )]));
        }
        let changeable: Vec<&&IssuedCredentialRecord> = revocable
            .iter()
            .filter(|c| {
                c.status != CredentialStatus::Revoked.as_str() && c.status != status.as_str()
            })
            .collect();
        if changeable.is_empty() {
            let revoked = revocable
                .iter()
                .any(|c| c.status == CredentialStatus::Revoked.as_str());
            return Err(Error::Conflict(
                if revoked && status != CredentialStatus::Revoked {
                    "the credential is revoked; revocation is permanent".into()
                } else {
                    format!("the credential is already {}", status.as_str())
                },
            ));
        }
        let now = self.clock.now();
        let mut changes = Vec::with_capacity(changeable.len());
        for c in &changeable {
            changes.push(StatusChangeRecord {
                id: new_id(self.clock.as_ref(), self.rng.as_ref())?,
                credential_id: c.id.clone(),
                status: status.as_str().to_string(),
                actor: actor.to_string(),
                changed_at: now,
            });
        }
        let changed = self.store.change_credential_statuses(&changes).await?;
        if changed.is_empty() {
            // Another request changed them first.
            return Err(Error::Conflict(format!(
                "the credential is already {} or revoked",
                status.as_str()
            )));
        }
        // This node serves the change at once; the others within `ttl`.
        if let Ok(mut signed) = self.signed.lock() {
            signed.retain(|(list, _), _| {
                !changeable
                    .iter()
                    .any(|c| c.status_list_id.as_deref() == Some(list.as_str()))
            });
        }
        let mut out = Vec::with_capacity(addressed.len());
        for c in addressed {
            out.push(match self.store.get_issued_credential(&c.id).await? {
                Some(now) => now,
                None => c,
            });
        }
        Ok(out)
    }

    /// The signed list `id` in `representation`: reused while its list is unchanged and far
    /// from expiry, signed again otherwise.
    pub async fn served(
        &self,
        id: &str,
        representation: Representation,
    ) -> Result<Arc<SignedList>, Error> {
        let settings = self.settings.status_list;
        let key = (id.to_string(), representation);
        let now = self.clock.now();
        if let Some(fresh) = self.cached(&key, now, None)? {
            return Ok(fresh);
        }
        let _building = self.building.lock().await;
        let now = self.clock.now();
        if let Some(fresh) = self.cached(&key, now, None)? {
            return Ok(fresh);
        }
        let list = self
            .store
            .get_status_list(id)
            .await?
            .ok_or(Error::NotFound(Resource::StatusList))?;
        if let Some(same) = self.cached(&key, now, Some(list.version))? {
            return Ok(same);
        }
        let kind = ListKind::parse(&list.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("status list kind {}", list.kind)))?;
        let signed = Arc::new(self.sign(&list, kind, representation, now).await?);
        let mut cache = self.signed.lock().map_err(|_| poisoned())?;
        cache.insert(
            key,
            Cached {
                signed: signed.clone(),
                version: list.version,
                expires_at: now + settings.validity,
                checked_at: now,
            },
        );
        Ok(signed)
    }

    /// The cached list if it can be served at `now`: checked within `ttl` (or, with
    /// `version`, of that version: then it counts as checked now), and more than `ttl` from
    /// expiry.
    fn cached(
        &self,
        key: &(String, Representation),
        now: i64,
        version: Option<i64>,
    ) -> Result<Option<Arc<SignedList>>, Error> {
        let ttl = self.settings.status_list.ttl;
        let mut cache = self.signed.lock().map_err(|_| poisoned())?;
        let Some(entry) = cache.get_mut(key) else {
            return Ok(None);
        };
        if now >= entry.expires_at - ttl {
            return Ok(None);
        }
        match version {
            None if now < entry.checked_at + ttl => Ok(Some(entry.signed.clone())),
            Some(v) if v == entry.version => {
                entry.checked_at = now;
                Ok(Some(entry.signed.clone()))
            }
            _ => Ok(None),
        }
    }

    async fn sign(
        &self,
        list: &StatusListRecord,
        kind: ListKind,
        representation: Representation,
        now: i64,
    ) -> Result<SignedList, Error> {
        let settings = self.settings.status_list;
        let size =
            u64::try_from(list.size).map_err(|_| StoreError::Corrupt("status list size".into()))?;
        let entries: Vec<(u64, CredentialStatus)> = self
            .store
            .status_list_entries(&list.id)
            .await?
            .into_iter()
            .filter_map(|(index, status)| {
                Some((
                    u64::try_from(index).ok()?,
                    CredentialStatus::parse(&status)?,
                ))
            })
            .collect();
        let uri = self.uri(&list.id);
        let not_here = || Error::NotFound(Resource::StatusList);
        match (kind, representation) {
            (ListKind::Token, Representation::Jwt | Representation::Cwt) => {
                let packed =
                    status_list::token_list(size, entries.iter().map(|(i, s)| (*i, s.value())));
                let token = TokenList {
                    uri: &uri,
                    issued_at: now,
                    expires_at: now + settings.validity,
                    ttl: settings.ttl,
                    list: &packed,
                };
                let ring = self.issuer_keys.ring();
                let key = ring
                    .signer(SigningAlgorithm::Es256)
                    .ok_or_else(|| StoreError::Corrupt("no active ES256 signing key".into()))?;
                let (body, content_type) = if representation == Representation::Jwt {
                    let jwt = key
                        .sign(status_list::prepare_jwt(&token, key.public())?)
                        .await?;
                    (jwt.into_bytes(), JWT_MEDIA_TYPE)
                } else {
                    let cwt = key
                        .sign(status_list::prepare_cwt(&token, key.public())?)
                        .await?;
                    (cwt, CWT_MEDIA_TYPE)
                };
                Ok(SignedList {
                    body,
                    content_type,
                    max_age: settings.ttl,
                })
            }
            (ListKind::Bitstring(method), Representation::Bitstring(purpose)) => {
                let purpose = Purpose::from(purpose);
                let bits = status_list::bitstring(
                    size,
                    entries
                        .iter()
                        .filter(|(_, s)| purpose.is_set(s.value()))
                        .map(|(i, _)| *i),
                );
                let list_uri = format!("{uri}/{}", purpose.as_str());
                let issuer = self.dids.issuer_did(method)?;
                let mut document = serde_json::Map::new();
                document.insert(
                    "@context".into(),
                    serde_json::json!([Suite::EddsaRdfc2022.base_context()]),
                );
                document.insert("id".into(), list_uri.clone().into());
                document.insert(
                    "type".into(),
                    serde_json::json!(["VerifiableCredential", "BitstringStatusListCredential"]),
                );
                document.insert("issuer".into(), issuer.did.clone().into());
                document.insert("validFrom".into(), sigil_formats::date_time(now)?.into());
                document.insert(
                    "validUntil".into(),
                    sigil_formats::date_time(now + settings.validity)?.into(),
                );
                document.insert(
                    "credentialSubject".into(),
                    serde_json::json!({
                        "id": format!("{list_uri}#list"),
                        "type": "BitstringStatusList",
                        "statusPurpose": purpose.as_str(),
                        "encodedList": status_list::encoded_list(&bits)?,
                        "ttl": settings.ttl.saturating_mul(1000),
                    }),
                );
                let unsigned = ldp_vc::prepare_document(
                    document,
                    Suite::EddsaRdfc2022,
                    LdpIssuer {
                        did: &issuer.did,
                        verification_method: &issuer.verification_method,
                    },
                    now,
                    issuer.key.public(),
                )
                .map_err(|e| match e {
                    ldp_vc::LdpError::Crypto(e) => Error::Crypto(e),
                    ldp_vc::LdpError::JsonLd(e) => {
                        Error::Store(StoreError::Corrupt(format!("status list credential: {e}")))
                    }
                })?;
                let credential = issuer.key.sign(unsigned).await?;
                Ok(SignedList {
                    body: serde_json::to_vec(&credential)
                        .map_err(|e| StoreError::Corrupt(format!("status list: {e}")))?,
                    content_type: "application/vc+ld+json",
                    max_age: settings.ttl,
                })
            }
            (ListKind::Token, Representation::Bitstring(_))
            | (ListKind::Bitstring(_), Representation::Jwt | Representation::Cwt) => {
                Err(not_here())
            }
        }
    }
}

/// The lists holding a credential's status, as the management API shows them: `None` when its
/// configuration was not revocable.
pub(crate) fn entries(
    public_url: &str,
    record: &IssuedCredentialRecord,
) -> Option<Vec<StatusListEntryView>> {
    let (Some(list), Some(index)) = (&record.status_list_id, record.status_index) else {
        return None;
    };
    let uri = format!("{public_url}{PATH}/{list}");
    Some(if record.format == "ldp_vc" {
        Purpose::ALL
            .iter()
            .map(|p| StatusListEntryView {
                uri: format!("{uri}/{}", p.as_str()),
                index,
                purpose: Some(p.as_str().to_string()),
            })
            .collect()
    } else {
        vec![StatusListEntryView {
            uri,
            index,
            purpose: None,
        }]
    })
}

/// An issued credential as the management API shows it; `public_url` makes its status lists'
/// URIs.
pub fn issued_credential_response(
    r: IssuedCredentialRecord,
    public_url: &str,
) -> IssuedCredentialResponse {
    IssuedCredentialResponse {
        status_lists: entries(public_url, &r),
        id: r.id,
        configuration_id: r.configuration_id,
        offer_id: r.offer_id,
        format: r.format,
        holder_key_thumbprint: r.holder_key_thumbprint,
        issued_at: crate::clock::timestamp(r.issued_at),
        mso_digest: r
            .mso_digest
            .map(|d| d.iter().map(|b| format!("{b:02x}")).collect()),
        notification: r.notification.map(|n| CredentialNotification {
            event: n.event,
            description: n.description,
            received_at: crate::clock::timestamp(n.at),
        }),
        status: r.status,
    }
}

fn poisoned() -> Error {
    StoreError::Backend("status list state poisoned".into()).into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::permute;

    #[test]
    fn the_permutation_is_a_bijection_onto_the_list() {
        for size in [1u64, 2, 5, 100, 1000, 4096, 5000] {
            let key = [7u8; 32];
            let mut seen = vec![false; usize::try_from(size).unwrap()];
            for p in 0..size {
                let i = permute(&key, size, p);
                assert!(i < size);
                let slot = &mut seen[usize::try_from(i).unwrap()];
                assert!(!*slot, "index {i} given twice for size {size}");
                *slot = true;
            }
        }
    }

    #[test]
    fn keys_give_different_orders() {
        let a: Vec<u64> = (0..16).map(|p| permute(&[1; 32], 131_072, p)).collect();
        let b: Vec<u64> = (0..16).map(|p| permute(&[2; 32], 131_072, p)).collect();
        assert_ne!(a, b);
        assert!(a.windows(2).any(|w| w[0] > w[1]), "not ascending: {a:?}");
    }
}
