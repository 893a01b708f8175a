//! The two base64 alphabets Sigil speaks: standard with padding (the hook secret, as the seeds
//! show it) and URL-safe without padding (JOSE, tokens).

/// Standard base64 with padding.
pub mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    /// Encodes bytes.
    pub fn encode(bytes: impl AsRef<[u8]>) -> String {
        STANDARD.encode(bytes)
    }

    /// Decodes, or `None` when the text is not valid standard base64.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        STANDARD.decode(text).ok()
    }
}

/// URL-safe base64 without padding (RFC 7515 §2).
pub mod b64url {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// Encodes bytes.
    pub fn encode(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes, or `None` when the text is not valid unpadded base64url.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(text).ok()
    }
}
