import { type ChildProcess, spawn } from 'node:child_process';
import { serverEntry } from '../helpers/server-entry.js';

// The current source, no build needed (helpers/server-entry.ts).
const entry = await serverEntry();

/** A `tessera serve` process, as an operator runs it (here from the current source). */
export interface TesseraProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the port once the banner is printed; rejects if the process exits first or in `timeoutMs`. */
  listening(timeoutMs: number): Promise<number>;
  output(): string;
  /** SIGKILL: no drain, no shutdown hook, mid-write (kill -9). Resolves once it is gone. */
  kill(): Promise<void>;
}

export function startTessera(env: Record<string, string>): TesseraProcess {
  // Nothing of the test runner's own Tessera settings may leak into the child.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('TESSERA_') && key !== 'PORT' && key !== 'HOST' && key !== 'NODE_OPTIONS',
    ),
  );
  const child = spawn(process.execPath, [entry, 'serve'], {
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string) => {
    output += chunk;
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    exited,
    output: () => output,
    listening(timeoutMs) {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`not listening after ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
        const check = () => {
          const match = /^Tessera is listening on 127\.0\.0\.1:(\d+)$/m.exec(output);
          if (match === null) return;
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve(Number(match[1]));
        };
        child.stdout?.on('data', check);
        check();
        void exited.then((exit) => {
          clearTimeout(timer);
          reject(new Error(`exited (${JSON.stringify(exit)}) before listening:\n${output}`));
        });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
