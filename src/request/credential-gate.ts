/**
 * What credentials Upsales has not accepted may spend. Upsales counts every
 * call, a failed login too, against the username's throttle: a caller who
 * only knows a username must not be able to spend that user's budget, nor
 * stall their queue, nor make the gateway hold without bound what waits.
 * So a call of a username and password that is not verified
 * (verified-accounts.ts) is a probe:
 *
 * - one probe per username is in flight at a time; calls of the same
 *   username wait for it (64 at most; more are refused), and go on as
 *   verified when it was accepted;
 * - a pair Upsales refused is answered as refused, without a call, while it
 *   is remembered;
 * - probes from one client address go 4 at a time, and 32 in all (with 16
 *   and 256 waiting at most), so a flood of made-up usernames is a line, not
 *   a burst;
 * - past 3 wrong passwords of a username (a mistyped one or two), or 10
 *   from one client address, each one makes the next probe of that
 *   username, or from that address, wait: 1 s, doubling to 60 s; until
 *   then probes are refused at once (THROTTLED, retryAfterMs), not held.
 *
 * A password Upsales accepted within a day is not held back by any of this
 * but the one probe per username, so the real user gets in while someone
 * guesses. So a username sends at most 7 failed logins upstream in a
 * 15-second window (3, then at 1, 3, 7 and 15 s), then one a minute; an
 * address 14 likewise. Calls of verified credentials pass untouched. Every
 * refusal here is a {@link LoginsThrottledError} (THROTTLED, 429).
 */
import { UpstreamError, type Credentials } from '../upstream/index.js';
import { LoginsThrottledError } from './errors.js';
import { usernameOf, type Refusal, type VerifiedAccounts } from './verified-accounts.js';

export interface CredentialGateOptions {
  /** Refusals of a username that make no wait (a mistyped password or two). @default 3 */
  freeFailures?: number;
  /** Refusals from one client address that make no wait (an office behind one address). @default 10 */
  freeAddressFailures?: number;
  /** The wait after the first refusal past the free ones; it doubles with each one. @default 1000 */
  baseDelayMs?: number;
  /** The longest wait. @default 60000 */
  maxDelayMs?: number;
  /** Failures are forgotten after this long without one. @default 15 min */
  forgetAfterMs?: number;
  /** Most usernames and addresses tracked; the oldest are forgotten. @default 50000 */
  maxTracked?: number;
}

interface Failures { count: number; nextAt: number; lastAt: number }

/** At most `limit` at a time; at most `maxWaiting` waiting for a place, more are refused. */
class Lane {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number, private readonly maxWaiting: number) {}

  get idle(): boolean {
    return this.running === 0 && this.waiting.length === 0;
  }

  /** A place (call the returned function to give it back), or null when too many wait already. */
  async enter(): Promise<(() => void) | null> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    };
  }
}

const isRefusal = (kind: unknown): kind is Refusal => kind === 'AUTHENTICATION_FAILED' || kind === 'API_ACCESS_DENIED';

/** A refusal Upsales gave these credentials lately, thrown as the adapter throws Upsales' own. */
const remembered = (kind: Refusal) => new UpstreamError(kind, kind === 'AUTHENTICATION_FAILED' ? 'Upsales rejected the username or password' : 'This Upsales user has no API access');

/** Seconds of a refusal for waiters past a lane's bound: the time a few probes take. */
const FULL_LANE_RETRY_MS = 1_000;

/** Adds `by` to `key`'s count, forgetting it at 0. */
function count(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next > 0) map.set(key, next);
  else map.delete(key);
}

export class CredentialGate {
  /** Requests not verified in progress, by username and by address (entered, not yet left). */
  private readonly pendingByUser = new Map<string, number>();
  private readonly pendingByAddress = new Map<string, number>();
  private readonly probes = new Map<string, { settled: Promise<void>; waiting: number }>();
  private readonly byUsername = new Map<string, Failures>();
  private readonly byAddress = new Map<string, Failures>();
  private readonly addressLanes = new Map<string, Lane>();
  private readonly everyone = new Lane(32, 256);
  private readonly freeFailures: number;
  private readonly freeAddressFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxTracked: number;

  constructor(private readonly accounts: VerifiedAccounts, options: CredentialGateOptions = {}) {
    this.freeFailures = options.freeFailures ?? 3;
    this.freeAddressFailures = options.freeAddressFailures ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.maxTracked = options.maxTracked ?? 50_000;
  }

  /** Probes in flight now (one per username at most). */
  get inFlight(): number {
    return this.probes.size;
  }

