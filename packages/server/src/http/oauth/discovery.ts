import { discoveryDocument } from '../../oauth/discovery.js';
import type { Services } from '../../services.js';
import type { App } from '../types.js';

const string = { type: 'string' } as const;
const boolean = { type: 'boolean' } as const;
const strings = { type: 'array', items: string } as const;
const metadata = {
  type: 'object',
  properties: {
    issuer: string,
    authorization_endpoint: string,
    token_endpoint: string,
    jwks_uri: string,
    userinfo_endpoint: string,
    end_session_endpoint: string,
    introspection_endpoint: string,
    revocation_endpoint: string,
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
    authorization_response_iss_parameter_supported: boolean,
    claims_parameter_supported: boolean,
    prompt_values_supported: strings,
    claims_supported: strings,
    request_parameter_supported: boolean,
    request_uri_parameter_supported: boolean,
  },
  required: [
    'issuer',
    'authorization_endpoint',
    'token_endpoint',
    'jwks_uri',
    'userinfo_endpoint',
    'end_session_endpoint',
    'introspection_endpoint',
    'revocation_endpoint',
    'scopes_supported',
    'response_types_supported',
    'response_modes_supported',
    'grant_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
    'token_endpoint_auth_methods_supported',
    'introspection_endpoint_auth_methods_supported',
    'revocation_endpoint_auth_methods_supported',
    'code_challenge_methods_supported',
    'authorization_response_iss_parameter_supported',
    'claims_parameter_supported',
    'prompt_values_supported',
    'claims_supported',
    'request_parameter_supported',
    'request_uri_parameter_supported',
  ],
} as const;

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
