// Credential status (revocation and suspension) checked by third-party verifiers. Revocable
// configurations (`revocable: true`) of every format; wallet A obtains their credentials; the
// administrator revokes, suspends and reinstates them (POST /v1/credentials/{id}/status) and the
// verifiers see it in the lists Sigil publishes:
//   dc+sd-jwt, jwt_vc_json: the IETF Token Status List as a JWT, verified with jose and decoded
//     with @sd-jwt/jwt-status-list; @sd-jwt/sd-jwt-vc 0.19.0 follows the `status` claim itself
//     (its fetcher, statusVerifier, statusValidator) and refuses a revoked or suspended credential;
//   mso_mdoc, cwt_vc, cwt: the same list as a CWT (COSE_Sign1), verified here with node:crypto and
//     recorded (status-lists.jsonl) for verify.py, which verifies it with Python `cwt` 3.3.0 and
//     reads the credential's status again;
//   ldp_vc (eddsa-rdfc-2022): W3C Bitstring Status List credentials, fetched over HTTP and checked
//     (proof included) by @digitalbazaar/vc-bitstring-status-list's checkStatus in
//     @digitalbazaar/vc 7.3.0's verifyCredential.
// Every list is also decoded by the suite's own readers (lib/status.js), and the management API
// (GET /v1/users/{id}/credentials) must agree with what the lists say.
import assert from 'node:assert/strict'
import { describe, test, before } from 'node:test'
import { deflateSync, gzipSync } from 'node:zlib'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { getListFromStatusListJWT, getStatusListFromJWT } from '@sd-jwt/jwt-status-list'
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list'
import {
  CLAIMS,
  EXPECTED_CLAIMS,
  SIGIL_URL,
  admin,
  createConfigurations,
  createOffer,
  didJwkOf,
  newHolderKey,
  statusListVerifier,
  txCodeOf,
  verifyAndRecord,
} from '../lib/sigil.js'
import { obtainWithWalletA } from '../lib/wallet-a.js'
import { CWT_FORMATS, createCwtConfigurations, cwtType, verifyCwt } from '../lib/cwt.js'
import {
  EDDSA_RDFC_2022,
  LDP_CLAIMS,
  STATUS_LIST_PREFIX,
  VC_V2_CONTEXT,
  assertLdpCredential,
  createLdpConfigurations,
  fetchDidDocument,
  ldpDocumentLoader,
  ldpType,
  statusDocumentLoader,
  verifyLdp,
} from '../lib/ldp.js'
import { MDL_CLAIMS, MDL_CLAIM_MAPPINGS, verifyMdoc } from '../lib/mdoc.js'
import {
  INVALID,
  SUSPENDED,
  VALID,
  BITSTRING_MIN_BITS,
  aggregatedLists,
  assertListUri,
  decodeBitstring,
  fetchStatusListCwt,
  fetchStatusListJwt,
  issuedCredential,
  recordStatusListCwt,
  setStatus,
  statusReference,
} from '../lib/status.js'

const ADMIN_STATUS = { [VALID]: 'valid', [INVALID]: 'revoked', [SUSPENDED]: 'suspended' }

/** An @sd-jwt verifier for JWTs signed by Sigil: the key the JWT's kid names in /.well-known/jwt-vc-issuer. */
function kidVerifier(meta) {
  return async (data, sig) => {
    const { kid } = JSON.parse(Buffer.from(data.split('.')[0], 'base64url').toString('utf8'))
    const jwk = meta.jwks.keys.find((k) => k.kid === kid)
    assert.ok(jwk, `kid ${kid} resolves through /.well-known/jwt-vc-issuer`)
    return (await ES256.getVerifier(jwk))(data, sig)
  }
}
const jwtVcIssuer = async () => (await fetch(`${SIGIL_URL}/.well-known/jwt-vc-issuer`)).json()