  /**
   * A request of credentials Upsales has not accepted lately enters, before
   * its body is read: refused at once when a call of them would be refused
   * without being sent (a remembered refusal, a wait after failed logins),
   * or when 64 requests of the username, or 128 from the address, that are
   * not verified either are in progress already (a page's first burst of
   * queries fits). Otherwise it holds its
   * place until it calls `leave` (when its answer is out). Verified and
   * known good credentials enter freely. So a flood of wrong passwords is
   * answered at once, for next to nothing, whatever its size.
   */
  enter(credentials: Credentials, address: string): { refused: Error } | { leave: () => void } {
    const free = { leave: () => undefined };
    if (this.accounts.isVerified(credentials)) return free;
    const refused = this.accounts.refusal(credentials);
    if (refused) return { refused: remembered(refused) };
    if (this.accounts.isKnownGood(credentials)) return free;
    const now = Date.now();
    const username = usernameOf(credentials);
    const waitMs = Math.max(this.waitOf(this.byUsername, username, now), this.waitOf(this.byAddress, address, now));
    if (waitMs > 0) return { refused: new LoginsThrottledError(waitMs) };
    const ofUser = this.pendingByUser.get(username) ?? 0;
    const ofAddress = this.pendingByAddress.get(address) ?? 0;
    if (ofUser >= 64 || ofAddress >= 128) return { refused: new LoginsThrottledError(FULL_LANE_RETRY_MS) };
    this.pendingByUser.set(username, ofUser + 1);
    this.pendingByAddress.set(address, ofAddress + 1);
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        count(this.pendingByUser, username, -1);
        count(this.pendingByAddress, address, -1);
      },
    };
  }

  /**
   * Runs `send`, one upstream call of `credentials` from `address`, as the
   * gate allows: at once when verified, else as the username's one probe.
   */
  async admit<T>(credentials: Credentials, address: string, send: () => Promise<T>): Promise<T> {
    const username = usernameOf(credentials);
    for (;;) {
      if (this.accounts.isVerified(credentials)) return this.watch(credentials, address, send);
      const refused = this.accounts.refusal(credentials);
      if (refused) throw remembered(refused);
      const probe = this.probes.get(username);
      if (!probe) break;
      if (probe.waiting >= 64) throw new LoginsThrottledError(FULL_LANE_RETRY_MS);
      probe.waiting += 1;
      await probe.settled;
    }
    const knownGood = this.accounts.isKnownGood(credentials);
    const checkDelays = () => {
      if (knownGood) return;
      const now = Date.now();
      const waitMs = Math.max(this.waitOf(this.byUsername, username, now), this.waitOf(this.byAddress, address, now));
      if (waitMs > 0) throw new LoginsThrottledError(waitMs);
    };
    checkDelays();
    let resolveSettled!: () => void;
    const entry = { settled: new Promise<void>((resolve) => { resolveSettled = resolve; }), waiting: 0 };
    this.probes.set(username, entry);
    const leave: (() => void)[] = [];
    try {
      if (!knownGood) {
        const lane = this.laneOf(address);
        for (const one of [lane, this.everyone]) {
          const left = await one.enter();
          if (!left) throw new LoginsThrottledError(FULL_LANE_RETRY_MS);
          leave.push(left);
        }
        // Others' refusals while this one waited for its place count too.
        checkDelays();
      }
      return await this.watch(credentials, address, send);
    } finally {
      for (const left of leave) left();
      if (this.probes.get(username) === entry) this.probes.delete(username);
      if (this.addressLanes.get(address)?.idle) this.addressLanes.delete(address);
      resolveSettled();
    }
  }

  private laneOf(address: string): Lane {
    let lane = this.addressLanes.get(address);
    if (!lane) this.addressLanes.set(address, lane = new Lane(4, 16));
    return lane;
  }

  /** Sends, and learns from the answer: accepted (the username's failures are forgotten) or refused (counted). */
  private async watch<T>(credentials: Credentials, address: string, send: () => Promise<T>): Promise<T> {
    try {
      const answer = await send();
      this.byUsername.delete(usernameOf(credentials));
      return answer;
    } catch (error) {
      const kind = (error as { kind?: unknown }).kind;
      if (isRefusal(kind)) {
        this.accounts.refuse(credentials, kind);
        // No API access means the password was right: nothing was guessed wrong.
        if (kind === 'AUTHENTICATION_FAILED') {
          this.fail(this.byUsername, usernameOf(credentials), this.freeFailures);
          this.fail(this.byAddress, address, this.freeAddressFailures);
        }
      }
      throw error;
    }
  }

  private waitOf(map: Map<string, Failures>, key: string, now: number): number {
    const failures = map.get(key);
    if (!failures) return 0;
    if (now - failures.lastAt > this.forgetAfterMs) {
      map.delete(key);
      return 0;
    }
    return Math.max(0, failures.nextAt - now);
  }

  private fail(map: Map<string, Failures>, key: string, free: number): void {
    const now = Date.now();
    const before = map.get(key);
    const count = before && now - before.lastAt <= this.forgetAfterMs ? before.count + 1 : 1;
    map.delete(key);
    const delay = count <= free ? 0 : Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (count - free - 1));
    map.set(key, { count, lastAt: now, nextAt: now + delay });
    while (map.size > this.maxTracked) map.delete(map.keys().next().value!);
  }
}
