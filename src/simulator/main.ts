/**
 * `npm run simulator`: runs the embedded Upsales service alone, configured
 * by SIM_* variables. Started by the gateway (`npm start`, with an IPC
 * channel), it reports its URL or its failure over that channel, leaves
 * SIGINT/SIGTERM to the gateway (which still needs it for its last
 * requests) and stops when the channel closes, the gateway gone or done.
 */
import type { EmbeddedMessage } from '../contract/embedded-ipc.js';
import { simulatorOptionsFromEnv, startSimulator, type RunningSimulator } from './index.js';

const supervised = typeof process.send === 'function';

/** One line saying why the service could not start. */
function failure(error: unknown): string {
  const { code, port, address, message } = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (code === 'EADDRINUSE') return `SIM_PORT ${port} is in use: set SIM_PORT to a free port`;
  if (code === 'EACCES') return `SIM_PORT ${port} may not be used here: set SIM_PORT to a port above 1023`;
  if (code === 'EADDRNOTAVAIL') return `SIM_HOST ${address} is not an address of this machine: set SIM_HOST`;
  return `The embedded Upsales service did not start: ${message}`;
}

function tell(message: EmbeddedMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

let sim: RunningSimulator | undefined;
const stop = (): void => void (sim ? sim.close() : Promise.resolve()).then(() => process.exit(0));
if (supervised) {
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.once('disconnect', stop);
} else {
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const started = Date.now();
try {
  sim = await startSimulator(simulatorOptionsFromEnv());
} catch (error) {
  if (supervised && process.connected) await tell({ type: 'failed', message: failure(error) });
  else console.error(failure(error));
  process.exit(1);
}
// Under the gateway, these lines become its log lines (component upsales-simulator).
console.log(`Embedded Upsales SOAP service at ${sim.url} (started in ${Date.now() - started} ms)`);
if (supervised) {
  if (process.connected) await tell({ type: 'ready', url: sim.url, port: sim.port });
} else {
  console.log(`Services and WSDLs: ${sim.url}/test`);
}
