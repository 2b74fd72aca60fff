/**
 * `npm start`: the gateway, on the Upsales at UPSALES_URL or, when unset, on
 * the embedded Upsales service started here as a child process (the gateway
 * never imports simulator code). A start that fails says why in one line on
 * stderr and leaves no process behind. Serving and stopping: run-gateway.ts.
 */
import { configFromEnv } from './config.js';
import { startEmbeddedService, type EmbeddedService } from './embedded-service.js';

const EMBEDDED_ADMIN = { username: 'admin@demo.test', password: 'demo-admin' };

let embedded: EmbeddedService | undefined;

async function main(): Promise<void> {
  const config = configFromEnv();
  // The gateway's modules (the schema above all) take seconds to load: they load while the embedded service starts.
  const [{ runGateway }] = await Promise.all([
    import('./run-gateway.js'),
    config.upstreamUrl ? undefined : startEmbeddedService().then((service) => {
      embedded = service;
    }),
  ]);
  const upstreamUrl = config.upstreamUrl ?? embedded!.url;
  if (embedded) {
    config.defaultCredentials ??= EMBEDDED_ADMIN;
    console.log(`Embedded Upsales service: ${embedded.url}/test (demo data; demo users in the README)`);
  }
  await runGateway({ ...config, upstreamUrl }, embedded);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  await embedded?.stop();
  process.exit(1);
});
