import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorPage } from '../pages/templates/error.js';

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

export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageSecurityPolicy)
    .header('cache-control', 'no-store')
    .send(html);
}

export function sendPageError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof PageError) {
    sendHtml(reply, error.status, errorPage({ title: error.title, message: error.message }));
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
