import type { Client, GrantKind } from '../../clients/client.js';

/** A token request after client authentication. */
export interface GrantRequest {
  readonly client: Client;
  /** Body parameters, each present at most once (duplicates were refused), empty ones dropped. */
  readonly params: Readonly<Record<string, string>>;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope?: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
}

/**
 * Body parameters a grant reads beyond the common ones (`grant_type`, `scope`, `client_id`,
 * `client_secret`), each with what it carries; the token endpoint's schema is built from them.
 */
export type GrantParameters = Readonly<Record<string, string>>;

/**
 * One grant type: its `type`, whether public clients may use it, the parameters it reads, and
 * everything it checks and issues in its handle().
 */
export interface Grant extends GrantKind {
  readonly parameters: GrantParameters;
  handle(request: GrantRequest): Promise<TokenResponse>;
}
