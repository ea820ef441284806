import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientKind } from '../../../clients/client.js';
import { maxOverlapSeconds } from '../../../clients/client-service.js';
import type { UsageDay } from '../../../clients/usage-report.js';
import type { BrowserUser } from '../../../oauth/authorize/authorization-flow.js';
import type { Services } from '../../../services.js';
import { sendHtml } from '../../errors/page-error.js';
import { boundedText, clientIdParameter, keywordParameter, oneOrMore } from '../../schemas/parameters.js';
import type { App } from '../../types.js';
import { csrfToken } from '../browser-cookies.js';
import { type OwnClientsView, ownClientsPage } from '../templates/account/own-clients.js';
import { type Flash, noticeOf, refusalOf } from './form-outcome.js';
import { doneQuery, pageResponses, postResponses } from './page-schemas.js';
import { pageActor, signedInOrRedirect } from './signed-in.js';

/** Days of usage drawn for each API key. */
export const usageChartDays = 14;

const createForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    name: boundedText(200),
    scopes: oneOrMore(boundedText(128)),
  },
} as const;
const clientForm = {
  type: 'object',
  properties: {
    csrf_token: keywordParameter,
    client_id: clientIdParameter,
    overlap_seconds: { type: 'string', pattern: '^[0-9]{1,8}$' },
  },
} as const;
const tags = ['pages'];

const paths: Readonly<Record<ClientKind, string>> = {
  personal: '/account/clients',
  api_key: '/account/keys',
};
const revokedNotice: Readonly<Record<ClientKind, string>> = {
  personal: 'client-revoked',
  api_key: 'key-revoked',
};

/**
 * The person's own clients of one kind (clients/own-clients.ts): personal API clients at
 * /account/clients, API keys at /account/keys. A new secret (create, rotate) is answered in the
 * page itself, shown once, never put in a URL; revoke redirects after the post.
 */
export function ownClientPages(app: App, services: Services, kind: ClientKind): void {
  const base = paths[kind];

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    signedIn: BrowserUser,
    status: number,
    flash: Flash & { issued?: OwnClientsView['issued'] },
  ) {
    const owner = signedIn.user;
    const clients = (await services.ownClients.list(owner)).filter((c) => c.client.kind === kind);
    const usage = new Map<string, readonly UsageDay[]>();
    if (kind === 'api_key') {
      for (const { client } of clients) {
        usage.set(client.id, await services.ownClients.usage(owner, client.id, usageChartDays));
      }
    }
    const grantableScopes =
      kind === 'api_key' ? (await services.scopes.list()).filter((s) => !s.restricted && !s.builtIn) : [];
    return sendHtml(
      reply,
      status,
      ownClientsPage({
        kind,
        username: owner.username,
        csrfToken: csrfToken(request, reply, services),
        clients,
        usage,
        grantableScopes,
        ...flash,
      }),
    );
  }

  app.get(
    base,
    {
      schema: {
        summary: kind === 'api_key' ? 'Account portal: API keys' : 'Account portal: personal clients',
        tags,
        querystring: doneQuery,
        response: pageResponses,
      },
    },
    async function showOwnClients(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      return render(request, reply, signedIn, 200, noticeOf(request.query.done));
    },
  );

  app.post(
    base,
    {
      schema: {
        summary: 'Create one; its secret is shown once',
        tags,
        body: createForm,
        response: postResponses,
      },
    },
    async function createOwnClient(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      const { name, scopes } = request.body;
      try {
        const created = await services.ownClients.create(
          signedIn.user,
          {
            name: (name ?? '').trim(),
            kind,
            ...(kind === 'api_key' ? { scopes: scopes === undefined ? [] : [scopes].flat() } : {}),
          },
          pageActor(request, signedIn),
        );
        return render(request, reply, signedIn, 200, {
          notice: `“${created.client.name}” is created.`,
          issued: {
            clientId: created.client.id,
            secret: created.secret,
            note: 'Copy it now: it is shown this once, and only its hash is kept.',
          },
        });
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message });
      }
    },
  );

  app.post(
    `${base}/rotate`,
    { schema: { summary: 'Issue a new secret', tags, body: clientForm, response: postResponses } },
    async function rotateOwnClient(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      const clientId = request.body.client_id ?? '';
      const overlap = Math.min(Number(request.body.overlap_seconds ?? '0'), maxOverlapSeconds);
      try {
        const rotated = await services.ownClients.rotate(
          signedIn.user,
          clientId,
          overlap,
          pageActor(request, signedIn),
        );
        const until = rotated.previousSecretExpiresAt;
        return render(request, reply, signedIn, 200, {
          notice:
            until === null
              ? 'The secret is rotated: the previous one no longer works.'
              : `The secret is rotated: the previous one works until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
          issued: {
            clientId,
            secret: rotated.secret,
            note: 'Copy the new secret now: it is shown this once.',
          },
        });
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message });
      }
    },
  );

  app.post(
    `${base}/revoke`,
    { schema: { summary: 'Revoke it: refused at once', tags, body: clientForm, response: postResponses } },
    async function revokeOwnClient(request, reply) {
      const signedIn = await signedInOrRedirect(request, reply, services);
      if (signedIn === undefined) return reply;
      try {
        await services.ownClients.revoke(
          signedIn.user,
          request.body.client_id ?? '',
          pageActor(request, signedIn),
        );
      } catch (error) {
        const { status, message } = refusalOf(error);
        return render(request, reply, signedIn, status, { error: message });
      }
      return reply.redirect(`${base}?done=${revokedNotice[kind]}`, 303);
    },
  );
}
