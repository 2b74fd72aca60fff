/**
 * @defer and @stream over HTTP (multipart/mixed): the cheap part of a page
 * arrives first, the rest follows, and together they are the data the same
 * query gives without the directives. Deferred parts are estimated and kept
 * under MAX_QUERY_CALLS like the rest, and every payload carries the call
 * accounting so far (the last one the request's totals).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadErrors } from '../../examples/frontend/incremental.js';
import { mergeParts, readParts, type Part } from '../helpers/incremental.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { DEMO_USERS } from '../helpers/stack.js';

const LATENCY_MS = 400;
let slow: ServedStack;
let tight: ServedStack;
beforeAll(async () => {
  [slow, tight] = await Promise.all([
    startServedStack({ config: { defaultCredentials: DEMO_USERS.admin }, sim: { latencyMs: LATENCY_MS } }),
    // Thousands of activities per activity type; at most 4 SOAP calls a query.
    startServedStack({ config: { defaultCredentials: DEMO_USERS.admin, maxQueryCalls: 4 }, sim: { scale: 5 } }),
  ]);
});
afterAll(async () => {
  await slow?.close();
  await tight?.close();
});

async function incremental(served: ServedStack, query: string): Promise<Part[]> {
  const startedAt = Date.now();
  const response = await served.fetch('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed' }, body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return readParts(response, startedAt);
}

async function plain(served: ServedStack, query: string) {
  const response = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return response.json() as Promise<{ data?: Record<string, unknown>; errors?: { message: string; extensions: Record<string, unknown> }[]; extensions: { upsales: { soapCalls: number; estimatedCalls: number } } }>;
}

const PAGE = `{
  me { name }
  ... @defer(label: "clients") { clients(first: 3, orderBy: [{ field: name }]) { nodes { name contacts(first: 2) { nodes { name } } } } }
}`;

describe('@defer', () => {
  it('sends the cheap part first and the deferred part when its calls are done; together the same data and calls as without @defer', async () => {
    const whole = await plain(slow, PAGE.replace(' @defer(label: "clients")', ''));
    await slow.resetStats();
    const parts = await incremental(slow, PAGE);
    const calls = (await slow.stats()).calls.total;

    expect(parts.length).toBeGreaterThanOrEqual(2);
    const [first, ...rest] = parts;
    expect(first.payload).toMatchObject({ data: { me: { name: 'Agnes Admin' } }, hasNext: true });
    expect(first.payload.data).not.toHaveProperty('clients');
    // The deferred part needs a second SOAP call after the clients' page (their contacts): it cannot be ready with the first.
    expect(rest[0].at - first.at).toBeGreaterThanOrEqual(LATENCY_MS * 0.75);
    expect(parts.at(-1)!.payload.hasNext).toBe(false);
    expect(mergeParts(parts)).toEqual(whole.data);
    expect(parts.flatMap((part) => payloadErrors(part.payload))).toEqual([]);

    // me, the clients' page, their contacts: the same as without @defer, and the last payload says so.
    expect(calls).toBe(3);
    expect(whole.extensions.upsales).toMatchObject({ soapCalls: 3, estimatedCalls: 3 });
    expect(parts.at(-1)!.payload.extensions?.upsales).toMatchObject({ soapCalls: 3, estimatedCalls: 3 });
    expect(first.payload.extensions?.upsales?.soapCalls).toBeLessThan(3);
  });

  it('a deferred part counts in the estimate: a query over MAX_QUERY_CALLS is refused before any call, whatever it defers', async () => {
    const deferred = '{ me { name } ... @defer { clients(first: 5) { nodes { contacts(first: 5) { nodes { name } } orders(first: 5) { nodes { rows { product { name } } } } } } } }';
    const expected = await plain(tight, deferred.replace(' @defer', ''));
    await tight.resetStats();
    const response = await tight.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed, application/json' }, body: JSON.stringify({ query: deferred }),
    });
    const body = await response.json() as { errors: { message: string; extensions: Record<string, unknown> }[]; extensions: { upsales: { estimatedCalls: number } } };
    expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxQueryCalls: 4 });
    expect(body.extensions.upsales.estimatedCalls).toBe(expected.extensions.upsales.estimatedCalls);
    expect(body.extensions.upsales.estimatedCalls).toBeGreaterThan(4);
    expect((await tight.stats()).calls.total).toBe(0);
  });

  it('a deferred part shares the request\'s call ceiling: refused before a call the request has not got left', async () => {
    // Estimated at 3 (me, the activity types, one page of activities); the data needs one more call per type.
    const query = '{ me { name } ... @defer { activityTypes { id activities(first: 2, orderBy: [{ field: date, direction: DESC }]) { totalCount nodes { upsalesId } } } } }';
    await tight.resetStats();
    const parts = await incremental(tight, query);
    const deferredErrors = parts.flatMap((part) => payloadErrors(part.payload));
    expect(parts[0].payload).toMatchObject({ data: { me: { name: 'Agnes Admin' } }, hasNext: true });
    expect(deferredErrors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    // me took one of the 4 calls, so the deferred part had 2 left after its own first 2 (the list and the first page).
    expect(deferredErrors[0].message).toMatch(/need \d+ more SOAP calls; this query has 1 left of MAX_QUERY_CALLS/);
    expect((await tight.stats()).calls.total).toBe(3);
    expect(parts.at(-1)!.payload.extensions?.upsales).toMatchObject({ soapCalls: 3, estimatedCalls: 3 });
  });
});

describe('errors of deferred parts', () => {
  it('are cut like any other: a quoted value to its preview, the message to 300 characters', async () => {
    const alias = 'x'.repeat(255);
    const query = `{ me { name } ... @defer { clients(filter: { customFields: [{ field: "${alias}", eq: "a" }] }) { totalCount } } }`;
    const parts = await incremental(slow, query);
    const errors = parts.flatMap((part) => payloadErrors(part.payload));
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^filter\.customFields: Client has no custom field "x{40}…"$/);
    expect(JSON.stringify(parts.map((part) => part.payload))).not.toContain('x'.repeat(41));
  });
});

describe('@stream', () => {
  it('streams a list\'s items after the first ones; together the same list', async () => {
    const query = '{ clients(first: 4, orderBy: [{ field: name }]) { nodes @stream(initialCount: 1) { name } } }';
    const whole = await plain(slow, query.replace(' @stream(initialCount: 1)', ''));
    const parts = await incremental(slow, query);
    expect((parts[0].payload.data as { clients: { nodes: unknown[] } }).clients.nodes).toHaveLength(1);
    expect(parts.at(-1)!.payload.hasNext).toBe(false);
    expect(mergeParts(parts)).toEqual(whole.data);
    expect(parts.at(-1)!.payload.extensions?.upsales).toMatchObject({ soapCalls: 1, estimatedCalls: 1 });
  });
});
