// Wallet B (@sphereon/oid4vci-client) obtains every issuable format through pre-authorized
// offers, with and without a transaction code.
import { describe, test, before } from 'node:test'
import { OpenID4VCIClientV1_0_15 } from '@sphereon/oid4vci-client'
import { createConfigurations, createOffer, newHolderKey, signJwt, txCodeOf, verifyAndRecord } from '../lib/sigil.js'

async function obtainWithWalletB(uri, configurationId, format, txCode, holder) {
  const client = await OpenID4VCIClientV1_0_15.fromURI({ uri, retrieveServerMetadata: true })
  await client.acquireAccessToken({ pin: txCode })
  const response = await client.acquireCredentials({
    credentialConfigurationId: configurationId,
    format,
    alg: 'ES256',
    jwk: holder.publicJwk,
    proofCallbacks: {
      signCallback: async (jwt) => signJwt(holder.privateKey, { ...jwt.header, alg: 'ES256' }, jwt.payload),
    },
  })
  const credential = response.credentials?.[0]?.credential ?? response.credential
  if (!credential) throw new Error(`wallet B got no credential: ${JSON.stringify(response)}`)
  return credential
}

describe('wallet B (@sphereon/oid4vci-client 0.20.1)', () => {
  const tag = `B${Date.now()}`
  let configs
  before(async () => {
    configs = await createConfigurations(tag)
  })
  for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
    for (const tx of [false, true]) {
      test(`${format}, ${tx ? 'with' : 'without'} tx_code`, async () => {
        const offer = await createOffer(configs[format], { tx })
        const holder = await newHolderKey()
        const credential = await obtainWithWalletB(offer.uri, configs[format], format, txCodeOf(offer), holder)
        await verifyAndRecord('B', format, credential, holder, tag)
      })
    }
  }
})
