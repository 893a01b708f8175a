// The Sigil portal: a client of the management API (/v1/...). It signs in with an admin token
// (exchanged at /portal/session for an HttpOnly session cookie) and sends the session's CSRF token
// on every change. Every check and every message comes from the API itself: the portal shows the
// API's `{code, message, details}` errors next to the fields their `param` names.
//
// No framework and no build step: plain DOM built with `h()` (text is always set as text, never
// parsed as HTML), hash routes (#/configurations, #/users/ID, ...).

const FORMATS = ['dc+sd-jwt', 'jwt_vc_json', 'ldp_vc', 'mso_mdoc', 'cwt', 'cwt_vc']
const MDOC_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'array', 'object', 'bytes']
const SEED_USER = {
  authenticationProvider: { url: 'https://account.example.com', subjectId: '145214ad-3635-4aff-b51d-61d69a3c8eee' },
  claims: { given_name: 'John', family_name: 'Doe', email: 'john.doe@example.com', address: { formatted: '123FooRd,BarWorld' } },
}

let csrf = null
let stopPolling = []
// A message for the next page drawn (a secret shown once after a save that changes page).
let pendingNotice = null

// ---------------------------------------------------------------- DOM and API helpers

function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'value') el.value = v
    else if (k === 'checked') el.checked = !!v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return el
}

const svgNs = 'http://www.w3.org/2000/svg'
function s (tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNs, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  for (const c of children.flat(Infinity)) el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return el
}

async function api (method, path, body) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  const text = await res.text()
  let json = null
  try { json = text ? JSON.parse(text) : null } catch { json = { code: 'Unreadable', message: text, details: [] } }
  if (res.status === 401 && path !== '/portal/session') { csrf = null; showSignIn('Your session has ended; sign in again.'); throw new Error('signed out') }
  return { status: res.status, ok: res.ok, body: json }
}

function main () { return document.getElementById('main') }

function page (title, ...children) {
  for (const stop of stopPolling) stop()
  stopPolling = []
  document.title = `${title} · Sigil portal`
  const m = main()
  const notice = pendingNotice
  pendingNotice = null
  m.replaceChildren(h('h1', {}, title), ...[notice, ...children].filter(c => c !== null && c !== undefined && c !== false))
  m.focus({ preventScroll: true })
}

function fmtTime (t) { return t ? new Date(t).toLocaleString() : '' }

function badge (state) { return h('span', { class: `badge ${state}` }, state.replace('_', ' ')) }

function table (columns, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.length ? rows.map(r => h('tr', {}, r.map(c => h('td', {}, c)))) : h('tr', {}, h('td', { colspan: columns.length }, 'None yet.')))))
}

// ---------------------------------------------------------------- forms and field errors

let fieldSeq = 0

/** A labelled field whose errors appear beside it. `param` is the API's dotted name for it. */
function field (param, label, input, hint) {
  const id = `f${++fieldSeq}`
  const errId = `${id}-error`
  input.id = id
  input.dataset.param = param
  input.setAttribute('aria-describedby', hint ? `${errId} ${id}-hint` : errId)
  const check = input.type === 'checkbox'
  return h('div', { class: check ? 'field check' : 'field' },
    check ? input : null,
    h('label', { for: id }, label),
    check ? null : input,
    hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: errId, 'data-error-for': param, role: 'alert' }))
}

function clearErrors (form) {
  for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = ''
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid')
  const alert = form.querySelector('.alert')
  if (alert) alert.textContent = ''
}

/** Shows an API error: each detail next to the field its `param` names, the rest on top. */
function showErrors (form, error, prefix = '') {
  clearErrors(form)
  const alert = form.querySelector('.alert')
  const unplaced = []
  for (const d of error?.details || []) {
    const param = prefix && d.param.startsWith(prefix) ? d.param.slice(prefix.length) : d.param
    const target = bestField(form, param)
    if (target) {
      const out = form.querySelector(`[data-error-for="${CSS.escape(target.dataset.param)}"]`)
      out.textContent = out.textContent ? `${out.textContent} ${d.msg}` : d.msg
      target.setAttribute('aria-invalid', 'true')
    } else unplaced.push(`${d.param ? d.param + ': ' : ''}${d.msg}`)
  }
  if (alert) {
    alert.textContent = `${error?.message || 'The request was refused'}${unplaced.length ? ': ' + unplaced.join('; ') : ''}`
    if (!unplaced.length && error?.details?.length) alert.textContent = `${error.message}: see the fields marked below.`
  }
  const first = form.querySelector('[aria-invalid="true"]')
  if (first) first.focus()
}

/** The field whose param is the longest prefix of `param` (so `claimMappings.email.mapFrom` finds its row). */
function bestField (form, param) {
  let best = null
  for (const el of form.querySelectorAll('[data-param]')) {
    const p = el.dataset.param
    if (param === p || param.startsWith(p + '.') || param.startsWith(p + '[')) {
      if (!best || p.length > best.dataset.param.length) best = el
    }
  }
  return best
}

function setPath (obj, path, value) {
  const parts = path.split('.')
  let o = obj
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {})
  o[parts.at(-1)] = value
}

function getPath (obj, path) { return path.split('.').reduce((o, p) => (o == null ? undefined : o[p]), obj) }

/** Reads a field spec's value from its input; undefined leaves the member out. */
function readInput (spec, input) {
  const v = input.type === 'checkbox' ? input.checked : input.value
  switch (spec.type) {
    case 'checkbox': return v
    case 'number': return v === '' ? undefined : Number(v)
    case 'list': { const items = v.split(/[\n,]/).map(x => x.trim()).filter(Boolean); return items.length || spec.required ? items : undefined }
    case 'json': if (v.trim() === '') return undefined; try { return JSON.parse(v) } catch { return v }
    default: return v === '' && !spec.required ? undefined : v
  }
}

function makeInput (spec, value) {
  let input
  if (spec.type === 'select') {
    input = h('select', {}, spec.options.map(o => h('option', { value: o }, o || '(none)')))
    input.value = value ?? spec.options[0]
  } else if (spec.type === 'textarea' || spec.type === 'json') {
    input = h('textarea', { rows: 4 })
    input.value = value === undefined ? '' : (spec.type === 'json' ? JSON.stringify(value, null, 2) : value)
  } else if (spec.type === 'checkbox') {
    input = h('input', { type: 'checkbox', checked: !!value })
  } else if (spec.type === 'list') {
    input = h('textarea', { rows: 2 })
    input.value = (value || []).join('\n')
  } else {
    input = h('input', { type: spec.type || 'text', value: value ?? '', autocomplete: 'off' })
  }
  if (spec.required) input.required = true
  return input
}

