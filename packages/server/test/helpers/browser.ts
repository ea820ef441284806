import { createHash, randomBytes } from 'node:crypto';
import type { App } from '../../src/http/types.js';

export interface Step {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
  readonly headers: Record<string, unknown>;
}

/**
 * A minimal browser over app.inject: keeps cookies per name, follows same-server redirects on
 * request, and reads hidden form fields. Enough to drive the sign-in flow without a real browser
 * (the Playwright suite does it with Chromium).
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly #app: App;

  constructor(app: App) {
    this.#app = app;
  }

  async get(url: string): Promise<Step> {
    return this.#send('GET', url);
  }

  async post(url: string, form: Record<string, string>): Promise<Step> {
    return this.#send('POST', url, new URLSearchParams(form).toString());
  }

  /** Follows redirects within this server until one leaves it (or a page answers). */
  async follow(step: Step, limit = 10): Promise<Step> {
    let current = step;
    for (let i = 0; i < limit && current.location !== undefined && current.location.startsWith('/'); i += 1) {
      current = await this.get(current.location);
    }
    return current;
  }

  async #send(method: 'GET' | 'POST', url: string, payload?: string): Promise<Step> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.#app.inject({
      method,
      url,
      headers: {
        ...(cookie === '' ? {} : { cookie }),
        ...(payload === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(payload === undefined ? {} : { payload }),
    });
    const setCookie = response.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie]) {
      const [pair] = String(line).split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name === undefined) continue;
      if (/Max-Age=0/i.test(String(line))) this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
    const location = response.headers.location;
    return {
      status: response.statusCode,
      location: typeof location === 'string' ? location : undefined,
      body: response.body,
      headers: response.headers,
    };
  }
}

export function hiddenField(html: string, name: string): string {
  const match =
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html) ??
    new RegExp(`value="([^"]*)" name="${name}"`).exec(html);
  if (match === null) throw new Error(`no field ${name} in page`);
  return match[1]!
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(params: Record<string, string>): string {
  return `/oauth/authorize?${new URLSearchParams(params).toString()}`;
}
