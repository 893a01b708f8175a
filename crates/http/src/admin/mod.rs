//! The management API routes (all behind the admin token).

/// Five handlers for one admin collection, each documented in OpenAPI.
macro_rules! crud {
    (
        tag = $tag:literal, collection = $collection:literal, item = $item:literal,
        request = $request:ty, update_request = $update_request:ty, response = $response:ty,
        create = $create:ident => $service_create:ident . $core_create:ident,
        list = $list:ident => $service_list:ident . $core_list:ident,
        get = $get:ident => $service_get:ident . $core_get:ident,
        update = $update:ident => $service_update:ident . $core_update:ident,
        delete = $delete:ident => $service_delete:ident . $core_delete:ident $(,)?
    ) => {
        /// Creates one.
        #[utoipa::path(post, path = $collection, tag = $tag, security(("adminToken" = [])),
            request_body = $request,
            responses((status = 201, body = $response),
                      (status = 400, description = "Validation error", body = ErrorResponse),
                      (status = 409, description = "Conflict", body = ErrorResponse),
                      (status = 401, body = ErrorResponse)))]
        pub(crate) async fn $create(
            State(sigil): State<Sigil>,
            AdminJson(request): AdminJson<$request>,
        ) -> Result<(StatusCode, Json<$response>), ApiError> {
            Ok((StatusCode::CREATED, Json(sigil.$service_create().$core_create(&request).await?)))
        }

        /// Lists them, oldest first.
        #[utoipa::path(get, path = $collection, tag = $tag, security(("adminToken" = [])),
            params(PageQuery),
            responses((status = 200, body = Page<$response>),
                      (status = 400, description = "Bad limit or cursor", body = ErrorResponse),
                      (status = 401, body = ErrorResponse)))]
        pub(crate) async fn $list(
            State(sigil): State<Sigil>,
            AdminQuery(query): AdminQuery<PageQuery>,
        ) -> Result<Json<Page<$response>>, ApiError> {
            let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
            Ok(Json(sigil.$service_list().$core_list(&page).await?))
        }

        /// Reads one.
        #[utoipa::path(get, path = $item, tag = $tag, security(("adminToken" = [])),
            params(("id" = String, Path, description = "Id")),
            responses((status = 200, body = $response),
                      (status = 404, body = ErrorResponse),
                      (status = 401, body = ErrorResponse)))]
        pub(crate) async fn $get(
            State(sigil): State<Sigil>,
            AdminPath(id): AdminPath,
        ) -> Result<Json<$response>, ApiError> {
            Ok(Json(sigil.$service_get().$core_get(&id).await?))
        }

        /// Replaces one.
        #[utoipa::path(put, path = $item, tag = $tag, security(("adminToken" = [])),
            params(("id" = String, Path, description = "Id")),
            request_body = $update_request,
            responses((status = 200, body = $response),
                      (status = 400, description = "Validation error", body = ErrorResponse),
                      (status = 404, body = ErrorResponse),
                      (status = 409, description = "Conflict", body = ErrorResponse),
                      (status = 401, body = ErrorResponse)))]
        pub(crate) async fn $update(
            State(sigil): State<Sigil>,
            AdminPath(id): AdminPath,
            AdminJson(request): AdminJson<$update_request>,
        ) -> Result<Json<$response>, ApiError> {
            Ok(Json(sigil.$service_update().$core_update(&id, &request).await?))
        }

        /// Deletes one.
        #[utoipa::path(delete, path = $item, tag = $tag, security(("adminToken" = [])),
            params(("id" = String, Path, description = "Id")),
            responses((status = 204, description = "Deleted"),
                      (status = 404, body = ErrorResponse),
                      (status = 409, description = "Still in use", body = ErrorResponse),
                      (status = 401, body = ErrorResponse)))]
        pub(crate) async fn $delete(
            State(sigil): State<Sigil>,
            AdminPath(id): AdminPath,
        ) -> Result<StatusCode, ApiError> {
            sigil.$service_delete().$core_delete(&id).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

mod admin_token;
mod authorization;
mod configuration;
mod credential_configuration;
mod credential_status;
mod deferred;
mod iaca;
mod keys;
mod offer;
mod statistics;
mod user;

use axum::Router;
use sigil_core::Sigil;

pub(crate) use admin_token::*;
pub(crate) use authorization::*;
pub(crate) use configuration::*;
pub(crate) use credential_configuration::*;
pub(crate) use credential_status::*;
pub(crate) use deferred::*;
pub(crate) use iaca::*;
pub(crate) use keys::*;
pub(crate) use offer::*;
pub(crate) use statistics::*;
pub(crate) use user::*;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .merge(admin_token::routes())
        .merge(authorization::routes())
        .merge(configuration::routes())
        .merge(credential_configuration::routes())
        .merge(credential_status::routes())
        .merge(deferred::routes())
        .merge(iaca::routes())
        .merge(keys::routes())
        .merge(offer::routes())
        .merge(statistics::routes())
        .merge(user::routes())
}
