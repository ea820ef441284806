import { basic } from '../helpers/test-server.js';

/** One session as its client sees it: the newest tokens it was answered, and whether it ended it. */
export interface Chain {
  readonly kind: 'session' | 'password' | 'code';
  access: string;
  refresh: string;
  /** `ending`: a logout or revocation was sent and not answered (the server died first). */
  state: 'open' | 'ending' | 'ended';
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Has the password and refresh_token grants, and may introspect any token. */
  readonly confidential: { readonly id: string; readonly secret: string };
  /** A public client: authorization codes (PKCE) and refresh tokens. */
  readonly publicId: string;
  readonly redirectUri: string;
  /** Authorization codes not exchanged yet, all with the same PKCE verifier. */
  readonly codes: string[];
  readonly verifier: string;
}

export interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * The three kinds of client that hold refresh tokens, over HTTP: a first-party app on the session
 * API, a personal client with the password grant, a public app with authorization codes. Counts
 * what was answered and what a dying server cut off.
 */
export class TokenClients {
  base: string;
  answers = 0;
  /** Requests sent and never answered. */
  cut = 0;
  readonly chains: Chain[] = [];
  readonly #credentials: Credentials;

  constructor(base: string, credentials: Credentials) {
    this.base = base;
    this.#credentials = credentials;
  }

  /** The answer, or undefined if the connection died first. */
  async send(path: string, init: RequestInit): Promise<Answer | undefined> {
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
      status = response.status;
      text = await response.text();
    } catch {
      this.cut += 1;
      return undefined;
    }
    this.answers += 1;
    return { status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** A new session of that kind (login, password grant, code exchange); its chain is recorded once answered. */
  async open(kind: Chain['kind']): Promise<{ chain?: Chain; answer?: Answer }> {
    const { username, password } = this.#credentials;
    const answer =
      kind === 'session'
        ? await this.send('/login', post({ username, password }))
        : kind === 'password'
          ? await this.send(
              '/oauth/token',
              post({ grant_type: 'password', username, password }, this.#basic()),
            )
          : await this.#exchange();
    if (answer?.status !== 200) return { answer };
    const chain: Chain = {
      kind,
      access: String(answer.body.access_token),
      refresh: String(answer.body.refresh_token),
      state: 'open',
    };
    this.chains.push(chain);
    return { chain, answer };
  }

  refresh(chain: Chain): Promise<Answer | undefined> {
    if (chain.kind === 'session')
      return this.send('/token', { headers: { authorization: `Bearer ${chain.refresh}` } });
    const params = { grant_type: 'refresh_token', refresh_token: chain.refresh, ...this.#publicId(chain) };
    return this.send('/oauth/token', post(params, this.#clientAuth(chain)));
  }

  /** Logout (session API) or RFC 7009 revocation of the refresh token: either ends the session. */
  end(chain: Chain): Promise<Answer | undefined> {
    if (chain.kind === 'session')
      return this.send('/logout', { method: 'POST', headers: { authorization: `Bearer ${chain.access}` } });
    return this.send(
      '/oauth/revoke',
      post({ token: chain.refresh, ...this.#publicId(chain) }, this.#clientAuth(chain)),
    );
  }

  /** RFC 7662, by the confidential client, which may introspect every token. */
  async active(token: string): Promise<boolean | undefined> {
    const answer = await this.send('/oauth/introspect', post({ token }, this.#basic()));
    return answer === undefined ? undefined : answer.body.active === true;
  }

  #exchange(): Promise<Answer | undefined> {
    const { codes, redirectUri, publicId, verifier } = this.#credentials;
    const code = codes.pop();
    if (code === undefined) return Promise.resolve(undefined);
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: publicId,
      code_verifier: verifier,
    };
    return this.send('/oauth/token', post(params));
  }

  #basic(): Record<string, string> {
    const { id, secret } = this.#credentials.confidential;
    return { authorization: basic(id, secret) };
  }

  #clientAuth(chain: Chain): Record<string, string> {
    return chain.kind === 'password' ? this.#basic() : {};
  }

  #publicId(chain: Chain): Record<string, string> {
    return chain.kind === 'code' ? { client_id: this.#credentials.publicId } : {};
  }
}

function post(body: object, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Sessions one after another on each worker: open, refresh six times, end every third one. A
 * worker stops when the server stops answering; any other answer than 200 fails the test.
 */
export async function runLoad(clients: TokenClients, kinds: readonly Chain['kind'][]): Promise<string[]> {
  const unexpected: string[] = [];
  const check = (what: string, answer: Answer) => {
    if (answer.status !== 200) unexpected.push(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  async function worker(kind: Chain['kind'], index: number): Promise<void> {
    for (let round = 0; ; round += 1) {
      const { chain, answer } = await clients.open(kind);
      if (answer !== undefined) check(`open ${kind}`, answer);
      if (chain === undefined) return;
      for (let i = 0; i < 6; i += 1) {
        const refreshed = await clients.refresh(chain);
        if (refreshed === undefined) return;
        check(`refresh ${kind}`, refreshed);
        chain.access = String(refreshed.body.access_token);
        if (typeof refreshed.body.refresh_token === 'string') chain.refresh = refreshed.body.refresh_token;
      }
      if ((round + index) % 3 !== 0) continue;
      chain.state = 'ending';
      const ended = await clients.end(chain);
      if (ended === undefined) return;
      check(`end ${kind}`, ended);
      chain.state = 'ended';
    }
  }
  await Promise.all(kinds.map(worker));
  return unexpected;
}
