/**
 * Automatic persisted queries (APQ): documents registered by their SHA-256
 * while arbitrary documents run, so that a client sends the hash alone from
 * then on. Kept per account (a document one user registered is never found
 * by another, and a user fills only their own share), each for a TTL, and
 * bounded in bytes per account (APQ_MAX_BYTES; the oldest go first). This
 * file holds the interface and this process's memory; the Redis store,
 * shared by every replica, is src/shared-state/redis/apq-store.ts, and the
 * shared state (src/shared-state) chooses one at start-up.
 */

export interface ApqStore {
  /** The document registered under `hash` for the account of `tag`, if it is still kept. Never throws: a store out of reach is a miss. */
  get(tag: string, hash: string): Promise<string | undefined>;
  /** Registers `document` under `hash` (its SHA-256, checked by the caller) for the account of `tag`. Never throws. */
  set(tag: string, hash: string, document: string): Promise<void>;
}

export interface ApqStoreOptions {
  /** APQ_TTL_MS */
  ttlMs: number;
  /** APQ_MAX_BYTES: bytes of documents kept per account. */
  maxBytesPerAccount: number;
}

/**
 * Most bytes of documents one process keeps in its memory, for every
 * account together (the least recently used go first). @default 32 MiB
 */
export const APQ_MEMORY_BYTES = 32 * 1024 * 1024;

interface Entry { document: string; bytes: number; expires: number }
interface Account { entries: Map<string, Entry>; bytes: number }

/**
 * This process's registrations: per account, a Map in least-recently-used
 * order, and the accounts themselves in that order, so that both bounds
 * drop the least recently used first without a scan.
 */
export class MemoryApqStore implements ApqStore {
  private readonly accounts = new Map<string, Account>();
  private bytes = 0;

  constructor(private readonly options: ApqStoreOptions, private readonly maxBytes = APQ_MEMORY_BYTES, private readonly now = () => Date.now()) {}

  async get(tag: string, hash: string): Promise<string | undefined> {
    const account = this.accounts.get(tag);
    const entry = account?.entries.get(hash);
    if (!account || !entry) return undefined;
    this.remove(tag, account, hash, entry);
    if (entry.expires <= this.now()) return undefined;
    this.add(tag, hash, entry);
    return entry.document;
  }

  async set(tag: string, hash: string, document: string): Promise<void> {
    const bytes = Buffer.byteLength(document);
    if (bytes > this.options.maxBytesPerAccount) return;
    const old = this.accounts.get(tag)?.entries.get(hash);
    if (old) this.remove(tag, this.accounts.get(tag)!, hash, old);
    this.add(tag, hash, { document, bytes, expires: this.now() + this.options.ttlMs });
    const account = this.accounts.get(tag)!;
    while (account.bytes > this.options.maxBytesPerAccount) this.dropOldest(tag, account);
    while (this.bytes > this.maxBytes) {
      const [lru, first] = this.accounts.entries().next().value!;
      this.dropOldest(lru, first);
    }
  }

  /** Bytes kept now, for every account. */
  get size(): number {
    return this.bytes;
  }

  /** Adds an entry as the account's most recently used, and the account as the most recently used of all. */
  private add(tag: string, hash: string, entry: Entry): void {
    const account = this.accounts.get(tag) ?? { entries: new Map<string, Entry>(), bytes: 0 };
    this.accounts.delete(tag);
    this.accounts.set(tag, account);
    account.entries.set(hash, entry);
    account.bytes += entry.bytes;
    this.bytes += entry.bytes;
  }

  private remove(tag: string, account: Account, hash: string, entry: Entry): void {
    account.entries.delete(hash);
    account.bytes -= entry.bytes;
    this.bytes -= entry.bytes;
    if (account.entries.size === 0) this.accounts.delete(tag);
  }

  private dropOldest(tag: string, account: Account): void {
    const [hash, entry] = account.entries.entries().next().value!;
    this.remove(tag, account, hash, entry);
  }
}
