/**
 * Import jobs of every user of one upstream: start (stage the file, then
 * run), pause, resume, cancel, progress events and results. Credentials are
 * held in memory only, for the jobs running with them; after a restart, a
 * job runs again only with the configured account's credentials if that
 * account owns it, and otherwise waits, paused, for its owner.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import { ITEM_KINDS, KINDS, type ItemKind } from '../contract/kinds.js';
import type { Credentials, Upstream } from '../upstream/index.js';
import { ColumnPlan, MappingError, keyField } from './columns.js';
import { JobStore } from './job-store.js';
import { etaSeconds, RateMeter } from './progress.js';
import { readLimitsFromEnv, readRecords, SourceError, SourceTooLargeError, valueRecords, type ReadLimits } from './read-records.js';
import { JobRunner, type StopMode } from './runner.js';
import { settleMsFromEnv } from './settle.js';
import { FINAL_STATES, type ImportFormat, type ImportOptions, type JobRecord, type JobView, type SourceInfo } from './types.js';
import { kindFields } from '../../resolvers/write-fields.js';

/** A request the caller got wrong: bad kind, options or file. Nothing was imported. */
export class ImportInputError extends Error {
  /** The option or input at fault, when one is (`kind`, `matchBy`, `mapping`, `batchSize`, `file`). */
  constructor(message: string, readonly parameter?: string, readonly tooLarge = false) {
    super(message);
  }
}
/** No job of that id belongs to the caller. */
export class ImportNotFoundError extends Error {}

/** Added to the throttle window a job taken over from a dead process waits out. */
const TAKEOVER_MARGIN_MS = 1000;

export const NEEDS_OWNER = "needs its owner's credentials: the owner resumes it with resumeImport";

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
}

