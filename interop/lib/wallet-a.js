// Wallet A (@openid4vc/openid4vci): the client and the pre-authorized flow.
import assert from 'node:assert/strict'
import { clientAuthenticationAnonymous, setGlobalConfig } from '@openid4vc/oauth2'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { random, sha256, signJwt } from './sigil.js'

// Loopback http is fine for the test issuer; without this every non-https URL is refused.
setGlobalConfig({ allowInsecureUrls: true })

/**
 * `clientAuthentication` defaults to anonymous (pre-authorized flow); the authorization code flow
 * passes `clientAuthenticationNone({ clientId })` for a public client. `keys` are further key pairs
 * the wallet may sign with (DPoP keys, more holder keys): a `jwk` signer is signed with the key
 * whose public JWK it names, any other signer with `holder`. `fetch` replaces the global fetch.
 */
export function walletA(holder, { clientAuthentication = clientAuthenticationAnonymous(), keys = [], fetch: fetchImpl = fetch } = {}) {
  const keyFor = (signer) => {
    if (signer.method !== 'jwk') return holder
    const same = (k) => ['kty', 'crv', 'x', 'y'].every((m) => k.publicJwk[m] === signer.publicJwk[m])
    const key = [holder, ...keys].find(same)
    assert.ok(key, `wallet A holds no private key for ${JSON.stringify(signer.publicJwk)}`)
    return key
  }
  return new Openid4vciClient({
    callbacks: {
      fetch: fetchImpl,
      hash: (data, alg) => {
        assert.equal(alg, 'sha-256')
        return new Uint8Array(sha256(data))
      },
      generateRandom: random,
      clientAuthentication,
      signJwt: async (signer, { header, payload }) => {
        const key = keyFor(signer)
        return { jwt: await signJwt(key.privateKey, header, payload), signerJwk: key.publicJwk }
      },
    },
  })
}

/**
 * The whole pre-authorized flow; returns the credential. `signer` is the proof JWT's key
 * reference: the holder's public JWK by default, or e.g. `{ method: 'did', didUrl, alg: 'EdDSA' }`.
 */
export async function obtainWithWalletA(uri, configurationId, txCode, holder, { signer = { method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk } } = {}) {
  const client = walletA(holder)
  const credentialOffer = await client.resolveCredentialOffer(uri)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode })
  const { c_nonce } = await client.requestNonce({ issuerMetadata })
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    nonce: c_nonce,
    signer,
  })
  const response = await client.retrieveCredentials({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    accessToken: accessTokenResponse.access_token,
    proofs: { jwt: [jwt] },
  })
  const credentials = response.credentialResponse.credentials
  assert.equal(credentials.length, 1)
  return credentials[0].credential
}

