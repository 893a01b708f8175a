//! A minimal test wallet: a holder key, key proofs, and the pre-authorized flow over HTTP.

use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use sigil_crypto::{HolderKey, SigningAlgorithm, SoftwareSigner, b64url, generate_pkcs8};

use crate::helpers::{Reply, TestApp, reply};

pub struct Wallet {
    pub signer: SoftwareSigner,
    pub jwk: Map<String, Value>,
}

impl Wallet {
    pub fn new(alg: SigningAlgorithm) -> Self {
        let signer = SoftwareSigner::from_pkcs8(alg, &generate_pkcs8(alg).unwrap()).unwrap();
        let jwk = signer.public_jwk().key_members();
        Self { signer, jwk }
    }

    pub fn holder(&self) -> HolderKey {
        HolderKey::from_jwk(&self.jwk).unwrap()
    }

    /// Signs any header and claims with the wallet key.
    pub fn jws(&self, header: Value, claims: Value) -> String {
        let input = format!(
            "{}.{}",
            b64url::encode(serde_json::to_vec(&header).unwrap()),
            b64url::encode(serde_json::to_vec(&claims).unwrap())
        );
        let sig = self.signer.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", b64url::encode(sig))
    }

    pub fn alg(&self) -> &'static str {
        self.signer.algorithm().jose_name()
    }

    /// A DPoP proof (RFC 9449 §4.2) for `htm` `htu`, with `ath` for `access_token` and `nonce`.
    pub fn dpop(
        &self,
        htm: &str,
        htu: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> String {
        let mut claims = json!({"jti": jti(), "htm": htm, "htu": htu, "iat": now()});
        if let Some(token) = access_token {
            claims["ath"] = json!(b64url::encode(sigil_crypto::sha256(token.as_bytes())));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.jws(
            json!({"typ": "dpop+jwt", "alg": self.alg(), "jwk": self.jwk}),
            claims,
        )
    }

    /// A valid key proof for `aud` and `nonce`.
    pub fn proof(&self, aud: &str, nonce: &str) -> String {
        self.jws(
            json!({"typ": "openid4vci-proof+jwt", "alg": self.alg(), "jwk": self.jwk}),
            json!({"aud": aud, "iat": now(), "nonce": nonce}),
        )
    }
}

/// A fresh random `jti`.
pub fn jti() -> String {
    sigil_crypto::random_token(&sigil_crypto::SystemRandom::new(), "").unwrap()
}

pub fn now() -> i64 {
    #[allow(clippy::disallowed_methods)]
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    d.as_secs() as i64
}

/// The credential offer inside an offer URI (by value).
pub fn offer_of(uri: &str) -> Value {
    let query = uri.split_once('?').unwrap().1;
    let (name, value) = url::form_urlencoded::parse(query.as_bytes())
        .next()
        .unwrap();
    assert_eq!(name, "credential_offer");
    serde_json::from_str(&value).unwrap()
}

/// A pre-authorized code token request's form.
pub fn pre_authorized_form(code: &str) -> [(&'static str, &str); 2] {
    [
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        ),
        ("pre-authorized_code", code),
    ]
}

pub fn pre_authorized_code(uri: &str) -> String {
    offer_of(uri)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_string()
}

impl TestApp {
    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        reply(self.client.post(self.url("/v1/oauth/token")).form(form)).await
    }

    pub async fn redeem(&self, code: &str, tx: Option<&str>) -> Reply {
        let mut form = vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            ("pre-authorized_code", code),
        ];
        if let Some(tx) = tx {
            form.push(("tx_code", tx));
        }
        self.token(&form).await
    }

    pub async fn c_nonce(&self) -> String {
        let r = reply(self.client.post(self.url("/v1/openid/nonce"))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["c_nonce"].as_str().unwrap().to_string()
    }

    pub async fn credential(&self, access_token: &str, body: Value) -> Reply {
        reply(
            self.client
                .post(self.url("/v1/openid/credential"))
                .bearer_auth(access_token)
                .json(&body),
        )
        .await
    }

    /// Creates a credential configuration and returns its id.
    pub async fn configuration(&self, body: Value) -> String {
        let r = self
            .post("/v1/openid/credential-configurations", body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// Creates a pre-authorized offer.
    pub async fn offer(&self, body: Value) -> Reply {
        let r = self.post("/v1/openid/offers/pre-authorized", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r
    }

    /// A Bearer access token for a fresh offer of `config` with `claims`, and the offer's user.
    pub async fn access_token(&self, config: &str, claims: Value) -> (String, String) {
        let offer = self
            .offer(json!({"credentials": [config], "claims": claims}))
            .await;
        let token = self
            .redeem(
                &pre_authorized_code(offer.body["uri"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(token.status, StatusCode::OK, "{}", token.text);
        (
            token.body["access_token"].as_str().unwrap().to_string(),
            offer.body["userId"].as_str().unwrap().to_string(),
        )
    }

    /// Runs offer → token → nonce → proof → credential; returns the credential response.
    pub async fn full_flow(&self, wallet: &Wallet, configuration_id: &str, offer: Value) -> Reply {
        let created = self.offer(offer).await;
        let code = pre_authorized_code(created.body["uri"].as_str().unwrap());
        let tx = created.body.get("transactionCode").map(|t| {
            t.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| t.to_string())
        });
        let token = self.redeem(&code, tx.as_deref()).await;
        assert_eq!(token.status, StatusCode::OK, "{}", token.text);
        let access = token.body["access_token"].as_str().unwrap().to_string();
        let nonce = self.c_nonce().await;
        self.credential(
            &access,
            json!({"credential_configuration_id": configuration_id, "proofs": {"jwt": [wallet.proof(&self.base, &nonce)]}}),
        )
        .await
    }
}

/// Verifies an issuer-signed JWT against the JWKS; returns (header, payload).
pub fn verify_issuer_jwt(jwt: &str, jwks: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let jws = sigil_crypto::CompactJws::parse(jwt).unwrap();
    let kid = jws.header_str("kid").unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("kid resolves in the JWKS");
    let mut public = key.as_object().unwrap().clone();
    for extra in ["kid", "alg", "use"] {
        public.remove(extra);
    }
    let holder = HolderKey::from_jwk(&public).unwrap();
    assert!(
        holder.verify(
            jws.header_str("alg").unwrap(),
            jws.signing_input.as_bytes(),
            &jws.signature
        ),
        "issuer signature verifies"
    );
    (jws.header, jws.payload)
}
