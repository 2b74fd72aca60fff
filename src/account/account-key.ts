/**
 * Which Upsales account a call belongs to: the upstream and the username.
 * Everything shared on purpose (a call budget, kept reads, import jobs) is
 * keyed by it, and named outside the process only by its tag
 * (account-tag.ts).
 */

/** The account: the upstream (without trailing slash) and the username, case-insensitively. */
export function accountKey(baseUrl: string, username: string): string {
  return `${baseUrl.replace(/\/+$/, '').toLowerCase()} ${username.trim().toLowerCase()}`;
}
