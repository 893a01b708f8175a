// mso_mdoc (ISO/IEC 18013-5) for the interop suite: the mDL configuration, the IACAs Sigil
// publishes, and third-party verification of every mdoc Sigil issues with @animo-id/mdoc 0.5.2
// (which does no crypto itself: the MdocContext below supplies node:crypto and @peculiar/x509),
// plus a small raw CBOR reader of our own for what the library normalises away (which CBOR tag a
// value carried, the exact text of a tdate, int vs float).
import assert from 'node:assert/strict'
import { X509Certificate as NodeX509, createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, webcrypto } from 'node:crypto'
import { appendFileSync, mkdirSync } from 'node:fs'
import * as x509 from '@peculiar/x509'
import { DataItem, DateOnly, Verifier, cborDecode, cborEncode, parseIssuerSigned } from '@animo-id/mdoc'
import { SIGIL_URL, admin } from './sigil.js'

x509.cryptoProvider.set(webcrypto)
const OUT = process.env.SIGIL_INTEROP_OUT

export const MDL_DOCTYPE = 'org.iso.18013.5.1.mDL'
export const MDL_NAMESPACE = 'org.iso.18013.5.1'
/** ISO/IEC 18013-5 extended key usage of a Document Signer certificate. */
export const EKU_MDL_DS = '1.0.18013.5.1.2'
const DAY = 24 * 3600 * 1000

// ---------------------------------------------------------------------------------------------
// The mDL configuration and its claims

/** A few hundred deterministic bytes that start like a JPEG (SOI + APP0/JFIF). */
function portraitBytes() {
  const header = Buffer.from('ffd8ffe000104a46494600010101004800480000', 'hex')
  const body = []
  for (let i = 0; body.length * 32 < 302; i++) body.push(createHash('sha256').update(`sigil-interop-portrait-${i}`).digest())
  return Buffer.concat([header, Buffer.concat(body).subarray(0, 302)]) // 322 bytes: base64 ends in '=='
}
export const PORTRAIT = portraitBytes()

/** The offer's `claims` (JSON; the portrait is standard padded base64). */
export const MDL_CLAIMS = {
  family_name: 'Lovelace',
  given_name: 'Ada',
  birth_date: '1815-12-10',
  issue_date: '2026-01-15',
  expiry_date: '2031-01-15',
  document_number: 'NZ-1234567',
  portrait: PORTRAIT.toString('base64'),
  driving_privileges: [
    { vehicle_category_code: 'B', issue_date: '2026-01-15', expiry_date: '2031-01-15' },
    { vehicle_category_code: 'A', issue_date: '2026-02-01', expiry_date: '2031-02-01', codes: [{ code: '78' }] },
  ],
  age_over_18: true,
  height: 170,
}

/**
 * The element values expected in the issued mDL, per namespace, in "typed JSON": a CBOR full-date
 * (tag 1004) is `{ $date: 'YYYY-MM-DD' }`, a tdate (tag 0) `{ $tdate: '…' }`, a byte string
 * `{ $bytes: '<standard base64>' }`, a float `{ $float: n }` (raw reader only); text, integers,
 * booleans, arrays and maps are themselves. verify.py compares against the same object.
 */
export function mdlExpected() {
  const date = (d) => ({ $date: d })
  return {
    [MDL_NAMESPACE]: {
      family_name: 'Lovelace',
      given_name: 'Ada',
      birth_date: date('1815-12-10'),
      issue_date: date('2026-01-15'),
      expiry_date: date('2031-01-15'),
      issuing_country: 'NZ',
      issuing_authority: 'Sigil Interop Transport Agency',
      document_number: 'NZ-1234567',
      portrait: { $bytes: PORTRAIT.toString('base64') },
      driving_privileges: [
        { vehicle_category_code: 'B', issue_date: date('2026-01-15'), expiry_date: date('2031-01-15') },
        { vehicle_category_code: 'A', issue_date: date('2026-02-01'), expiry_date: date('2031-02-01'), codes: [{ code: '78' }] },
      ],
      age_over_18: true,
      height: 170,
    },
  }
}
export const MDL_EXPECTED = mdlExpected()

