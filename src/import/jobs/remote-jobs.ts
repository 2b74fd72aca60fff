/**
 * The half of the import service that deals with other processes, through
 * the {@link JobBus}: where a caller's job lives (here, or in the process
 * that published it), the jobs other processes published, the commands
 * sent to a job's home, and the commands other processes send here, which
 * are carried out on this process's own jobs. A command names its caller by
 * {@link ownerTag} only: no username leaves the process.
 */
import type { Credentials } from '../../upstream/index.js';
import { ImportInputError, ImportNotFoundError } from './import-request.js';
import { JobCommandError, type JobBus, type JobCommand, type JobCommandName, type SharedJob } from '../bus/job-bus.js';
import type { JobStore } from '../store/job-store.js';
import { watchJob } from '../bus/job-watch.js';
import { ownerName, ownerTag, sameOwner } from '../store/owner.js';
import { FINAL_STATES, type JobRecord, type JobView } from '../store/types.js';

/** How often a follower reads again a job this process does not run (a state published while Redis was away reaches it only so, once the job's home has put it back). */
const POLL_MS = 2_000;

/** The reason shown for a job whose home process is not running. */
export const HOME_STOPPED = 'Its gateway (or import process) is not running: the job goes on when that process starts again';

/** What this process does with its own jobs when another process asks. */
export interface HomeJobs {
  readonly store: JobStore;
  /** Whether this process is stopping: it carries out no command then. */
  stopping(): boolean;
  /** Whether a runner of this process runs the job now. */
  runs(id: string): boolean;
  pause(owner: string, id: string): Promise<JobView>;
  cancel(owner: string, id: string): Promise<JobView>;
  /** The owner's credentials this process holds for the job (it ran here since this process started). */
  heldCredentials(id: string): Credentials | undefined;
  resume(credentials: Credentials, id: string): Promise<JobView>;
  /** The job as this process shows it. */
  view(job: JobRecord): JobView;
}

/** A job another process published, as this one shows it: a job whose home is not running says so. */
function shown({ view, homeAlive }: SharedJob): JobView {
  return homeAlive || FINAL_STATES.includes(view.state) || view.state === 'PAUSED' ? view : { ...view, reason: HOME_STOPPED };
}

/** A failed command for another process's job, as the error this process would have thrown. */
function fromCommandError(error: unknown): unknown {
  if (!(error instanceof JobCommandError)) return error;
  return error.kind === 'not-found' ? new ImportNotFoundError(error.message) : new ImportInputError(error.message);
}

export class RemoteJobs {
  constructor(private readonly bus: JobBus, private readonly home: HomeJobs) {
    bus.serve((command) => this.carryOut(command));
    // A store that cannot be read now has nothing to put back this time.
    bus.hold((finishedSince) => this.held(finishedSince).catch(() => []));
  }

  /**
   * The jobs whose home is this process, from its store: the open ones
   * staged (a job is published once its file is read) that no other live
   * process runs (on a shared DATA_DIR), and with `finishedSince` those
   * finished since then. None once this process stops (its store is closing).
   */
  private async held(finishedSince?: number): Promise<JobView[]> {
    const { store } = this.home;
    if (this.home.stopping()) return [];
    const open = [];
    for (const job of await store.openJobs()) if (job.staged && (this.home.runs(job.id) || !await store.heldElsewhere(job.id))) open.push(job);
    const finished = finishedSince === undefined ? [] : await store.finishedSince(finishedSince);
    return [...open, ...finished].map((job) => this.home.view(job));
  }

  /**
   * Where the caller's job lives: here (in this store, and not run by another
   * live process), or in another process that published it. Throws
   * {@link ImportNotFoundError} when it is neither, or not the caller's.
   */
  async whereIs(owner: string, id: string): Promise<{ here: JobRecord } | { remote: JobView; send(name: JobCommandName): Promise<JobView> }> {
    const { store } = this.home;
    const local = await store.job(id);
    if (local && !sameOwner(local.owner, owner)) throw new ImportNotFoundError(`Import job ${id} was not found`);
    if (local && (!this.bus.shared || this.home.runs(id) || !await store.heldElsewhere(id))) return { here: local };
    const remote = await this.bus.find(owner, id);
    if (remote && remote.home !== this.bus.self) return { remote: shown(remote), send: (name) => this.send(remote, name, owner) };
    if (local) return { here: local };
    throw new ImportNotFoundError(`Import job ${id} was not found`);
  }

  /** The caller's jobs as other processes published them, but those of `known`. */
  async others(owner: string, known: Set<string>): Promise<JobView[]> {
    return (await this.bus.list(owner)).filter((job) => !known.has(job.view.id) && job.home !== this.bus.self).map(shown);
  }

  /**
   * The caller's job as `read` finds it now, then at each change published
   * here or elsewhere, until it is completed, failed or cancelled (or the
   * follower stops).
   */
  watch(owner: string, id: string, read: () => Promise<JobView>, signal?: AbortSignal): AsyncIterableIterator<JobView> {
    return watchJob({
      read,
      follow: (listener) => this.bus.follow(owner, id, listener),
      pollMs: () => (this.home.runs(id) ? Infinity : POLL_MS),
    }, signal);
  }

  /** Tells every follower, in any process, the job's state now. */
  publish(view: JobView): void {
    this.bus.publish(view);
  }

  /** Has the job's home carry out the command for `owner`. */
  private async send({ view, home }: SharedJob, name: JobCommandName, owner: string): Promise<JobView> {
    if (FINAL_STATES.includes(view.state)) throw new ImportInputError(`Import job ${view.id} is ${view.state.toLowerCase()}`);
    try {
      return { ...await this.bus.send(home, { name, id: view.id, ownerTag: ownerTag(owner) }), owner: ownerName(owner) };
    } catch (error) {
      throw fromCommandError(error);
    }
  }

  /** A command another process sent for a job of this store. */
  private async carryOut({ name, id, ownerTag: caller }: JobCommand): Promise<JobView> {
    if (this.home.stopping()) throw new JobCommandError(`The process that holds import job ${id} is stopping: try again once it runs`, 'unreachable');
    try {
      const job = await this.home.store.job(id);
      if (!job || ownerTag(job.owner) !== caller) throw new ImportNotFoundError(`Import job ${id} was not found`);
      if (name === 'pause') return await this.home.pause(job.owner, id);
      if (name === 'cancel') return await this.home.cancel(job.owner, id);
      const credentials = this.home.heldCredentials(id);
      if (!credentials) throw new ImportInputError(`Import job ${id} waits for its owner's password in the gateway that holds it, which has restarted since: resume it there`);
      return await this.home.resume(credentials, id);
    } catch (error) {
      if (error instanceof ImportNotFoundError) throw new JobCommandError(error.message, 'not-found');
      throw error;
    }
  }
}
