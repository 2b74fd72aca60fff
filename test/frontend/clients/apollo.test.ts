/**
 * Apollo Client 4, set up as the README says (examples/frontend/apollo.ts),
 * against a gateway process that runs only trusted documents: the example
 * frontend's typed documents by codegen's hash, the same operations by
 * Apollo's manifest ids and by Apollo's own hashing; fragments with every
 * field, a mutation updating the normalized cache, @defer as it arrives,
 * errors with their code, and subscriptions over HTTP multipart and over a
 * WebSocket; the live client card (`@live`) over both, a new card when the
 * client changes straight in Upsales; the `changes` subscription over both.
 */
import { gql, type ApolloClient } from '@apollo/client';
import type { DocumentNode } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apolloClient, LIVE_OVER_HTTP } from '../../../examples/frontend/apollo.js';
import {
  ClientCardDocument, ClientCardLiveDocument, ClientChangesDocument, ClientDetailDocument, ImportProgressDocument, UpdateClientPhoneDocument,
} from '../../../examples/frontend/generated/graphql.js';
import { straightClient } from '../../helpers/stack.js';
import { exampleDocument, globalId, readManifest, startClientGateway, type ClientGateway } from '../../helpers/client-gateway.js';

// Node 20 has no WebSocket of its own, and Apollo's GraphQLWsLink reads the global one (README: Frontends).
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const source = exampleDocument;

let gateway: ClientGateway;
beforeAll(async () => {
  gateway = await startClientGateway({ ALLOW_ARBITRARY_OPERATIONS: 'false' });
});
afterAll(() => gateway?.close());

const soapCalls = () => gateway.soapCalls();

/** Every value a subscription sends until it completes. */
function collect<T>(client: ApolloClient, query: DocumentNode, variables: Record<string, unknown>): { values: T[]; done: Promise<void> } {
  const values: T[] = [];
  const done = new Promise<void>((resolve, reject) => {
    client.subscribe({ query, variables }).subscribe({
      next: (result) => (result.error ? reject(result.error) : values.push(result.data as T)),
      error: reject,
      complete: resolve,
    });
  });
  return { values, done };
}

type Progress = { importProgress: { state: string; done: number; total: number; __typename: string } };

