/**
 * The call budget of one Upsales account: every SOAP call of that account,
 * from every request and every background job, passes here.
 *
 * Upsales counts calls by arrival time in a sliding window and blocks the
 * account when it sees one too many. To stay conservative without knowing
 * arrival times, a call holds its window slot from the moment it is sent
 * until `windowMs` after its response arrived.
 */
import { CallQueue, type CallPriority, type QueuedCall } from './call-queue.js';

export type { CallPriority } from './call-queue.js';

export interface CallBudgetOptions {
  /** Calls allowed in any sliding window. @default 45 */
  calls?: number;
  /** Length of the sliding window, in ms. @default 15000 */
  windowMs?: number;
  /** Calls in flight at once. @default 4 */
  concurrency?: number;
  /** How long a block lasts when a THROTTLED fault says nothing. @default 120000 */
  blockMs?: number;
  /** Added to every block, so it has surely lifted when calls resume. @default 1000 */
  blockMarginMs?: number;
  /**
   * Tells a THROTTLED outcome from any other failure. Returns the fault's
   * `retryAfterMs` (or `undefined` when it gives none) for a THROTTLED error,
   * `null` for anything else. The default recognises `{ kind: 'THROTTLED' }`.
   */
  throttleOf?: (error: unknown) => { retryAfterMs?: number } | null;
}

export interface RunOptions {
  /** @default 'interactive' */
  priority?: CallPriority;
  /**
   * Give up after waiting this long (queue and blocks together). Without it a
   * call waits as long as it takes and never sees THROTTLED.
   */
  maxWaitMs?: number;
  /** Called each time the call is sent, with the ms it waited before that send. */
  onSend?: (queuedMs: number) => void;
}

export interface BudgetSnapshot {
  limit: number;
  windowMs: number;
  /** Calls counted in the current window (in flight, or answered less than `windowMs` ago). */
  used: number;
  remaining: number;
  queued: number;
  inFlight: number;
  blockedUntil: Date | null;
}

/** Thrown to a call whose `maxWaitMs` ran out; `cause` is the THROTTLED error if a block is why. */
export class BudgetWaitError extends Error {
  readonly code = 'BUDGET_WAIT_EXCEEDED';
  constructor(
    readonly waitedMs: number,
    readonly blockedUntil: Date | null,
    options?: { cause?: unknown },
  ) {
    super(blockedUntil ? 'The Upsales account is blocked by its throttle' : 'The Upsales call budget is exhausted', options);
    this.name = 'BudgetWaitError';
  }
}

const defaultThrottleOf = (error: unknown): { retryAfterMs?: number } | null => {
  if (typeof error !== 'object' || error === null || (error as { kind?: unknown }).kind !== 'THROTTLED') return null;
  const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof retryAfterMs === 'number' ? { retryAfterMs } : {};
};

