import type { Registry } from 'prom-client';
import { promClient } from './prom-client.js';

export interface TallyOptions<V extends string> {
  readonly name: string;
  readonly help: string;
  readonly label: string;
  /** Label values shown from the start, at 0, so a rate over them exists before the first event. */
  readonly known?: readonly V[];
  /** Label values whose totals another module already keeps: read on scrape. */
  readonly read?: Readonly<Partial<Record<V, () => number>>>;
}

/**
 * A counter with one label, counted in a plain Map (a lookup and an add per event, nothing
 * allocated) and handed to a prom-client Counter only when it is scraped. prom-client's own `inc`
 * hashes a label object on every call; these are counted on the token endpoint's path.
 */
export class Tally<V extends string> {
  readonly #counts = new Map<V, number>();

  constructor(registry: Registry, options: TallyOptions<V>) {
    for (const value of options.known ?? []) this.#counts.set(value, 0);
    const counts = this.#counts;
    const read = Object.entries(options.read ?? {}) as Array<[V, () => number]>;
    const label = options.label;
    new (promClient().Counter)({
      name: options.name,
      help: options.help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [value, count] of counts) this.inc({ [label]: value }, count);
        // inc adds to a value already there: a label both counted here and read sums the two.
        for (const [value, total] of read) this.inc({ [label]: value }, total());
      },
    });
  }

  add(value: V): void {
    this.#counts.set(value, (this.#counts.get(value) ?? 0) + 1);
  }
}
