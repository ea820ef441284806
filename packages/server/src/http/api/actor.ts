import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../audit/actor.js';
import { callerOf } from './api-scope.js';

/** Who performs a management action over the API, and from where, for the audit log. */
export function actorOf(request: FastifyRequest): Actor {
  return {
    actor: callerOf(request).actor,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}
