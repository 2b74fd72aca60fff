/**
 * The read store's contract, held by both implementations (memory, and Redis
 * on a real redis-server, one node and a 3-node cluster): answers kept per key and generation, dropped for
 * every key of a group at once, gone after their TTL; and what a write of a
 * kind drops, from the kinds table.
 */
import { Redis } from 'ioredis';
import type { RedisClient } from '../../src/shared-state/redis/connection.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_CHARS, MemoryReadStore, READ_STORE_CHARS, type ReadStore } from '../../src/cache/index.js';
import { RedisReadStore } from '../../src/shared-state/redis/read-store.js';
import { groupsChangedBy } from '../../src/upstream/shared-reads.js';
import { REDIS_TOPOLOGIES, startTestRedis, startTestRedisClientOf, startTestRedisOf, testRedisClient, type RedisTopology, type TestRedis } from '../helpers/redis-server.js';

let server: TestRedis;
let redis: Redis;
/** The same store over a 3-node Redis Cluster. */
let cluster: Awaited<ReturnType<typeof startTestRedisClientOf>>;
beforeAll(async () => {
  [server, cluster] = await Promise.all([startTestRedis(), startTestRedisClientOf('3-node cluster')]);
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await new Promise((resolve) => redis.once('ready', resolve));
});
afterAll(async () => {
  redis.disconnect();
  await Promise.all([server.close(), cluster.close()]);
});
/** The test's client on Redis in `topology`. */
const clientOf = (topology: RedisTopology): RedisClient => (topology === 'single node' ? redis : cluster.redis);

const stores: [string, () => ReadStore][] = [
  ['memory', () => new MemoryReadStore()],
  ['redis', () => new RedisReadStore(redis)],
  ['redis cluster', () => new RedisReadStore(cluster.redis)],
];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(stores)('%s store', (name, make) => {
  const group = (g: string) => `${name}-${Date.now()}-${g}`;

  it('keeps an answer under the generation it was looked up in, per key', async () => {
    const store = make();
    const clients = group('client');
    const { generation, value } = await store.lookup(clients, 'a:1');
    expect(value).toBeUndefined();
    await store.keep(clients, generation, 'a:1', '{"n":1}', 10_000);
    expect(await store.lookup(clients, 'a:1')).toEqual({ generation, value: '{"n":1}' });
    expect((await store.lookup(clients, 'b:1')).value).toBeUndefined();
  });

  it('a drop makes every answer of the group unreachable, and one kept under the old generation stays so', async () => {
    const store = make();
    const [clients, products] = [group('client'), group('product')];
    const before = await store.lookup(clients, 'a:1');
    await store.keep(clients, before.generation, 'a:1', 'old', 10_000);
    const product = await store.lookup(products, 'a:1');
    await store.keep(products, product.generation, 'a:1', 'kept', 10_000);
    await store.drop([clients]);
    const after = await store.lookup(clients, 'a:1');
    expect(after.value).toBeUndefined();
    expect(after.generation).not.toBe(before.generation);
    // A read sent before the write answers after it: kept under the old generation, never served.
    await store.keep(clients, before.generation, 'b:1', 'stale', 10_000);
    expect((await store.lookup(clients, 'b:1')).value).toBeUndefined();
    expect((await store.lookup(products, 'a:1')).value).toBe('kept');
  });

  it('forgets an answer after its TTL', async () => {
    const store = make();
    const clients = group('client');
    const { generation } = await store.lookup(clients, 'a:1');
    await store.keep(clients, generation, 'a:1', 'short', 50);
    expect((await store.lookup(clients, 'a:1')).value).toBe('short');
    await sleep(80);
    expect((await store.lookup(clients, 'a:1')).value).toBeUndefined();
  });
});

describe.each([
  // Here the memory store counts answers only, as the Redis store does: what an entry costs beyond is the memory store's own test.
  ['memory', (maxChars?: number) => new MemoryReadStore(maxChars, 0)],
  ['redis', (maxChars?: number) => new RedisReadStore(redis, maxChars)],
  ['redis cluster', (maxChars?: number) => new RedisReadStore(cluster.redis, maxChars)],
] as [string, (maxChars?: number) => ReadStore][])('%s store, bounded', (name, make) => {
  it('keeps no answer longer than an eighth of its characters', async () => {
    const store = make(80);
    const group = `${name}-largest-${Date.now()}`;
    const { generation } = await store.lookup(group, 'a');
    await store.keep(group, generation, 'a', 'x'.repeat(10), 10_000);
    await store.keep(group, generation, 'b', 'x'.repeat(11), 10_000);
    expect((await store.lookup(group, 'a')).value).toBe('x'.repeat(10));
    expect((await store.lookup(group, 'b')).value).toBeUndefined();
  });

  it(`by default, none longer than ${READ_STORE_CHARS / 8} characters`, async () => {
    const store = make();
    const group = `${name}-default-${Date.now()}`;
    const { generation } = await store.lookup(group, 'a');
    await store.keep(group, generation, 'a', 'x'.repeat(READ_STORE_CHARS / 8 + 1), 10_000);
    expect((await store.lookup(group, 'a')).value).toBeUndefined();
  });
});

