// The portal (/portal/) end to end in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core): sign in; create a dc+sd-jwt configuration with seed 004's mappings through
// the forms and see the preview give seed 004's results; create a pre-authorized offer with a
// transaction code; decode the QR code on the page (jsQR) and compare it with the offer URI; let
// wallet A (@openid4vc/openid4vci) redeem it and see the page show the credential without a
// reload; revoke it from the user's page and read the list with @sd-jwt/jwt-status-list; a wrong
// field shows the API's own message beside it; a CSRF-less change and a request without a session
// are refused; axe-core finds no serious or critical violation on any page.
//
// Screenshots of the main pages go to SIGIL_INTEROP_OUT/portal, or to docs/portal/ when
// SIGIL_UPDATE_SCREENSHOTS=1 (how the README's pictures are made).
import assert from 'node:assert/strict'
import { describe, test, before, after } from 'node:test'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import jsQR from 'jsqr'
import { PNG } from 'pngjs'
import { getListFromStatusListJWT, getStatusListFromJWT } from '@sd-jwt/jwt-status-list'
import { ADMIN_TOKEN, SIGIL_URL, admin, newHolderKey } from '../lib/sigil.js'
import { obtainWithWalletA } from '../lib/wallet-a.js'
import { startClaimsSource } from '../lib/journey.js'
import { INVALID, SUSPENDED, VALID, fetchStatusListJwt } from '../lib/status.js'

const require = createRequire(import.meta.url)
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const here = dirname(fileURLToPath(import.meta.url))
// Names unique to this run (the suite's Sigil is shared with the other tests).
const TAG = Math.random().toString(36).slice(2, 8)
const BADGE = `Portal employee badge ${TAG}`
const SHOTS = process.env.SIGIL_UPDATE_SCREENSHOTS === '1'
  ? join(here, '..', '..', 'docs', 'portal')
  : join(process.env.SIGIL_INTEROP_OUT, 'portal')
const CHROMIUM = process.env.CHROMIUM_PATH || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync)

// Seed 004's example user for the default-value and static examples (no provider), and its four
// mapping examples with the credential subject each must give (null: no credential).
const SEED_USER = { authenticationProvider: {}, claims: { email: 'john.doe@example.com' } }
const SEED_EXAMPLES = [
  {
    name: 'required',
    rows: [{ name: 'dateOfBirth', mapFrom: 'claims.dateOfBirth', required: true }, { name: 'email', mapFrom: 'claims.email' }],
    expected: null,
  },
  {
    name: 'optional',
    rows: [{ name: 'dateOfBirth', mapFrom: 'claims.dateOfBirth' }, { name: 'email', mapFrom: 'claims.email' }],
    expected: { email: 'john.doe@example.com' },
  },
  {
    name: 'static',
    rows: [{ name: 'email', defaultValue: '"noreply@example.com"' }],
    expected: { email: 'noreply@example.com' },
  },
  {
    name: 'default value',
    rows: [{ name: 'dateOfBirth', mapFrom: 'claims.dateOfBirth', defaultValue: '"Not provided"' }, { name: 'email', mapFrom: 'claims.email', required: true }],
    expected: { dateOfBirth: 'Not provided', email: 'john.doe@example.com' },
  },
]

let browser
let context
let page
const pageErrors = []

