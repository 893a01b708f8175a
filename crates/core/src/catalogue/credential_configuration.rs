//! Credential configurations: the template each issued credential is built from (format, type,
//! claim mappings per seed 004, display, validity).

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};
use sigil_crypto::SecureRandom;
use sigil_formats::json_ld;
use sigil_formats::ldp_vc::{self, Suite, Template};
use sigil_formats::mso_mdoc::{Element, ElementType, Validity, to_cbor};
use sigil_proto::admin::credential_configuration::{
    Branding, ClaimsPreviewRequest, ClaimsPreviewResponse, CredentialConfigurationRequest,
    CredentialConfigurationResponse, ExpiresIn,
};
use sigil_proto::admin::page::Page;

use crate::Clock;
use crate::catalogue::claim_mapping::{
    ClaimMappings, ClaimSource, Typing, map_claims, parse_claim_mappings,
};
use crate::clock::instant;
use crate::document::Documents;
use crate::error::ClaimMappingError;
use crate::error::{Error, Resource};
use crate::ids::{is_id, new_id};
use crate::keys::did::IssuerDidMethod;
use crate::outbound_url::OutboundUrl;
use crate::page::PageRequest;
use crate::settings::Settings;
use crate::store::DocumentKind;
use crate::store::Store;
use crate::store::{CredentialConfigurationRecord, StoreError};
use crate::validation::{Problems, text};

/// Most claim mappings in one configuration.
pub const MAX_CLAIM_MAPPINGS: usize = 500;
/// Longest validity a configuration may give (100 years).
pub const MAX_EXPIRES_IN_SECS: i64 = 100 * 365 * 86_400;

/// The credential formats of OID4VCI 1.0 Appendix A and seed 002's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// IETF SD-JWT VC (`dc+sd-jwt`).
    DcSdJwt,
    /// W3C VC as a JWT without JSON-LD (`jwt_vc_json`).
    JwtVcJson,
    /// ISO/IEC 18013-5 mdoc (`mso_mdoc`).
    MsoMdoc,
    /// W3C VC with a Data Integrity proof (`ldp_vc`).
    LdpVc,
    /// A CWT carrying a VC (`cwt_vc`).
    CwtVc,
    /// A CWT with claims at top level (`cwt`).
    Cwt,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::DcSdJwt,
        Format::JwtVcJson,
        Format::MsoMdoc,
        Format::LdpVc,
        Format::CwtVc,
        Format::Cwt,
    ];

    /// The format identifier on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DcSdJwt => "dc+sd-jwt",
            Format::JwtVcJson => "jwt_vc_json",
            Format::MsoMdoc => "mso_mdoc",
            Format::LdpVc => "ldp_vc",
            Format::CwtVc => "cwt_vc",
            Format::Cwt => "cwt",
        }
    }

    /// Parses a format identifier.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Claim names the format sets itself, which mappings may not use.
    pub fn reserved_claims(self) -> &'static [&'static str] {
        match self {
            // RFC 9901 §4.1 / SD-JWT VC §3.2.2: registered claims and SD machinery.
            Format::DcSdJwt => &[
                "iss",
                "nbf",
                "exp",
                "iat",
                "cnf",
                "vct",
                "vct#integrity",
                "status",
                "_sd",
                "_sd_alg",
                "...",
            ],
            // credentialSubject.id is the holder's identifier, taken from the proof.
            Format::JwtVcJson | Format::LdpVc | Format::CwtVc => &["id"],
            // RFC 8392 §3.1 registered claims, and cnf (RFC 8747).
            Format::Cwt => &["iss", "sub", "aud", "exp", "nbf", "iat", "cti", "cnf"],
            Format::MsoMdoc => &[],
        }
    }

    /// The key-proof algorithms a wallet may use: COSE-bound formats take ES256 (a P-256
    /// COSE_Key), the JOSE ones every algorithm Sigil verifies.
    pub fn proof_algorithms(self) -> &'static [&'static str] {
        match self {
            Format::MsoMdoc | Format::CwtVc | Format::Cwt => &["ES256"],
            _ => &PROOF_ALGS,
        }
    }

    fn uses_type(self) -> bool {
        matches!(
            self,
            Format::JwtVcJson | Format::LdpVc | Format::CwtVc | Format::Cwt
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a configuration: flat for JSON formats, per namespace for mdoc.
#[derive(Debug, Clone, PartialEq)]
pub enum Claims {
    /// `claim → mapping`.
    Flat(ClaimMappings),
    /// `namespace → element → mapping` (mso_mdoc).
    Namespaced(Vec<(String, ClaimMappings)>),
}

/// ldp_vc settings of a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ldp {
    /// Proof suite (and data model).
    pub suite: Suite,
    /// Issuer DID method.
    pub issuer_did: IssuerDidMethod,
}

/// A validated credential configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialConfiguration {
    /// Id.
    pub id: String,
    /// Format.
    pub format: Format,
    /// OAuth scope (`<format>:<type, vct or doctype>`), unique per deployment.
    pub scope: String,
    /// Claim mappings.
    pub claims: Claims,
    /// Validity in seconds, when set.
    pub expires_in_secs: Option<i64>,
    /// mso_mdoc: `validFrom` and `validUntil` mapped like claims (named so).
    pub validity: ClaimMappings,
    /// ldp_vc: how the credential is secured.
    pub ldp: Option<Ldp>,
    /// The request as accepted, echoed by the API.
    pub request: CredentialConfigurationRequest,
}

