//! Sigil's HTTP suite: the real server on 127.0.0.1:0 with a fresh database per test, driven
//! over HTTP (STYLE.md habit 6). Suites that touch storage run on SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod helpers;

mod authorization;
mod binary;
mod configuration;
mod crash;
mod credential_configurations;
mod cwt;
mod deferred;
mod dpop;
mod edge;
mod encryption;
mod errors;
mod forgery;
mod interaction_hook;
mod issuance;
mod keys;
mod ldp_vc;
mod mdoc;
mod openapi;
mod persistence;
mod portal;
mod rate_limits;
mod status_lists;
mod users;
mod wallet;
