import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type Method = 'info' | 'error' | 'debug' | 'fatal' | 'warn' | 'trace' | 'silent';
type Call = (...args: unknown[]) => void;

/**
 * Fastify makes a child logger for every request; pino serialises its bindings on creation,
 * which on the token endpoint costs more than the log line itself. This one makes the child only
 * when something is logged through it (errors, mostly): the per-request line is written by
 * request-log.ts on the parent with the request id as a field.
 */
export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  const real = () => {
    child ??= parent.child(bindings, options);
    return child;
  };
  const method = (name: Method): Call =>
    function log(...args: unknown[]) {
      (real()[name] as Call)(...args);
    };
  return {
    get level() {
      return (child ?? parent).level;
    },
    set level(value: string) {
      real().level = value;
    },
    info: method('info'),
    error: method('error'),
    debug: method('debug'),
    fatal: method('fatal'),
    warn: method('warn'),
    trace: method('trace'),
    silent: method('silent'),
    child: (more: Bindings, moreOptions?: ChildLoggerOptions) => real().child(more, moreOptions),
  } as FastifyBaseLogger;
}