export interface StartRequest {
  kind: ItemKind;
  format: ImportFormat;
  options?: ImportOptions;
  /** The file's bytes, read as a stream. */
  source?: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Rows given as values instead of a file. */
  rows?: unknown[];
  /** A file the job can read again if the process stops while staging. */
  sourceInfo?: SourceInfo;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export class ImportService {
  readonly store: JobStore;
  private readonly settleMs: number;
  /** What an import may hold. */
  readonly readLimits: ReadLimits;
  private readonly runners = new Map<string, { runner: JobRunner; finished: Promise<void> }>();
  private readonly credentials = new Map<string, Credentials>();
  private readonly meters = new Map<string, RateMeter>();
  private readonly events = new EventEmitter();

  constructor(private readonly options: ImportServiceOptions) {
    this.store = options.store;
    this.settleMs = options.settleMs ?? settleMsFromEnv();
    this.readLimits = options.readLimits ?? readLimitsFromEnv();
    this.events.setMaxListeners(0);
  }

  /** Checks the request before anything is stored; throws {@link ImportInputError}. */
  private check(request: StartRequest): ImportOptions {
    if (!ITEM_KINDS.includes(request.kind)) throw new ImportInputError(`"${request.kind}" is not a kind: one of ${ITEM_KINDS.join(', ')}`, 'kind');
    const options: ImportOptions = { ...request.options };
    if (options.matchBy !== undefined && !keyField(request.kind, options.matchBy)) {
      throw new ImportInputError(`matchBy: ${KINDS[request.kind].typeName} has no field "${options.matchBy}" to match by`, 'matchBy');
    }
    if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1 && options.batchSize <= this.options.batchSize)) {
      throw new ImportInputError(`batchSize must be between 1 and ${this.options.batchSize} (UPSALES_BATCH_SIZE)`, 'batchSize');
    }
    try {
      new ColumnPlan(kindFields(request.kind), options.mapping);
    } catch (error) {
      if (error instanceof MappingError) throw new ImportInputError(error.message, 'mapping');
      throw error;
    }
    if (Boolean(request.source) === Boolean(request.rows)) throw new ImportInputError('Give either a file or rows');
    return options;
  }

  /** Stages the rows (streamed into SQLite) and starts the job. */
  async start(credentials: Credentials, request: StartRequest): Promise<JobView> {
    const options = this.check(request);
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
        this.credentials.delete(id);
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
      if (!account || !same(account.username, job.owner)) {
        this.store.setState(job.id, 'PAUSED', NEEDS_OWNER);
        continue;
      }
      if (!job.staged) {
        const source = restage?.(job);
        if (!source) {
          this.store.setState(job.id, 'FAILED', 'The process stopped while the file was read; start the import again');
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
    if (!job || !same(job.owner, owner)) throw new ImportNotFoundError(`Import job ${id} was not found`);
    return job;
  }

  get(owner: string, id: string): JobView {
    return this.view(this.job(owner, id));
  }

  list(owner: string): JobView[] {
    return this.store.jobs(owner).map((job) => this.view(job));
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
    const job = this.job(owner, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    await this.stop(owner, id, 'pause');
    if (this.store.job(id)!.state !== 'PAUSED') this.store.setState(id, 'PAUSED', 'Paused by its owner');
    this.publish(id);
    return this.get(owner, id);
  }

  /** Resumes a paused job with its owner's credentials. */
  async resume(credentials: Credentials, id: string): Promise<JobView> {
    const job = this.job(credentials.username, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    if (!job.staged) throw new ImportInputError(`Import job ${id} stopped while its file was read; start the import again`);
    this.credentials.set(id, credentials);
    if (!this.launch(id) && !this.runners.has(id)) throw new ImportInputError(`Import job ${id} is running in another process`);
    return this.get(credentials.username, id);
  }

  /** Cancels: rows not yet sent are skipped; rows written stay written. */
  async cancel(owner: string, id: string): Promise<JobView> {
    const job = this.job(owner, id);
    if (FINAL_STATES.includes(job.state)) throw new ImportInputError(`Import job ${id} is ${job.state.toLowerCase()}`);
    await this.stop(owner, id, 'cancel');
    if (this.store.job(id)!.state !== 'CANCELLED') {
      this.store.skipPending(id);
      this.store.setState(id, 'CANCELLED');
      this.credentials.delete(id);
    }
    this.publish(id);
    return this.get(owner, id);
  }

  /** Resolves when the job's runner in this process has stopped (at once when none runs). */
  async settled(id: string): Promise<JobView> {
    await this.runners.get(id)?.finished;
    return this.view(this.store.job(id)!);
  }

  /** The job now, then at each change, until it is completed, failed or cancelled. */
  async *watch(owner: string, id: string, signal?: AbortSignal): AsyncGenerator<JobView> {
    const first = this.get(owner, id);
    yield first;
    if (FINAL_STATES.includes(first.state)) return;
    try {
      for await (const [view] of on(this.events, `job:${id}`, { signal }) as AsyncIterable<[JobView]>) {
        yield view;
        if (FINAL_STATES.includes(view.state)) return;
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  }

  private publish(id: string): void {
    const job = this.store.job(id);
    if (!job) return;
    const meter = this.meters.get(id);
    meter?.add(job.created + job.updated + job.failed);
    this.events.emit(`job:${id}`, this.view(job));
  }

  view(job: JobRecord): JobView {
    const done = job.created + job.updated + job.failed;
    const running = job.state === 'RUNNING' || job.state === 'QUEUED';
    const rate = running ? this.meters.get(job.id)?.rate() ?? null : null;
    let eta: number | null = null;
    if (running && job.staged) {
      const plan = new ColumnPlan(kindFields(job.kind), job.options.mapping);
      const refColumns = Object.keys(job.options.mapping ?? {}).filter((c) => plan.target(c)?.type === 'refKey').length;
      eta = etaSeconds({
        remainingRows: job.total - done,
        batchSize: Math.min(job.options.batchSize ?? this.options.batchSize, this.options.batchSize),
        callsPerBatch: 1 + (job.options.matchBy ? 1 : 0) + refColumns,
        budget: this.options.upstream.budgetForAccount(job.owner).snapshot(),
        rate,
      });
    }
    return { ...job, done, rate: rate === null ? null : Math.round(rate * 10) / 10, etaSeconds: eta };
  }

  /** Stops every runner after its batches in flight; their jobs stay RUNNING, to go on at the next start. */
  async close(): Promise<void> {
    const running = [...this.runners.values()];
    for (const { runner } of running) runner.stop('shutdown');
    await Promise.all(running.map((r) => r.finished));
  }
}