export const MDL_CLAIM_MAPPINGS = {
  [MDL_NAMESPACE]: {
    family_name: { mapFrom: 'claims.family_name', required: true },
    given_name: { mapFrom: 'claims.given_name', required: true },
    birth_date: { mapFrom: 'claims.birth_date', type: 'date', required: true },
    issue_date: { mapFrom: 'claims.issue_date', type: 'date' },
    expiry_date: { mapFrom: 'claims.expiry_date', type: 'date' },
    issuing_country: { defaultValue: 'NZ' },
    issuing_authority: { defaultValue: 'Sigil Interop Transport Agency' },
    document_number: { mapFrom: 'claims.document_number', required: true },
    portrait: { mapFrom: 'claims.portrait', type: 'bytes', required: true },
    driving_privileges: {
      mapFrom: 'claims.driving_privileges',
      type: 'array',
      items: { type: 'object', properties: { issue_date: { type: 'date' }, expiry_date: { type: 'date' } } },
    },
    age_over_18: { mapFrom: 'claims.age_over_18', type: 'boolean' },
    height: { mapFrom: 'claims.height', type: 'integer' },
  },
}

let mdlConfiguration
/**
 * The mDL configuration (doctype org.iso.18013.5.1.mDL), created once per suite run: the scope
 * `mso_mdoc:<doctype>` is unique per deployment, so every caller in this process shares the first
 * call's result, and a test file in another process (node --test runs each file in its own) finds
 * the one already made (409 → the listed configuration, which must have the same mappings).
 */
export function createMdlConfiguration(tag) {
  mdlConfiguration ??= (async () => {
    const r = await admin('POST', '/v1/openid/credential-configurations', {
      name: `Interop mDL ${tag}`,
      format: 'mso_mdoc',
      doctype: MDL_DOCTYPE,
      claimMappings: MDL_CLAIM_MAPPINGS,
      expiresIn: { days: 30 },
    })
    if (r.status === 409) {
      const list = await admin('GET', '/v1/openid/credential-configurations')
      const existing = list.body?.data?.find((c) => c.format === 'mso_mdoc' && c.doctype === MDL_DOCTYPE)
      assert.ok(existing, `409 but no mso_mdoc ${MDL_DOCTYPE} configuration listed: ${JSON.stringify(r.body)}`)
      assert.deepEqual(existing.claimMappings, MDL_CLAIM_MAPPINGS, 'the existing mDL configuration is the interop one')
      return existing.id
    }
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.ok(r.body.id)
    return r.body.id
  })()
  return mdlConfiguration
}

/** Issuer metadata → `mdoc_iacas_uri` → the DER of every IACA it lists (public, no auth). */
export async function fetchIacas() {
  const meta = await (await fetch(`${SIGIL_URL}/.well-known/openid-credential-issuer`)).json()
  assert.equal(typeof meta.mdoc_iacas_uri, 'string', 'issuer metadata has mdoc_iacas_uri')
  assert.ok(new URL(meta.mdoc_iacas_uri).href, 'mdoc_iacas_uri is an absolute URL')
  const res = await fetch(meta.mdoc_iacas_uri)
  assert.equal(res.status, 200)
  const body = await res.json()
  assert.ok(Array.isArray(body.iacas) && body.iacas.length > 0, `mdoc_iacas_uri lists IACAs: ${JSON.stringify(body)}`)
  return body.iacas.map(({ certificate }) => {
    assert.match(certificate, /^[A-Za-z0-9+/]+={0,2}$/, 'IACA certificate is standard base64')
    const der = Buffer.from(certificate, 'base64')
    new x509.X509Certificate(der) // parses
    return der
  })
}

// ---------------------------------------------------------------------------------------------
// MdocContext on node:crypto (ES256 = ECDSA P-256 SHA-256, COSE signatures are r||s) and X.509
// through @peculiar/x509.

const certOf = (der) => new x509.X509Certificate(der)
const sameDer = (a, b) => Buffer.from(a).equals(Buffer.from(b))
const nameDer = (name) => Buffer.from(name.toArrayBuffer())
const HASHES = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }

function assertValidAt(cert, now, what) {
  if (!(cert.notBefore.getTime() <= now.getTime() && now.getTime() < cert.notAfter.getTime())) {
    throw new Error(`${what} ${cert.subject} is not valid at ${now.toISOString()} (${cert.notBefore.toISOString()} – ${cert.notAfter.toISOString()})`)
  }
}

function isCa(cert) {
  const bc = cert.getExtension(x509.BasicConstraintsExtension)
  return Boolean(bc?.ca)
}

/** True if `issuer`'s subject is `cert`'s issuer (byte-equal DER names) and its key signed `cert`. */
async function issuedBy(cert, issuer) {
  return nameDer(cert.issuerName).equals(nameDer(issuer.subjectName)) && (await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }))
}

/**
 * Path validation for X509Context.validateCertificateChain: from the leaf (x5chain[0]) up through
 * the rest of x5chain to a trusted certificate; every link by issuer name and signature, every
 * certificate valid now, every issuer a CA.
 */
