import { basic } from '../helpers/test-server.js';
import type { Template } from './fixtures.js';
import type { Header } from './headers.js';

/** What the fixtures made: tokens, codes, interactions and the browsers' cookie jars. */
export interface Made {
  readonly password: string;
  /** Session API sessions: one to use, one to refresh (and so revoke by reuse), one to log out. */
  readonly login: Readonly<Record<string, string>>;
  readonly refreshing: Readonly<Record<string, string>>;
  readonly leaving: Readonly<Record<string, string>>;
  readonly machine: Readonly<Record<string, string>>;
  readonly personal: Readonly<Record<string, string>>;
  readonly exchanged: Readonly<Record<string, string>>;
  readonly clientId: string;
  readonly secret: string;
  readonly publicId: string;
  /** An authorization code not exchanged yet. */
  readonly second: string;
  readonly pkce: { readonly verifier: string };
  readonly query: Readonly<Record<string, string>>;
  /** Hidden fields of the sign-in page (a browser with no session) and of the consent page. */
  readonly pending: Readonly<Record<string, string>>;
  readonly consenting: Readonly<Record<string, string>>;
  /** Cookie headers: the signed-in browser's, and the stranger's (at the sign-in page). */
  readonly browser: string;
  readonly stranger: string;
  /** TESSERA_METRICS_TOKEN, when the server under test serves /metrics. */
  readonly metricsToken: string | undefined;
}

export const redirectUri = 'https://app.example/cb';
export const postLogoutUri = 'https://app.example/bye';

const bearer = (token: string | undefined): Header => ['Authorization', `Bearer ${token ?? ''}`];

/** One valid request per thing a route does, from what the fixtures made. */
export function templatesOf(made: Made): Template[] {
  const metrics: Template[] =
    made.metricsToken === undefined
      ? []
      : [
          {
            method: 'GET',
            path: '/metrics',
            encoding: 'query',
            params: {},
            headers: [bearer(made.metricsToken)],
          },
        ];
  return [
    ...metrics,
    {
      method: 'POST',
      path: '/login',
      encoding: 'json',
      params: { username: 'alice', password: made.password },
      headers: [],
    },
    { method: 'GET', path: '/me', encoding: 'query', params: {}, headers: [bearer(made.login.access_token)] },
    {
      method: 'GET',
      path: '/token',
      encoding: 'query',
      params: {},
      headers: [bearer(made.refreshing.refresh_token)],
    },
    {
      method: 'POST',
      path: '/logout',
      encoding: 'json',
      params: {},
      headers: [bearer(made.leaving.access_token)],
    },
    {
      method: 'POST',
      path: '/oauth/token',
      encoding: 'form',
      params: { grant_type: 'client_credentials', scope: 'read:agents' },
      headers: [['Authorization', basic(made.clientId, made.secret)]],
    },
    {
      method: 'POST',
      path: '/oauth/token',
      encoding: 'form',
      params: {
        grant_type: 'password',
        username: 'alice',
        password: made.password,
        client_id: made.clientId,
        client_secret: made.secret,
      },
      headers: [],
    },
    {
      method: 'POST',
      path: '/oauth/token',
      encoding: 'json',
      params: {
        grant_type: 'authorization_code',
        code: made.second,
        redirect_uri: redirectUri,
        client_id: made.publicId,
        code_verifier: made.pkce.verifier,
      },
      headers: [],
    },
    {
      method: 'POST',
      path: '/oauth/token',
      encoding: 'form',
      params: {
        grant_type: 'refresh_token',
        refresh_token: made.exchanged.refresh_token ?? '',
        client_id: made.publicId,
      },
      headers: [],
    },
    {
      method: 'POST',
      path: '/oauth/introspect',
      encoding: 'form',
      params: { token: made.personal.access_token ?? '' },
      headers: [['Authorization', basic(made.clientId, made.secret)]],
    },
    {
      method: 'POST',
      path: '/oauth/revoke',
      encoding: 'form',
      params: { token: made.machine.access_token ?? '' },
      headers: [['Authorization', basic(made.clientId, made.secret)]],
    },
    {
      method: 'GET',
      path: '/oauth/userinfo',
      encoding: 'query',
      params: {},
      headers: [bearer(made.personal.access_token)],
    },
    {
      method: 'GET',
      path: '/oauth/authorize',
      encoding: 'query',
      params: made.query,
      headers: [['Cookie', made.browser]],
    },
    { method: 'GET', path: '/oauth/authorize', encoding: 'query', params: made.query, headers: [] },
    {
      method: 'GET',
      path: '/oauth/authorize/resume',
      encoding: 'query',
      params: { interaction: made.consenting.interaction },
      headers: [['Cookie', made.browser]],
    },
    {
      method: 'GET',
      path: '/signin',
      encoding: 'query',
      params: { interaction: made.pending.interaction },
      headers: [['Cookie', made.stranger]],
    },
    {
      method: 'POST',
      path: '/signin',
      encoding: 'form',
      params: { ...made.pending, username: 'alice', password: made.password },
      headers: [['Cookie', made.stranger]],
    },
    {
      method: 'GET',
      path: '/consent',
      encoding: 'query',
      params: { interaction: made.consenting.interaction },
      headers: [['Cookie', made.browser]],
    },
    {
      method: 'POST',
      path: '/consent',
      encoding: 'form',
      params: { ...made.consenting, decision: 'allow' },
      headers: [['Cookie', made.browser]],
    },
    {
      method: 'GET',
      path: '/oauth/logout',
      encoding: 'query',
      params: {
        id_token_hint: made.exchanged.id_token ?? '',
        post_logout_redirect_uri: postLogoutUri,
        state: 's',
      },
      headers: [['Cookie', made.browser]],
    },
  ];
}
