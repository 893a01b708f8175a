// ldp_vc (JSON-LD credentials with an embedded Linked Data proof) for the interop suite: the two
// configurations (VCDM 2.0 + eddsa-rdfc-2022 issued by did:web, VCDM 1.1 + Ed25519Signature2020
// issued by did:key), their issuer metadata, an OFFLINE JSON-LD document loader, and verification
// with @digitalbazaar/vc 7.3.0 (see ../shared/design/INTEROP.md for the pinned packages).
//
// The loader never fetches: the JSON-LD contexts come from the npm context packages (plus the W3C
// examples v2 context, written out below), Sigil's did:web DID document is fetched by the test
// once and registered statically, and did:key is resolved locally by the did-method-key driver.
// Any other URL throws, so a credential naming an unknown context fails verification.
// statusDocumentLoader wraps it for revocable credentials: it fetches Sigil's status list
// credentials (and only those) over HTTP.
import assert from 'node:assert/strict'
import * as jose from 'jose'
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020'
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey'
import * as didMethodKey from '@digitalbazaar/did-method-key'
import { JsonLdDocumentLoader } from 'jsonld-document-loader'
import * as credentialsContext from '@digitalbazaar/credentials-context'
import * as ed25519Signature2020Context from 'ed25519-signature-2020-context'
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context'
import * as multikeyContext from '@digitalbazaar/multikey-context'
import * as didContext from 'did-context'
import * as bitstringStatusListContext from '@digitalbazaar/vc-bitstring-status-list-context'
import { SIGIL_URL, admin } from './sigil.js'

