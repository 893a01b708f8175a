"""Cross-checks every credential the Node suite obtained, with jwcrypto (a third, independent
JOSE implementation): issuer signatures against Sigil's published keys, holder binding, SD-JWT
disclosure digests, and the key-binding JWT of each SD-JWT presentation. mso_mdoc credentials
go through pymdoccbor (issuer signature and DS certificate against the recorded IACAs, element
digests), with the MSO, the device key and every element value checked here. cwt_vc and cwt
credentials (COSE_Sign1-signed CWTs) go through Python `cwt` 3.3.0 against the issuer key in
/v1/oauth/jwks that the protected kid names, with the CWT claims, cnf and claims checked here.
The CWT status list tokens tests/status.test.js fetched (status-lists.jsonl: before and after a
revocation) go through `cwt` too, against the issuer key their x5chain certifies, and the status of
the credential each names is read from the zlib-compressed list here."""
import base64
import datetime
import hashlib
import json
import logging
import os
import re
import sys
import urllib.request
import zlib
from collections.abc import Mapping

import cbor2
import cwt
from cwt import COSE, Claims, COSEKey, VerifyError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from jwcrypto import jwk, jws
from pymdoccbor.mdoc.issuersigned import IssuerSigned

URL = os.environ["SIGIL_URL"]
OUT = os.environ["SIGIL_INTEROP_OUT"]


def fetch(path):
    with urllib.request.urlopen(URL + path) as r:
        return json.load(r)


def fetch_bytes(path):
    with urllib.request.urlopen(URL + path) as r:
        return r.read()


# The Token Status List reference (draft-ietf-oauth-status-list) a revocable configuration's
# credentials carry: {"status_list": {"idx": uint, "uri": "<issuer>/v1/status-lists/<listId>"}}.
CWT_STATUS = 65535
LIST_URI = re.compile("^" + re.escape(URL) + r"/v1/status-lists/[A-Za-z0-9._~-]+$")


def check_status_ref(status, where):
    """A `status` claim (JSON or CBOR with text keys) → (idx, uri), checked."""
    assert isinstance(status, Mapping) and set(status) == {"status_list"}, f"{where}: {{status_list}}: {status!r}"
    ref = status["status_list"]
    assert isinstance(ref, Mapping) and set(ref) == {"idx", "uri"}, f"{where}.status_list has idx and uri: {ref!r}"
    idx, uri = ref["idx"], ref["uri"]
    assert type(idx) is int and idx >= 0, f"{where}.status_list.idx is an unsigned int: {idx!r}"
    assert isinstance(uri, str) and LIST_URI.match(uri), f"{where}.status_list.uri is a Sigil status list: {uri!r}"
    return idx, uri


