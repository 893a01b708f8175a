//! The persistence boundary. `sigil-store` implements [`Store`] for SQLite and PostgreSQL; the
//! records here are plain rows so that both engines store exactly the same thing.
//!
//! Rules every implementation keeps (ARCHITECTURE.md §3): one-time artefacts are consumed by one
//! statement; secrets arrive already hashed or sealed; timestamps are Unix seconds.

use async_trait::async_trait;

/// A storage failure.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// A uniqueness rule was violated; the text names the rule.
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// A stored value could not be read back (corruption, or a newer schema).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Backend(String),
    /// A value holds text the database cannot store (U+0000 in PostgreSQL). The edge refuses
    /// such input first; this catches whatever reaches the store another way (a claims source,
    /// a provider's ID token) so it is a refusal, never a 500.
    #[error("the database cannot store this text: {0}")]
    Unstorable(String),
}

/// Hits counted by one node in one rate-limit bucket and window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitHits {
    /// SHA-256 of the scope and key.
    pub bucket: Vec<u8>,
    /// Start of the window, seconds.
    pub window: i64,
    /// Hits to add.
    pub hits: i64,
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How far a pre-authorized offer has got, for the management API and the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferProgressRecord {
    /// When its code stops being redeemable.
    pub expires_at: i64,
    /// When its code was redeemed, if it was.
    pub consumed_at: Option<i64>,
    /// Credentials issued from it so far.
    pub issued: i64,
}

/// Credentials issued for one configuration in one format on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceCount {
    /// The credential configuration.
    pub configuration_id: String,
    /// Its format.
    pub format: String,
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// How many.
    pub count: i64,
}

/// An admin API token, stored as its SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTokenRecord {
    /// Token id (not secret).
    pub id: String,
    /// Operator's label.
    pub name: String,
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// Creation time.
    pub created_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
}

/// The interaction hook row (one per deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionHookRecord {
    /// Hook URL.
    pub url: String,
    /// JSON array of claim names.
    pub claims: String,
    /// Session timeout, if set.
    pub session_timeout_secs: Option<i64>,
    /// Whether the hook is skipped.
    pub disabled: bool,
    /// Id of the master key that sealed the secret.
    pub secret_key_id: String,
    /// The sealed 32-byte secret.
    pub secret_ciphertext: Vec<u8>,
    /// First configured.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// A credential configuration row: the validated request document plus indexed columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialConfigurationRecord {
    /// Id.
    pub id: String,
    /// Format identifier.
    pub format: String,
    /// OAuth scope; unique.
    pub scope: String,
    /// The configuration as JSON.
    pub document: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Id.
    pub id: String,
    /// Identity provider URL, if known; unique with `subject_id`.
    pub provider_url: Option<String>,
    /// Subject at that provider.
    pub subject_id: Option<String>,
    /// JSON object of claims.
    pub claims: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// Filter for listing users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Only this provider URL.
    pub provider_url: Option<String>,
    /// Only this subject.
    pub subject_id: Option<String>,
}

/// An issuer signing key: public JWK in clear, private key sealed under the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    /// Key id (RFC 7638 thumbprint).
    pub kid: String,
    /// JOSE algorithm name.
    pub algorithm: String,
    /// The public JWK as JSON.
    pub public_jwk: String,
    /// Id of the master key that sealed the private key.
    pub private_key_key_id: String,
    /// The sealed PKCS#8 private key.
    pub private_key_ciphertext: Vec<u8>,
    /// `active` or `retired`.
    pub status: String,
    /// `credential` (signs credentials) or `issuer-ca` (certifies credential keys).
    pub purpose: String,
    /// JSON describing the key's certificate chain, when it has one.
    pub certificate: Option<String>,
    /// Created.
    pub created_at: i64,
    /// The key provider holding the private key.
    pub provider: String,
    /// When a rotation retired it.
    pub retired_at: Option<i64>,
}

/// What changes whenever the signing keys do (a key added or retired): nodes compare it each
/// second to know when to reload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigningKeysVersion {
    /// Number of keys.
    pub keys: i64,
    /// Newest `created_at`.
    pub created: i64,
    /// Newest `retired_at`.
    pub retired: i64,
}

