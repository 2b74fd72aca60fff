/**
 * What each request's context gets from this floor: the loaders, sending in
 * waves (level-scheduler.ts), over the request's upstream client, which
 * reports every call in flight to the scheduler.
 */
import type { CallCeiling } from '../src/request/call-ceiling.js';
import type { UpstreamClient } from '../src/upstream/types.js';
import { RequestLoaders } from './loaders.js';
import { LevelScheduler } from './level-scheduler.js';

/** The request's loaders, sending each level's loads together, and its client as they see it. */
export function requestScope(upstream: UpstreamClient, ceiling: CallCeiling): { upstream: UpstreamClient; loaders: RequestLoaders } {
  const levels = new LevelScheduler();
  const tracked = new Proxy(upstream, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => levels.track(() => value.apply(target, args));
    },
  });
  return { upstream: tracked, loaders: new RequestLoaders(tracked, ceiling, levels.schedule) };
}
