//! mdoc certificates (ISO/IEC 18013-5 Annex B): IACA roots, generated or imported, one active at
//! a time; Document Signers (DS) under the active IACA, made when needed and rotated; and the
//! public list of IACAs behind the issuer metadata's `mdoc_iacas_uri`.
//!
//! Rotation: the newest DS of the active IACA signs an mdoc only while it is younger than
//! `mdoc.document_signer_rotation_days` and its certificate outlives the mdoc; otherwise a new DS
//! is made first. So no DS signs past its rotation period, and no mdoc outlives its DS.

use std::sync::Arc;

use serde_json::Value;
use sigil_crypto::SecureRandom;
use sigil_crypto::certificate::pem;
use sigil_crypto::mdoc_certificate::{
    AlternativeName, IACA_MAX_VALIDITY_SECS, IacaSubject, check_iaca, pem_decode,
    prepare_document_signer, prepare_iaca, summary,
};
use sigil_crypto::{MasterKeyId, PublicSigningKey, SealedBox, SigningAlgorithm, b64};
use sigil_proto::admin::iaca::{
    DocumentSignerRequest, DocumentSignerResponse, IacaRequest, IacaResponse, IacaUpdateRequest,
    MdocIaca, MdocIacas,
};
use sigil_proto::admin::page::Page;

use crate::Clock;
use crate::clock::instant;
use crate::clock::timestamp;
use crate::error::{Error, ProtocolError, Resource};
use crate::ids::{is_id, new_id};
use crate::keys::provider::KeyProviders;
use crate::keys::provider::{KeyUse, ProvidedKey, ProviderKey};
use crate::page::PageRequest;
use crate::settings::MdocSettings;
use crate::settings::Settings;
use crate::store::Store;
use crate::store::{MdocCertificateKind, MdocCertificateRecord, StoreError};
use crate::validation::{Problems, text};

/// Default IACA validity: 10 years.
const IACA_DEFAULT_VALIDITY_SECS: i64 = 10 * 365 * 86_400;
/// How far in the past a given `notBefore` may lie (clock skew).
const NOT_BEFORE_SKEW_SECS: i64 = 300;
/// A generated IACA starts this long before it is made, unless `notBefore` is given.
const IACA_BACKDATE_SECS: i64 = 3_600;
/// A DS certificate starts this long before it is made, for verifiers whose clocks lag.
const DS_BACKDATE_SECS: i64 = 60;

/// Two activations raced and the database kept one IACA active: the loser may retry.
fn activation_conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => {
            Error::Conflict("another IACA was activated at the same moment; retry".into())
        }
        other => other.into(),
    }
}

/// Whether the newest Document Signer `ds` may sign an mdoc valid until `valid_until` at `now`.
pub fn document_signer_usable(
    ds: &MdocCertificateRecord,
    now: i64,
    valid_until: i64,
    settings: &MdocSettings,
) -> bool {
    ds.not_before <= now
        && now - ds.created_at < settings.document_signer_rotation
        && ds.not_after >= valid_until
}

fn iaca_response(r: &MdocCertificateRecord) -> Result<IacaResponse, Error> {
    let s = summary(&r.certificate)?;
    Ok(IacaResponse {
        id: r.id.clone(),
        active: r.active,
        managed: r.managed,
        certificate_pem: pem(&r.certificate),
        certificate_fingerprint: s.fingerprint,
        common_name: s.common_name,
        country: s.country,
        state_or_province_name: s.state_or_province,
        not_before: timestamp(r.not_before),
        not_after: timestamp(r.not_after),
        created_at: timestamp(r.created_at),
    })
}

fn document_signer_response(r: &MdocCertificateRecord) -> Result<DocumentSignerResponse, Error> {
    let s = summary(&r.certificate)?;
    Ok(DocumentSignerResponse {
        id: r.id.clone(),
        iaca_id: r.iaca_id.clone().unwrap_or_default(),
        certificate_pem: pem(&r.certificate),
        certificate_fingerprint: s.fingerprint,
        not_before: timestamp(r.not_before),
        not_after: timestamp(r.not_after),
        created_at: timestamp(r.created_at),
    })
}

