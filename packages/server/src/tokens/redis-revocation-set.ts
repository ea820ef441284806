import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Where the revocations live in Redis (`tessera:revocations` by default, TESSERA_REDIS_PREFIX): one
 * sorted set, so that Redis can only lose all of it or none.
 */
export function revocationSetKey(prefix: string): string {
  return `${prefix}revocations`;
}

/** The member that says "this set holds every revocation in the database". */
const complete = 'complete';
/** Jtis are prefixed, so no jti can ever be mistaken for the marker or a fill's witness. */
const member = (jti: string) => `j:${jti}`;
/** A fill's witness is forgotten after a day if its instance died mid-fill. */
const witnessTtlMs = 86_400_000;
/** Members per ZADD: well under Lua's argument-stack limit (unpack of ~8,000 values). */
const chunkSize = 1000;

/** Is `jti` in the set (1), absent from a complete set (0), or is the set incomplete (-1)? */
const checkScript = script(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
return -1`);

/**
 * Adds members (ARGV: ttl ms, member, …), each scored by when Redis may forget it on Redis's own
 * clock, and forgets what has expired. Relative lifetimes, so that a clock difference between
 * an instance and Redis cannot shorten one.
 */
const addScript = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if #ARGV > 0 then
  local args = {}
  for i = 1, #ARGV, 2 do
    args[#args + 1] = now + tonumber(ARGV[i])
    args[#args + 1] = ARGV[i + 1]
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return 1`);

/** Marks the set complete only if the fill's witness survived: nothing was lost since the fill began. */
const completeScript = script(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], '+inf', ARGV[2])
return 1`);

export type SetAnswer = 'revoked' | 'absent' | 'incomplete';

/**
 * The Redis side of the revocation list (redis-revocation-list.ts says why it looks like this):
 * a sorted set without a TTL, members `j:<jti>` scored by expiry, plus a `complete` member that
 * only a fill which saw no loss may add. Every read and the completeness check are one script,
 * so they see the same state.
 */
export class RedisRevocationSet {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async check(jti: string): Promise<SetAnswer> {
    const answer = await this.#run(checkScript, [member(jti), complete]);
    return answer === 1 ? 'revoked' : answer === 0 ? 'absent' : 'incomplete';
  }

  /** Adds revocations, each kept `ttlMs` from now (Redis's now); also forgets expired ones. */
  async add(entries: ReadonlyArray<{ readonly jti: string; readonly ttlMs: number }>): Promise<void> {
    const chunks: Array<Promise<unknown>> = [];
    for (let at = 0; at < entries.length; at += chunkSize) {
      const args = entries
        .slice(at, at + chunkSize)
        .flatMap((e) => [String(Math.max(1, Math.ceil(e.ttlMs))), member(e.jti)]);
      chunks.push(this.#run(addScript, args));
    }
    // Sent back to back on one connection: Redis runs them in order.
    await Promise.all(chunks);
  }

  /** Forgets expired revocations. */
  async trim(): Promise<void> {
    await this.#run(addScript, []);
  }

  /** Starts a fill: returns its witness, which any loss of the set also takes away. */
  async beginFill(): Promise<string> {
    const witness = `fill:${randomUUID()}`;
    await this.#run(addScript, [String(witnessTtlMs), witness]);
    return witness;
  }

  /** Marks the set complete if nothing was lost since `beginFill`; false means fill again. */
  async completeFill(witness: string): Promise<boolean> {
    return (await this.#run(completeScript, [witness, complete])) === 1;
  }

  /** Drops the whole set, so that no instance trusts it until one fills it again. */
  async invalidate(): Promise<void> {
    await this.#redis.del(this.#key);
  }

  /** EVALSHA, and EVAL once when Redis does not know the script (after a restart or SCRIPT FLUSH). */
  async #run(lua: Script, args: string[]): Promise<unknown> {
    try {
      return await this.#redis.evalsha(lua.sha, 1, this.#key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.#redis.eval(lua.source, 1, this.#key, ...args);
    }
  }
}

interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}