/** A form from field specs; `submit(body)` returns the API response. */
function specForm ({ specs, values = {}, submitLabel, submit, done }) {
  const inputs = specs.map(spec => [spec, makeInput(spec, getPath(values, spec.name))])
  const form = h('form', { class: 'panel', novalidate: true },
    h('div', { class: 'alert', role: 'alert' }),
    inputs.map(([spec, input]) => field(spec.name, spec.label, input, spec.hint)),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, submitLabel)))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const body = {}
    for (const [spec, input] of inputs) {
      const v = readInput(spec, input)
      if (v !== undefined) setPath(body, spec.name, v)
    }
    const r = await submit(body)
    if (r.ok) { clearErrors(form); done(r.body) } else showErrors(form, r.body)
  })
  return form
}

function oneTimeSecret (label, value) {
  return h('div', { class: 'notice', role: 'status' },
    h('p', {}, `${label} — shown once; Sigil keeps only what it needs to check it. Copy it now:`),
    h('p', { class: 'secret', 'data-testid': 'secret' }, value))
}

// ---------------------------------------------------------------- sign-in

function showSignIn (message) {
  document.getElementById('nav').hidden = true
  document.getElementById('sign-out').hidden = true
  const input = h('input', { type: 'password', autocomplete: 'off', required: true })
  const form = h('form', { class: 'panel', novalidate: true },
    h('div', { class: 'alert', role: 'alert' }, message || ''),
    field('token', 'Admin token', input, 'An admin token (sigil_at_…), from the first start or `sigil admin-token create`.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const r = await api('POST', '/portal/session', { token: input.value })
    if (r.ok) { csrf = r.body.csrfToken; startPortal() } else showErrors(form, r.body.code === 'Unauthorized' ? { message: 'That admin token is not valid', details: [{ param: 'token', msg: r.body.message }] } : r.body)
  })
  page('Sign in', form)
  input.focus()
}

async function signOut () {
  await api('DELETE', '/portal/session')
  csrf = null
  location.hash = ''
  showSignIn('Signed out.')
}

// ---------------------------------------------------------------- navigation

const ROUTES = [
  ['home', 'Home', home],
  ['configurations', 'Credentials', configurations],
  ['offers', 'Offers', offers],
  ['users', 'Users', users],
  ['deferred', 'Deferred', deferred],
  ['providers', 'Sign-in provider', resourcePage('providers')],
  ['hook', 'Interaction hook', hook],
  ['claim-sources', 'Claims sources', resourcePage('claim-sources')],
  ['clients', 'Wallet clients', resourcePage('clients')],
  ['mdoc', 'IACAs', mdoc],
  ['tokens', 'Admin tokens', tokens],
]

function renderNav (current) {
  const nav = document.getElementById('nav')
  nav.replaceChildren(...ROUTES.map(([id, label]) => h('a', { href: `#/${id}`, 'aria-current': id === current ? 'page' : null }, label)))
  nav.hidden = false
  document.getElementById('sign-out').hidden = false
}

async function route () {
  if (!csrf) return
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/')
  const found = ROUTES.find(([id]) => id === (name || 'home')) || ROUTES[0]
  renderNav(found[0])
  try { await found[2](...rest.map(decodeURIComponent)) } catch (e) { if (e.message !== 'signed out') page('Something went wrong', h('p', { class: 'alert' }, String(e))) }
}

async function startPortal () {
  if (!location.hash) location.hash = '#/home'
  await route()
}

// ---------------------------------------------------------------- home: statistics

const PALETTE = ['#0b57d0', '#b3261e', '#146c2e', '#7a4d00', '#6b21a8', '#0e7490', '#be185d', '#374151']

async function home () {
  const r = await api('GET', '/v1/statistics?days=30')
  const st = r.body
  const days = []
  for (let d = new Date(st.since + 'T00:00:00Z'); days.length < 30; d = new Date(d.getTime() + 86400000)) days.push(d.toISOString().slice(0, 10))
  const byConfig = new Map()
  for (const c of st.issued) {
    const key = c.configurationName || c.configurationId
    if (!byConfig.has(key)) byConfig.set(key, new Map())
    byConfig.get(key).set(c.day, (byConfig.get(key).get(c.day) || 0) + c.count)
  }
  const byFormat = new Map()
  for (const c of st.issued) byFormat.set(c.format, (byFormat.get(c.format) || 0) + c.count)
  const total = st.issued.reduce((n, c) => n + c.count, 0)
  const failures = st.failures.reduce((n, f) => n + f.count, 0)
  page('Home',
    h('div', { class: 'grid' },
      h('div', { class: 'panel' }, h('p', {}, 'Credentials issued (30 days)'), h('p', { class: 'stat', 'data-testid': 'issued-total' }, total)),
      h('div', { class: 'panel' }, h('p', {}, 'Offers waiting'), h('p', { class: 'stat' }, st.offersWaiting)),
      h('div', { class: 'panel' }, h('p', {}, 'Offers expired unredeemed'), h('p', { class: 'stat' }, st.offersExpired)),
      h('div', { class: 'panel' }, h('p', {}, 'Refused protocol requests'), h('p', { class: 'stat' }, failures))),
    h('h2', {}, 'Issuance per day, by configuration'),
    stackedChart(days, byConfig),
    h('h2', {}, 'Issuance by format'),
    barList([...byFormat].map(([k, v]) => [k, v]), 'credentials'),
    h('h2', {}, 'Refused requests by error'),
    h('p', { class: 'hint' }, `Counted by this node since ${fmtTime(st.failuresSince)}.`),
    barList(st.failures.map(f => [f.code, f.count]), 'refusals'),
    h('h2', {}, 'Successes'),
    h('p', {}, `${total} credentials issued in ${st.issued.length ? new Set(st.issued.map(c => c.configurationId)).size : 0} configurations since ${st.since}.`))
}

