//! The nonce endpoint (OID4VCI 1.0 §7): unpredictable (256 random bits), single use, short-lived.
//! Only the hash is stored.

use sigil_crypto::{random_token, sha256};
use sigil_proto::oid4vci::credential::NonceResponse;

use crate::Sigil;
use crate::error::Error;

impl Sigil {
    /// `POST /v1/openid/nonce`.
    pub async fn nonce(&self) -> Result<NonceResponse, Error> {
        let nonce = random_token(self.rng.as_ref(), "")?;
        let expires_at = self.clock.now() + self.settings().oauth.c_nonce_ttl;
        self.store
            .insert_nonce(&sha256(nonce.as_bytes()), expires_at)
            .await?;
        Ok(NonceResponse { c_nonce: nonce })
    }

    /// Consumes a c_nonce; `true` for exactly one caller, while it is fresh.
    pub(crate) async fn consume_nonce(&self, nonce: &str) -> Result<bool, Error> {
        if nonce.len() > 256 {
            return Ok(false);
        }
        Ok(self
            .store
            .consume_nonce(&sha256(nonce.as_bytes()), self.clock.now())
            .await?)
    }
}
