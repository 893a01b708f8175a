//! mdoc certificates: IACAs (`/v1/credentials/mobile/iacas`, CRUD where `PUT` switches the active
//! one) and Document Signers (`/v1/credentials/mobile/document-signers`: list, read, and `POST`
//! for a manual rotation).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_core::page::PageRequest;
use sigil_proto::admin::iaca::{
    DocumentSignerRequest, DocumentSignerResponse, IacaRequest, IacaResponse, IacaUpdateRequest,
};
use sigil_proto::admin::page::{Page, PageQuery};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath, AdminQuery};

crud! {
    tag = "mdoc-certificates", collection = "/v1/credentials/mobile/iacas",
    item = "/v1/credentials/mobile/iacas/{id}",
    request = IacaRequest, update_request = IacaUpdateRequest,
    response = IacaResponse,
    create = create_iaca => mdoc_certificates.create_iaca,
    list = list_iacas => mdoc_certificates.list_iacas,
    get = get_iaca => mdoc_certificates.iaca,
    update = update_iaca => mdoc_certificates.update_iaca,
    delete = delete_iaca => mdoc_certificates.delete_iaca,
}

/// Makes a Document Signer under the active IACA now; it signs the mdocs issued from then on.
#[utoipa::path(post, path = "/v1/credentials/mobile/document-signers", tag = "mdoc-certificates",
    security(("adminToken" = [])),
    request_body = DocumentSignerRequest,
    responses((status = 201, body = DocumentSignerResponse),
              (status = 409, description = "No active IACA", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn create_document_signer(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<DocumentSignerRequest>,
) -> Result<(StatusCode, Json<DocumentSignerResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            sigil
                .mdoc_certificates()
                .create_document_signer(&request)
                .await?,
        ),
    ))
}

/// Lists the Document Signers, oldest first.
#[utoipa::path(get, path = "/v1/credentials/mobile/document-signers", tag = "mdoc-certificates",
    security(("adminToken" = [])),
    params(PageQuery),
    responses((status = 200, body = Page<DocumentSignerResponse>),
              (status = 400, description = "Bad limit or cursor", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_document_signers(
    State(sigil): State<Sigil>,
    AdminQuery(query): AdminQuery<PageQuery>,
) -> Result<Json<Page<DocumentSignerResponse>>, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    Ok(Json(
        sigil
            .mdoc_certificates()
            .list_document_signers(&page)
            .await?,
    ))
}

/// Reads one Document Signer.
#[utoipa::path(get, path = "/v1/credentials/mobile/document-signers/{id}", tag = "mdoc-certificates",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Id")),
    responses((status = 200, body = DocumentSignerResponse),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_document_signer(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<DocumentSignerResponse>, ApiError> {
    Ok(Json(sigil.mdoc_certificates().document_signer(&id).await?))
}

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            "/v1/credentials/mobile/iacas",
            get(list_iacas).post(create_iaca),
        )
        .route(
            "/v1/credentials/mobile/iacas/{id}",
            get(get_iaca).put(update_iaca).delete(delete_iaca),
        )
        .route(
            "/v1/credentials/mobile/document-signers",
            get(list_document_signers).post(create_document_signer),
        )
        .route(
            "/v1/credentials/mobile/document-signers/{id}",
            get(get_document_signer),
        )
}
