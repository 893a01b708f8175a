//! X.509 for issuer keys (SD-JWT VC issuer key resolution by `x5c`): a self-signed issuer CA and,
//! under it, a certificate for each credential-signing key naming the credential issuer
//! identifier as its URI subject alternative name (SD-JWT VC §3.5: `iss` must match it). The CA is
//! the trust anchor verifiers configure; `x5c` carries the leaf only (HAIP: no trust anchor in it).

use std::net::IpAddr;

use std::sync::Mutex;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyUsagePurpose,
    PublicKeyData, SanType, SerialNumber, SigningKey,
};
use time::OffsetDateTime;

use crate::{
    CryptoError, PublicJwk, SecureRandom, SigningAlgorithm, Unsigned, b64url, random_array,
};

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

/// A key rcgen can "sign" with that only records what it was asked to sign: the TBSCertificate.
/// rcgen builds the certificate around a placeholder signature; [`prepared`] cuts the real one
/// in once the key provider has signed. So a key that never leaves its provider (HSM, KMS) can
/// certify, and certificate making is prepare → sign → complete like every other artefact.
pub(crate) struct RemoteKey {
    algorithm: SigningAlgorithm,
    public: Vec<u8>,
    tbs: Mutex<Option<Vec<u8>>>,
}

impl RemoteKey {
    /// The public key of `jwk` (P-256 or Ed25519) as rcgen wants it.
    pub(crate) fn new(jwk: &PublicJwk) -> Result<Self, CryptoError> {
        let algorithm: SigningAlgorithm = jwk.alg.parse()?;
        let x = b64url::decode(&jwk.x).ok_or(CryptoError::Key("public key encoding"))?;
        let public = match (algorithm, &jwk.y) {
            (SigningAlgorithm::Es256, Some(y)) => {
                let y = b64url::decode(y).ok_or(CryptoError::Key("public key encoding"))?;
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend(x);
                point.extend(y);
                point
            }
            (SigningAlgorithm::EdDsa, None) => x,
            _ => return Err(CryptoError::Key("public key shape")),
        };
        Ok(Self {
            algorithm,
            public,
            tbs: Mutex::new(None),
        })
    }

    fn take(&self) -> Result<Vec<u8>, CryptoError> {
        self.tbs
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .ok_or(CryptoError::Sign)
    }
}

impl PublicKeyData for RemoteKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self.algorithm {
            SigningAlgorithm::Es256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            SigningAlgorithm::EdDsa => &rcgen::PKCS_ED25519,
        }
    }
}

impl SigningKey for RemoteKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        if let Ok(mut tbs) = self.tbs.lock() {
            *tbs = Some(msg.to_vec());
        }
        Ok(Vec::new())
    }
}

/// A DER TLV: `tag`, definite length, `content`.
pub(crate) fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// Splits one DER TLV off the front of `input`: (the whole TLV, its content, the rest).
fn tlv(input: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let first = *input.get(1)?;
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        let bytes = input.get(2..2 + n)?;
        if n == 0 || n > 4 {
            return None;
        }
        (
            2 + n,
            bytes.iter().fold(0usize, |a, b| a << 8 | usize::from(*b)),
        )
    };
    let end = header.checked_add(len)?;
    Some((
        input.get(..end)?,
        input.get(header..end)?,
        input.get(end..)?,
    ))
}

/// An ECDSA signature in the X.509 form (`Ecdsa-Sig-Value`, a SEQUENCE of two INTEGERs) from the
/// fixed r‖s form key providers return.
fn ecdsa_der(fixed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (r, s) = (
        fixed.get(..32).ok_or(CryptoError::Sign)?,
        fixed.get(32..64).ok_or(CryptoError::Sign)?,
    );
    let integer = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        let mut content = Vec::with_capacity(v.len() + 1);
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            content.push(0);
        }
        content.extend(v);
        der(0x02, &content)
    };
    let mut seq = integer(r);
    seq.extend(integer(s));
    Ok(der(0x30, &seq))
}

/// The certificate rcgen built around a placeholder signature by `signer`, waiting for the real
/// one: the message is the TBSCertificate, and completing replaces the signature BIT STRING.
pub(crate) fn prepared(
    placeholder: &[u8],
    signer: &RemoteKey,
) -> Result<Unsigned<Vec<u8>>, CryptoError> {
    let malformed = || CryptoError::Key("certificate structure");
    let tbs = signer.take()?;
    let (_, body, _) = tlv(placeholder).ok_or_else(malformed)?;
    let (tbs_tlv, _, rest) = tlv(body).ok_or_else(malformed)?;
    let (algorithm_tlv, _, _) = tlv(rest).ok_or_else(malformed)?;
    if tbs_tlv != tbs.as_slice() {
        return Err(malformed());
    }
    let mut head = tbs;
    head.extend_from_slice(algorithm_tlv);
    let algorithm = signer.algorithm;
    Ok(Unsigned::new(
        algorithm,
        tbs_tlv.to_vec(),
        move |signature| {
            let signature = match algorithm {
                SigningAlgorithm::Es256 => ecdsa_der(&signature)?,
                SigningAlgorithm::EdDsa => signature,
            };
            let mut bits = vec![0];
            bits.extend(signature);
            let mut body = head;
            body.extend(der(0x03, &bits));
            Ok(der(0x30, &body))
        },
    ))
}

