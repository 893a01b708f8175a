// Credential status for the interop suite: the status reference each format carries, the status
// lists Sigil publishes at /v1/status-lists/… fetched and checked against the contract, and the
// management API that revokes, suspends and reinstates an issued credential.
//
// IETF Token Status List (draft-ietf-oauth-status-list; dc+sd-jwt, jwt_vc_json, mso_mdoc, cwt_vc,
// cwt): 2 bits per credential, VALID 0, INVALID 1, SUSPENDED 2, packed LSB first, zlib (RFC 1950)
// compressed, signed as a JWT (typ statuslist+jwt, verified here with jose) or a CWT (COSE_Sign1,
// verified here with node:crypto over a Sig_structure built by hand, and by verify.py with Python
// `cwt` from what recordStatusListCwt writes).
// W3C Bitstring Status List v1.0 (ldp_vc): 1 bit per credential and list, MSB first, gzip, in a
// BitstringStatusListCredential that @digitalbazaar/vc-bitstring-status-list fetches and verifies
// (lib/ldp.js statusDocumentLoader); decodeBitstring below is the suite's own reading of it.
import assert from 'node:assert/strict'
import { X509Certificate, createPublicKey, verify as nodeVerify } from 'node:crypto'
import { appendFileSync, mkdirSync } from 'node:fs'
import { gunzipSync, inflateSync } from 'node:zlib'
import * as jose from 'jose'
import { SIGIL_URL, admin, issuerCas } from './sigil.js'
import { Tagged, rawDecode } from './mdoc.js'

const OUT = process.env.SIGIL_INTEROP_OUT

/** Token Status List values (draft-ietf-oauth-status-list §7.1). */
export const VALID = 0
export const INVALID = 1
export const SUSPENDED = 2
export const STATUS_LIST_BITS = 2
/** The CWT claim keys of the Token Status List (draft-ietf-oauth-status-list §12). */
export const CWT_STATUS = 65535
export const CWT_TTL = 65534
export const CWT_STATUS_LIST = 65533
export const JWT_MEDIA_TYPE = 'application/statuslist+jwt'
export const CWT_MEDIA_TYPE = 'application/statuslist+cwt'
/** Bitstring Status List v1.0 §6.1: at least 16 KiB (131,072 entries), for herd privacy. */
export const BITSTRING_MIN_BITS = 131072

export const STATUS_LISTS_PATH = '/v1/status-lists'
const LIST_URI = new RegExp(`^${SIGIL_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${STATUS_LISTS_PATH}/[A-Za-z0-9._~-]+$`)

/** Asserts `uri` is a status list of this Sigil: <issuer>/v1/status-lists/<listId>. */
export function assertListUri(uri, what = 'status list uri') {
  assert.equal(typeof uri, 'string', `${what} is a string`)
  assert.match(uri, LIST_URI, `${what} is <issuer>${STATUS_LISTS_PATH}/<listId>: ${uri}`)
}

// ---------------------------------------------------------------------------------------------
// Decoding the lists (the suite's own readers, independent of the libraries)

/**
 * A Token Status List from its compressed bytes (`lst`, zlib): `bits` per status, the first
 * status in the least significant bits of the first byte (draft-ietf-oauth-status-list §4.1).
 */
export function decodeTokenStatusList(compressed, bits = STATUS_LIST_BITS) {
  assert.ok([1, 2, 4, 8].includes(bits), `bits is 1, 2, 4 or 8 (got ${bits})`)
  const bytes = inflateSync(Buffer.from(compressed)) // zlib (RFC 1950) framing only: raw DEFLATE or gzip throw
  const perByte = 8 / bits
  const mask = (1 << bits) - 1
  return {
    bits,
    bytes,
    length: bytes.length * perByte,
    get(index) {
      assert.ok(Number.isInteger(index) && index >= 0, `index ${index} is a non-negative integer`)
      assert.ok(index < bytes.length * perByte, `index ${index} is within the list (${bytes.length * perByte} entries)`)
      return (bytes[Math.floor(index / perByte)] >> ((index % perByte) * bits)) & mask
    },
  }
}

