// The example SPA: authorization code + PKCE with @tessera/client, tokens kept across reloads in
// IndexedDB, encrypted with a non-extractable WebCrypto key (never plain text in localStorage).
import { AuthenticationError, createIndexedDbStore, createPublicClient } from '@tessera/client';

const config = await (await fetch('/config.json')).json();

const client = createPublicClient({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: config.redirectUri,
  scope: config.scope,
  store: createIndexedDbStore({ name: config.clientId }),
});
// For poking at from the devtools console (and the browser test).
window.tessera = { client };

const $ = (id) => document.getElementById(id);
const show = (value) => {
  $('output').textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
};

async function render() {
  let signedIn = false;
  try {
    await client.getAccessToken();
    signedIn = true;
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
  }
  $('sign-in').hidden = signedIn;
  for (const id of ['userinfo', 'refresh', 'sign-out']) $(id).hidden = !signedIn;
  if (!signedIn) {
    $('status').textContent = 'Signed out';
    return;
  }
  const user = await client.userinfo();
  $('status').textContent = `Signed in as ${user.preferred_username ?? user.sub}`;
}

// Another tab signed out (or the session ended): show it now, not at the next click.
client.on('signedOut', ({ elsewhere }) => {
  if (elsewhere) run(render);
});
client.on('refreshed', ({ expiresAt, elsewhere }) => {
  $('refreshed').textContent =
    `Tokens refreshed${elsewhere ? ' in another tab' : ''}; the access token expires at ${new Date(expiresAt * 1000).toLocaleTimeString()}`;
});

async function run(action) {
  try {
    await action();
  } catch (error) {
    show(`${error.name}: ${error.code ?? ''} ${error.message}`);
  }
}

$('sign-in').addEventListener('click', () =>
  run(async () => {
    location.assign(await client.authorize());
  }),
);
$('userinfo').addEventListener('click', () => run(async () => show(await client.userinfo())));
$('refresh').addEventListener('click', () =>
  run(async () => {
    const tokens = await client.refresh();
    show(
      `Refreshed; the access token now expires at ${new Date(tokens.expiresAt * 1000).toLocaleTimeString()}`,
    );
  }),
);
$('sign-out').addEventListener('click', () =>
  run(async () => {
    const endSession = await client.signOut({ postLogoutRedirectUri: config.postLogoutRedirectUri });
    if (endSession) location.assign(endSession);
    else await render();
  }),
);

await run(async () => {
  if (location.pathname === '/callback') {
    try {
      const { claims } = await client.handleCallback(location.href);
      show({ signed_in: true, id_token_claims: claims });
    } finally {
      // Whatever happened, the code and state leave the address bar and the history.
      history.replaceState(null, '', '/');
    }
  }
});
await run(render);
