//! Claims sources (seed 003): an external API Sigil queries at issuance for more user claims.
//! Parameters come from the user's claims and the credential configuration; the answer (a JSON
//! object) is merged into the claims before the claim mappings run. Secrets are sealed at rest
//! and masked in responses.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sigil_crypto::SecureRandom;
use sigil_crypto::b64;
use sigil_proto::admin::claim_source::{
    ClaimSourceAuthorization, ClaimSourceOutcome, ClaimSourceRequest, ClaimSourceResponse,
    ClaimSourceTestResponse, RequestParameter,
};
use sigil_proto::admin::page::Page;
use url::Url;

use crate::Clock;
use crate::caches::Caches;
use crate::catalogue::authentication_provider::MASK;
use crate::catalogue::credential_configuration::CredentialConfiguration;
use crate::document::Documents;
use crate::document::{from_json, to_json};
use crate::error::{Error, ProtocolError, Resource};
use crate::ids::new_id;
use crate::outbound::HttpClient;
use crate::outbound::form_encode;
use crate::outbound::{Body, Request};
use crate::outbound_url::OutboundUrl;
use crate::page::PageRequest;
use crate::store::Store;
use crate::store::{DocumentKind, DocumentRecord, StoreError};
use crate::validation::{Problems, lookup, text};

const SECRET_CONTEXT: &str = "claim-source-authorization";
/// Most request parameters per source.
pub const MAX_PARAMETERS: usize = 50;

/// A validated claims source; `authorization` is masked here, the real one is sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimSource {
    /// Id.
    #[serde(skip)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Endpoint.
    pub url: String,
    /// `GET` or `POST`.
    pub request_method: String,
    /// Parameters.
    pub request_parameters: BTreeMap<String, RequestParameter>,
    /// Authentication, masked.
    pub authorization: Option<ClaimSourceAuthorization>,
}

fn masked(a: &ClaimSourceAuthorization) -> ClaimSourceAuthorization {
    match a.clone() {
        ClaimSourceAuthorization::ApiKey { .. } => {
            ClaimSourceAuthorization::ApiKey { value: MASK.into() }
        }
        ClaimSourceAuthorization::OAuthClientCredentials {
            token_endpoint,
            client_id,
            scope,
            audience,
            ..
        } => ClaimSourceAuthorization::OAuthClientCredentials {
            token_endpoint,
            client_id,
            client_secret: MASK.into(),
            scope,
            audience,
        },
    }
}

/// Puts the stored secret back where a `PUT` sent the mask.
fn unmask(new: &mut ClaimSourceAuthorization, old: Option<&ClaimSourceAuthorization>) {
    match (new, old) {
        (
            ClaimSourceAuthorization::ApiKey { value },
            Some(ClaimSourceAuthorization::ApiKey { value: old }),
        ) if value == MASK => value.clone_from(old),
        (
            ClaimSourceAuthorization::OAuthClientCredentials { client_secret, .. },
            Some(ClaimSourceAuthorization::OAuthClientCredentials {
                client_secret: old, ..
            }),
        ) if client_secret == MASK => client_secret.clone_from(old),
        _ => {}
    }
}

/// The checks of a claims source request that need no storage.
pub fn check(request: &ClaimSourceRequest) -> Result<(), Error> {
    parse(request).map(|_| ())
}