async function axeCheck (what) {
  await page.evaluate(AXE)
  const result = await page.evaluate(async () => await globalThis.axe.run(document, { resultTypes: ['violations'] }))
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(bad.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`), [], `axe-core on ${what}`)
}

async function shot (name) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

async function go (hash, heading) {
  await page.goto(`${SIGIL_URL}/portal/${hash}`)
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

async function fillRows (rows) {
  const table = page.locator('table.rows tbody')
  while (await table.locator('tr.mapping').count() > 0) await table.locator('tr.mapping').first().getByRole('button', { name: 'Remove this claim' }).click()
  for (const r of rows) {
    await page.getByRole('button', { name: 'Add a claim' }).click()
    const row = table.locator('tr.mapping').last()
    await row.getByLabel('Claim name').fill(r.name)
    await row.getByLabel('Map from').fill(r.mapFrom || '')
    await row.getByLabel('Required').setChecked(!!r.required)
    await row.getByLabel('Default value (JSON)').fill(r.defaultValue || '')
  }
}

async function previewText () {
  // The preview follows the form after a short pause; it is aria-busy until it has answered for
  // the latest change.
  const preview = page.getByTestId('claims-preview')
  await page.waitForTimeout(50)
  await page.locator('[data-testid="claims-preview"]:not([aria-busy])').waitFor()
  return preview.textContent()
}

describe('portal in headless Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    assert.ok(CHROMIUM, 'chromium is installed (scripts/install-test-deps installs it)')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    page.on('pageerror', e => pageErrors.push(String(e)))
    page.on('console', m => { if (m.type() === 'error' && !/status of 40[0-9]/.test(m.text())) pageErrors.push(m.text()) })
  })
  after(async () => { await browser?.close() })

  let configurationId
  let offer
  let credential

  test('sign-in: a wrong token is refused beside the field; the right one opens the portal', async () => {
    const res = await page.goto(`${SIGIL_URL}/portal/`)
    const headers = res.headers()
    assert.match(headers['content-security-policy'], /default-src 'none'/)
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/)
    assert.equal(headers['referrer-policy'], 'no-referrer')
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await axeCheck('the sign-in page')
    await shot('sign-in')
    await page.getByLabel('Admin token').fill('sigil_at_not-a-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const error = page.locator('[data-error-for="token"]')
    await error.filter({ hasText: /./ }).waitFor()
    assert.equal(await page.getByLabel('Admin token').getAttribute('aria-invalid'), 'true')
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor()
    const cookie = (await context.cookies()).find(c => c.name === 'sigil_session')
    assert.ok(cookie, 'a session cookie is set')
    assert.equal(cookie.httpOnly, true, 'HttpOnly')
    assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict')
    assert.ok(cookie.expires > Date.now() / 1000 && cookie.expires < Date.now() / 1000 + 9 * 3600, 'expires within the session lifetime')
  })

  test('a dc+sd-jwt configuration with seed 004\'s mappings, previewed as seed 004 says', async () => {
    await go('#/configurations/new', 'New credential configuration')
    await page.getByLabel('Name', { exact: true }).fill(BADGE)
    await page.getByLabel('Format').selectOption('dc+sd-jwt')
    await page.getByLabel('Verifiable credential type (vct)').fill(`https://credentials.example.com/portal-badge/${TAG}`)
    await page.getByLabel('Sample user object (JSON)').fill(JSON.stringify(SEED_USER))
    for (const example of SEED_EXAMPLES) {
      await fillRows(example.rows)
      const text = await previewText()
      if (example.expected === null) assert.match(text, /No credential would be issued: required claim `dateOfBirth`/, `seed 004 ${example.name}: ${text}`)
      else assert.deepEqual(JSON.parse(text), example.expected, `seed 004 ${example.name}`)
    }
    // The live card preview shows the branding and the previewed claims.
    await page.getByLabel('Card background colour').fill('#203a5c')
    await page.getByLabel('Card text colour').fill('#ffffff')
    await previewText()
    const card = page.getByTestId('card-preview')
    await card.filter({ hasText: 'Not provided' }).waitFor()
    assert.equal(await card.evaluate(el => getComputedStyle(el).backgroundColor), 'rgb(32, 58, 92)')
    await page.getByLabel('Revocable (credentials carry a status list entry)').check()
    await axeCheck('the configuration editor')
    await shot('configuration-editor')
    await page.getByRole('button', { name: 'Create configuration' }).click()
    await page.getByRole('heading', { level: 1, name: BADGE }).waitFor()
    configurationId = decodeURIComponent(page.url().split('#/configurations/')[1])
    const stored = await admin('GET', `/v1/openid/credential-configurations/${configurationId}`)
    assert.equal(stored.status, 200)
    assert.deepEqual(stored.body.claimMappings, {
      dateOfBirth: { mapFrom: 'claims.dateOfBirth', defaultValue: 'Not provided' },
      email: { mapFrom: 'claims.email', required: true },
    })
    assert.equal(stored.body.revocable, true)
    assert.equal(stored.body.branding.backgroundColor, '#203a5c')
  })

  test('a wrong field shows the API\'s own message beside it', async () => {
    await go('#/configurations/new', 'New credential configuration')
    await page.getByLabel('Name', { exact: true }).fill('Badly branded')
    await page.getByLabel('Verifiable credential type (vct)').fill('https://credentials.example.com/bad')
    await page.getByLabel('Card background colour').fill('blue')
    await page.getByRole('button', { name: 'Create configuration' }).click()
    const api = await admin('POST', '/v1/openid/credential-configurations', {
      name: 'Badly branded', format: 'dc+sd-jwt', vct: 'https://credentials.example.com/bad', claimMappings: {}, branding: { backgroundColor: 'blue' },
    })
    assert.equal(api.status, 400)
    const detail = api.body.details.find(d => d.param === 'branding.backgroundColor')
    assert.ok(detail, JSON.stringify(api.body))
    const beside = page.locator('[data-error-for="branding.backgroundColor"]')
    await beside.filter({ hasText: detail.msg }).waitFor()
    assert.equal((await beside.textContent()).trim(), detail.msg)
    assert.equal(await page.getByLabel('Card background colour').getAttribute('aria-invalid'), 'true')
    const described = await page.getByLabel('Card background colour').getAttribute('aria-describedby')
    assert.ok(described.split(' ').includes(await beside.getAttribute('id')), 'the message describes the field')
    const list = await admin('GET', '/v1/openid/credential-configurations?limit=1000')
    assert.ok(!list.body.data.some(c => c.name === 'Badly branded'), 'nothing was created')
  })

  test('an offer with a transaction code: QR equals the URI, wallet A redeems, the page follows', async () => {
    await go('#/offers', 'Offers')
    await page.getByLabel(`${BADGE} (dc+sd-jwt)`).check()
    await page.getByLabel('The user\'s claims (JSON)').fill(JSON.stringify(SEED_USER.claims))
    await page.getByLabel('Require a transaction code').check()
    await page.getByRole('button', { name: 'Create offer' }).click()
    const link = page.getByTestId('offer-uri')
    await link.waitFor()
    const uri = await link.getAttribute('href')
    assert.match(uri, /^openid-credential-offer:\/\/\?credential_offer=/)
    const txCode = (await page.getByTestId('secret').textContent()).trim()
    assert.match(txCode, /^[0-9]{6}$/)
    // The QR code as the browser drew it, decoded by jsQR.
    const qr = page.getByTestId('offer-qr')
    await qr.evaluate(img => img.complete || new Promise(resolve => { img.onload = resolve }))
    const png = PNG.sync.read(await qr.screenshot())
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
    assert.ok(decoded, 'jsQR finds a QR code in the image')
    assert.equal(decoded.data, uri, 'the QR code holds the offer URI')
    await page.getByTestId('offer-state').filter({ hasText: 'waiting' }).waitFor()
    await axeCheck('the offer page')
    await shot('offer')
    // Marks this document: a reload would lose the mark.
    await page.evaluate(() => { window.__sameDocument = true })
    const holder = await newHolderKey()
    credential = await obtainWithWalletA(uri, configurationId, txCode, holder)
    await page.getByTestId('offer-state').filter({ hasText: 'credential issued' }).waitFor({ timeout: 15_000 })
    const issued = page.getByTestId('offer-credentials')
    await issued.getByRole('cell', { name: 'dc+sd-jwt' }).waitFor()
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
    offer = { uri, userId: decodeURIComponent((await issued.getByRole('link').getAttribute('href')).split('#/users/')[1]) }
    await shot('offer-issued')
  })

  test('suspending, reinstating and revoking from the user\'s page: @sd-jwt/jwt-status-list reads each', async () => {
    const ref = getStatusListFromJWT(credential.split('~')[0])
    const before = await fetchStatusListJwt(ref.uri)
    assert.equal(getListFromStatusListJWT(before.jwt).getStatus(ref.idx), VALID)
    await go(`#/users/${offer.userId}`, `User ${offer.userId}`)
    await axeCheck('the user page')
    await shot('user')
    const creds = await admin('GET', `/v1/users/${offer.userId}/credentials`)
    const id = creds.body.data[0].id
    const row = () => page.getByRole('row').filter({ hasText: id })
    // Suspension is reversible: the list says SUSPENDED, then VALID again.
    await row().getByRole('button', { name: 'Suspend this credential' }).click()
    await page.getByTestId(`status-${id}`).filter({ hasText: 'suspended' }).waitFor()
    assert.equal(getListFromStatusListJWT((await fetchStatusListJwt(ref.uri)).jwt).getStatus(ref.idx), SUSPENDED)
    await row().getByRole('button', { name: 'Reinstate this credential' }).click()
    await page.getByTestId(`status-${id}`).filter({ hasText: 'valid' }).waitFor()
    assert.equal(getListFromStatusListJWT((await fetchStatusListJwt(ref.uri)).jwt).getStatus(ref.idx), VALID)
    page.once('dialog', d => d.accept())
    await row().getByRole('button', { name: 'Revoke this credential' }).click()
    await page.getByTestId(`status-${id}`).filter({ hasText: 'revoked' }).waitFor()
    const after = await fetchStatusListJwt(ref.uri)
    assert.equal(getListFromStatusListJWT(after.jwt).getStatus(ref.idx), INVALID, '@sd-jwt/jwt-status-list reads INVALID')
    const changes = await admin('GET', `/v1/users/${offer.userId}/credentials`)
    assert.equal(changes.body.data[0].status, 'revoked')
    // A revoked credential offers no way back.
    assert.equal(await row().getByRole('button', { name: /this credential/ }).count(), 0)
  })

  test('a change without the CSRF token and a request without a session are refused', async () => {
    const body = { name: 'CSRF probe', format: 'dc+sd-jwt', vct: 'https://credentials.example.com/csrf', claimMappings: {} }
    // The browser's own cookie, no X-CSRF-Token: what a cross-site request could at most send.
    const noCsrf = await context.request.post(`${SIGIL_URL}/v1/openid/credential-configurations`, { data: body })
    assert.equal(noCsrf.status(), 403)
    assert.equal((await noCsrf.json()).code, 'Forbidden')
    const wrongCsrf = await context.request.post(`${SIGIL_URL}/v1/openid/credential-configurations`, { data: body, headers: { 'x-csrf-token': 'A'.repeat(43) } })
    assert.equal(wrongCsrf.status(), 403)
    const noCsrfSignOut = await context.request.delete(`${SIGIL_URL}/portal/session`)
    assert.equal(noCsrfSignOut.status(), 403)
    // Reads need no CSRF token; the session answers them.
    assert.equal((await context.request.get(`${SIGIL_URL}/v1/openid/credential-configurations`)).status(), 200)
    const list = await admin('GET', '/v1/openid/credential-configurations?limit=1000')
    assert.ok(!list.body.data.some(c => c.name === 'CSRF probe'), 'nothing was created')
    // No session at all.
    for (const [method, path] of [['GET', '/v1/users'], ['POST', '/v1/openid/credential-configurations'], ['GET', '/portal/session'], ['GET', '/portal/qr.svg?text=x']]) {
      const res = await fetch(`${SIGIL_URL}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify(body) : undefined })
      assert.equal(res.status, 401, `${method} ${path} without a session`)
      assert.equal((await res.json()).code, 'Unauthorized')
    }
    // A forged cookie is no session.
    const forged = await fetch(`${SIGIL_URL}/v1/users`, { headers: { cookie: 'sigil_session=YWRtaW4tdG9rZW46Y29uZmlndXJlZA.9999999999.AAAA.AAAA' } })
    assert.equal(forged.status, 401)
  })

  test('a claims source made through the form answers its test with a sample user', async () => {
    const source = await startClaimsSource()
    try {
      await go('#/claim-sources/new', 'New: claims sources')
      await page.getByLabel('Name', { exact: true }).fill(`Student registry ${TAG}`)
      await page.getByLabel('URL (https)').fill(source.claimsUrl)
      await page.getByLabel('Method').selectOption('GET')
      await page.getByLabel('Request parameters (JSON)').fill(JSON.stringify({ email: { mapFrom: 'claims.email' } }))
      await page.getByLabel('Authorization (JSON)').fill(JSON.stringify({ type: 'api-key', value: source.apiKey }))
      await page.getByRole('button', { name: 'Create' }).click()
      await page.getByRole('heading', { level: 1, name: 'Claims sources' }).waitFor()
      await page.getByRole('link', { name: `Edit Student registry ${TAG}` }).click()
      await page.getByRole('heading', { level: 1, name: `Student registry ${TAG}` }).waitFor()
      const claims = page.getByLabel('The user\'s claims (JSON)')
      await claims.fill(JSON.stringify({ email: 'ada@example.com' }))
      await page.getByRole('button', { name: 'Ask the source' }).click()
      const result = page.getByTestId('source-test')
      await result.filter({ hasText: 'S-1001' }).waitFor()
      assert.match(await result.textContent(), /answered/)
      assert.equal(source.requests.at(-1).query.email, 'ada@example.com', 'the source was asked with the sample claims')
      assert.equal(source.requests.at(-1).headers['x-api-key'], source.apiKey)
      await axeCheck('a claims source with its test')
      await shot('claims-source-test')
      // A user the source does not know: the source's 404 is the outcome, not an error.
      await claims.fill(JSON.stringify({ email: 'nobody@example.com' }))
      await page.getByRole('button', { name: 'Ask the source' }).click()
      await result.filter({ hasText: 'failed' }).waitFor()
      assert.match(await result.textContent(), /HTTP 404/)
    } finally {
      await source.close()
    }
  })

  test('an mso_mdoc configuration through the forms: rows per namespace, typed', async () => {
    await go('#/configurations/new', 'New credential configuration')
    await page.getByLabel('Name', { exact: true }).fill(`Portal membership ${TAG}`)
    await page.getByLabel('Format').selectOption('mso_mdoc')
    await page.getByLabel('Document type (doctype)').fill(`org.example.membership.${TAG}`)
    const table = page.locator('table.rows tbody')
    await table.locator('tr.mapping').first().getByRole('button', { name: 'Remove this claim' }).click()
    const rows = [
      { name: 'member_name', mapFrom: 'claims.name', required: true, type: 'string' },
      { name: 'member_since', mapFrom: 'claims.since', type: 'date' },
      { name: 'level', defaultValue: '"gold"' },
    ]
    for (const r of rows) {
      await page.getByRole('button', { name: 'Add a claim' }).click()
      const row = table.locator('tr.mapping').last()
      await row.getByLabel('Namespace').fill('org.example.membership')
      await row.getByLabel('Claim name').fill(r.name)
      await row.getByLabel('Map from').fill(r.mapFrom || '')
      await row.getByLabel('Required').setChecked(!!r.required)
      await row.getByLabel('Default value (JSON)').fill(r.defaultValue || '')
      if (r.type) await row.getByLabel('Type').selectOption(r.type)
    }
    await page.getByLabel('Sample user object (JSON)').fill(JSON.stringify({ claims: { name: 'Ada', since: '2020-01-02' } }))
    assert.deepEqual(JSON.parse(await previewText()), { 'org.example.membership': { member_name: 'Ada', member_since: '2020-01-02', level: 'gold' } })
    await page.getByRole('button', { name: 'Create configuration' }).click()
    await page.getByRole('heading', { level: 1, name: `Portal membership ${TAG}` }).waitFor()
    const id = decodeURIComponent(page.url().split('#/configurations/')[1])
    const stored = await admin('GET', `/v1/openid/credential-configurations/${id}`)
    assert.deepEqual(stored.body.claimMappings, {
      'org.example.membership': {
        member_name: { mapFrom: 'claims.name', required: true, type: 'string' },
        member_since: { mapFrom: 'claims.since', type: 'date' },
        level: { defaultValue: 'gold' },
      },
    })
  })

  test('secrets are shown once: a wallet client\'s, the interaction hook\'s and its rotation', async () => {
    await go('#/clients/new', 'New: wallet clients')
    await page.getByLabel('Name', { exact: true }).fill(`Portal wallet ${TAG}`)
    await page.getByLabel('Redirect URIs').fill('https://wallet.example.com/callback')
    await page.getByLabel('Token endpoint authentication').selectOption('client_secret_basic')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('heading', { level: 1, name: 'Wallet clients' }).waitFor()
    const secret = (await page.getByTestId('secret').textContent()).trim()
    assert.ok(secret.length >= 32, secret)
    const listed = await admin('GET', '/v1/openid/clients?limit=1000')
    const client = listed.body.data.find(c => c.name === `Portal wallet ${TAG}`)
    assert.ok(client && client.secret !== secret, 'the API does not show the secret again')
    await go('#/home', 'Home')
    await go('#/clients', 'Wallet clients')
    assert.equal(await page.getByTestId('secret').count(), 0, 'shown once')

    const before = await admin('GET', '/v1/openid/configuration')
    await go('#/hook', 'Interaction hook')
    await page.getByLabel('Hook URL (https)').fill('https://hook.example.com/interaction')
    await page.getByLabel('Claims the hook may set').fill('student_id')
    await page.getByRole('button', { name: 'Save' }).click()
    let first
    if (before.body.interactionHook) {
      await page.getByText('Saved.').waitFor()
    } else {
      first = (await page.getByTestId('secret').textContent()).trim()
      assert.match(first, /^[A-Za-z0-9+/]+=*$/)
    }
    await page.getByRole('button', { name: 'Rotate the secret' }).click()
    const rotated = (await page.getByTestId('secret').filter({ hasNotText: first ?? '\u0000' }).textContent()).trim()
    const after = await admin('GET', '/v1/openid/configuration')
    assert.equal(after.body.interactionHook.secret, rotated, 'the secret shown is the one in force')
    if (before.body.interactionHook) {
      // Leave the suite's hook as it was.
      const { url, claims, sessionTimeoutInSec, disabled } = before.body.interactionHook
      await admin('PUT', '/v1/openid/configuration', { interactionHook: { url, claims, sessionTimeoutInSec, disabled } })
    }
  })

  test('every page: axe-core finds no serious or critical violation; screenshots', async () => {
    const pages = [
      ['#/home', 'Home', 'home'],
      ['#/configurations', 'Credential configurations', 'configurations'],
      [`#/configurations/${configurationId}`, BADGE, null],
      ['#/users', 'Users', 'users'],
      ['#/deferred', 'Deferred issuances', 'deferred'],
      ['#/providers', 'Authentication providers', null],
      ['#/providers/new', 'New: authentication providers', null],
      ['#/hook', 'Interaction hook', null],
      ['#/claim-sources', 'Claims sources', null],
      ['#/claim-sources/new', 'New: claims sources', null],
      ['#/clients', 'Wallet clients', null],
      ['#/clients/new', 'New: wallet clients', null],
      ['#/mdoc', 'IACAs and Document Signers', null],
      ['#/tokens', 'Admin tokens', 'admin-tokens'],
    ]
    for (const [hash, heading, name] of pages) {
      await go(hash, heading)
      await axeCheck(hash)
      if (name) await shot(name)
    }
    // The home page counts the credential issued above.
    await go('#/home', 'Home')
    assert.ok(Number(await page.getByTestId('issued-total').textContent()) >= 1)
    // A narrow screen: the navigation wraps, nothing needs horizontal scrolling at the top level.
    await page.setViewportSize({ width: 390, height: 844 })
    await go('#/users', 'Users')
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll on a phone-sized screen')
    await axeCheck('the users page on a narrow screen')
    await shot('narrow-users')
    await page.setViewportSize({ width: 1280, height: 900 })
  })

  test('admin tokens: created once-shown, and revoking one ends its sessions', async () => {
    await go('#/tokens', 'Admin tokens')
    await page.getByLabel('Name of the new token').fill(`portal test token ${TAG}`)
    await page.getByRole('button', { name: 'Create token' }).click()
    const token = (await page.getByTestId('secret').textContent()).trim()
    assert.match(token, /^sigil_at_/)
    // A second browser signs in with the new token; revoking the token ends that session.
    const other = await browser.newContext()
    const otherPage = await other.newPage()
    await otherPage.goto(`${SIGIL_URL}/portal/`)
    await otherPage.getByLabel('Admin token').fill(token)
    await otherPage.getByRole('button', { name: 'Sign in' }).click()
    await otherPage.getByRole('heading', { level: 1, name: 'Home' }).waitFor()
    assert.equal((await other.request.get(`${SIGIL_URL}/v1/users`)).status(), 200)
    page.once('dialog', d => d.accept())
    await page.getByRole('row').filter({ hasText: `portal test token ${TAG}` }).getByRole('button', { name: 'Revoke' }).click()
    await page.getByRole('row').filter({ hasText: `portal test token ${TAG}` }).getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' })
    assert.equal((await other.request.get(`${SIGIL_URL}/v1/users`)).status(), 401, 'the revoked token\'s session ended')
    await other.close()
  })

  test('sign out: the cookie is gone and the API refuses the browser', async () => {
    await go('#/home', 'Home')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    assert.ok(!(await context.cookies()).some(c => c.name === 'sigil_session'), 'the session cookie was removed')
    assert.equal((await context.request.get(`${SIGIL_URL}/v1/users`)).status(), 401)
    assert.deepEqual(pageErrors, [], 'no script errors on any page')
  })
})
