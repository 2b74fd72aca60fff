/**
 * This process's connections to the Redis at REDIS_URL, or to the Redis
 * Cluster at REDIS_CLUSTER_NODES (ioredis' Cluster client, which finds the
 * other nodes and follows slots as they move), alike. The
 * command connection fails a command at once while Redis is unreachable
 * (no offline queue, no retries), and after 5 s when Redis does not answer,
 * so the budget goes on alone instead of waiting; the timeout is that long
 * because ioredis runs it as a timer, which fires before a reply already
 * received when this process's event loop was held up. The subscriber
 * connection queues and resubscribes by itself, and sends nothing but
 * (un)subscriptions: ioredis writes a SUBSCRIBE even before its handshake,
 * and its own ready check (INFO) and CLIENT commands then failed in
 * subscriber mode, dropped the connection and lost the subscriptions. Both
 * reconnect every 100-500 ms.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisNode } from '../../config/config.js';

/** A connection to one Redis or to a Redis Cluster: every command the shared state sends works on both. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, or the nodes of REDIS_CLUSTER_NODES. */
export type RedisTarget = string | RedisNode[];

/**
 * `host:port/db` of a Redis URL, or the cluster's nodes as REDIS_CLUSTER_NODES
 * names them, for logs and messages: never a username or password.
 */
export function redisLabel(target: RedisTarget): string {
  if (typeof target !== 'string') return `REDIS_CLUSTER_NODES ${target.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  const { hostname, port, pathname } = new URL(target);
  return `${hostname}:${port || 6379}/${pathname.replace(/^\//, '') || '0'}`;
}

const retryStrategy = (times: number) => Math.min(100 * times, 500);

/** Opens a connection; `subscriber` for one that only subscribes (pub/sub needs a connection of its own). */
export function connectRedis(target: RedisTarget, role: 'commands' | 'subscriber'): RedisClient {
  const options: RedisOptions = {
    connectTimeout: 2_000,
    ...(role === 'commands'
      ? { connectionName: 'upsales-graphql', enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 5_000 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null, enableReadyCheck: false, disableClientInfo: true }),
  };
  const { enableOfflineQueue, ...perNode } = options;
  const redis = typeof target === 'string' ? new Redis(target, { ...options, retryStrategy }) : new Cluster(target, {
    // The cluster queues (or not) and reconnects as a whole, as one node does; its nodes' connections are ioredis' to manage.
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    slotsRefreshTimeout: 2_000,
    redisOptions: perNode,
  });
  // Losing Redis is logged once by whoever uses the connection; ioredis would print every failed reconnection.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves true once `redis` is ready, false after `ms` without. */
export function whenReady(redis: RedisClient, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      resolve(false);
    }, ms);
    const ready = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', ready);
  });
}