impl CredentialConfiguration {
    /// The status list its credentials' status goes in; `None` when it is not revocable.
    pub fn status_list_kind(&self) -> Option<crate::status_list::ListKind> {
        use crate::status_list::ListKind;
        if self.request.revocable != Some(true) {
            return None;
        }
        Some(match (self.format, self.ldp) {
            (Format::LdpVc, Some(ldp)) => ListKind::Bitstring(ldp.issuer_did),
            _ => ListKind::Token,
        })
    }
}

impl CredentialConfiguration {
    /// Validates `request` for `id`, reporting every problem with its `param`.
    pub fn parse(id: String, request: CredentialConfigurationRequest) -> Result<Self, Error> {
        let mut p = Problems::default();
        text(&mut p, "name", &request.name, 256);
        if let Some(d) = &request.description {
            text(&mut p, "description", d, 2048);
        }
        let format = Format::parse(&request.format);
        let Some(format) = format else {
            let allowed: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            p.body(
                "format",
                format!("must be one of: {}", allowed.join(", ")),
                Value::from(request.format.clone()),
            );
            return Err(p.into_error());
        };
        let rule = |present: bool, wanted: bool, field: &str, p: &mut Problems, v: Value| match (
            present, wanted,
        ) {
            (false, true) => p.body(
                field,
                format!("is required for format {format}"),
                Value::Null,
            ),
            (true, false) => p.body(field, format!("does not apply to format {format}"), v),
            _ => {}
        };
        rule(
            request.type_.is_some(),
            format.uses_type(),
            "type",
            &mut p,
            Value::from(request.type_.clone()),
        );
        rule(
            request.vct.is_some(),
            format == Format::DcSdJwt,
            "vct",
            &mut p,
            Value::from(request.vct.clone()),
        );
        rule(
            request.doctype.is_some(),
            format == Format::MsoMdoc,
            "doctype",
            &mut p,
            Value::from(request.doctype.clone()),
        );
        if request.additional_types.is_some()
            && !matches!(format, Format::JwtVcJson | Format::LdpVc | Format::CwtVc)
        {
            p.body(
                "additionalTypes",
                format!("does not apply to format {format}"),
                Value::Null,
            );
        }
        if request.contexts.is_some()
            && !matches!(format, Format::JwtVcJson | Format::LdpVc | Format::CwtVc)
        {
            p.body(
                "contexts",
                format!("does not apply to format {format}"),
                Value::Null,
            );
        }
        if let Some(t) = &request.type_ {
            identifier(&mut p, "type", t, 128);
        }
        if let Some(v) = &request.vct {
            identifier(&mut p, "vct", v, 2048);
        }
        if let Some(d) = &request.doctype {
            identifier(&mut p, "doctype", d, 256);
        }
        list(
            &mut p,
            "additionalTypes",
            request.additional_types.as_deref(),
            |p, param, t| identifier(p, param, t, 128),
        );
        list(
            &mut p,
            "contexts",
            request.contexts.as_deref(),
            |p, param, c| {
                if url::Url::parse(c).is_err() {
                    p.body(param, "must be an absolute URL", Value::from(c));
                }
            },
        );
        let claims = claims(&mut p, format, &request.claim_mappings);
        let ldp = ldp(&mut p, format, &request, &claims);
        if let Some(b) = &request.branding {
            branding(&mut p, b);
        }
        let expires_in_secs = request
            .expires_in
            .as_ref()
            .and_then(|e| expires_in(&mut p, e));
        let validity = validity(&mut p, format, &request, expires_in_secs);
        let scope = format!(
            "{format}:{}",
            request
                .type_
                .as_deref()
                .or(request.vct.as_deref())
                .or(request.doctype.as_deref())
                .unwrap_or_default()
        );
        p.finish(Self {
            id,
            format,
            scope,
            claims,
            expires_in_secs,
            validity,
            ldp,
            request,
        })
    }

