// The parties of the authorization-code journey that are not Sigil, each an HTTPS server started
// in-process on https://localhost:<ephemeral port> (Sigil refuses http and IP addresses for these
// URLs): a real OpenID Provider (oidc-provider), an interaction hook written with jose exactly as
// seed 000 shows, and a claims source. Plus a scripted browser that walks the redirects.
//
// The TLS leaf and its CA come from $SIGIL_TEST_TLS_DIR (interop/run.sh makes them with openssl);
// node trusts the CA through NODE_EXTRA_CA_CERTS, Sigil through SIGIL_OUTBOUND_CA_FILE.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { SignJWT, jwtVerify } from 'jose'
import Provider from 'oidc-provider'

function tlsOptions() {
  const dir = process.env.SIGIL_TEST_TLS_DIR
  if (!dir) throw new Error('SIGIL_TEST_TLS_DIR must be set (interop/run.sh sets it)')
  return { cert: readFileSync(`${dir}/localhost.pem`), key: readFileSync(`${dir}/localhost.key`) }
}

/**
 * Listens on 127.0.0.1, port 0; the URL names the host `localhost` (the certificate's SAN).
 * Exported for tests that need a server of their own (e.g. a claims source that answers 202).
 */
export async function listen(handler) {
  const server = createServer(tlsOptions(), handler)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const origin = `https://localhost:${server.address().port}`
  const close = () => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  return { server, origin, close }
}

const randomString = (n = 32) => randomBytes(n).toString('base64url')

export async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

export function send(res, status, body, headers = {}) {
  const json = typeof body !== 'string'
  res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(json ? JSON.stringify(body) : body)
}

// ---------------------------------------------------------------------------------------------
// The OpenID Provider
// ---------------------------------------------------------------------------------------------

/** Test users, by login name (what the devInteractions form's `login` field carries). */
export const ACCOUNTS = {
  ada: { sub: 'ada-sub-1', email: 'ada@example.com', email_verified: true, given_name: 'Ada', family_name: 'Lovelace' },
  grace: { sub: 'grace-sub-2', email: 'grace@example.com', email_verified: true, given_name: 'Grace', family_name: 'Hopper' },
}

/**
 * oidc-provider 9.13.3 as a real OP at https://localhost:PORT. Two confidential clients share the
 * redirect URI: `sigil-rp` (client_secret_post) and `sigil-rp-basic` (client_secret_basic).
 * PKCE is required; the dev interactions (login form, consent form) are on.
 *
 * `claimsInIdToken`: oidc-provider's default (`conformIdTokenClaims: true`) puts the scope's
 * claims (email, names) in the userinfo response only, and an ID token for a code flow carries
 * `sub` and protocol claims alone. `true` puts them in the ID token as well.
 */
