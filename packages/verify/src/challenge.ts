import { InsufficientScopeError, type InvalidTokenError, type VerificationError } from './errors.js';

/**
 * RFC 6750 §3 WWW-Authenticate value. A request without a token gets the bare challenge (no
 * error code, §3.1); a bad token `invalid_token`; a missing scope `insufficient_scope` naming it.
 */
export function wwwAuthenticate(error: VerificationError, realm = 'api'): string {
  const parts = [`realm="${quote(realm)}"`];
  if (error instanceof InsufficientScopeError) {
    parts.push('error="insufficient_scope"', `scope="${quote(error.required.join(' '))}"`);
  } else if ((error as InvalidTokenError).problem !== 'missing') {
    parts.push('error="invalid_token"', `error_description="${quote(error.message)}"`);
  }
  return `Bearer ${parts.join(', ')}`;
}

/** The JSON body sent with a refusal. */
export function errorBody(error: VerificationError): { error: string; error_description: string } {
  return { error: error.code, error_description: error.message };
}

function quote(value: string): string {
  return value.replace(/["\\]/g, '');
}
