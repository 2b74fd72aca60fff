/** Reading a GraphQL subscription served over SSE (graphql-yoga's `event: next` blocks). */

/** The `data[field]` of each `next` event of the stream, until it ends. */
export async function sseEvents<T>(response: Response, field: string): Promise<T[]> {
  const events: T[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let at: number;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const data = block.split('\n').find((line) => line.startsWith('data:'));
      if (block.startsWith('event: next') && data) events.push((JSON.parse(data.slice(5)) as { data: Record<string, T> }).data[field]);
    }
  }
  return events;
}

/** One result of a stream as graphql-yoga sends it over SSE. */
export interface StreamedResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: { upsales?: { soapCalls: number; cachedCalls: number; queuedMs: number; estimatedCalls?: number } } & Record<string, unknown>;
}

/**
 * The results of a stream over SSE as they arrive: `next()` waits for the
 * next `event: next` (null once the stream has ended); `close()` leaves.
 */
export function sseResults<T = Record<string, unknown>>(response: Response): { next(): Promise<StreamedResult<T> | null>; close(): Promise<void> } {
  if (!response.headers.get('content-type')?.includes('text/event-stream')) throw new Error(`not a stream: ${response.status} ${response.headers.get('content-type')}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const data = block.split('\n').find((line) => line.startsWith('data:'));
          if (block.startsWith('event: next') && data) return JSON.parse(data.slice(5)) as StreamedResult<T>;
          if (block.startsWith('event: complete')) return null;
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => reader.cancel().catch(() => undefined),
  };
}
