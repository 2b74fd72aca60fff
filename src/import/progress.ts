/**
 * Rate and time to go of a job. The ETA comes from the account's call
 * budget: the calls the remaining rows need (one write per batch, plus the
 * lookups each batch makes) and the calls already waiting, at the budget's
 * calls per window; when the measured rate is slower (other traffic, slow
 * answers), that rate is the better guess.
 */
import type { BudgetSnapshot } from '../budget/index.js';

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
  rate: number | null;
}

/** Seconds until the remaining rows are written. */
export function etaSeconds({ remainingRows, batchSize, callsPerBatch, budget, rate }: EtaInput): number {
  if (remainingRows <= 0) return 0;
  const calls = Math.ceil(remainingRows / batchSize) * callsPerBatch + budget.queued;
  // The first `remaining` calls of the window go at once; the rest at `limit` per window.
  const fromBudget = (Math.max(0, calls - budget.remaining) * budget.windowMs) / budget.limit / 1000;
  const fromRate = rate && rate > 0 ? remainingRows / rate : 0;
  return Math.round(Math.max(fromBudget, fromRate) * 10) / 10;
}