def b64json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def verify_jws(token, key):
    obj = jws.JWS()
    obj.deserialize(token)
    obj.verify(key)
    return json.loads(obj.payload)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def typed(v):
    """A decoded CBOR value in the suite's typed JSON (see lib/mdoc.js mdlExpected)."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return {"$float": v}
    if isinstance(v, datetime.datetime):
        return {"$tdate": v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if isinstance(v, datetime.date):  # cbor2 decodes full-date (tag 1004) to a date
        return {"$date": v.isoformat()}
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, cbor2.CBORTag):
        return {"$tag": v.tag, "value": typed(v.value)}
    if isinstance(v, (list, tuple)):
        return [typed(x) for x in v]
    if isinstance(v, Mapping):
        return {k: typed(x) for k, x in v.items()}
    raise AssertionError(f"unexpected CBOR value {v!r}")


def check_mdoc(entry):
    """pymdoccbor 1.4.0: COSE signature + DS certificate against the recorded IACAs, element
    digests; then the MSO, the device key and the element values."""
    issuer_signed = cbor2.loads(b64url_decode(entry["credential"]))
    assert set(issuer_signed) == {"nameSpaces", "issuerAuth"}, set(issuer_signed)
    issuer_auth = issuer_signed["issuerAuth"]
    assert isinstance(issuer_auth, (list, tuple)) and len(issuer_auth) == 4, "issuerAuth is an untagged COSE_Sign1"
    assert isinstance(issuer_auth[1].get(33), bytes), "x5chain is one bstr in the unprotected header"
    roots = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in entry["iacas"]]
    signed = IssuerSigned(**issuer_signed)
    mso_verifier = signed.issuer_auth
    assert mso_verifier.verify_signature(trusted_root_certs=roots), "issuerAuth signature"
    ds = mso_verifier.x509_certificates[0]
    root = mso_verifier.verified_root
    assert root is not None and ds.issuer == root.subject, "the DS certificate is issued by a trusted IACA"
    mso = mso_verifier.payload_as_dict
    assert mso["version"] == "1.0", mso["version"]
    assert mso["digestAlgorithm"] == "SHA-256", mso["digestAlgorithm"]
    assert mso["docType"] == entry["doctype"], mso["docType"]
    now = datetime.datetime.now(datetime.timezone.utc)
    validity = mso["validityInfo"]
    assert validity["signed"] <= now, "validityInfo.signed <= now"
    assert validity["validFrom"] <= now < validity["validUntil"], "validFrom <= now < validUntil"
    assert ds.not_valid_before_utc <= validity["signed"] <= ds.not_valid_after_utc, "signed within the DS validity"
    if "status" in mso:  # a revocable configuration's mdoc
        check_status_ref(mso["status"], "MSO status")

    namespaces = signed.namespaces
    expected = entry["expected"]
    assert set(namespaces) == set(expected) == set(mso["valueDigests"]), "namespaces"
    hashes_ok = mso_verifier.verify_element_hashes(namespaces)
    n_items = sum(len(items) for items in namespaces.values())
    assert hashes_ok["valid"], f"element digests: {hashes_ok['failed']}"
    assert hashes_ok["total"] == hashes_ok["verified"] == n_items, hashes_ok

    device_key = mso["deviceKeyInfo"]["deviceKey"]
    holder = entry["holder_jwk"]
    assert device_key[1] == 2 and device_key[-1] == 1, "COSE_Key EC2 P-256"
    assert device_key[-2] == b64url_decode(holder["x"]), "deviceKey x is the holder's"
    assert device_key[-3] == b64url_decode(holder["y"]), "deviceKey y is the holder's"
    assert -4 not in device_key, "no private key"

    for ns, items in namespaces.items():
        values = {}
        digest_ids = set()
        for tagged in items:
            assert isinstance(tagged, cbor2.CBORTag) and tagged.tag == 24, "items are #6.24(bstr)"
            item = cbor2.loads(tagged.value)
            assert len(item["random"]) >= 16, "random >= 16 bytes"
            values[item["elementIdentifier"]] = typed(item["elementValue"])
            digest_ids.add(item["digestID"])
        assert len(values) == len(digest_ids) == len(items), f"{ns}: unique element identifiers and digestIDs"
        assert digest_ids == set(mso["valueDigests"][ns]), f"{ns}: valueDigests has exactly the issued digestIDs"
        assert values == expected[ns], f"{ns}: {values} != {expected[ns]}"
    issuing_country = expected.get("org.iso.18013.5.1", {}).get("issuing_country")
    if issuing_country is not None:
        country = [a.value for a in ds.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)]
        assert country == [issuing_country], f"DS subject C {country} is the issuing_country"


def tamper_mdoc(entry):
    """The same mdoc with family_name changed in its IssuerSignedItem (MSO untouched)."""
    issuer_signed = dict(cbor2.loads(b64url_decode(entry["credential"])))
    namespaces = {ns: list(items) for ns, items in issuer_signed["nameSpaces"].items()}
    for ns, items in namespaces.items():
        for i, tagged in enumerate(items):
            item = dict(cbor2.loads(tagged.value))
            if item["elementIdentifier"] == "family_name":
                item["elementValue"] = "Byron"
                items[i] = cbor2.CBORTag(24, cbor2.dumps(item))
    issuer_signed["nameSpaces"] = namespaces
    tampered = dict(entry)
    tampered["credential"] = base64.urlsafe_b64encode(cbor2.dumps(issuer_signed)).rstrip(b"=").decode()
    assert tampered["credential"] != entry["credential"]
    return tampered


def foreign_iaca(entry):
    """The same mdoc, trusting only a fresh self-signed P-256 CA with the same subject DN."""
    real = x509.load_der_x509_certificate(base64.b64decode(entry["iacas"][0]))
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(real.subject).issuer_name(real.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    other = dict(entry)
    other["iacas"] = [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]
    return other


CWT_FORMATS = ("cwt_vc", "cwt")
VC_CONTEXT = "https://www.w3.org/2018/credentials/v1"


def did_jwk(jwk_):
    """The holder's did:jwk, built as lib/sigil.js didJwkOf does (kty, crv, x, y; compact JSON)."""
    member = {m: jwk_[m] for m in ("kty", "crv", "x", "y")}
    return "did:jwk:" + b64url(json.dumps(member, separators=(",", ":")).encode())


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cwt_issuer_jwk(entry, jwks):
    """The protected header of a cwt_vc / cwt credential and the JWKS key its kid names."""
    outer = cbor2.loads(b64url_decode(entry["credential"]))
    assert isinstance(outer, cbor2.CBORTag) and outer.tag == 18, "a COSE_Sign1 tagged 18"
    protected = cbor2.loads(outer.value[0])
    assert protected == {1: -7, 4: protected.get(4)} and isinstance(protected[4], bytes), f"protected header {{1: -7, 4: kid}}: {protected}"
    assert outer.value[1] == {}, "unprotected header is {}"
    kid = protected[4].decode("utf-8")
    matching = [k for k in jwks if k.get("kid") == kid]
    assert len(matching) == 1, f"kid {kid!r} names one key in /v1/oauth/jwks"
    issuer_jwk = matching[0]
    assert issuer_jwk["kty"] == "EC" and issuer_jwk["crv"] == "P-256", "an ES256 issuer key"
    return kid, issuer_jwk


