/**
 * A whole stack for tests: the embedded Upsales service on a free port, the
 * SOAP adapter over real HTTP, and the gateway served through
 * `yoga.fetch` (no open port), with the simulator's call statistics.
 */
import type { ReadCache } from '../../src/cache/index.js';
import { createReadCache } from '../../src/shared-state/index.js';
import { configFromEnv, type GatewayConfig } from '../../src/config/config.js';
import { createGateway } from '../../app/server.js';
import type { ItemKind } from '../../src/contract/kinds.js';
import type { Criterion, Item, SortSpec } from '../../src/contract/types.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import { createUpstream, type Upstream, type UpstreamClient } from '../../src/upstream/index.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

export const DEMO_USERS = {
  admin: { username: 'admin@demo.test', password: 'demo-admin' },
  sales: { username: 'sales@demo.test', password: 'demo-sales' },
  reader: { username: 'reader@demo.test', password: 'demo-reader' },
  noapi: { username: 'noapi@demo.test', password: 'demo-noapi' },
} as const;
export type DemoUser = keyof typeof DEMO_USERS;

export interface SimStats {
  calls: { total: number; byUser: Record<string, number>; byOperation: Record<string, number> };
  throttled: { faults: number; blocks: number };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: { upsales?: { soapCalls: number; cachedCalls: number; queuedMs: number; estimatedCalls: number } } & Record<string, unknown>;
}

export interface QueryOptions {
  variables?: Record<string, unknown>;
  /** Demo user to send as Basic credentials; `null`: none. @default 'admin' */
  as?: DemoUser | null;
  /** Explicit Authorization header (overrides `as`). */
  authorization?: string;
  /** More request headers (`cache-control`, ...). */
  headers?: Record<string, string>;
}

/**
 * Another program at the SOAP service `url`, as `as`: an adapter of its own,
 * so the gateway hears nothing of what it writes (only the feed finds it).
 */
export const straightClient = (url: string, as: DemoUser = 'admin'): UpstreamClient =>
  createUpstream({ baseUrl: url, timeoutMs: 10_000 }).forCredentials(DEMO_USERS[as], { calls: 0, queuedMs: 0, log: [] });

/** Changes the user `username` in Upsales itself, straight (the gateway drops nothing for it). */
export async function changeUser(url: string, username: string, change: Item): Promise<void> {
  const admin = straightClient(url);
  const { items } = await admin.getByCriteria('user', { criteria: [{ field: 'email', operator: 'eq', values: [username] }], limit: 1 });
  const [result] = await admin.update('user', [{ ...change, id: items[0].id }]);
  if (!result.success) throw new Error(`${username} could not be changed`);
}

/** Deactivates `username` in Upsales itself: Upsales refuses its password from now on (AUTHENTICATION_FAILED). */
export const deactivateUser = (url: string, username: string): Promise<void> => changeUser(url, username, { active: false });

export const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export interface Stack {
  sim: RunningSimulator;
  upstream: Upstream;
  config: GatewayConfig;
  query<T = Record<string, unknown>>(query: string, options?: QueryOptions): Promise<GraphQLResponse<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  /** A SOAP adapter client of a demo user (on the stack's shared budgets), to read reference data. */
  client(as?: DemoUser): UpstreamClient;
  /** Every item of `kind` matching `criteria` as `as` sees it upstream, by id. */
  items(kind: ItemKind, criteria?: Criterion[], as?: DemoUser, sort?: SortSpec[]): Promise<Item[]>;
  close(): Promise<void>;
}

/** Options for stacks that are not about the throttle: neither side limits the calls. */
export const UNTHROTTLED = {
  sim: { throttleCalls: 1_000_000 },
  config: { budgetCalls: 1_000_000 },
} as const;

export interface StackOptions {
  sim?: SimulatorOptions;
  config?: Partial<GatewayConfig>;
  /** The read cache (e.g. over Redis); by default in memory, for `config.cacheTtlMs`. */
  cache?: ReadCache;
}

/**
 * The environment tests start gateways with: kept reads keep no kind watched
 * (CHANGES_WATCH_KEPT_READS=false), so a test that keeps reads counts only
 * its own calls; tests of the change feed ask for it.
 */
export const TEST_ENV: NodeJS.ProcessEnv = { CHANGES_WATCH_KEPT_READS: 'false' };

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startSimulator({ port: 0, ...options.sim });
  // Tests count the calls of each request: answers are kept across requests only where a test asks (cacheTtlMs).
  const config: GatewayConfig = { ...configFromEnv(TEST_ENV), upstreamUrl: sim.url, cacheTtlMs: 0, ...options.config };
  const upstream = createUpstream({
    baseUrl: sim.url,
    timeoutMs: config.timeoutMs,
    budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs, concurrency: config.concurrency, blockMs: config.blockMs },
    cache: options.cache ?? createReadCache(null, config.cacheTtlMs),
  });
  const yoga = createGateway({ config, upstream });
  const origin = new URL(sim.url).origin;
  return {
    sim,
    upstream,
    config,
    async query(query, { variables, as = 'admin', authorization, headers: more } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...more };
      const auth = authorization ?? (as ? basic(DEMO_USERS[as].username, DEMO_USERS[as].password) : undefined);
      if (auth) headers.authorization = auth;
      const response = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, ...(await response.json()) };
    },
    fetch: async (path, init = {}) => yoga.fetch(`http://yoga${path}`, init),
    stats: async () => (await fetch(`${origin}/__sim/stats`)).json() as Promise<SimStats>,
    resetStats: async () => {
      await fetch(`${origin}/__sim/reset-stats`, { method: 'POST' });
    },
    client: (as = 'admin') => upstream.forCredentials(DEMO_USERS[as], { calls: 0, queuedMs: 0, log: [] }),
    items: (kind, criteria = [], as = 'admin', sort = [{ field: 'id' }]) =>
      fetchAll(upstream.forCredentials(DEMO_USERS[as], { calls: 0, queuedMs: 0, log: [] }), kind, criteria, sort),
    close: () => sim.close(),
  };
}

/**
 * Another gateway on the stack's Upsales service, with its own adapter (a
 * replica): its `query` sends as the demo admin unless given other Basic
 * credentials.
 */
export function replicaOf(stack: Stack, cache: ReadCache, config: Partial<GatewayConfig> = {}) {
  const upstream = createUpstream({
    baseUrl: stack.sim.url, timeoutMs: stack.config.timeoutMs, budget: { calls: stack.config.budgetCalls, windowMs: stack.config.budgetWindowMs }, cache,
  });
  const yoga = createGateway({ config: { ...stack.config, ...config }, upstream });
  return {
    async query<T = Record<string, unknown>>(query: string, authorization = basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password)): Promise<GraphQLResponse<T>> {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', authorization }, body: JSON.stringify({ query }),
      });
      return { status: response.status, ...(await response.json()) };
    },
  };
}

/** Total SOAP calls the simulator saw for `operation` keys matching `prefix` (e.g. `ClientService.`). */
export const callsTo = (stats: SimStats, prefix = ''): number =>
  Object.entries(stats.calls.byOperation).filter(([key]) => key.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
