import { describe, expect, it } from 'vitest';
import { type ConsentView, consentPage } from './consent.js';
import { errorPage } from './error.js';
import { html } from './html.js';
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
  interaction: '/authorize?client_id=app&state=a%26b',
  username: '',
  error: null,
  clientName: null,
};

const consentView: ConsentView = {
  action: '/consent',
  csrfToken: 'csrf-123',
  interaction: '/authorize?client_id=app',
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
  ['layout', layout({ title: 'Test', body: html`<h1>Test</h1>` }).toString()],
  ['signin', signinPage(signinView).toString()],
  [
    'signin with client and error',
    signinPage({ ...signinView, clientName: 'App', error: 'invalid_credentials' }).toString(),
  ],
  ['signin disabled', signinPage({ ...signinView, error: 'account_disabled' }).toString()],
  ['consent', consentPage(consentView).toString()],
  ['consent without scopes', consentPage({ ...consentView, scopes: [] }).toString()],
  ['error', errorPage({ title: 'Something went wrong', message: 'Try again later.' }).toString()],
  ['logout confirm', logoutConfirmPage(logoutView).toString()],
  ['signed out', signedOutPage().toString()],
];

function count(page: string, pattern: RegExp): number {
  return page.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
}

/** The opening tag of the element with the given id. */
function tagWithId(page: string, id: string): string {
  const match = page.match(new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`));
  if (match === null) throw new Error(`no element with id="${id}"`);
  return match[0];
}

/** The opening tag of the input with the given name. */
function inputNamed(page: string, name: string): string {
  const match = page.match(new RegExp(`<input\\b[^>]*\\bname="${name}"[^>]*>`));
  if (match === null) throw new Error(`no input named ${name}`);
  return match[0];
}

describe.each(pages)('%s page', (_name, page) => {
  it('is a full HTML document in English', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<meta name="referrer" content="no-referrer">');
    expect(page).toMatch(/<title>[^<]+ · Tessera<\/title>/);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('has exactly one <h1> and one <main>', () => {
    expect(count(page, /<h1[\s>]/)).toBe(1);
    expect(count(page, /<main[\s>]/)).toBe(1);
    expect(count(page, /<\/main>/)).toBe(1);
  });

  it('links the stylesheet and nothing external', () => {
    expect(page).toContain('<link rel="stylesheet" href="/assets/tessera.css">');
    expect(page).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//i);
    expect(page).not.toContain('<img');
  });

  it('has no script, inline style or event handler (CSP default-src self)', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<style/i);
    expect(page).not.toMatch(/\sstyle=/i);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/javascript:/i);
  });

  it('gives every visible input a label', () => {
    const inputs = page.match(/<input\b[^>]*>/g) ?? [];
    for (const input of inputs.filter((tag) => !tag.includes('type="hidden"'))) {
      const id = input.match(/\bid="([^"]+)"/)?.[1];
      expect(id, input).toBeDefined();
      expect(page).toContain(`<label for="${id}">`);
    }
  });

  it('posts every form to its action with a CSRF token', () => {
    const forms = page.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
    for (const form of forms) {
      expect(form).toMatch(/^<form method="post" action="[^"]+"/);
      expect(form).toContain('<input type="hidden" name="csrf_token" value="csrf-123">');
    }
  });
});

describe('signinPage', () => {
  it('has username and password inputs with matching labels, and a Sign in button', () => {
    const page = signinPage(signinView).toString();
    const username = inputNamed(page, 'username');
    const password = inputNamed(page, 'password');
    expect(username).toContain('type="text"');
    expect(username).toContain('id="username"');
    expect(username).toContain('autocomplete="username"');
    expect(password).toContain('type="password"');
    expect(password).toContain('id="password"');
    expect(password).toContain('autocomplete="current-password"');
    expect(page).toContain('<label for="username">');
    expect(page).toContain('<label for="password">');
    expect(page).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);
    expect(page).toContain('<form method="post" action="/signin"');
    expect(inputNamed(page, 'interaction')).toContain('value="/authorize?client_id=app&amp;state=a%26b"');
  });

  it('puts the form fields in focus order username, password, button', () => {
    const page = signinPage(signinView).toString();
    const username = page.indexOf('name="username"');
    const password = page.indexOf('name="password"');
    const button = page.indexOf('<button');
    expect(username).toBeGreaterThan(0);
    expect(password).toBeGreaterThan(username);
    expect(button).toBeGreaterThan(password);
    expect(page).not.toContain('tabindex');
  });

  it('focuses the username and shows no error without an error', () => {
    const page = signinPage(signinView).toString();
    expect(inputNamed(page, 'username')).toContain(' autofocus');
    expect(inputNamed(page, 'password')).not.toContain('autofocus');
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('aria-describedby');
    expect(page).not.toContain('continue to');
  });

  it.each([
    ['invalid_credentials', 'Wrong username or password.'],
    ['account_disabled', 'This account is disabled. Contact your administrator.'],
  ] as const)('announces %s as an alert that describes the focused password field', (error, text) => {
    const page = signinPage({ ...signinView, username: 'alice', error }).toString();
    const alert = tagWithId(page, 'signin-error');
    expect(alert).toContain('role="alert"');
    expect(page).toMatch(
      new RegExp(`id="signin-error"[^>]*><strong>Error:</strong> ${text.replace('.', '\\.')}</`),
    );
    const password = inputNamed(page, 'password');
    expect(password).toContain('aria-describedby="signin-error"');
    expect(password).toContain(' autofocus');
    expect(inputNamed(page, 'username')).not.toContain('autofocus');
    expect(inputNamed(page, 'username')).toContain('value="alice"');
    expect(count(page, /\sautofocus/)).toBe(1);
  });

  it('names the client when there is one', () => {
    expect(signinPage({ ...signinView, clientName: 'Example App' }).toString()).toContain(
      'to continue to <strong>Example App</strong>',
    );
  });

  it('escapes every interpolated value', () => {
    const page = signinPage({
      action: `/signin?x="${hostile}`,
      csrfToken: quoted,
      interaction: hostile,
      username: quoted,
      error: 'invalid_credentials',
      clientName: hostile,
    }).toString();
    expect(page).not.toContain(hostile);
    expect(page).not.toContain(quoted);
    expect(page).toContain(`to continue to <strong>${hostileEscaped}</strong>`);
    expect(inputNamed(page, 'username')).toContain(`value="${quotedEscaped}"`);
    expect(inputNamed(page, 'csrf_token')).toContain(`value="${quotedEscaped}"`);
    expect(inputNamed(page, 'interaction')).toContain(`value="${hostileEscaped}"`);
    expect(page).toContain(`action="/signin?x=&quot;${hostileEscaped}"`);
  });
});

