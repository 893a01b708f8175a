//! Users: the object claim mappings read (seed 004): `{authenticationProvider {url, subjectId},
//! claims}`. Unique by (provider url, subject).

use std::sync::Arc;

use serde_json::{Map, Value};
use sigil_crypto::SecureRandom;
use sigil_proto::admin::page::Page;
use sigil_proto::admin::user::{
    AuthenticationProviderRef, IssuedCredentialList, UserListQuery, UserRequest, UserResponse,
};

use crate::Clock;
use crate::error::{Error, Resource};
use crate::ids::{is_id, new_id};
use crate::page::PageRequest;
use crate::store::Store;
use crate::store::{StoreError, TokenUser, UserFilter, UserRecord};
use crate::validation::{Problems, text};

/// A validated user body.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    provider: Option<AuthenticationProviderRef>,
    claims: Map<String, Value>,
}

impl UserInput {
    /// Validates a user body.
    pub fn parse(request: UserRequest) -> Result<Self, Error> {
        let mut p = Problems::default();
        if let Some(ap) = &request.authentication_provider {
            check_provider_url(&mut p, "authenticationProvider.url", &ap.url, true);
            text(
                &mut p,
                "authenticationProvider.subjectId",
                &ap.subject_id,
                1024,
            );
        }
        p.finish(Self {
            provider: request.authentication_provider,
            claims: request.claims,
        })
    }
}

fn check_provider_url(p: &mut Problems, param: &str, value: &str, body: bool) {
    let ok = url::Url::parse(value)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !ok {
        let e = if body {
            crate::FieldError::body(param, "must be an absolute http(s) URL", Value::from(value))
        } else {
            crate::FieldError::query(param, "must be an absolute http(s) URL", Value::from(value))
        };
        p.push(e);
    }
}

fn to_response(record: &UserRecord) -> Result<UserResponse, Error> {
    let claims = match serde_json::from_str::<Value>(&record.claims) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Corrupt(format!("claims of user {}", record.id)).into()),
    };
    let authentication_provider = match (&record.provider_url, &record.subject_id) {
        (Some(url), Some(subject_id)) => Some(AuthenticationProviderRef {
            url: url.clone(),
            subject_id: subject_id.clone(),
        }),
        _ => None,
    };
    Ok(UserResponse {
        id: record.id.clone(),
        authentication_provider,
        claims,
    })
}

/// A user as claim mappings see it (seed 004): built from the stored user, not from a
/// management API body, so the two can change apart.
#[derive(Debug, Clone, PartialEq)]
pub struct UserObject {
    /// The user's id.
    pub id: String,
    /// The provider's issuer URL and the user's subject there, when known.
    pub provider: Option<(String, String)>,
    /// The user's claims, with the grant's, an administrator's and the claims source's merged in
    /// by issuance.
    pub claims: Map<String, Value>,
}

impl UserObject {
    fn from_record(record: &UserRecord) -> Result<Self, Error> {
        Self::from_parts(
            &record.id,
            record.provider_url.as_deref(),
            record.subject_id.as_deref(),
            &record.claims,
        )
    }

    /// The user as [`Store::find_access_token`](crate::store::Store::find_access_token) read it
    /// with the token.
    pub(crate) fn from_token_user(id: &str, user: &TokenUser) -> Result<Self, Error> {
        Self::from_parts(
            id,
            user.provider_url.as_deref(),
            user.subject_id.as_deref(),
            &user.claims,
        )
    }

    fn from_parts(
        id: &str,
        provider_url: Option<&str>,
        subject_id: Option<&str>,
        claims: &str,
    ) -> Result<Self, Error> {
        let claims = match serde_json::from_str::<Value>(claims) {
            Ok(Value::Object(m)) => m,
            _ => return Err(StoreError::Corrupt(format!("claims of user {id}")).into()),
        };
        let provider = match (provider_url, subject_id) {
            (Some(url), Some(subject)) => Some((url.to_string(), subject.to_string())),
            _ => None,
        };
        Ok(Self {
            id: id.to_string(),
            provider,
            claims,
        })
    }

    /// The JSON claim mappings read: `{id, authenticationProvider: {url, subjectId}, claims}`
    /// (`authenticationProvider` only when known).
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), Value::from(self.id.as_str()));
        if let Some((url, subject)) = &self.provider {
            let mut provider = Map::new();
            provider.insert("url".into(), Value::from(url.as_str()));
            provider.insert("subjectId".into(), Value::from(subject.as_str()));
            object.insert("authenticationProvider".into(), Value::Object(provider));
        }
        object.insert("claims".into(), Value::Object(self.claims.clone()));
        Value::Object(object)
    }
}

