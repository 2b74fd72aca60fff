/** The streaming readers: records are the same however the stream is cut into chunks. */
import { describe, expect, it } from 'vitest';
import { csvRecords } from '../../src/import/csv-reader.js';
import { lines } from '../../src/import/jsonl-reader.js';
import { readRecords } from '../../src/import/read-records.js';

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
    const staged = await all(readRecords('CSV', [Buffer.from('a,b\n1,2\n3\n"4",5')]));
    expect(staged.map((s) => JSON.parse(s))).toEqual([{ a: '1', b: '2' }, { $invalid: 'has 1 fields; the header has 2' }, { a: '4', b: '5' }]);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('name\nÅsa Öberg\n');
    const staged = await all(readRecords('CSV', [bytes.subarray(0, 7), bytes.subarray(7)]));
    expect(staged).toEqual(['{"name":"Åsa Öberg"}']);
  });
});

describe('JSONL', () => {
  it('numbers lines across chunks and marks bad lines invalid', async () => {
    expect(await all(lines(cut('{"a":1}\n\n{"b":\n', [3, 9])))).toEqual([{ line: 1, text: '{"a":1}' }, { line: 3, text: '{"b":' }]);
    const staged = await all(readRecords('JSONL', ['{"a":1}\n[1]\nnope\n{"b":2}']));
    expect(staged.map((s) => JSON.parse(s))).toEqual([{ a: 1 }, { $invalid: 'line 2 is not a JSON object' }, { $invalid: 'line 3 is not valid JSON' }, { b: 2 }]);
  });
});
