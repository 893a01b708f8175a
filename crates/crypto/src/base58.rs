//! Base58 (Bitcoin alphabet) decoding, for `did:key` multibase `z…` values.

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

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_known_vectors() {
        assert_eq!(super::decode("2NEpo7TZRRrLZSi2U").unwrap(), b"Hello World!");
        assert_eq!(super::decode("1112").unwrap(), vec![0, 0, 0, 1]);
        assert_eq!(super::decode("0OIl"), None);
    }
}