export async function validateCertificateChain({ trustedCertificates, x5chain }, now = new Date()) {
  if (!x5chain?.length) throw new Error('x5chain is empty')
  if (!trustedCertificates?.length) throw new Error('no trusted certificates')
  const chain = x5chain.map(certOf)
  const anchors = trustedCertificates.map(certOf)
  let current = chain[0]
  for (let i = 1; ; i++) {
    assertValidAt(current, now, i === 1 ? 'the DS certificate' : 'an x5chain certificate')
    for (const anchor of anchors) {
      if (await issuedBy(current, anchor)) {
        assertValidAt(anchor, now, 'the trusted certificate')
        if (!isCa(anchor)) throw new Error(`trusted certificate ${anchor.subject} is not a CA`)
        return
      }
    }
    const next = chain[i]
    if (!next) throw new Error(`no trusted certificate issued ${current.subject} (issuer ${current.issuer})`)
    if (!(await issuedBy(current, next)) || !isCa(next)) throw new Error(`x5chain[${i}] did not issue x5chain[${i - 1}]`)
    current = next
  }
}

export const mdocContext = {
  crypto: {
    random: (length) => new Uint8Array(randomBytes(length)),
    digest: ({ digestAlgorithm, bytes }) => {
      const alg = HASHES[digestAlgorithm]
      if (!alg) throw new Error(`unsupported digest ${digestAlgorithm}`)
      return new Uint8Array(createHash(alg).update(bytes).digest())
    },
    calculateEphemeralMacKeyJwk: () => {
      throw new Error('device MAC is not used for IssuerSigned')
    },
  },
  cose: {
    sign1: {
      // Only used by scratch validation (Document.sign); Sigil signs the real credentials.
      sign: ({ sign1, jwk }) => {
        const { data, alg } = sign1.getRawSigningData()
        if (alg !== 'ES256') throw new Error(`unsupported alg ${alg}`)
        return new Uint8Array(nodeSign('sha256', data, { key: createPrivateKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }))
      },
      verify: ({ sign1, jwk, options }) => {
        const { data, signature, alg } = sign1.getRawVerificationData(options)
        if (alg !== 'ES256' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || signature.length !== 64) return false
        return nodeVerify('sha256', data, { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature)
      },
    },
    mac0: {
      sign: () => {
        throw new Error('mac0 is not used for IssuerSigned')
      },
      verify: () => {
        throw new Error('mac0 is not used for IssuerSigned')
      },
    },
  },
  x509: {
    getIssuerNameField: ({ certificate, field }) => certOf(certificate).issuerName.getField(field),
    getPublicKey: ({ certificate, alg }) => {
      if (alg !== 'ES256') throw new Error(`unsupported alg ${alg}`)
      return new NodeX509(Buffer.from(certificate)).publicKey.export({ format: 'jwk' })
    },
    validateCertificateChain: (input) => validateCertificateChain(input),
    getCertificateData: async ({ certificate }) => {
      const cert = certOf(certificate)
      return {
        issuerName: cert.issuerName.toString(),
        subjectName: cert.subjectName.toString(),
        serialNumber: cert.serialNumber,
        thumbprint: Buffer.from(await cert.getThumbprint('SHA-256')).toString('hex'),
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        pem: cert.toString('pem'),
      }
    },
  },
}

// ---------------------------------------------------------------------------------------------
// A minimal raw CBOR reader (RFC 8949): keeps tags as Tagged, floats as CborFloat, maps as Map,
// byte strings as Uint8Array, and refuses trailing bytes.

export class Tagged {
  constructor(tag, value) {
    this.tag = tag
    this.value = value
  }
}
export class CborFloat {
  constructor(value) {
    this.value = value
  }
}

export function rawDecode(input) {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  let pos = 0
  const BREAK = Symbol('break')
  const need = (n) => {
    if (pos + n > buf.length) throw new Error('CBOR: truncated')
  }
  const arg = (ai) => {
    if (ai < 24) return ai
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[ai]
    if (!size) throw new Error(`CBOR: bad additional info ${ai}`)
    need(size)
    const v = size === 8 ? Number(buf.readBigUInt64BE(pos)) : buf.readUIntBE(pos, size)
    pos += size
    return v
  }
  const chunks = (mt) => {
    const parts = []
    for (;;) {
      const v = item()
      if (v === BREAK) break
      parts.push(mt === 2 ? Buffer.from(v) : Buffer.from(v, 'utf8'))
    }
    const all = Buffer.concat(parts)
    return mt === 2 ? new Uint8Array(all) : all.toString('utf8')
  }
  function item() {
    need(1)
    const ib = buf[pos++]
    const mt = ib >> 5
    const ai = ib & 31
    if (mt === 7) {
      if (ai === 20) return false
      if (ai === 21) return true
      if (ai === 22) return null
      if (ai === 23) return undefined
      if (ai === 31) return BREAK
      const size = { 25: 2, 26: 4, 27: 8 }[ai]
      if (!size) throw new Error(`CBOR: unsupported simple value ${ai}`)
      need(size)
      let v
      if (size === 2) {
        const h = buf.readUInt16BE(pos)
        const e = (h >> 10) & 31
        const m = h & 1023
        v = (h & 0x8000 ? -1 : 1) * (e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1024 + m) * 2 ** (e - 25))
      } else v = size === 4 ? buf.readFloatBE(pos) : buf.readDoubleBE(pos)
      pos += size
      return new CborFloat(v)
    }
    if (ai === 31 && (mt === 2 || mt === 3)) return chunks(mt)
    if (ai === 31 && (mt === 4 || mt === 5)) {
      const out = mt === 4 ? [] : new Map()
      for (;;) {
        const k = item()
        if (k === BREAK) return out
        if (mt === 4) out.push(k)
        else out.set(k, item())
      }
    }
    const n = arg(ai)
    switch (mt) {
      case 0:
        return n
      case 1:
        return -1 - n
      case 2:
        need(n)
        pos += n
        return new Uint8Array(buf.subarray(pos - n, pos))
      case 3:
        need(n)
        pos += n
        return buf.subarray(pos - n, pos).toString('utf8')
      case 4:
        return Array.from({ length: n }, () => item())
      case 5: {
        const m = new Map()
        for (let i = 0; i < n; i++) {
          const k = item()
          if (m.has(k)) throw new Error(`CBOR: duplicate map key ${String(k)}`)
          m.set(k, item())
        }
        return m
      }
      default:
        return new Tagged(n, item())
    }
  }
  const value = item()
  if (pos !== buf.length) throw new Error(`CBOR: ${buf.length - pos} trailing bytes`)
  return value
}

