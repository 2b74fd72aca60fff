/** A streaming JSON Lines reader: one line in memory at a time. */

/** Lines of a text stream with their 1-based line numbers (blank lines skipped). */
export async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<{ line: number; text: string }> {
  let rest = '';
  let line = 0;
  for await (const chunk of chunks) {
    let from = 0;
    let at: number;
    const out: { line: number; text: string }[] = [];
    while ((at = chunk.indexOf('\n', from)) >= 0) {
      const text = (rest + chunk.slice(from, at)).replace(/\r$/, '');
      rest = '';
      from = at + 1;
      line++;
      if (text.trim()) out.push({ line, text });
    }
    rest += chunk.slice(from);
    yield* out;
  }
  line++;
  if (rest.trim()) yield { line, text: rest.replace(/\r$/, '') };
}