describe.each(REDIS_TOPOLOGIES)('redis store on a Redis %s, bounded', (topology) => {
  it('keeps at most its characters alive in Redis at once: more only once some have expired', async () => {
    const store = new RedisReadStore(clientOf(topology), 80);
    const group = `total-${Date.now()}`;
    const { generation } = await store.lookup(group, 'k0');
    for (let i = 0; i < 10; i++) await store.keep(group, generation, `k${i}`, 'x'.repeat(10), 200);
    const kept = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await store.lookup(group, `k${i}`)).value !== undefined));
    expect(kept).toEqual([true, true, true, true, true, true, true, true, false, false]);
    // counted to the second after they expire, at the latest
    await sleep(1_300);
    await store.keep(group, generation, 'later', 'x'.repeat(10), 10_000);
    expect((await store.lookup(group, 'later')).value).toBe('x'.repeat(10));
  });

  it('does not count an answer Redis did not keep', async () => {
    const store = new RedisReadStore(clientOf(topology), 80);
    const group = `uncounted-${Date.now()}`;
    const old = await store.lookup(group, 'k0');
    await store.drop([group]);
    // kept under a generation that is no longer current: refused by Redis, and not counted
    for (let i = 0; i < 10; i++) await store.keep(group, old.generation, `k${i}`, 'x'.repeat(10), 10_000);
    const { generation } = await store.lookup(group, 'k0');
    await store.keep(group, generation, 'k0', 'x'.repeat(10), 10_000);
    expect((await store.lookup(group, 'k0')).value).toBe('x'.repeat(10));
  });
});

describe('memory store', () => {
  // An entry costs its answer, its key (group, generation and read key) and ENTRY_OVERHEAD_CHARS.
  const cost = (key: string, value: string) => value.length + `g\u00000\u0000${key}`.length + ENTRY_OVERHEAD_CHARS;

  it('holds at most what its entries cost, dropping the oldest answers first', async () => {
    const store = new MemoryReadStore(8 * cost('k0', 'x'.repeat(10)));
    const { generation } = await store.lookup('g', 'k0');
    for (let i = 0; i < 10; i++) await store.keep('g', generation, `k${i}`, 'x'.repeat(10), 10_000);
    const kept = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await store.lookup('g', `k${i}`)).value !== undefined));
    expect(kept).toEqual([false, false, true, true, true, true, true, true, true, true]);
  });

  it('counts keys and overhead: a flood of tiny answers is bounded in entries, not only in characters', async () => {
    const store = new MemoryReadStore(1_000_000);
    const { generation } = await store.lookup('g', 'k0');
    for (let i = 0; i < 100_000; i++) await store.keep('g', generation, `k${i}`, '1', 60_000);
    expect(store.size.chars).toBeLessThanOrEqual(1_000_000);
    expect(store.size.entries).toBeLessThanOrEqual(Math.floor(1_000_000 / (ENTRY_OVERHEAD_CHARS + 1)));
    expect(store.size.entries).toBeGreaterThan(5_000);
  });

  it('sweeps out expired answers as others are kept, whether or not they are read again', async () => {
    let now = 0;
    const store = new MemoryReadStore(1_000_000, ENTRY_OVERHEAD_CHARS, () => now);
    const { generation } = await store.lookup('g', 'k0');
    for (let i = 0; i < 1_000; i++) await store.keep('g', generation, `k${i}`, 'answer', 1_000);
    expect(store.size.entries).toBe(1_000);
    now = 10_000;
    await store.keep('g', generation, 'fresh', 'answer', 1_000);
    expect(store.size).toEqual({ entries: 1, chars: cost('fresh', 'answer') });
  });

  it('sweeps out answers of a dropped generation, which nothing can read any more', async () => {
    let now = 0;
    const store = new MemoryReadStore(1_000_000, ENTRY_OVERHEAD_CHARS, () => now);
    const { generation } = await store.lookup('g', 'k0');
    for (let i = 0; i < 100; i++) await store.keep('g', generation, `k${i}`, 'answer', 60_000);
    await store.drop(['g']);
    now = 10_000;
    const next = await store.lookup('g', 'k0');
    await store.keep('g', next.generation, 'k0', 'answer', 60_000);
    expect(store.size.entries).toBe(1);
  });
});

