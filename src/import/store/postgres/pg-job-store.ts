/**
 * The job store in PostgreSQL (`DATABASE_URL`, the `pg` driver): every
 * replica with the same database sees every job, and any of them may run
 * one. Leases are plain rows: a process takes a job's lease in a transaction
 * that locks the job's row `FOR UPDATE SKIP LOCKED` (a replica taking it at
 * the same moment skips it instead of waiting), and only when no live
 * process holds it; lease times are the database's clock, so replicas'
 * clocks need not agree. Each taking raises the lease generation, and every
 * write of a runner checks it in its own transaction (job-store.ts).
 *
 * Staged rows stream in with COPY (pg-copy-streams), a chunk per
 * transaction, so memory holds one chunk. A full disk (53100) is
 * {@link StoreFullError}; a database that cannot be reached (restarting,
 * network cut) is {@link StoreUnavailableError}: runners stop and go on once
 * it answers, and nothing else of the gateway depends on it.
 */
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  DEFAULT_LEASE_MS, LeaseLostError, StagedRowsLimitError, StoreFullError, StoreUnavailableError,
  type InflightBatch, type JobStore, type NewJob, type OnRows, type RowResult, type SentRow, type StagedRow, type StagedRowLimits, type Taken,
} from '../job-store.js';
import { CLEAR_CHUNK, OPEN_STATES, outcomeCounts, toRecord, type JobRow } from '../job-row.js';
import { holderAlive, LEASE_HOLDER } from '../lease-holder.js';
import { ownerName } from '../owner.js';
import type { JobRecord, JobState, RowOutcome, RowStatus } from '../types.js';

/** Rows per COPY (one transaction each). */
export const COPY_CHUNK = 5000;

/** The database's clock, in epoch ms. */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const OPEN = `(${OPEN_STATES.map((s) => `'${s}'`).join(', ')})`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS import_jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, upstream TEXT NOT NULL,
  state TEXT NOT NULL, reason TEXT, format TEXT NOT NULL, options TEXT NOT NULL, source TEXT,
  staged BOOLEAN NOT NULL DEFAULT false, total BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL DEFAULT 0, updated BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0,
  owner_user_id BIGINT, created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT,
  lease TEXT, lease_until BIGINT, lease_gen BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS import_jobs_by_owner ON import_jobs (owner, created_at);