/// A new self-signed issuer CA certificate (DER) for the ES256 key `ca`.
pub fn prepare_issuer_ca(
    ca: &PublicJwk,
    now: i64,
    rng: &dyn SecureRandom,
) -> Result<Unsigned<Vec<u8>>, CryptoError> {
    let key = RemoteKey::new(ca)?;
    let mut params = ca_params();
    params.not_before = at(now - 3600)?;
    params.not_after = at(now + CA_LIFETIME_SECS)?;
    params.serial_number = Some(serial(rng)?);
    let cert = params.self_signed(&key).map_err(err)?;
    prepared(cert.der(), &key)
}

/// A new issuer CA with a software key: its PKCS#8 private key and self-signed certificate
/// (DER). For tools and tests; Sigil itself makes its CA through its key provider.
pub fn generate_issuer_ca(
    now: i64,
    rng: &dyn SecureRandom,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let pkcs8 = crate::generate_pkcs8_from(SigningAlgorithm::Es256, rng)?;
    let key = crate::SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &pkcs8)?;
    let der = key.sign_prepared(prepare_issuer_ca(key.public_jwk(), now, rng)?)?;
    Ok((pkcs8, der))
}

/// A certificate for the key `subject` naming the credential issuer `issuer_url`, to be signed
/// by the CA key `ca`.
pub fn prepare_signer_certificate(
    ca: &PublicJwk,
    subject: &PublicJwk,
    issuer_url: &str,
    now: i64,
    rng: &dyn SecureRandom,
) -> Result<Unsigned<Vec<u8>>, CryptoError> {
    let ca_key = RemoteKey::new(ca)?;
    let issuer = Issuer::new(ca_params(), &ca_key);
    let leaf_key = RemoteKey::new(subject)?;
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
    prepared(cert.der(), &ca_key)
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
    use crate::{SoftwareSigner, SystemRandom, generate_pkcs8};
    use x509_parser::prelude::{FromDer, X509Certificate};

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn key(alg: SigningAlgorithm) -> SoftwareSigner {
        SoftwareSigner::from_pkcs8(alg, &generate_pkcs8(alg).unwrap()).unwrap()
    }

    #[test]
    fn the_leaf_certifies_the_signer_key_for_the_issuer_url() {
        let rng = SystemRandom::new();
        let ca = key(SigningAlgorithm::Es256);
        let ca_der = ca
            .sign_prepared(prepare_issuer_ca(ca.public_jwk(), 1_800_000_000, &rng).unwrap())
            .unwrap();
        for alg in SigningAlgorithm::ALL {
            let signer = key(alg);
            let leaf = ca
                .sign_prepared(
                    prepare_signer_certificate(
                        ca.public_jwk(),
                        signer.public_jwk(),
                        "https://issuer.example.com/tenant",
                        1_800_000_000,
                        &rng,
                    )
                    .unwrap(),
                )
                .unwrap();
            let x = b64url::decode(&signer.public_jwk().x).unwrap();
            assert!(contains(&leaf, &x), "the leaf's public key is the signer's");
            assert!(
                contains(&leaf, b"https://issuer.example.com/tenant"),
                "URI SAN"
            );
            assert!(contains(&leaf, b"issuer.example.com"), "DNS SAN");
            assert!(
                contains(&leaf, CA_COMMON_NAME.as_bytes()),
                "issued by the CA"
            );
            // x509-parser checks the spliced signature with the CA's public key.
            let (_, ca_cert) = X509Certificate::from_der(&ca_der).unwrap();
            let (rest, leaf_cert) = X509Certificate::from_der(&leaf).unwrap();
            assert!(rest.is_empty());
            leaf_cert
                .verify_signature(Some(ca_cert.public_key()))
                .unwrap();
            ca_cert.verify_signature(None).unwrap();
        }
        assert!(contains(&ca_der, CA_COMMON_NAME.as_bytes()));
        assert!(pem(&ca_der).starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(
            url_host("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1")
        );
        let signer = key(SigningAlgorithm::Es256);
        assert!(
            prepare_signer_certificate(
                ca.public_jwk(),
                signer.public_jwk(),
                "http://127.0.0.1:8080",
                1_800_000_000,
                &rng
            )
            .is_ok()
        );
    }

    #[test]
    fn a_certificate_completes_only_with_a_signature_of_its_algorithm() {
        let rng = SystemRandom::new();
        let ca = key(SigningAlgorithm::Es256);
        let unsigned = prepare_issuer_ca(ca.public_jwk(), 1_800_000_000, &rng).unwrap();
        assert!(unsigned.complete(vec![1; 10]).is_err());
        let ed = key(SigningAlgorithm::EdDsa);
        let unsigned = prepare_issuer_ca(ca.public_jwk(), 1_800_000_000, &rng).unwrap();
        assert!(
            ed.sign_prepared(unsigned).is_err(),
            "an Ed25519 key cannot finish an ES256 CA"
        );
    }

    #[test]
    fn ecdsa_signatures_are_minimal_der_integers() {
        let mut fixed = vec![0u8; 64];
        fixed[31] = 0x80; // r = 0x80 needs a leading zero
        fixed[32] = 0x01; // s starts at the first byte
        let der = ecdsa_der(&fixed).unwrap();
        assert_eq!(&der[..6], &[0x30, 0x26, 0x02, 0x02, 0x00, 0x80]);
        assert_eq!(&der[6..8], &[0x02, 0x20]);
        assert_eq!(tlv(&der).unwrap().2, &[] as &[u8]);
    }
}
