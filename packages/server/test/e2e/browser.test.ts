import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { authorizeUrl, pkcePair } from '../helpers/browser.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';
import { freePort } from '../helpers/listen.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Written by the screenshot test and shown in README.md. */
const screenshotsDir = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

const desktop = { width: 1280, height: 800 };
const mobile = { width: 390, height: 844 };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The members of a DOM element that `focused()` reads. */
interface FocusedElement {
  readonly tagName: string;
  readonly id: string;
  readonly textContent: string | null;
}

interface RelyingParty {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * The "app" a browser is sent back to: a plain node:http server on its own loopback port. Every
 * path answers a small HTML page naming itself; /frame embeds `src` (and a same-origin control
 * frame) to check that Tessera's pages refuse to be framed.
 */
async function startRelyingParty(): Promise<RelyingParty> {
  const server = createServer(function relyingParty(request, response) {
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    const body =
      url.pathname === '/frame'
        ? `<h1>App page framing Tessera</h1>
<iframe id="tessera" title="Tessera" src="${escapeHtml(url.searchParams.get('src') ?? '')}" width="600" height="400"></iframe>
<iframe id="control" title="Own page" src="/framed-control" width="300" height="100"></iframe>`
        : `<h1>App at ${escapeHtml(url.pathname)}</h1>`;
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(`<!doctype html><html lang="en"><head><title>App</title></head><body>${body}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeWithChromium('a real browser (Chromium) against a listening Tessera [sqlite]', () => {
  let browser: Browser;
  let rp: RelyingParty;
  let server: TestServer;
  let issuer: string;
  let context: BrowserContext;
  let page: Page;
  let clientId: string;
  let redirectUri: string;

  beforeAll(async () => {
    [browser, rp] = await Promise.all([launchChromium(), startRelyingParty()]);
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
  });

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer('sqlite', { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
    redirectUri = `${rp.origin}/callback`;
    clientId = await registerClient('Agents App', redirectUri);
    context = await browser.newContext({ viewport: desktop });
    context.setDefaultTimeout(10_000); // fail on the step that hangs, before Vitest's 30 s
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  async function registerClient(name: string, uri: string, firstParty = false): Promise<string> {
    const issued = await server.services.clients.create(
      {
        name,
        type: 'public',
        redirectUris: [uri],
        postLogoutRedirectUris: [`${rp.origin}/bye`],
        scopes: ['openid', 'profile', 'email'],
        firstParty,
      },
      { actor: 'test' },
    );
    return issued.client.id;
  }

  /** A fresh authorization request: its URL on the issuer, PKCE verifier, state and nonce. */
  function authorization(client = clientId, uri = redirectUri) {
    const pkce = pkcePair();
    const state = `state-${Math.random().toString(36).slice(2)}`;
    const nonce = `nonce-${Math.random().toString(36).slice(2)}`;
    const url = `${issuer}${authorizeUrl({
      response_type: 'code',
      client_id: client,
      redirect_uri: uri,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })}`;
    return { url, verifier: pkce.verifier, state, nonce };
  }

  async function at(p: Page, pathname: string, origin = issuer): Promise<URL> {
    await p.waitForURL((url) => url.origin === origin && url.pathname === pathname);
    return new URL(p.url());
  }

  async function submitSignin(p: Page, password = 'correct horse battery'): Promise<void> {
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Signs in on the form and allows; returns the app's callback URL. */
  async function signInAndAllow(p: Page, url: string): Promise<URL> {
    await p.goto(url);
    await at(p, '/signin');
    await submitSignin(p);
    await at(p, '/consent');
    await p.getByRole('button', { name: 'Allow' }).click();
    return at(p, '/callback', rp.origin);
  }

  /** What has keyboard focus: tag, id and text of document.activeElement. */
  function focused(p: Page) {
    return p.evaluate(() => {
      // Runs in the page; the server's tsconfig has no DOM lib, so name the one member read.
      const { document } = globalThis as unknown as { document: { activeElement: FocusedElement | null } };
      const element = document.activeElement;
      return {
        tag: element?.tagName.toLowerCase(),
        id: element?.id ?? '',
        text: element?.textContent?.trim() ?? '',
      };
    });
  }

  async function exchange(code: string, verifier: string, client = clientId, uri = redirectUri) {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        code,
        redirect_uri: uri,
        client_id: client,
        code_verifier: verifier,
      }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; id_token: string; scope: string };
  }

  async function verifyIdToken(idToken: string, audience: string) {
    const jwks = createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`));
    return (await jwtVerify(idToken, jwks, { issuer, audience })).payload;
  }

  async function screenshot(p: Page, name: string): Promise<void> {
    mkdirSync(screenshotsDir, { recursive: true });
    await p.screenshot({ path: `${screenshotsDir}${name}.png`, fullPage: true, animations: 'disabled' });
  }

  it('signs in, consents, and the app receives the code; the code buys an ID token', async () => {
    const request = authorization();
    await page.goto(request.url);
    await at(page, '/signin');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await expect(page.locator('.lead').textContent()).resolves.toBe('to continue to Agents App');
    await submitSignin(page);

    await at(page, '/consent');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Agents App wants to access your account',
    );
    await page.getByRole('button', { name: 'Allow' }).click();

    const callback = await at(page, '/callback', rp.origin);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('App at /callback');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    const code = callback.searchParams.get('code');
    expect(code).toEqual(expect.any(String));

    const session = (await context.cookies(issuer)).find((c) => c.name === 'tessera_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });

    const tokens = await exchange(code as string, request.verifier);
    expect(tokens.scope).toBe('openid profile email');
    const alice = await server.services.users.get('alice');
    expect(await verifyIdToken(tokens.id_token, clientId)).toMatchObject({
      sub: alice.id,
      nonce: request.nonce,
      amr: ['pwd'],
      sid: expect.any(String),
    });
  });

  it('shows a wrong password as an alert and puts keyboard focus on the password field', async () => {
    await page.goto(authorization().url);
    await at(page, '/signin');
    await submitSignin(page, 'wrong password');

    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong username or password');
    await expect.poll(async () => (await focused(page)).id).toBe('password');
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe('alice');

    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');
    await at(page, '/consent');
  });

  it('tells a disabled account that it is disabled', async () => {
    await server.services.users.setDisabled('alice', true, { actor: 'test' });
    await page.goto(authorization().url);
    await at(page, '/signin');
    await submitSignin(page);

    await expect(page.getByRole('alert').textContent()).resolves.toContain('This account is disabled');
    expect(new URL(page.url()).pathname).toBe('/signin');
  });

  it('Deny sends access_denied back to the app with state and iss', async () => {
    const request = authorization();
    await page.goto(request.url);
    await at(page, '/signin');
    await submitSignin(page);
    await at(page, '/consent');
    await page.getByRole('button', { name: 'Deny' }).click();

    const callback = await at(page, '/callback', rp.origin);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('single sign-on: a second, first-party client gets a code without the form or consent', async () => {
    const first = authorization();
    const firstCode = (await signInAndAllow(page, first.url)).searchParams.get('code') as string;

    const dashboardUri = `${rp.origin}/dashboard/callback`;
    const dashboard = await registerClient('Dashboard', dashboardUri, true);
    const second = authorization(dashboard, dashboardUri);
    const visited: string[] = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest()) visited.push(new URL(r.url()).pathname);
    });
    await page.goto(second.url);

    const callback = await at(page, '/dashboard/callback', rp.origin);
    expect(visited).toEqual(['/oauth/authorize', '/dashboard/callback']);
    expect(callback.searchParams.get('state')).toBe(second.state);
    expect(callback.searchParams.get('iss')).toBe(issuer);

    const firstToken = await verifyIdToken((await exchange(firstCode, first.verifier)).id_token, clientId);
    const secondTokens = await exchange(
      callback.searchParams.get('code') as string,
      second.verifier,
      dashboard,
      dashboardUri,
    );
    const secondToken = await verifyIdToken(secondTokens.id_token, dashboard);
    expect(secondToken.sid).toBe(firstToken.sid);
    expect(secondToken.sub).toBe(firstToken.sub);
  });

