/**
 * `npm run bench`'s freshness table: how fresh N screens of one account
 * are (BENCH_FRESHNESS_SCREENS, default 10), each showing a 4-call board,
 * while another program changes the board's items straight in the SOAP
 * service, and what it costs, for each way a frontend can keep a screen
 * fresh: polling with `Cache-Control: no-cache` every 5 s, plain reads (the
 * gateway's kept answers) every 5 s, a `changes` subscription (the screen
 * reads the board again on each change), and `@live`.
 *
 * On the short clock: Upsales' 50 calls per 1 s instead of 15 s, the
 * gateway's budget 45, and every interval 15 times shorter (polls every
 * 333 ms, the feed's CHANGES_POLL_MS and the read cache's TTL likewise).
 * Each way runs BENCH_FRESHNESS_MS (default 20000: five minutes on
 * Upsales' clock) on a gateway process of its own; a change every
 * BENCH_FRESHNESS_CHANGE_MS (2000: every 30 s on Upsales' clock).
 * Reports calls per window, their share of the budget, p50/p95 staleness
 * (from the change's answer to the screen first showing it, short-clock
 * ms and the same on Upsales' clock), changes a screen had not shown 3 s
 * after the last change (45 s on Upsales' clock), and THROTTLED faults.
 */
import { configFromEnv } from '../src/config/config.js';
import { startSimulator } from '../src/simulator/index.js';
import { createUpstream } from '../src/upstream/index.js';
import { startReplicaProcess, type ReplicaProcess } from '../test/helpers/replicas.js';
import { sseResults, type StreamedResult } from '../test/helpers/sse.js';
import { basic, DEMO_USERS, type SimStats } from '../test/helpers/stack.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SCREENS = env('BENCH_FRESHNESS_SCREENS', 10);
const DURATION_MS = env('BENCH_FRESHNESS_MS', 20_000);
const CHANGE_EVERY_MS = env('BENCH_FRESHNESS_CHANGE_MS', 2_000);
/** The short clock: Upsales' window of 15 s is 1 s here. */
const WINDOW_MS = 1_000;
const CLOCK = 15_000 / WINDOW_MS;
const BUDGET_CALLS = 45;
/** How long after the last change the screens are watched still: a change not shown by then is counted as not shown. */
const GRACE_MS = 3_000;
/** A screen's poll: every 5 s on Upsales' clock. */
const POLL_EVERY_MS = Math.round(5_000 / CLOCK);

/** The board: the top opportunities with their client, owner and stage; four calls (opportunities, clients, users, stages). */
const BOARD = `{ opportunities(first: 20, orderBy: [{ field: probability, direction: DESC }, { field: id }]) {
  nodes { upsalesId description value client { name } user { name } stage { name } } } }`;
const LIVE_BOARD = `query Board @live ${BOARD}`;
const CHANGES = 'subscription { changes(kinds: [OPPORTUNITY]) { type upsalesId } }';

type Board = { opportunities: { nodes: { upsalesId: number; description: string }[] } };

const percentile = (values: number[], p: number) => (values.length ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] : NaN);

interface Screen {
  /** What the screen shows now: each board item's description. */
  shows: Map<number, string>;
  /** When the screen first showed each description. */
  firstShown: Map<string, number>;
}

interface WayResult { way: string; calls: number; throttled: number; stalenessMs: number[]; missed: number }

/** One screen's connection to the gateway, by the way it keeps fresh; ends when `signal` aborts. */
type Keeper = (gateway: ReplicaProcess, screen: Screen, signal: AbortSignal) => Promise<void>;

const authorization = basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password);

const showBoard = (screen: Screen, board: Board | null | undefined) => {
  const now = performance.now();
  for (const { upsalesId, description } of board?.opportunities.nodes ?? []) {
    screen.shows.set(upsalesId, description);
    if (!screen.firstShown.has(description)) screen.firstShown.set(description, now);
  }
};

async function readBoard(gateway: ReplicaProcess, screen: Screen, fresh: boolean, signal: AbortSignal): Promise<void> {
  const response = await fetch(`${gateway.base}/graphql`, {
    method: 'POST', signal,
    headers: { 'content-type': 'application/json', authorization, ...(fresh ? { 'cache-control': 'no-cache' } : {}) },
    body: JSON.stringify({ query: BOARD }),
  });
  showBoard(screen, ((await response.json()) as { data?: Board }).data);
}

/** `ms`, or until `signal` aborts; its listener goes with it (a screen sleeps thousands of times on one signal). */
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => {
    clearTimeout(timer);
    signal.removeEventListener('abort', done);
    resolve();
  };
  const timer = setTimeout(done, ms);
  signal.addEventListener('abort', done);
});

const polling = (fresh: boolean): Keeper => async (gateway, screen, signal) => {
  while (!signal.aborted) {
    await readBoard(gateway, screen, fresh, signal).catch(() => undefined);
    await sleep(POLL_EVERY_MS, signal);
  }
};

/** A stream over SSE; each result handed to `onResult` until `signal` aborts. */
async function stream(gateway: ReplicaProcess, query: string, signal: AbortSignal, onResult: (result: StreamedResult) => Promise<void> | void): Promise<void> {
  const response = await fetch(`${gateway.base}/graphql`, {
    method: 'POST', signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization },
    body: JSON.stringify({ query }),
  });
  const results = sseResults(response);
  signal.addEventListener('abort', () => void results.close(), { once: true });
  for (let result = await results.next().catch(() => null); result; result = await results.next().catch(() => null)) {
    if (result.errors) throw new Error(`${query}: ${JSON.stringify(result.errors)}`);
    await onResult(result);
  }
}

