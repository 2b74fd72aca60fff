/**
 * Imports of several kinds through GraphQL (file uploads and rows), checked
 * against what the embedded Upsales service stores: CSV clients with custom
 * fields and bad rows (exact per-row results), a re-run that creates nothing,
 * contacts whose client is given by orgNo, JSONL products and orders with
 * rows, exact upstream calls, and never a THROTTLED fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsTo } from '../helpers/stack.js';
import { ENGINES } from '../helpers/job-store-engines.js';
import { JOB_FIELDS, startImportStack, type ImportStack } from './import-stack.js';

const START = `mutation Start($kind: ImportKind!, $file: File, $rows: [JSON!], $options: ImportOptions) {
  startImport(kind: $kind, file: $file, rows: $rows, options: $options) { ${JOB_FIELDS} }
}`;
type Job = { id: string; state: string; reason: string | null; total: number; done: number; created: number; updated: number; failed: number; resultsUrl: string };


let stack: ImportStack;

async function finished(id: string): Promise<Job> {
  await stack.imports.settled(id);
  const result = await stack.query<{ importJob: Job }>(`query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`, { id });
  expect(result.errors).toBeUndefined();
  return result.data!.importJob;
}

const CLIENTS = 40;
function clientsCsv(): string {
  const lines = ['name,orgNo,noEmployees,custom.CLIENT_INTEGER,active'];
  for (let i = 1; i <= CLIENTS; i++) lines.push(`IMPA ${i},IMPA-${i},${i},${i * 10},${i % 2 ? 'true' : 'false'}`);
  lines.push(',IMPA-X1,1,1,true'); // 41: no name
  lines.push('"IMPA bad, employees",IMPA-X2,many,1,true'); // 42: not an integer
  lines.push('IMPA bad custom,IMPA-X3,1,ten,true'); // 43: custom field of the wrong type
  lines.push('IMPA short,IMPA-X4'); // 44: too few fields
  return `${lines.join('\r\n')}\r\n`;
}

// The same imports on each engine of the job store.
describe.each(ENGINES)('%s job store', (engine) => {
  beforeAll(async () => {
    stack = await startImportStack({ engine });
  });
  afterAll(async () => {
    const stats = await stack.stats();
    await stack.close();
    expect(stats.throttled).toEqual({ faults: 0, blocks: 0 });
  });

  describe('CSV clients', () => {
    let first: Job;

    it('creates each good row once, fails each bad row alone with its reason', async () => {
      await stack.resetStats();
      const started = await stack.upload<{ startImport: Job }>(START, { kind: 'CLIENT', options: { matchBy: 'orgNo' } }, { name: 'clients.csv', text: clientsCsv() });
      expect(started.errors).toBeUndefined();
      expect(started.data!.startImport.total).toBe(CLIENTS + 4);
      first = await finished(started.data!.startImport.id);
      expect(first).toMatchObject({ state: 'COMPLETED', reason: null, total: 44, done: 44, created: 40, updated: 0, failed: 4 });
      // Rows 42 and 44 fail as read; the rest go in batches of 20 (1-20, 21-40, and 41 + 43, which fail once
      // found to be new: a create needs a name, and the custom value is checked against its definition).
      // Per batch one match lookup; one create per batch of good rows; custom field definitions once;
      // and the caller's password checked once (import operations make no call of their own).
      const stats = await stack.stats();
      expect(stats.calls.byOperation).toEqual({
        'ClientService.getByCriteria': 3, 'ClientService.create': 2, 'MetadataService.getCustomFields': 1, 'UserService.getByCriteria': 1,
      });
      const stored = await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['IMPA'] }]);
      expect(stored).toHaveLength(CLIENTS);
      const byOrgNo = new Map(stored.map((c) => [c.orgNo, c]));
      for (let i = 1; i <= CLIENTS; i++) {
        const client = byOrgNo.get(`IMPA-${i}`)!;
        expect(client).toMatchObject({ name: `IMPA ${i}`, noEmployees: i, active: i % 2 === 1 });
        expect(client.customfield).toHaveLength(1);
        expect(client.customfield![0].value).toBe(String(i * 10));
      }
    });

    it('serves exact per-row results as CSV and JSONL, to the owner only', async () => {
      const csv = await (await stack.fetch(first.resultsUrl, { headers: { authorization: `Basic ${Buffer.from('admin@demo.test:demo-admin').toString('base64')}` } })).text();
      const lines = csv.trimEnd().split('\n');
      expect(lines[0]).toBe('row,outcome,upsalesId,reason');
      expect(lines).toHaveLength(45);
      expect(lines[1]).toMatch(/^1,created,\d+,$/);
      expect(lines.slice(41)).toEqual([
        '41,failed,,name is required',
        '42,failed,,"noEmployees: ""many"" is not an integer"',
        '43,failed,,"customFields.0.value: CLIENT_INTEGER (Integer): ""ten"" is not an integer"',
        '44,failed,,The row has 2 fields; the header has 5',
      ]);
      const jsonl = await (await stack.fetch(first.resultsUrl.replace('.csv', '.jsonl'), { headers: { authorization: `Basic ${Buffer.from('admin@demo.test:demo-admin').toString('base64')}` } })).text();
      const rows = jsonl.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(rows).toHaveLength(44);
      expect(rows[41]).toEqual({ row: 42, outcome: 'failed', upsalesId: null, reason: 'noEmployees: "many" is not an integer' });
      const ids = rows.slice(0, 40).map((r) => r.upsalesId);
      expect(new Set(ids).size).toBe(40);

      const other = await stack.fetch(first.resultsUrl, { headers: { authorization: `Basic ${Buffer.from('sales@demo.test:demo-sales').toString('base64')}` } });
      expect(other.status).toBe(404);
      const wrong = await stack.fetch(first.resultsUrl, { headers: { authorization: `Basic ${Buffer.from('admin@demo.test:nope').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      const sales = await stack.query(`query($id: ID!) { importJob(id: $id) { id } }`, { id: first.id }, 'sales');
      expect(sales.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    });

    it('a re-run of the same file creates nothing new: every good row updates its item', async () => {
      await stack.resetStats();
      const started = await stack.upload<{ startImport: Job }>(START, { kind: 'CLIENT', options: { matchBy: 'orgNo' } }, { name: 'clients.csv', text: clientsCsv() });
      const again = await finished(started.data!.startImport.id);
      expect(again).toMatchObject({ state: 'COMPLETED', created: 0, updated: 40, failed: 4 });
      expect(await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['IMPA'] }])).toHaveLength(CLIENTS);
      const stats = await stack.stats();
      expect(callsTo(stats, 'ClientService.getByCriteria')).toBe(4); // 3 match lookups, 1 of the test
      expect(callsTo(stats, 'ClientService.create')).toBe(0);
      expect(callsTo(stats, 'ClientService.update')).toBe(2);
    });
  });

  describe('CSV contacts with their client by orgNo', () => {
    it('looks each batch\'s clients up in one call, and fails rows whose client does not exist', async () => {
      const lines = ['First name,lastName,email,Company'];
      for (let i = 1; i <= 30; i++) lines.push(`Imp${i},Contact,imp.contact${i}@example.test,IMPA-${(i % 5) + 1}`);
      lines.push('Imp31,Contact,imp.contact31@example.test,NO-SUCH-ORG');
      await stack.resetStats();
      const started = await stack.upload<{ startImport: Job }>(START, {
        kind: 'CONTACT',
        options: { matchBy: 'email', mapping: [{ column: 'First name', field: 'firstName' }, { column: 'Company', field: 'client.orgNo' }] },
      }, { name: 'contacts.csv', text: lines.join('\n') });
      expect(started.errors).toBeUndefined();
      const job = await finished(started.data!.startImport.id);
      expect(job).toMatchObject({ state: 'COMPLETED', total: 31, created: 30, failed: 1 });
      // Two batches (20 + 11): per batch one client lookup (of its distinct orgNos not yet known), one match lookup, one create.
      const stats = await stack.stats();
      expect(stats.calls.byOperation).toEqual({ 'ClientService.getByCriteria': 2, 'ContactService.getByCriteria': 2, 'ContactService.create': 2 });
      const clients = new Map((await stack.items('client', [{ field: 'orgNo', operator: 'startsWith', values: ['IMPA-'] }])).map((c) => [c.id, c.orgNo]));
      const contacts = await stack.items('contact', [{ field: 'email', operator: 'startsWith', values: ['imp.contact'] }]);
      expect(contacts).toHaveLength(30);
      for (const contact of contacts) {
        const i = Number(/contact(\d+)@/.exec(contact.email as string)![1]);
        expect(contact.firstName).toBe(`Imp${i}`);
        expect(clients.get((contact.client as { id: number }).id)).toBe(`IMPA-${(i % 5) + 1}`);
      }
      expect(await stack.imports.store.failures(job.id, 10)).toEqual([{ row: 31, outcome: 'failed', upsalesId: null, reason: 'Company: there is no Client with orgNo "NO-SUCH-ORG"' }]);
    });
  });

  describe('JSONL products and orders with rows', () => {
    it('imports products given as rows, then orders whose client, user and row products are given by keys', async () => {
      const products = Array.from({ length: 5 }, (_, i) => ({ name: `IMPP product ${i + 1}`, articleNo: `IMPP-${i + 1}`, listPrice: (i + 1) * 100 }));
      const started = await stack.query<{ startImport: Job }>(START, { kind: 'PRODUCT', rows: products, options: { matchBy: 'articleNo' } });
      expect(started.errors).toBeUndefined();
      expect(await finished(started.data!.startImport.id)).toMatchObject({ state: 'COMPLETED', created: 5, failed: 0 });

      const orders = Array.from({ length: 12 }, (_, i) => JSON.stringify({
        description: `IMPO order ${i + 1}`,
        date: '2026-03-01',
        'client.orgNo': `IMPA-${i + 1}`,
        'user.email': 'admin@demo.test',
        rows: [
          { 'product.articleNo': `IMPP-${(i % 5) + 1}`, quantity: 2, price: 50 },
          { 'product.articleNo': 'IMPP-1', quantity: 1, price: i + 1 },
        ],
      }));
      orders.push(JSON.stringify({ description: 'IMPO no rows product', 'client.orgNo': 'IMPA-1', 'user.email': 'admin@demo.test', rows: [{ 'product.articleNo': 'NOPE', quantity: 1, price: 1 }] }));
      orders.push('{"description": "IMPO broken"');
      const upload = await stack.upload<{ startImport: Job }>(START, { kind: 'ORDER' }, { name: 'orders.jsonl', text: `${orders.join('\n')}\n` });
      expect(upload.errors).toBeUndefined();
      const job = await finished(upload.data!.startImport.id);
      expect(job).toMatchObject({ state: 'COMPLETED', total: 14, created: 12, failed: 2 });
      expect(await stack.imports.store.failures(job.id, 10)).toEqual([
        { row: 13, outcome: 'failed', upsalesId: null, reason: 'rows[0].product.articleNo: there is no Product with articleNo "NOPE"' },
        { row: 14, outcome: 'failed', upsalesId: null, reason: 'The row line 14 is not valid JSON' },
      ]);
      const stored = await stack.items('order', [{ field: 'description', operator: 'startsWith', values: ['IMPO'] }]);
      expect(stored).toHaveLength(12);
      const productIds = new Map((await stack.items('product', [{ field: 'articleNo', operator: 'startsWith', values: ['IMPP-'] }])).map((p) => [p.id, p.articleNo]));
      for (const order of stored) {
        const i = Number(/order (\d+)/.exec(order.description as string)![1]);
        expect(order.value).toBe(100 + i);
        const rows = order.orderRow as { product: { id: number }; quantity: number; price: number }[];
        expect(rows.map((r) => productIds.get(r.product.id))).toEqual([`IMPP-${((i - 1) % 5) + 1}`, 'IMPP-1']);
      }
    });

    it('refuses a bad request before storing anything', async () => {
      const bad = await stack.query(START, { kind: 'CONTACT', rows: [{}], options: { matchBy: 'nosuchfield' } });
      expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      const mapping = await stack.query(START, { kind: 'CONTACT', rows: [{}], options: { mapping: [{ column: 'x', field: 'client.nosuch' }] } });
      expect(mapping.errors?.[0]).toMatchObject({ message: '"client.nosuch": Client has no field "nosuch" to look it up by', extensions: { code: 'BAD_USER_INPUT' } });
    });
  });
});