describe('consentPage', () => {
  it('asks on behalf of the client and names the signed-in user', () => {
    const page = consentPage(consentView).toString();
    expect(page).toContain('<h1>Example App wants to access your account</h1>');
    expect(page).toContain('Signed in as <strong>alice</strong>');
    expect(page).toContain(
      'If you allow it, Tessera remembers, and this application will not ask again for the same access.',
    );
  });

  it('lists the scopes by description with the raw name in <code>', () => {
    const page = consentPage(consentView).toString();
    expect(page).toMatch(/Confirm who you are<\/span> <code[^>]*>openid<\/code>/);
    expect(page).toMatch(/See your email address<\/span> <code[^>]*>email<\/code>/);
    expect(page.indexOf('openid')).toBeLessThan(page.indexOf('>email<'));
  });

  it('leaves out the list when no scopes are requested', () => {
    const page = consentPage({ ...consentView, scopes: [] }).toString();
    expect(page).not.toContain('<ul');
    expect(page).not.toContain('This will allow');
  });

  it('has one form with Allow (first, primary) and Deny buttons named decision', () => {
    const page = consentPage(consentView).toString();
    expect(count(page, /<form\b/)).toBe(1);
    expect(page).toContain('<form method="post" action="/consent"');
    expect(inputNamed(page, 'interaction')).toContain('value="/authorize?client_id=app"');
    const allow = page.match(/<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/);
    const deny = page.match(/<button type="submit" name="decision" value="deny"[^>]*>Deny<\/button>/);
    expect(allow?.[0]).toContain('button-primary');
    expect(deny?.[0]).toContain('button-secondary');
    expect(page.indexOf('value="allow"')).toBeLessThan(page.indexOf('value="deny"'));
  });

  it('escapes every interpolated value', () => {
    const page = consentPage({
      action: hostile,
      csrfToken: quoted,
      interaction: hostile,
      clientName: hostile,
      username: quoted,
      scopes: [{ name: hostile, description: quoted }],
    }).toString();
    expect(page).not.toContain(hostile);
    expect(page).not.toContain(quoted);
    expect(page).toContain(`<h1>${hostileEscaped} wants to access your account</h1>`);
    expect(page).toContain(`<title>Allow access to ${hostileEscaped}? · Tessera</title>`);
    expect(page).toContain(`Signed in as <strong>${quotedEscaped}</strong>`);
    expect(page).toContain(`${quotedEscaped}</span> <code class="scope-name">${hostileEscaped}</code>`);
    expect(page).toContain(`action="${hostileEscaped}"`);
    expect(inputNamed(page, 'csrf_token')).toContain(`value="${quotedEscaped}"`);
    expect(inputNamed(page, 'interaction')).toContain(`value="${hostileEscaped}"`);
  });
});

