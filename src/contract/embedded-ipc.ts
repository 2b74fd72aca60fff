/**
 * What the embedded Upsales service tells the gateway that started it, over
 * the IPC channel between them: the URL it serves once it listens, or why it
 * could not start. The service lives as long as that channel is open.
 */
export type EmbeddedMessage =
  | { type: 'ready'; url: string; port: number }
  | { type: 'failed'; message: string };
