/**
 * Runs `work` in one database transaction, handing it stores bound to that transaction.
 * Domain code opens transactions at the use case (STYLE C7) without seeing Kysely.
 */
export type RunInTransaction<Stores> = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;
