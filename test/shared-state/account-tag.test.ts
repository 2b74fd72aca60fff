/**
 * One account hash for every key of shared state (src/account/account-tag.ts):
 * HMAC-SHA256 keyed by ACCOUNT_HASH_KEY when it is set, else plain SHA-256;
 * a key too short is refused by name; and with the key set, nothing an
 * account leaves in Redis (its call budget, its kept reads) names the
 * username or its plain SHA-256.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accountTag, checkAccountHashKey } from '../../src/account/account-tag.js';
import { accountKey } from '../../src/account/account-key.js';
import { createReadCache } from '../../src/shared-state/index.js';
import { createSharedState, type SharedState } from '../../src/shared-state/index.js';
import { createSharedReads } from '../../src/upstream/shared-reads.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, type TestRedisTarget } from '../helpers/redis-server.js';

const KEY = 'a-key-of-the-test-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest();
const saved = process.env.ACCOUNT_HASH_KEY;
afterEach(() => {
  if (saved === undefined) delete process.env.ACCOUNT_HASH_KEY;
  else process.env.ACCOUNT_HASH_KEY = saved;
});

describe('accountTag', () => {
  it('is plain SHA-256 (hex) without ACCOUNT_HASH_KEY, as before it existed', () => {
    delete process.env.ACCOUNT_HASH_KEY;
    expect(accountTag('text')).toBe(sha256('text').toString('hex'));
    process.env.ACCOUNT_HASH_KEY = '';
    expect(accountTag('text')).toBe(sha256('text').toString('hex'));
  });

  it('is HMAC-SHA256 keyed by ACCOUNT_HASH_KEY when set: stable, and not the plain hash', () => {
    process.env.ACCOUNT_HASH_KEY = KEY;
    const tag = accountTag('text');
    expect(tag).toBe(createHmac('sha256', KEY).update('text').digest('hex'));
    expect(tag).toMatch(/^[0-9a-f]{64}$/);
    expect(accountTag('text')).toBe(tag);
    expect(tag).not.toBe(sha256('text').toString('hex'));
    process.env.ACCOUNT_HASH_KEY = `${KEY}-other`;
    expect(accountTag('text')).not.toBe(tag);
  });

  it('refuses a key shorter than 16 characters, naming the variable', () => {
    process.env.ACCOUNT_HASH_KEY = 'short';
    expect(() => checkAccountHashKey()).toThrow(/ACCOUNT_HASH_KEY must be at least 16 characters/);
    expect(() => accountTag('text')).toThrow(/ACCOUNT_HASH_KEY/);
    process.env.ACCOUNT_HASH_KEY = 'x'.repeat(16);
    expect(() => checkAccountHashKey()).not.toThrow();
  });

  it('stops the start-up of shared state on a bad key', async () => {
    process.env.ACCOUNT_HASH_KEY = 'short';
    await expect(createSharedState({ budget: { calls: 5, windowMs: 1000, interactiveReserve: 1 }, fallbackCalls: 2, timeoutMs: 1000 }))
      .rejects.toThrow(/ACCOUNT_HASH_KEY/);
  });
});

describe.each(REDIS_TOPOLOGIES)('keys an account leaves in a Redis %s, with ACCOUNT_HASH_KEY set', (topology) => {
  const BASE_URL = 'http://127.0.0.1:4010/wsapi';
  const USERNAME = 'Anna.Andersson@Example.test';
  let server: TestRedisTarget;
  let shared: SharedState;
  beforeAll(async () => {
    server = await startTestRedisOf(topology);
  });
  afterAll(async () => {
    await shared?.close();
    await server.close();
  });

  it('name neither the username nor its plain SHA-256', async () => {
    process.env.ACCOUNT_HASH_KEY = KEY;
    shared = await createSharedState({
      ...server.config, budget: { calls: 5, windowMs: 1000, interactiveReserve: 1 }, fallbackCalls: 2, timeoutMs: 1000, log: () => undefined,
    });
    const budget = shared.budgets.budgetForAccount(BASE_URL, USERNAME);
    const reads = createSharedReads(BASE_URL, createReadCache(shared.redis!, 60_000));
    const gate = reads.forCaller({ username: USERNAME, password: 'secret' }, { calls: 0, queuedMs: 0, log: [] }, {
      reuse: { kept: () => true, flightScope: () => '', accepted: () => undefined },
    });
    expect(await gate.read('client', { page: 1 }, () => budget.run(async () => ({ rows: [1] })))).toEqual({ rows: [1] });
    // the answer is kept after it is returned: wait for it to be in Redis
    for (let i = 0; i < 50 && (await server.keys()).length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));

    const keys = await server.keys();
    expect(keys.some((key) => key.includes(':budget:'))).toBe(true);
    expect(keys.some((key) => key.includes(':reads:') && key.includes(':answer:'))).toBe(true);
    const forms = [USERNAME, USERNAME.toLowerCase(), accountKey(BASE_URL, USERNAME)].flatMap((text) => [
      text, sha256(text).toString('hex').slice(0, 12), sha256(text).toString('base64url').slice(0, 12),
    ]);
    for (const key of keys) for (const form of forms) expect(key.toLowerCase()).not.toContain(form.toLowerCase());
  });
});
