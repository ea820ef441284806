// A machine-to-machine client as existing Node integrations write it (issue 8): plain fetch.
//
// Usage: node m2m_client.mjs TOKEN_URL CLIENT_ID CLIENT_SECRET [METHOD API_URL]...
//
// POSTs {"client_id", "client_secret", "grant_type": "client_credentials"} as JSON to TOKEN_URL,
// then calls each API_URL with the token as the bearer, and prints
// {"access_token", "token_type", "expires_in", "calls": [{"method", "url", "status", "body"}]}
// as JSON. When the token request fails it prints {"status", "body"} and exits 2.

const [tokenUrl, clientId, clientSecret, ...apiCalls] = process.argv.slice(2);
if (
  tokenUrl === undefined ||
  clientId === undefined ||
  clientSecret === undefined ||
  apiCalls.length % 2 !== 0
) {
  console.error('usage: node m2m_client.mjs TOKEN_URL CLIENT_ID CLIENT_SECRET [METHOD API_URL]...');
  process.exit(64);
}

async function send(method, url, headers, body) {
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

const token = await send(
  'POST',
  tokenUrl,
  { 'content-type': 'application/json', accept: 'application/json' },
  JSON.stringify({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' }),
);
if (token.status !== 200) {
  console.log(JSON.stringify(token));
  process.exit(2);
}
const { access_token, token_type, expires_in } = token.body;
const calls = [];
for (let i = 0; i < apiCalls.length; i += 2) {
  const [method, url] = [apiCalls[i], apiCalls[i + 1]];
  const result = await send(method, url, {
    authorization: `Bearer ${access_token}`,
    accept: 'application/json',
  });
  calls.push({ method, url, ...result });
}
console.log(JSON.stringify({ access_token, token_type, expires_in, calls }));
