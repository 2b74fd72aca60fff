/**
 * The gateway process once its upstream is known: it serves, resumes the
 * configured account's import jobs, and stops in order on SIGTERM or
 * SIGINT: requests in progress are answered and import batches in flight
 * recorded, then the embedded service (if any) stops; after a deadline,
 * whatever is left is cut. If the embedded service dies, the gateway stops.
 */
import type { GatewayConfig } from './config.js';
import type { EmbeddedService } from './embedded-service.js';
import { dataDirFromEnv } from './import/data-dir.js';
import { restageFromFile } from './import/file-source.js';
import { ImportService } from './import/import-service.js';
import { JobStore } from './import/job-store.js';
import { startGateway, type GatewayDeps, type RunningGateway } from './server.js';
import { createSharedState, sharedStateOptions, type SharedState } from './shared-state/index.js';
import { createUpstream } from './upstream/index.js';

/** Requests in progress get this long to finish once a stop is asked for. */
const DRAIN_MS = 7_000;
/** The process exits by then, whatever is left. */
const STOP_DEADLINE_MS = 9_000;

/** The gateway's listening socket, or one line saying why it cannot have it. */
async function listen(deps: GatewayDeps): Promise<RunningGateway> {
  try {
    return await startGateway(deps);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    const port = deps.config.port;
    if (code === 'EADDRINUSE') throw new Error(`PORT ${port} is in use: set PORT to a free port`);
    if (code === 'EACCES') throw new Error(`PORT ${port} may not be used here: set PORT to a port above 1023`);
    throw error;
  }
}

function stopOnSignals(gateway: RunningGateway, imports: ImportService, store: JobStore, shared: SharedState, embedded?: EmbeddedService): void {
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      console.error(`Not stopped within ${STOP_DEADLINE_MS / 1000} s: exiting now; an import batch in flight is looked up at the next start`);
      void embedded?.stop();
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await Promise.all([gateway.close(DRAIN_MS), imports.close()]);
    store.close();
    await shared.close();
    await embedded?.stop();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) console.log(`${signal}: answering the requests in progress and recording import batches in flight, then stopping`);
    void stop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void embedded?.exited.then((how) => {
    if (stopping) return;
    console.error(`The embedded Upsales service stopped (${how}): the gateway stops too`);
    void stop(1);
  });
}

/** Serves on `config.upstreamUrl`; rejects with one line when it cannot listen. */
export async function runGateway(config: GatewayConfig & { upstreamUrl: string }, embedded?: EmbeddedService): Promise<void> {
  const shared = await createSharedState(sharedStateOptions(config));
  const upstream = createUpstream({ baseUrl: config.upstreamUrl, timeoutMs: config.timeoutMs, budgets: shared.budgets });
  const store = new JobStore(dataDirFromEnv());
  const imports = new ImportService({ store, upstream, batchSize: config.batchSize, account: config.defaultCredentials, bus: shared.jobs });
  let gateway: RunningGateway;
  try {
    gateway = await listen({ config, upstream, imports });
  } catch (error) {
    await shared.close();
    throw error;
  }
  stopOnSignals(gateway, imports, store, shared, embedded);
  console.log(`GraphQL gateway: ${gateway.url} (GraphiQL in a browser), health: ${gateway.url.replace('/graphql', '/healthz')}`);
  console.log(`Call budgets and import jobs are shared ${shared.where}`);
  if (config.defaultCredentials) {
    const reach = gateway.server.address() as { address: string };
    const local = ['127.0.0.1', '::1'].includes(reach.address) ? ' (listening on loopback only: see HOST in the README)' : '';
    console.log(`Requests without Basic credentials act as ${config.defaultCredentials.username}${local}`);
  }
  // Import jobs of the configured account go on where they stopped; other users' wait for their owner.
  await imports.resumeOpenJobs(restageFromFile);
}
