/**
 * `npm start`: the gateway, on the Upsales at UPSALES_URL or, when unset, on
 * the embedded Upsales service started here as a child process (the gateway
 * never imports simulator code). Every line it writes is a log line (JSON,
 * pretty on a terminal); a start that fails says why in one line and leaves
 * no process behind. Serving and stopping: run-gateway.ts.
 */
import './heap.js';
import type { Server } from 'node:http';
import { configFromEnv, listenHost } from '../src/config/config.js';
import { startEmbeddedService, type EmbeddedService } from './embedded-service.js';
import { bindGatewayPort } from './http-port.js';
import { createLogger, loggerFromEnv } from '../src/log/logger.js';
import { loadTrustedDocuments } from './plugins/trusted-documents.js';

const EMBEDDED_ADMIN = { username: 'admin@demo.test', password: 'demo-admin' };

/** At LOG_LEVEL once it is read (a bad LOG_LEVEL is itself a failed start). */
let log = createLogger();
let embedded: EmbeddedService | undefined;
let bound: Server | undefined;

/** What `npm start`'s embedded service does unless told otherwise: other users at work, so a `changes` subscription shows changes arriving. */
const DEMO_SERVICE_ENV: NodeJS.ProcessEnv = { SIM_CHANGES_PER_MIN: '6' };

async function main(): Promise<void> {
  log = loggerFromEnv();
  const config = configFromEnv();
  // Checked before anything starts: a bad file stops the start with one line.
  const persistedOperations = loadTrustedDocuments(config.persistedOperations, config.limits.queryBytes);
  // With the embedded service, requests without credentials act as its demo admin.
  if (!config.upstreamUrl) config.defaultCredentials ??= EMBEDDED_ADMIN;
  // The port first: a taken one is told before anything else starts.
  bound = await bindGatewayPort(config.port, listenHost(config));
  // The gateway's modules (the schema above all) take seconds to load: they load while the embedded service starts.
  const [{ runGateway }] = await Promise.all([
    import('./run-gateway.js'),
    config.upstreamUrl ? undefined : startEmbeddedService(log, { ...DEMO_SERVICE_ENV, ...process.env }).then((service) => {
      embedded = service;
    }),
  ]);
  const upstreamUrl = config.upstreamUrl ?? embedded!.url;
  if (embedded) log.info(`Embedded Upsales service: ${embedded.url}/test (demo data; demo users in the README)`);
  await runGateway({ ...config, upstreamUrl }, { log, persistedOperations, embedded, bound });
}

main().catch(async (error: unknown) => {
  log.fatal(error instanceof Error ? error.message : String(error));
  await embedded?.stop();
  bound?.close();
  process.exit(1);
});
