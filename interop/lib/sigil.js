// Shared helpers for the interop suite: the admin API of the running Sigil, holder keys, and
// third-party verification of every credential Sigil issues.
import assert from 'node:assert/strict'
import { X509Certificate, createHash, randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync } from 'node:fs'
import * as jose from 'jose'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'

export const SIGIL_URL = process.env.SIGIL_URL
export const ADMIN_TOKEN = process.env.SIGIL_ADMIN_TOKEN
const OUT = process.env.SIGIL_INTEROP_OUT
if (!SIGIL_URL || !ADMIN_TOKEN || !OUT) {
  throw new Error('SIGIL_URL, SIGIL_ADMIN_TOKEN and SIGIL_INTEROP_OUT must be set (interop/run.sh sets them)')
}

export async function admin(method, path, body) {
  const res = await fetch(`${SIGIL_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

/** The flat claim mappings of the JSON-claims configurations (CLAIMS in, EXPECTED_CLAIMS out). */
export const CLAIM_MAPPINGS = {
  given_name: { mapFrom: 'claims.given_name', required: true },
  family_name: { mapFrom: 'claims.family_name', required: true },
  email: { mapFrom: 'claims.email' },
  degree: { defaultValue: { type: 'BachelorDegree', name: 'Computer Science' } },
}

/**
 * One dc+sd-jwt and one jwt_vc_json configuration, unique to `tag` (`api`: another Sigil's admin).
 * `revocable`: credentials carry a status list reference (the body says `revocable: true`).
 */
export async function createConfigurations(tag, { api = admin, revocable = false } = {}) {
  const claimMappings = CLAIM_MAPPINGS
  const extra = revocable ? { revocable: true } : {}
  const sd = await api('POST', '/v1/openid/credential-configurations', {
    name: `Interop identity ${tag}`,
    format: 'dc+sd-jwt',
    vct: `https://credentials.example.com/interop/${tag}`,
    claimMappings,
    expiresIn: { days: 365 },
    ...extra,
  })
  assert.equal(sd.status, 201, JSON.stringify(sd.body))
  const vc = await api('POST', '/v1/openid/credential-configurations', {
    name: `Interop course ${tag}`,
    format: 'jwt_vc_json',
    type: `InteropCredential${tag}`,
    claimMappings,
    expiresIn: { days: 365 },
    ...extra,
  })
  assert.equal(vc.status, 201, JSON.stringify(vc.body))
  return { 'dc+sd-jwt': sd.body.id, jwt_vc_json: vc.body.id }
}

export const CLAIMS = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' }

/**
 * A pre-authorized offer; returns the API response (uri, transactionCode, …). `claims` defaults to
 * the JSON-format CLAIMS (the mDL tests pass their own).
 */
export async function createOffer(configurationId, { tx = false, byReference = false, claims = CLAIMS, api = admin } = {}) {
  const body = { credentials: [configurationId], claims, byReference }
  if (tx) body.transactionCodeConfiguration = { length: 6, inputMode: 'numeric', description: 'Enter the code from your e-mail' }
  const r = await api('POST', '/v1/openid/offers/pre-authorized', body)
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body
}

export function txCodeOf(offer) {
  return offer.transactionCode === undefined ? undefined : String(offer.transactionCode)
}

export async function newHolderKey() {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true })
  const publicJwk = await jose.exportJWK(publicKey)
  const privateJwk = await jose.exportJWK(privateKey)
  return { publicKey, privateKey, publicJwk, privateJwk }
}

export async function signJwt(privateKey, header, payload) {
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(privateKey)
}

export const sha256 = (data) => createHash('sha256').update(data).digest()
export const random = (n) => new Uint8Array(randomBytes(n))
const b64urlJson = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

function sameKey(a, b) {
  for (const m of ['kty', 'crv', 'x', 'y']) assert.equal(a[m], b[m], `cnf.jwk.${m} is the holder's key`)
}

