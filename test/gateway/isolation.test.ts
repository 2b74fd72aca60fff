/**
 * Two users' requests, interleaved and concurrent, never see each other's
 * data: each response equals what that user gets alone, and the upstream
 * saw exactly the calls each user's responses report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, startStack, UNTHROTTLED, type GraphQLResponse, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(UNTHROTTLED);
});
afterAll(() => stack.close());

type User = 'admin' | 'sales';

/** Queries that touch lookups by id, relations and metadata: the per-request caches a leak would show in. */
function queries(hidden: number, shown: number): string[] {
  return [
    `{ me { email role { name } } clients(first: 40, orderBy: [{ field: name }]) { totalCount nodes { upsalesId contacts(first: 3) { totalCount nodes { upsalesId } } } } }`,
    `{ me { email } hidden: client(upsalesId: ${hidden}) { upsalesId name } shown: client(upsalesId: ${shown}) { upsalesId orders(first: 5) { totalCount nodes { upsalesId } } } }`,
    `{ orders(first: 30, after: "${Buffer.from('offset:9').toString('base64url')}") { totalCount nodes { upsalesId client { upsalesId } rows { product { upsalesId } } } } me { email } }`,
    `{ activities(first: 20, filter: { date: { gte: "2025-01-01" } }) { totalCount nodes { upsalesId users { upsalesId } contacts { upsalesId } } } me { upsalesId } }`,
  ];
}

/** What a response says, without the per-request accounting that varies with timing. */
const content = (response: GraphQLResponse) => ({ status: response.status, data: response.data, errors: response.errors });

describe('concurrent users', () => {
  it('interleaved requests of admin and sales each equal what that user sees alone; the upstream counts match per user', async () => {
    const [salesClients, allClients] = await Promise.all([
      stack.query<{ clients: { nodes: { upsalesId: number }[] } }>('{ clients(first: 1000) { nodes { upsalesId } } }', { as: 'sales' }),
      stack.query<{ clients: { nodes: { upsalesId: number }[] } }>('{ clients(first: 1000) { nodes { upsalesId } } }', { as: 'admin' }),
    ]);
    const visible = new Set(salesClients.data!.clients.nodes.map((node) => node.upsalesId));
    const hidden = allClients.data!.clients.nodes.find((node) => !visible.has(node.upsalesId))!.upsalesId;
    const shown = [...visible][0];
    const list = queries(hidden, shown);

    // Alone, one after another.
    const alone = new Map<string, ReturnType<typeof content>>();
    const readsAlone: Record<User, number> = { admin: 0, sales: 0 };
    for (const user of ['admin', 'sales'] as User[]) {
      for (const [i, query] of list.entries()) {
        const response = await stack.query(query, { as: user });
        alone.set(`${user}:${i}`, content(response));
        readsAlone[user] += response.extensions!.upsales!.soapCalls + response.extensions!.upsales!.cachedCalls;
      }
    }
    // The users differ where their rights do.
    expect(alone.get('admin:0')).not.toEqual(alone.get('sales:0'));
    expect((alone.get('admin:1')!.data as { hidden: unknown }).hidden).toEqual({ upsalesId: hidden, name: expect.any(String) });
    expect((alone.get('sales:1')!.data as { hidden: unknown }).hidden).toBeNull();
    expect(alone.get('sales:1')!.errors).toEqual([expect.objectContaining({ path: ['hidden'], extensions: { code: 'NOT_FOUND' } })]);

    // Together: 4 rounds of every query of both users, interleaved, all at once.
    await stack.resetStats();
    const jobs: { user: User; index: number }[] = [];
    for (let round = 0; round < 4; round++) {
      for (const index of list.keys()) jobs.push({ user: 'admin', index }, { user: 'sales', index });
    }
    const responses = await Promise.all(jobs.map(({ user, index }) => stack.query(list[index], { as: user })));
    const calls: Record<User, number> = { admin: 0, sales: 0 };
    const shared: Record<User, number> = { admin: 0, sales: 0 };
    responses.forEach((response, i) => {
      const { user, index } = jobs[i];
      expect(content(response), `${user} query ${index}`).toEqual(alone.get(`${user}:${index}`));
      calls[user] += response.extensions!.upsales!.soapCalls;
      shared[user] += response.extensions!.upsales!.cachedCalls;
    });
    const stats = await stack.stats();
    expect(stats.calls.byUser).toEqual({ [DEMO_USERS.admin.username]: calls.admin, [DEMO_USERS.sales.username]: calls.sales });
    expect(stats.calls.total).toBe(calls.admin + calls.sales);
    // Every read was sent or shared an identical one of the same user in flight; rounds 2 to 4 sent nothing of their own.
    for (const user of ['admin', 'sales'] as User[]) {
      expect(calls[user] + shared[user]).toBe(4 * readsAlone[user]);
      expect(calls[user]).toBeGreaterThan(0);
      expect(calls[user]).toBeLessThanOrEqual(readsAlone[user]);
    }
  });
});
