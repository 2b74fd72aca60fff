/**
 * A gateway served on a real HTTP port (loopback, any free port) over the
 * embedded Upsales service, for tests of the HTTP edge: what crosses the
 * wire, headers, statuses and raw bodies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadCache, sharedStateOptions } from '../../src/shared-state/index.js';
import { configFromEnv, type GatewayConfig } from '../../src/config/config.js';
import { createBudgetRegistry } from '../../src/budget/index.js';
import { ImportService, jobBounds } from '../../src/import/jobs/import-service.js';
import type { GatewayMetrics } from '../../src/metrics/metrics.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import type { Logger } from '../../src/log/logger.js';
import { startGateway, type RunningGateway } from '../../app/server.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import type { ItemKind } from '../../src/contract/kinds.js';
import type { Criterion, Item } from '../../src/contract/types.js';
import { DEMO_USERS, TEST_ENV, type SimStats } from './stack.js';

export interface ServedStack {
  sim: RunningSimulator;
  gateway: RunningGateway;
  config: GatewayConfig;
  /** `http://127.0.0.1:<port>`: the gateway's origin. */
  base: string;
  /** `fetch` of a path on the gateway. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  /** Every item of `kind` matching `criteria`, as the demo admin sees it upstream. */
  items(kind: ItemKind, criteria?: Criterion[]): Promise<Item[]>;
  close(): Promise<void>;
}

export interface ServedOptions {
  sim?: SimulatorOptions;
  config?: Partial<GatewayConfig>;
  host?: string;
  /** Serve imports (GraphQL, POST /imports, results) from a temporary DATA_DIR. */
  imports?: boolean;
  /** Where the gateway's log lines go (none by default). */
  logger?: Logger;
  /** Prometheus series, served at GET /metrics. */
  metrics?: GatewayMetrics;
  /** `PRAGMA max_page_count` of the job store (SQLite): its disk is full past it. */
  maxPageCount?: number;
}

export async function startServedStack(options: ServedOptions = {}): Promise<ServedStack> {
  const sim = await startSimulator({ port: 0, throttleCalls: 1_000_000, ...options.sim });
  // Tests count the calls of each request: answers are kept across requests only where a test asks (cacheTtlMs).
  const config: GatewayConfig = { ...configFromEnv(TEST_ENV), upstreamUrl: sim.url, cacheTtlMs: 0, budgetCalls: 1_000_000, ...options.config };
  // The budgets as `npm start` makes them (queue bound from UPSALES_MAX_WAIT_MS included).
  const budgets = createBudgetRegistry(sharedStateOptions(config).budget);
  const { metrics } = options;
  metrics?.watchBudgets(budgets);
  const upstream = createUpstream({
    baseUrl: sim.url, timeoutMs: config.timeoutMs, maxWaitMs: config.maxWaitMs, budgets, cache: createReadCache(null, config.cacheTtlMs), observer: metrics?.upstream,
  });
  const dataDir = options.imports ? mkdtempSync(join(tmpdir(), 'served-')) : undefined;
  const store = dataDir ? new SqliteJobStore(dataDir, { onRows: metrics?.importRows, maxPageCount: options.maxPageCount }) : undefined;
  const readLimits = { bytes: config.limits.importBytes, rows: config.limits.importRows };
  const imports = store ? new ImportService({ store, upstream, batchSize: config.batchSize, settleMs: config.timeoutMs, readLimits, ...jobBounds(config.jobs) }) : undefined;
  const gateway = await startGateway({ config, upstream, imports, logger: options.logger, metrics }, 0, options.host ?? '127.0.0.1');
  const base = new URL(gateway.url).origin;
  const simOrigin = new URL(sim.url).origin;
  return {
    sim,
    gateway,
    config,
    base,
    fetch: (path, init) => fetch(`${base}${path}`, init),
    stats: async () => (await fetch(`${simOrigin}/__sim/stats`)).json() as Promise<SimStats>,
    resetStats: async () => void (await fetch(`${simOrigin}/__sim/reset-stats`, { method: 'POST' })),
    items: (kind, criteria = []) => fetchAll(upstream.forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] }), kind, criteria, [{ field: 'id' }]),
    close: async () => {
      await imports?.close();
      await store?.close();
      await gateway.close();
      await sim.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
