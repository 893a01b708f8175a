//! Wallet clients of the authorization code flow (RFC 6749 §2): registration through the
//! management API, exact redirect URI matching (RFC 9700 §4.1.3, with the loopback port exception
//! of RFC 8252 §7.3 for native apps), and client authentication at the token endpoint.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sigil_crypto::SecureRandom;
use sigil_crypto::{constant_time_eq, random_token, sha256};
use sigil_proto::admin::client::{ClientRequest, ClientResponse};
use sigil_proto::admin::page::Page;
use url::{Host, Url};

use crate::Clock;
use crate::document::Documents;
use crate::document::{from_json, to_json};
use crate::error::{Error, ProtocolError, Resource};
use crate::ids::new_id;
use crate::outbound_url::OutboundUrl;
use crate::page::PageRequest;
use crate::store::Store;
use crate::store::{DocumentKind, DocumentRecord};
use crate::validation::{Problems, text};

/// Most redirect URIs per client.
pub const MAX_REDIRECT_URIS: usize = 20;

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientAuthMethod {
    /// A public client (PKCE only).
    #[serde(rename = "none")]
    None,
    /// HTTP Basic with a secret Sigil generated.
    #[serde(rename = "client_secret_basic")]
    ClientSecretBasic,
}

/// `web` or `native` (RFC 8252).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationType {
    /// A web wallet: https redirect URIs only.
    Web,
    /// A native wallet: also loopback and private-use scheme redirect URIs.
    Native,
}

/// A validated wallet client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletClient {
    /// The `client_id`.
    #[serde(skip)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Token endpoint authentication.
    pub token_endpoint_auth_method: ClientAuthMethod,
    /// Application type.
    pub application_type: ApplicationType,
}

/// Checks one redirect URI for `application_type`, naming the broken rule.
pub fn check_redirect_uri(uri: &str, application_type: ApplicationType) -> Result<(), String> {
    let https = OutboundUrl::parse(uri);
    if https.is_ok() {
        return Ok(());
    }
    if application_type == ApplicationType::Native {
        let url = Url::parse(uri).map_err(|_| "must be a valid URL".to_string())?;
        if url.query().is_some() {
            return Err("must not include query parameters".into());
        }
        if url.fragment().is_some() {
            return Err("must not include a fragment".into());
        }
        if url.scheme() == "http" {
            return match url.host() {
                // RFC 8252 §7.3 and §8.3: loopback IP literals, not `localhost`.
                Some(Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
                Some(Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
                _ => Err(
                    "http is allowed only for loopback IP addresses (127.0.0.1 or [::1])".into(),
                ),
            };
        }
        // RFC 8252 §7.1: a private-use scheme in reverse domain name notation.
        if url.scheme().contains('.') && url.scheme() != "https" {
            return Ok(());
        }
        return Err(
            "must use https, a loopback http address, or a private-use scheme (e.g. com.example.wallet:/cb)"
                .into(),
        );
    }
    https.map(|_| ()).map_err(str::to_string)
}

/// Whether `presented` is one of `registered`: exact string comparison, except that a native
/// app's loopback URI may use any port (RFC 8252 §7.3).
pub fn redirect_uri_matches(client: &WalletClient, presented: &str) -> bool {
    if client.redirect_uris.iter().any(|r| r == presented) {
        return true;
    }
    if client.application_type != ApplicationType::Native {
        return false;
    }
    let Ok(p) = Url::parse(presented) else {
        return false;
    };
    let loopback = |u: &Url| {
        u.scheme() == "http"
            && matches!(u.host(), Some(Host::Ipv4(ip)) if ip.is_loopback())
                | matches!(u.host(), Some(Host::Ipv6(ip)) if ip.is_loopback())
    };
    if !loopback(&p) {
        return false;
    }
    client.redirect_uris.iter().any(|r| {
        Url::parse(r).is_ok_and(|mut r| {
            let mut p = p.clone();
            let same_host = loopback(&r) && r.host() == p.host();
            // Only the port may differ; everything else must be identical.
            same_host && r.set_port(None).is_ok() && p.set_port(None).is_ok() && r == p
        })
    })
}

impl WalletClient {
    /// Validates a request.
    pub fn parse(id: String, request: &ClientRequest) -> Result<Self, Error> {
        let mut p = Problems::default();
        text(&mut p, "name", &request.name, 256);
        let application_type = match request.application_type.as_deref().unwrap_or("web") {
            "web" => ApplicationType::Web,
            "native" => ApplicationType::Native,
            other => {
                p.body(
                    "applicationType",
                    "must be web or native",
                    Value::from(other),
                );
                ApplicationType::Web
            }
        };
        let method = match request
            .token_endpoint_auth_method
            .as_deref()
            .unwrap_or("none")
        {
            "none" => ClientAuthMethod::None,
            "client_secret_basic" => ClientAuthMethod::ClientSecretBasic,
            other => {
                p.body(
                    "tokenEndpointAuthMethod",
                    "must be none or client_secret_basic",
                    Value::from(other),
                );
                ClientAuthMethod::None
            }
        };
        if request.redirect_uris.is_empty() || request.redirect_uris.len() > MAX_REDIRECT_URIS {
            p.body(
                "redirectUris",
                format!("must have between 1 and {MAX_REDIRECT_URIS} entries"),
                Value::from(request.redirect_uris.len()),
            );
        }
        for (i, uri) in request.redirect_uris.iter().enumerate() {
            let param = format!("redirectUris.{i}");
            if uri.chars().count() > 2048 {
                p.body(
                    param,
                    "must be at most 2048 characters",
                    Value::from(uri.chars().count()),
                );
            } else if let Err(why) = check_redirect_uri(uri, application_type) {
                p.body(param, why, Value::from(uri.clone()));
            } else if request.redirect_uris.iter().take(i).any(|u| u == uri) {
                p.body(param, "duplicate redirect URI", Value::from(uri.clone()));
            }
        }
        p.finish(Self {
            id,
            name: request.name.clone(),
            redirect_uris: request.redirect_uris.clone(),
            token_endpoint_auth_method: method,
            application_type,
        })
    }

    fn from_record(record: &DocumentRecord) -> Result<Self, Error> {
        let mut client: Self = from_json(record)?;
        client.id = record.id.clone();
        Ok(client)
    }

    fn to_response(&self, secret: Option<String>) -> ClientResponse {
        ClientResponse {
            id: self.id.clone(),
            name: self.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            token_endpoint_auth_method: match self.token_endpoint_auth_method {
                ClientAuthMethod::None => "none",
                ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            }
            .into(),
            application_type: match self.application_type {
                ApplicationType::Web => "web",
                ApplicationType::Native => "native",
            }
            .into(),
            secret,
        }
    }
}

/// How the token or PAR endpoint saw the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCredentials {
    /// `client_id` from the form.
    pub form_client_id: Option<String>,
    /// `(client_id, client_secret)` from `Authorization: Basic`.
    pub basic: Option<(String, String)>,
    /// Whether the form carried `client_secret` (client_secret_post, which Sigil does not
    /// support: such a request is refused rather than treated as unauthenticated).
    pub form_secret: bool,
}

/// Wallet clients (`/v1/openid/clients`) and client authentication.
#[derive(Debug, Clone)]
pub struct WalletClients {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) documents: Arc<Documents>,
}

