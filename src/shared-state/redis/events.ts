/**
 * The process's messages to and from every other process on the same
 * Redis: graphql-yoga's Redis event target over the command connection
 * (PUBLISH) and the subscriber connection (SUBSCRIBE), shared by whatever
 * travels between replicas (import jobs, revoked credentials). An outage
 * never becomes an unhandled rejection: the event target neither awaits nor
 * catches PUBLISH and SUBSCRIBE, so their failures are swallowed here.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { RedisClient } from './connection.js';

/** What crosses between processes: events by topic, each carrying JSON in `detail`. */
export type SharedEvents = ReturnType<typeof createRedisEventTarget>;

/** `redis` with the given methods' failures swallowed. */
function quiet(redis: RedisClient, methods: string[]): RedisClient {
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !methods.includes(String(property))) return value;
      return (...args: unknown[]) => (value.apply(target, args) as Promise<unknown>).catch(() => undefined);
    },
  });
}

export const createRedisEvents = (redis: RedisClient, subscriber: RedisClient): SharedEvents =>
  createRedisEventTarget({ publishClient: quiet(redis, ['publish']), subscribeClient: quiet(subscriber, ['subscribe', 'unsubscribe']) });
