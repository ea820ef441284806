import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../faults/outage-server.js';
import { serverEntry } from '../helpers/server-entry.js';

/** Issue 15, item 8: `tessera serve` starts, announces and stops the separate metrics listener. */

// The current source, no build needed (helpers/server-entry.ts).
const entry = await serverEntry();

describe('tessera serve with TESSERA_METRICS_ADDRESS', { timeout: 60_000 }, () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** `tessera serve` in a fresh directory; resolves with its output once `until` matches or it exits. */
  function serve(env: Record<string, string>, until: RegExp) {
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !key.startsWith('TESSERA_') && key !== 'PORT' && key !== 'HOST',
      ),
    );
    const child: ChildProcess = spawn(process.execPath, [entry, 'serve'], {
      cwd,
      env: { ...inherited, PORT: '0', HOST: '127.0.0.1', TESSERA_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const matched = new Promise<RegExpExecArray | undefined>((resolve) => {
      const check = () => {
        const match = until.exec(out + err);
        if (match !== null) resolve(match);
      };
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        check();
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
        check();
      });
      void exited.then(() => resolve(undefined));
    });
    // A cold start on a loaded 2-core machine: a bound, not a measurement.
    let timer: NodeJS.Timeout | undefined;
    const bounded = Promise.race([
      matched,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 30_000);
      }),
    ]).finally(() => clearTimeout(timer));
    return { child, exited, bounded, output: () => out + err };
  }

  it('serves /metrics on its own port only, and closes it on SIGTERM', async () => {
    const tessera = serve(
      { TESSERA_METRICS_ADDRESS: '127.0.0.1:0' },
      /^ {2}metrics: {3}http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m,
    );
    const match = await tessera.bounded;
    expect(match, tessera.output()).toBeDefined();
    const metricsBase = `http://127.0.0.1:${(match as RegExpExecArray)[1]}`;
    const mainPort = /^Tessera is listening on 127\.0\.0\.1:(\d+)$/m.exec(tessera.output())?.[1];
    expect((await call(`http://127.0.0.1:${mainPort}`, '/metrics')).status).toBe(404);
    const served = await call(metricsBase, '/metrics');
    expect(served.status).toBe(200);
    expect(served.body).toContain('tessera_ready 1');

    tessera.child.kill('SIGTERM');
    expect(await tessera.exited).toBe(0);
    await expect(call(metricsBase, '/metrics', {}, 2000)).rejects.toThrow();
  });

  it('stops with one line naming the setting when the address is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => taken.close());
    const port = (taken.address() as { port: number }).port;
    const tessera = serve({ TESSERA_METRICS_ADDRESS: `127.0.0.1:${port}` }, /^tessera: .*$/m);
    const match = await tessera.bounded;
    expect(match?.[0]).toBe(
      `tessera: TESSERA_METRICS_ADDRESS: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
    );
    expect(await tessera.exited).not.toBe(0);
  });
});
