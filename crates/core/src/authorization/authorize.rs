//! The authorization code flow (RFC 6749 §4.1 with PKCE S256, PAR, RFC 9207 `iss`; OID4VCI 1.0
//! §5): the wallet's request → login at the authentication provider → the interaction hook
//! (seed 000) → an authorization code back to the wallet.
//!
//! Errors found before the client and its redirect URI are established are shown to the user
//! (no redirect: no open redirector, RFC 9700 §4.11.2); later ones go back to the exactly
//! registered redirect URI with `state` and `iss`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sigil_crypto::MasterKey;
use sigil_crypto::SecureRandom;
use sigil_crypto::{
    MasterKeyId, SealedBox, b64url, random_token, sha256, sign_hs256, verify_hs256,
};
use sigil_proto::admin::offer::{AuthorizationCodeOfferRequest, AuthorizationCodeOfferResponse};
use sigil_proto::oid4vci::error::description_text;
use sigil_proto::oid4vci::offer::{AuthorizationCodeGrant, CredentialOffer, Grants};
use url::Url;

use crate::Clock;
use crate::authorization::dpop::Dpop;
use crate::authorization::dpop::DpopProof;
use crate::authorization::provider_login::ProviderLogins;
use crate::authorization::provider_login::s256;
use crate::authorization::wallet_client::WalletClients;
use crate::authorization::wallet_client::{ClientCredentials, WalletClient, redirect_uri_matches};
use crate::catalogue::authentication_provider::AuthenticationProviders;
use crate::catalogue::credential_configuration::CredentialConfigurations;
use crate::catalogue::interaction_hook::InteractionHooks;
use crate::catalogue::offer::Offers;
use crate::catalogue::offer::offer_ttl;
use crate::clock::timestamp;
use crate::error::{Error, ProtocolError};
use crate::ids::new_id;
use crate::settings::Settings;
use crate::store::Store;
use crate::store::{
    AuthorizationCodeRecord, AuthorizationOfferRecord, AuthorizationSessionRecord,
    PushedRequestRecord, StoreError, UserFilter, UserRecord,
};

/// Lifetime of a pushed request (RFC 9126 §2.2; FAPI 2.0 asks for under 600 s).
pub const PAR_TTL_SECS: i64 = 90;
/// Time a user has to log in at the provider.
pub const LOGIN_TTL_SECS: i64 = 900;
/// Lifetime of an authorization code (RFC 6749 §4.1.2; FAPI 2.0: at most 60 s).
pub const CODE_TTL_SECS: i64 = 60;
/// Default lifetime of an authorization-code offer.
pub const OFFER_DEFAULT_TTL_SECS: i64 = 86_400;
/// Longest lifetime of an authorization-code offer.
pub const OFFER_MAX_TTL_SECS: i64 = 30 * 86_400;
/// Path of the hook's return (seed 000).
pub fn hook_callback_path(state: &str) -> String {
    format!("/core/v1/oauth/interaction/{state}/interactionhook/callback")
}
const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// Clock skew tolerated on the hook's `iat`, seconds.
const HOOK_LEEWAY: i64 = 60;

/// Where the user agent goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Navigation {
    /// A 303 to this URL.
    Redirect(String),
    /// An error shown to the user (nothing is sent to the wallet).
    Page(ErrorPage),
}

/// An error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    /// HTTP status.
    pub status: u16,
    /// Short title.
    pub title: String,
    /// What happened and what to do.
    pub message: String,
}

fn page(title: &str, message: impl Into<String>) -> Navigation {
    Navigation::Page(ErrorPage {
        status: 400,
        title: title.into(),
        message: message.into(),
    })
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Validated {
    redirect_uri: String,
    redirect_uri_sent: bool,
    state: Option<String>,
    code_challenge: String,
    configuration_ids: Vec<String>,
    scopes: Vec<String>,
    identifiers: bool,
    offer_id: Option<String>,
    forwarded: BTreeMap<String, String>,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code is bound to.
    #[serde(default)]
    dpop_jkt: Option<String>,
}

/// The login in progress, sealed in `authorization_sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LoginSession {
    client_id: String,
    request: Validated,
    provider_nonce: String,
    provider_verifier: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    provider_url: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    claims: Map<String, Value>,
}

/// What an authorization code grants (stored with the code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CodeGrant {
    pub redirect_uri: String,
    pub redirect_uri_sent: bool,
    pub code_challenge: String,
    pub user_id: String,
    pub configuration_ids: Vec<String>,
    pub identifiers: bool,
    pub claims: Map<String, Value>,
    pub offer_id: Option<String>,
    #[serde(default)]
    pub dpop_jkt: Option<String>,
}

type Params = BTreeMap<String, String>;

/// Collects parameters, refusing repeats (RFC 6749 §3.1).
fn collect(pairs: Vec<(String, String)>) -> Result<Params, String> {
    let mut out = Params::new();
    for (k, v) in pairs {
        if out.insert(k.clone(), v).is_some() {
            return Err(format!("parameter {k} is repeated"));
        }
    }
    Ok(out)
}

