//! X.509 for mdocs (ISO/IEC 18013-5 Annex B): the IACA root an issuing authority operates and
//! the Document Signer (DS) certificates it issues for the keys that sign MSOs.
//!
//! Generation uses rcgen; every certificate Sigil holds, generated or imported, is read back with
//! x509-parser and checked against the Annex B profile by [`check_iaca`].

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_X509_EXT_ISSUER_ALT_NAME,
};
use x509_parser::prelude::FromDer;

use crate::certificate::{RemoteKey, at, der, err, prepared, serial};
use crate::{CryptoError, PublicJwk, SecureRandom, SigningAlgorithm, Unsigned, sha256};

/// The mdoc Document Signer extended key usage, `1.0.18013.5.1.2` (ISO/IEC 18013-5 Annex B.1.4).
pub const MDOC_DS_EKU: [u64; 6] = [1, 0, 18013, 5, 1, 2];
/// Longest IACA validity Annex B allows (20 years).
pub const IACA_MAX_VALIDITY_SECS: i64 = 20 * 365 * 86_400 + 5 * 86_400;
/// Longest DS certificate validity Annex B allows (457 days).
pub const DS_MAX_VALIDITY_SECS: i64 = 457 * 86_400;

const OID_ISSUER_ALT_NAME: [u64; 4] = [2, 5, 29, 18];
const OID_EXTENDED_KEY_USAGE: [u64; 4] = [2, 5, 29, 37];

/// How the IACA names its issuer (the IssuerAlternativeName extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlternativeName {
    /// A URI (`uniformResourceIdentifier`).
    Uri(String),
    /// An e-mail address (`rfc822Name`).
    Email(String),
}

/// What a new IACA says about its issuing authority.
#[derive(Debug, Clone)]
pub struct IacaSubject {
    /// `CN`.
    pub common_name: String,
    /// `C`: ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// `ST`: ISO 3166-2, when the authority is a state or province.
    pub state_or_province: Option<String>,
    /// IssuerAlternativeName.
    pub alternative_name: AlternativeName,
}

/// The facts Sigil keeps about a certificate it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// Subject `CN`.
    pub common_name: String,
    /// Subject `C`.
    pub country: String,
    /// Subject `ST`, if any.
    pub state_or_province: Option<String>,
    /// Validity start, Unix seconds.
    pub not_before: i64,
    /// Validity end, Unix seconds.
    pub not_after: i64,
    /// SHA-256 of the DER, lower-case hex.
    pub fingerprint: String,
}

/// One way a certificate departs from the profile: what it breaks, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileViolation(pub String);

/// `GeneralNames` holding one name.
fn general_names(name: &AlternativeName) -> Vec<u8> {
    let inner = match name {
        AlternativeName::Uri(uri) => der(0x86, uri.as_bytes()),
        AlternativeName::Email(email) => der(0x81, email.as_bytes()),
    };
    der(0x30, &inner)
}

/// `ExtKeyUsageSyntax` with the mdoc DS purpose only.
fn ds_extended_key_usage() -> Vec<u8> {
    // 1.0.18013.5.1.2: 40*1+0, 18013 in base 128, 5, 1, 2.
    der(
        0x30,
        &der(0x06, &[0x28, 0x81, 0x8c, 0x5d, 0x05, 0x01, 0x02]),
    )
}

fn subject(who: &IacaSubject, common_name: &str) -> Result<DistinguishedName, CryptoError> {
    let mut dn = DistinguishedName::new();
    let country = who
        .country
        .as_str()
        .try_into()
        .map_err(|_| CryptoError::Key("country code"))?;
    dn.push(DnType::CountryName, DnValue::PrintableString(country));
    if let Some(st) = &who.state_or_province {
        dn.push(DnType::StateOrProvinceName, st.as_str());
    }
    dn.push(DnType::CommonName, common_name);
    Ok(dn)
}

