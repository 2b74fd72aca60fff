/**
 * The read store of one process: a Map in insertion order, bounded by what
 * its entries cost (an answer's characters, its key's, and a fixed overhead
 * per entry, so a flood of tiny answers is bounded too; the oldest answers
 * go first), generations as counters. A drop only starts a new generation:
 * what was kept before is unreachable and leaves with age, so a write costs
 * no scan however much is kept. Expired answers are swept out every few
 * seconds as answers are kept, not only when read again.
 */
import { largestAnswer, READ_STORE_CHARS, type Lookup, type ReadStore } from './read-store.js';

interface Entry {
  value: string;
  expires: number;
  /** What it counts against the bound. */
  cost: number;
}

/** What an entry costs beyond its answer and key, in characters: the Map entry, the record and its strings' headers. */
export const ENTRY_OVERHEAD_CHARS = 100;

/** How often expired answers are swept out (at most), in ms. */
const SWEEP_EVERY_MS = 5_000;

export class MemoryReadStore implements ReadStore {
  private readonly generations = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  private cost = 0;
  private sweptAt = 0;

  /**
   * `maxChars`: what the entries may cost in all; `overheadChars`: what each
   * costs beyond its answer and key (0 counts answers and keys only).
   */
  constructor(private readonly maxChars = READ_STORE_CHARS, private readonly overheadChars = ENTRY_OVERHEAD_CHARS, private readonly now = () => Date.now()) {}

  /** Entries kept now, and what they cost against the bound (for tests and metrics). */
  get size(): { entries: number; chars: number } {
    return { entries: this.entries.size, chars: this.cost };
  }

  private generationOf(group: string): string {
    return String(this.generations.get(group) ?? 0);
  }

  async lookup(group: string, key: string): Promise<Lookup> {
    const generation = this.generationOf(group);
    const entryKey = `${group}\u0000${generation}\u0000${key}`;
    const entry = this.entries.get(entryKey);
    if (entry && entry.expires <= this.now()) this.remove(entryKey, entry);
    return { generation, value: entry && entry.expires > this.now() ? entry.value : undefined };
  }

  async keep(group: string, generation: string, key: string, value: string, ttlMs: number): Promise<void> {
    if (generation !== this.generationOf(group) || ttlMs <= 0 || value.length > largestAnswer(this.maxChars)) return;
    const now = this.now();
    if (now - this.sweptAt >= SWEEP_EVERY_MS) this.sweep(now);
    const entryKey = `${group}\u0000${generation}\u0000${key}`;
    const old = this.entries.get(entryKey);
    if (old) this.remove(entryKey, old);
    const cost = value.length + entryKey.length + this.overheadChars;
    this.entries.set(entryKey, { value, expires: now + ttlMs, cost });
    this.cost += cost;
    for (const [oldest, entry] of this.entries) {
      if (this.cost <= this.maxChars) break;
      this.remove(oldest, entry);
    }
  }

  async drop(groups: string[]): Promise<void> {
    for (const group of groups) this.generations.set(group, (this.generations.get(group) ?? 0) + 1);
  }

  /** Removes every expired answer, and every answer of a generation no longer current (dropped: unreachable). */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, entry] of this.entries) {
      const [group, generation] = key.split('\u0000', 2);
      if (entry.expires <= now || generation !== this.generationOf(group)) this.remove(key, entry);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.cost -= entry.cost;
  }
}
