import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';
import { freePort } from '../helpers/listen.js';
import { basic, createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Written by the screenshot test and shown in README.md (as test/e2e/browser.test.ts does). */
const screenshotsDir = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
/** axe-core's browser build, evaluated through the DevTools protocol (the CSP refuses an inline script tag). */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const desktop = { width: 1280, height: 800 };
const mobile = { width: 390, height: 844 };
const password = 'correct horse battery';

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly nodes: ReadonlyArray<{ readonly target: readonly unknown[] }>;
}

describeWithChromium('the admin console in Chromium [sqlite]', () => {
  let browser: Browser;
  let server: TestServer;
  let issuer: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer('sqlite', {
      env: { TESSERA_ISSUER: issuer, TESSERA_USAGE_FLUSH_INTERVAL: '1' },
      clock: systemClock,
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'root', password, isAdmin: true });
    await createPerson(server.services, { username: 'alice', password });
    context = await newContext(desktop);
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  async function newContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
    const isMobile = viewport.width < 500;
    const created = await browser.newContext({ viewport, isMobile, hasTouch: isMobile });
    created.setDefaultTimeout(10_000); // fail on the step that hangs, before Vitest's 30 s
    return created;
  }

  async function at(p: Page, pathname: string): Promise<URL> {
    await p.waitForURL((url) => url.origin === issuer && url.pathname === pathname);
    return new URL(p.url());
  }

  /** Opens /admin, signs in on the form it is sent to, and waits to land where the console sends it. */
  async function signIn(p: Page, username: string): Promise<void> {
    await p.goto(`${issuer}/admin`);
    const signin = await at(p, '/signin');
    expect(signin.searchParams.get('return_to')).toBe('/admin');
    await p.getByLabel('Username').fill(username);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await at(p, '/admin');
  }

  async function expectNoSeriousAxeViolations(p: Page): Promise<void> {
    await p.evaluate(axeSource);
    const violations = await p.evaluate(async () => {
      const { axe } = globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } };
      const result = await axe.run();
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.map((n) => n.target),
      }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  }

  function me(token: string): Promise<Response> {
    return fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
  }

  it('sends a visitor to sign in and back; a signed-in non-admin gets a 403 page; forms need the CSRF token', async () => {
    const anonymous = await fetch(`${issuer}/admin/users`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/signin?return_to=%2Fadmin');

    await page.goto(`${issuer}/admin`);
    await at(page, '/signin');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(password);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/admin'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(answer.status()).toBe(403);
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(answer.headers()['content-type']).toContain('text/html');
    const users = await page.goto(`${issuer}/admin/users`);
    expect(users?.status()).toBe(403);
    await expectNoSeriousAxeViolations(page);

    // A cross-site form (no CSRF token) is refused before any handler runs.
    const admin = await newContext(desktop);
    try {
      const p = await admin.newPage();
      await signIn(p, 'root');
      const refused = await p.evaluate(async (url) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'name=sneaky',
        });
        return response.status;
      }, `${issuer}/admin/scopes`);
      expect(refused).toBe(403);
      expect(await server.services.scopes.find('sneaky')).toBeUndefined();
    } finally {
      await admin.close();
    }
  });

  it('an admin creates a user and a service-account token, then disables the account: the token is refused on /me', async () => {
    await signIn(page, 'root');

    await page.getByRole('link', { name: 'Users' }).click();
    await at(page, '/admin/users');
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Email').fill('bob@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Generated password').waitFor();
    const generated = ((await page.locator('code.secret').textContent()) ?? '').trim();
    expect(generated.length).toBeGreaterThan(10);
    expect(page.url()).not.toContain(generated);
    const login = await fetch(`${issuer}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: generated }),
    });
    expect(login.status).toBe(200);

    await page.getByLabel('Search users').fill('bo');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('link', { name: 'bob' }).count()).resolves.toBe(1);
    await expect(page.getByRole('link', { name: 'alice' }).count()).resolves.toBe(0);

    await page.getByRole('link', { name: 'Service accounts' }).click();
    await at(page, '/admin/service-accounts');
    await page.getByLabel('Name').fill('nightly-export');
    await page.getByRole('button', { name: 'Create service account' }).click();
    await page.getByRole('status').filter({ hasText: 'service account is created' }).waitFor();
    const accountPage = new URL(page.url()).pathname;
    expect(accountPage).toMatch(/^\/admin\/users\/[^/]+$/);

    await page.getByLabel(/Valid for/).fill('30');
    await page.getByRole('button', { name: 'Issue a token' }).click();
    await page.locator('code.secret').first().waitFor();
    const token = ((await page.locator('code.secret').first().textContent()) ?? '').trim();
    expect(page.url()).not.toContain(token);
    const before = await me(token);
    expect(before.status).toBe(200);
    expect(((await before.json()) as { username: string }).username).toBe('nightly-export');

    await page.goto(`${issuer}${accountPage}`);
    await expect(page.getByRole('cell', { name: 'Valid' }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('status').filter({ hasText: 'The account is disabled' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(accountPage);
    await expect(page.getByText('Disabled', { exact: true }).count()).resolves.toBeGreaterThan(0);

    const after = await me(token);
    expect(after.status).toBe(401);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Type').fill('user.*');
    // The admin's own actions: bob's creation and the disabling (not the people the test set up).
    await page.getByLabel('Actor').fill(`user:${(await server.services.users.get('root')).id}`);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByRole('rowheader', { name: 'user.disabled' }).count()).resolves.toBe(1);
    await expect(page.getByRole('rowheader', { name: 'user.created' }).count()).resolves.toBe(1);
  });

  it('passes axe on every admin page and takes their screenshots at 1280×800 and 390×844', async () => {
    const { client, secret } = await server.services.clients.create(
      { name: 'Reporting service', type: 'confidential', grantTypes: ['client_credentials'] },
      { actor: 'test' },
    );
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: basic(client.id, secret ?? ''),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
    }
    await server.services.usage.flush();
    const account = await server.services.users.createServiceAccount(
      { name: 'ci-deployer' },
      { actor: 'test' },
    );
    await server.services.users.issueServiceToken({ id: account.id }, 90, { actor: 'test' });
    // One failed sign-in, for the chart.
    await fetch(`${issuer}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'wrong password' }),
    });

    mkdirSync(screenshotsDir, { recursive: true });
    for (const [viewport, suffix] of [
      [desktop, ''],
      [mobile, '-mobile'],
    ] as const) {
      const shots = await newContext(viewport);
      try {
        const p = await shots.newPage();
        await signIn(p, 'root');
        const shoot = async (name: string) => {
          await expectNoSeriousAxeViolations(p);
          await p.screenshot({
            path: `${screenshotsDir}${name}${suffix}.png`,
            fullPage: true,
            animations: 'disabled',
          });
        };
        await expect(p.locator('#tokens-desc').textContent()).resolves.toMatch(/^3 in total/);
        await expect(p.locator('#failures-desc').textContent()).resolves.toMatch(/^1 in total/);
        await shoot('admin-overview');
        await p.goto(`${issuer}/admin/users`);
        await shoot('admin-users');
        await p.goto(`${issuer}/admin/users/${account.id}`);
        await shoot('admin-user');
        await p.goto(`${issuer}/admin/clients`);
        await p.getByRole('button', { name: 'Rotate the secret of Reporting service' }).click();
        await p.locator('code.secret').waitFor();
        await shoot('admin-clients');
        await p.goto(`${issuer}/admin/scopes`);
        await shoot('admin-scopes');
        await p.goto(`${issuer}/admin/service-accounts`);
        await shoot('admin-service-accounts');
        await p.goto(`${issuer}/admin/keys`);
        await p.getByRole('button', { name: 'Rotate signing keys' }).click();
        await p.getByRole('status').filter({ hasText: 'New signing keys' }).waitFor();
        await shoot('admin-keys');
        await p.goto(`${issuer}/admin/audit`);
        await shoot('admin-audit');
      } finally {
        await shots.close();
      }
    }
  });
});
