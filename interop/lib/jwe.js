// JWE both ways between a wallet and Sigil (OID4VCI 1.0 §8.2, §10): ECDH-ES with jose, HPKE-7 with
// @hpke/core in the Integrated Encryption layout of draft-ietf-jose-hpke-encrypt-20 (§5, §7):
//   BASE64URL(protected header) . BASE64URL(encapsulated key) . "" . BASE64URL(ciphertext ‖ tag) . ""
// with HPKE base mode DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM, info empty, and the
// HPKE aad the ASCII protected-header segment; the header carries alg "HPKE-7" and no "enc".
import assert from 'node:assert/strict'
import * as jose from 'jose'
import { Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core'

const hpke7 = () => new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() })
const ascii = (s) => new TextEncoder().encode(s)
const b64urlJson = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

/**
 * A wallet's P-256 key for an encrypted credential response. `jwk` is the public JWK to send in
 * `credential_response_encryption` (with `alg` and a thumbprint `kid`); `privateJwk` opens the answer.
 */
export async function newResponseKey(alg) {
  const { publicKey, privateKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
  const jwk = await jose.exportJWK(publicKey)
  const kid = await jose.calculateJwkThumbprint(jwk)
  return { jwk: { ...jwk, alg, kid }, privateKey, privateJwk: await jose.exportJWK(privateKey) }
}

/** The five segments and the decoded protected header of a compact JWE. */
export function jweParts(compact) {
  const parts = compact.split('.')
  assert.equal(parts.length, 5, `a compact JWE has five segments: ${compact.slice(0, 80)}`)
  return { parts, header: b64urlJson(parts[0]) }
}

/** Opens an ECDH-ES JWE with jose; returns the protected header and the parsed JSON plaintext. */
export async function openEcdhEs(compact, privateKey) {
  const { plaintext, protectedHeader } = await jose.compactDecrypt(compact, privateKey, {
    keyManagementAlgorithms: ['ECDH-ES'],
    contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'],
  })
  return { header: protectedHeader, payload: JSON.parse(new TextDecoder().decode(plaintext)) }
}

/** Opens an HPKE-7 JWE (draft layout above) with @hpke/core. */
export async function openHpke7(compact, privateJwk) {
  const { parts, header } = jweParts(compact)
  const [protectedB64, encapsulatedKey, iv, ciphertext, tag] = parts
  assert.equal(header.alg, 'HPKE-7')
  assert.ok(!('enc' in header), 'Integrated Encryption: no enc header (draft §5)')
  assert.equal(iv, '', 'the IV segment is empty')
  assert.equal(tag, '', 'the tag segment is empty')
  const suite = hpke7()
  const recipientKey = await suite.kem.importKey('jwk', { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, d: privateJwk.d }, false)
  const plaintext = await suite.open(
    { recipientKey, enc: jose.base64url.decode(encapsulatedKey) },
    jose.base64url.decode(ciphertext),
    ascii(protectedB64),
  )
  return { header, payload: JSON.parse(new TextDecoder().decode(plaintext)) }
}

/** Opens whichever of the two a wallet asked for. */
export async function openResponse(compact, key) {
  return key.jwk.alg === 'HPKE-7' ? openHpke7(compact, key.privateJwk) : openEcdhEs(compact, key.privateKey)
}

/** ECDH-ES JWE of a JSON value to `recipientJwk` with jose; `header` adds or overrides members. */
export async function sealEcdhEs(value, recipientJwk, { enc = 'A256GCM', header = {} } = {}) {
  const key = await jose.importJWK({ kty: recipientJwk.kty, crv: recipientJwk.crv, x: recipientJwk.x, y: recipientJwk.y }, 'ECDH-ES')
  return new jose.CompactEncrypt(ascii(JSON.stringify(value)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc, kid: recipientJwk.kid, ...header })
    .encrypt(key)
}

/** HPKE-7 JWE of a JSON value to `recipientJwk` with @hpke/core (draft layout above). */
export async function sealHpke7(value, recipientJwk, { header = {} } = {}) {
  const suite = hpke7()
  const recipientPublicKey = await suite.kem.importKey('jwk', { kty: 'EC', crv: 'P-256', x: recipientJwk.x, y: recipientJwk.y }, true)
  const protectedB64 = jose.base64url.encode(JSON.stringify({ alg: 'HPKE-7', kid: recipientJwk.kid, ...header }))
  const { ct, enc } = await suite.seal({ recipientPublicKey }, ascii(JSON.stringify(value)), ascii(protectedB64))
  return `${protectedB64}.${jose.base64url.encode(new Uint8Array(enc))}..${jose.base64url.encode(new Uint8Array(ct))}.`
}
