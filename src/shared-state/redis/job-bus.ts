/**
 * The job bus through Redis (REDIS_URL or REDIS_CLUSTER_NODES). A job's
 * home stores its latest state under `upsales-graphql:job:{<owner>}:<id>`
 * (for 7 days after it finished; while it is open, for as long as its home
 * lives) and indexes it by owner, both keys under the hash tag of the
 * owner's hash (one slot of a cluster), so no username is in a key and none is in
 * a value either: a stored job, a command and a reply name the owner by
 * that hash ({@link ownerTag}). States, commands and replies travel as
 * messages over graphql-yoga's Redis event target; commands and replies are
 * published again until a subscriber has received them. Each process
 * renews a heartbeat key, so a command for a job whose home is not running
 * fails at once. Redis needs nothing on disk: when it is back (or a
 * heartbeat finds the process's key gone), each process puts its jobs back
 * from its job store, so a Redis restarted empty loses none, and a state
 * it missed while away reaches it then. Followers in this process hear a
 * state directly too, so they go on while Redis is away; followers
 * elsewhere read what Redis missed at their next poll once it is back.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { RedisClient } from './connection.js';
import { JobCommandError, type JobBus, type JobCommand, type SharedJob } from '../../import/bus/job-bus.js';
import { ownerName, ownerTag } from '../../import/store/owner.js';
import type { JobView } from '../../import/store/types.js';
import type { SharedEvents } from './events.js';

const PREFIX = 'upsales-graphql';
const JOB_TTL_S = 7 * 24 * 3600;
const HEARTBEAT_MS = 5_000;
const ALIVE_MS = 15_000;
/** A command or reply no subscriber received is published again this often, this many times. */
const DELIVERY_RETRY_MS = 100;
const DELIVERY_TRIES = 20;
/** Most jobs `list` reads of one owner. */
const LIST_MAX = 200;

/**
 * An owner's keys share one hash tag, its {@link ownerTag}: a job and its
 * owner's index are written in one MULTI and read in one MGET, in one slot
 * of a Redis Cluster.
 */
export const jobKey = (owner: string, id: string) => `${PREFIX}:job:{${ownerTag(owner)}}:${id}`;
export const ownerKey = (owner: string) => `${PREFIX}:jobs-of:{${ownerTag(owner)}}`;
/** Every process's heartbeat under one hash tag, so that `alive` reads them in one MGET. */
const processKey = (name: string) => `${PREFIX}:process:{processes}:${name}`;
const progressTopic = (id: string) => `${PREFIX}:job-progress:${id}`;
const commandTopic = (name: string) => `${PREFIX}:job-command:${name}`;
const replyTopic = (name: string) => `${PREFIX}:job-reply:${name}`;

interface Stored { view: JobView; home: string }
interface Reply { requestId: string; view?: JobView; error?: { message: string; kind: JobCommandError['kind'] } }

/** The view as Redis keeps it: the owner as its hash, no local file path. */
const stored = (view: JobView): JobView => ({ ...view, owner: ownerTag(view.owner), source: null });
const owned = (view: JobView, owner: string): JobView | undefined =>
  (view.owner === ownerTag(owner) ? { ...view, owner: ownerName(owner) } : undefined);

export interface RedisJobBusOptions {
  /** The command connection (commands fail at once while Redis is away). */
  redis: RedisClient;
  /** The process's messages to and from the other processes. */
  events: SharedEvents;
  /** How long the home may take to carry out a command (a pause waits for the batches in flight). */
  commandTimeoutMs: number;
}

