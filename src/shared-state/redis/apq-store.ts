/**
 * Registered documents (APQ) shared by every replica, in Redis. Per account
 * (named by its tag, never its username), three keys under one hash tag,
 * `upsales-graphql:apq:{<tag>}:` then `documents` (a hash of SHA-256 to
 * document), `expiry` (a sorted set of hashes by the time they expire) and
 * `bytes` (what the documents weigh). Registering drops the
 * expired, then the soonest to expire until the account is within
 * APQ_MAX_BYTES, in one script; the keys themselves expire with their
 * newest document, so an account nobody uses leaves nothing behind. Redis
 * being slow or gone is a miss (the client sends the document again), never
 * a failure.
 */
import type { RedisClient } from './connection.js';
import type { ApqStore, ApqStoreOptions } from '../../cache/apq-store.js';
import { boundedCommand } from './bounded-command.js';
import { redisScript, runScript } from './script.js';
import { REDIS_TIMEOUT_MS } from './read-store.js';

const PREFIX = 'upsales-graphql:apq:';

/** KEYS: documents, expiry. ARGV: hash, now. The document, unless it has expired. */
const GET = redisScript(`
local expires = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not expires or tonumber(expires) <= tonumber(ARGV[2]) then return false end
return redis.call('HGET', KEYS[1], ARGV[1])`);

/** KEYS: documents, expiry, bytes. ARGV: hash, document, now, ttlMs, maxBytes. */
const SET = redisScript(`
local function drop(hash)
  redis.call('DECRBY', KEYS[3], redis.call('HSTRLEN', KEYS[1], hash))
  redis.call('HDEL', KEYS[1], hash)
  redis.call('ZREM', KEYS[2], hash)
end
for _, hash in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])) do drop(hash) end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then drop(ARGV[1]) end
local expires = tonumber(ARGV[3]) + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], expires, ARGV[1])
local bytes = redis.call('INCRBY', KEYS[3], string.len(ARGV[2]))
while bytes > tonumber(ARGV[5]) do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not oldest then break end
  drop(oldest)
  bytes = tonumber(redis.call('GET', KEYS[3]))
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return bytes`);

const keys = (tag: string) => [`${PREFIX}{${tag}}:documents`, `${PREFIX}{${tag}}:expiry`, `${PREFIX}{${tag}}:bytes`];

export class RedisApqStore implements ApqStore {
  constructor(private readonly redis: RedisClient, private readonly options: ApqStoreOptions, private readonly timeoutMs = REDIS_TIMEOUT_MS) {}

  async get(tag: string, hash: string): Promise<string | undefined> {
    const [documents, expiry] = keys(tag);
    const found = await boundedCommand(this.redis, this.timeoutMs, () => runScript(this.redis, GET, [documents, expiry], [hash, Date.now()]));
    return typeof found === 'string' ? found : undefined;
  }

  async set(tag: string, hash: string, document: string): Promise<void> {
    if (Buffer.byteLength(document) > this.options.maxBytesPerAccount) return;
    await boundedCommand(this.redis, this.timeoutMs, () => runScript(this.redis, SET, keys(tag), [
      hash, document, Date.now(), this.options.ttlMs, this.options.maxBytesPerAccount,
    ]));
  }
}
