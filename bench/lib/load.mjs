import autocannon from 'autocannon';

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
export async function measure(name, options, { warmup, duration, runs }) {
  await runOnce({ ...options, duration: warmup });
  const results = [];
  for (let i = 0; i < runs; i += 1) results.push(await runOnce({ ...options, duration }));
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
  };
}
