import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/upstream/normalize.js';
import { CRITERIA_QUERY, itemShape, metadataResponseShape, requestArgs, responseShapes } from '../../src/upstream/wire-shapes.js';

describe('decode', () => {
  it('types what node-soap hands over, from the kinds table', () => {
    const raw = {
      id: '12', regDate: '2024-03-01T08:30:00Z', name: 'Acme', turnover: '1500.5', noEmployees: 7, active: 'true',
      parent: null, phone: '', users: { id: '3', name: 'Sales' }, addresses: { type: 'Visit', city: 'Lund' },
      customfield: [{ fieldId: '4', value: '2024-01-02' }, { fieldId: 5, value: '' }],
    };
    expect(decode(itemShape('client'), raw)).toEqual({
      id: 12, regDate: '2024-03-01T08:30:00.000Z', name: 'Acme', turnover: 1500.5, noEmployees: 7, active: true,
      parent: null, phone: '', users: [{ id: 3, name: 'Sales' }], addresses: [{ type: 'Visit', city: 'Lund' }],
      categories: [], customfield: [{ fieldId: 4, value: '2024-01-02' }, { fieldId: 5, value: '' }],
    });
  });

  it('keeps dates as YYYY-MM-DD whatever the time zone suffix, and nested structs typed', () => {
    const raw = {
      date: '2024-02-29+02:00', closeDate: '2024-03-01Z', stage: { id: '2', name: 'Won', probability: '100' },
      orderRow: [{ id: '1', product: { id: '9' }, quantity: '2', price: '10.25' }],
    };
    expect(decode(itemShape('order'), raw)).toEqual({
      date: '2024-02-29', closeDate: '2024-03-01', stage: { id: 2, name: 'Won', probability: 100 },
      orderRow: [{ id: 1, product: { id: 9 }, quantity: 2, price: 10.25, customfield: [] }], customfield: [],
    });
  });

  it('reads metadata lists with their extras', () => {
    const raw = { items: { id: '1', name: 'Admin', parentId: null, rights: { kind: 'client', access: 'all', change: 'own', delete: 'none' } } };
    expect(decode(metadataResponseShape('role'), raw)).toEqual({
      items: [{ id: 1, name: 'Admin', parentId: null, rights: [{ kind: 'client', access: 'all', change: 'own', delete: 'none' }] }],
    });
    expect(decode(metadataResponseShape('customFieldDefinition'), { items: [{ id: 1, options: 'Red' }] })).toEqual({ items: [{ id: 1, options: ['Red'] }] });
  });

  it.each([
    [{ id: 'x' }, 'id'], [{ turnover: 'lots' }, 'turnover'], [{ active: 'yes' }, 'active'], [{ regDate: 'soon' }, 'regDate'],
    [{ users: [{ id: '1.5' }] }, 'users[0].id'], [{ name: { nested: 1 } }, 'name'],
  ])('refuses %j as PROTOCOL naming the field, not the value', (raw, path) => {
    expect(() => decode(itemShape('client'), raw)).toThrow(expect.objectContaining({
      kind: 'PROTOCOL', message: `Upsales sent a value for ${path} that does not fit the contract`,
    }));
  });

  it('reads results and totals', () => {
    expect(decode(responseShapes.getByCriteria('product'), { total: '0' })).toEqual({ total: 0, items: [] });
    expect(decode(responseShapes.create('product'), { results: { index: '0', success: 'false', error: { code: 'VALIDATION_ERROR', message: 'name is required', field: 'name' } } }))
      .toEqual({ results: [{ index: 0, success: false, error: { code: 'VALIDATION_ERROR', message: 'name is required', field: 'name' } }] });
  });
});

describe('encode', () => {
  it('omits absent fields and read-only ones, keeps ids, sends null as nil and [] as nil (clear)', () => {
    const input = {
      id: 5, name: 'New & <improved>', notes: null, regDate: '2020-01-01T00:00:00Z', active: false, turnover: 10.5,
      parent: 7, users: [{ id: 1, name: 'ignored' }, { id: 2 }], categories: [], phone: undefined,
      customfield: [{ fieldId: 3, value: 'x' }],
    };
    expect(encode(itemShape('client'), input)).toEqual({
      id: '5', name: 'New &amp; &lt;improved&gt;', notes: null, active: 'false', parent: { id: '7' },
      users: [{ id: '1' }, { id: '2' }], categories: null, turnover: '10.5', customfield: [{ fieldId: '3', value: 'x' }],
    });
  });

  it('keeps the XSD element order, whatever the input order', () => {
    expect(Object.keys(encode(itemShape('contact'), { email: 'a@b.c', firstName: 'A', client: 1 }) as object)).toEqual(['client', 'firstName', 'email']);
  });

  it('escapes CDATA-looking text instead of letting it through raw', () => {
    expect(encode(itemShape('client'), { name: '<![CDATA[x]]><id>1</id><![CDATA[y]]>' })).toEqual({
      name: '&lt;![CDATA[x]]&gt;&lt;id&gt;1&lt;/id&gt;&lt;![CDATA[y]]&gt;',
    });
  });

  it('sends dates and date-times as text', () => {
    expect(encode(itemShape('appointment'), { date: new Date('2024-05-01T10:00:00Z'), endDate: '2024-05-01T11:00:00Z' }))
      .toEqual({ date: '2024-05-01T10:00:00.000Z', endDate: '2024-05-01T11:00:00Z' });
    expect(encode(itemShape('agreement'), { startDate: new Date('2024-05-01T00:00:00Z') })).toEqual({ startDate: '2024-05-01' });
  });

  it('encodes criteria queries', () => {
    expect(encode(CRITERIA_QUERY, { criteria: [{ field: 'client.id', operator: 'in', values: ['1', '2'] }], sort: [{ field: 'name', descending: true }], limit: 10 }))
      .toEqual({ criteria: [{ field: 'client.id', operator: 'in', values: ['1', '2'] }], sort: [{ field: 'name', descending: 'true' }], limit: '10' });
  });

  it('refuses non-finite numbers', () => {
    expect(() => encode(itemShape('product'), { listPrice: Number.NaN })).toThrow(expect.objectContaining({ kind: 'VALIDATION_ERROR' }));
  });
});

describe('encode of request arguments', () => {
  it('leaves empty criteria, sort, values and id lists out instead of clearing', () => {
    expect(encode(CRITERIA_QUERY, { criteria: [{ field: 'name', operator: 'isNull', values: [] }], sort: [] })).toEqual({ criteria: [{ field: 'name', operator: 'isNull' }] });
    expect(encode(requestArgs.ids, { ids: [] })).toEqual({});
    expect(encode(requestArgs.items('client'), { items: [{ name: 'A' }] })).toEqual({ items: [{ name: 'A' }] });
    expect(encode(requestArgs.customFieldKind, { kind: undefined })).toEqual({});
  });
});
