//! Key proofs of type `jwt` (OID4VCI 1.0 Appendix F.1, F.4): the holder shows possession of the
//! key the credential will be bound to, over a fresh c_nonce, addressed to this issuer.

use serde_json::Value;
use sigil_crypto::{Acceptance, HolderKey, JwsRefusal};

use crate::error::{Error, ProtocolError};
use crate::store::{AccessTokenRecord, SpentNonce};

/// The `typ` a JWT proof must carry (Appendix F.1).
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// Proof algorithms Sigil verifies (advertised in `proof_signing_alg_values_supported`).
pub use crate::catalogue::credential_configuration::PROOF_ALGS;
/// The rules a key proof JWT is accepted under (F.1, F.4; RFC 8725 §3.11).
const KEY_PROOF: Acceptance<'static> = Acceptance {
    max_bytes: 16 * 1024,
    typ: Some(PROOF_TYP),
    algs: &PROOF_ALGS,
};

/// A c_nonce that is unknown, expired or spent, whether found so before signing or when the
/// issuance was recorded (another request spent it first).
pub(crate) fn nonce_refused() -> Error {
    Error::protocol(
        ProtocolError::InvalidNonce,
        "the proof's nonce is unknown, expired or already used; get a fresh one from the nonce endpoint",
    )
}

/// Refuses nonces that expired since they were checked: a request that took long (a slow claims
/// source) reaches the spend after its nonce's expiry, and an expired nonce's spent record may
/// have been purged, so the spend alone could not tell a replay. Called right before the unit
/// of work that spends them; the purge keeps spent records
/// [`SPENT_NONCE_GRACE`](crate::store::SPENT_NONCE_GRACE) past expiry,
/// longer than that last step can take.
pub(crate) fn refuse_expired(nonces: &[SpentNonce], now: i64) -> Result<(), Error> {
    if nonces.iter().any(|n| n.expires_at <= now) {
        return Err(nonce_refused());
    }
    Ok(())
}

fn invalid(description: impl Into<String>) -> Error {
    Error::protocol(ProtocolError::InvalidProof, description)
}

impl super::Issuance {
    /// Validates a request's JWT proofs (one per credential, §8.2) and checks their c_nonces;
    /// returns the holder keys in order and the nonces to spend with what the request records.
    /// The proofs of a batch may share one c_nonce (it is spent once); the same key twice is
    /// refused, so each credential has its own key.
    pub(crate) async fn validate_jwt_proofs(
        &self,
        jwts: &[&str],
        token: &AccessTokenRecord,
    ) -> Result<(Vec<HolderKey>, Vec<SpentNonce>), Error> {
        let mut holders: Vec<HolderKey> = Vec::with_capacity(jwts.len());
        let mut nonces: Vec<String> = Vec::new();
        for (i, jwt) in jwts.iter().enumerate() {
            let (holder, nonce) = self.verify_jwt_proof(jwt, token).map_err(|e| match e {
                Error::Protocol { code, description } if jwts.len() > 1 => Error::Protocol {
                    code,
                    description: format!("proofs.jwt[{i}]: {description}"),
                },
                e => e,
            })?;
            if holders.contains(&holder) {
                return Err(invalid(format!(
                    "proofs.jwt[{i}] uses the same key as an earlier proof: each credential needs its own key"
                )));
            }
            holders.push(holder);
            if !nonces.contains(&nonce) {
                nonces.push(nonce);
            }
        }
        // Checked last, after every signature: only valid proofs reach the store.
        let mut spent = Vec::with_capacity(nonces.len());
        for nonce in &nonces {
            match self.nonces.check_nonce(nonce) {
                Some(s) => spent.push(s),
                None => return Err(nonce_refused()),
            }
        }
        Ok((holders, spent))
    }

    /// Verifies one JWT proof; returns the holder key and the proof's c_nonce (not yet spent).
    pub(crate) fn verify_jwt_proof(
        &self,
        jwt: &str,
        token: &AccessTokenRecord,
    ) -> Result<(HolderKey, String), Error> {
        let unverified = KEY_PROOF.check(jwt).map_err(|e| match e {
            JwsRefusal::Typ => invalid(format!("the proof's typ must be {PROOF_TYP}")),
            JwsRefusal::Algorithm => invalid(format!(
                "the proof's alg is not supported; use one of {}",
                PROOF_ALGS.join(", ")
            )),
            e => invalid(format!("the proof: {e}")),
        })?;
        let header = &unverified.peek().header;
        let key_headers: Vec<&str> = ["jwk", "kid", "x5c"]
            .into_iter()
            .filter(|h| header.contains_key(*h))
            .collect();
        let holder = match key_headers.as_slice() {
            ["jwk"] => match header.get("jwk") {
                Some(Value::Object(jwk)) => HolderKey::from_jwk(jwk),
                _ => return Err(invalid("the jwk header must be a JWK object")),
            },
            ["kid"] => HolderKey::from_did(unverified.peek().header_str("kid").unwrap_or_default()),
            // RFC 8725 §3.4: a chain is only as good as its trust anchor, and none is configured.
            ["x5c"] => {
                return Err(invalid(
                    "x5c proofs are not accepted: no trust anchors are configured",
                ));
            }
            [] => return Err(invalid("the proof header needs one of jwk, kid or x5c")),
            _ => {
                return Err(invalid(
                    "the proof header must carry only one of jwk, kid and x5c",
                ));
            }
        }
        .map_err(|e| invalid(format!("proof key: {e}")))?;
        let jws = unverified
            .verify(&holder)
            .map_err(|_| invalid("the proof signature does not verify with its key"))?;
        let claims = &jws.payload;
        let aud_ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == self.issuer(),
            Some(Value::Array(auds)) => {
                auds.len() == 1 && auds.first().and_then(Value::as_str) == Some(self.issuer())
            }
            _ => false,
        };
        if !aud_ok {
            return Err(invalid(format!(
                "the proof's aud must be {}",
                self.issuer()
            )));
        }
        let now = self.clock.now();
        let oauth = &self.settings().oauth;
        match claims.get("iat").and_then(Value::as_i64) {
            None => return Err(invalid("the proof needs a numeric iat")),
            Some(iat) if iat < now - oauth.proof_max_age => {
                return Err(invalid("the proof's iat is too old"));
            }
            Some(iat) if iat > now + oauth.proof_max_skew => {
                return Err(invalid("the proof's iat is in the future"));
            }
            Some(_) => {}
        }
        // F.1: iss is the client_id, and omitted after anonymous pre-authorized access.
        match (claims.get("iss"), &token.client_id) {
            (None, _) => {}
            (Some(_), None) => {
                return Err(invalid(
                    "iss must be omitted: the token was obtained anonymously",
                ));
            }
            (Some(Value::String(iss)), Some(client)) if iss == client => {}
            (Some(_), Some(_)) => return Err(invalid("the proof's iss must be the client_id")),
        }
        match claims.get("nonce") {
            Some(Value::String(n)) => Ok((holder, n.clone())),
            Some(_) => Err(invalid("the proof's nonce must be a string")),
            None => Err(invalid("the proof needs the nonce from the nonce endpoint")),
        }
    }
}
