/**
 * What a process shares on purpose with every other process on the same
 * Upsales accounts (gateway replicas, the in-process import CLI): each
 * account's call budget, the import jobs, and documents registered by
 * their hash (APQ). Chosen once at start-up: with
 * REDIS_URL, through Redis; with REDIS_CLUSTER_NODES, the same through a
 * Redis Cluster (each account's keys under one hash tag, so every script
 * touches one slot); without, in this process's memory, as a single
 * process needs. Callers never know which.
 */
import { checkAccountHashKey } from '../account/account-tag.js';
import { createBudgetRegistry, type BudgetRegistry, type CallBudgetOptions } from '../budget/index.js';
import { createSharedWindows } from './redis/shared-window-store.js';
import { configFromEnv, maxQueuedCalls, type GatewayConfig, type RedisNode } from '../config/config.js';
import { createMemoryJobBus, type JobBus } from '../import/bus/job-bus.js';
import { createRedisEvents, type SharedEvents } from './redis/events.js';
import { createRedisJobBus } from './redis/job-bus.js';
import { connectRedis, redisLabel, whenReady, type RedisClient, type RedisTarget } from './redis/connection.js';
import { RedisReadStore } from './redis/read-store.js';
import { MemoryApqStore, MemoryReadStore, type ApqStore, type ApqStoreOptions, type ReadCache } from '../cache/index.js';
import { RedisApqStore } from './redis/apq-store.js';
import { createRedisChangeLinks } from './redis/change-links.js';
import { memoryChangeLinks, type ChangeLinks } from '../changes/index.js';
import type { KnownGoodMark } from '../request/verified-accounts.js';

export { MemoryApqStore, type ApqStore, type ApqStoreOptions } from '../cache/index.js';

export { redisLabel, type RedisClient } from './redis/connection.js';

/**
 * A read cache keeping answers for `ttlMs` (UPSALES_CACHE_TTL_MS): in Redis
 * over `redis`, the process's command connection, so every replica shares
 * answers and drops; with null, in this process's memory.
 */
export function createReadCache(redis: RedisClient | null, ttlMs: number): ReadCache {
  return { store: redis ? new RedisReadStore(redis) : new MemoryReadStore(), ttlMs };
}

/** How long start-up waits for Redis before going on alone (it joins when Redis answers). */
const CONNECT_WAIT_MS = 3_000;

