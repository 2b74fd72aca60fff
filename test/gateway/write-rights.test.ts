/**
 * The write rights of a user (who may import what), as WriteRights keeps
 * them: from the password check's read of the user and the roles' rights,
 * asked once per TTL for many requests at once, again after it, never
 * shared between two passwords of one username.
 */
import { describe, expect, it } from 'vitest';
import type { Item, Role } from '../../src/contract/types.js';
import type { UpstreamClient } from '../../src/upstream/index.js';
import { mayWrite, WriteRights } from '../../src/request/write-rights.js';

const ROLES: Role[] = [
  { id: 2, name: 'Sales', rights: [{ kind: 'client', access: 'role', change: 'own', delete: 'none' }, { kind: 'product', access: 'all', change: 'none', delete: 'none' }] },
];
const SALES: Item = { id: 2, email: 'sales@demo.test', role: { id: 2, name: 'Sales' }, administrator: false };
const ADMIN: Item = { id: 1, email: 'admin@demo.test', role: { id: 1, name: 'Ledning' }, administrator: true };

/** An upstream client that answers getRoles only, counting its calls. */
function rolesClient() {
  let calls = 0;
  const client = { getRoles: async () => (calls++, new Promise<Role[]>((resolve) => setTimeout(() => resolve(ROLES), 20))) } as unknown as UpstreamClient;
  return { client, calls: () => calls };
}

describe('WriteRights', () => {
  it('a role\'s change right: clients (own), not products (none); asked once for many at once, from the user the check read', async () => {
    const rights = new WriteRights(60_000);
    const credentials = { username: 'sales@demo.test', password: 'demo-sales' };
    rights.noteUser(credentials, SALES);
    const { client, calls } = rolesClient();
    let lookups = 0;
    const lookUp = async () => (lookups++, SALES);
    const answers = await Promise.all(Array.from({ length: 5 }, () => rights.writable(credentials, client, lookUp)));
    expect(calls()).toBe(1);
    expect(lookups).toBe(0);
    for (const writable of answers) {
      expect(mayWrite(writable, 'client')).toBe(true);
      expect(mayWrite(writable, 'product')).toBe(false);
      expect(mayWrite(writable, 'contact')).toBe(false);
    }
    // another password of the same username knows nothing yet: it asks (the user's record too, no check of its having read it)
    await rights.writable({ ...credentials, password: 'other' }, client, lookUp);
    expect([calls(), lookups]).toEqual([2, 1]);
  });

  it('an administrator may write every kind, without asking for the roles', async () => {
    const rights = new WriteRights(60_000);
    const { client, calls } = rolesClient();
    const writable = await rights.writable({ username: 'admin@demo.test', password: 'demo-admin' }, client, async () => ADMIN);
    expect(writable).toBe('all');
    expect(calls()).toBe(0);
  });

  it('asks again once the TTL has passed', async () => {
    const rights = new WriteRights(50);
    const credentials = { username: 'sales@demo.test', password: 'demo-sales' };
    const { client, calls } = rolesClient();
    await rights.writable(credentials, client, async () => SALES);
    await rights.writable(credentials, client, async () => SALES);
    expect(calls()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await rights.writable(credentials, client, async () => SALES);
    expect(calls()).toBe(2);
  });

  it('a user with no role, or a role Upsales does not list, may write nothing', async () => {
    const rights = new WriteRights(60_000);
    const { client } = rolesClient();
    expect(await rights.writable({ username: 'a', password: 'x' }, client, async () => ({ ...SALES, role: null }))).toEqual(new Set());
    expect(await rights.writable({ username: 'b', password: 'x' }, client, async () => ({ ...SALES, role: { id: 99, name: 'Gone' } }))).toEqual(new Set());
  });
});
