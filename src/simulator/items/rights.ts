/**
 * Roles and rights: per role and kind, access / change / delete, each none,
 * own, role (owned by users of the caller's role or a role below it) or all.
 * Administrators have all. Who owns an item comes from KINDS[kind].ownership.
 */
import { KINDS, type ItemKind } from '../../contract/kinds.js';
import type { KindRights, RightLevel } from '../../contract/types.js';
import type { Rec, Store } from '../store.js';

export type RightName = 'access' | 'change' | 'delete';

/** The authenticated caller of one SOAP call. */
export interface Caller {
  userId: number;
  username: string;
  administrator: boolean;
  /** The caller's role and every role below it. */
  roleTree: Set<number>;
  rights: Map<ItemKind, KindRights>;
}

export function makeCaller(store: Store, user: Rec): Caller {
  const roleId = (user.role as number | null) ?? null;
  const roleTree = new Set<number>();
  if (roleId !== null) {
    const queue = [roleId];
    while (queue.length) {
      const id = queue.pop()!;
      if (roleTree.has(id)) continue;
      roleTree.add(id);
      for (const r of store.meta.roles) if (r.parentId === id) queue.push(r.id);
    }
  }
  const role = store.meta.roles.find((r) => r.id === roleId);
  return {
    userId: user.id,
    username: String(user.email).toLowerCase(),
    administrator: user.administrator === true,
    roleTree,
    rights: new Map((role?.rights ?? []).map((r) => [r.kind, r])),
  };
}

/** User ids owning a record, or null for kinds nobody owns (products). */
export function owners(store: Store, kind: ItemKind, rec: Rec): number[] | null {
  const ownership = KINDS[kind].ownership as { users?: string; user?: string; via?: string; self?: true } | null;
  if (!ownership) return null;
  if (ownership.users) return (rec[ownership.users] as number[] | undefined) ?? [];
  if (ownership.user) return rec[ownership.user] == null ? [] : [rec[ownership.user] as number];
  if (ownership.self) return [rec.id];
  const parentId = rec[ownership.via!] as number | null | undefined;
  const parentKind = (KINDS[kind].fields as Record<string, { target?: ItemKind }>)[ownership.via!].target!;
  const parent = parentId == null ? undefined : store.entity(parentKind).get(parentId);
  return parent ? owners(store, parentKind, parent) ?? [] : [];
}

/** A predicate telling whether the caller holds `right` on records of a kind. */
export function rightChecker(store: Store, caller: Caller, kind: ItemKind, right: RightName): (rec: Rec) => boolean {
  if (caller.administrator) return () => true;
  if (kind === 'user' && right !== 'access') return () => false;
  if (kind === 'product' && right === 'access') return () => true;
  const level: RightLevel = caller.rights.get(kind)?.[right] ?? 'none';
  if (level === 'none') return () => false;
  if (level === 'all' || KINDS[kind].ownership === null) return () => true;
  const roleOfUser = (userId: number): number | null => (store.entity('user').get(userId)?.role as number | null) ?? null;
  return (rec) => {
    const ids = owners(store, kind, rec) ?? [];
    if (level === 'own') return ids.includes(caller.userId);
    return ids.some((id) => id === caller.userId || caller.roleTree.has(roleOfUser(id) ?? -1));
  };
}
