//! Resource ids: UUIDv7 (time-ordered, so cursor pagination follows creation order) whose random
//! part comes from the injected RNG.

use sigil_crypto::{CryptoError, SecureRandom, random_array};

use crate::Clock;

/// A new time-ordered id.
pub fn new_id(clock: &dyn Clock, rng: &dyn SecureRandom) -> Result<String, CryptoError> {
    let random = random_array::<10>(rng)?;
    let millis = u64::try_from(clock.now_millis()).unwrap_or(0);
    Ok(uuid::Builder::from_unix_timestamp_millis(millis, &random)
        .into_uuid()
        .to_string())
}

/// Whether `text` is an id in the canonical form Sigil issues (so junk never reaches the store).
pub fn is_id(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()
}
