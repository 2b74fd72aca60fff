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
import type { Credentials, Upstream } from '../../upstream/index.js';
import { checkRequest, ImportInputError, ImportNotFoundError, ImportStoppingError, NEEDS_OWNER, type StartRequest } from './import-request.js';
import { createMemoryJobBus, type JobBus } from '../bus/job-bus.js';
import { JobRuns } from './job-runs.js';
import { JobStore, LeaseLostError } from '../store/job-store.js';
import { sameOwner } from '../store/owner.js';
import { jobView } from './progress.js';
import { readLimitsFromEnv, readRecords, SourceError, SourceTooLargeError, valueRecords, type ReadLimits } from '../readers/read-records.js';
import { RemoteJobs } from './remote-jobs.js';
import type { StopMode } from './runner.js';
import { settleMsFromEnv } from './settle.js';
import { FINAL_STATES, type JobRecord, type JobState, type JobView } from '../store/types.js';

export { ImportInputError, ImportNotFoundError, ImportStoppingError, NEEDS_OWNER, type StartRequest } from './import-request.js';
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
}

export class ImportService {
  readonly store: JobStore;
  private readonly settleMs: number;
  /** What an import may hold. */
  readonly readLimits: ReadLimits;
  private readonly runs: JobRuns;
  /** The owner's credentials of each job running here, or paused here since it ran. */
  private readonly credentials = new Map<string, Credentials>();
  private readonly remote: RemoteJobs;