    /// The configuration as the API shows it.
    pub fn to_response(&self) -> CredentialConfigurationResponse {
        let r = self.request.clone();
        CredentialConfigurationResponse {
            id: self.id.clone(),
            name: r.name,
            description: r.description,
            format: r.format,
            type_: r.type_,
            additional_types: r.additional_types,
            contexts: r.contexts,
            vct: r.vct,
            doctype: r.doctype,
            claim_mappings: r.claim_mappings,
            branding: r.branding,
            expires_in: r.expires_in,
            claim_source_id: r.claim_source_id,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            proof_suite: r.proof_suite,
            issuer_did: r.issuer_did,
            deferred: r.deferred.unwrap_or(false),
            revocable: r.revocable.unwrap_or(false),
            scope: self.scope.clone(),
        }
    }

    /// Computes the credential's claims from the user object (seed 004). For mdoc the result is
    /// `{namespace: {element: value}}`.
    pub fn map_claims(&self, user: &Value) -> Result<Map<String, Value>, ClaimMappingError> {
        match &self.claims {
            Claims::Flat(mappings) => map_claims(mappings, user),
            Claims::Namespaced(namespaces) => namespaces
                .iter()
                .map(|(ns, m)| Ok((ns.clone(), Value::Object(map_claims(m, user)?))))
                .collect(),
        }
    }

    /// `type` then `additionalTypes` (the VC formats put `VerifiableCredential` before them).
    pub fn types(&self) -> Vec<String> {
        types_of(&self.request)
    }

    /// ldp_vc: the credential template (suite, types, contexts).
    pub fn ldp_template<'a>(&'a self, types: &'a [String]) -> Option<Template<'a>> {
        self.ldp.map(|ldp| Template {
            suite: ldp.suite,
            types,
            contexts: self.request.contexts.as_deref().unwrap_or_default(),
        })
    }

    /// mso_mdoc: the mapped elements typed for CBOR, per namespace. A value that does not fit
    /// its type is an error naming the element.
    pub fn mdoc_namespaces(&self, user: &Value) -> Result<Vec<(String, Vec<Element>)>, String> {
        let Claims::Namespaced(namespaces) = &self.claims else {
            return Err("not an mso_mdoc configuration".into());
        };
        let mut out = Vec::with_capacity(namespaces.len());
        for (ns, mappings) in namespaces {
            let values = map_claims(mappings, user).map_err(|e| e.to_string())?;
            let mut elements = Vec::with_capacity(values.len());
            for m in &mappings.0 {
                let Some(value) = values.get(&m.name) else {
                    continue;
                };
                let ty = m.element_type.as_ref().unwrap_or(&ElementType::Any);
                let value =
                    to_cbor(value, ty).map_err(|why| format!("element {ns}/{}: {why}", m.name))?;
                elements.push(Element {
                    identifier: m.name.clone(),
                    value,
                });
            }
            if !elements.is_empty() {
                out.push((ns.clone(), elements));
            }
        }
        Ok(out)
    }

    /// mso_mdoc: `validityInfo` for an mdoc signed at `now`. `validFrom` is never before `now`
    /// (ISO/IEC 18013-5 §9.1.2.4); the validity is capped per doctype.
    pub fn mdoc_validity(&self, user: &Value, now: i64) -> Result<Validity, String> {
        let mapped = map_claims(&self.validity, user).map_err(|e| e.to_string())?;
        let at = |name: &str| -> Result<Option<i64>, String> {
            mapped
                .get(name)
                .map(|v| instant(v).ok_or_else(|| format!("{name} {v} is not a date-time")))
                .transpose()
        };
        let valid_from = at("validFrom")?.map_or(now, |t| t.max(now));
        let valid_until = match at("validUntil")? {
            Some(t) => t,
            None => valid_from + self.expires_in_secs.unwrap_or(MDOC_DEFAULT_VALIDITY_SECS),
        };
        let doctype = self.request.doctype.as_deref().unwrap_or_default();
        let max = mdoc_max_validity_secs(doctype);
        if valid_until <= valid_from {
            return Err("validUntil must be after validFrom".into());
        }
        if valid_until - valid_from > max {
            return Err(format!(
                "the validity would exceed {} days, the most for doctype {doctype}",
                max / 86_400
            ));
        }
        Ok(Validity {
            signed: now,
            valid_from,
            valid_until,
        })
    }

