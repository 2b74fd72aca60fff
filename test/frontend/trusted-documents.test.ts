/**
 * Trusted documents over HTTP: the example frontend's typed pages run by
 * hash alone from the file codegen made of them; an unknown hash is
 * PERSISTED_QUERY_NOT_FOUND; with ALLOW_ARBITRARY_OPERATIONS=false any
 * document text is refused before a SOAP call, and GraphiQL is off; every
 * malformed `persistedQuery` and oversized `extensions` is a 400 that
 * echoes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistedClient, persistedHash, type Run } from '../../examples/frontend/client.js';
import { ClientListDocument, PipelineBoardDocument } from '../../examples/frontend/generated/graphql.js';
import { clientDetailPage, clientListPage, hasRelations, orderLines, pipelineBoard, pipelineColumns, recentOrders } from '../../examples/frontend/pages.js';
import type { ClientDetailQuery } from '../../examples/frontend/generated/graphql.js';
import { MAX_EXTENSIONS_BYTES } from '../../app/plugins/use-persisted-operations.js';
import { sha256Hex } from '../../app/plugins/trusted-documents.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { DEMO_USERS } from '../helpers/stack.js';

const PERSISTED = 'examples/frontend/generated/persisted-documents.json';
const CLIENT_LIST_HEX = persistedHash(ClientListDocument).replace('sha256:', '');

let strict: ServedStack;
let open: ServedStack;
let run: Run;
beforeAll(async () => {
  [strict, open] = await Promise.all([
    startServedStack({ config: { defaultCredentials: DEMO_USERS.admin, persistedOperations: PERSISTED, allowArbitraryOperations: false } }),
    startServedStack({ config: { defaultCredentials: DEMO_USERS.admin, persistedOperations: PERSISTED } }),
  ]);
  run = persistedClient(`${strict.base}/graphql`);
});
afterAll(async () => {
  await strict?.close();
  await open?.close();
});

const post = (served: ServedStack, body: unknown, headers: Record<string, string> = {}) => served.fetch('/graphql', {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
});
const persisted = (sha256Hash: unknown, version: unknown = 1) => ({ extensions: { persistedQuery: { version, sha256Hash } } });

describe('the example pages run by hash alone, and cost what they say', () => {
  it('the client list page', async () => {
    await strict.resetStats();
    const page = await clientListPage(run);
    expect(page.errors).toEqual([]);
    expect(page.data!.clients.nodes).toHaveLength(20);
    expect(page.data!.clients.totalCount).toBe(500);
    expect(page.data!.clients.pageInfo.hasNextPage).toBe(true);
    expect(page.extensions!.upsales!.soapCalls).toBe((await strict.stats()).calls.total);
    const next = await clientListPage(run, { name: { startsWith: 'B' } }, page.data!.clients.pageInfo.endCursor!);
    expect(next.errors).toEqual([]);
    expect(next.data!.clients.nodes!.every((client) => client!.name!.startsWith('B'))).toBe(true);
  });

  it('the client detail page draws the card first, then the deferred contacts and opportunities', async () => {
    const list = await clientListPage(run);
    const id = list.data!.clients.nodes![0]!.id;
    const stages: ClientDetailQuery[] = [];
    await strict.resetStats();
    const detail = await clientDetailPage(run, id, (data) => stages.push(structuredClone(data)));
    expect(detail.errors).toEqual([]);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0].client!.name).toBe(list.data!.clients.nodes![0]!.name);
    expect(hasRelations(stages[0].client!)).toBe(false);
    expect(hasRelations(detail.data!.client!)).toBe(true);
    expect(detail.data!.client!.contacts!.totalCount).toBeGreaterThan(0);
    expect(detail.extensions!.upsales!.soapCalls).toBe((await strict.stats()).calls.total);
  });

  it('the pipeline board and the nested order list', async () => {
    await strict.resetStats();
    const board = await pipelineBoard(run, 5);
    expect(board.errors).toEqual([]);
    const columns = pipelineColumns(board.data!);
    expect(columns.length).toBeGreaterThan(1);
    expect(columns.some((column) => column.cards.length === 5)).toBe(true);
    const orders = await recentOrders(run, 5);
    expect(orders.errors).toEqual([]);
    expect(orderLines(orders.data!).flat().length).toBeGreaterThan(0);
    expect(board.extensions!.upsales!.soapCalls + orders.extensions!.upsales!.soapCalls).toBe((await strict.stats()).calls.total);
  });

  it('the bare hex hash works as well as sha256:<hex>, and so does a GET with a CSRF header', async () => {
    const bare = await post(strict, { ...persisted(CLIENT_LIST_HEX.toUpperCase()), variables: { first: 1 } });
    expect((await bare.json()).data.clients.nodes).toHaveLength(1);
    const query = `extensions=${encodeURIComponent(JSON.stringify(persisted(CLIENT_LIST_HEX).extensions))}&variables=${encodeURIComponent('{"first":2}')}`;
    const get = await strict.fetch(`/graphql?${query}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect((await get.json()).data.clients.nodes).toHaveLength(2);
    expect((await strict.fetch(`/graphql?${query}`)).status).toBe(403);
  });
});

describe('refusals', () => {
  it('an unknown hash is PERSISTED_QUERY_NOT_FOUND, without a SOAP call', async () => {
    await strict.resetStats();
    const response = await post(strict, persisted('0'.repeat(64)));
    expect((await response.json()).errors[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect((await strict.stats()).calls.total).toBe(0);
  });

  it('with ALLOW_ARBITRARY_OPERATIONS=false a document is refused, even one in the file, even with its hash, even an empty one', async () => {
    const document = '{ me { name } clients(first: 1) { totalCount } }';
    await strict.resetStats();
    for (const body of [{ query: document }, { query: document, ...persisted(CLIENT_LIST_HEX) }, { query: '' }]) {
      const response = await post(strict, body);
      expect(response.status).toBe(400);
      const json = await response.json();
      expect(json.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
      expect(json.errors[0].message).toContain('ALLOW_ARBITRARY_OPERATIONS=false');
      expect(json.data).toBeUndefined();
    }
    expect((await strict.stats()).calls.total).toBe(0);
  });

  it('with ALLOW_ARBITRARY_OPERATIONS=false there is no GraphiQL page', async () => {
    const page = await strict.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(await page.text()).not.toContain('<html');
  });

  const CANARY = 'CANARY'.repeat(20);
  it.each([
    ['a hash that is not hexadecimal', persisted('z'.repeat(64))],
    ['a hash of 63 digits', persisted(CLIENT_LIST_HEX.slice(1))],
    ['a hash of 65 digits', persisted(`${CLIENT_LIST_HEX}0`)],
    ['a hash with another prefix', persisted(`md5:${CLIENT_LIST_HEX}`)],
    ['a hash that is a number', persisted(12345)],
    ['a long hash', persisted(CANARY)],
    ['version 2', persisted(CLIENT_LIST_HEX, 2)],
    ['persistedQuery that is a string', { extensions: { persistedQuery: CANARY } }],
  ])('%s: 400, named, not echoed, no SOAP call', async (_name, body) => {
    await strict.resetStats();
    const response = await post(strict, body);
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(JSON.parse(text).errors[0].message).toContain('extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 hexadecimal digits>" }');
    expect(text).not.toContain('CANARY');
    expect(text).not.toContain(CLIENT_LIST_HEX.slice(1, 40));
    expect((await strict.stats()).calls.total).toBe(0);
  });

  it(`extensions over ${MAX_EXTENSIONS_BYTES} bytes: 400, not echoed, no SOAP call (with or without a query)`, async () => {
    const huge = { ...persisted(CLIENT_LIST_HEX).extensions, padding: CANARY.repeat(40) };
    await open.resetStats();
    for (const body of [{ extensions: huge }, { query: '{ me { name } }', extensions: huge }]) {
      const response = await post(open, body);
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text).errors[0].message).toMatch(new RegExp(`^extensions is \\d+ bytes of JSON, more than ${MAX_EXTENSIONS_BYTES}$`));
      expect(text).not.toContain('CANARY');
    }
    expect((await open.stats()).calls.total).toBe(0);
  });
});

describe('with ALLOW_ARBITRARY_OPERATIONS=true (the default)', () => {
  it('documents run, trusted hashes run, and an unknown hash tells Apollo Client to send the document, which then runs', async () => {
    const raw = await post(open, { query: '{ me { email } }' });
    expect((await raw.json()).data.me.email).toBe(DEMO_USERS.admin.username);
    const board = await post(open, { ...persisted(persistedHash(PipelineBoardDocument)), variables: { perStage: 1 } });
    expect((await board.json()).data.orderStages.length).toBeGreaterThan(1);
    // Issue 17: the retry registers the document (APQ), so it must come with its own hash.
    const unknown = persisted(sha256Hex('{ me { email } }'));
    expect((await (await post(open, unknown)).json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const retry = await post(open, { query: '{ me { email } }', ...unknown });
    expect((await retry.json()).data.me.email).toBe(DEMO_USERS.admin.username);
    const mismatch = await post(open, { query: '{ me { name } }', ...unknown });
    expect(mismatch.status).toBe(400);
    expect((await mismatch.json()).errors[0]).toMatchObject({ message: expect.stringContaining('is not the SHA-256 of the query'), extensions: { code: 'BAD_REQUEST' } });
  });

  it('neither a document nor a hash: the same 400-class answer as before trusted documents', async () => {
    const response = await post(open, { variables: {} });
    const error = (await response.json()).errors[0];
    expect(error.message).toContain('Must provide query string');
    expect(error.extensions.code).toBe('BAD_REQUEST');
  });
});
