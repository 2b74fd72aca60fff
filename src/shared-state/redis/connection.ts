/**
 * This process's connections to the Redis at REDIS_URL (ioredis). The
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
import { Redis } from 'ioredis';

/** `host:port/db` of a Redis URL, for logs and messages: never its username or password. */
export function redisLabel(url: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${hostname}:${port || 6379}/${pathname.replace(/^\//, '') || '0'}`;
}

/** Opens a connection; `subscriber` for one that only subscribes (pub/sub needs a connection of its own). */
export function connectRedis(url: string, role: 'commands' | 'subscriber'): Redis {
  const redis = new Redis(url, {
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 500),
    ...(role === 'commands'
      ? { connectionName: 'upsales-graphql', enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 5_000 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null, enableReadyCheck: false, disableClientInfo: true }),
  });
  // Losing Redis is logged once by whoever uses the connection; ioredis would print every failed reconnection.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves true once `redis` is ready, false after `ms` without. */
export function whenReady(redis: Redis, ms: number): Promise<boolean> {
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
