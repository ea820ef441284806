import { signingAlgorithms } from '../keys/signing-key.js';

const claimsSupported = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'at_hash',
  'sid',
  'amr',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'picture',
  'profile_picture',
  'has_custom_picture',
  'updated_at',
  'email',
  'email_verified',
  'groups',
  'scope',
];

export interface DiscoveryInput {
  readonly issuer: string;
  readonly grantTypes: readonly string[];
  readonly scopes: readonly string[];
}

/**
 * Authorization-server metadata (RFC 8414) and OpenID Provider metadata (OIDC Discovery 1.0 §3).
 * Only endpoints that exist are advertised; clients find everything here.
 */
export function discoveryDocument({ issuer, grantTypes, scopes }: DiscoveryInput) {
  const endpoint = (path: string) => `${issuer}${path}`;
  return {
    issuer,
    authorization_endpoint: endpoint('/oauth/authorize'),
    token_endpoint: endpoint('/oauth/token'),
    jwks_uri: endpoint('/oauth/jwks'),
    userinfo_endpoint: endpoint('/oauth/userinfo'),
    end_session_endpoint: endpoint('/oauth/logout'),
    introspection_endpoint: endpoint('/oauth/introspect'),
    revocation_endpoint: endpoint('/oauth/revoke'),
    scopes_supported: [...scopes],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...grantTypes],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...signingAlgorithms],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    claims_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent'],
    claims_supported: [...claimsSupported],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
