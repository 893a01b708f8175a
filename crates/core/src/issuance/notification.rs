//! The notification endpoint (OID4VCI 1.0 §11): the wallet reports what became of the
//! credentials of one response. The event is recorded on those credentials and shown by
//! `GET /v1/users/{id}/credentials`; nothing in issuance waits for it.

use serde_json::Value;
use sigil_proto::oid4vci::credential::NotificationRequest;

use crate::error::{Error, ProtocolError};
use crate::store::{AccessTokenRecord, NotificationRecord};

/// The events of §11.1.
pub const EVENTS: [&str; 3] = [
    "credential_accepted",
    "credential_failure",
    "credential_deleted",
];
const MAX_DESCRIPTION: usize = 1024;

fn malformed(description: impl Into<String>) -> Error {
    Error::protocol(ProtocolError::InvalidNotificationRequest, description)
}

impl super::Issuance {
    /// `POST /v1/openid/notification`; the HTTP answer is 204.
    pub async fn notify(
        &self,
        token: &AccessTokenRecord,
        request: &NotificationRequest,
    ) -> Result<(), Error> {
        let notification_id = match &request.notification_id {
            Some(Value::String(id)) if !id.is_empty() && id.len() <= 256 => id,
            Some(_) => {
                return Err(Error::protocol(
                    ProtocolError::InvalidNotificationId,
                    "the notification_id is not one this issuer gave out",
                ));
            }
            None => return Err(malformed("notification_id is required")),
        };
        let event = match &request.event {
            Some(Value::String(e)) if EVENTS.contains(&e.as_str()) => e.clone(),
            Some(_) => {
                return Err(malformed(format!(
                    "event must be one of {}",
                    EVENTS.join(", ")
                )));
            }
            None => return Err(malformed("event is required")),
        };
        // §11.1: event_description is ASCII text (%x20-21 / %x23-5B / %x5D-7E).
        let description = match &request.event_description {
            None => None,
            Some(Value::String(d))
                if d.len() <= MAX_DESCRIPTION
                    && d.bytes()
                        .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\') =>
            {
                Some(d.clone())
            }
            Some(_) => {
                return Err(malformed(format!(
                    "event_description must be printable ASCII without double quotes or backslashes, at most {MAX_DESCRIPTION} characters"
                )));
            }
        };
        let recorded = self
            .store
            .record_notification(
                notification_id,
                &token.token_hash,
                &NotificationRecord {
                    event,
                    description,
                    at: self.clock.now(),
                },
            )
            .await?;
        if recorded {
            Ok(())
        } else {
            // §11.3 / SECURITY H25: unknown, or another token's.
            Err(Error::protocol(
                ProtocolError::InvalidNotificationId,
                "the notification_id is unknown or belongs to another access token",
            ))
        }
    }
}
