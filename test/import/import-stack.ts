/**
 * A stack for import tests: the embedded Upsales service on a short throttle
 * clock, the adapter with a budget under it, an import service over a
 * temporary DATA_DIR, and the gateway with imports (served by yoga.fetch).
 */
import { configFromEnv, type GatewayConfig } from '../../src/config/config.js';
import type { ItemKind } from '../../src/contract/kinds.js';
import type { Criterion, Item } from '../../src/contract/types.js';
import { ImportService } from '../../src/import/jobs/import-service.js';
import type { JobStore } from '../../src/import/store/job-store.js';
import { engineStores, type Engine, type EngineStores } from '../helpers/job-store-engines.js';
import { createGateway } from '../../app/server.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createUpstream, type Credentials, type Upstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import { basic, DEMO_USERS, type DemoUser, type GraphQLResponse, type SimStats } from '../helpers/stack.js';

export { basic, DEMO_USERS };

/** Upsales allows 20 calls a second here; the budget keeps to 18. */
export const SHORT_CLOCK = { sim: { throttleCalls: 20, throttleWindowMs: 1000, throttleBlockMs: 5000 }, budget: { budgetCalls: 18, budgetWindowMs: 1000 } };

export interface ImportStack {
  sim: RunningSimulator;
  upstream: Upstream;
  config: GatewayConfig;
  imports: ImportService;
  dataDir: string;
  /** The job store's engine, and a way to play another process on it. */
  stores: EngineStores;
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, as?: DemoUser): Promise<GraphQLResponse<T>>;
  /** startImport with a file, as a GraphQL multipart request. */
  upload<T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, file: { name: string; text: string }, as?: DemoUser): Promise<GraphQLResponse<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  items(kind: ItemKind, criteria?: Criterion[]): Promise<Item[]>;
  /** A new import service on the same DATA_DIR (as after a restart). */
  restart(account?: Credentials): Promise<ImportService>;
  close(): Promise<void>;
}

export async function startImportStack(options: { sim?: SimulatorOptions; config?: Partial<GatewayConfig>; account?: Credentials; engine?: Engine } = {}): Promise<ImportStack> {
  const sim = await startSimulator({ port: 0, ...SHORT_CLOCK.sim, ...options.sim });
  const config: GatewayConfig = { ...configFromEnv({}), upstreamUrl: sim.url, ...SHORT_CLOCK.budget, batchSize: 20, ...options.config };
  const upstream = createUpstream({
    baseUrl: sim.url, timeoutMs: config.timeoutMs,
    budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs, concurrency: config.concurrency, blockMs: config.blockMs },
  });
  const stores = await engineStores(options.engine ?? 'sqlite');
  const { dataDir } = stores;
  let store: JobStore = await stores.open();
  // A batch of unknown outcome is looked up this long after it was sent (no call here times out: it only matters after a crash).
  const settleMs = config.timeoutMs + 200;
  let imports = new ImportService({ store, upstream, batchSize: config.batchSize, account: options.account, settleMs });
  let yoga = createGateway({ config, upstream, imports });
  const origin = new URL(sim.url).origin;
  const auth = (as: DemoUser) => basic(DEMO_USERS[as].username, DEMO_USERS[as].password);
  const stack: ImportStack = {
    sim, upstream, config, imports, dataDir, stores,
    async query(query, variables, as = 'admin') {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: auth(as) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...(await response.json()) };
    },
    async upload(query, variables, file, as = 'admin') {
      const body = new FormData();
      body.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
      body.set('map', JSON.stringify({ 0: ['variables.file'] }));
      body.set('0', new File([file.text], file.name));
      const response = await yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { authorization: auth(as), 'x-graphql-yoga-csrf': '1' }, body });
      return { status: response.status, ...(await response.json()) };
    },
    fetch: async (path, init = {}) => yoga.fetch(`http://yoga${path}`, init),
    stats: async () => (await fetch(`${origin}/__sim/stats`)).json() as Promise<SimStats>,
    resetStats: async () => void (await fetch(`${origin}/__sim/reset-stats`, { method: 'POST' })),
    items: (kind, criteria = []) => fetchAll(upstream.forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] }), kind, criteria, [{ field: 'id' }]),
    async restart(account) {
      await imports.close();
      await store.close();
      store = await stores.open();
      imports = new ImportService({ store, upstream, batchSize: config.batchSize, account, settleMs });
      yoga = createGateway({ config, upstream, imports });
      stack.imports = imports;
      await imports.resumeOpenJobs();
      return imports;
    },
    async close() {
      await imports.close();
      await store.close();
      await sim.close();
      await stores.close();
    },
  };
  return stack;
}

/** A CSV file of one `name` column read slowly: the header and the first `first` names, then the rest once `more()` is called. */
export function slowCsv(names: string[], first: number): { source: AsyncIterable<string>; more(): void } {
  let more!: () => void;
  const gate = new Promise<void>((resolve) => { more = resolve; });
  async function* read() {
    yield `name\n${names.slice(0, first).join('\n')}\n`;
    await gate;
    yield `${names.slice(first).join('\n')}\n`;
  }
  return { source: read(), more };
}

export const JOB_FIELDS = 'id kind state reason format matchBy total done created updated failed rate etaSeconds resultsUrl';
