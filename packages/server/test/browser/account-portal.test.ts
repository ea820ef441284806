import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { authorizeUrl, pkcePair } from '../helpers/browser.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';
import { freePort } from '../helpers/listen.js';
import { basic, createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Written by the screenshot test and shown in README.md (as test/e2e/browser.test.ts does). */
const screenshotsDir = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
/**
 * axe-core's browser build, evaluated in the page through the DevTools protocol: a <script> tag
 * (page.addScriptTag) would be inline, which the pages' CSP rightly refuses.
 */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const desktop = { width: 1280, height: 800 };
const mobile = { width: 390, height: 844 };
const password = 'correct horse battery';

/** What axe reports of one violation (the members read here). */
interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly nodes: ReadonlyArray<{ readonly target: readonly unknown[] }>;
}

/** The members of a DOM element that `focused()` reads. */
interface FocusedElement {
  readonly tagName: string;
  readonly id: string;
  readonly textContent: string | null;
}

describeWithChromium('the account portal in Chromium [sqlite]', () => {
  let browser: Browser;
  let app: Server;
  /** The app of the connected-apps test: a loopback page its callback lands on. */
  let redirectUri: string;
  let server: TestServer;
  let issuer: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    app = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<title>App</title><h1>App</h1>');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
  });
  afterAll(async () => {
    await browser?.close();
    app?.closeAllConnections();
    await new Promise((resolve) => app?.close(resolve));
  });

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer('sqlite', {
      env: { TESSERA_ISSUER: issuer },
      clock: systemClock,
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice', password });
    await server.services.scopes.create('reports:read', { description: 'Read reports' }, { actor: 'test' });
    await server.services.scopes.create(
      'billing:admin',
      { description: 'Manage billing', restricted: true },
      { actor: 'test' },
    );
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
    await created.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: issuer });
    return created;
  }

  async function at(p: Page, pathname: string): Promise<URL> {
    await p.waitForURL((url) => url.origin === issuer && url.pathname === pathname);
    return new URL(p.url());
  }

  /** Opens /account, signs in on the form it is sent to, and comes back to /account. */
  async function signIn(p: Page): Promise<void> {
    await p.goto(`${issuer}/account`);
    await at(p, '/signin');
    await p.getByLabel('Username').fill('alice');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await at(p, '/account');
  }

  async function tokenRequest(clientId: string, secret: string, params: Record<string, string>) {
    return fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: basic(clientId, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  /** The secret shown once, and the id of the client it belongs to (its heading). */
  async function shownSecret(p: Page): Promise<{ clientId: string; secret: string }> {
    const heading = (await p.locator('#secret-heading').textContent()) ?? '';
    const secret = ((await p.locator('#new-secret').textContent()) ?? '').trim();
    return { clientId: heading.replace(/^Secret of /, '').trim(), secret };
  }

  async function expectNoSeriousAxeViolations(p: Page): Promise<void> {
    await p.evaluate(axeSource);
    const violations = await p.evaluate(async () => {
      // Runs in the page, where axe.min.js has just defined `axe`.
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

  function focused(p: Page) {
    return p.evaluate(() => {
      const { document } = globalThis as unknown as { document: { activeElement: FocusedElement | null } };
      const element = document.activeElement;
      return {
        tag: element?.tagName.toLowerCase(),
        id: element?.id ?? '',
        text: element?.textContent?.trim() ?? '',
      };
    });
  }

  it('/ sends a visitor to sign in, then to /account; the forms work with the keyboard alone', async () => {
    await page.goto(`${issuer}/`);
    const signin = await at(page, '/signin');
    expect(signin.searchParams.get('return_to')).toBe('/account');

    await expect.poll(async () => (await focused(page)).id).toBe('username');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await at(page, '/account');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your account');

    // Profile, by keyboard: focus the first name from the "Last name" label's field backwards.
    await page.getByLabel('Last name').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'first_name' });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Alicia');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Your profile is saved.' }).waitFor();
    expect((await server.services.users.get('alice')).firstName).toBe('Alicia');

    // A wrong current password is an alert, not a change.
    await page.getByLabel('Current password').fill('wrong password');
    await page.getByLabel('New password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'The current password is incorrect',
    );
  });

  it('creates a personal client whose secret is shown once and works with the password grant', async () => {
    await signIn(page);
    await page.getByRole('link', { name: 'Personal clients' }).click();
    await at(page, '/account/clients');
    await page.getByLabel('Name').fill('My laptop script');
    await page.getByRole('button', { name: 'Create client' }).click();

    const { clientId, secret } = await shownSecret(page);
    expect(secret).toMatch(/^\S{20,}$/);
    // The copy button is revealed by /assets/copy.js and copies the secret.
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();

    const granted = await tokenRequest(clientId, secret, {
      grant_type: 'password',
      username: 'alice',
      password,
    });
    expect(granted.status).toBe(200);
    expect(await granted.json()).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });

    // Reloaded, the page lists the client and never shows the secret again.
    await page.goto(`${issuer}/account/clients`);
    await expect(page.locator('.client-id').allTextContents()).resolves.toEqual([clientId]);
    expect(await page.content()).not.toContain(secret);
  });

  it('creates an API key, rotates it with an overlap (both secrets work), revokes it (401)', async () => {
    await signIn(page);
    await page.goto(`${issuer}/account/keys`);
    // Restricted and sign-in scopes are not offered.
    await expect(
      page
        .locator('input[name="scopes"]')
        .evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value)),
    ).resolves.toEqual(['reports:read']);
    await page.getByLabel('Name').fill('Nightly export');
    await page.getByLabel(/reports:read/).check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const first = await shownSecret(page);

    const credentials = { grant_type: 'client_credentials', scope: 'reports:read' };
    expect((await tokenRequest(first.clientId, first.secret, credentials)).status).toBe(200);

    await page.getByLabel('Old secret keeps working').selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('status').filter({ hasText: 'The secret is rotated' }).waitFor();
    const second = await shownSecret(page);
    expect(second.clientId).toBe(first.clientId);
    expect(second.secret).not.toBe(first.secret);
    await expect(page.getByText('Previous secret').count()).resolves.toBe(1);

    expect((await tokenRequest(first.clientId, first.secret, credentials)).status).toBe(200);
    expect((await tokenRequest(first.clientId, second.secret, credentials)).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('status').filter({ hasText: 'The API key is revoked' }).waitFor();
    expect((await tokenRequest(first.clientId, first.secret, credentials)).status).toBe(401);
    expect((await tokenRequest(first.clientId, second.secret, credentials)).status).toBe(401);
    await expect(page.locator('.client-id').count()).resolves.toBe(0);
  });

  it('removing an app’s access brings its consent page back on its next sign-in', async () => {
    const issued = await server.services.clients.create(
      { name: 'Agents App', type: 'public', redirectUris: [redirectUri], scopes: ['openid', 'profile'] },
      { actor: 'test' },
    );
    const authorize = () =>
      `${issuer}${authorizeUrl({
        response_type: 'code',
        client_id: issued.client.id,
        redirect_uri: redirectUri,
        scope: 'openid profile',
        state: 's',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      })}`;
    const callback = () => page.waitForURL((url) => url.href.startsWith(redirectUri));

    await page.goto(authorize());
    await at(page, '/signin');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await at(page, '/consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await callback();

    // Remembered: the next sign-in goes straight back to the app.
    await page.goto(authorize());
    await callback();

    await page.goto(`${issuer}/account/apps`);
    await page.getByText('Agents App').waitFor();
    await page.getByRole('button', { name: 'Remove access' }).click();
    await page.getByRole('status').filter({ hasText: 'access is removed' }).waitFor();
    await expect(page.getByText('No app has access to your account.').count()).resolves.toBe(1);

    await page.goto(authorize());
    await at(page, '/consent');
  });

  it('signs out another session, and everywhere else', async () => {
    await signIn(page);
    const other = await newContext(desktop);
    try {
      const otherPage = await other.newPage();
      await signIn(otherPage);
      const third = await newContext(desktop);
      const thirdPage = await third.newPage();
      await signIn(thirdPage);

      await page.goto(`${issuer}/account/sessions`);
      await expect(page.getByRole('button', { name: 'Sign out', exact: true }).count()).resolves.toBe(3);
      // Sign out the oldest session (the list is newest first): `page`'s own is the last one.
      await page.getByRole('button', { name: 'Sign out', exact: true }).nth(1).click();
      await page.getByRole('status').filter({ hasText: 'The session is signed out.' }).waitFor();
      await expect(page.getByRole('button', { name: 'Sign out', exact: true }).count()).resolves.toBe(2);

      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await page.getByRole('status').filter({ hasText: 'Every other session is signed out.' }).waitFor();
      await expect(page.getByRole('button', { name: 'Sign out', exact: true }).count()).resolves.toBe(1);
      await expect(page.getByText('This browser').count()).resolves.toBe(1);

      for (const p of [otherPage, thirdPage]) {
        await p.goto(`${issuer}/account`);
        await at(p, '/signin');
      }
      await third.close();
    } finally {
      await other.close();
    }
  });

  it('passes axe on every account page and takes their screenshots at 1280×800 and 390×844', async () => {
    await server.services.clients.create(
      { name: 'Agents App', type: 'public', redirectUris: [redirectUri], scopes: ['openid', 'profile'] },
      { actor: 'test' },
    );
    mkdirSync(screenshotsDir, { recursive: true });
    for (const [viewport, suffix] of [
      [desktop, ''],
      [mobile, '-mobile'],
    ] as const) {
      const shots = await newContext(viewport);
      try {
        const p = await shots.newPage();
        await signIn(p);
        const shoot = async (name: string) => {
          await expectNoSeriousAxeViolations(p);
          await p.screenshot({
            path: `${screenshotsDir}${name}${suffix}.png`,
            fullPage: true,
            animations: 'disabled',
          });
        };
        await shoot('account-profile');

        await p.goto(`${issuer}/account/sessions`);
        await shoot('account-sessions');

        await p.goto(`${issuer}/account/apps`);
        await shoot('account-apps');

        await p.goto(`${issuer}/account/clients`);
        await p.getByLabel('Name').fill('My laptop script');
        await p.getByRole('button', { name: 'Create client' }).click();
        await p.locator('#new-secret').waitFor();
        await shoot('account-clients');

        await p.goto(`${issuer}/account/keys`);
        await p.getByLabel('Name').fill(`Nightly export${suffix}`);
        await p.getByLabel(/reports:read/).check();
        await p.getByRole('button', { name: 'Create API key' }).click();
        const key = await shownSecret(p);
        const credentials = { grant_type: 'client_credentials', scope: 'reports:read' };
        for (const secret of [key.secret, key.secret, key.secret, 'wrong-secret']) {
          await tokenRequest(key.clientId, secret, credentials);
        }
        // Usage is written in batches; write it now, so the chart and "last used" show it.
        await server.services.usage.flush();
        await p.goto(`${issuer}/account/keys`);
        await expect(p.locator('desc').last().textContent()).resolves.toContain('3 granted, 1 refused');
        await shoot('account-keys');
      } finally {
        await shots.close();
      }
    }
  });
});
