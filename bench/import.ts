/**
 * Import benchmarks (called from bench/run.ts), on each job store engine
 * (SQLite in DATA_DIR; PostgreSQL on a server the bench starts, as the
 * tests do): rows/s of a 20,000-row import against the theoretical limit
 * (batch size x the budget calls per window background work may take: all
 * but the interactive reserve) alone, then again beside an interactive
 * query asked within the reserve, whose latency it shows; and the peak RSS while a 1,000,000-row CSV is staged (in a child
 * process, so nothing else counts; PostgreSQL's own memory is its server's).
 * On a short throttle clock: BENCH_IMPORT_WINDOW_MS (3000) with Upsales' 50
 * calls and the gateway's 45.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultInteractiveReserve } from '../src/budget/index.js';
import { startImportStack } from '../test/import/import-stack.js';
import { ENGINES, type Engine } from '../test/helpers/job-store-engines.js';
import { startTestPostgres } from '../test/helpers/postgres-server.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/**
 * The import's throttle clock: 3 s, five times Upsales' 15 s. On the
 * benches' 1 s clock the 40 background calls a second need 4 calls in
 * flight to finish in 100 ms each, and the simulator's own time for a
 * 100-item create (about 150 ms on two cores) becomes the bound, not the
 * budget.
 */
const WINDOW = env('BENCH_IMPORT_WINDOW_MS', 3000);
const ROWS = env('BENCH_IMPORT_ROWS', 20_000);
const BATCH = 100;
const UPSALES_CALLS = 50;
const BUDGET_CALLS = 45;

/** How often the interactive probe asks during the import: its calls stay within the interactive reserve. */
const PROBE_EVERY_MS = Math.max(200, WINDOW / defaultInteractiveReserve(BUDGET_CALLS));

type Table = (headers: string[], rows: (string | number)[][]) => string;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Throughput { rows: (string | number)[][]; latency: (string | number)[][] }

const QUERY = `{ clients(first: 5) { nodes { name } } }`;

async function throughput(engine: Engine): Promise<Throughput> {
  const stack = await startImportStack({
    sim: { scale: 0.2, throttleCalls: UPSALES_CALLS, throttleWindowMs: WINDOW, throttleBlockMs: WINDOW * 8 },
    config: { budgetCalls: BUDGET_CALLS, budgetWindowMs: WINDOW, batchSize: BATCH },
    engine,
  });
  const reserve = defaultInteractiveReserve(BUDGET_CALLS);
  const theoretical = (BATCH * (BUDGET_CALLS - reserve)) / (WINDOW / 1000);
  const busy: number[] = [];
  const busyQueued: number[] = [];

  /** One import of ROWS clients; with `probe`, an interactive query every PROBE_EVERY_MS while it runs. */
  const importOnce = async (probe: boolean) => {
    await new Promise((resolve) => setTimeout(resolve, WINDOW)); // a window of its own
    await stack.resetStats();
    const label = probe ? 'Probed' : 'Bench';
    const csv = ['name,orgNo,phone', ...Array.from({ length: ROWS }, (_, i) => `${label} client ${i + 1},${label}-${i + 1},+46 8 ${i + 1}`)].join('\n');
    const started = performance.now();
    const job = await stack.imports.start({ username: 'admin@demo.test', password: 'demo-admin' }, { kind: 'client', format: 'CSV', source: [csv] });
    const stagedMs = performance.now() - started;
    let etaAtStart: number | null = null;
    while ((await stack.imports.get('admin@demo.test', job.id)).state === 'RUNNING') {
      etaAtStart ??= (await stack.imports.get('admin@demo.test', job.id)).etaSeconds;
      if (probe) {
        const t = performance.now();
        const result = await stack.query(QUERY);
        busy.push(performance.now() - t);
        busyQueued.push(result.extensions?.upsales?.queuedMs ?? 0);
      }
      await new Promise((resolve) => setTimeout(resolve, probe ? PROBE_EVERY_MS : 50));
    }
    const end = await stack.imports.settled(job.id);
    const seconds = (performance.now() - started) / 1000;
    const stats = await stack.stats();
    const interactive = probe ? busy.length : 0;
    const importCalls = stats.calls.total - interactive;
    // A sliding window lets a window's calls go at once: the last window's calls start (ceil(calls / per window) - 1) windows in.
    const minimum = (Math.ceil(importCalls / (BUDGET_CALLS - reserve)) - 1) * (WINDOW / 1000);
    return [engine, probe ? `${interactive} queries beside it` : 'alone', ROWS, end.created, seconds.toFixed(2), minimum.toFixed(1), Math.round(ROWS / seconds), Math.round(theoretical),
      `${((ROWS / seconds / theoretical) * 100).toFixed(0)}%`, Math.round(stagedMs), etaAtStart ?? '-', importCalls, interactive, stats.throttled.faults];
  };

  try {
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await stack.query(QUERY);
      idle.push(performance.now() - t);
    }
    const rows = [await importOnce(false), await importOnce(true)];
    return {
      rows,
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
    ['store', 'import', 'rows', 'created', 'seconds', 'budget\'s minimum s', 'rows/s', 'theoretical rows/s', 'share', 'staging ms', 'ETA at start s', 'import calls', 'interactive calls', 'THROTTLED faults'],
    runs.flatMap((run) => run.rows),
  ));
  console.log(`\ntheoretical: batch x (budget - reserve) per window; rows/s and seconds from the upload to the last row (staging included); budget's minimum: when the last window's calls may start (a sliding window lets the first window's calls go at once, so a short import can beat the steady rate). Beside it: the interactive query every ${PROBE_EVERY_MS} ms (within the reserve); an interactive call counts against background work's share of the window too, so that import may take fewer.`);
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
