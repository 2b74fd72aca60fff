/**
 * Import jobs of every user of one upstream: start (stage the file, then
 * run), pause, resume, cancel, progress events and results. Credentials are
 * held in memory only, for the jobs running (or paused) with them; after a
 * restart, a job runs again only with the configured account's credentials
 * if that account owns it, and otherwise waits, paused, for its owner.
 * Through a shared {@link JobBus} (Redis), jobs whose home is another
 * process are found, listed, followed and controlled as well: commands go
 * to that process, which carries them out (remote-jobs.ts).
 */
import { randomUUID } from 'node:crypto';
import { configFromEnv, type JobStoreSettings } from '../../config/config.js';
import type { Credentials, Upstream } from '../../upstream/index.js';
import { checkRequest, ImportInputError, ImportNotFoundError, ImportStorageLimitError, ImportStoppingError, NEEDS_OWNER, type StartRequest } from './import-request.js';
import { createMemoryJobBus, type JobBus } from '../bus/job-bus.js';
import { JobRuns } from './job-runs.js';
import { LeaseLostError, StagedRowsLimitError, StoreFullError, StoreUnavailableError, type JobStore, type StagedRowLimits } from '../store/job-store.js';
import { sameOwner } from '../store/owner.js';
import { jobView } from './progress.js';
import { readLimitsFromEnv, readRecords, SourceError, SourceTooLargeError, valueRecords, type ReadLimits } from '../readers/read-records.js';
import { RemoteJobs } from './remote-jobs.js';
import type { StopMode } from './runner.js';
import { settleMsFromEnv } from './settle.js';
import { FINAL_STATES, type JobRecord, type JobState, type JobView } from '../store/types.js';

export { ImportInputError, ImportNotFoundError, ImportStorageLimitError, ImportStoppingError, NEEDS_OWNER, storeRefusal, type StartRequest } from './import-request.js';
export { HOME_STOPPED } from './remote-jobs.js';

export interface ImportServiceOptions {
  store: JobStore;
  upstream: Upstream;
  /** UPSALES_BATCH_SIZE: the most items per call, and the default batch size. */
  batchSize: number;
  /** The configured account, whose jobs resume on start without a caller. */
  account?: Credentials;
  /**
   * How long after it was sent a batch of unknown outcome may still be
   * written upstream (timeout plus grace); it is reconciled no sooner.
   * @default UPSALES_TIMEOUT_MS + IMPORT_RECONCILE_GRACE_MS from the environment
   */
  settleMs?: number;
  /** What an import may hold. @default MAX_IMPORT_BYTES and MAX_IMPORT_ROWS from the environment */
  readLimits?: ReadLimits;
  /** Where runners tell what they did that is worth knowing (reconciliation). */
  log?(message: string): void;
  /** Jobs as every process sees them. @default this process's only ({@link createMemoryJobBus}) */
  bus?: JobBus;
  /** What unfinished jobs may hold staged. @default MAX_STAGED_ROWS_PER_USER and MAX_STAGED_ROWS from the environment */
  stagedLimits?: StagedRowLimits;
  /** How long a finished job and its results are kept. @default JOB_RETENTION_MS from the environment */
  retentionMs?: number;
}

/** What the job settings (MAX_STAGED_ROWS_PER_USER, MAX_STAGED_ROWS, JOB_RETENTION_MS) give an import service. */
export const jobBounds = (jobs: JobStoreSettings): Pick<ImportServiceOptions, 'stagedLimits' | 'retentionMs'> =>
  ({ stagedLimits: { perUser: jobs.stagedRowsPerUser, all: jobs.stagedRows }, retentionMs: jobs.retentionMs });

/** How often a job whose runner stopped because the store could not be reached is tried again. */
const UNREACHABLE_RETRY_MS = 1000;
/** The retention sweep runs at least this often. */
const SWEEP_MS = 3_600_000;

