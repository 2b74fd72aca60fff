/**
 * A streaming JSON Lines reader: one line in memory at a time, and no more
 * than `maxLineChars` of it (a longer line is read to its end, not kept).
 */

/** A line with its 1-based number; `text` is null for a line longer than the reader keeps. */
export interface Line {
  line: number;
  text: string | null;
}

/** Lines of a text stream with their 1-based line numbers (blank lines skipped). */
export async function* lines(chunks: AsyncIterable<string>, maxLineChars = Infinity): AsyncGenerator<Line> {
  let rest = '';
  let tooLong = false;
  let line = 0;
  const done = (text: string): Line | null => {
    const kept = tooLong || text.length > maxLineChars ? null : text.replace(/\r$/, '');
    const blank = kept !== null && !kept.trim();
    tooLong = false;
    return blank ? null : { line, text: kept };
  };
  for await (const chunk of chunks) {
    let from = 0;
    let at: number;
    const out: Line[] = [];
    while ((at = chunk.indexOf('\n', from)) >= 0) {
      const text = rest + chunk.slice(from, at);
      rest = '';
      from = at + 1;
      line++;
      const next = done(text);
      if (next) out.push(next);
    }
    rest += chunk.slice(from);
    if (rest.length > maxLineChars) {
      tooLong = true;
      rest = '';
    }
    yield* out;
  }
  line++;
  if (rest || tooLong) {
    const last = done(rest);
    if (last) yield last;
  }
}
