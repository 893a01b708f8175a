//! URLs Sigil sends users or requests to, configured by the issuer (the interaction hook now; the
//! claims source and others later). PLATFORM-API.md: a valid URL, https, not an IP address, no
//! query parameters, Unicode host converted to ASCII.

use std::fmt;

use url::{Host, Url};

/// A URL that passed the outbound rules. Its text is the ASCII (punycode) serialisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundUrl(Url);

impl OutboundUrl {
    /// Parses and checks the rules, explaining the first one broken.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let url = Url::parse(text.trim()).map_err(|_| "must be a valid URL")?;
        if url.scheme() != "https" {
            return Err("must use the https protocol");
        }
        match url.host() {
            None => return Err("must have a host"),
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => return Err("must not be an IP address"),
            Some(Host::Domain(_)) => {}
        }
        if url.query().is_some() {
            return Err("must not include query parameters");
        }
        if url.fragment().is_some() {
            return Err("must not include a fragment");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not include user information");
        }
        Ok(Self(url))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for OutboundUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OutboundUrl;

    #[test]
    fn accepts_https_domains_and_converts_unicode_to_ascii() {
        assert_eq!(
            OutboundUrl::parse("https://example-university.com/callback")
                .unwrap()
                .as_str(),
            "https://example-university.com/callback"
        );
        assert_eq!(
            OutboundUrl::parse("https://bücher.example/hook")
                .unwrap()
                .as_str(),
            "https://xn--bcher-kva.example/hook"
        );
    }

    #[test]
    fn rejects_each_broken_rule() {
        for (url, why) in [
            ("not a url", "must be a valid URL"),
            ("/relative", "must be a valid URL"),
            ("http://example.com/cb", "must use the https protocol"),
            ("ftp://example.com/cb", "must use the https protocol"),
            ("https://127.0.0.1/cb", "must not be an IP address"),
            ("https://[::1]/cb", "must not be an IP address"),
            ("https://0x7f.1/cb", "must not be an IP address"),
            (
                "https://example.com/cb?a=1",
                "must not include query parameters",
            ),
            (
                "https://example.com/cb?",
                "must not include query parameters",
            ),
            ("https://example.com/cb#f", "must not include a fragment"),
            (
                "https://u:p@example.com/cb",
                "must not include user information",
            ),
        ] {
            assert_eq!(OutboundUrl::parse(url), Err(why), "{url}");
        }
    }
}
