/**
 * The Lua scripts of the shared window, one per operation, each atomic in
 * Redis and each reading Redis' own clock (`TIME`), so the processes'
 * clocks never matter. Per account, three keys share one hash tag:
 *
 * - `slots`: a sorted set, one member per call, scored by the Redis time
 *   (ms) at which it stops counting: `holdMs` (the call's timeout plus a
 *   window) after it was taken while it is in flight, a window after its
 *   answer once answered. Members at or below now are dropped first.
 * - `block`: the Redis time (ms) until which Upsales blocks the account.
 * - `waiting`: a sorted set of processes whose interactive calls wait for a
 *   slot, scored by when that stops being true unless renewed; background
 *   calls take nothing while any waits.
 *
 * Every write renews the key's TTL, so an idle account's keys vanish.
 * Scripts return durations from Redis' now, which callers add to their own.
 */
import { redisScript } from './script.js';

/** Redis' now in ms; before Redis 5, a script that reads TIME may write only once it asked for its effects to be replicated. */
const NOW = `if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: slots, block, waiting. ARGV: slot, priority, limit, reserve, holdMs,
 * pollMs, waiter, moreInteractive ('1'/'0'), ttlMs.
 * Returns {0, blockedForMs, used} | {1, retryInMs, used} | {2, 0, used}.
 */
const TAKE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return {0, blocked - now, used} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local interactive = ARGV[2] == 'interactive'
local poll = tonumber(ARGV[6])
local cap = tonumber(ARGV[3])
if not interactive then
  cap = cap - tonumber(ARGV[4])
  if redis.call('ZCARD', KEYS[3]) > 0 then cap = 0 end
end
local function mark()
  redis.call('ZADD', KEYS[3], now + 4 * poll, ARGV[7])
  redis.call('PEXPIRE', KEYS[3], 4 * poll)
end
if used >= cap then
  if interactive then mark() end
  local retry = poll
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if first[2] then retry = math.min(retry, tonumber(first[2]) - now) end
  return {1, math.max(retry, 1), used}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[9]))
if interactive then
  if ARGV[8] == '1' then mark() else redis.call('ZREM', KEYS[3], ARGV[7]) end
end
return {2, 0, used + 1}
`;

/** KEYS: slots. ARGV: slot, windowMs, ttlMs, sent ('1': counts a window from now; '0': never left, removed). Returns used. */
const RELEASE = `${NOW}
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
`;

/** Sets (or extends) the block to `ms` from now. Shared by BLOCK and SEED. */
const SET_BLOCK = `
local function block(ms)
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now + ms > current then
    redis.call('SET', KEYS[2], now + ms, 'PX', ms)
    current = now + ms
  end
  return math.max(0, current - now)
end
`;

/** KEYS: slots, block. ARGV: ms. Returns the block's remaining ms (a longer one set before stays). */
const BLOCK = `${NOW}${SET_BLOCK}
return block(tonumber(ARGV[1]))
`;

/** KEYS: slots, block. Returns {used, blockedForMs}. */
const STATE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
return {redis.call('ZCARD', KEYS[1]), math.max(0, blocked - now)}
`;

/**
 * Puts back a process's own slots (a Redis that came back empty): KEYS:
 * slots, block. ARGV: ttlMs, blockMs, then slot, msLeft pairs. Slots
 * present are left as they are. Returns {used, blockedForMs}.
 */
const SEED = `${NOW}${SET_BLOCK}
for i = 3, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], 'NX', now + tonumber(ARGV[i + 1]), ARGV[i])
end
if #ARGV > 2 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
local blocked = 0
if tonumber(ARGV[2]) > 0 then blocked = block(tonumber(ARGV[2])) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return {redis.call('ZCARD', KEYS[1]), blocked}
`;

export const SCRIPTS = {
  take: redisScript(TAKE), release: redisScript(RELEASE), block: redisScript(BLOCK), state: redisScript(STATE), seed: redisScript(SEED),
};
