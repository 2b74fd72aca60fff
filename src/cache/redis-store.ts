/**
 * The read store shared by every replica: answers and generations in Redis,
 * through an ioredis client the process made (and owns). Redis being slow,
 * down or gone never fails a read: it is a miss, and the read goes upstream.
 * A drop Redis could not take is retried before anything is served again,
 * so this replica never serves an answer its own write should have dropped.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Lookup, ReadStore } from './read-store.js';

/** Longest a Redis command may take before the read goes upstream instead. @default 250 */
export const REDIS_TIMEOUT_MS = 250;

const PREFIX = 'upsales-graphql:reads:';
/** A generation no answer is kept under: the store could not be read. */
const UNAVAILABLE = '';

/** The group's generation (made when missing, so a restarted Redis starts new ones), and the answer kept under it. */
const LOOKUP = `
redis.call('SET', KEYS[1], ARGV[3], 'NX')
local generation = redis.call('GET', KEYS[1])
return { generation, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2]) }`;

export class RedisReadStore implements ReadStore {
  private readonly undropped = new Set<string>();

  constructor(private readonly redis: Redis, private readonly timeoutMs = REDIS_TIMEOUT_MS) {}

  async lookup(group: string, key: string): Promise<Lookup> {
    if (!(await this.dropPending())) return { generation: UNAVAILABLE };
    const answer = await this.command(() => this.redis.eval(LOOKUP, 1, generationKey(group), `${PREFIX}${group}:`, key, randomUUID()));
    if (!Array.isArray(answer) || typeof answer[0] !== 'string') return { generation: UNAVAILABLE };
    return { generation: answer[0], value: typeof answer[1] === 'string' ? answer[1] : undefined };
  }

  async keep(group: string, generation: string, key: string, value: string, ttlMs: number): Promise<void> {
    if (generation === UNAVAILABLE || ttlMs <= 0) return;
    await this.command(() => this.redis.set(`${PREFIX}${group}:${generation}:${key}`, value, 'PX', ttlMs));
  }

  async drop(groups: string[]): Promise<void> {
    for (const group of groups) this.undropped.add(group);
    await this.dropPending();
  }

  /** Sends the drops not yet taken; whether none is left. */
  private async dropPending(): Promise<boolean> {
    if (this.undropped.size === 0) return true;
    const groups = [...this.undropped];
    const done = await this.command(() => this.redis.mset(Object.fromEntries(groups.map((group) => [generationKey(group), randomUUID()]))));
    if (done === undefined) return false;
    for (const group of groups) this.undropped.delete(group);
    return this.undropped.size === 0;
  }

  /**
   * A command's answer, or undefined when Redis is out of reach (a
   * connection not ready, save a lazy one not yet opened), fails, or takes
   * longer than the timeout.
   */
  private async command<T>(send: () => Promise<T>): Promise<T | undefined> {
    if (this.redis.status !== 'ready' && this.redis.status !== 'wait') return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      return await Promise.race([send(), late]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

const generationKey = (group: string) => `${PREFIX}generation:${group}`;
