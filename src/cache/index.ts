/**
 * Where read answers, and documents registered by their hash (APQ), are
 * kept across requests: the interfaces and this process's memory. The Redis
 * stores, shared by every replica, are among the shared states
 * (src/shared-state/redis), chosen at start-up.
 */
export { READ_STORE_CHARS, largestAnswer, type Lookup, type ReadCache, type ReadStore } from './read-store.js';
export { ENTRY_OVERHEAD_CHARS, MemoryReadStore } from './memory-store.js';
export { APQ_MEMORY_BYTES, MemoryApqStore, type ApqStore, type ApqStoreOptions } from './apq-store.js';
