/**
 * A write that times out is never sent again: creates are looked up by their
 * natural key (or reported uncertain), updates and deletes read again.
 * Upsales here is slow (latency above the gateway's timeout), and the write
 * still lands after the gateway gave up on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../app/server.js';
import { createUpstream, type Upstream } from '../../src/upstream/index.js';
import { basic, DEMO_USERS, type Stack } from '../helpers/stack.js';
import { writeStack } from './mutations-fixtures.js';

const LATENCY_MS = 300;
const SHORT_TIMEOUT_MS = 120;

/** A gateway on the same simulator whose calls wait long enough: what a later request would see. */
function patientGateway(stack: Stack, writesTimeoutMs?: number) {
  const budget = { calls: 100_000, windowMs: 15_000, concurrency: 4, blockMs: 1_000 };
  const patient = createUpstream({ baseUrl: stack.sim.url, timeoutMs: 5_000, budget });
  const hasty = writesTimeoutMs ? createUpstream({ baseUrl: stack.sim.url, timeoutMs: writesTimeoutMs, budget }) : patient;
  // Reads wait; writes (when `writesTimeoutMs` is set) give up early.
  const upstream: Upstream = {
    ...patient,
    forCredentials: (credentials, stats, priority) => {
      const reads = patient.forCredentials(credentials, stats, priority);
      const writes = hasty.forCredentials(credentials, stats, priority);
      return { ...reads, create: writes.create, update: writes.update, delete: writes.delete };
    },
  };
  const yoga = createGateway({ config: { ...stack.config, timeoutMs: 5_000 }, upstream });
  return async <T>(query: string, variables: Record<string, unknown> = {}) => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data: T; errors?: unknown[] };
  };
}

const count = async (query: ReturnType<typeof patientGateway>, filter: Record<string, unknown>) =>
  (await query<{ clients: { totalCount: number } }>(`query($f: ClientFilter) { clients(first: 1, filter: $f) { totalCount } }`, { f: filter })).data.clients.totalCount;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('writes that time out', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await writeStack({ timeoutMs: SHORT_TIMEOUT_MS }, { latencyMs: LATENCY_MS });
  });
  afterAll(() => stack.close());

  it('a create whose lookup times out too is reported uncertain, sent once, and written once', async () => {
    await stack.resetStats();
    const result = await stack.query<{ createClient: unknown }>(
      `mutation { createClient(input: { name: "Långsam", orgNo: "T-1" }) { status client { name } userErrors { code field message } } }`,
    );
    expect(result.data!.createClient).toEqual({
      status: 'UNCERTAIN', client: null,
      userErrors: [{ code: 'UPSTREAM_UNCERTAIN', field: null, message: expect.stringContaining('may have been created') }],
    });
    // The gateway sent the create once and one lookup; a lookup aborted that early may never reach Upsales, so
    // what the gateway sent is counted on its side, and on Upsales' side the create.
    expect(result.extensions?.upsales?.soapCalls).toBe(2);
    await sleep(LATENCY_MS);
    expect((await stack.stats()).calls.byOperation['ClientService.getByCriteria'] ?? 0).toBeLessThanOrEqual(1);
    expect(await count(patientGateway(stack), { orgNo: { eq: 'T-1' } })).toBe(1);
    expect((await stack.stats()).calls.byOperation['ClientService.create']).toBe(1);
  });

  it('creates are found by natural key, else uncertain (not found yet, or no key); updates and deletes are read again', async () => {
    const query = patientGateway(stack, SHORT_TIMEOUT_MS);
    await stack.resetStats();
    const created = await query<{ createClients: { results: unknown[]; writtenCount: number } }>(
      `mutation { createClients(inputs: [
        { name: "Hittad", orgNo: "K-1" },
        { name: "Utan nyckel" },
        { name: "Avvisad", orgNo: "K-3", parent: 99999999 }
      ]) { writtenCount results { index status client { name orgNo } userErrors { code } } } }`,
    );
    expect(created.data.createClients).toEqual({
      writtenCount: 1,
      results: [
        { index: 0, status: 'CONFIRMED_AFTER_TIMEOUT', client: { name: 'Hittad', orgNo: 'K-1' }, userErrors: [] },
        { index: 1, status: 'UNCERTAIN', client: null, userErrors: [{ code: 'UPSTREAM_UNCERTAIN' }] },
        // Not found right after a timeout is no proof it will not land: uncertain too.
        { index: 2, status: 'UNCERTAIN', client: null, userErrors: [{ code: 'UPSTREAM_UNCERTAIN' }] },
      ],
    });
    // One create (never repeated), one lookup by orgNo; the found client needs no further read.
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.create': 1, 'ClientService.getByCriteria': 1 });
    expect(await count(query, { orgNo: { eq: 'K-1' } })).toBe(1);
    expect(await count(query, { name: { eq: 'Utan nyckel' } })).toBe(1);
    expect(await count(query, { orgNo: { eq: 'K-3' } })).toBe(0);

    const found = await query<{ clients: { nodes: { id: string }[] } }>(`{ clients(first: 1, filter: { orgNo: { eq: "K-1" } }) { nodes { id } } }`);
    const id = found.data.clients.nodes[0].id;
    await stack.resetStats();
    const updated = await query<{ updateClient: unknown }>(
      `mutation($id: ID!) { updateClient(id: $id, input: { phone: "010-1" }) { status client { phone } } }`, { id },
    );
    expect(updated.data.updateClient).toEqual({ status: 'CONFIRMED_AFTER_TIMEOUT', client: { phone: '010-1' } });
    const deleted = await query<{ deleteClient: unknown }>(`mutation($id: ID!) { deleteClient(id: $id) { status deletedId } }`, { id });
    expect(deleted.data.deleteClient).toEqual({ status: 'CONFIRMED_AFTER_TIMEOUT', deletedId: id });
    expect((await stack.stats()).calls.byOperation).toEqual({
      'ClientService.update': 1, 'ClientService.delete': 1, 'ClientService.getByCriteria': 2,
    });
  });
});