    fn from_record(record: &CredentialConfigurationRecord) -> Result<Self, Error> {
        let request = serde_json::from_str(&record.document).map_err(|e| {
            StoreError::Corrupt(format!("credential configuration {}: {e}", record.id))
        })?;
        Self::parse(record.id.clone(), request).map_err(|e| {
            Error::Store(StoreError::Corrupt(format!(
                "credential configuration {} no longer validates: {e}",
                record.id
            )))
        })
    }

    fn to_record(
        &self,
        created_at: i64,
        updated_at: i64,
    ) -> Result<CredentialConfigurationRecord, Error> {
        Ok(CredentialConfigurationRecord {
            id: self.id.clone(),
            format: self.format.as_str().into(),
            scope: self.scope.clone(),
            document: serde_json::to_string(&self.request)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            created_at,
            updated_at,
        })
    }
}

fn types_of(r: &CredentialConfigurationRequest) -> Vec<String> {
    r.type_
        .iter()
        .chain(r.additional_types.iter().flatten())
        .cloned()
        .collect()
}

/// ldp_vc: the suite and issuer DID, and the JSON-LD checks: every context bundled, and the types
/// and each claim defined by them, so no credential is refused by a verifier's strict expansion.
fn ldp(
    p: &mut Problems,
    format: Format,
    request: &CredentialConfigurationRequest,
    claims: &Claims,
) -> Option<Ldp> {
    if format != Format::LdpVc {
        for (field, present) in [
            ("proofSuite", request.proof_suite.is_some()),
            ("issuerDid", request.issuer_did.is_some()),
        ] {
            if present {
                p.body(
                    field,
                    format!("does not apply to format {format}"),
                    Value::Null,
                );
            }
        }
        return None;
    }
    let suite = match request.proof_suite.as_deref() {
        None => Some(Suite::EddsaRdfc2022),
        Some(name) => Suite::parse(name).or_else(|| {
            let names: Vec<&str> = Suite::ALL.iter().map(|s| s.as_str()).collect();
            p.body(
                "proofSuite",
                format!("must be one of: {}", names.join(", ")),
                Value::from(name),
            );
            None
        }),
    };
    let issuer_did = match request.issuer_did.as_deref() {
        None => Some(IssuerDidMethod::Web),
        Some(name) => IssuerDidMethod::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
            .or_else(|| {
                p.body("issuerDid", "must be did:web or did:key", Value::from(name));
                None
            }),
    };
    let contexts = request.contexts.as_deref().unwrap_or_default();
    let mut usable = true;
    for (i, c) in contexts.iter().enumerate() {
        if !json_ld::is_bundled(c) {
            usable = false;
            p.body(
                format!("contexts.{i}"),
                "is not a JSON-LD context Sigil holds; contexts are bundled, never fetched (the README lists them)",
                Value::from(c.as_str()),
            );
        }
    }
    if request.revocable == Some(true) && suite == Some(Suite::Ed25519Signature2020) {
        p.body(
            "revocable",
            "a revocable ldp_vc uses the Bitstring Status List, which VCDM 2.0 defines: use proofSuite eddsa-rdfc-2022",
            Value::Bool(true),
        );
    }
    let suite = suite?;
    let ldp = Ldp {
        suite,
        issuer_did: issuer_did?,
    };
    let (Claims::Flat(mappings), true) = (claims, usable) else {
        return Some(ldp);
    };
    let types = types_of(request);
    let template = Template {
        suite,
        types: &types,
        contexts,
    };
    let subject = |claim: Option<(&str, Value)>| {
        let mut s = Map::new();
        s.insert("id".into(), "did:example:holder".into());
        s.extend(claim.map(|(k, v)| (k.to_string(), v)));
        s
    };
    if let Err(e) = json_ld::check(&template.probe(subject(None))) {
        p.body(
            "type",
            format!("the credential's types are not all defined by its JSON-LD contexts ({e})"),
            Value::from(template.type_()),
        );
        return Some(ldp);
    }
    for m in &mappings.0 {
        let sample = match &m.source {
            ClaimSource::Static(v)
            | ClaimSource::Mapped {
                default: Some(v), ..
            } => v.clone(),
            ClaimSource::Mapped { default: None, .. } => Value::from("text"),
        };
        if let Some(keyword) = ldp_vc::keyword_in(&sample) {
            p.body(
                format!("claimMappings.{}", m.name),
                format!("must not contain the JSON-LD keyword `{keyword}`: claim values are data"),
                Value::Null,
            );
        } else if let Err(e) = json_ld::check(&template.probe(subject(Some((&m.name, sample))))) {
            p.body(
                format!("claimMappings.{}", m.name),
                format!(
                    "cannot be expressed in this ldp_vc: its JSON-LD contexts do not define it ({e})"
                ),
                Value::Null,
            );
        }
    }
    Some(ldp)
}

