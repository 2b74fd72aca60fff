/**
 * The change feeds' links through Redis (src/changes/change-links.ts): one
 * replica polls each account at a time, holding a lease it renews
 * (`upsales-graphql:changes:{<tag>}:lease`, its value this process's
 * token), taken over by another replica with watchers once it lapses; the
 * kinds each replica watches on the account (`...:{<tag>}:kinds`, a hash of
 * process token to kinds and until when), so the holder polls them all;
 * where the holder got to on each kind (`...:{<tag>}:marks`: the latest
 * `modDate` it saw and the ids told at it), so the next holder tells what
 * changed while none polled;
 * batches to every replica over pub/sub (one channel per account tag) and
 * nudges over one channel. The account's keys share its hash tag (one
 * slot in Redis Cluster); nothing in them names a user or a credential.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connection.js';
import type { ChangeLinks, ChangeWithItem, KindMark } from '../../changes/index.js';
import { ITEM_KINDS, type ItemKind } from '../../contract/kinds.js';
import type { SharedEvents } from './events.js';
import { redisScript, runScript } from './script.js';

const PREFIX = 'upsales-graphql:changes:';
const leaseKey = (account: string) => `${PREFIX}{${account}}:lease`;
const kindsKey = (account: string) => `${PREFIX}{${account}}:kinds`;
const marksKey = (account: string) => `${PREFIX}{${account}}:marks`;
const batchTopic = (account: string) => `${PREFIX}batch:${account}`;
const NUDGE_TOPIC = `${PREFIX}nudge`;

/** Takes the lease when free, renews it when ours: 1 while this process holds it. */
const TAKE_OR_RENEW = redisScript(`
local holder = redis.call('GET', KEYS[1])
if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`);

/** Gives the lease back only when ours. */
const RELEASE = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

const isKind = (value: unknown): value is ItemKind => (ITEM_KINDS as readonly unknown[]).includes(value);

export function createRedisChangeLinks(redis: RedisClient, events: SharedEvents): ChangeLinks {
  const token = randomBytes(9).toString('base64url');
  return {
    async lease(account, ms) {
      try {
        return Number(await runScript(redis, TAKE_OR_RENEW, [leaseKey(account)], [token, Math.ceil(ms)])) === 1;
      } catch {
        // Redis unreachable: nobody can tell who polls; this process does not, and its watchers wait
        return false;
      }
    },
    async release(account) {
      await runScript(redis, RELEASE, [leaseKey(account)], [token]).catch(() => undefined);
    },
    async announce(account, kinds, ms) {
      const key = kindsKey(account);
      const now = Date.now();
      try {
        if (kinds.length > 0) await redis.multi().hset(key, token, JSON.stringify({ kinds, until: now + ms })).pexpire(key, Math.ceil(2 * ms)).exec();
        else await redis.hdel(key, token);
        const all = await redis.hgetall(key);
        const union = new Set<ItemKind>(kinds);
        for (const [holder, text] of Object.entries(all ?? {})) {
          const said = JSON.parse(text) as { kinds?: unknown[]; until?: number };
          if (!((said.until ?? 0) > now)) {
            void redis.hdel(key, holder).catch(() => undefined);
            continue;
          }
          for (const kind of said.kinds ?? []) if (isKind(kind)) union.add(kind);
        }
        return [...union];
      } catch {
        return [...kinds];
      }
    },
    async saveMark(account, kind, mark, ms) {
      await redis.multi().hset(marksKey(account), kind, JSON.stringify(mark)).pexpire(marksKey(account), Math.ceil(ms)).exec().catch(() => undefined);
    },
    async loadMark(account, kind) {
      try {
        const text = await redis.hget(marksKey(account), kind);
        const mark = text ? JSON.parse(text) as Partial<KindMark> : undefined;
        if (!mark || typeof mark.at !== 'string' || !Array.isArray(mark.told)) return undefined;
        return { at: mark.at, told: mark.told.filter((id): id is number => Number.isSafeInteger(id)) };
      } catch {
        return undefined;
      }
    },
    publish(account, batch) {
      events.dispatchEvent(new CustomEvent(batchTopic(account), { detail: batch }));
    },
    subscribe(account, listener) {
      const heard = (event: CustomEvent) => {
        if (Array.isArray(event.detail)) listener(event.detail as ChangeWithItem[]);
      };
      events.addEventListener(batchTopic(account), heard);
      return () => events.removeEventListener(batchTopic(account), heard);
    },
    nudge(upstream, kinds) {
      events.dispatchEvent(new CustomEvent(NUDGE_TOPIC, { detail: { upstream, kinds } }));
    },
    onNudge(listener) {
      const heard = (event: CustomEvent) => {
        const { upstream, kinds } = (event.detail ?? {}) as { upstream?: unknown; kinds?: unknown };
        if (typeof upstream === 'string' && Array.isArray(kinds)) listener(upstream, kinds.filter(isKind));
      };
      events.addEventListener(NUDGE_TOPIC, heard);
      return () => events.removeEventListener(NUDGE_TOPIC, heard);
    },
  };
}
