/**
 * Whether a job's lease holder lives, with real processes: a process that
 * holds a lease keeps it; once SIGKILLed it holds nothing, even while it is
 * a zombie its parent has not reaped yet; and a pid now used by another
 * process is not the holder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { LEASE_HOLDER } from '../../src/import/store/lease-holder.js';

let dir: string;
let store: SqliteJobStore;
const started: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lease-holder-'));
  store = new SqliteJobStore(dir);
});
afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A job no process holds (a new job is its creator's: this one lets it go). */
async function newJob(): Promise<string> {
  const { id } = await store.createJob({ id: randomUUID(), kind: 'client', owner: 'admin@demo.test', upstream: 'http://sim', format: 'CSV', options: {} });
  await store.releaseLease(id);
  return id;
}
const leaseOf = (id: string) => (store.db.prepare('SELECT lease FROM jobs WHERE id = ?').get(id) as { lease: string | null }).lease;
const setLease = (id: string, holder: string) => store.db.prepare('UPDATE jobs SET lease = ?, lease_until = ? WHERE id = ?').run(holder, Date.now() + 60_000, id);
const procState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[0];
const procStart = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];

/**
 * Runs take-lease.ts under `sh`, which then becomes `sleep` and never waits
 * for it: once killed, the lease holder stays a zombie until `sleep` ends.
 */
async function leaseHolderUnderIdleParent(id: string): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', `"$0" --import tsx test/import/take-lease.ts "$1" "$2" & exec sleep 120`, process.execPath, dir, id], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(parent);
  let out = '';
  for await (const chunk of parent.stdout!) {
    out += chunk;
    const leased = /leased (\d+)/.exec(out);
    if (leased) return { pid: Number(leased[1]), parent };
  }
  throw new Error(`take-lease.ts stopped: ${out}`);
}

it('a live holder keeps its lease; SIGKILLed and not yet reaped, it holds nothing', async () => {
  const id = await newJob();
  const { pid, parent } = await leaseHolderUnderIdleParent(id);
  expect(leaseOf(id)).toBe(`${hostname()}:${pid}:${procStart(pid)}`);
  expect(await store.acquireLease(id)).toBe(false);

  process.kill(pid, 'SIGKILL');
  while (procState(pid) !== 'Z') await new Promise((resolve) => setTimeout(resolve, 5));
  // A zombie still answers kill(pid, 0): that alone would call it alive.
  expect(() => process.kill(pid, 0)).not.toThrow();
  expect(procState(pid)).toBe('Z');
  expect(await store.acquireLease(id)).toBe('taken over');
  expect(leaseOf(id)).toBe(LEASE_HOLDER);
  expect(parent.exitCode).toBeNull();
});

it('a pid now used by another process is not the holder', async () => {
  const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
  started.push(sleeper);
  await new Promise((resolve) => sleeper.once('spawn', resolve));
  const pid = sleeper.pid!;
  const id = await newJob();

  setLease(id, `${hostname()}:${pid}:${procStart(pid)}`);
  expect(await store.acquireLease(id)).toBe(false);
  setLease(id, `${hostname()}:${pid}:${Number(procStart(pid)) - 1}`);
  expect(await store.acquireLease(id)).toBe('taken over');
});

it('reads leases written as host:pid, and leaves other hosts to expiry', async () => {
  const id = await newJob();
  setLease(id, `${hostname()}:${process.ppid}`);
  expect(await store.acquireLease(id)).toBe(false);
  setLease(id, `another-host:${process.ppid}:1`);
  expect(await store.acquireLease(id)).toBe(false);
  store.db.prepare('UPDATE jobs SET lease_until = ? WHERE id = ?').run(Date.now() - 1, id);
  expect(await store.acquireLease(id)).toBe('taken over');
});
