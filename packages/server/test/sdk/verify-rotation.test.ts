import { createVerifier } from '@tessera/verify';
import { decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { createMachineClient, startTestServer, type TestServer } from '../helpers/test-server.js';

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describeEachDialect('@tessera/verify across `keys rotate`', (dialect) => {
  let server: TestServer;
  let issuer: string;
  let worker: { clientId: string; clientSecret: string };

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    // A clock the test moves past the activation delay; it starts at real time, as jose's cooldown runs on it.
    server = await startTestServer(dialect, {
      env: { TESSERA_ISSUER: issuer },
      clock: new ManualClock(Date.now()),
    });
    await server.app.listen({ port, host: '127.0.0.1' });
    worker = await createMachineClient(server.services);
  });
  afterEach(() => server.close());

  async function token(): Promise<string> {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: worker.clientId,
        client_secret: worker.clientSecret,
      }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  it('a verifier that fetched the JWKS just before a rotation accepts the tokens signed right after it (issue 13)', async () => {
    const jwksFetches: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/oauth/jwks'))
        jwksFetches.push('jwks');
      return fetch(input, init);
    };
    const now = () => server.clock.now();
    // The default 30 s cooldown: before the fix, a new kid met within it was refused.
    const verifier = createVerifier({ issuer, audience: issuer, now, fetch: countingFetch });
    // A second API whose cooldown the test can wait out in real time.
    const quick = createVerifier({ issuer, audience: issuer, now, jwksCooldown: 1 });
    const before = await token();
    await expect(verifier.verify(before)).resolves.toMatchObject({ sub: worker.clientId });
    await expect(quick.verify(before)).resolves.toBeTruthy();
    expect(jwksFetches).toHaveLength(1);

    const [created] = (await server.services.keys.rotate({ actor: 'test' })).filter(
      (k) => k.use === 'access',
    );
    const rightAfter = await token();
    expect(kidOf(rightAfter)).toBe(kidOf(before));
    await expect(verifier.verify(rightAfter)).resolves.toMatchObject({ sub: worker.clientId });
    expect(jwksFetches).toHaveLength(1); // nothing new to fetch

    // The new key signs only once every verifier may refetch: here, once `quick`'s cooldown is over.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    server.clock.advance(server.services.keys.activationDelaySeconds);
    const after = await token();
    expect(kidOf(after)).toBe(created?.kid);
    await expect(quick.verify(after)).resolves.toMatchObject({ sub: worker.clientId });
    await expect(quick.verify(before)).resolves.toBeTruthy();
  });
});