def check_cwt(entry, jwks, verify_with=None):
    """cwt 3.3.0: the COSE_Sign1 signature with the COSEKey built from the JWK the kid names (or
    `verify_with`, for the negative cases), then the CWT claims, cnf and mapped claims."""
    kid, issuer_jwk = cwt_issuer_jwk(entry, jwks)
    assert issuer_jwk.get("alg", "ES256") == "ES256", issuer_jwk.get("alg")
    key = verify_with or COSEKey.from_jwk(issuer_jwk)
    assert key.kid == kid.encode("utf-8") and key.kty == 2 and key.crv == 1, "an EC2 P-256 COSEKey with the kid"
    payload = cwt.decode(b64url_decode(entry["credential"]), key)  # verifies kid, signature, exp/nbf (60 s leeway)
    claims = Claims.new(payload)  # cwt's own type checks: iss/sub text, exp/nbf/iat numbers, cti bstr, cnf COSE_Key map
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    assert claims.iss == URL, claims.iss
    for name in ("exp", "nbf", "iat"):
        assert type(getattr(claims, name)) is int, f"{name} is an int"
    assert claims.iat <= now, "iat <= now"
    assert claims.nbf <= now, "nbf <= now"
    assert claims.exp > now, "exp > now"
    days = entry["expected"].get("validity_days")
    if days:
        assert abs(claims.exp - claims.iat - days * 86400) <= 86400, f"exp - iat is {days} days"
    assert isinstance(payload[7], bytes) and len(payload[7]) == 16, "cti is 16 bytes"
    holder = entry["holder_jwk"]
    cose_key = claims.cnf
    assert isinstance(cose_key, dict) and set(payload[8]) == {1}, "cnf is {1: COSE_Key}"
    assert set(cose_key) == {1, -1, -2, -3} and cose_key[1] == 2 and cose_key[-1] == 1, f"COSE_Key EC2 P-256 public: {set(cose_key)}"
    assert COSEKey.new(cose_key).kty == 2, "cwt accepts cnf as a COSE_Key"
    assert cose_key[-2] == b64url_decode(holder["x"]), "cnf x is the holder's"
    assert cose_key[-3] == b64url_decode(holder["y"]), "cnf y is the holder's"
    did = did_jwk(holder)
    assert claims.sub == did, f"sub {claims.sub} is the holder's did:jwk"
    expected = entry["expected"]
    text_keys = {k for k in payload if isinstance(k, str)}
    revocable = bool(expected.get("revocable"))
    assert (CWT_STATUS in payload) == revocable, f"the status claim ({CWT_STATUS}) is there if and only if the configuration is revocable"
    if revocable:
        check_status_ref(payload[CWT_STATUS], f"CWT claim {CWT_STATUS}")
    assert {k for k in payload if not isinstance(k, str)} - {CWT_STATUS} == {1, 2, 4, 5, 6, 7, 8}, "CWT claim keys"
    if entry["format"] == "cwt_vc":
        assert text_keys == {"vc"}, text_keys
        vc = payload["vc"]
        assert vc["@context"][0] == VC_CONTEXT, vc["@context"]
        assert "VerifiableCredential" in vc["type"] and expected["type"] in vc["type"], vc["type"]
        subject = dict(vc["credentialSubject"])
        assert subject.pop("id") == did, "credentialSubject.id is the holder's did:jwk"
    else:
        subject = {k: payload[k] for k in text_keys}
    assert subject == expected["claims"], f"{subject} != {expected['claims']}"