function stackedChart (days, series) {
  const W = 600; const H = 200; const pad = 24
  const totals = days.map(d => [...series.values()].reduce((n, m) => n + (m.get(d) || 0), 0))
  const max = Math.max(1, ...totals)
  const bw = (W - pad) / days.length
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H + 20}`, role: 'img', 'aria-labelledby': 'chart-title' },
    s('title', { id: 'chart-title' }, `Credentials issued per day over ${days.length} days; most in one day: ${Math.max(...totals)}`))
  svg.append(s('line', { x1: pad, y1: H, x2: W, y2: H, stroke: '#4a5560' }))
  svg.append(s('text', { x: 0, y: 10 }, String(max)))
  let i = 0
  const names = [...series.keys()]
  days.forEach((d, x) => {
    let y = H
    names.forEach((name, k) => {
      const n = series.get(name).get(d) || 0
      if (!n) return
      const bh = (n / max) * (H - 10)
      y -= bh
      svg.append(s('rect', { x: pad + x * bw + 1, y, width: Math.max(1, bw - 2), height: bh, fill: PALETTE[k % PALETTE.length] }, s('title', {}, `${d} ${name}: ${n}`)))
      i++
    })
    if (x % 7 === 0) svg.append(s('text', { x: pad + x * bw, y: H + 14 }, d.slice(5)))
  })
  const legend = h('ul', { class: 'legend' }, names.map((n, k) => { const sw = h('span', { class: 'swatch' }); sw.style.background = PALETTE[k % PALETTE.length]; return h('li', {}, sw, n) }))
  const rows = []
  for (const d of days) for (const n of names) { const c = series.get(n).get(d); if (c) rows.push([d, n, String(c)]) }
  return h('div', {}, svg, legend, h('details', {}, h('summary', {}, 'As a table'), table(['Day', 'Configuration', 'Credentials'], rows, 'Credentials issued per day')))
}

function barList (entries, unit) {
  if (!entries.length) return h('p', {}, 'None.')
  const max = Math.max(...entries.map(e => e[1]))
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, unit),
    h('tbody', {}, entries.map(([k, v], i) => {
      const bar = s('svg', { width: 200, height: 14, 'aria-hidden': 'true' }, s('rect', { x: 0, y: 0, height: 14, width: Math.max(2, (v / max) * 200), fill: PALETTE[i % PALETTE.length] }))
      return h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, bar), h('td', {}, `${v} ${unit}`))
    }))))
}

// ---------------------------------------------------------------- credential configurations

async function configurations (id) {
  if (id === 'new') return configurationEditor(null)
  if (id) {
    const r = await api('GET', `/v1/openid/credential-configurations/${encodeURIComponent(id)}`)
    if (!r.ok) return page('Credential configuration', h('p', { class: 'alert' }, r.body.message))
    return configurationEditor(r.body)
  }
  const r = await api('GET', '/v1/openid/credential-configurations?limit=1000')
  page('Credential configurations',
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/configurations/new' }, 'New configuration')),
    table(['Name', 'Format', 'Type', 'Revocable', 'Id'], r.body.data.map(c => [
      h('a', { href: `#/configurations/${encodeURIComponent(c.id)}` }, c.name), c.format, c.vct || c.type || c.doctype || '', c.revocable ? 'yes' : 'no', h('code', {}, c.id)]), 'Credential configurations'))
}

/** One claim mapping row: name, mapFrom, required, default value, and for mdoc namespace and type. */
function mappingRow (rowsEl, isMdoc, m = {}) {
  const name = h('input', { type: 'text', value: m.name || '', 'aria-label': 'Claim name' })
  const ns = h('input', { type: 'text', value: m.namespace || 'org.iso.18013.5.1', 'aria-label': 'Namespace' })
  const mapFrom = h('input', { type: 'text', value: m.mapFrom || '', 'aria-label': 'Map from' })
  const required = h('input', { type: 'checkbox', checked: !!m.required, 'aria-label': 'Required' })
  const def = h('input', { type: 'text', value: m.defaultValue === undefined ? '' : JSON.stringify(m.defaultValue), 'aria-label': 'Default value (JSON)' })
  const type = h('select', { 'aria-label': 'Type' }, ['', ...MDOC_TYPES].map(t => h('option', { value: t }, t || '(default)')))
  type.value = m.type || ''
  const err = h('p', { class: 'field-error', role: 'alert' })
  const remove = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove this claim' }, 'Remove')
  const tr = h('tr', { class: 'mapping' },
    isMdoc ? h('td', {}, ns) : null, h('td', {}, name), h('td', {}, mapFrom), h('td', {}, required), h('td', {}, def),
    isMdoc ? h('td', {}, type) : null, h('td', {}, remove, err))
  remove.addEventListener('click', () => { tr.remove(); rowsEl.dispatchEvent(new Event('input', { bubbles: true })) })
  tr.read = () => {
    const out = {}
    if (mapFrom.value.trim()) out.mapFrom = mapFrom.value.trim()
    if (required.checked) out.required = true
    if (def.value.trim() !== '') { try { out.defaultValue = JSON.parse(def.value) } catch { out.defaultValue = def.value } }
    if (isMdoc && type.value) out.type = type.value
    return { name: name.value.trim(), namespace: ns.value.trim(), mapping: out }
  }
  tr.bind = () => {
    const r = tr.read()
    const param = isMdoc ? `claimMappings.${r.namespace}.${r.name}` : `claimMappings.${r.name}`
    for (const el of [name, mapFrom, def, type, required, ns]) el.dataset.param = param
    err.dataset.errorFor = param
    name.setAttribute('aria-describedby', err.id = `err-${Math.random().toString(36).slice(2)}`)
  }
  return tr
}

