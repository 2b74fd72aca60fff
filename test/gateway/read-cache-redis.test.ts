/**
 * The read cache in Redis, shared by two gateways (two createGateway over two
 * createUpstream, as two replicas would be) on one embedded Upsales service
 * and one real redis-server: answers kept by one serve the other, a write
 * through one drops the other's, a wrong password is never served, and Redis
 * going away fails no request. Over one Redis node and a 3-node Redis
 * Cluster alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadCache } from '../../src/shared-state/index.js';
import type { RedisClient } from '../../src/shared-state/redis/connection.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, testRedisClient, type TestRedisTarget } from '../helpers/redis-server.js';
import { basic, DEMO_USERS, replicaOf, startStack, UNTHROTTLED, type GraphQLResponse, type Stack } from '../helpers/stack.js';

describe.each(REDIS_TOPOLOGIES)('the read cache on a Redis %s', (topology) => {
  const TTL = 60_000;
  let server: TestRedisTarget;
  let connections: RedisClient[];
  let a: Stack;
  let b: ReturnType<typeof replicaOf>;
  let clientId: number;

  const connect = async () => {
    const redis = testRedisClient(server.target, { maxRetriesPerRequest: 1, retryStrategy: () => 50 }).on('error', () => undefined);
    await new Promise((resolve) => redis.once('ready', resolve));
    return redis;
  };

  beforeAll(async () => {
    server = await startTestRedisOf(topology);
    connections = [await connect(), await connect()];
    a = await startStack({ sim: UNTHROTTLED.sim, config: { ...UNTHROTTLED.config, cacheTtlMs: TTL }, cache: createReadCache(connections[0], TTL) });
    b = replicaOf(a, createReadCache(connections[1], TTL));
    clientId = (await a.query<{ clients: { nodes: { upsalesId: number }[] } }>('{ clients(first: 1) { nodes { upsalesId } } }', { headers: { 'cache-control': 'no-cache' } }))
      .data!.clients.nodes[0].upsalesId;
  });
  afterAll(async () => {
    await a.close();
    for (const redis of connections) redis.disconnect();
    await server.close();
  });

  const PAGE = '{ clients(first: 10, orderBy: [{ field: name }]) { totalCount nodes { name contacts(first: 3) { nodes { name } } accountManagers { name } } } }';
  const upsales = (response: GraphQLResponse) => response.extensions!.upsales!;

  describe('two gateways on it', () => {
    it('answers kept by one serve the other, once Upsales has accepted the password there', async () => {
      await a.resetStats();
      const onA = await a.query(PAGE);
      expect(upsales(onA)).toMatchObject({ soapCalls: 3, cachedCalls: 0 });
      // B has not seen this password answered yet: its first read goes upstream, the rest come from Redis.
      const onB = await b.query(PAGE);
      expect(onB.data).toEqual(onA.data);
      expect(upsales(onB)).toMatchObject({ soapCalls: 1, cachedCalls: 2 });
      const again = await b.query(PAGE);
      expect(upsales(again)).toMatchObject({ soapCalls: 0, cachedCalls: 3 });
      expect((await a.stats()).calls.total).toBe(4);
    });

    it('a write through one drops the other\'s kept reads', async () => {
      const read = `{ client(upsalesId: ${clientId}) { phone } }`;
      await b.query(read);
      expect(upsales(await b.query(read))).toMatchObject({ soapCalls: 0, cachedCalls: 1 });
      const phone = `031-${Date.now() % 1_000_000}`;
      const written = await a.query<{ updateClient: { status: string } }>(`mutation { updateClient(id: "${clientId}", input: { phone: "${phone}" }) { status } }`);
      expect(written.data!.updateClient.status).toBe('WRITTEN');
      await a.resetStats();
      const after = await b.query<{ client: { phone: string } }>(read);
      expect(after.data!.client.phone).toBe(phone);
      expect(upsales(after)).toMatchObject({ soapCalls: 1, cachedCalls: 0 });
      expect((await a.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 1 });
    });

    it('a wrong password gets UNAUTHENTICATED on either gateway while the right one\'s answers are in Redis', async () => {
      await b.query(PAGE);
      const wrong = basic(DEMO_USERS.admin.username, 'not-the-password');
      for (const refused of [await b.query(PAGE, wrong), await a.query(PAGE, { authorization: wrong })]) {
        expect(refused.data?.clients ?? null).toBeNull();
        expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(upsales(refused).cachedCalls).toBe(0);
      }
    });

    it('without Redis, requests still answer, reading upstream; with it back, answers are kept again', async () => {
      await b.query(PAGE);
      await server.kill();
      try {
        await a.resetStats();
        const down = await b.query(PAGE);
        expect(down.errors).toBeUndefined();
        expect(upsales(down)).toMatchObject({ soapCalls: 3, cachedCalls: 0 });
        expect((await a.stats()).calls.total).toBe(3);
      } finally {
        await server.restart();
      }
      while (connections.some((redis) => redis.status !== 'ready')) await new Promise((resolve) => setTimeout(resolve, 20));
      await b.query(PAGE);
      expect(upsales(await b.query(PAGE))).toMatchObject({ soapCalls: 0, cachedCalls: 3 });
    });
  });
});
