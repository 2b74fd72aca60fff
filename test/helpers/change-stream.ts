/**
 * A GraphQL subscription held open over SSE, read as its events arrive:
 * for tests that wait for the next change while they make it.
 */
import { sseMessages } from './sse.js';
import { basic, DEMO_USERS, type DemoUser } from './stack.js';

export interface SsePayload<T> {
  data?: Record<string, T> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface OpenStream<T> {
  status: number;
  /** The next `count` payloads (an answer that is no event stream, such as a refusal, is one payload), or what came within `timeoutMs` (fewer: the test says what it expected). */
  take(count: number, timeoutMs?: number): Promise<SsePayload<T>[]>;
  /** Payloads received and not yet taken. */
  pending(): number;
  close(): void;
}

/** Opens `query` as `as` at the gateway `base` (`http://host:port`) over SSE. */
export async function openStream<T>(base: string, query: string, as: DemoUser = 'admin', variables?: Record<string, unknown>): Promise<OpenStream<T>> {
  const controller = new AbortController();
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json', accept: 'text/event-stream',
      authorization: basic(DEMO_USERS[as].username, DEMO_USERS[as].password),
    },
    body: JSON.stringify({ query, variables }),
  });
  const queue: SsePayload<T>[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const json = !response.headers.get('content-type')?.startsWith('text/event-stream');
  void (async () => {
    if (json) {
      // refused before any stream: its one answer
      queue.push(await response.json().catch(() => ({})) as SsePayload<T>);
      ended = true;
      wake?.();
      return;
    }
    try {
      const messages = sseMessages(response.body!);
      for (let message = await messages.next(); message; message = await messages.next()) {
        if (message.event !== 'next') continue;
        queue.push(message.data as SsePayload<T>);
        wake?.();
      }
    } catch {
      // closed by the test
    }
    ended = true;
    wake?.();
  })();
  return {
    status: response.status,
    pending: () => queue.length,
    async take(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length < count && !ended && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(0, deadline - Date.now()));
        });
      }
      return queue.splice(0, count);
    },
    close: () => controller.abort(),
  };
}
