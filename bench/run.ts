/**
 * `npm run bench`: SOAP calls and latency of typical frontend queries against
 * a naive one-call-per-resolver baseline, and a burst of concurrent queries
 * against the throttle's theoretical minimum. Prints tables.
 *
 * BENCH_SCALE (default 10) sizes the demo data; BENCH_LATENCY_MS (100) is the
 * simulated latency per SOAP call; BENCH_BURST (300) queries in the burst, on
 * a throttle clock of BENCH_WINDOW_MS (1000) with Upsales' 50 calls and the
 * gateway's default budget of 45 per window.
 */
import { parse } from 'graphql';
import { schema } from '../schema/index.js';
import { startStack, type Stack } from '../test/helpers/stack.js';
import { importBench } from './import.js';
import { naiveCalls } from './naive-calls.js';
import { replicasBench } from './replicas.js';
import { QUERIES } from './queries.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SCALE = env('BENCH_SCALE', 10);
const LATENCY = env('BENCH_LATENCY_MS', 100);
const BURST = env('BENCH_BURST', 300);
const WINDOW = env('BENCH_WINDOW_MS', 1000);
const UPSALES_CALLS = 50;
const BUDGET_CALLS = 45;
const RUNS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function table(headers: string[], rows: (string | number)[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: (string | number)[]) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function typicalQueries(): Promise<void> {
  const stack = await startStack({ sim: { scale: SCALE, latencyMs: LATENCY } });
  const rows: (string | number)[][] = [];
  try {
    for (const { name, query } of QUERIES) {
      const times: number[] = [];
      let calls = 0;
      let naive = 0;
      let estimate = 0;
      for (let run = 0; run < RUNS; run++) {
        await stack.resetStats();
        const started = performance.now();
        const result = await stack.query(query);
        times.push(performance.now() - started);
        if (result.errors) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
        calls = (await stack.stats()).calls.total;
        naive = naiveCalls(schema, parse(query), result.data as Record<string, unknown>);
        estimate = result.extensions?.upsales?.estimatedCalls ?? 0;
      }
      rows.push([name, calls, naive, `${(naive / calls).toFixed(1)}x`, estimate, Math.round(median(times)), naive * LATENCY]);
    }
  } finally {
    await stack.close();
  }
  console.log(`\nTypical queries (SIM_SCALE=${SCALE}, SIM_LATENCY_MS=${LATENCY}, median of ${RUNS} runs)\n`);
  console.log(table(
    ['query', 'SOAP calls', 'naive calls', 'saved', 'estimate', 'latency ms', 'naive serial ms'],
    rows,
  ));
}

async function burst(): Promise<void> {
  const stack: Stack = await startStack({
    sim: { scale: SCALE, throttleCalls: UPSALES_CALLS, throttleWindowMs: WINDOW, throttleBlockMs: WINDOW * 8 },
    config: { budgetCalls: BUDGET_CALLS, budgetWindowMs: WINDOW },
  });
  try {
    await stack.resetStats();
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: BURST }, (_, i) => stack.query(
      `query Burst($id: Int!) { client(upsalesId: $id) { name contacts(first: 3) { nodes { name } } } }`,
      { variables: { id: (i % 500) + 1 } },
    )));
    const elapsed = performance.now() - started;
    const stats = await stack.stats();
    const failed = results.filter((result) => result.errors).length;
    const calls = stats.calls.total;
    // Upsales lets the first `limit` calls through at once, then `limit` per window.
    const minimum = (limit: number) => Math.max(0, Math.ceil(calls / limit) - 1) * WINDOW;
    console.log(`\nBurst of ${BURST} concurrent queries (throttle ${UPSALES_CALLS} calls / ${WINDOW} ms, gateway budget ${BUDGET_CALLS} / ${WINDOW} ms)\n`);
    console.log(table(
      ['queries', 'SOAP calls', 'elapsed ms', 'min at Upsales limit ms', 'min at budget ms', 'THROTTLED faults', 'blocks', 'failed queries'],
      [[BURST, calls, Math.round(elapsed), minimum(UPSALES_CALLS), minimum(BUDGET_CALLS), stats.throttled.faults, stats.throttled.blocks, failed]],
    ));
  } finally {
    await stack.close();
  }
}

await typicalQueries();
await burst();
await importBench(table);
await replicasBench(table);
