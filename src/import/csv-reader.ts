/**
 * A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, line
 * breaks inside quotes, CRLF or LF, a UTF-8 byte order mark). It keeps one
 * record in memory at a time, whatever the file's size.
 */

/** Records of a CSV text stream, as arrays of fields. */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let field = '';
  let record: string[] = [];
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
    const out: string[][] = [];
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
        record.push(field + text.slice(from, i));
        field = '';
        from = i + 1;
        any = true;
      } else if (c === 10 || c === 13) {
        field += text.slice(from, i);
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        if (any || field !== '' || record.length) {
          record.push(field);
          out.push(record);
        }
        record = [];
        field = '';
        any = false;
        from = i + 1;
      } else {
        any = true;
      }
    }
    field += text.slice(from);
    yield* out;
  }
  if (any || field !== '' || record.length) {
    record.push(field);
    yield record;
  }
}
