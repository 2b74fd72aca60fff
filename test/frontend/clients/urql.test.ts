/**
 * urql, set up as the README says (examples/frontend/urql.ts), against a
 * gateway process that runs only trusted documents: queries as GETs with
 * urql's own headers (and Authorization), fragments with every field, a
 * mutation seen by urql's document cache and by graphcache, @defer as it
 * arrives, errors with their code, subscriptions over graphql-ws,
 * graphql-sse and urql's own fetch, by codegen's hashes and by urql's own;
 * and graphql-sse and graphql-ws alone, sending a trusted hash. A live query
 * (the live client card) over each of them: a new card when the client
 * changes, through the gateway (at once) or straight in Upsales (within
 * the feed's poll); and the `changes` subscription over each of them.
 */
import type { Client, OperationResult } from '@urql/core';
import type { DocumentNode } from 'graphql';
import { createClient as createSSEClient, NetworkError } from 'graphql-sse';
import { createClient as createWSClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urqlClient, type UrqlSetup } from '../../../examples/frontend/urql.js';
import { persistedHash } from '../../../examples/frontend/client.js';
import {
  ClientCardDocument, ClientCardLiveDocument, ClientChangesDocument, ClientDetailDocument, ImportProgressDocument, UpdateClientPhoneDocument,
  type ClientCardLiveQuery,
} from '../../../examples/frontend/generated/graphql.js';
import { straightClient } from '../../helpers/stack.js';
import { exampleDocument, globalId, startClientGateway, type ClientGateway } from '../../helpers/client-gateway.js';

const source = exampleDocument;

let gateway: ClientGateway;
beforeAll(async () => {
  gateway = await startClientGateway({ ALLOW_ARBITRARY_OPERATIONS: 'false' });
});
afterAll(() => gateway?.close());

const client = (setup: Partial<UrqlSetup> = {}) => urqlClient({ url: gateway.url, authorization: gateway.auth(), webSocketImpl: WebSocket, ...setup });

const soapCalls = () => gateway.soapCalls();

/** The methods of the requests the gateway logged for operation `name` since `mark`. */
const logged = (name: string, mark: number): string[] => gateway.requests(mark).filter((line) => line.operation === name).map((line) => line.method);

/** A subscription sent with graphql-sse or graphql-ws alone: the body as the protocol carries it, told to `sink`; returns how to leave. */
type RawSubscribe = (body: object, sink: { next(value: unknown): void; error(error: unknown): void; complete(): void }) => () => void;

/** graphql-sse as a frontend sets it up alone (distinct connections, credentials in a header). */
const sseClient = () => createSSEClient({ url: gateway.url, headers: { authorization: gateway.auth() }, retryAttempts: 0 });
/** graphql-ws as a frontend sets it up alone (credentials in connectionParams). */
const wsClient = (connectionParams: Record<string, unknown> = { authorization: gateway.auth() }) =>
  createWSClient({ url: gateway.url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams });

/** Each client library alone: opened, used through `run`, let go of. */
const RAW_CLIENTS: [string, (run: (subscribe: RawSubscribe) => Promise<unknown>) => Promise<void>][] = [
  ['graphql-sse (distinct connections)', async (run) => {
    const sse = sseClient();
    try {
      await run((body, sink) => sse.subscribe(body as never, sink as never));
    } finally {
      sse.dispose();
    }
  }],
  ['graphql-ws', async (run) => {
    const ws = wsClient();
    try {
      await run((body, sink) => ws.subscribe(body as never, sink as never));
    } finally {
      await ws.dispose();
    }
  }],
];

type Progress = { importProgress: { state: string; done: number } };

