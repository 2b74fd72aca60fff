/**
 * The gateway process once its upstream is known: it serves, resumes the
 * configured account's import jobs, and stops in order on SIGTERM or
 * SIGINT: imports start or resume no more and their runners stop after the
 * batches in flight while requests in progress are answered; once both are
 * done the job store closes, then the shared state, then the embedded
 * service (if any); after a deadline, whatever is left is cut. If the
 * embedded service dies, the gateway stops.
 */
import type { Server } from 'node:http';
import { createMetrics } from '../src/metrics/metrics.js';
import { listenHost, type GatewayConfig } from '../src/config/config.js';
import type { EmbeddedService } from './embedded-service.js';
import type { Logger } from '../src/log/logger.js';
import type { PersistedOperations } from './plugins/trusted-documents.js';
import { dataDirFromEnv } from '../src/import/store/data-dir.js';
import { restageFromFile } from '../src/import/readers/file-source.js';
import { ImportService, jobBounds } from '../src/import/jobs/import-service.js';
import type { JobStore } from '../src/import/store/job-store.js';
import { jobStoreLabel, openJobStore } from '../src/import/store/engine/open-job-store.js';
import { startGateway, type RunningGateway } from './server.js';
import { createSharedState, sharedStateOptions, type SharedState } from '../src/shared-state/index.js';
import { createUpstream } from '../src/upstream/index.js';

/** Requests in progress get this long to finish once a stop is asked for. */
const DRAIN_MS = 7_000;
/** The process exits by then, whatever is left. */
const STOP_DEADLINE_MS = 9_000;

/** What the process brings to the gateway. */
export interface GatewayProcess {
  log: Logger;
  persistedOperations?: PersistedOperations;
  /** The embedded service this process started, if it did. */
  embedded?: EmbeddedService;
  /** The gateway's port, bound first thing (app/http-port.ts). */
  bound: Server;
}

function stopOnSignals(gateway: RunningGateway, imports: ImportService, store: JobStore, shared: SharedState, { log, embedded }: GatewayProcess): void {
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      log.error(`Not stopped within ${STOP_DEADLINE_MS / 1000} s: exiting now; an import batch in flight is looked up at the next start`);
      void embedded?.stop();
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    // At once, so that batches in flight are recorded while requests drain (within the deadline): from now on no
    // import starts or resumes, and a file still being uploaded is staged for the next start.
    const importsClosed = imports.close();
    await gateway.close(DRAIN_MS);
    // No request and no runner writes to the store any more; the shared state (job commands) goes last.
    await importsClosed;
    await store.close();
    await shared.close();
    await embedded?.stop();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) log.info(`${signal}: answering the requests in progress and recording import batches in flight, then stopping`);
    void stop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void embedded?.exited.then((how) => {
    if (stopping) return;
    log.fatal(`The embedded Upsales service stopped (${how}): the gateway stops too`);
    void stop(1);
  });
}

/** Serves on `config.upstreamUrl`; rejects with one line when it cannot listen. */
export async function runGateway(config: GatewayConfig & { upstreamUrl: string }, running: GatewayProcess): Promise<void> {
  const { log, persistedOperations } = running;
  const shared = await createSharedState(sharedStateOptions(config, (message) => log.warn({ component: 'shared-state' }, message)));
  const metrics = createMetrics();
  const upstream = createUpstream({
    baseUrl: config.upstreamUrl,
    timeoutMs: config.timeoutMs,
    maxWaitMs: config.maxWaitMs,
    budgets: shared.budgets,
    cache: shared.readCache(config.cacheTtlMs),
    observer: metrics.upstream,
  });
  metrics.watchBudgets(shared.budgets);
  let store: JobStore;
  try {
    store = await openJobStore(config.jobs, dataDirFromEnv(), metrics.importRows);
  } catch (error) {
    await shared.close();
    throw new Error(`The job store could not be opened ${jobStoreLabel(config.jobs, dataDirFromEnv())}: ${(error as Error).message}`);
  }
  const imports = new ImportService({
    store, upstream, batchSize: config.batchSize, account: config.defaultCredentials, bus: shared.jobs, ...jobBounds(config.jobs),
    log: (message) => log.info({ component: 'import' }, message),
  });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      config, upstream, imports, revocations: shared.revocations, apq: shared.apq, changeLinks: shared.changeLinks, persistedOperations, logger: log, metrics,
    }, config.port, listenHost(config), running.bound);
  } catch (error) {
    await store.close();
    await shared.close();
    throw error;
  }
  stopOnSignals(gateway, imports, store, shared, running);
  const graphiql = config.allowArbitraryOperations ? 'GraphiQL in a browser' : 'trusted documents only: no GraphiQL';
  log.info(`GraphQL gateway: ${gateway.url} (${graphiql}), health: ${gateway.url.replace('/graphql', '/healthz')}`);
  log.info(`Call budgets, kept reads and import jobs are shared ${shared.where}`);
  log.info(`Import jobs are kept ${jobStoreLabel(config.jobs, dataDirFromEnv())}`);
  if (config.defaultCredentials) {
    const reach = gateway.server.address() as { address: string };
    const local = ['127.0.0.1', '::1'].includes(reach.address) ? ' (listening on loopback only: see HOST in the README)' : '';
    log.info(`Requests without Basic credentials act as ${config.defaultCredentials.username}${local}`);
  }
  // Import jobs of the configured account go on where they stopped; other users' wait for their owner.
  await imports.resumeOpenJobs(restageFromFile);
}
