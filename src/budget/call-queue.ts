/** The waiting line of a call budget: interactive calls before background ones, FIFO within each. */

/** Interactive calls always go before background (import) calls. */
export type CallPriority = 'interactive' | 'background';

export interface QueuedCall {
  priority: CallPriority;
  /** When it (last) joined the queue. */
  enqueuedAt: number;
  /** When it first joined the queue, for wait limits. */
  firstEnqueuedAt: number;
  /** Epoch ms after which it gives up; `Infinity` for never. */
  deadline: number;
  /** Sends it, holding window slot `slot`; settles when the call is over. */
  start(slot: string): Promise<void>;
  expire(): void;
}

const PRIORITIES: readonly CallPriority[] = ['interactive', 'background'];

export class CallQueue {
  private readonly lines: Record<CallPriority, QueuedCall[]> = { interactive: [], background: [] };

  get size(): number {
    return this.lines.interactive.length + this.lines.background.length;
  }

  /** Interactive calls waiting. */
  get interactiveSize(): number {
    return this.lines.interactive.length;
  }

  push(call: QueuedCall): void {
    this.lines[call.priority].push(call);
  }

  /** Puts a call back at the head of its line (a THROTTLED call, to be re-sent first). */
  pushFront(call: QueuedCall): void {
    this.lines[call.priority].unshift(call);
  }

  /** Whether an interactive call waits. */
  hasInteractive(): boolean {
    return this.lines.interactive.length > 0;
  }

  shift(): QueuedCall | undefined {
    for (const priority of PRIORITIES) {
      const call = this.lines[priority].shift();
      if (call) return call;
    }
    return undefined;
  }

  /** Removes and expires every call whose deadline has passed. */
  expire(now: number): void {
    for (const priority of PRIORITIES) {
      const line = this.lines[priority];
      if (!line.some((call) => call.deadline <= now)) continue;
      this.lines[priority] = line.filter((call) => call.deadline > now);
      for (const call of line) if (call.deadline <= now) call.expire();
    }
  }

  nextDeadline(): number {
    let next = Infinity;
    for (const priority of PRIORITIES) for (const call of this.lines[priority]) next = Math.min(next, call.deadline);
    return next;
  }
}
