//! The authentication provider: the external OpenID Connect provider users log in at (seed 003).
//! One per deployment; its client secret is sealed under the master key and never returned.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sigil_crypto::SecureRandom;
use sigil_proto::admin::authentication_provider::{
    AuthenticationProviderRequest, AuthenticationProviderResponse,
};
use sigil_proto::admin::page::Page;

use crate::Clock;
use crate::document::Documents;
use crate::document::{from_json, to_json};
use crate::error::{Error, Resource};
use crate::ids::new_id;
use crate::outbound_url::OutboundUrl;
use crate::page::PageRequest;
use crate::settings::Settings;
use crate::store::Store;
use crate::store::{DocumentKind, DocumentRecord, StoreError};
use crate::validation::{Problems, text};

/// What responses show instead of a secret; sent back on `PUT`, it keeps the stored one.
pub const MASK: &str = "****";
/// Path of Sigil's redirect URI at the provider.
pub const CALLBACK_PATH: &str = "/v1/oauth/authentication/callback";
const SECRET_CONTEXT: &str = "authentication-provider-secret";
const UNIQUE_KEY: &str = "the-authentication-provider";
/// Parameters Sigil sets itself in the provider's authorization request, which the configuration
/// cannot override or forward (the request schema refuses them too).
pub const PROTOCOL_PARAMETERS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "request",
    "request_uri",
    "response_mode",
];

/// How Sigil authenticates at the provider's token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProviderAuthMethod {
    /// Credentials in the form body.
    #[serde(rename = "client_secret_post")]
    ClientSecretPost,
    /// HTTP Basic.
    #[serde(rename = "client_secret_basic")]
    ClientSecretBasic,
}

/// A validated authentication provider (without its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationProvider {
    /// Id.
    #[serde(skip)]
    pub id: String,
    /// The provider's issuer identifier.
    pub url: String,
    /// Sigil's client id there.
    pub client_id: String,
    /// Scopes requested (always with `openid`).
    pub scope: Vec<String>,
    /// Token endpoint authentication.
    pub token_endpoint_auth_method: ProviderAuthMethod,
    /// Added to every authorization request.
    pub static_request_parameters: Map<String, Value>,
    /// Copied from the wallet's request when present.
    pub forwarded_request_parameters: Vec<String>,
    /// Provider claims saved on the user.
    pub claims_to_persist: Vec<String>,
}

impl AuthenticationProvider {
    /// Validates a request (the secret is checked here, stored separately).
    pub fn parse(request: &AuthenticationProviderRequest) -> Result<Self, Error> {
        let mut p = Problems::default();
        let url = match OutboundUrl::parse(&request.url) {
            Ok(u) => u.as_str().trim_end_matches('/').to_string(),
            Err(why) => {
                p.body("url", why, Value::from(request.url.clone()));
                String::new()
            }
        };
        text(&mut p, "clientId", &request.client_id, 512);
        text(&mut p, "clientSecret", &request.client_secret, 1024);
        let mut scope = request
            .scope
            .clone()
            .unwrap_or_else(|| vec!["openid".into(), "profile".into(), "email".into()]);
        for (i, s) in scope.iter().enumerate() {
            if s.is_empty()
                || s.len() > 256
                || !s
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
            {
                p.body(
                    format!("scope.{i}"),
                    "must be a scope token (RFC 6749 §3.3)",
                    Value::from(s.clone()),
                );
            }
        }
        if !scope.iter().any(|s| s == "openid") {
            scope.insert(0, "openid".into());
        }
        let method = match request
            .token_endpoint_auth_method
            .as_deref()
            .unwrap_or("client_secret_post")
        {
            "client_secret_post" => ProviderAuthMethod::ClientSecretPost,
            "client_secret_basic" => ProviderAuthMethod::ClientSecretBasic,
            other => {
                p.body(
                    "tokenEndpointAuthMethod",
                    "must be client_secret_post or client_secret_basic",
                    Value::from(other),
                );
                ProviderAuthMethod::ClientSecretPost
            }
        };
        let statics = request
            .static_request_parameters
            .clone()
            .unwrap_or_default();
        for (name, value) in &statics {
            let param = format!("staticRequestParameters.{name}");
            if PROTOCOL_PARAMETERS.contains(&name.as_str()) {
                p.body(
                    param,
                    "is set by Sigil and cannot be configured",
                    value.clone(),
                );
            } else if !(value.is_string() || value.is_number() || value.is_boolean()) {
                p.body(param, "must be a string, number or boolean", value.clone());
            }
        }
        let forwarded = request
            .forwarded_request_parameters
            .clone()
            .unwrap_or_default();
        for (i, name) in forwarded.iter().enumerate() {
            if PROTOCOL_PARAMETERS.contains(&name.as_str()) {
                p.body(
                    format!("forwardedRequestParameters.{i}"),
                    "is set by Sigil and cannot be forwarded",
                    Value::from(name.clone()),
                );
            }
        }
        let persist = request.claims_to_persist.clone().unwrap_or_default();
        for (i, name) in persist.iter().enumerate() {
            text(&mut p, &format!("claimsToPersist.{i}"), name, 256);
        }
        p.finish(Self {
            id: String::new(),
            url,
            client_id: request.client_id.clone(),
            scope,
            token_endpoint_auth_method: method,
            static_request_parameters: statics,
            forwarded_request_parameters: forwarded,
            claims_to_persist: persist,
        })
    }

    fn from_record(record: &DocumentRecord) -> Result<Self, Error> {
        let mut provider: Self = from_json(record)?;
        provider.id = record.id.clone();
        Ok(provider)
    }
}

