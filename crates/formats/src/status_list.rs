//! Status lists: where a credential says its status is kept, and the lists themselves.
//!
//! - **Token Status List** (draft-ietf-oauth-status-list): `dc+sd-jwt`, `jwt_vc_json`, `cwt`,
//!   `cwt_vc` and `mso_mdoc` carry `status.status_list {idx, uri}`. The list at `uri` is
//!   [`TOKEN_BITS`] bits per credential, least significant bits first, zlib-compressed, signed
//!   as a JWT ([`prepare_jwt`], `typ statuslist+jwt`) or a CWT ([`prepare_cwt`]), whichever the
//!   reader asks for.
//! - **Bitstring Status List** (W3C BSL v1.0): `ldp_vc` carries two `BitstringStatusListEntry`s
//!   ([`bitstring_entries`]) pointing at one list per purpose (`revocation`, `suspension`), one
//!   bit per credential, most significant bit first, gzip, multibase base64url. The list
//!   credential itself is signed like any `ldp_vc` ([`crate::ldp_vc::prepare_document`]).

use std::io::Write;

use ciborium::Value as Cbor;
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use serde_json::{Map, Value, json};
use sigil_crypto::{
    CryptoError, PublicSigningKey, SigningAlgorithm, Unsigned, b64, b64url, prepare_compact,
};

/// Bits per credential in a Token Status List: VALID, INVALID and SUSPENDED need two.
pub const TOKEN_BITS: u8 = 2;

/// The media type of a Token Status List JWT.
pub const JWT_MEDIA_TYPE: &str = "application/statuslist+jwt";
/// The media type of a Token Status List CWT.
pub const CWT_MEDIA_TYPE: &str = "application/statuslist+cwt";

/// Where a credential's status is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusReference {
    /// A Token Status List entry: `status.status_list {idx, uri}`.
    Token {
        /// The credential's index in the list.
        index: u64,
        /// The list's URI.
        uri: String,
    },
    /// Bitstring Status List entries: the same index in `{uri}/revocation` and
    /// `{uri}/suspension`.
    Bitstring {
        /// The credential's index in both lists.
        index: u64,
        /// The lists' common base URI.
        uri: String,
    },
}

impl StatusReference {
    /// The Token Status List reference as JSON (`status` of a JWT), if this is one.
    pub fn token_json(&self) -> Option<Value> {
        match self {
            StatusReference::Token { index, uri } => {
                Some(json!({"status_list": {"idx": index, "uri": uri}}))
            }
            StatusReference::Bitstring { .. } => None,
        }
    }

    /// The Token Status List reference as CBOR (the CWT `status` claim, the MSO `status`).
    pub fn token_cbor(&self) -> Option<Cbor> {
        match self {
            StatusReference::Token { index, uri } => Some(Cbor::Map(vec![(
                Cbor::Text("status_list".into()),
                Cbor::Map(vec![
                    (Cbor::Text("idx".into()), Cbor::Integer((*index).into())),
                    (Cbor::Text("uri".into()), Cbor::Text(uri.clone())),
                ]),
            )])),
            StatusReference::Bitstring { .. } => None,
        }
    }
}

/// The CWT claim key of a Referenced Token's `status`.
pub const CWT_STATUS: i64 = 65535;
/// The CWT claim key of a Status List Token's list.
pub const CWT_STATUS_LIST: i64 = 65533;
/// The CWT claim key of a Status List Token's `ttl`.
pub const CWT_TTL: i64 = 65534;

/// A credential's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusValue {
    /// 0x00.
    Valid = 0,
    /// 0x01: revoked, for good.
    Invalid = 1,
    /// 0x02: suspended, may become valid again.
    Suspended = 2,
}

/// A Bitstring Status List purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Set for revoked credentials.
    Revocation,
    /// Set for suspended credentials.
    Suspension,
}

impl Purpose {
    /// Both purposes.
    pub const ALL: [Purpose; 2] = [Purpose::Revocation, Purpose::Suspension];

    /// `statusPurpose`, and the last segment of the list's URI.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }

