/**
 * A file's records as staged rows: JSON text of one record each, column (or
 * key) to value. CSV takes its column names from the header row; a line that
 * cannot be read is staged as `{"$invalid": reason}` and fails that row only.
 */
import { csvRecords } from './csv-reader.js';
import { lines } from './jsonl-reader.js';
import type { ImportFormat } from './types.js';

/** Key of a staged record that could not be read. */
export const INVALID = '$invalid';

/** The bytes (or text) of a stream as text chunks, decoding UTF-8 across chunk edges. */
export async function* textChunks(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

export class SourceError extends Error {}

async function* csvRows(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let header: string[] | undefined;
  for await (const record of csvRecords(chunks)) {
    if (!header) {
      header = record.map((name) => name.trim());
      const empty = header.findIndex((name) => !name);
      if (empty >= 0) throw new SourceError(`Column ${empty + 1} of the CSV header has no name`);
      const twice = header.find((name, i) => header!.indexOf(name) !== i);
      if (twice) throw new SourceError(`The CSV header names the column "${twice}" twice`);
      continue;
    }
    if (record.length !== header.length) {
      yield JSON.stringify({ [INVALID]: `has ${record.length} fields; the header has ${header.length}` });
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((name, i) => { row[name] = record[i]; });
    yield JSON.stringify(row);
  }
  if (!header) throw new SourceError('The CSV file is empty: it needs a header row');
}

async function* jsonlRows(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const { line, text } of lines(chunks)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield JSON.stringify({ [INVALID]: `line ${line} is not valid JSON` });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield JSON.stringify({ [INVALID]: `line ${line} is not a JSON object` });
      continue;
    }
    yield text;
  }
}

/** Staged rows of a file in `format`. Throws {@link SourceError} for a file that cannot be read at all. */
export function readRecords(format: ImportFormat, source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncIterable<string> {
  const chunks = textChunks(source);
  return format === 'CSV' ? csvRows(chunks) : jsonlRows(chunks);
}

/** Rows given as values (GraphQL `rows`), as staged rows. */
export async function* valueRecords(rows: unknown[]): AsyncGenerator<string> {
  for (const [i, value] of rows.entries()) {
    yield value !== null && typeof value === 'object' && !Array.isArray(value)
      ? JSON.stringify(value)
      : JSON.stringify({ [INVALID]: `rows[${i}] is not an object` });
  }
}

/** The format a file name suggests. */
export function formatOf(fileName: string): ImportFormat | undefined {
  if (/\.csv$/i.test(fileName)) return 'CSV';
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return 'JSONL';
  return undefined;
}