def other_es256_key(kid):
    """A fresh ES256 COSEKey (cwt's from_jwk) with the issuer's kid: only the signature can differ."""
    nums = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    other = {"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256",
             "x": b64url(nums.x.to_bytes(32, "big")), "y": b64url(nums.y.to_bytes(32, "big"))}
    return COSEKey.from_jwk(other)


def tamper_cwt(entry, change=True):
    """The same CWT with family_name changed in its payload (re-encoded), the protected header and
    the signature as issued. `change=False` re-encodes the payload unchanged (the control)."""
    outer = cbor2.loads(b64url_decode(entry["credential"]))
    payload = cbor2.loads(outer.value[2])
    if change:
        subject = payload["vc"]["credentialSubject"] if entry["format"] == "cwt_vc" else payload
        assert subject["family_name"] != "Byron"
        subject["family_name"] = "Byron"
    value = [outer.value[0], outer.value[1], cbor2.dumps(payload), outer.value[3]]
    tampered = dict(entry)
    tampered["credential"] = b64url(cbor2.dumps(cbor2.CBORTag(18, value)))
    assert (tampered["credential"] != entry["credential"]) == change
    return tampered


# ---------------------------------------------------------------------------------------------
# CWT status list tokens (draft-ietf-oauth-status-list §5.2), recorded by tests/status.test.js

STATUS_LIST_TYP = "application/statuslist+cwt"
CWT_TTL, CWT_STATUS_LIST = 65534, 65533


def credential_status_ref(entry):
    """The status reference of the credential a status-lists.jsonl line names (decoded here)."""
    raw = b64url_decode(entry["credential"])
    if entry["format"] == "mso_mdoc":
        issuer_auth = cbor2.loads(raw)["issuerAuth"]
        mso_bytes = cbor2.loads(issuer_auth[2])
        assert isinstance(mso_bytes, cbor2.CBORTag) and mso_bytes.tag == 24, "the MSO is #6.24(bstr)"
        mso = cbor2.loads(mso_bytes.value)
        assert "status" in mso, "the MSO of a revocable mdoc has status"
        return check_status_ref(mso["status"], "MSO status")
    outer = cbor2.loads(raw)
    claims = cbor2.loads(outer.value[2])
    assert CWT_STATUS in claims, f"a revocable {entry['format']} has claim {CWT_STATUS}"
    return check_status_ref(claims[CWT_STATUS], f"CWT claim {CWT_STATUS}")


def issuer_cas():
    """The issuer CA certificates Sigil publishes (/v1/oauth/issuer-ca.pem)."""
    return x509.load_pem_x509_certificates(fetch_bytes("/v1/oauth/issuer-ca.pem"))