/**
 * A Bitstring Status List from `encodedList`: multibase base64url ('u'), gzip, one bit per
 * entry, index 0 the most significant bit of the first byte (Bitstring Status List v1.0 §4.2).
 */
export function decodeBitstring(encodedList) {
  assert.equal(typeof encodedList, 'string', 'encodedList is a string')
  assert.equal(encodedList[0], 'u', "encodedList is multibase base64url (prefix 'u')")
  assert.match(encodedList.slice(1), /^[A-Za-z0-9_-]+$/, 'encodedList is base64url without padding')
  const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url')) // gzip (RFC 1952) only
  return {
    bytes,
    length: bytes.length * 8,
    get(index) {
      assert.ok(Number.isInteger(index) && index >= 0 && index < bytes.length * 8, `index ${index} is within the bitstring (${bytes.length * 8} bits)`)
      return (bytes[index >> 3] >> (7 - (index & 7))) & 1
    },
  }
}

// ---------------------------------------------------------------------------------------------
// The status reference each format carries

const b64urlJson = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

/** `{ status_list: { idx, uri } }` (JSON or a CBOR Map with text keys) → { idx, uri }, checked. */
function statusListRef(status, where) {
  const get = (o, k) => (o instanceof Map ? o.get(k) : o?.[k])
  const keys = (o) => (o instanceof Map ? [...o.keys()] : Object.keys(o ?? {}))
  assert.ok(status && typeof status === 'object', `${where}: the status claim is an object / map`)
  assert.deepEqual(keys(status), ['status_list'], `${where}: the status claim holds status_list only`)
  const ref = get(status, 'status_list')
  assert.ok(ref && typeof ref === 'object', `${where}.status_list is an object / map`)
  assert.deepEqual(keys(ref).sort(), ['idx', 'uri'], `${where}.status_list has exactly idx and uri`)
  const idx = get(ref, 'idx')
  const uri = get(ref, 'uri')
  assert.ok(Number.isInteger(idx) && idx >= 0, `${where}.status_list.idx is a non-negative integer: ${idx}`)
  assertListUri(uri, `${where}.status_list.uri`)
  return { idx, uri }
}

/**
 * The status reference of an issued credential, or undefined when it has none:
 * dc+sd-jwt / jwt_vc_json the issuer-signed payload's `status`, mso_mdoc the MSO's `status`,
 * cwt_vc / cwt the CWT claim 65535 (its keys text).
 */
export function statusReference(format, credential) {
  if (format === 'dc+sd-jwt' || format === 'jwt_vc_json') {
    const payload = b64urlJson(credential.split('~')[0].split('.')[1])
    return payload.status === undefined ? undefined : statusListRef(payload.status, `${format} status`)
  }
  const bytes = new Uint8Array(Buffer.from(credential, 'base64url'))
  if (format === 'mso_mdoc') {
    const issuerSigned = rawDecode(bytes)
    const wrapped = rawDecode(issuerSigned.get('issuerAuth')[2])
    assert.ok(wrapped instanceof Tagged && wrapped.tag === 24, 'the MSO is #6.24(bstr)')
    const mso = rawDecode(wrapped.value)
    return mso.has('status') ? statusListRef(mso.get('status'), 'MSO status') : undefined
  }
  if (format === 'cwt_vc' || format === 'cwt') {
    const sign1 = rawDecode(bytes)
    assert.ok(sign1 instanceof Tagged && sign1.tag === 18, 'a COSE_Sign1 tagged 18')
    const claims = rawDecode(sign1.value[2])
    return claims.has(CWT_STATUS) ? statusListRef(claims.get(CWT_STATUS), `CWT claim ${CWT_STATUS}`) : undefined
  }
  throw new Error(`no status reference for ${format}`)
}

// ---------------------------------------------------------------------------------------------
// Fetching and checking the status list tokens

