/** Reading a GraphQL subscription served over SSE (graphql-yoga's `event: next` blocks). */

/** One message of an SSE body: its `event:` and its `data:` parsed as JSON. */
export interface SseMessage { event: string; data: unknown }

/**
 * The messages of an SSE body as they arrive: `next()` waits for the next
 * one (null once the body has ended); `cancel()` stops reading.
 */
export function sseMessages(body: ReadableStream<Uint8Array>): { next(): Promise<SseMessage | null>; cancel(): Promise<void> } {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at).split('\n');
          buffer = buffer.slice(at + 2);
          const event = block.find((line) => line.startsWith('event:'))?.slice(6).trim();
          const data = block.find((line) => line.startsWith('data:'))?.slice(5);
          if (event) return { event, data: data ? JSON.parse(data) as unknown : undefined };
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

/** The `data[field]` of each `next` event of the stream, until it ends. */
export async function sseEvents<T>(response: Response, field: string): Promise<T[]> {
  const events: T[] = [];
  const messages = sseMessages(response.body!);
  for (let message = await messages.next(); message; message = await messages.next()) {
    if (message.event === 'next') events.push((message.data as { data: Record<string, T> }).data[field]);
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
  const messages = sseMessages(response.body!);
  return {
    async next() {
      for (let message = await messages.next(); message; message = await messages.next()) {
        if (message.event === 'next') return message.data as StreamedResult<T>;
        if (message.event === 'complete') return null;
      }
      return null;
    },
    close: () => messages.cancel(),
  };
}
