import { describe, expect, it } from 'vitest';
import { type ConsentView, consentPage } from './consent.js';
import { errorPage } from './error.js';
import { escapeHtml } from './escape.js';
import { layout } from './layout.js';
import { logoutConfirmPage, signedOutPage } from './logout.js';
import { type SigninView, signinPage } from './signin.js';

const hostile = '<img src=x onerror=alert(1)>';
const hostileEscaped = '&lt;img src=x onerror=alert(1)&gt;';
const quoted = `o'brien "the admin"`;
const quotedEscaped = 'o&#39;brien &quot;the admin&quot;';

const signinView: SigninView = {
  action: '/signin',
  csrfToken: 'csrf-123',
  returnTo: '/authorize?client_id=app&state=a%26b',
  username: '',
  error: null,
  clientName: null,
};

const consentView: ConsentView = {
  action: '/consent',
  csrfToken: 'csrf-123',
  returnTo: '/authorize?client_id=app',
  clientName: 'Example App',
  username: 'alice',
  scopes: [
    { name: 'openid', description: 'Confirm who you are' },
    { name: 'email', description: 'See your email address' },
  ],
};

const logoutView = {
  action: '/logout',
  csrfToken: 'csrf-123',
  hidden: { post_logout_redirect_uri: 'https://app.example/bye', state: 'xyz' },
};

const pages: ReadonlyArray<readonly [string, string]> = [
  ['layout', layout({ title: 'Test', body: '<h1>Test</h1>' })],
  ['signin', signinPage(signinView)],
  [
    'signin with client and error',
    signinPage({ ...signinView, clientName: 'App', error: 'invalid_credentials' }),
  ],
  ['signin disabled', signinPage({ ...signinView, error: 'account_disabled' })],
  ['consent', consentPage(consentView)],
  ['consent without scopes', consentPage({ ...consentView, scopes: [] })],
  ['error', errorPage({ title: 'Something went wrong', message: 'Try again later.' })],
  ['logout confirm', logoutConfirmPage(logoutView)],
  ['signed out', signedOutPage()],
];

function count(html: string, pattern: RegExp): number {
  return html.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
}

