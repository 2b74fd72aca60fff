/**
 * The gateway's Prometheus series (prom-client), in one registry that
 * `GET /metrics` serves (app/plugins/use-metrics.ts, graphql-yoga's
 * Prometheus plugin): the call budget per account, SOAP calls by service,
 * operation and outcome with their latency, THROTTLED faults, time queued for
 * the budget, the estimate against the calls made, reads answered from what
 * was kept, import rows by outcome, and what requests hold open (streams,
 * WebSockets, uploads) with the claims refused past their bounds. An account is named by a hash of it
 * ({@link accountLabel}), never by its username; no label takes a value a
 * caller chooses freely.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { accountTag } from '../account/account-tag.js';
import type { BudgetRegistry } from '../budget/index.js';

/** What the budget of one account shows now. */
export interface AccountBudget {
  /** The account's key (upstream and username): hashed here, never a label as it is. */
  account: string;
  used: number;
  remaining: number;
  queued: number;
  inFlight: number;
  blocked: boolean;
  /** Whether the window is shared with other processes (Redis) now. */
  shared: boolean;
}

/** One SOAP call, once it has an outcome. */
export interface SoapCallEvent {
  service: string;
  operation: string;
  /** `ok`, or the upstream error kind (`THROTTLED`, `TIMEOUT`, `VALIDATION_ERROR`...). */
  outcome: string;
  durationMs: number;
  /** The account's key: hashed here. */
  account: string;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** The adapter's observer (src/upstream's UpstreamObserver): calls, waits for the budget, reads answered without a call. */
  readonly upstream: {
    call(event: SoapCallEvent): void;
    queued(priority: string, waitedMs: number): void;
    saved(group: string): void;
  };
  /** One finished operation: what it was estimated to cost and what it sent. */
  operation(type: string, estimatedCalls: number, soapCalls: number): void;
  importRows(kind: string, outcome: string, rows: number): void;
  /** Reads these budgets at each scrape (once for all its series). */
  watchBudgets(budgets: BudgetRegistry): void;
  /** Reads what these slots hold, and how many claims they refused, at each scrape. */
  watchSlots(slots: HeldSlotsReading): void;
}

/** Slots requests hold (src/request/held-slots.ts), as the metrics read them. */
export interface HeldSlotsReading {
  readonly what: string;
  readonly inFlight: number;
  refused(): ReadonlyMap<string, number>;
}

/** Keys the account labels when ACCOUNT_HASH_KEY is not set: this process's own secret, so a label never is a plain hash of a username. */
const PROCESS_LABEL_KEY = randomBytes(32);

/**
 * An account as a label: the first 12 hex digits of its {@link accountTag}
 * (keyed by ACCOUNT_HASH_KEY, so every replica labels an account alike), or
 * without that key of an HMAC under this process's own random key: never
 * the username, never a hash anyone could compute from a list of them.
 */
export const accountLabel = (accountKey: string): string => (process.env.ACCOUNT_HASH_KEY
  ? accountTag(accountKey) : createHmac('sha256', PROCESS_LABEL_KEY).update(accountKey).digest('hex')).slice(0, 12);

/** Accounts with series of their own (the ones using most of their budget); the rest are summed under `account="other"`. @default 20 */
export const METRICS_MAX_ACCOUNTS = 20;

/** The label `other`: every account past {@link METRICS_MAX_ACCOUNTS}. */
export const OTHER_ACCOUNTS = 'other';

const CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WAIT_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120];
const COUNT_BUCKETS = [0, 1, 2, 3, 5, 8, 13, 21, 34, 45, 100];

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const calls = new Counter({ name: 'upsales_soap_calls_total', help: 'SOAP calls sent to Upsales, by service, operation and outcome', labelNames: ['service', 'operation', 'outcome'] as const, registers });
  const latency = new Histogram({ name: 'upsales_soap_call_duration_seconds', help: 'Time from sending a SOAP call to its answer', labelNames: ['service', 'operation'] as const, buckets: CALL_BUCKETS, registers });
  const throttled = new Counter({ name: 'upsales_throttled_total', help: 'THROTTLED faults Upsales answered, by account', labelNames: ['account'] as const, registers });
  const waits = new Histogram({ name: 'upsales_budget_queue_seconds', help: 'Time a call waited for the call budget before it was sent', labelNames: ['priority'] as const, buckets: WAIT_BUCKETS, registers });
  const cached = new Counter({ name: 'upsales_cached_reads_total', help: 'Reads answered from kept answers (or shared with one in flight) instead of a SOAP call, by entity group', labelNames: ['group'] as const, registers });
  const estimated = new Histogram({ name: 'upsales_operation_estimated_calls', help: 'SOAP calls an operation was estimated to need before it ran', labelNames: ['type'] as const, buckets: COUNT_BUCKETS, registers });
  const sent = new Histogram({ name: 'upsales_operation_soap_calls', help: 'SOAP calls an operation sent', labelNames: ['type'] as const, buckets: COUNT_BUCKETS, registers });
  const overruns = new Counter({ name: 'upsales_operation_estimate_overruns_total', help: 'Operations that sent more calls than estimated', labelNames: ['type'] as const, registers });
  const rows = new Counter({ name: 'upsales_import_rows_total', help: 'Import rows finished, by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers });

  let read: () => Promise<AccountBudget[]> = async () => [];
  // One read serves every budget series of a scrape (with Redis, each read is a round trip).
  let scrape: { at: number; readings: Promise<AccountBudget[]> } | undefined;
  const readings = () => {
    if (!scrape || Date.now() - scrape.at > 1_000) scrape = { at: Date.now(), readings: read().catch(() => []) };
    return scrape.readings;
  };
  // The busiest accounts keep series of their own; the others are summed, so accounts that come and go (made-up usernames) add none.
  const budgetGauge = (name: string, help: string, value: (reading: AccountBudget) => number) => new Gauge({
    name, help, labelNames: ['account'] as const, registers,
    async collect() {
      this.reset();
      const all = (await readings()).sort((a, b) => b.used + b.queued + b.inFlight - (a.used + a.queued + a.inFlight));
      for (const reading of all.slice(0, METRICS_MAX_ACCOUNTS)) this.set({ account: accountLabel(reading.account) }, value(reading));
      if (all.length > METRICS_MAX_ACCOUNTS) this.set({ account: OTHER_ACCOUNTS }, all.slice(METRICS_MAX_ACCOUNTS).reduce((sum, r) => sum + value(r), 0));
    },
  });
  /** Accounts whose THROTTLED faults have a series of their own. */
  const throttledAccounts = new Set<string>();
  const throttledLabel = (account: string): string => {
    const label = accountLabel(account);
    if (throttledAccounts.has(label) || throttledAccounts.size < METRICS_MAX_ACCOUNTS) {
      throttledAccounts.add(label);
      return label;
    }
    return OTHER_ACCOUNTS;
  };
  const slots: HeldSlotsReading[] = [];
  new Gauge({
    name: 'upsales_gateway_open', help: 'What requests hold open now, by what: streams (subscriptions, live queries, deferred or streamed answers), websockets, uploads', labelNames: ['what'] as const, registers,
    collect() {
      this.reset();
      for (const held of slots) this.set({ what: held.what }, held.inFlight);
    },
  });
  new Counter({
    name: 'upsales_gateway_refused_total', help: 'Streams, WebSockets and uploads refused past their bounds, by what and code (TOO_MANY_<WHAT>: the user\'s bound; UNAVAILABLE: the gateway\'s)', labelNames: ['what', 'code'] as const, registers,
    collect() {
      this.reset();
      for (const held of slots) for (const [code, count] of held.refused()) this.inc({ what: held.what, code }, count);
    },
  });
  budgetGauge('upsales_budget_used_calls', 'Calls counted in the account\'s sliding window now', (r) => r.used);
  budgetGauge('upsales_budget_remaining_calls', 'Calls the account may still send in its window', (r) => r.remaining);
  budgetGauge('upsales_budget_queued_calls', 'Calls waiting for the account\'s budget', (r) => r.queued);
  budgetGauge('upsales_budget_in_flight_calls', 'Calls of the account sent and not yet answered', (r) => r.inFlight);
  budgetGauge('upsales_budget_blocked', '1 while the account waits out a THROTTLED block', (r) => Number(r.blocked));
  budgetGauge('upsales_budget_shared', '1 while the account\'s window is shared through Redis', (r) => Number(r.shared));

  return {
    registry,
    upstream: {
      call({ service, operation, outcome, durationMs, account }) {
        calls.inc({ service, operation, outcome });
        latency.observe({ service, operation }, durationMs / 1000);
        if (outcome === 'THROTTLED') throttled.inc({ account: throttledLabel(account) });
      },
      queued: (priority, waitedMs) => waits.observe({ priority }, waitedMs / 1000),
      saved: (group) => cached.inc({ group }),
    },
    operation(type, estimatedCalls, soapCalls) {
      estimated.observe({ type }, estimatedCalls);
      sent.observe({ type }, soapCalls);
      if (soapCalls > estimatedCalls) overruns.inc({ type });
    },
    importRows: (kind, outcome, count) => rows.inc({ kind, outcome }, count),
    watchSlots: (held) => { slots.push(held); },
    watchBudgets(budgets) {
      read = () => Promise.all([...budgets.entries()].map(async ([account, budget]) => {
        const reading = await budget.read();
        return { account, ...reading, blocked: reading.blockedUntil !== null };
      }));
    },
  };
}
