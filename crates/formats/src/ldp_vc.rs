//! `ldp_vc`: a W3C Verifiable Credential secured with a Data Integrity proof (OID4VCI 1.0
//! Appendix A.1.2), signed by the issuer's Ed25519 key.
//!
//! - [`Suite::EddsaRdfc2022`]: VCDM 2.0 (`validFrom`/`validUntil`) with a `DataIntegrityProof`
//!   of the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa §3.3).
//! - [`Suite::Ed25519Signature2020`]: VCDM 1.1 (`issuanceDate`/`expirationDate`) with an
//!   `Ed25519Signature2020` proof, for wallets that predate Data Integrity.
//!
//! Both sign the same way: the proof options (with the document's `@context`) and the document
//! are each canonicalised (RDFC-1.0) and SHA-256 hashed; the signature is Ed25519 over
//! `hash(proof options) ‖ hash(document)`, and `proofValue` is its multibase base58btc (`z…`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value, json};
use sigil_crypto::{
    CryptoError, PublicSigningKey, SigningAlgorithm, Unsigned, base58, random_array, sha256,
};

use crate::json_ld::{self, CREDENTIALS_V1, CREDENTIALS_V2, ED25519_2020_V1, JsonLdError};
use crate::{Issuance, date_time, status_list};

/// The proof suite, which also fixes the data model version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// VCDM 2.0 + `DataIntegrityProof` / `eddsa-rdfc-2022`.
    EddsaRdfc2022,
    /// VCDM 1.1 + `Ed25519Signature2020`.
    Ed25519Signature2020,
}

impl Suite {
    /// Every suite, the default first.
    pub const ALL: [Suite; 2] = [Suite::EddsaRdfc2022, Suite::Ed25519Signature2020];

    /// The name configurations and metadata use (`credential_signing_alg_values_supported`).
    pub fn as_str(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Suite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// Parses a suite name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The data model's base context, first in every credential of this suite.
    pub fn base_context(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => CREDENTIALS_V2,
            Suite::Ed25519Signature2020 => CREDENTIALS_V1,
        }
    }

    /// The suite's own context, last (where jsonld-signatures appends it): VCDM 2.0 defines
    /// `DataIntegrityProof` itself.
    pub fn suite_context(self) -> Option<&'static str> {
        match self {
            Suite::EddsaRdfc2022 => None,
            Suite::Ed25519Signature2020 => Some(ED25519_2020_V1),
        }
    }
}

/// Why an `ldp_vc` could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum LdpError {
    /// The document is not expressible with the bundled contexts.
    #[error(transparent)]
    JsonLd(#[from] JsonLdError),
    /// Signing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// What an `ldp_vc` is made of beside the [`Issuance`].
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    /// The proof suite (and so the data model).
    pub suite: Suite,
    /// Types after `VerifiableCredential`.
    pub types: &'a [String],
    /// Contexts after the suite's base contexts.
    pub contexts: &'a [String],
}

impl Template<'_> {
    /// The credential's `@context`: the base context, the configured ones, then the suite's, each
    /// once.
    pub fn context(&self) -> Vec<String> {
        let mut out = vec![self.suite.base_context().to_string()];
        let rest = self
            .contexts
            .iter()
            .map(String::as_str)
            .chain(self.suite.suite_context());
        for c in rest {
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
        out
    }

    /// `VerifiableCredential`, then the configured types.
    pub fn type_(&self) -> Vec<String> {
        let mut out = vec!["VerifiableCredential".to_string()];
        out.extend(
            self.types
                .iter()
                .filter(|t| *t != "VerifiableCredential")
                .cloned(),
        );
        out
    }

    /// A credential of this template with `subject` and no proof, for checking at configuration
    /// time that every type and claim is defined by the contexts.
    pub fn probe(&self, subject: Map<String, Value>) -> Value {
        json!({
            "@context": self.context(),
            "type": self.type_(),
            "issuer": "did:example:issuer",
            "credentialSubject": subject,
        })
    }
}

