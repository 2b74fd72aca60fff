/**
 * Two processes on one DATA_DIR (gateways on one host may share it): one
 * that starts while the other runs a job, or is still reading a job's file,
 * leaves that job alone, and the process that holds it finishes it, each
 * row written once. (A holder that died is taken over at once:
 * lease-holder.test.ts, import-crash.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fileInfo } from '../../src/import/readers/file-source.js';
import type { JobRecord } from '../../src/import/store/types.js';
import { DEMO_USERS, slowCsv, startImportStack, type ImportStack } from './import-stack.js';

let stack: ImportStack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startImportStack({ config: { batchSize: 50 } });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stack.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Process B on the stack's DATA_DIR, loaded and waiting; `go()` has it resume the open jobs as the configured admin, and resolves when it has stopped. */
async function secondProcess(): Promise<{ go(): Promise<{ code: number | null; output: string }> }> {
  const { username, password } = DEMO_USERS.admin;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/import/start-on-shared-dir.ts', stack.dataDir, stack.sim.url, username, password], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  while (!output.includes('ready')) {
    if (child.exitCode !== null) throw new Error(`B stopped: ${output}`);
    await sleep(20);
  }
  return {
    async go() {
      child.stdin!.end('go\n');
      const [code] = await exited;
      return { code, output };
    },
  };
}

async function written(prefix: string): Promise<string[]> {
  return (await stack.items('client', [{ field: 'name', operator: 'startsWith', values: [`${prefix} `] }])).map((c) => String(c.name));
}

it('B starting while A runs a job of another user leaves it running in A, which finishes it once', async () => {
  const b = await secondProcess();
  const rows = Array.from({ length: 2000 }, (_, i) => ({ name: `SHRUN ${i + 1}` }));
  const started = await stack.imports.start(DEMO_USERS.sales, { kind: 'client', format: 'JSONL', rows });
  while ((await stack.imports.store.job(started.id))!.created < 50) await sleep(10);

  const { code, output } = await b.go();
  expect(output).toMatch(/resumed/);
  expect(code).toBe(0);
  expect(await stack.imports.store.job(started.id)).toMatchObject({ state: 'RUNNING', reason: null });

  expect(await stack.imports.settled(started.id)).toMatchObject({ state: 'COMPLETED', created: 2000, failed: 0 });
  const names = await written('SHRUN');
  expect(names).toHaveLength(2000);
  expect(new Set(names).size).toBe(2000);
});

it('B starting while A still reads a job\'s file leaves it to A, which stages and runs it once', async () => {
  const lines = Array.from({ length: 1500 }, (_, i) => `SHSTAGE ${i + 1}`);
  const file = join(stack.dataDir, 'shared.csv');
  writeFileSync(file, `name\n${lines.join('\n')}\n`);
  // A reads the file slowly: the first 1200 rows, then (once B has started) the rest.
  const slow = slowCsv(lines, 1200);
  const b = await secondProcess();
  const starting = stack.imports.start(DEMO_USERS.admin, { kind: 'client', format: 'CSV', source: slow.source, sourceInfo: fileInfo(file) });
  let staging: JobRecord | undefined;
  while (!(staging = (await stack.imports.store.openJobs()).find((job) => job.source?.path === file)) || await stack.imports.store.countRows(staging.id, 'pending') === 0) await sleep(10);

  const { code, output } = await b.go();
  expect(output).toMatch(/resumed/);
  expect(code).toBe(0);
  expect(await stack.imports.store.job(staging.id)).toMatchObject({ state: 'QUEUED', reason: null, staged: false });
  expect(await stack.imports.store.countRows(staging.id, 'pending')).toBe(1000);

  slow.more();
  const started = await starting;
  expect(started).toMatchObject({ id: staging.id, total: 1500 });
  expect(await stack.imports.settled(started.id)).toMatchObject({ state: 'COMPLETED', created: 1500, failed: 0 });
  const names = await written('SHSTAGE');
  expect(names).toHaveLength(1500);
  expect(new Set(names).size).toBe(1500);
});
