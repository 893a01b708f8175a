// Issuer key rotation with overlap, checked by third-party verifiers: wallet A obtains dc+sd-jwt,
// jwt_vc_json, ldp_vc, cwt and mso_mdoc credentials; every issuer key is rotated through
// POST /v1/keys/rotate; the credentials obtained next name the new keys, and every credential
// obtained before still verifies with what Sigil publishes now (@sd-jwt/sd-jwt-vc and the x5c
// chain, jose, @digitalbazaar/vc with the did:web document, @animo-id/mdoc, and at the end
// verify.py with Python jwcrypto and cwt against the JWKS — for every credential this run
// recorded before the rotation too).
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { describe, test, before } from 'node:test'
import {
  CLAIMS,
  SIGIL_URL,
  admin,
  createConfigurations,
  createOffer,
  issuerCas,
  newHolderKey,
  txCodeOf,
  verifyAndRecord,
  verifyJwtVc,
  verifySdJwtVc,
  EXPECTED_CLAIMS,
} from '../lib/sigil.js'
import { obtainWithWalletA } from '../lib/wallet-a.js'
import { createCwtConfigurations, cwtType, verifyCwt } from '../lib/cwt.js'
import { EDDSA_RDFC_2022, LDP_CLAIMS, createLdpConfigurations, fetchDidDocument, ldpDocumentLoader, verifyLdp } from '../lib/ldp.js'
import { MDL_CLAIMS, createMdlConfiguration, fetchIacas, rawDecode, verifyMdoc } from '../lib/mdoc.js'

const jwtHeader = (jwt) => JSON.parse(Buffer.from(jwt.split('~')[0].split('.')[0], 'base64url').toString('utf8'))
/** The `kid` of a CWT's protected header, decoded with the suite's raw CBOR decoder. */
const cwtKid = (credential) => {
  const sign1 = rawDecode(new Uint8Array(Buffer.from(credential, 'base64url')))
  const kid = rawDecode(sign1.value[0]).get(4)
  assert.ok(kid instanceof Uint8Array)
  return Buffer.from(kid).toString('utf8')
}