const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/
// ISO/IEC 18013-5 9.1.2.4: tdate in ValidityInfo without fractional seconds, UTC as 'Z'.
const TDATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/** Raw CBOR value → typed JSON (see mdlExpected); strict about tags. */
export function typedFromRaw(v, where = 'value') {
  if (v instanceof Tagged) {
    if (v.tag === 1004) {
      assert.ok(typeof v.value === 'string' && FULL_DATE.test(v.value), `${where}: tag 1004 over a YYYY-MM-DD text, got ${JSON.stringify(v.value)}`)
      return { $date: v.value }
    }
    if (v.tag === 0) {
      assert.ok(typeof v.value === 'string' && TDATE.test(v.value), `${where}: tag 0 over YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(v.value)}`)
      return { $tdate: v.value }
    }
    return { $tag: v.tag, value: typedFromRaw(v.value, where) }
  }
  if (v instanceof CborFloat) return { $float: v.value }
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') }
  if (Array.isArray(v)) return v.map((x, i) => typedFromRaw(x, `${where}[${i}]`))
  if (v instanceof Map) {
    const o = {}
    for (const [k, x] of v) {
      assert.equal(typeof k, 'string', `${where}: map keys are text`)
      o[k] = typedFromRaw(x, `${where}.${k}`)
    }
    return o
  }
  return v
}

/** A value as @animo-id/mdoc presents it → typed JSON (DateOnly → $date, Date → $tdate, …). */
export function typedFromLibrary(v) {
  if (v instanceof DateOnly) return { $date: v.toISOString() }
  if (v instanceof Date) return { $tdate: `${v.toISOString().split('.')[0]}Z` }
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') }
  if (Array.isArray(v)) return v.map(typedFromLibrary)
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, typedFromLibrary(x)]))
  if (v && typeof v === 'object' && 'tag' in v && 'value' in v) return { $tag: v.tag, value: typedFromLibrary(v.value) }
  return v
}

// ---------------------------------------------------------------------------------------------
// Verification

/**
 * @animo-id/mdoc's own verification: parseIssuerSigned (docType, version), verifyIssuerSignature
 * (x5chain → trusted IACAs, COSE signature, MSO signed within the DS validity, MSO valid now, C
 * present) and verifyData (digest algorithm, per-namespace digests, every element's digest,
 * issuing_country / issuing_jurisdiction vs the certificate). Returns every onCheck result; throws
 * only if parsing fails.
 */
export async function libraryChecks(bytes, doctype, trusted) {
  const mdoc = parseIssuerSigned(bytes, doctype)
  const checks = []
  const onCheckG = (c) => checks.push(c)
  const verifier = new Verifier()
  await verifier.verifyIssuerSignature(
    { trustedCertificates: trusted, issuerAuth: mdoc.issuerSigned.issuerAuth, disableCertificateChainValidation: false, onCheckG },
    mdocContext,
  )
  await verifier.verifyData({ mdoc, onCheckG }, mdocContext)
  return { mdoc, checks }
}

