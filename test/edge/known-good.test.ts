/**
 * A real user is not stalled on a replica that has not seen their password
 * yet: with ACCOUNT_HASH_KEY, a password Upsales accepted on replica A is
 * told to B (a keyed HMAC through Redis, never the password), so while
 * someone floods B with wrong passwords for that username, the real user's
 * right one still gets in on B. Without the key nothing is told, and B
 * holds the real user back with the guesser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startTestRedisOf, type TestRedisTarget } from '../helpers/redis-server.js';
import { startReplica, type Replica } from '../helpers/replicas.js';
import { basic, DEMO_USERS } from '../helpers/stack.js';

/** A guess: a wrong password of its own each time (the same one twice is answered from memory, counting nothing). */
const wrong = (n: number) => basic(DEMO_USERS.sales.username, `guess-${n}`);

/** `{ me }` on `replica` with `authorization`: its status and first error code. */
async function me(replica: Replica, authorization: string): Promise<{ status: number; code?: string }> {
  const response = await replica.fetch('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ me { name } }' }),
  });
  const body = await response.json() as { errors?: { extensions: { code: string } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions.code };
}

/** Two replicas of one Redis node, ACCOUNT_HASH_KEY as given while they run. */
function replicasWith(key: string | undefined) {
  const state: { redis?: TestRedisTarget; sim?: RunningSimulator; a?: Replica; b?: Replica; saved?: string } = {};
  beforeAll(async () => {
    state.saved = process.env.ACCOUNT_HASH_KEY;
    if (key) process.env.ACCOUNT_HASH_KEY = key;
    else delete process.env.ACCOUNT_HASH_KEY;
    state.redis = await startTestRedisOf('single node');
    state.sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
    const config = { budgetCalls: 1_000_000 };
    state.a = await startReplica({ upstreamUrl: state.sim.url, ...state.redis.config, config });
    state.b = await startReplica({ upstreamUrl: state.sim.url, ...state.redis.config, config });
  });
  afterAll(async () => {
    await state.a?.close();
    await state.b?.close();
    await state.sim?.close();
    await state.redis?.close();
    if (state.saved === undefined) delete process.env.ACCOUNT_HASH_KEY;
    else process.env.ACCOUNT_HASH_KEY = state.saved;
  });
  return state;
}

/** Sales signs in on A, then B is flooded with wrong passwords for sales until it holds the username back. */
async function floodB(a: Replica, b: Replica): Promise<void> {
  expect(await me(a, basic(DEMO_USERS.sales.username, DEMO_USERS.sales.password))).toEqual({ status: 200, code: undefined });
  // the mark travels through Redis meanwhile
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < 20; i++) {
    if ((await me(b, wrong(i))).status === 429) return;
  }
  throw new Error('B never held the username back');
}

describe('with ACCOUNT_HASH_KEY', () => {
  const state = replicasWith('a-shared-secret-of-the-replicas');

  it('the password Upsales accepted on A gets in on B while B holds the username back for a guesser', async () => {
    await floodB(state.a!, state.b!);
    expect((await me(state.b!, wrong(100))).status).toBe(429);
    expect(await me(state.b!, basic(DEMO_USERS.sales.username, DEMO_USERS.sales.password))).toEqual({ status: 200, code: undefined });
  });
});

describe('without ACCOUNT_HASH_KEY', () => {
  const state = replicasWith(undefined);

  it('nothing is told: B holds the real user back with the guesser', async () => {
    await floodB(state.a!, state.b!);
    expect(await me(state.b!, basic(DEMO_USERS.sales.username, DEMO_USERS.sales.password))).toMatchObject({ status: 429, code: 'THROTTLED' });
  });
});
