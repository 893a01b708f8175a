//! `mso_mdoc`: ISO/IEC 18013-5 `IssuerSigned` (§8.3.2.1.2.2) as OID4VCI 1.0 Appendix A.2 sends it,
//! base64url(CBOR(IssuerSigned)).
//!
//! - Each data element is an `IssuerSignedItem {digestID, random, elementIdentifier,
//!   elementValue}` with a fresh 32-byte `random`, wrapped as `#6.24(bstr .cbor item)`.
//! - The Mobile Security Object (§9.1.2.4) holds the SHA-256 of each wrapped item under its
//!   namespace and digest ID, the holder's key as a COSE_Key, the docType and the validity.
//! - `issuerAuth` is an untagged COSE_Sign1 (RFC 9052) over `#6.24(bstr .cbor MSO)`, ES256 (-7)
//!   in the protected header and the Document Signer certificate as `x5chain` (label 33) in the
//!   unprotected header.
//!
//! Data element values are typed for CBOR by [`ElementType`]: dates become `full-date`
//! (`#6.1004(tstr)`, RFC 8943), date-times `tdate` (`#6.0(tstr)`, no fractional seconds), and
//! byte strings such as portraits arrive base64-encoded in JSON.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use ciborium::Value;
use coset::{CoseSign1Builder, HeaderBuilder, iana};
use serde_json::Value as Json;
use sigil_crypto::{
    CryptoError, HolderKey, PublicSigningKey, SecureRandom, Unsigned, b64url, random_array, sha256,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The MSO `digestAlgorithm`.
pub const DIGEST_ALGORITHM: &str = "SHA-256";
/// Bytes of randomness in each IssuerSignedItem (ISO/IEC 18013-5 §9.1.2.5 asks for at least 16).
pub const SALT_BYTES: usize = 32;
/// `x5chain` (RFC 9360).
const X5CHAIN: i64 = 33;
/// `full-date` (RFC 8943).
const TAG_FULL_DATE: u64 = 1004;
/// Encoded CBOR data item (RFC 8949 §3.4.5.1).
const TAG_ENCODED_CBOR: u64 = 24;

/// The CBOR type a data element's value takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementType {
    /// Whatever the JSON value is: text, integer or float, bool, array, map.
    Any,
    /// Text string.
    String,
    /// Integer (a JSON number without a fraction).
    Integer,
    /// Integer when whole, otherwise float.
    Number,
    /// Boolean.
    Boolean,
    /// `full-date` from `YYYY-MM-DD`.
    Date,
    /// `tdate` from an RFC 3339 date-time, in UTC without fractional seconds.
    DateTime,
    /// Byte string from base64 or base64url (padded or not), or a `data:…;base64,` URL.
    Bytes,
    /// Array whose items have this type.
    Array(Box<ElementType>),
    /// Map whose named members have these types (others are [`ElementType::Any`]).
    Object(Vec<(String, ElementType)>),
}

impl ElementType {
    /// The scalar type named `name` in a claim mapping's `type`, or `None`.
    pub fn scalar(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            "date" => Self::Date,
            "dateTime" => Self::DateTime,
            "bytes" => Self::Bytes,
            _ => return None,
        })
    }

    /// Every type name a claim mapping may use.
    pub const NAMES: [&'static str; 9] = [
        "string", "integer", "number", "boolean", "date", "dateTime", "bytes", "array", "object",
    ];
}

