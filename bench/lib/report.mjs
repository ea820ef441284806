import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const n = (value, digits = 0) =>
  value === null || value === undefined ? '–' : Number(value).toFixed(digits);
const range = (m, digits = 0) =>
  m === null || m === undefined
    ? 'invalid'
    : `${n(m.median, digits)} [${n(m.min, digits)}–${n(m.max, digits)}]`;

/** Writes bench/RESULTS.md and bench/chart.svg from one run's results. */
export function writeReport({ results, versions, machine, started, finished, quick, timing, root }) {
  const find = (system, name, group) =>
    results.find((r) => r.system === system && r.name === name && (group === undefined || r.group === group));
  const rps = (system, name) => find(system, name)?.rps?.median ?? null;
  const ops = (name) => find('ceiling', name)?.opsPerSecond ?? null;
  const ratio = (a, b) => (a === null || b === null || b === 0 ? null : a / b);

  const bare = rps('ceiling', 'bare Fastify form POST');
  const sign = ops('ES256 sign, node:crypto (one core)');
  const limit = bare === null || sign === null ? null : 1e6 / (1e6 / bare + 1e6 / sign);
  const ccEs = find('tessera', 'client_credentials ES256');
  // The do-nothing server measured in turns with the Tessera it is compared with.
  const bareInTurns = (group) =>
    find('ceiling', 'bare Fastify + secret hash + ES256 JWT, in turns', group)?.rps?.median ?? null;
  const refresh = (dialect, size) =>
    results.find((r) => r.group === 'refresh' && r.dialect === dialect && r.size === size)?.rps?.median ??
    null;
  const sizes = [...new Set(results.filter((r) => r.group === 'refresh').map((r) => r.size))].sort(
    (a, b) => a - b,
  );
  const [small, large] = [sizes[0], sizes.at(-1)];
  const limitsOff = rps('tessera', 'client_credentials ES256, limits off');
  const cpu = (name) => find('tessera', name)?.cpuPerRequest?.median ?? null;
  const floods = results.filter((r) => r.group === 'guess flood');
  const laterStart = find('tessera', 'start to first 200 (later start)');
  const firstStart = find('tessera', 'start to first 200 (first start, empty dir)');

  const ratios = [
    [
      'client_credentials ES256: Tessera ÷ oidc-provider',
      ratio(rps('tessera', 'client_credentials ES256'), rps('peer', 'client_credentials ES256')),
      '≥ 2',
      (v) => v >= 2,
    ],
    [
      'client_credentials ES256: Tessera ÷ do-nothing Fastify (secret hash + node:crypto ES256), in turns',
      ratio(rps('tessera', 'client_credentials ES256'), bareInTurns('client_credentials')),
      '≥ 0.9',
      (v) => v >= 0.9,
    ],
    [
      'client_credentials ES256: Tessera ÷ the do-nothing server writing at the end of the turn too (BATCH=1), in turns',
      ratio(
        rps('tessera', 'client_credentials ES256'),
        find('ceiling', 'the same, answers written at the end of the turn (BATCH=1), in turns')?.rps
          ?.median ?? null,
      ),
      '(reported)',
      () => true,
    ],
    ...['in-process', 'Redis'].map((limits) => [
      `client_credentials ES256, limits on (${limits}) ÷ do-nothing Fastify, in turns`,
      ratio(rps('tessera', `client_credentials ES256, limits on (${limits})`), bareInTurns('rate limits')),
      '≥ 0.9',
      (v) => v >= 0.9,
    ]),
    [
      'client_credentials RS256: Tessera ÷ oidc-provider',
      ratio(rps('tessera', 'client_credentials RS256'), rps('peer', 'client_credentials RS256')),
      '(reported)',
      () => true,
    ],
    [
      'client_credentials ES256: Tessera ÷ limit (the sum of two costs each measured alone)',
      ratio(rps('tessera', 'client_credentials ES256'), limit),
      '(reported)',
      () => true,
    ],
    [
      'introspection: Tessera ÷ oidc-provider',
      ratio(rps('tessera', 'introspection'), rps('peer', 'introspection')),
      '≥ 2',
      (v) => v >= 2,
    ],
    ...['sqlite', 'postgres'].map((d) => [
      `refresh ${d}: ${large?.toLocaleString('en')} ÷ ${small?.toLocaleString('en')} stored tokens`,
      ratio(refresh(d, large), refresh(d, small)),
      '≥ 0.8',
      (v) => v >= 0.8,
    ]),
    [
      'POST /login ÷ argon2id verifications alone',
      ratio(rps('tessera', 'POST /login'), ops('argon2id verify (one core)')),
      '≥ 0.9',
      (v) => v >= 0.9,
    ],
    ...['in-process', 'Redis'].map((limits) => [
      `client_credentials ES256: limits on (${limits}) ÷ limits off`,
      ratio(rps('tessera', `client_credentials ES256, limits on (${limits})`), limitsOff),
      '≥ 0.9',
      (v) => v >= 0.9,
    ]),
    // The same comparison by server CPU per request, which other work on the machine hardly moves
    // (Redis's own CPU is not in it).
    ...['in-process', 'Redis'].map((limits) => [
      `client_credentials ES256: server CPU per request, limits off ÷ limits on (${limits})`,
      ratio(
        cpu('client_credentials ES256, limits off'),
        cpu(`client_credentials ES256, limits on (${limits})`),
      ),
      '(reported)',
      () => true,
    ]),
    // A legitimate sign-in refused (429 or 503) during the flood misses the target whatever its p99.
    ...floods.map((f) => [
      `legitimate login p99 during a 64-connection guess flood ÷ idle (${f.variant})`,
      ratio(f.flood.p99, f.idle.p99),
      '≤ 2',
      (v) => v <= 2 && f.flood.failed === 0,
    ]),
    [
      '@tessera/verify ÷ jose.jwtVerify, same Fastify API',
      ratio(
        rps('tessera', '@tessera/verify (Fastify API)'),
        rps('jose', 'jose.jwtVerify (same Fastify API)'),
      ),
      '≥ 0.9',
      (v) => v >= 0.9,
    ],
  ];
  const absolutes = [
    [
      'p99 at half of peak load, client_credentials ES256 (ms)',
      ccEs?.halfLoadP99 ?? null,
      '≤ 5',
      (v) => v <= 5,
    ],
    ['RSS at the first 200 after start (MB)', laterStart?.startRss ?? null, '(reported)', () => true],
    ['RSS idle, 30 s after start without requests (MB)', laterStart?.idleRss ?? null, '≤ 80', (v) => v <= 80],
    ['RSS after client_credentials load (MB)', ccEs?.afterRss ?? null, '≤ 130', (v) => v <= 130],
    [
      'start to first 200 on discovery, later start, SQLite (ms)',
      laterStart?.ms ?? null,
      '≤ 1000',
      (v) => v <= 1000,
    ],
    [
      'start to first 200, first start on an empty dir (ms; includes key generation and the admin password hash)',
      firstStart?.ms ?? null,
      '(reported)',
      () => true,
    ],
  ];
  const verdict = (value, test) => (value === null ? 'invalid' : test(value) ? 'met' : '**missed**');

  const throughputRows = results
    .filter((r) => r.rps !== undefined)
    .map(
      (r) =>
        `| ${r.group} | ${r.system === 'peer' ? 'oidc-provider' : r.system} | ${r.name} | ${range(r.rps)} | ${range(r.p99, 1)} | ${r.invalid ?? 0} |`,
    );
  const ceilingRows = results
    .filter((r) => r.opsPerSecond !== undefined)
    .map((r) => `| ${r.name} | ${n(r.opsPerSecond)} |`);

  const md = `# Benchmark results

${quick ? '**Quick run** (shorter runs, 100 000 instead of 1 000 000 stored refresh tokens): for orientation only.\n\n' : ''}Generated by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${started.toISOString()} (${Math.round((finished - started) / 1000)} s).

- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB. Servers pinned to core 0, the load generator (autocannon, 32 connections, loopback) to core 1 with \`taskset\`.
- Versions: ${Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}. oidc-provider warns that it prefers Node 22; it ran on ${versions.node}.
- Each scenario: ${timing.warmup} s warm-up, then ${timing.runs} timed runs of ${timing.duration} s. Figures are median [min–max]; a run with any non-2xx answer or socket error is invalid and left out (the count is shown).
- Systems compared with each other (Tessera and oidc-provider, @tessera/verify and jose, login and argon2 alone) are measured in turns, run 1 of each, then run 2 of each, so that the machine's drift falls on both.
- p99 at half of peak load comes from an evenly paced, open-loop generator (\`bench/lib/paced.mjs\`, 32 keep-alive connections, latency from each request's write to the end of its answer): autocannon's own rate option sends each second's quota at once, which is full load for part of every second.
- @tessera/verify is compared with a bare \`jose.jwtVerify\` in the same Fastify API (\`bench/peer/verify-api.mjs\`), same token, JWKS and claim checks; jose's verifications per second alone, in one process with no HTTP, are listed with the ceilings.
- Tessera runs with \`TESSERA_LOG_LEVEL=warn\` (oidc-provider logs nothing per request either); SQLite unless noted.
- The do-nothing server (\`bench/peer/bare-fastify.mjs\` with \`SIGN=1\`: Fastify, a Basic secret checked against its SHA-256 hash, an ES256 JWT signed with node:crypto, no store, no logging) is measured in turns with the Tessera it is compared with, in the client_credentials and rate-limits steps.
- Metrics are on in every scenario (\`TESSERA_METRICS_TOKEN\`), and usage is counted per client as always.
- Rate limits are on in every scenario, as shipped, with budgets out of the load's reach (\`TESSERA_RATE_LIMITS\` at 10 000 000 per minute for every route, and the same as each fixture client's own limit), so each figure includes the limiter's cost. The "rate limits" rows compare three such servers, loaded in turns: limits off, on in-process, and on through Redis (\`TESSERA_REDIS_URL\`, the bench's own logical database and key prefix; Redis is not pinned and shares the two cores).
- Guess flood: a separate process (autocannon, 64 connections, from 127.0.0.1) sends wrong passwords to \`POST /login\`, spraying ${floods[0]?.usernames ?? 'many'} usernames including the victim's; meanwhile a legitimate user signs in with the right password ${floods[0]?.legitRate ?? 10} times a second, evenly paced, each from its own loopback address (127.0.0.2 onwards) on a new connection. Idle = the same legitimate sign-ins with no flood; idle and flood runs alternate, with no flood warm-up (its first seconds, before the defences have counted anything, are part of the test), and p99 is over every legitimate sign-in of the runs. Once with the default limits, once with the login budget out of reach, where only the brute-force backoff and the bound on queued password checks act.
- oidc-provider is configured in \`bench/peer/oidc-provider.mjs\`: the same confidential client, client_credentials with JWT access tokens of the same algorithm; introspection is measured on its opaque tokens, since it introspects only tokens it stores.

![throughput chart](chart.svg)

## Ratios and targets

| measure | value | target | |
|---|---|---|---|
${[...ratios, ...absolutes].map(([name, value, target, test]) => `| ${name} | ${n(value, 2)} | ${target} | ${verdict(value, test)} |`).join('\n')}

Limit = 1 ÷ (µs per bare Fastify form POST + µs per node:crypto ES256 signature) = ${n(limit)} req/s.

## Throughput

| group | system | scenario | req/s | p99 ms | invalid runs |
|---|---|---|---|---|---|
${throughputRows.join('\n')}

${floods.length === 0 ? '' : floodSection(floods)}
## Ceilings (operations per second, one core)

| operation | ops/s |
|---|---|
${ceilingRows.join('\n')}
`;
  const analysisPath = join(root, 'bench/analysis.md');
  const analysis = existsSync(analysisPath) ? `\n${readFileSync(analysisPath, 'utf8')}` : '';
  writeFileSync(join(root, 'bench/RESULTS.md'), md + notes(ratios, absolutes) + analysis);
  writeFileSync(join(root, 'bench/chart.svg'), chart(results));
}

