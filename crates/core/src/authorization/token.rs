//! The token endpoint's pre-authorized code grant (OID4VCI 1.0 §6; RFC 6749 §5).

use std::sync::Arc;

use sigil_crypto::MasterKey;
use sigil_crypto::SecureRandom;
use sigil_crypto::{random_token, sha256};
use sigil_proto::oid4vci::offer::PRE_AUTHORIZED_CODE_GRANT;
pub use sigil_proto::oid4vci::token::AUTHORIZATION_CODE_GRANT;
use sigil_proto::oid4vci::token::{GrantType, GrantTypeError, TokenRequest, TokenResponse};
use sigil_proto::secret::Secret;

use crate::Clock;
use crate::authorization::authorize::Authorization;
use crate::authorization::dpop::Dpop;
use crate::authorization::dpop::DpopProof;
use crate::authorization::wallet_client::ClientCredentials;
use crate::authorization::wallet_client::WalletClients;
use crate::catalogue::offer::tx_code_mac;
use crate::error::{Error, ProtocolError};
use crate::settings::Settings;
use crate::store::Store;
use crate::store::{NewAccessToken, OfferRecord, Redemption};

/// The token endpoint: both grants, client authentication, sender-constrained tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) clients: Arc<WalletClients>,
    pub(crate) dpop: Arc<Dpop>,
    pub(crate) authorization: Arc<Authorization>,
    pub(crate) master_key: Arc<MasterKey>,
}

impl Tokens {
    /// `POST /v1/oauth/token`.
    /// `credentials` carries HTTP Basic client authentication, if sent.
    /// `dpop` is the request's verified DPoP proof ([`Dpop::verify_dpop`](crate::authorization::dpop::Dpop::verify_dpop)), checked before the
    /// grant so a bad proof never spends a code.
    pub async fn token(
        &self,
        request: &TokenRequest,
        credentials: &ClientCredentials,
        dpop: Option<&DpopProof>,
    ) -> Result<TokenResponse, Error> {
        use ProtocolError::{InvalidGrant, InvalidRequest, UnsupportedGrantType};
        match request.grant() {
            Err(GrantTypeError::Missing) => {
                return Err(Error::protocol(InvalidRequest, "grant_type is required"));
            }
            Ok(GrantType::PreAuthorizedCode) => {}
            Ok(GrantType::AuthorizationCode) => {
                return self
                    .authorization_code_token(request, credentials, dpop)
                    .await;
            }
            Err(GrantTypeError::Unsupported) => {
                return Err(Error::protocol(
                    UnsupportedGrantType,
                    format!(
                        "the grant_type is not supported; use {AUTHORIZATION_CODE_GRANT} or {PRE_AUTHORIZED_CODE_GRANT}"
                    ),
                ));
            }
        }
        let dpop_jkt = self.dpop.dpop_binding(dpop, None)?;
        let client_id = self.pre_authorized_client(request, credentials).await?;
        let code = request
            .pre_authorized_code
            .as_ref()
            .map(|c| c.expose())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::protocol(InvalidRequest, "pre-authorized_code is required"))?;
        let refused = || {
            Error::protocol(
                InvalidGrant,
                "the pre-authorized code is invalid, expired or already used",
            )
        };
        if code.len() > 512 {
            return Err(refused());
        }
        let code_hash = sha256(code.as_bytes());
        let tx_code = request.tx_code.as_ref().map(|t| t.expose());
        let max_failures = self.settings().oauth.tx_code_max_failures;
        // Without a transaction code or a DPoP proof the redemption decides alone (one
        // statement): it changes nothing unless the offer is live and asks for no code. Only a
        // refusal reads the offer, to tell a missing tx_code from a dead code.
        if tx_code.is_none() && dpop.is_none() {
            let (token, new) = self.new_access_token(client_id, dpop_jkt.clone())?;
            return match self
                .store
                .redeem_pre_authorized_code(&code_hash, None, new.created_at, max_failures, &new)
                .await?
            {
                Redemption::Redeemed(_) => Ok(self.token_response(token, dpop_jkt.as_deref())),
                Redemption::WrongTxCode { .. } | Redemption::Refused => {
                    match self.live_offer(&code_hash).await? {
                        Some(offer) if offer.tx_code_mac.is_some() => Err(Error::protocol(
                            InvalidRequest,
                            "this offer requires a tx_code",
                        )),
                        _ => Err(refused()),
                    }
                }
            };
        }
        let offer = self.live_offer(&code_hash).await?.ok_or_else(refused)?;
        // OID4VCI 1.0 §6.1: tx_code MUST be sent iff the offer asked for one.
        let mac = match (&offer.tx_code_mac, tx_code) {
            (Some(_), None) => {
                return Err(Error::protocol(
                    InvalidRequest,
                    "this offer requires a tx_code",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::protocol(InvalidRequest, "this offer has no tx_code"));
            }
            (Some(_), Some(tx)) if tx.len() > 64 => {
                return Err(Error::protocol(InvalidGrant, "wrong tx_code"));
            }
            (Some(_), Some(tx)) => Some(tx_code_mac(&self.master_key, &offer.id, tx)),
            (None, None) => None,
        };
        // The request names a live offer: only now may its DPoP proof's jti be recorded.
        if let Some(proof) = dpop {
            self.dpop.spend_dpop_proof(proof).await?;
        }
        let (token, new) = self.new_access_token(client_id, dpop_jkt.clone())?;
        match self
            .store
            .redeem_pre_authorized_code(
                &code_hash,
                mac.as_ref().map(|m| m.as_slice()),
                new.created_at,
                max_failures,
                &new,
            )
            .await?
        {
            Redemption::Redeemed(_) => Ok(self.token_response(token, dpop_jkt.as_deref())),
            // OID4VCI 1.0 §6.3: a wrong tx_code is invalid_grant.
            Redemption::WrongTxCode { failures } => {
                let left = (max_failures - failures).max(0);
                Err(Error::protocol(
                    InvalidGrant,
                    format!("wrong tx_code ({left} attempts left)"),
                ))
            }
            Redemption::Refused => Err(refused()),
        }
    }

