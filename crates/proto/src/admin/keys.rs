//! Issuer keys (`/v1/keys`): list them, rotate them with overlap.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of issuer key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// The ES256 credential key (SD-JWT VC, JWT VC, CWT), certified by the issuer CA.
    CredentialEs256,
    /// The EdDSA credential key (Data Integrity proofs; the issuer DID's key).
    CredentialEddsa,
    /// The issuer CA that certifies the ES256 credential key (the `x5c` trust anchor).
    IssuerCa,
    /// The request-encryption keys, one per key management algorithm.
    RequestEncryption,
}

impl KeyKind {
    /// Every kind, in the order they are listed.
    pub const ALL: [KeyKind; 4] = [
        KeyKind::CredentialEs256,
        KeyKind::CredentialEddsa,
        KeyKind::IssuerCa,
        KeyKind::RequestEncryption,
    ];

    /// The name the API and the command line use.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::CredentialEs256 => "credential-es256",
            KeyKind::CredentialEddsa => "credential-eddsa",
            KeyKind::IssuerCa => "issuer-ca",
            KeyKind::RequestEncryption => "request-encryption",
        }
    }
}

impl std::str::FromStr for KeyKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown key kind `{s}`; use one of {}",
                    KeyKind::ALL.map(KeyKind::as_str).join(", ")
                )
            })
    }
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Signs (or decrypts) now.
    Active,
    /// Replaced; still published (a request key still accepted) until `publishedUntil`.
    Retired,
    /// Replaced and past its overlap: no longer published or used.
    Expired,
}

/// One issuer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyResponse {
    /// Key id (RFC 7638 thumbprint).
    pub kid: String,
    /// What the key is for.
    pub kind: KeyKind,
    /// JOSE algorithm name.
    pub algorithm: String,
    /// Where it is in its life.
    pub state: KeyState,
    /// The key provider holding the private key.
    pub provider: String,
    /// Created.
    pub created_at: String,
    /// When a rotation retired it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    /// The end of its overlap: published until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_until: Option<String>,
}

/// The issuer keys, newest first (at most the 200 newest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyList {
    /// The keys.
    pub data: Vec<KeyResponse>,
}

/// `POST /v1/keys/rotate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyRotationRequest {
    /// The kinds to rotate; every kind when absent.
    #[serde(default)]
    pub kinds: Option<Vec<KeyKind>>,
}
