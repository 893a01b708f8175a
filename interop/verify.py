"""Cross-checks every credential the Node suite obtained, with jwcrypto (a third, independent
JOSE implementation): issuer signatures against Sigil's published keys, holder binding, SD-JWT
disclosure digests, and the key-binding JWT of each SD-JWT presentation. mso_mdoc credentials
go through pymdoccbor (issuer signature and DS certificate against the recorded IACAs, element
digests), with the MSO, the device key and every element value checked here."""
import base64
import datetime
import hashlib
import json
import logging
import os
import sys
import urllib.request
from collections.abc import Mapping

import cbor2
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


def check(entry, keys):
    fmt, credential = entry["format"], entry["credential"]
    if fmt == "mso_mdoc":
        return check_mdoc(entry)
    jwt = credential.split("~")[0]
    header = b64json(jwt.split(".")[0])
    payload = verify_jws(jwt, keys[header["kid"]])
    assert payload["iss"] == URL, payload["iss"]
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
    keys = {k["kid"]: jwk.JWK(**k) for k in fetch("/v1/oauth/jwks")["keys"]}
    passed = failed = 0
    path = os.path.join(OUT, "credentials.jsonl")
    with open(path) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    for entry in entries:
        try:
            check(entry, keys)
            passed += 1
        except Exception as e:  # report every failure, then fail
            failed += 1
            print(f"FAIL wallet {entry['wallet']} {entry['format']}: {e!r}", file=sys.stderr)
    jwts = [e for e in entries if e["format"] != "mso_mdoc"]
    mdocs = [e for e in entries if e["format"] == "mso_mdoc"]
    # A tampered credential must fail: flip a payload character of the first JWT-based one.
    if jwts:
        tampered = dict(jwts[0])
        jwt = tampered["credential"].split("~")[0]
        h, p, s = jwt.split(".")
        p = p[:-2] + ("A" if p[-2] != "A" else "B") + p[-1]
        tampered["credential"] = ".".join([h, p, s]) + tampered["credential"][len(jwt):]
        try:
            check(tampered, keys)
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
            check(bad(mdocs[0]), keys)
            failed += 1
            print(f"FAIL an mdoc with a {name} verified", file=sys.stderr)
        except Exception as e:  # noqa: BLE001
            if reason in str(e):
                passed += 1
            else:
                failed += 1
                print(f"FAIL an mdoc with a {name} was refused for another reason: {e!r}", file=sys.stderr)
    print(f"jwcrypto + pymdoccbor cross-check: {passed} passed, {failed} failed")
    # Every Node test file records its credentials; fewer means one did not run.
    if failed or len(jwts) < 12 or len(mdocs) < 14:
        print(f"{len(jwts)} JWT-based and {len(mdocs)} mso_mdoc entries (at least 12 and 14 expected)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
