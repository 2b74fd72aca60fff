/** Call accounting of the embedded service, served at `/__sim/stats`. */
export interface SimStats {
  calls: { total: number; byUser: Record<string, number>; byOperation: Record<string, number> };
  throttled: { faults: number; blocks: number };
}

export const emptyStats = (): SimStats => ({ calls: { total: 0, byUser: {}, byOperation: {} }, throttled: { faults: 0, blocks: 0 } });

export class StatsRecorder {
  stats = emptyStats();
  /** When each call since the last reset arrived (epoch ms; the latest 100,000), served at `/__sim/arrivals`. */
  arrivals: number[] = [];

  /** A SOAP call that reached an operation (`<Service>.<operation>`), whatever its outcome. */
  call(operationKey: string): void {
    if (this.arrivals.push(Date.now()) > 100_000) this.arrivals.splice(0, 50_000);
    this.stats.calls.total++;
    this.stats.calls.byOperation[operationKey] = (this.stats.calls.byOperation[operationKey] ?? 0) + 1;
  }

  user(username: string): void {
    this.stats.calls.byUser[username] = (this.stats.calls.byUser[username] ?? 0) + 1;
  }

  throttled(newBlock: boolean): void {
    this.stats.throttled.faults++;
    if (newBlock) this.stats.throttled.blocks++;
  }

  reset(): void {
    this.stats = emptyStats();
    this.arrivals = [];
  }
}
