//! `application/x-www-form-urlencoded` parameters (token and PAR bodies, authorization query
//! strings), parsed in one pass with a cap on their number.
//!
//! The cost is linear in the input: each pair is decoded once and checked for repeats (RFC 6749
//! §3.1, §3.2: "parameters MUST NOT be included more than once") against a hash set. A form of
//! more than [`MAX_PARAMETERS`] pairs is refused before anything else is looked at.

use std::collections::HashSet;

/// Most parameters one form or query string may carry. The largest legitimate request, a PAR
/// with every OAuth, PKCE, DPoP and OID4VCI parameter plus forwarded interaction-hook
/// parameters, has about 20.
pub const MAX_PARAMETERS: usize = 100;

/// Parameter names Sigil reads; a refusal may name one of these, never a name the caller made up.
const KNOWN: &[&str] = &[
    "grant_type",
    "pre-authorized_code",
    "tx_code",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "code_challenge",
    "code_challenge_method",
    "response_type",
    "scope",
    "state",
    "nonce",
    "issuer_state",
    "authorization_details",
    "request_uri",
    "dpop_jkt",
    "resource",
    "error",
    "error_description",
    "session_token",
    "limit",
    "cursor",
    "authenticationProviderUrl",
    "subjectId",
];

/// Why a form was refused. Messages name only parameters Sigil knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// More than [`MAX_PARAMETERS`] pairs.
    TooMany,
    /// A parameter appears twice; its name when it is one Sigil reads.
    Repeated(Option<&'static str>),
    /// A name or value holds U+0000, which no parameter may contain; the parameter's name when
    /// it is one Sigil reads.
    Nul(Option<&'static str>),
}

impl FormError {
    /// The refusal as a sentence (RFC 6749 §5.2's character set).
    pub fn describe(&self) -> String {
        match self {
            FormError::TooMany => format!("the request has more than {MAX_PARAMETERS} parameters"),
            FormError::Repeated(Some(name)) => format!("parameter {name} is repeated"),
            FormError::Repeated(None) => "a parameter is repeated".into(),
            FormError::Nul(Some(name)) => format!("parameter {name} contains the NUL character"),
            FormError::Nul(None) => "a parameter contains the NUL character".into(),
        }
    }
}

/// Decodes `input` into pairs in order, refusing repeats, NUL characters and more than
/// [`MAX_PARAMETERS`] pairs. Invalid percent-encoding decodes leniently (WHATWG URL rules), as
/// every form parser does; malformed UTF-8 becomes U+FFFD.
pub fn parse(input: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (name, value) in form_urlencoded::parse(input) {
        if pairs.len() == MAX_PARAMETERS {
            return Err(FormError::TooMany);
        }
        let known = || KNOWN.iter().copied().find(|known| *known == name);
        if name.contains('\0') || value.contains('\0') {
            return Err(FormError::Nul(known()));
        }
        if !seen.insert(name.to_string()) {
            return Err(FormError::Repeated(known()));
        }
        pairs.push((name.into_owned(), value.into_owned()));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_in_order() {
        let pairs = parse(b"grant_type=a%20b&tx_code=1+2&x=").unwrap_or_default();
        assert_eq!(
            pairs,
            vec![
                ("grant_type".to_string(), "a b".to_string()),
                ("tx_code".to_string(), "1 2".to_string()),
                ("x".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn repeats_name_only_known_parameters() {
        assert_eq!(
            parse(b"code=1&code=2"),
            Err(FormError::Repeated(Some("code")))
        );
        assert_eq!(parse(b"zz%22=1&zz%22=2"), Err(FormError::Repeated(None)));
        assert_eq!(
            FormError::Repeated(None).describe(),
            "a parameter is repeated"
        );
    }

    #[test]
    fn nul_and_too_many_are_refused() {
        assert_eq!(
            parse(b"client_id=a%00b"),
            Err(FormError::Nul(Some("client_id")))
        );
        assert_eq!(parse(b"made%00up=b"), Err(FormError::Nul(None)));
        let many: Vec<String> = (0..=MAX_PARAMETERS).map(|i| format!("p{i}=v")).collect();
        assert_eq!(parse(many.join("&").as_bytes()), Err(FormError::TooMany));
        let fits: Vec<String> = (0..MAX_PARAMETERS).map(|i| format!("p{i}=v")).collect();
        assert_eq!(
            parse(fits.join("&").as_bytes()).map(|p| p.len()),
            Ok(MAX_PARAMETERS)
        );
    }
}
