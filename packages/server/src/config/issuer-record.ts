/**
 * The issuer the server last served under, kept in the database: the CLI runs without the server's
 * environment (PORT, TESSERA_ISSUER) and must still mint tokens the server accepts (issue 13).
 */
export interface IssuerRecord {
  recorded(): Promise<string | undefined>;
  record(issuer: string, at: Date): Promise<void>;
}
