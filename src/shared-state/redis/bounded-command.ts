/**
 * A Redis command for state that Redis only speeds up (kept reads,
 * registered documents): its answer, or undefined when Redis is out of
 * reach (a connection not ready, save a lazy one not yet opened), fails, or
 * takes longer than `timeoutMs`. Such state is then a miss, never a
 * failure of the request.
 */
import type { RedisClient } from './connection.js';

export async function boundedCommand<T>(redis: RedisClient, timeoutMs: number, send: () => Promise<T>): Promise<T | undefined> {
  if (redis.status !== 'ready' && redis.status !== 'wait') return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([send(), late]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
