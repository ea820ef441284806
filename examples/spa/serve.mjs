#!/usr/bin/env node
// The example SPA's server: static files and the SDK and oauth4webapi as browser ES modules. The
// page calls Tessera directly: Tessera answers CORS for the origins of a public client's redirect
// URIs. No dependencies beyond the SDK.
//
//   TESSERA_ISSUER=http://localhost:8080 TESSERA_CLIENT_ID=… node examples/spa/serve.mjs
//
// Env: TESSERA_ISSUER (default http://localhost:8080), TESSERA_CLIENT_ID (required),
// SCOPE (default "openid profile email offline_access"), HOST (default 127.0.0.1), PORT (default 5173).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built SDK (packages/client/dist) and oauth4webapi's single ESM file, found by package name. */
const sdkDir = dirname(fileURLToPath(import.meta.resolve('@tessera/client')));
const oauth4webapiFile = fileURLToPath(import.meta.resolve('oauth4webapi'));

const issuer = (process.env.TESSERA_ISSUER ?? 'http://localhost:8080').replace(/\/+$/, '');
const clientId = process.env.TESSERA_CLIENT_ID;
const scope = process.env.SCOPE ?? 'openid profile email offline_access';
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 5173);
if (!clientId) {
  console.error(
    'Set TESSERA_CLIENT_ID (npx tessera client create --name SPA --type public --redirect-uri …)',
  );
  process.exit(1);
}

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** Serves `file` if it lies inside `root` (no `..` escapes). */
async function sendFile(response, root, relative) {
  const file = normalize(join(root, relative));
  if (file !== root && !file.startsWith(root + sep)) return notFound(response);
  try {
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    response.end(body);
  } catch {
    notFound(response);
  }
}

function notFound(response) {
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

const server = createServer(async function spa(request, response) {
  const url = new URL(request.url ?? '/', 'http://spa.invalid');
  const origin = `http://${request.headers.host}`;
  if (request.method !== 'GET') return notFound(response);
  if (url.pathname === '/' || url.pathname === '/callback') return sendFile(response, here, 'index.html');
  if (url.pathname === '/app.js') return sendFile(response, here, 'app.js');
  if (url.pathname === '/config.json') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return response.end(
      JSON.stringify({
        issuer,
        clientId,
        scope,
        redirectUri: `${origin}/callback`,
        postLogoutRedirectUri: `${origin}/`,
      }),
    );
  }
  if (url.pathname.startsWith('/sdk/')) return sendFile(response, sdkDir, url.pathname.slice(5));
  if (url.pathname === '/vendor/oauth4webapi.js')
    return sendFile(response, dirname(oauth4webapiFile), 'index.js');
  notFound(response);
});

server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(
    `SPA listening on http://${host}:${actual} (redirect URI http://${host}:${actual}/callback, issuer ${issuer})`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
