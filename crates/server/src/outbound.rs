//! The outbound HTTP client (reqwest on rustls): refuses private and reserved addresses unless
//! allowed (checked on every resolved address, so DNS cannot smuggle one in), follows no
//! redirects, times out, and reads at most [`MAX_RESPONSE_BYTES`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sigil_core::outbound::{
    Body, HttpClient, MAX_RESPONSE_BYTES, Method, OutboundError, Request, Response,
};

use crate::config::OutboundConfig;

/// Whether `ip` is a public unicast address (not private, loopback, link-local, shared,
/// documentation, multicast, unspecified or otherwise reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10 shared
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18/15 benchmarking
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b)) // NAT64 may reach private v4
        }
    }
}

#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(
                    format!("{host}: no public address (private addresses are refused)").into(),
                );
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The outbound client.
#[derive(Debug, Clone)]
pub struct ReqwestClient {
    client: reqwest::Client,
    allow_private: bool,
}

impl ReqwestClient {
    /// Builds the client from configuration.
    pub fn new(config: &OutboundConfig) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(config.timeout_secs))
            .connect_timeout(Duration::from_secs(config.timeout_secs.min(5)))
            .user_agent(concat!("sigil/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: config.allow_private_networks,
            }));
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("outbound.ca_file {}: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("outbound.ca_file {}: {e}", path.display()))?;
            builder = builder.tls_certs_merge(certs);
        }
        Ok(Self {
            client: builder
                .build()
                .map_err(|e| format!("outbound HTTP client: {e}"))?,
            allow_private: config.allow_private_networks,
        })
    }
}

#[async_trait]
impl HttpClient for ReqwestClient {
    async fn send(&self, request: Request) -> Result<Response, OutboundError> {
        let host = request.url.host_str().unwrap_or_default().to_string();
        // IP literals bypass the resolver: check them here.
        if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = request.url.host()
            && let Some(ip) = host
                .trim_matches(|c| c == '[' || c == ']')
                .parse::<IpAddr>()
                .ok()
            && !self.allow_private
            && !is_public(ip)
        {
            return Err(OutboundError::Forbidden(host));
        }
        let mut builder = match request.method {
            Method::Get => self.client.get(request.url.clone()),
            Method::Post => self.client.post(request.url.clone()),
        };
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        builder = match request.body {
            None => builder,
            Some(Body::Json(v)) => builder.json(&v),
            Some(Body::Form(pairs)) => builder.form(&pairs),
        };
        let mut response = builder.send().await.map_err(|e| classify(&host, &e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&host, &e))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(OutboundError::TooLarge(host));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            content_type,
            body,
        })
    }
}

fn classify(host: &str, error: &reqwest::Error) -> OutboundError {
    if error.is_timeout() {
        return OutboundError::Timeout(host.to_string());
    }
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        if e.to_string().contains("private addresses are refused") {
            return OutboundError::Forbidden(host.to_string());
        }
        source = e.source();
    }
    tracing::debug!(%host, error = %error, "outbound request failed");
    OutboundError::Unreachable(host.to_string())
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn classifies_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
