/**
 * The shared read cache, chosen once at start-up: in Redis when the process
 * has a Redis connection (every replica then shares answers and drops), else
 * in this process's memory.
 */
import type { Redis } from 'ioredis';
import { MemoryReadStore } from './memory-store.js';
import type { ReadCache } from './read-store.js';
import { RedisReadStore } from '../shared-state/redis/read-store.js';

export { READ_STORE_CHARS, type Lookup, type ReadCache, type ReadStore } from './read-store.js';
export { MemoryReadStore } from './memory-store.js';
export { RedisReadStore } from '../shared-state/redis/read-store.js';

/**
 * The read cache of this process: `redis` is the process's ioredis
 * connection (or null: memory); `ttlMs` is `UPSALES_CACHE_TTL_MS`.
 */
export function createReadCache(redis: Redis | null, ttlMs: number): ReadCache {
  return { store: redis ? new RedisReadStore(redis) : new MemoryReadStore(), ttlMs };
}