/// The issuer as the proof names it.
#[derive(Debug, Clone, Copy)]
pub struct IssuerDid<'a> {
    /// The issuer's DID (`did:web:…` or `did:key:…`).
    pub did: &'a str,
    /// The verification method: a DID URL resolving to the signer's Multikey.
    pub verification_method: &'a str,
}

/// Prepares an `ldp_vc` signed by `key` (the verification method's Ed25519 key): the credential
/// as a JSON object with its `proof`.
pub fn prepare(
    issuance: &Issuance<'_>,
    template: &Template<'_>,
    issuer: IssuerDid<'_>,
    key: &PublicSigningKey,
) -> Result<Unsigned<Value>, LdpError> {
    if key.algorithm != SigningAlgorithm::EdDsa {
        return Err(CryptoError::Key("ldp_vc proofs are signed with Ed25519").into());
    }
    for (name, value) in issuance.claims {
        if let Some(keyword) = keyword_in(value) {
            return Err(JsonLdError(format!(
                "claim `{name}` carries the JSON-LD keyword `{keyword}`; mapped values are data, not JSON-LD"
            ))
            .into());
        }
    }
    let id = uuid::Builder::from_random_bytes(random_array::<16>(issuance.rng)?).into_uuid();
    let mut subject = Map::new();
    subject.insert("id".into(), issuance.holder.did().into());
    subject.extend(issuance.claims.iter().map(|(k, v)| (k.clone(), v.clone())));
    let context = template.context();
    let mut document = Map::new();
    document.insert("@context".into(), json!(context));
    document.insert("id".into(), format!("urn:uuid:{id}").into());
    document.insert("type".into(), json!(template.type_()));
    document.insert("issuer".into(), issuer.did.into());
    let created = date_time(issuance.issued_at)?;
    let (from, until) = match template.suite {
        Suite::EddsaRdfc2022 => ("validFrom", "validUntil"),
        Suite::Ed25519Signature2020 => ("issuanceDate", "expirationDate"),
    };
    document.insert(from.into(), created.into());
    if let Some(exp) = issuance.expires_at {
        document.insert(until.into(), date_time(exp)?.into());
    }
    document.insert("credentialSubject".into(), Value::Object(subject));
    if let Some(status) = issuance.status.and_then(status_list::bitstring_entries) {
        document.insert("credentialStatus".into(), status);
    }
    prepare_document(document, template.suite, issuer, issuance.issued_at, key)
}

/// Secures `document` (a credential without `proof`, its `@context` an array of URLs) with a
/// proof of `suite` by `issuer`'s verification method, created at `created`: the credentials
/// [`prepare`] builds, and the Bitstring Status List credentials.
pub fn prepare_document(
    document: Map<String, Value>,
    suite: Suite,
    issuer: IssuerDid<'_>,
    created: i64,
    key: &PublicSigningKey,
) -> Result<Unsigned<Value>, LdpError> {
    if key.algorithm != SigningAlgorithm::EdDsa {
        return Err(CryptoError::Key("ldp_vc proofs are signed with Ed25519").into());
    }
    let context: Vec<String> = match document.get("@context") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect(),
        _ => return Err(JsonLdError("the document has no @context array".into()).into()),
    };
    let mut document = Value::Object(document);
    let mut options = Map::new();
    match suite {
        Suite::EddsaRdfc2022 => {
            options.insert("type".into(), "DataIntegrityProof".into());
            options.insert("cryptosuite".into(), "eddsa-rdfc-2022".into());
        }
        Suite::Ed25519Signature2020 => {
            options.insert("type".into(), "Ed25519Signature2020".into());
        }
    }
    options.insert("created".into(), date_time(created)?.into());
    options.insert(
        "verificationMethod".into(),
        issuer.verification_method.into(),
    );
    options.insert("proofPurpose".into(), "assertionMethod".into());

    let message = hash_data(&document, &options, &context)?;
    Ok(Unsigned::new(key.algorithm, message, move |signature| {
        let mut options = options;
        options.insert(
            "proofValue".into(),
            format!("z{}", base58::encode(&signature)).into(),
        );
        if let Some(object) = document.as_object_mut() {
            object.insert("proof".into(), Value::Object(options));
        }
        Ok(document)
    }))
}