CREATE INDEX IF NOT EXISTS import_jobs_by_state ON import_jobs (state);
CREATE TABLE IF NOT EXISTS import_rows (
  job_id TEXT NOT NULL, row_no INTEGER NOT NULL, data TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', batch_id BIGINT, upstream_id BIGINT, reason TEXT, sent TEXT,
  PRIMARY KEY (job_id, row_no)
);
CREATE INDEX IF NOT EXISTS import_rows_by_status ON import_rows (job_id, status, row_no);
CREATE TABLE IF NOT EXISTS import_batches (
  id BIGSERIAL PRIMARY KEY, job_id TEXT NOT NULL, op TEXT NOT NULL, sent_at BIGINT NOT NULL, state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS import_batches_by_job ON import_batches (job_id, state);
`;

/** int8 (counts, epoch ms, ids) as numbers: every value the store keeps fits. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

/** SQLSTATEs of a server that is going away or not yet there. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** A driver or server error as the store names it: full disk, unreachable, or unchanged. */
export function mapped(error: unknown): unknown {
  if (error instanceof LeaseLostError || error instanceof StagedRowsLimitError) return error;
  const { code, severity } = error as { code?: string; severity?: string };
  if (code === '53100') return new StoreFullError();
  if (code && (code.startsWith('08') || UNAVAILABLE_STATES.has(code))) return new StoreUnavailableError(error);
  // No SQLSTATE from a server: the connection failed (refused, reset, timed out, terminated).
  if (!severity && error instanceof Error) return new StoreUnavailableError(error);
  return error;
}

/** A value for COPY's text format. */
const copyText = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');

export interface PgJobStoreOptions {
  databaseUrl: string;
  onRows?: OnRows;
  /** IMPORT_LEASE_MS. @default 15000 */
  leaseMs?: number;
  /** Connections to the database. @default 10 */
  maxConnections?: number;
}

export class PgJobStore implements JobStore {
  readonly shared = true;
  readonly leaseMs: number;
  private readonly pool: pg.Pool;
  private readonly onRows?: OnRows;
  /** The lease generation this store took, per job it holds. */
  private readonly held = new Map<string, number>();

  private constructor(options: PgJobStoreOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.onRows = options.onRows;
    this.pool = new pg.Pool({
      connectionString: options.databaseUrl, max: options.maxConnections ?? 10, types: TYPES,
      // A database that does not answer fails the call (StoreUnavailableError) rather than holding it.
      connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, keepAlive: true,
      // A process stopped (or cut off) inside a transaction holds the job's row lock: the server ends that transaction well within a lease.
      idle_in_transaction_session_timeout: Math.max(1000, Math.floor(this.leaseMs / 2)),
    });
    // An idle connection the server closed (a restart): the next query connects again, or reports it.
    this.pool.on('error', () => undefined);
  }

  /** Connects and creates the tables if they are not there (one replica at a time: an advisory lock). */
  static async open(options: PgJobStoreOptions): Promise<PgJobStore> {
    const store = new PgJobStore(options);
    try {
      await store.tx(async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('upsales-graphql import schema'))`);
        await client.query(SCHEMA);
      });
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw mapped(error);
    }
  }

  private async tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw mapped(error);
    }
    let broken = false;
    // A connection the server cuts between this transaction's statements is reported here, not as an uncaught 'error' (the next statement fails).
    const cut = () => { broken = true; };
    client.on('error', cut);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw mapped(error);
    } finally {
      client.off('error', cut);
      client.release(broken);
    }
  }

  /** Runs `work` in one transaction that first checks (and renews) this store's lease of the job; the job's row stays locked until it commits. */
  private fenced<T>(id: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.tx(async (client) => {
      if (!await this.renewWith(client, id)) throw new LeaseLostError(`Another process took import job ${id}`);
      return work(client);
    });
  }

  private async renewWith(client: pg.Pool | pg.PoolClient, id: string): Promise<boolean> {
    const gen = this.held.get(id);
    if (gen === undefined) return false;
    const result = await client.query(`UPDATE import_jobs SET lease_until = ${NOW_MS} + $4 WHERE id = $1 AND lease = $2 AND lease_gen = $3`, [id, LEASE_HOLDER, gen, this.leaseMs]);
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const [row] = await this.q<JobRow>(`INSERT INTO import_jobs (id, kind, owner, upstream, state, format, options, source, created_at, lease, lease_until, lease_gen)
      VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6, $7, $8, $9, ${NOW_MS} + $10, 1) RETURNING *`, [
      job.id, job.kind, ownerName(job.owner), job.upstream, job.format, JSON.stringify(job.options),
      job.source ? JSON.stringify(job.source) : null, Date.now(), LEASE_HOLDER, this.leaseMs]);
    this.held.set(job.id, 1);
    return toRecord(row);
  }

  async job(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.q<JobRow>('SELECT * FROM import_jobs WHERE id = $1', [id]);
    return row && toRecord(row);
  }

  async jobs(owner?: string): Promise<JobRecord[]> {
    const rows = owner
      ? await this.q<JobRow>('SELECT * FROM import_jobs WHERE owner = $1 ORDER BY created_at DESC', [ownerName(owner)])
      : await this.q<JobRow>('SELECT * FROM import_jobs ORDER BY created_at');
    return rows.map(toRecord);
  }

  async openJobs(): Promise<JobRecord[]> {
    return (await this.q<JobRow>(`SELECT * FROM import_jobs WHERE state IN ${OPEN} ORDER BY created_at`)).map(toRecord);
  }

  async finishedSince(since: number): Promise<JobRecord[]> {
    return (await this.q<JobRow>('SELECT * FROM import_jobs WHERE finished_at >= $1 ORDER BY created_at', [since])).map(toRecord);
  }

  async setState(id: string, state: JobState, reason: string | null = null): Promise<void> {
    await this.q(`UPDATE import_jobs SET state = $1, reason = $2,
      started_at = CASE WHEN $1 = 'RUNNING' THEN COALESCE(started_at, $3) ELSE started_at END,
      finished_at = CASE WHEN $1 IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN $3 ELSE NULL END
      WHERE id = $4`, [state, reason, Date.now(), id]);
    if ((OPEN_STATES as readonly string[]).includes(state)) return;
    // A finished job's staged data goes, a chunk of rows per statement; the outcomes stay.
    const [{ n }] = await this.q<{ n: number }>('SELECT COALESCE(MAX(row_no), 0) AS n FROM import_rows WHERE job_id = $1', [id]);
    for (let from = 0; from < n; from += CLEAR_CHUNK) {
      await this.q(`UPDATE import_rows SET data = '', sent = NULL WHERE job_id = $1 AND row_no > $2 AND row_no <= $3 AND data <> ''`, [id, from, from + CLEAR_CHUNK]);
    }
  }

  async setOwnerUserId(id: string, userId: number): Promise<void> {
    await this.q('UPDATE import_jobs SET owner_user_id = $1 WHERE id = $2', [userId, id]);
  }

  async acquireLease(id: string): Promise<Taken> {
    return this.tx(async (client): Promise<Taken> => {
      // Locked by a replica taking it (or writing under it) right now: skipped, not waited for.
      const { rows: [row] } = await client.query<{ lease: string | null; lease_until: number | null; now: number }>(
        `SELECT lease, lease_until, ${NOW_MS} AS now FROM import_jobs WHERE id = $1 FOR UPDATE SKIP LOCKED`, [id]);
      if (!row) return false;
      const free = !row.lease || row.lease === LEASE_HOLDER || (row.lease_until ?? 0) < row.now || !holderAlive(row.lease);
      if (!free) return false;
      const { rows: [{ gen }] } = await client.query<{ gen: number }>(
        `UPDATE import_jobs SET lease = $1, lease_until = ${NOW_MS} + $2, lease_gen = lease_gen + 1 WHERE id = $3 RETURNING lease_gen AS gen`,
        [LEASE_HOLDER, this.leaseMs, id]);
      this.held.set(id, gen);
      return row.lease && row.lease !== LEASE_HOLDER ? 'taken over' : 'free';
    });
  }

  async renewLease(id: string): Promise<boolean> {
    try {
      return await this.renewWith(this.pool, id);
    } catch (error) {
      throw mapped(error);
    }
  }

  async heldElsewhere(id: string): Promise<boolean> {
    const [row] = await this.q<{ lease: string | null; live: boolean }>(`SELECT lease, lease_until >= ${NOW_MS} AS live FROM import_jobs WHERE id = $1`, [id]);
    return Boolean(row?.lease && row.lease !== LEASE_HOLDER && row.live && holderAlive(row.lease));
  }

  async releaseLease(id: string): Promise<void> {
    const gen = this.held.get(id);
    this.held.delete(id);
    if (gen !== undefined) await this.q('UPDATE import_jobs SET lease = NULL, lease_until = NULL WHERE id = $1 AND lease = $2 AND lease_gen = $3', [id, LEASE_HOLDER, gen]);
  }

  async stage(id: string, records: AsyncIterable<string>, limits?: StagedRowLimits): Promise<number> {
    const renew = setInterval(() => void this.renewLease(id).catch(() => undefined), this.leaseMs / 3);
    renew.unref();
    try {
      await this.fenced(id, async (client) => {
        await client.query('DELETE FROM import_rows WHERE job_id = $1', [id]);
        await client.query('UPDATE import_jobs SET total = 0 WHERE id = $1', [id]);
      });
      let count = 0;
      let chunk: string[] = [];
      for await (const data of records) {
        chunk.push(data);
        if (chunk.length >= COPY_CHUNK) {
          await this.copyChunk(id, chunk, count + 1, limits);
          count += chunk.length;
          chunk = [];
        }
      }
      await this.copyChunk(id, chunk, count + 1, limits);
      count += chunk.length;
      await this.fenced(id, (client) => client.query('UPDATE import_jobs SET staged = true, total = $2 WHERE id = $1', [id, count]));
      return count;
    } finally {
      clearInterval(renew);
    }
  }

  /** One chunk of rows, COPYed in one transaction under the lease and within the bounds. */
  private async copyChunk(id: string, chunk: string[], first: number, limits?: StagedRowLimits): Promise<void> {
    if (chunk.length === 0) return;
    await this.fenced(id, async (client) => {
      if (limits) {
        const { rows: [used] } = await client.query<{ mine: number; all: number }>(`SELECT
          COALESCE(SUM(total) FILTER (WHERE owner = (SELECT owner FROM import_jobs WHERE id = $1)), 0)::bigint AS mine, COALESCE(SUM(total), 0)::bigint AS "all"
          FROM import_jobs WHERE state IN ${OPEN}`, [id]);
        if (used.mine + chunk.length > limits.perUser) throw new StagedRowsLimitError('user', limits.perUser);
        if (used.all + chunk.length > limits.all) throw new StagedRowsLimitError('all', limits.all);
      }
      const copy = client.query(copyFrom('COPY import_rows (job_id, row_no, data) FROM STDIN'));
      const done = new Promise<void>((resolve, reject) => {
        copy.once('finish', resolve);
        copy.once('error', reject);
      });
      let text = '';
      for (let i = 0; i < chunk.length; i++) {
        text += `${id}\t${first + i}\t${copyText(chunk[i])}\n`;
        if (text.length >= 65_536) {
          if (!copy.write(text)) await Promise.race([once(copy, 'drain'), done]);
          text = '';
        }
      }
      copy.end(text);
      await done;
      await client.query('UPDATE import_jobs SET total = total + $2 WHERE id = $1', [id, chunk.length]);
    });
  }

  async pendingRows(id: string, afterRow: number, limit: number): Promise<StagedRow[]> {
    return this.q<StagedRow>(`SELECT row_no AS "rowNo", data FROM import_rows WHERE job_id = $1 AND status = 'pending' AND row_no > $2
      ORDER BY row_no LIMIT $3`, [id, afterRow, limit]);
  }

  async countRows(id: string, status: RowStatus): Promise<number> {
    const [{ n }] = await this.q<{ n: number }>('SELECT COUNT(*) AS n FROM import_rows WHERE job_id = $1 AND status = $2', [id, status]);
    return n;
  }

  async markInflight(id: string, op: 'create' | 'update', rows: SentRow[], sentAt = Date.now()): Promise<number> {
    return this.fenced(id, async (client) => {
      const { rows: [{ id: batchId }] } = await client.query<{ id: number }>(
        `INSERT INTO import_batches (job_id, op, sent_at, state) VALUES ($1, $2, $3, 'inflight') RETURNING id`, [id, op, sentAt]);
      await client.query(`UPDATE import_rows r SET status = 'inflight', batch_id = $2, sent = s.sent
        FROM unnest($3::int[], $4::text[]) AS s(row_no, sent) WHERE r.job_id = $1 AND r.row_no = s.row_no`,
      [id, batchId, rows.map((r) => r.rowNo), rows.map((r) => JSON.stringify(r.sent))]);
      return batchId;
    });
  }

  async inflightBatches(id: string): Promise<InflightBatch[]> {
    const batches = await this.q<Omit<InflightBatch, 'rows'>>(
      `SELECT id, op, sent_at AS "sentAt" FROM import_batches WHERE job_id = $1 AND state = 'inflight' ORDER BY id`, [id]);
    if (batches.length === 0) return [];
    const rows = await this.q<{ batch: number; rowNo: number; sent: string; data: string }>(
      `SELECT batch_id AS batch, row_no AS "rowNo", sent, data FROM import_rows WHERE job_id = $1 AND batch_id = ANY($2::bigint[]) AND status = 'inflight' ORDER BY row_no`,
      [id, batches.map((b) => b.id)]);
    return batches.map((batch) => ({
      ...batch,
      rows: rows.filter((r) => r.batch === batch.id).map((r) => ({ rowNo: r.rowNo, sent: JSON.parse(r.sent) as Record<string, unknown>, data: r.data })),
    }));
  }

  async record(id: string, results: RowResult[], batchId?: number): Promise<void> {
    const counts = outcomeCounts(results);
    const kind = await this.fenced(id, async (client) => {
      if (results.length) {
        await client.query(`UPDATE import_rows r SET status = s.status, upstream_id = s.upstream_id, reason = s.reason,
          sent = CASE WHEN s.status = 'pending' THEN NULL ELSE r.sent END, batch_id = CASE WHEN s.status = 'pending' THEN NULL ELSE r.batch_id END
          FROM unnest($2::int[], $3::text[], $4::bigint[], $5::text[]) AS s(row_no, status, upstream_id, reason)
          WHERE r.job_id = $1 AND r.row_no = s.row_no`, [id,
          results.map((r) => r.rowNo), results.map((r) => r.status),
          results.map((r) => (r.status === 'pending' ? null : r.upstreamId ?? null)), results.map((r) => (r.status === 'failed' ? r.reason : null))]);
      }
      const { rows: [job] } = await client.query<{ kind: string }>(
        'UPDATE import_jobs SET created = created + $2, updated = updated + $3, failed = failed + $4 WHERE id = $1 RETURNING kind',
        [id, counts.created, counts.updated, counts.failed]);
      if (batchId !== undefined) await client.query(`UPDATE import_batches SET state = 'done' WHERE id = $1`, [batchId]);
      return job.kind;
    });
    if (this.onRows) for (const [outcome, rows] of Object.entries(counts) as ['created' | 'updated' | 'failed', number][]) if (rows) this.onRows(kind, outcome, rows);
  }

  async skipPending(id: string): Promise<void> {
    await this.q(`UPDATE import_rows SET status = 'skipped', reason = 'The import was cancelled' WHERE job_id = $1 AND status = 'pending'`, [id]);
  }

  async knownIds(id: string, upstreamIds: number[]): Promise<Set<number>> {
    if (upstreamIds.length === 0) return new Set();
    const found = await this.q<{ u: number }>('SELECT upstream_id AS u FROM import_rows WHERE job_id = $1 AND upstream_id = ANY($2::bigint[])', [id, upstreamIds]);
    return new Set(found.map((r) => r.u));
  }

  async *outcomes(id: string, pageSize = 1000): AsyncGenerator<RowOutcome> {
    let after = 0;
    for (;;) {
      const rows = await this.q<RowOutcome>(`SELECT row_no AS row, status AS outcome, upstream_id AS "upsalesId", reason FROM import_rows
        WHERE job_id = $1 AND row_no > $2 ORDER BY row_no LIMIT $3`, [id, after, pageSize]);
      yield* rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].row;
    }
  }

  async failures(id: string, limit: number): Promise<RowOutcome[]> {
    return this.q<RowOutcome>(`SELECT row_no AS row, status AS outcome, upstream_id AS "upsalesId", reason FROM import_rows
      WHERE job_id = $1 AND status = 'failed' ORDER BY row_no LIMIT $2`, [id, limit]);
  }

  async sweep(before: number): Promise<number> {
    const old = await this.q<{ id: string }>(`SELECT id FROM import_jobs WHERE state NOT IN ${OPEN} AND finished_at < $1`, [before]);
    for (const { id } of old) {
      await this.tx(async (client) => {
        await client.query('DELETE FROM import_rows WHERE job_id = $1', [id]);
        await client.query('DELETE FROM import_batches WHERE job_id = $1', [id]);
        await client.query('DELETE FROM import_jobs WHERE id = $1', [id]);
      });
    }
    return old.length;
  }
}