/// A pre-authorized credential offer row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRecord {
    /// Id.
    pub id: String,
    /// The user the credential is for.
    pub user_id: String,
    /// JSON array of credential configuration ids.
    pub configuration_ids: String,
    /// JSON object of offer claims, if any.
    pub claims: Option<String>,
    /// SHA-256 of the pre-authorized code.
    pub code_hash: Vec<u8>,
    /// HMAC of the transaction code, when one is required.
    pub tx_code_mac: Option<Vec<u8>>,
    /// Wrong transaction codes so far.
    pub tx_code_failures: i64,
    /// SHA-256 of the random reference of a by-reference offer (the reference itself is never
    /// stored: it fetches the offer with its live code).
    pub reference_hash: Option<Vec<u8>>,
    /// Master key id of `sealed_offer`.
    pub sealed_key_id: Option<String>,
    /// The offer JSON sealed under the master key (by-reference offers only).
    pub sealed_offer: Option<Vec<u8>>,
    /// Expiry.
    pub expires_at: i64,
    /// When the code was redeemed.
    pub consumed_at: Option<i64>,
    /// Created.
    pub created_at: i64,
}

/// The user side of creating an offer, done in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserWrite {
    /// The user exists and is unchanged.
    Keep,
    /// Create this user.
    Insert(UserRecord),
    /// Replace this user's claims (persisted offer claims).
    UpdateClaims {
        /// User id.
        id: String,
        /// New claims JSON.
        claims: String,
        /// Time.
        at: i64,
    },
}

/// How long past its expiry a spent c_nonce's record is kept: issuance refuses a nonce that
/// expired right before the unit of work that spends it, and that step takes far less, so a
/// replay never finds the record purged.
pub const SPENT_NONCE_GRACE: i64 = 300;

/// An access token row (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenRecord {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// The user.
    pub user_id: String,
    /// The redeemed offer, if the grant came from one.
    pub offer_id: Option<String>,
    /// JSON array of configuration ids the token may be used for.
    pub configuration_ids: String,
    /// Claims for this issuance only (the offer's, or the login's): a JSON object.
    pub claims: Option<String>,
    /// The client that redeemed the code, when it named one (else anonymous access).
    pub client_id: Option<String>,
    /// SHA-256 of the authorization code it was redeemed from (revoked if that code is replayed).
    pub authorization_code_hash: Option<Vec<u8>>,
    /// JSON array of `credential_identifiers` granted through `authorization_details`.
    pub credential_identifiers: Option<String>,
    /// RFC 9449 §6: thumbprint of the DPoP key the token is bound to (`cnf.jkt`).
    pub dpop_jkt: Option<String>,
    /// Expiry.
    pub expires_at: i64,
    /// Created.
    pub created_at: i64,
    /// The user, read with the token by [`Store::find_access_token`] (one statement, so the
    /// credential endpoint does not read the user again); `None` where the record was made
    /// otherwise, or the user no longer exists.
    pub user: Option<TokenUser>,
}

/// What the claim mappings read of the user an access token was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The authentication provider's URL, when known.
    pub provider_url: Option<String>,
    /// The subject at that provider, when known.
    pub subject_id: Option<String>,
    /// The user's claims: a JSON object.
    pub claims: String,
}

/// The parts of a new access token the caller chooses; the rest comes from the offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessToken {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// The client that named itself, if any.
    pub client_id: Option<String>,
    /// The DPoP key the token is bound to.
    pub dpop_jkt: Option<String>,
    /// Expiry.
    pub expires_at: i64,
    /// Now.
    pub created_at: i64,
}

/// The outcome of presenting a pre-authorized code (and transaction code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The code was consumed and this token stored, in one transaction.
    Redeemed(Box<AccessTokenRecord>),
    /// The transaction code was wrong; this attempt was counted (now `failures`).
    WrongTxCode {
        /// Failures counted so far, including this one.
        failures: i64,
    },
    /// Unknown, expired, used, deleted, or dead after too many wrong transaction codes.
    Refused,
}