/// The types ISO/IEC 18013-5 §7.2.1 gives the mDL data elements (namespace `org.iso.18013.5.1`),
/// used when a mapping declares none.
pub fn iso_mdl_type(namespace: &str, element: &str) -> Option<ElementType> {
    if namespace != "org.iso.18013.5.1" {
        return None;
    }
    let date = || ElementType::Date;
    Some(match element {
        "birth_date" | "issue_date" | "expiry_date" => date(),
        "portrait" | "signature_usual_mark" => ElementType::Bytes,
        "portrait_capture_date" => ElementType::DateTime,
        "sex" | "height" | "weight" | "age_in_years" | "age_birth_year" => ElementType::Integer,
        "driving_privileges" => ElementType::Array(Box::new(ElementType::Object(vec![
            ("vehicle_category_code".into(), ElementType::String),
            ("issue_date".into(), date()),
            ("expiry_date".into(), date()),
        ]))),
        e if e.starts_with("age_over_") => ElementType::Boolean,
        e if e.starts_with("biometric_template_") => ElementType::Bytes,
        "family_name"
        | "given_name"
        | "issuing_country"
        | "issuing_authority"
        | "document_number"
        | "un_distinguishing_sign"
        | "administrative_number"
        | "eye_colour"
        | "hair_colour"
        | "birth_place"
        | "resident_address"
        | "resident_city"
        | "resident_state"
        | "resident_postal_code"
        | "resident_country"
        | "nationality"
        | "issuing_jurisdiction"
        | "family_name_national_character"
        | "given_name_national_character" => ElementType::String,
        _ => return None,
    })
}

/// Converts a JSON value to the CBOR value of `ty`; the error says what was expected.
pub fn to_cbor(value: &Json, ty: &ElementType) -> Result<Value, String> {
    let fail = |what: &str| Err(format!("must be {what}"));
    match (ty, value) {
        (ElementType::String, Json::String(s)) => Ok(Value::Text(s.clone())),
        (ElementType::String, _) => fail("a string"),
        (ElementType::Boolean, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (ElementType::Boolean, _) => fail("a boolean"),
        (ElementType::Integer, Json::Number(n)) => match integer(n) {
            Some(v) => Ok(v),
            None => fail("a whole number"),
        },
        (ElementType::Integer, _) => fail("a whole number"),
        (ElementType::Number | ElementType::Any, Json::Number(n)) => {
            Ok(integer(n).unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or_default())))
        }
        (ElementType::Number, _) => fail("a number"),
        (ElementType::Date, Json::String(s)) => match full_date(s) {
            Some(date) => Ok(Value::Tag(TAG_FULL_DATE, Box::new(Value::Text(date)))),
            None => fail("a date (YYYY-MM-DD)"),
        },
        (ElementType::Date, _) => fail("a date (YYYY-MM-DD)"),
        (ElementType::DateTime, Json::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => {
                Ok(tdate(t.unix_timestamp()).map_err(|_| "must be a representable date-time")?)
            }
            Err(_) => fail("an RFC 3339 date-time"),
        },
        (ElementType::DateTime, _) => fail("an RFC 3339 date-time"),
        (ElementType::Bytes, Json::String(s)) => match bytes(s) {
            Some(b) => Ok(Value::Bytes(b)),
            None => fail("base64 or base64url data (or a data: URL)"),
        },
        (ElementType::Bytes, _) => fail("base64 or base64url data (or a data: URL)"),
        (ElementType::Array(items), Json::Array(values)) => values
            .iter()
            .enumerate()
            .map(|(i, v)| to_cbor(v, items).map_err(|e| format!("[{i}] {e}")))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        (ElementType::Array(_), _) => fail("an array"),
        (ElementType::Object(members), Json::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let ty = members
                    .iter()
                    .find(|(name, _)| name == k)
                    .map_or(&ElementType::Any, |(_, t)| t);
                Ok((
                    Value::Text(k.clone()),
                    to_cbor(v, ty).map_err(|e| format!(".{k} {e}"))?,
                ))
            })
            .collect::<Result<_, String>>()
            .map(Value::Map),
        (ElementType::Object(_), _) => fail("an object"),
        (ElementType::Any, Json::String(s)) => Ok(Value::Text(s.clone())),
        (ElementType::Any, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (ElementType::Any, Json::Array(_)) => {
            to_cbor(value, &ElementType::Array(Box::new(ElementType::Any)))
        }
        (ElementType::Any, Json::Object(_)) => to_cbor(value, &ElementType::Object(Vec::new())),
        (ElementType::Any, Json::Null) => Ok(Value::Null),
    }
}

fn integer(n: &serde_json::Number) -> Option<Value> {
    if let Some(i) = n.as_i64() {
        return Some(Value::Integer(i.into()));
    }
    if let Some(u) = n.as_u64() {
        return Some(Value::Integer(u.into()));
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then(|| Value::Integer((f as i64).into()))
}

fn full_date(s: &str) -> Option<String> {
    let format = format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s, format).ok()?;
    // Four-digit years only: `full-date` is RFC 3339's.
    (s.len() == 10 && (0..=9999).contains(&date.year())).then(|| s.to_string())
}

