/**
 * The job store in SQLite (better-sqlite3), in `DATA_DIR`: the embedded
 * default, for one process or several on one host sharing the directory.
 * Every row's state is durable: staged from the file, marked in flight with
 * its batch (and the batch's send time) before a call, and given its outcome
 * after the answer, each step in one transaction. Credentials are never
 * stored. The calls are synchronous underneath; the interface is async
 * (job-store.ts) so that the PostgreSQL engine fits it too.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DEFAULT_LEASE_MS, LeaseLostError, STAGE_CHUNK, StagedRowsLimitError, StoreFullError,
  type InflightBatch, type JobStore, type NewJob, type OnRows, type RowResult, type SentRow, type StagedRow, type StagedRowLimits, type Taken,
} from '../job-store.js';
import { CLEAR_CHUNK, OPEN_STATES, outcomeCounts, toRecord, type JobRow } from '../job-row.js';
import { holderAlive, LEASE_HOLDER } from '../lease-holder.js';
import { ownerName } from '../owner.js';
import type { JobRecord, JobState, RowOutcome, RowStatus } from '../types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, upstream TEXT NOT NULL,
  state TEXT NOT NULL, reason TEXT, format TEXT NOT NULL, options TEXT NOT NULL, source TEXT,
  staged INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
  owner_user_id INTEGER, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  lease TEXT, lease_until INTEGER, lease_gen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rows (
  job_id TEXT NOT NULL, row_no INTEGER NOT NULL, data TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', batch_id INTEGER, upstream_id INTEGER, reason TEXT, sent TEXT,
  PRIMARY KEY (job_id, row_no)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rows_by_status ON rows (job_id, status, row_no);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, op TEXT NOT NULL, sent_at INTEGER NOT NULL, state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_by_job ON batches (job_id, state);
`;

const OPEN = `(${OPEN_STATES.map((s) => `'${s}'`).join(', ')})`;

export interface SqliteJobStoreOptions {
  onRows?: OnRows;
  /** IMPORT_LEASE_MS. @default 15000 */
  leaseMs?: number;
  /** `PRAGMA max_page_count`: the most pages the file may grow to (tests make the disk "full" with it). */
  maxPageCount?: number;
}

/** A disk-full error as the store names it; others unchanged. */
function mapped(error: unknown): unknown {
  return (error as { code?: string }).code === 'SQLITE_FULL' ? new StoreFullError() : error;
}

export class SqliteJobStore implements JobStore {
  readonly db: Database.Database;
  readonly shared = false;
  readonly leaseMs: number;
  private readonly onRows?: OnRows;
  /** The lease generation this store took, per job it holds. */
  private readonly held = new Map<string, number>();

  constructor(dataDir: string, options: SqliteJobStoreOptions | OnRows = {}) {
    const { onRows, leaseMs = DEFAULT_LEASE_MS, maxPageCount } = typeof options === 'function' ? { onRows: options } : options;
    this.onRows = onRows;
    this.leaseMs = leaseMs;
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'imports.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit (the in-flight mark before a call above all) survives an OS crash, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // A DATA_DIR from before lease generations.
    if (!(this.db.pragma('table_info(jobs)') as { name: string }[]).some((c) => c.name === 'lease_gen')) {
      this.db.exec('ALTER TABLE jobs ADD COLUMN lease_gen INTEGER NOT NULL DEFAULT 0');
    }
    if (maxPageCount) this.db.pragma(`max_page_count = ${Math.floor(maxPageCount)}`);
  }

