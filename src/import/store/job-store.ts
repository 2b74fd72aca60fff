/**
 * Import jobs and their rows in SQLite (better-sqlite3), in `DATA_DIR`.
 * Every row's state is durable: staged from the file, marked in flight with
 * its batch (and the batch's send time) before a call, and given its outcome
 * after the answer, each step in one transaction. Credentials are never
 * stored.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ItemKind } from '../../contract/kinds.js';
import { holderAlive, LEASE_HOLDER } from './lease-holder.js';
import { ownerName } from './owner.js';
import type { ImportFormat, ImportOptions, JobRecord, JobState, RowOutcome, RowStatus, SourceInfo } from './types.js';

/** Rows are staged in transactions of this many. */
export const STAGE_CHUNK = 1000;
/** A process's claim on a job (staging or running it) lasts this long unless renewed. */
export const LEASE_MS = 15_000;
/** How often a process renews the lease of a job it stages or runs. */
export const RENEW_MS = LEASE_MS / 3;

/** This process no longer holds the job's lease: another process took the job. */
export class LeaseLostError extends Error {}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, upstream TEXT NOT NULL,
  state TEXT NOT NULL, reason TEXT, format TEXT NOT NULL, options TEXT NOT NULL, source TEXT,
  staged INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
  owner_user_id INTEGER, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  lease TEXT, lease_until INTEGER
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

interface JobRow {
  id: string; kind: string; owner: string; upstream: string; state: string; reason: string | null; format: string;
  options: string; source: string | null; staged: number; total: number; created: number; updated: number; failed: number;
  owner_user_id: number | null; created_at: number; started_at: number | null; finished_at: number | null;
  lease: string | null; lease_until: number | null;
}

const toRecord = (r: JobRow): JobRecord => ({
  id: r.id, kind: r.kind as ItemKind, owner: r.owner, upstream: r.upstream, state: r.state as JobState, reason: r.reason,
  format: r.format as ImportFormat, options: JSON.parse(r.options) as ImportOptions,
  source: r.source ? JSON.parse(r.source) as SourceInfo : null, staged: r.staged === 1, total: r.total,
  created: r.created, updated: r.updated, failed: r.failed, ownerUserId: r.owner_user_id,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
});

export interface StagedRow { rowNo: number; data: string }
export interface SentRow { rowNo: number; sent: Record<string, unknown> }
/** A row in flight: what was sent, and its staged data. */
export interface InflightRow extends SentRow { data: string }
export interface InflightBatch { id: number; op: 'create' | 'update'; sentAt: number; rows: InflightRow[] }
/** The outcome of one row: written (with the Upsales id), failed (with the reason), or back to pending (not written). */
export type RowResult =
  | { rowNo: number; status: 'created' | 'updated'; upstreamId: number }
  | { rowNo: number; status: 'failed'; reason: string; upstreamId?: number | null }
  | { rowNo: number; status: 'pending' };

export class JobStore {
  readonly db: Database.Database;

  /** `onRows`: told of rows as they get their outcome (metrics). */
  constructor(dataDir: string, private readonly onRows?: (kind: string, outcome: 'created' | 'updated' | 'failed', rows: number) => void) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'imports.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit (the in-flight mark before a call above all) survives an OS crash, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** A new job, QUEUED, whose lease this process holds from the start: it stages the rows (renewing the lease), then runs it. */
  createJob(job: { id: string; kind: ItemKind; owner: string; upstream: string; format: ImportFormat; options: ImportOptions; source?: SourceInfo | null }): JobRecord {
    const now = Date.now();
    this.db.prepare(`INSERT INTO jobs (id, kind, owner, upstream, state, format, options, source, created_at, lease, lease_until)
      VALUES (?, ?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?)`).run(
      job.id, job.kind, ownerName(job.owner), job.upstream, job.format, JSON.stringify(job.options),
      job.source ? JSON.stringify(job.source) : null, now, LEASE_HOLDER, now + LEASE_MS);
    return this.job(job.id)!;
  }

