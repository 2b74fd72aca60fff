/**
 * The change feed across replicas sharing one Redis of the test's own (one
 * node, and a 3-node Cluster): one replica polls each account (a lease), every replica's
 * subscribers hear every change, and the feed's calls with three replicas
 * are those of one; a poller killed (SIGKILL, a real process), another
 * replica takes over within CHANGES_LEASE_MS and events go on, a change
 * made while none polled included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import type { Item } from '../../src/contract/types.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import type { UpstreamClient } from '../../src/upstream/index.js';
import { openStream, type OpenStream } from '../helpers/change-stream.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, testRedisClient, type TestRedisTarget } from '../helpers/redis-server.js';
import { startReplica, startReplicaProcess, type Replica, type ReplicaProcess } from '../helpers/replicas.js';
import { DEMO_USERS, straightClient, TEST_ENV, type SimStats } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

interface Change { type: string; upsalesId: number; node: { name?: string } | null }
const CHANGES = 'subscription { changes(kinds: [CLIENT]) { type upsalesId node { ... on Client { name } } } }';

let sim: RunningSimulator;
let soap: UpstreamClient;
const simOrigin = () => new URL(sim.url).origin;
const stats = async () => (await fetch(`${simOrigin()}/__sim/stats`)).json() as Promise<SimStats>;
const resetStats = async () => void (await fetch(`${simOrigin()}/__sim/reset-stats`, { method: 'POST' }));
const adminCalls = async () => (await stats()).calls.byUser[DEMO_USERS.admin.username] ?? 0;

const changesOf = (payloads: { data?: Record<string, Change> | null }[]) => payloads.map((payload) => payload.data!.changes);

async function salesClient(name: string): Promise<Item> {
  const sales = (await soap.getByCriteria('user', { criteria: [{ field: 'email', operator: 'eq', values: [DEMO_USERS.sales.username] }] })).items[0].id!;
  const [made] = await soap.create('client', [{ name, users: [{ id: sales }] }]);
  return made.item!;
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
  soap = straightClient(sim.url);
});
afterAll(async () => {
  await sim?.close();
});

describe.each(REDIS_TOPOLOGIES)('on a Redis %s', (topology) => {
  let redis: TestRedisTarget;
  beforeAll(async () => {
    redis = await startTestRedisOf(topology);
  });
  afterAll(async () => {
    await redis?.close();
  });

  describe('three replicas on one Redis', () => {
    let replicas: Replica[] = [];
    beforeAll(async () => {
      const changes = { ...configFromEnv(TEST_ENV).changes, pollMs: 3_600_000, leaseMs: 2_000, budgetShare: 1 };
      replicas = await Promise.all([0, 1, 2].map(() => startReplica({ upstreamUrl: sim.url, ...redis.config, config: { changes, budgetCalls: 1_000_000 } })));
    });
    afterAll(async () => {
      for (const replica of replicas) await replica.close();
    });

    it('one replica polls: a change reaches the subscribers of every replica, and the feed costs what it costs on one', async () => {
      const client = await salesClient('Seen Everywhere AB');
      // each replica has checked admin's password already, as a page would have
      for (const replica of replicas) expect((await replica.query('{ me { name } }')).errors).toBeUndefined();
      await resetStats();
      const streams: OpenStream<Change>[] = [];
      for (const replica of replicas) {
        streams.push(await openStream<Change>(replica.base, CHANGES));
        // the first replica takes the lease and reads the baseline; the others find it held
        await until(async () => (await adminCalls()) >= 1, 15_000, 25);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      // sales writes through the third replica: a nudge to every replica; the holder polls once
      const edited = await replicas[2].query('mutation($id: ID!) { updateClient(id: $id, input: { name: "Edited On Three AB" }) { client { name } } }', { id: String(client.id) }, 'sales');
      expect(edited.errors).toBeUndefined();
      for (const stream of streams) {
        expect(changesOf(await stream.take(1))).toEqual([{ type: 'UPDATED', upsalesId: client.id, node: { name: 'Edited On Three AB' } }]);
        stream.close();
      }
      // as on one replica (test/changes/changes.test.ts): one baseline page, one poll
      expect(await adminCalls()).toBe(2);
    });
  });

  describe('the poller killed', () => {
    let processes: ReplicaProcess[] = [];
    afterAll(async () => {
      for (const replica of processes) if (replica.child.exitCode === null) await replica.stop();
    });

    it('another replica takes the lease over within CHANGES_LEASE_MS, and events go on', async () => {
      await resetStats();
      const env = {
        UPSALES_URL: sim.url, ...redis.env, CHANGES_POLL_MS: '200', CHANGES_LEASE_MS: '1000', CHANGES_BUDGET_SHARE: '1',
        UPSALES_BUDGET_CALLS: '1000000', LOG_LEVEL: 'info',
      };
      processes = [await startReplicaProcess(env), await startReplicaProcess(env)];
      const [first, second] = processes;
      const onFirst = await openStream<Change>(first.base, CHANGES);
      await until(async () => (await adminCalls()) >= 2, 15_000, 25);
      const onSecond = await openStream<Change>(second.base, CHANGES);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = await salesClient('Before The Kill AB');
      for (const stream of [onFirst, onSecond]) expect(changesOf(await stream.take(1))).toEqual([expect.objectContaining({ type: 'CREATED', upsalesId: before.id })]);

      first.child.kill('SIGKILL');
      await resetStats();
      // the dead poller's lease lapses within CHANGES_LEASE_MS (it was renewed for at most 0.8 of it)
      const keys = testRedisClient(redis.target);
      try {
        const [leaseKey] = await redis.keys('upsales-graphql:changes:*:lease');
        const left = await keys.pttl(leaseKey);
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThanOrEqual(800);
      } finally {
        keys.disconnect();
      }
      // made while nobody polls: the next poller goes on from where the last one got to (its mark in Redis)
      const during = await salesClient('During The Takeover AB');
      // the second replica takes over (its lease retries every fifth of a lease) and reads its baseline
      await until(async () => ((await stats()).calls.byOperation['ClientService.getByCriteria'] ?? 0) >= 2, 15_000, 25);
      expect(changesOf(await onSecond.take(1))).toEqual([{ type: 'CREATED', upsalesId: during.id, node: { name: 'During The Takeover AB' } }]);
      const after = await salesClient('After The Kill AB');
      expect(changesOf(await onSecond.take(1))).toEqual([{ type: 'CREATED', upsalesId: after.id, node: { name: 'After The Kill AB' } }]);
      onFirst.close();
      onSecond.close();
    });
  });
});
