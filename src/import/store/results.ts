/**
 * Per-row results of a job as CSV or JSON Lines, read from the store lazily:
 * `row` (1-based position in the file, header not counted), `outcome`
 * (created, updated, failed, skipped; pending or inflight while it runs),
 * `upsalesId`, `reason`.
 */
import type { RowOutcome } from './types.js';

export type ResultsFormat = 'csv' | 'jsonl';

/** A cell; one a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) is kept as text with a leading `'` (OWASP's CSV injection rule). */
const csvCell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Text lines (each ending in a newline) of the results, in row order. */
export async function* resultLines(outcomes: AsyncIterable<RowOutcome>, format: ResultsFormat): AsyncGenerator<string> {
  if (format === 'csv') yield 'row,outcome,upsalesId,reason\n';
  for await (const o of outcomes) {
    yield format === 'csv'
      ? `${o.row},${o.outcome},${csvCell(o.upsalesId)},${csvCell(o.reason)}\n`
      : `${JSON.stringify({ row: o.row, outcome: o.outcome, upsalesId: o.upsalesId, reason: o.reason })}\n`;
  }
}

/** The results as a web stream, pulled a few hundred rows at a time. */
export function resultsStream(outcomes: AsyncIterable<RowOutcome>, format: ResultsFormat): ReadableStream<Uint8Array> {
  const lines = resultLines(outcomes, format);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = '';
      for (let i = 0; i < 500; i++) {
        const next = await lines.next();
        if (next.done) {
          if (text) controller.enqueue(encoder.encode(text));
          controller.close();
          return;
        }
        text += next.value;
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}