export async function startIdp({ redirectUri, claimsInIdToken = false, idTokenAlg = 'RS256' } = {}) {
  if (!redirectUri) throw new Error('startIdp needs the redirectUri Sigil uses (its authentication callback)')
  const http = await listen((req, res) => handle(req, res))
  const { privateKey } = idTokenAlg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid: randomString(8), alg: idTokenAlg }
  const clients = {
    post: { client_id: 'sigil-rp', client_secret: randomString(), token_endpoint_auth_method: 'client_secret_post' },
    basic: { client_id: 'sigil-rp-basic', client_secret: randomString(), token_endpoint_auth_method: 'client_secret_basic' },
  }
  const provider = new Provider(http.origin, {
    clients: Object.values(clients).map((c) => ({
      ...c,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: idTokenAlg,
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomString(), randomString()] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    conformIdTokenClaims: !claimsInIdToken,
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    scopes: ['openid', 'profile', 'email'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name'],
    },
    findAccount: async (ctx, id) => {
      const account = Object.values(ACCOUNTS).find((a) => a.sub === id)
      if (!account) return undefined
      return {
        accountId: account.sub,
        claims: async () => ({ ...account, name: `${account.given_name} ${account.family_name}` }),
      }
    },
  })
  // What Sigil sent, for assertions: authorization requests (query) and token/userinfo calls.
  const requests = []
  provider.use(async (ctx, next) => {
    const entry = { method: ctx.method, path: ctx.path, query: { ...ctx.query }, authorization: ctx.get('authorization') || undefined }
    requests.push(entry)
    await next()
    entry.status = ctx.status
  })
  const events = []
  for (const name of ['grant.success', 'grant.error', 'authorization.error', 'userinfo.error', 'server_error']) {
    provider.on(name, (ctx, err) => events.push({ name, path: ctx?.path, error: err?.message, description: err?.error_description }))
  }
  const callback = provider.callback()
  // The user directory: devInteractions logs the session in with the form's `login` as the
  // account id, and oidc-provider uses the account id as `sub`. So the login form's name is
  // swapped for the account's `sub` here, before the provider reads the (pre-parsed) body.
  async function handle(req, res) {
    if (req.method === 'POST' && /^\/interaction\/[^/]+$/.test(req.url.split('?')[0])) {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
      if (form.prompt === 'login' && ACCOUNTS[form.login]) form.login = ACCOUNTS[form.login].sub
      req.body = form
    }
    callback(req, res)
  }
  return {
    url: http.origin,
    clientId: clients.post.client_id,
    clientSecret: clients.post.client_secret,
    basicClientId: clients.basic.client_id,
    basicClientSecret: clients.basic.client_secret,
    clients,
    provider,
    requests,
    events,
    close: http.close,
  }
}

// ---------------------------------------------------------------------------------------------
// The interaction hook
// ---------------------------------------------------------------------------------------------

/**
 * The hook component of seed 000, at https://localhost:PORT/hook. Verifies the session_token
 * with the shared secret (issuer = Sigil, audience = its own URL), records the payload, and
 * redirects to `payload.redirectUrl?session_token=<answer>`.
 *
 * `hook.secret` (the base64 string Sigil returns) may be set after start; `hook.mode` picks the
 * answer: 'ok' (state + claims), 'error' (state + error.message), 'wrong-secret', 'other-state',
 * 'expired'. `hook.claims` are the claims an 'ok' answer carries.
 */
export async function startHook({ secret, issuer } = {}) {
  const received = []
  const rejected = []
  const answers = []
  const hook = {
    secret,
    issuer,
    mode: 'ok',
    claims: { myNewClaim: 'foobar' },
    errorMessage: 'Insufficient identity assurance level',
    received,
    rejected,
    answers,
  }
  const http = await listen(async (req, res) => {
    try {
      const url = new URL(req.url, hook.origin)
      if (req.method !== 'GET' || url.pathname !== '/hook') return send(res, 404, 'not found')
      const token = url.searchParams.get('session_token')
      if (!token) return send(res, 400, 'session_token is missing')

      // Seed 000, "Verify the session token".
      const secret = Buffer.from(hook.secret, 'base64')
      let verifiedJwt
      try {
        verifiedJwt = await jwtVerify(token, secret, { issuer: hook.issuer, audience: hook.url })
      } catch (e) {
        rejected.push({ token, error: `${e.code ?? ''} ${e.message}`.trim() })
        return send(res, 401, `session_token rejected: ${e.message}`)
      }
      const { payload, protectedHeader } = verifiedJwt
      received.push({ token, payload, protectedHeader, mode: hook.mode })

      // Seed 000, "Generate a session token with claims" / "Handling Errors".
      const answer = await answerFor(hook, payload)
      answers.push({ mode: hook.mode, token: answer })
      res.writeHead(302, { location: payload.redirectUrl + '?session_token=' + answer, 'cache-control': 'no-store' })
      res.end()
    } catch (e) {
      send(res, 500, `hook failed: ${e.stack}`)
    }
  })
  hook.origin = http.origin
  hook.url = `${http.origin}/hook`
  hook.close = http.close
  return hook
}

async function answerFor(hook, payload) {
  const secret = Buffer.from(hook.secret, 'base64')
  switch (hook.mode) {
    case 'ok':
      return new SignJWT({ state: payload.state, claims: hook.claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(secret)
    case 'error':
      return new SignJWT({ state: payload.state, error: { message: hook.errorMessage } })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(secret)
    case 'wrong-secret':
      return new SignJWT({ state: payload.state, claims: hook.claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(new Uint8Array(randomBytes(32)))
    case 'other-state':
      return new SignJWT({ state: randomString(16), claims: hook.claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(secret)
    case 'expired': {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ state: payload.state, claims: hook.claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(now - 120)
        .setExpirationTime(now - 60)
        .sign(secret)
    }
    default:
      throw new Error(`unknown hook mode ${hook.mode}`)
  }
}

// ---------------------------------------------------------------------------------------------
// The claims source
// ---------------------------------------------------------------------------------------------

/** What the claims source knows, by e-mail address. */
export const STUDENTS = {
  'ada@example.com': { studentId: 'S-1001', enrolled: true },
}

/**
 * A claims source at https://localhost:PORT:
 * - `/claims` (GET `?email=` or POST JSON `{email}`): needs `x-api-key: <apiKey>` (else 401);
 *   unknown e-mail → 404.
 * - `/token`: client credentials grant (client_secret_basic or client_secret_post) →
 *   `{ access_token, token_type: 'Bearer', expires_in: 300 }`; `tokensIssued` counts them.
 * - `/cc-claims`: like `/claims` but needs `Authorization: Bearer <a token from /token>`.
 * - `/fail` → 500; `/not-json` → 200 text/html.
 * `requests` logs every request (method, path, query, headers, body).
 */
export async function startClaimsSource({ apiKey = randomString(), clientId = 'sigil-claims', clientSecret = randomString() } = {}) {
  const requests = []
  const tokens = new Map()
  const source = { apiKey, clientId, clientSecret, requests, tokensIssued: 0, students: STUDENTS }

  const lookup = (res, email) => {
    const record = typeof email === 'string' ? source.students[email] : undefined
    if (!record) return send(res, 404, { error: 'not_found', message: `no student with e-mail ${email}` })
    return send(res, 200, record)
  }

  const http = await listen(async (req, res) => {
    try {
      const url = new URL(req.url, source.url)
      const raw = await readBody(req)
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim()
      let body
      if (type === 'application/json') {
        try {
          body = JSON.parse(raw)
        } catch {
          return send(res, 400, { error: 'invalid_json' })
        }
      } else if (type === 'application/x-www-form-urlencoded') {
        body = Object.fromEntries(new URLSearchParams(raw))
      }
      const entry = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, contentType: type || undefined, body }
      requests.push(entry)
      const email = req.method === 'POST' ? body?.email : url.searchParams.get('email')

      switch (url.pathname) {
        case '/claims':
          if (req.headers['x-api-key'] !== source.apiKey) return send(res, 401, { error: 'unauthorized' })
          return lookup(res, email)
        case '/cc-claims': {
          const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')
          const issued = m && tokens.get(m[1])
          if (!issued || issued.expiresAt < Date.now()) {
            return send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' })
          }
          return lookup(res, email)
        }
        case '/token': {
          if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' })
          let id
          let secret
          const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
          if (basic) {
            // RFC 6749 §2.3.1: form-urlencoded id and secret, then base64.
            const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
            const colon = decoded.indexOf(':')
            id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '))
            secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '))
            entry.clientAuth = 'client_secret_basic'
          } else if (body?.client_secret !== undefined) {
            id = body.client_id
            secret = body.client_secret
            entry.clientAuth = 'client_secret_post'
          }
          if (id !== source.clientId || secret !== source.clientSecret) {
            return send(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="claims"' })
          }
          if (body?.grant_type !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' })
          const accessToken = randomString()
          tokens.set(accessToken, { expiresAt: Date.now() + 300_000, scope: body.scope })
          source.tokensIssued += 1
          return send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300 })
        }
        case '/fail':
          return send(res, 500, { error: 'internal', message: 'the student database is down' })
        case '/not-json':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          return res.end('<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>')
        default:
          return send(res, 404, { error: 'not_found' })
      }
    } catch (e) {
      send(res, 500, `claims source failed: ${e.stack}`)
    }
  })
  source.url = http.origin
  source.claimsUrl = `${http.origin}/claims`
  source.ccClaimsUrl = `${http.origin}/cc-claims`
  source.tokenEndpoint = `${http.origin}/token`
  source.close = http.close
  return source
}

/** A localhost URL on which nothing listens (the port was bound, then released). */
export async function closedPortUrl(path = '/claims') {
  const { origin, close } = await listen(() => {})
  await close()
  return `${origin}${path}`
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/**
 * A scripted browser: fetch with `redirect: 'manual'` and a cookie jar per origin (paths and
 * expiry honoured; SameSite=Strict cookies are withheld once a redirect chain has crossed to
 * another host, as browsers do, so a Strict session cookie set by Sigil before the IdP hop does
 * not come back on the IdP's redirect). It never requests the wallet's redirect URI: a Location
 * starting with `walletRedirectUri` ends the walk.
 */
export function userAgent({ walletRedirectUri } = {}) {
  const jar = new Map() // origin → Map(`${path}\n${name}` → { name, value, path, sameSite })
  const trail = [] // every request made: { method, url, status, location }

  function cookiesFor(url, crossSite) {
    const cookies = jar.get(url.origin)
    if (!cookies) return undefined
    const matching = [...cookies.values()]
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .filter((c) => !(crossSite && c.sameSite === 'strict'))
    matching.sort((a, b) => b.path.length - a.path.length)
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }

  function store(url, response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/'
      let sameSite = 'lax'
      let expired = false
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=')
        const key = k.trim().toLowerCase()
        if (key === 'path' && v.trim().startsWith('/')) path = v.trim()
        if (key === 'samesite') sameSite = v.trim().toLowerCase()
        if (key === 'max-age' && Number(v) <= 0) expired = true
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true
      }
      if (!jar.has(url.origin)) jar.set(url.origin, new Map())
      const cookies = jar.get(url.origin)
      if (expired) cookies.delete(`${path}\n${name}`)
      else cookies.set(`${path}\n${name}`, { name, value, path, sameSite })
    }
  }

  async function request(input, { method = 'GET', form, crossSite = false } = {}) {
    const url = new URL(input)
    const headers = { accept: 'text/html,application/xhtml+xml,*/*' }
    const cookie = cookiesFor(url, crossSite)
    if (cookie) headers.cookie = cookie
    let body
    if (form) {
      body = new URLSearchParams(form).toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    }
    const response = await fetch(url, { method, headers, body, redirect: 'manual' })
    store(url, response)
    const location = response.headers.get('location')
    const absolute = location ? new URL(location, url).href : undefined
    trail.push({ method, url: url.href, status: response.status, location: absolute })
    return { response, location: absolute, url: url.href }
  }

  const isRedirect = (status) => status >= 300 && status < 400

  /**
   * Follows 30x Locations from `url` (GET). Stops when a Location starts with `until` (default:
   * the wallet's redirect URI), returning `{ redirect }`, or at the first non-30x response,
   * returning `{ status, url, headers, body }`.
   */
  async function follow(input, { until = walletRedirectUri, method, form, max = 30 } = {}) {
    let next = { url: input, method, form }
    let crossSite = false // a redirect chain that went through another host is cross-site
    for (let i = 0; i < max; i++) {
      const { response, location, url } = await request(next.url, { method: next.method, form: next.form, crossSite })
      if (isRedirect(response.status) && location) {
        if (until && location.startsWith(until)) return { redirect: location, status: response.status, from: url }
        if (new URL(location).hostname !== new URL(url).hostname) crossSite = true
        next = { url: location }
        continue
      }
      const body = await response.text()
      return { status: response.status, url, headers: response.headers, body, redirect: undefined }
    }
    throw new Error(`more than ${max} redirects from ${input}`)
  }

  const interactionPage = (page) => page.status === 200 && /\/interaction\/[^/?#]+$/.test(new URL(page.url).pathname)

  /**
   * On an oidc-provider dev interaction page: submits the login form, then the consent form,
   * following on after each. Returns where the walk stopped.
   */
  async function loginAtIdp(page, { login = 'ada', password = 'anything', until = walletRedirectUri } = {}) {
    let current = page
    for (let i = 0; i < 4 && !current.redirect && interactionPage(current); i++) {
      const prompt = /name="prompt" value="([a-z]+)"/.exec(current.body)?.[1]
      const form = prompt === 'login' ? { prompt: 'login', login, password } : { prompt: 'consent' }
      if (prompt !== 'login' && prompt !== 'consent') throw new Error(`unexpected interaction page at ${current.url}: ${current.body.slice(0, 200)}`)
      current = await follow(current.url, { until, method: 'POST', form })
    }
    return current
  }

  /**
   * The whole browser leg: the authorization request URL through the OP login, the hook and
   * back, to the wallet's redirect URI. Returns `{ redirect }` (the URL the wallet receives) or
   * the page where the walk stopped (`{ status, url, body, headers }`).
   */
  async function authorize(authorizationRequestUrl, options = {}) {
    const page = await follow(authorizationRequestUrl, options)
    if (page.redirect || !interactionPage(page)) return page
    return loginAtIdp(page, options)
  }

  return { follow, loginAtIdp, authorize, request, trail, jar }
}

export { randomString, randomUUID }