  constructor(private readonly options: ImportServiceOptions) {
    this.store = options.store;
    this.settleMs = options.settleMs ?? settleMsFromEnv();
    this.readLimits = options.readLimits ?? readLimitsFromEnv();
    this.runs = new JobRuns({
      store: this.store, upstream: options.upstream, batchSize: options.batchSize, settleMs: this.settleMs, log: options.log,
      changed: (id) => this.publish(id),
      ended: (id, state) => {
        // A paused job keeps its owner's credentials here: a resume sent from another process (without them) runs with them.
        if (state !== 'PAUSED' && state !== 'SHUTDOWN') this.credentials.delete(id);
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
  }

  /**
   * Stages the rows (streamed into SQLite) and starts the job. The job is
   * this process's from its creation (its lease), so that another process
   * starting on the same DATA_DIR leaves it alone.
   */
  start(credentials: Credentials, request: StartRequest): Promise<JobView> {
    return this.runs.track(async () => {
      const options = checkRequest(request, this.options.batchSize);
      const job = this.store.createJob({
        id: randomUUID(), kind: request.kind, owner: credentials.username, upstream: this.options.upstream.baseUrl,
        format: request.format, options, source: request.sourceInfo,
      });
      try {
        await this.store.stage(job.id, request.source
          ? readRecords(request.format, request.source, this.readLimits) : valueRecords(request.rows!, this.readLimits.rows));
      } catch (error) {
        this.stagingFailed(job.id, error);
        if (error instanceof SourceError) throw new ImportInputError(error.message, 'file', error instanceof SourceTooLargeError);
        throw error instanceof LeaseLostError ? new ImportInputError(error.message) : error;
      }
      this.credentials.set(job.id, credentials);
      // Stopping since the file was read: the job waits, QUEUED, for the next start.
      if (!this.launch(job.id)) this.store.releaseLease(job.id);
      return this.published(job.id);
    });
  }

  /** Re-stages a job whose file is known and unchanged (the process stopped while staging), once no live process holds it. */
  restage(id: string, source: AsyncIterable<Uint8Array | string>): Promise<void> {
    return this.runs.track(async () => {
      const job = this.store.job(id)!;
      if (!this.store.acquireLease(id)) throw new ImportInputError(`Import job ${id} is being read or run by another process`);
      await this.store.stage(id, readRecords(job.format, source, this.readLimits));
    });
  }

  /** The job fails for a staging that failed, unless another process took it meanwhile (its state is that process's to write). */
  private stagingFailed(id: string, error: unknown): void {
    if (!(error instanceof LeaseLostError)) this.leave(id, 'FAILED', error instanceof SourceError ? error.message : 'The file could not be read');
  }

  /** Sets the job's state, lets its lease go and tells its followers. */
  private leave(id: string, state: JobState, reason: string): void {
    this.store.setState(id, state, reason);
    this.store.releaseLease(id);
    this.publish(id);
  }

  /** Runs the job here if no live process holds it (`held`: this process has just taken its lease). */
  private launch(id: string, held?: 'free' | 'taken over'): boolean {
    if (this.runs.has(id)) return true;
    if (this.runs.closed) return false;
    const credentials = this.credentials.get(id);
    const taken = credentials && (held ?? this.store.acquireLease(id));
    if (!credentials || !taken) return false;
    this.runs.start(id, credentials, taken);
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
    return this.runs.track(() => this.resumeJobs(restage));
  }

  private async resumeJobs(restage?: (job: JobRecord) => AsyncIterable<Uint8Array | string> | undefined): Promise<void> {
    const { account } = this.options;
    for (const job of this.store.openJobs()) {
      if (this.runs.closed) return;
      if (job.state === 'PAUSED' || this.runs.has(job.id) || job.upstream !== this.options.upstream.baseUrl) continue;
      const taken = this.store.acquireLease(job.id);
      if (!taken) continue;
      if (!account || !sameOwner(account.username, job.owner)) {
        this.leave(job.id, 'PAUSED', NEEDS_OWNER);
        continue;
      }
      if (!job.staged) {
        const source = restage?.(job);
        if (!source) {
          this.leave(job.id, 'FAILED', 'The process stopped while the file was read; start the import again');
          continue;
        }
        try {
          await this.store.stage(job.id, readRecords(job.format, source, this.readLimits));
        } catch (error) {
          this.stagingFailed(job.id, error);
          continue;
        }
      }
      this.credentials.set(job.id, account);
      if (!this.launch(job.id, taken)) this.store.releaseLease(job.id);
    }
  }

  /** The caller's job; throws {@link ImportNotFoundError} for a job of another user. */
  job(owner: string, id: string): JobRecord {
    const job = this.store.job(id);
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
    const here = this.store.jobs(owner).map((job) => this.view(job));
    const others = await this.remote.others(owner, new Set(here.map((job) => job.id)));
    return [...here, ...others].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The caller's job, unless it is completed, failed or cancelled ({@link ImportInputError}). */
  private openJob(owner: string, id: string): JobRecord {
    const job = this.job(owner, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    return job;
  }

  /** Stops the caller's job if it runs here, after its batches in flight are recorded. */
  private async stop(owner: string, id: string, mode: StopMode): Promise<void> {
    this.openJob(owner, id);
    await this.runs.stop(id, mode);
  }

  /** Pauses after the batches in flight are recorded. */
  async pause(owner: string, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(owner, id);
    return 'remote' in where ? where.send('pause') : this.pauseHere(owner, id);
  }

  private async pauseHere(owner: string, id: string): Promise<JobView> {
    await this.stop(owner, id, 'pause');
    if (this.store.job(id)!.state !== 'PAUSED') this.store.setState(id, 'PAUSED', 'Paused by its owner');
    return this.published(id);
  }

  /** Resumes a paused job with its owner's credentials (in another process: with those it holds). */
  async resume(credentials: Credentials, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(credentials.username, id);
    return 'remote' in where ? where.send('resume') : this.resumeHere(credentials, id);
  }

  private resumeHere(credentials: Credentials, id: string): JobView {
    if (this.runs.closed) throw new ImportStoppingError();
    if (!this.openJob(credentials.username, id).staged) throw new ImportInputError(`Import job ${id} stopped while its file was read; start the import again`);
    this.credentials.set(id, credentials);
    if (!this.launch(id)) throw new ImportInputError(`Import job ${id} is running in another process`);
    return this.view(this.store.job(id)!);
  }

  /** Cancels: rows not yet sent are skipped; rows written stay written. */
  async cancel(owner: string, id: string): Promise<JobView> {
    const where = await this.remote.whereIs(owner, id);
    return 'remote' in where ? where.send('cancel') : this.cancelHere(owner, id);
  }

  private async cancelHere(owner: string, id: string): Promise<JobView> {
    await this.stop(owner, id, 'cancel');
    if (this.store.job(id)!.state !== 'CANCELLED') {
      this.store.skipPending(id);
      this.store.setState(id, 'CANCELLED');
      this.credentials.delete(id);
    }
    return this.published(id);
  }

  /** Resolves when the job's runner in this process has stopped (at once when none runs). */
  async settled(id: string): Promise<JobView> {
    await this.runs.finished(id);
    return this.view(this.store.job(id)!);
  }

  /** The job now, then at each change, until it is completed, failed or cancelled (or the follower stops). */
  watch(owner: string, id: string, signal?: AbortSignal): AsyncIterableIterator<JobView> {
    return this.remote.watch(owner, id, () => this.get(owner, id), signal);
  }

  private publish(id: string): void {
    const job = this.store.job(id);
    if (!job) return;
    this.runs.meter(id)?.add(job.created + job.updated + job.failed);
    this.remote.publish(this.view(job));
  }

  /** Publishes the job's state now, and returns it. */
  private published(id: string): JobView {
    this.publish(id);
    return this.view(this.store.job(id)!);
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
    await this.runs.close();
  }
}