const subscribed: Keeper = async (gateway, screen, signal) => {
  await readBoard(gateway, screen, false, signal);
  await stream(gateway, CHANGES, signal, () => readBoard(gateway, screen, false, signal).catch(() => undefined));
};

const live: Keeper = (gateway, screen, signal) => stream(gateway, LIVE_BOARD, signal, (result) => showBoard(screen, result.data as Board));

const WAYS: [string, Keeper][] = [
  [`polling, no-cache, every ${POLL_EVERY_MS} ms`, polling(true)],
  [`plain reads (kept), every ${POLL_EVERY_MS} ms`, polling(false)],
  ['changes subscription, then a read', subscribed],
  ['@live', live],
];

export async function freshnessBench(table: (headers: string[], rows: (string | number)[][]) => string): Promise<void> {
  const sim = await startSimulator({ port: 0, throttleCalls: 50, throttleWindowMs: WINDOW_MS, throttleBlockMs: 8 * WINDOW_MS });
  const simOrigin = new URL(sim.url).origin;
  const stats = async () => (await fetch(`${simOrigin}/__sim/stats`)).json() as Promise<SimStats>;
  // Another program: its own SOAP client, through nothing of the gateway's.
  const elsewhere = createUpstream({ baseUrl: sim.url, timeoutMs: 10_000 }).forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] });
  const defaults = configFromEnv({});
  const results: WayResult[] = [];
  try {
    for (const [index, [way, keep]] of WAYS.entries()) {
      const gateway = await startReplicaProcess({
        UPSALES_URL: sim.url, UPSALES_BUDGET_WINDOW_MS: String(WINDOW_MS), UPSALES_BLOCK_MS: String(8 * WINDOW_MS), LOG_LEVEL: 'info',
        CHANGES_POLL_MS: String(Math.round(defaults.changes.pollMs / CLOCK)),
        UPSALES_CACHE_TTL_MS: String(Math.round(defaults.cacheTtlMs / CLOCK)),
        // As npm start runs (tests' processes turn it off): kept reads keep their kind watched.
        CHANGES_WATCH_KEPT_READS: 'true',
      });
      const abort = new AbortController();
      const screens: Screen[] = Array.from({ length: SCREENS }, () => ({ shows: new Map(), firstShown: new Map() }));
      try {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        // The screens open; then the clock starts (their first reads are no part of keeping fresh).
        const keeping = screens.map((screen) => keep(gateway, screen, abort.signal).catch((error: unknown) => {
          if (!abort.signal.aborted) throw error;
        }));
        await new Promise((resolve) => setTimeout(resolve, 3 * WINDOW_MS));
        const board = (await gateway.query<Board>(BOARD)).data!.opportunities.nodes;
        await fetch(`${simOrigin}/__sim/reset-stats`, { method: 'POST' });
        const changedAt = new Map<string, number>();
        const started = Date.now();
        for (let change = 0; Date.now() - started < DURATION_MS; change++) {
          const target = board[change % board.length];
          const description = `Freshness ${index}-${change}`;
          const next = started + (change + 1) * CHANGE_EVERY_MS;
          await elsewhere.update('opportunity', [{ id: target.upsalesId, description }]);
          changedAt.set(description, performance.now());
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
        }
        const elapsed = Date.now() - started;
        const figures = await stats();
        // The last changes get as long as the others to show.
        await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
        const stalenessMs: number[] = [];
        let missed = 0;
        for (const [description, at] of changedAt) {
          for (const screen of screens) {
            const shown = screen.firstShown.get(description);
            if (shown === undefined) missed++;
            else stalenessMs.push(Math.max(0, shown - at));
          }
        }
        results.push({ way, calls: figures.calls.total / (elapsed / WINDOW_MS), throttled: figures.throttled.faults, stalenessMs, missed });
        abort.abort();
        await Promise.all(keeping);
      } finally {
        abort.abort();
        await gateway.stop();
      }
    }
  } finally {
    await sim.close();
  }
  console.log(`\nFreshness: ${SCREENS} screens of one account, a 4-call board, a change straight in Upsales every ${CHANGE_EVERY_MS} ms for ${DURATION_MS / 1000} s per way`
    + ` (short clock: 50 calls / ${WINDOW_MS} ms, budget ${BUDGET_CALLS}; x${CLOCK} on Upsales' clock)\n`);
  console.log(table(
    ['way', 'calls / window', 'share of budget', 'staleness p50 ms', 'p95 ms', 'p50 / p95 on Upsales\' clock s', 'not shown (screens x changes)', 'THROTTLED faults'],
    results.map(({ way, calls, throttled, stalenessMs, missed }) => {
      const [p50, p95] = [percentile(stalenessMs, 0.5), percentile(stalenessMs, 0.95)];
      return [way, calls.toFixed(1), `${Math.round((calls / BUDGET_CALLS) * 100)}%`, Math.round(p50), Math.round(p95),
        `${((p50 * CLOCK) / 1000).toFixed(1)} / ${((p95 * CLOCK) / 1000).toFixed(1)}`, missed, throttled];
    }),
  ));
}