/// A c_nonce a credential request spends, by its hash; the record is kept until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpentNonce {
    pub nonce_hash: Vec<u8>,
    pub expires_at: i64,
}

/// A credential issuance, recorded before the credential is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredentialRecord {
    /// Id.
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The configuration.
    pub configuration_id: String,
    /// The offer it came through.
    pub offer_id: Option<String>,
    /// Format.
    pub format: String,
    /// RFC 7638 thumbprint of the holder key.
    pub holder_key_thumbprint: String,
    /// When.
    pub issued_at: i64,
    /// mso_mdoc: SHA-256 of the signed MSO.
    pub mso_digest: Option<Vec<u8>>,
    /// SHA-256 of the access token that obtained it.
    pub token_hash: Option<Vec<u8>>,
    /// The `notification_id` of the response that carried it.
    pub notification_id: Option<String>,
    /// The last notification the wallet sent about it.
    pub notification: Option<NotificationRecord>,
    /// The status list holding its status (a revocable configuration's credentials only).
    pub status_list_id: Option<String>,
    /// Its index in that list.
    pub status_index: Option<i64>,
    /// `valid`, `revoked` or `suspended`.
    pub status: String,
}

/// A status list. Its positions are handed out in blocks, in order; the index a position stands
/// for comes from a permutation keyed by `permutation_key`, so indices show no order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListRecord {
    /// Id (the last segment of its URI).
    pub id: String,
    /// Which credentials it serves: `token` (Token Status List) or `bitstring:<issuer DID
    /// method>` (Bitstring Status List, whose issuer must be the credentials').
    pub kind: String,
    /// Entries.
    pub size: i64,
    /// Positions handed out so far.
    pub allocated: i64,
    /// Key of the position → index permutation.
    pub permutation_key: Vec<u8>,
    /// Changes with every status change in the list.
    pub version: i64,
    /// Created.
    pub created_at: i64,
}

/// Positions `first..first + count` of `list`, reserved for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPositions {
    /// The list, as the reservation left it.
    pub list: StatusListRecord,
    /// First position reserved.
    pub first: i64,
    /// How many.
    pub count: i64,
}

/// One credential's status change and who made it (kept as its audit record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChangeRecord {
    /// Id of the audit record.
    pub id: String,
    /// The credential.
    pub credential_id: String,
    /// The new status: `valid`, `revoked` or `suspended`.
    pub status: String,
    /// Who: `admin-token:<id>`, `admin-token:configured` or `command-line`.
    pub actor: String,
    /// When.
    pub changed_at: i64,
}

/// A wallet's notification about issued credentials (OID4VCI 1.0 §11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// `credential_accepted`, `credential_failure` or `credential_deleted`.
    pub event: String,
    /// The wallet's `event_description`.
    pub description: Option<String>,
    /// When it arrived.
    pub at: i64,
}

/// An issuance answered with a `transaction_id` (OID4VCI 1.0 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredIssuanceRecord {
    /// Id (admin API).
    pub id: String,
    /// SHA-256 of the `transaction_id`.
    pub transaction_hash: Vec<u8>,
    /// SHA-256 of the access token that created it: the only one that may redeem it.
    pub token_hash: Vec<u8>,
    /// The user.
    pub user_id: String,
    /// The configuration.
    pub configuration_id: String,
    /// The offer it came through.
    pub offer_id: Option<String>,
    /// What the credential endpoint accepted, as JSON (holder keys, grant claims).
    pub request: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Why it was rejected (shown to the wallet).
    pub reason: Option<String>,
    /// Claims an administrator added when approving (a JSON object).
    pub claims: Option<String>,
    /// After this the transaction is gone.
    pub expires_at: i64,
    /// When the credentials were delivered (the transaction_id is then spent).
    pub delivered_at: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// Everything Sigil persists. Object-safe so the application holds an `Arc<dyn Store>`.
/// Which kind of admin document a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// Wallet clients of the authorization code flow.
    WalletClient,
    /// The external OpenID Connect provider.
    AuthenticationProvider,
    /// Claims sources.
    ClaimSource,
}

impl DocumentKind {
    /// The `kind` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WalletClient => "wallet_client",
            Self::AuthenticationProvider => "authentication_provider",
            Self::ClaimSource => "claim_source",
        }
    }
}

