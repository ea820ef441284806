import { isIP } from 'node:net';
import { ConfigError } from './config-error.js';
import type { Parser } from './parsers.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `HOST:PORT` or `[IPv6]:PORT`, e.g. `127.0.0.1:9464`: where a second listener binds. The host is
 * required, so that binding every interface is a choice written out (`0.0.0.0:9464`).
 */
export const listenAddress: Parser<ListenAddress> = (raw, { setting }) => {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  const bracketed = match?.[1];
  const host = bracketed ?? match?.[2];
  const port = Number(match?.[3]);
  if (match === null || host === undefined || port > 65_535)
    throw new ConfigError(setting, `'${raw}' is not HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464)`);
  if (bracketed !== undefined && isIP(bracketed) !== 6)
    throw new ConfigError(setting, `'${bracketed}' is not an IPv6 address`);
  return Object.freeze({ host, port });
};
