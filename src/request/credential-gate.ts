/**
 * What credentials Upsales has not accepted may spend. Upsales counts every
 * call, a failed login too, against the username's throttle: a caller who
 * only knows a username must not be able to spend that user's budget, nor
 * stall their queue. So a call of a username and password that is not
 * verified (verified-accounts.ts) is a probe:
 *
 * - one probe per username is in flight at a time; calls of the same
 *   username wait for it, and go on as verified when it was accepted;
 * - a pair Upsales refused is answered as refused, without a call, while it
 *   is remembered;
 * - past 3 wrong passwords of a username (a mistyped one or two), or 10
 *   from one client address, each one makes the next probe of that
 *   username, or from that address, wait: 1 s, doubling to 60 s; until
 *   then probes are refused at once (THROTTLED, retryAfterMs), not held, so
 *   nothing piles up. A password Upsales accepted within a day is not held
 *   back by others' failures, so the real user gets in while someone
 *   guesses.
 *
 * So a username sends at most 7 failed logins upstream in a 15-second
 * window (3, then at 1, 3, 7 and 15 s), then one a minute; an address 14
 * likewise. Calls of verified credentials pass untouched.
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

const isRefusal = (kind: unknown): kind is Refusal => kind === 'AUTHENTICATION_FAILED' || kind === 'API_ACCESS_DENIED';

/** A refusal Upsales gave these credentials lately, thrown as the adapter throws Upsales' own. */
const remembered = (kind: Refusal) => new UpstreamError(kind, kind === 'AUTHENTICATION_FAILED' ? 'Upsales rejected the username or password' : 'This Upsales user has no API access');

export class CredentialGate {
  private readonly probes = new Map<string, Promise<void>>();
  private readonly byUsername = new Map<string, Failures>();
  private readonly byAddress = new Map<string, Failures>();
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
      await probe;
    }
    if (!this.accounts.isKnownGood(credentials)) {
      const now = Date.now();
      const waitMs = Math.max(this.waitOf(this.byUsername, username, now), this.waitOf(this.byAddress, address, now));
      if (waitMs > 0) throw new LoginsThrottledError(waitMs);
    }
    const answer = this.watch(credentials, address, send);
    const settled = answer.then(() => undefined, () => undefined);
    this.probes.set(username, settled);
    void settled.then(() => {
      if (this.probes.get(username) === settled) this.probes.delete(username);
    });
    return answer;
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
