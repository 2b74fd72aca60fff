/** Criteria operators, related ids, custom fields, sort and paging, checked against the full data set. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import type { XmlElement } from '../../src/simulator/xml/parse-xml.js';
import { all, call, criteriaXml, query, startTestSimulator, text } from './soap-client.js';

let sim: RunningSimulator;
let clients: XmlElement[];
beforeAll(async () => {
  sim = await startTestSimulator();
  clients = (await query(sim, 'ClientService', [], { limit: 2000 })).items;
});
afterAll(() => sim.close());

const idsOf = (items: XmlElement[]): number[] => items.map((c) => Number(text(c, 'id'))).sort((a, b) => a - b);
const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);
const employees = (c: XmlElement): number => Number(text(c, 'noEmployees'));

describe('operators on scalar fields', () => {
  it('the fixture has 100 clients', () => expect(clients).toHaveLength(100));

  it('eq and ne on a string', async () => {
    const name = text(clients[5], 'name')!;
    const eq = await query(sim, 'ClientService', [{ field: 'name', operator: 'eq', values: [name] }]);
    expect(eq.ids).toEqual([Number(text(clients[5], 'id'))]);
    const ne = await query(sim, 'ClientService', [{ field: 'name', operator: 'ne', values: [name] }]);
    expect(ne.total).toBe(99);
    expect(ne.ids).not.toContain(Number(text(clients[5], 'id')));
  });

  it.each([
    ['lt', (n: number, v: number) => n < v], ['lte', (n: number, v: number) => n <= v],
    ['gt', (n: number, v: number) => n > v], ['gte', (n: number, v: number) => n >= v],
  ] as const)('%s on an int', async (operator, test) => {
    const pivot = employees(clients[10]);
    const res = await query(sim, 'ClientService', [{ field: 'noEmployees', operator, values: [pivot] }], { limit: 2000 });
    const expected = idsOf(clients.filter((c) => test(employees(c), pivot)));
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(res.ids)).toEqual(expected);
    expect(res.total).toBe(expected.length);
  });

  it('in on ids', async () => {
    const want = idsOf(clients).slice(3, 8);
    const res = await query(sim, 'ClientService', [{ field: 'id', operator: 'in', values: [...want, 999999] }]);
    expect(res.ids).toEqual(want);
  });

  it('contains and startsWith ignore case', async () => {
    const contains = await query(sim, 'ClientService', [{ field: 'name', operator: 'contains', values: ['BYGG'] }], { limit: 2000 });
    const expected = idsOf(clients.filter((c) => text(c, 'name')!.toLowerCase().includes('bygg')));
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(contains.ids)).toEqual(expected);
    const starts = await query(sim, 'ClientService', [{ field: 'name', operator: 'startsWith', values: ['n'] }], { limit: 2000 });
    expect(sorted(starts.ids)).toEqual(idsOf(clients.filter((c) => text(c, 'name')!.startsWith('N'))));
  });

  it('isNull true and false on a related id', async () => {
    const withParent = idsOf(clients.filter((c) => all(c, 'parent').length > 0));
    const isNull = await query(sim, 'ClientService', [{ field: 'parent.id', operator: 'isNull', values: ['false'] }]);
    expect(isNull.ids).toEqual(withParent);
    const notNull = await query(sim, 'ClientService', [{ field: 'parent.id', operator: 'isNull', values: ['true'] }]);
    expect(notNull.total).toBe(100 - withParent.length);
  });

  it('criteria are joined by AND', async () => {
    const res = await query(sim, 'ClientService', [
      { field: 'active', operator: 'eq', values: ['true'] }, { field: 'noEmployees', operator: 'gt', values: [1000] },
    ], { limit: 2000 });
    expect(sorted(res.ids)).toEqual(idsOf(clients.filter((c) => text(c, 'active') === 'true' && employees(c) > 1000)));
  });
});

describe('related ids and custom fields', () => {
  it('client.id on contacts, users.id on clients', async () => {
    const clientId = Number(text(clients[0], 'id'));
    const contacts = await query(sim, 'ContactService', [{ field: 'client.id', operator: 'eq', values: [clientId] }]);
    expect(contacts.total).toBeGreaterThan(0);
    for (const c of contacts.items) expect(text(all(c, 'client')[0], 'id')).toBe(String(clientId));
    const managed = await query(sim, 'ClientService', [{ field: 'users.id', operator: 'eq', values: [2] }], { limit: 2000 });
    expect(sorted(managed.ids)).toEqual(idsOf(clients.filter((c) => all(c, 'users').some((u) => text(u, 'id') === '2'))));
  });

  it('product.id (orderRow.product.id) on orders, stage.id on opportunities, user.id on leads', async () => {
    const orders = await query(sim, 'OrderService', [{ field: 'product.id', operator: 'eq', values: [3] }], { limit: 2000 });
    expect(orders.total).toBeGreaterThan(0);
    for (const o of orders.items) expect(all(o, 'orderRow').some((r) => text(all(r, 'product')[0], 'id') === '3')).toBe(true);
    const viaRows = await query(sim, 'OrderService', [{ field: 'orderRow.product.id', operator: 'eq', values: [3] }], { limit: 2000 });
    expect(viaRows.ids).toEqual(orders.ids);
    const opps = await query(sim, 'OpportunityService', [{ field: 'stage.id', operator: 'eq', values: [3] }], { limit: 2000 });
    expect(opps.total).toBeGreaterThan(0);
    for (const o of opps.items) expect(text(o, 'probability')).toBe('50');
    const leads = await query(sim, 'LeadService', [{ field: 'user.id', operator: 'in', values: [1, 2] }], { limit: 2000 });
    for (const l of leads.items) expect(['1', '2']).toContain(text(all(l, 'user')[0], 'id'));
  });

  it('contacts.id on activities, project.id on orders, opportunity.id on appointments', async () => {
    const acts = await query(sim, 'ActivityService', [{ field: 'contacts.id', operator: 'isNull', values: ['false'] }], { limit: 1 });
    const contactId = text(all(acts.items[0], 'contacts')[0], 'id')!;
    const byContact = await query(sim, 'ActivityService', [{ field: 'contacts.id', operator: 'eq', values: [contactId] }]);
    expect(byContact.ids).toContain(acts.ids[0]);
    const withProject = await query(sim, 'OrderService', [{ field: 'project.id', operator: 'isNull', values: ['false'] }], { limit: 2000 });
    for (const o of withProject.items) expect(all(o, 'project')).toHaveLength(1);
    const apps = await query(sim, 'AppointmentService', [{ field: 'opportunity.id', operator: 'gt', values: [0] }], { limit: 2000 });
    for (const a of apps.items) expect(all(a, 'opportunity')).toHaveLength(1);
  });

  it('custom.<fieldId> on a Select and a number field', async () => {
    const segment = 10; // client Select field
    const res = await query(sim, 'ClientService', [{ field: `custom.${segment}`, operator: 'eq', values: ['Enterprise'] }], { limit: 2000 });
    const expected = idsOf(clients.filter((c) => all(c, 'customfield').some((f) => text(f, 'fieldId') === '10' && text(f, 'value') === 'Enterprise')));
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(res.ids)).toEqual(expected);
    const budget = await query(sim, 'ClientService', [{ field: 'custom.4', operator: 'gte', values: [250000] }], { limit: 2000 });
    expect(sorted(budget.ids)).toEqual(idsOf(clients.filter((c) => all(c, 'customfield').some((f) => text(f, 'fieldId') === '4' && Number(text(f, 'value')) >= 250000))));
  });

  it('a bad criterion is a VALIDATION_ERROR naming the field', async () => {
    const cases = [
      [{ field: 'spaceship', operator: 'eq', values: ['1'] }, 'spaceship'],
      [{ field: 'noEmployees', operator: 'eq', values: ['many'] }, 'noEmployees'],
      [{ field: 'name', operator: 'like', values: ['x'] }, 'name'],
      [{ field: 'custom.999', operator: 'eq', values: ['x'] }, 'custom.999'],
      [{ field: 'noEmployees', operator: 'contains', values: ['1'] }, 'noEmployees'],
      [{ field: 'name', operator: 'eq', values: [] }, 'name'],
    ] as const;
    for (const [criterion, field] of cases) {
      const res = await call(sim, 'ClientService', 'getByCriteria', criteriaXml([{ ...criterion, values: [...criterion.values] }]));
      expect(res.fault, JSON.stringify(criterion)).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR', field });
    }
  });
});

describe('sort and paging', () => {
  it('sorts by several keys, descending', async () => {
    const res = await query(sim, 'ClientService', [], { sort: [{ field: 'active' }, { field: 'noEmployees', descending: true }], limit: 2000 });
    const expected = [...clients].sort((a, b) => Number(text(a, 'active') === 'true') - Number(text(b, 'active') === 'true')
      || employees(b) - employees(a) || Number(text(a, 'id')) - Number(text(b, 'id')));
    expect(res.ids).toEqual(expected.map((c) => Number(text(c, 'id'))));
  });

  it('limit and offset page through a stable order; total stays the full count', async () => {
    const full = await query(sim, 'ContactService', [], { sort: [{ field: 'lastName' }], limit: 2000 });
    expect(full.total).toBe(400);
    const pages: number[] = [];
    for (let offset = 0; offset < 400; offset += 150) {
      const page = await query(sim, 'ContactService', [], { sort: [{ field: 'lastName' }], limit: 150, offset });
      expect(page.total).toBe(400);
      pages.push(...page.ids);
    }
    expect(pages).toEqual(full.ids);
  });

  it('limit defaults to 1000 and may not exceed 2000', async () => {
    const activities = await query(sim, 'ActivityService');
    expect(activities.total).toBe(600);
    expect(activities.ids).toHaveLength(600);
    const big = await call(sim, 'ActivityService', 'getByCriteria', '<limit>2001</limit>');
    expect(big.fault).toMatchObject({ code: 'VALIDATION_ERROR', field: 'limit' });
    const zero = await query(sim, 'ActivityService', [], { limit: 0 });
    expect([zero.total, zero.ids.length]).toEqual([600, 0]);
  });
});
