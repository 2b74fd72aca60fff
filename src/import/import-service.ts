/**
 * Import jobs of every user of one upstream: start (stage the file, then
 * run), pause, resume, cancel, progress events and results. Credentials are
 * held in memory only, for the jobs running (or paused) with them; after a
 * restart, a job runs again only with the configured account's credentials
 * if that account owns it, and otherwise waits, paused, for its owner.
 * Through a shared {@link JobBus} (Redis), jobs whose home is another
 * process are found, listed, followed and controlled as well: commands go
 * to that process, which carries them out.
 */
import { randomUUID } from 'node:crypto';
import type { Credentials, Upstream } from '../upstream/index.js';
import {
  checkRequest, elsewhere, fromCommandError, ImportInputError, ImportNotFoundError, NEEDS_OWNER, type StartRequest,
} from './import-request.js';
import { createMemoryJobBus, JobCommandError, type JobBus, type JobCommand, type SharedJob } from './job-bus.js';
import { JobStore } from './job-store.js';
import { watchJob } from './job-watch.js';
import { sameOwner } from './owner.js';
import { jobView, RateMeter } from './progress.js';
import { readLimitsFromEnv, readRecords, SourceError, SourceTooLargeError, valueRecords, type ReadLimits } from './read-records.js';
import { JobRunner, type StopMode } from './runner.js';
import { settleMsFromEnv } from './settle.js';
import { FINAL_STATES, type JobRecord, type JobView } from './types.js';

export { HOME_STOPPED, ImportInputError, ImportNotFoundError, NEEDS_OWNER, type StartRequest } from './import-request.js';

/** Added to the throttle window a job taken over from a dead process waits out. */
const TAKEOVER_MARGIN_MS = 1000;