export class ImportService {
  readonly store: JobStore;
  private readonly settleMs: number;
  /** What an import may hold. */
  readonly readLimits: ReadLimits;
  private readonly runs: JobRuns;
  /** The owner's credentials of each job running here, or paused here since it ran. */
  private readonly credentials = new Map<string, Credentials>();
  private readonly remote: RemoteJobs;
  /** What unfinished jobs may hold staged. */
  private readonly stagedLimits: StagedRowLimits;
  private readonly retentionMs: number;
  /** Jobs being launched here now (their lease being taken). */
  private readonly launching = new Map<string, Promise<boolean>>();
  /** Each job's last publish, which its next one waits for. */
  private readonly publishing = new Map<string, Promise<unknown>>();
  /** Jobs whose file this process is reading now: they hold its lease, and the takeover sweep leaves them alone. */
  private readonly staging = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: ImportServiceOptions) {
    this.store = options.store;
    this.settleMs = options.settleMs ?? settleMsFromEnv();
    this.readLimits = options.readLimits ?? readLimitsFromEnv();
    const fromEnv = options.stagedLimits && options.retentionMs ? undefined : configFromEnv().jobs;
    this.stagedLimits = options.stagedLimits ?? { perUser: fromEnv!.stagedRowsPerUser, all: fromEnv!.stagedRows };
    this.retentionMs = options.retentionMs ?? fromEnv!.retentionMs;
    this.runs = new JobRuns({
      store: this.store, upstream: options.upstream, batchSize: options.batchSize, settleMs: this.settleMs, log: options.log,
      changed: (id) => this.publish(id),
      ended: (id, state) => {
        // A paused job keeps its owner's credentials here: a resume sent from another process (without them) runs with them.
        if (state !== 'PAUSED' && state !== 'SHUTDOWN' && state !== 'UNREACHABLE') this.credentials.delete(id);
        if (state === 'UNREACHABLE') this.retryWhenReachable(id);
      },
    });
    this.remote = new RemoteJobs(options.bus ?? createMemoryJobBus(), {
      store: this.store,
      stopping: () => this.runs.closed,
      runs: (id) => this.runs.has(id),
      pause: (owner, id) => this.pauseHere(owner, id),
      cancel: (owner, id) => this.cancelHere(owner, id),
      heldCredentials: (id) => this.credentials.get(id),
      resume: (credentials, id) => this.resumeHere(credentials, id),
      view: (job) => this.view(job),
    });
    this.every(Math.min(this.retentionMs, SWEEP_MS), () => this.sweep());
    // Shared by replicas on other machines: a job whose runner is gone (its lease ran out) is taken over here.
    if (this.store.shared) this.every(this.store.leaseMs / 3, () => this.resumeJobs());
  }

  /** Does `work` every `ms` until close (tracked: close waits for it); a failure waits for the next time. */
  private every(ms: number, work: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (!this.runs.closed) this.runs.track(work).catch(() => undefined);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Deletes jobs finished more than JOB_RETENTION_MS ago, with their results. */
  sweep(): Promise<number> {
    return this.store.sweep(Date.now() - this.retentionMs);
  }

  /** Runs the job again here once the store answers (its runner stopped when it could not be reached), unless another process took it meanwhile. */
  private retryWhenReachable(id: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.runs.closed) return;
      this.runs.track(async () => {
        const job = await this.store.job(id);
        if (!job || FINAL_STATES.includes(job.state) || job.state === 'PAUSED') return;
        await this.launch(id);
        this.publish(id);
      }).catch(() => this.retryWhenReachable(id));
    }, UNREACHABLE_RETRY_MS);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Stages the rows (streamed into SQLite) and starts the job. The job is
   * this process's from its creation (its lease), so that another process
   * starting on the same DATA_DIR leaves it alone.
   */
  start(credentials: Credentials, request: StartRequest): Promise<JobView> {
    return this.runs.track(async () => {
      const options = checkRequest(request, this.options.batchSize);
      const job = await this.store.createJob({
        id: randomUUID(), kind: request.kind, owner: credentials.username, upstream: this.options.upstream.baseUrl,
        format: request.format, options, source: request.sourceInfo,
      });
      this.staging.add(job.id);
      try {
        await this.store.stage(job.id, request.source
          ? readRecords(request.format, request.source, this.readLimits) : valueRecords(request.rows!, this.readLimits.rows), this.stagedLimits);
      } catch (error) {
        this.staging.delete(job.id);
        await this.stagingFailed(job.id, error);
        if (error instanceof SourceError) throw new ImportInputError(error.message, 'file', error instanceof SourceTooLargeError);
        if (error instanceof StagedRowsLimitError) throw new ImportStorageLimitError(error.message);
        throw error instanceof LeaseLostError ? new ImportInputError(error.message) : error;
      }
      this.credentials.set(job.id, credentials);
      try {
        // Stopping since the file was read: the job waits, QUEUED, for the next start.
        if (!await this.launch(job.id)) await this.store.releaseLease(job.id);
      } finally {
        this.staging.delete(job.id);
      }
      return this.published(job.id);
    });
  }

  /** Re-stages a job whose file is known and unchanged (the process stopped while staging), once no live process holds it. */
  restage(id: string, source: AsyncIterable<Uint8Array | string>): Promise<void> {
    return this.runs.track(async () => {
      const job = (await this.store.job(id))!;
      if (!await this.store.acquireLease(id)) throw new ImportInputError(`Import job ${id} is being read or run by another process`);
      this.staging.add(id);
      try {
        await this.store.stage(id, readRecords(job.format, source, this.readLimits), this.stagedLimits);
      } finally {
        this.staging.delete(id);
      }
    });
  }

  /** The job fails for a staging that failed, unless another process took it meanwhile (its state is that process's to write). */
  private async stagingFailed(id: string, error: unknown): Promise<void> {
    if (error instanceof LeaseLostError || error instanceof StoreUnavailableError) return;
    const reason = error instanceof SourceError || error instanceof StagedRowsLimitError || error instanceof StoreFullError ? error.message : 'The file could not be read';
    await this.leave(id, 'FAILED', reason);
  }

  /** Sets the job's state, lets its lease go and tells its followers. */
  private async leave(id: string, state: JobState, reason: string): Promise<void> {
    await this.store.setState(id, state, reason);
    await this.store.releaseLease(id);
    this.publish(id);
  }

  /** Runs the job here if no live process holds it (`held`: this process has just taken its lease). */
  private launch(id: string, held?: 'free' | 'taken over'): Promise<boolean> {
    if (this.runs.has(id)) return Promise.resolve(true);
    // One launch of a job at a time in this process (a resume and the takeover sweep may meet).
    const under = this.launching.get(id);
    if (under) return under;
    const launched = this.launchNow(id, held).finally(() => this.launching.delete(id));
    this.launching.set(id, launched);
    return launched;
  }

  private async launchNow(id: string, held?: 'free' | 'taken over'): Promise<boolean> {
    if (this.runs.closed) return false;
    const credentials = this.credentials.get(id);
    const taken = credentials && (held ?? await this.store.acquireLease(id));
    if (!credentials || !taken) return false;
    await this.runs.start(id, credentials, taken);
    return true;
  }

  /**
   * After a (re)start: jobs that were running go on, with the configured
   * account's credentials for its own jobs; other users' jobs wait, paused,
   * for their owner. Jobs stopped while staging their file fail unless
   * `restage` can read the file again. A job another live process holds
   * (it runs it, or still reads its file) is that process's: left alone.
   */
  resumeOpenJobs(restage?: (job: JobRecord) => AsyncIterable<Uint8Array | string> | undefined): Promise<void> {
    return this.runs.track(async () => {
      await this.sweep();
      await this.resumeJobs(restage);
    });
  }

  private async resumeJobs(restage?: (job: JobRecord) => AsyncIterable<Uint8Array | string> | undefined): Promise<void> {
    const { account } = this.options;
    for (const job of await this.store.openJobs()) {
      if (this.runs.closed) return;
      if (job.state === 'PAUSED' || this.runs.has(job.id) || this.launching.has(job.id) || this.staging.has(job.id) || job.upstream !== this.options.upstream.baseUrl) continue;
      const taken = await this.store.acquireLease(job.id);
      if (!taken) continue;
      if (this.runs.has(job.id)) continue;
      // Credentials this process still holds for the job (its runner stopped when the store could not be reached), else the configured account's own.
      const credentials = this.credentials.get(job.id) ?? (account && sameOwner(account.username, job.owner) ? account : undefined);
      if (!credentials) {
        await this.leave(job.id, 'PAUSED', NEEDS_OWNER);
        continue;
      }
      if (!job.staged) {
        const source = restage?.(job);
        if (!source) {
          await this.leave(job.id, 'FAILED', 'The process stopped while the file was read; start the import again');
          continue;
        }
        try {
          await this.store.stage(job.id, readRecords(job.format, source, this.readLimits), this.stagedLimits);
        } catch (error) {
          await this.stagingFailed(job.id, error);
          continue;
        }
      }
      this.credentials.set(job.id, credentials);
      if (!await this.launch(job.id, taken)) await this.store.releaseLease(job.id);
      this.publish(job.id);
    }
  }

  /** The caller's job; throws {@link ImportNotFoundError} for a job of another user. */
  async job(owner: string, id: string): Promise<JobRecord> {
    const job = await this.store.job(id);
    if (!job || !sameOwner(job.owner, owner)) throw new ImportNotFoundError(`Import job ${id} was not found`);
    return job;
  }

  /** The caller's job, here or in another process. */
  async get(owner: string, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(owner, id);
    return 'here' in where ? this.view(where.here) : where.remote;
  }

  /** The caller's jobs, here and in other processes, newest first. */
  async list(owner: string): Promise<JobView[]> {
    const here = (await this.store.jobs(owner)).map((job) => this.view(job));
    const others = await this.remote.others(owner, new Set(here.map((job) => job.id)));
    return [...here, ...others].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The caller's job, unless it is completed, failed or cancelled ({@link ImportInputError}). */
  private async openJob(owner: string, id: string): Promise<JobRecord> {
    const job = await this.job(owner, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    return job;
  }

  /** Stops the caller's job if it runs here, after its batches in flight are recorded. */
  private async stop(owner: string, id: string, mode: StopMode): Promise<void> {
    await this.openJob(owner, id);
    await this.runs.stop(id, mode);
  }

  /** Pauses after the batches in flight are recorded. */
  async pause(owner: string, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(owner, id);
    return 'remote' in where ? where.send('pause') : this.pauseHere(owner, id);
  }

  private async pauseHere(owner: string, id: string): Promise<JobView> {
    await this.stop(owner, id, 'pause');
    if ((await this.store.job(id))!.state !== 'PAUSED') await this.store.setState(id, 'PAUSED', 'Paused by its owner');
    return this.published(id);
  }

  /** Resumes a paused job with its owner's credentials (in another process: with those it holds). */
  async resume(credentials: Credentials, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(credentials.username, id);
    return 'remote' in where ? where.send('resume') : this.resumeHere(credentials, id);
  }

  private async resumeHere(credentials: Credentials, id: string): Promise<JobView> {
    if (this.runs.closed) throw new ImportStoppingError();
    if (!(await this.openJob(credentials.username, id)).staged) throw new ImportInputError(`Import job ${id} stopped while its file was read; start the import again`);
    this.credentials.set(id, credentials);
    if (!await this.launch(id)) throw new ImportInputError(`Import job ${id} is running in another process`);
    return this.view((await this.store.job(id))!);
  }

  /** Cancels: rows not yet sent are skipped; rows written stay written. */
  async cancel(owner: string, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(owner, id);
    return 'remote' in where ? where.send('cancel') : this.cancelHere(owner, id);
  }

  private async cancelHere(owner: string, id: string): Promise<JobView> {
    await this.stop(owner, id, 'cancel');
    if ((await this.store.job(id))!.state !== 'CANCELLED') {
      await this.store.skipPending(id);
      await this.store.setState(id, 'CANCELLED');
      this.credentials.delete(id);
    }
    return this.published(id);
  }

  /** Resolves when the job's runner in this process has stopped (at once when none runs). */
  async settled(id: string): Promise<JobView> {
    await this.runs.finished(id);
    return this.view((await this.store.job(id))!);
  }

  /** The job now, then at each change, until it is completed, failed or cancelled (or the follower stops). */
  watch(owner: string, id: string, signal?: AbortSignal): AsyncIterableIterator<JobView> {
    return this.remote.watch(owner, id, () => this.get(owner, id), signal);
  }

  /** Tells followers the job's state now (read from the store; nothing when it cannot be read now). */
  private publish(id: string): void {
    void this.published(id).catch(() => undefined);
  }

  /**
   * Publishes the job's state now, and returns it. One job's publishes read
   * the store one after another: two reads in flight at once (PostgreSQL)
   * may answer out of order, and followers would see progress go back.
   */
  private published(id: string): Promise<JobView> {
    const previous = this.publishing.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const job = await this.store.job(id);
      if (!job) throw new ImportNotFoundError(`Import job ${id} was not found`);
      this.runs.meter(id)?.add(job.created + job.updated + job.failed);
      const view = this.view(job);
      this.remote.publish(view);
      return view;
    });
    const settled = next.catch(() => undefined);
    this.publishing.set(id, settled);
    void settled.then(() => {
      if (this.publishing.get(id) === settled) this.publishing.delete(id);
    });
    return next;
  }

  view(job: JobRecord): JobView {
    const budget = this.options.upstream.budgetForAccount(job.owner);
    return jobView(job, this.runs.meter(job.id), budget.snapshot(), budget.interactiveReserve, this.options.batchSize);
  }

  /**
   * Stops: from now on nothing starts or resumes ({@link ImportStoppingError});
   * every runner stops after its batches in flight (its job stays RUNNING, to
   * go on at the next start); a file being read is read to the end (its job
   * waits, QUEUED, for the next start). Resolves once nothing here writes to
   * the store any more: it may be closed then.
   */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    await this.runs.close();
  }
}
