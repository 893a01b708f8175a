//! Compact JWE (RFC 7516 §3.1, §5) for OpenID4VCI credential request and response encryption,
//! P-256 keys only, with two key management algorithms:
//!
//! - `ECDH-ES` (RFC 7518 §4.6): Direct Key Agreement. The ephemeral public key goes in the `epk`
//!   header (§4.6.1.1); the CEK is the Concat KDF output of §4.6.2 (NIST SP 800-56A single-step,
//!   SHA-256) with AlgorithmID = the `enc` value, PartyUInfo / PartyVInfo = the base64url-decoded
//!   `apu` / `apv` headers or empty (§4.6.1.2-3), and keydatalen = 128 or 256. The JWE Encrypted
//!   Key is empty; content encryption is AES-GCM (§5.3): 96-bit IV, 128-bit tag, AAD =
//!   ASCII(BASE64URL(UTF8(JWE Protected Header))) (RFC 7516 §5.1 step 14).
//! - `HPKE-7`: Integrated Encryption of draft-ietf-jose-hpke-encrypt-20 (June 2026), that is
//!   DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (§5.1, Table 1), HPKE base mode (§4:
//!   `mode_psk` only with `psk_id`, which we refuse). Per §4.1 and §5 the JWE Encrypted Key is
//!   the HPKE encapsulated secret (the ephemeral public key, 65-byte uncompressed point); there
//!   is no `ek` header; the JWE Initialization Vector and JWE Authentication Tag are empty; the
//!   HPKE `aad` is the Additional Authenticated Data of §7.1 step 15, i.e. ASCII(Encoded
//!   Protected Header) in the compact serialization; the HPKE `info` is empty (the §5 default);
//!   the JWE Ciphertext is the HPKE Seal output (ciphertext with its AEAD tag, §7.1 step 17).
//!   The compact form is thus `BASE64URL(header) '.' BASE64URL(enc) '..' BASE64URL(ct) '.'`.
//!
//! `enc` with `HPKE-7`: §4 and §5 say the `enc` header MUST NOT be present with Integrated
//! Encryption, and §7.2 step 18 makes the recipient check it is absent. An OpenID4VCI
//! `credential_response_encryption` still names an `enc` (`A256GCM` for an `HPKE-7` key):
//! [`encrypt`] accepts only [`ContentEncryption::A256Gcm`] with `HPKE-7` (the AEAD HPKE-7
//! fixes) and does not write it to the header; [`decrypt`] refuses an `HPKE-7` JWE that carries
//! `enc`, and its `encs` list applies to `ECDH-ES` only.
//!
//! The draft (§10.1) says the same key SHOULD NOT serve both HPKE and non-HPKE algorithms: a
//! caller that publishes a [`DecryptionKey`] chooses one algorithm per key through `algs`.
//! `zip` and `crit` are refused (RFC 7516 §4.1.3, RFC 7515 §4.1.11: we understand no extension).

use std::convert::Infallible;
use std::fmt;

use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, ECDH_P256, ParsedPublicKey, PrivateKey, UnparsedPublicKey};
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, OpModeR, OpModeS};
use serde_json::{Map, Value};

use crate::{CryptoError, PublicJwk, SecureRandom, b64url, random_array, sha256};

type HpkeKem = hpke::kem::DhP256HkdfSha256;
type HpkeKdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::AesGcm256;

/// The JWE `alg` values Sigil speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyManagement {
    /// `ECDH-ES`: Direct Key Agreement (RFC 7518 §4.6).
    EcdhEs,
    /// `HPKE-7`: HPKE Integrated Encryption (draft-ietf-jose-hpke-encrypt-20 §5).
    Hpke7,
}

impl KeyManagement {
    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EcdhEs => "ECDH-ES",
            Self::Hpke7 => "HPKE-7",
        }
    }

    /// Parses a JOSE name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::EcdhEs, Self::Hpke7]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// The JWE `enc` values Sigil speaks (RFC 7518 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncryption {
    /// `A128GCM`.
    A128Gcm,
    /// `A256GCM`.
    A256Gcm,
}

impl ContentEncryption {
    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A128Gcm => "A128GCM",
            Self::A256Gcm => "A256GCM",
        }
    }

    /// Parses a JOSE name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::A128Gcm, Self::A256Gcm]
            .into_iter()
            .find(|e| e.as_str() == name)
    }

    fn aead(self) -> &'static aws_lc_rs::aead::Algorithm {
        match self {
            Self::A128Gcm => &AES_128_GCM,
            Self::A256Gcm => &AES_256_GCM,
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::A128Gcm => 16,
            Self::A256Gcm => 32,
        }
    }
}

