/** RFC 6749 §5.2, RFC 6750 §3.1 and RFC 7009 §2.2.1 error codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'login_required'
  | 'consent_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'server_error'
  | 'temporarily_unavailable';

/** A protocol error: its code, HTTP status and a description safe to show the client. */
export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: OAuthErrorCode, description: string, status = 400, headers: Record<string, string> = {}) {
    super(description);
    this.name = 'OAuthError';
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

export class InvalidRequest extends OAuthError {
  constructor(description: string) {
    super('invalid_request', description);
  }
}

export class MissingParameter extends InvalidRequest {
  constructor(name: string) {
    super(`Missing required parameter: ${name}`);
  }
}

/** 401 with a Basic challenge, as RFC 6749 §5.2 asks for failed client authentication. */
export class InvalidClient extends OAuthError {
  constructor(description = 'client authentication failed') {
    super('invalid_client', description, 401, {
      'www-authenticate': 'Basic realm="tessera", charset="UTF-8"',
    });
  }
}

export class InvalidGrant extends OAuthError {
  constructor(description: string) {
    super('invalid_grant', description);
  }
}

export class UnauthorizedClient extends OAuthError {
  constructor(description: string) {
    super('unauthorized_client', description);
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(grantType: string) {
    super('unsupported_grant_type', `grant_type '${grantType}' is not supported`);
  }
}

export class InvalidScope extends OAuthError {
  constructor(description: string) {
    super('invalid_scope', description);
  }
}

/** RFC 6750 §3: a bearer-token failure, with the challenge in WWW-Authenticate. */
export class BearerError extends OAuthError {
  constructor(
    code: 'invalid_token' | 'insufficient_scope' | 'invalid_request',
    description: string,
    status: number,
    scope?: string,
  ) {
    const parameters = [`realm="tessera"`, `error="${code}"`, `error_description="${description}"`];
    if (scope !== undefined) parameters.push(`scope="${scope}"`);
    super(code, description, status, { 'www-authenticate': `Bearer ${parameters.join(', ')}` });
  }
}

/** No token at all: RFC 6750 §3.1 says the challenge then carries no error code. */
export class MissingBearerToken extends OAuthError {
  constructor() {
    super('invalid_token', 'an access token is required', 401, {
      'www-authenticate': 'Bearer realm="tessera"',
    });
  }
}
