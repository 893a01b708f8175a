//! `form`: the `application/x-www-form-urlencoded` parser behind every token and PAR body and
//! every query string (`sigil_http::form::parse`), then the management API's query types as
//! its `AdminQuery` extractor reads them (`PageQuery`, `UserListQuery`).
//!
//! Every byte of these comes from the network before any authentication. The parser must stay
//! linear, never panic, and keep its promises: at most `MAX_PARAMETERS` pairs, no NUL, no
//! repeated name, and refusals described without the caller's input.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use sigil_http::form::{FormError, MAX_PARAMETERS, parse};
use sigil_proto::admin::page::PageQuery;
use sigil_proto::admin::user::UserListQuery;

/// RFC 6749 §5.2: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E.
fn is_description_text(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(pairs) => {
            assert!(
                pairs.len() <= MAX_PARAMETERS,
                "more than MAX_PARAMETERS pairs"
            );
            let mut names = HashSet::new();
            for (name, value) in &pairs {
                assert!(
                    !name.contains('\0') && !value.contains('\0'),
                    "NUL accepted"
                );
                assert!(names.insert(name.as_str()), "a repeated name was accepted");
            }
        }
        Err(error) => {
            let text = error.describe();
            assert!(
                is_description_text(&text),
                "refusal text outside RFC 6749: {text:?}"
            );
            if let FormError::Repeated(Some(name)) = error {
                // A name repeated back is one the caller really sent.
                assert!(form_urlencoded::parse(data).any(|(n, _)| n == name));
            }
            return;
        }
    }
    // The management API's query strings, as the AdminQuery extractor decodes them.
    let query = || serde_urlencoded::Deserializer::new(form_urlencoded::parse(data));
    let _ = serde_path_to_error::deserialize::<_, PageQuery>(query());
    let _ = serde_path_to_error::deserialize::<_, UserListQuery>(query());
});
