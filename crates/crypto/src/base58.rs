//! Base58 (Bitcoin alphabet), for `did:key` and multibase `z…` values.

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Decodes base58btc; `None` on a character outside the alphabet or input over 128 characters.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if text.len() > 128 {
        return None;
    }
    let mut bytes: Vec<u8> = Vec::with_capacity(text.len());
    for c in text.bytes() {
        let mut carry = ALPHABET.iter().position(|a| *a == c)? as u32;
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = text.bytes().take_while(|c| *c == b'1').count();
    let mut out = vec![0u8; zeros];
    out.extend(bytes);
    Some(out)
}

/// Encodes base58btc.
pub fn encode(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for b in bytes {
        let mut carry = u32::from(*b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    let mut out = "1".repeat(zeros);
    out.extend(
        digits
            .iter()
            .rev()
            .filter_map(|d| ALPHABET.get(usize::from(*d)).map(|c| char::from(*c))),
    );
    out
}

/// Multicodec `ed25519-pub` (0xed, as the varint 0xed 0x01).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// An Ed25519 public key as a multibase base58btc Multikey (`z6Mk…`): the `did:key` method-specific
/// id and the `publicKeyMultibase` of a Multikey verification method.
pub fn ed25519_multikey(public_key: &[u8]) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(public_key);
    format!("z{}", encode(&bytes))
}

/// The Ed25519 public key in a `z6Mk…` Multikey value.
pub fn ed25519_from_multikey(multibase: &str) -> Option<Vec<u8>> {
    let bytes = decode(multibase.strip_prefix('z')?)?;
    match bytes.as_slice() {
        [0xed, 0x01, key @ ..] if key.len() == 32 => Some(key.to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_known_vectors() {
        assert_eq!(super::decode("2NEpo7TZRRrLZSi2U").unwrap(), b"Hello World!");
        assert_eq!(super::decode("1112").unwrap(), vec![0, 0, 0, 1]);
        assert_eq!(super::decode("0OIl"), None);
    }

    #[test]
    fn encodes_known_vectors_and_round_trips() {
        assert_eq!(super::encode(b"Hello World!"), "2NEpo7TZRRrLZSi2U");
        assert_eq!(super::encode(&[0, 0, 0, 1]), "1112");
        assert_eq!(super::encode(&[]), "");
        // W3C did:key test vector (Ed25519).
        let id = "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
        let key = super::ed25519_from_multikey(id).unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(super::ed25519_multikey(&key), id);
    }
}
