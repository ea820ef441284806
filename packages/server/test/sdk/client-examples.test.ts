import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSessionClient, type SignedOutEvent } from '@tessera/client';
import { createFileStore } from '@tessera/client/file-store';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';
import { freePort } from '../helpers/listen.js';
import {
  createMachineClient,
  createPerson,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const run = promisify(execFile);
const serveScript = `${root}examples/spa/serve.mjs`;

/**
 * The examples import the built packages by name (the SPA serves packages/client/dist to the
 * browser): bring dist up to date first, incremental and fast when it already is. Done once, here,
 * so no two test files ever write dist at the same time.
 */
function buildSdks(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const sdk of ['verify', 'client']) {
    execFileSync(process.execPath, [tsc, '-p', `${root}packages/${sdk}`], { stdio: 'pipe' });
  }
}

/** Runs one example program to completion, as its README says. */
function example(script: string, args: string[], env: Record<string, string>) {
  return run(process.execPath, [`${root}examples/${script}`, ...args], {
    env: { ...process.env, ...env },
    timeout: 15_000,
  });
}

/** Starts examples/spa/serve.mjs as its README says, and waits for its "listening" line. */
async function startSpa(port: number, issuer: string, clientId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [serveScript], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      TESSERA_ISSUER: issuer,
      TESSERA_CLIENT_ID: clientId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start:\n${output}`)), 10_000);
    const read = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes('SPA listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`serve.mjs exited (${code}):\n${output}`)));
  });
  return child;
}

beforeAll(buildSdks);

describe('the Node examples (examples/node-cli, fastify-api, m2m-worker) against a listening Tessera [sqlite]', () => {
  let server: TestServer;
  let issuer: string;
  let api: ChildProcess;
  let apiUrl: string;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tessera-examples-'));
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer('sqlite', { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    api = spawn(process.execPath, [`${root}examples/fastify-api/server.mjs`], {
      env: { ...process.env, TESSERA_ISSUER: issuer, PORT: String(apiPort), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes('Agents API listening')) resolve();
      };
      api.stdout?.on('data', read);
      api.stderr?.on('data', read);
      api.once('exit', (code) => reject(new Error(`fastify-api exited (${code}):\n${output}`)));
    });
  });
  afterAll(async () => {
    api?.kill();
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('node-cli logs in once, calls the API across runs with the stored session, and logs out', async () => {
    const env = {
      TESSERA_URL: issuer,
      TESSERA_TOKEN_FILE: join(scratch, 'cli', 'tokens.json'),
      API_ORIGINS: apiUrl,
    };
    const login = await example('node-cli/cli.mjs', ['login', 'alice'], {
      ...env,
      TESSERA_PASSWORD: 'correct horse battery',
    });
    expect(login.stdout).toContain('Signed in as alice');
    const alice = await server.services.users.get('alice');
    const whoami = await example('node-cli/cli.mjs', ['call', `${apiUrl}/whoami`], env);
    expect(whoami.stdout).toContain('200 OK');
    expect(whoami.stdout).toContain(`"sub":"${alice.id}"`);
    // A session token carries no API scopes: the scope-protected route says so.
    const agents = await example('node-cli/cli.mjs', ['call', `${apiUrl}/agents`], env).catch((e) => e);
    expect(agents).toMatchObject({ code: 1, stdout: expect.stringContaining('insufficient_scope') });
    await example('node-cli/cli.mjs', ['logout'], env);
    const after = await example('node-cli/cli.mjs', ['me'], env).catch((e) => e);
    expect(after).toMatchObject({ code: 1, stderr: expect.stringContaining('NOT_SIGNED_IN') });
  });

  it('node-cli: the token goes only to API_ORIGINS; another process hears its logout through the file store', async () => {
    const tokenFile = join(scratch, 'watched', 'tokens.json');
    const env = { TESSERA_URL: issuer, TESSERA_TOKEN_FILE: tokenFile };
    await example('node-cli/cli.mjs', ['login', 'alice'], {
      ...env,
      TESSERA_PASSWORD: 'correct horse battery',
    });
    const elsewhere = await example('node-cli/cli.mjs', ['call', `${apiUrl}/whoami`], env).catch((e) => e);
    expect(elsewhere).toMatchObject({ code: 1, stderr: expect.stringContaining('ORIGIN_NOT_ALLOWED') });

    // This test process plays a second app on the same token file (issue 13, events).
    const watching = createSessionClient({ baseUrl: issuer, store: createFileStore(tokenFile) });
    const events: SignedOutEvent[] = [];
    watching.on('signedOut', (event) => events.push(event));
    await expect(watching.me()).resolves.toMatchObject({ username: 'alice' });
    await example('node-cli/cli.mjs', ['logout'], env);
    await expect.poll(() => events).toEqual([{ reason: 'signed-out', elsewhere: true }]);
  });

  it('m2m-worker gets client-credentials tokens and calls the scope-protected API', async () => {
    const worker = await createMachineClient(server.services, { scopes: ['read:agents', 'write:agents'] });
    const { stdout } = await example('m2m-worker/worker.mjs', [], {
      TESSERA_ISSUER: issuer,
      TESSERA_CLIENT_ID: worker.clientId,
      TESSERA_CLIENT_SECRET: worker.clientSecret,
      API_URL: apiUrl,
      RUNS: '2',
      INTERVAL_SECONDS: '0',
    });
    expect(stdout).toContain(
      `POST /agents → 201 {"id":2,"name":"worker-run-1","owner":"${worker.clientId}"}`,
    );
    expect(stdout).toContain('GET /agents → 200 3 agents');
  });
});

/** Page-side snippets are strings: the server's tsconfig has no DOM lib, and they run in Chromium anyway. */
const rawIndexedDbRecord = `(async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('tessera');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const get = (key) => new Promise((resolve, reject) => {
    const request = db.transaction('tokens').objectStore('tokens').get(key);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const { clientId: name } = await (await fetch('/config.json')).json();
  const sealed = await get(name);
  const key = await get(name + ':key');
  db.close();
  return {
    ciphertext: sealed === undefined ? null : Array.from(new Uint8Array(sealed.data), (b) => String.fromCharCode(b)).join(''),
    ivLength: sealed?.iv.length ?? null,
    key: key === undefined ? null : { type: key.type, extractable: key.extractable, algorithm: key.algorithm.name },
    accessToken: await window.tessera.client.getAccessToken().catch(() => null),
  };
})()`;

interface RawRecord {
  readonly ciphertext: string | null;
  readonly ivLength: number | null;
  readonly key: { type: string; extractable: boolean; algorithm: string } | null;
  readonly accessToken: string | null;
}

describeWithChromium('@tessera/client in the example SPA (examples/spa), driven by Chromium [sqlite]', () => {
  let browser: Browser;
  let server: TestServer;
  let spa: ChildProcess | undefined;
  let spaOrigin: string;
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
    server = await startTestServer('sqlite', { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
    const spaPort = await freePort();
    spaOrigin = `http://127.0.0.1:${spaPort}`;
    const { client } = await server.services.clients.create(
      {
        name: 'Example SPA',
        type: 'public',
        redirectUris: [`${spaOrigin}/callback`],
        postLogoutRedirectUris: [`${spaOrigin}/`],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
      },
      { actor: 'test' },
    );
    spa = await startSpa(spaPort, issuer, client.id);
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    spa?.kill();
    spa = undefined;
    await server?.close();
  });

  const status = (p: Page) => p.getByRole('status');

  it('signs in with PKCE, keeps the session across a reload (encrypted at rest), shares one refresh between tabs, signs out', async () => {
    const refreshGrants: string[] = [];
    context.on('request', (request) => {
      if (
        // Straight to Tessera (it answers CORS for the SPA's origin): no proxy of the app's.
        request.url() === `${issuer}/oauth/token` &&
        /grant_type=refresh_token/.test(request.postData() ?? '')
      ) {
        refreshGrants.push(request.url());
      }
    });

    await page.goto(spaOrigin);
    await expect.poll(() => status(page).textContent()).toBe('Signed out');
    await page.locator('#sign-in').click();
    await page.waitForURL((url) => url.origin === issuer && url.pathname === '/signin');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === issuer && url.pathname === '/consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${spaOrigin}/`); // the callback was handled and left the address bar
    await expect.poll(() => status(page).textContent()).toBe('Signed in as alice');
    const output = JSON.parse((await page.locator('#output').textContent()) ?? '{}');
    const alice = await server.services.users.get('alice');
    expect(output.id_token_claims).toMatchObject({ iss: issuer, sub: alice.id });

    // Nothing readable at rest: no localStorage, no pending request left, ciphertext in IndexedDB.
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    const raw = (await page.evaluate(rawIndexedDbRecord)) as RawRecord;
    expect(raw.key).toEqual({ type: 'secret', extractable: false, algorithm: 'AES-GCM' });
    expect(raw.ivLength).toBe(12);
    expect(raw.accessToken).toEqual(expect.any(String));
    expect(raw.ciphertext).not.toContain((raw.accessToken as string).slice(-32));
    expect(raw.ciphertext).not.toContain('refreshToken');

    await page.reload();
    await expect.poll(() => status(page).textContent()).toBe('Signed in as alice');

    // Two tabs refresh at once. Both queue on the Web Lock (held here until both wait), then the
    // second finds the first one's new tokens in the store: one refresh-token grant in all.
    const other = await context.newPage();
    await other.goto(spaOrigin);
    await expect.poll(() => status(other).textContent()).toBe('Signed in as alice');
    await page.evaluate(`new Promise((acquired) => navigator.locks.request(window.tessera.client.lockName, () => {
      acquired();
      return new Promise((release) => { window.releaseRefreshLock = release; });
    }))`);
    const refreshed = Promise.all(
      [page, other].map((p) => p.evaluate('window.tessera.client.refresh().then((t) => t.accessToken)')),
    );
    await expect
      .poll(() =>
        page.evaluate(
          'navigator.locks.query().then((s) => s.pending.filter((l) => l.name === window.tessera.client.lockName).length)',
        ),
      )
      .toBe(2);
    await page.evaluate('window.releaseRefreshLock()');
    const [fromFirst, fromSecond] = await refreshed;
    expect(fromFirst).toBe(fromSecond);
    expect(fromFirst).not.toBe(raw.accessToken);
    expect(refreshGrants).toHaveLength(1);

    // Sign-out revokes (a cross-origin call), then goes through Tessera's end_session and back.
    await page.locator('#sign-out').click();
    await expect.poll(() => status(page).textContent(), { timeout: 10_000 }).toBe('Signed out');
    expect(page.url()).toBe(`${spaOrigin}/`);
    // The other tab heard of it at once (signedOut event over a BroadcastChannel), without a click.
    await expect.poll(() => status(other).textContent()).toBe('Signed out');
    expect(((await page.evaluate(rawIndexedDbRecord)) as RawRecord).ciphertext).toBeNull();
  });
});