describe('errorPage', () => {
  it('shows the title as the heading and the message, with no links', () => {
    const page = errorPage({
      title: 'Unknown client',
      message: 'The application is not registered.',
    }).toString();
    expect(page).toContain('<title>Unknown client · Tessera</title>');
    expect(page).toContain('<h1>Unknown client</h1>');
    expect(page).toContain('<p>The application is not registered.</p>');
    expect(page).not.toContain('<a ');
  });

  it('escapes every interpolated value', () => {
    const page = errorPage({ title: hostile, message: quoted }).toString();
    expect(page).not.toContain(hostile);
    expect(page).not.toContain(quoted);
    expect(page).toContain(`<h1>${hostileEscaped}</h1>`);
    expect(page).toContain(`<title>${hostileEscaped} · Tessera</title>`);
    expect(page).toContain(`<p>${quotedEscaped}</p>`);
  });
});

describe('logoutConfirmPage', () => {
  it('asks to confirm and carries the hidden parameters through the POST', () => {
    const page = logoutConfirmPage(logoutView).toString();
    expect(page).toContain('<h1>Sign out?</h1>');
    expect(page).toContain('You will be signed out of Tessera and the applications that use it.');
    expect(page).toContain('<form method="post" action="/logout"');
    expect(page).toContain(
      '<input type="hidden" name="post_logout_redirect_uri" value="https://app.example/bye">',
    );
    expect(page).toContain('<input type="hidden" name="state" value="xyz">');
    expect(page).toMatch(
      /<button type="submit" name="decision" value="logout" class="button button-primary">Sign out<\/button>/,
    );
    expect(page).toMatch(
      /<button type="submit" name="decision" value="stay" class="button button-secondary">Stay signed in<\/button>/,
    );
  });

  it('does not let a hidden entry duplicate csrf_token or decision', () => {
    const page = logoutConfirmPage({
      ...logoutView,
      hidden: { csrf_token: 'attacker', decision: 'logout', state: 's' },
    }).toString();
    expect(count(page, /name="csrf_token"/)).toBe(1);
    expect(inputNamed(page, 'csrf_token')).toContain('value="csrf-123"');
    expect(page).not.toContain('attacker');
    expect(page).not.toMatch(/<input[^>]*name="decision"/);
    expect(page).toContain('<input type="hidden" name="state" value="s">');
  });

  it('escapes every interpolated value', () => {
    const page = logoutConfirmPage({
      action: hostile,
      csrfToken: quoted,
      hidden: { [hostile]: quoted, state: hostile },
    }).toString();
    expect(page).not.toContain(hostile);
    expect(page).not.toContain(quoted);
    expect(page).toContain(`action="${hostileEscaped}"`);
    expect(page).toContain(`<input type="hidden" name="${hostileEscaped}" value="${quotedEscaped}">`);
    expect(page).toContain(`<input type="hidden" name="state" value="${hostileEscaped}">`);
    expect(inputNamed(page, 'csrf_token')).toContain(`value="${quotedEscaped}"`);
  });
});

describe('signedOutPage', () => {
  it('says the user is signed out', () => {
    const page = signedOutPage().toString();
    expect(page).toContain('<h1>You are signed out</h1>');
    expect(page).toContain('You can close this window.');
    expect(page).not.toContain('<form');
  });
});

describe('layout', () => {
  it('escapes the title but not the already-safe body', () => {
    const page = layout({ title: hostile, body: html`<p>safe</p>` }).toString();
    expect(page).toContain(`<title>${hostileEscaped} · Tessera</title>`);
    expect(page).toContain('<p>safe</p>');
    expect(page).toMatch(/<header[^>]*>[\s\S]*Tessera[\s\S]*<\/header>\s*<main/);
  });

  it('takes only HtmlSafe as the body, and escapes a plain string that gets past the types', () => {
    // @ts-expect-error a plain string is not HtmlSafe; typechecking fails if layout ever accepts one
    const page = layout({ title: 't', body: '<p>x</p>' }).toString();
    expect(page).toContain('&lt;p&gt;x&lt;/p&gt;');
  });
});