fn parse(request: &ClaimSourceRequest) -> Result<ClaimSource, Error> {
    let mut p = Problems::default();
    text(&mut p, "name", &request.name, 256);
    if let Err(why) = OutboundUrl::parse(&request.url) {
        p.body("url", why, Value::from(request.url.clone()));
    }
    let method = request
        .request_method
        .clone()
        .unwrap_or_else(|| "GET".into());
    if method != "GET" && method != "POST" {
        p.body(
            "requestMethod",
            "must be GET or POST",
            Value::from(method.clone()),
        );
    }
    if request.request_parameters.len() > MAX_PARAMETERS {
        p.body(
            "requestParameters",
            format!("must have at most {MAX_PARAMETERS} parameters"),
            Value::from(request.request_parameters.len()),
        );
    }
    for (name, param) in &request.request_parameters {
        let at = format!("requestParameters.{name}");
        if name.is_empty() || name.chars().count() > 256 {
            p.body(
                &at,
                "parameter names must have 1 to 256 characters",
                Value::from(name.clone()),
            );
        }
        match (&param.map_from, &param.default_value) {
            (None, None) => p.body(&at, "needs mapFrom, defaultValue or both", Value::Null),
            (_, Some(Value::Null)) => p.body(
                format!("{at}.defaultValue"),
                "must not be null",
                Value::Null,
            ),
            _ => {}
        }
        if let Some(from) = &param.map_from {
            let ok = from
                .strip_prefix("claims.")
                .or_else(|| from.strip_prefix("credentialConfiguration."))
                .is_some_and(|rest| !rest.is_empty() && !rest.split('.').any(str::is_empty));
            if !ok {
                p.body(
                    format!("{at}.mapFrom"),
                    "must be a dotted path starting with claims. or credentialConfiguration.",
                    Value::from(from.clone()),
                );
            }
        }
    }
    match &request.authorization {
        Some(ClaimSourceAuthorization::ApiKey { value }) => {
            text(&mut p, "authorization.value", value, 4096);
        }
        Some(ClaimSourceAuthorization::OAuthClientCredentials {
            token_endpoint,
            client_id,
            client_secret,
            ..
        }) => {
            if let Err(why) = OutboundUrl::parse(token_endpoint) {
                p.body(
                    "authorization.tokenEndpoint",
                    why,
                    Value::from(token_endpoint.clone()),
                );
            }
            text(&mut p, "authorization.clientId", client_id, 512);
            text(&mut p, "authorization.clientSecret", client_secret, 4096);
        }
        None => {}
    }
    p.finish(ClaimSource {
        id: String::new(),
        name: request.name.clone(),
        url: OutboundUrl::parse(&request.url)
            .map(|u| u.to_string())
            .unwrap_or_default(),
        request_method: method,
        request_parameters: request.request_parameters.clone(),
        authorization: request.authorization.as_ref().map(masked),
    })
}

fn to_response(source: &ClaimSource) -> ClaimSourceResponse {
    ClaimSourceResponse {
        id: source.id.clone(),
        name: source.name.clone(),
        url: source.url.clone(),
        request_method: source.request_method.clone(),
        request_parameters: source.request_parameters.clone(),
        authorization: source.authorization.clone(),
    }
}

const NOT_ISSUED: &str = "; no credential was issued";

fn failed(source: &ClaimSource, why: impl std::fmt::Display) -> Error {
    Error::protocol(
        ProtocolError::UpstreamFailure,
        format!(
            "the claims source {:?} failed: {why}{NOT_ISSUED}",
            source.name
        ),
    )
}

/// The text of a parameter value in a query string.
fn query_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Claims sources (`/v1/claim-sources`) and the queries issuance makes to them.
#[derive(Debug, Clone)]
pub struct ClaimSources {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) caches: Arc<Caches>,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) documents: Arc<Documents>,
}

impl ClaimSources {
    pub(crate) fn load_claim_source(&self, record: &DocumentRecord) -> Result<ClaimSource, Error> {
        let mut source: ClaimSource = from_json(record)?;
        source.id = record.id.clone();
        Ok(source)
    }