/** Follows a paused job through `urql` until it is completed: every result. */
async function followJob(urql: Client, prefix: string, document: DocumentNode = ImportProgressDocument): Promise<OperationResult<Progress>[]> {
  const id = await gateway.pausedJob(prefix);
  const results: OperationResult<Progress>[] = [];
  // urql's last result of a stream that ended says `hasNext: false`.
  const completed = new Promise<void>((resolve) => {
    urql.subscription<Progress>(document, { id }).subscribe((result) => {
      results.push(result);
      if (result.error || !result.hasNext) resolve();
    });
  });
  await expect.poll(() => results.length, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(results[0].error).toBeUndefined();
  expect(results[0].data?.importProgress.state).toBe('PAUSED');
  expect((await gateway.steer('resume', { id })).data?.resumeImport.state).toBe('RUNNING');
  await completed;
  return results;
}

describe('codegen\'s hashes, urql\'s document cache', () => {
  it('queries go as GETs with Authorization and no CSRF header, and a fragment comes with every field', async () => {
    const urql = client();
    const from = gateway.mark();
    const result = await urql.query(ClientCardDocument, { id: globalId(10) }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.client).toMatchObject({ __typename: 'Client', id: globalId(10), name: expect.any(String) });
    expect(result.data?.client).toHaveProperty('phone');
    await expect.poll(() => logged('ClientCard', from)).toEqual(['GET']);
  });

  it('a mutation makes the document cache read the query again (its answer holds a Client): the new phone', async () => {
    const urql = client();
    const id = globalId(11);
    await urql.query(ClientCardDocument, { id }).toPromise();
    const phone = `+46 40 ${Math.floor(Math.random() * 1e6)}`;
    const written = await urql.mutation(UpdateClientPhoneDocument, { id, phone }).toPromise();
    expect(written.data?.updateClient).toMatchObject({ status: 'WRITTEN', client: { phone } });
    const again = await urql.query(ClientCardDocument, { id }, { requestPolicy: 'cache-first' }).toPromise();
    expect(again.data?.client?.phone).toBe(phone);
  });

  it('@defer: the card first, then the deferred part', async () => {
    const urql = client();
    const stages: { hasNext: boolean; contacts: boolean }[] = [];
    // Not unsubscribed at the last part: urql would abort the answer's last bytes and leave the AbortError unhandled.
    await new Promise<void>((resolve) => {
      urql.query(ClientDetailDocument, { id: globalId(12) }).subscribe((result) => {
        stages.push({ hasNext: result.hasNext, contacts: result.data?.client?.contacts !== undefined });
        if (!result.hasNext) resolve();
      });
    });
    expect(stages[0]).toEqual({ hasNext: true, contacts: false });
    expect(stages.at(-1)).toEqual({ hasNext: false, contacts: true });
  });

  it('an error carries its code', async () => {
    const result = await client().query(ClientCardDocument, { id: globalId(999_999) }).toPromise();
    expect(result.error?.graphQLErrors[0].extensions.code).toBe('NOT_FOUND');
  });

  it.each(['websocket', 'sse', 'fetch'] as const)('a subscription over %s: the job now, each batch, the end', async (subscriptions) => {
    const results = await followJob(client({ subscriptions }), `urql ${subscriptions}`);
    expect(results.every((result) => !result.error)).toBe(true);
    expect(results.at(-1)!.data?.importProgress).toMatchObject({ state: 'COMPLETED', done: 200 });
    expect(results.length).toBeGreaterThan(2);
  });
});

describe('graphcache', () => {
  it('a mutation updates the normalized client: the same query, cache-first, shows the new phone without a request', async () => {
    const urql = client({ normalized: true });
    const id = globalId(13);
    await urql.query(ClientCardDocument, { id }).toPromise();
    const phone = `+46 90 ${Math.floor(Math.random() * 1e6)}`;
    await urql.mutation(UpdateClientPhoneDocument, { id, phone }).toPromise();
    const before = await soapCalls();
    const from = gateway.mark();
    const again = await urql.query(ClientCardDocument, { id }, { requestPolicy: 'cache-first' }).toPromise();
    expect(again.data?.client?.phone).toBe(phone);
    expect(await soapCalls()).toBe(before);
    expect(logged('ClientCard', from)).toEqual([]);
  });
});

describe('urql\'s own hashes (persistedExchange() as it comes, with mutations and subscriptions), of documents written operation first', () => {
  it('the query with a fragment, the mutation and a subscription over a WebSocket, as npm run persisted lists them', async () => {
    const urql = client({ ids: 'sha256' });
    const card = await urql.query(source('client-card.graphql'), { id: globalId(14) }).toPromise();
    expect(card.error).toBeUndefined();
    expect(card.data).toMatchObject({ client: { __typename: 'Client', name: expect.any(String) } });
    const written = await urql.mutation(source('update-client-phone.graphql'), { id: globalId(14), phone: '+46 8 14' }).toPromise();
    expect(written.data).toMatchObject({ updateClient: { client: { phone: '+46 8 14' } } });
    const results = await followJob(urql, 'urql own hashes', source('import-progress.graphql'));
    expect(results.at(-1)!.data?.importProgress.state).toBe('COMPLETED');
  });
});

describe('graphql-sse and graphql-ws alone, sending the hash of a trusted document (an empty query)', () => {
  const request = (id: string) => ({ query: '', variables: { id }, extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(ImportProgressDocument) } } });

  /** Every value a graphql-sse or graphql-ws subscription sends, once the job it follows is resumed, until it completes. */
  async function follow(subscribe: RawSubscribe, prefix: string) {
    const id = await gateway.pausedJob(prefix);
    const values: { data?: Progress; errors?: unknown[] }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      subscribe(request(id), { next: (value) => values.push(value as never), error: reject, complete: resolve });
    });
    await expect.poll(() => values.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await gateway.steer('resume', { id });
    await done;
    return values;
  }

  it('graphql-sse (distinct connections)', async () => {
    const sse = sseClient();
    const values = await follow((body, sink) => sse.subscribe(body as never, sink as never), 'graphql-sse');
    expect(values[0].data?.importProgress.state).toBe('PAUSED');
    expect(values.at(-1)!.data?.importProgress).toMatchObject({ state: 'COMPLETED', done: 200 });
    sse.dispose();
  });

  it('graphql-ws (credentials in connectionParams.headers)', async () => {
    const ws = wsClient({ headers: { authorization: gateway.auth() } });
    const values = await follow((body, sink) => ws.subscribe(body as never, sink as never), 'graphql-ws');
    expect(values.at(-1)!.data?.importProgress).toMatchObject({ state: 'COMPLETED', done: 200 });
    await ws.dispose();
  });

  it('a document as text is refused with PERSISTED_QUERY_ONLY: over SSE a 400 with a JSON body (the GraphQL over SSE protocol), on the WebSocket an error message', async () => {
    const query = 'subscription { importProgress(id: "x") { state } }';
    const sse = sseClient();
    const refused = await new Promise<unknown>((resolve) => sse.subscribe({ query }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) }));
    expect(refused).toBeInstanceOf(NetworkError);
    const { response } = refused as NetworkError<Response>;
    expect(response?.status).toBe(400);
    expect(response?.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response?.json()).toMatchObject({ errors: [{ extensions: { code: 'PERSISTED_QUERY_ONLY' } }] });
    const ws = wsClient();
    const overWs = await new Promise<unknown>((resolve) => ws.subscribe({ query }, { next: resolve, error: resolve, complete: () => undefined }));
    expect(overWs).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_ONLY' } })]);
    await ws.dispose();
  });
});