fn identifier(p: &mut Problems, param: &str, value: &str, max: usize) {
    if value.is_empty() || value.chars().count() > max {
        p.body(
            param,
            format!("must be 1 to {max} characters"),
            Value::from(value),
        );
    } else if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
    {
        p.body(
            param,
            "must not contain whitespace, quotes or backslashes",
            Value::from(value),
        );
    }
}

fn list(
    p: &mut Problems,
    param: &str,
    items: Option<&[String]>,
    check: impl Fn(&mut Problems, &str, &str),
) {
    let Some(items) = items else { return };
    if items.len() > 20 {
        p.body(
            param,
            "must have at most 20 entries",
            Value::from(items.len()),
        );
    }
    for (i, item) in items.iter().enumerate() {
        check(p, &format!("{param}.{i}"), item);
    }
}

fn claims(p: &mut Problems, format: Format, object: &Map<String, Value>) -> Claims {
    let count: usize = match format {
        Format::MsoMdoc => object
            .values()
            .map(|v| v.as_object().map_or(1, Map::len))
            .sum(),
        _ => object.len(),
    };
    if count > MAX_CLAIM_MAPPINGS {
        p.body(
            "claimMappings",
            format!("must have at most {MAX_CLAIM_MAPPINGS} mappings"),
            Value::from(count),
        );
        return Claims::Flat(ClaimMappings::default());
    }
    if format != Format::MsoMdoc {
        return Claims::Flat(parse_claim_mappings(
            p,
            "claimMappings",
            object,
            format.reserved_claims(),
            Typing::Json,
        ));
    }
    let mut namespaces = Vec::new();
    for (ns, elements) in object {
        let param = format!("claimMappings.{ns}");
        identifier(p, &param, ns, 256);
        let looks_like_a_mapping = elements.as_object().is_some_and(|e| {
            ["mapFrom", "defaultValue", "required"]
                .iter()
                .any(|k| e.contains_key(*k))
        });
        match elements.as_object().filter(|_| !looks_like_a_mapping) {
            Some(elements) => {
                let typing = Typing::Mdoc { namespace: ns };
                namespaces.push((ns.clone(), parse_claim_mappings(p, &param, elements, &[], typing)));
            }
            None => p.body(
                param,
                "must be an object of element identifier → claim mapping (mso_mdoc claims are grouped by namespace)",
                elements.clone(),
            ),
        }
    }
    Claims::Namespaced(namespaces)
}

/// Longest mdoc validity: 427 days for an mDL (ISO/IEC 18013-5), 3,620 days for other doctypes.
pub fn mdoc_max_validity_secs(doctype: &str) -> i64 {
    if doctype.starts_with("org.iso.18013.5.1.mDL") {
        427 * 86_400
    } else {
        3_620 * 86_400
    }
}

/// Validity of an mdoc when the configuration sets none (a year).
pub const MDOC_DEFAULT_VALIDITY_SECS: i64 = 365 * 86_400;