export const LDP_FORMAT = 'ldp_vc'
export const EDDSA_RDFC_2022 = 'eddsa-rdfc-2022'
export const ED25519_SIGNATURE_2020 = 'Ed25519Signature2020'
export const LDP_SUITES = [EDDSA_RDFC_2022, ED25519_SIGNATURE_2020]
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1'
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2'
export const ED25519_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1'
export const EXAMPLES_V2_CONTEXT = 'https://www.w3.org/ns/credentials/examples/v2'
/** The published W3C document at EXAMPLES_V2_CONTEXT (not in any of the npm context packages). */
export const EXAMPLES_V2_DOCUMENT = { '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } }
export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1'
export const MULTIKEY_V1_CONTEXT = 'https://w3id.org/security/multikey/v1'

/** Per suite: the configuration's issuer DID method and the full credential @context list. */
export const LDP_PROFILES = {
  [EDDSA_RDFC_2022]: { issuerDid: 'did:web', vcdm: '2.0', context: [VC_V2_CONTEXT, EXAMPLES_V2_CONTEXT] },
  [ED25519_SIGNATURE_2020]: { issuerDid: 'did:key', vcdm: '1.1', context: [VC_V1_CONTEXT, EXAMPLES_V2_CONTEXT, ED25519_2020_CONTEXT] },
}
export const VALIDITY_DAYS = 30
const DAY_MS = 24 * 3600 * 1000

/** The configured type of each suite for a run `tag` (types are unique per format). */
export const ldpType = (suite, tag) => (suite === EDDSA_RDFC_2022 ? `ExampleAlumniCredential${tag}` : `ExampleAlumni2020Credential${tag}`)

export const LDP_CLAIM_MAPPINGS = {
  alumniOf: { mapFrom: 'claims.school', required: true },
  degree: { defaultValue: { type: 'ExampleBachelorDegree', name: 'Bachelor of Science' } },
  graduation: { defaultValue: 2024 },
  gpa: { defaultValue: 3.75 },
}
/** The offer's claims, and the credentialSubject they give (without id). */
export const LDP_CLAIMS = { school: 'Example University' }
export const LDP_EXPECTED_CLAIMS = {
  alumniOf: 'Example University',
  degree: { type: 'ExampleBachelorDegree', name: 'Bachelor of Science' },
  graduation: 2024,
  gpa: 3.75,
}

/**
 * One ldp_vc configuration per suite (of `suites`), unique to `tag`; returns { [suite]: id }.
 * `revocable`: the credentials carry credentialStatus (BitstringStatusListEntry).
 */
export async function createLdpConfigurations(tag, { suites = LDP_SUITES, revocable = false } = {}) {
  const ids = {}
  for (const suite of suites) {
    const r = await admin('POST', '/v1/openid/credential-configurations', {
      name: `Interop ldp_vc ${suite} ${tag}`,
      format: LDP_FORMAT,
      type: ldpType(suite, tag),
      contexts: [EXAMPLES_V2_CONTEXT],
      proofSuite: suite,
      issuerDid: LDP_PROFILES[suite].issuerDid,
      claimMappings: LDP_CLAIM_MAPPINGS,
      expiresIn: { days: VALIDITY_DAYS },
      ...(revocable ? { revocable: true } : {}),
    })
    assert.equal(r.status, 201, `${suite}: ${JSON.stringify(r.body)}`)
    assert.ok(r.body.id)
    assert.equal(r.body.proofSuite, suite)
    assert.equal(r.body.issuerDid, LDP_PROFILES[suite].issuerDid)
    ids[suite] = r.body.id
  }
  return ids
}

/** `credential_configurations_supported[id]` of an ldp_vc configuration, against the contract. */
export function assertLdpMetadata(supported, suite, type) {
  assert.ok(supported, `${suite}: the configuration is in credential_configurations_supported`)
  assert.equal(supported.format, LDP_FORMAT, 'format')
  assert.equal(supported.scope, `${LDP_FORMAT}:${type}`, 'scope is <format>:<type>')
  assert.deepEqual(supported.credential_definition, { '@context': LDP_PROFILES[suite].context, type: ['VerifiableCredential', type] }, 'credential_definition: the full @context list and the types')
  assert.deepEqual(supported.credential_signing_alg_values_supported, [suite], 'credential_signing_alg_values_supported names the proof suite')
  assert.deepEqual(supported.cryptographic_binding_methods_supported, ['did:key', 'did:jwk'], 'cryptographic_binding_methods_supported')
  assert.ok(supported.proof_types_supported?.jwt?.proof_signing_alg_values_supported?.includes('ES256'), 'jwt proofs with ES256')
  const paths = (supported.credential_metadata?.claims ?? []).map((c) => JSON.stringify(c.path)).sort()
  const expected = Object.keys(LDP_CLAIM_MAPPINGS).map((name) => JSON.stringify(['credentialSubject', name])).sort()
  assert.deepEqual(paths, expected, 'credential_metadata.claims paths are ["credentialSubject", name]')
}

/** Sigil's did:web DID document, checked against the contract. */
export async function fetchDidDocument() {
  const res = await fetch(`${SIGIL_URL}/.well-known/did.json`)
  assert.equal(res.status, 200, 'GET /.well-known/did.json')
  const doc = await res.json()
  const host = new URL(SIGIL_URL).host
  assert.equal(doc.id, `did:web:${host.replace(':', '%3A')}`, 'the DID is did:web of the issuer host, the port percent-encoded')
  assert.deepEqual(doc['@context'], [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT], 'DID document @context')
  assert.ok(Array.isArray(doc.verificationMethod) && doc.verificationMethod.length >= 1, 'at least one verification method')
  for (const vm of doc.verificationMethod) {
    assert.ok(vm.id.startsWith(`${doc.id}#`), `${vm.id} is a DID URL of the document`)
    assert.equal(vm.type, 'Multikey')
    assert.equal(vm.controller, doc.id)
    assert.match(vm.publicKeyMultibase, /^z6Mk[1-9A-HJ-NP-Za-km-z]+$/, 'an Ed25519 public key as multibase multikey')
    assert.ok(doc.assertionMethod.includes(vm.id), `${vm.id} is an assertionMethod`)
  }
  return doc
}

/** The static documents: every bundled context, keyed by URL. */
function contextDocuments({ omit = [] } = {}) {
  const docs = new Map()
  for (const pkg of [credentialsContext, ed25519Signature2020Context, dataIntegrityContext, multikeyContext, didContext, bitstringStatusListContext]) {
    for (const [url, document] of pkg.contexts) docs.set(url, document)
  }
  docs.set(EXAMPLES_V2_CONTEXT, EXAMPLES_V2_DOCUMENT)
  for (const url of omit) docs.delete(url)
  return docs
}

/** The did:key driver of @digitalbazaar/did-method-key, for Ed25519 Multikeys (z6Mk…). */
function didKeyDriver() {
  const driver = didMethodKey.driver()
  driver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from })
  return driver
}

/**
 * The node a verifier gets for one DID URL with a fragment: the verification method, carrying the
 * DID document's @context (as @digitalbazaar/did-method-key returns a did:key key).
 */
export function verificationMethodNode(didDocument, id) {
  const vm = didDocument.verificationMethod.find((m) => m.id === id)
  assert.ok(vm, `${id} is in the DID document`)
  return { '@context': didDocument['@context'], ...vm }
}