/** The opening tag of the element with the given id. */
function tagWithId(html: string, id: string): string {
  const match = html.match(new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`));
  if (match === null) throw new Error(`no element with id="${id}"`);
  return match[0];
}

/** The opening tag of the input with the given name. */
function inputNamed(html: string, name: string): string {
  const match = html.match(new RegExp(`<input\\b[^>]*\\bname="${name}"[^>]*>`));
  if (match === null) throw new Error(`no input named ${name}`);
  return match[0];
}

describe('escapeHtml', () => {
  it('escapes & < > " and \'', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('escapes an existing entity again rather than trusting it', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('leaves other text alone', () => {
    expect(escapeHtml('Grüße, world · 100%')).toBe('Grüße, world · 100%');
  });
});

describe.each(pages)('%s page', (_name, html) => {
  it('is a full HTML document in English', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toMatch(/<title>[^<]+ · Tessera<\/title>/);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('has exactly one <h1> and one <main>', () => {
    expect(count(html, /<h1[\s>]/)).toBe(1);
    expect(count(html, /<main[\s>]/)).toBe(1);
    expect(count(html, /<\/main>/)).toBe(1);
  });

  it('links the stylesheet and nothing external', () => {
    expect(html).toContain('<link rel="stylesheet" href="/assets/tessera.css">');
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//i);
    expect(html).not.toContain('<img');
  });

  it('has no script, inline style or event handler (CSP default-src self)', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it('gives every visible input a label', () => {
    const inputs = html.match(/<input\b[^>]*>/g) ?? [];
    for (const input of inputs.filter((tag) => !tag.includes('type="hidden"'))) {
      const id = input.match(/\bid="([^"]+)"/)?.[1];
      expect(id, input).toBeDefined();
      expect(html).toContain(`<label for="${id}">`);
    }
  });

  it('posts every form to its action with a CSRF token', () => {
    const forms = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
    for (const form of forms) {
      expect(form).toMatch(/^<form method="post" action="[^"]+"/);
      expect(form).toContain('<input type="hidden" name="csrf_token" value="csrf-123">');
    }
  });
});

describe('signinPage', () => {
  it('has username and password inputs with matching labels, and a Sign in button', () => {
    const html = signinPage(signinView);
    const username = inputNamed(html, 'username');
    const password = inputNamed(html, 'password');
    expect(username).toContain('type="text"');
    expect(username).toContain('id="username"');
    expect(username).toContain('autocomplete="username"');
    expect(password).toContain('type="password"');
    expect(password).toContain('id="password"');
    expect(password).toContain('autocomplete="current-password"');
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);
    expect(html).toContain('<form method="post" action="/signin"');
    expect(inputNamed(html, 'return_to')).toContain('value="/authorize?client_id=app&amp;state=a%26b"');
  });

  it('puts the form fields in focus order username, password, button', () => {
    const html = signinPage(signinView);
    const username = html.indexOf('name="username"');
    const password = html.indexOf('name="password"');
    const button = html.indexOf('<button');
    expect(username).toBeGreaterThan(0);
    expect(password).toBeGreaterThan(username);
    expect(button).toBeGreaterThan(password);
    expect(html).not.toContain('tabindex');
  });

  it('focuses the username and shows no error without an error', () => {
    const html = signinPage(signinView);
    expect(inputNamed(html, 'username')).toContain(' autofocus');
    expect(inputNamed(html, 'password')).not.toContain('autofocus');
    expect(html).not.toContain('role="alert"');
    expect(html).not.toContain('aria-describedby');
    expect(html).not.toContain('continue to');
  });

  it.each([
    ['invalid_credentials', 'Wrong username or password.'],
    ['account_disabled', 'This account is disabled. Contact your administrator.'],
  ] as const)('announces %s as an alert that describes the focused password field', (error, text) => {
    const html = signinPage({ ...signinView, username: 'alice', error });
    const alert = tagWithId(html, 'signin-error');
    expect(alert).toContain('role="alert"');
    expect(html).toMatch(
      new RegExp(`id="signin-error"[^>]*><strong>Error:</strong> ${text.replace('.', '\\.')}</`),
    );
    const password = inputNamed(html, 'password');
    expect(password).toContain('aria-describedby="signin-error"');
    expect(password).toContain(' autofocus');
    expect(inputNamed(html, 'username')).not.toContain('autofocus');
    expect(inputNamed(html, 'username')).toContain('value="alice"');
    expect(count(html, /\sautofocus/)).toBe(1);
  });

  it('names the client when there is one', () => {
    expect(signinPage({ ...signinView, clientName: 'Example App' })).toContain(
      'to continue to <strong>Example App</strong>',
    );
  });

  it('escapes every interpolated value', () => {
    const html = signinPage({
      action: `/signin?x="${hostile}`,
      csrfToken: quoted,
      returnTo: hostile,
      username: quoted,
      error: 'invalid_credentials',
      clientName: hostile,
    });
    expect(html).not.toContain(hostile);
    expect(html).not.toContain(quoted);
    expect(html).toContain(`to continue to <strong>${hostileEscaped}</strong>`);
    expect(inputNamed(html, 'username')).toContain(`value="${quotedEscaped}"`);
    expect(inputNamed(html, 'csrf_token')).toContain(`value="${quotedEscaped}"`);
    expect(inputNamed(html, 'return_to')).toContain(`value="${hostileEscaped}"`);
    expect(html).toContain(`action="/signin?x=&quot;${hostileEscaped}"`);
  });
});

describe('consentPage', () => {
  it('asks on behalf of the client and names the signed-in user', () => {
    const html = consentPage(consentView);
    expect(html).toContain('<h1>Example App wants to access your account</h1>');
    expect(html).toContain('Signed in as <strong>alice</strong>');
    expect(html).toContain('You can withdraw access later in your account settings.');
  });

  it('lists the scopes by description with the raw name in <code>', () => {
    const html = consentPage(consentView);
    expect(html).toMatch(/Confirm who you are<\/span> <code[^>]*>openid<\/code>/);
    expect(html).toMatch(/See your email address<\/span> <code[^>]*>email<\/code>/);
    expect(html.indexOf('openid')).toBeLessThan(html.indexOf('>email<'));
  });

  it('leaves out the list when no scopes are requested', () => {
    const html = consentPage({ ...consentView, scopes: [] });
    expect(html).not.toContain('<ul');
    expect(html).not.toContain('This will allow');
  });

  it('has one form with Allow (first, primary) and Deny buttons named decision', () => {
    const html = consentPage(consentView);
    expect(count(html, /<form\b/)).toBe(1);
    expect(html).toContain('<form method="post" action="/consent"');
    expect(inputNamed(html, 'return_to')).toContain('value="/authorize?client_id=app"');
    const allow = html.match(/<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/);
    const deny = html.match(/<button type="submit" name="decision" value="deny"[^>]*>Deny<\/button>/);
    expect(allow?.[0]).toContain('button-primary');
    expect(deny?.[0]).toContain('button-secondary');
    expect(html.indexOf('value="allow"')).toBeLessThan(html.indexOf('value="deny"'));
  });

  it('escapes every interpolated value', () => {
    const html = consentPage({
      action: hostile,
      csrfToken: quoted,
      returnTo: hostile,
      clientName: hostile,
      username: quoted,
      scopes: [{ name: hostile, description: quoted }],
    });
    expect(html).not.toContain(hostile);
    expect(html).not.toContain(quoted);
    expect(html).toContain(`<h1>${hostileEscaped} wants to access your account</h1>`);
    expect(html).toContain(`<title>Allow access to ${hostileEscaped}? · Tessera</title>`);
    expect(html).toContain(`Signed in as <strong>${quotedEscaped}</strong>`);
    expect(html).toContain(`${quotedEscaped}</span> <code class="scope-name">${hostileEscaped}</code>`);
    expect(html).toContain(`action="${hostileEscaped}"`);
    expect(inputNamed(html, 'csrf_token')).toContain(`value="${quotedEscaped}"`);
    expect(inputNamed(html, 'return_to')).toContain(`value="${hostileEscaped}"`);
  });
});