/// Which mdoc certificate a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdocCertificateKind {
    /// An IACA root.
    Iaca,
    /// A Document Signer under an IACA.
    DocumentSigner,
}

impl MdocCertificateKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iaca => "iaca",
            Self::DocumentSigner => "document-signer",
        }
    }
}

/// An IACA or Document Signer certificate with its sealed private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdocCertificateRecord {
    /// Id (UUIDv7).
    pub id: String,
    /// IACA or Document Signer.
    pub kind: MdocCertificateKind,
    /// The IACA a Document Signer was issued under (`None` for an IACA).
    pub iaca_id: Option<String>,
    /// For a Document Signer: the one it succeeds (or, the first, its IACA's id). Unique, so
    /// concurrent rotations make one successor ([`StoreError::Conflict`] for the others).
    pub replaces: Option<String>,
    /// For an IACA: whether it is the one that certifies new Document Signers.
    pub active: bool,
    /// Generated by Sigil (`true`) or imported (`false`).
    pub managed: bool,
    /// The certificate, DER.
    pub certificate: Vec<u8>,
    /// Master key id of the sealed private key.
    pub private_key_key_id: String,
    /// The PKCS#8 private key, sealed.
    pub private_key_ciphertext: Vec<u8>,
    /// Certificate validity start.
    pub not_before: i64,
    /// Certificate validity end.
    pub not_after: i64,
    /// Created.
    pub created_at: i64,
    /// The key provider holding the private key.
    pub provider: String,
}

/// An admin document: validated JSON plus its secret, hashed or sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    /// Id (UUIDv7).
    pub id: String,
    /// A value unique within the table, when the kind needs one (a second row conflicts).
    pub unique_key: Option<String>,
    /// The validated request as JSON, without secrets.
    pub document: String,
    /// SHA-256 of a secret Sigil checks (a client secret).
    pub secret_hash: Option<Vec<u8>>,
    /// Master key id of `sealed`.
    pub sealed_key_id: Option<String>,
    /// Secrets Sigil must send elsewhere, sealed.
    pub sealed: Option<Vec<u8>>,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

/// An authorization-code offer: `issuer_state` is stored as SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationOfferRecord {
    /// Id.
    pub id: String,
    /// SHA-256 of `issuer_state`.
    pub issuer_state_hash: Vec<u8>,
    /// JSON array of configuration ids.
    pub configuration_ids: String,
    /// Expiry.
    pub expires_at: i64,
    /// When an authorization code was issued for it (single use).
    pub consumed_at: Option<i64>,
    /// Created.
    pub created_at: i64,
}

/// A pushed authorization request (RFC 9126), one-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequestRecord {
    /// SHA-256 of the `request_uri`.
    pub request_uri_hash: Vec<u8>,
    /// The client that pushed it.
    pub client_id: String,
    /// The parameters as a JSON object.
    pub request: String,
    /// Expiry.
    pub expires_at: i64,
}

/// A login in progress, found by the SHA-256 of its `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationSessionRecord {
    /// SHA-256 of the state.
    pub state_hash: Vec<u8>,
    /// `login`, `callback`, `hook` or `done`.
    pub stage: String,
    /// Master key id of `sealed`.
    pub sealed_key_id: String,
    /// The session, sealed.
    pub sealed: Vec<u8>,
    /// Expiry of the current stage.
    pub expires_at: i64,
    /// Created.
    pub created_at: i64,
}

/// An authorization code, stored as SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCodeRecord {
    /// SHA-256 of the code.
    pub code_hash: Vec<u8>,
    /// The client it was issued to.
    pub client_id: String,
    /// What the code grants (JSON).
    pub grant_data: String,
    /// Expiry.
    pub expires_at: i64,
    /// When it was redeemed.
    pub used_at: Option<i64>,
    /// Created.
    pub created_at: i64,
}

