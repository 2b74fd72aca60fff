/** What an import job is, as the store keeps it and the API shows it. */
import type { ItemKind } from '../../contract/kinds.js';

export const JOB_STATES = ['QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: readonly JobState[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export type ImportFormat = 'CSV' | 'JSONL';

/** Per-row state. `inflight`: sent in a batch whose answer is not recorded yet. `skipped`: never sent (job cancelled). */
export type RowStatus = 'pending' | 'inflight' | 'created' | 'updated' | 'failed' | 'skipped';

export interface ImportOptions {
  /** Field whose value finds an existing item to update (GraphQL or wire name), e.g. `email`. */
  matchBy?: string;
  /** Column (or JSONL key) to field path: `email`, `client.orgNo`, `custom.segment`, or `-` to ignore the column. */
  mapping?: Record<string, string>;
  /** Items per create/update call; at most the gateway's UPSALES_BATCH_SIZE. */
  batchSize?: number;
}

/** Where the rows came from, when it was a file the job can read again (CLI). */
export interface SourceInfo {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface JobRecord {
  id: string;
  kind: ItemKind;
  /** Upsales username of who started it, trimmed and lower-cased (owner.ts). Credentials are never stored. */
  owner: string;
  upstream: string;
  state: JobState;
  /** Why it is paused or failed. */
  reason: string | null;
  format: ImportFormat;
  options: ImportOptions;
  source: SourceInfo | null;
  /** Whether every row of the file is staged. */
  staged: boolean;
  total: number;
  created: number;
  updated: number;
  failed: number;
  ownerUserId: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A job as the API shows it: its record plus live progress. */
export interface JobView extends JobRecord {
  done: number;
  /** Rows per second over the last seconds; null when idle. */
  rate: number | null;
  /** Seconds to go at the account's call budget; null unless queued or running. */
  etaSeconds: number | null;
}

export interface RowOutcome {
  row: number;
  outcome: RowStatus;
  upsalesId: number | null;
  reason: string | null;
}
