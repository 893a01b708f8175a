//! Strict Ed25519 acceptance rules for keys and signatures that come from the network.
//!
//! aws-lc verifies RFC 8032 signatures but accepts public keys of small order: with the identity
//! point as the key and the identity as `R`, the signature `(R, 0)` verifies for every message,
//! so anyone could "prove possession" of such a key. Sigil therefore refuses, before verifying:
//! - public keys and `R` values that encode one of the eight small-order points (libsodium's
//!   `ge25519_has_small_order` list, compared without the sign bit), and
//! - non-canonical encodings (a y coordinate of p or more) and `S` values of L or more
//!   (RFC 8032 §5.1.7: "if ... S ≥ L ... the signature is invalid").
//!
//! Written here rather than taken from a crate: the check is a comparison against seven
//! constants and two range tests, and pulling in a second Ed25519 implementation (with its own
//! field arithmetic) only to validate what aws-lc then verifies would double the code that has
//! to be trusted. The constants are libsodium's (ed25519_ref10.c), tested below against the
//! points they name.

/// Encodings (sign bit cleared) of the points of order 1, 2, 4 and 8, canonical and not.
const SMALL_ORDER: [[u8; 32]; 7] = [
    // 0 (order 4)
    [0; 32],
    // 1 (order 1: the identity)
    [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0,
    ],
    // 2707385501144840649318225287225658788936804267575313519463743609750303402022 (order 8)
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    // 55188659117513257062467267217118295137698188065244968500265048394206261417927 (order 8)
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // p - 1 (order 2)
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p (= 0, order 4, non-canonical)
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p + 1 (= 1, order 1, non-canonical)
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// L, the order of the base point, little-endian (RFC 8032 §5.1).
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Why an Ed25519 key or signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Ed25519Error {
    /// Not 32 (key) or 64 (signature) bytes.
    #[error("wrong length")]
    Length,
    /// The point has small order (it proves nothing: see the module documentation).
    #[error("a point of small order")]
    SmallOrder,
    /// The encoding is not the canonical one.
    #[error("a non-canonical encoding")]
    NonCanonical,
}

fn has_small_order(point: &[u8; 32]) -> bool {
    SMALL_ORDER.iter().any(|bad| {
        point
            .iter()
            .zip(bad.iter())
            .enumerate()
            .all(|(i, (p, b))| if i == 31 { p & 0x7f == *b } else { p == b })
    })
}

/// Whether the y coordinate is below p = 2^255 - 19 (RFC 8032 §5.1.3, step 1).
fn is_canonical_point(point: &[u8; 32]) -> bool {
    let (first, rest) = point.split_at(1);
    let top_is_max = rest.split_last().is_some_and(|(last, middle)| {
        last & 0x7f == 0x7f && middle.iter().all(|byte| *byte == 0xff)
    });
    !(top_is_max && first.first().is_some_and(|byte| *byte >= 0xed))
}

/// Whether the scalar is below L, comparing little-endian bytes from the most significant.
fn is_canonical_scalar(scalar: &[u8]) -> bool {
    for (s, l) in scalar.iter().rev().zip(L.iter().rev()) {
        if s != l {
            return s < l;
        }
    }
    false
}

fn point(bytes: &[u8]) -> Result<[u8; 32], Ed25519Error> {
    <[u8; 32]>::try_from(bytes).map_err(|_| Ed25519Error::Length)
}

/// Accepts a public key only when it is a canonical encoding of a point of large order.
pub fn check_public_key(key: &[u8]) -> Result<(), Ed25519Error> {
    let key = point(key)?;
    if !is_canonical_point(&key) {
        return Err(Ed25519Error::NonCanonical);
    }
    if has_small_order(&key) {
        return Err(Ed25519Error::SmallOrder);
    }
    Ok(())
}

/// Accepts a signature only when `R` is a canonical point of large order and `S` < L.
pub fn check_signature(signature: &[u8]) -> Result<(), Ed25519Error> {
    if signature.len() != 64 {
        return Err(Ed25519Error::Length);
    }
    let (r, s) = signature.split_at(32);
    let r = point(r)?;
    if !is_canonical_point(&r) {
        return Err(Ed25519Error::NonCanonical);
    }
    if has_small_order(&r) {
        return Err(Ed25519Error::SmallOrder);
    }
    if !is_canonical_scalar(s) {
        return Err(Ed25519Error::NonCanonical);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

    fn identity() -> [u8; 32] {
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    }

    #[test]
    fn the_identity_key_forges_with_aws_lc_alone_and_is_refused_here() {
        // (R, S) = (identity, 0) against the identity key: [S]B - [k]A = identity = R.
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&identity());
        for message in [&b"any message"[..], b"another"] {
            assert!(
                UnparsedPublicKey::new(&ED25519, identity())
                    .verify(message, &signature)
                    .is_ok(),
                "aws-lc accepts the forgery, which is why Sigil checks first"
            );
        }
        assert_eq!(check_public_key(&identity()), Err(Ed25519Error::SmallOrder));
        assert_eq!(check_signature(&signature), Err(Ed25519Error::SmallOrder));
    }

    #[test]
    fn every_small_order_encoding_is_refused_with_either_sign_bit() {
        for bad in SMALL_ORDER {
            let mut flipped = bad;
            flipped[31] |= 0x80;
            for key in [bad, flipped] {
                assert!(check_public_key(&key).is_err(), "{key:02x?}");
            }
        }
    }

    #[test]
    fn non_canonical_y_and_s_are_refused() {
        // y = p + 2 (= 2 mod p): above p, not on the small-order list.
        let mut y = [0xffu8; 32];
        y[0] = 0xef;
        y[31] = 0x7f;
        assert_eq!(check_public_key(&y), Err(Ed25519Error::NonCanonical));
        let pair = Ed25519KeyPair::generate().unwrap();
        let mut signature = pair.sign(b"m").as_ref().to_vec();
        assert_eq!(check_public_key(pair.public_key().as_ref()), Ok(()));
        assert_eq!(check_signature(&signature), Ok(()));
        // S + L verifies in lax implementations; it must not here.
        let mut carry = 0u16;
        for (s, l) in signature[32..].iter_mut().zip(L.iter()) {
            let sum = u16::from(*s) + u16::from(*l) + carry;
            *s = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        assert_eq!(check_signature(&signature), Err(Ed25519Error::NonCanonical));
        assert!(is_canonical_scalar(&[0u8; 32]));
        assert!(!is_canonical_scalar(&L));
        let mut below = L;
        below[0] -= 1;
        assert!(is_canonical_scalar(&below));
    }

    #[test]
    fn honest_keys_pass() {
        for _ in 0..64 {
            let pair = Ed25519KeyPair::generate().unwrap();
            assert_eq!(check_public_key(pair.public_key().as_ref()), Ok(()));
            assert_eq!(check_signature(pair.sign(b"x").as_ref()), Ok(()));
        }
    }
}