/// A new self-signed IACA root certificate (DER) for the P-256 key `iaca`, valid from
/// `not_before` to `not_after` (Unix seconds).
pub fn prepare_iaca(
    iaca: &PublicJwk,
    who: &IacaSubject,
    not_before: i64,
    not_after: i64,
    rng: &dyn SecureRandom,
) -> Result<Unsigned<Vec<u8>>, CryptoError> {
    let key = RemoteKey::new(iaca)?;
    if key_algorithm(iaca)? != SigningAlgorithm::Es256 {
        return Err(CryptoError::Key("an IACA key must be P-256"));
    }
    let mut params = CertificateParams::default();
    params.distinguished_name = subject(who, &who.common_name)?;
    // Annex B, table B.1: a root that only certifies Document Signers (path length 0).
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        &OID_ISSUER_ALT_NAME,
        general_names(&who.alternative_name),
    )];
    params.not_before = at(not_before)?;
    params.not_after = at(not_after)?;
    params.serial_number = Some(serial(rng)?);
    let cert = params.self_signed(&key).map_err(err)?;
    prepared(cert.der(), &key)
}

/// A new IACA with a software key: its PKCS#8 private key and certificate (DER). For tools and
/// tests; Sigil itself makes IACAs through its key provider with [`prepare_iaca`].
pub fn generate_iaca(
    who: &IacaSubject,
    not_before: i64,
    not_after: i64,
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let pkcs8 = crate::generate_pkcs8_from(SigningAlgorithm::Es256, rng)?;
    let key = crate::SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &pkcs8)?;
    let der = key.sign_prepared(prepare_iaca(
        key.public_jwk(),
        who,
        not_before,
        not_after,
        rng,
    )?)?;
    Ok((pkcs8, der))
}

fn key_algorithm(jwk: &PublicJwk) -> Result<SigningAlgorithm, CryptoError> {
    jwk.alg.parse()
}

/// A certificate for the P-256 key `ds` as a Document Signer under the IACA (`iaca_der`, whose
/// key `iaca` signs it), valid from `not_before` to `not_after`. The subject repeats the IACA's
/// country (and state) as Annex B requires, and the issuer alternative name is the IACA's.
pub fn prepare_document_signer(
    iaca_der: &[u8],
    iaca_key: &PublicJwk,
    ds: &PublicJwk,
    not_before: i64,
    not_after: i64,
    rng: &dyn SecureRandom,
) -> Result<Unsigned<Vec<u8>>, CryptoError> {
    if key_algorithm(ds)? != SigningAlgorithm::Es256 {
        return Err(CryptoError::Key("a Document Signer key must be P-256"));
    }
    let (_, iaca) =
        X509Certificate::from_der(iaca_der).map_err(|_| CryptoError::Key("IACA certificate"))?;
    let summary = summarize(&iaca, iaca_der);
    let alternative = iaca
        .get_extension_unique(&OID_X509_EXT_ISSUER_ALT_NAME)
        .ok()
        .flatten()
        .map(|e| e.value.to_vec());
    let iaca_key = RemoteKey::new(iaca_key)?;
    let issuer = Issuer::from_ca_cert_der(&iaca_der.into(), &iaca_key).map_err(err)?;
    let ds_key = RemoteKey::new(ds)?;
    let who = IacaSubject {
        common_name: String::new(),
        country: summary.country.clone(),
        state_or_province: summary.state_or_province.clone(),
        alternative_name: AlternativeName::Uri(String::new()),
    };
    let mut params = CertificateParams::default();
    params.distinguished_name = subject(&who, &format!("{} Document Signer", summary.common_name))?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let mut eku =
        CustomExtension::from_oid_content(&OID_EXTENDED_KEY_USAGE, ds_extended_key_usage());
    eku.set_criticality(true);
    params.custom_extensions = vec![eku];
    if let Some(alternative) = alternative {
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &OID_ISSUER_ALT_NAME,
                alternative,
            ));
    }
    params.not_before = at(not_before)?;
    params.not_after = at(not_after)?;
    params.serial_number = Some(serial(rng)?);
    let cert = params.signed_by(&ds_key, &issuer).map_err(err)?;
    prepared(cert.der(), &iaca_key)
}

