/**
 * The README's import examples run as written: the files they name are in
 * the repository (examples/), the CLI commands (handed to a gateway, as
 * under `npm start`) and the curl upload import every row, a file imported
 * again with its match key creates nothing twice, and the contacts land on
 * the demo clients their `Company` column names.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { README_FILE, section } from '../helpers/readme.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { DEMO_USERS } from '../helpers/stack.js';

const IMPORTS = section('Mass import');
/** Arguments of each `npm run import -- ...` line, quotes taken off. */
const CLI = [...IMPORTS.matchAll(/^npm run import -- (.+)$/gm)].map((match) => [...match[1].matchAll(/"([^"]*)"|(\S+)/g)].map((arg) => arg[1] ?? arg[2]));
const CURL = [...IMPORTS.matchAll(/curl -u ([^:\s]+):(\S+) -H '([^:]+): ([^']+)' -X POST -T (\S+) "http:\/\/localhost:4000(\/imports\?[^"]+)"/g)];

interface Outcome { file: string; matchBy?: string; total: number; created: number; updated: number; failed: number }

let served: ServedStack;
const dataDir = mkdtempSync(join(tmpdir(), 'readme-imports-'));
beforeAll(async () => {
  // Requests without credentials act as the demo admin, as under `npm start`.
  served = await startServedStack({ imports: true, config: { defaultCredentials: DEMO_USERS.admin } });
});
afterAll(async () => {
  await served.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const dataRows = (file: string) => {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return file.endsWith('.csv') ? lines.length - 1 : lines.length;
};
const option = (args: string[], name: string) => args[args.indexOf(name) + 1];

function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/import.ts', ...args, '--gateway', served.base], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, IMPORT_PROGRESS_MS: '200' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return ((await response.json()) as { data: T }).data;
}

async function finished(id: string): Promise<{ state: string; total: number; created: number; updated: number; failed: number }> {
  for (let i = 0; i < 600; i++) {
    const { importJob } = await graphql<{ importJob: { state: string; total: number; created: number; updated: number; failed: number } }>(
      'query($id: ID!) { importJob(id: $id) { state total created updated failed } }', { id },
    );
    if (!['QUEUED', 'RUNNING'].includes(importJob.state)) return importJob;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`import job ${id} did not finish`);
}

it('names only files that are in the repository', () => {
  expect(CLI.length).toBeGreaterThanOrEqual(2);
  expect(CURL.length).toBe(1);
  for (const file of [...CLI.map((args) => option(args, '--file')), ...CURL.map((match) => match[5])]) {
    expect(existsSync(file), `${file}, named in ${README_FILE}`).toBe(true);
  }
  expect(new Set(CLI.map((args) => option(args, '--file').split('.').pop()))).toEqual(new Set(['csv', 'jsonl']));
});

it('imports every row of them as written, and again without creating anything twice', async () => {
  const outcomes: Outcome[] = [];
  for (const args of CLI) {
    const { code, output } = await cli(args);
    expect(code, output).toBe(0);
    const counts = /COMPLETED: (\d+) created, (\d+) updated, (\d+) failed of (\d+) rows/.exec(output);
    expect(counts, output).not.toBeNull();
    const [created, updated, failed, total] = counts!.slice(1).map(Number);
    outcomes.push({ file: option(args, '--file'), matchBy: option(args, '--match-by'), total, created, updated, failed });
  }
  for (const [, username, password, header, type, file, path] of CURL) {
    const response = await served.fetch(path, {
      method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, [header]: type }, body: readFileSync(file),
    });
    const job = await response.json() as { id: string };
    expect(response.status, JSON.stringify(job)).toBe(201);
    outcomes.push({ file, matchBy: new URLSearchParams(path.split('?')[1]).get('matchBy') ?? undefined, ...await finished(job.id) });
  }
  const seen = new Set<string>();
  for (const outcome of outcomes) {
    expect(outcome, outcome.file).toMatchObject({ total: dataRows(outcome.file), failed: 0 });
    const again = outcome.matchBy !== undefined && seen.has(`${outcome.file} ${outcome.matchBy}`);
    expect(outcome, outcome.file).toMatchObject(again ? { created: 0, updated: outcome.total } : { created: outcome.total });
    seen.add(`${outcome.file} ${outcome.matchBy}`);
  }
  expect(outcomes.some((outcome) => outcome.created === 0)).toBe(true);
});

it('the contacts belong to the clients their Company column names', async () => {
  const [header, ...rows] = readFileSync('examples/contacts.csv', 'utf8').trim().split('\n').map((line) => line.split(','));
  for (const row of rows) {
    const email = row[header.indexOf('email')];
    const { contacts } = await graphql<{ contacts: { nodes: { email: string; client: { orgNo: string } }[] } }>(
      'query($email: String!) { contacts(filter: { email: { eq: $email } }) { nodes { email client { orgNo } } } }', { email },
    );
    expect(contacts.nodes, email).toEqual([{ email, client: { orgNo: row[header.indexOf('Company')] } }]);
  }
});
