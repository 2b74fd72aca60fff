/**
 * The read store shared by every replica: answers and generations in Redis,
 * through an ioredis client the process made (and owns). Redis being slow,
 * down or gone never fails a read: it is a miss, and the read goes upstream.
 * A drop Redis could not take is retried before anything is served again,
 * so this replica never serves an answer its own write should have dropped.
 *
 * Per group, one hash tag: `{group}:generation` holds the group's current
 * generation, `{group}:answer:<key>` an answer prefixed by the generation it
 * was kept under, so the scripts that read and keep answers name every key
 * they touch in KEYS, all in one slot (Redis Cluster, key ACLs). An answer
 * of an older generation is never served, and is overwritten by the next
 * keep of its key or leaves with its TTL.
 *
 * Bounded as the memory store is: no answer longer than an eighth of
 * `maxChars` is kept, and a process keeps no more while the answers it kept
 * and Redis has not yet expired hold `maxChars` (counted until the second
 * after their TTL). Redis then holds at most `maxChars` of answers per
 * process, for however many accounts.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './connection.js';
import { boundedCommand } from './bounded-command.js';
import { redisScript, runScript } from './script.js';
import { largestAnswer, READ_STORE_CHARS, type Lookup, type ReadStore } from '../../cache/read-store.js';

/** Longest a Redis command may take before the read goes upstream instead. @default 250 */
export const REDIS_TIMEOUT_MS = 250;

const PREFIX = 'upsales-graphql:reads:';
/** A generation no answer is kept under: the store could not be read. */
const UNAVAILABLE = '';

/**
 * KEYS: generation, answer. ARGV: a new generation, for a group that has
 * none (a restarted Redis starts new ones). Returns {generation} or
 * {generation, kept answer with its prefix} when the answer is of it.
 */
const LOOKUP = redisScript(`
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local generation = redis.call('GET', KEYS[1])
local kept = redis.call('GET', KEYS[2])
local prefix = generation .. '\\n'
if kept and string.sub(kept, 1, #prefix) == prefix then return {generation, kept} end
return {generation}`);

/** KEYS: generation, answer. ARGV: generation, answer with its prefix, ttlMs. Keeps it only while the generation is current; returns 1 if kept. */
const KEEP = redisScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`);

export class RedisReadStore implements ReadStore {
  private readonly undropped = new Set<string>();
  /** Characters of the answers this process kept in Redis, by the second (epoch) they expire, rounded up. */
  private readonly keptBySecond = new Map<number, number>();
  private keptChars = 0;

  /** `maxChars`: characters of answers this process keeps alive in Redis at once (see above). */
  constructor(private readonly redis: RedisClient, private readonly maxChars = READ_STORE_CHARS, private readonly timeoutMs = REDIS_TIMEOUT_MS) {}

  async lookup(group: string, key: string): Promise<Lookup> {
    if (!(await this.dropPending())) return { generation: UNAVAILABLE };
    const answer = await this.command(() => runScript(this.redis, LOOKUP, [generationKey(group), answerKey(group, key)], [randomUUID()]));
    if (!Array.isArray(answer) || typeof answer[0] !== 'string') return { generation: UNAVAILABLE };
    const [generation, kept] = answer as [string, unknown];
    return { generation, value: typeof kept === 'string' ? kept.slice(generation.length + 1) : undefined };
  }

  async keep(group: string, generation: string, key: string, value: string, ttlMs: number): Promise<void> {
    if (generation === UNAVAILABLE || ttlMs <= 0 || value.length > largestAnswer(this.maxChars)) return;
    const second = this.count(value.length, ttlMs);
    if (second === undefined) return;
    const kept = await this.command(() => runScript(this.redis, KEEP, [generationKey(group), answerKey(group, key)], [generation, `${generation}\n${value}`, ttlMs]));
    if (kept !== 1) this.uncount(second, value.length);
  }

  /** Counts `chars` kept for `ttlMs` among this process's answers in Redis, if they fit in `maxChars`; the second they stop counting. */
  private count(chars: number, ttlMs: number): number | undefined {
    const now = Date.now();
    for (const [second, kept] of this.keptBySecond) if (second * 1000 <= now) this.uncount(second, kept);
    if (this.keptChars + chars > this.maxChars) return undefined;
    const second = Math.ceil((now + ttlMs) / 1000);
    this.keptBySecond.set(second, (this.keptBySecond.get(second) ?? 0) + chars);
    this.keptChars += chars;
    return second;
  }

  /** Stops counting `chars` of the second `second` (nothing when that second has already passed and was let go). */
  private uncount(second: number, chars: number): void {
    const counted = this.keptBySecond.get(second);
    if (counted === undefined) return;
    const taken = Math.min(counted, chars);
    if (counted > taken) this.keptBySecond.set(second, counted - taken);
    else this.keptBySecond.delete(second);
    this.keptChars -= taken;
  }

  async drop(groups: string[]): Promise<void> {
    for (const group of groups) this.undropped.add(group);
    await this.dropPending();
  }

  /** Sends the drops not yet taken; whether none is left. */
  private async dropPending(): Promise<boolean> {
    if (this.undropped.size === 0) return true;
    const groups = [...this.undropped];
    // One SET per group: their keys are in different slots.
    const done = await this.command(() => Promise.all(groups.map((group) => this.redis.set(generationKey(group), randomUUID()))));
    if (done === undefined) return false;
    for (const group of groups) this.undropped.delete(group);
    return this.undropped.size === 0;
  }

  private command<T>(send: () => Promise<T>): Promise<T | undefined> {
    return boundedCommand(this.redis, this.timeoutMs, send);
  }
}

const generationKey = (group: string) => `${PREFIX}{${group}}:generation`;
const answerKey = (group: string, key: string) => `${PREFIX}{${group}}:answer:${key}`;
