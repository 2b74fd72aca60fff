/**
 * Who may import, over HTTP on a served gateway: only a user Upsales lets
 * write the kind. The read-only demo user's upload is refused FORBIDDEN
 * before a byte of its body is read (the answer comes while the body is
 * still being sent) and before anything is staged, over POST /imports, the
 * GraphQL multipart upload and startImport with rows; the sales user may
 * import the kinds its role may change (clients) and not the others
 * (products). Upsales is asked with the user's own credentials: the
 * password check's read of the user, and one getRoles, then nothing for
 * CREDENTIALS_TTL_MS; never for a password Upsales refused.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { basic, DEMO_USERS, type DemoUser } from '../helpers/stack.js';

let served: ServedStack;
beforeAll(async () => {
  served = await startServedStack({ imports: true });
});
afterAll(() => served?.close());

const auth = (as: DemoUser) => basic(DEMO_USERS[as].username, DEMO_USERS[as].password);
const CSRF = { 'x-graphql-yoga-csrf': '1' };
const BOUNDARY = 'rights-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
const multipartHead = (kind: string) => [
  `--${BOUNDARY}`, 'Content-Disposition: form-data; name="operations"', '',
  JSON.stringify({ query: `mutation($file: File!) { startImport(kind: ${kind}, file: $file) { id } }`, variables: { file: null } }),
  `--${BOUNDARY}`, 'Content-Disposition: form-data; name="map"', '', JSON.stringify({ 0: ['variables.file'] }),
  `--${BOUNDARY}`, 'Content-Disposition: form-data; name="0"; filename="rows.csv"', 'Content-Type: text/csv', '', 'name', 'RIGHTS one', '',
].join('\r\n');

/**
 * POSTs `head` as the first chunk of a chunked body that never ends, and
 * resolves with the answer: one that comes at all was given before the
 * body was read to its end.
 */
function answerBeforeTheEnd(path: string, headers: Record<string, string>, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(served.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`No answer while the body was still open: ${JSON.stringify(received.slice(0, 200))}`));
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (data: string) => {
      received += data;
      const split = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(received.slice(0, split));
      if (split < 0 || !length || received.length < split + 4 + Number(length[1])) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(received.split(' ')[1]), body: received.slice(split + 4) });
    });
    const lines = Object.entries({ host: `${hostname}:${port}`, ...headers, 'transfer-encoding': 'chunked' }).map(([name, value]) => `${name}: ${value}`);
    socket.write(`POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${Buffer.byteLength(head).toString(16)}\r\n${head}\r\n`);
  });
}

const graphql = async (as: DemoUser | string, query: string, variables: Record<string, unknown> = {}) => (await served.fetch('/graphql', {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: as in DEMO_USERS ? auth(as as DemoUser) : as }, body: JSON.stringify({ query, variables }),
})).json() as Promise<{ data?: Record<string, unknown> | null; errors?: { message: string; extensions: { code: string } }[] }>;
const jobsOf = async (as: DemoUser) => ((await graphql(as, '{ importJobs { id kind total } }')).data!.importJobs as { id: string; kind: string; total: number }[]);
const calls = async () => (await served.stats()).calls.byOperation;