export interface SharedStateOptions {
  /** REDIS_URL; unset (and no cluster): memory. */
  redisUrl?: string;
  /** REDIS_CLUSTER_NODES, in place of REDIS_URL: the same state in a Redis Cluster. */
  redisClusterNodes?: RedisNode[];
  budget: CallBudgetOptions & { calls: number; windowMs: number; interactiveReserve: number };
  /** UPSALES_FALLBACK_CALLS: calls per window a process spends alone while Redis is unreachable. */
  fallbackCalls: number;
  /** UPSALES_TIMEOUT_MS: a call in flight counts in the shared window at most this plus a window. */
  timeoutMs: number;
  /** Where losing and finding Redis again is told (once each). @default console.warn */
  log?(message: string): void;
  /** APQ_TTL_MS, APQ_MAX_BYTES. @default their defaults */
  apq?: ApqStoreOptions;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** Every account's call budget; give it to createUpstream. */
  readonly budgets: BudgetRegistry;
  /** Import jobs as every process sees them; give it to the ImportService. */
  readonly jobs: JobBus;
  /** A read cache keeping answers for `ttlMs`, where this state lives; give it to createUpstream. */
  readCache(ttlMs: number): ReadCache;
  /** Usernames whose credentials Upsales refused (revoked), told to every process: each forgets their passwords at once. */
  readonly revocations: Revocations;
  /** Documents registered by their hash (APQ), per account; give it to the gateway. */
  readonly apq: ApqStore;
  /** What the change feeds share: a lease per account, the kinds watched, batches to every process; give it to the gateway. */
  readonly changeLinks: ChangeLinks;
  /**
   * This process's ioredis command connection (undefined without REDIS_URL
   * or REDIS_CLUSTER_NODES; an ioredis Cluster with the latter),
   * for other state shared on purpose, such as a read cache. Its commands
   * fail at once while Redis is unreachable (no offline queue, 5 s timeout);
   * do not subscribe on it, and do not close it: `close()` does.
   */
  readonly redis?: RedisClient;
  /** Where the state lives, for a start-up line (no credentials). */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * What processes tell each other of credentials (src/request/verified-accounts.ts),
 * never a username or password: revoked usernames by their tag, and marks
 * of passwords Upsales accepted (a keyed HMAC, only with ACCOUNT_HASH_KEY).
 */
export interface Revocations {
  /** Tells every other process (and this one) that the username of `tag` was refused. */
  publish(tag: string): void;
  /** Hears every revocation published by any process; returns how to stop. */
  subscribe(listener: (tag: string) => void): () => void;
  /** Tells every other process that a password was accepted (nothing within one process: it knows already). */
  publishKnownGood(mark: KnownGoodMark): void;
  /** Hears the marks other processes publish; returns how to stop. */
  subscribeKnownGood(listener: (mark: KnownGoodMark) => void): () => void;
}

const REVOKED_TOPIC = 'upsales-graphql:revoked';
const KNOWN_GOOD_TOPIC = 'upsales-graphql:known-good';

/** Revocations within this process only (no REDIS_URL): the process that saw the refusal has already forgotten. */
function localRevocations(): Revocations {
  const listeners = new Set<(tag: string) => void>();
  return {
    publish: (tag) => listeners.forEach((listener) => listener(tag)),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publishKnownGood: () => undefined,
    subscribeKnownGood: () => () => undefined,
  };
}

const isMark = (value: unknown): value is KnownGoodMark => {
  const mark = value as Partial<KnownGoodMark> | null;
  return typeof mark?.tag === 'string' && typeof mark.proof === 'string' && typeof mark.until === 'number';
};

/** Revocations through Redis: a message to every process on it. */
function redisRevocations(events: SharedEvents): Revocations {
  const hear = <T>(topic: string, valid: (value: unknown) => value is T, listener: (value: T) => void) => {
    const heard = (event: CustomEvent) => {
      if (valid(event.detail)) listener(event.detail);
    };
    events.addEventListener(topic, heard);
    return () => events.removeEventListener(topic, heard);
  };
  return {
    publish: (tag) => events.dispatchEvent(new CustomEvent(REVOKED_TOPIC, { detail: tag })),
    subscribe: (listener) => hear(REVOKED_TOPIC, (value): value is string => typeof value === 'string', listener),
    publishKnownGood: (mark) => events.dispatchEvent(new CustomEvent(KNOWN_GOOD_TOPIC, { detail: mark })),
    subscribeKnownGood: (listener) => hear(KNOWN_GOOD_TOPIC, isMark, listener),
  };
}

/** The options of a gateway's (or the CLI's) shared state, from its configuration. */
export function sharedStateOptions(config: GatewayConfig, log?: (message: string) => void): SharedStateOptions {
  return {
    redisUrl: config.redisUrl,
    redisClusterNodes: config.redisClusterNodes,
    budget: {
      calls: config.budgetCalls, windowMs: config.budgetWindowMs, concurrency: config.concurrency, blockMs: config.blockMs,
      interactiveReserve: config.interactiveReserve, maxQueued: maxQueuedCalls(config),
    },
    fallbackCalls: config.fallbackCalls,
    timeoutMs: config.timeoutMs,
    log,
    apq: config.apq,
  };
}

/** Throws, naming the variable, when ACCOUNT_HASH_KEY is set but too short: every key of an account depends on it. */
export async function createSharedState(options: SharedStateOptions): Promise<SharedState> {
  checkAccountHashKey();
  const { budget } = options;
  const apq = options.apq ?? configFromEnv({}).apq;
  const target: RedisTarget | undefined = options.redisClusterNodes?.length ? options.redisClusterNodes : options.redisUrl;
  if (!target) {
    return {
      kind: 'memory', budgets: createBudgetRegistry(budget), jobs: createMemoryJobBus(), readCache: (ttlMs) => createReadCache(null, ttlMs),
      revocations: localRevocations(),
      apq: new MemoryApqStore(apq),
      changeLinks: memoryChangeLinks(),
      where: 'in this process (set REDIS_URL to share them between processes)', close: async () => undefined,
    };
  }
  const label = redisLabel(target);
  const redis = connectRedis(target, 'commands');
  const subscriber = connectRedis(target, 'subscriber');
  await whenReady(redis, CONNECT_WAIT_MS);
  const windows = createSharedWindows(redis, {
    calls: budget.calls, windowMs: budget.windowMs, reserve: budget.interactiveReserve,
    holdMs: options.timeoutMs + budget.windowMs, marginMs: budget.blockMarginMs ?? 1_000,
    fallbackCalls: options.fallbackCalls, label, log: options.log ?? ((message) => console.warn(message)),
  });
  const events = createRedisEvents(redis, subscriber);
  const jobs = createRedisJobBus({ redis, events, commandTimeoutMs: options.timeoutMs + 5_000 });
  return {
    kind: 'redis',
    budgets: createBudgetRegistry(budget, windows.windowFor),
    jobs,
    readCache: (ttlMs) => createReadCache(redis, ttlMs),
    revocations: redisRevocations(events),
    apq: new RedisApqStore(redis, apq),
    changeLinks: createRedisChangeLinks(redis, events),
    redis,
    where: `through Redis at ${label}`,
    async close() {
      await jobs.close();
      windows.close();
      await redis.quit().catch(() => undefined);
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
