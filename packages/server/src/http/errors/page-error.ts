import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Overloaded, RateLimited } from '../../limits/refusals.js';
import { InteractionNotFound } from '../../oauth/authorize/authorization-flow.js';
import { UntrustedRequest } from '../../oauth/authorize/authorization-request.js';
import { isDependencyUnavailable } from '../../platform/unavailable.js';
import { errorPage } from '../pages/templates/error.js';
import type { HtmlSafe } from '../pages/templates/html.js';
import { reportUnavailable, retryAfterSeconds } from './unavailable.js';

/** An error on an HTML page: shown as a page, never as JSON, never with a stack trace. */
export class PageError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string, message: string) {
    super(message);
    this.name = 'PageError';
    this.status = status;
    this.title = title;
  }
}

export const pageSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";

/** Sends a page; taking `HtmlSafe` rather than a string means every page went through `html`. */
export function sendHtml(reply: FastifyReply, status: number, html: HtmlSafe): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageSecurityPolicy)
    .header('cache-control', 'no-store')
    .send(html.toString());
}

export function sendPageError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (isDependencyUnavailable(error)) {
    reportUnavailable(request.log, error);
    reply.header('retry-after', String(retryAfterSeconds));
    sendHtml(
      reply,
      503,
      errorPage({ title: 'Temporarily unavailable', message: 'Please try again in a few seconds.' }),
    );
    return;
  }
  if (error instanceof PageError) {
    sendHtml(reply, error.status, errorPage({ title: error.title, message: error.message }));
    return;
  }
  if (error instanceof RateLimited || error instanceof Overloaded) {
    const limited = error instanceof RateLimited;
    reply.header('retry-after', String(error.retryAfter));
    sendHtml(
      reply,
      limited ? 429 : 503,
      errorPage({
        title: limited ? 'Too many attempts' : 'Busy right now',
        message: `${limited ? 'Too many requests from here.' : 'The server is busy.'} Try again in ${waitWords(error.retryAfter)}.`,
      }),
    );
    return;
  }
  if (error instanceof UntrustedRequest) {
    sendHtml(reply, 400, errorPage({ title: 'This sign-in link is not valid', message: error.message }));
    return;
  }
  if (error instanceof InteractionNotFound) {
    sendHtml(
      reply,
      400,
      errorPage({
        title: 'This sign-in has expired',
        message: 'Go back to the application and start again.',
      }),
    );
    return;
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    sendHtml(
      reply,
      status,
      errorPage({ title: 'Bad request', message: 'The request could not be understood.' }),
    );
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  sendHtml(reply, 500, errorPage({ title: 'Something went wrong', message: 'Please try again later.' }));
}

function waitWords(seconds: number): string {
  if (seconds < 90) return seconds === 1 ? 'a second' : `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