impl WalletClients {
    /// `POST /v1/openid/clients`. A `client_secret_basic` client's secret is returned once.
    pub async fn create_client(&self, request: &ClientRequest) -> Result<ClientResponse, Error> {
        let id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let client = WalletClient::parse(id, request)?;
        let secret = match client.token_endpoint_auth_method {
            ClientAuthMethod::ClientSecretBasic => Some(random_token(self.rng.as_ref(), "")?),
            ClientAuthMethod::None => None,
        };
        let now = self.clock.now();
        self.store
            .insert_document(
                DocumentKind::WalletClient,
                &DocumentRecord {
                    id: client.id.clone(),
                    unique_key: None,
                    document: to_json(&client)?,
                    secret_hash: secret.as_ref().map(|s| sha256(s.as_bytes()).to_vec()),
                    sealed_key_id: None,
                    sealed: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
        Ok(client.to_response(secret))
    }

    /// A stored wallet client.
    pub async fn client(&self, id: &str) -> Result<WalletClient, Error> {
        let record = self
            .documents
            .document(DocumentKind::WalletClient, Resource::WalletClient, id)
            .await?;
        WalletClient::from_record(&record)
    }

    /// `GET /v1/openid/clients/{id}`.
    pub async fn client_response(&self, id: &str) -> Result<ClientResponse, Error> {
        Ok(self.client(id).await?.to_response(None))
    }

    /// `GET /v1/openid/clients`.
    pub async fn list_clients(&self, page: &PageRequest) -> Result<Page<ClientResponse>, Error> {
        let (rows, next_cursor) = self
            .documents
            .document_page(DocumentKind::WalletClient, page)
            .await?;
        let data = rows
            .iter()
            .map(|r| WalletClient::from_record(r).map(|c| c.to_response(None)))
            .collect::<Result<_, _>>()?;
        Ok(Page { next_cursor, data })
    }

    /// `PUT /v1/openid/clients/{id}`. The secret is kept; a client that becomes
    /// `client_secret_basic` gets a new one, returned in this response only.
    pub async fn update_client(
        &self,
        id: &str,
        request: &ClientRequest,
    ) -> Result<ClientResponse, Error> {
        let mut record = self
            .documents
            .document(DocumentKind::WalletClient, Resource::WalletClient, id)
            .await?;
        let client = WalletClient::parse(record.id.clone(), request)?;
        let mut secret = None;
        match client.token_endpoint_auth_method {
            ClientAuthMethod::None => record.secret_hash = None,
            ClientAuthMethod::ClientSecretBasic if record.secret_hash.is_none() => {
                let s = random_token(self.rng.as_ref(), "")?;
                record.secret_hash = Some(sha256(s.as_bytes()).to_vec());
                secret = Some(s);
            }
            ClientAuthMethod::ClientSecretBasic => {}
        }
        record.document = to_json(&client)?;
        record.updated_at = self.clock.now();
        if !self
            .store
            .update_document(DocumentKind::WalletClient, &record)
            .await?
        {
            return Err(Error::NotFound(Resource::WalletClient));
        }
        Ok(client.to_response(secret))
    }

    /// `DELETE /v1/openid/clients/{id}`.
    pub async fn delete_client(&self, id: &str) -> Result<(), Error> {
        self.documents
            .delete_document(DocumentKind::WalletClient, Resource::WalletClient, id)
            .await
    }

    /// Authenticates the client of a token or PAR request (RFC 6749 §2.3): a public client by
    /// its `client_id`, a confidential one by HTTP Basic only. Failures are `invalid_client`.
    pub async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<WalletClient, Error> {
        let invalid = |why: &str| Error::protocol(ProtocolError::InvalidClient, why.to_string());
        if credentials.form_secret {
            return Err(invalid(
                "client_secret in the body is not supported: authenticate with HTTP Basic",
            ));
        }
        let id = match (&credentials.basic, &credentials.form_client_id) {
            (Some((basic_id, _)), Some(form_id)) if basic_id != form_id => {
                return Err(invalid("client_id does not match the authenticated client"));
            }
            (Some((id, _)), _) | (None, Some(id)) => id.clone(),
            (None, None) => return Err(invalid("client authentication is required")),
        };
        let record = match self
            .documents
            .document(DocumentKind::WalletClient, Resource::WalletClient, &id)
            .await
        {
            Ok(r) => r,
            Err(Error::NotFound(_)) => return Err(invalid("unknown client")),
            Err(e) => return Err(e),
        };
        let client = WalletClient::from_record(&record)?;
        match (client.token_endpoint_auth_method, &credentials.basic) {
            (ClientAuthMethod::None, None) => Ok(client),
            (ClientAuthMethod::None, Some(_)) => Err(invalid(
                "this client is public: send client_id without a secret",
            )),
            (ClientAuthMethod::ClientSecretBasic, Some((_, secret))) => {
                let expected = record.secret_hash.as_deref().unwrap_or_default();
                if constant_time_eq(&sha256(secret.as_bytes()), expected) {
                    Ok(client)
                } else {
                    Err(invalid("client authentication failed"))
                }
            }
            (ClientAuthMethod::ClientSecretBasic, None) => Err(invalid(
                "this client must authenticate with HTTP Basic (client_secret_basic)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(kind: ApplicationType, uris: &[&str]) -> WalletClient {
        WalletClient {
            id: "c".into(),
            name: "w".into(),
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            token_endpoint_auth_method: ClientAuthMethod::None,
            application_type: kind,
        }
    }

    #[test]
    fn redirect_uri_rules() {
        use ApplicationType::{Native, Web};
        assert!(check_redirect_uri("https://wallet.example/cb", Web).is_ok());
        for bad in [
            "http://wallet.example/cb",
            "https://10.0.0.1/cb",
            "https://wallet.example/cb?x=1",
            "https://wallet.example/cb#f",
            "http://127.0.0.1:9000/cb",
            "com.example.wallet:/cb",
        ] {
            assert!(check_redirect_uri(bad, Web).is_err(), "{bad}");
        }
        for good in [
            "http://127.0.0.1/cb",
            "http://127.0.0.1:9000/cb",
            "http://[::1]:9000/cb",
            "com.example.wallet:/cb",
        ] {
            assert!(check_redirect_uri(good, Native).is_ok(), "{good}");
        }
        for bad in [
            "http://localhost/cb",
            "http://10.0.0.1/cb",
            "wallet:/cb",
            "http://127.0.0.1/cb?a",
        ] {
            assert!(check_redirect_uri(bad, Native).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirect_uris_match_exactly_except_native_loopback_ports() {
        let web = client(ApplicationType::Web, &["https://wallet.example/cb"]);
        assert!(redirect_uri_matches(&web, "https://wallet.example/cb"));
        for other in [
            "https://wallet.example/cb/",
            "https://wallet.example/CB",
            "https://WALLET.example/cb",
            "https://wallet.example/cb?x",
            "https://wallet.example/cb#x",
            "https://wallet.example:444/cb",
            "https://u@wallet.example/cb",
            "https://wallet.example/cb/x",
        ] {
            assert!(!redirect_uri_matches(&web, other), "{other}");
        }
        let native = client(ApplicationType::Native, &["http://127.0.0.1/cb"]);
        assert!(redirect_uri_matches(&native, "http://127.0.0.1:51234/cb"));
        assert!(!redirect_uri_matches(&native, "http://127.0.0.1:51234/cb2"));
        assert!(!redirect_uri_matches(&native, "http://[::1]:51234/cb"));
        assert!(!redirect_uri_matches(&native, "http://localhost:51234/cb"));
    }
}
