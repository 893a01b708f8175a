//! The management API routes (all behind the admin token).

mod authorization;
mod configuration;
mod credential_configuration;
mod offer;
mod user;

use axum::Router;
use sigil_core::Sigil;

pub(crate) use authorization::*;
pub(crate) use configuration::*;
pub(crate) use credential_configuration::*;
pub(crate) use offer::*;
pub(crate) use user::*;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .merge(authorization::routes())
        .merge(configuration::routes())
        .merge(credential_configuration::routes())
        .merge(offer::routes())
        .merge(user::routes())
}