function configurationEditor (existing) {
  const v = existing || { format: 'dc+sd-jwt', claimMappings: {} }
  const specs = [
    { name: 'name', label: 'Name', required: true },
    { name: 'description', label: 'Description' },
    { name: 'format', label: 'Format', type: 'select', options: FORMATS },
    { name: 'vct', label: 'Verifiable credential type (vct)', hint: 'dc+sd-jwt: a URL or URN naming the type.', only: ['dc+sd-jwt'] },
    { name: 'type', label: 'Type', hint: 'jwt_vc_json, ldp_vc, cwt, cwt_vc: the credential type.', only: ['jwt_vc_json', 'ldp_vc', 'cwt', 'cwt_vc'] },
    { name: 'additionalTypes', label: 'Additional types', type: 'list', only: ['jwt_vc_json', 'ldp_vc', 'cwt', 'cwt_vc'] },
    { name: 'contexts', label: 'JSON-LD contexts', type: 'list', only: ['ldp_vc'] },
    { name: 'proofSuite', label: 'Proof suite', type: 'select', options: ['', 'eddsa-rdfc-2022', 'Ed25519Signature2020'], only: ['ldp_vc'] },
    { name: 'doctype', label: 'Document type (doctype)', hint: 'mso_mdoc, e.g. org.iso.18013.5.1.mDL', only: ['mso_mdoc'] },
    { name: 'expiresIn.days', label: 'Expires after (days)', type: 'number' },
    { name: 'revocable', label: 'Revocable (credentials carry a status list entry)', type: 'checkbox' },
    { name: 'deferred', label: 'Deferred (an operator approves each issuance)', type: 'checkbox' },
    { name: 'claimSourceId', label: 'Claims source id', hint: 'Optional: claims fetched from a claims source at issuance.' },
    { name: 'branding.backgroundColor', label: 'Card background colour', hint: '#RRGGBB' },
    { name: 'branding.textColor', label: 'Card text colour', hint: '#RRGGBB' },
    { name: 'branding.logo.url', label: 'Logo URL (https)' },
    { name: 'branding.logo.altText', label: 'Logo description' },
  ]
  const inputs = specs.map(spec => [spec, makeInput(spec, getPath(v, spec.name))])
  const fields = inputs.map(([spec, input]) => [spec, field(spec.name, spec.label, input, spec.hint)])
  const formatInput = inputs[2][1]
  const rowsBody = h('tbody', {})
  const rowsHead = h('thead', {})
  const userJson = h('textarea', { rows: 8 })
  userJson.value = JSON.stringify(SEED_USER, null, 2)
  const preview = h('pre', { 'data-testid': 'claims-preview', 'aria-live': 'polite' })
  const card = h('div', { class: 'card', 'data-testid': 'card-preview' })
  const alert = h('div', { class: 'alert', role: 'alert' })
  const form = h('form', { class: 'panel', novalidate: true }, alert,
    fields.map(f => f[1]),
    h('h2', {}, 'Claim mappings'),
    h('p', { class: 'hint' }, 'One row per claim: read from the user object (mapFrom, e.g. claims.email), required or optional, with a default value — or a static value (a default without mapFrom).'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'rows' }, h('caption', { class: 'visually-hidden' }, 'Claim mappings'), rowsHead, rowsBody)),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'add-claim', onclick: () => { addRow({}); changed() } }, 'Add a claim')),
    h('div', { class: 'grid' },
      h('section', {}, h('h2', {}, 'Preview with a sample user'), field('user', 'Sample user object (JSON)', userJson, 'Seed 004\'s example user; edit it to try others.'), h('p', {}, 'Claims the credential would hold:'), preview),
      h('section', {}, h('h2', {}, 'Card preview'), card)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, existing ? 'Save changes' : 'Create configuration'),
      existing ? h('button', { type: 'button', class: 'danger', onclick: async () => { if (!confirm(`Delete ${existing.name}?`)) return; const r = await api('DELETE', `/v1/openid/credential-configurations/${existing.id}`); if (r.ok) location.hash = '#/configurations'; else showErrors(form, r.body) } }, 'Delete') : null))

  let isMdoc = null
  function addRow (m) { const tr = mappingRow(rowsBody, isMdoc, m); rowsBody.append(tr); tr.bind() }
  function setFormat () {
    const f = formatInput.value
    for (const [spec, el] of fields) if (spec.only) el.hidden = !spec.only.includes(f)
    const mdoc = f === 'mso_mdoc'
    if (mdoc !== isMdoc) {
      const rows = [...rowsBody.querySelectorAll('tr.mapping')].map(tr => { const r = tr.read(); return { ...r.mapping, name: r.name, namespace: r.namespace } })
      isMdoc = mdoc
      rowsHead.replaceChildren(h('tr', {}, mdoc ? h('th', { scope: 'col' }, 'Namespace') : null, h('th', { scope: 'col' }, 'Claim'), h('th', { scope: 'col' }, 'Map from'), h('th', { scope: 'col' }, 'Required'), h('th', { scope: 'col' }, 'Default value (JSON)'), mdoc ? h('th', { scope: 'col' }, 'Type') : null, h('th', { scope: 'col' }, '')))
      rowsBody.replaceChildren()
      for (const r of rows) addRow(r)
    }
  }
  function body () {
    const out = { claimMappings: {} }
    for (const [spec, input] of inputs) {
      if (spec.only && !spec.only.includes(formatInput.value)) continue
      const val = readInput(spec, input)
      if (val !== undefined && !(spec.type === 'checkbox' && val === false)) setPath(out, spec.name, val)
    }
    for (const tr of rowsBody.querySelectorAll('tr.mapping')) {
      tr.bind()
      const r = tr.read()
      if (!r.name) continue
      // Namespaces hold dots (org.iso.18013.5.1): one key, not a path.
      if (isMdoc) out.claimMappings[r.namespace] = { ...(out.claimMappings[r.namespace] || {}), [r.name]: r.mapping }
      else out.claimMappings[r.name] = r.mapping
    }
    return out
  }
  let timer = null
  let touched = !!existing
  async function refreshPreview () {
    const b = body()
    let user
    try { user = JSON.parse(userJson.value) } catch (e) { preview.textContent = `The sample user is not JSON: ${e.message}`; return }
    const r = await api('POST', '/v1/openid/credential-configurations/preview', { configuration: b, user })
    drawCard(card, b, r.ok && r.body.issuable ? r.body.claims : {})
    if (r.ok) {
      clearErrors(form)
      preview.textContent = r.body.issuable ? JSON.stringify(r.body.claims, null, 2) : `No credential would be issued: ${r.body.message}`
    } else {
      preview.textContent = 'Fix the fields marked to see a preview.'
      if (touched) showErrors(form, r.body, 'configuration.')
    }
  }
  // aria-busy until the preview answers for the latest change (assistive technology and the
  // tests wait for it).
  let pending = 0
  function changed () {
    touched = true
    preview.setAttribute('aria-busy', 'true')
    clearTimeout(timer)
    const mine = ++pending
    timer = setTimeout(async () => { await refreshPreview(); if (mine === pending) preview.removeAttribute('aria-busy') }, 250)
  }
  form.addEventListener('input', changed)
  form.addEventListener('change', () => { setFormat(); changed() })
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    clearTimeout(timer)
    const r = existing
      ? await api('PUT', `/v1/openid/credential-configurations/${existing.id}`, body())
      : await api('POST', '/v1/openid/credential-configurations', body())
    if (!r.ok) return showErrors(form, r.body)
    clearErrors(form)
    location.hash = `#/configurations/${r.body.id}`
    if (existing) { await configurations(r.body.id); main().prepend(h('p', { class: 'notice', role: 'status' }, 'Saved.')) }
  })
  setFormat()
  const mappings = v.claimMappings || {}
  if (v.format === 'mso_mdoc') { for (const [ns, els] of Object.entries(mappings)) for (const [n, m] of Object.entries(els)) addRow({ ...m, name: n, namespace: ns }) } else for (const [n, m] of Object.entries(mappings)) addRow({ ...m, name: n })
  if (!rowsBody.children.length) addRow({})
  page(existing ? existing.name : 'New credential configuration', existing ? h('p', {}, 'Id ', h('code', {}, existing.id)) : null, form)
  refreshPreview()
}