export function createRedisJobBus({ redis, events: target, commandTimeoutMs }: RedisJobBusOptions): JobBus {
  const self = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const dispatch = (topic: string, detail: unknown) => target.dispatchEvent(new CustomEvent(topic, { detail }));
  /**
   * Publishes as the event target would, but until a subscriber has received
   * it (a subscription may be away a moment, while its connection comes
   * back); false when none did.
   */
  const deliver = async (topic: string, detail: unknown): Promise<boolean> => {
    const message = JSON.stringify(detail);
    for (let tries = 0; tries < DELIVERY_TRIES; tries++) {
      if (await redis.publish(topic, message).catch(() => 0) > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, DELIVERY_RETRY_MS));
    }
    return false;
  };
  const local = new EventEmitter().setMaxListeners(0);
  const pending = new Map<string, { resolve(view: JobView): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  let handler: ((command: JobCommand) => Promise<JobView>) | undefined;

  let held: ((finishedSince?: number) => Promise<JobView[]>) | undefined;
  /** The jobs this process published since it started: their home, it writes them over when it puts them back. */
  const published = new Set<string>();
  /** How many views this process has published: their order, which a follower keeps. */
  let sent = 0;

  /**
   * Puts this process's jobs back into Redis, from its job store: the open
   * ones, and with `all` those finished within JOB_TTL_S as well (each for
   * the time it had left). With `all`, a job this process published since
   * it started is written over (a state published while Redis was away never
   * reached it); otherwise a job is written only where Redis has none, so
   * that of two processes on one DATA_DIR the one that ran it stays its
   * home. Open jobs get JOB_TTL_S again: a paused job does not expire while
   * its home lives.
   */
  const putBack = async (all: boolean) => {
    if (!held) return;
    const now = Date.now();
    // One pipeline per owner: a Redis Cluster takes a pipeline's keys from one slot only.
    const batches = new Map<string, ReturnType<RedisClient['pipeline']>>();
    for (const view of await held(all ? now - JOB_TTL_S * 1000 : undefined)) {
      const ttl = view.finishedAt === null ? JOB_TTL_S : JOB_TTL_S - Math.floor((now - view.finishedAt) / 1000);
      if (ttl <= 0) continue;
      const record = JSON.stringify({ view: stored(view), home: self } satisfies Stored);
      const owner = ownerName(view.owner);
      const batch = batches.get(owner) ?? batches.set(owner, redis.pipeline()).get(owner)!;
      const key = jobKey(view.owner, view.id);
      if (all && published.has(view.id)) batch.set(key, record, 'EX', ttl);
      else batch.set(key, record, 'EX', ttl, 'NX').expire(key, ttl);
      batch.zadd(ownerKey(view.owner), view.createdAt, view.id).expire(ownerKey(view.owner), JOB_TTL_S);
    }
    await Promise.all([...batches.values()].map((batch) => batch.exec()));
  };
  /**
   * Renews this process's key, and puts its jobs back: all of them with
   * `all` or when the key was gone (Redis lost it: restarted empty, or this
   * process was away), else the open ones. Failures wait for the next beat.
   */
  const beat = async (all = false) => {
    try {
      const replies = await redis.multi().exists(processKey(self)).set(processKey(self), '1', 'PX', ALIVE_MS).exec();
      await putBack(all || replies?.[0]?.[1] !== 1);
    } catch {
      // Redis is away (or the store closing): the next beat, or Redis' return, tries again.
    }
  };
  void beat();
  const heartbeat = setInterval(() => void beat(), HEARTBEAT_MS).unref();
  /** Redis is back (or there at last): what it may have lost, or missed meanwhile, goes back at once. */
  const onReady = () => void beat(true);
  redis.on('ready', onReady);

  const onReply = (event: Event) => {
    const { requestId, view, error } = (event as CustomEvent<Reply>).detail;
    const waiting = pending.get(requestId);
    if (!waiting) return;
    pending.delete(requestId);
    clearTimeout(waiting.timer);
    if (error) waiting.reject(new JobCommandError(error.message, error.kind));
    else waiting.resolve(view!);
  };
  const onCommand = async (event: Event) => {
    const { requestId, replyTo, command } = (event as CustomEvent<{ requestId: string; replyTo: string; command: JobCommand }>).detail;
    let reply: Reply;
    try {
      if (!handler) throw new JobCommandError('This process runs no import jobs', 'unreachable');
      reply = { requestId, view: stored(await handler(command)) };
    } catch (error) {
      const kind = error instanceof JobCommandError ? error.kind : 'input';
      reply = { requestId, error: { message: error instanceof Error ? error.message : String(error), kind } };
    }
    await deliver(replyTopic(replyTo), reply);
  };
  target.addEventListener(replyTopic(self), onReply);
  target.addEventListener(commandTopic(self), onCommand);

  async function alive(homes: string[]): Promise<Set<string>> {
    const distinct = [...new Set(homes)];
    const found = distinct.length ? await redis.mget(distinct.map(processKey)) : [];
    return new Set(distinct.filter((_, i) => found[i] !== null));
  }

  async function read(owner: string, records: (string | null)[]): Promise<SharedJob[]> {
    const jobs = records.flatMap((text) => (text ? [JSON.parse(text) as Stored] : []))
      .flatMap(({ view, home }) => {
        const mine = owned(view, owner);
        return mine ? [{ view: mine, home }] : [];
      });
    const living = await alive(jobs.map((job) => job.home));
    return jobs.map((job) => ({ ...job, homeAlive: living.has(job.home) }));
  }

  return {
    self,
    shared: true,
    publish(view) {
      local.emit(view.id, view);
      published.add(view.id);
      const record: Stored = { view: stored(view), home: self };
      void redis.multi()
        .set(jobKey(view.owner, view.id), JSON.stringify(record), 'EX', JOB_TTL_S)
        .zadd(ownerKey(view.owner), view.createdAt, view.id)
        .expire(ownerKey(view.owner), JOB_TTL_S)
        .exec().catch(() => undefined);
      sent += 1;
      dispatch(progressTopic(view.id), { from: self, seq: sent, view: record.view });
    },
    follow(owner, id, listener) {
      // A Redis Cluster may deliver two publishes out of order (each goes to whichever node):
      // an older view of the job than one already told is dropped.
      const latest = new Map<string, number>();
      const fromElsewhere = (event: Event) => {
        const { from, seq, view } = (event as CustomEvent<{ from: string; seq?: number; view: JobView }>).detail;
        if (typeof seq === 'number') {
          if (seq <= (latest.get(from) ?? 0)) return;
          latest.set(from, seq);
        }
        const mine = from === self ? undefined : owned(view, owner);
        if (mine) listener(mine);
      };
      local.on(id, listener);
      target.addEventListener(progressTopic(id), fromElsewhere);
      return () => {
        local.off(id, listener);
        target.removeEventListener(progressTopic(id), fromElsewhere);
      };
    },
    async find(owner, id) {
      try {
        return (await read(owner, [await redis.get(jobKey(owner, id))]))[0];
      } catch {
        return undefined;
      }
    },
    async list(owner) {
      try {
        const ids = await redis.zrevrange(ownerKey(owner), 0, LIST_MAX - 1);
        return ids.length ? await read(owner, await redis.mget(ids.map((id) => jobKey(owner, id)))) : [];
      } catch {
        return [];
      }
    },
    async send(home, command) {
      const living = await alive([home]).catch(() => new Set<string>());
      if (!living.has(home)) {
        throw new JobCommandError(`Import job ${command.id} belongs to a gateway or import process that is not running now (or Redis is unreachable); it goes on when that process runs again`, 'unreachable');
      }
      const requestId = randomUUID();
      const answered = new Promise<JobView>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new JobCommandError(`The process running import job ${command.id} did not answer within ${Math.round(commandTimeoutMs / 1000)} s`, 'unreachable'));
        }, commandTimeoutMs);
        pending.set(requestId, { resolve, reject, timer });
      });
      if (!await deliver(commandTopic(home), { requestId, replyTo: self, command })) {
        const waiting = pending.get(requestId);
        pending.delete(requestId);
        clearTimeout(waiting?.timer);
        throw new JobCommandError(`The process running import job ${command.id} does not listen (or Redis is unreachable); try again`, 'unreachable');
      }
      return answered;
    },
    serve(serve) {
      handler = serve;
    },
    hold(jobs) {
      held = jobs;
      void beat(true);
    },
    async close() {
      clearInterval(heartbeat);
      redis.off('ready', onReady);
      held = undefined;
      target.removeEventListener(replyTopic(self), onReply);
      target.removeEventListener(commandTopic(self), onCommand);
      for (const [id, waiting] of pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new JobCommandError('This process is stopping', 'unreachable'));
        pending.delete(id);
      }
      await redis.del(processKey(self)).catch(() => undefined);
    },
  };
}