/// `validFrom` / `validUntil` (mso_mdoc only), each a claim mapping whose static value must be a
/// date or an RFC 3339 date-time; `validUntil` excludes `expiresIn`, which the mdoc cap bounds.
fn validity(
    p: &mut Problems,
    format: Format,
    request: &CredentialConfigurationRequest,
    expires_in_secs: Option<i64>,
) -> ClaimMappings {
    let mut object = Map::new();
    for (name, mapping) in [
        ("validFrom", &request.valid_from),
        ("validUntil", &request.valid_until),
    ] {
        let Some(mapping) = mapping else { continue };
        let raw = serde_json::to_value(mapping).unwrap_or_default();
        if format != Format::MsoMdoc {
            p.body(name, format!("does not apply to format {format}"), raw);
            continue;
        }
        object.insert(name.to_string(), raw);
    }
    if request.valid_until.is_some() && request.expires_in.is_some() {
        p.body(
            "validUntil",
            "give validUntil or expiresIn, not both",
            Value::Null,
        );
    }
    if format == Format::MsoMdoc
        && let (Some(secs), Some(doctype)) = (expires_in_secs, &request.doctype)
    {
        let max = mdoc_max_validity_secs(doctype);
        if secs > max {
            p.body(
                "expiresIn",
                format!(
                    "must be at most {} days for doctype {doctype}",
                    max / 86_400
                ),
                Value::from(secs),
            );
        }
    }
    let mappings = parse_claim_mappings(p, "", &object, &[], Typing::Json);
    for m in &mappings.0 {
        let fixed = match &m.source {
            crate::catalogue::claim_mapping::ClaimSource::Static(v) => Some(v),
            crate::catalogue::claim_mapping::ClaimSource::Mapped { default, .. } => {
                default.as_ref()
            }
        };
        if let Some(v) = fixed
            && instant(v).is_none()
        {
            p.body(
                format!("{}.defaultValue", m.name),
                "must be an RFC 3339 date-time or a date (YYYY-MM-DD)",
                v.clone(),
            );
        }
    }
    mappings
}

fn branding(p: &mut Problems, b: &Branding) {
    for (param, color) in [
        ("branding.backgroundColor", &b.background_color),
        ("branding.textColor", &b.text_color),
    ] {
        if let Some(c) = color {
            let hex = c
                .strip_prefix('#')
                .filter(|h| h.len() == 6 && h.chars().all(|x| x.is_ascii_hexdigit()));
            if hex.is_none() {
                p.body(
                    param,
                    "must be a colour in the form #RRGGBB",
                    Value::from(c.clone()),
                );
            }
        }
    }
    if let Some(l) = &b.locale
        && (l.is_empty()
            || l.len() > 35
            || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        p.body(
            "branding.locale",
            "must be a BCP 47 language tag such as en-US",
            Value::from(l.clone()),
        );
    }
    let image = |p: &mut Problems, param: &str, url: &str| {
        if let Err(why) = OutboundUrl::parse(url) {
            p.body(param, why, Value::from(url));
        }
    };
    if let Some(w) = &b.watermark_image {
        image(p, "branding.watermarkImage", w);
    }
    if let Some(logo) = &b.logo {
        image(p, "branding.logo.url", &logo.url);
        if let Some(alt) = &logo.alt_text {
            text(p, "branding.logo.altText", alt, 256);
        }
    }
}

fn expires_in(p: &mut Problems, e: &ExpiresIn) -> Option<i64> {
    let parts = [
        ("years", e.years, 365 * 86_400),
        ("months", e.months, 30 * 86_400),
        ("weeks", e.weeks, 7 * 86_400),
        ("days", e.days, 86_400),
        ("hours", e.hours, 3_600),
        ("minutes", e.minutes, 60),
        ("seconds", e.seconds, 1),
    ];
    let mut total: i64 = 0;
    for (name, value, unit) in parts {
        let Some(v) = value else { continue };
        // Each unit at most about a century (a rule the OpenAPI document can state, unlike a
        // bound on the sum).
        if v < 0 || v.saturating_mul(unit) > MAX_EXPIRES_IN_SECS {
            p.body(
                format!("expiresIn.{name}"),
                format!(
                    "must be between 0 and {} {name}",
                    MAX_EXPIRES_IN_SECS / unit
                ),
                Value::from(v),
            );
            return None;
        }
        total = total.saturating_add(v * unit);
    }
    if total == 0 {
        p.body(
            "expiresIn",
            "must add up to more than 0 seconds",
            Value::from(total),
        );
        return None;
    }
    Some(total)
}

/// The key proof algorithms wallets may sign with (`proof_signing_alg_values_supported`).
pub const PROOF_ALGS: [&str; 2] = ["ES256", "EdDSA"];

/// Every stored credential configuration record, in id order.
async fn all_records(store: &dyn Store) -> Result<Vec<CredentialConfigurationRecord>, Error> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let rows = store
            .list_credential_configurations(after.as_deref(), 1000)
            .await?;
        let done = rows.len() < 1000;
        after = rows.last().map(|r| r.id.clone());
        out.extend(rows);
        if done {
            return Ok(out);
        }
    }
}