/// How an authorization code redemption ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// The code was unused: the token is stored.
    Redeemed,
    /// The code was already used: the tokens from its first redemption are revoked (RFC 6749
    /// §4.1.2).
    Replayed,
    /// Unknown or expired.
    Refused,
}

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// The engine behind this store.
    fn engine(&self) -> Engine;
    /// A number that changes whenever a credential configuration changes, through any node
    /// sharing the database; `None` while the store cannot tell (then every read must go to the
    /// store). Lets a node keep parsed configurations in memory without reading them per request.
    fn configurations_version(&self) -> Option<u64>;
    /// Checks the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Claims a one-time bootstrap step by name; `true` for exactly one caller ever, across
    /// processes (used to create and print the first admin token once).
    async fn claim_bootstrap(&self, name: &str, at: i64) -> Result<bool, StoreError>;

    /// Inserts an admin token.
    async fn insert_admin_token(&self, token: &AdminTokenRecord) -> Result<(), StoreError>;
    /// Finds an unrevoked admin token by hash.
    async fn find_admin_token_by_hash(
        &self,
        hash: &[u8],
    ) -> Result<Option<AdminTokenRecord>, StoreError>;
    /// All admin tokens, oldest first.
    async fn list_admin_tokens(&self) -> Result<Vec<AdminTokenRecord>, StoreError>;
    /// Revokes a token; `false` when no unrevoked token has that id.
    async fn revoke_admin_token(&self, id: &str, at: i64) -> Result<bool, StoreError>;
    /// One admin token by id (revoked ones too).
    async fn get_admin_token(&self, id: &str) -> Result<Option<AdminTokenRecord>, StoreError>;
    /// An offer's progress (`None`: unknown, deleted or purged): a pre-authorized offer, or an
    /// authorization-code offer when `authorization_code` (redeemed: the user signed in).
    async fn get_offer_progress(
        &self,
        id: &str,
        authorization_code: bool,
    ) -> Result<Option<OfferProgressRecord>, StoreError>;
    /// Credentials issued at or after `since`, counted per configuration, format and UTC day.
    async fn issuance_counts(&self, since: i64) -> Result<Vec<IssuanceCount>, StoreError>;
    /// Pre-authorized offers not redeemed: `(waiting, expired)` at `now` (expired ones count
    /// until the purge removes them).
    async fn open_offer_counts(&self, now: i64) -> Result<(i64, i64), StoreError>;

    /// The interaction hook, if configured.
    async fn get_interaction_hook(&self) -> Result<Option<InteractionHookRecord>, StoreError>;
    /// Creates or updates the hook in one statement. On update every field but the secret and
    /// `created_at` is replaced, so the secret of the first configuration is kept even when two
    /// first PUTs race. Returns the row as stored.
    async fn put_interaction_hook(
        &self,
        hook: &InteractionHookRecord,
    ) -> Result<InteractionHookRecord, StoreError>;
    /// Replaces the hook secret; `None` when no hook is configured.
    async fn rotate_interaction_hook_secret(
        &self,
        secret_key_id: &str,
        secret_ciphertext: &[u8],
        at: i64,
    ) -> Result<Option<InteractionHookRecord>, StoreError>;
    /// Removes the hook; `false` when there was none.
    async fn delete_interaction_hook(&self) -> Result<bool, StoreError>;

    /// Inserts a credential configuration (`Conflict` on a duplicate scope).
    async fn insert_credential_configuration(
        &self,
        record: &CredentialConfigurationRecord,
    ) -> Result<(), StoreError>;
    /// One credential configuration.
    async fn get_credential_configuration(
        &self,
        id: &str,
    ) -> Result<Option<CredentialConfigurationRecord>, StoreError>;
    /// Credential configurations with id greater than `after`, in id order.
    async fn list_credential_configurations(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CredentialConfigurationRecord>, StoreError>;
    /// Replaces format, scope, document and `updated_at`; `false` when the id is unknown.
    async fn update_credential_configuration(
        &self,
        record: &CredentialConfigurationRecord,
    ) -> Result<bool, StoreError>;
    /// Deletes; `false` when the id is unknown.
    async fn delete_credential_configuration(&self, id: &str) -> Result<bool, StoreError>;

    /// Inserts a user (`Conflict` on a duplicate provider and subject).
    async fn insert_user(&self, user: &UserRecord) -> Result<(), StoreError>;
    /// One user.
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Users matching `filter` with id greater than `after`, in id order.
    async fn list_users(
        &self,
        filter: &UserFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError>;
    /// Replaces provider, subject, claims and `updated_at`; `false` when the id is unknown.
    async fn update_user(&self, user: &UserRecord) -> Result<bool, StoreError>;
    /// Deletes; `false` when the id is unknown.
    async fn delete_user(&self, id: &str) -> Result<bool, StoreError>;

    /// Inserts a signing key unless an active key for its algorithm exists (two nodes starting
    /// together create one key, not two). Returns whether it was inserted.
    async fn insert_signing_key_if_absent(
        &self,
        key: &SigningKeyRecord,
    ) -> Result<bool, StoreError>;
    /// All signing keys, oldest first.
    async fn list_signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Changes whenever a key is added or retired.
    async fn signing_keys_version(&self) -> Result<SigningKeysVersion, StoreError>;
    /// In one transaction: retires the active key of `key`'s purpose and algorithm (at `now`)
    /// and inserts `key` as the active one.
    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> Result<(), StoreError>;
    /// Sets a key's certificate if it is still `expected` (compare-and-set); `true` when set.
    async fn set_signing_key_certificate(
        &self,
        kid: &str,
        expected: Option<&str>,
        certificate: &str,
    ) -> Result<bool, StoreError>;

    /// Inserts an offer and, in the same transaction, creates or updates its user.
    async fn insert_offer(&self, offer: &OfferRecord, user: &UserWrite) -> Result<(), StoreError>;
    /// The offer whose code hashes to `code_hash`.
    async fn find_offer_by_code_hash(
        &self,
        code_hash: &[u8],
    ) -> Result<Option<OfferRecord>, StoreError>;
    /// A by-reference offer, by the SHA-256 of its reference, that is neither expired nor
    /// redeemed.
    async fn find_offer_by_reference(
        &self,
        reference_hash: &[u8],
        now: i64,
    ) -> Result<Option<OfferRecord>, StoreError>;
    /// Deletes an offer; `false` when the id is unknown.
    async fn delete_offer(&self, id: &str) -> Result<bool, StoreError>;
    /// Redeems a pre-authorized code atomically: consumes it (when unexpired, unused, under the
    /// failure cap, and `tx_code_mac` matches) and stores the access token in one transaction;
    /// otherwise, when a wrong transaction code was given and the cap is not reached, counts one
    /// failure in one statement.
    async fn redeem_pre_authorized_code(
        &self,
        code_hash: &[u8],
        tx_code_mac: Option<&[u8]>,
        now: i64,
        max_failures: i64,
        token: &NewAccessToken,
    ) -> Result<Redemption, StoreError>;
    /// An unexpired access token, with its user ([`AccessTokenRecord::user`]).
    async fn find_access_token(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<AccessTokenRecord>, StoreError>;
    /// Whether a c_nonce has been spent. Issuance does not ask (the spend itself, part of the
    /// unit of work that records what the request produced, decides:
    /// [`Store::insert_issued_credentials`], [`Store::insert_deferred_issuance`]); the storage
    /// suite reads it to check what those recorded. Spent nonces are found by expiry and hash
    /// (kept in that order: see migration 0014).
    async fn nonce_spent(&self, nonce: &SpentNonce) -> Result<bool, StoreError>;
    /// Records the use of a DPoP proof (its key and jti, hashed) until it expires; `true` for
    /// exactly one caller across every node.
    async fn use_dpop_proof(&self, proof_hash: &[u8], expires_at: i64) -> Result<bool, StoreError>;
    /// Spends the request's c_nonces and records the credentials of one response, all or none:
    /// `false`, with nothing recorded, when a nonce had already been spent (by another request,
    /// on any node).
    async fn insert_issued_credentials(
        &self,
        records: &[IssuedCredentialRecord],
        nonces: &[SpentNonce],
    ) -> Result<bool, StoreError>;
    /// Records a notification on the credentials of `notification_id` obtained with the token
    /// `token_hash`; `false` when there are none.
    async fn record_notification(
        &self,
        notification_id: &str,
        token_hash: &[u8],
        notification: &NotificationRecord,
    ) -> Result<bool, StoreError>;
    /// Spends the request's c_nonces and stores a deferred issuance, both or neither: `false`
    /// when a nonce had already been spent.
    async fn insert_deferred_issuance(
        &self,
        record: &DeferredIssuanceRecord,
        nonces: &[SpentNonce],
    ) -> Result<bool, StoreError>;
    /// The undelivered, unexpired deferred issuance of a transaction id.
    async fn find_deferred_issuance(
        &self,
        transaction_hash: &[u8],
        now: i64,
    ) -> Result<Option<DeferredIssuanceRecord>, StoreError>;
    /// A deferred issuance by id (any state).
    async fn get_deferred_issuance(
        &self,
        id: &str,
    ) -> Result<Option<DeferredIssuanceRecord>, StoreError>;
    /// Undelivered, unexpired deferred issuances, oldest first.
    async fn list_deferred_issuances(
        &self,
        now: i64,
    ) -> Result<Vec<DeferredIssuanceRecord>, StoreError>;
    /// Approves or rejects a pending issuance; `false` when it is not pending (or gone).
    async fn decide_deferred_issuance(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
        claims: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Marks an issuance delivered and records its credentials in one transaction; `false` (and
    /// nothing written) when it was already delivered: a transaction id is spent once.
    async fn deliver_deferred_issuance(
        &self,
        id: &str,
        now: i64,
        credentials: &[IssuedCredentialRecord],
    ) -> Result<bool, StoreError>;
    /// One issued credential.
    async fn get_issued_credential(
        &self,
        id: &str,
    ) -> Result<Option<IssuedCredentialRecord>, StoreError>;
    /// Reserves `count` consecutive positions in the newest list of `kind` with room for them;
    /// when none has room, stores `fresh` and reserves in it. Atomic across nodes: no position
    /// is reserved twice.
    async fn reserve_status_positions(
        &self,
        kind: &str,
        count: i64,
        fresh: &StatusListRecord,
    ) -> Result<StatusPositions, StoreError>;
    /// One status list.
    async fn get_status_list(&self, id: &str) -> Result<Option<StatusListRecord>, StoreError>;
    /// Every status list, oldest first.
    async fn list_status_lists(&self) -> Result<Vec<StatusListRecord>, StoreError>;
    /// The index and status of every credential in a list that is not `valid`.
    async fn status_list_entries(&self, list_id: &str) -> Result<Vec<(i64, String)>, StoreError>;
    /// Applies status changes in one transaction, each only to a credential in a status list
    /// that is neither `revoked` nor already in the new status; records each applied change and
    /// bumps its list's version. Returns the ids of the credentials changed.
    async fn change_credential_statuses(
        &self,
        changes: &[StatusChangeRecord],
    ) -> Result<Vec<String>, StoreError>;
    /// A credential's status changes, oldest first.
    async fn list_status_changes(
        &self,
        credential_id: &str,
    ) -> Result<Vec<StatusChangeRecord>, StoreError>;
    /// A user's issued credentials, oldest first.
    async fn list_issued_credentials(
        &self,
        user_id: &str,
    ) -> Result<Vec<IssuedCredentialRecord>, StoreError>;

    /// Inserts an admin document ([`StoreError::Conflict`] on a taken `unique_key`).
    async fn insert_document(
        &self,
        kind: DocumentKind,
        record: &DocumentRecord,
    ) -> Result<(), StoreError>;
    /// One admin document.
    async fn get_document(
        &self,
        kind: DocumentKind,
        id: &str,
    ) -> Result<Option<DocumentRecord>, StoreError>;
    /// Admin documents in id order after a cursor.
    async fn list_documents(
        &self,
        kind: DocumentKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DocumentRecord>, StoreError>;
    /// Replaces an admin document's content; false when it does not exist.
    async fn update_document(
        &self,
        kind: DocumentKind,
        record: &DocumentRecord,
    ) -> Result<bool, StoreError>;
    /// Deletes an admin document; false when it did not exist.
    async fn delete_document(&self, kind: DocumentKind, id: &str) -> Result<bool, StoreError>;

    /// Stores an authorization-code offer.
    async fn insert_authorization_offer(
        &self,
        offer: &AuthorizationOfferRecord,
    ) -> Result<(), StoreError>;
    /// The unconsumed, unexpired offer with this `issuer_state` hash.
    async fn find_authorization_offer(
        &self,
        issuer_state_hash: &[u8],
        now: i64,
    ) -> Result<Option<AuthorizationOfferRecord>, StoreError>;
    /// Stores a pushed authorization request.
    async fn insert_pushed_request(&self, request: &PushedRequestRecord) -> Result<(), StoreError>;
    /// Consumes a pushed request of this client (one winner); its parameters as JSON.
    async fn take_pushed_request(
        &self,
        request_uri_hash: &[u8],
        client_id: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError>;
    /// Stores a new login session.
    async fn insert_authorization_session(
        &self,
        session: &AuthorizationSessionRecord,
    ) -> Result<(), StoreError>;
    /// A login session in any stage (expired ones too, so errors can say why).
    async fn find_authorization_session(
        &self,
        state_hash: &[u8],
    ) -> Result<Option<AuthorizationSessionRecord>, StoreError>;
    /// Moves a session from `from` to `to` while unexpired, replacing its sealed content and
    /// expiry: exactly one caller wins.
    async fn advance_authorization_session(
        &self,
        state_hash: &[u8],
        from: &str,
        to: &AuthorizationSessionRecord,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Stores an authorization code; with an offer, consumes the offer in the same transaction
    /// (false, and nothing stored, when the offer is gone).
    async fn insert_authorization_code(
        &self,
        code: &AuthorizationCodeRecord,
        offer_id: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// An unexpired authorization code, used or not.
    async fn find_authorization_code(
        &self,
        code_hash: &[u8],
        now: i64,
    ) -> Result<Option<AuthorizationCodeRecord>, StoreError>;
    /// Redeems a code and stores its access token in one transaction; on replay, revokes the
    /// tokens of the first redemption.
    async fn redeem_authorization_code(
        &self,
        code_hash: &[u8],
        now: i64,
        token: &AccessTokenRecord,
    ) -> Result<CodeRedemption, StoreError>;
    /// Deletes expired used-nonce records (those [`SPENT_NONCE_GRACE`] past expiry), access
    /// tokens and offers, and rate-limit counts of past windows; returns how many rows went.
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError>;
    /// Adds hits to shared rate-limit buckets in one statement; returns each bucket's total over
    /// every node, in the order given. Each (bucket, window) appears at most once.
    async fn add_rate_limit_hits(&self, hits: &[RateLimitHits]) -> Result<Vec<i64>, StoreError>;

    /// Stores an IACA or Document Signer. An active IACA replaces the active one in the same
    /// transaction.
    async fn insert_mdoc_certificate(
        &self,
        record: &MdocCertificateRecord,
    ) -> Result<(), StoreError>;
    /// One IACA or Document Signer.
    async fn get_mdoc_certificate(
        &self,
        kind: MdocCertificateKind,
        id: &str,
    ) -> Result<Option<MdocCertificateRecord>, StoreError>;
    /// IACAs or Document Signers in id order after a cursor.
    async fn list_mdoc_certificates(
        &self,
        kind: MdocCertificateKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MdocCertificateRecord>, StoreError>;
    /// The active IACA.
    async fn active_iaca(&self) -> Result<Option<MdocCertificateRecord>, StoreError>;
    /// The most recently created Document Signer under an IACA.
    async fn newest_document_signer(
        &self,
        iaca_id: &str,
    ) -> Result<Option<MdocCertificateRecord>, StoreError>;
    /// Activates an IACA (deactivating the others in the same transaction) or deactivates it;
    /// false when it does not exist.
    async fn set_iaca_active(&self, id: &str, active: bool) -> Result<bool, StoreError>;
    /// Deletes an IACA (with its Document Signers) or a Document Signer; false when absent.
    async fn delete_mdoc_certificate(
        &self,
        kind: MdocCertificateKind,
        id: &str,
    ) -> Result<bool, StoreError>;
}
