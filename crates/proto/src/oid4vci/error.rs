//! OAuth 2.0 / OID4VCI error body (RFC 6749 §5.2, OID4VCI 1.0 §8.3.1.2).

use serde::{Deserialize, Serialize};

/// `{error, error_description}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OAuthErrorResponse {
    /// The error code.
    pub error: String,
    /// A human-readable explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl OAuthErrorResponse {
    /// An error body whose description is made to fit RFC 6749 §5.2 ([`description_text`]).
    pub fn new(error: &str, description: &str) -> Self {
        Self {
            error: error.into(),
            error_description: Some(description_text(description)),
        }
    }
}

/// Most characters of an `error_description`: it explains, it does not carry data.
const MAX_DESCRIPTION_CHARS: usize = 512;

/// `description` within RFC 6749 §5.2's character set for `error_description`
/// (`%x20-21 / %x23-5B / %x5D-7E`): a double quote becomes a single one, a backslash a slash,
/// and anything else outside the set (control characters such as CR and LF, non-ASCII) a space;
/// at most 512 characters.
pub fn description_text(description: &str) -> String {
    description
        .chars()
        .take(MAX_DESCRIPTION_CHARS)
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => ' ',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_keep_to_rfc_6749_characters() {
        let text = description_text("bad \"alg\"\r\nX-Injected: 1 \\ é\u{0}");
        assert_eq!(text, "bad 'alg'  X-Injected: 1 /   ");
        assert!(
            text.chars().all(
                |c| matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5b}' | '\u{5d}'..='\u{7e}')
            )
        );
        assert_eq!(description_text(&"a".repeat(2000)).len(), 512);
    }
}
