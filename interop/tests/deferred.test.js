// Deferred issuance driven by a claims source (OID4VCI 1.0 §9): the configuration's claims source
// (an HTTPS server on https://localhost with the test CA of run.sh) answers 202 Accepted until its
// data is ready. Sigil then answers the credential request with 202 {transaction_id, interval};
// each poll of the deferred credential endpoint asks the claims source again, and once it answers
// 200 the poll delivers a dc+sd-jwt carrying the source's claims (verified with @sd-jwt/sd-jwt-vc).
// Wallet A (@openid4vc/openid4vci) redeems the offers, makes the nonce and the proof, and polls
// once; the other exchanges are plain fetch so their exact status and body can be checked.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import * as jose from 'jose'
import { SIGIL_URL, admin, createOffer, newHolderKey, verifySdJwtVc } from '../lib/sigil.js'
import { walletA } from '../lib/wallet-a.js'
import { listen, randomString, send } from '../lib/journey.js'

const CREDENTIAL_PATH = '/v1/openid/credential'
const DEFERRED_PATH = '/v1/openid/deferred-credential'
/** How many of its first requests the claims source answers with 202 (then 200). */
const PENDING_ANSWERS = 3
const DEFAULT_INTERVAL = 5

const HOLDER_CLAIMS = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' }
/** Only the claims source knows these. */
const LICENCE = { licenceNumber: 'DL-1815-1210', licenceClass: 'B' }

/**
 * A claims source at https://localhost:PORT/licence (GET `?email=`, `x-api-key`): answers 202
 * Accepted to its first `pending` requests, then 200 with `claims`. `hits` logs every request.
 */
async function startPendingClaimsSource({ pending, claims, apiKey = randomString() }) {
  const hits = []
  const http = await listen((req, res) => {
    const url = new URL(req.url, 'https://localhost')
    const entry = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers } }
    hits.push(entry)
    if (url.pathname !== '/licence') return send(res, 404, { error: 'not_found' })
    if (req.headers['x-api-key'] !== apiKey) return send(res, 401, { error: 'unauthorized' })
    const licenceHits = hits.filter((h) => h.path === '/licence').length
    entry.status = licenceHits <= pending ? 202 : 200
    if (entry.status === 202) return send(res, 202, { status: 'processing' })
    return send(res, 200, claims)
  })
  return { url: `${http.origin}/licence`, apiKey, hits, close: http.close, licenceHits: () => hits.filter((h) => h.path === '/licence') }
}

