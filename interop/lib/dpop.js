// DPoP (RFC 9449) on the wallet side: keys, hand-made proofs for raw requests, a fetch that records
// what went over the wire, and a second Sigil started with other settings (e.g. required nonces).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { random, sha256, signJwt } from './sigil.js'

/** A DPoP key for `alg` (ES256 or EdDSA) and the signer wallet A's `dpop` option takes. */
export async function newDpopKey(alg = 'ES256') {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) })
  const publicJwk = await jose.exportJWK(publicKey)
  const privateJwk = await jose.exportJWK(privateKey)
  return { alg, publicKey, privateKey, publicJwk, privateJwk, signer: { method: 'jwk', alg, publicJwk } }
}

/** base64url(SHA-256(access token)): the `ath` of a proof at a protected resource. */
export const ath = (accessToken) => sha256(accessToken).toString('base64url')

/** A DPoP proof made by hand (for requests sent without wallet A). */
export async function dpopProof(key, { htu, htm = 'POST', accessToken, nonce, iat = Math.floor(Date.now() / 1000) }) {
  const payload = { jti: Buffer.from(random(16)).toString('base64url'), htm, htu, iat }
  if (accessToken !== undefined) payload.ath = ath(accessToken)
  if (nonce !== undefined) payload.nonce = nonce
  return signJwt(key.privateKey, { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk }, payload)
}

/** The claims of a JWT (no verification). */
export const jwtClaims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))

/**
 * A fetch that records every exchange: method, path, the DPoP proof's claims, the Authorization
 * scheme, the status, the DPoP-Nonce and WWW-Authenticate answered, and a JSON error code.
 */
export function recordingFetch() {
  const log = []
  async function recorded(input, init = {}) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    const headers = new Headers(init.headers)
    const response = await fetch(input, init)
    let error
    if (!response.ok && (response.headers.get('content-type') ?? '').startsWith('application/json')) {
      error = (await response.clone().json().catch(() => ({}))).error
    }
    const proof = headers.get('dpop')
    log.push({
      method: init.method ?? 'GET',
      path: url.pathname,
      dpop: proof ? jwtClaims(proof) : undefined,
      scheme: headers.get('authorization')?.split(' ')[0],
      status: response.status,
      error,
      dpopNonce: response.headers.get('dpop-nonce') ?? undefined,
      wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
    })
    return response
  }
  return { fetch: recorded, log }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts another Sigil (the binary run.sh exports as SIGIL_BIN) on a free loopback port with a
 * fresh data directory and `env` added; resolves once /health/ready answers. `stop()` ends it
 * and removes its directory.
 */
export async function startSigil(env = {}) {
  const bin = process.env.SIGIL_BIN
  assert.ok(bin, 'SIGIL_BIN must be set (interop/run.sh exports it)')
  const dir = mkdtempSync(join(tmpdir(), 'sigil-interop-extra-'))
  const port = await freePort()
  const adminToken = `interop-extra-${Buffer.from(random(32)).toString('base64url')}`
  const url = `http://127.0.0.1:${port}`
  const child = spawn(bin, ['serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SIGIL_LISTEN: `127.0.0.1:${port}`,
      SIGIL_DATA_DIR: join(dir, 'data'),
      SIGIL_ADMIN_TOKEN: adminToken,
      SIGIL_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${url}/health/ready`)).ok) {
        const admin = async (method, path, body) => {
          const res = await fetch(`${url}${path}`, {
            method,
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          })
          const text = await res.text()
          return { status: res.status, body: text ? JSON.parse(text) : null }
        }
        return { url, admin, stop, stderr: () => stderr }
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await stop()
  throw new Error(`the extra sigil did not become ready: ${stderr}`)
}