fn bytes(s: &str) -> Option<Vec<u8>> {
    let data = match s.strip_prefix("data:") {
        Some(rest) => rest.split_once(";base64,")?.1,
        None => s,
    };
    let data: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(&data).ok())
}

/// `tdate` for a Unix time: `#6.0("YYYY-MM-DDThh:mm:ssZ")`.
pub fn tdate(unix: i64) -> Result<Value, CryptoError> {
    Ok(Value::Tag(
        0,
        Box::new(Value::Text(crate::date_time(unix)?)),
    ))
}

/// One data element with its CBOR value.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// `elementIdentifier`.
    pub identifier: String,
    /// `elementValue`.
    pub value: Value,
}

/// The MSO's `validityInfo`, Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// When the MSO was signed.
    pub signed: i64,
    /// Not valid before.
    pub valid_from: i64,
    /// Not valid after.
    pub valid_until: i64,
}

/// What one mdoc is made of.
#[derive(Debug)]
pub struct MdocIssuance<'a> {
    /// `docType`.
    pub doctype: &'a str,
    /// Namespace → elements, in order.
    pub namespaces: &'a [(String, Vec<Element>)],
    /// The device key (from the key proof).
    pub holder: &'a HolderKey,
    /// Validity.
    pub validity: Validity,
    /// Randomness for salts and digest IDs.
    pub rng: &'a dyn SecureRandom,
    /// The MSO's `status` (a Token Status List entry), for a revocable configuration.
    pub status: Option<&'a crate::status_list::StatusReference>,
}

/// An issued mdoc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedMdoc {
    /// base64url(CBOR(IssuerSigned)): the credential as the credential endpoint sends it.
    pub credential: String,
    /// SHA-256 of the signed `MobileSecurityObjectBytes`: identifies the MSO.
    pub mso_digest: [u8; 32],
}

fn encode(value: &Value) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|_| CryptoError::Sign)?;
    Ok(out)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn embedded(bytes: Vec<u8>) -> Value {
    Value::Tag(TAG_ENCODED_CBOR, Box::new(Value::Bytes(bytes)))
}

/// The holder's public key as a COSE_Key (RFC 9053 §7.1 EC2, §7.2 OKP).
pub fn cose_key(holder: &HolderKey) -> Result<Value, CryptoError> {
    let member = |name: &str| {
        holder
            .jwk
            .get(name)
            .and_then(Json::as_str)
            .and_then(b64url::decode)
            .ok_or(CryptoError::Key("holder key"))
    };
    let int = |i: i64| Value::Integer(i.into());
    let crv = holder.jwk.get("crv").and_then(Json::as_str);
    Ok(match crv {
        Some("P-256") => Value::Map(vec![
            (int(1), int(2)),
            (int(-1), int(1)),
            (int(-2), Value::Bytes(member("x")?)),
            (int(-3), Value::Bytes(member("y")?)),
        ]),
        Some("Ed25519") => Value::Map(vec![
            (int(1), int(1)),
            (int(-1), int(6)),
            (int(-2), Value::Bytes(member("x")?)),
        ]),
        _ => return Err(CryptoError::Key("holder key curve")),
    })
}