    /// Parses a purpose name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Whether a credential in `status` has this purpose's bit set.
    pub fn is_set(self, status: StatusValue) -> bool {
        matches!(
            (self, status),
            (Purpose::Revocation, StatusValue::Invalid)
                | (Purpose::Suspension, StatusValue::Suspended)
        )
    }
}

/// The Token Status List of `size` entries, [`TOKEN_BITS`] each, least significant first:
/// entry `i` is in byte `i / 4` at bit `2 * (i % 4)`. Entries at or beyond `size` are ignored.
pub fn token_list(size: u64, entries: impl IntoIterator<Item = (u64, StatusValue)>) -> Vec<u8> {
    let per_byte = u64::from(8 / TOKEN_BITS);
    let mut bytes = vec![0u8; usize::try_from(size.div_ceil(per_byte)).unwrap_or(0)];
    for (index, value) in entries {
        if index >= size {
            continue;
        }
        let shift = (index % per_byte) * u64::from(TOKEN_BITS);
        if let Some(byte) = usize::try_from(index / per_byte)
            .ok()
            .and_then(|i| bytes.get_mut(i))
        {
            *byte |= (value as u8) << shift;
        }
    }
    bytes
}

/// The W3C bitstring of `size` bits with `set` bits set, most significant bit first: index `i`
/// is bit `7 - i % 8` of byte `i / 8`.
pub fn bitstring(size: u64, set: impl IntoIterator<Item = u64>) -> Vec<u8> {
    let mut bytes = vec![0u8; usize::try_from(size.div_ceil(8)).unwrap_or(0)];
    for index in set {
        if index >= size {
            continue;
        }
        if let Some(byte) = usize::try_from(index / 8)
            .ok()
            .and_then(|i| bytes.get_mut(i))
        {
            *byte |= 0x80 >> (index % 8);
        }
    }
    bytes
}

/// zlib (RFC 1950) at the best compression: a list is compressed once per change.
pub fn zlib(bytes: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).map_err(|_| CryptoError::Sign)?;
    encoder.finish().map_err(|_| CryptoError::Sign)
}

/// BSL `encodedList`: multibase base64url (`u`) of the GZIP-compressed bitstring.
pub fn encoded_list(bitstring: &[u8]) -> Result<String, CryptoError> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bitstring)
        .map_err(|_| CryptoError::Sign)?;
    let gzip = encoder.finish().map_err(|_| CryptoError::Sign)?;
    Ok(format!("u{}", b64url::encode(gzip)))
}

/// What a Status List Token says, in either encoding.
#[derive(Debug, Clone, Copy)]
pub struct TokenList<'a> {
    /// The list's URI (`sub`).
    pub uri: &'a str,
    /// `iat`.
    pub issued_at: i64,
    /// `exp`.
    pub expires_at: i64,
    /// `ttl`: how long a reader may keep it, seconds.
    pub ttl: i64,
    /// The packed list ([`token_list`]), uncompressed.
    pub list: &'a [u8],
}

fn es256(key: &PublicSigningKey) -> Result<(), CryptoError> {
    if key.algorithm == SigningAlgorithm::Es256 {
        Ok(())
    } else {
        Err(CryptoError::Key("status list tokens are signed with ES256"))
    }
}

/// The Status List Token as a JWT: `typ statuslist+jwt`, the key's `kid` and `x5c` chain (HAIP),
/// `sub` = the list URI, `iat`, `exp`, `ttl`, and `status_list {bits, lst}`.
pub fn prepare_jwt(
    token: &TokenList<'_>,
    key: &PublicSigningKey,
) -> Result<Unsigned<String>, CryptoError> {
    es256(key)?;
    let mut header = Map::new();
    header.insert("typ".into(), "statuslist+jwt".into());
    if !key.certificate_chain.is_empty() {
        header.insert(
            "x5c".into(),
            key.certificate_chain
                .iter()
                .map(|c| Value::from(b64::encode(c)))
                .collect(),
        );
    }
    let payload = json!({
        "sub": token.uri,
        "iat": token.issued_at,
        "exp": token.expires_at,
        "ttl": token.ttl,
        "status_list": {"bits": TOKEN_BITS, "lst": b64url::encode(zlib(token.list)?)},
    });
    prepare_compact(key, header, &payload)
}

