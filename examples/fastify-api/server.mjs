#!/usr/bin/env node
// An API protected by Tessera access tokens and scopes, with @tessera/verify's Fastify preHandler.
//
//   TESSERA_ISSUER=http://localhost:8080 node examples/fastify-api/server.mjs
//
// Env: TESSERA_ISSUER (default http://localhost:8080), TESSERA_AUDIENCE (default: the issuer),
// HOST (default 127.0.0.1), PORT (default 3000).
import { createVerifier } from '@tessera/verify';
import { requireScopes } from '@tessera/verify/fastify';
import Fastify from 'fastify';

const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:8080';
// Discovery and the JWKS are fetched on the first request, then cached; a rotated key is picked up
// when a token names a kid the cache does not know.
const verifier = createVerifier({ issuer, audience: process.env.TESSERA_AUDIENCE ?? issuer });

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
const agents = [{ id: 1, name: 'build-bot', owner: 'system' }];

// Any valid token: a user's session token (CLI, SPA) or a machine's client-credentials token.
app.get('/whoami', { preHandler: requireScopes(verifier) }, async (request) => ({
  sub: request.auth.sub,
  client_id: request.auth.client_id,
  type: request.auth.type ?? 'client',
  scope: request.auth.scope ?? '',
}));

// 401 for a missing or bad token, 403 insufficient_scope naming the scope that is missing.
app.get('/agents', { preHandler: requireScopes(verifier, 'read:agents') }, async () => agents);

app.post('/agents', { preHandler: requireScopes(verifier, 'write:agents') }, async (request, reply) => {
  const name = typeof request.body?.name === 'string' ? request.body.name : `agent-${agents.length + 1}`;
  const agent = { id: agents.length + 1, name, owner: request.auth.sub };
  agents.push(agent);
  return reply.status(201).send(agent);
});

const address = await app.listen({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
});
console.log(`Agents API listening on ${address} (issuer ${issuer})`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.close().then(() => process.exit(0)));