/** How a wallet would show the credential: its branding colours, logo, name and claims. */
function drawCard (card, config, claims) {
  const b = config.branding || {}
  card.style.background = /^#[0-9a-fA-F]{6}$/.test(b.backgroundColor || '') ? b.backgroundColor : '#1f4e79'
  card.style.color = /^#[0-9a-fA-F]{6}$/.test(b.textColor || '') ? b.textColor : '#ffffff'
  const flat = []
  for (const [k, val] of Object.entries(claims || {})) {
    if (config.format === 'mso_mdoc' && val && typeof val === 'object') for (const [k2, v2] of Object.entries(val)) flat.push([k2, v2])
    else flat.push([k, val])
  }
  card.replaceChildren(...[
    b.logo?.url?.startsWith('https://') ? h('img', { class: 'logo', src: b.logo.url, alt: b.logo.altText || '' }) : null,
    h('p', { class: 'card-name' }, config.name || 'Untitled credential'),
    config.description ? h('p', {}, config.description) : null,
    h('dl', {}, flat.slice(0, 6).map(([k, val]) => [h('dt', {}, k), h('dd', {}, typeof val === 'object' ? JSON.stringify(val) : String(val))]))].filter(Boolean))
}

// ---------------------------------------------------------------- offers

async function offers () {
  const configs = (await api('GET', '/v1/openid/credential-configurations?limit=1000')).body.data
  const kind = h('select', {}, h('option', { value: 'pre-authorized' }, 'Pre-authorized (no sign-in)'), h('option', { value: 'authorization-code' }, 'Authorization code (the user signs in)'))
  const boxes = configs.map(c => h('input', { type: 'checkbox', value: c.id, 'data-param': 'credentials', id: `cfg-${c.id}` }))
  const claims = h('textarea', { rows: 6 })
  claims.value = JSON.stringify(SEED_USER.claims, null, 2)
  const userId = h('input', { type: 'text' })
  const tx = h('input', { type: 'checkbox' })
  const txLength = h('input', { type: 'number', value: 6, min: 4, max: 8 })
  const byRef = h('input', { type: 'checkbox' })
  const out = h('div', { 'aria-live': 'polite' })
  const credentialsFieldset = h('fieldset', { class: 'field' }, h('legend', {}, 'Credentials offered'),
    configs.length ? configs.map((c, i) => h('div', { class: 'field check' }, boxes[i], h('label', { for: `cfg-${c.id}` }, `${c.name} (${c.format})`))) : h('p', {}, 'Create a credential configuration first.'),
    h('p', { class: 'field-error', 'data-error-for': 'credentials', role: 'alert' }))
  const preFields = h('div', {},
    field('claims', 'The user\'s claims (JSON)', claims, 'A new user is created with these claims. Leave empty and name a user id to reuse a user.'),
    field('userId', 'Existing user id', userId),
    field('transactionCodeConfiguration', 'Require a transaction code', tx),
    field('transactionCodeConfiguration.length', 'Transaction code length', txLength),
    field('byReference', 'Offer by reference (credential_offer_uri)', byRef))
  const form = h('form', { class: 'panel', novalidate: true }, h('div', { class: 'alert', role: 'alert' }),
    field('kind', 'Kind of offer', kind), credentialsFieldset, preFields,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create offer')))
  kind.addEventListener('change', () => { preFields.hidden = kind.value !== 'pre-authorized' })
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const credentials = boxes.filter(b => b.checked).map(b => b.value)
    let r
    if (kind.value === 'pre-authorized') {
      const body = { credentials }
      if (claims.value.trim()) { try { body.claims = JSON.parse(claims.value) } catch { return showErrors(form, { message: 'Validation Error', details: [{ param: 'claims', msg: 'must be a JSON object' }] }) } }
      if (userId.value.trim()) body.userId = userId.value.trim()
      if (tx.checked) body.transactionCodeConfiguration = { length: Number(txLength.value), inputMode: 'numeric' }
      if (byRef.checked) body.byReference = true
      r = await api('POST', '/v1/openid/offers/pre-authorized', body)
    } else {
      r = await api('POST', '/v1/openid/offers', { credentials })
    }
    if (!r.ok) return showErrors(form, r.body)
    clearErrors(form)
    showOffer(out, r.body, kind.value === 'pre-authorized')
  })
  page('Offers', form, out)
}