/// Why a JWE could not be made or opened. Messages never carry key material or plaintext.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    /// The compact serialization or its header is malformed.
    #[error("malformed JWE: {0}")]
    Malformed(String),
    /// The `alg` is unknown or not allowed here (kept for logs; the message does not repeat it).
    #[error("unsupported or disallowed JWE alg")]
    UnsupportedAlgorithm(String),
    /// The `enc` is unknown, not allowed here, or does not fit the `alg`.
    #[error("unsupported or disallowed JWE enc")]
    UnsupportedEncryption(String),
    /// A header parameter Sigil does not implement (`zip`, `crit`, `psk_id`).
    #[error("unsupported JWE header parameter {0:?}")]
    UnsupportedHeader(String),
    /// A key (recipient JWK, `epk`, encapsulated key, stored private key) was refused.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Authenticated decryption failed: wrong key, or the JWE was altered.
    #[error("decryption failed (wrong key, or the JWE was altered)")]
    Decryption,
    /// A primitive failed (random source, encryption).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

fn malformed(message: impl Into<String>) -> JweError {
    JweError::Malformed(message.into())
}

fn invalid_key(message: impl Into<String>) -> JweError {
    JweError::InvalidKey(message.into())
}

/// A recipient's public encryption key from a JWK: EC P-256, public only. `kid`, `use`, `alg`
/// are not looked at; the caller chooses the algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientKey {
    /// Uncompressed SEC1 point: 0x04 ‖ x ‖ y, checked to be on the curve.
    point: Vec<u8>,
}

impl RecipientKey {
    /// Parses a public EC P-256 JWK. Refuses private members, other key types and curves,
    /// coordinates that are not 32 bytes of base64url, and points not on the curve.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<Self, JweError> {
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|m| jwk.contains_key(*m))
        {
            return Err(invalid_key("the JWK contains private key material"));
        }
        let member = |name: &str| jwk.get(name).and_then(Value::as_str).unwrap_or_default();
        let (kty, crv) = (member("kty"), member("crv"));
        if (kty, crv) != ("EC", "P-256") {
            return Err(invalid_key("only EC P-256 keys are accepted"));
        }
        let coordinate = |name: &str| {
            b64url::decode(member(name))
                .filter(|b| b.len() == 32)
                .ok_or_else(|| invalid_key(format!("{name} is not 32 bytes of base64url")))
        };
        let mut point = vec![4u8];
        point.extend_from_slice(&coordinate("x")?);
        point.extend_from_slice(&coordinate("y")?);
        ParsedPublicKey::try_from(&UnparsedPublicKey::new(&ECDH_P256, &point))
            .map_err(|_| invalid_key("the point is not on P-256"))?;
        Ok(Self { point })
    }
}

/// The minimal public JWK of an uncompressed P-256 point.
fn point_jwk(point: &[u8]) -> Result<(String, String), JweError> {
    let (x, y) = point
        .split_first()
        .and_then(|(_, xy)| xy.split_at_checked(32))
        .filter(|(_, y)| y.len() == 32)
        .ok_or_else(|| invalid_key("not an uncompressed P-256 point"))?;
    Ok((b64url::encode(x), b64url::encode(y)))
}

fn ec_jwk(x: &str, y: &str) -> Map<String, Value> {
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "EC".into());
    jwk.insert("crv".into(), "P-256".into());
    jwk.insert("x".into(), x.into());
    jwk.insert("y".into(), y.into());
    jwk
}

/// Sigil's own P-256 decryption key. `Debug` shows only its thumbprint.
pub struct DecryptionKey {
    ecdh: PrivateKey,
    hpke: <HpkeKem as hpke::Kem>::PrivateKey,
    x: String,
    y: String,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("thumbprint", &self.thumbprint())
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// A fresh key from `rng`, and the bytes to store (the 32-byte big-endian private scalar;
    /// seal them at rest, e.g. with the master key).
    pub fn generate(rng: &dyn SecureRandom) -> Result<(Self, Vec<u8>), JweError> {
        let (_, scalar) = p256_private_key(rng)?;
        Ok((Self::from_bytes(&scalar)?, scalar.to_vec()))
    }

    /// Rebuilds the key from the 32-byte private scalar that [`DecryptionKey::generate`] returned.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, JweError> {
        if bytes.len() != 32 {
            return Err(invalid_key("a P-256 private key is 32 bytes"));
        }
        let ecdh = PrivateKey::from_private_key(&ECDH_P256, bytes)
            .map_err(|_| invalid_key("not a P-256 private scalar"))?;
        let hpke = <HpkeKem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map_err(|_| invalid_key("not a P-256 private scalar"))?;
        let public = ecdh
            .compute_public_key()
            .map_err(|_| invalid_key("not a P-256 private scalar"))?;
        let (x, y) = point_jwk(public.as_ref())?;
        Ok(Self { ecdh, hpke, x, y })
    }

    /// The public key as a minimal JWK (`kty`, `crv`, `x`, `y`); the caller adds `kid`, `use`,
    /// `alg`.
    pub fn public_jwk(&self) -> Map<String, Value> {
        ec_jwk(&self.x, &self.y)
    }

    /// RFC 7638 thumbprint of the public key.
    pub fn thumbprint(&self) -> String {
        PublicJwk::thumbprint("EC", "P-256", &self.x, Some(&self.y))
    }
}

/// A P-256 private key from `rng`, and its scalar. A 32-byte string is a valid scalar except
/// with probability about 2^-32, so a few draws always suffice in practice.
fn p256_private_key(rng: &dyn SecureRandom) -> Result<(PrivateKey, [u8; 32]), JweError> {
    for _ in 0..4 {
        let scalar = random_array::<32>(rng)?;
        if let Ok(key) = PrivateKey::from_private_key(&ECDH_P256, &scalar) {
            return Ok((key, scalar));
        }
    }
    Err(CryptoError::Key("could not draw a P-256 private key").into())
}