fn duplicate(error: StoreError) -> Error {
    match error {
        StoreError::Conflict(_) => Error::Conflict(
            "a user with this authenticationProvider url and subjectId already exists".into(),
        ),
        other => Error::Store(other),
    }
}

/// Users and the credentials issued to them (`/v1/users`).
#[derive(Debug, Clone)]
pub struct Users {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) public_url: String,
}

impl Users {
    /// `POST /v1/users`.
    pub async fn create_user(&self, request: UserRequest) -> Result<UserResponse, Error> {
        let input = UserInput::parse(request)?;
        let now = self.clock.now();
        let record =
            self.user_record(new_id(self.clock.as_ref(), self.rng.as_ref())?, input, now)?;
        self.store.insert_user(&record).await.map_err(duplicate)?;
        to_response(&record)
    }

    /// `GET /v1/users/{id}`.
    pub async fn user(&self, id: &str) -> Result<UserResponse, Error> {
        let not_found = Error::NotFound(Resource::User);
        if !is_id(id) {
            return Err(not_found);
        }
        let record = self.store.get_user(id).await?.ok_or(not_found)?;
        to_response(&record)
    }

    /// The user `id` as claim mappings see it.
    pub(crate) async fn user_object(&self, id: &str) -> Result<UserObject, Error> {
        let not_found = Error::NotFound(Resource::User);
        if !is_id(id) {
            return Err(not_found);
        }
        let record = self.store.get_user(id).await?.ok_or(not_found)?;
        UserObject::from_record(&record)
    }

    /// `GET /v1/users`, filtered by provider URL and/or subject.
    pub async fn list_users(&self, query: &UserListQuery) -> Result<Page<UserResponse>, Error> {
        let mut p = Problems::default();
        let page = PageRequest::parse(query.limit, query.cursor.as_deref()).map_err(|errors| {
            errors.into_iter().for_each(|e| p.push(e));
        });
        if let Some(url) = &query.authentication_provider_url {
            check_provider_url(&mut p, "authenticationProviderUrl", url, false);
        }
        let page = match page {
            Ok(page) => p.finish(page)?,
            Err(()) => return Err(p.into_error()),
        };
        let filter = UserFilter {
            provider_url: query.authentication_provider_url.clone(),
            subject_id: query.subject_id.clone(),
        };
        let rows = self
            .store
            .list_users(&filter, page.after.as_deref(), page.fetch_limit())
            .await?;
        let (rows, next_cursor) = page.finish(rows, |r| &r.id);
        let data = rows.iter().map(to_response).collect::<Result<_, _>>()?;
        Ok(Page { next_cursor, data })
    }

    /// `PUT /v1/users/{id}`: replaces the user's provider reference and claims.
    pub async fn update_user(&self, id: &str, request: UserRequest) -> Result<UserResponse, Error> {
        let not_found = Error::NotFound(Resource::User);
        if !is_id(id) {
            return Err(not_found);
        }
        let input = UserInput::parse(request)?;
        let record = self.user_record(id.to_string(), input, self.clock.now())?;
        if !self.store.update_user(&record).await.map_err(duplicate)? {
            return Err(not_found);
        }
        to_response(&record)
    }

    /// `GET /v1/users/{id}/credentials`: what was issued to the user.
    pub async fn issued_credentials(&self, id: &str) -> Result<IssuedCredentialList, Error> {
        let user = self.user(id).await?;
        let rows = self.store.list_issued_credentials(&user.id).await?;
        Ok(IssuedCredentialList {
            data: rows
                .into_iter()
                .map(|r| crate::status_list::issued_credential_response(r, &self.public_url))
                .collect(),
        })
    }

    /// `DELETE /v1/users/{id}`.
    pub async fn delete_user(&self, id: &str) -> Result<(), Error> {
        if is_id(id) && self.store.delete_user(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(Resource::User))
        }
    }

    pub(crate) fn user_record(
        &self,
        id: String,
        input: UserInput,
        now: i64,
    ) -> Result<UserRecord, Error> {
        Ok(UserRecord {
            id,
            provider_url: input.provider.as_ref().map(|p| p.url.clone()),
            subject_id: input.provider.map(|p| p.subject_id),
            claims: serde_json::to_string(&input.claims)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            created_at: now,
            updated_at: now,
        })
    }
}
