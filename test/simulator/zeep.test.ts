/**
 * A standard SOAP client other than node-soap (Python's zeep, strict mode,
 * PasswordDigest) uses the embedded service from its WSDLs alone. Needs
 * Debian's python3-zeep, which .ci/run installs; without it the test is
 * skipped, unless REQUIRE_ZEEP=1 (as in CI) makes its absence a failure.
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./zeep/client.py', import.meta.url));

function hasZeep(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import zeep'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = hasZeep();
if (!available && process.env.REQUIRE_ZEEP === '1') throw new Error('REQUIRE_ZEEP=1 but python3-zeep is not installed (apt-get install python3-zeep)');

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());

it.skipIf(!available)('python zeep reads, writes and gets faults through the WSDLs alone', async () => {
  // Async: the simulator answers from this same process.
  const output = await new Promise<string>((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, sim.url], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)));
  });
  const found = JSON.parse(output);
  expect(found.total).toBeGreaterThan(5);
  expect(found.names).toHaveLength(5);
  expect([...found.names].sort((a: string, b: string) => a.localeCompare(b, 'sv'))).toEqual(found.names);
  expect(found.firstIdIsInt).toBe(true);
  expect(found.getName).toBe(found.names[0]);
  expect(found.createSuccess).toEqual([true, false]);
  expect(found.createdName).toBe('Zeep & <Söner> AB ]]> 北京');
  expect(found.secondErrorCode).toBe('VALIDATION_ERROR');
  expect(found.stages).toBeGreaterThan(0);
  expect(found.faultCode).toBe('AUTHENTICATION_FAILED');
});
