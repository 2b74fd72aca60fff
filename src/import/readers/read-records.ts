/**
 * A file's records as staged rows: JSON text of one record each, column (or
 * key) to value. CSV takes its column names from the header row; a line that
 * cannot be read (or is longer than a record may be) is staged as
 * `{"$invalid": reason}` and fails that row only. A file over its size or
 * row limit, or with too many columns, is refused as a whole.
 */
import { configFromEnv } from '../../config/config.js';
import { csvRecords, TooLongRecord, UnclosedQuote } from './csv-reader.js';
import { lines } from './jsonl-reader.js';
import type { ImportFormat } from '../store/types.js';

/** Key of a staged record that could not be read. */
export const INVALID = '$invalid';

/** What an import may hold: `MAX_IMPORT_BYTES` of file and `MAX_IMPORT_ROWS` rows (records after a CSV header, JSONL lines, GraphQL `rows`). */
export interface ReadLimits {
  bytes: number;
  rows: number;
}

export const readLimitsFromEnv = (env: NodeJS.ProcessEnv = process.env): ReadLimits => {
  const { importBytes, importRows } = configFromEnv(env).limits;
  return { bytes: importBytes, rows: importRows };
};

/** Characters of one record (a CSV record, a JSONL line); a longer one fails its row. */
export const MAX_RECORD_CHARS = 1_048_576;
/** Columns of a CSV file. */
export const MAX_COLUMNS = 1_000;

export class SourceError extends Error {}
/** The file is over MAX_IMPORT_BYTES or MAX_IMPORT_ROWS. */
export class SourceTooLargeError extends SourceError {}
/** The file's sender went away before its end: what was read is not the file. */
export class SourceAbortedError extends SourceError {
  constructor() {
    super('The client closed the connection before the whole file was read');
  }
}

/** The bytes (or text) of a stream as text chunks, decoding UTF-8 across chunk edges; at most `maxBytes` of it. */
export async function* textChunks(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxBytes = Infinity): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  for await (const chunk of source) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (bytes > maxBytes) throw new SourceTooLargeError(`The file is larger than MAX_IMPORT_BYTES (${maxBytes} bytes)`);
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** Counts rows, refusing the file past `max`. */
function rowCounter(max: number): () => void {
  let rows = 0;
  return () => {
    if (++rows > max) throw new SourceTooLargeError(`The file has more than MAX_IMPORT_ROWS (${max}) rows`);
  };
}

const tooLong = `is longer than ${MAX_RECORD_CHARS} characters`;
const unclosed = 'opens a quoted field ("...) that is never closed: the rest of the file was read into it';
/** U+FFFD is what the decoder puts for bytes that are not UTF-8: the row would be stored garbled. */
const NOT_UTF8 = 'has bytes that are not UTF-8 (save the file as UTF-8)';
const garbled = (text: string) => text.includes('\uFFFD');

async function* csvRows(chunks: AsyncIterable<string>, maxRows: number): AsyncGenerator<string> {
  let header: string[] | undefined;
  const count = rowCounter(maxRows);
  for await (const record of csvRecords(chunks, MAX_RECORD_CHARS)) {
    if (record instanceof TooLongRecord || record instanceof UnclosedQuote) {
      const reason = record instanceof TooLongRecord ? tooLong : unclosed;
      if (!header) throw new SourceError(`The CSV header ${reason}`);
      count();
      yield JSON.stringify({ [INVALID]: reason });
      continue;
    }
    if (!header) {
      if (record.length > MAX_COLUMNS) throw new SourceError(`The CSV header has ${record.length} columns; at most ${MAX_COLUMNS}`);
      header = record.map((name) => name.trim());
      const empty = header.findIndex((name) => !name);
      if (empty >= 0) throw new SourceError(`Column ${empty + 1} of the CSV header has no name`);
      const twice = header.find((name, i) => header!.indexOf(name) !== i);
      if (twice) throw new SourceError(`The CSV header names the column "${twice}" twice`);
      continue;
    }
    count();
    if (record.some(garbled)) {
      yield JSON.stringify({ [INVALID]: NOT_UTF8 });
      continue;
    }
    if (record.length !== header.length) {
      yield JSON.stringify({ [INVALID]: `has ${record.length} fields; the header has ${header.length}` });
      continue;
    }
    // Defined, not assigned: a column named __proto__ stays a column (and fails its row as unknown).
    yield JSON.stringify(Object.fromEntries(header.map((name, i) => [name, record[i]])));
  }
  if (!header) throw new SourceError('The CSV file is empty: it needs a header row');
}

async function* jsonlRows(chunks: AsyncIterable<string>, maxRows: number): AsyncGenerator<string> {
  const count = rowCounter(maxRows);
  for await (const { line, text } of lines(chunks, MAX_RECORD_CHARS)) {
    count();
    if (text === null || garbled(text)) {
      yield JSON.stringify({ [INVALID]: `line ${line} ${text === null ? tooLong : NOT_UTF8}` });
      continue;
    }
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
export function readRecords(
  format: ImportFormat, source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, limits: ReadLimits,
): AsyncIterable<string> {
  const chunks = textChunks(source, limits.bytes);
  return format === 'CSV' ? csvRows(chunks, limits.rows) : jsonlRows(chunks, limits.rows);
}

/** Rows given as values (GraphQL `rows`), as staged rows. */
export async function* valueRecords(rows: unknown[], maxRows: number): AsyncGenerator<string> {
  const count = rowCounter(maxRows);
  for (const [i, value] of rows.entries()) {
    count();
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
