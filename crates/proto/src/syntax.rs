//! The syntax of management API values as regular expressions: the OpenAPI document states them
//! (`pattern`), and the server enforces the same expressions, so the document and the server
//! accept exactly the same text. They use only what ECMA-262, Rust's `regex` and Python's `re`
//! read alike: anchors, classes with `\uXXXX` escapes, groups, alternation and counted repeats.

/// Characters Rust's `char::is_whitespace` (Unicode `White_Space`) matches, as a class body.
pub const WHITESPACE: &str = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Any text without U+0000 (which no stored text may hold).
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// Display text: at least one character that is not whitespace, no U+0000.
pub const DISPLAY_TEXT: &str = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";

/// An identifier (a type name, `vct`, a doctype, a namespace): no whitespace, no control
/// characters, no quotes or backslashes.
pub const IDENTIFIER: &str = r#"^[^\u0000-\u001f\u007f-\u009f"\\ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$"#;

/// A resource id as Sigil issues them (a hyphenated UUID).
pub const ID: &str =
    r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

/// One host label: letters (ASCII, and the Latin-1 lower-case letters, which are converted to
/// their ASCII form), digits and single inner hyphens (so never a `xn--` label).
const LABEL: &str =
    r"[A-Za-z0-9\u00e0-\u00f6\u00f8-\u00ff]+(-[A-Za-z0-9\u00e0-\u00f6\u00f8-\u00ff]+)*";
/// The last label starts with a letter: a host ending in a number is an IP address to URL
/// parsers.
const TOP_LABEL: &str = r"[A-Za-z\u00e0-\u00f6\u00f8-\u00ff][A-Za-z0-9\u00e0-\u00f6\u00f8-\u00ff]*(-[A-Za-z0-9\u00e0-\u00f6\u00f8-\u00ff]+)*";
/// A port without leading zeros, 0–65535.
const PORT: &str = r"(:([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?";
/// A path of unreserved, sub-delimiter and percent-encoded characters.
const PATH: &str = r"(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*";

/// An outbound URL (interaction hook, claims source, provider, images, redirect URIs of web
/// wallets): https, a host name (not an IP address), an optional port and path, no user
/// information, query or fragment.
pub fn https_url() -> String {
    format!("^https://({LABEL}\\.)*{TOP_LABEL}{PORT}{PATH}$")
}

/// An http or https URL of a host name (a provider's issuer URL recorded on a user, a JSON-LD
/// context, an IACA's alternative name): an optional port and path, no query or fragment.
pub fn http_url() -> String {
    format!("^https?://({LABEL}\\.)*{TOP_LABEL}{PORT}{PATH}$")
}

/// A native wallet's loopback redirect URI (RFC 8252 §7.3): `http://127.0.0.1` or
/// `http://[::1]`, any port, a path.
pub fn loopback_redirect_uri() -> String {
    format!("^http://(127\\.0\\.0\\.1|\\[::1\\]){PORT}{PATH}$")
}

/// A native wallet's private-use scheme redirect URI (RFC 8252 §7.1): a scheme in reverse
/// domain name notation, then a path.
pub fn private_use_redirect_uri() -> String {
    format!("^[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)+:{PATH}$")
}

/// A date (`YYYY-MM-DD`, a real calendar day, leap years included) or an RFC 3339 date-time
/// with an upper-case `T` and `Z` and at most nine fraction digits, years 0001–9999.
pub const DATE_OR_DATE_TIME: &str = concat!(
    r"^(",
    // Days 01–28 of any month, 29–30 of all but February, 31 of the long months.
    r"([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-",
    r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)",
    r"|",
    // 29 February of a leap year.
    r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29",
    r")",
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
);

/// A BCP 47 language tag as Sigil accepts it: letters, digits and hyphens, 1–35 characters.
pub const LANGUAGE_TAG: &str = r"^[A-Za-z0-9-]{1,35}$";

/// A colour, `#RRGGBB`.
pub const COLOR: &str = r"^#[0-9A-Fa-f]{6}$";

/// A path into the user object for a claim mapping's `mapFrom`.
pub const MAP_FROM: &str = r"^(claims|authenticationProvider|id)(\.[^.\u0000]+)*$";

/// A path for a claims source parameter's `mapFrom`.
pub const SOURCE_MAP_FROM: &str = r"^(claims|credentialConfiguration)(\.[^.\u0000]+)+$";

/// An OAuth scope token (RFC 6749 §3.3): printable ASCII but `"` and `\`.
pub const SCOPE_TOKEN: &str = r#"^[!#-\[\]-~]+$"#;

/// An ISO 3166-1 alpha-2 country code in upper case.
pub const COUNTRY: &str = r"^[A-Z]{2}$";

/// An e-mail address as an IACA's alternative name.
pub const EMAIL: &str = r"^[A-Za-z0-9._%+-]+@(([A-Za-z0-9]+(-[A-Za-z0-9]+)*\.)+[A-Za-z]+)$";

/// A real calendar date, `YYYY-MM-DD`, years 0001–9999.
pub const DATE: &str = concat!(
    r"^(",
    r"([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-",
    r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)",
    r"|",
    r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29",
    r")$"
);

/// An RFC 3339 date-time with an upper-case `T` and `Z` and at most nine fraction digits, years
/// 1000–8999 (so that every offset still lands on a four-digit UTC year).
pub const DATE_TIME: &str = concat!(
    r"^(",
    r"[1-8][0-9]{3}-",
    r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)",
    r"|",
    r"([1-8][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00)-02-29",
    r")",
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
);

/// Base64 (RFC 4648 §4, padded) or base64url (§5, unpadded), canonical in its last character.
pub const BASE64: &str = concat!(
    r"^(",
    r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?",
    r"|",
    r"([A-Za-z0-9_-]{4})*([A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?",
    r")$"
);