/**
 * An offline documentLoader for @digitalbazaar/vc: the bundled contexts, the given DID documents
 * (each registered for its DID and each verification method id; they take precedence over the
 * did:key driver, so a forged did:key document can be passed too), did:key through the driver.
 * `omit` drops context URLs (to show that an unknown context fails). `vmNode(didDocument, id)`
 * builds what a verification method id resolves to (a test can swap it to see what the verifier
 * needs). Anything else throws: the loader never fetches.
 */
export function ldpDocumentLoader({ didDocuments = [], omit = [], vmNode = verificationMethodNode } = {}) {
  const loader = new JsonLdDocumentLoader()
  loader.addDocuments({ documents: contextDocuments({ omit }) })
  for (const doc of didDocuments) {
    loader.addStatic(doc.id, doc)
    for (const vm of doc.verificationMethod) loader.addStatic(vm.id, vmNode(doc, vm.id))
  }
  const didKey = didKeyDriver()
  loader.setDidResolver({
    method: 'did',
    get: async ({ url }) => {
      if (url.startsWith('did:key:')) return didKey.get({ url })
      throw new Error(`DID not resolvable offline: ${url}`)
    },
  })
  const load = loader.build()
  return async (url) => {
    if (typeof url !== 'string' || !/^(https?|did):/.test(url)) throw new Error(`not a URL the offline loader serves: ${url}`)
    // Throws "Document not found in document loader" for anything unknown. The `static` tag that
    // JsonLdDocumentLoader puts on its documents is dropped: with it, jsonld 9 keeps the resolved
    // context in a process-wide cache and never asks a later loader for that URL again, so a
    // loader lacking a context would still "verify" once any other loader had served it.
    const { tag, ...result } = await load(url)
    return result
  }
}

/** The suite instance matching a credential's proof. */
export function suiteFor(credential) {
  const { type, cryptosuite } = credential.proof ?? {}
  if (type === 'DataIntegrityProof' && cryptosuite === EDDSA_RDFC_2022) return new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })
  if (type === ED25519_SIGNATURE_2020) return new Ed25519Signature2020()
  throw new Error(`unexpected proof ${type}/${cryptosuite}`)
}

/**
 * Every error message of a @digitalbazaar/vc result (nested VerificationErrors flattened), the
 * status check's (statusResult, from checkStatus) included.
 */
export function errorMessages(result) {
  const out = []
  const walk = (e) => {
    if (!e) return
    if (Array.isArray(e)) return e.forEach(walk)
    if (e.message) out.push(e.message)
    walk(e.errors)
    walk(e.cause)
  }
  walk(result.error)
  for (const r of result.results ?? []) walk(r.error)
  walk(result.statusResult?.error)
  for (const r of result.statusResult?.results ?? []) walk(r.error)
  return [...new Set(out)]
}

/**
 * @digitalbazaar/vc verifyCredential with the suite the proof names; returns { verified, result,
 * errors }. `checkStatus` (e.g. @digitalbazaar/vc-bitstring-status-list's) is required by the
 * library for a credential with credentialStatus; it gets the same options (suite, loader, …).
 */
export async function verifyLdp(credential, { documentLoader, now, checkStatus } = {}) {
  const result = await vc.verifyCredential({ credential: structuredClone(credential), suite: suiteFor(credential), documentLoader, now, checkStatus })
  return { verified: result.verified, result, errors: errorMessages(result) }
}

/** The prefix of every status list Sigil publishes (Token Status Lists and Bitstring Status List credentials). */
export const STATUS_LIST_PREFIX = `${SIGIL_URL}/v1/status-lists/`

/**
 * `documentLoader` plus the one thing it may fetch: a status list credential of Sigil's
 * (`STATUS_LIST_PREFIX…`), over HTTP, as @digitalbazaar/vc-bitstring-status-list's checkStatus
 * loads `statusListCredential`. Every fetch is logged in `fetched` (url, status, content type,
 * the document); `transform(document, url)` may replace the document (to show that a tampered
 * list fails its proof).
 */
