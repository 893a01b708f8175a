// The authorization code journey against third-party parties: wallet A (@openid4vc/openid4vci)
// resolves an authorization-code offer, pushes its request (PAR, PKCE), the user logs in at a
// real OpenID Provider (oidc-provider), passes an interaction hook written with jose as seed 000
// shows (it adds a claim), Sigil queries a claims source keyed by the user's e-mail, and the
// credential carries claims from all three. An mso_mdoc mDL goes the same way (IdP names plus the
// hook's claims, verified with @animo-id/mdoc). Then the refusals around it.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Oauth2ClientErrorResponseError, clientAuthenticationNone } from '@openid4vc/oauth2'
import { Openid4vciRetrieveCredentialsError } from '@openid4vc/openid4vci'
import { SIGIL_URL, admin, newHolderKey, random, sha256, verifySdJwtVc } from '../lib/sigil.js'
import { walletA } from '../lib/wallet-a.js'
import { ACCOUNTS, STUDENTS, closedPortUrl, startClaimsSource, startHook, startIdp, userAgent } from '../lib/journey.js'
import { MDL_DOCTYPE, MDL_EXPECTED, MDL_NAMESPACE, createMdlConfiguration, fetchIacas, verifyMdoc } from '../lib/mdoc.js'

const WALLET_REDIRECT = 'https://wallet.example/cb'
const SIGIL_CALLBACK = `${SIGIL_URL}/v1/oauth/authentication/callback`
const HOOK_CALLBACK = new RegExp(`^${SIGIL_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/core/v1/oauth/interaction/([^/]+)/interactionhook/callback\\?`)
const HOOK_TIMEOUT = 300
const HOOK_ERROR = 'Insufficient identity assurance level'
const ADA = ACCOUNTS.ada

const b64url = (bytes) => Buffer.from(bytes).toString('base64url')

function pkcePair() {
  const verifier = b64url(random(32))
  return { verifier, challenge: sha256(verifier).toString('base64url') }
}

/** What the credential carries: the IdP's claims, the hook's, and the claims source's. */
const JOURNEY_CLAIMS = {
  email: ADA.email,
  given_name: ADA.given_name,
  family_name: ADA.family_name,
  myNewClaim: 'foobar',
  ...STUDENTS[ADA.email],
}

const JOURNEY_MAPPINGS = {
  email: { mapFrom: 'claims.email', required: true },
  given_name: { mapFrom: 'claims.given_name', required: true },
  family_name: { mapFrom: 'claims.family_name', required: true },
  myNewClaim: { mapFrom: 'claims.myNewClaim', required: true },
  studentId: { mapFrom: 'claims.studentId', required: true },
  enrolled: { mapFrom: 'claims.enrolled' },
}

async function ok(promise, status = 201) {
  const r = await promise
  assert.equal(r.status, status, JSON.stringify(r.body))
  return r.body
}

async function form(url, params, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined)),
  })
  const text = await res.text()
  let body
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = text
  }
  return { status: res.status, body, headers: res.headers }
}

/** RFC 6749 §2.3.1: form-urlencoded id and secret, then base64. */
function basicAuth(id, secret) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`
}

function walletRedirect(walk) {
  assert.ok(walk.redirect, `the browser should end at the wallet, stopped at ${walk.status} ${walk.url}: ${String(walk.body).slice(0, 300)}`)
  assert.ok(walk.redirect.startsWith(`${WALLET_REDIRECT}?`), walk.redirect)
  return Object.fromEntries(new URL(walk.redirect).searchParams)
}

function assertNoWalletRedirect(walk, ua) {
  assert.equal(walk.redirect, undefined, `no redirect to the wallet: ${walk.redirect}`)
  assert.ok(!ua.trail.some((t) => t.location?.startsWith(WALLET_REDIRECT)), 'nothing ever redirected to the wallet')
}

/** The hook callback URL the browser visited (Sigil's `/core/v1/oauth/interaction/{state}/…`). */
function hookCallbackOf(ua) {
  const visit = ua.trail.find((t) => HOOK_CALLBACK.test(t.url))
  assert.ok(visit, `the browser went through Sigil's hook callback: ${ua.trail.map((t) => t.url).join(' → ')}`)
  return visit
}