/// A member name starting with `@` anywhere in a mapped value: a JSON-LD keyword (`@context`,
/// `@id`, `@type`, `@graph`…) would let whoever supplies the value (a user's profile, a claims
/// source) change what the credential means rather than what it says.
pub fn keyword_in(value: &Value) -> Option<&str> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.starts_with('@') {
                Some(k.as_str())
            } else {
                keyword_in(v)
            }
        }),
        Value::Array(items) => items.iter().find_map(keyword_in),
        _ => None,
    }
}

/// vc-di-eddsa §3.3.4–3.3.5 (and Ed25519Signature2020's `createVerifyData`): the SHA-256 of the
/// canonical proof options, carrying the document's `@context`, then that of the canonical
/// document.
fn hash_data(
    document: &Value,
    options: &Map<String, Value>,
    context: &[String],
) -> Result<Vec<u8>, JsonLdError> {
    let mut out = sha256(canonical_proof_options(options, context)?.as_bytes()).to_vec();
    out.extend_from_slice(&sha256(json_ld::canonical_nquads(document)?.as_bytes()));
    Ok(out)
}

/// Stands in for `created` in a cached canonical form: same length as any real value, so the
/// lines sort the same.
const CREATED_PLACEHOLDER: &str = "0000-00-00T00:00:00Z";
/// Most proof-option shapes kept (one per suite, context list and verification method in use).
const PROOF_OPTIONS_CACHE: usize = 256;

/// The canonical proof options. They differ between credentials of one configuration only in
/// `created`, so the canonical form is computed once per shape with a placeholder date, and the
/// date substituted: the proof node is the only blank node (so always `_:c14n0`), and the
/// `created` line sorts by its predicate, before the date. The unit tests compare it with a
/// fresh canonicalisation.
fn canonical_proof_options(
    options: &Map<String, Value>,
    context: &[String],
) -> Result<String, JsonLdError> {
    let mut config = options.clone();
    config.insert("@context".into(), json!(context));
    let created = match config.get("created") {
        Some(Value::String(c)) if c.len() == CREATED_PLACEHOLDER.len() && c.is_ascii() => c.clone(),
        _ => return json_ld::canonical_nquads(&Value::Object(config)),
    };
    config.insert("created".into(), CREATED_PLACEHOLDER.into());
    let key = Value::Object(config).to_string();
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let cached = cache.lock().ok().and_then(|c| c.get(&key).cloned());
    let template = match cached {
        Some(t) => t,
        None => {
            let config: Value = serde_json::from_str(&key)
                .map_err(|e| JsonLdError(format!("proof options: {e}")))?;
            let t = json_ld::canonical_nquads(&config)?;
            if let Ok(mut c) = cache.lock() {
                if c.len() >= PROOF_OPTIONS_CACHE {
                    c.clear();
                }
                c.insert(key, t.clone());
            }
            t
        }
    };
    Ok(template.replace(CREATED_PLACEHOLDER, &created))
}