/**
 * The `statusVerifier` for @sd-jwt/sd-jwt-vc: a status list token (typ statuslist+jwt) verified
 * with the issuer key its `kid` names in /.well-known/jwt-vc-issuer (which, after a key rotation,
 * need not be the key that signed the credential).
 */
export function statusListVerifier(meta) {
  return async (data, signature) => {
    const header = b64urlJson(data.split('.')[0])
    assert.equal(header.typ, 'statuslist+jwt', 'the status list token has typ statuslist+jwt')
    const jwk = meta.jwks.keys.find((k) => k.kid === header.kid)
    assert.ok(jwk, `the status list token's kid ${header.kid} resolves through /.well-known/jwt-vc-issuer`)
    return (await ES256.getVerifier(jwk))(data, signature)
  }
}

/**
 * Verifies an SD-JWT VC with @sd-jwt/sd-jwt-vc against the key named by `kid` in
 * /.well-known/jwt-vc-issuer, checks every disclosure is referenced (the library does not),
 * and verifies a key-binding presentation made with the holder key. `issuer`: another Sigil's URL.
 * A credential with a `status` claim is checked by the library too: it fetches the status list
 * token (its own fetcher), verifies it with statusListVerifier and requires status VALID (0).
 */
export async function verifySdJwtVc(credential, holder, expected, { issuer = SIGIL_URL } = {}) {
  const meta = await (await fetch(`${issuer}/.well-known/jwt-vc-issuer`)).json()
  assert.equal(meta.issuer, issuer)
  const [jwt, ...rest] = credential.split('~')
  const header = b64urlJson(jwt.split('.')[0])
  assert.equal(header.typ, 'dc+sd-jwt')
  const issuerJwk = meta.jwks.keys.find((k) => k.kid === header.kid)
  assert.ok(issuerJwk, 'the issuer kid resolves through /.well-known/jwt-vc-issuer')
  const statusVerifier = statusListVerifier(meta)
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: await ES256.getVerifier(issuerJwk),
    statusVerifier,
    kbSigner: await ES256.getSigner(holder.privateJwk),
    kbSignAlg: 'ES256',
    kbVerifier: async (data, sig, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, sig),
    loadTypeMetadataFormat: false,
  })
  const verified = await sdjwt.verify(credential)

  // The same issuer key through X.509: x5c holds one leaf, issued by a CA Sigil publishes (the
  // active one first; a CA retired by a rotation stays in the bundle for the overlap), naming the
  // issuer identifier, and its key verifies the credential too.
  assert.equal(header.x5c?.length, 1, 'x5c carries the leaf only')
  const leaf = new X509Certificate(Buffer.from(header.x5c[0], 'base64'))
  const cas = await issuerCas(issuer)
  for (const ca of cas) assert.ok(ca.ca, 'every published certificate is a CA')
  const ca = cas.find((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey))
  assert.ok(ca, 'the leaf chains to a published issuer CA')
  assert.ok(!leaf.ca, 'the leaf is not a CA')
  assert.ok(leaf.subjectAltName.split(', ').includes(`URI:${issuer}`), `SAN names the issuer: ${leaf.subjectAltName}`)
  const now = Date.now()
  assert.ok(new Date(leaf.validFrom).getTime() <= now && now <= new Date(leaf.validTo).getTime(), 'the leaf is valid now')
  const leafJwk = leaf.publicKey.export({ format: 'jwk' })
  assert.equal(leafJwk.x, issuerJwk.x)
  assert.equal(leafJwk.y, issuerJwk.y)
  const viaX5c = new SDJwtVcInstance({ hasher: digest, verifier: await ES256.getVerifier(leafJwk), statusVerifier, loadTypeMetadataFormat: false })
  await viaX5c.verify(credential)
  const payload = verified.payload
  assert.equal(payload.iss, issuer)
  assert.equal(payload.vct, expected.vct)
  sameKey(payload.cnf.jwk, holder.publicJwk)
  const disclosures = rest.filter((d) => d.length > 0)
  // verify() returns the unpacked claims; the digests are in the signed payload itself.
  const signed = b64urlJson(jwt.split('.')[1])
  assert.equal(signed._sd_alg, 'sha-256')
  const digests = new Set(signed._sd)
  assert.equal(disclosures.length, Object.keys(expected.claims).length)
  for (const d of disclosures) {
    assert.ok(digests.has(sha256(d).toString('base64url')), 'every disclosure is referenced by a digest')
  }
  for (const [k, v] of Object.entries(expected.claims)) assert.deepEqual(payload[k], v, `claim ${k}`)

  const nonce = Buffer.from(random(16)).toString('base64url')
  const presentation = await sdjwt.present(
    credential,
    { given_name: true },
    { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: 'https://verifier.example', nonce } } },
  )
  const presented = await sdjwt.verify(presentation, { keyBindingNonce: nonce, requiredClaimKeys: ['given_name'] })
  assert.ok(presented.kb, 'the key-binding JWT verified with the cnf key')
  assert.equal(presented.payload.given_name, expected.claims.given_name)
  assert.equal(presented.payload.family_name, undefined, 'undisclosed claims stay hidden')
  return { payload, presentation }
}