/// RFC 7518 §4.6.2: Concat KDF (NIST SP 800-56A §5.8.1, one SHA-256 round: keydatalen ≤ 256)
/// over `z` with OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo ‖ SuppPubInfo.
fn concat_kdf(
    z: &[u8],
    enc: ContentEncryption,
    apu: &[u8],
    apv: &[u8],
) -> Result<Vec<u8>, JweError> {
    let mut input = 1u32.to_be_bytes().to_vec();
    input.extend_from_slice(z);
    for field in [enc.as_str().as_bytes(), apu, apv] {
        let len = u32::try_from(field.len()).map_err(|_| malformed("apu or apv too long"))?;
        input.extend_from_slice(&len.to_be_bytes());
        input.extend_from_slice(field);
    }
    let key_bits = u32::try_from(enc.key_len() * 8).map_err(|_| malformed("key length"))?;
    input.extend_from_slice(&key_bits.to_be_bytes());
    let mut cek = sha256(&input).to_vec();
    cek.truncate(enc.key_len());
    Ok(cek)
}

/// ECDH-ES key agreement between `private` and the uncompressed point `peer`, then Concat KDF.
fn ecdh_es_cek(
    private: &PrivateKey,
    peer: &[u8],
    enc: ContentEncryption,
    apu: &[u8],
    apv: &[u8],
) -> Result<Vec<u8>, JweError> {
    agreement::agree(
        private,
        UnparsedPublicKey::new(&ECDH_P256, peer),
        invalid_key("ECDH key agreement failed"),
        |z| concat_kdf(z, enc, apu, apv),
    )
}

/// Encrypts `plaintext` to `recipient` as a compact JWE. `kid` (the recipient JWK's `kid`,
/// when it had one) goes in the protected header. With [`KeyManagement::Hpke7`], `enc` must be
/// [`ContentEncryption::A256Gcm`] and is not written to the header (module docs).
pub fn encrypt(
    plaintext: &[u8],
    recipient: &RecipientKey,
    alg: KeyManagement,
    enc: ContentEncryption,
    kid: Option<&str>,
    rng: &dyn SecureRandom,
) -> Result<String, JweError> {
    let mut header = Map::new();
    header.insert("alg".into(), alg.as_str().into());
    match alg {
        KeyManagement::EcdhEs => {
            header.insert("enc".into(), enc.as_str().into());
        }
        KeyManagement::Hpke7 if enc != ContentEncryption::A256Gcm => {
            return Err(JweError::UnsupportedEncryption(format!(
                "{} with HPKE-7 (its AEAD is AES-256-GCM)",
                enc.as_str()
            )));
        }
        KeyManagement::Hpke7 => {}
    }
    if let Some(kid) = kid {
        header.insert("kid".into(), kid.into());
    }
    match alg {
        KeyManagement::EcdhEs => {
            let (ephemeral, _) = p256_private_key(rng)?;
            let epk = ephemeral
                .compute_public_key()
                .map_err(|_| CryptoError::Encrypt)?;
            let (x, y) = point_jwk(epk.as_ref())?;
            header.insert("epk".into(), Value::Object(ec_jwk(&x, &y)));
            let cek = ecdh_es_cek(&ephemeral, &recipient.point, enc, b"", b"")?;
            let protected = encode_header(&header)?;
            let iv = random_array::<12>(rng)?;
            let key = LessSafeKey::new(
                UnboundKey::new(enc.aead(), &cek).map_err(|_| CryptoError::Encrypt)?,
            );
            let mut ciphertext = plaintext.to_vec();
            let tag = key
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(iv),
                    Aad::from(protected.as_bytes()),
                    &mut ciphertext,
                )
                .map_err(|_| CryptoError::Encrypt)?;
            Ok(format!(
                "{protected}..{}.{}.{}",
                b64url::encode(iv),
                b64url::encode(ciphertext),
                b64url::encode(tag)
            ))
        }
        KeyManagement::Hpke7 => {
            let public = <HpkeKem as hpke::Kem>::PublicKey::from_bytes(&recipient.point)
                .map_err(|_| invalid_key("the recipient point is not on P-256"))?;
            let protected = encode_header(&header)?;
            let mut rng = SeedExpander::new(random_array::<32>(rng)?);
            let (encapsulated, ciphertext) =
                hpke::single_shot_seal_with_rng::<HpkeAead, HpkeKdf, HpkeKem>(
                    &OpModeS::Base,
                    &public,
                    b"",
                    plaintext,
                    protected.as_bytes(),
                    &mut rng,
                )
                .map_err(|_| CryptoError::Encrypt)?;
            Ok(format!(
                "{protected}.{}..{}.",
                b64url::encode(hpke::Serializable::to_bytes(&encapsulated)),
                b64url::encode(ciphertext)
            ))
        }
    }
}