/**
 * An issued credential's status list reference as GET /v1/users/{id}/credentials lists it,
 * against `ref` ({ uri, idx } from the credential; for ldp_vc the list URI without the purpose).
 * Either `statusList: {uri, index}`, or `statusLists: [{uri, index, purpose?}]`: one entry for a
 * Token Status List, one per purpose (uri …/revocation, …/suspension) for a Bitstring one.
 */
function assertListed(entry, ref, bitstring) {
  if (entry.statusLists !== undefined) {
    const expected = bitstring
      ? ['revocation', 'suspension'].map((purpose) => ({ uri: `${ref.uri}/${purpose}`, index: ref.idx, purpose }))
      : [{ uri: ref.uri, index: ref.idx }]
    const listed = [...entry.statusLists].sort((a, b) => a.uri.localeCompare(b.uri))
    assert.deepEqual(listed, expected, `statusLists is the reference in the credential: ${JSON.stringify(entry.statusLists)}`)
  } else {
    assert.deepEqual(entry.statusList, { uri: ref.uri, index: ref.idx }, `statusList {uri, index} is the reference in the credential: ${JSON.stringify(entry)}`)
  }
}

describe('credential status: Token Status List and Bitstring Status List with third-party verifiers', () => {
  const tag = `S${Date.now()}`
  const doctype = `org.iso.18013.5.1.mDL.Status${tag}`
  let configs
  let plain // the same JSON formats, not revocable

  before(async () => {
    // mdocs need an active IACA (the mdoc suite made one; a fresh run of this file alone too).
    const iacas = await admin('GET', '/v1/credentials/mobile/iacas')
    assert.equal(iacas.status, 200, JSON.stringify(iacas.body))
    if (!iacas.body.data.some((i) => i.active)) {
      const r = await admin('POST', '/v1/credentials/mobile/iacas', { country: 'NZ', commonName: 'Sigil Status IACA' })
      assert.equal(r.status, 201, JSON.stringify(r.body))
    }
    // The mDL configuration of the other tests is the one for its doctype; this one has its own.
    const mdoc = await admin('POST', '/v1/openid/credential-configurations', {
      name: `Interop revocable mDL ${tag}`,
      format: 'mso_mdoc',
      doctype,
      claimMappings: MDL_CLAIM_MAPPINGS,
      expiresIn: { days: 30 },
      revocable: true,
    })
    assert.equal(mdoc.status, 201, JSON.stringify(mdoc.body))
    configs = {
      ...(await createConfigurations(tag, { revocable: true })),
      ...(await createCwtConfigurations(tag, { revocable: true })),
      ldp_vc: (await createLdpConfigurations(tag, { suites: [EDDSA_RDFC_2022], revocable: true }))[EDDSA_RDFC_2022],
      mso_mdoc: mdoc.body.id,
    }
    for (const [format, id] of Object.entries(configs)) {
      const r = await admin('GET', `/v1/openid/credential-configurations/${id}`)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      assert.equal(r.body.revocable, true, `${format}: the configuration says revocable: true`)
    }
    plain = await createConfigurations(`${tag}P`)
  })

  /** One credential through wallet A (pre-authorized offer): { credential, holder, offer }. */
  async function obtain(configId, claims = CLAIMS) {
    const offer = await createOffer(configId, { claims })
    assert.equal(typeof offer.userId, 'string', `the offer names its user: ${JSON.stringify(offer)}`)
    const holder = await newHolderKey()
    const credential = await obtainWithWalletA(offer.uri, configId, txCodeOf(offer), holder)
    return { credential, holder, offer }
  }

  /**
   * The management API's view of an issued credential: its id, the `status` it reports and where
   * its status is published, which must be the reference the credential carries.
   */
  async function managed({ offer, holder }, configId, ref, status = 'valid') {
    const entry = await issuedCredential(offer.userId, configId, holder.publicJwk)
    assert.equal(typeof entry.id, 'string', 'the issued credential has an id')
    assert.equal(entry.status, status, `the management API reports ${status}`)
    assertListed(entry, ref, configId === configs.ldp_vc)
    return entry
  }

  /** Sets a status through the management API and checks it is listed so. */
  async function changeStatus(ob, configId, ref, id, value) {
    await setStatus(id, ADMIN_STATUS[value])
    await managed(ob, configId, ref, ADMIN_STATUS[value])
  }

  /** The status at `ref` in the JWT list: jose-verified, read by the suite and by @sd-jwt/jwt-status-list. */
  async function jwtStatus(ref) {
    const token = await fetchStatusListJwt(ref.uri)
    const ours = token.list.get(ref.idx)
    const library = getListFromStatusListJWT(token.jwt).getStatus(ref.idx)
    assert.equal(library, ours, '@sd-jwt/jwt-status-list and the suite read the same status')
    return ours
  }

  /**
   * @sd-jwt/sd-jwt-vc 0.19.0 verifying `credential` with Sigil's issuer key and the status list
   * wired explicitly: the fetcher asks Sigil for the JWT (and logs the uri), the status list
   * token is verified with the key its kid names, and the validator logs the status it is given
   * (and refuses anything but VALID, as the library's default does).
   */
  async function sdJwtVerifier() {
    const meta = await jwtVcIssuer()
    const log = { fetched: [], statuses: [] }
    const sdjwt = new SDJwtVcInstance({
      hasher: digest,
      verifier: kidVerifier(meta),
      statusListFetcher: async (uri) => {
        log.fetched.push(uri)
        const res = await fetch(uri, { headers: { accept: 'application/statuslist+jwt' } })
        assert.equal(res.status, 200)
        return res.text()
      },
      statusVerifier: statusListVerifier(meta),
      statusValidator: async (status) => {
        log.statuses.push(status)
        if (status !== VALID) throw new Error(`status ${status} is not VALID`)
      },
      loadTypeMetadataFormat: false,
    })
    return { sdjwt, log }
  }

  /**
   * @sd-jwt/sd-jwt-vc with its defaults: its own fetcher (Accept: application/statuslist+jwt, and
   * it requires that Content-Type), the credential's `verifier` for the status list token too, and
   * its validator (anything but 0 throws "Status is not valid").
   */
  async function defaultSdJwtVerifier() {
    return new SDJwtVcInstance({
      hasher: digest,
      verifier: kidVerifier(await jwtVcIssuer()),
      kbVerifier: async (data, sig, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, sig),
      loadTypeMetadataFormat: false,
    })
  }

  /** A key-binding presentation of `credential` (given_name disclosed) made by its holder. */
  async function present(credential, holder, nonce) {
    const wallet = new SDJwtVcInstance({ hasher: digest, kbSigner: await ES256.getSigner(holder.privateJwk), kbSignAlg: 'ES256' })
    return wallet.present(credential, { given_name: true }, { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: 'https://verifier.example', nonce } } })
  }

  test('a configuration that is not revocable issues credentials without a status reference', async () => {
    for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
      const ob = await obtain(plain[format])
      assert.equal(statusReference(format, ob.credential), undefined, `${format}: no status claim`)
      const entry = await issuedCredential(ob.offer.userId, plain[format], ob.holder.publicJwk)
      assert.ok(entry.statusList == null && entry.statusLists == null, `no status list reference in the listing: ${JSON.stringify(entry)}`)
      assert.equal(entry.status, 'valid', 'a credential that cannot change is valid')
    }
    const r = await admin('GET', `/v1/openid/credential-configurations/${plain['dc+sd-jwt']}`)
    assert.ok(r.body.revocable === false || r.body.revocable === undefined, `revocable defaults to false: ${JSON.stringify(r.body.revocable)}`)
  })

  test('dc+sd-jwt: revoked → INVALID, suspended → SUSPENDED, reinstated → VALID; @sd-jwt/sd-jwt-vc follows the status', async () => {
    const id = configs['dc+sd-jwt']
    const vct = `https://credentials.example.com/interop/${tag}`
    const first = await obtain(id)
    // lib/sigil.js: @sd-jwt/sd-jwt-vc verifies it, the status list included (its own fetcher).
    await verifyAndRecord('A', 'dc+sd-jwt', first.credential, first.holder, tag)
    const ref = statusReference('dc+sd-jwt', first.credential)
    assert.ok(ref, 'a revocable dc+sd-jwt carries status.status_list')
    assert.deepEqual(getStatusListFromJWT(first.credential.split('~')[0]), { idx: ref.idx, uri: ref.uri }, '@sd-jwt/jwt-status-list reads the same reference')
    assert.ok((await aggregatedLists()).includes(ref.uri), 'the list is named by the status_list_aggregation_endpoint')
    const entry = await managed(first, id, ref)

    // The token, with the explicit Accept and with none (the JWT is the default).
    const token = await fetchStatusListJwt(ref.uri)
    const byDefault = await fetchStatusListJwt(ref.uri, { accept: null })
    assert.equal(byDefault.payload.sub, token.payload.sub)
    assert.equal(token.list.get(ref.idx), VALID)
    assert.equal(await jwtStatus(ref), VALID, 'VALID before anything happens')

    const { sdjwt, log } = await sdJwtVerifier()
    const verified = await sdjwt.verify(first.credential)
    assert.equal(verified.payload.vct, vct)
    assert.deepEqual(log, { fetched: [ref.uri], statuses: [VALID] }, 'the library fetched the list the credential names and read VALID')
    await (await defaultSdJwtVerifier()).verify(first.credential)
    const nonce = 'status-nonce-1'
    const presentation = await present(first.credential, first.holder, nonce)
    const presented = await (await defaultSdJwtVerifier()).verify(presentation, { keyBindingNonce: nonce, requiredClaimKeys: ['given_name'] })
    assert.ok(presented.kb, 'the presentation verifies (key binding included) while the credential is VALID')

    // The library verifies the status list token: the same token with its list replaced by an
    // all-VALID one (signature kept) is refused before any status is read.
    const [h, , s] = token.jwt.split('.')
    const forgedPayload = { ...token.payload, status_list: { bits: 2, lst: deflateSync(Buffer.alloc(token.list.bytes.length)).toString('base64url') } }
    const forged = `${h}.${Buffer.from(JSON.stringify(forgedPayload)).toString('base64url')}.${s}`
    const meta = await jwtVcIssuer()
    const withForgedList = new SDJwtVcInstance({
      hasher: digest,
      verifier: kidVerifier(meta),
      statusListFetcher: async () => forged,
      statusVerifier: statusListVerifier(meta),
      loadTypeMetadataFormat: false,
    })
    await assert.rejects(withForgedList.verify(first.credential), /Status List JWT verification failed/)

    // Revoked: INVALID in the list, the library refuses the credential and a presentation of it.
    await changeStatus(first, id, ref, entry.id, INVALID)
    assert.equal(await jwtStatus(ref), INVALID, 'INVALID after revocation')
    const again = await sdJwtVerifier()
    await assert.rejects(again.sdjwt.verify(first.credential), /status 1 is not VALID/)
    assert.deepEqual(again.log.statuses, [INVALID])
    await assert.rejects((await defaultSdJwtVerifier()).verify(first.credential), /Status is not valid/)
    await assert.rejects((await defaultSdJwtVerifier()).verify(presentation, { keyBindingNonce: nonce }), /Status is not valid/, 'the presentation made before is refused too')

    // A second credential: suspended, then reinstated; the first stays revoked.
    const second = await obtain(id)
    await verifyAndRecord('A', 'dc+sd-jwt', second.credential, second.holder, tag)
    const ref2 = statusReference('dc+sd-jwt', second.credential)
    assert.ok(ref2.uri !== ref.uri || ref2.idx !== ref.idx, 'each credential has its own status entry')
    const entry2 = await managed(second, id, ref2)
    assert.notEqual(entry2.id, entry.id)
    assert.equal(await jwtStatus(ref2), VALID)
    await changeStatus(second, id, ref2, entry2.id, SUSPENDED)
    assert.equal(await jwtStatus(ref2), SUSPENDED, 'SUSPENDED after suspension')
    const suspended = await sdJwtVerifier()
    await assert.rejects(suspended.sdjwt.verify(second.credential), /status 2 is not VALID/)
    assert.deepEqual(suspended.log.statuses, [SUSPENDED])
    await assert.rejects((await defaultSdJwtVerifier()).verify(second.credential), /Status is not valid/)
    await changeStatus(second, id, ref2, entry2.id, VALID)
    assert.equal(await jwtStatus(ref2), VALID, 'VALID after reinstatement')
    const reinstated = await sdJwtVerifier()
    await reinstated.sdjwt.verify(second.credential)
    assert.deepEqual(reinstated.log.statuses, [VALID])
    await (await defaultSdJwtVerifier()).verify(second.credential)
    assert.equal(await jwtStatus(ref), INVALID, 'the first credential is still revoked')
  })

  test('jwt_vc_json: the status claim, and INVALID in the list after revocation', async () => {
    const id = configs.jwt_vc_json
    const ob = await obtain(id)
    await verifyAndRecord('A', 'jwt_vc_json', ob.credential, ob.holder, tag)
    const ref = statusReference('jwt_vc_json', ob.credential)
    assert.ok(ref, 'a revocable jwt_vc_json carries status.status_list (top level, beside vc)')
    const entry = await managed(ob, id, ref)
    assert.equal(await jwtStatus(ref), VALID)
    await changeStatus(ob, id, ref, entry.id, INVALID)
    assert.equal(await jwtStatus(ref), INVALID)
  })

  test('mso_mdoc, cwt_vc, cwt: the CWT status list, VALID before and INVALID after revocation (verify.py checks it again)', async () => {
    const cases = [
      { format: 'mso_mdoc', claims: MDL_CLAIMS, verify: (c, holder) => verifyMdoc(c, holder, { doctype }) },
      ...CWT_FORMATS.map((format) => ({
        format,
        claims: CLAIMS,
        verify: async (c, holder) => {
          const { status } = await verifyCwt(c, holder, { format, type: cwtType(format, tag), claims: EXPECTED_CLAIMS, revocable: true })
          assert.deepEqual(status, statusReference(format, c), 'lib/cwt.js reads the same reference')
        },
      })),
    ]
    for (const { format, claims, verify } of cases) {
      const id = configs[format]
      const ob = await obtain(id, claims)
      await verify(ob.credential, ob.holder) // the credential itself (and recorded for verify.py)
      const ref = statusReference(format, ob.credential)
      assert.ok(ref, `a revocable ${format} carries a status list reference`)
      const entry = await managed(ob, id, ref)

      const before = await fetchStatusListCwt(ref.uri)
      assert.equal(before.list.get(ref.idx), VALID, `${format}: VALID before revocation`)
      // The JWT and the CWT are the same list.
      const asJwt = await fetchStatusListJwt(ref.uri)
      assert.ok(asJwt.list.bytes.equals(before.list.bytes), `${format}: the JWT and the CWT carry the same list`)
      recordStatusListCwt({ format, credential: ob.credential, uri: ref.uri, idx: ref.idx, token: before.bytes, expected: VALID })

      await changeStatus(ob, id, ref, entry.id, INVALID)
      const after = await fetchStatusListCwt(ref.uri)
      assert.equal(after.list.get(ref.idx), INVALID, `${format}: INVALID after revocation`)
      recordStatusListCwt({ format, credential: ob.credential, uri: ref.uri, idx: ref.idx, token: after.bytes, expected: INVALID })
    }
  })

  describe('ldp_vc (eddsa-rdfc-2022) with @digitalbazaar/vc-bitstring-status-list', () => {
    let didDocument

    before(async () => {
      didDocument = await fetchDidDocument()
    })

    /** A document loader for the bundled contexts, Sigil's DID document, and Sigil's status lists over HTTP. */
    function loaderFor(transform) {
      return statusDocumentLoader(ldpDocumentLoader({ didDocuments: [didDocument] }), { transform })
    }

    /** verifyCredential with the library's checkStatus; returns { verified, errors, statuses: { purpose: bool }, fetched }. */
    async function verifyWithStatus(credential, transform) {
      const { loader, fetched } = loaderFor(transform)
      const { verified, result, errors } = await verifyLdp(credential, { documentLoader: loader, checkStatus })
      const statuses = {}
      for (const r of result.statusResult?.results ?? []) statuses[r.credentialStatus.statusPurpose] = r.status
      return { verified, result, errors, statuses, fetched }
    }

    /** The credentialStatus entries, against the contract; returns { revocation, suspension, ref }. */
    function statusEntries(credential) {
      const cs = credential.credentialStatus
      assert.ok(Array.isArray(cs) && cs.length === 2, `credentialStatus is an array of two entries: ${JSON.stringify(cs)}`)
      const byPurpose = {}
      for (const e of cs) {
        assert.equal(e.type, 'BitstringStatusListEntry', 'type BitstringStatusListEntry')
        assert.ok(['revocation', 'suspension'].includes(e.statusPurpose), `statusPurpose ${e.statusPurpose}`)
        assert.match(e.statusListIndex, /^(0|[1-9]\d*)$/, 'statusListIndex is a decimal string')
        assert.equal(typeof e.statusListCredential, 'string')
        assert.ok(e.statusListCredential.startsWith(STATUS_LIST_PREFIX) && e.statusListCredential.endsWith(`/${e.statusPurpose}`), `statusListCredential is <issuer>/v1/status-lists/<listId>/${e.statusPurpose}: ${e.statusListCredential}`)
        assertListUri(e.statusListCredential.slice(0, -`/${e.statusPurpose}`.length), 'the list of statusListCredential')
        // @digitalbazaar/vc: an entry id, when present, must be a URL; the status list library: not the list's URL.
        assert.equal(typeof e.id, 'string', 'the entry has an id')
        assert.ok(new URL(e.id).protocol, `the entry id is a URL: ${e.id}`)
        assert.notEqual(e.id, e.statusListCredential)
        byPurpose[e.statusPurpose] = e
      }
      const { revocation, suspension } = byPurpose
      assert.ok(revocation && suspension, 'one revocation and one suspension entry')
      assert.notEqual(revocation.id, suspension.id, 'the entries have distinct ids')
      assert.equal(revocation.statusListIndex, suspension.statusListIndex, 'both entries have the index of the credential')
      const uri = revocation.statusListCredential.slice(0, -'/revocation'.length)
      assert.equal(suspension.statusListCredential, `${uri}/suspension`, 'both lists belong to the same status list')
      return { revocation, suspension, ref: { uri, idx: Number(revocation.statusListIndex) } }
    }

    /** A fetched BitstringStatusListCredential, against the contract (its proof is for the library). */
    function assertListCredential({ url, contentType, document: doc }, { credential, purpose }) {
      assert.match(contentType, /^application\/(vc\+ld\+json|vc|ld\+json|json)\b/, `${url}: a JSON(-LD) content type (${contentType})`)
      assert.deepEqual(doc['@context'], [VC_V2_CONTEXT], '@context is VCDM 2.0 only')
      assert.equal(doc.id, url, 'id is the statusListCredential URL')
      assert.deepEqual(doc.type, ['VerifiableCredential', 'BitstringStatusListCredential'], 'type')
      assert.equal(doc.issuer, credential.issuer, 'the issuer DID of the credential')
      const now = Date.now()
      assert.ok(Date.parse(doc.validFrom) <= now + 300_000, `validFrom is not in the future (${doc.validFrom})`)
      assert.ok(Date.parse(doc.validUntil) > now, `validUntil is in the future (${doc.validUntil})`)
      assert.equal(doc.issuanceDate, undefined, 'no VCDM 1.1 issuanceDate')
      assert.equal(doc.credentialStatus, undefined, 'a status list has no status of its own')
      const subject = doc.credentialSubject
      assert.equal(typeof subject.id, 'string', 'credentialSubject.id')
      assert.equal(subject.type, 'BitstringStatusList', 'credentialSubject.type is the string BitstringStatusList (the library compares it with ===)')
      assert.equal(subject.statusPurpose, purpose, 'credentialSubject.statusPurpose')
      // ttl belongs to the BitstringStatusList (credentialSubject): that is where the VCDM 2.0
      // context defines it; a top-level ttl is an undefined term, which eddsa-rdfc-2022 refuses.
      assert.ok(Number.isInteger(subject.ttl) && subject.ttl > 0, `credentialSubject.ttl is a positive integer (ms): ${JSON.stringify(subject.ttl)}`)
      const bits = decodeBitstring(subject.encodedList)
      assert.ok(bits.length >= BITSTRING_MIN_BITS, `encodedList holds at least ${BITSTRING_MIN_BITS} bits (${bits.length})`)
      assert.equal(doc.proof?.type, 'DataIntegrityProof', 'a Data Integrity proof')
      assert.equal(doc.proof.cryptosuite, EDDSA_RDFC_2022, 'the suite of the configuration')
      assert.equal(doc.proof.proofPurpose, 'assertionMethod')
      assert.ok(didDocument.assertionMethod.includes(doc.proof.verificationMethod), `signed with a key of the issuer DID: ${doc.proof.verificationMethod}`)
      return bits
    }

    /** Both lists' bits at the credential's index, as the suite reads them: { revocation, suspension } (0 or 1). */
    async function ownRead(entries, credential) {
      const out = {}
      for (const purpose of ['revocation', 'suspension']) {
        const { loader, fetched } = loaderFor()
        await loader(entries[purpose].statusListCredential)
        out[purpose] = assertListCredential(fetched[0], { credential, purpose }).get(Number(entries[purpose].statusListIndex))
      }
      return out
    }

    test('valid, revoked (the proof of the list checked), suspended, reinstated', async () => {
      const id = configs.ldp_vc
      const obtainLdp = async () => {
        const ob = await obtain(id, LDP_CLAIMS)
        assertLdpCredential(ob.credential, {
          suite: EDDSA_RDFC_2022,
          type: ldpType(EDDSA_RDFC_2022, tag),
          issuerDid: didDocument.id,
          verificationMethods: didDocument.assertionMethod,
          holderDid: didJwkOf(ob.holder.publicJwk),
        })
        return ob
      }
      const first = await obtainLdp()
      const entries = statusEntries(first.credential)
      const entry = await managed(first, id, entries.ref)

      // @digitalbazaar/vc refuses a credential with credentialStatus unless given checkStatus.
      const noStatus = await verifyLdp(first.credential, { documentLoader: loaderFor().loader })
      assert.equal(noStatus.verified, false)
      assert.ok(noStatus.errors.some((m) => /A "checkStatus" function must be given/.test(m)), JSON.stringify(noStatus.errors))

      // Valid: verified, both statuses false, both lists fetched from Sigil.
      let r = await verifyWithStatus(first.credential)
      assert.equal(r.verified, true, `verified with checkStatus: ${JSON.stringify(r.errors)}`)
      assert.equal(r.result.statusResult.verified, true)
      assert.deepEqual(r.statuses, { revocation: false, suspension: false })
      assert.deepEqual(r.fetched.map((f) => f.url).sort(), [entries.revocation.statusListCredential, entries.suspension.statusListCredential].sort())
      for (const f of r.fetched) assertListCredential(f, { credential: first.credential, purpose: f.document.credentialSubject.statusPurpose })
      assert.deepEqual(await ownRead(entries, first.credential), { revocation: 0, suspension: 0 })

      // Revoked. The library's semantics: `verified` stays true (proofs and lists are fine) and
      // the revocation entry's `status` is true; a verifier must read it.
      await changeStatus(first, id, entries.ref, entry.id, INVALID)
      r = await verifyWithStatus(first.credential)
      assert.equal(r.verified, true, JSON.stringify(r.errors))
      assert.deepEqual(r.statuses, { revocation: true, suspension: false }, 'revoked: the revocation bit is set')
      assert.deepEqual(await ownRead(entries, first.credential), { revocation: 1, suspension: 0 })

      // The library verifies the list credential's proof: the revocation list served with the bit
      // cleared (an all-zero list, proof kept) fails, and so does the credential's verification.
      const clearBit = (doc) => {
        if (doc.credentialSubject?.statusPurpose !== 'revocation') return doc
        // An all-zero list of the same length (gzip, multibase base64url), as the library encodes one.
        const { length } = decodeBitstring(doc.credentialSubject.encodedList)
        doc.credentialSubject.encodedList = `u${gzipSync(Buffer.alloc(length / 8)).toString('base64url')}`
        return doc
      }
      const forged = await verifyWithStatus(first.credential, clearBit)
      assert.equal(forged.verified, false, 'a tampered status list credential is refused')
      assert.equal(forged.result.statusResult.verified, false)
      assert.ok(forged.errors.some((m) => /"BitstringStatusListCredential" not verified/.test(m)), JSON.stringify(forged.errors))
      // The proof is what catches it: with verifyBitstringStatusListCredential: false the library
      // reads the forged list and reports the credential not revoked.
      const trusting = (options) => checkStatus({ ...options, verifyBitstringStatusListCredential: false })
      const fooled = await verifyLdp(first.credential, { documentLoader: loaderFor(clearBit).loader, checkStatus: trusting })
      assert.equal(fooled.verified, true, JSON.stringify(fooled.errors))
      assert.deepEqual(fooled.result.statusResult.results.map((x) => x.status), [false, false], 'unverified, the forged list is believed')
      // verifyMatchingIssuers (on by default, checked after the proof): a list of another issuer is refused.
      const otherIssuer = await verifyLdp(first.credential, {
        documentLoader: loaderFor((doc) => ({ ...doc, issuer: 'did:web:issuer.example' })).loader,
        checkStatus: trusting,
      })
      assert.equal(otherIssuer.verified, false)
      assert.ok(otherIssuer.errors.some((m) => /Issuers of the status list credential and verifiable credential do not match/.test(m)), JSON.stringify(otherIssuer.errors))

      // A second credential: suspended, then reinstated; the first stays revoked.
      const second = await obtainLdp()
      const entries2 = statusEntries(second.credential)
      assert.ok(entries2.ref.uri !== entries.ref.uri || entries2.ref.idx !== entries.ref.idx, 'each credential has its own index')
      const entry2 = await managed(second, id, entries2.ref)
      await changeStatus(second, id, entries2.ref, entry2.id, SUSPENDED)
      r = await verifyWithStatus(second.credential)
      assert.equal(r.verified, true, JSON.stringify(r.errors))
      assert.deepEqual(r.statuses, { revocation: false, suspension: true }, 'suspended: the suspension bit is set')
      assert.deepEqual(await ownRead(entries2, second.credential), { revocation: 0, suspension: 1 })
      await changeStatus(second, id, entries2.ref, entry2.id, VALID)
      r = await verifyWithStatus(second.credential)
      assert.equal(r.verified, true, JSON.stringify(r.errors))
      assert.deepEqual(r.statuses, { revocation: false, suspension: false }, 'reinstated: no bit set')
      r = await verifyWithStatus(first.credential)
      assert.deepEqual(r.statuses, { revocation: true, suspension: false }, 'the first credential is still revoked')
      const aggregated = await aggregatedLists()
      const named = aggregated.includes(entries.ref.uri) || (aggregated.includes(entries.revocation.statusListCredential) && aggregated.includes(entries.suspension.statusListCredential))
      assert.ok(named, `the ldp_vc lists are aggregated too: ${JSON.stringify(aggregated)}`)
    })
  })
})
