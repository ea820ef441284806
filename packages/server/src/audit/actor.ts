/** Who performs a management action, for the audit log: the CLI, an administrator, or the person themself. */
export interface Actor {
  readonly actor: string;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}