describe('a read-only user (reader@demo.test)', () => {
  it('uploading over GraphQL multipart is FORBIDDEN before the body is read, after one check of the user and one getRoles', async () => {
    await served.resetStats();
    const answer = await answerBeforeTheEnd('/graphql', { 'content-type': MULTIPART, authorization: auth('reader'), ...CSRF }, multipartHead('CLIENT'));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).errors).toEqual([{
      message: 'This Upsales user may write no kind of item (their role\'s change rights are none), so may not import', extensions: { code: 'FORBIDDEN' },
    }]);
    expect(await calls()).toEqual({ 'UserService.getByCriteria': 1, 'MetadataService.getRoles': 1 });
  });

  it('uploading to POST /imports is FORBIDDEN before the body is read, and Upsales is not asked again within CREDENTIALS_TTL_MS', async () => {
    await served.resetStats();
    const answer = await answerBeforeTheEnd('/imports?kind=client&format=csv', { 'content-type': 'text/csv', authorization: auth('reader') }, 'name\nRIGHTS one\n');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'FORBIDDEN', message: 'This Upsales user may not write Client items (their role\'s change right for them is none), so may not import them' },
    });
    expect(await calls()).toEqual({});
  });

  it('startImport with rows is FORBIDDEN, and nothing of any of its tries was staged', async () => {
    await served.resetStats();
    const answer = await graphql('reader', 'mutation { startImport(kind: CONTACT, rows: [{ name: "RIGHTS row" }]) { id } }');
    expect(answer.errors?.map((e) => [e.extensions.code, e.message])).toEqual([
      ['FORBIDDEN', 'This Upsales user may not write Contact items (their role\'s change right for them is none), so may not import them'],
    ]);
    expect(answer.data).toBeNull();
    expect(await jobsOf('reader')).toEqual([]);
    expect(await calls()).toEqual({});
  });

  it('with a wrong password is UNAUTHENTICATED, and Upsales is never asked what it may write', async () => {
    await served.resetStats();
    const wrong = basic(DEMO_USERS.reader.username, 'not-the-password');
    const answer = await answerBeforeTheEnd('/imports?kind=client&format=csv', { 'content-type': 'text/csv', authorization: wrong }, 'name\nx\n');
    expect(answer.status).toBe(401);
    expect(await calls()).toEqual({ 'UserService.getByCriteria': 1 });
  });
});

describe('the sales user (sales@demo.test, role Sales: changes its own clients, contacts, orders...; no products)', () => {
  it('imports clients, its role may change them', async () => {
    await served.resetStats();
    const response = await served.fetch('/imports?kind=client&format=csv', { method: 'POST', headers: { 'content-type': 'text/csv', authorization: auth('sales') }, body: 'name\nRIGHTS sales 1\nRIGHTS sales 2\n' });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ kind: 'client', total: 2 });
    // the password check (which also says the role), then the role's rights: once
    expect((await calls())['MetadataService.getRoles']).toBe(1);
    expect((await calls())['UserService.getByCriteria']).toBe(1);
  });

  it('may not import products, over POST /imports and over GraphQL; nothing staged, no call more', async () => {
    await served.resetStats();
    const before = await jobsOf('sales');
    const posted = await answerBeforeTheEnd('/imports?kind=product&format=csv', { 'content-type': 'text/csv', authorization: auth('sales') }, 'name,listPrice\nRIGHTS p,1\n');
    expect(posted.status).toBe(403);
    expect(JSON.parse(posted.body).error).toEqual({
      code: 'FORBIDDEN', message: 'This Upsales user may not write Product items (their role\'s change right for them is none), so may not import them',
    });
    const rows = await graphql('sales', 'mutation { startImport(kind: PRODUCT, rows: [{ name: "RIGHTS p", listPrice: 1 }]) { id } }');
    expect(rows.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    // A multipart upload's kind is inside its body: sales may write some kinds, so the body is read, and the kind refused before staging.
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation($file: File!) { startImport(kind: PRODUCT, file: $file) { id } }', variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new File(['name,listPrice\nRIGHTS p,1\n'], 'products.csv'));
    const uploaded = await (await served.fetch('/graphql', { method: 'POST', headers: { authorization: auth('sales'), ...CSRF }, body: form })).json() as { errors?: { message: string; extensions: { code: string } }[] };
    expect(uploaded.errors?.map((e) => [e.extensions.code, e.message])).toEqual([
      ['FORBIDDEN', 'This Upsales user may not write Product items (their role\'s change right for them is none), so may not import them'],
    ]);
    expect(await jobsOf('sales')).toEqual(before);
    expect((await calls())['MetadataService.getRoles']).toBeUndefined();
  });
});

it('an administrator may import every kind, without asking for the roles\' rights', async () => {
  await served.resetStats();
  const response = await served.fetch('/imports?kind=product&format=csv', { method: 'POST', headers: { 'content-type': 'text/csv', authorization: auth('admin') }, body: 'name,listPrice\nRIGHTS admin product,10\n' });
  expect(response.status).toBe(201);
  expect((await calls())['MetadataService.getRoles']).toBeUndefined();
});
