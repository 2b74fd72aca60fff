/**
 * How an import job's owner is named: the Upsales username trimmed and
 * lower-cased (as the call budget's `accountKey` names an account), in the
 * job store and wherever owners are compared; outside this process (Redis)
 * only by a hash of that name.
 */
import { accountTag } from '../../account/account-tag.js';

/** The owner as the job store keeps it and compares it. */
export const ownerName = (username: string): string => username.trim().toLowerCase();

/** Whether two usernames name the same owner. */
export const sameOwner = (a: string, b: string): boolean => ownerName(a) === ownerName(b);

/** How an owner is named in Redis keys, values and messages: the one account hash (keyed by ACCOUNT_HASH_KEY when set) of {@link ownerName}, never the username. */
export const ownerTag = (username: string): string => accountTag(`owner\n${ownerName(username)}`).slice(0, 32);
