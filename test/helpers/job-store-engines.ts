/**
 * The job store's two engines for tests that run over both: SQLite in a
 * temporary DATA_DIR, and PostgreSQL on a server of the test's own
 * (postgres-server.ts). Each gives stores as a gateway process would open
 * them, and a way to play another process holding a job's lease.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OnRows } from '../../src/import/store/job-store.js';
import { PgJobStore } from '../../src/import/store/postgres/pg-job-store.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { startTestPostgres, type TestPostgres } from './postgres-server.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface EngineStores {
  engine: Engine;
  dataDir: string;
  /** With `postgres`: the server and its URL (DATABASE_URL). */
  postgres?: TestPostgres;
  /** A store as a (new) gateway process opens it. */
  open(options?: { leaseMs?: number; onRows?: OnRows }): Promise<SqliteJobStore | PgJobStore>;
  /** Another process (`holder`) takes the job's lease, under a new generation, until `until` (epoch ms). */
  leaseTo(id: string, holder: string, until: number): Promise<void>;
  /** Rows of the job whose staged data is still there. */
  stagedData(id: string): Promise<number>;
  close(): Promise<void>;
}

export async function engineStores(engine: Engine): Promise<EngineStores> {
  const dataDir = mkdtempSync(join(tmpdir(), `job-store-${engine}-`));
  if (engine === 'sqlite') {
    const file = () => new Database(join(dataDir, 'imports.sqlite'));
    const withDb = <T>(use: (db: Database.Database) => T): T => {
      const db = file();
      try {
        return use(db);
      } finally {
        db.close();
      }
    };
    return {
      engine, dataDir,
      open: async (options = {}) => new SqliteJobStore(dataDir, options),
      leaseTo: async (id, holder, until) => void withDb((db) => db.prepare('UPDATE jobs SET lease = ?, lease_until = ?, lease_gen = lease_gen + 1 WHERE id = ?').run(holder, until, id)),
      stagedData: async (id) => withDb((db) => (db.prepare(`SELECT COUNT(*) AS n FROM rows WHERE job_id = ? AND data <> ''`).get(id) as { n: number }).n),
      close: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const postgres = await startTestPostgres();
  const admin = new pg.Pool({ connectionString: postgres.url, max: 2 });
  admin.on('error', () => undefined);
  return {
    engine, dataDir, postgres,
    open: (options = {}) => PgJobStore.open({ databaseUrl: postgres.url, ...options }),
    leaseTo: async (id, holder, until) => void await admin.query('UPDATE import_jobs SET lease = $1, lease_until = $2, lease_gen = lease_gen + 1 WHERE id = $3', [holder, until, id]),
    stagedData: async (id) => Number((await admin.query(`SELECT COUNT(*) AS n FROM import_rows WHERE job_id = $1 AND data <> ''`, [id])).rows[0].n),
    close: async () => {
      await admin.end();
      await postgres.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
