//! Rate limits at the edge (the counting is `sigil_core::rate_limit`): per client address on the
//! token, PAR, nonce and credential endpoint groups, per code at the token endpoint, per access
//! token at the protected resources, and per address on failed admin authentication. A refusal
//! is `429 Too Many Requests` with `Retry-After`, in the surface's error shape.
//!
//! The client address is the connection's peer, unless the peer is a configured trusted proxy:
//! then it is the right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries
//! further left were written by the client and prove nothing).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use sigil_core::Sigil;
use sigil_core::rate_limit::{Limited, Scope};

use crate::edge::{Refusal, Surface};

/// The proxies whose `X-Forwarded-For` is believed, put in every request's extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustedProxies(pub Arc<[IpNet]>);

fn trusted(proxies: &[IpNet], address: IpAddr) -> bool {
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    proxies.iter().any(|net| net.contains(&address))
}

/// The client's address, as far as this server can tell (see the module documentation).
pub(crate) fn client_address(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let proxies = extensions
        .get::<TrustedProxies>()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    if !trusted(&proxies, peer) {
        return Some(peer);
    }
    let mut client = peer;
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>();
    for entry in forwarded
        .iter()
        .rev()
        .flat_map(|value| value.rsplit(','))
        .map(str::trim)
    {
        let Ok(address) = entry.parse::<IpAddr>() else {
            break;
        };
        client = address;
        if !trusted(&proxies, address) {
            break;
        }
    }
    Some(client)
}

/// A refusal in the protocol shape.
pub(crate) fn too_many(limited: Limited) -> Refusal {
    Refusal::TooManyRequests {
        retry_after: limited.retry_after,
    }
}

/// The middleware limiting one endpoint group per client address.
#[derive(Debug, Clone)]
pub(crate) struct AddressLimit {
    pub sigil: Sigil,
    pub scope: Scope,
}

pub(crate) async fn by_address(
    State(limit): State<AddressLimit>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(address) = client_address(request.extensions(), request.headers())
        && let Err(limited) = limit
            .sigil
            .rate_limiter()
            .check_address(limit.scope, address)
    {
        tracing::info!(%address, scope = ?limit.scope, "rate limited");
        return too_many(limited).render(Surface::Protocol).into_response();
    }
    next.run(request).await
}