const ISSUER_AUTH_CHECKS = [
  'Issuer certificate must be valid',
  'Issuer signature must be valid',
  'The MSO signed date must be within the validity period of the certificate',
  'The MSO must be valid at the time of verification',
  "Country name (C) must be present in the issuer certificate's subject distinguished name",
]
const DATA_INTEGRITY_CHECKS = ['Issuer Auth must include a supported digestAlgorithm element']
// verifyData runs these only for the org.iso.18013.5.1 namespace.
const MDL_NAMESPACE_CHECKS = [
  "The 'issuing_country' if present must match the 'countryName' in the subject field within the DS certificate",
  "The 'issuing_jurisdiction' if present must match the 'stateOrProvinceName' in the subject field within the DS certificate",
]
const digestCheck = (ns, id) => `The calculated digest for ${ns}/${id} attribute must match the digest in the issuerAuth element`

function assertAllChecksPassed(checks, expected) {
  const failed = checks.filter((c) => c.status === 'FAILED')
  assert.deepEqual(failed, [], `@animo-id/mdoc checks failed: ${JSON.stringify(failed)}`)
  const passed = (category, check) => checks.some((c) => c.category === category && c.check === check && c.status === 'PASSED')
  for (const check of ISSUER_AUTH_CHECKS) assert.ok(passed('ISSUER_AUTH', check), `ISSUER_AUTH check ran and passed: ${check}`)
  const dataChecks = MDL_NAMESPACE in expected ? [...DATA_INTEGRITY_CHECKS, ...MDL_NAMESPACE_CHECKS] : DATA_INTEGRITY_CHECKS
  for (const check of dataChecks) assert.ok(passed('DATA_INTEGRITY', check), `DATA_INTEGRITY check ran and passed: ${check}`)
  for (const [ns, elements] of Object.entries(expected)) {
    assert.ok(passed('DATA_INTEGRITY', `Issuer Auth must include digests for namespace: ${ns}`), `digests for ${ns}`)
    for (const id of Object.keys(elements)) assert.ok(passed('DATA_INTEGRITY', digestCheck(ns, id)), `digest check of ${ns}/${id} ran and passed`)
  }
}

/** The ISO/IEC 18013-5 Annex B IACA profile (Table B.1), as far as these tests check it. */
export async function assertIacaProfile(der, { country, commonName } = {}, now = new Date()) {
  const cert = certOf(der)
  assert.ok(nameDer(cert.subjectName).equals(nameDer(cert.issuerName)), 'IACA: subject == issuer')
  assert.ok(await cert.verify({ signatureOnly: true }), 'IACA: self-signed (verifies with its own key)')
  const bc = cert.getExtension(x509.BasicConstraintsExtension)
  assert.ok(bc, 'IACA: basicConstraints present')
  assert.equal(bc.critical, true, 'IACA: basicConstraints critical')
  assert.equal(bc.ca, true, 'IACA: cA=true')
  assert.equal(bc.pathLength, 0, 'IACA: pathLenConstraint 0')
  const ku = cert.getExtension(x509.KeyUsagesExtension)
  assert.ok(ku, 'IACA: keyUsage present')
  assert.equal(ku.critical, true, 'IACA: keyUsage critical')
  assert.equal(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, 'IACA: keyUsage is exactly keyCertSign + cRLSign')
  const ian = cert.getExtension(x509.IssuerAlternativeNameExtension)
  assert.ok(ian && ian.names.items.length > 0, 'IACA: issuerAltName present')
  assert.ok(ian.names.items.every((n) => n.type === 'url' || n.type === 'email'), 'IACA: issuerAltName is a URI or e-mail')
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)
  assert.ok(ski?.keyId, 'IACA: subjectKeyIdentifier present')
  const c = cert.subjectName.getField('C')
  assert.equal(c.length, 1, 'IACA: one countryName')
  assert.match(c[0], /^[A-Z]{2}$/, 'IACA: countryName is ISO 3166-1 alpha-2')
  if (country) assert.equal(c[0], country, 'IACA: subject C')
  if (commonName) assert.deepEqual(cert.subjectName.getField('CN'), [commonName], 'IACA: subject CN')
  assert.deepEqual(cert.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' }, 'IACA: P-256 key')
  assert.equal(cert.signatureAlgorithm.name, 'ECDSA', 'IACA: ECDSA signature')
  assert.equal(cert.signatureAlgorithm.hash.name, 'SHA-256', 'IACA: ecdsa-with-SHA256')
  assert.ok(cert.notBefore.getTime() <= now.getTime() && now.getTime() < cert.notAfter.getTime(), 'IACA: notBefore ≤ now < notAfter')
  return cert
}

