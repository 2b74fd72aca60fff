/**
 * The job store: import jobs, their staged rows, row states, batches in
 * flight, results and leases. One interface, two engines chosen once at
 * start-up (engine/open-job-store.ts): SQLite in `DATA_DIR` (the embedded
 * default) and PostgreSQL (`DATABASE_URL`, shared by every replica). The job
 * logic (src/import/jobs) knows only this interface.
 *
 * Leases and fencing: a process runs (or stages) a job only while it holds
 * the job's lease; each taking of a lease raises the job's lease generation,
 * and the store remembers the generation it took. Every write a runner makes
 * for a job (a staged chunk, a batch marked in flight, a batch's outcomes)
 * checks that generation in its own transaction: a process whose lease was
 * taken by another writes nothing more ({@link LeaseLostError}) and stops.
 */
import type { ItemKind } from '../../contract/kinds.js';
import type { ImportFormat, ImportOptions, JobRecord, JobState, RowOutcome, RowStatus, SourceInfo } from './types.js';

/** Rows are staged in transactions of this many. */
export const STAGE_CHUNK = 1000;
/** A process's claim on a job (staging or running it) lasts this long unless renewed. @default 15000 (IMPORT_LEASE_MS) */
export const DEFAULT_LEASE_MS = 15_000;

/** This process no longer holds the job's lease: another process took the job. */
export class LeaseLostError extends Error {}

/** The store's disk is full (SQLITE_FULL, PostgreSQL's disk_full): the job that wrote fails, the gateway goes on. */
export class StoreFullError extends Error {
  constructor() {
    super('The job store is full (no disk space left): this import stopped; finished jobs are deleted after JOB_RETENTION_MS, or free space and start it again');
  }
}

/** The store cannot be reached now (PostgreSQL restarting, network cut): jobs wait and go on once it answers. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The job store (PostgreSQL) cannot be reached now: the import waits and goes on once it answers', { cause });
  }
}

/** Staging would hold more rows than the bound allows (MAX_STAGED_ROWS_PER_USER, MAX_STAGED_ROWS). */
export class StagedRowsLimitError extends Error {
  constructor(readonly scope: 'user' | 'all', readonly limit: number) {
    super(scope === 'user'
      ? `Your import jobs would hold more than ${limit} staged rows (MAX_STAGED_ROWS_PER_USER): wait for your jobs to finish, or cancel some`
      : `The gateway's import jobs would hold more than ${limit} staged rows (MAX_STAGED_ROWS): try again once jobs have finished`);
  }
}

/** Bounds on staged rows (rows of jobs not finished yet). */
export interface StagedRowLimits {
  /** Staged rows of one owner's unfinished jobs, this one included. */
  perUser: number;
  /** Staged rows of every unfinished job. */
  all: number;
}

export interface NewJob { id: string; kind: ItemKind; owner: string; upstream: string; format: ImportFormat; options: ImportOptions; source?: SourceInfo | null }
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
/** Told of rows as they get their outcome (metrics). */
export type OnRows = (kind: string, outcome: 'created' | 'updated' | 'failed', rows: number) => void;
/** How a lease was taken: `taken over` from a process that died holding it (its last calls may still count upstream). */
export type Taken = false | 'free' | 'taken over';

export interface JobStore {
  /** Whether processes on other machines share this store (PostgreSQL): any of them may take over a job whose lease ran out. */
  readonly shared: boolean;
  /** How long a lease lasts unless renewed (IMPORT_LEASE_MS); holders renew it every third of that. */
  readonly leaseMs: number;
  close(): Promise<void>;
  /** A new job, QUEUED, whose lease this process holds from the start: it stages the rows (renewing the lease), then runs it. */
  createJob(job: NewJob): Promise<JobRecord>;
  job(id: string): Promise<JobRecord | undefined>;
  /** An owner's jobs, newest first; without one, every job, oldest first. */
  jobs(owner?: string): Promise<JobRecord[]>;
  /** Unfinished jobs (not completed, failed or cancelled), oldest first. */
  openJobs(): Promise<JobRecord[]>;
  /** Jobs completed, failed or cancelled at `since` (epoch ms) or later. */
  finishedSince(since: number): Promise<JobRecord[]>;
  /** Sets the job's state; a finished (or cancelled) job's staged data goes (its row outcomes stay for the results). */
  setState(id: string, state: JobState, reason?: string | null): Promise<void>;
  setOwnerUserId(id: string, userId: number): Promise<void>;
  /** Takes the job's lease for this process unless a live one holds it. */
  acquireLease(id: string): Promise<Taken>;
  /** Extends this process's lease; false when it no longer holds it (another process took the job). */
  renewLease(id: string): Promise<boolean>;
  /** Whether another live process holds the job's lease now (it runs the job). */
  heldElsewhere(id: string): Promise<boolean>;
  releaseLease(id: string): Promise<void>;
  /**
   * Stages records (JSON text each) in chunks of {@link STAGE_CHUNK}; returns
   * how many. Memory holds one chunk. Each chunk is written under this
   * process's lease ({@link LeaseLostError}) and within `limits`
   * ({@link StagedRowsLimitError}).
   */
  stage(id: string, records: AsyncIterable<string>, limits?: StagedRowLimits): Promise<number>;
  /** Pending rows after `afterRow`, in row order. */
  pendingRows(id: string, afterRow: number, limit: number): Promise<StagedRow[]>;
  countRows(id: string, status: RowStatus): Promise<number>;
  /** Records a batch as sent (before the call), under this process's lease: its rows are in flight, with what is sent. */
  markInflight(id: string, op: 'create' | 'update', rows: SentRow[], sentAt?: number): Promise<number>;
  /** Batches sent but without a recorded answer (the process stopped, or the call's outcome was unknown). */
  inflightBatches(id: string): Promise<InflightBatch[]>;
  /** Records outcomes of rows, and closes the batch when given, in one transaction under this process's lease. */
  record(id: string, results: RowResult[], batchId?: number): Promise<void>;
  /** Rows never sent of a cancelled job. */
  skipPending(id: string): Promise<void>;
  /** Which of these Upsales ids some row of the job already holds. */
  knownIds(id: string, upstreamIds: number[]): Promise<Set<number>>;
  /** Every row's outcome, in row order, read a page at a time. */
  outcomes(id: string, pageSize?: number): AsyncGenerator<RowOutcome>;
  /** Failed rows, first ones first. */
  failures(id: string, limit: number): Promise<RowOutcome[]>;
  /** Deletes jobs (with their results) finished before `before` (epoch ms); returns how many. */
  sweep(before: number): Promise<number>;
}