/// An ISO 3166-2 subdivision code: a country, a hyphen, 1 to 3 letters or digits (`US-AL`).
fn check_subdivision(p: &mut Problems, code: &str) {
    let ok = code.split_once('-').is_some_and(|(c, sub)| {
        c.len() == 2
            && c.chars().all(|x| x.is_ascii_uppercase())
            && (1..=3).contains(&sub.len())
            && sub
                .chars()
                .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit())
    });
    if !ok {
        p.body(
            "stateOrProvinceName",
            "must be an ISO 3166-2 code, e.g. US-AL",
            Value::from(code),
        );
    }
}

/// A time field: RFC 3339 or a date.
fn time_field(p: &mut Problems, param: &str, value: Option<&String>) -> Option<i64> {
    let text = value?;
    let parsed = instant(&Value::from(text.as_str()));
    if parsed.is_none() {
        p.body(
            param,
            "must be an RFC 3339 date-time or a date (YYYY-MM-DD)",
            Value::from(text.as_str()),
        );
    }
    parsed
}

/// IACAs and Document Signers (`/v1/credentials/mobile/...`).
#[derive(Debug, Clone)]
pub struct MdocCertificates {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) key_providers: KeyProviders,
}

impl MdocCertificates {
    /// The checks of an IACA request that need no storage, as `create_iaca` runs them.
    pub fn check_iaca_request(&self, r: &IacaRequest) -> Vec<crate::FieldError> {
        let now = self.clock.now();
        if r.certificate_pem.is_some() || r.private_key_pem.is_some() {
            crate::validation::field_errors(self.iaca_import(r, now))
        } else {
            crate::validation::field_errors(self.iaca_plan(r, now))
        }
    }