describe('errorPage', () => {
  it('shows the title as the heading and the message, with no links', () => {
    const html = errorPage({ title: 'Unknown client', message: 'The application is not registered.' });
    expect(html).toContain('<title>Unknown client · Tessera</title>');
    expect(html).toContain('<h1>Unknown client</h1>');
    expect(html).toContain('<p>The application is not registered.</p>');
    expect(html).not.toContain('<a ');
  });

  it('escapes every interpolated value', () => {
    const html = errorPage({ title: hostile, message: quoted });
    expect(html).not.toContain(hostile);
    expect(html).not.toContain(quoted);
    expect(html).toContain(`<h1>${hostileEscaped}</h1>`);
    expect(html).toContain(`<title>${hostileEscaped} · Tessera</title>`);
    expect(html).toContain(`<p>${quotedEscaped}</p>`);
  });
});

describe('logoutConfirmPage', () => {
  it('asks to confirm and carries the hidden parameters through the POST', () => {
    const html = logoutConfirmPage(logoutView);
    expect(html).toContain('<h1>Sign out?</h1>');
    expect(html).toContain('You will be signed out of Tessera and the applications that use it.');
    expect(html).toContain('<form method="post" action="/logout"');
    expect(html).toContain(
      '<input type="hidden" name="post_logout_redirect_uri" value="https://app.example/bye">',
    );
    expect(html).toContain('<input type="hidden" name="state" value="xyz">');
    expect(html).toMatch(
      /<button type="submit" name="decision" value="logout" class="button button-primary">Sign out<\/button>/,
    );
    expect(html).toMatch(
      /<button type="submit" name="decision" value="stay" class="button button-secondary">Stay signed in<\/button>/,
    );
  });

  it('does not let a hidden entry duplicate csrf_token or decision', () => {
    const html = logoutConfirmPage({
      ...logoutView,
      hidden: { csrf_token: 'attacker', decision: 'logout', state: 's' },
    });
    expect(count(html, /name="csrf_token"/)).toBe(1);
    expect(inputNamed(html, 'csrf_token')).toContain('value="csrf-123"');
    expect(html).not.toContain('attacker');
    expect(html).not.toMatch(/<input[^>]*name="decision"/);
    expect(html).toContain('<input type="hidden" name="state" value="s">');
  });

  it('escapes every interpolated value', () => {
    const html = logoutConfirmPage({
      action: hostile,
      csrfToken: quoted,
      hidden: { [hostile]: quoted, state: hostile },
    });
    expect(html).not.toContain(hostile);
    expect(html).not.toContain(quoted);
    expect(html).toContain(`action="${hostileEscaped}"`);
    expect(html).toContain(`<input type="hidden" name="${hostileEscaped}" value="${quotedEscaped}">`);
    expect(html).toContain(`<input type="hidden" name="state" value="${hostileEscaped}">`);
    expect(inputNamed(html, 'csrf_token')).toContain(`value="${quotedEscaped}"`);
  });
});

describe('signedOutPage', () => {
  it('says the user is signed out', () => {
    const html = signedOutPage();
    expect(html).toContain('<h1>You are signed out</h1>');
    expect(html).toContain('You can close this window.');
    expect(html).not.toContain('<form');
  });
});

describe('layout', () => {
  it('escapes the title but not the already-safe body', () => {
    const html = layout({ title: hostile, body: '<p>safe</p>' });
    expect(html).toContain(`<title>${hostileEscaped} · Tessera</title>`);
    expect(html).toContain('<p>safe</p>');
    expect(html).toMatch(/<header[^>]*>[\s\S]*Tessera[\s\S]*<\/header>\s*<main/);
  });
});
