// Refusals as wallet A sees them: exact HTTP status and OAuth error code for each attack.
import assert from 'node:assert/strict'
import { describe, test, before } from 'node:test'
import { Oauth2ClientErrorResponseError } from '@openid4vc/oauth2'
import { Openid4vciRetrieveCredentialsError } from '@openid4vc/openid4vci'
import { SIGIL_URL, createConfigurations, createOffer, newHolderKey, signJwt, txCodeOf } from '../lib/sigil.js'
import { walletA } from '../lib/wallet-a.js'

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'

async function expectTokenError(promise, status, error) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Oauth2ClientErrorResponseError, `expected an OAuth error response, got ${e}`)
    assert.equal(e.response.status, status)
    assert.equal(e.errorResponse.error, error)
    return true
  })
}

async function expectCredentialError(promise, status, error) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Openid4vciRetrieveCredentialsError, `expected a credential error response, got ${e}`)
    assert.equal(e.response.response.status, status)
    assert.equal(e.response.credentialErrorResponseResult?.data?.error, error)
    return true
  })
}

async function rawToken(params) {
  const res = await fetch(`${SIGIL_URL}/v1/oauth/token`, { method: 'POST', body: new URLSearchParams(params) })
  return { status: res.status, body: await res.json(), headers: res.headers }
}

describe('refusals seen by wallet A', () => {
  let configs
  let holder
  before(async () => {
    configs = await createConfigurations(`N${Date.now()}`)
    holder = await newHolderKey()
  })

  /** Resolves an offer and redeems it with wallet A. */
  async function tokenFor(offer, txCode) {
    const client = walletA(holder)
    const credentialOffer = await client.resolveCredentialOffer(offer.uri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const redeem = (code) => client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: code })
    return { client, credentialOffer, issuerMetadata, redeem, first: txCode === null ? undefined : await redeem(txCode) }
  }

  test('replayed pre-authorized code → 400 invalid_grant', async () => {
    const offer = await createOffer(configs.jwt_vc_json)
    const { redeem } = await tokenFor(offer)
    await expectTokenError(redeem(undefined), 400, 'invalid_grant')
  })

  test('wrong tx_code → 400 invalid_grant', async () => {
    const offer = await createOffer(configs.jwt_vc_json, { tx: true })
    const { redeem } = await tokenFor(offer, null)
    const wrong = txCodeOf(offer) === '999999' ? '111111' : '999999'
    await expectTokenError(redeem(wrong), 400, 'invalid_grant')
    await redeem(txCodeOf(offer))
  })

  test('tx_code cap reached → the right code gets 400 invalid_grant', async () => {
    const offer = await createOffer(configs.jwt_vc_json, { tx: true })
    const { redeem } = await tokenFor(offer, null)
    const wrong = txCodeOf(offer) === '999999' ? '111111' : '999999'
    for (let i = 0; i < 5; i++) await expectTokenError(redeem(wrong), 400, 'invalid_grant')
    await expectTokenError(redeem(txCodeOf(offer)), 400, 'invalid_grant')
  })

  test('missing tx_code → 400 invalid_request', async () => {
    const offer = await createOffer(configs.jwt_vc_json, { tx: true })
    const code = new URL(offer.uri.replace('openid-credential-offer://', 'https://x/')).searchParams.get('credential_offer')
    const preAuthorizedCode = JSON.parse(code).grants[PRE_AUTH]['pre-authorized_code']
    const r = await rawToken({ grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode })
    assert.equal(r.status, 400)
    assert.equal(r.body.error, 'invalid_request')
  })

  async function readyForCredential() {
    const offer = await createOffer(configs.jwt_vc_json)
    const t = await tokenFor(offer)
    return { ...t, accessToken: t.first.accessTokenResponse.access_token }
  }

  async function proof(client, issuerMetadata, nonce) {
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: configs.jwt_vc_json,
      nonce,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk },
    })
    return jwt
  }

  test('proof with a made-up nonce → 400 invalid_nonce', async () => {
    const { client, issuerMetadata, accessToken } = await readyForCredential()
    const jwt = await proof(client, issuerMetadata, 'a-nonce-sigil-never-issued')
    await expectCredentialError(
      client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configs.jwt_vc_json, accessToken, proofs: { jwt: [jwt] } }),
      400,
      'invalid_nonce',
    )
  })

  test('replayed proof → 400 invalid_nonce', async () => {
    const { client, issuerMetadata, accessToken } = await readyForCredential()
    const { c_nonce } = await client.requestNonce({ issuerMetadata })
    const jwt = await proof(client, issuerMetadata, c_nonce)
    const request = () => client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configs.jwt_vc_json, accessToken, proofs: { jwt: [jwt] } })
    await request()
    await expectCredentialError(request(), 400, 'invalid_nonce')
  })

  test('proof with the wrong aud → 400 invalid_proof', async () => {
    const { client, issuerMetadata, accessToken } = await readyForCredential()
    const { c_nonce } = await client.requestNonce({ issuerMetadata })
    const jwt = await signJwt(
      holder.privateKey,
      { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: holder.publicJwk },
      { aud: 'https://another-issuer.example', iat: Math.floor(Date.now() / 1000), nonce: c_nonce },
    )
    await expectCredentialError(
      client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configs.jwt_vc_json, accessToken, proofs: { jwt: [jwt] } }),
      400,
      'invalid_proof',
    )
  })

  test('bad access token → 401 invalid_token with WWW-Authenticate', async () => {
    const { client, issuerMetadata } = await readyForCredential()
    const { c_nonce } = await client.requestNonce({ issuerMetadata })
    const jwt = await proof(client, issuerMetadata, c_nonce)
    await assert.rejects(
      client.retrieveCredentials({ issuerMetadata, credentialConfigurationId: configs.jwt_vc_json, accessToken: 'not-a-token', proofs: { jwt: [jwt] } }),
      (e) => {
        assert.equal(e.response.response.status, 401)
        assert.match(e.response.response.headers.get('www-authenticate'), /^Bearer error="invalid_token"/)
        return true
      },
    )
  })

  test('unknown configuration id → 400 unknown_credential_configuration', async () => {
    const { client, issuerMetadata, accessToken } = await readyForCredential()
    const { c_nonce } = await client.requestNonce({ issuerMetadata })
    const jwt = await proof(client, issuerMetadata, c_nonce)
    const res = await fetch(`${SIGIL_URL}/v1/openid/credential`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ credential_configuration_id: 'no-such-configuration', proofs: { jwt: [jwt] } }),
    })
    assert.equal(res.status, 400)
    assert.equal((await res.json()).error, 'unknown_credential_configuration')
  })
})