/** The issuer's ES256 JWK for a status list token: by kid, and equal to the x5c leaf's key. */
async function issuerKeyFor({ kid, leafDer }) {
  const jwks = await (await fetch(`${SIGIL_URL}/v1/oauth/jwks`)).json()
  const leaf = new X509Certificate(leafDer)
  const leafJwk = leaf.publicKey.export({ format: 'jwk' })
  const same = (k) => k.kty === 'EC' && k.crv === 'P-256' && k.x === leafJwk.x && k.y === leafJwk.y
  const byKid = kid === undefined ? undefined : jwks.keys.filter((k) => k.kid === kid)
  if (byKid !== undefined) assert.equal(byKid.length, 1, `kid ${JSON.stringify(kid)} names exactly one key in /v1/oauth/jwks`)
  const jwk = byKid ? byKid[0] : jwks.keys.find(same)
  assert.ok(jwk && same(jwk), 'the x5c / x5chain leaf certifies the issuer key in /v1/oauth/jwks')
  assert.equal(jwk.d, undefined, 'no private key published')
  // The leaf chains to an issuer CA Sigil publishes (as the SD-JWT VC x5c does).
  const cas = await issuerCas()
  const ca = cas.find((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey))
  assert.ok(ca, 'the status list signer certificate chains to a published issuer CA')
  assert.ok(!leaf.ca, 'the signer certificate is not a CA')
  const now = Date.now()
  assert.ok(Date.parse(leaf.validFrom) <= now && now <= Date.parse(leaf.validTo), 'the signer certificate is valid now')
  return jwk
}

function assertTimes({ iat, exp, ttl }, what) {
  const now = Math.floor(Date.now() / 1000)
  assert.ok(Number.isInteger(iat) && iat <= now + 5 && now - iat < 24 * 3600, `${what}: iat is an integer, not in the future (iat ${iat}, now ${now})`)
  assert.ok(Number.isInteger(exp) && exp > now && exp > iat, `${what}: exp is an integer after now (exp ${exp})`)
  assert.ok(Number.isInteger(ttl) && ttl > 0, `${what}: ttl is a positive integer (${ttl})`)
}

/** GET a status list uri with an Accept header (null: none, the server's default). */
export async function fetchStatusList(uri, accept = null) {
  const res = await fetch(uri, accept === null ? {} : { headers: { accept } })
  const body = Buffer.from(await res.arrayBuffer())
  assert.equal(res.status, 200, `GET ${uri} (Accept: ${accept ?? 'default'}): ${res.status} ${body.toString('utf8').slice(0, 300)}`)
  return { contentType: res.headers.get('content-type') ?? '', body, headers: res.headers }
}

/**
 * Fetches the JWT status list token at `uri` and checks it against the contract: typ
 * statuslist+jwt, ES256 with the issuer key named by kid (jose, against /v1/oauth/jwks), x5c
 * leaf chaining to a published issuer CA, sub = uri, iat, exp, ttl, status_list {bits 2, lst}.
 * `accept`: the Accept header (null: none; the JWT is the default). Returns { jwt, header,
 * payload, list } (list: decodeTokenStatusList).
 */
export async function fetchStatusListJwt(uri, { accept = JWT_MEDIA_TYPE } = {}) {
  const { contentType, body } = await fetchStatusList(uri, accept)
  assert.equal(contentType.split(';')[0].trim(), JWT_MEDIA_TYPE, `Content-Type is ${JWT_MEDIA_TYPE} (got ${contentType})`)
  const jwt = body.toString('utf8').trim()
  assert.match(jwt, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a compact JWS')
  const header = jose.decodeProtectedHeader(jwt)
  assert.equal(header.typ, 'statuslist+jwt', 'typ is statuslist+jwt')
  assert.equal(header.alg, 'ES256', 'alg is ES256')
  assert.equal(typeof header.kid, 'string', 'kid is a string')
  assert.ok(Array.isArray(header.x5c) && header.x5c.length >= 1, 'x5c is a non-empty array')
  const jwk = await issuerKeyFor({ kid: header.kid, leafDer: Buffer.from(header.x5c[0], 'base64') })
  const { payload } = await jose.jwtVerify(jwt, await jose.importJWK(jwk, 'ES256'), {
    typ: 'statuslist+jwt',
    algorithms: ['ES256'],
    subject: uri,
    requiredClaims: ['sub', 'iat', 'exp'],
  })
  assertTimes(payload, 'status list JWT')
  const sl = payload.status_list
  assert.ok(sl && typeof sl === 'object', 'status_list is an object')
  assert.equal(sl.bits, STATUS_LIST_BITS, 'status_list.bits is 2')
  assert.match(sl.lst, /^[A-Za-z0-9_-]+$/, 'status_list.lst is base64url without padding')
  const list = decodeTokenStatusList(Buffer.from(sl.lst, 'base64url'), sl.bits)
  return { jwt, header, payload, list }
}

/** CBOR head of a major type with argument n (for the Sig_structure). */
function cborHead(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n])
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff])
  const b = Buffer.alloc(5)
  b[0] = (major << 5) | 26
  b.writeUInt32BE(n, 1)
  return b
}
const cborBstr = (bytes) => Buffer.concat([cborHead(2, bytes.length), Buffer.from(bytes)])

/** RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad (empty), payload]. */
export function sigStructure1(protectedBytes, payload) {
  return Buffer.concat([cborHead(4, 4), cborHead(3, 10), Buffer.from('Signature1'), cborBstr(protectedBytes), cborBstr(Buffer.alloc(0)), cborBstr(payload)])
}

/**
 * Fetches the CWT status list token at `uri` (Accept: application/statuslist+cwt) and checks it
 * against the contract: a COSE_Sign1 tagged 18, protected {1: -7, 16: typ, 33: x5chain} (kid 4
 * optional), the signature verified here with node:crypto with the x5chain leaf's key (which must
 * be an issuer key in /v1/oauth/jwks and chain to a published issuer CA), claims 2 sub = uri,
 * 6 iat, 4 exp, 65534 ttl, 65533 {bits: 2, lst: bstr}. Returns { bytes, list, jwk }.
 */
export async function fetchStatusListCwt(uri) {
  const { contentType, body } = await fetchStatusList(uri, CWT_MEDIA_TYPE)
  assert.equal(contentType.split(';')[0].trim(), CWT_MEDIA_TYPE, `Content-Type is ${CWT_MEDIA_TYPE} (got ${contentType})`)
  const bytes = new Uint8Array(body)
  const outer = rawDecode(bytes)
  assert.ok(outer instanceof Tagged && outer.tag === 18, 'a COSE_Sign1 tagged 18')
  assert.ok(Array.isArray(outer.value) && outer.value.length === 4, 'COSE_Sign1 is a 4-element array')
  const [prot, unprot, payloadBytes, signature] = outer.value
  assert.ok(prot instanceof Uint8Array, 'protected header is a bstr')
  const protectedHeader = rawDecode(prot)
  assert.ok(protectedHeader instanceof Map, 'protected header is a map')
  assert.equal(protectedHeader.get(1), -7, 'protected alg is -7 (ES256)')
  assert.equal(protectedHeader.get(16), CWT_MEDIA_TYPE, `protected typ (16) is ${CWT_MEDIA_TYPE}`)
  const x5chain = protectedHeader.get(33)
  const chain = x5chain instanceof Uint8Array ? [x5chain] : x5chain
  assert.ok(Array.isArray(chain) && chain.length >= 1 && chain.every((c) => c instanceof Uint8Array), 'protected x5chain (33) is a bstr or an array of bstr')
  for (const k of protectedHeader.keys()) assert.ok([1, 4, 16, 33].includes(k), `protected header label ${k} is one of alg, kid, typ, x5chain`)
  assert.ok(unprot instanceof Map, 'unprotected header is a map')
  assert.ok(payloadBytes instanceof Uint8Array, 'payload is a bstr (not detached)')
  assert.ok(signature instanceof Uint8Array && signature.length === 64, 'signature is 64 bytes r||s')
  const kidBytes = protectedHeader.get(4) ?? unprot.get(4)
  const kid = kidBytes === undefined ? undefined : new TextDecoder('utf-8', { fatal: true }).decode(kidBytes)
  const jwk = await issuerKeyFor({ kid, leafDer: Buffer.from(chain[0]) })
  const ok = nodeVerify('sha256', sigStructure1(prot, payloadBytes), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature)
  assert.ok(ok, 'the COSE_Sign1 signature verifies with the issuer key')

  const claims = rawDecode(payloadBytes)
  assert.ok(claims instanceof Map, 'the claims are a map')
  assert.equal(claims.get(2), uri, 'sub (2) is the status list uri')
  const times = { iat: claims.get(6), exp: claims.get(4), ttl: claims.get(CWT_TTL) }
  assertTimes(times, 'status list CWT')
  const sl = claims.get(CWT_STATUS_LIST)
  assert.ok(sl instanceof Map, `status_list (${CWT_STATUS_LIST}) is a map`)
  assert.equal(sl.get('bits'), STATUS_LIST_BITS, 'status_list bits is 2')
  const lst = sl.get('lst')
  assert.ok(lst instanceof Uint8Array && lst.length > 0, 'status_list lst is a bstr')
  const list = decodeTokenStatusList(lst, sl.get('bits'))
  return { bytes, list, jwk, kid, claims: times }
}

