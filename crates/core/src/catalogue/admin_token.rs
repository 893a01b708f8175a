//! Admin API tokens: `Authorization: Bearer <token>` on every management route. Tokens are 256
//! random bits; only their SHA-256 is stored, so a database dump reveals none.

use sigil_crypto::{SecretString, SecureRandom, constant_time_eq, random_token, sha256};

use crate::Clock;
use crate::error::{Error, Resource};
use crate::ids::new_id;
use crate::store::{AdminTokenRecord, Store};

/// Prefix of every token Sigil issues (makes leaked tokens easy to scan for).
pub const TOKEN_PREFIX: &str = "sigil_at_";
const BOOTSTRAP_STEP: &str = "initial-admin-token";
/// The actor of the token fixed by configuration.
const CONFIGURED_ACTOR: &str = "admin-token:configured";

/// A token's label: 1 to 128 characters, not only spaces.
pub fn check_name(name: &str) -> Result<(), Error> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 128 {
        return Err(Error::invalid_body(
            "name",
            "must be 1 to 128 characters",
            name.into(),
        ));
    }
    Ok(())
}

/// Creates a named token; the plaintext is returned once and never stored.
pub async fn create(
    store: &dyn Store,
    clock: &dyn Clock,
    rng: &dyn SecureRandom,
    name: &str,
) -> Result<(AdminTokenRecord, SecretString), Error> {
    check_name(name)?;
    let name = name.trim();
    let token = random_token(rng, TOKEN_PREFIX)?;
    let record = AdminTokenRecord {
        id: new_id(clock, rng)?,
        name: name.to_string(),
        token_hash: sha256(token.as_bytes()).to_vec(),
        created_at: clock.now(),
        revoked_at: None,
    };
    store.insert_admin_token(&record).await?;
    Ok((record, SecretString::new(token)))
}

/// On the very first start of a deployment with no token configured, creates the initial token.
/// Exactly one process ever gets `Some` (the step is claimed in the database), so the token is
/// printed once even when several nodes start together.
pub async fn bootstrap(
    store: &dyn Store,
    clock: &dyn Clock,
    rng: &dyn SecureRandom,
) -> Result<Option<SecretString>, Error> {
    if !store.claim_bootstrap(BOOTSTRAP_STEP, clock.now()).await? {
        return Ok(None);
    }
    let (_, token) = create(store, clock, rng, "initial").await?;
    Ok(Some(token))
}

/// Revokes a token by id.
pub async fn revoke(store: &dyn Store, clock: &dyn Clock, id: &str) -> Result<(), Error> {
    if store.revoke_admin_token(id, clock.now()).await? {
        Ok(())
    } else {
        Err(Error::NotFound(Resource::AdminToken))
    }
}

/// Checks a presented bearer token against the configured token (if any) and the stored ones.
pub async fn authenticate(
    store: &dyn Store,
    configured: Option<&[u8; 32]>,
    presented: &str,
) -> Result<Actor, Error> {
    let hash = sha256(presented.as_bytes());
    if configured.is_some_and(|c| constant_time_eq(c, &hash)) {
        return Ok(Actor(CONFIGURED_ACTOR.into()));
    }
    match store.find_admin_token_by_hash(&hash).await? {
        Some(token) => Ok(Actor(format!("admin-token:{}", token.id))),
        None => Err(Error::Unauthorized),
    }
}

/// Who made a change, as audit records name them: `admin-token:<id>` (a stored token),
/// `admin-token:configured` (the token fixed by configuration) or `command-line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    /// The `sigil` command line, run by whoever can read the deployment's configuration.
    pub fn command_line() -> Self {
        Actor("command-line".into())
    }
}

/// How long a portal session lasts after sign-in, seconds (8 hours: a working day).
pub const SESSION_LIFETIME_SECS: i64 = 8 * 3600;
const SESSION_CONTEXT: &str = "sigil portal session v1";
const CSRF_CONTEXT: &str = "sigil portal csrf v1";

/// Admin tokens as the management API and the portal manage them, and the portal's sessions.
///
/// A session is a cookie `<actor>.<expiry>.<nonce>.<mac>` under a key derived from the master
/// key, so every node sharing the master key accepts it and none stores it. It is good until its
/// expiry, and only while the admin token it was opened with is still valid: revoking the token
/// ends its sessions at once (a session of the configured token is bound to its hash, so changing
/// `security.admin_token` ends those). Its CSRF token is a second MAC of the same cookie, so a
/// page that cannot read the session (another origin) cannot name it.
#[derive(Debug)]
pub struct AdminTokens {
    pub(crate) store: std::sync::Arc<dyn Store>,
    pub(crate) clock: std::sync::Arc<dyn Clock>,
    pub(crate) rng: std::sync::Arc<dyn SecureRandom>,
    pub(crate) master_key: std::sync::Arc<sigil_crypto::MasterKey>,
    pub(crate) configured: Option<[u8; 32]>,
}