/// Digest IDs for `n` elements: distinct and random, so they reveal neither the number nor the
/// order of the elements in the MSO.
fn digest_ids(n: usize, rng: &dyn SecureRandom) -> Result<Vec<u32>, CryptoError> {
    let mut ids: Vec<u32> = Vec::with_capacity(n);
    while ids.len() < n {
        let id = u32::from_be_bytes(random_array::<4>(rng)?) & 0x7fff_ffff;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Prepares one mdoc for signing. `key` is the Document Signer: ES256, with its certificate as
/// the first entry of its chain.
pub fn prepare(
    m: &MdocIssuance<'_>,
    key: &PublicSigningKey,
) -> Result<Unsigned<IssuedMdoc>, CryptoError> {
    if key.algorithm != sigil_crypto::SigningAlgorithm::Es256 {
        return Err(CryptoError::Key("mdoc Document Signer must be ES256"));
    }
    let mut name_spaces = Vec::with_capacity(m.namespaces.len());
    let mut value_digests = Vec::with_capacity(m.namespaces.len());
    for (namespace, elements) in m.namespaces {
        let ids = digest_ids(elements.len(), m.rng)?;
        let mut items = Vec::with_capacity(elements.len());
        let mut digests = Vec::with_capacity(elements.len());
        for (element, id) in elements.iter().zip(ids) {
            let salt = random_array::<SALT_BYTES>(m.rng)?;
            let item = Value::Map(vec![
                (text("digestID"), Value::Integer(id.into())),
                (text("random"), Value::Bytes(salt.to_vec())),
                (text("elementIdentifier"), text(&element.identifier)),
                (text("elementValue"), element.value.clone()),
            ]);
            let wrapped = embedded(encode(&item)?);
            digests.push((
                Value::Integer(id.into()),
                Value::Bytes(sha256(&encode(&wrapped)?).to_vec()),
            ));
            items.push(wrapped);
        }
        name_spaces.push((text(namespace), Value::Array(items)));
        value_digests.push((text(namespace), Value::Map(digests)));
    }
    let mut mso = vec![
        (text("version"), text("1.0")),
        (text("digestAlgorithm"), text(DIGEST_ALGORITHM)),
        (text("valueDigests"), Value::Map(value_digests)),
        (
            text("deviceKeyInfo"),
            Value::Map(vec![(text("deviceKey"), cose_key(m.holder)?)]),
        ),
        (text("docType"), text(m.doctype)),
        (
            text("validityInfo"),
            Value::Map(vec![
                (text("signed"), tdate(m.validity.signed)?),
                (text("validFrom"), tdate(m.validity.valid_from)?),
                (text("validUntil"), tdate(m.validity.valid_until)?),
            ]),
        ),
    ];
    // ISO/IEC 18013-5 second edition: the MSO's `status` references a Token Status List.
    if let Some(status) = m.status.and_then(|s| s.token_cbor()) {
        mso.push((text("status"), status));
    }
    let mso = Value::Map(mso);
    let payload = encode(&embedded(encode(&mso)?))?;
    let mso_digest = sha256(&payload);
    let x5chain = match key.certificate_chain.as_slice() {
        [] => return Err(CryptoError::Key("mdoc Document Signer has no certificate")),
        [one] => Value::Bytes(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::Bytes).collect()),
    };
    let mut sign1 = CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::ES256)
                .build(),
        )
        .unprotected(HeaderBuilder::new().value(X5CHAIN, x5chain).build())
        .payload(payload)
        .build();
    let message = sign1.tbs_data(&[]);
    Ok(Unsigned::new(key.algorithm, message, move |signature| {
        sign1.signature = signature;
        let issuer_auth =
            coset::AsCborValue::to_cbor_value(sign1).map_err(|_| CryptoError::Sign)?;
        let issuer_signed = Value::Map(vec![
            (text("nameSpaces"), Value::Map(name_spaces)),
            (text("issuerAuth"), issuer_auth),
        ]);
        Ok(IssuedMdoc {
            credential: b64url::encode(encode(&issuer_signed)?),
            mso_digest,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sigil_crypto::{SigningAlgorithm, SoftwareSigner, SystemRandom, generate_pkcs8};

    fn holder() -> HolderKey {
        let signer = SoftwareSigner::from_pkcs8(
            SigningAlgorithm::Es256,
            &generate_pkcs8(SigningAlgorithm::Es256).unwrap(),
        )
        .unwrap();
        let jwk = serde_json::to_value(signer.public_jwk()).unwrap();
        HolderKey::from_jwk(jwk.as_object().unwrap()).unwrap()
    }

    fn issue(m: &MdocIssuance<'_>, signer: &SoftwareSigner) -> Result<IssuedMdoc, CryptoError> {
        let key = signer
            .public()
            .with_certificate_chain(vec![b"not really a certificate".to_vec()]);
        signer.sign_prepared(prepare(m, &key)?)
    }

    fn ds() -> SoftwareSigner {
        SoftwareSigner::from_pkcs8(
            SigningAlgorithm::Es256,
            &generate_pkcs8(SigningAlgorithm::Es256).unwrap(),
        )
        .unwrap()
    }

    fn decode(bytes: &[u8]) -> Value {
        ciborium::from_reader(bytes).unwrap()
    }

    fn get<'a>(map: &'a Value, key: &str) -> &'a Value {
        map.as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
            .unwrap()
    }

    fn unwrap24(v: &Value) -> Value {
        match v {
            Value::Tag(24, inner) => decode(inner.as_bytes().unwrap()),
            other => panic!("not tag 24: {other:?}"),
        }
    }

    #[test]
    fn values_are_typed_for_cbor() {
        let date = to_cbor(&json!("1815-12-10"), &ElementType::Date).unwrap();
        assert_eq!(date, Value::Tag(1004, Box::new(text("1815-12-10"))));
        assert!(to_cbor(&json!("1815-13-10"), &ElementType::Date).is_err());
        assert!(to_cbor(&json!("1815-12-10T00:00:00Z"), &ElementType::Date).is_err());
        let dt = to_cbor(
            &json!("2026-01-02T03:04:05.678+01:00"),
            &ElementType::DateTime,
        )
        .unwrap();
        assert_eq!(dt, Value::Tag(0, Box::new(text("2026-01-02T02:04:05Z"))));
        assert_eq!(
            to_cbor(&json!("AQID/w=="), &ElementType::Bytes).unwrap(),
            Value::Bytes(vec![1, 2, 3, 255])
        );
        assert_eq!(
            to_cbor(&json!("data:image/jpeg;base64,AQID_w"), &ElementType::Bytes).unwrap(),
            Value::Bytes(vec![1, 2, 3, 255])
        );
        assert!(to_cbor(&json!("not base64!"), &ElementType::Bytes).is_err());
        assert_eq!(
            to_cbor(&json!(170.0), &ElementType::Integer).unwrap(),
            Value::Integer(170.into())
        );
        assert!(to_cbor(&json!(170.5), &ElementType::Integer).is_err());
        assert!(to_cbor(&json!("170"), &ElementType::Integer).is_err());
        let privileges = to_cbor(
            &json!([{"vehicle_category_code": "B", "issue_date": "2026-01-15", "codes": [{"code": "78"}]}]),
            &iso_mdl_type("org.iso.18013.5.1", "driving_privileges").unwrap(),
        )
        .unwrap();
        let first = &privileges.as_array().unwrap()[0];
        assert_eq!(
            get(first, "issue_date"),
            &Value::Tag(1004, Box::new(text("2026-01-15")))
        );
        assert_eq!(get(first, "vehicle_category_code"), &text("B"));
        let err = to_cbor(
            &json!([{"issue_date": "soon"}]),
            &iso_mdl_type("org.iso.18013.5.1", "driving_privileges").unwrap(),
        )
        .unwrap_err();
        assert_eq!(err, "[0] .issue_date must be a date (YYYY-MM-DD)");
    }

    #[test]
    fn the_mso_covers_every_item_and_the_signature_verifies() {
        let holder = holder();
        let signer = ds();
        let namespaces = vec![(
            "org.iso.18013.5.1".to_string(),
            vec![
                Element {
                    identifier: "family_name".into(),
                    value: text("Lovelace"),
                },
                Element {
                    identifier: "portrait".into(),
                    value: Value::Bytes(vec![0xff, 0xd8]),
                },
            ],
        )];
        let m = MdocIssuance {
            doctype: "org.iso.18013.5.1.mDL",
            namespaces: &namespaces,
            holder: &holder,
            validity: Validity {
                signed: 1_800_000_000,
                valid_from: 1_800_000_000,
                valid_until: 1_800_086_400,
            },
            rng: &SystemRandom::new(),
            status: None,
        };
        let issued = issue(&m, &signer).unwrap();
        let issuer_signed = decode(&b64url::decode(&issued.credential).unwrap());
        let auth = get(&issuer_signed, "issuerAuth").as_array().unwrap();
        assert_eq!(auth.len(), 4, "untagged COSE_Sign1");
        let protected = decode(auth[0].as_bytes().unwrap());
        assert_eq!(
            protected,
            Value::Map(vec![(
                Value::Integer(1.into()),
                Value::Integer((-7).into())
            )])
        );
        let x5chain = &auth[1].as_map().unwrap()[0];
        assert_eq!(x5chain.0, Value::Integer(33.into()));
        assert_eq!(
            x5chain.1,
            Value::Bytes(b"not really a certificate".to_vec())
        );
        let payload = auth[2].as_bytes().unwrap();
        assert_eq!(sha256(payload), issued.mso_digest);
        let mso = unwrap24(&decode(payload));
        assert_eq!(get(&mso, "version"), &text("1.0"));
        assert_eq!(get(&mso, "digestAlgorithm"), &text("SHA-256"));
        assert_eq!(get(&mso, "docType"), &text("org.iso.18013.5.1.mDL"));
        let validity = get(&mso, "validityInfo");
        assert_eq!(
            get(validity, "validUntil"),
            &Value::Tag(0, Box::new(text("2027-01-16T08:00:00Z")))
        );
        let key = get(get(&mso, "deviceKeyInfo"), "deviceKey")
            .as_map()
            .unwrap();
        let x = b64url::decode(holder.jwk["x"].as_str().unwrap()).unwrap();
        assert!(key.contains(&(Value::Integer((-2).into()), Value::Bytes(x))));
        let digests = get(get(&mso, "valueDigests"), "org.iso.18013.5.1")
            .as_map()
            .unwrap();
        let items = get(get(&issuer_signed, "nameSpaces"), "org.iso.18013.5.1")
            .as_array()
            .unwrap();
        assert_eq!(items.len(), 2);
        for wrapped in items {
            let item = unwrap24(wrapped);
            assert!(get(&item, "random").as_bytes().unwrap().len() >= 16);
            let id = get(&item, "digestID").clone();
            let digest = sha256(encode(wrapped).unwrap()).to_vec();
            assert!(digests.contains(&(id, Value::Bytes(digest))));
        }
        // The ES256 signature over Sig_structure verifies with the DS public key.
        let sign1 = <coset::CoseSign1 as coset::AsCborValue>::from_cbor_value(
            get(&issuer_signed, "issuerAuth").clone(),
        )
        .unwrap();
        let jwk = serde_json::to_value(signer.public_jwk()).unwrap();
        let ds_key = HolderKey::from_jwk(jwk.as_object().unwrap()).unwrap();
        sign1
            .verify_signature(&[], |sig, data| {
                if ds_key.verify("ES256", data, sig) {
                    Ok(())
                } else {
                    Err(())
                }
            })
            .unwrap();
    }

    #[test]
    fn salts_and_digest_ids_are_fresh() {
        let holder = holder();
        let signer = ds();
        let elements: Vec<Element> = (0..20)
            .map(|i| Element {
                identifier: format!("e{i}"),
                value: Value::Integer(1.into()),
            })
            .collect();
        let namespaces = vec![("ns".to_string(), elements)];
        let mut salts = std::collections::HashSet::new();
        let mut msos = std::collections::HashSet::new();
        for _ in 0..10 {
            let m = MdocIssuance {
                doctype: "org.example.test",
                namespaces: &namespaces,
                holder: &holder,
                validity: Validity {
                    signed: 1_800_000_000,
                    valid_from: 1_800_000_000,
                    valid_until: 1_800_000_001,
                },
                rng: &SystemRandom::new(),
                status: None,
            };
            let issued = issue(&m, &signer).unwrap();
            assert!(msos.insert(issued.mso_digest));
            let issuer_signed = decode(&b64url::decode(&issued.credential).unwrap());
            let items = get(get(&issuer_signed, "nameSpaces"), "ns")
                .as_array()
                .unwrap();
            let mut ids = std::collections::HashSet::new();
            for wrapped in items {
                let item = unwrap24(wrapped);
                assert!(salts.insert(get(&item, "random").as_bytes().unwrap().clone()));
                assert!(ids.insert(i128::from(get(&item, "digestID").as_integer().unwrap())));
            }
        }
        assert_eq!(
            salts.len(),
            200,
            "every salt is unique across elements and issuances"
        );
        assert_eq!(msos.len(), 10, "10 distinct MSOs");
    }
}