    pub(crate) fn host_name(&self) -> String {
        url::Url::parse(self.issuer())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "Sigil".into())
    }

    /// Validates a request to generate an IACA.
    pub(crate) fn iaca_plan(
        &self,
        r: &IacaRequest,
        now: i64,
    ) -> Result<(IacaSubject, i64, i64), Error> {
        let mut p = Problems::default();
        let country = r.country.clone().unwrap_or_default();
        if r.country.is_none() {
            p.body(
                "country",
                "is required to generate an IACA (ISO 3166-1 alpha-2, e.g. NZ)",
                Value::Null,
            );
        } else if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            p.body(
                "country",
                "must be an ISO 3166-1 alpha-2 code in upper case, e.g. NZ",
                Value::from(country.clone()),
            );
        }
        let common_name = r
            .common_name
            .clone()
            .unwrap_or_else(|| format!("{} IACA", self.host_name()));
        text(&mut p, "commonName", &common_name, 64);
        if let Some(st) = &r.state_or_province_name {
            check_subdivision(&mut p, st);
        }
        let alternative = r
            .issuer_alternative_name
            .clone()
            .unwrap_or_else(|| self.issuer().to_string());
        let alternative_name = if !alternative.contains("://") && alternative.contains('@') {
            AlternativeName::Email(alternative.clone())
        } else {
            match url::Url::parse(&alternative) {
                Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {
                    AlternativeName::Uri(alternative.clone())
                }
                _ => {
                    p.body(
                        "issuerAlternativeName",
                        "must be an http(s) URL or an e-mail address",
                        Value::from(alternative.clone()),
                    );
                    AlternativeName::Uri(String::new())
                }
            }
        };
        // Back-dated an hour by default, for verifiers whose clocks lag.
        let not_before = time_field(&mut p, "notBefore", r.not_before.as_ref())
            .unwrap_or(now - IACA_BACKDATE_SECS);
        if r.not_before.is_some() && not_before < now - NOT_BEFORE_SKEW_SECS {
            p.body(
                "notBefore",
                "must not be in the past",
                Value::from(r.not_before.clone()),
            );
        }
        let not_after = time_field(&mut p, "notAfter", r.not_after.as_ref())
            .unwrap_or(not_before + IACA_DEFAULT_VALIDITY_SECS);
        if not_after <= not_before {
            p.body(
                "notAfter",
                "must be after notBefore",
                Value::from(r.not_after.clone()),
            );
        } else if not_after - not_before > IACA_MAX_VALIDITY_SECS {
            p.body(
                "notAfter",
                "must be at most 20 years after notBefore",
                Value::from(r.not_after.clone()),
            );
        }
        let who = IacaSubject {
            common_name,
            country,
            state_or_province: r.state_or_province_name.clone(),
            alternative_name,
        };
        p.finish((who, not_before, not_after))
    }

    /// Validates an imported IACA: both PEMs, nothing else but `active`, and the Annex B profile.
    pub(crate) fn iaca_import(
        &self,
        r: &IacaRequest,
        now: i64,
    ) -> Result<(Vec<u8>, Vec<u8>, i64, i64), Error> {
        let mut p = Problems::default();
        for (param, given) in [
            ("commonName", r.common_name.is_some()),
            ("country", r.country.is_some()),
            ("stateOrProvinceName", r.state_or_province_name.is_some()),
            ("issuerAlternativeName", r.issuer_alternative_name.is_some()),
            ("notBefore", r.not_before.is_some()),
            ("notAfter", r.not_after.is_some()),
        ] {
            if given {
                p.body(
                    param,
                    "does not apply when importing (the certificate says it)",
                    Value::Null,
                );
            }
        }
        let certificate = match &r.certificate_pem {
            Some(text) => pem_decode("CERTIFICATE", text).or_else(|| {
                p.body(
                    "certificatePem",
                    "must be a PEM certificate (BEGIN CERTIFICATE)",
                    Value::Null,
                );
                None
            }),
            None => {
                p.body(
                    "certificatePem",
                    "is required to import an IACA",
                    Value::Null,
                );
                None
            }
        };
        let key = match &r.private_key_pem {
            Some(text) => pem_decode("PRIVATE KEY", text).or_else(|| {
                p.body(
                    "privateKeyPem",
                    "must be an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY)",
                    Value::Null,
                );
                None
            }),
            None => {
                p.body(
                    "privateKeyPem",
                    "is required to import an IACA",
                    Value::Null,
                );
                None
            }
        };
        let (Some(certificate), Some(key)) = (certificate, key) else {
            return Err(p.into_error());
        };
        match check_iaca(&certificate, Some(&key), now) {
            Ok(s) => p.finish((certificate, key, s.not_before, s.not_after)),
            Err(violations) => {
                for v in violations {
                    let param = if v.0.contains("private key") {
                        "privateKeyPem"
                    } else {
                        "certificatePem"
                    };
                    p.body(param, v.0, Value::Null);
                }
                Err(p.into_error())
            }
        }
    }

    /// Records an mdoc certificate whose key `made` made under the record id `id`.
    pub(crate) async fn store_mdoc_certificate(
        &self,
        (id, kind): (String, MdocCertificateKind),
        (iaca_id, replaces): (Option<String>, Option<String>),
        (active, managed): (bool, bool),
        certificate: Vec<u8>,
        (provider, made): (&str, ProvidedKey),
        (not_before, not_after): (i64, i64),
    ) -> Result<MdocCertificateRecord, Error> {
        let record = MdocCertificateRecord {
            id,
            kind,
            iaca_id,
            replaces,
            active,
            managed,
            certificate,
            private_key_key_id: made.reference.key_id.to_string(),
            private_key_ciphertext: made.reference.bytes,
            not_before,
            not_after,
            created_at: self.clock.now(),
            provider: provider.to_string(),
        };
        self.store
            .insert_mdoc_certificate(&record)
            .await
            .map_err(|e| match kind {
                MdocCertificateKind::Iaca => activation_conflict(e),
                MdocCertificateKind::DocumentSigner => match e {
                    StoreError::Conflict(_) => Error::Conflict(
                        "another Document Signer was made at the same moment; it signs from now on"
                            .into(),
                    ),
                    other => other.into(),
                },
            })?;
        Ok(record)
    }

    /// The key of an mdoc certificate record, through the provider that holds it.
    pub(crate) async fn mdoc_key(
        &self,
        record: &MdocCertificateRecord,
    ) -> Result<ProviderKey, Error> {
        self.key_providers
            .load(
                &record.provider,
                SigningAlgorithm::Es256,
                &SealedBox {
                    key_id: MasterKeyId::new(record.private_key_key_id.clone()),
                    bytes: record.private_key_ciphertext.clone(),
                },
                &KeyUse::Mdoc(record.id.clone()),
                None,
            )
            .await
    }

    /// `POST /v1/credentials/mobile/iacas`: generates an IACA, or imports one when
    /// `certificatePem` / `privateKeyPem` are given.
    pub async fn create_iaca(&self, request: &IacaRequest) -> Result<IacaResponse, Error> {
        let now = self.clock.now();
        let active = request.active.unwrap_or(true);
        let id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let usage = KeyUse::Mdoc(id.clone());
        let provider = self.key_providers.default_provider().clone();
        let record = if request.certificate_pem.is_some() || request.private_key_pem.is_some() {
            let (certificate, key, not_before, not_after) = self.iaca_import(request, now)?;
            let made = provider
                .import_pkcs8(SigningAlgorithm::Es256, &key, &usage)
                .await?;
            self.store_mdoc_certificate(
                (id, MdocCertificateKind::Iaca),
                (None, None),
                (active, false),
                certificate,
                (provider.name(), made),
                (not_before, not_after),
            )
            .await?
        } else {
            let (who, not_before, not_after) = self.iaca_plan(request, now)?;
            let made = provider.generate(SigningAlgorithm::Es256, &usage).await?;
            let key = ProviderKey::new(
                provider.clone(),
                PublicSigningKey {
                    algorithm: SigningAlgorithm::Es256,
                    jwk: made.jwk.clone(),
                    certificate_chain: Vec::new(),
                },
            );
            let unsigned = prepare_iaca(&made.jwk, &who, not_before, not_after, self.rng.as_ref())?;
            let certificate = key.sign(unsigned).await?;
            self.store_mdoc_certificate(
                (id, MdocCertificateKind::Iaca),
                (None, None),
                (active, true),
                certificate,
                (provider.name(), made),
                (not_before, not_after),
            )
            .await?
        };
        iaca_response(&record)
    }

    pub(crate) async fn mdoc_record(
        &self,
        kind: MdocCertificateKind,
        id: &str,
    ) -> Result<MdocCertificateRecord, Error> {
        let not_found = Error::NotFound(match kind {
            MdocCertificateKind::Iaca => Resource::Iaca,
            MdocCertificateKind::DocumentSigner => Resource::DocumentSigner,
        });
        if !is_id(id) {
            return Err(not_found);
        }
        self.store
            .get_mdoc_certificate(kind, id)
            .await?
            .ok_or(not_found)
    }

    pub(crate) async fn mdoc_page<T>(
        &self,
        kind: MdocCertificateKind,
        page: &PageRequest,
        show: fn(&MdocCertificateRecord) -> Result<T, Error>,
    ) -> Result<Page<T>, Error> {
        let rows = self
            .store
            .list_mdoc_certificates(kind, page.after.as_deref(), page.fetch_limit())
            .await?;
        let (rows, next_cursor) = page.finish(rows, |r| &r.id);
        let data = rows.iter().map(show).collect::<Result<_, _>>()?;
        Ok(Page { next_cursor, data })
    }

    /// `GET /v1/credentials/mobile/iacas`.
    pub async fn list_iacas(&self, page: &PageRequest) -> Result<Page<IacaResponse>, Error> {
        self.mdoc_page(MdocCertificateKind::Iaca, page, iaca_response)
            .await
    }

    /// `GET /v1/credentials/mobile/iacas/{id}`.
    pub async fn iaca(&self, id: &str) -> Result<IacaResponse, Error> {
        iaca_response(&self.mdoc_record(MdocCertificateKind::Iaca, id).await?)
    }

    /// `PUT /v1/credentials/mobile/iacas/{id}`: activates (or deactivates) an IACA.
    pub async fn update_iaca(
        &self,
        id: &str,
        request: &IacaUpdateRequest,
    ) -> Result<IacaResponse, Error> {
        let record = self.mdoc_record(MdocCertificateKind::Iaca, id).await?;
        if request.active && record.not_after <= self.clock.now() {
            return Err(Error::invalid_body(
                "active",
                "an expired IACA cannot be activated",
                Value::Bool(true),
            ));
        }
        let changed = self
            .store
            .set_iaca_active(id, request.active)
            .await
            .map_err(activation_conflict)?;
        if !changed {
            return Err(Error::NotFound(Resource::Iaca));
        }
        self.iaca(id).await
    }

    /// `DELETE /v1/credentials/mobile/iacas/{id}`, with its Document Signers. mdocs it certified
    /// no longer verify for anyone who fetches the trust list afresh.
    pub async fn delete_iaca(&self, id: &str) -> Result<(), Error> {
        if is_id(id)
            && self
                .store
                .delete_mdoc_certificate(MdocCertificateKind::Iaca, id)
                .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound(Resource::Iaca))
        }
    }

    /// `GET /v1/credentials/mobile/document-signers`.
    pub async fn list_document_signers(
        &self,
        page: &PageRequest,
    ) -> Result<Page<DocumentSignerResponse>, Error> {
        self.mdoc_page(
            MdocCertificateKind::DocumentSigner,
            page,
            document_signer_response,
        )
        .await
    }

    /// `GET /v1/credentials/mobile/document-signers/{id}`.
    pub async fn document_signer(&self, id: &str) -> Result<DocumentSignerResponse, Error> {
        document_signer_response(
            &self
                .mdoc_record(MdocCertificateKind::DocumentSigner, id)
                .await?,
        )
    }

    /// `POST /v1/credentials/mobile/document-signers`: a new DS under the active IACA, which
    /// signs from now on (manual rotation, e.g. after a key compromise).
    pub async fn create_document_signer(
        &self,
        _request: &DocumentSignerRequest,
    ) -> Result<DocumentSignerResponse, Error> {
        let now = self.clock.now();
        let iaca = self.store.active_iaca().await?.ok_or_else(|| {
            Error::Conflict(
                "there is no active IACA: create one with POST /v1/credentials/mobile/iacas".into(),
            )
        })?;
        if iaca.not_after <= now + DS_BACKDATE_SECS {
            return Err(Error::Conflict(
                "the active IACA has expired: create or activate another".into(),
            ));
        }
        let newest = self.store.newest_document_signer(&iaca.id).await?;
        document_signer_response(
            &self
                .new_document_signer(&iaca, newest.as_ref(), now)
                .await?,
        )
    }

    /// Makes the successor of `newest` (the first DS when `None`) under `iaca`.
    pub(crate) async fn new_document_signer(
        &self,
        iaca: &MdocCertificateRecord,
        newest: Option<&MdocCertificateRecord>,
        now: i64,
    ) -> Result<MdocCertificateRecord, Error> {
        let iaca_key = self.mdoc_key(iaca).await?;
        let id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let provider = self.key_providers.default_provider().clone();
        let made = provider
            .generate(SigningAlgorithm::Es256, &KeyUse::Mdoc(id.clone()))
            .await?;
        let not_before = (now - DS_BACKDATE_SECS).max(iaca.not_before);
        let not_after = (now + self.settings().mdoc.document_signer_validity).min(iaca.not_after);
        let unsigned = prepare_document_signer(
            &iaca.certificate,
            &iaca_key.public().jwk,
            &made.jwk,
            not_before,
            not_after,
            self.rng.as_ref(),
        )?;
        let certificate = iaca_key.sign(unsigned).await?;
        self.store_mdoc_certificate(
            (id, MdocCertificateKind::DocumentSigner),
            (
                Some(iaca.id.clone()),
                Some(newest.map_or_else(|| iaca.id.clone(), |d| d.id.clone())),
            ),
            (true, true),
            certificate,
            (provider.name(), made),
            (not_before, not_after),
        )
        .await
    }

    /// The Document Signer to sign an mdoc valid until `valid_until`, made (and so rotated) when
    /// the newest one may not; see the module documentation.
    pub(crate) async fn document_signer_for(&self, valid_until: i64) -> Result<ProviderKey, Error> {
        let server = |d: String| Error::protocol(ProtocolError::ServerError, d);
        let now = self.clock.now();
        let iaca = self.store.active_iaca().await?.ok_or_else(|| {
            server("mdoc issuance is not set up: this issuer has no active IACA".into())
        })?;
        let settings = self.settings().mdoc;
        let newest = self.store.newest_document_signer(&iaca.id).await?;
        let ds = match newest {
            Some(ds) if document_signer_usable(&ds, now, valid_until, &settings) => ds,
            _ => {
                let reach =
                    (now + self.settings().mdoc.document_signer_validity).min(iaca.not_after);
                if reach < valid_until {
                    tracing::error!(iaca = %iaca.id, valid_until, reach, "an mdoc would outlive any Document Signer the active IACA can certify");
                    return Err(server(format!(
                        "the mdoc would be valid until {}, beyond any Document Signer this issuer can make now (until {}); the issuer must shorten the credential's validity or renew its IACA",
                        timestamp(valid_until),
                        timestamp(reach)
                    )));
                }
                match self.new_document_signer(&iaca, newest.as_ref(), now).await {
                    Ok(ds) => ds,
                    // Another request or node made the successor first: sign with that one.
                    Err(Error::Conflict(_)) => self
                        .store
                        .newest_document_signer(&iaca.id)
                        .await?
                        .filter(|ds| document_signer_usable(ds, now, valid_until, &settings))
                        .ok_or_else(|| {
                            server("the Document Signer changed during issuance; retry".into())
                        })?,
                    Err(e) => return Err(e),
                }
            }
        };
        Ok(self
            .mdoc_key(&ds)
            .await?
            .with_certificate_chain(vec![ds.certificate]))
    }

    /// The document at `mdoc_iacas_uri`: every IACA that has not expired, the active one first.
    pub async fn mdoc_iacas(&self) -> Result<MdocIacas, Error> {
        let now = self.clock.now();
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let rows = self
                .store
                .list_mdoc_certificates(MdocCertificateKind::Iaca, after.as_deref(), 100)
                .await?;
            let done = rows.len() < 100;
            after = rows.last().map(|r| r.id.clone());
            all.extend(rows.into_iter().filter(|r| r.not_after > now));
            if done {
                break;
            }
        }
        all.sort_by_key(|r| !r.active);
        Ok(MdocIacas {
            iacas: all
                .iter()
                .map(|r| MdocIaca {
                    certificate: b64::encode(&r.certificate),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(created_at: i64, not_after: i64) -> MdocCertificateRecord {
        MdocCertificateRecord {
            id: "ds".into(),
            kind: MdocCertificateKind::DocumentSigner,
            iaca_id: Some("iaca".into()),
            replaces: Some("iaca".into()),
            active: true,
            managed: true,
            certificate: Vec::new(),
            private_key_key_id: String::new(),
            private_key_ciphertext: Vec::new(),
            not_before: created_at - 60,
            not_after,
            created_at,
            provider: "software".into(),
        }
    }

    #[test]
    fn a_document_signer_rotates_after_its_period_or_before_an_mdoc_would_outlive_it() {
        let s = MdocSettings::default();
        let day = 86_400;
        let t = 1_800_000_000;
        let d = ds(t, t + 457 * day);
        // Fresh, and the mdoc ends inside the certificate.
        assert!(document_signer_usable(&d, t + 1, t + 30 * day, &s));
        assert!(document_signer_usable(
            &d,
            t + 29 * day,
            t + 29 * day + 427 * day,
            &s
        ));
        // The rotation period is over.
        assert!(!document_signer_usable(&d, t + 30 * day, t + 31 * day, &s));
        // The mdoc would outlive the certificate.
        assert!(!document_signer_usable(&d, t + day, t + 458 * day, &s));
        // Not yet valid (a clock gone backwards).
        assert!(!document_signer_usable(&d, t - 3_600, t, &s));
    }
}
