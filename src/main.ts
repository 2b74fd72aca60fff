/**
 * `npm start`: the gateway, on the Upsales at UPSALES_URL or, when unset, on
 * the embedded Upsales service started here as a child process (the gateway
 * never imports simulator code). A start that fails says why in one line and
 * leaves no process behind. SIGTERM or SIGINT stops it in order: requests in
 * progress are answered and import batches in flight recorded, then the
 * embedded service stops; after a deadline, whatever is left is cut.
 */
import { configFromEnv } from './config.js';
import { startEmbeddedService, type EmbeddedService } from './embedded-service.js';
import { dataDirFromEnv } from './import/data-dir.js';
import { restageFromFile } from './import/file-source.js';
import { ImportService } from './import/import-service.js';
import { JobStore } from './import/job-store.js';
import { startGateway, type GatewayDeps, type RunningGateway } from './server.js';
import { createUpstream } from './upstream/index.js';

const EMBEDDED_ADMIN = { username: 'admin@demo.test', password: 'demo-admin' };
/** Requests in progress get this long to finish once a stop is asked for. */
const DRAIN_MS = 7_000;
/** The process exits by then, whatever is left. */
const STOP_DEADLINE_MS = 9_000;

let embedded: EmbeddedService | undefined;

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

function stopOnSignals(gateway: RunningGateway, imports: ImportService, store: JobStore): void {
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

async function main(): Promise<void> {
  const config = configFromEnv();
  if (!config.upstreamUrl) {
    embedded = await startEmbeddedService();
    config.upstreamUrl = embedded.url;
    config.defaultCredentials ??= EMBEDDED_ADMIN;
    console.log(`Embedded Upsales service: ${embedded.url}/test (demo data; demo users in the README)`);
  }
  const upstream = createUpstream({
    baseUrl: config.upstreamUrl,
    timeoutMs: config.timeoutMs,
    budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs, concurrency: config.concurrency, blockMs: config.blockMs },
  });
  const store = new JobStore(dataDirFromEnv());
  const imports = new ImportService({ store, upstream, batchSize: config.batchSize, account: config.defaultCredentials });
  const gateway = await listen({ config, upstream, imports });
  stopOnSignals(gateway, imports, store);
  console.log(`GraphQL gateway: ${gateway.url} (GraphiQL in a browser), health: ${gateway.url.replace('/graphql', '/healthz')}`);
  if (config.defaultCredentials) console.log(`Requests without Basic credentials act as ${config.defaultCredentials.username}`);
  // Import jobs of the configured account go on where they stopped; other users' wait for their owner.
  await imports.resumeOpenJobs(restageFromFile);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  await embedded?.stop();
  process.exit(1);
});
