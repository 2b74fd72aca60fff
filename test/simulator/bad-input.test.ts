/** Bad input always gets a proper SOAP 1.1 fault (HTTP 500, detail/UpsalesFault), never a crash or a hung request. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { ADMIN, call, envelope, origin, postRaw, readResponse, securityHeader, startTestSimulator } from './soap-client.js';

let sim: RunningSimulator;
beforeAll(async () => { sim = await startTestSimulator(); });
afterAll(() => sim.close());

const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const raw = async (body: string, service = 'ClientService') => {
  const { status, text } = await postRaw(sim, service, body);
  return readResponse(status, text);
};

describe('malformed requests', () => {
  it.each([
    ['not XML at all', 'hello'],
    ['an unclosed element', `<soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><get>`],
    ['mismatched tags', `<soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><get></got></soap:Body></soap:Envelope>`],
    ['an unbound prefix', '<soap:Envelope><soap:Body/></soap:Envelope>'],
    ['a DOCTYPE with entities', `<!DOCTYPE x [<!ENTITY a "aaaa">]><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body/></soap:Envelope>`],
    ['an empty body', ''],
    ['a raw ampersand', `<soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><get><id>1 & 2</id></get></soap:Body></soap:Envelope>`],
  ])('%s is a soap:Client VALIDATION_ERROR fault', async (_name, body) => {
    const res = await raw(body);
    expect(res.status).toBe(500);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
    expect(res.fault!.message).toMatch(/malformed XML/);
  });

  it('a SOAP 1.2 envelope, or a body with no operation, is refused', async () => {
    const soap12 = await raw('<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><get/></env:Body></env:Envelope>');
    expect(soap12.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
    const empty = await raw(`<soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Header>${securityHeader(ADMIN)}</soap:Header><soap:Body/></soap:Envelope>`);
    expect(empty.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
  });

  it('an unknown operation is a soap:Client fault naming the operations', async () => {
    const res = await call(sim, 'ClientService', 'getEverything');
    expect(res.status).toBe(500);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
    expect(res.fault!.message).toContain('getByCriteria');
    const meta = await call(sim, 'MetadataService', 'getByCriteria');
    expect(meta.fault!.message).toContain('getRoles');
  });

  it('a wrong SOAPAction header does not matter: the body names the operation', async () => {
    const { status } = await postRaw(sim, 'ProductService', envelope('ProductService', 'get', '<id>1</id>', ADMIN), { SOAPAction: '"urn:nonsense"' });
    expect(status).toBe(200);
  });

  it('an unknown service is a 404 fault', async () => {
    const { status, text } = await postRaw(sim, 'SpaceshipService', envelope('ClientService', 'get', '<id>1</id>', ADMIN));
    expect(status).toBe(404);
    expect(readResponse(500, text).fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR' });
    expect((await fetch(`${origin(sim)}/nothing`)).status).toBe(404);
  });
});

describe('bad arguments', () => {
  it.each([
    ['a wrong type', 'getByCriteria', '<limit>abc</limit>', 'limit'],
    ['a negative offset', 'getByCriteria', '<offset>-1</offset>', 'offset'],
    ['a wrong boolean', 'getByCriteria', '<sort><field>name</field><descending>yes</descending></sort>', 'sort[0].descending'],
    ['a missing criteria field', 'getByCriteria', '<criteria><operator>eq</operator></criteria>', 'criteria[0].field'],
    ['a missing id', 'get', '', 'get.id'],
    ['a non-numeric id', 'get', '<id>one</id>', 'id'],
    ['an unexpected argument', 'get', '<id>1</id><extra>1</extra>', 'extra'],
  ])('%s is a VALIDATION_ERROR with the field', async (_name, operation, inner, field) => {
    const res = await call(sim, 'ClientService', operation, inner);
    expect(res.status).toBe(500);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VALIDATION_ERROR', field });
  });

  it('an unknown id is NOT_FOUND', async () => {
    const res = await call(sim, 'ClientService', 'get', '<id>987654</id>');
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'NOT_FOUND' });
  });

  it('the service keeps answering after all of that', async () => {
    const res = await call(sim, 'ClientService', 'get', '<id>1</id>');
    expect(res.status).toBe(200);
  });
});