function showOffer (out, offer, preAuthorized) {
  for (const stop of stopPolling) stop()
  stopPolling = []
  const state = h('p', { 'data-testid': 'offer-state', role: 'status' }, 'State: ', badge('waiting'))
  const issued = h('div', { 'data-testid': 'offer-credentials' })
  out.replaceChildren(h('section', { class: 'panel' },
    h('h2', {}, 'Offer created'),
    h('div', { class: 'qr' }, h('img', { src: `/portal/qr.svg?text=${encodeURIComponent(offer.uri)}`, alt: 'QR code of the credential offer; scan it with a wallet', 'data-testid': 'offer-qr' })),
    h('p', {}, 'Deep link: ', h('a', { href: offer.uri, 'data-testid': 'offer-uri' }, offer.uri)),
    offer.transactionCode !== undefined ? oneTimeSecret('Transaction code (give it to the user separately)', String(offer.transactionCode)) : null,
    h('p', {}, `Expires ${fmtTime(offer.expiresAt)}.`),
    state,
    preAuthorized ? issued : null))
  const path = preAuthorized ? `/v1/openid/offers/pre-authorized/${offer.id}` : `/v1/openid/offers/authorization-code/${offer.id}`
  let live = true
  stopPolling.push(() => { live = false })
  const poll = async () => {
    if (!live) return
    const r = await api('GET', path)
    if (!live) return
    if (r.ok) {
      state.replaceChildren('State: ', badge(r.body.state), r.body.state === 'redeemed' && !preAuthorized ? ' (the user signed in)' : '', r.body.credentialsIssued ? ` — ${r.body.credentialsIssued} credential(s) issued` : '')
      if (r.body.state === 'credential_issued' && preAuthorized) {
        const creds = await api('GET', `/v1/users/${offer.userId}/credentials`)
        issued.replaceChildren(h('p', {}, 'Issued to ', h('a', { href: `#/users/${offer.userId}` }, `user ${offer.userId}`), ':'),
          table(['Credential', 'Format', 'Issued', 'Status'], creds.body.data.filter(c => c.offerId === offer.id).map(c => [h('code', {}, c.id), c.format, fmtTime(c.issuedAt), badge(c.status)]), 'Credentials issued from this offer'))
        return
      }
      if (r.body.state === 'expired' || r.body.state === 'credential_issued') return
    } else if (r.status === 404) { state.replaceChildren('State: ', badge('expired')); return }
    setTimeout(poll, 1500)
  }
  poll()
}

// ---------------------------------------------------------------- users and credentials

async function users (id) {
  if (id) return user(id)
  const subject = h('input', { type: 'text' })
  const provider = h('input', { type: 'text' })
  const goId = h('input', { type: 'text' })
  const results = h('div', {})
  const search = async (cursor) => {
    const q = new URLSearchParams({ limit: '50' })
    if (subject.value.trim()) q.set('subjectId', subject.value.trim())
    if (provider.value.trim()) q.set('authenticationProviderUrl', provider.value.trim())
    if (cursor) q.set('cursor', cursor)
    const r = await api('GET', `/v1/users?${q}`)
    if (!r.ok) return showErrors(form, r.body)
    clearErrors(form)
    results.replaceChildren(table(['User', 'Signed in with', 'Claims'], r.body.data.map(u => [
      h('a', { href: `#/users/${u.id}` }, u.id), u.authenticationProvider ? `${u.authenticationProvider.url} (${u.authenticationProvider.subjectId})` : 'offer',
      Object.entries(u.claims).slice(0, 3).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')]), 'Users'),
    r.body.nextCursor ? h('button', { type: 'button', class: 'secondary', onclick: () => search(r.body.nextCursor) }, 'Next page') : null)
  }
  const form = h('form', { class: 'panel', novalidate: true }, h('div', { class: 'alert', role: 'alert' }),
    field('subjectId', 'Subject id at the provider', subject), field('authenticationProviderUrl', 'Provider URL', provider),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Search')))
  form.addEventListener('submit', (e) => { e.preventDefault(); search() })
  const goForm = h('form', { class: 'panel' }, field('id', 'Open a user by id', goId), h('button', { type: 'submit' }, 'Open'))
  goForm.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/users/${encodeURIComponent(goId.value.trim())}` })
  page('Users', form, goForm, results)
  search()
}

async function user (id) {
  const [u, creds] = await Promise.all([api('GET', `/v1/users/${encodeURIComponent(id)}`), api('GET', `/v1/users/${encodeURIComponent(id)}/credentials`)])
  if (!u.ok) return page('User', h('p', { class: 'alert' }, u.body.message))
  const msg = h('div', { role: 'status', 'aria-live': 'polite' })
  const act = async (path, status) => {
    if (status === 'revoked' && !confirm('Revoking is permanent. Revoke?')) return
    const r = await api('POST', path, { status })
    await user(id)
    main().prepend(r.ok ? h('p', { class: 'notice', role: 'status' }, `Done: ${r.body.data?.length ?? 0} credential(s) now ${status}.`) : h('p', { class: 'alert', role: 'alert' }, `${r.body.message}`))
  }
  // What each status may become: a revoked credential stays revoked.
  const NEXT = { valid: ['suspended', 'revoked'], suspended: ['valid', 'revoked'], revoked: [], any: ['suspended', 'valid', 'revoked'] }
  const actions = (base, what, current = 'any') => h('div', { class: 'actions' },
    NEXT[current].map(st => h('button', { type: 'button', class: st === 'revoked' ? 'danger' : 'secondary', onclick: () => act(base, st) },
      `${{ suspended: 'Suspend', valid: 'Reinstate', revoked: 'Revoke' }[st]} ${what}`)))
  page(`User ${id}`, msg,
    h('h2', {}, 'Claims'), h('pre', {}, JSON.stringify(u.body.claims, null, 2)),
    u.body.authenticationProvider ? h('p', {}, `Signed in at ${u.body.authenticationProvider.url} as ${u.body.authenticationProvider.subjectId}`) : null,
    h('h2', {}, 'Credentials'),
    table(['Credential', 'Format', 'Issued', 'Wallet said', 'Status', 'Actions'], creds.body.data.map(c => [
      h('code', {}, c.id), c.format, fmtTime(c.issuedAt), c.notification ? `${c.notification.event} (${fmtTime(c.notification.receivedAt)})` : '—',
      h('span', { 'data-testid': `status-${c.id}` }, badge(c.status), c.statusLists ? h('span', { class: 'hint' }, ` index ${c.statusLists[0].index}`) : null),
      c.statusLists ? h('div', {}, actions(`/v1/credentials/${c.id}/status`, 'this credential', c.status), actions(`/v1/credentials/${c.id}/issuance/status`, 'its batch')) : 'not revocable']), 'Credentials issued to this user'),
    creds.body.data.some(c => c.statusLists) ? h('section', {}, h('h2', {}, 'All of this user\'s credentials'), actions(`/v1/users/${id}/credentials/status`, 'all')) : null)
}

// ---------------------------------------------------------------- deferred issuances

async function deferred () {
  const r = await api('GET', '/v1/credentials/deferred')
  const decide = async (d, approve) => {
    const reason = approve ? undefined : prompt('Reason given to the wallet (optional)') ?? undefined
    const res = await api('POST', `/v1/credentials/deferred/${d.id}/${approve ? 'approve' : 'reject'}`, approve ? {} : (reason ? { reason } : {}))
    await deferred()
    main().prepend(res.ok ? h('p', { class: 'notice', role: 'status' }, approve ? 'Approved.' : 'Rejected.') : h('p', { class: 'alert', role: 'alert' }, res.body.message))
  }
  page('Deferred issuances', table(['Id', 'User', 'Configuration', 'Status', 'Expires', ''], r.body.data.map(d => [
    h('code', {}, d.id), h('a', { href: `#/users/${d.userId}` }, d.userId), d.credentialConfigurationId, badge(d.status), fmtTime(d.expiresAt),
    d.status === 'pending' ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => decide(d, true) }, 'Approve'), h('button', { type: 'button', class: 'danger', onclick: () => decide(d, false) }, 'Reject')) : '']), 'Deferred issuances'))
}