describe('issuer key rotation with overlap, checked by third-party verifiers', () => {
  const tag = `R${Date.now()}`
  let configs
  const old = {}

  async function obtain(format, id, claims = CLAIMS) {
    const offer = await createOffer(id, { claims })
    const holder = await newHolderKey()
    const credential = await obtainWithWalletA(offer.uri, id, txCodeOf(offer), holder)
    return { credential, holder }
  }

  async function verifyLdpNow(credential) {
    const documentLoader = ldpDocumentLoader({ didDocuments: [await fetchDidDocument()] })
    const { verified, errors } = await verifyLdp(credential, { documentLoader })
    assert.equal(verified, true, `@digitalbazaar/vc verifies the credential: ${JSON.stringify(errors)}`)
  }

  before(async () => {
    // mdocs need an active IACA (the mdoc suite made one; a fresh run of this file alone too).
    const iacas = await admin('GET', '/v1/credentials/mobile/iacas')
    if (!iacas.body.data.some((i) => i.active)) {
      const r = await admin('POST', '/v1/credentials/mobile/iacas', { country: 'NZ', commonName: 'Sigil Rotation IACA' })
      assert.equal(r.status, 201, JSON.stringify(r.body))
    }
    configs = {
      ...(await createConfigurations(tag)),
      ...(await createCwtConfigurations(tag)),
      ldp_vc: (await createLdpConfigurations(tag))[EDDSA_RDFC_2022],
      mso_mdoc: await createMdlConfiguration(tag),
    }
  })

  test('credentials issued before a rotation', async () => {
    for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
      old[format] = await obtain(format, configs[format])
      await verifyAndRecord('A', format, old[format].credential, old[format].holder, tag)
    }
    old.cwt = await obtain('cwt', configs.cwt)
    await verifyCwt(old.cwt.credential, old.cwt.holder, { format: 'cwt', type: cwtType('cwt', tag) })
    old.ldp_vc = await obtain('ldp_vc', configs.ldp_vc, LDP_CLAIMS)
    await verifyLdpNow(old.ldp_vc.credential)
    old.mso_mdoc = await obtain('mso_mdoc', configs.mso_mdoc, MDL_CLAIMS)
    await verifyMdoc(old.mso_mdoc.credential, old.mso_mdoc.holder)
  })

  test('every key rotates; new credentials name the new keys; old ones still verify', async () => {
    const before = await admin('GET', '/v1/keys')
    assert.equal(before.status, 200)
    const activeBefore = before.body.data.filter((k) => k.state === 'active').map((k) => k.kid)
    const casBefore = await issuerCas()

    const r = await admin('POST', '/v1/keys/rotate', {})
    assert.equal(r.status, 200, JSON.stringify(r.body))
    for (const kid of activeBefore) {
      const k = r.body.data.find((x) => x.kid === kid)
      assert.equal(k.state, 'retired', `${kid} is retired`)
      assert.ok(new Date(k.publishedUntil) > new Date(), 'and published for the overlap')
    }
    const cas = await issuerCas()
    assert.equal(cas.length, casBefore.length + 1, 'the new CA joins the bundle, the old one stays')
    assert.ok(!cas[0].raw.equals(casBefore[0].raw), 'the new CA comes first')

    // The credentials from before, verified again with what Sigil publishes after the rotation.
    await verifySdJwtVc(old['dc+sd-jwt'].credential, old['dc+sd-jwt'].holder, {
      vct: `https://credentials.example.com/interop/${tag}`,
      claims: EXPECTED_CLAIMS,
    })
    await verifyJwtVc(old.jwt_vc_json.credential, old.jwt_vc_json.holder, { type: `InteropCredential${tag}`, claims: EXPECTED_CLAIMS })
    await verifyCwt(old.cwt.credential, old.cwt.holder, { format: 'cwt', type: cwtType('cwt', tag), record: false })
    await verifyLdpNow(old.ldp_vc.credential)
    await verifyMdoc(old.mso_mdoc.credential, old.mso_mdoc.holder, { trusted: await fetchIacas(), record: false })

    // New credentials name the new keys (and are recorded for verify.py beside the old ones).
    for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
      const fresh = await obtain(format, configs[format])
      const [was, now] = [jwtHeader(old[format].credential), jwtHeader(fresh.credential)]
      assert.notEqual(now.kid, was.kid, `${format} names the new ES256 key`)
      await verifyAndRecord('A', format, fresh.credential, fresh.holder, tag)
      if (format === 'dc+sd-jwt') {
        const leaf = new X509Certificate(Buffer.from(now.x5c[0], 'base64'))
        assert.ok(leaf.checkIssued(cas[0]), 'the new key is certified by the new CA')
      }
    }
    const cwt = await obtain('cwt', configs.cwt)
    assert.notEqual(cwtKid(cwt.credential), cwtKid(old.cwt.credential), 'the CWT names the new ES256 key')
    await verifyCwt(cwt.credential, cwt.holder, { format: 'cwt', type: cwtType('cwt', tag) })
    const ldp = await obtain('ldp_vc', configs.ldp_vc, LDP_CLAIMS)
    assert.notEqual(ldp.credential.proof.verificationMethod, old.ldp_vc.credential.proof.verificationMethod, 'the proof names the new Ed25519 key')
    await verifyLdpNow(ldp.credential)
    const did = await fetchDidDocument()
    assert.equal(did.verificationMethod.length, 2, 'the DID document lists the new key and the retired one')
    const jwks = await (await fetch(`${SIGIL_URL}/v1/oauth/jwks`)).json()
    assert.ok(jwks.keys.some((k) => k.kid === jwtHeader(old['dc+sd-jwt'].credential).kid), 'the retired ES256 key stays in the JWKS')
  })
})