/** The issuer CA certificates of /v1/oauth/issuer-ca.pem (a PEM bundle, the active CA first). */
export async function issuerCas(issuer = SIGIL_URL) {
  const text = await (await fetch(`${issuer}/v1/oauth/issuer-ca.pem`)).text()
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
  assert.ok(blocks.length > 0, 'the issuer CA bundle holds a certificate')
  return blocks.map((b) => new X509Certificate(b))
}

/** did:jwk of a public JWK: base64url of its JSON with kty, crv, x, y (in that order). */
export function didJwkOf(jwk) {
  return `did:jwk:${Buffer.from(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })).toString('base64url')}`
}

/** Verifies a jwt_vc_json with jose against /v1/oauth/jwks. */
export async function verifyJwtVc(jwt, holder, expected) {
  const jwks = await (await fetch(`${SIGIL_URL}/v1/oauth/jwks`)).json()
  const { payload, protectedHeader } = await jose.jwtVerify(jwt, jose.createLocalJWKSet(jwks), {
    issuer: SIGIL_URL,
    typ: 'JWT',
    algorithms: ['ES256'],
  })
  assert.ok(protectedHeader.kid)
  const didJwk = didJwkOf(holder.publicJwk)
  assert.deepEqual(jose.decodeJwt(jwt), payload)
  assert.equal(payload.sub, payload.vc.credentialSubject.id)
  assert.equal(JSON.stringify(JSON.parse(Buffer.from(payload.sub.slice(8), 'base64url').toString())), JSON.stringify(JSON.parse(Buffer.from(didJwk.slice(8), 'base64url').toString())))
  sameKey(payload.cnf.jwk, holder.publicJwk)
  assert.ok(payload.vc.type.includes('VerifiableCredential'))
  assert.ok(payload.vc.type.includes(expected.type))
  for (const [k, v] of Object.entries(expected.claims)) assert.deepEqual(payload.vc.credentialSubject[k], v, `claim ${k}`)
  return payload
}

export const EXPECTED_CLAIMS = { ...CLAIMS, degree: { type: 'BachelorDegree', name: 'Computer Science' } }

/** Verifies whatever format, and records it for the Python cross-check. */
export async function verifyAndRecord(wallet, format, credential, holder, tag) {
  let presentation
  if (format === 'dc+sd-jwt') {
    ;({ presentation } = await verifySdJwtVc(credential, holder, {
      vct: `https://credentials.example.com/interop/${tag}`,
      claims: EXPECTED_CLAIMS,
    }))
  } else {
    await verifyJwtVc(credential, holder, { type: `InteropCredential${tag}`, claims: EXPECTED_CLAIMS })
  }
  mkdirSync(OUT, { recursive: true })
  appendFileSync(`${OUT}/credentials.jsonl`, `${JSON.stringify({ wallet, format, credential, presentation, holder_jwk: holder.publicJwk })}\n`)
}
