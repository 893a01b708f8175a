//! The interaction hook configuration (seeds 000 and 001): one per deployment, with a 32-byte
//! shared secret that signs HS256 session tokens in both directions.

use std::sync::Arc;

use serde_json::Value;
use sigil_crypto::MasterKey;
use sigil_crypto::SecureRandom;
use sigil_crypto::{MasterKeyId, SealedBox, b64, random_array};
use sigil_proto::admin::configuration::{
    ConfigurationRequest, ConfigurationResponse, InteractionHookRequest, InteractionHookResponse,
};

use crate::Clock;
use crate::error::{Error, FieldError, Resource};
use crate::outbound_url::OutboundUrl;
use crate::store::Store;
use crate::store::{InteractionHookRecord, StoreError};
use crate::validation::Problems;

/// Shortest session a hook may ask for, in seconds.
pub const SESSION_TIMEOUT_MIN: i64 = 60;
/// Longest session a hook may ask for, in seconds.
pub const SESSION_TIMEOUT_MAX: i64 = 3600;
/// Session lifetime when the configuration sets none (seed 000's example: exp − iat = 300).
pub const SESSION_TIMEOUT_DEFAULT: i64 = 300;
/// Most claim names a hook may receive.
pub const MAX_CLAIMS: usize = 100;

const SECRET_CONTEXT: &str = "interaction-hook-secret";

/// A validated interaction hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionHook {
    /// Where users are sent.
    pub url: OutboundUrl,
    /// Claim names copied into the session token.
    pub claims: Vec<String>,
    /// Session lifetime, when set.
    pub session_timeout_secs: Option<i64>,
    /// Whether the hook is skipped.
    pub disabled: bool,
}

impl InteractionHook {
    /// Validates the request, reporting every broken rule under `interactionHook.*`.
    pub fn parse(request: &InteractionHookRequest) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let url = OutboundUrl::parse(&request.url).map_err(|why| {
            FieldError::body("interactionHook.url", why, Value::from(request.url.clone()))
        });
        if let Err(e) = &url {
            problems.push(e.clone());
        }
        if request.claims.len() > MAX_CLAIMS {
            problems.body(
                "interactionHook.claims",
                format!("must have at most {MAX_CLAIMS} entries"),
                Value::from(request.claims.len()),
            );
        }
        for (i, claim) in request.claims.iter().enumerate() {
            let param = format!("interactionHook.claims.{i}");
            crate::validation::text(&mut problems, &param, claim, 256);
            if request.claims.iter().take(i).any(|c| c == claim) {
                problems.body(param, "duplicate claim name", Value::from(claim.clone()));
            }
        }
        if let Some(t) = request.session_timeout_in_sec
            && !(SESSION_TIMEOUT_MIN..=SESSION_TIMEOUT_MAX).contains(&t)
        {
            problems.body(
                "interactionHook.sessionTimeoutInSec",
                format!("must be between {SESSION_TIMEOUT_MIN} and {SESSION_TIMEOUT_MAX} seconds"),
                Value::from(t),
            );
        }
        problems.finish(())?;
        Ok(Self {
            url: url.map_err(|e| Error::Validation(vec![e]))?,
            claims: request.claims.clone(),
            session_timeout_secs: request.session_timeout_in_sec,
            disabled: request.disabled,
        })
    }
}

/// The interaction hook configuration (`/v1/openid/configuration`) and its secret.
#[derive(Debug, Clone)]
pub struct InteractionHooks {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) master_key: Arc<MasterKey>,
}

impl InteractionHooks {
    /// `GET /v1/openid/configuration`.
    pub async fn configuration(&self) -> Result<ConfigurationResponse, Error> {
        let hook = self.store.get_interaction_hook().await?;
        Ok(ConfigurationResponse {
            interaction_hook: hook.map(|h| self.hook_response(&h)).transpose()?,
        })
    }

    /// `PUT /v1/openid/configuration`: replaces the configuration. The hook secret is created on
    /// first configuration and kept across updates; a body without a hook removes it.
    pub async fn put_configuration(
        &self,
        request: &ConfigurationRequest,
    ) -> Result<ConfigurationResponse, Error> {
        let Some(hook_request) = &request.interaction_hook else {
            self.store.delete_interaction_hook().await?;
            return Ok(ConfigurationResponse::default());
        };
        let hook = InteractionHook::parse(hook_request)?;
        let now = self.clock.now();
        let sealed = self.new_hook_secret()?;
        let record = InteractionHookRecord {
            url: hook.url.to_string(),
            claims: serde_json::to_string(&hook.claims)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            session_timeout_secs: hook.session_timeout_secs,
            disabled: hook.disabled,
            secret_key_id: sealed.key_id.to_string(),
            secret_ciphertext: sealed.bytes,
            created_at: now,
            updated_at: now,
        };
        let stored = self.store.put_interaction_hook(&record).await?;
        Ok(ConfigurationResponse {
            interaction_hook: Some(self.hook_response(&stored)?),
        })
    }

    /// Replaces the hook secret with a fresh one and returns the configuration carrying it.
    pub async fn rotate_interaction_hook_secret(&self) -> Result<ConfigurationResponse, Error> {
        let sealed = self.new_hook_secret()?;
        let stored = self
            .store
            .rotate_interaction_hook_secret(sealed.key_id.as_str(), &sealed.bytes, self.clock.now())
            .await?
            .ok_or(Error::NotFound(Resource::InteractionHook))?;
        Ok(ConfigurationResponse {
            interaction_hook: Some(self.hook_response(&stored)?),
        })
    }

    pub(crate) fn new_hook_secret(&self) -> Result<SealedBox, Error> {
        let secret = random_array::<32>(self.rng.as_ref())?;
        Ok(self
            .master_key
            .seal(self.rng.as_ref(), SECRET_CONTEXT, &secret)?)
    }

    /// Opens the stored hook secret; it must be exactly 256 bits (RFC 7518 §3.2, SECURITY.md I1).
    pub fn open_hook_secret(&self, record: &InteractionHookRecord) -> Result<[u8; 32], Error> {
        let plain = self.master_key.open(
            SECRET_CONTEXT,
            &SealedBox {
                key_id: MasterKeyId::new(record.secret_key_id.clone()),
                bytes: record.secret_ciphertext.clone(),
            },
        )?;
        <[u8; 32]>::try_from(plain.as_slice()).map_err(|_| {
            Error::Store(StoreError::Corrupt(
                "interaction hook secret is not 256 bits".into(),
            ))
        })
    }

    pub(crate) fn hook_response(
        &self,
        record: &InteractionHookRecord,
    ) -> Result<InteractionHookResponse, Error> {
        let claims: Vec<String> = serde_json::from_str(&record.claims)
            .map_err(|e| StoreError::Corrupt(format!("interaction hook claims: {e}")))?;
        Ok(InteractionHookResponse {
            url: record.url.clone(),
            claims,
            session_timeout_in_sec: record.session_timeout_secs,
            disabled: record.disabled,
            secret: b64::encode(self.open_hook_secret(record)?),
        })
    }
}
