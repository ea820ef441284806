import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientDirectory } from '../../clients/client-directory.js';
import type { ClientUsage } from '../../clients/client-usage.js';
import { claimedClientId } from '../plugins/rate-limit.js';

/**
 * The token endpoint's onResponse hook: counts the request for the client it named, once its
 * answer is sent (clients/client-usage.ts; memory only, written in batches). 200: granted, with
 * the last use of the secret that proved it. Any 4xx: refused — a wrong secret, a scope or grant
 * the client may not have, its rate limit. A 5xx is the server's failure, counted for no one.
 *
 * A request refused before its client authenticated (a wrong secret, a rate limit) is counted for
 * the client it claimed only when that client is in the client cache: the request looked it up
 * moments ago (client authentication, the rate limiter), so this costs no query, and an id that
 * names no client is never counted. With TESSERA_CLIENT_CACHE_TTL=0 such refusals go uncounted.
 */
export function countTokenRequest(usage: ClientUsage, directory: ClientDirectory) {
  return function countTokenRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const status = reply.statusCode;
    const client = request.oauthClient;
    if (status === 200 && client !== null) {
      usage.granted(
        client.id,
        request.oauthClientSecretId,
        request.ip,
        request.headers['user-agent'] ?? null,
      );
    } else if (status >= 400 && status < 500) {
      const claimed = client?.id ?? claimedClientId(request);
      if (claimed !== undefined && (client !== null || directory.cached(claimed) !== undefined)) {
        usage.refused(claimed);
      }
    }
    done();
  };
}
