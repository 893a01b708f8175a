// ldp_vc (W3C VCs with an embedded Linked Data proof): the issuer metadata of two configurations,
// wallet A (@openid4vc/openid4vci 0.4.6, which knows ldp_vc and takes a JSON-object credential)
// obtaining them through pre-authorized offers, and @digitalbazaar/vc 7.3.0 verifying them
// offline (lib/ldp.js): VCDM 2.0 + DataIntegrityProof eddsa-rdfc-2022 issued by did:web (Sigil's
// /.well-known/did.json), VCDM 1.1 + Ed25519Signature2020 issued by did:key. Tampered credentials,
// a replaced issuer key and unknown contexts must fail; bad configurations are refused.
// ldp_vc credentials are verified here only (verify.py has no JSON-LD verifier).
import assert from 'node:assert/strict'
import { describe, test, before } from 'node:test'
import { SIGIL_URL, admin, createOffer, didJwkOf, newHolderKey, txCodeOf } from '../lib/sigil.js'
import { obtainWithWalletA } from '../lib/wallet-a.js'
import {
  ED25519_SIGNATURE_2020,
  EDDSA_RDFC_2022,
  EXAMPLES_V2_CONTEXT,
  LDP_CLAIMS,
  LDP_PROFILES,
  LDP_SUITES,
  assertLdpCredential,
  assertLdpMetadata,
  createLdpConfigurations,
  fetchDidDocument,
  ldpDocumentLoader,
  ldpType,
  newEd25519HolderKey,
  resolveDidKey,
  verifyLdp,
  withReplacedKey,
} from '../lib/ldp.js'

const DAY_MS = 24 * 3600 * 1000
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

