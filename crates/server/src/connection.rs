//! Accepting TCP connections with a bounded cost each: at most `max_connections` at once, a
//! deadline for every request head (which also closes idle keep-alive connections), a cap on
//! the head's size and header count, and graceful shutdown.
//!
//! axum's own `serve` offers none of these knobs, so connections are driven with hyper's HTTP/1
//! server directly; the router is the same tower service.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// What one connection may cost.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections served at once; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Time allowed to receive a complete request head, counted from the moment the server
    /// waits for one: a new connection's first request or the next on a kept-alive connection.
    pub header_timeout: Duration,
    /// Largest request head (request line and headers), in bytes; hyper's read buffer, which
    /// never grows beyond it.
    pub max_header_bytes: usize,
    /// Most header fields in one request.
    pub max_headers: usize,
}

/// Serves `router` on `listener` until `shutdown` turns true, then stops accepting, lets
/// in-flight requests finish and closes idle connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // The head limit itself (431 beyond). The read buffer's cap alone is not one: a read may
        // take a whole oversized head at once, and hyper parses what it holds before checking it.
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes)
        .max_headers(limits.max_headers)
        .keep_alive(true);
    let mut refusals_logged_at: Option<tokio::time::Instant> = None;
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopped(&mut shutdown) => break,
        };
        if slots.available_permits() == 0 {
            warn_rarely(
                &mut refusals_logged_at,
                "connection limit reached: new connections wait until one closes",
                limits.max_connections,
            );
        }
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; the connections that
                    // hold the descriptors are closed by their deadlines.
                    warn_rarely(&mut refusals_logged_at, &format!("accept failed: {e}"), limits.max_connections);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => break,
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            tokio::pin!(connection);
            let stopping = tokio::select! {
                result = connection.as_mut() => {
                    log_connection_end(result, peer);
                    false
                }
                _ = stopped(&mut stop) => true,
            };
            if stopping {
                connection.as_mut().graceful_shutdown();
                log_connection_end(connection.await, peer);
            }
        });
    }
    // Every permit back means every connection has ended.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// Resolves once `signal` turns true (or its sender is gone).
async fn stopped(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|stop| *stop).await;
}

fn log_connection_end(result: Result<(), hyper::Error>, peer: SocketAddr) {
    if let Err(e) = result {
        if e.is_timeout() {
            tracing::debug!(%peer, "connection closed: no complete request head in time");
        } else {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}

/// Logs a warning at most once every ten seconds.
fn warn_rarely(last: &mut Option<tokio::time::Instant>, what: &str, max_connections: usize) {
    let now = tokio::time::Instant::now();
    if last.is_none_or(|at| now.duration_since(at) >= Duration::from_secs(10)) {
        *last = Some(now);
        tracing::warn!(max_connections, "{what}");
    }
}
