/**
 * Which kinds a user may write, as Upsales says it: an administrator all;
 * anyone else the kinds whose `change` right their role holds at some
 * level (own, role or all: a right to write some items), from the roles'
 * rights (the metadata service's `getRoles`) and the user's own record (its
 * role and administrator flag: the read that checks a password, `me`).
 * Asked with the user's own credentials, only once Upsales has accepted
 * them, and kept per credentials (username and a hash of the password, as
 * VerifiedAccounts keys them) for CREDENTIALS_TTL_MS: at most one call per
 * user and TTL (`getRoles`) beyond the password check, whose answer is kept
 * here too. An import is refused with it before anything of it is staged.
 */
import { ITEM_KINDS, type ItemKind } from '../contract/kinds.js';
import type { Item } from '../contract/types.js';
import type { Credentials, UpstreamClient } from '../upstream/index.js';
import { credentialsKey } from './verified-accounts.js';

/** The kinds a user may write: every one, or these. */
export type WritableKinds = 'all' | ReadonlySet<ItemKind>;

/** What the password check's read says of the user: the role whose rights apply, and whether they are an administrator. */
interface Profile { roleId: number | null; administrator: boolean }

const profileOf = (user: Item | undefined): Profile | undefined => {
  if (!user) return undefined;
  const role = user.role as { id?: unknown } | number | null | undefined;
  const roleId = typeof role === 'number' ? role : typeof role?.id === 'number' ? role.id : null;
  return { roleId, administrator: user.administrator === true };
};

export class WriteRights {
  private readonly profiles = new Map<string, { profile: Profile; until: number }>();
  private readonly known = new Map<string, { writable: WritableKinds; until: number }>();
  private readonly pending = new Map<string, Promise<WritableKinds>>();

  /** `ttlMs`: CREDENTIALS_TTL_MS; `maxEntries` per map, the oldest going first. */
  constructor(private readonly ttlMs: number, private readonly maxEntries = 50_000) {}

  /** The password check read the user's own record (`lookupUser`): kept for the TTL, so the rights need no second read of it. */
  noteUser(credentials: Credentials, user: Item | undefined): void {
    const profile = profileOf(user);
    if (!profile) return;
    const key = credentialsKey(credentials);
    this.profiles.delete(key);
    this.profiles.set(key, { profile, until: Date.now() + this.ttlMs });
    this.bound(this.profiles);
  }

  /**
   * The kinds these credentials may write, asked of Upsales through
   * `client` (bound to them) when not known within the TTL: `getRoles`, and
   * the user's record when no password check of this TTL read it
   * (`lookUp`). Call only for credentials Upsales has accepted.
   */
  async writable(credentials: Credentials, client: UpstreamClient, lookUp: () => Promise<Item | undefined>): Promise<WritableKinds> {
    const key = credentialsKey(credentials);
    const now = Date.now();
    const known = this.known.get(key);
    if (known && known.until > now) return known.writable;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const asked = (async () => {
      const noted = this.profiles.get(key);
      const profile = noted && noted.until > Date.now() ? noted.profile : profileOf(await lookUp());
      let writable: WritableKinds = new Set();
      if (profile?.administrator) writable = 'all';
      else if (profile && profile.roleId !== null) {
        const role = (await client.getRoles()).find((r) => r.id === profile.roleId);
        writable = new Set(ITEM_KINDS.filter((kind) => (role?.rights ?? []).some((r) => r.kind === kind && r.change !== 'none')));
      }
      this.known.delete(key);
      this.known.set(key, { writable, until: Date.now() + this.ttlMs });
      this.bound(this.known);
      return writable;
    })();
    this.pending.set(key, asked);
    try {
      return await asked;
    } finally {
      this.pending.delete(key);
    }
  }

  private bound(map: Map<string, unknown>): void {
    while (map.size > this.maxEntries) map.delete(map.keys().next().value!);
  }
}

/** Whether `writable` holds `kind`. */
export const mayWrite = (writable: WritableKinds, kind: ItemKind): boolean => writable === 'all' || writable.has(kind);