fn encode_header(header: &Map<String, Value>) -> Result<String, JweError> {
    let json = serde_json::to_vec(header).map_err(|_| CryptoError::Encrypt)?;
    Ok(b64url::encode(json))
}

/// Decrypts a compact JWE made for `key` with one of `algs` (and, for `ECDH-ES`, one of
/// `encs`). Returns the protected header and the plaintext.
pub fn decrypt(
    compact: &str,
    key: &DecryptionKey,
    algs: &[KeyManagement],
    encs: &[ContentEncryption],
) -> Result<(Map<String, Value>, Vec<u8>), JweError> {
    let mut parts = compact.split('.');
    let (Some(protected), Some(ek), Some(iv), Some(ct), Some(tag), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed("a compact JWE has five parts"));
    };
    let decode = |part: &str, name: &str| {
        b64url::decode(part).ok_or_else(|| malformed(format!("the {name} is not base64url")))
    };
    let header = match serde_json::from_slice(&decode(protected, "protected header")?) {
        Ok(Value::Object(header)) => header,
        _ => return Err(malformed("the protected header is not a JSON object")),
    };
    let (ek, iv, ct, tag) = (
        decode(ek, "encrypted key")?,
        decode(iv, "IV")?,
        decode(ct, "ciphertext")?,
        decode(tag, "tag")?,
    );
    for unsupported in ["zip", "crit"] {
        if header.contains_key(unsupported) {
            return Err(JweError::UnsupportedHeader(unsupported.into()));
        }
    }
    let text = |name: &str| header.get(name).and_then(Value::as_str);
    let alg_name = text("alg").ok_or_else(|| malformed("alg is missing or not a string"))?;
    let alg = KeyManagement::parse(alg_name)
        .filter(|a| algs.contains(a))
        .ok_or_else(|| JweError::UnsupportedAlgorithm(alg_name.into()))?;
    let aad = protected.as_bytes();
    let plaintext = match alg {
        KeyManagement::EcdhEs => {
            let enc_name =
                text("enc").ok_or_else(|| malformed("enc is missing or not a string"))?;
            let enc = ContentEncryption::parse(enc_name)
                .filter(|e| encs.contains(e))
                .ok_or_else(|| JweError::UnsupportedEncryption(enc_name.into()))?;
            if !ek.is_empty() {
                return Err(malformed("ECDH-ES takes an empty encrypted key"));
            }
            let epk = header
                .get("epk")
                .and_then(Value::as_object)
                .ok_or_else(|| malformed("epk is missing or not an object"))?;
            let epk = RecipientKey::from_jwk(epk).map_err(|e| match e {
                JweError::InvalidKey(why) => invalid_key(format!("epk: {why}")),
                other => other,
            })?;
            let party = |name: &str| match header.get(name) {
                None => Ok(Vec::new()),
                Some(v) => v
                    .as_str()
                    .and_then(b64url::decode)
                    .ok_or_else(|| malformed(format!("{name} is not base64url"))),
            };
            let cek = ecdh_es_cek(&key.ecdh, &epk.point, enc, &party("apu")?, &party("apv")?)?;
            let nonce = Nonce::try_assume_unique_for_key(&iv)
                .map_err(|_| malformed("the IV must be 96 bits"))?;
            if tag.len() != 16 {
                return Err(malformed("the tag must be 128 bits"));
            }
            let key = LessSafeKey::new(
                UnboundKey::new(enc.aead(), &cek).map_err(|_| CryptoError::Decrypt)?,
            );
            let mut in_out = ct;
            in_out.extend_from_slice(&tag);
            key.open_in_place(nonce, Aad::from(aad), &mut in_out)
                .map_err(|_| JweError::Decryption)?
                .to_vec()
        }
        KeyManagement::Hpke7 => {
            if header.contains_key("enc") {
                return Err(JweError::UnsupportedEncryption(
                    "enc must be absent with HPKE-7 integrated encryption".into(),
                ));
            }
            if header.contains_key("ek") {
                return Err(malformed("ek must be absent with HPKE-7"));
            }
            if header.contains_key("psk_id") {
                return Err(JweError::UnsupportedHeader("psk_id".into()));
            }
            if !iv.is_empty() || !tag.is_empty() {
                return Err(malformed("HPKE-7 takes an empty IV and tag"));
            }
            let encapsulated = <HpkeKem as hpke::Kem>::EncappedKey::from_bytes(&ek)
                .map_err(|_| invalid_key("the encapsulated key is not a P-256 point"))?;
            hpke::single_shot_open::<HpkeAead, HpkeKdf, HpkeKem>(
                &OpModeR::Base,
                &key.hpke,
                &encapsulated,
                b"",
                &ct,
                aad,
            )
            .map_err(|_| JweError::Decryption)?
        }
    };
    Ok((header, plaintext))
}

/// The `CryptoRng` that HPKE's ephemeral key generation draws from: SHA-256(seed ‖ counter)
/// blocks over a 256-bit seed taken from our [`SecureRandom`], so that a failing random source
/// is reported as an error before HPKE runs, and tests stay deterministic.
struct SeedExpander {
    seed: [u8; 32],
    counter: u64,
}

impl SeedExpander {
    fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0 }
    }
}

