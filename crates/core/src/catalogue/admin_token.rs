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

/// Creates a named token; the plaintext is returned once and never stored.
pub async fn create(
    store: &dyn Store,
    clock: &dyn Clock,
    rng: &dyn SecureRandom,
    name: &str,
) -> Result<(AdminTokenRecord, SecretString), Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(Error::invalid_body(
            "name",
            "must be 1 to 128 characters",
            name.into(),
        ));
    }
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
        return Ok(Actor("admin-token:configured".into()));
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
