/**
 * An incremental (@defer/@stream) answer read the way a page reads it: the
 * payloads of a `multipart/mixed` body as they arrive, and the data they
 * add up to. Apollo Client and urql do this themselves; this is what they
 * do, in a few lines.
 */

export interface PayloadError { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }

/** One payload: the first has `data`, the later ones `incremental` patches. */
export interface IncrementalPayload {
  data?: Record<string, unknown> | null;
  incremental?: { data?: Record<string, unknown>; items?: unknown[]; path: (string | number)[]; label?: string; errors?: PayloadError[] }[];
  errors?: PayloadError[];
  hasNext: boolean;
  extensions?: { upsales?: { soapCalls: number; queuedMs: number; estimatedCalls: number } } & Record<string, unknown>;
}

/** The payloads of a multipart/mixed response, each as soon as it has arrived whole. */
export async function* multipartPayloads(response: Response): AsyncGenerator<IncrementalPayload> {
  const boundary = /boundary="?([^";]+)"?/.exec(response.headers.get('content-type') ?? '')?.[1];
  if (!boundary || !response.body) throw new Error(`Not a multipart response: ${response.headers.get('content-type')}`);
  const delimiter = `\r\n--${boundary}`;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf(delimiter); end >= 0; end = buffer.indexOf(delimiter)) {
      const part = buffer.slice(0, end);
      buffer = buffer.slice(end + delimiter.length);
      const body = part.indexOf('\r\n\r\n');
      if (body >= 0) yield JSON.parse(part.slice(body + 4)) as IncrementalPayload;
    }
  }
}

/** `data` with a later payload's patches applied: deferred fields merged at their path, streamed items put in their list. */
export function applyPayload(data: Record<string, unknown>, payload: IncrementalPayload): Record<string, unknown> {
  for (const patch of payload.incremental ?? []) {
    let at: any = data;
    for (const key of patch.path.slice(0, patch.items ? -1 : undefined)) at = at[key];
    if (patch.items) (at as unknown[]).splice(Number(patch.path.at(-1)), patch.items.length, ...patch.items);
    else if (patch.data) Object.assign(at, patch.data);
  }
  return data;
}

/** Every error of a payload, its patches' included. */
export const payloadErrors = (payload: IncrementalPayload): PayloadError[] =>
  [...(payload.errors ?? []), ...(payload.incremental ?? []).flatMap((patch) => patch.errors ?? [])];