async function followJob(client: ApolloClient, prefix: string, document: DocumentNode = ImportProgressDocument): Promise<Progress[]> {
  const id = await gateway.pausedJob(prefix);
  const { values, done } = collect<Progress>(client, document, { id });
  await expect.poll(() => values.length, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(values[0].importProgress.state).toBe('PAUSED');
  expect((await gateway.steer('resume', { id })).data?.resumeImport.state).toBe('RUNNING');
  await done;
  return values;
}

interface Documents { card: DocumentNode; update: DocumentNode; progress: DocumentNode }

describe.each<[string, () => ApolloClient, () => Documents]>([
  ['codegen\'s hash of each typed document', () => apolloClient({ url: gateway.url, authorization: gateway.auth() }),
    () => ({ card: ClientCardDocument, update: UpdateClientPhoneDocument, progress: ImportProgressDocument })],
  // A frontend that uses Apollo's manifest sends its own documents, not codegen's (their __typename fields differ).
  ['Apollo\'s persisted query manifest', () => apolloClient({ url: gateway.url, authorization: gateway.auth(), ids: { manifest: readManifest(gateway) } }),
    () => ({ card: source('client-card.graphql'), update: source('update-client-phone.graphql'), progress: source('import-progress.graphql') })],
])('trusted documents named by %s', (_name, make, documents) => {
  const { card, update, progress } = documents();
  let client: ApolloClient;
  beforeAll(() => {
    client = make();
  });
  afterAll(() => client?.stop());

  it('a query with a fragment: every field of the fragment, __typename with it, and the client normalized in the cache', async () => {
    const { data } = await client.query<{ client: { name: string } }>({ query: card, variables: { id: globalId(4) } });
    expect(data?.client).toMatchObject({ __typename: 'Client', id: globalId(4), name: expect.any(String) });
    expect(data?.client).toHaveProperty('phone');
    expect((client.cache.extract() as Record<string, unknown>)[`Client:${globalId(4)}`]).toMatchObject({ name: data?.client?.name });
  });

  it('a mutation updates the cache: the same query, cache-first, shows the new phone without a request', async () => {
    const id = globalId(5);
    await client.query({ query: card, variables: { id } });
    const phone = `+46 8 ${Math.floor(Math.random() * 1e6)}`;
    const { data } = await client.mutate<{ updateClient: object }>({ mutation: update, variables: { id, phone } });
    expect(data?.updateClient).toMatchObject({ status: 'WRITTEN', client: { phone }, userErrors: [] });
    const before = await soapCalls();
    const again = await client.query<{ client: { phone: string } }>({ query: card, variables: { id }, fetchPolicy: 'cache-first' });
    expect(again.data?.client?.phone).toBe(phone);
    expect(await soapCalls()).toBe(before);
  });

  it('a subscription over HTTP multipart: the job now, each batch, the end', async () => {
    const values = await followJob(client, `Apollo multipart ${_name.length}`, progress);
    expect(values.at(-1)!.importProgress).toMatchObject({ state: 'COMPLETED', done: 200, total: 200, __typename: 'ImportJob' });
    expect(values.length).toBeGreaterThan(2);
  });
});

describe('with codegen\'s hashes', () => {
  let client: ApolloClient;
  beforeAll(() => {
    client = apolloClient({ url: gateway.url, authorization: gateway.auth() });
  });
  afterAll(() => client?.stop());

  it('@defer: the card first, then the deferred contacts and opportunities (Defer20220824Handler)', async () => {
    const stages: { complete: boolean; contacts: boolean }[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query: ClientDetailDocument, variables: { id: globalId(6) } }).subscribe({
        next: (result) => {
          if (result.error) return reject(result.error);
          if (!result.data?.client) return;
          stages.push({ complete: result.dataState === 'complete', contacts: result.data.client.contacts !== undefined });
          if (result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    expect(stages[0]).toEqual({ complete: false, contacts: false });
    expect(stages.at(-1)).toEqual({ complete: true, contacts: true });
  });

  it('an error carries its code, and the data that came with it', async () => {
    const result = await client.query({ query: ClientCardDocument, variables: { id: globalId(999_999) }, errorPolicy: 'all' });
    expect(result.data?.client ?? null).toBeNull();
    expect((result.error as { errors?: { extensions?: { code?: string } }[] }).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('with Apollo\'s own hashing (PersistedQueryLink({ sha256 })) of documents written operation first, subscriptions over a WebSocket', () => {
  let client: ApolloClient;
  beforeAll(() => {
    client = apolloClient({ url: gateway.url, authorization: gateway.auth(), ids: 'sha256', webSocket: { impl: WebSocket } });
  });
  afterAll(() => client?.stop());

  it('the query with a fragment, the mutation and the subscription over a WebSocket, as npm run persisted lists them', async () => {
    const card = await client.query({ query: source('client-card.graphql'), variables: { id: globalId(7) } });
    expect(card.data).toMatchObject({ client: { __typename: 'Client', name: expect.any(String), phone: expect.anything() } });
    const phone = '+46 31 7000';
    const updated = await client.mutate({ mutation: source('update-client-phone.graphql'), variables: { id: globalId(7), phone } });
    expect(updated.data).toMatchObject({ updateClient: { client: { phone } } });
    // GraphQLWsLink sends the document with its hash: it runs because it is the trusted document itself.
    const values = await followJob(client, 'Apollo websocket', source('import-progress.graphql'));
    expect(values.at(-1)!.importProgress).toMatchObject({ state: 'COMPLETED', done: 200, __typename: 'ImportJob' });
  });

  it('a document that is not trusted: refused with PERSISTED_QUERY_ONLY, no SOAP call', async () => {
    const before = await soapCalls();
    const result = await client.query({ query: gql`query NotListed { me { name } }`, errorPolicy: 'all' });
    expect((result.error as { errors?: { extensions?: { code?: string } }[] }).errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(await soapCalls()).toBe(before);
  });
});

describe.each<[string, () => ApolloClient, () => DocumentNode, object]>([
  ['over HTTP, as Apollo\'s multipart subscriptions (LIVE_OVER_HTTP), by codegen\'s hash', () => apolloClient({ url: gateway.url, authorization: gateway.auth() }),
    () => ClientCardLiveDocument, LIVE_OVER_HTTP],
  // GraphQLWsLink sends the document with its hash: Apollo's own hashing of the document as written (as the WebSocket suite above).
  ['over the WebSocket (GraphQLWsLink), by Apollo\'s own hash', () => apolloClient({ url: gateway.url, authorization: gateway.auth(), ids: 'sha256', webSocket: { impl: WebSocket } }),
    () => source('client-card-live.graphql'), {}],
])('@live: the live client card %s', (name, make, document, context) => {
  let client: ApolloClient;
  beforeAll(() => {
    client = make();
  });
  afterAll(() => client?.stop());

  it('the card now, then a new card when another program changes the client straight in Upsales', async () => {
    const upsalesId = name.includes('HTTP') ? 41 : 42;
    const elsewhere = straightClient(gateway.sim.url);
    const phones: (string | null | undefined)[] = [];
    const failed: unknown[] = [];
    const subscription = client.watchQuery<{ client: { phone: string | null } | null }>({ query: document(), variables: { id: globalId(upsalesId) }, fetchPolicy: 'network-only', context }).subscribe({
      next: (result) => (result.error ? failed.push(result.error) : result.data?.client && phones.push(result.data.client.phone)),
      error: (error) => failed.push(error),
    });
    try {
      await expect.poll(() => phones.length + failed.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const phone = `+46 8 4${upsalesId}${Math.floor(Math.random() * 1e4)}`;
      await elsewhere.update('client', [{ id: upsalesId, phone }]);
      // Within the feed's poll (CHANGES_POLL_MS, 5 s by default).
      await expect.poll(() => phones.at(-1), { timeout: 20_000 }).toBe(phone);
      // Apollo wrote it to its normalized cache too.
      expect((client.cache.extract() as Record<string, { phone?: string }>)[`Client:${globalId(upsalesId)}`]?.phone).toBe(phone);
      expect(failed).toEqual([]);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe.each<[string, () => ApolloClient, () => DocumentNode]>([
  ['over HTTP multipart, by codegen\'s hash', () => apolloClient({ url: gateway.url, authorization: gateway.auth() }), () => ClientChangesDocument],
  ['over the WebSocket (GraphQLWsLink), by Apollo\'s own hash', () => apolloClient({ url: gateway.url, authorization: gateway.auth(), ids: 'sha256', webSocket: { impl: WebSocket } }),
    () => source('client-changes.graphql')],
])('the changes subscription %s', (name, make, document) => {
  let client: ApolloClient;
  beforeAll(() => {
    client = make();
  });
  afterAll(() => client?.stop());

  it('a write through the gateway (another frontend\'s) is told with the client as it is now', async () => {
    const upsalesId = name.includes('HTTP') ? 61 : 62;
    type Told = { changes: { type: string; upsalesId: number; node: { phone?: string | null } | null } };
    const told: Told[] = [];
    const failed: unknown[] = [];
    const subscription = client.subscribe<Told>({ query: document() }).subscribe({
      next: (result) => (result.error ? failed.push(result.error) : result.data && told.push(result.data)),
      error: (error) => failed.push(error),
    });
    const other = apolloClient({ url: gateway.url, authorization: gateway.auth() });
    try {
      // Nothing is replayed: a write before the subscription was under way is not told, so write until one is.
      let heard: Told | undefined;
      for (let attempt = 0; attempt < 20 && !heard; attempt++) {
        const phone = `+46 60 ${upsalesId}${attempt}${Math.floor(Math.random() * 1e3)}`;
        await other.mutate({ mutation: UpdateClientPhoneDocument, variables: { id: globalId(upsalesId), phone } });
        const find = () => told.find((change) => change.changes.node?.phone === phone);
        for (const waitUntil = Date.now() + 2_000; !find() && Date.now() < waitUntil;) await new Promise((resolve) => setTimeout(resolve, 20));
        heard = find();
      }
      expect(failed).toEqual([]);
      expect(heard?.changes).toMatchObject({ type: 'UPDATED', upsalesId, node: { __typename: 'Client' } });
    } finally {
      subscription.unsubscribe();
      other.stop();
    }
  });
});
