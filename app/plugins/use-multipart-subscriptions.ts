/**
 * Subscriptions over HTTP multipart, as Apollo Client's HttpLink asks for
 * them (`Accept: multipart/mixed;subscriptionSpec=1.0`; graphql-yoga itself
 * answers subscriptions only as SSE or JSON): Apollo's multipart
 * subscription protocol. The answer is `multipart/mixed;boundary="graphql";
 * subscriptionSpec="1.0"`; each event is a part `{"payload": <result>}`
 * followed at once by the boundary (a reader knows a part is whole when it
 * sees the next boundary), a heartbeat part `{}` goes out at once and then
 * every {@link HEARTBEAT_MS} so that proxies keep the connection, a
 * transport failure is `{"payload": null, "errors": [...]}`, and the
 * closing boundary ends it. The client leaving ends the subscription. It is a stream like any
 * other (use-stream-caps.ts: caps and idle timeout apply). A live query
 * (`@live`) asked for this way is answered the same way, one part per
 * result (Apollo Client asks so when the query's context adds that Accept).
 */
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import { publicResult } from './public-result.js';
import { isLiveQuery } from './use-live-queries.js';

/** How often an open multipart subscription sends a heartbeat part. */
export const HEARTBEAT_MS = 5_000;

const SUBSCRIPTION_SPEC = /multipart\/mixed[^,]*subscriptionspec=("?)1\.0\1/i;

type FetchAPI = { TextEncoder: typeof TextEncoder; ReadableStream: typeof ReadableStream; Response: typeof Response };

function multipartSubscription(result: AsyncIterable<object>, fetchAPI: FetchAPI, heartbeatMs: number): Response {
  const encoder = new fetchAPI.TextEncoder();
  // Each part is followed by the boundary at once: a reader knows a part is whole only when it sees the next boundary.
  const part = (body: object) => encoder.encode(`\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(body)}\r\n--graphql`);
  const iterator = result[Symbol.asyncIterator]();
  let heartbeat: NodeJS.Timeout | undefined;
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, last?: object) => {
    clearInterval(heartbeat);
    if (last) controller.enqueue(part(last));
    controller.enqueue(encoder.encode('--\r\n'));
    controller.close();
  };
  const stream = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('\r\n--graphql'));
      controller.enqueue(part({}));
      heartbeat = setInterval(() => {
        if ((controller.desiredSize ?? 0) > 0) controller.enqueue(part({}));
      }, heartbeatMs);
    },
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (done) finish(controller);
        else controller.enqueue(part({ payload: publicResult(value as { errors?: readonly GraphQLError[] }) }));
      } catch {
        finish(controller, { payload: null, errors: [{ message: 'The subscription failed', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      }
    },
    async cancel() {
      clearInterval(heartbeat);
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(stream, {
    status: 200,
    headers: { 'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"', 'cache-control': 'no-cache' },
  });
}

export function useMultipartSubscriptions(heartbeatMs = HEARTBEAT_MS): Plugin {
  /** Requests whose operation is a subscription or a live query (an incremental query's parts keep their own format). */
  const subscriptions = new WeakSet<Request>();
  return {
    onSubscribe({ args }) {
      const { request } = args.contextValue as { request?: Request };
      if (request) subscriptions.add(request);
    },
    onExecute({ args }) {
      const { request } = args.contextValue as { request?: Request };
      if (request && isLiveQuery(args.document, args.operationName, args.variableValues)) subscriptions.add(request);
    },
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result) || !subscriptions.has(request) || !SUBSCRIPTION_SPEC.test(request.headers.get('accept') ?? '')) return;
      setResultProcessor((processed, fetchAPI) => multipartSubscription(processed as AsyncIterable<object>, fetchAPI as FetchAPI, heartbeatMs), 'multipart/mixed');
    },
  };
}