// ---------------------------------------------------------------- simple resources

const RESOURCES = {
  providers: {
    title: 'Authentication providers', path: '/v1/users/authentication-providers', label: p => p.url,
    intro: 'The OpenID Provider users sign in at in the authorization-code flow. Register the redirect URL shown after saving with the provider.',
    specs: [
      { name: 'url', label: 'Provider URL (issuer)', type: 'url', required: true },
      { name: 'clientId', label: 'Client id', required: true },
      { name: 'clientSecret', label: 'Client secret', type: 'password', required: true },
      { name: 'scope', label: 'Scopes', type: 'list', hint: 'One per line; openid is always asked.' },
      { name: 'tokenEndpointAuthMethod', label: 'Token endpoint authentication', type: 'select', options: ['', 'client_secret_post', 'client_secret_basic'] },
      { name: 'claimsToPersist', label: 'Claims to keep on the user', type: 'list' },
      { name: 'forwardedRequestParameters', label: 'Request parameters forwarded', type: 'list' },
    ],
    columns: ['URL', 'Client id', 'Redirect URL'], row: p => [p.url, p.clientId, h('code', {}, p.redirectUrl)],
  },
  'claim-sources': {
    title: 'Claims sources', path: '/v1/claim-sources', label: c => c.name,
    intro: 'A web service Sigil asks for a user\'s claims at issuance.',
    specs: [
      { name: 'name', label: 'Name', required: true },
      { name: 'url', label: 'URL (https)', type: 'url', required: true },
      { name: 'requestMethod', label: 'Method', type: 'select', options: ['', 'GET', 'POST'] },
      { name: 'requestParameters', label: 'Request parameters (JSON)', type: 'json', hint: '{"email": {"mapFrom": "claims.email"}}' },
      { name: 'authorization', label: 'Authorization (JSON)', type: 'json', hint: '{"type": "api-key", "value": "…"}' },
    ],
    columns: ['Name', 'URL', 'Method'], row: c => [c.name, c.url, c.requestMethod],
    extra: claimSourceTest,
  },
  clients: {
    title: 'Wallet clients', path: '/v1/openid/clients', label: c => c.name,
    intro: 'Wallets registered for the authorization-code flow.',
    specs: [
      { name: 'name', label: 'Name', required: true },
      { name: 'redirectUris', label: 'Redirect URIs', type: 'list', required: true, hint: 'One per line.' },
      { name: 'tokenEndpointAuthMethod', label: 'Token endpoint authentication', type: 'select', options: ['', 'none', 'client_secret_post', 'client_secret_basic'] },
      { name: 'applicationType', label: 'Application type', type: 'select', options: ['', 'native', 'web'] },
    ],
    columns: ['Name', 'Id', 'Redirect URIs'], row: c => [c.name, h('code', {}, c.id), c.redirectUris.join(' ')],
  },
}

function resourcePage (kind) {
  return async function (id) {
    const spec = RESOURCES[kind]
    if (id) {
      const existing = id === 'new' ? null : (await api('GET', `${spec.path}/${encodeURIComponent(id)}`)).body
      const form = specForm({
        specs: spec.specs, values: existing || {}, submitLabel: existing ? 'Save changes' : 'Create',
        submit: b => existing ? api('PUT', `${spec.path}/${existing.id}`, b) : api('POST', spec.path, b),
        done: saved => {
          if (saved.secret) pendingNotice = oneTimeSecret('Client secret', saved.secret)
          location.hash = `#/${kind}`
        },
      })
      const del = existing ? h('button', { type: 'button', class: 'danger', onclick: async () => { if (!confirm('Delete?')) return; const r = await api('DELETE', `${spec.path}/${existing.id}`); if (r.ok) location.hash = `#/${kind}`; else showErrors(form, r.body) } }, 'Delete') : null
      return page(existing ? spec.label(existing) : `New: ${spec.title.toLowerCase()}`, form, del, existing && spec.extra ? spec.extra(existing) : null)
    }
    const r = await api('GET', `${spec.path}?limit=1000`)
    page(spec.title, h('p', {}, spec.intro), h('div', { class: 'actions' }, h('a', { class: 'button', href: `#/${kind}/new` }, 'Add')),
      table([...spec.columns, ''], r.body.data.map(x => [...spec.row(x), h('a', { href: `#/${kind}/${encodeURIComponent(x.id)}`, 'aria-label': `Edit ${spec.label(x)}` }, 'Edit')]), spec.title))
  }
}