describe('@live: the live client card (a trusted document) over each transport', () => {
  type Card = { data?: ClientCardLiveQuery | null; errors?: unknown[] };
  const request = (upsalesId: number) => ({
    query: '', variables: { id: globalId(upsalesId) }, extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(ClientCardLiveDocument) } },
  });
  /** The phone written through the gateway (another frontend's trusted mutation). */
  const writePhone = async (upsalesId: number, phone: string) => {
    const written = await client().mutation(UpdateClientPhoneDocument, { id: globalId(upsalesId), phone }).toPromise();
    expect(written.data?.updateClient).toMatchObject({ status: 'WRITTEN' });
  };

  /** The card now, then a new card with the phone written through the gateway; then leaves. */
  async function keptFresh(subscribe: RawSubscribe, upsalesId: number) {
    const cards: Card[] = [];
    const failed: unknown[] = [];
    const leave = subscribe(request(upsalesId), { next: (value) => cards.push(value as Card), error: (error) => failed.push(error), complete: () => undefined });
    await expect.poll(() => cards.length, { timeout: 10_000 }).toBe(1);
    expect(cards[0].data?.client).toMatchObject({ __typename: 'Client', id: globalId(upsalesId), name: expect.any(String) });
    const phone = `+46 31 ${upsalesId}${Math.floor(Math.random() * 1e4)}`;
    await writePhone(upsalesId, phone);
    await expect.poll(() => cards.at(-1)?.data?.client?.phone, { timeout: 10_000 }).toBe(phone);
    leave();
    expect(failed).toEqual([]);
    expect(cards.every((card) => !card.errors)).toBe(true);
  }

  it.each(RAW_CLIENTS.map(([name, use], i) => [name, use, 31 + i] as const))('%s', (_name, use, upsalesId) => use((subscribe) => keptFresh(subscribe, upsalesId)));

  it.each(['websocket', 'sse'] as const)('urql, forwarding the live query to its subscription transport (%s)', async (subscriptions) => {
    const urql = client({ subscriptions });
    const upsalesId = subscriptions === 'sse' ? 33 : 34;
    await keptFresh((body, sink) => urql.query(ClientCardLiveDocument, (body as { variables: { id: string } }).variables).subscribe((result) => {
      if (result.error) sink.error(result.error);
      else sink.next({ data: result.data });
    }).unsubscribe, upsalesId);
  });

  it('a change straight in Upsales (another program) reaches the live card within the feed\'s poll', async () => {
    const elsewhere = straightClient(gateway.sim.url);
    const sse = sseClient();
    const cards: Card[] = [];
    const leave = sse.subscribe(request(35) as never, { next: (value) => cards.push(value as Card), error: () => undefined, complete: () => undefined });
    await expect.poll(() => cards.length, { timeout: 10_000 }).toBe(1);
    const phone = '+46 35 35';
    await elsewhere.update('client', [{ id: 35, phone }]);
    // Within the feed's poll (CHANGES_POLL_MS, 5 s by default).
    await expect.poll(() => cards.at(-1)?.data?.client?.phone, { timeout: 20_000 }).toBe(phone);
    leave();
    sse.dispose();
  });
});

