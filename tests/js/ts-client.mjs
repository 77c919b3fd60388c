// Headless run of the official TypeScript SDK client (@modelcontextprotocol/sdk)
// against an mcp-clerk server: the SDK does discovery, DCR, PKCE and token
// exchange itself; this script only plays the user's browser (it follows the
// authorize redirects with fetch and, when the emulator shows its consent page,
// submits the form with the next choice from --consent).
//
// Usage: node ts-client.mjs --url <mcp url> --call <tool>[=<json args>] ... [--consent user[:org],...]
//        [--browser <path of chromium> --screenshot consent.png]   (answer the consent page in headless Chromium)
//        [--client-id <id>]   (a client registered out of band, like an OAuth application made in the Clerk dashboard)
// Prints one JSON line: {"http":[...requests...], "results":{tool: result}, "registrations":n, "authorizations":[...]}
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const argv = process.argv.slice(2);
const opt = (name) => {
  const out = [];
  for (let i = 0; i < argv.length; i++) if (argv[i] === name) out.push(argv[i + 1]);
  return out;
};
const url = new URL(opt('--url')[0]);
const calls = opt('--call').map((c) => {
  const i = c.indexOf('=');
  return i < 0 ? { name: c, args: {} } : { name: c.slice(0, i), args: JSON.parse(c.slice(i + 1)) };
});
const consent = (opt('--consent')[0] ?? '').split(',').filter(Boolean);
const preregistered = opt('--client-id')[0];
const browserPath = opt('--browser')[0];
const screenshot = opt('--screenshot')[0];

// In browser mode a real loopback callback server receives the redirect (the
// browser follows it; Playwright cannot intercept redirect targets).
let callbackHit;
let REDIRECT = 'http://127.0.0.1:33418/oauth/callback';
let callbackServer;
if (browserPath) {
  const { createServer } = await import('node:http');
  callbackServer = createServer((req, res) => {
    // Only the callback itself: Chromium also asks this origin for /favicon.ico.
    const hit = new URL(req.url, REDIRECT);
    if (hit.pathname === '/oauth/callback') callbackHit = hit.toString();
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<h1>Signed in. You may close this window.</h1>');
  });
  await new Promise((ok) => callbackServer.listen(0, '127.0.0.1', ok));
  REDIRECT = `http://127.0.0.1:${callbackServer.address().port}/oauth/callback`;
}

const http = [];
const log = (method, u, status) => {
  const p = new URL(u);
  http.push(`${method} ${p.pathname} ${status}`);
};
const loggingFetch = async (input, init) => {
  const res = await fetch(input, init);
  log(init?.method ?? 'GET', typeof input === 'string' ? input : input.url ?? String(input), res.status);
  return res;
};

const authorizations = [];

// A real headless Chromium (playwright-core) opens the authorize URL, the
// user picks a dev user and organization on the consent page and approves;
// the redirect to the client's callback is intercepted to read the code.
async function browserAuthorize(start) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    await page.goto(start.toString());
    const choice = consent.shift() ?? '';
    const [user, org] = choice.split(':');
    const title = await page.locator('h1').first().innerText();
    if (user) await page.check(`input[name=user_id][value="${user}"]`);
    if (org) await page.selectOption('#org_id', org);
    const visibleOrgs = await page.locator('#org_id option:not([hidden])').allTextContents().catch(() => []);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    await Promise.all([page.waitForURL(`${REDIRECT}**`), page.click('#allow')]);
    const q = new URL(callbackHit).searchParams;
    if (q.get('error')) throw new Error(`authorization failed: ${q.get('error')}`);
    authorizations.push({ scope: new URL(start).searchParams.get('scope'), iss: q.get('iss'), title, visibleOrgs });
    log('BROWSER', start.toString(), 'consented');
    return q.get('code');
  } finally {
    await browser.close();
  }
}

// Plays the browser: follow redirects, answer the consent form, stop at the callback.
async function followAuthorize(start) {
  if (browserPath) return browserAuthorize(start);
  let next = { url: start.toString(), init: { redirect: 'manual' } };
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(next.url, next.init);
    log(next.init.method ?? 'GET', next.url, res.status);
    if (res.status >= 300 && res.status < 400) {
      const loc = new URL(res.headers.get('location'), next.url).toString();
      if (loc.startsWith(REDIRECT)) {
        const q = new URL(loc).searchParams;
        if (q.get('error')) throw new Error(`authorization failed: ${q.get('error')}: ${q.get('error_description')}`);
        authorizations.push({ scope: new URL(start).searchParams.get('scope'), iss: q.get('iss') });
        return q.get('code');
      }
      next = { url: loc, init: { redirect: 'manual' } };
      continue;
    }
    const html = await res.text();
    const m = html.match(/name="request_id" value="([^"]+)"/);
    if (res.status !== 200 || !m) throw new Error(`unexpected authorize response ${res.status}: ${html.slice(0, 300)}`);
    const choice = consent.shift() ?? '';
    const [user, org] = choice.split(':');
    const form = new URLSearchParams({ request_id: m[1], decision: 'allow' });
    if (user) form.set('user_id', user);
    else {
      const first = html.match(/name="user_id" value="([^"]+)"/);
      form.set('user_id', first[1]);
    }
    if (org) form.set('org_id', org);
    next = {
      url: new URL('/oauth/authorize', next.url).toString(),
      init: { method: 'POST', redirect: 'manual', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    };
  }
  throw new Error('too many redirects');
}

class HeadlessProvider {
  constructor() {
    this._client = preregistered ? { client_id: preregistered } : undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this.code = undefined;
    this.registrations = 0;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: 'mcp-clerk TS SDK test',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() { return Math.random().toString(36).slice(2); }
  clientInformation() { return this._client; }
  saveClientInformation(info) { this._client = info; this.registrations++; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this._tokens = tokens; }
  async redirectToAuthorization(authorizationUrl) { this.code = await followAuthorize(authorizationUrl); }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
}

const provider = new HeadlessProvider();
const newTransport = () => new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: loggingFetch });
const client = new Client({ name: 'mcp-clerk-ts-test', version: '1.0.0' });

let transport = newTransport();
try {
  await client.connect(transport);
} catch (e) {
  if (!(e instanceof UnauthorizedError)) throw e;
  await transport.finishAuth(provider.code);
  transport = newTransport();
  await client.connect(transport);
}

const results = {};
for (const { name, args } of calls) {
  let result;
  for (let attempt = 0; ; attempt++) {
    try {
      result = await client.callTool({ name, arguments: args });
      break;
    } catch (e) {
      // 403 insufficient_scope: the SDK re-authorized with the challenged scope.
      if (!(e instanceof UnauthorizedError) || attempt > 1) throw e;
      await transport.finishAuth(provider.code);
    }
  }
  results[name] = result;
}
await client.close();
callbackServer?.close();
console.log(JSON.stringify({ http, results, registrations: provider.registrations, authorizations }));
