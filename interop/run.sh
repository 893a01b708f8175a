#!/usr/bin/env bash
# The interop suite: starts a real `sigil` on loopback and drives it with third-party wallets
# (@openid4vc/openid4vci, @sphereon/oid4vci-client) and verifiers (@sd-jwt/sd-jwt-vc, jose,
# @animo-id/mdoc, @digitalbazaar/vc, @sd-jwt/jwt-status-list and
# @digitalbazaar/vc-bitstring-status-list for credential status, Python jwcrypto, pymdoccbor and
# cwt), and the portal in headless Chromium (playwright-core, axe-core, jsQR). Installs its pinned
# packages itself (npm ci, a Python venv); Chromium comes from scripts/install-test-deps.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
bin=${SIGIL_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/sigil}
if [ ! -x "$bin" ]; then
  (cd "$root" && cargo build --locked -q -p sigil)
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt

work=$(mktemp -d /tmp/sigil-interop.XXXXXX)

# TLS for the test servers of the authorization-code journey (OpenID Provider, interaction hook,
# claims source): Sigil accepts only https URLs naming a host for them. A P-256 test CA and a
# leaf for DNS:localhost; node trusts the CA through NODE_EXTRA_CA_CERTS, Sigil through
# SIGIL_OUTBOUND_CA_FILE.
tls="$work/tls"
mkdir -p "$tls"
if ! {
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -sha256 \
    -subj '/CN=Sigil interop test CA' -keyout "$tls/ca.key" -out "$tls/ca.pem" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' \
      -keyout "$tls/localhost.key" -out "$tls/localhost.csr" &&
    printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
      'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost' >"$tls/localhost.ext" &&
    openssl x509 -req -in "$tls/localhost.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
      -days 2 -sha256 -extfile "$tls/localhost.ext" -out "$tls/localhost.pem" &&
    openssl verify -CAfile "$tls/ca.pem" "$tls/localhost.pem"
} >"$tls/openssl.log" 2>&1; then
  cat "$tls/openssl.log"
  rm -rf "$work"
  exit 1
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="interop-$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
SIGIL_LISTEN="127.0.0.1:$port" SIGIL_DATA_DIR="$work/data" SIGIL_ADMIN_TOKEN="$token" SIGIL_LOG=warn \
  SIGIL_OUTBOUND_CA_FILE="$tls/ca.pem" SIGIL_OUTBOUND_ALLOW_PRIVATE_NETWORKS=true \
  "$bin" serve >"$work/sigil.out" 2>"$work/sigil.err" &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/sigil.err"; exit 1; }

export SIGIL_URL="http://127.0.0.1:$port" SIGIL_ADMIN_TOKEN="$token" SIGIL_INTEROP_OUT="$work/out"
# Tests that need a Sigil with other settings (e.g. required DPoP nonces) start their own.
export SIGIL_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export SIGIL_TEST_TLS_DIR="$tls" NODE_EXTRA_CA_CERTS="$tls/ca.pem"
status=0
node --test --test-concurrency=1 tests/*.test.js || status=$?
if [ "$status" = 0 ]; then
  .venv/bin/python verify.py || status=$?
fi
if [ "$status" != 0 ]; then
  echo "--- sigil log (errors) ---"
  tail -n 50 "$work/sigil.err"
fi
exit "$status"
