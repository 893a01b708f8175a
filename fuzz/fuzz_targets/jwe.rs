//! `jwe`: encrypted credential requests (OID4VCI 1.0 §10) as Sigil opens them:
//! `sigil_crypto::jwe::decrypt` over any compact string, with fixed P-256 keys (RFC 7518
//! Appendix C's Bob for `ECDH-ES` and `HPKE-7`, and the key of the HPKE draft's test vector),
//! and `RecipientKey::from_jwk` (the wallet's `credential_response_encryption.jwk`) on any JSON.
//!
//! A request body of `application/jwt` is decrypted before anything else is known about the
//! caller: the header, the `epk`, the encapsulated key, the IV, the tag and the ciphertext are
//! all attacker bytes. Besides "no panic", the target checks that every key accepted as a
//! recipient can be encrypted to, and that what is encrypted to one of the fixed keys decrypts
//! back.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sigil_crypto::b64url;
use sigil_crypto::jwe::{
    ContentEncryption, DecryptionKey, KeyManagement, RecipientKey, decrypt, encrypt,
};
use sigil_fuzz::FuzzRandom;

/// RFC 7518 Appendix C: Bob's private key.
const BOB_D: &str = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw";
/// draft-ietf-jose-hpke-encrypt-20 Appendix A.15: the recipient's private key.
const HPKE_VECTOR_D: &str = "nklFxo0VoD3POieIKD2I_6O4pyuoX1755y_r8My3kL4";

const ALGS: [KeyManagement; 2] = [KeyManagement::EcdhEs, KeyManagement::Hpke7];
const ENCS: [ContentEncryption; 2] = [ContentEncryption::A128Gcm, ContentEncryption::A256Gcm];

fn keys() -> &'static [DecryptionKey; 2] {
    static KEYS: OnceLock<[DecryptionKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let key = |d: &str| {
            DecryptionKey::from_bytes(&b64url::decode(d).expect("base64url"))
                .expect("a fixed P-256 key")
        };
        [key(BOB_D), key(HPKE_VECTOR_D)]
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let compact = text.trim();
    for key in keys() {
        let _ = decrypt(compact, key, &ALGS, &ENCS);
        let _ = decrypt(compact, key, &[KeyManagement::Hpke7], &[]);
        let _ = decrypt(
            compact,
            key,
            &[KeyManagement::EcdhEs],
            &[ContentEncryption::A256Gcm],
        );
    }
    if let Ok(Value::Object(jwk)) = serde_json::from_slice::<Value>(data)
        && let Ok(recipient) = RecipientKey::from_jwk(&jwk)
    {
        // A key accepted as a recipient must be usable for every algorithm; when it is one of
        // the fixed keys, what was sealed must open again.
        let own = keys()
            .iter()
            .find(|key| RecipientKey::from_jwk(&key.public_jwk()).as_ref() == Ok(&recipient));
        let rng = FuzzRandom::new(7);
        for (alg, enc) in [
            (KeyManagement::EcdhEs, ContentEncryption::A128Gcm),
            (KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
            (KeyManagement::Hpke7, ContentEncryption::A256Gcm),
        ] {
            let sealed = encrypt(b"{}", &recipient, alg, enc, Some("kid"), &rng);
            let Ok(sealed) = sealed else {
                panic!("encryption to an accepted key failed: {sealed:?}");
            };
            if let Some(key) = own {
                let opened = decrypt(&sealed, key, &ALGS, &ENCS).map(|(_, plain)| plain);
                assert_eq!(
                    opened,
                    Ok(b"{}".to_vec()),
                    "a JWE to our own key does not open"
                );
            }
        }
    }
});
