/**
 * The clients where arbitrary documents run (the default), against two
 * gateway processes sharing one Redis (REDIS_URL; and a 3-node Redis Cluster,
 * REDIS_CLUSTER_NODES, alike): graphql-request
 * (queries, mutations, codes, a wrong password's data with status 200, 401
 * without credentials), urql as it comes (GETs with the document), and
 * automatic persisted queries: Apollo Client's and urql's hash misses
 * followed by the document register it for the caller's account, so the
 * next request by hash is one round trip, on either replica; another
 * account's request by the same hash misses.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { parse } from 'graphql';
import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../../examples/frontend/apollo.js';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.js';
import { globalId, startClientGateway, type ClientGateway } from '../../helpers/client-gateway.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, type TestRedisTarget } from '../../helpers/redis-server.js';
import type { DemoUser } from '../../helpers/stack.js';

let sim: RunningSimulator;
let redis: TestRedisTarget;
let a: ClientGateway;
let b: ClientGateway;

describe.each(REDIS_TOPOLOGIES)('two gateways on a Redis %s', (topology) => {
  beforeAll(async () => {
    [sim, redis] = await Promise.all([startSimulator({ port: 0, throttleCalls: 1_000_000 }), startTestRedisOf(topology)]);
    [a, b] = await Promise.all([0, 1].map(() => startClientGateway(redis.env, { sim })));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.close();
    await sim?.close();
  });

  describe('graphql-request', () => {
    const client = () => new GraphQLClient(a.url, { headers: { authorization: a.auth() } });

    it('a query and a mutation', async () => {
      const read = await client().request<{ client: { name: string } }>(gql`query ($id: ID!) { client(id: $id) { name } }`, { id: globalId(20) });
      expect(read.client.name).toEqual(expect.any(String));
      const written = await client().request<{ updateClient: { status: string; client: { phone: string } } }>(
        gql`mutation ($id: ID!) { updateClient(id: $id, input: { phone: "+46 8 20" }) { status client { phone } } }`, { id: globalId(20) },
      );
      expect(written.updateClient).toEqual({ status: 'WRITTEN', client: { phone: '+46 8 20' } });
    });

    it('an error carries its code (ClientError)', async () => {
      const failed = await client().request(gql`query ($id: ID!) { client(id: $id) { name } }`, { id: globalId(999_999) }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(ClientError);
      expect((failed as ClientError).response.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    });

    it('a wrong password: the data comes with status 200, so errorPolicy all returns it', async () => {
      const wrong = new GraphQLClient(a.url, { headers: { authorization: `Basic ${Buffer.from('admin@demo.test:wrong').toString('base64')}` }, errorPolicy: 'all' });
      const answer = await wrong.rawRequest<{ me: null }>(gql`{ me { name } }`);
      expect(answer.status).toBe(200);
      expect(answer.data).toEqual({ me: null });
      expect(answer.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('no credentials and no default account: 401 without data, challenged with xBasic (never Basic)', async () => {
      const failed = await new GraphQLClient(a.url).request(gql`{ me { name } }`).catch((error: unknown) => error) as ClientError;
      expect(failed.response.status).toBe(401);
      expect(failed.response.data).toBeUndefined();
      expect(failed.response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(failed.response.headers.get('www-authenticate')).toMatch(/^xBasic /);
    });
  });

  describe('urql as it comes', () => {
    it('queries as GETs with the document and Authorization, no CSRF header of its own', async () => {
      const urql = new Client({ url: a.url, exchanges: [cacheExchange, fetchExchange], fetchOptions: { headers: { authorization: a.auth() } } });
      const mark = a.mark();
      const result = await urql.query(parse('query AsItComes { me { name } }'), {}).toPromise();
      expect(result.error).toBeUndefined();
      expect(result.data).toMatchObject({ me: { name: expect.any(String) } });
      await expect.poll(() => a.requests(mark).filter((line) => line.operation === 'AsItComes').map((line) => line.method)).toEqual(['GET']);
    });
  });

  describe('automatic persisted queries', () => {
    const apollo = (gateway: ClientGateway, user: DemoUser = 'admin') => new ApolloClient({
      link: ApolloLink.from([createPersistedQueryLink({ sha256 }), new HttpLink({ uri: gateway.url, headers: { authorization: gateway.auth(user) } })]),
      cache: new InMemoryCache(),
    });
    const urql = (gateway: ClientGateway) => new Client({
      url: gateway.url, exchanges: [cacheExchange, persistedExchange(), fetchExchange], fetchOptions: { headers: { authorization: gateway.auth() } },
    });

    /** The requests `gateway` answered for one client call, once its log has them. */
    async function roundTrips(gateway: ClientGateway, run: () => Promise<unknown>, expected: number): Promise<string[]> {
      const mark = gateway.mark();
      await run();
      await expect.poll(() => gateway.requests(mark).length).toBe(expected);
      return gateway.requests(mark).map((line) => line.outcome);
    }

    it('Apollo Client: a miss then the document, once for the account; then the hash alone, on either replica; another account misses', async () => {
      const query = parse(`query Apq${Date.now()} { me { name } }`);
      const first = await roundTrips(a, () => apollo(a).query({ query }), 2);
      expect(first).toEqual(['PERSISTED_QUERY_NOT_FOUND', 'OK']);
      expect(await roundTrips(a, () => apollo(a).query({ query }), 1)).toEqual(['OK']);
      expect(await roundTrips(b, () => apollo(b).query({ query }), 1)).toEqual(['OK']);
      expect(await roundTrips(b, () => apollo(b, 'sales').query({ query }), 2)).toEqual(['PERSISTED_QUERY_NOT_FOUND', 'OK']);
    });

    it('urql\'s persistedExchange: the same, with GETs', async () => {
      const query = parse(`query UrqlApq${Date.now()} { me { email } }`);
      const mark = a.mark();
      expect(await roundTrips(a, () => urql(a).query(query, {}).toPromise(), 2)).toEqual(['PERSISTED_QUERY_NOT_FOUND', 'OK']);
      expect(a.requests(mark).map((line) => line.method)).toEqual(['GET', 'GET']);
      expect(await roundTrips(b, () => urql(b).query(query, {}).toPromise(), 1)).toEqual(['OK']);
    });
  });
});
