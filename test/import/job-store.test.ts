/**
 * The job store's contract, on both engines (SQLite in DATA_DIR, and
 * PostgreSQL on a server of the test's own): staging within the bounds of
 * staged rows, leases and their fencing (a process whose lease another took
 * writes nothing), outcomes and results, a finished job's staged data
 * dropped at once and the job itself after its retention. And a full disk,
 * made real for SQLite with `PRAGMA max_page_count`, is named as such.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, StagedRowsLimitError, StoreFullError, type JobStore } from '../../src/import/store/job-store.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { ENGINES, engineStores, type EngineStores } from '../helpers/job-store-engines.js';

async function* records(n: number, prefix = 'row'): AsyncGenerator<string> {
  for (let i = 1; i <= n; i++) yield JSON.stringify({ name: `${prefix} ${i}`, note: 'tab\there\\ and a "quote"\nand a newline' });
}

const newJob = (store: JobStore, owner = 'admin@demo.test') =>
  store.createJob({ id: randomUUID(), kind: 'client', owner, upstream: 'http://sim', format: 'JSONL', options: {} });

describe.each(ENGINES)('%s', (engine) => {
  let stores: EngineStores;
  let store: JobStore;
  beforeAll(async () => {
    stores = await engineStores(engine);
    store = await stores.open();
  });
  afterAll(async () => {
    await store.close();
    await stores.close();
  });

  it('stages rows as they were read, in row order, and hands them out pending', async () => {
    const job = await newJob(store);
    expect(await store.stage(job.id, records(2500))).toBe(2500);
    expect(await store.job(job.id)).toMatchObject({ state: 'QUEUED', staged: true, total: 2500, owner: 'admin@demo.test' });
    const first = await store.pendingRows(job.id, 0, 2);
    expect(first.map((r) => r.rowNo)).toEqual([1, 2]);
    expect(JSON.parse(first[0].data)).toEqual({ name: 'row 1', note: 'tab\there\\ and a "quote"\nand a newline' });
    expect((await store.pendingRows(job.id, 2499, 10)).map((r) => r.rowNo)).toEqual([2500]);
    expect(await store.countRows(job.id, 'pending')).toBe(2500);
  });

  it('records outcomes under the lease: counts, results in row order, failures, ids held', async () => {
    const job = await newJob(store);
    await store.stage(job.id, records(5));
    const batch = await store.markInflight(job.id, 'create', [{ rowNo: 1, sent: { name: 'row 1' } }, { rowNo: 2, sent: { name: 'row 2' } }]);
    expect((await store.inflightBatches(job.id)).map((b) => ({ id: b.id, rows: b.rows.map((r) => [r.rowNo, r.sent]) })))
      .toEqual([{ id: batch, rows: [[1, { name: 'row 1' }], [2, { name: 'row 2' }]] }]);
    await store.record(job.id, [{ rowNo: 1, status: 'created', upstreamId: 101 }, { rowNo: 2, status: 'failed', reason: 'bad' }], batch);
    await store.record(job.id, [{ rowNo: 3, status: 'updated', upstreamId: 7 }]);
    expect(await store.inflightBatches(job.id)).toEqual([]);
    expect(await store.job(job.id)).toMatchObject({ created: 1, updated: 1, failed: 1 });
    expect(await store.knownIds(job.id, [101, 7, 999])).toEqual(new Set([101, 7]));
    expect(await store.failures(job.id, 10)).toEqual([{ row: 2, outcome: 'failed', upsalesId: null, reason: 'bad' }]);
    const outcomes = [];
    for await (const o of store.outcomes(job.id, 2)) outcomes.push([o.row, o.outcome, o.upsalesId]);
    expect(outcomes).toEqual([[1, 'created', 101], [2, 'failed', null], [3, 'updated', 7], [4, 'pending', null], [5, 'pending', null]]);
  });

  it('fencing: once another process took the lease, nothing is marked, recorded or staged, and the lease is not renewed', async () => {
    const job = await newJob(store);
    await store.stage(job.id, records(10));
    const batch = await store.markInflight(job.id, 'create', [{ rowNo: 1, sent: { name: 'row 1' } }]);
    await stores.leaseTo(job.id, 'another-host:1:1', Date.now() + 60_000);
    await expect(store.record(job.id, [{ rowNo: 1, status: 'created', upstreamId: 5 }], batch)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.markInflight(job.id, 'create', [{ rowNo: 2, sent: { name: 'row 2' } }])).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.stage(job.id, records(3))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.renewLease(job.id)).toBe(false);
    expect(await store.heldElsewhere(job.id)).toBe(true);
    expect(await store.acquireLease(job.id)).toBe(false);
    // Nothing of it was written: the batch is still in flight, for the holder to look up.
    expect(await store.job(job.id)).toMatchObject({ created: 0, total: 10 });
    expect((await store.inflightBatches(job.id)).map((b) => b.rows.map((r) => r.rowNo))).toEqual([[1]]);
    expect(await store.countRows(job.id, 'inflight')).toBe(1);
  });

  it('takes over a lease that ran out (or whose holder on this host is gone), and not a live one', async () => {
    const job = await newJob(store);
    await store.releaseLease(job.id);
    await stores.leaseTo(job.id, 'another-host:1:1', Date.now() + 60_000);
    expect(await store.acquireLease(job.id)).toBe(false);
    await stores.leaseTo(job.id, 'another-host:1:1', Date.now() - 1);
    expect(await store.heldElsewhere(job.id)).toBe(false);
    expect(await store.acquireLease(job.id)).toBe('taken over');
    expect(await store.renewLease(job.id)).toBe(true);
    await store.markInflight(job.id, 'create', []);
    await store.releaseLease(job.id);
    expect(await store.acquireLease(job.id)).toBe('free');
  });

  it('bounds staged rows per user and in all; finished jobs hold none', async () => {
    // The jobs of the tests above end first: only this test's jobs count.
    for (const job of await store.openJobs()) await store.setState(job.id, 'FAILED', 'ended by the test');
    const limits = { perUser: 2500, all: 4000 };
    const mine = await newJob(store, 'bounded@demo.test');
    await store.stage(mine.id, records(2000), limits);
    const more = await newJob(store, 'bounded@demo.test');
    await expect(store.stage(more.id, records(1000), limits)).rejects.toEqual(new StagedRowsLimitError('user', 2500));
    await store.setState(more.id, 'FAILED', 'refused');
    // 2000 staged of 4000 in all: another user's 3000 would pass it.
    const theirs = await newJob(store, 'other@demo.test');
    await expect(store.stage(theirs.id, records(3000), { perUser: 1e9, all: limits.all }))
      .rejects.toEqual(new StagedRowsLimitError('all', limits.all));
    await store.setState(theirs.id, 'FAILED', 'refused');
    await store.setState(mine.id, 'CANCELLED');
    // The cancelled job's rows no longer count: the same user stages again.
    const again = await newJob(store, 'bounded@demo.test');
    expect(await store.stage(again.id, records(2400), { perUser: 2500, all: 1e9 })).toBe(2400);
  });

  it('a finished job keeps its results but not its staged data; after its retention the job goes too', async () => {
    const job = await newJob(store);
    await store.stage(job.id, records(12_000));
    await store.record(job.id, [{ rowNo: 1, status: 'created', upstreamId: 1 }]);
    await store.skipPending(job.id);
    await store.setState(job.id, 'CANCELLED');
    expect(await stores.stagedData(job.id)).toBe(0);
    expect(await store.countRows(job.id, 'skipped')).toBe(11_999);
    const outcomes = [];
    for await (const o of store.outcomes(job.id)) outcomes.push(o);
    expect(outcomes).toHaveLength(12_000);
    expect(outcomes[0]).toEqual({ row: 1, outcome: 'created', upsalesId: 1, reason: null });
    const finishedAt = (await store.job(job.id))!.finishedAt!;
    const open = await newJob(store);
    // Jobs finished before it go (those of the tests above); it stays until its retention is over.
    await store.sweep(finishedAt);
    expect(await store.job(job.id)).toBeDefined();
    expect(await store.sweep(finishedAt + 1)).toBe(1);
    expect(await store.job(job.id)).toBeUndefined();
    expect(await store.countRows(job.id, 'skipped')).toBe(0);
    expect(await store.job(open.id)).toBeDefined();
  });
});

describe('a full disk (SQLite)', () => {
  let stores: EngineStores;
  beforeAll(async () => {
    stores = await engineStores('sqlite');
  });
  afterAll(async () => {
    await stores.close();
  });

  it('is StoreFullError, for real: SQLite answers SQLITE_FULL once the file may grow no more', async () => {
    const first = new SqliteJobStore(stores.dataDir);
    const pages = (first.db.pragma('page_count', { simple: true }) as number);
    await first.close();
    const store = new SqliteJobStore(stores.dataDir, { maxPageCount: pages + 20 });
    const job = await newJob(store);
    await expect(store.stage(job.id, records(50_000))).rejects.toBeInstanceOf(StoreFullError);
    // The store still answers, and the job's state can be written.
    await store.setState(job.id, 'FAILED', new StoreFullError().message);
    expect(await store.job(job.id)).toMatchObject({ state: 'FAILED' });
    await store.close();
  });
});
