/**
 * What this process is doing with its import jobs: the runners, one per job
 * it runs, with the owner's credentials on the account's budget at
 * background priority, holding the job's lease (renewed meanwhile: a runner
 * that loses it stops before its next write), and what a runner's end means
 * for its job's state; and the work under way that the process's stop must
 * wait for (files being staged). A job taken over from a process that died
 * first waits out that process's last calls.
 */
import type { Credentials, Upstream } from '../../upstream/index.js';
import { ImportStoppingError } from './import-request.js';
import { LeaseLostError, type JobStore } from '../store/job-store.js';
import { RateMeter } from './progress.js';
import { JobRunner, type RunEnd, type StopMode } from './runner.js';

/** Added to the throttle window a job taken over from a dead process waits out. */
const TAKEOVER_MARGIN_MS = 1000;

export interface JobRunsOptions {
  store: JobStore;
  upstream: Upstream;
  /** UPSALES_BATCH_SIZE. */
  batchSize: number;
  /** How long after it was sent a batch of unknown outcome is reconciled (runner.ts). */
  settleMs: number;
  log?(message: string): void;
  /** Told of each change of a job's progress or state. */
  changed(id: string): void;
  /** Told when a run has ended, its state written by then (but for LOST: another process runs the job now). */
  ended(id: string, state: RunEnd['state']): void;
}

export class JobRuns {
  private readonly runs = new Map<string, { runner: JobRunner; finished: Promise<void> }>();
  private readonly meters = new Map<string, RateMeter>();
  private closing = false;
  /** Work under way that close() waits for. */
  private readonly working = new Set<Promise<unknown>>();

  constructor(private readonly options: JobRunsOptions) {}

  /** Whether close() was called: nothing starts here any more. */
  get closed(): boolean {
    return this.closing;
  }

  /** Does `work` unless closed ({@link ImportStoppingError}); close() waits for it. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) throw new ImportStoppingError();
    const done = work();
    this.working.add(done);
    try {
      return await done;
    } finally {
      this.working.delete(done);
    }
  }

  /** Whether a runner of this process runs the job now. */
  has(id: string): boolean {
    return this.runs.has(id);
  }

  /** The job's rate meter, once it has run here. */
  meter(id: string): RateMeter | undefined {
    return this.meters.get(id);
  }

  /**
   * Runs the job, whose lease this process has taken (`taken over`: from a
   * process that died), with its owner's credentials. The job is RUNNING and
   * its runner known (has) once this resolves.
   */
  async start(id: string, credentials: Credentials, taken: 'free' | 'taken over'): Promise<void> {
    const { store, upstream } = this.options;
    const budget = upstream.budgetForAccount(credentials.username);
    // The calls of a process that died holding the job still count upstream for a window: let it pass first.
    const notBefore = taken === 'taken over' ? Date.now() + budget.snapshot().windowMs + TAKEOVER_MARGIN_MS : 0;
    const job = await store.job(id);
    await store.setState(id, 'RUNNING');
    const runner = new JobRunner(job!, {
      store,
      // Checked the moment each call goes on the wire, after its wait for the budget: a runner whose lease was taken meanwhile sends nothing.
      client: upstream.forCredentials(credentials, { calls: 0, queuedMs: 0, log: [] }, 'background', {
        onWire: async () => {
          if (!await store.renewLease(id)) throw new LeaseLostError(`Another process took import job ${id}`);
          // Renewed for a whole lease: the call goes out within half of it, or not at all (this process was held up meanwhile).
          const until = Date.now() + store.leaseMs / 2;
          return () => {
            if (Date.now() > until) throw new LeaseLostError(`Import job ${id}: this process was held up past its lease before a call went out`);
          };
        },
      }),
      batchSize: this.options.batchSize, concurrency: budget.concurrency, settleMs: this.options.settleMs, notBefore, log: this.options.log,
      onProgress: () => this.options.changed(id),
      holdsLease: () => store.renewLease(id),
    });
    this.meters.set(id, new RateMeter());
    const lease = setInterval(() => {
      // A store that cannot be reached now is not a lost lease: the runner's next write finds out.
      store.renewLease(id).then((held) => held || runner.stop('lost'), () => undefined);
    }, store.leaseMs / 3);
    lease.unref();
    const finished = runner.run().then(async (end) => {
      clearInterval(lease);
      if (end.state === 'LOST') this.options.log?.(`Import job ${id} was taken over by another process: this one stopped it without sending more`);
      if (end.state === 'UNREACHABLE') this.options.log?.(`Import job ${id} waits: the job store cannot be reached; it goes on once it answers`);
      try {
        await this.record(id, end);
      } catch {
        // The store failed again (unreachable, or full): the job's state stays as it was; the run is over all the same.
      }
      this.runs.delete(id);
      this.options.ended(id, end.state);
      this.options.changed(id);
    });
    this.runs.set(id, { runner, finished });
    this.options.changed(id);
  }

  /** What the run's end means for the job; the job's lease goes. */
  private async record(id: string, end: RunEnd): Promise<void> {
    // Another process runs the job now: its state is that process's to write. Or the store cannot be reached: nothing can be written.
    if (end.state === 'LOST' || end.state === 'UNREACHABLE') return;
    const { store } = this.options;
    if (end.state === 'CANCELLED') await store.skipPending(id);
    // Stopped with the process: the job stays RUNNING, to go on at the next start.
    if (end.state !== 'SHUTDOWN') await store.setState(id, end.state, 'reason' in end ? end.reason : null);
    await store.releaseLease(id);
  }

  /** Stops the job's runner, if one runs here, after its batches in flight are recorded; resolves once it has stopped. */
  async stop(id: string, mode: StopMode): Promise<void> {
    const running = this.runs.get(id);
    running?.runner.stop(mode);
    await running?.finished;
  }

  /** Resolves once the job's runner here has stopped (at once when none runs). */
  async finished(id: string): Promise<void> {
    await this.runs.get(id)?.finished;
  }

  /**
   * From now on nothing starts here; every runner stops after its batches in
   * flight (its job stays RUNNING, to go on at the next start). Resolves once
   * they have stopped and the work tracked is done.
   */
  async close(): Promise<void> {
    this.closing = true;
    const running = [...this.runs.values()];
    for (const { runner } of running) runner.stop('shutdown');
    await Promise.all([...running.map((r) => r.finished), ...[...this.working].map((work) => work.catch(() => undefined))]);
  }
}