export class CallBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly concurrency: number;
  private readonly blockMs: number;
  private readonly blockMarginMs: number;
  private readonly throttleOf: NonNullable<CallBudgetOptions['throttleOf']>;

  private readonly queue = new CallQueue();
  /** Window slots of answered calls: when each stops counting. */
  private releases: number[] = [];
  private inFlight = 0;
  private blockedUntilMs = 0;
  /** The throttle error that set the current block. */
  private blockCause: unknown = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;

  constructor(options: CallBudgetOptions = {}) {
    this.limit = positive(options.calls ?? 45, 'calls');
    this.windowMs = positive(options.windowMs ?? 15_000, 'windowMs');
    this.concurrency = positive(options.concurrency ?? 4, 'concurrency');
    this.blockMs = options.blockMs ?? 120_000;
    this.blockMarginMs = options.blockMarginMs ?? 1_000;
    this.throttleOf = options.throttleOf ?? defaultThrottleOf;
  }

  /** Runs `send` once the budget allows; re-sends it after a block if it came back THROTTLED. */
  run<T>(send: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const now = Date.now();
      const call: QueuedCall = {
        priority: options.priority ?? 'interactive',
        enqueuedAt: now,
        firstEnqueuedAt: now,
        deadline: options.maxWaitMs === undefined ? Infinity : now + options.maxWaitMs,
        start: () => this.send(call, send, options, resolve, reject),
        expire: () => reject(new BudgetWaitError(Date.now() - call.firstEnqueuedAt, this.blockedUntil(), { cause: this.blockCause ?? undefined })),
      };
      this.queue.push(call);
      this.pump();
    });
  }

  /** Nothing queued, in flight, in the window or blocked: the same as a new budget. */
  isIdle(): boolean {
    const { used, queued, blockedUntil } = this.snapshot();
    return used === 0 && queued === 0 && blockedUntil === null;
  }

  snapshot(): BudgetSnapshot {
    const now = Date.now();
    this.prune(now);
    const used = this.inFlight + this.releases.length;
    return {
      limit: this.limit,
      windowMs: this.windowMs,
      used,
      remaining: Math.max(0, this.limit - used),
      queued: this.queue.size,
      inFlight: this.inFlight,
      blockedUntil: this.blockedUntil(now),
    };
  }

  private blockedUntil(now = Date.now()): Date | null {
    return this.blockedUntilMs > now ? new Date(this.blockedUntilMs) : null;
  }

  private send<T>(
    call: QueuedCall, send: () => Promise<T>, options: RunOptions,
    resolve: (value: T) => void, reject: (error: unknown) => void,
  ): void {
    this.inFlight++;
    try {
      options.onSend?.(Date.now() - call.enqueuedAt);
    } catch {
      // accounting must never break a call
    }
    let outcome: Promise<T>;
    try {
      outcome = send();
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => {
        this.settle();
        resolve(value);
      },
      (error: unknown) => {
        const throttle = this.throttleOf(error);
        if (!throttle) {
          this.settle();
          return reject(error);
        }
        const now = Date.now();
        const until = now + (throttle.retryAfterMs ?? this.blockMs) + this.blockMarginMs;
        if (until > this.blockedUntilMs) {
          this.blockedUntilMs = until;
          this.blockCause = error;
        }
        if (call.deadline < this.blockedUntilMs) {
          this.settle();
          return reject(new BudgetWaitError(now - call.firstEnqueuedAt, this.blockedUntil(now), { cause: error }));
        }
        call.enqueuedAt = now;
        this.queue.pushFront(call);
        this.settle();
      },
    );
  }

  private settle(): void {
    this.inFlight--;
    const release = Date.now() + this.windowMs;
    let at = this.releases.length;
    while (at > 0 && this.releases[at - 1] > release) at--;
    this.releases.splice(at, 0, release);
    this.pump();
  }

  private prune(now: number): void {
    let expired = 0;
    while (expired < this.releases.length && this.releases[expired] <= now) expired++;
    if (expired) this.releases = this.releases.slice(expired);
  }

  /** Sends every call the budget allows now, and sets a timer for the next moment that may change. */
  private pump(): void {
    const now = Date.now();
    this.prune(now);
    const blocked = this.blockedUntilMs > now;
    if (!blocked) {
      while (this.queue.size && this.inFlight < this.concurrency && this.inFlight + this.releases.length < this.limit) {
        this.queue.shift()!.start();
      }
    }
    // a call may still be sent at its deadline, not after
    this.queue.expire(now);
    let wakeAt = this.queue.nextDeadline();
    if (this.queue.size) {
      if (blocked) wakeAt = Math.min(wakeAt, this.blockedUntilMs);
      else if (this.inFlight < this.concurrency && this.releases.length) wakeAt = Math.min(wakeAt, this.releases[0]);
    }
    this.arm(wakeAt, now);
  }

  private arm(at: number, now: number): void {
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`Call budget option ${name} must be a positive number`);
  return value;
}