/** A plain JSON POST with a Bearer access token; returns status, body and the raw text. */
async function postJson(path, accessToken, body) {
  const res = await fetch(`${SIGIL_URL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: json, text }
}

/** For assertion messages: the exchange as it went over the wire. */
const exchange = (what, request, response) => `${what}: ${JSON.stringify(request)} → ${response.status} ${response.text}`

describe('deferred issuance driven by a claims source (202 until ready; wallet A 0.4.6, @sd-jwt/sd-jwt-vc)', () => {
  const tag = `DF${Date.now()}`
  const vct = `https://credentials.example.com/interop/${tag}/licence`
  let source
  let claimSource
  let configId

  before(async () => {
    source = await startPendingClaimsSource({ pending: PENDING_ANSWERS, claims: LICENCE })
    const cs = await admin('POST', '/v1/claim-sources', {
      name: `Licence register ${tag}`,
      url: source.url,
      requestMethod: 'GET',
      requestParameters: { email: { mapFrom: 'claims.email' } },
      authorization: { type: 'api-key', value: source.apiKey },
    })
    assert.equal(cs.status, 201, JSON.stringify(cs.body))
    claimSource = cs.body
    const config = await admin('POST', '/v1/openid/credential-configurations', {
      name: `Driving licence ${tag}`,
      format: 'dc+sd-jwt',
      vct,
      claimSourceId: claimSource.id,
      claimMappings: {
        given_name: { mapFrom: 'claims.given_name', required: true },
        family_name: { mapFrom: 'claims.family_name', required: true },
        licence_number: { mapFrom: 'claims.licenceNumber', required: true },
        licence_class: { mapFrom: 'claims.licenceClass' },
      },
      expiresIn: { days: 365 },
    })
    assert.equal(config.status, 201, JSON.stringify(config.body))
    assert.equal(config.body.claimSourceId, claimSource.id)
    configId = config.body.id
  })

  after(async () => {
    await source?.close()
  })

  /** Wallet A redeems a fresh pre-authorized offer of the configuration. */
  async function redeemed(holder) {
    const offer = await createOffer(configId, { claims: HOLDER_CLAIMS })
    const client = walletA(holder)
    const credentialOffer = await client.resolveCredentialOffer(offer.uri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata })
    return { offer, client, issuerMetadata, accessToken: accessTokenResponse.access_token }
  }

  async function pendingListing() {
    const r = await admin('GET', '/v1/credentials/deferred')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.ok(Array.isArray(r.body?.data), JSON.stringify(r.body))
    return r.body.data.filter((d) => d.credentialConfigurationId === configId)
  }

  test('credential request → 202 while the source answers 202; polls ask it again; 200 delivers its claims once', async () => {
    const holder = await newHolderKey()
    const w = await redeemed(holder)
    assert.equal(w.issuerMetadata.credentialIssuer.deferred_credential_endpoint, `${SIGIL_URL}${DEFERRED_PATH}`)
    assert.equal(source.licenceHits().length, 0, 'the claims source is not asked before the credential request')

    // The credential request: the claims source answers 202 → Sigil defers.
    const { c_nonce } = await w.client.requestNonce({ issuerMetadata: w.issuerMetadata })
    const { jwt } = await w.client.createCredentialRequestJwtProof({
      issuerMetadata: w.issuerMetadata,
      credentialConfigurationId: configId,
      nonce: c_nonce,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk },
    })
    const request = { credential_configuration_id: configId, proofs: { jwt: [jwt] } }
    const accepted = await postJson(CREDENTIAL_PATH, w.accessToken, request)
    assert.equal(accepted.status, 202, exchange(`POST ${CREDENTIAL_PATH}`, request, accepted))
    assert.match(accepted.contentType, /^application\/json/)
    const transactionId = accepted.body?.transaction_id
    assert.equal(typeof transactionId, 'string', accepted.text)
    assert.ok(transactionId.length >= 16, accepted.text)
    assert.equal(accepted.body.interval, DEFAULT_INTERVAL, accepted.text)
    assert.equal(accepted.body.credentials, undefined, accepted.text)
    assert.equal(accepted.body.notification_id, undefined, accepted.text)

    // The claims source was asked once, with the offer's e-mail and the API key, and said 202.
    let hits = source.licenceHits()
    assert.equal(hits.length, 1, JSON.stringify(hits))
    assert.equal(hits[0].method, 'GET')
    assert.equal(hits[0].query.email, HOLDER_CLAIMS.email)
    assert.equal(hits[0].headers['x-api-key'], source.apiKey)
    assert.equal(hits[0].status, 202)

    // The administrator sees it pending, awaiting the claims source.
    const thumbprint = await jose.calculateJwkThumbprint(holder.publicJwk, 'sha256')
    let listed = await pendingListing()
    assert.equal(listed.length, 1, JSON.stringify(listed))
    const deferredId = listed[0].id
    assert.equal(listed[0].status, 'pending')
    assert.equal(listed[0].awaiting, 'claimsSource')
    assert.equal(listed[0].userId, w.offer.userId)
    assert.equal(listed[0].offerId, w.offer.id)
    assert.deepEqual(listed[0].holderKeyThumbprints, [thumbprint])
    assert.ok(Date.parse(listed[0].expiresAt) > Date.now(), listed[0].expiresAt)
    const issued = await admin('GET', `/v1/users/${w.offer.userId}/credentials`)
    assert.equal(issued.status, 200, JSON.stringify(issued.body))
    assert.deepEqual(issued.body.data.filter((c) => c.configurationId === configId), [], 'nothing issued while pending')

    // Another access token (another offer of the same configuration) cannot poll it, and the
    // claims source is not asked for it.
    const other = await redeemed(await newHolderKey())
    const poll = { transaction_id: transactionId }
    const stranger = await postJson(DEFERRED_PATH, other.accessToken, poll)
    assert.equal(stranger.status, 400, exchange(`POST ${DEFERRED_PATH} (another access token)`, poll, stranger))
    assert.equal(stranger.body?.error, 'invalid_transaction_id', stranger.text)
    assert.equal(source.licenceHits().length, 1, 'a refused poll does not reach the claims source')

    // Poll 1 (plain fetch): the source still answers 202 → 202 with the same transaction id.
    const first = await postJson(DEFERRED_PATH, w.accessToken, poll)
    assert.equal(first.status, 202, exchange(`POST ${DEFERRED_PATH} (poll 1)`, poll, first))
    assert.deepEqual(first.body, { transaction_id: transactionId, interval: DEFAULT_INTERVAL }, first.text)
    hits = source.licenceHits()
    assert.equal(hits.length, 2, 'each poll asks the claims source again')
    assert.equal(hits[1].status, 202)
    assert.equal(hits[1].query.email, HOLDER_CLAIMS.email)
    listed = await pendingListing()
    assert.equal(listed.length, 1, JSON.stringify(listed))
    assert.equal(listed[0].id, deferredId)
    assert.equal(listed[0].awaiting, 'claimsSource')

    // Poll 2 (wallet A): 202 again, which wallet A takes as "not yet".
    const viaWallet = await w.client.retrieveDeferredCredentials({ issuerMetadata: w.issuerMetadata, accessToken: w.accessToken, transactionId })
    assert.equal(viaWallet.response.status, 202)
    assert.equal(viaWallet.deferredCredentialResponse.transaction_id, transactionId)
    assert.equal(viaWallet.deferredCredentialResponse.interval, DEFAULT_INTERVAL)
    assert.equal(viaWallet.deferredCredentialResponse.credentials, undefined)
    assert.equal(source.licenceHits().length, 3)
    assert.equal(source.licenceHits()[2].status, 202)

    // Poll 3 (plain fetch): the source answers 200 → the credential, with its claims.
    const done = await postJson(DEFERRED_PATH, w.accessToken, poll)
    assert.equal(done.status, 200, exchange(`POST ${DEFERRED_PATH} (poll 3)`, poll, done))
    hits = source.licenceHits()
    assert.equal(hits.length, PENDING_ANSWERS + 1, 'one claims-source request per credential request or poll')
    assert.equal(hits.at(-1).status, 200)
    assert.equal(done.body.transaction_id, undefined, done.text)
    assert.equal(done.body.interval, undefined, done.text)
    assert.equal(typeof done.body.notification_id, 'string', done.text)
    assert.ok(Array.isArray(done.body.credentials) && done.body.credentials.length === 1, done.text)
    const { credential } = done.body.credentials[0]
    assert.equal(typeof credential, 'string')
    const { payload } = await verifySdJwtVc(credential, holder, {
      vct,
      claims: {
        given_name: HOLDER_CLAIMS.given_name,
        family_name: HOLDER_CLAIMS.family_name,
        licence_number: LICENCE.licenceNumber,
        licence_class: LICENCE.licenceClass,
      },
    })
    assert.equal(payload.licence_number, LICENCE.licenceNumber, 'the claims source’s claim is in the credential')

    // Spent: the same transaction id again → invalid_transaction_id, without asking the source.
    const again = await postJson(DEFERRED_PATH, w.accessToken, poll)
    assert.equal(again.status, 400, exchange(`POST ${DEFERRED_PATH} (spent transaction id)`, poll, again))
    assert.equal(again.body?.error, 'invalid_transaction_id', again.text)
    assert.equal(source.licenceHits().length, PENDING_ANSWERS + 1, 'a spent transaction id does not reach the claims source')

    // Delivered: no longer listed, and recorded as issued to the user.
    assert.deepEqual(await pendingListing(), [], 'a delivered issuance is no longer listed')
    const issuedAfter = await admin('GET', `/v1/users/${w.offer.userId}/credentials`)
    assert.equal(issuedAfter.status, 200, JSON.stringify(issuedAfter.body))
    const mine = issuedAfter.body.data.filter((c) => c.configurationId === configId)
    assert.equal(mine.length, 1, JSON.stringify(issuedAfter.body))
  })
})
