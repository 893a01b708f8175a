// cwt_vc and cwt (COSE_Sign1-signed CWTs): the issuer metadata of both configurations, and wallet A
// (@openid4vc/openid4vci 0.4.6, which knows neither format but requests by
// credential_configuration_id) obtaining them through pre-authorized offers. Each credential is
// decoded here against the contract (lib/cwt.js) and its signature verified by verify.py (Python
// `cwt` 3.3.0), with the negative cases (a tampered claim, another ES256 key) there.
import assert from 'node:assert/strict'
import { describe, test, before } from 'node:test'
import { SIGIL_URL, createOffer, newHolderKey, txCodeOf } from '../lib/sigil.js'
import { obtainWithWalletA } from '../lib/wallet-a.js'
import { CWT_FORMATS, assertCwtMetadata, createCwtConfigurations, cwtType, verifyCwt } from '../lib/cwt.js'

describe('cwt_vc and cwt with wallet A and Python cwt 3.3.0', () => {
  const tag = `C${Date.now()}`
  let configs

  before(async () => {
    configs = await createCwtConfigurations(tag)
  })

  test('issuer metadata describes both configurations', async () => {
    const meta = await (await fetch(`${SIGIL_URL}/.well-known/openid-credential-issuer`)).json()
    for (const format of CWT_FORMATS) assertCwtMetadata(meta.credential_configurations_supported[configs[format]], format, cwtType(format, tag))
  })

  for (const format of CWT_FORMATS) {
    test(`wallet A obtains ${format} credentials (by value without tx_code, by reference with one)`, async () => {
      const ctis = new Set()
      for (const [tx, byReference] of [[false, false], [true, true]]) {
        const offer = await createOffer(configs[format], { tx, byReference })
        const holder = await newHolderKey()
        const credential = await obtainWithWalletA(offer.uri, configs[format], txCodeOf(offer), holder)
        const { cti } = await verifyCwt(credential, holder, { format, type: cwtType(format, tag) })
        ctis.add(cti)
      }
      assert.equal(ctis.size, 2, 'every CWT has its own cti')
    })
  }
})
