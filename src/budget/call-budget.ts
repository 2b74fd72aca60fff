/**
 * The call budget of one Upsales account: every SOAP call of that account,
 * from every request and every background job, passes here.
 *
 * Upsales counts calls by arrival time in a sliding window and blocks the
 * account when it sees one too many. To stay conservative without knowing
 * arrival times, a call holds its window slot from the moment it is sent
 * until `windowMs` after its response arrived. The window itself lives in a
 * {@link WindowStore} (this process's memory, or Redis shared by every
 * process on the account); the queue, the priorities and the cap on calls
 * in flight (p-limit) stay here, in-process.
 */
import { randomBytes } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { CallQueue, type CallPriority, type QueuedCall } from './call-queue.js';
import { MemoryWindowStore } from './memory-window-store.js';
import { defaultInteractiveReserve, type TakeVerdict, type WindowState, type WindowStore } from './window-store.js';

export type { CallPriority } from './call-queue.js';

export interface CallBudgetOptions {
  /** Calls allowed in any sliding window. @default 45 */
  calls?: number;
  /** Length of the sliding window, in ms. @default 15000 */
  windowMs?: number;
  /** Calls in flight at once (in this process). @default 4 */
  concurrency?: number;
  /** How long a block lasts when a THROTTLED fault says nothing. @default 120000 */
  blockMs?: number;
  /** Added to every block, so it has surely lifted when calls resume. @default 1000 */
  blockMarginMs?: number;
  /** Slots of the window background calls never take. @default {@link defaultInteractiveReserve}(calls) */
  interactiveReserve?: number;
  /** Where the window lives. @default this process's memory ({@link MemoryWindowStore}) */
  store?: WindowStore;
  /**
   * Most interactive calls waiting in this process's queue; one more is
   * refused at once ({@link BudgetWaitError} with `queueFull`). @default
   * unbounded (the gateway sets it from UPSALES_MAX_WAIT_MS: what the
   * budget sends in that long)
   */
  maxQueued?: number;
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

/** A snapshot read from the window's store now, saying whether the window is shared with other processes. */
export interface BudgetReading extends BudgetSnapshot {
  /** True while the window is shared through Redis; false without REDIS_URL, or while Redis is unreachable. */
  shared: boolean;
}

/** Thrown to a call whose `maxWaitMs` ran out; `cause` is the THROTTLED error if a block is why. */
export class BudgetWaitError extends Error {
  readonly code = 'BUDGET_WAIT_EXCEEDED';
  constructor(
    readonly waitedMs: number,
    readonly blockedUntil: Date | null,
    options?: { cause?: unknown; queueFull?: boolean; retryAfterMs?: number },
  ) {
    super(blockedUntil ? 'The Upsales account is blocked by its throttle'
      : options?.queueFull ? 'Too many calls of this Upsales account are waiting for its budget' : 'The Upsales call budget is exhausted', options);
    this.name = 'BudgetWaitError';
    this.queueFull = options?.queueFull ?? false;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /** Refused at once: the queue held `maxQueued` interactive calls. */
  readonly queueFull: boolean;
  /** When a call is worth trying again, when known. */
  readonly retryAfterMs?: number;
}

const defaultThrottleOf = (error: unknown): { retryAfterMs?: number } | null => {
  if (typeof error !== 'object' || error === null || (error as { kind?: unknown }).kind !== 'THROTTLED') return null;
  const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof retryAfterMs === 'number' ? { retryAfterMs } : {};
};

/** Slot names: unique across processes (a random tag of this process, then a counter). */
const PROCESS_TAG = randomBytes(6).toString('hex');
let slotCount = 0;
const nextSlot = () => `${PROCESS_TAG}:${(++slotCount).toString(36)}`;

export class CallBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly concurrency: number;
  /** Places of the window background calls never take. */
  readonly interactiveReserve: number;
  private readonly blockMs: number;
  private readonly blockMarginMs: number;
  private readonly throttleOf: NonNullable<CallBudgetOptions['throttleOf']>;
  private readonly store: WindowStore;
  /** The hard cap on sends running at once; `inFlight` decides when to ask for a slot. */
  private readonly limiter: LimitFunction;

  private readonly queue = new CallQueue();
  private readonly maxQueued: number;
  private inFlight = 0;
  /** The call whose slot is being asked for (out of the queue meanwhile, so it cannot expire). */
  private claimed: QueuedCall | null = null;
  /** Something changed while a slot was being asked for. */
  private dirty = false;
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
    const reserve = options.interactiveReserve ?? defaultInteractiveReserve(this.limit);
    if (!(Number.isInteger(reserve) && reserve >= 0 && reserve < this.limit)) {
      throw new RangeError('Call budget option interactiveReserve must be a whole number below calls');
    }
    this.interactiveReserve = reserve;
    this.store = options.store ?? new MemoryWindowStore({ calls: this.limit, windowMs: this.windowMs, reserve });
    this.limiter = pLimit(this.concurrency);
    this.maxQueued = options.maxQueued ?? Infinity;
  }

