#!/usr/bin/env node
// The example SPA's server: static files, the SDK and oauth4webapi as browser ES modules, and a
// same-origin path to Tessera for the page's back-channel calls. No dependencies beyond the SDK.
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

/**
 * Tessera answers no CORS preflights (yet), so a page on another origin cannot read its
 * responses. The page's back-channel calls (discovery, JWKS, token, userinfo, revocation) go to
 * /tessera/… here instead, and this forwards them. The front channel (the sign-in redirect) goes
 * to Tessera directly, as it must. Once Tessera sends CORS headers, drop this and the page's
 * `fetch` option.
 */
async function proxy(request, response, path) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const headers = new Headers();
  for (const name of ['accept', 'authorization', 'content-type', 'dpop', 'x-client-id']) {
    if (request.headers[name] !== undefined) headers.set(name, String(request.headers[name]));
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  try {
    const upstream = await fetch(`${issuer}${path}`, {
      method: request.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
      redirect: 'manual',
    });
    const keep = ['content-type', 'cache-control', 'pragma', 'www-authenticate', 'retry-after', 'location'];
    const out = Object.fromEntries(
      keep.flatMap((n) => (upstream.headers.has(n) ? [[n, upstream.headers.get(n)]] : [])),
    );
    response.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
  } catch (error) {
    response.writeHead(502, { 'content-type': 'text/plain' }).end(`Tessera unreachable: ${error.message}`);
  }
}

const server = createServer(async function spa(request, response) {
  const url = new URL(request.url ?? '/', 'http://spa.invalid');
  const origin = `http://${request.headers.host}`;
  if (url.pathname.startsWith('/tessera/'))
    return proxy(request, response, url.pathname.slice(8) + url.search);
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
        proxy: '/tessera',
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
