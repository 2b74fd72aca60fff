/**
 * No foreign web page can act through the gateway: requests a browser sends
 * cross-site without a preflight run nothing, CORS answers only configured
 * origins, and anonymous access listens on loopback unless HOST says so.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { startGateway } from '../../app/server.js';
import { createUpstream } from '../../src/upstream/index.js';
import { DEMO_USERS } from '../helpers/stack.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';

const EVIL = 'https://evil.example';
const APP = 'https://app.example';
const MUTATION = 'mutation { createClient(input: { name: "CSRF victim" }) { status } }';

let served: ServedStack;
beforeAll(async () => {
  // Anonymous requests act as the demo admin, as under `npm start`.
  served = await startServedStack({ imports: true, config: { defaultCredentials: DEMO_USERS.admin, corsOrigins: [APP] } });
});
afterAll(() => served.close());

const accessControl = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('requests a page can send cross-site without a preflight run nothing', () => {
  const simple: [string, RequestInit][] = [
    ['a form POST', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(MUTATION)}` }],
    ['a text/plain POST', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: MUTATION }) }],
    ['a multipart POST', { method: 'POST', body: (() => { const form = new FormData(); form.set('operations', JSON.stringify({ query: MUTATION })); form.set('map', '{}'); return form; })() }],
    ['a POST without content type', { method: 'POST', body: new Blob([JSON.stringify({ query: MUTATION })]) }],
  ];

  it.each(simple)('%s: 403, no SOAP call, nothing written', async (_name, init) => {
    await served.resetStats();
    const response = await served.fetch('/graphql', { ...init, headers: { ...init.headers, origin: EVIL } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ errors: [{ message: expect.stringMatching(/^Required CSRF header\(s\) not present: .*x-graphql-yoga-csrf/), extensions: { code: 'CSRF' } }] });
    expect(accessControl(response)).toEqual([]);
    expect((await served.stats()).calls.total).toBe(0);
  });

  it('a GET runs a query only with a CSRF header', async () => {
    const url = `/graphql?query=${encodeURIComponent('{ me { email } }')}`;
    expect((await served.fetch(url, { headers: { origin: EVIL } })).status).toBe(403);
    const marked = await served.fetch(url, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(marked.status).toBe(200);
    expect(await marked.json()).toMatchObject({ data: { me: { email: DEMO_USERS.admin.username } } });
  });

  it('a GET that carries Authorization runs without a CSRF header (urql\'s defaults): no page can set it cross-site without a preflight, and no browser adds it by itself', async () => {
    const url = `/graphql?query=${encodeURIComponent('{ me { email } }')}`;
    const withCredentials = await served.fetch(url, { headers: { authorization: `Basic ${Buffer.from('sales@demo.test:demo-sales').toString('base64')}` } });
    expect(withCredentials.status).toBe(200);
    expect(await withCredentials.json()).toMatchObject({ data: { me: { email: DEMO_USERS.sales.username } } });
    // Only GETs: a form POST with Authorization (which a page could not send anyway) keeps the rule.
    const form = await served.fetch('/graphql', {
      method: 'POST', headers: { authorization: `Basic ${Buffer.from('sales@demo.test:demo-sales').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(MUTATION)}`,
    });
    expect(form.status).toBe(403);
  });

  it('POST /imports needs a file content type (or the CSRF header): a form or text/plain body starts no job', async () => {
    await served.resetStats();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const response = await served.fetch('/imports?kind=client&format=csv', {
        method: 'POST', headers: { origin: EVIL, ...(type ? { 'content-type': type } : {}) }, body: 'name\nCSRF import\n',
      });
      expect(response.status, String(type)).toBe(403);
      expect((await response.json()).error.code).toBe('CSRF');
    }
    expect((await served.stats()).calls.total).toBe(0);
  });

  it('clients that are not foreign pages still work: JSON POST, GraphiQL, a CSV upload', async () => {
    const json = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { email } }' }) });
    expect(await json.json()).toMatchObject({ data: { me: { email: DEMO_USERS.admin.username } } });
    const graphiql = await served.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(graphiql.headers.get('content-type')).toContain('text/html');
    // No imports on this gateway: the route is unknown, but the CSRF check let it through.
    const upload = await served.fetch('/imports?kind=client&format=csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'name\nx\n' });
    expect(upload.status).not.toBe(403);
  });
});

describe('CORS answers only the origins in CORS_ORIGINS', () => {
  it('a foreign origin gets no CORS header, on a preflight or a request', async () => {
    const preflight = await served.fetch('/graphql', {
      method: 'OPTIONS', headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(accessControl(preflight)).toEqual([]);
    const request = await served.fetch('/graphql', { method: 'POST', headers: { origin: EVIL, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(accessControl(request)).toEqual([]);
  });

  it('a listed origin is answered with itself and credentials', async () => {
    const preflight = await served.fetch('/graphql', {
      method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
    const request = await served.fetch('/graphql', { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(request.headers.get('access-control-allow-origin')).toBe(APP);
    expect(request.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(request.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('without CORS_ORIGINS no origin gets a CORS header', async () => {
    const open = await startServedStack({ config: { defaultCredentials: DEMO_USERS.admin } });
    try {
      const response = await open.fetch('/graphql', { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
      expect(response.status).toBe(200);
      expect(accessControl(response)).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it('CORS_ORIGINS takes origins only', () => {
    expect(configFromEnv({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(() => configFromEnv({ CORS_ORIGINS: 'https://a.example/app' })).toThrow(/CORS_ORIGINS: "https:\/\/a.example\/app" is not an origin/);
    expect(() => configFromEnv({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('anonymous access stays local', () => {
  async function listensOn(env: Record<string, string>, defaultCredentials?: typeof DEMO_USERS.admin): Promise<string> {
    const config = { ...configFromEnv(env), upstreamUrl: served.sim.url, defaultCredentials };
    const upstream = createUpstream({ baseUrl: served.sim.url, timeoutMs: 1000 });
    const gateway = await startGateway({ config, upstream }, 0);
    try {
      return (gateway.server.address() as AddressInfo).address;
    } finally {
      await gateway.close();
    }
  }

  it('listens on 127.0.0.1 when requests without credentials act as an account, unless HOST says otherwise', async () => {
    expect(await listensOn({}, DEMO_USERS.admin)).toBe('127.0.0.1');
    expect(await listensOn({ HOST: '0.0.0.0' }, DEMO_USERS.admin)).toBe('0.0.0.0');
  });

  it('listens on every interface when every request must bring credentials', async () => {
    expect(await listensOn({})).toBe('0.0.0.0');
    expect(await listensOn({ HOST: '127.0.0.1' })).toBe('127.0.0.1');
  });
});

it('no client was created by any refused request', async () => {
  const response = await served.fetch('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ clients(filter: { name: { eq: "CSRF victim" } }) { totalCount } }' }),
  });
  expect(await response.json()).toMatchObject({ data: { clients: { totalCount: 0 } } });
});
