/** The streaming readers: records are the same however the stream is cut into chunks. */
import { describe, expect, it } from 'vitest';
import { csvRecords } from '../../src/import/readers/csv-reader.js';
import { lines } from '../../src/import/readers/jsonl-reader.js';
import { MAX_COLUMNS, MAX_RECORD_CHARS, readRecords, SourceTooLargeError, type ReadLimits } from '../../src/import/readers/read-records.js';

const LIMITS: ReadLimits = { bytes: 10_000_000, rows: 1_000 };

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
async function* cut(text: string, at: number[]): AsyncGenerator<string> {
  let from = 0;
  for (const i of at) {
    yield text.slice(from, i);
    from = i;
  }
  yield text.slice(from);
}

const CSV = '\uFEFFname,notes\r\n"Quoted, with comma","line one\nline two"\r\nplain,"say ""hi"""\n\nlast,\n';
const RECORDS = [['name', 'notes'], ['Quoted, with comma', 'line one\nline two'], ['plain', 'say "hi"'], ['last', '']];

describe('csvRecords', () => {
  it('reads quotes, doubled quotes, line breaks in quotes, CRLF, a BOM, and skips blank lines', async () => {
    expect(await all(csvRecords(cut(CSV, [])))).toEqual(RECORDS);
  });

  it('gives the same records for every place the stream is cut, and for cuts at every character', async () => {
    for (let i = 1; i < CSV.length; i++) expect(await all(csvRecords(cut(CSV, [i])))).toEqual(RECORDS);
    expect(await all(csvRecords(cut(CSV, Array.from({ length: CSV.length }, (_, i) => i + 1))))).toEqual(RECORDS);
  });

  it('stages rows as column objects; a row of the wrong width is invalid alone', async () => {
    const staged = await all(readRecords('CSV', [Buffer.from('a,b\n1,2\n3\n"4",5')], LIMITS));
    expect(staged.map((s) => JSON.parse(s))).toEqual([{ a: '1', b: '2' }, { $invalid: 'has 1 fields; the header has 2' }, { a: '4', b: '5' }]);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('name\nÅsa Öberg\n');
    const staged = await all(readRecords('CSV', [bytes.subarray(0, 7), bytes.subarray(7)], LIMITS));
    expect(staged).toEqual(['{"name":"Åsa Öberg"}']);
  });
});

describe('JSONL', () => {
  it('numbers lines across chunks and marks bad lines invalid', async () => {
    expect(await all(lines(cut('{"a":1}\n\n{"b":\n', [3, 9])))).toEqual([{ line: 1, text: '{"a":1}' }, { line: 3, text: '{"b":' }]);
    const staged = await all(readRecords('JSONL', ['{"a":1}\n[1]\nnope\n{"b":2}'], LIMITS));
    expect(staged.map((s) => JSON.parse(s))).toEqual([{ a: 1 }, { $invalid: 'line 2 is not a JSON object' }, { $invalid: 'line 3 is not valid JSON' }, { b: 2 }]);
  });
});

describe('limits', () => {
  const huge = 'x'.repeat(MAX_RECORD_CHARS + 10);
  const chunked = (text: string) => cut(text, Array.from({ length: Math.floor(text.length / 65_536) }, (_, i) => (i + 1) * 65_536));

  it('a CSV record longer than MAX_RECORD_CHARS fails that row alone, quoted or not, however the stream is cut', async () => {
    const csv = `name,notes\nfirst,ok\nlong,${huge}\nquoted,"${huge}\n${huge}"\nlast,ok\n`;
    for (const chunks of [cut(csv, []), chunked(csv)]) {
      const staged = (await all(readRecords('CSV', chunks, LIMITS))).map((s) => JSON.parse(s));
      expect(staged).toEqual([
        { name: 'first', notes: 'ok' },
        { $invalid: `is longer than ${MAX_RECORD_CHARS} characters` },
        { $invalid: `is longer than ${MAX_RECORD_CHARS} characters` },
        { name: 'last', notes: 'ok' },
      ]);
    }
  });

  it('an unterminated quote swallows the rest of the file as one row that fails, not the job', async () => {
    const staged = (await all(readRecords('CSV', chunked(`name\nok\n"${huge}${huge}`), LIMITS))).map((s) => JSON.parse(s));
    // Longer than a record may be, too: the open quote is what is wrong with it.
    expect(staged).toEqual([{ name: 'ok' }, { $invalid: 'opens a quoted field ("...) that is never closed: the rest of the file was read into it' }]);
  });

  it('a JSONL line longer than MAX_RECORD_CHARS fails that row alone', async () => {
    const jsonl = `{"a":1}\n{"b":"${huge}"}\n{"c":3}\n{"d":"${huge}"}`;
    const staged = (await all(readRecords('JSONL', chunked(jsonl), LIMITS))).map((s) => JSON.parse(s));
    expect(staged).toEqual([{ a: 1 }, { $invalid: `line 2 is longer than ${MAX_RECORD_CHARS} characters` }, { c: 3 }, { $invalid: `line 4 is longer than ${MAX_RECORD_CHARS} characters` }]);
  });

  it('refuses the whole file past MAX_IMPORT_BYTES or MAX_IMPORT_ROWS, or with more than MAX_COLUMNS columns', async () => {
    await expect(all(readRecords('CSV', [Buffer.from(`name\n${'a\n'.repeat(600)}`), Buffer.alloc(10_000_000, 10)], LIMITS))).rejects.toThrow(new SourceTooLargeError('The file is larger than MAX_IMPORT_BYTES (10000000 bytes)'));
    await expect(all(readRecords('JSONL', ['{"a":1}\n'.repeat(1_001)], LIMITS))).rejects.toThrow(new SourceTooLargeError('The file has more than MAX_IMPORT_ROWS (1000) rows'));
    await expect(all(readRecords('CSV', [`name\n${'a\n'.repeat(1_001)}`], LIMITS))).rejects.toThrow(SourceTooLargeError);
    expect((await all(readRecords('CSV', [`name\n${'a\n'.repeat(1_000)}`], LIMITS))).length).toBe(1_000);
    await expect(all(readRecords('CSV', [`${Array.from({ length: MAX_COLUMNS + 1 }, (_, i) => `c${i}`).join(',')}\n`], LIMITS))).rejects.toThrow(`The CSV header has ${MAX_COLUMNS + 1} columns; at most ${MAX_COLUMNS}`);
  });
});
