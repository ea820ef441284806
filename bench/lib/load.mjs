import autocannon from 'autocannon';
import { cpuSeconds } from './process.mjs';

/** One autocannon run; non-2xx answers and socket errors make it invalid. */
export function runOnce(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections: 32, pipelining: 1, ...options }, (error, result) => {
      if (error) return reject(error);
      const non2xx = result.non2xx + (result['1xx'] ?? 0);
      resolve({
        rps: result.requests.average,
        p99: result.latency.p99,
        p50: result.latency.p50,
        total: result.requests.total,
        non2xx,
        errors: result.errors + result.timeouts,
        valid: non2xx === 0 && result.errors === 0 && result.timeouts === 0 && result.requests.total > 0,
      });
    });
    autocannon.track(instance, {
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
      outputStream: devNull,
    });
  });
}

const devNull = { write() {}, on() {}, once() {}, emit() {}, end() {}, removeListener() {} };

/** Warm-up, then `runs` timed runs; figures are median [min–max] over the valid runs. */
export async function measure(name, options, timing) {
  const [measurement] = await measureAlternating([{ name, options }], timing);
  return measurement;
}

/**
 * Several systems measured in turns (warm-ups first, then run 1 of each, run 2 of each, …), so a
 * drift in the machine's speed over the minutes a scenario takes falls on every system alike
 * instead of on whichever ran last. The servers all sit on the same core; only one is loaded at
 * a time.
 *
 * A system with a `pid` also gets the server's CPU time per answered request (µs, from /proc):
 * unlike requests per second, it hardly moves when other work shares the machine.
 */
export async function measureAlternating(systems, { warmup, duration, runs }) {
  for (const { options } of systems) await runOnce({ ...options, duration: warmup });
  const results = systems.map(() => []);
  for (let i = 0; i < runs; i += 1) {
    for (const [index, { options, pid }] of systems.entries()) {
      const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
      const result = await runOnce({ ...options, duration });
      if (pid !== undefined && result.total > 0)
        result.cpuPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1e6) / result.total;
      results[index].push(result);
    }
  }
  return systems.map(({ name }, index) => summarise(name, results[index]));
}

/** Median [min–max] of the valid runs; the invalid ones are counted, never averaged in. */
export function summarise(name, results) {
  const valid = results.filter((r) => r.valid);
  const summary = (key) => {
    const values = valid.map((r) => r[key]).sort((a, b) => a - b);
    return values.length === 0
      ? null
      : { median: values[Math.floor(values.length / 2)], min: values[0], max: values.at(-1) };
  };
  return {
    name,
    runs: results,
    invalid: results.length - valid.length,
    rps: summary('rps'),
    p99: summary('p99'),
    ...(valid.some((r) => r.cpuPerRequest !== undefined) ? { cpuPerRequest: summary('cpuPerRequest') } : {}),
  };
}