/** The Document Signer profile (ISO/IEC 18013-5 Table B.3), as far as these tests check it. */
async function assertDsProfile(ds, iaca, now) {
  const bc = ds.getExtension(x509.BasicConstraintsExtension)
  assert.ok(!bc?.ca, 'DS: not a CA')
  const ku = ds.getExtension(x509.KeyUsagesExtension)
  assert.ok(ku, 'DS: keyUsage present')
  assert.equal(ku.critical, true, 'DS: keyUsage critical')
  assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature, 'DS: keyUsage is exactly digitalSignature')
  const eku = ds.getExtension(x509.ExtendedKeyUsageExtension)
  assert.ok(eku, 'DS: extendedKeyUsage present')
  assert.ok(eku.usages.includes(EKU_MDL_DS), `DS: extendedKeyUsage has ${EKU_MDL_DS}: ${eku.usages}`)
  assert.equal(eku.critical, true, 'DS: extendedKeyUsage critical (18013-5 Table B.3)')
  assert.deepEqual(ds.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' }, 'DS: P-256 key')
  assert.ok(ds.notBefore.getTime() <= now.getTime() && now.getTime() < ds.notAfter.getTime(), 'DS: valid now')
  assert.ok(await issuedBy(ds, iaca), 'DS: issued by (name) and signed by the IACA')
  assert.deepEqual(ds.subjectName.getField('C'), iaca.subjectName.getField('C'), 'DS: subject C equals the IACA C')
  const aki = ds.getExtension(x509.AuthorityKeyIdentifierExtension)
  const ski = iaca.getExtension(x509.SubjectKeyIdentifierExtension)
  assert.ok(aki?.keyId, 'DS: authorityKeyIdentifier with keyIdentifier')
  assert.equal(aki.keyId, ski?.keyId, 'DS: authorityKeyIdentifier == IACA subjectKeyIdentifier')
}

const mapKeys = (m) => [...m.keys()].sort()

/**
 * Verifies one issued mso_mdoc credential (base64url of CBOR IssuerSigned). Everything the
 * library checks must pass, plus the raw structure of the contract, the MSO, the DS certificate,
 * the device key and every element value. Records it for verify.py unless `record` is false.
 */