/// A valid portal session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who signed in (the admin token it was opened with).
    pub actor: Actor,
    /// What every changing request of the session must carry in `X-CSRF-Token`.
    pub csrf: String,
    /// When it ends (Unix seconds).
    pub expires_at: i64,
}

impl AdminTokens {
    /// Every admin token (the configured one is not stored and not listed), oldest first.
    pub async fn list(&self) -> Result<Vec<AdminTokenRecord>, Error> {
        Ok(self.store.list_admin_tokens().await?)
    }

    /// Creates a named token; its plaintext is returned once.
    pub async fn create(&self, name: &str) -> Result<(AdminTokenRecord, SecretString), Error> {
        create(
            self.store.as_ref(),
            self.clock.as_ref(),
            self.rng.as_ref(),
            name,
        )
        .await
    }

    /// Revokes a token: it and every session opened with it stop working at once.
    pub async fn revoke(&self, id: &str) -> Result<(), Error> {
        revoke(self.store.as_ref(), self.clock.as_ref(), id).await
    }

    /// Accepts or refuses a presented bearer token.
    pub async fn authenticate(&self, presented: &str) -> Result<Actor, Error> {
        authenticate(self.store.as_ref(), self.configured.as_ref(), presented).await
    }

    /// Exchanges an admin token for a session: the cookie value (secret) and the session.
    pub async fn sign_in(&self, presented: &str) -> Result<(SecretString, Session), Error> {
        let actor = self.authenticate(presented).await?;
        let expires_at = self.clock.now() + SESSION_LIFETIME_SECS;
        let nonce = sigil_crypto::random_array::<16>(self.rng.as_ref())?;
        let body = format!(
            "{}.{expires_at}.{}",
            sigil_crypto::b64url::encode(actor.0.as_bytes()),
            sigil_crypto::b64url::encode(nonce)
        );
        let mac = self.session_mac(&body, &actor)?;
        let cookie = format!("{body}.{}", sigil_crypto::b64url::encode(mac));
        let csrf = self.csrf(&body);
        Ok((
            SecretString::new(cookie),
            Session {
                actor,
                csrf,
                expires_at,
            },
        ))
    }

    /// The session a cookie names, if it is genuine, unexpired and its token still valid.
    pub async fn session(&self, cookie: &str) -> Result<Session, Error> {
        let (body, mac) = cookie.rsplit_once('.').ok_or(Error::Unauthorized)?;
        let mac = sigil_crypto::b64url::decode(mac).ok_or(Error::Unauthorized)?;
        let mut parts = body.split('.');
        let (Some(actor), Some(expires_at), Some(_nonce), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Unauthorized);
        };
        let actor = sigil_crypto::b64url::decode(actor)
            .and_then(|a| String::from_utf8(a).ok())
            .map(Actor)
            .ok_or(Error::Unauthorized)?;
        let expected = self.session_mac(body, &actor)?;
        if !constant_time_eq(&mac, &expected) {
            return Err(Error::Unauthorized);
        }
        let Actor(actor) = actor;
        let expires_at: i64 = expires_at.parse().map_err(|_| Error::Unauthorized)?;
        if expires_at <= self.clock.now() {
            return Err(Error::Unauthorized);
        }
        let still_valid = match actor.strip_prefix("admin-token:") {
            Some("configured") => self.configured.is_some(),
            Some(id) => self
                .store
                .get_admin_token(id)
                .await?
                .is_some_and(|t| t.revoked_at.is_none()),
            None => false,
        };
        if !still_valid {
            return Err(Error::Unauthorized);
        }
        Ok(Session {
            actor: Actor(actor),
            csrf: self.csrf(body),
            expires_at,
        })
    }

    /// The MAC of a session's body. A session opened with the configured token is also bound to
    /// that token's hash: changing `security.admin_token` ends its sessions, as revoking a
    /// stored token does (checked against the database on every request).
    fn session_mac(&self, body: &str, actor: &Actor) -> Result<[u8; 32], Error> {
        if actor.0 != CONFIGURED_ACTOR {
            return Ok(self.master_key.mac(SESSION_CONTEXT, body.as_bytes()));
        }
        let configured = self.configured.ok_or(Error::Unauthorized)?;
        let mut data = body.as_bytes().to_vec();
        data.push(0);
        data.extend_from_slice(&configured);
        Ok(self.master_key.mac(SESSION_CONTEXT, &data))
    }

    fn csrf(&self, body: &str) -> String {
        sigil_crypto::b64url::encode(self.master_key.mac(CSRF_CONTEXT, body.as_bytes()))
    }
}
