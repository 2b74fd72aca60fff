/**
 * A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, line
 * breaks inside quotes, CRLF or LF, a UTF-8 byte order mark). It keeps one
 * record in memory at a time, whatever the file's size, and no more than
 * `maxRecordChars` of it: a longer record is read to its end but not kept.
 * A quoted field still open at the end of the file makes the last record an
 * {@link UnclosedQuote}: the lines after its quote were read into it, so it
 * cannot be taken as written.
 */

/** A record longer than the reader keeps, in its place. */
export class TooLongRecord {
  constructor(readonly maxChars: number) {}
}

/** The last record, whose quoted field is never closed. */
export class UnclosedQuote {}

/** Records of a CSV text stream, as arrays of fields (or {@link TooLongRecord}, {@link UnclosedQuote}). */
export async function* csvRecords(chunks: AsyncIterable<string>, maxRecordChars = Infinity): AsyncGenerator<string[] | TooLongRecord | UnclosedQuote> {
  let field = '';
  let record: string[] = [];
  /** Characters of the record so far; once over the limit, it is dropped as it is read. */
  let size = 0;
  const keep = () => {
    size += field.length;
    if (size > maxRecordChars) {
      field = '';
      record = [];
    }
  };
  let quoted = false;
  /** A quote inside a quoted field: either the end, or the first of a doubled quote. */
  let quoteSeen = false;
  let atStart = true;
  let any = false;
  for await (const chunk of chunks) {
    let text = chunk;
    if (atStart) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      atStart = false;
    }
    const out: (string[] | TooLongRecord)[] = [];
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (c === 34) {
            field += '"';
            from = i + 1;
            continue;
          }
          quoted = false;
        } else {
          if (c === 34) {
            field += text.slice(from, i);
            quoteSeen = true;
            from = i + 1;
          }
          continue;
        }
      }
      if (c === 34 && field === '' && from === i) {
        quoted = true;
        from = i + 1;
        any = true;
      } else if (c === 44) {
        field += text.slice(from, i);
        keep();
        record.push(field);
        field = '';
        from = i + 1;
        any = true;
      } else if (c === 10 || c === 13) {
        field += text.slice(from, i);
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        keep();
        if (size > maxRecordChars) out.push(new TooLongRecord(maxRecordChars));
        else if (any || field !== '' || record.length) {
          record.push(field);
          out.push(record);
        }
        record = [];
        field = '';
        size = 0;
        any = false;
        from = i + 1;
      } else {
        any = true;
      }
    }
    field += text.slice(from);
    if (size + field.length > maxRecordChars) keep();
    yield* out;
  }
  keep();
  if (quoted && !quoteSeen) yield new UnclosedQuote();
  else if (size > maxRecordChars) yield new TooLongRecord(maxRecordChars);
  else if (any || field !== '' || record.length) {
    record.push(field);
    yield record;
  }
}
