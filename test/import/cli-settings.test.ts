/** The import CLI checks IMPORT_PROGRESS_MS before it starts anything: a bad value is one line naming it, exit 1, no job. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

function runCli(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/import.ts', '--in-process', '--kind', 'client', '--file', 'examples/contacts.csv'], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { out += chunk; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

it.each(['abc', '-5', '2.5'])('IMPORT_PROGRESS_MS=%j stops the CLI with one line naming it, before any job', async (value) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cli-settings-'));
  const { code, out } = await runCli({ IMPORT_PROGRESS_MS: value, DATA_DIR: dataDir, SIM_PORT: '9' });
  expect(code).toBe(1);
  expect(out.trim()).toBe(`IMPORT_PROGRESS_MS must be a whole number of milliseconds (0 or more), got "${value}"`);
  expect(readdirSync(dataDir)).toEqual([]);
}, 20_000);
