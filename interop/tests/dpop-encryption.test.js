// DPoP (RFC 9449), encrypted credential requests and responses (OID4VCI 1.0 §8.2, §10), batch
// issuance and notifications (§11), as third-party code does them: wallet A
// (@openid4vc/openid4vci 0.4.6) with its own DPoP support and nonce retries, jose 6.2.17 for
// ECDH-ES, @hpke/core 1.9.0 for HPKE-7 (draft-ietf-jose-hpke-encrypt-20 Integrated Encryption).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import * as jose from 'jose'
import { Openid4vciRetrieveCredentialsError, Openid4vciSendNotificationError } from '@openid4vc/openid4vci'
import {
  EXPECTED_CLAIMS,
  SIGIL_URL,
  admin,
  createConfigurations,
  createOffer,
  newHolderKey,
  verifyAndRecord,
  verifySdJwtVc,
} from '../lib/sigil.js'
import { walletA } from '../lib/wallet-a.js'
import { ath, dpopProof, jwtClaims, newDpopKey, recordingFetch, startSigil } from '../lib/dpop.js'
import { jweParts, newResponseKey, openEcdhEs, openHpke7, openResponse, sealEcdhEs, sealHpke7 } from '../lib/jwe.js'

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
const CREDENTIAL_PATH = '/v1/openid/credential'

const jwk = (holder) => ({ method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk })
const sdJwtPayload = (credential) => jwtClaims(credential.split('~')[0])
const disclosures = (credential) =>
  credential
    .split('~')
    .slice(1)
    .filter((d) => d.length > 0)
    .map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')))

/** The pre-authorized code of an offer made by value. */
function preAuthorizedCodeOf(offer) {
  const value = new URL(offer.uri.replace('openid-credential-offer://', 'https://x/')).searchParams.get('credential_offer')
  return JSON.parse(value).grants[PRE_AUTH]['pre-authorized_code']
}

/** A refusal from wallet A's retrieveCredentials: its status, headers and error body. */
async function refusedCredential(promise) {
  let caught
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Openid4vciRetrieveCredentialsError, `expected a credential error response, got ${e}`)
    caught = e
    return true
  })
  const { response } = caught.response
  const result = caught.response.credentialErrorResponseResult ?? caught.response.deferredCredentialErrorResponseResult
  return { status: response.status, headers: response.headers, body: result?.data }
}

/** A raw POST to the credential endpoint; `body` is JSON, or a JWE sent as application/jwt. */
async function postCredential(accessToken, body, { dpop, base = SIGIL_URL } = {}) {
  const encrypted = typeof body === 'string'
  const headers = {
    authorization: `${dpop ? 'DPoP' : 'Bearer'} ${accessToken}`,
    'content-type': encrypted ? 'application/jwt' : 'application/json',
  }
  if (dpop) headers.dpop = await dpopProof(dpop, { htu: `${base}${CREDENTIAL_PATH}`, accessToken })
  const res = await fetch(`${base}${CREDENTIAL_PATH}`, { method: 'POST', headers, body: encrypted ? body : JSON.stringify(body) })
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json, headers: res.headers }
}

