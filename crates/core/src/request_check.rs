//! The checks the HTTP edge runs on a management request body before anything else, with the
//! domain's own words for each field (the services run them again).

use crate::FieldError;

/// The checks of a request body that need no storage, run by the HTTP edge before anything
/// else so that a refusal names each field with the domain's own words. The services run them
/// again; this only makes the first answer precise.
pub trait RequestCheck {
    /// What is wrong with the request, if anything (`sigil` for the settings and the clock).
    fn problems(&self, sigil: &crate::Sigil) -> Vec<FieldError>;
}

mod checks {
    use sigil_proto::admin::admin_token::AdminTokenRequest;
    use sigil_proto::admin::authentication_provider::AuthenticationProviderRequest;
    use sigil_proto::admin::claim_source::{ClaimSourceRequest, ClaimSourceTestRequest};
    use sigil_proto::admin::client::ClientRequest;
    use sigil_proto::admin::configuration::ConfigurationRequest;
    use sigil_proto::admin::credential_configuration::{
        ClaimsPreviewRequest, CredentialConfigurationRequest,
    };
    use sigil_proto::admin::deferred::{DeferredApproval, DeferredRejection};
    use sigil_proto::admin::iaca::{DocumentSignerRequest, IacaRequest, IacaUpdateRequest};
    use sigil_proto::admin::keys::KeyRotationRequest;
    use sigil_proto::admin::offer::{AuthorizationCodeOfferRequest, PreAuthorizedOfferRequest};
    use sigil_proto::admin::user::{CredentialStatusRequest, UserRequest};

    use super::RequestCheck;
    use crate::FieldError;
    use crate::validation::{Problems, field_errors};

    impl RequestCheck for ConfigurationRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            self.interaction_hook
                .as_ref()
                .map_or_else(Vec::new, |hook| {
                    field_errors(crate::catalogue::interaction_hook::InteractionHook::parse(
                        hook,
                    ))
                })
        }
    }

    impl RequestCheck for CredentialConfigurationRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(
                crate::catalogue::credential_configuration::CredentialConfiguration::parse(
                    String::new(),
                    self.clone(),
                ),
            )
        }
    }

    impl RequestCheck for ClaimsPreviewRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(
                crate::catalogue::credential_configuration::parse_for_preview(
                    self.configuration.clone(),
                ),
            )
        }
    }

    impl RequestCheck for AdminTokenRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(crate::catalogue::admin_token::check_name(&self.name))
        }
    }

    impl RequestCheck for ClientRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(crate::authorization::wallet_client::WalletClient::parse(
                String::new(),
                self,
            ))
        }
    }

    impl RequestCheck for AuthenticationProviderRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(
                crate::catalogue::authentication_provider::AuthenticationProvider::parse(self),
            )
        }
    }

    impl RequestCheck for ClaimSourceRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(crate::catalogue::claim_source::check(self))
        }
    }

    impl RequestCheck for UserRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(crate::catalogue::user::UserInput::parse(self.clone()))
        }
    }

    impl RequestCheck for PreAuthorizedOfferRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            let mut p = Problems::default();
            let _ = crate::catalogue::offer::check_pre_authorized_offer(&mut p, self);
            field_errors(p.finish(()))
        }
    }

    impl RequestCheck for AuthorizationCodeOfferRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            let mut p = Problems::default();
            let _ = crate::authorization::authorize::check_authorization_code_offer(&mut p, self);
            field_errors(p.finish(()))
        }
    }

    impl RequestCheck for DeferredRejection {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(crate::issuance::deferred::check_rejection(self))
        }
    }

    /// Any JSON object of claims will do.
    impl RequestCheck for ClaimSourceTestRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            Vec::new()
        }
    }

    /// Checked by their services alone (they need the issuer's settings or nothing at all).
    impl RequestCheck for DeferredApproval {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            Vec::new()
        }
    }

    impl RequestCheck for IacaRequest {
        fn problems(&self, sigil: &crate::Sigil) -> Vec<FieldError> {
            sigil.mdoc_certificates().check_iaca_request(self)
        }
    }

    impl RequestCheck for IacaUpdateRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            Vec::new()
        }
    }

    impl RequestCheck for DocumentSignerRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            Vec::new()
        }
    }

    impl RequestCheck for CredentialStatusRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            field_errors(crate::status_list::parse_status(&self.status).map(|_| ()))
        }
    }

    /// The kinds are an enum (serde refuses others); their number is bounded by the schema.
    impl RequestCheck for KeyRotationRequest {
        fn problems(&self, _: &crate::Sigil) -> Vec<FieldError> {
            Vec::new()
        }
    }
}