describe('ldp_vc with wallet A and @digitalbazaar/vc 7.3.0', () => {
  const tag = `L${Date.now()}`
  let configs
  let didDocument
  let documentLoader

  before(async () => {
    configs = await createLdpConfigurations(tag)
    didDocument = await fetchDidDocument()
    documentLoader = ldpDocumentLoader({ didDocuments: [didDocument] })
  })

  /**
   * One credential of `suite` through wallet A. The holder is a P-256 key sent as the proof's
   * `jwk` (credentialSubject.id = its did:jwk), or with `didKeyHolder` an Ed25519 key named by a
   * did:key `kid` (credentialSubject.id = that did:key).
   */
  async function obtain(suite, { didKeyHolder = false, tx = false, byReference = false } = {}) {
    const offer = await createOffer(configs[suite], { tx, byReference, claims: LDP_CLAIMS })
    let holder, holderDid, signer
    if (didKeyHolder) {
      holder = await newEd25519HolderKey()
      holderDid = holder.did
      signer = { method: 'did', didUrl: holder.didUrl, alg: 'EdDSA' }
    } else {
      holder = await newHolderKey()
      holderDid = didJwkOf(holder.publicJwk)
    }
    const credential = await obtainWithWalletA(offer.uri, configs[suite], txCodeOf(offer), holder, signer ? { signer } : {})
    return { credential, holderDid }
  }

  /** The issuer DID document of a credential (did:web from Sigil, did:key through the driver). */
  async function issuerDocument(credential) {
    return credential.issuer.startsWith('did:key:') ? resolveDidKey(credential.issuer) : didDocument
  }

  async function assertVerified(credential, loader = documentLoader) {
    const { verified, errors } = await verifyLdp(credential, { documentLoader: loader })
    assert.equal(verified, true, `@digitalbazaar/vc verifies the credential: ${JSON.stringify(errors)}`)
  }

  async function assertRefused(credential, what, { loader = documentLoader, now, error = /^Invalid signature\.$/ } = {}) {
    const { verified, errors } = await verifyLdp(credential, { documentLoader: loader, now })
    assert.equal(verified, false, `${what}: verification fails`)
    assert.ok(errors.some((m) => error.test(m)), `${what}: fails with ${error} (got ${JSON.stringify(errors)})`)
  }

  test('issuer metadata describes both configurations', async () => {
    const meta = await (await fetch(`${SIGIL_URL}/.well-known/openid-credential-issuer`)).json()
    for (const suite of LDP_SUITES) assertLdpMetadata(meta.credential_configurations_supported[configs[suite]], suite, ldpType(suite, tag))
  })

  test('wallet A obtains a VCDM 2.0 eddsa-rdfc-2022 ldp_vc issued by did:web; @digitalbazaar/vc verifies it', async () => {
    const ids = new Set()
    for (const [tx, byReference] of [[false, false], [true, true]]) {
      const { credential, holderDid } = await obtain(EDDSA_RDFC_2022, { tx, byReference })
      assert.match(holderDid, /^did:jwk:/)
      assertLdpCredential(credential, {
        suite: EDDSA_RDFC_2022,
        type: ldpType(EDDSA_RDFC_2022, tag),
        issuerDid: didDocument.id,
        verificationMethods: didDocument.assertionMethod,
        holderDid,
      })
      assert.ok(credential.proof.verificationMethod.startsWith(`${didDocument.id}#`), 'the proof names a did:web key')
      await assertVerified(credential)
      ids.add(credential.id)
    }
    assert.equal(ids.size, 2, 'every credential has its own id')
  })

  test('wallet A obtains a VCDM 1.1 Ed25519Signature2020 ldp_vc issued by did:key (did:key and did:jwk holders); it verifies', async () => {
    for (const didKeyHolder of [true, false]) {
      const { credential, holderDid } = await obtain(ED25519_SIGNATURE_2020, { didKeyHolder })
      assert.match(holderDid, didKeyHolder ? /^did:key:z6Mk/ : /^did:jwk:/)
      assert.match(credential.issuer, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/, 'issuer is an Ed25519 did:key')
      const fingerprint = credential.issuer.slice('did:key:'.length)
      assertLdpCredential(credential, {
        suite: ED25519_SIGNATURE_2020,
        type: ldpType(ED25519_SIGNATURE_2020, tag),
        issuerDid: credential.issuer,
        verificationMethods: [`${credential.issuer}#${fingerprint}`],
        holderDid,
      })
      await assertVerified(credential)
    }
  })

  for (const suite of LDP_SUITES) {
    const vcdm2 = LDP_PROFILES[suite].vcdm === '2.0'
    const until = vcdm2 ? 'validUntil' : 'expirationDate'

    test(`${suite}: tampering, a foreign proofValue and a replaced issuer key are refused`, async () => {
      const { credential } = await obtain(suite)
      const { credential: other } = await obtain(suite)
      await assertVerified(credential)
      await assertVerified(other)
      assert.notEqual(other.proof.proofValue, credential.proof.proofValue)

      const tampered = {
        'a changed claim (alumniOf)': (c) => { c.credentialSubject.alumniOf = 'Other University' },
        'a changed number (gpa 3.75 → 3.76)': (c) => { c.credentialSubject.gpa = 3.76 },
        'a changed nested claim (degree.name)': (c) => { c.credentialSubject.degree.name = 'Master of Science' },
        'another holder (credentialSubject.id)': (c) => { c.credentialSubject.id = other.credentialSubject.id },
        'another issuer': (c) => { c.issuer = 'did:web:issuer.example' },
        [`a later ${until}`]: (c) => { c[until] = iso(Date.parse(c[until]) + 365 * DAY_MS) },
        'the proofValue of another credential': (c) => { c.proof.proofValue = other.proof.proofValue },
        'a changed proof.created': (c) => { c.proof.created = iso(Date.parse(c.proof.created) - DAY_MS) },
      }
      for (const [what, change] of Object.entries(tampered)) {
        const c = structuredClone(credential)
        change(c)
        await assertRefused(c, what)
      }

      // The issuer's DID document with its key replaced by another Ed25519 key (same ids).
      const forged = await withReplacedKey(await issuerDocument(credential))
      await assertRefused(credential, 'a DID document with another key', { loader: ldpDocumentLoader({ didDocuments: [forged] }) })

      // Validity is enforced too: after `until` the (untampered) credential no longer verifies.
      await assertRefused(credential, `verified after ${until}`, { now: new Date(Date.parse(credential[until]) + DAY_MS), error: vcdm2 ? /after "validUntil"/ : /Credential has expired/ })
    })
  }

  test('the document loader is offline: unknown contexts and DIDs fail verification', async () => {
    const unknown = `https://example.com/contexts/${tag}/v1`
    for (const suite of LDP_SUITES) {
      const { credential } = await obtain(suite)
      await assertVerified(credential)
      const withUnknown = structuredClone(credential)
      withUnknown['@context'].push(unknown)
      await assertRefused(withUnknown, `${suite}: an unknown context`, { error: new RegExp(`URL: "${unknown}"`) })
      // A loader without the examples v2 context refuses the untampered credential (jsonld's
      // process-wide context cache does not paper over it: lib/ldp.js drops the static tag).
      await assertRefused(credential, `${suite}: a loader without ${EXAMPLES_V2_CONTEXT}`, {
        loader: ldpDocumentLoader({ didDocuments: [didDocument], omit: [EXAMPLES_V2_CONTEXT] }),
        error: new RegExp(`URL: "${EXAMPLES_V2_CONTEXT}"`),
      })
    }
    // A did:web credential with a loader that does not hold Sigil's DID document.
    const { credential } = await obtain(EDDSA_RDFC_2022)
    await assertRefused(credential, 'did:web not registered', { loader: ldpDocumentLoader(), error: /DID not resolvable offline/ })
    await assert.rejects(documentLoader(unknown), /Document not found in document loader/)
    await assert.rejects(documentLoader('did:web:issuer.example'), /DID not resolvable offline/)
  })

  test('configurations are refused for a context Sigil does not bundle and for a claim no context defines', async () => {
    const refusals = [
      [
        'contexts.0',
        {
          name: 'Unknown context',
          format: 'ldp_vc',
          type: `ExampleUnknownContext${tag}`,
          contexts: ['https://example.com/contexts/v1'],
          proofSuite: EDDSA_RDFC_2022,
          claimMappings: { alumniOf: { mapFrom: 'claims.school' } },
        },
      ],
      [
        'claimMappings.graduation',
        {
          name: 'Undefined claim',
          format: 'ldp_vc',
          type: 'AlumniCredential',
          contexts: ['https://www.w3.org/2018/credentials/examples/v1'],
          proofSuite: ED25519_SIGNATURE_2020,
          claimMappings: { alumniOf: { mapFrom: 'claims.school' }, graduation: { defaultValue: 2024 } },
        },
      ],
    ]
    for (const [param, body] of refusals) {
      const r = await admin('POST', '/v1/openid/credential-configurations', body)
      assert.equal(r.status, 400, `${param}: ${JSON.stringify(r.body)}`)
      assert.equal(r.body.code, 'BadRequest')
      assert.equal(r.body.message, 'Validation Error')
      assert.ok(Array.isArray(r.body.details) && r.body.details.length >= 1, 'details is a non-empty array')
      for (const d of r.body.details) {
        assert.equal(typeof d.msg, 'string')
        assert.equal(typeof d.param, 'string')
        assert.equal(d.location, 'body')
      }
      assert.ok(r.body.details.some((d) => d.param === param), `a detail names ${param}: ${JSON.stringify(r.body.details)}`)
    }
  })
})
