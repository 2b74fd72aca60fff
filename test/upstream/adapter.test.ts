import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUpstream, UpstreamError, type Upstream } from '../../src/upstream/index.js';
import { startRecordingProxy } from './recording-proxy.js';
import { ADMIN, NOAPI, READER, SALES, newStats, startTestSimulator, type TestSimulator } from './sim-helpers.js';

let sim: TestSimulator;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let upstream: Upstream;

beforeAll(async () => {
  sim = await startTestSimulator();
  proxy = await startRecordingProxy(sim.url);
  upstream = createUpstream({ baseUrl: proxy.url, timeoutMs: 5000, budget: { calls: 1000, windowMs: 1000 } });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});
beforeEach(async () => {
  await sim.resetStats();
  proxy.exchanges.length = 0;
});

const failure = async (promise: Promise<unknown>): Promise<UpstreamError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected the call to fail');
};

describe('item operations round-trip', () => {
  it('creates, reads, partially updates and deletes a client, one SOAP call each', async () => {
    const stats = newStats();
    const admin = upstream.forCredentials(ADMIN, stats);
    const [created] = await admin.create('client', [{
      name: 'Rundresa AB', phone: '+46 8 123', notes: 'first', turnover: 1000.5, users: [{ id: 2 }],
      addresses: [{ type: 'Visit', city: 'Lund' }], customfield: [{ fieldId: 1, value: 'REF-1' }],
    }]);
    expect(created).toMatchObject({ index: 0, success: true });
    const item = created.item!;
    expect(item).toMatchObject({
      name: 'Rundresa AB', phone: '+46 8 123', notes: 'first', turnover: 1000.5, active: true, regBy: 1,
      users: [{ id: 2, name: 'Sven Säljare' }], addresses: [{ type: 'Visit', city: 'Lund' }], categories: [],
      customfield: [{ fieldId: 1, value: 'REF-1' }],
    });
    expect(typeof item.id).toBe('number');
    expect(item.regDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    expect(await admin.get('client', item.id!)).toEqual(item);
    expect(await admin.getByCriteria('client', { criteria: [{ field: 'id', operator: 'eq', values: [String(item.id)] }] })).toEqual({ total: 1, items: [item] });

    const [updated] = await admin.update('client', [{ id: item.id, notes: null, turnover: 12.25 }]);
    expect(updated.success).toBe(true);
    expect(updated.item).toMatchObject({ id: item.id, phone: '+46 8 123', turnover: 12.25, users: [{ id: 2 }] });
    expect(updated.item!.notes ?? null).toBeNull();

    expect(await admin.delete('client', [item.id!])).toEqual([{ index: 0, id: item.id, success: true }]);
    expect((await failure(admin.get('client', item.id!))).kind).toBe('NOT_FOUND');

    const expectedLog = ['create', 'get', 'getByCriteria', 'update', 'delete', 'get'].map((op) => `ClientService.${op}`);
    expect(stats.log).toEqual(expectedLog);
    expect(stats.calls).toBe(6);
    expect((await sim.stats()).calls).toEqual({
      total: 6, byUser: { 'admin@demo.test': 6 },
      byOperation: { 'ClientService.create': 1, 'ClientService.get': 2, 'ClientService.getByCriteria': 1, 'ClientService.update': 1, 'ClientService.delete': 1 },
    });
  });

  it('round-trips products (refs, floats, booleans), and deleting one deactivates it', async () => {
    const admin = upstream.forCredentials(ADMIN, newStats());
    const [{ item }] = await admin.create('product', [{ name: 'Testprodukt', articleNo: 'ART-T-1', listPrice: 99.5, purchaseCost: 40, category: 2, active: true }]);
    expect(item).toMatchObject({ name: 'Testprodukt', articleNo: 'ART-T-1', listPrice: 99.5, purchaseCost: 40, category: { id: 2, name: 'Licenser' }, active: true });
    const [{ item: changed }] = await admin.update('product', [{ id: item!.id, listPrice: 120 }]);
    expect(changed).toMatchObject({ listPrice: 120, purchaseCost: 40, category: { id: 2 } });
    expect((await admin.delete('product', [item!.id!]))[0].success).toBe(true);
    expect(await admin.get('product', item!.id!)).toMatchObject({ id: item!.id, active: false });
  });

  it('round-trips an order with rows, dates and its stage', async () => {
    const admin = upstream.forCredentials(ADMIN, newStats());
    const [result] = await admin.create('order', [{
      description: 'Testorder', date: '2025-02-03', client: 2, user: 1, stage: { id: 6 }, probability: 100, currency: 'SEK',
      orderRow: [{ product: 1, quantity: 2, price: 1500 }, { product: 2, quantity: 1, price: 250.5 }],
    }]);
    expect(result.success).toBe(true);
    expect(result.item).toMatchObject({
      description: 'Testorder', date: '2025-02-03', client: { id: 2 }, user: { id: 1, name: 'Agnes Admin' },
      stage: { id: 6, name: 'Order', probability: 100 }, probability: 100, value: 3250.5, weightedValue: 3250.5,
      orderRow: [{ product: { id: 1 }, quantity: 2, price: 1500 }, { product: { id: 2 }, quantity: 1, price: 250.5 }],
    });
    expect(typeof (result.item!.orderRow as { id: unknown }[])[0].id).toBe('number');
  });

  it('filters, sorts and pages with criteria', async () => {
    const admin = upstream.forCredentials(ADMIN, newStats());
    const page = await admin.getByCriteria('contact', {
      criteria: [{ field: 'client.id', operator: 'in', values: ['2', '3'] }], sort: [{ field: 'id', descending: true }], limit: 2, offset: 1,
    });
    const all = await admin.getByCriteria('contact', { criteria: [{ field: 'client.id', operator: 'in', values: ['2', '3'] }], sort: [{ field: 'id', descending: true }] });
    expect(page.total).toBe(all.total);
    expect(all.items.every((c) => [2, 3].includes((c.client as { id: number }).id))).toBe(true);
    expect(page.items).toEqual(all.items.slice(1, 3));
    expect(all.items.map((c) => c.id)).toEqual([...all.items.map((c) => c.id as number)].sort((a, b) => b - a));
  });

  it('gets small kinds whole with getAll', async () => {
    const admin = upstream.forCredentials(ADMIN, newStats());
    const products = await admin.getAll('product');
    expect(products).toHaveLength((await admin.getByCriteria('product', { limit: 1 })).total);
    expect(products.length).toBeGreaterThanOrEqual(100);
    expect(products.every((p) => typeof p.id === 'number' && typeof p.listPrice === 'number' && Array.isArray(p.customfield))).toBe(true);
    const users = await admin.getAll('user');
    expect(users.slice(0, 2).map((u) => [u.id, u.email, u.role])).toEqual([[1, 'admin@demo.test', { id: 1, name: 'Ledning' }], [2, 'sales@demo.test', { id: 2, name: 'Sales' }]]);
  });
});

describe('metadata', () => {
  it('reads every metadata list, typed, one call each', async () => {
    const stats = newStats();
    const admin = upstream.forCredentials(ADMIN, stats);
    expect((await admin.getOrderStages())[0]).toEqual({ id: 1, name: 'Prospekt', probability: 10 });
    expect((await admin.getProductCategories()).slice(0, 2)).toEqual([{ id: 1, name: 'Mjukvara' }, { id: 2, name: 'Licenser', parentId: 1 }]);
    expect((await admin.getCurrencies())[0]).toEqual({ iso: 'SEK', rate: 1, masterCurrency: true, active: true });
    const roles = await admin.getRoles();
    expect(roles[0]).toMatchObject({ id: 1, name: 'Ledning' });
    expect(roles[0].rights[0]).toEqual({ kind: 'client', access: 'all', change: 'all', delete: 'all' });
    for (const list of [await admin.getActivityTypes(), await admin.getAppointmentTypes(), await admin.getClientCategories()]) {
      expect(list.length).toBeGreaterThan(0);
      expect(list.every((t) => typeof t.id === 'number' && typeof t.name === 'string')).toBe(true);
    }
    const clientFields = await admin.getCustomFields('client');
    expect(clientFields[0]).toEqual({ id: 1, kind: 'client', name: 'Referenskod', alias: 'CLIENT_STRING', datatype: 'String', required: false, editable: true, sortId: 1, options: [] });
    expect(clientFields.every((f) => f.kind === 'client' && Array.isArray(f.options))).toBe(true);
    expect((await admin.getCustomFields()).length).toBeGreaterThan(clientFields.length);
    expect(stats.calls).toBe(9);
    expect((await sim.stats()).calls.byOperation).toEqual({
      'MetadataService.getOrderStages': 1, 'MetadataService.getProductCategories': 1, 'MetadataService.getCurrencies': 1,
      'MetadataService.getRoles': 1, 'MetadataService.getActivityTypes': 1, 'MetadataService.getAppointmentTypes': 1,
      'MetadataService.getClientCategories': 1, 'MetadataService.getCustomFields': 2,
    });
  });
});

describe('faults', () => {
  it('maps faults to typed errors with safe messages', async () => {
    const wrong = await failure(upstream.forCredentials({ username: ADMIN.username, password: 'wrong-pw-123' }, newStats()).get('client', 1));
    expect(wrong).toMatchObject({ kind: 'AUTHENTICATION_FAILED', code: 'AUTHENTICATION_FAILED', message: 'invalid username or password' });
    expect((await failure(upstream.forCredentials(NOAPI, newStats()).get('client', 1))).kind).toBe('API_ACCESS_DENIED');
    const admin = upstream.forCredentials(ADMIN, newStats());
    expect(await failure(admin.get('client', 999_999))).toMatchObject({ kind: 'NOT_FOUND', message: 'Client 999999 does not exist' });
    expect((await failure(upstream.forCredentials(SALES, newStats()).get('client', 1))).kind).toBe('ACCESS_DENIED');
    expect(await failure(admin.getByCriteria('client', { criteria: [{ field: 'nope', operator: 'eq', values: ['1'] }] })))
      .toMatchObject({ kind: 'VALIDATION_ERROR', field: 'nope' });
    expect((await failure(admin.getAll('client'))).kind).toBe('VALIDATION_ERROR');
    for (const error of [wrong]) {
      expect(error.message).not.toContain('wrong-pw-123');
      expect(error.message).not.toContain(String(sim.port));
      expect(error.message).not.toContain('127.0.0.1');
      expect(Object.values(error).join(' ')).not.toContain('wrong-pw-123');
    }
  });

  it('returns per-item errors in results instead of throwing', async () => {
    expect(await upstream.forCredentials(READER, newStats()).create('client', [{ name: 'X' }]))
      .toEqual([{ index: 0, success: false, error: { code: 'ACCESS_DENIED', message: 'no right to create this client' } }]);
    const results = await upstream.forCredentials(ADMIN, newStats()).create('client', [{ orgNo: '1' }, { name: 'Bra <&> AB' }]);
    expect(results[0]).toEqual({ index: 0, success: false, error: { code: 'VALIDATION_ERROR', message: 'name is required', field: 'name' } });
    expect(results[1]).toMatchObject({ index: 1, success: true, item: { name: 'Bra <&> AB' } });
  });
});

describe('on the wire', () => {
  it('sends one PasswordDigest UsernameToken per call, partial updates with nil and nothing absent', async () => {
    const admin = upstream.forCredentials(ADMIN, newStats());
    await admin.update('contact', [{ id: 5, title: null, phone: '123' }]);
    expect(proxy.exchanges).toHaveLength(1);
    const { request, path } = proxy.exchanges[0];
    expect(path).toBe('/wsapi/ContactService');
    expect(request.match(/<wsse:Security /g)).toHaveLength(1);
    expect(request).toContain('#PasswordDigest">');
    expect(request).not.toContain(ADMIN.password);
    expect(request).toMatch(/<items><id>5<\/id><title xsi:nil="true"><\/title><phone>123<\/phone><\/items>/);
  });

  it('can send PasswordText when configured', async () => {
    const text = createUpstream({ baseUrl: proxy.url, timeoutMs: 5000, passwordType: 'PasswordText' });
    expect(await text.forCredentials(SALES, newStats()).get('client', 2)).toMatchObject({ id: 2 });
    expect(proxy.exchanges[0].request).toContain('#PasswordText">demo-sales</wsse:Password>');
  });

  it('never mixes two users concurrently on the shared SOAP clients', async () => {
    const admin = upstream.forCredentials(ADMIN, newStats());
    const sales = upstream.forCredentials(SALES, newStats());
    const adminTotal = (await admin.getByCriteria('client', { limit: 1 })).total;
    const salesTotal = (await sales.getByCriteria('client', { limit: 1 })).total;
    expect(salesTotal).toBeLessThan(adminTotal);
    await sim.resetStats();
    proxy.exchanges.length = 0;
    const calls = Array.from({ length: 20 }, (_, i) => (i % 2 ? sales : admin).getByCriteria('client', { limit: 1 }));
    const totals = (await Promise.all(calls)).map((r) => r.total);
    expect(totals).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? salesTotal : adminTotal)));
    expect((await sim.stats()).calls.byUser).toEqual({ 'admin@demo.test': 10, 'sales@demo.test': 10 });
    const usernames = proxy.exchanges.map(({ request }) => [...request.matchAll(/<wsse:Username>([^<]*)<\/wsse:Username>/g)].map((m) => m[1]));
    expect(usernames.every((names) => names.length === 1)).toBe(true);
    expect(usernames.flat().sort()).toEqual([...Array(10).fill('admin@demo.test'), ...Array(10).fill('sales@demo.test')]);
  });
});
