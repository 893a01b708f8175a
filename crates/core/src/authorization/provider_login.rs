//! Sigil as an OpenID Connect relying party of the authentication provider (OIDC Core 1.0 §3.1):
//! discovery, the authorization URL with state, nonce and PKCE S256, the code exchange, ID token
//! validation (§3.1.3.7: signature from the provider's JWKS, iss, aud, azp, exp, iat, nonce) and
//! userinfo (§5.3, whose `sub` must match).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};
use sigil_crypto::{ID_TOKEN, ProviderJwks, b64, b64url, sha256, verify_with_jwks};
use url::Url;

use crate::Clock;
use crate::caches::Caches;
use crate::catalogue::authentication_provider::AuthenticationProviders;
use crate::catalogue::authentication_provider::{AuthenticationProvider, ProviderAuthMethod};
use crate::outbound::HttpClient;
use crate::outbound::form_encode;
use crate::outbound::{Body, Request};
use crate::settings::Settings;

/// Clock skew tolerated on ID token times, seconds.
const LEEWAY: i64 = 60;
/// Protocol claims of an ID token that are not user claims.
const PROTOCOL_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "nonce",
    "azp",
    "at_hash",
    "c_hash",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "jti",
];

/// The parts of the provider's discovery document Sigil uses.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer identifier.
    pub issuer: String,
    /// Where users log in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged.
    pub token_endpoint: String,
    /// Userinfo, if offered.
    pub userinfo_endpoint: Option<String>,
    /// The provider's keys.
    pub jwks_uri: String,
}

/// A verified login: the subject and the provider's claims about them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderLogin {
    /// `sub`.
    pub subject: String,
    /// ID token and userinfo claims (protocol claims removed).
    pub claims: Map<String, Value>,
}

/// The S256 code challenge of a verifier (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    b64url::encode(sha256(verifier.as_bytes()))
}

fn parse_url(text: &str, what: &str) -> Result<Url, String> {
    Url::parse(text).map_err(|_| format!("the provider's {what} is not a URL"))
}

/// The login at the external OpenID Provider: discovery, the authorization request, the ID token.
#[derive(Debug, Clone)]
pub struct ProviderLogins {
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) caches: Arc<Caches>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) providers: Arc<AuthenticationProviders>,
    pub(crate) settings: Arc<Settings>,
}

impl ProviderLogins {
    pub(crate) async fn fetch_json(
        &self,
        url: &str,
        what: &str,
        fresh: bool,
    ) -> Result<Value, String> {
        let now = self.clock.now();
        if !fresh && let Some(cached) = self.caches.document(url, now) {
            return Ok(cached);
        }
        let target = parse_url(url, what)?;
        let response = self
            .http
            .send(Request::get(target).header("accept", "application/json"))
            .await
            .map_err(|e| format!("fetching the provider's {what}: {e}"))?;
        if !response.is_success() {
            return Err(format!(
                "the provider's {what} answered HTTP {}",
                response.status
            ));
        }
        let value = response
            .json_object()
            .map(Value::Object)
            .ok_or_else(|| format!("the provider's {what} is not a JSON object"))?;
        self.caches.store_document(url, &value, now);
        Ok(value)
    }

    /// The provider's discovery document (OIDC Discovery 1.0 §4), whose `issuer` must be the
    /// configured URL (§4.3).
    pub(crate) async fn discover(
        &self,
        provider: &AuthenticationProvider,
    ) -> Result<ProviderMetadata, String> {
        let url = format!("{}/.well-known/openid-configuration", provider.url);
        let value = self.fetch_json(&url, "discovery document", false).await?;
        let meta: ProviderMetadata = serde_json::from_value(value)
            .map_err(|e| format!("the provider's discovery document is incomplete: {e}"))?;
        if meta.issuer.trim_end_matches('/') != provider.url {
            return Err(format!(
                "the provider's discovery document names issuer {:?}, not the configured {:?}",
                meta.issuer, provider.url
            ));
        }
        Ok(meta)
    }