describe('authorization code journey (wallet A, oidc-provider, interaction hook, claims source)', () => {
  const tag = `J${Date.now()}`
  let idp
  let hook
  let source
  let provider
  let as // Sigil's authorization server metadata
  let publicClient
  let apiKeySource
  let journeyConfig

  async function configureHook(body) {
    const r = await admin('PUT', '/v1/openid/configuration', body)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    if (body.interactionHook) hook.secret = r.body.interactionHook.secret
    return r.body
  }

  const enableHook = () => configureHook({ interactionHook: { url: hook.url, claims: ['email'], sessionTimeoutInSec: HOOK_TIMEOUT, disabled: false } })

  async function replaceProviders(body) {
    const list = await ok(admin('GET', '/v1/users/authentication-providers'), 200)
    for (const p of list.data) await ok(admin('DELETE', `/v1/users/authentication-providers/${p.id}`), 204)
    return ok(admin('POST', '/v1/users/authentication-providers', body))
  }

  const providerBody = (op, { basic = false } = {}) => ({
    url: op.url,
    clientId: basic ? op.basicClientId : op.clientId,
    clientSecret: basic ? op.basicClientSecret : op.clientSecret,
    scope: ['openid', 'profile', 'email'],
    tokenEndpointAuthMethod: basic ? 'client_secret_basic' : 'client_secret_post',
    staticRequestParameters: { prompt: 'login' },
    forwardedRequestParameters: ['login_hint'],
    claimsToPersist: ['email'],
  })

  async function createClaimSource(name, url, { requestMethod = 'GET', authorization } = {}) {
    return ok(admin('POST', '/v1/claim-sources', {
      name,
      url,
      requestMethod,
      requestParameters: { email: { mapFrom: 'claims.email' } },
      authorization: authorization ?? { type: 'api-key', value: source.apiKey },
    }))
  }

  async function createConfiguration(name, { claimSourceId, claimMappings = JOURNEY_MAPPINGS } = {}) {
    const vct = `https://credentials.example.com/interop/${tag}/${name}`
    const body = await ok(admin('POST', '/v1/openid/credential-configurations', {
      name: `Journey ${tag} ${name}`,
      format: 'dc+sd-jwt',
      vct,
      claimMappings,
      expiresIn: { days: 365 },
      ...(claimSourceId ? { claimSourceId } : {}),
    }))
    assert.equal(body.scope, `dc+sd-jwt:${vct}`)
    if (claimSourceId) assert.equal(body.claimSourceId, claimSourceId)
    return { id: body.id, vct, scope: body.scope }
  }

  async function createClient(name, { tokenEndpointAuthMethod = 'none', redirectUris = [WALLET_REDIRECT] } = {}) {
    const body = await ok(admin('POST', '/v1/openid/clients', { name: `${name} ${tag}`, redirectUris, tokenEndpointAuthMethod, applicationType: 'web' }))
    assert.deepEqual(body.redirectUris, redirectUris)
    assert.equal(body.tokenEndpointAuthMethod, tokenEndpointAuthMethod)
    assert.equal(body.applicationType, 'web')
    if (tokenEndpointAuthMethod === 'none') assert.equal(body.secret, undefined, 'a public client has no secret')
    else assert.equal(typeof body.secret, 'string', 'a confidential client gets its secret once')
    return body
  }

  async function createOffer(configId) {
    const body = await ok(admin('POST', '/v1/openid/offers', { credentials: [configId] }))
    assert.ok(body.uri.startsWith('openid-credential-offer://?credential_offer='), body.uri)
    const offer = JSON.parse(new URL(body.uri.replace('openid-credential-offer://', 'https://x/')).searchParams.get('credential_offer'))
    assert.equal(offer.credential_issuer, SIGIL_URL)
    assert.deepEqual(offer.credential_configuration_ids, [configId])
    assert.equal(typeof offer.grants?.authorization_code?.issuer_state, 'string')
    assert.equal(offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'], undefined)
    return { ...body, offer, issuerState: offer.grants.authorization_code.issuer_state }
  }

  async function sigilUser(subjectId = ADA.sub, url = idp.url) {
    const q = new URLSearchParams({ authenticationProviderUrl: url, subjectId })
    const list = await ok(admin('GET', `/v1/users?${q}`), 200)
    assert.equal(list.data.length, 1, JSON.stringify(list))
    return list.data[0]
  }

  async function issuedTo(userId) {
    return (await ok(admin('GET', `/v1/users/${userId}/credentials`), 200)).data
  }

  before(async () => {
    idp = await startIdp({ redirectUri: SIGIL_CALLBACK })
    hook = await startHook({ issuer: SIGIL_URL })
    source = await startClaimsSource()
    as = await (await fetch(`${SIGIL_URL}/.well-known/oauth-authorization-server`)).json()

    const hookConfig = await enableHook()
    assert.equal(hookConfig.interactionHook.url, hook.url)
    assert.deepEqual(hookConfig.interactionHook.claims, ['email'])
    assert.equal(hookConfig.interactionHook.sessionTimeoutInSec, HOOK_TIMEOUT)
    assert.equal(hookConfig.interactionHook.disabled, false)
    assert.ok(Buffer.from(hookConfig.interactionHook.secret, 'base64').length >= 32, 'a 256-bit shared secret, base64')

    provider = await replaceProviders(providerBody(idp))
    apiKeySource = await createClaimSource(`Student records ${tag}`, source.claimsUrl)
    journeyConfig = await createConfiguration('identity', { claimSourceId: apiKeySource.id })
    publicClient = await createClient('Wallet A')
  })

  after(async () => {
    await admin('PUT', '/v1/openid/configuration', {})
    const list = await admin('GET', '/v1/users/authentication-providers')
    for (const p of list.body?.data ?? []) await admin('DELETE', `/v1/users/authentication-providers/${p.id}`)
    await Promise.all([idp?.close(), hook?.close(), source?.close()])
  })

  // ---------------------------------------------------------------------------------------------
  // Wallet A drives the flow; the scripted browser plays the user.
  // ---------------------------------------------------------------------------------------------

  /** Wallet A up to the authorization response: offer → metadata → PAR → browser. */
  async function walletAuthorize(config, { holder, client = publicClient, login = 'ada', additionalRequestPayload } = {}) {
    holder ??= await newHolderKey()
    const { uri, issuerState, id: offerId } = await createOffer(config.id)
    const wallet = walletA(holder, { clientAuthentication: clientAuthenticationNone({ clientId: client.id }) })
    const credentialOffer = await wallet.resolveCredentialOffer(uri)
    const issuerMetadata = await wallet.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const scope = issuerMetadata.credentialIssuer.credential_configurations_supported[config.id]?.scope
    assert.equal(scope, config.scope, 'the issuer metadata advertises the configuration scope')
    const authorization = await wallet.initiateAuthorization({
      clientId: client.id,
      redirectUri: WALLET_REDIRECT,
      scope,
      credentialOffer,
      issuerMetadata,
      additionalRequestPayload,
    })
    assert.equal(authorization.authorizationFlow, 'Oauth2Redirect')
    assert.ok(authorization.pkce, 'wallet A uses PKCE (code_challenge_methods_supported)')
    assert.equal(authorization.pkce.codeChallengeMethod, 'S256')
    const ua = userAgent({ walletRedirectUri: WALLET_REDIRECT })
    const walk = await ua.authorize(authorization.authorizationRequestUrl, { login })
    return { wallet, holder, credentialOffer, issuerMetadata, authorization, ua, walk, issuerState, scope, offerId }
  }

  /** The code from the redirect, checked by wallet A (RFC 9207 `iss`). */
  function walletCode(w) {
    const url = walletRedirect(w.walk)
    const response = w.wallet.parseAndVerifyAuthorizationResponseRedirectUrl({
      url: w.walk.redirect,
      authorizationServerMetadata: w.issuerMetadata.authorizationServers[0],
    })
    assert.equal(response.error, undefined, JSON.stringify(response))
    assert.equal(url.iss, SIGIL_URL)
    return response.code
  }

  function walletToken(w, code, { redirectUri = WALLET_REDIRECT, pkceCodeVerifier = w.authorization.pkce.codeVerifier } = {}) {
    return w.wallet.retrieveAuthorizationCodeAccessTokenFromOffer({
      credentialOffer: w.credentialOffer,
      issuerMetadata: w.issuerMetadata,
      authorizationCode: code,
      pkceCodeVerifier,
      redirectUri,
    })
  }

  async function walletCredential(w, config, accessToken) {
    const { c_nonce } = await w.wallet.requestNonce({ issuerMetadata: w.issuerMetadata })
    const { jwt } = await w.wallet.createCredentialRequestJwtProof({
      issuerMetadata: w.issuerMetadata,
      credentialConfigurationId: config.id,
      nonce: c_nonce,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: w.holder.publicJwk },
    })
    const response = await w.wallet.retrieveCredentials({
      issuerMetadata: w.issuerMetadata,
      credentialConfigurationId: config.id,
      accessToken,
      proofs: { jwt: [jwt] },
    })
    const credentials = response.credentialResponse.credentials
    assert.equal(credentials.length, 1)
    return credentials[0].credential
  }

  /** The whole journey with wallet A; returns the verified credential's payload. */
  async function walletJourney(config, options = {}) {
    const w = await walletAuthorize(config, options)
    const code = walletCode(w)
    // The offer's progress, as the portal follows it: the user signed in, then a credential.
    const progress = `/v1/openid/offers/authorization-code/${w.offerId}`
    assert.equal((await ok(admin('GET', progress), 200)).state, 'redeemed')
    const { accessTokenResponse } = await walletToken(w, code)
    assert.equal(accessTokenResponse.token_type.toLowerCase(), 'bearer')
    assert.ok(accessTokenResponse.expires_in > 0)
    const credential = await walletCredential(w, config, accessTokenResponse.access_token)
    const after = await ok(admin('GET', progress), 200)
    assert.equal(after.state, 'credential_issued')
    assert.equal(after.credentialsIssued, 1)
    const { payload } = await verifySdJwtVc(credential, w.holder, { vct: config.vct, claims: options.expectedClaims ?? JOURNEY_CLAIMS })
    return { ...w, code, accessTokenResponse, credential, payload }
  }

  // ---------------------------------------------------------------------------------------------
  // The same, by hand, where a test needs a `state` (wallet A 0.4.6 never sends one) or a
  // malformed request.
  // ---------------------------------------------------------------------------------------------

  async function par(params, headers) {
    return form(as.pushed_authorization_request_endpoint, params, headers)
  }

  function authorizeUrl(params) {
    const url = new URL(as.authorization_endpoint)
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
    return url.href
  }

  /**
   * PAR (as `client`) for `config`'s offer, then the browser leg. `params` overrides any
   * authorization request parameter (undefined removes it).
   */
  async function manualAuthorize(config, { client = publicClient, params = {}, headers, login = 'ada' } = {}) {
    const { issuerState } = await createOffer(config.id)
    const pkce = pkcePair()
    const state = b64url(random(12))
    const request = {
      client_id: client.id,
      response_type: 'code',
      redirect_uri: WALLET_REDIRECT,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state,
      issuer_state: issuerState,
      scope: config.scope,
      ...params,
    }
    const pushed = await par(request, headers)
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body))
    assert.equal(typeof pushed.body.request_uri, 'string')
    assert.ok(pushed.body.expires_in > 0)
    const ua = userAgent({ walletRedirectUri: WALLET_REDIRECT })
    const walk = await ua.authorize(authorizeUrl({ client_id: client.id, request_uri: pushed.body.request_uri }), { login })
    return { pkce, state, request, ua, walk, issuerState }
  }

  const token = (params, headers) => form(as.token_endpoint, { grant_type: 'authorization_code', ...params }, headers)

  // ---------------------------------------------------------------------------------------------

  test('metadata advertises the authorization code flow with PAR, PKCE S256 and RFC 9207 iss', async () => {
    assert.equal(as.issuer, SIGIL_URL)
    for (const endpoint of ['authorization_endpoint', 'pushed_authorization_request_endpoint', 'token_endpoint']) {
      assert.equal(typeof as[endpoint], 'string', endpoint)
      assert.ok(as[endpoint].startsWith(SIGIL_URL), `${endpoint}: ${as[endpoint]}`)
    }
    assert.deepEqual(as.code_challenge_methods_supported, ['S256'])
    assert.equal(as.authorization_response_iss_parameter_supported, true)
    if (as.grant_types_supported) assert.ok(as.grant_types_supported.includes('authorization_code'))
    if (as.response_types_supported) assert.ok(as.response_types_supported.includes('code'))
  })

  test('admin: one authentication provider per deployment, secrets masked, callback to register', async () => {
    assert.equal(provider.url, idp.url)
    assert.equal(provider.clientId, idp.clientId)
    assert.equal(provider.clientSecret, '****')
    assert.equal(provider.tokenEndpointAuthMethod, 'client_secret_post')
    assert.deepEqual(provider.scope, ['openid', 'profile', 'email'])
    assert.deepEqual(provider.staticRequestParameters, { prompt: 'login' })
    assert.deepEqual(provider.forwardedRequestParameters, ['login_hint'])
    assert.deepEqual(provider.claimsToPersist, ['email'])
    assert.equal(provider.redirectUrl, SIGIL_CALLBACK)
    const second = await admin('POST', '/v1/users/authentication-providers', providerBody(idp, { basic: true }))
    assert.equal(second.status, 409, JSON.stringify(second.body))
    const list = await ok(admin('GET', '/v1/users/authentication-providers'), 200)
    assert.equal(list.data.length, 1)
    assert.equal(list.data[0].clientSecret, '****')
    assert.ok(!JSON.stringify(list.body ?? list).includes(idp.clientSecret), 'the provider secret never comes back')
    assert.equal(apiKeySource.authorization.type, 'api-key')
    assert.equal(apiKeySource.authorization.value, '****')
  })

  test('the journey: offer → PAR → IdP login → hook → claims source → code → token → nonce → dc+sd-jwt', async () => {
    const before = source.requests.length
    const idpBefore = idp.requests.length
    const j = await walletJourney(journeyConfig, { additionalRequestPayload: { login_hint: 'ada' } })

    // The browser went Sigil → IdP → Sigil callback → hook → Sigil hook callback → wallet.
    const stops = j.ua.trail.map((t) => t.url)
    const at = (prefix) => stops.findIndex((u) => u.startsWith(prefix))
    const order = [at(as.authorization_endpoint), at(`${idp.url}/auth`), at(SIGIL_CALLBACK), at(hook.url), stops.findIndex((u) => HOOK_CALLBACK.test(u))]
    assert.ok(order.every((i) => i >= 0) && order.every((i, n) => n === 0 || i > order[n - 1]), `browser trail: ${stops.join(' → ')}`)

    // Wallet A sends no state: Sigil must not require one, nor invent one.
    assert.equal(new URL(j.walk.redirect).searchParams.get('state'), null)

    // Sigil as a relying party of the IdP: PKCE, state, nonce, the static and forwarded
    // parameters, the registered callback, client_secret_post at the token endpoint.
    const authRequest = idp.requests.slice(idpBefore).find((r) => r.method === 'GET' && r.path === '/auth')
    assert.ok(authRequest, 'Sigil sent the browser to the IdP authorization endpoint')
    assert.equal(authRequest.query.client_id, idp.clientId)
    assert.equal(authRequest.query.redirect_uri, SIGIL_CALLBACK)
    assert.equal(authRequest.query.response_type, 'code')
    assert.equal(authRequest.query.code_challenge_method, 'S256')
    assert.ok(authRequest.query.code_challenge)
    assert.ok(authRequest.query.state)
    assert.ok(authRequest.query.nonce)
    assert.deepEqual(authRequest.query.scope.split(' ').sort(), ['email', 'openid', 'profile'])
    assert.equal(authRequest.query.prompt, 'login', 'static request parameter')
    assert.equal(authRequest.query.login_hint, 'ada', 'forwarded request parameter')
    const tokenCall = idp.requests.slice(idpBefore).find((r) => r.method === 'POST' && r.path === '/token')
    assert.ok(tokenCall, 'Sigil redeemed the IdP code')
    assert.equal(tokenCall.status, 200)
    assert.equal(tokenCall.authorization, undefined, 'client_secret_post: no Authorization header')

    // The claims source was asked for this user's e-mail, with the API key.
    const asked = source.requests.slice(before).filter((r) => r.path === '/claims')
    assert.equal(asked.length, 1, JSON.stringify(asked))
    assert.equal(asked[0].method, 'GET')
    assert.equal(asked[0].query.email, ADA.email)
    assert.equal(asked[0].headers['x-api-key'], source.apiKey)

    // The credential: IdP claims, the hook's claim and the claims source's, every one disclosable.
    for (const [k, v] of Object.entries(JOURNEY_CLAIMS)) assert.deepEqual(j.payload[k], v, k)

    // The user Sigil keeps: found by (provider, subject); claimsToPersist keeps the e-mail only.
    const user = await sigilUser()
    assert.deepEqual(user.authenticationProvider, { url: idp.url, subjectId: ADA.sub })
    assert.equal(user.claims.email, ADA.email)
    assert.equal(user.claims.given_name, undefined, 'only claimsToPersist are saved on the user')
    const issued = await issuedTo(user.id)
    assert.ok(issued.some((c) => c.configurationId === journeyConfig.id && c.format === 'dc+sd-jwt'), JSON.stringify(issued))
  })

  test('the hook gets a session_token with every field of seed 000, verifiable with jose', async () => {
    const received = hook.received.length
    const w = await walletAuthorize(journeyConfig)
    walletRedirect(w.walk)
    assert.equal(hook.received.length, received + 1, `the hook verified one token (rejected: ${JSON.stringify(hook.rejected)})`)
    const { payload, protectedHeader, token: sessionToken } = hook.received.at(-1)
    assert.equal(protectedHeader.alg, 'HS256')
    const hookVisit = w.ua.trail.find((t) => t.url.startsWith(`${hook.url}?`))
    assert.equal(new URL(hookVisit.url).searchParams.get('session_token'), sessionToken)

    const user = await sigilUser()
    assert.equal(typeof payload.state, 'string')
    assert.ok(payload.state.length >= 16, 'an unguessable state')
    assert.deepEqual(payload.scopes, [journeyConfig.scope])
    assert.deepEqual(payload.claims, { email: ADA.email })
    assert.deepEqual(payload.authenticationProvider, { url: idp.url, subjectId: ADA.sub })
    assert.equal(payload.redirectUrl, `${SIGIL_URL}/core/v1/oauth/interaction/${payload.state}/interactionhook/callback`)
    assert.equal(payload.sub, user.id, 'sub is the Sigil user id')
    assert.equal(payload.aud, hook.url)
    assert.equal(payload.iss, SIGIL_URL)
    const now = Math.floor(Date.now() / 1000)
    assert.ok(Number.isInteger(payload.iat) && Math.abs(payload.iat - now) <= 60, `iat ${payload.iat} is now`)
    assert.ok(Number.isInteger(payload.exp) && payload.exp > now, 'not expired')
    assert.ok(payload.exp - payload.iat > 0 && payload.exp - payload.iat <= HOOK_TIMEOUT, `lifetime ${payload.exp - payload.iat}s within sessionTimeoutInSec`)
    const allowed = new Set(['state', 'scopes', 'claims', 'authenticationProvider', 'redirectUrl', 'sub', 'aud', 'iss', 'iat', 'exp', 'jti', 'nbf'])
    assert.deepEqual(Object.keys(payload).filter((k) => !allowed.has(k)), [], 'nothing unexpected in the session_token')
  })

  test('hook error JWT → the wallet gets access_denied with the hook message, state and iss', async () => {
    hook.mode = 'error'
    try {
      const m = await manualAuthorize(journeyConfig)
      const r = walletRedirect(m.walk)
      assert.equal(r.code, undefined, 'no code')
      assert.equal(r.error, 'access_denied')
      assert.equal(r.error_description, HOOK_ERROR)
      assert.equal(r.state, m.state)
      assert.equal(r.iss, SIGIL_URL)
    } finally {
      hook.mode = 'ok'
    }
  })

  for (const mode of ['wrong-secret', 'other-state', 'expired']) {
    test(`hook answer ${mode} → 4xx at Sigil's hook callback, no code for the wallet`, async () => {
      hook.mode = mode
      try {
        const m = await manualAuthorize(journeyConfig)
        assertNoWalletRedirect(m.walk, m.ua)
        assert.ok(HOOK_CALLBACK.test(m.walk.url), `stopped at the hook callback: ${m.walk.url}`)
        assert.ok(m.walk.status >= 400 && m.walk.status < 500, `status ${m.walk.status}`)
        assert.equal(m.walk.headers.get('location'), null)
      } finally {
        hook.mode = 'ok'
      }
    })
  }

  test('a hook callback URL replayed after a successful journey → 4xx, no second code', async () => {
    const m = await manualAuthorize(journeyConfig)
    const r = walletRedirect(m.walk)
    assert.ok(r.code)
    assert.equal(r.state, m.state)
    const callback = hookCallbackOf(m.ua)
    for (const ua of [m.ua, userAgent({ walletRedirectUri: WALLET_REDIRECT })]) {
      const again = await ua.follow(callback.url)
      assert.equal(again.redirect, undefined, `replay redirected to ${again.redirect}`)
      assert.ok(again.status >= 400 && again.status < 500, `status ${again.status}`)
    }
  })

  test('without a hook (PUT {} removes it) the IdP callback goes straight to the wallet', async () => {
    const plain = await createConfiguration('no-hook', {
      claimSourceId: apiKeySource.id,
      claimMappings: { ...JOURNEY_MAPPINGS, myNewClaim: { mapFrom: 'claims.myNewClaim' } },
    })
    const received = hook.received.length
    await configureHook({})
    try {
      const { myNewClaim, ...expected } = JOURNEY_CLAIMS
      const j = await walletJourney(plain, { expectedClaims: expected })
      assert.equal(hook.received.length, received, 'the hook was not visited')
      assert.ok(!j.ua.trail.some((t) => t.url.startsWith(hook.url) || HOOK_CALLBACK.test(t.url)))
      assert.equal(j.payload.myNewClaim, undefined)
    } finally {
      await enableHook()
    }
  })

  // ---------------------------------------------------------------------------------------------
  // mso_mdoc (ISO/IEC 18013-5 mDL) through the same journey.
  // ---------------------------------------------------------------------------------------------

  test('the journey issues an mso_mdoc mDL: IdP names + hook claims, verified by @animo-id/mdoc against mdoc_iacas_uri', async () => {
    // An mdoc needs an active IACA; mdoc.test.js makes its own later (which then becomes the
    // active one), so only create one here if none is active.
    const iacas = await ok(admin('GET', '/v1/credentials/mobile/iacas'), 200)
    if (!iacas.data.some((i) => i.active)) {
      const created = await ok(admin('POST', '/v1/credentials/mobile/iacas', { country: 'NZ', commonName: `Sigil Interop IACA ${tag}` }))
      assert.equal(created.active, true, 'a new IACA is active by default')
    }
    const mdlId = await createMdlConfiguration(tag)
    const mdlConfig = await ok(admin('GET', `/v1/openid/credential-configurations/${mdlId}`), 200)
    assert.equal(mdlConfig.format, 'mso_mdoc')
    assert.equal(mdlConfig.doctype, MDL_DOCTYPE)
    assert.equal(mdlConfig.claimSourceId, undefined, 'no claims source: the IdP and the hook supply every claim')
    const mdl = { id: mdlId, scope: mdlConfig.scope }
    assert.equal(mdl.scope, `mso_mdoc:${MDL_DOCTYPE}`)

    // Grace logs in (not Ada, whose names are also the pre-authorized mDL fixture's): the IdP's
    // userinfo gives given_name / family_name; the interaction hook (identity proofing) adds what
    // an OpenID Provider does not know, the portrait as standard base64 as the mapping expects.
    const GRACE = ACCOUNTS.grace
    const portrait = Buffer.concat([Buffer.from('ffd8ffe000104a464946000101', 'hex'), sha256('grace-portrait'), sha256('grace-portrait-2')])
    const proofed = {
      birth_date: '1906-12-09',
      document_number: 'NZ-AC-1906',
      portrait: portrait.toString('base64'),
      driving_privileges: [{ vehicle_category_code: 'C', issue_date: '2025-03-01', expiry_date: '2030-03-01' }],
      age_over_18: true,
      height: 168,
    }
    const expected = {
      [MDL_NAMESPACE]: {
        family_name: GRACE.family_name,
        given_name: GRACE.given_name,
        birth_date: { $date: proofed.birth_date },
        issuing_country: MDL_EXPECTED[MDL_NAMESPACE].issuing_country,
        issuing_authority: MDL_EXPECTED[MDL_NAMESPACE].issuing_authority,
        document_number: proofed.document_number,
        portrait: { $bytes: proofed.portrait },
        driving_privileges: [{ vehicle_category_code: 'C', issue_date: { $date: '2025-03-01' }, expiry_date: { $date: '2030-03-01' } }],
        age_over_18: true,
        height: 168,
        // issue_date / expiry_date are mapped but optional, and nobody supplied them: absent.
      },
    }

    const hookClaims = hook.claims
    hook.claims = proofed
    const received = hook.received.length
    try {
      const w = await walletAuthorize(mdl, { login: 'grace' })
      const code = walletCode(w)
      assert.equal(hook.received.length, received + 1, 'the hook was visited once')
      const { payload } = hook.received.at(-1)
      assert.deepEqual(payload.scopes, [mdl.scope])
      assert.deepEqual(payload.authenticationProvider, { url: idp.url, subjectId: GRACE.sub })
      assert.deepEqual(payload.claims, { email: GRACE.email })

      const { accessTokenResponse } = await walletToken(w, code)
      assert.equal(accessTokenResponse.token_type.toLowerCase(), 'bearer')
      const credential = await walletCredential(w, mdl, accessTokenResponse.access_token)

      // Every @animo-id/mdoc check passes against the published IACAs, the element values are
      // the user's, the deviceKey is the proof key (verifyMdoc asserts both), 30-day validity.
      const trusted = await fetchIacas()
      await verifyMdoc(credential, w.holder, { expected, trusted })

      const user = await sigilUser(GRACE.sub)
      assert.deepEqual(user.authenticationProvider, { url: idp.url, subjectId: GRACE.sub })
      const issued = await issuedTo(user.id)
      assert.ok(issued.some((c) => c.configurationId === mdl.id && c.format === 'mso_mdoc'), JSON.stringify(issued))
    } finally {
      hook.claims = hookClaims
    }
  })

  // ---------------------------------------------------------------------------------------------
  // PKCE (RFC 7636; S256 only), redirect URIs (exact match), codes.
  // ---------------------------------------------------------------------------------------------

  test('PKCE: PAR without code_challenge, or with method plain → 400 invalid_request', async () => {
    const { issuerState } = await createOffer(journeyConfig.id)
    const base = { client_id: publicClient.id, response_type: 'code', redirect_uri: WALLET_REDIRECT, state: 's1', issuer_state: issuerState, scope: journeyConfig.scope }
    const missing = await par(base)
    assert.equal(missing.status, 400, JSON.stringify(missing.body))
    assert.equal(missing.body.error, 'invalid_request')
    const verifier = b64url(random(32))
    const plain = await par({ ...base, code_challenge: verifier, code_challenge_method: 'plain' })
    assert.equal(plain.status, 400, JSON.stringify(plain.body))
    assert.equal(plain.body.error, 'invalid_request')
  })

  test('PKCE: authorize (no PAR) without code_challenge or with plain → invalid_request to the wallet, or 400', async () => {
    for (const pkce of [{}, { code_challenge: b64url(random(32)), code_challenge_method: 'plain' }]) {
      const { issuerState } = await createOffer(journeyConfig.id)
      const state = b64url(random(8))
      const ua = userAgent({ walletRedirectUri: WALLET_REDIRECT })
      const walk = await ua.follow(authorizeUrl({ client_id: publicClient.id, response_type: 'code', redirect_uri: WALLET_REDIRECT, state, issuer_state: issuerState, scope: journeyConfig.scope, ...pkce }))
      if (walk.redirect) {
        const r = walletRedirect(walk)
        assert.equal(r.error, 'invalid_request', walk.redirect)
        assert.equal(r.code, undefined)
        assert.equal(r.state, state)
        assert.equal(r.iss, SIGIL_URL)
      } else {
        assert.equal(walk.status, 400, `${walk.url}: ${walk.body}`)
      }
      assert.ok(!ua.trail.some((t) => t.url.startsWith(idp.url)), 'the user was never sent to the IdP')
    }
  })

  test('PKCE: token with a wrong code_verifier → 400 invalid_grant; without one → invalid_grant or invalid_request', async () => {
    const m = await manualAuthorize(journeyConfig)
    const { code } = walletRedirect(m.walk)
    const wrong = await token({ code, redirect_uri: WALLET_REDIRECT, code_verifier: pkcePair().verifier, client_id: publicClient.id })
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body))
    assert.equal(wrong.body.error, 'invalid_grant')
    const m2 = await manualAuthorize(journeyConfig)
    const code2 = walletRedirect(m2.walk).code
    const none = await token({ code: code2, redirect_uri: WALLET_REDIRECT, client_id: publicClient.id })
    assert.equal(none.status, 400, JSON.stringify(none.body))
    assert.ok(['invalid_grant', 'invalid_request'].includes(none.body.error), none.body.error)
  })

  test('redirect_uri not registered exactly, or unknown client → 400 page, no redirect', async () => {
    const twoUris = await createClient('Two URIs', { redirectUris: [WALLET_REDIRECT, 'https://wallet.example/cb2'] })
    const cases = [
      { client_id: publicClient.id, redirect_uri: `${WALLET_REDIRECT}/` },
      { client_id: publicClient.id, redirect_uri: 'https://evil.example/cb' },
      { client_id: publicClient.id, redirect_uri: `${WALLET_REDIRECT}?x=1` },
      { client_id: twoUris.id, redirect_uri: 'https://wallet.example/cb3' },
      { client_id: 'no-such-client', redirect_uri: WALLET_REDIRECT },
    ]
    for (const c of cases) {
      const { issuerState } = await createOffer(journeyConfig.id)
      const pkce = pkcePair()
      const params = { ...c, response_type: 'code', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'st', issuer_state: issuerState, scope: journeyConfig.scope }
      const ua = userAgent({ walletRedirectUri: 'https://' })
      const walk = await ua.follow(authorizeUrl(params))
      assert.equal(walk.redirect, undefined, `${JSON.stringify(c)} redirected to ${walk.redirect}`)
      assert.equal(walk.status, 400, `${JSON.stringify(c)}: ${walk.status}`)
      assert.equal(walk.headers.get('location'), null)
      const pushed = await par(params)
      assert.ok(pushed.status === 400 || pushed.status === 401, `PAR ${JSON.stringify(c)}: ${pushed.status} ${JSON.stringify(pushed.body)}`)
      assert.equal(typeof pushed.body?.error, 'string')
    }
  })

  test('redirect_uri at the token endpoint differs from the authorization request → 400 invalid_grant', async () => {
    const twoUris = await createClient('Two URIs token', { redirectUris: [WALLET_REDIRECT, 'https://wallet.example/cb2'] })
    const m = await manualAuthorize(journeyConfig, { client: twoUris })
    const { code } = walletRedirect(m.walk)
    for (const redirectUri of ['https://wallet.example/cb2', undefined]) {
      const r = await token({ code, redirect_uri: redirectUri, code_verifier: m.pkce.verifier, client_id: twoUris.id })
      assert.equal(r.status, 400, JSON.stringify(r.body))
      assert.ok(r.body.error === 'invalid_grant' || (redirectUri === undefined && r.body.error === 'invalid_request'), JSON.stringify(r.body))
    }
  })

  test('a code redeemed twice → invalid_grant, and the first access token stops working', async () => {
    const w = await walletAuthorize(journeyConfig)
    const code = walletCode(w)
    const first = await walletToken(w, code)
    await assert.rejects(walletToken(w, code), (e) => {
      assert.ok(e instanceof Oauth2ClientErrorResponseError, `expected an OAuth error response, got ${e}`)
      assert.equal(e.response.status, 400)
      assert.equal(e.errorResponse.error, 'invalid_grant')
      return true
    })
    await assert.rejects(walletCredential(w, journeyConfig, first.accessTokenResponse.access_token), (e) => {
      assert.ok(e instanceof Openid4vciRetrieveCredentialsError, `expected a credential error response, got ${e}`)
      assert.equal(e.response.response.status, 401)
      assert.match(e.response.response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/)
      return true
    })
  })

  test('a code is bound to its client', async () => {
    const other = await createClient('Other wallet')
    const m = await manualAuthorize(journeyConfig)
    const { code } = walletRedirect(m.walk)
    const r = await token({ code, redirect_uri: WALLET_REDIRECT, code_verifier: m.pkce.verifier, client_id: other.id })
    assert.equal(r.status, 400, JSON.stringify(r.body))
    assert.equal(r.body.error, 'invalid_grant')
  })

  test('unknown issuer_state → refused before the IdP (400, or an error redirect), never a code', async () => {
    const pkce = pkcePair()
    const request = {
      client_id: publicClient.id,
      response_type: 'code',
      redirect_uri: WALLET_REDIRECT,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: 'st-unknown',
      issuer_state: b64url(random(24)),
      scope: journeyConfig.scope,
    }
    const pushed = await par(request)
    if (pushed.status === 201) {
      const ua = userAgent({ walletRedirectUri: WALLET_REDIRECT })
      const walk = await ua.authorize(authorizeUrl({ client_id: publicClient.id, request_uri: pushed.body.request_uri }))
      if (walk.redirect) {
        const r = walletRedirect(walk)
        assert.equal(r.code, undefined, 'no code')
        assert.equal(typeof r.error, 'string')
        assert.equal(r.state, 'st-unknown')
        assert.equal(r.iss, SIGIL_URL)
      } else {
        assert.equal(walk.status, 400)
      }
      assert.ok(!ua.trail.some((t) => t.url.startsWith(idp.url)), 'the user was never sent to the IdP')
    } else {
      assert.equal(pushed.status, 400, JSON.stringify(pushed.body))
      assert.equal(typeof pushed.body.error, 'string')
    }
  })

  // ---------------------------------------------------------------------------------------------
  // Claims sources.
  // ---------------------------------------------------------------------------------------------

  test('POST claims source: the parameters go as a JSON body', async () => {
    const postSource = await createClaimSource(`Student records POST ${tag}`, source.claimsUrl, { requestMethod: 'POST' })
    const config = await createConfiguration('post-source', { claimSourceId: postSource.id })
    const before = source.requests.length
    await walletJourney(config)
    const asked = source.requests.slice(before).filter((r) => r.path === '/claims')
    assert.equal(asked.length, 1)
    assert.equal(asked[0].method, 'POST')
    assert.equal(asked[0].contentType, 'application/json')
    assert.deepEqual(asked[0].body, { email: ADA.email })
    assert.equal(asked[0].headers['x-api-key'], source.apiKey)
  })

  const down = {
    'a closed port': async () => closedPortUrl('/claims'),
    '500': async () => `${source.url}/fail`,
    'a non-JSON 200': async () => `${source.url}/not-json`,
    'a wrong API key': async () => source.claimsUrl,
  }
  for (const [what, url] of Object.entries(down)) {
    test(`claims source answering with ${what} → the credential request fails and nothing is issued`, async () => {
      const name = `Broken source ${what} ${tag}`
      const broken = await createClaimSource(name, await url(), what === 'a wrong API key' ? { authorization: { type: 'api-key', value: 'not-the-key' } } : {})
      const config = await createConfiguration(`broken-${Object.keys(down).indexOf(what)}`, { claimSourceId: broken.id })
      const w = await walletAuthorize(config)
      const code = walletCode(w)
      const { accessTokenResponse } = await walletToken(w, code)
      const user = await sigilUser()
      const issuedBefore = (await issuedTo(user.id)).filter((c) => c.configurationId === config.id)
      assert.deepEqual(issuedBefore, [])
      await assert.rejects(walletCredential(w, config, accessTokenResponse.access_token), (e) => {
        assert.ok(e instanceof Openid4vciRetrieveCredentialsError, `expected a credential error response, got ${e}`)
        const status = e.response.response.status
        assert.ok(status >= 400 && status !== 401, `status ${status}`)
        const body = e.response.credentialErrorResponseResult?.data
        assert.equal(typeof body?.error, 'string', JSON.stringify(body))
        assert.match(body.error_description ?? '', /claims? source/i, `error_description: ${body.error_description}`)
        assert.ok(body.error_description.includes(name), `error_description names the claims source: ${body.error_description}`)
        assert.ok(!JSON.stringify(body).includes(source.apiKey), 'no secret in the error')
        return true
      })
      assert.deepEqual((await issuedTo(user.id)).filter((c) => c.configurationId === config.id), [], 'nothing issued')
    })
  }

  test('OAuth client-credentials claims source: the token is fetched once and reused', async () => {
    const ccSource = await createClaimSource(`Student records CC ${tag}`, source.ccClaimsUrl, {
      authorization: { type: 'oauth-client-credentials', tokenEndpoint: source.tokenEndpoint, clientId: source.clientId, clientSecret: source.clientSecret },
    })
    assert.equal(ccSource.authorization.type, 'oauth-client-credentials')
    assert.equal(ccSource.authorization.clientSecret, '****')
    assert.ok(!JSON.stringify(ccSource).includes(source.clientSecret))
    const config = await createConfiguration('cc-source', { claimSourceId: ccSource.id })
    const tokensBefore = source.tokensIssued
    const before = source.requests.length
    await walletJourney(config)
    await walletJourney(config)
    assert.equal(source.tokensIssued - tokensBefore, 1, 'one client-credentials token for two issuances')
    const log = source.requests.slice(before)
    const tokenCalls = log.filter((r) => r.path === '/token')
    assert.equal(tokenCalls.length, 1)
    assert.equal(tokenCalls[0].body.grant_type, 'client_credentials')
    assert.equal(tokenCalls[0].clientAuth, 'client_secret_basic')
    const claimCalls = log.filter((r) => r.path === '/cc-claims')
    assert.equal(claimCalls.length, 2)
    for (const c of claimCalls) {
      assert.match(c.headers.authorization ?? '', /^Bearer /)
      assert.equal(c.headers['x-api-key'], undefined)
      assert.equal(c.query.email, ADA.email)
    }
  })

  // ---------------------------------------------------------------------------------------------
  // Client authentication, and the IdP side with client_secret_basic.
  // ---------------------------------------------------------------------------------------------

  test('a confidential wallet (client_secret_basic): no or wrong credentials → 401 invalid_client, Basic → token', async () => {
    const confidential = await createClient('Confidential wallet', { tokenEndpointAuthMethod: 'client_secret_basic' })
    const auth = basicAuth(confidential.id, confidential.secret)
    const m = await manualAuthorize(journeyConfig, { client: confidential, headers: { authorization: auth } })
    const { code } = walletRedirect(m.walk)
    const params = { code, redirect_uri: WALLET_REDIRECT, code_verifier: m.pkce.verifier }
    const anonymous = await token({ ...params, client_id: confidential.id })
    assert.equal(anonymous.status, 401, JSON.stringify(anonymous.body))
    assert.equal(anonymous.body.error, 'invalid_client')
    const wrong = await token(params, { authorization: basicAuth(confidential.id, 'not-the-secret') })
    assert.equal(wrong.status, 401, JSON.stringify(wrong.body))
    assert.equal(wrong.body.error, 'invalid_client')
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic/i)
    const good = await token(params, { authorization: auth })
    assert.equal(good.status, 200, JSON.stringify(good.body))
    assert.equal(good.body.token_type.toLowerCase(), 'bearer')
    assert.ok(good.body.access_token)
  })

  test('IdP client_secret_basic, claims in the ID token: the journey works the same', async () => {
    const idp2 = await startIdp({ redirectUri: SIGIL_CALLBACK, claimsInIdToken: true })
    try {
      const updated = await ok(admin('PUT', `/v1/users/authentication-providers/${provider.id}`, providerBody(idp2, { basic: true })), 200)
      assert.equal(updated.tokenEndpointAuthMethod, 'client_secret_basic')
      assert.equal(updated.clientSecret, '****')
      const received = hook.received.length
      await walletJourney(journeyConfig)
      const tokenCall = idp2.requests.find((r) => r.method === 'POST' && r.path === '/token')
      assert.ok(tokenCall, 'Sigil redeemed the code at the second IdP')
      assert.equal(tokenCall.status, 200)
      assert.match(tokenCall.authorization ?? '', /^Basic /, 'client_secret_basic')
      assert.deepEqual(hook.received.at(-1).payload.authenticationProvider, { url: idp2.url, subjectId: ADA.sub })
      assert.equal(hook.received.length, received + 1)
    } finally {
      await ok(admin('PUT', `/v1/users/authentication-providers/${provider.id}`, providerBody(idp)), 200)
      await idp2.close()
    }
  })
})
