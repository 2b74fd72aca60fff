/**
 * Import jobs as every process of a deployment sees them. The process
 * whose job store holds a job (its home) publishes the job's state after
 * each change; any process follows it, finds it, lists an owner's jobs, and
 * sends the home a command (pause, resume, cancel) to carry out. In memory
 * (no REDIS_URL) only this process's jobs exist; with Redis, see
 * redis-job-bus.ts. Credentials never travel: a resume sent to another
 * process runs with the credentials that process still holds for the job;
 * nor do usernames: a command names its caller by `ownerTag` (owner.ts).
 */
import { EventEmitter } from 'node:events';
import type { JobView } from '../store/types.js';

export type JobCommandName = 'pause' | 'resume' | 'cancel';

export interface JobCommand {
  name: JobCommandName;
  id: string;
  /** The caller, whose password the sending process has checked with Upsales, as `ownerTag` (owner.ts) names it. */
  ownerTag: string;
}

/** A job as its home published it. */
export interface SharedJob {
  view: JobView;
  /** The process whose job store holds the job. */
  home: string;
  /** Whether that process runs now. */
  homeAlive: boolean;
}

/** A command the job's home refused (`input`: as an ImportInputError; `not-found`: no such job of the caller's), or could not be reached. */
export class JobCommandError extends Error {
  constructor(message: string, readonly kind: 'input' | 'not-found' | 'unreachable') {
    super(message);
    this.name = 'JobCommandError';
  }
}

export interface JobBus {
  /** This process, as commands address it. */
  readonly self: string;
  /** Whether other processes' jobs are reachable (Redis). */
  readonly shared: boolean;
  /** Tells every follower of the job, in any process, its state now. */
  publish(view: JobView): void;
  /** Calls `listener` with each state of `owner`'s job published from now on; returns the unsubscribe. */
  follow(owner: string, id: string, listener: (view: JobView) => void): () => void;
  /** The job as another process published it; undefined when none did, or it is not `owner`'s. */
  find(owner: string, id: string): Promise<SharedJob | undefined>;
  /** `owner`'s jobs as any process published them. */
  list(owner: string): Promise<SharedJob[]>;
  /** Has `home` carry out the command; resolves with the job after it, its owner named by the tag. Throws {@link JobCommandError}. */
  send(home: string, command: JobCommand): Promise<JobView>;
  /** Carries out the commands other processes send here. */
  serve(handler: (command: JobCommand) => Promise<JobView>): void;
  /**
   * Where the bus reads the jobs whose home is this process, to publish them
   * again where the shared state may have lost them (Redis restarted empty)
   * and to keep open ones from expiring: the open jobs, and with
   * `finishedSince` (epoch ms) those finished since then as well.
   */
  hold(jobs: (finishedSince?: number) => Promise<JobView[]>): void;
  close(): Promise<void>;
}

/** This process's jobs only, followed through an EventEmitter. */
export function createMemoryJobBus(): JobBus {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return {
    self: 'this process',
    shared: false,
    publish: (view) => void events.emit(`job:${view.id}`, view),
    follow(_owner, id, listener) {
      events.on(`job:${id}`, listener);
      return () => void events.off(`job:${id}`, listener);
    },
    find: () => Promise.resolve(undefined),
    list: () => Promise.resolve([]),
    send: () => Promise.reject(new JobCommandError('Import jobs of other processes are reachable only through Redis (REDIS_URL)', 'unreachable')),
    serve: () => undefined,
    hold: () => undefined,
    close: () => Promise.resolve(),
  };
}
