/**
 * Lua scripts run in Redis by their SHA (EVALSHA): the body goes over the
 * wire only when Redis does not know it (NOSCRIPT: a restarted or flushed
 * Redis forgets its scripts). A script touches only the keys it is given in
 * KEYS, all under one hash tag, so Redis Cluster and key ACLs see every key.
 * Used by the call budget's window and the read cache; imports nothing of ours.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

export interface RedisScript {
  lua: string;
  sha: string;
}

export const redisScript = (lua: string): RedisScript => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** Runs a script by its SHA, loading it when Redis does not know it. */
export async function runScript(redis: RedisClient, { lua, sha }: RedisScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}
