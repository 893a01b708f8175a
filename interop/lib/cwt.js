// cwt_vc and cwt (COSE_Sign1-signed CWTs, RFC 8392) for the interop suite: the two configurations,
// their issuer metadata, and the structure of every CWT Sigil issues, decoded with the CBOR codec
// @animo-id/mdoc exports (tag 18 → its COSE Sign1) and the strict raw reader of lib/mdoc.js (exact
// tags, map keys, int vs float, no trailing bytes). Decode only: the signature is verified by
// verify.py with Python `cwt` 3.3.0, from the line each credential appends to credentials.jsonl.
import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync } from 'node:fs'
import { cborDecode } from '@animo-id/mdoc'
import { CLAIM_MAPPINGS, EXPECTED_CLAIMS, SIGIL_URL, admin, didJwkOf } from './sigil.js'
import { CborFloat, Tagged, rawDecode } from './mdoc.js'

const OUT = process.env.SIGIL_INTEROP_OUT
const DAY_SECONDS = 24 * 3600
export const CWT_FORMATS = ['cwt_vc', 'cwt']
export const VC_CONTEXT = 'https://www.w3.org/2018/credentials/v1'
/** The configured type of each format for a run `tag`. */
export const cwtType = (format, tag) => (format === 'cwt_vc' ? `InteropCompact${tag}` : `InteropCwt${tag}`)
const VALIDITY_DAYS = 365
const CWT_CLAIM_KEYS = [1, 2, 4, 5, 6, 7, 8] // iss, sub, exp, nbf, iat, cti, cnf
/** The Token Status List claim (draft-ietf-oauth-status-list): only in a revocable configuration's CWTs. */
const CWT_STATUS_CLAIM = 65535

/**
 * One cwt_vc and one cwt configuration, unique to `tag`, with the flat CLAIM_MAPPINGS.
 * `revocable`: the CWTs carry a status list reference (claim 65535).
 */
export async function createCwtConfigurations(tag, { revocable = false } = {}) {
  const ids = {}
  for (const format of CWT_FORMATS) {
    const r = await admin('POST', '/v1/openid/credential-configurations', {
      name: `Interop ${format} ${tag}`,
      format,
      type: cwtType(format, tag),
      claimMappings: CLAIM_MAPPINGS,
      expiresIn: { days: VALIDITY_DAYS },
      ...(revocable ? { revocable: true } : {}),
    })
    assert.equal(r.status, 201, `${format}: ${JSON.stringify(r.body)}`)
    assert.ok(r.body.id)
    ids[format] = r.body.id
  }
  return ids
}

/** `credential_configurations_supported[id]` of a cwt_vc / cwt configuration, against the contract. */
export function assertCwtMetadata(supported, format, type) {
  assert.ok(supported, `${format}: the configuration is in credential_configurations_supported`)
  assert.equal(supported.format, format, 'format')
  assert.equal(supported.scope, `${format}:${type}`, 'scope is <format>:<type>')
  if (format === 'cwt_vc') assert.deepEqual(supported.types, ['VerifiableCredential', type], 'types')
  else assert.equal(supported.type, type, 'type')
  assert.deepEqual(supported.credential_signing_alg_values_supported, [-7], 'credential_signing_alg_values_supported is [-7] (ES256)')
  assert.deepEqual(supported.cryptographic_binding_methods_supported, ['cose_key'], 'cryptographic_binding_methods_supported')
  assert.deepEqual(supported.proof_types_supported, { jwt: { proof_signing_alg_values_supported: ['ES256'] } }, 'proof_types_supported')
  const prefix = format === 'cwt_vc' ? ['vc', 'credentialSubject'] : []
  const paths = (supported.credential_metadata?.claims ?? []).map((c) => JSON.stringify(c.path)).sort()
  const expected = Object.keys(CLAIM_MAPPINGS).map((name) => JSON.stringify([...prefix, name])).sort()
  assert.deepEqual(paths, expected, 'credential_metadata.claims paths')
}

const bytesEqual = (a, b) => Buffer.from(a).equals(Buffer.from(b))
const b64u = (b) => Buffer.from(b).toString('base64url')

/** A raw CBOR value (lib/mdoc.js rawDecode) as plain JSON, refusing what JSON claims cannot be. */
function plainFromRaw(v, where) {
  assert.ok(!(v instanceof Tagged), `${where}: no CBOR tag in a JSON claim (tag ${v?.tag})`)
  assert.ok(!(v instanceof CborFloat) && !(v instanceof Uint8Array), `${where}: no float or byte string in a JSON claim`)
  if (Array.isArray(v)) return v.map((x, i) => plainFromRaw(x, `${where}[${i}]`))
  if (v instanceof Map) {
    const o = {}
    for (const [k, x] of v) {
      assert.equal(typeof k, 'string', `${where}: map keys are text`)
      o[k] = plainFromRaw(x, `${where}.${k}`)
    }
    return o
  }
  return v
}

/** The same value as @animo-id/mdoc's cborDecode presents it (Map → object). */
function plainFromLibrary(v) {
  if (Array.isArray(v)) return v.map(plainFromLibrary)
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plainFromLibrary(x)]))
  return v
}

