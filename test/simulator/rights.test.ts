/** Each demo role's visibility and write rights. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import type { XmlElement } from '../../src/simulator/xml/parse-xml.js';
import { ADMIN, READER, SALES, all, call, ok, query, startTestSimulator, text } from './soap-client.js';

let sim: RunningSimulator;
let salesTeam: Set<string>;
let allClients: XmlElement[];
const SALES_ID = '2';

beforeAll(async () => {
  sim = await startTestSimulator();
  const users = all(await ok(sim, 'UserService', 'getAll'), 'items');
  salesTeam = new Set(users.filter((u) => ['Sales', 'Sales Juniors'].includes(text(all(u, 'role')[0], 'name')!)).map((u) => text(u, 'id')!));
  allClients = (await query(sim, 'ClientService', [], { limit: 2000 })).items;
});
afterAll(() => sim.close());

const managers = (c: XmlElement): string[] => all(c, 'users').map((u) => text(u, 'id')!);
const ownedBySalesTeam = (c: XmlElement): boolean => managers(c).some((id) => salesTeam.has(id));
const firstWrite = async (service: string, op: string, inner: string, auth = SALES) => all(await ok(sim, service, op, inner, auth), 'results')[0];

describe('the sales role (access role, change own, delete none)', () => {
  it('has three users in Sales and three in Sales Juniors, the sales login among them', () => {
    expect(salesTeam.size).toBe(6);
    expect(salesTeam.has(SALES_ID)).toBe(true);
  });

  it('sees exactly the clients managed by its role and the roles below; total counts only those', async () => {
    const seen = await query(sim, 'ClientService', [], { limit: 2000 }, SALES);
    const expected = allClients.filter(ownedBySalesTeam).map((c) => Number(text(c, 'id'))).sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(allClients.length);
    expect(seen.total).toBe(expected.length);
    expect([...seen.ids].sort((a, b) => a - b)).toEqual(expected);
  });

  it('sees contacts through their client, and orders through their user', async () => {
    const contacts = await query(sim, 'ContactService', [], { limit: 2000 }, SALES);
    const visibleClients = new Set(allClients.filter(ownedBySalesTeam).map((c) => text(c, 'id')));
    expect(contacts.total).toBeGreaterThan(0);
    for (const c of contacts.items) expect(visibleClients.has(text(all(c, 'client')[0], 'id'))).toBe(true);
    const orders = await query(sim, 'OrderService', [], { limit: 2000 }, SALES);
    const everyOrder = await query(sim, 'OrderService', [], { limit: 2000 });
    expect(orders.total).toBeLessThan(everyOrder.total);
    for (const o of orders.items) expect(salesTeam.has(text(all(o, 'user')[0], 'id')!)).toBe(true);
  });

  it('gets ACCESS_DENIED for an item it may not see', async () => {
    const hidden = allClients.find((c) => !ownedBySalesTeam(c))!;
    const res = await call(sim, 'ClientService', 'get', `<id>${text(hidden, 'id')}</id>`, SALES);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'ACCESS_DENIED' });
  });

  it('may change its own clients, not its team mates\' ones, and may delete nothing', async () => {
    const own = allClients.find((c) => managers(c).includes(SALES_ID))!;
    const mate = allClients.find((c) => ownedBySalesTeam(c) && !managers(c).includes(SALES_ID))!;
    const results = all(await ok(sim, 'ClientService', 'update',
      `<items><id>${text(own, 'id')}</id><notes>Eget</notes></items><items><id>${text(mate, 'id')}</id><notes>Kollegans</notes></items>`, SALES), 'results');
    expect(results.map((r) => text(r, 'success'))).toEqual(['true', 'false']);
    expect(text(all(results[1], 'error')[0], 'code')).toBe('ACCESS_DENIED');
    const del = await firstWrite('ClientService', 'delete', `<ids>${text(own, 'id')}</ids>`);
    expect([text(del, 'success'), text(all(del, 'error')[0], 'code')]).toEqual(['false', 'ACCESS_DENIED']);
  });

  it('creates clients it owns (itself as account manager by default)', async () => {
    const created = await firstWrite('ClientService', 'create', '<items><name>Säljarens Nya AB</name></items>');
    expect(text(created, 'success')).toBe('true');
    expect(managers(all(created, 'item')[0])).toEqual([SALES_ID]);
    const forOthers = await firstWrite('ClientService', 'create', '<items><name>Annans AB</name><users><id>1</id></users></items>');
    expect(text(all(forOthers, 'error')[0], 'code')).toBe('ACCESS_DENIED');
  });

  it('reads products and users but may not write users', async () => {
    expect((await query(sim, 'ProductService', [], {}, SALES)).total).toBe((await query(sim, 'ProductService')).total);
    const res = await firstWrite('UserService', 'create', '<items><name>Ny Person</name><email>ny@demo.test</email></items>');
    expect(text(all(res, 'error')[0], 'code')).toBe('ACCESS_DENIED');
  });
});

describe('the reader role (access all, change none, delete none)', () => {
  it('sees everything', async () => {
    expect((await query(sim, 'ClientService', [], { limit: 0 }, READER)).total).toBe((await query(sim, 'ClientService', [], { limit: 0 })).total);
  });

  it('may not create, update or delete', async () => {
    const id = text(allClients[0], 'id');
    const writes = [
      await firstWrite('ClientService', 'create', '<items><name>Läsarens AB</name></items>', READER),
      await firstWrite('ClientService', 'update', `<items><id>${id}</id><notes>x</notes></items>`, READER),
      await firstWrite('ClientService', 'delete', `<ids>${id}</ids>`, READER),
    ];
    expect(writes.map((w) => text(all(w, 'error')[0], 'code'))).toEqual(['ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED']);
  });
});

describe('the administrator', () => {
  it('writes users', async () => {
    const res = await firstWrite('UserService', 'create', '<items><name>Ny Admin</name><email>ny.admin@demo.test</email></items>', ADMIN);
    expect(text(res, 'success')).toBe('true');
  });
});