describe.each(REDIS_TOPOLOGIES)('redis store on a Redis %s out of reach', (topology) => {
  it('misses at once instead of failing while the server is down, and serves again once it is back', async () => {
    const own = await startTestRedisOf(topology);
    const client = testRedisClient(own.target, { maxRetriesPerRequest: 1, retryStrategy: () => 50 }).on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    try {
      const store = new RedisReadStore(client);
      await own.kill();
      const started = Date.now();
      expect(await store.lookup('client', 'a:1')).toEqual({ generation: '' });
      await store.drop(['client']);
      expect(Date.now() - started).toBeLessThan(1_000);
      await own.restart();
      while (client.status !== 'ready') await sleep(20);
      const { generation } = await store.lookup('client', 'a:1');
      await store.keep('client', generation, 'a:1', 'kept', 60_000);
      expect((await store.lookup('client', 'a:1')).value).toBe('kept');
    } finally {
      client.disconnect();
      await own.close();
    }
  });

  it('keeps a drop it could not send, and sends it before serving anything again', async () => {
    const group = `undropped-${Date.now()}`;
    const mine = testRedisClient(topology === 'single node' ? server.url : cluster.server.target);
    await new Promise((resolve) => mine.once('ready', resolve));
    const store = new RedisReadStore(mine);
    const other = new RedisReadStore(clientOf(topology));
    const { generation } = await store.lookup(group, 'a:1');
    await store.keep(group, generation, 'a:1', 'before the write', 60_000);
    mine.disconnect();
    await store.drop([group]);
    expect((await store.lookup(group, 'a:1')).value).toBeUndefined();
    // Another replica cannot know yet: the answer lives until the drop reaches Redis (or its TTL).
    expect((await other.lookup(group, 'a:1')).value).toBe('before the write');
    mine.connect();
    while (mine.status !== 'ready') await sleep(20);
    expect((await store.lookup(group, 'a:1')).value).toBeUndefined();
    expect((await other.lookup(group, 'a:1')).value).toBeUndefined();
    mine.disconnect();
  });
});

describe('what a write drops', () => {
  it('its entity, the kinds owned through it, and for users every kind', () => {
    expect(groupsChangedBy('product')).toEqual(['product']);
    expect(groupsChangedBy('opportunity')).toEqual(['order']);
    expect(groupsChangedBy('order')).toEqual(['order']);
    expect(groupsChangedBy('client')).toEqual(['client', 'contact']);
    expect(groupsChangedBy('contact')).toEqual(['contact']);
    expect(new Set(groupsChangedBy('user'))).toEqual(new Set(['client', 'contact', 'order', 'agreement', 'product', 'project', 'activity', 'appointment', 'lead', 'user']));
  });
});

describe('redis store on a lazy connection', () => {
  it('opens it with its first command', async () => {
    const lazy = new Redis(server.url, { lazyConnect: true });
    try {
      const store = new RedisReadStore(lazy);
      const { generation } = await store.lookup('lazy', 'a:1');
      await store.keep('lazy', generation, 'a:1', 'kept', 10_000);
      expect((await store.lookup('lazy', 'a:1')).value).toBe('kept');
    } finally {
      lazy.disconnect();
    }
  });
});

describe('redis store scripts', () => {
  /** The commands Redis ran while `work` did, as MONITOR reports them (`lua`: run by a script). */
  async function monitored(work: () => Promise<void>): Promise<{ args: string[]; lua: boolean }[]> {
    const monitor = await redis.monitor();
    const seen: { args: string[]; lua: boolean }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, lua: source === 'lua' }));
    try {
      await work();
      await redis.ping();
      await sleep(50);
    } finally {
      monitor.disconnect();
    }
    return seen;
  }
  const hashTag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];

  it('declare in KEYS every key they touch, under one hash tag, and run by SHA', async () => {
    const store = new RedisReadStore(redis);
    const group = `declared-${Date.now()}`;
    const seen = await monitored(async () => {
      const { generation } = await store.lookup(group, 'a:1');
      await store.keep(group, generation, 'a:1', 'kept', 10_000);
      expect((await store.lookup(group, 'a:1')).value).toBe('kept');
      await store.drop([group]);
      expect((await store.lookup(group, 'a:1')).value).toBeUndefined();
      await store.keep(group, generation, 'a:1', 'stale', 10_000);
      expect((await store.lookup(group, 'a:1')).value).toBeUndefined();
    });
    const scripts = seen.filter(({ args, lua }) => !lua && /^eval(sha)?$/i.test(args[0]));
    const touched = seen.filter(({ lua }) => lua).map(({ args }) => args[1]);
    expect(touched.length).toBeGreaterThan(0);
    const declared = scripts.map(({ args }) => args.slice(3, 3 + Number(args[2])));
    for (const key of touched) expect(declared.flat()).toContain(key);
    for (const keys of declared) {
      expect(keys.length).toBeGreaterThan(0);
      expect(new Set(keys.map(hashTag))).toEqual(new Set([expect.stringContaining(group)]));
    }
    // A body is sent only when Redis does not know the script yet: once per script at most.
    const bodies = scripts.filter(({ args }) => args[0].toLowerCase() === 'eval');
    expect(bodies.length).toBeLessThanOrEqual(2);
    expect(scripts.length - bodies.length).toBeGreaterThanOrEqual(4);
  });

  it('still look up and keep after Redis forgot them (SCRIPT FLUSH)', async () => {
    const store = new RedisReadStore(redis);
    const group = `flushed-${Date.now()}`;
    const { generation } = await store.lookup(group, 'a:1');
    await redis.script('FLUSH');
    await store.keep(group, generation, 'a:1', 'kept', 10_000);
    await redis.script('FLUSH');
    expect(await store.lookup(group, 'a:1')).toEqual({ generation, value: 'kept' });
  });
});