/// Verifies the proof of an `ldp_vc` with the issuer's Ed25519 public key (an OKP JWK): for
/// tests; wallets and verifiers use their own implementations.
pub fn verify(credential: &Value, issuer_jwk: &Map<String, Value>) -> Result<bool, LdpError> {
    let Ok(key) = sigil_crypto::HolderKey::from_jwk(issuer_jwk) else {
        return Ok(false);
    };
    let mut document = credential.clone();
    let Some(Value::Object(mut proof)) = document.as_object_mut().and_then(|d| d.remove("proof"))
    else {
        return Ok(false);
    };
    let Some(Value::String(value)) = proof.remove("proofValue") else {
        return Ok(false);
    };
    let Some(signature) = value.strip_prefix('z').and_then(base58::decode) else {
        return Ok(false);
    };
    let context: Vec<String> = match document.get("@context") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect(),
        _ => return Ok(false),
    };
    let data = hash_data(&document, &proof, &context)?;
    Ok(key.verify("EdDSA", &data, &signature))
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};
    use sigil_crypto::{
        HolderKey, SigningAlgorithm, SoftwareSigner, SystemRandom, b64url, base58, generate_pkcs8,
    };

    use super::*;

    fn issue(
        issuance: &Issuance<'_>,
        template: &Template<'_>,
        issuer: IssuerDid<'_>,
        signer: &SoftwareSigner,
    ) -> Result<Value, LdpError> {
        Ok(signer.sign_prepared(prepare(issuance, template, issuer, &signer.public())?)?)
    }

    fn holder() -> HolderKey {
        HolderKey::from_did("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp").unwrap()
    }

    fn issue_with(suite: Suite, claims: &Map<String, Value>) -> (Value, Map<String, Value>) {
        let signer = SoftwareSigner::from_pkcs8(
            SigningAlgorithm::EdDsa,
            &generate_pkcs8(SigningAlgorithm::EdDsa).unwrap(),
        )
        .unwrap();
        let x = b64url::decode(&signer.public_jwk().x).unwrap();
        let did = format!("did:key:{}", base58::ed25519_multikey(&x));
        let vm = format!("{did}#{}", base58::ed25519_multikey(&x));
        let holder = holder();
        let rng = SystemRandom::new();
        let types = vec!["ExampleAlumniCredential".to_string()];
        let contexts = vec!["https://www.w3.org/ns/credentials/examples/v2".to_string()];
        let issuance = Issuance {
            issuer: "https://issuer.example",
            issued_at: 1_767_225_600,
            expires_at: Some(1_767_225_600 + 86_400),
            claims,
            holder: &holder,
            rng: &rng,
            status: None,
        };
        let template = Template {
            suite,
            types: &types,
            contexts: &contexts,
        };
        let vc = issue(
            &issuance,
            &template,
            IssuerDid {
                did: &did,
                verification_method: &vm,
            },
            &signer,
        )
        .unwrap();
        let mut jwk = Map::new();
        jwk.insert("kty".into(), "OKP".into());
        jwk.insert("crv".into(), "Ed25519".into());
        jwk.insert("x".into(), signer.public_jwk().x.clone().into());
        (vc, jwk)
    }

    #[test]
    fn both_suites_sign_and_verify_and_tampering_fails() {
        let mut claims = Map::new();
        claims.insert("alumniOf".into(), "Example University".into());
        claims.insert("graduated".into(), 2024.into());
        for suite in Suite::ALL {
            let (vc, jwk) = issue_with(suite, &claims);
            assert!(verify(&vc, &jwk).unwrap(), "{suite:?}");
            assert_eq!(
                vc["credentialSubject"]["id"],
                "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
            );
            assert_eq!(vc["proof"]["proofPurpose"], "assertionMethod");
            assert!(vc["proof"]["proofValue"].as_str().unwrap().starts_with('z'));
            let mut tampered = vc.clone();
            tampered["credentialSubject"]["alumniOf"] = "Other University".into();
            assert!(!verify(&tampered, &jwk).unwrap());
            let mut tampered = vc.clone();
            tampered["proof"]["created"] = "2030-01-01T00:00:00Z".into();
            assert!(!verify(&tampered, &jwk).unwrap());
            match suite {
                Suite::EddsaRdfc2022 => {
                    assert_eq!(vc["@context"][0], CREDENTIALS_V2);
                    assert_eq!(vc["validFrom"], "2026-01-01T00:00:00Z");
                    assert_eq!(vc["validUntil"], "2026-01-02T00:00:00Z");
                    assert_eq!(vc["proof"]["type"], "DataIntegrityProof");
                    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
                }
                Suite::Ed25519Signature2020 => {
                    assert_eq!(vc["@context"][0], CREDENTIALS_V1);
                    assert_eq!(vc["@context"][2], ED25519_2020_V1);
                    assert_eq!(vc["issuanceDate"], "2026-01-01T00:00:00Z");
                    assert_eq!(vc["expirationDate"], "2026-01-02T00:00:00Z");
                    assert_eq!(vc["proof"]["type"], "Ed25519Signature2020");
                }
            }
        }
    }

    #[test]
    fn cached_proof_options_canonicalise_as_a_fresh_run_does() {
        for suite in Suite::ALL {
            let context: Vec<String> = Template {
                suite,
                types: &[],
                contexts: &[],
            }
            .context();
            for created in [
                "2026-01-01T00:00:00Z",
                "1999-12-31T23:59:59Z",
                "2026-11-22T10:11:12Z",
            ] {
                let mut options = Map::new();
                options.insert("type".into(), "DataIntegrityProof".into());
                options.insert("cryptosuite".into(), "eddsa-rdfc-2022".into());
                if suite == Suite::Ed25519Signature2020 {
                    options.insert("type".into(), "Ed25519Signature2020".into());
                    options.remove("cryptosuite");
                }
                options.insert("created".into(), created.into());
                options.insert(
                    "verificationMethod".into(),
                    "did:example:issuer#key-1".into(),
                );
                options.insert("proofPurpose".into(), "assertionMethod".into());
                let mut fresh = options.clone();
                fresh.insert("@context".into(), json!(context));
                let expected = json_ld::canonical_nquads(&Value::Object(fresh)).unwrap();
                assert!(expected.contains(created));
                // Twice: the first fills the cache, the second reads it.
                for _ in 0..2 {
                    assert_eq!(
                        canonical_proof_options(&options, &context).unwrap(),
                        expected
                    );
                }
            }
        }
    }

    #[test]
    fn mapped_values_cannot_carry_json_ld_keywords() {
        for value in [
            json!({"@context": {"alumniOf": "https://evil.example/alumniOf"}}),
            json!([{"name": "x", "@id": "did:example:someone-else"}]),
            json!({"inner": {"@type": "Other"}}),
        ] {
            let mut claims = Map::new();
            claims.insert("alumniOf".into(), value);
            let signer = SoftwareSigner::from_pkcs8(
                SigningAlgorithm::EdDsa,
                &generate_pkcs8(SigningAlgorithm::EdDsa).unwrap(),
            )
            .unwrap();
            let holder = holder();
            let rng = SystemRandom::new();
            let issuance = Issuance {
                issuer: "https://issuer.example",
                issued_at: 1_767_225_600,
                expires_at: None,
                claims: &claims,
                holder: &holder,
                rng: &rng,
                status: None,
            };
            let contexts = vec!["https://www.w3.org/ns/credentials/examples/v2".to_string()];
            let t = Template {
                suite: Suite::EddsaRdfc2022,
                types: &[],
                contexts: &contexts,
            };
            let issuer = IssuerDid {
                did: "did:example:i",
                verification_method: "did:example:i#k",
            };
            let e = issue(&issuance, &t, issuer, &signer).unwrap_err();
            assert!(
                matches!(&e, LdpError::JsonLd(j) if j.0.contains("keyword")),
                "{e}"
            );
        }
    }

    #[test]
    fn a_claim_no_context_defines_is_refused() {
        // The examples v2 context maps every term (@vocab); without it `alumniOf` is undefined.
        let mut claims = Map::new();
        claims.insert("alumniOf".into(), "x".into());
        let types: Vec<String> = vec![];
        let t = Template {
            suite: Suite::EddsaRdfc2022,
            types: &types,
            contexts: &[],
        };
        let mut subject = Map::new();
        subject.insert("alumniOf".into(), "x".into());
        assert!(json_ld::check(&t.probe(subject)).is_err());
    }
}
