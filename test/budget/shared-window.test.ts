/**
 * The shared window in a real Redis (a server of the test's own), seen by
 * two "processes" (each its own connection and stores): slots, blocks, the
 * reserve and waiting interactive calls are shared; the window runs on
 * Redis' clock; keys name no account and vanish when idle; without Redis a
 * process waits a window, then goes on alone, and puts its slots back into
 * a Redis that restarted empty; an account's store goes only with its idle
 * budget. All of it over one Redis node and over a 3-node Redis Cluster.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { accountKey } from '../../src/account/account-key.js';
import { createBudgetRegistry, type TakeRequest, type WindowStore } from '../../src/budget/index.js';
import { windowKeys } from '../../src/shared-state/redis/budget-window.js';
import { createSharedWindows, type SharedWindows } from '../../src/shared-state/redis/shared-window-store.js';
import { connectRedis, whenReady, type RedisClient } from '../../src/shared-state/redis/connection.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, type TestRedisTarget } from '../helpers/redis-server.js';

const WINDOW_MS = 400;
const BASE_URL = 'http://127.0.0.1:4010/wsapi';
const ACCOUNT = accountKey(BASE_URL, 'Admin@Demo.test');
const OTHER_ACCOUNT = accountKey(BASE_URL, 'sales@demo.test');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(REDIS_TOPOLOGIES)('over a Redis %s', (topology) => {
  let server: TestRedisTarget;
  const opened: { redis: RedisClient; windows: SharedWindows }[] = [];

  /** One "process": its own connection and shared windows. */
  async function process(options: { calls?: number; reserve?: number; fallbackCalls?: number; log?: string[]; windowMs?: number } = {}) {
    const redis = connectRedis(server.target, 'commands');
    await whenReady(redis, 5000);
    const windows = createSharedWindows(redis, {
      calls: options.calls ?? 5, windowMs: options.windowMs ?? WINDOW_MS, reserve: options.reserve ?? 1, holdMs: 10_000, marginMs: 100,
      fallbackCalls: options.fallbackCalls ?? 2, label: '127.0.0.1', log: (line) => options.log?.push(line),
    });
    opened.push({ redis, windows });
    return { redis, windows, store: windows.windowFor(ACCOUNT) };
  }

  let count = 0;
  const take = (store: WindowStore, priority: TakeRequest['priority'] = 'interactive', interactiveWaiting = false) =>
    store.take({ slot: `s${++count}`, priority, interactiveWaiting }).then((verdict) => ({ verdict, slot: `s${count}` }));

  beforeAll(async () => {
    server = await startTestRedisOf(topology);
  });
  afterEach(async () => {
    for (const { redis, windows } of opened.splice(0)) {
      windows.close();
      redis.disconnect();
    }
    await server.flush();
  });
  afterAll(() => server.close());

  describe('a window shared through Redis', () => {
    it('counts the calls of every process, and a slot a window after its answer', async () => {
      const a = await process();
      const b = await process();
      const first = await take(a.store);
      for (let i = 0; i < 2; i++) expect((await take(a.store)).verdict).toEqual({ granted: true });
      for (let i = 0; i < 2; i++) expect((await take(b.store)).verdict).toEqual({ granted: true });
      const refused = await take(b.store);
      expect(refused.verdict).toMatchObject({ granted: false, retryAt: expect.any(Number) });
      await a.store.release(first.slot);
      expect((await take(b.store)).verdict.granted).toBe(false);
      expect(await b.store.read()).toMatchObject({ limit: 5, used: 5, shared: true, blockedUntil: null });
      await sleep(WINDOW_MS + 50);
      // the answered call's slot has expired; the four in flight still count
      expect((await take(b.store)).verdict).toEqual({ granted: true });
      expect((await take(a.store)).verdict.granted).toBe(false);
    });

    it('stops every process while one of them has seen a block', async () => {
      const a = await process();
      const b = await process();
      const until = await a.store.block(600);
      const refused = await take(b.store);
      expect(refused.verdict.granted).toBe(false);
      const blockedUntil = (refused.verdict as { blockedUntil: number }).blockedUntil;
      expect(Math.abs(blockedUntil - until)).toBeLessThan(50);
      expect((await b.store.read()).blockedUntil).toBeGreaterThan(Date.now() + 400);
      // a shorter block does not shorten it
      await b.store.block(10);
      expect((await a.store.read()).blockedUntil).toBeGreaterThan(Date.now() + 400);
    });

    it('keeps the reserve from background calls, and holds them back while another process\'s interactive calls wait', async () => {
      const a = await process({ calls: 4, reserve: 1 });
      const b = await process({ calls: 4, reserve: 1 });
      const imports = [await take(a.store, 'background'), await take(a.store, 'background'), await take(a.store, 'background')];
      expect(imports.map((t) => t.verdict)).toEqual(Array(3).fill({ granted: true }));
      expect((await take(a.store, 'background')).verdict.granted).toBe(false);
      const query = await take(b.store);
      expect(query.verdict).toEqual({ granted: true });
      // b's next interactive call finds the window full: b is marked as waiting
      expect((await take(b.store, 'interactive', true)).verdict.granted).toBe(false);
      // two slots free up (calls that never left): room for a background call, but b waits
      await a.store.release(imports[0].slot, false);
      await a.store.release(imports[1].slot, false);
      expect(await a.store.read()).toMatchObject({ used: 2 });
      expect((await take(a.store, 'background')).verdict.granted).toBe(false);
      // b takes its slot with nothing more waiting: background work goes on
      expect((await take(b.store)).verdict).toEqual({ granted: true });
      await b.store.release(query.slot, false);
      expect((await take(a.store, 'background')).verdict).toEqual({ granted: true });
    });

    it('runs on Redis\' clock: a process whose clock is an hour ahead counts the same window', async () => {
      const a = await process({ calls: 2 });
      const b = await process({ calls: 2 });
      const { slot } = await take(a.store);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 3_600_000);
      try {
        await a.store.release(slot);
        expect((await take(b.store)).verdict).toEqual({ granted: true });
        const refused = await take(b.store);
        // full until a's slot expires, a window from its answer on Redis' clock: the retry is on b's own clock
        expect((refused.verdict as { retryAt: number }).retryAt - Date.now()).toBeLessThanOrEqual(WINDOW_MS);
        const [seconds] = await a.redis.time();
        const [, score] = await a.redis.zrange(windowKeys(ACCOUNT).slots, 0, 0, 'WITHSCORES');
        expect(Number(score) - Number(seconds) * 1000).toBeLessThan(WINDOW_MS + 1000);
      } finally {
        vi.useRealTimers();
      }
    });

    it('counts each account in its own window: the scripts of two accounts go side by side', async () => {
      const a = await process({ calls: 1, reserve: 0 });
      const other = a.windows.windowFor(OTHER_ACCOUNT);
      expect((await take(a.store)).verdict).toEqual({ granted: true });
      expect((await take(other)).verdict).toEqual({ granted: true });
      expect((await take(a.store)).verdict.granted).toBe(false);
      expect((await take(other)).verdict.granted).toBe(false);
      expect(await other.read()).toMatchObject({ used: 1, limit: 1 });
    });

    it.runIf(topology === '3-node cluster')('keeps every key of an account in one slot, and two accounts\' in two: a script over both would be refused', async () => {
      const a = await process();
      const slotsOf = (account: string) => Promise.all(Object.values(windowKeys(account)).map((key) => a.redis.cluster('KEYSLOT', key) as Promise<number>));
      const [mine, others] = [await slotsOf(ACCOUNT), await slotsOf(OTHER_ACCOUNT)];
      expect(new Set(mine).size).toBe(1);
      expect(new Set(others).size).toBe(1);
      expect(others[0]).not.toBe(mine[0]);
      // what the scripts avoid: the cluster refuses one script over two accounts' keys
      await expect(a.redis.eval('return 1', 2, windowKeys(ACCOUNT).slots, windowKeys(OTHER_ACCOUNT).slots)).rejects.toThrow(/CROSSSLOT/);
    });

    it('names no account in its keys, and gives every key a TTL', async () => {
      const a = await process();
      await take(a.store, 'interactive', true);
      for (let i = 0; i < 5; i++) await take(a.store);
      await a.store.block(500);
      const keys = await server.keys();
      expect(keys.sort()).toEqual(Object.values(windowKeys(ACCOUNT)).sort());
      for (const key of keys) {
        expect(key).not.toMatch(/admin|demo|wsapi|4010/i);
        expect(await a.redis.pttl(key)).toBeGreaterThan(0);
      }
    });
  });

  describe('who forgets an account\'s window store', () => {
    it('the budget registry alone: a budget with queued calls keeps its one store; an idle one goes with its store', async () => {
      const a = await process({ calls: 1, reserve: 0 });
      const b = await process({ calls: 1, reserve: 0 });
      // b holds the account's only slot: a's call waits, with no slot of a's own in the window
      const held = await take(b.store);
      const registry = createBudgetRegistry({ calls: 1, windowMs: WINDOW_MS, interactiveReserve: 0 }, a.windows.windowFor);
      const forget = vi.spyOn(a.windows.link, 'forget');
      const busy = registry.budgetForAccount(BASE_URL, 'Admin@Demo.test');
      const queued = busy.run(async () => 'sent');
      await sleep(50);
      expect(busy.snapshot()).toMatchObject({ queued: 1, inFlight: 0 });
      registry.budgetForAccount(BASE_URL, 'other@demo.test');
      expect(registry.budgetForAccount(BASE_URL, 'Admin@Demo.test')).toBe(busy);
      expect(a.windows.windowFor(ACCOUNT)).toBe(a.store);
      expect(forget).not.toHaveBeenCalledWith(a.store);

      await b.store.release(held.slot, false);
      expect(await queued).toBe('sent');
      await sleep(WINDOW_MS + 100);
      expect(busy.isIdle()).toBe(true);
      registry.budgetForAccount(BASE_URL, 'third@demo.test');
      expect(registry.budgetForAccount(BASE_URL, 'Admin@Demo.test')).not.toBe(busy);
      expect(forget).toHaveBeenCalledWith(a.store);
      expect(a.windows.windowFor(ACCOUNT)).not.toBe(a.store);
    });
  });

  describe('without Redis', () => {
    it('waits a window, goes on alone within the fallback, and puts its slots back into a Redis restarted empty', async () => {
      const log: string[] = [];
      // a window longer than a restart and a reconnection take on a loaded machine (a cluster's nodes must agree again first, ~2 s): the answered call still counts when Redis is back
      const windowMs = topology === 'single node' ? 2_500 : 6_000;
      const a = await process({ calls: 6, fallbackCalls: 2, reserve: 1, log, windowMs });
      const early = await take(a.store);
      await a.store.release(early.slot);
      await server.kill();
      const lostAt = Date.now();
      const waiting = await take(a.store);
      expect(waiting.verdict.granted).toBe(false);
      const gate = (waiting.verdict as { retryAt: number }).retryAt;
      expect(gate - lostAt).toBeGreaterThanOrEqual(windowMs);
      expect(a.store.known()).toMatchObject({ limit: 2, shared: false });
      await sleep(gate - Date.now() + 5);
      // alone: 2 calls per window (its call of before the loss has expired by now)
      const alone = [await take(a.store), await take(a.store)];
      expect(alone.map((t) => t.verdict.granted)).toEqual([true, true]);
      expect((await take(a.store)).verdict.granted).toBe(false);
      await a.store.release(alone[0].slot);
      const blockedUntil = await a.store.block(2 * windowMs);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatch(/^Redis at 127\.0\.0\.1 is unreachable .*at most 2 calls per window alone/);

      await server.restart();
      const back = Date.now();
      while (!a.windows.link.up && Date.now() - back < 5000) await sleep(20);
      await a.store.read();
      // Redis came back empty: its own two calls (one answered, one in flight) and the block are back
      expect(await a.redis.zcard(windowKeys(ACCOUNT).slots)).toBe(2);
      // the block is back with the time it had left
      expect(await a.redis.pttl(windowKeys(ACCOUNT).block)).toBeGreaterThan(blockedUntil - Date.now() - 250);
      expect(await a.store.read()).toMatchObject({ limit: 6, used: 2, shared: true, blockedUntil: expect.any(Number) });
      expect(log).toHaveLength(2);
      expect(log[1]).toMatch(/^Redis at 127\.0\.0\.1 is back/);
    });
  });
});
