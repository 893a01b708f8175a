//! JSON-LD for `ldp_vc`: the contexts Sigil holds, strict expansion, and RDFC-1.0 (URDNA2015)
//! canonical N-Quads.
//!
//! Contexts are bundled in the binary and never fetched: a document naming any other context URL
//! fails. Expansion is strict, as verifiers' "safe mode" is: a term no context defines, or a type
//! that does not expand to an absolute IRI, is an error rather than silently dropped (a dropped
//! claim would be signed without being covered by the signature's meaning).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use ssi_contexts as ctx;
use ssi_json_ld::{ContextLoader, json_ld};
use ssi_rdf::{AnyLdEnvironment, LdEnvironment};

/// The VCDM 1.1 base context.
pub const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// The VCDM 2.0 base context.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The Ed25519Signature2020 suite context.
pub const ED25519_2020_V1: &str = "https://w3id.org/security/suites/ed25519-2020/v1";
/// The DID core context.
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey context.
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

const UNDEFINED_TERMS_V2: &str =
    r#"{"@context":{"@vocab":"https://www.w3.org/ns/credentials/undefined-term#"}}"#;

/// Every context URL Sigil holds, with its document. The VC, Data Integrity, Ed25519 2020,
/// Multikey and DID documents are byte-for-byte the W3C/W3ID ones (the interop suite checks them
/// against the verifier's own copies).
pub const BUNDLED_CONTEXTS: &[(&str, &str)] = &[
    (CREDENTIALS_V1, ctx::CREDENTIALS_V1),
    (CREDENTIALS_V2, ctx::CREDENTIALS_V2),
    (
        "https://www.w3.org/2018/credentials/examples/v1",
        ctx::CREDENTIALS_EXAMPLES_V1,
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        ctx::CREDENTIALS_EXAMPLES_V2,
    ),
    // Imported by the VC 1.1 examples context.
    ("https://www.w3.org/ns/odrl.jsonld", ctx::ODRL),
    (
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
        UNDEFINED_TERMS_V2,
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        ctx::W3ID_DATA_INTEGRITY_V1,
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        ctx::W3ID_DATA_INTEGRITY_V2,
    ),
    (ED25519_2020_V1, ctx::W3ID_ED2020_V1),
    (MULTIKEY_V1, ctx::W3ID_MULTIKEY_V1),
    (DID_V1, ctx::DID_V1),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        ctx::STATUS_LIST_2021_V1,
    ),
    ("https://schema.org", ctx::SCHEMA_ORG),
    ("https://schema.org/", ctx::SCHEMA_ORG),
    ("http://schema.org", ctx::SCHEMA_ORG),
    ("http://schema.org/", ctx::SCHEMA_ORG),
    ("https://w3id.org/citizenship/v1", ctx::CITIZENSHIP_V1),
    ("https://w3id.org/vaccination/v1", ctx::VACCINATION_V1),
    ("https://w3id.org/vdl/v1", ctx::VDL_V1),
];

/// Whether Sigil holds the context at `url`.
pub fn is_bundled(url: &str) -> bool {
    BUNDLED_CONTEXTS.iter().any(|(u, _)| *u == url)
}

/// Why a document could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonLdError(pub String);

fn loader() -> Result<&'static ContextLoader, JsonLdError> {
    static LOADER: OnceLock<Result<ContextLoader, String>> = OnceLock::new();
    LOADER
        .get_or_init(|| {
            let map: HashMap<String, String> = BUNDLED_CONTEXTS
                .iter()
                .map(|(u, d)| ((*u).to_string(), (*d).to_string()))
                .collect();
            ContextLoader::empty()
                .with_context_map_from(map)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| JsonLdError(format!("bundled contexts: {e}")))
}

/// Runs a future that never waits: expansion only awaits the bundled loader, which answers at
/// once. A future that does wait is an error, not a hang.
fn now<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

