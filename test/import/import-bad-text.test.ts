/**
 * Import rows with text Upsales cannot take (control characters, lone
 * surrogates, noncharacters, over-long keys, empty required fields, JSON
 * nested too deep), from a CSV file, a JSONL file and GraphQL `rows`: each
 * bad row fails alone with a clear reason, before any call carries it (no
 * lookup, no write); the good rows are written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_FIELDS, startImportStack, type ImportStack } from './import-stack.js';

const START = `mutation Start($kind: ImportKind!, $file: File, $rows: [JSON!], $options: ImportOptions) {
  startImport(kind: $kind, file: $file, rows: $rows, options: $options) { ${JOB_FIELDS} }
}`;
type Job = { id: string; state: string; total: number; created: number; updated: number; failed: number };

let stack: ImportStack;
beforeAll(async () => {
  stack = await startImportStack();
});
afterAll(() => stack.close());

async function finished(id: string) {
  await stack.imports.settled(id);
  const result = await stack.query<{ importJob: Job }>(`query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`, { id });
  return { job: result.data!.importJob, failures: (await stack.imports.store.failures(id, 100)).map((f) => [f.row, f.reason]) };
}

const cannotSend = (what: string) => `has ${what}, which cannot be sent to Upsales`;
const GOOD_TEXT = 'tab\there, 中文 🚀👩‍💻 عربي <&]]>';

describe('bad text in import rows', () => {
  it('CSV: a control character, a blank required name, an over-long value fail their rows only', async () => {
    const csv = [
      'name,orgNo,notes',
      'GIMP csv 1,GIMP-1,"line one\nline two"',
      'GIMP csv \u0007bell,GIMP-2,x',
      '   ,GIMP-3,blank name',
      `GIMP csv 4,${'9'.repeat(300)},long orgNo`,
      'GIMP csv 5,GIMP-5,notes with \u0000 in them',
      `GIMP csv 6,GIMP-6,"${GOOD_TEXT}"`,
    ].join('\r\n');
    await stack.resetStats();
    const started = await stack.upload<{ startImport: Job }>(START, { kind: 'CLIENT' }, { name: 'clients.csv', text: `${csv}\r\n` });
    expect(started.errors).toBeUndefined();
    const { job, failures } = await finished(started.data!.startImport.id);
    expect(job).toMatchObject({ state: 'COMPLETED', total: 6, created: 2, failed: 4 });
    expect(failures).toEqual([
      [2, `name: ${cannotSend('U+0007 (a control character)')}`],
      [3, 'name is required'],
      [4, 'orgNo: is longer than 255 characters'],
      [5, `notes: ${cannotSend('U+0000 (a control character)')}`],
    ]);
    // One create for the two good rows (and the password check of the first import); nothing for the bad ones.
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.create': 1, 'UserService.getByCriteria': 1 });
    const stored = await stack.items('client', [{ field: 'orgNo', operator: 'startsWith', values: ['GIMP-'] }]);
    expect(stored.map((c) => [c.orgNo, c.name, c.notes])).toEqual([
      ['GIMP-1', 'GIMP csv 1', 'line one\nline two'],
      ['GIMP-6', 'GIMP csv 6', GOOD_TEXT],
    ]);
  });

  it('JSONL: bad reference and match keys fail their rows before the lookups that would carry them', async () => {
    const rows = [
      { firstName: 'GIMP J1', email: 'gimp.j1@example.test', 'client.orgNo': 'GIMP-1' },
      { firstName: 'GIMP J2', email: 'gimp.j2@example.test', 'client.orgNo': 'GIMP-1\u0000' },
      { firstName: 'GIMP \ud800', email: 'gimp.j3@example.test', 'client.orgNo': 'GIMP-1' },
      { firstName: 'GIMP J4', email: 'gimp.j4\uFFFE@example.test', 'client.orgNo': 'GIMP-1' },
      { firstName: '', email: 'gimp.j5@example.test', 'client.orgNo': 'GIMP-6' },
    ];
    await stack.resetStats();
    const started = await stack.upload<{ startImport: Job }>(START, { kind: 'CONTACT', options: { matchBy: 'email' } }, {
      name: 'contacts.jsonl', text: `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`,
    });
    expect(started.errors).toBeUndefined();
    const { job, failures } = await finished(started.data!.startImport.id);
    expect(job).toMatchObject({ state: 'COMPLETED', total: 5, created: 1, failed: 4 });
    expect(failures).toEqual([
      [2, `client.orgNo: ${cannotSend('U+0000 (a control character)')}`],
      [3, `firstName: ${cannotSend('U+D800 (a lone surrogate)')}`],
      [4, `email: ${cannotSend('U+FFFE (a Unicode noncharacter)')}`],
      [5, 'firstName is required'],
    ]);
    // Rows 1 and 5 reach the batch: one client lookup (GIMP-1 and GIMP-6), one match lookup, one create.
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 1, 'ContactService.getByCriteria': 1, 'ContactService.create': 1 });
  });

  it('GraphQL rows: a bad row fails alone; startImport itself is not refused', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    const started = await stack.query<{ startImport: Job }>(START, {
      kind: 'CLIENT',
      rows: [{ name: 'GIMP row 1', orgNo: 'GIMP-R1' }, { name: 'GIMP row \uFDD0', orgNo: 'GIMP-R2' }, { name: 'GIMP row 3', notes: deep }],
    });
    expect(started.errors).toBeUndefined();
    const { job, failures } = await finished(started.data!.startImport.id);
    expect(job).toMatchObject({ state: 'COMPLETED', total: 3, created: 1, failed: 2 });
    expect(failures[0]).toEqual([2, `name: ${cannotSend('U+FDD0 (a Unicode noncharacter)')}`]);
    expect(failures[1][0]).toBe(3);
    expect(failures[1][1]).toMatch(/^notes(\[0\]){32}: is nested deeper than 32 levels$/);
  });
});