/** The guess-flood figures: a legitimate sign-in's latency idle and flooded, and how the flood was answered. */
function floodSection(floods) {
  const ms = (v) => n(v, 1);
  const rows = floods.map((f) => {
    const answers = Object.entries(f.floodStatuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status}: ${count.toLocaleString('en')}`)
      .join(', ');
    return `| ${f.variant} | ${ms(f.idle.p50)} / ${ms(f.idle.p99)} / ${ms(f.idle.max)} (${f.idle.count}) | ${ms(f.flood.p50)} / ${ms(f.flood.p99)} / ${ms(f.flood.max)} (${f.flood.count}) | ${f.idle.failed} / ${f.flood.failed} | ${n(f.floodRps)} | ${answers}${f.floodErrors > 0 ? `, socket errors: ${f.floodErrors}` : ''} |`;
  });
  return `## Legitimate sign-in during a guess flood

| limits | idle p50 / p99 / max ms (sign-ins) | flooded p50 / p99 / max ms (sign-ins) | legitimate sign-ins refused, idle / flooded | flood req/s | flood answered |
|---|---|---|---|---|---|
${rows.join('\n')}

401 = a password actually checked and wrong; 429 = refused by the login budget or the brute-force backoff before any password work; 503 = shed because the password-check queue was at its bound.

`;
}

function notes(ratios, absolutes) {
  const missed = [...ratios, ...absolutes]
    .filter(([, value, , test]) => value !== null && !test(value))
    .map(([name]) => name);
  if (missed.length === 0) return '\nEvery target was met in this run.\n';
  return `\n## Missed targets\n\n${missed.map((m) => `- ${m}`).join('\n')}\n\nWhat dominates each is in the analysis below (bench/analysis.md, written from CPU profiles).\n`;
}

/** Horizontal bars: each scenario's req/s, Tessera beside the peer and the ceilings. */
function chart(results) {
  const bars = results
    .filter((r) => r.rps?.median !== undefined)
    .map((r) => ({
      label: `${r.system === 'peer' ? 'oidc-provider' : r.system}: ${r.name}`,
      value: r.rps.median,
      system: r.system,
    }));
  const max = Math.max(...bars.map((b) => b.value), 1);
  const rowHeight = 26;
  const width = 900;
  const labelWidth = 380;
  const colour = { tessera: '#1d4ed8', peer: '#9ca3af', ceiling: '#16a34a' };
  const rows = bars
    .map((bar, i) => {
      const y = 40 + i * rowHeight;
      const w = Math.max(1, ((width - labelWidth - 90) * bar.value) / max);
      const label = bar.label.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      return `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${label}</text><rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${colour[bar.system] ?? '#444'}"/><text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}" font-size="12">${Math.round(bar.value)}</text>`;
    })
    .join('\n');
  const height = 60 + bars.length * rowHeight;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" role="img">
<title>Requests per second of each benchmark scenario</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="bold">Requests per second, one server core (blue: Tessera, grey: oidc-provider, green: ceiling)</text>
${rows}
</svg>
`;
}