/** Asks a claims source for a sample user's claims, as an issuance would. */
function claimSourceTest (source) {
  const claims = h('textarea', { rows: 5 })
  claims.value = JSON.stringify(SEED_USER.claims, null, 2)
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'source-test' })
  const form = h('form', { class: 'panel', novalidate: true }, h('div', { class: 'alert', role: 'alert' }),
    h('h2', {}, 'Test with a sample user'),
    field('claims', 'The user\'s claims (JSON)', claims, 'Sent as an issuance would send them (claims.* parameters read them).'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Ask the source')), result)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    let body
    try { body = { claims: JSON.parse(claims.value) } } catch { return showErrors(form, { message: 'Validation Error', details: [{ param: 'claims', msg: 'must be a JSON object' }] }) }
    result.replaceChildren('Asking…')
    const r = await api('POST', `/v1/claim-sources/${encodeURIComponent(source.id)}/test`, body)
    if (!r.ok) { result.replaceChildren(); return showErrors(form, r.body) }
    clearErrors(form)
    result.replaceChildren(h('p', {}, 'Outcome: ', h('span', { class: `badge ${{ answered: 'valid', deferred: 'waiting', failed: 'revoked' }[r.body.outcome]}` }, r.body.outcome), r.body.message ? ` — ${r.body.message}` : ''),
      r.body.claims ? h('pre', {}, JSON.stringify(r.body.claims, null, 2)) : null)
  })
  return form
}

// ---------------------------------------------------------------- interaction hook

async function hook () {
  const r = await api('GET', '/v1/openid/configuration')
  let current = r.body.interactionHook || {}
  const shown = h('div', {})
  const form = specForm({
    specs: [
      { name: 'interactionHook.url', label: 'Hook URL (https)', type: 'url', required: true },
      { name: 'interactionHook.claims', label: 'Claims the hook may set', type: 'list' },
      { name: 'interactionHook.sessionTimeoutInSec', label: 'Session timeout (seconds)', type: 'number' },
      { name: 'interactionHook.disabled', label: 'Disabled', type: 'checkbox' },
    ],
    values: { interactionHook: current },
    submitLabel: 'Save',
    submit: b => api('PUT', '/v1/openid/configuration', b),
    done: saved => {
      shown.replaceChildren(current.url ? h('p', { class: 'notice', role: 'status' }, 'Saved.') : oneTimeSecret('Hook secret (HS256, base64)', saved.interactionHook?.secret || ''))
      current = saved.interactionHook || {}
      rotate.disabled = !current.url
    },
  })
  const rotate = h('button', { type: 'button', class: 'secondary', disabled: !current.url }, 'Rotate the secret')
  rotate.addEventListener('click', async () => {
    const res = await api('POST', '/v1/openid/configuration/interaction-hook/rotate-secret')
    shown.replaceChildren(res.ok ? oneTimeSecret('New hook secret (HS256, base64)', res.body.interactionHook?.secret || res.body.secret || '') : h('p', { class: 'alert' }, res.body.message))
  })
  page('Interaction hook', h('p', {}, 'A web app the user visits during issuance; it and Sigil exchange HS256 session tokens signed with the secret.'), shown, form, h('div', { class: 'actions' }, rotate))
}

// ---------------------------------------------------------------- mdoc certificates

async function mdoc () {
  const [iacas, signers] = await Promise.all([api('GET', '/v1/credentials/mobile/iacas?limit=1000'), api('GET', '/v1/credentials/mobile/document-signers?limit=1000')])
  const form = specForm({
    specs: [
      { name: 'commonName', label: 'Common name' },
      { name: 'country', label: 'Country (ISO 3166 alpha-2)' },
      { name: 'stateOrProvinceName', label: 'State or province' },
      { name: 'notAfter', label: 'Valid until (RFC 3339)' },
      { name: 'certificatePem', label: 'Or import a certificate (PEM)', type: 'textarea' },
      { name: 'privateKeyPem', label: 'and its private key (PEM)', type: 'textarea' },
      { name: 'active', label: 'Active (signs Document Signers)', type: 'checkbox' },
    ],
    submitLabel: 'Create IACA',
    submit: b => api('POST', '/v1/credentials/mobile/iacas', b),
    done: () => mdoc(),
  })
  const rotate = h('button', { type: 'button', class: 'secondary' }, 'New Document Signer now')
  rotate.addEventListener('click', async () => { const r = await api('POST', '/v1/credentials/mobile/document-signers', {}); await mdoc(); if (!r.ok) main().prepend(h('p', { class: 'alert', role: 'alert' }, r.body.message)) })
  page('IACAs and Document Signers',
    h('h2', {}, 'IACAs'),
    table(['Common name', 'Country', 'Active', 'Valid until', 'Fingerprint', ''], iacas.body.data.map(i => [i.commonName, i.country, i.active ? 'yes' : 'no', fmtTime(i.notAfter), h('code', {}, i.certificateFingerprint),
      h('button', { type: 'button', class: 'secondary', onclick: async () => { await api('PUT', `/v1/credentials/mobile/iacas/${i.id}`, { active: !i.active }); mdoc() } }, i.active ? 'Deactivate' : 'Activate')]), 'IACAs'),
    h('h2', {}, 'New IACA'), form,
    h('h2', {}, 'Document Signers'), h('div', { class: 'actions' }, rotate),
    table(['Id', 'IACA', 'Valid from', 'Valid until'], signers.body.data.map(d => [h('code', {}, d.id), h('code', {}, d.iacaId), fmtTime(d.notBefore), fmtTime(d.notAfter)]), 'Document Signers'))
}

// ---------------------------------------------------------------- admin tokens

async function tokens () {
  const r = await api('GET', '/v1/admin-tokens')
  const shown = h('div', {})
  const form = specForm({
    specs: [{ name: 'name', label: 'Name of the new token', required: true, hint: 'Who or what will use it.' }],
    submitLabel: 'Create token',
    submit: b => api('POST', '/v1/admin-tokens', b),
    done: async created => { await tokens(); main().prepend(oneTimeSecret(`Admin token "${created.name}"`, created.token)) },
  })
  page('Admin tokens', shown, form,
    table(['Name', 'Created', 'Revoked', ''], r.body.data.map(t => [t.name, fmtTime(t.createdAt), t.revokedAt ? fmtTime(t.revokedAt) : '—',
      t.revokedAt ? '' : h('button', { type: 'button', class: 'danger', onclick: async () => { if (!confirm(`Revoke "${t.name}"? Sessions signed in with it end too.`)) return; await api('DELETE', `/v1/admin-tokens/${t.id}`); tokens() } }, 'Revoke')]), 'Admin tokens'))
}

// ---------------------------------------------------------------- start

window.addEventListener('hashchange', route)
document.getElementById('sign-out').addEventListener('click', signOut)
const current = await api('GET', '/portal/session')
if (current.ok) { csrf = current.body.csrfToken; startPortal() } else showSignIn()