fn attribute<'a>(
    mut values: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
) -> Option<String> {
    values
        .next()
        .and_then(|v| v.as_str().ok())
        .map(str::to_string)
}

fn summarize(cert: &X509Certificate<'_>, der: &[u8]) -> CertificateSummary {
    let subject = cert.subject();
    CertificateSummary {
        common_name: attribute(subject.iter_common_name()).unwrap_or_default(),
        country: attribute(subject.iter_country()).unwrap_or_default(),
        state_or_province: attribute(subject.iter_state_or_province()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        fingerprint: hex(&sha256(der)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a certificate Sigil already holds.
pub fn summary(der: &[u8]) -> Result<CertificateSummary, CryptoError> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|_| CryptoError::Key("certificate encoding"))?;
    Ok(summarize(&cert, der))
}

/// Checks an IACA against ISO/IEC 18013-5 Annex B (table B.1) and, when given, that `pkcs8` is
/// its private key: every violation is reported, not only the first.
pub fn check_iaca(
    der: &[u8],
    pkcs8: Option<&[u8]>,
    now: i64,
) -> Result<CertificateSummary, Vec<ProfileViolation>> {
    let mut problems = Vec::new();
    let mut bad = |msg: &str| problems.push(ProfileViolation(msg.to_string()));
    let cert = match X509Certificate::from_der(der) {
        Ok(([], cert)) => cert,
        _ => {
            return Err(vec![ProfileViolation(
                "is not a DER X.509 certificate".into(),
            )]);
        }
    };
    let summary = summarize(&cert, der);
    if cert.version().0 != 2 {
        bad("must be an X.509 version 3 certificate");
    }
    match cert.basic_constraints() {
        Ok(Some(bc)) => {
            if !bc.value.ca {
                bad("basicConstraints must have cA set to true");
            }
            if bc.value.path_len_constraint != Some(0) {
                bad("basicConstraints must have pathLenConstraint 0");
            }
            if !bc.critical {
                bad("basicConstraints must be critical");
            }
        }
        _ => bad("must have a basicConstraints extension (cA true, pathLenConstraint 0)"),
    }
    match cert.key_usage() {
        Ok(Some(ku)) => {
            if !(ku.value.key_cert_sign() && ku.value.crl_sign()) {
                bad("keyUsage must include keyCertSign and cRLSign");
            }
            if ku.value.flags & !(0x0020 | 0x0040) != 0 {
                bad("keyUsage must be keyCertSign and cRLSign only");
            }
            if !ku.critical {
                bad("keyUsage must be critical");
            }
        }
        _ => bad("must have a keyUsage extension (keyCertSign, cRLSign)"),
    }
    let issuer_alt_name = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::IssuerAlternativeName(n) => Some(n),
            _ => None,
        });
    match issuer_alt_name {
        Some(n)
            if n.general_names
                .iter()
                .any(|g| matches!(g, GeneralName::URI(_) | GeneralName::RFC822Name(_))) => {}
        _ => bad("must have an issuerAltName extension with a URI or an e-mail address"),
    }
    let has_ski = cert.extensions().iter().any(|e| {
        matches!(
            e.parsed_extension(),
            ParsedExtension::SubjectKeyIdentifier(_)
        )
    });
    if !has_ski {
        bad("must have a subjectKeyIdentifier extension");
    }
    let country_ok =
        summary.country.len() == 2 && summary.country.chars().all(|c| c.is_ascii_uppercase());
    if !country_ok {
        bad("the subject must have a countryName (C) of two upper-case letters (ISO 3166-1)");
    }
    if summary.common_name.is_empty() {
        bad("the subject must have a commonName (CN)");
    }
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        bad("must be self-signed (issuer equal to subject)");
    } else if cert.verify_signature(None).is_err() {
        bad("the self-signature does not verify with the certificate's own key");
    }
    let spki = cert.public_key();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok());
    let supported_curve = spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY
        && curve.is_some_and(|c| c == OID_EC_P256 || c == OID_NIST_EC_P384);
    if !supported_curve {
        bad("the public key must be ECDSA on P-256 or P-384");
    }
    if summary.not_after <= summary.not_before {
        bad("notAfter must be after notBefore");
    } else if summary.not_after - summary.not_before > IACA_MAX_VALIDITY_SECS {
        bad("the validity must not exceed 20 years");
    }
    if summary.not_after <= now {
        bad("has expired");
    }
    if let Some(pkcs8) = pkcs8 {
        match KeyPair::try_from(pkcs8) {
            Ok(key) if key.public_key_raw() == spki.subject_public_key.data.as_ref() => {}
            Ok(_) => bad("the private key does not belong to the certificate"),
            Err(_) => bad("the private key must be an unencrypted PKCS#8 EC key"),
        }
    }
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(problems)
    }
}

