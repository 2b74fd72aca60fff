/**
 * The read store of one process: a Map in insertion order, bounded by the
 * characters it holds (the oldest answers go first), generations as counters.
 * A drop only starts a new generation: what was kept before is unreachable
 * and leaves with age, so a write costs no scan however much is kept.
 */
import { largestAnswer, READ_STORE_CHARS, type Lookup, type ReadStore } from './read-store.js';

interface Entry {
  value: string;
  expires: number;
}

export class MemoryReadStore implements ReadStore {
  private readonly generations = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  constructor(private readonly maxChars = READ_STORE_CHARS, private readonly now = () => Date.now()) {}

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
    const entryKey = `${group}\u0000${generation}\u0000${key}`;
    const old = this.entries.get(entryKey);
    if (old) this.remove(entryKey, old);
    this.entries.set(entryKey, { value, expires: this.now() + ttlMs });
    this.chars += value.length;
    for (const [oldest, entry] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.remove(oldest, entry);
    }
  }

  async drop(groups: string[]): Promise<void> {
    for (const group of groups) this.generations.set(group, (this.generations.get(group) ?? 0) + 1);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.chars -= entry.value.length;
  }
}
