// Wallet A (@openid4vc/openid4vci) obtains every issuable format through pre-authorized offers,
// with and without a transaction code, by value and by reference.
import { describe, test, before } from 'node:test'
import { createConfigurations, createOffer, newHolderKey, txCodeOf, verifyAndRecord } from '../lib/sigil.js'
import { obtainWithWalletA } from '../lib/wallet-a.js'

describe('wallet A (@openid4vc/openid4vci 0.4.6)', () => {
  const tag = `A${Date.now()}`
  let configs
  before(async () => {
    configs = await createConfigurations(tag)
  })
  for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
    for (const tx of [false, true]) {
      for (const byReference of [false, true]) {
        test(`${format}, ${tx ? 'with' : 'without'} tx_code, by ${byReference ? 'reference' : 'value'}`, async () => {
          const offer = await createOffer(configs[format], { tx, byReference })
          const holder = await newHolderKey()
          const credential = await obtainWithWalletA(offer.uri, configs[format], txCodeOf(offer), holder)
          await verifyAndRecord('A', format, credential, holder, tag)
        })
      }
    }
  }
})
