// A password-guess flood in a process of its own: autocannon, wrong passwords on POST /login from
// 127.0.0.1. Separate from the process that times the legitimate logins, so that the flood's
// thousands of answers a second do not delay that process's own timers and reads (it shares the
// load generator's core, but the kernel wakes the mostly idle timer process promptly).
// Run: node bench/lib/flood.mjs '{"url":…,"duration":…,"connections":64,"usernames":[…]}'
// Prints "flooding" once the first answer arrived, then one JSON line with the status counts.
import autocannon from 'autocannon';

const { url, duration, connections, usernames } = JSON.parse(process.argv[2] ?? '{}');
let guess = 0;
const instance = autocannon(
  {
    url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // One username after another, each with a fresh wrong password.
        setupRequest: (request) => {
          guess += 1;
          const username = usernames[guess % usernames.length];
          return { ...request, body: JSON.stringify({ username, password: `guess-${guess}` }) };
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    }
    const statuses = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]),
    );
    process.stdout.write(
      `${JSON.stringify({ statuses, total: result.requests.total, rps: result.requests.average, errors: result.errors + result.timeouts })}\n`,
    );
  },
);
instance.once('response', () => process.stdout.write('flooding\n'));