/// `redirect_uri` with `params` added to its query.
fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(base) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.to_string()
        }
        Err(_) => base.to_string(),
    }
}

fn session_context(state_hash: &[u8]) -> String {
    format!("authorization-session:{}", b64url::encode(state_hash))
}

/// RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
fn is_pkce_text(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// The checks of an authorization-code offer that need no storage; its lifetime.
pub fn check_authorization_code_offer(
    p: &mut crate::validation::Problems,
    request: &AuthorizationCodeOfferRequest,
) -> i64 {
    crate::catalogue::offer::check_offered_ids(p, &request.credentials);
    offer_ttl(
        p,
        request.expires_in.as_ref(),
        OFFER_DEFAULT_TTL_SECS,
        OFFER_MAX_TTL_SECS,
        "30 days",
    )
}

/// Pushed authorization requests, the authorization endpoint, the provider and hook callbacks, authorization codes.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) clients: Arc<WalletClients>,
    pub(crate) dpop: Arc<Dpop>,
    pub(crate) provider_login: Arc<ProviderLogins>,
    pub(crate) providers: Arc<AuthenticationProviders>,
    pub(crate) hook: Arc<InteractionHooks>,
    pub(crate) offers: Arc<Offers>,
    pub(crate) configurations: Arc<CredentialConfigurations>,
}