  it('logout: with id_token_hint it returns to the registered URI with state; without, it asks first', async () => {
    const request = authorization();
    const code = (await signInAndAllow(page, request.url)).searchParams.get('code') as string;
    const { id_token } = await exchange(code, request.verifier);

    await page.goto(
      `${issuer}/oauth/logout?${new URLSearchParams({
        id_token_hint: id_token,
        post_logout_redirect_uri: `${rp.origin}/bye`,
        state: 'bye-1',
      })}`,
    );
    const bye = await at(page, '/bye', rp.origin);
    expect(bye.searchParams.get('state')).toBe('bye-1');
    expect((await context.cookies(issuer)).map((c) => c.name)).not.toContain('tessera_session');

    // Signed out: the next authorization shows the form again (consent is remembered by now).
    await page.goto(authorization().url);
    await at(page, '/signin');
    await submitSignin(page);
    await at(page, '/callback', rp.origin);

    // No hint: a confirmation page, then the signed-out page.
    await page.goto(`${issuer}/oauth/logout`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign out?');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect((await context.cookies(issuer)).map((c) => c.name)).not.toContain('tessera_session');
    await page.goto(authorization().url);
    await at(page, '/signin');
  });

  it('works with the keyboard alone: Tab order username, password, Sign in; then Allow, Deny', async () => {
    const request = authorization();
    await page.goto(request.url);
    await at(page, '/signin');

    await expect.poll(async () => (await focused(page)).id).toBe('username');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'password' });
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Sign in' });
    await page.keyboard.press('Enter');

    await at(page, '/consent');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Allow' });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Deny' });
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');

    const callback = await at(page, '/callback', rp.origin);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('refuses to be framed: CSP frame-ancestors none, X-Frame-Options DENY, and the frame stays empty', async () => {
    const signin = `${issuer}/signin`;
    const response = await page.goto(signin);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');

    const refusals: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') refusals.push(message.text());
    });
    await page.goto(`${rp.origin}/frame?src=${encodeURIComponent(signin)}`);

    // The control frame (same origin as the app, no framing restriction) renders...
    const control = page.frameLocator('#control');
    await expect(control.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'App at /framed-control',
    );
    // ...the Tessera frame does not: Chromium shows its own blocked-page placeholder instead, with
    // none of the sign-in form, and logs the CSP violation.
    const tessera = await page
      .locator('#tessera')
      .elementHandle()
      .then((h) => h?.contentFrame());
    expect(tessera?.url()).toBe('chrome-error://chromewebdata/');
    const framed = page.frameLocator('#tessera');
    await expect(
      framed.locator('input[name="username"], input[name="password"], form').count(),
    ).resolves.toBe(0);
    await expect(framed.getByText('Sign in').count()).resolves.toBe(0);
    await expect
      .poll(() => refusals.join('\n'))
      .toMatch(/Framing 'http:\/\/127\.0\.0\.1:\d+\/' violates .*"frame-ancestors 'none'"/);
  });

  it('takes screenshots of every page at 1280×800 and 390×844', async () => {
    for (const [viewport, suffix] of [
      [desktop, ''],
      [mobile, '-mobile'],
    ] as const) {
      const shots = await browser.newContext({ viewport, isMobile: suffix !== '', hasTouch: suffix !== '' });
      shots.setDefaultTimeout(10_000);
      try {
        const p = await shots.newPage();
        await p.goto(authorization().url);
        await at(p, '/signin');
        await screenshot(p, `signin${suffix}`);

        await submitSignin(p, 'wrong password');
        await p.getByRole('alert').waitFor();
        await screenshot(p, `signin-error${suffix}`);

        await p.getByLabel('Password').fill('correct horse battery');
        await p.getByRole('button', { name: 'Sign in' }).click();
        await at(p, '/consent');
        await screenshot(p, `consent${suffix}`);
        // Deny, so the consent is not remembered for the next viewport.
        await p.getByRole('button', { name: 'Deny' }).click();
        await at(p, '/callback', rp.origin);

        const error = await p.goto(authorization('no-such-client').url);
        expect(error?.status()).toBe(400);
        await p.getByRole('heading', { name: 'This sign-in link is not valid' }).waitFor();
        await screenshot(p, `error${suffix}`);

        await p.goto(`${issuer}/oauth/logout`);
        await p.getByRole('heading', { name: 'Sign out?' }).waitFor();
        await screenshot(p, `logout-confirm${suffix}`);

        await p.getByRole('button', { name: 'Sign out' }).click();
        await p.getByRole('heading', { name: 'You are signed out' }).waitFor();
        await screenshot(p, `signed-out${suffix}`);
      } finally {
        await shots.close();
      }
    }
  });
});