/// Authentication providers (`/v1/users/authentication-providers`).
#[derive(Debug, Clone)]
pub struct AuthenticationProviders {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) documents: Arc<Documents>,
}

impl AuthenticationProviders {
    pub(crate) fn provider_response(
        &self,
        p: &AuthenticationProvider,
    ) -> AuthenticationProviderResponse {
        AuthenticationProviderResponse {
            id: p.id.clone(),
            url: p.url.clone(),
            client_id: p.client_id.clone(),
            client_secret: MASK.into(),
            scope: p.scope.clone(),
            token_endpoint_auth_method: match p.token_endpoint_auth_method {
                ProviderAuthMethod::ClientSecretPost => "client_secret_post",
                ProviderAuthMethod::ClientSecretBasic => "client_secret_basic",
            }
            .into(),
            static_request_parameters: p.static_request_parameters.clone(),
            forwarded_request_parameters: p.forwarded_request_parameters.clone(),
            claims_to_persist: p.claims_to_persist.clone(),
            redirect_url: self.provider_redirect_uri(),
        }
    }

    /// Sigil's redirect URI at the provider.
    pub fn provider_redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.issuer())
    }

    /// `POST /v1/users/authentication-providers` (one per deployment: a second is a conflict).
    pub async fn create_authentication_provider(
        &self,
        request: &AuthenticationProviderRequest,
    ) -> Result<AuthenticationProviderResponse, Error> {
        let mut provider = AuthenticationProvider::parse(request)?;
        if request.client_secret == MASK {
            return Err(Error::invalid_body(
                "clientSecret",
                "must be the client secret, not the mask",
                Value::from(MASK),
            ));
        }
        provider.id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let now = self.clock.now();
        let mut record = DocumentRecord {
            id: provider.id.clone(),
            unique_key: Some(UNIQUE_KEY.into()),
            document: to_json(&provider)?,
            secret_hash: None,
            sealed_key_id: None,
            sealed: None,
            created_at: now,
            updated_at: now,
        };
        self.documents.seal_document_secret(
            &mut record,
            SECRET_CONTEXT,
            Some(request.client_secret.as_bytes()),
        )?;
        match self
            .store
            .insert_document(DocumentKind::AuthenticationProvider, &record)
            .await
        {
            Err(StoreError::Conflict(_)) => Err(Error::Conflict(
                "an authentication provider is already configured; update or delete it".into(),
            )),
            other => other.map_err(Error::from),
        }?;
        Ok(self.provider_response(&provider))
    }

    /// `GET /v1/users/authentication-providers`.
    pub async fn list_authentication_providers(
        &self,
        page: &PageRequest,
    ) -> Result<Page<AuthenticationProviderResponse>, Error> {
        let (rows, next_cursor) = self
            .documents
            .document_page(DocumentKind::AuthenticationProvider, page)
            .await?;
        let data = rows
            .iter()
            .map(|r| AuthenticationProvider::from_record(r).map(|p| self.provider_response(&p)))
            .collect::<Result<_, _>>()?;
        Ok(Page { next_cursor, data })
    }

    /// `GET /v1/users/authentication-providers/{id}`.
    pub async fn authentication_provider(
        &self,
        id: &str,
    ) -> Result<AuthenticationProviderResponse, Error> {
        let record = self.stored(id).await?;
        Ok(self.provider_response(&AuthenticationProvider::from_record(&record)?))
    }

    /// The stored document of provider `id` (404 when there is none).
    async fn stored(&self, id: &str) -> Result<crate::store::DocumentRecord, Error> {
        self.documents
            .document(
                DocumentKind::AuthenticationProvider,
                Resource::AuthenticationProvider,
                id,
            )
            .await
    }

    /// `PUT /v1/users/authentication-providers/{id}`; `clientSecret: "****"` keeps the secret.
    pub async fn update_authentication_provider(
        &self,
        id: &str,
        request: &AuthenticationProviderRequest,
    ) -> Result<AuthenticationProviderResponse, Error> {
        let mut record = self.stored(id).await?;
        let mut provider = AuthenticationProvider::parse(request)?;
        provider.id = record.id.clone();
        if request.client_secret != MASK {
            self.documents.seal_document_secret(
                &mut record,
                SECRET_CONTEXT,
                Some(request.client_secret.as_bytes()),
            )?;
        }
        record.document = to_json(&provider)?;
        record.updated_at = self.clock.now();
        if !self
            .store
            .update_document(DocumentKind::AuthenticationProvider, &record)
            .await?
        {
            return Err(Error::NotFound(Resource::AuthenticationProvider));
        }
        Ok(self.provider_response(&provider))
    }

    /// `DELETE /v1/users/authentication-providers/{id}`.
    pub async fn delete_authentication_provider(&self, id: &str) -> Result<(), Error> {
        self.documents
            .delete_document(
                DocumentKind::AuthenticationProvider,
                Resource::AuthenticationProvider,
                id,
            )
            .await
    }

    /// The configured provider and its client secret, if one is configured.
    pub(crate) async fn active_provider(
        &self,
    ) -> Result<Option<(AuthenticationProvider, String)>, Error> {
        let rows = self
            .store
            .list_documents(DocumentKind::AuthenticationProvider, None, 1)
            .await?;
        let Some(record) = rows.first() else {
            return Ok(None);
        };
        let provider = AuthenticationProvider::from_record(record)?;
        let secret = self
            .documents
            .open_document_secret(record, SECRET_CONTEXT)?
            .ok_or_else(|| {
                StoreError::Corrupt("authentication provider without a secret".into())
            })?;
        let secret = String::from_utf8(secret)
            .map_err(|_| StoreError::Corrupt("authentication provider secret".into()))?;
        Ok(Some((provider, secret)))
    }
}
