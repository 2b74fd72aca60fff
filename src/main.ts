/**
 * `npm start`: the gateway, on the Upsales at UPSALES_URL or, when unset, on
 * the embedded Upsales service started here as a child process (the gateway
 * never imports simulator code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createReadCache } from './cache/index.js';
import { configFromEnv } from './config.js';
import { dataDirFromEnv } from './import/data-dir.js';
import { restageFromFile } from './import/file-source.js';
import { ImportService } from './import/import-service.js';
import { JobStore } from './import/job-store.js';
import { startGateway } from './server.js';
import { createUpstream } from './upstream/index.js';

const EMBEDDED_ADMIN = { username: 'admin@demo.test', password: 'demo-admin' };

/** Starts the embedded Upsales service and waits until its listing page answers. */
async function startEmbedded(): Promise<{ url: string; child: ChildProcess }> {
  const port = Number(process.env.SIM_PORT ?? 4010);
  const main = fileURLToPath(new URL('./simulator/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  const url = `http://127.0.0.1:${port}/wsapi`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The embedded Upsales service exited (code ${child.exitCode})`);
    try {
      if ((await fetch(`${url}/test`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('The embedded Upsales service did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const config = configFromEnv();
  let child: ChildProcess | undefined;
  if (!config.upstreamUrl) {
    const embedded = await startEmbedded();
    child = embedded.child;
    config.upstreamUrl = embedded.url;
    config.defaultCredentials ??= EMBEDDED_ADMIN;
    console.log(`Embedded Upsales service: ${embedded.url}/test (demo data; demo users in the README)`);
  }
  const upstream = createUpstream({
    baseUrl: config.upstreamUrl,
    timeoutMs: config.timeoutMs,
    budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs, concurrency: config.concurrency, blockMs: config.blockMs },
    cache: createReadCache(null, config.cacheTtlMs),
  });
  // Import jobs of the configured account go on where they stopped; other users' wait for their owner.
  const store = new JobStore(dataDirFromEnv());
  const imports = new ImportService({ store, upstream, batchSize: config.batchSize, account: config.defaultCredentials });
  await imports.resumeOpenJobs(restageFromFile);
  const gateway = await startGateway({ config, upstream, imports });
  console.log(`GraphQL gateway: ${gateway.url} (GraphiQL in a browser), health: ${gateway.url.replace('/graphql', '/healthz')}`);
  if (config.defaultCredentials) console.log(`Requests without Basic credentials act as ${config.defaultCredentials.username}`);
  const stop = () => {
    void imports.close().then(() => {
      store.close();
      child?.kill();
      return gateway.close();
    }).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