/// The Status List Token as a CWT (a tagged COSE_Sign1): protected header `alg` ES256, `kid`,
/// `typ` (16) `application/statuslist+cwt` and `x5chain` (33); claims `sub` (2), `iat` (6),
/// `exp` (4), `ttl` (65534) and `status_list` (65533) `{bits, lst}`.
pub fn prepare_cwt(
    token: &TokenList<'_>,
    key: &PublicSigningKey,
) -> Result<Unsigned<Vec<u8>>, CryptoError> {
    es256(key)?;
    let int = |i: i64| Cbor::Integer(i.into());
    let claims = Cbor::Map(vec![
        (int(2), Cbor::Text(token.uri.to_string())),
        (int(4), int(token.expires_at)),
        (int(6), int(token.issued_at)),
        (int(CWT_TTL), int(token.ttl)),
        (
            int(CWT_STATUS_LIST),
            Cbor::Map(vec![
                (Cbor::Text("bits".into()), int(i64::from(TOKEN_BITS))),
                (Cbor::Text("lst".into()), Cbor::Bytes(zlib(token.list)?)),
            ]),
        ),
    ]);
    let mut payload = Vec::new();
    ciborium::into_writer(&claims, &mut payload).map_err(|_| CryptoError::Sign)?;
    let mut protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(key.kid().as_bytes().to_vec())
        .value(16, Cbor::Text(CWT_MEDIA_TYPE.into()));
    match key.certificate_chain.as_slice() {
        [] => {}
        [one] => protected = protected.value(33, Cbor::Bytes(one.clone())),
        many => {
            protected = protected.value(
                33,
                Cbor::Array(many.iter().cloned().map(Cbor::Bytes).collect()),
            );
        }
    }
    let mut sign1 = CoseSign1Builder::new()
        .protected(protected.build())
        .payload(payload)
        .build();
    let message = sign1.tbs_data(&[]);
    Ok(Unsigned::new(key.algorithm, message, move |signature| {
        sign1.signature = signature;
        sign1.to_tagged_vec().map_err(|_| CryptoError::Sign)
    }))
}

/// An `ldp_vc`'s `credentialStatus`: one `BitstringStatusListEntry` per purpose, at the same
/// index. `None` for other references.
pub fn bitstring_entries(reference: &StatusReference) -> Option<Value> {
    let StatusReference::Bitstring { index, uri } = reference else {
        return None;
    };
    Some(Value::Array(
        Purpose::ALL
            .iter()
            .map(|p| {
                let list = format!("{uri}/{}", p.as_str());
                json!({
                    "id": format!("{list}#{index}"),
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": p.as_str(),
                    "statusListIndex": index.to_string(),
                    "statusListCredential": list,
                })
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn token_entries_are_two_bits_least_significant_first() {
        // Byte 0 holds entries 0..4 from its low bits up: 1 (0b01) then 2 (0b10 << 2).
        let list = token_list(
            8,
            [
                (0, StatusValue::Invalid),
                (1, StatusValue::Suspended),
                (5, StatusValue::Invalid),
            ],
        );
        assert_eq!(list, vec![0b0000_1001, 0b0000_0100]);
        // Out of range is ignored, not a panic.
        assert_eq!(token_list(4, [(4, StatusValue::Invalid)]), vec![0]);
    }

    #[test]
    fn bitstring_is_most_significant_first_and_gzip_multibase() {
        let bits = bitstring(16, [0, 9, 99]);
        assert_eq!(bits, vec![0x80, 0x40]);
        let encoded = encoded_list(&bitstring(131_072, [5])).unwrap();
        let gzip = b64url::decode(encoded.strip_prefix('u').unwrap()).unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gzip.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 16_384);
        assert_eq!(out[0], 0b0000_0100);
        assert!(out[1..].iter().all(|b| *b == 0));
    }

    #[test]
    fn zlib_round_trips() {
        let list = token_list(131_072, [(70_000, StatusValue::Suspended)]);
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(zlib(&list).unwrap().as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, list);
        assert_eq!(out[17_500], 0b10);
    }
}
