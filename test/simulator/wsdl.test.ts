/** The WSDLs: one per service, document/literal, a real XSD for every item type, usable by node-soap. */
import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, META_KINDS, STRUCTS, type ItemKind } from '../../src/contract/kinds.js';
import { ALL_SERVICES, ITEM_SERVICES, META_OPERATIONS, OPERATIONS } from '../../src/contract/wire.js';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { SimFault, faultEnvelope } from '../../src/simulator/soap/sim-fault.js';
import { parseXml, type XmlElement } from '../../src/simulator/xml/parse-xml.js';
import { ADMIN, origin, readResponse, startTestSimulator } from './soap-client.js';

let sim: RunningSimulator;
beforeAll(async () => { sim = await startTestSimulator(); });
afterAll(() => sim.close());

const XSD = 'http://www.w3.org/2001/XMLSchema';
const descendants = (el: XmlElement): XmlElement[] => el.children.flatMap((c) => [c, ...descendants(c)]);
const wsdlOf = async (service: string): Promise<string> => (await fetch(`${sim.url}/${service}?wsdl`)).text();

function clientFor(service: string) {
  return soap.createClientAsync(`${sim.url}/${service}?wsdl`).then((client) => {
    client.setSecurity(new soap.WSSecurity(ADMIN.username, ADMIN.password, { passwordType: 'PasswordDigest' }));
    return client;
  });
}

it('the listing page links every WSDL', async () => {
  const res = await fetch(`${sim.url}/test`);
  expect(res.headers.get('content-type')).toContain('text/html');
  const html = await res.text();
  for (const service of ALL_SERVICES) expect(html).toContain(`href="/wsapi/${service}?wsdl"`);
  expect(ALL_SERVICES).toHaveLength(12);
});

describe.each(ALL_SERVICES)('%s WSDL', (service) => {
  it('is document/literal SOAP 1.1 with no anyType, and node-soap reads its operations', async () => {
    const text = await wsdlOf(service);
    expect(text).not.toMatch(/anyType/);
    const root = parseXml(text);
    const binding = descendants(root).find((e) => e.name === 'binding' && e.attrs.style)!;
    expect([binding.attrs.style, binding.attrs.transport]).toEqual(['document', 'http://schemas.xmlsoap.org/soap/http']);
    expect(descendants(root).find((e) => e.name === 'address')!.attrs.location).toBe(`${sim.url}/${service}`);
    const client = await soap.createClientAsync(`${sim.url}/${service}?wsdl`);
    const operations = Object.keys(client.describe()[service][`${service}Port`]);
    expect(operations.sort()).toEqual([...(service === 'MetadataService' ? META_OPERATIONS : OPERATIONS)].sort());
  });
});

describe.each(Object.entries(ITEM_SERVICES))('%s item XSD', (service, kind) => {
  it('types every field of the kind, optional and nillable', async () => {
    const schema = descendants(parseXml(await wsdlOf(service))).find((e) => e.name === 'schema' && e.ns === XSD)!;
    const typeOf = (name: string) => schema.children.find((c) => c.name === 'complexType' && c.attrs.name === name)!;
    const elements = descendants(typeOf(KINDS[kind as ItemKind].typeName)).filter((e) => e.name === 'element');
    expect(elements.map((e) => e.attrs.name)).toEqual(Object.keys(KINDS[kind as ItemKind].fields));
    for (const e of elements) {
      expect(e.attrs.type, e.attrs.name).toMatch(/^(xsd:(int|string|double|boolean|date|dateTime)|tns:(Ref|CustomFieldValue|Address|OrderRow|Stage))$/);
      expect([e.attrs.minOccurs, e.attrs.nillable]).toEqual(['0', 'true']);
    }
    const lists = elements.filter((e) => e.attrs.maxOccurs === 'unbounded').map((e) => e.attrs.name);
    expect(lists).toContain('customfield');
    for (const struct of Object.keys(STRUCTS)) expect(typeOf(struct), struct).toBeDefined();
    expect(descendants(typeOf('Ref')).filter((e) => e.name === 'element').map((e) => [e.attrs.name, e.attrs.type])).toEqual([['id', 'xsd:int'], ['name', 'xsd:string']]);
  });
});

it('the metadata XSD has every metadata type, roles with rights', async () => {
  const schema = descendants(parseXml(await wsdlOf('MetadataService'))).find((e) => e.name === 'schema')!;
  for (const { typeName, fields } of Object.values(META_KINDS)) {
    const type = schema.children.find((c) => c.attrs.name === typeName)!;
    const names = descendants(type).filter((e) => e.name === 'element').map((e) => e.attrs.name);
    expect(names.slice(0, Object.keys(fields).length)).toEqual(Object.keys(fields));
  }
  const role = schema.children.find((c) => c.attrs.name === 'Role')!;
  expect(descendants(role).find((e) => e.attrs.name === 'rights')!.attrs.type).toBe('tns:KindRights');
});

describe('through node-soap\'s client', () => {
  it('queries with criteria and gets typed items back', async () => {
    const client = await clientFor('ContactService');
    const [result] = await client.getByCriteriaAsync({ criteria: [{ field: 'client.id', operator: 'eq', values: ['1'] }], sort: [{ field: 'id', descending: true }], limit: 2 });
    expect(result.total).toBeGreaterThan(0);
    const items = Array.isArray(result.items) ? result.items : [result.items];
    expect(items[0].client.id).toBe(1);
    expect(typeof items[0].firstName).toBe('string');
  });

  it('creates, updates with nil, and reads faults', async () => {
    const client = await clientFor('ClientService');
    const [created] = await client.createAsync({ items: [{ name: 'Via node-soap AB', phone: '+46 8 1', customfield: [{ fieldId: 10, value: 'SMB' }] }, { name: '' }] });
    const results = created.results;
    expect(results.map((r: { success: boolean }) => r.success)).toEqual([true, false]);
    expect(results[1].error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'name' });
    const id = results[0].item.id;
    const [updated] = await client.updateAsync({ items: [{ id, phone: null }] });
    expect(updated.results[0].item.phone).toBeUndefined();
    expect(updated.results[0].item.name).toBe('Via node-soap AB');
    const err = await client.getAsync({ id: 999999 }).catch((e: { root: unknown }) => e);
    expect(err.root.Envelope.Body.Fault).toMatchObject({ faultcode: 'soap:Client', detail: { UpsalesFault: { code: 'NOT_FOUND' } } });
  });

  it('calls the metadata service', async () => {
    const client = await clientFor('MetadataService');
    const [result] = await client.getCustomFieldsAsync({ kind: 'orderRow' });
    expect(result.items).toHaveLength(15);
    expect(result.items.every((d: { kind: string }) => d.kind === 'orderRow')).toBe(true);
  });
});

describe('faults', () => {
  it('INTERNAL is a soap:Server fault; caller mistakes are soap:Client', () => {
    const internal = readResponse(500, faultEnvelope(new SimFault('INTERNAL', 'boom'), 'urn:x'));
    expect(internal.fault).toEqual({ faultcode: 'soap:Server', faultstring: 'boom', code: 'INTERNAL', message: 'boom' });
    const throttled = readResponse(500, faultEnvelope(new SimFault('THROTTLED', 'slow down', { retryAfterMs: 5 })));
    expect(throttled.fault).toMatchObject({ faultcode: 'soap:Client', retryAfterMs: 5 });
  });

  it('the stats endpoint is JSON', async () => {
    const res = await fetch(`${origin(sim)}/__sim/stats`);
    expect(res.headers.get('content-type')).toContain('application/json');
  });
});