impl TryRng for SeedExpander {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(32) {
            let mut input = self.seed.to_vec();
            input.extend_from_slice(&self.counter.to_be_bytes());
            self.counter = self.counter.wrapping_add(1);
            for (d, s) in chunk.iter_mut().zip(sha256(&input)) {
                *d = s;
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for SeedExpander {}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU8, Ordering};

    use super::*;
    use crate::SystemRandom;

    /// A deterministic "random" source: bytes counting up from a start value.
    #[derive(Debug)]
    struct Counting(AtomicU8);

    impl SecureRandom for Counting {
        fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
            for b in dest {
                *b = self.0.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }
    }

    #[derive(Debug)]
    struct Broken;

    impl SecureRandom for Broken {
        fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
            Err(CryptoError::Random)
        }
    }

    fn jwk(json: Value) -> Map<String, Value> {
        json.as_object().unwrap().clone()
    }

    const ALL_ALGS: [KeyManagement; 2] = [KeyManagement::EcdhEs, KeyManagement::Hpke7];
    const ALL_ENCS: [ContentEncryption; 2] =
        [ContentEncryption::A128Gcm, ContentEncryption::A256Gcm];

    fn fresh_key() -> DecryptionKey {
        DecryptionKey::generate(&SystemRandom::new()).unwrap().0
    }

    fn recipient(key: &DecryptionKey) -> RecipientKey {
        RecipientKey::from_jwk(&key.public_jwk()).unwrap()
    }

    fn seal(key: &DecryptionKey, alg: KeyManagement, enc: ContentEncryption) -> String {
        let rng = SystemRandom::new();
        encrypt(
            b"{\"credentials\":[]}",
            &recipient(key),
            alg,
            enc,
            Some("k1"),
            &rng,
        )
        .unwrap()
    }

    fn open(compact: &str, key: &DecryptionKey) -> Result<Vec<u8>, JweError> {
        decrypt(compact, key, &ALL_ALGS, &ALL_ENCS).map(|(_, plaintext)| plaintext)
    }

    fn segments(compact: &str) -> Vec<String> {
        compact.split('.').map(str::to_string).collect()
    }

    /// Replaces the protected header (refusals happen before the AAD is checked).
    fn with_header(compact: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut parts = segments(compact);
        let mut header: Map<String, Value> =
            serde_json::from_slice(&b64url::decode(&parts[0]).unwrap()).unwrap();
        edit(&mut header);
        parts[0] = b64url::encode(serde_json::to_vec(&header).unwrap());
        parts.join(".")
    }

    // RFC 7518 Appendix C: Alice's ephemeral key and Bob's key.
    const ALICE_D: &str = "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo";
    const ALICE_X: &str = "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0";
    const ALICE_Y: &str = "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps";
    const BOB_D: &str = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw";
    const BOB_X: &str = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ";
    const BOB_Y: &str = "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck";

    #[test]
    fn concat_kdf_matches_rfc_7518_appendix_c() {
        let alice =
            PrivateKey::from_private_key(&ECDH_P256, &b64url::decode(ALICE_D).unwrap()).unwrap();
        let bob = RecipientKey::from_jwk(&ec_jwk(BOB_X, BOB_Y)).unwrap();
        let cek = ecdh_es_cek(
            &alice,
            &bob.point,
            ContentEncryption::A128Gcm,
            b"Alice",
            b"Bob",
        )
        .unwrap();
        assert_eq!(b64url::encode(&cek), "VqqN6vgjbSBcIijNcacQGg");

        // Bob's side: his private key against Alice's epk.
        let bob = DecryptionKey::from_bytes(&b64url::decode(BOB_D).unwrap()).unwrap();
        assert_eq!(bob.public_jwk(), ec_jwk(BOB_X, BOB_Y));
        let alice = RecipientKey::from_jwk(&ec_jwk(ALICE_X, ALICE_Y)).unwrap();
        let cek = ecdh_es_cek(
            &bob.ecdh,
            &alice.point,
            ContentEncryption::A128Gcm,
            b"Alice",
            b"Bob",
        )
        .unwrap();
        assert_eq!(b64url::encode(&cek), "VqqN6vgjbSBcIijNcacQGg");
    }

