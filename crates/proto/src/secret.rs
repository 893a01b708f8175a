//! A secret on the wire (a code, a transaction code, a PKCE verifier, an access token): the
//! string as sent, which `Debug` never prints, so a logged request or response shows no secret.

use serde::{Deserialize, Serialize};

/// A secret string. Serialises as the plain string; prints as `Secret(…)`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_secret_never_prints_and_serialises_as_itself() {
        let s = Secret::new("abc123");
        assert_eq!(format!("{s:?}"), "Secret(…)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc123\"");
        assert_eq!(
            serde_json::from_str::<Secret>("\"x\"").unwrap().expose(),
            "x"
        );
    }
}
