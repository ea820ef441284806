import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usageChart } from '../../src/http/pages/templates/account/usage-chart.js';
import { hiddenField, TestBrowser } from '../helpers/browser.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

describe('account pages over inject [sqlite]', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer('sqlite');
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(() => server.close());

  async function signIn(browser: TestBrowser, returnTo: string) {
    const form = await browser.get(`/signin?return_to=${encodeURIComponent(returnTo)}`);
    return browser.post('/signin', {
      csrf_token: hiddenField(form.body, 'csrf_token'),
      username: 'alice',
      password: 'correct horse battery',
      return_to: returnTo,
    });
  }

  it('sends / and an anonymous /account to the sign-in page, which comes back to /account', async () => {
    const browser = new TestBrowser(server.app);
    expect(await browser.get('/')).toMatchObject({ status: 303, location: '/account' });
    expect(await browser.get('/account/keys')).toMatchObject({
      status: 303,
      location: '/signin?return_to=%2Faccount',
    });
    const form = await browser.get('/signin?return_to=%2Faccount');
    expect(hiddenField(form.body, 'return_to')).toBe('/account');
    expect(await signIn(browser, '/account')).toMatchObject({ status: 303, location: '/account' });
    const page = await browser.get('/account');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('never redirects to a return_to outside its fixed list (no open redirect)', async () => {
    for (const target of [
      'https://evil.example/',
      '//evil.example',
      '/account/../oauth/logout',
      '/accounts',
    ]) {
      const browser = new TestBrowser(server.app);
      expect((await browser.get(`/signin?return_to=${encodeURIComponent(target)}`)).body).not.toContain(
        'name="return_to"',
      );
      const signedIn = await signIn(browser, target);
      expect(signedIn.status).toBe(200);
      expect(signedIn.location).toBeUndefined();
      expect(signedIn.body).toContain('You are signed in as alice.');
    }
  });

  it('refuses a form post without the CSRF token before doing anything', async () => {
    const browser = new TestBrowser(server.app);
    await signIn(browser, '/account');
    const refused = await browser.post('/account/profile', { first_name: 'Mallory' });
    expect(refused.status).toBe(403);
    expect((await server.services.users.get('alice')).firstName).not.toBe('Mallory');
  });

  it('shows a refusal of the domain (an unknown scope) as an alert on the page, not a 500', async () => {
    const browser = new TestBrowser(server.app);
    await signIn(browser, '/account');
    const page = await browser.get('/account/keys');
    const refused = await browser.post('/account/keys', {
      csrf_token: hiddenField(page.body, 'csrf_token'),
      name: 'Key',
      scopes: 'no-such-scope',
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('role="alert"');
    expect(refused.body).toContain('Unknown scope &#39;no-such-scope&#39;.');
  });
});

describe('usage chart', () => {
  it('escapes the name and carries every number in its description and table', () => {
    const markup = usageChart({
      id: 'u',
      name: '<script>x</script>',
      days: [
        { date: '2026-11-22', granted: 2, refused: 0 },
        { date: '2026-11-23', granted: 5, refused: 1 },
      ],
    }).toString();
    expect(markup).not.toContain('<script>');
    expect(markup).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(markup).toContain('2 days from 2026-11-22 to 2026-11-23: 7 granted, 1 refused.');
    expect(markup).toContain('<tr><th scope="row">2026-11-23</th><td>5</td><td>1</td></tr>');
    expect(markup).toMatch(/role="img" aria-labelledby="u-title u-desc"/);
  });
});
