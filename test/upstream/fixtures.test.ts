import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClientAsync, type Client } from 'soap';
import { beforeAll, describe, expect, it } from 'vitest';
import { toUpstreamError } from '../../src/upstream/errors.js';
import { decode } from '../../src/upstream/normalize.js';
import { SOAP_CLIENT_OPTIONS } from '../../src/upstream/soap-services.js';
import { responseShapes } from '../../src/upstream/wire-shapes.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/soap/${name}`, import.meta.url));
const read = (name: string) => readFileSync(fixture(name), 'utf8');

let clientService: Client;
let orderService: Client;
beforeAll(async () => {
  clientService = await createClientAsync(fixture('ClientService.wsdl'), { ...SOAP_CLIENT_OPTIONS, disableCache: true });
  orderService = await createClientAsync(fixture('OrderService.wsdl'), { ...SOAP_CLIENT_OPTIONS, disableCache: true });
});

/** What node-soap hands the adapter for a response envelope. */
const body = (client: Client, name: string, element: string): unknown =>
  (client.wsdl.xmlToObject(read(name)) as { Body: Record<string, unknown> }).Body[element];

describe('normalizing real envelopes', () => {
  it('reads a getByCriteria response: totals, one-element lists as arrays, typed scalars', () => {
    const result = decode(responseShapes.getByCriteria('client'), body(clientService, 'client-getByCriteria-response.xml', 'getByCriteriaResponse')) as {
      total: number; items: Record<string, unknown>[];
    };
    expect(result.total).toBe(2);
    expect(result.items.map((i) => i.id)).toEqual([2, 5]);
    expect(result.items[0]).toMatchObject({
      id: 2, regDate: '2022-12-05T12:44:46.000Z', regBy: 12, name: 'Granitlivs A/S', active: true,
      users: [{ id: 6, name: 'Sofia Lindberg' }], categories: [{ id: 3, name: 'Partner' }], turnover: 234600000, noEmployees: 196,
      addresses: [{ type: 'Visit', address: 'Skolgatan 15', zipcode: '445 64', city: 'Köpenhamn', country: 'Danmark' }],
    });
    expect((result.items[0].customfield as unknown[])[0]).toEqual({ fieldId: 2, value: 'Har haft leveransproblem tidigare.' });
  });

  it('reads an order with its rows, stage and dates', () => {
    const { item } = decode(responseShapes.get('order'), body(orderService, 'order-get-response.xml', 'getResponse')) as { item: Record<string, unknown> };
    expect(item).toMatchObject({ id: 1, date: '2025-05-24', closeDate: '2025-05-28', client: { id: 230, name: 'Falukonsult Luleå AB' }, probability: 100 });
    const rows = item.orderRow as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => typeof r.id === 'number' && typeof r.quantity === 'number' && typeof (r.product as { id: unknown }).id === 'number')).toBe(true);
    expect(item.value).toBe(rows.reduce((sum, r) => sum + (r.quantity as number) * (r.price as number), 0));
  });

  it('reads xsi:nil as null, empty strings as empty, and normalizes odd XSD spellings', () => {
    const { item } = decode(responseShapes.get('client'), body(clientService, 'client-get-response-nil.xml', 'getResponse')) as { item: unknown };
    expect(item).toEqual({
      id: 7, regDate: '2024-03-01T08:30:00.000Z', name: 'Nil & Söner AB', phone: '', notes: null, active: true, parent: null,
      users: [{ id: 2, name: 'Sven Säljare' }], turnover: 1500, addresses: [], categories: [], customfield: [{ fieldId: 8, value: '2025-03-08' }],
    });
  });

  it('reads per-item results of an update', () => {
    const { results } = decode(responseShapes.update('client'), body(clientService, 'client-update-response.xml', 'updateResponse')) as {
      results: { index: number; success: boolean; item?: Record<string, unknown>; error?: unknown }[];
    };
    expect(results.map((r) => [r.index, r.success])).toEqual([[0, true], [1, false]]);
    expect(results[0].item).toMatchObject({ id: 3, phone: '+46 8 555 01 23' });
    expect(results[0].item).not.toHaveProperty('notes');
    expect(results[1].error).toEqual({ code: 'VALIDATION_ERROR', message: 'name is required', field: 'name' });
  });

  it('sent that update as a partial update: absent fields left out, null as xsi:nil', () => {
    const request = read('client-update-request.xml');
    expect(request).toContain('<tns:update><items><id>3</id><phone>+46 8 555 01 23</phone><notes xsi:nil="true"></notes></items><items><id>4</id><name></name></items></tns:update>');
  });

  it.each([
    ['fault-throttled.xml', { kind: 'THROTTLED', code: 'THROTTLED', retryAfterMs: 120000, message: 'too many calls: more than 3 in 60000 ms; blocked, retry after 120000 ms without calls' }],
    ['fault-access-denied.xml', { kind: 'ACCESS_DENIED', code: 'ACCESS_DENIED', message: 'no access to Client 1' }],
  ])('maps %s to a typed error', (name, expected) => {
    let thrown: unknown;
    try {
      clientService.wsdl.xmlToObject(read(name));
    } catch (error) {
      thrown = error;
    }
    expect(toUpstreamError(thrown)).toMatchObject(expected);
  });
});
