import type { Registry } from 'prom-client';
import type { Dependency } from '../unavailable.js';
import { promClient } from './prom-client.js';

/** A scrape never waits longer than this for a dependency: one that has not answered is down. */
const probeTimeoutMs = 2000;

/** `tessera_ready` and one `tessera_dependency_up` per dependency, probed on each scrape. */
export function readinessGauges(
  registry: Registry,
  probes: Readonly<Partial<Record<Dependency, () => Promise<unknown>>>>,
) {
  const { Gauge } = promClient();
  const ready = new Gauge({
    name: 'tessera_ready',
    help: '1 when every dependency answers within 2 s (the checks of /readyz), else 0',
    registers: [registry],
  });
  const up = new Gauge({
    name: 'tessera_dependency_up',
    help: '1 when the dependency answered a trivial request within 2 s during this scrape, else 0',
    labelNames: ['dependency'],
    registers: [registry],
  });
  const checks = Object.entries(probes) as Array<[Dependency, () => Promise<unknown>]>;
  return {
    async probe() {
      const answers = await Promise.all(checks.map(([, check]) => answersWithin(check, probeTimeoutMs)));
      for (const [index, [dependency]] of checks.entries()) up.set({ dependency }, answers[index] ? 1 : 0);
      ready.set(answers.every(Boolean) ? 1 : 0);
    },
  };
}

async function answersWithin(check: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(check)
        .then(() => true),
      timeout,
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