/// Strict expansion, as verifiers' safe mode: an undefined term or an invalid value is an error.
fn expansion_options() -> json_ld::expansion::Options {
    json_ld::expansion::Options {
        policy: json_ld::expansion::Policy {
            invalid: json_ld::expansion::Action::Reject,
            allow_undefined: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A top-level `@context`, processed.
type ActiveContext = json_ld::Context<json_ld::IriBuf, json_ld::BlankIdBuf>;

/// Processed top-level contexts kept at most (they differ only by the configured contexts).
const PROCESSED_CONTEXTS: usize = 64;

/// The active context a top-level `@context` value gives, processed once per distinct value:
/// processing the VC and Data Integrity contexts was most of the cost of an `ldp_vc` (1.9 of
/// 4.4 million instructions per issuance flow). Expanding a document without its `@context`
/// under this active context is what the expansion algorithm does with it (its step 9 processes
/// the element's `@context` against the initial, empty, active context).
fn active_context(
    context: &json_syntax::Value,
    loader: &ContextLoader,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    use json_ld::Process as _;
    use json_ld::syntax::TryFromJson as _;
    static PROCESSED: OnceLock<Mutex<HashMap<String, Arc<ActiveContext>>>> = OnceLock::new();
    let processed = PROCESSED.get_or_init(Default::default);
    let key = context.to_string();
    if let Some(active) = processed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Ok(active.clone());
    }
    let syntax = json_ld::syntax::context::Context::try_from_json(context.clone())
        .map_err(|e| JsonLdError(describe(&e.to_string())))?;
    let active = now(syntax.process_with(
        &mut (),
        &ActiveContext::default(),
        loader,
        None,
        expansion_options().into(),
    ))
    .ok_or_else(|| JsonLdError("a JSON-LD context is not bundled".into()))?
    .map_err(|e| JsonLdError(describe(&e.to_string())))?
    .into_processed();
    let active = Arc::new(active);
    let mut kept = processed.lock().unwrap_or_else(|e| e.into_inner());
    if kept.len() >= PROCESSED_CONTEXTS {
        kept.clear();
    }
    kept.insert(key, active.clone());
    Ok(active)
}

/// Refuses a document with a key or string whose percent-escapes do not decode to UTF-8. The IRI
/// crates under the JSON-LD expansion (`iref`, `pct-str`) panic when they hash such an IRI
/// (`"type": "Cours%Ceerdntial"` in a configuration did), and any term may become an IRI.
fn refuse_non_utf8_escapes(value: &serde_json::Value) -> Result<(), JsonLdError> {
    let check = |text: &str| {
        if text.contains('%')
            && percent_encoding::percent_decode_str(text)
                .decode_utf8()
                .is_err()
        {
            Err(JsonLdError(format!(
                "\"{text}\" has a percent-escape that is not UTF-8"
            )))
        } else {
            Ok(())
        }
    };
    // An explicit stack: the document's nesting is the caller's, not bounded here.
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::String(text) => check(text)?,
            serde_json::Value::Array(items) => pending.extend(items),
            serde_json::Value::Object(members) => {
                for (key, member) in members {
                    check(key)?;
                    pending.push(member);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The document's RDFC-1.0 canonical N-Quads, after strict expansion with the bundled contexts.
pub fn canonical_nquads(document: &serde_json::Value) -> Result<String, JsonLdError> {
    use json_ld::Expand as _;
    refuse_non_utf8_escapes(document)?;
    let loader = loader()?;
    let mut value = json_syntax::Value::from_serde_json(document.clone());
    let context = value
        .as_object_mut()
        .and_then(|o| o.remove("@context").next())
        .map(|entry| entry.value);
    let active = match &context {
        Some(context) => (*active_context(context, loader)?).clone(),
        None => ActiveContext::default(),
    };
    let expanded = now(value.expand_full(&mut (), active, None, loader, expansion_options(), ()))
        .ok_or_else(|| JsonLdError("a JSON-LD context is not bundled".into()))?
        .map_err(|e| JsonLdError(describe(&e.to_string())))?;
    let lines = LdEnvironment::default()
        .canonical_form_of(&expanded)
        .map_err(|e| JsonLdError(e.to_string()))?;
    Ok(lines.concat())
}

fn describe(error: &str) -> String {
    if error.contains("loading") || error.contains("UnknownContext") || error.contains("unknown") {
        format!("{error} (Sigil only uses the JSON-LD contexts it bundles)")
    } else {
        error.to_string()
    }
}

/// Checks that `document` expands strictly: every context bundled, every term defined.
pub fn check(document: &serde_json::Value) -> Result<(), JsonLdError> {
    canonical_nquads(document).map(|_| ())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonicalises_a_vc_v2_document() {
        let doc = json!({
            "@context": [CREDENTIALS_V2, "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "ExampleCredential"],
            "issuer": "did:example:issuer",
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:holder", "alumniOf": "Example University", "age": 42}
        });
        let nquads = canonical_nquads(&doc).unwrap();
        assert!(nquads.contains("<did:example:holder> <https://www.w3.org/ns/credentials/examples#alumniOf> \"Example University\" .\n"), "{nquads}");
        assert!(
            nquads
                .contains("\"2026-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>"),
            "{nquads}"
        );
        assert!(
            nquads.contains("\"42\"^^<http://www.w3.org/2001/XMLSchema#integer>"),
            "{nquads}"
        );
        assert!(nquads.ends_with(" .\n"));
    }

    #[test]
    fn a_percent_escape_that_is_not_utf8_is_refused_not_a_panic() {
        let doc = |type_name: &str| {
            json!({
                "@context": [CREDENTIALS_V2, "https://www.w3.org/ns/credentials/examples/v2"],
                "type": ["VerifiableCredential", type_name],
                "issuer": "did:example:issuer",
                "credentialSubject": {"id": "did:example:holder", "alumniOf": "Example University"}
            })
        };
        let refused = canonical_nquads(&doc("Cours%Ceerdntial")).unwrap_err();
        assert!(refused.0.contains("not UTF-8"), "{}", refused.0);
        // A key too, and a valid escape still goes through to the expansion.
        let mut keyed = doc("ExampleCredential");
        keyed["credentialSubject"]["a%FF"] = json!("x");
        assert!(
            canonical_nquads(&keyed)
                .unwrap_err()
                .0
                .contains("not UTF-8")
        );
        let valid = canonical_nquads(&doc("Caf%C3%A9")).map_err(|e| e.0);
        assert!(
            !matches!(&valid, Err(e) if e.contains("not UTF-8")),
            "{valid:?}"
        );
    }

    /// The library's own expansion (the `@context` processed inside the document, every time),
    /// against which the cached active context is checked.
    fn reference_nquads(document: &serde_json::Value) -> Result<String, JsonLdError> {
        use ssi_json_ld::{CompactJsonLd, Expandable};
        let compact = CompactJsonLd(json_syntax::Value::from_serde_json(document.clone()));
        let expanded = now(compact.expand(loader()?))
            .unwrap()
            .map_err(|e| JsonLdError(e.to_string()))?;
        Ok(LdEnvironment::default()
            .canonical_form_of(&expanded)
            .unwrap()
            .concat())
    }

    #[test]
    fn a_processed_context_kept_gives_what_processing_it_in_place_gives() {
        let documents = [
            json!({
                "@context": [CREDENTIALS_V2, "https://www.w3.org/ns/credentials/examples/v2"],
                "type": ["VerifiableCredential", "ExampleCredential"],
                "issuer": {"id": "did:example:issuer", "name": "Example"},
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:holder", "alumniOf": "Example University", "age": 42},
                "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod",
                          "verificationMethod": "did:example:issuer#key-1", "created": "2026-01-01T00:00:00Z"}
            }),
            json!({
                "@context": [CREDENTIALS_V1, "https://www.w3.org/2018/credentials/examples/v1", ED25519_2020_V1],
                "type": ["VerifiableCredential", "UniversityDegreeCredential"],
                "issuer": "did:example:issuer",
                "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:holder", "degree": {"type": "BachelorDegree", "name": "Arts"}}
            }),
            json!({
                "@context": [CREDENTIALS_V1, "https://w3id.org/citizenship/v1"],
                "type": ["VerifiableCredential", "PermanentResidentCard"],
                "issuer": "did:example:issuer",
                "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": {"type": ["PermanentResident", "Person"], "givenName": "Ada", "birthDate": "1815-12-10"}
            }),
            json!({"@context": {"@vocab": "https://example.com/#"}, "a": 1}),
            json!({"@context": CREDENTIALS_V2, "type": "VerifiableCredential", "credentialSubject": {"undefinedTerm": 1}}),
            json!({"@context": "https://example.com/ctx", "a": 1}),
        ];
        for _ in 0..2 {
            for document in &documents {
                assert_eq!(
                    canonical_nquads(document).map_err(|_| ()),
                    reference_nquads(document).map_err(|_| ()),
                    "{document}"
                );
            }
        }
        assert!(
            canonical_nquads(&documents[0])
                .unwrap()
                .contains("alumniOf")
        );
        assert!(
            canonical_nquads(&documents[4]).is_err(),
            "undefined terms are still refused"
        );
    }

    #[test]
    fn every_bundled_context_loads_with_what_it_imports() {
        for (url, _) in BUNDLED_CONTEXTS {
            let doc = json!({"@context": [url], "@id": "urn:example:x"});
            check(&doc).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }

    #[test]
    fn refuses_undefined_terms_types_and_unknown_contexts() {
        let base = |subject: serde_json::Value, types: serde_json::Value, extra: &str| {
            json!({
                "@context": [CREDENTIALS_V2, extra],
                "type": types,
                "issuer": "did:example:issuer",
                "credentialSubject": subject
            })
        };
        let undefined_term = base(
            json!({"given_name": "A"}),
            json!(["VerifiableCredential"]),
            DID_V1,
        );
        let e = check(&undefined_term).unwrap_err();
        assert!(e.0.contains("given_name"), "{e}");
        let undefined_type = base(
            json!({"name": "A"}),
            json!(["VerifiableCredential", "Alumni"]),
            DID_V1,
        );
        assert!(check(&undefined_type).is_err());
        let unknown = base(
            json!({"name": "A"}),
            json!(["VerifiableCredential"]),
            "https://example.com/ctx",
        );
        let e = check(&unknown).unwrap_err();
        assert!(!e.0.is_empty());
        // VC v2 protects `name`, which schema.org redefines: not a usable pair (jsonld.js agrees).
        let clash = base(
            json!({"givenName": "A"}),
            json!(["VerifiableCredential"]),
            "https://schema.org",
        );
        assert!(
            check(&clash)
                .unwrap_err()
                .0
                .contains("Protected term redefinition")
        );
        let mut fine = base(
            json!({"givenName": "A"}),
            json!(["VerifiableCredential", "Person"]),
            "https://schema.org",
        );
        fine["@context"][0] = CREDENTIALS_V1.into();
        check(&fine).unwrap();
    }
}
