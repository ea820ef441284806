import { execFile } from 'node:child_process';
import { systemClock } from '../../src/platform/clock.js';
import type { Dialect } from '../../src/storage/database.js';
import { freePort } from '../helpers/listen.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * A Tessera listening on 127.0.0.1 with the real clock, so that clients in this process (fetch)
 * and in child processes (python3, node) talk to it over HTTP exactly as they would in production.
 */
export interface ListeningServer {
  readonly server: TestServer;
  /** http://127.0.0.1:PORT, also the issuer. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startListeningServer(
  dialect: Dialect,
  env: Record<string, string> = {},
): Promise<ListeningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = await startTestServer(dialect, {
    env: { TESSERA_ISSUER: baseUrl, TESSERA_LOG_LEVEL: 'warn', ...env },
    clock: systemClock,
  });
  await server.app.listen({ port, host: '127.0.0.1' });
  return { server, baseUrl, close: () => server.close() };
}

export interface ProgramRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a client program to completion without blocking this process's event loop (the server it
 * talks to runs here). Never longer than `timeoutMs`.
 */
export function runProgram(
  command: string,
  args: readonly string[],
  timeoutMs = 15_000,
): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The session API's error envelope, as clients match on it. */
export const sessionError = (message: string, code: string) => ({
  errors: [{ message, extensions: { code } }],
});

/**
 * A JSON answer as a JavaScript client reads it: it assumes the fields it knows are there (and
 * strings), everything else is whatever the server sent.
 */
export interface JsonBody {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly id_token: string;
  readonly token_type: string;
  readonly scope: string;
  readonly error: string;
  readonly error_description: string;
  readonly user: Readonly<Record<string, unknown>>;
  readonly errors: ReadonlyArray<{
    readonly message: string;
    readonly extensions: { readonly code: string };
  }>;
  readonly [field: string]: unknown;
}

export interface Answer {
  readonly status: number;
  readonly body: JsonBody;
}

export async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: (await response.json()) as JsonBody };
}