/// Every credential configuration in `store`, in id order (claims sources read it to refuse
/// deleting one in use, without depending on this service).
pub(crate) async fn all_configurations(
    store: &dyn Store,
) -> Result<Vec<CredentialConfiguration>, Error> {
    all_records(store)
        .await?
        .iter()
        .map(CredentialConfiguration::from_record)
        .collect()
}

/// Credential configurations (`/v1/openid/credential-configurations`).
#[derive(Debug, Clone)]
pub struct CredentialConfigurations {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) documents: Arc<Documents>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) parsed: Arc<ParsedConfigurations>,
}

/// Configurations already parsed and validated, by id, with the stored document they came from
/// and when they were read. When the store can tell that no configuration has changed since
/// (through any node: [`Store::configurations_version`]) and this node has changed none, a read
/// is answered from here; otherwise it asks the store and parses only when the stored document
/// differs from the one kept.
#[derive(Debug, Default)]
pub(crate) struct ParsedConfigurations {
    kept: std::sync::Mutex<std::collections::HashMap<String, Parsed>>,
    /// Bumped by this node's own changes, which it must see at once, before the store's notice
    /// of them arrives.
    local: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Parsed {
    document: String,
    config: Arc<CredentialConfiguration>,
    /// The store's and this node's versions when the document was read (none: the store could
    /// not tell).
    read_at: Option<(u64, u64)>,
}

/// Parsed configurations kept at most; beyond, the cache starts again empty.
const PARSED_CONFIGURATIONS: usize = 1_024;

impl ParsedConfigurations {
    fn kept(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Parsed>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The versions to tag a read with, taken before it.
    fn now(&self, store: &dyn Store) -> Option<(u64, u64)> {
        let local = self.local.load(std::sync::atomic::Ordering::SeqCst);
        store.configurations_version().map(|v| (v, local))
    }

    /// The kept configuration `id`, when nothing has changed since it was read.
    fn current(&self, id: &str, now: Option<(u64, u64)>) -> Option<Arc<CredentialConfiguration>> {
        let now = now?;
        let kept = self.kept();
        let parsed = kept.get(id)?;
        (parsed.read_at == Some(now)).then(|| parsed.config.clone())
    }

    /// Forgets what was read before this node's own change.
    fn changed(&self) {
        self.local.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn parse(
        &self,
        record: &CredentialConfigurationRecord,
        read_at: Option<(u64, u64)>,
    ) -> Result<Arc<CredentialConfiguration>, Error> {
        if let Some(parsed) = self.kept().get_mut(&record.id)
            && parsed.document == record.document
        {
            parsed.read_at = read_at;
            return Ok(parsed.config.clone());
        }
        let config = Arc::new(CredentialConfiguration::from_record(record)?);
        let mut kept = self.kept();
        if kept.len() >= PARSED_CONFIGURATIONS {
            kept.clear();
        }
        kept.insert(
            record.id.clone(),
            Parsed {
                document: record.document.clone(),
                config: config.clone(),
                read_at,
            },
        );
        Ok(config)
    }
}

/// Validates a configuration as on create, for a preview: problems name their fields under
/// `configuration.` (where the preview request holds it).
pub fn parse_for_preview(
    request: CredentialConfigurationRequest,
) -> Result<CredentialConfiguration, Error> {
    CredentialConfiguration::parse(String::new(), request).map_err(|e| match e {
        Error::Validation(fields) => Error::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    f.param = format!("configuration.{}", f.param);
                    f
                })
                .collect(),
        ),
        other => other,
    })
}

impl CredentialConfigurations {
    /// `POST /v1/openid/credential-configurations`.
    pub async fn create_credential_configuration(
        &self,
        request: CredentialConfigurationRequest,
    ) -> Result<CredentialConfigurationResponse, Error> {
        let id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let config = CredentialConfiguration::parse(id, request)?;
        self.check_claim_source_of(&config).await?;
        let now = self.clock.now();
        self.store
            .insert_credential_configuration(&config.to_record(now, now)?)
            .await
            .map_err(|e| scope_conflict(e, &config.scope))?;
        Ok(config.to_response())
    }

    /// `POST /v1/openid/credential-configurations/preview`: the claims a configuration (validated
    /// as on create, nothing stored) would give a sample user, through the issuance path's own
    /// mapping. Validation problems name their fields under `configuration.`.
    pub fn preview_claims(
        &self,
        request: ClaimsPreviewRequest,
    ) -> Result<ClaimsPreviewResponse, Error> {
        let config = parse_for_preview(request.configuration)?;
        Ok(match config.map_claims(&Value::Object(request.user)) {
            Ok(claims) => ClaimsPreviewResponse {
                issuable: true,
                claims: Some(claims),
                message: None,
            },
            Err(e) => ClaimsPreviewResponse {
                issuable: false,
                claims: None,
                message: Some(e.to_string()),
            },
        })
    }

