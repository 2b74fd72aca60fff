/** The CLI's progress bar: drawn in place on a terminal, a line every IMPORT_PROGRESS_MS otherwise. */
import type { JobView } from '../../src/import/store/types.js';

/** What the bar shows of a job, in process or from the gateway's ImportJob. */
export type JobProgress = Pick<JobView, 'id' | 'state' | 'reason' | 'total' | 'done' | 'created' | 'updated' | 'failed' | 'rate' | 'etaSeconds'>;

const seconds = (s: number | null) => (s === null ? '?' : s < 90 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`);

export function progressLine(job: JobProgress, width = 30): string {
  const share = job.total ? job.done / job.total : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${job.done}/${job.total} rows`
    + ` | ${job.rate ?? 0} rows/s | ETA ${seconds(job.etaSeconds)} | created ${job.created} updated ${job.updated} failed ${job.failed}`;
}

export const isActive = (job: Pick<JobProgress, 'state'>) => job.state === 'RUNNING' || job.state === 'QUEUED';

/** Draws each state of the job until it stops running (off a terminal, a line every `everyMs`); returns the last one seen. */
export async function showProgress<J extends JobProgress>(jobs: AsyncIterable<J>, everyMs: number): Promise<J | undefined> {
  const tty = process.stdout.isTTY;
  let last = 0;
  let latest: J | undefined;
  for await (const job of jobs) {
    latest = job;
    const now = Date.now();
    if (tty) process.stdout.write(`\r${progressLine(job)}\x1b[K`);
    else if (now - last >= everyMs || !isActive(job)) {
      console.log(progressLine(job));
      last = now;
    }
    if (!isActive(job)) break;
  }
  if (tty) process.stdout.write('\n');
  return latest;
}
