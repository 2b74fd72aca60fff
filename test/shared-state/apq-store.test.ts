/**
 * The APQ store's contract, held by both implementations (memory, and Redis
 * on a real redis-server, one node and a 3-node cluster): documents per account (another account never
 * finds them), gone after APQ_TTL_MS, each account within APQ_MAX_BYTES
 * (its oldest go first, no other account's), and this process's memory
 * within its own bound; Redis out of reach is a miss, never a failure.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApqStore, type ApqStore, type ApqStoreOptions } from '../../src/shared-state/index.js';
import { RedisApqStore } from '../../src/shared-state/redis/apq-store.js';
import { startTestRedisClientOf } from '../helpers/redis-server.js';

let testRedis: Awaited<ReturnType<typeof startTestRedisClientOf>>;
/** The same store over a 3-node Redis Cluster. */
let testCluster: Awaited<ReturnType<typeof startTestRedisClientOf>>;
beforeAll(async () => void ([testRedis, testCluster] = await Promise.all([startTestRedisClientOf('single node'), startTestRedisClientOf('3-node cluster')])));
afterAll(() => Promise.all([testRedis?.close(), testCluster?.close()]));
const redis = () => testRedis.redis;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const document = (n: number, size = 40) => `{ n${n} ${'x'.repeat(size - 6 - String(n).length)} }`.slice(0, size);

describe.each<[string, (options: ApqStoreOptions) => ApqStore]>([
  ['memory', (options) => new MemoryApqStore(options)],
  ['redis', (options) => new RedisApqStore(redis(), options)],
  ['redis cluster', (options) => new RedisApqStore(testCluster.redis, options)],
])('%s store', (name, make) => {
  const tag = (t: string) => `${name}-${Date.now()}-${t}`;

  it('finds a document for the account that registered it, and for no other', async () => {
    const store = make({ ttlMs: 60_000, maxBytesPerAccount: 1_000 });
    const [mine, theirs] = [tag('mine'), tag('theirs')];
    await store.set(mine, 'h1', '{ me { name } }');
    expect(await store.get(mine, 'h1')).toBe('{ me { name } }');
    expect(await store.get(theirs, 'h1')).toBeUndefined();
    expect(await store.get(mine, 'h2')).toBeUndefined();
  });

  it('forgets a document after APQ_TTL_MS', async () => {
    const store = make({ ttlMs: 150, maxBytesPerAccount: 1_000 });
    const account = tag('ttl');
    await store.set(account, 'h', '{ me { name } }');
    expect(await store.get(account, 'h')).toBeDefined();
    await sleep(250);
    expect(await store.get(account, 'h')).toBeUndefined();
  });

  it('keeps each account within APQ_MAX_BYTES: its oldest go first, another account\'s stay', async () => {
    const store = make({ ttlMs: 60_000, maxBytesPerAccount: 100 });
    const [full, other] = [tag('full'), tag('other')];
    await store.set(other, 'o', document(0));
    for (let n = 1; n <= 4; n++) {
      await store.set(full, `h${n}`, document(n));
      await sleep(2);
    }
    expect(await store.get(full, 'h1')).toBeUndefined();
    expect(await store.get(full, 'h2')).toBeUndefined();
    expect(await store.get(full, 'h3')).toBe(document(3));
    expect(await store.get(full, 'h4')).toBe(document(4));
    expect(await store.get(other, 'o')).toBe(document(0));
    // A document larger than the bound is not kept at all.
    await store.set(full, 'big', 'y'.repeat(101));
    expect(await store.get(full, 'big')).toBeUndefined();
    expect(await store.get(full, 'h4')).toBe(document(4));
  });
});

it('memory: the process keeps at most its own bound, the least recently used first', async () => {
  const store = new MemoryApqStore({ ttlMs: 60_000, maxBytesPerAccount: 100 }, 100);
  await store.set('a', 'h', document(1));
  await store.set('b', 'h', document(2));
  expect(await store.get('a', 'h')).toBe(document(1));
  await store.set('c', 'h', document(3));
  expect(await store.get('b', 'h')).toBeUndefined();
  expect(await store.get('a', 'h')).toBe(document(1));
  expect(store.size).toBeLessThanOrEqual(100);
});

it('redis cluster: an account\'s keys are in one slot, so its scripts run there', async () => {
  const store = new RedisApqStore(testCluster.redis, { ttlMs: 5_000, maxBytesPerAccount: 1_000 });
  const account = `slot-${Date.now()}`;
  await store.set(account, 'h', '{ me { name } }');
  const keys = await testCluster.server.keys(`upsales-graphql:apq:{${account}}:*`);
  expect(keys).toHaveLength(3);
  const slots = await Promise.all(keys.map((key) => testCluster.redis.cluster('KEYSLOT', key)));
  expect(new Set(slots).size).toBe(1);
});

it('redis: an account\'s keys expire with its newest document, and Redis out of reach is a miss', async () => {
  const store = new RedisApqStore(redis(), { ttlMs: 5_000, maxBytesPerAccount: 1_000 });
  const account = `expiry-${Date.now()}`;
  await store.set(account, 'h', '{ me { name } }');
  const keys = await redis().keys(`upsales-graphql:apq:{${account}}:*`);
  expect(keys).toHaveLength(3);
  for (const key of keys) expect(await redis().pttl(key)).toBeGreaterThan(4_000);
  const gone = new Redis('redis://127.0.0.1:9/0', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  const unreachable = new RedisApqStore(gone, { ttlMs: 5_000, maxBytesPerAccount: 1_000 });
  await expect(unreachable.set(account, 'h', '{ me { name } }')).resolves.toBeUndefined();
  await expect(unreachable.get(account, 'h')).resolves.toBeUndefined();
  gone.disconnect();
});
