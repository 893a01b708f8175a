//! X.509 for issuer keys (SD-JWT VC issuer key resolution by `x5c`): a self-signed issuer CA and,
//! under it, a certificate for each credential-signing key naming the credential issuer
//! identifier as its URI subject alternative name (SD-JWT VC §3.5: `iss` must match it). The CA is
//! the trust anchor verifiers configure; `x5c` carries the leaf only (HAIP: no trust anchor in it).

use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

use crate::{CryptoError, SecureRandom, SigningAlgorithm, generate_pkcs8, random_array};

/// The CA's subject common name (fixed, so the issuer can be rebuilt from the key alone).
pub const CA_COMMON_NAME: &str = "Sigil credential issuer CA";
/// CA lifetime: 10 years.
const CA_LIFETIME_SECS: i64 = 10 * 365 * 86_400;
/// Leaf lifetime: 1 year (re-issued at start when under 30 days remain or the issuer changes).
pub const LEAF_LIFETIME_SECS: i64 = 365 * 86_400;

pub(crate) fn err(e: rcgen::Error) -> CryptoError {
    let _ = e;
    CryptoError::Key("certificate generation")
}

pub(crate) fn at(unix: i64) -> Result<OffsetDateTime, CryptoError> {
    OffsetDateTime::from_unix_timestamp(unix).map_err(|_| CryptoError::Key("certificate validity"))
}

/// A random serial number: a positive INTEGER of 16 bytes (RFC 5280 §4.1.2.2) that does not
/// start with a zero byte, so its DER encoding is minimal.
pub(crate) fn serial(rng: &dyn SecureRandom) -> Result<SerialNumber, CryptoError> {
    let mut bytes = random_array::<16>(rng)?;
    if let Some(first) = bytes.first_mut() {
        *first = (*first & 0x7f) | 0x01;
    }
    Ok(SerialNumber::from_slice(&bytes))
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// A new issuer CA: its PKCS#8 private key and self-signed certificate (DER).
pub fn generate_issuer_ca(
    now: i64,
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let pkcs8 = generate_pkcs8(SigningAlgorithm::Es256)?;
    let key = KeyPair::try_from(pkcs8.as_slice()).map_err(err)?;
    let mut params = ca_params();
    params.not_before = at(now - 3600)?;
    params.not_after = at(now + CA_LIFETIME_SECS)?;
    params.serial_number = Some(serial(rng)?);
    let cert = params.self_signed(&key).map_err(err)?;
    Ok((pkcs8, cert.der().to_vec()))
}

/// Certifies the key `signer_pkcs8` for the credential issuer `issuer_url`, signed by the CA.
pub fn issue_signer_certificate(
    ca_pkcs8: &[u8],
    signer_pkcs8: &[u8],
    issuer_url: &str,
    now: i64,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    let ca_key = KeyPair::try_from(ca_pkcs8).map_err(err)?;
    let issuer = Issuer::new(ca_params(), ca_key);
    let leaf_key = KeyPair::try_from(signer_pkcs8).map_err(err)?;
    let url = url_host(issuer_url);
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        url.clone().unwrap_or_else(|| issuer_url.to_string()),
    );
    params.distinguished_name = dn;
    let mut sans =
        vec![SanType::URI(issuer_url.try_into().map_err(|_| {
            CryptoError::Key("issuer URL in certificate")
        })?)];
    if let Some(host) = url {
        match host.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(ip) => sans.push(SanType::IpAddress(ip)),
            Err(_) => sans
                .push(SanType::DnsName(host.try_into().map_err(|_| {
                    CryptoError::Key("issuer host in certificate")
                })?)),
        }
    }
    params.subject_alt_names = sans;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    params.not_before = at(now - 3600)?;
    params.not_after = at(now + LEAF_LIFETIME_SECS)?;
    params.serial_number = Some(serial(rng)?);
    let cert = params.signed_by(&leaf_key, &issuer).map_err(err)?;
    Ok(cert.der().to_vec())
}

fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.is_empty() => h,
        _ => authority,
    };
    Some(host.to_string())
}

/// PEM armour for a DER certificate.
pub fn pem(der: &[u8]) -> String {
    let body = crate::b64::encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Signer, SoftwareSigner, SystemRandom, b64url};

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_leaf_certifies_the_signer_key_for_the_issuer_url() {
        let rng = SystemRandom::new();
        let (ca_pkcs8, ca_der) = generate_issuer_ca(1_800_000_000, &rng).unwrap();
        let signer_pkcs8 = generate_pkcs8(SigningAlgorithm::Es256).unwrap();
        let leaf = issue_signer_certificate(
            &ca_pkcs8,
            &signer_pkcs8,
            "https://issuer.example.com/tenant",
            1_800_000_000,
            &rng,
        )
        .unwrap();
        let signer = SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &signer_pkcs8).unwrap();
        let jwk = signer.public_jwk();
        let x = b64url::decode(&jwk.x).unwrap();
        assert!(contains(&leaf, &x), "the leaf's public key is the signer's");
        assert!(
            contains(&leaf, b"https://issuer.example.com/tenant"),
            "URI SAN"
        );
        assert!(contains(&leaf, b"issuer.example.com"), "DNS SAN");
        assert!(contains(&ca_der, CA_COMMON_NAME.as_bytes()));
        assert!(
            contains(&leaf, CA_COMMON_NAME.as_bytes()),
            "issued by the CA"
        );
        assert!(pem(&leaf).starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(
            url_host("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1")
        );
        assert!(
            issue_signer_certificate(
                &ca_pkcs8,
                &signer_pkcs8,
                "http://127.0.0.1:8080",
                1_800_000_000,
                &rng
            )
            .is_ok()
        );
    }
}
