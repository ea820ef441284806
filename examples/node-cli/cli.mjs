#!/usr/bin/env node
// A command-line app that signs in once and stays signed in across runs: @tessera/client's session
// client over a file store (mode 0600, atomic writes, a lock file so two runs never race a refresh).
//
//   node examples/node-cli/cli.mjs login alice         (asks for the password; or TESSERA_PASSWORD)
//   node examples/node-cli/cli.mjs me
//   node examples/node-cli/cli.mjs call http://127.0.0.1:3000/whoami
//   node examples/node-cli/cli.mjs logout
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, createSessionClient, TesseraError } from '@tessera/client';
import { createFileStore } from '@tessera/client/file-store';

const baseUrl = process.env.TESSERA_URL ?? 'http://localhost:8080';
const tokenFile =
  process.env.TESSERA_TOKEN_FILE ?? join(homedir(), '.config', 'tessera-example', 'tokens.json');
// The access token goes to Tessera and to these API origins only (comma-separated), never elsewhere.
const apiOrigins = (process.env.API_ORIGINS ?? 'http://127.0.0.1:3000').split(',').filter(Boolean);
const client = createSessionClient({ baseUrl, apiOrigins, store: createFileStore(tokenFile) });

const commands = {
  async login(username = process.env.USER ?? '') {
    if (username === '') throw new Error('usage: login USERNAME');
    const password = process.env.TESSERA_PASSWORD ?? (await readPassword(`Password for ${username}: `));
    const user = await client.login(username, password);
    console.log(`Signed in as ${user.username}; tokens in ${tokenFile}`);
  },
  async me() {
    console.log(JSON.stringify(await client.me(), null, 2));
  },
  /** An API on one of API_ORIGINS: the token is attached and refreshed as needed. */
  async call(url, method = 'GET') {
    if (url === undefined) throw new Error('usage: call URL [METHOD]');
    const response = await client.fetch(url, { method });
    console.log(`${response.status} ${response.statusText}`);
    console.log(await response.text());
    if (!response.ok) process.exitCode = 1;
  },
  async logout() {
    await client.logout();
    console.log('Signed out');
  },
};

/** A password from the terminal without echoing it, or one line from stdin when piped. */
async function readPassword(prompt) {
  const { stdin, stdout } = process;
  if (!stdin.isTTY) {
    let input = '';
    for await (const chunk of stdin) input += chunk;
    return input.split('\n')[0];
  }
  stdout.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  let password = '';
  for await (const chunk of stdin) {
    for (const char of chunk) {
      if (char === '\r' || char === '\n') {
        stdin.setRawMode(false);
        stdin.pause();
        stdout.write('\n');
        return password;
      }
      if (char === '\u0003') process.exit(130); // Ctrl-C
      password = char === '\u007f' ? password.slice(0, -1) : password + char;
    }
  }
  return password;
}

const [command, ...args] = process.argv.slice(2);
const run = commands[command];
if (run === undefined) {
  console.error('usage: cli.mjs login USERNAME | me | call URL [METHOD] | logout');
  process.exit(2);
}
try {
  await run(...args);
} catch (error) {
  if (error instanceof AuthenticationError) {
    // INVALID_CREDENTIALS, NOT_SIGNED_IN, or UNAUTHENTICATED (the session ended: logged out elsewhere, expired).
    console.error(
      `${error.code}: ${error.message}${error.code === 'INVALID_CREDENTIALS' ? '' : ' (run `login`)'}`,
    );
  } else if (error instanceof TesseraError) {
    console.error(`${error.name} ${error.code}: ${error.message}`);
  } else {
    console.error(error.message ?? error);
  }
  process.exitCode = 1;
}
