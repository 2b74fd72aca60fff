/**
 * Nested connections whose children do not fit one upstream page: the rest
 * costs the fewer of the remaining pages and one call per parent still short
 * of what its loads want, and is refused before any call the query cannot
 * afford.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, UNTHROTTLED, type Stack } from '../helpers/stack.js';

let stack: Stack;
let tight: Stack;
let narrow: Stack;
beforeAll(async () => {
  // 15,000 activities over a handful of activity types: thousands per type.
  stack = await startStack({ sim: { ...UNTHROTTLED.sim, scale: 5 }, config: UNTHROTTLED.config });
  tight = await startStack({ sim: { ...UNTHROTTLED.sim, scale: 5 }, config: { ...UNTHROTTLED.config, maxQueryCalls: 4 } });
  narrow = await startStack({ sim: { ...UNTHROTTLED.sim, scale: 5 }, config: { ...UNTHROTTLED.config, maxQueryCalls: 15 } });
});
afterAll(async () => {
  await stack.close();
  await tight.close();
  await narrow.close();
});

type Types = { activityTypes: { id: number; activities: { totalCount: number; nodes: { upsalesId: number }[] } }[] };
const QUERY = '{ activityTypes { id activities(first: 2, orderBy: [{ field: date, direction: DESC }]) { totalCount nodes { upsalesId } } } }';

// An activity has one type: the first page's total, less the other types' totals, is the last type's.
it('one call per parent when that is fewer than the remaining pages, with exact totals and pages', async () => {
  await stack.resetStats();
  const result = await stack.query<Types>(QUERY);
  expect(result.errors).toBeUndefined();
  const types = result.data!.activityTypes;
  const stats = await stack.stats();
  // The metadata list, the first batched page, then one call per type but one.
  expect(stats.calls.byOperation).toEqual({
    'MetadataService.getActivityTypes': 1,
    'ActivityService.getByCriteria': 1 + (types.length - 1),
  });
  for (const type of types) {
    const alone = await stack.query<{ activities: { totalCount: number; nodes: { upsalesId: number }[] } }>(
      `query($t: Int!) { activities(first: 2, filter: { activityType: { eq: $t } }, orderBy: [{ field: date, direction: DESC }]) { totalCount nodes { upsalesId } } }`,
      { variables: { t: type.id } },
    );
    expect(type.activities).toEqual(alone.data!.activities);
  }
  expect(types.reduce((sum, type) => sum + type.activities.totalCount, 0)).toBeGreaterThan(2000);
});

it('refuses the field before spending calls the query has not got left', async () => {
  await tight.resetStats();
  const result = await tight.query<Types>(QUERY);
  expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  expect(result.errors?.[0]?.message).toMatch(/need \d+ more SOAP calls; this query has 2 left of MAX_QUERY_CALLS/);
  // Only the metadata list and the first page were sent.
  expect((await tight.stats()).calls.total).toBe(2);
});

it('the remaining pages when they are fewer than the parents, grouped back exactly', async () => {
  type Users = { users: { nodes: { upsalesId: number; activities: { totalCount: number; nodes: { upsalesId: number }[] } }[] } };
  await stack.resetStats();
  const result = await stack.query<Users>('{ users(first: 15) { nodes { upsalesId activities(first: 1) { totalCount nodes { upsalesId } } } } }');
  expect(result.errors).toBeUndefined();
  const users = result.data!.users.nodes;
  const total = users.reduce((sum, user) => sum + user.activities.totalCount, 0);
  expect(total).toBeGreaterThan(4000);
  const stats = await stack.stats();
  // One page for the users, then every page of their activities (2,000 a page): fewer than one call per user.
  const pages = Math.ceil((await stack.query<{ activities: { totalCount: number } }>('{ activities(first: 0) { totalCount } }')).data!.activities.totalCount / 2000);
  expect(pages).toBeLessThan(users.length);
  expect(stats.calls.byOperation).toEqual({ 'UserService.getByCriteria': 1, 'ActivityService.getByCriteria': pages });
  for (const user of users.slice(0, 3)) {
    const alone = await stack.query<{ activities: { totalCount: number; nodes: { upsalesId: number }[] } }>(
      `query($u: ID!) { activities(first: 1, filter: { users: { eq: $u } }) { totalCount nodes { upsalesId } } }`, { variables: { u: String(user.upsalesId) } },
    );
    expect(user.activities).toEqual(alone.data!.activities);
  }
});

// Each alias had its own relation loader: the per-parent calls were made once per alias (1 + 2 per type).
it('aliases with different first/after share the per-parent calls, made for the largest page asked for', async () => {
  type Page = { totalCount: number; nodes: { upsalesId: number }[] };
  const page = 'orderBy: [{ field: date, direction: DESC }]) { totalCount nodes { upsalesId } }';
  await stack.resetStats();
  const result = await stack.query<{ activityTypes: { id: number; a: Page; b: Page }[] }>(
    `{ activityTypes { id a: activities(first: 2, ${page} b: activities(first: 3, after: "b2Zmc2V0OjA", ${page} } }`,
  );
  expect(result.errors).toBeUndefined();
  const types = result.data!.activityTypes;
  expect((await stack.stats()).calls.byOperation).toEqual({
    'MetadataService.getActivityTypes': 1,
    'ActivityService.getByCriteria': 1 + (types.length - 1),
  });
  expect(result.extensions!.upsales).toMatchObject({ cachedCalls: 0 });
  for (const type of types) {
    const filter = 'filter: { activityType: { eq: $t } }, orderBy: [{ field: date, direction: DESC }]) { totalCount nodes { upsalesId } }';
    const alone = await stack.query<{ a: Page; b: Page }>(
      `query($t: Int!) { a: activities(first: 2, ${filter} b: activities(first: 3, after: "b2Zmc2V0OjA", ${filter} }`,
      { variables: { t: type.id } },
    );
    expect({ a: type.a, b: type.b }).toEqual(alone.data);
    expect(type.b.nodes).toHaveLength(3);
  }
});

it('a deeper level that wants more of a group than a per-parent call fetched fetches it again, exact', async () => {
  type Page = { totalCount: number; nodes: { upsalesId: number }[] };
  const order = 'orderBy: [{ field: date, direction: DESC }]';
  await stack.resetStats();
  const result = await stack.query<{ activityTypes: { id: number; activities: { nodes: { activityType: { id: number; activities: Page } }[] } }[] }>(
    `{ activityTypes { id activities(first: 2, ${order}) { totalCount nodes { activityType { id activities(first: 5, ${order}) { totalCount nodes { upsalesId } } } } } } }`,
  );
  expect(result.errors).toBeUndefined();
  const types = result.data!.activityTypes;
  // Each level: the first batched page, then one call per type but one (for 2 items, then for 5). The type whose
  // total the first level derived kept its items of the first page (hundreds): the second level asks for the others.
  expect((await stack.stats()).calls.byOperation).toEqual({
    'MetadataService.getActivityTypes': 1,
    'ActivityService.getByCriteria': (1 + (types.length - 1)) + (1 + (types.length - 2)),
  });
  for (const type of types) {
    const alone = await stack.query<{ activities: Page }>(
      `query($t: Int!) { activities(first: 5, filter: { activityType: { eq: $t } }, ${order}) { totalCount nodes { upsalesId } } }`,
      { variables: { t: type.id } },
    );
    expect(alone.data!.activities.nodes).toHaveLength(5);
    for (const { activityType } of type.activities.nodes) expect(activityType).toEqual({ id: type.id, activities: alone.data!.activities });
  }
});

// Without totalCount, a parent whose first items the first page holds is done: 15 users with ~1,000 activities each cost 1 + 7 pages before.
it('a page asked without its total costs only the parents the first page leaves short of it', async () => {
  type Page = { nodes: { upsalesId: number }[]; pageInfo: { hasNextPage: boolean } };
  const users = (await stack.query<{ users: { nodes: { upsalesId: number }[] } }>('{ users(first: 15) { nodes { upsalesId } } }')).data!.users.nodes;
  const ids = users.map((user) => user.upsalesId);
  const theirs = await stack.items('activity', [{ field: 'users.id', operator: 'in', values: ids.map(String) }]);
  // The first batched page (2,000 by id): users with fewer than 2 activities in it (first: 1, and one more for hasNextPage) are short.
  const inPage = theirs.slice(0, 2000).flatMap((activity) => (activity.users as { id: number }[]).map((user) => user.id));
  const short = ids.filter((id) => inPage.filter((user) => user === id).length < 2);
  const pages = Math.ceil((theirs.length - 2000) / 2000);
  expect(short.length).toBeGreaterThan(0);
  expect(short.length).toBeLessThan(pages);

  await stack.resetStats();
  const result = await stack.query<{ users: { nodes: { upsalesId: number; activities: Page }[] } }>(
    '{ users(first: 15) { nodes { upsalesId activities(first: 1) { nodes { upsalesId } pageInfo { hasNextPage } } } } }',
  );
  expect(result.errors).toBeUndefined();
  expect((await stack.stats()).calls.byOperation).toEqual({ 'UserService.getByCriteria': 1, 'ActivityService.getByCriteria': 1 + short.length });
  for (const user of result.data!.users.nodes) {
    const alone = await stack.query<{ activities: Page }>(
      'query($u: ID!) { activities(first: 1, filter: { users: { eq: $u } }) { nodes { upsalesId } pageInfo { hasNextPage } } }', { variables: { u: String(user.upsalesId) } },
    );
    expect(user.activities).toEqual(alone.data!.activities);
  }
});

// Each loader had 11 calls left when it checked, so all three spent theirs until the ceiling stopped them midway (15 calls, 45 errors).
it('loaders set aside the calls of their step: one gets them all, the others refuse before sending any', async () => {
  // Three trees, so that a refused one does not take the others' nodes with it; the three reads of users are sent once.
  const tree = (name: string, order: string) => `${name}: users(first: 15) { nodes { activities(first: 1${order}) { totalCount nodes { upsalesId } } } }`;
  const query = `{ ${tree('a', '')} ${tree('b', ', orderBy: [{ field: date }]')} ${tree('c', ', orderBy: [{ field: date, direction: DESC }]')} }`;
  const total = (await narrow.query<{ activities: { totalCount: number } }>('{ activities(first: 0) { totalCount } }')).data!.activities.totalCount;
  const pages = Math.ceil((total - 2000) / 2000);
  expect(pages).toBe(7);
  await narrow.resetStats();
  type Tree = { nodes: ({ activities: { totalCount: number } } | null)[] };
  const result = await narrow.query<Record<'a' | 'b' | 'c', Tree>>(query);
  // The users, each tree's first page, then the remaining pages of one tree: 4 + 7 of 15; the other two need 7 with 4 left.
  expect((await narrow.stats()).calls.byOperation).toEqual({ 'UserService.getByCriteria': 1, 'ActivityService.getByCriteria': 3 + pages });
  expect(result.errors).toHaveLength(2 * 15);
  for (const error of result.errors!) {
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(error.message).toMatch(/need 7 more SOAP calls; this query has 4 left of MAX_QUERY_CALLS/);
  }
  const served = (['a', 'b', 'c'] as const).filter((name) => result.data![name].nodes.every((user) => user !== null));
  expect(served).toHaveLength(1);
  expect(result.data![served[0]].nodes.reduce((sum, user) => sum + user!.activities.totalCount, 0)).toBe(total);
});

// graphql-js answers once a refused field nulls its user, while the same user's other aliases still load: at SIM_SCALE=10
// the answer reported 6 calls and 15 errors, and the two loaders that had their calls set aside sent 26 more after it.
it('a query sends no call once it is answered, though fields beside a refused one were still loading', async () => {
  const page = (name: string, order: string) => `${name}: activities(first: 1${order}) { totalCount }`;
  const query = `{ users(first: 15) { nodes { ${page('a', '')} ${page('b', ', orderBy: [{ field: date }]')} ${page('c', ', orderBy: [{ field: date, direction: DESC }]')} } } }`;
  await narrow.resetStats();
  const result = await narrow.query<{ users: { nodes: unknown[] } }>(query);
  expect(result.errors).toHaveLength(15);
  for (const error of result.errors!) expect(error.message).toMatch(/need 7 more SOAP calls; this query has 4 left of MAX_QUERY_CALLS/);
  expect(result.data!.users.nodes.every((user) => user === null)).toBe(true);
  // Whatever was in flight when it was answered has arrived by now, and nothing followed it.
  let seen = -1;
  for (let now = (await narrow.stats()).calls.total; now !== seen; now = (await narrow.stats()).calls.total) {
    seen = now;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  expect(seen).toBe(result.extensions!.upsales!.soapCalls);
  expect(seen).toBeLessThan(1 + 3 + 7);
});
