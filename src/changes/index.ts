/**
 * The change feed: one per Upsales account, shared by everyone watching
 * (subscriptions, live queries, kept reads), polling each watched kind at
 * background priority within a share of the account's budget, finding
 * deletions by counts, and telling every watcher only what its own account
 * may see. See README "Live data".
 */
export { MAX_WATCHED_KINDS, type CallerChanges, type ChangeEvent, type ChangeType, type ChangeWithItem } from './change-event.js';
export { ChangeFeeds, checkWatchedKinds, type ChangeFeedsOptions } from './change-feeds.js';
export { memoryChangeLinks, type ChangeLinks } from './change-links.js';
export { deletionCallBound, findDeleted } from './find-deleted.js';
export { feedAccount } from './account-feed.js';
export type { KindMark } from './kind-watch.js';
