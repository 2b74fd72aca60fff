/**
 * The job store engine, chosen once at start-up: PostgreSQL when
 * `DATABASE_URL` is set (every replica shares the jobs), else SQLite in
 * `DATA_DIR` (the embedded default: `npm start` needs nothing else).
 */
import type { JobStoreSettings } from '../../../config/config.js';
import type { JobStore, OnRows } from '../job-store.js';
import { PgJobStore } from '../postgres/pg-job-store.js';
import { SqliteJobStore } from '../sqlite/sqlite-job-store.js';

/** Where jobs are kept: PostgreSQL with `databaseUrl`, else SQLite in `dataDir`. */
export async function openJobStore(settings: Pick<JobStoreSettings, 'databaseUrl' | 'leaseMs'>, dataDir: string, onRows?: OnRows): Promise<JobStore> {
  if (settings.databaseUrl) return PgJobStore.open({ databaseUrl: settings.databaseUrl, leaseMs: settings.leaseMs, onRows });
  return new SqliteJobStore(dataDir, { leaseMs: settings.leaseMs, onRows });
}

/** Where jobs are kept, for a log line; never the URL (it may hold a password). */
export const jobStoreLabel = (settings: Pick<JobStoreSettings, 'databaseUrl'>, dataDir: string): string =>
  settings.databaseUrl ? `in PostgreSQL (DATABASE_URL, host ${new URL(settings.databaseUrl).hostname})` : `in SQLite in ${dataDir} (DATA_DIR)`;