export async function verifyMdoc(credential, holder, { doctype = MDL_DOCTYPE, expected = MDL_EXPECTED, trusted, validityDays = 30, wallet = 'A', record = true } = {}) {
  trusted ??= await fetchIacas()
  const now = new Date()
  assert.equal(typeof credential, 'string', 'mso_mdoc credential is a string')
  assert.match(credential, /^[A-Za-z0-9_-]+$/, 'mso_mdoc credential is base64url without padding')
  const bytes = new Uint8Array(Buffer.from(credential, 'base64url'))

  // 1. @animo-id/mdoc
  const { mdoc, checks } = await libraryChecks(bytes, doctype, trusted)
  assertAllChecksPassed(checks, expected)
  const { issuerAuth } = mdoc.issuerSigned
  const mso = issuerAuth.decodedPayload
  assert.equal(mdoc.docType, doctype, 'docType')
  assert.equal(mso.docType, doctype, 'MSO docType')
  assert.equal(mso.digestAlgorithm, 'SHA-256', 'MSO digestAlgorithm')
  assert.equal(mso.version, '1.0', 'MSO version')
  const { signed, validFrom, validUntil } = mso.validityInfo
  for (const d of [signed, validFrom, validUntil]) assert.ok(d instanceof Date && !Number.isNaN(d.getTime()), 'validityInfo dates decode')
  assert.ok(signed.getTime() <= now.getTime(), 'validityInfo.signed ≤ now')
  assert.ok(validFrom.getTime() <= now.getTime() && now.getTime() < validUntil.getTime(), 'validFrom ≤ now < validUntil')
  if (validityDays) {
    const days = (validUntil.getTime() - validFrom.getTime()) / DAY
    assert.ok(Math.abs(days - validityDays) <= 1, `validity is ${validityDays} days (expiresIn), got ${days.toFixed(2)}`)
  }
  const deviceKey = mso.deviceKeyInfo?.deviceKey
  assert.ok(deviceKey instanceof Map, 'MSO deviceKeyInfo.deviceKey is a COSE_Key map')
  assert.equal(deviceKey.get(1), 2, 'COSE_Key kty EC2')
  assert.equal(deviceKey.get(-1), 1, 'COSE_Key crv P-256')
  assert.equal(Buffer.from(deviceKey.get(-2)).toString('base64url'), holder.publicJwk.x, "COSE_Key x is the holder's")
  assert.equal(Buffer.from(deviceKey.get(-3)).toString('base64url'), holder.publicJwk.y, "COSE_Key y is the holder's")
  assert.ok(!deviceKey.has(-4), 'no private key in the COSE_Key')

  // Element values as the library presents them, and the MSO digests they are checked against.
  const items = new Map()
  assert.deepEqual(mdoc.issuerSignedNameSpaces.sort(), Object.keys(expected).sort(), 'namespaces')
  for (const [ns, nsItems] of mdoc.issuerSigned.nameSpaces) {
    const values = Object.fromEntries(nsItems.map((it) => [it.elementIdentifier, typedFromLibrary(it.elementValue)]))
    assert.equal(Object.keys(values).length, nsItems.length, `${ns}: element identifiers are unique`)
    assert.deepEqual(values, expected[ns], `${ns}: element values as @animo-id/mdoc decodes them`)
    const digestIds = nsItems.map((it) => it.digestID)
    assert.equal(new Set(digestIds).size, digestIds.length, `${ns}: digestIDs are unique`)
    assert.deepEqual(mapKeys(mso.valueDigests.get(ns)), [...digestIds].sort(), `${ns}: valueDigests has exactly the issued digestIDs`)
    items.set(ns, nsItems)
  }
  assert.deepEqual(mapKeys(mso.valueDigests), Object.keys(expected).sort(), 'valueDigests namespaces')

  // 2. The raw CBOR, against the contract.
  const raw = rawDecode(bytes)
  assert.ok(raw instanceof Map, 'IssuerSigned is a map')
  assert.deepEqual(mapKeys(raw), ['issuerAuth', 'nameSpaces'], 'IssuerSigned has nameSpaces and issuerAuth')
  const rawAuth = raw.get('issuerAuth')
  assert.ok(Array.isArray(rawAuth) && rawAuth.length === 4, 'issuerAuth is an untagged 4-element COSE_Sign1 array')
  const [prot, unprot, payload, signature] = rawAuth
  assert.ok(prot instanceof Uint8Array, 'protected header is a bstr')
  assert.deepEqual(rawDecode(prot), new Map([[1, -7]]), 'protected header is exactly {1: -7}')
  assert.ok(unprot instanceof Map && unprot.get(33) instanceof Uint8Array, 'x5chain (33) in the unprotected header, a single bstr')
  assert.ok(signature instanceof Uint8Array && signature.length === 64, 'signature is 64 bytes r||s')
  const wrappedMso = rawDecode(payload)
  assert.ok(wrappedMso instanceof Tagged && wrappedMso.tag === 24 && wrappedMso.value instanceof Uint8Array, 'payload is #6.24(bstr .cbor MSO)')
  const rawMso = rawDecode(wrappedMso.value)
  assert.deepEqual(mapKeys(rawMso).filter((k) => k !== 'status'), ['deviceKeyInfo', 'digestAlgorithm', 'docType', 'validityInfo', 'valueDigests', 'version'], 'MSO keys')
  const rawValidity = rawMso.get('validityInfo')
  for (const k of ['signed', 'validFrom', 'validUntil']) {
    assert.ok(rawValidity.get(k) instanceof Tagged && rawValidity.get(k).tag === 0, `validityInfo.${k} is a tag-0 tdate`)
    typedFromRaw(rawValidity.get(k), `validityInfo.${k}`) // YYYY-MM-DDTHH:MM:SSZ, no fractional seconds
  }
  for (const [ns, digests] of rawMso.get('valueDigests')) {
    for (const [id, d] of digests) assert.ok(Number.isInteger(id) && d instanceof Uint8Array && d.length === 32, `${ns}/${id}: SHA-256 digest`)
  }
  const salts = []
  for (const [ns, list] of raw.get('nameSpaces')) {
    const values = {}
    for (const tagged of list) {
      assert.ok(tagged instanceof Tagged && tagged.tag === 24 && tagged.value instanceof Uint8Array, `${ns}: items are #6.24(bstr)`)
      const item = rawDecode(tagged.value)
      assert.deepEqual(mapKeys(item), ['digestID', 'elementIdentifier', 'elementValue', 'random'], `${ns}: IssuerSignedItem keys`)
      const id = item.get('elementIdentifier')
      const random = item.get('random')
      assert.ok(random instanceof Uint8Array && random.length >= 16, `${ns}/${id}: random is ≥ 16 bytes`)
      salts.push(Buffer.from(random).toString('hex'))
      // The digest over the exact bytes received (tag 24 + bstr), independent of the library.
      const digest = createHash('sha256').update(Buffer.concat([Buffer.from([0xd8, 0x18]), bstrHeader(tagged.value.length), tagged.value])).digest()
      assert.ok(digest.equals(Buffer.from(rawMso.get('valueDigests').get(ns).get(item.get('digestID')))), `${ns}/${id}: SHA-256(#6.24(item)) is in valueDigests`)
      values[id] = typedFromRaw(item.get('elementValue'), `${ns}/${id}`)
    }
    assert.deepEqual(values, expected[ns], `${ns}: element values in raw CBOR typing (tag 1004 full-dates, bstr, int, bool)`)
  }
  assert.equal(new Set(salts).size, salts.length, 'every IssuerSignedItem random is unique')

  // 3. The DS certificate.
  const chain = issuerAuth.certificateChain
  assert.equal(chain.length, 1, 'x5chain holds the DS certificate only')
  const dsDer = Buffer.from(chain[0])
  const ds = certOf(dsDer)
  let iaca
  for (const t of trusted) if (await issuedBy(ds, certOf(t))) iaca = certOf(t)
  assert.ok(iaca, 'the DS certificate is issued by one of the trusted IACAs')
  await assertDsProfile(ds, iaca, now)
  assert.ok(signed.getTime() >= ds.notBefore.getTime() && signed.getTime() <= ds.notAfter.getTime(), 'MSO signed within the DS validity')
  const issuingCountry = mdoc.getIssuerNameSpace(MDL_NAMESPACE)?.get('issuing_country')
  if (issuingCountry !== undefined) assert.deepEqual(ds.subjectName.getField('C'), [issuingCountry], 'issuing_country equals the DS subject C')

  const result = {
    msoDigest: createHash('sha256').update(payload).digest('hex'),
    salts,
    dsCertificateDer: dsDer,
    iacaDer: Buffer.from(iaca.rawData),
    validityInfo: { signed, validFrom, validUntil },
  }
  if (record) {
    mkdirSync(OUT, { recursive: true })
    const line = {
      wallet,
      format: 'mso_mdoc',
      credential,
      holder_jwk: holder.publicJwk,
      doctype,
      iacas: trusted.map((d) => Buffer.from(d).toString('base64')),
      expected,
    }
    appendFileSync(`${OUT}/credentials.jsonl`, `${JSON.stringify(line)}\n`)
  }
  return result
}

