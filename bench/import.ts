/**
 * Import benchmarks (called from bench/run.ts), on each job store engine
 * (SQLite in DATA_DIR; PostgreSQL on a server the bench starts, as the
 * tests do): rows/s of a 20,000-row import against the theoretical limit
 * (batch size x the budget calls per window background work may take: all
 * but the interactive reserve), an interactive query's latency during an
 * import, and the peak RSS while a 1,000,000-row CSV is staged (in a child
 * process, so nothing else counts; PostgreSQL's own memory is its server's).
 * On a short throttle clock: BENCH_WINDOW_MS (1000) with Upsales' 50 calls
 * and the gateway's 45.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultInteractiveReserve } from '../src/budget/index.js';
import { startImportStack } from '../test/import/import-stack.js';
import { ENGINES, type Engine } from '../test/helpers/job-store-engines.js';
import { startTestPostgres } from '../test/helpers/postgres-server.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const WINDOW = env('BENCH_WINDOW_MS', 1000);
const ROWS = env('BENCH_IMPORT_ROWS', 20_000);
const BATCH = 100;
const UPSALES_CALLS = 50;
const BUDGET_CALLS = 45;

type Table = (headers: string[], rows: (string | number)[][]) => string;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Throughput { row: (string | number)[]; latency: (string | number)[][] }

async function throughput(engine: Engine): Promise<Throughput> {
  const stack = await startImportStack({
    sim: { scale: 0.2, throttleCalls: UPSALES_CALLS, throttleWindowMs: WINDOW, throttleBlockMs: WINDOW * 8 },
    config: { budgetCalls: BUDGET_CALLS, budgetWindowMs: WINDOW, batchSize: BATCH },
    engine,
  });
  try {
    const query = `{ clients(first: 5) { nodes { name } } }`;
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await stack.query(query);
      idle.push(performance.now() - t);
    }
    await stack.resetStats();
    const csv = ['name,orgNo,phone', ...Array.from({ length: ROWS }, (_, i) => `Bench client ${i + 1},BENCH-${i + 1},+46 8 ${i + 1}`)].join('\n');
    const started = performance.now();
    const job = await stack.imports.start({ username: 'admin@demo.test', password: 'demo-admin' }, { kind: 'client', format: 'CSV', source: [csv] });
    const stagedMs = performance.now() - started;
    const busy: number[] = [];
    const busyQueued: number[] = [];
    let etaAtStart: number | null = null;
    while ((await stack.imports.get('admin@demo.test', job.id)).state === 'RUNNING') {
      etaAtStart ??= (await stack.imports.get('admin@demo.test', job.id)).etaSeconds;
      const t = performance.now();
      const result = await stack.query(query);
      busy.push(performance.now() - t);
      busyQueued.push(result.extensions?.upsales?.queuedMs ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const end = await stack.imports.settled(job.id);
    const seconds = (performance.now() - started) / 1000;
    const stats = await stack.stats();
    const reserve = defaultInteractiveReserve(BUDGET_CALLS);
    const theoretical = (BATCH * (BUDGET_CALLS - reserve)) / (WINDOW / 1000);
    return {
      row: [engine, ROWS, end.created, seconds.toFixed(2), Math.round(ROWS / seconds), theoretical, `${((ROWS / seconds / theoretical) * 100).toFixed(0)}%`,
        Math.round(stagedMs), etaAtStart ?? '-', stats.calls.total, stats.throttled.faults],
      latency: [[engine, 'idle', idle.length, Math.round(median(idle)), Math.round(Math.max(...idle)), 0],
        [engine, 'during import', busy.length, Math.round(median(busy)), Math.round(Math.max(...busy)), Math.round(median(busyQueued))]],
    };
  } finally {
    await stack.close();
  }
}

async function throughputs(table: Table): Promise<void> {
  const runs: Throughput[] = [];
  for (const engine of ENGINES) runs.push(await throughput(engine));
  const reserve = defaultInteractiveReserve(BUDGET_CALLS);
  console.log(`\nImport of ${ROWS} clients (CSV, no match key; throttle ${UPSALES_CALLS} calls / ${WINDOW} ms, budget ${BUDGET_CALLS} of which ${reserve} kept for interactive calls, batch ${BATCH})\n`);
  console.log(table(
    ['store', 'rows', 'created', 'seconds', 'rows/s', 'theoretical rows/s', 'share', 'staging ms', 'ETA at start s', 'SOAP calls', 'THROTTLED faults'],
    runs.map((run) => run.row),
  ));
  console.log('\nAn interactive query (`clients(first: 5)`, 1 SOAP call) idle and during that import\n');
  console.log(table(['store', 'when', 'queries', 'median ms', 'max ms', 'median queued ms'], runs.flatMap((run) => run.latency)));
}

/** The child's figures with the store in SQLite, or in PostgreSQL at `databaseUrl`. */
async function peakRssWith(databaseUrl?: string): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./import-rss.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DATABASE_URL: databaseUrl ?? '' },
  });
  let out = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bench/import-rss.ts exited with ${String(code)}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
}

async function peakRss(table: Table): Promise<void> {
  const rows: (string | number)[][] = [];
  const row = (engine: Engine, r: Record<string, number>) =>
    [engine, r.rows, r.fileMB.toFixed(1), r.stagedSeconds.toFixed(1), Math.round(r.rows / r.stagedSeconds), r.written, r.baselineMB.toFixed(0), r.peakMB.toFixed(0)];
  rows.push(row('sqlite', await peakRssWith()));
  const postgres = await startTestPostgres();
  try {
    rows.push(row('postgres', await peakRssWith(postgres.url)));
  } finally {
    await postgres.close();
  }
  console.log('\nPeak RSS of the gateway process while a CSV is streamed into the job store (PostgreSQL: COPY, 5,000 rows a transaction), then its first 20 batches sent (the rest not run)\n');
  console.log(table(['store', 'rows', 'file MB', 'staging s', 'rows/s staged', 'rows written', 'RSS before MB', 'peak RSS MB'], rows));
}

export async function importBench(table: Table): Promise<void> {
  await throughputs(table);
  await peakRss(table);
}
