//! `json_requests`: JSON request bodies into every request type Sigil reads. The protocol
//! bodies (credential, deferred credential and notification requests; token requests) come from
//! any wallet; the management DTOs (`sigil_proto::admin::*`) from an authenticated
//! administrator, but through the same parser. Each body is read the way the HTTP edge reads it
//! (into a `serde_json::Value`, then `serde_path_to_error` / `sigil_core::validation::from_value`,
//! which also builds the field error naming the offending member) and directly with
//! `serde_json::from_slice`; a management DTO that deserialises then goes through the domain's
//! pure validation (`UserInput::parse`, `WalletClient::parse`, `CredentialConfiguration::parse`
//! and its claim mapping, the portal's claims preview, ...).
//!
//! None of this may panic or allocate without bound, whatever the nesting or the numbers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sigil_core::Location;
use sigil_core::authorization::wallet_client::WalletClient;
use sigil_core::catalogue::admin_token::check_name;
use sigil_core::catalogue::authentication_provider::AuthenticationProvider;
use sigil_core::catalogue::credential_configuration::{CredentialConfiguration, parse_for_preview};
use sigil_core::catalogue::interaction_hook::InteractionHook;
use sigil_core::catalogue::user::UserInput;
use sigil_core::validation::from_value;
use sigil_proto::admin::admin_token::AdminTokenRequest;
use sigil_proto::admin::authentication_provider::AuthenticationProviderRequest;
use sigil_proto::admin::claim_source::{ClaimSourceRequest, ClaimSourceTestRequest};
use sigil_proto::admin::client::ClientRequest;
use sigil_proto::admin::configuration::{ConfigurationRequest, InteractionHookRequest};
use sigil_proto::admin::credential_configuration::{
    ClaimMapping, ClaimsPreviewRequest, CredentialConfigurationRequest,
};
use sigil_proto::admin::deferred::{DeferredApproval, DeferredRejection};
use sigil_proto::admin::iaca::{DocumentSignerRequest, IacaRequest, IacaUpdateRequest};
use sigil_proto::admin::offer::{AuthorizationCodeOfferRequest, PreAuthorizedOfferRequest};
use sigil_proto::admin::user::UserRequest;
use sigil_proto::oid4vci::credential::{
    CredentialRequest, DeferredCredentialRequest, NotificationRequest,
};
use sigil_proto::oid4vci::token::TokenRequest;

/// The protocol edge: `Value`, then `serde_path_to_error`; and `from_slice` straight into `T`.
fn protocol<T: DeserializeOwned>(data: &[u8], value: Option<&Value>) -> Option<T> {
    let _ = serde_json::from_slice::<T>(data);
    let value = value?;
    serde_path_to_error::deserialize::<_, T>(value.clone()).ok()
}

/// The management edge: `from_value` (with its field error), and `from_slice` straight into `T`.
fn admin<T: DeserializeOwned>(data: &[u8], value: Option<&Value>) -> Option<T> {
    let _ = serde_json::from_slice::<T>(data);
    from_value::<T>(value?, Location::Body, "").ok()
}

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<Value>(data).ok();
    let value = value.as_ref();

    if let Some(request) = protocol::<CredentialRequest>(data, value) {
        let _ = request
            .proofs
            .as_ref()
            .map(|p| p.jwt.as_ref().map(Vec::len));
    }
    protocol::<DeferredCredentialRequest>(data, value);
    protocol::<NotificationRequest>(data, value);
    protocol::<TokenRequest>(data, value);

    if let Some(request) = admin::<UserRequest>(data, value) {
        let _ = UserInput::parse(request);
    }
    if let Some(request) = admin::<ClientRequest>(data, value) {
        let _ = WalletClient::parse("client".into(), &request);
    }
    if let Some(request) = admin::<ConfigurationRequest>(data, value)
        && let Some(hook) = &request.interaction_hook
    {
        let _ = InteractionHook::parse(hook);
    }
    if let Some(request) = admin::<InteractionHookRequest>(data, value) {
        let _ = InteractionHook::parse(&request);
    }
    if let Some(request) = admin::<AuthenticationProviderRequest>(data, value) {
        let _ = AuthenticationProvider::parse(&request);
    }
    if let Some(request) = admin::<CredentialConfigurationRequest>(data, value)
        && let Ok(configuration) = CredentialConfiguration::parse("configuration".into(), request)
    {
        let user = json!({"id": "user", "claims": {"email": "a@example.com", "n": [1, 2.5]}});
        let _ = configuration.map_claims(&user);
        let _ = configuration.mdoc_namespaces(&user);
        let _ = configuration.mdoc_validity(&user, sigil_fuzz::NOW);
        let _ = configuration.to_response();
    }
    // The portal's claims preview: a configuration and any user object, mapped as at issuance.
    if let Some(request) = admin::<ClaimsPreviewRequest>(data, value)
        && let Ok(configuration) = parse_for_preview(request.configuration)
    {
        let _ = configuration.map_claims(&Value::Object(request.user));
    }
    if let Some(request) = admin::<AdminTokenRequest>(data, value) {
        let _ = check_name(&request.name);
    }
    admin::<ClaimSourceTestRequest>(data, value);
    admin::<ClaimMapping>(data, value);
    admin::<ClaimSourceRequest>(data, value);
    admin::<DeferredApproval>(data, value);
    admin::<DeferredRejection>(data, value);
    admin::<IacaRequest>(data, value);
    admin::<IacaUpdateRequest>(data, value);
    admin::<DocumentSignerRequest>(data, value);
    admin::<PreAuthorizedOfferRequest>(data, value);
    admin::<AuthorizationCodeOfferRequest>(data, value);
});
