"""Cross-checks every credential the Node suite obtained, with jwcrypto (a third, independent
JOSE implementation): issuer signatures against Sigil's published keys, holder binding, SD-JWT
disclosure digests, and the key-binding JWT of each SD-JWT presentation."""
import base64
import hashlib
import json
import os
import sys
import urllib.request

from jwcrypto import jwk, jws

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


def check(entry, keys):
    fmt, credential = entry["format"], entry["credential"]
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
    # A tampered credential must fail: flip a payload character of the first one.
    tampered = dict(entries[0])
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
    print(f"jwcrypto cross-check: {passed} passed, {failed} failed")
    if failed or len(entries) < 12:
        sys.exit(1)


if __name__ == "__main__":
    main()