describe('DPoP, encryption, batch issuance and notification (wallet A 0.4.6, jose, @hpke/core)', () => {
  const tag = `D${Date.now()}`
  const vct = `https://credentials.example.com/interop/${tag}`
  let configId
  let issuerMetadataJson
  before(async () => {
    configId = (await createConfigurations(tag))['dc+sd-jwt']
    issuerMetadataJson = await (await fetch(`${SIGIL_URL}/.well-known/openid-credential-issuer`)).json()
  })

  /**
   * A pre-authorized dc+sd-jwt offer redeemed by wallet A, with `dpop` (wallet A's option) when
   * given; `keys` are the further private keys the wallet signs with.
   */
  async function redeemed(holder, { dpop, keys = [], fetch: fetchImpl } = {}) {
    const offer = await createOffer(configId)
    const client = walletA(holder, { keys, fetch: fetchImpl })
    const credentialOffer = await client.resolveCredentialOffer(offer.uri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, dpop })
    return { offer, client, issuerMetadata, token, accessToken: token.accessTokenResponse.access_token }
  }

  async function proofOf(client, issuerMetadata, holder, nonce) {
    if (nonce === undefined) ({ c_nonce: nonce } = await client.requestNonce({ issuerMetadata }))
    const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: configId, nonce, signer: jwk(holder) })
    return jwt
  }

  /** A request body for one credential, with a fresh proof. */
  async function requestFor(ready, holder, extra = {}) {
    const jwt = await proofOf(ready.client, ready.issuerMetadata, holder)
    return { credential_configuration_id: configId, proofs: { jwt: [jwt] }, ...extra }
  }

  const expected = { vct, claims: EXPECTED_CLAIMS }

  describe('DPoP with wallet A', () => {
    for (const alg of ['ES256', 'EdDSA']) {
      test(`pre-authorized flow with a ${alg} DPoP key: token_type DPoP, Bearer refused, cnf is the proof key`, async () => {
        const as = await (await fetch(`${SIGIL_URL}/.well-known/oauth-authorization-server`)).json()
        assert.ok(as.dpop_signing_alg_values_supported?.includes(alg), JSON.stringify(as.dpop_signing_alg_values_supported))

        const holder = await newHolderKey()
        const dpopKey = await newDpopKey(alg)
        const wire = recordingFetch()
        const ready = await redeemed(holder, { dpop: { signer: dpopKey.signer }, keys: [dpopKey], fetch: wire.fetch })
        assert.equal(ready.token.accessTokenResponse.token_type, 'DPoP')
        const tokenCall = wire.log.find((e) => e.path === '/v1/oauth/token')
        assert.equal(tokenCall.dpop?.htm, 'POST', 'wallet A sent a DPoP proof to the token endpoint')
        assert.equal(tokenCall.dpop.htu, `${SIGIL_URL}/v1/oauth/token`)

        const { client, issuerMetadata, accessToken } = ready
        const jwt = await proofOf(client, issuerMetadata, holder)
        const request = (dpop) => client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configId, accessToken, proofs: { jwt: [jwt] }, dpop })

        // The DPoP-bound token presented as Bearer (wallet A without `dpop`) is refused.
        const bearer = await refusedCredential(request(undefined))
        assert.equal(bearer.status, 401)
        assert.match(bearer.headers.get('www-authenticate') ?? '', /^DPoP\b/, 'a DPoP challenge')
        // … and so is a proof by another key than the one the token is bound to.
        const stranger = await newDpopKey(alg)
        const otherKey = await refusedCredential(
          walletA(holder, { keys: [stranger] }).retrieveCredentials({ issuerMetadata, credentialConfigurationId: configId, accessToken, proofs: { jwt: [jwt] }, dpop: { signer: stranger.signer } }),
        )
        assert.equal(otherKey.status, 401)
        assert.match(otherKey.headers.get('www-authenticate') ?? '', /^DPoP\b/)

        const response = await request({ signer: dpopKey.signer })
        const credentialCall = wire.log.filter((e) => e.path === CREDENTIAL_PATH).at(-1)
        assert.equal(credentialCall.scheme, 'DPoP')
        assert.equal(credentialCall.dpop.ath, ath(accessToken))
        assert.equal(credentialCall.dpop.htu, `${SIGIL_URL}${CREDENTIAL_PATH}`)
        const { credentials } = response.credentialResponse
        assert.equal(credentials.length, 1)
        const credential = credentials[0].credential
        await verifyAndRecord(`A-dpop-${alg}`, 'dc+sd-jwt', credential, holder, tag)
        const { cnf } = sdJwtPayload(credential)
        assert.equal(cnf.jwk.x, holder.publicJwk.x, 'cnf is the proof key')
        assert.notEqual(cnf.jwk.x, dpopKey.publicJwk.x, 'cnf is not the DPoP key')
      })
    }
  })

  describe('DPoP nonces (a second Sigil with SIGIL_REQUIRE_DPOP_NONCE=true, SIGIL_REQUIRE_DPOP=true)', () => {
    let extra
    let extraConfigId
    before(async () => {
      extra = await startSigil({ SIGIL_REQUIRE_DPOP_NONCE: 'true', SIGIL_REQUIRE_DPOP: 'true' })
      extraConfigId = (await createConfigurations(tag, { api: extra.admin }))['dc+sd-jwt']
    })
    after(async () => {
      await extra?.stop()
    })

    test('wallet A completes the flow through its own use_dpop_nonce retries', async () => {
      const offer = await createOffer(extraConfigId, { api: extra.admin })
      const holder = await newHolderKey()
      const dpopKey = await newDpopKey('ES256')
      const wire = recordingFetch()
      const client = walletA(holder, { keys: [dpopKey], fetch: wire.fetch })
      const credentialOffer = await client.resolveCredentialOffer(offer.uri)
      const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
      assert.equal(issuerMetadata.credentialIssuer.credential_issuer, extra.url)

      // Token: wallet A sends a proof without nonce, is challenged, retries with the nonce.
      const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, dpop: { signer: dpopKey.signer } })
      assert.equal(token.accessTokenResponse.token_type, 'DPoP')
      const tokenCalls = wire.log.filter((e) => e.path === '/v1/oauth/token')
      assert.equal(tokenCalls.length, 2, JSON.stringify(tokenCalls))
      const [challenged, retried] = tokenCalls
      assert.equal(challenged.dpop.nonce, undefined)
      assert.equal(challenged.status, 400)
      assert.equal(challenged.error, 'use_dpop_nonce')
      assert.ok(challenged.dpopNonce, 'the challenge carries DPoP-Nonce')
      assert.equal(retried.dpop.nonce, challenged.dpopNonce)
      assert.equal(retried.status, 200)
      assert.ok(retried.dpopNonce, 'the token response carries a fresh DPoP-Nonce')
      assert.equal(token.dpop?.nonce, retried.dpopNonce, 'wallet A hands back the latest nonce')

      const { c_nonce } = await client.requestNonce({ issuerMetadata })
      assert.ok(wire.log.find((e) => e.path === '/v1/openid/nonce')?.dpopNonce, 'the nonce endpoint sends DPoP-Nonce')
      const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: extraConfigId, nonce: c_nonce, signer: jwk(holder) })

      // Credential: started without a DPoP nonce, so the resource challenges (401 + WWW-Authenticate)
      // and wallet A's resourceRequest retries once with the DPoP-Nonce it was given.
      const accessToken = token.accessTokenResponse.access_token
      const response = await client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: extraConfigId, accessToken, proofs: { jwt: [jwt] }, dpop: { signer: dpopKey.signer } })
      const credentialCalls = wire.log.filter((e) => e.path === CREDENTIAL_PATH)
      assert.equal(credentialCalls.length, 2, JSON.stringify(credentialCalls))
      assert.equal(credentialCalls[0].status, 401)
      assert.equal(credentialCalls[0].wwwAuthenticate, 'DPoP error="use_dpop_nonce", algs="ES256 EdDSA"')
      assert.ok(credentialCalls[0].dpopNonce)
      assert.equal(credentialCalls[1].dpop.nonce, credentialCalls[0].dpopNonce)
      assert.equal(credentialCalls[1].status, 200)
      const credential = response.credentialResponse.credentials[0].credential
      await verifySdJwtVc(credential, holder, expected, { issuer: extra.url })

      // Notification: the nonce wallet A returned from the credential response is used up front.
      assert.ok(response.dpop?.nonce, 'wallet A returns the DPoP-Nonce of the credential response')
      const notified = await client.sendNotification({
        issuerMetadata,
        notification: { notificationId: response.credentialResponse.notification_id, event: 'credential_accepted' },
        accessToken,
        dpop: { signer: dpopKey.signer, nonce: response.dpop.nonce },
      })
      assert.equal(notified.response.status, 204)
      const notificationCalls = wire.log.filter((e) => e.path === '/v1/openid/notification')
      assert.equal(notificationCalls.length, 1, 'no challenge when the nonce is sent up front')
      assert.ok(notificationCalls[0].dpopNonce)

      // The deferred endpoint answers (here: an unknown transaction) with a DPoP-Nonce too.
      const deferred = await refusedCredential(
        client.retrieveDeferredCredentials({ issuerMetadata, accessToken, transactionId: 'no-such-transaction', dpop: { signer: dpopKey.signer, nonce: notified.dpop?.nonce } }),
      )
      assert.equal(deferred.status, 400)
      const deferredCall = wire.log.find((e) => e.path === '/v1/openid/deferred-credential')
      assert.equal(deferredCall.dpop.nonce, notified.dpop?.nonce)
      assert.ok(deferredCall.dpopNonce)

      // Every nonce handed out is a fresh one.
      const nonces = wire.log.map((e) => e.dpopNonce).filter(Boolean)
      assert.equal(new Set(nonces).size, nonces.length, JSON.stringify(wire.log))
    })

    test('a proof without a nonce, or with one Sigil never made, gets use_dpop_nonce; no proof at all is refused', async () => {
      const offer = await createOffer(extraConfigId, { api: extra.admin })
      const dpopKey = await newDpopKey('EdDSA')
      const htu = `${extra.url}/v1/oauth/token`
      const body = new URLSearchParams({ grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCodeOf(offer) })
      const token = async (headers) => {
        const res = await fetch(htu, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body })
        return { status: res.status, body: await res.json(), nonce: res.headers.get('dpop-nonce') }
      }
      for (const nonce of [undefined, 'a-nonce-sigil-never-made']) {
        const r = await token({ dpop: await dpopProof(dpopKey, { htu, nonce }) })
        assert.equal(r.status, 400, JSON.stringify(r.body))
        assert.equal(r.body.error, 'use_dpop_nonce')
        assert.ok(r.nonce, 'DPoP-Nonce comes with use_dpop_nonce')
      }
      const none = await token({})
      assert.equal(none.status, 400, 'SIGIL_REQUIRE_DPOP: a token request without DPoP is refused')
      assert.equal(none.body.access_token, undefined)

      // The code is still good: a proof with Sigil's nonce gets the token.
      const { nonce } = await token({ dpop: await dpopProof(dpopKey, { htu }) })
      const ok = await token({ dpop: await dpopProof(dpopKey, { htu, nonce }) })
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      assert.equal(ok.body.token_type, 'DPoP')
    })
  })

  describe('encrypted credential responses', () => {
    const responseEncryption = () => issuerMetadataJson.credential_response_encryption
    test('metadata: credential_response_encryption and credential_request_encryption', () => {
      assert.deepEqual(responseEncryption(), { alg_values_supported: ['HPKE-7', 'ECDH-ES'], enc_values_supported: ['A256GCM', 'A128GCM'], encryption_required: false })
      const req = issuerMetadataJson.credential_request_encryption
      assert.deepEqual(req.enc_values_supported, ['A256GCM', 'A128GCM'])
      assert.equal(req.encryption_required, false)
      assert.deepEqual(req.jwks.keys.map((k) => k.alg).sort(), ['ECDH-ES', 'HPKE-7'])
      for (const k of req.jwks.keys) {
        assert.equal(k.kty, 'EC')
        assert.equal(k.crv, 'P-256')
        assert.equal(k.use, 'enc')
        assert.equal(typeof k.kid, 'string')
        assert.equal(k.d, undefined, 'public keys only')
      }
      assert.notEqual(req.jwks.keys[0].x, req.jwks.keys[1].x, 'one key per algorithm (draft-ietf-jose-hpke-encrypt §10.1)')
    })

    for (const enc of ['A128GCM', 'A256GCM']) {
      test(`ECDH-ES + ${enc}: jose decrypts the response and the credential verifies`, async () => {
        const holder = await newHolderKey()
        const ready = await redeemed(holder)
        const key = await newResponseKey('ECDH-ES')
        const r = await postCredential(ready.accessToken, await requestFor(ready, holder, { credential_response_encryption: { jwk: key.jwk, enc } }))
        assert.equal(r.status, 200, r.text)
        assert.match(r.contentType, /^application\/jwt\b/)
        const { header, payload } = await openEcdhEs(r.text.trim(), key.privateKey)
        assert.equal(header.alg, 'ECDH-ES')
        assert.equal(header.enc, enc)
        assert.equal(payload.credentials.length, 1)
        assert.equal(typeof payload.notification_id, 'string')
        await verifyAndRecord(`A-ecdh-es-${enc}`, 'dc+sd-jwt', payload.credentials[0].credential, holder, tag)
      })
    }

    test('HPKE-7: @hpke/core opens the draft-20 layout and the credential verifies', async () => {
      const holder = await newHolderKey()
      const ready = await redeemed(holder)
      const key = await newResponseKey('HPKE-7')
      const r = await postCredential(ready.accessToken, await requestFor(ready, holder, { credential_response_encryption: { jwk: key.jwk, enc: 'A256GCM' } }))
      assert.equal(r.status, 200, r.text)
      assert.match(r.contentType, /^application\/jwt\b/)
      const { parts } = jweParts(r.text.trim())
      assert.equal(jose.base64url.decode(parts[1]).length, 65, 'the encrypted key segment is the encapsulated P-256 point')
      const { header, payload } = await openHpke7(r.text.trim(), key.privateJwk)
      assert.equal(header.alg, 'HPKE-7')
      assert.equal(payload.credentials.length, 1)
      await verifyAndRecord('A-hpke-7', 'dc+sd-jwt', payload.credentials[0].credential, holder, tag)
    })

    test('unsupported alg, enc, zip or a bad key → 400 invalid_encryption_parameters', async () => {
      const holder = await newHolderKey()
      const ready = await redeemed(holder)
      const ecdh = await newResponseKey('ECDH-ES')
      const hpke = await newResponseKey('HPKE-7')
      const rsa = await jose.exportJWK((await jose.generateKeyPair('RSA-OAEP', { extractable: true })).publicKey)
      const { y: _y, ...withoutY } = ecdh.jwk
      const cases = {
        'enc A192GCM': { jwk: ecdh.jwk, enc: 'A192GCM' },
        'enc A128CBC-HS256': { jwk: ecdh.jwk, enc: 'A128CBC-HS256' },
        'alg RSA-OAEP (RSA key)': { jwk: { ...rsa, alg: 'RSA-OAEP' }, enc: 'A256GCM' },
        'alg ECDH-ES+A256KW': { jwk: { ...ecdh.jwk, alg: 'ECDH-ES+A256KW' }, enc: 'A256GCM' },
        'HPKE-7 with A128GCM': { jwk: hpke.jwk, enc: 'A128GCM' },
        'zip DEF': { jwk: ecdh.jwk, enc: 'A256GCM', zip: 'DEF' },
        'a private key': { jwk: { ...ecdh.privateJwk, alg: 'ECDH-ES' }, enc: 'A256GCM' },
        'a key without y': { jwk: withoutY, enc: 'A256GCM' },
        'a point off the curve': { jwk: { ...ecdh.jwk, y: ecdh.jwk.x }, enc: 'A256GCM' },
      }
      for (const [name, credential_response_encryption] of Object.entries(cases)) {
        const r = await postCredential(ready.accessToken, await requestFor(ready, holder, { credential_response_encryption }))
        assert.equal(r.status, 400, `${name}: ${r.text}`)
        assert.equal(r.json?.error, 'invalid_encryption_parameters', `${name}: ${r.text}`)
      }
    })
  })

  describe('encrypted credential requests', () => {
    const sigilKey = (alg) => {
      const key = issuerMetadataJson.credential_request_encryption.jwks.keys.find((k) => k.alg === alg)
      assert.ok(key, `Sigil publishes a ${alg} request key`)
      return key
    }

    test('ECDH-ES + A256GCM request (jose) to the ECDH-ES key, with an encrypted response', async () => {
      const holder = await newHolderKey()
      const ready = await redeemed(holder)
      const key = await newResponseKey('ECDH-ES')
      const request = await requestFor(ready, holder, { credential_response_encryption: { jwk: key.jwk, enc: 'A256GCM' } })
      const r = await postCredential(ready.accessToken, await sealEcdhEs(request, sigilKey('ECDH-ES'), { enc: 'A256GCM' }))
      assert.equal(r.status, 200, r.text)
      assert.match(r.contentType, /^application\/jwt\b/)
      const { payload } = await openResponse(r.text.trim(), key)
      await verifyAndRecord('A-encrypted-request-ecdh-es', 'dc+sd-jwt', payload.credentials[0].credential, holder, tag)
    })

    test('HPKE-7 request (@hpke/core) to the HPKE-7 key, with an HPKE-7 response', async () => {
      const holder = await newHolderKey()
      const ready = await redeemed(holder)
      const key = await newResponseKey('HPKE-7')
      const request = await requestFor(ready, holder, { credential_response_encryption: { jwk: key.jwk, enc: 'A256GCM' } })
      const r = await postCredential(ready.accessToken, await sealHpke7(request, sigilKey('HPKE-7')))
      assert.equal(r.status, 200, r.text)
      assert.match(r.contentType, /^application\/jwt\b/)
      const { payload } = await openResponse(r.text.trim(), key)
      await verifyAndRecord('A-encrypted-request-hpke-7', 'dc+sd-jwt', payload.credentials[0].credential, holder, tag)
    })

    test('a JWE naming a kid Sigil does not have → 400', async () => {
      const holder = await newHolderKey()
      const ready = await redeemed(holder)
      const key = await newResponseKey('ECDH-ES')
      const request = await requestFor(ready, holder, { credential_response_encryption: { jwk: key.jwk, enc: 'A256GCM' } })
      for (const jwe of [
        await sealEcdhEs(request, sigilKey('ECDH-ES'), { header: { kid: 'not-a-sigil-key' } }),
        await sealHpke7(request, sigilKey('HPKE-7'), { header: { kid: 'not-a-sigil-key' } }),
      ]) {
        const r = await postCredential(ready.accessToken, jwe)
        assert.equal(r.status, 400, r.text)
        assert.equal(typeof r.json?.error, 'string', r.text)
      }
    })
  })

  describe('batch issuance', () => {
    test('three proofs from three keys sharing one c_nonce → three credentials, in order', async () => {
      assert.deepEqual(issuerMetadataJson.batch_credential_issuance, { batch_size: 10 })
      const holders = [await newHolderKey(), await newHolderKey(), await newHolderKey()]
      const ready = await redeemed(holders[0], { keys: holders.slice(1) })
      const { client, issuerMetadata, accessToken } = ready
      const { c_nonce } = await client.requestNonce({ issuerMetadata })
      const jwts = []
      for (const h of holders) jwts.push(await proofOf(client, issuerMetadata, h, c_nonce))
      const response = await client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configId, accessToken, proofs: { jwt: jwts } })
      const { credentials } = response.credentialResponse
      assert.equal(credentials.length, 3)
      for (const [i, { credential }] of credentials.entries()) {
        // verifySdJwtVc checks cnf.jwk is this holder's key: the i-th proof's.
        await verifyAndRecord(`A-batch-${i}`, 'dc+sd-jwt', credential, holders[i], tag)
        for (const m of ['kty', 'crv', 'x', 'y']) assert.equal(sdJwtPayload(credential).cnf.jwk[m], holders[i].publicJwk[m])
      }
      const salts = credentials.flatMap(({ credential }) => disclosures(credential).map(([salt]) => salt))
      assert.equal(salts.length, 3 * Object.keys(EXPECTED_CLAIMS).length)
      assert.equal(new Set(salts).size, salts.length, 'every disclosure has its own salt')
    })

    test('two proofs by the same key → 400 invalid_proof', async () => {
      const holder = await newHolderKey()
      const { client, issuerMetadata, accessToken } = await redeemed(holder)
      const { c_nonce } = await client.requestNonce({ issuerMetadata })
      const jwts = [await proofOf(client, issuerMetadata, holder, c_nonce), await proofOf(client, issuerMetadata, holder, c_nonce)]
      const r = await refusedCredential(client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configId, accessToken, proofs: { jwt: jwts } }))
      assert.equal(r.status, 400)
      assert.equal(r.body?.error, 'invalid_proof')
    })
  })

  describe('notification', () => {
    test('credential_accepted (DPoP-bound token) → 204, shown on each credential of the response', async () => {
      const holders = [await newHolderKey(), await newHolderKey()]
      const dpopKey = await newDpopKey('ES256')
      const dpop = { signer: dpopKey.signer }
      const ready = await redeemed(holders[0], { dpop, keys: [holders[1], dpopKey] })
      const { client, issuerMetadata, accessToken, offer } = ready
      const { c_nonce } = await client.requestNonce({ issuerMetadata })
      const jwts = []
      for (const h of holders) jwts.push(await proofOf(client, issuerMetadata, h, c_nonce))
      const response = await client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configId, accessToken, proofs: { jwt: jwts }, dpop })
      const { notification_id: notificationId, credentials } = response.credentialResponse
      assert.equal(typeof notificationId, 'string')
      assert.equal(credentials.length, 2)

      // An id Sigil never gave out: 400 invalid_notification_id (§11.3).
      await assert.rejects(
        client.sendNotification({ issuerMetadata, notification: { notificationId: 'not-a-notification-id', event: 'credential_accepted' }, accessToken, dpop }),
        (e) => {
          assert.ok(e instanceof Openid4vciSendNotificationError, String(e))
          assert.equal(e.response.response.status, 400)
          assert.equal(e.response.notificationErrorResponseResult?.data?.error, 'invalid_notification_id')
          return true
        },
      )

      const description = 'Stored by wallet A'
      const sent = await client.sendNotification({
        issuerMetadata,
        notification: { notificationId, event: 'credential_accepted', eventDescription: description },
        accessToken,
        dpop,
      })
      assert.equal(sent.response.status, 204)

      // The same id with another access token: 400 invalid_notification_id.
      const stranger = await redeemed(await newHolderKey())
      const foreign = await fetch(`${SIGIL_URL}/v1/openid/notification`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stranger.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ notification_id: notificationId, event: 'credential_deleted' }),
      })
      assert.equal(foreign.status, 400)
      assert.equal((await foreign.json()).error, 'invalid_notification_id')

      const issued = await admin('GET', `/v1/users/${offer.userId}/credentials`)
      assert.equal(issued.status, 200, JSON.stringify(issued.body))
      assert.equal(issued.body.data.length, 2, JSON.stringify(issued.body))
      const thumbprints = await Promise.all(holders.map((h) => jose.calculateJwkThumbprint(h.publicJwk)))
      assert.deepEqual(issued.body.data.map((c) => c.holderKeyThumbprint).sort(), [...thumbprints].sort())
      for (const c of issued.body.data) {
        assert.equal(c.notification?.event, 'credential_accepted', JSON.stringify(c))
        assert.equal(c.notification.description, description)
        assert.ok(Math.abs(Date.parse(c.notification.receivedAt) - Date.now()) < 60_000, c.notification.receivedAt)
      }
    })
  })
})
