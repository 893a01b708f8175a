//! `authorization_query`: the query strings and form bodies of the OAuth flow, from the raw
//! bytes to the domain's answer, through `sigil_core::Sigil` on a real (SQLite) store with one
//! registered public wallet client and one credential configuration. The bytes go through
//! `sigil_http::form::parse` as the edge does; the pairs then go to `Authorization::authorize` (the
//! authorization endpoint: client and redirect URI resolution, `request_uri`, PKCE,
//! `response_type`, `scope`, the `authorization_details` JSON, `issuer_state`, `dpop_jkt`),
//! `Authorization::authentication_callback` and `Authorization::interaction_hook_callback` (the provider's and
//! the hook's returns), and, read as a token request body, `Tokens::token`.
//!
//! No authentication provider is configured, so `authorize` stops after validating the request
//! and answers with an error redirect or page. PAR (`push_authorization_request`) runs the same
//! validation; it is left out because every accepted request would be stored.
//!
//! Besides "no panic", every redirect must go to the client's registered redirect URI (no open
//! redirector), carry `iss`, and describe errors in RFC 6749's characters only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_core::authorization::authorize::Navigation;
use sigil_core::authorization::wallet_client::ClientCredentials;
use sigil_fuzz::{ISSUER, REDIRECT_URI, app};
use sigil_http::form;
use sigil_proto::oid4vci::token::TokenRequest;

/// RFC 6749 §4.1.2.1: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E.
fn is_description_text(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

fn check(step: &str, navigation: Result<Navigation, sigil_core::Error>) {
    let Ok(Navigation::Redirect(location)) = navigation else {
        return;
    };
    let url = url::Url::parse(&location).expect("a redirect is a URL");
    let base = location.split('?').next().unwrap_or_default();
    assert_eq!(
        base, REDIRECT_URI,
        "{step} redirected elsewhere: {location}"
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("iss"), Some(ISSUER), "{step}: no iss in {location}");
    if let Some(description) = value("error_description") {
        assert!(
            is_description_text(description),
            "{step}: error_description outside RFC 6749: {description:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(pairs) = form::parse(data) else {
        return;
    };
    let app = app();
    let authorize = app
        .runtime
        .block_on(app.sigil.authorization().authorize(pairs.clone()));
    check("authorize", authorize);
    let callback = app.runtime.block_on(
        app.sigil
            .authorization()
            .authentication_callback(pairs.clone()),
    );
    check("authentication_callback", callback);
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let state = value("state").unwrap_or_default();
    let hook = app.runtime.block_on(
        app.sigil
            .authorization()
            .interaction_hook_callback(&state, pairs.clone()),
    );
    check("interaction_hook_callback", hook);

    // The same pairs as a token request body, read as the token endpoint reads them.
    let request = TokenRequest::from_pairs(&pairs);
    let credentials = ClientCredentials {
        form_client_id: request.client_id.clone(),
        basic: None,
        form_secret: value("client_secret").is_some(),
    };
    let _ = app
        .runtime
        .block_on(app.sigil.tokens().token(&request, &credentials, None));
});