def status_list_key(token, jwks, cas):
    """The protected header of a status list CWT, and the COSEKey (cwt's from_jwk) of the JWKS key
    its x5chain leaf certifies; the leaf must be issued (name and signature) by a published CA."""
    outer = cbor2.loads(token)
    assert isinstance(outer, cbor2.CBORTag) and outer.tag == 18, "a COSE_Sign1 tagged 18"
    protected = cbor2.loads(outer.value[0])
    assert protected.get(1) == -7, f"protected alg -7 (ES256): {protected}"
    assert protected.get(16) == STATUS_LIST_TYP, f"protected typ (16) is {STATUS_LIST_TYP}: {protected.get(16)!r}"
    chain = protected.get(33)
    chain = [chain] if isinstance(chain, bytes) else chain
    assert isinstance(chain, list) and chain and all(isinstance(c, bytes) for c in chain), "protected x5chain (33)"
    leaf = x509.load_der_x509_certificate(chain[0])
    now = datetime.datetime.now(datetime.timezone.utc)
    assert leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc, "the signer certificate is valid now"
    issued = []
    for ca in cas:
        try:
            leaf.verify_directly_issued_by(ca)
            issued.append(ca)
        except Exception:  # noqa: BLE001 (another CA of the bundle)
            pass
    assert issued, "the signer certificate is issued by a published issuer CA"
    nums = leaf.public_key().public_numbers()
    x, y = b64url(nums.x.to_bytes(32, "big")), b64url(nums.y.to_bytes(32, "big"))
    kid = protected.get(4, outer.value[1].get(4))
    matching = [k for k in jwks if k.get("kty") == "EC" and k.get("crv") == "P-256" and k["x"] == x and k["y"] == y]
    assert len(matching) == 1, "the signer certificate certifies one ES256 key in /v1/oauth/jwks"
    if kid is not None:
        assert matching[0].get("kid", "").encode() == kid, f"kid {kid!r} names the certified key"
    return protected, COSEKey.from_jwk(matching[0])