/// The DER inside the first PEM block labelled `label` (e.g. `CERTIFICATE`, `PRIVATE KEY`).
pub fn pem_decode(label: &str, text: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text.get(start..)?.find(&end)?;
    let body: String = text
        .get(start..stop)?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    crate::b64::decode(&body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SoftwareSigner, SystemRandom, generate_pkcs8};
    use x509_parser::oid_registry::{
        OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_EXTENDED_KEY_USAGE,
        OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
    };

    const NOW: i64 = 1_800_000_000;

    fn who() -> IacaSubject {
        IacaSubject {
            common_name: "Example IACA".into(),
            country: "NZ".into(),
            state_or_province: None,
            alternative_name: AlternativeName::Uri("https://issuer.example.com".into()),
        }
    }

    fn iaca() -> (Vec<u8>, Vec<u8>) {
        let pkcs8 = generate_pkcs8(SigningAlgorithm::Es256).unwrap();
        let key = SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &pkcs8).unwrap();
        let unsigned = prepare_iaca(
            key.public_jwk(),
            &who(),
            NOW,
            NOW + 10 * 365 * 86_400,
            &SystemRandom::new(),
        )
        .unwrap();
        (pkcs8, key.sign_prepared(unsigned).unwrap())
    }

    fn ext_value<'a>(
        cert: &'a X509Certificate<'a>,
        oid: &x509_parser::der_parser::Oid,
    ) -> &'a [u8] {
        cert.get_extension_unique(oid).unwrap().unwrap().value
    }

    /// The IACA profile, read back with x509-parser (a third-party parser).
    #[test]
    fn a_generated_iaca_follows_annex_b() {
        let (pkcs8, der) = iaca();
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let bc = cert.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && bc.value.ca);
        assert_eq!(bc.value.path_len_constraint, Some(0));
        let ku = cert.key_usage().unwrap().unwrap();
        assert!(ku.critical && ku.value.key_cert_sign() && ku.value.crl_sign());
        assert!(!ku.value.digital_signature());
        assert_eq!(ku.value.flags, 0x0020 | 0x0040);
        let ian = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::IssuerAlternativeName(n) => Some(n.general_names.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(ian, vec![GeneralName::URI("https://issuer.example.com")]);
        assert!(!ext_value(&cert, &OID_X509_EXT_SUBJECT_KEY_IDENTIFIER).is_empty());
        assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw());
        cert.verify_signature(None).unwrap();
        assert_eq!(cert.validity().not_before.timestamp(), NOW);
        assert_eq!(
            cert.validity().not_after.timestamp(),
            NOW + 10 * 365 * 86_400
        );
        let s = check_iaca(&der, Some(&pkcs8), NOW).unwrap();
        assert_eq!(
            (s.common_name.as_str(), s.country.as_str()),
            ("Example IACA", "NZ")
        );
        assert_eq!(s.fingerprint.len(), 64);
    }

    /// The DS profile: not a CA, digitalSignature only, the critical mdoc EKU, issued by the IACA
    /// (AKI = the IACA's SKI, signature verifies), validity inside the IACA's, same country.
    #[test]
    fn a_document_signer_follows_annex_b_and_nests_in_its_iaca() {
        let rng = SystemRandom::new();
        let (iaca_pkcs8, iaca_der) = iaca();
        let ds_pkcs8 = generate_pkcs8(SigningAlgorithm::Es256).unwrap();
        let iaca_key = SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &iaca_pkcs8).unwrap();
        let ds_key = SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &ds_pkcs8).unwrap();
        let unsigned = prepare_document_signer(
            &iaca_der,
            iaca_key.public_jwk(),
            ds_key.public_jwk(),
            NOW + 10,
            NOW + 365 * 86_400,
            &rng,
        )
        .unwrap();
        let ds_der = iaca_key.sign_prepared(unsigned).unwrap();
        let (_, ds) = X509Certificate::from_der(&ds_der).unwrap();
        let (_, ca) = X509Certificate::from_der(&iaca_der).unwrap();
        let bc = ds.basic_constraints().unwrap().unwrap();
        assert!(!bc.value.ca);
        let ku = ds.key_usage().unwrap().unwrap();
        assert!(ku.critical && ku.value.digital_signature());
        assert_eq!(ku.value.flags, 0x0001, "digitalSignature only");
        let eku = ds.extended_key_usage().unwrap().unwrap();
        assert!(eku.critical);
        let oids: Vec<String> = eku.value.other.iter().map(|o| o.to_id_string()).collect();
        assert_eq!(oids, vec!["1.0.18013.5.1.2".to_string()]);
        assert!(!eku.value.any && !eku.value.server_auth);
        assert_eq!(ds.issuer().as_raw(), ca.subject().as_raw());
        ds.verify_signature(Some(ca.public_key())).unwrap();
        assert!(ds.verify_signature(None).is_err(), "not self-signed");
        let aki = ext_value(&ds, &OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER);
        let ski = ext_value(&ca, &OID_X509_EXT_SUBJECT_KEY_IDENTIFIER);
        assert!(
            aki.windows(ski.len() - 2).any(|w| w == &ski[2..]),
            "AKI names the IACA key"
        );
        assert!(ds.validity().not_before >= ca.validity().not_before);
        assert!(ds.validity().not_after <= ca.validity().not_after);
        assert_eq!(
            attribute(ds.subject().iter_country()).as_deref(),
            Some("NZ")
        );
        assert!(
            ds.get_extension_unique(&OID_X509_EXT_ISSUER_ALT_NAME)
                .unwrap()
                .is_some()
        );
        let _ = OID_X509_EXT_EXTENDED_KEY_USAGE;
    }

    /// An imported root that breaks the profile is refused with one reason per rule broken.
    #[test]
    fn a_nonconforming_iaca_is_refused_with_every_reason() {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "Not an IACA");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.not_before = at(NOW - 100).unwrap();
        params.not_after = at(NOW + 30 * 365 * 86_400).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let other = generate_pkcs8(SigningAlgorithm::Es256).unwrap();
        let problems = check_iaca(cert.der(), Some(&other), NOW).unwrap_err();
        let text: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
        for expected in [
            "pathLenConstraint 0",
            "keyCertSign and cRLSign",
            "issuerAltName",
            "countryName",
            "20 years",
            "does not belong",
        ] {
            assert!(
                text.iter().any(|t| t.contains(expected)),
                "{expected}: {text:?}"
            );
        }
        let (pkcs8, der) = iaca();
        assert!(
            check_iaca(&der, Some(&pkcs8), NOW + 11 * 365 * 86_400)
                .unwrap_err()
                .iter()
                .any(|p| p.0 == "has expired")
        );
        assert!(check_iaca(b"not a certificate", None, NOW).is_err());
    }

    #[test]
    fn pem_round_trip() {
        let (_, der) = iaca();
        let pem = crate::certificate::pem(&der);
        assert_eq!(pem_decode("CERTIFICATE", &pem).unwrap(), der);
        assert!(pem_decode("PRIVATE KEY", &pem).is_none());
    }
}
