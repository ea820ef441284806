import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type Call = (...args: unknown[]) => void;

/**
 * Fastify makes a child logger for every request; pino serialises its bindings on creation,
 * which on the token endpoint costs more than the log line itself. This one makes the child only
 * when something is logged through it (errors, mostly): the per-request line is written by
 * request-log.ts on the parent with the request id as a field. A class, so a request costs one
 * small object and no closures.
 */
class LazyRequestLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }
  set level(value: string) {
    this.#real().level = value;
  }
  info(...args: unknown[]): void {
    (this.#real().info as Call)(...args);
  }
  error(...args: unknown[]): void {
    (this.#real().error as Call)(...args);
  }
  debug(...args: unknown[]): void {
    (this.#real().debug as Call)(...args);
  }
  fatal(...args: unknown[]): void {
    (this.#real().fatal as Call)(...args);
  }
  warn(...args: unknown[]): void {
    (this.#real().warn as Call)(...args);
  }
  trace(...args: unknown[]): void {
    (this.#real().trace as Call)(...args);
  }
  silent(...args: unknown[]): void {
    (this.#real().silent as Call)(...args);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(parent, bindings, options) as unknown as FastifyBaseLogger;
}