export function statusDocumentLoader(documentLoader, { transform } = {}) {
  const fetched = []
  const loader = async (url) => {
    if (typeof url !== 'string' || !url.startsWith(STATUS_LIST_PREFIX)) return documentLoader(url)
    const res = await fetch(url)
    const contentType = res.headers.get('content-type') ?? ''
    const text = await res.text()
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`)
    let document = JSON.parse(text)
    fetched.push({ url, status: res.status, contentType, document: structuredClone(document) })
    if (transform) document = transform(document, url)
    return { contextUrl: null, documentUrl: url, document }
  }
  return { loader, fetched }
}

/** The DID document of a did:key, as the did-method-key driver resolves it. */
export async function resolveDidKey(did) {
  return didKeyDriver().get({ did })
}

/** `didDocument` with every verification method's key replaced by a fresh Ed25519 key (same ids). */
export async function withReplacedKey(didDocument) {
  const forged = structuredClone(didDocument)
  for (const vm of forged.verificationMethod) {
    const other = await Ed25519Multikey.generate()
    assert.notEqual(other.publicKeyMultibase, vm.publicKeyMultibase)
    vm.publicKeyMultibase = other.publicKeyMultibase
    delete vm.publicKeyJwk
  }
  return forged
}

/** An Ed25519 holder key with its did:key and did:key URL (for a proof JWT with `kid`). */
export async function newEd25519HolderKey() {
  const { publicKey, privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const publicJwk = await jose.exportJWK(publicKey)
  const { publicKeyMultibase } = await Ed25519Multikey.fromJwk({ jwk: publicJwk })
  const did = `did:key:${publicKeyMultibase}`
  return { publicKey, privateKey, publicJwk, did, didUrl: `${did}#${publicKeyMultibase}` }
}

/**
 * Checks an issued ldp_vc against the contract (structure, issuer DID, holder DID, claims,
 * validity, proof fields). `issuerDid` is the expected issuer; `holderDid` the holder's DID.
 */
export function assertLdpCredential(credential, { suite, type, issuerDid, verificationMethods, holderDid, claims = LDP_EXPECTED_CLAIMS }) {
  assert.ok(credential && typeof credential === 'object' && !Array.isArray(credential), 'the ldp_vc credential is a JSON object')
  const profile = LDP_PROFILES[suite]
  assert.deepEqual(credential['@context'], profile.context, '@context')
  assert.deepEqual(credential.type, ['VerifiableCredential', type], 'type')
  assert.match(credential.id, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'id is a urn:uuid')
  assert.equal(credential.issuer, issuerDid, 'issuer is the issuer DID')
  const { id: subjectId, ...subject } = credential.credentialSubject
  assert.equal(subjectId, holderDid, "credentialSubject.id is the holder's DID")
  assert.deepEqual(subject, claims, 'the mapped claims (degree an object, gpa the number 3.75)')
  assert.equal(typeof credential.credentialSubject.gpa, 'number')
  assert.equal(typeof credential.credentialSubject.graduation, 'number')

  const [fromName, untilName] = profile.vcdm === '2.0' ? ['validFrom', 'validUntil'] : ['issuanceDate', 'expirationDate']
  const other = profile.vcdm === '2.0' ? ['issuanceDate', 'expirationDate'] : ['validFrom', 'validUntil']
  for (const name of other) assert.equal(credential[name], undefined, `no ${name} in VCDM ${profile.vcdm}`)
  const from = Date.parse(credential[fromName])
  const until = Date.parse(credential[untilName])
  assert.ok(Number.isFinite(from) && Number.isFinite(until), `${fromName} and ${untilName} are dates`)
  assert.ok(Math.abs(Date.now() - from) < 300_000, `${fromName} is now (${credential[fromName]})`)
  assert.equal(until - from, VALIDITY_DAYS * DAY_MS, `${untilName} is ${VALIDITY_DAYS} days after ${fromName}`)

  const { proof } = credential
  assert.ok(proof && typeof proof === 'object' && !Array.isArray(proof), 'one embedded proof')
  assert.equal(proof.proofPurpose, 'assertionMethod')
  assert.ok(verificationMethods.includes(proof.verificationMethod), `the proof's verificationMethod ${proof.verificationMethod} is one of ${verificationMethods}`)
  assert.ok(Math.abs(Date.parse(proof.created) - from) < 300_000, 'proof.created is the issuance time')
  assert.match(proof.proofValue, /^z[1-9A-HJ-NP-Za-km-z]+$/, 'proofValue is base58btc multibase')
  if (suite === EDDSA_RDFC_2022) {
    assert.equal(proof.type, 'DataIntegrityProof')
    assert.equal(proof.cryptosuite, EDDSA_RDFC_2022)
  } else {
    assert.equal(proof.type, ED25519_SIGNATURE_2020)
    assert.equal(proof.cryptosuite, undefined)
  }
}