    pub(crate) fn claim_source_secret(
        &self,
        record: &DocumentRecord,
    ) -> Result<Option<ClaimSourceAuthorization>, Error> {
        let Some(plain) = self
            .documents
            .open_document_secret(record, SECRET_CONTEXT)?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("claims source authorization: {e}")).into())
    }

    pub(crate) fn seal_authorization(
        &self,
        record: &mut DocumentRecord,
        authorization: Option<&ClaimSourceAuthorization>,
    ) -> Result<(), Error> {
        let json = authorization
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.documents
            .seal_document_secret(record, SECRET_CONTEXT, json.as_deref())
    }

    /// `POST /v1/claim-sources`.
    pub async fn create_claim_source(
        &self,
        request: &ClaimSourceRequest,
    ) -> Result<ClaimSourceResponse, Error> {
        let mut source = parse(request)?;
        let secret_is_mask = match &request.authorization {
            Some(ClaimSourceAuthorization::ApiKey { value }) => value == MASK,
            Some(ClaimSourceAuthorization::OAuthClientCredentials { client_secret, .. }) => {
                client_secret == MASK
            }
            None => false,
        };
        if secret_is_mask {
            return Err(Error::invalid_body(
                "authorization",
                "must carry the secret, not the mask",
                Value::from(MASK),
            ));
        }
        source.id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let now = self.clock.now();
        let mut record = DocumentRecord {
            id: source.id.clone(),
            unique_key: None,
            document: to_json(&source)?,
            secret_hash: None,
            sealed_key_id: None,
            sealed: None,
            created_at: now,
            updated_at: now,
        };
        self.seal_authorization(&mut record, request.authorization.as_ref())?;
        self.store
            .insert_document(DocumentKind::ClaimSource, &record)
            .await?;
        Ok(to_response(&source))
    }

    /// `GET /v1/claim-sources/{id}`.
    pub async fn claim_source(&self, id: &str) -> Result<ClaimSourceResponse, Error> {
        let record = self
            .documents
            .document(DocumentKind::ClaimSource, Resource::ClaimSource, id)
            .await?;
        Ok(to_response(&self.load_claim_source(&record)?))
    }

    /// `GET /v1/claim-sources`.
    pub async fn list_claim_sources(
        &self,
        page: &PageRequest,
    ) -> Result<Page<ClaimSourceResponse>, Error> {
        let (rows, next_cursor) = self
            .documents
            .document_page(DocumentKind::ClaimSource, page)
            .await?;
        let data = rows
            .iter()
            .map(|r| self.load_claim_source(r).map(|s| to_response(&s)))
            .collect::<Result<_, _>>()?;
        Ok(Page { next_cursor, data })
    }

    /// `PUT /v1/claim-sources/{id}`; a masked secret keeps the stored one.
    pub async fn update_claim_source(
        &self,
        id: &str,
        request: &ClaimSourceRequest,
    ) -> Result<ClaimSourceResponse, Error> {
        let mut record = self
            .documents
            .document(DocumentKind::ClaimSource, Resource::ClaimSource, id)
            .await?;
        let mut source = parse(request)?;
        source.id = record.id.clone();
        let old = self.claim_source_secret(&record)?;
        let mut authorization = request.authorization.clone();
        if let Some(a) = authorization.as_mut() {
            unmask(a, old.as_ref());
            let still_masked = match a {
                ClaimSourceAuthorization::ApiKey { value } => value == MASK,
                ClaimSourceAuthorization::OAuthClientCredentials { client_secret, .. } => {
                    client_secret == MASK
                }
            };
            // The mask names a stored secret this source does not have: a conflict with its
            // state, not a malformed request.
            if still_masked {
                return Err(Error::Conflict(
                    "authorization: the mask keeps a stored secret only for the same authorization type; send the secret".into(),
                ));
            }
        }
        self.seal_authorization(&mut record, authorization.as_ref())?;
        record.document = to_json(&source)?;
        record.updated_at = self.clock.now();
        if !self
            .store
            .update_document(DocumentKind::ClaimSource, &record)
            .await?
        {
            return Err(Error::NotFound(Resource::ClaimSource));
        }
        self.caches.forget_client_credentials(&record.id);
        Ok(to_response(&source))
    }

    /// `DELETE /v1/claim-sources/{id}`; refused while a credential configuration uses it.
    pub async fn delete_claim_source(&self, id: &str) -> Result<(), Error> {
        let users: Vec<String> =
            crate::catalogue::credential_configuration::all_configurations(self.store.as_ref())
                .await?
                .into_iter()
                .filter(|c| c.request.claim_source_id.as_deref() == Some(id))
                .map(|c| c.id)
                .collect();
        if !users.is_empty() {
            return Err(Error::Conflict(format!(
                "the claims source is used by credential configuration(s) {}",
                users.join(", ")
            )));
        }
        self.caches.forget_client_credentials(id);
        self.documents
            .delete_document(DocumentKind::ClaimSource, Resource::ClaimSource, id)
            .await
    }

    /// Queries the configuration's claims source with `claims` and returns its claims; `None`
    /// when it answers 202 Accepted (the data is not ready: the issuance is deferred). Any
    /// failure (unreachable, other non-2xx, not a JSON object) is an error: nothing may be issued.
    pub(crate) async fn query_claim_source(
        &self,
        config: &CredentialConfiguration,
        claims: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let Some(id) = config.request.claim_source_id.as_deref() else {
            return Ok(Some(Map::new()));
        };
        let record = match self
            .documents
            .document(DocumentKind::ClaimSource, Resource::ClaimSource, id)
            .await
        {
            Ok(r) => r,
            Err(Error::NotFound(_)) => {
                return Err(Error::protocol(
                    ProtocolError::UpstreamFailure,
                    "the credential configuration names a claims source that no longer exists",
                ));
            }
            Err(e) => return Err(e),
        };
        let configuration = serde_json::to_value(config.to_response())
            .map_err(|e| StoreError::Corrupt(format!("configuration {}: {e}", config.id)))?;
        self.query(&record, claims, configuration).await
    }

    /// `POST /v1/claim-sources/{id}/test`: asks the source as an issuance for a user with
    /// `claims` would (with no credential configuration: `credentialConfiguration.*` parameters
    /// find nothing) and reports what it answered. The source's failure is an answer here, not an
    /// error of this request.
    pub async fn test_claim_source(
        &self,
        id: &str,
        claims: &Map<String, Value>,
    ) -> Result<ClaimSourceTestResponse, Error> {
        let record = self
            .documents
            .document(DocumentKind::ClaimSource, Resource::ClaimSource, id)
            .await?;
        Ok(match self.query(&record, claims, Value::Null).await {
            Ok(Some(claims)) => ClaimSourceTestResponse {
                outcome: ClaimSourceOutcome::Answered,
                claims: Some(claims),
                message: None,
            },
            Ok(None) => ClaimSourceTestResponse {
                outcome: ClaimSourceOutcome::Deferred,
                claims: None,
                message: Some("it answered 202 Accepted: an issuance would be deferred".into()),
            },
            Err(Error::Protocol { description, .. }) => ClaimSourceTestResponse {
                outcome: ClaimSourceOutcome::Failed,
                claims: None,
                message: Some(description.trim_end_matches(NOT_ISSUED).to_string()),
            },
            Err(e) => return Err(e),
        })
    }

    async fn query(
        &self,
        record: &DocumentRecord,
        claims: &Map<String, Value>,
        configuration: Value,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let source = self.load_claim_source(record)?;
        let authorization = self.claim_source_secret(record)?;
        let mut root = Map::new();
        root.insert("claims".into(), Value::Object(claims.clone()));
        root.insert("credentialConfiguration".into(), configuration);
        let root = Value::Object(root);
        let mut params = Map::new();
        for (name, p) in &source.request_parameters {
            let found = p.map_from.as_deref().and_then(|path| lookup(&root, path));
            if let Some(value) = found.filter(|v| !v.is_null()).or(p.default_value.as_ref()) {
                params.insert(name.clone(), value.clone());
            }
        }
        let mut url = Url::parse(&source.url).map_err(|e| failed(&source, e))?;
        let mut request = if source.request_method == "POST" {
            Request::post(url, Body::Json(Value::Object(params)))
        } else {
            url.query_pairs_mut()
                .extend_pairs(params.iter().map(|(k, v)| (k, query_text(v))));
            Request::get(url)
        };
        request = request.header("accept", "application/json");
        match &authorization {
            Some(ClaimSourceAuthorization::ApiKey { value }) => {
                request = request.header("x-api-key", value.clone());
            }
            Some(cc @ ClaimSourceAuthorization::OAuthClientCredentials { .. }) => {
                let token = self.client_credentials_token(&source, cc).await?;
                request = request.header("authorization", format!("Bearer {token}"));
            }
            None => {}
        }
        let response = self
            .http
            .send(request)
            .await
            .map_err(|e| failed(&source, e))?;
        if response.status == 202 {
            return Ok(None);
        }
        if !response.is_success() {
            return Err(failed(
                &source,
                format_args!("it answered HTTP {}", response.status),
            ));
        }
        response
            .json_object()
            .map(Some)
            .ok_or_else(|| failed(&source, "its answer is not a JSON object"))
    }

    pub(crate) async fn client_credentials_token(
        &self,
        source: &ClaimSource,
        authorization: &ClaimSourceAuthorization,
    ) -> Result<String, Error> {
        let ClaimSourceAuthorization::OAuthClientCredentials {
            token_endpoint,
            client_id,
            client_secret,
            scope,
            audience,
        } = authorization
        else {
            return Err(failed(source, "no client credentials"));
        };
        let now = self.clock.now();
        if let Some(token) = self.caches.client_credentials(&source.id, now) {
            return Ok(token);
        }
        let url = Url::parse(token_endpoint).map_err(|e| failed(source, e))?;
        let mut form = vec![("grant_type".to_string(), "client_credentials".to_string())];
        if let Some(scope) = scope {
            form.push(("scope".into(), scope.clone()));
        }
        if let Some(audience) = audience {
            form.push(("audience".into(), audience.clone()));
        }
        let basic = b64::encode(format!(
            "{}:{}",
            form_encode(client_id),
            form_encode(client_secret)
        ));
        let response = self
            .http
            .send(
                Request::post(url, Body::Form(form))
                    .header("authorization", format!("Basic {basic}"))
                    .header("accept", "application/json"),
            )
            .await
            .map_err(|e| failed(source, format_args!("token endpoint: {e}")))?;
        let body = response
            .json_object()
            .filter(|_| response.is_success())
            .ok_or_else(|| {
                failed(
                    source,
                    format_args!(
                        "its token endpoint answered HTTP {} without a token",
                        response.status
                    ),
                )
            })?;
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| failed(source, "its token endpoint returned no access_token"))?
            .to_string();
        let expires_in = body.get("expires_in").and_then(Value::as_i64).unwrap_or(60);
        // Renew a little early so a token never expires in flight.
        self.caches
            .store_client_credentials(&source.id, &token, now + (expires_in - 10).max(0));
        Ok(token)
    }
}