def token_status(lst, bits, idx):
    """Status `idx` of a Token Status List: zlib, `bits` per status, LSB first (§4.1)."""
    data = zlib.decompress(lst)  # zlib (RFC 1950) framing, as the draft requires
    per_byte = 8 // bits
    assert idx < len(data) * per_byte, f"idx {idx} within the list ({len(data) * per_byte} entries)"
    return (data[idx // per_byte] >> ((idx % per_byte) * bits)) & ((1 << bits) - 1)


def status_list_kid(entry):
    """The kid of a recorded status list token (protected, else unprotected), or a placeholder."""
    outer = cbor2.loads(b64url_decode(entry["token"]))
    kid = cbor2.loads(outer.value[0]).get(4, outer.value[1].get(4))
    return kid.decode("utf-8") if kid is not None else "status-list-signer"


def check_status_list(entry, jwks, cas, key=None):
    """cwt 3.3.0 verifies the status list CWT (signature, exp); then sub, iat, ttl, status_list, and
    the status of the credential at its idx, which must be what the Node test expected."""
    token = b64url_decode(entry["token"])
    idx, uri = credential_status_ref(entry)
    assert (idx, uri) == (entry["idx"], entry["uri"]), "the recorded reference is the credential's"
    protected, issuer_key = status_list_key(token, jwks, cas)
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    if 4 in protected:
        claims = cwt.decode(token, key or issuer_key)  # verifies kid, the signature and exp / nbf
    else:
        # cwt.decode insists on a kid (its CWT decoder is built with verify_kid=True); without one,
        # cwt's COSE layer verifies the COSE_Sign1 and exp is checked here.
        claims = cbor2.loads(COSE.new().decode(token, key or issuer_key))
        assert type(claims[4]) is int and claims[4] > now, "exp (4) is after now"
    assert claims[2] == uri, f"sub (2) is the list uri: {claims.get(2)!r}"
    assert type(claims[6]) is int and claims[6] <= now + 5, "iat (6) is an int, not in the future"
    assert type(claims[4]) is int and claims[4] > claims[6], "exp (4) is an int after iat"
    assert type(claims[CWT_TTL]) is int and claims[CWT_TTL] > 0, f"ttl ({CWT_TTL}) is a positive int"
    sl = claims[CWT_STATUS_LIST]
    assert isinstance(sl, Mapping) and sl.get("bits") == 2 and isinstance(sl.get("lst"), bytes), f"status_list ({CWT_STATUS_LIST}) is {{bits: 2, lst: bstr}}"
    status = token_status(sl["lst"], sl["bits"], idx)
    assert status == entry["expected"], f"{entry['format']}: status {status} at idx {idx}, expected {entry['expected']}"


def tamper_status_list(entry):
    """The same token with every status cleared (the list re-compressed), the signature as issued."""
    outer = cbor2.loads(b64url_decode(entry["token"]))
    claims = cbor2.loads(outer.value[2])
    lst = zlib.decompress(claims[CWT_STATUS_LIST]["lst"])
    claims[CWT_STATUS_LIST]["lst"] = zlib.compress(bytes(len(lst)))
    value = [outer.value[0], outer.value[1], cbor2.dumps(claims), outer.value[3]]
    tampered = dict(entry)
    tampered["token"] = b64url(cbor2.dumps(cbor2.CBORTag(18, value)))
    tampered["expected"] = 0
    return tampered


def check(entry, keys, jwks):
    fmt, credential = entry["format"], entry["credential"]
    if fmt == "mso_mdoc":
        return check_mdoc(entry)
    if fmt in CWT_FORMATS:
        return check_cwt(entry, jwks)
    jwt = credential.split("~")[0]
    header = b64json(jwt.split(".")[0])
    payload = verify_jws(jwt, keys[header["kid"]])
    assert payload["iss"] == URL, payload["iss"]
    if "status" in payload:  # a revocable configuration's credential
        check_status_ref(payload["status"], "status")
    holder = entry["holder_jwk"]
    for m in ("kty", "crv", "x", "y"):
        assert payload["cnf"]["jwk"][m] == holder[m], "cnf.jwk is the holder key"
    if fmt == "dc+sd-jwt":
        assert header["typ"] == "dc+sd-jwt"
        digests = set(payload["_sd"])
        for d in [d for d in credential.split("~")[1:] if d]:
            h = base64.urlsafe_b64encode(hashlib.sha256(d.encode()).digest()).rstrip(b"=").decode()
            assert h in digests, "disclosure digest referenced"
        presentation = entry["presentation"]
        kb = presentation.split("~")[-1]
        kb_payload = verify_jws(kb, jwk.JWK(**holder))
        sd_hash = base64.urlsafe_b64encode(
            hashlib.sha256(presentation[: presentation.rindex("~") + 1].encode()).digest()
        ).rstrip(b"=").decode()
        assert kb_payload["sd_hash"] == sd_hash, "KB-JWT sd_hash covers the presentation"
        assert b64json(kb.split(".")[0])["typ"] == "kb+jwt"
    else:
        assert header["typ"] == "JWT"
        assert "VerifiableCredential" in payload["vc"]["type"]
        assert payload["sub"] == payload["vc"]["credentialSubject"]["id"]


def main():
    jwks = fetch("/v1/oauth/jwks")["keys"]
    keys = {k["kid"]: jwk.JWK(**k) for k in jwks}
    passed = failed = 0
    path = os.path.join(OUT, "credentials.jsonl")
    with open(path) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    for entry in entries:
        try:
            check(entry, keys, jwks)
            passed += 1
        except Exception as e:  # report every failure, then fail
            failed += 1
            print(f"FAIL wallet {entry['wallet']} {entry['format']}: {e!r}", file=sys.stderr)
    jwts = [e for e in entries if e["format"] not in ("mso_mdoc", *CWT_FORMATS)]
    mdocs = [e for e in entries if e["format"] == "mso_mdoc"]
    cwts = {f: [e for e in entries if e["format"] == f] for f in CWT_FORMATS}
    # A tampered credential must fail: flip a payload character of the first JWT-based one.
    if jwts:
        tampered = dict(jwts[0])
        jwt = tampered["credential"].split("~")[0]
        h, p, s = jwt.split(".")
        p = p[:-2] + ("A" if p[-2] != "A" else "B") + p[-1]
        tampered["credential"] = ".".join([h, p, s]) + tampered["credential"][len(jwt):]
        try:
            check(tampered, keys, jwks)
            failed += 1
            print("FAIL a tampered credential verified", file=sys.stderr)
        except Exception:
            passed += 1
    # mso_mdoc negatives, each refused for its own reason: one element value changed (digest),
    # a foreign IACA with the same subject DN (pymdoccbor's chain check).
    negatives = (
        ("tampered element", tamper_mdoc, "element digests"),
        ("foreign IACA", foreign_iaca, "not signed by any trusted root"),
    )
    logging.getLogger("pymdoccbor").setLevel(logging.CRITICAL)  # the expected mismatches
    for name, bad, reason in negatives if mdocs else ():
        try:
            check(bad(mdocs[0]), keys, jwks)
            failed += 1
            print(f"FAIL an mdoc with a {name} verified", file=sys.stderr)
        except Exception as e:  # noqa: BLE001
            if reason in str(e):
                passed += 1
            else:
                failed += 1
                print(f"FAIL an mdoc with a {name} was refused for another reason: {e!r}", file=sys.stderr)
    # cwt_vc / cwt negatives, each refused by cwt's signature check (VerifyError): one claim
    # changed in the payload (re-encoding it unchanged must still verify, so the claim is what
    # breaks it), and the issuer's kid on another ES256 key.
    for fmt, found in cwts.items():
        if not found:
            continue
        entry = found[0]
        cases = (
            ("re-encoded unchanged payload", lambda: check(tamper_cwt(entry, change=False), keys, jwks), None),
            ("tampered claim", lambda: check(tamper_cwt(entry), keys, jwks), "Failed to verify"),
            ("foreign ES256 key", lambda: check_cwt(entry, jwks, verify_with=other_es256_key(cwt_issuer_jwk(entry, jwks)[0])), "Failed to verify"),
        )
        for name, run, reason in cases:
            try:
                run()
                ok = reason is None
                why = "verified" if not ok else ""
            except VerifyError as e:
                ok = reason is not None and reason in str(e)
                why = repr(e)
            except Exception as e:  # noqa: BLE001
                ok, why = False, repr(e)
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {fmt} {name}: {why or 'expected to fail with ' + repr(reason)}", file=sys.stderr)
    # CWT status list tokens: each as recorded (VALID before, INVALID after a revocation), then a
    # revoked one with its list cleared (signature kept) and one verified with another ES256 key:
    # cwt's signature check must refuse both.
    status_path = os.path.join(OUT, "status-lists.jsonl")
    status_entries = []
    if os.path.exists(status_path):
        with open(status_path) as f:
            status_entries = [json.loads(line) for line in f if line.strip()]
    cas = issuer_cas() if status_entries else []
    for entry in status_entries:
        try:
            check_status_list(entry, jwks, cas)
            passed += 1
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"FAIL status list {entry['format']} (expected {entry['expected']}): {e!r}", file=sys.stderr)
    revoked = [e for e in status_entries if e["expected"] == 1]
    if revoked:
        cases = (
            ("a cleared list", lambda: check_status_list(tamper_status_list(revoked[0]), jwks, cas)),
            ("another ES256 key", lambda: check_status_list(revoked[0], jwks, cas, key=other_es256_key(status_list_kid(revoked[0])))),
        )
        for name, run in cases:
            try:
                run()
                failed += 1
                print(f"FAIL a status list token with {name} verified", file=sys.stderr)
            except VerifyError as e:
                if "Failed to verify" in str(e):
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL a status list token with {name}: {e!r}", file=sys.stderr)
            except Exception as e:  # noqa: BLE001
                failed += 1
                print(f"FAIL a status list token with {name} was refused for another reason: {e!r}", file=sys.stderr)
    print(f"jwcrypto + pymdoccbor + cwt cross-check: {passed} passed, {failed} failed")
    # Every Node test file records its credentials; fewer means one did not run.
    counts = {f: len(found) for f, found in cwts.items()}
    status_formats = {f: sum(1 for e in status_entries if e["format"] == f) for f in ("mso_mdoc", *CWT_FORMATS)}
    if failed or len(jwts) < 12 or len(mdocs) < 14 or min(counts.values()) < 2 or min(status_formats.values()) < 2:
        print(f"{len(jwts)} JWT-based, {len(mdocs)} mso_mdoc and {counts} CWT entries (at least 12, 14 and 2 of each expected), "
              f"{status_formats} status list tokens (at least 2 of each expected)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