/**
 * Decodes one issued cwt_vc / cwt credential (base64url of a tagged COSE_Sign1) and checks it
 * against the contract: headers, kid naming Sigil's ES256 key in /v1/oauth/jwks, every CWT claim,
 * the cnf COSE_Key (the holder's proof key), sub (the holder's did:jwk) and the mapped claims.
 * Appends it to credentials.jsonl for verify.py unless `record` is false. `revocable`: the
 * configuration is, so the CWT must carry the status claim 65535 (and otherwise must not).
 * Returns the payload, the kid, the cti and the status reference ({ idx, uri } or undefined).
 */
export async function verifyCwt(credential, holder, { format, type, claims = EXPECTED_CLAIMS, wallet = 'A', record = true, revocable = false }) {
  assert.ok(CWT_FORMATS.includes(format), format)
  assert.equal(typeof credential, 'string', `${format} credential is a string`)
  assert.match(credential, /^[A-Za-z0-9_-]+$/, `${format} credential is base64url without padding`)
  const bytes = new Uint8Array(Buffer.from(credential, 'base64url'))
  const now = Math.floor(Date.now() / 1000)

  // 1. @animo-id/mdoc's codec: tag 18 decodes to its COSE Sign1.
  const sign1 = cborDecode(bytes)
  assert.equal(sign1?.constructor?.tag, 18, 'the CWT is a COSE_Sign1 tagged 18 (decoded as Sign1 by @animo-id/mdoc)')
  assert.equal(sign1.alg, -7, 'alg is ES256 (-7)')
  assert.equal(sign1.algName, 'ES256')
  assert.equal(sign1.protectedHeaders.get(1), -7, 'alg is in the protected header')
  assert.ok(sign1.protectedHeaders.get(4) instanceof Uint8Array, 'kid is a bstr in the protected header')
  const libPayload = cborDecode(sign1.payload)
  assert.ok(libPayload instanceof Map, 'the payload decodes to a map')

  // 2. The raw CBOR, against the contract.
  const raw = rawDecode(bytes)
  assert.ok(raw instanceof Tagged && raw.tag === 18, 'outer tag 18 (COSE_Sign1), no CWT tag 61')
  assert.ok(Array.isArray(raw.value) && raw.value.length === 4, 'COSE_Sign1 is a 4-element array')
  const [prot, unprot, payloadBytes, signature] = raw.value
  assert.ok(prot instanceof Uint8Array, 'protected header is a bstr')
  const protectedHeader = rawDecode(prot)
  assert.ok(protectedHeader instanceof Map, 'protected header is a map')
  assert.deepEqual([...protectedHeader.keys()].sort(), [1, 4], 'protected header has exactly alg (1) and kid (4)')
  assert.equal(protectedHeader.get(1), -7, 'protected alg -7')
  const kidBytes = protectedHeader.get(4)
  assert.ok(kidBytes instanceof Uint8Array && kidBytes.length > 0, 'kid is a non-empty bstr')
  assert.ok(unprot instanceof Map && unprot.size === 0, 'unprotected header is {}')
  assert.ok(payloadBytes instanceof Uint8Array, 'payload is a bstr (not detached)')
  assert.ok(signature instanceof Uint8Array && signature.length === 64, 'signature is 64 bytes r||s')
  assert.ok(bytesEqual(payloadBytes, sign1.payload), 'both decoders see the same payload')

  const kid = new TextDecoder('utf-8', { fatal: true }).decode(kidBytes)
  const jwks = await (await fetch(`${SIGIL_URL}/v1/oauth/jwks`)).json()
  const issuerJwk = jwks.keys.filter((k) => k.kid === kid)
  assert.equal(issuerJwk.length, 1, `kid ${JSON.stringify(kid)} names exactly one key in /v1/oauth/jwks`)
  assert.equal(issuerJwk[0].kty, 'EC', 'the issuer key is EC')
  assert.equal(issuerJwk[0].crv, 'P-256', 'the issuer key is P-256 (ES256)')
  assert.ok(issuerJwk[0].d === undefined, 'no private key published')

  const payload = rawDecode(payloadBytes)
  assert.ok(payload instanceof Map, 'CWT claims are a map')
  const intKeys = [...payload.keys()].filter((k) => typeof k === 'number').sort((a, b) => a - b)
  const textKeys = [...payload.keys()].filter((k) => typeof k === 'string').sort()
  assert.equal(intKeys.length + textKeys.length, payload.size, 'claim keys are ints or text')
  assert.equal(payload.has(CWT_STATUS_CLAIM), revocable, revocable ? `a revocable configuration's CWT has the status claim (${CWT_STATUS_CLAIM})` : `no status claim (${CWT_STATUS_CLAIM}) unless the configuration is revocable`)
  assert.deepEqual(intKeys.filter((k) => k !== CWT_STATUS_CLAIM), CWT_CLAIM_KEYS, 'CWT claims iss, sub, exp, nbf, iat, cti, cnf (1, 2, 4, 5, 6, 7, 8)')
  let status
  if (revocable) {
    // {"status_list": {"idx": uint, "uri": text}}, text keys (checked in full by lib/status.js).
    const ref = payload.get(CWT_STATUS_CLAIM)
    assert.ok(ref instanceof Map && ref.get('status_list') instanceof Map, `claim ${CWT_STATUS_CLAIM} is {"status_list": {...}}`)
    status = { idx: ref.get('status_list').get('idx'), uri: ref.get('status_list').get('uri') }
    assert.ok(Number.isInteger(status.idx) && status.idx >= 0, `status_list.idx is an unsigned integer: ${status.idx}`)
    assert.ok(typeof status.uri === 'string' && status.uri.startsWith(`${SIGIL_URL}/v1/status-lists/`), `status_list.uri is a Sigil status list: ${status.uri}`)
  }
  const expectedTextKeys = format === 'cwt_vc' ? ['vc'] : Object.keys(claims).sort()
  assert.deepEqual(textKeys, expectedTextKeys, format === 'cwt_vc' ? 'the only text key is "vc"' : 'the mapped claims at top level')

  assert.equal(payload.get(1), SIGIL_URL, 'iss is the credential issuer')
  const did = didJwkOf(holder.publicJwk)
  assert.equal(payload.get(2), did, "sub is the holder's did:jwk")
  for (const [k, name] of [[4, 'exp'], [5, 'nbf'], [6, 'iat']]) assert.ok(Number.isInteger(payload.get(k)), `${name} is an integer (not a float or a tdate)`)
  const [exp, nbf, iat] = [payload.get(4), payload.get(5), payload.get(6)]
  assert.ok(iat <= now && nbf <= now && exp > now, `iat ≤ now, nbf ≤ now < exp (iat ${iat}, nbf ${nbf}, exp ${exp}, now ${now})`)
  assert.ok(now - iat < 300, 'iat is recent')
  assert.ok(Math.abs(exp - iat - VALIDITY_DAYS * DAY_SECONDS) <= DAY_SECONDS, `exp - iat is ${VALIDITY_DAYS} days (expiresIn), got ${(exp - iat) / DAY_SECONDS}`)
  const cti = payload.get(7)
  assert.ok(cti instanceof Uint8Array && cti.length === 16, 'cti is 16 bytes')

  const cnf = payload.get(8)
  assert.ok(cnf instanceof Map && cnf.size === 1, 'cnf is a map with one entry')
  const coseKey = cnf.get(1)
  assert.ok(coseKey instanceof Map, 'cnf holds a COSE_Key (1)')
  assert.deepEqual([...coseKey.keys()].sort((a, b) => a - b), [-3, -2, -1, 1], 'COSE_Key has exactly kty, crv, x, y')
  assert.equal(coseKey.get(1), 2, 'COSE_Key kty EC2')
  assert.equal(coseKey.get(-1), 1, 'COSE_Key crv P-256')
  assert.ok(coseKey.get(-2) instanceof Uint8Array && coseKey.get(-2).length === 32, 'COSE_Key x is a 32-byte bstr')
  assert.ok(coseKey.get(-3) instanceof Uint8Array && coseKey.get(-3).length === 32, 'COSE_Key y is a 32-byte bstr')
  assert.equal(b64u(coseKey.get(-2)), holder.publicJwk.x, "COSE_Key x is the holder's proof key")
  assert.equal(b64u(coseKey.get(-3)), holder.publicJwk.y, "COSE_Key y is the holder's proof key")

  let subject
  if (format === 'cwt_vc') {
    const vc = plainFromRaw(payload.get('vc'), 'vc')
    assert.deepEqual(Object.keys(vc).sort(), ['@context', 'credentialSubject', 'type'], 'vc has @context, type, credentialSubject')
    assert.deepEqual(vc['@context'], [VC_CONTEXT], 'vc.@context')
    assert.deepEqual(vc.type, ['VerifiableCredential', type], 'vc.type')
    const { id, ...rest } = vc.credentialSubject
    assert.equal(id, did, "vc.credentialSubject.id is the holder's did:jwk (= sub)")
    subject = rest
  } else {
    subject = Object.fromEntries(textKeys.map((k) => [k, plainFromRaw(payload.get(k), k)]))
  }
  assert.deepEqual(subject, claims, 'the mapped claims (degree is a CBOR map)')
  // The library's view of the same claims.
  const libClaims = format === 'cwt_vc' ? plainFromLibrary(libPayload.get('vc')).credentialSubject : Object.fromEntries(textKeys.map((k) => [k, plainFromLibrary(libPayload.get(k))]))
  if (format === 'cwt_vc') delete libClaims.id
  assert.deepEqual(libClaims, claims, 'the mapped claims as @animo-id/mdoc decodes them')

  if (record) {
    mkdirSync(OUT, { recursive: true })
    const line = { wallet, format, credential, holder_jwk: holder.publicJwk, expected: { type, claims, validity_days: VALIDITY_DAYS, revocable } }
    appendFileSync(`${OUT}/credentials.jsonl`, `${JSON.stringify(line)}\n`)
  }
  return { payload, kid, cti: b64u(cti), status }
}