  job(id: string): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && toRecord(row);
  }

  jobs(owner?: string): JobRecord[] {
    const rows = owner
      ? this.db.prepare('SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC').all(ownerName(owner))
      : this.db.prepare('SELECT * FROM jobs ORDER BY created_at').all();
    return (rows as JobRow[]).map(toRecord);
  }

  /** Unfinished jobs (not completed, failed or cancelled). */
  openJobs(): JobRecord[] {
    return (this.db.prepare(`SELECT * FROM jobs WHERE state IN ('QUEUED', 'RUNNING', 'PAUSED') ORDER BY created_at`).all() as JobRow[]).map(toRecord);
  }

  /** Jobs completed, failed or cancelled at `since` (epoch ms) or later. */
  finishedSince(since: number): JobRecord[] {
    return (this.db.prepare('SELECT * FROM jobs WHERE finished_at >= ? ORDER BY created_at').all(since) as JobRow[]).map(toRecord);
  }

  setState(id: string, state: JobState, reason: string | null = null): void {
    const now = Date.now();
    this.db.prepare(`UPDATE jobs SET state = ?, reason = ?,
      started_at = CASE WHEN ? = 'RUNNING' THEN COALESCE(started_at, ?) ELSE started_at END,
      finished_at = CASE WHEN ? IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN ? ELSE NULL END
      WHERE id = ?`).run(state, reason, state, now, state, now, id);
  }

  setOwnerUserId(id: string, userId: number): void {
    this.db.prepare('UPDATE jobs SET owner_user_id = ? WHERE id = ?').run(userId, id);
  }

  /**
   * Takes the job for this process unless a live one holds it. `'taken over'`
   * when a process that died held it: its last calls may still count in the
   * upstream's throttle window.
   */
  acquireLease(id: string): false | 'free' | 'taken over' {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT lease, lease_until FROM jobs WHERE id = ?').get(id) as Pick<JobRow, 'lease' | 'lease_until'> | undefined;
      if (!row) return false;
      const free = !row.lease || row.lease === LEASE_HOLDER || (row.lease_until ?? 0) < Date.now() || !holderAlive(row.lease);
      if (!free) return false;
      this.db.prepare('UPDATE jobs SET lease = ?, lease_until = ? WHERE id = ?').run(LEASE_HOLDER, Date.now() + LEASE_MS, id);
      return row.lease && row.lease !== LEASE_HOLDER ? 'taken over' : 'free';
    }).immediate();
  }

  /** Extends this process's lease; false when it no longer holds it (it expired and another process took the job). */
  renewLease(id: string): boolean {
    return this.db.prepare('UPDATE jobs SET lease_until = ? WHERE id = ? AND lease = ?').run(Date.now() + LEASE_MS, id, LEASE_HOLDER).changes === 1;
  }

  /** Whether another live process holds the job's lease now (it runs the job). */
  heldElsewhere(id: string): boolean {
    const row = this.db.prepare('SELECT lease, lease_until FROM jobs WHERE id = ?').get(id) as Pick<JobRow, 'lease' | 'lease_until'> | undefined;
    return Boolean(row?.lease && row.lease !== LEASE_HOLDER && (row.lease_until ?? 0) >= Date.now() && holderAlive(row.lease));
  }

  releaseLease(id: string): void {
    this.db.prepare('UPDATE jobs SET lease = NULL, lease_until = NULL WHERE id = ? AND lease = ?').run(id, LEASE_HOLDER);
  }

  /**
   * Stages records (JSON text each) in transactions of {@link STAGE_CHUNK};
   * returns how many. Memory holds one chunk. This process holds the job's
   * lease throughout: renewed while records are awaited (a slow upload may
   * outlast one), and by each transaction first, which writes nothing unless
   * this process still holds it ({@link LeaseLostError}).
   */
  async stage(id: string, records: AsyncIterable<string>): Promise<number> {
    const renew = setInterval(() => this.renewLease(id), RENEW_MS);
    renew.unref();
    try {
      return await this.stageHeld(id, records);
    } finally {
      clearInterval(renew);
    }
  }

  private async stageHeld(id: string, records: AsyncIterable<string>): Promise<number> {
    const insert = this.db.prepare('INSERT INTO rows (job_id, row_no, data) VALUES (?, ?, ?)');
    const held = (write: () => void) => this.db.transaction(() => {
      if (!this.renewLease(id)) throw new LeaseLostError(`Another process took import job ${id} while its file was read`);
      write();
    }).immediate();
    const flush = (chunk: string[], first: number) => held(() => chunk.forEach((data, i) => insert.run(id, first + i, data)));
    held(() => this.db.prepare('DELETE FROM rows WHERE job_id = ?').run(id));
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
    held(() => this.db.prepare('UPDATE jobs SET staged = 1, total = ? WHERE id = ?').run(count, id));
    return count;
  }

  /** Pending rows after `afterRow`, in row order. */
  pendingRows(id: string, afterRow: number, limit: number): StagedRow[] {
    return this.db.prepare(`SELECT row_no AS rowNo, data FROM rows WHERE job_id = ? AND status = 'pending' AND row_no > ?
      ORDER BY row_no LIMIT ?`).all(id, afterRow, limit) as StagedRow[];
  }

  countRows(id: string, status: RowStatus): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rows WHERE job_id = ? AND status = ?').get(id, status) as { n: number }).n;
  }

  /** Records a batch as sent (before the call): its rows are in flight, with what is sent. */
  markInflight(id: string, op: 'create' | 'update', rows: SentRow[], sentAt = Date.now()): number {
    return this.db.transaction(() => {
      const batchId = Number(this.db.prepare(`INSERT INTO batches (job_id, op, sent_at, state) VALUES (?, ?, ?, 'inflight')`).run(id, op, sentAt).lastInsertRowid);
      const mark = this.db.prepare(`UPDATE rows SET status = 'inflight', batch_id = ?, sent = ? WHERE job_id = ? AND row_no = ?`);
      for (const row of rows) mark.run(batchId, JSON.stringify(row.sent), id, row.rowNo);
      return batchId;
    }).immediate();
  }

  /** Batches sent but without a recorded answer (the process stopped, or the call's outcome was unknown). */
  inflightBatches(id: string): InflightBatch[] {
    const batches = this.db.prepare(`SELECT id, op, sent_at AS sentAt FROM batches WHERE job_id = ? AND state = 'inflight' ORDER BY id`).all(id) as Omit<InflightBatch, 'rows'>[];
    const rows = this.db.prepare(`SELECT row_no AS rowNo, sent, data FROM rows WHERE job_id = ? AND batch_id = ? AND status = 'inflight' ORDER BY row_no`);
    return batches.map((batch) => ({
      ...batch,
      rows: (rows.all(id, batch.id) as { rowNo: number; sent: string; data: string }[])
        .map((r) => ({ rowNo: r.rowNo, sent: JSON.parse(r.sent) as Record<string, unknown>, data: r.data })),
    }));
  }

  /** Records outcomes of rows, and closes the batch when given, in one transaction. */
  record(id: string, results: RowResult[], batchId?: number): void {
    this.db.transaction(() => {
      const set = this.db.prepare(`UPDATE rows SET status = ?, upstream_id = ?, reason = ?, sent = CASE WHEN ? = 'pending' THEN NULL ELSE sent END,
        batch_id = CASE WHEN ? = 'pending' THEN NULL ELSE batch_id END WHERE job_id = ? AND row_no = ?`);
      const counts = { created: 0, updated: 0, failed: 0 };
      for (const r of results) {
        const upstreamId = r.status === 'pending' ? null : r.upstreamId ?? null;
        const reason = r.status === 'failed' ? r.reason : null;
        set.run(r.status, upstreamId, reason, r.status, r.status, id, r.rowNo);
        if (r.status !== 'pending') counts[r.status]++;
      }
      this.db.prepare('UPDATE jobs SET created = created + ?, updated = updated + ?, failed = failed + ? WHERE id = ?')
        .run(counts.created, counts.updated, counts.failed, id);
      if (batchId !== undefined) this.db.prepare(`UPDATE batches SET state = 'done' WHERE id = ?`).run(batchId);
      if (this.onRows) {
        const { kind } = this.db.prepare('SELECT kind FROM jobs WHERE id = ?').get(id) as { kind: string };
        for (const [outcome, rows] of Object.entries(counts) as ['created' | 'updated' | 'failed', number][]) if (rows) this.onRows(kind, outcome, rows);
      }
    }).immediate();
  }

  /** Rows never sent of a cancelled job. */
  skipPending(id: string): void {
    this.db.prepare(`UPDATE rows SET status = 'skipped', reason = 'The import was cancelled' WHERE job_id = ? AND status = 'pending'`).run(id);
  }

  /** Which of these Upsales ids some row of the job already holds. */
  knownIds(id: string, upstreamIds: number[]): Set<number> {
    if (upstreamIds.length === 0) return new Set();
    const found = this.db.prepare(`SELECT upstream_id AS u FROM rows WHERE job_id = ? AND upstream_id IN (SELECT value FROM json_each(?))`)
      .all(id, JSON.stringify(upstreamIds)) as { u: number }[];
    return new Set(found.map((r) => r.u));
  }

  /** Every row's outcome, in row order, read a page at a time (the connection stays free between pages). */
  *outcomes(id: string, pageSize = 1000): Generator<RowOutcome> {
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

  /** Failed rows, first ones first. */
  failures(id: string, limit: number): RowOutcome[] {
    return this.db.prepare(`SELECT row_no AS row, status AS outcome, upstream_id AS upsalesId, reason FROM rows
      WHERE job_id = ? AND status = 'failed' ORDER BY row_no LIMIT ?`).all(id, limit) as RowOutcome[];
  }
}