function bstrHeader(n) {
  if (n < 24) return Buffer.from([0x40 | n])
  if (n < 0x100) return Buffer.from([0x58, n])
  if (n < 0x10000) return Buffer.from([0x59, n >> 8, n & 0xff])
  const b = Buffer.alloc(5)
  b[0] = 0x5a
  b.writeUInt32BE(n, 1)
  return b
}

// ---------------------------------------------------------------------------------------------
// Helpers for negative tests

/**
 * The same credential with one IssuerSignedItem's elementValue replaced (its tag-24 bytes
 * re-encoded; everything else, the MSO and its signature included, byte-for-byte as issued).
 * Uses the CBOR codec @animo-id/mdoc exports (its bundled cbor-x fork; no cbor-x package).
 */
export function tamperElement(credential, ns, elementIdentifier, newValue) {
  const decoded = cborDecode(new Uint8Array(Buffer.from(credential, 'base64url')))
  const list = decoded.get('nameSpaces').get(ns)
  const i = list.findIndex((di) => di.data.get('elementIdentifier') === elementIdentifier)
  assert.ok(i >= 0, `${ns}/${elementIdentifier} is in the credential`)
  const item = new Map(list[i].data)
  item.set('elementValue', newValue)
  list[i] = new DataItem({ buffer: cborEncode(item) })
  return Buffer.from(cborEncode(decoded)).toString('base64url')
}

/** A fresh self-signed P-256 IACA-profile certificate and its keys (@peculiar/x509 + webcrypto). */
export async function generateIaca({ country = 'NZ', commonName = 'Interop test IACA', pathLength = 0, keyUsages, issuerAltName = 'https://iaca.example.test', notBefore, notAfter } = {}) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
  const extensions = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(keyUsages ?? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ]
  if (issuerAltName) extensions.push(new x509.IssuerAlternativeNameExtension([{ type: 'url', value: issuerAltName }]))
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: [{ C: [country] }, { CN: [commonName] }],
    notBefore: notBefore ?? new Date(Date.now() - 3600 * 1000),
    notAfter: notAfter ?? new Date(Date.now() + 365 * DAY),
    keys,
    signingAlgorithm: alg,
    extensions,
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g).join('\n')}\n-----END PRIVATE KEY-----\n`
  return { cert, der: Buffer.from(cert.rawData), certificatePem: cert.toString('pem'), privateKeyPem, keys }
}

export { x509 }