    /// Exchanges the provider's code and validates what comes back.
    pub(crate) async fn provider_login(
        &self,
        provider: &AuthenticationProvider,
        secret: &str,
        meta: &ProviderMetadata,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<ProviderLogin, String> {
        let mut form = vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".into(), code.to_string()),
            (
                "redirect_uri".into(),
                self.providers.provider_redirect_uri(),
            ),
            ("code_verifier".into(), verifier.to_string()),
        ];
        let mut request_headers = Vec::new();
        match provider.token_endpoint_auth_method {
            ProviderAuthMethod::ClientSecretPost => {
                form.push(("client_id".into(), provider.client_id.clone()));
                form.push(("client_secret".into(), secret.to_string()));
            }
            ProviderAuthMethod::ClientSecretBasic => {
                let basic = b64::encode(format!(
                    "{}:{}",
                    form_encode(&provider.client_id),
                    form_encode(secret)
                ));
                request_headers.push(("authorization".to_string(), format!("Basic {basic}")));
            }
        }
        let mut request = Request::post(
            parse_url(&meta.token_endpoint, "token endpoint")?,
            Body::Form(form),
        );
        request.headers.extend(request_headers);
        let response = self
            .http
            .send(request.header("accept", "application/json"))
            .await
            .map_err(|e| format!("the provider's token endpoint: {e}"))?;
        let body = response.json_object().unwrap_or_default();
        if !response.is_success() {
            let error = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no error code");
            return Err(format!(
                "the provider's token endpoint answered HTTP {} ({error})",
                response.status
            ));
        }
        let id_token = body
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or("the provider returned no id_token")?;
        let mut claims = self
            .validate_id_token(provider, meta, id_token, nonce)
            .await?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 255)
            .ok_or("the ID token has no valid sub")?
            .to_string();
        if let (Some(endpoint), Some(access_token)) = (
            &meta.userinfo_endpoint,
            body.get("access_token").and_then(Value::as_str),
        ) {
            let response = self
                .http
                .send(
                    Request::get(parse_url(endpoint, "userinfo endpoint")?)
                        .header("authorization", format!("Bearer {access_token}"))
                        .header("accept", "application/json"),
                )
                .await
                .map_err(|e| format!("the provider's userinfo endpoint: {e}"))?;
            let info = response
                .json_object()
                .filter(|_| response.is_success())
                .ok_or_else(|| {
                    format!(
                        "the provider's userinfo endpoint answered HTTP {} without a JSON object",
                        response.status
                    )
                })?;
            if info.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
                return Err(
                    "the userinfo sub differs from the ID token's (OIDC Core §5.3.2)".into(),
                );
            }
            claims.extend(info);
        }
        for name in PROTOCOL_CLAIMS {
            claims.remove(*name);
        }
        Ok(ProviderLogin { subject, claims })
    }

    pub(crate) async fn validate_id_token(
        &self,
        provider: &AuthenticationProvider,
        meta: &ProviderMetadata,
        token: &str,
        nonce: &str,
    ) -> Result<Map<String, Value>, String> {
        let unverified = ID_TOKEN
            .check(token)
            .map_err(|e| format!("the ID token: {e}"))?;
        let kid = unverified.peek().header_str("kid").map(str::to_string);
        let mut jwks = self.fetch_json(&meta.jwks_uri, "JWKS", false).await?;
        if !ProviderJwks::new(&jwks, kid.as_deref()).has_key_for(unverified.alg()) {
            // The provider may have rotated its keys: refetch once.
            self.caches.forget_document(&meta.jwks_uri);
            jwks = self.fetch_json(&meta.jwks_uri, "JWKS", true).await?;
        }
        let jws = verify_with_jwks(unverified, &jwks).map_err(|e| format!("the ID token: {e}"))?;
        let c = &jws.payload;
        let now = self.clock.now();
        if c.get("iss").and_then(Value::as_str) != Some(meta.issuer.as_str()) {
            return Err("the ID token's iss is not the provider".into());
        }
        let audiences: Vec<&str> = match c.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !audiences.contains(&provider.client_id.as_str()) {
            return Err("the ID token is not addressed to Sigil (aud)".into());
        }
        if let Some(azp) = c.get("azp").and_then(Value::as_str)
            && azp != provider.client_id
        {
            return Err("the ID token's azp is not Sigil".into());
        }
        let exp = c
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or("the ID token has no exp")?;
        if exp + LEEWAY <= now {
            return Err("the ID token has expired".into());
        }
        let iat = c
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or("the ID token has no iat")?;
        if iat > now + LEEWAY {
            return Err("the ID token was issued in the future".into());
        }
        if c.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err("the ID token's nonce does not match this login".into());
        }
        Ok(c.clone())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            super::s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