  /** Runs a write, naming a full disk as such. */
  private write<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw mapped(error);
    }
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const now = Date.now();
    this.write(() => this.db.prepare(`INSERT INTO jobs (id, kind, owner, upstream, state, format, options, source, created_at, lease, lease_until, lease_gen)
      VALUES (?, ?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?, 1)`).run(
      job.id, job.kind, ownerName(job.owner), job.upstream, job.format, JSON.stringify(job.options),
      job.source ? JSON.stringify(job.source) : null, now, LEASE_HOLDER, now + this.leaseMs));
    this.held.set(job.id, 1);
    return this.jobNow(job.id)!;
  }

  private jobNow(id: string): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && toRecord(row);
  }

  async job(id: string): Promise<JobRecord | undefined> {
    return this.jobNow(id);
  }

  async jobs(owner?: string): Promise<JobRecord[]> {
    const rows = owner
      ? this.db.prepare('SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC').all(ownerName(owner))
      : this.db.prepare('SELECT * FROM jobs ORDER BY created_at').all();
    return (rows as JobRow[]).map(toRecord);
  }

  async openJobs(): Promise<JobRecord[]> {
    return (this.db.prepare(`SELECT * FROM jobs WHERE state IN ${OPEN} ORDER BY created_at`).all() as JobRow[]).map(toRecord);
  }

  async finishedSince(since: number): Promise<JobRecord[]> {
    return (this.db.prepare('SELECT * FROM jobs WHERE finished_at >= ? ORDER BY created_at').all(since) as JobRow[]).map(toRecord);
  }

  async setState(id: string, state: JobState, reason: string | null = null): Promise<void> {
    const now = Date.now();
    this.write(() => this.db.prepare(`UPDATE jobs SET state = ?, reason = ?,
      started_at = CASE WHEN ? = 'RUNNING' THEN COALESCE(started_at, ?) ELSE started_at END,
      finished_at = CASE WHEN ? IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN ? ELSE NULL END
      WHERE id = ?`).run(state, reason, state, now, state, now, id));
    if (!(OPEN_STATES as readonly string[]).includes(state)) await this.clearStaged(id);
  }

  /** Drops a finished job's staged data (and what its batches sent), a chunk of rows per transaction; the outcomes stay. */
  private async clearStaged(id: string): Promise<void> {
    const { n } = this.db.prepare('SELECT COALESCE(MAX(row_no), 0) AS n FROM rows WHERE job_id = ?').get(id) as { n: number };
    const clear = this.db.prepare(`UPDATE rows SET data = '', sent = NULL WHERE job_id = ? AND row_no > ? AND row_no <= ?`);
    for (let from = 0; from < n; from += CLEAR_CHUNK) {
      this.write(() => clear.run(id, from, from + CLEAR_CHUNK));
      // Lets requests in between.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async setOwnerUserId(id: string, userId: number): Promise<void> {
    this.write(() => this.db.prepare('UPDATE jobs SET owner_user_id = ? WHERE id = ?').run(userId, id));
  }

  async acquireLease(id: string): Promise<Taken> {
    return this.write(() => this.db.transaction((): Taken => {
      const row = this.db.prepare('SELECT lease, lease_until FROM jobs WHERE id = ?').get(id) as Pick<JobRow, 'lease' | 'lease_until'> | undefined;
      if (!row) return false;
      const free = !row.lease || row.lease === LEASE_HOLDER || (row.lease_until ?? 0) < Date.now() || !holderAlive(row.lease);
      if (!free) return false;
      const { gen } = this.db.prepare('UPDATE jobs SET lease = ?, lease_until = ?, lease_gen = lease_gen + 1 WHERE id = ? RETURNING lease_gen AS gen')
        .get(LEASE_HOLDER, Date.now() + this.leaseMs, id) as { gen: number };
      this.held.set(id, gen);
      return row.lease && row.lease !== LEASE_HOLDER ? 'taken over' : 'free';
    }).immediate());
  }

  /** Renews the lease this store holds (same generation); false when another process took it. */
  private renewNow(id: string): boolean {
    const gen = this.held.get(id);
    if (gen === undefined) return false;
    return this.db.prepare('UPDATE jobs SET lease_until = ? WHERE id = ? AND lease = ? AND lease_gen = ?').run(Date.now() + this.leaseMs, id, LEASE_HOLDER, gen).changes === 1;
  }

  async renewLease(id: string): Promise<boolean> {
    return this.write(() => this.renewNow(id));
  }

  /** Runs `work` in one transaction that first checks (and renews) this store's lease of the job. */
  private fenced<T>(id: string, work: () => T): T {
    return this.write(() => this.db.transaction(() => {
      if (!this.renewNow(id)) throw new LeaseLostError(`Another process took import job ${id}`);
      return work();
    }).immediate());
  }

  async heldElsewhere(id: string): Promise<boolean> {
    const row = this.db.prepare('SELECT lease, lease_until FROM jobs WHERE id = ?').get(id) as Pick<JobRow, 'lease' | 'lease_until'> | undefined;
    return Boolean(row?.lease && row.lease !== LEASE_HOLDER && (row.lease_until ?? 0) >= Date.now() && holderAlive(row.lease));
  }

  async releaseLease(id: string): Promise<void> {
    const gen = this.held.get(id);
    this.held.delete(id);
    if (gen !== undefined) this.write(() => this.db.prepare('UPDATE jobs SET lease = NULL, lease_until = NULL WHERE id = ? AND lease = ? AND lease_gen = ?').run(id, LEASE_HOLDER, gen));
  }

  async stage(id: string, records: AsyncIterable<string>, limits?: StagedRowLimits): Promise<number> {
    const renew = setInterval(() => {
      try {
        this.renewNow(id);
      } catch {
        // The next chunk's transaction reports it.
      }
    }, this.leaseMs / 3);
    renew.unref();
    try {
      return await this.stageHeld(id, records, limits);
    } finally {
      clearInterval(renew);
    }
  }

  /** Throws {@link StagedRowsLimitError} when `more` rows would pass a bound. */
  private checkLimits(id: string, more: number, limits?: StagedRowLimits): void {
    if (!limits) return;
    const { owner } = this.db.prepare('SELECT owner FROM jobs WHERE id = ?').get(id) as { owner: string };
    const { mine, all } = this.db.prepare(`SELECT COALESCE(SUM(CASE WHEN owner = ? THEN total END), 0) AS mine, COALESCE(SUM(total), 0) AS "all"
      FROM jobs WHERE state IN ${OPEN}`).get(owner) as { mine: number; all: number };
    if (mine + more > limits.perUser) throw new StagedRowsLimitError('user', limits.perUser);
    if (all + more > limits.all) throw new StagedRowsLimitError('all', limits.all);
  }

  private async stageHeld(id: string, records: AsyncIterable<string>, limits?: StagedRowLimits): Promise<number> {
    const insert = this.db.prepare('INSERT INTO rows (job_id, row_no, data) VALUES (?, ?, ?)');
    const grow = this.db.prepare('UPDATE jobs SET total = total + ? WHERE id = ?');
    const flush = (chunk: string[], first: number) => this.fenced(id, () => {
      this.checkLimits(id, chunk.length, limits);
      chunk.forEach((data, i) => insert.run(id, first + i, data));
      grow.run(chunk.length, id);
    });
    this.fenced(id, () => {
      this.db.prepare('DELETE FROM rows WHERE job_id = ?').run(id);
      this.db.prepare('UPDATE jobs SET total = 0 WHERE id = ?').run(id);
    });
    let count = 0;
    let chunk: string[] = [];
    for await (const data of records) {
      chunk.push(data);
      if (chunk.length >= STAGE_CHUNK) {
        flush(chunk, count + 1);
        count += chunk.length;
        chunk = [];
      }
    }
    flush(chunk, count + 1);
    count += chunk.length;
    this.fenced(id, () => this.db.prepare('UPDATE jobs SET staged = 1, total = ? WHERE id = ?').run(count, id));
    return count;
  }

  async pendingRows(id: string, afterRow: number, limit: number): Promise<StagedRow[]> {
    return this.db.prepare(`SELECT row_no AS rowNo, data FROM rows WHERE job_id = ? AND status = 'pending' AND row_no > ?
      ORDER BY row_no LIMIT ?`).all(id, afterRow, limit) as StagedRow[];
  }

  async countRows(id: string, status: RowStatus): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rows WHERE job_id = ? AND status = ?').get(id, status) as { n: number }).n;
  }

  async markInflight(id: string, op: 'create' | 'update', rows: SentRow[], sentAt = Date.now()): Promise<number> {
    return this.fenced(id, () => {
      const batchId = Number(this.db.prepare(`INSERT INTO batches (job_id, op, sent_at, state) VALUES (?, ?, ?, 'inflight')`).run(id, op, sentAt).lastInsertRowid);
      const mark = this.db.prepare(`UPDATE rows SET status = 'inflight', batch_id = ?, sent = ? WHERE job_id = ? AND row_no = ?`);
      for (const row of rows) mark.run(batchId, JSON.stringify(row.sent), id, row.rowNo);
      return batchId;
    });
  }

  async inflightBatches(id: string): Promise<InflightBatch[]> {
    const batches = this.db.prepare(`SELECT id, op, sent_at AS sentAt FROM batches WHERE job_id = ? AND state = 'inflight' ORDER BY id`).all(id) as Omit<InflightBatch, 'rows'>[];
    const rows = this.db.prepare(`SELECT row_no AS rowNo, sent, data FROM rows WHERE job_id = ? AND batch_id = ? AND status = 'inflight' ORDER BY row_no`);
    return batches.map((batch) => ({
      ...batch,
      rows: (rows.all(id, batch.id) as { rowNo: number; sent: string; data: string }[])
        .map((r) => ({ rowNo: r.rowNo, sent: JSON.parse(r.sent) as Record<string, unknown>, data: r.data })),
    }));
  }

  async record(id: string, results: RowResult[], batchId?: number): Promise<void> {
    const counts = outcomeCounts(results);
    const kind = this.fenced(id, () => {
      const set = this.db.prepare(`UPDATE rows SET status = ?, upstream_id = ?, reason = ?, sent = CASE WHEN ? = 'pending' THEN NULL ELSE sent END,
        batch_id = CASE WHEN ? = 'pending' THEN NULL ELSE batch_id END WHERE job_id = ? AND row_no = ?`);
      for (const r of results) {
        const upstreamId = r.status === 'pending' ? null : r.upstreamId ?? null;
        const reason = r.status === 'failed' ? r.reason : null;
        set.run(r.status, upstreamId, reason, r.status, r.status, id, r.rowNo);
      }
      this.db.prepare('UPDATE jobs SET created = created + ?, updated = updated + ?, failed = failed + ? WHERE id = ?')
        .run(counts.created, counts.updated, counts.failed, id);
      if (batchId !== undefined) this.db.prepare(`UPDATE batches SET state = 'done' WHERE id = ?`).run(batchId);
      return (this.db.prepare('SELECT kind FROM jobs WHERE id = ?').get(id) as { kind: string }).kind;
    });
    if (this.onRows) for (const [outcome, rows] of Object.entries(counts) as ['created' | 'updated' | 'failed', number][]) if (rows) this.onRows(kind, outcome, rows);
  }

  async skipPending(id: string): Promise<void> {
    this.write(() => this.db.prepare(`UPDATE rows SET status = 'skipped', reason = 'The import was cancelled' WHERE job_id = ? AND status = 'pending'`).run(id));
  }

  async knownIds(id: string, upstreamIds: number[]): Promise<Set<number>> {
    if (upstreamIds.length === 0) return new Set();
    const found = this.db.prepare(`SELECT upstream_id AS u FROM rows WHERE job_id = ? AND upstream_id IN (SELECT value FROM json_each(?))`)
      .all(id, JSON.stringify(upstreamIds)) as { u: number }[];
    return new Set(found.map((r) => r.u));
  }

  async *outcomes(id: string, pageSize = 1000): AsyncGenerator<RowOutcome> {
    const page = this.db.prepare(`SELECT row_no AS row, status AS outcome, upstream_id AS upsalesId, reason FROM rows
      WHERE job_id = ? AND row_no > ? ORDER BY row_no LIMIT ?`);
    let after = 0;
    for (;;) {
      const rows = page.all(id, after, pageSize) as RowOutcome[];
      yield* rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].row;
    }
  }

  async failures(id: string, limit: number): Promise<RowOutcome[]> {
    return this.db.prepare(`SELECT row_no AS row, status AS outcome, upstream_id AS upsalesId, reason FROM rows
      WHERE job_id = ? AND status = 'failed' ORDER BY row_no LIMIT ?`).all(id, limit) as RowOutcome[];
  }

  async sweep(before: number): Promise<number> {
    const old = this.db.prepare(`SELECT id FROM jobs WHERE state NOT IN ${OPEN} AND finished_at < ?`).all(before) as { id: string }[];
    for (const { id } of old) {
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM rows WHERE job_id = ?').run(id);
        this.db.prepare('DELETE FROM batches WHERE job_id = ?').run(id);
        this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
      }).immediate();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return old.length;
  }
}