    /// Whether claims source `id` exists (read through the stored documents, so this service
    /// needs nothing of the claims sources' own).
    async fn claim_source_exists(&self, id: &str) -> Result<bool, Error> {
        match self
            .documents
            .document(DocumentKind::ClaimSource, Resource::ClaimSource, id)
            .await
        {
            Ok(_) => Ok(true),
            Err(Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn check_claim_source_of(
        &self,
        config: &CredentialConfiguration,
    ) -> Result<(), Error> {
        match &config.request.claim_source_id {
            // An id that names nothing is a 404, like any other.
            Some(id) if !self.claim_source_exists(id).await? => {
                Err(Error::NotFound(Resource::ClaimSource))
            }
            _ => Ok(()),
        }
    }

    /// One credential configuration, as the domain sees it.
    pub async fn credential_configuration(
        &self,
        id: &str,
    ) -> Result<Arc<CredentialConfiguration>, Error> {
        let not_found = Error::NotFound(Resource::CredentialConfiguration);
        if !is_id(id) {
            return Err(not_found);
        }
        let now = self.parsed.now(self.store.as_ref());
        if let Some(config) = self.parsed.current(id, now) {
            return Ok(config);
        }
        let record = self
            .store
            .get_credential_configuration(id)
            .await?
            .ok_or(not_found)?;
        self.parsed.parse(&record, now)
    }

    /// `GET /v1/openid/credential-configurations`.
    pub async fn list_credential_configurations(
        &self,
        page: &PageRequest,
    ) -> Result<Page<CredentialConfigurationResponse>, Error> {
        let rows = self
            .store
            .list_credential_configurations(page.after.as_deref(), page.fetch_limit())
            .await?;
        let (rows, next_cursor) = page.finish(rows, |r| &r.id);
        let data = rows
            .iter()
            .map(|r| CredentialConfiguration::from_record(r).map(|c| c.to_response()))
            .collect::<Result<_, _>>()?;
        Ok(Page { next_cursor, data })
    }

    /// `PUT /v1/openid/credential-configurations/{id}`: replaces the configuration.
    pub async fn update_credential_configuration(
        &self,
        id: &str,
        request: CredentialConfigurationRequest,
    ) -> Result<CredentialConfigurationResponse, Error> {
        let existing = self.credential_configuration(id).await?;
        let config = CredentialConfiguration::parse(existing.id.clone(), request)?;
        self.check_claim_source_of(&config).await?;
        let now = self.clock.now();
        let updated = self
            .store
            .update_credential_configuration(&config.to_record(now, now)?)
            .await;
        self.parsed.changed();
        let updated = updated.map_err(|e| scope_conflict(e, &config.scope))?;
        if !updated {
            return Err(Error::NotFound(Resource::CredentialConfiguration));
        }
        Ok(config.to_response())
    }

    /// Every credential configuration, in id order; each parsed once per stored document (the
    /// same `Arc` while it is unchanged, which the metadata document's cache relies on).
    pub async fn all_credential_configurations(
        &self,
    ) -> Result<Vec<Arc<CredentialConfiguration>>, Error> {
        let now = self.parsed.now(self.store.as_ref());
        all_records(self.store.as_ref())
            .await?
            .iter()
            .map(|record| self.parsed.parse(record, now))
            .collect()
    }

    /// `DELETE /v1/openid/credential-configurations/{id}`.
    pub async fn delete_credential_configuration(&self, id: &str) -> Result<(), Error> {
        if !is_id(id) {
            return Err(Error::NotFound(Resource::CredentialConfiguration));
        }
        let deleted = self.store.delete_credential_configuration(id).await;
        self.parsed.changed();
        if deleted? {
            Ok(())
        } else {
            Err(Error::NotFound(Resource::CredentialConfiguration))
        }
    }
}

fn scope_conflict(error: StoreError, scope: &str) -> Error {
    match error {
        StoreError::Conflict(_) => Error::Conflict(format!(
            "a credential configuration with scope `{scope}` already exists; each format and type (or vct, or doctype) is configured once"
        )),
        other => Error::Store(other),
    }
}