impl Authorization {
    /// `POST /v1/openid/offers`: an authorization-code offer whose `issuer_state` binds the
    /// wallet's authorization request to it.
    pub async fn create_authorization_code_offer(
        &self,
        request: &AuthorizationCodeOfferRequest,
    ) -> Result<AuthorizationCodeOfferResponse, Error> {
        let mut p = crate::validation::Problems::default();
        let ttl = check_authorization_code_offer(&mut p, request);
        p.finish(())?;
        self.offers
            .check_offered_configurations(&request.credentials)
            .await?;
        let now = self.clock.now();
        let id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let issuer_state = random_token(self.rng.as_ref(), "")?;
        self.store
            .insert_authorization_offer(&AuthorizationOfferRecord {
                id: id.clone(),
                issuer_state_hash: sha256(issuer_state.as_bytes()).to_vec(),
                configuration_ids: serde_json::to_string(&request.credentials)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                expires_at: now + ttl,
                consumed_at: None,
                created_at: now,
            })
            .await?;
        let offer = CredentialOffer {
            credential_issuer: self.issuer().to_string(),
            credential_configuration_ids: request.credentials.clone(),
            grants: Grants {
                pre_authorized_code: None,
                authorization_code: Some(AuthorizationCodeGrant { issuer_state }),
            },
        };
        let json = serde_json::to_string(&offer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let encoded: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
        Ok(AuthorizationCodeOfferResponse {
            id,
            uri: format!("openid-credential-offer://?credential_offer={encoded}"),
            expires_at: timestamp(now + ttl),
        })
    }

    /// Checks the request parameters shared by PAR and the authorization endpoint, once the
    /// client and redirect URI are known. Errors are (code, description).
    async fn validate_authorization(
        &self,
        params: &Params,
        redirect_uri: String,
        redirect_uri_sent: bool,
        forwardable: &[String],
    ) -> Result<Validated, (ProtocolError, String)> {
        use ProtocolError::{
            InvalidAuthorizationDetails, InvalidRequest, InvalidScope, UnsupportedResponseType,
        };
        let bad = |code: ProtocolError, why: &str| (code, why.to_string());
        match params.get("response_type").map(String::as_str) {
            Some("code") => {}
            None => return Err(bad(InvalidRequest, "response_type is required")),
            Some(_) => return Err(bad(UnsupportedResponseType, "response_type must be code")),
        }
        if params.contains_key("request") {
            return Err(bad(InvalidRequest, "request objects are not supported"));
        }
        let challenge = params.get("code_challenge").ok_or_else(|| {
            bad(
                InvalidRequest,
                "code_challenge is required (PKCE with S256)",
            )
        })?;
        match params.get("code_challenge_method").map(String::as_str) {
            Some("S256") => {}
            None => {
                return Err(bad(
                    InvalidRequest,
                    "code_challenge_method must be S256 (the default, plain, is not accepted)",
                ));
            }
            Some(_) => return Err(bad(InvalidRequest, "code_challenge_method must be S256")),
        }
        if challenge.len() != 43 || b64url::decode(challenge).is_none_or(|b| b.len() != 32) {
            return Err(bad(
                InvalidRequest,
                "code_challenge must be the 43-character base64url SHA-256 of the verifier",
            ));
        }
        let configs = self
            .configurations
            .all_credential_configurations()
            .await
            .map_err(|e| (ProtocolError::UpstreamFailure, e.to_string()))?;
        let mut ids: Vec<String> = Vec::new();
        let mut scopes: Vec<String> = Vec::new();
        if let Some(scope) = params.get("scope") {
            for s in scope.split(' ').filter(|s| !s.is_empty()) {
                if s == "openid" {
                    continue;
                }
                let c = configs.iter().find(|c| c.scope == s).ok_or_else(|| {
                    (
                        InvalidScope,
                        "a scope names no credential configuration of this issuer".into(),
                    )
                })?;
                if !ids.contains(&c.id) {
                    ids.push(c.id.clone());
                }
            }
        }
        let mut identifiers = false;
        if let Some(details) = params.get("authorization_details") {
            let list: Vec<Value> = serde_json::from_str(details).map_err(|_| {
                bad(
                    InvalidAuthorizationDetails,
                    "authorization_details must be a JSON array",
                )
            })?;
            if list.is_empty() {
                return Err(bad(
                    InvalidAuthorizationDetails,
                    "authorization_details is empty",
                ));
            }
            for d in &list {
                if d.get("type").and_then(Value::as_str) != Some("openid_credential") {
                    return Err(bad(
                        InvalidAuthorizationDetails,
                        "each authorization_details entry must have type openid_credential",
                    ));
                }
                let id = d
                    .get("credential_configuration_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        bad(
                            InvalidAuthorizationDetails,
                            "credential_configuration_id is required",
                        )
                    })?;
                if let Some(locations) = d.get("locations") {
                    let ours = locations
                        .as_array()
                        .is_some_and(|l| l.iter().all(|x| x.as_str() == Some(self.issuer())));
                    if !ours {
                        return Err(bad(
                            InvalidAuthorizationDetails,
                            "locations must name only this credential issuer",
                        ));
                    }
                }
                if !configs.iter().any(|c| c.id == id) {
                    return Err((
                        InvalidAuthorizationDetails,
                        "an authorization_details entry names an unknown credential_configuration_id".into(),
                    ));
                }
                if !ids.iter().any(|x| x == id) {
                    ids.push(id.to_string());
                }
            }
            identifiers = true;
        }
        let mut offer_id = None;
        if let Some(issuer_state) = params.get("issuer_state") {
            let offer = self
                .store
                .find_authorization_offer(&sha256(issuer_state.as_bytes()), self.clock.now())
                .await
                .map_err(|e| (ProtocolError::UpstreamFailure, e.to_string()))?
                .ok_or_else(|| {
                    bad(
                        InvalidRequest,
                        "issuer_state is unknown, expired or already used",
                    )
                })?;
            let offered: Vec<String> = serde_json::from_str(&offer.configuration_ids)
                .map_err(|e| (ProtocolError::UpstreamFailure, e.to_string()))?;
            if ids.is_empty() {
                ids = offered.clone();
            }
            if ids.iter().any(|id| !offered.contains(id)) {
                return Err((
                    InvalidScope,
                    "a requested credential configuration is not part of the offer".into(),
                ));
            }
            offer_id = Some(offer.id);
        }
        if ids.is_empty() {
            return Err(bad(
                InvalidRequest,
                "request a credential with scope or authorization_details (or issuer_state)",
            ));
        }
        for id in &ids {
            if let Some(c) = configs.iter().find(|c| &c.id == id) {
                scopes.push(c.scope.clone());
            }
        }
        let forwarded = forwardable
            .iter()
            .filter_map(|name| params.get(name).map(|v| (name.clone(), v.clone())))
            .collect();
        // RFC 9449 §10: a base64url SHA-256 thumbprint.
        let dpop_jkt = params.get("dpop_jkt").cloned();
        if dpop_jkt
            .as_deref()
            .is_some_and(|j| b64url::decode(j).is_none_or(|b| b.len() != 32))
        {
            return Err(bad(
                InvalidRequest,
                "dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key",
            ));
        }
        Ok(Validated {
            dpop_jkt,
            redirect_uri,
            redirect_uri_sent,
            state: params.get("state").cloned(),
            code_challenge: challenge.clone(),
            configuration_ids: ids,
            scopes,
            identifiers,
            offer_id,
            forwarded,
        })
    }

    /// The redirect URI for this request: the one sent, if registered exactly; else the only
    /// registered one.
    pub(crate) fn resolve_redirect_uri(
        client: &WalletClient,
        params: &Params,
    ) -> Result<(String, bool), String> {
        match params.get("redirect_uri") {
            Some(uri) if redirect_uri_matches(client, uri) => Ok((uri.clone(), true)),
            Some(_) => Err("redirect_uri is not registered for this client".into()),
            None => match client.redirect_uris.as_slice() {
                [only] => Ok((only.clone(), false)),
                _ => Err("redirect_uri is required: this client has several".into()),
            },
        }
    }

    pub(crate) async fn forwardable_parameters(&self) -> Vec<String> {
        match self.providers.active_provider().await {
            Ok(Some((p, _))) => p.forwarded_request_parameters,
            _ => Vec::new(),
        }
    }

    /// `POST /v1/oauth/par` (RFC 9126): validates and stores the request; returns its
    /// `request_uri` and lifetime.
    pub async fn push_authorization_request(
        &self,
        credentials: &ClientCredentials,
        pairs: Vec<(String, String)>,
    ) -> Result<(String, i64), Error> {
        let invalid = |why: String| Error::protocol(ProtocolError::InvalidRequest, why);
        let params = collect(pairs).map_err(invalid)?;
        let client = self.clients.authenticate_client(credentials).await?;
        if params.contains_key("request_uri") {
            return Err(invalid(
                "request_uri must not be pushed (RFC 9126 §2.1)".into(),
            ));
        }
        let (redirect_uri, sent) = Self::resolve_redirect_uri(&client, &params).map_err(invalid)?;
        let forwardable = self.forwardable_parameters().await;
        self.validate_authorization(&params, redirect_uri, sent, &forwardable)
            .await
            .map_err(|(code, why)| Error::protocol(code, why))?;
        let mut stored = params;
        stored.remove("client_secret");
        stored.insert("client_id".into(), client.id.clone());
        let request_uri = format!(
            "{REQUEST_URI_PREFIX}{}",
            random_token(self.rng.as_ref(), "")?
        );
        let now = self.clock.now();
        self.store
            .insert_pushed_request(&PushedRequestRecord {
                request_uri_hash: sha256(request_uri.as_bytes()).to_vec(),
                client_id: client.id,
                request: serde_json::to_string(&stored)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                expires_at: now + PAR_TTL_SECS,
            })
            .await?;
        Ok((request_uri, PAR_TTL_SECS))
    }

    pub(crate) fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        code: ProtocolError,
        description: &str,
    ) -> Navigation {
        let description = description_text(description);
        let mut params = vec![
            ("error", code.as_str()),
            ("error_description", description.as_str()),
        ];
        if let Some(state) = state {
            params.push(("state", state));
        }
        params.push(("iss", self.issuer()));
        Navigation::Redirect(with_query(redirect_uri, &params))
    }

    /// `GET /v1/oauth/authorize`: sends the user to the authentication provider.
    pub async fn authorize(&self, pairs: Vec<(String, String)>) -> Result<Navigation, Error> {
        let params = match collect(pairs) {
            Ok(p) => p,
            Err(why) => return Ok(page("Invalid request", why)),
        };
        let Some(client_id) = params.get("client_id").cloned() else {
            return Ok(page("Invalid request", "client_id is required."));
        };
        let client = match self.clients.client(&client_id).await {
            Ok(c) => c,
            Err(Error::NotFound(_)) => {
                return Ok(page(
                    "Unknown wallet",
                    "The wallet (client_id) is not registered with this issuer.",
                ));
            }
            Err(e) => return Err(e),
        };
        let params = match params.get("request_uri") {
            None => params,
            Some(uri) => {
                let taken = self
                    .store
                    .take_pushed_request(&sha256(uri.as_bytes()), &client.id, self.clock.now())
                    .await?;
                let Some(json) = taken else {
                    return Ok(page(
                        "Invalid request",
                        "The request_uri is unknown, expired, already used, or belongs to another client. Start again from your wallet.",
                    ));
                };
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
        };
        let (redirect_uri, sent) = match Self::resolve_redirect_uri(&client, &params) {
            Ok(r) => r,
            Err(why) => return Ok(page("Invalid redirect URI", why)),
        };
        let state = params.get("state").cloned();
        let forwardable = self.forwardable_parameters().await;
        let request = match self
            .validate_authorization(&params, redirect_uri.clone(), sent, &forwardable)
            .await
        {
            Ok(v) => v,
            Err((code, why)) => {
                return Ok(self.error_redirect(&redirect_uri, state.as_deref(), code, &why));
            }
        };
        let fail = |why: String| {
            self.error_redirect(
                &redirect_uri,
                state.as_deref(),
                ProtocolError::ServerError,
                &why,
            )
        };
        let Some((provider, _)) = self.providers.active_provider().await? else {
            return Ok(fail("no authentication provider is configured".into()));
        };
        let meta = match self.provider_login.discover(&provider).await {
            Ok(m) => m,
            Err(why) => return Ok(fail(why)),
        };
        let login_state = random_token(self.rng.as_ref(), "")?;
        let session = LoginSession {
            client_id: client.id.clone(),
            request,
            provider_nonce: random_token(self.rng.as_ref(), "")?,
            provider_verifier: random_token(self.rng.as_ref(), "")?,
            user_id: None,
            provider_url: None,
            subject: None,
            claims: Map::new(),
        };
        let now = self.clock.now();
        let record =
            self.seal_session(&login_state, "login", &session, now + LOGIN_TTL_SECS, now)?;
        self.store.insert_authorization_session(&record).await?;
        let Ok(mut url) = Url::parse(&meta.authorization_endpoint) else {
            return Ok(fail(
                "the provider's authorization endpoint is not a URL".into(),
            ));
        };
        {
            let mut q = url.query_pairs_mut();
            for (name, value) in &provider.static_request_parameters {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                q.append_pair(name, &text);
            }
            for (name, value) in &session.request.forwarded {
                q.append_pair(name, value);
            }
            q.append_pair("response_type", "code")
                .append_pair("client_id", &provider.client_id)
                .append_pair("redirect_uri", &self.providers.provider_redirect_uri())
                .append_pair("scope", &provider.scope.join(" "))
                .append_pair("state", &login_state)
                .append_pair("nonce", &session.provider_nonce)
                .append_pair("code_challenge", &s256(&session.provider_verifier))
                .append_pair("code_challenge_method", "S256");
        }
        Ok(Navigation::Redirect(url.to_string()))
    }

    fn seal_session(
        &self,
        state: &str,
        stage: &str,
        session: &LoginSession,
        expires_at: i64,
        now: i64,
    ) -> Result<AuthorizationSessionRecord, Error> {
        let state_hash = sha256(state.as_bytes()).to_vec();
        let json = serde_json::to_vec(session).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sealed =
            self.master_key
                .seal(self.rng.as_ref(), &session_context(&state_hash), &json)?;
        Ok(AuthorizationSessionRecord {
            state_hash,
            stage: stage.into(),
            sealed_key_id: sealed.key_id.to_string(),
            sealed: sealed.bytes,
            expires_at,
            created_at: now,
        })
    }

    fn open_session(&self, record: &AuthorizationSessionRecord) -> Result<LoginSession, Error> {
        let plain = self.master_key.open(
            &session_context(&record.state_hash),
            &SealedBox {
                key_id: MasterKeyId::new(record.sealed_key_id.clone()),
                bytes: record.sealed.clone(),
            },
        )?;
        serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("authorization session: {e}")).into())
    }

    /// Finds the session of `state` in `stage`, or the page explaining why not.
    async fn session_in(
        &self,
        state: &str,
        stage: &str,
    ) -> Result<Result<(AuthorizationSessionRecord, LoginSession), Navigation>, Error> {
        let Some(record) = self
            .store
            .find_authorization_session(&sha256(state.as_bytes()))
            .await?
        else {
            return Ok(Err(page(
                "Unknown session",
                "This sign-in session is unknown or has been cleaned up. Start again from your wallet.",
            )));
        };
        if record.expires_at <= self.clock.now() {
            return Ok(Err(page(
                "Session expired",
                "This sign-in session has expired. Start again from your wallet.",
            )));
        }
        if record.stage != stage {
            return Ok(Err(page(
                "Session already used",
                "This step of the sign-in has already been completed. Start again from your wallet.",
            )));
        }
        let session = self.open_session(&record)?;
        Ok(Ok((record, session)))
    }

    /// `GET /v1/oauth/authentication/callback`: the provider's answer.
    pub async fn authentication_callback(
        &self,
        pairs: Vec<(String, String)>,
    ) -> Result<Navigation, Error> {
        let params = match collect(pairs) {
            Ok(p) => p,
            Err(why) => return Ok(page("Invalid request", why)),
        };
        let Some(state) = params.get("state").cloned() else {
            return Ok(page(
                "Invalid request",
                "The identity provider's answer has no state.",
            ));
        };
        let (record, mut session) = match self.session_in(&state, "login").await? {
            Ok(found) => found,
            Err(nav) => return Ok(nav),
        };
        let now = self.clock.now();
        // Consume the login step: a replayed provider answer finds no session in `login`.
        let consumed = AuthorizationSessionRecord {
            stage: "callback".into(),
            expires_at: now + LOGIN_TTL_SECS,
            ..record.clone()
        };
        if !self
            .store
            .advance_authorization_session(&record.state_hash, "login", &consumed, now)
            .await?
        {
            return Ok(page(
                "Session already used",
                "This sign-in was already completed. Start again from your wallet.",
            ));
        }
        let r = session.request.clone();
        let fail = |code: ProtocolError, why: String| {
            self.error_redirect(&r.redirect_uri, r.state.as_deref(), code, &why)
        };
        if let Some(error) = params.get("error") {
            let description = params
                .get("error_description")
                .map(String::as_str)
                .unwrap_or("");
            // The provider's words are logged, not passed on: they are another server's input.
            tracing::info!(
                error,
                description,
                "the authentication provider refused the login"
            );
            return Ok(fail(
                ProtocolError::AccessDenied,
                "the user was not authenticated at the authentication provider".into(),
            ));
        }
        let Some((provider, secret)) = self.providers.active_provider().await? else {
            return Ok(fail(
                ProtocolError::ServerError,
                "no authentication provider is configured".into(),
            ));
        };
        let meta = match self.provider_login.discover(&provider).await {
            Ok(m) => m,
            Err(why) => return Ok(fail(ProtocolError::ServerError, why)),
        };
        // RFC 9207 §2.4: when the provider names itself, it must be the provider we sent the user to.
        if let Some(iss) = params.get("iss")
            && iss != &meta.issuer
        {
            return Ok(fail(
                ProtocolError::AccessDenied,
                "the answer came from another identity provider (iss mismatch)".into(),
            ));
        }
        let Some(code) = params.get("code") else {
            return Ok(fail(
                ProtocolError::AccessDenied,
                "the identity provider returned no code".into(),
            ));
        };
        let login = match self
            .provider_login
            .provider_login(
                &provider,
                &secret,
                &meta,
                code,
                &session.provider_verifier,
                &session.provider_nonce,
            )
            .await
        {
            Ok(l) => l,
            Err(why) => return Ok(fail(ProtocolError::ServerError, why)),
        };
        let user = self
            .provider_user(
                &provider.url,
                &login.subject,
                &login.claims,
                &provider.claims_to_persist,
            )
            .await?;
        let mut claims = match serde_json::from_str::<Value>(&user.claims) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        claims.extend(login.claims);
        session.user_id = Some(user.id.clone());
        session.provider_url = Some(provider.url.clone());
        session.subject = Some(login.subject.clone());
        session.claims = claims;

        let hook = self.store.get_interaction_hook().await?;
        match hook.filter(|h| !h.disabled) {
            None => self.finish_login(&state, "callback", &session).await,
            Some(hook) => {
                let secret = self.hook.open_hook_secret(&hook)?;
                let names: Vec<String> = serde_json::from_str(&hook.claims)
                    .map_err(|e| StoreError::Corrupt(format!("interaction hook claims: {e}")))?;
                let timeout = hook
                    .session_timeout_secs
                    .unwrap_or(crate::catalogue::interaction_hook::SESSION_TIMEOUT_DEFAULT);
                let mut payload = Map::new();
                payload.insert("state".into(), Value::from(state.clone()));
                payload.insert("scopes".into(), Value::from(session.request.scopes.clone()));
                let selected: Map<String, Value> = names
                    .iter()
                    .filter_map(|n| session.claims.get(n).map(|v| (n.clone(), v.clone())))
                    .collect();
                payload.insert("claims".into(), Value::Object(selected));
                payload.insert(
                    "authenticationProvider".into(),
                    serde_json::json!({ "url": provider.url, "subjectId": login.subject }),
                );
                payload.insert(
                    "redirectUrl".into(),
                    Value::from(format!("{}{}", self.issuer(), hook_callback_path(&state))),
                );
                payload.insert("sub".into(), Value::from(user.id.clone()));
                payload.insert("aud".into(), Value::from(hook.url.clone()));
                payload.insert("iss".into(), Value::from(self.issuer()));
                payload.insert("iat".into(), Value::from(now));
                payload.insert("exp".into(), Value::from(now + timeout));
                let token = sign_hs256(&secret, &payload);
                let at_hook = self.seal_session(&state, "hook", &session, now + timeout, now)?;
                if !self
                    .store
                    .advance_authorization_session(&at_hook.state_hash, "callback", &at_hook, now)
                    .await?
                {
                    return Ok(page(
                        "Session already used",
                        "This sign-in was already completed.",
                    ));
                }
                Ok(Navigation::Redirect(with_query(
                    &hook.url,
                    &[("session_token", &token)],
                )))
            }
        }
    }

    /// `GET /core/v1/oauth/interaction/{state}/interactionhook/callback` (seed 000): the hook's
    /// signed answer, with claims to merge or an error for the wallet.
    pub async fn interaction_hook_callback(
        &self,
        state: &str,
        pairs: Vec<(String, String)>,
    ) -> Result<Navigation, Error> {
        let params = match collect(pairs) {
            Ok(p) => p,
            Err(why) => return Ok(page("Invalid request", why)),
        };
        let Some(token) = params.get("session_token") else {
            return Ok(page(
                "Invalid request",
                "The interaction hook sent no session_token.",
            ));
        };
        let (_, mut session) = match self.session_in(state, "hook").await? {
            Ok(found) => found,
            Err(nav) => return Ok(nav),
        };
        let Some(hook) = self.store.get_interaction_hook().await? else {
            return Ok(page(
                "Interaction unavailable",
                "The interaction hook is no longer configured. Start again from your wallet.",
            ));
        };
        let secret = self.hook.open_hook_secret(&hook)?;
        let rejected = |why: &str| {
            page(
                "Verification failed",
                format!(
                    "The answer of the interaction step was rejected: {why}. Start again from your wallet."
                ),
            )
        };
        let payload = match verify_hs256(&secret, token) {
            Ok(p) => p,
            Err(e) => return Ok(rejected(&e.to_string())),
        };
        if payload.get("state").and_then(Value::as_str) != Some(state) {
            return Ok(rejected("it belongs to another session (state)"));
        }
        let now = self.clock.now();
        match payload.get("exp").and_then(Value::as_i64) {
            Some(exp) if exp > now => {}
            Some(_) => return Ok(rejected("it has expired")),
            None => return Ok(rejected("it has no exp")),
        }
        if payload
            .get("iat")
            .and_then(Value::as_i64)
            .is_some_and(|iat| iat > now + HOOK_LEEWAY)
        {
            return Ok(rejected("it was issued in the future"));
        }
        if let Some(error) = payload.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("the interaction hook refused the issuance")
                .to_string();
            let done = self.seal_session(state, "done", &session, now + CODE_TTL_SECS, now)?;
            if !self
                .store
                .advance_authorization_session(&done.state_hash, "hook", &done, now)
                .await?
            {
                return Ok(page(
                    "Session already used",
                    "This step was already completed.",
                ));
            }
            let r = &session.request;
            return Ok(self.error_redirect(
                &r.redirect_uri,
                r.state.as_deref(),
                ProtocolError::AccessDenied,
                &message,
            ));
        }
        match payload.get("claims") {
            None | Some(Value::Null) => {}
            Some(Value::Object(claims)) => session.claims.extend(claims.clone()),
            Some(_) => return Ok(rejected("claims must be a JSON object")),
        }
        self.finish_login(state, "hook", &session).await
    }

    /// Ends the login: consumes the session (and the offer), stores the code, and sends the
    /// user back to the wallet.
    async fn finish_login(
        &self,
        state: &str,
        from: &str,
        session: &LoginSession,
    ) -> Result<Navigation, Error> {
        let now = self.clock.now();
        let done = self.seal_session(state, "done", session, now + CODE_TTL_SECS, now)?;
        if !self
            .store
            .advance_authorization_session(&done.state_hash, from, &done, now)
            .await?
        {
            return Ok(page(
                "Session already used",
                "This step was already completed. Start again from your wallet.",
            ));
        }
        let r = &session.request;
        let Some(user_id) = session.user_id.clone() else {
            return Err(StoreError::Corrupt("login session without a user".into()).into());
        };
        let grant = CodeGrant {
            redirect_uri: r.redirect_uri.clone(),
            redirect_uri_sent: r.redirect_uri_sent,
            code_challenge: r.code_challenge.clone(),
            user_id,
            configuration_ids: r.configuration_ids.clone(),
            identifiers: r.identifiers,
            claims: session.claims.clone(),
            offer_id: r.offer_id.clone(),
            dpop_jkt: r.dpop_jkt.clone(),
        };
        let code = random_token(self.rng.as_ref(), "")?;
        let stored = self
            .store
            .insert_authorization_code(
                &AuthorizationCodeRecord {
                    code_hash: sha256(code.as_bytes()).to_vec(),
                    client_id: session.client_id.clone(),
                    grant_data: serde_json::to_string(&grant)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    expires_at: now + CODE_TTL_SECS,
                    used_at: None,
                    created_at: now,
                },
                r.offer_id.as_deref(),
                now,
            )
            .await?;
        if !stored {
            return Ok(self.error_redirect(
                &r.redirect_uri,
                r.state.as_deref(),
                ProtocolError::InvalidRequest,
                "the credential offer has expired or was already used",
            ));
        }
        let mut params = vec![("code", code.as_str())];
        if let Some(s) = r.state.as_deref() {
            params.push(("state", s));
        }
        params.push(("iss", self.issuer()));
        Ok(Navigation::Redirect(with_query(&r.redirect_uri, &params)))
    }

    /// Finds or creates the user known by (provider, subject) and saves `claims_to_persist`.
    pub(crate) async fn provider_user(
        &self,
        provider_url: &str,
        subject: &str,
        claims: &Map<String, Value>,
        to_persist: &[String],
    ) -> Result<UserRecord, Error> {
        let filter = UserFilter {
            provider_url: Some(provider_url.to_string()),
            subject_id: Some(subject.to_string()),
        };
        let persisted: Map<String, Value> = to_persist
            .iter()
            .filter_map(|k| claims.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        let now = self.clock.now();
        for _ in 0..2 {
            if let Some(mut user) = self
                .store
                .list_users(&filter, None, 1)
                .await?
                .into_iter()
                .next()
            {
                if !persisted.is_empty() {
                    let mut merged = match serde_json::from_str::<Value>(&user.claims) {
                        Ok(Value::Object(m)) => m,
                        _ => Map::new(),
                    };
                    let before = merged.clone();
                    merged.extend(persisted.clone());
                    if merged != before {
                        user.claims = serde_json::to_string(&merged)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        user.updated_at = now;
                        self.store.update_user(&user).await?;
                    }
                }
                return Ok(user);
            }
            let user = UserRecord {
                id: new_id(self.clock.as_ref(), self.rng.as_ref())?,
                provider_url: Some(provider_url.to_string()),
                subject_id: Some(subject.to_string()),
                claims: serde_json::to_string(&persisted)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                created_at: now,
                updated_at: now,
            };
            match self.store.insert_user(&user).await {
                Ok(()) => return Ok(user),
                // Another login created the same user first: read it back.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict("user (provider, subject)".into()).into())
    }

    /// The authorization code grant of the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6).
    /// A failed client, redirect URI or PKCE check leaves the code unused (SECURITY D12);
    /// a second redemption revokes the tokens of the first.
    pub(crate) async fn redeem_authorization_code(
        &self,
        client: &WalletClient,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        dpop: Option<&DpopProof>,
    ) -> Result<RedeemedCode, Error> {
        use ProtocolError::InvalidGrant;
        let refused = |why: &str| Error::protocol(InvalidGrant, why.to_string());
        if code.is_empty() || code.len() > 512 {
            return Err(refused(
                "the authorization code is invalid, expired or already used",
            ));
        }
        let code_hash = sha256(code.as_bytes());
        let now = self.clock.now();
        let record = self
            .store
            .find_authorization_code(&code_hash, now)
            .await?
            .ok_or_else(|| refused("the authorization code is invalid, expired or already used"))?;
        let grant: CodeGrant = serde_json::from_str(&record.grant_data)
            .map_err(|e| StoreError::Corrupt(format!("authorization code: {e}")))?;
        if record.client_id != client.id {
            return Err(refused(
                "the authorization code was issued to another client",
            ));
        }
        match redirect_uri {
            Some(uri) if uri == grant.redirect_uri => {}
            None if !grant.redirect_uri_sent => {}
            Some(_) => {
                return Err(refused(
                    "redirect_uri differs from the authorization request's",
                ));
            }
            None => {
                return Err(refused(
                    "redirect_uri is required: the authorization request had one",
                ));
            }
        }
        let verifier = verifier.ok_or_else(|| refused("code_verifier is required (PKCE)"))?;
        if !is_pkce_text(verifier) || s256(verifier) != grant.code_challenge {
            return Err(refused("code_verifier does not match the code_challenge"));
        }
        // RFC 9449 §10: a code bound by dpop_jkt is redeemed only with that key's proof.
        let dpop_jkt = self.dpop.dpop_binding(dpop, grant.dpop_jkt.as_deref())?;
        if let Some(proof) = dpop {
            self.dpop.spend_dpop_proof(proof).await?;
        }
        let token = random_token(self.rng.as_ref(), "")?;
        let ttl = self.settings().oauth.access_token_ttl;
        let identifiers = grant.identifiers.then(|| grant.configuration_ids.clone());
        let record = crate::store::AccessTokenRecord {
            token_hash: sha256(token.as_bytes()).to_vec(),
            user_id: grant.user_id.clone(),
            offer_id: grant.offer_id.clone(),
            configuration_ids: serde_json::to_string(&grant.configuration_ids)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            claims: Some(
                serde_json::to_string(&grant.claims)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
            client_id: Some(client.id.clone()),
            authorization_code_hash: Some(code_hash.to_vec()),
            credential_identifiers: identifiers
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            dpop_jkt: dpop_jkt.clone(),
            expires_at: now + ttl,
            created_at: now,
            user: None,
        };
        match self
            .store
            .redeem_authorization_code(&code_hash, now, &record)
            .await?
        {
            crate::store::CodeRedemption::Redeemed => {}
            crate::store::CodeRedemption::Replayed => {
                return Err(refused(
                    "the authorization code was already used; the tokens issued for it are revoked",
                ));
            }
            crate::store::CodeRedemption::Refused => {
                return Err(refused(
                    "the authorization code is invalid, expired or already used",
                ));
            }
        }
        let details = identifiers.map(|ids| {
            ids.iter()
                .map(|id| {
                    serde_json::json!({
                        "type": "openid_credential",
                        "credential_configuration_id": id,
                        "credential_identifiers": [id],
                    })
                })
                .collect()
        });
        Ok(RedeemedCode {
            access_token: token,
            expires_in: ttl,
            authorization_details: details,
            dpop_jkt,
        })
    }
}

/// What redeeming an authorization code produced.
#[derive(Debug)]
pub(crate) struct RedeemedCode {
    pub access_token: String,
    pub expires_in: i64,
    pub authorization_details: Option<Vec<Value>>,
    pub dpop_jkt: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(collect(vec![("a".into(), "1".into()), ("a".into(), "2".into())]).is_err());
        assert!(collect(vec![("a".into(), "1".into()), ("b".into(), "2".into())]).is_ok());
    }

    #[test]
    fn pkce_verifier_charset_and_length() {
        assert!(is_pkce_text(&"a".repeat(43)));
        assert!(is_pkce_text(&"A-._~9".repeat(10)));
        assert!(!is_pkce_text(&"a".repeat(42)));
        assert!(!is_pkce_text(&"a".repeat(129)));
        assert!(!is_pkce_text(&format!("{}+", "a".repeat(43))));
    }
}