/**
 * Records a fetched CWT status list token for verify.py, which verifies it with Python `cwt` and
 * reads the status at `idx` of the credential the line names: it must be `expected`.
 */
export function recordStatusListCwt({ format, credential, uri, idx, token, expected }) {
  mkdirSync(OUT, { recursive: true })
  const line = { format, credential, uri, idx, token: Buffer.from(token).toString('base64url'), expected }
  appendFileSync(`${OUT}/status-lists.jsonl`, `${JSON.stringify(line)}\n`)
}

// ---------------------------------------------------------------------------------------------
// The management API

/** The status_list_aggregation_endpoint of the issuer metadata, and the lists it names. */
export async function aggregatedLists() {
  const meta = await (await fetch(`${SIGIL_URL}/.well-known/openid-credential-issuer`)).json()
  assert.equal(meta.status_list_aggregation_endpoint, `${SIGIL_URL}${STATUS_LISTS_PATH}`, 'status_list_aggregation_endpoint')
  const res = await fetch(meta.status_list_aggregation_endpoint)
  assert.equal(res.status, 200, 'GET status_list_aggregation_endpoint')
  const body = await res.json()
  assert.ok(Array.isArray(body.status_lists), `{ status_lists: [...] }: ${JSON.stringify(body)}`)
  for (const uri of body.status_lists) {
    // A Token Status List's URI, or a Bitstring Status List credential's (…/<listId>/<purpose>).
    const purpose = uri.match(/\/(revocation|suspension)$/)
    assertListUri(purpose ? uri.slice(0, -purpose[0].length) : uri, `an aggregated status list (${uri})`)
  }
  assert.equal(new Set(body.status_lists).size, body.status_lists.length, 'no list is named twice')
  return body.status_lists
}

/**
 * The issued credential of `userId` from `configurationId` bound to `holderJwk`, as
 * GET /v1/users/{userId}/credentials lists it.
 */
export async function issuedCredential(userId, configurationId, holderJwk) {
  const r = await admin('GET', `/v1/users/${encodeURIComponent(userId)}/credentials`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const thumbprint = await jose.calculateJwkThumbprint(holderJwk, 'sha256')
  const mine = r.body.data.filter((c) => c.configurationId === configurationId && c.holderKeyThumbprint === thumbprint)
  assert.equal(mine.length, 1, `one credential of ${configurationId} for the holder key: ${JSON.stringify(r.body.data)}`)
  return mine[0]
}

/**
 * POST /v1/credentials/{id}/status { status }; returns the response. If it answers with the
 * credential (itself, or in `data` as the listing does), that shows the new status.
 */
export async function setStatus(credentialId, status) {
  const r = await admin('POST', `/v1/credentials/${encodeURIComponent(credentialId)}/status`, { status })
  assert.ok(r.status === 200 || r.status === 204, `POST /v1/credentials/${credentialId}/status ${JSON.stringify({ status })}: ${r.status} ${JSON.stringify(r.body)}`)
  const shown = Array.isArray(r.body?.data) ? r.body.data.find((c) => c.id === credentialId) : r.body
  if (shown && typeof shown === 'object' && 'status' in shown) assert.equal(shown.status, status, `the response shows the new status: ${JSON.stringify(r.body)}`)
  return r
}
