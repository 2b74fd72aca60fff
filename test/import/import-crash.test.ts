/**
 * The CLI as a real child process, killed with SIGKILL while a batch is in
 * flight and started again: the batch of unknown outcome is reconciled by
 * lookups and every row ends written exactly once, as the embedded Upsales
 * service's data shows. Once with a match key, once without (the rows are
 * found by their own values, registered by the importing user since the
 * batch was sent); and once run again while the killed process is a zombie
 * its parent has not reaped yet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import { DEMO_USERS, SHORT_CLOCK } from './import-stack.js';

const ROWS = 300;
let sim: RunningSimulator;
let dir: string;

beforeAll(async () => {
  // Each call takes 400 ms upstream, so a batch seen in flight is still in flight when the kill lands.
  sim = await startSimulator({ port: 0, ...SHORT_CLOCK.sim, latencyMs: 400 });
  dir = mkdtempSync(join(tmpdir(), 'import-crash-'));
});
afterAll(async () => {
  const stats = await (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json() as { throttled: unknown };
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  expect(stats.throttled).toEqual({ faults: 0, blocks: 0 });
});

const cliEnv = (dataDir: string): NodeJS.ProcessEnv => ({
  ...process.env, UPSALES_URL: sim.url, UPSALES_USERNAME: DEMO_USERS.admin.username, UPSALES_PASSWORD: DEMO_USERS.admin.password,
  DATA_DIR: dataDir, UPSALES_BUDGET_CALLS: '18', UPSALES_BUDGET_WINDOW_MS: '1000', UPSALES_BATCH_SIZE: '10', IMPORT_PROGRESS_MS: '200',
  // The batch in flight at the kill is looked up 2.3 s after it was sent, not sooner.
  UPSALES_TIMEOUT_MS: '2000', IMPORT_RECONCILE_GRACE_MS: '300',
});

function cli(args: string[], dataDir: string): { child: ChildProcess; output: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/import.ts', ...args], { env: cliEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (chunk) => { stdout += chunk; });
  child.stderr!.on('data', (chunk) => { stdout += chunk; });
  return { child, output: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout }))) };
}

/**
 * Starts the CLI under `sh`, which then becomes `sleep` and never waits for
 * it, as a shell that has not yet reaped a job it killed: once SIGKILLed,
 * the CLI stays a zombie.
 */
async function cliUnderIdleParent(args: string[], dataDir: string): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', '"$0" --import tsx app/cli/import.ts "$@" & echo "cli $!"; exec sleep 300', process.execPath, ...args], {
    env: cliEnv(dataDir), stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.on('data', (chunk) => {
      out += chunk;
      const found = /cli (\d+)/.exec(out);
      if (found) resolve(Number(found[1]));
    });
    parent.once('exit', () => reject(new Error(`sh stopped: ${out}`)));
  });
  return { pid, parent };
}

const procState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[0];

/** Waits until the job has written `rows` rows and has a batch in flight, reading the job store as another process would. */
async function inFlightAfter(dataDir: string, rows: number): Promise<number> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    let db: Database.Database | undefined;
    try {
      db = new Database(join(dataDir, 'imports.sqlite'), { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 1000');
      const job = db.prepare('SELECT created + updated + failed AS done FROM jobs').get() as { done: number } | undefined;
      const inflight = (db.prepare(`SELECT COUNT(*) AS n FROM rows WHERE status = 'inflight'`).get() as { n: number }).n;
      if (job && job.done >= rows && inflight > 0) return inflight;
    } catch {
      // not created yet
    } finally {
      db?.close();
    }
  }
}

/** `unreaped`: the same command runs again while the killed one is a zombie its parent has not reaped. */
async function crashAndResume(prefix: string, matchBy: string[], unreaped = false): Promise<void> {
  const file = join(dir, `${prefix}.csv`);
  const lines = ['name,orgNo,phone'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${prefix} ${i},${prefix}-${i},+46 8 ${i}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const dataDir = join(dir, prefix);
  const args = ['--in-process', '--kind', 'client', '--file', file, ...matchBy];

  let zombie: { pid: number; parent: ChildProcess } | undefined;
  if (unreaped) {
    zombie = await cliUnderIdleParent(args, dataDir);
    expect(await inFlightAfter(dataDir, 60)).toBeGreaterThan(0);
    process.kill(zombie.pid, 'SIGKILL');
    while (procState(zombie.pid) !== 'Z') await new Promise((resolve) => setTimeout(resolve, 5));
  } else {
    const first = cli(args, dataDir);
    const inflight = await inFlightAfter(dataDir, 60);
    expect(inflight).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    const killed = await first.output;
    expect(killed.code).toBeNull();
  }
  // The job store as the killed process left it: at least one batch of unknown outcome.
  const atDeath = new Database(join(dataDir, 'imports.sqlite'), { readonly: true });
  expect((atDeath.prepare(`SELECT COUNT(*) AS n FROM rows WHERE status = 'inflight'`).get() as { n: number }).n).toBeGreaterThan(0);
  atDeath.close();

  const second = cli(args, dataDir);
  const { code, stdout } = await second.output;
  if (zombie) {
    expect(procState(zombie.pid)).toBe('Z');
    zombie.parent.kill('SIGKILL');
  }
  expect(stdout).not.toMatch(/is running in another process/);
  expect(stdout).toMatch(/Resuming import job [0-9a-f-]+: \d+ of 300 rows done/);
  const reconciled = /Reconciled \d+ batch\(es\) in flight when the job stopped: (\d+) of (\d+) rows were written/.exec(stdout);
  expect(Number(reconciled?.[2])).toBeGreaterThan(0);
  expect(stdout).toMatch(/COMPLETED: 300 created, 0 updated, 0 failed of 300 rows/);
  expect(code).toBe(0);

  const client = createUpstream({ baseUrl: sim.url, timeoutMs: 10_000, budget: { calls: 18, windowMs: 1000 } })
    .forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] });
  const stored = await fetchAll(client, 'client', [{ field: 'name', operator: 'startsWith', values: [`${prefix} `] }], [{ field: 'id' }]);
  expect(stored).toHaveLength(ROWS);
  expect(new Set(stored.map((c) => c.name)).size).toBe(ROWS);
  const db = new Database(join(dataDir, 'imports.sqlite'), { readonly: true });
  const ids: number[] = (db.prepare(`SELECT upstream_id AS id FROM rows WHERE status = 'created' ORDER BY row_no`).all() as { id: number }[]).map((r) => r.id);
  db.close();
  expect(ids.sort((a, b) => a - b)).toEqual(stored.map((c) => c.id!).sort((a, b) => a - b));
}

describe('SIGKILL mid-import, then the same command again', () => {
  it('writes every row exactly once, with a match key', async () => {
    await crashAndResume('KILLM', ['--match-by', 'orgNo']);
  });

  it('writes every row exactly once, without a match key', async () => {
    await crashAndResume('KILLN', []);
  });

  it('resumes at once while the killed process is still a zombie', async () => {
    await crashAndResume('KILLZ', ['--match-by', 'orgNo'], true);
  });
});
