import type { Client, GrantType } from '../../clients/client.js';

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

/** One grant type: everything it checks and issues lives in its handle(). */
export interface Grant {
  readonly type: GrantType;
  /** Whether a public client (no secret) may use this grant at all. */
  readonly allowsPublicClients: boolean;
  handle(request: GrantRequest): Promise<TokenResponse>;
}