    /// The offer a pre-authorized code names, if it can still be redeemed.
    async fn live_offer(&self, code_hash: &[u8]) -> Result<Option<OfferRecord>, Error> {
        Ok(self
            .store
            .find_offer_by_code_hash(code_hash)
            .await?
            .filter(|o| {
                o.consumed_at.is_none()
                    && o.expires_at > self.clock.now()
                    && o.tx_code_failures < self.settings().oauth.tx_code_max_failures
            }))
    }

    /// A new access token (returned once) and what the store keeps of it.
    fn new_access_token(
        &self,
        client_id: Option<String>,
        dpop_jkt: Option<String>,
    ) -> Result<(String, NewAccessToken), Error> {
        let now = self.clock.now();
        let token = random_token(self.rng.as_ref(), "")?;
        let new = NewAccessToken {
            token_hash: sha256(token.as_bytes()).to_vec(),
            client_id,
            dpop_jkt,
            expires_at: now + self.settings().oauth.access_token_ttl,
            created_at: now,
        };
        Ok((token, new))
    }

    fn token_response(&self, token: String, dpop_jkt: Option<&str>) -> TokenResponse {
        TokenResponse {
            access_token: Secret::new(token),
            token_type: token_type(dpop_jkt).into(),
            expires_in: self.settings().oauth.access_token_ttl,
            authorization_details: None,
        }
    }
}

impl Tokens {
    /// The client of a pre-authorized code request. Access may be anonymous (the metadata says
    /// `pre-authorized_grant_anonymous_access_supported`), and a wallet may name itself with a
    /// `client_id` this issuer never registered. But authentication that is attempted must
    /// succeed (RFC 6749 §5.2 `invalid_client`): HTTP Basic must name a registered client with
    /// its secret, a registered confidential client must authenticate, and `client_secret` in
    /// the body (an unsupported method) is refused.
    pub(crate) async fn pre_authorized_client(
        &self,
        request: &TokenRequest,
        credentials: &ClientCredentials,
    ) -> Result<Option<String>, Error> {
        let named = request
            .client_id
            .clone()
            .filter(|c| !c.is_empty() && c.len() <= 256);
        if credentials.basic.is_some() || credentials.form_secret {
            return Ok(Some(
                self.clients.authenticate_client(credentials).await?.id,
            ));
        }
        let Some(id) = named else {
            return Ok(None);
        };
        match self.clients.client(&id).await {
            // A registered client: a public one names itself, a confidential one must prove it.
            Ok(_) => Ok(Some(
                self.clients.authenticate_client(credentials).await?.id,
            )),
            Err(Error::NotFound(_)) => Ok(Some(id)),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn authorization_code_token(
        &self,
        request: &TokenRequest,
        credentials: &ClientCredentials,
        dpop: Option<&DpopProof>,
    ) -> Result<TokenResponse, Error> {
        use ProtocolError::InvalidRequest;
        // OID4VCI 1.0 §6.1: tx_code belongs to the pre-authorized grant only (SECURITY E8).
        if request.tx_code.is_some() || request.pre_authorized_code.is_some() {
            return Err(Error::protocol(
                InvalidRequest,
                "tx_code and pre-authorized_code are not parameters of the authorization_code grant",
            ));
        }
        let client = self
            .clients
            .authenticate_client(&ClientCredentials {
                form_client_id: request.client_id.clone(),
                basic: credentials.basic.clone(),
                form_secret: credentials.form_secret,
            })
            .await?;
        let code = request
            .code
            .as_ref()
            .map(|c| c.expose())
            .ok_or_else(|| Error::protocol(InvalidRequest, "code is required"))?;
        let redeemed = self
            .authorization
            .redeem_authorization_code(
                &client,
                code,
                request.redirect_uri.as_deref(),
                request.code_verifier.as_ref().map(|v| v.expose()),
                dpop,
            )
            .await?;
        Ok(TokenResponse {
            access_token: Secret::new(redeemed.access_token),
            token_type: token_type(redeemed.dpop_jkt.as_deref()).into(),
            expires_in: redeemed.expires_in,
            authorization_details: redeemed.authorization_details,
        })
    }
}

/// RFC 9449 §5: a DPoP-bound token is of type `DPoP`, any other `Bearer`.
fn token_type(dpop_jkt: Option<&str>) -> &'static str {
    if dpop_jkt.is_some() { "DPoP" } else { "Bearer" }
}
