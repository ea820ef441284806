import { Type } from 'typebox';
import { discoveryDocument } from '../../oauth/discovery.js';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

const strings = Type.Array(Type.String());
const metadata = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  jwks_uri: Type.String(),
  userinfo_endpoint: Type.String(),
  end_session_endpoint: Type.String(),
  introspection_endpoint: Type.String(),
  revocation_endpoint: Type.String(),
  scopes_supported: strings,
  response_types_supported: strings,
  response_modes_supported: strings,
  grant_types_supported: strings,
  subject_types_supported: strings,
  id_token_signing_alg_values_supported: strings,
  token_endpoint_auth_methods_supported: strings,
  introspection_endpoint_auth_methods_supported: strings,
  revocation_endpoint_auth_methods_supported: strings,
  code_challenge_methods_supported: strings,
  authorization_response_iss_parameter_supported: Type.Boolean(),
  claims_parameter_supported: Type.Boolean(),
  prompt_values_supported: strings,
  claims_supported: strings,
  request_parameter_supported: Type.Boolean(),
  request_uri_parameter_supported: Type.Boolean(),
});

/** GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server: one document. */
export function discoveryRoutes(app: App, services: Services): void {
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    app.get(
      path,
      {
        schema: {
          summary: 'Server metadata (RFC 8414, OIDC Discovery)',
          tags: ['discovery'],
          response: { 200: metadata },
        },
      },
      async function serveMetadata(_request, reply) {
        const scopes = (await services.scopes.list()).map((s) => s.name);
        reply.header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*');
        return discoveryDocument({
          issuer: services.config.issuer,
          grantTypes: services.grants.types,
          scopes,
        });
      },
    );
  }
}
