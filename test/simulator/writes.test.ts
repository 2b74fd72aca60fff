/** Batch writes: one result per item, validation, partial updates, derived values, the order/opportunity split. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import type { XmlElement } from '../../src/simulator/xml/parse-xml.js';
import { all, call, esc, ok, startTestSimulator, text } from './soap-client.js';

let sim: RunningSimulator;
beforeAll(async () => { sim = await startTestSimulator({ batchMax: 5 }); });
afterAll(() => sim.close());

const results = async (service: string, op: string, inner: string): Promise<XmlElement[]> => all(await ok(sim, service, op, inner), 'results');
const item = (r: XmlElement): XmlElement => all(r, 'item')[0];
const error = (r: XmlElement) => {
  const e = all(r, 'error')[0];
  return e && { code: text(e, 'code'), field: text(e, 'field') };
};

describe('one result per item, in order', () => {
  it('a bad item never rejects the others', async () => {
    const res = await results('ContactService', 'create', [
      '<items><client><id>1</id></client><firstName>Bra</firstName></items>',
      '<items><client><id>999999</id></client><firstName>Fel klient</firstName></items>',
      '<items><firstName>Utan klient</firstName></items>',
      '<items><client><id>1</id></client><firstName>Bra igen</firstName><phone>' + 'x'.repeat(256) + '</phone></items>',
      '<items><client><id>1</id></client><firstName>Sist</firstName></items>',
    ].join(''));
    expect(res.map((r) => text(r, 'index'))).toEqual(['0', '1', '2', '3', '4']);
    expect(res.map((r) => text(r, 'success'))).toEqual(['true', 'false', 'false', 'false', 'true']);
    expect(res.map(error)).toEqual([
      undefined, { code: 'VALIDATION_ERROR', field: 'client.id' }, { code: 'VALIDATION_ERROR', field: 'client' },
      { code: 'VALIDATION_ERROR', field: 'phone' }, undefined,
    ]);
    expect(text(item(res[4]), 'name')).toBe('Sist');
  });

  it('update and delete report NOT_FOUND per unknown id', async () => {
    const upd = await results('ClientService', 'update', '<items><id>999999</id><name>x</name></items><items><id>1</id><notes>ok</notes></items>');
    expect([error(upd[0])?.code, text(upd[1], 'success')]).toEqual(['NOT_FOUND', 'true']);
    const del = await results('LeadService', 'delete', '<ids>999999</ids><ids>1</ids>');
    expect(del.map((r) => [text(r, 'id'), text(r, 'success'), error(r)?.code])).toEqual([['999999', 'false', 'NOT_FOUND'], ['1', 'true', undefined]]);
  });

  it('takes 1 to batchMax items a call', async () => {
    const six = '<items><name>A</name></items>'.repeat(6);
    expect((await call(sim, 'ClientService', 'create', six)).fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR', field: 'items' });
    expect((await call(sim, 'ClientService', 'delete', '')).fault).toMatchObject({ code: 'VALIDATION_ERROR', field: 'ids' });
  });

  it('checks types, required fields, references and unknown fields', async () => {
    const res = await results('ProductService', 'create', [
      '<items><name>P</name><listPrice>abc</listPrice></items>',
      '<items><name>P</name></items>',
      '<items><name>P</name><listPrice>1</listPrice><category><id>99</id></category></items>',
      '<items><name>P</name><listPrice>1</listPrice><colour>red</colour></items>',
      '<items><name>P</name><listPrice>1</listPrice><articleNo>ART-1001</articleNo></items>',
    ].join(''));
    expect(res.map(error)).toEqual([
      { code: 'VALIDATION_ERROR', field: 'listPrice' }, { code: 'VALIDATION_ERROR', field: 'listPrice' },
      { code: 'VALIDATION_ERROR', field: 'category.id' }, { code: 'VALIDATION_ERROR', field: 'colour' },
      { code: 'VALIDATION_ERROR', field: 'articleNo' },
    ]);
  });
});

describe('custom fields', () => {
  // Client definitions: 1 String, 3 Integer, 5 Percent, 8 Date, 9 Time, 10 Select, 11 MultiSelect, 12 Email, 15 User.
  const custom = (id: number, value: string) => `<customfield><fieldId>${id}</fieldId><value>${esc(value)}</value></customfield>`;

  it('are checked against their datatype and options', async () => {
    const bad: [number, string][] = [[1, 'x'.repeat(256)], [3, '1.5'], [5, '120'], [8, '2025-02-30'], [9, '25:00'], [10, 'Huge'], [11, 'Mjukvara;Rymdskepp'], [12, 'not-an-email'], [15, '9999']];
    const res = await results('ClientService', 'create', bad.slice(0, 5).map(([id, v]) => `<items><name>C</name>${custom(id, v)}</items>`).join(''));
    const res2 = await results('ClientService', 'create', bad.slice(5).map(([id, v]) => `<items><name>C</name>${custom(id, v)}</items>`).join(''));
    expect([...res, ...res2].map(error)).toEqual(bad.map(([id]) => ({ code: 'VALIDATION_ERROR', field: `custom.${id}` })));
    const other = await results('ClientService', 'create', `<items><name>C</name>${custom(20, 'x')}</items>`);
    expect(error(other[0])).toEqual({ code: 'VALIDATION_ERROR', field: 'custom.20' });
  });

  it('merge on update; an empty value removes a field', async () => {
    const [created] = await results('ClientService', 'create', `<items><name>Custom AB</name>${custom(10, 'SMB')}${custom(11, 'Mjukvara;Support')}</items>`);
    const id = text(item(created), 'id');
    const [updated] = await results('ClientService', 'update', `<items><id>${id}</id>${custom(10, 'Enterprise')}${custom(11, '')}${custom(9, '08:30')}</items>`);
    expect(all(item(updated), 'customfield').map((c) => [text(c, 'fieldId'), text(c, 'value')])).toEqual([['9', '08:30'], ['10', 'Enterprise']]);
  });
});

describe('partial updates', () => {
  it('absent fields stay, xsi:nil clears', async () => {
    const [created] = await results('ClientService', 'create',
      '<items><name>Delvis AB</name><phone>+46 8 123 45 67</phone><notes>Anteckning</notes><parent><id>1</id></parent><categories><id>1</id></categories><categories><id>2</id></categories></items>');
    const id = text(item(created), 'id');
    const [updated] = await results('ClientService', 'update', `<items><id>${id}</id><notes xsi:nil="true"/><parent xsi:nil="true"/><categories xsi:nil="true"/></items>`);
    const after = item(updated);
    expect(text(after, 'name')).toBe('Delvis AB');
    expect(text(after, 'phone')).toBe('+46 8 123 45 67');
    expect([text(after, 'notes'), all(after, 'parent').length, all(after, 'categories').length]).toEqual([undefined, 0, 0]);
    const [cleared] = await results('ClientService', 'update', `<items><id>${id}</id><name xsi:nil="true"/></items>`);
    expect(error(cleared)).toEqual({ code: 'VALIDATION_ERROR', field: 'name' });
  });
});

describe('orders and opportunities', () => {
  const base = '<description>Affär</description><client><id>1</id></client><user><id>1</id></user>';
  const rows = '<orderRow><product><id>1</id></product><quantity>2</quantity><price>150.5</price></orderRow><orderRow><product><id>2</id></product><quantity>3</quantity><price>100</price></orderRow>';

  it('computes value and weightedValue; the stage sets the probability', async () => {
    const [opp] = await results('OpportunityService', 'create', `<items>${base}<stage><id>3</id></stage>${rows}</items>`);
    const o = item(opp);
    expect([text(o, 'value'), text(o, 'probability'), text(o, 'weightedValue')]).toEqual(['601', '50', '300.5']);
    expect(text(all(o, 'stage')[0], 'name')).toBe('Offert');
    expect(all(o, 'orderRow').map((r) => Number(text(r, 'id')) > 0)).toEqual([true, true]);
  });

  it('one store split by probability: winning an opportunity moves it to OrderService', async () => {
    const [opp] = await results('OpportunityService', 'create', `<items>${base}<probability>40</probability>${rows}</items>`);
    const id = text(item(opp), 'id');
    expect((await call(sim, 'OrderService', 'get', `<id>${id}</id>`)).fault?.code).toBe('NOT_FOUND');
    const [won] = await results('OpportunityService', 'update', `<items><id>${id}</id><probability>100</probability></items>`);
    expect(text(item(won), 'weightedValue')).toBe('601');
    expect(text((await ok(sim, 'OrderService', 'get', `<id>${id}</id>`)).children[0], 'id')).toBe(id);
    expect((await call(sim, 'OpportunityService', 'get', `<id>${id}</id>`)).fault?.code).toBe('NOT_FOUND');
  });

  it('OrderService creates at probability 100 only; OpportunityService below 100', async () => {
    const [order] = await results('OrderService', 'create', `<items>${base}</items>`);
    expect(text(item(order), 'probability')).toBe('100');
    const [bad] = await results('OrderService', 'create', `<items>${base}<probability>30</probability></items>`);
    expect(error(bad)).toEqual({ code: 'VALIDATION_ERROR', field: 'probability' });
    const [bad2] = await results('OpportunityService', 'create', `<items>${base}<probability>100</probability></items>`);
    expect(error(bad2)).toEqual({ code: 'VALIDATION_ERROR', field: 'probability' });
  });

  it('an order row needs a product, quantity and price', async () => {
    const [res] = await results('OrderService', 'create', `<items>${base}<orderRow><product><id>1</id></product><price>1</price></orderRow></items>`);
    expect(error(res)).toEqual({ code: 'VALIDATION_ERROR', field: 'orderRow[0].quantity' });
  });
});

describe('text round-trips intact', () => {
  it.each([
    ['XML specials', 'a < b && c > d "quoted" \'single\' ]]> end'],
    ['a CDATA look-alike', '<![CDATA[not cdata]]>'],
    ['non-Latin', '中文 العربية Ελληνικά Ωmega 😀👍🏽 åäö ÅÄÖ'],
    ['whitespace', '  two\nlines\twith tab  '],
  ])('%s', async (_name, value) => {
    const [created] = await results('ClientService', 'create', `<items><name>${esc(value)}</name><notes><![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]></notes></items>`);
    const id = text(item(created), 'id');
    const got = (await ok(sim, 'ClientService', 'get', `<id>${id}</id>`)).children[0];
    expect(text(got, 'name')).toBe(value);
    expect(text(got, 'notes')).toBe(value);
    const found = await ok(sim, 'ClientService', 'getByCriteria', `<criteria><field>name</field><operator>eq</operator><values>${esc(value)}</values></criteria>`);
    expect(all(found, 'items').map((i) => text(i, 'id'))).toEqual([id]);
  });

  it('characters XML does not allow are refused as malformed XML', async () => {
    for (const name of ['bell&#7;', 'bell\u0007', 'half &#xD800; surrogate']) {
      const res = await call(sim, 'ClientService', 'create', `<items><name>${name}</name></items>`);
      expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
      expect(res.fault!.message).toContain('malformed XML');
    }
  });
});
