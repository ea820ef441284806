import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a logged object. Request logging never logs
 * bodies or headers at all (http/plugins/request-log.ts); this is the second line of defence
 * for anything that logs an object by mistake.
 */
const redactedPaths = [
  'password',
  'client_secret',
  'clientSecret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.code',
  '*.code_verifier',
  '*.refresh_token',
  '*.access_token',
  '*.id_token',
  '*.token',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    destination,
  );
}
