/** `npm run simulator`: runs the embedded Upsales service alone, configured by SIM_* variables. */
import { simulatorOptionsFromEnv, startSimulator } from './index.js';

const started = Date.now();
const sim = await startSimulator(simulatorOptionsFromEnv());
console.log(`Embedded Upsales SOAP service at ${sim.url} (started in ${Date.now() - started} ms)`);
console.log(`Services and WSDLs: ${sim.url}/test`);
const stop = (): void => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
