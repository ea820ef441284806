import http from 'node:http';

/**
 * An open-loop load at a constant rate: request i is sent at start + i / rate, whatever happened
 * to the earlier ones (a slow answer does not hold the next request back while a connection is
 * free), and its latency runs from its write to the end of its answer, as in autocannon and wrk.
 * autocannon's own `overallRate` lets each connection send its whole quota for the second at
 * once and then wait, so "half load" there is full load for half of every second.
 *
 * The loop yields with setImmediate between sends: this process has its own core, and a timer's
 * millisecond granularity would bunch the requests (a pace slower than a few ms sleeps instead). Bounded by `duration` plus a drain timeout.
 *
 * `localAddress(i)`, when given, is the loopback address request i comes from (127.0.0.0/8 is all
 * local): many users, each from its own address, each request on a new connection.
 */
export function pacedRun({
  url,
  method = 'GET',
  headers = {},
  body,
  rate,
  duration,
  connections = 32,
  localAddress,
}) {
  const agent = new http.Agent({ keepAlive: localAddress === undefined, maxSockets: connections });
  const total = Math.floor(rate * duration);
  const interval = 1000 / rate;
  const latencies = [];
  let sent = 0;
  let completed = 0;
  let non2xx = 0;
  let errors = 0;

  return new Promise((resolve) => {
    const start = performance.now();
    let drainTimer;
    const finish = () => {
      clearTimeout(drainTimer);
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const at = (q) =>
        latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? null;
      const lost = total - completed;
      resolve({
        rate,
        total,
        p50: at(0.5),
        p99: at(0.99),
        max: latencies.at(-1) ?? null,
        latencies,
        non2xx,
        errors: errors + lost,
        valid: non2xx === 0 && errors + lost === 0,
      });
    };
    const done = () => {
      completed += 1;
      if (completed === total) finish();
    };
    const fire = (index) => {
      const sentAt = performance.now();
      const from = localAddress === undefined ? {} : { localAddress: localAddress(index) };
      const request = http.request(url, { method, headers, agent, ...from }, (response) => {
        response.resume();
        response.on('end', () => {
          latencies.push(performance.now() - sentAt);
          if (response.statusCode < 200 || response.statusCode > 299) non2xx += 1;
          done();
        });
      });
      request.on('error', () => {
        errors += 1;
        done();
      });
      request.end(body);
    };
    const pump = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        fire(sent);
        sent += 1;
      }
      if (sent >= total) drainTimer = setTimeout(finish, 10_000);
      else {
        // A slow pace sleeps until just before its next send instead of spinning a core (which
        // the guess flood's generator needs), then spins for precision.
        const wait = start + sent * interval - performance.now();
        if (wait > 3) setTimeout(pump, wait - 2);
        else setImmediate(pump);
      }
    };
    pump();
  });
}
