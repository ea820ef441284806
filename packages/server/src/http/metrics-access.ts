import { BearerError, MissingBearerToken, type OAuthError } from '../oauth/errors.js';
import { constantTimeEqual } from '../platform/constant-time.js';

/**
 * Who may read the metrics: anyone when no token is set (the separate listen address alone
 * guards them), else only `Authorization: Bearer <TESSERA_METRICS_TOKEN>`, compared in constant
 * time so that response times do not reveal how much of a guess was right. Answers undefined to
 * let the request through, or the RFC 6750 refusal to send.
 */
export function metricsAccess(
  token: string | undefined,
): (authorization: string | undefined) => OAuthError | undefined {
  if (token === undefined) return () => undefined;
  const expected = Buffer.from(token);
  return function checkMetricsToken(authorization) {
    const presented = authorization === undefined ? undefined : /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
    if (presented === undefined) return new MissingBearerToken();
    if (constantTimeEqual(Buffer.from(presented), expected)) return undefined;
    return new BearerError('invalid_token', 'the metrics token is not valid', 401);
  };
}
