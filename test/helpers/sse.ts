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