    #[test]
    fn decrypts_an_ecdh_es_jwe_with_apu_and_apv() {
        // Built by hand with the Appendix C keys, so apu/apv feed the KDF on decryption too.
        let bob = DecryptionKey::from_bytes(&b64url::decode(BOB_D).unwrap()).unwrap();
        let header = serde_json::json!({
            "alg": "ECDH-ES", "enc": "A128GCM", "apu": "QWxpY2U", "apv": "Qm9i",
            "epk": {"kty": "EC", "crv": "P-256", "x": ALICE_X, "y": ALICE_Y},
        });
        let protected = b64url::encode(serde_json::to_vec(&header).unwrap());
        let cek = b64url::decode("VqqN6vgjbSBcIijNcacQGg").unwrap();
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).unwrap());
        let mut ct = b"hello Bob".to_vec();
        let tag = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key([7; 12]),
                Aad::from(protected.as_bytes()),
                &mut ct,
            )
            .unwrap();
        let compact = format!(
            "{protected}..{}.{}.{}",
            b64url::encode([7; 12]),
            b64url::encode(&ct),
            b64url::encode(tag)
        );
        assert_eq!(open(&compact, &bob).unwrap(), b"hello Bob");
        // Without apu the CEK differs.
        let without = with_header(&compact, |h| {
            h.remove("apu");
        });
        assert_eq!(open(&without, &bob), Err(JweError::Decryption));
    }

    #[test]
    fn round_trips() {
        let key = fresh_key();
        for (alg, enc) in [
            (KeyManagement::EcdhEs, ContentEncryption::A128Gcm),
            (KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
            (KeyManagement::Hpke7, ContentEncryption::A256Gcm),
        ] {
            let compact = seal(&key, alg, enc);
            let (header, plaintext) = decrypt(&compact, &key, &[alg], &[enc]).unwrap();
            assert_eq!(plaintext, b"{\"credentials\":[]}");
            assert_eq!(header["alg"], alg.as_str());
            assert_eq!(header["kid"], "k1");
            let parts = segments(&compact);
            assert_eq!(parts.len(), 5);
            match alg {
                KeyManagement::EcdhEs => {
                    assert_eq!(header["enc"], enc.as_str());
                    assert_eq!(header["epk"]["crv"], "P-256");
                    assert!(header["epk"].get("d").is_none());
                    assert_eq!(parts[1], "");
                    assert_eq!(b64url::decode(&parts[2]).unwrap().len(), 12);
                    assert_eq!(b64url::decode(&parts[4]).unwrap().len(), 16);
                }
                KeyManagement::Hpke7 => {
                    assert!(header.get("enc").is_none());
                    assert_eq!(b64url::decode(&parts[1]).unwrap().len(), 65);
                    assert_eq!((parts[2].as_str(), parts[4].as_str()), ("", ""));
                }
            }
            // Another key cannot open it.
            assert_eq!(open(&compact, &fresh_key()), Err(JweError::Decryption));
        }
    }

    #[test]
    fn encryption_is_deterministic_under_an_injected_rng() {
        let key = fresh_key();
        for alg in ALL_ALGS {
            let run = || {
                let rng = Counting(AtomicU8::new(1));
                let enc = ContentEncryption::A256Gcm;
                encrypt(b"x", &recipient(&key), alg, enc, None, &rng).unwrap()
            };
            assert_eq!(run(), run());
            assert_eq!(open(&run(), &key).unwrap(), b"x");
        }
        for alg in ALL_ALGS {
            let err = encrypt(
                b"x",
                &recipient(&key),
                alg,
                ContentEncryption::A256Gcm,
                None,
                &Broken,
            );
            assert_eq!(err, Err(JweError::Crypto(CryptoError::Random)));
        }
    }

    #[test]
    fn hpke_7_takes_only_a256gcm() {
        let key = fresh_key();
        let rng = SystemRandom::new();
        let result = encrypt(
            b"x",
            &recipient(&key),
            KeyManagement::Hpke7,
            ContentEncryption::A128Gcm,
            None,
            &rng,
        );
        assert!(matches!(result, Err(JweError::UnsupportedEncryption(_))));
    }

    #[test]
    fn tampering_with_any_segment_fails() {
        let key = fresh_key();
        for (alg, enc) in [
            (KeyManagement::EcdhEs, ContentEncryption::A128Gcm),
            (KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
            (KeyManagement::Hpke7, ContentEncryption::A256Gcm),
        ] {
            let compact = seal(&key, alg, enc);
            // The header: same JSON plus one member, so only the AAD changes.
            let header = with_header(&compact, |h| {
                h.insert("x-extra".into(), 1.into());
            });
            assert_eq!(
                open(&header, &key),
                Err(JweError::Decryption),
                "{alg:?} header"
            );
            for index in 1..5 {
                let mut parts = segments(&compact);
                let mut bytes = b64url::decode(&parts[index]).unwrap();
                match bytes.first_mut() {
                    Some(first) => *first ^= 1,
                    None => bytes = vec![0; 12],
                }
                parts[index] = b64url::encode(&bytes);
                let result = open(&parts.join("."), &key);
                assert!(result.is_err(), "{alg:?} segment {index}: {result:?}");
            }
        }
    }

    #[test]
    fn refuses_malformed_compact_serializations() {
        let key = fresh_key();
        let compact = seal(&key, KeyManagement::EcdhEs, ContentEncryption::A128Gcm);
        let parts = segments(&compact);
        for bad in [
            parts[..4].join("."),
            format!("{compact}."),
            String::new(),
            compact.replacen('.', ".!", 1),
            format!("{}=.{}", parts[0], parts[1..].join(".")),
            format!("{}.{}", b64url::encode("[1]"), parts[1..].join(".")),
            format!("{}.{}", b64url::encode("\"alg\""), parts[1..].join(".")),
            format!("{}.{}", b64url::encode("{not json"), parts[1..].join(".")),
        ] {
            assert!(
                matches!(open(&bad, &key), Err(JweError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_unsupported_headers_and_algorithms() {
        let key = fresh_key();
        let ecdh = seal(&key, KeyManagement::EcdhEs, ContentEncryption::A128Gcm);
        let hpke = seal(&key, KeyManagement::Hpke7, ContentEncryption::A256Gcm);
        for compact in [&ecdh, &hpke] {
            let zip = with_header(compact, |h| {
                h.insert("zip".into(), "DEF".into());
            });
            assert_eq!(
                open(&zip, &key),
                Err(JweError::UnsupportedHeader("zip".into()))
            );
            let crit = with_header(compact, |h| {
                h.insert("crit".into(), serde_json::json!(["exp"]));
            });
            assert_eq!(
                open(&crit, &key),
                Err(JweError::UnsupportedHeader("crit".into()))
            );
            let rsa = with_header(compact, |h| {
                h.insert("alg".into(), "RSA-OAEP-256".into());
            });
            assert!(matches!(
                open(&rsa, &key),
                Err(JweError::UnsupportedAlgorithm(_))
            ));
            let no_alg = with_header(compact, |h| {
                h.remove("alg");
            });
            assert!(matches!(open(&no_alg, &key), Err(JweError::Malformed(_))));
        }
        // An alg or enc outside the allowed lists.
        let only_hpke = decrypt(&ecdh, &key, &[KeyManagement::Hpke7], &ALL_ENCS);
        assert_eq!(
            only_hpke,
            Err(JweError::UnsupportedAlgorithm("ECDH-ES".into()))
        );
        let only_ecdh = decrypt(&hpke, &key, &[KeyManagement::EcdhEs], &ALL_ENCS);
        assert_eq!(
            only_ecdh,
            Err(JweError::UnsupportedAlgorithm("HPKE-7".into()))
        );
        let only_a256 = decrypt(&ecdh, &key, &ALL_ALGS, &[ContentEncryption::A256Gcm]);
        assert_eq!(
            only_a256,
            Err(JweError::UnsupportedEncryption("A128GCM".into()))
        );
        let cbc = with_header(&ecdh, |h| {
            h.insert("enc".into(), "A128CBC-HS256".into());
        });
        assert!(matches!(
            open(&cbc, &key),
            Err(JweError::UnsupportedEncryption(_))
        ));
        // HPKE-7 integrated encryption: no enc, no ek, no psk_id, empty IV and tag.
        let with_enc = with_header(&hpke, |h| {
            h.insert("enc".into(), "A256GCM".into());
        });
        assert!(matches!(
            open(&with_enc, &key),
            Err(JweError::UnsupportedEncryption(_))
        ));
        let with_ek = with_header(&hpke, |h| {
            h.insert("ek".into(), "AA".into());
        });
        assert!(matches!(open(&with_ek, &key), Err(JweError::Malformed(_))));
        let psk = with_header(&hpke, |h| {
            h.insert("psk_id".into(), "AA".into());
        });
        assert_eq!(
            open(&psk, &key),
            Err(JweError::UnsupportedHeader("psk_id".into()))
        );
        let mut parts = segments(&hpke);
        parts[2] = b64url::encode([0; 12]);
        assert!(matches!(
            open(&parts.join("."), &key),
            Err(JweError::Malformed(_))
        ));
        let mut parts = segments(&hpke);
        parts[1] = b64url::encode([4; 65]);
        assert!(matches!(
            open(&parts.join("."), &key),
            Err(JweError::InvalidKey(_))
        ));
    }

    #[test]
    fn refuses_bad_epks() {
        let key = fresh_key();
        let compact = seal(&key, KeyManagement::EcdhEs, ContentEncryption::A256Gcm);
        let (header, _) = decrypt(&compact, &key, &ALL_ALGS, &ALL_ENCS).unwrap();
        let epk = header["epk"].clone();
        for (what, member, value) in [
            ("P-384", "crv", "P-384"),
            ("OKP", "kty", "OKP"),
            ("private", "d", ALICE_D),
            ("x not base64url", "x", "***"),
            ("short y", "y", "AAAA"),
            ("off the curve", "y", BOB_Y),
        ] {
            let bad = with_header(&compact, |h| {
                let mut epk = epk.clone();
                epk[member] = value.into();
                h.insert("epk".into(), epk);
            });
            let result = open(&bad, &key);
            assert!(
                matches!(result, Err(JweError::InvalidKey(_))),
                "{what}: {result:?}"
            );
        }
        for missing in [Value::Null, "epk".into()] {
            let bad = with_header(&compact, |h| {
                h.insert("epk".into(), missing);
            });
            assert!(matches!(open(&bad, &key), Err(JweError::Malformed(_))));
        }
    }

    #[test]
    fn recipient_key_refusals() {
        let good = ec_jwk(BOB_X, BOB_Y);
        assert!(RecipientKey::from_jwk(&good).is_ok());
        let refused = [
            jwk(
                serde_json::json!({"kty": "EC", "crv": "P-256", "x": BOB_X, "y": BOB_Y, "d": BOB_D}),
            ),
            jwk(serde_json::json!({"kty": "EC", "crv": "P-384", "x": BOB_X, "y": BOB_Y})),
            jwk(serde_json::json!({"kty": "OKP", "crv": "X25519", "x": BOB_X})),
            jwk(serde_json::json!({"kty": "oct", "k": "AAAA"})),
            jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "x": BOB_X})),
            jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "x": "+/+/", "y": BOB_Y})),
            jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "x": BOB_X, "y": ALICE_Y})),
            jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "x": BOB_X, "y": 7})),
        ];
        for jwk in refused {
            let result = RecipientKey::from_jwk(&jwk);
            assert!(matches!(result, Err(JweError::InvalidKey(_))), "{jwk:?}");
        }
    }

    #[test]
    fn decryption_keys_persist_and_hide_the_secret() {
        let (key, stored) = DecryptionKey::generate(&SystemRandom::new()).unwrap();
        assert_eq!(stored.len(), 32);
        let again = DecryptionKey::from_bytes(&stored).unwrap();
        assert_eq!(again.public_jwk(), key.public_jwk());
        assert_eq!(again.thumbprint(), key.thumbprint());
        let debug = format!("{key:?}");
        assert!(debug.contains(&key.thumbprint()));
        assert!(!debug.contains(&b64url::encode(&stored)));
        assert_eq!(
            key.public_jwk().keys().collect::<Vec<_>>(),
            ["kty", "crv", "x", "y"]
        );
        for bad in [&[0u8; 31][..], &[0; 32], &[0xff; 32], &[1; 33]] {
            assert!(matches!(
                DecryptionKey::from_bytes(bad),
                Err(JweError::InvalidKey(_))
            ));
        }
        assert_eq!(
            DecryptionKey::generate(&Broken).map(|_| ()),
            Err(JweError::Crypto(CryptoError::Random))
        );
    }

    #[test]
    fn decrypts_the_hpke_7_vector_of_the_draft() {
        // draft-ietf-jose-hpke-encrypt-20 Appendix A.15 (Figures 43 and 45).
        let key = DecryptionKey::from_bytes(
            &b64url::decode("nklFxo0VoD3POieIKD2I_6O4pyuoX1755y_r8My3kL4").unwrap(),
        )
        .unwrap();
        assert_eq!(
            key.public_jwk(),
            ec_jwk(
                "z860carZ9CSxTjXo7MK65h_TaZX7ipi2iUh_Bh-VP54",
                "i9X0v8PwcNgbsoMhAz-_W2OPaFU--BQAgWVzJVOfedo"
            )
        );
        assert_eq!(
            key.thumbprint(),
            "YGdLPiZno0vV3kJKu4kEMQEjK3_upFF2D_lFDf1FFwk"
        );
        let compact = concat!(
            "eyJhbGciOiJIUEtFLTciLCJraWQiOiJZR2RMUGlabm8wdlYza0pLdTRrRU1RRWpLM191",
            "cEZGMkRfbEZEZjFGRndrIn0.BL2AEDUZhRslwuzyKdVKVaGwBpFly_SgLlxy2wTg42Vy",
            "fob2tCdv0SgN6OMR16kilUZ17jafK0Gzw0plYKGm08Y..0-DVK3WNJxSSX4hn0KgFlV4",
            "vRS4iJLiNCmjl9J4QKCYiOzmdHmWXvB4MS56wOmpVhDbboVIC0wOBxsUlWIXIg6N9DSl",
            "u-iwlgiqrVj2v61LrX-qjB7MAg0X5DQJSOWg-saAkhf2lEJ4z0meZIdAlY93_vgAUHKo",
            "HsSp_EciL28JtLrBU18WHv34eHONzWsVYdj-ycaBqLUAkcfYrlNZrVpCR6OdNXkuOmkh",
            "qrIZjFEl67VZVY5NfbvyFRAkkqgd42wvATdGk2gw_jDZe1fvzGNuV-e5UCrHQ-5Es2rm",
            "sLe-nfeB_9iUe-2nZswWS2qndvz6ZANF9Kj2QMJXCLN7RRSLLjP58sxoyDZC8nRBdJxs",
            "JKXc8G5eYFLJ1Bc4w.",
        );
        let (header, plaintext) = decrypt(compact, &key, &[KeyManagement::Hpke7], &[]).unwrap();
        assert_eq!(header["kid"], "YGdLPiZno0vV3kJKu4kEMQEjK3_upFF2D_lFDf1FFwk");
        assert_eq!(
            String::from_utf8(plaintext).unwrap(),
            "You can trust us to stick with you through thick and thin-to the bitter end. And you \
             can trust us to keep any secret of yours-closer than you keep it yourself. But you \
             cannot trust us to let you face trouble alone, and go off without a word. We are your \
             friends, Frodo."
        );
    }

    #[test]
    fn algorithm_names() {
        for alg in ALL_ALGS {
            assert_eq!(KeyManagement::parse(alg.as_str()), Some(alg));
        }
        for enc in ALL_ENCS {
            assert_eq!(ContentEncryption::parse(enc.as_str()), Some(enc));
        }
        assert_eq!(KeyManagement::parse("ECDH-ES+A128KW"), None);
        assert_eq!(KeyManagement::parse("HPKE-7-KE"), None);
        assert_eq!(ContentEncryption::parse("A192GCM"), None);
    }
}
