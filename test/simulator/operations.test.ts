/** Every service and each of its operations, over raw SOAP envelopes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_KINDS, KINDS, type ItemKind } from '../../src/contract/kinds.js';
import { META_OPERATIONS } from '../../src/contract/wire.js';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { all, call, ok, query, startTestSimulator, text } from './soap-client.js';

let sim: RunningSimulator;
beforeAll(async () => { sim = await startTestSimulator(); });
afterAll(() => sim.close());

const ORDER = '<description>Testorder</description><client><id>1</id></client><user><id>1</id></user>';
/** A minimal valid item per kind, and a text field to update. */
const MINIMAL: Record<ItemKind, { xml: string; field: string }> = {
  client: { xml: '<name>Testbolaget AB</name>', field: 'name' },
  contact: { xml: '<client><id>1</id></client><firstName>Tess</firstName>', field: 'firstName' },
  order: { xml: ORDER, field: 'description' },
  opportunity: { xml: `${ORDER}<stage><id>3</id></stage>`, field: 'description' },
  agreement: { xml: `${ORDER}<startDate>2025-01-01</startDate><intervalPeriod>12</intervalPeriod>`, field: 'description' },
  product: { xml: '<name>Testprodukt</name><articleNo>T-1</articleNo><listPrice>100</listPrice>', field: 'name' },
  project: { xml: '<name>Testprojekt</name>', field: 'name' },
  activity: { xml: '<description>Ring kunden</description><users><id>1</id></users>', field: 'description' },
  appointment: { xml: '<description>Möte</description><date>2025-06-01T10:00:00Z</date><users><id>1</id></users>', field: 'description' },
  lead: { xml: '<name>Leadbolaget AB</name>', field: 'name' },
  user: { xml: '<name>Test Person</name><email>test.person@demo.test</email>', field: 'name' },
};

describe.each(ITEM_KINDS)('%s service', (kind) => {
  const service = KINDS[kind].service;

  it('getByCriteria pages and get returns the same item', async () => {
    const first = await query(sim, service, [], { limit: 1 });
    expect(first.total).toBeGreaterThan(0);
    expect(first.ids).toHaveLength(1);
    const got = await ok(sim, service, 'get', `<id>${first.ids[0]}</id>`);
    expect(Number(text(all(got, 'item')[0], 'id'))).toBe(first.ids[0]);
    expect(text(all(got, 'item')[0], 'regDate')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it(KINDS[kind].getAll ? 'getAll returns every item' : 'getAll is refused with a hint to use getByCriteria', async () => {
    const res = await call(sim, service, 'getAll');
    if (KINDS[kind].getAll) {
      const { total } = await query(sim, service);
      expect(all(res.body, 'items')).toHaveLength(total);
    } else {
      expect(res.status).toBe(500);
      expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
      expect(res.fault!.message).toContain('getByCriteria');
    }
  });

  it('create, update, delete one item each', async () => {
    const before = await query(sim, service, [], { limit: 0 });
    const created = await ok(sim, service, 'create', `<items>${MINIMAL[kind].xml}</items>`);
    const [result] = all(created, 'results');
    expect(text(result, 'index')).toBe('0');
    expect(text(result, 'success')).toBe('true');
    const id = Number(text(all(result, 'item')[0], 'id'));
    expect(id).toBeGreaterThan(0);
    expect((await query(sim, service, [], { limit: 0 })).total).toBe(before.total + 1);

    const { field } = MINIMAL[kind];
    const updated = await ok(sim, service, 'update', `<items><id>${id}</id><${field}>Ändrad ${kind}</${field}></items>`);
    expect(text(all(all(updated, 'results')[0], 'item')[0], field)).toBe(`Ändrad ${kind}`);

    const deleted = await ok(sim, service, 'delete', `<ids>${id}</ids>`);
    const [del] = all(deleted, 'results');
    expect([text(del, 'index'), text(del, 'id'), text(del, 'success')]).toEqual(['0', String(id), 'true']);
    const after = await call(sim, service, 'get', `<id>${id}</id>`);
    if (KINDS[kind].deleteMeans === 'deactivate') {
      expect(text(after.body?.children[0], 'active')).toBe('false');
    } else {
      expect(after.fault).toMatchObject({ faultcode: 'soap:Client', code: 'NOT_FOUND' });
    }
  });
});

describe('MetadataService', () => {
  it.each(META_OPERATIONS.filter((op) => op !== 'getCustomFields'))('%s returns its list', async (operation) => {
    const body = await ok(sim, 'MetadataService', operation);
    expect(body.name).toBe(`${operation}Response`);
    expect(all(body, 'items').length).toBeGreaterThanOrEqual(4);
  });

  it('getRoles includes the rights of every kind', async () => {
    const roles = all(await ok(sim, 'MetadataService', 'getRoles'), 'items');
    const sales = roles.find((r) => text(r, 'name') === 'Sales')!;
    const rights = all(sales, 'rights');
    expect(rights).toHaveLength(ITEM_KINDS.length);
    const client = rights.find((r) => text(r, 'kind') === 'client')!;
    expect([text(client, 'access'), text(client, 'change'), text(client, 'delete')]).toEqual(['role', 'own', 'none']);
    const juniors = roles.find((r) => text(r, 'name') === 'Sales Juniors')!;
    expect(text(juniors, 'parentId')).toBe(text(sales, 'id'));
  });

  it('getCustomFields has every datatype per kind, and filters by kind', async () => {
    const everything = all(await ok(sim, 'MetadataService', 'getCustomFields'), 'items');
    expect(everything).toHaveLength(11 * 15);
    const client = all(await ok(sim, 'MetadataService', 'getCustomFields', '<kind>client</kind>'), 'items');
    expect(client).toHaveLength(15);
    expect(new Set(client.map((d) => text(d, 'kind')))).toEqual(new Set(['client']));
    const select = client.find((d) => text(d, 'datatype') === 'Select')!;
    expect(all(select, 'options').map((o) => o.text)).toEqual(['SMB', 'Mid-market', 'Enterprise', 'Offentlig sektor']);
    const bad = await call(sim, 'MetadataService', 'getCustomFields', '<kind>spaceship</kind>');
    expect(bad.fault).toMatchObject({ code: 'VALIDATION_ERROR', field: 'kind' });
  });

  it('getOrderStages and getCurrencies carry their fields', async () => {
    const stages = all(await ok(sim, 'MetadataService', 'getOrderStages'), 'items');
    expect(stages.map((s) => Number(text(s, 'probability')))).toEqual([10, 25, 50, 75, 90, 100, 0]);
    const currencies = all(await ok(sim, 'MetadataService', 'getCurrencies'), 'items');
    expect(currencies.filter((c) => text(c, 'masterCurrency') === 'true').map((c) => text(c, 'iso'))).toEqual(['SEK']);
  });
});
