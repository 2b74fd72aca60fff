/**
 * Where read answers are kept across requests: the interface and this
 * process's memory. The Redis store, shared by every replica, is one of the
 * shared states (src/shared-state/redis/read-store.ts), chosen at start-up.
 */
export { READ_STORE_CHARS, largestAnswer, type Lookup, type ReadCache, type ReadStore } from './read-store.js';
export { ENTRY_OVERHEAD_CHARS, MemoryReadStore } from './memory-store.js';