/** How often a follower reads again a job this process does not run (a state published while Redis was away is lost). */
const POLL_MS = 2_000;

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
  private readonly runners = new Map<string, { runner: JobRunner; finished: Promise<void> }>();
  private readonly credentials = new Map<string, Credentials>();
  private readonly meters = new Map<string, RateMeter>();
  private readonly bus: JobBus;

  constructor(private readonly options: ImportServiceOptions) {
    this.store = options.store;
    this.settleMs = options.settleMs ?? settleMsFromEnv();
    this.readLimits = options.readLimits ?? readLimitsFromEnv();
    this.bus = options.bus ?? createMemoryJobBus();
    this.bus.serve((command) => this.carryOut(command));
  }

  /** Stages the rows (streamed into SQLite) and starts the job. */
  async start(credentials: Credentials, request: StartRequest): Promise<JobView> {
    const options = checkRequest(request, this.options.batchSize);
    const job = this.store.createJob({
      id: randomUUID(), kind: request.kind, owner: credentials.username, upstream: this.options.upstream.baseUrl,
      format: request.format, options, source: request.sourceInfo,
    });
    try {
      await this.store.stage(job.id, request.source
        ? readRecords(request.format, request.source, this.readLimits) : valueRecords(request.rows!, this.readLimits.rows));
    } catch (error) {
      const reason = error instanceof SourceError ? error.message : 'The file could not be read';
      this.store.setState(job.id, 'FAILED', reason);
      this.publish(job.id);
      if (error instanceof SourceError) throw new ImportInputError(reason, 'file', error instanceof SourceTooLargeError);
      throw error;
    }
    this.credentials.set(job.id, credentials);
    this.launch(job.id);
    return this.view(this.store.job(job.id)!);
  }

  /** Re-stages a job whose file is known and unchanged (the process stopped while staging). */
  async restage(id: string, source: AsyncIterable<Uint8Array | string>): Promise<void> {
    const job = this.store.job(id)!;
    await this.store.stage(id, readRecords(job.format, source, this.readLimits));
  }

  /** Runs the job here if no live process holds it. */
  private launch(id: string): boolean {
    if (this.runners.has(id)) return true;
    const job = this.store.job(id)!;
    const credentials = this.credentials.get(id);
    const taken = credentials && this.store.acquireLease(id);
    if (!credentials || !taken) return false;
    const budget = this.options.upstream.budgetForAccount(credentials.username);
    // The calls of a process that died holding the job still count upstream for a window: let it pass first.
    const notBefore = taken === 'taken over' ? Date.now() + budget.snapshot().windowMs + TAKEOVER_MARGIN_MS : 0;
    const client = this.options.upstream.forCredentials(credentials, { calls: 0, queuedMs: 0, log: [] }, 'background');
    const runner = new JobRunner(job, {
      store: this.store, client, batchSize: this.options.batchSize, concurrency: budget.concurrency,
      onProgress: () => this.publish(id),
      holdsLease: () => this.store.renewLease(id),
      settleMs: this.settleMs,
      notBefore,
      log: this.options.log,
    });
    this.store.setState(id, 'RUNNING');
    this.meters.set(id, new RateMeter());
    const lease = setInterval(() => {
      if (!this.store.renewLease(id)) runner.stop('lost');
    }, 5_000);
    lease.unref();
    const finished = runner.run().then((end) => {
      clearInterval(lease);
      this.runners.delete(id);
      if (end.state === 'LOST') {
        // Another process runs the job now; its state is that process's to write.
        this.credentials.delete(id);
        this.publish(id);
        return;
      }
      if (end.state === 'CANCELLED') this.store.skipPending(id);
      if (end.state !== 'SHUTDOWN') {
        this.store.setState(id, end.state, 'reason' in end ? end.reason : null);
        // A paused job keeps its owner's credentials here: a resume sent from another process (without them) runs with them.
        if (end.state !== 'PAUSED') this.credentials.delete(id);
      }
      this.store.releaseLease(id);
      this.publish(id);
    });
    this.runners.set(id, { runner, finished });
    this.publish(id);
    return true;
  }

  /**
   * After a (re)start: jobs that were running go on, with the configured
   * account's credentials for its own jobs; other users' jobs wait, paused,
   * for their owner. Jobs stopped while staging their file fail unless
   * `restage` can read the file again.
   */
  async resumeOpenJobs(restage?: (job: JobRecord) => AsyncIterable<Uint8Array | string> | undefined): Promise<void> {
    const account = this.options.account;
    for (const job of this.store.openJobs()) {
      if (job.state === 'PAUSED' || this.runners.has(job.id) || job.upstream !== this.options.upstream.baseUrl) continue;
      if (!account || !sameOwner(account.username, job.owner)) {
        this.store.setState(job.id, 'PAUSED', NEEDS_OWNER);
        this.publish(job.id);
        continue;
      }
      if (!job.staged) {
        const source = restage?.(job);
        if (!source) {
          this.store.setState(job.id, 'FAILED', 'The process stopped while the file was read; start the import again');
          this.publish(job.id);
          continue;
        }
        await this.restage(job.id, source);
      }
      this.credentials.set(job.id, account);
      this.launch(job.id);
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
    const where = await this.whereIs(owner, id);
    return 'here' in where ? this.view(where.here) : elsewhere(where.remote);
  }

  /** The caller's jobs, here and in other processes, newest first. */
  async list(owner: string): Promise<JobView[]> {
    const here = this.store.jobs(owner).map((job) => this.view(job));
    const known = new Set(here.map((job) => job.id));
    const others = (await this.bus.list(owner)).filter((job) => !known.has(job.view.id) && job.home !== this.bus.self).map(elsewhere);
    return [...here, ...others].sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Where the caller's job lives: here (in this store, and not run by another
   * live process), or in another process that published it. Throws
   * {@link ImportNotFoundError} when it is neither, or not the caller's.
   */
  private async whereIs(owner: string, id: string): Promise<{ here: JobRecord } | { remote: SharedJob }> {
    const local = this.store.job(id);
    if (local && !sameOwner(local.owner, owner)) throw new ImportNotFoundError(`Import job ${id} was not found`);
    if (local && (!this.bus.shared || this.runners.has(id) || !this.store.heldElsewhere(id))) return { here: local };
    const remote = await this.bus.find(owner, id);
    if (remote && remote.home !== this.bus.self) return { remote };
    if (local) return { here: local };
    throw new ImportNotFoundError(`Import job ${id} was not found`);
  }

  /** Has the job's home carry out the command. */
  private async sendTo({ view, home }: SharedJob, command: JobCommand): Promise<JobView> {
    if (FINAL_STATES.includes(view.state)) throw new ImportInputError(`Import job ${view.id} is ${view.state.toLowerCase()}`);
    return this.bus.send(home, command).catch((error: unknown) => {
      throw fromCommandError(error);
    });
  }

  /** A command another process sent for a job of this store. */
  private async carryOut({ name, id, owner }: JobCommand): Promise<JobView> {
    try {
      if (name === 'pause') return await this.pauseHere(owner, id);
      if (name === 'cancel') return await this.cancelHere(owner, id);
      this.job(owner, id);
      const credentials = this.credentials.get(id);
      if (!credentials) throw new ImportInputError(`Import job ${id} waits for its owner's password in the gateway that holds it, which has restarted since: resume it there`);
      return await this.resumeHere(credentials, id);
    } catch (error) {
      if (error instanceof ImportNotFoundError) throw new JobCommandError(error.message, 'not-found');
      throw error;
    }
  }

  private async stop(owner: string, id: string, mode: StopMode): Promise<void> {
    this.job(owner, id);
    const running = this.runners.get(id);
    if (!running) return;
    running.runner.stop(mode);
    await running.finished;
  }

  /** Pauses after the batches in flight are recorded. */
  async pause(owner: string, id: string): Promise<JobView> {
    const where = await this.whereIs(owner, id);
    return 'remote' in where ? this.sendTo(where.remote, { name: 'pause', id, owner }) : this.pauseHere(owner, id);
  }

  private async pauseHere(owner: string, id: string): Promise<JobView> {
    const job = this.job(owner, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    await this.stop(owner, id, 'pause');
    if (this.store.job(id)!.state !== 'PAUSED') this.store.setState(id, 'PAUSED', 'Paused by its owner');
    this.publish(id);
    return this.view(this.store.job(id)!);
  }

  /** Resumes a paused job with its owner's credentials (in another process: with those it holds). */
  async resume(credentials: Credentials, id: string): Promise<JobView> {
    const where = await this.whereIs(credentials.username, id);
    return 'remote' in where ? this.sendTo(where.remote, { name: 'resume', id, owner: credentials.username }) : this.resumeHere(credentials, id);
  }

  private resumeHere(credentials: Credentials, id: string): JobView {
    const job = this.job(credentials.username, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    if (!job.staged) throw new ImportInputError(`Import job ${id} stopped while its file was read; start the import again`);
    this.credentials.set(id, credentials);
    if (!this.launch(id) && !this.runners.has(id)) throw new ImportInputError(`Import job ${id} is running in another process`);
    return this.view(this.store.job(id)!);
  }

  /** Cancels: rows not yet sent are skipped; rows written stay written. */
  async cancel(owner: string, id: string): Promise<JobView> {
    const where = await this.whereIs(owner, id);
    return 'remote' in where ? this.sendTo(where.remote, { name: 'cancel', id, owner }) : this.cancelHere(owner, id);
  }

  private async cancelHere(owner: string, id: string): Promise<JobView> {
    const job = this.job(owner, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    await this.stop(owner, id, 'cancel');
    if (this.store.job(id)!.state !== 'CANCELLED') {
      this.store.skipPending(id);
      this.store.setState(id, 'CANCELLED');
      this.credentials.delete(id);
    }
    this.publish(id);
    return this.view(this.store.job(id)!);
  }

  /** Resolves when the job's runner in this process has stopped (at once when none runs). */
  async settled(id: string): Promise<JobView> {
    await this.runners.get(id)?.finished;
    return this.view(this.store.job(id)!);
  }

  /** The job now, then at each change, until it is completed, failed or cancelled (or the follower stops). */
  watch(owner: string, id: string, signal?: AbortSignal): AsyncIterableIterator<JobView> {
    return watchJob({
      read: () => this.get(owner, id),
      follow: (listener) => this.bus.follow(owner, id, listener),
      pollMs: () => (this.runners.has(id) ? Infinity : POLL_MS),
    }, signal);
  }

  private publish(id: string): void {
    const job = this.store.job(id);
    if (!job) return;
    const meter = this.meters.get(id);
    meter?.add(job.created + job.updated + job.failed);
    this.bus.publish(this.view(job));
  }

  view(job: JobRecord): JobView {
    const budget = this.options.upstream.budgetForAccount(job.owner);
    return jobView(job, this.meters.get(job.id), budget.snapshot(), budget.interactiveReserve, this.options.batchSize);
  }

  /** Stops every runner after its batches in flight; their jobs stay RUNNING, to go on at the next start. */
  async close(): Promise<void> {
    const running = [...this.runners.values()];
    for (const { runner } of running) runner.stop('shutdown');
    await Promise.all(running.map((r) => r.finished));
  }
}
