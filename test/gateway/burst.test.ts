/**
 * A burst of 300 concurrent queries on a short throttle clock: the account's
 * shared budget spaces the calls so Upsales never throttles, every query
 * answers, identical reads waiting at once are sent once, and the calls
 * reported equal the calls Upsales saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';

/** The same clock on both sides: Upsales allows 20 calls per second, the gateway's budget spends at most that. */
const CALLS = 20;
const WINDOW_MS = 1_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    sim: { throttleCalls: CALLS, throttleWindowMs: WINDOW_MS, throttleBlockMs: 2_000 },
    config: { budgetCalls: CALLS, budgetWindowMs: WINDOW_MS, concurrency: 4 },
  });
  // Load the WSDLs outside the measured burst.
  await stack.query('{ clients(first: 1) { totalCount } contacts(first: 1) { totalCount } }');
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
});
afterAll(() => stack.close());

describe('a burst of 300 queries', () => {
  it('completes with zero THROTTLED faults, every query answered, and exact call accounting', async () => {
    await stack.resetStats();
    // Five in six look up one client (1 call); one in six lists 5 clients with their contacts (2 reads). The
    // lists are identical: the first sends both reads, the other 49 share them while they wait in the budget.
    const jobs = Array.from({ length: 300 }, (_, i) => (i % 6 === 5
      ? { query: '{ clients(first: 5, orderBy: [{ field: name }]) { nodes { upsalesId contacts(first: 3) { nodes { upsalesId } } } } }', id: null, calls: 2 }
      : { query: `{ client(upsalesId: ${(i % 500) + 1}) { upsalesId name } }`, id: (i % 500) + 1, calls: 1 }));
    const expectedCalls = 250 + 2;

    const started = Date.now();
    const responses: GraphQLResponse[] = await Promise.all(jobs.map((job) => stack.query(job.query)));
    const elapsed = Date.now() - started;

    const stats = await stack.stats();
    expect(stats.throttled).toEqual({ faults: 0, blocks: 0 });
    responses.forEach((response, i) => {
      expect(response.errors, `query ${i}`).toBeUndefined();
      const { soapCalls, cachedCalls } = response.extensions!.upsales!;
      expect(soapCalls + cachedCalls, `query ${i}`).toBe(jobs[i].calls);
      if (jobs[i].id !== null) expect(soapCalls, `query ${i}`).toBe(1);
      if (jobs[i].id !== null) expect(response.data).toMatchObject({ client: { upsalesId: jobs[i].id } });
      else expect((response.data as { clients: { nodes: unknown[] } }).clients.nodes).toHaveLength(5);
    });
    const reported = responses.reduce((sum, response) => sum + response.extensions!.upsales!.soapCalls, 0);
    expect(reported).toBe(expectedCalls);
    expect(stats.calls.total).toBe(reported);
    expect(stats.calls.byOperation).toEqual({ 'ClientService.getByCriteria': 251, 'ContactService.getByCriteria': 1 });
    // The budget did the waiting: at most CALLS calls per window, so no faster than the throttle allows.
    expect(elapsed).toBeGreaterThanOrEqual(Math.floor((expectedCalls - 1) / CALLS) * WINDOW_MS);
    expect(Math.max(...responses.map((response) => response.extensions!.upsales!.queuedMs))).toBeGreaterThan(WINDOW_MS);
  });
});
