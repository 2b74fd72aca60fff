/**
 * `npm run bench`: per typical frontend query, the SOAP calls it costs against
 * the fewest possible (each kind read once) and a naive one-call-per-resolver
 * gateway, its estimate, the count calls the estimate asked for once, its
 * latency cold (read upstream) and warm (kept answers), and the calls of 20
 * identical requests at once; then a burst of concurrent queries against the
 * throttle's theoretical minimum, and the import benchmarks. Prints tables.
 *
 * BENCH_SCALE (default 10) sizes the demo data; BENCH_LATENCY_MS (100) is the
 * simulated latency per SOAP call; BENCH_BURST (300) queries in the burst, on
 * a throttle clock of BENCH_WINDOW_MS (1000) with Upsales' 50 calls and the
 * gateway's default budget of 45 per window. Then freshness against cost
 * (bench/freshness.ts: polling, kept reads, `changes`, `@live`). Last, the soak (bench/soak.ts):
 * memory and latency of a gateway process under minutes of ordinary load.
 */
import { parse } from 'graphql';
import { schema } from '../schema/index.js';
import { createReadCache } from '../src/shared-state/index.js';
import { replicaOf, startStack, UNTHROTTLED, type GraphQLResponse, type Stack } from '../test/helpers/stack.js';
import { freshnessBench } from './freshness.js';
import { importBench } from './import.js';
import { replicasBench } from './replicas.js';
import { soakBench } from './soak.js';
import { QUERIES } from '../test/helpers/typical-queries.js';
import { lowerBound, naiveCalls } from './response-walk.js';

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

async function timed(send: () => Promise<GraphQLResponse>, name: string): Promise<{ result: GraphQLResponse; ms: number }> {
  const started = performance.now();
  const result = await send();
  if (result.errors) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
  return { result, ms: performance.now() - started };
}

async function typicalQueries(): Promise<void> {
  // No throttle on either side: the latency is the gateway's own.
  const stack = await startStack({ sim: { ...UNTHROTTLED.sim, scale: SCALE, latencyMs: LATENCY }, config: { ...UNTHROTTLED.config, cacheTtlMs: 60_000 } });
  // A second gateway that keeps no answers (reads in flight are still shared).
  const cold = replicaOf(stack, createReadCache(null, 0), { cacheTtlMs: 0 });
  const rows: (string | number)[][] = [];
  try {
    for (const { name, query } of QUERIES) {
      const fresh = () => stack.query(query, { headers: { 'cache-control': 'no-cache' } });
      const first = await timed(fresh, name);
      const reads: Awaited<ReturnType<typeof timed>>[] = [];
      for (let run = 0; run < RUNS; run++) reads.push(await timed(fresh, name));
      const warm: Awaited<ReturnType<typeof timed>>[] = [];
      for (let run = 0; run < RUNS; run++) warm.push(await timed(() => stack.query(query), name));
      const { soapCalls: calls, estimatedCalls: estimate } = reads[0].result.extensions!.upsales!;
      const data = reads[0].result.data as Record<string, unknown>;
      await cold.query(query);
      await stack.resetStats();
      await Promise.all(Array.from({ length: 20 }, () => cold.query(query)));
      const together = (await stack.stats()).calls.total;
      rows.push([
        name, calls, lowerBound(schema, parse(query), data), estimate, first.result.extensions!.upsales!.soapCalls - calls,
        naiveCalls(schema, parse(query), data), Math.round(median(reads.map((read) => read.ms))), Math.round(median(warm.map((read) => read.ms))),
        Math.max(...warm.map((read) => read.result.extensions!.upsales!.soapCalls)), together,
      ]);
    }
  } finally {
    await stack.close();
  }
  console.log(`\nTypical queries (SIM_SCALE=${SCALE}, SIM_LATENCY_MS=${LATENCY}, median of ${RUNS} runs)\n`);
  console.log(table(
    ['query', 'SOAP calls', 'lower bound', 'estimate', 'count calls (once)', 'naive calls', 'cold ms', 'warm ms', 'warm calls', '20 at once: calls'],
    rows,
  ));
  console.log('\ncold: Cache-Control: no-cache (read upstream); warm: answers kept (UPSALES_CACHE_TTL_MS); 20 at once: identical requests on a gateway that keeps nothing.');
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
await freshnessBench(table);
await soakBench(table);
