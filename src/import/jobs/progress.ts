/**
 * Rate and time to go of a job. The ETA comes from the account's call
 * budget: the calls the remaining rows need (one write per batch, plus the
 * lookups each batch makes) and the calls already waiting, at the budget's
 * calls per window; when the measured rate is slower (other traffic, slow
 * answers), that rate is the better guess.
 */
import type { BudgetSnapshot } from '../../budget/index.js';
import { ColumnPlan } from './columns.js';
import type { JobRecord, JobView } from '../store/types.js';

const RATE_WINDOW_MS = 10_000;

export class RateMeter {
  private samples: { at: number; done: number }[] = [];

  add(done: number, at = Date.now()): void {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && this.samples[1].at < at - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Rows per second over the last seconds; null before two samples. */
  rate(now = Date.now()): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last === first || now - last.at > RATE_WINDOW_MS) return null;
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? (last.done - first.done) / seconds : null;
  }
}

export interface EtaInput {
  remainingRows: number;
  batchSize: number;
  /** Upstream calls per batch: the write, plus the match and reference lookups. */
  callsPerBatch: number;
  budget: BudgetSnapshot;
  /** Places of the window background calls never take (UPSALES_INTERACTIVE_RESERVE). @default 0 */
  reserve?: number;
  rate: number | null;
}

/** Seconds until the remaining rows are written. */
export function etaSeconds({ remainingRows, batchSize, callsPerBatch, budget, reserve = 0, rate }: EtaInput): number {
  if (remainingRows <= 0) return 0;
  const calls = Math.ceil(remainingRows / batchSize) * callsPerBatch + budget.queued;
  // The first calls the window has room for go at once; the rest at `limit` per window, less the reserve the import never takes.
  const perWindow = Math.max(1, budget.limit - reserve);
  const fromBudget = (Math.max(0, calls - Math.max(0, budget.remaining - reserve)) * budget.windowMs) / perWindow / 1000;
  const fromRate = rate && rate > 0 ? remainingRows / rate : 0;
  return Math.round(Math.max(fromBudget, fromRate) * 10) / 10;
}

/**
 * The job with its rate (from `meter`) and, while it runs, its ETA on
 * `budget` less its interactive `reserve`; `maxBatchSize`: UPSALES_BATCH_SIZE.
 */
export function jobView(job: JobRecord, meter: RateMeter | undefined, budget: BudgetSnapshot, reserve: number, maxBatchSize: number): JobView {
  const done = job.created + job.updated + job.failed;
  const running = job.state === 'RUNNING' || job.state === 'QUEUED';
  const rate = running ? meter?.rate() ?? null : null;
  let eta: number | null = null;
  if (running && job.staged) {
    const plan = ColumnPlan.forKind(job.kind, job.options.mapping);
    const refColumns = Object.keys(job.options.mapping ?? {}).filter((c) => plan.target(c)?.type === 'refKey').length;
    eta = etaSeconds({
      remainingRows: job.total - done,
      batchSize: Math.min(job.options.batchSize ?? maxBatchSize, maxBatchSize),
      callsPerBatch: 1 + (job.options.matchBy ? 1 : 0) + refColumns,
      budget,
      reserve,
      rate,
    });
  }
  return { ...job, done, rate: rate === null ? null : Math.round(rate * 10) / 10, etaSeconds: eta };
}