describe('the changes subscription (a trusted document) over each transport', () => {
  type Changed = { data?: { changes: { type: string; upsalesId: number; node: { phone?: string | null } | null } } | null; errors?: unknown[] };
  const request = { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(ClientChangesDocument) } } };

  /**
   * Subscribes, then writes a client's phone through the gateway until the
   * change is heard (a write made before the subscription was under way is
   * not told: nothing is replayed); the change as told.
   */
  async function hears(subscribe: RawSubscribe, upsalesId: number) {
    const told: Changed[] = [];
    const failed: unknown[] = [];
    const leave = subscribe(request, { next: (value) => told.push(value as Changed), error: (error) => failed.push(error), complete: () => undefined });
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const phone = `+46 54 ${upsalesId}${attempt}${Math.floor(Math.random() * 1e3)}`;
        const written = await client().mutation(UpdateClientPhoneDocument, { id: globalId(upsalesId), phone }).toPromise();
        expect(written.data?.updateClient).toMatchObject({ status: 'WRITTEN' });
        const heard = () => told.find((change) => change.data?.changes.node?.phone === phone);
        for (const waitUntil = Date.now() + 2_000; !heard() && Date.now() < waitUntil;) await new Promise((resolve) => setTimeout(resolve, 20));
        const change = heard();
        if (change) {
          expect(failed).toEqual([]);
          expect(change.data?.changes).toMatchObject({ type: 'UPDATED', upsalesId, node: { phone } });
          return change;
        }
      }
      throw new Error(`No change heard: ${JSON.stringify({ told, failed })}`);
    } finally {
      leave();
    }
  }

  it.each(RAW_CLIENTS.map(([name, use], i) => [name, use, 51 + i] as const))('%s', (_name, use, upsalesId) => use((subscribe) => hears(subscribe, upsalesId)));

  it.each(['fetch', 'sse', 'websocket'] as const)('urql (subscriptions over %s)', async (subscriptions) => {
    const urql = client({ subscriptions });
    const upsalesId = { fetch: 53, sse: 54, websocket: 55 }[subscriptions];
    await hears((_body, sink) => urql.subscription(ClientChangesDocument, {}).subscribe((result) => {
      if (result.error) sink.error(result.error);
      else sink.next({ data: result.data });
    }).unsubscribe, upsalesId);
  });
});
