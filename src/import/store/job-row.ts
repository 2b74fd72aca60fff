/** A job as both engines' `jobs` tables hold it, and as the job logic sees it. */
import type { ItemKind } from '../../contract/kinds.js';
import type { ImportFormat, ImportOptions, JobRecord, JobState, SourceInfo } from './types.js';

/** A `jobs` row; numbers as numbers (the PostgreSQL engine parses int8 so). */
export interface JobRow {
  id: string; kind: string; owner: string; upstream: string; state: string; reason: string | null; format: string;
  options: string; source: string | null; staged: number | boolean; total: number; created: number; updated: number; failed: number;
  owner_user_id: number | null; created_at: number; started_at: number | null; finished_at: number | null;
  lease: string | null; lease_until: number | null; lease_gen: number;
}

export const toRecord = (r: JobRow): JobRecord => ({
  id: r.id, kind: r.kind as ItemKind, owner: r.owner, upstream: r.upstream, state: r.state as JobState, reason: r.reason,
  format: r.format as ImportFormat, options: JSON.parse(r.options) as ImportOptions,
  source: r.source ? JSON.parse(r.source) as SourceInfo : null, staged: r.staged === 1 || r.staged === true, total: r.total,
  created: r.created, updated: r.updated, failed: r.failed, ownerUserId: r.owner_user_id,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
});

/** States whose staged data a job keeps (it may still send rows). */
export const OPEN_STATES = ['QUEUED', 'RUNNING', 'PAUSED'] as const;

/** Rows whose staged data is dropped per statement once a job is finished (the database is not held long by one). */
export const CLEAR_CHUNK = 5000;

/** Counts of outcomes in `results`, for the job's totals. */
export function outcomeCounts(results: { status: string }[]): { created: number; updated: number; failed: number } {
  const counts = { created: 0, updated: 0, failed: 0 };
  for (const r of results) if (r.status === 'created' || r.status === 'updated' || r.status === 'failed') counts[r.status]++;
  return counts;
}