  /** Runs `send` once the budget allows; re-sends it after a block if it came back THROTTLED. */
  run<T>(send: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const now = Date.now();
      const priority = options.priority ?? 'interactive';
      if (priority === 'interactive' && this.queue.interactiveSize >= this.maxQueued) {
        // What the queue holds takes about this long to leave it at the budget's pace.
        const retryAfterMs = Math.ceil(this.queue.interactiveSize / this.limit) * this.windowMs;
        reject(new BudgetWaitError(0, this.blockedUntil(now), { queueFull: true, retryAfterMs }));
        return;
      }
      const call: QueuedCall = {
        priority,
        enqueuedAt: now,
        firstEnqueuedAt: now,
        deadline: options.maxWaitMs === undefined ? Infinity : now + options.maxWaitMs,
        start: (slot) => this.send(call, slot, send, options, resolve, reject),
        expire: () => reject(new BudgetWaitError(Date.now() - call.firstEnqueuedAt, this.blockedUntil(), { cause: this.blockCause ?? undefined, retryAfterMs: this.windowMs })),
      };
      this.queue.push(call);
      this.pump();
    });
  }

  /** Nothing queued, in flight, in the window or blocked: the same as a new budget. */
  isIdle(): boolean {
    const { used, queued, inFlight, blockedUntil } = this.snapshot();
    return used === 0 && queued === 0 && inFlight === 0 && blockedUntil === null;
  }

  /** Forgotten by its registry, idle: lets go of its window store. */
  dispose(): void {
    this.store.dispose?.();
  }

  /** The budget now, as this process knows it (no I/O). */
  snapshot(): BudgetSnapshot {
    return this.snapshotOf(this.store.known());
  }

  /** The budget now, the window read from its store (one round trip with Redis). */
  async read(): Promise<BudgetReading> {
    const window = await this.store.read();
    return { ...this.snapshotOf(window), shared: window.shared };
  }

  private snapshotOf(window: WindowState): BudgetSnapshot {
    const now = Date.now();
    return {
      limit: window.limit,
      windowMs: this.windowMs,
      used: window.used,
      remaining: Math.max(0, window.limit - window.used),
      queued: this.queue.size + (this.claimed ? 1 : 0),
      inFlight: this.inFlight,
      blockedUntil: this.blockedUntil(now, window.blockedUntil),
    };
  }

  private blockedUntil(now = Date.now(), stored = this.store.known().blockedUntil): Date | null {
    const until = Math.max(this.blockedUntilMs, stored ?? 0);
    return until > now ? new Date(until) : null;
  }

  private async send<T>(
    call: QueuedCall, slot: string, send: () => Promise<T>, options: RunOptions,
    resolve: (value: T) => void, reject: (error: unknown) => void,
  ): Promise<void> {
    try {
      options.onSend?.(Date.now() - call.enqueuedAt);
    } catch {
      // accounting must never break a call
    }
    let value: T;
    try {
      value = await send();
    } catch (error) {
      const throttle = this.throttleOf(error);
      if (!throttle) {
        this.settle(slot);
        return reject(error);
      }
      const now = Date.now();
      const ms = (throttle.retryAfterMs ?? this.blockMs) + this.blockMarginMs;
      if (now + ms > this.blockedUntilMs) {
        this.blockedUntilMs = now + ms;
        this.blockCause = error;
      }
      void this.store.block(ms).then((until) => {
        this.blockedUntilMs = Math.max(this.blockedUntilMs, until);
      });
      if (call.deadline < this.blockedUntilMs) {
        this.settle(slot);
        return reject(new BudgetWaitError(now - call.firstEnqueuedAt, this.blockedUntil(now), { cause: error }));
      }
      call.enqueuedAt = now;
      this.queue.pushFront(call);
      this.settle(slot);
      return;
    }
    this.settle(slot);
    resolve(value);
  }

  private settle(slot: string): void {
    this.inFlight--;
    void this.store.release(slot);
    this.pump();
  }

  /**
   * Asks the store for a slot for the call at the head of the queue, one
   * call at a time, unless the account is blocked or the calls in flight
   * are at the cap; then waits (a timer) for the next moment that may change.
   */
  private pump(): void {
    if (this.claimed) {
      this.dirty = true;
      return;
    }
    const now = Date.now();
    if (this.queue.size && this.blockedUntilMs <= now && this.inFlight < this.concurrency) {
      const call = this.queue.shift()!;
      const slot = nextSlot();
      this.claimed = call;
      this.dirty = false;
      this.store.take({ slot, priority: call.priority, interactiveWaiting: this.queue.hasInteractive() })
        .catch((): TakeVerdict => ({ granted: false, retryAt: Date.now() + this.windowMs / 20 }))
        .then((verdict) => this.taken(call, slot, verdict));
      return;
    }
    this.wait(now);
  }

  private taken(call: QueuedCall, slot: string, verdict: TakeVerdict): void {
    this.claimed = null;
    if (verdict.granted && this.blockedUntilMs <= Date.now()) {
      this.inFlight++;
      void this.limiter(() => call.start(slot));
      return this.pump();
    }
    this.queue.pushFront(call);
    if (verdict.granted) {
      // a block arrived while the slot was asked for: the call did not leave
      void this.store.release(slot, false);
      return this.pump();
    }
    if (verdict.blockedUntil) this.blockedUntilMs = Math.max(this.blockedUntilMs, verdict.blockedUntil);
    if (this.dirty) return this.pump();
    this.wait(Date.now(), verdict.retryAt);
  }

  /** Expires calls past their deadline, and sets a timer for the next moment that may let a call go. */
  private wait(now: number, retryAt = Infinity): void {
    // a call may still be sent at its deadline, not after
    this.queue.expire(now);
    let wakeAt = this.queue.nextDeadline();
    if (this.queue.size) {
      if (this.blockedUntilMs > now) wakeAt = Math.min(wakeAt, this.blockedUntilMs);
      else if (this.inFlight < this.concurrency) wakeAt = Math.min(wakeAt, retryAt);
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
